//! Policy preference, fiscal reward, escalation.

use crate::common::*;
use ledger_score::{AnomalyKind, ConsequenceKind, PeriodInput, Policy};
use serde_json::{Value, json};

fn with_consequences(consequences: Value, vetoes: Value) -> Policy {
    policy(
        json!([{"indicator": "1", "weight": "100", "method": {"kind": "completion_rate", "cap": "2"}, "clause": "S1.1"}]),
        json!({"consequences": consequences, "vetoes": vetoes}),
    )
}

fn scored(units: &[(&str, &str)]) -> PeriodInput {
    let names: Vec<&str> = units.iter().map(|(u, _)| *u).collect();
    let mut i = input(&names);
    for (u, v) in units {
        i = i.val(u, "1", v).tgt(u, "1", "100", None);
    }
    i
}

fn kinds(s: &ledger_score::PeriodScores, u: &str) -> Vec<ConsequenceKind> {
    let all = [
        ConsequenceKind::PolicyPreference,
        ConsequenceKind::FiscalReward,
        ConsequenceKind::PublicNotice,
        ConsequenceKind::AdmonitionTalk,
        ConsequenceKind::Accountability,
    ];
    unit(s, u).consequences.iter().map(|c| *all.iter().find(|k| k.name() == c.kind).unwrap()).collect()
}

#[test]
fn policy_preference_for_excellent_not_vetoed() {
    let p = with_consequences(
        json!({"policy_preference": {"grades": ["excellent"], "clause": "C1 (plan line 772)"}}),
        // a veto that does not lower an excellent grade, to show that being
        // vetoed alone withholds the preference
        json!([{"id": "V9", "indicator": "19", "when": "fails", "max_grade": "excellent", "clause": "S3.9"}]),
    );
    let i = scored(&[("top", "95"), ("vetoed", "95"), ("good", "85")])
        .val("vetoed", "19", "1")
        .tgt("vetoed", "19", "5", None)
        .val("top", "19", "6")
        .tgt("top", "19", "5", None);
    let s = run(&i, &p);
    assert_eq!(kinds(&s, "top"), vec![ConsequenceKind::PolicyPreference]);
    let c = &unit(&s, "top").consequences[0];
    assert_eq!(c.clause, "C1 (plan line 772)");
    assert_eq!(
        c.basis,
        "grade excellent (composite 95.00) is among the grades that earn policy preference (excellent)"
    );
    assert_eq!(c.amount, None);
    assert_eq!(unit(&s, "vetoed").grade, "excellent");
    assert!(kinds(&s, "vetoed").is_empty());
    assert!(kinds(&s, "good").is_empty());
}

fn fiscal_policy() -> Policy {
    with_consequences(
        json!({"fiscal_reward": {"growth": "F1", "tax_share_rise": "F2", "increment": "F3", "share": "0.1", "clause": "C2 (plan line 542)"}}),
        json!([]),
    )
}

#[test]
fn fiscal_reward_needs_both_strictly_above_the_city_average() {
    // F1: 10, 8, 6, 8 -> average 32 / 4 = 8; F2: 2, 3, 0.5, 0.5 -> average 6 / 4 = 1.5
    let i = scored(&[("a", "70"), ("b", "70"), ("c", "70"), ("d", "70")])
        .val("a", "F1", "10")
        .val("a", "F2", "2")
        .val("a", "F3", "1234.567")
        .val("b", "F1", "8")
        .val("b", "F2", "3")
        .val("b", "F3", "5000")
        .val("c", "F1", "6")
        .val("c", "F2", "0.5")
        .val("d", "F1", "8")
        .val("d", "F2", "0.5");
    let s = run(&i, &fiscal_policy());
    // a: 10 > 8 and 2 > 1.5: reward 0.1 x 1234.567 = 123.4567 -> 123.46
    let a = &unit(&s, "a").consequences;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].kind, "fiscal_reward");
    assert_eq!(a[0].amount.unwrap().to_string(), "123.46");
    assert_eq!(a[0].clause, "C2 (plan line 542)");
    assert_eq!(
        a[0].basis,
        "fiscal revenue growth (F1) 10 > city average 8 (= 32 / 4 units) and rise in tax share (F2) 2 > city average \
         1.5 (= 6 / 4 units); reward = share 0.1 x tax increment (F3) 1234.567 = 123.4567 -> 123.46 10k yuan (rounded to 2 \
         places, half away from zero)"
    );
    assert_eq!(a[0].provenance.len(), 3);
    // b: exactly at the F1 average: nothing
    assert!(kinds(&s, "b").is_empty());
    assert!(
        unit(&s, "b").steps.iter().any(|l| l.contains("fiscal revenue growth (F1) 8 is not above the city average 8"))
    );
    assert!(kinds(&s, "c").is_empty());
}

#[test]
fn fiscal_reward_compares_exactly_not_through_a_rounded_average() {
    // F2 average = (0.6666666666666666666666666667 + 0 + 1.3333333333333333333333333333) / 3 = 2 / 3
    // rounded to 28 places that is 0.6666666666666666666666666667, equal to
    // a's value; exactly, a is above it: 0.6666666666666666666666666667 x 3
    // = 2.0000000000000000000000000001 > 2.
    let i = scored(&[("a", "70"), ("b", "70"), ("c", "70")])
        .val("a", "F1", "9")
        .val("a", "F2", "0.6666666666666666666666666667")
        .val("a", "F3", "10")
        .val("b", "F1", "1")
        .val("b", "F2", "0")
        .val("c", "F1", "2")
        .val("c", "F2", "1.3333333333333333333333333333");
    let s = run(&i, &fiscal_policy());
    assert_eq!(kinds(&s, "a"), vec![ConsequenceKind::FiscalReward]);
    assert_eq!(unit(&s, "a").consequences[0].amount.unwrap().to_string(), "1.00");
}

#[test]
fn fiscal_reward_with_missing_or_negative_data() {
    let i = scored(&[("a", "70"), ("b", "70"), ("c", "70"), ("nof2", "70")])
        .val("a", "F1", "10")
        .val("a", "F2", "2")
        .val("b", "F1", "9")
        .val("b", "F2", "3")
        .val("b", "F3", "-50")
        .val("c", "F1", "1")
        .val("c", "F2", "0")
        .val("nof2", "F1", "20");
    let s = run(&i, &fiscal_policy());
    // averages over a, b, c (nof2 lacks F2): F1 20 / 3, F2 5 / 3
    // a: due, no F3: amount unknown, reported
    assert_eq!(unit(&s, "a").consequences[0].amount, None);
    assert_eq!(anomaly_kinds(&s, "a", Some("F3")), vec![AnomalyKind::ConsequenceData]);
    // b: due, negative increment: amount 0.00, reported
    assert_eq!(unit(&s, "b").consequences[0].amount.unwrap().to_string(), "0.00");
    assert_eq!(anomaly_kinds(&s, "b", Some("F3")), vec![AnomalyKind::ConsequenceData]);
    // nof2: cannot be assessed, reported
    assert!(kinds(&s, "nof2").is_empty());
    assert_eq!(anomaly_kinds(&s, "nof2", Some("F2")), vec![AnomalyKind::ConsequenceData]);
}

fn escalation_policy() -> Policy {
    with_consequences(
        json!({"escalation": [
            {"consecutive": 1, "grades": ["poor"], "action": "public_notice", "clause": "C3.1 (plan line 772)"},
            {"consecutive": 2, "grades": ["poor"], "action": "admonition_talk", "clause": "C3.2"},
            {"consecutive": 3, "grades": ["poor"], "action": "accountability", "clause": "C3.3"},
            {"veto": true, "action": "accountability", "clause": "C3.4"}
        ]}),
        json!([{"id": "V1", "indicator": "19", "when": "fails", "max_grade": "poor", "clause": "S3.1"}]),
    )
}

#[test]
fn escalation_over_consecutive_poor_periods() {
    let base = || scored(&[("x", "40"), ("y", "90")]);
    let p = escalation_policy();
    // 1 period
    let s = run(&base(), &p);
    assert_eq!(kinds(&s, "x"), vec![ConsequenceKind::PublicNotice]);
    assert_eq!(unit(&s, "x").consequences[0].clause, "C3.1 (plan line 772)");
    assert_eq!(
        unit(&s, "x").consequences[0].basis,
        "grade in [poor] in 1 consecutive period(s) (2022); the rule needs 1"
    );
    assert!(kinds(&s, "y").is_empty());
    // 2 periods
    let s = run(&base().prior("2021", "x", "poor", false).prior("2021", "y", "poor", false), &p);
    assert_eq!(kinds(&s, "x"), vec![ConsequenceKind::AdmonitionTalk]);
    assert!(unit(&s, "x").consequences[0].basis.contains("(2021, 2022)"));
    assert!(kinds(&s, "y").is_empty());
    // 3 periods (and 4: still the most severe, accountability)
    let three = base().prior("2020", "x", "poor", false).prior("2021", "x", "poor", false);
    let s = run(&three, &p);
    assert_eq!(kinds(&s, "x"), vec![ConsequenceKind::Accountability]);
    let basis = &unit(&s, "x").consequences[0].basis;
    assert_eq!(
        basis,
        "grade in [poor] in 3 consecutive period(s) (2020, 2021, 2022); the rule needs 3; also met, less or equally \
         severe: C3.1 (plan line 772) (public_notice), C3.2 (admonition_talk)"
    );
    let four =
        base().prior("2019", "x", "poor", false).prior("2020", "x", "poor", false).prior("2021", "x", "poor", false);
    assert_eq!(kinds(&run(&four, &p), "x"), vec![ConsequenceKind::Accountability]);
}

#[test]
fn escalation_streak_broken_by_a_gap_or_a_better_grade() {
    let p = escalation_policy();
    // 2021: x not assessed (y was): the streak is 2022 alone
    let gap = scored(&[("x", "40"), ("y", "90")])
        .prior("2020", "x", "poor", false)
        .prior("2020", "y", "good", false)
        .prior("2021", "y", "good", false);
    assert_eq!(kinds(&run(&gap, &p), "x"), vec![ConsequenceKind::PublicNotice]);
    // 2021: pass
    let better = scored(&[("x", "40")]).prior("2020", "x", "poor", false).prior("2021", "x", "pass", false);
    assert_eq!(kinds(&run(&better, &p), "x"), vec![ConsequenceKind::PublicNotice]);
    // 2021: disqualified (not "poor"): breaks the streak too
    let dq = scored(&[("x", "40")]).prior("2020", "x", "poor", false).prior("2021", "x", "disqualified", false);
    assert_eq!(kinds(&run(&dq, &p), "x"), vec![ConsequenceKind::PublicNotice]);
}

#[test]
fn a_veto_triggers_accountability() {
    let p = escalation_policy();
    let i = scored(&[("x", "95")]).val("x", "19", "1").tgt("x", "19", "5", None);
    let s = run(&i, &p);
    let x = unit(&s, "x");
    assert_eq!(x.grade, "poor");
    assert_eq!(kinds(&s, "x"), vec![ConsequenceKind::Accountability]);
    assert_eq!(x.consequences[0].clause, "C3.4");
    assert_eq!(
        x.consequences[0].basis,
        "vetoed in 1 consecutive period(s) (2022); the rule needs 1; also met, less or equally severe: C3.1 (plan line \
         772) (public_notice)"
    );
}

#[test]
fn escalation_may_count_disqualification() {
    let p = with_consequences(
        json!({"escalation": [{"grades": ["disqualified"], "action": "accountability", "clause": "C3.5"}]}),
        json!([]),
    );
    let s = run(&scored(&[("x", "95"), ("y", "95")]).disqualify("x"), &p);
    assert_eq!(kinds(&s, "x"), vec![ConsequenceKind::Accountability]);
    assert!(kinds(&s, "y").is_empty());
}
