//! A unit's in-year record in a period (`ledger period status`, and the
//! report): its reports round by round, its supervision findings, and what
//! the process component counts.

/// A unit's report for one indicator of a round, for `ledger period status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RoundReport {
    /// The round.
    pub round: String,
    /// Its due date.
    pub due: String,
    /// The indicator.
    pub indicator: String,
    /// `on_time`, `late`, `missing`, `not_due`.
    pub status: ledger_domain::process::ReportState,
    /// The records behind it (submission and corrections).
    pub events: Vec<u64>,
}

/// A supervision finding, for `ledger period status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FindingStatus {
    /// Its id.
    pub finding: String,
    /// `minor`, `major`, `serious`.
    pub severity: ledger_domain::events::Severity,
    /// What was found.
    pub text: String,
    /// The follow-up date.
    pub follow_up_due: String,
    /// `open`, `overdue` (open past its date), `closed`, `closed_late`.
    pub status: &'static str,
    /// The records (finding, closure).
    pub events: Vec<u64>,
}

/// A unit's in-year record, for `ledger period status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitProcess {
    /// The unit.
    pub unit: String,
    /// Its reports, round by round.
    pub reports: Vec<RoundReport>,
    /// Supervision findings about it.
    pub findings: Vec<FindingStatus>,
    /// What the process component counts (as of the period's cut-off).
    pub counts: ledger_score::ProcessInput,
}
