//! The engine's edges, in process (no binary): what this machine verified
//! is evidence against a restored backup, and an event dated past the
//! appending machine's clock is refused with the ledger unchanged; a
//! batch decided whole names every refused line, and a check writes nothing.

#![allow(clippy::unwrap_used)]

use ledger_core::verify::Options;
use ledger_engine::{Clock, Error, Signer};
use ledger_testkit::{DiskLedger, at, note};

const ORIGIN: &str = "test.example/edges";

fn verify_ok(l: &mut ledger_engine::Ledger) -> u64 {
    let v = l.verify(Options::default()).unwrap();
    assert!(v.report.ok(), "{:?}", v.report.findings);
    v.report.records
}

/// Closes the kit's own handle on the file (tests reopen it as needed).
fn close(d: &mut DiskLedger) {
    let elsewhere = ledger_engine::local::Cache::disabled();
    let spare = d.dir.path().join("spare.db");
    std::fs::copy(d.path(), &spare).unwrap();
    drop(std::mem::replace(&mut d.ledger, ledger_engine::Ledger::open(&spare, elsewhere).unwrap()));
}

#[test]
fn a_restored_backup_fails_verification_until_the_memory_is_forgotten() {
    let mut d = DiskLedger::new(ORIGIN, at("2026-01-01"));
    let office = d.office.clone();
    d.ledger.append(&[(1, note("notes", "one", "n1"))], Signer::new(&office), at("2026-01-02")).unwrap();
    assert_eq!(verify_ok(&mut d.ledger), 3);
    // A backup taken the usual way: the file copied while no one has it open.
    close(&mut d);
    let backup = d.dir.path().join("backup.db");
    std::fs::copy(d.path(), &backup).unwrap();

    let mut l = d.reopen();
    l.append(&[(1, note("notes", "two", "n2"))], Signer::new(&office), at("2026-01-03")).unwrap();
    assert_eq!(verify_ok(&mut l), 4);
    drop(l);

    // The backup comes back in place of the file.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", d.path().display()));
    }
    std::fs::copy(&backup, d.path()).unwrap();
    for _ in 0..2 {
        let mut l = d.reopen();
        let v = l.verify(Options::default()).unwrap();
        assert!(!v.report.ok() && v.against_memory, "a rollback verified: {:?}", v.report.findings);
        assert!(v.report.findings.iter().any(|f| f.message.contains("removed")), "{:?}", v.report.findings);
    }

    // Accepting the other history is an explicit act, which says what it forgets.
    let forgotten = d.cache().forget(&d.path(), ORIGIN).unwrap().expect("something was remembered");
    assert_eq!(forgotten.verified.as_ref().map(|v| v.seq), Some(3));
    assert_eq!(verify_ok(&mut d.reopen()), 3);
}

#[test]
fn an_event_dated_past_the_clock_bound_is_refused_and_the_ledger_unchanged() {
    let now = at("2026-06-01T08:00:00Z");
    let mut d = DiskLedger::new(ORIGIN, at("2026-01-01"));
    let office = d.office.clone();
    d.ledger.set_clock(Clock { fixed: Some(now), max_skew: 300 });
    let before = d.ledger.record_count().unwrap();

    let next_year = now.plus_seconds(365 * 86_400);
    let refused = d.ledger.append(&[(1, note("notes", "from the future", "f1"))], Signer::new(&office), next_year);
    let Err(e @ Error::Refused { .. }) = refused else { panic!("not refused: {refused:?}") };
    let message = e.to_string();
    assert!(message.contains("2027") && message.contains("2026-06-01"), "names neither time: {message}");
    assert_eq!(d.reopen().record_count().unwrap(), before);

    // Within the bound, and later at the real time, the ledger goes on.
    d.ledger.append(&[(1, note("notes", "a bit fast", "f2"))], Signer::new(&office), now.plus_seconds(299)).unwrap();
    d.ledger.append(&[(1, note("notes", "on time", "f3"))], Signer::new(&office), now.plus_seconds(300)).unwrap();
    assert_eq!(verify_ok(&mut d.ledger), before + 2);
}

/// `append_all` decides every line, goes on past the refused ones and
/// names each, and writes only when asked and none was refused: a check
/// leaves the file as it was. Small batches (signed in place) and large
/// ones (pipelined) alike.
#[test]
fn a_batch_decided_whole_names_every_refused_line_and_a_check_writes_nothing() {
    let mut d = DiskLedger::new(ORIGIN, at("2026-01-01"));
    let office = d.office.clone();
    let now = at("2026-01-02");
    for size in [5usize, 40] {
        let batch = |bad: bool| -> Vec<(usize, ledger_core::append::Submission)> {
            (1..=size)
                .map(|n| {
                    let mut sub = note("notes", &format!("line {n}"), &format!("b{size}-{n}"));
                    if bad && (n == 2 || n == size) {
                        sub.expected_version = Some(9_999);
                    }
                    (n + 1, sub)
                })
                .collect()
        };
        let before = d.reopen().record_count().unwrap();
        let checked = d.ledger.append_all(&batch(true), Signer::new(&office), now, true).unwrap();
        assert!(!checked.written);
        assert_eq!(checked.refused.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [3, size + 1]);
        assert!(checked.refused[0].1.to_string().starts_with("version conflict"), "{}", checked.refused[0].1);
        assert_eq!(checked.results.len(), size - 2);
        assert_eq!(d.reopen().record_count().unwrap(), before, "refused lines: nothing written");
        let checked = d.ledger.append_all(&batch(false), Signer::new(&office), now, false).unwrap();
        assert!(!checked.written && checked.refused.is_empty());
        assert_eq!(d.reopen().record_count().unwrap(), before, "a check writes nothing");
        let written = d.ledger.append_all(&batch(false), Signer::new(&office), now, true).unwrap();
        assert!(written.written);
        assert_eq!(written.results.iter().filter(|r| !r.existing).count(), size);
        assert_eq!(d.reopen().record_count().unwrap(), before + size as u64);
    }
    assert_eq!(verify_ok(&mut d.ledger), d.reopen().record_count().unwrap());
}
