//! Measured values as CSV (`ledger submit`): one module that parses the
//! file into typed rows, turns them into `measurement_submitted` events and
//! names the CSV column a refusal of the rules is about.
//!
//! Header: `unit,indicator,value` and optionally `evidence`,
//! `evidence_title`, `measure`, `note`, in any order. Errors name the line
//! and the column.

use crate::{Error, files};
use ledger_core::append::Submission;
use ledger_domain::state::period_stream;
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;

/// The columns a values file may have.
pub const COLUMNS: [&str; 7] = ["unit", "indicator", "value", "evidence", "evidence_title", "measure", "note"];

/// One row of a values file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRow {
    /// The CSV line it is on.
    pub line: usize,
    /// The unit id.
    pub unit: String,
    /// The indicator id.
    pub indicator: String,
    /// The value, an exact decimal as written.
    pub value: String,
    /// The BLAKE3 hash of the evidence document (hex), and its title.
    pub evidence: Option<(String, String)>,
    /// The unit of measure, if stated.
    pub measure: Option<String>,
    /// A note.
    pub note: Option<String>,
}

/// A parsed values file: the header's column names and the rows.
#[derive(Debug, Clone)]
pub struct ValuesFile {
    /// The header, trimmed.
    pub columns: Vec<String>,
    /// The rows, in order.
    pub rows: Vec<ValueRow>,
}

fn csv_error(e: &::csv::Error, what: &str) -> Error {
    match e.kind() {
        ::csv::ErrorKind::UnequalLengths { pos, expected_len, len } => Error::refused(format!(
            "line {}: {len} columns where the header has {expected_len}",
            pos.as_ref().map_or(0, |p| p.line())
        )),
        ::csv::ErrorKind::Utf8 { pos, err } => Error::refused(format!(
            "line {}, column {}: not valid UTF-8",
            pos.as_ref().map_or(0, |p| p.line()),
            err.field() + 1
        )),
        _ => Error::refused(format!("CSV {what}: {e}")),
    }
}

/// Parses a values file. Evidence given as a file path is hashed (relative
/// to `base`, the CSV's folder); a 64-hex-digit value is taken as the hash.
pub fn parse(bytes: &[u8], base: &Path) -> Result<ValuesFile, Error> {
    // Quotes come in pairs (RFC 4180: a quote inside a quoted field is
    // doubled): an odd count means a field opened and never closed, which
    // the reader would take to run to the end of the file.
    if bytes.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
        let line = bytes
            .split(|&b| b == b'\n')
            .scan(0usize, |quotes, l| {
                *quotes += l.iter().filter(|&&b| b == b'"').count();
                Some(*quotes % 2 == 1)
            })
            .position(|open| open)
            .map_or(0, |i| i + 1);
        return Err(Error::refused_with(
            format!("line {line}: a quoted field is never closed (an odd number of '\"' from there on)"),
            "close the quote, or write a quote inside a quoted field as two quotes: \"\"",
        ));
    }
    let mut reader = ::csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(bytes);
    let headers = reader.headers().map_err(|e| csv_error(&e, "header"))?.clone();
    let names: Vec<String> = headers.iter().map(|h| h.trim().to_owned()).collect();
    for (i, h) in names.iter().enumerate() {
        if !COLUMNS.contains(&h.as_str()) {
            return Err(Error::refused(format!(
                "line 1, column {}: unknown column {h:?} (columns: {})",
                i + 1,
                COLUMNS.join(", ")
            )));
        }
        if names[..i].contains(h) {
            return Err(Error::refused(format!("line 1, column {}: column {h:?} appears twice", i + 1)));
        }
    }
    for required in ["unit", "indicator", "value"] {
        if !names.iter().any(|n| n == required) {
            return Err(Error::refused_with(
                format!("line 1: the header has no {required:?} column"),
                "the header is unit,indicator,value (then optionally evidence,evidence_title,measure,note)",
            ));
        }
    }
    let col = |name: &str| names.iter().position(|n| n == name);
    let column = |name: &str| col(name).map_or(0, |i| i + 1);
    let mut rows = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(&e, "row"))?;
        let line = row.position().map_or(0, |p| p.line() as usize);
        let cell = |name: &str| col(name).and_then(|i| row.get(i)).map(str::trim).filter(|s| !s.is_empty());
        let required = |name: &str| {
            cell(name).ok_or_else(|| Error::refused(format!("line {line}, column {} ({name}): empty", column(name))))
        };
        let unit = required("unit")?;
        let indicator = required("indicator")?;
        let value = required("value")?;
        ledger_score::parse_decimal(value).map_err(|e| {
            Error::refused_with(
                format!("line {line}, column {} (value): {value:?} is not a decimal: {e}", column("value")),
                "write values like 25.6 or -3: a point for decimals, no thousands separators, no exponent",
            )
        })?;
        if let Some(first) = seen.insert((unit.to_owned(), indicator.to_owned()), line) {
            return Err(Error::refused(format!(
                "line {line}: unit {unit} and indicator {indicator} were already given on line {first}"
            )));
        }
        let evidence = match cell("evidence") {
            None => None,
            Some(e) => {
                let hash = if e.len() == 64 && e.bytes().all(|c| c.is_ascii_hexdigit()) {
                    e.to_ascii_lowercase()
                } else {
                    files::hash(&base.join(e), files::EVIDENCE)
                        .map_err(|err| {
                            Error::refused(format!(
                                "line {line}, column {} (evidence): {err}; give a file path relative to the CSV or a 64-hex-digit BLAKE3 hash",
                                column("evidence")
                            ))
                        })?
                        .to_hex()
                        .to_string()
                };
                let title = cell("evidence_title").unwrap_or(e).to_owned();
                Some((hash, title))
            }
        };
        rows.push(ValueRow {
            line,
            unit: unit.to_owned(),
            indicator: indicator.to_owned(),
            value: value.to_owned(),
            evidence,
            measure: cell("measure").map(str::to_owned),
            note: cell("note").map(str::to_owned),
        });
    }
    if rows.is_empty() {
        return Err(Error::refused("the CSV file has a header but no rows"));
    }
    Ok(ValuesFile { columns: names, rows })
}

impl ValuesFile {
    /// The `measurement_submitted` events of a period, numbered by CSV
    /// line. Event ids are derived from the period, unit, indicator and
    /// value, so sending the same file twice records nothing new.
    pub fn submissions(&self, period: &str) -> Vec<(usize, Submission)> {
        self.rows
            .iter()
            .map(|r| {
                let mut data = json!({"unit": r.unit, "indicator": r.indicator, "value": r.value});
                if let Some((hash, title)) = &r.evidence {
                    data["evidence"] = json!({"blake3": hash, "title": title});
                }
                if let Some(m) = &r.measure {
                    data["measure"] = json!(m);
                }
                if let Some(n) = &r.note {
                    data["note"] = json!(n);
                }
                let digest = blake3::hash(r.value.as_bytes()).to_hex();
                let id = format!("csv-{period}-{}-{}-{}", r.unit, r.indicator, &digest[..12]);
                (r.line, Submission::new(&period_stream(period), "measurement_submitted", data, &id))
            })
            .collect()
    }

    /// A refusal of the rules names the payload field it is about
    /// ("value: ...", "unknown unit ..."): say which CSV column that is.
    pub fn name_column(&self, e: Error) -> Error {
        let Error::Refused { message, hint } = &e else { return e };
        let Some((prefix, rest)) =
            message.split_once(": ").and_then(|(p, r)| r.split_once(": ").map(|(l, r)| ((p, l), r)))
        else {
            return e;
        };
        let (head, line) = prefix;
        if !line.starts_with("line ") {
            return e;
        }
        let field = ["value", "unit", "indicator", "measure", "evidence", "note"].into_iter().find(|f| {
            rest.starts_with(&format!("{f}:"))
                || rest.starts_with(&format!("unknown {f} "))
                || rest.starts_with(&format!("{f} "))
        });
        match field.and_then(|f| self.columns.iter().position(|c| c == f).map(|i| (f, i + 1))) {
            Some((f, col)) => {
                let rest = rest.strip_prefix(&format!("{f}: ")).unwrap_or(rest);
                Error::Refused { message: format!("{head}: {line}, column {col} ({f}): {rest}"), hint: hint.clone() }
            }
            None => e,
        }
    }
}
