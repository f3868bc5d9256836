//! The assessment commands: demo, submit (CSV), catalog, units, publish,
//! finalize, scores, explain, audit. Every read shows first whether the
//! ledger verifies, and shows nothing from one that does not unless asked.

use crate::commands::{Ctx, read_private};
use crate::output::Out;
use crate::{Outcome, hinted};
use anyhow::Result;
use clap::{Args, Subcommand};
use ledger_core::Timestamp;
use ledger_core::verify::Options;
use ledger_domain::AsOf;
use ledger_node::attest::Attest;
use ledger_node::query::{Scoreboard, Status};
use ledger_node::view::View;
use ledger_node::{Ledger, Signer};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The assessment commands.
#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Build the demonstration ledger (keys, events, scores, verification) in DIR.
    #[command(after_help = "Examples:
  ledger demo                    # ledger/demo/: ledger.db, keys/ (root, authority, statistics, ...), report.html
  ledger demo --dir /tmp/demo")]
    Demo {
        /// Where: DIR/ledger.db and DIR/keys/. Rebuilt on each run.
        #[arg(long, default_value = "ledger/demo", value_name = "DIR")]
        dir: PathBuf,
    },
    /// Submit measured values from CSV: all rows or none. Header unit,indicator,value[,evidence,evidence_title,measure,note] (or 单位,指标,数值,证据,证据名称,计量单位,备注); units and indicators by id or name.
    #[command(after_help = "Examples:
  ledger submit --period 2023 --key keys/statistics.key values-2023.csv
  ledger submit --period 2023 --key keys/statistics.key --corrections fixes.csv   # unit,indicator,value,reason
  ledger submit --period 2023 --round 2023-Q1 --key keys/statistics.key q1.csv     # in-year values of a monitoring round")]
    Submit {
        /// The period, e.g. 2022.
        #[arg(long)]
        period: String,
        /// The monitoring round the values (or corrections) are of: in-year values, kept apart from the annual ones.
        #[arg(long)]
        round: Option<String>,
        /// The CSV file.
        file: PathBuf,
        /// The file corrects submitted values: unit,indicator,value,reason (or 单位,指标,数值,原因).
        #[arg(long)]
        corrections: bool,
        #[command(flatten)]
        signing: crate::office::Signing,
    },
    /// Where each value of a period stands: missing, submitted, returned, verified, corrected, objected.
    #[command(after_help = "Examples:
  ledger status --period 2023
  ledger status --period 2023 --unit 商河县 --json")]
    Status {
        /// The period.
        #[arg(long)]
        period: String,
        /// Only this unit (id or name).
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// List the indicator catalog.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db catalog
  ledger catalog --json")]
    Catalog(ReadArgs),
    /// List the assessed units (of a period, or all with their history).
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db units --period 2018   # no Laiwu yet: it joined in 2019
  ledger units                                            # every unit, with its history")]
    Units {
        /// Only the units of this period.
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// List the major-project library with each project's stage history (and the library's projection hash).
    #[command(
        after_help = "Examples:\n  ledger --db ledger/demo/ledger.db projects\n  ledger --db ledger/demo/ledger.db projects --unit 章丘区 --stage construction\n  ledger --db ledger/demo/ledger.db projects --json"
    )]
    Projects {
        /// Only the projects of this unit (id or name).
        #[arg(long)]
        unit: Option<String>,
        /// Only the projects in this stage.
        #[arg(long, value_enum)]
        stage: Option<crate::office::StageArg>,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// List the plan's policy measures and the land use reported (and the monitoring projection hash).
    #[command(
        after_help = "Examples:\n  ledger --db ledger/demo/ledger.db monitoring\n  ledger --db ledger/demo/ledger.db monitoring --json"
    )]
    Monitoring(ReadArgs),
    /// Publish a period's scores (opens the objection window): computes and attests the projection hash.
    #[command(after_help = "Examples:
  ledger publish --period 2023 --window-until 2024-03-15 --key keys/assessment.key
  ledger publish --period 2023 --window-until 2024-03-15 --allow-incomplete --key keys/assessment.key")]
    Publish {
        /// The assessment office's private key.
        #[arg(long)]
        key: PathBuf,
        /// The period.
        #[arg(long)]
        period: String,
        /// Last day objections may be filed (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        window_until: String,
        /// Publish although values are missing (the publication records how many).
        #[arg(long)]
        allow_incomplete: bool,
    },
    /// Finalise a period: computes and attests the projection hash.
    #[command(after_help = "Examples:
  ledger finalize --period 2023 --key keys/assessment.key   # after the window, every objection resolved")]
    Finalize {
        /// The assessment office's private key.
        #[arg(long)]
        key: PathBuf,
        /// The period.
        #[arg(long)]
        period: String,
    },
    /// Scores of a period: composite, rank, grade, per indicator, consequences.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db scores --period 2022
  ledger scores --period 2022 --as-of 2023-03-05             # as published, before the objections
  ledger scores --period 2022 --format xlsx --out 2022.xlsx  # also: --trend, --format csv")]
    Scores(ScoresArgs),
    /// How each number of a unit's result was derived, event by event, clause by clause.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db explain --period 2022 --unit 商河县 --indicator 10
  ledger explain --period 2022 --unit shanghe --format md > shanghe-2022.md")]
    Explain {
        /// The period.
        #[arg(long)]
        period: String,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// Only this indicator.
        #[arg(long)]
        indicator: Option<String>,
        /// As the ledger stood at this sequence number or time.
        #[arg(long, value_name = "SEQ|TIME")]
        as_of: Option<String>,
        /// text, json (as --json) or md (a Markdown document).
        #[arg(long, value_enum, default_value_t = crate::report::ExplainFormat::Text, conflicts_with = "json")]
        format: crate::report::ExplainFormat,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Write the assessment report: one self-contained HTML file (ranking, heat map, trends, changes, unit by unit, chain status).
    Report(crate::report::ReportArgs),
    /// Compare recorded rewards and sanctions with what the rules imply: exit 1 when there are findings.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db audit
  ledger audit --period 2022 --json")]
    Audit {
        /// Only this period.
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        read: ReadArgs,
    },
}

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

/// Arguments of `ledger scores`.
#[derive(Debug, Args)]
pub struct ScoresArgs {
    /// The period.
    #[arg(long, required_unless_present = "trend")]
    pub period: Option<String>,
    /// Every unit's composite across every period (with --period too, in an XLSX workbook).
    #[arg(long)]
    pub trend: bool,
    /// text, json (as --json), csv or xlsx (needs --out).
    #[arg(long, value_enum, default_value_t = crate::report::ScoresFormat::Text, conflicts_with = "json")]
    pub format: crate::report::ScoresFormat,
    /// With --format csv or xlsx: the file to write (CSV goes to stdout without it).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// As the ledger stood at this sequence number, or time (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "SEQ|TIME")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(ctx: &Ctx, command: DomainCommand, out: &mut Out) -> Result<Outcome> {
    match command {
        DomainCommand::Demo { dir } => demo(ctx, &dir, out),
        DomainCommand::Submit { period, round, file, corrections, signing } => {
            let kind = if corrections { ledger_node::csv::Kind::Corrections } else { ledger_node::csv::Kind::Values };
            let table = ledger_node::csv::read(&file, kind)?;
            crate::office::write_table(ctx, &signing, out, &table, &period, round.as_deref())
        }
        DomainCommand::Status { period, unit, read } => status(ctx, &period, unit.as_deref(), &read, out),
        DomainCommand::Catalog(read) => catalog(ctx, &read, out),
        DomainCommand::Units { period, read } => units(ctx, period.as_deref(), &read, out),
        DomainCommand::Projects { unit, stage, read } => projects(ctx, unit.as_deref(), stage, &read, out),
        DomainCommand::Monitoring(read) => monitoring(ctx, &read, out),
        DomainCommand::Publish { key, period, window_until, allow_incomplete } => {
            attest(ctx, &key, &period, &Attest::Publish { window_until, allow_incomplete }, out)
        }
        DomainCommand::Finalize { key, period } => attest(ctx, &key, &period, &Attest::Finalize, out),
        DomainCommand::Scores(args) => scores(ctx, &args, out),
        DomainCommand::Explain { period, unit, indicator, as_of, format, read } => {
            let read = ReadArgs { json: read.json || format == crate::report::ExplainFormat::Json, ..read };
            let md = format == crate::report::ExplainFormat::Md;
            explain(ctx, &period, &unit, indicator.as_deref(), as_of.as_deref(), &read, md, out)
        }
        DomainCommand::Report(args) => crate::report::report(ctx, &args, out),
        DomainCommand::Audit { period, read } => audit(ctx, period.as_deref(), &read, out),
    }
}

// --- the verified view ------------------------------------------------------

/// `--as-of`: a sequence number, or a time as a person writes it (RFC 3339
/// with any offset, or a bare date: the end of that day in the ledger's
/// time zone).
fn parse_as_of(ctx: &Ctx, text: Option<&str>) -> Result<AsOf> {
    let Some(text) = text else { return Ok(AsOf::End) };
    if let Ok(seq) = text.parse::<u64>() {
        return Ok(AsOf::Seq(seq));
    }
    let zone = ctx.open_read_only()?.time_zone()?;
    Timestamp::parse_any(text, &zone).map(AsOf::Time).map_err(|_| {
        hinted(
            format!("--as-of {text:?} is neither a sequence number nor a time"),
            "give a sequence number (e.g. 1234), a time (2023-03-05T12:00:00+08:00) or a date (2023-03-05, meaning the end of that day in the ledger's time zone)",
        )
    })
}

/// The view a read command shows, or `None` when the ledger fails
/// verification and the banner saying so was printed instead (exit 1).
fn verified_view(ctx: &Ctx, as_of: AsOf, read: &ReadArgs, out: &mut Out) -> Result<Option<(Ledger, View)>> {
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
fn with_verification(mut value: Value, view: &View) -> Value {
    value["ledger_verified"] = json!(view.checked.ok);
    value["verification"] = json!(view.checked);
    value
}

// --- attestation --------------------------------------------------------------

fn attest(ctx: &Ctx, key: &Path, period: &str, what: &Attest, out: &mut Out) -> Result<Outcome> {
    let author = read_private(key)?;
    let mut ledger = ctx.open()?;
    let result = ledger_node::attest::attest(&mut ledger, period, what, Signer::new(&author), crate::now()?);
    ctx.warnings(&mut ledger);
    let (appended, attested) = result?;
    crate::office::report(&ledger, &appended, false, out)?;
    out.line(format!("{}: projection hash {}", attested.event_type, attested.projection_hash))?;
    Ok(Outcome::Ok)
}

// --- listings -------------------------------------------------------------------

fn catalog(ctx: &Ctx, read: &ReadArgs, out: &mut Out) -> Result<Outcome> {
    let Some((_, view)) = verified_view(ctx, AsOf::End, read, out)? else { return Ok(Outcome::Failed) };
    let defs = view.catalog();
    if read.json {
        let items: Vec<Value> = defs.iter().map(|(seq, def)| json!({"seq": seq, "definition": def})).collect();
        out.json(&with_verification(json!({"indicators": items}), &view))?;
        return Ok(Outcome::Ok);
    }
    let point = |p: &ledger_domain::events::Point| {
        let v = p.value.map(|v| v.0.to_string()).unwrap_or_else(|| "-".into());
        let y = p.year.map(|y| format!(" ({y})")).unwrap_or_default();
        format!("{v}{y}")
    };
    let rows = defs
        .iter()
        .map(|(_, def)| {
            vec![
                def.id.clone(),
                def.name_zh.clone(),
                def.name_en.clone(),
                def.unit.clone(),
                point(&def.baseline),
                "->".to_owned(),
                point(&def.target),
                if def.auxiliary { "auxiliary".to_owned() } else { String::new() },
            ]
        })
        .collect();
    for line in crate::output::table(None, rows, &[0, 4]) {
        out.line(line)?;
    }
    Ok(Outcome::Ok)
}

fn units(ctx: &Ctx, period: Option<&str>, read: &ReadArgs, out: &mut Out) -> Result<Outcome> {
    let Some((_, view)) = verified_view(ctx, AsOf::End, read, out)? else { return Ok(Outcome::Failed) };
    let units = view.units(period)?;
    // A period's units carry the names and kind they had in its year.
    let year = period.map(|p| view.period(p).map(|p| p.year)).transpose()?;
    if read.json {
        let listed: Vec<serde_json::Value> = units
            .iter()
            .map(|u| {
                let mut v = serde_json::to_value(u).unwrap_or_default();
                if let Some(then) = year.map(|y| u.as_of(y)) {
                    v["current"] = json!({"name_zh": u.name_zh, "name_en": u.name_en, "kind": u.kind});
                    v["name_zh"] = json!(then.name_zh);
                    v["name_en"] = json!(then.name_en);
                    v["kind"] = json!(then.kind);
                }
                v
            })
            .collect();
        out.json(&with_verification(json!({"period": period, "units": listed}), &view))?;
        return Ok(Outcome::Ok);
    }
    for u in units {
        let until = u.until.as_ref().map(|d| format!(" until {}", d.0)).unwrap_or_default();
        let (name_zh, name_en, kind) = match year.map(|y| u.as_of(y)) {
            Some(then) => (then.name_zh, then.name_en, then.kind),
            None => (u.name_zh.clone(), u.name_en.clone(), u.kind),
        };
        out.line(format!("{:<10} {name_zh} {name_en} ({}), from {}{until}", u.id, kind_words(kind), u.from.0))?;
        if period.is_none() {
            for (seq, date, what) in &u.history {
                out.line(format!("             seq {seq:>5}  {date}  {what}"))?;
            }
        }
    }
    Ok(Outcome::Ok)
}

fn projects(
    ctx: &Ctx,
    unit: Option<&str>,
    stage: Option<crate::office::StageArg>,
    read: &ReadArgs,
    out: &mut Out,
) -> Result<Outcome> {
    let Some((_, view)) = verified_view(ctx, AsOf::End, read, out)? else { return Ok(Outcome::Failed) };
    let (rows, hash) = ledger_node::projects::list(view.domain(), unit, stage.map(|s| s.stage()))?;
    if read.json {
        out.json(&with_verification(json!({"projects": rows, "library_hash": hash}), &view))?;
        return Ok(Outcome::Ok);
    }
    if rows.is_empty() {
        out.line("no projects")?;
    }
    for r in &rows {
        let p = r.project;
        let done = r.investment_completed.as_deref().unwrap_or("?");
        let state = match (&p.completed, &p.evaluation) {
            (_, Some((_, e))) => format!(
                "{}, evaluated {}",
                p.stage.name(),
                serde_json::to_value(e.rating).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
            ),
            (Some((_, date, _)), None) => format!("{}, completed {date}", p.stage.name()),
            (None, None) => p.stage.name().to_owned(),
        };
        out.line(format!(
            "{} {} {} [{}] {} — {state}; planned {} {}, completed so far {done} {}",
            p.id, p.name_zh, p.name_en, p.unit, p.sector, p.planned_investment.0, r.investment_unit, r.investment_unit
        ))?;
        for s in &p.stages {
            let from = s.from.map(|f| format!("{} -> ", f.name())).unwrap_or_default();
            let by = s.approved_by.as_deref().map(|b| format!(", approved by {b}")).unwrap_or_default();
            let demotion = s.demotion_reason.as_deref().map(|r| format!(", DEMOTION: {r}")).unwrap_or_default();
            out.line(format!("    seq {:>5}  {}{}  {}{by}{demotion}", s.seq, from, s.to.name(), s.basis))?;
        }
        for g in &p.progress {
            out.line(format!(
                "    seq {:>5}  progress {}: {} {}, {}",
                g.seq, g.period, g.investment_completed.0, r.investment_unit, g.milestone
            ))?;
        }
    }
    out.line(format!("library hash {hash}"))?;
    Ok(Outcome::Ok)
}

fn monitoring(ctx: &Ctx, read: &ReadArgs, out: &mut Out) -> Result<Outcome> {
    let Some((_, view)) = verified_view(ctx, AsOf::End, read, out)? else { return Ok(Outcome::Failed) };
    let d = view.domain();
    if read.json {
        out.json(&with_verification(ledger_node::monitoring::listing(d), &view))?;
        return Ok(Outcome::Ok);
    }
    for (id, m) in &d.measures {
        let due = m.definition.due.as_ref().map(|x| format!(", due {}", x.0)).unwrap_or_default();
        let status =
            serde_json::to_value(m.status()).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        out.line(format!(
            "measure {id} {} {} [{}{due}] — {status}",
            m.definition.title_zh, m.definition.title_en, m.definition.lead_office
        ))?;
        for (seq, r) in &m.reports {
            out.line(format!("    seq {seq:>5}  {}: {}", r.period, r.text))?;
        }
    }
    for (unit, reports) in &d.land_use {
        for (seq, r) in reports {
            let projects =
                if r.projects.is_empty() { String::new() } else { format!(", for {}", r.projects.join(", ")) };
            out.line(format!(
                "land {unit} {}: supplied {} ha, used {} ha{projects} (seq {seq})",
                r.period, r.supplied_ha.0, r.used_ha.0
            ))?;
        }
    }
    out.line(format!("monitoring hash {}", ledger_domain::monitoring::projection_hash(d)))?;
    Ok(Outcome::Ok)
}

fn status(ctx: &Ctx, period: &str, unit: Option<&str>, read: &ReadArgs, out: &mut Out) -> Result<Outcome> {
    let Some((_, view)) = verified_view(ctx, AsOf::End, read, out)? else { return Ok(Outcome::Failed) };
    let (state, values) = ledger_node::office::status(view.domain(), period, unit)?;
    let process = ledger_node::office::process_status(view.domain(), period, unit)?;
    let missing = values.iter().filter(|v| matches!(v.status, "missing" | "returned")).count();
    if read.json {
        let mut v = json!({"period": period, "state": state, "missing": missing, "values": values});
        if !process.is_empty() {
            v["process"] = serde_json::to_value(&process)?;
        }
        out.json(&with_verification(v, &view))?;
        return Ok(Outcome::Ok);
    }
    let year = view.period(period)?.year;
    let mut by_unit: std::collections::BTreeMap<&str, Vec<&ledger_node::office::ValueStatus>> = Default::default();
    for v in &values {
        by_unit.entry(v.unit.as_str()).or_default().push(v);
    }
    for (u, vs) in &by_unit {
        let name = view.domain().units.get(*u).map(|x| x.as_of(year).name_zh).unwrap_or_default();
        let count = |s: &str| vs.iter().filter(|v| v.status == s).count();
        let missing: Vec<&str> =
            vs.iter().filter(|v| matches!(v.status, "missing" | "returned")).map(|v| v.indicator.as_str()).collect();
        out.line(format!(
            "{u:<10} {name:<8} submitted {:>2}  verified {:>2}  corrected {:>2}  objected {:>2}  returned {:>2}  missing {:>2}{}",
            count("submitted"),
            count("verified"),
            count("corrected"),
            count("objected"),
            count("returned"),
            count("missing"),
            if missing.is_empty() { String::new() } else { format!("  ({})", missing.join(" ")) }
        ))?;
    }
    out.line(format!("{missing} value(s) missing or returned of {} in period {period}", values.len()))?;
    let p = view.period(period)?;
    let projects_scored = view
        .domain()
        .policies
        .get(&(p.policy.id.clone(), p.policy.version))
        .and_then(|a| a.policy.process.as_ref())
        .is_some_and(|c| c.parts.iter().any(|x| x.measure.name() == "project_reporting"));
    let cutoff = ledger_domain::process::cutoff(view.domain(), p).local(&view.domain().zone());
    print_process(&process, view.domain(), year, projects_scored, &cutoff, out)?;
    Ok(Outcome::Ok)
}

/// The in-year record under `status`: per unit, reports on time, late and
/// missing, and supervision findings open, overdue and closed.
fn print_process(
    process: &[ledger_node::office::UnitProcess],
    domain: &ledger_domain::Domain,
    year: i32,
    projects_scored: bool,
    cutoff: &str,
    out: &mut Out,
) -> Result<()> {
    use ledger_domain::process::ReportState;
    if process.is_empty() {
        return Ok(());
    }
    out.line("")?;
    out.line(format!(
        "In-year record (process assessment 过程考核: monitoring rounds and supervision findings), as of {cutoff} (the publication, or while the period is open the latest record):"
    ))?;
    for p in process {
        let name = domain.units.get(&p.unit).map(|x| x.as_of(year).name_zh).unwrap_or_default();
        let n = |s: ReportState| p.reports.iter().filter(|r| r.status == s).count();
        let late: Vec<String> = p
            .reports
            .iter()
            .filter(|r| matches!(r.status, ReportState::Late | ReportState::Missing))
            .map(|r| {
                let what = if r.status == ReportState::Late { "late" } else { "missing" };
                format!("{} {} {what}", r.round, r.indicator)
            })
            .collect();
        let f = |s: &str| p.findings.iter().filter(|x| x.status == s).count();
        let projects = if projects_scored {
            format!("  projects reported {} of {}", p.counts.projects_reported, p.counts.projects_due)
        } else {
            String::new()
        };
        out.line(format!(
            "{:<10} {name:<8} reports on time {:>2}  late {:>2}  missing {:>2}  not due {:>2}   findings open {}  overdue {}  closed {}  closed late {}{projects}{}",
            p.unit,
            n(ReportState::OnTime),
            n(ReportState::Late),
            n(ReportState::Missing),
            n(ReportState::NotDue),
            f("open"),
            f("overdue"),
            f("closed"),
            f("closed_late"),
            if late.is_empty() { String::new() } else { format!("  ({})", late.join(", ")) }
        ))?;
        for x in p.findings.iter().filter(|x| matches!(x.status, "open" | "overdue" | "closed_late")) {
            out.line(format!(
                "    {} {} {}, follow-up due {}: {}",
                x.finding,
                format!("{:?}", x.severity).to_lowercase(),
                x.status,
                x.follow_up_due,
                x.text
            ))?;
        }
    }
    Ok(())
}

// --- scores ---------------------------------------------------------------------

fn scores(ctx: &Ctx, args: &ScoresArgs, out: &mut Out) -> Result<Outcome> {
    use crate::report::ScoresFormat;
    let as_of = parse_as_of(ctx, args.as_of.as_deref())?;
    let json = args.read.json || args.format == ScoresFormat::Json;
    let read = ReadArgs { json, allow_unverified: args.read.allow_unverified };
    let Some((_, view)) = verified_view(ctx, as_of, &read, out)? else { return Ok(Outcome::Failed) };
    let trend = if args.trend { Some(view.trend()?) } else { None };
    let board = args.period.as_deref().map(|p| view.scoreboard(p)).transpose()?;
    if matches!(args.format, ScoresFormat::Csv | ScoresFormat::Xlsx) {
        crate::report::scores_export(&view, board.as_ref(), trend.as_ref(), args.format, args.out.as_deref(), out)?;
        return Ok(Outcome::Ok);
    }
    let Some(board) = board else {
        let trend = trend.unwrap_or_else(|| ledger_node::query::Trend { periods: Vec::new(), units: Vec::new() });
        if json {
            out.json(&with_verification(serde_json::to_value(&trend)?, &view))?;
        } else {
            crate::report::print_trend(&trend, out)?;
        }
        return Ok(Outcome::Ok);
    };
    if json {
        out.json(&with_verification(serde_json::to_value(&board)?, &view))?;
    } else {
        print_scoreboard(&board, &view.domain().zone(), out)?;
    }
    Ok(Outcome::Ok)
}

/// A unit's kind as people say it: `district`, `county`, `functional zone`.
fn kind_words(kind: ledger_domain::events::UnitKind) -> &'static str {
    use ledger_domain::events::UnitKind;
    match kind {
        UnitKind::District => "district",
        UnitKind::County => "county",
        UnitKind::FunctionalZone => "functional zone",
    }
}

/// The scoreboard as text.
pub fn print_scoreboard(b: &Scoreboard, zone: &ledger_core::time::Zone, out: &mut Out) -> Result<()> {
    let state = match &b.status {
        Status::Finalized { seq, .. } => format!("finalised at seq {seq}"),
        Status::Published { seq, window_until } => {
            format!("published at seq {seq}, objections until {}", crate::output::local(window_until, zone))
        }
        Status::Open => "open".to_owned(),
    };
    out.line(format!(
        "Period {}  policy {} v{}  as of seq {}  ({state})",
        b.period, b.policy.id, b.policy.version, b.as_of
    ))?;
    out.line(format!("projection hash {}", b.projection_hash))?;
    let mut rows = Vec::new();
    // The process component (过程考核), when the policy has one: its points
    // per part, e.g. "0 + 2" of parts Q1 and Q2.
    let process_ids: Vec<&str> = b
        .units
        .iter()
        .find(|u| !u.process.is_empty())
        .map(|u| u.process.iter().map(|p| p.id.as_str()).collect())
        .unwrap_or_default();
    for u in &b.units {
        let consequences: Vec<String> = u
            .consequences
            .iter()
            .map(|c| match &c.amount {
                Some(a) => format!("{} {a}", c.kind),
                None => c.kind.clone(),
            })
            .collect();
        let vetoed = if u.vetoes.is_empty() { "" } else { " (veto)" };
        let mut row = vec![
            u.rank.map(|r| r.to_string()).unwrap_or_else(|| "-".into()),
            u.unit.clone(),
            format!("{} {}", u.name_zh.as_deref().unwrap_or(""), u.name.as_deref().unwrap_or("")).trim().to_owned(),
            u.score.clone(),
        ];
        if !process_ids.is_empty() {
            let parts: Vec<&str> = u.process.iter().map(|p| p.score.as_str()).collect();
            row.push(if parts.is_empty() { "-".to_owned() } else { parts.join(" + ") });
        }
        row.push(format!("{}{vetoed}", u.grade));
        row.push(consequences.join(", "));
        rows.push(row);
    }
    let process_header = format!("process {}", process_ids.join("+"));
    let mut header = vec!["rank", "unit", "name", "score"];
    if !process_ids.is_empty() {
        header.push(&process_header);
    }
    header.extend(["grade", "consequences"]);
    for line in crate::output::table(Some(&header), rows, &[0, 3]) {
        out.line(line)?;
    }
    let anomalies = b.anomalies.len() + b.replay_anomalies.len();
    if anomalies > 0 {
        out.line(format!("{anomalies} anomaly(ies): see --json"))?;
    }
    Ok(())
}

// --- explain --------------------------------------------------------------------

#[allow(clippy::too_many_arguments)] // the arguments of one command
fn explain(
    ctx: &Ctx,
    period: &str,
    unit: &str,
    indicator: Option<&str>,
    as_of: Option<&str>,
    read: &ReadArgs,
    md: bool,
    out: &mut Out,
) -> Result<Outcome> {
    let as_of = parse_as_of(ctx, as_of)?;
    let Some((ledger, view)) = verified_view(ctx, as_of, read, out)? else { return Ok(Outcome::Failed) };
    let e = view.explain(&ledger, period, unit, indicator)?;
    let zone = view.domain().zone();
    if read.json {
        out.json(&with_verification(serde_json::to_value(&e)?, &view))?;
        return Ok(Outcome::Ok);
    }
    if md {
        crate::report::explain_md(&view, &e, out)?;
        return Ok(Outcome::Ok);
    }
    out.line(format!(
        "{unit} in period {period} (policy {} v{}, as of seq {}): score {}, rank {}, grade {}",
        e.policy.id,
        e.policy.version,
        e.as_of,
        e.score,
        e.rank.map(|r| r.to_string()).unwrap_or_else(|| "-".into()),
        e.grade
    ))?;
    for i in &e.indicators {
        out.line("")?;
        out.line(format!("indicator {}: {}", i.indicator, i.name.as_deref().unwrap_or("")))?;
        for h in &i.provenance {
            let e = &h.event;
            let mut line = format!(
                "  seq {:>6}  {}  {:<18}",
                e.seq,
                e.time.as_deref().map(|t| crate::output::local(t, &zone)).unwrap_or_default(),
                h.step
            );
            if let Some(v) = &h.value {
                line.push_str(&format!(" value {v}"));
            }
            if let Some(d) = &h.detail {
                line.push_str(&format!(" ({d})"));
            }
            match (&e.office, &e.signer) {
                (Some(o), Some(k)) => line.push_str(&format!("  by {o} [{k}]")),
                (None, Some(k)) => line.push_str(&format!("  by key {k}")),
                _ => {}
            }
            out.line(line)?;
        }
        if let Some(v) = &i.value {
            out.line(format!("  value scored {v}"))?;
        }
        out.line(format!("  method {} (clause {}), weight {}", i.method, i.clause, i.weight))?;
        for s in &i.steps {
            out.line(format!("    {s}"))?;
        }
    }
    if indicator.is_none() && !e.process.is_empty() {
        out.line("")?;
        out.line("process component (过程考核):")?;
        for part in &e.process {
            let p = &part.part;
            out.line(format!("  {} {} (clause {}): {} of {} points", p.id, p.measure, p.clause, p.score, p.points))?;
            out.line(format!("    {}", p.basis))?;
            for ev in &part.events {
                let mut line = format!(
                    "    seq {:>6}  {}  {}",
                    ev.seq,
                    ev.time.as_deref().map(|t| crate::output::local(t, &zone)).unwrap_or_default(),
                    ev.event_type.as_deref().unwrap_or("?")
                );
                if let Some(o) = &ev.office {
                    line.push_str(&format!("  by {o}"));
                }
                out.line(line)?;
            }
        }
    }
    if indicator.is_none() {
        out.line("")?;
        out.line("composite, grade, rank and consequences:")?;
        for s in &e.steps {
            out.line(format!("    {s}"))?;
        }
    }
    Ok(Outcome::Ok)
}

// --- audit ----------------------------------------------------------------------

fn audit(ctx: &Ctx, period: Option<&str>, read: &ReadArgs, out: &mut Out) -> Result<Outcome> {
    let Some((_, view)) = verified_view(ctx, AsOf::End, read, out)? else { return Ok(Outcome::Failed) };
    let audit = view.audit(period)?;
    if read.json {
        out.json(&with_verification(serde_json::to_value(&audit)?, &view))?;
    } else if audit.ok {
        out.line(format!(
            "ok: every recorded reward and accountability action in {} period(s) matches the adopted rules",
            audit.periods
        ))?;
    } else {
        out.line(format!("{} finding(s):", audit.findings.len()))?;
        for f in &audit.findings {
            let events: Vec<String> = f.events.iter().map(u64::to_string).collect();
            out.line(format!(
                "  {} {:<10} {:<32} {} (seq {})",
                f.period,
                f.unit,
                f.finding,
                f.message,
                events.join(", ")
            ))?;
        }
    }
    Ok(if audit.ok { Outcome::Ok } else { Outcome::Failed })
}

// --- demo -----------------------------------------------------------------------

fn demo(ctx: &Ctx, dir: &Path, out: &mut Out) -> Result<Outcome> {
    ledger_node::demo::check_dir(dir)?;
    eprintln!("building the demonstration ledger in {} ...", dir.display());
    let demo = ledger_node::demo::build(dir, ctx.cache.clone())?;
    let mut ledger = Ledger::open_read_only(&demo.db, ctx.cache.clone())?;
    let verification =
        ledger.verify(Options { trusted_roots: vec![demo.root], expect_head: None, ..Options::default() })?;
    let view = ledger.view(AsOf::End)?;
    ctx.warnings(&mut ledger);
    print_scoreboard(&view.scoreboard("2022")?, &view.domain().zone(), out)?;
    out.line("")?;
    let audit = view.audit(None)?;
    let report = verification.report;
    let head = report.head.map(|h| h.to_hex()).unwrap_or_default();
    if report.ok() {
        out.line(format!(
            "verify: ok, {} records, genesis names the root key in {}/keys/root.pub",
            report.records,
            dir.display()
        ))?;
    } else {
        out.line(format!("verify: FAILED with {} problem(s)", report.findings.len()))?;
    }
    out.line(format!("head {head}"))?;
    out.line(format!(
        "checkpoint: tree size {} signed by the log key, recorded at seq {}, saved in {}/checkpoint.txt",
        demo.checkpoint.size,
        demo.checkpoint.seq,
        dir.display()
    ))?;
    out.line(format!(
        "audit: {}",
        if audit.ok {
            "ok, recorded rewards and sanctions match the rules".to_owned()
        } else {
            format!("{} finding(s)", audit.findings.len())
        }
    ))?;
    for r in &demo.refusals {
        out.line(format!(
            "refused, as the rules require: {}: {}; the ledger is unchanged ({} records before and after)",
            r.attempt, r.message, r.records_before
        ))?;
    }
    let library = view.domain();
    out.line(format!(
        "project library: {} projects (ledger projects; library hash {})",
        library.projects.len(),
        ledger_domain::library::projection_hash(library)
    ))?;
    out.line(format!(
        "monitoring: {} policy measures, {} land-use reports (ledger monitoring; hash {})",
        library.measures.len(),
        library.land_use.values().map(Vec::len).sum::<usize>(),
        ledger_domain::monitoring::projection_hash(library)
    ))?;
    let named: Vec<String> = library
        .personal
        .iter()
        .map(|(seq, p)| match &p.redacted {
            Some((by, _)) => format!("{seq} (erased at seq {by})"),
            None => seq.to_string(),
        })
        .collect();
    out.line(format!(
        "personal data: records naming an official by commitment: {} (ledger show SEQ)",
        if named.is_empty() { "none".to_owned() } else { named.join(", ") }
    ))?;
    crate::report::demo_report(&ledger, &view, dir, out)?;
    let db_arg = demo.db.display();
    let ledger_cmd = std::env::args().next().unwrap_or_else(|| "ledger".into());
    out.line("")?;
    out.line("All measured values are SYNTHETIC. Next, try:")?;
    out.line(format!(
        "  {ledger_cmd} --db {db_arg} scores --period 2022 --as-of 2023-03-05   # as published, before objections"
    ))?;
    out.line(format!("  {ledger_cmd} --db {db_arg} explain --period 2022 --unit shanghe --indicator 10"))?;
    out.line(format!("  {ledger_cmd} --db {db_arg} verify --trust {}/keys/root.pub", dir.display()))?;
    out.line(format!("  {ledger_cmd} --db {db_arg} audit"))?;
    out.line(format!(
        "  {ledger_cmd} --db {db_arg} prove 4000 --out record-4000.proof   # an offline inclusion proof"
    ))?;
    Ok(if report.ok() && audit.ok { Outcome::Ok } else { Outcome::Failed })
}
