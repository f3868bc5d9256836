//! The verifiable log (`docs/TLOG.md`): signing and recording checkpoints,
//! inclusion proofs, consistency proofs, witness cosignatures, and the
//! verification of a ledger from a signed checkpoint.
//!
//! The formats are `ledger-tlog`'s and the tree is the store's; this module
//! decides what is checked, in which order, and returns what was found.
//!
//! By concern: `keys` (verifier keys, the log keys a ledger authorises,
//! shared helpers), `checkpoint` (signing, recording and reading
//! checkpoints; the problems found against them), `proof` (inclusion
//! proofs), `consistency` (consistency proofs), `cosign` (witness
//! cosignatures and policies), `from_checkpoint` (verification from a
//! checkpoint, and the resumed checks every read uses), `bundle` (proof
//! bundles), `witness` (`ledger witness`). Everything is re-exported here.

mod bundle;
mod checkpoint;
mod consistency;
mod cosign;
mod from_checkpoint;
mod keys;
mod proof;
mod witness;

pub use ledger_tlog::event::{
    CHECKPOINT_STREAM, CHECKPOINT_TYPE, CheckpointRules, check_checkpoint_event, check_recorded_checkpoint,
};

pub use bundle::{BUNDLE_FORMAT, Bundle, BundledEvent, verify_bundle};
pub use checkpoint::{Problem, Signed, SignedCheckpoint, latest_recorded, open_signed, open_signed_file};
pub use consistency::{Consistency, ConsistencyProof, ConsistencyTarget, parse_consistency_file};
pub use cosign::{
    CosignRequest, Cosignature, Cosigning, Policy, cosign, meets_policy, proof_meets_policy, read_policy,
};
pub use from_checkpoint::{CheckpointReport, FromCheckpoint, Resumed};
pub(crate) use from_checkpoint::{TrustedStart, resume};
pub use keys::{b64, ledger_log_keys, log_keys, parse_vkey, parse_witness_vkey, tree_error, vkey, write_atomically};
pub use proof::{Cosigned, InclusionProof, ProofVerdict, verify_proof};
pub use witness::{WitnessRequest, witness};
