//! Decide, then apply: the two matches over [`DomainEvent`] that every
//! event goes through, at append time and at replay.
//!
//! * [`Domain::decide`] decodes the payload once (the catalogue's
//!   [`DomainEvent::decode`]), checks the event against the state and may
//!   refuse with a [`Refusal`] naming the payload member at fault; it
//!   changes nothing and returns a [`Decided`]: the event and what deciding
//!   it computed (the scores a finalisation attests), for `apply`.
//! * [`Domain::apply`] folds a [`Decided`] into the state; it cannot fail.
//!
//! Both match on every variant, with no catch-all arm: an event type the
//! catalogue gains does not compile until both say what it does. The rules
//! of the registry (catalog, units, policies, settings, unit keys) and of a
//! period's lifecycle are here; those of process assessment, the project
//! library and the plan's monitoring are in [`crate::process`],
//! [`crate::projects`] and [`crate::monitoring`].

use crate::events::*;
use crate::state::{
    AdoptedPolicy, Decision, Domain, Fraud, Measurement, Objection, Period, PeriodState, PersonalCommitment, Unit,
    UnitName, ValueStep, about, evidence_ok, id_ok, nonblank, unit_id_ok,
};
use ledger_core::append::Refusal;
use ledger_core::{Envelope, Record, Timestamp};
use ledger_score::{PeriodScores, Policy};
use std::collections::{BTreeMap, BTreeSet};

/// What [`Domain::decide`] found, for [`Domain::apply`]: the event,
/// decoded once, and what deciding it computed that applying it needs.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The event.
    pub event: DomainEvent,
    /// For a `period_finalized`: the cut-off its scores were counted at and
    /// the scores it attests (computed to check its projection hash), which
    /// the period keeps.
    attested: Option<(Timestamp, PeriodScores)>,
}

impl Domain {
    /// Whether the signer of `env` may speak for the unit it is about: a key
    /// bound to a unit files objections, rectifications and progress reports
    /// for that unit only (the append's mandate check, before `decide`,
    /// which checks the same again so that the replay refuses it too).
    /// Reads the one member it needs before the payload is decoded, so that
    /// a key without the mandate learns nothing of the payload's faults.
    pub fn mandate(&self, env: &Envelope) -> Result<(), Refusal> {
        let about_member = |field: &str| env.data.get(field).and_then(serde_json::Value::as_str);
        match env.event_type.as_str() {
            ObjectionFiled::TYPE => {
                about_member("unit").map_or(Ok(()), |u| self.speaks_for(env, u, "objections").map_err(about("unit")))
            }
            RectificationSubmitted::TYPE => about_member("unit")
                .map_or(Ok(()), |u| self.speaks_for(env, u, "rectifications").map_err(about("unit"))),
            ProjectProgressReported::TYPE => match about_member("project").and_then(|p| self.projects.get(p)) {
                Some(p) => self.speaks_for(env, &p.unit, "progress reports").map_err(about("project")),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    pub(crate) fn speaks_for(&self, env: &Envelope, unit: &str, what: &str) -> Result<(), String> {
        match self.unit_of_key(&env.author) {
            Some(bound) if bound != unit => Err(format!(
                "key {} speaks for unit {bound}: it may file {what} for {bound} only, not for {unit}",
                env.author.key_id()
            )),
            _ => Ok(()),
        }
    }

    /// Decides whether an event may be written now: decodes its payload and
    /// checks it against the state. Changes nothing.
    pub fn decide(&self, env: &Envelope) -> Result<Decided, Refusal> {
        let t = env.event_type.as_str();
        let kind = EventType::of(t);
        let latest = kind.map_or(1, |k| k.schema);
        if env.schema != latest {
            return Err(Refusal::new(format!("`{t}` schema {} is not known (latest: {latest})", env.schema)));
        }
        // A period event is first about its period: one that is not open is
        // refused before the payload is read.
        if kind.is_some_and(EventType::needs_period) {
            self.period_of(env)?;
        }
        let event = DomainEvent::decode(t, &env.data)?;
        let mut attested = None;
        match &event {
            DomainEvent::IndicatorDefined(def) => {
                self.check_stream(env, Stream::Catalog.name())?;
                id_ok("indicator id", &def.id).map_err(about("id"))?;
                if self.indicators.contains_key(&def.id) {
                    return Err(Refusal::about(
                        "id",
                        format!("indicator {} is already defined; use indicator_revised", def.id),
                    ));
                }
                check_def(def)?;
            }
            DomainEvent::IndicatorRevised(r) => {
                self.check_stream(env, Stream::Catalog.name())?;
                if !self.indicators.contains_key(&r.indicator.id) {
                    return Err(Refusal::about("indicator.id", format!("indicator {} is not defined", r.indicator.id)));
                }
                nonblank("reason", &r.reason)?;
                check_def(&r.indicator).map_err(|e| e.within("indicator"))?;
            }
            DomainEvent::UnitRegistered(u) => {
                unit_id_ok(&u.unit).map_err(about("unit"))?;
                self.check_stream(env, &Stream::Unit.of(&u.unit))?;
                if self.units.contains_key(&u.unit) {
                    return Err(Refusal::about("unit", format!("unit {} is already registered", u.unit)));
                }
                nonblank("name_zh", &u.name_zh)?;
                nonblank("name_en", &u.name_en)?;
            }
            DomainEvent::UnitRenamed(u) => {
                self.active_unit(env, &u.unit, &u.effective)?;
                nonblank("name_zh", &u.name_zh)?;
                nonblank("name_en", &u.name_en)?;
            }
            DomainEvent::UnitReclassified(u) => {
                let unit = self.active_unit(env, &u.unit, &u.effective)?;
                if unit.kind != u.from {
                    return Err(Refusal::about(
                        "from",
                        format!("unit {} is a {:?}, not a {:?}", u.unit, unit.kind, u.from),
                    ));
                }
                if u.from == u.to {
                    return Err(Refusal::about("to", "from and to are the same kind"));
                }
            }
            DomainEvent::UnitMerged(u) => {
                self.active_unit(env, &u.unit, &u.effective)?;
                if u.into == u.unit {
                    return Err(Refusal::about("into", "a unit cannot merge into itself"));
                }
                match self.units.get(&u.into) {
                    Some(into) if into.until.is_none() => {}
                    Some(_) => return Err(Refusal::about("into", format!("unit {} no longer exists", u.into))),
                    None => return Err(Refusal::about("into", format!("unknown unit {:?}", u.into))),
                }
            }
            DomainEvent::UnitRetired(u) => {
                self.active_unit(env, &u.unit, &u.effective)?;
                nonblank("reason", &u.reason)?;
            }
            DomainEvent::PolicyAdopted(p) => {
                let policy =
                    Policy::from_json(&p.policy.to_string()).map_err(|e| Refusal::at("policy", e.to_string()))?;
                self.check_stream(env, &Stream::Policy.of(&policy.id))?;
                if self.policies.contains_key(&(policy.id.clone(), policy.version)) {
                    return Err(Refusal::about(
                        "policy",
                        format!(
                            "policy {} version {} is already adopted; adopt a new version",
                            policy.id, policy.version
                        ),
                    ));
                }
                for ind in policy.referenced_indicators() {
                    if !self.indicators.contains_key(&ind) {
                        return Err(Refusal::about(
                            "policy",
                            format!("policy refers to indicator {ind}, which is not defined"),
                        ));
                    }
                }
            }
            DomainEvent::TimeZoneAdopted(z) => {
                self.check_stream(env, Stream::Settings.name())?;
                if let Some(adopted) = &self.time_zone {
                    return Err(Refusal::about(
                        "zone",
                        format!("the ledger's time zone is recorded once; it is {adopted}"),
                    ));
                }
                ledger_core::time::zone(&z.zone).map_err(|e| Refusal::at("zone", e.to_string()))?;
            }
            DomainEvent::UnitKeyBound(b) => {
                self.check_stream(env, &Stream::Unit.of(&b.unit))?;
                if !self.units.contains_key(&b.unit) {
                    return Err(Refusal::about("unit", format!("unknown unit {:?}", b.unit)));
                }
                let key: ledger_core::PublicKey = b.key.parse().map_err(|e| Refusal::at("key", format!("{e}")))?;
                match self.unit_of_key(&key) {
                    Some(u) if u == b.unit => {
                        return Err(Refusal::about(
                            "key",
                            format!("key {} is already bound to unit {u}", key.key_id()),
                        ));
                    }
                    Some(u) => {
                        return Err(Refusal::about(
                            "key",
                            format!(
                                "key {} speaks for unit {u}; a key speaks for one unit (authorise a new key)",
                                key.key_id()
                            ),
                        ));
                    }
                    None => {}
                }
            }
            DomainEvent::AuditFindingRecorded(f) => {
                self.check_stream(env, Stream::Audit.name())?;
                id_ok("finding", &f.finding).map_err(about("finding"))?;
                nonblank("text", &f.text)?;
                if let Some(p) = &f.period
                    && !self.periods.contains_key(p)
                {
                    return Err(Refusal::about("period", format!("period {p} has not been opened")));
                }
                if let Some(u) = &f.unit
                    && !self.units.contains_key(u)
                {
                    return Err(Refusal::about("unit", format!("unknown unit {u:?}")));
                }
                if self.audit_findings.iter().any(|(_, x)| x.finding == f.finding) {
                    return Err(Refusal::about("finding", format!("audit finding {} is already recorded", f.finding)));
                }
            }
            DomainEvent::PersonalDataRedacted(x) => {
                self.check_stream(env, Stream::PersonalData.name())?;
                match self.personal.get(&x.record) {
                    None => {
                        return Err(Refusal::at(
                            "record",
                            format!("record {} names no person (it holds no personal-data commitment)", x.record),
                        ));
                    }
                    Some(p) => match &p.redacted {
                        Some((seq, _)) => {
                            return Err(Refusal::at(
                                "record",
                                format!("the personal data of record {} was already redacted (seq {seq})", x.record),
                            ));
                        }
                        None => nonblank("reason", &x.reason)?,
                    },
                }
            }
            DomainEvent::PeriodOpened(o) => self.decide_open(env, o)?,
            DomainEvent::TargetAssigned(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["open"], t)?;
                self.unit_in(period, &x.unit).map_err(about("unit"))?;
                self.indicator_in(period, &x.indicator).map_err(about("indicator"))?;
                self.check_value(period, &x.indicator, &x.target, "target")?;
                if let Some(b) = &x.baseline {
                    self.check_value(period, &x.indicator, b, "baseline")?;
                }
            }
            DomainEvent::MeasurementSubmitted(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["open"], t)?;
                self.unit_in(period, &x.unit).map_err(about("unit"))?;
                self.indicator_in(period, &x.indicator).map_err(about("indicator"))?;
                let def = &period.indicators[&x.indicator];
                if let Some(m) = &x.measure
                    && *m != def.unit
                    && Some(m) != def.unit_zh.as_ref()
                {
                    let spellings = match &def.unit_zh {
                        Some(zh) if *zh != def.unit => format!("{zh:?} or {:?}", def.unit),
                        _ => format!("{:?}", def.unit),
                    };
                    return Err(Refusal::about(
                        "measure",
                        format!("measure {m:?} does not match indicator {}'s unit of measure {spellings}", x.indicator),
                    ));
                }
                self.check_value(period, &x.indicator, &x.value, "value")?;
                evidence_ok(x.evidence.as_ref())?;
                if let Some(round) = &x.round {
                    self.decide_round_value(period, round, &x.unit, &x.indicator)?;
                } else if let Some(seq) = period.current.get(&(x.unit.clone(), x.indicator.clone())) {
                    return Err(Refusal::new(format!(
                        "a value for unit {} and indicator {} was already submitted at seq {seq}; change it with a correction of that value in period {}, with a reason (a measurement_corrected event)",
                        x.unit, x.indicator, period.id
                    )));
                }
            }
            DomainEvent::MeasurementCorrected(x) => {
                let period = self.period_of(env)?;
                let (round, m) = self.measurement(period, x.corrects).map_err(about("corrects"))?;
                if m.returned.is_some() {
                    return Err(Refusal::about(
                        "corrects",
                        format!("measurement {} was returned; submit a new value instead", x.corrects),
                    ));
                }
                let current = match round {
                    None => &period.current,
                    Some(r) => &period.rounds[r].current,
                };
                if current.get(&(m.unit.clone(), m.indicator.clone())) != Some(&x.corrects) {
                    return Err(Refusal::about(
                        "corrects",
                        format!("measurement {} is not the current value of its unit and indicator", x.corrects),
                    ));
                }
                nonblank("reason", &x.reason)?;
                evidence_ok(x.evidence.as_ref())?;
                self.check_value(period, &m.indicator, &x.value, "value")?;
            }
            DomainEvent::MeasurementVerified(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["open", "published"], t)?;
                let (_, m) = self.measurement(period, x.measurement).map_err(about("measurement"))?;
                if m.returned.is_some() {
                    return Err(Refusal::about("measurement", format!("measurement {} was returned", x.measurement)));
                }
                if let Some(v) = m.verified {
                    return Err(Refusal::about(
                        "measurement",
                        format!("measurement {} was already verified at seq {v}", x.measurement),
                    ));
                }
            }
            DomainEvent::MeasurementReturned(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["open"], t)?;
                let (_, m) = self.measurement(period, x.measurement).map_err(about("measurement"))?;
                if m.returned.is_some() {
                    return Err(Refusal::about(
                        "measurement",
                        format!("measurement {} was already returned", x.measurement),
                    ));
                }
                if let Some(v) = m.verified {
                    return Err(Refusal::about(
                        "measurement",
                        format!("measurement {} was verified at seq {v}; correct it instead", x.measurement),
                    ));
                }
                nonblank("reason", &x.reason)?;
            }
            DomainEvent::ScoresPublished(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["open"], t)?;
                if self.end_of(&x.window_until) < env.time {
                    return Err(Refusal::about(
                        "window_until",
                        format!(
                            "the objection window ends ({}) before the publication ({})",
                            self.end_of(&x.window_until).local(&self.zone()),
                            env.time.local(&self.zone())
                        ),
                    ));
                }
                self.check_hash(period, &x.projection_hash, t, Some(env.time))?;
            }
            DomainEvent::ObjectionFiled(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["published"], t)?;
                if let PeriodState::Published { window_until, .. } = period.state
                    && env.time > window_until
                {
                    return Err(Refusal::new(format!(
                        "the objection window of period {} closed at {}; objections are no longer accepted",
                        period.id,
                        window_until.local(&self.zone())
                    )));
                }
                id_ok("objection", &x.objection).map_err(about("objection"))?;
                if period.objections.contains_key(&x.objection) {
                    return Err(Refusal::about("objection", format!("objection {} is already filed", x.objection)));
                }
                self.unit_in(period, &x.unit).map_err(about("unit"))?;
                self.speaks_for(env, &x.unit, "objections").map_err(about("unit"))?;
                if let Some(i) = &x.indicator {
                    self.indicator_in(period, i).map_err(about("indicator"))?;
                    if let Some(v) = &x.proposed_value {
                        self.check_value(period, i, v, "proposed_value")?;
                    }
                }
                nonblank("claim", &x.claim)?;
            }
            DomainEvent::ObjectionResolved(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["published"], t)?;
                let o = period.objections.get(&x.objection).ok_or_else(|| {
                    Refusal::about("objection", format!("no objection {} in period {}", x.objection, period.id))
                })?;
                if let Some((seq, _)) = &o.resolved {
                    return Err(Refusal::about(
                        "objection",
                        format!("objection {} was already resolved at seq {seq}", x.objection),
                    ));
                }
                nonblank("reasons", &x.reasons)?;
                match (x.outcome, &o.filed.indicator, &x.corrected_value) {
                    (Outcome::Upheld, Some(i), Some(v)) => self.check_value(period, i, v, "corrected_value")?,
                    (Outcome::Upheld, Some(_), None) => {
                        return Err(Refusal::about(
                            "corrected_value",
                            "an upheld objection about a value needs corrected_value",
                        ));
                    }
                    (Outcome::Upheld, None, Some(_)) => {
                        return Err(Refusal::about(
                            "corrected_value",
                            "corrected_value needs an objection about an indicator",
                        ));
                    }
                    (Outcome::Dismissed, _, Some(_)) => {
                        return Err(Refusal::about(
                            "corrected_value",
                            "a dismissed objection changes no value: drop corrected_value",
                        ));
                    }
                    _ => {}
                }
            }
            DomainEvent::PeriodFinalized(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["published"], t)?;
                if let PeriodState::Published { window_until, .. } = period.state
                    && env.time <= window_until
                {
                    return Err(Refusal::new(format!(
                        "the objection window is open until {window_until}; finalise after it closes"
                    )));
                }
                if let Some(o) = period.objections.values().find(|o| o.resolved.is_none()) {
                    return Err(Refusal::new(format!(
                        "objection {} (seq {}) is not resolved",
                        o.filed.objection, o.seq
                    )));
                }
                let cutoff = crate::process::cutoff(self, period);
                let scores = self.check_hash(period, &x.projection_hash, t, Some(cutoff))?;
                // The period keeps the scores it attests: `apply` takes them
                // from here instead of scoring the period again.
                attested = Some((cutoff, scores));
            }
            DomainEvent::RewardGranted(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["finalized"], t)?;
                self.new_decision_id(period, &x.reward).map_err(about("reward"))?;
                self.unit_in(period, &x.unit).map_err(about("unit"))?;
                nonblank("basis", &x.basis)?;
                match (x.kind, &x.amount) {
                    (RewardKind::FiscalReward, Some(a)) if a.0.is_sign_negative() => {
                        return Err(Refusal::about("amount", "amount must not be negative"));
                    }
                    // No amount: the rules could not compute one (a missing F3); the audit
                    // compares it with the consequence, whose amount is then null too.
                    (RewardKind::PolicyPreference, Some(_)) => {
                        return Err(Refusal::about("amount", "policy preference has no amount"));
                    }
                    _ => {}
                }
            }
            DomainEvent::AccountabilityActionTaken(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["finalized"], t)?;
                self.new_decision_id(period, &x.action).map_err(about("action"))?;
                self.unit_in(period, &x.unit).map_err(about("unit"))?;
                if let Some(c) = &x.person
                    && !crate::personal::is_commitment(c)
                {
                    return Err(Refusal::at(
                        "person",
                        "the commitment is 64 lowercase hex digits (never the name itself)",
                    ));
                }
                nonblank("basis", &x.basis)?;
            }
            DomainEvent::RectificationSubmitted(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["finalized"], t)?;
                let a = period.decisions.get(&x.action).ok_or_else(|| {
                    Refusal::about("action", format!("no accountability action {} in period {}", x.action, period.id))
                })?;
                if matches!(a.kind.as_str(), "policy_preference" | "fiscal_reward") {
                    return Err(Refusal::about(
                        "action",
                        format!("{} is a reward, not an accountability action", x.action),
                    ));
                }
                if a.unit != x.unit {
                    return Err(Refusal::about(
                        "unit",
                        format!("action {} concerns unit {}, not {}", x.action, a.unit, x.unit),
                    ));
                }
                self.speaks_for(env, &x.unit, "rectifications").map_err(about("unit"))?;
                if a.rescinded.is_some() {
                    return Err(Refusal::about("action", format!("action {} was rescinded", x.action)));
                }
                nonblank("text", &x.text)?;
            }
            DomainEvent::ActionRescinded(x) => {
                let period = self.period_of(env)?;
                Self::state_is(period, &["finalized"], t)?;
                let a = period.decisions.get(&x.target).ok_or_else(|| {
                    Refusal::about("target", format!("no reward or action {} in period {}", x.target, period.id))
                })?;
                if let Some((seq, _)) = &a.rescinded {
                    return Err(Refusal::about("target", format!("{} was already rescinded at seq {seq}", x.target)));
                }
                nonblank("reason", &x.reason)?;
            }
            DomainEvent::DataFraudDetermined(x) => {
                let period = self.period_of(env)?;
                id_ok("determination", &x.determination).map_err(about("determination"))?;
                if period.frauds.contains_key(&x.determination) {
                    return Err(Refusal::about(
                        "determination",
                        format!("determination {} is already recorded", x.determination),
                    ));
                }
                self.unit_in(period, &x.unit).map_err(about("unit"))?;
                for i in &x.indicators {
                    self.indicator_in(period, i).map_err(about("indicators"))?;
                }
                nonblank("basis", &x.basis)?;
            }
            DomainEvent::MonitoringRoundOpened(x) => self.decide_round(self.period_of(env)?, x)?,
            DomainEvent::SupervisionRecorded(x) => self.decide_supervision(env, self.period_of(env)?, x)?,
            DomainEvent::SupervisionClosed(x) => self.decide_closure(self.period_of(env)?, x)?,
            DomainEvent::ProjectRegistered(x) => self.decide_registration(env, x)?,
            DomainEvent::ProjectPromoted(x) => self.decide_promotion(env, x)?,
            DomainEvent::ProjectProgressReported(x) => self.decide_progress(env, x)?,
            DomainEvent::ProjectCompleted(x) => self.decide_completion(env, x)?,
            DomainEvent::ProjectEvaluated(x) => self.decide_evaluation(env, x)?,
            DomainEvent::MeasureRegistered(x) => self.decide_measure(env, x)?,
            DomainEvent::MeasureProgressReported(x) => self.decide_measure_report(env, x)?,
            DomainEvent::LandUseReported(x) => self.decide_land_use(env, x)?,
        }
        Ok(Decided { event, attested })
    }

    /// Applies an event that `decide` accepted on this state, with what
    /// deciding it found. Never fails.
    pub fn apply(&mut self, record: &Record, decided: Decided) {
        let env = &record.envelope;
        let seq = record.seq;
        self.clock = Some(self.clock.map_or(env.time, |c| c.max(env.time)));
        let Decided { event, attested } = decided;
        match event {
            DomainEvent::IndicatorDefined(def) => {
                self.indicators.insert(def.id.clone(), (seq, def));
            }
            DomainEvent::IndicatorRevised(r) => {
                self.indicators.insert(r.indicator.id.clone(), (seq, r.indicator));
            }
            DomainEvent::UnitRegistered(u) => {
                let note = u.note.clone().map(|n| format!(" ({n})")).unwrap_or_default();
                self.units.insert(
                    u.unit.clone(),
                    Unit {
                        id: u.unit,
                        name_zh: u.name_zh.clone(),
                        name_en: u.name_en.clone(),
                        kind: u.kind,
                        from: u.effective.clone(),
                        until: None,
                        history: vec![(
                            seq,
                            u.effective.0.clone(),
                            format!("registered as {} {} ({:?}){note}", u.name_zh, u.name_en, u.kind),
                        )],
                        names: vec![UnitName {
                            from: u.effective,
                            name_zh: u.name_zh.clone(),
                            name_en: u.name_en.clone(),
                            kind: u.kind,
                        }],
                    },
                );
            }
            DomainEvent::UnitRenamed(u) => {
                if let Some(unit) = self.units.get_mut(&u.unit) {
                    unit.history.push((seq, u.effective.0.clone(), format!("renamed {} {}", u.name_zh, u.name_en)));
                    let kind = unit.as_of_date(&u.effective).kind;
                    unit.set_from(UnitName {
                        from: u.effective,
                        name_zh: u.name_zh.clone(),
                        name_en: u.name_en.clone(),
                        kind,
                    });
                    unit.name_zh = u.name_zh;
                    unit.name_en = u.name_en;
                }
            }
            DomainEvent::UnitReclassified(u) => {
                if let Some(unit) = self.units.get_mut(&u.unit) {
                    unit.history.push((seq, u.effective.0.clone(), format!("reclassified {:?} -> {:?}", u.from, u.to)));
                    let now = unit.as_of_date(&u.effective);
                    unit.set_from(UnitName { kind: u.to, from: u.effective, ..now });
                    unit.kind = u.to;
                }
            }
            DomainEvent::UnitMerged(u) => {
                if let Some(unit) = self.units.get_mut(&u.unit) {
                    unit.history.push((seq, u.effective.0.clone(), format!("merged into {}", u.into)));
                    unit.until = Some(u.effective);
                }
            }
            DomainEvent::UnitRetired(u) => {
                if let Some(unit) = self.units.get_mut(&u.unit) {
                    unit.history.push((seq, u.effective.0.clone(), format!("retired: {}", u.reason)));
                    unit.until = Some(u.effective);
                }
            }
            DomainEvent::PolicyAdopted(p) => {
                if let Ok(policy) = Policy::from_json(&p.policy.to_string()) {
                    self.policies
                        .insert((policy.id.clone(), policy.version), AdoptedPolicy { seq, policy, document: p.policy });
                }
            }
            DomainEvent::PeriodOpened(o) => {
                if let Some(id) = Stream::Period.key_of(&env.stream) {
                    let indicators = o
                        .indicators
                        .iter()
                        .filter_map(|i| self.indicators.get(i).map(|(_, def)| (i.clone(), def.clone())))
                        .collect();
                    self.periods.insert(
                        id.to_owned(),
                        Period {
                            id: id.to_owned(),
                            opened: seq,
                            year: o.year,
                            units: o.units,
                            indicators,
                            policy: o.policy,
                            state: PeriodState::Open,
                            targets: BTreeMap::new(),
                            measurements: BTreeMap::new(),
                            values: BTreeMap::new(),
                            current: BTreeMap::new(),
                            objections: BTreeMap::new(),
                            decisions: BTreeMap::new(),
                            frauds: BTreeMap::new(),
                            finalized_scores: None,
                            published: None,
                            published_at: None,
                            rounds: BTreeMap::new(),
                            supervision: BTreeMap::new(),
                        },
                    );
                }
            }
            DomainEvent::AuditFindingRecorded(f) => self.audit_findings.push((seq, f)),
            DomainEvent::TimeZoneAdopted(z) => self.time_zone = Some(z.zone),
            DomainEvent::UnitKeyBound(b) => {
                if let Some(unit) = self.units.get_mut(&b.unit) {
                    unit.history.push((seq, env.time.date(), format!("key bound: {}", &b.key[..16])));
                }
                self.unit_keys.insert(b.key, b.unit);
            }
            DomainEvent::PersonalDataRedacted(x) => {
                if let Some(p) = self.personal.get_mut(&x.record) {
                    p.redacted = Some((seq, x.reason));
                }
            }
            DomainEvent::TargetAssigned(x) => {
                if let Some(period) = self.period_mut(env) {
                    period.targets.insert((x.unit.clone(), x.indicator.clone()), (seq, x));
                }
            }
            DomainEvent::MeasurementSubmitted(x) => {
                if let Some(period) = self.period_mut(env) {
                    let key = (x.unit.clone(), x.indicator.clone());
                    let step = vec![ValueStep { seq, value: x.value.0, how: "submitted".into() }];
                    let m = Measurement {
                        seq,
                        unit: x.unit,
                        indicator: x.indicator,
                        verified: None,
                        returned: None,
                        evidence: x.evidence,
                    };
                    // An in-year value lives in its round, apart from the annual one.
                    let (measurements, values, current) = match x.round.as_ref().and_then(|r| period.rounds.get_mut(r))
                    {
                        Some(r) => {
                            r.submitted_at.insert(seq, env.time);
                            (&mut r.measurements, &mut r.values, &mut r.current)
                        }
                        None => (&mut period.measurements, &mut period.values, &mut period.current),
                    };
                    measurements.insert(seq, m);
                    values.insert(key.clone(), step);
                    current.insert(key, seq);
                }
            }
            DomainEvent::MeasurementCorrected(x) => {
                if let Some(period) = self.period_mut(env)
                    && let Some((round, m)) = crate::process::find_measurement(period, x.corrects)
                {
                    let key = (m.unit.clone(), m.indicator.clone());
                    let round = round.map(str::to_owned);
                    let values = match round.and_then(|r| period.rounds.get_mut(&r)) {
                        Some(r) => &mut r.values,
                        None => &mut period.values,
                    };
                    if let Some(steps) = values.get_mut(&key) {
                        steps.push(ValueStep { seq, value: x.value.0, how: format!("corrected: {}", x.reason) });
                    }
                }
            }
            DomainEvent::MeasurementVerified(x) => {
                if let Some(m) = self.period_mut(env).and_then(|p| measurement_mut(p, x.measurement)) {
                    m.verified = Some(seq);
                }
            }
            DomainEvent::MeasurementReturned(x) => {
                if let Some(period) = self.period_mut(env)
                    && let Some(m) = measurement_mut(period, x.measurement)
                {
                    m.returned = Some((seq, x.reason));
                    let key = (m.unit.clone(), m.indicator.clone());
                    let (current, values) =
                        match period.rounds.values_mut().find(|r| r.measurements.contains_key(&x.measurement)) {
                            Some(r) => (&mut r.current, &mut r.values),
                            None => (&mut period.current, &mut period.values),
                        };
                    if current.get(&key) == Some(&x.measurement) {
                        current.remove(&key);
                        values.remove(&key);
                    }
                }
            }
            DomainEvent::ScoresPublished(x) => {
                let window_until = self.end_of(&x.window_until);
                if let Some(period) = self.period_mut(env) {
                    period.state = PeriodState::Published { seq, window_until };
                    period.published = Some(seq);
                    period.published_at = Some(env.time);
                }
            }
            DomainEvent::ObjectionFiled(x) => {
                if let Some(period) = self.period_mut(env) {
                    period.objections.insert(x.objection.clone(), Objection { seq, filed: x, resolved: None });
                }
            }
            DomainEvent::ObjectionResolved(x) => {
                if let Some(period) = self.period_mut(env)
                    && let Some(o) = period.objections.get_mut(&x.objection)
                {
                    if let (Outcome::Upheld, Some(i), Some(v)) = (x.outcome, &o.filed.indicator, &x.corrected_value) {
                        let key = (o.filed.unit.clone(), i.clone());
                        period.values.entry(key).or_default().push(ValueStep {
                            seq,
                            value: v.0,
                            how: format!("objection {} upheld: {}", x.objection, x.reasons),
                        });
                    }
                    o.resolved = Some((seq, x));
                }
            }
            DomainEvent::PeriodFinalized(x) => {
                let scores = self.period_of(env).ok().and_then(|p| {
                    let cutoff = crate::process::cutoff(self, p);
                    match attested {
                        // What `decide` computed for this event on this state.
                        Some((at, scores)) if at == cutoff => Some(scores),
                        _ => crate::scoring::score_at(self, p, cutoff).ok().map(|(s, _)| s),
                    }
                });
                if let Some(period) = self.period_mut(env) {
                    period.state = PeriodState::Finalized { seq, projection_hash: x.projection_hash };
                    period.finalized_scores = scores;
                }
            }
            DomainEvent::RewardGranted(x) => {
                if let Some(period) = self.period_mut(env) {
                    period.decisions.insert(
                        x.reward.clone(),
                        Decision {
                            seq,
                            id: x.reward,
                            unit: x.unit,
                            kind: name_of(x.kind),
                            amount: x.amount.map(|a| a.0),
                            basis: x.basis,
                            rescinded: None,
                            rectifications: vec![],
                        },
                    );
                }
            }
            DomainEvent::AccountabilityActionTaken(x) => {
                if let Some(commitment) = x.person {
                    self.personal.insert(seq, PersonalCommitment { commitment, redacted: None });
                }
                if let Some(period) = self.period_mut(env) {
                    period.decisions.insert(
                        x.action.clone(),
                        Decision {
                            seq,
                            id: x.action,
                            unit: x.unit,
                            kind: name_of(x.kind),
                            amount: None,
                            basis: x.basis,
                            rescinded: None,
                            rectifications: vec![],
                        },
                    );
                }
            }
            DomainEvent::RectificationSubmitted(x) => {
                if let Some(a) = self.period_mut(env).and_then(|p| p.decisions.get_mut(&x.action)) {
                    a.rectifications.push(seq);
                }
            }
            DomainEvent::ActionRescinded(x) => {
                if let Some(a) = self.period_mut(env).and_then(|p| p.decisions.get_mut(&x.target)) {
                    a.rescinded = Some((seq, x.reason));
                }
            }
            DomainEvent::DataFraudDetermined(x) => {
                if let Some(period) = self.period_mut(env) {
                    period.frauds.insert(x.determination.clone(), Fraud { seq, determination: x });
                }
            }
            DomainEvent::MonitoringRoundOpened(x) => self.apply_round(record, x),
            DomainEvent::SupervisionRecorded(x) => self.apply_supervision(record, x),
            DomainEvent::SupervisionClosed(x) => self.apply_closure(record, x),
            DomainEvent::ProjectRegistered(x) => self.apply_registration(record, x),
            DomainEvent::ProjectPromoted(x) => self.apply_promotion(record, x),
            DomainEvent::ProjectProgressReported(x) => self.apply_progress(record, x),
            DomainEvent::ProjectCompleted(x) => self.apply_completion(record, x),
            DomainEvent::ProjectEvaluated(x) => self.apply_evaluation(record, x),
            DomainEvent::MeasureRegistered(x) => self.apply_measure(record, x),
            DomainEvent::MeasureProgressReported(x) => self.apply_measure_report(record, x),
            DomainEvent::LandUseReported(x) => self.apply_land_use(record, x),
        }
    }

    /// The period an event's stream names, if it is a period stream.
    pub(crate) fn period_of<'a>(&'a self, env: &Envelope) -> Result<&'a Period, Refusal> {
        let id = Stream::Period
            .key_of(&env.stream)
            .ok_or_else(|| Refusal::new(format!("`{}` events belong in a period/<period> stream", env.event_type)))?;
        self.periods.get(id).ok_or_else(|| Refusal::new(format!("period {id} has not been opened")))
    }

    /// The period an event's stream names, to change.
    pub(crate) fn period_mut(&mut self, env: &Envelope) -> Option<&mut Period> {
        Stream::Period.key_of(&env.stream).and_then(|id| self.periods.get_mut(id))
    }

    pub(crate) fn check_stream(&self, env: &Envelope, expected: &str) -> Result<(), Refusal> {
        if env.stream == expected {
            Ok(())
        } else {
            Err(Refusal::new(format!(
                "`{}` events for this belong in stream {expected:?}, not {:?}",
                env.event_type, env.stream
            )))
        }
    }

    fn active_unit(&self, env: &Envelope, id: &str, effective: &Date) -> Result<&Unit, Refusal> {
        self.check_stream(env, &Stream::Unit.of(id))?;
        let unit = self.units.get(id).ok_or_else(|| Refusal::about("unit", format!("unknown unit {id:?}")))?;
        if unit.until.is_some() {
            return Err(Refusal::about("unit", format!("unit {id} no longer exists")));
        }
        if effective.0 < unit.from.0 {
            return Err(Refusal::about(
                "effective",
                format!("effective date {} is before the unit exists ({})", effective.0, unit.from.0),
            ));
        }
        Ok(unit)
    }

    /// A value's plausibility for its indicator: a refusal about the
    /// member `what` (`value`, `target`...).
    fn check_value(&self, period: &Period, indicator: &str, v: &Dec, what: &str) -> Result<(), Refusal> {
        let def = period.indicators.get(indicator).ok_or_else(|| {
            Refusal::about("indicator", format!("indicator {indicator} is not assessed in period {}", period.id))
        })?;
        def.value_type
            .check(&v.0)
            .map_err(|e| Refusal::at(what, format!("{e} (indicator {indicator}, {})", def.name_en)))
    }

    fn unit_in(&self, period: &Period, unit: &str) -> Result<(), String> {
        if period.units.iter().any(|u| u == unit) {
            return Ok(());
        }
        Err(match self.units.get(unit) {
            None => format!("unknown unit {unit:?}"),
            Some(_) => format!("unit {unit} is not assessed in period {}", period.id),
        })
    }

    fn indicator_in(&self, period: &Period, indicator: &str) -> Result<(), String> {
        if period.indicators.contains_key(indicator) {
            return Ok(());
        }
        Err(if self.indicators.contains_key(indicator) {
            format!("indicator {indicator} is not assessed in period {}", period.id)
        } else {
            format!("unknown indicator {indicator:?}")
        })
    }

    fn state_is(period: &Period, allowed: &[&str], event_type: &str) -> Result<(), Refusal> {
        let name = match period.state {
            PeriodState::Open => "open",
            PeriodState::Published { .. } => "published",
            PeriodState::Finalized { .. } => "finalized",
        };
        if allowed.contains(&name) {
            return Ok(());
        }
        let hint = match (event_type, name) {
            (MeasurementSubmitted::TYPE, "published" | "finalized") => {
                "; values of a published or finalised period change only through a correction, with a reason (measurement_corrected)"
            }
            (RewardGranted::TYPE | ActionTaken::TYPE, _) => "; consequences follow a finalised result",
            _ => "",
        };
        Err(Refusal::new(format!(
            "period {} is {name}: `{event_type}` is not allowed (allowed when {}){hint}",
            period.id,
            allowed.join(" or ")
        )))
    }

    fn measurement<'a>(&self, period: &'a Period, seq: u64) -> Result<(Option<&'a str>, &'a Measurement), String> {
        crate::process::find_measurement(period, seq)
            .ok_or_else(|| format!("record {seq} is not a measurement_submitted of period {}", period.id))
    }

    fn decide_open(&self, env: &Envelope, o: &PeriodOpened) -> Result<(), Refusal> {
        let id = Stream::Period
            .key_of(&env.stream)
            .ok_or_else(|| Refusal::new("period_opened belongs in a period/<period> stream"))?;
        id_ok("period", id)?;
        if self.periods.contains_key(id) {
            return Err(Refusal::new(format!("period {id} is already open")));
        }
        if !(1900..=2200).contains(&o.year) {
            return Err(Refusal::about("year", format!("year {} is out of range", o.year)));
        }
        if o.units.is_empty() || o.indicators.is_empty() {
            return Err(Refusal::new("a period needs units and indicators"));
        }
        let mut seen = BTreeSet::new();
        for u in &o.units {
            if !seen.insert(u) {
                return Err(Refusal::about("units", format!("unit {u} is listed twice")));
            }
            let unit = self.units.get(u).ok_or_else(|| Refusal::about("units", format!("unknown unit {u:?}")))?;
            if !unit.exists_in(o.year) {
                let when = match &unit.until {
                    Some(until) if until.0 <= format!("{:04}-01-01", o.year) => format!("it ceased on {}", until.0),
                    _ => format!("it is assessed from {}", unit.from.0),
                };
                return Err(Refusal::about(
                    "units",
                    format!("unit {u} ({}) did not exist in {}: {when}", unit.name_en, o.year),
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for i in &o.indicators {
            if !seen.insert(i) {
                return Err(Refusal::about("indicators", format!("indicator {i} is listed twice")));
            }
            if !self.indicators.contains_key(i) {
                return Err(Refusal::about("indicators", format!("unknown indicator {i:?}")));
            }
        }
        let policy = self.policies.get(&(o.policy.id.clone(), o.policy.version)).ok_or_else(|| {
            Refusal::about(
                "policy",
                format!("policy {} version {} has not been adopted", o.policy.id, o.policy.version),
            )
        })?;
        for ind in policy.policy.referenced_indicators() {
            if !o.indicators.contains(&ind) {
                return Err(Refusal::about(
                    "indicators",
                    format!("the policy scores indicator {ind}, which the period does not include"),
                ));
            }
        }
        Ok(())
    }

    fn new_decision_id(&self, period: &Period, id: &str) -> Result<(), String> {
        id_ok("id", id)?;
        match period.decisions.get(id) {
            Some(d) => Err(format!("id {id} is already used by a {} at seq {}", d.kind, d.seq)),
            None => Ok(()),
        }
    }

    /// True when the event is a `scores_published` or `period_finalized`
    /// whose projection hash differs from the projection the events give.
    pub fn attestation_mismatch(&self, env: &Envelope) -> bool {
        if !matches!(env.event_type.as_str(), ScoresPublished::TYPE | PeriodFinalized::TYPE) {
            return false;
        }
        let (Ok(period), Some(claimed)) =
            (self.period_of(env), env.data.get("projection_hash").and_then(|h| h.as_str()))
        else {
            return false;
        };
        let cutoff = (env.event_type == ScoresPublished::TYPE).then_some(env.time);
        self.check_hash(period, claimed, &env.event_type, cutoff).is_err()
    }

    /// `cutoff`: the process component's (the time of the publication being
    /// decided); by default the period's own (`process::cutoff`).
    /// Returns the scores computed.
    fn check_hash(
        &self,
        period: &Period,
        claimed: &str,
        what: &str,
        cutoff: Option<Timestamp>,
    ) -> Result<PeriodScores, Refusal> {
        let cutoff = cutoff.unwrap_or_else(|| crate::process::cutoff(self, period));
        let (scores, _) = crate::scoring::score_at(self, period, cutoff)
            .map_err(|e| Refusal::new(format!("cannot compute the scores: {e}")))?;
        let actual = hex::encode(ledger_score::projection_hash(&scores));
        if actual != claimed {
            return Err(Refusal::about(
                "projection_hash",
                format!(
                    "{what} attests projection hash {claimed}, but the ledger's events give {actual}: the scores attested are not the scores these events imply"
                ),
            ));
        }
        Ok(scores)
    }
}

/// The snake-case name of a kind (`policy_preference`), as the state keeps it.
fn name_of(kind: impl serde::Serialize) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn measurement_mut(period: &mut Period, seq: u64) -> Option<&mut Measurement> {
    if period.measurements.contains_key(&seq) {
        return period.measurements.get_mut(&seq);
    }
    period.rounds.values_mut().find_map(|r| r.measurements.get_mut(&seq))
}

fn check_def(def: &IndicatorDef) -> Result<(), Refusal> {
    nonblank("name_zh", &def.name_zh)?;
    nonblank("name_en", &def.name_en)?;
    nonblank("unit", &def.unit)?;
    for (what, p) in [("baseline", &def.baseline), ("target", &def.target)] {
        if let Some(v) = &p.value {
            def.value_type.check(&v.0).map_err(|e| Refusal::at(what, e))?;
        }
    }
    Ok(())
}

/// The domain as ledger rules: decide, then apply; what `decide` found is
/// handed to `apply` by the batch.
impl ledger_core::append::Rules for Domain {
    type Decision = Decided;
    fn latest_schema(&self, event_type: &str) -> Option<u32> {
        EventType::of(event_type).map(|t| t.schema)
    }
    fn mandate(&self, envelope: &Envelope) -> Result<(), Refusal> {
        Domain::mandate(self, envelope)
    }
    fn decide(&self, envelope: &Envelope) -> Result<Decided, Refusal> {
        Domain::decide(self, envelope)
    }
    fn apply(&mut self, record: &Record, decided: Decided) {
        Domain::apply(self, record, decided)
    }
}
