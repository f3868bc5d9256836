//! Replay and projections: attestation, as-of, audit, determinism.

#![allow(clippy::unwrap_used)]

use ledger_core::append::{MemoryLedger, Refusal, Rules, Submission};
use ledger_core::verify::{Check, Options, verify_all};
use ledger_core::{Envelope, Record};
use ledger_domain::replay::check_attestations;
use ledger_domain::{AsOf, Replay};
use ledger_testkit::World;
use proptest::prelude::*;
use serde_json::json;

/// Rules that let any domain event through, as software that bypasses the
/// domain rules would.
struct Lax;
impl Rules for Lax {
    type Decision = ();
    fn latest_schema(&self, t: &str) -> Option<u32> {
        ledger_domain::events::is_domain_type(t).then_some(1)
    }
    fn decide(&self, _: &Envelope) -> Result<(), Refusal> {
        Ok(())
    }
    fn apply(&mut self, _: &Record, _: ()) {}
}

/// A small period with values, ready to publish.
fn small(w: &mut World, values: &[(&str, &str, String)]) {
    let indicators: Vec<String> = w.domain.indicators.keys().cloned().collect();
    w.ok(
        "authority",
        "period/2022",
        "period_opened",
        json!({"year": 2022, "units": ["lixia", "laiwu", "shanghe"], "indicators": indicators, "policy": {"id": "jinan-nokec-2018", "version": 1}}),
        "2022-01-05",
    );
    let mut targets = Vec::new();
    for unit in ["lixia", "laiwu", "shanghe"] {
        for ind in &indicators {
            if ind.starts_with('F') {
                continue;
            }
            let (t, b) = if ["6", "9", "11"].contains(&ind.as_str()) { ("100", "50") } else { ("35", "20") };
            targets.push(Submission::new(
                "period/2022",
                "target_assigned",
                json!({"unit": unit, "indicator": ind, "target": t, "baseline": b}),
                &format!("t-{unit}-{ind}"),
            ));
        }
    }
    w.try_append("authority", targets, ledger_testkit::at("2022-01-10")).unwrap();
    let subs = values
        .iter()
        .map(|(u, i, v)| {
            Submission::new(
                "period/2022",
                "measurement_submitted",
                json!({"unit": u, "indicator": i, "value": v}),
                &format!("v-{u}-{i}"),
            )
        })
        .collect();
    w.try_append("statistics", subs, ledger_testkit::at("2023-02-01")).unwrap();
}

fn some_values() -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("lixia", "1", "33.0".into()),
        ("laiwu", "1", "25.5".into()),
        ("shanghe", "1", "19.0".into()),
        ("lixia", "9", "120".into()),
        ("laiwu", "9", "80".into()),
        ("lixia", "19", "6.0".into()),
        ("laiwu", "19", "6.0".into()),
        ("shanghe", "19", "3.0".into()),
    ]
}

#[test]
fn a_false_attestation_is_caught_by_verification() {
    let mut w = World::with_defaults();
    small(&mut w, &some_values());
    let right = w.projection_hash("2022");
    w.ok(
        "assessment",
        "period/2022",
        "scores_published",
        json!({"window_until": "2023-03-15", "projection_hash": right}),
        "2023-03-01",
    );
    // the assessment office's own key signs a finalisation with a hash the
    // events do not give, through software that skips the domain rules
    let key = w.key("assessment");
    let lie = Submission::new("period/2022", "period_finalized", json!({"projection_hash": "ab".repeat(32)}), "fin");
    w.ledger.append(vec![lie], &key, &[], ledger_testkit::at("2023-03-20"), &mut Lax).unwrap();
    let raw = w.ledger.raw();
    let mut report = verify_all(&raw, Options::default());
    assert!(report.ok(), "the kernel sees a well-signed record: {:?}", report.findings);
    check_attestations(&mut report, w.ledger.records());
    let last = w.ledger.records().last().unwrap().seq;
    assert_eq!(report.findings.iter().map(|f| (f.seq, f.check)).collect::<Vec<_>>(), vec![(last, Check::Attestation)]);
    assert!(report.findings[0].message.contains("are not the scores these events imply"));
}

#[test]
fn as_of_shows_what_was_published_and_what_it_became() {
    let mut w = World::with_defaults();
    small(&mut w, &some_values());
    let published = w.projection_hash("2022");
    let pub_seq = w.ok(
        "assessment",
        "period/2022",
        "scores_published",
        json!({"window_until": "2023-03-15", "projection_hash": published}),
        "2023-03-01",
    );
    w.ok("shanghe", "period/2022", "objection_filed", json!({"objection": "o1", "unit": "shanghe", "indicator": "1", "claim": "miscounted", "proposed_value": "26.0"}), "2023-03-05");
    w.ok(
        "assessment",
        "period/2022",
        "objection_resolved",
        json!({"objection": "o1", "outcome": "upheld", "reasons": "recount", "corrected_value": "26.0"}),
        "2023-03-10",
    );
    let after = w.projection_hash("2022");
    assert_ne!(published, after);
    let records: Vec<(&Record, bool)> = w.ledger.records().iter().map(|r| (r, true)).collect();
    let hash_at = |as_of: AsOf| {
        let replay = Replay::run(records.iter().copied(), as_of);
        let p = &replay.domain.periods["2022"];
        hex::encode(ledger_score::projection_hash(&ledger_domain::scoring::score(&replay.domain, p).unwrap().0))
    };
    assert_eq!(hash_at(AsOf::Seq(pub_seq)), published);
    assert_eq!(hash_at(AsOf::Time(ledger_testkit::at("2023-03-06"))), published, "an objection filed changes nothing");
    assert_eq!(hash_at(AsOf::End), after);
    // catch-up: feeding the same records again, then only new ones, gives the same state
    let mut replay = Replay::run(records.iter().copied().take(20), AsOf::End);
    for (r, ok) in &records {
        replay.feed(r, *ok);
    }
    let p = &replay.domain.periods["2022"];
    assert_eq!(
        hex::encode(ledger_score::projection_hash(&ledger_domain::scoring::score(&replay.domain, p).unwrap().0)),
        after
    );
}

#[test]
fn the_audit_finds_what_the_rules_do_not_justify() {
    let mut w = World::new();
    ledger_domain::demo::build(&mut w).unwrap();
    assert!(ledger_domain::audit::audit(&w.domain, None).is_empty());
    // an unjustified reward, a rescinded admonition talk, a fraud finding with the reward left standing
    w.ok(
        "authority",
        "period/2019",
        "reward_granted",
        json!({"reward": "gift", "unit": "shanghe", "kind": "policy_preference", "basis": "none"}),
        "2024-01-01",
    );
    w.ok(
        "authority",
        "period/2019",
        "action_rescinded",
        json!({"target": "admonition_talk-shanghe", "reason": "dropped"}),
        "2024-01-01",
    );
    w.ok(
        "authority",
        "period/2021",
        "data_fraud_determined",
        json!({"determination": "f1", "unit": "lixia", "indicators": ["1"], "basis": "fabricated survey"}),
        "2024-01-02",
    );
    let findings: Vec<(String, String, String)> =
        ledger_domain::audit::audit(&w.domain, None).into_iter().map(|f| (f.period, f.unit, f.finding)).collect();
    let lixia_2021: Vec<_> =
        findings.iter().filter(|f| f.0 == "2021" && f.1 == "lixia").map(|f| f.2.as_str()).collect();
    assert!(findings.contains(&("2019".into(), "shanghe".into(), "reward_without_basis".into())), "{findings:?}");
    assert!(
        findings.contains(&("2019".into(), "shanghe".into(), "due_consequence_not_recorded".into())),
        "{findings:?}"
    );
    assert!(
        !lixia_2021.is_empty() && lixia_2021.iter().all(|f| *f == "reward_not_revoked_after_fraud"),
        "{findings:?}"
    );
    // rescinding the rewards clears the fraud findings
    for id in ["policy_preference-lixia", "fiscal_reward-lixia"] {
        let _ = w.when(
            "authority",
            "period/2021",
            "action_rescinded",
            json!({"target": id, "reason": "fraud"}),
            "2024-01-03",
        );
    }
    let left: Vec<_> =
        ledger_domain::audit::audit(&w.domain, Some("2021")).into_iter().filter(|f| f.unit == "lixia").collect();
    assert!(left.is_empty(), "{left:?}");
}

fn hashes(w: &World) -> Vec<String> {
    w.domain.periods.keys().map(|p| w.projection_hash(p)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Replaying the same events twice, or the same facts signed by other
    /// keys, gives the same projection hash.
    #[test]
    fn the_projection_depends_on_the_facts_only(values in prop::collection::vec(0u32..10_000, 8), seed in 50u8..200) {
        let facts: Vec<(&str, &str, String)> = some_values()
            .into_iter()
            .zip(values)
            .map(|((u, i, _), v)| {
                let v = if i == "9" { (v / 10).to_string() } else { format!("{}.{}", v / 100 % 100, v % 100) };
                (u, i, v)
            })
            .collect();
        let mut a = World::with_defaults();
        small(&mut a, &facts);
        let mut b = World::with_defaults_keyed(seed);
        small(&mut b, &facts);
        prop_assert_eq!(hashes(&a), hashes(&b));
        // the records differ (other keys sign them) ...
        prop_assert_ne!(a.ledger.records().last().unwrap().hash, b.ledger.records().last().unwrap().hash);
        // ... and a replay of either gives the same state twice
        let replay = |l: &MemoryLedger| {
            let r = Replay::run(l.records().iter().map(|r| (r, true)), AsOf::End);
            let p = &r.domain.periods["2022"];
            hex::encode(ledger_score::projection_hash(&ledger_domain::scoring::score(&r.domain, p).unwrap().0))
        };
        prop_assert_eq!(replay(&a.ledger), replay(&a.ledger));
        prop_assert_eq!(replay(&a.ledger), replay(&b.ledger));
    }
}
