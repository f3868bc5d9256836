//! A period scored ([`score_period`]): per unit the indicators, the process
//! component, the adjustments, the composite, the grade by bands and the
//! vetoes; then the ranks, the consequences and the order of the result.

use super::consequences::consequences;
use super::{Ctx, Evaluated, ScoreError, dir_words, meets, meets_words, signed};
use crate::decimal::{self, Overflow, clean, round, show};
use crate::input::PeriodInput;
use crate::output::{
    AnomalyKind, AppliedAdjustment, AppliedVeto, DisqualificationNote, IndicatorScore, PeriodScores, ProcessScore,
    UnitScore,
};
use crate::policy::{DISQUALIFIED, IfMissing, Policy, VetoWhen};
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// Scores one period: indicator scores, adjustments, composite, grade,
/// vetoes, rank and implied consequences, each with its derivation.
///
/// Fails only for an invalid policy or input inconsistent with itself or the
/// policy ([`ScoreError`]); every data problem becomes an [`Anomaly`] and
/// scoring goes on, so a replay always yields a projection. The result does
/// not depend on the order of `units`, `values`, `targets` or
/// `disqualified`; `history` is read oldest period first.
pub fn score_period(input: &PeriodInput, policy: &Policy) -> Result<PeriodScores, ScoreError> {
    let mut ctx = Ctx::build(input, policy)?;
    let rounding = policy.rounding;
    let score_words = format!("rounded to {} places, {}", rounding.score_scale, rounding.mode.words());
    let units: Vec<&str> = ctx.units.iter().copied().collect();
    let mut drafts = Vec::new();
    for unit in units {
        let mut steps = Vec::new();
        let indicators: Vec<IndicatorScore> = policy.indicators.iter().map(|r| ctx.score_indicator(unit, r)).collect();
        if let Some(d) = ctx.disqualified.get(unit).copied() {
            steps.push(format!("disqualified this period ({}): result void, no score, no rank, no reward", d.basis));
            drafts.push(UnitScore {
                unit: unit.to_owned(),
                score: Decimal::new(0, rounding.score_scale),
                rank: None,
                grade: DISQUALIFIED.to_owned(),
                disqualification: Some(DisqualificationNote {
                    basis: d.basis.clone(),
                    provenance: d.provenance.clone(),
                }),
                vetoes: Vec::new(),
                indicators,
                adjustments: Vec::new(),
                process: Vec::new(),
                consequences: Vec::new(),
                steps,
            });
            continue;
        }

        // The process component.
        let process: Vec<ProcessScore> = policy
            .process
            .iter()
            .flat_map(|c| &c.parts)
            .map(|part| {
                let scored = ctx.process_part(unit, part);
                steps.push(format!(
                    "[{}] process {} ({}): {}",
                    part.clause,
                    part.id,
                    part.measure.name(),
                    scored.basis
                ));
                scored
            })
            .collect();

        // Adjustments.
        let mut adjustments = Vec::new();
        for adj in &policy.adjustments {
            let scored = policy.indicators.iter().any(|r| r.indicator == adj.indicator);
            match ctx.condition(unit, &adj.indicator, &adj.when) {
                Ok(Ok((true, basis))) => {
                    let points =
                        round(adj.points, rounding.score_scale, rounding.mode).unwrap_or_else(|_| clean(adj.points));
                    steps.push(format!(
                        "[{}] adjustment {}: {basis} holds: {} points",
                        adj.clause,
                        adj.id,
                        signed(&points)
                    ));
                    adjustments.push(AppliedAdjustment {
                        id: adj.id.clone(),
                        indicator: adj.indicator.clone(),
                        points,
                        clause: adj.clause.clone(),
                        basis,
                        provenance: ctx.value(unit, &adj.indicator).map(|v| v.provenance.clone()).unwrap_or_default(),
                    });
                }
                Ok(Ok((false, basis))) => {
                    steps.push(format!("[{}] adjustment {}: {basis} does not hold: no points", adj.clause, adj.id));
                }
                Ok(Err((kind, msg))) => {
                    steps.push(format!("[{}] adjustment {} not evaluated: {msg}", adj.clause, adj.id));
                    // A missing value of a scored indicator is already reported.
                    if !(kind == AnomalyKind::MissingValue && scored) {
                        ctx.anomaly(
                            unit,
                            Some(&adj.indicator),
                            AnomalyKind::NotEvaluated,
                            format!("unit {unit}: adjustment {} ({}) not evaluated: {msg}", adj.id, adj.clause),
                        );
                    }
                }
                Err(Overflow) => {
                    steps.push(format!("[{}] adjustment {} not evaluated: number too large", adj.clause, adj.id));
                    ctx.anomaly(
                        unit,
                        Some(&adj.indicator),
                        AnomalyKind::ArithmeticOverflow,
                        format!("unit {unit}: adjustment {} not evaluated: a number is too large", adj.id),
                    );
                }
            }
        }

        // Composite.
        let mut parts = Vec::new();
        let mut total = Ok(Decimal::ZERO);
        for s in &indicators {
            parts.push(decimal::to_text(&s.score));
            total = total.and_then(|t| decimal::add(t, s.score));
        }
        let sum_indicators = total;
        for p in &process {
            total = total.and_then(|t| decimal::add(t, p.score));
        }
        let with_process = total;
        for a in &adjustments {
            total = total.and_then(|t| decimal::add(t, a.points));
        }
        let raw = match (sum_indicators, with_process, total) {
            (Ok(si), Ok(sp), Ok(t)) => {
                steps.push(format!("sum of indicator scores = {} = {}", parts.join(" + "), show(&si)));
                if !process.is_empty() {
                    let parts: Vec<String> =
                        process.iter().map(|p| format!("+ {} ({})", show(&p.score), p.id)).collect();
                    steps.push(format!("process component: {} {} = {}", show(&si), parts.join(" "), show(&sp)));
                }
                if !adjustments.is_empty() {
                    let adj: Vec<String> =
                        adjustments.iter().map(|a| format!("{} ({})", signed(&a.points), a.id)).collect();
                    steps.push(format!("adjustments: {} {} = {}", show(&sp), adj.join(" "), show(&t)));
                }
                t
            }
            _ => {
                ctx.anomaly(
                    unit,
                    None,
                    AnomalyKind::ArithmeticOverflow,
                    format!("unit {unit}: the composite score is too large; set to 0"),
                );
                Decimal::ZERO
            }
        };
        let score = match round(raw, rounding.score_scale, rounding.mode) {
            Ok(s) => s,
            Err(Overflow) => {
                ctx.anomaly(
                    unit,
                    None,
                    AnomalyKind::ArithmeticOverflow,
                    format!("unit {unit}: the composite score is too large; set to 0"),
                );
                Decimal::new(0, rounding.score_scale)
            }
        };
        steps.push(format!("composite = {} -> {} ({score_words})", show(&raw), decimal::to_text(&score)));

        // Grade by bands.
        let bands = policy.bands();
        let (mut grade, band_min) = match bands.iter().find(|b| score >= b.min) {
            Some(b) => (b.grade.clone(), Some(b.min)),
            None => (bands.last().map(|b| b.grade.clone()).unwrap_or_default(), None),
        };
        match band_min {
            Some(min) => steps.push(format!(
                "grade: {} >= {} (band {grade}; bands are tested from the highest minimum down)",
                decimal::to_text(&score),
                show(&min)
            )),
            None => steps.push(format!(
                "grade: {} is below every band's minimum: lowest band {grade}",
                decimal::to_text(&score)
            )),
        }

        // Vetoes.
        let mut vetoes = Vec::new();
        for veto in &policy.vetoes {
            let evaluated: Evaluated = match veto.when {
                VetoWhen::Fails => {
                    let dir = ctx.direction(&veto.indicator);
                    match (ctx.value(unit, &veto.indicator), ctx.target(unit, &veto.indicator)) {
                        (Some(v), Some(t)) => {
                            let met = meets(dir, v.value, t.target);
                            Ok(Ok((
                                !met,
                                format!(
                                    "indicator {} value {} {} target {} ({}): {}",
                                    veto.indicator,
                                    show(&v.value),
                                    if met { meets_words(dir) } else { "does not meet" },
                                    show(&t.target),
                                    dir_words(dir),
                                    if met { "passed" } else { "failed" }
                                ),
                            )))
                        }
                        (None, _) => {
                            Ok(Err((AnomalyKind::MissingValue, format!("no value for indicator {}", veto.indicator))))
                        }
                        (Some(_), None) => {
                            Ok(Err((AnomalyKind::MissingTarget, format!("no target for indicator {}", veto.indicator))))
                        }
                    }
                }
                VetoWhen::Compare(cmp) => ctx.condition(unit, &veto.indicator, &cmp),
            };
            let applied = match evaluated {
                Ok(Ok((true, basis))) => Some(basis),
                Ok(Ok((false, basis))) => {
                    steps.push(format!("[{}] veto {}: {basis}: does not apply", veto.clause, veto.id));
                    None
                }
                Ok(Err((_, msg))) if veto.if_missing == IfMissing::Applies => {
                    Some(format!("{msg}; the policy treats missing data as triggering the veto (if_missing: applies)"))
                }
                Ok(Err((_, msg))) => {
                    steps.push(format!("[{}] veto {} not evaluated: {msg}", veto.clause, veto.id));
                    ctx.anomaly(
                        unit,
                        Some(&veto.indicator),
                        AnomalyKind::NotEvaluated,
                        format!("unit {unit}: veto {} ({}) not evaluated: {msg}; not applied", veto.id, veto.clause),
                    );
                    None
                }
                Err(Overflow) => {
                    steps.push(format!("[{}] veto {} not evaluated: number too large", veto.clause, veto.id));
                    ctx.anomaly(
                        unit,
                        Some(&veto.indicator),
                        AnomalyKind::ArithmeticOverflow,
                        format!("unit {unit}: veto {} not evaluated: a number is too large", veto.id),
                    );
                    None
                }
            };
            if let Some(basis) = applied {
                let cap_pos = policy.grade_position(&veto.max_grade);
                let cur_pos = policy.grade_position(&grade);
                if cap_pos > cur_pos {
                    steps.push(format!(
                        "[{}] veto {}: {basis}: grade capped at {} (was {grade})",
                        veto.clause, veto.id, veto.max_grade
                    ));
                    grade = veto.max_grade.clone();
                } else {
                    steps.push(format!(
                        "[{}] veto {}: {basis}: applies; grade {grade} is already at or below the cap {}",
                        veto.clause, veto.id, veto.max_grade
                    ));
                }
                vetoes.push(AppliedVeto {
                    id: veto.id.clone(),
                    indicator: veto.indicator.clone(),
                    max_grade: veto.max_grade.clone(),
                    clause: veto.clause.clone(),
                    basis,
                    provenance: ctx.value(unit, &veto.indicator).map(|v| v.provenance.clone()).unwrap_or_default(),
                });
            }
        }
        vetoes.sort_by(|a, b| a.id.cmp(&b.id));

        drafts.push(UnitScore {
            unit: unit.to_owned(),
            score,
            rank: None,
            grade,
            disqualification: None,
            vetoes,
            indicators,
            adjustments,
            process,
            consequences: Vec::new(),
            steps,
        });
    }

    // Ranks: competition ranking by composite, disqualified units unranked.
    let scores: Vec<Decimal> = drafts.iter().filter(|d| d.disqualification.is_none()).map(|d| d.score).collect();
    for d in drafts.iter_mut().filter(|d| d.disqualification.is_none()) {
        let ahead = scores.iter().filter(|s| **s > d.score).count();
        let rank = u32::try_from(ahead + 1).unwrap_or(u32::MAX);
        d.rank = Some(rank);
        d.steps.push(format!(
            "rank {rank} of {} (competition ranking by composite score: {ahead} unit(s) scored higher)",
            scores.len()
        ));
    }

    consequences(&mut ctx, &mut drafts);

    drafts.sort_by(|a, b| match (a.rank, b.rank) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.unit.cmp(&b.unit)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.unit.cmp(&b.unit),
    });
    let mut anomalies = std::mem::take(&mut ctx.anomalies);
    anomalies.sort();
    anomalies.dedup();
    Ok(PeriodScores {
        period: input.period.clone(),
        policy_id: policy.id.clone(),
        policy_version: policy.version,
        units: drafts,
        anomalies,
    })
}
