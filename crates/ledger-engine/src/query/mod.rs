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

pub use keys::{KeyList, KeyRow};
pub use records::{Listed, RecordFilter, record_json};
pub use scores::{score, score_at};
pub use trend::trend_of;

// The result types are the read model's (`ledger-model`), which reports and
// exports render without the engine; their paths here stay.
pub use ledger_model::{
    AdjustmentRow, Audit, BandRow, ChainStatus, ChangedValue, CheckpointRow, ConsequenceRow, EventRef, Explanation,
    IndicatorDerivation, IndicatorRow, LandRow, MeasureRow, NoteSignatureRow, PeriodDetail, PolicyName,
    ProcessDerivation, ProcessRow, Provenance, RecordedDecision, RecordedFinding, Returned, RootRow, Scoreboard,
    ScoredIndicator, Status, TargetRow, Trend, TrendPoint, TrendRow, UnitRow, ValueChange, VetoRow,
};
