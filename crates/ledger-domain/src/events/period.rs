//! The payloads of an assessment period's events (stream
//! `period/<period>`): the opening, targets, values, publication,
//! objections, finalisation and the consequences (`docs/EVENTS.md`,
//! "Periods").

use super::values::{Date, Dec, Evidence};
use serde::{Deserialize, Serialize};

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
    /// Values missing when published (`ledger period publish --allow-incomplete`).
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
