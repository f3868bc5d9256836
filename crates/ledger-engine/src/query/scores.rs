//! The scores of a period (`ledger scores`): the scoreboard, and the scores
//! with their projection hash as the domain state stands or as of a
//! cut-off (what a publication or finalisation attests).

use crate::Error;
use crate::view::View;
use ledger_domain::Domain;
use ledger_domain::scoring;
use ledger_domain::state::{Period, PeriodState};
use ledger_model::{
    AdjustmentRow, ConsequenceRow, IndicatorRow, PolicyName, ProcessRow, Scoreboard, Status, UnitRow, VetoRow,
};

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
