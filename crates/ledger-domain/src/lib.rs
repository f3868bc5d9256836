//! The assessment domain of the ledger: what the plan's assessment is made
//! of, and the rules every event must pass.
//!
//! * [`events`]: the event types (past tense, schema 1) and their payloads;
//! * [`state`]: the folded state (catalog, units and their history,
//!   policies, periods) with `decide` (may refuse, changes nothing) and
//!   `apply` (cannot fail): decide, then apply;
//! * [`replay`]: folding verified records into the state, with as-of
//!   positions and catch-up, returning anomalies rather than failing;
//! * [`library`]: the major-project library (reserve, preparatory,
//!   construction; progress, completion, evaluation) and its projection hash;
//! * [`monitoring`]: the plan's policy measures and land use, reported
//!   each period, with their projection hash;
//! * [`process`]: process assessment through the year: monitoring
//!   rounds with in-year values, routine-supervision findings, and the
//!   counts the process component of the score is made of;
//! * [`personal`]: the salted commitments that name officials, whose
//!   details live outside the records and can be erased;
//! * [`project`]: a period's scoring input and scores (through
//!   `ledger-score`) and the audit of recorded rewards and sanctions.
//!
//! Non-features: no I/O, no signing, no SQL; the kernel (`ledger-core`)
//! decides who may sign what, this crate decides what makes sense.

#![forbid(unsafe_code)]

pub mod defaults;
pub mod demo;
pub mod events;
pub mod library;
pub mod monitoring;
pub mod personal;
pub mod process;
pub mod project;
pub mod replay;
pub mod state;

pub use replay::{Anomaly, AsOf, Replay};
pub use state::Domain;
