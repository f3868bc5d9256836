//! The audit: what was recorded (rewards, accountability actions,
//! rescissions) against what the adopted rules imply for each finalised
//! period (`ledger audit`).

use crate::scoring::score;
use crate::state::{Domain, PeriodState};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// One finding of the audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditFinding {
    /// The period.
    pub period: String,
    /// The unit.
    pub unit: String,
    /// `reward_without_basis`, `sanction_without_basis`, `due_consequence_not_recorded`,
    /// `reward_not_revoked_after_fraud`, `amount_differs`, `period_not_finalized`.
    pub finding: String,
    /// What exactly.
    pub message: String,
    /// The records concerned.
    pub events: Vec<u64>,
}

const SANCTIONS: [&str; 3] = ["public_notice", "admonition_talk", "accountability"];

/// Compares what was recorded (rewards, accountability actions,
/// rescissions) with what the adopted rules imply for every finalised
/// period (or just `only`).
pub fn audit(domain: &Domain, only: Option<&str>) -> Vec<AuditFinding> {
    let mut out = Vec::new();
    for period in domain.periods.values().filter(|p| only.is_none_or(|o| o == p.id)) {
        let mut found = |unit: &str, finding: &str, message: String, events: Vec<u64>| {
            out.push(AuditFinding {
                period: period.id.clone(),
                unit: unit.into(),
                finding: finding.into(),
                message,
                events,
            })
        };
        let PeriodState::Finalized { seq: fin_seq, .. } = period.state else {
            if !period.decisions.is_empty() {
                let events = period.decisions.values().map(|d| d.seq).collect();
                found(
                    "",
                    "period_not_finalized",
                    "decisions are recorded for a period that is not finalised".into(),
                    events,
                );
            }
            continue;
        };
        let Some(scores) = &period.finalized_scores else { continue };
        let frauds: BTreeMap<&str, u64> =
            period.frauds.values().map(|f| (f.determination.unit.as_str(), f.seq)).collect();
        // A fraud determination voids the attested result of its unit: that
        // unit is judged against the current result (disqualified, so no
        // reward is due and an escalation on `disqualified` applies), and
        // keeps every sanction its attested result implied.
        let current = if frauds.is_empty() { None } else { score(domain, period).ok().map(|(s, _)| s) };
        for unit in &scores.units {
            let u = unit.unit.as_str();
            let fraud = frauds.get(u).copied();
            let now = fraud.and(current.as_ref()).and_then(|c| c.units.iter().find(|x| x.unit == u));
            let live: Vec<_> = period.decisions.values().filter(|d| d.unit == u && d.rescinded.is_none()).collect();
            // rewards: each implied one recorded, once, with the implied amount; no other
            for kind in ["policy_preference", "fiscal_reward"] {
                let implied = unit.consequences.iter().find(|c| c.kind == kind).filter(|_| fraud.is_none());
                let recorded: Vec<_> = live.iter().filter(|d| d.kind == kind).collect();
                match (implied, recorded.first()) {
                    (None, Some(d)) => match fraud {
                        Some(f) => found(
                            u,
                            "reward_not_revoked_after_fraud",
                            format!(
                                "{kind} {} stands although data fraud was determined for {u} (seq {f}); rescind it",
                                d.id
                            ),
                            vec![d.seq],
                        ),
                        None => found(
                            u,
                            "reward_without_basis",
                            format!(
                                "{kind} {} has no basis in the rules: {u} does not qualify (grade {})",
                                d.id, unit.grade
                            ),
                            vec![d.seq],
                        ),
                    },
                    (Some(c), None) => found(
                        u,
                        "due_consequence_not_recorded",
                        format!(
                            "the rules imply {kind}{} ({}: {}) but none is recorded",
                            amount_text(c.amount),
                            c.clause,
                            c.basis
                        ),
                        vec![fin_seq],
                    ),
                    (Some(c), Some(d)) if kind == "fiscal_reward" && c.amount != d.amount => found(
                        u,
                        "amount_differs",
                        format!(
                            "fiscal reward {} grants {} but the rules imply {}",
                            d.id,
                            d.amount.map_or("no amount".into(), |a| a.to_string()),
                            c.amount.map_or("no amount".into(), |a| a.to_string())
                        ),
                        vec![d.seq],
                    ),
                    _ => {}
                }
                for d in recorded.iter().skip(1) {
                    found(
                        u,
                        "reward_without_basis",
                        format!("{kind} {} duplicates an earlier grant", d.id),
                        vec![d.seq],
                    );
                }
            }
            // sanctions: the most severe implied one must be recorded; nothing more severe
            let implied = unit
                .consequences
                .iter()
                .chain(now.iter().flat_map(|n| &n.consequences))
                .filter(|c| SANCTIONS.contains(&c.kind.as_str()))
                .max_by_key(|c| severity(&c.kind));
            let recorded =
                live.iter().filter(|d| SANCTIONS.contains(&d.kind.as_str())).max_by_key(|d| severity(&d.kind));
            match (implied, recorded) {
                (None, Some(d)) => found(
                    u,
                    "sanction_without_basis",
                    format!("{} {} has no basis in the rules: {u} was graded {}", d.kind, d.id, unit.grade),
                    vec![d.seq],
                ),
                (Some(c), None) => found(
                    u,
                    "due_consequence_not_recorded",
                    format!(
                        "the rules imply {} ({}: {}) but no accountability action is recorded",
                        c.kind, c.clause, c.basis
                    ),
                    vec![fin_seq],
                ),
                (Some(c), Some(d)) if severity(&d.kind) > severity(&c.kind) => found(
                    u,
                    "sanction_without_basis",
                    format!("{} {} is more severe than the rules imply ({}: {})", d.kind, d.id, c.kind, c.basis),
                    vec![d.seq],
                ),
                (Some(c), Some(d)) if severity(&d.kind) < severity(&c.kind) => found(
                    u,
                    "due_consequence_not_recorded",
                    format!(
                        "the rules imply {} ({}: {}) but only {} {} is recorded",
                        c.kind, c.clause, c.basis, d.kind, d.id
                    ),
                    vec![d.seq],
                ),
                _ => {}
            }
        }
    }
    out
}

fn severity(kind: &str) -> usize {
    SANCTIONS.iter().position(|k| *k == kind).map_or(0, |p| p + 1)
}

fn amount_text(a: Option<Decimal>) -> String {
    a.map(|a| format!(" of {a}")).unwrap_or_default()
}
