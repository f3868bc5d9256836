//! Everything a report shows of one period: its scoreboard, every unit's
//! derivation, the grade bands, the indicators scored, the decisions and
//! findings recorded, the audit's findings, the in-year record, the policy
//! measures and the land use.

use crate::{Explanation, Scoreboard};
use ledger_domain::audit::AuditFinding;
use serde::Serialize;

/// A grade and the lowest composite that earns it.
#[derive(Debug, Clone, Serialize)]
pub struct BandRow {
    /// The grade.
    pub grade: String,
    /// Its lowest composite (the lowest band also takes every score below).
    pub min: String,
}

/// An indicator as a period scores it.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredIndicator {
    /// Its id.
    pub id: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// Unit of measure, as the catalog writes it (`10k yuan`, `%`).
    pub unit_of_measure: String,
    /// Category.
    pub category: String,
    /// Category in Chinese.
    pub category_zh: Option<String>,
    /// Points at full marks.
    pub weight: String,
    /// The method.
    pub method: String,
}

/// A reward or accountability action recorded for a period.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedDecision {
    /// Its record.
    pub seq: u64,
    /// Its id.
    pub id: String,
    /// The unit.
    pub unit: String,
    /// `policy_preference`, `fiscal_reward`, `public_notice`, `admonition_talk`, `accountability`.
    pub kind: String,
    /// A fiscal reward's amount (in the increment indicator's unit of measure).
    pub amount: Option<String>,
    /// The stated basis.
    pub basis: String,
    /// Rescinded: the record and the reason.
    pub rescinded: Option<(u64, String)>,
    /// Rectifications submitted (records).
    pub rectifications: Vec<u64>,
}

/// A finding an inspector recorded (`audit_finding_recorded`).
#[derive(Debug, Clone, Serialize)]
pub struct RecordedFinding {
    /// Its record.
    pub seq: u64,
    /// Its id.
    pub finding: String,
    /// The unit, if it names one.
    pub unit: Option<String>,
    /// What was found.
    pub text: String,
}

/// Everything a report shows of one period: its scoreboard, how every
/// unit's result was derived, the grade bands, the indicators scored, what
/// was recorded and what the audit finds.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodDetail {
    /// The scoreboard.
    pub scoreboard: Scoreboard,
    /// The period's year (unit names are as of it).
    pub year: i32,
    /// The policy's title.
    pub policy_title: Option<String>,
    /// The policy's note (the default says it is illustrative).
    pub policy_note: Option<String>,
    /// The grade bands, highest first.
    pub bands: Vec<BandRow>,
    /// The indicators scored, in policy order.
    pub indicators: Vec<ScoredIndicator>,
    /// The unit of measure of fiscal rewards (the increment indicator's).
    pub money_unit: Option<String>,
    /// Every unit's derivation, in scoreboard order.
    pub units: Vec<Explanation>,
    /// Rewards and accountability actions recorded.
    pub recorded: Vec<RecordedDecision>,
    /// What the audit finds against the rules.
    pub findings: Vec<AuditFinding>,
    /// Findings inspectors recorded about the period.
    pub recorded_findings: Vec<RecordedFinding>,
    /// Each unit's in-year record (monitoring rounds, supervision), empty
    /// when the period has neither.
    pub process: Vec<crate::UnitProcess>,
    /// The plan's policy measures and their report for the period.
    pub measures: Vec<MeasureRow>,
    /// The land use reported for the period, by unit.
    pub land_use: Vec<LandRow>,
}

/// A policy measure and where it stands in a period (its report for the
/// period, if any).
#[derive(Debug, Clone, Serialize)]
pub struct MeasureRow {
    /// The measure.
    pub measure: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: String,
    /// The office that leads it.
    pub lead_office: String,
    /// Its due date, if the plan sets one.
    pub due: Option<String>,
    /// `planned`, `in_progress` or `done`: the period's report, else the
    /// latest before it, else `planned`.
    pub status: String,
    /// The period's report: its record and text.
    pub report: Option<(u64, String)>,
}

/// A unit's land use in a period.
#[derive(Debug, Clone, Serialize)]
pub struct LandRow {
    /// The unit.
    pub unit: String,
    /// Its record.
    pub seq: u64,
    /// Land supplied (ha).
    pub supplied_ha: String,
    /// Land used by the plan's projects (ha).
    pub used_ha: String,
    /// The projects it went to.
    pub projects: Vec<String>,
}
