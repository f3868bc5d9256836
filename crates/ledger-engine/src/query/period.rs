//! Everything a report shows of one period (`PeriodDetail`): its
//! scoreboard, every unit's derivation, the grade bands, the indicators
//! scored, the decisions and findings recorded, what the audit finds, the
//! in-year record, the policy measures and the land use.

use super::{Explanation, Scoreboard};
use crate::view::View;
use crate::{Error, Ledger};
use ledger_domain::Domain;
use ledger_domain::audit::{self, AuditFinding};
use ledger_domain::state::Period;
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
    pub process: Vec<crate::office::UnitProcess>,
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

impl View {
    /// The indicators a period scores, in policy order, with their names,
    /// units of measure, categories, weights and methods.
    pub fn scored_indicators(&self, period: &str) -> Result<Vec<ScoredIndicator>, Error> {
        let p = self.period(period)?;
        let Some(adopted) = self.domain().policies.get(&(p.policy.id.clone(), p.policy.version)) else {
            return Ok(Vec::new());
        };
        Ok(adopted
            .policy
            .indicators
            .iter()
            .map(|rule| {
                let def = p.indicators.get(&rule.indicator);
                ScoredIndicator {
                    id: rule.indicator.clone(),
                    name_zh: def.map(|x| x.name_zh.clone()).unwrap_or_default(),
                    name_en: def.map(|x| x.name_en.clone()).unwrap_or_default(),
                    unit_of_measure: def.map(|x| x.unit.clone()).unwrap_or_default(),
                    category: def.map(|x| x.category.clone()).unwrap_or_default(),
                    category_zh: def.and_then(|x| x.category_zh.clone()),
                    weight: rule.weight.to_string(),
                    method: rule.method.name().to_owned(),
                }
            })
            .collect())
    }

    /// Everything a report shows of one period.
    pub fn period_detail(&self, ledger: &Ledger, period: &str) -> Result<PeriodDetail, Error> {
        let d = self.domain();
        let p = self.period(period)?;
        let scoreboard = self.scoreboard(period)?;
        let policy = d.policies.get(&(p.policy.id.clone(), p.policy.version)).map(|a| &a.policy);
        let bands = policy
            .map(|pol| {
                pol.bands().into_iter().map(|b| BandRow { grade: b.grade.clone(), min: b.min.to_string() }).collect()
            })
            .unwrap_or_default();
        let indicators = self.scored_indicators(period)?;
        let recorded = p
            .decisions
            .values()
            .map(|x| RecordedDecision {
                seq: x.seq,
                id: x.id.clone(),
                unit: x.unit.clone(),
                kind: x.kind.clone(),
                amount: x.amount.map(|a| a.to_string()),
                basis: x.basis.clone(),
                rescinded: x.rescinded.clone(),
                rectifications: x.rectifications.clone(),
            })
            .collect();
        let recorded_findings = d
            .audit_findings
            .iter()
            .filter(|(_, f)| f.period.as_deref() == Some(period))
            .map(|(seq, f)| RecordedFinding {
                seq: *seq,
                finding: f.finding.clone(),
                unit: f.unit.clone(),
                text: f.text.clone(),
            })
            .collect();
        Ok(PeriodDetail {
            year: p.year,
            policy_title: policy.map(|x| x.title.clone()),
            policy_note: policy.and_then(|x| x.note.clone()),
            bands,
            indicators,
            money_unit: policy
                .and_then(|pol| pol.consequences.fiscal_reward.as_ref())
                .and_then(|fr| p.indicators.get(&fr.increment))
                .map(|def| def.unit.clone()),
            units: self.explain_all(ledger, period)?,
            recorded,
            findings: audit::audit(d, Some(period)),
            recorded_findings,
            scoreboard,
            process: crate::office::process_status(d, period, None)?,
            measures: measures_in(d, p),
            land_use: d
                .land_use
                .values()
                .flatten()
                .filter(|(_, r)| r.period == p.id)
                .map(|(seq, r)| LandRow {
                    unit: r.unit.clone(),
                    seq: *seq,
                    supplied_ha: r.supplied_ha.0.to_string(),
                    used_ha: r.used_ha.0.to_string(),
                    projects: r.projects.clone(),
                })
                .collect(),
        })
    }
}

/// Every measure of the ledger, each with its report for the period (or
/// its latest status before it; `planned` before any).
fn measures_in(d: &Domain, p: &Period) -> Vec<MeasureRow> {
    let status = |s: ledger_domain::events::MeasureStatus| {
        serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    };
    d.measures
        .iter()
        .map(|(id, m)| {
            let report = m.reports.iter().find(|(_, r)| r.period == p.id);
            let earlier = m.reports.iter().rfind(|(_, r)| r.period.as_str() < p.id.as_str());
            MeasureRow {
                measure: id.clone(),
                title_zh: m.definition.title_zh.clone(),
                title_en: m.definition.title_en.clone(),
                lead_office: m.definition.lead_office.clone(),
                due: m.definition.due.as_ref().map(|x| x.0.clone()),
                status: report.or(earlier).map_or_else(|| "planned".to_owned(), |(_, r)| status(r.status)),
                report: report.map(|(seq, r)| (*seq, r.text.clone())),
            }
        })
        .collect()
}
