//! Scoring of one assessment period: the accepted values of every unit
//! (district, county, functional zone) plus a scoring [`Policy`] give
//! indicator scores, a composite, a rank, a grade, the vetoes that capped it
//! and the consequences the rules imply (policy preference, fiscal reward,
//! public notice, admonition talk, accountability), each number with a
//! step-by-step derivation citing the policy clause used.
//!
//! * [`score_period`]: the whole computation; errors only for an invalid
//!   policy or self-contradictory input, every data problem is an
//!   [`Anomaly`] in the result, so a replay always yields a projection;
//! * [`Policy::from_json`]: the policy (`ledger/policy.json` is the default)
//!   with validation;
//! * [`projection_hash`]: BLAKE3 of the canonical JSON of the period's
//!   domain facts, for comparing replays;
//! * [`decimal`]: strict decimal strings, rounding.
//!
//! The methods, rounding rule, policy schema and hash structure are
//! specified in `docs/SCORING.md`, whose worked example is checked by the
//! tests.
//!
//! Non-features: no I/O, no clock, no randomness, no floating point
//! (`rust_decimal` throughout, decimals travel as JSON strings), no event
//! handling. The domain crate gathers the inputs from ledger events and
//! attaches event sequence numbers as opaque `provenance`, which this crate
//! copies to the output untouched and never hashes.
//!
//! # Example
//!
//! ```
//! use ledger_score::{Policy, PeriodInput, score_period, projection_hash};
//!
//! let policy = Policy::from_json(r#"{
//!   "id": "example", "version": 1, "title": "Two indicators",
//!   "rounding": {"indicator_scale": 4, "score_scale": 2, "money_scale": 2},
//!   "indicators": [
//!     {"indicator": "1", "weight": "60", "method": {"kind": "completion_rate", "cap": "1.2"}, "clause": "S1.1"},
//!     {"indicator": "19", "weight": "40", "method": {"kind": "pass_fail"}, "clause": "S1.19"}
//!   ],
//!   "grades": [{"grade": "excellent", "min": "90"}, {"grade": "pass", "min": "60"}, {"grade": "poor", "min": "0"}]
//! }"#).unwrap();
//! let input: PeriodInput = serde_json::from_str(r#"{
//!   "period": "2022", "units": ["lixia"],
//!   "indicators": [
//!     {"id": "1", "direction": "higher", "kind": "numeric", "value_type": "share", "unit": "%"},
//!     {"id": "19", "direction": "higher", "kind": "pass_fail_threshold", "value_type": "rate", "unit": "%"}
//!   ],
//!   "values": [
//!     {"unit": "lixia", "indicator": "1", "value": "30.5", "provenance": [17]},
//!     {"unit": "lixia", "indicator": "19", "value": "6", "provenance": [18]}
//!   ],
//!   "targets": [
//!     {"unit": "lixia", "indicator": "1", "target": "35"},
//!     {"unit": "lixia", "indicator": "19", "target": "5"}
//!   ]
//! }"#).unwrap();
//!
//! let scores = score_period(&input, &policy).unwrap();
//! let lixia = &scores.units[0];
//! // 30.5 / 35 = 0.8714285714...; x 60 = 52.2857142857... -> 52.2857
//! assert_eq!(lixia.indicators[0].score.to_string(), "52.2857");
//! assert_eq!(lixia.indicators[0].steps[2],
//!     "completion rate = actual / target = 30.5 / 35 = 0.8714285714285714285714285714");
//! // 52.2857 + 40.0000 = 92.2857 -> 92.29: excellent
//! assert_eq!(lixia.score.to_string(), "92.29");
//! assert_eq!(lixia.grade, "excellent");
//! assert_eq!(lixia.rank, Some(1));
//! assert!(scores.anomalies.is_empty());
//! let _hash: [u8; 32] = projection_hash(&scores);
//! ```

#![forbid(unsafe_code)]

pub mod decimal;
mod exact;
mod hash;
mod input;
mod output;
mod policy;
mod score;

pub use decimal::{DecimalError, parse_decimal};
pub use hash::{PROJECTION_FORMAT, projection_bytes, projection_hash, projection_value};
pub use input::{
    Direction, Disqualification, IndicatorKind, IndicatorSpec, PeriodInput, PriorResult, ProcessInput, TargetInput,
    UnitKindInput, ValueInput,
};
pub use output::{
    Anomaly, AnomalyKind, AppliedAdjustment, AppliedVeto, Consequence, ConsequenceKind, DisqualificationNote,
    IndicatorScore, PeriodScores, ProcessScore, UnitScore,
};
pub use policy::{
    Action, Adjustment, CityAverage, Comparison, Consequences, DISQUALIFIED, EscalationRule, FiscalLevels,
    FiscalRewardRule, GradeBand, IfMissing, IndicatorRule, Method, Op, Policy, PolicyError, PreferenceRule,
    ProcessComponent, ProcessMeasure, ProcessPart, RateForm, Reference, Rounding, UnitKind, Veto, VetoWhen,
};
pub use rust_decimal::Decimal;
pub use score::{ScoreError, score_period};
