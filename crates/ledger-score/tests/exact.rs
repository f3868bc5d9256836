//! Every indicator score is computed exactly, as a fraction, and rounded
//! once (docs/SCORING.md, section 3): the 28-digit quotients of the
//! derivation text never decide a score.

use crate::common::*;
use ledger_score::{Decimal, PeriodInput, Policy};
use proptest::prelude::*;
use serde_json::{Value, json};

const MODES: [&str; 3] = ["half_away_from_zero", "half_even", "toward_zero"];

/// Scored indicators `(indicator, weight, method)`; filler "Z" (pass/fail)
/// takes the rest of the 100; indicator scores rounded to `places` with `mode`.
fn exact_policy(rules: &[(&str, Decimal, Value)], places: u32, mode: &str, extra: Value) -> Policy {
    let mut list: Vec<Value> = rules
        .iter()
        .map(|(i, w, m)| json!({"indicator": i, "weight": w.to_string(), "method": m, "clause": "S-exact"}))
        .collect();
    let rest = Decimal::ONE_HUNDRED - rules.iter().map(|r| r.1).sum::<Decimal>();
    if rest > Decimal::ZERO {
        list.push(
            json!({"indicator": "Z", "weight": rest.to_string(), "method": {"kind": "pass_fail"}, "clause": "S-fill"}),
        );
    }
    let mut p = policy_json(Value::Array(list), extra);
    p["rounding"]["indicator_scale"] = json!(places);
    p["rounding"]["mode"] = json!(mode);
    Policy::from_json(&p.to_string()).unwrap()
}

fn one(indicator: &str, weight: &str, method: Value, mode: &str) -> Policy {
    exact_policy(&[(indicator, d(weight), method)], 4, mode, json!({}))
}

#[test]
fn progress_that_is_exactly_whole_is_not_cut_below_it() {
    // (2.6 - 2.4) / (3 - 2.4) x 6 = 0.2 / 0.6 x 6 = 2 exactly; the 28-digit
    // quotient 0.3333333333333333333333333333 x 6 = 1.9999999999999999999999999998
    // would be cut to 1.9999 toward zero.
    let i = input(&["a"]).val("a", "3", "2.6").tgt("a", "3", "3", Some("2.4"));
    for mode in MODES {
        let s = run(&i, &one("3", "6", json!({"kind": "progress_to_target"}), mode));
        assert_eq!(score_of(&s, "a", "3"), "2.0000", "{mode}");
    }
    let s = run(&i, &one("3", "6", json!({"kind": "progress_to_target"}), "toward_zero"));
    let st = steps(&s, "a", "3");
    // the derivation still shows the 28-digit quotient, and says what decided
    assert!(st.contains("= 0.2 / 0.6 = 0.3333333333333333333333333333"), "{st}");
    assert!(
        st.contains(
            "score = progress 0.3333333333333333333333333333 x weight 6 = 1.9999999999999999999999999998 \
             (exact: 2) -> 2.0000 (rounded to 4 places, toward zero)"
        ),
        "{st}"
    );
}

#[test]
fn completion_rates_that_are_exactly_whole() {
    // ratio: 1 / 3 x 3 = 1; lower-is-better ratio: 1 / 3 x 6 = 2;
    // reduction: (10 - 9.8) / (10 - 9.4) x 9 = 0.2 / 0.6 x 9 = 3
    let ratio = json!({"kind": "completion_rate"});
    let reduction = json!({"kind": "completion_rate", "form": "reduction"});
    let i = input(&["a"]).val("a", "1", "1").tgt("a", "1", "3", None).val("a", "L", "3").tgt("a", "L", "1", None);
    let p = exact_policy(&[("1", d("3"), ratio.clone()), ("L", d("6"), ratio)], 4, "toward_zero", json!({}));
    let s = run(&i, &p);
    assert_eq!(score_of(&s, "a", "1"), "1.0000");
    assert_eq!(score_of(&s, "a", "L"), "2.0000");
    let i = input(&["a"]).val("a", "L", "9.8").tgt("a", "L", "9.4", Some("10"));
    let s = run(&i, &one("L", "9", reduction, "toward_zero"));
    assert_eq!(score_of(&s, "a", "L"), "3.0000");
}

#[test]
fn half_even_tie_that_only_the_exact_value_shows() {
    // 1 / 3 x 3.00045 = 1.00015 exactly: a tie, to even 1.0002 (and away
    // from zero 1.0002); the 28-digit quotient gives 1.0001499999...: 1.0001.
    let i = input(&["a"]).val("a", "1", "1").tgt("a", "1", "3", None);
    for (mode, want) in [("half_even", "1.0002"), ("half_away_from_zero", "1.0002"), ("toward_zero", "1.0001")] {
        let s = run(&i, &one("1", "3.00045", json!({"kind": "completion_rate"}), mode));
        assert_eq!(score_of(&s, "a", "1"), want, "{mode}");
    }
    // 1 / 3 x 3.00015 = 1.00005: the tie goes to the even 1.0000
    let s = run(&i, &one("1", "3.00015", json!({"kind": "completion_rate"}), "half_even"));
    assert_eq!(score_of(&s, "a", "1"), "1.0000");
}

#[test]
fn efficacy_that_is_exactly_whole() {
    // e = 60 + 40 x (1 - 0) / (3 - 0) = 220/3; 60 x e / 100 = 44 exactly;
    // through 28-digit quotients e = 73.333333333333333333333333332 and
    // 60 x e / 100 = 43.999999999999999999999999999, cut to 43.9999.
    let m = json!({"kind": "efficacy", "satisfactory": "3", "not_allowed": "0"});
    let i = input(&["a"]).val("a", "5", "1");
    let s = run(&i, &one("5", "60", m, "toward_zero"));
    assert_eq!(score_of(&s, "a", "5"), "44.0000");
    let st = steps(&s, "a", "5");
    assert!(st.contains("= 43.999999999999999999999999999 (exact: 44) -> 44.0000"), "{st}");
}

#[test]
fn fiscal_reward_rounds_the_exact_product() {
    // share 0.2499999999999999999999999999 x 0.5 = 0.12499999999999999999999999995
    // exactly -> 0.12 (half away from zero); rust_decimal keeps 28 places,
    // 0.1250000000000000000000000000, which would round to 0.13.
    let p = exact_policy(
        &[("1", d("100"), json!({"kind": "completion_rate"}))],
        4,
        "half_away_from_zero",
        json!({"consequences": {"fiscal_reward": {"growth": "F1", "tax_share_rise": "F2", "increment": "F3",
            "share": "0.2499999999999999999999999999", "clause": "C2"}}}),
    );
    let i = input(&["a", "b"])
        .val("a", "F1", "2")
        .val("a", "F2", "2")
        .val("a", "F3", "0.5")
        .val("b", "F1", "1")
        .val("b", "F2", "1");
    let s = run(&i, &p);
    let c = &unit(&s, "a").consequences;
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].amount.unwrap().to_string(), "0.12", "{}", c[0].basis);
    assert!(
        c[0].basis.contains("0.5 = 0.125 (exact: 0.12499999999999999999999999995) -> 0.12 10k yuan"),
        "{}",
        c[0].basis
    );
}

// ---------------------------------------------------------------- property

/// Rounds n / d (d > 0) to an integer, computed with machine integers only.
fn round_div(n: i128, d: i128, mode: &str) -> i128 {
    assert!(d > 0);
    let (q, r) = (n / d, n % d); // q toward zero, r has n's sign
    let away = if n < 0 { q - 1 } else { q + 1 };
    let twice = 2 * r.abs();
    match mode {
        "toward_zero" => q,
        "half_away_from_zero" => {
            if twice >= d {
                away
            } else {
                q
            }
        }
        _ => {
            if twice > d || (twice == d && q % 2 != 0) {
                away
            } else {
                q
            }
        }
    }
}

/// The integer `k` as a decimal with `places` places ("-12.3400").
fn fixed(k: i128, places: u32) -> String {
    let digits = k.unsigned_abs().to_string();
    let width = usize::try_from(places).unwrap() + 1;
    let digits = format!("{digits:0>width$}");
    let (int, frac) = digits.split_at(digits.len() - usize::try_from(places).unwrap());
    let sign = if k < 0 { "-" } else { "" };
    if places == 0 { format!("{sign}{int}") } else { format!("{sign}{int}.{frac}") }
}

/// A decimal in [lo, hi) / 1000 with at most 3 places, as its value x
/// 1000: mostly whole numbers or one place (so that whole results and ties
/// are common), some with three.
fn milli(lo: i64, hi: i64) -> impl Strategy<Value = i128> {
    let lo = i128::from(lo);
    let hi = i128::from(hi);
    prop_oneof![
        2 => (lo.div_euclid(1000) + 1..hi / 1000).prop_map(|m| m * 1000),
        2 => (lo.div_euclid(100) + 1..hi / 100).prop_map(|m| m * 100),
        1 => lo..hi,
    ]
}

fn dec(milli: i128) -> Decimal {
    Decimal::from_i128_with_scale(milli, 3).normalize()
}

prop_compose! {
    fn arb_case()(
        a in milli(-20_000, 200_000), t in milli(1, 200_000),
        cap in milli(1, 3000),
        pa in milli(-20_000, 200_000), pb in milli(-20_000, 200_000), gap in milli(1, 200_000),
        x in milli(-20_000, 200_000), xs in milli(-20_000, 200_000), span in milli(1, 200_000),
        w1 in milli(1, 30_000), w2 in milli(1, 30_000), w3 in milli(1, 30_000),
        places in 0u32..7,
    ) -> [i128; 13] {
        [a, t, cap, pa, pb, gap, x, xs, span, w1, w2, w3, i128::from(places)]
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// completion_rate, progress_to_target and efficacy on random small
    /// decimals, in every mode, against a reference computed with integers
    /// scaled by 1000 (no decimal or rational arithmetic at all).
    #[test]
    fn scores_equal_the_exact_value_rounded_once(case in arb_case()) {
        let [a, t, cap, pa, pb, gap, x, xs, span, w1, w2, w3, places] = case;
        let places = u32::try_from(places).unwrap();
        let pt = pb + gap;
        let xh = xs + span;
        let input: PeriodInput = input(&["u"])
            .val("u", "1", &dec(a).to_string())
            .tgt("u", "1", &dec(t).to_string(), None)
            .val("u", "3", &dec(pa).to_string())
            .tgt("u", "3", &dec(pt).to_string(), Some(&dec(pb).to_string()))
            .val("u", "5", &dec(x).to_string());
        let rules = [
            ("1", dec(w1), json!({"kind": "completion_rate", "cap": dec(cap).to_string()})),
            ("3", dec(w2), json!({"kind": "progress_to_target", "cap": dec(cap).to_string()})),
            ("5", dec(w3), json!({"kind": "efficacy", "satisfactory": dec(xh).to_string(), "not_allowed": dec(xs).to_string()})),
        ];
        let scale = 10i128.pow(places);
        for mode in MODES {
            let s = run(&input, &exact_policy(&rules, places, mode, json!({})));
            // completion: rate a / t clipped to [0, cap], x w1
            let want = if a * 1000 > cap * t {
                round_div(cap * w1 * scale, 1_000_000, mode)
            } else if a < 0 {
                0
            } else {
                round_div(a * w1 * scale, t * 1000, mode)
            };
            prop_assert_eq!(score_of(&s, "u", "1"), fixed(want, places), "completion, {}", mode);
            // progress: (pa - pb) / gap clipped to [0, cap], x w2
            let num = pa - pb;
            let want = if num * 1000 > cap * gap {
                round_div(cap * w2 * scale, 1_000_000, mode)
            } else if num < 0 {
                0
            } else {
                round_div(num * w2 * scale, gap * 1000, mode)
            };
            prop_assert_eq!(score_of(&s, "u", "3"), fixed(want, places), "progress, {}", mode);
            // efficacy: e = (60 span + 40 (x - xs)) / span clipped to [0, 100],
            // x w3 / 100
            let en = 60 * span + 40 * (x - xs);
            let want = if en > 100 * span {
                round_div(100 * w3 * scale, 100_000, mode)
            } else if en < 0 {
                0
            } else {
                round_div(en * w3 * scale, span * 100_000, mode)
            };
            prop_assert_eq!(score_of(&s, "u", "5"), fixed(want, places), "efficacy, {}", mode);
        }
    }
}

#[test]
fn the_reference_rounds_as_specified() {
    assert_eq!(fixed(round_div(2345, 1000, "half_away_from_zero"), 0), "2");
    assert_eq!(fixed(round_div(-23450, 10, "half_away_from_zero"), 1), "-234.5");
    assert_eq!(fixed(round_div(-2345, 10, "half_away_from_zero"), 0), "-235");
    assert_eq!(fixed(round_div(2345, 10, "half_even"), 0), "234");
    assert_eq!(fixed(round_div(2355, 10, "half_even"), 0), "236");
    assert_eq!(fixed(round_div(-2355, 10, "half_even"), 0), "-236");
    assert_eq!(fixed(round_div(-2349, 10, "toward_zero"), 0), "-234");
    assert_eq!(fixed(5, 4), "0.0005");
    assert_eq!(fixed(-5, 1), "-0.5");
    assert_eq!(fixed(0, 2), "0.00");
}
