//! The domain state, and the rules that decide whether an event may be
//! written (`decide`) and how a written one changes the state (`apply`).
//!
//! The lifecycle of a period is a state machine:
//!
//! ```text
//!   period_opened ──► Open ──scores_published──► Published ──period_finalized──► Finalized
//!                      │                           │                               │
//!   targets, submissions, returns,     objections (inside the window),   rewards, accountability,
//!   verifications, corrections         resolutions, corrections          rectifications, rescissions,
//!                                                                        corrections (restatements)
//! ```
//!
//! `data_fraud_determined` may come in any state. The full table is in
//! `docs/EVENTS.md`.

use crate::events::*;
use crate::project;
use ledger_core::{Envelope, Record, Timestamp};
use ledger_score::{PeriodScores, Policy};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_with::serde_as;
use std::collections::{BTreeMap, BTreeSet};

/// Where a period is in its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PeriodState {
    /// Targets and values are being gathered.
    Open,
    /// Scores are published; objections may be filed until the window ends.
    Published {
        /// The `scores_published` record.
        seq: u64,
        /// The last second objections may be filed.
        window_until: Timestamp,
    },
    /// The assessment office attested the result.
    Finalized {
        /// The `period_finalized` record.
        seq: u64,
        /// The projection hash attested.
        projection_hash: String,
    },
}

/// A unit and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// Id.
    pub id: String,
    /// Current Chinese name.
    pub name_zh: String,
    /// Current English name.
    pub name_en: String,
    /// Current kind.
    pub kind: UnitKind,
    /// Registered from.
    pub from: Date,
    /// Ended (merged or retired) from.
    pub until: Option<Date>,
    /// Every change, in order: (seq, effective date, description).
    pub history: Vec<(u64, String, String)>,
    /// Its names and kind over time, each from its effective date, in order.
    #[serde(default)]
    pub names: Vec<UnitName>,
}

/// What a unit was called, and what kind of unit it was, from a date on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitName {
    /// From when.
    pub from: Date,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Kind.
    pub kind: UnitKind,
}

impl Unit {
    /// Its names and kind as they stood at the end of `year` (a period's
    /// views show a unit as it was then: Jiyang is 济阳县, a county, in
    /// 2017). Falls back to the current ones.
    pub fn as_of(&self, year: i32) -> UnitName {
        let end = format!("{year:04}-12-31");
        self.names.iter().rev().find(|n| n.from.0.as_str() <= end.as_str()).cloned().unwrap_or_else(|| UnitName {
            from: self.from.clone(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            kind: self.kind,
        })
    }

    fn as_of_date(&self, date: &Date) -> UnitName {
        self.names.iter().rev().find(|n| n.from.0 <= date.0).cloned().unwrap_or_else(|| UnitName {
            from: self.from.clone(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            kind: self.kind,
        })
    }

    /// Records names or a kind from a date on (a later change on the same
    /// day replaces the earlier one).
    fn set_from(&mut self, name: UnitName) {
        self.names.retain(|n| n.from != name.from);
        let at = self.names.iter().position(|n| n.from.0 > name.from.0).unwrap_or(self.names.len());
        self.names.insert(at, name);
    }

    /// Every Chinese and English name the unit has had.
    pub fn all_names(&self) -> impl Iterator<Item = (&str, &str)> {
        std::iter::once((self.name_zh.as_str(), self.name_en.as_str()))
            .chain(self.names.iter().map(|n| (n.name_zh.as_str(), n.name_en.as_str())))
    }

    /// Whether the unit exists at some point of the year.
    pub fn exists_in(&self, year: i32) -> bool {
        let starts_by = self.from.0.as_str() <= format!("{year:04}-12-31").as_str();
        let ends_after = self.until.as_ref().is_none_or(|u| u.0.as_str() > format!("{year:04}-01-01").as_str());
        starts_by && ends_after
    }
}

/// One value's history for a (unit, indicator): the submission, then each
/// correction or upheld objection, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueStep {
    /// The record.
    pub seq: u64,
    /// The value from then on.
    pub value: Decimal,
    /// `submitted`, `corrected: <reason>`, `objection upheld: <reasons>`.
    pub how: String,
}

/// A submitted measurement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measurement {
    /// The `measurement_submitted` record.
    pub seq: u64,
    /// Unit.
    pub unit: String,
    /// Indicator.
    pub indicator: String,
    /// Verified by the assessment office (at this record).
    pub verified: Option<u64>,
    /// Sent back (at this record, with this reason).
    pub returned: Option<(u64, String)>,
    /// Evidence given.
    pub evidence: Option<Evidence>,
}

/// An objection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    /// The `objection_filed` record.
    pub seq: u64,
    /// The payload.
    pub filed: ObjectionFiled,
    /// The resolution, once resolved.
    pub resolved: Option<(u64, ObjectionResolved)>,
}

/// A recorded reward or accountability action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The record.
    pub seq: u64,
    /// The id.
    pub id: String,
    /// The unit.
    pub unit: String,
    /// `policy_preference`, `fiscal_reward`, `public_notice`, `admonition_talk`, `accountability`.
    pub kind: String,
    /// Amount of a fiscal reward.
    pub amount: Option<Decimal>,
    /// The stated basis.
    pub basis: String,
    /// Rescinded at this record, with this reason.
    pub rescinded: Option<(u64, String)>,
    /// Rectifications submitted (records).
    pub rectifications: Vec<u64>,
}

/// A data-fraud determination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fraud {
    /// The record.
    pub seq: u64,
    /// The payload.
    pub determination: DataFraudDetermined,
}

/// One assessment period.
#[serde_as]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    /// Id, e.g. `2022`.
    pub id: String,
    /// The `period_opened` record.
    pub opened: u64,
    /// The year assessed.
    pub year: i32,
    /// Units assessed.
    pub units: Vec<String>,
    /// Indicators, as defined when the period opened.
    pub indicators: BTreeMap<String, IndicatorDef>,
    /// The policy.
    pub policy: PolicyRef,
    /// Lifecycle state.
    pub state: PeriodState,
    /// Targets: (unit, indicator) -> (record, payload).
    #[serde_as(as = "Vec<(_, _)>")]
    pub targets: BTreeMap<(String, String), (u64, TargetAssigned)>,
    /// Every submission, by record.
    pub measurements: BTreeMap<u64, Measurement>,
    /// Value histories of the current measurement of each (unit, indicator).
    #[serde_as(as = "Vec<(_, _)>")]
    pub values: BTreeMap<(String, String), Vec<ValueStep>>,
    /// The current (not returned) measurement of each (unit, indicator).
    #[serde_as(as = "Vec<(_, _)>")]
    pub current: BTreeMap<(String, String), u64>,
    /// Objections by id.
    pub objections: BTreeMap<String, Objection>,
    /// Rewards and accountability actions by id.
    pub decisions: BTreeMap<String, Decision>,
    /// Fraud determinations by id.
    pub frauds: BTreeMap<String, Fraud>,
    /// The scores attested at finalisation (computed when it was applied).
    pub finalized_scores: Option<PeriodScores>,
    /// The `scores_published` record, once published (kept after
    /// finalisation: who published is part of every value's provenance).
    pub published: Option<u64>,
    /// When the scores were published: the cut-off of the process component.
    #[serde(default)]
    pub published_at: Option<Timestamp>,
    /// Monitoring rounds by id (`monitoring_round_opened`).
    #[serde(default)]
    pub rounds: BTreeMap<String, crate::process::Round>,
    /// Routine-supervision findings by id (`supervision_*`).
    #[serde(default)]
    pub supervision: BTreeMap<String, crate::process::Supervision>,
}

/// An adopted policy. Stored (in snapshots) as its record and document;
/// the policy is parsed from the document again when read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "AdoptedPolicyDocument", try_from = "AdoptedPolicyDocument")]
pub struct AdoptedPolicy {
    /// The `policy_adopted` record.
    pub seq: u64,
    /// The policy.
    pub policy: Policy,
    /// The document as recorded.
    pub document: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
struct AdoptedPolicyDocument {
    seq: u64,
    document: serde_json::Value,
}

impl From<AdoptedPolicy> for AdoptedPolicyDocument {
    fn from(p: AdoptedPolicy) -> Self {
        AdoptedPolicyDocument { seq: p.seq, document: p.document }
    }
}

impl TryFrom<AdoptedPolicyDocument> for AdoptedPolicy {
    type Error = String;
    fn try_from(d: AdoptedPolicyDocument) -> Result<Self, String> {
        let policy = Policy::from_json(&d.document.to_string()).map_err(|e| e.to_string())?;
        Ok(AdoptedPolicy { seq: d.seq, policy, document: d.document })
    }
}

/// Everything the domain events say, folded. Serialisable as a whole: the
/// snapshots of `ledger-node` store it (deterministically: every map is
/// ordered).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    /// Indicator definitions: id -> (record of the current definition, definition, revisions).
    pub indicators: BTreeMap<String, (u64, IndicatorDef)>,
    /// Units by id.
    pub units: BTreeMap<String, Unit>,
    /// Policies by (id, version).
    #[serde_as(as = "Vec<(_, _)>")]
    pub policies: BTreeMap<(String, u32), AdoptedPolicy>,
    /// Periods by id.
    pub periods: BTreeMap<String, Period>,
    /// Audit findings recorded: (record, payload).
    pub audit_findings: Vec<(u64, AuditFindingRecorded)>,
    /// The time zone adopted, if one was (`time_zone_adopted`).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Keys that speak for one unit: key (hex) -> unit (`unit_key_bound`).
    #[serde(default)]
    pub unit_keys: BTreeMap<String, String>,
    /// The major-project library, by project id (`project_*`).
    #[serde(default)]
    pub projects: BTreeMap<String, crate::library::Project>,
    /// Records that name a person by a salted commitment: record -> its
    /// commitment and, once erased, the `personal_data_redacted` record.
    #[serde(default)]
    pub personal: BTreeMap<u64, PersonalCommitment>,
    /// The plan's policy measures, by id (`measure_*`).
    #[serde(default)]
    pub measures: BTreeMap<String, crate::monitoring::Measure>,
    /// Land-use reports by unit, in ledger order (`land_use_reported`).
    #[serde(default)]
    pub land_use: BTreeMap<String, Vec<(u64, crate::monitoring::LandUseReported)>>,
    /// The time of the latest domain record applied: the ledger's "now",
    /// the same for everyone who replays the same records.
    #[serde(default)]
    pub clock: Option<Timestamp>,
    /// The scores `decide` computed for a `period_finalized`, which its
    /// `apply` needs again on the same state. Not part of the state: never
    /// serialised, compared or cloned.
    #[serde(skip)]
    memo: ScoreMemo,
}

/// The scores of one finalisation between its `decide` and its `apply`:
/// (the event's id, the cut-off they were counted at, the scores). Every
/// `apply` takes it, so it never outlives the decision it came from.
#[derive(Default)]
struct ScoreMemo(std::sync::Mutex<Option<(String, Timestamp, ledger_score::PeriodScores)>>);

impl ScoreMemo {
    fn put(&self, id: &str, cutoff: Timestamp, scores: ledger_score::PeriodScores) {
        if let Ok(mut m) = self.0.lock() {
            *m = Some((id.to_owned(), cutoff, scores));
        }
    }

    fn take(&self) -> Option<(String, Timestamp, ledger_score::PeriodScores)> {
        self.0.lock().ok().and_then(|mut m| m.take())
    }
}

impl Clone for ScoreMemo {
    fn clone(&self) -> Self {
        ScoreMemo::default()
    }
}

impl PartialEq for ScoreMemo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for ScoreMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScoreMemo")
    }
}

/// A person named by a record, as the ledger knows it: only the commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalCommitment {
    /// 64 hex digits.
    pub commitment: String,
    /// The redaction: its record and reason.
    pub redacted: Option<(u64, String)>,
}

pub(crate) fn nonblank(field: &str, s: &str) -> Result<(), String> {
    if s.trim().is_empty() { Err(format!("{field} must not be empty")) } else { Ok(()) }
}

pub(crate) fn id_ok(field: &str, s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
    if ok { Ok(()) } else { Err(format!("{field} {s:?} must be 1-64 characters of [A-Za-z0-9_.-]")) }
}

fn unit_id_ok(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-');
    if ok { Ok(()) } else { Err(format!("unit id {s:?} must match [a-z][a-z0-9_-]* (at most 32)")) }
}

pub(crate) fn evidence_ok(e: &Option<Evidence>) -> Result<(), String> {
    if let Some(e) = e {
        if e.blake3.len() != 64 || !e.blake3.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
            return Err("evidence.blake3 must be the 64 lowercase hex digits of a BLAKE3 hash".into());
        }
        nonblank("evidence.title", &e.title)?;
    }
    Ok(())
}

/// The stream a period's events live in.
pub fn period_stream(period: &str) -> String {
    format!("period/{period}")
}

impl Domain {
    /// The zone the ledger reads dates in: the one adopted, else Asia/Shanghai.
    pub fn zone(&self) -> ledger_core::time::Zone {
        let name = self.time_zone.as_deref().unwrap_or(ledger_core::time::DEFAULT_ZONE);
        ledger_core::time::zone(name)
            .or_else(|_| ledger_core::time::zone(ledger_core::time::DEFAULT_ZONE))
            .unwrap_or(ledger_core::time::Zone::UTC)
    }

    /// The last second of a date in the ledger's zone.
    pub fn end_of(&self, date: &Date) -> Timestamp {
        Timestamp::end_of_date_in(&date.0, &self.zone()).unwrap_or_else(|_| date.end())
    }

    /// The unit a key speaks for, if it is bound to one.
    pub fn unit_of_key(&self, key: &ledger_core::PublicKey) -> Option<&str> {
        self.unit_keys.get(&key.to_hex()).map(String::as_str)
    }

    /// Whether the signer of `env` may speak for the unit it is about: a key
    /// bound to a unit files objections, rectifications and progress reports
    /// for that unit only (the append's mandate check, before `decide`,
    /// which checks the same again so that the replay refuses it too).
    pub fn mandate(&self, env: &Envelope) -> Result<(), String> {
        let about = |field: &str| env.data.get(field).and_then(serde_json::Value::as_str);
        match env.event_type.as_str() {
            "objection_filed" => about("unit").map_or(Ok(()), |u| self.speaks_for(env, u, "objections")),
            "rectification_submitted" => about("unit").map_or(Ok(()), |u| self.speaks_for(env, u, "rectifications")),
            "project_progress_reported" => match about("project").and_then(|p| self.projects.get(p)) {
                Some(p) => self.speaks_for(env, &p.unit, "progress reports"),
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

    /// The period an event's stream names, if it is a period stream.
    fn period_of<'a>(&'a self, env: &Envelope) -> Result<&'a Period, String> {
        let id = env
            .stream
            .strip_prefix("period/")
            .ok_or_else(|| format!("`{}` events belong in a period/<period> stream", env.event_type))?;
        self.periods.get(id).ok_or_else(|| format!("period {id} has not been opened"))
    }

    fn check_value(&self, period: &Period, indicator: &str, v: &Dec, what: &str) -> Result<(), String> {
        let def = period
            .indicators
            .get(indicator)
            .ok_or_else(|| format!("indicator {indicator} is not assessed in period {}", period.id))?;
        def.value_type.check(&v.0).map_err(|e| format!("{what}: {e} (indicator {indicator}, {})", def.name_en))
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

    fn state_is(period: &Period, allowed: &[&str], event_type: &str) -> Result<(), String> {
        let name = match period.state {
            PeriodState::Open => "open",
            PeriodState::Published { .. } => "published",
            PeriodState::Finalized { .. } => "finalized",
        };
        if allowed.contains(&name) {
            return Ok(());
        }
        let hint = match (event_type, name) {
            ("measurement_submitted", "published" | "finalized") => {
                "; values of a published or finalised period change only through a correction, with a reason: `ledger correct` (measurement_corrected)"
            }
            ("reward_granted" | "accountability_action_taken", _) => "; consequences follow a finalised result",
            _ => "",
        };
        Err(format!(
            "period {} is {name}: `{event_type}` is not allowed (allowed when {}){hint}",
            period.id,
            allowed.join(" or ")
        ))
    }

    fn measurement<'a>(&self, period: &'a Period, seq: u64) -> Result<(Option<&'a str>, &'a Measurement), String> {
        crate::process::find_measurement(period, seq)
            .ok_or_else(|| format!("record {seq} is not a measurement_submitted of period {}", period.id))
    }

    /// Decides whether an event may be written now. Changes nothing.
    pub fn decide(&self, env: &Envelope) -> Result<(), String> {
        if env.schema != 1 {
            return Err(format!("`{}` schema {} is not known (latest: 1)", env.event_type, env.schema));
        }
        let t = env.event_type.as_str();
        let d = &env.data;
        match t {
            "indicator_defined" => {
                let def: IndicatorDef = parse(t, d)?;
                self.check_stream(env, "catalog")?;
                id_ok("indicator id", &def.id)?;
                if self.indicators.contains_key(&def.id) {
                    return Err(format!("indicator {} is already defined; use indicator_revised", def.id));
                }
                check_def(&def)
            }
            "indicator_revised" => {
                let r: IndicatorRevised = parse(t, d)?;
                self.check_stream(env, "catalog")?;
                if !self.indicators.contains_key(&r.indicator.id) {
                    return Err(format!("indicator {} is not defined", r.indicator.id));
                }
                nonblank("reason", &r.reason)?;
                check_def(&r.indicator)
            }
            "unit_registered" => {
                let u: UnitRegistered = parse(t, d)?;
                unit_id_ok(&u.unit)?;
                self.check_stream(env, &format!("unit/{}", u.unit))?;
                if self.units.contains_key(&u.unit) {
                    return Err(format!("unit {} is already registered", u.unit));
                }
                nonblank("name_zh", &u.name_zh)?;
                nonblank("name_en", &u.name_en)
            }
            "unit_renamed" => {
                let u: UnitRenamed = parse(t, d)?;
                self.active_unit(env, &u.unit, &u.effective)?;
                nonblank("name_zh", &u.name_zh)?;
                nonblank("name_en", &u.name_en)
            }
            "unit_reclassified" => {
                let u: UnitReclassified = parse(t, d)?;
                let unit = self.active_unit(env, &u.unit, &u.effective)?;
                if unit.kind != u.from {
                    return Err(format!("unit {} is a {:?}, not a {:?}", u.unit, unit.kind, u.from));
                }
                if u.from == u.to {
                    return Err("from and to are the same kind".into());
                }
                Ok(())
            }
            "unit_merged" => {
                let u: UnitMerged = parse(t, d)?;
                self.active_unit(env, &u.unit, &u.effective)?;
                if u.into == u.unit {
                    return Err("a unit cannot merge into itself".into());
                }
                match self.units.get(&u.into) {
                    Some(into) if into.until.is_none() => Ok(()),
                    Some(_) => Err(format!("unit {} no longer exists", u.into)),
                    None => Err(format!("unknown unit {:?}", u.into)),
                }
            }
            "unit_retired" => {
                let u: UnitRetired = parse(t, d)?;
                self.active_unit(env, &u.unit, &u.effective)?;
                nonblank("reason", &u.reason)
            }
            "policy_adopted" => {
                let p: PolicyAdopted = parse(t, d)?;
                let policy = Policy::from_json(&p.policy.to_string()).map_err(|e| format!("policy: {e}"))?;
                self.check_stream(env, &format!("policy/{}", policy.id))?;
                if self.policies.contains_key(&(policy.id.clone(), policy.version)) {
                    return Err(format!(
                        "policy {} version {} is already adopted; adopt a new version",
                        policy.id, policy.version
                    ));
                }
                for ind in policy.referenced_indicators() {
                    if !self.indicators.contains_key(&ind) {
                        return Err(format!("policy refers to indicator {ind}, which is not defined"));
                    }
                }
                Ok(())
            }
            "period_opened" => self.decide_open(env),
            "time_zone_adopted" => {
                let z: TimeZoneAdopted = parse(t, d)?;
                self.check_stream(env, "settings")?;
                if let Some(adopted) = &self.time_zone {
                    return Err(format!("the ledger's time zone is recorded once; it is {adopted}"));
                }
                ledger_core::time::zone(&z.zone).map(|_| ()).map_err(|e| format!("zone: {e}"))
            }
            "unit_key_bound" => {
                let b: UnitKeyBound = parse(t, d)?;
                self.check_stream(env, &format!("unit/{}", b.unit))?;
                if !self.units.contains_key(&b.unit) {
                    return Err(format!("unknown unit {:?}", b.unit));
                }
                let key: ledger_core::PublicKey = b.key.parse().map_err(|e| format!("key: {e}"))?;
                match self.unit_of_key(&key) {
                    Some(u) if u == b.unit => Err(format!("key {} is already bound to unit {u}", key.key_id())),
                    Some(u) => Err(format!(
                        "key {} speaks for unit {u}; a key speaks for one unit (authorise a new key)",
                        key.key_id()
                    )),
                    None => Ok(()),
                }
            }
            "audit_finding_recorded" => {
                let f: AuditFindingRecorded = parse(t, d)?;
                self.check_stream(env, "audit")?;
                id_ok("finding", &f.finding)?;
                nonblank("text", &f.text)?;
                if let Some(p) = &f.period
                    && !self.periods.contains_key(p)
                {
                    return Err(format!("period {p} has not been opened"));
                }
                if let Some(u) = &f.unit
                    && !self.units.contains_key(u)
                {
                    return Err(format!("unknown unit {u:?}"));
                }
                if self.audit_findings.iter().any(|(_, x)| x.finding == f.finding) {
                    return Err(format!("audit finding {} is already recorded", f.finding));
                }
                Ok(())
            }
            "personal_data_redacted" => {
                let x: PersonalDataRedacted = parse(t, d)?;
                self.check_stream(env, crate::personal::STREAM)?;
                match self.personal.get(&x.record) {
                    None => Err(format!(
                        "record: record {} names no person (it holds no personal-data commitment)",
                        x.record
                    )),
                    Some(p) => match &p.redacted {
                        Some((seq, _)) => Err(format!(
                            "record: the personal data of record {} was already redacted (seq {seq})",
                            x.record
                        )),
                        None => nonblank("reason", &x.reason),
                    },
                }
            }
            "measure_registered" | "measure_progress_reported" | "land_use_reported" => self.decide_monitoring(env),
            t if t.starts_with("project_") => self.decide_project(env),
            _ => self.decide_period_event(env),
        }
    }

    fn check_stream(&self, env: &Envelope, expected: &str) -> Result<(), String> {
        if env.stream == expected {
            Ok(())
        } else {
            Err(format!("`{}` events for this belong in stream {expected:?}, not {:?}", env.event_type, env.stream))
        }
    }

    fn active_unit(&self, env: &Envelope, id: &str, effective: &Date) -> Result<&Unit, String> {
        self.check_stream(env, &format!("unit/{id}"))?;
        let unit = self.units.get(id).ok_or_else(|| format!("unknown unit {id:?}"))?;
        if unit.until.is_some() {
            return Err(format!("unit {id} no longer exists"));
        }
        if effective.0 < unit.from.0 {
            return Err(format!("effective date {} is before the unit exists ({})", effective.0, unit.from.0));
        }
        Ok(unit)
    }

    fn decide_open(&self, env: &Envelope) -> Result<(), String> {
        let o: PeriodOpened = parse("period_opened", &env.data)?;
        let id = env.stream.strip_prefix("period/").ok_or("period_opened belongs in a period/<period> stream")?;
        id_ok("period", id)?;
        if self.periods.contains_key(id) {
            return Err(format!("period {id} is already open"));
        }
        if !(1900..=2200).contains(&o.year) {
            return Err(format!("year {} is out of range", o.year));
        }
        if o.units.is_empty() || o.indicators.is_empty() {
            return Err("a period needs units and indicators".into());
        }
        let mut seen = BTreeSet::new();
        for u in &o.units {
            if !seen.insert(u) {
                return Err(format!("unit {u} is listed twice"));
            }
            let unit = self.units.get(u).ok_or_else(|| format!("unknown unit {u:?}"))?;
            if !unit.exists_in(o.year) {
                let when = match &unit.until {
                    Some(until) if until.0 <= format!("{:04}-01-01", o.year) => format!("it ceased on {}", until.0),
                    _ => format!("it is assessed from {}", unit.from.0),
                };
                return Err(format!("unit {u} ({}) did not exist in {}: {when}", unit.name_en, o.year));
            }
        }
        let mut seen = BTreeSet::new();
        for i in &o.indicators {
            if !seen.insert(i) {
                return Err(format!("indicator {i} is listed twice"));
            }
            if !self.indicators.contains_key(i) {
                return Err(format!("unknown indicator {i:?}"));
            }
        }
        let policy = self
            .policies
            .get(&(o.policy.id.clone(), o.policy.version))
            .ok_or_else(|| format!("policy {} version {} has not been adopted", o.policy.id, o.policy.version))?;
        for ind in policy.policy.referenced_indicators() {
            if !o.indicators.contains(&ind) {
                return Err(format!("the policy scores indicator {ind}, which the period does not include"));
            }
        }
        Ok(())
    }

    fn decide_period_event(&self, env: &Envelope) -> Result<(), String> {
        let t = env.event_type.as_str();
        let d = &env.data;
        let period = self.period_of(env)?;
        match t {
            "monitoring_round_opened" | "supervision_recorded" | "supervision_closed" => {
                self.decide_process(env, period)
            }
            "target_assigned" => {
                let x: TargetAssigned = parse(t, d)?;
                Self::state_is(period, &["open"], t)?;
                self.unit_in(period, &x.unit)?;
                self.indicator_in(period, &x.indicator)?;
                self.check_value(period, &x.indicator, &x.target, "target")?;
                if let Some(b) = &x.baseline {
                    self.check_value(period, &x.indicator, b, "baseline")?;
                }
                Ok(())
            }
            "measurement_submitted" => {
                let x: MeasurementSubmitted = parse(t, d)?;
                Self::state_is(period, &["open"], t)?;
                self.unit_in(period, &x.unit)?;
                self.indicator_in(period, &x.indicator)?;
                let def = &period.indicators[&x.indicator];
                if let Some(m) = &x.measure
                    && *m != def.unit
                {
                    return Err(format!(
                        "measure {m:?} does not match indicator {}'s unit of measure {:?}",
                        x.indicator, def.unit
                    ));
                }
                self.check_value(period, &x.indicator, &x.value, "value")?;
                evidence_ok(&x.evidence)?;
                if let Some(round) = &x.round {
                    return self.decide_round_value(period, round, &x.unit, &x.indicator);
                }
                if let Some(seq) = period.current.get(&(x.unit.clone(), x.indicator.clone())) {
                    return Err(format!(
                        "a value for unit {} and indicator {} was already submitted at seq {seq}; change it with `ledger correct --period {} --unit {} --indicator {} --value V --reason TEXT` (a measurement_corrected event)",
                        x.unit, x.indicator, period.id, x.unit, x.indicator
                    ));
                }
                Ok(())
            }
            "measurement_corrected" => {
                let x: MeasurementCorrected = parse(t, d)?;
                let (round, m) = self.measurement(period, x.corrects)?;
                if m.returned.is_some() {
                    return Err(format!("measurement {} was returned; submit a new value instead", x.corrects));
                }
                let current = match round {
                    None => &period.current,
                    Some(r) => &period.rounds[r].current,
                };
                if current.get(&(m.unit.clone(), m.indicator.clone())) != Some(&x.corrects) {
                    return Err(format!(
                        "measurement {} is not the current value of its unit and indicator",
                        x.corrects
                    ));
                }
                nonblank("reason", &x.reason)?;
                evidence_ok(&x.evidence)?;
                self.check_value(period, &m.indicator, &x.value, "value")
            }
            "measurement_verified" => {
                let x: MeasurementVerified = parse(t, d)?;
                Self::state_is(period, &["open", "published"], t)?;
                let (_, m) = self.measurement(period, x.measurement)?;
                if m.returned.is_some() {
                    return Err(format!("measurement {} was returned", x.measurement));
                }
                if let Some(v) = m.verified {
                    return Err(format!("measurement {} was already verified at seq {v}", x.measurement));
                }
                Ok(())
            }
            "measurement_returned" => {
                let x: MeasurementReturned = parse(t, d)?;
                Self::state_is(period, &["open"], t)?;
                let (_, m) = self.measurement(period, x.measurement)?;
                if m.returned.is_some() {
                    return Err(format!("measurement {} was already returned", x.measurement));
                }
                if let Some(v) = m.verified {
                    return Err(format!("measurement {} was verified at seq {v}; correct it instead", x.measurement));
                }
                nonblank("reason", &x.reason)
            }
            "scores_published" => {
                let x: ScoresPublished = parse(t, d)?;
                Self::state_is(period, &["open"], t)?;
                if self.end_of(&x.window_until) < env.time {
                    return Err(format!(
                        "the objection window ends ({}) before the publication ({})",
                        self.end_of(&x.window_until).local(&self.zone()),
                        env.time.local(&self.zone())
                    ));
                }
                self.check_hash(period, &x.projection_hash, "scores_published", Some(env.time)).map(drop)
            }
            "objection_filed" => {
                let x: ObjectionFiled = parse(t, d)?;
                Self::state_is(period, &["published"], t)?;
                if let PeriodState::Published { window_until, .. } = period.state
                    && env.time > window_until
                {
                    return Err(format!(
                        "the objection window of period {} closed at {}; objections are no longer accepted",
                        period.id,
                        window_until.local(&self.zone())
                    ));
                }
                id_ok("objection", &x.objection)?;
                if period.objections.contains_key(&x.objection) {
                    return Err(format!("objection {} is already filed", x.objection));
                }
                self.unit_in(period, &x.unit)?;
                self.speaks_for(env, &x.unit, "objections")?;
                if let Some(i) = &x.indicator {
                    self.indicator_in(period, i)?;
                    if let Some(v) = &x.proposed_value {
                        self.check_value(period, i, v, "proposed_value")?;
                    }
                }
                nonblank("claim", &x.claim)
            }
            "objection_resolved" => {
                let x: ObjectionResolved = parse(t, d)?;
                Self::state_is(period, &["published"], t)?;
                let o = period
                    .objections
                    .get(&x.objection)
                    .ok_or_else(|| format!("no objection {} in period {}", x.objection, period.id))?;
                if let Some((seq, _)) = &o.resolved {
                    return Err(format!("objection {} was already resolved at seq {seq}", x.objection));
                }
                nonblank("reasons", &x.reasons)?;
                match (x.outcome, &o.filed.indicator, &x.corrected_value) {
                    (Outcome::Upheld, Some(i), Some(v)) => self.check_value(period, i, v, "corrected_value"),
                    (Outcome::Upheld, Some(_), None) => {
                        Err("an upheld objection about a value needs corrected_value".into())
                    }
                    (Outcome::Upheld, None, Some(_)) => {
                        Err("corrected_value needs an objection about an indicator".into())
                    }
                    (Outcome::Dismissed, _, Some(_)) => {
                        Err("a dismissed objection changes no value: drop corrected_value".into())
                    }
                    _ => Ok(()),
                }
            }
            "period_finalized" => {
                let x: PeriodFinalized = parse(t, d)?;
                Self::state_is(period, &["published"], t)?;
                if let PeriodState::Published { window_until, .. } = period.state
                    && env.time <= window_until
                {
                    return Err(format!("the objection window is open until {window_until}; finalise after it closes"));
                }
                if let Some(o) = period.objections.values().find(|o| o.resolved.is_none()) {
                    return Err(format!("objection {} (seq {}) is not resolved", o.filed.objection, o.seq));
                }
                let cutoff = crate::process::cutoff(self, period);
                let scores = self.check_hash(period, &x.projection_hash, "period_finalized", Some(cutoff))?;
                self.memo.put(&env.id, cutoff, scores);
                Ok(())
            }
            "reward_granted" => {
                let x: RewardGranted = parse(t, d)?;
                Self::state_is(period, &["finalized"], t)?;
                self.new_decision_id(period, &x.reward)?;
                self.unit_in(period, &x.unit)?;
                nonblank("basis", &x.basis)?;
                match (x.kind, &x.amount) {
                    (RewardKind::FiscalReward, Some(a)) if a.0.is_sign_negative() => {
                        Err("amount must not be negative".into())
                    }
                    // No amount: the rules could not compute one (a missing F3); the audit
                    // compares it with the consequence, whose amount is then null too.
                    (RewardKind::PolicyPreference, Some(_)) => Err("policy preference has no amount".into()),
                    _ => Ok(()),
                }
            }
            "accountability_action_taken" => {
                let x: ActionTaken = parse(t, d)?;
                Self::state_is(period, &["finalized"], t)?;
                self.new_decision_id(period, &x.action)?;
                self.unit_in(period, &x.unit)?;
                if let Some(c) = &x.person
                    && !crate::personal::is_commitment(c)
                {
                    return Err("person: the commitment is 64 lowercase hex digits (never the name itself)".into());
                }
                nonblank("basis", &x.basis)
            }
            "rectification_submitted" => {
                let x: RectificationSubmitted = parse(t, d)?;
                Self::state_is(period, &["finalized"], t)?;
                let a = period
                    .decisions
                    .get(&x.action)
                    .ok_or_else(|| format!("no accountability action {} in period {}", x.action, period.id))?;
                if matches!(a.kind.as_str(), "policy_preference" | "fiscal_reward") {
                    return Err(format!("{} is a reward, not an accountability action", x.action));
                }
                if a.unit != x.unit {
                    return Err(format!("action {} concerns unit {}, not {}", x.action, a.unit, x.unit));
                }
                self.speaks_for(env, &x.unit, "rectifications")?;
                if a.rescinded.is_some() {
                    return Err(format!("action {} was rescinded", x.action));
                }
                nonblank("text", &x.text)
            }
            "action_rescinded" => {
                let x: ActionRescinded = parse(t, d)?;
                Self::state_is(period, &["finalized"], t)?;
                let a = period
                    .decisions
                    .get(&x.target)
                    .ok_or_else(|| format!("no reward or action {} in period {}", x.target, period.id))?;
                if let Some((seq, _)) = &a.rescinded {
                    return Err(format!("{} was already rescinded at seq {seq}", x.target));
                }
                nonblank("reason", &x.reason)
            }
            "data_fraud_determined" => {
                let x: DataFraudDetermined = parse(t, d)?;
                id_ok("determination", &x.determination)?;
                if period.frauds.contains_key(&x.determination) {
                    return Err(format!("determination {} is already recorded", x.determination));
                }
                self.unit_in(period, &x.unit)?;
                for i in &x.indicators {
                    self.indicator_in(period, i)?;
                }
                nonblank("basis", &x.basis)
            }
            other => Err(format!("unknown event type {other:?}")),
        }
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
        if !matches!(env.event_type.as_str(), "scores_published" | "period_finalized") {
            return false;
        }
        let (Ok(period), Some(claimed)) =
            (self.period_of(env), env.data.get("projection_hash").and_then(|h| h.as_str()))
        else {
            return false;
        };
        let cutoff = (env.event_type == "scores_published").then_some(env.time);
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
    ) -> Result<ledger_score::PeriodScores, String> {
        let cutoff = cutoff.unwrap_or_else(|| crate::process::cutoff(self, period));
        let (scores, _) =
            project::score_at(self, period, cutoff).map_err(|e| format!("cannot compute the scores: {e}"))?;
        let actual = hex::encode(ledger_score::projection_hash(&scores));
        if actual != claimed {
            return Err(format!(
                "{what} attests projection hash {claimed}, but the ledger's events give {actual}: the scores attested are not the scores these events imply"
            ));
        }
        Ok(scores)
    }

    /// Applies an event that `decide` accepted. Never fails; an event of a
    /// type it does not know changes nothing.
    pub fn apply(&mut self, record: &Record) {
        let decided = self.memo.take();
        let env = &record.envelope;
        let seq = record.seq;
        let t = env.event_type.as_str();
        let d = &env.data;
        if is_domain_type(t) {
            self.clock = Some(self.clock.map_or(env.time, |c| c.max(env.time)));
        }
        match t {
            "indicator_defined" => {
                if let Ok(def) = parse::<IndicatorDef>(t, d) {
                    self.indicators.insert(def.id.clone(), (seq, def));
                }
            }
            "indicator_revised" => {
                if let Ok(r) = parse::<IndicatorRevised>(t, d) {
                    self.indicators.insert(r.indicator.id.clone(), (seq, r.indicator));
                }
            }
            "unit_registered" => {
                if let Ok(u) = parse::<UnitRegistered>(t, d) {
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
            }
            "unit_renamed" => {
                if let Ok(u) = parse::<UnitRenamed>(t, d)
                    && let Some(unit) = self.units.get_mut(&u.unit)
                {
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
            "unit_reclassified" => {
                if let Ok(u) = parse::<UnitReclassified>(t, d)
                    && let Some(unit) = self.units.get_mut(&u.unit)
                {
                    unit.history.push((seq, u.effective.0.clone(), format!("reclassified {:?} -> {:?}", u.from, u.to)));
                    let now = unit.as_of_date(&u.effective);
                    unit.set_from(UnitName { kind: u.to, from: u.effective, ..now });
                    unit.kind = u.to;
                }
            }
            "unit_merged" => {
                if let Ok(u) = parse::<UnitMerged>(t, d)
                    && let Some(unit) = self.units.get_mut(&u.unit)
                {
                    unit.history.push((seq, u.effective.0.clone(), format!("merged into {}", u.into)));
                    unit.until = Some(u.effective);
                }
            }
            "unit_retired" => {
                if let Ok(u) = parse::<UnitRetired>(t, d)
                    && let Some(unit) = self.units.get_mut(&u.unit)
                {
                    unit.history.push((seq, u.effective.0.clone(), format!("retired: {}", u.reason)));
                    unit.until = Some(u.effective);
                }
            }
            "policy_adopted" => {
                if let Ok(p) = parse::<PolicyAdopted>(t, d)
                    && let Ok(policy) = Policy::from_json(&p.policy.to_string())
                {
                    self.policies
                        .insert((policy.id.clone(), policy.version), AdoptedPolicy { seq, policy, document: p.policy });
                }
            }
            "period_opened" => {
                if let (Ok(o), Some(id)) = (parse::<PeriodOpened>(t, d), env.stream.strip_prefix("period/")) {
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
            "audit_finding_recorded" => {
                if let Ok(f) = parse::<AuditFindingRecorded>(t, d) {
                    self.audit_findings.push((seq, f));
                }
            }
            "time_zone_adopted" => {
                if let Ok(z) = parse::<TimeZoneAdopted>(t, d) {
                    self.time_zone = Some(z.zone);
                }
            }
            "unit_key_bound" => {
                if let Ok(b) = parse::<UnitKeyBound>(t, d) {
                    if let Some(unit) = self.units.get_mut(&b.unit) {
                        unit.history.push((seq, record.envelope.time.date(), format!("key bound: {}", &b.key[..16])));
                    }
                    self.unit_keys.insert(b.key, b.unit);
                }
            }
            "personal_data_redacted" => {
                if let Ok(x) = parse::<PersonalDataRedacted>(t, d)
                    && let Some(p) = self.personal.get_mut(&x.record)
                {
                    p.redacted = Some((seq, x.reason));
                }
            }
            "accountability_action_taken" => {
                if let Ok(ActionTaken { person: Some(commitment), .. }) = parse::<ActionTaken>(t, d) {
                    self.personal.insert(seq, PersonalCommitment { commitment, redacted: None });
                }
                self.apply_period_event(record, None);
            }
            "measure_registered" | "measure_progress_reported" | "land_use_reported" => self.apply_monitoring(record),
            t if t.starts_with("project_") => self.apply_project(record),
            _ => self.apply_period_event(record, decided),
        }
    }

    fn apply_period_event(
        &mut self,
        record: &Record,
        decided: Option<(String, Timestamp, ledger_score::PeriodScores)>,
    ) {
        let env = &record.envelope;
        let (seq, t, d) = (record.seq, env.event_type.as_str(), &env.data);
        let Some(id) = env.stream.strip_prefix("period/") else { return };
        if matches!(t, "monitoring_round_opened" | "supervision_recorded" | "supervision_closed") {
            return self.apply_process(record, id);
        }
        let finalized_scores = if t == "period_finalized" {
            self.periods.get(id).and_then(|p| {
                let cutoff = crate::process::cutoff(self, p);
                match decided {
                    // What `decide` computed for this very event on this state.
                    Some((event, at, scores)) if event == env.id && at == cutoff => Some(scores),
                    _ => project::score_at(self, p, cutoff).ok().map(|(s, _)| s),
                }
            })
        } else {
            None
        };
        let window_end = match t {
            "scores_published" => parse::<ScoresPublished>(t, d).ok().map(|x| self.end_of(&x.window_until)),
            _ => None,
        };
        let Some(period) = self.periods.get_mut(id) else { return };
        match t {
            "target_assigned" => {
                if let Ok(x) = parse::<TargetAssigned>(t, d) {
                    period.targets.insert((x.unit.clone(), x.indicator.clone()), (seq, x));
                }
            }
            "measurement_submitted" => {
                if let Ok(x) = parse::<MeasurementSubmitted>(t, d) {
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
            "measurement_corrected" => {
                if let Ok(x) = parse::<MeasurementCorrected>(t, d)
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
            "measurement_verified" => {
                if let Ok(x) = parse::<MeasurementVerified>(t, d)
                    && let Some(m) = measurement_mut(period, x.measurement)
                {
                    m.verified = Some(seq);
                }
            }
            "measurement_returned" => {
                if let Ok(x) = parse::<MeasurementReturned>(t, d)
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
            "scores_published" => {
                if let Ok(x) = parse::<ScoresPublished>(t, d) {
                    let window_until = window_end.unwrap_or_else(|| x.window_until.end());
                    period.state = PeriodState::Published { seq, window_until };
                    period.published = Some(seq);
                    period.published_at = Some(env.time);
                }
            }
            "objection_filed" => {
                if let Ok(x) = parse::<ObjectionFiled>(t, d) {
                    period.objections.insert(x.objection.clone(), Objection { seq, filed: x, resolved: None });
                }
            }
            "objection_resolved" => {
                if let Ok(x) = parse::<ObjectionResolved>(t, d)
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
            "period_finalized" => {
                if let Ok(x) = parse::<PeriodFinalized>(t, d) {
                    period.state = PeriodState::Finalized { seq, projection_hash: x.projection_hash };
                    period.finalized_scores = finalized_scores;
                }
            }
            "reward_granted" => {
                if let Ok(x) = parse::<RewardGranted>(t, d) {
                    let kind = serde_json::to_value(x.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    period.decisions.insert(
                        x.reward.clone(),
                        Decision {
                            seq,
                            id: x.reward,
                            unit: x.unit,
                            kind,
                            amount: x.amount.map(|a| a.0),
                            basis: x.basis,
                            rescinded: None,
                            rectifications: vec![],
                        },
                    );
                }
            }
            "accountability_action_taken" => {
                if let Ok(x) = parse::<ActionTaken>(t, d) {
                    let kind = serde_json::to_value(x.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    period.decisions.insert(
                        x.action.clone(),
                        Decision {
                            seq,
                            id: x.action,
                            unit: x.unit,
                            kind,
                            amount: None,
                            basis: x.basis,
                            rescinded: None,
                            rectifications: vec![],
                        },
                    );
                }
            }
            "rectification_submitted" => {
                if let Ok(x) = parse::<RectificationSubmitted>(t, d)
                    && let Some(a) = period.decisions.get_mut(&x.action)
                {
                    a.rectifications.push(seq);
                }
            }
            "action_rescinded" => {
                if let Ok(x) = parse::<ActionRescinded>(t, d)
                    && let Some(a) = period.decisions.get_mut(&x.target)
                {
                    a.rescinded = Some((seq, x.reason));
                }
            }
            "data_fraud_determined" => {
                if let Ok(x) = parse::<DataFraudDetermined>(t, d) {
                    period.frauds.insert(x.determination.clone(), Fraud { seq, determination: x });
                }
            }
            _ => {}
        }
    }
}

fn measurement_mut(period: &mut Period, seq: u64) -> Option<&mut Measurement> {
    if period.measurements.contains_key(&seq) {
        return period.measurements.get_mut(&seq);
    }
    period.rounds.values_mut().find_map(|r| r.measurements.get_mut(&seq))
}

fn check_def(def: &IndicatorDef) -> Result<(), String> {
    nonblank("name_zh", &def.name_zh)?;
    nonblank("name_en", &def.name_en)?;
    nonblank("unit", &def.unit)?;
    for (what, p) in [("baseline", &def.baseline), ("target", &def.target)] {
        if let Some(v) = &p.value {
            def.value_type.check(&v.0).map_err(|e| format!("{what}: {e}"))?;
        }
    }
    Ok(())
}

/// The domain as ledger rules: decide, then apply.
impl ledger_core::append::Rules for Domain {
    fn latest_schema(&self, event_type: &str) -> Option<u32> {
        TYPES.iter().any(|(t, _)| *t == event_type && *t != "checkpoint_signed").then_some(1)
    }
    fn mandate(&self, envelope: &Envelope) -> Result<(), String> {
        Domain::mandate(self, envelope)
    }
    fn decide(&self, envelope: &Envelope) -> Result<(), String> {
        Domain::decide(self, envelope)
    }
    fn apply(&mut self, record: &Record) {
        Domain::apply(self, record)
    }
}
