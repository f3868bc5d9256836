//! The audit of recorded decisions (`ledger audit`): the rewards and
//! sanctions recorded against what the rules imply.

use crate::Error;
use crate::view::View;
use ledger_domain::audit::{self, AuditFinding};
use serde::Serialize;

impl View {
    /// The recorded rewards and sanctions against what the rules imply, for
    /// every finalised period or one (`ledger audit`).
    pub fn audit(&self, period: Option<&str>) -> Result<Audit, Error> {
        if let Some(p) = period {
            self.period(p)?;
        }
        let findings = audit::audit(self.domain(), period);
        let periods = self.domain().periods.values().filter(|p| period.is_none_or(|x| x == p.id)).count();
        Ok(Audit { ok: findings.is_empty(), periods, findings })
    }
}

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
