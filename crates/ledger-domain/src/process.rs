//! Process assessment through the year (plan lines 766-767: 加强过程考核，
//! 注重平时监督, "strengthen process assessment, attend to routine
//! supervision"): monitoring rounds inside a period with in-year values,
//! and routine-supervision findings with a follow-up date.
//!
//! * `monitoring_round_opened` (stream `period/<p>`, period open): a round
//!   with its due date and the indicators it asks for;
//! * in-year values are `measurement_submitted` with a `round` member,
//!   imported, corrected, verified and returned like annual ones, and kept
//!   apart from them (an in-year value never becomes the annual value);
//! * `supervision_recorded` (period open) and `supervision_closed` (any
//!   state): a finding about a unit, its severity and follow-up date, and
//!   its closure.
//!
//! [`counts`] turns them into each unit's `ledger_score::ProcessInput`
//! as of a cut-off time (`docs/SCORING.md` section 6.1).

use crate::events::{Date, Evidence, parse};
use crate::state::{Domain, Measurement, Period, PeriodState, ValueStep, evidence_ok, id_ok, nonblank};
use ledger_core::{Envelope, Record, Timestamp};
use serde::{Deserialize, Serialize};
use serde_with::serde_as;
use std::collections::{BTreeMap, BTreeSet};

/// Payload of `monitoring_round_opened` (stream `period/<period>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringRoundOpened {
    /// Round id, `[A-Za-z0-9_.-]`, 1-64 (e.g. `2022-Q1`).
    pub round: String,
    /// The last day a report is on time (to its end, in the ledger's zone).
    pub due: Date,
    /// The indicators the round asks for (of the period's, distinct, at least one).
    pub indicators: Vec<String>,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How serious a supervision finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// To be put right in the normal course.
    Minor,
    /// Needs a rectification plan.
    Major,
    /// Reported to the city authority.
    Serious,
}

/// Payload of `supervision_recorded` (stream `period/<period>`, period open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionRecorded {
    /// Finding id, `[A-Za-z0-9_.-]`, 1-64, unique in the period.
    pub finding: String,
    /// The unit it concerns (assessed in the period).
    pub unit: String,
    /// What was found.
    pub text: String,
    /// How serious it is.
    pub severity: Severity,
    /// The date by which it is to be put right (not before the record's date).
    pub follow_up_due: Date,
    /// The round whose reports it concerns, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
    /// The source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// Payload of `supervision_closed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionClosed {
    /// The finding (open, of this period).
    pub finding: String,
    /// How it was put right.
    pub text: String,
    /// The source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// A monitoring round as its events leave it.
#[serde_as]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// The `monitoring_round_opened` record.
    pub opened: u64,
    /// Its due date.
    pub due: Date,
    /// The last second a report is on time (end of `due` in the ledger's zone).
    pub due_end: Timestamp,
    /// The indicators it asks for.
    pub indicators: Vec<String>,
    /// Remark.
    pub note: Option<String>,
    /// Every in-year submission, by record.
    pub measurements: BTreeMap<u64, Measurement>,
    /// When each submission was recorded.
    pub submitted_at: BTreeMap<u64, Timestamp>,
    /// Value histories of the current submission of each (unit, indicator).
    #[serde_as(as = "Vec<(_, _)>")]
    pub values: BTreeMap<(String, String), Vec<ValueStep>>,
    /// The current (not returned) submission of each (unit, indicator).
    #[serde_as(as = "Vec<(_, _)>")]
    pub current: BTreeMap<(String, String), u64>,
}

/// A supervision finding as its events leave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supervision {
    /// The `supervision_recorded` record.
    pub seq: u64,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// The payload.
    pub recorded: SupervisionRecorded,
    /// The last second of its follow-up date in the ledger's zone.
    pub due_end: Timestamp,
    /// The closure: its record, time and payload.
    pub closed: Option<(u64, Timestamp, SupervisionClosed)>,
}

impl Supervision {
    /// Whether, as of `cutoff`, its follow-up date has passed without a
    /// closure by that date.
    pub fn overdue_at(&self, cutoff: Timestamp) -> bool {
        self.due_end < cutoff && self.closed.as_ref().is_none_or(|(_, at, _)| *at > self.due_end)
    }
}

/// How a unit's report for one indicator of a round stands at a cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Arrived by the due date.
    OnTime,
    /// Arrived after the due date.
    Late,
    /// Due and not (or not validly) reported.
    Missing,
    /// Not due yet and not reported.
    NotDue,
}

impl Round {
    /// The unit's report for the indicator as of `cutoff`: the current
    /// (not returned) submission, recorded by the cut-off, on time when
    /// recorded by the end of the due date.
    pub fn report(&self, unit: &str, indicator: &str, cutoff: Timestamp) -> (ReportState, Option<u64>) {
        let at = self
            .current
            .get(&(unit.to_owned(), indicator.to_owned()))
            .and_then(|seq| self.submitted_at.get(seq).map(|at| (*seq, *at)))
            .filter(|(_, at)| *at <= cutoff);
        match at {
            Some((seq, at)) if at <= self.due_end => (ReportState::OnTime, Some(seq)),
            Some((seq, _)) => (ReportState::Late, Some(seq)),
            None if self.due_end <= cutoff => (ReportState::Missing, None),
            None => (ReportState::NotDue, None),
        }
    }
}

/// Which measurement a record number names in a period: annual, or of a round.
pub(crate) fn find_measurement(period: &Period, seq: u64) -> Option<(Option<&str>, &Measurement)> {
    if let Some(m) = period.measurements.get(&seq) {
        return Some((None, m));
    }
    period.rounds.iter().find_map(|(id, r)| r.measurements.get(&seq).map(|m| (Some(id.as_str()), m)))
}

/// The cut-off the process component of a period is counted at: the
/// publication for a published or finalised period, else the time of the
/// latest record (the ledger's clock).
pub fn cutoff(domain: &Domain, period: &Period) -> Timestamp {
    match (&period.state, period.published_at) {
        (PeriodState::Open, _) | (_, None) => {
            domain.clock.unwrap_or_else(|| Timestamp::from_unix(0).unwrap_or_else(Timestamp::now))
        }
        (_, Some(at)) => at,
    }
}

/// The unit's major projects under construction at `cutoff` (by the
/// stage changes recorded by then; completed ones count in the year they
/// were completed, not after), and the ones among them that reported
/// progress for the period (`period` is the period's id or starts with
/// it and `-`, e.g. `2022-H1`) by then: (due, reported, records).
pub fn projects(domain: &Domain, period: &Period, unit: &str, cutoff: Timestamp) -> (u32, u32, Vec<u64>) {
    let (mut due, mut reported, mut records) = (0u32, 0u32, Vec::new());
    let year_start = format!("{:04}-01-01", period.year);
    for p in domain.projects.values().filter(|p| p.unit == unit) {
        let stage = p.stages.iter().rfind(|s| s.time.parse::<Timestamp>().is_ok_and(|t| t <= cutoff)).map(|s| s.to);
        let done_before = p.completed.as_ref().is_some_and(|(_, date, _)| date.as_str() < year_start.as_str());
        if stage != Some(crate::events::Stage::Construction) || done_before {
            continue;
        }
        due += 1;
        records.push(p.registered);
        let of_period =
            |x: &str| x == period.id || x.strip_prefix(period.id.as_str()).is_some_and(|r| r.starts_with('-'));
        if let Some(r) = p.progress.iter().find(|r| of_period(&r.period) && r.at.is_none_or(|at| at <= cutoff)) {
            reported += 1;
            records.push(r.seq);
        }
    }
    (due, reported, records)
}

/// Each assessed unit's in-year record as of `cutoff`: reports due (one per
/// indicator of each round due by then, or reported by then), on time,
/// supervision findings overdue, and major projects under construction
/// and reporting ([`projects`]); provenance is the records counted (the
/// rounds, the reports, the findings and their closures, the projects and
/// their reports).
pub fn counts(domain: &Domain, period: &Period, cutoff: Timestamp) -> Vec<ledger_score::ProcessInput> {
    period
        .units
        .iter()
        .map(|unit| {
            let (mut due, mut on_time, mut overdue) = (0u32, 0u32, 0u32);
            let mut provenance = BTreeSet::new();
            for round in period.rounds.values() {
                for ind in &round.indicators {
                    let (state, seq) = round.report(unit, ind, cutoff);
                    if state == ReportState::NotDue {
                        continue;
                    }
                    provenance.insert(round.opened);
                    provenance.extend(seq);
                    due += 1;
                    on_time += u32::from(state == ReportState::OnTime);
                }
            }
            for s in period.supervision.values().filter(|s| s.recorded.unit == *unit && s.recorded_at <= cutoff) {
                if s.overdue_at(cutoff) {
                    overdue += 1;
                    provenance.insert(s.seq);
                    provenance.extend(s.closed.as_ref().map(|c| c.0));
                }
            }
            let (projects_due, projects_reported, records) = projects(domain, period, unit, cutoff);
            provenance.extend(records);
            ledger_score::ProcessInput {
                unit: unit.clone(),
                reports_due: due,
                reports_on_time: on_time,
                findings_overdue: overdue,
                projects_due,
                projects_reported,
                provenance: provenance.into_iter().collect(),
            }
        })
        .collect()
}

impl Domain {
    /// `decide` for `monitoring_round_opened`, `supervision_recorded` and
    /// `supervision_closed`.
    pub(crate) fn decide_process(&self, env: &Envelope, period: &Period) -> Result<(), String> {
        let t = env.event_type.as_str();
        let d = &env.data;
        let open = matches!(period.state, PeriodState::Open);
        match t {
            "monitoring_round_opened" => {
                let x: MonitoringRoundOpened = parse(t, d)?;
                if !open {
                    return Err(format!("period {} is not open: rounds are opened while it is", period.id));
                }
                id_ok("round", &x.round)?;
                if let Some(r) = period.rounds.get(&x.round) {
                    return Err(format!(
                        "round: round {} of period {} is already open (seq {})",
                        x.round, period.id, r.opened
                    ));
                }
                if x.indicators.is_empty() {
                    return Err("indicators: a round asks for at least one indicator".into());
                }
                let mut seen = BTreeSet::new();
                for i in &x.indicators {
                    if !seen.insert(i) {
                        return Err(format!("indicators: indicator {i} is listed twice"));
                    }
                    if !period.indicators.contains_key(i) {
                        return Err(format!("indicators: indicator {i:?} is not assessed in period {}", period.id));
                    }
                }
                Ok(())
            }
            "supervision_recorded" => {
                let x: SupervisionRecorded = parse(t, d)?;
                if !open {
                    return Err(format!(
                        "period {} is not open: routine supervision is recorded during the year",
                        period.id
                    ));
                }
                id_ok("finding", &x.finding)?;
                if let Some(s) = period.supervision.get(&x.finding) {
                    return Err(format!("finding: finding {} is already recorded (seq {})", x.finding, s.seq));
                }
                if !period.units.contains(&x.unit) {
                    return Err(format!("unit: unit {:?} is not assessed in period {}", x.unit, period.id));
                }
                nonblank("text", &x.text)?;
                if let Some(r) = &x.round
                    && !period.rounds.contains_key(r)
                {
                    return Err(format!("round: period {} has no round {r:?}", period.id));
                }
                if self.end_of(&x.follow_up_due) < env.time {
                    return Err(format!(
                        "follow_up_due: {} is before the record's date ({})",
                        x.follow_up_due.0,
                        env.time.local(&self.zone())
                    ));
                }
                evidence_ok(&x.evidence)
            }
            "supervision_closed" => {
                let x: SupervisionClosed = parse(t, d)?;
                let s = period
                    .supervision
                    .get(&x.finding)
                    .ok_or_else(|| format!("finding: period {} has no finding {:?}", period.id, x.finding))?;
                if let Some((seq, _, _)) = &s.closed {
                    return Err(format!("finding: finding {} was already closed (seq {seq})", x.finding));
                }
                nonblank("text", &x.text)?;
                evidence_ok(&x.evidence)
            }
            other => Err(format!("unknown event type {other:?}")),
        }
    }

    /// `measurement_submitted` with a `round`: the round is open and asks
    /// for the indicator, and the unit has no current value in it.
    pub(crate) fn decide_round_value(
        &self,
        period: &Period,
        round: &str,
        unit: &str,
        indicator: &str,
    ) -> Result<(), String> {
        let r = period.rounds.get(round).ok_or_else(|| {
            format!("round: period {} has no round {round:?} (open it with `ledger round open`)", period.id)
        })?;
        if !r.indicators.iter().any(|i| i == indicator) {
            return Err(format!(
                "round: round {round} asks for indicators {}, not {indicator}",
                r.indicators.join(", ")
            ));
        }
        if let Some(seq) = r.current.get(&(unit.to_owned(), indicator.to_owned())) {
            return Err(format!(
                "a value for unit {unit} and indicator {indicator} in round {round} was already submitted at seq {seq}; change it with `ledger correct` (a measurement_corrected event)"
            ));
        }
        Ok(())
    }

    /// `apply` for the three process events; never fails.
    pub(crate) fn apply_process(&mut self, record: &Record, id: &str) {
        let env = &record.envelope;
        let (seq, t, d) = (record.seq, env.event_type.as_str(), &env.data);
        let due_end = |date: &Date, domain: &Domain| domain.end_of(date);
        match t {
            "monitoring_round_opened" => {
                if let Ok(x) = parse::<MonitoringRoundOpened>(t, d) {
                    let end = due_end(&x.due, self);
                    if let Some(p) = self.periods.get_mut(id) {
                        p.rounds.insert(
                            x.round,
                            Round {
                                opened: seq,
                                due: x.due,
                                due_end: end,
                                indicators: x.indicators,
                                note: x.note,
                                measurements: BTreeMap::new(),
                                submitted_at: BTreeMap::new(),
                                values: BTreeMap::new(),
                                current: BTreeMap::new(),
                            },
                        );
                    }
                }
            }
            "supervision_recorded" => {
                if let Ok(x) = parse::<SupervisionRecorded>(t, d) {
                    let end = due_end(&x.follow_up_due, self);
                    if let Some(p) = self.periods.get_mut(id) {
                        p.supervision.insert(
                            x.finding.clone(),
                            Supervision { seq, recorded_at: env.time, recorded: x, due_end: end, closed: None },
                        );
                    }
                }
            }
            "supervision_closed" => {
                if let Ok(x) = parse::<SupervisionClosed>(t, d)
                    && let Some(s) = self.periods.get_mut(id).and_then(|p| p.supervision.get_mut(&x.finding))
                {
                    s.closed = Some((seq, env.time, x));
                }
            }
            _ => {}
        }
    }
}
