//! Exact decimals: strict parsing, serde as JSON strings, rounding, display.
//!
//! Every decimal in this crate's inputs, policy and outputs is a JSON
//! string matching `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, at most 28 digits after
//! the point and small enough for `rust_decimal` (|x| < 2^96 / 10^scale).
//! Anything else (`"1e5"`, `"NaN"`, `"12,5"`, `"+1"`, `" 1"`, `"01"`, `"1."`,
//! a JSON number) is refused. Values are never converted to binary floats.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The most digits after the decimal point a value may have.
pub const MAX_SCALE: u32 = 28;

/// Why a string is not an exact decimal this crate accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecimalError {
    /// Not of the form `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
    #[error(
        "invalid decimal {0:?}: write a plain decimal string such as \"25.6\" or \"-3\" \
         (digits with at most one point, optional leading minus; no exponent, no +, no spaces, \
         no commas, no leading zeros)"
    )]
    Syntax(String),
    /// Well formed, but more than 28 places or too large for 96 bits.
    #[error("decimal {0:?} is out of range: at most 28 digits after the point and 28 to 29 significant digits")]
    Range(String),
}

fn excerpt(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// Parses a decimal string strictly (see the module documentation).
///
/// `"-0"` and `"-0.00"` are accepted and read as zero (sign dropped);
/// trailing zeros after the point are kept as written (`"25.60"` has scale 2
/// and is numerically equal to `"25.6"`).
pub fn parse_decimal(text: &str) -> Result<Decimal, DecimalError> {
    let bad = || DecimalError::Syntax(excerpt(text));
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || (int.len() > 1 && int.starts_with('0')) {
        return Err(bad());
    }
    if let Some(f) = frac
        && (f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let frac = frac.unwrap_or("");
    let range = || DecimalError::Range(excerpt(text));
    let scale = u32::try_from(frac.len()).map_err(|_| range())?;
    if scale > MAX_SCALE {
        return Err(range());
    }
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    // 2^96 has 29 digits; anything longer cannot fit the mantissa.
    if digits.len() > 29 {
        return Err(range());
    }
    let mantissa: i128 = if digits.is_empty() { 0 } else { digits.parse().map_err(|_| range())? };
    let mut value = Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| range())?;
    if negative && !value.is_zero() {
        value.set_sign_negative(true);
    }
    Ok(value)
}

/// Writes a decimal as this crate writes every decimal: its own scale,
/// never `-0`.
pub fn to_text(value: &Decimal) -> String {
    clean(*value).to_string()
}

/// Drops the sign of a zero, so that no `-0` or `-0.00` is ever written.
pub(crate) fn clean(mut value: Decimal) -> Decimal {
    if value.is_zero() {
        value.set_sign_positive(true);
    }
    value
}

/// Normalised text (no trailing zeros after the point, no `-0`): used in
/// derivation steps and in the projection hash for input values.
pub(crate) fn show(value: &Decimal) -> String {
    clean(value.normalize()).to_string()
}

/// How a number is rounded to a given number of places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Ties go away from zero: 2.345 -> 2.35, -2.345 -> -2.35 (四舍五入).
    #[default]
    HalfAwayFromZero,
    /// Ties go to the even neighbour: 2.345 -> 2.34, 2.355 -> 2.36.
    HalfEven,
    /// Cut off: 2.349 -> 2.34, -2.349 -> -2.34.
    TowardZero,
}

impl RoundingMode {
    fn strategy(self) -> RoundingStrategy {
        match self {
            Self::HalfAwayFromZero => RoundingStrategy::MidpointAwayFromZero,
            Self::HalfEven => RoundingStrategy::MidpointNearestEven,
            Self::TowardZero => RoundingStrategy::ToZero,
        }
    }

    /// The words used in derivation steps, e.g. "half away from zero".
    pub fn words(self) -> &'static str {
        match self {
            Self::HalfAwayFromZero => "half away from zero",
            Self::HalfEven => "half to even",
            Self::TowardZero => "toward zero",
        }
    }
}

/// An arithmetic result that does not fit `rust_decimal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overflow;

/// Rounds to exactly `places` digits after the point (the result has that
/// scale, so it is written as e.g. `"87.50"`).
pub(crate) fn round(value: Decimal, places: u32, mode: RoundingMode) -> Result<Decimal, Overflow> {
    let mut r = value.round_dp_with_strategy(places, mode.strategy());
    r.rescale(places);
    if r.scale() != places {
        return Err(Overflow);
    }
    Ok(clean(r))
}

pub(crate) fn add(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_add(b).ok_or(Overflow)
}
pub(crate) fn sub(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_sub(b).ok_or(Overflow)
}
pub(crate) fn mul(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_mul(b).ok_or(Overflow)
}
/// Callers make sure `b` is not zero; a zero divisor is reported as overflow.
pub(crate) fn div(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_div(b).ok_or(Overflow)
}

/// serde for `Decimal` as a strict JSON string (`#[serde(with = "...")]`).
pub mod serde_str {
    use super::*;

    /// Writes the decimal as a JSON string, with its own scale.
    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_text(value))
    }

    /// Reads a JSON string and parses it strictly.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = DecimalText::deserialize(d)?;
        parse_decimal(&text.0).map_err(serde::de::Error::custom)
    }
}

/// serde for `Option<Decimal>` as a strict JSON string or `null`.
pub mod serde_str_opt {
    use super::*;

    /// Writes `null` or the decimal as a JSON string.
    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_str(&to_text(v)),
            None => s.serialize_none(),
        }
    }

    /// Reads `null` or a strict decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        match Option::<DecimalText>::deserialize(d)? {
            Some(text) => parse_decimal(&text.0).map(Some).map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

/// A JSON string holding a decimal; a JSON number is refused with a hint.
struct DecimalText(String);

impl<'de> Deserialize<'de> for DecimalText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = DecimalText;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a decimal written as a JSON string, e.g. \"25.6\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DecimalText, E> {
                Ok(DecimalText(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<DecimalText, E> {
                Ok(DecimalText(v))
            }
        }
        d.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_decimals() {
        for (text, shown) in [
            ("0", "0"),
            ("25.6", "25.6"),
            ("25.60", "25.60"),
            ("-3", "-3"),
            ("-0", "0"),
            ("-0.00", "0.00"),
            ("0.0000000000000000000000000001", "0.0000000000000000000000000001"),
            ("79228162514264337593543950335", "79228162514264337593543950335"),
            ("1074", "1074"),
        ] {
            assert_eq!(to_text(&parse_decimal(text).unwrap()), shown, "{text}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for text in [
            "", "-", "1e5", "1E5", "NaN", "inf", "12,5", "+1", " 1", "1 ", "01", "-01", "1.", ".5", "-.5", "1..2",
            "0x10", "１", "1_000", "--1",
        ] {
            assert!(matches!(parse_decimal(text), Err(DecimalError::Syntax(_))), "{text:?}");
        }
        for text in
            ["0.00000000000000000000000000001", "79228162514264337593543950336", "100000000000000000000000000000000"]
        {
            assert!(matches!(parse_decimal(text), Err(DecimalError::Range(_))), "{text:?}");
        }
    }

    #[test]
    fn rounds_to_exact_scale() {
        let d = |s| parse_decimal(s).unwrap();
        let m = RoundingMode::HalfAwayFromZero;
        assert_eq!(to_text(&round(d("87.5"), 2, m).unwrap()), "87.50");
        assert_eq!(to_text(&round(d("4"), 4, m).unwrap()), "4.0000");
        assert_eq!(to_text(&round(d("2.345"), 2, m).unwrap()), "2.35");
        assert_eq!(to_text(&round(d("-2.345"), 2, m).unwrap()), "-2.35");
        assert_eq!(to_text(&round(d("-0.00001"), 4, m).unwrap()), "0.0000");
        assert_eq!(to_text(&round(d("2.345"), 2, RoundingMode::HalfEven).unwrap()), "2.34");
        assert_eq!(to_text(&round(d("2.349"), 2, RoundingMode::TowardZero).unwrap()), "2.34");
        assert_eq!(to_text(&round(d("89.995"), 2, m).unwrap()), "90.00");
    }

    #[test]
    fn serde_refuses_json_numbers() {
        #[derive(Deserialize)]
        struct T {
            #[serde(with = "serde_str")]
            #[allow(dead_code)]
            v: Decimal,
        }
        assert!(serde_json::from_str::<T>(r#"{"v":"1.5"}"#).is_ok());
        let err = serde_json::from_str::<T>(r#"{"v":1.5}"#).err().unwrap().to_string();
        assert!(err.contains("JSON string"), "{err}");
        let err = serde_json::from_str::<T>(r#"{"v":"1e5"}"#).err().unwrap().to_string();
        assert!(err.contains("invalid decimal \"1e5\""), "{err}");
    }
}
