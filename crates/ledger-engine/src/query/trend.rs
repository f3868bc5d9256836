//! Every unit's composite across the periods (`ledger scores --trend`).

use crate::Error;
use crate::view::View;
use ledger_domain::state::Period;
use ledger_model::{Scoreboard, Trend, TrendPoint, TrendRow};

impl View {
    /// The periods, oldest first (by year, then id).
    pub fn period_ids(&self) -> Vec<String> {
        let mut periods: Vec<&Period> = self.domain().periods.values().collect();
        periods.sort_by(|a, b| (a.year, &a.id).cmp(&(b.year, &b.id)));
        periods.into_iter().map(|p| p.id.clone()).collect()
    }

    /// The scoreboard of every period, oldest first.
    pub fn scoreboards(&self) -> Result<Vec<Scoreboard>, Error> {
        self.period_ids().iter().map(|p| self.scoreboard(p)).collect()
    }

    /// Every unit's composite across the periods (`ledger scores --trend`).
    pub fn trend(&self) -> Result<Trend, Error> {
        Ok(trend_of(&self.scoreboards()?))
    }
}

/// The trend of a list of scoreboards (oldest first).
pub fn trend_of(boards: &[Scoreboard]) -> Trend {
    let periods: Vec<String> = boards.iter().map(|b| b.period.clone()).collect();
    let mut rows: Vec<TrendRow> = Vec::new();
    // The last period first: its order (rank) is the order of the rows.
    for (i, board) in boards.iter().enumerate().rev() {
        for u in &board.units {
            let at = match rows.iter().position(|r| r.unit == u.unit) {
                Some(at) => at,
                None => {
                    rows.push(TrendRow {
                        unit: u.unit.clone(),
                        name_zh: u.name_zh.clone(),
                        name: u.name.clone(),
                        points: vec![None; boards.len()],
                    });
                    rows.len() - 1
                }
            };
            rows[at].points[i] = Some(TrendPoint {
                period: board.period.clone(),
                score: u.score.clone(),
                rank: u.rank,
                grade: u.grade.clone(),
            });
        }
    }
    Trend { periods, units: rows }
}
