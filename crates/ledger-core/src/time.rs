//! Times in the ledger: UTC, whole seconds, one spelling
//! (`YYYY-MM-DDTHH:MM:SSZ`), so that comparing the strings compares the times.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A UTC instant with one-second resolution, 0001-01-01T00:00:00Z to
/// 9999-12-31T23:59:59Z. Held as a civil date and time in UTC (a
/// `jiff::Timestamp` cannot reach the last day of year 9999).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(jiff::civil::DateTime);

const FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// A time not written as `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("time must be UTC in the form YYYY-MM-DDTHH:MM:SSZ (got {0:?})")]
pub struct TimeError(String);

/// ASCII for the full-width digits and punctuation an input method types
/// (`２０２３／３／５`).
pub fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// A date as people write it: `2023-03-05`, `2023-3-5`, `2023/3/5`,
/// `2023.3.5` or `2023年3月5日`, in ASCII or full-width digits. `None` for
/// anything else, a day that does not exist among them.
pub fn written_date(text: &str) -> Option<jiff::civil::Date> {
    let text = half_width(text.trim());
    let text = text.strip_suffix('日').or_else(|| text.strip_suffix('号')).unwrap_or(&text);
    let parts: Vec<&str> = text.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else { return None };
    let digits =
        |s: &str, n: std::ops::RangeInclusive<usize>| n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4..=4) && digits(m, 1..=2) && digits(d, 1..=2)) {
        return None;
    }
    jiff::civil::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

fn utc(t: jiff::Timestamp) -> jiff::civil::DateTime {
    t.to_zoned_datetime(jiff::tz::TimeZone::UTC).datetime()
}

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub fn epoch() -> Timestamp {
        Timestamp(utc(jiff::Timestamp::UNIX_EPOCH))
    }

    /// From seconds since 1970-01-01T00:00:00Z.
    pub fn from_unix(seconds: i64) -> Option<Timestamp> {
        let dt = utc(jiff::Timestamp::from_second(seconds).ok()?);
        (1..=9999).contains(&dt.year()).then_some(Timestamp(dt))
    }

    /// Seconds since the Unix epoch.
    pub fn as_unix(&self) -> i64 {
        let epoch = jiff::civil::date(1970, 1, 1).at(0, 0, 0, 0);
        self.0.duration_since(epoch).as_secs()
    }

    /// The calendar date (UTC) as `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        self.0.strftime("%Y-%m-%d").to_string()
    }

    /// This instant plus `seconds` (saturating within the supported range).
    pub fn plus_seconds(&self, seconds: i64) -> Timestamp {
        match self.0.checked_add(jiff::SignedDuration::from_secs(seconds)) {
            Ok(dt) if (1..=9999).contains(&dt.year()) => Timestamp(dt),
            _ => *self,
        }
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

/// A time zone (jiff's, with the zone data built into the program).
pub use jiff::tz::TimeZone as Zone;

/// The time zone a ledger reads dates in when it records none: Jinan's.
pub const DEFAULT_ZONE: &str = "Asia/Shanghai";

/// A time zone by its IANA name, from the zone data built into the program
/// (so every machine reads a date the same way).
pub fn zone(name: &str) -> Result<Zone, TimeError> {
    jiff::tz::db().get(name).map_err(|_| TimeError(format!("{name} (not a known time zone)")))
}

impl Timestamp {
    /// A time as a person writes it: RFC 3339 with any offset
    /// (`2023-03-05T12:00:00+08:00`, `...Z`), or a bare date
    /// (`2023-03-05`), which means the end of that day in `zone`.
    /// Fractions of a second are dropped.
    pub fn parse_any(text: &str, zone: &jiff::tz::TimeZone) -> Result<Timestamp, TimeError> {
        let err = || TimeError(text.to_owned());
        let text = text.trim();
        if let Ok(t) = text.parse::<jiff::Timestamp>() {
            return Timestamp::from_unix(t.as_second()).ok_or_else(err);
        }
        if let Some(d) = written_date(text) {
            return Timestamp::end_of_date_in(&d.to_string(), zone);
        }
        Err(err())
    }

    /// The last second of a date (`YYYY-MM-DD`) in a time zone.
    pub fn end_of_date_in(date: &str, zone: &jiff::tz::TimeZone) -> Result<Timestamp, TimeError> {
        let d: jiff::civil::Date = date.parse().map_err(|_| TimeError(date.to_owned()))?;
        let z = d.at(23, 59, 59, 0).to_zoned_datetime(zone.clone()).map_err(|_| TimeError(date.to_owned()))?;
        Timestamp::from_unix(z.timestamp().as_second()).ok_or_else(|| TimeError(date.to_owned()))
    }

    /// The first second of a date (`YYYY-MM-DD`) in a time zone.
    pub fn start_of_date_in(date: &str, zone: &jiff::tz::TimeZone) -> Result<Timestamp, TimeError> {
        let d: jiff::civil::Date = date.parse().map_err(|_| TimeError(date.to_owned()))?;
        let z = d.at(0, 0, 0, 0).to_zoned_datetime(zone.clone()).map_err(|_| TimeError(date.to_owned()))?;
        Timestamp::from_unix(z.timestamp().as_second()).ok_or_else(|| TimeError(date.to_owned()))
    }

    /// The time as a person reads it in a zone: `2023-03-15 23:59:59 +08:00`.
    pub fn local(&self, zone: &jiff::tz::TimeZone) -> String {
        match jiff::Timestamp::from_second(self.as_unix()) {
            Ok(t) => t.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%d %H:%M:%S %:z").to_string(),
            Err(_) => self.to_string(),
        }
    }
}

impl FromStr for Timestamp {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TimeError(s.to_owned());
        let b = s.as_bytes();
        // Exactly YYYY-MM-DDTHH:MM:SSZ, ASCII digits.
        let shape = b.len() == 20
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 => *c == b':',
                19 => *c == b'Z',
                _ => c.is_ascii_digit(),
            });
        if !shape || s.starts_with("0000") {
            return Err(err()); // years 0001 to 9999 only
        }
        let dt = jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M:%SZ", s).map_err(|_| err())?;
        let t = Timestamp(dt);
        // Only the one spelling: parse, print, compare (refuses :60 and the like).
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
    fn dates_are_read_as_clerks_write_them() {
        let d = jiff::civil::date(2023, 3, 5);
        for text in [
            "2023-03-05",
            "2023-3-5",
            "2023/3/5",
            "2023.03.05",
            "2023年3月5日",
            "２０２３年３月５日",
            "2023／3／5",
            " 2023-3-5 ",
        ] {
            assert_eq!(written_date(text), Some(d), "{text}");
        }
        for text in ["2023-02-30", "20230305", "23/3/5", "2023-3", "2023年3月5日12时", "3/5/2023", "2023-3-5-1", ""]
        {
            assert_eq!(written_date(text), None, "{text}");
        }
        let zone = jiff::tz::TimeZone::fixed(jiff::tz::offset(8));
        assert_eq!(
            Timestamp::parse_any("2023年3月5日", &zone).unwrap(),
            Timestamp::parse_any("2023-03-05", &zone).unwrap()
        );
    }

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
        // the whole range of four-digit years
        for edge in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-02-29T12:00:00Z"] {
            assert_eq!(edge.parse::<Timestamp>().unwrap().to_string(), edge);
        }
        assert!("2023-02-29T12:00:00Z".parse::<Timestamp>().is_err());
        let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(t.as_unix(), 1_767_225_600);
        // Beijing time: any offset in, the end of a bare date in the zone, local out.
        let beijing = zone(DEFAULT_ZONE).unwrap();
        let noon = Timestamp::parse_any("2023-03-05T12:00:00+08:00", &beijing).unwrap();
        assert_eq!(noon.to_string(), "2023-03-05T04:00:00Z");
        assert_eq!(Timestamp::parse_any("2023-03-05T04:00:00Z", &beijing).unwrap(), noon);
        let end = Timestamp::parse_any("2023-03-15", &beijing).unwrap();
        assert_eq!(end.to_string(), "2023-03-15T15:59:59Z");
        assert_eq!(end.local(&beijing), "2023-03-15 23:59:59 +08:00");
        assert_eq!(Timestamp::start_of_date_in("2023-03-15", &beijing).unwrap().to_string(), "2023-03-14T16:00:00Z");
        assert!(Timestamp::parse_any("next tuesday", &beijing).is_err());
        assert!(zone("Mars/Olympus").is_err());
        assert_eq!(Timestamp::from_unix(1_767_225_600), Some(t));
        assert_eq!(t.plus_seconds(86_400).to_string(), "2026-01-02T00:00:00Z");
    }
}
