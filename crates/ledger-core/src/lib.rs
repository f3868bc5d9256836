//! The assessment ledger's kernel: everything about a ledger that can be
//! decided without touching a disk.
//!
//! * [`canonical`]: canonical JSON, the one byte string of every value;
//! * [`crypto`]: record hashes (BLAKE3), keys and signatures (Ed25519,
//!   `verify_strict`), with their domain-separation strings;
//! * [`record`]: envelopes (what an author signs) and records (what is
//!   chained and stored);
//! * [`authority`]: who may sign what, event-sourced from the governance
//!   stream;
//! * [`append`]: deciding what an append writes (expected versions,
//!   idempotent event ids, rules, authority);
//! * [`verify`]: checking a whole ledger and reporting every failure.
//!
//! Non-features: no SQL, no files, no clock, no randomness; callers pass in
//! records, times and keys. The byte formats are specified in
//! `docs/FORMAT.md`, which is the contract for independent verifiers.
//!
//! # Example
//!
//! ```
//! use ledger_core::{append, authority::{Genesis, RootKey}, verify, Timestamp};
//! use ed25519_dalek::SigningKey;
//!
//! let root = SigningKey::from_bytes(&[1u8; 32]);
//! let genesis = Genesis {
//!     roots: vec![RootKey { key: (&root).into(), holder: "City".into() }],
//!     threshold: 1,
//!     roles: Default::default(),
//! };
//! let time: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
//! let record = append::genesis("example.org/ledger", &genesis, &root, &[], time, "genesis".into()).unwrap();
//! let report = verify::verify_all(&[record.to_raw()], Default::default());
//! assert!(report.ok());
//! ```

#![forbid(unsafe_code)]

pub mod append;
pub mod authority;
pub mod canonical;
pub mod crypto;
pub mod record;
pub mod time;
pub mod verify;

pub use crypto::{Hash, KeyId, PublicKey};
pub use ed25519_dalek::SigningKey;
pub use record::{Envelope, RawRecord, Record};
pub use time::Timestamp;
