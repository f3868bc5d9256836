//! Determinism: same input, same output; order of the input lists and
//! provenance do not matter to the projection hash.

use ledger_score::{
    Decimal, IndicatorSpec, PeriodInput, Policy, PriorResult, TargetInput, ValueInput, projection_hash, score_period,
};
use proptest::prelude::*;

const POLICY: &str = include_str!("../../../ledger/policy.json");
const CATALOG: &str = include_str!("../../../ledger/catalog.json");
const UNITS: [&str; 7] = ["lixia", "shizhong", "huaiyin", "tianqiao", "licheng", "laiwu", "gaoxin"];

fn catalog() -> Vec<IndicatorSpec> {
    serde_json::from_str(CATALOG).unwrap()
}

/// A small exact decimal: mantissa in -2000..20000, 0 to 3 places.
fn arb_decimal() -> impl Strategy<Value = Decimal> {
    (-2000i64..20000, 0u32..4).prop_map(|(m, s)| Decimal::new(m, s))
}

prop_compose! {
    fn arb_input()(
        present in prop::collection::vec(any::<bool>(), UNITS.len()),
        cells in prop::collection::vec(
            (prop::option::weighted(0.85, arb_decimal()), prop::option::weighted(0.85, (arb_decimal(), prop::option::of(arb_decimal())))),
            UNITS.len() * 22,
        ),
        disqualified in prop::option::of(0usize..UNITS.len()),
        history in prop::collection::vec((0usize..3, 0usize..UNITS.len(), 0usize..5, any::<bool>()), 0..12),
    ) -> PeriodInput {
        let catalog = catalog();
        let units: Vec<String> = UNITS.iter().zip(&present).filter(|(_, p)| **p).map(|(u, _)| (*u).to_owned()).collect();
        let mut values = Vec::new();
        let mut targets = Vec::new();
        let mut seq = 0u64;
        for (ui, unit) in UNITS.iter().enumerate() {
            for (ii, spec) in catalog.iter().enumerate() {
                let (value, target) = &cells[ui * 22 + ii];
                if let Some(v) = value {
                    seq += 1;
                    values.push(ValueInput { unit: (*unit).into(), indicator: spec.id.clone(), value: *v, provenance: vec![seq] });
                }
                if let Some((t, b)) = target {
                    seq += 1;
                    targets.push(TargetInput { unit: (*unit).into(), indicator: spec.id.clone(), target: *t, baseline: *b, provenance: vec![seq] });
                }
            }
        }
        let disqualified = disqualified
            .map(|i| vec![ledger_score::Disqualification { unit: UNITS[i].into(), basis: "fraud".into(), provenance: vec![1] }])
            .unwrap_or_default();
        let grades = ["excellent", "good", "pass", "poor", "disqualified"];
        let mut seen = std::collections::BTreeSet::new();
        let mut history: Vec<PriorResult> = history
            .into_iter()
            .filter(|(p, u, _, _)| seen.insert((*p, *u)))
            .map(|(p, u, g, v)| PriorResult { period: format!("{}", 2019 + p), unit: UNITS[u].into(), grade: grades[g].into(), vetoed: v })
            .collect();
        history.sort_by(|a, b| a.period.cmp(&b.period));
        PeriodInput {
            period: "2022".into(),
            units,
            indicators: catalog,
            values,
            targets,
            disqualified,
            history,
            unit_kinds: vec![],
            process: vec![],
        }
    }
}

/// A deterministic shuffle driven by a seed (Fisher-Yates with an LCG).
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let j = usize::try_from((seed >> 33) % (i as u64 + 1)).unwrap();
        items.swap(i, j);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn same_input_same_output_in_any_order(input in arb_input(), seed in any::<u64>()) {
        let policy = Policy::from_json(POLICY).unwrap();
        let first = score_period(&input, &policy).unwrap();
        let again = score_period(&input, &policy).unwrap();
        prop_assert_eq!(&first, &again);
        prop_assert_eq!(projection_hash(&first), projection_hash(&again));

        let mut shuffled = input.clone();
        shuffle(&mut shuffled.values, seed);
        shuffle(&mut shuffled.units, seed ^ 1);
        shuffle(&mut shuffled.targets, seed ^ 2);
        shuffle(&mut shuffled.indicators, seed ^ 3);
        shuffle(&mut shuffled.disqualified, seed ^ 4);
        let other = score_period(&shuffled, &policy).unwrap();
        prop_assert_eq!(&first, &other);
        prop_assert_eq!(projection_hash(&first), projection_hash(&other));

        // every output decimal has exactly its scale
        for u in &first.units {
            prop_assert_eq!(u.score.scale(), 2);
            for i in &u.indicators {
                prop_assert_eq!(i.score.scale(), 4);
            }
        }
    }

    #[test]
    fn provenance_does_not_change_the_hash(input in arb_input(), bump in 1u64..1000) {
        let policy = Policy::from_json(POLICY).unwrap();
        let first = score_period(&input, &policy).unwrap();
        let mut changed = input.clone();
        for v in &mut changed.values {
            v.provenance = vec![v.provenance[0] + bump, 7];
        }
        for t in &mut changed.targets {
            t.provenance.clear();
        }
        for d in &mut changed.disqualified {
            d.provenance.push(bump);
        }
        let other = score_period(&changed, &policy).unwrap();
        prop_assert_eq!(projection_hash(&first), projection_hash(&other));
        if first.units.iter().any(|u| u.indicators.iter().any(|i| i.value.is_some())) {
            prop_assert_ne!(&first, &other);
        }
    }
}

#[test]
fn trailing_zeros_of_values_do_not_change_the_hash() {
    let policy = Policy::from_json(POLICY).unwrap();
    let mk = |v: &str| PeriodInput {
        period: "2022".into(),
        units: vec!["lixia".into()],
        indicators: catalog(),
        values: vec![ValueInput {
            unit: "lixia".into(),
            indicator: "1".into(),
            value: ledger_score::decimal::parse_decimal(v).unwrap(),
            provenance: vec![],
        }],
        targets: vec![],
        disqualified: vec![],
        history: vec![],
        unit_kinds: vec![],
        process: vec![],
    };
    let a = score_period(&mk("25.6"), &policy).unwrap();
    let b = score_period(&mk("25.600"), &policy).unwrap();
    assert_eq!(projection_hash(&a), projection_hash(&b));
}
