//! Cosigning: a witness's cosignature (cosignature/v1) on a checkpoint,
//! given only once it is shown consistent with the newest one the witness
//! saw; and witness policies (C2SP `tlog-policy`), whose quorum a
//! checkpoint's cosignatures must meet.

use crate::{Error, Ledger, files};
use ledger_core::{SigningKey, Timestamp};
use ledger_tlog::{Cosigner, Note, ProofError, ProofFile, verify_consistency};
use serde::Serialize;
use std::path::Path;

use super::checkpoint::{Problem, Signed, against_ledger, open_signed_file, open_state};
use super::consistency::parse_consistency_file;
use super::keys::{log_keys, tree_error, write_atomically};

/// What a witness is asked to cosign.
#[derive(Debug)]
pub struct CosignRequest<'a> {
    /// The witness's private key.
    pub key: SigningKey,
    /// The witness name.
    pub name: &'a str,
    /// The witness's state file: the newest checkpoint it has seen.
    pub state: Option<&'a Path>,
    /// The log's verifier key (text or file), else the ledger's log keys.
    pub vkey: Option<&'a str>,
    /// A consistency proof file (`ledger consistency` output), else computed from the ledger.
    pub proof: Option<&'a Path>,
    /// The signed checkpoint to cosign.
    pub checkpoint: &'a Path,
    /// The time the cosignature states (the witness's clock).
    pub now: Timestamp,
}

/// A cosignature given.
#[derive(Debug, Clone, Serialize)]
pub struct Cosignature {
    /// The cosignature line.
    #[serde(rename = "cosignature")]
    pub line: String,
    /// The witness name.
    pub name: String,
    /// Its key id (8 hex digits).
    pub key_id: String,
    /// Its verifier key.
    pub vkey: String,
    /// When, seconds since 1970.
    pub timestamp: u64,
    /// The checkpoint's size.
    pub size: u64,
    /// The size of the checkpoint it was proven consistent with: the
    /// newest the witness had seen before (none on first sight).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consistent_with: Option<u64>,
    /// Whether the state file moved to this checkpoint.
    pub state_updated: bool,
}

/// What a cosigning request came to.
#[derive(Debug, Clone)]
pub enum Cosigning {
    /// Cosigned.
    Cosigned(Cosignature),
    /// Refused: the checkpoint is not consistent with what the witness saw,
    /// or with the ledger.
    Refused(Problem),
}

fn older(new: u64, seen: u64) -> Error {
    Error::refused_with(
        format!("refusing to cosign a checkpoint of {new} records: this witness already saw one of {seen}"),
        crate::Remedy::FixInput { input: crate::Input::CheckpointToCosign },
    )
}

/// Cosigns a checkpoint as a witness (cosignature/v1), only after it is
/// shown consistent with the newest one the witness saw. The ledger is
/// needed for the log key (without `vkey`) and for the consistency proof
/// (without `proof`); otherwise this runs offline. The warnings are for
/// stderr.
pub fn cosign(ledger: Option<&Ledger>, req: CosignRequest<'_>, warnings: &mut Vec<String>) -> Result<Cosigning, Error> {
    let cosigner = Cosigner::new(req.name, req.key).map_err(|e| {
        Error::refused_with(
            format!("witness name {:?}: {e}", req.name),
            crate::Remedy::FixInput { input: crate::Input::WitnessName },
        )
    })?;
    let keys = log_keys(req.vkey, ledger)?;
    let new = open_signed_file(req.checkpoint, &keys)?;
    let old = match req.state {
        Some(path) => open_state(path, &keys)?,
        None => None,
    };
    let tree_view = match ledger {
        Some(l) => match l.store().tree().current_size() {
            Ok(records) => Some((l.store().tree(), records)),
            Err(e) if req.proof.is_none() => return Err(tree_error(e)),
            Err(_) => None, // a proof given makes the ledger unnecessary
        },
        None => None,
    };
    // A proof given is read and checked whatever the sizes, and even on
    // first sight: a witness never cosigns on the strength of a file it did
    // not understand.
    let given = match req.proof {
        Some(path) => {
            let bytes = files::read(path, files::CONSISTENCY)?;
            Some((path, parse_consistency_file(&bytes, &path.display().to_string())?))
        }
        None => None,
    };
    match &old {
        None => {
            if given.is_some() {
                warnings.push(
                    "warning: no earlier checkpoint (no witness state): the consistency proof given is not needed"
                        .into(),
                );
            }
            // First sight: check against the ledger if there is one.
            if let Some((tree, records)) = &tree_view {
                if let Err(why) = against_ledger(tree, *records, &new.checkpoint)? {
                    let p = Problem::consistency(new.size().min(*records), format!("{}: {why}", new.source), &[&new]);
                    return Ok(Cosigning::Refused(p));
                }
            } else {
                warnings.push(
                    "warning: no earlier checkpoint and no ledger to check against: cosigning on first sight".into(),
                );
            }
        }
        Some(old) => {
            let (small, large) = if old.size() <= new.size() { (old, &new) } else { (&new, old) };
            let proof = match (given, &tree_view) {
                (Some((path, (from, _, _))), _) if small.size() == large.size() && from != small.size() => {
                    return Err(Error::refused_with(
                        format!("{} proves from {from} records; the checkpoints have {}", path.display(), small.size()),
                        crate::Remedy::FixInput { input: crate::Input::ConsistencyProof },
                    ));
                }
                _ if small.size() == large.size() => Vec::new(),
                (Some((path, (from, proof, cp_text))), _) if new.size() >= old.size() => {
                    let proven = Note::parse(cp_text.as_bytes()).ok().map(|n| n.text().to_owned());
                    if from != small.size() || proven.as_deref() != Some(large.checkpoint.to_string().as_str()) {
                        return Err(Error::refused_with(
                            format!(
                                "{} proves {} -> the checkpoint in it; this cosigning needs {} -> {}",
                                path.display(),
                                from,
                                small.size(),
                                large.size()
                            ),
                            crate::Remedy::FixInput { input: crate::Input::ConsistencyProof },
                        ));
                    }
                    proof
                }
                (None, Some((tree, records))) if large.size() <= *records => {
                    // The proof comes from this ledger: it decides between the
                    // two checkpoints only if the larger one describes it.
                    if let Err(why) = against_ledger(tree, *records, &large.checkpoint)? {
                        let p = Problem::consistency(large.size(), format!("{}: {why}", large.source), &[large]);
                        return Ok(Cosigning::Refused(p));
                    }
                    tree.consistency_proof(small.size(), large.size())?
                }
                _ if new.size() < old.size() => return Err(older(new.size(), old.size())),
                (None, Some((_, records))) => {
                    return Err(Error::refused_with(
                        format!("the ledger holds {records} records, fewer than the checkpoint's {}", large.size()),
                        crate::Remedy::GiveInput { input: crate::Input::ConsistencyProof },
                    ));
                }
                _ => {
                    return Err(Error::refused_with(
                        "no consistency proof, and no ledger to compute one from",
                        crate::Remedy::GiveInput { input: crate::Input::ConsistencyProof },
                    ));
                }
            };
            if let Err(e) =
                verify_consistency(small.size(), &small.checkpoint.root, large.size(), &large.checkpoint.root, &proof)
            {
                let why = match e {
                    ProofError::RootMismatch { .. } | ProofError::OldRootMismatch { .. }
                        if small.size() == large.size() =>
                    {
                        format!("two signed checkpoints of {} records with different roots", small.size())
                    }
                    other => format!(
                        "the consistency proof from {} to {} records fails ({other})",
                        small.size(),
                        large.size()
                    ),
                };
                let p = Problem::consistency(
                    small.size(),
                    format!(
                        "the checkpoint is not consistent with the newest one this witness saw: {why}: the log forked or was rolled back"
                    ),
                    &[old, &new],
                );
                return Ok(Cosigning::Refused(p));
            }
            if new.size() < old.size() {
                return Err(older(new.size(), old.size()));
            }
        }
    }
    let timestamp = u64::try_from(req.now.as_unix()).unwrap_or(0);
    let sig = cosigner.cosign(&new.checkpoint, timestamp).map_err(|e| Error::refused(e.to_string()))?;
    let mut state_updated = false;
    if let Some(path) = req.state
        && old.as_ref().is_none_or(|o| new.size() > o.size())
    {
        write_atomically(path, &new.text)?;
        state_updated = true;
    }
    Ok(Cosigning::Cosigned(Cosignature {
        line: sig.to_line(),
        name: cosigner.name().to_owned(),
        key_id: format!("{:08x}", cosigner.key_id()),
        vkey: cosigner.verifier().to_string(),
        timestamp,
        size: new.size(),
        consistent_with: old.as_ref().map(Signed::size),
        state_updated,
    }))
}

// ---------------------------------------------------------------------------
// Witness policies

pub use ledger_tlog::policy::Policy;

/// Reads a C2SP `tlog-policy` file (`--policy`).
pub fn read_policy(path: &Path) -> Result<Policy, Error> {
    let bytes = files::read(path, files::POLICY)?;
    Policy::parse(&bytes).map_err(|e| {
        Error::refused_with(
            format!("{}: not a tlog-policy file: {e}", path.display()),
            crate::Remedy::WriteAs { form: crate::Form::WitnessPolicy },
        )
    })
}

/// Whether a signed checkpoint carries the cosignatures the policy's quorum
/// asks for (cosignatures by keys the policy does not list are ignored; one
/// by a listed witness that does not verify fails).
pub fn meets_policy(signed: &str, policy: &Policy) -> Result<(), String> {
    let note = Note::parse(signed.as_bytes()).map_err(|e| format!("not a signed note: {e}"))?;
    let verified = ledger_tlog::verify_cosignatures(&note, &policy.witness_keys(), 0).map_err(|e| e.to_string())?;
    if policy.quorum_met(&verified) {
        return Ok(());
    }
    let by: Vec<&str> = verified.iter().map(|v| v.name.as_str()).collect();
    Err(format!(
        "the witness policy's quorum ({}) is not met: cosigned by {}",
        policy.describe(),
        if by.is_empty() { "no witness of the policy".to_owned() } else { by.join(", ") }
    ))
}

/// [`meets_policy`] for the checkpoint inside a `tlog-proof@v1` file.
pub fn proof_meets_policy(proof_file: &[u8], policy: &Policy) -> Result<(), String> {
    let parsed = ProofFile::parse(proof_file).map_err(|e| e.to_string())?;
    meets_policy(&parsed.checkpoint, policy)
}
