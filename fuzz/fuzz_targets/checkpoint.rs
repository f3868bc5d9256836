//! C2SP checkpoints (`ledger_tlog::checkpoint`): checkpoint text, signed
//! checkpoints opened with the log key, and the sign/open round trip.
#![no_main]

use ledger_fuzz::{log_key, witness};
use ledger_tlog::{Checkpoint, Note, Signer, SigningKey, open_checkpoint, sign_checkpoint, verify_cosignatures};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let log = log_key();
    if let Ok(opened) = open_checkpoint(data, log.verifier()) {
        assert_eq!(opened.checkpoint.encode().as_deref(), Ok(opened.note.text()));
        assert_eq!(opened.checkpoint.origin, log.name());
        // A witness cosigns what the log signed; the cosignature verifies.
        let w = witness(3);
        let mut note = opened.note.clone();
        note.add_signature(w.cosign(&opened.checkpoint, 1_700_000_000).expect("cosign")).expect("add");
        let note = Note::parse(note.encode().as_bytes()).expect("a cosigned note parses");
        let verified = verify_cosignatures(&note, &[w.verifier().clone()], 1).expect("the new cosignature verifies");
        assert_eq!(verified.len(), 1);
        assert_eq!(verified[0].timestamp, 1_700_000_000);
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The input, and the text of the note it is, as checkpoint text.
    let note_text = Note::parse(data).ok().map(|n| n.text().to_owned());
    for t in std::iter::once(text).chain(note_text.as_deref()) {
        let Ok(cp) = Checkpoint::parse(t) else { continue };
        assert_eq!(cp.encode().as_deref(), Ok(t), "a checkpoint parsed from other text than its own");
        assert_eq!(cp.to_string(), t);
        // Signed under its own origin, it opens to itself.
        if let Ok(signer) = Signer::new(&cp.origin, SigningKey::from_bytes(&[9; 32])) {
            let signed = sign_checkpoint(&cp, &signer).expect("a parsed checkpoint signs");
            let opened = open_checkpoint(signed.as_bytes(), signer.verifier()).expect("a signed checkpoint opens");
            assert_eq!(opened.checkpoint, cp);
        }
    }
});
