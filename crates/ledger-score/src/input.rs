//! What the domain crate hands in for one assessment period.
//!
//! Every decimal is a strict JSON string (see [`crate::decimal`]). Each
//! value, target and disqualification carries an opaque `provenance` (the
//! domain's event sequence numbers); it is copied to the output untouched and
//! takes no part in any computation or in the projection hash.

use crate::decimal::{serde_str, serde_str_opt};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Everything needed to score one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodInput {
    /// The period's name, e.g. `"2022"`.
    pub period: String,
    /// Units assessed in this period, e.g. `"lixia"`, `"laiwu"`. Order does
    /// not matter; each at most once.
    pub units: Vec<String>,
    /// The indicators that may be referred to (from the catalog). A catalog
    /// entry deserialises directly: unknown members are ignored.
    pub indicators: Vec<IndicatorSpec>,
    /// At most one accepted value per (unit, indicator).
    pub values: Vec<ValueInput>,
    /// At most one target per (unit, indicator).
    #[serde(default)]
    pub targets: Vec<TargetInput>,
    /// Units whose result is void this period (a data-fraud determination).
    #[serde(default)]
    pub disqualified: Vec<Disqualification>,
    /// Earlier periods' results, oldest period first, for escalation.
    #[serde(default)]
    pub history: Vec<PriorResult>,
    /// The kind of each unit in this period (district, county, functional
    /// zone), for a fiscal reward restricted to some kinds. At most one per
    /// unit; a unit without one is not covered by such a restriction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_kinds: Vec<UnitKindInput>,
    /// Each unit's in-year record, for a policy with a process component.
    /// At most one per unit; a unit without one had nothing due and no
    /// overdue finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process: Vec<ProcessInput>,
}

/// A unit's in-year record in the period (`docs/SCORING.md` section 6.1),
/// counted by the domain from its monitoring rounds and supervision
/// records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessInput {
    /// Unit id.
    pub unit: String,
    /// In-year reports due: one per indicator of each monitoring round whose
    /// due date has passed or whose report has arrived.
    pub reports_due: u32,
    /// Of those, the ones that arrived by the round's due date (at most
    /// `reports_due`).
    pub reports_on_time: u32,
    /// Supervision findings whose follow-up date passed before they were
    /// closed, or while they are still open.
    pub findings_overdue: u32,
    /// The unit's major projects under construction at the cut-off (for
    /// `project_reporting`).
    #[serde(default)]
    pub projects_due: u32,
    /// Of those, the ones that reported progress for the period (at most
    /// `projects_due`).
    #[serde(default)]
    pub projects_reported: u32,
    /// Opaque, passed through (the records counted).
    #[serde(default)]
    pub provenance: Vec<u64>,
}

/// What kind of unit a unit is in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitKindInput {
    /// Unit id.
    pub unit: String,
    /// Its kind as the period's year ends.
    pub kind: crate::policy::UnitKind,
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is better (every indicator of the 2018 plan).
    Higher,
    /// Less is better (e.g. energy use per unit of GDP).
    Lower,
}

/// What sort of figure an indicator is (the catalog's `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// A measured number with a numeric target.
    Numeric,
    /// Pass/fail against a figure assigned later (indicator 18).
    PassFailAssigned,
    /// Pass/fail against a standard (indicator 19).
    PassFailThreshold,
}

/// One indicator, as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorSpec {
    /// `"1"` .. `"19"`, `"F1"` .. `"F3"`.
    pub id: String,
    /// Which way is better.
    pub direction: Direction,
    /// Numeric or pass/fail.
    pub kind: IndicatorKind,
    /// `share`, `count`, `index`, `amount`, `ratio`, `rate`, ... (informative).
    #[serde(default)]
    pub value_type: String,
    /// Unit of measure, e.g. `%`, `firms` (used in derivation steps).
    #[serde(default)]
    pub unit: String,
}

/// One accepted measured value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueInput {
    /// Unit id.
    pub unit: String,
    /// Indicator id.
    pub indicator: String,
    /// The value, exact.
    #[serde(with = "serde_str")]
    pub value: Decimal,
    /// Opaque, passed through.
    #[serde(default)]
    pub provenance: Vec<u64>,
}

/// A unit's target for an indicator (for pass/fail indicators: the assigned
/// figure of 18 or the standard of 19), with an optional unit-specific
/// baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    /// Unit id.
    pub unit: String,
    /// Indicator id.
    pub indicator: String,
    /// The target (or assigned figure, or standard).
    #[serde(with = "serde_str")]
    pub target: Decimal,
    /// The unit's baseline, when known.
    #[serde(default, with = "serde_str_opt", skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Decimal>,
    /// Opaque, passed through.
    #[serde(default)]
    pub provenance: Vec<u64>,
}

/// A unit whose result is void this period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disqualification {
    /// Unit id.
    pub unit: String,
    /// Why, in words (e.g. the determination's reference).
    pub basis: String,
    /// Opaque, passed through.
    #[serde(default)]
    pub provenance: Vec<u64>,
}

/// A unit's result in an earlier period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorResult {
    /// The earlier period.
    pub period: String,
    /// Unit id.
    pub unit: String,
    /// The grade it had (`"disqualified"` included).
    pub grade: String,
    /// Whether a veto applied to it.
    #[serde(default)]
    pub vetoed: bool,
}
