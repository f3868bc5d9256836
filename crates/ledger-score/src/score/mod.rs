//! The scoring engine: [`score_period`].
//!
//! By part: `context` (the input checked and indexed, the cross-unit
//! figures), `reference` (references and conditions resolved against the
//! input), `indicator` (one indicator's score by its method, with the
//! derivation's words), `process` (the process component), `composite`
//! ([`score_period`]: adjustments, composite, grade, vetoes, rank),
//! `consequences` (policy preference, fiscal reward, escalation). This file
//! holds what they share: the error, the context's and the numbers' types,
//! and the words for directions.

use crate::decimal::{self, Overflow};
use crate::exact::{self, Q};
use crate::input::{Direction, IndicatorSpec, PeriodInput, ProcessInput, TargetInput, ValueInput};
use crate::output::{Anomaly, AnomalyKind};
use crate::policy::{Policy, PolicyError, UnitKind};
use num_traits::Zero;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

mod composite;
mod consequences;
mod context;
mod indicator;
mod process;
mod reference;

pub use composite::score_period;

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
