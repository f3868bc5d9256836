//! Scoring policy documents (`ledger_score::Policy::from_json`, with its
//! validation), their JSON round trip, and scoring a period with a policy
//! that validates. Input: the policy text, then optionally a NUL byte and a
//! period's scoring input (`PeriodInput` as JSON).
#![no_main]

use ledger_score::{PeriodInput, Policy, projection_hash, score_period};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (policy_text, input_text) = text.split_once('\0').unwrap_or((text, ""));
    let Ok(policy) = Policy::from_json(policy_text) else { return };
    assert_eq!(policy.validate(), Ok(()));
    // `to_json_value` gives the same policy back.
    let again = Policy::from_json(&policy.to_json_value().to_string()).expect("a valid policy's JSON is refused");
    assert_eq!(again, policy, "the policy changed in a JSON round trip");
    let _ = policy.referenced_indicators();
    let _ = policy.bands();
    let Ok(input) = serde_json::from_str::<PeriodInput>(input_text) else { return };
    if let Ok(scores) = score_period(&input, &policy) {
        let hash = projection_hash(&scores);
        // Scoring is a function of its input.
        let twice = score_period(&input, &policy).expect("scored once, refused the second time");
        assert_eq!(projection_hash(&twice), hash);
    }
});
