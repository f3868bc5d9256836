//! A batch larger than one signing chunk is signed ahead on the pool and
//! written chunk by chunk as it is decided, inside its one transaction.
//! What a user relies on: the records are the ones a batch decided one
//! event at a time would hold, an event id seen in an earlier chunk is
//! still recognised (the same event: recorded once; other content:
//! refused), and a refusal in a late chunk leaves the ledger as it was.

#![allow(clippy::unwrap_used)]

use ledger_core::Timestamp;
use ledger_core::append::Submission;
use ledger_engine::Signer;
use ledger_testkit::DiskLedger;
use serde_json::json;

fn note(i: usize, text: &str, id: &str) -> Submission {
    Submission::new(&format!("notes/u{}", i % 7), "note", json!({ "text": text }), id)
}

/// `n` notes numbered from line 1, with ids `<prefix>-<i>`.
fn notes(n: usize, prefix: &str) -> Vec<(usize, Submission)> {
    (0..n).map(|i| (i + 1, note(i, &format!("{prefix} {i}"), &format!("{prefix}-{i}")))).collect()
}

#[test]
fn a_batch_of_several_chunks_is_one_transaction_that_remembers_every_id() {
    let (start, now) = (Timestamp::from_unix(1_700_000_000).unwrap(), Timestamp::from_unix(1_700_000_100).unwrap());
    let mut kit = DiskLedger::new("test.example/large", start);
    let office = kit.office.clone();
    let l = &mut kit.ledger;
    let n = 2_600; // three chunks
    let mut subs = notes(n, "id");
    // Line 2,501 repeats line 6 (chunk 1) exactly: recorded once.
    subs.insert(2_500, (2_501, note(5, "id 5", "id-5")));
    let before = l.record_count().unwrap();
    let appended = l.append(&subs, Signer::new(&office), now).unwrap();
    assert_eq!(l.record_count().unwrap(), before + n as u64);
    let again = appended.iter().find(|a| a.line == 2_501).unwrap();
    let first = appended.iter().find(|a| a.line == 6).unwrap();
    assert!(again.existing && again.seq == first.seq, "{again:?} {first:?}");

    // The records are those of a batch decided one event at a time.
    let mut other = DiskLedger::new("test.example/large", start);
    let one_by_one = &mut other.ledger;
    for chunk in subs.chunks(1) {
        one_by_one.append(chunk, Signer::new(&office), now).unwrap();
    }
    let (a, b) = (l.raw_records(0, 10_000).unwrap(), one_by_one.raw_records(0, 10_000).unwrap());
    assert_eq!(a.len(), b.len());
    // Genesis and the authorisation differ only by their own times and ids;
    // from the notes on, byte for byte (same envelopes, same signatures).
    for (x, y) in a.iter().zip(&b).skip(2) {
        assert_eq!((&x.envelope, &x.signatures), (&y.envelope, &y.signatures), "record {}", x.seq);
    }
    assert!(l.verify(Default::default()).unwrap().report.ok());

    // An id of chunk 1 used again with other content in chunk 3: refused,
    // and the chunks already written in the transaction are not kept.
    let count = l.record_count().unwrap();
    let mut bad = notes(n, "more");
    bad.push((n + 1, note(3, "other content", "id-3")));
    let err = l.append(&bad, Signer::new(&office), now).unwrap_err().to_string();
    assert!(err.contains(&format!("line {}", n + 1)) && err.contains("id-3"), "{err}");
    assert_eq!(l.record_count().unwrap(), count);
    assert!(l.raw_records(count, 10).unwrap().is_empty(), "nothing past the head");
    let verification = l.verify(Default::default()).unwrap();
    assert!(verification.report.ok() && verification.report.records == count);
}

/// Called from a thread of a pool of one (a caller's own rayon pool), the
/// pipelines of append and verification do their work in place instead of
/// waiting for a pool that is busy waiting for them.
#[test]
fn appends_and_verifies_from_inside_a_pool_of_one() {
    let mut kit = DiskLedger::new("test.example/large", Timestamp::from_unix(1_700_000_000).unwrap());
    let office = kit.office.clone();
    let l = &mut kit.ledger;
    let now = Timestamp::from_unix(1_700_000_100).unwrap();
    let subs = notes(1_500, "id");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let (appended, verification) = pool.install(|| {
        let appended = l.append(&subs, Signer::new(&office), now).unwrap();
        (appended, l.verify(Default::default()).unwrap())
    });
    assert_eq!(appended.len(), 1_500);
    assert!(verification.report.ok() && verification.report.records == 1_502);
}
