//! Canonical JSON: the one byte string every value has in the ledger.
//!
//! The rules (`docs/FORMAT.md`, section "Canonical JSON"):
//!
//! * UTF-8, no byte-order mark, no whitespace outside strings;
//! * object members sorted by the bytes of their UTF-8 keys, no duplicates;
//! * numbers are integers in `-(2^53-1) ..= 2^53-1`, written in shortest
//!   decimal form (no fraction, no exponent, no leading zeros, no `-0`);
//!   anything with a fraction or an exponent is refused, so exact decimals
//!   are carried as strings (`"25.6"`);
//! * arrays and objects nest at most 64 levels deep;
//! * strings escape `"` and `\` as `\"` and `\\`, U+0008, U+0009, U+000A,
//!   U+000C and U+000D as `\b \t \n \f \r`, every other code point below
//!   U+0020 as `\u00xx` (lowercase hex), and nothing else.
//!
//! Sorting is done here, not left to the map type, so a dependency that
//! turns on `serde_json/preserve_order` cannot change the encoding.

use serde_json::Value;
use std::fmt::Write as _;

/// The deepest nesting of arrays and objects accepted (the outermost value
/// is level 1).
pub const MAX_DEPTH: usize = 64;

/// The largest integer magnitude the encoding accepts (2^53 - 1), so that
/// every implementation that reads numbers as IEEE doubles reads them exactly.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a value or a byte string is not canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CanonicalError {
    /// The bytes are not JSON at all (or not UTF-8).
    #[error("not valid JSON: {0}")]
    Syntax(String),
    /// A number has a fraction or an exponent, or does not fit an integer.
    #[error("{path}: numbers must be integers; write exact decimal values as strings, e.g. \"25.6\"")]
    NotAnInteger {
        /// Where in the document, e.g. `data.value`.
        path: String,
    },
    /// An integer outside `-(2^53-1) ..= 2^53-1`.
    #[error("{path}: integer out of range (at most 2^53-1 in magnitude)")]
    OutOfRange {
        /// Where in the document.
        path: String,
    },
    /// Arrays and objects nested more than [`MAX_DEPTH`] levels.
    #[error("{path}: nested more than {MAX_DEPTH} levels deep")]
    TooDeep {
        /// Where in the document.
        path: String,
    },
    /// Valid JSON, but not in the canonical form (key order, whitespace,
    /// escapes, duplicate keys, number form).
    #[error("JSON is valid but not in canonical form (key order, spacing, escapes or duplicates)")]
    NotCanonical,
}

/// Encodes a JSON value canonically.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = String::new();
    write_value(&mut out, value, &mut String::new(), 1)?;
    Ok(out.into_bytes())
}

/// Parses bytes that must already be canonical JSON; refuses any other
/// encoding of the same value.
pub fn from_slice(bytes: &[u8]) -> Result<Value, CanonicalError> {
    if let Some(value) = decode_canonical(bytes) {
        return Ok(value);
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| CanonicalError::Syntax(e.to_string()))?;
    if to_vec(&value)? != bytes {
        return Err(CanonicalError::NotCanonical);
    }
    Ok(value)
}

/// The fast path of every decoder of canonical bytes: `bytes` decoded
/// straight into a `T` when they are canonical ([`is_canonical`]) and a
/// `T`; `None` otherwise, for the caller's slow path to say why.
pub fn decode_canonical<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    if is_canonical(bytes) { serde_json::from_slice(bytes).ok() } else { None }
}

/// Whether `bytes` are the canonical encoding of some JSON value, decided
/// in one pass over the bytes without building the value: the fast path of
/// [`from_slice`] and of the decoders of stored records.
///
/// It accepts only what [`from_slice`] accepts (a property test and a fuzz
/// target hold it to that); when it says no, callers take the slow path,
/// which says why.
pub fn is_canonical(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    let mut scan = Scan { b: text.as_bytes(), i: 0 };
    scan.value(1) && scan.i == scan.b.len()
}

/// The cursor of [`is_canonical`].
struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

/// An object key as [`Scan::object`] compares it.
enum Key {
    /// The bytes between these positions, which hold no escape.
    Raw(usize, usize),
    /// A key with escapes, decoded.
    Decoded(String),
}

impl Key {
    fn bytes<'a>(&'a self, b: &'a [u8]) -> &'a [u8] {
        match self {
            Key::Raw(s, e) => &b[*s..*e],
            Key::Decoded(k) => k.as_bytes(),
        }
    }
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        let ok = self.b[self.i..].starts_with(lit);
        if ok {
            self.i += lit.len();
        }
        ok
    }

    fn value(&mut self, depth: usize) -> bool {
        match self.peek() {
            Some(b'{') => depth <= MAX_DEPTH && self.object(depth),
            Some(b'[') => depth <= MAX_DEPTH && self.array(depth),
            Some(b'"') => self.string().is_some(),
            Some(b't') => self.eat(b"true"),
            Some(b'f') => self.eat(b"false"),
            Some(b'n') => self.eat(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => false,
        }
    }

    fn array(&mut self, depth: usize) -> bool {
        self.i += 1;
        if self.eat(b"]") {
            return true;
        }
        loop {
            if !self.value(depth + 1) {
                return false;
            }
            match self.after_item(b']') {
                Some(true) => return true,
                Some(false) => {}
                None => return false,
            }
        }
    }

    /// After an item of an array or object: `,` (more to come: `false`),
    /// the closing `close` (`true`), or anything else (`None`).
    fn after_item(&mut self, close: u8) -> Option<bool> {
        let c = self.peek()?;
        self.i += 1;
        match c {
            b',' => Some(false),
            c if c == close => Some(true),
            _ => None,
        }
    }

    fn object(&mut self, depth: usize) -> bool {
        self.i += 1;
        if self.eat(b"}") {
            return true;
        }
        // Each key must sort strictly after the one before by the bytes of
        // its decoded UTF-8 (sorted, and no key twice). A key without
        // escapes is its own decoded bytes; one with escapes is decoded.
        let mut prev: Option<Key> = None;
        loop {
            if self.peek() != Some(b'"') {
                return false;
            }
            let start = self.i + 1;
            let Some(escaped) = self.string() else { return false };
            let end = self.i - 1;
            let key = if escaped {
                match serde_json::from_slice::<String>(&self.b[start - 1..=end]) {
                    Ok(k) => Key::Decoded(k),
                    Err(_) => return false,
                }
            } else {
                Key::Raw(start, end)
            };
            if prev.as_ref().is_some_and(|p| p.bytes(self.b) >= key.bytes(self.b)) {
                return false;
            }
            prev = Some(key);
            if !self.eat(b":") || !self.value(depth + 1) {
                return false;
            }
            match self.after_item(b'}') {
                Some(true) => return true,
                Some(false) => {}
                None => return false,
            }
        }
    }

    /// A string in canonical form; the cursor on its opening quote. Returns
    /// whether it holds an escape (`None`: not canonical).
    fn string(&mut self) -> Option<bool> {
        self.i += 1;
        let mut escaped = false;
        loop {
            let c = *self.b.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => return Some(escaped),
                0..=0x1f => return None,
                b'\\' => {
                    escaped = true;
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'b' | b't' | b'n' | b'f' | b'r' => {}
                        b'u' => {
                            // Only `\u00xx`, lowercase, for a control
                            // character without a short escape.
                            let hex = self.b.get(self.i..self.i + 4)?;
                            self.i += 4;
                            let digit = |h: u8| match h {
                                b'0'..=b'9' => Some(h - b'0'),
                                b'a'..=b'f' => Some(h - b'a' + 10),
                                _ => None,
                            };
                            if hex[0] != b'0' || hex[1] != b'0' {
                                return None;
                            }
                            let v = digit(hex[2])? * 16 + digit(hex[3])?;
                            if v >= 0x20 || matches!(v, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
                                return None;
                            }
                        }
                        _ => return None,
                    }
                }
                _ => {}
            }
        }
    }

    /// An integer in shortest form, at most 2^53 - 1 in magnitude.
    fn number(&mut self) -> bool {
        let negative = self.eat(b"-");
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        let digits = &self.b[start..self.i];
        if digits.is_empty() || digits.len() > 16 || (digits[0] == b'0' && (digits.len() > 1 || negative)) {
            return false;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return false;
        }
        let magnitude = digits.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        magnitude <= MAX_SAFE_INTEGER
    }
}

/// Parses JSON that need not be canonical (an event as a user writes it),
/// refusing what canonical JSON would not carry: a key that appears twice in
/// an object, at any depth (a parser that kept the first or the last would
/// sign what the user did not see).
pub fn parse_unique(text: &str) -> Result<Value, CanonicalError> {
    serde_json::from_str::<Unique>(text).map(|u| u.0).map_err(|e| CanonicalError::Syntax(e.to_string()))
}

/// A JSON value whose objects have no duplicate keys.
struct Unique(Value);

impl<'de> serde::Deserialize<'de> for Unique {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Unique, D::Error> {
        d.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Unique, E> {
        Ok(Unique(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Unique, E> {
        Ok(Unique(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Unique, E> {
        Ok(Unique(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Unique, E> {
        Ok(Unique(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Unique, E> {
        Ok(Unique(Value::String(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Unique, E> {
        Ok(Unique(Value::String(v)))
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique(Value::Null))
    }
    fn visit_none<E>(self) -> Result<Unique, E> {
        Ok(Unique(Value::Null))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        let mut items = Vec::new();
        while let Some(Unique(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Unique(Value::Array(items)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Unique(v) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("the key {key:?} appears twice in one object")));
            }
            out.insert(key, v);
        }
        Ok(Unique(Value::Object(out)))
    }
}

/// Checks that every number in the value is an integer the encoding accepts,
/// reporting the path of the first one that is not.
pub fn check_value(value: &Value) -> Result<(), CanonicalError> {
    to_vec(value).map(drop)
}

/// Like [`check_value`], naming paths below `prefix` (e.g. `data.value`).
pub fn check_value_at(value: &Value, prefix: &str) -> Result<(), CanonicalError> {
    let mut path = prefix.to_owned();
    write_value(&mut String::new(), value, &mut path, 1)
}

fn write_value(out: &mut String, value: &Value, path: &mut String, depth: usize) -> Result<(), CanonicalError> {
    if depth > MAX_DEPTH && (value.is_array() || value.is_object()) {
        return Err(CanonicalError::TooDeep { path: display_path(path) });
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let text = if let Some(i) = n.as_i64() {
                if i.unsigned_abs() > MAX_SAFE_INTEGER {
                    return Err(CanonicalError::OutOfRange { path: display_path(path) });
                }
                i.to_string()
            } else if let Some(u) = n.as_u64() {
                if u > MAX_SAFE_INTEGER {
                    return Err(CanonicalError::OutOfRange { path: display_path(path) });
                }
                u.to_string()
            } else {
                return Err(CanonicalError::NotAnInteger { path: display_path(path) });
            };
            out.push_str(&text);
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let len = path.len();
                let _ = write!(path, "[{i}]");
                write_value(out, item, path, depth + 1)?;
                path.truncate(len);
            }
            out.push(']');
        }
        Value::Object(map) => write_members(out, map, path, depth)?,
    }
    Ok(())
}

/// Writes an object at `depth` (its members one deeper), naming `path`
/// in errors.
fn write_members(
    out: &mut String,
    map: &serde_json::Map<String, Value>,
    path: &mut String,
    depth: usize,
) -> Result<(), CanonicalError> {
    let mut members: Vec<(&String, &Value)> = map.iter().collect();
    members.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    out.push('{');
    for (i, (key, item)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
        write_value(out, item, path, depth + 1)?;
        path.truncate(len);
    }
    out.push('}');
    Ok(())
}

/// Writes the object `map` canonically as the member `name` of a
/// top-level object (at depth 2): how an envelope writes its `data`
/// without building a [`Value`] of the whole envelope. Errors name paths
/// below `name`, as [`to_vec`] of the whole object would.
pub(crate) fn write_member_object(
    out: &mut String,
    name: &str,
    map: &serde_json::Map<String, Value>,
) -> Result<(), CanonicalError> {
    write_members(out, map, &mut name.to_owned(), 2)
}

/// Writes a string canonically (quotes and escapes).
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    // Most strings need no escape: copy them whole.
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn display_path(path: &str) -> String {
    if path.is_empty() { "(top level)".to_owned() } else { path.to_owned() }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parse_unique_refuses_a_key_twice_at_any_depth() {
        assert!(parse_unique(r#"{"a":1,"b":{"c":[{"d":"x"}]}}"#).is_ok());
        for bad in [r#"{"a":1,"a":2}"#, r#"{"a":{"b":1,"b":1}}"#, r#"[{"k":1},{"k":1,"k":2}]"#] {
            let e = parse_unique(bad).unwrap_err().to_string();
            assert!(e.contains("appears twice"), "{bad}: {e}");
        }
        assert!(parse_unique("{").is_err());
    }
    use proptest::prelude::*;
    use serde_json::json;

    fn canon(text: &str) -> String {
        String::from_utf8(to_vec(&serde_json::from_str(text).unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn sorts_keys_by_utf8_bytes_and_drops_whitespace() {
        assert_eq!(
            canon(r#"{ "b": 1, "a": [true, null], "é": "x", "Z": {} }"#),
            r#"{"Z":{},"a":[true,null],"b":1,"é":"x"}"#
        );
        // U+FF61 sorts before U+1F600 by UTF-8 bytes (EF < F0); UTF-16 order
        // (RFC 8785) would put the emoji first. We document byte order.
        assert_eq!(canon(r#"{"😀": 1, "｡": 2}"#), r#"{"｡":2,"😀":1}"#);
    }

    #[test]
    fn escapes_exactly_the_documented_characters() {
        let v = json!("q\" b\\ \u{8}\t\n\u{c}\r \u{1}\u{1f} \u{7f} / é \u{2028}");
        assert_eq!(
            String::from_utf8(to_vec(&v).unwrap()).unwrap(),
            "\"q\\\" b\\\\ \\b\\t\\n\\f\\r \\u0001\\u001f \u{7f} / é \u{2028}\""
        );
    }

    #[test]
    fn agrees_with_serde_json_compact_strings() {
        // serde_json's own escaping is the same rule set; keep them in step.
        for s in ["a\u{0}b", "\u{1b}[0m", "tab\there", "\u{7f}\u{80}\u{ffff}"] {
            let mut ours = String::new();
            write_string(&mut ours, s);
            assert_eq!(ours, serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn refuses_floats_and_big_integers_with_a_path() {
        let v = json!({"data": {"values": [1, 2.5]}});
        assert_eq!(to_vec(&v).unwrap_err(), CanonicalError::NotAnInteger { path: "data.values[1]".into() });
        let v: Value = serde_json::from_str(r#"{"n": 1e400}"#).unwrap_or(json!({"n": 1.0}));
        assert!(matches!(to_vec(&v), Err(CanonicalError::NotAnInteger { .. })));
        let v = json!({"n": 9_007_199_254_740_992_u64});
        assert_eq!(to_vec(&v).unwrap_err(), CanonicalError::OutOfRange { path: "n".into() });
        assert!(to_vec(&json!(-9_007_199_254_740_991_i64)).is_ok());
    }

    #[test]
    fn from_slice_refuses_every_other_encoding() {
        assert!(from_slice(br#"{"a":1,"b":2}"#).is_ok());
        for bad in [
            &br#"{"b":2,"a":1}"#[..],
            br#"{"a": 1}"#,
            br#"{"a":1,"a":1}"#,
            br#"{"a":"\u0041"}"#,
            br#"{"a":"\/"}"#,
            b"{\"a\":1}\n",
        ] {
            assert_eq!(from_slice(bad).unwrap_err(), CanonicalError::NotCanonical, "{bad:?}");
        }
        assert!(matches!(from_slice(b"{\"a\":\"\xff\"}"), Err(CanonicalError::Syntax(_))));
        // serde_json reads -0 as a float: refused like any other non-integer.
        assert!(from_slice(br#"{"a":-0}"#).is_err());
        assert!(matches!(from_slice(br#"{"a":1.0}"#), Err(CanonicalError::NotAnInteger { .. })));
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-(MAX_SAFE_INTEGER as i64)..=MAX_SAFE_INTEGER as i64).prop_map(|i| json!(i)),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// What [`is_canonical`] must agree with.
    fn slow_is_canonical(bytes: &[u8]) -> bool {
        serde_json::from_slice::<Value>(bytes).ok().and_then(|v| to_vec(&v).ok()).is_some_and(|e| e == bytes)
    }

    #[test]
    fn the_fast_check_on_the_edge_cases() {
        for (text, ok) in [
            (&br#"{"a":1,"b":2}"#[..], true),
            (br#"{"b":2,"a":1}"#, false),
            (br#"{"a":1,"a":1}"#, false),
            (br#"{"a": 1}"#, false),
            (br#"{"a":"\u0041"}"#, false),
            (br#"{"a":"\u001f"}"#, true),
            (br#"{"a":"\u001F"}"#, false),
            (br#"{"a":"\u0009"}"#, false),
            (br#"{"a":"\t"}"#, true),
            (br#"{"a":"\/"}"#, false),
            (br#"{"a":-0}"#, false),
            (br#"{"a":0}"#, true),
            (br#"{"a":01}"#, false),
            (br#"{"a":1.0}"#, false),
            (br#"{"a":1e3}"#, false),
            (br#"9007199254740991"#, true),
            (br#"-9007199254740991"#, true),
            (br#"9007199254740992"#, false),
            (br#"99999999999999999999"#, false),
            (br#"{"\"":1,"a":2}"#, true),
            (br#"{"a":2,"\"":1}"#, false),
            (br#"{"a\n":1,"a\t":2}"#, false),
            (br#"{"a\t":1,"a\n":2}"#, true),
            (br#"{"\t":1,"\t":2}"#, false),
            ("{\"\u{ff61}\":2,\"\u{1f600}\":1}".as_bytes(), true),
            (b"{\"a\":1}\n", false),
            (b"[\"\x01\"]", false),
            (b"\"\xff\"", false),
            (b"", false),
            (b"[]", true),
            (b"[1,]", false),
            (b"{}", true),
            (b"truex", false),
        ] {
            assert_eq!(is_canonical(text), ok, "{:?}", String::from_utf8_lossy(text));
            assert_eq!(slow_is_canonical(text), ok, "{:?}", String::from_utf8_lossy(text));
        }
        let mut deep = "1".to_owned();
        for _ in 0..MAX_DEPTH {
            deep = format!("[{deep}]");
        }
        assert!(is_canonical(deep.as_bytes()));
        assert!(!is_canonical(format!("[{deep}]").as_bytes()));
        assert!(!slow_is_canonical(format!("[{deep}]").as_bytes()));
    }

    #[test]
    fn refuses_deep_nesting() {
        let mut v = json!(1);
        for _ in 0..MAX_DEPTH {
            v = json!([v]);
        }
        assert!(to_vec(&v).is_ok(), "64 levels are fine");
        let v = json!([v]);
        assert!(matches!(to_vec(&v), Err(CanonicalError::TooDeep { .. })));
    }

    proptest! {
        #[test]
        fn round_trips(v in arb_json()) {
            let bytes = to_vec(&v).unwrap();
            prop_assert_eq!(from_slice(&bytes).unwrap(), v.clone());
            // and pretty-printed input canonicalises to the same bytes
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            prop_assert_eq!(to_vec(&serde_json::from_str(&pretty).unwrap()).unwrap(), bytes);
        }

        /// What a user writes (`parse_unique`) canonicalises to the bytes of
        /// its value, which read back through `parse_unique` as the same value.
        #[test]
        fn parse_unique_round_trips(v in arb_json()) {
            let bytes = to_vec(&v).unwrap();
            let text = String::from_utf8(bytes.clone()).unwrap();
            prop_assert_eq!(parse_unique(&text).unwrap(), v.clone());
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            let parsed = parse_unique(&pretty).unwrap();
            prop_assert_eq!(to_vec(&parsed).unwrap(), bytes);
        }

        /// The one-pass check agrees with decoding and encoding again, on
        /// canonical encodings, on them with a byte changed, and on short
        /// strings of JSON's own characters.
        #[test]
        fn the_fast_check_agrees_with_the_slow_one(
            v in arb_json(),
            position in any::<prop::sample::Index>(),
            mask in 1u8..=255,
            noise in prop::collection::vec(prop::sample::select(&b"{}[]\",:-0123456789truefalsn\\u/ .eE\x1f\x7f"[..]), 0..24),
        ) {
            let bytes = to_vec(&v).unwrap();
            prop_assert!(is_canonical(&bytes));
            let mut changed = bytes.clone();
            let i = position.index(changed.len());
            changed[i] ^= mask;
            for b in [&changed, &noise] {
                prop_assert_eq!(is_canonical(b), slow_is_canonical(b), "{:?}", String::from_utf8_lossy(b));
            }
        }

        /// A changed byte of a canonical encoding is refused, or is the
        /// encoding of another value: never a second spelling of the same one.
        #[test]
        fn a_changed_byte_is_refused_or_another_value(
            v in arb_json(),
            position in any::<prop::sample::Index>(),
            mask in 1u8..=255,
        ) {
            let mut bytes = to_vec(&v).unwrap();
            let i = position.index(bytes.len());
            bytes[i] ^= mask;
            if let Ok(w) = from_slice(&bytes) {
                prop_assert_ne!(&w, &v);
                prop_assert_eq!(to_vec(&w).unwrap(), bytes);
            }
        }
    }
}
