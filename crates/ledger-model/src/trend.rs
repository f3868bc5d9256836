//! Every unit's composite across the periods (`ledger scores --trend`).

use serde::Serialize;

/// A unit's composite in one period.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    /// The period.
    pub period: String,
    /// Composite score.
    pub score: String,
    /// Rank (none when disqualified).
    pub rank: Option<u32>,
    /// Grade.
    pub grade: String,
}

/// One unit's composites across periods.
#[derive(Debug, Clone, Serialize)]
pub struct TrendRow {
    /// The unit.
    pub unit: String,
    /// Its Chinese name in the last period it was assessed.
    pub name_zh: Option<String>,
    /// Its English name then.
    pub name: Option<String>,
    /// One per period of [`Trend::periods`], none where it was not assessed.
    pub points: Vec<Option<TrendPoint>>,
}

/// Every unit's composite across the periods (`ledger scores --trend`).
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// The periods, oldest first.
    pub periods: Vec<String>,
    /// The units, by their rank in the last period, then by id.
    pub units: Vec<TrendRow>,
}
