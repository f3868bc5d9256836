//! The audit of recorded decisions (`ledger audit`): the rewards and
//! sanctions recorded against what the rules imply.

use crate::Error;
use crate::view::View;
use ledger_domain::audit;
use ledger_model::Audit;

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
