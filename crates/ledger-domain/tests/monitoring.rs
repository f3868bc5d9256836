//! Policy measures and land use (plan line 774): registration, one report
//! per period, nothing after a measure is done, land use checked against
//! the units and the project library; refusals change nothing; replay
//! gives the same monitoring hash.

#![allow(clippy::unwrap_used)]

use ledger_domain::events::MeasureStatus;
use ledger_domain::monitoring::projection_hash;
use ledger_testkit::World;
use serde_json::{Value, json};

const M: &str = "measure/m-612";

fn measure() -> Value {
    json!({"measure": "m-612", "title_zh": "设立新旧动能转换引导基金", "title_en": "A guidance fund for the conversion",
           "lead_office": "Jinan Municipal Finance Bureau", "source": "plan line 612", "due": "2020-12-31"})
}

fn report(period: &str, status: &str) -> Value {
    json!({"measure": "m-612", "period": period, "status": status, "text": "fund set up, first investments"})
}

fn land(unit: &str, period: &str, supplied: &str, used: &str) -> Value {
    json!({"unit": unit, "period": period, "supplied_ha": supplied, "used_ha": used})
}

#[test]
fn measures_are_reported_until_done() {
    let mut w = World::with_defaults();
    w.refused("authority", M, "measure_registered", json!({"measure": "m-612"}), "2019-01-10", "missing field");
    let mut no_office = measure();
    no_office["lead_office"] = json!(" ");
    w.refused("authority", M, "measure_registered", no_office, "2019-01-10", "lead_office must not be empty");
    w.refused("projects", M, "measure_registered", measure(), "2019-01-10", "needs role authority");
    w.refused("authority", "measure/other", "measure_registered", measure(), "2019-01-10", "belong in stream");
    w.ok("authority", M, "measure_registered", measure(), "2019-01-10");
    w.refused("authority", M, "measure_registered", measure(), "2019-01-11", "already registered");
    w.refused("projects", M, "measure_progress_reported", report("2019", "started"), "2019-12-01", "unknown variant");
    w.ok("projects", M, "measure_progress_reported", report("2019", "in_progress"), "2019-12-01");
    w.refused(
        "projects",
        M,
        "measure_progress_reported",
        report("2019", "done"),
        "2019-12-02",
        "already reported for 2019",
    );
    w.refused(
        "statistics",
        M,
        "measure_progress_reported",
        report("2020", "done"),
        "2020-12-01",
        "needs role projects",
    );
    w.ok("projects", M, "measure_progress_reported", report("2020", "done"), "2020-12-01");
    w.refused(
        "projects",
        M,
        "measure_progress_reported",
        report("2021", "in_progress"),
        "2021-12-01",
        "no later report",
    );
    let m = &w.domain.measures["m-612"];
    assert_eq!(m.status(), MeasureStatus::Done);
    assert_eq!(m.reports.len(), 2);
}

#[test]
fn land_use_is_checked_against_units_and_projects() {
    let mut w = World::with_defaults();
    let before = w.domain.clone();
    w.refused(
        "statistics",
        "land/lixia",
        "land_use_reported",
        land("lixia", "2021", "-1", "0"),
        "2022-01-10",
        "supplied_ha: must not be negative",
    );
    w.refused(
        "statistics",
        "land/lixia",
        "land_use_reported",
        land("lixia", "2021", "12", "1,5"),
        "2022-01-10",
        "used_ha",
    );
    w.refused(
        "statistics",
        "land/atlantis",
        "land_use_reported",
        land("atlantis", "2021", "1", "1"),
        "2022-01-10",
        "unknown unit",
    );
    w.refused(
        "statistics",
        "land/shizhong",
        "land_use_reported",
        land("lixia", "2021", "1", "1"),
        "2022-01-10",
        "belong in stream \"land/lixia\"",
    );
    let mut with_project = land("lixia", "2021", "120.5", "80.25");
    with_project["projects"] = json!(["p1"]);
    w.refused(
        "statistics",
        "land/lixia",
        "land_use_reported",
        with_project.clone(),
        "2022-01-10",
        "project \"p1\" is not registered",
    );
    assert_eq!(w.domain, before);
    w.ok(
        "projects",
        "project/p1",
        "project_registered",
        json!({"project": "p1", "name_zh": "园区", "name_en": "Park", "unit": "shizhong",
        "sector": "s", "planned_investment": "100", "investment_unit": "万元", "stage": "reserve"}),
        "2022-01-10",
    );
    w.refused(
        "statistics",
        "land/lixia",
        "land_use_reported",
        with_project.clone(),
        "2022-01-10",
        "is in unit shizhong, not lixia",
    );
    with_project["projects"] = json!([]);
    w.ok("statistics", "land/lixia", "land_use_reported", with_project, "2022-01-10");
    w.refused(
        "statistics",
        "land/lixia",
        "land_use_reported",
        land("lixia", "2021", "1", "1"),
        "2022-01-11",
        "already reported",
    );
    assert_eq!(w.domain.land_use["lixia"][0].1.used_ha.0.to_string(), "80.25");
}

#[test]
fn monitoring_replays_to_the_same_hash() {
    let mut w = World::with_defaults();
    w.ok("authority", M, "measure_registered", measure(), "2019-01-10");
    w.ok("projects", M, "measure_progress_reported", report("2019", "in_progress"), "2019-12-01");
    w.ok("statistics", "land/lixia", "land_use_reported", land("lixia", "2021", "120.50", "80"), "2022-01-10");
    let hash = projection_hash(&w.domain);
    let replayed = w.replay();
    assert_eq!(replayed.measures, w.domain.measures);
    assert_eq!(replayed.land_use, w.domain.land_use);
    assert_eq!(projection_hash(&replayed), hash);
    let mut other = w.domain.clone();
    other.land_use.get_mut("lixia").unwrap()[0].1.used_ha = "80.00".parse().unwrap();
    assert_eq!(projection_hash(&other), hash, "trailing zeros do not count");
    other.land_use.get_mut("lixia").unwrap()[0].1.used_ha = "80.01".parse().unwrap();
    assert_ne!(projection_hash(&other), hash);
}
