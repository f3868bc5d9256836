//! Checkpoints: signing and recording one (`Ledger::checkpoint`, refused
//! when the ledger is not consistent with the one signed before), whether a
//! key may sign them, reading signed checkpoints (from a file, a state
//! file or the ledger) and checking one against the ledger, and the
//! [`Problem`] a failed check reports.

use crate::{Error, Ledger, files};
use ledger_core::append::{AppendError, Batch, KernelRules, Outcome as Appended, Submission};
use ledger_core::verify::Check;
use ledger_core::{PublicKey, SigningKey, Timestamp};
use ledger_store::{AppendFailure, Store, StoreError, TreeReader};
use ledger_tlog::{Checkpoint, Hash, Note, NoteError, Signer, Verifier};
use serde::Serialize;
use std::path::Path;

use super::keys::{b64, tree_error};
use super::{CHECKPOINT_STREAM, CHECKPOINT_TYPE, CheckpointRules, check_checkpoint_event};

/// A checkpoint whose log signature verified.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The signed note, verbatim (with any cosignatures).
    pub text: String,
    /// Where it came from, for messages.
    pub source: String,
}

impl Signed {
    /// Its tree size.
    pub fn size(&self) -> u64 {
        self.checkpoint.size
    }

    /// The note, labelled and indented, for a report.
    fn block(&self, label: &str) -> String {
        let body: Vec<String> = self.text.lines().map(|l| format!("    {l}")).collect();
        format!("{label} ({}):\n{}", self.source, body.join("\n"))
    }
}

fn key_names(keys: &[Verifier]) -> String {
    keys.iter().map(|k| format!("{}+{:08x}", k.name(), k.key_id())).collect::<Vec<_>>().join(", ")
}

/// Parses a signed checkpoint and verifies the log's signature on it.
pub fn open_signed(bytes: &[u8], source: &str, keys: &[Verifier]) -> Result<Signed, Error> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::refused(format!("{source} is not a signed checkpoint: not UTF-8 text")))?;
    let note = Note::parse(bytes).map_err(|e| {
        Error::refused_with(
            format!("{source} is not a signed note: {e}"),
            crate::Remedy::FixInput { input: crate::Input::Checkpoint },
        )
    })?;
    let checkpoint =
        Checkpoint::parse(note.text()).map_err(|e| Error::refused(format!("{source} is not a checkpoint: {e}")))?;
    match note.verify(keys) {
        Ok(_) => {}
        Err(NoteError::NoVerifiedSignature) => {
            return Err(Error::refused_with(
                format!("{source} is not signed by the log key ({})", key_names(keys)),
                crate::Remedy::MatchLogKey,
            ));
        }
        Err(e) => return Err(Error::refused(format!("{source}: {e}: the checkpoint was altered after it was signed"))),
    }
    if let Some(key) = keys.first()
        && checkpoint.origin != key.name()
    {
        return Err(Error::refused(format!(
            "{source} is a checkpoint of {:?}, not of this log {:?}",
            checkpoint.origin,
            key.name()
        )));
    }
    Ok(Signed { checkpoint, text: text.to_owned(), source: source.to_owned() })
}

/// A signed checkpoint from a file.
pub fn open_signed_file(path: &Path, keys: &[Verifier]) -> Result<Signed, Error> {
    let bytes = files::read(path, files::CHECKPOINT)?;
    open_signed(&bytes, &path.display().to_string(), keys)
}

/// A state file's checkpoint, if the file exists.
pub(super) fn open_state(path: &Path, keys: &[Verifier]) -> Result<Option<Signed>, Error> {
    if !path.exists() {
        return Ok(None);
    }
    let bytes = files::read(path, files::STATE)?;
    open_signed(&bytes, &format!("the state file {}", path.display()), keys).map(Some)
}

/// The latest checkpoint recorded in the ledger, checked against `keys`.
pub fn latest_recorded(store: &Store, keys: &[Verifier]) -> Result<Option<Signed>, Error> {
    let Some(record) = store.last_of_type(CHECKPOINT_TYPE)? else { return Ok(None) };
    let source = format!("the checkpoint recorded at seq {}", record.seq);
    let (_, note) =
        check_checkpoint_event(&record.envelope).map_err(|e| Error::refused(format!("{source} is invalid: {e}")))?;
    open_signed(note.as_bytes(), &source, keys).map(Some)
}

/// Whether a signed checkpoint describes a prefix of this ledger.
pub(super) fn against_ledger(
    tree: &TreeReader<'_>,
    records: u64,
    cp: &Checkpoint,
) -> Result<Result<(), String>, StoreError> {
    if cp.size > records {
        return Ok(Err(format!(
            "it describes {} records but the ledger holds only {records}: the ledger was rolled back (records were removed from its end)",
            cp.size
        )));
    }
    let root = tree.root(cp.size)?;
    if root != cp.root {
        return Ok(Err(format!(
            "the ledger's first {} records have Merkle root {}, but the checkpoint signed root {}: records before {} were changed, or this ledger is a fork",
            cp.size,
            b64(&root),
            b64(&cp.root),
            cp.size
        )));
    }
    Ok(Ok(()))
}

/// A failed check, with the signed notes that prove it.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Where it shows.
    pub seq: u64,
    /// Which check.
    pub check: Check,
    /// What is wrong; further lines quote the notes.
    pub message: String,
    /// The signed notes that are the evidence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Problem {
    pub(super) fn new(seq: u64, check: Check, message: impl Into<String>) -> Problem {
        Problem { seq, check, message: message.into(), notes: Vec::new() }
    }

    pub(super) fn consistency(seq: u64, message: String, notes: &[&Signed]) -> Problem {
        let mut text = message;
        for (i, n) in notes.iter().enumerate() {
            let label = if notes.len() == 1 {
                "checkpoint"
            } else if i == 0 {
                "seen before"
            } else {
                "presented now"
            };
            text.push('\n');
            text.push_str(&n.block(label));
        }
        Problem { seq, check: Check::Consistency, message: text, notes: notes.iter().map(|n| n.text.clone()).collect() }
    }
}

/// A checkpoint the log signed and recorded.
#[derive(Debug, Clone, Serialize)]
pub struct SignedCheckpoint {
    /// The `checkpoint_signed` record.
    pub seq: u64,
    /// The tree size it describes (the records before it).
    pub size: u64,
    /// The tree root (base64 in JSON).
    #[serde(serialize_with = "as_b64")]
    pub root: Hash,
    /// The signed note.
    pub note: String,
}

fn as_b64<S: serde::Serializer>(h: &Hash, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&b64(h))
}

impl Ledger {
    /// The records after the latest recorded checkpoint, which covers the
    /// records before it (all of them when there is none): those no
    /// checkpoint seals yet, counted as `verify` counts them, without
    /// checking anything.
    pub fn unsealed(&self) -> Result<u64, Error> {
        let head = self.store().head()?;
        Ok(match self.store().last_of_type(CHECKPOINT_TYPE)? {
            Some(record) => head.seq.saturating_sub(record.seq),
            None => head.seq + 1,
        })
    }

    /// Whether `key` may sign the ledger's checkpoints now: a key the
    /// ledger authorises, holding a role that grants `checkpoint_signed`,
    /// not revoked, within its validity window at the head's time. The
    /// refusal says which of these fails (`ledger serve` checks its log key
    /// at start-up with it, before it takes a batch it could not seal).
    pub fn check_log_key(&self, key: &SigningKey) -> Result<(), Error> {
        let store = self.store();
        let head = store.head()?;
        let authority = store.authority()?.map_err(|e| {
            Error::refused_with(
                format!("the ledger's governance records do not replay ({e})"),
                crate::Remedy::Verify { seq: None },
            )
        })?;
        let public = PublicKey::from(key);
        let id = public.key_id();
        let authorise = crate::Remedy::AuthoriseKey { role: "log".into() };
        let Some(info) = authority.key(&public) else {
            return Err(Error::refused_with(
                format!("key {id} is not a key of this ledger, so it may not sign its checkpoints"),
                authorise,
            ));
        };
        let refuse = |why: String| {
            Err(Error::refused_with(
                format!("key {id} ({}) may not sign checkpoints: {why}", info.holder),
                authorise.clone(),
            ))
        };
        if let Some(r) = &info.revoked {
            return refuse(format!("revoked at seq {}: {}", r.seq, r.reason));
        }
        if info.root || info.former_root {
            return refuse("a root key signs governance events, not checkpoints".into());
        }
        if let Some(from) = info.valid_from.filter(|from| head.time < *from) {
            return refuse(format!("not valid before {from} (the ledger's last record is of {})", head.time));
        }
        if let Some(until) = info.valid_until.filter(|until| head.time > *until) {
            return refuse(format!("expired at {until}"));
        }
        let granted = info.roles.iter().any(|r| authority.roles().get(r).is_some_and(|t| t.contains(CHECKPOINT_TYPE)));
        if !granted {
            let roles = if info.roles.is_empty() {
                "no role".to_owned()
            } else {
                info.roles.iter().cloned().collect::<Vec<_>>().join(", ")
            };
            return refuse(format!("it holds {roles}, and none grants `{CHECKPOINT_TYPE}` (the role `log` does)"));
        }
        Ok(())
    }

    /// Signs a checkpoint of the ledger as it stands with the log key and
    /// records it, in one transaction; refuses if the ledger is not
    /// consistent with the checkpoint signed before.
    pub fn checkpoint(&mut self, key: &SigningKey, now: Timestamp) -> Result<SignedCheckpoint, Error> {
        let clock = self.clock();
        let result = self.store_mut().append(|tx| -> Result<_, Error> {
            let head = tx.head()?;
            let size = head.seq + 1;
            let tree = tx.tree();
            tree.current_size().map_err(tree_error)?;
            // Never sign a tree inconsistent with the checkpoint signed before:
            // recompute the tree from the records added since and compare.
            let (from, from_root, from_seq) = match tx.last_of_type(CHECKPOINT_TYPE)? {
                Some(record) => {
                    let (cp, _) = check_checkpoint_event(&record.envelope).map_err(|e| {
                        Error::refused_with(
                            format!("refusing to sign: the checkpoint recorded at seq {} is invalid: {e}", record.seq),
                            crate::Remedy::Verify { seq: Some(record.seq) },
                        )
                    })?;
                    (cp.size, cp.root, Some(record.seq))
                }
                None => (0, ledger_tlog::empty_root(), None),
            };
            if from > size {
                return Err(Error::refused(format!(
                    "refusing to sign: the last checkpoint describes {from} records, the ledger holds {size}"
                )));
            }
            let root = match tree.audit(from, &from_root, size)? {
                Ok(root) => root,
                Err(divergence) => {
                    let what = match from_seq {
                        Some(seq) => format!("the checkpoint recorded at seq {seq} ({from} records) does not hold"),
                        None => "the ledger's records and its Merkle tree disagree".to_owned(),
                    };
                    return Err(Error::refused_with(
                        format!(
                            "refusing to sign a checkpoint: {what}: {divergence}; a log never signs two inconsistent checkpoints"
                        ),
                        crate::Remedy::Verify { seq: None },
                    ));
                }
            };
            let signer = Signer::new(&head.origin, key.clone()).map_err(|e| Error::refused(e.to_string()))?;
            let cp = Checkpoint::new(head.origin.clone(), size, root);
            let note = ledger_tlog::sign_checkpoint(&cp, &signer).map_err(|e| Error::refused(e.to_string()))?;
            let data = serde_json::json!({"size": size, "root": b64(&root), "note": note});
            let sub = Submission::new(CHECKPOINT_STREAM, CHECKPOINT_TYPE, data, &crate::fresh_id());
            let authority = tx.authority()?.map_err(|e| {
                Error::refused_with(
                    format!("the ledger's governance records do not replay ({e})"),
                    crate::Remedy::Verify { seq: None },
                )
            })?;
            let mut rules = CheckpointRules::new(KernelRules);
            let mut batch = Batch::new(tx, head, authority, &mut rules).with_clock(clock.now(), clock.max_skew);
            let seq = match batch.add(sub, key, &[], now) {
                Ok(Appended::Appended(seq)) => seq,
                Ok(Appended::Existing(seq)) => {
                    return Err(Error::refused(format!("the checkpoint is already recorded at seq {seq}")));
                }
                Err(AppendError::Authority(e)) => {
                    return Err(Error::refused_with(
                        format!("this key may not sign checkpoints: {e}"),
                        crate::Remedy::AuthoriseKey { role: "log".into() },
                    ));
                }
                Err(AppendError::Store(e)) => return Err(e.into()),
                Err(e) => return Err(Error::refused(e.to_string())),
            };
            let records = batch.into_records();
            let recorded = records.last().map(|r| ledger_core::append::Head {
                seq: r.seq,
                hash: r.hash,
                time: r.envelope.time,
                origin: r.envelope.origin.clone(),
            });
            Ok((records, (SignedCheckpoint { seq, size, root, note }, recorded)))
        });
        match result {
            Ok((signed, recorded)) => {
                if let Some(head) = recorded {
                    self.moved_past_non_state_record(head);
                }
                Ok(signed)
            }
            Err(AppendFailure::Refused(e)) => Err(e.context("nothing was recorded")),
            Err(AppendFailure::Store(e)) => Err(tree_error(e).context("nothing was recorded")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::tlog::parse_consistency_file;
    use ledger_core::append::MemoryLedger;
    use ledger_core::authority::{Genesis, RootKey};
    use ledger_tlog::Frontier;
    use serde_json::{Value, json};

    const ORIGIN: &str = "test.example/ledger";

    fn ledger() -> (MemoryLedger, SigningKey, SigningKey) {
        let root = SigningKey::from_bytes(&[1; 32]);
        let log = SigningKey::from_bytes(&[2; 32]);
        let roles = serde_json::from_str(r#"{"log": ["checkpoint_signed"]}"#).unwrap();
        let genesis =
            Genesis { roots: vec![RootKey { key: (&root).into(), holder: "City".into() }], threshold: 1, roles };
        let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let record = ledger_core::append::genesis(ORIGIN, &genesis, &root, &[], t, "genesis".into()).unwrap();
        let mut l = MemoryLedger::new(record);
        let auth = json!({"key": PublicKey::from(&log).to_hex(), "holder": "Log", "roles": ["log"]});
        l.append(vec![Submission::new("ledger", "key_authorized", auth, "a1")], &root, &[], t, &mut KernelRules)
            .unwrap();
        (l, root, log)
    }

    fn checkpoint_line(l: &MemoryLedger, log: &SigningKey, size: u64) -> Submission {
        let mut frontier = Frontier::new();
        for r in &l.records()[..size as usize] {
            frontier.push(&r.hash.0);
        }
        let note = ledger_tlog::sign_checkpoint(
            &Checkpoint::new(ORIGIN, size, frontier.root()),
            &Signer::new(ORIGIN, log.clone()).unwrap(),
        )
        .unwrap();
        let data = json!({"size": size, "root": b64(&frontier.root()), "note": note});
        Submission::new(CHECKPOINT_STREAM, CHECKPOINT_TYPE, data, &format!("cp{size}"))
    }

    fn append(l: &mut MemoryLedger, key: &SigningKey, sub: Submission) -> Result<(), String> {
        let t: Timestamp = "2026-01-02T00:00:00Z".parse().unwrap();
        l.append(vec![sub], key, &[], t, &mut CheckpointRules::new(KernelRules)).map(|_| ()).map_err(|e| e.to_string())
    }

    #[test]
    fn checkpoint_events_pass_the_rules_and_other_types_go_to_the_inner_rules() {
        let (mut l, root, log) = ledger();
        let sub = checkpoint_line(&l, &log, 2);
        append(&mut l, &log, sub).unwrap();
        assert_eq!(l.records()[2].envelope.schema, 1);
        // the inner rules still decide notes, and refuse what they refuse
        append(&mut l, &root, Submission::new("n", "note", json!({"text": "hi"}), "n1")).unwrap();
        let err = append(&mut l, &root, Submission::new("n", "note", json!({"text": " "}), "n2")).unwrap_err();
        assert!(err.contains("not blank"), "{err}");
        let err = append(&mut l, &root, Submission::new("n", "no_such", json!({}), "n3")).unwrap_err();
        assert!(err.contains("unknown event type"), "{err}");
    }

    #[test]
    fn malformed_checkpoint_events_are_refused_with_the_reason() {
        let (mut l, root, log) = ledger();
        let good = checkpoint_line(&l, &log, 2);
        let with = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| {
            let mut s = good.clone();
            f(&mut s.data);
            s
        };
        let cases: Vec<(Submission, &SigningKey, &str)> = vec![
            (
                with(&|d| {
                    d.insert("size".into(), json!(3));
                }),
                &log,
                "\"size\" is 3 but the checkpoint's tree size is 2",
            ),
            (
                with(&|d| {
                    d.insert("root".into(), json!(b64(&[0; 32])));
                }),
                &log,
                "\"root\" is not the checkpoint's root",
            ),
            (
                with(&|d| {
                    d.remove("note");
                }),
                &log,
                "payload is exactly",
            ),
            (
                with(&|d| {
                    d.insert("extra".into(), json!(1));
                }),
                &log,
                "payload is exactly",
            ),
            (
                with(&|d| {
                    let n = d["note"].as_str().unwrap().replacen(ORIGIN, "other.example/ledger", 1);
                    d.insert("note".into(), json!(n));
                }),
                &log,
                "names origin \"other.example/ledger\"",
            ),
            (
                with(&|d| {
                    let n = d["note"].as_str().unwrap().replace("\n\n", "\nextension\n\n");
                    d.insert("note".into(), json!(n));
                }),
                &log,
                "extension lines",
            ),
            (Submission { stream: "elsewhere".into(), ..good.clone() }, &log, "belong in stream \"checkpoints\""),
            (Submission { schema: Some(2), ..good.clone() }, &log, "schema 2 is not known"),
            // authored by the log key, the note signed by another key
            (checkpoint_line(&l, &root, 2), &log, "not signed by the event's author"),
        ];
        for (sub, key, expected) in cases {
            let err = append(&mut l, key, sub).unwrap_err();
            assert!(err.contains(expected), "expected {expected:?} in {err:?}");
        }
        assert_eq!(l.records().len(), 2);
    }

    #[test]
    fn only_a_key_with_the_log_role_may_record_checkpoints() {
        let (mut l, root, log) = ledger();
        // A valid note signed by the root as if it were the log key.
        let mut sub = checkpoint_line(&l, &root, 2);
        sub.id = "by-root".into();
        let err = append(&mut l, &root, sub).unwrap_err();
        assert!(err.contains("may not") || err.contains("not entitled") || err.contains("role"), "{err}");
        let sub = checkpoint_line(&l, &log, 2);
        append(&mut l, &log, sub).unwrap();
    }

    #[test]
    fn consistency_files_parse_strictly() {
        let h = b64(&[7; 32]);
        let ok = format!("old 3\n{h}\n{h}\n\norigin\n5\n{h}\n\n— origin AAAA\n");
        let (old, proof, cp) = parse_consistency_file(ok.as_bytes(), "f").unwrap();
        assert_eq!((old, proof.len()), (3, 2));
        assert!(cp.starts_with("origin\n5\n"));
        for bad in ["old 03\n\nx\n", "new 3\n\nx\n", &format!("old 3\n{h}x\n\nx\n"), "old 3\n"] {
            assert!(parse_consistency_file(bad.as_bytes(), "f").is_err(), "{bad:?}");
        }
    }
}
