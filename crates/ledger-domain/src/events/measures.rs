//! The payloads of the plan's monitoring (plan line 774): policy measures
//! (stream `measure/<id>`) and land use (stream `land/<unit>`)
//! (`docs/EVENTS.md`, "Policy measures and land use").

use super::values::{Date, Dec, Evidence};
use serde::{Deserialize, Serialize};

/// Where a measure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    /// Not started.
    Planned,
    /// Under way.
    InProgress,
    /// Carried out; no later report.
    Done,
}

/// Payload of `measure_registered` (stream `measure/<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureRegistered {
    /// Measure id, `[A-Za-z0-9_.-]`, 1-64.
    pub measure: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: String,
    /// The office that leads it.
    pub lead_office: String,
    /// Where the plan sets it (e.g. `plan line 612`).
    pub source: String,
    /// When it is due, if the plan says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
}

/// Payload of `measure_progress_reported`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureProgressReported {
    /// The measure.
    pub measure: String,
    /// The reporting period, e.g. `2021`.
    pub period: String,
    /// Where it stands.
    pub status: MeasureStatus,
    /// What was done.
    pub text: String,
    /// The source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// Payload of `land_use_reported` (stream `land/<unit>`): land supplied and
/// used in a unit in a period, in hectares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandUseReported {
    /// The unit.
    pub unit: String,
    /// The reporting period, e.g. `2021`.
    pub period: String,
    /// Land supplied for construction (ha), exact, not negative.
    pub supplied_ha: Dec,
    /// Land used by the plan's projects (ha), exact, not negative.
    pub used_ha: Dec,
    /// The major projects the land went to (registered, of this unit).
    /// Written even when empty, as every writer has written it; a record
    /// without it has none. (The state keeps the report as
    /// [`crate::monitoring::LandUse`], which leaves an empty list out.)
    #[serde(default)]
    pub projects: Vec<String>,
    /// The source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}
