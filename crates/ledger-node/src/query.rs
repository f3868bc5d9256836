//! The read queries, answered from a [`View`]: the scoreboard of a period,
//! the derivation of one unit's result, the audit, the units and the
//! catalog; and the records themselves. Every result is a typed value whose
//! JSON form is what `--json` prints (and what an HTTP service would send).

use crate::view::{Checked, View};
use crate::{Error, Ledger};
use ledger_core::authority::{Authority, KeyInfo};
use ledger_core::{RawRecord, Record, Timestamp};
use ledger_domain::events::IndicatorDef;
use ledger_domain::project::{self, AuditFinding};
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
            Error::refused_with(format!("no period {id:?} in this ledger"), format!("periods: {}", known.join(", ")))
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
    let (scores, _) = project::score(domain, p).map_err(Error::refused)?;
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
        let (scores, _) = project::score(d, p).map_err(Error::refused)?;
        let u = scores.units.into_iter().find(|x| x.unit == unit).ok_or_else(|| {
            Error::refused_with(
                format!("unit {unit:?} is not assessed in period {period}"),
                format!("units: {}", p.units.join(", ")),
            )
        })?;
        if let Some(i) = indicator
            && !u.indicators.iter().any(|x| x.indicator == i)
        {
            return Err(Error::refused_with(
                format!("indicator {i:?} is not scored in period {period}"),
                "see `ledger catalog`",
            ));
        }
        let authority = ledger.authority().ok();
        let describe = |seq: u64| -> EventRef {
            let record = ledger.store().get(seq).ok().flatten().and_then(|raw| raw.decode().ok());
            match record {
                Some(r) => EventRef {
                    seq,
                    event_type: Some(r.envelope.event_type),
                    time: Some(r.envelope.time.to_string()),
                    signer: Some(r.envelope.author.key_id().to_string()),
                    office: authority.as_ref().and_then(|a| a.key(&r.envelope.author)).map(|k| k.holder.clone()),
                },
                None => EventRef { seq, event_type: None, time: None, signer: None, office: None },
            }
        };
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
        Ok(Explanation {
            period: period.to_owned(),
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
        })
    }

    /// The recorded rewards and sanctions against what the rules imply, for
    /// every finalised period or one (`ledger audit`).
    pub fn audit(&self, period: Option<&str>) -> Result<Audit, Error> {
        if let Some(p) = period {
            self.period(p)?;
        }
        let findings = project::audit(self.domain(), period);
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
        let period_of_stream = env.stream.strip_prefix("period/");
        let unit_ok = match &self.unit {
            None => true,
            Some(u) => {
                let about = env.stream == format!("unit/{u}")
                    || text("unit") == Some(u.as_str())
                    || ["measurement", "corrects"]
                        .iter()
                        .filter_map(|k| data.get(*k).and_then(Value::as_u64))
                        .any(|seq| self.seen_measurements.contains(&seq))
                    || (env.event_type == "objection_resolved"
                        && period_of_stream
                            .zip(text("objection"))
                            .is_some_and(|(p, o)| self.seen_objections.contains(&(p.to_owned(), o.to_owned()))));
                if about {
                    match (env.event_type.as_str(), period_of_stream) {
                        ("measurement_submitted", _) => {
                            self.seen_measurements.insert(r.seq);
                        }
                        ("objection_filed", Some(p)) => {
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
        let name = match self.store().last_of_type("time_zone_adopted")? {
            Some(r) => r.envelope.data.get("zone").and_then(|z| z.as_str()).map(str::to_owned),
            None => None,
        };
        let name = name.as_deref().unwrap_or(ledger_core::time::DEFAULT_ZONE);
        ledger_core::time::zone(name).map_err(|e| Error::refused(e.to_string()))
    }

    /// The authority as of the last record, if the governance records replay.
    pub fn authority(&self) -> Result<Authority, Error> {
        self.store().authority()?.map_err(|e| {
            Error::refused(format!("the ledger's governance records do not replay ({e}); run `ledger verify`"))
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
                        "a writer was active; list again",
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
            Error::refused_with(
                format!("no record {seq}"),
                format!("the ledger holds records 0 to {}", len.saturating_sub(1)),
            )
        })?;
        raw.decode().map_err(|e| {
            Error::refused_with(
                format!("record {seq} does not decode: {e}"),
                "run `ledger verify` to see what happened to it",
            )
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
                    "give the holder or the key id (`ledger key list`)",
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
                "give a key id, a public key or a holder as `ledger key list` prints them",
            )),
            1 => Ok(matching
                .iter()
                .rev()
                .find(|k| k.status == "active" || k.status == "root")
                .unwrap_or(&matching[matching.len() - 1])),
            _ => Err(Error::refused_with(
                format!("{query:?} names several holders: {}", holders.into_iter().collect::<Vec<_>>().join(", ")),
                "give more of the name, or the key id",
            )),
        }
    }
}
