//! The domain's event types: their payloads (schema 1 of each), the stream
//! each lives in, and the default role that signs it. `docs/EVENTS.md` is
//! the reference for people.

use ledger_core::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use std::str::FromStr;

/// Every domain event type, with the role of the default role table
/// (`ledger/roles.json`) that signs it. The ledger's own role table is what
/// counts; this list is for documentation and for `ledger catalog`.
pub const TYPES: [(&str, &str); 39] = [
    ("indicator_defined", "authority"),
    ("indicator_revised", "authority"),
    ("unit_registered", "authority"),
    ("unit_renamed", "authority"),
    ("unit_reclassified", "authority"),
    ("unit_merged", "authority"),
    ("unit_retired", "authority"),
    ("policy_adopted", "authority"),
    ("period_opened", "authority"),
    ("target_assigned", "authority"),
    ("measurement_submitted", "statistics"),
    ("measurement_corrected", "statistics"),
    ("measurement_verified", "assessment"),
    ("measurement_returned", "assessment"),
    ("scores_published", "assessment"),
    ("objection_filed", "unit"),
    ("objection_resolved", "assessment"),
    ("period_finalized", "assessment"),
    ("reward_granted", "authority"),
    ("accountability_action_taken", "authority"),
    ("rectification_submitted", "unit"),
    ("action_rescinded", "authority"),
    ("data_fraud_determined", "authority"),
    ("audit_finding_recorded", "inspector"),
    ("time_zone_adopted", "authority"),
    ("unit_key_bound", "authority"),
    ("project_registered", "projects"),
    ("project_promoted", "projects"),
    ("project_progress_reported", "unit"),
    ("project_completed", "projects"),
    ("project_evaluated", "assessment"),
    ("personal_data_redacted", "authority"),
    ("measure_registered", "authority"),
    ("measure_progress_reported", "projects"),
    ("land_use_reported", "statistics"),
    ("monitoring_round_opened", "assessment"),
    ("supervision_recorded", "assessment"),
    ("supervision_closed", "assessment"),
    ("checkpoint_signed", "log"),
];

/// Whether the domain folds events of this type (every type of [`TYPES`]
/// but the log's checkpoints).
pub fn is_domain_type(event_type: &str) -> bool {
    event_type != "checkpoint_signed" && TYPES.iter().any(|(t, _)| *t == event_type)
}

/// An exact decimal, written in JSON as a string: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
/// Anything else (`12,5`, `1e5`, `NaN`, `+1`, ` 1`, `.5`) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec(pub Decimal);

impl FromStr for Dec {
    type Err = String;
    fn from_str(s: &str) -> Result<Dec, String> {
        ledger_score::parse_decimal(s).map(Dec).map_err(|e| e.to_string())
    }
}

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dec, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => s.parse().map_err(serde::de::Error::custom),
            serde_json::Value::Number(n) => Err(serde::de::Error::custom(format!(
                "decimal values are written as strings, e.g. \"{n}\", so that no reader turns them into floating point"
            ))),
            other => Err(serde::de::Error::custom(format!("expected a decimal string, found {other}"))),
        }
    }
}

impl Serialize for Dec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date(pub String);

impl Date {
    /// The first second of the date (UTC).
    pub fn start(&self) -> Timestamp {
        Timestamp::start_of_date(&self.0).unwrap_or_else(|_| unreachable_date())
    }
    /// The last second of the date (UTC).
    pub fn end(&self) -> Timestamp {
        Timestamp::end_of_date(&self.0).unwrap_or_else(|_| unreachable_date())
    }
}

fn unreachable_date() -> Timestamp {
    // Dates are validated when decoded; keep a total function anyway.
    Timestamp::from_unix(0).unwrap_or_else(Timestamp::now)
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::start_of_date(&s)
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a date YYYY-MM-DD")))?;
        Ok(Date(s))
    }
}

/// Which way an indicator improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// More is better.
    Higher,
    /// Less is better.
    Lower,
}

/// How an indicator is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A number scored against its target.
    Numeric,
    /// Pass or fail against a figure assigned later (indicator 18).
    PassFailAssigned,
    /// Pass or fail against a threshold, e.g. a legal standard (indicator 19).
    PassFailThreshold,
}

/// What values are plausible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// A percentage share: 0 to 100.
    Share,
    /// A count: a non-negative integer.
    Count,
    /// Money or a quantity: not negative.
    Amount,
    /// A per-capita ratio: not negative.
    Ratio,
    /// An index: not negative.
    Index,
    /// A rate of change: any sign.
    Rate,
}

impl ValueType {
    /// Checks a value's plausibility for this type.
    pub fn check(self, v: &Decimal) -> Result<(), String> {
        let negative = v.is_sign_negative() && !v.is_zero();
        match self {
            ValueType::Share if negative || *v > Decimal::ONE_HUNDRED => {
                Err(format!("{v} is not a share between 0 and 100"))
            }
            ValueType::Count if negative || v.scale() != 0 => {
                Err(format!("{v} is not a count (a non-negative integer, written without a decimal point)"))
            }
            ValueType::Amount | ValueType::Ratio | ValueType::Index if negative => {
                Err(format!("{v} is negative; this indicator's values cannot be"))
            }
            _ => Ok(()),
        }
    }
}

/// A baseline or target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// The year it refers to.
    #[serde(default)]
    pub year: Option<i32>,
    /// The value, when the plan gives a number.
    #[serde(default)]
    pub value: Option<Dec>,
    /// E.g. "2016 figure", "meet the standard".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `indicator_defined`; `indicator_revised` carries one too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    /// Stable id, e.g. "1" for Table 1's first indicator.
    pub id: String,
    /// Category, e.g. `innovation`.
    pub category: String,
    /// Category in Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_zh: Option<String>,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// Unit of measure, e.g. "%".
    pub unit: String,
    /// Which way is better.
    pub direction: Direction,
    /// How it is judged.
    pub kind: Kind,
    /// Plausible values.
    pub value_type: ValueType,
    /// The plan's baseline.
    pub baseline: Point,
    /// The plan's target.
    pub target: Point,
    /// Where it comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Data a rule needs that is not one of the plan's scored indicators.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auxiliary: bool,
}

/// Payload of `indicator_revised`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRevised {
    /// The whole new definition (same id).
    pub indicator: IndicatorDef,
    /// Why.
    pub reason: String,
}

/// What kind of unit is assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 区
    District,
    /// 县
    County,
    /// 功能区: high-tech zone, pilot zone, southern mountains.
    FunctionalZone,
}

/// Payload of `unit_registered`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRegistered {
    /// Stable id, e.g. `laiwu`.
    pub unit: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// District, county or functional zone.
    pub kind: UnitKind,
    /// From when it exists as an assessed unit.
    pub effective: Date,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `unit_renamed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRenamed {
    /// The unit.
    pub unit: String,
    /// New Chinese name.
    pub name_zh: String,
    /// New English name.
    pub name_en: String,
    /// From when.
    pub effective: Date,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `unit_reclassified` (e.g. county -> district).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitReclassified {
    /// The unit.
    pub unit: String,
    /// Old kind (must be the current one).
    pub from: UnitKind,
    /// New kind.
    pub to: UnitKind,
    /// From when.
    pub effective: Date,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `unit_merged`: the unit ceases, merged into another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitMerged {
    /// The unit that ceases.
    pub unit: String,
    /// The unit it joins.
    pub into: String,
    /// From when.
    pub effective: Date,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `unit_retired`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRetired {
    /// The unit.
    pub unit: String,
    /// From when it is no longer assessed.
    pub effective: Date,
    /// Why.
    pub reason: String,
}

/// Payload of `policy_adopted`: a scoring policy (see `docs/SCORING.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyAdopted {
    /// The policy document.
    pub policy: serde_json::Value,
}

/// Which policy a period is scored under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRef {
    /// Policy id.
    pub id: String,
    /// Policy version.
    pub version: u32,
}

/// Payload of `period_opened` (stream `period/<period>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodOpened {
    /// The year assessed.
    pub year: i32,
    /// The units assessed.
    pub units: Vec<String>,
    /// The indicators assessed (scored and auxiliary).
    pub indicators: Vec<String>,
    /// The scoring policy.
    pub policy: PolicyRef,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `target_assigned`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetAssigned {
    /// The unit.
    pub unit: String,
    /// The indicator.
    pub indicator: String,
    /// The target (for 18 the figure the province assigned, for 19 the standard).
    pub target: Dec,
    /// The unit's own baseline, for progress-to-target scoring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Dec>,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A source document, by hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// BLAKE3 of the document, 64 lowercase hex digits.
    pub blake3: String,
    /// Its title.
    pub title: String,
}

/// Payload of `measurement_submitted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementSubmitted {
    /// The unit.
    pub unit: String,
    /// The indicator.
    pub indicator: String,
    /// The value.
    pub value: Dec,
    /// Unit of measure; when given it must be the catalog's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    /// The source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// Remark (the demonstration marks its values as synthetic here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The monitoring round of an in-year value; absent for the annual value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
}

/// Payload of `measurement_corrected`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementCorrected {
    /// Sequence number of the `measurement_submitted` it corrects.
    pub corrects: u64,
    /// The corrected value.
    pub value: Dec,
    /// Why.
    pub reason: String,
    /// The source document of the new value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// Payload of `measurement_verified`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementVerified {
    /// Sequence number of the `measurement_submitted`.
    pub measurement: u64,
}

/// Payload of `measurement_returned`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementReturned {
    /// Sequence number of the `measurement_submitted`.
    pub measurement: u64,
    /// Why it goes back to the submitter.
    pub reason: String,
}

/// Payload of `scores_published`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoresPublished {
    /// Last day objections may be filed (the public-notice window).
    pub window_until: Date,
    /// Projection hash of the scores published.
    pub projection_hash: String,
    /// Values missing when published (`ledger publish --allow-incomplete`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_values: Option<u64>,
}

/// Payload of `objection_filed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionFiled {
    /// Objection id, unique in the period.
    pub objection: String,
    /// The unit it concerns.
    pub unit: String,
    /// The indicator, when it contests a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
    /// What is claimed.
    pub claim: String,
    /// The value the objector says is right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_value: Option<Dec>,
}

/// How an objection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The objection is right: the value is corrected.
    Upheld,
    /// The objection is wrong.
    Dismissed,
}

/// Payload of `objection_resolved`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionResolved {
    /// The objection.
    pub objection: String,
    /// Upheld or dismissed.
    pub outcome: Outcome,
    /// The reasons.
    pub reasons: String,
    /// With an upheld objection about a value: the corrected value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected_value: Option<Dec>,
}

/// Payload of `period_finalized`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodFinalized {
    /// The projection hash the assessment office attests to.
    pub projection_hash: String,
}

/// Rewards of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardKind {
    /// 政策倾斜 (plan line 772).
    PolicyPreference,
    /// A share of the tax increment remitted to the city (plan line 542).
    FiscalReward,
}

/// Payload of `reward_granted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardGranted {
    /// Reward id, unique in the period.
    pub reward: String,
    /// The unit.
    pub unit: String,
    /// Which reward.
    pub kind: RewardKind,
    /// For a fiscal reward, the amount (10k yuan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Dec>,
    /// The basis stated.
    pub basis: String,
}

/// Accountability actions of the plan (line 772), mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// 通报
    PublicNotice,
    /// 约谈
    AdmonitionTalk,
    /// 问责
    Accountability,
}

/// Payload of `accountability_action_taken`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionTaken {
    /// Action id, unique in the period.
    pub action: String,
    /// The unit.
    pub unit: String,
    /// Which action.
    pub kind: ActionKind,
    /// The basis stated.
    pub basis: String,
    /// The official it names, as a salted commitment (64 hex digits of
    /// BLAKE3 over a 32-byte salt and the canonical JSON of the details);
    /// the details and salt are kept outside the record
    /// ([`crate::personal`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
}

/// Payload of `personal_data_redacted` (stream `personal-data`): the
/// details and salt behind the commitment of a record were erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalDataRedacted {
    /// The record whose payload holds the commitment.
    pub record: u64,
    /// Why (the request, the rule).
    pub reason: String,
}

/// Payload of `rectification_submitted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RectificationSubmitted {
    /// The accountability action it answers.
    pub action: String,
    /// The unit.
    pub unit: String,
    /// What was done.
    pub text: String,
}

/// Payload of `action_rescinded`: a reward or an accountability action withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRescinded {
    /// The reward or action id.
    pub target: String,
    /// Why.
    pub reason: String,
}

/// Payload of `data_fraud_determined`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataFraudDetermined {
    /// Determination id, unique in the period.
    pub determination: String,
    /// The unit whose result is void.
    pub unit: String,
    /// The indicators whose data were falsified.
    pub indicators: Vec<String>,
    /// The basis.
    pub basis: String,
}

/// Payload of `audit_finding_recorded` (stream `audit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFindingRecorded {
    /// Finding id.
    pub finding: String,
    /// The period, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The unit, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// What was found.
    pub text: String,
}

/// Payload of `time_zone_adopted` (stream `settings`): the zone the ledger
/// reads dates in (a bare date, the last day of a window). Recorded once;
/// a ledger that records none reads dates in Asia/Shanghai.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeZoneAdopted {
    /// An IANA time zone name, e.g. `Asia/Shanghai`.
    pub zone: String,
}

/// Payload of `unit_key_bound` (stream `unit/<unit>`): the key speaks for
/// this unit, and may file objections and rectifications for it only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitKeyBound {
    /// The unit.
    pub unit: String,
    /// The key (64 hex digits), authorised with the `unit` role.
    pub key: String,
}

/// A stage of the major-project library (plan lines 764-768).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 储备库: the reserve library.
    Reserve,
    /// 预备库: the preparatory library.
    Preparatory,
    /// 建设库: the construction library.
    Construction,
}

impl Stage {
    /// The name used in payloads and views.
    pub fn name(self) -> &'static str {
        match self {
            Self::Reserve => "reserve",
            Self::Preparatory => "preparatory",
            Self::Construction => "construction",
        }
    }
    /// Its place in the library, 0 for the reserve.
    pub fn rank(self) -> u8 {
        match self {
            Self::Reserve => 0,
            Self::Preparatory => 1,
            Self::Construction => 2,
        }
    }
}

/// The unit planned investment is written in: 万元 (10k yuan).
pub const INVESTMENT_UNIT: &str = "万元";

/// Payload of `project_registered` (stream `project/<id>`): a major project
/// enters the reserve library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectRegistered {
    /// Project id, `[a-z0-9][a-z0-9_.-]*`, at most 64.
    pub project: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The unit (district, county or zone) it is in.
    pub unit: String,
    /// Sector, e.g. `new-generation IT`, `high-end equipment`.
    pub sector: String,
    /// Planned total investment, exact, more than zero.
    pub planned_investment: Dec,
    /// The unit of the investment: `万元`.
    pub investment_unit: String,
    /// Always `reserve`: every project enters the library there.
    pub stage: Stage,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `project_promoted`: a move to the next stage, or, with
/// `demotion` and a `reason`, back to an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectPromoted {
    /// The project.
    pub project: String,
    /// The stage it is in (must be the current one).
    pub from: Stage,
    /// The stage it moves to.
    pub to: Stage,
    /// The basis: the approval document, the review.
    pub basis: String,
    /// The office that approved the move, e.g. `Jinan Development and Reform Commission`.
    pub approved_by: String,
    /// True for a move back to an earlier stage.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demotion: bool,
    /// Why it moves back (required with `demotion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Payload of `project_progress_reported`: the investment completed and the
/// milestone reached in a reporting period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectProgressReported {
    /// The project.
    pub project: String,
    /// The reporting period, e.g. `2021` or `2021-H2`.
    pub period: String,
    /// Investment completed in the period (万元), exact, not negative.
    pub investment_completed: Dec,
    /// The milestone reached.
    pub milestone: String,
    /// The source document, by hash.
    pub evidence: Evidence,
}

/// Payload of `project_completed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectCompleted {
    /// The project.
    pub project: String,
    /// The date of completion (acceptance).
    pub completed: Date,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The result of a completed project's evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectRating {
    /// 优秀
    Excellent,
    /// 良好
    Good,
    /// 合格
    Satisfactory,
    /// 不合格
    Unsatisfactory,
}

/// Payload of `project_evaluated`: the result evaluation of a completed project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectEvaluated {
    /// The project.
    pub project: String,
    /// The rating.
    pub rating: ProjectRating,
    /// The findings, in words.
    pub summary: String,
    /// The evaluation report, by hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// Parses a payload, naming the field that is wrong.
pub fn parse<T: serde::de::DeserializeOwned>(
    event_type: &str,
    data: &serde_json::Map<String, serde_json::Value>,
) -> Result<T, String> {
    let value = serde_json::Value::Object(data.clone());
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        if path.is_empty() || path == "." {
            format!("{event_type}: {}", e.inner())
        } else {
            format!("{event_type}: {path}: {}", e.inner())
        }
    })
}
