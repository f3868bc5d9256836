//! Envelopes and signature lists: one encoding each. Encoding and decoding
//! are inverse, and a changed byte of a signed record's envelope is refused
//! or is another envelope, which the signatures do not cover.

#![allow(clippy::unwrap_used)]

use ledger_core::canonical::MAX_SAFE_INTEGER;
use ledger_core::record::{Envelope, SignedEnvelope, signatures_from_bytes};
use ledger_core::{Hash, PublicKey, Record, SigningKey, Timestamp};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn arb_data() -> impl Strategy<Value = Map<String, Value>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-(MAX_SAFE_INTEGER as i64)..=MAX_SAFE_INTEGER as i64).prop_map(|i| json!(i)),
        any::<String>().prop_map(Value::String),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(any::<String>(), value, 0..5).prop_map(|m| m.into_iter().collect())
}

prop_compose! {
    fn arb_envelope()(
        origin in "[!-*,-~]{1,40}",
        stream in "[A-Za-z0-9][A-Za-z0-9._:/@-]{0,40}",
        version in 1..=MAX_SAFE_INTEGER,
        event_type in "[a-z][a-z0-9_]{0,30}",
        schema in 1u32..=65535,
        data in arb_data(),
        seed in any::<[u8; 32]>(),
        // 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z
        time in -62_135_596_800i64..=253_402_300_799,
        id in "[A-Za-z0-9][A-Za-z0-9._:/@-]{0,40}",
    ) -> (Envelope, SigningKey) {
        let key = SigningKey::from_bytes(&seed);
        let envelope = Envelope {
            origin,
            stream,
            version,
            event_type,
            schema,
            data,
            author: PublicKey::from(&key),
            time: Timestamp::from_unix(time).unwrap(),
            id,
        };
        (envelope, key)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// encode -> decode -> encode is the identity, for envelopes and for
    /// signature lists.
    #[test]
    fn envelopes_round_trip((envelope, key) in arb_envelope(), cosigners in prop::collection::vec(any::<[u8; 32]>(), 0..3)) {
        let bytes = envelope.to_bytes().unwrap();
        let decoded = Envelope::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&decoded, &envelope);
        prop_assert_eq!(decoded.to_bytes().unwrap(), bytes.clone());
        let cosigners: Vec<SigningKey> = cosigners.iter().map(SigningKey::from_bytes).collect();
        let signed = SignedEnvelope::sign(envelope, &key, &cosigners.iter().collect::<Vec<_>>()).unwrap();
        prop_assert_eq!(&signed.envelope_bytes, &bytes);
        let signatures = signatures_from_bytes(&signed.signatures_bytes, &signed.envelope.author).unwrap();
        prop_assert_eq!(&signatures, &signed.signatures);
        prop_assert_eq!(ledger_core::record::signatures_to_bytes(&signatures), signed.signatures_bytes.clone());
        let record = Record::seal(1, Hash::ZERO, signed);
        prop_assert_eq!(record.to_raw().decode().unwrap(), record);
    }

    /// The envelope's direct writer gives the bytes of the canonical
    /// encoding of the envelope as a JSON value (what FORMAT.md defines).
    #[test]
    fn the_direct_writer_is_the_canonical_encoding(
        (envelope, key) in arb_envelope(),
        cosigners in prop::collection::vec(any::<[u8; 32]>(), 0..3),
    ) {
        let value = serde_json::to_value(&envelope).unwrap();
        prop_assert_eq!(envelope.to_bytes().unwrap(), ledger_core::canonical::to_vec(&value).unwrap());
        // and the signature list's
        let cosigners: Vec<SigningKey> = cosigners.iter().map(SigningKey::from_bytes).collect();
        let signed = SignedEnvelope::sign(envelope, &key, &cosigners.iter().collect::<Vec<_>>()).unwrap();
        let list = serde_json::to_value(&signed.signatures).unwrap();
        prop_assert_eq!(&signed.signatures_bytes, &ledger_core::canonical::to_vec(&list).unwrap());
    }

    /// Any changed byte of a signed envelope is refused when decoding, or
    /// decodes to another envelope whose signature does not verify.
    #[test]
    fn a_changed_envelope_byte_is_refused_or_unsigned(
        (envelope, key) in arb_envelope(),
        position in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let record = Record::seal(1, Hash::ZERO, SignedEnvelope::sign(envelope, &key, &[]).unwrap());
        let mut raw = record.to_raw();
        let i = position.index(raw.envelope.len());
        raw.envelope[i] ^= mask;
        if let Ok(changed) = raw.decode() {
            prop_assert_ne!(&changed.envelope, &record.envelope);
            prop_assert!(changed.verify_signatures().is_err());
            prop_assert_ne!(changed.computed_hash(), record.hash);
        }
    }
}

/// A payload the canonical form refuses is refused by the direct writer
/// with the same error, naming the same path.
#[test]
fn the_direct_writer_refuses_as_the_canonical_encoding_does() {
    let key = SigningKey::from_bytes(&[3; 32]);
    let envelope = |data: Value| Envelope {
        origin: "o".into(),
        stream: "s".into(),
        version: 1,
        event_type: "note".into(),
        schema: 1,
        data: data.as_object().unwrap().clone(),
        author: PublicKey::from(&key),
        time: Timestamp::from_unix(0).unwrap(),
        id: "i".into(),
    };
    let mut deep = json!(1);
    for _ in 0..63 {
        deep = json!([deep]);
    }
    for data in [json!({"a": {"b": [1, 2.5]}}), json!({"n": 9_007_199_254_740_992_u64}), json!({"d": deep.clone()})] {
        let e = envelope(data);
        let direct = e.to_bytes().unwrap_err();
        let via_value = ledger_core::canonical::to_vec(&serde_json::to_value(&e).unwrap()).unwrap_err();
        assert_eq!(direct.to_string(), format!("envelope: {via_value}"));
    }
    // 62 levels inside `data` (at depth 2) fit; 63 do not.
    let mut fits = json!(1);
    for _ in 0..62 {
        fits = json!([fits]);
    }
    assert!(envelope(json!({"d": fits})).to_bytes().is_ok());
}
