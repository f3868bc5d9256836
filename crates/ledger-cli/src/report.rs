//! `ledger report` (the assessment report as one HTML file), the report
//! `ledger demo` writes, and the other formats of the read commands:
//! `scores --format csv|xlsx`, `scores --trend`, `explain --format md`.
//! The documents are made by `ledger-report` and `ledger-export`; this
//! reads the ledger, writes the files and says where.

use crate::ctx::{Ctx, Out, Outcome, hinted, now, table, write_file};
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use ledger_domain::AsOf;
use ledger_engine::Ledger;
use ledger_engine::query::{Explanation, PeriodDetail, Scoreboard, Trend};
use ledger_engine::view::View;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the assessment report: one self-contained HTML file (ranking, heat map, trends, changes, unit by unit, chain status).
    Report(ReportArgs),
}

/// Arguments of `ledger report`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ledger report --period 2022 -o report-2022.html
  ledger report --all-periods --lang zh -o report.html")]
pub struct ReportArgs {
    /// The period reported (its ranking, heat map and units; the trends cover every period).
    #[arg(long, required_unless_present = "all_periods", conflicts_with = "all_periods", value_parser = crate::ctx::period_arg)]
    pub period: Option<String>,
    /// Report every period of the ledger.
    #[arg(long)]
    pub all_periods: bool,
    /// The HTML file to write (replaced whole).
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
    /// Language: Chinese with English alongside, or one of them.
    #[arg(long, value_enum, default_value_t = LangArg::Both)]
    pub lang: LangArg,
    /// Write the numbers of a ledger that fails verification anyway, marked UNVERIFIED (exit 0). Without it such a report shows only the chain's status, and the command exits 1.
    #[arg(long)]
    pub allow_unverified: bool,
}

/// `--lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// 中文
    Zh,
    /// English
    En,
    /// 中文 with English alongside
    Both,
}

impl From<LangArg> for ledger_report::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Zh => ledger_report::Lang::Zh,
            LangArg::En => ledger_report::Lang::En,
            LangArg::Both => ledger_report::Lang::Both,
        }
    }
}

/// `scores --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScoresFormat {
    /// A table for the terminal.
    Text,
    /// CSV (UTF-8 with a BOM, Chinese headers): the scoreboard with each indicator's score, or the trend.
    Csv,
    /// An XLSX workbook (needs --out): the scoreboard and the indicator detail, or the trend, one sheet each.
    Xlsx,
}

/// `explain --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Lines for the terminal.
    Text,
    /// A Markdown document: the result, each indicator's derivation and records, the consequences.
    Md,
}

pub fn run(ctx: &Ctx, Command::Report(args): Command, out: &mut Out) -> Result<Outcome> {
    report(ctx, &args, out)
}

/// The report's HTML for the periods given (all when `None`), from a view
/// and the ledger it came from. A view that fails verification gives a
/// report of the chain's status alone unless `numbers` says otherwise.
fn build(
    ledger: &Ledger,
    view: &View,
    periods: Option<&[String]>,
    lang: ledger_report::Lang,
    numbers: bool,
) -> Result<(String, usize)> {
    let chain = ledger.chain_status(&view.checked)?;
    let zone = view.domain().zone();
    let show = view.checked.ok || numbers;
    let ids: Vec<String> = match periods {
        _ if !show => Vec::new(),
        Some(p) => p.to_vec(),
        None => view.period_ids(),
    };
    let details: Vec<PeriodDetail> = ids.iter().map(|p| view.period_detail(ledger, p)).collect::<Result<_, _>>()?;
    let trend = if show { view.trend()? } else { Trend { periods: Vec::new(), units: Vec::new() } };
    let changes = if show { view.changed_values(ledger) } else { Vec::new() };
    let generated = now()?.local(&zone);
    let html = ledger_report::html(&ledger_report::Input {
        chain: &chain,
        periods: &details,
        trend: &trend,
        changes: &changes,
        generated: &generated,
        zone: &zone,
        lang,
    })?;
    Ok((html, details.len()))
}

/// `ledger report`.
fn report(ctx: &Ctx, args: &ReportArgs, out: &mut Out) -> Result<Outcome> {
    let mut ledger = ctx.open_read_only()?;
    let view = ledger.view(AsOf::End);
    ctx.warnings(&mut ledger);
    let view = view?;
    let periods: Option<Vec<String>> = match &args.period {
        Some(p) => {
            view.period(p)?;
            Some(vec![p.clone()])
        }
        None => None,
    };
    let (html, shown) = build(&ledger, &view, periods.as_deref(), args.lang.into(), args.allow_unverified)?;
    write_file(&args.out, html.as_bytes())?;
    let checked = &view.checked;
    if checked.ok {
        out.line(format!(
            "report: {} period(s), ledger verified ({} records), written to {}",
            shown,
            checked.records,
            args.out.display()
        ))?;
        return Ok(Outcome::Ok);
    }
    let first = checked
        .first()
        .map_or_else(String::new, |f| format!("; the first: seq {} ({}): {}", f.seq, f.check.name(), f.message));
    out.line(format!("LEDGER FAILS VERIFICATION: {} problem(s){first}", checked.findings.len()))?;
    if args.allow_unverified {
        out.line(format!("report: {shown} period(s), marked UNVERIFIED, written to {}", args.out.display()))?;
        Ok(Outcome::Ok)
    } else {
        out.line(format!(
            "report: the chain's status only, no numbers, written to {}; pass --allow-unverified for the numbers, marked UNVERIFIED",
            args.out.display()
        ))?;
        Ok(Outcome::Failed)
    }
}

/// The report `ledger demo` writes next to the ledger: every period.
pub fn demo_report(ledger: &Ledger, view: &View, dir: &Path, out: &mut Out) -> Result<()> {
    let path = dir.join("report.html");
    let (html, shown) = build(ledger, view, None, ledger_report::Lang::Both, false)?;
    write_file(&path, html.as_bytes())?;
    out.line(format!("report: {} (every period: {shown}; open it in a browser)", path.display()))?;
    Ok(())
}

/// `scores --format csv|xlsx`, and `scores --trend` in any format but text.
pub fn scores_export(
    view: &View,
    board: Option<&Scoreboard>,
    trend: Option<&Trend>,
    format: ScoresFormat,
    file: Option<&Path>,
    out: &mut Out,
) -> Result<()> {
    let mut tables = Vec::new();
    if let Some(b) = board {
        let indicators = view.scored_indicators(&b.period)?;
        tables.push(ledger_export::scoreboard(b, &indicators));
        if format == ScoresFormat::Xlsx {
            tables.push(ledger_export::indicator_detail(b, &indicators));
        }
    }
    if let Some(t) = trend {
        tables.push(ledger_export::trend(t));
    }
    let bytes = match format {
        ScoresFormat::Csv => match tables.as_slice() {
            [one] => ledger_export::csv(one)?,
            _ => return Err(hinted("CSV holds one table", "give --period or --trend, not both, with --format csv")),
        },
        ScoresFormat::Xlsx => ledger_export::xlsx(&tables)?,
        ScoresFormat::Text => return Ok(()),
    };
    match file {
        Some(path) => {
            write_file(path, &bytes)?;
            out.line(format!("{} table(s) written to {}", tables.len(), path.display()))?;
        }
        None if format == ScoresFormat::Xlsx => {
            return Err(hinted("an XLSX workbook is not written to the terminal", "give --out FILE.xlsx"));
        }
        None => out.bytes(&bytes)?,
    }
    Ok(())
}

/// `scores --trend` as text: a row per unit, a column per period.
pub fn print_trend(trend: &Trend, out: &mut Out) -> Result<()> {
    let mut header: Vec<&str> = vec!["unit", "name"];
    header.extend(trend.periods.iter().map(String::as_str));
    let rows = trend
        .units
        .iter()
        .map(|u| {
            let mut row = vec![u.unit.clone(), u.name_zh.clone().unwrap_or_default()];
            row.extend(
                u.points
                    .iter()
                    .map(|p| p.as_ref().map_or_else(|| "-".to_owned(), |p| format!("{} {}", p.score, p.grade))),
            );
            row
        })
        .collect();
    let right: Vec<usize> = (2..2 + trend.periods.len()).collect();
    for line in table(Some(&header), rows, &right) {
        out.line(line)?;
    }
    Ok(())
}

/// `explain --format md`.
pub fn explain_md(view: &View, e: &Explanation, out: &mut Out) -> Result<()> {
    let board = view.scoreboard(&e.period)?;
    let row = board.units.iter().find(|u| u.unit == e.unit);
    let text = ledger_report::markdown(e, row, &view.domain().zone(), ledger_report::Lang::Both)?;
    out.line(text.trim_end())?;
    Ok(())
}
