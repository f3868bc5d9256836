//! The consequences a unit's result implies: policy preference, the fiscal
//! reward (against the city averages) and the most severe escalation
//! action, each with its basis in words.

use super::indicator::exact_note;
use super::{Ctx, Num, decimal_from_usize};
use crate::decimal::{self, Overflow, show};
use crate::exact::{self, Q};
use crate::input::PriorResult;
use crate::output::{AnomalyKind, Consequence, ConsequenceKind, UnitScore};
use crate::policy::{Action, CityAverage, FiscalRewardRule};
use num_traits::Zero;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn consequences(ctx: &mut Ctx<'_>, drafts: &mut [UnitScore]) {
    let policy = ctx.policy;

    let fiscal = policy.consequences.fiscal_reward.as_ref().and_then(|rule| fiscal_totals(ctx, rule));

    let history_periods: Vec<&str> = {
        let mut seen = BTreeSet::new();
        ctx.input.history.iter().map(|h| h.period.as_str()).filter(|p| seen.insert(*p)).collect()
    };
    let history: BTreeMap<(&str, &str), &PriorResult> =
        ctx.input.history.iter().map(|h| ((h.period.as_str(), h.unit.as_str()), h)).collect();

    for d in drafts.iter_mut() {
        let unit = d.unit.clone();
        let disqualified = d.disqualification.is_some();
        let vetoed = !d.vetoes.is_empty();

        // Policy preference.
        if let Some(rule) = &policy.consequences.policy_preference
            && rule.grades.contains(&d.grade)
        {
            if vetoed {
                d.steps.push(format!("[{}] no policy preference: a veto applied", rule.clause));
            } else {
                let basis = format!(
                    "grade {} (composite {}) is among the grades that earn policy preference ({})",
                    d.grade,
                    decimal::to_text(&d.score),
                    rule.grades.join(", ")
                );
                d.steps.push(format!("[{}] policy preference: {basis}", rule.clause));
                d.consequences.push(Consequence {
                    kind: ConsequenceKind::PolicyPreference.name().to_owned(),
                    amount: None,
                    clause: rule.clause.clone(),
                    basis,
                    provenance: Vec::new(),
                });
            }
        }

        // Fiscal reward.
        if let Some(rule) = &policy.consequences.fiscal_reward {
            if disqualified {
                d.steps.push(format!("[{}] no fiscal reward: disqualified this period", rule.clause));
            } else if let Some(c) = fiscal_reward(ctx, rule, fiscal.as_ref(), &unit, &mut d.steps) {
                d.consequences.push(c);
            }
        }

        // Escalation: the most severe applicable action.
        let mut applicable: Vec<(Action, &str, String)> = Vec::new();
        for rule in &policy.consequences.escalation {
            let holds_now = if rule.veto { vetoed } else { rule.grades.contains(&d.grade) };
            if !holds_now {
                continue;
            }
            let mut streak = vec![ctx.input.period.as_str()];
            for p in history_periods.iter().rev() {
                let ok = history
                    .get(&(*p, unit.as_str()))
                    .is_some_and(|h| if rule.veto { h.vetoed } else { rule.grades.contains(&h.grade) });
                if !ok {
                    break;
                }
                streak.push(p);
            }
            let len = u32::try_from(streak.len()).unwrap_or(u32::MAX);
            if len >= rule.consecutive {
                streak.reverse();
                let what =
                    if rule.veto { "vetoed".to_owned() } else { format!("grade in [{}]", rule.grades.join(", ")) };
                applicable.push((
                    rule.action,
                    rule.clause.as_str(),
                    format!(
                        "{what} in {len} consecutive period(s) ({}); the rule needs {}",
                        streak.join(", "),
                        rule.consecutive
                    ),
                ));
            }
        }
        if let Some(max) = applicable.iter().map(|a| a.0).max()
            && let Some(pos) = applicable.iter().position(|a| a.0 == max)
        {
            let (action, clause, why) = applicable.remove(pos);
            let kind = match action {
                Action::PublicNotice => ConsequenceKind::PublicNotice,
                Action::AdmonitionTalk => ConsequenceKind::AdmonitionTalk,
                Action::Accountability => ConsequenceKind::Accountability,
            };
            let mut basis = why;
            if !applicable.is_empty() {
                let others: Vec<String> =
                    applicable.iter().map(|(a, c, _)| format!("{c} ({})", action_name(*a))).collect();
                basis.push_str(&format!("; also met, less or equally severe: {}", others.join(", ")));
            }
            d.steps.push(format!("[{clause}] {}: {basis}", kind.name()));
            d.consequences.push(Consequence {
                kind: kind.name().to_owned(),
                amount: None,
                clause: clause.to_owned(),
                basis,
                provenance: Vec::new(),
            });
        }
    }
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::PublicNotice => "public_notice",
        Action::AdmonitionTalk => "admonition_talk",
        Action::Accountability => "accountability",
    }
}

/// Whether the fiscal reward covers a unit: `Some(true)` when the rule
/// names no kinds or the unit is of one of them, `None` when the rule names
/// kinds and the input gives the unit none.
fn covered(ctx: &Ctx<'_>, rule: &FiscalRewardRule, unit: &str) -> Option<bool> {
    if rule.unit_kinds.is_empty() {
        return Some(true);
    }
    ctx.kinds.get(unit).map(|k| rule.unit_kinds.contains(k))
}

fn kinds_words(rule: &FiscalRewardRule) -> String {
    rule.unit_kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
}

/// The city averages for the fiscal reward, over the covered,
/// non-disqualified assessed units with the figures the average needs.
/// `None` on overflow.
struct FiscalTotals {
    /// Units counted.
    n: usize,
    /// The averages, exact; `None` when there is none (no unit counted, or
    /// a sum of revenue that is zero).
    growth: Option<Q>,
    rise: Option<Q>,
    /// How each average was formed, with its figures, for the steps.
    growth_words: String,
    rise_words: String,
    /// The step that says which average and which units (once per unit).
    method: String,
}

fn fiscal_totals(ctx: &Ctx<'_>, rule: &FiscalRewardRule) -> Option<FiscalTotals> {
    let counted: Vec<&str> = ctx
        .units
        .iter()
        .copied()
        .filter(|u| !ctx.disqualified.contains_key(*u) && covered(ctx, rule, u) == Some(true))
        .collect();
    let over = if rule.unit_kinds.is_empty() {
        "the assessed units".to_owned()
    } else {
        format!("the assessed units of kind {}", kinds_words(rule))
    };
    match (rule.average, &rule.levels) {
        (CityAverage::CityWideRate, Some(levels)) => {
            // Sums over the units with all four level figures.
            let mut sums = [Decimal::ZERO; 4];
            let mut n = 0usize;
            for unit in &counted {
                let ids = levels.ids();
                let figures: Option<Vec<Decimal>> =
                    ids.iter().map(|(_, id)| ctx.value(unit, id).map(|v| v.value)).collect();
                if let Some(figures) = figures {
                    n += 1;
                    for (sum, x) in sums.iter_mut().zip(figures) {
                        *sum = sum.checked_add(x)?;
                    }
                }
            }
            let [rev, rev_prior, tax, tax_prior] = sums;
            let hundred = exact::q(Decimal::ONE_HUNDRED);
            let (qr, qrp, qt, qtp) = (exact::q(rev), exact::q(rev_prior), exact::q(tax), exact::q(tax_prior));
            let defined = n > 0 && !qr.is_zero() && !qrp.is_zero();
            let growth = defined.then(|| &hundred * (&qr - &qrp) / &qrp);
            let rise = defined.then(|| &hundred * (&qt / &qr - &qtp / &qrp));
            let shown = |q: &Option<Q>, d: Result<Decimal, Overflow>| match (q, d) {
                (None, _) => "undefined".to_owned(),
                (Some(_), Ok(d)) => show(&d),
                (Some(q), Err(Overflow)) => exact::words(q),
            };
            let growth_shown = shown(
                &growth,
                decimal::sub(rev, rev_prior)
                    .and_then(|d| decimal::mul(d, Decimal::ONE_HUNDRED))
                    .and_then(|d| decimal::div(d, rev_prior)),
            );
            let rise_shown = shown(
                &rise,
                decimal::div(tax, rev)
                    .and_then(|a| decimal::div(tax_prior, rev_prior).and_then(|b| decimal::sub(a, b)))
                    .and_then(|d| decimal::mul(d, Decimal::ONE_HUNDRED)),
            );
            let [(_, r), (_, rp), (_, t), (_, tp)] = levels.ids();
            Some(FiscalTotals {
                n,
                growth,
                rise,
                growth_words: format!(
                    "{growth_shown} (city-wide rate = 100 x ({r} {} - {rp} {}) / {rp} {}, {n} units)",
                    show(&rev),
                    show(&rev_prior),
                    show(&rev_prior)
                ),
                rise_words: format!(
                    "{rise_shown} (city-wide = 100 x ({t} {} / {r} {} - {tp} {} / {rp} {}), {n} units)",
                    show(&tax),
                    show(&rev),
                    show(&tax_prior),
                    show(&rev_prior)
                ),
                method: format!(
                    "[{}] city average: the city-wide rate (average city_wide_rate), the sums of revenue and tax \
                     over {over} with all four level figures ({}), disqualified units excluded: {n} units",
                    rule.clause,
                    levels.ids().iter().map(|(_, id)| *id).collect::<Vec<_>>().join(", ")
                ),
            })
        }
        _ => {
            let (mut sum_growth, mut sum_rise) = (Decimal::ZERO, Decimal::ZERO);
            let (mut exact_growth, mut exact_rise) = (Q::zero(), Q::zero());
            let mut n = 0usize;
            for unit in &counted {
                if let (Some(g), Some(r)) = (ctx.value(unit, &rule.growth), ctx.value(unit, &rule.tax_share_rise)) {
                    n += 1;
                    sum_growth = sum_growth.checked_add(g.value)?;
                    sum_rise = sum_rise.checked_add(r.value)?;
                    exact_growth += exact::q(g.value);
                    exact_rise += exact::q(r.value);
                }
            }
            let nd = decimal_from_usize(n);
            let avg_words = |sum: Decimal| {
                let avg = decimal::div(sum, nd).map(|a| show(&a)).unwrap_or_else(|_| "?".into());
                format!("{avg} (= {} / {n} units)", show(&sum))
            };
            Some(FiscalTotals {
                n,
                growth: (n > 0).then(|| exact_growth / exact::count(n)),
                rise: (n > 0).then(|| exact_rise / exact::count(n)),
                growth_words: avg_words(sum_growth),
                rise_words: avg_words(sum_rise),
                method: format!(
                    "[{}] city average: the mean of the unit rates (average mean_of_unit_rates) over {over} with \
                     both {} and {}, disqualified units excluded: {n} units",
                    rule.clause, rule.growth, rule.tax_share_rise
                ),
            })
        }
    }
}

/// The fiscal reward of one (not disqualified) unit, if the rule implies one.
fn fiscal_reward(
    ctx: &mut Ctx<'_>,
    rule: &FiscalRewardRule,
    totals: Option<&FiscalTotals>,
    unit: &str,
    steps: &mut Vec<String>,
) -> Option<Consequence> {
    let clause = &rule.clause;
    let rounding = ctx.policy.rounding;
    match covered(ctx, rule, unit) {
        Some(true) => {}
        Some(false) => {
            let kind = ctx.kinds.get(unit).map(|k| k.name()).unwrap_or("?");
            steps.push(format!(
                "[{clause}] no fiscal reward: the clause covers units of kind {} and {unit} is a {kind}",
                kinds_words(rule)
            ));
            return None;
        }
        None => {
            steps.push(format!(
                "[{clause}] no fiscal reward: the clause covers units of kind {} and the kind of {unit} is not known",
                kinds_words(rule)
            ));
            ctx.anomaly(
                unit,
                None,
                AnomalyKind::ConsequenceData,
                format!(
                    "unit {unit}: no kind given; the fiscal reward ({clause}) covers units of kind {} only: not covered",
                    kinds_words(rule)
                ),
            );
            return None;
        }
    }
    let overflow = |ctx: &mut Ctx<'_>, steps: &mut Vec<String>| {
        steps.push(format!("[{clause}] fiscal reward not assessed: numbers too large for exact arithmetic"));
        ctx.anomaly(
            unit,
            None,
            AnomalyKind::ArithmeticOverflow,
            format!("unit {unit}: fiscal reward ({clause}) not assessed: numbers too large for exact arithmetic"),
        );
    };
    let Some(f) = totals else {
        overflow(ctx, steps);
        return None;
    };
    let (g, r) = match (ctx.value(unit, &rule.growth), ctx.value(unit, &rule.tax_share_rise)) {
        (Some(g), Some(r)) => (g, r),
        (g, _) => {
            let missing = if g.is_none() { &rule.growth } else { &rule.tax_share_rise };
            steps.push(format!("[{clause}] fiscal reward not assessed: no value for {missing}"));
            ctx.anomaly(
                unit,
                Some(missing),
                AnomalyKind::ConsequenceData,
                format!("unit {unit}: no value for {missing}: the fiscal reward ({clause}) cannot be assessed"),
            );
            return None;
        }
    };
    steps.push(f.method.clone());
    let (Some(avg_growth), Some(avg_rise)) = (&f.growth, &f.rise) else {
        steps.push(format!(
            "[{clause}] fiscal reward not assessed: no city average ({} units with the figures it needs, or no revenue)",
            f.n
        ));
        ctx.anomaly(
            unit,
            None,
            AnomalyKind::ConsequenceData,
            format!("unit {unit}: the fiscal reward ({clause}) cannot be assessed: the city average is undefined"),
        );
        return None;
    };
    // Compared exactly, never through the rounded quotient shown.
    let g_above = exact::q(g.value) > *avg_growth;
    let r_above = exact::q(r.value) > *avg_rise;
    let words = |id: &str, what: &str, x: Decimal, avg: &str, above: bool| {
        format!("{what} ({id}) {} {} city average {avg}", show(&x), if above { ">" } else { "is not above the" })
    };
    let gw = words(&rule.growth, "fiscal revenue growth", g.value, &f.growth_words, g_above);
    let rw = words(&rule.tax_share_rise, "rise in tax share", r.value, &f.rise_words, r_above);
    if !(g_above && r_above) {
        let why = match (g_above, r_above) {
            (false, false) => format!("{gw}; {rw}"),
            (false, true) => gw,
            _ => rw,
        };
        steps.push(format!("[{clause}] no fiscal reward: {why}"));
        return None;
    }
    let mut provenance = g.provenance.clone();
    provenance.extend_from_slice(&r.provenance);
    let measure = ctx.spec(&rule.increment).map(|s| s.unit.clone()).unwrap_or_default();
    let (amount, tail) = match ctx.value(unit, &rule.increment) {
        None => {
            ctx.anomaly(
                unit,
                Some(&rule.increment),
                AnomalyKind::ConsequenceData,
                format!(
                    "unit {unit}: a fiscal reward ({clause}) is due but there is no value for {} (tax increment): \
                     amount unknown",
                    rule.increment
                ),
            );
            (None, format!("amount unknown: no value for the tax increment ({})", rule.increment))
        }
        Some(i) => {
            provenance.extend_from_slice(&i.provenance);
            let base = if i.value < Decimal::ZERO {
                ctx.anomaly(
                    unit,
                    Some(&rule.increment),
                    AnomalyKind::ConsequenceData,
                    format!(
                        "unit {unit}: tax increment ({}) {} is negative: reward amount 0",
                        rule.increment,
                        show(&i.value)
                    ),
                );
                Decimal::ZERO
            } else {
                i.value
            };
            // Rounded once from the exact product.
            let product = Num::of(rule.share).mul(&Num::of(base));
            match product.and_then(|x| exact::round(&x.exact, rounding.money_scale, rounding.mode).map(|r| (x, r))) {
                Ok((product, rounded)) => (
                    Some(rounded),
                    format!(
                        "reward = share {} x tax increment ({}) {} = {}{} -> {}{} (rounded to {} places, {})",
                        show(&rule.share),
                        rule.increment,
                        show(&base),
                        show(&product.shown),
                        exact_note(&product, rounded, rounding.money_scale, rounding.mode),
                        decimal::to_text(&rounded),
                        if measure.is_empty() { String::new() } else { format!(" {measure}") },
                        rounding.money_scale,
                        rounding.mode.words()
                    ),
                ),
                Err(Overflow) => {
                    overflow(ctx, steps);
                    return None;
                }
            }
        }
    };
    let basis = format!("{gw} and {rw}; {tail}");
    steps.push(format!("[{clause}] fiscal reward: {basis}"));
    Some(Consequence {
        kind: ConsequenceKind::FiscalReward.name().to_owned(),
        amount,
        clause: clause.clone(),
        basis,
        provenance,
    })
}
