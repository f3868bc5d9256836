//! Keys and authority: who may sign what, rotation, revocation, compromise.
//! Each case is checked twice: the append refuses it, and a ledger forced to
//! hold it anyway (as if written with raw SQL) fails verification.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ledger_core::append::{AppendError, MemoryLedger, Submission};
use ledger_core::authority::AuthorityError;
use ledger_core::record::{Envelope, SignedEnvelope};
use ledger_core::verify::{Check, Finding, Options, verify_all};
use ledger_core::{PublicKey, RawRecord, Record, SigningKey, Timestamp};
use serde_json::{Value, json};

fn findings(l: &[RawRecord]) -> Vec<Finding> {
    verify_all(l, Options::default()).findings
}

/// Appends a record without any check, as an attacker with SQL access would.
#[allow(clippy::too_many_arguments)]
fn force(
    raw: &mut Vec<RawRecord>,
    stream: &str,
    version: u64,
    event_type: &str,
    data: Value,
    author: &SigningKey,
    cosigners: &[&SigningKey],
    time: Timestamp,
) -> u64 {
    let last = raw.last().unwrap().decode().unwrap();
    let origin = raw[0].decode().unwrap().envelope.origin;
    let env = Envelope {
        origin,
        stream: stream.into(),
        version,
        event_type: event_type.into(),
        schema: 1,
        data: data.as_object().unwrap().clone(),
        author: PublicKey::from(author),
        time,
        id: format!("forced-{}", last.seq + 1),
    };
    let r = Record::seal(last.seq + 1, last.hash, SignedEnvelope::sign(env, author, cosigners).unwrap());
    raw.push(r.to_raw());
    r.seq
}

fn denied(err: AppendError<std::convert::Infallible>) -> String {
    match err {
        AppendError::Authority(AuthorityError::Denied { reason, .. }) => reason,
        AppendError::Authority(e) => e.to_string(),
        other => panic!("expected an authority refusal, got {other:?}"),
    }
}

#[test]
fn an_unknown_signer_is_refused_and_detected() {
    let mut l = sample();
    let err = add(&mut l, measurement("x"), &key(50), 10).unwrap_err();
    assert!(matches!(err, AppendError::Authority(AuthorityError::UnknownSigner { .. })));
    let mut raw = l.raw();
    let seq = force(&mut raw, "period/2022", 3, "measurement_submitted", json!({"v": "1"}), &key(50), &[], t(10));
    let f = findings(&raw);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].seq, f[0].check), (seq, Check::Signer));
}

#[test]
fn role_misuse_is_refused_and_detected_naming_key_holder_and_reason() {
    let mut l = sample();
    // key 2 has the statistics role, not assessment
    let sub = Submission::new("period/2022", "scores_published", json!({}), "pub-1");
    let reason = denied(add(&mut l, sub, &key(2), 10).unwrap_err());
    assert!(reason.contains("needs role assessment") && reason.contains("statistics"), "{reason}");
    // a root key may write notes and governance only
    let reason = denied(add(&mut l, measurement("root-m"), &key(1), 10).unwrap_err());
    assert!(reason.contains("root keys"), "{reason}");
    let mut raw = l.raw();
    let seq = force(&mut raw, "period/2022", 3, "scores_published", json!({}), &key(2), &[], t(10));
    let f = findings(&raw);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].seq, f[0].check), (seq, Check::Authority));
    let holder = "Statistics Bureau";
    assert!(
        f[0].message.contains(&PublicKey::from(&key(2)).key_id().to_string()) && f[0].message.contains(holder),
        "{}",
        f[0].message
    );
}

#[test]
fn an_office_key_cannot_write_governance() {
    let mut l = sample();
    let sub = Submission::new(
        "ledger",
        "key_authorized",
        json!({"key": PublicKey::from(&key(3)).to_hex(), "holder": "x", "roles": ["statistics"]}),
        "self",
    );
    let reason = denied(add(&mut l, sub, &key(2), 10).unwrap_err());
    assert!(reason.contains("only root keys"), "{reason}");
}

#[test]
fn a_retired_key_signs_nothing_after_revocation_but_its_past_stays_valid() {
    let mut l = sample();
    let revoke = Submission::new(
        "ledger",
        "key_revoked",
        json!({"key": PublicKey::from(&key(2)).to_hex(), "reason": "staff left", "compromised": false}),
        "rev",
    );
    add(&mut l, revoke, &key(1), 10).unwrap();
    let reason = denied(add(&mut l, measurement("after"), &key(2), 11).unwrap_err());
    assert!(reason.contains("revoked at seq 7: staff left"), "{reason}");
    assert!(findings(&l.raw()).is_empty(), "earlier events of a retired key stay valid");
    let mut raw = l.raw();
    let seq = force(&mut raw, "period/2022", 3, "measurement_submitted", json!({}), &key(2), &[], t(11));
    let f = findings(&raw);
    assert_eq!((f.len(), f[0].seq, f[0].check), (1, seq, Check::Authority));
}

#[test]
fn an_expired_key_is_refused_and_backdating_is_caught() {
    let mut l = ledger();
    let sub = Submission::new(
        "ledger",
        "key_authorized",
        json!({"key": PublicKey::from(&key(2)).to_hex(), "holder": "Stats", "roles": ["statistics"], "valid_until": t(100).to_string()}),
        "auth",
    );
    add(&mut l, sub, &key(1), 1).unwrap();
    add(&mut l, measurement("in-time"), &key(2), 50).unwrap();
    let reason = denied(add(&mut l, measurement("late"), &key(2), 200).unwrap_err());
    assert!(reason.contains("expired"), "{reason}");
    // a not-yet-valid key
    let sub = Submission::new(
        "ledger",
        "key_authorized",
        json!({"key": PublicKey::from(&key(3)).to_hex(), "holder": "Stats", "roles": ["statistics"], "valid_from": t(1000).to_string()}),
        "auth3",
    );
    add(&mut l, sub, &key(1), 60).unwrap();
    let reason = denied(add(&mut l, measurement("early"), &key(3), 70).unwrap_err());
    assert!(reason.contains("not valid before"), "{reason}");
    // once the chain has moved past the expiry, backdating breaks time order
    add(&mut l, note("n", "later", "later"), &key(1), 300).unwrap();
    let mut raw = l.raw();
    let seq = force(&mut raw, "period/2022", 2, "measurement_submitted", json!({}), &key(2), &[], t(99));
    let f = findings(&raw);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].seq, f[0].check), (seq, Check::Time));
}

#[test]
fn a_compromised_key_invalidates_its_events_from_the_cut_off_even_before_the_revocation() {
    let mut l = sample(); // key 2 signed seq 3, 4, 5
    let mut raw = l.raw();
    assert!(findings(&raw).is_empty());
    let revoke = Submission::new(
        "ledger",
        "key_revoked",
        json!({"key": PublicKey::from(&key(2)).to_hex(), "reason": "laptop stolen", "compromised": true, "from_seq": 4}),
        "rev",
    );
    add(&mut l, revoke, &key(1), 10).unwrap();
    raw = l.raw();
    let f = findings(&raw);
    let seqs: Vec<_> = f.iter().map(|f| (f.seq, f.check)).collect();
    assert_eq!(seqs, vec![(4, Check::Authority), (5, Check::Authority)], "seq 3 was before the cut-off");
    assert!(f[0].message.contains("compromised") && f[0].message.contains("laptop stolen"));
    // and the append path refuses the key from now on
    assert!(add(&mut l, measurement("after"), &key(2), 11).is_err());
    // from_seq after the revocation itself is refused
    let mut l2 = sample();
    let bad = Submission::new(
        "ledger",
        "key_revoked",
        json!({"key": PublicKey::from(&key(2)).to_hex(), "reason": "x", "compromised": true, "from_seq": 99}),
        "rev",
    );
    assert!(matches!(add(&mut l2, bad, &key(1), 10), Err(AppendError::Authority(AuthorityError::Invalid(_)))));
}

fn three_roots() -> (MemoryLedger, [SigningKey; 3]) {
    let roots = [key(11), key(12), key(13)];
    (ledger_with_roots(&[&roots[0], &roots[1], &roots[2]], 2), roots)
}

fn authorize_sub(k: &SigningKey, id: &str) -> Submission {
    Submission::new(
        "ledger",
        "key_authorized",
        json!({"key": PublicKey::from(k).to_hex(), "holder": "Stats", "roles": ["statistics"]}),
        id,
    )
}

#[test]
fn threshold_root_actions_need_enough_root_signatures() {
    let (mut l, r) = three_roots();
    let err = add(&mut l, authorize_sub(&key(2), "a1"), &r[0], 1).unwrap_err();
    assert!(err.to_string().contains("at least 2"), "{err}");
    // a co-signature by a non-root key does not count and is refused
    let err = add_cosigned(&mut l, authorize_sub(&key(2), "a1"), &r[0], &[&key(40)], 1).unwrap_err();
    assert!(err.to_string().contains("not a root key"), "{err}");
    add_cosigned(&mut l, authorize_sub(&key(2), "a1"), &r[0], &[&r[2]], 1).unwrap();
    assert!(findings(&l.raw()).is_empty());
    // forced with one signature: detected
    let mut raw = l.raw();
    let seq = force(
        &mut raw,
        "ledger",
        3,
        "key_authorized",
        json!({"key": PublicKey::from(&key(3)).to_hex(), "holder": "x", "roles": []}),
        &r[1],
        &[],
        t(2),
    );
    let f = findings(&raw);
    assert_eq!((f.len(), f[0].seq, f[0].check), (1, seq, Check::Authority));
}

#[test]
fn root_rotation_needs_old_and_new_thresholds() {
    let (mut l, r) = three_roots();
    let new = [key(21), key(22)];
    let rotation = |id: &str| {
        Submission::new(
            "ledger",
            "root_rotated",
            json!({"roots": [{"key": PublicKey::from(&new[0]).to_hex(), "holder": "City"}, {"key": PublicKey::from(&new[1]).to_hex(), "holder": "City"}], "threshold": 2}),
            id,
        )
    };
    // a stolen old root key plus the thief's new keys: too few old signatures
    let err = add_cosigned(&mut l, rotation("rot"), &r[0], &[&new[0], &new[1]], 1).unwrap_err();
    assert!(err.to_string().contains("old root keys"), "{err}");
    // enough old ones but not the new ones
    let err = add_cosigned(&mut l, rotation("rot"), &r[0], &[&r[1], &new[0]], 1).unwrap_err();
    assert!(err.to_string().contains("new root keys"), "{err}");
    add_cosigned(&mut l, rotation("rot"), &r[0], &[&r[1], &new[0], &new[1]], 1).unwrap();
    // the old roots are no longer roots
    let err = add_cosigned(&mut l, authorize_sub(&key(2), "a"), &r[0], &[&r[1]], 2).unwrap_err();
    assert!(err.to_string().contains("only root keys") || err.to_string().contains("not a root"), "{err}");
    add_cosigned(&mut l, authorize_sub(&key(2), "a"), &new[0], &[&new[1]], 2).unwrap();
    assert!(findings(&l.raw()).is_empty());
    let authority = l.authority().unwrap();
    assert_eq!(authority.key(&PublicKey::from(&r[0])).unwrap().status(None), "former root");
    // forced rotation with one old key: detected
    let (l2, r2) = three_roots();
    let mut raw = l2.raw();
    let data = json!({"roots": [{"key": PublicKey::from(&key(66)).to_hex(), "holder": "thief"}], "threshold": 1});
    let seq = force(&mut raw, "ledger", 2, "root_rotated", data, &r2[0], &[&key(66)], t(1));
    // and the thief's next act
    let next = force(
        &mut raw,
        "ledger",
        3,
        "key_authorized",
        json!({"key": PublicKey::from(&key(67)).to_hex(), "holder": "x", "roles": []}),
        &key(66),
        &[],
        t(2),
    );
    let f = findings(&raw);
    assert!(f.iter().any(|f| f.seq == seq && f.check == Check::Authority));
    assert!(f.iter().any(|f| f.seq == next && f.check == Check::Signer), "{f:?}");
}

#[test]
fn roles_are_data_in_the_ledger() {
    let mut l = sample();
    let sub = Submission::new("period/2022", "scores_published", json!({}), "p1");
    assert!(add(&mut l, sub.clone(), &key(2), 10).is_err());
    let roles = json!({"roles": {"statistics": ["measurement_submitted", "scores_published"], "assessment": []}});
    add(&mut l, Submission::new("ledger", "roles_defined", roles, "roles2"), &key(1), 11).unwrap();
    add(&mut l, sub, &key(2), 12).unwrap();
    assert!(findings(&l.raw()).is_empty());
    let bad = json!({"roles": {"x": ["key_authorized"]}});
    assert!(add(&mut l, Submission::new("ledger", "roles_defined", bad, "roles3"), &key(1), 13).is_err());
}

#[test]
fn a_retired_key_later_found_compromised_can_be_escalated() {
    let mut l = sample();
    let retire = Submission::new(
        "ledger",
        "key_revoked",
        json!({"key": PublicKey::from(&key(2)).to_hex(), "reason": "left", "compromised": false}),
        "r1",
    );
    add(&mut l, retire, &key(1), 10).unwrap();
    assert!(findings(&l.raw()).is_empty());
    let escalate = Submission::new(
        "ledger",
        "key_revoked",
        json!({"key": PublicKey::from(&key(2)).to_hex(), "reason": "found on a leaked drive", "compromised": true, "from_seq": 5}),
        "r2",
    );
    add(&mut l, escalate.clone(), &key(1), 11).unwrap();
    let f = findings(&l.raw());
    assert_eq!(f.iter().map(|f| (f.seq, f.check)).collect::<Vec<_>>(), vec![(5, Check::Authority)]);
    // but not twice
    let again = Submission { id: "r3".into(), ..escalate };
    assert!(add(&mut l, again, &key(1), 12).is_err());
}

#[test]
fn a_former_root_cannot_become_an_office_key() {
    let (mut l, r) = three_roots();
    let rotation = Submission::new(
        "ledger",
        "root_rotated",
        json!({"roots": [{"key": PublicKey::from(&key(21)).to_hex(), "holder": "City"}], "threshold": 1}),
        "rot",
    );
    add_cosigned(&mut l, rotation, &r[0], &[&r[1], &key(21)], 1).unwrap();
    let err = add(&mut l, authorize_sub(&r[0], "back"), &key(21), 2).unwrap_err();
    assert!(err.to_string().contains("is or was a root key"), "{err}");
}

#[test]
fn a_foreign_governance_event_changes_nothing() {
    // A correctly signed key_authorized whose envelope names another ledger
    // (copied from it, say) fails `origin` and authorises nobody here.
    let l = sample();
    let mut raw = l.raw();
    let last = l.records().last().unwrap();
    let env = Envelope {
        origin: "evil.example/x".into(),
        stream: "ledger".into(),
        version: 3,
        event_type: "key_authorized".into(),
        schema: 1,
        data: json!({"key": PublicKey::from(&key(7)).to_hex(), "holder": "x", "roles": ["statistics"]})
            .as_object()
            .unwrap()
            .clone(),
        author: PublicKey::from(&key(1)),
        time: last.envelope.time,
        id: "foreign".into(),
    };
    raw.push(Record::seal(7, last.hash, SignedEnvelope::sign(env, &key(1), &[]).unwrap()).to_raw());
    force(&mut raw, "period/2022", 3, "measurement_submitted", json!({}), &key(7), &[], last.envelope.time);
    let f: Vec<_> = findings(&raw).iter().map(|f| (f.seq, f.check)).collect();
    assert_eq!(f, vec![(7, Check::Origin), (8, Check::Signer)]);
}

#[test]
fn a_former_root_cannot_be_revoked_as_an_office_key() {
    let (mut l, r) = three_roots();
    let rotation = Submission::new(
        "ledger",
        "root_rotated",
        json!({"roots": [{"key": PublicKey::from(&key(21)).to_hex(), "holder": "City"}], "threshold": 1}),
        "rot",
    );
    add_cosigned(&mut l, rotation, &r[0], &[&r[1], &key(21)], 1).unwrap();
    let revoke = Submission::new(
        "ledger",
        "key_revoked",
        json!({"key": PublicKey::from(&r[0]).to_hex(), "reason": "x", "compromised": false}),
        "rev",
    );
    let err = add(&mut l, revoke, &key(21), 2).unwrap_err();
    assert!(err.to_string().contains("not an authorised office key"), "{err}");
}
