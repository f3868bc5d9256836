//! The major-project library: the events the Development and Reform
//! Commission, the units and the assessment office write about projects
//! (built from what a clerk types, units by name), and the listing of
//! `ledger project list`.

use crate::Error;
use crate::names::Names;
use crate::office::member;
use crate::remedy::{Input, Known, Prerequisite, Remedy};
use ledger_core::append::Submission;
use ledger_domain::Domain;
use ledger_domain::events::{
    Date, Dec, Evidence, INVESTMENT_UNIT, Payload, ProjectCompleted, ProjectEvaluated, ProjectProgressReported,
    ProjectPromoted, ProjectRegistered, Stage,
};
use ledger_domain::projects::{Project, project_stream};
use serde::Serialize;

/// An event of project `project`, with a fresh id.
fn event<P: Payload>(project: &str, payload: &P) -> Submission {
    payload.submission(&project_stream(project), &crate::fresh_id())
}

fn decimal(input: Input, v: &str) -> Result<Dec, Error> {
    Dec::exact(v.trim()).map_err(|e| {
        Error::refused_with(format!("{} {v:?} is not a decimal: {e}", input.noun()), Remedy::FixInput { input })
    })
}

fn project<'d>(domain: &'d Domain, id: &str) -> Result<&'d Project, Error> {
    domain.projects.get(id).ok_or_else(|| {
        let known: Vec<&str> = domain.projects.keys().map(String::as_str).take(20).collect();
        Error::refused_with(
            format!("project {id:?} is not registered"),
            if known.is_empty() {
                Remedy::RecordFirst { what: Prerequisite::Project }
            } else {
                Remedy::choose(Known::Projects, known)
            },
        )
    })
}

fn evidence(blake3: &str, title: &str) -> Evidence {
    Evidence { blake3: blake3.trim().to_lowercase(), title: title.to_owned() }
}

/// What `ledger project register` takes.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Project id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The unit, by id or name.
    pub unit: String,
    /// Sector.
    pub sector: String,
    /// Planned investment, 万元.
    pub planned_investment: String,
    /// Remark.
    pub note: Option<String>,
}

/// `project_registered`, in the reserve stage.
pub fn register(domain: &Domain, r: &Registration) -> Result<Submission, Error> {
    let unit = Names::new(domain).unit(&r.unit)?;
    let registered = ProjectRegistered {
        project: r.id.clone(),
        name_zh: r.name_zh.clone(),
        name_en: r.name_en.clone(),
        unit,
        sector: r.sector.clone(),
        planned_investment: decimal(Input::PlannedInvestment, &r.planned_investment)?,
        investment_unit: INVESTMENT_UNIT.to_owned(),
        stage: Stage::Reserve,
        note: r.note.clone(),
    };
    Ok(event(&r.id, &registered))
}

/// `project_promoted` from the project's current stage to `to`; with
/// `demotion_reason`, a demotion.
pub fn promote(
    domain: &Domain,
    id: &str,
    to: Stage,
    basis: &str,
    approved_by: &str,
    demotion_reason: Option<&str>,
) -> Result<Submission, Error> {
    let p = project(domain, id)?;
    let promoted = ProjectPromoted {
        project: id.to_owned(),
        from: p.stage,
        to,
        basis: basis.to_owned(),
        approved_by: approved_by.to_owned(),
        demotion: demotion_reason.is_some(),
        reason: demotion_reason.map(str::to_owned),
    };
    Ok(event(id, &promoted))
}

/// `project_progress_reported`.
pub fn progress(
    domain: &Domain,
    id: &str,
    period: &str,
    investment: &str,
    milestone: &str,
    (blake3, title): (&str, &str),
) -> Result<Submission, Error> {
    project(domain, id)?;
    let report = ProjectProgressReported {
        project: id.to_owned(),
        period: period.to_owned(),
        investment_completed: decimal(Input::Investment, investment)?,
        milestone: milestone.to_owned(),
        evidence: evidence(blake3, title),
    };
    Ok(event(id, &report))
}

/// `project_completed`.
pub fn complete(domain: &Domain, id: &str, date: &str, note: Option<&str>) -> Result<Submission, Error> {
    project(domain, id)?;
    // The date is checked by the rules, as any payload's.
    let completed =
        ProjectCompleted { project: id.to_owned(), completed: Date(date.to_owned()), note: note.map(str::to_owned) };
    Ok(event(id, &completed))
}

/// `project_evaluated`.
pub fn evaluate(
    domain: &Domain,
    id: &str,
    rating: &str,
    summary: &str,
    evidence_of: Option<(&str, &str)>,
) -> Result<Submission, Error> {
    project(domain, id)?;
    let evaluated = ProjectEvaluated {
        project: id.to_owned(),
        rating: member(ProjectEvaluated::TYPE, "rating", rating)?,
        summary: summary.to_owned(),
        evidence: evidence_of.map(|(b, t)| evidence(b, t)),
    };
    Ok(event(id, &evaluated))
}

/// A project as `ledger project list` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRow<'d> {
    /// The project as folded (stages, progress, completion, evaluation).
    #[serde(flatten)]
    pub project: &'d Project,
    /// Investment completed over every report (万元), exact.
    pub investment_completed: Option<String>,
    /// The unit of every amount: 万元.
    pub investment_unit: &'static str,
}

/// The library (`ledger project list`): every project, or those of a unit or
/// in a stage, by id; and the library's projection hash (of all of it).
pub fn list<'d>(
    domain: &'d Domain,
    unit: Option<&str>,
    stage: Option<Stage>,
) -> Result<(Vec<ProjectRow<'d>>, String), Error> {
    let unit = unit.map(|u| Names::new(domain).unit(u)).transpose()?;
    let rows = domain
        .projects
        .values()
        .filter(|p| unit.as_ref().is_none_or(|u| &p.unit == u))
        .filter(|p| stage.is_none_or(|s| p.stage == s))
        .map(|p| ProjectRow {
            project: p,
            investment_completed: p.investment_completed().map(|d| d.to_string()),
            investment_unit: INVESTMENT_UNIT,
        })
        .collect();
    Ok((rows, ledger_domain::projects::projection_hash(domain)))
}
