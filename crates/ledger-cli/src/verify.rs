//! The ledger as a whole: `verify` (in full, from a checkpoint or an
//! inspector's state, or as published in tiles), `forget` (what this
//! machine verified of it) and `repair` (its derived data). What is
//! checked, and how, is `ledger_engine`'s; this renders it, in one
//! `--json` shape whichever way it ran.

use crate::ctx::{Ctx, Out, Outcome, hinted, print_problems, read_public, remedy_hint};
use anyhow::{Result, anyhow};
use clap::{Args, Subcommand};
use ledger_core::Hash;
use ledger_core::verify::Options;
use ledger_engine::Remedy;
use ledger_engine::tlog::{self, FromCheckpoint};
use ledger_engine::verify::{Notice, Verification};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify the whole ledger offline: exit 0 intact, 1 failed, 2 could not run.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db verify --trust ledger/demo/keys/root.pub
  ledger verify --trust keys/root.pub --state inspector-state.txt   # also: nothing rewritten since last time
  ledger verify --trust keys/root.pub --checkpoint checkpoint.txt --witness-policy witnesses.policy --json
  ledger verify --tiles https://ledger.example --trust keys/root.pub   # the ledger as published")]
    Verify(VerifyArgs),
    /// Forget what this machine verified of the ledger: the explicit act of accepting a history other than the one verified (an older copy restored, another ledger at the same path), which `verify` and every read otherwise report as tampering.
    #[command(after_help = "Examples:
  ledger verify --trust keys/root.pub      # FAILED: ... records were removed from its end (a rollback)
  ledger forget                            # prints what it forgets; the next verify starts from genesis
  ledger --db restored.db forget --json")]
    Forget {
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild derived data from records that verify, or carry out the erasures they record (the operator's explicit recovery; see docs/TLOG.md).
    #[command(after_help = "Examples:
  ledger repair --rebuild-tree --trust keys/root.pub   # after `ledger verify` reports a tree finding
  ledger repair --erase-redacted                       # after `ledger verify` warns of an erasure not carried out")]
    Repair(RepairArgs),
}

#[derive(Debug, Args)]
pub struct RepairArgs {
    /// Drop the Merkle tree table and build it again from the records (refused while they fail verification).
    #[arg(long, required_unless_present = "erase_redacted")]
    pub rebuild_tree: bool,
    /// Erase the personal data of every record the ledger says was redacted but this file still holds (a file written before erasures arriving signed elsewhere were carried out); refused while the ledger fails verification.
    #[arg(long)]
    pub erase_redacted: bool,
    /// Root public key(s) the genesis record must name.
    #[arg(long = "trust", value_name = "PUB")]
    pub trust: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Root public key(s) the genesis record must name.
    #[arg(long = "trust", value_name = "PUB")]
    pub trust: Vec<PathBuf>,
    /// A record hash (hex) the ledger must still contain: catches truncation and rollback.
    #[arg(long, value_name = "HEX", conflicts_with_all = ["checkpoint", "state"])]
    pub expect_head: Option<String>,
    /// A signed checkpoint: check the ledger is consistent with it, then verify only the records added since.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Inspector state: the newest checkpoint seen; anything inconsistent with it is reported, and it moves forward.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// With --checkpoint: a witness policy (c2sp.org/tlog-policy) the checkpoint's cosignatures must meet.
    #[arg(long, value_name = "FILE", requires = "checkpoint")]
    pub witness_policy: Option<PathBuf>,
    /// With --checkpoint/--state/--tiles: the log's verifier key, or a file holding it (default: the ledger's log keys).
    #[arg(long, value_name = "VKEY")]
    pub log_vkey: Option<String>,
    /// Verify the ledger published as static tiles (`ledger export-tiles --dir DIR`, or `ledger serve` at a URL) instead of a file: the records rebuilt from the record bundles, the tiles and the signed checkpoint checked against them
    #[arg(long, value_name = "URL|DIR", conflicts_with_all = ["checkpoint", "state", "expect_head"])]
    pub tiles: Option<String>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, command: Command, out: &mut Out) -> Result<Outcome> {
    match command {
        Command::Verify(args) => verify(ctx, args, out),
        Command::Forget { json } => forget(ctx, json, out),
        Command::Repair(args) => repair(ctx, args, out),
    }
}

fn is_url(place: &str) -> bool {
    place.starts_with("http://") || place.starts_with("https://")
}

fn verify(ctx: &Ctx, args: VerifyArgs, out: &mut Out) -> Result<Outcome> {
    if args.checkpoint.is_some() || args.state.is_some() {
        return verify_incremental(ctx, args, out);
    }
    let trusted_roots = args.trust.iter().map(|p| read_public(p)).collect::<Result<Vec<_>>>()?;
    let root_checked = !trusted_roots.is_empty();
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
    let options = Options { trusted_roots, expect_head, ..Options::default() };
    let verification = match &args.tiles {
        Some(place) => verify_tiles(place, options, args.log_vkey.as_deref())?,
        None => {
            let mut ledger = ctx.open_read_only()?;
            let verification = ledger.verify(options);
            ctx.warnings(&mut ledger);
            verification?
        }
    };
    let report = &verification.report;
    let anomalies = &verification.replay.anomalies;
    let head = report.head.map(|h| h.to_hex()).unwrap_or_default();
    let warnings: Vec<_> = anomalies.iter().filter(|a| a.kind == "refused").collect();
    // What holds the history in place beyond this file: a head the
    // inspector saw before, or the published checkpoint of the tiles.
    let pinned = args.expect_head.is_some() || args.tiles.is_some();
    if args.json {
        out.json(&verify_json(VerifyJson {
            ok: report.ok(),
            mode: if args.tiles.is_some() { "tiles" } else { "full" },
            origin: report.origin.as_deref(),
            records: report.records,
            verified_from: 0,
            verified: report.records,
            head,
            head_seq: report.head_seq,
            root: (report.records > 0).then(|| ledger_engine::tlog::b64(&verification.frontier.root())),
            root_checked,
            errors: report
                .findings
                .iter()
                .map(|f| json!({"seq": f.seq, "check": f.check.name(), "message": f.message}))
                .collect(),
            warnings: warnings.iter().map(|w| json!(w)).collect(),
            notices: verification
                .notices
                .iter()
                .map(|n| json!({"seq": n.seq, "event_type": n.event_type, "message": notice_message(n)}))
                .collect(),
            unsealed: verification.unsealed,
            last_seal: verification.last_seal,
            pinned,
            state: None,
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
    if !args.json && report.ok() && verification.unsealed > 0 && !pinned {
        let which = match verification.last_seal {
            Some(seq) => format!(
                "the last {} record(s), after the checkpoint recorded at seq {seq}, are covered by no checkpoint the log signed",
                verification.unsealed
            ),
            None => "no checkpoint the log signed covers any record".to_owned(),
        };
        out.line(format!(
            "warning: {which}: they are pinned by nothing but this file, and a holder of the file with an office key could rewrite them undetected (docs/FORMAT.md, section 1); pin them with --expect-head, --checkpoint or --state"
        ))?;
    }
    if !args.json && !root_checked {
        out.line(
            "note: the root of trust was not checked (no --trust): a ledger anyone wrote under their own key verifies on its own; pin the root with --trust ROOT.pub",
        )?;
    }
    if verification.against_memory {
        eprintln!("hint: {}", remedy_hint(&Remedy::Forget));
    }
    if !args.json {
        for w in &warnings {
            eprintln!(
                "warning: seq {} ({}): the domain rules refuse this event on replay: {}",
                w.seq, w.event_type, w.message
            );
        }
        for n in &verification.notices {
            eprintln!("warning: seq {} ({}): {}", n.seq, n.event_type, notice_message(n));
        }
    }
    Ok(if report.ok() { Outcome::Ok } else { Outcome::Failed })
}

/// A notice's message, with what can be done about it.
fn notice_message(n: &Notice) -> String {
    match &n.remedy {
        Some(r) => format!("{}; {}", n.message, remedy_hint(r)),
        None => n.message.clone(),
    }
}

/// Every member of `ledger verify --json`, whichever way it ran (full, from
/// tiles, from a checkpoint or state): one shape, `docs/schema/verify.json`.
struct VerifyJson<'a> {
    pub ok: bool,
    /// `full`, `tiles` or `checkpoint` (with `--checkpoint` or `--state`).
    pub mode: &'static str,
    pub origin: Option<&'a str>,
    /// Records in the ledger.
    pub records: u64,
    /// The first record this run verified (0 unless from a checkpoint).
    pub verified_from: u64,
    /// Records this run verified.
    pub verified: u64,
    /// The last record's hash (hex), `""` when not known.
    pub head: String,
    pub head_seq: Option<u64>,
    /// The RFC 6962 root of all the records, recomputed.
    pub root: Option<String>,
    pub root_checked: bool,
    pub errors: Vec<serde_json::Value>,
    pub warnings: Vec<serde_json::Value>,
    pub notices: Vec<serde_json::Value>,
    pub unsealed: u64,
    pub last_seal: Option<u64>,
    pub pinned: bool,
    /// What happened to the inspector's state file.
    pub state: Option<String>,
}

fn verify_json(v: VerifyJson<'_>) -> serde_json::Value {
    json!({
        "ok": v.ok,
        "mode": v.mode,
        "origin": v.origin,
        "records": v.records,
        "events": v.verified,
        "verified_from": v.verified_from,
        "head": v.head,
        "head_seq": v.head_seq,
        "root": v.root,
        "root_checked": v.root_checked,
        "errors": v.errors,
        "warnings": v.warnings,
        "notices": v.notices,
        "unsealed": v.unsealed,
        "last_seal": v.last_seal,
        "pinned": v.pinned,
        "state": v.state,
    })
}

/// `ledger forget`: drops what this machine verified of the ledger, saying
/// what that was; the only way, besides a new ledger created at the path,
/// to accept a history that disagrees with it.
fn forget(ctx: &Ctx, json: bool, out: &mut Out) -> Result<Outcome> {
    if !ctx.cache.enabled() {
        return Err(hinted(
            "--no-cache: this machine keeps nothing of any ledger, so there is nothing to forget",
            "run `ledger forget` without --no-cache (or LEDGER_NO_CACHE) to forget what the cache holds",
        ));
    }
    let mut ledger = ctx.open_read_only()?;
    let forgotten = ledger.forget()?;
    let path = ledger.path().display().to_string();
    if json {
        out.json(&json!({
            "forgotten": forgotten.is_some(),
            "path": path,
            "origin": forgotten.as_ref().map(|s| s.origin()),
            "genesis": forgotten.as_ref().map(|s| s.genesis().to_hex()),
            "verified_records": forgotten.as_ref().and_then(|s| s.verified.as_ref()).map(|v| v.seq + 1),
            "verified_head": forgotten.as_ref().and_then(|s| s.verified.as_ref()).map(|v| v.hash.to_hex()),
            "verified_at": forgotten.as_ref().and_then(|s| s.verified.as_ref()).map(|v| v.at.to_string()),
            "snapshots": forgotten.as_ref().map_or(0, |s| s.snapshots.len()),
        }))?;
        return Ok(Outcome::Ok);
    }
    match forgotten {
        None => out.line(format!("this machine remembers nothing of the ledger at {path}: nothing to forget"))?,
        Some(state) => {
            match &state.verified {
                Some(v) => out.line(format!(
                    "forgot: {} records of the ledger {} at {} verified on {}, up to record {} (hash {}), genesis {}",
                    v.seq + 1,
                    state.origin(),
                    state.path(),
                    v.at.local(&ledger_core::time::zone(ledger_core::time::DEFAULT_ZONE).map_err(|e| anyhow!("{e}"))?),
                    v.seq,
                    v.hash,
                    state.genesis()
                ))?,
                None => out.line(format!(
                    "forgot: the ledger {} at {} (genesis {}), never verified in full here",
                    state.origin(),
                    state.path(),
                    state.genesis()
                ))?,
            }
            out.line(format!("forgot: {} snapshot digest(s) this machine had computed", state.snapshots.len()))?;
            out.line(
                "the next `ledger verify` or read checks this file from its genesis record, and remembers what it verifies then",
            )?;
        }
    }
    Ok(Outcome::Ok)
}

/// `ledger repair --rebuild-tree`: the explicit recovery of derived data (the
/// Merkle tree table, the snapshots) that is damaged, behind or ahead of the
/// records. Refused unless every record passes verification. A tree ahead
/// of the records means records were removed from the end; they are gone,
/// and the old root is printed as the evidence of what the ledger held.
fn repair(ctx: &Ctx, args: RepairArgs, out: &mut Out) -> Result<Outcome> {
    let trusted_roots = args.trust.iter().map(|p| read_public(p)).collect::<Result<Vec<_>>>()?;
    let mut ledger = ctx.open()?;
    if args.erase_redacted {
        let erased = ledger.erase_redacted()?;
        ctx.warnings(&mut ledger);
        if erased.is_empty() {
            out.line("every erasure the ledger records is carried out in this file: nothing to erase")?;
        }
        for u in &erased {
            out.line(format!(
                "erased the personal data of record {} (the erasure recorded at seq {})",
                u.record, u.redacted_at
            ))?;
        }
        if !args.rebuild_tree {
            return Ok(Outcome::Ok);
        }
    }
    let repaired = ledger.rebuild_derived(Options { trusted_roots, expect_head: None, ..Options::default() })?;
    out.line(format!(
        "rebuilt the Merkle tree from the {} records: {} leaves (it held {})",
        repaired.records,
        repaired.leaves,
        repaired.before.map_or_else(|| "an unreadable table".to_owned(), |n| n.to_string())
    ))?;
    if let (Some(old), Some(root)) = (repaired.before, &repaired.old_root) {
        out.line(format!(
            "warning: the tree held {old} leaves, root {root}: {} records were removed from the end of this ledger and are gone; anyone holding a checkpoint of more than {} records will see this ledger as a fork",
            old - repaired.records,
            repaired.records
        ))?;
    }
    Ok(Outcome::Ok)
}

/// `ledger verify --checkpoint/--state`: see [`ledger_engine::Ledger::verify_from_checkpoint`].
fn verify_incremental(ctx: &Ctx, args: VerifyArgs, out: &mut Out) -> Result<Outcome> {
    let trusted_roots = args.trust.iter().map(|p| read_public(p)).collect::<Result<Vec<_>>>()?;
    let policy = args.witness_policy.as_deref().map(tlog::read_policy).transpose()?;
    let mut ledger = ctx.open_read_only()?;
    let report = ledger.verify_from_checkpoint(&FromCheckpoint {
        trusted_roots,
        checkpoint: args.checkpoint.as_deref(),
        state: args.state.as_deref(),
        vkey: args.log_vkey.as_deref(),
        policy: policy.as_ref(),
    })?;
    let verified = report.verified.as_ref();
    let records = report.records;
    let origin = &report.origin;
    if args.json {
        out.json(&verify_json(VerifyJson {
            ok: report.ok,
            mode: "checkpoint",
            origin: (origin != "?").then_some(origin.as_str()),
            records,
            verified_from: verified.map_or(0, |v| v.from),
            verified: verified.map_or(0, |v| v.count),
            head: verified.and_then(|v| v.head.clone()).unwrap_or_default(),
            head_seq: verified.filter(|v| v.head.is_some()).and_then(|_| records.checked_sub(1)),
            root: verified.map(|v| tlog::b64(&v.root)),
            root_checked: !args.trust.is_empty(),
            errors: report.problems.iter().map(|p| json!(p)).collect(),
            // The domain rules replay in the full run only.
            warnings: Vec::new(),
            notices: Vec::new(),
            unsealed: verified.map_or(0, |v| v.unsealed),
            last_seal: verified.and_then(|v| v.last_seal),
            pinned: true,
            state: report.state_note.clone(),
        }))?;
    } else if report.ok {
        match verified {
            Some(v) if v.from > 0 => {
                out.line(format!(
                    "ok: the checkpoint of {} records is consistent with the ledger ({records} records, origin {origin}); its {} records re-hashed against its root; verified the {} records added since",
                    v.from, report.rehashed, v.count
                ))?;
                out.line(format!(
                    "not re-checked: the signatures and authority of the {} records under the checkpoint (the log signed their tree), and for every record the domain replay, the snapshots and SQLite's structure check: `ledger verify` without --checkpoint/--state checks them all",
                    v.from
                ))?;
            }
            _ => {
                out.line(format!("ok: {records} records verified, origin {origin}"))?;
                out.line(
                    "not re-checked: the domain replay, the snapshots and SQLite's structure check: `ledger verify` without --checkpoint/--state checks them",
                )?;
            }
        }
        if let Some(v) = verified {
            out.line(format!("root {} (tree of {records} records)", tlog::b64(&v.root)))?;
        }
        if let Some(s) = &report.state_note {
            out.line(s)?;
        }
    } else {
        out.line(format!("FAILED: {} problem(s)", report.problems.len()))?;
        print_problems(out, &report.problems)?;
        if verified.is_none() {
            out.line(
                "the records were not verified from a checkpoint that does not hold; run the full check: ledger verify",
            )?;
        }
    }
    Ok(if report.ok { Outcome::Ok } else { Outcome::Failed })
}

/// Verifies the ledger published at `place` (a folder or an http(s) URL).
fn verify_tiles(place: &str, options: Options, vkey: Option<&str>) -> Result<Verification> {
    // The ledger is rebuilt from the tiles in a scratch folder, removed after.
    let scratch = tempfile::Builder::new().prefix("ledger-tiles-").tempdir()?;
    let db = scratch.path().join("ledger.db");
    let result = if is_url(place) {
        ledger_engine::tiles::verify_tiles(&ledger_http::HttpTiles(ledger_http::Client::new(place)), &db, options, vkey)
    } else {
        ledger_engine::tiles::verify_tiles(&ledger_engine::tiles::Folder(PathBuf::from(place)), &db, options, vkey)
    };
    Ok(result?.verification)
}
