//! What scoring produces: the period's projection plus its anomalies.

use crate::decimal::{serde_str, serde_str_opt};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Scores of one period under one policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodScores {
    /// The period.
    pub period: String,
    /// The policy's id.
    pub policy_id: String,
    /// The policy's version.
    pub policy_version: u32,
    /// Ordered by rank, then unit id; disqualified units last, by unit id.
    pub units: Vec<UnitScore>,
    /// Data problems met on the way (sorted; scoring went on regardless).
    pub anomalies: Vec<Anomaly>,
}

/// One unit's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitScore {
    /// Unit id.
    pub unit: String,
    /// Composite score, at `score_scale` places (0 when disqualified).
    #[serde(with = "serde_str")]
    pub score: Decimal,
    /// Competition rank (1, 2, 2, 4); `None` when disqualified.
    pub rank: Option<u32>,
    /// Grade after vetoes, or `"disqualified"`.
    pub grade: String,
    /// Set when the unit's result is void this period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disqualification: Option<DisqualificationNote>,
    /// Vetoes whose condition held (sorted by id).
    pub vetoes: Vec<AppliedVeto>,
    /// One per scored indicator, in policy order.
    pub indicators: Vec<IndicatorScore>,
    /// Adjustments whose condition held, in policy order.
    pub adjustments: Vec<AppliedAdjustment>,
    /// The process component's parts, in policy order (empty when the
    /// policy has none, or the unit is disqualified).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process: Vec<ProcessScore>,
    /// What the rules imply: policy preference, fiscal reward, then at most
    /// one escalation action.
    pub consequences: Vec<Consequence>,
    /// The derivation of the composite, grade, rank and consequences.
    pub steps: Vec<String>,
}

/// Why a unit's result is void.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisqualificationNote {
    /// As given in the input.
    pub basis: String,
    /// As given in the input.
    pub provenance: Vec<u64>,
}

/// One indicator's contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorScore {
    /// Indicator id.
    pub indicator: String,
    /// The accepted value, as given; `None` when missing.
    #[serde(with = "serde_str_opt")]
    pub value: Option<Decimal>,
    /// The weight (points at full marks).
    #[serde(with = "serde_str")]
    pub weight: Decimal,
    /// Points, at `indicator_scale` places.
    #[serde(with = "serde_str")]
    pub score: Decimal,
    /// Method name (`completion_rate`, ...).
    pub method: String,
    /// Clause of the policy used.
    pub clause: String,
    /// The derivation, in words and arithmetic.
    pub steps: Vec<String>,
    /// Provenance of the value, untouched.
    pub provenance: Vec<u64>,
    /// Provenance of the target (and baseline), untouched.
    pub target_provenance: Vec<u64>,
}

/// One part of the process component, scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessScore {
    /// The part's id.
    pub id: String,
    /// `on_time_reporting` or `overdue_findings`.
    pub measure: String,
    /// Points at full marks.
    #[serde(with = "serde_str")]
    pub points: Decimal,
    /// Points earned, at `score_scale` places.
    #[serde(with = "serde_str")]
    pub score: Decimal,
    /// Clause cited.
    pub clause: String,
    /// The count and the arithmetic, written out.
    pub basis: String,
    /// Provenance of the records counted.
    pub provenance: Vec<u64>,
}

/// A bonus or penalty that applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedAdjustment {
    /// The adjustment's id.
    pub id: String,
    /// The indicator tested.
    pub indicator: String,
    /// Points added (negative: subtracted), at `score_scale` places.
    #[serde(with = "serde_str")]
    pub points: Decimal,
    /// Clause cited.
    pub clause: String,
    /// The comparison, written out.
    pub basis: String,
    /// Provenance of the value tested.
    pub provenance: Vec<u64>,
}

/// A veto whose condition held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedVeto {
    /// The veto's id.
    pub id: String,
    /// The indicator tested.
    pub indicator: String,
    /// The grade cap.
    pub max_grade: String,
    /// Clause cited.
    pub clause: String,
    /// The test, written out.
    pub basis: String,
    /// Provenance of the value tested.
    pub provenance: Vec<u64>,
}

/// The kinds of consequence (the vocabulary of [`Consequence::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsequenceKind {
    /// 政策倾斜
    PolicyPreference,
    /// The fiscal reward of plan line 542.
    FiscalReward,
    /// 通报
    PublicNotice,
    /// 约谈
    AdmonitionTalk,
    /// 问责
    Accountability,
}

impl ConsequenceKind {
    /// The snake_case name used in JSON and in the projection hash.
    pub fn name(self) -> &'static str {
        match self {
            Self::PolicyPreference => "policy_preference",
            Self::FiscalReward => "fiscal_reward",
            Self::PublicNotice => "public_notice",
            Self::AdmonitionTalk => "admonition_talk",
            Self::Accountability => "accountability",
        }
    }
}

/// A consequence the rules imply (not a record that it was carried out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consequence {
    /// What: `policy_preference`, `fiscal_reward`, `public_notice`,
    /// `admonition_talk` or `accountability` ([`ConsequenceKind::name`]).
    pub kind: String,
    /// Money (fiscal reward only), at `money_scale` places, in the unit of
    /// measure of the increment indicator; `None` if not money or unknown.
    #[serde(with = "serde_str_opt")]
    pub amount: Option<Decimal>,
    /// Clause cited.
    pub clause: String,
    /// Why, in words and arithmetic.
    pub basis: String,
    /// Provenance of the values used (fiscal reward: growth, tax-share rise,
    /// increment).
    pub provenance: Vec<u64>,
}

/// What kind of data problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnomalyKind {
    /// A scored indicator has no accepted value for a unit.
    MissingValue,
    /// The method needs a target the unit does not have.
    MissingTarget,
    /// The method needs a baseline the unit does not have.
    MissingBaseline,
    /// A target, baseline or reference that makes the formula meaningless
    /// (negative target for a ratio, reference on the wrong side, ...).
    UnusableTarget,
    /// A number too large for exact decimal arithmetic.
    ArithmeticOverflow,
    /// A value, target or disqualification for a unit not assessed this
    /// period; ignored.
    UnitNotAssessed,
    /// An adjustment or veto could not be evaluated for lack of data.
    NotEvaluated,
    /// Data needed for a consequence is missing or unusable.
    ConsequenceData,
}

/// A data problem; scoring carries on and says what it did.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Anomaly {
    /// The unit concerned, if any.
    pub unit: Option<String>,
    /// The indicator concerned, if any.
    pub indicator: Option<String>,
    /// What kind.
    pub kind: AnomalyKind,
    /// What happened and what was done about it.
    pub message: String,
}
