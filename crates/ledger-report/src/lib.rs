//! The assessment report: one self-contained HTML file, and the readable
//! derivation of one unit's result in Markdown.
//!
//! The input is what `ledger-engine`'s read queries return ([`ChainStatus`],
//! [`PeriodDetail`] with its [`Scoreboard`](ledger_engine::query::Scoreboard)
//! and [`Explanation`]s, [`Trend`]); the output is a string. The page
//! carries its style sheet and its charts (inline SVG drawn by plotters),
//! no script, font, image or link to anything outside it, and a content
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
//! ```no_run
//! # fn demo(ledger: &mut ledger_engine::Ledger) -> Result<(), Box<dyn std::error::Error>> {
//! let view = ledger.view(ledger_domain::AsOf::End)?;
//! let chain = ledger.chain_status(&view.checked)?;
//! let periods = vec![view.period_detail(ledger, "2022")?];
//! let trend = view.trend()?;
//! let changes = view.changed_values(ledger);
//! let zone = view.domain().zone();
//! let html = ledger_report::html(&ledger_report::Input {
//!     chain: &chain,
//!     periods: &periods,
//!     trend: &trend,
//!     changes: &changes,
//!     generated: "2023-06-01 17:00:00 +08:00",
//!     zone: &zone,
//!     lang: ledger_report::Lang::Both,
//! })?;
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod charts;
mod markdown;
mod page;
pub mod words;

pub use markdown::markdown;
pub use words::Lang;

use ledger_core::time::Zone;
use ledger_engine::query::{ChainStatus, ChangedValue, PeriodDetail, Trend};

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
