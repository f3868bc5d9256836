//! `ledger objection ...`: objections to published scores, filed inside
//! the window by a unit (for itself) or an inspector, and resolved by the
//! assessment office.

use crate::ctx::{Ctx, Out, Outcome, Signing, one, write};
use anyhow::Result;
use clap::Subcommand;
use ledger_engine::office::{self, ObjectionFiling};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// File or resolve an objection to published scores.
    #[command(
        subcommand,
        after_help = "Examples:
  ledger objection file --period 2023 --unit 商河县 --indicator 10 --claim \"口径有误\" --key keys/shanghe.key
  ledger objection resolve --period 2023 --id obj-2023-1 --dismissed --reason \"口径无误\" --key keys/assessment.key"
    )]
    Objection(ObjectionCommand),
}

#[derive(Debug, Subcommand)]
pub enum ObjectionCommand {
    /// File an objection inside the window (a unit for itself, or an inspector).
    #[command(after_help = "Examples:
  ledger objection file --period 2023 --unit 商河县 --indicator 10 --claim \"口径有误\" --proposed-value 30.0 --key keys/shanghe.key
  ledger objection file --period 2023 --unit 历下区 --claim \"composite miscounted\" --key keys/inspector.key")]
    File {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The objection's id (default: obj-PERIOD-N).
        #[arg(long)]
        id: Option<String>,
        /// The unit it concerns.
        #[arg(long)]
        unit: String,
        /// The indicator whose value it contests.
        #[arg(long)]
        indicator: Option<String>,
        /// What is claimed.
        #[arg(long)]
        claim: String,
        /// The value the objector says is right.
        #[arg(long, value_name = "VALUE")]
        proposed_value: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Resolve an objection (the assessment office).
    #[command(after_help = "Examples:
  ledger objection resolve --period 2023 --id obj-2023-1 --upheld --corrected-value 30.0 --reason \"核实无误\" --key keys/assessment.key
  ledger objection resolve --period 2023 --id obj-2023-2 --dismissed --reason \"口径无误\" --key keys/assessment.key")]
    Resolve {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The objection's id.
        #[arg(long)]
        id: String,
        /// The objection is right.
        #[arg(long, conflicts_with = "dismissed", required_unless_present = "dismissed")]
        upheld: bool,
        /// The objection is wrong.
        #[arg(long)]
        dismissed: bool,
        /// The reasons.
        #[arg(long)]
        reason: String,
        /// With --upheld, about a value: the corrected value.
        #[arg(long, value_name = "VALUE", requires = "upheld")]
        corrected_value: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
}

pub fn run(ctx: &Ctx, Command::Objection(command): Command, out: &mut Out) -> Result<Outcome> {
    match command {
        ObjectionCommand::File { period, id, unit, indicator, claim, proposed_value, signing } => {
            let filing = ObjectionFiling { id, unit, indicator, claim, proposed_value };
            write(ctx, &signing, out, |d| Ok(one(office::objection(d, &period, &filing)?)))
        }
        ObjectionCommand::Resolve { period, id, upheld, dismissed: _, reason, corrected_value, signing } => {
            write(ctx, &signing, out, |d| {
                Ok(one(office::resolution(d, &period, &id, upheld, &reason, corrected_value.as_deref())?))
            })
        }
    }
}
