//! Witness cosignatures (`ledger_tlog::cosignature`): quorums over the
//! signature lines of any note, against known witnesses.
#![no_main]

use ledger_fuzz::{log_key, witness};
use ledger_tlog::{CosignatureError, Note, cosignature_timestamp, verify_cosignatures};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(note) = Note::parse(data) else { return };
    for sig in note.signatures() {
        let ts = cosignature_timestamp(sig);
        assert_eq!(ts.is_some(), sig.signature.len() == 72);
    }
    let witnesses = [witness(1).verifier().clone(), witness(2).verifier().clone()];
    let mut verified_before = None;
    for quorum in 0..=3 {
        match verify_cosignatures(&note, &witnesses, quorum) {
            Ok(verified) => {
                assert!(verified.len() >= quorum, "{} cosignatures verified for a quorum of {quorum}", verified.len());
                assert!(verified.len() <= witnesses.len());
                // The quorum only decides whether, not which.
                if let Some(before) = &verified_before {
                    assert_eq!(before, &verified);
                }
                verified_before = Some(verified);
            }
            Err(CosignatureError::QuorumNotMet { required, verified }) => {
                assert_eq!(required, quorum);
                assert!(verified < quorum);
            }
            Err(_) => {}
        }
    }
    // The log's own key is not a witness key.
    assert!(matches!(
        verify_cosignatures(&note, &[log_key().verifier().clone()], 0),
        Err(CosignatureError::NotACosignatureKey { .. })
    ));
});
