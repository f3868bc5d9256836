//! The assessment domain of the ledger: what the plan's assessment is made
//! of, and the rules every event must pass.
//!
//! * [`events`]: the catalogue of event types: one [`DomainEvent`]
//!   variant per type, each with its payload struct (schema 1), its type
//!   name, default roles and stream, decoded once from the envelope;
//! * [`state`]: the folded state (catalog, units and their history,
//!   policies, periods);
//! * [`rules`]: `decide` (may refuse with a typed [`Refusal`], changes
//!   nothing, returns what `apply` needs) and `apply` (cannot fail), two
//!   exhaustive matches over [`DomainEvent`]: decide, then apply;
//! * [`replay`]: folding verified records into the state, with as-of
//!   positions and catch-up, returning anomalies rather than failing;
//! * [`projects`]: the major-project library (reserve, preparatory,
//!   construction; progress, completion, evaluation) and its projection hash;
//! * [`monitoring`]: the plan's monitoring of its policy measures and land
//!   use, reported each period, with its projection hash;
//! * [`process`]: process assessment through the year: monitoring
//!   rounds with in-year values, routine-supervision findings, and the
//!   counts the process component of the score is made of;
//! * [`personal`]: the salted commitments that name officials, whose
//!   details live outside the records and can be erased;
//! * [`scoring`]: a period's scoring input and scores (through
//!   `ledger-score`); [`audit`]: recorded rewards and sanctions against
//!   what the rules imply.
//!
//! Non-features: no I/O, no signing, no SQL; the kernel (`ledger-core`)
//! decides who may sign what, this crate decides what makes sense.
//!
//! # Example
//!
//! ```
//! use ledger_domain::events::{DomainEvent, Payload, TimeZoneAdopted};
//!
//! let payload = TimeZoneAdopted { zone: "Asia/Shanghai".into() };
//! let data = payload.to_data();
//! let decoded = DomainEvent::decode(TimeZoneAdopted::TYPE, &data).unwrap();
//! assert_eq!(decoded, DomainEvent::TimeZoneAdopted(payload));
//! assert_eq!(decoded.kind().roles, ["authority"]);
//!
//! let refused = DomainEvent::decode("time_zone_adopted", &serde_json::Map::new()).unwrap_err();
//! assert_eq!(refused.to_string(), "time_zone_adopted: missing field `zone`");
//! ```

#![forbid(unsafe_code)]

pub mod audit;
pub mod defaults;
pub mod demo;
pub mod events;
pub mod monitoring;
pub mod personal;
pub mod process;
pub mod projects;
pub mod replay;
pub mod rules;
pub mod scoring;
pub mod state;

/// The project library under its former module name, for callers not yet
/// moved to [`projects`].
pub use projects as library;

pub use events::DomainEvent;
pub use ledger_core::append::Refusal;
pub use replay::{Anomaly, AsOf, Replay};
pub use rules::Decided;
pub use state::Domain;
