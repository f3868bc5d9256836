//! Ed25519 witness cosignatures (`c2sp.org/tlog-cosignature`, `cosignature/v1`).
//!
//! A witness signs `cosignature/v1\ntime <unix seconds>\n` followed by the
//! checkpoint text; the note signature is the 8-byte big-endian timestamp
//! followed by the 64-byte Ed25519 signature, and the key id uses type `0x04`.
//! The signed message does not include the witness name, so one public key
//! must never serve two witnesses; quorums here count distinct public keys.

use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey};

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::note::{KeyError, KeyType, Note, NoteSignature, Verifier, cosignature_message};

/// Why cosigning or cosignature verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CosignatureError {
    /// The checkpoint to cosign does not encode.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// A timestamp above 2^63 - 1 (forbidden by the spec).
    #[error("timestamp {0} exceeds 2^63 - 1")]
    TimestampOutOfRange(u64),
    /// A witness key given for verification is not a `cosignature/v1` (type 0x04) key.
    #[error("witness key {name}+{key_id:08x} is not a cosignature/v1 key")]
    NotACosignatureKey {
        /// Key name.
        name: String,
        /// Key id.
        key_id: u32,
    },
    /// A known witness's cosignature does not verify.
    #[error("invalid cosignature by witness {name}+{key_id:08x}")]
    InvalidCosignature {
        /// Witness name.
        name: String,
        /// Key id.
        key_id: u32,
    },
    /// Fewer distinct known witnesses cosigned than required.
    #[error("{verified} of the required {required} witness cosignatures verified")]
    QuorumNotMet {
        /// Quorum asked for.
        required: usize,
        /// Distinct witnesses whose cosignature verified.
        verified: usize,
    },
}

/// A witness signing key (type `0x04`). `Debug` shows only the name and key id.
#[derive(Clone)]
pub struct Cosigner {
    key: SigningKey,
    verifier: Verifier,
}

impl fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cosigner")
            .field("name", &self.verifier.name())
            .field("key_id", &format_args!("{:08x}", self.verifier.key_id()))
            .finish()
    }
}

impl Cosigner {
    /// A witness key `key` named `name`.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, KeyError> {
        let verifier = Verifier::new(name, KeyType::CosignatureV1, key.verifying_key())?;
        Ok(Self { key, verifier })
    }

    /// Witness name.
    pub fn name(&self) -> &str {
        self.verifier.name()
    }

    /// Key id (type 0x04).
    pub fn key_id(&self) -> u32 {
        self.verifier.key_id()
    }

    /// The matching verifier; its string form is the witness's public key.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Cosigns `checkpoint` as of `timestamp` (Unix seconds, supplied by the
    /// caller: this crate reads no clock). Append [`NoteSignature::to_line`]
    /// of the result to the signed checkpoint, or use [`Note::add_signature`].
    pub fn cosign(&self, checkpoint: &Checkpoint, timestamp: u64) -> Result<NoteSignature, CosignatureError> {
        if timestamp > i64::MAX as u64 {
            return Err(CosignatureError::TimestampOutOfRange(timestamp));
        }
        let text = checkpoint.encode()?;
        let sig = self.key.sign(&cosignature_message(timestamp, text.as_bytes()));
        let mut signature = Vec::with_capacity(72);
        signature.extend_from_slice(&timestamp.to_be_bytes());
        signature.extend_from_slice(&sig.to_bytes());
        Ok(NoteSignature { name: self.name().to_owned(), key_id: self.key_id(), signature })
    }
}

/// A cosignature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCosignature {
    /// Witness name.
    pub name: String,
    /// Witness key id.
    pub key_id: u32,
    /// When the witness cosigned (Unix seconds, as claimed by the witness).
    pub timestamp: u64,
}

/// Timestamp carried by a `cosignature/v1` signature, if it has the right length.
pub fn cosignature_timestamp(sig: &NoteSignature) -> Option<u64> {
    if sig.signature.len() != 72 {
        return None;
    }
    sig.signature.first_chunk::<8>().map(|ts| u64::from_be_bytes(*ts))
}

/// Verifies the witness cosignatures on a checkpoint note and checks that at
/// least `quorum` distinct witnesses (distinct public keys) cosigned.
///
/// `witnesses` must all be `cosignature/v1` keys. Signature lines by other
/// keys (the log, unknown witnesses) are ignored; a line by a known witness
/// that does not verify rejects the note, as for any note.
pub fn verify_cosignatures(
    note: &Note,
    witnesses: &[Verifier],
    quorum: usize,
) -> Result<Vec<VerifiedCosignature>, CosignatureError> {
    if let Some(w) = witnesses.iter().find(|w| w.key_type() != KeyType::CosignatureV1) {
        return Err(CosignatureError::NotACosignatureKey { name: w.name().to_owned(), key_id: w.key_id() });
    }
    let mut verified = Vec::new();
    let mut keys_seen = Vec::new();
    for sig in note.signatures() {
        let mut matching = witnesses.iter().filter(|w| w.name() == sig.name && w.key_id() == sig.key_id).peekable();
        if matching.peek().is_none() {
            continue; // not a configured witness
        }
        for witness in matching {
            if !witness.verify(note.text().as_bytes(), &sig.signature) {
                return Err(CosignatureError::InvalidCosignature { name: sig.name.clone(), key_id: sig.key_id });
            }
            if !keys_seen.contains(witness.public_key()) {
                keys_seen.push(*witness.public_key());
            }
        }
        // A verified cosignature always carries a timestamp.
        let Some(timestamp) = cosignature_timestamp(sig) else {
            continue;
        };
        if !verified.iter().any(|v: &VerifiedCosignature| v.name == sig.name && v.key_id == sig.key_id) {
            verified.push(VerifiedCosignature { name: sig.name.clone(), key_id: sig.key_id, timestamp });
        }
    }
    if keys_seen.len() < quorum {
        return Err(CosignatureError::QuorumNotMet { required: quorum, verified: keys_seen.len() });
    }
    Ok(verified)
}
