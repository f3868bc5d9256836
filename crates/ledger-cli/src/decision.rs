//! `ledger decision ...`: what follows a finalised period: the authority's
//! rewards and accountability actions (and their rescission), its
//! determination of data fraud, and a unit's rectification in answer to
//! an action. `audit` compares them with what the rules imply.

use crate::ctx::{Ctx, Out, Outcome, Signing, event_word, one, write, write_personal};
use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use ledger_engine::office;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// What follows a finalised period: rewards and accountability actions (the authority), their rescission, a determination of data fraud, a unit's rectification.
    #[command(
        subcommand,
        after_help = "Examples:
  ledger decision reward --period 2023 --unit 历下区 --kind policy-preference --basis \"C1: excellent\" --key keys/authority.key
  ledger decision action --period 2023 --unit 商河县 --kind public-notice --id notice-1 --basis \"C3.1: poor\" --key keys/authority.key
  ledger decision rectify --period 2023 --action notice-1 --text \"整改方案已报送\" --key keys/shanghe.key"
    )]
    Decision(DecisionCommand),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RewardKind {
    /// 政策倾斜.
    PolicyPreference,
    /// A share of the tax increment remitted to the city.
    FiscalReward,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ActionKind {
    /// 通报.
    PublicNotice,
    /// 约谈.
    AdmonitionTalk,
    /// 问责.
    Accountability,
}

#[derive(Debug, Subcommand)]
pub enum DecisionCommand {
    /// Grant a reward to a unit for a finalised period (the authority).
    #[command(after_help = "Examples:
  ledger decision reward --period 2023 --unit 历下区 --kind policy-preference --basis \"C1: excellent\" --key keys/authority.key
  ledger decision reward --period 2023 --unit 历下区 --kind fiscal-reward --amount 746.20 --basis C2 --key keys/authority.key")]
    Reward {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The reward's id (default: reward-PERIOD-UNIT-N).
        #[arg(long)]
        id: Option<String>,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// Which reward.
        #[arg(long, value_enum)]
        kind: RewardKind,
        /// For a fiscal reward, the amount (万元, 10k yuan); leave it out when the rules cannot compute one (no F3 value): the audit then expects none
        #[arg(long, value_name = "AMOUNT")]
        amount: Option<String>,
        /// The basis stated.
        #[arg(long)]
        basis: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Take an accountability action against a unit for a finalised period (the authority).
    #[command(after_help = "Examples:
  ledger decision action --period 2023 --unit 商河县 --kind public-notice --id notice-1 --basis \"C3.1: poor\" --key keys/authority.key
  ledger decision action --period 2023 --unit 商河县 --kind admonition-talk --basis C3.2 --person-name 张三 --person-detail position=deputy-head --key keys/authority.key")]
    Action {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The action's id (default: action-PERIOD-UNIT-N).
        #[arg(long)]
        id: Option<String>,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// Which action.
        #[arg(long, value_enum)]
        kind: ActionKind,
        /// The basis stated.
        #[arg(long)]
        basis: String,
        /// The official it names: the record holds only a salted commitment, the name is kept beside the ledger and can be erased (`ledger personal redact`).
        #[arg(long, value_name = "NAME")]
        person_name: Option<String>,
        /// More about the official, KEY=VALUE (e.g. position=deputy head), repeatable; kept with the name.
        #[arg(long, value_name = "KEY=VALUE", requires = "person_name")]
        person_detail: Vec<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Rescind a reward or an accountability action (the authority).
    #[command(after_help = "Examples:
  ledger decision rescind --period 2023 --target notice-1 --reason \"复核后撤销\" --key keys/authority.key")]
    Rescind {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The reward's or action's id.
        #[arg(long, value_name = "ID")]
        target: String,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Answer an accountability action with a rectification (the unit).
    #[command(after_help = "Examples:
  ledger decision rectify --period 2023 --action notice-1 --text \"整改方案已报送\" --key keys/shanghe.key")]
    Rectify {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The accountability action's id.
        #[arg(long, value_name = "ID")]
        action: String,
        /// What was done.
        #[arg(long)]
        text: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Record a determination of data fraud: the unit's result is void (the authority).
    #[command(after_help = "Examples:
  ledger decision fraud --period 2023 --unit 商河县 --indicators 9,10 --basis \"市审计局审计报告\" --key keys/authority.key")]
    Fraud {
        /// The period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// The determination's id (default: fraud-PERIOD-UNIT-N).
        #[arg(long)]
        id: Option<String>,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// The indicators whose data were falsified, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        indicators: Vec<String>,
        /// The basis.
        #[arg(long)]
        basis: String,
        #[command(flatten)]
        signing: Signing,
    },
}

pub fn run(ctx: &Ctx, Command::Decision(command): Command, out: &mut Out) -> Result<Outcome> {
    match command {
        DecisionCommand::Reward { period, id, unit, kind, amount, basis, signing } => write(ctx, &signing, out, |d| {
            Ok(one(office::reward(d, &period, id.as_deref(), &unit, &event_word(kind), amount.as_deref(), &basis)?))
        }),
        DecisionCommand::Action { period, id, unit, kind, basis, person_name, person_detail, signing } => {
            let sealed = match &person_name {
                Some(name) => {
                    Some(ledger_engine::personal::seal(&ledger_engine::personal::details(name, &person_detail)?)?)
                }
                None => None,
            };
            let (commitment, ops) = match sealed {
                Some((c, op)) => (Some(c), vec![(0, op)]),
                None => (None, Vec::new()),
            };
            write_personal(ctx, &signing, out, |d| {
                let sub = office::action_naming(
                    d,
                    &period,
                    id.as_deref(),
                    &unit,
                    &event_word(kind),
                    &basis,
                    commitment.as_deref(),
                )?;
                Ok((one(sub), ops))
            })
        }
        DecisionCommand::Rescind { period, target, reason, signing } => {
            write(ctx, &signing, out, |d| Ok(one(office::rescission(d, &period, &target, &reason)?)))
        }
        DecisionCommand::Rectify { period, action, text, signing } => {
            write(ctx, &signing, out, |d| Ok(one(office::rectification(d, &period, &action, &text)?)))
        }
        DecisionCommand::Fraud { period, id, unit, indicators, basis, signing } => write(ctx, &signing, out, |d| {
            Ok(one(office::fraud(d, &period, id.as_deref(), &unit, &indicators, &basis)?))
        }),
    }
}
