//! Offline inclusion proofs (`c2sp.org/tlog-proof@v1`).
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! [extra <base64 opaque data>]
//! index <leaf index, decimal>
//! <base64 hash, one per line, leaf's sibling first>
//!                                      <- blank line
//! <signed checkpoint, verbatim>
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{Checkpoint, CheckpointError, open_checkpoint, parse_decimal, parse_hash};
use crate::cosignature::{CosignatureError, VerifiedCosignature, verify_cosignatures};
use crate::merkle::{Hash, ProofError, leaf_hash, verify_inclusion};
use crate::note::Verifier;

/// First line of every proof file.
pub const PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Longest inclusion proof possible in a tree of at most `u64::MAX` leaves.
const MAX_PROOF_HASHES: usize = 64;

/// The parts of a proof file. Nothing in it is trusted until verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofFile {
    /// Opaque, unauthenticated application data (`extra` line), if any.
    pub extra: Option<Vec<u8>>,
    /// Index of the leaf in the log.
    pub index: u64,
    /// Inclusion proof, leaf's sibling first.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim (ends with a newline).
    pub checkpoint: String,
}

/// Why a proof file was refused.
///
/// The first group of variants means a malformed file; the wrapped errors
/// come from checking the checkpoint signature, the witness quorum and the
/// inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofFileError {
    /// The first line is not `c2sp.org/tlog-proof@v1`.
    #[error("missing c2sp.org/tlog-proof@v1 header")]
    MissingHeader,
    /// The `extra` data is not canonical base64.
    #[error("extra data is not valid base64")]
    InvalidExtra,
    /// No `index <n>` line where one is required.
    #[error("missing index line")]
    MissingIndex,
    /// The index is not a canonical decimal `u64`.
    #[error("index {0:?} is not a decimal number without sign or leading zeros")]
    InvalidIndex(String),
    /// A proof line is not base64 of 32 bytes.
    #[error("proof line {line} is not base64 of a 32-byte hash")]
    InvalidHash {
        /// 1-based line number in the file.
        line: usize,
    },
    /// More proof lines than any tree can need.
    #[error("more than {max} proof hashes")]
    TooManyHashes {
        /// The limit.
        max: usize,
    },
    /// The file ends before the blank line and the checkpoint.
    #[error("missing blank line and checkpoint after the proof hashes")]
    MissingCheckpoint,
    /// A header line is not ASCII text.
    #[error("line {line} is not valid text")]
    NotText {
        /// 1-based line number.
        line: usize,
    },
    /// The checkpoint is malformed, not signed by the log key, or for another origin.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The witness cosignatures are invalid or too few.
    #[error("witnesses: {0}")]
    Cosignature(#[from] CosignatureError),
    /// The inclusion proof does not lead to the checkpoint root.
    #[error("inclusion: {0}")]
    Inclusion(#[from] ProofError),
}

/// Splits off the next `\n`-terminated line as text.
fn next_line<'a>(rest: &mut &'a [u8], number: usize) -> Result<Option<&'a str>, ProofFileError> {
    let Some(pos) = rest.iter().position(|&b| b == b'\n') else {
        return Ok(None);
    };
    let (line, tail) = rest.split_at(pos);
    *rest = tail.get(1..).unwrap_or_default();
    let line = std::str::from_utf8(line).map_err(|_| ProofFileError::NotText { line: number })?;
    Ok(Some(line))
}

impl ProofFile {
    /// Parses a proof file strictly. Checks syntax only; see [`verify_proof_file`].
    pub fn parse(file: &[u8]) -> Result<Self, ProofFileError> {
        let mut rest = file;
        if next_line(&mut rest, 1)? != Some(PROOF_HEADER) {
            return Err(ProofFileError::MissingHeader);
        }
        let mut number = 2;
        let mut line = next_line(&mut rest, number)?.ok_or(ProofFileError::MissingIndex)?;
        let mut extra = None;
        if let Some(data) = line.strip_prefix("extra ") {
            extra = Some(BASE64.decode(data).map_err(|_| ProofFileError::InvalidExtra)?);
            number += 1;
            line = next_line(&mut rest, number)?.ok_or(ProofFileError::MissingIndex)?;
        }
        let index = line.strip_prefix("index ").ok_or(ProofFileError::MissingIndex)?;
        let index = parse_decimal(index).ok_or_else(|| ProofFileError::InvalidIndex(index.to_owned()))?;
        let mut proof = Vec::new();
        loop {
            number += 1;
            let line = next_line(&mut rest, number)?.ok_or(ProofFileError::MissingCheckpoint)?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(ProofFileError::TooManyHashes { max: MAX_PROOF_HASHES });
            }
            proof.push(parse_hash(line).ok_or(ProofFileError::InvalidHash { line: number })?);
        }
        if rest.is_empty() {
            return Err(ProofFileError::MissingCheckpoint);
        }
        // The note parser checks the checkpoint itself; here it only has to be text.
        let checkpoint = std::str::from_utf8(rest).map_err(|_| ProofFileError::NotText { line: number + 1 })?;
        Ok(Self { extra, index, proof, checkpoint: checkpoint.to_owned() })
    }

    /// The proof file text.
    pub fn encode(&self) -> String {
        let mut out = format!("{PROOF_HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", BASE64.encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for hash in &self.proof {
            out.push_str(&BASE64.encode(hash));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }
}

/// What a verified proof file establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    /// Index of the record in the log.
    pub index: u64,
    /// The checkpoint, signed by the log key, whose tree includes the record.
    pub checkpoint: Checkpoint,
    /// Witness cosignatures that verified (at least the quorum).
    pub cosignatures: Vec<VerifiedCosignature>,
    /// The unauthenticated `extra` data, if any: do not trust it implicitly.
    pub extra: Option<Vec<u8>>,
}

/// Verifies a proof file for a record.
///
/// Checks, in order: the file syntax; the checkpoint signature by `log_key`
/// (whose name must be the origin); that at least `quorum` distinct
/// `witnesses` cosigned it; and that `leaf_hash(record_hash)` is leaf `index`
/// of the checkpoint's tree.
pub fn verify_proof_file(
    file: &[u8],
    record_hash: &[u8; 32],
    log_key: &Verifier,
    witnesses: &[Verifier],
    quorum: usize,
) -> Result<VerifiedProof, ProofFileError> {
    let parsed = ProofFile::parse(file)?;
    let opened = open_checkpoint(parsed.checkpoint.as_bytes(), log_key)?;
    let cosignatures = verify_cosignatures(&opened.note, witnesses, quorum)?;
    let cp = opened.checkpoint;
    verify_inclusion(&leaf_hash(record_hash), parsed.index, cp.size, &parsed.proof, &cp.root)?;
    Ok(VerifiedProof { index: parsed.index, checkpoint: cp, cosignatures, extra: parsed.extra })
}
