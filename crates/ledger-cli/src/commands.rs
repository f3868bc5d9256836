//! The commands. Each returns an [`Outcome`] or an error that becomes exit 2.

use crate::cli::{AppendArgs, Cli, Command, InitArgs, RepairArgs, VerifyArgs};
use crate::output::{Out, record_json, record_line, undecodable_line};
use crate::{Outcome, hinted};
use anyhow::{Context, Result, anyhow, bail};
use ledger_core::append::{AppendError, Batch, Outcome as Appended, Submission};
use ledger_core::authority::{Genesis, RoleTable, RootKey};
use ledger_core::verify::Options;
use ledger_core::{Hash, PublicKey, Timestamp};
use ledger_store::{AppendFailure, Store, StoreError};
use serde_json::json;
use std::path::Path;

/// The role table `init` writes unless told otherwise.
pub const DEFAULT_ROLES: &str = include_str!("../../../ledger/roles.json");

pub fn run(cli: Cli) -> Result<Outcome> {
    let mut out = Out::new(cli.quiet);
    match cli.command {
        Command::Keygen { out: base } => keygen(&base, &mut out),
        Command::Init(args) => init(&cli.db, args, &mut out),
        Command::Append(args) => append(&cli.db, args, &mut out),
        Command::Log { from, limit, json } => log(&cli.db, from, limit, json, &mut out),
        Command::Show { seq, json } => show(&cli.db, seq, json, &mut out),
        Command::Verify(args) => verify(&cli.db, args, &mut out),
        Command::Repair(args) => repair(&cli.db, args, &mut out),
        Command::Key(command) => crate::keys::run(&cli.db, command, &mut out),
        Command::Tlog(command) => crate::tlog::run(&cli.db, command, &mut out),
        Command::Domain(command) => crate::domain::run(&cli.db, command, &mut out),
        Command::Bench(args) => crate::bench::run(args, &mut out),
    }
}

/// A fresh event id: 48 bits of milliseconds since 1970, then 80 random
/// bits, as 32 hex digits. Time-ordered ids go to the right edge of the
/// unique index, so appends stay fast as the ledger grows (random ids dirty
/// a random index page per insert; see docs/BENCHMARKS.md).
pub fn fresh_id() -> String {
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&(millis as u64).to_be_bytes()[2..]);
    // The OS random source does not fail on supported systems; if it ever
    // does, the nanoseconds keep ids distinct in practice.
    if getrandom::fill(&mut b[6..]).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        b[6..].copy_from_slice(&nanos.to_be_bytes()[6..]);
    }
    hex::encode(b)
}

pub fn read_private(path: &Path) -> Result<ledger_core::SigningKey> {
    ledger_keyfile::read_private(path).map_err(|e| match e {
        ledger_keyfile::KeyFileError::NotFound(_) => {
            hinted(e.to_string(), "create one with: ledger keygen --out PATH (without .key)")
        }
        other => other.into(),
    })
}

pub fn read_public(path: &Path) -> Result<PublicKey> {
    Ok(ledger_keyfile::read_public(path)?)
}

pub fn open_store(db: &Path) -> Result<Store> {
    Store::open(db).map_err(|e| store_error(db, e))
}

pub fn open_read_only(db: &Path) -> Result<Store> {
    Store::open_read_only(db).map_err(|e| store_error(db, e))
}

fn store_error(db: &Path, e: StoreError) -> anyhow::Error {
    match e {
        StoreError::NotFound(_) => hinted(
            format!("no ledger at {}", db.display()),
            "create one with `ledger init`, build the demonstration with `ledger demo`, or pass --db PATH",
        ),
        other => other.into(),
    }
}

fn keygen(base: &Path, out: &mut Out) -> Result<Outcome> {
    if base.extension().is_some_and(|e| e == "key" || e == "pub") {
        return Err(hinted(
            format!("--out {} has an extension", base.display()),
            "give the path without .key/.pub, e.g. --out keys/statistics",
        ));
    }
    let (public, paths) = ledger_keyfile::generate(base)?;
    out.line(format!("key id {}", public.key_id()))?;
    out.line(format!("private key: {} (mode 0600; keep it secret, never commit it)", paths.private.display()))?;
    out.line(format!("public key:  {}", paths.public.display()))?;
    Ok(Outcome::Ok)
}

fn init(db: &Path, args: InitArgs, out: &mut Out) -> Result<Outcome> {
    if db.exists() {
        return Err(hinted(
            format!("{} already exists; refusing to overwrite it", db.display()),
            "choose another --db path, or remove the old ledger yourself if it is really unwanted",
        ));
    }
    if !ledger_core::record::valid_origin(&args.origin) {
        bail!(
            "--origin {:?}: 1-128 printable ASCII characters without spaces or '+' (e.g. jinan.example/assessment-ledger)",
            args.origin
        );
    }
    let keys = args.keys.iter().map(|p| read_private(p)).collect::<Result<Vec<_>>>()?;
    let mut roots: Vec<RootKey> = keys.iter().map(|k| RootKey { key: k.into(), holder: args.holder.clone() }).collect();
    for p in &args.roots {
        let key = read_public(p)?;
        if !roots.iter().any(|r| r.key == key) {
            roots.push(RootKey { key, holder: args.holder.clone() });
        }
    }
    let roles_text = match &args.roles {
        Some(p) => String::from_utf8(ledger_node::files::read(p, ledger_node::files::DOCUMENT)?)
            .map_err(|_| anyhow!("role table {}: not UTF-8 text", p.display()))?,
        None => DEFAULT_ROLES.to_owned(),
    };
    let roles: RoleTable =
        serde_json::from_str(&roles_text).context("role table: expected a JSON object of role -> [event types]")?;
    let genesis = Genesis { roots, threshold: args.threshold, roles };
    let (author, cosigners) = keys.split_first().ok_or_else(|| anyhow!("--key is required"))?;
    let cosigners: Vec<_> = cosigners.iter().collect();
    let record =
        ledger_core::append::genesis(&args.origin, &genesis, author, &cosigners, Timestamp::now(), "genesis".into())
            .map_err(|e| anyhow!("genesis refused: {e}"))?;
    Store::create(db, &record).map_err(|e| store_error(db, e))?;
    out.line(format!("created ledger {} at {}", args.origin, db.display()))?;
    out.line(format!("genesis hash {}", record.hash))?;
    Ok(Outcome::Ok)
}

/// Splits input into numbered non-blank lines, refusing non-UTF-8.
pub fn numbered_lines(bytes: &[u8]) -> Result<Vec<(usize, &str)>> {
    let mut lines = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let n = i + 1;
        let text = std::str::from_utf8(line).map_err(|_| anyhow!("line {n}: not valid UTF-8"))?;
        let text = text.strip_suffix('\r').unwrap_or(text);
        if !text.trim().is_empty() {
            lines.push((n, text));
        }
    }
    Ok(lines)
}

fn append(db: &Path, args: AppendArgs, out: &mut Out) -> Result<Outcome> {
    let author = read_private(&args.key)?;
    let cosigners = args.cosign.iter().map(|p| read_private(p)).collect::<Result<Vec<_>>>()?;
    let input = ledger_node::files::read_or_stdin(args.file.as_deref(), ledger_node::files::EVENTS)?;
    let mut submissions = Vec::new();
    for (n, line) in numbered_lines(&input)? {
        let sub = Submission::from_json(line, fresh_id).map_err(|e| anyhow!("line {n}: {e}"))?;
        submissions.push((n, sub));
    }
    if submissions.is_empty() {
        return Err(hinted(
            "no events in the input",
            "give one JSON object per line: {\"stream\": ..., \"type\": ..., \"data\": {...}}",
        ));
    }
    let mut store = open_store(db)?;
    let cosigner_refs: Vec<_> = cosigners.iter().collect();
    let results = append_with(&mut store, &submissions, &author, &cosigner_refs, Timestamp::now(), RulesFrom::Ledger)?;
    report_appended(out, &results, args.json)?;
    Ok(Outcome::Ok)
}

/// One line's result.
pub struct LineResult {
    pub line: usize,
    pub seq: u64,
    pub existing: bool,
}

/// Which rules decide an append.
pub enum RulesFrom<'a> {
    /// These rules (the kernel's alone, or a replica kept by the caller).
    Given(&'a mut dyn ledger_core::append::Rules),
    /// The ledger's own: the domain state replayed inside the append
    /// transaction, so no other writer can change it meanwhile.
    Ledger,
}

/// Decides and writes a batch in one transaction with the given rules; the
/// error names the line.
pub fn append_batch(
    store: &mut Store,
    submissions: &[(usize, Submission)],
    author: &ledger_core::SigningKey,
    cosigners: &[&ledger_core::SigningKey],
    rules: &mut dyn ledger_core::append::Rules,
) -> Result<Vec<LineResult>> {
    append_with(store, submissions, author, cosigners, Timestamp::now(), RulesFrom::Given(rules))
}

/// Decides and writes a batch in one transaction: all lines or none. `now`
/// is the signing time (moved forward to the head's time if behind it).
pub fn append_with(
    store: &mut Store,
    submissions: &[(usize, Submission)],
    author: &ledger_core::SigningKey,
    cosigners: &[&ledger_core::SigningKey],
    now: Timestamp,
    rules: RulesFrom<'_>,
) -> Result<Vec<LineResult>> {
    let result = store.append(|tx| -> Result<_, anyhow::Error> {
        let head = tx.head()?;
        let authority = tx
            .authority()?
            .map_err(|e| anyhow!("the ledger's governance records do not replay ({e}); run `ledger verify`"))?;
        let mut loaded;
        let rules: &mut dyn ledger_core::append::Rules = match rules {
            RulesFrom::Given(r) => r,
            RulesFrom::Ledger => {
                loaded = crate::domain::ledger_rules(tx)?;
                &mut loaded
            }
        };
        let mut batch = Batch::new(tx, head, authority, rules);
        let mut results = Vec::new();
        for (n, sub) in submissions {
            let outcome = batch.add(sub.clone(), author, cosigners, now).map_err(|e| line_error(*n, e))?;
            results.push(match outcome {
                Appended::Appended(seq) => LineResult { line: *n, seq, existing: false },
                Appended::Existing(seq) => LineResult { line: *n, seq, existing: true },
            });
        }
        Ok((batch.into_records(), results))
    });
    match result {
        Ok(r) => Ok(r),
        Err(AppendFailure::Refused(e)) => Err(e.context("nothing was appended")),
        Err(AppendFailure::Store(e)) => Err(anyhow::Error::from(e).context("nothing was appended")),
    }
}

fn line_error(n: usize, e: AppendError<StoreError>) -> anyhow::Error {
    let hint = match &e {
        AppendError::Conflict { .. } => Some(
            "another writer appended to the stream first: re-read it, decide again, and resubmit with the new expected_version",
        ),
        AppendError::UnknownType(_) => Some(
            "known types: note, key_authorized, key_revoked, roles_defined, root_rotated and the domain types (see docs/EVENTS.md)",
        ),
        AppendError::Authority(_) => Some("see who may sign what with `ledger key list`"),
        _ => None,
    };
    // Line 0 is a single event built by a command, not read from a file.
    let msg = if n == 0 { e.to_string() } else { format!("line {n}: {e}") };
    match hint {
        Some(h) => hinted(msg, h),
        None => anyhow!(msg),
    }
}

pub fn report_appended(out: &mut Out, results: &[LineResult], json_out: bool) -> Result<()> {
    if json_out {
        let items: Vec<_> = results
            .iter()
            .map(|r| json!({"line": r.line, "seq": r.seq, "status": if r.existing { "existing" } else { "appended" }}))
            .collect();
        out.json(&json!({"appended": results.iter().filter(|r| !r.existing).count(), "events": items}))?;
    } else {
        for r in results {
            if r.existing {
                eprintln!(
                    "line {}: already recorded at seq {} (same event id and content); nothing new appended",
                    r.line, r.seq
                );
            }
            out.line(r.seq.to_string())?;
        }
    }
    Ok(())
}

fn log(db: &Path, from: u64, limit: Option<u64>, json_out: bool, out: &mut Out) -> Result<Outcome> {
    let store = open_read_only(db)?;
    let authority = store.authority()?.ok();
    let mut items = Vec::new();
    let mut next = from;
    let mut left = limit.unwrap_or(u64::MAX);
    while left > 0 {
        let chunk = store.read(next, left.min(1024) as usize)?;
        if chunk.is_empty() {
            break;
        }
        for raw in &chunk {
            next = raw.seq.saturating_add(1);
            left -= 1;
            match raw.decode() {
                Ok(r) if json_out => items.push(record_json(&r, authority.as_ref())),
                Ok(r) => out.line(record_line(&r))?,
                Err(e) if json_out => items.push(json!({"seq": raw.seq, "error": e.to_string()})),
                Err(e) => out.line(undecodable_line(raw, &e.to_string()))?,
            }
        }
    }
    if json_out {
        out.json(&json!({"records": items}))?;
    }
    Ok(Outcome::Ok)
}

fn show(db: &Path, seq: u64, json_out: bool, out: &mut Out) -> Result<Outcome> {
    let store = open_read_only(db)?;
    let raw = store.get(seq)?.ok_or_else(|| {
        let len = store.len().unwrap_or(0);
        hinted(format!("no record {seq}"), format!("the ledger holds records 0 to {}", len.saturating_sub(1)))
    })?;
    let record = raw.decode().map_err(|e| {
        hinted(format!("record {seq} does not decode: {e}"), "run `ledger verify` to see what happened to it")
    })?;
    let authority = store.authority()?.ok();
    let value = record_json(&record, authority.as_ref());
    if json_out {
        out.json(&value)?;
    } else {
        let env = &record.envelope;
        out.line(format!("seq       {}", record.seq))?;
        out.line(format!("hash      {}", record.hash))?;
        out.line(format!("prev      {}", record.prev))?;
        out.line(format!("stream    {} (version {})", env.stream, env.version))?;
        out.line(format!("type      {} (schema {})", env.event_type, env.schema))?;
        out.line(format!("id        {}", env.id))?;
        out.line(format!("time      {}", env.time))?;
        let holder = value["holder"].as_str().map(|h| format!(" ({h})")).unwrap_or_default();
        out.line(format!("signer    {}{holder}", env.author.key_id()))?;
        for s in record.signatures.iter().skip(1) {
            out.line(format!("co-signer {}", s.key.key_id()))?;
        }
        out.line(format!("data      {}", serde_json::to_string_pretty(&value["data"])?.replace('\n', "\n          ")))?;
    }
    Ok(Outcome::Ok)
}

pub use ledger_node::verify::Verification as Verified;

/// Reads and verifies the whole ledger (`ledger_node::verify`).
pub fn verify_store(store: &Store, options: Options) -> Result<Verified> {
    Ok(ledger_node::verify::verify_store(store, options)?)
}

/// `ledger repair --rebuild-tree`: the explicit recovery of a Merkle tree
/// table that is damaged, behind or ahead of the records. Refused unless
/// every record passes verification: derived data is rebuilt only from
/// records that verify. A tree ahead of the records means records were
/// removed from the end; they are gone, and the old root is printed as the
/// evidence of what the ledger held.
fn repair(db: &Path, args: RepairArgs, out: &mut Out) -> Result<Outcome> {
    let trusted_roots = args.trust.iter().map(|p| read_public(p)).collect::<Result<Vec<_>>>()?;
    let store = open_read_only(db)?;
    let Verified { report, .. } = verify_store(&store, Options { trusted_roots, expect_head: None })?;
    let blocking: Vec<_> = report.findings.iter().filter(|f| f.check != ledger_core::verify::Check::Tree).collect();
    if let Some(first) = blocking.first() {
        return Err(hinted(
            format!(
                "refusing to rebuild the tree: {} problem(s) other than the tree, the first at seq {} ({}): {}",
                blocking.len(),
                first.seq,
                first.check.name(),
                first.message
            ),
            "repair rebuilds derived data from records that verify; see `ledger verify`, and restore the file from a copy if it is damaged",
        ));
    }
    let records = report.records;
    let tree = store.tree();
    let old = tree.size().ok();
    let old_root = old.filter(|&n| n > records).and_then(|n| tree.root(n).ok());
    drop(store);
    let (_, new) = open_store(db)?.rebuild_tree()?;
    out.line(format!(
        "rebuilt the Merkle tree from the {records} records: {new} leaves (it held {})",
        old.map_or_else(|| "an unreadable table".to_owned(), |n| n.to_string())
    ))?;
    if let (Some(old), Some(root)) = (old, old_root) {
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, root);
        out.line(format!(
            "warning: the tree held {old} leaves, root {b64}: {} records were removed from the end of this ledger and are gone; anyone holding a checkpoint of more than {records} records will see this ledger as a fork",
            old - records
        ))?;
    }
    Ok(Outcome::Ok)
}

fn verify(db: &Path, args: VerifyArgs, out: &mut Out) -> Result<Outcome> {
    if args.checkpoint.is_some() || args.state.is_some() {
        return crate::tlog::verify_incremental(db, args, out);
    }
    let trusted_roots = args.trust.iter().map(|p| read_public(p)).collect::<Result<Vec<_>>>()?;
    let expect_head = args
        .expect_head
        .as_deref()
        .map(|h| {
            h.to_ascii_lowercase().parse::<Hash>().map_err(|e| {
                hinted(
                    format!("--expect-head {h:?}: {e}"),
                    "give the 64-hex-digit record hash printed by an earlier `ledger verify`",
                )
            })
        })
        .transpose()?;
    let store = open_read_only(db)?;
    let Verified { report, replay, .. } = verify_store(&store, Options { trusted_roots, expect_head })?;
    let anomalies = replay.anomalies;
    let head = report.head.map(|h| h.to_hex()).unwrap_or_default();
    let warnings: Vec<_> = anomalies.iter().filter(|a| a.kind == "refused").collect();
    if args.json {
        out.json(&json!({
            "ok": report.ok(),
            "events": report.records,
            "head": head,
            "head_seq": report.head_seq,
            "origin": report.origin,
            "errors": report.findings.iter().map(|f| json!({"seq": f.seq, "check": f.check.name(), "message": f.message})).collect::<Vec<_>>(),
            "warnings": warnings,
        }))?;
    } else if report.ok() {
        out.line(format!(
            "ok: {} records verified, origin {}",
            report.records,
            report.origin.as_deref().unwrap_or("?")
        ))?;
        out.line(format!("head {head} (seq {})", report.head_seq.unwrap_or(0)))?;
        if let (Some(at), Some(last)) = (report.expected_head_at, report.head_seq)
            && at < last
        {
            out.line(format!("the expected head is record {at}; {} records were appended since", last - at))?;
        }
    } else {
        out.line(format!("FAILED: {} problem(s) in {} records", report.findings.len(), report.records))?;
        for f in &report.findings {
            out.line(format!("seq {:>6}  {:<9}  {}", f.seq, f.check.name(), f.message))?;
        }
        out.line(format!("head {head} (seq {})", report.head_seq.unwrap_or(0)))?;
    }
    if !args.json {
        for w in &warnings {
            eprintln!(
                "warning: seq {} ({}): the domain rules refuse this event on replay: {}",
                w.seq, w.event_type, w.message
            );
        }
    }
    Ok(if report.ok() { Outcome::Ok } else { Outcome::Failed })
}
