//! Builders shared by the test modules.

use ledger_score::{
    Decimal, Direction, Disqualification, IndicatorKind, IndicatorScore, IndicatorSpec, PeriodInput, PeriodScores,
    Policy, PriorResult, TargetInput, UnitScore, ValueInput, decimal::parse_decimal, score_period,
};
use serde_json::{Value, json};

pub fn d(text: &str) -> Decimal {
    parse_decimal(text).unwrap()
}

pub fn spec(id: &str, direction: Direction) -> IndicatorSpec {
    IndicatorSpec {
        id: id.into(),
        direction,
        kind: IndicatorKind::Numeric,
        value_type: "share".into(),
        unit: "%".into(),
    }
}

/// Indicators "1".."19", "F1".."F3" all higher-is-better, plus "L"
/// (lower-is-better) and "Z" (the filler that takes the rest of the weight).
pub fn input(units: &[&str]) -> PeriodInput {
    let mut indicators: Vec<IndicatorSpec> = (1..=19).map(|i| spec(&i.to_string(), Direction::Higher)).collect();
    for id in ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "Z"] {
        indicators.push(spec(id, Direction::Higher));
    }
    if let Some(f3) = indicators.iter_mut().find(|s| s.id == "F3") {
        f3.unit = "10k yuan".into();
    }
    indicators.push(spec("L", Direction::Lower));
    PeriodInput {
        period: "2022".into(),
        units: units.iter().map(|u| (*u).to_owned()).collect(),
        indicators,
        values: Vec::new(),
        targets: Vec::new(),
        disqualified: Vec::new(),
        history: Vec::new(),
        unit_kinds: Vec::new(),
        process: Vec::new(),
    }
}

pub trait InputExt {
    fn val(self, unit: &str, indicator: &str, value: &str) -> Self;
    fn tgt(self, unit: &str, indicator: &str, target: &str, baseline: Option<&str>) -> Self;
    fn disqualify(self, unit: &str) -> Self;
    fn prior(self, period: &str, unit: &str, grade: &str, vetoed: bool) -> Self;
}

impl InputExt for PeriodInput {
    fn val(mut self, unit: &str, indicator: &str, value: &str) -> Self {
        let provenance = vec![self.values.len() as u64 + 100];
        self.values.push(ValueInput { unit: unit.into(), indicator: indicator.into(), value: d(value), provenance });
        self
    }
    fn tgt(mut self, unit: &str, indicator: &str, target: &str, baseline: Option<&str>) -> Self {
        let provenance = vec![self.targets.len() as u64 + 500];
        self.targets.push(TargetInput {
            unit: unit.into(),
            indicator: indicator.into(),
            target: d(target),
            baseline: baseline.map(d),
            provenance,
        });
        self
    }
    fn disqualify(mut self, unit: &str) -> Self {
        self.disqualified.push(Disqualification {
            unit: unit.into(),
            basis: "statistics bureau determination 2023-7".into(),
            provenance: vec![900],
        });
        self
    }
    fn prior(mut self, period: &str, unit: &str, grade: &str, vetoed: bool) -> Self {
        self.history.push(PriorResult { period: period.into(), unit: unit.into(), grade: grade.into(), vetoed });
        self
    }
}

pub fn grades() -> Value {
    json!([
        {"grade": "excellent", "min": "90"},
        {"grade": "good", "min": "80"},
        {"grade": "pass", "min": "60"},
        {"grade": "poor", "min": "0"}
    ])
}

/// A policy with the given scored indicators and extra top-level members.
pub fn policy_json(indicators: Value, extra: Value) -> Value {
    let mut p = json!({
        "id": "test",
        "version": 1,
        "title": "test policy",
        "rounding": {"indicator_scale": 4, "score_scale": 2, "money_scale": 2, "mode": "half_away_from_zero"},
        "indicators": indicators,
        "grades": grades(),
    });
    for (k, v) in extra.as_object().unwrap() {
        p[k] = v.clone();
    }
    p
}

pub fn policy(indicators: Value, extra: Value) -> Policy {
    Policy::from_json(&policy_json(indicators, extra).to_string()).unwrap()
}

/// One indicator scored by `method` with `weight`; filler "Z" (pass/fail)
/// takes the rest of the 100.
pub fn single(indicator: &str, weight: u32, method: Value) -> Policy {
    let mut rules =
        vec![json!({"indicator": indicator, "weight": weight.to_string(), "method": method, "clause": "S-test"})];
    if weight < 100 {
        rules.push(json!({"indicator": "Z", "weight": (100 - weight).to_string(), "method": {"kind": "pass_fail"}, "clause": "S-fill"}));
    }
    policy(Value::Array(rules), json!({}))
}

pub fn run(input: &PeriodInput, policy: &Policy) -> PeriodScores {
    score_period(input, policy).unwrap()
}

pub fn unit<'a>(s: &'a PeriodScores, id: &str) -> &'a UnitScore {
    s.units.iter().find(|u| u.unit == id).unwrap_or_else(|| panic!("no unit {id}"))
}

pub fn ind<'a>(s: &'a PeriodScores, unit_id: &str, indicator: &str) -> &'a IndicatorScore {
    unit(s, unit_id).indicators.iter().find(|i| i.indicator == indicator).unwrap()
}

/// The indicator's score as written ("5.2286").
pub fn score_of(s: &PeriodScores, unit_id: &str, indicator: &str) -> String {
    ind(s, unit_id, indicator).score.to_string()
}

pub fn steps(s: &PeriodScores, unit_id: &str, indicator: &str) -> String {
    ind(s, unit_id, indicator).steps.join("\n")
}

/// Anomaly kinds about one indicator (or none: unit-level ones).
pub fn anomaly_kinds(s: &PeriodScores, unit_id: &str, indicator: Option<&str>) -> Vec<ledger_score::AnomalyKind> {
    s.anomalies
        .iter()
        .filter(|a| a.unit.as_deref() == Some(unit_id) && a.indicator.as_deref() == indicator)
        .map(|a| a.kind)
        .collect()
}
