//! The major-project library of the plan (lines 764-768): projects enter
//! the reserve library (储备库), move to the preparatory library (预备库) and
//! the construction library (建设库), report progress, are completed and
//! evaluated. The rules of the `project_*` events (payloads in
//! [`crate::events`]) and their changes to the state, the folded state of
//! each project with its stage history, and the library's projection
//! hash.
//!
//! Rules (`docs/EVENTS.md`, "Major projects"): a project moves forward one
//! stage at a time; skipping a stage is refused; moving back is refused
//! unless the event says it is a demotion and gives the reason.

use crate::events::*;
use crate::state::{Domain, about, evidence_ok, id_ok, nonblank};
use ledger_core::append::Refusal;
use ledger_core::{Envelope, Record};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The stream a project's events live in.
pub fn project_stream(project: &str) -> String {
    Stream::Project.of(project)
}

/// One move in the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageChange {
    /// The record.
    pub seq: u64,
    /// When it was recorded (the envelope's time, RFC 3339).
    pub time: String,
    /// From (none for the registration).
    pub from: Option<Stage>,
    /// To.
    pub to: Stage,
    /// The basis.
    pub basis: String,
    /// The approving office (the registration: the signer's record says who).
    pub approved_by: Option<String>,
    /// Why it moved back, for a demotion.
    pub demotion_reason: Option<String>,
}

/// One progress report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The record.
    pub seq: u64,
    /// The reporting period.
    pub period: String,
    /// Investment completed in the period (万元).
    pub investment_completed: Dec,
    /// The milestone.
    pub milestone: String,
    /// The evidence.
    pub evidence: Evidence,
    /// When it was recorded (for the process component's cut-off).
    #[serde(default)]
    pub at: Option<ledger_core::Timestamp>,
}

/// A project as its events leave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Id.
    pub id: String,
    /// The `project_registered` record.
    pub registered: u64,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The unit.
    pub unit: String,
    /// Sector.
    pub sector: String,
    /// Planned total investment (万元).
    pub planned_investment: Dec,
    /// The stage it is in.
    pub stage: Stage,
    /// Every stage it was in, from the registration on.
    pub stages: Vec<StageChange>,
    /// Progress reports, in ledger order.
    pub progress: Vec<Progress>,
    /// Completion: (record, date, note).
    pub completed: Option<(u64, String, Option<String>)>,
    /// Evaluation: (record, payload).
    pub evaluation: Option<(u64, ProjectEvaluated)>,
}

impl Project {
    /// Investment completed over every report (万元), exact; `None` if the
    /// sum does not fit a decimal.
    pub fn investment_completed(&self) -> Option<Decimal> {
        self.progress.iter().try_fold(Decimal::ZERO, |sum, p| sum.checked_add(p.investment_completed.0))
    }
}

fn project_id_ok(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'.'));
    if ok { Ok(()) } else { Err(format!("project id {s:?} must match [a-z0-9][a-z0-9_.-]* (at most 64)")) }
}

impl Domain {
    fn project_in_stream<'a>(&'a self, env: &Envelope, id: &str) -> Result<&'a Project, Refusal> {
        self.check_stream(env, &project_stream(id))?;
        self.projects.get(id).ok_or_else(|| Refusal::about("project", format!("project {id:?} is not registered")))
    }

    /// `decide` for `project_registered`.
    pub(crate) fn decide_registration(&self, env: &Envelope, x: &ProjectRegistered) -> Result<(), Refusal> {
        project_id_ok(&x.project).map_err(about("project"))?;
        self.check_stream(env, &project_stream(&x.project))?;
        if let Some(p) = self.projects.get(&x.project) {
            return Err(Refusal::about(
                "project",
                format!("project {} is already registered (seq {})", x.project, p.registered),
            ));
        }
        nonblank("name_zh", &x.name_zh)?;
        nonblank("name_en", &x.name_en)?;
        nonblank("sector", &x.sector)?;
        match self.units.get(&x.unit) {
            None => return Err(Refusal::at("unit", format!("unknown unit {:?}", x.unit))),
            Some(u) if u.until.is_some() => {
                return Err(Refusal::at("unit", format!("unit {} no longer exists", x.unit)));
            }
            Some(_) => {}
        }
        if x.investment_unit != INVESTMENT_UNIT {
            return Err(Refusal::at(
                "investment_unit",
                format!("planned investment is written in {INVESTMENT_UNIT} (10k yuan), not {:?}", x.investment_unit),
            ));
        }
        if x.planned_investment.0 <= Decimal::ZERO {
            return Err(Refusal::at(
                "planned_investment",
                format!("must be more than 0, not {}", x.planned_investment.0),
            ));
        }
        if x.stage != Stage::Reserve {
            return Err(Refusal::at(
                "stage",
                format!(
                    "a project enters the library in the reserve stage, not {}; promote it afterwards",
                    x.stage.name()
                ),
            ));
        }
        Ok(())
    }

    /// `decide` for `project_promoted`: one stage forward, or back with a
    /// demotion and its reason.
    pub(crate) fn decide_promotion(&self, env: &Envelope, x: &ProjectPromoted) -> Result<(), Refusal> {
        let p = self.project_in_stream(env, &x.project)?;
        if p.completed.is_some() {
            return Err(Refusal::about(
                "project",
                format!("project {} is completed; its stage no longer changes", p.id),
            ));
        }
        if x.from != p.stage {
            return Err(Refusal::at(
                "from",
                format!("project {} is in the {} stage, not {}", p.id, p.stage.name(), x.from.name()),
            ));
        }
        nonblank("basis", &x.basis)?;
        nonblank("approved_by", &x.approved_by)?;
        let (from, to) = (x.from.rank(), x.to.rank());
        if to == from {
            return Err(Refusal::at("to", format!("project {} is already in the {} stage", p.id, p.stage.name())));
        }
        if x.demotion {
            if to > from {
                return Err(Refusal::at(
                    "demotion",
                    format!("{} -> {} is a move forward, not a demotion", x.from.name(), x.to.name()),
                ));
            }
            match &x.reason {
                Some(r) if !r.trim().is_empty() => Ok(()),
                _ => Err(Refusal::at("reason", "a demotion gives its reason")),
            }
        } else if to < from {
            Err(Refusal::at(
                "to",
                format!(
                    "{} -> {} goes back a stage; record it as a demotion (\"demotion\": true) with a reason",
                    x.from.name(),
                    x.to.name()
                ),
            ))
        } else if to > from + 1 {
            Err(Refusal::at(
                "to",
                format!(
                    "{} -> {} skips a stage; a project moves through reserve, preparatory and construction \
                     one stage at a time",
                    x.from.name(),
                    x.to.name()
                ),
            ))
        } else if x.reason.is_some() {
            Err(Refusal::at("reason", "only a demotion carries a reason; give the grounds of a promotion in basis"))
        } else {
            Ok(())
        }
    }

    /// `decide` for `project_progress_reported`.
    pub(crate) fn decide_progress(&self, env: &Envelope, x: &ProjectProgressReported) -> Result<(), Refusal> {
        let p = self.project_in_stream(env, &x.project)?;
        self.speaks_for(env, &p.unit, "progress reports").map_err(about("project"))?;
        if p.stage == Stage::Reserve {
            return Err(Refusal::about(
                "project",
                format!("project {} is in the reserve stage: progress is reported from the preparatory stage on", p.id),
            ));
        }
        if p.completed.is_some() {
            return Err(Refusal::about(
                "project",
                format!("project {} is completed: no further progress is reported", p.id),
            ));
        }
        id_ok("period", &x.period).map_err(about("period"))?;
        if let Some(r) = p.progress.iter().find(|r| r.period == x.period) {
            return Err(Refusal::at(
                "period",
                format!("project {} already reported progress for {} (seq {})", p.id, x.period, r.seq),
            ));
        }
        if x.investment_completed.0.is_sign_negative() && !x.investment_completed.0.is_zero() {
            return Err(Refusal::at(
                "investment_completed",
                format!("must not be negative, not {}", x.investment_completed.0),
            ));
        }
        nonblank("milestone", &x.milestone)?;
        evidence_ok(Some(&x.evidence))
    }

    /// `decide` for `project_completed`.
    pub(crate) fn decide_completion(&self, env: &Envelope, x: &ProjectCompleted) -> Result<(), Refusal> {
        let p = self.project_in_stream(env, &x.project)?;
        if let Some((seq, _, _)) = &p.completed {
            return Err(Refusal::about("project", format!("project {} is already completed (seq {seq})", p.id)));
        }
        if p.stage != Stage::Construction {
            return Err(Refusal::about(
                "project",
                format!(
                    "project {} is in the {} stage: only a project in construction is completed",
                    p.id,
                    p.stage.name()
                ),
            ));
        }
        Ok(())
    }

    /// `decide` for `project_evaluated`.
    pub(crate) fn decide_evaluation(&self, env: &Envelope, x: &ProjectEvaluated) -> Result<(), Refusal> {
        let p = self.project_in_stream(env, &x.project)?;
        if p.completed.is_none() {
            return Err(Refusal::about(
                "project",
                format!("project {} is not completed: the result evaluation follows completion", p.id),
            ));
        }
        if let Some((seq, _)) = &p.evaluation {
            return Err(Refusal::about("project", format!("project {} is already evaluated (seq {seq})", p.id)));
        }
        nonblank("summary", &x.summary)?;
        evidence_ok(x.evidence.as_ref())
    }

    /// `apply` for `project_registered`.
    pub(crate) fn apply_registration(&mut self, record: &Record, x: ProjectRegistered) {
        let seq = record.seq;
        self.projects.insert(
            x.project.clone(),
            Project {
                id: x.project,
                registered: seq,
                name_zh: x.name_zh,
                name_en: x.name_en,
                unit: x.unit,
                sector: x.sector,
                planned_investment: x.planned_investment,
                stage: x.stage,
                stages: vec![StageChange {
                    seq,
                    time: record.envelope.time.to_string(),
                    from: None,
                    to: x.stage,
                    basis: x.note.unwrap_or_else(|| "registered".into()),
                    approved_by: None,
                    demotion_reason: None,
                }],
                progress: Vec::new(),
                completed: None,
                evaluation: None,
            },
        );
    }

    /// `apply` for `project_promoted`.
    pub(crate) fn apply_promotion(&mut self, record: &Record, x: ProjectPromoted) {
        if let Some(p) = self.projects.get_mut(&x.project) {
            p.stage = x.to;
            p.stages.push(StageChange {
                seq: record.seq,
                time: record.envelope.time.to_string(),
                from: Some(x.from),
                to: x.to,
                basis: x.basis,
                approved_by: Some(x.approved_by),
                demotion_reason: if x.demotion { x.reason } else { None },
            });
        }
    }

    /// `apply` for `project_progress_reported`.
    pub(crate) fn apply_progress(&mut self, record: &Record, x: ProjectProgressReported) {
        if let Some(p) = self.projects.get_mut(&x.project) {
            p.progress.push(Progress {
                seq: record.seq,
                period: x.period,
                investment_completed: x.investment_completed,
                milestone: x.milestone,
                evidence: x.evidence,
                at: Some(record.envelope.time),
            });
        }
    }

    /// `apply` for `project_completed`.
    pub(crate) fn apply_completion(&mut self, record: &Record, x: ProjectCompleted) {
        if let Some(p) = self.projects.get_mut(&x.project) {
            p.completed = Some((record.seq, x.completed.0, x.note));
        }
    }

    /// `apply` for `project_evaluated`.
    pub(crate) fn apply_evaluation(&mut self, record: &Record, x: ProjectEvaluated) {
        if let Some(p) = self.projects.get_mut(&x.project) {
            p.evaluation = Some((record.seq, x));
        }
    }
}

/// Names the structure of the library's projection; part of the hashed JSON.
pub const LIBRARY_FORMAT: &str = "ledger-domain/project-library/v1";

/// The library's facts as JSON, for the projection hash: per project (by
/// id) its registration, stage history (stages, records, bases, offices,
/// demotion reasons), progress (periods, investment normalised as in the
/// scores' projection, milestones, evidence hashes), completion and
/// evaluation. Record times are left out (they are the signer's clock).
pub fn projection_value(domain: &Domain) -> Value {
    let dec = |d: &Dec| ledger_score::Decimal::normalize(&d.0).to_string();
    let projects: Vec<Value> = domain
        .projects
        .values()
        .map(|p| {
            json!({
                "project": p.id,
                "registered": p.registered,
                "name_zh": p.name_zh,
                "name_en": p.name_en,
                "unit": p.unit,
                "sector": p.sector,
                "planned_investment": dec(&p.planned_investment),
                "stage": p.stage.name(),
                "stages": p.stages.iter().map(|s| json!({
                    "seq": s.seq,
                    "from": s.from.map(Stage::name),
                    "to": s.to.name(),
                    "basis": s.basis,
                    "approved_by": s.approved_by,
                    "demotion_reason": s.demotion_reason,
                })).collect::<Vec<_>>(),
                "progress": p.progress.iter().map(|r| json!({
                    "seq": r.seq,
                    "period": r.period,
                    "investment_completed": dec(&r.investment_completed),
                    "milestone": r.milestone,
                    "evidence": r.evidence.blake3,
                })).collect::<Vec<_>>(),
                "completed": p.completed.as_ref().map(|(seq, date, _)| json!({"seq": seq, "date": date})),
                "evaluation": p.evaluation.as_ref().map(|(seq, e)| json!({
                    "seq": seq,
                    "rating": e.rating,
                    "evidence": e.evidence.as_ref().map(|x| x.blake3.clone()),
                })),
            })
        })
        .collect();
    json!({"format": LIBRARY_FORMAT, "projects": projects})
}

/// BLAKE3 of the canonical JSON of [`projection_value`], 64 hex digits.
pub fn projection_hash(domain: &Domain) -> String {
    let bytes = ledger_core::canonical::to_vec(&projection_value(domain)).unwrap_or_default();
    blake3::hash(&bytes).to_hex().to_string()
}
