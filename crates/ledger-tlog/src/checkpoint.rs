//! C2SP checkpoints (`c2sp.org/tlog-checkpoint`): the signed note text naming a tree head.
//!
//! ```text
//! <origin>
//! <tree size, decimal, no leading zeros>
//! <base64 of the 32-byte RFC 6962 root>
//! [<extension line>...]
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::merkle::Hash;
use crate::note::{Note, NoteError, Signer, Verifier};

/// A tree head: which log, how many leaves, which root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    /// Unique name of the log (first line). Must be non-empty and, to be
    /// signed by this crate, equal to the log key's name.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// RFC 6962 root of the first `size` leaves.
    pub root: Hash,
    /// Optional opaque, non-empty extra lines (not recommended by the spec).
    pub extensions: Vec<String>,
}

/// Why a checkpoint was refused.
///
/// `Note`, `OriginMismatch` and `KeyNameMismatch` concern signatures; the
/// rest mean malformed checkpoint text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The text does not end with a newline.
    #[error("checkpoint text does not end with a newline")]
    MissingFinalNewline,
    /// Fewer than three lines.
    #[error("checkpoint has fewer than three lines")]
    TooFewLines,
    /// The origin line is empty.
    #[error("checkpoint origin is empty")]
    EmptyOrigin,
    /// A line holds a control character (including a stray newline in a field).
    #[error("control character in checkpoint line {line}")]
    ControlCharacter {
        /// 1-based line number.
        line: usize,
    },
    /// The size line is not a canonical decimal `u64`.
    #[error("line 2 (the tree size) is not a decimal number without sign or leading zeros")]
    InvalidSize(String),
    /// The root line is not canonical base64 of exactly 32 bytes.
    #[error("line 3 (the root hash) is not the base64 of 32 bytes")]
    InvalidRoot(String),
    /// An extension line is empty.
    #[error("extension line {line} is empty")]
    EmptyExtension {
        /// 1-based line number.
        line: usize,
    },
    /// The signed note is malformed or its signature does not verify.
    #[error("checkpoint note: {0}")]
    Note(#[from] NoteError),
    /// The checkpoint is signed by the given key but names another origin.
    #[error("checkpoint origin {origin:?} is not the log key name {key_name:?}")]
    OriginMismatch {
        /// Origin line of the checkpoint.
        origin: String,
        /// Name of the log key.
        key_name: String,
    },
    /// Signing with a key whose name is not the origin.
    #[error("signer name {key_name:?} is not the checkpoint origin {origin:?}")]
    KeyNameMismatch {
        /// Origin line of the checkpoint.
        origin: String,
        /// Name of the signing key.
        key_name: String,
    },
}

fn check_line(line: &str, number: usize) -> Result<(), CheckpointError> {
    if line.chars().any(char::is_control) {
        return Err(CheckpointError::ControlCharacter { line: number });
    }
    Ok(())
}

/// Parses a canonical decimal `u64`: digits only, no sign, no leading zero except `0` itself.
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    let canonical = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

/// Decodes canonical standard base64 of exactly 32 bytes.
pub(crate) fn parse_hash(s: &str) -> Option<Hash> {
    BASE64.decode(s).ok()?.try_into().ok()
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Self { origin: origin.into(), size, root, extensions: Vec::new() }
    }

    /// Parses checkpoint text (a note text, ending with a newline) strictly.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or(CheckpointError::MissingFinalNewline)?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(CheckpointError::TooFewLines);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        check_line(origin, 1)?;
        let size_value = parse_decimal(size).ok_or_else(|| CheckpointError::InvalidSize(size.to_owned()))?;
        let root_value = parse_hash(root).ok_or_else(|| CheckpointError::InvalidRoot(root.to_owned()))?;
        let mut extensions = Vec::new();
        for (i, line) in lines.enumerate() {
            let number = i + 4;
            if line.is_empty() {
                return Err(CheckpointError::EmptyExtension { line: number });
            }
            check_line(line, number)?;
            extensions.push(line.to_owned());
        }
        Ok(Self { origin: origin.to_owned(), size: size_value, root: root_value, extensions })
    }

    /// Encodes the checkpoint text, refusing fields that would not parse back.
    pub fn encode(&self) -> Result<String, CheckpointError> {
        if self.origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        check_line(&self.origin, 1)?;
        let mut out = format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root));
        for (i, ext) in self.extensions.iter().enumerate() {
            if ext.is_empty() {
                return Err(CheckpointError::EmptyExtension { line: i + 4 });
            }
            check_line(ext, i + 4)?;
            out.push_str(ext);
            out.push('\n');
        }
        Ok(out)
    }
}

impl fmt::Display for Checkpoint {
    /// The checkpoint text; fields that [`Checkpoint::encode`] would refuse are written as is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root))?;
        self.extensions.iter().try_for_each(|ext| writeln!(f, "{ext}"))
    }
}

/// A checkpoint whose log signature verified, with the whole note (so that
/// witness cosignatures can be checked, see [`crate::verify_cosignatures`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedCheckpoint {
    /// The parsed checkpoint.
    pub checkpoint: Checkpoint,
    /// The signed note it came from, with every signature line.
    pub note: Note,
}

/// Signs a checkpoint with the log key and returns the signed note.
///
/// The key name must equal the origin.
pub fn sign_checkpoint(checkpoint: &Checkpoint, log_key: &Signer) -> Result<String, CheckpointError> {
    if checkpoint.origin != log_key.name() {
        return Err(CheckpointError::KeyNameMismatch {
            origin: checkpoint.origin.clone(),
            key_name: log_key.name().to_owned(),
        });
    }
    let mut note = Note::new(checkpoint.encode()?)?;
    note.sign(log_key)?;
    Ok(note.encode())
}

/// Parses a signed checkpoint and verifies the log's signature.
///
/// Other signatures (witnesses, other keys) are kept in the returned note but
/// not checked. The origin must equal the log key's name.
pub fn open_checkpoint(signed: &[u8], log_key: &Verifier) -> Result<OpenedCheckpoint, CheckpointError> {
    let note = Note::parse(signed)?;
    note.verify(std::slice::from_ref(log_key))?;
    let checkpoint = Checkpoint::parse(note.text())?;
    if checkpoint.origin != log_key.name() {
        return Err(CheckpointError::OriginMismatch { origin: checkpoint.origin, key_name: log_key.name().to_owned() });
    }
    Ok(OpenedCheckpoint { checkpoint, note })
}
