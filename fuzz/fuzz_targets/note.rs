//! C2SP signed notes and verifier keys (`ledger_tlog::note`): parsing,
//! verification against known keys, and the text round trip.
#![no_main]

use ledger_fuzz::{log_key, witness};
use ledger_tlog::{Note, Signer, SigningKey, Verifier, open_note};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let other = Signer::new("other.example", SigningKey::from_bytes(&[8; 32])).expect("a key name");
    let known = [log_key().verifier().clone(), other.verifier().clone(), witness(1).verifier().clone()];
    if let Ok(note) = Note::parse(data) {
        // One text per note: what parsed is what it encodes to.
        assert_eq!(note.encode().as_bytes(), data, "a note parsed from other bytes than its own");
        assert_eq!(Note::parse(note.encode().as_bytes()).as_ref(), Ok(&note));
        assert!(!note.signatures().is_empty());
        if let Ok(opened) = open_note(data, &known) {
            assert!(!opened.verified.is_empty());
            assert!(opened.verified.iter().all(|v| note.signatures().contains(v)));
        }
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Verifier keys, one a line.
    for line in text.lines() {
        if let Ok(v) = Verifier::parse(line) {
            assert_eq!(v.to_string(), line, "a verifier key parsed from another string than its own");
            assert_eq!(Verifier::parse(&v.to_string()).as_ref(), Ok(&v));
        }
    }
    // Any text a note may hold: signed, encoded, parsed and verified again.
    if let Ok(mut note) = Note::new(text) {
        note.sign(&other).expect("a valid text signs");
        let encoded = note.encode();
        let parsed = Note::parse(encoded.as_bytes()).expect("a signed note parses");
        assert_eq!(parsed, note);
        assert_eq!(parsed.text(), text);
        assert_eq!(open_note(encoded.as_bytes(), &known).map(|o| o.verified.len()), Ok(1));
    }
});
