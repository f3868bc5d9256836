//! References resolved to numbers (a target, a baseline, the best, the
//! worst, the city average) and conditions evaluated against them, each
//! with its words for the derivation.

use super::{Ctx, Evaluated, Problem, Resolved, Stats, decimal_from_usize, dir_words};
use crate::decimal::{self, Overflow, show};
use crate::exact;
use crate::output::AnomalyKind;
use crate::policy::{Comparison, Reference};
use rust_decimal::Decimal;
use std::cmp::Ordering;

impl<'a> Ctx<'a> {
    /// The city average: as shown (a 28-digit quotient), exact, and in words.
    fn city_average_words(&self, indicator: &str) -> Result<Option<Resolved>, Overflow> {
        let Some(s) = self.stats.get(indicator) else { return Ok(None) };
        let Some(sum) = s.sum else { return Err(Overflow) };
        if s.n() == 0 {
            return Ok(None);
        }
        let n = decimal_from_usize(s.n());
        let avg = decimal::div(sum, n)?;
        Ok(Some(Resolved {
            value: avg,
            exact: &s.exact_sum / exact::count(s.n()),
            words: format!("city average {} (= {} / {} units)", show(&avg), show(&sum), s.n()),
        }))
    }

    /// Resolves a reference to a number, or says why it cannot be.
    pub(super) fn resolve(
        &self,
        r: Reference,
        unit: &str,
        indicator: &str,
    ) -> Result<Result<Resolved, Problem>, Overflow> {
        let dir = self.direction(indicator);
        let stats = self.stats.get(indicator);
        let none = |kind, msg: String| Ok(Err(Problem::Data(kind, msg)));
        Ok(Ok(match r {
            Reference::Fixed(d) => Resolved::of(d, show(&d)),
            Reference::Target => match self.target(unit, indicator) {
                Some(t) => Resolved::of(t.target, format!("target {}", show(&t.target))),
                None => return none(AnomalyKind::MissingTarget, format!("no target for indicator {indicator}")),
            },
            Reference::Baseline => match self.target(unit, indicator).and_then(|t| t.baseline) {
                Some(b) => Resolved::of(b, format!("baseline {}", show(&b))),
                None => return none(AnomalyKind::MissingBaseline, format!("no baseline for indicator {indicator}")),
            },
            Reference::Best => match stats.and_then(|s| s.best(dir)) {
                Some(b) => Resolved::of(
                    b,
                    format!("best {} (of {} units, {})", show(&b), stats.map_or(0, Stats::n), dir_words(dir)),
                ),
                None => {
                    return none(AnomalyKind::UnusableTarget, format!("no unit has a value for indicator {indicator}"));
                }
            },
            Reference::Worst => match stats.and_then(|s| s.worst(dir)) {
                Some(w) => Resolved::of(
                    w,
                    format!("worst {} (of {} units, {})", show(&w), stats.map_or(0, Stats::n), dir_words(dir)),
                ),
                None => {
                    return none(AnomalyKind::UnusableTarget, format!("no unit has a value for indicator {indicator}"));
                }
            },
            Reference::CityAverage => match self.city_average_words(indicator)? {
                Some(avg) => avg,
                None => {
                    return none(AnomalyKind::UnusableTarget, format!("no unit has a value for indicator {indicator}"));
                }
            },
        }))
    }

    /// `x` compared with a reference; the city average is compared exactly
    /// (x * n against the sum), not through the rounded quotient.
    fn compare(
        &self,
        x: Decimal,
        r: Reference,
        unit: &str,
        indicator: &str,
    ) -> Result<Result<(Ordering, String), Problem>, Overflow> {
        if r == Reference::CityAverage {
            let Some(s) = self.stats.get(indicator).filter(|s| s.n() > 0) else {
                return Ok(Err(Problem::Data(
                    AnomalyKind::UnusableTarget,
                    format!("no unit has a value for indicator {indicator}"),
                )));
            };
            let scaled = exact::q(x) * exact::count(s.n());
            let words = self.city_average_words(indicator)?.map(|r| r.words).unwrap_or_default();
            return Ok(Ok((scaled.cmp(&s.exact_sum), words)));
        }
        Ok(self.resolve(r, unit, indicator)?.map(|res| (x.cmp(&res.value), res.words)))
    }

    /// Evaluates `value op reference` for a unit; the inner `Err` says why it
    /// cannot be evaluated.
    pub(super) fn condition(&self, unit: &str, indicator: &str, cmp: &Comparison) -> Evaluated {
        let Some(v) = self.value(unit, indicator) else {
            return Ok(Err((AnomalyKind::MissingValue, format!("no value for indicator {indicator}"))));
        };
        match self.compare(v.value, cmp.value, unit, indicator)? {
            Ok((ord, words)) => {
                let holds = cmp.op.holds(ord);
                Ok(Ok((holds, format!("indicator {indicator} value {} {} {words}", show(&v.value), cmp.op.symbol()))))
            }
            Err(Problem::Data(kind, msg)) => Ok(Err((kind, msg))),
            Err(Problem::Overflow) => Err(Overflow),
        }
    }
}
