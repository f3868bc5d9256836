//! `ledger values ...`: the measured values of a period: the statistics
//! bureau submits (from CSV) and corrects them, the assessment office
//! returns and verifies them.

use crate::ctx::{Ctx, Out, Outcome, Signing, numbered, one, write, write_table};
use anyhow::Result;
use clap::Subcommand;
use ledger_engine::office;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// A period's measured values: submit them from CSV, correct one, return one to the statistics office, verify them.
    #[command(
        subcommand,
        after_help = "Examples:
  ledger values submit --period 2023 --key keys/statistics.key values-2023.csv
  ledger values verify --period 2023 --key keys/assessment.key"
    )]
    Values(ValuesCommand),
}

#[derive(Debug, Subcommand)]
pub enum ValuesCommand {
    /// Submit measured values from CSV (the statistics office): all rows or none. Header unit,indicator,value[,evidence,evidence_title,measure,note] (or 单位,指标,数值,证据,证据名称,计量单位,备注); units and indicators by id or name.
    #[command(after_help = "Examples:
  ledger values submit --period 2023 --key keys/statistics.key values-2023.csv
  ledger values submit --period 2023 --key keys/statistics.key --corrections fixes.csv   # unit,indicator,value,reason
  ledger values submit --period 2023 --round 2023-Q1 --key keys/statistics.key q1.csv     # in-year values of a monitoring round")]
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
        signing: Signing,
    },
    /// Correct a submitted value, with a reason (the statistics office).
    #[command(after_help = "Examples:
  ledger values correct --period 2023 --unit 商河县 --indicator 10 --value 130.5 --reason \"payroll recount\" --key keys/statistics.key")]
    Correct {
        /// The period.
        #[arg(long)]
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
        #[arg(long)]
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
        #[arg(long)]
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
        ValuesCommand::Submit { period, round, file, corrections, signing } => {
            let kind =
                if corrections { ledger_engine::csv::Kind::Corrections } else { ledger_engine::csv::Kind::Values };
            let table = ledger_engine::csv::read(&file, kind)?;
            write_table(ctx, &signing, out, &table, &period, round.as_deref())
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
