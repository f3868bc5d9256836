//! `ledger values ...`: the measured values of a period: the sheet the
//! statistics bureau fills in, which it submits (from a table) and
//! corrects, and the assessment office returns and verifies them.

use crate::ctx::{Ctx, Out, Outcome, ReadArgs, Signing, TableArgs, hinted, numbered, one, verified_view};
use crate::ctx::{write, write_file, write_table};
use anyhow::Result;
use clap::Subcommand;
use ledger_domain::AsOf;
use ledger_engine::office;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// A period's measured values: the sheet to fill in, submit them from a table, correct one, return one to the statistics office, verify them.
    #[command(
        subcommand,
        after_help = "Examples:
  ledger values template --period 2023 -o values-2023.xlsx
  ledger values submit --period 2023 --key keys/statistics.key values-2023.xlsx
  ledger values verify --period 2023 --key keys/assessment.key"
    )]
    Values(ValuesCommand),
}

#[derive(Debug, Subcommand)]
pub enum ValuesCommand {
    /// Write the sheet the statistics office fills in (an XLSX workbook): a row per unit and indicator of the period, which `values submit` reads back as it is. Columns 单位 (unit), 指标 (indicator), 数值 (value: empty, to fill in; a text cell, so that 40.0 is recorded as typed), 计量单位 (measure), 备注 (note) are read; the column 以下仅供参考 (for reference only) and those right of it (the indicator's name, the target, the value of the period before, the value recorded already, the unit's id, the English names) are passed over, as are the title rows and the English header line. A row left empty is not submitted.
    #[command(after_help = "Examples:
  ledger values template --period 2023 -o values-2023.xlsx
  ledger values template --period 2023 --unit 商河县 -o 商河县-2023.xlsx    # one unit's rows
  ledger values submit --period 2023 --key keys/statistics.key values-2023.xlsx   # once filled in")]
    Template {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// Only this unit's rows (id or name).
        #[arg(long)]
        unit: Option<String>,
        /// The workbook to write (.xlsx, replaced whole).
        #[arg(long, short, value_name = "FILE")]
        out: PathBuf,
        /// Write the sheet from a ledger that fails verification anyway, its title marked UNVERIFIED (exit 0).
        #[arg(long)]
        allow_unverified: bool,
    },
    /// Submit measured values from a CSV file or a workbook (the statistics office): all rows or none, every problem reported at once. Header unit,indicator,value[,evidence,evidence_title,measure,note] (or 单位,指标,数值,证据,证据名称,计量单位,备注; a title row, an English header line under a Chinese one, a 序号 column and the columns from one headed 以下仅供参考 on are passed over, and a row whose value is left empty is not submitted: what `values template` writes); units and indicators by id or name; prints a line per unit.
    #[command(after_help = "Examples:
  ledger values submit --period 2023 --key keys/statistics.key values-2023.csv
  ledger values submit --period 2023 --key keys/statistics.key --check values-2023.xlsx   # every rule, nothing written
  ledger values submit --period 2023 --key keys/statistics.key --sheet 2023年 values-2023.xlsx
  ledger values submit --period 2023 --key keys/statistics.key - < values-2023.csv
  ledger values submit --period 2023 --key keys/statistics.key --corrections fixes.csv   # unit,indicator,value,reason
  ledger values submit --period 2023 --round 2023-Q1 --key keys/statistics.key q1.csv     # in-year values of a monitoring round")]
    Submit {
        /// The period, e.g. 2022.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The monitoring round the values (or corrections) are of: in-year values, kept apart from the annual ones.
        #[arg(long)]
        round: Option<String>,
        #[command(flatten)]
        table: TableArgs,
        /// The file corrects submitted values: unit,indicator,value,reason (or 单位,指标,数值,原因).
        #[arg(long)]
        corrections: bool,
        #[command(flatten)]
        signing: Signing,
    },
    /// Correct a submitted value, with a reason (the statistics office).
    #[command(after_help = "Examples:
  ledger values correct --period 2023 --unit 商河县 --indicator 10 --value 130.5 --reason \"payroll recount\" --key keys/statistics.key")]
    Correct {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The monitoring round of an in-year value (default: the annual value).
        #[arg(long)]
        round: Option<String>,
        /// The unit: id or name.
        #[arg(long)]
        unit: String,
        /// The indicator: id, Table 1 number or name.
        #[arg(long)]
        indicator: String,
        /// The corrected value.
        #[arg(long)]
        value: String,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Send a submitted value back to the statistics office (the assessment office).
    #[command(after_help = "Examples:
  ledger values return --period 2023 --unit 商河县 --indicator 10 --reason \"与社保缴费人数不符\" --key keys/assessment.key")]
    Return {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The monitoring round of an in-year value (default: the annual value).
        #[arg(long)]
        round: Option<String>,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// The indicator.
        #[arg(long)]
        indicator: String,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Verify the current values of a period, of one unit, or of one indicator (the assessment office).
    #[command(after_help = "Examples:
  ledger values verify --period 2023 --key keys/assessment.key
  ledger values verify --period 2023 --unit 商河县 --indicator 10 --key keys/assessment.key")]
    Verify {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The in-year values of this monitoring round (default: the annual values).
        #[arg(long)]
        round: Option<String>,
        /// Only this unit.
        #[arg(long)]
        unit: Option<String>,
        /// Only this indicator.
        #[arg(long)]
        indicator: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
}

pub fn run(ctx: &Ctx, Command::Values(command): Command, out: &mut Out) -> Result<Outcome> {
    match command {
        ValuesCommand::Template { period, unit, out: file, allow_unverified } => {
            template(ctx, &period, unit.as_deref(), &file, allow_unverified, out)
        }
        ValuesCommand::Submit { period, round, table: args, corrections, signing } => {
            let kind =
                if corrections { ledger_engine::csv::Kind::Corrections } else { ledger_engine::csv::Kind::Values };
            let table = args.read(kind)?;
            write_table(ctx, &signing, out, &args, &table, &period, round.as_deref())
        }
        ValuesCommand::Correct { period, round, unit, indicator, value, reason, signing } => {
            write(ctx, &signing, out, |d| {
                Ok(one(office::correction(d, &period, round.as_deref(), &unit, &indicator, &value, &reason)?))
            })
        }
        ValuesCommand::Return { period, round, unit, indicator, reason, signing } => write(ctx, &signing, out, |d| {
            Ok(one(office::return_value(d, &period, round.as_deref(), &unit, &indicator, &reason)?))
        }),
        ValuesCommand::Verify { period, round, unit, indicator, signing } => write(ctx, &signing, out, |d| {
            Ok(numbered(office::verifications(d, &period, round.as_deref(), unit.as_deref(), indicator.as_deref())?))
        }),
    }
}

/// `values template`: what the period asks for, from a verified view, as
/// the sheet `ledger_export` writes.
fn template(
    ctx: &Ctx,
    period: &str,
    unit: Option<&str>,
    file: &Path,
    allow_unverified: bool,
    out: &mut Out,
) -> Result<Outcome> {
    if let Some(ext) = file.extension().map(|e| e.to_string_lossy()).filter(|e| !e.eq_ignore_ascii_case("xlsx")) {
        return Err(hinted(
            format!("the template is an XLSX workbook, not a .{ext} file"),
            "name the file .xlsx (once filled in, values submit reads it as it is)",
        ));
    }
    let read = ReadArgs { json: false, allow_unverified };
    let Some((_, view)) = verified_view(ctx, AsOf::End, &read, out)? else { return Ok(Outcome::Failed) };
    let asked = office::to_report(view.domain(), period, unit)?;
    let rows = asked
        .rows
        .into_iter()
        .map(|r| ledger_export::TemplateRow {
            unit: r.unit_written,
            unit_id: r.unit,
            unit_en: r.unit_en,
            indicator: r.indicator,
            indicator_zh: r.indicator_zh,
            indicator_en: r.indicator_en,
            measure_zh: r.measure_zh,
            measure_en: r.measure_en,
            target: r.target,
            recorded: r.recorded,
            previous: r.previous,
        })
        .collect::<Vec<_>>();
    let mut units: Vec<&str> = rows.iter().map(|r| r.unit_id.as_str()).collect();
    units.dedup();
    let (n_rows, n_units) = (rows.len(), units.len());
    let sheet = ledger_export::ValuesTemplate {
        period: asked.period,
        previous: asked.previous,
        rows,
        unverified: !view.checked.ok,
    };
    write_file(file, &ledger_export::values_template(&sheet)?)?;
    if !asked.open {
        eprintln!(
            "warning: period {period} is no longer open: values submit refuses its values; a value changes through `ledger values correct`"
        );
    }
    out.line(format!(
        "template: {n_rows} rows ({n_units} unit(s) × {} indicator(s)) of period {period} written to {}; fill in 数值 (value), then: ledger values submit --period {period} --key KEY {}",
        n_rows.checked_div(n_units).unwrap_or(0),
        file.display(),
        file.display()
    ))?;
    Ok(Outcome::Ok)
}
