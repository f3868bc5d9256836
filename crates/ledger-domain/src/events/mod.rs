//! The catalogue of domain events: one [`DomainEvent`] variant per event
//! type, each carrying its payload struct, decoded once from the envelope
//! ([`DomainEvent::decode`]) and written by the same struct
//! ([`Payload::submission`]).
//!
//! Each payload struct is defined once, in the file of its area
//! (`registry`, `period`, `process`, `projects`, `measures`, `oversight`),
//! and the table at the end of this file gives it its type name, schema,
//! default roles and stream ([`Payload`]'s associated items, and
//! [`CATALOGUE`]). `Domain::decide` and `Domain::apply` match on
//! [`DomainEvent`] without a catch-all arm, so a new variant does not
//! compile until both handle it. Adding an event type is: its struct, a
//! line of the table, the two arms the compiler asks for, a builder in
//! `ledger-engine` and a subcommand; `tests/catalogue.rs` then checks it
//! against `ledger/roles.json` and `docs/EVENTS.md`.
//!
//! Every payload is schema 1. `docs/EVENTS.md` is the reference for people.

mod measures;
mod oversight;
mod period;
mod process;
mod projects;
mod registry;
mod values;

pub use measures::*;
pub use oversight::*;
pub use period::*;
pub use process::*;
pub use projects::*;
pub use registry::*;
pub use values::*;

use ledger_core::append::{Refusal, Submission};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Where the events of a type live: one stream, or one per key (a unit, a
/// period, a project...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// `catalog`: the indicator definitions.
    Catalog,
    /// `unit/<id>`: a unit's history and its key.
    Unit,
    /// `policy/<id>`: a scoring policy's versions.
    Policy,
    /// `period/<period>`: an assessment period.
    Period,
    /// `audit`: the inspector's findings.
    Audit,
    /// `settings`: the ledger's settings.
    Settings,
    /// `personal-data`: erasures of personal data.
    PersonalData,
    /// `project/<id>`: a major project.
    Project,
    /// `measure/<id>`: a policy measure.
    Measure,
    /// `land/<unit>`: a unit's land use.
    Land,
}

impl Stream {
    /// The stream's name (`catalog`, `settings`), or what comes before the
    /// `/` of a keyed one (`unit`).
    pub const fn name(self) -> &'static str {
        match self {
            Stream::Catalog => "catalog",
            Stream::Unit => "unit",
            Stream::Policy => "policy",
            Stream::Period => "period",
            Stream::Audit => "audit",
            Stream::Settings => "settings",
            Stream::PersonalData => "personal-data",
            Stream::Project => "project",
            Stream::Measure => "measure",
            Stream::Land => "land",
        }
    }

    /// The stream as `docs/EVENTS.md` writes it: `catalog`, `unit/<id>`.
    pub const fn pattern(self) -> &'static str {
        match self {
            Stream::Catalog => "catalog",
            Stream::Unit => "unit/<id>",
            Stream::Policy => "policy/<id>",
            Stream::Period => "period/<period>",
            Stream::Audit => "audit",
            Stream::Settings => "settings",
            Stream::PersonalData => "personal-data",
            Stream::Project => "project/<id>",
            Stream::Measure => "measure/<id>",
            Stream::Land => "land/<unit>",
        }
    }

    /// Whether each key has a stream of its own (`unit/<id>`).
    pub const fn keyed(self) -> bool {
        matches!(
            self,
            Stream::Unit | Stream::Policy | Stream::Period | Stream::Project | Stream::Measure | Stream::Land
        )
    }

    /// The stream of `key` (`unit/lixia`); a stream without keys ignores it.
    pub fn of(self, key: &str) -> String {
        if self.keyed() { format!("{}/{key}", self.name()) } else { self.name().to_owned() }
    }

    /// The key a stream name of this kind holds (`lixia` of `unit/lixia`).
    pub fn key_of(self, stream: &str) -> Option<&str> {
        stream.strip_prefix(self.name())?.strip_prefix('/').filter(|_| self.keyed())
    }
}

/// What the catalogue says of an event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    /// The type name in the envelope, past tense.
    pub name: &'static str,
    /// The latest (and only) payload schema.
    pub schema: u32,
    /// The roles of the default role table (`ledger/roles.json`) that sign
    /// it; the ledger's own role table is what counts.
    pub roles: &'static [&'static str],
    /// Where its events live.
    pub stream: Stream,
}

impl EventType {
    /// The catalogue's entry for a type name.
    pub fn of(name: &str) -> Option<&'static EventType> {
        CATALOGUE.iter().find(|t| t.name == name)
    }

    /// Whether `decide` needs the period its stream names before it reads
    /// the payload: every period event but the one that opens it.
    pub fn needs_period(&self) -> bool {
        self.stream == Stream::Period && self.name != PeriodOpened::TYPE
    }
}

/// A payload of the catalogue, with what the catalogue says of its type.
pub trait Payload: Serialize + DeserializeOwned + Into<DomainEvent> {
    /// The event type name.
    const TYPE: &'static str;
    /// The payload schema.
    const SCHEMA: u32;
    /// The roles of the default role table that sign it.
    const ROLES: &'static [&'static str];
    /// Where its events live.
    const STREAM: Stream;

    /// The payload as an envelope's `data`: optional members left out or
    /// written exactly as the struct's serde attributes say, decimals as
    /// strings.
    fn to_data(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            // Every payload is a struct of strings, integers, decimals
            // written as strings and nested structs: always an object.
            _ => Map::new(),
        }
    }

    /// An event of this payload for `stream`, with event id `id`, at the
    /// latest schema.
    fn submission(&self, stream: &str, id: &str) -> Submission {
        Submission::new(stream, Self::TYPE, Value::Object(self.to_data()), id)
    }
}

/// Decodes a payload, naming the member that is wrong (the refusal's
/// field) and, in the message, the event type.
pub fn parse<T: DeserializeOwned>(event_type: &str, data: &Map<String, Value>) -> Result<T, Refusal> {
    serde_path_to_error::deserialize(data).map_err(|e| {
        let path = e.path().to_string();
        let reason = e.inner().to_string();
        let refusal = if path.is_empty() || path == "." { Refusal::new(reason) } else { Refusal::at(path, reason) };
        refusal.context(event_type)
    })
}

/// A member of a payload given as text (a kind, a date), checked as
/// decoding checks it: refused with the words a payload holding it would
/// be refused with (`reward_granted: kind: unknown variant ...`).
pub fn member<T: DeserializeOwned>(event_type: &str, field: &str, text: &str) -> Result<T, Refusal> {
    T::deserialize(Value::String(text.to_owned())).map_err(|e| Refusal::at(field, e.to_string()).context(event_type))
}

/// Whether the domain folds events of this type (the catalogue's types).
pub fn is_domain_type(event_type: &str) -> bool {
    EventType::of(event_type).is_some()
}

/// Every domain event type name, in the catalogue's order.
pub fn domain_types() -> impl Iterator<Item = &'static str> {
    CATALOGUE.iter().map(|t| t.name)
}

macro_rules! catalogue {
    ($(
        $(#[$doc:meta])*
        $variant:ident($payload:ident) = $name:literal, schema $schema:literal, $stream:ident, [$($role:literal),+];
    )+) => {
        /// One domain event: its type and its payload, decoded.
        #[derive(Debug, Clone, PartialEq)]
        pub enum DomainEvent {
            $( $(#[$doc])* $variant($payload), )+
        }

        $(
            impl Payload for $payload {
                const TYPE: &'static str = $name;
                const SCHEMA: u32 = $schema;
                const ROLES: &'static [&'static str] = &[$($role),+];
                const STREAM: Stream = Stream::$stream;
            }

            impl From<$payload> for DomainEvent {
                fn from(payload: $payload) -> DomainEvent {
                    DomainEvent::$variant(payload)
                }
            }
        )+

        /// Every domain event type, in the order of `docs/EVENTS.md`'s
        /// table of roles. (`checkpoint_signed` is the log's, in
        /// `ledger-tlog`; the governance types and `note` are the kernel's.)
        pub const CATALOGUE: &[EventType] = &[
            $( EventType { name: $name, schema: $schema, roles: &[$($role),+], stream: Stream::$stream }, )+
        ];

        impl DomainEvent {
            /// Decodes the payload of an event of type `event_type`: the
            /// one decoding of it that `decide` and `apply` share.
            pub fn decode(event_type: &str, data: &Map<String, Value>) -> Result<DomainEvent, Refusal> {
                match event_type {
                    $( $name => parse::<$payload>(event_type, data).map(DomainEvent::$variant), )+
                    other => Err(Refusal::new(format!("unknown event type {other:?}"))),
                }
            }

            /// Its type name.
            pub fn event_type(&self) -> &'static str {
                match self {
                    $( DomainEvent::$variant(_) => $name, )+
                }
            }

            /// What the catalogue says of its type.
            pub fn kind(&self) -> &'static EventType {
                match self {
                    $( DomainEvent::$variant(_) => &EventType { name: $name, schema: $schema, roles: &[$($role),+], stream: Stream::$stream }, )+
                }
            }

            /// The payload as an envelope's `data`.
            pub fn to_data(&self) -> Map<String, Value> {
                match self {
                    $( DomainEvent::$variant(p) => p.to_data(), )+
                }
            }
        }
    };
}

catalogue! {
    /// `indicator_defined`: an indicator of the catalog.
    IndicatorDefined(IndicatorDef) = "indicator_defined", schema 1, Catalog, ["authority"];
    /// `indicator_revised`: a new definition of an indicator.
    IndicatorRevised(IndicatorRevised) = "indicator_revised", schema 1, Catalog, ["authority"];
    /// `unit_registered`: an assessed unit comes into being.
    UnitRegistered(UnitRegistered) = "unit_registered", schema 1, Unit, ["authority"];
    /// `unit_renamed`.
    UnitRenamed(UnitRenamed) = "unit_renamed", schema 1, Unit, ["authority"];
    /// `unit_reclassified` (a county becomes a district).
    UnitReclassified(UnitReclassified) = "unit_reclassified", schema 1, Unit, ["authority"];
    /// `unit_merged`: the unit ceases, merged into another.
    UnitMerged(UnitMerged) = "unit_merged", schema 1, Unit, ["authority"];
    /// `unit_retired`: the unit is no longer assessed.
    UnitRetired(UnitRetired) = "unit_retired", schema 1, Unit, ["authority"];
    /// `policy_adopted`: a scoring policy.
    PolicyAdopted(PolicyAdopted) = "policy_adopted", schema 1, Policy, ["authority"];
    /// `period_opened`.
    PeriodOpened(PeriodOpened) = "period_opened", schema 1, Period, ["authority"];
    /// `target_assigned`.
    TargetAssigned(TargetAssigned) = "target_assigned", schema 1, Period, ["authority"];
    /// `measurement_submitted`: an annual value, or an in-year one of a round.
    MeasurementSubmitted(MeasurementSubmitted) = "measurement_submitted", schema 1, Period, ["statistics"];
    /// `measurement_corrected`.
    MeasurementCorrected(MeasurementCorrected) = "measurement_corrected", schema 1, Period, ["statistics"];
    /// `measurement_verified`.
    MeasurementVerified(MeasurementVerified) = "measurement_verified", schema 1, Period, ["assessment"];
    /// `measurement_returned`.
    MeasurementReturned(MeasurementReturned) = "measurement_returned", schema 1, Period, ["assessment"];
    /// `scores_published`: the objection window opens.
    ScoresPublished(ScoresPublished) = "scores_published", schema 1, Period, ["assessment"];
    /// `objection_filed`.
    ObjectionFiled(ObjectionFiled) = "objection_filed", schema 1, Period, ["unit", "inspector"];
    /// `objection_resolved`.
    ObjectionResolved(ObjectionResolved) = "objection_resolved", schema 1, Period, ["assessment"];
    /// `period_finalized`: the result attested.
    PeriodFinalized(PeriodFinalized) = "period_finalized", schema 1, Period, ["assessment"];
    /// `reward_granted`.
    RewardGranted(RewardGranted) = "reward_granted", schema 1, Period, ["authority"];
    /// `accountability_action_taken`.
    AccountabilityActionTaken(ActionTaken) = "accountability_action_taken", schema 1, Period, ["authority"];
    /// `rectification_submitted`.
    RectificationSubmitted(RectificationSubmitted) = "rectification_submitted", schema 1, Period, ["unit"];
    /// `action_rescinded`: a reward or an action withdrawn.
    ActionRescinded(ActionRescinded) = "action_rescinded", schema 1, Period, ["authority"];
    /// `data_fraud_determined`: a unit's result is void.
    DataFraudDetermined(DataFraudDetermined) = "data_fraud_determined", schema 1, Period, ["authority"];
    /// `audit_finding_recorded`.
    AuditFindingRecorded(AuditFindingRecorded) = "audit_finding_recorded", schema 1, Audit, ["inspector"];
    /// `time_zone_adopted`: the zone the ledger reads dates in.
    TimeZoneAdopted(TimeZoneAdopted) = "time_zone_adopted", schema 1, Settings, ["authority"];
    /// `unit_key_bound`: a key speaks for one unit.
    UnitKeyBound(UnitKeyBound) = "unit_key_bound", schema 1, Unit, ["authority"];
    /// `project_registered`: a major project enters the reserve library.
    ProjectRegistered(ProjectRegistered) = "project_registered", schema 1, Project, ["projects"];
    /// `project_promoted`: a move to the next stage, or a demotion.
    ProjectPromoted(ProjectPromoted) = "project_promoted", schema 1, Project, ["projects"];
    /// `project_progress_reported`.
    ProjectProgressReported(ProjectProgressReported) = "project_progress_reported", schema 1, Project, ["unit", "projects"];
    /// `project_completed`.
    ProjectCompleted(ProjectCompleted) = "project_completed", schema 1, Project, ["projects"];
    /// `project_evaluated`.
    ProjectEvaluated(ProjectEvaluated) = "project_evaluated", schema 1, Project, ["assessment"];
    /// `personal_data_redacted`: the details behind a commitment erased.
    PersonalDataRedacted(PersonalDataRedacted) = "personal_data_redacted", schema 1, PersonalData, ["authority"];
    /// `measure_registered`: a policy measure of the plan.
    MeasureRegistered(MeasureRegistered) = "measure_registered", schema 1, Measure, ["authority"];
    /// `measure_progress_reported`.
    MeasureProgressReported(MeasureProgressReported) = "measure_progress_reported", schema 1, Measure, ["projects"];
    /// `land_use_reported`.
    LandUseReported(LandUseReported) = "land_use_reported", schema 1, Land, ["statistics"];
    /// `monitoring_round_opened`: an in-year round of a period.
    MonitoringRoundOpened(MonitoringRoundOpened) = "monitoring_round_opened", schema 1, Period, ["assessment"];
    /// `supervision_recorded`: a routine-supervision finding.
    SupervisionRecorded(SupervisionRecorded) = "supervision_recorded", schema 1, Period, ["assessment", "inspector"];
    /// `supervision_closed`.
    SupervisionClosed(SupervisionClosed) = "supervision_closed", schema 1, Period, ["assessment", "inspector"];
}
