//! The values that changed after they were submitted: corrected, or
//! replaced by an upheld objection.

use super::explain::describe_record;
use crate::Ledger;
use crate::view::View;
use ledger_model::{ChangedValue, ValueChange};

impl View {
    /// Every value, in every period, that changed after its submission
    /// (periods oldest first, then unit and indicator).
    pub fn changed_values(&self, ledger: &Ledger) -> Vec<ChangedValue> {
        let d = self.domain();
        let authority = ledger.authority().ok();
        let mut out = Vec::new();
        for id in self.period_ids() {
            let Some(p) = d.periods.get(&id) else { continue };
            for ((unit, indicator), steps) in p.values.iter().filter(|(_, steps)| steps.len() > 1) {
                let then = d.units.get(unit).map(|u| u.as_of(p.year));
                let def = p.indicators.get(indicator);
                out.push(ChangedValue {
                    period: p.id.clone(),
                    unit: unit.clone(),
                    unit_name_zh: then.as_ref().map(|t| t.name_zh.clone()),
                    unit_name: then.as_ref().map(|t| t.name_en.clone()),
                    indicator: indicator.clone(),
                    indicator_name_zh: def.map(|x| x.name_zh.clone()),
                    indicator_name: def.map(|x| x.name_en.clone()),
                    unit_of_measure: def.map(|x| x.unit.clone()),
                    history: steps
                        .iter()
                        .map(|s| ValueChange {
                            seq: s.seq,
                            value: s.value.to_string(),
                            how: s.how.clone(),
                            event: describe_record(ledger, authority.as_ref(), s.seq),
                        })
                        .collect(),
                });
            }
        }
        out
    }
}
