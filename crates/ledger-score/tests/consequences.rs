//! Policy preference, fiscal reward, escalation.

use crate::common::*;
use ledger_score::{AnomalyKind, ConsequenceKind, PeriodInput, Policy, UnitKind, UnitKindInput};
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

/// The worked example of docs/SCORING.md section 7.2: districts a and b,
/// county c, functional zone z; levels in 10k yuan.
///
/// | unit | kind | F5 prior revenue | F4 revenue | F7 prior tax | F6 tax | F1 growth % | F2 rise pp | F3 |
/// |---|---|---|---|---|---|---|---|---|
/// | a | district | 100 | 110 | 70 | 88 | 10 | 10 | 40 |
/// | b | district | 1000 | 1020 | 800 | 816 | 2 | 0 | 5 |
/// | c | county | 100 | 120 | 50 | 72 | 20 | 10 | 30 |
/// | z | functional zone | 500 | 600 | 250 | 390 | 20 | 15 | 100 |
fn worked_example(kinds: bool) -> PeriodInput {
    let mut i = scored(&[("a", "70"), ("b", "70"), ("c", "70"), ("z", "70")]);
    for (u, f5, f4, f7, f6, f1, f2, f3) in [
        ("a", "100", "110", "70", "88", "10", "10", "40"),
        ("b", "1000", "1020", "800", "816", "2", "0", "5"),
        ("c", "100", "120", "50", "72", "20", "10", "30"),
        ("z", "500", "600", "250", "390", "20", "15", "100"),
    ] {
        i = i
            .val(u, "F1", f1)
            .val(u, "F2", f2)
            .val(u, "F3", f3)
            .val(u, "F4", f4)
            .val(u, "F5", f5)
            .val(u, "F6", f6)
            .val(u, "F7", f7);
    }
    if kinds {
        for (u, k) in [
            ("a", UnitKind::District),
            ("b", UnitKind::District),
            ("c", UnitKind::County),
            ("z", UnitKind::FunctionalZone),
        ] {
            i.unit_kinds.push(UnitKindInput { unit: u.into(), kind: k });
        }
    }
    i
}

fn fiscal_policy_with(extra: Value) -> Policy {
    let mut rule = json!({"growth": "F1", "tax_share_rise": "F2", "increment": "F3", "share": "0.1", "clause": "C2 (plan line 542)"});
    for (k, v) in extra.as_object().unwrap() {
        rule[k] = v.clone();
    }
    with_consequences(json!({ "fiscal_reward": rule }), json!([]))
}

fn amounts(s: &ledger_score::PeriodScores) -> Vec<(String, String)> {
    s.units
        .iter()
        .flat_map(|u| {
            u.consequences
                .iter()
                .filter(|c| c.kind == "fiscal_reward")
                .map(|c| (u.unit.clone(), c.amount.map(|a| a.to_string()).unwrap_or_default()))
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

#[test]
fn fiscal_reward_mean_of_unit_rates_over_every_unit() {
    // No kind restriction: F1 mean (10 + 2 + 20 + 20) / 4 = 13, F2 mean
    // (10 + 0 + 10 + 15) / 4 = 8.75. c: 20 > 13, 10 > 8.75; z: 20 > 13,
    // 15 > 8.75; a: 10 is not above 13.
    let s = run(&worked_example(true), &fiscal_policy());
    assert_eq!(amounts(&s), pairs(&[("c", "3.00"), ("z", "10.00")]));
    assert!(
        unit(&s, "a")
            .steps
            .iter()
            .any(|l| l.contains("fiscal revenue growth (F1) 10 is not above the city average 13 (= 52 / 4 units)"))
    );
    assert!(unit(&s, "c").steps.iter().any(|l| l.contains("city average: the mean of the unit rates (average mean_of_unit_rates) over the assessed units with both F1 and F2, disqualified units excluded: 4 units")));
}

#[test]
fn fiscal_reward_restricted_to_districts_and_counties() {
    // Districts and counties only: z earns nothing and is out of the average.
    // F1 mean (10 + 2 + 20) / 3 = 32 / 3 = 10.67; F2 mean (10 + 0 + 10) / 3
    // = 20 / 3 = 6.67. c: 20 > 10.67 and 10 > 6.67: 0.1 x 30 = 3.00;
    // a: 10 is not above 32 / 3.
    let s = run(&worked_example(true), &fiscal_policy_with(json!({"unit_kinds": ["district", "county"]})));
    assert_eq!(amounts(&s), pairs(&[("c", "3.00")]));
    assert!(unit(&s, "z").steps.iter().any(|l| l
        == "[C2 (plan line 542)] no fiscal reward: the clause covers units of kind district, county and z is a functional_zone"));
    assert!(unit(&s, "a").steps.iter().any(|l| l.contains(
        "fiscal revenue growth (F1) 10 is not above the city average 10.666666666666666666666666667 (= 32 / 3 units)"
    )));
    assert!(
        unit(&s, "c")
            .steps
            .iter()
            .any(|l| l.contains("over the assessed units of kind district, county with both F1 and F2"))
    );
    // A unit of no known kind is not covered, and the anomaly says so:
    // without c the averages are (10 + 2) / 2 = 6 and (10 + 0) / 2 = 5, and a
    // (10 > 6, 10 > 5) gets 0.1 x 40 = 4.00.
    let mut i = worked_example(true);
    i.unit_kinds.retain(|k| k.unit != "c");
    let s = run(&i, &fiscal_policy_with(json!({"unit_kinds": ["district", "county"]})));
    assert_eq!(amounts(&s), pairs(&[("a", "4.00")]));
    assert_eq!(anomaly_kinds(&s, "c", None), vec![AnomalyKind::ConsequenceData]);
    // Duplicate kinds are refused in the input.
    let mut i = worked_example(true);
    i.unit_kinds.push(UnitKindInput { unit: "a".into(), kind: UnitKind::County });
    assert!(ledger_score::score_period(&i, &fiscal_policy()).unwrap_err().to_string().contains("unit_kinds"));
}

#[test]
fn fiscal_reward_city_wide_rate() {
    // Districts and counties: revenue 110 + 1020 + 120 = 1250 against 100 +
    // 1000 + 100 = 1200: growth 100 x 50 / 1200 = 25 / 6 = 4.1667 %; tax share
    // 976 / 1250 = 78.08 % against 920 / 1200 = 76.6667 %: rise 1.4133 pp.
    // a: 10 > 4.17 and 10 > 1.41: 0.1 x 40 = 4.00 (the mean would refuse it);
    // c: 3.00; b: 2 > 4.17 fails.
    let p = fiscal_policy_with(json!({
        "unit_kinds": ["district", "county"],
        "average": "city_wide_rate",
        "levels": {"revenue": "F4", "revenue_prior": "F5", "tax": "F6", "tax_prior": "F7"}
    }));
    let s = run(&worked_example(true), &p);
    assert_eq!(amounts(&s), pairs(&[("a", "4.00"), ("c", "3.00")]));
    let a = &unit(&s, "a").consequences[0];
    assert_eq!(
        a.basis,
        "fiscal revenue growth (F1) 10 > city average 4.1666666666666666666666666667 (city-wide rate = 100 x (F4 1250 \
         - F5 1200) / F5 1200, 3 units) and rise in tax share (F2) 10 > city average 1.41333333333333333333333333 \
         (city-wide = 100 x (F6 976 / F4 1250 - F7 920 / F5 1200), 3 units); reward = share 0.1 x tax increment (F3) 40 \
         = 4 -> 4.00 10k yuan (rounded to 2 places, half away from zero)"
    );
    assert!(unit(&s, "a").steps.iter().any(|l| l.starts_with("[C2 (plan line 542)] city average: the city-wide rate")));
    assert!(
        unit(&s, "b")
            .steps
            .iter()
            .any(|l| l.contains("fiscal revenue growth (F1) 2 is not above the city average 4.16"))
    );
    // exactness: a unit exactly at the city-wide rate is not above it
    let mut i = worked_example(true);
    for v in i.values.iter_mut().filter(|v| v.unit == "b" && v.indicator == "F1") {
        v.value = d("4.1666666666666666666666666667");
    }
    let s = run(&i, &p);
    assert!(amounts(&s).iter().all(|(u, _)| u != "b"));
    // a unit missing a level figure is left out of the sums
    let mut i = worked_example(true);
    i.values.retain(|v| !(v.unit == "b" && v.indicator == "F4"));
    let s = run(&i, &p);
    // now a and c only: (110 + 120 - 200) x 100 / 200 = 15; a: 10 is not above 15
    assert_eq!(amounts(&s), pairs(&[("c", "3.00")]));
    // the city-wide rate needs its level figures
    let err = Policy::from_json(
        &policy_json(
            json!([{"indicator": "1", "weight": "100", "method": {"kind": "completion_rate", "cap": "2"}, "clause": "S1.1"}]),
            json!({"consequences": {"fiscal_reward": {"growth": "F1", "tax_share_rise": "F2", "increment": "F3", "share": "0.1", "clause": "C2", "average": "city_wide_rate"}}}),
        )
        .to_string(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("consequences.fiscal_reward.levels"), "{err}");
}

#[test]
fn fiscal_reward_policy_refusals() {
    let base = |extra: Value| {
        let mut rule =
            json!({"growth": "F1", "tax_share_rise": "F2", "increment": "F3", "share": "0.1", "clause": "C2"});
        for (k, v) in extra.as_object().unwrap() {
            rule[k] = v.clone();
        }
        Policy::from_json(
            &policy_json(
                json!([{"indicator": "1", "weight": "100", "method": {"kind": "completion_rate", "cap": "2"}, "clause": "S1.1"}]),
                json!({"consequences": {"fiscal_reward": rule}}),
            )
            .to_string(),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    };
    assert_eq!(base(json!({"unit_kinds": ["district", "county"], "average": "mean_of_unit_rates"})), Ok(()));
    let e = base(json!({"unit_kinds": ["district", "district"]})).unwrap_err();
    assert!(e.contains("unit_kinds[1]"), "{e}");
    let e = base(json!({"unit_kinds": ["zone"]})).unwrap_err();
    assert!(e.contains("zone"), "{e}");
    let e = base(json!({"average": "median"})).unwrap_err();
    assert!(e.contains("median"), "{e}");
    let e =
        base(json!({"levels": {"revenue": "F4", "revenue_prior": "F5", "tax": "F6", "tax_prior": "F7"}})).unwrap_err();
    assert!(e.contains("levels") && e.contains("city_wide_rate"), "{e}");
    let e = base(json!({"average": "city_wide_rate", "levels": {"revenue": "F4", "revenue_prior": "F4", "tax": "F6", "tax_prior": "F7"}}))
        .unwrap_err();
    assert!(e.contains("levels.revenue_prior"), "{e}");
    let e = base(json!({"average": "city_wide_rate", "levels": {"revenue": "F1", "revenue_prior": "F5", "tax": "F6", "tax_prior": "F7"}}))
        .unwrap_err();
    assert!(e.contains("levels.revenue"), "{e}");
}
