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

use crate::events::{Date, MonitoringRoundOpened, SupervisionClosed, SupervisionRecorded};
use crate::state::{Domain, Measurement, Period, PeriodState, ValueStep, about, evidence_ok, id_ok, nonblank};
use ledger_core::append::Refusal;
use ledger_core::{Envelope, Record, Timestamp};
use serde::{Deserialize, Serialize};
use serde_with::serde_as;
use std::collections::{BTreeMap, BTreeSet};

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
        (PeriodState::Open, _) | (_, None) => domain.clock.unwrap_or_else(Timestamp::epoch),
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
    /// `decide` for `monitoring_round_opened`.
    pub(crate) fn decide_round(&self, period: &Period, x: &MonitoringRoundOpened) -> Result<(), Refusal> {
        if !matches!(period.state, PeriodState::Open) {
            return Err(Refusal::new(format!("period {} is not open: rounds are opened while it is", period.id)));
        }
        id_ok("round", &x.round).map_err(about("round"))?;
        if let Some(r) = period.rounds.get(&x.round) {
            return Err(Refusal::at(
                "round",
                format!("round {} of period {} is already open (seq {})", x.round, period.id, r.opened),
            ));
        }
        if x.indicators.is_empty() {
            return Err(Refusal::at("indicators", "a round asks for at least one indicator"));
        }
        let mut seen = BTreeSet::new();
        for i in &x.indicators {
            if !seen.insert(i) {
                return Err(Refusal::at("indicators", format!("indicator {i} is listed twice")));
            }
            if !period.indicators.contains_key(i) {
                return Err(Refusal::at(
                    "indicators",
                    format!("indicator {i:?} is not assessed in period {}", period.id),
                ));
            }
        }
        Ok(())
    }

    /// `decide` for `supervision_recorded`.
    pub(crate) fn decide_supervision(
        &self,
        env: &Envelope,
        period: &Period,
        x: &SupervisionRecorded,
    ) -> Result<(), Refusal> {
        if !matches!(period.state, PeriodState::Open) {
            return Err(Refusal::new(format!(
                "period {} is not open: routine supervision is recorded during the year",
                period.id
            )));
        }
        id_ok("finding", &x.finding).map_err(about("finding"))?;
        if let Some(s) = period.supervision.get(&x.finding) {
            return Err(Refusal::at("finding", format!("finding {} is already recorded (seq {})", x.finding, s.seq)));
        }
        if !period.units.contains(&x.unit) {
            return Err(Refusal::at("unit", format!("unit {:?} is not assessed in period {}", x.unit, period.id)));
        }
        nonblank("text", &x.text)?;
        if let Some(r) = &x.round
            && !period.rounds.contains_key(r)
        {
            return Err(Refusal::at("round", format!("period {} has no round {r:?}", period.id)));
        }
        if self.end_of(&x.follow_up_due) < env.time {
            return Err(Refusal::at(
                "follow_up_due",
                format!("{} is before the record's date ({})", x.follow_up_due.0, env.time.local(&self.zone())),
            ));
        }
        evidence_ok(x.evidence.as_ref())
    }

    /// `decide` for `supervision_closed`.
    pub(crate) fn decide_closure(&self, period: &Period, x: &SupervisionClosed) -> Result<(), Refusal> {
        let s = period
            .supervision
            .get(&x.finding)
            .ok_or_else(|| Refusal::at("finding", format!("period {} has no finding {:?}", period.id, x.finding)))?;
        if let Some((seq, _, _)) = &s.closed {
            return Err(Refusal::at("finding", format!("finding {} was already closed (seq {seq})", x.finding)));
        }
        nonblank("text", &x.text)?;
        evidence_ok(x.evidence.as_ref())
    }

    /// `measurement_submitted` with a `round`: the round is open and asks
    /// for the indicator, and the unit has no current value in it.
    pub(crate) fn decide_round_value(
        &self,
        period: &Period,
        round: &str,
        unit: &str,
        indicator: &str,
    ) -> Result<(), Refusal> {
        let r = period.rounds.get(round).ok_or_else(|| {
            Refusal::at(
                "round",
                format!("period {} has no round {round:?} (a monitoring_round_opened event opens one)", period.id),
            )
        })?;
        if !r.indicators.iter().any(|i| i == indicator) {
            return Err(Refusal::at(
                "round",
                format!("round {round} asks for indicators {}, not {indicator}", r.indicators.join(", ")),
            ));
        }
        if let Some(seq) = r.current.get(&(unit.to_owned(), indicator.to_owned())) {
            return Err(Refusal::new(format!(
                "a value for unit {unit} and indicator {indicator} in round {round} was already submitted at seq {seq}; change it with a correction, with a reason (a measurement_corrected event)"
            )));
        }
        Ok(())
    }

    /// `apply` for `monitoring_round_opened`.
    pub(crate) fn apply_round(&mut self, record: &Record, x: MonitoringRoundOpened) {
        let due_end = self.end_of(&x.due);
        if let Some(p) = self.period_mut(&record.envelope) {
            p.rounds.insert(
                x.round,
                Round {
                    opened: record.seq,
                    due: x.due,
                    due_end,
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

    /// `apply` for `supervision_recorded`.
    pub(crate) fn apply_supervision(&mut self, record: &Record, x: SupervisionRecorded) {
        let due_end = self.end_of(&x.follow_up_due);
        let (seq, recorded_at) = (record.seq, record.envelope.time);
        if let Some(p) = self.period_mut(&record.envelope) {
            p.supervision
                .insert(x.finding.clone(), Supervision { seq, recorded_at, recorded: x, due_end, closed: None });
        }
    }

    /// `apply` for `supervision_closed`.
    pub(crate) fn apply_closure(&mut self, record: &Record, x: SupervisionClosed) {
        let (seq, at) = (record.seq, record.envelope.time);
        if let Some(s) = self.period_mut(&record.envelope).and_then(|p| p.supervision.get_mut(&x.finding)) {
            s.closed = Some((seq, at, x));
        }
    }
}
