//! Monitoring of the plan's policy measures and land use (plan line 774:
//! "track the plan's indicators, policy measures, major projects and land
//! use; evaluate every year"): `measure_registered`,
//! `measure_progress_reported` and `land_use_reported`, their `decide` and
//! `apply`, and the monitoring projection hash.

use crate::events::{Date, Dec, Evidence, parse};
use crate::state::{Domain, evidence_ok, id_ok, nonblank};
use ledger_core::{Envelope, Record};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The stream of a policy measure's events.
pub fn measure_stream(measure: &str) -> String {
    format!("measure/{measure}")
}

/// The stream of a unit's land-use reports.
pub fn land_stream(unit: &str) -> String {
    format!("land/{unit}")
}

/// Where a measure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    /// Not started.
    Planned,
    /// Under way.
    InProgress,
    /// Carried out; no later report.
    Done,
}

/// Payload of `measure_registered` (stream `measure/<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureRegistered {
    /// Measure id, `[A-Za-z0-9_.-]`, 1-64.
    pub measure: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: String,
    /// The office that leads it.
    pub lead_office: String,
    /// Where the plan sets it (e.g. `plan line 612`).
    pub source: String,
    /// When it is due, if the plan says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
}

/// Payload of `measure_progress_reported`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureProgressReported {
    /// The measure.
    pub measure: String,
    /// The reporting period, e.g. `2021`.
    pub period: String,
    /// Where it stands.
    pub status: MeasureStatus,
    /// What was done.
    pub text: String,
    /// The source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// Payload of `land_use_reported` (stream `land/<unit>`): land supplied and
/// used in a unit in a period, in hectares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandUseReported {
    /// The unit.
    pub unit: String,
    /// The reporting period, e.g. `2021`.
    pub period: String,
    /// Land supplied for construction (ha), exact, not negative.
    pub supplied_ha: Dec,
    /// Land used by the plan's projects (ha), exact, not negative.
    pub used_ha: Dec,
    /// The major projects the land went to (registered, of this unit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
    /// The source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
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

fn not_negative(field: &str, d: &Dec) -> Result<(), String> {
    if d.0 < Decimal::ZERO { Err(format!("{field}: must not be negative, not {}", d.0)) } else { Ok(()) }
}

fn stream_is(env: &Envelope, expected: &str) -> Result<(), String> {
    if env.stream == expected {
        Ok(())
    } else {
        Err(format!("`{}` events for this belong in stream {expected:?}, not {:?}", env.event_type, env.stream))
    }
}

impl Domain {
    /// `decide` for the monitoring events.
    pub(crate) fn decide_monitoring(&self, env: &Envelope) -> Result<(), String> {
        let t = env.event_type.as_str();
        let d = &env.data;
        match t {
            "measure_registered" => {
                let x: MeasureRegistered = parse(t, d)?;
                id_ok("measure", &x.measure)?;
                stream_is(env, &measure_stream(&x.measure))?;
                if let Some(m) = self.measures.get(&x.measure) {
                    return Err(format!("measure {} is already registered (seq {})", x.measure, m.registered));
                }
                nonblank("title_zh", &x.title_zh)?;
                nonblank("title_en", &x.title_en)?;
                nonblank("lead_office", &x.lead_office)?;
                nonblank("source", &x.source)
            }
            "measure_progress_reported" => {
                let x: MeasureProgressReported = parse(t, d)?;
                stream_is(env, &measure_stream(&x.measure))?;
                let m = self
                    .measures
                    .get(&x.measure)
                    .ok_or_else(|| format!("measure {:?} is not registered", x.measure))?;
                if m.status() == MeasureStatus::Done {
                    return Err(format!("measure {} was reported done; no later report", x.measure));
                }
                id_ok("period", &x.period)?;
                if let Some((seq, _)) = m.reports.iter().find(|(_, r)| r.period == x.period) {
                    return Err(format!("period: measure {} already reported for {} (seq {seq})", x.measure, x.period));
                }
                nonblank("text", &x.text)?;
                evidence_ok(&x.evidence)
            }
            "land_use_reported" => {
                let x: LandUseReported = parse(t, d)?;
                stream_is(env, &land_stream(&x.unit))?;
                match self.units.get(&x.unit) {
                    None => return Err(format!("unit: unknown unit {:?}", x.unit)),
                    Some(u) if u.until.is_some() => return Err(format!("unit: unit {} no longer exists", x.unit)),
                    Some(_) => {}
                }
                id_ok("period", &x.period)?;
                if let Some((seq, _)) =
                    self.land_use.get(&x.unit).and_then(|v| v.iter().find(|(_, r)| r.period == x.period))
                {
                    return Err(format!(
                        "period: land use of {} for {} is already reported (seq {seq})",
                        x.unit, x.period
                    ));
                }
                not_negative("supplied_ha", &x.supplied_ha)?;
                not_negative("used_ha", &x.used_ha)?;
                for p in &x.projects {
                    match self.projects.get(p) {
                        None => return Err(format!("projects: project {p:?} is not registered")),
                        Some(project) if project.unit != x.unit => {
                            return Err(format!("projects: project {p} is in unit {}, not {}", project.unit, x.unit));
                        }
                        Some(_) => {}
                    }
                }
                evidence_ok(&x.evidence)
            }
            other => Err(format!("unknown event type {other:?}")),
        }
    }

    /// `apply` for the monitoring events; never fails.
    pub(crate) fn apply_monitoring(&mut self, record: &Record) {
        let env = &record.envelope;
        let (seq, t, d) = (record.seq, env.event_type.as_str(), &env.data);
        match t {
            "measure_registered" => {
                if let Ok(x) = parse::<MeasureRegistered>(t, d) {
                    self.measures
                        .insert(x.measure.clone(), Measure { registered: seq, definition: x, reports: Vec::new() });
                }
            }
            "measure_progress_reported" => {
                if let Ok(x) = parse::<MeasureProgressReported>(t, d)
                    && let Some(m) = self.measures.get_mut(&x.measure)
                {
                    m.reports.push((seq, x));
                }
            }
            "land_use_reported" => {
                if let Ok(x) = parse::<LandUseReported>(t, d) {
                    self.land_use.entry(x.unit.clone()).or_default().push((seq, x));
                }
            }
            _ => {}
        }
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
