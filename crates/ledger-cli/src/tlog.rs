//! The verifiable log from the command line (`docs/TLOG.md`):
//!
//! * `ledger checkpoint`: signs the Merkle tree head as a C2SP checkpoint
//!   with the log key and records it as a `checkpoint_signed` event;
//! * `ledger key vkey`: a public key as a signed-note verifier key;
//! * `ledger prove` and `ledger verify-proof`: offline inclusion proofs
//!   (`c2sp.org/tlog-proof@v1`);
//! * `ledger consistency`: a consistency proof between two checkpoints, as
//!   the body of a C2SP tlog-witness `add-checkpoint` request;
//! * `ledger cosign`: a witness cosignature (`cosignature/v1`), given only
//!   after the checkpoint is shown to extend the last one the witness saw;
//! * `ledger verify --checkpoint/--state`: consistency with a signed
//!   checkpoint, then the kernel checks on the records added since.
//!
//! The formats are `ledger-tlog`'s and the tree is the store's; this module
//! decides what is checked, in which order, and what the user is told.

use crate::cli::VerifyArgs;
use crate::commands::{fresh_id, open_read_only, open_store, read_private, read_public};
use crate::output::Out;
use crate::{Outcome, hinted};
use anyhow::{Result, anyhow};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use clap::{Args, Subcommand};
use ledger_core::append::{AppendError, Batch, KernelRules, Outcome as Appended, Submission};
use ledger_core::authority::Authority;
use ledger_core::verify::{Check, Options, Resume, Verifier as RecordVerifier};
use ledger_core::{Envelope, Record, Timestamp};
use ledger_node::files;
use ledger_store::{AppendFailure, Divergence, Store, StoreError, TreeCheck, TreeFault, TreeReader};
use ledger_tlog::{
    Checkpoint, CosignatureError, Cosigner, Hash, KeyType, Note, NoteError, ProofError, ProofFile, ProofFileError,
    Signer, Verifier, leaf_hash, verify_consistency, verify_inclusion,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub use ledger_tlog::event::{CHECKPOINT_STREAM, CHECKPOINT_TYPE, CheckpointRules, check_checkpoint_event};

// ---------------------------------------------------------------------------
// Command line.

#[derive(Debug, Subcommand)]
pub enum TlogCommand {
    /// Sign a checkpoint of the Merkle tree with the log key, record it, print it.
    Checkpoint(CheckpointArgs),
    /// Write an offline inclusion proof (c2sp.org/tlog-proof@v1) for one record.
    Prove(ProveArgs),
    /// Check an inclusion proof offline: exit 0 valid, 1 invalid, 2 unusable input.
    VerifyProof(VerifyProofArgs),
    /// Print a consistency proof between two checkpoints (tlog-witness add-checkpoint body).
    Consistency(ConsistencyArgs),
    /// Cosign a checkpoint as a witness (cosignature/v1) once it extends the last one seen.
    Cosign(CosignArgs),
}

#[derive(Debug, Args)]
pub struct CheckpointArgs {
    /// The log's private key: an office key authorised with role `log`.
    #[arg(long)]
    pub key: PathBuf,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProveArgs {
    /// Sequence number of the record.
    pub seq: u64,
    /// Prove against this signed checkpoint (default: the latest one recorded in the ledger).
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// The log's verifier key, or a file holding it (default: the log keys the ledger authorises).
    #[arg(long, value_name = "VKEY")]
    pub vkey: Option<String>,
    /// Write the proof to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyProofArgs {
    /// The log's verifier key (<origin>+<key id>+<base64>, see `ledger key vkey`), or a file holding it.
    #[arg(long, value_name = "VKEY")]
    pub vkey: String,
    /// The record hash (64 hex digits) the proof is about.
    #[arg(long, value_name = "HEX")]
    pub record: String,
    /// A witness's verifier key (cosignature/v1), or a file holding it; repeat for each.
    #[arg(long = "witness", value_name = "VKEY")]
    pub witnesses: Vec<String>,
    /// How many of the --witness keys must have cosigned (default: all of them).
    #[arg(long, value_name = "K", requires = "witnesses")]
    pub quorum: Option<usize>,
    /// The proof file, or - for standard input.
    pub file: PathBuf,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ConsistencyArgs {
    /// The older signed checkpoint.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The newer signed checkpoint (default: the ledger's current size, whose
    /// tree head is printed unsigned).
    #[arg(long, value_name = "FILE", conflicts_with = "to_latest")]
    pub to: Option<PathBuf>,
    /// To the latest checkpoint recorded in the ledger (signed), instead of the current size.
    #[arg(long)]
    pub to_latest: bool,
    /// The log's verifier key, or a file holding it (default: the log keys the ledger authorises).
    #[arg(long, value_name = "VKEY")]
    pub vkey: Option<String>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CosignArgs {
    /// The witness's private key.
    #[arg(long)]
    pub key: PathBuf,
    /// The witness name in the cosignature (default: the key file's name without .key).
    #[arg(long)]
    pub name: Option<String>,
    /// The witness's state: the newest checkpoint it has seen (created if absent, updated after cosigning).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// The log's verifier key, or a file holding it (default: the log keys the ledger at --db authorises).
    #[arg(long, value_name = "VKEY")]
    pub vkey: Option<String>,
    /// Consistency proof from the state's checkpoint (`ledger consistency` output); default: computed from --db.
    #[arg(long, value_name = "FILE")]
    pub proof: Option<PathBuf>,
    /// The signed checkpoint to cosign.
    pub checkpoint: PathBuf,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VkeyArgs {
    /// The public key file (.pub).
    #[arg(value_name = "PUB")]
    pub public: PathBuf,
    /// The key name: the ledger's origin for the log key, the witness's name for a witness key.
    #[arg(long)]
    pub name: String,
    /// A witness key (cosignature/v1, type 0x04) instead of a log key (Ed25519, type 0x01).
    #[arg(long)]
    pub witness: bool,
}

pub fn run(db: &Path, command: TlogCommand, out: &mut Out) -> Result<Outcome> {
    match command {
        TlogCommand::Checkpoint(args) => checkpoint(db, args, out),
        TlogCommand::Prove(args) => prove(db, args, out),
        TlogCommand::VerifyProof(args) => verify_proof(args, out),
        TlogCommand::Consistency(args) => consistency(db, args, out),
        TlogCommand::Cosign(args) => cosign(db, args, out),
    }
}

// ---------------------------------------------------------------------------
// The `checkpoint_signed` event.

// ---------------------------------------------------------------------------
// Shared helpers.

fn b64(hash: &Hash) -> String {
    BASE64.encode(hash)
}

/// Writes a file whole or not at all (a temporary file renamed over it).
fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, contents).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| anyhow!("writing {}: {e}", path.display()))
}

/// A verifier key given on the command line, or the name of a file holding
/// one. Nothing read from a file is quoted in an error: the file could be a
/// private key given by mistake (refused as such by [`files::read`]).
fn parse_vkey(arg: &str, option: &str) -> Result<Verifier> {
    let parsed = Verifier::parse(arg.trim());
    if let Ok(v) = parsed {
        return Ok(v);
    }
    let path = Path::new(arg);
    if path.exists() {
        let bytes = files::read(path, files::VKEY).map_err(|e| anyhow!("{option}: {e}"))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            hinted(
                format!("{option} {}: not a verifier key: the file is not text", path.display()),
                "print one with `ledger key vkey FILE.pub --name NAME`",
            )
        })?;
        if text.contains("-----BEGIN PUBLIC KEY-----") {
            return Err(hinted(
                format!("{option} {}: this is a public key file (PEM), not a verifier key", path.display()),
                "print its verifier key with `ledger key vkey FILE.pub --name NAME` (the log key's name is the ledger's origin)",
            ));
        }
        return Verifier::parse(text.trim()).map_err(|e| {
            hinted(
                format!("{option} {}: not a verifier key: {e}", path.display()),
                "print one with `ledger key vkey FILE.pub --name NAME`",
            )
        });
    }
    let e = parsed.err().map(|e| e.to_string()).unwrap_or_default();
    Err(hinted(
        format!("{option} is neither a verifier key nor a file: {e}"),
        "a verifier key reads <name>+<8 hex digits>+<base64>; print one with `ledger key vkey FILE.pub --name NAME`",
    ))
}

/// Explains a tree that does not cover the records.
fn tree_hint(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Tree(TreeFault::OutOfStep { tree, records }) if tree < records => hinted(
            format!(
                "the ledger's Merkle tree covers {tree} of its {records} records: records were written past the ledger's own writer, or the tree table was damaged"
            ),
            "run `ledger verify` to see which; once the records verify, `ledger repair --rebuild-tree` rebuilds the tree",
        ),
        StoreError::Tree(TreeFault::OutOfStep { tree, records }) => hinted(
            format!(
                "the ledger's Merkle tree covers {tree} records but the ledger holds only {records}: records were removed"
            ),
            "check the ledger against your last checkpoint: ledger verify --checkpoint FILE",
        ),
        other => other.into(),
    }
}

/// The log keys the ledger authorises: office keys holding a role that may
/// sign `checkpoint_signed`, not revoked as compromised (retired keys still
/// vouch for what they signed before). Each is named `origin`.
fn ledger_log_keys(authority: &Authority, origin: &str) -> Result<Vec<Verifier>> {
    let roles: Vec<&String> =
        authority.roles().iter().filter(|(_, types)| types.contains(CHECKPOINT_TYPE)).map(|(r, _)| r).collect();
    let keys: Vec<Verifier> = authority
        .keys()
        .filter(|k| !k.root && k.roles.iter().any(|r| roles.contains(&r)))
        .filter(|k| k.revoked.as_ref().is_none_or(|r| r.compromised_from.is_none()))
        .filter_map(|k| Verifier::new(origin, KeyType::Ed25519, *k.key.verifying_key()).ok())
        .collect();
    if keys.is_empty() {
        return Err(hinted(
            "the ledger authorises no log key (role `log`), so no checkpoint of it can be checked",
            "authorise one: ledger key authorize --key ROOT.key --pub LOG.pub --holder \"...\" --role log; or pass --vkey",
        ));
    }
    Ok(keys)
}

/// The log keys: `--vkey` if given, else the ones the ledger authorises.
fn log_keys(vkey: Option<&str>, store: Option<&Store>) -> Result<Vec<Verifier>> {
    if let Some(v) = vkey {
        let v = parse_vkey(v, "--vkey")?;
        if v.key_type() != KeyType::Ed25519 {
            return Err(hinted(
                format!("--vkey {v} is a witness (cosignature/v1) key, not a log key"),
                "print the log's key with `ledger key vkey LOG.pub --name ORIGIN` (without --witness)",
            ));
        }
        return Ok(vec![v]);
    }
    let Some(store) = store else {
        return Err(hinted("no log key to check the checkpoint with", "pass the log's verifier key with --vkey"));
    };
    let origin = store.head()?.origin;
    let authority = store
        .authority()?
        .map_err(|e| anyhow!("the ledger's governance records do not replay ({e}); run `ledger verify`"))?;
    ledger_log_keys(&authority, &origin)
}

/// A checkpoint whose log signature verified.
#[derive(Debug, Clone)]
struct Signed {
    checkpoint: Checkpoint,
    /// The signed note, verbatim (with any cosignatures).
    text: String,
    /// Where it came from, for messages.
    source: String,
}

impl Signed {
    fn size(&self) -> u64 {
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
fn open_signed(bytes: &[u8], source: &str, keys: &[Verifier]) -> Result<Signed> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| anyhow!("{source} is not a signed checkpoint: not UTF-8 text"))?;
    let note = Note::parse(bytes).map_err(|e| {
        hinted(
            format!("{source} is not a signed note: {e}"),
            "a checkpoint is what `ledger checkpoint` prints: origin, size and root lines, a blank line, signature lines",
        )
    })?;
    let checkpoint = Checkpoint::parse(note.text()).map_err(|e| anyhow!("{source} is not a checkpoint: {e}"))?;
    match note.verify(keys) {
        Ok(_) => {}
        Err(NoteError::NoVerifiedSignature) => {
            return Err(hinted(
                format!("{source} is not signed by the log key ({})", key_names(keys)),
                "check that it comes from this ledger's log, or pass the right log key with --vkey",
            ));
        }
        Err(e) => return Err(anyhow!("{source}: {e}: the checkpoint was altered after it was signed")),
    }
    if let Some(key) = keys.first()
        && checkpoint.origin != key.name()
    {
        return Err(anyhow!("{source} is a checkpoint of {:?}, not of this log {:?}", checkpoint.origin, key.name()));
    }
    Ok(Signed { checkpoint, text: text.to_owned(), source: source.to_owned() })
}

fn open_signed_file(path: &Path, keys: &[Verifier]) -> Result<Signed> {
    let bytes = files::read(path, files::CHECKPOINT)?;
    open_signed(&bytes, &path.display().to_string(), keys)
}

/// The latest checkpoint recorded in the ledger, checked against `keys`.
fn latest_recorded(store: &Store, keys: &[Verifier]) -> Result<Option<Signed>> {
    let Some(record) = store.last_of_type(CHECKPOINT_TYPE)? else { return Ok(None) };
    let source = format!("the checkpoint recorded at seq {}", record.seq);
    let (_, note) = check_checkpoint_event(&record.envelope).map_err(|e| anyhow!("{source} is invalid: {e}"))?;
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
#[derive(Debug)]
struct Problem {
    seq: u64,
    check: Check,
    message: String,
    notes: Vec<String>,
}

impl Problem {
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

    fn json(&self) -> Value {
        let mut v = json!({"seq": self.seq, "check": self.check.name(), "message": self.message});
        if !self.notes.is_empty() {
            v["notes"] = json!(self.notes);
        }
        v
    }
}

fn print_problems(out: &mut Out, problems: &[Problem]) -> Result<()> {
    for p in problems {
        let mut lines = p.message.lines();
        out.line(format!("seq {:>6}  {:<11}  {}", p.seq, p.check.name(), lines.next().unwrap_or_default()))?;
        for l in lines {
            out.line(format!("{:27}{l}", ""))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ledger key vkey

pub fn vkey(args: VkeyArgs, out: &mut Out) -> Result<Outcome> {
    let public = read_public(&args.public)?;
    let key_type = if args.witness { KeyType::CosignatureV1 } else { KeyType::Ed25519 };
    let v = Verifier::new(&args.name, key_type, *public.verifying_key()).map_err(|e| {
        hinted(
            format!("--name {:?}: {e}", args.name),
            "a key name is non-empty, without spaces or '+'; the log key's name is the ledger's origin",
        )
    })?;
    out.line(v.to_string())?;
    Ok(Outcome::Ok)
}

// ---------------------------------------------------------------------------
// ledger checkpoint

/// A checkpoint the log signed and recorded.
pub struct SignedCheckpoint {
    /// The `checkpoint_signed` record.
    pub seq: u64,
    /// The tree size it describes (the records before it).
    pub size: u64,
    /// The tree root.
    pub root: Hash,
    /// The signed note.
    pub note: String,
}

/// Signs a checkpoint of the ledger as it stands with the log key and
/// records it, in one transaction; refuses if the ledger is not consistent
/// with the checkpoint signed before.
pub fn sign_and_record_checkpoint(
    db: &Path,
    key: &ledger_core::SigningKey,
    now: Timestamp,
) -> Result<SignedCheckpoint> {
    let mut store = open_store(db).map_err(|e| match e.downcast::<StoreError>() {
        Ok(e) => tree_hint(e),
        Err(e) => e,
    })?;
    let result = store.append(|tx| -> Result<_, anyhow::Error> {
        let head = tx.head()?;
        let size = head.seq + 1;
        let tree = tx.tree();
        tree.current_size().map_err(tree_hint)?;
        // Never sign a tree inconsistent with the checkpoint signed before:
        // recompute the tree from the records added since and compare.
        let (from, from_root, from_seq) = match tx.last_of_type(CHECKPOINT_TYPE)? {
            Some(record) => {
                let (cp, _) = check_checkpoint_event(&record.envelope).map_err(|e| {
                    hinted(
                        format!("refusing to sign: the checkpoint recorded at seq {} is invalid: {e}", record.seq),
                        "run `ledger verify`",
                    )
                })?;
                (cp.size, cp.root, Some(record.seq))
            }
            None => (0, ledger_tlog::empty_root(), None),
        };
        if from > size {
            return Err(anyhow!("refusing to sign: the last checkpoint describes {from} records, the ledger holds {size}"));
        }
        let root = match tree.audit(from, &from_root, size)? {
            Ok(root) => root,
            Err(divergence) => {
                let what = match from_seq {
                    Some(seq) => format!("the checkpoint recorded at seq {seq} ({from} records) does not hold"),
                    None => "the ledger's records and its Merkle tree disagree".to_owned(),
                };
                return Err(hinted(
                    format!("refusing to sign a checkpoint: {what}: {divergence}"),
                    "a log must never sign two inconsistent checkpoints; run `ledger verify` to see what changed",
                ));
            }
        };
        let signer = Signer::new(&head.origin, key.clone())?;
        let cp = Checkpoint::new(head.origin.clone(), size, root);
        let note = ledger_tlog::sign_checkpoint(&cp, &signer)?;
        let data = json!({"size": size, "root": b64(&root), "note": note});
        let sub = Submission::new(CHECKPOINT_STREAM, CHECKPOINT_TYPE, data, &fresh_id());
        let authority = tx
            .authority()?
            .map_err(|e| anyhow!("the ledger's governance records do not replay ({e}); run `ledger verify`"))?;
        let mut rules = CheckpointRules::new(KernelRules);
        let mut batch = Batch::new(tx, head, authority, &mut rules);
        let seq = match batch.add(sub, key, &[], now) {
            Ok(Appended::Appended(seq)) => seq,
            Ok(Appended::Existing(seq)) => return Err(anyhow!("the checkpoint is already recorded at seq {seq}")),
            Err(AppendError::Authority(e)) => {
                return Err(hinted(
                    format!("this key may not sign checkpoints: {e}"),
                    "authorise it as the log key: ledger key authorize --key ROOT.key --pub LOG.pub --holder \"...\" --role log",
                ));
            }
            Err(e) => return Err(anyhow!("{e}")),
        };
        Ok((batch.into_records(), (seq, size, root, note)))
    });
    let (seq, size, root, note) = match result {
        Ok(r) => r,
        Err(AppendFailure::Refused(e)) => return Err(e.context("nothing was recorded")),
        Err(AppendFailure::Store(e)) => return Err(tree_hint(e).context("nothing was recorded")),
    };
    Ok(SignedCheckpoint { seq, size, root, note })
}

fn checkpoint(db: &Path, args: CheckpointArgs, out: &mut Out) -> Result<Outcome> {
    let key = read_private(&args.key)?;
    let SignedCheckpoint { seq, size, root, note } = sign_and_record_checkpoint(db, &key, Timestamp::now())?;
    if args.json {
        out.json(&json!({"seq": seq, "size": size, "root": b64(&root), "note": note}))?;
    } else {
        out.line(note.trim_end_matches('\n'))?;
    }
    Ok(Outcome::Ok)
}

// ---------------------------------------------------------------------------
// ledger prove

fn prove(db: &Path, args: ProveArgs, out: &mut Out) -> Result<Outcome> {
    let store = open_read_only(db)?;
    let tree = store.tree();
    let records = tree.current_size().map_err(tree_hint)?;
    let seq = args.seq;
    if seq >= records {
        return Err(hinted(format!("no record {seq}"), format!("the ledger holds records 0 to {}", records - 1)));
    }
    let keys = log_keys(args.vkey.as_deref(), Some(&store))?;
    let signed = match &args.checkpoint {
        Some(path) => open_signed_file(path, &keys)?,
        None => latest_recorded(&store, &keys)?.ok_or_else(|| {
            hinted("the ledger holds no signed checkpoint yet", "sign one with `ledger checkpoint --key LOG.key`")
        })?,
    };
    let cp = &signed.checkpoint;
    if let Err(why) = against_ledger(&tree, records, cp)? {
        return Err(hinted(
            format!("{} does not describe this ledger: {why}", signed.source),
            "check the ledger against it: ledger verify --checkpoint FILE",
        ));
    }
    if seq >= cp.size {
        return Err(hinted(
            format!("record {seq} is not in {}, which covers records 0 to {}", signed.source, cp.size - 1),
            "sign a newer checkpoint with `ledger checkpoint --key LOG.key`, then prove again",
        ));
    }
    let raw = store.get(seq)?.ok_or_else(|| anyhow!("record {seq} is missing; run `ledger verify`"))?;
    let hash = <[u8; 32]>::try_from(raw.hash.as_slice())
        .ok()
        .filter(|h| raw.computed_hash().is_some_and(|c| c.0 == *h))
        .ok_or_else(|| {
            hinted(
                format!("record {seq} does not match its stored hash"),
                "run `ledger verify` to see what happened to it",
            )
        })?;
    let proof = tree.inclusion_proof(seq, cp.size)?;
    if verify_inclusion(&leaf_hash(&hash), seq, cp.size, &proof, &cp.root).is_err() {
        return Err(hinted(
            format!("the stored Merkle tree does not lead from record {seq} to the checkpoint's root"),
            "run `ledger verify --checkpoint FILE` to see where the ledger and its tree part",
        ));
    }
    let file = ProofFile { extra: None, index: seq, proof, checkpoint: signed.text.clone() }.encode();
    let record_hash = hex::encode(hash);
    if let Some(path) = &args.out {
        write_atomically(path, &file)?;
    }
    if args.json {
        out.json(&json!({"seq": seq, "record": record_hash, "size": cp.size, "root": b64(&cp.root), "proof": file}))?;
    } else if let Some(path) = &args.out {
        out.line(format!(
            "wrote {}: record {seq} (hash {record_hash}) is in the signed checkpoint of {} records",
            path.display(),
            cp.size
        ))?;
    } else {
        out.line(file.trim_end_matches('\n'))?;
    }
    Ok(Outcome::Ok)
}

// ---------------------------------------------------------------------------
// ledger verify-proof

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

fn verify_proof(args: VerifyProofArgs, out: &mut Out) -> Result<Outcome> {
    let log_key = log_keys(Some(&args.vkey), None)?.remove(0);
    let mut witnesses = Vec::new();
    for w in &args.witnesses {
        let v = parse_vkey(w, "--witness")?;
        if v.key_type() != KeyType::CosignatureV1 {
            return Err(hinted(
                format!("--witness {v} is not a witness (cosignature/v1) key"),
                "print a witness key with `ledger key vkey WITNESS.pub --name NAME --witness`",
            ));
        }
        witnesses.push(v);
    }
    let quorum = args.quorum.unwrap_or(witnesses.len());
    if quorum > witnesses.len() {
        return Err(hinted(
            format!("--quorum {quorum} is more than the {} witness key(s) given", witnesses.len()),
            "give a --witness key for each witness that must have cosigned",
        ));
    }
    let record: [u8; 32] = args
        .record
        .parse::<ledger_core::Hash>()
        .map_err(|e| {
            hinted(
                format!("--record {:?}: {e}", args.record),
                "give the record hash, 64 lowercase hex digits, as `ledger show SEQ` prints it",
            )
        })?
        .0;
    let file = files::read_or_stdin(Some(&args.file), files::PROOF)?;
    // Unusable input (exit 2) is told apart from a proof that fails (exit 1).
    let source = args.file.display().to_string();
    let parsed = ProofFile::parse(&file).map_err(|e| {
        hinted(format!("{source} is not a c2sp.org/tlog-proof@v1 file: {e}"), "make one with `ledger prove SEQ`")
    })?;
    let note = Note::parse(parsed.checkpoint.as_bytes())
        .map_err(|e| anyhow!("{source}: the checkpoint in it is not a signed note: {e}"))?;
    let cp = Checkpoint::parse(note.text()).map_err(|e| anyhow!("{source}: the checkpoint in it is malformed: {e}"))?;
    match ledger_tlog::verify_proof_file(&file, &record, &log_key, &witnesses, quorum) {
        Ok(v) => {
            let cosigned: Vec<Value> = v
                .cosignatures
                .iter()
                .map(|c| {
                    let time = i64::try_from(c.timestamp).ok().and_then(Timestamp::from_unix).map(|t| t.to_string());
                    json!({"name": c.name, "key_id": format!("{:08x}", c.key_id), "timestamp": c.timestamp, "time": time})
                })
                .collect();
            if args.json {
                out.json(&json!({
                    "ok": true, "record": hex::encode(record), "index": v.index, "origin": v.checkpoint.origin,
                    "size": v.checkpoint.size, "root": b64(&v.checkpoint.root), "witnesses": cosigned,
                }))?;
            } else {
                out.line(format!(
                    "ok: record {} is record {} of {}, in its signed checkpoint of {} records (root {})",
                    hex::encode(record),
                    v.index,
                    v.checkpoint.origin,
                    v.checkpoint.size,
                    b64(&v.checkpoint.root)
                ))?;
                for c in &cosigned {
                    out.line(format!(
                        "cosigned by witness {}+{} at {}",
                        c["name"].as_str().unwrap_or_default(),
                        c["key_id"].as_str().unwrap_or_default(),
                        c["time"].as_str().unwrap_or("?")
                    ))?;
                }
            }
            Ok(Outcome::Ok)
        }
        Err(e) => {
            let message = proof_failure(&e, &log_key, parsed.index, cp.size);
            if args.json {
                out.json(
                    &json!({"ok": false, "record": hex::encode(record), "index": parsed.index, "error": message}),
                )?;
            } else {
                out.line(format!("FAILED: {message}"))?;
            }
            Ok(Outcome::Failed)
        }
    }
}

// ---------------------------------------------------------------------------
// ledger consistency

fn consistency(db: &Path, args: ConsistencyArgs, out: &mut Out) -> Result<Outcome> {
    let store = open_read_only(db)?;
    let tree = store.tree();
    let records = tree.current_size().map_err(tree_hint)?;
    let keys = log_keys(args.vkey.as_deref(), Some(&store))?;
    let old = open_signed_file(&args.from, &keys)?;
    // The target: a signed checkpoint, or (no --to) the ledger's current size,
    // whose tree head is computed from the store and printed unsigned.
    let new = match (&args.to, args.to_latest) {
        (Some(path), _) => Some(open_signed_file(path, &keys)?),
        (None, true) => Some(latest_recorded(&store, &keys)?.ok_or_else(|| {
            hinted("the ledger holds no signed checkpoint yet", "sign one with `ledger checkpoint --key LOG.key`")
        })?),
        (None, false) => None,
    };
    let (new_size, new_source) = match &new {
        Some(n) => (n.size(), n.source.clone()),
        None => (records, "the ledger's current size".to_owned()),
    };
    if old.size() > new_size && new.is_some() {
        return Err(hinted(
            format!("--from describes {} records, more than the {new_size} of {new_source}", old.size()),
            "give the older checkpoint with --from and the newer one with --to",
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
        if args.json {
            out.json(&json!({"ok": false, "errors": problems.iter().map(Problem::json).collect::<Vec<_>>()}))?;
        } else {
            out.line(format!("FAILED: no consistency proof from {} to {new_source}", old.source))?;
            print_problems(out, &problems)?;
        }
        return Ok(Outcome::Failed);
    }
    let (new_root, new_text) = match &new {
        Some(n) => (n.checkpoint.root, n.text.clone()),
        None => {
            let root = tree.root(records)?;
            (root, Checkpoint::new(store.head()?.origin, records, root).encode()?)
        }
    };
    let proof = tree.consistency_proof(old.size(), new_size)?;
    verify_consistency(old.size(), &old.checkpoint.root, new_size, &new_root, &proof).map_err(|e| {
        hinted(
            format!("the stored Merkle tree gives a consistency proof that does not verify: {e}"),
            "run `ledger verify`",
        )
    })?;
    if args.json {
        let mut v = json!({
            "old_size": old.size(), "old_root": b64(&old.checkpoint.root),
            "new_size": new_size, "new_root": b64(&new_root), "new_signed": new.is_some(),
            "proof": proof.iter().map(b64).collect::<Vec<_>>(),
        });
        v[if new.is_some() { "checkpoint" } else { "tree_head" }] = json!(new_text);
        out.json(&v)?;
    } else {
        let mut body = format!("old {}\n", old.size());
        for h in &proof {
            body.push_str(&b64(h));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&new_text);
        out.line(body.trim_end_matches('\n'))?;
        if new.is_none() {
            eprintln!(
                "note: the tree head of the current size ({records} records) is not signed; for a proof others can \
                 check without the ledger, sign one with `ledger checkpoint` and pass it with --to (or use --to-latest)"
            );
        }
    }
    Ok(Outcome::Ok)
}

/// A tlog-witness `add-checkpoint` body: `old <size>`, proof lines, a blank line, the checkpoint.
fn parse_consistency_file(bytes: &[u8], source: &str) -> Result<(u64, Vec<Hash>, String)> {
    let bad = |why: &str| {
        hinted(
            format!("{source} is not a consistency proof: {why}"),
            "make one with `ledger consistency --from OLD --to NEW`",
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
// ledger cosign

fn older(new: u64, seen: u64) -> anyhow::Error {
    hinted(
        format!("refusing to cosign a checkpoint of {new} records: this witness already saw one of {seen}"),
        "a witness only moves forward; cosign the newest checkpoint",
    )
}

fn cosign(db: &Path, args: CosignArgs, out: &mut Out) -> Result<Outcome> {
    let key = read_private(&args.key)?;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => args.key.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    let cosigner = Cosigner::new(&name, key).map_err(|e| {
        hinted(format!("witness name {name:?}: {e}"), "choose one with --name, e.g. --name inspector.example/witness")
    })?;
    // The ledger is needed for the log key (without --vkey) and for the
    // consistency proof (without --proof); otherwise this runs offline.
    let store = if args.vkey.is_none() || args.proof.is_none() {
        match open_read_only(db) {
            Ok(s) => Some(s),
            Err(e) if args.vkey.is_none() => return Err(e),
            Err(_) => None,
        }
    } else {
        None
    };
    let keys = log_keys(args.vkey.as_deref(), store.as_ref())?;
    let new = open_signed_file(&args.checkpoint, &keys)?;
    let old = match &args.state {
        Some(path) if path.exists() => {
            let bytes = files::read(path, files::STATE)?;
            Some(open_signed(&bytes, &format!("the state file {}", path.display()), &keys)?)
        }
        _ => None,
    };
    let failed = |out: &mut Out, problem: Problem, json_out: bool| -> Result<Outcome> {
        if json_out {
            out.json(&json!({"ok": false, "errors": [problem.json()]}))?;
        } else {
            out.line("FAILED: not cosigned")?;
            print_problems(out, std::slice::from_ref(&problem))?;
        }
        Ok(Outcome::Failed)
    };
    let tree_view = match &store {
        Some(s) => match s.tree().current_size() {
            Ok(records) => Some((s.tree(), records)),
            Err(e) if args.proof.is_none() => return Err(tree_hint(e)),
            Err(_) => None, // --proof makes the ledger unnecessary
        },
        None => None,
    };
    match &old {
        None => {
            // First sight: check against the ledger if there is one.
            if let Some((tree, records)) = &tree_view {
                if let Err(why) = against_ledger(tree, *records, &new.checkpoint)? {
                    let p = Problem::consistency(new.size().min(*records), format!("{}: {why}", new.source), &[&new]);
                    return failed(out, p, args.json);
                }
            } else {
                eprintln!("warning: no earlier checkpoint and no ledger to check against: cosigning on first sight");
            }
        }
        Some(old) => {
            let (small, large) = if old.size() <= new.size() { (old, &new) } else { (&new, old) };
            let proof = match (&args.proof, &tree_view) {
                _ if small.size() == large.size() => Vec::new(),
                (Some(path), _) if new.size() >= old.size() => {
                    let bytes = files::read(path, files::CONSISTENCY)?;
                    let (from, proof, cp_text) = parse_consistency_file(&bytes, &path.display().to_string())?;
                    let proven = Note::parse(cp_text.as_bytes()).ok().map(|n| n.text().to_owned());
                    if from != small.size() || proven.as_deref() != Some(large.checkpoint.to_string().as_str()) {
                        return Err(hinted(
                            format!(
                                "{} proves {} -> the checkpoint in it; this cosigning needs {} -> {}",
                                path.display(),
                                from,
                                small.size(),
                                large.size()
                            ),
                            "make the right one with `ledger consistency --from STATE --to CHECKPOINT`",
                        ));
                    }
                    proof
                }
                (None, Some((tree, records))) if large.size() <= *records => {
                    // The proof comes from this ledger: it decides between the
                    // two checkpoints only if the larger one describes it.
                    if let Err(why) = against_ledger(tree, *records, &large.checkpoint)? {
                        let p = Problem::consistency(large.size(), format!("{}: {why}", large.source), &[large]);
                        return failed(out, p, args.json);
                    }
                    tree.consistency_proof(small.size(), large.size())?
                }
                _ if new.size() < old.size() => return Err(older(new.size(), old.size())),
                (None, Some((_, records))) => {
                    return Err(hinted(
                        format!(
                            "the ledger at --db holds {records} records, fewer than the checkpoint's {}",
                            large.size()
                        ),
                        "pass --proof with the output of `ledger consistency` from the log",
                    ));
                }
                _ => {
                    return Err(hinted(
                        "no consistency proof: pass --proof FILE, or --db with the ledger",
                        "make a proof with `ledger consistency --from STATE --to CHECKPOINT`",
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
                return failed(out, p, args.json);
            }
            if new.size() < old.size() {
                return Err(older(new.size(), old.size()));
            }
        }
    }
    let timestamp = u64::try_from(Timestamp::now().as_unix()).unwrap_or(0);
    let sig = cosigner.cosign(&new.checkpoint, timestamp)?;
    let line = sig.to_line();
    let mut state_updated = false;
    if let Some(path) = &args.state
        && old.as_ref().is_none_or(|o| new.size() > o.size())
    {
        write_atomically(path, &new.text)?;
        state_updated = true;
    }
    if args.json {
        out.json(&json!({
            "ok": true, "cosignature": line, "name": cosigner.name(), "key_id": format!("{:08x}", cosigner.key_id()),
            "vkey": cosigner.verifier().to_string(), "timestamp": timestamp, "size": new.size(), "state_updated": state_updated,
        }))?;
    } else {
        out.line(line.trim_end_matches('\n'))?;
    }
    Ok(Outcome::Ok)
}

// ---------------------------------------------------------------------------
// ledger verify --checkpoint FILE / --state FILE

/// Verification from a signed checkpoint: `ledger verify --checkpoint/--state`.
///
/// 1. The checkpoint (and the state's) must verify with the log key.
/// 2. Each must describe a prefix of the ledger (size within it, same root
///    as the stored tree there), and the one presented must be consistent
///    with the one seen before: otherwise a `consistency` finding, with the
///    notes, is the evidence of a rollback or fork.
/// 3. The kernel checks then run on the records from the checkpoint's size
///    on only, with a verifier resumed from the state the earlier records
///    left (authority replayed from the governance records, stream versions
///    and reused ids from the index, the previous hash proven to be the
///    checkpoint's last leaf); the tree is recomputed over those records on
///    top of the checkpoint's subtrees and compared with the stored tree and
///    with every checkpoint recorded among them.
/// 4. The state file moves to the newest checkpoint shown consistent (the
///    one presented, or the latest recorded), only when nothing failed.
pub fn verify_incremental(db: &Path, args: VerifyArgs, out: &mut Out) -> Result<Outcome> {
    let trusted_roots = args.trust.iter().map(|p| read_public(p)).collect::<Result<Vec<_>>>()?;
    let store = open_read_only(db)?;
    let tree = store.tree();
    let records = tree.records()?;
    let tree_size = match tree.size() {
        Ok(size) => size,
        Err(StoreError::Tree(fault)) => {
            let problem = tree_table_problem(0, format!("the Merkle tree table is damaged: {fault}"));
            return report_incremental(out, &args, false, &[problem], None, "?", records, None);
        }
        Err(e) => return Err(e.into()),
    };
    if tree_size < records {
        let problem = tree_table_problem(
            tree_size,
            format!(
                "the stored Merkle tree covers only {tree_size} of the {records} records: records were written past the ledger's own writer, or the tree table was damaged; no checkpoint can be checked against it (run `ledger verify`)"
            ),
        );
        return report_incremental(out, &args, false, &[problem], None, "?", records, None);
    }
    if records == 0 {
        return Err(anyhow!("the ledger holds no records, not even a genesis record"));
    }
    let genesis = store
        .get(0)?
        .and_then(|r| r.decode().ok())
        .ok_or_else(|| hinted("record 0 does not decode", "run the full check: ledger verify"))?;
    let origin = genesis.envelope.origin.clone();
    let keys = log_keys(args.vkey.as_deref(), Some(&store))?;
    let presented = args.checkpoint.as_deref().map(|p| open_signed_file(p, &keys)).transpose()?;
    let seen = match &args.state {
        Some(path) if path.exists() => {
            let bytes = files::read(path, files::STATE)?;
            Some(open_signed(&bytes, &format!("the state file {}", path.display()), &keys)?)
        }
        _ => None,
    };
    let mut problems: Vec<Problem> = Vec::new();
    if tree_size > records {
        problems.push(Problem {
            seq: records,
            check: Check::Consistency,
            message: format!(
                "the Merkle tree holds {tree_size} leaves but the ledger only {records} records: records were removed from its end"
            ),
            notes: Vec::new(),
        });
    }
    // 2. Each checkpoint against the ledger, then against each other.
    let holds = |s: &Signed, problems: &mut Vec<Problem>| -> Result<bool> {
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
    let base = match (&presented, &seen) {
        (Some(p), _) => Some((p, presented_holds)),
        (None, Some(s)) => Some((s, seen_holds)),
        (None, None) => None,
    };
    let mut verified = None;
    match base {
        Some((_, false)) => {} // reported above; records cannot be verified from it
        Some((b, true)) => {
            verified = Some(verify_records(&store, b.size(), Some(&b.checkpoint.root), &origin, &keys, &mut problems)?)
        }
        None => verified = Some(verify_records(&store, 0, None, &origin, &keys, &mut problems)?),
    }
    // The genesis record must name the roots the inspector trusts.
    if let Ok(authority) = Authority::genesis(&genesis) {
        for trusted in &trusted_roots {
            if !authority.roots().contains(trusted) {
                problems.push(Problem {
                    seq: 0,
                    check: Check::Genesis,
                    message: format!(
                        "genesis does not name the trusted root key {}: this is not the ledger you trust",
                        trusted.key_id()
                    ),
                    notes: Vec::new(),
                });
            }
        }
    }
    if !store.unchanged_since_open() {
        return Err(hinted(
            "the ledger file changed while it was being verified",
            "a writer was active; run verify again",
        ));
    }
    problems.sort_by_key(|p| p.seq);
    let ok = problems.is_empty();
    // 4. The state moves forward only when everything held.
    let mut state_note = None;
    if let (Some(path), true, Some(v)) = (&args.state, ok, &verified) {
        let newest = [presented.as_ref(), v.latest_recorded.as_ref()].into_iter().flatten().max_by_key(|c| c.size());
        if let Some(newest) = newest
            && seen.as_ref().is_none_or(|s| newest.size() > s.size())
        {
            write_atomically(path, &newest.text)?;
            state_note =
                Some(format!("state {} now holds the checkpoint of {} records", path.display(), newest.size()));
        }
    }
    report_incremental(out, &args, ok, &problems, verified.as_ref(), &origin, records, state_note.as_deref())
}

/// What the record checks covered.
struct Verified {
    from: u64,
    count: u64,
    root: Hash,
    head: Option<String>,
    /// The newest checkpoint recorded among the records verified, if it held.
    latest_recorded: Option<Signed>,
}

/// Runs the kernel checks on records `from..` and recomputes their tree on
/// top of the stored subtrees of the first `from` records (which fold to
/// `trusted_root`, already checked).
fn verify_records(
    store: &Store,
    from: u64,
    trusted_root: Option<&Hash>,
    origin: &str,
    keys: &[Verifier],
    problems: &mut Vec<Problem>,
) -> Result<Verified> {
    let tree = store.tree();
    let records = tree.records()?;
    let mut verifier = if from == 0 {
        RecordVerifier::new(Options::default())
    } else {
        let prev = store.get(from - 1)?.ok_or_else(|| anyhow!("record {} is missing", from - 1))?;
        let prev_hash = ledger_core::Hash::from_slice(&prev.hash).ok_or_else(|| {
            hinted(format!("record {}'s stored hash is not 32 bytes", from - 1), "run `ledger verify`")
        })?;
        // The previous hash the next record must carry is the checkpoint's last leaf.
        let proof = tree.inclusion_proof(from - 1, from)?;
        if let Some(root) = trusted_root
            && verify_inclusion(&leaf_hash(&prev_hash.0), from - 1, from, &proof, root).is_err()
        {
            problems.push(Problem {
                seq: from - 1,
                check: Check::Consistency,
                message: format!(
                    "record {}'s stored hash is not the last leaf of the checkpoint's tree: it was changed after the checkpoint",
                    from - 1
                ),
                notes: Vec::new(),
            });
        }
        let authority = store.authority_before(from)?.map_err(|e| {
            hinted(
                format!("the governance records before record {from} do not replay ({e})"),
                "run the full check: ledger verify",
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
    let trusted = trusted_root.copied().unwrap_or_else(ledger_tlog::empty_root);
    let mut check = match tree.check_from(from, &trusted)? {
        Ok(check) => Some(check),
        Err(d) => {
            problems.push(tree_problem(from.saturating_sub(1), &d));
            None
        }
    };
    let mut tree_diverged = check.is_none();
    let mut latest_recorded = None;
    let mut next = from;
    loop {
        let chunk = store.read(next, 4096)?;
        let Some(last) = chunk.last() else { break };
        next = last.seq.saturating_add(1);
        let decoded = verifier.push(&chunk);
        for (raw, (record, _)) in chunk.iter().zip(decoded) {
            // A checkpoint recorded here must describe the records before it.
            if let Some(record) = record
                && record.envelope.event_type == CHECKPOINT_TYPE
            {
                match check_recorded(&record, check.as_ref(), &tree, keys)? {
                    Ok(Some(signed)) => latest_recorded = Some(signed),
                    Ok(None) => {}
                    Err(p) => problems.push(p),
                }
            }
            let leaf = <[u8; 32]>::try_from(raw.hash.as_slice()).ok();
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
    problems.extend(report.findings.iter().map(|f| Problem {
        seq: f.seq,
        check: f.check,
        message: f.message.clone(),
        notes: Vec::new(),
    }));
    // Records before `from` signed by a key revoked since as compromised.
    if from > 0
        && let Some(authority) = &report.authority
    {
        for info in authority.keys() {
            let Some(rev) = &info.revoked else { continue };
            let Some(compromised) = rev.compromised_from else { continue };
            if rev.seq < from || compromised >= from {
                continue; // decided before the checkpoint, or among the records just checked
            }
            for seq in store.records_by_author(&info.key, compromised, from)? {
                problems.push(Problem {
                    seq,
                    check: Check::Authority,
                    message: format!(
                        "signed by key {} ({}) after it was compromised: revoked at seq {} as compromised from seq {compromised} ({})",
                        info.key_id, info.holder, rev.seq, rev.reason
                    ),
                    notes: Vec::new(),
                });
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
                    problems.push(Problem {
                        seq: records - 1,
                        check: Check::Consistency,
                        message: format!("the stored Merkle tree gives a consistency proof that does not verify: {e}"),
                        notes: Vec::new(),
                    });
                }
            }
            Ok(_) => {}
        }
    }
    Ok(Verified { from, count: report.records, root, head: report.head.map(|h| h.to_hex()), latest_recorded })
}

fn tree_table_problem(seq: u64, message: String) -> Problem {
    Problem { seq, check: Check::Tree, message, notes: Vec::new() }
}

fn tree_problem(seq: u64, d: &Divergence) -> Problem {
    Problem {
        seq,
        check: Check::Consistency,
        message: format!(
            "the stored Merkle tree does not match the records: {d}; proofs served from it would not verify"
        ),
        notes: Vec::new(),
    }
}

/// Checks a recorded checkpoint against the tree of the records before it.
fn check_recorded(
    record: &Record,
    check: Option<&TreeCheck<'_>>,
    tree: &TreeReader<'_>,
    keys: &[Verifier],
) -> Result<Result<Option<Signed>, Problem>> {
    let seq = record.seq;
    let problem = |message: String| Problem { seq, check: Check::Consistency, message, notes: Vec::new() };
    let (cp, note) = match check_checkpoint_event(&record.envelope) {
        Ok(x) => x,
        Err(e) => return Ok(Err(problem(format!("the checkpoint recorded here is invalid: {e}")))),
    };
    if cp.size > seq {
        return Ok(Err(problem(format!(
            "the checkpoint recorded here describes {} records, more than precede it",
            cp.size
        ))));
    }
    // The recomputed root when it is at that size, else the stored tree's.
    let actual = match check {
        Some(c) if c.size() == cp.size => c.root(),
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

#[allow(clippy::too_many_arguments)]
fn report_incremental(
    out: &mut Out,
    args: &VerifyArgs,
    ok: bool,
    problems: &[Problem],
    verified: Option<&Verified>,
    origin: &str,
    records: u64,
    state_note: Option<&str>,
) -> Result<Outcome> {
    if args.json {
        out.json(&json!({
            "ok": ok,
            "origin": origin,
            "records": records,
            "verified_from": verified.map(|v| v.from),
            "events": verified.map_or(0, |v| v.count),
            "head": verified.and_then(|v| v.head.clone()),
            "root": verified.map(|v| b64(&v.root)),
            "state": state_note,
            "errors": problems.iter().map(Problem::json).collect::<Vec<_>>(),
        }))?;
    } else if ok {
        match verified {
            Some(v) if v.from > 0 => out.line(format!(
                "ok: the checkpoint of {} records is consistent with the ledger ({records} records, origin {origin}); verified the {} records added since",
                v.from, v.count
            ))?,
            _ => out.line(format!("ok: {records} records verified, origin {origin}"))?,
        }
        if let Some(v) = verified {
            out.line(format!("root {} (tree of {records} records)", b64(&v.root)))?;
        }
        if let Some(s) = state_note {
            out.line(s)?;
        }
    } else {
        out.line(format!("FAILED: {} problem(s)", problems.len()))?;
        print_problems(out, problems)?;
        if verified.is_none() {
            out.line(
                "the records were not verified from a checkpoint that does not hold; run the full check: ledger verify",
            )?;
        }
    }
    Ok(if ok { Outcome::Ok } else { Outcome::Failed })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ledger_core::append::MemoryLedger;
    use ledger_core::authority::{Genesis, RootKey};
    use ledger_core::{PublicKey, SigningKey};
    use ledger_store::Frontier;

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
