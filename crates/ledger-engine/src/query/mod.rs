//! The read queries, answered from a [`View`]: the scoreboard of a period,
//! the derivation of one unit's result, the audit, the units and the
//! catalog; and the records themselves. Every result is a typed value whose
//! JSON form is what `--json` prints (and what an HTTP service would send).
//!
//! One file per kind of read: `domain` (the view's state, units, catalog),
//! `scores`, `explain`, `audit`, `trend`, `period` (everything a report
//! shows of one period), `changes` (values changed after submission),
//! `status` (the chain's status with its latest checkpoint), `records`
//! (`ledger log`, `ledger show`) and `keys` (`ledger key list`).
//!
//! [`View`]: crate::view::View

mod audit;
mod changes;
mod domain;
mod explain;
mod keys;
mod period;
mod records;
mod scores;
mod status;
mod trend;

pub use audit::Audit;
pub use changes::ChangedValue;
pub use explain::{
    EventRef, Explanation, IndicatorDerivation, ProcessDerivation, Provenance, Returned, TargetRow, ValueChange,
};
pub use keys::{KeyList, KeyRow};
pub use period::{BandRow, LandRow, MeasureRow, PeriodDetail, RecordedDecision, RecordedFinding, ScoredIndicator};
pub use records::{Listed, RecordFilter, record_json};
pub use scores::{
    AdjustmentRow, ConsequenceRow, IndicatorRow, PolicyName, ProcessRow, Scoreboard, Status, UnitRow, VetoRow, score,
    score_at,
};
pub use status::{ChainStatus, CheckpointRow, NoteSignatureRow, RootRow};
pub use trend::{Trend, TrendPoint, TrendRow, trend_of};
