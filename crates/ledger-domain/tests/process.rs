//! Process assessment: monitoring rounds with in-year values, supervision
//! findings, and the process component they feed. Every refusal changes
//! nothing; replay gives the same state and projection hash; a published
//! result does not move when time passes or findings are closed later.

#![allow(clippy::unwrap_used)]

use ledger_domain::process::ReportState;
use ledger_testkit::{World, at};
use serde_json::{Value, json};

const P: &str = "period/2022";

/// The default data, policy version 2 (with a process component) and
/// period 2022 for Lixia and Shanghe, opened on 2022-01-05.
fn opened() -> World {
    let mut w = World::with_defaults();
    w.given("authority", vec![ledger_domain::defaults::policy_2022_event().unwrap()]);
    let indicators: Vec<String> = w.domain.indicators.keys().cloned().collect();
    w.ok(
        "authority",
        P,
        "period_opened",
        json!({"year": 2022, "units": ["lixia", "shanghe"], "indicators": indicators,
               "policy": {"id": "jinan-nokec-2018", "version": 2}}),
        "2022-01-05",
    );
    w
}

fn round(id: &str, due: &str, indicators: Value) -> Value {
    json!({"round": id, "due": due, "indicators": indicators})
}

fn value(unit: &str, indicator: &str, v: &str, round: &str) -> Value {
    json!({"unit": unit, "indicator": indicator, "value": v, "round": round})
}

fn finding(id: &str, unit: &str, due: &str) -> Value {
    json!({"finding": id, "unit": unit, "text": "ledger of enterprises incomplete", "severity": "major", "follow_up_due": due})
}

#[test]
fn rounds_are_checked_and_refusals_change_nothing() {
    let mut w = opened();
    let r = "monitoring_round_opened";
    w.refused("assessment", P, r, round("Q1", "2022-04-15", json!([])), "2022-01-10", "at least one indicator");
    w.refused("assessment", P, r, round("Q1", "2022-04-15", json!(["9", "9"])), "2022-01-10", "listed twice");
    w.refused(
        "assessment",
        P,
        r,
        round("Q1", "2022-04-15", json!(["F9"])),
        "2022-01-10",
        "not assessed in period 2022",
    );
    w.refused("assessment", P, r, round("Q 1", "2022-04-15", json!(["9"])), "2022-01-10", "round \"Q 1\" must be");
    w.refused("assessment", P, r, round("Q1", "2022-02-30", json!(["9"])), "2022-01-10", "is not a date");
    w.refused("assessment", "period/2031", r, round("Q1", "2031-04-15", json!(["9"])), "2022-01-10", "not been opened");
    // the role table: the statistics office does not open rounds
    w.refused("statistics", P, r, round("Q1", "2022-04-15", json!(["9"])), "2022-01-10", "monitoring_round_opened");
    w.ok("assessment", P, r, round("Q1", "2022-04-15", json!(["9", "14"])), "2022-01-10");
    w.refused("assessment", P, r, round("Q1", "2022-05-15", json!(["9"])), "2022-01-11", "already open");
    assert_eq!(w.domain.periods["2022"].rounds["Q1"].indicators, ["9", "14"]);
}

#[test]
fn in_year_values_are_kept_apart_from_annual_ones() {
    let mut w = opened();
    w.ok("assessment", P, "monitoring_round_opened", round("Q1", "2022-04-15", json!(["9", "14"])), "2022-01-10");
    let m = "measurement_submitted";
    w.refused("statistics", P, m, value("lixia", "9", "40", "Q7"), "2022-04-01", "has no round \"Q7\"");
    w.refused("statistics", P, m, value("lixia", "1", "40", "Q1"), "2022-04-01", "asks for indicators 9, 14, not 1");
    w.refused("statistics", P, m, value("lixia", "9", "-1", "Q1"), "2022-04-01", "value");
    w.refused("statistics", P, m, value("jinan", "9", "40", "Q1"), "2022-04-01", "unknown unit");
    let q1 = w.ok("statistics", P, m, value("lixia", "9", "40", "Q1"), "2022-04-01");
    w.refused("statistics", P, m, value("lixia", "9", "41", "Q1"), "2022-04-02", "already submitted");
    // the annual value of the same indicator is a separate thing
    let annual = w.ok("statistics", P, m, json!({"unit": "lixia", "indicator": "9", "value": "160"}), "2022-04-02");
    let p = &w.domain.periods["2022"];
    assert_eq!(p.current[&("lixia".into(), "9".into())], annual);
    assert_eq!(p.rounds["Q1"].current[&("lixia".into(), "9".into())], q1);
    assert!(!p.measurements.contains_key(&q1), "an in-year value is not an annual measurement");
    // corrected like an annual value, in its round
    w.ok(
        "statistics",
        P,
        "measurement_corrected",
        json!({"corrects": q1, "value": "42", "reason": "two firms left out"}),
        "2022-04-03",
    );
    let steps = &w.domain.periods["2022"].rounds["Q1"].values[&("lixia".into(), "9".into())];
    assert_eq!(steps.iter().map(|s| s.value.to_string()).collect::<Vec<_>>(), ["40", "42"]);
    assert_eq!(w.domain.periods["2022"].values[&("lixia".into(), "9".into())].len(), 1, "annual value untouched");
    // verified and returned like annual values; a returned one may come again
    let q1_14 = w.ok("statistics", P, m, value("lixia", "14", "1.5", "Q1"), "2022-04-04");
    w.ok("assessment", P, "measurement_verified", json!({"measurement": q1}), "2022-04-05");
    assert!(w.domain.periods["2022"].rounds["Q1"].measurements[&q1].verified.is_some());
    w.ok(
        "assessment",
        P,
        "measurement_returned",
        json!({"measurement": q1_14, "reason": "wrong register"}),
        "2022-04-06",
    );
    assert!(!w.domain.periods["2022"].rounds["Q1"].current.contains_key(&("lixia".into(), "14".into())));
    w.ok("statistics", P, m, value("lixia", "14", "1.6", "Q1"), "2022-04-20");
}

#[test]
fn supervision_findings_are_checked() {
    let mut w = opened();
    let s = "supervision_recorded";
    w.refused("assessment", P, s, finding("f1", "gaoxin", "2022-06-30"), "2022-05-10", "not assessed in period 2022");
    w.refused(
        "assessment",
        P,
        s,
        finding("f1", "shanghe", "2022-05-09"),
        "2022-05-10",
        "follow_up_due: 2022-05-09 is before",
    );
    let mut bad = finding("f1", "shanghe", "2022-06-30");
    bad["severity"] = json!("grave");
    w.refused("assessment", P, s, bad, "2022-05-10", "severity");
    let mut with_round = finding("f1", "shanghe", "2022-06-30");
    with_round["round"] = json!("Q9");
    w.refused("assessment", P, s, with_round, "2022-05-10", "no round \"Q9\"");
    w.refused("shanghe", P, s, finding("f1", "shanghe", "2022-06-30"), "2022-05-10", "supervision_recorded");
    // the assessment office or an inspector
    w.ok("assessment", P, s, finding("f1", "shanghe", "2022-06-30"), "2022-05-10");
    w.ok("inspector", P, s, finding("f2", "lixia", "2022-06-30"), "2022-05-10");
    w.refused("assessment", P, s, finding("f1", "lixia", "2022-06-30"), "2022-05-11", "already recorded");
    let c = "supervision_closed";
    w.refused("assessment", P, c, json!({"finding": "f9", "text": "done"}), "2022-06-01", "no finding \"f9\"");
    w.refused("assessment", P, c, json!({"finding": "f1", "text": " "}), "2022-06-01", "text must not be empty");
    w.ok("assessment", P, c, json!({"finding": "f1", "text": "register completed"}), "2022-06-01");
    w.refused("inspector", P, c, json!({"finding": "f1", "text": "again"}), "2022-06-02", "already closed");
}

/// Q1 due 2022-04-15 and Q2 due 2022-07-15, each asking for 9 and 14.
/// Lixia reports everything on time; Shanghe reports Q1 late and nothing
/// for Q2. A finding about Shanghe is overdue, one about Lixia closed in
/// time.
fn a_year() -> World {
    let mut w = opened();
    let r = "monitoring_round_opened";
    w.ok("assessment", P, r, round("Q1", "2022-04-15", json!(["9", "14"])), "2022-01-10");
    w.ok("assessment", P, r, round("Q2", "2022-07-15", json!(["9", "14"])), "2022-04-01");
    let m = "measurement_submitted";
    w.ok("statistics", P, m, value("lixia", "9", "40", "Q1"), "2022-04-15T15:59:59Z"); // 23:59:59 in Beijing
    w.ok("statistics", P, m, value("lixia", "14", "1.5", "Q1"), "2022-04-15T15:59:59Z");
    w.ok("statistics", P, m, value("shanghe", "9", "4", "Q1"), "2022-04-15T16:00:00Z"); // 00:00 on the 16th
    w.ok("statistics", P, m, value("shanghe", "14", "0.2", "Q1"), "2022-04-20");
    w.ok("statistics", P, m, value("lixia", "9", "80", "Q2"), "2022-07-10");
    w.ok("statistics", P, m, value("lixia", "14", "3.1", "Q2"), "2022-07-10");
    w.ok("assessment", P, "supervision_recorded", finding("f1", "shanghe", "2022-08-31"), "2022-07-20");
    w.ok("assessment", P, "supervision_recorded", finding("f2", "lixia", "2022-08-31"), "2022-07-20");
    w.ok("assessment", P, "supervision_closed", json!({"finding": "f2", "text": "done"}), "2022-08-30");
    w
}

fn parts(w: &World, unit: &str) -> Vec<String> {
    let (scores, _) = ledger_domain::scoring::score(&w.domain, &w.domain.periods["2022"]).unwrap();
    let u = scores.units.iter().find(|u| u.unit == unit).unwrap();
    u.process.iter().map(|p| format!("{}={}", p.id, p.score)).collect()
}

#[test]
fn reports_and_findings_count_as_of_the_cut_off() {
    let mut w = a_year();
    let p = &w.domain.periods["2022"];
    // as of the latest record (2022-08-30): both rounds due, f1 not yet overdue
    let cut = ledger_domain::process::cutoff(&w.domain, p);
    assert_eq!(cut, at("2022-08-30"));
    let q1 = &p.rounds["Q1"];
    assert_eq!(q1.report("lixia", "9", cut).0, ReportState::OnTime);
    assert_eq!(q1.report("shanghe", "9", cut).0, ReportState::Late);
    assert_eq!(p.rounds["Q2"].report("shanghe", "9", cut).0, ReportState::Missing);
    assert_eq!(p.rounds["Q2"].report("shanghe", "9", at("2022-07-01")).0, ReportState::NotDue);
    let counts = ledger_domain::process::counts(&w.domain, p, cut);
    let shanghe = counts.iter().find(|c| c.unit == "shanghe").unwrap();
    assert_eq!((shanghe.reports_due, shanghe.reports_on_time, shanghe.findings_overdue), (4, 0, 0));
    let lixia = counts.iter().find(|c| c.unit == "lixia").unwrap();
    assert_eq!((lixia.reports_due, lixia.reports_on_time, lixia.findings_overdue), (4, 4, 0));
    // policy v2: Q1 6 x on time / due, Q2 4 - 2 per overdue finding
    assert_eq!(parts(&w, "lixia"), ["Q1=6.00", "Q2=4.00"]);
    assert_eq!(parts(&w, "shanghe"), ["Q1=0.00", "Q2=4.00"]);
    // time passes (any domain record moves the ledger's clock): f1 is now overdue
    w.ok(
        "inspector",
        "audit",
        "audit_finding_recorded",
        json!({"finding": "a1", "text": "autumn visit"}),
        "2022-09-15",
    );
    assert_eq!(parts(&w, "shanghe"), ["Q1=0.00", "Q2=2.00"]);
    // closing it late does not undo that
    w.ok("assessment", P, "supervision_closed", json!({"finding": "f1", "text": "done, late"}), "2022-10-01");
    assert_eq!(parts(&w, "shanghe"), ["Q1=0.00", "Q2=2.00"]);
    // the composite includes the component
    let (scores, _) = ledger_domain::scoring::score(&w.domain, &w.domain.periods["2022"]).unwrap();
    let s = scores.units.iter().find(|u| u.unit == "shanghe").unwrap();
    assert!(s.steps.iter().any(|l| l.starts_with("process component: ") && l.contains(" + 0 (Q1) + 2 (Q2) = ")));
}

#[test]
fn a_published_result_does_not_move_and_replays_to_the_same_hash() {
    let mut w = a_year();
    let published_at = at("2022-08-31T10:00:00Z");
    let p = &w.domain.periods["2022"];
    let (scores, _) = ledger_domain::scoring::score_at(&w.domain, p, published_at).unwrap();
    let hash = hex::encode(ledger_score::projection_hash(&scores));
    w.ok(
        "assessment",
        P,
        "scores_published",
        json!({"window_until": "2022-09-15", "projection_hash": hash}),
        "2022-08-31T10:00:00Z",
    );
    assert_eq!(w.projection_hash("2022"), hash);
    // no rounds or findings once published; closures still may come
    w.refused(
        "assessment",
        P,
        "monitoring_round_opened",
        round("Q3", "2022-10-15", json!(["9"])),
        "2022-09-01",
        "not open",
    );
    w.refused("assessment", P, "supervision_recorded", finding("f3", "lixia", "2022-12-01"), "2022-09-01", "not open");
    w.refused("statistics", P, "measurement_submitted", value("shanghe", "9", "5", "Q2"), "2022-09-01", "is published");
    // f1's follow-up date passes after the publication: the attested result stands
    w.ok(
        "inspector",
        "audit",
        "audit_finding_recorded",
        json!({"finding": "a2", "text": "winter visit"}),
        "2022-12-01",
    );
    assert_eq!(w.projection_hash("2022"), hash);
    w.ok("assessment", P, "supervision_closed", json!({"finding": "f1", "text": "done"}), "2022-12-02");
    assert_eq!(w.projection_hash("2022"), hash);
    // replay, twice: the same state and the same projection hash
    let once = w.replay();
    let twice = w.replay();
    assert_eq!(once, w.domain);
    assert_eq!(once, twice);
    let p = &once.periods["2022"];
    let (s, _) = ledger_domain::scoring::score(&once, p).unwrap();
    assert_eq!(hex::encode(ledger_score::projection_hash(&s)), hash);
    // and an attestation of the wrong counts is refused
    let mut other = opened();
    other.ok("assessment", P, "monitoring_round_opened", round("Q1", "2022-04-15", json!(["9"])), "2022-01-10");
    let stale = other.projection_hash("2022"); // counted as of 2022-01-10: nothing due yet
    other.refused(
        "assessment",
        P,
        "scores_published",
        json!({"window_until": "2022-05-15", "projection_hash": stale}),
        "2022-05-01",
        "the scores attested are not the scores these events imply",
    );
}

#[test]
fn major_projects_under_construction_are_counted_with_their_progress() {
    let mut w = opened();
    let evidence = json!({"blake3": "ab".repeat(32), "title": "quarterly report"});
    for id in ["p1", "p2", "p3"] {
        let s = format!("project/{id}");
        w.ok(
            "projects",
            &s,
            "project_registered",
            json!({"project": id, "name_zh": "产业园", "name_en": "Park", "unit": "lixia", "sector": "IT",
                   "planned_investment": "1000", "investment_unit": "万元", "stage": "reserve"}),
            "2022-01-10",
        );
        let step = |from: &str, to: &str| json!({"project": id, "from": from, "to": to, "basis": "approval", "approved_by": "Commission"});
        w.ok("projects", &s, "project_promoted", step("reserve", "preparatory"), "2022-02-01");
        if id != "p3" {
            w.ok("projects", &s, "project_promoted", step("preparatory", "construction"), "2022-03-01");
        }
    }
    let progress = |id: &str, period: &str| json!({"project": id, "period": period, "investment_completed": "100", "milestone": "foundations", "evidence": evidence});
    // p1 reports for 2022-H1; p2 only for another period; p3 is not under construction
    w.ok("projects", "project/p1", "project_progress_reported", progress("p1", "2022-H1"), "2022-07-05");
    w.ok("projects", "project/p2", "project_progress_reported", progress("p2", "20221"), "2022-07-05");
    w.ok("projects", "project/p3", "project_progress_reported", progress("p3", "2022"), "2022-07-05");
    let p = &w.domain.periods["2022"];
    let cut = ledger_domain::process::cutoff(&w.domain, p);
    assert_eq!(ledger_domain::process::projects(&w.domain, p, "lixia", cut).0, 2);
    assert_eq!(ledger_domain::process::projects(&w.domain, p, "lixia", cut).1, 1);
    // as of a time before p2 was promoted to construction: one project due
    assert_eq!(ledger_domain::process::projects(&w.domain, p, "lixia", at("2022-02-15")).0, 0);
    assert_eq!(ledger_domain::process::projects(&w.domain, p, "lixia", at("2022-03-02")).0, 2);
    // before p1's report was recorded it does not count
    assert_eq!(ledger_domain::process::projects(&w.domain, p, "lixia", at("2022-07-01")).1, 0);
    let c = ledger_domain::process::counts(&w.domain, p, cut);
    let lixia = c.iter().find(|c| c.unit == "lixia").unwrap();
    assert_eq!((lixia.projects_due, lixia.projects_reported), (2, 1));
    assert_eq!(ledger_domain::process::projects(&w.domain, p, "shanghe", cut).0, 0);
    assert_eq!(w.replay(), w.domain);
}
