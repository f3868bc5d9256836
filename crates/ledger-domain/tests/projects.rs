//! The major-project library: registration, one stage at a time, demotions
//! with a reason, progress, completion, evaluation; every refusal changes
//! nothing; replay gives the same library hash.

#![allow(clippy::unwrap_used)]

use ledger_domain::events::Stage;
use ledger_testkit::World;
use serde_json::{Value, json};

const S: &str = "project/p1";

fn registration() -> Value {
    json!({"project": "p1", "name_zh": "新一代信息技术产业园", "name_en": "Next-generation IT park", "unit": "lixia",
           "sector": "new-generation IT", "planned_investment": "350000.5", "investment_unit": "万元", "stage": "reserve"})
}

fn promotion(from: &str, to: &str) -> Value {
    json!({"project": "p1", "from": from, "to": to, "basis": "approval 2019-17", "approved_by": "Jinan Development and Reform Commission"})
}

fn evidence() -> Value {
    json!({"blake3": "ab".repeat(32), "title": "quarterly report"})
}

fn registered() -> World {
    let mut w = World::with_defaults();
    w.ok("projects", S, "project_registered", registration(), "2019-01-10");
    w
}

#[test]
fn registration_is_checked_field_by_field() {
    let mut w = World::with_defaults();
    let with = |k: &str, v: Value| {
        let mut r = registration();
        r[k] = v;
        r
    };
    w.refused(
        "projects",
        S,
        "project_registered",
        with("planned_investment", json!(350000)),
        "2019-01-10",
        "decimal values are written as strings",
    );
    w.refused(
        "projects",
        S,
        "project_registered",
        with("planned_investment", json!("1e5")),
        "2019-01-10",
        "planned_investment",
    );
    w.refused(
        "projects",
        S,
        "project_registered",
        with("planned_investment", json!("0")),
        "2019-01-10",
        "planned_investment: must be more than 0",
    );
    w.refused(
        "projects",
        S,
        "project_registered",
        with("investment_unit", json!("元")),
        "2019-01-10",
        "investment_unit",
    );
    w.refused(
        "projects",
        S,
        "project_registered",
        with("stage", json!("construction")),
        "2019-01-10",
        "stage: a project enters the library in the reserve stage",
    );
    w.refused("projects", S, "project_registered", with("stage", json!("built")), "2019-01-10", "unknown variant");
    w.refused("projects", S, "project_registered", with("unit", json!("atlantis")), "2019-01-10", "unit: unknown unit");
    w.refused(
        "projects",
        S,
        "project_registered",
        with("sector", json!(" ")),
        "2019-01-10",
        "sector must not be empty",
    );
    w.refused("projects", S, "project_registered", with("project", json!("P 1")), "2019-01-10", "project id");
    w.refused(
        "projects",
        "project/p2",
        "project_registered",
        registration(),
        "2019-01-10",
        "belong in stream \"project/p1\"",
    );
    // the kernel: the statistics bureau does not keep the library
    w.refused("statistics", S, "project_registered", registration(), "2019-01-10", "needs role projects");
    assert!(w.domain.projects.is_empty());
    w.ok("projects", S, "project_registered", registration(), "2019-01-10");
    w.refused("projects", S, "project_registered", registration(), "2019-01-11", "already registered");
    let p = &w.domain.projects["p1"];
    assert_eq!(p.stage, Stage::Reserve);
    assert_eq!(p.planned_investment.0.to_string(), "350000.5");
}

#[test]
fn a_project_moves_one_stage_at_a_time() {
    let mut w = registered();
    let before = w.domain.clone();
    // skipping the preparatory stage is refused, and changes nothing
    w.refused("projects", S, "project_promoted", promotion("reserve", "construction"), "2019-06-01", "skips a stage");
    assert_eq!(w.domain, before);
    // from must be the current stage
    w.refused(
        "projects",
        S,
        "project_promoted",
        promotion("preparatory", "construction"),
        "2019-06-01",
        "from: project p1 is in the reserve stage, not preparatory",
    );
    w.refused(
        "projects",
        S,
        "project_promoted",
        promotion("reserve", "reserve"),
        "2019-06-01",
        "already in the reserve stage",
    );
    let mut no_office = promotion("reserve", "preparatory");
    no_office["approved_by"] = json!("");
    w.refused("projects", S, "project_promoted", no_office, "2019-06-01", "approved_by must not be empty");
    let mut with_reason = promotion("reserve", "preparatory");
    with_reason["reason"] = json!("because");
    w.refused("projects", S, "project_promoted", with_reason, "2019-06-01", "only a demotion carries a reason");
    w.ok("projects", S, "project_promoted", promotion("reserve", "preparatory"), "2019-06-01");
    w.ok("projects", S, "project_promoted", promotion("preparatory", "construction"), "2020-03-01");
    // going back is refused unless it is a demotion with a reason
    w.refused(
        "projects",
        S,
        "project_promoted",
        promotion("construction", "preparatory"),
        "2020-09-01",
        "record it as a demotion",
    );
    let mut demotion = promotion("construction", "reserve");
    demotion["demotion"] = json!(true);
    w.refused("projects", S, "project_promoted", demotion.clone(), "2020-09-01", "reason: a demotion gives its reason");
    demotion["reason"] = json!("land-use approval lapsed");
    let mut forward = promotion("construction", "construction");
    forward["demotion"] = json!(true);
    forward["reason"] = json!("x");
    w.refused("projects", S, "project_promoted", forward, "2020-09-01", "already in the construction stage");
    w.ok("projects", S, "project_promoted", demotion, "2020-09-01");
    let p = &w.domain.projects["p1"];
    assert_eq!(p.stage, Stage::Reserve);
    let stages: Vec<(Option<Stage>, Stage)> = p.stages.iter().map(|s| (s.from, s.to)).collect();
    assert_eq!(
        stages,
        [
            (None, Stage::Reserve),
            (Some(Stage::Reserve), Stage::Preparatory),
            (Some(Stage::Preparatory), Stage::Construction),
            (Some(Stage::Construction), Stage::Reserve)
        ]
    );
    assert_eq!(p.stages[3].demotion_reason.as_deref(), Some("land-use approval lapsed"));
    assert_eq!(p.stages[1].approved_by.as_deref(), Some("Jinan Development and Reform Commission"));
    // a demotion marked on a move forward is refused
    let mut up = promotion("reserve", "preparatory");
    up["demotion"] = json!(true);
    up["reason"] = json!("x");
    w.refused("projects", S, "project_promoted", up, "2020-10-01", "is a move forward, not a demotion");
    // unknown project
    let mut other = promotion("reserve", "preparatory");
    other["project"] = json!("p9");
    w.refused("projects", "project/p9", "project_promoted", other, "2020-10-01", "project \"p9\" is not registered");
}

#[test]
fn progress_completion_and_evaluation() {
    let mut w = registered();
    let report = |period: &str, amount: &str| json!({"project": "p1", "period": period, "investment_completed": amount, "milestone": "foundations laid", "evidence": evidence()});
    w.refused("projects", S, "project_progress_reported", report("2019", "100"), "2019-02-01", "reserve stage");
    w.ok("projects", S, "project_promoted", promotion("reserve", "preparatory"), "2019-06-01");
    w.refused(
        "projects",
        S,
        "project_progress_reported",
        report("2019", "-1"),
        "2019-12-01",
        "investment_completed: must not be negative",
    );
    w.refused(
        "projects",
        S,
        "project_progress_reported",
        report("2019", "12.5.1"),
        "2019-12-01",
        "investment_completed",
    );
    let mut bad = report("2019", "1");
    bad["evidence"]["blake3"] = json!("xyz");
    w.refused("projects", S, "project_progress_reported", bad, "2019-12-01", "evidence.blake3");
    w.ok("projects", S, "project_progress_reported", report("2019", "1200.50"), "2019-12-01");
    w.refused(
        "projects",
        S,
        "project_progress_reported",
        report("2019", "5"),
        "2019-12-02",
        "already reported progress for 2019",
    );
    // Shanghe's key speaks for Shanghe: not for a Lixia project
    let shanghe = ledger_core::PublicKey::from(&w.key("shanghe")).to_hex();
    w.given(
        "authority",
        vec![ledger_core::append::Submission::new(
            "unit/shanghe",
            "unit_key_bound",
            json!({"unit": "shanghe", "key": shanghe}),
            "bind",
        )],
    );
    w.refused("shanghe", S, "project_progress_reported", report("2020", "5"), "2020-12-01", "speaks for unit shanghe");
    w.refused(
        "projects",
        S,
        "project_completed",
        json!({"project": "p1", "completed": "2020-12-31"}),
        "2021-01-05",
        "only a project in construction is completed",
    );
    w.ok("projects", S, "project_promoted", promotion("preparatory", "construction"), "2020-03-01");
    w.ok("projects", S, "project_progress_reported", report("2020", "30000"), "2020-12-01");
    w.refused(
        "assessment",
        S,
        "project_evaluated",
        json!({"project": "p1", "rating": "good", "summary": "on budget"}),
        "2021-01-05",
        "not completed",
    );
    w.refused(
        "projects",
        S,
        "project_completed",
        json!({"project": "p1", "completed": "2020-13-31"}),
        "2021-01-05",
        "is not a date",
    );
    w.ok("projects", S, "project_completed", json!({"project": "p1", "completed": "2020-12-31"}), "2021-01-05");
    w.refused(
        "projects",
        S,
        "project_completed",
        json!({"project": "p1", "completed": "2020-12-31"}),
        "2021-01-06",
        "already completed",
    );
    w.refused("projects", S, "project_progress_reported", report("2021", "1"), "2021-02-01", "is completed");
    w.refused(
        "projects",
        S,
        "project_promoted",
        promotion("construction", "construction"),
        "2021-02-01",
        "is completed",
    );
    w.refused(
        "assessment",
        S,
        "project_evaluated",
        json!({"project": "p1", "rating": "fine", "summary": "on budget"}),
        "2021-03-01",
        "unknown variant",
    );
    w.refused(
        "projects",
        S,
        "project_evaluated",
        json!({"project": "p1", "rating": "good", "summary": "on budget"}),
        "2021-03-01",
        "needs role assessment",
    );
    w.ok(
        "assessment",
        S,
        "project_evaluated",
        json!({"project": "p1", "rating": "good", "summary": "on budget, two months late"}),
        "2021-03-01",
    );
    w.refused(
        "assessment",
        S,
        "project_evaluated",
        json!({"project": "p1", "rating": "good", "summary": "again"}),
        "2021-03-02",
        "already evaluated",
    );
    let p = &w.domain.projects["p1"];
    assert_eq!(p.investment_completed().unwrap().to_string(), "31200.50");
    assert_eq!(p.progress.len(), 2);
    assert!(p.completed.is_some() && p.evaluation.is_some());
}

#[test]
fn the_library_replays_to_the_same_hash() {
    let mut w = registered();
    w.ok("projects", S, "project_promoted", promotion("reserve", "preparatory"), "2019-06-01");
    let report = json!({"project": "p1", "period": "2019", "investment_completed": "1200.50", "milestone": "design approved", "evidence": evidence()});
    w.ok("projects", S, "project_progress_reported", report, "2019-12-01");
    let hash = ledger_domain::projects::projection_hash(&w.domain);
    // replaying the records from genesis gives the same library and hash
    let replayed = w.replay();
    assert_eq!(replayed.projects, w.domain.projects);
    assert_eq!(ledger_domain::projects::projection_hash(&replayed), hash);
    // the hash sees every fact: another amount, another hash; trailing zeros do not count
    let mut other = w.domain.clone();
    other.projects.get_mut("p1").unwrap().progress[0].investment_completed = "1200.5".parse().unwrap();
    assert_eq!(ledger_domain::projects::projection_hash(&other), hash);
    other.projects.get_mut("p1").unwrap().progress[0].investment_completed = "1200.51".parse().unwrap();
    assert_ne!(ledger_domain::projects::projection_hash(&other), hash);
    // an empty library has its own, fixed hash
    assert_ne!(ledger_domain::projects::projection_hash(&ledger_domain::Domain::default()), hash);
}
