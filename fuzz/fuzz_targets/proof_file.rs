//! Offline inclusion proofs (`ledger_tlog::proof_file`, c2sp.org/tlog-proof@v1)
//! and consistency proof files (`ledger_engine::tlog::parse_consistency_file`,
//! the tlog-witness `add-checkpoint` body), parsed and verified against the
//! test log of `ledger_fuzz::log_store`.
#![no_main]

use ledger_fuzz::{log_key, log_record, log_store, witness};
use ledger_tlog::{ProofFile, open_checkpoint, tree_root, verify_consistency, verify_proof_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let log = log_key();
    let witnesses = [witness(1).verifier().clone(), witness(2).verifier().clone()];
    if let Ok(file) = ProofFile::parse(data) {
        assert_eq!(file.encode().as_bytes(), data, "a proof file parsed from other bytes than its own");
        assert_eq!(ProofFile::parse(file.encode().as_bytes()).as_ref(), Ok(&file));
        for quorum in [0, 1] {
            if let Ok(v) = verify_proof_file(data, &log_record(file.index), log.verifier(), &witnesses, quorum) {
                assert_eq!(v.index, file.index);
                assert!(v.index < v.checkpoint.size);
                assert!(v.cosignatures.len() >= quorum);
                assert_eq!(v.extra, file.extra);
            }
        }
    }
    if let Ok((old, proof, checkpoint)) = ledger_engine::tlog::parse_consistency_file(data, "fuzz input") {
        assert!(proof.len() <= 63);
        if let Ok(opened) = open_checkpoint(checkpoint.as_bytes(), log.verifier()) {
            let store = log_store();
            if let Ok(old_root) = tree_root(old.min(store.size()), store) {
                let _ = verify_consistency(old, &old_root, opened.checkpoint.size, &opened.checkpoint.root, &proof);
            }
        }
    }
});
