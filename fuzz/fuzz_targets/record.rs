//! Record verification from raw rows (`ledger_core::verify`): stored
//! records built from the input are verified after a valid genesis (the
//! ledger of `ledger_fuzz::kernel`, whose office keys are authorised).
//!
//! Input: records separated by 0xFE; each is the envelope bytes, 0xFF, the
//! signature-list bytes, and optionally 0xFF and the stored hash. (0xFE and
//! 0xFF never occur in UTF-8, so in no canonical JSON.) The chain links are
//! honest: `prev` is the stored hash of the record before, and the stored
//! hash is the computed one unless given. A record that starts with 0xFD is
//! an envelope in any JSON form, signed here by its author's key when that
//! is a known one (else by the root key), so that the checks after the
//! signature's are reached.
#![no_main]

use ledger_core::record::{Envelope, SignedEnvelope};
use ledger_core::verify::{Options, Verifier, verify_all};
use ledger_core::{PublicKey, RawRecord, Record};
use ledger_fuzz::{kernel, office_key, root_key};
use libfuzzer_sys::fuzz_target;

const OFFICES: [&str; 7] = ["root", "authority", "statistics", "assessment", "inspector", "shanghe", "log"];

fn resigned(json: &[u8], seq: u64, prev: ledger_core::Hash) -> Option<RawRecord> {
    let envelope: Envelope = serde_json::from_slice(json).ok()?;
    let key = OFFICES
        .iter()
        .filter_map(|o| office_key(o))
        .find(|k| PublicKey::from(k) == envelope.author)
        .unwrap_or_else(root_key);
    let signed = SignedEnvelope::sign(envelope, &key, &[]).ok()?;
    Some(Record::seal(seq, prev, signed).to_raw())
}

fuzz_target!(|data: &[u8]| {
    let mut raw: Vec<RawRecord> = kernel().raw();
    for part in data.split(|&b| b == 0xfe).take(64) {
        let last = raw.last().expect("genesis");
        let seq = last.seq + 1;
        let prev = ledger_core::Hash::from_slice(&last.hash).unwrap_or(ledger_core::Hash::ZERO);
        if let Some(json) = part.strip_prefix(&[0xfd]) {
            if let Some(r) = resigned(json, seq, prev) {
                raw.push(r);
            }
            continue;
        }
        let mut fields = part.splitn(3, |&b| b == 0xff);
        let envelope = fields.next().unwrap_or_default().to_vec();
        let signatures = fields.next().unwrap_or_default().to_vec();
        let mut r = RawRecord { seq, prev: last.hash.clone(), hash: Vec::new(), envelope, signatures };
        r.hash = match fields.next() {
            Some(hash) => hash.to_vec(),
            None => r.computed_hash().map(|h| h.0.to_vec()).unwrap_or_default(),
        };
        raw.push(r);
    }
    let options = || Options { trusted_roots: vec![PublicKey::from(&root_key())], ..Options::default() };
    let report = verify_all(&raw, options());
    // Streaming in chunks finds exactly what one pass finds.
    let mut v = Verifier::new(options());
    let (a, b) = raw.split_at(raw.len() / 2 + 1);
    v.push(a);
    v.push(b);
    let streamed = v.finish();
    assert_eq!(report.findings, streamed.findings);
    assert_eq!(report.head, streamed.head);
    assert_eq!(report.records, raw.len() as u64);
    if report.ok() {
        // A ledger that verifies decodes, record by record.
        for r in &raw {
            let record = r.decode().expect("a verified record decodes");
            assert_eq!(record.computed_hash(), record.hash);
            assert!(record.verify_signatures().is_ok());
        }
    }
});
