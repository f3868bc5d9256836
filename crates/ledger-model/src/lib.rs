//! The read model: the typed results of the ledger's read queries, as
//! plain data. `ledger-engine` builds them from a verified view (and
//! re-exports them, `ledger_engine::query::Scoreboard` is
//! [`Scoreboard`]); their `Serialize` form is the `--json` output; the
//! report (`ledger-report`) and the spreadsheet exports (`ledger-export`)
//! render them without depending on the engine.
//!
//! By read: [`Scoreboard`] (`scores`), [`Explanation`] (`explain`),
//! [`Audit`], [`Trend`], [`PeriodDetail`] (everything a report shows of one
//! period), [`ChangedValue`], [`ChainStatus`] with the [`Checked`]
//! verification, and a unit's in-year record [`UnitProcess`].
//!
//! Non-features: no I/O, no SQLite, no store, no verification, no
//! computation: the types carry what the engine found, the decimals as the
//! ledger wrote them.
//!
//! ```
//! use ledger_model::{Checked, Method, Trend};
//!
//! let checked = Checked { ok: true, records: 3, head: None, head_seq: Some(2), findings: vec![], method: Method::Full };
//! assert!(checked.first().is_none());
//! let trend = Trend { periods: vec!["2022".into()], units: vec![] };
//! assert!(trend.units.is_empty());
//! ```

#![forbid(unsafe_code)]

mod audit;
mod changes;
mod explain;
mod period;
mod process;
mod scores;
mod status;
mod trend;

pub use audit::Audit;
pub use changes::ChangedValue;
pub use explain::{
    EventRef, Explanation, IndicatorDerivation, ProcessDerivation, Provenance, Returned, TargetRow, ValueChange,
};
pub use period::{BandRow, LandRow, MeasureRow, PeriodDetail, RecordedDecision, RecordedFinding, ScoredIndicator};
pub use process::{FindingStatus, RoundReport, UnitProcess};
pub use scores::{
    AdjustmentRow, ConsequenceRow, IndicatorRow, PolicyName, ProcessRow, Scoreboard, Status, UnitRow, VetoRow,
};
pub use status::{ChainStatus, Checked, CheckpointRow, Method, NoteSignatureRow, RootRow};
pub use trend::{Trend, TrendPoint, TrendRow};
