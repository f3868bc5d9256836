//! The scoring engine: [`score_period`].

use crate::decimal::{self, Overflow, clean, round, show};
use crate::exact::{self, Q};
use crate::input::{Direction, IndicatorSpec, PeriodInput, PriorResult, ProcessInput, TargetInput, ValueInput};
use crate::output::{
    Anomaly, AnomalyKind, AppliedAdjustment, AppliedVeto, Consequence, ConsequenceKind, DisqualificationNote,
    IndicatorScore, PeriodScores, ProcessScore, UnitScore,
};
use crate::policy::{
    Action, CityAverage, Comparison, DISQUALIFIED, FiscalRewardRule, IfMissing, IndicatorRule, Method, Policy,
    PolicyError, ProcessMeasure, ProcessPart, RateForm, Reference, UnitKind, VetoWhen,
};
use num_traits::{Signed, Zero};
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Why a period cannot be scored at all: an invalid policy, or input that
/// contradicts itself or the policy. Data problems (missing values, zero
/// targets, ...) are never errors: they are reported as [`Anomaly`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// The policy does not validate.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The policy refers to an indicator the input does not list.
    #[error(
        "the policy refers to indicator {indicator:?} ({at}) but the input's indicator list does not contain it; \
         pass the catalog entry for it"
    )]
    UnknownIndicator {
        /// The indicator id.
        indicator: String,
        /// Where in the policy.
        at: String,
    },
    /// A value or target for an indicator the input does not list.
    #[error(
        "{what} for unit {unit:?} refers to indicator {indicator:?}, which the input's indicator list does not contain"
    )]
    DataForUnknownIndicator {
        /// `value` or `target`.
        what: &'static str,
        /// The unit.
        unit: String,
        /// The indicator.
        indicator: String,
    },
    /// The same id twice where each must be unique.
    #[error("{list}: {id} appears more than once; the input must hold at most one")]
    Duplicate {
        /// Which list (`units`, `indicators`, `values`, `targets`, `disqualified`, `history`).
        list: &'static str,
        /// What is repeated.
        id: String,
    },
    /// A method that cannot apply to the indicator's direction.
    #[error("indicator {indicator:?}: {problem}")]
    MethodMismatch {
        /// The indicator.
        indicator: String,
        /// What does not fit.
        problem: String,
    },
    /// The history holds results of the period being scored.
    #[error("history holds results for period {0:?}, the period being scored; pass only earlier periods")]
    HistoryHasCurrentPeriod(String),
    /// A unit's process record counts more reports on time than were due,
    /// or more projects reported than were due.
    #[error("process: unit {unit:?} has {on_time} {what} of {due} due; they cannot exceed those due")]
    ProcessCounts {
        /// The unit.
        unit: String,
        /// `reports on time` or `projects reported`.
        what: &'static str,
        /// Reports on time.
        on_time: u32,
        /// Reports due.
        due: u32,
    },
}

/// A reason an indicator scores 0.
enum Problem {
    Data(AnomalyKind, String),
    Overflow,
}

impl From<Overflow> for Problem {
    fn from(_: Overflow) -> Self {
        Problem::Overflow
    }
}

type Notes = Vec<(AnomalyKind, String)>;

/// A condition's outcome: holds or not, with its words; or why it could not
/// be evaluated; or an arithmetic overflow.
type Evaluated = Result<Result<(bool, String), (AnomalyKind, String)>, Overflow>;

/// Cross-unit figures of one indicator: over the assessed, not disqualified
/// units that have a value, in unit-id order.
struct Stats {
    values: Vec<Decimal>,
    /// The sum as a decimal, for the derivation text (`None` on overflow).
    sum: Option<Decimal>,
    /// The exact sum, for comparisons and scores.
    exact_sum: Q,
}

impl Default for Stats {
    fn default() -> Self {
        Stats { values: Vec::new(), sum: Some(Decimal::ZERO), exact_sum: Q::zero() }
    }
}

impl Stats {
    fn n(&self) -> usize {
        self.values.len()
    }
    fn best(&self, dir: Direction) -> Option<Decimal> {
        match dir {
            Direction::Higher => self.values.iter().max().copied(),
            Direction::Lower => self.values.iter().min().copied(),
        }
    }
    fn worst(&self, dir: Direction) -> Option<Decimal> {
        match dir {
            Direction::Higher => self.values.iter().min().copied(),
            Direction::Lower => self.values.iter().max().copied(),
        }
    }
}

fn better(dir: Direction, a: Decimal, b: Decimal) -> bool {
    match dir {
        Direction::Higher => a > b,
        Direction::Lower => a < b,
    }
}

fn meets<T: PartialOrd>(dir: Direction, actual: T, target: T) -> bool {
    match dir {
        Direction::Higher => actual >= target,
        Direction::Lower => actual <= target,
    }
}

fn meets_words(dir: Direction) -> &'static str {
    match dir {
        Direction::Higher => ">=",
        Direction::Lower => "<=",
    }
}

fn dir_words(dir: Direction) -> &'static str {
    match dir {
        Direction::Higher => "higher is better",
        Direction::Lower => "lower is better",
    }
}

fn decimal_from_usize(n: usize) -> Decimal {
    Decimal::from(u64::try_from(n).unwrap_or(u64::MAX))
}

fn signed(d: &Decimal) -> String {
    let text = decimal::to_text(d);
    if d.is_sign_negative() { text } else { format!("+{text}") }
}

struct Ctx<'a> {
    input: &'a PeriodInput,
    policy: &'a Policy,
    specs: BTreeMap<&'a str, &'a IndicatorSpec>,
    units: BTreeSet<&'a str>,
    disqualified: BTreeMap<&'a str, &'a crate::input::Disqualification>,
    kinds: BTreeMap<&'a str, UnitKind>,
    values: BTreeMap<(&'a str, &'a str), &'a ValueInput>,
    targets: BTreeMap<(&'a str, &'a str), &'a TargetInput>,
    process: BTreeMap<&'a str, &'a ProcessInput>,
    stats: BTreeMap<&'a str, Stats>,
    anomalies: Vec<Anomaly>,
}

/// A number in a derivation: its exact value, which scores are computed
/// from, and the decimal shown in the steps (quotients rounded at 28 digits).
#[derive(Clone)]
struct Num {
    exact: Q,
    shown: Decimal,
}

impl Num {
    fn of(d: Decimal) -> Self {
        Num { exact: exact::q(d), shown: d }
    }
    fn sub(&self, other: &Num) -> Result<Num, Overflow> {
        Ok(Num { exact: &self.exact - &other.exact, shown: decimal::sub(self.shown, other.shown)? })
    }
    fn mul(&self, other: &Num) -> Result<Num, Overflow> {
        Ok(Num { exact: &self.exact * &other.exact, shown: decimal::mul(self.shown, other.shown)? })
    }
    fn add(&self, other: &Num) -> Result<Num, Overflow> {
        Ok(Num { exact: &self.exact + &other.exact, shown: decimal::add(self.shown, other.shown)? })
    }
    /// A zero divisor is reported as overflow (callers rule it out).
    fn div(&self, other: &Num) -> Result<Num, Overflow> {
        if other.exact.is_zero() {
            return Err(Overflow);
        }
        Ok(Num { exact: &self.exact / &other.exact, shown: decimal::div(self.shown, other.shown)? })
    }
}

/// An unrounded indicator score and how it was computed.
struct Raw {
    value: Num,
    expr: String,
}

/// A resolved reference: its value (exact, and as shown) and how to say it.
struct Resolved {
    value: Decimal,
    exact: Q,
    words: String,
}

impl Resolved {
    fn of(value: Decimal, words: String) -> Self {
        Resolved { value, exact: exact::q(value), words }
    }
    fn num(&self) -> Num {
        Num { exact: self.exact.clone(), shown: self.value }
    }
}

impl<'a> Ctx<'a> {
    fn build(input: &'a PeriodInput, policy: &'a Policy) -> Result<Self, ScoreError> {
        policy.validate()?;
        let mut specs = BTreeMap::new();
        for spec in &input.indicators {
            if specs.insert(spec.id.as_str(), spec).is_some() {
                return Err(ScoreError::Duplicate { list: "indicators", id: format!("indicator {:?}", spec.id) });
            }
        }
        let mut units = BTreeSet::new();
        for unit in &input.units {
            if !units.insert(unit.as_str()) {
                return Err(ScoreError::Duplicate { list: "units", id: format!("unit {unit:?}") });
            }
        }
        // Every indicator the policy names must be described by the input.
        let known = |indicator: &str, at: String| {
            if specs.contains_key(indicator) {
                Ok(())
            } else {
                Err(ScoreError::UnknownIndicator { indicator: indicator.to_owned(), at })
            }
        };
        for (i, rule) in policy.indicators.iter().enumerate() {
            known(&rule.indicator, format!("indicators[{i}]"))?;
            if let Method::CompletionRate { form: RateForm::Reduction, .. } = rule.method
                && specs.get(rule.indicator.as_str()).is_some_and(|s| s.direction == Direction::Higher)
            {
                return Err(ScoreError::MethodMismatch {
                    indicator: rule.indicator.clone(),
                    problem: "completion_rate with form \"reduction\" is for lower-is-better indicators; \
                              for a higher-is-better one use progress_to_target"
                        .into(),
                });
            }
        }
        for (i, adj) in policy.adjustments.iter().enumerate() {
            known(&adj.indicator, format!("adjustments[{i}]"))?;
        }
        for (i, veto) in policy.vetoes.iter().enumerate() {
            known(&veto.indicator, format!("vetoes[{i}]"))?;
        }
        if let Some(f) = &policy.consequences.fiscal_reward {
            known(&f.growth, "consequences.fiscal_reward.growth".into())?;
            known(&f.tax_share_rise, "consequences.fiscal_reward.tax_share_rise".into())?;
            known(&f.increment, "consequences.fiscal_reward.increment".into())?;
            if let Some(levels) = &f.levels {
                for (member, id) in levels.ids() {
                    known(id, format!("consequences.fiscal_reward.levels.{member}"))?;
                }
            }
        }

        let mut anomalies = Vec::new();
        let mut not_assessed = |what: &str, unit: &str, indicator: Option<&str>| {
            anomalies.push(Anomaly {
                unit: Some(unit.to_owned()),
                indicator: indicator.map(str::to_owned),
                kind: AnomalyKind::UnitNotAssessed,
                message: format!(
                    "{what} for unit {unit:?}, which is not assessed in period {:?}: ignored",
                    input.period
                ),
            });
        };
        let mut values = BTreeMap::new();
        for v in &input.values {
            if !specs.contains_key(v.indicator.as_str()) {
                return Err(ScoreError::DataForUnknownIndicator {
                    what: "a value",
                    unit: v.unit.clone(),
                    indicator: v.indicator.clone(),
                });
            }
            if values.insert((v.unit.as_str(), v.indicator.as_str()), v).is_some() {
                return Err(ScoreError::Duplicate {
                    list: "values",
                    id: format!("unit {:?} indicator {:?}", v.unit, v.indicator),
                });
            }
        }
        let mut targets = BTreeMap::new();
        for t in &input.targets {
            if !specs.contains_key(t.indicator.as_str()) {
                return Err(ScoreError::DataForUnknownIndicator {
                    what: "a target",
                    unit: t.unit.clone(),
                    indicator: t.indicator.clone(),
                });
            }
            if targets.insert((t.unit.as_str(), t.indicator.as_str()), t).is_some() {
                return Err(ScoreError::Duplicate {
                    list: "targets",
                    id: format!("unit {:?} indicator {:?}", t.unit, t.indicator),
                });
            }
        }
        let mut disqualified = BTreeMap::new();
        for d in &input.disqualified {
            if disqualified.insert(d.unit.as_str(), d).is_some() {
                return Err(ScoreError::Duplicate { list: "disqualified", id: format!("unit {:?}", d.unit) });
            }
        }
        let mut kinds = BTreeMap::new();
        for k in &input.unit_kinds {
            if kinds.insert(k.unit.as_str(), k.kind).is_some() {
                return Err(ScoreError::Duplicate { list: "unit_kinds", id: format!("unit {:?}", k.unit) });
            }
        }
        let mut process = BTreeMap::new();
        for p in &input.process {
            if process.insert(p.unit.as_str(), p).is_some() {
                return Err(ScoreError::Duplicate { list: "process", id: format!("unit {:?}", p.unit) });
            }
            for (what, done, due) in [
                ("reports on time", p.reports_on_time, p.reports_due),
                ("projects reported", p.projects_reported, p.projects_due),
            ] {
                if done > due {
                    return Err(ScoreError::ProcessCounts { unit: p.unit.clone(), what, on_time: done, due });
                }
            }
        }
        let mut seen = BTreeSet::new();
        for h in &input.history {
            if h.period == input.period {
                return Err(ScoreError::HistoryHasCurrentPeriod(h.period.clone()));
            }
            if !seen.insert((h.period.as_str(), h.unit.as_str())) {
                return Err(ScoreError::Duplicate {
                    list: "history",
                    id: format!("period {:?} unit {:?}", h.period, h.unit),
                });
            }
        }
        // Data for units not assessed: reported and dropped.
        for (unit, indicator) in values.keys().filter(|(u, _)| !units.contains(u)) {
            not_assessed("a value", unit, Some(indicator));
        }
        for (unit, indicator) in targets.keys().filter(|(u, _)| !units.contains(u)) {
            not_assessed("a target", unit, Some(indicator));
        }
        for unit in disqualified.keys().filter(|u| !units.contains(*u)) {
            not_assessed("a disqualification", unit, None);
        }
        if policy.process.is_some() {
            for unit in process.keys().filter(|u| !units.contains(*u)) {
                not_assessed("a process record", unit, None);
            }
        }
        process.retain(|u, _| units.contains(u));
        values.retain(|(u, _), _| units.contains(u));
        targets.retain(|(u, _), _| units.contains(u));
        disqualified.retain(|u, _| units.contains(u));

        let mut stats: BTreeMap<&str, Stats> = BTreeMap::new();
        for ((unit, indicator), v) in &values {
            if disqualified.contains_key(unit) {
                continue;
            }
            let s = stats.entry(indicator).or_default();
            s.values.push(v.value);
        }
        for s in stats.values_mut() {
            s.sum = s.values.iter().try_fold(Decimal::ZERO, |acc, v| acc.checked_add(*v));
            s.exact_sum = s.values.iter().map(|v| exact::q(*v)).sum();
        }
        Ok(Ctx { input, policy, specs, units, disqualified, kinds, values, targets, process, stats, anomalies })
    }

    fn anomaly(&mut self, unit: &str, indicator: Option<&str>, kind: AnomalyKind, message: String) {
        self.anomalies.push(Anomaly {
            unit: Some(unit.to_owned()),
            indicator: indicator.map(str::to_owned),
            kind,
            message,
        });
    }

    fn spec(&self, indicator: &str) -> Option<&'a IndicatorSpec> {
        self.specs.get(indicator).copied()
    }

    fn direction(&self, indicator: &str) -> Direction {
        self.spec(indicator).map_or(Direction::Higher, |s| s.direction)
    }

    fn value(&self, unit: &str, indicator: &str) -> Option<&'a ValueInput> {
        self.values.get(&(unit, indicator)).copied()
    }

    fn target(&self, unit: &str, indicator: &str) -> Option<&'a TargetInput> {
        self.targets.get(&(unit, indicator)).copied()
    }

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
    fn resolve(&self, r: Reference, unit: &str, indicator: &str) -> Result<Result<Resolved, Problem>, Overflow> {
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

    fn score_indicator(&mut self, unit: &str, rule: &'a IndicatorRule) -> IndicatorScore {
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

    /// Evaluates `value op reference` for a unit; the inner `Err` says why it
    /// cannot be evaluated.
    /// One part of the process component for a unit (section 6.1): the
    /// count from the unit's process record (none: nothing due, nothing
    /// overdue), then the points, rounded to `score_scale`.
    fn process_part(&self, unit: &str, part: &ProcessPart) -> ProcessScore {
        let rounding = self.policy.rounding;
        let record = self.process.get(unit).copied();
        let (due, on_time, overdue) =
            record.map_or((0, 0, 0), |r| (r.reports_due, r.reports_on_time, r.findings_overdue));
        let (projects, reported) = record.map_or((0, 0), |r| (r.projects_due, r.projects_reported));
        let points = clean(part.points);
        let rounded = |q: &Q| exact::round(q, rounding.score_scale, rounding.mode).unwrap_or(Decimal::ZERO);
        // points x done / due, exactly, then rounded; full points when nothing was due
        let share = |done: u32, due: u32, none: &str, what: &str| {
            if due == 0 {
                let score = rounded(&exact::q(points));
                return (score, format!("{none}: full points {}", decimal::to_text(&score)));
            }
            let score = rounded(&(exact::q(points) * exact::count(done as usize) / exact::count(due as usize)));
            let words =
                format!("{done} of {due} {what}: {} x {done} / {due} -> {}", show(&points), decimal::to_text(&score));
            (score, words)
        };
        let (score, basis) = match part.measure {
            ProcessMeasure::OnTimeReporting => {
                share(on_time, due, "no in-year report was due", "in-year report(s) arrived by their round's due date")
            }
            ProcessMeasure::ProjectReporting => share(
                reported,
                projects,
                "no major project of the unit was under construction",
                "major project(s) under construction reported progress for the period",
            ),
            ProcessMeasure::OverdueFindings => {
                let each = clean(part.per_finding.unwrap_or(Decimal::ZERO));
                let lost = exact::q(each) * exact::count(overdue as usize);
                let left = exact::q(points) - lost;
                let floored = if left.is_negative() { Q::zero() } else { left };
                let score = rounded(&floored);
                let floor_words = if floored.is_zero() && overdue > 0 { ", not below 0" } else { "" };
                (
                    score,
                    format!(
                        "{overdue} supervision finding(s) past the follow-up date: {} - {} x {overdue}{floor_words} -> {}",
                        show(&points),
                        show(&each),
                        decimal::to_text(&score)
                    ),
                )
            }
        };
        ProcessScore {
            id: part.id.clone(),
            measure: part.measure.name().to_owned(),
            points,
            score,
            clause: part.clause.clone(),
            basis,
            provenance: record.map(|r| r.provenance.clone()).unwrap_or_default(),
        }
    }

    fn condition(&self, unit: &str, indicator: &str, cmp: &Comparison) -> Evaluated {
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

/// ` (exact: ...)` when rounding the shown decimal would not give `rounded`
/// (the exact value's rounding), else nothing.
fn exact_note(value: &Num, rounded: Decimal, places: u32, mode: decimal::RoundingMode) -> String {
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

fn consequences(ctx: &mut Ctx<'_>, drafts: &mut [UnitScore]) {
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
