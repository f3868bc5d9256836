//! Policy documents: encode -> decode -> encode is the identity, and a
//! changed byte of an encoded policy is refused or reads as another policy.
//!
//! The policies are the default policy (`ledger/policy.json`) with its
//! identity, rounding, weights, caps, steps and grade minimums drawn at
//! random, so that every method, adjustment, veto and consequence of the
//! real document is encoded.

use ledger_core::canonical;
use ledger_score::{Decimal, Method, Policy};
use proptest::prelude::*;

const DEFAULT_POLICY: &str = include_str!("../../../ledger/policy.json");

fn default_policy() -> Policy {
    Policy::from_json(DEFAULT_POLICY).unwrap()
}

/// The encoding of a policy: the canonical bytes of its JSON value.
fn encode(policy: &Policy) -> Vec<u8> {
    canonical::to_vec(&policy.to_json_value()).unwrap()
}

/// `n` positive weights of one decimal place that sum to exactly 100.
fn arb_weights(n: usize) -> impl Strategy<Value = Vec<Decimal>> {
    prop::collection::vec(1u32..=1000, n).prop_map(move |raw| {
        let total: u32 = raw.iter().sum();
        let spare = 1000 - n as u32; // tenths left once each has 0.1
        let mut tenths: Vec<u32> = raw.iter().map(|r| 1 + r * spare / total).collect();
        let sum: u32 = tenths.iter().sum();
        tenths[n - 1] += 1000 - sum;
        tenths.into_iter().map(|t| Decimal::new(i64::from(t), 1)).collect()
    })
}

fn arb_policy() -> impl Strategy<Value = Policy> {
    let base = default_policy();
    let n = base.indicators.len();
    let grades = base.grades.len();
    (
        "[a-z0-9][a-z0-9_.-]{0,30}",
        1u32..=u32::MAX,
        "[^\\p{Cc}]{0,20}[a-zA-Z][^\\p{Cc}]{0,20}",
        prop::option::of("[^\\p{Cc}]{0,40}"),
        (0u32..=10, 0u32..=10, 0u32..=10),
        arb_weights(n),
        prop::collection::vec(1u32..=100_000, n),
        prop::collection::btree_set(0u32..=10_000, grades),
    )
        .prop_map(move |(id, version, title, note, (is, ss, ms), weights, params, mins)| {
            let mut p = base.clone();
            p.id = id;
            p.version = version;
            p.title = title;
            p.note = note;
            p.rounding.indicator_scale = is;
            p.rounding.score_scale = ss.max(1); // the default's adjustments have 1 place
            p.rounding.money_scale = ms;
            for ((rule, weight), param) in p.indicators.iter_mut().zip(weights).zip(params) {
                rule.weight = weight;
                let param = Decimal::new(i64::from(param), 3);
                match &mut rule.method {
                    Method::CompletionRate { cap, .. } | Method::ProgressToTarget { cap } => *cap = param,
                    Method::Rank { step } => *step = param,
                    _ => {}
                }
            }
            // Distinct minimums, the highest for the first band.
            for (band, min) in p.grades.iter_mut().zip(mins.into_iter().rev()) {
                band.min = Decimal::new(i64::from(min), 2);
            }
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// encode -> decode -> encode is the identity, whether the document is
    /// written canonically or pretty-printed.
    #[test]
    fn policies_round_trip(policy in arb_policy()) {
        prop_assert_eq!(policy.validate(), Ok(()));
        let bytes = encode(&policy);
        let decoded = Policy::from_json(std::str::from_utf8(&bytes).unwrap()).unwrap();
        prop_assert_eq!(&decoded, &policy);
        prop_assert_eq!(encode(&decoded), bytes.clone());
        let pretty = serde_json::to_string_pretty(&policy.to_json_value()).unwrap();
        prop_assert_eq!(encode(&Policy::from_json(&pretty).unwrap()), bytes);
    }

    /// Any changed byte of an encoded policy is refused, or reads as another
    /// policy (never the same policy from other bytes): a policy document has
    /// one encoding, which the ledger's signature covers.
    #[test]
    fn a_changed_byte_of_a_policy_is_refused_or_another_policy(
        policy in arb_policy(),
        position in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let mut bytes = encode(&policy);
        let i = position.index(bytes.len());
        bytes[i] ^= mask;
        let Ok(text) = std::str::from_utf8(&bytes) else { return Ok(()) };
        if let Ok(changed) = Policy::from_json(text) {
            prop_assert_ne!(&changed, &policy, "byte {} changed, same policy", i);
            prop_assert_ne!(encode(&changed), encode(&policy));
        }
    }
}

/// The default policy itself: its canonical encoding reads back as itself.
#[test]
fn the_default_policy_round_trips() {
    let p = default_policy();
    let bytes = encode(&p);
    assert_eq!(Policy::from_json(std::str::from_utf8(&bytes).unwrap()).unwrap(), p);
    assert_eq!(encode(&Policy::from_json(std::str::from_utf8(&bytes).unwrap()).unwrap()), bytes);
}
