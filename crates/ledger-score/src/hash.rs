//! The projection hash: BLAKE3 over the canonical JSON of the period's
//! domain facts (`docs/SCORING.md`, "Projection hash").
//!
//! Included: period, policy id and version, and per unit (sorted by unit
//! id) the unit, composite score, rank, grade, ids of the vetoes that
//! applied, per indicator (sorted by id) the id, the value (normalised:
//! `"25.60"` is written `"25.6"`) and the score, the adjustments that applied
//! (id and points, sorted by id) and the consequences (kind, amount, clause,
//! in the output's order), and under a policy with a process component
//! its parts (id and score, sorted by id). Excluded: provenance, derivation steps, bases,
//! anomalies, and anything about keys or times.

use crate::decimal::{show, to_text};
use crate::output::PeriodScores;
use serde_json::{Value, json};

/// Names the structure's version; part of the hashed JSON.
pub const PROJECTION_FORMAT: &str = "ledger-score/projection/v1";

/// The hashed structure, as a JSON value.
pub fn projection_value(scores: &PeriodScores) -> Value {
    let mut units: Vec<_> = scores.units.iter().collect();
    units.sort_by(|a, b| a.unit.as_bytes().cmp(b.unit.as_bytes()));
    let units: Vec<Value> = units
        .into_iter()
        .map(|u| {
            let mut vetoes: Vec<&str> = u.vetoes.iter().map(|v| v.id.as_str()).collect();
            vetoes.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            let mut indicators: Vec<_> = u.indicators.iter().collect();
            indicators.sort_by(|a, b| a.indicator.as_bytes().cmp(b.indicator.as_bytes()));
            let mut adjustments: Vec<_> = u.adjustments.iter().collect();
            adjustments.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
            let mut value = json!({
                "unit": u.unit,
                "score": to_text(&u.score),
                "rank": u.rank,
                "grade": u.grade,
                "vetoes": vetoes,
                "indicators": indicators.iter().map(|i| json!({
                    "indicator": i.indicator,
                    "value": i.value.as_ref().map(show),
                    "score": to_text(&i.score),
                })).collect::<Vec<_>>(),
                "adjustments": adjustments.iter().map(|a| json!({
                    "id": a.id,
                    "points": to_text(&a.points),
                })).collect::<Vec<_>>(),
                "consequences": u.consequences.iter().map(|c| json!({
                    "kind": c.kind,
                    "amount": c.amount.as_ref().map(to_text),
                    "clause": c.clause,
                })).collect::<Vec<_>>(),
            });
            // Only under a policy with a process component: the hashes of
            // every other policy are what they were.
            if !u.process.is_empty() {
                let mut process: Vec<_> = u.process.iter().collect();
                process.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
                value["process"] =
                    process.iter().map(|p| json!({"id": p.id, "score": to_text(&p.score)})).collect::<Vec<_>>().into();
            }
            value
        })
        .collect();
    json!({
        "format": PROJECTION_FORMAT,
        "period": scores.period,
        "policy": {"id": scores.policy_id, "version": scores.policy_version},
        "units": units,
    })
}

/// The hashed bytes: canonical JSON (`ledger_core::canonical`) of
/// [`projection_value`].
pub fn projection_bytes(scores: &PeriodScores) -> Vec<u8> {
    // Only strings, null and integers below 2^32: always encodable.
    ledger_core::canonical::to_vec(&projection_value(scores)).expect("projection holds only strings and small integers")
}

/// BLAKE3 of [`projection_bytes`]: two replays agree on the domain facts of
/// a period exactly when their hashes are equal.
pub fn projection_hash(scores: &PeriodScores) -> [u8; 32] {
    *blake3::hash(&projection_bytes(scores)).as_bytes()
}
