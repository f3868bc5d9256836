//! The read queries, answered from a [`View`]: the scoreboard of a period,
//! the derivation of one unit's result, the audit, the units and the
//! catalog; and the records themselves. Every result is a typed value whose
//! JSON form is what `--json` prints (and what an HTTP service would send).

use crate::view::{Checked, View};
use crate::{Error, Ledger};
use ledger_core::authority::{Authority, KeyInfo};
use ledger_core::{RawRecord, Record, Timestamp};
use ledger_domain::audit::{self, AuditFinding};
use ledger_domain::events::{
    IndicatorDef, MeasurementSubmitted, ObjectionFiled, ObjectionResolved, Payload, Stream, TimeZoneAdopted,
};
use ledger_domain::scoring;
use ledger_domain::state::{Period, PeriodState, Unit};
use ledger_domain::{Anomaly, Domain};
use serde::Serialize;
use serde_json::{Value, json};

use std::collections::BTreeSet;

impl View {
    /// The folded domain state.
    pub fn domain(&self) -> &Domain {
        &self.replay.domain
    }

    /// A period of the view, or a refusal listing the ones there are.
    pub fn period(&self, id: &str) -> Result<&Period, Error> {
        self.replay.domain.periods.get(id).ok_or_else(|| {
            let known: Vec<&str> = self.replay.domain.periods.keys().map(String::as_str).collect();
            Error::refused_with(
                format!("no period {id:?} in this ledger"),
                crate::Remedy::ChooseKnown {
                    kind: crate::Known::Periods,
                    names: known.iter().map(|k| (*k).to_owned()).collect(),
                },
            )
        })
    }
}

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

fn status(p: &Period, hash: &str) -> Status {
    match &p.state {
        PeriodState::Open => Status::Open,
        PeriodState::Published { seq, window_until } => {
            Status::Published { seq: *seq, window_until: window_until.to_string() }
        }
        PeriodState::Finalized { seq, projection_hash } => {
            Status::Finalized { seq: *seq, attested_hash: projection_hash.clone(), matches: projection_hash == hash }
        }
    }
}

/// The scores of a period as the domain state stands, and their hash.
pub fn score(domain: &Domain, p: &Period) -> Result<(ledger_score::PeriodScores, String), Error> {
    score_at(domain, p, ledger_domain::process::cutoff(domain, p))
}

/// [`score`] with the process component counted as of `cutoff`: what a
/// `scores_published` signed at that time attests.
pub fn score_at(
    domain: &Domain,
    p: &Period,
    cutoff: ledger_core::Timestamp,
) -> Result<(ledger_score::PeriodScores, String), Error> {
    let (scores, _) = scoring::score_at(domain, p, cutoff).map_err(Error::refused)?;
    let hash = hex::encode(ledger_score::projection_hash(&scores));
    Ok((scores, hash))
}

impl View {
    /// The scoreboard of a period.
    pub fn scoreboard(&self, period: &str) -> Result<Scoreboard, Error> {
        let d = self.domain();
        let p = self.period(period)?;
        let (scores, hash) = score(d, p)?;
        let units = scores
            .units
            .iter()
            .map(|u| {
                let then = d.units.get(&u.unit).map(|x| x.as_of(p.year));
                UnitRow {
                    unit: u.unit.clone(),
                    name: then.as_ref().map(|x| x.name_en.clone()),
                    name_zh: then.as_ref().map(|x| x.name_zh.clone()),
                    kind: then.map(|x| x.kind),
                    score: u.score.to_string(),
                    rank: u.rank,
                    grade: u.grade.clone(),
                    vetoes: u
                        .vetoes
                        .iter()
                        .map(|v| VetoRow { id: v.id.clone(), clause: v.clause.clone(), basis: v.basis.clone() })
                        .collect(),
                    indicators: u
                        .indicators
                        .iter()
                        .map(|i| IndicatorRow {
                            indicator: i.indicator.clone(),
                            value: i.value.map(|v| v.to_string()),
                            score: i.score.to_string(),
                            weight: i.weight.to_string(),
                            method: i.method.clone(),
                            clause: i.clause.clone(),
                            events: i.provenance.iter().chain(&i.target_provenance).copied().collect(),
                        })
                        .collect(),
                    adjustments: u
                        .adjustments
                        .iter()
                        .map(|a| AdjustmentRow {
                            id: a.id.clone(),
                            points: a.points.to_string(),
                            clause: a.clause.clone(),
                        })
                        .collect(),
                    consequences: u
                        .consequences
                        .iter()
                        .map(|c| ConsequenceRow {
                            kind: c.kind.clone(),
                            amount: c.amount.map(|a| a.to_string()),
                            clause: c.clause.clone(),
                            basis: c.basis.clone(),
                        })
                        .collect(),
                    process: u
                        .process
                        .iter()
                        .map(|x| ProcessRow {
                            id: x.id.clone(),
                            measure: x.measure.clone(),
                            score: x.score.to_string(),
                            points: x.points.to_string(),
                            clause: x.clause.clone(),
                            basis: x.basis.clone(),
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(Scoreboard {
            period: p.id.clone(),
            policy: PolicyName { id: p.policy.id.clone(), version: p.policy.version },
            as_of: self.position,
            ledger_verified: self.checked.ok,
            status: status(p, &hash),
            projection_hash: hash,
            units,
            anomalies: scores.anomalies,
            replay_anomalies: self.replay.anomalies.clone(),
        })
    }

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

    /// The recorded rewards and sanctions against what the rules imply, for
    /// every finalised period or one (`ledger audit`).
    pub fn audit(&self, period: Option<&str>) -> Result<Audit, Error> {
        if let Some(p) = period {
            self.period(p)?;
        }
        let findings = audit::audit(self.domain(), period);
        let periods = self.domain().periods.values().filter(|p| period.is_none_or(|x| x == p.id)).count();
        Ok(Audit { ok: findings.is_empty(), periods, findings })
    }

    /// The units of a period, or all with their history (`ledger units`).
    pub fn units(&self, period: Option<&str>) -> Result<Vec<&Unit>, Error> {
        let d = self.domain();
        let ids: Vec<String> = match period {
            Some(p) => self.period(p)?.units.clone(),
            None => d.units.keys().cloned().collect(),
        };
        Ok(ids.iter().filter_map(|u| d.units.get(u)).collect())
    }

    /// The indicator catalog, each with the record of its current
    /// definition: the plan's indicators in numeric order, auxiliary ones
    /// last (`ledger catalog`).
    pub fn catalog(&self) -> Vec<(u64, &IndicatorDef)> {
        let mut defs: Vec<(u64, &IndicatorDef)> =
            self.domain().indicators.values().map(|(seq, def)| (*seq, def)).collect();
        defs.sort_by_key(|(_, def)| (def.auxiliary, def.id.parse::<u32>().unwrap_or(u32::MAX), def.id.clone()));
        defs
    }

    /// The verification summary.
    pub fn checked(&self) -> &Checked {
        &self.checked
    }
}

/// A record as a derivation names it: type, time, signer and office.
fn describe_record(ledger: &Ledger, authority: Option<&Authority>, seq: u64) -> EventRef {
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

/// One step of a value's provenance.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// `target assigned`, `submitted`, `returned`, `verified`, `corrected`,
    /// `objection filed`, `objection upheld`/`dismissed`, `published`,
    /// `finalized`.
    pub step: String,
    /// The value it set, if it set one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The reason or claim given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The record: seq, time, signer and office.
    #[serde(flatten)]
    pub event: EventRef,
}

/// A record named in a derivation.
#[derive(Debug, Clone, Serialize)]
pub struct EventRef {
    /// Its sequence number.
    pub seq: u64,
    /// Its type (none when it does not decode).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// When it was signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The signer's key id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// The office holding the signer's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
}

/// One step of a value's history: the submission, then each correction or
/// upheld objection.
#[derive(Debug, Clone, Serialize)]
pub struct ValueChange {
    /// The record.
    pub seq: u64,
    /// The value from then on.
    pub value: String,
    /// `submitted`, `corrected: <reason>`, `objection <id> upheld: <reasons>`.
    pub how: String,
    /// The record, described.
    pub event: EventRef,
}

/// A measurement the assessment office sent back.
#[derive(Debug, Clone, Serialize)]
pub struct Returned {
    /// The `measurement_submitted` record.
    pub measurement: u64,
    /// The `measurement_returned` record.
    pub returned_at: u64,
    /// Why.
    pub reason: String,
}

/// A unit's target for an indicator.
#[derive(Debug, Clone, Serialize)]
pub struct TargetRow {
    /// The `target_assigned` record.
    pub seq: u64,
    /// The target.
    pub target: String,
    /// The unit's baseline, if given.
    pub baseline: Option<String>,
}

/// How one indicator's points were derived.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorDerivation {
    /// The indicator.
    pub indicator: String,
    /// Its names, English then Chinese.
    pub name: Option<String>,
    /// Its unit of measure.
    pub unit_of_measure: Option<String>,
    /// The value scored.
    pub value: Option<String>,
    /// How the value came to be.
    pub value_history: Vec<ValueChange>,
    /// Submissions sent back.
    pub returned: Vec<Returned>,
    /// The target.
    pub target: Option<TargetRow>,
    /// The method.
    pub method: String,
    /// The clause of the policy.
    pub clause: String,
    /// The weight.
    pub weight: String,
    /// The derivation, in words and arithmetic.
    pub steps: Vec<String>,
    /// The points.
    pub score: String,
    /// Every record behind the value and the target.
    pub events: BTreeSet<u64>,
    /// Who did what to the value, in ledger order.
    pub provenance: Vec<Provenance>,
}

/// How a unit's result was derived (`ledger explain`).
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The period.
    pub period: String,
    /// The unit.
    pub unit: String,
    /// The sequence number it is as of.
    pub as_of: u64,
    /// Whether the ledger verifies.
    pub ledger_verified: bool,
    /// The policy.
    pub policy: PolicyName,
    /// The composite score.
    pub score: String,
    /// The rank.
    pub rank: Option<u32>,
    /// The grade.
    pub grade: String,
    /// The derivation of composite, grade, rank and consequences.
    pub steps: Vec<String>,
    /// Per indicator.
    pub indicators: Vec<IndicatorDerivation>,
    /// Adjustments that applied.
    pub adjustments: Vec<ledger_score::AppliedAdjustment>,
    /// Vetoes that applied.
    pub vetoes: Vec<ledger_score::AppliedVeto>,
    /// Consequences due.
    pub consequences: Vec<ledger_score::Consequence>,
    /// Why the result is void, if it is.
    pub disqualification: Option<ledger_score::DisqualificationNote>,
    /// The process component's parts with the records they count (absent
    /// when the policy has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process: Vec<ProcessDerivation>,
}

/// One part of the process component, as `explain` derives it.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessDerivation {
    /// The part as scored: id, measure, points, score, clause, basis.
    #[serde(flatten)]
    pub part: ledger_score::ProcessScore,
    /// The records counted (rounds, reports, findings, closures), described.
    pub events: Vec<EventRef>,
}

/// The audit of recorded decisions.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// No findings.
    pub ok: bool,
    /// Periods audited.
    #[serde(skip)]
    pub periods: usize,
    /// Every finding.
    pub findings: Vec<AuditFinding>,
}

// ---------------------------------------------------------------------------
// Across periods, and everything of one period (for reports and exports)

/// A unit's composite in one period.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    /// The period.
    pub period: String,
    /// Composite score.
    pub score: String,
    /// Rank (none when disqualified).
    pub rank: Option<u32>,
    /// Grade.
    pub grade: String,
}

/// One unit's composites across periods.
#[derive(Debug, Clone, Serialize)]
pub struct TrendRow {
    /// The unit.
    pub unit: String,
    /// Its Chinese name in the last period it was assessed.
    pub name_zh: Option<String>,
    /// Its English name then.
    pub name: Option<String>,
    /// One per period of [`Trend::periods`], none where it was not assessed.
    pub points: Vec<Option<TrendPoint>>,
}

/// Every unit's composite across the periods (`ledger scores --trend`).
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// The periods, oldest first.
    pub periods: Vec<String>,
    /// The units, by their rank in the last period, then by id.
    pub units: Vec<TrendRow>,
}

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
    /// The periods, oldest first (by year, then id).
    pub fn period_ids(&self) -> Vec<String> {
        let mut periods: Vec<&Period> = self.domain().periods.values().collect();
        periods.sort_by(|a, b| (a.year, &a.id).cmp(&(b.year, &b.id)));
        periods.into_iter().map(|p| p.id.clone()).collect()
    }

    /// The scoreboard of every period, oldest first.
    pub fn scoreboards(&self) -> Result<Vec<Scoreboard>, Error> {
        self.period_ids().iter().map(|p| self.scoreboard(p)).collect()
    }

    /// Every unit's composite across the periods (`ledger scores --trend`).
    pub fn trend(&self) -> Result<Trend, Error> {
        Ok(trend_of(&self.scoreboards()?))
    }

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

/// A value that changed after it was submitted: corrected, or replaced by
/// an upheld objection.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedValue {
    /// The period.
    pub period: String,
    /// The unit.
    pub unit: String,
    /// Its Chinese name in the period's year.
    pub unit_name_zh: Option<String>,
    /// Its English name then.
    pub unit_name: Option<String>,
    /// The indicator.
    pub indicator: String,
    /// Its Chinese name.
    pub indicator_name_zh: Option<String>,
    /// Its English name.
    pub indicator_name: Option<String>,
    /// Its unit of measure.
    pub unit_of_measure: Option<String>,
    /// The submission, then every change, in ledger order.
    pub history: Vec<ValueChange>,
}

impl View {
    /// Every value, in every period, that changed after its submission
    /// (periods oldest first, then unit and indicator).
    pub fn changed_values(&self, ledger: &Ledger) -> Vec<ChangedValue> {
        let d = self.domain();
        let authority = ledger.authority().ok();
        let mut out = Vec::new();
        for id in self.period_ids() {
            let Some(p) = d.periods.get(&id) else { continue };
            for ((unit, indicator), steps) in p.values.iter().filter(|(_, steps)| steps.len() > 1) {
                let then = d.units.get(unit).map(|u| u.as_of(p.year));
                let def = p.indicators.get(indicator);
                out.push(ChangedValue {
                    period: p.id.clone(),
                    unit: unit.clone(),
                    unit_name_zh: then.as_ref().map(|t| t.name_zh.clone()),
                    unit_name: then.as_ref().map(|t| t.name_en.clone()),
                    indicator: indicator.clone(),
                    indicator_name_zh: def.map(|x| x.name_zh.clone()),
                    indicator_name: def.map(|x| x.name_en.clone()),
                    unit_of_measure: def.map(|x| x.unit.clone()),
                    history: steps
                        .iter()
                        .map(|s| ValueChange {
                            seq: s.seq,
                            value: s.value.to_string(),
                            how: s.how.clone(),
                            event: describe_record(ledger, authority.as_ref(), s.seq),
                        })
                        .collect(),
                });
            }
        }
        out
    }
}

/// The trend of a list of scoreboards (oldest first).
pub fn trend_of(boards: &[Scoreboard]) -> Trend {
    let periods: Vec<String> = boards.iter().map(|b| b.period.clone()).collect();
    let mut rows: Vec<TrendRow> = Vec::new();
    // The last period first: its order (rank) is the order of the rows.
    for (i, board) in boards.iter().enumerate().rev() {
        for u in &board.units {
            let at = match rows.iter().position(|r| r.unit == u.unit) {
                Some(at) => at,
                None => {
                    rows.push(TrendRow {
                        unit: u.unit.clone(),
                        name_zh: u.name_zh.clone(),
                        name: u.name.clone(),
                        points: vec![None; boards.len()],
                    });
                    rows.len() - 1
                }
            };
            rows[at].points[i] = Some(TrendPoint {
                period: board.period.clone(),
                score: u.score.clone(),
                rank: u.rank,
                grade: u.grade.clone(),
            });
        }
    }
    Trend { periods, units: rows }
}

/// A signature line of the latest recorded checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct NoteSignatureRow {
    /// The key name (the log's origin, or a witness name).
    pub name: String,
    /// Its key id, 8 hex digits.
    pub key_id: String,
    /// `log` (the log key's signature, verified) or `cosignature` (a
    /// witness's, cosignature/v1; checked by `ledger verify-proof
    /// --witness`, not here), or `other`.
    pub kind: String,
    /// A cosignature's time (UTC).
    pub time: Option<String>,
}

/// The latest checkpoint recorded in the ledger.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointRow {
    /// The `checkpoint_signed` record.
    pub seq: u64,
    /// When it was recorded (UTC).
    pub time: String,
    /// The log's name.
    pub origin: String,
    /// Records the checkpoint covers.
    pub size: u64,
    /// Its Merkle root (base64).
    pub root: String,
    /// Its signature lines.
    pub signatures: Vec<NoteSignatureRow>,
}

/// A root key the ledger trusts now.
#[derive(Debug, Clone, Serialize)]
pub struct RootRow {
    /// Its key id.
    pub key_id: String,
    /// Who holds it.
    pub holder: String,
}

/// The chain as it stands when a report is made: records, head, the
/// verification, the roots of trust and the latest checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct ChainStatus {
    /// The ledger's origin.
    pub origin: String,
    /// What verifying it found.
    pub verification: Checked,
    /// The root keys it trusts now.
    pub roots: Vec<RootRow>,
    /// The latest checkpoint recorded, if any.
    pub checkpoint: Option<CheckpointRow>,
    /// Why the latest checkpoint could not be read, if it could not.
    pub checkpoint_problem: Option<String>,
}

impl Ledger {
    /// The chain as it stands, with the verification a view found.
    pub fn chain_status(&self, checked: &Checked) -> Result<ChainStatus, Error> {
        let origin = self.store().head()?.origin;
        let authority = self.authority().ok();
        let roots = authority
            .as_ref()
            .map(|a| {
                a.roots()
                    .iter()
                    .map(|k| RootRow {
                        key_id: k.key_id().to_string(),
                        holder: a.key(k).map(|i| i.holder.clone()).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (checkpoint, checkpoint_problem) = match self.latest_checkpoint(authority.as_ref(), &origin) {
            Ok(c) => (c, None),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok(ChainStatus { origin, verification: checked.clone(), roots, checkpoint, checkpoint_problem })
    }

    fn latest_checkpoint(&self, authority: Option<&Authority>, origin: &str) -> Result<Option<CheckpointRow>, Error> {
        let Some(record) = self.store().last_of_type(ledger_tlog::event::CHECKPOINT_TYPE)? else { return Ok(None) };
        let authority = authority.ok_or_else(|| Error::refused("the governance records do not replay"))?;
        let keys = crate::tlog::ledger_log_keys(authority, origin)?;
        let Some(signed) = crate::tlog::latest_recorded(self.store(), &keys)? else { return Ok(None) };
        let log_ids: BTreeSet<u32> = keys.iter().map(ledger_tlog::Verifier::key_id).collect();
        let note = ledger_tlog::Note::parse(signed.text.as_bytes()).map_err(|e| Error::refused(e.to_string()))?;
        let signatures = note
            .signatures()
            .iter()
            .map(|sig| {
                let stamp = ledger_tlog::cosignature_timestamp(sig);
                let kind = if log_ids.contains(&sig.key_id) && sig.name == signed.checkpoint.origin {
                    "log"
                } else if stamp.is_some() {
                    "cosignature"
                } else {
                    "other"
                };
                NoteSignatureRow {
                    name: sig.name.clone(),
                    key_id: format!("{:08x}", sig.key_id),
                    kind: kind.to_owned(),
                    time: stamp
                        .filter(|_| kind == "cosignature")
                        .and_then(|t| i64::try_from(t).ok())
                        .and_then(Timestamp::from_unix)
                        .map(|t| t.to_string()),
                }
            })
            .collect();
        Ok(Some(CheckpointRow {
            seq: record.seq,
            time: record.envelope.time.to_string(),
            origin: signed.checkpoint.origin.clone(),
            size: signed.checkpoint.size,
            root: crate::tlog::b64(&signed.checkpoint.root),
            signatures,
        }))
    }
}

// ---------------------------------------------------------------------------
// Records

/// The JSON form of a decoded record, naming the signer's holder.
pub fn record_json(r: &Record, authority: Option<&Authority>) -> Value {
    let env = &r.envelope;
    let holder = authority.and_then(|a| a.key(&env.author)).map(|k| k.holder.clone());
    json!({
        "seq": r.seq,
        "hash": r.hash.to_hex(),
        "prev": r.prev.to_hex(),
        "origin": env.origin,
        "stream": env.stream,
        "version": env.version,
        "type": env.event_type,
        "schema": env.schema,
        "id": env.id,
        "time": env.time.to_string(),
        "signer": env.author.key_id().to_string(),
        "author": env.author.to_hex(),
        "holder": holder,
        "signatures": r.signatures.iter().map(|s| json!({"key_id": s.key.key_id().to_string(), "key": s.key.to_hex(), "sig": hex::encode(s.sig.0)})).collect::<Vec<_>>(),
        "data": Value::Object(env.data.clone()),
    })
}

/// A stored record as read, decoded or not.
#[derive(Debug)]
pub enum Listed {
    /// It decodes.
    Record(Box<Record>),
    /// It does not (the message says why): run `ledger verify`.
    Undecodable(RawRecord, String),
}

/// Which records `ledger log` lists. Every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    /// The stream, exactly (`period/2022`, `unit/shanghe`, `ledger`...).
    pub stream: Option<String>,
    /// The event type, exactly.
    pub event_type: Option<String>,
    /// A period: its stream, and events elsewhere that name it.
    pub period: Option<String>,
    /// A unit id: its stream, events whose `unit` is it, and the events
    /// about its measurements and objections (a correction, verification
    /// or return names the submission's seq; a resolution, the objection).
    pub unit: Option<String>,
    /// Signed (or co-signed) by one of these keys.
    pub signers: Option<BTreeSet<ledger_core::PublicKey>>,
    /// Measurements (seq) and objections (period, id) of the unit, seen so
    /// far: the filter follows the references as the records stream by.
    seen_measurements: BTreeSet<u64>,
    seen_objections: BTreeSet<(String, String)>,
}

impl RecordFilter {
    /// Whether no condition is set.
    pub fn is_empty(&self) -> bool {
        self.stream.is_none()
            && self.event_type.is_none()
            && self.period.is_none()
            && self.unit.is_none()
            && self.signers.is_none()
    }

    /// Whether the record is listed. Records must be given in order, from
    /// genesis when a unit is filtered on (the references to the unit's
    /// submissions and objections are learnt as they go by).
    pub fn matches(&mut self, r: &Record) -> bool {
        let env = &r.envelope;
        let data = &env.data;
        let text = |k: &str| data.get(k).and_then(Value::as_str);
        let period_of_stream = Stream::Period.key_of(&env.stream);
        let unit_ok = match &self.unit {
            None => true,
            Some(u) => {
                let about = env.stream == Stream::Unit.of(u)
                    || text("unit") == Some(u.as_str())
                    || ["measurement", "corrects"]
                        .iter()
                        .filter_map(|k| data.get(*k).and_then(Value::as_u64))
                        .any(|seq| self.seen_measurements.contains(&seq))
                    || (env.event_type == ObjectionResolved::TYPE
                        && period_of_stream
                            .zip(text("objection"))
                            .is_some_and(|(p, o)| self.seen_objections.contains(&(p.to_owned(), o.to_owned()))));
                if about {
                    match (env.event_type.as_str(), period_of_stream) {
                        (MeasurementSubmitted::TYPE, _) => {
                            self.seen_measurements.insert(r.seq);
                        }
                        (ObjectionFiled::TYPE, Some(p)) => {
                            if let Some(o) = text("objection") {
                                self.seen_objections.insert((p.to_owned(), o.to_owned()));
                            }
                        }
                        _ => {}
                    }
                }
                about
            }
        };
        unit_ok
            && self.stream.as_ref().is_none_or(|s| *s == env.stream)
            && self.event_type.as_ref().is_none_or(|t| *t == env.event_type)
            && self.period.as_ref().is_none_or(|p| period_of_stream == Some(p.as_str()) || text("period") == Some(p))
            && self.signers.as_ref().is_none_or(|keys| r.signatures.iter().any(|s| keys.contains(&s.key)))
    }
}

impl Ledger {
    /// The time zone the ledger reads dates in: the one adopted
    /// (`time_zone_adopted`), else Asia/Shanghai.
    pub fn time_zone(&self) -> Result<ledger_core::time::Zone, Error> {
        let name = match self.store().last_of_type(TimeZoneAdopted::TYPE)? {
            Some(r) => r.envelope.data.get("zone").and_then(|z| z.as_str()).map(str::to_owned),
            None => None,
        };
        let name = name.as_deref().unwrap_or(ledger_core::time::DEFAULT_ZONE);
        ledger_core::time::zone(name).map_err(|e| Error::refused(e.to_string()))
    }

    /// The authority as of the last record, if the governance records replay.
    pub fn authority(&self) -> Result<Authority, Error> {
        self.store().authority()?.map_err(|e| {
            Error::refused_with(
                format!("the ledger's governance records do not replay ({e})"),
                crate::Remedy::Verify { seq: None },
            )
        })
    }

    /// Up to `limit` records from `from` on that the filter lists (`ledger
    /// log`), calling `each` for every one, in bounded memory. A record
    /// that does not decode is always listed: it is what an inspector must
    /// see. A writer that changes a file read as immutable before anything
    /// was listed makes the listing start again on one read transaction;
    /// after, it is an error.
    pub fn for_each_record(
        &mut self,
        from: u64,
        limit: Option<u64>,
        filter: &RecordFilter,
        mut each: impl FnMut(Listed) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut filter = filter.clone();
        // A unit's references are learnt from genesis on.
        let mut next = if filter.unit.is_some() { 0 } else { from };
        let mut left = limit.unwrap_or(u64::MAX);
        let mut listed_any = false;
        while left > 0 {
            let chunk = self.store().read(next, 1024);
            if !self.stable()? {
                if listed_any {
                    return Err(Error::refused_with(
                        "the ledger changed while it was being listed",
                        crate::Remedy::RetryLater,
                    ));
                }
                continue; // reopened as one read transaction: read the chunk again
            }
            let chunk = chunk?;
            if chunk.is_empty() {
                break;
            }
            for raw in chunk {
                // Stored sequence numbers may be anything in an edited file:
                // never step backwards, so the listing always ends.
                next = raw.seq.max(next).saturating_add(1);
                let listed = match raw.decode() {
                    Ok(r) if !filter.matches(&r) => continue,
                    Ok(r) => Listed::Record(Box::new(r)),
                    Err(e) => Listed::Undecodable(raw, e.to_string()),
                };
                let seq = match &listed {
                    Listed::Record(r) => r.seq,
                    Listed::Undecodable(raw, _) => raw.seq,
                };
                if seq < from {
                    continue;
                }
                left -= 1;
                each(listed)?;
                listed_any = true;
                if left == 0 {
                    break;
                }
            }
        }
        Ok(())
    }

    /// One record (`ledger show`) and the authority as of the last record,
    /// read as one state.
    pub fn record_with_authority(&mut self, seq: u64) -> Result<(Record, Option<Authority>), Error> {
        self.consistent(|l| Ok((l.record(seq)?, l.authority().ok())))
    }

    /// One record.
    pub fn record(&self, seq: u64) -> Result<Record, Error> {
        let raw = self.store().get(seq)?.ok_or_else(|| {
            let len = self.store().len().unwrap_or(0);
            Error::refused_with(format!("no record {seq}"), crate::Remedy::ChooseRecord { last: len.saturating_sub(1) })
        })?;
        raw.decode().map_err(|e| {
            Error::refused_with(format!("record {seq} does not decode: {e}"), crate::Remedy::Verify { seq: Some(seq) })
        })
    }

    /// Every key the ledger has known, with its status now (`ledger key list`).
    pub fn keys(&self) -> Result<KeyList, Error> {
        let authority = self.authority()?;
        let now = Some(Timestamp::now());
        let mut keys: Vec<KeyRow> =
            authority.keys().map(|k| KeyRow { info: k.clone(), status: k.status(now).to_owned() }).collect();
        keys.sort_by_key(|k| k.info.history.first().map(|h| h.seq));
        Ok(KeyList {
            threshold: authority.threshold(),
            roots: authority.roots().len(),
            roles: authority.roles().clone(),
            keys,
        })
    }
}

/// A key and its status now.
#[derive(Debug, Clone, Serialize)]
pub struct KeyRow {
    /// What the ledger knows of it.
    #[serde(flatten)]
    pub info: KeyInfo,
    /// `root`, `active`, `expired`, `revoked`, `compromised`, `former root`.
    pub status: String,
}

/// Every key the ledger has known.
#[derive(Debug, Clone, Serialize)]
pub struct KeyList {
    /// Root signatures governance events need.
    pub threshold: u32,
    /// Current root keys.
    #[serde(skip)]
    pub roots: usize,
    /// The role table.
    pub roles: ledger_core::authority::RoleTable,
    /// The keys, in the order the ledger met them.
    pub keys: Vec<KeyRow>,
}

impl KeyList {
    /// The key `query` names: its 16-digit key id, its 64-digit public key,
    /// a role only one active key holds, or its holder (the whole name, or
    /// a part only one holder has), case-insensitive. Several keys of one
    /// holder: the active one, else the latest.
    pub fn find(&self, query: &str) -> Result<&KeyRow, Error> {
        let q = query.trim().to_lowercase();
        if let Some(row) = self.keys.iter().find(|k| k.info.key_id.to_string() == q || k.info.key.to_hex() == q) {
            return Ok(row);
        }
        let with_role: Vec<&KeyRow> =
            self.keys.iter().filter(|k| k.status == "active" && k.info.roles.contains(&q)).collect();
        match with_role.as_slice() {
            [one] => return Ok(one),
            [] => {}
            several => {
                return Err(Error::refused_with(
                    format!("{} active keys hold the role {q:?}", several.len()),
                    crate::Remedy::FixInput { input: crate::Input::Key },
                ));
            }
        }
        let exact: Vec<&KeyRow> = self.keys.iter().filter(|k| k.info.holder.to_lowercase() == q).collect();
        let matching: Vec<&KeyRow> = if exact.is_empty() {
            self.keys.iter().filter(|k| k.info.holder.to_lowercase().contains(&q)).collect()
        } else {
            exact
        };
        let holders: std::collections::BTreeSet<&str> = matching.iter().map(|k| k.info.holder.as_str()).collect();
        match holders.len() {
            0 => Err(Error::refused_with(
                format!("no key of this ledger is {query:?}"),
                crate::Remedy::FixInput { input: crate::Input::Key },
            )),
            1 => Ok(matching
                .iter()
                .rev()
                .find(|k| k.status == "active" || k.status == "root")
                .unwrap_or(&matching[matching.len() - 1])),
            _ => Err(Error::refused_with(
                format!("{query:?} names several holders: {}", holders.into_iter().collect::<Vec<_>>().join(", ")),
                crate::Remedy::FixInput { input: crate::Input::Key },
            )),
        }
    }
}
