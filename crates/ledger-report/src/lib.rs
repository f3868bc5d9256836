//! The assessment report: one self-contained HTML file, and the readable
//! derivation of one unit's result in Markdown.
//!
//! The input is the read model (`ledger-model`) that `ledger-engine`'s read
//! queries return ([`ChainStatus`], [`PeriodDetail`] with its
//! [`Scoreboard`](ledger_model::Scoreboard) and
//! [`Explanation`](ledger_model::Explanation)s, [`Trend`]): the caller
//! computes it with the engine and passes it in, so this crate depends on
//! neither the engine nor SQLite. The output is a string. The page carries
//! its style sheet and its charts (inline SVG drawn by plotters), no
//! script, font, image or link to anything outside it, and a content
//! security policy that forbids loading any: it works offline and prints on
//! A4. Texts are in Chinese with English alongside ([`Lang::Both`]), or in
//! one of them.
//!
//! Non-features: no I/O (the caller writes the file), no clock (the caller
//! says when the report was made), no verification (the chain status says
//! what the caller's verification found), no arithmetic on recorded values
//! beyond exact decimal differences (how far a unit is from the next band);
//! chart geometry alone is in `f64`.
//!
//! ```
//! use ledger_model::{ChainStatus, ChangedValue, PeriodDetail, Trend};
//!
//! // The caller reads these from a verified view with `ledger-engine`:
//! // `Ledger::chain_status`, `View::period_detail`, `View::trend`,
//! // `View::changed_values`, and the zone from `View::domain`.
//! fn report(
//!     chain: &ChainStatus,
//!     periods: &[PeriodDetail],
//!     trend: &Trend,
//!     changes: &[ChangedValue],
//!     zone: &ledger_core::time::Zone,
//! ) -> Result<String, ledger_report::Error> {
//!     let html = ledger_report::html(&ledger_report::Input {
//!         chain,
//!         periods,
//!         trend,
//!         changes,
//!         generated: "2023-06-01 17:00:00 +08:00",
//!         zone,
//!         lang: ledger_report::Lang::Both,
//!     })?;
//!     assert!(html.starts_with("<!DOCTYPE html>"));
//!     Ok(html)
//! }
//! ```

#![forbid(unsafe_code)]

mod charts;
mod markdown;
mod page;
pub mod words;

pub use markdown::markdown;
pub use words::Lang;

use ledger_core::time::Zone;
use ledger_model::{ChainStatus, ChangedValue, PeriodDetail, Trend};

/// What a report shows.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The chain when the report was made, with its verification.
    pub chain: &'a ChainStatus,
    /// The periods reported, in any order (shown newest first). Empty when
    /// the ledger fails verification and its numbers are withheld: the
    /// report then says so and shows only the chain's status.
    pub periods: &'a [PeriodDetail],
    /// Every unit's composite across all the ledger's periods.
    pub trend: &'a Trend,
    /// Every value of the ledger changed by a correction or an upheld
    /// objection.
    pub changes: &'a [ChangedValue],
    /// When the report was made, as a person reads it.
    pub generated: &'a str,
    /// The ledger's time zone, for the times of records.
    pub zone: &'a Zone,
    /// The language(s).
    pub lang: Lang,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A template failed to render (a defect of this crate).
    #[error("the report template failed: {0}")]
    Template(String),
    /// A chart could not be drawn.
    #[error("a chart of the report could not be drawn: {0}")]
    Chart(String),
}

impl From<minijinja::Error> for Error {
    fn from(e: minijinja::Error) -> Self {
        Error::Template(format!("{e:#}"))
    }
}

impl From<charts::ChartError> for Error {
    fn from(e: charts::ChartError) -> Self {
        Error::Chart(e.0)
    }
}

/// The report as one HTML document.
pub fn html(input: &Input<'_>) -> Result<String, Error> {
    page::render(input)
}
