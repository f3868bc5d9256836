//! The events offices write, built from what a clerk gives: names instead of
//! ids, the submission a correction is about found for her, ids chosen when
//! none is given. Each builder checks what it can against the domain state
//! and returns the event; the append decides it again with every rule.

use crate::Error;
use crate::names::Names;
use crate::remedy::{Form, Input, Known, Prerequisite, Remedy};
use ledger_core::append::Submission;
use ledger_domain::Domain;
use ledger_domain::events::{
    ActionRescinded, ActionTaken, DataFraudDetermined, Date, Dec, MeasurementCorrected, MeasurementReturned,
    MeasurementVerified, MonitoringRoundOpened, ObjectionFiled, ObjectionResolved, Outcome, Payload, PeriodOpened,
    PolicyRef, RectificationSubmitted, RewardGranted, Stream, SupervisionClosed, SupervisionRecorded, TimeZoneAdopted,
};
use ledger_domain::state::{Period, PeriodState, period_stream};
use serde::de::DeserializeOwned;

// The in-year record of `ledger period status` is the read model's: a
// report shows it.
pub use ledger_model::{FindingStatus, RoundReport, UnitProcess};

/// An event of period `period`, with a fresh id.
fn event<P: Payload>(period: &str, payload: &P) -> Submission {
    payload.submission(&period_stream(period), &crate::fresh_id())
}

/// A member a clerk gives as text and the payload holds typed (a kind),
/// refused as the rules would refuse a payload holding it.
pub(crate) fn member<T: DeserializeOwned>(event_type: &str, field: &str, text: &str) -> Result<T, Error> {
    ledger_domain::events::member(event_type, field, text).map_err(|refusal| Error::rules(0, refusal, None))
}

fn period<'d>(domain: &'d Domain, id: &str) -> Result<&'d Period, Error> {
    domain.periods.get(id).ok_or_else(|| {
        let known: Vec<&str> = domain.periods.keys().map(String::as_str).collect();
        Error::refused_with(
            format!("period {id} has not been opened"),
            if known.is_empty() {
                Remedy::RecordFirst { what: Prerequisite::Period }
            } else {
                Remedy::choose(Known::Periods, known)
            },
        )
    })
}

fn decimal(input: Input, v: &str) -> Result<Dec, Error> {
    let refused = |e: String| {
        Error::refused_with(format!("{} {v:?} is not a decimal: {e}", input.noun()), Remedy::FixInput { input })
    };
    ledger_score::parse_decimal(v).map_err(|e| refused(e.to_string()))?;
    Dec::exact(v.trim()).map_err(refused)
}

/// The current submission of a unit's indicator in a period: what a
/// correction corrects.
pub fn current_submission(domain: &Domain, period_id: &str, unit: &str, indicator: &str) -> Result<u64, Error> {
    current_in(domain, period_id, None, unit, indicator)
}

/// [`current_submission`] of the annual value (`round` None) or of a
/// monitoring round's in-year value.
pub fn current_in(
    domain: &Domain,
    period_id: &str,
    round: Option<&str>,
    unit: &str,
    indicator: &str,
) -> Result<u64, Error> {
    let p = period(domain, period_id)?;
    let key = (unit.to_owned(), indicator.to_owned());
    let Some(r) = round else {
        return p.current.get(&key).copied().ok_or_else(|| {
            Error::refused_with(
                format!("unit {unit} has no current value for indicator {indicator} in period {period_id}"),
                Remedy::RecordFirst { what: Prerequisite::Value { period: period_id.to_owned(), round: None } },
            )
        });
    };
    let rd = p.rounds.get(r).ok_or_else(|| no_round(p, r))?;
    rd.current.get(&key).copied().ok_or_else(|| {
        Error::refused_with(
            format!("unit {unit} has no current value for indicator {indicator} in round {r} of period {period_id}"),
            Remedy::RecordFirst {
                what: Prerequisite::Value { period: period_id.to_owned(), round: Some(r.to_owned()) },
            },
        )
    })
}

/// The events of a catalog, units or policy document: the embedded default
/// (`ledger/*.json`) or the text of a file.
pub fn adoption(what: Adopt, text: Option<&str>) -> Result<Vec<Submission>, Error> {
    use ledger_domain::defaults as d;
    let (text, source) = match text {
        Some(t) => (t, what.name()),
        None => (
            match what {
                Adopt::Catalog => d::CATALOG,
                Adopt::Units => d::UNITS,
                Adopt::Policy => d::POLICY,
            },
            "the embedded default",
        ),
    };
    let built = match what {
        Adopt::Catalog => d::catalog_events_from(text, source),
        Adopt::Units => d::unit_events_from(text, source),
        Adopt::Policy => d::policy_event_from(text, source).map(|e| vec![e]),
    };
    built.map_err(Error::refused)
}

/// `time_zone_adopted`: the zone the ledger reads dates in, recorded once.
pub fn time_zone(zone: &str) -> Result<Submission, Error> {
    ledger_core::time::zone(zone)
        .map_err(|e| Error::refused_with(format!("{e}"), Remedy::WriteAs { form: Form::TimeZone }))?;
    Ok(TimeZoneAdopted { zone: zone.to_owned() }.submission(Stream::Settings.name(), &crate::fresh_id()))
}

/// What `ledger adopt` adopts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adopt {
    /// The indicator catalog.
    Catalog,
    /// The assessed units and their history.
    Units,
    /// A scoring policy.
    Policy,
}

impl Adopt {
    fn name(self) -> &'static str {
        match self {
            Adopt::Catalog => "the catalog file",
            Adopt::Units => "the units file",
            Adopt::Policy => "the policy file",
        }
    }
}

/// What `ledger period open` is given; everything but the period has a default.
#[derive(Debug, Clone, Default)]
pub struct PeriodOpening {
    /// The period id, e.g. `2023`.
    pub period: String,
    /// The year assessed (default: the period id, when it is a year).
    pub year: Option<i32>,
    /// The units, by id or name (default: every unit that exists in the year).
    pub units: Option<Vec<String>>,
    /// The indicators, by id or name (default: every indicator defined).
    pub indicators: Option<Vec<String>>,
    /// The policy as `ID@VERSION` (default: the one policy adopted, its latest version).
    pub policy: Option<String>,
    /// A remark.
    pub note: Option<String>,
}

/// `period_opened`.
pub fn open_period(domain: &Domain, o: &PeriodOpening) -> Result<Submission, Error> {
    let names = Names::new(domain);
    let year = match o.year {
        Some(y) => y,
        None => o.period.parse::<i32>().ok().filter(|y| (1900..=2200).contains(y)).ok_or_else(|| {
            Error::refused_with(
                format!("period {:?} is not a year", o.period),
                Remedy::GiveInput { input: Input::Year },
            )
        })?,
    };
    if domain.units.is_empty() || domain.indicators.is_empty() || domain.policies.is_empty() {
        return Err(Error::refused_with(
            "the ledger has no catalog, units or policy yet",
            Remedy::RecordFirst { what: Prerequisite::Registry },
        ));
    }
    let units = match &o.units {
        Some(given) => given.iter().map(|u| names.unit(u)).collect::<Result<Vec<_>, _>>()?,
        None => domain.units.values().filter(|u| u.exists_in(year)).map(|u| u.id.clone()).collect(),
    };
    let indicators = match &o.indicators {
        Some(given) => given.iter().map(|i| names.indicator(i)).collect::<Result<Vec<_>, _>>()?,
        None => domain.indicators.keys().cloned().collect(),
    };
    let (id, version) = match &o.policy {
        Some(p) => {
            let (id, v) = p.rsplit_once('@').ok_or_else(|| {
                Error::refused_with(
                    format!("policy {p:?} is not ID@VERSION"),
                    Remedy::FixInput { input: Input::Policy },
                )
            })?;
            let v = v.parse::<u32>().map_err(|_| {
                Error::refused_with(
                    format!("policy {p:?}: the version is not a number"),
                    Remedy::FixInput { input: Input::Policy },
                )
            })?;
            (id.to_owned(), v)
        }
        None => {
            let ids: std::collections::BTreeSet<&str> = domain.policies.keys().map(|(id, _)| id.as_str()).collect();
            let [only] = ids.into_iter().collect::<Vec<_>>()[..] else {
                return Err(Error::refused_with(
                    "several policies are adopted: say which",
                    Remedy::GiveInput { input: Input::Policy },
                ));
            };
            let version = domain.policies.keys().filter(|(id, _)| id == only).map(|(_, v)| *v).max().unwrap_or(1);
            (only.to_owned(), version)
        }
    };
    let opened = PeriodOpened { year, units, indicators, policy: PolicyRef { id, version }, note: o.note.clone() };
    Ok(event(&o.period, &opened))
}

/// `measurement_corrected` of a unit's current value.
pub fn correction(
    domain: &Domain,
    period_id: &str,
    round: Option<&str>,
    unit: &str,
    indicator: &str,
    value: &str,
    reason: &str,
) -> Result<Submission, Error> {
    let names = Names::new(domain);
    let (unit, indicator) = (names.unit(unit)?, names.indicator(indicator)?);
    let corrects = current_in(domain, period_id, round, &unit, &indicator)?;
    let value = decimal(Input::Value, value)?;
    Ok(event(period_id, &MeasurementCorrected { corrects, value, reason: reason.to_owned(), evidence: None }))
}

/// `measurement_verified` for every current value of the period (or of one
/// unit, or one indicator) not verified yet.
pub fn verifications(
    domain: &Domain,
    period_id: &str,
    round: Option<&str>,
    unit: Option<&str>,
    indicator: Option<&str>,
) -> Result<Vec<Submission>, Error> {
    let names = Names::new(domain);
    let unit = unit.map(|u| names.unit(u)).transpose()?;
    let indicator = indicator.map(|i| names.indicator(i)).transpose()?;
    let p = period(domain, period_id)?;
    let (current, measurements) = match round {
        None => (&p.current, &p.measurements),
        Some(r) => {
            let rd = p.rounds.get(r).ok_or_else(|| no_round(p, r))?;
            (&rd.current, &rd.measurements)
        }
    };
    let subs: Vec<Submission> = current
        .iter()
        .filter(|((u, i), _)| unit.as_ref().is_none_or(|x| x == u) && indicator.as_ref().is_none_or(|x| x == i))
        .filter(|(_, seq)| measurements.get(seq).is_some_and(|m| m.verified.is_none() && m.returned.is_none()))
        .map(|(_, seq)| event(period_id, &MeasurementVerified { measurement: *seq }))
        .collect();
    if subs.is_empty() {
        return Err(Error::refused(format!("period {period_id} has no current value left to verify there")));
    }
    Ok(subs)
}

/// `measurement_returned` of a unit's current value.
pub fn return_value(
    domain: &Domain,
    period_id: &str,
    round: Option<&str>,
    unit: &str,
    indicator: &str,
    reason: &str,
) -> Result<Submission, Error> {
    let names = Names::new(domain);
    let (unit, indicator) = (names.unit(unit)?, names.indicator(indicator)?);
    let seq = current_in(domain, period_id, round, &unit, &indicator)?;
    Ok(event(period_id, &MeasurementReturned { measurement: seq, reason: reason.to_owned() }))
}

/// The refusal of a round the period does not have, naming those it has.
fn no_round(p: &Period, r: &str) -> Error {
    let known: Vec<&str> = p.rounds.keys().map(String::as_str).collect();
    Error::refused_with(
        format!("period {} has no monitoring round {r:?}", p.id),
        if known.is_empty() {
            Remedy::RecordFirst { what: Prerequisite::Round { period: p.id.clone() } }
        } else {
            Remedy::choose(Known::Rounds, known)
        },
    )
}

/// An id new in the period: `given`, or `PREFIX-N` for the first N free.
fn new_id(taken: impl Fn(&str) -> bool, given: Option<&str>, prefix: &str) -> String {
    if let Some(g) = given {
        return g.to_owned();
    }
    (1..).map(|n| format!("{prefix}-{n}")).find(|id| !taken(id)).unwrap_or_else(crate::fresh_id)
}

/// What an objection says.
#[derive(Debug, Clone, Default)]
pub struct ObjectionFiling {
    /// Its id (default: `obj-<period>-N`).
    pub id: Option<String>,
    /// The unit it concerns.
    pub unit: String,
    /// The indicator whose value it contests.
    pub indicator: Option<String>,
    /// What is claimed.
    pub claim: String,
    /// The value the objector says is right.
    pub proposed_value: Option<String>,
}

/// `objection_filed`.
pub fn objection(domain: &Domain, period_id: &str, o: &ObjectionFiling) -> Result<Submission, Error> {
    let names = Names::new(domain);
    let p = period(domain, period_id)?;
    let id = new_id(|id| p.objections.contains_key(id), o.id.as_deref(), &format!("obj-{period_id}"));
    let filed = ObjectionFiled {
        objection: id,
        unit: names.unit(&o.unit)?,
        indicator: o.indicator.as_deref().map(|i| names.indicator(i)).transpose()?,
        claim: o.claim.clone(),
        proposed_value: o.proposed_value.as_deref().map(|v| decimal(Input::ProposedValue, v)).transpose()?,
    };
    Ok(event(period_id, &filed))
}

/// `objection_resolved`.
pub fn resolution(
    domain: &Domain,
    period_id: &str,
    id: &str,
    upheld: bool,
    reasons: &str,
    corrected_value: Option<&str>,
) -> Result<Submission, Error> {
    let p = period(domain, period_id)?;
    if !p.objections.contains_key(id) {
        let known: Vec<&str> = p.objections.keys().map(String::as_str).collect();
        return Err(Error::refused_with(
            format!("period {period_id} has no objection {id:?}"),
            Remedy::choose(Known::Objections, known),
        ));
    }
    let resolved = ObjectionResolved {
        objection: id.to_owned(),
        outcome: if upheld { Outcome::Upheld } else { Outcome::Dismissed },
        reasons: reasons.to_owned(),
        corrected_value: corrected_value.map(|v| decimal(Input::CorrectedValue, v)).transpose()?,
    };
    Ok(event(period_id, &resolved))
}

/// `reward_granted` (`kind`: `policy_preference` or `fiscal_reward`).
pub fn reward(
    domain: &Domain,
    period_id: &str,
    id: Option<&str>,
    unit: &str,
    kind: &str,
    amount: Option<&str>,
    basis: &str,
) -> Result<Submission, Error> {
    let names = Names::new(domain);
    let p = period(domain, period_id)?;
    let unit = names.unit(unit)?;
    let id = new_id(|id| p.decisions.contains_key(id), id, &format!("reward-{period_id}-{unit}"));
    let kind = member(RewardGranted::TYPE, "kind", kind)?;
    let amount = amount.map(|a| decimal(Input::Amount, a)).transpose()?;
    Ok(event(period_id, &RewardGranted { reward: id, unit, kind, amount, basis: basis.to_owned() }))
}

/// `accountability_action_taken` (`kind`: `public_notice`, `admonition_talk`, `accountability`).
pub fn action(
    domain: &Domain,
    period_id: &str,
    id: Option<&str>,
    unit: &str,
    kind: &str,
    basis: &str,
) -> Result<Submission, Error> {
    action_naming(domain, period_id, id, unit, kind, basis, None)
}

/// [`action`] naming an official by `person`, the commitment
/// [`crate::personal::seal`] made of the details.
pub fn action_naming(
    domain: &Domain,
    period_id: &str,
    id: Option<&str>,
    unit: &str,
    kind: &str,
    basis: &str,
    person: Option<&str>,
) -> Result<Submission, Error> {
    let names = Names::new(domain);
    let p = period(domain, period_id)?;
    let unit = names.unit(unit)?;
    let id = new_id(|id| p.decisions.contains_key(id), id, &format!("action-{period_id}-{unit}"));
    let kind = member(ActionTaken::TYPE, "kind", kind)?;
    let taken = ActionTaken { action: id, unit, kind, basis: basis.to_owned(), person: person.map(str::to_owned) };
    Ok(event(period_id, &taken))
}

/// `action_rescinded` of a reward or an action.
pub fn rescission(domain: &Domain, period_id: &str, target: &str, reason: &str) -> Result<Submission, Error> {
    let p = period(domain, period_id)?;
    if !p.decisions.contains_key(target) {
        let known: Vec<&str> = p.decisions.keys().map(String::as_str).collect();
        return Err(Error::refused_with(
            format!("period {period_id} has no reward or action {target:?}"),
            Remedy::choose(Known::Decisions, known),
        ));
    }
    Ok(event(period_id, &ActionRescinded { target: target.to_owned(), reason: reason.to_owned() }))
}

/// `rectification_submitted` answering an accountability action (the unit
/// is the action's).
pub fn rectification(domain: &Domain, period_id: &str, action_id: &str, text: &str) -> Result<Submission, Error> {
    let p = period(domain, period_id)?;
    let action = p
        .decisions
        .get(action_id)
        .ok_or_else(|| Error::refused(format!("period {period_id} has no accountability action {action_id:?}")))?;
    let rectification =
        RectificationSubmitted { action: action_id.to_owned(), unit: action.unit.clone(), text: text.to_owned() };
    Ok(event(period_id, &rectification))
}

/// `data_fraud_determined`.
pub fn fraud(
    domain: &Domain,
    period_id: &str,
    id: Option<&str>,
    unit: &str,
    indicators: &[String],
    basis: &str,
) -> Result<Submission, Error> {
    let names = Names::new(domain);
    let p = period(domain, period_id)?;
    let unit = names.unit(unit)?;
    let indicators = indicators.iter().map(|i| names.indicator(i)).collect::<Result<Vec<_>, _>>()?;
    let id = new_id(|id| p.frauds.contains_key(id), id, &format!("fraud-{period_id}-{unit}"));
    Ok(event(period_id, &DataFraudDetermined { determination: id, unit, indicators, basis: basis.to_owned() }))
}

/// Where each value of a period stands, for `ledger period status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValueStatus {
    /// The unit.
    pub unit: String,
    /// The indicator.
    pub indicator: String,
    /// `missing`, `submitted`, `returned`, `verified`, `corrected`, `objected`.
    pub status: &'static str,
    /// The records behind it.
    pub events: Vec<u64>,
}

/// The status of every (unit, indicator) of a period, or of one unit.
pub fn status(domain: &Domain, period_id: &str, unit: Option<&str>) -> Result<(PeriodState, Vec<ValueStatus>), Error> {
    let names = Names::new(domain);
    let unit = unit.map(|u| names.unit(u)).transpose()?;
    let p = period(domain, period_id)?;
    let scored: Vec<&String> = p.indicators.keys().collect();
    let mut out = Vec::new();
    for u in p.units.iter().filter(|u| unit.as_ref().is_none_or(|x| x == *u)) {
        for i in &scored {
            let key = ((*u).clone(), (*i).clone());
            let objected: Vec<u64> = p
                .objections
                .values()
                .filter(|o| {
                    o.filed.unit == *u && o.filed.indicator.as_deref() == Some(i.as_str()) && o.resolved.is_none()
                })
                .map(|o| o.seq)
                .collect();
            let (status, events): (&'static str, Vec<u64>) = match p.current.get(&key) {
                None => {
                    let returned: Vec<u64> = p
                        .measurements
                        .values()
                        .filter(|m| m.unit == *u && &&m.indicator == i && m.returned.is_some())
                        .map(|m| m.seq)
                        .collect();
                    if returned.is_empty() { ("missing", vec![]) } else { ("returned", returned) }
                }
                Some(seq) => {
                    let steps: Vec<u64> =
                        p.values.get(&key).map(|s| s.iter().map(|x| x.seq).collect()).unwrap_or_default();
                    let verified = p.measurements.get(seq).and_then(|m| m.verified);
                    let status = if !objected.is_empty() {
                        "objected"
                    } else if steps.len() > 1 {
                        "corrected"
                    } else if verified.is_some() {
                        "verified"
                    } else {
                        "submitted"
                    };
                    let mut events = steps;
                    events.extend(verified);
                    events.extend(&objected);
                    events.sort_unstable();
                    (status, events)
                }
            };
            out.push(ValueStatus { unit: (*u).clone(), indicator: (*i).clone(), status, events });
        }
    }
    Ok((p.state.clone(), out))
}

/// Indicators in the catalog's order: 1, 2, ..., 10, then F1...
pub(crate) fn catalog_order(id: &str) -> (bool, u64, String) {
    (id.parse::<u64>().is_err(), id.parse::<u64>().unwrap_or(0), id.to_owned())
}

/// What a period asks its units to report, for the sheet a clerk fills in
/// (`ledger values template`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ToReport {
    /// The period.
    pub period: String,
    /// The year it assesses.
    pub year: i32,
    /// Whether values may still be submitted: the period is open.
    pub open: bool,
    /// The period before it, whose values are shown: the latest one of an
    /// earlier year (the annual one, whose id is its year, first).
    pub previous: Option<String>,
    /// A row per unit and indicator: the period's units in its order, each
    /// with every indicator in the catalog's order.
    pub rows: Vec<ToReportRow>,
}

/// One value a unit is to report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ToReportRow {
    /// The unit's id.
    pub unit: String,
    /// How a table names it so that it reads back as this unit: its Chinese
    /// name in the period's year, or its id where that name could be read
    /// as another unit.
    pub unit_written: String,
    /// Its Chinese name in the period's year.
    pub unit_zh: String,
    /// Its English name in the period's year.
    pub unit_en: String,
    /// The indicator's id (its Table 1 number).
    pub indicator: String,
    /// Its Chinese name.
    pub indicator_zh: String,
    /// Its English name.
    pub indicator_en: String,
    /// Its unit of measure as written in Chinese (`亿元`; the English one
    /// where the catalog has no Chinese one): what a value's `measure` may be.
    pub measure_zh: String,
    /// Its unit of measure in English (`100M yuan`).
    pub measure_en: String,
    /// The unit's target for it in this period.
    pub target: Option<String>,
    /// The value recorded already in this period (the current one).
    pub recorded: Option<String>,
    /// The current value of the period before.
    pub previous: Option<String>,
}

/// What `period_id` asks its units (or `unit` alone) to report: its units
/// times its indicators, with the targets, the values recorded already and
/// the period before's values.
pub fn to_report(domain: &Domain, period_id: &str, unit: Option<&str>) -> Result<ToReport, Error> {
    let names = Names::new(domain);
    let p = period(domain, period_id)?;
    let unit = unit.map(|u| names.unit(u)).transpose()?;
    if let Some(u) = &unit
        && !p.units.contains(u)
    {
        return Err(Error::refused_with(
            format!("unit {u} is not assessed in period {period_id}"),
            Remedy::ChooseKnown { kind: Known::Units, names: p.units.clone() },
        ));
    }
    let previous = domain
        .periods
        .values()
        .filter(|q| q.year < p.year)
        .max_by_key(|q| (q.year, q.id == q.year.to_string(), q.id.clone()));
    let mut indicators: Vec<&String> = p.indicators.keys().collect();
    indicators.sort_by_key(|i| catalog_order(i));
    let current = |q: &Period, key: &(String, String)| {
        q.values.get(key).and_then(|steps| steps.last()).map(|s| s.value.to_string())
    };
    let mut rows = Vec::new();
    for u in p.units.iter().filter(|u| unit.as_ref().is_none_or(|x| x == *u)) {
        let name = domain.units.get(u).map(|x| x.as_of(p.year));
        let (unit_zh, unit_en) = name.map_or_else(|| (u.clone(), u.clone()), |n| (n.name_zh, n.name_en));
        let unit_written = if names.find_unit(&unit_zh).is_ok_and(|id| id == *u) { unit_zh.clone() } else { u.clone() };
        for i in &indicators {
            let def = &p.indicators[*i];
            let key = (u.clone(), (*i).clone());
            rows.push(ToReportRow {
                unit: u.clone(),
                unit_written: unit_written.clone(),
                unit_zh: unit_zh.clone(),
                unit_en: unit_en.clone(),
                indicator: (*i).clone(),
                indicator_zh: def.name_zh.clone(),
                indicator_en: def.name_en.clone(),
                measure_zh: def.unit_zh.clone().unwrap_or_else(|| def.unit.clone()),
                measure_en: def.unit.clone(),
                target: p.targets.get(&key).map(|(_, t)| t.target.0.to_string()),
                recorded: current(p, &key),
                previous: previous.and_then(|q| current(q, &key)),
            });
        }
    }
    Ok(ToReport {
        period: p.id.clone(),
        year: p.year,
        open: p.state == PeriodState::Open,
        previous: previous.map(|q| q.id.clone()),
        rows,
    })
}

/// How many of a period's values are missing: what `publish` refuses.
pub fn missing_values(domain: &Domain, period_id: &str) -> Result<usize, Error> {
    Ok(status(domain, period_id, None)?.1.iter().filter(|s| matches!(s.status, "missing" | "returned")).count())
}

/// `monitoring_round_opened`: a round of period `period_id` due on `due`
/// (YYYY-MM-DD) asking for `indicators` (ids or names; all of the
/// period's when empty).
pub fn open_round(
    domain: &Domain,
    period_id: &str,
    round: &str,
    due: &str,
    indicators: &[String],
    note: Option<&str>,
) -> Result<Submission, Error> {
    let names = Names::new(domain);
    let p = period(domain, period_id)?;
    let indicators: Vec<String> = if indicators.is_empty() {
        p.indicators.keys().cloned().collect()
    } else {
        indicators.iter().map(|i| names.indicator(i)).collect::<Result<_, _>>()?
    };
    // The date is checked by the rules, as any payload's.
    let opened = MonitoringRoundOpened {
        round: round.to_owned(),
        due: Date(due.to_owned()),
        indicators,
        note: note.map(str::to_owned),
    };
    Ok(event(period_id, &opened))
}

/// What a routine-supervision finding says.
#[derive(Debug, Clone, Default)]
pub struct SupervisionFiling {
    /// Its id (default: `sup-<period>-N`).
    pub id: Option<String>,
    /// The unit (id or name).
    pub unit: String,
    /// `minor`, `major` or `serious`.
    pub severity: String,
    /// What was found.
    pub text: String,
    /// The follow-up date, YYYY-MM-DD.
    pub follow_up_due: String,
    /// The round it concerns.
    pub round: Option<String>,
}

/// `supervision_recorded`.
pub fn supervision(domain: &Domain, period_id: &str, f: &SupervisionFiling) -> Result<Submission, Error> {
    let names = Names::new(domain);
    let p = period(domain, period_id)?;
    let id = new_id(|x| p.supervision.contains_key(x), f.id.as_deref(), &format!("sup-{period_id}"));
    let unit = names.unit(&f.unit)?;
    let recorded = SupervisionRecorded {
        finding: id,
        unit,
        text: f.text.clone(),
        severity: member(SupervisionRecorded::TYPE, "severity", &f.severity)?,
        // The date is checked by the rules, as any payload's.
        follow_up_due: Date(f.follow_up_due.clone()),
        round: f.round.clone(),
        evidence: None,
    };
    Ok(event(period_id, &recorded))
}

/// `supervision_closed`.
pub fn close_supervision(domain: &Domain, period_id: &str, finding: &str, text: &str) -> Result<Submission, Error> {
    let p = period(domain, period_id)?;
    if !p.supervision.contains_key(finding) {
        let known: Vec<&str> = p.supervision.keys().map(String::as_str).collect();
        return Err(Error::refused_with(
            format!("period {period_id} has no supervision finding {finding:?}"),
            Remedy::choose(Known::Findings, known),
        ));
    }
    Ok(event(period_id, &SupervisionClosed { finding: finding.to_owned(), text: text.to_owned(), evidence: None }))
}

/// Each unit's in-year record in a period (or one unit's), as of the
/// period's cut-off: empty when the period has no round and no finding.
pub fn process_status(domain: &Domain, period_id: &str, unit: Option<&str>) -> Result<Vec<UnitProcess>, Error> {
    use ledger_domain::process::{self, ReportState};
    let names = Names::new(domain);
    let unit = unit.map(|u| names.unit(u)).transpose()?;
    let p = period(domain, period_id)?;
    if p.rounds.is_empty() && p.supervision.is_empty() {
        return Ok(Vec::new());
    }
    let cutoff = process::cutoff(domain, p);
    let counts = process::counts(domain, p, cutoff);
    Ok(counts
        .into_iter()
        .filter(|c| unit.as_ref().is_none_or(|u| *u == c.unit))
        .map(|c| {
            let u = c.unit.clone();
            let mut reports = Vec::new();
            for (id, r) in &p.rounds {
                for i in &r.indicators {
                    let (status, _) = r.report(&u, i, cutoff);
                    let events = match status {
                        ReportState::OnTime | ReportState::Late => r
                            .values
                            .get(&(u.clone(), i.clone()))
                            .map(|s| s.iter().map(|x| x.seq).collect())
                            .unwrap_or_default(),
                        _ => vec![],
                    };
                    reports.push(RoundReport {
                        round: id.clone(),
                        due: r.due.0.clone(),
                        indicator: i.clone(),
                        status,
                        events,
                    });
                }
            }
            let findings = p
                .supervision
                .values()
                .filter(|s| s.recorded.unit == u)
                .map(|s| {
                    let status = match &s.closed {
                        Some((_, at, _)) if *at <= s.due_end => "closed",
                        Some(_) => "closed_late",
                        None if s.overdue_at(cutoff) => "overdue",
                        None => "open",
                    };
                    let mut events = vec![s.seq];
                    events.extend(s.closed.as_ref().map(|c| c.0));
                    FindingStatus {
                        finding: s.recorded.finding.clone(),
                        severity: s.recorded.severity,
                        text: s.recorded.text.clone(),
                        follow_up_due: s.recorded.follow_up_due.0.clone(),
                        status,
                        events,
                    }
                })
                .collect();
            UnitProcess { unit: u, reports, findings, counts: c }
        })
        .collect())
}
