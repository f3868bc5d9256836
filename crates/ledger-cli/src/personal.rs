//! `ledger personal ...`: the personal data a record names by commitment
//! (`docs/FORMAT.md`, "Personal data"): check details against it, erase it.

use crate::ctx::{Ctx, Out, Outcome, Signing, one, write_personal};
use anyhow::Result;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The personal data a record names by a salted commitment: check details against it, erase it.
    #[command(
        subcommand,
        after_help = "Examples:\n  ledger personal check --record 4734 --details '{\"name\":\"张三\",\"position\":\"deputy head\"}' --salt 5f0c...e1\n  ledger personal redact --record 4734 --reason \"retention period over (rule 12)\" --key keys/authority.key"
    )]
    Personal(PersonalCommand),
}

#[derive(Debug, Subcommand)]
pub enum PersonalCommand {
    /// Check details and a salt against the personal-data commitment a record holds: exit 0 they match, 1 they do not.
    #[command(
        after_help = "Examples:\n  ledger personal check --record 4734 --details '{\"name\":\"张三\",\"position\":\"deputy head\"}' --salt 5f0c...e1"
    )]
    Check {
        /// The record that holds the commitment.
        #[arg(long, value_name = "SEQ")]
        record: u64,
        /// The details, a JSON object of strings (as `ledger show SEQ --json` gives them).
        #[arg(long, value_name = "JSON")]
        details: String,
        /// The salt, 64 hex digits.
        #[arg(long, value_name = "HEX")]
        salt: String,
    },
    /// Erase the personal data a record names (the authority): the name and salt are deleted, a personal_data_redacted event records it; every hash and signature stays valid.
    #[command(
        after_help = "Examples:\n  ledger personal redact --record 4734 --reason \"retention period over (rule 12)\" --key keys/authority.key"
    )]
    Redact {
        /// The record that holds the commitment.
        #[arg(long, value_name = "SEQ")]
        record: u64,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        signing: Signing,
    },
}

pub fn run(ctx: &Ctx, Command::Personal(command): Command, out: &mut Out) -> Result<Outcome> {
    match command {
        PersonalCommand::Check { record, details, salt } => personal_check(ctx, record, &details, &salt, out),
        PersonalCommand::Redact { record, reason, signing } => write_personal(ctx, &signing, out, |d| {
            Ok((one(ledger_engine::personal::redaction(d, record, &reason)?), Vec::new()))
        }),
    }
}

/// `ledger personal check`: exit 0 when the details and salt open the commitment.
fn personal_check(ctx: &Ctx, seq: u64, details: &str, salt: &str, out: &mut Out) -> Result<Outcome> {
    let details: serde_json::Value =
        serde_json::from_str(details).map_err(|e| anyhow::anyhow!("--details is not JSON: {e}"))?;
    let mut ledger = ctx.open_read_only()?;
    if ledger_engine::personal::check(&mut ledger, seq, &details, salt)? {
        out.line(format!("match: these details and salt open the commitment of record {seq}"))?;
        Ok(Outcome::Ok)
    } else {
        out.line(format!("no match: these details and salt do not open the commitment of record {seq}"))?;
        Ok(Outcome::Failed)
    }
}
