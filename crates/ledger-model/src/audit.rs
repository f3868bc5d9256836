//! The audit of recorded decisions (`ledger audit`).

use ledger_domain::audit::AuditFinding;
use serde::Serialize;

/// The audit of recorded decisions.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// No findings.
    pub ok: bool,
    /// Periods audited.
    #[serde(skip)]
    pub periods: usize,
    /// Every finding.
    pub findings: Vec<AuditFinding>,
}
