//! Canonical JSON (`ledger_core::canonical`): `is_canonical` and
//! `from_slice` accept exactly the canonical encodings, `parse_unique` any JSON without a repeated key,
//! and what either returns encodes back consistently.
#![no_main]

use ledger_core::canonical::{check_value, check_value_at, from_slice, is_canonical, parse_unique, to_vec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The one-pass check (the fast path of every decoder of stored bytes)
    // says yes exactly when decoding and encoding again gives the bytes.
    let slow = serde_json::from_slice::<serde_json::Value>(data).ok().and_then(|v| to_vec(&v).ok());
    assert_eq!(is_canonical(data), slow.as_deref() == Some(data), "the one-pass canonical check disagrees");
    // Canonical bytes: decoding and encoding again gives the same bytes.
    if let Ok(value) = from_slice(data) {
        assert_eq!(to_vec(&value).as_deref(), Ok(data), "from_slice accepted a non-canonical encoding");
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Any JSON: a value without repeated keys, which canonicalises (or is
    // refused for its numbers or depth) and round-trips.
    match parse_unique(text) {
        Ok(value) => {
            // serde_json reads the same value (keeping one of a repeated key,
            // which parse_unique refused).
            let plain: serde_json::Value =
                serde_json::from_str(text).expect("parse_unique accepted what serde_json refuses");
            assert_eq!(plain, value, "parse_unique read another value than serde_json");
            let _ = check_value_at(&value, "data");
            match to_vec(&value) {
                Ok(bytes) => {
                    assert_eq!(check_value(&value), Ok(()));
                    assert_eq!(from_slice(&bytes).as_ref(), Ok(&value), "canonical bytes do not decode to their value");
                    assert_eq!(parse_unique(std::str::from_utf8(&bytes).unwrap()).as_ref(), Ok(&value));
                }
                Err(e) => assert_eq!(check_value(&value), Err(e)),
            }
        }
        Err(_) => {
            // Refused: then it is not canonical either.
            assert!(from_slice(data).is_err(), "from_slice accepted what parse_unique refuses");
        }
    }
});
