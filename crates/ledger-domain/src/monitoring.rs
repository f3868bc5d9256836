//! Monitoring of the plan's policy measures and land use (plan line 774:
//! "track the plan's indicators, policy measures, major projects and land
//! use; evaluate every year"): `measure_registered`,
//! `measure_progress_reported` and `land_use_reported` (payloads in
//! [`crate::events`]), their rules and their changes to the state, and
//! the monitoring projection hash. ("Monitoring" means this plan-level
//! monitoring throughout; the in-year monitoring *rounds* of a period are
//! process assessment, [`crate::process`], whose event type name
//! `monitoring_round_opened` the record format fixes.)

use crate::events::{
    Dec, Evidence, LandUseReported, MeasureProgressReported, MeasureRegistered, MeasureStatus, Stream,
};
use crate::state::{Domain, about, evidence_ok, id_ok, nonblank};
use ledger_core::append::Refusal;
use ledger_core::{Envelope, Record};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The stream of a policy measure's events.
pub fn measure_stream(measure: &str) -> String {
    Stream::Measure.of(measure)
}

/// The stream of a unit's land-use reports.
pub fn land_stream(unit: &str) -> String {
    Stream::Land.of(unit)
}

/// A land-use report as the state keeps it: the payload of
/// `land_use_reported`, with an empty list of projects left out when
/// serialised (as the state has always been written in snapshots).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LandUse {
    /// The unit.
    pub unit: String,
    /// The reporting period, e.g. `2021`.
    pub period: String,
    /// Land supplied for construction (ha).
    pub supplied_ha: Dec,
    /// Land used by the plan's projects (ha).
    pub used_ha: Dec,
    /// The major projects the land went to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
    /// The source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

impl From<LandUseReported> for LandUse {
    fn from(x: LandUseReported) -> LandUse {
        let LandUseReported { unit, period, supplied_ha, used_ha, projects, evidence } = x;
        LandUse { unit, period, supplied_ha, used_ha, projects, evidence }
    }
}

/// A measure as its events leave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    /// The `measure_registered` record.
    pub registered: u64,
    /// The registration.
    pub definition: MeasureRegistered,
    /// Its reports, in ledger order: (record, report).
    pub reports: Vec<(u64, MeasureProgressReported)>,
}

impl Measure {
    /// The status of the latest report (planned before any).
    pub fn status(&self) -> MeasureStatus {
        self.reports.last().map_or(MeasureStatus::Planned, |(_, r)| r.status)
    }
}

fn not_negative(field: &str, d: &Dec) -> Result<(), Refusal> {
    if d.0 < Decimal::ZERO { Err(Refusal::at(field, format!("must not be negative, not {}", d.0))) } else { Ok(()) }
}

impl Domain {
    /// `decide` for `measure_registered`.
    pub(crate) fn decide_measure(&self, env: &Envelope, x: &MeasureRegistered) -> Result<(), Refusal> {
        id_ok("measure", &x.measure).map_err(about("measure"))?;
        self.check_stream(env, &measure_stream(&x.measure))?;
        if let Some(m) = self.measures.get(&x.measure) {
            return Err(Refusal::about(
                "measure",
                format!("measure {} is already registered (seq {})", x.measure, m.registered),
            ));
        }
        nonblank("title_zh", &x.title_zh)?;
        nonblank("title_en", &x.title_en)?;
        nonblank("lead_office", &x.lead_office)?;
        nonblank("source", &x.source)
    }

    /// `decide` for `measure_progress_reported`.
    pub(crate) fn decide_measure_report(&self, env: &Envelope, x: &MeasureProgressReported) -> Result<(), Refusal> {
        self.check_stream(env, &measure_stream(&x.measure))?;
        let m = self
            .measures
            .get(&x.measure)
            .ok_or_else(|| Refusal::about("measure", format!("measure {:?} is not registered", x.measure)))?;
        if m.status() == MeasureStatus::Done {
            return Err(Refusal::about("measure", format!("measure {} was reported done; no later report", x.measure)));
        }
        id_ok("period", &x.period).map_err(about("period"))?;
        if let Some((seq, _)) = m.reports.iter().find(|(_, r)| r.period == x.period) {
            return Err(Refusal::at(
                "period",
                format!("measure {} already reported for {} (seq {seq})", x.measure, x.period),
            ));
        }
        nonblank("text", &x.text)?;
        evidence_ok(x.evidence.as_ref())
    }

    /// `decide` for `land_use_reported`.
    pub(crate) fn decide_land_use(&self, env: &Envelope, x: &LandUseReported) -> Result<(), Refusal> {
        self.check_stream(env, &land_stream(&x.unit))?;
        match self.units.get(&x.unit) {
            None => return Err(Refusal::at("unit", format!("unknown unit {:?}", x.unit))),
            Some(u) if u.until.is_some() => {
                return Err(Refusal::at("unit", format!("unit {} no longer exists", x.unit)));
            }
            Some(_) => {}
        }
        id_ok("period", &x.period).map_err(about("period"))?;
        if let Some((seq, _)) = self.land_use.get(&x.unit).and_then(|v| v.iter().find(|(_, r)| r.period == x.period)) {
            return Err(Refusal::at(
                "period",
                format!("land use of {} for {} is already reported (seq {seq})", x.unit, x.period),
            ));
        }
        not_negative("supplied_ha", &x.supplied_ha)?;
        not_negative("used_ha", &x.used_ha)?;
        for p in &x.projects {
            match self.projects.get(p) {
                None => return Err(Refusal::at("projects", format!("project {p:?} is not registered"))),
                Some(project) if project.unit != x.unit => {
                    return Err(Refusal::at(
                        "projects",
                        format!("project {p} is in unit {}, not {}", project.unit, x.unit),
                    ));
                }
                Some(_) => {}
            }
        }
        evidence_ok(x.evidence.as_ref())
    }

    /// `apply` for `measure_registered`.
    pub(crate) fn apply_measure(&mut self, record: &Record, x: MeasureRegistered) {
        self.measures.insert(x.measure.clone(), Measure { registered: record.seq, definition: x, reports: Vec::new() });
    }

    /// `apply` for `measure_progress_reported`.
    pub(crate) fn apply_measure_report(&mut self, record: &Record, x: MeasureProgressReported) {
        if let Some(m) = self.measures.get_mut(&x.measure) {
            m.reports.push((record.seq, x));
        }
    }

    /// `apply` for `land_use_reported`.
    pub(crate) fn apply_land_use(&mut self, record: &Record, x: LandUseReported) {
        self.land_use.entry(x.unit.clone()).or_default().push((record.seq, LandUse::from(x)));
    }
}

/// Names the structure of the monitoring projection; part of the hashed JSON.
pub const MONITORING_FORMAT: &str = "ledger-domain/monitoring/v1";

/// Measures (by id, with every report's period, status and evidence hash)
/// and land use (by unit, every report's period, hectares normalised,
/// projects), as JSON for the projection hash.
pub fn projection_value(domain: &Domain) -> Value {
    let dec = |d: &Dec| d.0.normalize().to_string();
    let measures: Vec<Value> = domain
        .measures
        .iter()
        .map(|(id, m)| {
            json!({
                "measure": id,
                "registered": m.registered,
                "lead_office": m.definition.lead_office,
                "due": m.definition.due.as_ref().map(|d| d.0.clone()),
                "reports": m.reports.iter().map(|(seq, r)| json!({
                    "seq": seq, "period": r.period, "status": r.status,
                    "evidence": r.evidence.as_ref().map(|e| e.blake3.clone()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let land: Vec<Value> = domain
        .land_use
        .iter()
        .map(|(unit, reports)| {
            json!({
                "unit": unit,
                "reports": reports.iter().map(|(seq, r)| json!({
                    "seq": seq, "period": r.period, "supplied_ha": dec(&r.supplied_ha), "used_ha": dec(&r.used_ha),
                    "projects": r.projects,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"format": MONITORING_FORMAT, "measures": measures, "land_use": land})
}

/// BLAKE3 of the canonical JSON of [`projection_value`], 64 hex digits.
pub fn projection_hash(domain: &Domain) -> String {
    let bytes = ledger_core::canonical::to_vec(&projection_value(domain)).unwrap_or_default();
    blake3::hash(&bytes).to_hex().to_string()
}
