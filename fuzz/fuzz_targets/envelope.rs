//! Envelope and signature-list decoding (`Envelope::from_bytes`,
//! `signatures_from_bytes`, `RawRecord::decode`). Input: the envelope
//! bytes, then optionally a NUL byte and the signature-list bytes.
#![no_main]

use ledger_core::crypto::Hash;
use ledger_core::record::{Envelope, RawRecord, signatures_from_bytes, signatures_to_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (envelope_bytes, signatures_bytes) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(envelope) = Envelope::from_bytes(envelope_bytes) else {
        return;
    };
    // One encoding per envelope: the bytes that decoded are its encoding.
    assert_eq!(envelope.to_bytes().as_deref(), Ok(envelope_bytes), "an envelope decoded from other bytes than its own");
    assert_eq!(envelope.check_fields(), Ok(()));
    let signatures = signatures_from_bytes(signatures_bytes, &envelope.author);
    if let Ok(signatures) = &signatures {
        assert_eq!(signatures_to_bytes(signatures), signatures_bytes, "a signature list with two encodings");
        assert_eq!(signatures[0].key, envelope.author);
    }
    let raw = RawRecord {
        seq: 1,
        prev: vec![0; 32],
        hash: vec![1; 32],
        envelope: envelope_bytes.to_vec(),
        signatures: signatures_bytes.to_vec(),
    };
    match raw.decode() {
        Ok(record) => {
            assert!(signatures.is_ok());
            assert_eq!(record.envelope, envelope);
            assert_eq!(record.to_raw(), raw);
            assert_eq!(raw.computed_hash(), Some(record.computed_hash()));
            let _ = record.verify_signatures();
            assert_eq!(record.hash, Hash([1; 32]));
        }
        Err(_) => assert!(signatures.is_err()),
    }
});
