//! The test vectors of `docs/FORMAT.md`, read from that file and checked
//! against the implementation, so the document and the code cannot drift.

#![allow(clippy::unwrap_used)]

use ed25519_dalek::{Signer, SigningKey};
use ledger_core::crypto::{EVENT_SIGNATURE_CONTEXT, RECORD_HASH_CONTEXT, event_signing_message, record_hash};
use ledger_core::record::{Envelope, RawRecord, signatures_from_bytes};
use ledger_core::verify::{Options, verify_all};
use ledger_core::{Hash, PublicKey, canonical};

type Block = Vec<(String, String)>;

fn blocks() -> Vec<Block> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/FORMAT.md")).unwrap();
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```vector") => current = Some(Vec::new()),
            (Some(_), "```") => out.push(current.take().unwrap()),
            (Some(block), l) => {
                let (k, v) = l.split_once(": ").unwrap();
                block.push((k.to_owned(), v.to_owned()));
            }
            _ => {}
        }
    }
    out
}

fn get<'a>(block: &'a Block, key: &str) -> &'a str {
    &block.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("missing {key}")).1
}

fn named(name: &str) -> Block {
    blocks().into_iter().find(|b| get(b, "name") == name).unwrap()
}

fn key() -> SigningKey {
    let b = named("key");
    SigningKey::from_bytes(&hex::decode(get(&b, "seed")).unwrap().try_into().unwrap())
}

#[test]
fn key_vector() {
    let b = named("key");
    let public = PublicKey::from(&key());
    assert_eq!(public.to_hex(), get(&b, "public_key"));
    assert_eq!(public.key_id().to_string(), get(&b, "key_id"));
}

fn check_record(name: &str) -> RawRecord {
    let b = named(name);
    let envelope = get(&b, "envelope").as_bytes();
    assert_eq!(hex::encode(envelope), get(&b, "envelope_hex"));
    // canonical: decoding and re-encoding gives the same bytes
    let decoded = Envelope::from_bytes(envelope).unwrap();
    assert_eq!(decoded.to_bytes().unwrap(), envelope);
    // what is signed
    let message = event_signing_message(envelope);
    assert_eq!(hex::encode(&message), get(&b, "signed_message_hex"));
    assert!(message.starts_with(EVENT_SIGNATURE_CONTEXT));
    let signature = key().sign(&message);
    assert_eq!(hex::encode(signature.to_bytes()), get(&b, "signature"));
    let sigs = get(&b, "signatures").as_bytes();
    let parsed = signatures_from_bytes(sigs, &decoded.author).unwrap();
    assert_eq!(hex::encode(parsed[0].sig.0), get(&b, "signature"));
    // the hash input, spelled out
    let prev: Hash = get(&b, "prev").parse().unwrap();
    let seq: u64 = get(&b, "seq").parse().unwrap();
    let mut input = RECORD_HASH_CONTEXT.to_vec();
    input.extend_from_slice(&prev.0);
    input.extend_from_slice(&seq.to_be_bytes());
    input.extend_from_slice(&(envelope.len() as u64).to_be_bytes());
    input.extend_from_slice(envelope);
    input.extend_from_slice(&(sigs.len() as u64).to_be_bytes());
    input.extend_from_slice(sigs);
    assert_eq!(hex::encode(&input), get(&b, "hash_input_hex"));
    assert_eq!(blake3::hash(&input).to_hex().as_str(), get(&b, "record_hash"));
    assert_eq!(record_hash(&prev, seq, envelope, sigs).to_hex(), get(&b, "record_hash"));
    RawRecord {
        seq,
        prev: prev.0.to_vec(),
        hash: hex::decode(get(&b, "record_hash")).unwrap(),
        envelope: envelope.to_vec(),
        signatures: sigs.to_vec(),
    }
}

#[test]
fn record_vectors_verify_as_a_ledger() {
    let genesis = check_record("genesis");
    let note = check_record("note");
    let trusted = PublicKey::from(&key());
    let report =
        verify_all(&[genesis, note], Options { trusted_roots: vec![trusted], expect_head: None, ..Options::default() });
    assert!(report.ok(), "{:?}", report.findings);
    assert_eq!(report.head.unwrap().to_hex(), get(&named("note"), "record_hash"));
}

#[test]
fn canonical_vectors() {
    let b = named("canonical");
    let value: serde_json::Value = serde_json::from_str(get(&b, "input")).unwrap();
    assert_eq!(String::from_utf8(canonical::to_vec(&value).unwrap()).unwrap(), get(&b, "canonical"));
    let refused: Vec<_> = b.iter().filter(|(k, _)| k == "refuse").collect();
    assert_eq!(refused.len(), 5);
    for (_, text) in refused {
        assert!(canonical::from_slice(text.as_bytes()).is_err(), "{text}");
    }
}
