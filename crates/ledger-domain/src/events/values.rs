//! The values payloads are made of: exact decimals written as strings,
//! calendar dates, and documents by hash.

use ledger_core::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use std::str::FromStr;

/// An exact decimal, written in JSON as a string: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
/// Anything else (`12,5`, `1e5`, `NaN`, `+1`, ` 1`, `.5`) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec(pub Decimal);

impl FromStr for Dec {
    type Err = String;
    fn from_str(s: &str) -> Result<Dec, String> {
        ledger_score::parse_decimal(s).map(Dec).map_err(|e| e.to_string())
    }
}

impl Dec {
    /// A decimal exactly as written, for a payload that is to hold `text`
    /// byte for byte: [`Serialize`] writes back `text` itself, a negative
    /// zero (`-0.0`) included, which a decoded value never is.
    pub fn exact(text: &str) -> Result<Dec, String> {
        let mut value = ledger_score::parse_decimal(text).map_err(|e| e.to_string())?;
        if value.is_zero() && text.starts_with('-') {
            value.set_sign_negative(true);
        }
        Ok(Dec(value))
    }
}

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dec, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => s.parse().map_err(serde::de::Error::custom),
            serde_json::Value::Number(n) => Err(serde::de::Error::custom(format!(
                "decimal values are written as strings, e.g. \"{n}\", so that no reader turns them into floating point"
            ))),
            other => Err(serde::de::Error::custom(format!("expected a decimal string, found {other}"))),
        }
    }
}

impl Serialize for Dec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date(pub String);

impl Date {
    /// A date `YYYY-MM-DD`, checked as decoding checks it.
    pub fn parse(text: &str) -> Result<Date, String> {
        Timestamp::start_of_date(text).map_err(|_| format!("{text:?} is not a date YYYY-MM-DD"))?;
        Ok(Date(text.to_owned()))
    }
    /// The first second of the date (UTC).
    pub fn start(&self) -> Timestamp {
        Timestamp::start_of_date(&self.0).unwrap_or_else(|_| unreachable_date())
    }
    /// The last second of the date (UTC).
    pub fn end(&self) -> Timestamp {
        Timestamp::end_of_date(&self.0).unwrap_or_else(|_| unreachable_date())
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::start_of_date(&s)
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a date YYYY-MM-DD")))?;
        Ok(Date(s))
    }
}

fn unreachable_date() -> Timestamp {
    // Dates are validated when decoded; keep a total function anyway.
    Timestamp::epoch()
}

/// A source document, by hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// BLAKE3 of the document, 64 lowercase hex digits.
    pub blake3: String,
    /// Its title.
    pub title: String,
}
