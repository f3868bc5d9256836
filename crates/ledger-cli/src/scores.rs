//! The results: `scores` (a period's scoreboard, as it stood at any point,
//! the trend across periods, as CSV or XLSX), `explain` (how each number
//! was derived) and `audit` (the recorded rewards and sanctions against
//! what the rules imply). Every read shows first whether the ledger
//! verifies, and shows nothing from one that does not unless asked.

use crate::ctx::{Ctx, Out, Outcome, ReadArgs, local, parse_as_of, table, verified_view, with_verification};
use crate::report::{ExplainFormat, ScoresFormat};
use anyhow::Result;
use clap::{Args, Subcommand};
use ledger_domain::AsOf;
use ledger_engine::query::{Scoreboard, Status};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scores of a period: composite, rank, grade, per indicator, consequences.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db scores --period 2022
  ledger scores --period 2022 --as-of 2023-03-05             # as published, before the objections
  ledger scores --period 2022 --format xlsx -o 2022.xlsx     # also: --trend, --format csv, --json")]
    Scores(ScoresArgs),
    /// How each number of a unit's result was derived, event by event, clause by clause.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db explain --period 2022 --unit 商河县 --indicator 10
  ledger explain --period 2022 --unit shanghe --format md > shanghe-2022.md")]
    Explain {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// Only this indicator.
        #[arg(long)]
        indicator: Option<String>,
        /// As the ledger stood at this sequence number, or time (RFC 3339 or YYYY-MM-DD).
        #[arg(long, value_name = "SEQ|TIME")]
        as_of: Option<String>,
        /// text, or md (a Markdown document); --json for JSON.
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text, conflicts_with = "json")]
        format: ExplainFormat,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Compare recorded rewards and sanctions with what the rules imply: exit 1 when there are findings.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db audit
  ledger audit --period 2022 --json")]
    Audit {
        /// Only this period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: Option<String>,
        #[command(flatten)]
        read: ReadArgs,
    },
}

/// Arguments of `ledger scores`.
#[derive(Debug, Args)]
pub struct ScoresArgs {
    /// The period.
    #[arg(long, required_unless_present = "trend", value_parser = crate::ctx::period_arg)]
    pub period: Option<String>,
    /// Every unit's composite across every period (with --period too, in an XLSX workbook).
    #[arg(long)]
    pub trend: bool,
    /// text, csv or xlsx (needs --out); --json for JSON.
    #[arg(long, value_enum, default_value_t = ScoresFormat::Text, conflicts_with = "json")]
    pub format: ScoresFormat,
    /// With --format csv or xlsx: the file to write (CSV goes to stdout without it).
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// As the ledger stood at this sequence number, or time (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "SEQ|TIME")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(ctx: &Ctx, command: Command, out: &mut Out) -> Result<Outcome> {
    match command {
        Command::Scores(args) => scores(ctx, &args, out),
        Command::Explain { period, unit, indicator, as_of, format, read } => {
            let md = format == ExplainFormat::Md;
            explain(ctx, &period, &unit, indicator.as_deref(), as_of.as_deref(), &read, md, out)
        }
        Command::Audit { period, read } => audit(ctx, period.as_deref(), &read, out),
    }
}

fn scores(ctx: &Ctx, args: &ScoresArgs, out: &mut Out) -> Result<Outcome> {
    let as_of = parse_as_of(ctx, args.as_of.as_deref())?;
    let json = args.read.json;
    let Some((_, view)) = verified_view(ctx, as_of, &args.read, out)? else { return Ok(Outcome::Failed) };
    let trend = if args.trend { Some(view.trend()?) } else { None };
    let board = args.period.as_deref().map(|p| view.scoreboard(p)).transpose()?;
    if matches!(args.format, ScoresFormat::Csv | ScoresFormat::Xlsx) {
        crate::report::scores_export(&view, board.as_ref(), trend.as_ref(), args.format, args.out.as_deref(), out)?;
        return Ok(Outcome::Ok);
    }
    let Some(board) = board else {
        let trend = trend.unwrap_or_else(|| ledger_engine::query::Trend { periods: Vec::new(), units: Vec::new() });
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

/// The scoreboard as text.
pub fn print_scoreboard(b: &Scoreboard, zone: &ledger_core::time::Zone, out: &mut Out) -> Result<()> {
    let state = match &b.status {
        Status::Finalized { seq, .. } => format!("finalised at seq {seq}"),
        Status::Published { seq, window_until } => {
            format!("published at seq {seq}, objections until {}", local(window_until, zone))
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
    for line in table(Some(&header), rows, &[0, 3]) {
        out.line(line)?;
    }
    let anomalies = b.anomalies.len() + b.replay_anomalies.len();
    if anomalies > 0 {
        out.line(format!("{anomalies} anomaly(ies): see --json"))?;
    }
    Ok(())
}

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
                e.time.as_deref().map(|t| local(t, &zone)).unwrap_or_default(),
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
                    ev.time.as_deref().map(|t| local(t, &zone)).unwrap_or_default(),
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
