//! Exact rational arithmetic for scores: every indicator score (and reward
//! amount) is computed as a fraction and rounded once (`docs/SCORING.md`,
//! section 3). The 28-digit decimal quotients of [`crate::decimal`] appear
//! only in the derivation text.

use crate::decimal::{Overflow, RoundingMode};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use rust_decimal::Decimal;

/// An exact rational number.
pub(crate) type Q = BigRational;

fn ten_pow(places: u32) -> BigInt {
    num_traits::pow(BigInt::from(10), usize::try_from(places).unwrap_or(usize::MAX))
}

/// The exact value of a decimal: mantissa / 10^scale.
pub(crate) fn q(value: Decimal) -> Q {
    Q::new(BigInt::from(value.mantissa()), ten_pow(value.scale()))
}

/// A count (of units, of places).
pub(crate) fn count(n: usize) -> Q {
    Q::from_integer(BigInt::from(n))
}

/// Rounds `value` to an integer with the mode.
fn round_integer(value: &Q, mode: RoundingMode) -> BigInt {
    let trunc = value.trunc();
    let frac = (value - &trunc).abs();
    let half = Q::new(BigInt::one(), BigInt::from(2));
    let t = trunc.to_integer();
    let away = || if value.is_negative() { &t - 1 } else { &t + 1 };
    match mode {
        RoundingMode::TowardZero => t,
        RoundingMode::HalfAwayFromZero => {
            if frac >= half {
                away()
            } else {
                t
            }
        }
        RoundingMode::HalfEven => {
            if frac > half || (frac == half && !(&t % BigInt::from(2)).is_zero()) {
                away()
            } else {
                t
            }
        }
    }
}

/// Rounds `value` once to exactly `places` digits after the point, as a
/// decimal of that scale; [`Overflow`] if it does not fit `rust_decimal`.
pub(crate) fn round(value: &Q, places: u32, mode: RoundingMode) -> Result<Decimal, Overflow> {
    let scaled = value * Q::from_integer(ten_pow(places));
    let n = round_integer(&scaled, mode);
    let n = i128::try_from(&n).map_err(|_| Overflow)?;
    let d = Decimal::try_from_i128_with_scale(n, places).map_err(|_| Overflow)?;
    if d.scale() != places {
        return Err(Overflow);
    }
    Ok(crate::decimal::clean(d))
}

/// The exact value as text: a decimal when it terminates within 60
/// places, otherwise the reduced fraction `n/d`.
pub(crate) fn words(value: &Q) -> String {
    let mut den = value.denom().clone();
    let (two, five) = (BigInt::from(2), BigInt::from(5));
    let mut places = (0u32, 0u32);
    while (&den % &two).is_zero() {
        den /= &two;
        places.0 += 1;
    }
    while (&den % &five).is_zero() {
        den /= &five;
        places.1 += 1;
    }
    let places = places.0.max(places.1);
    if !den.is_one() || places > 60 {
        return format!("{}/{}", value.numer(), value.denom());
    }
    // value x 10^places is a whole number: write its digits with the point.
    let scaled = (value * Q::from_integer(ten_pow(places))).to_integer();
    let digits = scaled.abs().to_string();
    let sign = if scaled.is_negative() { "-" } else { "" };
    let places = usize::try_from(places).unwrap_or(usize::MAX);
    if places == 0 {
        return format!("{sign}{digits}");
    }
    let digits = format!("{digits:0>width$}", width = places + 1);
    let (int, frac) = digits.split_at(digits.len() - places);
    format!("{sign}{int}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::parse_decimal;

    fn int(n: i64) -> Q {
        Q::from_integer(BigInt::from(n))
    }

    fn r(n: i64, d: i64) -> Q {
        Q::new(BigInt::from(n), BigInt::from(d))
    }

    fn text(value: &Q, places: u32, mode: RoundingMode) -> String {
        crate::decimal::to_text(&round(value, places, mode).unwrap())
    }

    #[test]
    fn rounds_once_in_each_mode() {
        use RoundingMode::*;
        // 2 exactly: no 1.9999 under toward_zero
        assert_eq!(text(&(r(2, 10) / r(6, 10) * int(6)), 4, TowardZero), "2.0000");
        assert_eq!(text(&r(2345, 1000), 2, HalfAwayFromZero), "2.35");
        assert_eq!(text(&r(-2345, 1000), 2, HalfAwayFromZero), "-2.35");
        assert_eq!(text(&r(2345, 1000), 2, HalfEven), "2.34");
        assert_eq!(text(&r(2355, 1000), 2, HalfEven), "2.36");
        assert_eq!(text(&r(-2355, 1000), 2, HalfEven), "-2.36");
        assert_eq!(text(&r(-2345, 1000), 2, HalfEven), "-2.34");
        assert_eq!(text(&r(2349, 1000), 2, TowardZero), "2.34");
        assert_eq!(text(&r(-2349, 1000), 2, TowardZero), "-2.34");
        assert_eq!(text(&r(1, 3), 4, HalfAwayFromZero), "0.3333");
        assert_eq!(text(&r(2, 3), 4, TowardZero), "0.6666");
        assert_eq!(text(&r(2, 3), 4, HalfEven), "0.6667");
        assert_eq!(text(&r(-1, 100000), 4, HalfAwayFromZero), "0.0000");
        assert_eq!(text(&int(4), 4, HalfEven), "4.0000");
        assert_eq!(text(&int(0), 0, HalfEven), "0");
    }

    #[test]
    fn too_large_is_overflow_not_a_panic() {
        let big = q(parse_decimal("79228162514264337593543950335").unwrap());
        assert_eq!(
            round(&big, 0, RoundingMode::HalfEven).map(|d| d.to_string()).as_deref(),
            Ok("79228162514264337593543950335")
        );
        assert_eq!(round(&big, 1, RoundingMode::HalfEven), Err(Overflow));
        assert_eq!(round(&(&big * int(2)), 0, RoundingMode::TowardZero), Err(Overflow));
    }

    #[test]
    fn decimals_convert_exactly() {
        for s in ["0", "25.60", "-3", "0.0000000000000000000000000001", "79228162514264337593543950335"] {
            let d = parse_decimal(s).unwrap();
            assert_eq!(round(&q(d), d.scale(), RoundingMode::TowardZero), Ok(d), "{s}");
        }
    }

    #[test]
    fn words_show_a_decimal_or_a_fraction() {
        assert_eq!(words(&int(2)), "2");
        assert_eq!(words(&r(100015, 100000)), "1.00015");
        assert_eq!(words(&r(-1, 4)), "-0.25");
        assert_eq!(words(&r(-1, 20)), "-0.05");
        assert_eq!(words(&r(2499999, 20000000)), "0.12499995");
        assert_eq!(words(&r(1, 3)), "1/3");
        assert_eq!(words(&r(-183, 35)), "-183/35");
    }
}
