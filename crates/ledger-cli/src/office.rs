//! The offices' commands: one per event an office writes, so that nobody
//! writes JSON by hand. Each builds the event (`ledger_node::office`),
//! signs, appends, and prints what it recorded.

use crate::Outcome;
use crate::commands::{Ctx, read_private};
use crate::output::Out;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use ledger_core::append::Submission;
use ledger_node::office::{self, Adopt, ObjectionFiling, PeriodOpening};
use ledger_node::{Appended, Ledger, Signer, files};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// What every office command takes.
#[derive(Debug, Args)]
pub struct Signing {
    /// The office's private key.
    #[arg(long)]
    pub key: PathBuf,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum What {
    /// The indicator catalog (default: the embedded ledger/catalog.json).
    Catalog,
    /// The assessed units and their history (default: ledger/units.json).
    Units,
    /// A scoring policy (default: ledger/policy.json).
    Policy,
    /// The time zone dates are read in (give its IANA name; default Asia/Shanghai). Recorded once.
    TimeZone,
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

fn value_name<T: ValueEnum>(v: T) -> String {
    v.to_possible_value().map(|p| p.get_name().replace('-', "_")).unwrap_or_default()
}

#[derive(Debug, Subcommand)]
pub enum OfficeCommand {
    /// Adopt the catalog, the units or a policy (the authority): a fresh ledger becomes an assessment ledger.
    #[command(after_help = "Examples:
  ledger adopt catalog --key keys/authority.key          # likewise units, policy: the embedded ledger/*.json
  ledger adopt policy my-policy.json --key keys/authority.key
  ledger adopt time-zone Asia/Shanghai --key keys/authority.key")]
    Adopt {
        /// What to adopt.
        what: What,
        /// The document (default: the one embedded from ledger/); for time-zone, the zone's name.
        #[arg(value_name = "FILE|ZONE")]
        file: Option<PathBuf>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Open an assessment period (the authority).
    #[command(
        subcommand,
        after_help = "Examples:
  ledger period open --period 2023 --key keys/authority.key"
    )]
    Period(PeriodCommand),
    /// Monitoring rounds inside a period (process assessment): open one with its due date (the assessment office).
    #[command(
        subcommand,
        after_help = "Examples:
  ledger round open --period 2023 --round 2023-Q1 --due 2023-04-15 --indicators 9,14 --key keys/assessment.key
  ledger submit --period 2023 --round 2023-Q1 --key keys/statistics.key q1.csv     # the in-year values"
    )]
    Round(RoundCommand),
    /// Routine supervision (平时监督): record a finding about a unit with its follow-up date, close it (the assessment office or an inspector).
    #[command(
        subcommand,
        after_help = "Examples:
  ledger supervision record --period 2023 --unit 商河县 --severity major --text \"Q1 报表逾期\" --follow-up-due 2023-06-30 --key keys/assessment.key
  ledger supervision close --period 2023 --finding sup-2023-1 --text \"已整改\" --key keys/assessment.key"
    )]
    Supervision(SupervisionCommand),
    /// Assign targets from CSV (the authority): unit,indicator,target[,baseline,note] (or 单位,指标,目标值,...).
    #[command(after_help = "Examples:
  ledger targets --period 2023 --key keys/authority.key targets-2023.csv   # 单位,指标,目标值,基期值")]
    Targets {
        /// The period.
        #[arg(long)]
        period: String,
        /// The CSV file.
        file: PathBuf,
        #[command(flatten)]
        signing: Signing,
    },
    /// Correct a submitted value, with a reason (the statistics office).
    #[command(after_help = "Examples:
  ledger correct --period 2023 --unit 商河县 --indicator 10 --value 130.5 --reason \"payroll recount\" --key keys/statistics.key")]
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
    /// Verify the current values of a period, of one unit, or of one indicator (the assessment office).
    #[command(after_help = "Examples:
  ledger verify-values --period 2023 --key keys/assessment.key
  ledger verify-values --period 2023 --unit 商河县 --indicator 10 --key keys/assessment.key")]
    VerifyValues {
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
    /// Send a submitted value back to the statistics office (the assessment office).
    #[command(after_help = "Examples:
  ledger return --period 2023 --unit 商河县 --indicator 10 --reason \"与社保缴费人数不符\" --key keys/assessment.key")]
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
    /// File or resolve an objection to published scores.
    #[command(
        subcommand,
        after_help = "Examples:
  ledger objection file --period 2023 --unit 商河县 --indicator 10 --claim \"口径有误\" --key keys/shanghe.key
  ledger objection resolve --period 2023 --id obj-2023-1 --dismissed --reasons \"口径无误\" --key keys/assessment.key"
    )]
    Objection(ObjectionCommand),
    /// Grant a reward after finalisation (the authority).
    #[command(
        subcommand,
        after_help = "Examples:
  ledger reward grant --period 2023 --unit 历下区 --kind policy-preference --basis \"C1: excellent\" --key keys/authority.key"
    )]
    Reward(RewardCommand),
    /// Take or rescind an accountability action (the authority).
    #[command(
        subcommand,
        after_help = "Examples:
  ledger action take --period 2023 --unit 商河县 --kind public-notice --id notice-1 --basis \"C3.1: poor\" --key keys/authority.key
  ledger action rescind --period 2023 --target notice-1 --reason \"复核后撤销\" --key keys/authority.key"
    )]
    Action(ActionCommand),
    /// Answer an accountability action with a rectification (the unit).
    #[command(after_help = "Examples:
  ledger rectify --period 2023 --action notice-1 --text \"整改方案已报送\" --key keys/shanghe.key")]
    Rectify {
        /// The period.
        #[arg(long)]
        period: String,
        /// The accountability action's id.
        #[arg(long)]
        action: String,
        /// What was done.
        #[arg(long)]
        text: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Record a determination of data fraud: the unit's result is void (the authority).
    #[command(
        subcommand,
        after_help = "Examples:
  ledger fraud determine --period 2023 --unit 商河县 --indicators 9,10 --basis \"市审计局审计报告\" --key keys/authority.key"
    )]
    Fraud(FraudCommand),
    /// Erase the personal data a record names (the authority): the name and salt are deleted, a personal_data_redacted event records it; every hash and signature stays valid.
    #[command(
        after_help = "Examples:\n  ledger redact --record 4734 --reason \"retention period over (rule 12)\" --key keys/authority.key"
    )]
    Redact {
        /// The record whose payload holds the commitment.
        #[arg(long, value_name = "SEQ")]
        record: u64,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// The plan's policy measures: register one (the authority), report its progress (the Commission).
    #[command(
        subcommand,
        after_help = "Examples:\n  ledger measure register --id m-2023-01 --title-zh 推进新旧动能转换重大项目建设 --title-en \"Push the major conversion projects\" --lead-office \"Jinan Development and Reform Commission\" --source \"plan line 612\" --due 2023-12-31 --key keys/authority.key\n  ledger measure progress --id m-2023-01 --period 2023 --status in-progress --text \"12 of 20 projects started\" --key keys/projects.key"
    )]
    Measure(MeasureCommand),
    /// Report a unit's land use for a period (the statistics bureau).
    #[command(
        subcommand,
        after_help = "Examples:\n  ledger land report --unit 章丘区 --period 2023 --supplied-ha 120.5 --used-ha 86.25 --projects jn-2023-001 --key keys/statistics.key"
    )]
    Land(LandCommand),
    /// The major-project library: register, promote, report progress, complete, evaluate.
    #[command(
        subcommand,
        after_help = "Examples:\n  ledger project register --id jn-2023-001 --name-zh 新材料产业园 --name-en \"New materials park\" --unit 章丘区 --sector \"new materials\" --planned-investment 200000 --key keys/projects.key\n  ledger project promote --id jn-2023-001 --to preparatory --basis \"feasibility study approved (2023-17)\" --approved-by \"Jinan Development and Reform Commission\" --key keys/projects.key\n  ledger projects --unit 章丘区                  # the library, with each project's stages"
    )]
    Project(ProjectCommand),
}

#[derive(Debug, Subcommand)]
pub enum PeriodCommand {
    /// Open a period: every unit that exists in the year, every indicator and the adopted policy unless told otherwise.
    #[command(after_help = "Examples:
  ledger period open --period 2023 --key keys/authority.key     # every unit and indicator, the adopted policy
  ledger period open --period 2023 --units 历下区,商河县 --note \"试点\" --key keys/authority.key")]
    Open {
        /// The period id, e.g. 2023.
        #[arg(long)]
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
        /// The policy, ID@VERSION.
        #[arg(long)]
        policy: Option<String>,
        /// A remark.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoundCommand {
    /// Open a monitoring round: the in-year reports it asks for and the last day they are on time.
    #[command(after_help = "Examples:
  ledger round open --period 2023 --round 2023-Q1 --due 2023-04-15 --indicators 9,14 --key keys/assessment.key
  ledger round open --period 2023 --round 2023-06 --due 2023-07-10 --note \"月报\" --key keys/assessment.key   # every indicator")]
    Open {
        /// The period.
        #[arg(long)]
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
}

#[derive(Debug, Subcommand)]
pub enum SupervisionCommand {
    /// Record a routine-supervision finding about a unit, with its follow-up date.
    #[command(after_help = "Examples:
  ledger supervision record --period 2023 --unit 商河县 --severity major --text \"Q1 报表逾期\" --follow-up-due 2023-06-30 --key keys/assessment.key
  ledger supervision record --period 2023 --unit 长清区 --severity minor --text \"台账不全\" --follow-up-due 2023-05-31 --round 2023-Q1 --key keys/inspector.key")]
    Record {
        /// The period.
        #[arg(long)]
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
        #[arg(long)]
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

#[derive(Debug, Subcommand)]
pub enum ObjectionCommand {
    /// File an objection inside the window (a unit for itself, or an inspector).
    #[command(after_help = "Examples:
  ledger objection file --period 2023 --unit 商河县 --indicator 10 --claim \"口径有误\" --proposed-value 30.0 --key keys/shanghe.key
  ledger objection file --period 2023 --unit 历下区 --claim \"composite miscounted\" --key keys/inspector.key")]
    File {
        /// The period.
        #[arg(long)]
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
        #[arg(long)]
        proposed_value: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Resolve an objection (the assessment office).
    #[command(after_help = "Examples:
  ledger objection resolve --period 2023 --id obj-2023-1 --upheld --corrected-value 30.0 --reasons \"核实无误\" --key keys/assessment.key
  ledger objection resolve --period 2023 --id obj-2023-2 --dismissed --reasons \"口径无误\" --key keys/assessment.key")]
    Resolve {
        /// The period.
        #[arg(long)]
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
        /// The reasons (also --reason, as in the other commands).
        #[arg(long, visible_alias = "reason")]
        reasons: String,
        /// With --upheld, about a value: the corrected value.
        #[arg(long, requires = "upheld")]
        corrected_value: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
}

#[derive(Debug, Subcommand)]
pub enum RewardCommand {
    /// Grant a reward to a unit for a finalised period.
    #[command(after_help = "Examples:
  ledger reward grant --period 2023 --unit 历下区 --kind policy-preference --basis \"C1: excellent\" --key keys/authority.key
  ledger reward grant --period 2023 --unit 历下区 --kind fiscal-reward --amount 746.20 --basis C2 --key keys/authority.key")]
    Grant {
        /// The period.
        #[arg(long)]
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
        #[arg(long)]
        amount: Option<String>,
        /// The basis stated.
        #[arg(long)]
        basis: String,
        #[command(flatten)]
        signing: Signing,
    },
}

#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Take an accountability action against a unit for a finalised period.
    #[command(after_help = "Examples:
  ledger action take --period 2023 --unit 商河县 --kind public-notice --id notice-1 --basis \"C3.1: poor\" --key keys/authority.key
  ledger action take --period 2023 --unit 商河县 --kind admonition-talk --basis C3.2 --key keys/authority.key")]
    Take {
        /// The period.
        #[arg(long)]
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
        /// The official it names: the record holds only a salted commitment, the name is kept beside the ledger and can be erased (`ledger redact`).
        #[arg(long)]
        person_name: Option<String>,
        /// More about the official, KEY=VALUE (e.g. position=deputy head), repeatable; kept with the name.
        #[arg(long, requires = "person_name")]
        person_detail: Vec<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Rescind a reward or an accountability action.
    #[command(after_help = "Examples:
  ledger action rescind --period 2023 --target notice-1 --reason \"复核后撤销\" --key keys/authority.key")]
    Rescind {
        /// The period.
        #[arg(long)]
        period: String,
        /// The reward's or action's id.
        #[arg(long)]
        target: String,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        signing: Signing,
    },
}

#[derive(Debug, Subcommand)]
pub enum FraudCommand {
    /// Determine that a unit's data were falsified.
    #[command(after_help = "Examples:
  ledger fraud determine --period 2023 --unit 商河县 --indicators 9,10 --basis \"市审计局审计报告\" --key keys/authority.key")]
    Determine {
        /// The period.
        #[arg(long)]
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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StageArg {
    /// 储备库.
    Reserve,
    /// 预备库.
    Preparatory,
    /// 建设库.
    Construction,
}

impl StageArg {
    pub fn stage(self) -> ledger_domain::events::Stage {
        match self {
            Self::Reserve => ledger_domain::events::Stage::Reserve,
            Self::Preparatory => ledger_domain::events::Stage::Preparatory,
            Self::Construction => ledger_domain::events::Stage::Construction,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RatingArg {
    /// 优秀.
    Excellent,
    /// 良好.
    Good,
    /// 合格.
    Satisfactory,
    /// 不合格.
    Unsatisfactory,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MeasureStatusArg {
    /// Not started.
    Planned,
    /// Under way.
    InProgress,
    /// Carried out (no later report).
    Done,
}

#[derive(Debug, Subcommand)]
pub enum MeasureCommand {
    /// Register a policy measure of the plan.
    #[command(
        after_help = "Examples:\n  ledger measure register --id m-2023-01 --title-zh 推进新旧动能转换重大项目建设 --title-en \"Push the major conversion projects\" --lead-office \"Jinan Development and Reform Commission\" --source \"plan line 612\" --due 2023-12-31 --key keys/authority.key"
    )]
    Register {
        /// The measure's id.
        #[arg(long)]
        id: String,
        /// Chinese title.
        #[arg(long)]
        title_zh: String,
        /// English title.
        #[arg(long)]
        title_en: String,
        /// The office that leads it.
        #[arg(long)]
        lead_office: String,
        /// Where the plan sets it, e.g. "plan line 612".
        #[arg(long)]
        source: String,
        /// When it is due (YYYY-MM-DD).
        #[arg(long)]
        due: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Report a measure's progress for a period.
    #[command(
        after_help = "Examples:\n  ledger measure progress --id m-2023-01 --period 2023 --status in-progress --text \"12 of 20 projects started\" --key keys/projects.key"
    )]
    Progress {
        /// The measure.
        #[arg(long)]
        id: String,
        /// The period, e.g. 2023.
        #[arg(long)]
        period: String,
        /// Where it stands.
        #[arg(long, value_enum)]
        status: MeasureStatusArg,
        /// What was done.
        #[arg(long)]
        text: String,
        #[command(flatten)]
        signing: Signing,
    },
}

#[derive(Debug, Subcommand)]
pub enum LandCommand {
    /// Report the land supplied and used in a unit in a period (hectares).
    #[command(
        after_help = "Examples:\n  ledger land report --unit 章丘区 --period 2023 --supplied-ha 120.5 --used-ha 86.25 --projects jn-2023-001 --key keys/statistics.key"
    )]
    Report {
        /// The unit: id or name.
        #[arg(long)]
        unit: String,
        /// The period, e.g. 2023.
        #[arg(long)]
        period: String,
        /// Land supplied for construction, ha.
        #[arg(long, allow_hyphen_values = true)]
        supplied_ha: String,
        /// Land used by the plan's projects, ha.
        #[arg(long, allow_hyphen_values = true)]
        used_ha: String,
        /// The major projects the land went to, comma-separated.
        #[arg(long, value_delimiter = ',')]
        projects: Vec<String>,
        #[command(flatten)]
        signing: Signing,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Register a major project in the reserve library (the Development and Reform Commission).
    #[command(
        after_help = "Examples:\n  ledger project register --id jn-2023-001 --name-zh 新材料产业园 --name-en \"New materials park\" --unit 章丘区 --sector \"new materials\" --planned-investment 200000 --key keys/projects.key"
    )]
    Register {
        /// The project's id, [a-z0-9][a-z0-9_.-]*.
        #[arg(long)]
        id: String,
        /// Chinese name.
        #[arg(long)]
        name_zh: String,
        /// English name.
        #[arg(long)]
        name_en: String,
        /// The unit it is in: id or name.
        #[arg(long)]
        unit: String,
        /// Sector.
        #[arg(long)]
        sector: String,
        /// Planned total investment, 万元 (10k yuan).
        #[arg(long, allow_hyphen_values = true)]
        planned_investment: String,
        /// A remark.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Move a project to the next stage; with --demotion-reason, back to an earlier one (the Commission).
    #[command(
        after_help = "Examples:\n  ledger project promote --id jn-2023-001 --to preparatory --basis \"feasibility study approved (2023-17)\" --approved-by \"Jinan Development and Reform Commission\" --key keys/projects.key\n  ledger project promote --id jn-2023-001 --to reserve --demotion-reason \"land-use approval lapsed\" --basis \"review 2024-3\" --approved-by \"Jinan Development and Reform Commission\" --key keys/projects.key"
    )]
    Promote {
        /// The project.
        #[arg(long)]
        id: String,
        /// The stage it moves to.
        #[arg(long, value_enum)]
        to: StageArg,
        /// The basis: the approval, the review.
        #[arg(long)]
        basis: String,
        /// The approving office.
        #[arg(long)]
        approved_by: String,
        /// A move back: why.
        #[arg(long)]
        demotion_reason: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Report a project's progress for a period (its unit, or the Commission).
    #[command(
        after_help = "Examples:\n  ledger project progress --id jn-2023-001 --period 2023 --investment 45000 --milestone \"foundations complete\" --evidence 0f3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e1f3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e --evidence-title \"2023 progress report\" --key keys/projects.key"
    )]
    Progress {
        /// The project.
        #[arg(long)]
        id: String,
        /// The reporting period, e.g. 2023 or 2023-H1.
        #[arg(long)]
        period: String,
        /// Investment completed in the period, 万元.
        #[arg(long, allow_hyphen_values = true)]
        investment: String,
        /// The milestone reached.
        #[arg(long)]
        milestone: String,
        /// The evidence document: its BLAKE3 hash (64 hex digits).
        #[arg(long)]
        evidence: String,
        /// The evidence document's title.
        #[arg(long)]
        evidence_title: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Record a project in construction as completed (the Commission).
    #[command(
        after_help = "Examples:\n  ledger project complete --id jn-2023-001 --date 2025-06-30 --note \"accepted on inspection\" --key keys/projects.key"
    )]
    Complete {
        /// The project.
        #[arg(long)]
        id: String,
        /// The date of completion (YYYY-MM-DD).
        #[arg(long)]
        date: String,
        /// A remark.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Record the result evaluation of a completed project (the assessment office).
    #[command(
        after_help = "Examples:\n  ledger project evaluate --id jn-2023-001 --rating good --summary \"capacity reached 90% of plan\" --evidence 0f3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e1f3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e --evidence-title \"evaluation report\" --key keys/assessment.key"
    )]
    Evaluate {
        /// The project.
        #[arg(long)]
        id: String,
        /// The rating.
        #[arg(long, value_enum)]
        rating: RatingArg,
        /// The findings.
        #[arg(long)]
        summary: String,
        /// The evaluation report: its BLAKE3 hash.
        #[arg(long, requires = "evidence_title")]
        evidence: Option<String>,
        /// The evaluation report's title.
        #[arg(long, requires = "evidence")]
        evidence_title: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
}

/// Builds the events from the domain state as the writer sees it, appends
/// them, prints what was recorded.
fn write(
    ctx: &Ctx,
    signing: &Signing,
    out: &mut Out,
    build: impl FnOnce(&ledger_domain::Domain) -> Result<Vec<(usize, Submission)>, ledger_node::Error>,
) -> Result<Outcome> {
    let author = read_private(&signing.key)?;
    let mut ledger = ctx.open()?;
    let subs = build(ledger.domain()?)?;
    let result = ledger.append(&subs, Signer::new(&author), crate::now()?);
    ctx.warnings(&mut ledger);
    report(&ledger, &result?, signing.json, out)?;
    Ok(Outcome::Ok)
}

type PersonalOps = Vec<(usize, ledger_node::PersonalOp)>;

/// [`write`], with the personal data the events refer to (kept or erased
/// in the same transaction).
fn write_personal(
    ctx: &Ctx,
    signing: &Signing,
    out: &mut Out,
    build: impl FnOnce(&ledger_domain::Domain) -> Result<(Vec<(usize, Submission)>, PersonalOps), ledger_node::Error>,
) -> Result<Outcome> {
    let author = read_private(&signing.key)?;
    let mut ledger = ctx.open()?;
    let (subs, ops) = build(ledger.domain()?)?;
    let result = ledger.append_personal(&subs, &ops, Signer::new(&author), crate::now()?);
    ctx.warnings(&mut ledger);
    report(&ledger, &result?, signing.json, out)?;
    Ok(Outcome::Ok)
}

/// One line per event recorded: its seq, type, stream and a summary.
pub fn report(ledger: &Ledger, results: &[Appended], json_out: bool, out: &mut Out) -> Result<()> {
    let mut items = Vec::new();
    for r in results {
        let record = ledger.record(r.seq)?;
        let data = Value::Object(record.envelope.data.clone());
        let summary = crate::output::summarize(&data);
        if r.existing {
            eprintln!(
                "line {}: already recorded at seq {} (same event id and content); nothing new appended",
                r.line, r.seq
            );
        }
        if json_out {
            items.push(json!({
                "line": r.line, "seq": r.seq, "status": if r.existing { "existing" } else { "appended" },
                "type": record.envelope.event_type, "stream": record.envelope.stream, "data": data,
            }));
        } else {
            out.line(format!("{:>6}  {}  {}  {summary}", r.seq, record.envelope.event_type, record.envelope.stream))?;
        }
    }
    if json_out {
        out.json(&json!({"appended": results.iter().filter(|r| !r.existing).count(), "events": items}))?;
    }
    Ok(())
}

fn one(sub: Submission) -> Vec<(usize, Submission)> {
    vec![(0, sub)]
}

fn numbered(subs: Vec<Submission>) -> Vec<(usize, Submission)> {
    subs.into_iter().enumerate().map(|(i, s)| (i + 1, s)).collect()
}

fn document(file: Option<&Path>) -> Result<Option<String>> {
    match file {
        Some(p) => {
            let bytes = files::read(p, files::DOCUMENT)?;
            Ok(Some(String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", p.display()))?))
        }
        None => Ok(None),
    }
}

pub fn run(ctx: &Ctx, command: OfficeCommand, out: &mut Out) -> Result<Outcome> {
    match command {
        OfficeCommand::Adopt { what: What::TimeZone, file, signing } => {
            let zone = file
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| ledger_core::time::DEFAULT_ZONE.to_owned());
            write(ctx, &signing, out, |_| Ok(one(office::time_zone(&zone)?)))
        }
        OfficeCommand::Adopt { what, file, signing } => {
            let what = match what {
                What::Catalog => Adopt::Catalog,
                What::Units => Adopt::Units,
                What::Policy | What::TimeZone => Adopt::Policy,
            };
            let text = document(file.as_deref())?;
            write(ctx, &signing, out, |_| Ok(numbered(office::adoption(what, text.as_deref())?)))
        }
        OfficeCommand::Period(PeriodCommand::Open { period, year, units, indicators, policy, note, signing }) => {
            let opening = PeriodOpening { period, year, units, indicators, policy, note };
            write(ctx, &signing, out, |d| Ok(one(office::open_period(d, &opening)?)))
        }
        OfficeCommand::Targets { period, file, signing } => {
            let table = ledger_node::csv::read(&file, ledger_node::csv::Kind::Targets)?;
            write_table(ctx, &signing, out, &table, &period, None)
        }
        OfficeCommand::Correct { period, round, unit, indicator, value, reason, signing } => {
            write(ctx, &signing, out, |d| {
                Ok(one(office::correction(d, &period, round.as_deref(), &unit, &indicator, &value, &reason)?))
            })
        }
        OfficeCommand::Round(RoundCommand::Open { period, round, due, indicators, note, signing }) => {
            write(ctx, &signing, out, |d| {
                Ok(one(office::open_round(d, &period, &round, &due, &indicators, note.as_deref())?))
            })
        }
        OfficeCommand::Supervision(SupervisionCommand::Record {
            period,
            id,
            unit,
            severity,
            text,
            follow_up_due,
            round,
            signing,
        }) => {
            let filing = office::SupervisionFiling { id, unit, severity, text, follow_up_due, round };
            write(ctx, &signing, out, |d| Ok(one(office::supervision(d, &period, &filing)?)))
        }
        OfficeCommand::Supervision(SupervisionCommand::Close { period, finding, text, signing }) => {
            write(ctx, &signing, out, |d| Ok(one(office::close_supervision(d, &period, &finding, &text)?)))
        }
        OfficeCommand::VerifyValues { period, round, unit, indicator, signing } => write(ctx, &signing, out, |d| {
            Ok(numbered(office::verifications(d, &period, round.as_deref(), unit.as_deref(), indicator.as_deref())?))
        }),
        OfficeCommand::Return { period, round, unit, indicator, reason, signing } => write(ctx, &signing, out, |d| {
            Ok(one(office::return_value(d, &period, round.as_deref(), &unit, &indicator, &reason)?))
        }),
        OfficeCommand::Objection(ObjectionCommand::File {
            period,
            id,
            unit,
            indicator,
            claim,
            proposed_value,
            signing,
        }) => {
            let filing = ObjectionFiling { id, unit, indicator, claim, proposed_value };
            write(ctx, &signing, out, |d| Ok(one(office::objection(d, &period, &filing)?)))
        }
        OfficeCommand::Objection(ObjectionCommand::Resolve {
            period,
            id,
            upheld,
            dismissed: _,
            reasons,
            corrected_value,
            signing,
        }) => write(ctx, &signing, out, |d| {
            Ok(one(office::resolution(d, &period, &id, upheld, &reasons, corrected_value.as_deref())?))
        }),
        OfficeCommand::Reward(RewardCommand::Grant { period, id, unit, kind, amount, basis, signing }) => {
            write(ctx, &signing, out, |d| {
                Ok(one(office::reward(d, &period, id.as_deref(), &unit, &value_name(kind), amount.as_deref(), &basis)?))
            })
        }
        OfficeCommand::Action(ActionCommand::Take {
            period,
            id,
            unit,
            kind,
            basis,
            person_name,
            person_detail,
            signing,
        }) => {
            let sealed = match &person_name {
                Some(name) => {
                    Some(ledger_node::personal::seal(&ledger_node::personal::details(name, &person_detail)?)?)
                }
                None => None,
            };
            let (commitment, ops) = match sealed {
                Some((c, op)) => (Some(c), vec![(0, op)]),
                None => (None, Vec::new()),
            };
            write_personal(ctx, &signing, out, |d| {
                let mut sub = office::action(d, &period, id.as_deref(), &unit, &value_name(kind), &basis)?;
                if let Some(c) = &commitment {
                    sub.data.insert("person".into(), json!(c));
                }
                Ok((one(sub), ops))
            })
        }
        OfficeCommand::Redact { record, reason, signing } => write_personal(ctx, &signing, out, |d| {
            Ok((one(ledger_node::personal::redaction(d, record, &reason)?), Vec::new()))
        }),
        OfficeCommand::Action(ActionCommand::Rescind { period, target, reason, signing }) => {
            write(ctx, &signing, out, |d| Ok(one(office::rescission(d, &period, &target, &reason)?)))
        }
        OfficeCommand::Rectify { period, action, text, signing } => {
            write(ctx, &signing, out, |d| Ok(one(office::rectification(d, &period, &action, &text)?)))
        }
        OfficeCommand::Project(c) => project(ctx, c, out),
        OfficeCommand::Measure(MeasureCommand::Register {
            id,
            title_zh,
            title_en,
            lead_office,
            source,
            due,
            signing,
        }) => write(ctx, &signing, out, |_| {
            Ok(one(ledger_node::monitoring::register(
                &id,
                (&title_zh, &title_en),
                &lead_office,
                &source,
                due.as_deref(),
            )))
        }),
        OfficeCommand::Measure(MeasureCommand::Progress { id, period, status, text, signing }) => {
            write(ctx, &signing, out, |d| {
                Ok(one(ledger_node::monitoring::progress(d, &id, &period, &value_name(status), &text)?))
            })
        }
        OfficeCommand::Land(LandCommand::Report { unit, period, supplied_ha, used_ha, projects, signing }) => {
            write(ctx, &signing, out, |d| {
                Ok(one(ledger_node::monitoring::land_use(d, &unit, &period, (&supplied_ha, &used_ha), &projects)?))
            })
        }
        OfficeCommand::Fraud(FraudCommand::Determine { period, id, unit, indicators, basis, signing }) => {
            write(ctx, &signing, out, |d| {
                Ok(one(office::fraud(d, &period, id.as_deref(), &unit, &indicators, &basis)?))
            })
        }
    }
}

fn project(ctx: &Ctx, command: ProjectCommand, out: &mut Out) -> Result<Outcome> {
    use ledger_node::projects as p;
    match command {
        ProjectCommand::Register { id, name_zh, name_en, unit, sector, planned_investment, note, signing } => {
            let r = p::Registration { id, name_zh, name_en, unit, sector, planned_investment, note };
            write(ctx, &signing, out, |d| Ok(one(p::register(d, &r)?)))
        }
        ProjectCommand::Promote { id, to, basis, approved_by, demotion_reason, signing } => {
            write(ctx, &signing, out, |d| {
                Ok(one(p::promote(d, &id, to.stage(), &basis, &approved_by, demotion_reason.as_deref())?))
            })
        }
        ProjectCommand::Progress { id, period, investment, milestone, evidence, evidence_title, signing } => {
            write(ctx, &signing, out, |d| {
                Ok(one(p::progress(d, &id, &period, &investment, &milestone, (&evidence, &evidence_title))?))
            })
        }
        ProjectCommand::Complete { id, date, note, signing } => {
            write(ctx, &signing, out, |d| Ok(one(p::complete(d, &id, &date, note.as_deref())?)))
        }
        ProjectCommand::Evaluate { id, rating, summary, evidence, evidence_title, signing } => {
            let evidence = evidence.as_deref().zip(evidence_title.as_deref());
            write(ctx, &signing, out, |d| Ok(one(p::evaluate(d, &id, &value_name(rating), &summary, evidence)?)))
        }
    }
}

/// A CSV table's events, appended; refusals name the CSV column.
pub fn write_table(
    ctx: &Ctx,
    signing: &Signing,
    out: &mut Out,
    table: &ledger_node::csv::Table,
    period: &str,
    round: Option<&str>,
) -> Result<Outcome> {
    let author = read_private(&signing.key)?;
    let mut ledger = ctx.open()?;
    let subs = table.submissions(period, round, ledger.domain()?)?;
    let result = ledger.append(&subs, Signer::new(&author), crate::now()?);
    ctx.warnings(&mut ledger);
    let results = result.map_err(|e| table.name_column(e))?;
    report(&ledger, &results, signing.json, out)?;
    Ok(Outcome::Ok)
}
