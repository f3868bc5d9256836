//! Everything a report shows of one period (`PeriodDetail`): its
//! scoreboard, every unit's derivation, the grade bands, the indicators
//! scored, the decisions and findings recorded, what the audit finds, the
//! in-year record, the policy measures and the land use.

use crate::view::View;
use crate::{Error, Ledger};
use ledger_domain::Domain;
use ledger_domain::audit;
use ledger_domain::state::Period;
use ledger_model::{BandRow, LandRow, MeasureRow, PeriodDetail, RecordedDecision, RecordedFinding, ScoredIndicator};

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
