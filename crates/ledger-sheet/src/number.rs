//! A number as a spreadsheet shows it: to 15 significant digits (what a
//! binary double holds of what was typed), then as its cell's number
//! format says: decimal places, thousands separators, a percentage.
//! Decimal arithmetic on the digits only: no rounding of binary fractions.

/// What a number format asks for; `None` fields fall back to General.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Layout {
    /// Places after the point; `None`: as many as the value has (General).
    places: Option<usize>,
    /// Thousands separators.
    grouped: bool,
    /// Shown as a percentage (the value times 100, then `%`).
    percent: bool,
}

/// The layout of a format code's first section (the one for positive
/// numbers; a negative number is shown with a minus sign). Literals,
/// colours and conditions are passed over; a scientific, fraction or
/// date format is read as General.
fn layout(code: &str) -> Layout {
    let mut section = String::new();
    let mut chars = code.chars();
    let mut quoted = false;
    let mut bracket = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '[' => bracket = true,
            ']' if bracket => bracket = false,
            _ if bracket => {}
            '\\' | '_' | '*' => {
                chars.next();
            }
            ';' => break,
            c => section.push(c),
        }
    }
    let lower = section.to_ascii_lowercase();
    if lower.contains("general") || lower.contains('e') || lower.contains('/') || lower.contains('@') {
        return Layout { percent: section.contains('%'), ..Layout::default() };
    }
    if lower.chars().any(|c| matches!(c, 'y' | 'm' | 'd' | 'h' | 's')) {
        return Layout::default();
    }
    let digits = |s: &str| s.chars().filter(|c| matches!(c, '0' | '#' | '?')).count();
    if digits(&section) == 0 {
        return Layout { percent: section.contains('%'), ..Layout::default() };
    }
    let (int, frac) = section.split_once('.').unwrap_or((&section, ""));
    Layout { places: Some(digits(frac)), grouped: int.contains(','), percent: section.contains('%') }
}

/// The number `value`, formatted with `format` (an Excel number format
/// code; `None` or `General` for none), as the spreadsheet shows it.
///
/// ```
/// use ledger_sheet::shown;
/// assert_eq!(shown(40.0, None), "40");
/// assert_eq!(shown(40.0, Some("0.0")), "40.0");
/// assert_eq!(shown(0.4, Some("0.0%")), "40.0%");
/// assert_eq!(shown(1234.5, Some("#,##0.00")), "1,234.50");
/// assert_eq!(shown(0.1 + 0.2, None), "0.3");
/// assert_eq!(shown(0.125, Some("0.00")), "0.13");
/// ```
pub fn shown(value: f64, format: Option<&str>) -> String {
    if !value.is_finite() {
        return "#NUM!".into();
    }
    let layout = format.map(layout).unwrap_or_default();
    let (negative, mut int, mut frac) = digits15(value, if layout.percent { 2 } else { 0 });
    if let Some(places) = layout.places {
        round(&mut int, &mut frac, places);
    }
    let all_zero = int.bytes().all(|b| b == b'0') && frac.bytes().all(|b| b == b'0');
    let mut out = String::new();
    if negative && !all_zero {
        out.push('-');
    }
    if layout.grouped {
        let n = int.len();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (n - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
    } else {
        out.push_str(&int);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(&frac);
    }
    if layout.percent {
        out.push('%');
    }
    out
}

/// The value to 15 significant digits, times `10^shift`: its sign, the
/// digits before the point (at least `0`) and after it (no trailing zeros).
fn digits15(value: f64, shift: i32) -> (bool, String, String) {
    let text = format!("{:.14e}", value.abs());
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0) + shift;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // The point goes after digit number exp + 1.
    let point = exp + 1;
    let (int, frac) = if point <= 0 {
        (String::from("0"), format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)))
    } else if point as usize >= digits.len() {
        (format!("{digits}{}", "0".repeat(point as usize - digits.len())), String::new())
    } else {
        (digits[..point as usize].to_owned(), digits[point as usize..].to_owned())
    };
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0".to_owned() } else { int.to_owned() };
    let frac = frac.trim_end_matches('0').to_owned();
    (value < 0.0, int, frac)
}

/// Rounds the decimal `int.frac` to `places` after the point, half away
/// from zero (as spreadsheets show it), padding with zeros.
fn round(int: &mut String, frac: &mut String, places: usize) {
    if frac.len() <= places {
        frac.push_str(&"0".repeat(places - frac.len()));
        return;
    }
    let up = frac.as_bytes()[places] >= b'5';
    frac.truncate(places);
    if !up {
        return;
    }
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let mut i = digits.len();
    loop {
        if i == 0 {
            digits.insert(0, b'1');
            break;
        }
        i -= 1;
        if digits[i] == b'9' {
            digits[i] = b'0';
        } else {
            digits[i] += 1;
            break;
        }
    }
    let split = digits.len() - places;
    *int = String::from_utf8_lossy(&digits[..split]).into_owned();
    *frac = String::from_utf8_lossy(&digits[split..]).into_owned();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_shown_as_their_format_says() {
        let cases: &[(f64, Option<&str>, &str)] = &[
            (25.6, None, "25.6"),
            (25.6, Some("General"), "25.6"),
            (708.0, None, "708"),
            (-3.0, None, "-3"),
            (0.0, Some("0.00"), "0.00"),
            (-0.001, Some("0.0"), "0.0"),
            (1e21, None, "1000000000000000000000"),
            (1.5e-7, None, "0.00000015"),
            (2.0 / 3.0, None, "0.666666666666667"),
            (9.995, Some("0.00"), "10.00"),
            (99.95, Some("0.0"), "100.0"),
            (1234567.891, Some("#,##0.00"), "1,234,567.89"),
            (1234.0, Some("#,##0"), "1,234"),
            (123.0, Some("#,##0"), "123"),
            (0.123, Some("0%"), "12%"),
            (0.1234, Some("0.00%"), "12.34%"),
            (0.4, Some("0.0%"), "40.0%"),
            (12.5, Some("[Red]0.00;[Blue]-0.00"), "12.50"),
            (12.5, Some("\"¥\"#,##0.00"), "12.50"),
            (1234.5, Some("0.00E+00"), "1234.5"),
            (45000.0, Some("yyyy-mm-dd"), "45000"),
            (7.0, Some("@"), "7"),
        ];
        for (v, f, want) in cases {
            assert_eq!(shown(*v, *f), *want, "{v} {f:?}");
        }
    }
}
