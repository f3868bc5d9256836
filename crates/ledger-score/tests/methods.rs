//! Each method against hand-computed values.

use crate::common::*;
use ledger_score::{AnomalyKind, ScoreError, score_period};
use serde_json::json;

// ---------------------------------------------------------------- completion_rate

#[test]
fn completion_rate_higher_is_better() {
    let p = single("1", 6, json!({"kind": "completion_rate", "cap": "1.2"}));
    let i = input(&["a"]).val("a", "1", "30.5").tgt("a", "1", "35", Some("21.8"));
    let s = run(&i, &p);
    // 30.5 / 35 = 61/70 = 0.87142857142857142857142857142857...; rust_decimal
    // keeps 28 places: 0.8714285714285714285714285714.
    // x 6 = 5.2285714285714285714285714284 -> 5.2286
    assert_eq!(score_of(&s, "a", "1"), "5.2286");
    let st = steps(&s, "a", "1");
    assert!(st.contains("completion rate = actual / target = 30.5 / 35 = 0.8714285714285714285714285714"), "{st}");
    assert!(st.contains("rate within [0, 1.2]: 0.8714285714285714285714285714"), "{st}");
    assert!(
        st.contains(
            "score = rate 0.8714285714285714285714285714 x weight 6 = 5.2285714285714285714285714284 -> 5.2286 \
             (rounded to 4 places, half away from zero)"
        ),
        "{st}"
    );
    assert!(st.starts_with("[S-test] indicator 1 (higher is better): method completion_rate (cap 1.2), weight 6"));
    let one = ind(&s, "a", "1");
    assert_eq!(one.provenance, vec![100]);
    assert_eq!(one.target_provenance, vec![500]);
    assert_eq!(one.value, Some(d("30.5")));
}

#[test]
fn completion_rate_cap_floor_and_default_cap() {
    let p = single("1", 6, json!({"kind": "completion_rate", "cap": "1.2"}));
    let i = input(&["over", "neg"])
        .val("over", "1", "45")
        .tgt("over", "1", "35", None)
        .val("neg", "1", "-1")
        .tgt("neg", "1", "35", None);
    let s = run(&i, &p);
    // 45 / 35 = 1.2857... capped at 1.2; 1.2 x 6 = 7.2
    assert_eq!(score_of(&s, "over", "1"), "7.2000");
    assert!(steps(&s, "over", "1").contains("rate capped at 1.2: 1.2"));
    // -1 / 35 < 0: floored at 0
    assert_eq!(score_of(&s, "neg", "1"), "0.0000");
    assert!(steps(&s, "neg", "1").contains("rate floored at 0: 0"));

    // Without "cap" the cap is 1: 45 / 35 -> 1; 1 x 6 = 6
    let p = single("1", 6, json!({"kind": "completion_rate"}));
    assert_eq!(score_of(&run(&i, &p), "over", "1"), "6.0000");
}

#[test]
fn completion_rate_zero_and_negative_targets() {
    let p = single("6", 10, json!({"kind": "completion_rate", "cap": "1.2"}));
    let i = input(&["more", "exact", "neg"])
        .val("more", "6", "3")
        .tgt("more", "6", "0", None)
        .val("exact", "6", "0")
        .tgt("exact", "6", "0", None)
        .val("neg", "6", "3")
        .tgt("neg", "6", "-2", None);
    let s = run(&i, &p);
    // target 0, actual 3 > 0: exceeded by any margin: rate = cap 1.2; x 10 = 12
    assert_eq!(score_of(&s, "more", "6"), "12.0000");
    // target 0, actual 0: met exactly: rate 1; x 10 = 10
    assert_eq!(score_of(&s, "exact", "6"), "10.0000");
    // a negative target makes a ratio meaningless: 0 and an anomaly
    assert_eq!(score_of(&s, "neg", "6"), "0.0000");
    assert_eq!(anomaly_kinds(&s, "neg", Some("6")), vec![AnomalyKind::UnusableTarget]);
    assert!(anomaly_kinds(&s, "more", Some("6")).is_empty());
}

#[test]
fn completion_rate_lower_is_better_ratio() {
    let p = single("L", 10, json!({"kind": "completion_rate", "cap": "1.2"}));
    let i = input(&["a", "b", "c"])
        .val("a", "L", "5")
        .tgt("a", "L", "4", None)
        .val("b", "L", "3")
        .tgt("b", "L", "4", None)
        .val("c", "L", "0")
        .tgt("c", "L", "4", None);
    let s = run(&i, &p);
    // target / actual = 4 / 5 = 0.8; x 10 = 8
    assert_eq!(score_of(&s, "a", "L"), "8.0000");
    assert!(steps(&s, "a", "L").contains("completion rate = target / actual (lower is better) = 4 / 5 = 0.8"));
    // 4 / 3 = 1.333... capped at 1.2; x 10 = 12
    assert_eq!(score_of(&s, "b", "L"), "12.0000");
    // actual 0 < target 4: beyond any ratio: cap 1.2; x 10 = 12
    assert_eq!(score_of(&s, "c", "L"), "12.0000");
}

#[test]
fn completion_rate_lower_is_better_reduction_form() {
    let p = single("L", 8, json!({"kind": "completion_rate", "form": "reduction"}));
    let i = input(&["a", "nob", "flat", "flat2"])
        .val("a", "L", "7")
        .tgt("a", "L", "6", Some("10"))
        .val("nob", "L", "7")
        .tgt("nob", "L", "6", None)
        .val("flat", "L", "6")
        .tgt("flat", "L", "6", Some("6"))
        .val("flat2", "L", "6.5")
        .tgt("flat2", "L", "6", Some("6"));
    let s = run(&i, &p);
    // (baseline - actual) / (baseline - target) = (10 - 7) / (10 - 6) = 3 / 4 = 0.75; x 8 = 6
    assert_eq!(score_of(&s, "a", "L"), "6.0000");
    assert!(steps(&s, "a", "L").contains("= (10 - 7) / (10 - 6) = 3 / 4 = 0.75"));
    // no baseline: 0 and an anomaly
    assert_eq!(score_of(&s, "nob", "L"), "0.0000");
    assert_eq!(anomaly_kinds(&s, "nob", Some("L")), vec![AnomalyKind::MissingBaseline]);
    // baseline == target: 1 if actual <= target else 0
    assert_eq!(score_of(&s, "flat", "L"), "8.0000");
    assert_eq!(score_of(&s, "flat2", "L"), "0.0000");
}

#[test]
fn reduction_form_on_a_higher_is_better_indicator_is_refused() {
    let p = single("1", 8, json!({"kind": "completion_rate", "form": "reduction"}));
    let err = score_period(&input(&["a"]), &p).unwrap_err();
    assert!(matches!(err, ScoreError::MethodMismatch { ref indicator, .. } if indicator == "1"), "{err}");
}

// ---------------------------------------------------------------- progress_to_target

#[test]
fn progress_to_target_higher_is_better() {
    let p = single("3", 6, json!({"kind": "progress_to_target"}));
    let i = input(&["mid", "over", "under", "nob"])
        .val("mid", "3", "15")
        .tgt("mid", "3", "18", Some("11.4"))
        .val("over", "3", "20")
        .tgt("over", "3", "18", Some("11.4"))
        .val("under", "3", "10")
        .tgt("under", "3", "18", Some("11.4"))
        .val("nob", "3", "15")
        .tgt("nob", "3", "18", None);
    let s = run(&i, &p);
    // (15 - 11.4) / (18 - 11.4) = 3.6 / 6.6 = 0.545454...; 28 places:
    // 0.5454545454545454545454545455; x 6 = 3.272727272727272727272727273 -> 3.2727
    assert_eq!(score_of(&s, "mid", "3"), "3.2727");
    assert!(steps(&s, "mid", "3").contains(
        "progress = (actual - baseline) / (target - baseline) = (15 - 11.4) / (18 - 11.4) = 3.6 / 6.6 = \
         0.5454545454545454545454545455"
    ));
    // (20 - 11.4) / 6.6 = 1.30... capped at 1; x 6 = 6
    assert_eq!(score_of(&s, "over", "3"), "6.0000");
    // (10 - 11.4) / 6.6 < 0: floored at 0
    assert_eq!(score_of(&s, "under", "3"), "0.0000");
    assert_eq!(score_of(&s, "nob", "3"), "0.0000");
    assert_eq!(anomaly_kinds(&s, "nob", Some("3")), vec![AnomalyKind::MissingBaseline]);
}

#[test]
fn progress_to_target_edge_cases_and_lower_is_better() {
    let p = single("3", 6, json!({"kind": "progress_to_target", "cap": "1.5"}));
    let i = input(&["met", "missed", "wrong", "over"])
        .val("met", "3", "12")
        .tgt("met", "3", "12", Some("12"))
        .val("missed", "3", "11.9")
        .tgt("missed", "3", "12", Some("12"))
        .val("wrong", "3", "9.5")
        .tgt("wrong", "3", "9", Some("10"))
        .val("over", "3", "24")
        .tgt("over", "3", "18", Some("12"));
    let s = run(&i, &p);
    // target == baseline: 1 if met (12 >= 12), else 0
    assert_eq!(score_of(&s, "met", "3"), "6.0000");
    assert_eq!(score_of(&s, "missed", "3"), "0.0000");
    assert!(anomaly_kinds(&s, "met", Some("3")).is_empty());
    // target 9 below baseline 10 on a higher-is-better indicator: met / not
    // met (9.5 >= 9: 1 x 6) plus an anomaly
    assert_eq!(score_of(&s, "wrong", "3"), "6.0000");
    assert_eq!(anomaly_kinds(&s, "wrong", Some("3")), vec![AnomalyKind::UnusableTarget]);
    // (24 - 12) / (18 - 12) = 2, capped at 1.5; x 6 = 9
    assert_eq!(score_of(&s, "over", "3"), "9.0000");

    let p = single("L", 4, json!({"kind": "progress_to_target"}));
    let i = input(&["a"]).val("a", "L", "8").tgt("a", "L", "6", Some("10"));
    // (8 - 10) / (6 - 10) = -2 / -4 = 0.5; x 4 = 2
    assert_eq!(score_of(&run(&i, &p), "a", "L"), "2.0000");
}

// ---------------------------------------------------------------- efficacy

#[test]
fn efficacy_between_baseline_and_target() {
    let p = single("5", 5, json!({"kind": "efficacy", "satisfactory": "target", "not_allowed": "baseline"}));
    let i = input(&["mid", "high", "low"])
        .val("mid", "5", "83")
        .tgt("mid", "5", "86", Some("79.7"))
        .val("high", "5", "90")
        .tgt("high", "5", "86", Some("79.7"))
        .val("low", "5", "60")
        .tgt("low", "5", "86", Some("79.7"));
    let s = run(&i, &p);
    // e = 60 + 40 x (83 - 79.7) / (86 - 79.7) = 60 + 40 x 3.3 / 6.3
    //   = 60 + 40 x 0.5238095238095238095238095238 = 80.952380952380952380952380952
    // score = 5 x e / 100 = 4.0476190476190476190476190476 -> 4.0476
    assert_eq!(score_of(&s, "mid", "5"), "4.0476");
    let st = steps(&s, "mid", "5");
    assert!(st.contains("x_h (satisfactory) = target 86; x_s (not allowed) = baseline 79.7"), "{st}");
    assert!(
        st.contains("= 60 + 40 x 3.3 / 6.3 = 60 + 40 x 0.5238095238095238095238095238 = 80.95238095238095238095238095"),
        "{st}"
    );
    // 90: e = 60 + 40 x 10.3 / 6.3 = 125.39... capped at 100: score 5
    assert_eq!(score_of(&s, "high", "5"), "5.0000");
    assert!(steps(&s, "high", "5").contains("e capped at 100: 100"));
    // 60: e = 60 + 40 x (-19.7 / 6.3) < 0: floored at 0
    assert_eq!(score_of(&s, "low", "5"), "0.0000");
}

#[test]
fn efficacy_best_and_worst_respect_direction() {
    let m = json!({"kind": "efficacy", "satisfactory": "best", "not_allowed": "worst"});
    let i = |ind: &str| input(&["a", "b", "c"]).val("a", ind, "10").val("b", ind, "20").val("c", ind, "40");
    // higher is better: best 40, worst 10
    let s = run(&i("5"), &single("5", 10, m.clone()));
    // b: 60 + 40 x (20 - 10) / (40 - 10) = 60 + 40 x 0.3333333333333333333333333333
    //    = 73.333333333333333333333333333; x 10 / 100 = 7.3333...  -> 7.3333
    assert_eq!(score_of(&s, "b", "5"), "7.3333");
    assert_eq!(score_of(&s, "c", "5"), "10.0000"); // e = 100
    assert_eq!(score_of(&s, "a", "5"), "6.0000"); // e = 60
    assert!(steps(&s, "b", "5").contains("best 40 (of 3 units, higher is better)"));
    // lower is better: best 10, worst 40
    let s = run(&i("L"), &single("L", 10, m));
    // b: 60 + 40 x (20 - 40) / (10 - 40) = 60 + 40 x 0.6666666666666666666666666667
    //    = 86.666666666666666666666666667; x 10 / 100 -> 8.6667
    assert_eq!(score_of(&s, "b", "L"), "8.6667");
    assert_eq!(score_of(&s, "a", "L"), "10.0000");
    assert_eq!(score_of(&s, "c", "L"), "6.0000");
}

#[test]
fn efficacy_fixed_references_floor_ceiling_and_degenerate_case() {
    let m = json!({"kind": "efficacy", "satisfactory": "100", "not_allowed": "50", "floor": "40", "ceiling": "120"});
    let i = input(&["a", "b", "c"]).val("a", "5", "30").val("b", "5", "10").val("c", "5", "150");
    let s = run(&i, &single("5", 10, m));
    // a: 60 + 40 x (30 - 50) / (100 - 50) = 60 - 16 = 44; x 10 / 100 = 4.4
    assert_eq!(score_of(&s, "a", "5"), "4.4000");
    // b: 60 + 40 x (-40 / 50) = 28, floored at 40: 4
    assert_eq!(score_of(&s, "b", "5"), "4.0000");
    // c: 60 + 40 x (100 / 50) = 140, capped at 120: 12
    assert_eq!(score_of(&s, "c", "5"), "12.0000");

    // every unit has the same value: best == worst: e = 100 for all
    let m = json!({"kind": "efficacy", "satisfactory": "best", "not_allowed": "worst"});
    let i = input(&["a", "b"]).val("a", "5", "7").val("b", "5", "7");
    let s = run(&i, &single("5", 10, m));
    assert_eq!(score_of(&s, "a", "5"), "10.0000");
    assert_eq!(score_of(&s, "b", "5"), "10.0000");
}

// ---------------------------------------------------------------- rank

#[test]
fn rank_with_ties_both_directions_and_floor() {
    let vals = [("a", "30"), ("b", "50"), ("c", "50"), ("d", "10"), ("e", "20")];
    let build = |ind: &str| {
        let mut i = input(&["a", "b", "c", "d", "e", "none"]);
        for (u, v) in vals {
            i = i.val(u, ind, v);
        }
        i
    };
    let s = run(&build("9"), &single("9", 5, json!({"kind": "rank", "step": "0.5"})));
    // higher: b, c = 50 share place 1 -> 5; a place 3 -> 5 - 0.5 x 2 = 4;
    // e place 4 -> 3.5; d place 5 -> 3
    for (u, want) in [("b", "5.0000"), ("c", "5.0000"), ("a", "4.0000"), ("e", "3.5000"), ("d", "3.0000")] {
        assert_eq!(score_of(&s, u, "9"), want, "{u}");
    }
    assert!(steps(&s, "c", "9").contains("tied with 1 other unit(s)"));
    assert!(steps(&s, "a", "9").contains("score = weight 5 - step 0.5 x (place 3 - 1) = 4 -> 4.0000"));
    // a unit with no value: 0, an anomaly, and it takes no place
    assert_eq!(score_of(&s, "none", "9"), "0.0000");
    assert_eq!(anomaly_kinds(&s, "none", Some("9")), vec![AnomalyKind::MissingValue]);

    // lower: d 10 -> 5; e 20 -> 4.5; a 30 -> 4; b, c 50 share place 4 -> 3.5
    let s = run(&build("L"), &single("L", 5, json!({"kind": "rank", "step": "0.5"})));
    for (u, want) in [("d", "5.0000"), ("e", "4.5000"), ("a", "4.0000"), ("b", "3.5000"), ("c", "3.5000")] {
        assert_eq!(score_of(&s, u, "L"), want, "{u}");
    }

    // step 3: place 5 -> 5 - 3 x 4 = -7, floored at 0
    let s = run(&build("9"), &single("9", 5, json!({"kind": "rank", "step": "3"})));
    assert_eq!(score_of(&s, "d", "9"), "0.0000");
    assert!(steps(&s, "d", "9").contains("is below 0: floored at 0"));
}

// ---------------------------------------------------------------- pass_fail

#[test]
fn pass_fail_for_18_and_19() {
    let p = policy(
        json!([
            {"indicator": "18", "weight": "50", "method": {"kind": "pass_fail"}, "clause": "S1.18"},
            {"indicator": "19", "weight": "50", "method": {"kind": "pass_fail"}, "clause": "S1.19"}
        ]),
        json!({}),
    );
    let i = input(&["pass", "fail", "edge"])
        // 18: the cut in energy use per unit of GDP must reach the assigned 3.5 %
        .val("pass", "18", "3.6")
        .tgt("pass", "18", "3.5", None)
        .val("fail", "18", "3.4")
        .tgt("fail", "18", "3.5", None)
        .val("edge", "18", "3.5")
        .tgt("edge", "18", "3.5", None)
        // 19: the PM2.5 cut must reach the standard's 5 %
        .val("pass", "19", "6")
        .tgt("pass", "19", "5", None)
        .val("fail", "19", "4.99")
        .tgt("fail", "19", "5", None)
        .val("edge", "19", "5.00")
        .tgt("edge", "19", "5", None);
    let s = run(&i, &p);
    assert_eq!(score_of(&s, "pass", "18"), "50.0000");
    assert_eq!(score_of(&s, "fail", "18"), "0.0000");
    assert_eq!(score_of(&s, "edge", "18"), "50.0000"); // 3.5 >= 3.5
    assert_eq!(score_of(&s, "pass", "19"), "50.0000");
    assert_eq!(score_of(&s, "fail", "19"), "0.0000");
    assert_eq!(score_of(&s, "edge", "19"), "50.0000"); // 5.00 >= 5
    assert!(
        steps(&s, "fail", "19").contains("pass/fail (higher is better): actual 4.99 does not meet target 5: failed")
    );

    // lower is better: passes when value <= target
    let p = single("L", 10, json!({"kind": "pass_fail"}));
    let i = input(&["a", "b"])
        .val("a", "L", "0.5")
        .tgt("a", "L", "0.5", None)
        .val("b", "L", "0.6")
        .tgt("b", "L", "0.5", None);
    let s = run(&i, &p);
    assert_eq!(score_of(&s, "a", "L"), "10.0000");
    assert_eq!(score_of(&s, "b", "L"), "0.0000");
}

// ---------------------------------------------------------------- missing data

#[test]
fn missing_values_and_targets_score_zero_with_anomalies() {
    let p = single("1", 6, json!({"kind": "completion_rate"}));
    let i = input(&["novalue", "notarget"]).tgt("novalue", "1", "35", None).val("notarget", "1", "30");
    let s = run(&i, &p);
    assert_eq!(score_of(&s, "novalue", "1"), "0.0000");
    assert!(steps(&s, "novalue", "1").contains("score 0: no accepted value for indicator 1"));
    assert_eq!(anomaly_kinds(&s, "novalue", Some("1")), vec![AnomalyKind::MissingValue]);
    assert_eq!(score_of(&s, "notarget", "1"), "0.0000");
    assert!(steps(&s, "notarget", "1").contains("score 0: no target for indicator 1; completion_rate needs one"));
    assert_eq!(anomaly_kinds(&s, "notarget", Some("1")), vec![AnomalyKind::MissingTarget]);
    // the filler Z has no value either
    assert_eq!(anomaly_kinds(&s, "notarget", Some("Z")), vec![AnomalyKind::MissingValue]);
    let a = s.anomalies.iter().find(|a| a.unit.as_deref() == Some("notarget") && a.indicator.as_deref() == Some("1"));
    assert_eq!(
        a.unwrap().message,
        "unit notarget, indicator 1: no target for indicator 1; completion_rate needs one; scored 0 under S-test"
    );
}

#[test]
fn data_for_units_not_assessed_is_ignored_with_an_anomaly() {
    let p = single("1", 6, json!({"kind": "completion_rate"}));
    let i = input(&["a"]).val("a", "1", "35").tgt("a", "1", "35", None).val("gone", "1", "99").disqualify("gone");
    let s = run(&i, &p);
    assert_eq!(s.units.len(), 1);
    assert_eq!(anomaly_kinds(&s, "gone", Some("1")), vec![AnomalyKind::UnitNotAssessed]);
    assert_eq!(anomaly_kinds(&s, "gone", None), vec![AnomalyKind::UnitNotAssessed]);
}

#[test]
fn numbers_too_large_are_an_anomaly_not_a_crash() {
    let p = single("1", 6, json!({"kind": "completion_rate", "cap": "1.2"}));
    let huge = "79228162514264337593543950335";
    let i = input(&["a", "b"])
        .val("a", "1", huge)
        .tgt("a", "1", "0.0000000000000000000000000001", None)
        .val("b", "1", huge)
        .tgt("b", "1", "1", None);
    let s = run(&i, &p);
    // a: the quotient does not fit: 0 and an anomaly
    assert_eq!(score_of(&s, "a", "1"), "0.0000");
    assert_eq!(anomaly_kinds(&s, "a", Some("1")), vec![AnomalyKind::ArithmeticOverflow]);
    // b: huge / 1 is capped at 1.2: fine
    assert_eq!(score_of(&s, "b", "1"), "7.2000");
    // rank and city averages over huge values: the sum overflows
    let p = single("9", 5, json!({"kind": "efficacy", "satisfactory": "city_average", "not_allowed": "0"}));
    let i = input(&["a", "b"]).val("a", "9", huge).val("b", "9", huge);
    let s = run(&i, &p);
    assert_eq!(score_of(&s, "a", "9"), "0.0000");
    assert_eq!(anomaly_kinds(&s, "a", Some("9")), vec![AnomalyKind::ArithmeticOverflow]);
}
