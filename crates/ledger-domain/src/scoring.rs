//! From the domain state to the numbers: the scoring input of a period and
//! its scores (through `ledger-score`). The audit of recorded decisions
//! against them is [`crate::audit`].

use crate::events::{Direction, Kind, UnitKind};
use crate::state::{Domain, Period};
use ledger_core::Timestamp;
use ledger_score::{
    Disqualification, IndicatorKind, IndicatorSpec, PeriodInput, PeriodScores, PriorResult, TargetInput, UnitKindInput,
    ValueInput,
};

/// The scoring input of a period as the state stands.
pub fn input(domain: &Domain, period: &Period) -> PeriodInput {
    let indicators = period
        .indicators
        .values()
        .map(|d| IndicatorSpec {
            id: d.id.clone(),
            direction: match d.direction {
                Direction::Higher => ledger_score::Direction::Higher,
                Direction::Lower => ledger_score::Direction::Lower,
            },
            kind: match d.kind {
                Kind::Numeric => IndicatorKind::Numeric,
                Kind::PassFailAssigned => IndicatorKind::PassFailAssigned,
                Kind::PassFailThreshold => IndicatorKind::PassFailThreshold,
            },
            value_type: serde_json::to_value(d.value_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            unit: d.unit.clone(),
        })
        .collect();
    let values = period
        .values
        .iter()
        .filter_map(|((unit, indicator), steps)| {
            let last = steps.last()?;
            Some(ValueInput {
                unit: unit.clone(),
                indicator: indicator.clone(),
                value: last.value,
                provenance: steps.iter().map(|s| s.seq).collect(),
            })
        })
        .collect();
    let targets = period
        .targets
        .iter()
        .map(|((unit, indicator), (seq, t))| TargetInput {
            unit: unit.clone(),
            indicator: indicator.clone(),
            target: t.target.0,
            baseline: t.baseline.map(|b| b.0),
            provenance: vec![*seq],
        })
        .collect();
    let disqualified = period
        .frauds
        .values()
        .map(|f| Disqualification {
            unit: f.determination.unit.clone(),
            basis: format!("data fraud determined ({}): {}", f.determination.determination, f.determination.basis),
            provenance: vec![f.seq],
        })
        .collect();
    PeriodInput {
        period: period.id.clone(),
        units: period.units.clone(),
        indicators,
        values,
        targets,
        disqualified,
        history: history(domain, period),
        unit_kinds: period
            .units
            .iter()
            .filter_map(|u| domain.units.get(u))
            .map(|u| UnitKindInput {
                unit: u.id.clone(),
                kind: match u.as_of(period.year).kind {
                    UnitKind::District => ledger_score::UnitKind::District,
                    UnitKind::County => ledger_score::UnitKind::County,
                    UnitKind::FunctionalZone => ledger_score::UnitKind::FunctionalZone,
                },
            })
            .collect(),
        process: Vec::new(),
    }
}

/// Results of earlier finalised periods, oldest first, for escalation.
fn history(domain: &Domain, period: &Period) -> Vec<PriorResult> {
    let mut earlier: Vec<&Period> = domain.periods.values().filter(|p| p.year < period.year).collect();
    earlier.sort_by_key(|p| p.year);
    earlier
        .into_iter()
        .filter_map(|p| p.finalized_scores.as_ref().map(|s| (p, s)))
        .flat_map(|(p, s)| {
            s.units.iter().map(move |u| PriorResult {
                period: p.id.clone(),
                unit: u.unit.clone(),
                grade: u.grade.clone(),
                vetoed: !u.vetoes.is_empty(),
            })
        })
        .collect()
}

/// Scores a period as the state stands, with the policy it names; the
/// process component (if the policy has one) is counted at the period's
/// cut-off ([`crate::process::cutoff`]).
pub fn score(domain: &Domain, period: &Period) -> Result<(PeriodScores, PeriodInput), String> {
    score_at(domain, period, crate::process::cutoff(domain, period))
}

/// [`score`] with the process component counted at `cutoff` (a
/// publication being decided is scored at its own time).
pub fn score_at(domain: &Domain, period: &Period, cutoff: Timestamp) -> Result<(PeriodScores, PeriodInput), String> {
    let policy = domain
        .policies
        .get(&(period.policy.id.clone(), period.policy.version))
        .ok_or_else(|| format!("policy {} version {} is not adopted", period.policy.id, period.policy.version))?;
    let mut input = input(domain, period);
    if policy.policy.process.is_some() {
        input.process = crate::process::counts(domain, period, cutoff);
    }
    let scores = ledger_score::score_period(&input, &policy.policy).map_err(|e| e.to_string())?;
    Ok((scores, input))
}
