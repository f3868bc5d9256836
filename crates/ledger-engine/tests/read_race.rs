//! A read whose snapshot began before another process appended and
//! verified newer records: this machine's last verified point is then ahead
//! of what the read sees. That is not a ledger that lost records; the read
//! must answer from a snapshot that holds them (a false "records were
//! removed" was seen under load, `tests/concurrency.rs`).

#![allow(clippy::unwrap_used)]

use ledger_core::append::Submission;
use ledger_domain::AsOf;
use ledger_engine::local::Cache;
use ledger_engine::{Ledger, Signer};

#[test]
fn a_reader_behind_this_machines_verified_point_reads_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache"));
    let demo = dir.path().join("demo");
    ledger_engine::demo::build(&demo, cache.clone()).unwrap();
    let db = demo.join("ledger.db");
    let key = ledger_keyfile::read_private(&demo.join("keys/statistics.key")).unwrap();

    // A writer holds the file open (so a reader takes a read snapshot), the
    // reader's snapshot begins, then the writer appends and verifies.
    let mut writer = Ledger::open(&db, cache.clone()).unwrap();
    writer.verify(Default::default()).unwrap();
    let mut reader = Ledger::open_read_only(&db, cache.clone()).unwrap();
    let before = reader.record_count().unwrap();
    let line = r#"{"stream":"notes","type":"note","data":{"text":"月报已报送"}}"#;
    let sub = Submission::from_json(line, ledger_engine::fresh_id).unwrap();
    writer.append(&[(1, sub)], Signer::new(&key), ledger_core::Timestamp::now()).unwrap();
    let verified = writer.verify(Default::default()).unwrap();
    assert!(verified.report.ok());
    assert_eq!(reader.record_count().unwrap(), before, "the reader's snapshot predates the append");

    let view = reader.view(AsOf::End).unwrap();
    assert!(view.checked.ok, "{:?}", view.checked.findings);
    assert_eq!(view.checked.records, before + 1, "answered from a snapshot holding the new record");
}

/// The same for `verify`: a verification whose snapshot predates another
/// process's append and verification is no rollback, and it does not move
/// this machine's memory back to its older head.
#[test]
fn a_verification_behind_this_machines_verified_point_is_no_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache"));
    let demo = dir.path().join("demo");
    ledger_engine::demo::build(&demo, cache.clone()).unwrap();
    let db = demo.join("ledger.db");
    let key = ledger_keyfile::read_private(&demo.join("keys/statistics.key")).unwrap();
    let mut writer = Ledger::open(&db, cache.clone()).unwrap();
    writer.verify(Default::default()).unwrap();
    let mut reader = Ledger::open_read_only(&db, cache.clone()).unwrap();
    let before = reader.record_count().unwrap();
    let line = r#"{"stream":"notes","type":"note","data":{"text":"beside a verification"}}"#;
    let sub = Submission::from_json(line, ledger_engine::fresh_id).unwrap();
    writer.append(&[(1, sub)], Signer::new(&key), ledger_core::Timestamp::now()).unwrap();
    assert!(writer.verify(Default::default()).unwrap().report.ok());
    assert_eq!(reader.record_count().unwrap(), before, "the reader's snapshot predates the append");

    let behind = reader.verify(Default::default()).unwrap();
    assert!(behind.report.ok(), "{:?}", behind.report.findings);
    // The memory still holds the newer point: a read starts from it.
    drop((writer, reader));
    let mut again = Ledger::open_read_only(&db, cache.clone()).unwrap();
    let view = again.view(AsOf::End).unwrap();
    assert!(view.checked.ok, "{:?}", view.checked.findings);
    assert_eq!(
        view.checked.method,
        ledger_engine::view::Method::Incremental { since: before },
        "the memory moved back"
    );
}
