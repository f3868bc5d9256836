//! The verifiable log (`docs/TLOG.md`): signing and recording checkpoints,
//! inclusion proofs, consistency proofs, witness cosignatures, and the
//! verification of a ledger from a signed checkpoint.
//!
//! The formats are `ledger-tlog`'s and the tree is the store's; this module
//! decides what is checked, in which order, and returns what was found.

use crate::{Error, Ledger, files};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ledger_core::append::{AppendError, Batch, KernelRules, Outcome as Appended, Submission};
use ledger_core::authority::Authority;
use ledger_core::verify::{Check, Options, Resume, Verifier as RecordVerifier};
use ledger_core::{Envelope, PublicKey, Record, SigningKey, Timestamp};
use ledger_store::{AppendFailure, Divergence, Store, StoreError, TreeCheck, TreeFault, TreeReader};
use ledger_tlog::{
    Checkpoint, CosignatureError, Cosigner, Frontier, Hash, KeyType, Note, NoteError, ProofError, ProofFile,
    ProofFileError, Signer, Verifier, leaf_hash, verify_consistency, verify_inclusion,
};
use serde::Serialize;
use std::path::Path;

pub use ledger_tlog::event::{
    CHECKPOINT_STREAM, CHECKPOINT_TYPE, CheckpointRules, check_checkpoint_event, check_recorded_checkpoint,
};

/// Base64, as checkpoints write hashes.
pub fn b64(hash: &Hash) -> String {
    BASE64.encode(hash)
}

/// Writes a file whole or not at all (a temporary file renamed over it).
pub fn write_atomically(path: &Path, contents: &str) -> Result<(), Error> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, contents).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| Error::refused(format!("writing {}: {e}", path.display())))
}

/// A verifier key given as text, or the name of a file holding one.
/// Nothing read from a file is quoted in an error: the file could be a
/// private key given by mistake (refused as such by [`files::read`]).
pub fn parse_vkey(arg: &str, input: crate::Input) -> Result<Verifier, Error> {
    let option = input.noun();
    let parsed = Verifier::parse(arg.trim());
    if let Ok(v) = parsed {
        return Ok(v);
    }
    let path = Path::new(arg);
    if path.exists() {
        let bytes = files::read(path, files::VKEY)
            .map_err(|e| Error::refused_with(format!("{option}: {e}"), crate::Remedy::FixInput { input }))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            Error::refused_with(
                format!("{option} {}: not a verifier key: the file is not text", path.display()),
                crate::Remedy::FixInput { input },
            )
        })?;
        if text.contains("-----BEGIN PUBLIC KEY-----") {
            return Err(Error::refused_with(
                format!("{option} {}: this is a public key file (PEM), not a verifier key", path.display()),
                crate::Remedy::FixInput { input },
            ));
        }
        return Verifier::parse(text.trim()).map_err(|e| {
            Error::refused_with(
                format!("{option} {}: not a verifier key: {e}", path.display()),
                crate::Remedy::FixInput { input },
            )
        });
    }
    let e = parsed.err().map(|e| e.to_string()).unwrap_or_default();
    Err(Error::refused_with(
        format!("{option} given is neither a verifier key nor a file: {e}"),
        crate::Remedy::FixInput { input },
    ))
}

/// A witness's verifier key (cosignature/v1), given as text or a file.
pub fn parse_witness_vkey(arg: &str) -> Result<Verifier, Error> {
    let v = parse_vkey(arg, crate::Input::WitnessVkey)?;
    if v.key_type() != KeyType::CosignatureV1 {
        return Err(Error::refused_with(
            format!("the witness's verifier key {v} is not a witness (cosignature/v1) key"),
            crate::Remedy::FixInput { input: crate::Input::WitnessVkey },
        ));
    }
    Ok(v)
}

/// Explains a tree that does not cover the records.
pub fn tree_error(e: StoreError) -> Error {
    match e {
        StoreError::Tree(TreeFault::OutOfStep { tree, records }) if tree < records => Error::refused_with(
            format!(
                "the ledger's Merkle tree covers {tree} of its {records} records: records were written past the ledger's own writer, or the tree table was damaged"
            ),
            crate::Remedy::RebuildTree,
        ),
        StoreError::Tree(TreeFault::OutOfStep { tree, records }) => Error::refused_with(
            format!(
                "the ledger's Merkle tree covers {tree} records but the ledger holds only {records}: records were removed"
            ),
            crate::Remedy::VerifyAgainstCheckpoint,
        ),
        other => other.into(),
    }
}

/// The log keys the ledger authorises: office keys holding a role that may
/// sign `checkpoint_signed`, not revoked as compromised (retired keys still
/// vouch for what they signed before). Each is named `origin`.
pub fn ledger_log_keys(authority: &Authority, origin: &str) -> Result<Vec<Verifier>, Error> {
    let roles: Vec<&String> =
        authority.roles().iter().filter(|(_, types)| types.contains(CHECKPOINT_TYPE)).map(|(r, _)| r).collect();
    let keys: Vec<Verifier> = authority
        .keys()
        .filter(|k| !k.root && k.roles.iter().any(|r| roles.contains(&r)))
        .filter(|k| k.revoked.as_ref().is_none_or(|r| r.compromised_from.is_none()))
        .filter_map(|k| Verifier::new(origin, KeyType::Ed25519, *k.key.verifying_key()).ok())
        .collect();
    if keys.is_empty() {
        return Err(Error::refused_with(
            "the ledger authorises no log key (role `log`), so no checkpoint of it can be checked",
            crate::Remedy::GiveInput { input: crate::Input::LogVkey },
        ));
    }
    Ok(keys)
}

/// The log keys: `vkey` if given, else the ones the ledger authorises.
pub fn log_keys(vkey: Option<&str>, ledger: Option<&Ledger>) -> Result<Vec<Verifier>, Error> {
    if let Some(v) = vkey {
        let v = parse_vkey(v, crate::Input::LogVkey)?;
        if v.key_type() != KeyType::Ed25519 {
            return Err(Error::refused_with(
                format!("the log's verifier key {v} is a witness (cosignature/v1) key, not a log key"),
                crate::Remedy::FixInput { input: crate::Input::LogVkey },
            ));
        }
        return Ok(vec![v]);
    }
    let Some(ledger) = ledger else {
        return Err(Error::refused_with(
            "no log key to check the checkpoint with",
            crate::Remedy::GiveInput { input: crate::Input::LogVkey },
        ));
    };
    let store = ledger.store();
    let origin = store.head()?.origin;
    let authority = store.authority()?.map_err(|e| {
        Error::refused_with(
            format!("the ledger's governance records do not replay ({e})"),
            crate::Remedy::Verify { seq: None },
        )
    })?;
    ledger_log_keys(&authority, &origin)
}

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
fn open_state(path: &Path, keys: &[Verifier]) -> Result<Option<Signed>, Error> {
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
fn against_ledger(tree: &TreeReader<'_>, records: u64, cp: &Checkpoint) -> Result<Result<(), String>, StoreError> {
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
    fn new(seq: u64, check: Check, message: impl Into<String>) -> Problem {
        Problem { seq, check, message: message.into(), notes: Vec::new() }
    }

    fn consistency(seq: u64, message: String, notes: &[&Signed]) -> Problem {
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

// ---------------------------------------------------------------------------
// Keys

/// A public key as a signed-note verifier key named `name`: a log key
/// (Ed25519) or a witness key (cosignature/v1).
pub fn vkey(public: &PublicKey, name: &str, witness: bool) -> Result<Verifier, Error> {
    let key_type = if witness { KeyType::CosignatureV1 } else { KeyType::Ed25519 };
    Verifier::new(name, key_type, *public.verifying_key()).map_err(|e| {
        Error::refused_with(format!("key name {name:?}: {e}"), crate::Remedy::FixInput { input: crate::Input::KeyName })
    })
}

// ---------------------------------------------------------------------------
// Checkpoints

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

// ---------------------------------------------------------------------------
// Checking an inclusion proof

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

// ---------------------------------------------------------------------------
// Consistency proofs

/// A consistency proof from a signed checkpoint to a newer one, or to the
/// ledger's current size.
#[derive(Debug, Clone, Serialize)]
pub struct ConsistencyProof {
    /// The older tree size.
    pub old_size: u64,
    /// Its root (base64).
    pub old_root: String,
    /// The newer tree size.
    pub new_size: u64,
    /// Its root (base64).
    pub new_root: String,
    /// Whether the newer tree head is a signed checkpoint.
    pub new_signed: bool,
    /// The proof hashes (base64).
    pub proof: Vec<String>,
    /// The newer checkpoint (signed) or tree head (unsigned) text.
    #[serde(skip)]
    pub new_text: String,
}

impl ConsistencyProof {
    /// The body of a C2SP tlog-witness `add-checkpoint` request.
    pub fn body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for h in &self.proof {
            body.push_str(h);
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.new_text);
        body
    }
}

/// What a consistency request came to.
#[derive(Debug, Clone)]
pub enum Consistency {
    /// The proof.
    Proof(ConsistencyProof),
    /// The checkpoints do not describe this ledger, or each other.
    Inconsistent(Vec<Problem>),
}

/// Where a consistency proof goes to.
#[derive(Debug, Clone, Copy)]
pub enum ConsistencyTarget<'a> {
    /// A signed checkpoint in a file.
    File(&'a Path),
    /// The latest checkpoint recorded in the ledger.
    Latest,
    /// The ledger's current size (an unsigned tree head).
    Current,
}

impl Ledger {
    /// A consistency proof from the checkpoint in `from` to `to`.
    pub fn consistency(
        &self,
        from: &Path,
        to: ConsistencyTarget<'_>,
        vkey: Option<&str>,
    ) -> Result<Consistency, Error> {
        let store = self.store();
        let tree = store.tree();
        let records = tree.current_size().map_err(tree_error)?;
        let keys = log_keys(vkey, Some(self))?;
        let old = open_signed_file(from, &keys)?;
        let new = match to {
            ConsistencyTarget::File(path) => Some(open_signed_file(path, &keys)?),
            ConsistencyTarget::Latest => Some(latest_recorded(store, &keys)?.ok_or_else(|| {
                Error::refused_with(
                    "the ledger holds no signed checkpoint yet",
                    crate::Remedy::SignCheckpoint { newer: false },
                )
            })?),
            ConsistencyTarget::Current => None,
        };
        let (new_size, new_source) = match &new {
            Some(n) => (n.size(), n.source.clone()),
            None => (records, "the ledger's current size".to_owned()),
        };
        if old.size() > new_size && new.is_some() {
            return Err(Error::refused_with(
                format!(
                    "the older checkpoint describes {} records, more than the {new_size} of {new_source}",
                    old.size()
                ),
                crate::Remedy::FixInput { input: crate::Input::OlderCheckpoint },
            ));
        }
        let mut problems = Vec::new();
        for s in std::iter::once(&old).chain(new.as_ref()) {
            if let Err(why) = against_ledger(&tree, records, &s.checkpoint)? {
                problems.push(Problem::consistency(s.size().min(records), format!("{}: {why}", s.source), &[s]));
            }
        }
        if let Some(n) = &new
            && old.size() == n.size()
            && old.checkpoint.root != n.checkpoint.root
        {
            problems.push(Problem::consistency(
                old.size(),
                "two checkpoints of the same size with different roots: the log forked".into(),
                &[&old, n],
            ));
        }
        if !problems.is_empty() {
            problems.dedup_by(|a, b| a.message == b.message);
            return Ok(Consistency::Inconsistent(problems));
        }
        let (new_root, new_text) = match &new {
            Some(n) => (n.checkpoint.root, n.text.clone()),
            None => {
                let root = tree.root(records)?;
                let text = Checkpoint::new(store.head()?.origin, records, root)
                    .encode()
                    .map_err(|e| Error::refused(e.to_string()))?;
                (root, text)
            }
        };
        let proof = tree.consistency_proof(old.size(), new_size)?;
        verify_consistency(old.size(), &old.checkpoint.root, new_size, &new_root, &proof).map_err(|e| {
            Error::refused_with(
                format!("the stored Merkle tree gives a consistency proof that does not verify: {e}"),
                crate::Remedy::Verify { seq: None },
            )
        })?;
        Ok(Consistency::Proof(ConsistencyProof {
            old_size: old.size(),
            old_root: b64(&old.checkpoint.root),
            new_size,
            new_root: b64(&new_root),
            new_signed: new.is_some(),
            proof: proof.iter().map(b64).collect(),
            new_text,
        }))
    }
}

/// A tlog-witness `add-checkpoint` body: `old <size>`, proof lines, a blank
/// line, the checkpoint.
pub fn parse_consistency_file(bytes: &[u8], source: &str) -> Result<(u64, Vec<Hash>, String), Error> {
    let bad = |why: &str| {
        Error::refused_with(
            format!("{source} is not a consistency proof: {why}"),
            crate::Remedy::FixInput { input: crate::Input::ConsistencyProof },
        )
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text"))?;
    let (head, checkpoint) = text.split_once("\n\n").ok_or_else(|| bad("no blank line before the checkpoint"))?;
    let mut lines = head.split('\n');
    let old = lines
        .next()
        .and_then(|l| l.strip_prefix("old "))
        .filter(|n| *n == "0" || !n.starts_with('0'))
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| bad("the first line is not `old <size>`"))?;
    let mut proof = Vec::new();
    for (i, line) in lines.enumerate() {
        let hash = BASE64
            .decode(line)
            .ok()
            .and_then(|b| Hash::try_from(b.as_slice()).ok())
            .ok_or_else(|| bad(&format!("line {} is not the base64 of a 32-byte hash", i + 2)))?;
        proof.push(hash);
    }
    if proof.len() > 63 {
        return Err(bad("more than 63 proof lines"));
    }
    Ok((old, proof, checkpoint.to_owned()))
}

// ---------------------------------------------------------------------------
// Cosigning

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
    let timestamp = u64::try_from(Timestamp::now().as_unix()).unwrap_or(0);
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
// Verification from a checkpoint

/// What `verify --checkpoint/--state` is given.
#[derive(Debug, Default)]
pub struct FromCheckpoint<'a> {
    /// Root keys the genesis record must name.
    pub trusted_roots: Vec<PublicKey>,
    /// A signed checkpoint presented.
    pub checkpoint: Option<&'a Path>,
    /// The inspector's state file.
    pub state: Option<&'a Path>,
    /// The log's verifier key (text or file).
    pub vkey: Option<&'a str>,
    /// The witnesses whose cosignatures the checkpoint presented must carry.
    pub policy: Option<&'a Policy>,
}

/// What the record checks from a trusted point covered.
#[derive(Debug, Clone)]
pub struct Resumed {
    /// The first record verified.
    pub from: u64,
    /// Records verified.
    pub count: u64,
    /// The root of the tree of all records.
    pub root: Hash,
    /// The head (hex).
    pub head: Option<String>,
    /// The newest checkpoint recorded among the records verified, if it held.
    pub latest_recorded: Option<Signed>,
    /// The Merkle frontier of all the records, recomputed.
    pub frontier: Frontier,
    /// The records verified (checkpoint records aside) after the last
    /// checkpoint recorded among them that passed every check: covered by
    /// neither that checkpoint nor the trusted start (as `Verification`'s).
    pub unsealed: u64,
    /// The seq of that last recorded checkpoint.
    pub last_seal: Option<u64>,
}

/// The report of a verification from a checkpoint.
#[derive(Debug)]
pub struct CheckpointReport {
    /// Nothing failed.
    pub ok: bool,
    /// Every failed check, in sequence order.
    pub problems: Vec<Problem>,
    /// What the record checks covered (none when the checkpoint does not hold).
    pub verified: Option<Resumed>,
    /// The ledger's origin.
    pub origin: String,
    /// Records in the ledger.
    pub records: u64,
    /// What happened to the state file.
    pub state_note: Option<String>,
    /// The records under the checkpoint the verification started from,
    /// re-hashed (bytes, chain and Merkle root against the signed root) but
    /// not checked for signatures, authority or the domain's rules: those
    /// are the log's word, as its signature on the tree says.
    pub rehashed: u64,
}

impl Ledger {
    /// Verification from a signed checkpoint (`ledger verify --checkpoint/--state`):
    ///
    /// 1. the checkpoint (and the state's) must verify with the log key;
    /// 2. each must describe a prefix of the ledger (size within it, same
    ///    root as the stored tree there), and the one presented must be
    ///    consistent with the one seen before: otherwise a `consistency`
    ///    problem, with the notes, is the evidence of a rollback or fork;
    /// 3. the kernel checks then run on the records from the checkpoint's
    ///    size on only, resumed from the state the earlier records left;
    ///    the tree is recomputed over those records on top of the
    ///    checkpoint's subtrees and compared with the stored tree and with
    ///    every checkpoint recorded among them;
    /// 4. the state file moves to the newest checkpoint shown consistent,
    ///    only when nothing failed.
    pub fn verify_from_checkpoint(&mut self, args: &FromCheckpoint<'_>) -> Result<CheckpointReport, Error> {
        self.consistent(|l| l.checkpoint_report(args))
    }

    fn checkpoint_report(&self, args: &FromCheckpoint<'_>) -> Result<CheckpointReport, Error> {
        let store = self.store();
        let tree = store.tree();
        let records = tree.records()?;
        let early = |problem: Problem| CheckpointReport {
            ok: false,
            problems: vec![problem],
            verified: None,
            origin: "?".into(),
            records,
            state_note: None,
            rehashed: 0,
        };
        let tree_size = match tree.size() {
            Ok(size) => size,
            Err(StoreError::Tree(fault)) => {
                return Ok(early(Problem::new(0, Check::Tree, format!("the Merkle tree table is damaged: {fault}"))));
            }
            Err(e) => return Err(e.into()),
        };
        if tree_size < records {
            return Ok(early(Problem::new(
                tree_size,
                Check::Tree,
                format!(
                    "the stored Merkle tree covers only {tree_size} of the {records} records: records were written past the ledger's own writer, or the tree table was damaged; no checkpoint can be checked against it (a full verification says which)"
                ),
            )));
        }
        if records == 0 {
            return Err(Error::refused("the ledger holds no records, not even a genesis record"));
        }
        let genesis = store
            .get(0)?
            .and_then(|r| r.decode().ok())
            .ok_or_else(|| Error::refused_with("record 0 does not decode", crate::Remedy::Verify { seq: Some(0) }))?;
        let origin = genesis.envelope.origin.clone();
        let keys = log_keys(args.vkey, Some(self))?;
        let presented = args.checkpoint.map(|p| open_signed_file(p, &keys)).transpose()?;
        let mut policy_problem = None;
        if let (Some(policy), Some(p)) = (args.policy, &presented)
            && let Err(why) = meets_policy(&p.text, policy)
        {
            policy_problem =
                Some(Problem::new(p.size().min(records), Check::Consistency, format!("{}: {why}", p.source)));
        }
        let seen = match args.state {
            Some(path) => open_state(path, &keys)?,
            None => None,
        };
        let mut problems: Vec<Problem> = policy_problem.into_iter().collect();
        if tree_size > records {
            problems.push(Problem::new(
                records,
                Check::Consistency,
                format!(
                    "the Merkle tree holds {tree_size} leaves but the ledger only {records} records: records were removed from its end"
                ),
            ));
        }
        // 2. Each checkpoint against the ledger, then against each other.
        let holds = |s: &Signed, problems: &mut Vec<Problem>| -> Result<bool, Error> {
            match against_ledger(&tree, records, &s.checkpoint)? {
                Ok(()) => Ok(true),
                Err(why) => {
                    problems.push(Problem::consistency(s.size().min(records), format!("{}: {why}", s.source), &[s]));
                    Ok(false)
                }
            }
        };
        let seen_holds = match &seen {
            Some(s) => holds(s, &mut problems)?,
            None => false,
        };
        let presented_holds = match &presented {
            Some(p) => holds(p, &mut problems)?,
            None => false,
        };
        if let (Some(s), Some(p)) = (&seen, &presented) {
            let (small, large, large_holds) =
                if s.size() <= p.size() { (s, p, presented_holds) } else { (p, s, seen_holds) };
            let inconsistent = if small.size() == large.size() {
                small.checkpoint.root != large.checkpoint.root
            } else {
                // If the larger one is this ledger's, the smaller must be its prefix.
                large_holds && tree.root(small.size())? != small.checkpoint.root
            };
            if inconsistent {
                problems.push(Problem::consistency(
                    small.size(),
                    format!(
                        "{} is not consistent with the newest checkpoint seen before ({}): two signed checkpoints that cannot both be true; the log forked or was rolled back",
                        p.source, s.source
                    ),
                    &[s, p],
                ));
            }
        }
        // 3. The base: the checkpoint presented, else the one seen before.
        let mut rehashed = 0;
        let base = match (&presented, &seen) {
            (Some(p), _) => Some((p, presented_holds)),
            (None, Some(s)) => Some((s, seen_holds)),
            (None, None) => None,
        };
        let verified = match base {
            Some((_, false)) => None, // reported above; records cannot be verified from it
            Some((b, true)) => {
                // The records under the checkpoint, re-hashed: their bytes,
                // their chain and the tree they give, against its root. The
                // stored tree alone would let an edited record through.
                let under = crate::view::rehash_records(store, b.size(), true)?;
                rehashed = b.size();
                if let Some(f) = under.broken {
                    problems.push(Problem::new(
                        f.seq,
                        f.check,
                        format!("{}, under the checkpoint of {} records ({})", f.message, b.size(), b.source),
                    ));
                } else if under.frontier.root() != b.checkpoint.root {
                    problems.push(Problem::consistency(
                        b.size().saturating_sub(1),
                        format!(
                            "the {} records under {} hash to the root {}, not to the checkpoint's {}: records were changed after it was signed, with their stored hashes",
                            b.size(),
                            b.source,
                            b64(&under.frontier.root()),
                            b64(&b.checkpoint.root)
                        ),
                        &[b],
                    ));
                }
                let trusted = TrustedStart::Root { size: b.size(), root: b.checkpoint.root };
                Some(resume(store, &trusted, &origin, &keys, &mut problems)?)
            }
            None => Some(resume(store, &TrustedStart::Genesis, &origin, &keys, &mut problems)?),
        };
        // The genesis record must name the roots the inspector trusts.
        if let Ok(authority) = Authority::genesis(&genesis) {
            for trusted in &args.trusted_roots {
                if !authority.roots().contains(trusted) {
                    problems.push(Problem::new(
                        0,
                        Check::Genesis,
                        format!(
                            "genesis does not name the trusted root key {}: this is not the ledger you trust",
                            trusted.key_id()
                        ),
                    ));
                }
            }
        }
        problems.sort_by_key(|p| p.seq);
        let ok = problems.is_empty();
        // 4. The state moves forward only when everything held.
        let mut state_note = None;
        if let (Some(path), true, Some(v)) = (args.state, ok, &verified) {
            let newest =
                [presented.as_ref(), v.latest_recorded.as_ref()].into_iter().flatten().max_by_key(|c| c.size());
            if let Some(newest) = newest
                && seen.as_ref().is_none_or(|s| newest.size() > s.size())
            {
                write_atomically(path, &newest.text)?;
                state_note =
                    Some(format!("state {} now holds the checkpoint of {} records", path.display(), newest.size()));
            }
        }
        Ok(CheckpointReport { ok, problems, verified, origin, records, state_note, rehashed })
    }
}

/// Where resumed verification starts from.
#[derive(Debug, Clone)]
pub(crate) enum TrustedStart {
    /// Record 0: everything is checked.
    Genesis,
    /// After a signed tree head: the stored subtrees of its first `size`
    /// records must fold to `root`.
    Root {
        /// Records it covers.
        size: u64,
        /// Their root.
        root: Hash,
    },
    /// After a point this machine verified: its frontier is trusted.
    Frontier(Frontier),
}

impl TrustedStart {
    fn size(&self) -> u64 {
        match self {
            TrustedStart::Genesis => 0,
            TrustedStart::Root { size, .. } => *size,
            TrustedStart::Frontier(f) => f.size(),
        }
    }
}

fn tree_problem(seq: u64, d: &Divergence) -> Problem {
    Problem::new(
        seq,
        Check::Consistency,
        format!("the stored Merkle tree does not match the records: {d}; proofs served from it would not verify"),
    )
}

/// Runs the kernel checks on the records from `start` on and recomputes
/// their tree on top of the trusted start, comparing it with the stored one
/// and with every checkpoint recorded among them. Problems are pushed.
pub(crate) fn resume(
    store: &Store,
    start: &TrustedStart,
    origin: &str,
    keys: &[Verifier],
    problems: &mut Vec<Problem>,
) -> Result<Resumed, Error> {
    let from = start.size();
    let tree = store.tree();
    let records = tree.records()?;
    let trusted_root = match start {
        TrustedStart::Genesis => None,
        TrustedStart::Root { root, .. } => Some(*root),
        TrustedStart::Frontier(f) => Some(f.root()),
    };
    let mut verifier = if from == 0 {
        RecordVerifier::new(Options::default())
    } else {
        let prev = store.get(from - 1)?.ok_or_else(|| Error::refused(format!("record {} is missing", from - 1)))?;
        let prev_hash = ledger_core::Hash::from_slice(&prev.hash).ok_or_else(|| {
            Error::refused_with(
                format!("record {}'s stored hash is not 32 bytes", from - 1),
                crate::Remedy::Verify { seq: Some(from - 1) },
            )
        })?;
        // The previous hash the next record must carry is the trusted tree's last leaf.
        let last_leaf_holds = match &trusted_root {
            Some(root) => {
                let proof = tree.inclusion_proof(from - 1, from)?;
                verify_inclusion(&leaf_hash(&prev_hash.0), from - 1, from, &proof, root).is_ok()
            }
            None => true,
        };
        if !last_leaf_holds {
            problems.push(Problem::new(
                from - 1,
                Check::Consistency,
                format!(
                    "record {}'s stored hash is not the last leaf of the trusted tree: it was changed after the tree was signed or verified",
                    from - 1
                ),
            ));
        }
        let authority = store.authority_before(from)?.map_err(|e| {
            Error::refused_with(
                format!("the governance records before record {from} do not replay ({e})"),
                crate::Remedy::Verify { seq: None },
            )
        })?;
        let last_time = Envelope::from_bytes(&prev.envelope).ok().map(|e| e.time);
        RecordVerifier::resume(
            Options::default(),
            Resume {
                next_seq: from,
                prev_hash,
                last_time,
                streams: store.stream_versions_before(from)?,
                reused_ids: store.reused_event_ids(from)?,
                authority,
                origin: origin.to_owned(),
            },
        )
    };
    // The tree, recomputed over these records on top of the trusted subtrees
    // and compared node by node with the stored one.
    let trusted = trusted_root.unwrap_or_else(ledger_tlog::empty_root);
    let mut check = match tree.check_from(from, &trusted)? {
        Ok(check) => Some(check),
        Err(d) => {
            problems.push(tree_problem(from.saturating_sub(1), &d));
            None
        }
    };
    let mut frontier = match start {
        TrustedStart::Frontier(f) => f.clone(),
        _ => tree.frontier(from)?,
    };
    let mut tree_diverged = check.is_none();
    let mut latest_recorded = None;
    let (mut unsealed, mut last_seal) = (0u64, None);
    let mut next = from;
    let progress = crate::progress::task("verifying", records.saturating_sub(from));
    loop {
        let chunk = store.read(next, crate::verify::CHUNK)?;
        progress.advance(chunk.len());
        let Some(last) = chunk.last() else { break };
        next = last.seq.saturating_add(1);
        let decoded = verifier.push(&chunk);
        for (raw, (record, passed)) in chunk.iter().zip(decoded) {
            // A checkpoint recorded here must describe the records before it.
            if let Some(record) = record
                && record.envelope.event_type == CHECKPOINT_TYPE
            {
                match check_recorded(&record, check.as_ref(), &frontier, &tree, keys)? {
                    Ok(Some(signed)) => {
                        latest_recorded = Some(signed);
                        if passed {
                            unsealed = 0;
                            last_seal = Some(raw.seq);
                        }
                    }
                    Ok(None) => {}
                    Err(p) => problems.push(p),
                }
            } else {
                unsealed += 1;
            }
            let leaf = <[u8; 32]>::try_from(raw.hash.as_slice()).ok();
            if let Some(h) = leaf {
                frontier.push(&h);
            }
            match (&mut check, leaf) {
                (Some(c), Some(h)) if raw.seq == c.size() => {
                    if let Err(d) = c.push(&h)? {
                        problems.push(tree_problem(raw.seq, &d));
                        tree_diverged = true;
                    }
                }
                _ => check = None, // a record the checks above report: no tree to compare
            }
        }
    }
    let report = verifier.finish();
    problems.extend(report.findings.iter().map(|f| Problem::new(f.seq, f.check, f.message.clone())));
    // Records before `from` signed by a key revoked since as compromised.
    if from > 0
        && let Some(authority) = &report.authority
    {
        for info in authority.keys() {
            let Some(rev) = &info.revoked else { continue };
            let Some(compromised) = rev.compromised_from else { continue };
            if rev.seq < from || compromised >= from {
                continue; // decided before the trusted point, or among the records just checked
            }
            for seq in store.records_by_author(&info.key, compromised, from)? {
                problems.push(Problem::new(
                    seq,
                    Check::Authority,
                    format!(
                        "signed by key {} ({}) after it was compromised: revoked at seq {} as compromised from seq {compromised} ({})",
                        info.key_id, info.holder, rev.seq, rev.reason
                    ),
                ));
            }
        }
    }
    // The recomputed root against the stored tree's, and the consistency
    // proof the store gives from the trusted head.
    let root = tree.root(records)?;
    if let Some(check) = check.filter(|c| c.size() == records) {
        match check.finish()? {
            Err(d) if !tree_diverged => problems.push(tree_problem(records - 1, &d)),
            Err(_) => {}
            Ok(_) if from > 0 => {
                let proof = tree.consistency_proof(from, records)?;
                if let Err(e) = verify_consistency(from, &trusted, records, &root, &proof) {
                    problems.push(Problem::new(
                        records - 1,
                        Check::Consistency,
                        format!("the stored Merkle tree gives a consistency proof that does not verify: {e}"),
                    ));
                }
            }
            Ok(_) => {}
        }
    }
    Ok(Resumed {
        from,
        count: report.records,
        root,
        head: report.head.map(|h| h.to_hex()),
        latest_recorded,
        frontier,
        unsealed,
        last_seal,
    })
}

/// Checks a recorded checkpoint against the tree of the records before it.
fn check_recorded(
    record: &Record,
    check: Option<&TreeCheck<'_>>,
    frontier: &Frontier,
    tree: &TreeReader<'_>,
    keys: &[Verifier],
) -> Result<Result<Option<Signed>, Problem>, Error> {
    let seq = record.seq;
    let (cp, note) = match check_checkpoint_event(&record.envelope) {
        Ok(x) => x,
        Err(e) => {
            return Ok(Err(Problem::new(
                seq,
                Check::Consistency,
                format!("the checkpoint recorded here is invalid: {e}"),
            )));
        }
    };
    if cp.size > seq {
        return Ok(Err(Problem::new(
            seq,
            Check::Consistency,
            format!("the checkpoint recorded here describes {} records, more than precede it", cp.size),
        )));
    }
    // The recomputed root when it is at that size, else the stored tree's.
    let actual = match check {
        Some(c) if c.size() == cp.size => c.root(),
        _ if frontier.size() == cp.size => frontier.root(),
        _ => tree.root(cp.size)?,
    };
    if actual != cp.root {
        let signed =
            Signed { checkpoint: cp.clone(), text: note, source: format!("the checkpoint recorded at seq {seq}") };
        return Ok(Err(Problem::consistency(
            seq,
            format!(
                "the log signed root {} for its first {} records, but they hash to root {}: the records were changed after it signed",
                b64(&cp.root),
                cp.size,
                b64(&actual)
            ),
            &[&signed],
        )));
    }
    // Held; the state may adopt it if it verifies with the log keys in use.
    Ok(Ok(open_signed(note.as_bytes(), &format!("the checkpoint recorded at seq {seq}"), keys).ok()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ledger_core::append::MemoryLedger;
    use ledger_core::authority::{Genesis, RootKey};
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

// ---------------------------------------------------------------------------
// Self-contained proofs

/// The first member of a proof bundle (`ledger prove --bundle`).
pub const BUNDLE_FORMAT: &str = "assessment-ledger/proof-bundle/v1";

/// A record, its inclusion proof and the log's verifier key in one JSON
/// document (`docs/TLOG.md` section 3): `{"format", "record": {"seq",
/// "prev", "hash", "envelope", "signatures"}, "proof", "vkey"}`, the record
/// as in a record bundle (hashes in hex, envelope and signature list as
/// their exact stored bytes).
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The record, as stored.
    pub record: ledger_core::RawRecord,
    /// The `c2sp.org/tlog-proof@v1` file.
    pub proof: String,
    /// The log's verifier key the bundle names (never trusted for itself).
    pub vkey: String,
}

impl Bundle {
    /// The bundle as one JSON document.
    pub fn encode(&self) -> Result<String, Error> {
        let line = crate::tiles::record_line(&self.record)?;
        let record: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| Error::refused(format!("encoding the bundle: {e}")))?;
        let v = serde_json::json!({"format": BUNDLE_FORMAT, "record": record, "proof": self.proof, "vkey": self.vkey});
        Ok(format!("{v}\n"))
    }

    /// Reads a bundle; `None` when `bytes` is not one (a plain proof file).
    pub fn parse(bytes: &[u8], source: &str) -> Result<Option<Bundle>, Error> {
        let Ok(text) = std::str::from_utf8(bytes) else { return Ok(None) };
        if !text.trim_start().starts_with('{') {
            return Ok(None);
        }
        let bad = |why: String| {
            Error::refused_with(
                format!("{source} is not a proof bundle: {why}"),
                crate::Remedy::FixInput { input: crate::Input::ProofBundle },
            )
        };
        let v = ledger_core::canonical::parse_unique(text.trim_end()).map_err(|e| bad(e.to_string()))?;
        let Some(obj) = v.as_object() else { return Err(bad("not a JSON object".into())) };
        if let Some(k) = obj.keys().find(|k| !matches!(k.as_str(), "format" | "record" | "proof" | "vkey")) {
            return Err(bad(format!("unknown member {k:?}")));
        }
        if obj.get("format").and_then(|f| f.as_str()) != Some(BUNDLE_FORMAT) {
            return Err(bad(format!("\"format\" is not {BUNDLE_FORMAT:?}")));
        }
        let text_of = |k: &str| {
            obj.get(k).and_then(|x| x.as_str()).map(str::to_owned).ok_or_else(|| bad(format!("no string {k:?}")))
        };
        let (proof, vkey) = (text_of("proof")?, text_of("vkey")?);
        let record = obj.get("record").ok_or_else(|| bad("no \"record\"".into()))?;
        let seq = record.get("seq").and_then(|s| s.as_u64()).ok_or_else(|| bad("no record \"seq\"".into()))?;
        let mut raws =
            crate::tiles::read_record_lines(&record.to_string(), seq).map_err(|e| bad(format!("record: {e}")))?;
        if raws.len() != 1 {
            return Err(bad("\"record\" is not one record".into()));
        }
        Ok(Some(Bundle { record: raws.remove(0), proof, vkey }))
    }
}

impl Ledger {
    /// [`Ledger::prove`], with the record and the log's verifier key: a
    /// proof that needs nothing else but a trusted log key to check.
    pub fn prove_bundle(
        &self,
        seq: u64,
        checkpoint: Option<&Path>,
        vkey: Option<&str>,
    ) -> Result<(InclusionProof, Bundle), Error> {
        let proof = self.prove(seq, checkpoint, vkey)?;
        let parsed = ProofFile::parse(proof.proof.as_bytes())
            .map_err(|e| Error::refused(format!("the proof just made does not parse: {e}")))?;
        let key = log_keys(vkey, Some(self))?
            .into_iter()
            .find(|k| ledger_tlog::open_checkpoint(parsed.checkpoint.as_bytes(), k).is_ok())
            .ok_or_else(|| Error::refused("no log key of the ledger signed the checkpoint"))?;
        let record = self.store().get(seq)?.ok_or_else(|| {
            Error::refused_with(format!("record {seq} is missing"), crate::Remedy::Verify { seq: Some(seq) })
        })?;
        let bundle = Bundle { record, proof: proof.proof.clone(), vkey: key.to_string() };
        Ok((proof, bundle))
    }
}

/// What a bundle's record says, once its bytes hash to its hash and its
/// signatures verify.
#[derive(Debug, Clone, Serialize)]
pub struct BundledEvent {
    /// Its seq.
    pub seq: u64,
    /// Its stream.
    pub stream: String,
    /// Its type.
    pub event_type: String,
    /// When it was signed.
    pub time: String,
    /// The author's key id.
    pub author: String,
    /// Its payload.
    pub data: serde_json::Value,
    /// The log key the bundle names, when it is not the trusted one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named_vkey: Option<String>,
}

/// Checks a proof bundle with a trusted log key (and witnesses): the
/// record's bytes hash to its hash, its signatures verify, it names the
/// checkpoint's log, and the proof leads from that hash at its seq to the
/// signed checkpoint. The key the bundle names is never trusted for itself.
pub fn verify_bundle(
    bundle: &Bundle,
    source: &str,
    log_key: &Verifier,
    witnesses: &[Verifier],
    quorum: Option<usize>,
) -> Result<(ProofVerdict, Option<BundledEvent>), Error> {
    let raw = &bundle.record;
    let invalid =
        |error: String| Ok((ProofVerdict::Invalid { record: hex::encode(&raw.hash), index: raw.seq, error }, None));
    let Some(computed) = raw.computed_hash() else {
        return invalid(format!("{source}: the record's prev is not 32 bytes"));
    };
    if computed.0.as_slice() != raw.hash.as_slice() {
        return invalid(format!(
            "{source}: record {} does not hash to the hash it carries (it hashes to {computed}): it was changed",
            raw.seq
        ));
    }
    let signed = match ledger_core::record::SignedEnvelope::from_parts(raw.envelope.clone(), raw.signatures.clone()) {
        Ok(s) => s,
        Err(e) => return invalid(format!("{source}: record {}: {e}", raw.seq)),
    };
    if let Err(e) = signed.verify_signatures() {
        return invalid(format!("{source}: record {}: {e}", raw.seq));
    }
    let verdict = verify_proof(bundle.proof.as_bytes(), source, &computed.to_hex(), log_key, witnesses, quorum)?;
    let verdict = match verdict {
        ProofVerdict::Valid { index, .. } if index != raw.seq => {
            return invalid(format!("{source}: the proof is for record {index}, the record is {}", raw.seq));
        }
        ProofVerdict::Valid { ref origin, .. } if *origin != signed.envelope.origin => {
            return invalid(format!(
                "{source}: the record is of the ledger {:?}, the checkpoint of {origin:?}",
                signed.envelope.origin
            ));
        }
        v => v,
    };
    let env = &signed.envelope;
    let event = BundledEvent {
        seq: raw.seq,
        stream: env.stream.clone(),
        event_type: env.event_type.clone(),
        time: env.time.to_string(),
        author: env.author.key_id().to_string(),
        data: serde_json::Value::Object(env.data.clone()),
        named_vkey: (bundle.vkey != log_key.to_string()).then(|| bundle.vkey.clone()),
    };
    Ok((verdict, Some(event)))
}

// ---------------------------------------------------------------------------
// A witness following a published log

/// What `ledger witness` is given.
#[derive(Debug)]
pub struct WitnessRequest<'a> {
    /// The witness's private key.
    pub key: SigningKey,
    /// The witness name.
    pub name: &'a str,
    /// The log's verifier key (text or file).
    pub log_vkey: &'a str,
    /// The witness's folder: `checkpoint` (the newest it cosigned),
    /// `cosigned` (that checkpoint with the cosignature), `forks/` (the
    /// evidence of every inconsistent checkpoint presented).
    pub state: &'a Path,
}

/// Follows a log published as tiles (`ledger serve`, `ledger export-tiles`):
/// reads its checkpoint, proves it consistent with the newest one this
/// witness cosigned from the published hash tiles, and only then cosigns
/// (cosignature/v1, [`cosign`]). An inconsistent checkpoint is kept under
/// `forks/` with the proof it came with, and not cosigned.
pub fn witness(
    source: &dyn crate::tiles::TileSource,
    req: WitnessRequest<'_>,
    warnings: &mut Vec<String>,
) -> Result<(Cosigning, String), Error> {
    let io = |p: &Path, e: std::io::Error| Error::refused(format!("{}: {e}", p.display()));
    std::fs::create_dir_all(req.state).map_err(|e| io(req.state, e))?;
    let keys = log_keys(Some(req.log_vkey), None)?;
    let presented =
        source.get("checkpoint", usize::try_from(files::CHECKPOINT.bytes).unwrap_or(usize::MAX))?.ok_or_else(|| {
            Error::refused_with(
                format!("{}: no checkpoint published", source.name()),
                crate::Remedy::FixInput { input: crate::Input::Tiles },
            )
        })?;
    let presented = String::from_utf8(presented)
        .map_err(|_| Error::refused(format!("{}/checkpoint is not UTF-8", source.name())))?;
    let new = open_signed(presented.as_bytes(), &format!("{}/checkpoint", source.name()), &keys)?;
    let state = req.state.join("checkpoint");
    let incoming = req.state.join(".incoming");
    let incoming_proof = req.state.join(".incoming.proof");
    write_atomically(&incoming, &presented)?;
    let mut proof_path = None;
    if let Some(old) = open_state(&state, &keys)?
        && new.size() > old.size()
    {
        let reader = crate::tiles::TileHashes::new(source, new.size());
        let hashes = ledger_tlog::consistency_proof(old.size(), new.size(), &reader)
            .map_err(|e| Error::refused(format!("reading the consistency proof from the tiles: {e}")))?;
        let mut body = format!("old {}\n", old.size());
        for h in &hashes {
            body.push_str(&b64(h));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&presented);
        write_atomically(&incoming_proof, &body)?;
        proof_path = Some(incoming_proof.as_path());
    }
    let result = cosign(
        None,
        CosignRequest {
            key: req.key,
            name: req.name,
            state: Some(&state),
            vkey: Some(req.log_vkey),
            proof: proof_path,
            checkpoint: &incoming,
        },
        warnings,
    );
    let outcome = match result {
        Ok(Cosigning::Cosigned(c)) => {
            let mut cosigned = presented.clone();
            cosigned.push_str(&c.line);
            if !c.line.ends_with('\n') {
                cosigned.push('\n');
            }
            write_atomically(&req.state.join("cosigned"), &cosigned)?;
            Ok((Cosigning::Cosigned(c), cosigned))
        }
        Ok(Cosigning::Refused(p)) => {
            // The evidence: the checkpoint presented and the proof it came with.
            let forks = req.state.join("forks");
            std::fs::create_dir_all(&forks).map_err(|e| io(&forks, e))?;
            let stamp = format!("{}-{}", new.size(), Timestamp::now().as_unix());
            write_atomically(&forks.join(format!("{stamp}.checkpoint")), &presented)?;
            if proof_path.is_some() {
                let body = std::fs::read_to_string(&incoming_proof).map_err(|e| io(&incoming_proof, e))?;
                write_atomically(&forks.join(format!("{stamp}.proof")), &body)?;
            }
            Ok((Cosigning::Refused(p), presented.clone()))
        }
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&incoming);
    let _ = std::fs::remove_file(&incoming_proof);
    outcome
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
