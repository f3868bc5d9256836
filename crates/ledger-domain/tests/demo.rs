//! The demonstration data, built in memory: it must go through every rule,
//! and its recorded consequences must be exactly those the rules imply.

#![allow(clippy::unwrap_used)]

use ledger_domain::events::Stage;
use ledger_domain::state::PeriodState;
use ledger_testkit::World;

#[test]
fn the_demonstration_builds_and_audits_clean() {
    let mut w = World::new();
    let built = ledger_domain::demo::build(&mut w).unwrap();
    let d = &w.domain;
    // The project library: twelve projects, one demotion, one completed and
    // evaluated, and the refused skip, which left the ledger as it was.
    assert_eq!(d.projects.len(), 12);
    assert_eq!(built.refusals.len(), 1);
    let r = &built.refusals[0];
    assert!(r.message.contains("skips a stage"), "{}", r.message);
    assert_eq!(r.records_before, r.records_after);
    let corridor = &d.projects["jn-2020-010"];
    assert_eq!(corridor.stage, Stage::Preparatory);
    assert!(corridor.stages.iter().all(|s| s.to != Stage::Construction));
    let hub = &d.projects["jn-2020-008"];
    assert_eq!(hub.stage, Stage::Reserve);
    assert!(hub.stages.last().unwrap().demotion_reason.is_some());
    assert!(d.projects["jn-2018-004"].evaluation.is_some());
    assert!(d.projects["jn-2018-001"].completed.is_some());
    assert!(d.projects["jn-2019-006"].progress.iter().all(|p| !p.milestone.is_empty()));
    let by_stage = |s: Stage| d.projects.values().filter(|p| p.stage == s).count();
    assert!(by_stage(Stage::Reserve) > 0 && by_stage(Stage::Preparatory) > 0 && by_stage(Stage::Construction) > 0);
    // Shanghe's admonition talks and accountability name an official by
    // commitment; the earliest is erased.
    assert!(d.personal.len() >= 3, "{:?}", d.personal);
    let mut named = d.personal.values();
    assert!(named.next().unwrap().redacted.is_some());
    assert!(named.all(|p| p.redacted.is_none() && ledger_domain::personal::is_commitment(&p.commitment)));
    // replaying the records gives the same library, to the hash
    let replayed = w.replay();
    assert_eq!(replayed.projects, d.projects);
    assert_eq!(replayed.personal, d.personal);
    assert_eq!(replayed.measures, d.measures);
    assert_eq!(replayed.land_use, d.land_use);
    assert_eq!(ledger_domain::monitoring::projection_hash(&replayed), ledger_domain::monitoring::projection_hash(d));
    // Policy measures and land use are monitored every year.
    assert_eq!(d.measures.len(), 4);
    assert_eq!(d.measures["m-fund"].status(), ledger_domain::events::MeasureStatus::Done);
    assert_eq!(d.measures["m-permits"].reports.len(), 5);
    assert!(d.land_use.values().flatten().any(|(_, r)| !r.projects.is_empty()));
    assert_eq!(ledger_domain::projects::projection_hash(&replayed), ledger_domain::projects::projection_hash(d));
    assert_eq!(d.indicators.len(), 22);
    for year in 2018..=2022 {
        let p = &d.periods[&year.to_string()];
        assert!(matches!(p.state, PeriodState::Finalized { .. }), "{year} not finalised");
        assert_eq!(p.units.contains(&"laiwu".to_owned()), year >= 2019, "{year}");
    }
    // The fiscal reward covers districts and counties only (plan line 542):
    // no functional zone earns one, and each says why.
    for year in 2018..=2022 {
        let s = d.periods[&year.to_string()].finalized_scores.as_ref().unwrap();
        let mut districts_rewarded = 0;
        for u in &s.units {
            let fiscal = u.consequences.iter().any(|c| c.kind == "fiscal_reward");
            if ["gaoxin", "xianxing", "nanbu"].contains(&u.unit.as_str()) {
                assert!(!fiscal, "{year}: functional zone {} earned a fiscal reward", u.unit);
                let why = format!(
                    "[C2 (plan line 542)] no fiscal reward: the clause covers units of kind district, county and {} is a functional_zone",
                    u.unit
                );
                assert!(u.steps.contains(&why), "{year} {}: {:?}", u.unit, u.steps);
            } else if fiscal {
                districts_rewarded += 1;
            }
        }
        assert!(districts_rewarded > 0, "{year}: no district or county earned a fiscal reward");
        // the input gives each unit its kind as the year ends
        let input = ledger_domain::scoring::input(d, &d.periods[&year.to_string()]);
        let kind = |u: &str| input.unit_kinds.iter().find(|k| k.unit == u).map(|k| k.kind);
        assert_eq!(kind("gaoxin"), Some(ledger_score::UnitKind::FunctionalZone));
        assert_eq!(kind("pingyin"), Some(ledger_score::UnitKind::County));
        assert_eq!(kind("lixia"), Some(ledger_score::UnitKind::District));
    }
    let findings = ledger_domain::audit::audit(d, None);
    assert!(findings.is_empty(), "{findings:#?}");
    let scores = d.periods["2022"].finalized_scores.as_ref().unwrap();
    let grades: Vec<(&str, &str, String)> =
        scores.units.iter().map(|u| (u.unit.as_str(), u.grade.as_str(), u.score.to_string())).collect();
    eprintln!("{grades:#?}");
    for year in 2018..=2022 {
        let s = d.periods[&year.to_string()].finalized_scores.as_ref().unwrap();
        let g: Vec<String> = s
            .units
            .iter()
            .map(|u| {
                format!(
                    "{}:{}:{}:{:?}",
                    u.unit,
                    u.grade,
                    u.score,
                    u.consequences.iter().map(|c| c.kind.clone()).collect::<Vec<_>>()
                )
            })
            .collect();
        eprintln!("{year}: {g:?}");
    }
}
