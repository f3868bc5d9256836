//! The office builders construct the catalogue's payload structs: each
//! writes exactly the `data` the `json!` builders before them wrote
//! (member names, optional members left out, decimals as written), so
//! that a record's bytes do not depend on which of them built it. The
//! expectations below are those `json!` shapes, on the demonstration's
//! state; the CSV event ids, derived from the content, are checked too.

#![allow(clippy::unwrap_used)]

use ledger_core::append::Submission;
use ledger_domain::Domain;
use ledger_engine::office::{self, ObjectionFiling, PeriodOpening, SupervisionFiling};
use ledger_engine::{csv, governance, monitoring, personal, projects};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::OnceLock;

/// The demonstration's domain state, built once in memory (office keys of
/// the set 40).
fn demo() -> &'static Domain {
    static DEMO: OnceLock<Domain> = OnceLock::new();
    DEMO.get_or_init(|| {
        let mut w = ledger_testkit::World::keyed(40);
        ledger_domain::demo::build(&mut w).unwrap();
        w.domain
    })
}

#[track_caller]
fn same(sub: &Submission, stream: &str, event_type: &str, data: Value) {
    assert_eq!(sub.stream, stream);
    assert_eq!(sub.event_type, event_type);
    assert_eq!(sub.schema, None);
    assert_eq!(Value::Object(sub.data.clone()), data, "{event_type}");
    // The canonical bytes are those of the same value.
    assert_eq!(
        ledger_core::canonical::to_vec(&Value::Object(sub.data.clone())).unwrap(),
        ledger_core::canonical::to_vec(&data).unwrap()
    );
}

#[test]
fn the_office_builders_write_the_payloads_the_json_builders_wrote() {
    let d = demo();
    let p = "2022";
    let s = "period/2022";
    same(
        &office::time_zone("Asia/Shanghai").unwrap(),
        "settings",
        "time_zone_adopted",
        json!({"zone": "Asia/Shanghai"}),
    );

    let opening = PeriodOpening {
        period: "2023".into(),
        units: Some(vec!["lixia".into(), "商河县".into()]),
        indicators: Some(vec!["1".into(), "2".into()]),
        policy: Some("jinan-nokec-2018@2".into()),
        ..Default::default()
    };
    let expected = json!({"year": 2023, "units": ["lixia", "shanghe"], "indicators": ["1", "2"],
                          "policy": {"id": "jinan-nokec-2018", "version": 2}});
    same(&office::open_period(d, &opening).unwrap(), "period/2023", "period_opened", expected.clone());
    let noted = PeriodOpening { note: Some("备注".into()), ..opening };
    let mut with_note = expected;
    with_note["note"] = json!("备注");
    same(&office::open_period(d, &noted).unwrap(), "period/2023", "period_opened", with_note);

    let current = office::current_submission(d, p, "lixia", "1").unwrap();
    for value in ["25.60", "-3", "0.000", "-0", "-0.50", "79228162514264337593543950335"] {
        same(
            &office::correction(d, p, None, "历下区", "1", value, "typo").unwrap(),
            s,
            "measurement_corrected",
            json!({"corrects": current, "value": value, "reason": "typo"}),
        );
    }
    let round = d.periods[p].rounds.keys().next().unwrap().clone();
    let in_round = office::current_in(d, p, Some(&round), "lixia", "9").unwrap();
    same(
        &office::correction(d, p, Some(&round), "lixia", "9", "12", "late count").unwrap(),
        s,
        "measurement_corrected",
        json!({"corrects": in_round, "value": "12", "reason": "late count"}),
    );
    same(
        &office::return_value(d, p, None, "lixia", "1", "wrong base").unwrap(),
        s,
        "measurement_returned",
        json!({"measurement": current, "reason": "wrong base"}),
    );

    let filing = ObjectionFiling {
        id: Some("obj-x".into()),
        unit: "Shanghe".into(),
        indicator: None,
        claim: "the claim".into(),
        proposed_value: None,
    };
    same(
        &office::objection(d, p, &filing).unwrap(),
        s,
        "objection_filed",
        json!({"objection": "obj-x", "unit": "shanghe", "claim": "the claim"}),
    );
    let full = ObjectionFiling { indicator: Some("10".into()), proposed_value: Some("1.50".into()), ..filing };
    same(
        &office::objection(d, p, &full).unwrap(),
        s,
        "objection_filed",
        json!({"objection": "obj-x", "unit": "shanghe", "claim": "the claim", "indicator": "10", "proposed_value": "1.50"}),
    );
    let generated = office::objection(d, "2021", &ObjectionFiling { id: None, ..full }).unwrap();
    assert_eq!(generated.data["objection"], json!("obj-2021-1"));

    let objection = d.periods[p].objections.keys().next().unwrap().clone();
    same(
        &office::resolution(d, p, &objection, false, "no basis", None).unwrap(),
        s,
        "objection_resolved",
        json!({"objection": objection, "outcome": "dismissed", "reasons": "no basis"}),
    );
    same(
        &office::resolution(d, p, &objection, true, "right", Some("7.0")).unwrap(),
        s,
        "objection_resolved",
        json!({"objection": objection, "outcome": "upheld", "reasons": "right", "corrected_value": "7.0"}),
    );

    same(
        &office::reward(d, p, Some("r-1"), "lixia", "policy_preference", None, "C1").unwrap(),
        s,
        "reward_granted",
        json!({"reward": "r-1", "unit": "lixia", "kind": "policy_preference", "basis": "C1"}),
    );
    same(
        &office::reward(d, p, Some("r-2"), "lixia", "fiscal_reward", Some("746.20"), "C2").unwrap(),
        s,
        "reward_granted",
        json!({"reward": "r-2", "unit": "lixia", "kind": "fiscal_reward", "amount": "746.20", "basis": "C2"}),
    );
    same(
        &office::action(d, p, Some("a-1"), "shanghe", "admonition_talk", "C3").unwrap(),
        s,
        "accountability_action_taken",
        json!({"action": "a-1", "unit": "shanghe", "kind": "admonition_talk", "basis": "C3"}),
    );
    let person = "ab".repeat(32);
    same(
        &office::action_naming(d, p, Some("a-1"), "shanghe", "admonition_talk", "C3", Some(&person)).unwrap(),
        s,
        "accountability_action_taken",
        json!({"action": "a-1", "unit": "shanghe", "kind": "admonition_talk", "basis": "C3", "person": person}),
    );
    let decision = d.periods[p].decisions.keys().next().unwrap().clone();
    same(
        &office::rescission(d, p, &decision, "granted in error").unwrap(),
        s,
        "action_rescinded",
        json!({"target": decision, "reason": "granted in error"}),
    );
    let (q, action, unit) = d
        .periods
        .values()
        .flat_map(|q| q.decisions.values().map(move |x| (q, x)))
        .find(|(_, x)| !x.kind.ends_with("reward") && x.kind != "policy_preference")
        .map(|(q, x)| (q.id.clone(), x.id.clone(), x.unit.clone()))
        .unwrap();
    same(
        &office::rectification(d, &q, &action, "done").unwrap(),
        &format!("period/{q}"),
        "rectification_submitted",
        json!({"action": action, "unit": unit, "text": "done"}),
    );
    same(
        &office::fraud(d, p, Some("f-1"), "shanghe", &["10".into(), "9".into()], "falsified").unwrap(),
        s,
        "data_fraud_determined",
        json!({"determination": "f-1", "unit": "shanghe", "indicators": ["10", "9"], "basis": "falsified"}),
    );

    same(
        &office::open_round(d, p, "Q9", "2022-12-31", &["9".into()], None).unwrap(),
        s,
        "monitoring_round_opened",
        json!({"round": "Q9", "due": "2022-12-31", "indicators": ["9"]}),
    );
    same(
        &office::open_round(d, p, "Q9", "not a date", &["9".into()], Some("月报")).unwrap(),
        s,
        "monitoring_round_opened",
        json!({"round": "Q9", "due": "not a date", "indicators": ["9"], "note": "月报"}),
    );
    let finding = SupervisionFiling {
        id: Some("sup-x".into()),
        unit: "商河县".into(),
        severity: "major".into(),
        text: "late".into(),
        follow_up_due: "2022-06-30".into(),
        round: None,
    };
    same(
        &office::supervision(d, p, &finding).unwrap(),
        s,
        "supervision_recorded",
        json!({"finding": "sup-x", "unit": "shanghe", "severity": "major", "text": "late", "follow_up_due": "2022-06-30"}),
    );
    let in_round = SupervisionFiling { round: Some(round.clone()), ..finding };
    same(
        &office::supervision(d, p, &in_round).unwrap(),
        s,
        "supervision_recorded",
        json!({"finding": "sup-x", "unit": "shanghe", "severity": "major", "text": "late", "follow_up_due": "2022-06-30",
               "round": round}),
    );
    let open = d.periods[p].supervision.keys().next().unwrap().clone();
    same(
        &office::close_supervision(d, p, &open, "put right").unwrap(),
        s,
        "supervision_closed",
        json!({"finding": open, "text": "put right"}),
    );

    // A kind the payload cannot hold is refused as the rules refuse it.
    let e = office::reward(d, p, None, "lixia", "medal", None, "C1").unwrap_err();
    assert!(e.to_string().starts_with("reward_granted: kind: unknown variant `medal`"), "{e}");
    assert_eq!(e.rule().and_then(|r| r.refusal.field.as_deref()), Some("kind"));
}

#[test]
fn the_library_monitoring_and_personal_builders_write_the_payloads_the_json_builders_wrote() {
    let d = demo();
    same(
        &monitoring::register("m-x", ("标题", "Title"), "Office", "plan line 1", None),
        "measure/m-x",
        "measure_registered",
        json!({"measure": "m-x", "title_zh": "标题", "title_en": "Title", "lead_office": "Office", "source": "plan line 1"}),
    );
    same(
        &monitoring::register("m-x", ("标题", "Title"), "Office", "plan line 1", Some("2025-12-31")),
        "measure/m-x",
        "measure_registered",
        json!({"measure": "m-x", "title_zh": "标题", "title_en": "Title", "lead_office": "Office", "source": "plan line 1",
               "due": "2025-12-31"}),
    );
    let measure = d.measures.keys().next().unwrap().clone();
    same(
        &monitoring::progress(d, &measure, "2023", "in_progress", "under way").unwrap(),
        &format!("measure/{measure}"),
        "measure_progress_reported",
        json!({"measure": measure, "period": "2023", "status": "in_progress", "text": "under way"}),
    );
    // Every writer has written `projects`, an empty list too.
    same(
        &monitoring::land_use(d, "历下区", "2023", (" 12.50 ", "0"), &[]).unwrap(),
        "land/lixia",
        "land_use_reported",
        json!({"unit": "lixia", "period": "2023", "supplied_ha": "12.50", "used_ha": "0", "projects": []}),
    );
    same(
        &monitoring::land_use(d, "lixia", "2023", ("12.5", "3"), &["jn-1".into()]).unwrap(),
        "land/lixia",
        "land_use_reported",
        json!({"unit": "lixia", "period": "2023", "supplied_ha": "12.5", "used_ha": "3", "projects": ["jn-1"]}),
    );

    let registration = projects::Registration {
        id: "jn-x".into(),
        name_zh: "项目".into(),
        name_en: "Project".into(),
        unit: "历下区".into(),
        sector: "IT".into(),
        planned_investment: "125000.0".into(),
        note: None,
    };
    let expected = json!({"project": "jn-x", "name_zh": "项目", "name_en": "Project", "unit": "lixia", "sector": "IT",
                          "planned_investment": "125000.0", "investment_unit": "万元", "stage": "reserve"});
    same(&projects::register(d, &registration).unwrap(), "project/jn-x", "project_registered", expected.clone());
    let mut noted = expected;
    noted["note"] = json!("n");
    same(
        &projects::register(d, &projects::Registration { note: Some("n".into()), ..registration }).unwrap(),
        "project/jn-x",
        "project_registered",
        noted,
    );
    let (id, stage) = d.projects.values().find(|p| p.completed.is_none()).map(|p| (p.id.clone(), p.stage)).unwrap();
    let stream = format!("project/{id}");
    use ledger_domain::events::Stage;
    same(
        &projects::promote(d, &id, Stage::Construction, "approval", "DRC", None).unwrap(),
        &stream,
        "project_promoted",
        json!({"project": id, "from": stage.name(), "to": "construction", "basis": "approval", "approved_by": "DRC"}),
    );
    same(
        &projects::promote(d, &id, Stage::Reserve, "review", "DRC", Some("stalled")).unwrap(),
        &stream,
        "project_promoted",
        json!({"project": id, "from": stage.name(), "to": "reserve", "basis": "review", "approved_by": "DRC",
               "demotion": true, "reason": "stalled"}),
    );
    let hash = "AB".repeat(32);
    same(
        &projects::progress(d, &id, "2023-H1", "3500.50", "foundations", (&format!(" {hash} "), "report")).unwrap(),
        &stream,
        "project_progress_reported",
        json!({"project": id, "period": "2023-H1", "investment_completed": "3500.50", "milestone": "foundations",
               "evidence": {"blake3": hash.to_lowercase(), "title": "report"}}),
    );
    same(
        &projects::complete(d, &id, "2023-12-20", None).unwrap(),
        &stream,
        "project_completed",
        json!({"project": id, "completed": "2023-12-20"}),
    );
    same(
        &projects::complete(d, &id, "2023-12-20", Some("accepted")).unwrap(),
        &stream,
        "project_completed",
        json!({"project": id, "completed": "2023-12-20", "note": "accepted"}),
    );
    same(
        &projects::evaluate(d, &id, "good", "fine", None).unwrap(),
        &stream,
        "project_evaluated",
        json!({"project": id, "rating": "good", "summary": "fine"}),
    );
    same(
        &projects::evaluate(d, &id, "excellent", "fine", Some((&hash, "evaluation"))).unwrap(),
        &stream,
        "project_evaluated",
        json!({"project": id, "rating": "excellent", "summary": "fine",
               "evidence": {"blake3": hash.to_lowercase(), "title": "evaluation"}}),
    );

    let record = *d.personal.keys().last().unwrap();
    same(
        &personal::redaction(d, record, "retention ended").unwrap(),
        "personal-data",
        "personal_data_redacted",
        json!({"record": record, "reason": "retention ended"}),
    );
    let key = ledger_core::PublicKey::from(&ledger_testkit::key(77));
    same(
        &governance::binding(d, &key, "Laiwu").unwrap(),
        "unit/laiwu",
        "unit_key_bound",
        json!({"unit": "laiwu", "key": key.to_hex()}),
    );
}

#[test]
fn csv_tables_become_the_payloads_and_ids_the_json_builders_made() {
    let d = demo();
    let hash = "cd".repeat(32);
    let values = format!(
        "unit,indicator,value,evidence,evidence_title,measure,note\n历下区,1,25.60,{hash},Report,%,n\nlaiwu,9,-0,,,,\n"
    );
    let table = csv::parse(values.as_bytes(), csv::Kind::Values, Path::new(".")).unwrap();
    let subs = table.submissions("2022", None, d).unwrap();
    let id = |prefix: &str, content: &str| format!("{prefix}-{}", &blake3::hash(content.as_bytes()).to_hex()[..12]);
    assert_eq!(subs[0].0, 2);
    same(
        &subs[0].1,
        "period/2022",
        "measurement_submitted",
        json!({"unit": "lixia", "indicator": "1", "value": "25.60", "measure": "%", "note": "n",
               "evidence": {"blake3": hash, "title": "Report"}}),
    );
    assert_eq!(subs[0].1.id, id("csv-2022-lixia-1", "25.60"));
    same(&subs[1].1, "period/2022", "measurement_submitted", json!({"unit": "laiwu", "indicator": "9", "value": "-0"}));
    assert_eq!(subs[1].1.id, id("csv-2022-laiwu-9", "-0"));
    let round = d.periods["2022"].rounds.keys().next().unwrap().clone();
    let subs = table.submissions("2022", Some(&round), d).unwrap();
    assert_eq!(subs[1].1.data["round"], json!(round));
    assert_eq!(subs[1].1.id, id(&format!("csv-2022-{round}-laiwu-9"), "-0"));

    let targets = "unit,indicator,target,baseline,note\nlixia,1,35.0,20,plan\nlaiwu,2,3,,\n";
    let table = csv::parse(targets.as_bytes(), csv::Kind::Targets, Path::new(".")).unwrap();
    let subs = table.submissions("2022", None, d).unwrap();
    let full = json!({"unit": "lixia", "indicator": "1", "target": "35.0", "baseline": "20", "note": "plan"});
    same(&subs[0].1, "period/2022", "target_assigned", full.clone());
    assert_eq!(subs[0].1.id, id("target-2022-lixia-1", &full.to_string()));
    let bare = json!({"unit": "laiwu", "indicator": "2", "target": "3"});
    same(&subs[1].1, "period/2022", "target_assigned", bare.clone());
    assert_eq!(subs[1].1.id, id("target-2022-laiwu-2", &bare.to_string()));

    let corrections = format!("unit,indicator,value,reason,evidence\nlixia,1,26,recount,{hash}\n");
    let table = csv::parse(corrections.as_bytes(), csv::Kind::Corrections, Path::new(".")).unwrap();
    let subs = table.submissions("2022", None, d).unwrap();
    let current = office::current_submission(d, "2022", "lixia", "1").unwrap();
    let data =
        json!({"corrects": current, "value": "26", "reason": "recount", "evidence": {"blake3": hash, "title": hash}});
    same(&subs[0].1, "period/2022", "measurement_corrected", data.clone());
    assert_eq!(subs[0].1.id, id("correct-2022-lixia-1", &data.to_string()));
}
