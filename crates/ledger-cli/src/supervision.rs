//! `ledger supervision ...`: routine supervision (平时监督) through the
//! year, part of process assessment: findings about a unit with their
//! follow-up dates, recorded and closed.

use crate::ctx::{Ctx, Out, Outcome, Signing, one, write};
use anyhow::Result;
use clap::Subcommand;
use ledger_engine::office;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Routine supervision (平时监督): record a finding about a unit with its follow-up date, close it (the assessment office or an inspector).
    #[command(
        subcommand,
        after_help = "Examples:
  ledger supervision record --period 2023 --unit 商河县 --severity major --text \"Q1 报表逾期\" --follow-up-due 2023-06-30 --key keys/assessment.key
  ledger supervision close --period 2023 --finding sup-2023-1 --text \"已整改\" --key keys/assessment.key"
    )]
    Supervision(SupervisionCommand),
}

#[derive(Debug, Subcommand)]
pub enum SupervisionCommand {
    /// Record a routine-supervision finding about a unit, with its follow-up date.
    #[command(after_help = "Examples:
  ledger supervision record --period 2023 --unit 商河县 --severity major --text \"Q1 报表逾期\" --follow-up-due 2023-06-30 --key keys/assessment.key
  ledger supervision record --period 2023 --unit 长清区 --severity minor --text \"台账不全\" --follow-up-due 2023-05-31 --round 2023-Q1 --key keys/inspector.key")]
    Record {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The finding's id (default: sup-<period>-N).
        #[arg(long)]
        id: Option<String>,
        /// The unit: id or name.
        #[arg(long)]
        unit: String,
        /// How serious it is.
        #[arg(long, value_parser = ["minor", "major", "serious"])]
        severity: String,
        /// What was found.
        #[arg(long)]
        text: String,
        /// The date by which it is to be put right (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        follow_up_due: String,
        /// The monitoring round it concerns.
        #[arg(long)]
        round: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Close a finding: how it was put right.
    #[command(after_help = "Examples:
  ledger supervision close --period 2023 --finding sup-2023-1 --text \"已整改，报送制度已建立\" --key keys/assessment.key")]
    Close {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The finding.
        #[arg(long)]
        finding: String,
        /// How it was put right.
        #[arg(long)]
        text: String,
        #[command(flatten)]
        signing: Signing,
    },
}

pub fn run(ctx: &Ctx, Command::Supervision(command): Command, out: &mut Out) -> Result<Outcome> {
    match command {
        SupervisionCommand::Record { period, id, unit, severity, text, follow_up_due, round, signing } => {
            let filing = office::SupervisionFiling { id, unit, severity, text, follow_up_due, round };
            write(ctx, &signing, out, |d| Ok(one(office::supervision(d, &period, &filing)?)))
        }
        SupervisionCommand::Close { period, finding, text, signing } => {
            write(ctx, &signing, out, |d| Ok(one(office::close_supervision(d, &period, &finding, &text)?)))
        }
    }
}
