//! C2SP signed notes (`c2sp.org/signed-note`) with Ed25519 keys.
//!
//! ```text
//! <text, one or more lines, each ending in \n>
//!                                    <- blank line
//! — <key name> <base64(key id [4 bytes, big-endian] || signature)>
//! ```
//!
//! Two signature types are supported: plain Ed25519 (type `0x01`, over the
//! note text) and timestamped Ed25519 witness cosignatures (type `0x04`,
//! `c2sp.org/tlog-cosignature`, see [`crate::cosignature`]). Both verify with
//! `ed25519-dalek`'s `verify_strict`, which rejects non-canonical signatures
//! and small-order keys.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Most signatures a note may carry (Go's `sumdb/note` limit; the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 100;

const SIG_PREFIX: &str = "\u{2014} ";

/// Signature type of a key, the byte hashed into its key id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// `0x01`: Ed25519 over the note text.
    Ed25519,
    /// `0x04`: timestamped Ed25519 witness cosignature (`cosignature/v1`).
    CosignatureV1,
}

impl KeyType {
    /// The signature type identifier byte.
    pub const fn type_byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => 0x01,
            KeyType::CosignatureV1 => 0x04,
        }
    }

    /// The key type for a signature type identifier byte, if supported.
    pub const fn from_type_byte(byte: u8) -> Option<Self> {
        match byte {
            0x01 => Some(KeyType::Ed25519),
            0x04 => Some(KeyType::CosignatureV1),
            _ => None,
        }
    }
}

/// Key id: the first 4 bytes, big-endian, of `SHA-256(name || 0x0A || type byte || public key)`.
pub fn key_id(name: &str, key_type: KeyType, public_key: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', key_type.type_byte()]);
    h.update(public_key);
    let digest: [u8; 32] = h.finalize().into();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Whether `name` is a valid key name: non-empty, no Unicode white space, no
/// `+`, and (stricter than the spec, since a note cannot hold them anyway) no
/// control characters.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// What is wrong with a key name, in words that do not quote it.
fn name_problem(name: &str) -> &'static str {
    if name.is_empty() {
        "it is empty"
    } else if name.contains('+') {
        "it contains '+'"
    } else if name.chars().any(char::is_control) {
        "it contains a control character or a line break"
    } else if name.chars().any(char::is_whitespace) {
        "it contains white space"
    } else {
        "it is not a valid name"
    }
}

/// Why a key or verifier key string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Empty key name, or one containing white space, `+` or control characters.
    ///
    /// The message says what is wrong with the name without quoting it: the
    /// text may come from a file that holds something secret.
    #[error("invalid key name: {}", name_problem(.0))]
    InvalidName(String),
    /// The verifier key is not of the form `<name>+<key id>+<key data>`.
    #[error("verifier key is not of the form <name>+<key id>+<base64 key>")]
    Malformed,
    /// The key id is not exactly 8 lowercase hexadecimal digits.
    #[error("the key id is not 8 lowercase hex digits ({} characters)", .0.chars().count())]
    MalformedKeyId(String),
    /// The key data is not canonical standard base64.
    #[error("key data is not valid base64")]
    InvalidBase64,
    /// The signature type byte is not one this crate supports (0x01, 0x04).
    #[error("unknown key type 0x{0:02x}")]
    UnknownKeyType(u8),
    /// The key data is missing its type byte or the key is not 32 bytes.
    #[error("public key is {got} bytes, expected 32")]
    WrongKeyLength {
        /// Number of key bytes after the type byte.
        got: usize,
    },
    /// The stated key id is not the hash of the name and key.
    #[error("key id {stated:08x} does not match the key (computed {computed:08x})")]
    KeyIdMismatch {
        /// Key id written in the string.
        stated: u32,
        /// Key id computed from name, type and key.
        computed: u32,
    },
    /// The bytes are not a usable Ed25519 public key (not a curve point, or of small order).
    #[error("invalid Ed25519 public key")]
    InvalidPublicKey,
}

/// A public key that can verify note signatures: a name, a type and an Ed25519 key.
///
/// Its text form is the verifier key string `<name>+<key id, 8 hex>+<base64(type || key)>`
/// ([`fmt::Display`] and [`FromStr`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Verifier {
    name: String,
    key_type: KeyType,
    key: VerifyingKey,
    key_id: u32,
}

impl Verifier {
    /// A verifier for `public_key` under `name`.
    pub fn new(name: &str, key_type: KeyType, public_key: VerifyingKey) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName(name.to_owned()));
        }
        if public_key.is_weak() {
            return Err(KeyError::InvalidPublicKey);
        }
        Ok(Self {
            name: name.to_owned(),
            key_type,
            key_id: key_id(name, key_type, public_key.as_bytes()),
            key: public_key,
        })
    }

    /// Parses a verifier key string strictly.
    pub fn parse(vkey: &str) -> Result<Self, KeyError> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(KeyError::Malformed);
        };
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName(name.to_owned()));
        }
        let stated = Some(id_hex)
            .filter(|h| h.len() == 8 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| KeyError::MalformedKeyId(id_hex.to_owned()))?;
        let data = BASE64.decode(key_b64).map_err(|_| KeyError::InvalidBase64)?;
        let Some((&type_byte, key)) = data.split_first() else {
            return Err(KeyError::WrongKeyLength { got: 0 });
        };
        let key_type = KeyType::from_type_byte(type_byte).ok_or(KeyError::UnknownKeyType(type_byte))?;
        let key: &[u8; 32] = key.try_into().map_err(|_| KeyError::WrongKeyLength { got: key.len() })?;
        let computed = key_id(name, key_type, key);
        if computed != stated {
            return Err(KeyError::KeyIdMismatch { stated, computed });
        }
        let key = VerifyingKey::from_bytes(key).map_err(|_| KeyError::InvalidPublicKey)?;
        Self::new(name, key_type, key)
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key id (see [`key_id`]).
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Signature type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Whether `signature` (the bytes after the 4-byte key id) is a valid
    /// signature by this key on the note text `text`.
    pub fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        match self.key_type {
            KeyType::Ed25519 => {
                let Ok(sig) = <&[u8; 64]>::try_from(signature) else {
                    return false;
                };
                self.key.verify_strict(text, &Signature::from_bytes(sig)).is_ok()
            }
            KeyType::CosignatureV1 => {
                let Some((ts, sig)) = signature.split_first_chunk::<8>() else {
                    return false;
                };
                let Ok(sig) = <&[u8; 64]>::try_from(sig) else {
                    return false;
                };
                let ts = u64::from_be_bytes(*ts);
                if ts > i64::MAX as u64 {
                    return false;
                }
                let msg = cosignature_message(ts, text);
                self.key.verify_strict(&msg, &Signature::from_bytes(sig)).is_ok()
            }
        }
    }

    fn matches(&self, sig: &NoteSignature) -> bool {
        self.name == sig.name && self.key_id == sig.key_id
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut data = Vec::with_capacity(33);
        data.push(self.key_type.type_byte());
        data.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.key_id, BASE64.encode(data))
    }
}

impl FromStr for Verifier {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        Self::parse(s)
    }
}

/// The message an Ed25519 `cosignature/v1` signs: `cosignature/v1\ntime <ts>\n` then the note text.
pub(crate) fn cosignature_message(timestamp: u64, text: &[u8]) -> Vec<u8> {
    let mut msg = format!("cosignature/v1\ntime {timestamp}\n").into_bytes();
    msg.extend_from_slice(text);
    msg
}

/// An Ed25519 note signer (type `0x01`). Holds the private key; its `Debug`
/// output shows only the name and key id.
#[derive(Clone)]
pub struct Signer {
    key: SigningKey,
    verifier: Verifier,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("name", &self.verifier.name)
            .field("key_id", &format_args!("{:08x}", self.verifier.key_id))
            .finish()
    }
}

impl Signer {
    /// A signer for `key` under `name`.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, KeyError> {
        let verifier = Verifier::new(name, KeyType::Ed25519, key.verifying_key())?;
        Ok(Self { key, verifier })
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.verifier.name
    }

    /// Key id.
    pub fn key_id(&self) -> u32 {
        self.verifier.key_id
    }

    /// The matching verifier (publish its string form).
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Signs a note text (checked with the same rules as [`Note::new`]).
    pub fn sign(&self, text: &str) -> Result<NoteSignature, NoteError> {
        check_text(text)?;
        Ok(NoteSignature {
            name: self.verifier.name.clone(),
            key_id: self.verifier.key_id,
            signature: self.key.sign(text.as_bytes()).to_bytes().to_vec(),
        })
    }
}

/// Why a note was refused.
///
/// Every variant but the last three means the input is not a well-formed
/// note; [`NoteError::AmbiguousKey`], [`NoteError::InvalidSignature`] and
/// [`NoteError::NoVerifiedSignature`] are verification failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note is not valid UTF-8.
    #[error("note is not valid UTF-8")]
    NotUtf8,
    /// An ASCII control character other than newline.
    #[error("control character at byte {offset}")]
    ControlCharacter {
        /// Byte offset of the character.
        offset: usize,
    },
    /// The note text is empty.
    #[error("note text is empty")]
    EmptyText,
    /// The note text does not end with a newline.
    #[error("note text does not end with a newline")]
    TextMissingNewline,
    /// No blank line separates the text from the signatures.
    #[error("no blank line before the signatures")]
    MissingSignatureSeparator,
    /// Nothing after the blank line.
    #[error("note has no signature lines")]
    NoSignatures,
    /// The last signature line does not end with a newline.
    #[error("signature block does not end with a newline")]
    MissingFinalNewline,
    /// A signature line is not `— <name> <base64>` with a valid name and at least 5 bytes.
    #[error("malformed signature line {line}: {reason}")]
    MalformedSignatureLine {
        /// 1-based line number within the signature block.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("more than {max} signatures")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// Two different known keys share a name and key id.
    #[error("ambiguous key {name}+{key_id:08x}: several known keys match")]
    AmbiguousKey {
        /// Key name.
        name: String,
        /// Key id.
        key_id: u32,
    },
    /// A signature by a known key does not verify.
    #[error("invalid signature by known key {name}+{key_id:08x}")]
    InvalidSignature {
        /// Key name.
        name: String,
        /// Key id.
        key_id: u32,
    },
    /// No signature is by a known key.
    #[error("note has no signature by a known key")]
    NoVerifiedSignature,
}

fn check_no_controls(s: &str) -> Result<(), NoteError> {
    match s.bytes().position(|b| b < 0x20 && b != b'\n') {
        Some(offset) => Err(NoteError::ControlCharacter { offset }),
        None => Ok(()),
    }
}

/// Checks a note text: non-empty, ends with `\n`, no control characters but `\n`.
pub(crate) fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() {
        return Err(NoteError::EmptyText);
    }
    check_no_controls(text)?;
    if !text.ends_with('\n') {
        return Err(NoteError::TextMissingNewline);
    }
    Ok(())
}

/// One signature line of a note: key name, key id and signature bytes (after the key id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoteSignature {
    /// Key name.
    pub name: String,
    /// Key id.
    pub key_id: u32,
    /// Signature bytes following the key id (64 for Ed25519, 72 for a cosignature).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, `— <name> <base64(key id || signature)>\n`.
    pub fn to_line(&self) -> String {
        let mut data = Vec::with_capacity(4 + self.signature.len());
        data.extend_from_slice(&self.key_id.to_be_bytes());
        data.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, BASE64.encode(data))
    }

    fn parse_line(line: &str, number: usize) -> Result<Self, NoteError> {
        let bad = |reason| NoteError::MalformedSignatureLine { line: number, reason };
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(bad("does not start with an em dash and a space"))?;
        let (name, b64) = rest.split_once(' ').ok_or(bad("no space after the key name"))?;
        if !is_valid_key_name(name) {
            return Err(bad("invalid key name"));
        }
        let data = BASE64.decode(b64).map_err(|_| bad("signature is not valid base64"))?;
        match data.split_first_chunk::<4>() {
            Some((id, sig)) if !sig.is_empty() => {
                Ok(Self { name: name.to_owned(), key_id: u32::from_be_bytes(*id), signature: sig.to_vec() })
            }
            _ => Err(bad("signature shorter than 5 bytes")),
        }
    }
}

/// A note: its text and its signature lines, verified or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl Note {
    /// An unsigned note. The text must be non-empty, end with a newline and
    /// hold no control character other than newline.
    pub fn new(text: impl Into<String>) -> Result<Self, NoteError> {
        let text = text.into();
        check_text(&text)?;
        Ok(Self { text, signatures: Vec::new() })
    }

    /// Parses a signed note without verifying anything.
    ///
    /// The text is everything up to the last blank line; every line after it
    /// must be a signature line.
    pub fn parse(msg: &[u8]) -> Result<Self, NoteError> {
        let msg = std::str::from_utf8(msg).map_err(|_| NoteError::NotUtf8)?;
        check_no_controls(msg)?;
        let split = msg.rfind("\n\n").ok_or(NoteError::MissingSignatureSeparator)?;
        let (Some(text), Some(block)) = (msg.get(..split + 1), msg.get(split + 2..)) else {
            return Err(NoteError::MissingSignatureSeparator);
        };
        if block.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let block = block.strip_suffix('\n').ok_or(NoteError::MissingFinalNewline)?;
        let mut signatures = Vec::new();
        for (i, line) in block.split('\n').enumerate() {
            if i >= MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures { max: MAX_SIGNATURES });
            }
            signatures.push(NoteSignature::parse_line(line, i + 1)?);
        }
        Ok(Self { text: text.to_owned(), signatures })
    }

    /// The note text, including its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// All signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds a signature line, replacing any existing one with the same name and key id.
    pub fn add_signature(&mut self, sig: NoteSignature) -> Result<(), NoteError> {
        if !is_valid_key_name(&sig.name) || sig.signature.is_empty() {
            return Err(NoteError::MalformedSignatureLine {
                line: self.signatures.len() + 1,
                reason: "invalid key name or empty signature",
            });
        }
        self.signatures.retain(|s| !(s.name == sig.name && s.key_id == sig.key_id));
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures { max: MAX_SIGNATURES });
        }
        self.signatures.push(sig);
        Ok(())
    }

    /// Signs the note with `signer` (replacing an older signature by the same key).
    pub fn sign(&mut self, signer: &Signer) -> Result<(), NoteError> {
        let sig = signer.sign(&self.text)?;
        self.add_signature(sig)
    }

    /// Verifies the signatures against the `known` keys.
    ///
    /// Signatures whose name and key id match no known key are ignored. Every
    /// signature by a known key is verified, and one that fails rejects the
    /// whole note. At least one must verify. Returns the verified signatures,
    /// one per key, in note order.
    pub fn verify(&self, known: &[Verifier]) -> Result<Vec<NoteSignature>, NoteError> {
        let mut verified: Vec<NoteSignature> = Vec::new();
        for sig in &self.signatures {
            let mut matching = known.iter().filter(|v| v.matches(sig));
            let Some(verifier) = matching.next() else {
                continue;
            };
            if matching.any(|other| other != verifier) {
                return Err(NoteError::AmbiguousKey { name: sig.name.clone(), key_id: sig.key_id });
            }
            if !verifier.verify(self.text.as_bytes(), &sig.signature) {
                return Err(NoteError::InvalidSignature { name: sig.name.clone(), key_id: sig.key_id });
            }
            if !verified.iter().any(|v| v.name == sig.name && v.key_id == sig.key_id) {
                verified.push(sig.clone());
            }
        }
        if verified.is_empty() {
            return Err(NoteError::NoVerifiedSignature);
        }
        Ok(verified)
    }

    /// The signed note: text, blank line, signature lines.
    ///
    /// A note without signatures encodes to something [`Note::parse`] refuses.
    pub fn encode(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for sig in &self.signatures {
            out.push_str(&sig.to_line());
        }
        out
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// A parsed note together with the signatures that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    /// The whole note, including signatures by unknown keys.
    pub note: Note,
    /// Signatures by known keys, all valid, one per key.
    pub verified: Vec<NoteSignature>,
}

/// Signs `text` with each signer and returns the signed note.
pub fn sign_note(text: &str, signers: &[&Signer]) -> Result<String, NoteError> {
    let mut note = Note::new(text)?;
    for signer in signers {
        note.sign(signer)?;
    }
    Ok(note.encode())
}

/// Parses `msg` and verifies it against `known` (see [`Note::verify`]).
pub fn open_note(msg: &[u8], known: &[Verifier]) -> Result<OpenedNote, NoteError> {
    let note = Note::parse(msg)?;
    let verified = note.verify(known)?;
    Ok(OpenedNote { note, verified })
}
