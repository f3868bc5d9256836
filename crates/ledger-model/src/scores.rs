//! The scores of a period (`ledger scores`): the scoreboard, one line per
//! unit with its indicators, vetoes, adjustments, process parts and
//! consequences.

use ledger_domain::Anomaly;
use serde::Serialize;
use std::collections::BTreeSet;

/// A policy named by id and version.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyName {
    /// Its id.
    pub id: String,
    /// Its version.
    pub version: u32,
}

/// Where a period stands, as shown with its scores.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    /// Values are being gathered.
    Open,
    /// Published; objections until the window ends.
    Published {
        /// The `scores_published` record.
        seq: u64,
        /// The last second objections may be filed.
        window_until: String,
    },
    /// Finalised.
    Finalized {
        /// The `period_finalized` record.
        seq: u64,
        /// The projection hash attested.
        attested_hash: String,
        /// Whether it is the one the events give now.
        matches: bool,
    },
}

/// A veto that applied, as listed with the scores.
#[derive(Debug, Clone, Serialize)]
pub struct VetoRow {
    /// Its id.
    pub id: String,
    /// The clause.
    pub clause: String,
    /// Why.
    pub basis: String,
}

/// One indicator of one unit, as listed with the scores.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRow {
    /// The indicator.
    pub indicator: String,
    /// The value scored (exact decimal), if any.
    pub value: Option<String>,
    /// Points.
    pub score: String,
    /// Weight.
    pub weight: String,
    /// Method.
    pub method: String,
    /// Clause of the policy.
    pub clause: String,
    /// Every record behind the value and the target.
    pub events: BTreeSet<u64>,
}

/// An adjustment that applied.
#[derive(Debug, Clone, Serialize)]
pub struct AdjustmentRow {
    /// Its id.
    pub id: String,
    /// Points.
    pub points: String,
    /// The clause.
    pub clause: String,
}

/// A consequence due.
#[derive(Debug, Clone, Serialize)]
pub struct ConsequenceRow {
    /// `policy_preference`, `fiscal_reward`, `public_notice`, ...
    pub kind: String,
    /// An amount, for a fiscal reward.
    pub amount: Option<String>,
    /// The clause.
    pub clause: String,
    /// Why.
    pub basis: String,
}

/// One unit's line of the scoreboard.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    /// The unit.
    pub unit: String,
    /// Its English name in the period's year (Jiyang County until 2018).
    pub name: Option<String>,
    /// Its Chinese name in the period's year (济阳县 until 2018).
    pub name_zh: Option<String>,
    /// Its kind in the period's year.
    pub kind: Option<ledger_domain::events::UnitKind>,
    /// Composite score.
    pub score: String,
    /// Rank (none when disqualified).
    pub rank: Option<u32>,
    /// Grade.
    pub grade: String,
    /// Vetoes that applied.
    pub vetoes: Vec<VetoRow>,
    /// Per indicator.
    pub indicators: Vec<IndicatorRow>,
    /// Adjustments that applied.
    pub adjustments: Vec<AdjustmentRow>,
    /// Consequences due.
    pub consequences: Vec<ConsequenceRow>,
    /// The process component's parts (absent when the policy has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process: Vec<ProcessRow>,
}

/// A part of the process component on the scoreboard.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessRow {
    /// The part's id.
    pub id: String,
    /// `on_time_reporting` or `overdue_findings`.
    pub measure: String,
    /// Points earned.
    pub score: String,
    /// Points at full marks.
    pub points: String,
    /// The clause.
    pub clause: String,
    /// The count and the arithmetic.
    pub basis: String,
}

/// The scores of a period (`ledger scores`).
#[derive(Debug, Clone, Serialize)]
pub struct Scoreboard {
    /// The period.
    pub period: String,
    /// The policy.
    pub policy: PolicyName,
    /// The sequence number the scores are as of.
    pub as_of: u64,
    /// Whether the ledger verifies.
    pub ledger_verified: bool,
    /// Where the period stands.
    pub status: Status,
    /// The projection hash of these scores.
    pub projection_hash: String,
    /// Ranked.
    pub units: Vec<UnitRow>,
    /// Data problems scoring met.
    pub anomalies: Vec<ledger_score::Anomaly>,
    /// Events the replay skipped.
    pub replay_anomalies: Vec<Anomaly>,
}
