//! `ledger period ...`: an assessment period from opening to finalisation:
//! open it and its monitoring rounds, assign its targets, see where its
//! values stand, publish its scores and finalise it (both attest the
//! projection hash, `ledger_engine::attest`).

use crate::ctx::{Ctx, Out, Outcome, ReadArgs, Signing, now, one, read_private, report, verified_view};
use crate::ctx::{TableArgs, with_verification, write, write_table};
use anyhow::Result;
use clap::Subcommand;
use ledger_domain::AsOf;
use ledger_engine::Signer;
use ledger_engine::attest::Attest;
use ledger_engine::office::{self, PeriodOpening};
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Assessment periods: open one and its monitoring rounds, assign targets, see where its values stand, publish its scores, finalise it.
    #[command(
        subcommand,
        after_help = "Examples:
  ledger period open --period 2023 --key keys/authority.key
  ledger period status --period 2023
  ledger period publish --period 2023 --window-until 2024-03-15 --key keys/assessment.key"
    )]
    Period(PeriodCommand),
}

#[derive(Debug, Subcommand)]
pub enum PeriodCommand {
    /// Open a period (the authority): every unit that exists in the year, every indicator and the adopted policy unless told otherwise.
    #[command(after_help = "Examples:
  ledger period open --period 2023 --key keys/authority.key     # every unit and indicator, the adopted policy
  ledger period open --period 2023 --units 历下区,商河县 --note \"试点\" --key keys/authority.key")]
    Open {
        /// The period id, e.g. 2023.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The year assessed (default: the period id).
        #[arg(long)]
        year: Option<i32>,
        /// The units, by id or name, comma-separated.
        #[arg(long, value_delimiter = ',')]
        units: Option<Vec<String>>,
        /// The indicators, by id or name, comma-separated.
        #[arg(long, value_delimiter = ',')]
        indicators: Option<Vec<String>>,
        /// The scoring policy, ID@VERSION (default: the latest adopted).
        #[arg(long, value_name = "ID@VERSION")]
        policy: Option<String>,
        /// A remark.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Open a monitoring round inside a period (process assessment, the assessment office): the in-year reports it asks for and the last day they are on time.
    #[command(after_help = "Examples:
  ledger period open-round --period 2023 --round 2023-Q1 --due 2023-04-15 --indicators 9,14 --key keys/assessment.key
  ledger period open-round --period 2023 --round 2023-06 --due 2023-07-10 --note \"月报\" --key keys/assessment.key   # every indicator
  ledger values submit --period 2023 --round 2023-Q1 --key keys/statistics.key q1.csv     # the in-year values")]
    OpenRound {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The round's id, e.g. 2023-Q1.
        #[arg(long)]
        round: String,
        /// The last day a report is on time (YYYY-MM-DD, to its end in the ledger's time zone).
        #[arg(long, value_name = "DATE")]
        due: String,
        /// The indicators it asks for, by id or name, comma-separated (default: every indicator of the period).
        #[arg(long, value_delimiter = ',')]
        indicators: Vec<String>,
        /// A remark.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Assign a period's targets from a CSV file or a workbook (the authority): unit,indicator,target[,baseline,note] (or 单位,指标,目标值,...).
    #[command(after_help = "Examples:
  ledger period targets --period 2023 --key keys/authority.key targets-2023.csv   # 单位,指标,目标值,基期值
  ledger period targets --period 2023 --key keys/authority.key --check targets-2023.xlsx")]
    Targets {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        #[command(flatten)]
        table: TableArgs,
        #[command(flatten)]
        signing: Signing,
    },
    /// Where each value of a period stands: missing, submitted, returned, verified, corrected, objected; and the in-year record.
    #[command(after_help = "Examples:
  ledger period status --period 2023
  ledger period status --period 2023 --unit 商河县 --json")]
    Status {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// Only this unit (id or name).
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Publish a period's scores (the assessment office; opens the objection window): computes and attests the projection hash.
    #[command(after_help = "Examples:
  ledger period publish --period 2023 --window-until 2024-03-15 --key keys/assessment.key
  ledger period publish --period 2023 --window-until 2024-03-15 --allow-incomplete --key keys/assessment.key")]
    Publish {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// Last day objections may be filed (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        window_until: String,
        /// Publish although values are missing (the publication records how many).
        #[arg(long)]
        allow_incomplete: bool,
        /// The assessment office's private key.
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
    },
    /// Finalise a period (the assessment office): computes and attests the projection hash.
    #[command(after_help = "Examples:
  ledger period finalize --period 2023 --key keys/assessment.key   # after the window, every objection resolved")]
    Finalize {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The assessment office's private key.
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
    },
}

pub fn run(ctx: &Ctx, Command::Period(command): Command, out: &mut Out) -> Result<Outcome> {
    match command {
        PeriodCommand::Open { period, year, units, indicators, policy, note, signing } => {
            let opening = PeriodOpening { period, year, units, indicators, policy, note };
            write(ctx, &signing, out, |d| Ok(one(office::open_period(d, &opening)?)))
        }
        PeriodCommand::OpenRound { period, round, due, indicators, note, signing } => write(ctx, &signing, out, |d| {
            Ok(one(office::open_round(d, &period, &round, &due, &indicators, note.as_deref())?))
        }),
        PeriodCommand::Targets { period, table: args, signing } => {
            let table = args.read(ledger_engine::csv::Kind::Targets)?;
            write_table(ctx, &signing, out, &args, &table, &period, None)
        }
        PeriodCommand::Status { period, unit, read } => status(ctx, &period, unit.as_deref(), &read, out),
        PeriodCommand::Publish { period, window_until, allow_incomplete, key } => {
            attest(ctx, &key, &period, &Attest::Publish { window_until, allow_incomplete }, out)
        }
        PeriodCommand::Finalize { period, key } => attest(ctx, &key, &period, &Attest::Finalize, out),
    }
}

/// `period publish` and `period finalize`: what is attested is built by
/// `ledger_engine::attest`; this reads the key and says what was recorded.
fn attest(ctx: &Ctx, key: &Path, period: &str, what: &Attest, out: &mut Out) -> Result<Outcome> {
    let author = read_private(key)?;
    let mut ledger = ctx.open()?;
    let result = ledger_engine::attest::attest(&mut ledger, period, what, Signer::new(&author), now()?);
    ctx.warnings(&mut ledger);
    let (appended, attested) = result?;
    report(&ledger, &appended, false, out)?;
    out.line(format!("{}: projection hash {}", attested.event_type, attested.projection_hash))?;
    Ok(Outcome::Ok)
}

fn status(ctx: &Ctx, period: &str, unit: Option<&str>, read: &ReadArgs, out: &mut Out) -> Result<Outcome> {
    let Some((_, view)) = verified_view(ctx, AsOf::End, read, out)? else { return Ok(Outcome::Failed) };
    let (state, values) = ledger_engine::office::status(view.domain(), period, unit)?;
    let process = ledger_engine::office::process_status(view.domain(), period, unit)?;
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
    let mut by_unit: std::collections::BTreeMap<&str, Vec<&ledger_engine::office::ValueStatus>> = Default::default();
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
    process: &[ledger_engine::office::UnitProcess],
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
