//! The scoring context: the input checked against the policy and itself,
//! indexed by unit and indicator, with the cross-unit figures of every
//! indicator, and the anomalies met on the way.

use super::{Ctx, ScoreError, Stats};
use crate::exact;
use crate::input::{Direction, IndicatorSpec, PeriodInput, TargetInput, ValueInput};
use crate::output::{Anomaly, AnomalyKind};
use crate::policy::{Method, Policy, RateForm};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

impl<'a> Ctx<'a> {
    pub(super) fn build(input: &'a PeriodInput, policy: &'a Policy) -> Result<Self, ScoreError> {
        policy.validate()?;
        let mut specs = BTreeMap::new();
        for spec in &input.indicators {
            if specs.insert(spec.id.as_str(), spec).is_some() {
                return Err(ScoreError::Duplicate { list: "indicators", id: format!("indicator {:?}", spec.id) });
            }
        }
        let mut units = BTreeSet::new();
        for unit in &input.units {
            if !units.insert(unit.as_str()) {
                return Err(ScoreError::Duplicate { list: "units", id: format!("unit {unit:?}") });
            }
        }
        // Every indicator the policy names must be described by the input.
        let known = |indicator: &str, at: String| {
            if specs.contains_key(indicator) {
                Ok(())
            } else {
                Err(ScoreError::UnknownIndicator { indicator: indicator.to_owned(), at })
            }
        };
        for (i, rule) in policy.indicators.iter().enumerate() {
            known(&rule.indicator, format!("indicators[{i}]"))?;
            if let Method::CompletionRate { form: RateForm::Reduction, .. } = rule.method
                && specs.get(rule.indicator.as_str()).is_some_and(|s| s.direction == Direction::Higher)
            {
                return Err(ScoreError::MethodMismatch {
                    indicator: rule.indicator.clone(),
                    problem: "completion_rate with form \"reduction\" is for lower-is-better indicators; \
                              for a higher-is-better one use progress_to_target"
                        .into(),
                });
            }
        }
        for (i, adj) in policy.adjustments.iter().enumerate() {
            known(&adj.indicator, format!("adjustments[{i}]"))?;
        }
        for (i, veto) in policy.vetoes.iter().enumerate() {
            known(&veto.indicator, format!("vetoes[{i}]"))?;
        }
        if let Some(f) = &policy.consequences.fiscal_reward {
            known(&f.growth, "consequences.fiscal_reward.growth".into())?;
            known(&f.tax_share_rise, "consequences.fiscal_reward.tax_share_rise".into())?;
            known(&f.increment, "consequences.fiscal_reward.increment".into())?;
            if let Some(levels) = &f.levels {
                for (member, id) in levels.ids() {
                    known(id, format!("consequences.fiscal_reward.levels.{member}"))?;
                }
            }
        }

        let mut anomalies = Vec::new();
        let mut not_assessed = |what: &str, unit: &str, indicator: Option<&str>| {
            anomalies.push(Anomaly {
                unit: Some(unit.to_owned()),
                indicator: indicator.map(str::to_owned),
                kind: AnomalyKind::UnitNotAssessed,
                message: format!(
                    "{what} for unit {unit:?}, which is not assessed in period {:?}: ignored",
                    input.period
                ),
            });
        };
        let mut values = BTreeMap::new();
        for v in &input.values {
            if !specs.contains_key(v.indicator.as_str()) {
                return Err(ScoreError::DataForUnknownIndicator {
                    what: "a value",
                    unit: v.unit.clone(),
                    indicator: v.indicator.clone(),
                });
            }
            if values.insert((v.unit.as_str(), v.indicator.as_str()), v).is_some() {
                return Err(ScoreError::Duplicate {
                    list: "values",
                    id: format!("unit {:?} indicator {:?}", v.unit, v.indicator),
                });
            }
        }
        let mut targets = BTreeMap::new();
        for t in &input.targets {
            if !specs.contains_key(t.indicator.as_str()) {
                return Err(ScoreError::DataForUnknownIndicator {
                    what: "a target",
                    unit: t.unit.clone(),
                    indicator: t.indicator.clone(),
                });
            }
            if targets.insert((t.unit.as_str(), t.indicator.as_str()), t).is_some() {
                return Err(ScoreError::Duplicate {
                    list: "targets",
                    id: format!("unit {:?} indicator {:?}", t.unit, t.indicator),
                });
            }
        }
        let mut disqualified = BTreeMap::new();
        for d in &input.disqualified {
            if disqualified.insert(d.unit.as_str(), d).is_some() {
                return Err(ScoreError::Duplicate { list: "disqualified", id: format!("unit {:?}", d.unit) });
            }
        }
        let mut kinds = BTreeMap::new();
        for k in &input.unit_kinds {
            if kinds.insert(k.unit.as_str(), k.kind).is_some() {
                return Err(ScoreError::Duplicate { list: "unit_kinds", id: format!("unit {:?}", k.unit) });
            }
        }
        let mut process = BTreeMap::new();
        for p in &input.process {
            if process.insert(p.unit.as_str(), p).is_some() {
                return Err(ScoreError::Duplicate { list: "process", id: format!("unit {:?}", p.unit) });
            }
            for (what, done, due) in [
                ("reports on time", p.reports_on_time, p.reports_due),
                ("projects reported", p.projects_reported, p.projects_due),
            ] {
                if done > due {
                    return Err(ScoreError::ProcessCounts { unit: p.unit.clone(), what, on_time: done, due });
                }
            }
        }
        let mut seen = BTreeSet::new();
        for h in &input.history {
            if h.period == input.period {
                return Err(ScoreError::HistoryHasCurrentPeriod(h.period.clone()));
            }
            if !seen.insert((h.period.as_str(), h.unit.as_str())) {
                return Err(ScoreError::Duplicate {
                    list: "history",
                    id: format!("period {:?} unit {:?}", h.period, h.unit),
                });
            }
        }
        // Data for units not assessed: reported and dropped.
        for (unit, indicator) in values.keys().filter(|(u, _)| !units.contains(u)) {
            not_assessed("a value", unit, Some(indicator));
        }
        for (unit, indicator) in targets.keys().filter(|(u, _)| !units.contains(u)) {
            not_assessed("a target", unit, Some(indicator));
        }
        for unit in disqualified.keys().filter(|u| !units.contains(*u)) {
            not_assessed("a disqualification", unit, None);
        }
        if policy.process.is_some() {
            for unit in process.keys().filter(|u| !units.contains(*u)) {
                not_assessed("a process record", unit, None);
            }
        }
        process.retain(|u, _| units.contains(u));
        values.retain(|(u, _), _| units.contains(u));
        targets.retain(|(u, _), _| units.contains(u));
        disqualified.retain(|u, _| units.contains(u));

        let mut stats: BTreeMap<&str, Stats> = BTreeMap::new();
        for ((unit, indicator), v) in &values {
            if disqualified.contains_key(unit) {
                continue;
            }
            let s = stats.entry(indicator).or_default();
            s.values.push(v.value);
        }
        for s in stats.values_mut() {
            s.sum = s.values.iter().try_fold(Decimal::ZERO, |acc, v| acc.checked_add(*v));
            s.exact_sum = s.values.iter().map(|v| exact::q(*v)).sum();
        }
        Ok(Ctx { input, policy, specs, units, disqualified, kinds, values, targets, process, stats, anomalies })
    }

    pub(super) fn anomaly(&mut self, unit: &str, indicator: Option<&str>, kind: AnomalyKind, message: String) {
        self.anomalies.push(Anomaly {
            unit: Some(unit.to_owned()),
            indicator: indicator.map(str::to_owned),
            kind,
            message,
        });
    }

    pub(super) fn spec(&self, indicator: &str) -> Option<&'a IndicatorSpec> {
        self.specs.get(indicator).copied()
    }

    pub(super) fn direction(&self, indicator: &str) -> Direction {
        self.spec(indicator).map_or(Direction::Higher, |s| s.direction)
    }

    pub(super) fn value(&self, unit: &str, indicator: &str) -> Option<&'a ValueInput> {
        self.values.get(&(unit, indicator)).copied()
    }

    pub(super) fn target(&self, unit: &str, indicator: &str) -> Option<&'a TargetInput> {
        self.targets.get(&(unit, indicator)).copied()
    }
}
