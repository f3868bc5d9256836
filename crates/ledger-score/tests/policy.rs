//! Policy validation, and input consistency errors.

use crate::common::*;
use ledger_score::{Policy, PolicyError, ScoreError, score_period};
use serde_json::{Value, json};

fn two_rules(w1: &str, w2: &str) -> Value {
    json!([
        {"indicator": "1", "weight": w1, "method": {"kind": "completion_rate"}, "clause": "S1.1"},
        {"indicator": "2", "weight": w2, "method": {"kind": "pass_fail"}, "clause": "S1.2"}
    ])
}

fn parse(v: &Value) -> Result<Policy, PolicyError> {
    Policy::from_json(&v.to_string())
}

#[test]
fn weights_must_sum_to_100() {
    let err = parse(&policy_json(two_rules("60", "39.5"), json!({}))).unwrap_err();
    assert_eq!(err, PolicyError::WeightSum { sum: "99.5".into() });
    assert_eq!(
        err.to_string(),
        "indicator weights sum to 99.5, not 100: adjust the weights so that they add up to exactly 100"
    );
    assert!(parse(&policy_json(two_rules("60.5", "39.5"), json!({}))).is_ok());
    let err = parse(&policy_json(two_rules("100", "0"), json!({}))).unwrap_err();
    assert!(matches!(err, PolicyError::Invalid { ref at, .. } if at == "indicators[1].weight"), "{err}");
}

#[test]
fn unknown_method_is_refused() {
    let rules = json!([{"indicator": "1", "weight": "100", "method": {"kind": "vibes"}, "clause": "S1.1"}]);
    let err = parse(&policy_json(rules, json!({}))).unwrap_err();
    assert!(matches!(err, PolicyError::Syntax(ref m) if m.contains("unknown variant `vibes`")), "{err}");
    // an unknown parameter of a known method too
    let rules = json!([{"indicator": "1", "weight": "100", "method": {"kind": "rank", "step": "1", "stp": "2"}, "clause": "S"}]);
    let err = parse(&policy_json(rules, json!({}))).unwrap_err();
    assert!(matches!(err, PolicyError::Syntax(ref m) if m.contains("unknown field `stp`")), "{err}");
}

#[test]
fn unknown_grade_in_a_veto_is_refused() {
    let p = policy_json(
        two_rules("50", "50"),
        json!({"vetoes": [{"id": "V1", "indicator": "19", "when": "fails", "max_grade": "dreadful", "clause": "S3.1"}]}),
    );
    let err = parse(&p).unwrap_err();
    assert_eq!(err, PolicyError::UnknownGrade { at: "vetoes[0].max_grade".into(), grade: "dreadful".into() });
}

#[test]
fn bad_decimals_are_refused() {
    for bad in [json!("1e2"), json!("NaN"), json!("50,0"), json!("+50"), json!(" 50"), json!(50)] {
        let err = parse(&policy_json(two_rules("50", "50"), json!({})).pipe(|mut p| {
            p["indicators"][0]["weight"] = bad.clone();
            p
        }))
        .unwrap_err();
        let PolicyError::Syntax(message) = &err else { panic!("{err:?}") };
        assert!(message.contains("decimal"), "{bad}: {message}");
        assert!(message.contains("line 1 column"), "{message}");
    }
    let err = parse(&policy_json(
        two_rules("50", "50"),
        json!({"vetoes": [
            {"id": "V1", "indicator": "19", "when": {"op": ">=", "value": "1e3"}, "max_grade": "poor", "clause": "S"}
        ]}),
    ))
    .unwrap_err();
    assert!(err.to_string().contains("invalid reference \"1e3\""), "{err}");
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl Pipe for Value {}

#[test]
fn other_validation_errors() {
    let base = || policy_json(two_rules("50", "50"), json!({}));
    let check = |p: Value, want: &str| {
        let err = parse(&p).unwrap_err().to_string();
        assert!(err.contains(want), "want {want:?} in {err:?}");
    };
    check(
        base().pipe(|mut p| {
            p["extra"] = json!(1);
            p
        }),
        "unknown field `extra`",
    );
    check(
        policy_json(
            json!([
                {"indicator": "1", "weight": "50", "method": {"kind": "pass_fail"}, "clause": "S"},
                {"indicator": "1", "weight": "50", "method": {"kind": "pass_fail"}, "clause": "S"}
            ]),
            json!({}),
        ),
        "indicators: \"1\" appears more than once",
    );
    check(
        base().pipe(|mut p| {
            p["indicators"][0]["clause"] = json!(" ");
            p
        }),
        "indicators[0].clause",
    );
    check(
        base().pipe(|mut p| {
            p["indicators"][0]["method"] = json!({"kind": "completion_rate", "cap": "0"});
            p
        }),
        "cap must be greater than 0",
    );
    check(
        base().pipe(|mut p| {
            p["indicators"][0]["method"] = json!({"kind": "rank", "step": "-1"});
            p
        }),
        "step must not be negative",
    );
    check(
        base().pipe(|mut p| {
            p["indicators"][0]["method"] =
                json!({"kind": "efficacy", "satisfactory": "target", "not_allowed": "baseline", "floor": "100"});
            p
        }),
        "floor 100 must be below ceiling 100",
    );
    check(
        base().pipe(|mut p| {
            p["grades"][1]["grade"] = json!("disqualified");
            p
        }),
        "reserved",
    );
    check(
        base().pipe(|mut p| {
            p["grades"][1]["min"] = json!("90");
            p
        }),
        "two bands share the minimum 90",
    );
    check(
        base().pipe(|mut p| {
            p["rounding"]["mode"] = json!("half_up");
            p
        }),
        "unknown variant `half_up`",
    );
    check(
        base().pipe(|mut p| {
            p["version"] = json!(0);
            p
        }),
        "versions start at 1",
    );
    check(base().pipe(|mut p| { p["adjustments"] = json!([
        {"id": "B1", "indicator": "11", "when": {"op": ">=", "value": "target"}, "points": "0.125", "clause": "S"}
    ]); p }), "at most 2 places");
    check(
        base().pipe(|mut p| {
            p["adjustments"] = json!([
                {"id": "B1", "indicator": "11", "when": {"op": "=>", "value": "target"}, "points": "1", "clause": "S"}
            ]);
            p
        }),
        "unknown variant `=>`",
    );
    check(base().pipe(|mut p| {
        p["adjustments"] = json!([{"id": "X", "indicator": "11", "when": {"op": ">=", "value": "1"}, "points": "1", "clause": "S"}]);
        p["vetoes"] = json!([{"id": "X", "indicator": "19", "when": "fails", "max_grade": "poor", "clause": "S"}]);
        p
    }), "adjustments/vetoes: \"X\" appears more than once");
    check(
        base().pipe(|mut p| {
            p["vetoes"] = json!([{"id": "V", "indicator": "19", "when": "fail", "max_grade": "poor", "clause": "S"}]);
            p
        }),
        "invalid veto condition",
    );
    check(
        base().pipe(|mut p| {
            p["consequences"] = json!({"fiscal_reward":
        {"growth": "F1", "tax_share_rise": "F2", "increment": "F3", "share": "1.5", "clause": "C2"}});
            p
        }),
        "share must be greater than 0 and at most 1",
    );
    check(
        base().pipe(|mut p| {
            p["consequences"] = json!({"escalation": [
        {"grades": ["poor"], "veto": true, "action": "accountability", "clause": "C3"}]});
            p
        }),
        "not both",
    );
    check(
        base().pipe(|mut p| {
            p["consequences"] = json!({"escalation": [
        {"grades": ["poor"], "action": "beheading", "clause": "C3"}]});
            p
        }),
        "unknown variant `beheading`",
    );
    check(
        base().pipe(|mut p| {
            p["consequences"] = json!({"policy_preference": {"grades": ["superb"], "clause": "C1"}});
            p
        }),
        "unknown grade \"superb\"",
    );
}

#[test]
fn input_inconsistencies_are_errors() {
    let p = policy(two_rules("50", "50"), json!({}));
    // the policy names an indicator the input does not describe
    let mut i = input(&["a"]);
    i.indicators.retain(|s| s.id != "2");
    let err = score_period(&i, &p).unwrap_err();
    assert_eq!(err, ScoreError::UnknownIndicator { indicator: "2".into(), at: "indicators[1]".into() });
    // duplicates
    let i = input(&["a"]).val("a", "1", "1").val("a", "1", "2");
    assert!(matches!(score_period(&i, &p), Err(ScoreError::Duplicate { list: "values", .. })));
    let i = input(&["a"]).tgt("a", "1", "1", None).tgt("a", "1", "2", None);
    assert!(matches!(score_period(&i, &p), Err(ScoreError::Duplicate { list: "targets", .. })));
    let i = input(&["a", "a"]);
    assert!(matches!(score_period(&i, &p), Err(ScoreError::Duplicate { list: "units", .. })));
    let i = input(&["a"]).prior("2021", "a", "poor", false).prior("2021", "a", "good", false);
    assert!(matches!(score_period(&i, &p), Err(ScoreError::Duplicate { list: "history", .. })));
    // a value for an undescribed indicator
    let i = input(&["a"]).val("a", "99", "1");
    assert!(matches!(score_period(&i, &p), Err(ScoreError::DataForUnknownIndicator { .. })));
    // history of the period being scored
    let i = input(&["a"]).prior("2022", "a", "poor", false);
    assert_eq!(score_period(&i, &p).unwrap_err(), ScoreError::HistoryHasCurrentPeriod("2022".into()));
    // an invalid policy built in code is caught too
    let mut bad = p.clone();
    bad.indicators[0].weight = d("10");
    assert!(matches!(score_period(&input(&["a"]), &bad), Err(ScoreError::Policy(PolicyError::WeightSum { .. }))));
}

#[test]
fn strict_decimals_in_the_input() {
    let text = |v: &str| {
        format!(
            r#"{{"period":"2022","units":["a"],"indicators":[],"values":[{{"unit":"a","indicator":"1","value":{v}}}]}}"#
        )
    };
    assert!(serde_json::from_str::<ledger_score::PeriodInput>(&text("\"25.6\"")).is_ok());
    for bad in ["\"1e5\"", "\"NaN\"", "\"12,5\"", "\"+1\"", "\" 1\"", "25.6"] {
        let err = serde_json::from_str::<ledger_score::PeriodInput>(&text(bad)).unwrap_err().to_string();
        assert!(err.contains("decimal"), "{bad}: {err}");
    }
}

#[test]
fn policy_round_trips_through_json() {
    let p = policy(
        two_rules("50", "50"),
        json!({
            "adjustments": [{"id": "B1", "indicator": "11", "when": {"op": ">=", "value": "city_average"}, "points": "1", "clause": "S2.1"}],
            "vetoes": [{"id": "V1", "indicator": "19", "when": "fails", "max_grade": "poor", "clause": "S3.1"}]
        }),
    );
    let again = Policy::from_json(&p.to_json_value().to_string()).unwrap();
    assert_eq!(again, p);
}
