//! The derivation of one unit's result as Markdown (`ledger explain
//! --format md`): the result, then each indicator's value, target, method,
//! arithmetic and records, then the composite, grade, rank and
//! consequences.

use crate::Error;
use crate::words::{self, Bi, Lang};
use ledger_core::time::Zone;
use ledger_model::{Explanation, UnitRow};
use minijinja::value::Serde;
use minijinja::{Environment, context};
use serde::Serialize;

const TEMPLATE: &str = include_str!("../templates/explain.md");

#[derive(Serialize)]
struct Step {
    seq: u64,
    time: String,
    step: String,
    value: String,
    detail: String,
    office: String,
}

#[derive(Serialize)]
struct Indicator {
    id: String,
    name: String,
    measure: String,
    value: String,
    target: String,
    baseline: String,
    method: String,
    clause: String,
    weight: String,
    score: String,
    steps: Vec<String>,
    provenance: Vec<Step>,
    records: String,
}

/// A table cell: no line breaks, pipes escaped.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The derivation as Markdown. `row` gives the unit's names as of the
/// period's year (from the scoreboard); without it the id is shown.
pub fn markdown(e: &Explanation, row: Option<&UnitRow>, zone: &Zone, lang: Lang) -> Result<String, Error> {
    let name = Bi::new(
        row.and_then(|r| r.name_zh.clone()).unwrap_or_else(|| e.unit.clone()),
        row.and_then(|r| r.name.clone()).unwrap_or_else(|| e.unit.clone()),
    );
    let local = |t: &str| t.parse::<ledger_core::Timestamp>().map_or_else(|_| t.to_owned(), |t| t.local(zone));
    let indicators: Vec<Indicator> = e
        .indicators
        .iter()
        .map(|i| {
            let measure = i.unit_of_measure.clone().unwrap_or_default();
            let amount = |v: &str| words::amount(v, &measure, lang);
            Indicator {
                id: i.indicator.clone(),
                name: cell(i.name.as_deref().unwrap_or("")),
                measure: words::measure(&measure).joined(lang, " / "),
                value: i.value.as_deref().map_or_else(|| "—".to_owned(), amount),
                target: i.target.as_ref().map_or_else(|| "—".to_owned(), |t| amount(&t.target)),
                baseline: i.target.as_ref().and_then(|t| t.baseline.as_deref()).map_or_else(|| "—".to_owned(), amount),
                method: words::method(&i.method).joined(lang, " / "),
                clause: i.clause.clone(),
                weight: i.weight.clone(),
                score: i.score.clone(),
                steps: i.steps.clone(),
                provenance: i
                    .provenance
                    .iter()
                    .map(|p| Step {
                        seq: p.event.seq,
                        time: p.event.time.as_deref().map(local).unwrap_or_default(),
                        step: cell(&p.step),
                        value: p.value.as_deref().map(amount).unwrap_or_default(),
                        detail: cell(p.detail.as_deref().unwrap_or("")),
                        office: cell(p.event.office.as_deref().or(p.event.signer.as_deref()).unwrap_or("")),
                    })
                    .collect(),
                records: i.events.iter().map(|s| format!("#{s}")).collect::<Vec<_>>().join(" "),
            }
        })
        .collect();
    let consequences: Vec<(String, String, String)> = e
        .consequences
        .iter()
        .map(|c| {
            let kind = words::consequence(&c.kind).joined(lang, " / ");
            let kind = match &c.amount {
                Some(a) => format!("{kind}: {a}"),
                None => kind,
            };
            (kind, c.clause.clone(), cell(&c.basis))
        })
        .collect();
    let mut env = Environment::new();
    env.add_template("explain.md", TEMPLATE)?;
    env.add_function("t", move |zh: &str, en: &str| Bi::new(zh, en).plain(lang));
    let text = env.get_template("explain.md")?.render(context! {
        name => name.joined(lang, " "),
        unit => &e.unit,
        period => &e.period,
        score => &e.score,
        rank => e.rank,
        grade => words::grade(&e.grade).joined(lang, " / "),
        policy => format!("{} v{}", e.policy.id, e.policy.version),
        as_of => e.as_of,
        verified => e.ledger_verified,
        indicators => Serde(&indicators),
        steps => &e.steps,
        consequences => consequences,
        disqualification => e.disqualification.as_ref().map(|d| d.basis.clone()),
    })?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_stay_on_one_line_and_keep_their_pipes() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
