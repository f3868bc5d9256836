//! What every command shares, and nothing of any one command: the context
//! (where the ledger is, what this machine keeps of it, the signing clock),
//! stdout ([`Out`]) and the rendering helpers, errors a person can act on,
//! the exit codes, key files, and the two shapes of command the office
//! and read commands take (sign and append events; read from a verified
//! view). A leaf: it imports no other module of this crate, so that every
//! command group may import it and none needs another.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | success; for `verify`, the ledger is intact |
//! | 1    | a check failed: `verify` found tampering, `audit` found findings |
//! | 2    | could not run: bad usage, bad input, a refused append, a missing or unreadable file |

use anyhow::{Result, anyhow};
use clap::Args;
use ledger_core::append::Submission;
use ledger_core::time::Zone;
use ledger_core::{PublicKey, RawRecord, Record, Timestamp};
use ledger_domain::AsOf;
use ledger_engine::local::Cache;
use ledger_engine::view::View;
use ledger_engine::{Appended, Input, Ledger, Prerequisite, Remedy, Signer};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// --- outcomes, errors and exit codes ------------------------------------------

/// What a command that checks something concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything holds.
    Ok,
    /// A check failed (exit 1).
    Failed,
}

/// An error a person can act on: a message, and optionally what to do.
#[derive(Debug)]
pub struct UserError {
    message: String,
    hint: Option<String>,
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// An error with a hint line.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    UserError { message: message.into(), hint: Some(hint.into()) }.into()
}

/// The exit code of a command line clap refused (2), or whose help or
/// version it printed (0); the message is printed here.
pub fn usage_exit(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitCode::SUCCESS,
        _ => ExitCode::from(2),
    }
}

/// The exit code of a command's result: 0 ok, 1 a check failed (or
/// evidence of tampering found on the way), 2 could not run. An error is
/// printed on stderr as an `error:` line and, when there is one, a `hint:`
/// line. A broken pipe (`ledger log | head`) ends quietly.
pub fn exit_code(result: Result<Outcome>) -> ExitCode {
    let e = match result {
        Ok(Outcome::Ok) => return ExitCode::SUCCESS,
        Ok(Outcome::Failed) => return ExitCode::from(1),
        Err(e) => e,
    };
    if is_broken_pipe(&e) {
        return ExitCode::SUCCESS;
    }
    let node = e.chain().find_map(|c| c.downcast_ref::<ledger_engine::Error>());
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", chain(&e));
    let hint = e.chain().find_map(|c| c.downcast_ref::<UserError>()).and_then(|u| u.hint.clone()).or_else(|| {
        let node = node?;
        let hint = remedy_hint(&node.remedy()?);
        // Evidence of tampering stops whatever found it before it wrote.
        Some(if matches!(node, ledger_engine::Error::Tampered { .. }) {
            format!("{hint}; nothing was written")
        } else {
            hint
        })
    });
    if let Some(hint) = hint {
        let _ = writeln!(stderr, "hint: {hint}");
    }
    // Evidence of tampering found on the way is a failed check.
    let tampered = matches!(node, Some(ledger_engine::Error::Tampered { .. }));
    if tampered { ExitCode::from(1) } else { ExitCode::from(2) }
}

/// The `hint:` line of a remedy: what to do, with the command that does it
/// (the spellings of `docs/CLI.md`).
pub fn remedy_hint(remedy: &Remedy) -> String {
    match remedy {
        Remedy::DecideAgain { stream: Some(s) } => format!(
            "another writer appended to stream {s:?} first: read it again, decide again, and sign again against the ledger as it stands (`ledger sign --copy PATH` or `--server URL` give the stream's new expected_version)"
        ),
        Remedy::DecideAgain { stream: None } => {
            "the ledger moved on: sign it again against the ledger as it stands (`ledger sign --copy PATH` or `--server URL`)".into()
        }
        Remedy::SignAgainstLedger { stream } => format!(
            "sign against the ledger, `ledger sign --copy PATH` (a copy of it) or `--server URL`, or give \"expected_version\" on the first line of stream {stream:?}"
        ),
        Remedy::SetClock => "set the signing machine's clock right (LEDGER_NOW, if set, is the clock of the command it is given to); the operator sets the bound with --max-clock-skew".into(),
        Remedy::CheckRoles => "see who may sign what with `ledger key list`".into(),
        Remedy::RetryLater => "another process was writing to the ledger; try again in a few seconds".into(),
        Remedy::SplitInput { max } => {
            format!("split the input into files of at most {max} events: each is appended all or nothing (docs/LIMITS.md)")
        }
        Remedy::FixInput { input } => fix_input(*input),
        Remedy::GiveInput { input } => give_input(*input),
        Remedy::WriteAs { form } => form.describe(),
        Remedy::ChooseKnown { kind, names } => {
            format!("{}: {}", kind.plural(), if names.is_empty() { "none".to_owned() } else { names.join(", ") })
        }
        Remedy::ChooseRecord { last } => format!("the ledger holds records 0 to {last}"),
        Remedy::RecordFirst { what } => match what {
            Prerequisite::Period => "open it with `ledger period open --period ID --key AUTHORITY.key`".into(),
            Prerequisite::Round { period } => format!(
                "open one with `ledger period open-round --period {period} --round ROUND --due DATE --key ASSESSMENT.key`"
            ),
            Prerequisite::Value { period, round: None } => {
                format!("submit one first: `ledger values submit --period {period} --key KEY FILE.csv`")
            }
            Prerequisite::Value { period, round: Some(r) } => {
                format!("submit one first: `ledger values submit --period {period} --round {r} --key KEY FILE.csv`")
            }
            Prerequisite::Registry => "adopt them first: `ledger adopt catalog|units|policy --key AUTHORITY.key`".into(),
            Prerequisite::Project => "register it with `ledger project register`".into(),
        },
        Remedy::CompletePeriod { period } => format!(
            "see which with `ledger period status --period {period}`; publish anyway with --allow-incomplete (the publication records the count)"
        ),
        Remedy::Verify { seq: None } => "run `ledger verify` to see every problem".into(),
        Remedy::Verify { seq: Some(seq) } => format!("run `ledger verify` to see what happened to record {seq}"),
        Remedy::RebuildTree => "run `ledger verify` to see which; once the records verify, `ledger repair --rebuild-tree` rebuilds the tree".into(),
        Remedy::EraseRedacted => "`ledger repair --erase-redacted` erases it".into(),
        Remedy::RestoreFromCopy => "repair rebuilds derived data from records that verify; see `ledger verify`, and restore the file from a copy if it is damaged".into(),
        Remedy::AuthoriseKey { role } => format!(
            "authorise it as the {role} key: `ledger key authorize --key ROOT.key --pub {}.pub --holder \"...\" --role {role}`",
            role.to_uppercase()
        ),
        Remedy::BindUnitKey { unit } => {
            format!("bind it with `ledger key bind --key AUTHORITY.key --pub UNIT.pub --unit {unit}`")
        }
        Remedy::SignCheckpoint { newer: false } => "sign one with `ledger checkpoint --log-key LOG.key`".into(),
        Remedy::SignCheckpoint { newer: true } => {
            "sign a newer checkpoint with `ledger checkpoint --log-key LOG.key`, then try again".into()
        }
        Remedy::CreateLedger => {
            "create one with `ledger init`, build the demonstration with `ledger demo`, or give another with --db PATH".into()
        }
        Remedy::VerifyAgainstCheckpoint => {
            "check the ledger against a checkpoint you trust: `ledger verify --checkpoint FILE` says where they part".into()
        }
        Remedy::MatchLogKey => {
            "check that it comes from this ledger's log, or give the right log key with --log-vkey".into()
        }
        Remedy::Forget => "this machine keeps what it verified of this ledger as evidence; if the file's history is the one to accept (a backup restored on purpose), `ledger forget` says what it forgets and the next verify starts from genesis".into(),
    }
}

/// How an input is given on the command line: its option, or the argument.
pub fn input_flag(input: Input) -> &'static str {
    match input {
        Input::Ledger => "--db",
        Input::DemoFolder => "--dir",
        Input::Unit => "--unit",
        Input::Indicator => "--indicator",
        Input::Key => "the key",
        Input::KeyName | Input::WitnessName => "--name",
        Input::Year => "--year",
        Input::Policy => "--policy",
        Input::Value => "--value",
        Input::ProposedValue => "--proposed-value",
        Input::CorrectedValue => "--corrected-value",
        Input::Amount => "--amount",
        Input::SuppliedArea => "--supplied-ha",
        Input::UsedArea => "--used-ha",
        Input::PlannedInvestment => "--planned-investment",
        Input::Investment => "--investment",
        Input::PersonDetail => "--person-detail",
        Input::PersonRecord => "SEQ",
        Input::LogVkey => "--log-vkey",
        Input::WitnessVkey => "--witness",
        Input::RecordHash => "--record-hash",
        Input::Checkpoint => "the checkpoint file",
        Input::OlderCheckpoint => "--from",
        Input::CheckpointToCosign => "CHECKPOINT",
        Input::InclusionProof | Input::ProofBundle => "the proof file",
        Input::ConsistencyProof => "--proof",
        Input::Tiles => "--tiles",
        Input::Service => "--server",
        Input::Tls => "--tls-cert and --tls-key",
        Input::TrustedCertificates => "SSL_CERT_FILE",
    }
}

fn fix_input(input: Input) -> String {
    if let Some(form) = input.form() {
        return format!("for {}, {}", input_flag(input), form.describe());
    }
    match input {
        Input::Ledger => "choose another --db path, or remove the old ledger yourself if it is really unwanted".into(),
        Input::DemoFolder => "choose another --dir, or an empty folder".into(),
        Input::Unit => "list the units with `ledger units`".into(),
        Input::Indicator => "list the indicators with `ledger catalog`".into(),
        Input::Key => "give a key id, a public key or a holder as `ledger key list` prints them".into(),
        Input::KeyName => {
            "give --name without spaces or '+'; the log key's name is the ledger's origin".into()
        }
        Input::Year => "give the year assessed with --year".into(),
        Input::Policy => "write --policy as ID@VERSION, e.g. jinan-nokec-2018@1 (see `ledger log --type policy_adopted`)".into(),
        Input::PersonDetail => "give each detail once, as KEY=VALUE: e.g. --person-detail position=deputy head".into(),
        Input::PersonRecord => "`ledger show SEQ` shows whether a record names a person".into(),
        Input::LogVkey => "give --log-vkey as a verifier key (<name>+<8 hex digits>+<base64>) or a file holding one: `ledger key export log --format vkey` prints the log's, `ledger key vkey LOG.pub --name ORIGIN` one of a .pub file".into(),
        Input::WitnessVkey => "give --witness as a witness's verifier key or a file holding one: `ledger key vkey WITNESS.pub --name NAME --kind witness` prints one".into(),
        Input::WitnessName => "choose one with --name, e.g. --name inspector.example/witness".into(),
        Input::RecordHash => {
            "give --record-hash as the record hash, 64 lowercase hex digits, as `ledger show SEQ` prints it".into()
        }
        Input::Checkpoint => "a checkpoint is what `ledger checkpoint` prints: origin, size and root lines, a blank line, signature lines".into(),
        Input::OlderCheckpoint => "give the older checkpoint with --from and the newer one with --to".into(),
        Input::CheckpointToCosign => "a witness only moves forward; cosign the newest checkpoint".into(),
        Input::InclusionProof => "make one with `ledger prove SEQ`".into(),
        Input::ProofBundle => "make one with `ledger prove SEQ --bundle`".into(),
        Input::ConsistencyProof => "make the right one with `ledger consistency --from STATE --to CHECKPOINT`".into(),
        Input::Tiles => "is the log served (`ledger serve`) or exported (`ledger export-tiles --dir DIR`) there?".into(),
        Input::Service => "is `ledger serve` running there?".into(),
        Input::Tls => "give the certificate chain (leaf first) and the private key of that leaf certificate".into(),
        Input::TrustedCertificates => "SSL_CERT_FILE names the PEM certificates an https:// service is trusted by; unset it for the Mozilla roots".into(),
        Input::Value
        | Input::ProposedValue
        | Input::CorrectedValue
        | Input::Amount
        | Input::SuppliedArea
        | Input::UsedArea
        | Input::PlannedInvestment
        | Input::Investment => format!("give {} as a decimal", input_flag(input)),
    }
}

fn give_input(input: Input) -> String {
    match input {
        Input::Policy => "give it as --policy ID@VERSION (see `ledger log --type policy_adopted`)".into(),
        Input::LogVkey => "pass the log's verifier key with --log-vkey".into(),
        Input::WitnessVkey => "give a --witness key for each witness that must have cosigned".into(),
        Input::ConsistencyProof => "pass --proof with the output of `ledger consistency --from STATE --to CHECKPOINT` from the log, or --db with the ledger".into(),
        Input::Tls => "give --tls-cert FILE --tls-key FILE, or listen on 127.0.0.1 behind a proxy that terminates TLS; --insecure-plain-http serves plain HTTP there anyway".into(),
        Input::Year => "give the year assessed with --year".into(),
        other => format!("give {} with {}", other.noun(), input_flag(other)),
    }
}

fn chain(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

// --- the context ----------------------------------------------------------------

/// The time events are signed at: this machine's clock, or `LEDGER_NOW`
/// (an RFC 3339 time with its offset) for a rehearsal of an assessment
/// calendar and for tests. Either way the ledger never lets time go
/// backwards: an event is never dated before the ledger's last record.
pub fn now() -> Result<Timestamp> {
    match std::env::var("LEDGER_NOW") {
        Ok(text) => {
            let utc = ledger_core::time::zone("UTC").map_err(|e| anyhow!("{e}"))?;
            Some(text.as_str()).filter(|t| t.contains('T')).and_then(|t| Timestamp::parse_any(t, &utc).ok()).ok_or_else(
                || {
                    hinted(
                        format!("LEDGER_NOW={text:?} is not a time"),
                        "give an RFC 3339 time with its offset, e.g. 2023-03-01T09:00:00+08:00, or unset it",
                    )
                },
            )
        }
        Err(_) => Ok(ledger_engine::Clock::system()),
    }
}

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
        let fixed = std::env::var_os("LEDGER_NOW").map(|_| now()).transpose()?;
        ledger.set_clock(ledger_engine::Clock { fixed, max_skew: self.max_clock_skew });
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

/// A private key file, with the hint of how to make one when it is missing.
pub fn read_private(path: &Path) -> Result<ledger_core::SigningKey> {
    ledger_keyfile::read_private(path).map_err(|e| match e {
        ledger_keyfile::KeyFileError::NotFound(_) => {
            hinted(e.to_string(), "create one with: ledger key generate --prefix PATH (without .key)")
        }
        other => other.into(),
    })
}

/// A public key file.
pub fn read_public(path: &Path) -> Result<PublicKey> {
    Ok(ledger_keyfile::read_public(path)?)
}

/// Writes a file whole or not at all (a temporary file renamed over it).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    use anyhow::Context;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

// --- stdout and rendering ---------------------------------------------------------

/// A stdout that stays silent under `--quiet`.
pub struct Out {
    quiet: bool,
    inner: std::io::StdoutLock<'static>,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Out").field("quiet", &self.quiet).finish_non_exhaustive()
    }
}

impl Out {
    pub fn new(quiet: bool) -> Out {
        Out { quiet, inner: std::io::stdout().lock() }
    }

    pub fn line(&mut self, text: impl AsRef<str>) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        writeln!(self.inner, "{}", text.as_ref())
    }

    pub fn bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        self.inner.write_all(bytes)
    }

    pub fn json(&mut self, value: &Value) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        serde_json::to_writer_pretty(&mut self.inner, value)?;
        writeln!(self.inner)
    }
}

/// A UTC time as stored (`2023-03-15T15:59:59Z`), as a person reads it in
/// the ledger's zone (`2023-03-15 23:59:59 +08:00`).
pub fn local(utc: &str, zone: &Zone) -> String {
    utc.parse::<Timestamp>().map_or_else(|_| utc.to_owned(), |t| t.local(zone))
}

/// One line of `ledger log`, its time in the ledger's zone.
pub fn record_line(r: &Record, zone: &Zone, holder: Option<&str>) -> String {
    let env = &r.envelope;
    let summary = summarize(&Value::Object(env.data.clone()));
    let signer = match holder {
        Some(h) => format!("{} ({h})", env.author.key_id()),
        None => env.author.key_id().to_string(),
    };
    format!(
        "{:>6}  {}  {}@{}  {}  by {}  {}  {}",
        r.seq,
        env.time.local(zone),
        env.stream,
        env.version,
        env.event_type,
        signer,
        &r.hash.to_hex()[..16],
        summary
    )
}

/// A record that does not decode, for `log` and `show`.
pub fn undecodable_line(raw: &RawRecord, why: &str) -> String {
    format!("{:>6}  (undecodable: {why}; run `ledger verify`)", raw.seq)
}

/// A payload in one line of at most 80 characters.
pub fn summarize(data: &Value) -> String {
    let text = serde_json::to_string(data).unwrap_or_default();
    if text.chars().count() > 80 { format!("{}...", text.chars().take(77).collect::<String>()) } else { text }
}

/// Lines of a table aligned by the width a terminal gives each character
/// (a Chinese character takes two columns; comfy-table measures them), no
/// borders, two spaces between columns, the columns in `right` aligned
/// right, no trailing spaces.
pub fn table(header: Option<&[&str]>, rows: Vec<Vec<String>>, right: &[usize]) -> Vec<String> {
    use comfy_table::{CellAlignment, ContentArrangement, Table, presets::NOTHING};
    let mut t = Table::new();
    t.load_preset(NOTHING).set_content_arrangement(ContentArrangement::Disabled);
    if let Some(h) = header {
        t.set_header(h.iter().copied());
    }
    for row in rows {
        t.add_row(row);
    }
    let columns = t.column_count();
    for (i, column) in t.column_iter_mut().enumerate() {
        column.set_padding((0, if i + 1 == columns { 0 } else { 2 }));
        if right.contains(&i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    t.lines().map(|l| l.trim_end().to_owned()).collect()
}

/// The problems a check of the verifiable log found, one per record (a
/// message of several lines indented under its first).
pub fn print_problems(out: &mut Out, problems: &[ledger_engine::tlog::Problem]) -> Result<()> {
    for p in problems {
        let mut lines = p.message.lines();
        out.line(format!("seq {:>6}  {:<11}  {}", p.seq, p.check.name(), lines.next().unwrap_or_default()))?;
        for l in lines {
            out.line(format!("{:27}{l}", ""))?;
        }
    }
    Ok(())
}

// --- commands that sign and append events ------------------------------------------

/// A value of a command's list as the events write it: `policy-preference`
/// is `policy_preference`.
pub fn event_word<T: clap::ValueEnum>(v: T) -> String {
    v.to_possible_value().map(|p| p.get_name().replace('-', "_")).unwrap_or_default()
}

/// What every office command takes.
#[derive(Debug, Args)]
pub struct Signing {
    /// The office's private key (it signs the event).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The events of a command, numbered as the lines of a batch.
pub type Batch = Vec<(usize, Submission)>;

/// One event a command built (line 0).
pub fn one(sub: Submission) -> Batch {
    vec![(0, sub)]
}

/// Events a command built, numbered from 1.
pub fn numbered(subs: Vec<Submission>) -> Batch {
    subs.into_iter().enumerate().map(|(i, s)| (i + 1, s)).collect()
}

/// Builds the events from the domain state as the writer sees it, appends
/// them, prints what was recorded.
pub fn write(
    ctx: &Ctx,
    signing: &Signing,
    out: &mut Out,
    build: impl FnOnce(&ledger_domain::Domain) -> Result<Batch, ledger_engine::Error>,
) -> Result<Outcome> {
    let author = read_private(&signing.key)?;
    let mut ledger = ctx.open()?;
    let subs = build(ledger.domain()?)?;
    let result = ledger.append(&subs, Signer::new(&author), now()?);
    ctx.warnings(&mut ledger);
    report(&ledger, &result?, signing.json, out)?;
    Ok(Outcome::Ok)
}

/// The personal data that events of a batch refer to, by line.
pub type PersonalOps = Vec<(usize, ledger_engine::PersonalOp)>;

/// [`write`], with the personal data the events refer to (kept or erased
/// in the same transaction).
pub fn write_personal(
    ctx: &Ctx,
    signing: &Signing,
    out: &mut Out,
    build: impl FnOnce(&ledger_domain::Domain) -> Result<(Batch, PersonalOps), ledger_engine::Error>,
) -> Result<Outcome> {
    let author = read_private(&signing.key)?;
    let mut ledger = ctx.open()?;
    let (subs, ops) = build(ledger.domain()?)?;
    let result = ledger.append_personal(&subs, &ops, Signer::new(&author), now()?);
    ctx.warnings(&mut ledger);
    report(&ledger, &result?, signing.json, out)?;
    Ok(Outcome::Ok)
}

/// What every command that reads a table of rows takes.
#[derive(Debug, Args)]
pub struct TableArgs {
    /// The table: a CSV file (UTF-8, or GBK as Chinese Excel saves it) or a workbook (.xlsx, .xls, .ods); - reads standard input.
    pub file: PathBuf,
    /// The sheet of a workbook to read (default: the first).
    #[arg(long, value_name = "SHEET")]
    pub sheet: Option<String>,
    /// Check every row against the ledger as it stands, with every rule the command applies, and write nothing.
    #[arg(long)]
    pub check: bool,
}

impl TableArgs {
    /// The table the file holds, every problem of its header at once.
    pub fn read(&self, kind: ledger_engine::csv::Kind) -> Result<ledger_engine::csv::Table> {
        ledger_engine::csv::read(&self.file, kind, self.sheet.as_deref()).map_err(|e| {
            let hint = match &e {
                ledger_engine::Error::Input(_) => None,
                _ => Some("fix the file and run the command again; nothing was written"),
            };
            match hint {
                Some(h) if e.remedy().is_none() => hinted(e.to_string(), h),
                _ => e.into(),
            }
        })
    }
}

/// The most warnings printed; the rest are counted.
const MAX_WARNINGS: usize = 50;

/// A table's rows, decided against the ledger as it stands: every problem
/// of every cell and every refusal of the rules at once (exit 2, nothing
/// written); else appended (or, with `--check`, nothing written), with a
/// line per unit: its rows, new, corrected and unchanged.
pub fn write_table(
    ctx: &Ctx,
    signing: &Signing,
    out: &mut Out,
    args: &TableArgs,
    table: &ledger_engine::csv::Table,
    period: &str,
    round: Option<&str>,
) -> Result<Outcome> {
    let encoding = table.assumed_encoding().map(|e| format!("{} is not UTF-8: it was read as {e}", table.file));
    let author = read_private(&signing.key)?;
    let mut ledger = ctx.open()?;
    let prepared = table.prepare(period, round, ledger.domain()?);
    let write = !args.check && prepared.problems.is_empty();
    let batched = ledger.append_all(&prepared.submissions, Signer::new(&author), now()?, write);
    ctx.warnings(&mut ledger);
    let batched = batched?;
    let mut problems = prepared.problems.clone();
    problems.extend(table.refusals(batched.refused)?);
    if !problems.is_empty() {
        // The missing rows wait for a file without problems.
        let hint = if args.check {
            "nothing was written; fix these cells and check again"
        } else {
            "nothing was written; fix these cells and submit the file again (--check checks it without writing)"
        };
        let hint = match encoding {
            Some(e) => format!("{hint}; {e}"),
            None => hint.to_owned(),
        };
        return Err(hinted(problems.to_string(), hint));
    }
    if let Some(e) = encoding {
        eprintln!("note: {e}");
    }
    for w in prepared.warnings.iter().take(MAX_WARNINGS) {
        eprintln!("warning: {w}");
    }
    if prepared.warnings.len() > MAX_WARNINGS {
        eprintln!("warning: ... and {} more units with rows missing", prepared.warnings.len() - MAX_WARNINGS);
    }
    let summary = prepared.summary(&batched.results, ledger.domain()?);
    if signing.json {
        if args.check {
            out.json(&json!({
                "written": false,
                "units": summary,
                "warnings": prepared.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }))?;
        } else {
            report(&ledger, &batched.results, true, out)?;
        }
        return Ok(Outcome::Ok);
    }
    for s in &summary {
        out.line(s.to_string())?;
    }
    if args.check {
        out.line(format!("check: every row of {} passes; nothing was written", table.file))?;
    }
    Ok(Outcome::Ok)
}

/// One line per event recorded: its seq, type, stream and a summary.
pub fn report(ledger: &Ledger, results: &[Appended], json_out: bool, out: &mut Out) -> Result<()> {
    let mut items = Vec::new();
    for r in results {
        let record = ledger.record(r.seq)?;
        let data = Value::Object(record.envelope.data.clone());
        let summary = summarize(&data);
        if r.existing {
            eprintln!(
                "line {}: already recorded at seq {} (same event id and content); nothing new appended",
                r.line, r.seq
            );
        }
        if json_out {
            items.push(json!({
                "line": r.line, "seq": r.seq, "status": if r.existing { "existing" } else { "appended" },
                "type": record.envelope.event_type, "stream": record.envelope.stream, "data": data,
            }));
        } else {
            out.line(format!("{:>6}  {}  {}  {summary}", r.seq, record.envelope.event_type, record.envelope.stream))?;
        }
    }
    if json_out {
        out.json(&json!({"appended": results.iter().filter(|r| !r.existing).count(), "events": items}))?;
    }
    Ok(())
}

// --- commands that read a verified view --------------------------------------------

/// What every read command takes.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Show the numbers of a ledger that fails verification anyway, marked UNVERIFIED (exit 0).
    #[arg(long)]
    pub allow_unverified: bool,
}

/// `--period` as a clerk writes it: `2022`, `2022年`, `2022年度`, in ASCII
/// or full-width digits; the period's name comes out (`2022`).
pub fn period_arg(text: &str) -> std::result::Result<String, String> {
    let t = ledger_core::time::half_width(text.trim());
    let t = t.strip_suffix("年度").or_else(|| t.strip_suffix('年')).unwrap_or(&t);
    let named = t.len() <= 64
        && t.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if named {
        Ok(t.to_owned())
    } else {
        Err(format!("{text:?} is not a period: give its name, the year of assessment (2022 or 2022年)"))
    }
}

/// `--as-of`: a sequence number, or a time as a person writes it (RFC 3339
/// with any offset, or a date, `2023-03-05`, `2023/3/5`, `2023年3月5日`:
/// the end of that day in the ledger's time zone). Eight digits that name
/// no record but a day (`20230305`) are refused with the date they may
/// mean, not read as the head.
pub fn parse_as_of(ctx: &Ctx, text: Option<&str>) -> Result<AsOf> {
    let Some(text) = text else { return Ok(AsOf::End) };
    let digits = ledger_core::time::half_width(text.trim());
    if let Ok(seq) = digits.parse::<u64>() {
        if digits.len() == 8
            && let Some(day) =
                ledger_core::time::written_date(&format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..]))
        {
            let head = ctx.open_read_only()?.head()?.seq;
            if seq > head {
                return Err(hinted(
                    format!("--as-of {text}: the ledger has no record {seq} (its records are 0 to {head})"),
                    format!("for the end of the day {day}, write --as-of {day}"),
                ));
            }
        }
        return Ok(AsOf::Seq(seq));
    }
    let zone = ctx.open_read_only()?.time_zone()?;
    Timestamp::parse_any(text, &zone).map(AsOf::Time).map_err(|_| {
        hinted(
            format!("--as-of {text:?} is neither a sequence number nor a time"),
            "give a sequence number (e.g. 1234), a time (2023-03-05T12:00:00+08:00) or a date (2023-03-05, 2023/3/5 or 2023年3月5日: the end of that day in the ledger's time zone)",
        )
    })
}

/// The view a read command shows, or `None` when the ledger fails
/// verification and the banner saying so was printed instead (exit 1).
pub fn verified_view(ctx: &Ctx, as_of: AsOf, read: &ReadArgs, out: &mut Out) -> Result<Option<(Ledger, View)>> {
    let mut ledger = ctx.open_read_only()?;
    let view = ledger.view(as_of);
    ctx.warnings(&mut ledger);
    let view = view?;
    let checked = &view.checked;
    if checked.ok {
        return Ok(Some((ledger, view)));
    }
    let first = checked
        .first()
        .map_or_else(String::new, |f| format!("; the first: seq {} ({}): {}", f.seq, f.check.name(), f.message));
    if !read.allow_unverified {
        if read.json {
            out.json(&json!({
                "ledger_verified": false,
                "verification": checked,
                "error": "the ledger fails verification: nothing from it is shown; run `ledger verify`, or pass --allow-unverified",
            }))?;
        } else {
            out.line(format!("LEDGER FAILS VERIFICATION: {} problem(s){first}", checked.findings.len()))?;
            out.line(
                "nothing from it is shown: run `ledger verify` for every problem, or pass --allow-unverified to see the numbers anyway, marked UNVERIFIED",
            )?;
        }
        return Ok(None);
    }
    if !read.json {
        out.line(format!(
            "UNVERIFIED: the ledger fails verification ({} problem(s){first}). The records that fail are left out of what follows; do not rely on it.",
            checked.findings.len()
        ))?;
    }
    Ok(Some((ledger, view)))
}

/// A JSON result with the verification it rests on.
pub fn with_verification(mut value: Value, view: &View) -> Value {
    value["ledger_verified"] = json!(view.checked.ok);
    value["verification"] = json!(view.checked);
    value
}

#[cfg(test)]
mod tests {
    use super::{input_flag, remedy_hint};
    use ledger_engine::{Input, Remedy};

    #[test]
    fn remedies_read_as_the_commands_that_carry_them_out() {
        assert_eq!(
            remedy_hint(&Remedy::AuthoriseKey { role: "log".into() }),
            "authorise it as the log key: `ledger key authorize --key ROOT.key --pub LOG.pub --holder \"...\" --role log`"
        );
        assert_eq!(remedy_hint(&Remedy::Verify { seq: None }), "run `ledger verify` to see every problem");
        assert!(remedy_hint(&Remedy::SignCheckpoint { newer: true }).starts_with("sign a newer checkpoint"));
        assert!(remedy_hint(&Remedy::DecideAgain { stream: Some("notes".into()) }).contains("expected_version"));
        // A missing or unusable option is named by its flag.
        for input in
            [Input::Year, Input::Policy, Input::LogVkey, Input::WitnessVkey, Input::ConsistencyProof, Input::Tls]
        {
            let flag = input_flag(input).split(' ').next().unwrap_or_default();
            assert!(remedy_hint(&Remedy::GiveInput { input }).contains(flag), "{input:?}");
        }
        for input in [Input::Value, Input::SuppliedArea, Input::PlannedInvestment, Input::RecordHash, Input::LogVkey] {
            assert!(remedy_hint(&Remedy::FixInput { input }).contains(input_flag(input)), "{input:?}");
        }
    }
}
