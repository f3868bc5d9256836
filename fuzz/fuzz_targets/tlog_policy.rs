//! C2SP `tlog-policy` files (`ledger_tlog::policy`, `verify-proof
//! --policy`): parsing never panics, and a policy that parses answers every
//! quorum question.
#![no_main]

use ledger_fuzz::witness;
use ledger_tlog::VerifiedCosignature;
use ledger_tlog::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(policy) = Policy::parse(data) else { return };
    let _ = policy.describe();
    let keys = policy.witness_keys();
    let all: Vec<VerifiedCosignature> = keys
        .iter()
        .map(|k| VerifiedCosignature { name: k.name().to_owned(), key_id: k.key_id(), timestamp: 1 })
        .collect();
    // Monotone: more cosignatures never turn a met quorum into an unmet one.
    if policy.quorum_met(&[]) {
        assert!(policy.quorum_met(&all));
    }
    for i in 0..all.len().min(8) {
        let fewer: Vec<_> = all.iter().take(i).cloned().collect();
        if policy.quorum_met(&fewer) {
            assert!(policy.quorum_met(&all));
        }
    }
    let stranger = witness(200);
    let _ = policy.quorum_met(&[VerifiedCosignature {
        name: stranger.name().to_owned(),
        key_id: stranger.key_id(),
        timestamp: 1,
    }]);
    for log in policy.logs() {
        assert!(policy.log_for(log.name()).is_some());
    }
});
