//! The view's domain state and its periods, the units and the indicator
//! catalog (`ledger units`, `ledger catalog`), and the verification the
//! view rests on.

use crate::Error;
use crate::view::{Checked, View};
use ledger_domain::Domain;
use ledger_domain::events::IndicatorDef;
use ledger_domain::state::{Period, Unit};

impl View {
    /// The folded domain state.
    pub fn domain(&self) -> &Domain {
        &self.replay.domain
    }

    /// A period of the view, or a refusal listing the ones there are.
    pub fn period(&self, id: &str) -> Result<&Period, Error> {
        self.replay.domain.periods.get(id).ok_or_else(|| {
            let known: Vec<&str> = self.replay.domain.periods.keys().map(String::as_str).collect();
            Error::refused_with(
                format!("no period {id:?} in this ledger"),
                crate::Remedy::ChooseKnown {
                    kind: crate::Known::Periods,
                    names: known.iter().map(|k| (*k).to_owned()).collect(),
                },
            )
        })
    }

    /// The units of a period, or all with their history (`ledger units`).
    pub fn units(&self, period: Option<&str>) -> Result<Vec<&Unit>, Error> {
        let d = self.domain();
        let ids: Vec<String> = match period {
            Some(p) => self.period(p)?.units.clone(),
            None => d.units.keys().cloned().collect(),
        };
        Ok(ids.iter().filter_map(|u| d.units.get(u)).collect())
    }

    /// The indicator catalog, each with the record of its current
    /// definition: the plan's indicators in numeric order, auxiliary ones
    /// last (`ledger catalog`).
    pub fn catalog(&self) -> Vec<(u64, &IndicatorDef)> {
        let mut defs: Vec<(u64, &IndicatorDef)> =
            self.domain().indicators.values().map(|(seq, def)| (*seq, def)).collect();
        defs.sort_by_key(|(_, def)| (def.auxiliary, def.id.parse::<u32>().unwrap_or(u32::MAX), def.id.clone()));
        defs
    }

    /// The verification summary.
    pub fn checked(&self) -> &Checked {
        &self.checked
    }
}
