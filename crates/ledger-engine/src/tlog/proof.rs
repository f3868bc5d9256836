//! Inclusion proofs: proving a record is in a signed checkpoint
//! (`Ledger::prove`, a `c2sp.org/tlog-proof@v1` file), and checking such a
//! proof offline against the log key and witness keys (`verify_proof`).

use crate::{Error, Ledger};
use ledger_core::Timestamp;
use ledger_tlog::{
    Checkpoint, CosignatureError, Note, NoteError, ProofError, ProofFile, ProofFileError, Verifier, leaf_hash,
    verify_inclusion,
};
use serde::Serialize;
use std::path::Path;

use super::checkpoint::{against_ledger, latest_recorded, open_signed_file};
use super::keys::{b64, log_keys, tree_error};

impl Ledger {
    /// An inclusion proof (`c2sp.org/tlog-proof@v1`) of record `seq` in a
    /// signed checkpoint: the one given, else the latest recorded. The
    /// proof is checked against the checkpoint's root before it is given.
    pub fn prove(&self, seq: u64, checkpoint: Option<&Path>, vkey: Option<&str>) -> Result<InclusionProof, Error> {
        let store = self.store();
        let tree = store.tree();
        let records = tree.current_size().map_err(tree_error)?;
        if seq >= records {
            return Err(Error::refused_with(
                format!("no record {seq}"),
                crate::Remedy::ChooseRecord { last: records - 1 },
            ));
        }
        let keys = log_keys(vkey, Some(self))?;
        let signed = match checkpoint {
            Some(path) => open_signed_file(path, &keys)?,
            None => latest_recorded(store, &keys)?.ok_or_else(|| {
                Error::refused_with(
                    "the ledger holds no signed checkpoint yet",
                    crate::Remedy::SignCheckpoint { newer: false },
                )
            })?,
        };
        let cp = &signed.checkpoint;
        if let Err(why) = against_ledger(&tree, records, cp)? {
            return Err(Error::refused_with(
                format!("{} does not describe this ledger: {why}", signed.source),
                crate::Remedy::VerifyAgainstCheckpoint,
            ));
        }
        if seq >= cp.size {
            return Err(Error::refused_with(
                format!("record {seq} is not in {}, which covers records 0 to {}", signed.source, cp.size - 1),
                crate::Remedy::SignCheckpoint { newer: true },
            ));
        }
        let raw = store.get(seq)?.ok_or_else(|| {
            Error::refused_with(format!("record {seq} is missing"), crate::Remedy::Verify { seq: Some(seq) })
        })?;
        let hash = <[u8; 32]>::try_from(raw.hash.as_slice())
            .ok()
            .filter(|h| raw.computed_hash().is_some_and(|c| c.0 == *h))
            .ok_or_else(|| {
                Error::refused_with(
                    format!("record {seq} does not match its stored hash"),
                    crate::Remedy::Verify { seq: Some(seq) },
                )
            })?;
        let proof = tree.inclusion_proof(seq, cp.size)?;
        if verify_inclusion(&leaf_hash(&hash), seq, cp.size, &proof, &cp.root).is_err() {
            return Err(Error::refused_with(
                format!("the stored Merkle tree does not lead from record {seq} to the checkpoint's root"),
                crate::Remedy::VerifyAgainstCheckpoint,
            ));
        }
        let file = ProofFile { extra: None, index: seq, proof, checkpoint: signed.text.clone() }.encode();
        Ok(InclusionProof { seq, record: hex::encode(hash), size: cp.size, root: b64(&cp.root), proof: file })
    }
}

/// An inclusion proof of one record.
#[derive(Debug, Clone, Serialize)]
pub struct InclusionProof {
    /// The record.
    pub seq: u64,
    /// Its hash (hex).
    pub record: String,
    /// The size of the signed tree it is in.
    pub size: u64,
    /// That tree's root (base64).
    pub root: String,
    /// The `c2sp.org/tlog-proof@v1` file.
    pub proof: String,
}

/// A witness cosignature that verified.
#[derive(Debug, Clone, Serialize)]
pub struct Cosigned {
    /// The witness name.
    pub name: String,
    /// Its key id, 8 hex digits.
    pub key_id: String,
    /// When it cosigned, seconds since 1970.
    pub timestamp: u64,
    /// The same as a time.
    pub time: Option<String>,
}

/// What checking an inclusion proof concluded.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ProofVerdict {
    /// The record is in the signed tree.
    Valid {
        /// The record hash (hex).
        record: String,
        /// Its index.
        index: u64,
        /// The log.
        origin: String,
        /// The signed tree's size.
        size: u64,
        /// Its root (base64).
        root: String,
        /// The cosignatures that verified.
        witnesses: Vec<Cosigned>,
    },
    /// It does not prove what it claims.
    Invalid {
        /// The record hash (hex).
        record: String,
        /// The index the proof claims.
        index: u64,
        /// Why not.
        error: String,
    },
}

/// Why a well-formed proof file does not prove what it claims.
fn proof_failure(e: &ProofFileError, log_key: &Verifier, index: u64, size: u64) -> String {
    match e {
        ProofFileError::Checkpoint(ledger_tlog::CheckpointError::Note(NoteError::NoVerifiedSignature)) => format!(
            "the checkpoint is not signed by the log key {}+{:08x}: it was signed by another key",
            log_key.name(),
            log_key.key_id()
        ),
        ProofFileError::Checkpoint(ledger_tlog::CheckpointError::Note(NoteError::InvalidSignature { .. })) => {
            "the log key's signature on the checkpoint does not verify: the checkpoint was altered".into()
        }
        ProofFileError::Checkpoint(ledger_tlog::CheckpointError::OriginMismatch { origin, key_name }) => {
            format!("the checkpoint is for log {origin:?}, not for the log of key {key_name:?}")
        }
        ProofFileError::Cosignature(CosignatureError::QuorumNotMet { required, verified }) => {
            format!("only {verified} of the required {required} witness cosignatures verified")
        }
        ProofFileError::Cosignature(CosignatureError::InvalidCosignature { name, key_id }) => {
            format!(
                "the cosignature by witness {name}+{key_id:08x} does not verify: the checkpoint or the cosignature was altered"
            )
        }
        ProofFileError::Inclusion(ProofError::RootMismatch { expected, computed }) => format!(
            "the record is not leaf {index} of the signed tree: the proof leads to root {}, the checkpoint's root is {}",
            b64(computed),
            b64(expected)
        ),
        ProofFileError::Inclusion(ProofError::WrongProofLength { expected, got }) => format!(
            "the proof has {got} hashes; leaf {index} of a tree of {size} needs {expected}: the proof was altered"
        ),
        ProofFileError::Inclusion(ProofError::IndexOutOfRange { .. }) => {
            format!("index {index} is outside the signed tree of {size} records")
        }
        other => other.to_string(),
    }
}

/// Checks an inclusion proof offline, against the log key and (with a
/// quorum) witness keys. Unusable input is an error; a proof that does not
/// hold is [`ProofVerdict::Invalid`].
pub fn verify_proof(
    file: &[u8],
    source: &str,
    record: &str,
    log_key: &Verifier,
    witnesses: &[Verifier],
    quorum: Option<usize>,
) -> Result<ProofVerdict, Error> {
    let quorum = quorum.unwrap_or(witnesses.len());
    if quorum > witnesses.len() {
        return Err(Error::refused_with(
            format!("a quorum of {quorum} is more than the {} witness key(s) given", witnesses.len()),
            crate::Remedy::GiveInput { input: crate::Input::WitnessVkey },
        ));
    }
    let record: [u8; 32] = record
        .parse::<ledger_core::Hash>()
        .map_err(|e| {
            Error::refused_with(
                format!("record hash {record:?}: {e}"),
                crate::Remedy::FixInput { input: crate::Input::RecordHash },
            )
        })?
        .0;
    let parsed = ProofFile::parse(file).map_err(|e| {
        Error::refused_with(
            format!("{source} is not a c2sp.org/tlog-proof@v1 file: {e}"),
            crate::Remedy::FixInput { input: crate::Input::InclusionProof },
        )
    })?;
    let note = Note::parse(parsed.checkpoint.as_bytes())
        .map_err(|e| Error::refused(format!("{source}: the checkpoint in it is not a signed note: {e}")))?;
    let cp = Checkpoint::parse(note.text())
        .map_err(|e| Error::refused(format!("{source}: the checkpoint in it is malformed: {e}")))?;
    match ledger_tlog::verify_proof_file(file, &record, log_key, witnesses, quorum) {
        Ok(v) => {
            let witnesses = v
                .cosignatures
                .iter()
                .map(|c| Cosigned {
                    name: c.name.clone(),
                    key_id: format!("{:08x}", c.key_id),
                    timestamp: c.timestamp,
                    time: i64::try_from(c.timestamp).ok().and_then(Timestamp::from_unix).map(|t| t.to_string()),
                })
                .collect();
            Ok(ProofVerdict::Valid {
                record: hex::encode(record),
                index: v.index,
                origin: v.checkpoint.origin.clone(),
                size: v.checkpoint.size,
                root: b64(&v.checkpoint.root),
                witnesses,
            })
        }
        Err(e) => Ok(ProofVerdict::Invalid {
            record: hex::encode(record),
            index: parsed.index,
            error: proof_failure(&e, log_key, parsed.index, cp.size),
        }),
    }
}
