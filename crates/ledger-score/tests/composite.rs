//! Composite, adjustments, vetoes, grades, ranks, disqualification.

use crate::common::*;
use ledger_score::{AnomalyKind, Policy};
use serde_json::{Value, json};

/// Indicator 1 scored as a plain percentage: completion_rate against a
/// target of 100 with weight 100, so the composite equals the value.
fn percent_policy(extra: Value) -> Policy {
    policy(
        json!([{"indicator": "1", "weight": "100", "method": {"kind": "completion_rate", "cap": "2"}, "clause": "S1.1"}]),
        extra,
    )
}

fn percent_input(units: &[(&str, &str)]) -> ledger_score::PeriodInput {
    let names: Vec<&str> = units.iter().map(|(u, _)| *u).collect();
    let mut i = input(&names);
    for (u, v) in units {
        i = i.val(u, "1", v).tgt(u, "1", "100", Some("50"));
    }
    i
}

#[test]
fn grade_bands_at_exact_boundaries() {
    let i = percent_input(&[
        ("e90", "90"),
        ("g8999", "89.99"),
        ("r89995", "89.995"),
        ("r89994", "89.9949"),
        ("g80", "80"),
        ("p60", "60"),
        ("x5999", "59.99"),
        ("z0", "0"),
    ]);
    let s = run(&i, &percent_policy(json!({})));
    let grade = |u: &str| (unit(&s, u).score.to_string(), unit(&s, u).grade.clone());
    assert_eq!(grade("e90"), ("90.00".into(), "excellent".into()));
    assert_eq!(grade("g8999"), ("89.99".into(), "good".into()));
    // 89.995 / 100 x 100 = 89.995 -> indicator 89.9950 -> composite 90.00
    // (half away from zero): the grade follows the published, rounded score.
    assert_eq!(grade("r89995"), ("90.00".into(), "excellent".into()));
    // 89.9949 -> 89.99: good
    assert_eq!(grade("r89994"), ("89.99".into(), "good".into()));
    assert_eq!(grade("g80"), ("80.00".into(), "good".into()));
    assert_eq!(grade("p60"), ("60.00".into(), "pass".into()));
    assert_eq!(grade("x5999"), ("59.99".into(), "poor".into()));
    assert_eq!(grade("z0"), ("0.00".into(), "poor".into()));
    assert!(
        unit(&s, "r89995")
            .steps
            .iter()
            .any(|l| l == "composite = 89.995 -> 90.00 (rounded to 2 places, half away from zero)")
    );
    assert!(unit(&s, "r89995").steps.iter().any(|l| l.starts_with("grade: 90.00 >= 90 (band excellent")));
}

#[test]
fn bonus_and_penalty() {
    let p = percent_policy(json!({"adjustments": [
        {"id": "B1", "indicator": "11", "when": {"op": ">=", "value": "target"}, "points": "1", "clause": "S2.1"},
        {"id": "B2", "indicator": "7", "when": {"op": ">", "value": "city_average"}, "points": "0.5", "clause": "S2.2"},
        {"id": "P1", "indicator": "1", "when": {"op": "<", "value": "baseline"}, "points": "-2", "clause": "S2.3"}
    ]}));
    let i = percent_input(&[("a", "85"), ("b", "45"), ("c", "70")])
        .val("a", "11", "800")
        .tgt("a", "11", "800", None)
        .val("b", "11", "799")
        .tgt("b", "11", "800", None)
        // R&D share: 3, 2, 2.5: city average (3 + 2 + 2.5) / 3 = 2.5
        .val("a", "7", "3")
        .val("b", "7", "2")
        .val("c", "7", "2.5");
    let s = run(&i, &p);
    // a: 85 + 1 (B1: 800 >= 800) + 0.5 (B2: 3 > 2.5) = 86.50
    let a = unit(&s, "a");
    assert_eq!(a.score.to_string(), "86.50");
    assert_eq!(
        a.adjustments.iter().map(|x| (x.id.as_str(), x.points.to_string())).collect::<Vec<_>>(),
        vec![("B1", "1.00".to_owned()), ("B2", "0.50".to_owned())]
    );
    assert_eq!(a.adjustments[1].basis, "indicator 7 value 3 > city average 2.5 (= 7.5 / 3 units)");
    assert!(a.steps.iter().any(|l| l == "adjustments: 85 +1.00 (B1) +0.50 (B2) = 86.5"), "{:#?}", a.steps);
    // b: 45 (below baseline 50: P1 -2), 799 < 800: no B1, 2 < 2.5: no B2: 43.00
    let b = unit(&s, "b");
    assert_eq!(b.score.to_string(), "43.00");
    assert_eq!(b.adjustments.len(), 1);
    assert_eq!(b.adjustments[0].points.to_string(), "-2.00");
    assert!(b.steps.iter().any(|l| l.contains("adjustment B1: indicator 11 value 799 >= target 800 does not hold")));
    // c: exactly at the average gets no B2; no value for 11: B1 not evaluated
    // (an anomaly, as 11 is not scored by this policy)
    let c = unit(&s, "c");
    assert_eq!(c.score.to_string(), "70.00");
    assert!(c.adjustments.is_empty());
    assert_eq!(anomaly_kinds(&s, "c", Some("11")), vec![AnomalyKind::NotEvaluated]);
}

#[test]
fn a_penalty_can_take_the_score_below_every_band() {
    let p = percent_policy(json!({"adjustments": [
        {"id": "P1", "indicator": "1", "when": {"op": "<", "value": "baseline"}, "points": "-5", "clause": "S2.3"}
    ]}));
    let s = run(&percent_input(&[("a", "1")]), &p);
    // 1 - 5 = -4.00: below the lowest band's minimum 0: the lowest grade
    assert_eq!(unit(&s, "a").score.to_string(), "-4.00");
    assert_eq!(unit(&s, "a").grade, "poor");
}

fn veto_policy(when: Value, max_grade: &str, if_missing: &str) -> Policy {
    percent_policy(json!({"vetoes": [
        {"id": "V1", "indicator": "19", "when": when, "max_grade": max_grade, "if_missing": if_missing, "clause": "S3.1"}
    ]}))
}

#[test]
fn veto_caps_a_high_score() {
    let i = percent_input(&[("clean", "95"), ("dirty", "95"), ("unknown", "95"), ("weak", "65")])
        .val("clean", "19", "5")
        .tgt("clean", "19", "5", None)
        .val("dirty", "19", "4")
        .tgt("dirty", "19", "5", None)
        .val("weak", "19", "1")
        .tgt("weak", "19", "5", None);
    let s = run(&i, &veto_policy(json!("fails"), "pass", "skipped"));
    assert_eq!(unit(&s, "clean").grade, "excellent");
    let dirty = unit(&s, "dirty");
    assert_eq!((dirty.score.to_string(), dirty.grade.as_str()), ("95.00".into(), "pass"));
    assert_eq!(dirty.vetoes[0].id, "V1");
    assert_eq!(dirty.vetoes[0].basis, "indicator 19 value 4 does not meet target 5 (higher is better): failed");
    assert!(dirty.steps.iter().any(|l| l.ends_with("grade capped at pass (was excellent)")));
    // the cap does not raise a lower grade; the veto still counts as applied
    let weak = unit(&s, "weak");
    assert_eq!(weak.grade, "pass");
    assert_eq!(weak.vetoes.len(), 1);
    // rank is by score, vetoed or not
    assert_eq!(dirty.rank, Some(1));
    // no value, if_missing skipped: not applied, reported
    assert!(unit(&s, "unknown").vetoes.is_empty());
    assert_eq!(unit(&s, "unknown").grade, "excellent");
    assert_eq!(anomaly_kinds(&s, "unknown", Some("19")), vec![AnomalyKind::NotEvaluated]);

    // if_missing applies: the unit with no figure is vetoed
    let s = run(&i, &veto_policy(json!("fails"), "poor", "applies"));
    assert_eq!(unit(&s, "unknown").grade, "poor");
    assert!(unit(&s, "unknown").vetoes[0].basis.contains("no value for indicator 19"));
    assert_eq!(unit(&s, "dirty").grade, "poor");

    // a comparison veto
    let s = run(&i, &veto_policy(json!({"op": "<", "value": "4.5"}), "good", "skipped"));
    assert_eq!(unit(&s, "dirty").grade, "good");
    assert_eq!(unit(&s, "clean").grade, "excellent");
}

#[test]
fn disqualified_unit_has_no_score_rank_or_reward_and_is_listed_last() {
    let p = percent_policy(json!({"consequences": {
        "fiscal_reward": {"growth": "F1", "tax_share_rise": "F2", "increment": "F3", "share": "0.1", "clause": "C2"}
    }}));
    let i = percent_input(&[("aaa", "99"), ("b", "70"), ("c", "80")])
        .disqualify("aaa")
        .val("aaa", "F1", "100")
        .val("aaa", "F2", "100")
        .val("aaa", "F3", "100")
        .val("b", "F1", "5")
        .val("b", "F2", "1")
        .val("c", "F1", "3")
        .val("c", "F2", "2");
    let s = run(&i, &p);
    let names: Vec<&str> = s.units.iter().map(|u| u.unit.as_str()).collect();
    assert_eq!(names, ["c", "b", "aaa"]);
    let a = unit(&s, "aaa");
    assert_eq!((a.score.to_string(), a.rank, a.grade.as_str()), ("0.00".into(), None, "disqualified"));
    assert_eq!(a.disqualification.as_ref().unwrap().provenance, vec![900]);
    assert!(a.consequences.is_empty());
    assert_eq!(a.indicators[0].value, Some(d("99")));
    assert_eq!(a.indicators[0].score.to_string(), "0.0000");
    // the disqualified unit's figures are not in the city averages:
    // F1 average (5 + 3) / 2 = 4, F2 average (1 + 2) / 2 = 1.5; b: 5 > 4 but
    // 1 < 1.5, c: 3 < 4: nobody is rewarded
    assert!(unit(&s, "b").consequences.is_empty());
    assert!(unit(&s, "b").steps.iter().any(|l| l.contains("1 is not above the city average 1.5 (= 3 / 2 units)")));
    assert_eq!((unit(&s, "c").rank, unit(&s, "b").rank), (Some(1), Some(2)));
}

#[test]
fn composite_ranks_share_ties() {
    let i = percent_input(&[("d", "70"), ("c", "80"), ("b", "80"), ("a", "90"), ("e", "79.995")]);
    let s = run(&i, &percent_policy(json!({})));
    // 90 -> 1; 80, 80 -> 2, 2; 79.995 rounds to 80.00 -> also 2; 70 -> 5
    let got: Vec<(&str, Option<u32>)> = s.units.iter().map(|u| (u.unit.as_str(), u.rank)).collect();
    assert_eq!(got, vec![("a", Some(1)), ("b", Some(2)), ("c", Some(2)), ("e", Some(2)), ("d", Some(5))]);
}
