//! The commands: each parses its input, calls `ledger_node`, renders the
//! result, and returns an [`Outcome`] or an error that becomes exit 2 (exit
//! 1 for evidence of tampering found on the way).

use crate::cli::{AppendArgs, Cli, Command, InitArgs, RepairArgs, VerifyArgs};
use crate::output::{Out, record_line, undecodable_line};
use crate::{Outcome, hinted};
use anyhow::{Result, anyhow};
use ledger_core::append::Submission;
use ledger_core::authority::{Genesis, RoleTable, RootKey};
use ledger_core::verify::Options;
use ledger_core::{Hash, PublicKey};
use ledger_node::local::Cache;
use ledger_node::query::{Listed, record_json};
use ledger_node::{Appended, Ledger, Signer, files};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The role table `init` writes unless told otherwise.
pub const DEFAULT_ROLES: &str = ledger_domain::defaults::ROLES;

/// What every command gets: where the ledger is, and where this machine
/// keeps what it knows of it.
pub struct Ctx {
    pub db: PathBuf,
    pub cache: Cache,
    /// How far after this machine's clock an appended event may be dated.
    pub max_clock_skew: u32,
}

impl Ctx {
    /// The ledger, for reading and appending, its appends bounded by this
    /// machine's clock.
    pub fn open(&self) -> Result<Ledger> {
        let mut ledger = Ledger::open(&self.db, self.cache.clone())?;
        // LEDGER_NOW sets this machine's clock for the command: the time it
        // signs at, and the time its appends are bounded by.
        let fixed = std::env::var_os("LEDGER_NOW").map(|_| crate::now()).transpose()?;
        ledger.set_clock(ledger_node::Clock { fixed, max_skew: self.max_clock_skew });
        Ok(ledger)
    }

    /// The ledger, read-only.
    pub fn open_read_only(&self) -> Result<Ledger> {
        Ok(Ledger::open_read_only(&self.db, self.cache.clone())?)
    }

    /// Prints the ledger's diagnostics on stderr.
    pub fn warnings(&self, ledger: &mut Ledger) {
        for w in ledger.take_warnings() {
            eprintln!("{w}");
        }
    }
}

pub fn run(cli: Cli) -> Result<Outcome> {
    let mut out = Out::new(cli.quiet);
    crate::progress::install(cli.quiet);
    let cache = if cli.no_cache { Cache::disabled() } else { Cache::default_place() };
    let ctx = Ctx { db: cli.db, cache, max_clock_skew: cli.max_clock_skew };
    match cli.command {
        Command::Keygen { out: base } => keygen(&base, &mut out),
        Command::Init(args) => init(&ctx, args, &mut out),
        Command::Append(args) => append(&ctx, args, &mut out),
        Command::Sign(args) => sign(args, &mut out),
        Command::Log { from, limit, filter, json } => log(&ctx, from, limit, filter, json, &mut out),
        Command::Show { seq, json } => show(&ctx, seq, json, &mut out),
        Command::PersonalCheck { record, details, salt } => personal_check(&ctx, record, &details, &salt, &mut out),
        Command::Verify(args) => verify(&ctx, args, &mut out),
        Command::Forget { json } => forget(&ctx, json, &mut out),
        Command::Repair(args) => repair(&ctx, args, &mut out),
        Command::Key(command) => crate::keys::run(&ctx, command, &mut out),
        Command::Tlog(command) => crate::tlog::run(&ctx, command, &mut out),
        Command::Domain(command) => crate::domain::run(&ctx, command, &mut out),
        Command::Office(command) => crate::office::run(&ctx, command, &mut out),
        Command::Serve(command) => crate::serve::run(&ctx, command, &mut out),
        Command::Bench(args) => bench(args, &mut out),
        Command::Completions { shell } => crate::manual::completions(shell, &mut out),
        Command::Man { markdown: true, .. } => crate::manual::markdown(&mut out),
        Command::Man { out: dir, markdown: false } => crate::manual::man(dir.as_deref(), &mut out),
    }
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

fn init(ctx: &Ctx, args: InitArgs, out: &mut Out) -> Result<Outcome> {
    let keys = args.keys.iter().map(|p| read_private(p)).collect::<Result<Vec<_>>>()?;
    let mut roots: Vec<RootKey> =
        keys.iter().map(|k| RootKey { key: PublicKey::from(k), holder: args.holder.clone() }).collect();
    for p in &args.roots {
        let key = read_public(p)?;
        if !roots.iter().any(|r| r.key == key) {
            roots.push(RootKey { key, holder: args.holder.clone() });
        }
    }
    let roles_text = match &args.roles {
        Some(p) => String::from_utf8(files::read(p, files::DOCUMENT)?)
            .map_err(|_| anyhow!("role table {}: not UTF-8 text", p.display()))?,
        None => DEFAULT_ROLES.to_owned(),
    };
    let roles: RoleTable = serde_json::from_str(&roles_text)
        .map_err(|e| anyhow!("role table: expected a JSON object of role -> [event types] ({e})"))?;
    let genesis = Genesis { roots, threshold: args.threshold, roles };
    let (author, cosigners) = keys.split_first().ok_or_else(|| anyhow!("--key is required"))?;
    let cosigners: Vec<_> = cosigners.iter().collect();
    let signer = Signer { author, cosigners: &cosigners };
    let (_, record) = Ledger::create(&ctx.db, &args.origin, &genesis, signer, crate::now()?, ctx.cache.clone())?;
    out.line(format!("created ledger {} at {}", args.origin, ctx.db.display()))?;
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

/// Reads events to sign or append: numbered submissions, at least one.
fn submissions(input: &[u8]) -> Result<Vec<(usize, Submission)>> {
    let mut submissions = Vec::new();
    for (n, line) in numbered_lines(input)? {
        let sub = Submission::from_json(line, ledger_node::fresh_id).map_err(|e| anyhow!("line {n}: {e}"))?;
        submissions.push((n, sub));
    }
    if submissions.is_empty() {
        return Err(hinted(
            "no events in the input",
            "give one JSON object per line: {\"stream\": ..., \"type\": ..., \"data\": {...}}",
        ));
    }
    Ok(submissions)
}

fn append(ctx: &Ctx, args: AppendArgs, out: &mut Out) -> Result<Outcome> {
    let input = files::read_or_stdin(args.file.as_deref(), files::EVENTS)?;
    if args.signed {
        let text = std::str::from_utf8(&input).map_err(|e| anyhow!("the input is not UTF-8: {e}"))?;
        let events = ledger_node::sign::read_signed(text)?;
        if events.is_empty() {
            return Err(hinted("no signed events in the input", "sign events with `ledger sign` first"));
        }
        let mut ledger = ctx.open()?;
        let results = ledger.append_signed(&events);
        ctx.warnings(&mut ledger);
        report_appended(out, &results?, args.json)?;
        return Ok(Outcome::Ok);
    }
    let key = args.key.as_deref().ok_or_else(|| anyhow!("--key is required without --signed"))?;
    let author = read_private(key)?;
    let cosigners = args.cosign.iter().map(|p| read_private(p)).collect::<Result<Vec<_>>>()?;
    let submissions = submissions(&input)?;
    let mut ledger = ctx.open()?;
    let refs: Vec<_> = cosigners.iter().collect();
    let results = ledger.append(&submissions, Signer { author: &author, cosigners: &refs }, crate::now()?);
    ctx.warnings(&mut ledger);
    report_appended(out, &results?, args.json)?;
    Ok(Outcome::Ok)
}

/// `ledger sign`: signed events on stdout, one per line.
fn sign(args: crate::cli::SignArgs, out: &mut Out) -> Result<Outcome> {
    let author = read_private(&args.key)?;
    let cosigners = args.cosign.iter().map(|p| read_private(p)).collect::<Result<Vec<_>>>()?;
    let input = files::read_or_stdin(args.file.as_deref(), files::EVENTS)?;
    let subs = submissions(&input)?;
    let streams = subs.iter().map(|(_, s)| s.stream.as_str());
    let basis = match (&args.copy, &args.server, &args.origin) {
        (Some(copy), _, _) => {
            let ledger = Ledger::open_read_only(copy, Cache::disabled())?;
            ledger.signing_basis(streams)?
        }
        (None, Some(url), _) => ledger_http::Client::new(url).signing_basis(streams)?,
        (None, None, Some(origin)) => ledger_node::sign::Basis { origin: origin.clone(), ..Default::default() },
        (None, None, None) => {
            return Err(hinted(
                "sign for which ledger?",
                "give --copy PATH (a copy of the ledger), --server URL (its service), or --origin NAME with \"expected_version\" on each stream's first line",
            ));
        }
    };
    let refs: Vec<_> = cosigners.iter().collect();
    let signed = ledger_node::sign::sign(&basis, &subs, &author, &refs, crate::now()?)?;
    for s in &signed {
        out.line(s.to_line())?;
    }
    Ok(Outcome::Ok)
}

pub fn report_appended(out: &mut Out, results: &[Appended], json_out: bool) -> Result<()> {
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

/// The signers a `--signer` names: a key id, a public key, a .pub file, or
/// part of a holder's name (case-insensitive).
fn signers_named(given: &str, authority: Option<&ledger_core::authority::Authority>) -> Result<BTreeSet<PublicKey>> {
    let path = Path::new(given);
    if path.extension().is_some_and(|e| e == "pub") || path.is_file() {
        return Ok(BTreeSet::from([read_public(path)?]));
    }
    if let Ok(key) = given.to_ascii_lowercase().parse::<PublicKey>() {
        return Ok(BTreeSet::from([key]));
    }
    let lower = given.to_lowercase();
    let keys: BTreeSet<PublicKey> = authority
        .into_iter()
        .flat_map(|a| a.keys())
        .filter(|k| k.key_id.to_string().eq_ignore_ascii_case(given) || k.holder.to_lowercase().contains(&lower))
        .map(|k| k.key)
        .collect();
    if keys.is_empty() {
        let holders: Vec<String> =
            authority.into_iter().flat_map(|a| a.keys()).map(|k| format!("{} ({})", k.key_id, k.holder)).collect();
        return Err(hinted(
            format!("--signer {given:?}: no key of this ledger has that id or holder"),
            format!("keys: {}", holders.join(", ")),
        ));
    }
    Ok(keys)
}

fn log(
    ctx: &Ctx,
    from: u64,
    limit: Option<u64>,
    given: crate::cli::LogFilter,
    json_out: bool,
    out: &mut Out,
) -> Result<Outcome> {
    let mut ledger = ctx.open_read_only()?;
    let authority = ledger.authority().ok();
    let zone = ledger.time_zone()?;
    let mut filter = ledger_node::query::RecordFilter::default();
    filter.stream = given.stream;
    filter.event_type = given.event_type;
    filter.period = given.period;
    if let Some(u) = &given.unit {
        filter.unit = Some(ledger_node::names::Names::new(ledger.domain()?).unit(u)?);
    }
    if let Some(s) = &given.signer {
        filter.signers = Some(signers_named(s, authority.as_ref())?);
    }
    let mut items = Vec::new();
    // A reader that stops reading (`| head`) ends the listing quietly.
    let mut write_error = None;
    let listed = ledger.for_each_record(from, limit, &filter, |listed| {
        let printed = match listed {
            Listed::Record(r) if json_out => {
                items.push(record_json(&r, authority.as_ref()));
                Ok(())
            }
            Listed::Record(r) => {
                let holder = authority.as_ref().and_then(|a| a.key(&r.envelope.author)).map(|k| k.holder.as_str());
                out.line(record_line(&r, &zone, holder))
            }
            Listed::Undecodable(raw, e) if json_out => {
                items.push(json!({"seq": raw.seq, "error": e}));
                Ok(())
            }
            Listed::Undecodable(raw, e) => out.line(undecodable_line(&raw, &e)),
        };
        printed.map_err(|e| {
            let message = format!("writing the listing: {e}");
            write_error = Some(e);
            ledger_node::Error::refused(message)
        })
    });
    if let Some(e) = write_error {
        return Err(e.into());
    }
    listed?;
    if json_out {
        out.json(&json!({"records": items}))?;
    }
    Ok(Outcome::Ok)
}

fn show(ctx: &Ctx, seq: u64, json_out: bool, out: &mut Out) -> Result<Outcome> {
    let mut ledger = ctx.open_read_only()?;
    let (record, authority) = ledger.record_with_authority(seq)?;
    let mut value = record_json(&record, authority.as_ref());
    let person = ledger_node::personal::view(&mut ledger, seq)?;
    if let Some(p) = &person {
        value["personal_data"] = serde_json::to_value(p)?;
    }
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
        out.line(format!("time      {} ({})", env.time, env.time.local(&ledger.time_zone()?)))?;
        let holder = value["holder"].as_str().map(|h| format!(" ({h})")).unwrap_or_default();
        out.line(format!("signer    {}{holder}", env.author.key_id()))?;
        for s in record.signatures.iter().skip(1) {
            out.line(format!("co-signer {}", s.key.key_id()))?;
        }
        out.line(format!("data      {}", serde_json::to_string_pretty(&value["data"])?.replace('\n', "\n          ")))?;
        if let Some(p) = &person {
            match (&p.details, &p.salt, &p.redacted) {
                (_, _, Some((by, reason))) => {
                    out.line(format!(
                        "person    redacted at seq {by} ({reason}); the commitment {} remains",
                        p.commitment
                    ))?;
                    if p.erasure_pending {
                        out.line("          BUT THIS FILE STILL HOLDS THE DETAILS: the erasure was not carried out here; `ledger repair --erase-redacted` erases them")?;
                    }
                }
                (Some(d), Some(salt), None) => {
                    out.line(format!("person    {} (kept beside the ledger, not signed)", serde_json::to_string(d)?))?;
                    out.line(format!("salt      {salt}"))?;
                    if p.opens != Some(true) {
                        out.line("          THESE DO NOT OPEN THE COMMITMENT: the personal-data table was edited")?;
                    }
                }
                _ => out.line(format!("person    commitment {}; no details kept on this machine", p.commitment))?,
            }
        }
    }
    Ok(Outcome::Ok)
}

/// `ledger personal-check`: exit 0 when the details and salt open the commitment.
fn personal_check(ctx: &Ctx, seq: u64, details: &str, salt: &str, out: &mut Out) -> Result<Outcome> {
    let details: serde_json::Value =
        serde_json::from_str(details).map_err(|e| anyhow::anyhow!("--details is not JSON: {e}"))?;
    let mut ledger = ctx.open_read_only()?;
    if ledger_node::personal::check(&mut ledger, seq, &details, salt)? {
        out.line(format!("match: these details and salt open the commitment of record {seq}"))?;
        Ok(Outcome::Ok)
    } else {
        out.line(format!("no match: these details and salt do not open the commitment of record {seq}"))?;
        Ok(Outcome::Failed)
    }
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

fn verify(ctx: &Ctx, args: VerifyArgs, out: &mut Out) -> Result<Outcome> {
    if args.checkpoint.is_some() || args.state.is_some() {
        return crate::tlog::verify_incremental(ctx, args, out);
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
        Some(place) => crate::serve::verify_tiles(place, options, args.vkey.as_deref())?,
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
            root: (report.records > 0).then(|| ledger_node::tlog::b64(&verification.frontier.root())),
            root_checked,
            errors: report
                .findings
                .iter()
                .map(|f| json!({"seq": f.seq, "check": f.check.name(), "message": f.message}))
                .collect(),
            warnings: warnings.iter().map(|w| json!(w)).collect(),
            notices: verification.notices.iter().map(|n| json!(n)).collect(),
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
        eprintln!(
            "hint: this machine keeps what it verified of this ledger as evidence; if the file's history is the one to accept (a backup restored on purpose), `ledger forget` says what it forgets and the next verify starts from genesis"
        );
    }
    if !args.json {
        for w in &warnings {
            eprintln!(
                "warning: seq {} ({}): the domain rules refuse this event on replay: {}",
                w.seq, w.event_type, w.message
            );
        }
        for n in &verification.notices {
            eprintln!("warning: seq {} ({}): {}", n.seq, n.event_type, n.message);
        }
    }
    Ok(if report.ok() { Outcome::Ok } else { Outcome::Failed })
}

/// Every member of `ledger verify --json`, whichever way it ran (full, from
/// tiles, from a checkpoint or state): one shape, `docs/schema/verify.json`.
pub struct VerifyJson<'a> {
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

pub fn verify_json(v: VerifyJson<'_>) -> serde_json::Value {
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

fn bench(args: crate::cli::BenchArgs, out: &mut Out) -> Result<Outcome> {
    let config = ledger_bench::Config {
        records: args.records,
        batch: args.batch,
        dir: args.dir,
        ledger_binary: None,
        quick: false,
    };
    let report = ledger_bench::run(&config)?;
    if args.json {
        out.json(&ledger_bench::report_json(&report))?;
    } else {
        for line in ledger_bench::report_text(&report) {
            out.line(line)?;
        }
    }
    Ok(Outcome::Ok)
}
