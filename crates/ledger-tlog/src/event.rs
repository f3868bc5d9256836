//! The `checkpoint_signed` event: how a signed checkpoint is recorded in the
//! ledger it describes, the rules an append of one must pass, and the check
//! the full verification makes of every recorded one (`docs/TLOG.md`).
//!
//! Pure, like the rest of this crate: the caller supplies the records and
//! the tree root it computed.

use crate::{Checkpoint, Hash, KeyType, Note, Verifier};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ledger_core::append::{Refusal, Rules};
use ledger_core::verify::{Check, Finding};
use ledger_core::{Envelope, Record};
use serde_json::Value;

/// The event type that records a signed checkpoint.
pub const CHECKPOINT_TYPE: &str = "checkpoint_signed";
/// The stream checkpoints are recorded in.
pub const CHECKPOINT_STREAM: &str = "checkpoints";

/// Rules for `checkpoint_signed` (schema 1, stream `checkpoints`), wrapped
/// around the rules for every other event type.
///
/// The payload is `{"size": N, "root": "<base64>", "note": "<signed checkpoint>"}`:
/// the note must be a checkpoint of this ledger's origin for `size` and
/// `root`, signed by the event's author as the log key (named the origin).
/// That the tree of the first `size` records has that root is checked by
/// `ledger checkpoint` inside its append transaction, and again by every
/// later checkpoint and by `ledger verify --checkpoint/--state`.
#[derive(Debug, Clone, Default)]
pub struct CheckpointRules<R> {
    inner: R,
}

impl<R> CheckpointRules<R> {
    /// `checkpoint_signed` in front of `inner`.
    pub fn new(inner: R) -> Self {
        CheckpointRules { inner }
    }
}

impl<R: Rules> Rules for CheckpointRules<R> {
    /// `None` for a checkpoint (it changes no state of the inner rules).
    type Decision = Option<R::Decision>;

    fn latest_schema(&self, event_type: &str) -> Option<u32> {
        if event_type == CHECKPOINT_TYPE { Some(1) } else { self.inner.latest_schema(event_type) }
    }

    fn mandate(&self, envelope: &Envelope) -> Result<(), Refusal> {
        if envelope.event_type == CHECKPOINT_TYPE { Ok(()) } else { self.inner.mandate(envelope) }
    }

    fn decide(&self, envelope: &Envelope) -> Result<Option<R::Decision>, Refusal> {
        if envelope.event_type == CHECKPOINT_TYPE {
            check_checkpoint_event(envelope).map(|_| None).map_err(Refusal::new)
        } else {
            self.inner.decide(envelope).map(Some)
        }
    }

    fn apply(&mut self, record: &Record, decision: Option<R::Decision>) {
        if let Some(decision) = decision {
            self.inner.apply(record, decision);
        }
    }
}

/// Checks a `checkpoint_signed` envelope; returns the checkpoint and its note.
pub fn check_checkpoint_event(env: &Envelope) -> Result<(Checkpoint, String), String> {
    if env.schema != 1 {
        return Err(format!("{CHECKPOINT_TYPE} schema {} is not known (latest: 1)", env.schema));
    }
    if env.stream != CHECKPOINT_STREAM {
        return Err(format!("{CHECKPOINT_TYPE} events belong in stream {CHECKPOINT_STREAM:?}, not {:?}", env.stream));
    }
    let d = &env.data;
    let shape = || {
        format!(
            "a {CHECKPOINT_TYPE} payload is exactly {{\"size\": N, \"root\": \"<base64>\", \"note\": \"<signed checkpoint>\"}}"
        )
    };
    if d.len() != 3 {
        return Err(shape());
    }
    let (Some(size), Some(root), Some(note_text)) = (
        d.get("size").and_then(Value::as_u64),
        d.get("root").and_then(Value::as_str),
        d.get("note").and_then(Value::as_str),
    ) else {
        return Err(shape());
    };
    let note = Note::parse(note_text.as_bytes()).map_err(|e| format!("\"note\" is not a signed note: {e}"))?;
    let cp = Checkpoint::parse(note.text()).map_err(|e| format!("\"note\" is not a checkpoint: {e}"))?;
    if !cp.extensions.is_empty() {
        return Err("the checkpoint must not carry extension lines".into());
    }
    if cp.origin != env.origin {
        return Err(format!("the checkpoint names origin {:?}, not this ledger's {:?}", cp.origin, env.origin));
    }
    if cp.size != size {
        return Err(format!("\"size\" is {size} but the checkpoint's tree size is {}", cp.size));
    }
    if BASE64.encode(cp.root) != root {
        return Err("\"root\" is not the checkpoint's root (base64, as in the note)".into());
    }
    let vkey = Verifier::new(&env.origin, KeyType::Ed25519, *env.author.verifying_key()).map_err(|e| e.to_string())?;
    note.verify(std::slice::from_ref(&vkey))
        .map_err(|e| format!("the note is not signed by the event's author as log key {vkey}: {e}"))?;
    Ok((cp, note_text.to_owned()))
}

/// The full verification's check of a recorded checkpoint: its payload is
/// a checkpoint signed by its author, and it describes exactly the records
/// before it (`size` is its own sequence number, `root` the Merkle root of
/// those records, recomputed by the verifier). `None` when it holds.
pub fn check_recorded_checkpoint(record: &Record, size: u64, root: &Hash) -> Option<Finding> {
    let problem = match check_checkpoint_event(&record.envelope) {
        Err(e) => e,
        Ok((cp, _)) if cp.size != size => {
            format!("the checkpoint describes {} records, but {size} records come before it", cp.size)
        }
        Ok((cp, _)) if cp.root != *root => format!(
            "the checkpoint's root {} is not the Merkle root {} of the {size} records before it",
            BASE64.encode(cp.root),
            BASE64.encode(root)
        ),
        Ok(_) => return None,
    };
    Some(Finding { seq: record.seq, check: Check::Consistency, message: problem })
}
