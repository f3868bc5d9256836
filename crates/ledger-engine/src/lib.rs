//! The assessment ledger as an application.

#![forbid(unsafe_code)]

pub mod attest;
pub mod csv;
pub mod demo;
mod error;
pub mod files;
pub mod governance;
mod ledger;
pub mod local;
pub mod monitoring;
pub mod names;
pub mod office;
pub mod personal;
pub mod progress;
pub mod projects;
pub mod query;
pub mod remedy;
pub mod sign;
pub mod snapshot;
pub mod tiles;
pub mod tlog;
pub mod verify;
pub mod view;

pub use error::{Error, RuleRefusal};
pub use ledger::{Appended, Batched, Clock, Ledger, MAX_BATCH, PersonalOp, Signer};
pub use remedy::{Actor, Form, Input, Known, Prerequisite, Remedy};

/// The version of the record format this build writes and verifies
/// (`docs/FORMAT.md`, "version 1"), shown by `ledger --version`.
pub const FORMAT_VERSION: u32 = 1;

/// The version of the SQLite schema (`PRAGMA user_version`) this build
/// reads and writes, shown by `ledger --version`.
pub const STORE_SCHEMA_VERSION: i32 = ledger_store::SCHEMA_VERSION;

/// Whether work handed to rayon's pool runs beside this thread: the
/// pipelines of verification and append send a chunk to the pool and wait
/// for it here, which on a pool thread could wait for itself (a pool of
/// one). There, and on a machine of one core, they do the work in place.
pub(crate) fn pool_can_help() -> bool {
    rayon::current_thread_index().is_none() && rayon::current_num_threads() > 1
}

/// A fresh event id: 48 bits of milliseconds since 1970, then 80 random
/// bits, as 32 hex digits. Time-ordered ids go to the right edge of the
/// unique index, so appends stay fast as the ledger grows (random ids dirty
/// a random index page per insert; see docs/BENCHMARKS.md).
pub fn fresh_id() -> String {
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&(millis as u64).to_be_bytes()[2..]);
    // The OS random source does not fail on supported systems; if it ever
    // does, the nanoseconds keep ids distinct in practice.
    if getrandom::fill(&mut b[6..]).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        b[6..].copy_from_slice(&nanos.to_be_bytes()[6..]);
    }
    hex::encode(b)
}
