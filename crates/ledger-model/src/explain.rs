//! How a unit's result was derived (`ledger explain`): every indicator's
//! value, its history and target, the method and its steps, who did what
//! to each value, and the records behind every number.

use crate::PolicyName;
use serde::Serialize;
use std::collections::BTreeSet;

/// One step of a value's provenance.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// `target assigned`, `submitted`, `returned`, `verified`, `corrected`,
    /// `objection filed`, `objection upheld`/`dismissed`, `published`,
    /// `finalized`.
    pub step: String,
    /// The value it set, if it set one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The reason or claim given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The record: seq, time, signer and office.
    #[serde(flatten)]
    pub event: EventRef,
}

/// A record named in a derivation.
#[derive(Debug, Clone, Serialize)]
pub struct EventRef {
    /// Its sequence number.
    pub seq: u64,
    /// Its type (none when it does not decode).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// When it was signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The signer's key id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// The office holding the signer's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
}

/// One step of a value's history: the submission, then each correction or
/// upheld objection.
#[derive(Debug, Clone, Serialize)]
pub struct ValueChange {
    /// The record.
    pub seq: u64,
    /// The value from then on.
    pub value: String,
    /// `submitted`, `corrected: <reason>`, `objection <id> upheld: <reasons>`.
    pub how: String,
    /// The record, described.
    pub event: EventRef,
}

/// A measurement the assessment office sent back.
#[derive(Debug, Clone, Serialize)]
pub struct Returned {
    /// The `measurement_submitted` record.
    pub measurement: u64,
    /// The `measurement_returned` record.
    pub returned_at: u64,
    /// Why.
    pub reason: String,
}

/// A unit's target for an indicator.
#[derive(Debug, Clone, Serialize)]
pub struct TargetRow {
    /// The `target_assigned` record.
    pub seq: u64,
    /// The target.
    pub target: String,
    /// The unit's baseline, if given.
    pub baseline: Option<String>,
}

/// How one indicator's points were derived.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorDerivation {
    /// The indicator.
    pub indicator: String,
    /// Its names, English then Chinese.
    pub name: Option<String>,
    /// Its unit of measure.
    pub unit_of_measure: Option<String>,
    /// The value scored.
    pub value: Option<String>,
    /// How the value came to be.
    pub value_history: Vec<ValueChange>,
    /// Submissions sent back.
    pub returned: Vec<Returned>,
    /// The target.
    pub target: Option<TargetRow>,
    /// The method.
    pub method: String,
    /// The clause of the policy.
    pub clause: String,
    /// The weight.
    pub weight: String,
    /// The derivation, in words and arithmetic.
    pub steps: Vec<String>,
    /// The points.
    pub score: String,
    /// Every record behind the value and the target.
    pub events: BTreeSet<u64>,
    /// Who did what to the value, in ledger order.
    pub provenance: Vec<Provenance>,
}

/// How a unit's result was derived (`ledger explain`).
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The period.
    pub period: String,
    /// The unit.
    pub unit: String,
    /// The sequence number it is as of.
    pub as_of: u64,
    /// Whether the ledger verifies.
    pub ledger_verified: bool,
    /// The policy.
    pub policy: PolicyName,
    /// The composite score.
    pub score: String,
    /// The rank.
    pub rank: Option<u32>,
    /// The grade.
    pub grade: String,
    /// The derivation of composite, grade, rank and consequences.
    pub steps: Vec<String>,
    /// Per indicator.
    pub indicators: Vec<IndicatorDerivation>,
    /// Adjustments that applied.
    pub adjustments: Vec<ledger_score::AppliedAdjustment>,
    /// Vetoes that applied.
    pub vetoes: Vec<ledger_score::AppliedVeto>,
    /// Consequences due.
    pub consequences: Vec<ledger_score::Consequence>,
    /// Why the result is void, if it is.
    pub disqualification: Option<ledger_score::DisqualificationNote>,
    /// The process component's parts with the records they count (absent
    /// when the policy has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process: Vec<ProcessDerivation>,
}

/// One part of the process component, as `explain` derives it.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessDerivation {
    /// The part as scored: id, measure, points, score, clause, basis.
    #[serde(flatten)]
    pub part: ledger_score::ProcessScore,
    /// The records counted (rounds, reports, findings, closures), described.
    pub events: Vec<EventRef>,
}
