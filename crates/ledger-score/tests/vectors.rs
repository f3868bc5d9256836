//! The worked example of `docs/SCORING.md`, read from that file, and the
//! default policy `ledger/policy.json`.

use ledger_score::{
    IndicatorSpec, Method, PeriodInput, Policy, projection_bytes, projection_hash, projection_value, score_period,
};
use std::collections::BTreeMap;

const POLICY: &str = include_str!("../../../ledger/policy.json");
const CATALOG: &str = include_str!("../../../ledger/catalog.json");

/// Fenced blocks of SCORING.md whose info string starts with `example-`,
/// keyed by that info string (e.g. `json example-policy`).
fn blocks() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/SCORING.md")).unwrap();
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, l) if l.starts_with("```") && l.contains("example-") => {
                current = Some((l.trim_start_matches('`').to_owned(), String::new()));
            }
            (Some(_), "```") => {
                let (k, v) = current.take().unwrap();
                out.insert(k, v);
            }
            (Some((_, body)), l) => {
                body.push_str(l);
                body.push('\n');
            }
            _ => {}
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn scoring_md_worked_example() {
    let b = blocks();
    let policy = Policy::from_json(&b["json example-policy"]).unwrap();
    let input: PeriodInput = serde_json::from_str(&b["json example-input"]).unwrap();
    let scores = score_period(&input, &policy).unwrap();
    let projection = b["json example-projection"].trim();
    let bytes = projection_bytes(&scores);
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), projection, "\n{:#}", projection_value(&scores));
    // the hash is BLAKE3 of exactly the bytes shown in the document
    let want = b["text example-hash"].trim();
    assert_eq!(blake3::hash(projection.as_bytes()).to_hex().as_str(), want);
    assert_eq!(hex(&projection_hash(&scores)), want);
    // and the bytes are canonical JSON
    assert_eq!(ledger_core::canonical::from_slice(projection.as_bytes()).unwrap(), projection_value(&scores));
    // the derivation lines quoted in the document are the ones produced
    let shizhong = scores.units.iter().find(|u| u.unit == "shizhong").unwrap();
    let quoted = &b["text example-steps"];
    let produced: Vec<String> =
        shizhong.indicators.iter().flat_map(|i| i.steps.clone()).chain(shizhong.steps.clone()).collect();
    assert_eq!(quoted.trim_end(), produced.join("\n"));
}

#[test]
fn default_policy_parses_validates_and_covers_table_1() {
    let policy = Policy::from_json(POLICY).unwrap();
    assert_eq!((policy.id.as_str(), policy.version), ("jinan-nokec-2018", 1));
    let ids: Vec<&str> = policy.indicators.iter().map(|r| r.indicator.as_str()).collect();
    let want: Vec<String> = (1..=19).map(|i| i.to_string()).collect();
    assert_eq!(ids, want.iter().map(String::as_str).collect::<Vec<_>>());
    // the innovation category (7-14) carries the most weight
    let weight = |range: std::ops::RangeInclusive<u32>| -> ledger_score::Decimal {
        policy
            .indicators
            .iter()
            .filter(|r| range.contains(&r.indicator.parse::<u32>().unwrap()))
            .map(|r| r.weight)
            .sum()
    };
    let (quality, innovation, opening, environment) = (weight(1..=6), weight(7..=14), weight(15..=17), weight(18..=19));
    assert_eq!([quality, innovation, opening, environment].map(|d| d.to_string()), ["30", "44", "14", "12"]);
    assert!(matches!(policy.indicators[17].method, Method::PassFail));
    assert!(matches!(policy.indicators[18].method, Method::PassFail));
    assert_eq!(policy.vetoes[0].indicator, "19");
    assert_eq!(policy.vetoes[0].max_grade, "poor");
    // every indicator it names is in the catalog, so scoring a catalog
    // input cannot fail
    let catalog: Vec<IndicatorSpec> = serde_json::from_str(CATALOG).unwrap();
    let input = PeriodInput {
        period: "2022".into(),
        units: vec!["lixia".into()],
        indicators: catalog,
        values: vec![],
        targets: vec![],
        disqualified: vec![],
        history: vec![],
        unit_kinds: vec![],
    };
    let scores = score_period(&input, &policy).unwrap();
    assert_eq!(scores.units[0].grade, "poor");
}
