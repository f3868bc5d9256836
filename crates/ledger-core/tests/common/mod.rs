//! Shared helpers for the kernel's tests: deterministic keys, times and
//! small ledgers built in memory.

#![allow(clippy::unwrap_used, dead_code)]

use ledger_core::append::{AppendError, MemoryLedger, Outcome, Refusal, Rules, Submission};
use ledger_core::authority::RoleTable;
use ledger_core::{Envelope, Record, SigningKey, Timestamp};
use ledger_testkit::GenesisKit;
pub use ledger_testkit::key;
use serde_json::json;

pub fn t(seconds: i64) -> Timestamp {
    "2026-01-01T00:00:00Z".parse::<Timestamp>().unwrap().plus_seconds(seconds)
}

/// Rules that know two domain-like types and check nothing else.
pub struct TestRules;

impl Rules for TestRules {
    type Decision = ();
    fn latest_schema(&self, t: &str) -> Option<u32> {
        ["measurement_submitted", "scores_published"].contains(&t).then_some(1)
    }
    fn decide(&self, _: &Envelope) -> Result<(), Refusal> {
        Ok(())
    }
    fn apply(&mut self, _: &Record, _: ()) {}
}

pub fn roles() -> RoleTable {
    ledger_testkit::roles(&[("statistics", &["measurement_submitted"]), ("assessment", &["scores_published"])])
}

/// A ledger whose roots are `roots` (the first is genesis' author).
pub fn ledger_with_roots(roots: &[&SigningKey], threshold: u32) -> MemoryLedger {
    let kit =
        GenesisKit { origin: "test.example/ledger", roots: roots.to_vec(), threshold, roles: roles(), holder: "City" };
    MemoryLedger::new(kit.record(t(0)))
}

pub fn ledger() -> MemoryLedger {
    ledger_with_roots(&[&key(1)], 1)
}

pub fn note(stream: &str, text: &str, id: &str) -> Submission {
    Submission::new(stream, "note", json!({ "text": text }), id)
}

pub fn measurement(id: &str) -> Submission {
    Submission::new("period/2022", "measurement_submitted", json!({"unit": "lixia", "value": "1.5"}), id)
}

pub fn add(
    l: &mut MemoryLedger,
    sub: Submission,
    author: &SigningKey,
    at: i64,
) -> Result<Outcome, AppendError<std::convert::Infallible>> {
    add_cosigned(l, sub, author, &[], at)
}

pub fn add_cosigned(
    l: &mut MemoryLedger,
    sub: Submission,
    author: &SigningKey,
    cosigners: &[&SigningKey],
    at: i64,
) -> Result<Outcome, AppendError<std::convert::Infallible>> {
    l.append(vec![sub], author, cosigners, t(at), &mut TestRules).map(|mut o| o.remove(0))
}

pub fn authorize(l: &mut MemoryLedger, root: &SigningKey, office: &SigningKey, roles: &[&str], at: i64) {
    let sub = Submission::new(
        "ledger",
        "key_authorized",
        json!({"key": ledger_core::PublicKey::from(office).to_hex(), "holder": "Statistics Bureau", "roles": roles}),
        &format!("auth-{at}"),
    );
    add(l, sub, root, at).unwrap();
}

/// A small ledger with several streams and an office key.
pub fn sample() -> MemoryLedger {
    let mut l = ledger();
    authorize(&mut l, &key(1), &key(2), &["statistics"], 1);
    add(&mut l, note("notes", "one", "n1"), &key(1), 2).unwrap();
    add(&mut l, measurement("m1"), &key(2), 3).unwrap();
    add(&mut l, note("notes", "two", "n2"), &key(2), 4).unwrap();
    add(&mut l, measurement("m2"), &key(2), 5).unwrap();
    add(&mut l, note("other", "three", "n3"), &key(1), 6).unwrap();
    l
}
