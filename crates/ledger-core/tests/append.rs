//! Appends: expected versions, idempotent event ids, all-or-nothing batches.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ledger_core::append::{AppendError, Outcome, Submission};
use ledger_core::verify::{Options, verify_all};
use serde_json::json;

#[test]
fn versions_count_per_stream_and_sequence_numbers_globally() {
    let l = sample();
    let v: Vec<(u64, &str, u64)> =
        l.records().iter().map(|r| (r.seq, r.envelope.stream.as_str(), r.envelope.version)).collect();
    assert_eq!(
        v,
        vec![
            (0, "ledger", 1),
            (1, "ledger", 2),
            (2, "notes", 1),
            (3, "period/2022", 1),
            (4, "notes", 2),
            (5, "period/2022", 2),
            (6, "other", 1)
        ]
    );
}

#[test]
fn an_expected_version_conflict_is_typed_and_writes_nothing() {
    let mut l = sample();
    let before = l.records().len();
    let mut sub = note("notes", "late", "late-1");
    sub.expected_version = Some(1); // the stream is at version 2
    let err = add(&mut l, sub, &key(1), 10).unwrap_err();
    assert_eq!(err, AppendError::Conflict { stream: "notes".into(), expected: 1, actual: 2 });
    assert_eq!(l.records().len(), before);
    let mut sub = note("notes", "on time", "late-2");
    sub.expected_version = Some(2);
    assert_eq!(add(&mut l, sub, &key(1), 10).unwrap(), Outcome::Appended(7));
    let mut sub = note("new-stream", "first", "first-1");
    sub.expected_version = Some(0);
    assert_eq!(add(&mut l, sub, &key(1), 10).unwrap(), Outcome::Appended(8));
}

#[test]
fn resubmitting_an_event_id_is_a_no_op_with_the_same_content_and_refused_with_other_content() {
    let mut l = sample();
    let before = l.records().len();
    // n2 was recorded at seq 4 by key 2
    assert_eq!(add(&mut l, note("notes", "two", "n2"), &key(2), 20).unwrap(), Outcome::Existing(4));
    assert_eq!(l.records().len(), before);
    let err = add(&mut l, note("notes", "changed", "n2"), &key(2), 20).unwrap_err();
    assert_eq!(err, AppendError::DuplicateId { id: "n2".into(), seq: 4 });
    // another author re-using the id is a different event
    assert!(matches!(add(&mut l, note("notes", "two", "n2"), &key(1), 20), Err(AppendError::DuplicateId { .. })));
    // inside one batch too
    let subs = vec![note("b", "x", "dup"), note("b", "x", "dup")];
    let out = l.append(subs, &key(1), &[], t(30), &mut TestRules).unwrap();
    assert_eq!(out, vec![Outcome::Appended(7), Outcome::Existing(7)]);
    assert!(verify_all(&l.raw(), Options::default()).ok());
}

#[test]
fn a_batch_is_all_or_nothing() {
    let mut l = sample();
    let before = l.raw();
    let subs = vec![
        note("notes", "a", "a1"),
        note("notes", "b", "b1"),
        Submission::new("notes", "no_such_type", json!({}), "c1"),
    ];
    let err = l.append(subs, &key(1), &[], t(40), &mut TestRules).unwrap_err();
    assert_eq!(err, AppendError::UnknownType("no_such_type".into()));
    assert_eq!(l.raw(), before);
    // a later line may depend on an earlier one of the same batch
    let mut second = note("notes", "b", "b1");
    second.expected_version = Some(3);
    let out = l.append(vec![note("notes", "a", "a1"), second], &key(1), &[], t(40), &mut TestRules).unwrap();
    assert_eq!(out, vec![Outcome::Appended(7), Outcome::Appended(8)]);
}

#[test]
fn time_never_goes_backwards() {
    let mut l = sample();
    // the clock is behind the head: the event takes the head's time
    add(&mut l, note("notes", "slow clock", "slow"), &key(1), -1000).unwrap();
    let r = l.records().last().unwrap();
    assert_eq!(r.envelope.time, t(6));
}

#[test]
fn malformed_submissions_are_refused_with_the_field() {
    let new_id = || "id".to_owned();
    for (line, expect) in [
        ("[1]", "JSON object"),
        ("{\"stream\":\"s\",\"type\":\"note\"}", "missing field \"data\""),
        ("{\"stream\":\"s\",\"type\":\"note\",\"data\":[]}", "\"data\" must be a JSON object"),
        ("{\"stream\":\"s\",\"type\":\"note\",\"data\":{\"v\":1.5}}", "data.v: numbers must be integers"),
        ("{\"stream\":\"s\",\"type\":\"note\",\"data\":{},\"extra\":1}", "unknown field \"extra\""),
        ("{\"stream\":1,\"type\":\"note\",\"data\":{}}", "\"stream\" must be a string"),
        ("{\"stream\":\"s\",\"type\":\"note\",\"data\":{},\"expected_version\":-1}", "non-negative integer"),
        ("{\"stream\":\"s\",", "not valid JSON"),
    ] {
        let err = Submission::from_json(line, new_id).unwrap_err().0;
        assert!(err.contains(expect), "{line}: {err}");
    }
    let mut l = ledger();
    for (sub, expect) in [
        (Submission::new("bad stream", "note", json!({"text": "x"}), "i1"), "stream must match"),
        (Submission::new("s", "note", json!({"text": "x"}), "bad id!"), "id must match"),
        (Submission::new("s", "note", json!({"txt": "x"}), "i2"), "exactly {\"text\""),
        (Submission::new("s", "note", json!({"text": "   "}), "i3"), "not blank"),
        (Submission::new("ledger", "note", json!({"text": "x"}), "i4"), "may not be written to"),
    ] {
        let err = add(&mut l, sub, &key(1), 1).unwrap_err().to_string();
        assert!(err.contains(expect), "{err}");
    }
    assert_eq!(l.records().len(), 1);
}

/// Signing ahead on all cores (`Batch::presign`, used by `append`) gives
/// the records one-by-one signing gives, byte for byte: new streams and
/// existing ones, the same event twice in a batch (recorded once), an
/// expected version.
#[test]
fn signing_ahead_gives_the_records_signing_one_by_one_gives() {
    use ledger_core::append::{Batch, KernelRules};
    let root = key(1);
    let mut subs: Vec<Submission> =
        (0..40).map(|i| note(&format!("s{}", i % 3), &format!("n{i}"), &format!("id-{i}"))).collect();
    subs.push(note("s2", "n5", "id-5")); // again: the same event
    let mut fresh = note("s9", "new stream", "id-new");
    fresh.expected_version = Some(0);
    subs.push(fresh);
    let mut ahead = ledger();
    ahead.append(note_batch("warm-up"), &root, &[], t(5), &mut KernelRules).unwrap();
    let one_by_one = ahead.clone();
    let outcomes = ahead.append(subs.clone(), &root, &[], t(10), &mut KernelRules).unwrap();
    assert!(matches!(outcomes[40], Outcome::Existing(_)), "{:?}", outcomes[40]);
    let mut rules = KernelRules;
    let mut batch = Batch::new(&one_by_one, one_by_one.head(), one_by_one.authority().unwrap(), &mut rules);
    for sub in subs {
        batch.add(sub, &root, &[], t(10)).unwrap();
    }
    let records = batch.into_records();
    assert_eq!(&ahead.records()[one_by_one.records().len()..], records.as_slice());
    assert!(verify_all(&ahead.raw(), Options::default()).ok());
}

fn note_batch(prefix: &str) -> Vec<Submission> {
    (0..3).map(|i| note(&format!("s{i}"), "warm", &format!("{prefix}-{i}"))).collect()
}

#[test]
fn a_refusal_names_the_member_apart_from_its_words() {
    use ledger_core::append::Refusal;
    let at = Refusal::at("value", "101 is not a share between 0 and 100");
    assert_eq!(at.to_string(), "value: 101 is not a share between 0 and 100");
    assert_eq!((at.field.as_deref(), at.reason.as_str()), (Some("value"), "101 is not a share between 0 and 100"));
    let about = Refusal::about("unit", "unknown unit \"x\"");
    assert_eq!(about.to_string(), "unknown unit \"x\"");
    assert_eq!(about.field.as_deref(), Some("unit"));
    let nested = Refusal::about("name_zh", "name_zh must not be empty").within("indicator");
    assert_eq!((nested.field.as_deref(), nested.message()), (Some("indicator.name_zh"), "name_zh must not be empty"));
    let decoded = Refusal::at("value", "expected a string").context("measurement_submitted");
    assert_eq!(decoded.to_string(), "measurement_submitted: value: expected a string");
    assert_eq!((decoded.field.as_deref(), decoded.reason.as_str()), (Some("value"), "expected a string"));
    let plain = Refusal::new("a period needs units and indicators");
    assert_eq!((plain.field.as_deref(), plain.message()), (None, "a period needs units and indicators"));
    // An append shows the refusal's words, and keeps it typed.
    let e: AppendError<std::convert::Infallible> = AppendError::Refused(at.clone());
    assert_eq!(e.to_string(), at.to_string());
}
