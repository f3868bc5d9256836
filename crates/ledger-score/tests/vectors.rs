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
        process: vec![],
    };
    let scores = score_period(&input, &policy).unwrap();
    assert_eq!(scores.units[0].grade, "poor");
}

#[test]
fn scoring_md_process_component_example() {
    let b = blocks();
    let policy = Policy::from_json(&b["json example-process-policy"]).unwrap();
    let input: PeriodInput = serde_json::from_str(&b["json example-process-input"]).unwrap();
    let scores = score_period(&input, &policy).unwrap();
    let row = |u: &str| {
        let s = scores.units.iter().find(|x| x.unit == u).unwrap();
        let parts: Vec<String> = s.process.iter().map(|p| format!("{}={}", p.id, p.score)).collect();
        (s.score.to_string(), parts.join(" "), s.rank, s.grade.clone())
    };
    // the table of docs/SCORING.md section 6.1
    assert_eq!(row("a"), ("100.00".into(), "Q1=6.00 Q2=4.00".into(), Some(1), "excellent".into()));
    assert_eq!(row("b"), ("96.50".into(), "Q1=4.00 Q2=2.50".into(), Some(2), "excellent".into()));
    assert_eq!(row("c"), ("91.33".into(), "Q1=1.33 Q2=0.00".into(), Some(3), "excellent".into()));
    assert_eq!(row("d"), ("91.00".into(), "Q1=6.00 Q2=4.00".into(), Some(4), "excellent".into()));
    let c = scores.units.iter().find(|x| x.unit == "c").unwrap();
    let quoted = b["text example-process-steps"].trim_end();
    let produced: Vec<&str> = c.steps.iter().map(String::as_str).filter(|s| s.contains("] process ")).collect();
    assert_eq!(quoted, produced.join("\n"));
    assert!(c.steps.iter().any(|s| s == "process component: 90 + 1.33 (Q1) + 0 (Q2) = 91.33"), "{:#?}", c.steps);
    // the parts are in the projection hash: another count, another hash
    let mut other = input.clone();
    other.process[2].reports_on_time = 3;
    assert_ne!(projection_hash(&scores), projection_hash(&score_period(&other, &policy).unwrap()));
    assert!(projection_value(&scores)["units"][0]["process"].is_array());
}
