//! How a unit's result was derived (`ledger explain`): every indicator's
//! value with its history, target and method, who did what to each value
//! in ledger order, and the records behind every number.

use crate::view::View;
use crate::{Error, Ledger};
use ledger_core::authority::Authority;
use ledger_domain::scoring;
use ledger_domain::state::{Period, PeriodState};
use ledger_model::{
    EventRef, Explanation, IndicatorDerivation, PolicyName, ProcessDerivation, Provenance, Returned, TargetRow,
    ValueChange,
};

impl View {
    /// How each number of a unit's result was derived (`ledger explain`):
    /// event by event, clause by clause. The ledger gives the records behind
    /// each value.
    pub fn explain(
        &self,
        ledger: &Ledger,
        period: &str,
        unit: &str,
        indicator: Option<&str>,
    ) -> Result<Explanation, Error> {
        let d = self.domain();
        let p = self.period(period)?;
        // Units and indicators by id or name, as everywhere else.
        let names = crate::names::Names::new(d);
        let unit = names.unit(unit)?;
        let unit = unit.as_str();
        let indicator = indicator.map(|i| names.indicator(i)).transpose()?;
        let indicator = indicator.as_deref();
        let (scores, _) = scoring::score(d, p).map_err(Error::refused)?;
        let u = scores.units.into_iter().find(|x| x.unit == unit).ok_or_else(|| {
            Error::refused_with(
                format!("unit {unit:?} is not assessed in period {period}"),
                crate::Remedy::ChooseKnown { kind: crate::Known::Units, names: p.units.clone() },
            )
        })?;
        if let Some(i) = indicator
            && !u.indicators.iter().any(|x| x.indicator == i)
        {
            return Err(Error::refused_with(
                format!("indicator {i:?} is not scored in period {period}"),
                crate::Remedy::FixInput { input: crate::Input::Indicator },
            ));
        }
        Ok(self.derivation(ledger, ledger.authority().ok().as_ref(), p, u, indicator))
    }

    /// How every unit's result of a period was derived, in scoreboard
    /// order (rank, then disqualified units): [`View::explain`] for each,
    /// the period scored once.
    pub fn explain_all(&self, ledger: &Ledger, period: &str) -> Result<Vec<Explanation>, Error> {
        let p = self.period(period)?;
        let (scores, _) = scoring::score(self.domain(), p).map_err(Error::refused)?;
        let authority = ledger.authority().ok();
        Ok(scores.units.into_iter().map(|u| self.derivation(ledger, authority.as_ref(), p, u, None)).collect())
    }

    /// The derivation of one unit's scored result (all indicators, or one).
    fn derivation(
        &self,
        ledger: &Ledger,
        authority: Option<&Authority>,
        p: &Period,
        u: ledger_score::UnitScore,
        indicator: Option<&str>,
    ) -> Explanation {
        let unit = u.unit.clone();
        let unit = unit.as_str();
        let describe = |seq: u64| describe_record(ledger, authority, seq);
        let finalized = match p.state {
            PeriodState::Finalized { seq, .. } => Some(seq),
            _ => None,
        };
        let indicators = u
            .indicators
            .iter()
            .filter(|i| indicator.is_none_or(|x| x == i.indicator))
            .map(|i| {
                let key = (unit.to_owned(), i.indicator.clone());
                let value_history = p
                    .values
                    .get(&key)
                    .into_iter()
                    .flatten()
                    .map(|s| ValueChange {
                        seq: s.seq,
                        value: s.value.to_string(),
                        how: s.how.clone(),
                        event: describe(s.seq),
                    })
                    .collect();
                let returned = p
                    .measurements
                    .values()
                    .filter(|m| m.unit == unit && m.indicator == i.indicator)
                    .filter_map(|m| {
                        m.returned.as_ref().map(|(seq, why)| Returned {
                            measurement: m.seq,
                            returned_at: *seq,
                            reason: why.clone(),
                        })
                    })
                    .collect();
                let target = p.targets.get(&key).map(|(seq, t)| TargetRow {
                    seq: *seq,
                    target: t.target.0.to_string(),
                    baseline: t.baseline.map(|b| b.0.to_string()),
                });
                let provenance = provenance(p, unit, &i.indicator, finalized, &describe);
                let def = p.indicators.get(&i.indicator);
                IndicatorDerivation {
                    indicator: i.indicator.clone(),
                    name: def.map(|d| format!("{} {}", d.name_en, d.name_zh)),
                    unit_of_measure: def.map(|d| d.unit.clone()),
                    value: i.value.map(|v| v.to_string()),
                    value_history,
                    returned,
                    target,
                    method: i.method.clone(),
                    clause: i.clause.clone(),
                    weight: i.weight.to_string(),
                    steps: i.steps.clone(),
                    score: i.score.to_string(),
                    events: i.provenance.iter().chain(&i.target_provenance).copied().collect(),
                    provenance,
                }
            })
            .collect();
        let process = u
            .process
            .iter()
            .map(|part| ProcessDerivation {
                part: part.clone(),
                events: part.provenance.iter().map(|seq| describe(*seq)).collect(),
            })
            .collect();
        Explanation {
            period: p.id.clone(),
            unit: unit.to_owned(),
            as_of: self.position,
            ledger_verified: self.checked.ok,
            policy: PolicyName { id: p.policy.id.clone(), version: p.policy.version },
            score: u.score.to_string(),
            rank: u.rank,
            grade: u.grade,
            steps: u.steps,
            indicators,
            adjustments: u.adjustments,
            vetoes: u.vetoes,
            consequences: u.consequences,
            disqualification: u.disqualification,
            process,
        }
    }
}

/// A record as a derivation names it: type, time, signer and office.
pub(super) fn describe_record(ledger: &Ledger, authority: Option<&Authority>, seq: u64) -> EventRef {
    match ledger.store().get(seq).ok().flatten().and_then(|raw| raw.decode().ok()) {
        Some(r) => EventRef {
            seq,
            event_type: Some(r.envelope.event_type),
            time: Some(r.envelope.time.to_string()),
            signer: Some(r.envelope.author.key_id().to_string()),
            office: authority.and_then(|a| a.key(&r.envelope.author)).map(|k| k.holder.clone()),
        },
        None => EventRef { seq, event_type: None, time: None, signer: None, office: None },
    }
}

/// Who did what to one value, in ledger order: the target assigned, each
/// submission (and its return), verification, correction, objection filed
/// and resolved, the publication and the finalisation of the period.
fn provenance(
    p: &Period,
    unit: &str,
    indicator: &str,
    finalized: Option<u64>,
    describe: &dyn Fn(u64) -> EventRef,
) -> Vec<Provenance> {
    let step = |seq: u64, what: &str, value: Option<String>, detail: Option<String>| Provenance {
        step: what.to_owned(),
        value,
        detail,
        event: describe(seq),
    };
    let key = (unit.to_owned(), indicator.to_owned());
    let mut steps = Vec::new();
    if let Some((seq, t)) = p.targets.get(&key) {
        steps.push(step(*seq, "target assigned", Some(t.target.0.to_string()), None));
    }
    let values = p.values.get(&key).map(Vec::as_slice).unwrap_or_default();
    for m in p.measurements.values().filter(|m| m.unit == unit && m.indicator == indicator) {
        let submitted = values.iter().find(|v| v.seq == m.seq).map(|v| v.value.to_string());
        steps.push(step(m.seq, "submitted", submitted, None));
        if let Some((seq, why)) = &m.returned {
            steps.push(step(*seq, "returned", None, Some(why.clone())));
        }
        if let Some(seq) = m.verified {
            steps.push(step(seq, "verified", None, None));
        }
    }
    for v in values.iter().filter(|v| v.how.starts_with("corrected")) {
        let reason = v.how.strip_prefix("corrected: ").map(str::to_owned);
        steps.push(step(v.seq, "corrected", Some(v.value.to_string()), reason));
    }
    for o in p.objections.values() {
        if o.filed.unit != unit || o.filed.indicator.as_deref().is_some_and(|i| i != indicator) {
            continue;
        }
        steps.push(step(o.seq, "objection filed", None, Some(format!("{}: {}", o.filed.objection, o.filed.claim))));
        if let Some((seq, r)) = &o.resolved {
            let value = r.corrected_value.as_ref().map(|v| v.0.to_string());
            let outcome = serde_json::to_value(r.outcome).ok().and_then(|v| v.as_str().map(str::to_owned));
            let what = format!("objection {}", outcome.as_deref().unwrap_or("resolved"));
            steps.push(step(*seq, &what, value, Some(r.reasons.clone())));
        }
    }
    steps.extend(p.published.map(|seq| step(seq, "published", None, None)));
    steps.extend(finalized.map(|seq| step(seq, "finalized", None, None)));
    steps.sort_by_key(|s| s.event.seq);
    steps
}
