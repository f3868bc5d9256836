//! The demonstration data, built in memory: it must go through every rule,
//! and its recorded consequences must be exactly those the rules imply.

#![allow(clippy::unwrap_used)]

mod world;

use ledger_domain::state::PeriodState;
use world::World;

#[test]
fn the_demonstration_builds_and_audits_clean() {
    let mut w = World::new();
    ledger_domain::demo::build(&mut w).unwrap();
    let d = &w.domain;
    assert_eq!(d.indicators.len(), 22);
    for year in 2018..=2022 {
        let p = &d.periods[&year.to_string()];
        assert!(matches!(p.state, PeriodState::Finalized { .. }), "{year} not finalised");
        assert_eq!(p.units.contains(&"laiwu".to_owned()), year >= 2019, "{year}");
    }
    let findings = ledger_domain::project::audit(d, None);
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
