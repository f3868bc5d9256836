//! Every class of tampering is detected by verification and located at the
//! record where it happened.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ledger_core::append::Submission;
use ledger_core::record::{Envelope, SignedEnvelope};
use ledger_core::verify::{Check, Finding, Options, verify_all};
use ledger_core::{PublicKey, RawRecord, Record};
use proptest::prelude::*;
use serde_json::json;

fn checks_at(findings: &[Finding], seq: u64) -> Vec<Check> {
    findings.iter().filter(|f| f.seq == seq).map(|f| f.check).collect()
}

fn verify(raw: &[RawRecord]) -> Vec<Finding> {
    verify_all(raw, Options::default()).findings
}

#[test]
fn an_intact_ledger_verifies() {
    let l = sample();
    let report = verify_all(
        &l.raw(),
        Options { trusted_roots: vec![PublicKey::from(&key(1))], expect_head: None, ..Options::default() },
    );
    assert!(report.ok(), "{:?}", report.findings);
    assert_eq!(report.records, 7);
    assert_eq!(report.head, Some(l.records().last().unwrap().hash));
}

#[test]
fn a_changed_payload_byte_fails_hash_and_signature_at_that_record_only() {
    let mut raw = sample().raw();
    let text = String::from_utf8(raw[3].envelope.clone()).unwrap().replace("1.5", "9.5");
    raw[3].envelope = text.into_bytes();
    let f = verify(&raw);
    assert_eq!(checks_at(&f, 3), vec![Check::Hash, Check::Signature]);
    assert!(f.iter().all(|f| f.seq == 3), "{f:?}");
}

#[test]
fn a_changed_signature_byte_fails_at_that_record() {
    let mut raw = sample().raw();
    // flip a hex digit inside the signature value, keeping the JSON valid
    let text = String::from_utf8(raw[4].signatures.clone()).unwrap();
    let pos = text.find("\"sig\":\"").unwrap() + 10;
    let mut bytes = text.into_bytes();
    bytes[pos] = if bytes[pos] == b'0' { b'1' } else { b'0' };
    raw[4].signatures = bytes;
    let f = verify(&raw);
    assert_eq!(checks_at(&f, 4), vec![Check::Hash, Check::Signature]);
    assert!(f.iter().all(|f| f.seq == 4));
}

#[test]
fn a_changed_stored_hash_fails_there_and_breaks_the_next_link() {
    let mut raw = sample().raw();
    raw[2].hash[0] ^= 1;
    let f = verify(&raw);
    assert_eq!(checks_at(&f, 2), vec![Check::Hash]);
    assert_eq!(checks_at(&f, 3), vec![Check::Chain]);
    assert_eq!(f.len(), 2);
}

#[test]
fn a_deleted_record_is_reported_where_it_is_missing() {
    let mut raw = sample().raw();
    raw.remove(3); // measurement m1, stream period/2022 version 1
    let f = verify(&raw);
    let at4 = checks_at(&f, 4);
    assert_eq!(at4, vec![Check::Sequence, Check::Chain]);
    assert!(f.iter().any(|f| f.seq == 4 && f.message.contains("record 3 is missing")));
    // the stream that lost an event notices too
    assert_eq!(checks_at(&f, 5), vec![Check::Version]);
}

#[test]
fn swapped_records_fail_at_both_positions() {
    let mut raw = sample().raw();
    let (a, b) = (raw[2].clone(), raw[3].clone());
    raw[2] = RawRecord { seq: 2, ..b };
    raw[3] = RawRecord { seq: 3, ..a };
    let f = verify(&raw);
    for seq in [2, 3] {
        let c = checks_at(&f, seq);
        assert!(c.contains(&Check::Hash) && c.contains(&Check::Chain), "{seq}: {c:?}");
    }
}

#[test]
fn a_forged_record_by_an_unknown_key_is_caught_even_with_valid_hash_and_signature() {
    let l = sample();
    let mut raw = l.raw();
    let intruder = key(66);
    let last = l.records().last().unwrap();
    let envelope = Envelope {
        origin: last.envelope.origin.clone(),
        stream: "notes".into(),
        version: 3,
        event_type: "note".into(),
        schema: 1,
        data: json!({"text": "forged"}).as_object().unwrap().clone(),
        author: PublicKey::from(&intruder),
        time: last.envelope.time,
        id: "forged".into(),
    };
    let forged = Record::seal(last.seq + 1, last.hash, SignedEnvelope::sign(envelope, &intruder, &[]).unwrap());
    raw.push(forged.to_raw());
    let f = verify(&raw);
    assert_eq!(checks_at(&f, 7), vec![Check::Signer]);
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains(&PublicKey::from(&intruder).key_id().to_string()));
}

#[test]
fn a_changed_stream_version_is_caught() {
    let mut raw = sample().raw();
    let text = String::from_utf8(raw[5].envelope.clone()).unwrap().replace("\"version\":2", "\"version\":3");
    raw[5].envelope = text.into_bytes();
    let c = checks_at(&verify(&raw), 5);
    assert_eq!(c, vec![Check::Version, Check::Hash, Check::Signature]);
}

#[test]
fn a_replaced_genesis_key_is_caught_with_trust() {
    // An attacker rebuilds the whole ledger under their own root key:
    // internally consistent, so only the pinned root key catches it.
    let mut fake = ledger_with_roots(&[&key(9)], 1);
    add(&mut fake, note("notes", "one", "n1"), &key(9), 2).unwrap();
    let raw = fake.raw();
    assert!(verify(&raw).is_empty());
    let trusted = PublicKey::from(&key(1));
    let f =
        verify_all(&raw, Options { trusted_roots: vec![trusted], expect_head: None, ..Options::default() }).findings;
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].seq, f[0].check), (0, Check::Genesis));
    assert!(f[0].message.contains(&trusted.key_id().to_string()));
}

#[test]
fn a_truncated_tail_is_caught_with_expect_head() {
    let l = sample();
    let head = l.records().last().unwrap().hash;
    let mut raw = l.raw();
    raw.truncate(5);
    assert!(verify(&raw).is_empty(), "a truncated chain is still a chain");
    let report = verify_all(&raw, Options { trusted_roots: vec![], expect_head: Some(head), ..Options::default() });
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].check, Check::Head);
    // and a head seen earlier is found in a ledger that has grown since
    let earlier = l.records()[3].hash;
    let report =
        verify_all(&l.raw(), Options { trusted_roots: vec![], expect_head: Some(earlier), ..Options::default() });
    assert!(report.ok());
    assert_eq!(report.expected_head_at, Some(3));
}

#[test]
fn a_foreign_origin_is_caught() {
    let l = sample();
    let mut other = ledger_with_roots(&[&key(1)], 1);
    // same key, other ledger: copy its note into ours at the right place
    let mut raw = l.raw();
    let last = l.records().last().unwrap();
    let env = Envelope {
        origin: "other.example/ledger".into(),
        stream: "x".into(),
        version: 1,
        event_type: "note".into(),
        schema: 1,
        data: json!({"text": "hi"}).as_object().unwrap().clone(),
        author: PublicKey::from(&key(1)),
        time: last.envelope.time,
        id: "x1".into(),
    };
    let r = Record::seal(last.seq + 1, last.hash, SignedEnvelope::sign(env, &key(1), &[]).unwrap());
    raw.push(r.to_raw());
    assert_eq!(checks_at(&verify(&raw), 7), vec![Check::Origin]);
    let _ = add(&mut other, Submission::new("x", "note", json!({"text": "hi"}), "x1"), &key(1), 1);
}

#[test]
fn every_failure_is_listed_in_sequence_order() {
    let mut raw = sample().raw();
    raw[5].hash[3] ^= 0x80;
    raw[2].envelope[10] ^= 0x01;
    let f = verify(&raw);
    let seqs: Vec<u64> = f.iter().map(|f| f.seq).collect();
    let mut sorted = seqs.clone();
    sorted.sort();
    assert_eq!(seqs, sorted);
    assert!(seqs.contains(&2) && seqs.contains(&5) && seqs.contains(&6));
}

#[test]
fn an_empty_ledger_fails_genesis() {
    let f = verify(&[]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].check, Check::Genesis);
}

#[derive(Debug, Clone, Copy)]
enum Field {
    Seq,
    Prev,
    Hash,
    Envelope,
    Signatures,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Changing any byte (flipping any set of its bits) of any stored field
    /// of any record, or any bit of its sequence number, makes verification
    /// fail at that record.
    #[test]
    fn any_changed_byte_fails_at_its_record(
        index in 0usize..7,
        field in prop_oneof![Just(Field::Seq), Just(Field::Prev), Just(Field::Hash), Just(Field::Envelope), Just(Field::Signatures)],
        position in any::<prop::sample::Index>(),
        mask in 1u8..=255,
        bit in 0u32..64,
    ) {
        let mut raw = SAMPLE.with(|s| s.clone());
        let r = &mut raw[index];
        let target: &mut Vec<u8> = match field {
            Field::Seq => { r.seq ^= 1 << bit; &mut Vec::new() }
            Field::Prev => &mut r.prev,
            Field::Hash => &mut r.hash,
            Field::Envelope => &mut r.envelope,
            Field::Signatures => &mut r.signatures,
        };
        if !target.is_empty() {
            let i = position.index(target.len());
            target[i] ^= mask;
        }
        let seq = raw[index].seq;
        let findings = verify(&raw);
        prop_assert!(findings.iter().any(|f| f.seq == seq), "no finding at seq {} for {:?}: {:?}", seq, field, findings);
    }
}

thread_local! {
    static SAMPLE: Vec<RawRecord> = sample().raw();
}

#[test]
fn a_reused_event_id_is_caught() {
    // An author (or a writer that is not this store) reusing an event id.
    let l = sample();
    let mut raw = l.raw();
    let last = l.records().last().unwrap();
    let env = Envelope {
        origin: last.envelope.origin.clone(),
        stream: "notes".into(),
        version: 3,
        event_type: "note".into(),
        schema: 1,
        data: json!({"text": "again"}).as_object().unwrap().clone(),
        author: PublicKey::from(&key(1)),
        time: last.envelope.time,
        id: "n1".into(),
    };
    raw.push(Record::seal(7, last.hash, SignedEnvelope::sign(env, &key(1), &[]).unwrap()).to_raw());
    let f = verify(&raw);
    assert_eq!(checks_at(&f, 7), vec![Check::Id]);
    assert!(f[0].message.contains("already used by record 2"), "{}", f[0].message);
}

#[test]
fn a_missing_or_broken_genesis_is_reported_as_genesis() {
    let mut raw = sample().raw();
    raw.remove(0);
    let f = verify(&raw);
    assert!(f.iter().any(|f| f.seq == 1 && f.check == Check::Genesis), "{f:?}");
    assert!(!f.iter().any(|f| f.check == Check::Signer), "no cascade of signer errors");
    let mut raw = sample().raw();
    raw[0].envelope[0] = b'[';
    let f = verify(&raw);
    assert_eq!(checks_at(&f, 0), vec![Check::Decode, Check::Hash, Check::Genesis]);
}
