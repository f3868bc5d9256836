//! One indicator's score: its method applied to the unit's value (completion
//! rate, progress to target, efficacy, rank, pass/fail), rounded once from
//! the exact value, with every step of the derivation in words.

use super::{Ctx, Notes, Num, Problem, Raw, Stats, better, decimal_from_usize, dir_words, meets, meets_words};
use crate::decimal::{self, Overflow, round, show};
use crate::exact;
use crate::input::Direction;
use crate::output::{AnomalyKind, IndicatorScore};
use crate::policy::{IndicatorRule, Method, RateForm};
use num_traits::{Signed, Zero};
use rust_decimal::Decimal;

impl<'a> Ctx<'a> {
    pub(super) fn score_indicator(&mut self, unit: &str, rule: &'a IndicatorRule) -> IndicatorScore {
        let rounding = self.policy.rounding;
        let indicator = rule.indicator.as_str();
        let value = self.value(unit, indicator);
        let target = self.target(unit, indicator);
        let mut steps = vec![method_header(rule, self.direction(indicator))];
        let mut notes: Notes = Vec::new();
        let outcome = if let Some(d) = self.disqualified.get(unit) {
            steps.push(format!("unit disqualified this period ({}): result void, score 0", d.basis));
            Ok(Raw { value: Num::of(Decimal::ZERO), expr: "0 (disqualified)".to_owned() })
        } else {
            match value {
                None => Err(Problem::Data(
                    AnomalyKind::MissingValue,
                    format!("no accepted value for indicator {indicator}"),
                )),
                Some(v) => self.apply_method(unit, rule, v.value, &mut steps, &mut notes),
            }
        };
        let zero_score = || Decimal::new(0, rounding.indicator_scale);
        let words = format!("rounded to {} places, {}", rounding.indicator_scale, rounding.mode.words());
        let score = match outcome {
            // Rounded once, from the exact value; the shown decimal is the
            // derivation's, and a note gives the exact value where rounding
            // the shown one would give another score.
            Ok(Raw { value, expr }) => match exact::round(&value.exact, rounding.indicator_scale, rounding.mode) {
                Ok(score) => {
                    let note = exact_note(&value, score, rounding.indicator_scale, rounding.mode);
                    steps.push(format!(
                        "score = {expr} = {}{note} -> {} ({words})",
                        show(&value.shown),
                        decimal::to_text(&score)
                    ));
                    score
                }
                Err(Overflow) => {
                    notes.push((
                        AnomalyKind::ArithmeticOverflow,
                        "the score does not fit exact decimal arithmetic".into(),
                    ));
                    steps.push("score 0: the result is too large for exact decimal arithmetic".into());
                    zero_score()
                }
            },
            Err(Problem::Data(kind, msg)) => {
                steps.push(format!("score 0: {msg}"));
                notes.push((kind, format!("{msg}; scored 0 under {}", rule.clause)));
                zero_score()
            }
            Err(Problem::Overflow) => {
                let msg = "a number in the derivation is too large for exact decimal arithmetic";
                steps.push(format!("score 0: {msg}"));
                notes.push((AnomalyKind::ArithmeticOverflow, format!("{msg}; scored 0 under {}", rule.clause)));
                zero_score()
            }
        };
        for (kind, msg) in notes {
            self.anomaly(unit, Some(indicator), kind, format!("unit {unit}, indicator {indicator}: {msg}"));
        }
        IndicatorScore {
            indicator: indicator.to_owned(),
            value: value.map(|v| v.value),
            weight: rule.weight,
            score,
            method: rule.method.name().to_owned(),
            clause: rule.clause.clone(),
            steps,
            provenance: value.map(|v| v.provenance.clone()).unwrap_or_default(),
            target_provenance: target.map(|t| t.provenance.clone()).unwrap_or_default(),
        }
    }

    /// Applies the method; returns the unrounded score (exact, and as shown)
    /// and how it was computed, or why the indicator scores 0.
    fn apply_method(
        &self,
        unit: &str,
        rule: &IndicatorRule,
        actual: Decimal,
        steps: &mut Vec<String>,
        notes: &mut Notes,
    ) -> Result<Raw, Problem> {
        let indicator = rule.indicator.as_str();
        let dir = self.direction(indicator);
        let w = rule.weight;
        let target = self.target(unit, indicator);
        let unit_of_measure = self.spec(indicator).map(|s| s.unit.as_str()).unwrap_or_default();
        let a = show(&actual);
        let mut facts = format!("actual = {a}");
        if !unit_of_measure.is_empty() {
            facts.push_str(&format!(" ({unit_of_measure})"));
        }
        if let Some(t) = target {
            facts.push_str(&format!("; target = {}", show(&t.target)));
            if let Some(b) = t.baseline {
                facts.push_str(&format!("; baseline = {}", show(&b)));
            }
        }
        steps.push(facts);
        let need_target = || {
            target.ok_or_else(|| {
                Problem::Data(
                    AnomalyKind::MissingTarget,
                    format!("no target for indicator {indicator}; {} needs one", rule.method.name()),
                )
            })
        };
        // Caps and floors are decided on the exact value.
        let clip = |rate: Num, cap: Decimal, what: &str, steps: &mut Vec<String>| -> Num {
            if rate.exact > exact::q(cap) {
                steps.push(format!("{what} capped at {}: {}", show(&cap), show(&cap)));
                Num::of(cap)
            } else if rate.exact.is_negative() {
                steps.push(format!("{what} floored at 0: 0"));
                Num::of(Decimal::ZERO)
            } else {
                steps.push(format!("{what} within [0, {}]: {}", show(&cap), show(&rate.shown)));
                rate
            }
        };
        let times_weight = |rate: Num, what: &str| -> Result<Raw, Problem> {
            let expr = format!("{what} {} x weight {}", show(&rate.shown), show(&w));
            Ok(Raw { value: rate.mul(&Num::of(w))?, expr })
        };
        match &rule.method {
            Method::CompletionRate { form, cap } => {
                let t = need_target()?;
                let tv = t.target;
                let rate = match (dir, form) {
                    (Direction::Higher, _) | (Direction::Lower, RateForm::Ratio) => {
                        if tv < Decimal::ZERO {
                            return Err(Problem::Data(
                                AnomalyKind::UnusableTarget,
                                format!(
                                    "target {} is negative; a completion rate needs a target of 0 or more",
                                    show(&tv)
                                ),
                            ));
                        }
                        let (num, den, formula) = match dir {
                            Direction::Higher => (actual, tv, "actual / target"),
                            Direction::Lower => (tv, actual, "target / actual (lower is better)"),
                        };
                        if den > Decimal::ZERO {
                            let rate = Num::of(num).div(&Num::of(den))?;
                            steps.push(format!(
                                "completion rate = {formula} = {} / {} = {}",
                                show(&num),
                                show(&den),
                                show(&rate.shown)
                            ));
                            rate
                        } else if actual == tv {
                            steps.push(format!("actual equals target {}: target met exactly, rate = 1", show(&tv)));
                            Num::of(Decimal::ONE)
                        } else if meets(dir, actual, tv) {
                            steps.push(format!(
                                "{formula} has a zero or negative denominator and actual {a} {} target {}: \
                                 target exceeded, rate = cap {}",
                                if dir == Direction::Higher { ">" } else { "<" },
                                show(&tv),
                                show(cap)
                            ));
                            Num::of(*cap)
                        } else {
                            steps.push(format!(
                                "{formula} has a zero denominator and actual {a} does not meet target {}: rate = 0",
                                show(&tv)
                            ));
                            Num::of(Decimal::ZERO)
                        }
                    }
                    (Direction::Lower, RateForm::Reduction) => {
                        let Some(b) = t.baseline else {
                            return Err(Problem::Data(
                                AnomalyKind::MissingBaseline,
                                format!("no baseline for indicator {indicator}; the reduction form needs one"),
                            ));
                        };
                        let den = Num::of(b).sub(&Num::of(tv))?;
                        if den.exact.is_negative() {
                            return Err(Problem::Data(
                                AnomalyKind::UnusableTarget,
                                format!(
                                    "baseline {} is below target {}; the reduction form needs baseline >= target",
                                    show(&b),
                                    show(&tv)
                                ),
                            ));
                        }
                        if den.exact.is_zero() {
                            let met = actual <= tv;
                            steps.push(format!(
                                "baseline equals target {}: rate = 1 if actual <= target, else 0; {a} {} {}: rate = {}",
                                show(&tv),
                                if met { "<=" } else { ">" },
                                show(&tv),
                                if met { 1 } else { 0 }
                            ));
                            Num::of(if met { Decimal::ONE } else { Decimal::ZERO })
                        } else {
                            let num = Num::of(b).sub(&Num::of(actual))?;
                            let rate = num.div(&den)?;
                            steps.push(format!(
                                "completion rate = (baseline - actual) / (baseline - target) = ({} - {a}) / ({} - {}) \
                                 = {} / {} = {}",
                                show(&b),
                                show(&b),
                                show(&tv),
                                show(&num.shown),
                                show(&den.shown),
                                show(&rate.shown)
                            ));
                            rate
                        }
                    }
                };
                let rate = clip(rate, *cap, "rate", steps);
                times_weight(rate, "rate")
            }
            Method::ProgressToTarget { cap } => {
                let t = need_target()?;
                let tv = t.target;
                let Some(b) = t.baseline else {
                    return Err(Problem::Data(
                        AnomalyKind::MissingBaseline,
                        format!("no baseline for indicator {indicator}; progress_to_target needs one"),
                    ));
                };
                let gap = Num::of(tv).sub(&Num::of(b))?;
                let wrong_side = match dir {
                    Direction::Higher => gap.exact.is_negative(),
                    Direction::Lower => gap.exact.is_positive(),
                };
                let progress = if gap.exact.is_zero() || wrong_side {
                    if wrong_side {
                        notes.push((
                            AnomalyKind::UnusableTarget,
                            format!(
                                "target {} is not beyond baseline {} in the better direction ({}); \
                                 scored as met / not met",
                                show(&tv),
                                show(&b),
                                dir_words(dir)
                            ),
                        ));
                    }
                    let met = meets(dir, actual, tv);
                    steps.push(format!(
                        "target {} {} baseline {}: progress = 1 if the target is met, else 0; \
                         actual {a} {} target {}: {}",
                        show(&tv),
                        if gap.exact.is_zero() { "equals" } else { "is on the wrong side of" },
                        show(&b),
                        if met { meets_words(dir) } else { "does not meet" },
                        show(&tv),
                        if met { "progress = 1" } else { "progress = 0" }
                    ));
                    Num::of(if met { Decimal::ONE } else { Decimal::ZERO })
                } else {
                    let num = Num::of(actual).sub(&Num::of(b))?;
                    let p = num.div(&gap)?;
                    steps.push(format!(
                        "progress = (actual - baseline) / (target - baseline) = ({a} - {}) / ({} - {}) = {} / {} = {}",
                        show(&b),
                        show(&tv),
                        show(&b),
                        show(&num.shown),
                        show(&gap.shown),
                        show(&p.shown)
                    ));
                    p
                };
                let progress = clip(progress, *cap, "progress", steps);
                times_weight(progress, "progress")
            }
            Method::Efficacy { satisfactory, not_allowed, floor, ceiling } => {
                let xh = self.resolve(*satisfactory, unit, indicator)??;
                let xs = self.resolve(*not_allowed, unit, indicator)??;
                steps.push(format!("x_h (satisfactory) = {}; x_s (not allowed) = {}", xh.words, xs.words));
                let wrong_side = match dir {
                    Direction::Higher => xh.exact < xs.exact,
                    Direction::Lower => xh.exact > xs.exact,
                };
                let e = if xh.exact == xs.exact || wrong_side {
                    if wrong_side {
                        notes.push((
                            AnomalyKind::UnusableTarget,
                            format!(
                                "satisfactory value {} is worse than the not-allowed value {} ({}); \
                                 scored as met / not met",
                                show(&xh.value),
                                show(&xs.value),
                                dir_words(dir)
                            ),
                        ));
                    }
                    let met = meets(dir, &exact::q(actual), &xh.exact);
                    steps.push(format!(
                        "x_h {} x_s: e = 100 if x meets x_h, else 0; x = {a} {} x_h {}: e = {}",
                        if wrong_side { "is on the wrong side of" } else { "equals" },
                        if met { meets_words(dir) } else { "does not meet" },
                        show(&xh.value),
                        if met { 100 } else { 0 }
                    ));
                    Num::of(if met { Decimal::ONE_HUNDRED } else { Decimal::ZERO })
                } else {
                    let num = Num::of(actual).sub(&xs.num())?;
                    let den = xh.num().sub(&xs.num())?;
                    let ratio = num.div(&den)?;
                    let e = Num::of(Decimal::from(60)).add(&Num::of(Decimal::from(40)).mul(&ratio)?)?;
                    steps.push(format!(
                        "e = 60 + 40 x (x - x_s) / (x_h - x_s) = 60 + 40 x ({a} - {}) / ({} - {}) \
                         = 60 + 40 x {} / {} = 60 + 40 x {} = {}",
                        show(&xs.value),
                        show(&xh.value),
                        show(&xs.value),
                        show(&num.shown),
                        show(&den.shown),
                        show(&ratio.shown),
                        show(&e.shown)
                    ));
                    e
                };
                let lo = floor.unwrap_or(Decimal::ZERO);
                let hi = ceiling.unwrap_or(Decimal::ONE_HUNDRED);
                let e = if e.exact > exact::q(hi) {
                    steps.push(format!("e capped at {}: {}", show(&hi), show(&hi)));
                    Num::of(hi)
                } else if e.exact < exact::q(lo) {
                    steps.push(format!("e floored at {}: {}", show(&lo), show(&lo)));
                    Num::of(lo)
                } else {
                    steps.push(format!("e within [{}, {}]: {}", show(&lo), show(&hi), show(&e.shown)));
                    e
                };
                let raw = Num::of(w).mul(&e)?.div(&Num::of(Decimal::ONE_HUNDRED))?;
                Ok(Raw { value: raw, expr: format!("weight {} x e {} / 100", show(&w), show(&e.shown)) })
            }
            Method::Rank { step } => {
                let stats = self.stats.get(indicator);
                let n = stats.map_or(0, Stats::n);
                let ahead = stats.map_or(0, |s| s.values.iter().filter(|v| better(dir, **v, actual)).count());
                let tied = stats.map_or(0, |s| s.values.iter().filter(|v| **v == actual).count()).saturating_sub(1);
                let place = ahead + 1;
                steps.push(format!(
                    "ranked among the {n} units with a value ({}): {ahead} unit(s) better than {a}{}, place {place}",
                    dir_words(dir),
                    if tied > 0 {
                        format!(", tied with {tied} other unit(s) sharing the better place")
                    } else {
                        String::new()
                    }
                ));
                let loss = Num::of(*step).mul(&Num::of(decimal_from_usize(ahead)))?;
                let raw = Num::of(w).sub(&loss)?;
                let expr = format!("weight {} - step {} x (place {place} - 1)", show(&w), show(step));
                if raw.exact.is_negative() {
                    steps.push(format!("{expr} = {} is below 0: floored at 0", show(&raw.shown)));
                    Ok(Raw { value: Num::of(Decimal::ZERO), expr: format!("max(0, {expr})") })
                } else {
                    Ok(Raw { value: raw, expr })
                }
            }
            Method::PassFail => {
                let t = need_target()?;
                let met = meets(dir, actual, t.target);
                steps.push(format!(
                    "pass/fail ({}): actual {a} {} target {}: {}",
                    dir_words(dir),
                    if met { meets_words(dir) } else { "does not meet" },
                    show(&t.target),
                    if met { "passed" } else { "failed" }
                ));
                if met {
                    Ok(Raw { value: Num::of(w), expr: format!("weight {} (passed)", show(&w)) })
                } else {
                    Ok(Raw { value: Num::of(Decimal::ZERO), expr: "0 (failed)".into() })
                }
            }
        }
    }
}

/// ` (exact: ...)` when rounding the shown decimal would not give `rounded`
/// (the exact value's rounding), else nothing.
pub(super) fn exact_note(value: &Num, rounded: Decimal, places: u32, mode: decimal::RoundingMode) -> String {
    if round(value.shown, places, mode) == Ok(rounded) {
        String::new()
    } else {
        format!(" (exact: {})", exact::words(&value.exact))
    }
}

fn method_header(rule: &IndicatorRule, dir: Direction) -> String {
    let params = match &rule.method {
        Method::CompletionRate { form, cap } => format!(
            "{}cap {}",
            match (dir, form) {
                (Direction::Lower, RateForm::Reduction) => "reduction form, ",
                (Direction::Lower, RateForm::Ratio) => "ratio form, ",
                _ => "",
            },
            show(cap)
        ),
        Method::ProgressToTarget { cap } => format!("cap {}", show(cap)),
        Method::Efficacy { satisfactory, not_allowed, floor, ceiling } => format!(
            "satisfactory {}, not allowed {}, e clipped to [{}, {}]",
            satisfactory.text(),
            not_allowed.text(),
            show(&floor.unwrap_or(Decimal::ZERO)),
            show(&ceiling.unwrap_or(Decimal::ONE_HUNDRED))
        ),
        Method::Rank { step } => format!("step {}", show(step)),
        Method::PassFail => "full weight if the target is met".into(),
    };
    format!(
        "[{}] indicator {} ({}): method {} ({params}), weight {}",
        rule.clause,
        rule.indicator,
        dir_words(dir),
        rule.method.name(),
        show(&rule.weight)
    )
}
