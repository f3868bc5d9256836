//! The records themselves: `init` (a new ledger and its genesis record),
//! `append` (events as JSON Lines, signed here or elsewhere), `sign` (events
//! signed on a machine without the ledger file), `log` and `show`.

use crate::ctx::{Ctx, Out, Outcome, hinted, now, read_private, read_public, record_line, undecodable_line};
use anyhow::{Result, anyhow};
use clap::{Args, Subcommand};
use ledger_core::PublicKey;
use ledger_core::append::Submission;
use ledger_core::authority::{Genesis, RoleTable, RootKey};
use ledger_engine::local::Cache;
use ledger_engine::query::{Listed, record_json};
use ledger_engine::{Appended, Ledger, Signer, files};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The role table `init` writes unless told otherwise.
const DEFAULT_ROLES: &str = ledger_domain::defaults::ROLES;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new ledger with its genesis record (never overwrites).
    #[command(after_help = "Examples:
  ledger init --origin jinan.example/assessment-ledger --key keys/root.key --holder \"济南市人民政府 (root of trust)\"
  ledger --db ledger.db init --origin jinan.example/assessment-ledger --key keys/root-a.key --key keys/root-b.key \\
      --root keys/root-c.pub --threshold 2     # three roots, two signatures on every governance event")]
    Init(InitArgs),
    /// Append events given as JSON Lines (one batch: all lines or none).
    #[command(after_help = "Examples:
  echo '{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"月报已报送\"}}' | ledger append --key keys/statistics.key
  ledger append --key keys/statistics.key events.jsonl --json
  ledger append --signed signed.jsonl      # events signed elsewhere with `ledger sign`")]
    Append(AppendArgs),
    /// Sign events on this machine without the ledger file: signed events as JSON Lines on stdout, for `ledger append --signed` or the HTTP service
    #[command(
        after_help = "Examples:\n  ledger sign --key keys/statistics.key --copy mirror.db values.jsonl > signed.jsonl\n  ledger sign --key keys/statistics.key --server http://ledger.example:8080 values.jsonl > signed.jsonl\n  ledger --db ledger.db append --signed signed.jsonl        # on the machine that holds the ledger"
    )]
    Sign(SignArgs),
    /// List records.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db log --period 2022 --type objection_filed
  ledger log --unit 商河县 --signer 统计局        # also --stream, --type, --period
  ledger log --since 1200 --limit 20 --json")]
    Log(LogArgs),
    /// Show one record.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db show 0      # the genesis record: origin, roots, roles
  ledger show 1234 --json")]
    Show {
        /// Its sequence number.
        seq: u64,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The ledger's unique name, e.g. jinan.example/assessment-ledger.
    #[arg(long)]
    pub origin: String,
    /// Root private key(s); the first is the author. Pass a key once per root
    /// whose signature genesis needs.
    #[arg(long = "key", value_name = "KEY", required = true)]
    pub keys: Vec<PathBuf>,
    /// Further root public keys (their holders sign later governance events).
    #[arg(long = "root", value_name = "PUB")]
    pub roots: Vec<PathBuf>,
    /// Root signatures needed on governance events.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub threshold: u32,
    /// Holder of the root key(s).
    #[arg(long, default_value = "City root of trust")]
    pub holder: String,
    /// Role table (JSON object: role -> event types); default: ledger/roles.json as embedded.
    #[arg(long, value_name = "FILE")]
    pub role_table: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AppendArgs {
    /// The author's private key.
    #[arg(long, value_name = "KEY", required_unless_present = "signed", conflicts_with = "signed")]
    pub key: Option<PathBuf>,
    /// The input holds events already signed (`ledger sign`): appended as signed, with the same checks
    #[arg(long)]
    pub signed: bool,
    /// Co-signing private keys (governance events need a root threshold).
    #[arg(long = "cosign", value_name = "KEY")]
    pub cosign: Vec<PathBuf>,
    /// JSON Lines file, or - (the default) for standard input.
    pub file: Option<PathBuf>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The author's private key.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Co-signing private keys (governance events need a root threshold).
    #[arg(long = "cosign", value_name = "KEY")]
    pub cosign: Vec<PathBuf>,
    /// A copy of the ledger (read only) giving its origin, the streams' versions and the last record's time
    #[arg(long, value_name = "PATH", conflicts_with_all = ["origin", "server"])]
    pub copy: Option<PathBuf>,
    /// The ledger's HTTP service (`ledger serve`), asked for its origin, the streams' versions and the last record's time
    #[arg(long, value_name = "URL", conflicts_with = "origin")]
    pub server: Option<String>,
    /// The ledger's origin, with no copy and no service: each stream's first line then gives "expected_version"
    #[arg(long)]
    pub origin: Option<String>,
    /// JSON Lines file of events (as for `ledger append`), or - (the default) for standard input.
    pub file: Option<PathBuf>,
}

/// Arguments of `ledger log`: where to start, how many, and which records.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// From this sequence number on.
    #[arg(long, default_value_t = 0, value_name = "SEQ")]
    pub since: u64,
    /// At most this many records (of those the filters list).
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Only this stream, exactly: period/2022, unit/shanghe, catalog, ledger, ...
    #[arg(long)]
    pub stream: Option<String>,
    /// Only this event type, e.g. measurement_corrected
    #[arg(long = "type", value_name = "TYPE")]
    pub event_type: Option<String>,
    /// Only this period's records (its stream, and audit findings naming it)
    #[arg(long, value_parser = crate::ctx::period_arg)]
    pub period: Option<String>,
    /// Only records about this unit (id or name): its stream, events naming it, and the corrections, verifications, returns and objection outcomes of its values
    #[arg(long)]
    pub unit: Option<String>,
    /// Only records this key signed or co-signed: a key id (16 hex digits), a public key (64 hex digits), a .pub file, or part of the holder's name ("Statistics")
    #[arg(long)]
    pub signer: Option<String>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, command: Command, out: &mut Out) -> Result<Outcome> {
    match command {
        Command::Init(args) => init(ctx, args, out),
        Command::Append(args) => append(ctx, args, out),
        Command::Sign(args) => sign(args, out),
        Command::Log(args) => log(ctx, args, out),
        Command::Show { seq, json } => show(ctx, seq, json, out),
    }
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
    let roles_text = match &args.role_table {
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
    let (_, record) = Ledger::create(&ctx.db, &args.origin, &genesis, signer, now()?, ctx.cache.clone())?;
    out.line(format!("created ledger {} at {}", args.origin, ctx.db.display()))?;
    out.line(format!("genesis hash {}", record.hash))?;
    Ok(Outcome::Ok)
}

/// Splits input into numbered non-blank lines, refusing non-UTF-8.
fn numbered_lines(bytes: &[u8]) -> Result<Vec<(usize, &str)>> {
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
        let sub = Submission::from_json(line, ledger_engine::fresh_id).map_err(|e| anyhow!("line {n}: {e}"))?;
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
        let events = ledger_engine::sign::read_signed(text)?;
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
    let results = ledger.append(&submissions, Signer { author: &author, cosigners: &refs }, now()?);
    ctx.warnings(&mut ledger);
    report_appended(out, &results?, args.json)?;
    Ok(Outcome::Ok)
}

/// `ledger sign`: signed events on stdout, one per line.
fn sign(args: SignArgs, out: &mut Out) -> Result<Outcome> {
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
        (None, None, Some(origin)) => ledger_engine::sign::Basis { origin: origin.clone(), ..Default::default() },
        (None, None, None) => {
            return Err(hinted(
                "sign for which ledger?",
                "give --copy PATH (a copy of the ledger), --server URL (its service), or --origin NAME with \"expected_version\" on each stream's first line",
            ));
        }
    };
    let refs: Vec<_> = cosigners.iter().collect();
    let signed = ledger_engine::sign::sign(&basis, &subs, &author, &refs, now()?)?;
    for s in &signed {
        out.line(s.to_line())?;
    }
    Ok(Outcome::Ok)
}

fn report_appended(out: &mut Out, results: &[Appended], json_out: bool) -> Result<()> {
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

fn log(ctx: &Ctx, given: LogArgs, out: &mut Out) -> Result<Outcome> {
    let json_out = given.json;
    let mut ledger = ctx.open_read_only()?;
    let authority = ledger.authority().ok();
    let zone = ledger.time_zone()?;
    let mut filter = ledger_engine::query::RecordFilter::default();
    filter.stream = given.stream;
    filter.event_type = given.event_type;
    filter.period = given.period;
    if let Some(u) = &given.unit {
        filter.unit = Some(ledger_engine::names::Names::new(ledger.domain()?).unit(u)?);
    }
    if let Some(s) = &given.signer {
        filter.signers = Some(signers_named(s, authority.as_ref())?);
    }
    let mut items = Vec::new();
    // A reader that stops reading (`| head`) ends the listing quietly.
    let mut write_error = None;
    let listed = ledger.for_each_record(given.since, given.limit, &filter, |listed| {
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
            ledger_engine::Error::refused(message)
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
    let person = ledger_engine::personal::view(&mut ledger, seq)?;
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
