//! The process component: each part's points from the unit's in-year
//! record (reports on time, projects reported, supervision findings
//! overdue).

use super::Ctx;
use crate::decimal::{self, clean, show};
use crate::exact::{self, Q};
use crate::output::ProcessScore;
use crate::policy::{ProcessMeasure, ProcessPart};
use num_traits::{Signed, Zero};
use rust_decimal::Decimal;

impl Ctx<'_> {
    /// One part of the process component for a unit (section 6.1): the
    /// count from the unit's process record (none: nothing due, nothing
    /// overdue), then the points, rounded to `score_scale`.
    pub(super) fn process_part(&self, unit: &str, part: &ProcessPart) -> ProcessScore {
        let rounding = self.policy.rounding;
        let record = self.process.get(unit).copied();
        let (due, on_time, overdue) =
            record.map_or((0, 0, 0), |r| (r.reports_due, r.reports_on_time, r.findings_overdue));
        let (projects, reported) = record.map_or((0, 0), |r| (r.projects_due, r.projects_reported));
        let points = clean(part.points);
        let rounded = |q: &Q| exact::round(q, rounding.score_scale, rounding.mode).unwrap_or(Decimal::ZERO);
        // points x done / due, exactly, then rounded; full points when nothing was due
        let share = |done: u32, due: u32, none: &str, what: &str| {
            if due == 0 {
                let score = rounded(&exact::q(points));
                return (score, format!("{none}: full points {}", decimal::to_text(&score)));
            }
            let score = rounded(&(exact::q(points) * exact::count(done as usize) / exact::count(due as usize)));
            let words =
                format!("{done} of {due} {what}: {} x {done} / {due} -> {}", show(&points), decimal::to_text(&score));
            (score, words)
        };
        let (score, basis) = match part.measure {
            ProcessMeasure::OnTimeReporting => {
                share(on_time, due, "no in-year report was due", "in-year report(s) arrived by their round's due date")
            }
            ProcessMeasure::ProjectReporting => share(
                reported,
                projects,
                "no major project of the unit was under construction",
                "major project(s) under construction reported progress for the period",
            ),
            ProcessMeasure::OverdueFindings => {
                let each = clean(part.per_finding.unwrap_or(Decimal::ZERO));
                let lost = exact::q(each) * exact::count(overdue as usize);
                let left = exact::q(points) - lost;
                let floored = if left.is_negative() { Q::zero() } else { left };
                let score = rounded(&floored);
                let floor_words = if floored.is_zero() && overdue > 0 { ", not below 0" } else { "" };
                (
                    score,
                    format!(
                        "{overdue} supervision finding(s) past the follow-up date: {} - {} x {overdue}{floor_words} -> {}",
                        show(&points),
                        show(&each),
                        decimal::to_text(&score)
                    ),
                )
            }
        };
        ProcessScore {
            id: part.id.clone(),
            measure: part.measure.name().to_owned(),
            points,
            score,
            clause: part.clause.clone(),
            basis,
            provenance: record.map(|r| r.provenance.clone()).unwrap_or_default(),
        }
    }
}
