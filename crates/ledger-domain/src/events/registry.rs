//! The payloads of what everything else refers to: the indicator catalog,
//! the assessed units and their history, the scoring policies, the
//! ledger's settings and the keys that speak for a unit
//! (`docs/EVENTS.md`: "Settings", "Unit keys", "Catalog, units, policies").

use super::values::{Date, Dec};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Which way an indicator improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// More is better.
    Higher,
    /// Less is better.
    Lower,
}

/// How an indicator is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A number scored against its target.
    Numeric,
    /// Pass or fail against a figure assigned later (indicator 18).
    PassFailAssigned,
    /// Pass or fail against a threshold, e.g. a legal standard (indicator 19).
    PassFailThreshold,
}

/// What values are plausible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// A percentage share: 0 to 100.
    Share,
    /// A count: a non-negative integer.
    Count,
    /// Money or a quantity: not negative.
    Amount,
    /// A per-capita ratio: not negative.
    Ratio,
    /// An index: not negative.
    Index,
    /// A rate of change: any sign.
    Rate,
}

impl ValueType {
    /// Checks a value's plausibility for this type.
    pub fn check(self, v: &Decimal) -> Result<(), String> {
        let negative = v.is_sign_negative() && !v.is_zero();
        match self {
            ValueType::Share if negative || *v > Decimal::ONE_HUNDRED => {
                Err(format!("{v} is not a share between 0 and 100"))
            }
            ValueType::Count if negative || v.scale() != 0 => {
                Err(format!("{v} is not a count (a non-negative integer, written without a decimal point)"))
            }
            ValueType::Amount | ValueType::Ratio | ValueType::Index if negative => {
                Err(format!("{v} is negative; this indicator's values cannot be"))
            }
            _ => Ok(()),
        }
    }
}

/// A baseline or target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// The year it refers to.
    #[serde(default)]
    pub year: Option<i32>,
    /// The value, when the plan gives a number.
    #[serde(default)]
    pub value: Option<Dec>,
    /// E.g. "2016 figure", "meet the standard".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `indicator_defined`; `indicator_revised` carries one too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    /// Stable id, e.g. "1" for Table 1's first indicator.
    pub id: String,
    /// Category, e.g. `innovation`.
    pub category: String,
    /// Category in Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_zh: Option<String>,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// Unit of measure, e.g. "%", "100M yuan".
    pub unit: String,
    /// The unit of measure as written in Chinese (`亿元`): a value's
    /// `measure` may be either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_zh: Option<String>,
    /// Which way is better.
    pub direction: Direction,
    /// How it is judged.
    pub kind: Kind,
    /// Plausible values.
    pub value_type: ValueType,
    /// The plan's baseline.
    pub baseline: Point,
    /// The plan's target.
    pub target: Point,
    /// Where it comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Data a rule needs that is not one of the plan's scored indicators.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auxiliary: bool,
}

/// Payload of `indicator_revised`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRevised {
    /// The whole new definition (same id).
    pub indicator: IndicatorDef,
    /// Why.
    pub reason: String,
}

/// What kind of unit is assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 区
    District,
    /// 县
    County,
    /// 功能区: high-tech zone, pilot zone, southern mountains.
    FunctionalZone,
}

/// Payload of `unit_registered`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRegistered {
    /// Stable id, e.g. `laiwu`.
    pub unit: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// District, county or functional zone.
    pub kind: UnitKind,
    /// From when it exists as an assessed unit.
    pub effective: Date,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `unit_renamed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRenamed {
    /// The unit.
    pub unit: String,
    /// New Chinese name.
    pub name_zh: String,
    /// New English name.
    pub name_en: String,
    /// From when.
    pub effective: Date,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `unit_reclassified` (e.g. county -> district).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitReclassified {
    /// The unit.
    pub unit: String,
    /// Old kind (must be the current one).
    pub from: UnitKind,
    /// New kind.
    pub to: UnitKind,
    /// From when.
    pub effective: Date,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `unit_merged`: the unit ceases, merged into another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitMerged {
    /// The unit that ceases.
    pub unit: String,
    /// The unit it joins.
    pub into: String,
    /// From when.
    pub effective: Date,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `unit_retired`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRetired {
    /// The unit.
    pub unit: String,
    /// From when it is no longer assessed.
    pub effective: Date,
    /// Why.
    pub reason: String,
}

/// Payload of `policy_adopted`: a scoring policy (see `docs/SCORING.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyAdopted {
    /// The policy document.
    pub policy: serde_json::Value,
}

/// Payload of `time_zone_adopted` (stream `settings`): the zone the ledger
/// reads dates in (a bare date, the last day of a window). Recorded once;
/// a ledger that records none reads dates in Asia/Shanghai.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeZoneAdopted {
    /// An IANA time zone name, e.g. `Asia/Shanghai`.
    pub zone: String,
}

/// Payload of `unit_key_bound` (stream `unit/<unit>`): the key speaks for
/// this unit, and may file objections and rectifications for it only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitKeyBound {
    /// The unit.
    pub unit: String,
    /// The key (64 hex digits), authorised with the `unit` role.
    pub key: String,
}
