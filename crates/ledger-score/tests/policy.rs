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
    assert_eq!(err, PolicyError::WeightSum { sum: "99.5".into(), process: String::new() });
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

fn process(parts: Value) -> Value {
    json!({"process": {"clause": "plan lines 766-767", "parts": parts}})
}

#[test]
fn the_process_component_is_validated() {
    let q1 = json!({"id": "Q1", "measure": "on_time_reporting", "points": "6", "clause": "plan line 766"});
    let q2 = json!({"id": "Q2", "measure": "overdue_findings", "points": "4", "per_finding": "2", "clause": "plan line 767"});
    // weights 45 + 45 and 10 points of process: 100
    assert!(parse(&policy_json(two_rules("45", "45"), process(json!([q1, q2])))).is_ok());
    // the points count toward the 100
    let err = parse(&policy_json(two_rules("50", "50"), process(json!([q1, q2])))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "indicator weights and the process component's points (10) sum to 110, not 100: adjust the weights so that they add up to exactly 100"
    );
    let check = |parts: Value, want: &str| {
        let err = parse(&policy_json(two_rules("45", "45"), process(parts))).unwrap_err().to_string();
        assert!(err.contains(want), "want {want:?} in {err:?}");
    };
    check(json!([]), "process.parts");
    let mut no_per = q2.clone();
    no_per.as_object_mut().unwrap().remove("per_finding");
    let mut with_per = q1.clone();
    with_per["per_finding"] = json!("1");
    check(
        json!([with_per, {"id": "Q2", "measure": "overdue_findings", "points": "4", "per_finding": "2", "clause": "c"}]),
        "process.parts[0].per_finding",
    );
    check(json!([q1, no_per]), "process.parts[1]");
    let twice = json!({"id": "Q3", "measure": "on_time_reporting", "points": "4", "clause": "c"});
    check(json!([q1, twice]), "on_time_reporting is measured twice");
    let mut zero = q2.clone();
    zero["points"] = json!("0");
    check(json!([q1.clone(), zero]), "process.parts[1].points");
    let mut places = q1.clone();
    places["points"] = json!("5.999");
    check(json!([places, q2.clone()]), "process.parts[0].points");
    let mut unknown = q1.clone();
    unknown["measure"] = json!("trend");
    check(json!([unknown, q2.clone()]), "unknown variant `trend`");
    // ids share one name space with adjustments and vetoes
    let mut p = policy_json(two_rules("45", "45"), process(json!([q1, q2])));
    p["adjustments"] =
        json!([{"id": "Q1", "indicator": "1", "when": {"op": ">", "value": "1"}, "points": "1", "clause": "c"}]);
    let err = parse(&p).unwrap_err().to_string();
    assert!(err.contains("\"Q1\" appears more than once"), "{err}");
}

#[test]
fn process_inputs_are_checked() {
    let p = policy(
        two_rules("45", "45"),
        process(json!([{"id": "Q1", "measure": "on_time_reporting", "points": "10", "clause": "c"}])),
    );
    let rec = |unit: &str, due: u32, on_time: u32| ledger_score::ProcessInput {
        unit: unit.into(),
        reports_due: due,
        reports_on_time: on_time,
        findings_overdue: 0,
        projects_due: 0,
        projects_reported: 0,
        provenance: vec![],
    };
    let mut i = input(&["a"]);
    i.process = vec![rec("a", 2, 3)];
    assert!(matches!(score_period(&i, &p), Err(ScoreError::ProcessCounts { .. })), "{:?}", score_period(&i, &p));
    i.process = vec![rec("a", 2, 1), rec("a", 2, 2)];
    assert!(matches!(score_period(&i, &p), Err(ScoreError::Duplicate { list: "process", .. })));
    // a unit not assessed: ignored, with an anomaly
    i.process = vec![rec("zz", 2, 1)];
    let s = score_period(&i, &p).unwrap();
    assert!(
        s.anomalies
            .iter()
            .any(|a| a.unit.as_deref() == Some("zz") && a.kind == ledger_score::AnomalyKind::UnitNotAssessed)
    );
    // a unit without a record had nothing due: full points
    assert_eq!(unit(&s, "a").process[0].score.to_string(), "10.00");
    // a disqualified unit has no process parts
    let mut i = input(&["a"]).disqualify("a");
    i.process = vec![rec("a", 2, 1)];
    assert!(unit(&score_period(&i, &p).unwrap(), "a").process.is_empty());
}

#[test]
fn project_reporting_is_scored_by_the_share_of_projects_reported() {
    let p = policy(
        two_rules("45", "45"),
        process(json!([
            {"id": "Q1", "measure": "on_time_reporting", "points": "7", "clause": "c"},
            {"id": "Q3", "measure": "project_reporting", "points": "3", "clause": "plan line 770"}
        ])),
    );
    let rec = |unit: &str, due: u32, reported: u32| ledger_score::ProcessInput {
        unit: unit.into(),
        reports_due: 0,
        reports_on_time: 0,
        findings_overdue: 0,
        projects_due: due,
        projects_reported: reported,
        provenance: vec![7],
    };
    let mut i = input(&["a", "b"]);
    i.process = vec![rec("a", 3, 2), rec("b", 0, 0)];
    let s = score_period(&i, &p).unwrap();
    let a = &unit(&s, "a").process[1];
    assert_eq!((a.measure.as_str(), a.score.to_string()), ("project_reporting", "2.00".to_owned()));
    assert_eq!(
        a.basis,
        "2 of 3 major project(s) under construction reported progress for the period: 3 x 2 / 3 -> 2.00"
    );
    assert_eq!(unit(&s, "b").process[1].score.to_string(), "3.00");
    i.process = vec![rec("a", 1, 2)];
    let err = score_period(&i, &p).unwrap_err();
    assert!(err.to_string().contains("2 projects reported of 1 due"), "{err}");
    // per_finding belongs to overdue_findings only
    let bad = policy_json(
        two_rules("45", "45"),
        process(
            json!([{"id": "Q3", "measure": "project_reporting", "points": "10", "per_finding": "1", "clause": "c"}]),
        ),
    );
    assert!(parse(&bad).unwrap_err().to_string().contains("process.parts[0].per_finding"));
}
