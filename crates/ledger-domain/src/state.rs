//! The domain state: what the events say, folded (`Domain`), and the
//! small queries on it. The rules that decide whether an event may be
//! written and how a written one changes the state are in
//! [`crate::rules`].
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
use ledger_core::Timestamp;
use ledger_core::append::Refusal;
use ledger_score::{PeriodScores, Policy};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_with::serde_as;
use std::collections::BTreeMap;

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

    pub(crate) fn as_of_date(&self, date: &Date) -> UnitName {
        self.names.iter().rev().find(|n| n.from.0 <= date.0).cloned().unwrap_or_else(|| UnitName {
            from: self.from.clone(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            kind: self.kind,
        })
    }

    /// Records names or a kind from a date on (a later change on the same
    /// day replaces the earlier one).
    pub(crate) fn set_from(&mut self, name: UnitName) {
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
/// snapshots of `ledger-engine` store it (deterministically: every map is
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
    pub projects: BTreeMap<String, crate::projects::Project>,
    /// Records that name a person by a salted commitment: record -> its
    /// commitment and, once erased, the `personal_data_redacted` record.
    #[serde(default)]
    pub personal: BTreeMap<u64, PersonalCommitment>,
    /// The plan's policy measures, by id (`measure_*`).
    #[serde(default)]
    pub measures: BTreeMap<String, crate::monitoring::Measure>,
    /// Land-use reports by unit, in ledger order (`land_use_reported`).
    #[serde(default)]
    pub land_use: BTreeMap<String, Vec<(u64, crate::monitoring::LandUse)>>,
    /// The time of the latest domain record applied: the ledger's "now",
    /// the same for everyone who replays the same records.
    #[serde(default)]
    pub clock: Option<Timestamp>,
}

/// A person named by a record, as the ledger knows it: only the commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalCommitment {
    /// 64 hex digits.
    pub commitment: String,
    /// The redaction: its record and reason.
    pub redacted: Option<(u64, String)>,
}

/// Refuses a blank string: "`field` must not be empty".
pub(crate) fn nonblank(field: &str, s: &str) -> Result<(), Refusal> {
    if s.trim().is_empty() { Err(Refusal::about(field, format!("{field} must not be empty"))) } else { Ok(()) }
}

/// Checks an id: 1-64 characters of `[A-Za-z0-9_.-]`; the message names it `label`.
pub(crate) fn id_ok(label: &str, s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
    if ok { Ok(()) } else { Err(format!("{label} {s:?} must be 1-64 characters of [A-Za-z0-9_.-]")) }
}

/// Turns a message that names the payload member `field` in its own words
/// into a refusal about that member.
pub(crate) fn about(field: &str) -> impl FnOnce(String) -> Refusal + '_ {
    move |reason| Refusal::about(field, reason)
}

pub(crate) fn unit_id_ok(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-');
    if ok { Ok(()) } else { Err(format!("unit id {s:?} must match [a-z][a-z0-9_-]* (at most 32)")) }
}

/// Checks evidence, if given: a BLAKE3 hash and a title.
pub(crate) fn evidence_ok(e: Option<&Evidence>) -> Result<(), Refusal> {
    if let Some(e) = e {
        if e.blake3.len() != 64 || !e.blake3.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(Refusal::about(
                "evidence.blake3",
                "evidence.blake3 must be the 64 lowercase hex digits of a BLAKE3 hash",
            ));
        }
        nonblank("evidence.title", &e.title)?;
    }
    Ok(())
}

/// The stream a period's events live in.
pub fn period_stream(period: &str) -> String {
    Stream::Period.of(period)
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
}
