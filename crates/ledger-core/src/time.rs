//! Times in the ledger: UTC, whole seconds, one spelling
//! (`YYYY-MM-DDTHH:MM:SSZ`), so that comparing the strings compares the times.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A UTC instant with one-second resolution.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(jiff::Timestamp);

const FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// A time not written as `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("time must be UTC in the form YYYY-MM-DDTHH:MM:SSZ (got {0:?})")]
pub struct TimeError(String);

impl Timestamp {
    /// The current time, truncated to the second.
    pub fn now() -> Timestamp {
        Timestamp::from_unix(jiff::Timestamp::now().as_second()).unwrap_or(Timestamp(jiff::Timestamp::UNIX_EPOCH))
    }

    /// From seconds since 1970-01-01T00:00:00Z.
    pub fn from_unix(seconds: i64) -> Option<Timestamp> {
        let t = jiff::Timestamp::from_second(seconds).ok()?;
        // Keep to four-digit years so the text form stays fixed-width.
        let year = t.to_zoned_datetime(jiff::tz::TimeZone::UTC).year();
        (1..=9999).contains(&year).then_some(Timestamp(t))
    }

    /// Seconds since the Unix epoch.
    pub fn as_unix(&self) -> i64 {
        self.0.as_second()
    }

    /// The calendar date (UTC) as `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        self.0.strftime("%Y-%m-%d").to_string()
    }

    /// This instant plus `seconds` (saturating within the supported range).
    pub fn plus_seconds(&self, seconds: i64) -> Timestamp {
        Timestamp::from_unix(self.as_unix().saturating_add(seconds)).unwrap_or(*self)
    }

    /// The last second of a calendar date given as `YYYY-MM-DD` (UTC).
    pub fn end_of_date(date: &str) -> Result<Timestamp, TimeError> {
        format!("{date}T23:59:59Z").parse().map_err(|_| TimeError(date.to_owned()))
    }

    /// The first second of a calendar date given as `YYYY-MM-DD` (UTC).
    pub fn start_of_date(date: &str) -> Result<Timestamp, TimeError> {
        format!("{date}T00:00:00Z").parse().map_err(|_| TimeError(date.to_owned()))
    }
}

impl FromStr for Timestamp {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TimeError(s.to_owned());
        if s.len() != 20 || !s.ends_with('Z') {
            return Err(err());
        }
        if s.starts_with("0000") {
            return Err(err()); // years 0001 to 9999 only
        }
        let t: jiff::Timestamp = s.parse().map_err(|_| err())?;
        let t = Timestamp(t);
        // Only the one spelling: parse, print, compare.
        if t.to_string() != s {
            return Err(err());
        }
        Ok(t)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime(FORMAT))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn one_spelling_only() {
        let t: Timestamp = "2022-12-31T23:59:59Z".parse().unwrap();
        assert_eq!(t.to_string(), "2022-12-31T23:59:59Z");
        assert_eq!(t.date(), "2022-12-31");
        for bad in [
            "2022-12-31T23:59:59+00:00",
            "2022-12-31T23:59:59.000Z",
            "2022-12-31 23:59:59Z",
            "2022-02-30T00:00:00Z",
            "2022-12-31T24:00:00Z",
            "2022-12-31t23:59:59z",
            "+2022-12-31T23:59:5Z",
            "0000-01-01T00:00:00Z",
            "2022-12-31T23:59:60Z",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
        assert!(Timestamp::end_of_date("2027-12-31").unwrap() > "2027-12-31T23:00:00Z".parse().unwrap());
    }
}
