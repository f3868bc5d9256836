//! The major-project library: the events the Development and Reform
//! Commission, the units and the assessment office write about projects
//! (built from what a clerk types, units by name), and the listing of
//! `ledger projects`.

use crate::Error;
use crate::names::Names;
use ledger_core::append::Submission;
use ledger_domain::Domain;
use ledger_domain::events::{INVESTMENT_UNIT, Stage};
use ledger_domain::library::{Project, project_stream};
use serde::Serialize;
use serde_json::{Value, json};

fn event(project: &str, event_type: &str, data: Value) -> Submission {
    Submission::new(&project_stream(project), event_type, data, &crate::fresh_id())
}

fn decimal(what: &str, v: &str) -> Result<String, Error> {
    ledger_score::parse_decimal(v.trim()).map_err(|e| {
        Error::refused_with(
            format!("{what} {v:?} is not a decimal: {e}"),
            "write amounts like 125000 or 3500.5 (万元): a point for decimals, no thousands separators, no exponent",
        )
    })?;
    Ok(v.trim().to_owned())
}

fn project<'d>(domain: &'d Domain, id: &str) -> Result<&'d Project, Error> {
    domain.projects.get(id).ok_or_else(|| {
        let known: Vec<&str> = domain.projects.keys().map(String::as_str).take(20).collect();
        Error::refused_with(
            format!("project {id:?} is not registered"),
            if known.is_empty() {
                "register it with `ledger project register`".to_owned()
            } else {
                format!("projects: {}", known.join(", "))
            },
        )
    })
}

fn evidence(blake3: &str, title: &str) -> Value {
    json!({"blake3": blake3.trim().to_lowercase(), "title": title})
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
    let mut data = json!({
        "project": r.id,
        "name_zh": r.name_zh,
        "name_en": r.name_en,
        "unit": unit,
        "sector": r.sector,
        "planned_investment": decimal("--planned-investment", &r.planned_investment)?,
        "investment_unit": INVESTMENT_UNIT,
        "stage": "reserve",
    });
    if let Some(n) = &r.note {
        data["note"] = json!(n);
    }
    Ok(event(&r.id, "project_registered", data))
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
    let mut data = json!({
        "project": id,
        "from": p.stage.name(),
        "to": to.name(),
        "basis": basis,
        "approved_by": approved_by,
    });
    if let Some(reason) = demotion_reason {
        data["demotion"] = json!(true);
        data["reason"] = json!(reason);
    }
    Ok(event(id, "project_promoted", data))
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
    Ok(event(
        id,
        "project_progress_reported",
        json!({
            "project": id,
            "period": period,
            "investment_completed": decimal("--investment", investment)?,
            "milestone": milestone,
            "evidence": evidence(blake3, title),
        }),
    ))
}

/// `project_completed`.
pub fn complete(domain: &Domain, id: &str, date: &str, note: Option<&str>) -> Result<Submission, Error> {
    project(domain, id)?;
    let mut data = json!({"project": id, "completed": date});
    if let Some(n) = note {
        data["note"] = json!(n);
    }
    Ok(event(id, "project_completed", data))
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
    let mut data = json!({"project": id, "rating": rating, "summary": summary});
    if let Some((b, t)) = evidence_of {
        data["evidence"] = evidence(b, t);
    }
    Ok(event(id, "project_evaluated", data))
}

/// A project as `ledger projects` lists it.
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

/// The library (`ledger projects`): every project, or those of a unit or
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
    Ok((rows, ledger_domain::library::projection_hash(domain)))
}
