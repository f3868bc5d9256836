//! A value changed after it was submitted: corrected, or replaced by an
//! upheld objection.

use crate::ValueChange;
use serde::Serialize;

/// A value that changed after it was submitted: corrected, or replaced by
/// an upheld objection.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedValue {
    /// The period.
    pub period: String,
    /// The unit.
    pub unit: String,
    /// Its Chinese name in the period's year.
    pub unit_name_zh: Option<String>,
    /// Its English name then.
    pub unit_name: Option<String>,
    /// The indicator.
    pub indicator: String,
    /// Its Chinese name.
    pub indicator_name_zh: Option<String>,
    /// Its English name.
    pub indicator_name: Option<String>,
    /// Its unit of measure.
    pub unit_of_measure: Option<String>,
    /// The submission, then every change, in ledger order.
    pub history: Vec<ValueChange>,
}
