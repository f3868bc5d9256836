//! Given / when / then tests of the domain decisions: each refusal says why
//! and leaves the ledger unchanged.

#![allow(clippy::unwrap_used)]

use ledger_testkit::World;
use serde_json::{Value, json};

fn all_indicators(w: &World) -> Vec<String> {
    w.domain.indicators.keys().cloned().collect()
}

fn open(w: &mut World, year: i32, units: &[&str]) -> Result<u64, String> {
    let indicators = all_indicators(w);
    w.when(
        "authority",
        &format!("period/{year}"),
        "period_opened",
        json!({"year": year, "units": units, "indicators": indicators, "policy": {"id": "jinan-nokec-2018", "version": 1}}),
        &format!("{year}-01-05"),
    )
}

fn submit(unit: &str, indicator: &str, value: &str) -> Value {
    json!({"unit": unit, "indicator": indicator, "value": value})
}

#[test]
fn the_unit_history_decides_who_is_in_a_period() {
    let mut w = World::with_defaults();
    let err = open(&mut w, 2018, &["lixia", "laiwu"]).unwrap_err();
    assert!(err.contains("unit laiwu (Laiwu District) did not exist in 2018: it is assessed from 2019-01-09"), "{err}");
    open(&mut w, 2018, &["lixia", "jiyang"]).unwrap();
    open(&mut w, 2022, &["lixia", "laiwu", "gangcheng", "jiyang"]).unwrap();
    // Jiyang: a county until mid-2018, a district since
    let jiyang = &w.domain.units["jiyang"];
    assert_eq!(format!("{:?}", jiyang.kind), "District");
    assert_eq!(jiyang.name_en, "Jiyang District");
    assert_eq!(jiyang.history.len(), 3);
    // a retired unit is not in later periods
    w.ok(
        "authority",
        "unit/nanbu",
        "unit_retired",
        json!({"unit": "nanbu", "effective": "2020-01-01", "reason": "merged into the pilot zone administration"}),
        "2019-06-01",
    );
    assert!(open(&mut w, 2021, &["nanbu"]).unwrap_err().contains("it ceased on 2020-01-01"));
    assert!(open(&mut w, 2019, &["nanbu"]).is_ok());
    // unknown units and indicators
    assert!(open(&mut w, 2020, &["atlantis"]).unwrap_err().contains("unknown unit \"atlantis\""));
}

#[test]
fn unit_changes_follow_the_units_state() {
    let mut w = World::with_defaults();
    w.refused(
        "authority",
        "unit/jiyang",
        "unit_reclassified",
        json!({"unit": "jiyang", "from": "county", "to": "district", "effective": "2019-01-01"}),
        "2019-01-01",
        "is a District, not a County",
    );
    w.refused(
        "authority",
        "unit/lixia",
        "unit_registered",
        json!({"unit": "lixia", "name_zh": "x", "name_en": "x", "kind": "district", "effective": "2019-01-01"}),
        "2019-01-01",
        "already registered",
    );
    w.refused(
        "authority",
        "unit/lixia",
        "unit_merged",
        json!({"unit": "lixia", "into": "lixia", "effective": "2019-01-01"}),
        "2019-01-01",
        "itself",
    );
    w.refused(
        "authority",
        "unit/other",
        "unit_renamed",
        json!({"unit": "lixia", "name_zh": "x", "name_en": "x", "effective": "2019-01-01"}),
        "2019-01-01",
        "belong in stream \"unit/lixia\"",
    );
    w.ok(
        "authority",
        "unit/nanbu",
        "unit_merged",
        json!({"unit": "nanbu", "into": "licheng", "effective": "2021-01-01"}),
        "2020-12-01",
    );
    w.refused(
        "authority",
        "unit/nanbu",
        "unit_renamed",
        json!({"unit": "nanbu", "name_zh": "x", "name_en": "x", "effective": "2021-06-01"}),
        "2021-06-01",
        "no longer exists",
    );
}

#[test]
fn values_are_checked_against_the_catalog() {
    let mut w = World::with_defaults();
    open(&mut w, 2022, &["lixia", "laiwu"]).unwrap();
    let s = "period/2022";
    let day = "2023-02-01";
    for (data, expected) in [
        (submit("lixia", "1", "12,5"), "decimal"),
        (submit("lixia", "1", "NaN"), "decimal"),
        (submit("lixia", "1", "1e400"), "decimal"),
        (submit("lixia", "1", " 1"), "decimal"),
        (json!({"unit": "lixia", "indicator": "1", "value": 21.5}), "write exact decimal values as strings"),
        (submit("lixia", "9", "-3"), "is not a count"),
        (submit("lixia", "9", "12.5"), "is not a count"),
        (submit("lixia", "1", "101"), "is not a share between 0 and 100"),
        (submit("lixia", "15", "-1"), "is negative"),
        (submit("atlantis", "1", "20"), "unknown unit \"atlantis\""),
        (submit("shanghe", "1", "20"), "unit shanghe is not assessed in period 2022"),
        (submit("lixia", "99", "20"), "unknown indicator \"99\""),
        (
            json!({"unit": "lixia", "indicator": "1", "value": "20", "measure": "yuan"}),
            "does not match indicator 1's unit of measure \"%\"",
        ),
        (
            json!({"unit": "lixia", "indicator": "15", "value": "20", "measure": "万元"}),
            "does not match indicator 15's unit of measure \"亿元\" or \"100M yuan\"",
        ),
        (
            json!({"unit": "lixia", "indicator": "1", "value": "20", "evidence": {"blake3": "xyz", "title": "t"}}),
            "evidence.blake3",
        ),
        (json!({"unit": "lixia", "indicator": "1", "value": "20", "colour": "red"}), "unknown field `colour`"),
        (json!({"unit": "lixia", "value": "20"}), "missing field `indicator`"),
    ] {
        w.refused("statistics", s, "measurement_submitted", data, day, expected);
    }
    // rate indicators may be negative; counts are integers
    w.ok("statistics", s, "measurement_submitted", submit("lixia", "18", "-0.4"), day);
    w.ok("statistics", s, "measurement_submitted", submit("lixia", "9", "310"), day);
    // The unit of measure in either of the catalog's spellings.
    let measured = |indicator: &str, measure: &str| json!({"unit": "lixia", "indicator": indicator, "value": "708", "measure": measure});
    w.ok("statistics", s, "measurement_submitted", measured("15", "亿元"), day);
    w.ok("statistics", s, "measurement_submitted", measured("17", "100M yuan"), day);
    let first = w.ok("statistics", s, "measurement_submitted", submit("lixia", "1", "25.60"), day);
    // a second value for the same unit and indicator is a correction, with a reason
    w.refused("statistics", s, "measurement_submitted", submit("lixia", "1", "26"), day, "already submitted at seq");
    w.refused(
        "statistics",
        s,
        "measurement_corrected",
        json!({"corrects": first, "value": "26", "reason": " "}),
        day,
        "reason must not be empty",
    );
    w.refused(
        "statistics",
        s,
        "measurement_corrected",
        json!({"corrects": 3, "value": "26", "reason": "x"}),
        day,
        "is not a measurement_submitted of period 2022",
    );
    w.ok(
        "statistics",
        s,
        "measurement_corrected",
        json!({"corrects": first, "value": "26.1", "reason": "late survey returns"}),
        day,
    );
    let steps = &w.domain.periods["2022"].values[&("lixia".to_owned(), "1".to_owned())];
    assert_eq!(steps.iter().map(|s| s.value.to_string()).collect::<Vec<_>>(), vec!["25.60", "26.1"]);
    // roles are the kernel's: the statistics bureau cannot verify its own value
    let err = w.when("statistics", s, "measurement_verified", json!({"measurement": first}), day).unwrap_err();
    assert!(err.contains("needs role assessment"), "{err}");
}

#[test]
fn returned_values_can_be_submitted_again() {
    let mut w = World::with_defaults();
    open(&mut w, 2022, &["lixia"]).unwrap();
    let s = "period/2022";
    let m = w.ok("statistics", s, "measurement_submitted", submit("lixia", "13", "5200"), "2023-02-01");
    w.ok(
        "assessment",
        s,
        "measurement_returned",
        json!({"measurement": m, "reason": "wrong population base"}),
        "2023-02-02",
    );
    w.refused("assessment", s, "measurement_verified", json!({"measurement": m}), "2023-02-02", "was returned");
    w.refused(
        "statistics",
        s,
        "measurement_corrected",
        json!({"corrects": m, "value": "5100", "reason": "x"}),
        "2023-02-02",
        "was returned",
    );
    let again = w.ok("statistics", s, "measurement_submitted", submit("lixia", "13", "5100"), "2023-02-03");
    w.ok("assessment", s, "measurement_verified", json!({"measurement": again}), "2023-02-04");
    w.refused(
        "assessment",
        s,
        "measurement_returned",
        json!({"measurement": again, "reason": "x"}),
        "2023-02-04",
        "was verified",
    );
}

/// A period with every value in, ready to publish.
fn filled(w: &mut World) {
    filled_with(w, |_, _, v| Some(v));
}

/// A period with the values `value` gives (from the default one; `None`
/// leaves the value out).
fn filled_with(w: &mut World, value: impl Fn(&str, &str, &'static str) -> Option<&'static str>) {
    open(w, 2022, &["lixia", "laiwu"]).unwrap();
    let s = "period/2022";
    let mut subs = Vec::new();
    let mut targets = Vec::new();
    for unit in ["lixia", "laiwu"] {
        for ind in all_indicators(w) {
            let (v, t, b) = match ind.as_str() {
                "9" | "6" | "11" => ("120", "100", "20"),
                "F1" | "F2" | "F3" | "18" | "19" => ("6.0", "5.0", "2.0"),
                _ => ("30.5", "35", "20.0"),
            };
            let v = if unit == "laiwu" && ind == "1" { "20.0" } else { v };
            if let Some(v) = value(unit, &ind, v) {
                subs.push(ledger_core::append::Submission::new(
                    s,
                    "measurement_submitted",
                    submit(unit, &ind, v),
                    &format!("v-{unit}-{ind}"),
                ));
            }
            if !ind.starts_with('F') {
                targets.push(ledger_core::append::Submission::new(
                    s,
                    "target_assigned",
                    json!({"unit": unit, "indicator": ind, "target": t, "baseline": b}),
                    &format!("t-{unit}-{ind}"),
                ));
            }
        }
    }
    w.try_append("authority", targets, ledger_testkit::at("2022-01-10")).unwrap();
    w.try_append("statistics", subs, ledger_testkit::at("2023-02-01")).unwrap();
}

#[test]
fn the_period_lifecycle_is_a_state_machine() {
    let mut w = World::with_defaults();
    filled(&mut w);
    let s = "period/2022";
    // objections and finalisation need a publication; rewards a finalisation
    w.refused(
        "statistics",
        s,
        "objection_filed",
        json!({"objection": "o1", "unit": "lixia", "claim": "x"}),
        "2023-02-02",
        "needs role",
    );
    w.refused(
        "shanghe",
        s,
        "objection_filed",
        json!({"objection": "o1", "unit": "lixia", "claim": "x"}),
        "2023-02-02",
        "period 2022 is open: `objection_filed` is not allowed (allowed when published)",
    );
    let hash = w.projection_hash("2022");
    w.refused(
        "assessment",
        s,
        "period_finalized",
        json!({"projection_hash": hash}),
        "2023-02-02",
        "allowed when published",
    );
    w.refused(
        "authority",
        s,
        "reward_granted",
        json!({"reward": "r1", "unit": "lixia", "kind": "policy_preference", "basis": "x"}),
        "2023-02-02",
        "consequences follow a finalised result",
    );
    // publication must attest the scores the events imply
    w.refused(
        "assessment",
        s,
        "scores_published",
        json!({"window_until": "2023-03-15", "projection_hash": "00".repeat(32)}),
        "2023-03-01",
        "are not the scores these events imply",
    );
    w.refused(
        "assessment",
        s,
        "scores_published",
        json!({"window_until": "2023-02-15", "projection_hash": hash}),
        "2023-03-01",
        "before the publication",
    );
    w.ok(
        "assessment",
        s,
        "scores_published",
        json!({"window_until": "2023-03-15", "projection_hash": hash}),
        "2023-03-01",
    );
    // after publication: no new submissions or targets, corrections still with reasons
    w.refused(
        "statistics",
        s,
        "measurement_submitted",
        submit("lixia", "1", "1"),
        "2023-03-02",
        "change only through a correction",
    );
    w.refused(
        "authority",
        s,
        "target_assigned",
        json!({"unit": "lixia", "indicator": "1", "target": "1"}),
        "2023-03-02",
        "is published",
    );
    // objections inside the window only
    w.ok(
        "shanghe",
        s,
        "objection_filed",
        json!({"objection": "o1", "unit": "laiwu", "indicator": "1", "claim": "miscounted", "proposed_value": "24.0"}),
        "2023-03-10",
    );
    w.ok(
        "inspector",
        s,
        "objection_filed",
        // The window's last day ends at midnight in Jinan (the ledger records
        // no other zone): 23:59:59 +08:00.
        json!({"objection": "o2", "unit": "lixia", "indicator": "2", "claim": "wrong base"}),
        "2023-03-15T15:59:59Z",
    );
    w.refused(
        "shanghe",
        s,
        "objection_filed",
        json!({"objection": "o3", "unit": "laiwu", "claim": "late"}),
        "2023-03-15T16:00:00Z",
        "closed at 2023-03-15 23:59:59 +08:00; objections are no longer accepted",
    );
    w.refused(
        "shanghe",
        s,
        "objection_filed",
        json!({"objection": "o1", "unit": "laiwu", "claim": "again"}),
        "2023-03-15",
        "",
    );
    // finalisation waits for the resolutions
    let hash = w.projection_hash("2022");
    w.refused("assessment", s, "period_finalized", json!({"projection_hash": hash}), "2023-03-20", "objection o1 (seq");
    w.refused(
        "assessment",
        s,
        "objection_resolved",
        json!({"objection": "o1", "outcome": "upheld", "reasons": "ok"}),
        "2023-03-18",
        "needs corrected_value",
    );
    w.refused(
        "assessment",
        s,
        "objection_resolved",
        json!({"objection": "o2", "outcome": "dismissed", "reasons": "no", "corrected_value": "3"}),
        "2023-03-18",
        "drop corrected_value",
    );
    w.ok(
        "assessment",
        s,
        "objection_resolved",
        json!({"objection": "o1", "outcome": "upheld", "reasons": "recount confirms", "corrected_value": "24.0"}),
        "2023-03-18",
    );
    w.ok(
        "assessment",
        s,
        "objection_resolved",
        json!({"objection": "o2", "outcome": "dismissed", "reasons": "the base is right"}),
        "2023-03-18",
    );
    w.refused(
        "assessment",
        s,
        "objection_resolved",
        json!({"objection": "o2", "outcome": "dismissed", "reasons": "again"}),
        "2023-03-18",
        "already resolved",
    );
    // the upheld objection replaced the value
    let steps = &w.domain.periods["2022"].values[&("laiwu".to_owned(), "1".to_owned())];
    assert_eq!(steps.last().unwrap().value.to_string(), "24.0");
    assert!(steps.last().unwrap().how.starts_with("objection o1 upheld"));
    // the hash attested must be today's
    w.refused(
        "assessment",
        s,
        "period_finalized",
        json!({"projection_hash": hash}),
        "2023-03-20",
        "are not the scores these events imply",
    );
    let hash = w.projection_hash("2022");
    w.ok("assessment", s, "period_finalized", json!({"projection_hash": hash}), "2023-03-20");
    // finalised: no more submissions; corrections are restatements; decisions now allowed
    w.refused("statistics", s, "measurement_submitted", submit("lixia", "1", "1"), "2023-03-21", "is finalized");
    w.refused("assessment", s, "measurement_verified", json!({"measurement": 40}), "2023-03-21", "is finalized");
    let r = w.ok(
        "authority",
        s,
        "reward_granted",
        json!({"reward": "r1", "unit": "lixia", "kind": "policy_preference", "basis": "excellent"}),
        "2023-04-01",
    );
    assert!(r > 0);
    w.refused(
        "authority",
        s,
        "reward_granted",
        json!({"reward": "r1", "unit": "laiwu", "kind": "policy_preference", "basis": "x"}),
        "2023-04-01",
        "already used",
    );
    // a fiscal reward whose amount the rules cannot compute is granted without one
    w.ok(
        "authority",
        s,
        "reward_granted",
        json!({"reward": "r2", "unit": "laiwu", "kind": "fiscal_reward", "basis": "x"}),
        "2023-04-01",
    );
    w.refused(
        "authority",
        s,
        "reward_granted",
        json!({"reward": "r3", "unit": "laiwu", "kind": "fiscal_reward", "amount": "-1", "basis": "x"}),
        "2023-04-01",
        "must not be negative",
    );
    w.ok(
        "authority",
        s,
        "accountability_action_taken",
        json!({"action": "a1", "unit": "laiwu", "kind": "public_notice", "basis": "poor"}),
        "2023-04-01",
    );
    w.refused(
        "shanghe",
        s,
        "rectification_submitted",
        json!({"action": "r1", "unit": "lixia", "text": "x"}),
        "2023-04-02",
        "is a reward",
    );
    w.refused(
        "shanghe",
        s,
        "rectification_submitted",
        json!({"action": "r2", "unit": "laiwu", "text": "x"}),
        "2023-04-02",
        "is a reward",
    );
    w.refused(
        "shanghe",
        s,
        "rectification_submitted",
        json!({"action": "a1", "unit": "lixia", "text": "x"}),
        "2023-04-02",
        "concerns unit laiwu",
    );
    w.ok(
        "shanghe",
        s,
        "rectification_submitted",
        json!({"action": "a1", "unit": "laiwu", "text": "plan adopted"}),
        "2023-04-02",
    );
    w.ok("authority", s, "action_rescinded", json!({"target": "r1", "reason": "granted in error"}), "2023-04-03");
    w.refused(
        "authority",
        s,
        "action_rescinded",
        json!({"target": "r1", "reason": "again"}),
        "2023-04-03",
        "already rescinded",
    );
    w.ok(
        "authority",
        s,
        "data_fraud_determined",
        json!({"determination": "d1", "unit": "laiwu", "indicators": ["1"], "basis": "fabricated survey"}),
        "2023-05-01",
    );
}

#[test]
fn policies_and_periods_must_fit_together() {
    let mut w = World::with_defaults();
    let mut policy: Value = serde_json::from_str(ledger_domain::defaults::POLICY).unwrap();
    w.refused(
        "authority",
        "policy/jinan-nokec-2018",
        "policy_adopted",
        json!({"policy": policy.clone()}),
        "2018-02-01",
        "already adopted",
    );
    policy["version"] = json!(2);
    policy["indicators"][0]["weight"] = json!("7");
    w.refused(
        "authority",
        "policy/jinan-nokec-2018",
        "policy_adopted",
        json!({"policy": policy.clone()}),
        "2018-02-01",
        "100",
    );
    let err = w
        .when(
            "authority",
            "period/2022",
            "period_opened",
            json!({"year": 2022, "units": ["lixia"], "indicators": ["1"], "policy": {"id": "jinan-nokec-2018", "version": 1}}),
            "2022-01-05",
        )
        .unwrap_err();
    assert!(err.contains("the policy scores indicator"), "{err}");
    let err = w
        .when(
            "authority",
            "period/2022",
            "period_opened",
            json!({"year": 2022, "units": ["lixia"], "indicators": ["1"], "policy": {"id": "other", "version": 1}}),
            "2022-01-05",
        )
        .unwrap_err();
    assert!(err.contains("has not been adopted"), "{err}");
}

/// Publishes and finalises period 2022 of a filled world.
fn finalise(w: &mut World) {
    let s = "period/2022";
    let hash = w.projection_hash("2022");
    w.ok(
        "assessment",
        s,
        "scores_published",
        json!({"window_until": "2023-03-15", "projection_hash": hash}),
        "2023-03-01",
    );
    let hash = w.projection_hash("2022");
    w.ok("assessment", s, "period_finalized", json!({"projection_hash": hash}), "2023-03-20");
}

fn findings(w: &World, unit: &str) -> Vec<String> {
    ledger_domain::audit::audit(&w.domain, Some("2022"))
        .into_iter()
        .filter(|f| f.unit == unit)
        .map(|f| format!("{}: {}", f.finding, f.message))
        .collect()
}

fn consequence<'a>(w: &'a World, unit: &str, kind: &str) -> Option<&'a ledger_score::Consequence> {
    let scores = w.domain.periods["2022"].finalized_scores.as_ref().unwrap();
    scores.units.iter().find(|u| u.unit == unit).unwrap().consequences.iter().find(|c| c.kind == kind)
}

#[test]
fn a_fiscal_reward_the_rules_cannot_compute_is_granted_without_an_amount() {
    let mut w = World::with_defaults();
    // lixia grows faster than the city average on F1 and F2 but has no F3:
    // the reward is due, its amount cannot be computed.
    filled_with(&mut w, |unit, ind, v| match (unit, ind) {
        ("laiwu", "F1" | "F2") => Some("4.0"),
        ("lixia", "F3") => None,
        _ => Some(v),
    });
    finalise(&mut w);
    let due = consequence(&w, "lixia", "fiscal_reward").expect("lixia qualifies for the fiscal reward");
    assert_eq!(due.amount, None, "no F3, no amount");
    let s = "period/2022";
    assert!(findings(&w, "lixia").iter().any(|f| f.starts_with("due_consequence_not_recorded")));
    // granted with an amount the rules do not give: the audit says so
    w.ok(
        "authority",
        s,
        "reward_granted",
        json!({"reward": "f1", "unit": "lixia", "kind": "fiscal_reward", "amount": "10", "basis": "C2"}),
        "2023-04-01",
    );
    let f = findings(&w, "lixia");
    assert!(f.iter().any(|f| f.starts_with("amount_differs") && f.contains("imply no amount")), "{f:?}");
    // granted without one, as the rules give it: consistent
    w.ok("authority", s, "action_rescinded", json!({"target": "f1", "reason": "no amount computable"}), "2023-04-02");
    w.ok(
        "authority",
        s,
        "reward_granted",
        json!({"reward": "f2", "unit": "lixia", "kind": "fiscal_reward", "basis": "C2, amount to follow F3"}),
        "2023-04-02",
    );
    let f = findings(&w, "lixia");
    assert!(!f.iter().any(|f| f.contains("fiscal")), "{f:?}");
}

#[test]
fn after_a_fraud_determination_the_audit_judges_the_unit_against_its_void_result() {
    let mut w = World::with_defaults();
    filled_with(&mut w, |unit, ind, v| match (unit, ind) {
        ("laiwu", "F1" | "F2") => Some("4.0"),
        ("laiwu", i) if !i.starts_with('F') && !matches!(i, "6" | "9" | "11" | "18" | "19") => Some("10.0"),
        _ => Some(v),
    });
    finalise(&mut w);
    let s = "period/2022";
    // lixia's attested result earns the fiscal reward; laiwu's a public notice
    let amount = consequence(&w, "lixia", "fiscal_reward").and_then(|c| c.amount).expect("an amount").to_string();
    assert!(consequence(&w, "laiwu", "public_notice").is_some(), "laiwu is poor in this world");
    w.ok(
        "authority",
        s,
        "reward_granted",
        json!({"reward": "f1", "unit": "lixia", "kind": "fiscal_reward", "amount": amount, "basis": "C2"}),
        "2023-04-01",
    );
    w.ok(
        "authority",
        s,
        "accountability_action_taken",
        json!({"action": "a1", "unit": "laiwu", "kind": "public_notice", "basis": "C3.1"}),
        "2023-04-01",
    );
    assert_eq!(findings(&w, "lixia"), Vec::<String>::new());
    assert_eq!(findings(&w, "laiwu"), Vec::<String>::new());
    // fraud voids the result: lixia's reward must go; laiwu's sanction stays due
    for (id, unit) in [("d1", "lixia"), ("d2", "laiwu")] {
        w.ok(
            "authority",
            s,
            "data_fraud_determined",
            json!({"determination": id, "unit": unit, "indicators": ["1"], "basis": "fabricated survey"}),
            "2023-05-01",
        );
    }
    let f = findings(&w, "lixia");
    assert!(f.iter().any(|f| f.starts_with("reward_not_revoked_after_fraud") && f.contains("f1")), "{f:?}");
    assert_eq!(findings(&w, "laiwu"), Vec::<String>::new(), "fraud does not excuse a due sanction");
    w.ok("authority", s, "action_rescinded", json!({"target": "f1", "reason": "data fraud"}), "2023-05-02");
    assert_eq!(findings(&w, "lixia"), Vec::<String>::new());
    // rescinding laiwu's notice now would leave a due sanction unrecorded
    w.ok("authority", s, "action_rescinded", json!({"target": "a1", "reason": "fraud"}), "2023-05-02");
    let f = findings(&w, "laiwu");
    assert!(f.iter().any(|f| f.starts_with("due_consequence_not_recorded")), "{f:?}");
}
