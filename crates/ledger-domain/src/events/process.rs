//! The payloads of process assessment through the year (stream
//! `period/<period>`): monitoring rounds, whose in-year values are
//! `measurement_submitted` with a `round`, and routine-supervision
//! findings (`docs/EVENTS.md`, "Process assessment").

use super::values::{Date, Evidence};
use serde::{Deserialize, Serialize};

/// Payload of `monitoring_round_opened` (stream `period/<period>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringRoundOpened {
    /// Round id, `[A-Za-z0-9_.-]`, 1-64 (e.g. `2022-Q1`).
    pub round: String,
    /// The last day a report is on time (to its end, in the ledger's zone).
    pub due: Date,
    /// The indicators the round asks for (of the period's, distinct, at least one).
    pub indicators: Vec<String>,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How serious a supervision finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// To be put right in the normal course.
    Minor,
    /// Needs a rectification plan.
    Major,
    /// Reported to the city authority.
    Serious,
}

/// Payload of `supervision_recorded` (stream `period/<period>`, period open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionRecorded {
    /// Finding id, `[A-Za-z0-9_.-]`, 1-64, unique in the period.
    pub finding: String,
    /// The unit it concerns (assessed in the period).
    pub unit: String,
    /// What was found.
    pub text: String,
    /// How serious it is.
    pub severity: Severity,
    /// The date by which it is to be put right (not before the record's date).
    pub follow_up_due: Date,
    /// The round whose reports it concerns, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
    /// The source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// Payload of `supervision_closed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionClosed {
    /// The finding (open, of this period).
    pub finding: String,
    /// How it was put right.
    pub text: String,
    /// The source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}
