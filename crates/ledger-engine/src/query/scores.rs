//! The scores of a period (`ledger scores`): the scoreboard, and the scores
//! with their projection hash as the domain state stands or as of a
//! cut-off (what a publication or finalisation attests).

use crate::Error;
use crate::view::View;
use ledger_domain::scoring;
use ledger_domain::state::{Period, PeriodState};
use ledger_domain::{Anomaly, Domain};
use serde::Serialize;
use std::collections::BTreeSet;

/// A policy named by id and version.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyName {
    /// Its id.
    pub id: String,
    /// Its version.
    pub version: u32,
}

/// Where a period stands, as shown with its scores.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    /// Values are being gathered.
    Open,
    /// Published; objections until the window ends.
    Published {
        /// The `scores_published` record.
        seq: u64,
        /// The last second objections may be filed.
        window_until: String,
    },
    /// Finalised.
    Finalized {
        /// The `period_finalized` record.
        seq: u64,
        /// The projection hash attested.
        attested_hash: String,
        /// Whether it is the one the events give now.
        matches: bool,
    },
}

/// A veto that applied, as listed with the scores.
#[derive(Debug, Clone, Serialize)]
pub struct VetoRow {
    /// Its id.
    pub id: String,
    /// The clause.
    pub clause: String,
    /// Why.
    pub basis: String,
}

/// One indicator of one unit, as listed with the scores.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRow {
    /// The indicator.
    pub indicator: String,
    /// The value scored (exact decimal), if any.
    pub value: Option<String>,
    /// Points.
    pub score: String,
    /// Weight.
    pub weight: String,
    /// Method.
    pub method: String,
    /// Clause of the policy.
    pub clause: String,
    /// Every record behind the value and the target.
    pub events: BTreeSet<u64>,
}

/// An adjustment that applied.
#[derive(Debug, Clone, Serialize)]
pub struct AdjustmentRow {
    /// Its id.
    pub id: String,
    /// Points.
    pub points: String,
    /// The clause.
    pub clause: String,
}

/// A consequence due.
#[derive(Debug, Clone, Serialize)]
pub struct ConsequenceRow {
    /// `policy_preference`, `fiscal_reward`, `public_notice`, ...
    pub kind: String,
    /// An amount, for a fiscal reward.
    pub amount: Option<String>,
    /// The clause.
    pub clause: String,
    /// Why.
    pub basis: String,
}

/// One unit's line of the scoreboard.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    /// The unit.
    pub unit: String,
    /// Its English name in the period's year (Jiyang County until 2018).
    pub name: Option<String>,
    /// Its Chinese name in the period's year (济阳县 until 2018).
    pub name_zh: Option<String>,
    /// Its kind in the period's year.
    pub kind: Option<ledger_domain::events::UnitKind>,
    /// Composite score.
    pub score: String,
    /// Rank (none when disqualified).
    pub rank: Option<u32>,
    /// Grade.
    pub grade: String,
    /// Vetoes that applied.
    pub vetoes: Vec<VetoRow>,
    /// Per indicator.
    pub indicators: Vec<IndicatorRow>,
    /// Adjustments that applied.
    pub adjustments: Vec<AdjustmentRow>,
    /// Consequences due.
    pub consequences: Vec<ConsequenceRow>,
    /// The process component's parts (absent when the policy has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process: Vec<ProcessRow>,
}

/// A part of the process component on the scoreboard.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessRow {
    /// The part's id.
    pub id: String,
    /// `on_time_reporting` or `overdue_findings`.
    pub measure: String,
    /// Points earned.
    pub score: String,
    /// Points at full marks.
    pub points: String,
    /// The clause.
    pub clause: String,
    /// The count and the arithmetic.
    pub basis: String,
}

/// The scores of a period (`ledger scores`).
#[derive(Debug, Clone, Serialize)]
pub struct Scoreboard {
    /// The period.
    pub period: String,
    /// The policy.
    pub policy: PolicyName,
    /// The sequence number the scores are as of.
    pub as_of: u64,
    /// Whether the ledger verifies.
    pub ledger_verified: bool,
    /// Where the period stands.
    pub status: Status,
    /// The projection hash of these scores.
    pub projection_hash: String,
    /// Ranked.
    pub units: Vec<UnitRow>,
    /// Data problems scoring met.
    pub anomalies: Vec<ledger_score::Anomaly>,
    /// Events the replay skipped.
    pub replay_anomalies: Vec<Anomaly>,
}

fn status(p: &Period, hash: &str) -> Status {
    match &p.state {
        PeriodState::Open => Status::Open,
        PeriodState::Published { seq, window_until } => {
            Status::Published { seq: *seq, window_until: window_until.to_string() }
        }
        PeriodState::Finalized { seq, projection_hash } => {
            Status::Finalized { seq: *seq, attested_hash: projection_hash.clone(), matches: projection_hash == hash }
        }
    }
}

/// The scores of a period as the domain state stands, and their hash.
pub fn score(domain: &Domain, p: &Period) -> Result<(ledger_score::PeriodScores, String), Error> {
    score_at(domain, p, ledger_domain::process::cutoff(domain, p))
}

/// [`score`] with the process component counted as of `cutoff`: what a
/// `scores_published` signed at that time attests.
pub fn score_at(
    domain: &Domain,
    p: &Period,
    cutoff: ledger_core::Timestamp,
) -> Result<(ledger_score::PeriodScores, String), Error> {
    let (scores, _) = scoring::score_at(domain, p, cutoff).map_err(Error::refused)?;
    let hash = hex::encode(ledger_score::projection_hash(&scores));
    Ok((scores, hash))
}

impl View {
    /// The scoreboard of a period.
    pub fn scoreboard(&self, period: &str) -> Result<Scoreboard, Error> {
        let d = self.domain();
        let p = self.period(period)?;
        let (scores, hash) = score(d, p)?;
        let units = scores
            .units
            .iter()
            .map(|u| {
                let then = d.units.get(&u.unit).map(|x| x.as_of(p.year));
                UnitRow {
                    unit: u.unit.clone(),
                    name: then.as_ref().map(|x| x.name_en.clone()),
                    name_zh: then.as_ref().map(|x| x.name_zh.clone()),
                    kind: then.map(|x| x.kind),
                    score: u.score.to_string(),
                    rank: u.rank,
                    grade: u.grade.clone(),
                    vetoes: u
                        .vetoes
                        .iter()
                        .map(|v| VetoRow { id: v.id.clone(), clause: v.clause.clone(), basis: v.basis.clone() })
                        .collect(),
                    indicators: u
                        .indicators
                        .iter()
                        .map(|i| IndicatorRow {
                            indicator: i.indicator.clone(),
                            value: i.value.map(|v| v.to_string()),
                            score: i.score.to_string(),
                            weight: i.weight.to_string(),
                            method: i.method.clone(),
                            clause: i.clause.clone(),
                            events: i.provenance.iter().chain(&i.target_provenance).copied().collect(),
                        })
                        .collect(),
                    adjustments: u
                        .adjustments
                        .iter()
                        .map(|a| AdjustmentRow {
                            id: a.id.clone(),
                            points: a.points.to_string(),
                            clause: a.clause.clone(),
                        })
                        .collect(),
                    consequences: u
                        .consequences
                        .iter()
                        .map(|c| ConsequenceRow {
                            kind: c.kind.clone(),
                            amount: c.amount.map(|a| a.to_string()),
                            clause: c.clause.clone(),
                            basis: c.basis.clone(),
                        })
                        .collect(),
                    process: u
                        .process
                        .iter()
                        .map(|x| ProcessRow {
                            id: x.id.clone(),
                            measure: x.measure.clone(),
                            score: x.score.to_string(),
                            points: x.points.to_string(),
                            clause: x.clause.clone(),
                            basis: x.basis.clone(),
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(Scoreboard {
            period: p.id.clone(),
            policy: PolicyName { id: p.policy.id.clone(), version: p.policy.version },
            as_of: self.position,
            ledger_verified: self.checked.ok,
            status: status(p, &hash),
            projection_hash: hash,
            units,
            anomalies: scores.anomalies,
            replay_anomalies: self.replay.anomalies.clone(),
        })
    }
}
