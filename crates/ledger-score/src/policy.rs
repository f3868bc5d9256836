//! The scoring policy: data, versioned, validated on load.
//!
//! The schema is documented field by field in `docs/SCORING.md`; the
//! default policy is `ledger/policy.json`. [`Policy::from_json`] refuses
//! unknown members, malformed decimals and every inconsistency
//! [`Policy::validate`] checks, naming the problem.

use crate::decimal::{RoundingMode, parse_decimal, serde_str, serde_str_opt, to_text};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeSet;

/// Why a policy is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Not JSON, or not of the policy's shape (unknown member, unknown method
    /// kind, malformed decimal, wrong type). The message names line and column.
    #[error("policy is not valid: {0}")]
    Syntax(String),
    /// The indicator weights (and the process component's points) do not
    /// add up to 100.
    #[error("indicator weights{process} sum to {sum}, not 100: adjust the weights so that they add up to exactly 100")]
    WeightSum {
        /// The actual sum.
        sum: String,
        /// Empty, or the words naming the process component's points.
        process: String,
    },
    /// The same id twice in a list.
    #[error("{list}: {id:?} appears more than once; each id may appear once")]
    Duplicate {
        /// Which list (`indicators`, `adjustments/vetoes`, `grades`, ...).
        list: &'static str,
        /// The repeated id.
        id: String,
    },
    /// A grade name that the `grades` bands do not define.
    #[error("{at}: unknown grade {grade:?}; use one of the grades defined in `grades`")]
    UnknownGrade {
        /// Where, e.g. `vetoes[0].max_grade`.
        at: String,
        /// The unknown name.
        grade: String,
    },
    /// A field with a value outside what it allows.
    #[error("{at}: {problem}")]
    Invalid {
        /// Where, e.g. `indicators[3].method.cap`.
        at: String,
        /// What is wrong and what is allowed.
        problem: String,
    },
}

fn invalid(at: impl Into<String>, problem: impl Into<String>) -> PolicyError {
    PolicyError::Invalid { at: at.into(), problem: problem.into() }
}

/// A scoring policy (see `docs/SCORING.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Stable name, e.g. `jinan-nokec-2018`.
    pub id: String,
    /// Version of this policy under that name, from 1.
    pub version: u32,
    /// Human title.
    pub title: String,
    /// Free text (e.g. "illustrative, not the city's published rules").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Rounding places and mode.
    pub rounding: Rounding,
    /// Scored indicators, weights summing to 100.
    pub indicators: Vec<IndicatorRule>,
    /// Bonus (+) and penalty (-) points.
    #[serde(default)]
    pub adjustments: Vec<Adjustment>,
    /// One-vote vetoes (一票否决) capping the grade.
    #[serde(default)]
    pub vetoes: Vec<Veto>,
    /// Grade bands.
    pub grades: Vec<GradeBand>,
    /// What the results imply.
    #[serde(default)]
    pub consequences: Consequences,
    /// The process component (过程考核): points for the unit's in-year
    /// record; with it, the indicator weights and its parts' points add up
    /// to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<ProcessComponent>,
}

/// The process component of the annual score (plan lines 766-767:
/// 加强过程考核，注重平时监督): points for how a unit reported and answered
/// supervision through the year (`docs/SCORING.md` section 6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessComponent {
    /// Clause of the plan or the rules the component implements.
    pub clause: String,
    /// The parts, each scored on its own; at least one.
    pub parts: Vec<ProcessPart>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a part of the process component measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessMeasure {
    /// The share of the in-year reports due in the period's monitoring
    /// rounds that arrived by their round's due date.
    OnTimeReporting,
    /// Supervision findings whose follow-up date passed before they were
    /// closed (or while they are open).
    OverdueFindings,
    /// The share of the unit's major projects under construction that
    /// reported progress for the period (the project library's progress
    /// monitoring, plan line 770).
    ProjectReporting,
}

impl ProcessMeasure {
    /// The name used in policies and output.
    pub fn name(self) -> &'static str {
        match self {
            ProcessMeasure::OnTimeReporting => "on_time_reporting",
            ProcessMeasure::OverdueFindings => "overdue_findings",
            ProcessMeasure::ProjectReporting => "project_reporting",
        }
    }
}

/// One part of the process component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessPart {
    /// Id, unique among adjustments, vetoes and process parts (e.g. `Q1`).
    pub id: String,
    /// What it measures; each measure at most once.
    pub measure: ProcessMeasure,
    /// Points at full marks (greater than 0, at most `score_scale` places).
    #[serde(with = "serde_str")]
    pub points: Decimal,
    /// `overdue_findings` only (required there): points lost per overdue
    /// finding, down to 0.
    #[serde(default, with = "serde_str_opt", skip_serializing_if = "Option::is_none")]
    pub per_finding: Option<Decimal>,
    /// Clause cited.
    pub clause: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Places and mode of rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rounding {
    /// Places of each indicator score (e.g. 4).
    pub indicator_scale: u32,
    /// Places of the composite score (e.g. 2).
    pub score_scale: u32,
    /// Places of money amounts (e.g. 2).
    pub money_scale: u32,
    /// How ties are broken.
    #[serde(default)]
    pub mode: RoundingMode,
}

/// How one indicator is scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRule {
    /// Indicator id (must be in the input's indicator list).
    pub indicator: String,
    /// Points at full marks; all weights add up to 100.
    #[serde(with = "serde_str")]
    pub weight: Decimal,
    /// The scoring method.
    pub method: Method,
    /// Clause cited in every derivation step.
    pub clause: String,
    /// Free text (why this method, this weight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn one() -> Decimal {
    Decimal::ONE
}
fn is_one(d: &Decimal) -> bool {
    *d == Decimal::ONE
}

/// A scoring method (`"kind"` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Method {
    /// actual / target (or target / actual, or the reduction form), clipped
    /// to [0, cap], times the weight.
    CompletionRate {
        /// Lower-is-better form; ignored for higher-is-better.
        #[serde(default)]
        form: RateForm,
        /// Upper limit of the rate (default 1).
        #[serde(default = "one", with = "serde_str", skip_serializing_if = "is_one")]
        cap: Decimal,
    },
    /// (actual - baseline) / (target - baseline), clipped to [0, cap], times
    /// the weight.
    ProgressToTarget {
        /// Upper limit of the progress (default 1).
        #[serde(default = "one", with = "serde_str", skip_serializing_if = "is_one")]
        cap: Decimal,
    },
    /// 功效系数法: 60 + 40 (x - x_s) / (x_h - x_s), clipped, times weight / 100.
    Efficacy {
        /// x_h, the satisfactory value.
        satisfactory: Reference,
        /// x_s, the not-allowed value.
        not_allowed: Reference,
        /// Lower limit of the coefficient (default 0).
        #[serde(default, with = "serde_str_opt", skip_serializing_if = "Option::is_none")]
        floor: Option<Decimal>,
        /// Upper limit of the coefficient (default 100).
        #[serde(default, with = "serde_str_opt", skip_serializing_if = "Option::is_none")]
        ceiling: Option<Decimal>,
    },
    /// Place among the units: first gets the weight, each place below loses
    /// `step`, not below 0.
    Rank {
        /// Points lost per place.
        #[serde(with = "serde_str")]
        step: Decimal,
    },
    /// The weight if the value meets the target, else 0.
    PassFail,
}

impl Method {
    /// The method's name as written in the policy (`completion_rate`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::CompletionRate { .. } => "completion_rate",
            Self::ProgressToTarget { .. } => "progress_to_target",
            Self::Efficacy { .. } => "efficacy",
            Self::Rank { .. } => "rank",
            Self::PassFail => "pass_fail",
        }
    }
}

/// Completion rate for lower-is-better indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateForm {
    /// target / actual (higher-is-better always uses actual / target).
    #[default]
    Ratio,
    /// (baseline - actual) / (baseline - target); lower-is-better only.
    Reduction,
}

/// A number a rule compares with or scores against: a fixed decimal or a
/// figure resolved per unit and period. Written as a JSON string: a decimal
/// (`"86"`) or one of `"target"`, `"baseline"`, `"best"`, `"worst"`,
/// `"city_average"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// A fixed figure.
    Fixed(Decimal),
    /// The unit's target for the indicator.
    Target,
    /// The unit's baseline for the indicator.
    Baseline,
    /// The best value among the period's (non-disqualified) units with a value.
    Best,
    /// The worst value among them.
    Worst,
    /// The arithmetic mean over them.
    CityAverage,
}

impl Reference {
    /// The JSON string form.
    pub fn text(&self) -> String {
        match self {
            Self::Fixed(d) => to_text(d),
            Self::Target => "target".into(),
            Self::Baseline => "baseline".into(),
            Self::Best => "best".into(),
            Self::Worst => "worst".into(),
            Self::CityAverage => "city_average".into(),
        }
    }
}

impl Serialize for Reference {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(match text.as_str() {
            "target" => Self::Target,
            "baseline" => Self::Baseline,
            "best" => Self::Best,
            "worst" => Self::Worst,
            "city_average" => Self::CityAverage,
            other => Self::Fixed(parse_decimal(other).map_err(|_| {
                serde::de::Error::custom(format!(
                    "invalid reference {other:?}: expected a decimal string such as \"86\" or one of \
                     \"target\", \"baseline\", \"best\", \"worst\", \"city_average\""
                ))
            })?),
        })
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `<`
    #[serde(rename = "<")]
    Lt,
}

impl Op {
    /// `>=`, `>`, `<=` or `<`.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Ge => ">=",
            Self::Gt => ">",
            Self::Le => "<=",
            Self::Lt => "<",
        }
    }
    pub(crate) fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Self::Ge => ord != Less,
            Self::Gt => ord == Greater,
            Self::Le => ord != Greater,
            Self::Lt => ord == Less,
        }
    }
}

/// A condition on a unit's value: `value op reference`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    /// The operator.
    pub op: Op,
    /// What the value is compared with.
    pub value: Reference,
}

/// Bonus (positive points) or penalty (negative points).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// Id, unique among adjustments and vetoes (e.g. `B1`, `P1`).
    pub id: String,
    /// Indicator whose value is tested.
    pub indicator: String,
    /// The condition.
    pub when: Comparison,
    /// Points added (negative: subtracted); at most `score_scale` places.
    #[serde(with = "serde_str")]
    pub points: Decimal,
    /// Clause cited.
    pub clause: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// When a veto applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VetoWhen {
    /// The indicator's pass/fail test fails (value does not meet the target,
    /// direction-aware). Written `"fails"`.
    Fails,
    /// The comparison holds. Written `{"op": ..., "value": ...}`.
    Compare(Comparison),
}

impl Serialize for VetoWhen {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Fails => s.serialize_str("fails"),
            Self::Compare(c) => c.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for VetoWhen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        match value {
            serde_json::Value::String(s) if s == "fails" => Ok(Self::Fails),
            serde_json::Value::Object(_) => serde_json::from_value(value)
                .map(Self::Compare)
                .map_err(|e| serde::de::Error::custom(format!("invalid veto condition: {e}"))),
            _ => Err(serde::de::Error::custom(
                "invalid veto condition: expected \"fails\" or {\"op\": \">=\"|\">\"|\"<=\"|\"<\", \"value\": ...}",
            )),
        }
    }
}

/// What a veto does when the indicator has no value (or the reference is
/// missing) for a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IfMissing {
    /// The veto is not applied; an anomaly is reported.
    #[default]
    Skipped,
    /// The veto applies (a unit that cannot show it passed has not passed).
    Applies,
}

/// A one-vote veto (一票否决): caps the grade when its condition holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Veto {
    /// Id, unique among adjustments and vetoes (e.g. `V1`).
    pub id: String,
    /// Indicator tested.
    pub indicator: String,
    /// The condition.
    pub when: VetoWhen,
    /// The highest grade a vetoed unit can get.
    pub max_grade: String,
    /// What happens without data.
    #[serde(default)]
    pub if_missing: IfMissing,
    /// Clause cited.
    pub clause: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A grade and the lowest composite score that earns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    /// `[a-z][a-z0-9_]*`, not `disqualified`.
    pub grade: String,
    /// Lowest (rounded) composite score of the band; the lowest band also
    /// takes every score below its `min`.
    #[serde(with = "serde_str")]
    pub min: Decimal,
}

/// What results imply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consequences {
    /// 政策倾斜 for the best grades.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_preference: Option<PreferenceRule>,
    /// The fiscal reward of plan line 542.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_reward: Option<FiscalRewardRule>,
    /// 通报 / 约谈 / 问责.
    #[serde(default)]
    pub escalation: Vec<EscalationRule>,
}

/// Policy preference for units with one of these grades (not vetoed, not
/// disqualified).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferenceRule {
    /// Grades that earn it.
    pub grades: Vec<String>,
    /// Clause cited.
    pub clause: String,
}

/// Reward = share x increment, for units whose growth and tax-share rise
/// both exceed the city average.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiscalRewardRule {
    /// Indicator id of fiscal revenue growth (F1).
    pub growth: String,
    /// Indicator id of the rise in the tax share of revenue (F2).
    pub tax_share_rise: String,
    /// Indicator id of the tax increment remitted to the city (F3).
    pub increment: String,
    /// The proportion of the increment paid back, in (0, 1].
    #[serde(with = "serde_str")]
    pub share: Decimal,
    /// The kinds of unit the clause covers (区、县: `district`, `county`):
    /// only they may earn the reward and only they make the city average.
    /// Empty: every assessed unit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_kinds: Vec<UnitKind>,
    /// How the city average is formed (default: the mean of the unit rates).
    #[serde(default, skip_serializing_if = "CityAverage::is_default")]
    pub average: CityAverage,
    /// The four level figures the city-wide rate sums; required with
    /// `"average": "city_wide_rate"`, refused otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<FiscalLevels>,
    /// Clause cited.
    pub clause: String,
}

/// A kind of assessed unit, as the fiscal-reward clause names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 区
    District,
    /// 县
    County,
    /// 功能区
    FunctionalZone,
}

impl UnitKind {
    /// The name used in policies and derivations.
    pub fn name(self) -> &'static str {
        match self {
            Self::District => "district",
            Self::County => "county",
            Self::FunctionalZone => "functional_zone",
        }
    }
}

/// The city average the fiscal reward compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CityAverage {
    /// The mean of the covered units' own rates (F1 and F2 summed and
    /// divided by the number of units).
    #[default]
    MeanOfUnitRates,
    /// The rate of the covered units taken together: growth
    /// `100 x (sum revenue - sum prior revenue) / sum prior revenue`, tax
    /// share rise `100 x (sum tax / sum revenue - sum prior tax / sum prior
    /// revenue)`, from the four level figures of [`FiscalLevels`].
    CityWideRate,
}

impl CityAverage {
    fn is_default(&self) -> bool {
        *self == Self::MeanOfUnitRates
    }

    /// The name used in policies and derivations.
    pub fn name(self) -> &'static str {
        match self {
            Self::MeanOfUnitRates => "mean_of_unit_rates",
            Self::CityWideRate => "city_wide_rate",
        }
    }
}

/// Indicator ids of the level figures the city-wide rate sums over units
/// (amounts, in one unit of measure, e.g. 10k yuan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiscalLevels {
    /// Fiscal revenue of the period's year.
    pub revenue: String,
    /// Fiscal revenue of the year before.
    pub revenue_prior: String,
    /// Tax revenue of the period's year.
    pub tax: String,
    /// Tax revenue of the year before.
    pub tax_prior: String,
}

impl FiscalLevels {
    /// (member, indicator id), in a fixed order.
    pub fn ids(&self) -> [(&'static str, &str); 4] {
        [
            ("revenue", self.revenue.as_str()),
            ("revenue_prior", self.revenue_prior.as_str()),
            ("tax", self.tax.as_str()),
            ("tax_prior", self.tax_prior.as_str()),
        ]
    }
}

/// An escalation action, from mildest to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 通报
    PublicNotice,
    /// 约谈
    AdmonitionTalk,
    /// 问责
    Accountability,
}

fn one_u32() -> u32 {
    1
}
fn is_one_u32(n: &u32) -> bool {
    *n == 1
}
fn is_false(b: &bool) -> bool {
    !*b
}

/// Applies when the unit's streak of consecutive periods meeting the
/// condition (a grade in `grades`, or being vetoed when `veto` is true),
/// ending with this period, is at least `consecutive` long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationRule {
    /// Length of streak needed (default 1).
    #[serde(default = "one_u32", skip_serializing_if = "is_one_u32")]
    pub consecutive: u32,
    /// Grades that count (`"disqualified"` allowed); exclusive with `veto`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<String>,
    /// Count vetoed periods instead of grades.
    #[serde(default, skip_serializing_if = "is_false")]
    pub veto: bool,
    /// What follows.
    pub action: Action,
    /// Clause cited.
    pub clause: String,
}

/// The grade of a unit whose result is void.
pub const DISQUALIFIED: &str = "disqualified";

fn check_name(at: &str, name: &str, what: &str) -> Result<(), PolicyError> {
    let mut chars = name.chars();
    let ok = name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            at,
            format!("{what} {name:?} must be 1-64 characters of [A-Za-z0-9_.-], starting with a letter or digit"),
        ))
    }
}

fn check_clause(at: &str, clause: &str) -> Result<(), PolicyError> {
    if clause.trim().is_empty() || clause.chars().count() > 200 {
        return Err(invalid(at, "a clause reference of 1-200 characters is required"));
    }
    Ok(())
}

impl Policy {
    /// Parses and validates a policy.
    pub fn from_json(text: &str) -> Result<Self, PolicyError> {
        let policy: Self = serde_json::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        policy.validate()?;
        Ok(policy)
    }

    /// The policy as a JSON value (decimals as strings); `from_json` of its
    /// text gives the same policy back.
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Every indicator the policy needs data for: scored ones, those of
    /// adjustments and vetoes, and the fiscal reward's three figures;
    /// sorted, each once.
    pub fn referenced_indicators(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.indicators.iter().map(|r| r.indicator.clone()).collect();
        ids.extend(self.adjustments.iter().map(|a| a.indicator.clone()));
        ids.extend(self.vetoes.iter().map(|v| v.indicator.clone()));
        if let Some(f) = &self.consequences.fiscal_reward {
            ids.extend([f.growth.clone(), f.tax_share_rise.clone(), f.increment.clone()]);
            if let Some(levels) = &f.levels {
                ids.extend(levels.ids().iter().map(|(_, id)| (*id).to_owned()));
            }
        }
        ids.sort();
        ids.dedup();
        ids
    }

    /// The grade bands from the highest `min` down.
    pub fn bands(&self) -> Vec<&GradeBand> {
        let mut bands: Vec<&GradeBand> = self.grades.iter().collect();
        bands.sort_by_key(|b| std::cmp::Reverse(b.min));
        bands
    }

    /// Position of a grade from the top (0 = best); `None` if undefined.
    pub(crate) fn grade_position(&self, grade: &str) -> Option<usize> {
        self.bands().iter().position(|b| b.grade == grade)
    }

    /// Checks everything that can be checked without the period's input.
    pub fn validate(&self) -> Result<(), PolicyError> {
        check_name("id", &self.id, "policy id")?;
        if self.version == 0 {
            return Err(invalid("version", "versions start at 1"));
        }
        if self.title.trim().is_empty() {
            return Err(invalid("title", "a title is required"));
        }
        let r = &self.rounding;
        for (at, scale) in [
            ("rounding.indicator_scale", r.indicator_scale),
            ("rounding.score_scale", r.score_scale),
            ("rounding.money_scale", r.money_scale),
        ] {
            if scale > 10 {
                return Err(invalid(at, format!("{scale} places is too many; use 0 to 10")));
            }
        }

        // grades
        if self.grades.is_empty() {
            return Err(invalid("grades", "at least one grade band is required"));
        }
        let mut names = BTreeSet::new();
        let mut mins = BTreeSet::new();
        for (i, band) in self.grades.iter().enumerate() {
            let at = format!("grades[{i}].grade");
            let mut chars = band.grade.chars();
            let ok = band.grade.len() <= 32
                && chars.next().is_some_and(|c| c.is_ascii_lowercase())
                && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                return Err(invalid(at, format!("grade {:?} must match [a-z][a-z0-9_]* (at most 32)", band.grade)));
            }
            if band.grade == DISQUALIFIED {
                return Err(invalid(at, "\"disqualified\" is reserved for units whose result is void"));
            }
            if !names.insert(band.grade.as_str()) {
                return Err(PolicyError::Duplicate { list: "grades", id: band.grade.clone() });
            }
            if !mins.insert(band.min.normalize()) {
                return Err(invalid(
                    format!("grades[{i}].min"),
                    format!("two bands share the minimum {}", to_text(&band.min)),
                ));
            }
        }
        let known_grade = |at: String, grade: &str| {
            if names.contains(grade) { Ok(()) } else { Err(PolicyError::UnknownGrade { at, grade: grade.to_owned() }) }
        };

        // indicators and weights
        if self.indicators.is_empty() {
            return Err(invalid("indicators", "at least one scored indicator is required"));
        }
        let mut seen = BTreeSet::new();
        let mut sum = Decimal::ZERO;
        for (i, rule) in self.indicators.iter().enumerate() {
            let at = format!("indicators[{i}]");
            if rule.indicator.is_empty() {
                return Err(invalid(format!("{at}.indicator"), "an indicator id is required"));
            }
            if !seen.insert(rule.indicator.as_str()) {
                return Err(PolicyError::Duplicate { list: "indicators", id: rule.indicator.clone() });
            }
            if rule.weight <= Decimal::ZERO {
                return Err(invalid(format!("{at}.weight"), "weights must be greater than 0"));
            }
            sum = sum.checked_add(rule.weight).ok_or_else(|| invalid(format!("{at}.weight"), "weight too large"))?;
            check_clause(&format!("{at}.clause"), &rule.clause)?;
            match &rule.method {
                Method::CompletionRate { cap, .. } | Method::ProgressToTarget { cap } => {
                    if *cap <= Decimal::ZERO {
                        return Err(invalid(format!("{at}.method.cap"), "the cap must be greater than 0 (1 = 100 %)"));
                    }
                }
                Method::Efficacy { floor, ceiling, .. } => {
                    let lo = floor.unwrap_or(Decimal::ZERO);
                    let hi = ceiling.unwrap_or(Decimal::ONE_HUNDRED);
                    if lo >= hi {
                        return Err(invalid(
                            format!("{at}.method"),
                            format!("floor {} must be below ceiling {}", to_text(&lo), to_text(&hi)),
                        ));
                    }
                }
                Method::Rank { step } => {
                    if *step < Decimal::ZERO {
                        return Err(invalid(format!("{at}.method.step"), "the step must not be negative"));
                    }
                }
                Method::PassFail => {}
            }
        }
        let mut process_words = String::new();
        if let Some(process) = &self.process {
            let points = self.validate_process(process)?;
            sum = sum.checked_add(points).ok_or_else(|| invalid("process.parts", "points too large"))?;
            process_words = format!(" and the process component's points ({})", to_text(&points.normalize()));
        }
        if sum != Decimal::ONE_HUNDRED {
            return Err(PolicyError::WeightSum { sum: to_text(&sum.normalize()), process: process_words });
        }

        // adjustments, vetoes and process parts share one name space
        let mut ids: BTreeSet<&str> = self.process.iter().flat_map(|p| &p.parts).map(|p| p.id.as_str()).collect();
        for (i, adj) in self.adjustments.iter().enumerate() {
            let at = format!("adjustments[{i}]");
            check_name(&format!("{at}.id"), &adj.id, "id")?;
            if !ids.insert(adj.id.as_str()) {
                return Err(PolicyError::Duplicate { list: "adjustments/vetoes", id: adj.id.clone() });
            }
            if adj.indicator.is_empty() {
                return Err(invalid(format!("{at}.indicator"), "an indicator id is required"));
            }
            if adj.points.is_zero() {
                return Err(invalid(
                    format!("{at}.points"),
                    "points must not be 0 (positive: bonus, negative: penalty)",
                ));
            }
            if adj.points.scale() > r.score_scale {
                return Err(invalid(
                    format!("{at}.points"),
                    format!("at most {} places (rounding.score_scale)", r.score_scale),
                ));
            }
            check_clause(&format!("{at}.clause"), &adj.clause)?;
        }
        for (i, veto) in self.vetoes.iter().enumerate() {
            let at = format!("vetoes[{i}]");
            check_name(&format!("{at}.id"), &veto.id, "id")?;
            if !ids.insert(veto.id.as_str()) {
                return Err(PolicyError::Duplicate { list: "adjustments/vetoes", id: veto.id.clone() });
            }
            if veto.indicator.is_empty() {
                return Err(invalid(format!("{at}.indicator"), "an indicator id is required"));
            }
            known_grade(format!("{at}.max_grade"), &veto.max_grade)?;
            check_clause(&format!("{at}.clause"), &veto.clause)?;
        }

        // consequences
        let c = &self.consequences;
        if let Some(p) = &c.policy_preference {
            if p.grades.is_empty() {
                return Err(invalid("consequences.policy_preference.grades", "list at least one grade"));
            }
            for (i, g) in p.grades.iter().enumerate() {
                known_grade(format!("consequences.policy_preference.grades[{i}]"), g)?;
            }
            check_clause("consequences.policy_preference.clause", &p.clause)?;
        }
        if let Some(f) = &c.fiscal_reward {
            let at = "consequences.fiscal_reward";
            for (field, id) in
                [("growth", &f.growth), ("tax_share_rise", &f.tax_share_rise), ("increment", &f.increment)]
            {
                if id.is_empty() {
                    return Err(invalid(format!("{at}.{field}"), "an indicator id is required"));
                }
            }
            if f.growth == f.tax_share_rise || f.growth == f.increment || f.tax_share_rise == f.increment {
                return Err(invalid(at, "growth, tax_share_rise and increment must be three different indicators"));
            }
            if f.share <= Decimal::ZERO || f.share > Decimal::ONE {
                return Err(invalid(format!("{at}.share"), "the share must be greater than 0 and at most 1"));
            }
            for (i, kind) in f.unit_kinds.iter().enumerate() {
                if f.unit_kinds[..i].contains(kind) {
                    return Err(invalid(format!("{at}.unit_kinds[{i}]"), format!("{} is listed twice", kind.name())));
                }
            }
            match (f.average, &f.levels) {
                (CityAverage::CityWideRate, None) => {
                    return Err(invalid(
                        format!("{at}.levels"),
                        "the city-wide rate needs the level figures: give \"levels\": {\"revenue\", \
                         \"revenue_prior\", \"tax\", \"tax_prior\"} (indicator ids)",
                    ));
                }
                (CityAverage::MeanOfUnitRates, Some(_)) => {
                    return Err(invalid(
                        format!("{at}.levels"),
                        "level figures are used only with \"average\": \"city_wide_rate\"",
                    ));
                }
                (CityAverage::CityWideRate, Some(levels)) => {
                    let mut seen = vec![f.growth.as_str(), f.tax_share_rise.as_str(), f.increment.as_str()];
                    for (member, id) in levels.ids() {
                        if id.is_empty() {
                            return Err(invalid(format!("{at}.levels.{member}"), "an indicator id is required"));
                        }
                        if seen.contains(&id) {
                            return Err(invalid(
                                format!("{at}.levels.{member}"),
                                format!("indicator {id:?} is already used by the fiscal reward"),
                            ));
                        }
                        seen.push(id);
                    }
                }
                (CityAverage::MeanOfUnitRates, None) => {}
            }
            check_clause(&format!("{at}.clause"), &f.clause)?;
        }
        for (i, rule) in c.escalation.iter().enumerate() {
            let at = format!("consequences.escalation[{i}]");
            if rule.consecutive == 0 {
                return Err(invalid(format!("{at}.consecutive"), "a streak is at least 1 period long"));
            }
            match (rule.grades.is_empty(), rule.veto) {
                (true, false) => return Err(invalid(at, "give either \"grades\" or \"veto\": true")),
                (false, true) => return Err(invalid(at, "give either \"grades\" or \"veto\": true, not both")),
                _ => {}
            }
            for (j, g) in rule.grades.iter().enumerate() {
                if g != DISQUALIFIED {
                    known_grade(format!("{at}.grades[{j}]"), g)?;
                }
            }
            check_clause(&format!("{at}.clause"), &rule.clause)?;
        }
        Ok(())
    }

    /// Checks the process component; returns the sum of its parts' points.
    fn validate_process(&self, process: &ProcessComponent) -> Result<Decimal, PolicyError> {
        check_clause("process.clause", &process.clause)?;
        if process.parts.is_empty() {
            return Err(invalid("process.parts", "at least one part is required"));
        }
        let scale = self.rounding.score_scale;
        let mut ids = BTreeSet::new();
        let mut measures = Vec::new();
        let mut sum = Decimal::ZERO;
        for (i, part) in process.parts.iter().enumerate() {
            let at = format!("process.parts[{i}]");
            check_name(&format!("{at}.id"), &part.id, "id")?;
            if !ids.insert(part.id.as_str()) {
                return Err(PolicyError::Duplicate { list: "process.parts", id: part.id.clone() });
            }
            if measures.contains(&part.measure) {
                return Err(invalid(format!("{at}.measure"), format!("{} is measured twice", part.measure.name())));
            }
            measures.push(part.measure);
            for (field, d) in [("points", Some(part.points)), ("per_finding", part.per_finding)] {
                let Some(d) = d else { continue };
                if d <= Decimal::ZERO {
                    return Err(invalid(format!("{at}.{field}"), "must be greater than 0"));
                }
                if d.scale() > scale {
                    return Err(invalid(
                        format!("{at}.{field}"),
                        format!("at most {scale} places (rounding.score_scale)"),
                    ));
                }
            }
            match (part.measure, part.per_finding) {
                (ProcessMeasure::OverdueFindings, None) => {
                    return Err(invalid(
                        format!("{at}.per_finding"),
                        "overdue_findings needs per_finding: the points lost per overdue finding",
                    ));
                }
                (ProcessMeasure::OnTimeReporting | ProcessMeasure::ProjectReporting, Some(_)) => {
                    return Err(invalid(format!("{at}.per_finding"), "per_finding belongs to overdue_findings only"));
                }
                _ => {}
            }
            check_clause(&format!("{at}.clause"), &part.clause)?;
            sum = sum.checked_add(part.points).ok_or_else(|| invalid(format!("{at}.points"), "points too large"))?;
        }
        Ok(sum)
    }
}
