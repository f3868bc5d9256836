//! Tables offices send as CSV: measured values (`ledger values submit`), targets
//! (`ledger period targets`) and corrections (`ledger values submit --corrections`). One
//! module parses them into typed rows, turns the rows into events and names
//! the CSV column a refusal of the rules is about.
//!
//! * Headers in English or Chinese (`unit`/`单位`, `indicator`/`指标`,
//!   `value`/`数值`, `evidence`/`证据`, `note`/`备注`, `reason`/`原因`, ...),
//!   in any order; a UTF-8 byte-order mark is ignored.
//! * Comma-, semicolon- or tab-separated: told from the header line.
//! * Units and indicators by id or by name (`names`).
//! * Every message names the file's own line (the header is line 1) and
//!   the column, as the header wrote it.

use crate::names::Names;
use crate::remedy::{Form, Remedy};
use crate::{Error, files};
use ledger_core::append::Submission;
use ledger_domain::Domain;
use ledger_domain::events::{Dec, Evidence, MeasurementCorrected, MeasurementSubmitted, Payload, TargetAssigned};
use ledger_domain::state::period_stream;
use std::collections::HashMap;
use std::path::Path;

/// A column a table may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// The unit: id or name.
    Unit,
    /// The indicator: id, Table 1 number or name.
    Indicator,
    /// A measured or corrected value.
    Value,
    /// A target.
    Target,
    /// A baseline.
    Baseline,
    /// An evidence document: a path relative to the CSV, or a BLAKE3 hash.
    Evidence,
    /// The evidence document's title.
    EvidenceTitle,
    /// The unit of measure.
    Measure,
    /// A remark.
    Note,
    /// Why (a correction).
    Reason,
}

impl Column {
    /// The English header.
    pub fn name(self) -> &'static str {
        match self {
            Column::Unit => "unit",
            Column::Indicator => "indicator",
            Column::Value => "value",
            Column::Target => "target",
            Column::Baseline => "baseline",
            Column::Evidence => "evidence",
            Column::EvidenceTitle => "evidence_title",
            Column::Measure => "measure",
            Column::Note => "note",
            Column::Reason => "reason",
        }
    }

    /// The headers that mean this column.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Unit => &["unit", "单位", "单位名称", "区县", "地区"],
            Column::Indicator => &["indicator", "指标", "指标名称", "指标编号"],
            Column::Value => &["value", "数值", "值", "实际值"],
            Column::Target => &["target", "目标", "目标值"],
            Column::Baseline => &["baseline", "基期值", "基数", "基线"],
            Column::Evidence => &["evidence", "证据", "佐证材料"],
            Column::EvidenceTitle => &["evidence_title", "证据名称", "佐证材料名称"],
            Column::Measure => &["measure", "计量单位"],
            Column::Note => &["note", "备注", "说明"],
            Column::Reason => &["reason", "原因", "更正原因"],
        }
    }

    /// The column a payload member of the events a table writes comes from
    /// (`value`, `evidence.blake3`...).
    fn of_member(field: &str) -> Option<Column> {
        let member = field.split(['.', '[']).next().unwrap_or(field);
        match (member, field) {
            (_, "evidence.title") => Some(Column::EvidenceTitle),
            ("value", _) => Some(Column::Value),
            ("target", _) => Some(Column::Target),
            ("baseline", _) => Some(Column::Baseline),
            ("unit", _) => Some(Column::Unit),
            ("indicator", _) => Some(Column::Indicator),
            ("measure", _) => Some(Column::Measure),
            ("evidence", _) => Some(Column::Evidence),
            ("note", _) => Some(Column::Note),
            ("reason", _) => Some(Column::Reason),
            _ => None,
        }
    }

    fn from_header(h: &str) -> Option<Column> {
        let lower = h.to_lowercase();
        ALL.iter().copied().find(|c| c.aliases().contains(&lower.as_str()))
    }
}

const ALL: [Column; 10] = [
    Column::Unit,
    Column::Indicator,
    Column::Value,
    Column::Target,
    Column::Baseline,
    Column::Evidence,
    Column::EvidenceTitle,
    Column::Measure,
    Column::Note,
    Column::Reason,
];

/// What kind of table: which columns it needs and may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Measured values.
    Values,
    /// Targets.
    Targets,
    /// Corrections of submitted values.
    Corrections,
}

impl Kind {
    fn required(self) -> &'static [Column] {
        match self {
            Kind::Values => &[Column::Unit, Column::Indicator, Column::Value],
            Kind::Targets => &[Column::Unit, Column::Indicator, Column::Target],
            Kind::Corrections => &[Column::Unit, Column::Indicator, Column::Value, Column::Reason],
        }
    }

    fn optional(self) -> &'static [Column] {
        match self {
            Kind::Values => &[Column::Evidence, Column::EvidenceTitle, Column::Measure, Column::Note],
            Kind::Targets => &[Column::Baseline, Column::Note],
            Kind::Corrections => &[Column::Evidence, Column::EvidenceTitle],
        }
    }

    fn header_hint(self) -> Remedy {
        let names = |cs: &[Column]| cs.iter().map(|c| c.name()).collect::<Vec<_>>();
        Remedy::WriteAs { form: Form::CsvHeader { required: names(self.required()), optional: names(self.optional()) } }
    }
}

/// One row, its cells by column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The file's line it starts on.
    pub line: usize,
    cells: HashMap<Column, String>,
    /// The cells as written (values are not trimmed: see `Table::decimal`).
    raw: HashMap<Column, String>,
}

impl Row {
    /// A cell, trimmed; `None` when absent or empty.
    pub fn get(&self, c: Column) -> Option<&str> {
        self.cells.get(&c).map(String::as_str).filter(|s| !s.is_empty())
    }
}

/// A parsed table.
#[derive(Debug, Clone)]
pub struct Table {
    /// What it holds.
    pub kind: Kind,
    /// The columns, as the header wrote them, with what each means.
    pub columns: Vec<(String, Column)>,
    /// The rows.
    pub rows: Vec<Row>,
    /// The folder evidence paths are relative to.
    base: std::path::PathBuf,
}

/// The most rows a file may hold: one file is one batch.
pub const MAX_ROWS: usize = crate::MAX_BATCH;
/// The most bytes one cell may hold (a note, a reason, an evidence title).
pub const MAX_CELL_BYTES: usize = 4096;

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

/// The separator the header line uses: comma, semicolon or tab.
fn separator(bytes: &[u8]) -> u8 {
    let header = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut quoted = false;
    let mut counts = [0usize; 3];
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let seps = [b',', b';', b'\t'];
    let best = (0..3).max_by_key(|&i| (counts[i], usize::from(i == 0))).unwrap_or(0);
    seps[best]
}

/// Parses a table of the given kind. `base` is the folder evidence paths
/// are relative to (the CSV's own).
pub fn parse(bytes: &[u8], kind: Kind, base: &Path) -> Result<Table, Error> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
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
            Remedy::WriteAs { form: Form::CsvQuotes },
        ));
    }
    let mut reader =
        ::csv::ReaderBuilder::new().has_headers(true).flexible(false).delimiter(separator(bytes)).from_reader(bytes);
    let headers = reader.headers().map_err(|e| csv_error(&e, "header"))?.clone();
    let mut columns: Vec<(String, Column)> = Vec::new();
    let allowed: Vec<Column> = kind.required().iter().chain(kind.optional()).copied().collect();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().to_owned();
        let column = Column::from_header(&h).filter(|c| allowed.contains(c)).ok_or_else(|| {
            Error::refused_with(format!("line 1, column {}: unknown column {h:?}", i + 1), kind.header_hint())
        })?;
        if let Some((first, _)) = columns.iter().find(|(_, c)| *c == column) {
            return Err(Error::refused(format!(
                "line 1, column {}: column {h:?} is {first:?} again ({})",
                i + 1,
                column.name()
            )));
        }
        columns.push((h, column));
    }
    for required in kind.required() {
        if !columns.iter().any(|(_, c)| c == required) {
            return Err(Error::refused_with(
                format!("line 1: the header has no {:?} column", required.name()),
                kind.header_hint(),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&e, "row"))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if rows.len() == MAX_ROWS {
            return Err(Error::refused_with(
                format!(
                    "line {line}: more than {MAX_ROWS} rows, the most one file may hold (one batch); nothing was read"
                ),
                Remedy::SplitInput { max: MAX_ROWS },
            ));
        }
        if let Some((i, cell)) = record.iter().enumerate().find(|(_, c)| c.len() > MAX_CELL_BYTES) {
            let name = columns.get(i).map_or("?", |(h, _)| h.as_str());
            return Err(Error::refused(format!(
                "line {line}, column {} ({name}): {} bytes, more than the {MAX_CELL_BYTES} a cell may hold",
                i + 1,
                cell.len()
            )));
        }
        let raw = columns.iter().zip(record.iter()).map(|((_, c), v)| (*c, v.to_owned())).collect::<HashMap<_, _>>();
        let cells = raw.iter().map(|(c, v)| (*c, v.trim().to_owned())).collect::<HashMap<_, _>>();
        if cells.values().all(String::is_empty) {
            continue; // a blank line a spreadsheet left
        }
        rows.push(Row { line, cells, raw });
    }
    if rows.is_empty() {
        return Err(Error::refused("the CSV file has a header but no rows"));
    }
    Ok(Table { kind, columns, rows, base: base.to_owned() })
}

/// Reads and parses a table file.
pub fn read(path: &Path, kind: Kind) -> Result<Table, Error> {
    let bytes = files::read(path, files::CSV)?;
    parse(&bytes, kind, path.parent().unwrap_or(Path::new(".")))
}

impl Table {
    /// `line N, column C (header)` for a cell.
    fn at(&self, line: usize, c: Column) -> String {
        match self.columns.iter().position(|(_, x)| *x == c) {
            Some(i) => format!("line {line}, column {} ({})", i + 1, self.columns[i].0),
            None => format!("line {line}"),
        }
    }

    fn required<'r>(&self, row: &'r Row, c: Column) -> Result<&'r str, Error> {
        row.get(c).ok_or_else(|| Error::refused(format!("{}: empty", self.at(row.line, c))))
    }

    /// A decimal cell, exactly as written. One rule for every input, CSV
    /// and JSON alike: a value is recorded as written, so `" 1"` is refused
    /// (names and ids around it may carry a spreadsheet's padding).
    fn decimal<'r>(&self, row: &'r Row, c: Column) -> Result<&'r str, Error> {
        let v = self.required(row, c)?;
        if let Some(raw) = row.raw.get(&c).filter(|raw| raw.as_str() != v) {
            return Err(Error::refused_with(
                format!("{}: {raw:?} has spaces around the value", self.at(row.line, c)),
                Remedy::WriteAs { form: Form::Exactly { value: v.to_owned() } },
            ));
        }
        ledger_score::parse_decimal(v).map_err(|e| {
            Error::refused_with(
                format!("{}: {v:?} is not a decimal: {e}", self.at(row.line, c)),
                Remedy::WriteAs { form: Form::Decimal },
            )
        })?;
        Ok(v)
    }

    /// The unit and indicator ids a row names.
    fn unit_and_indicator(&self, row: &Row, names: &Names<'_>) -> Result<(String, String), Error> {
        let unit =
            names.unit(self.required(row, Column::Unit)?).map_err(|e| e.context(self.at(row.line, Column::Unit)))?;
        let indicator = names
            .indicator(self.required(row, Column::Indicator)?)
            .map_err(|e| e.context(self.at(row.line, Column::Indicator)))?;
        Ok((unit, indicator))
    }

    /// A decimal cell checked by [`Table::decimal`], as the payload holds it
    /// (written back exactly as the cell has it).
    fn exact(&self, row: &Row, c: Column, v: &str) -> Result<Dec, Error> {
        Dec::exact(v).map_err(|e| Error::refused(format!("{}: {v:?} is not a decimal: {e}", self.at(row.line, c))))
    }

    fn evidence(&self, row: &Row) -> Result<Option<Evidence>, Error> {
        let Some(e) = row.get(Column::Evidence) else { return Ok(None) };
        let hash = if e.len() == 64 && e.bytes().all(|c| c.is_ascii_hexdigit()) {
            e.to_ascii_lowercase()
        } else {
            files::hash(&self.base.join(e), files::EVIDENCE)
                .map_err(|err| {
                    Error::refused(format!(
                        "{}: {err}; give a file path relative to the CSV or a 64-hex-digit BLAKE3 hash",
                        self.at(row.line, Column::Evidence)
                    ))
                })?
                .to_hex()
                .to_string()
        };
        let title = row.get(Column::EvidenceTitle).unwrap_or(e);
        Ok(Some(Evidence { blake3: hash, title: title.to_owned() }))
    }

    /// No unit and indicator twice.
    fn once(
        &self,
        seen: &mut HashMap<(String, String), usize>,
        row: &Row,
        key: &(String, String),
    ) -> Result<(), Error> {
        if let Some(first) = seen.insert(key.clone(), row.line) {
            return Err(Error::refused(format!(
                "line {}: unit {} and indicator {} were already given on line {first}",
                row.line, key.0, key.1
            )));
        }
        Ok(())
    }

    /// The events of the table for a period (values and corrections: of a
    /// monitoring round, with `round`), numbered by CSV line. Event ids are
    /// derived from the content, so sending the same file twice records
    /// nothing new.
    pub fn submissions(
        &self,
        period: &str,
        round: Option<&str>,
        domain: &Domain,
    ) -> Result<Vec<(usize, Submission)>, Error> {
        if let (Some(r), Kind::Targets) = (round, self.kind) {
            return Err(Error::refused(format!("targets are annual: a round ({r}) takes values and corrections only")));
        }
        let tag = round.map(|r| format!("{r}-")).unwrap_or_default();
        let names = Names::new(domain);
        let stream = period_stream(period);
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for row in &self.rows {
            let key = self.unit_and_indicator(row, &names)?;
            self.once(&mut seen, row, &key)?;
            let (unit, indicator) = key;
            let sub = match self.kind {
                Kind::Values => {
                    let written = self.decimal(row, Column::Value)?;
                    let value = self.exact(row, Column::Value, written)?;
                    let evidence = self.evidence(row)?;
                    let x = MeasurementSubmitted {
                        unit,
                        indicator,
                        value,
                        measure: row.get(Column::Measure).map(str::to_owned),
                        evidence,
                        note: row.get(Column::Note).map(str::to_owned),
                        round: round.map(str::to_owned),
                    };
                    let digest = blake3::hash(written.as_bytes()).to_hex();
                    x.submission(&stream, &format!("csv-{period}-{tag}{}-{}-{}", x.unit, x.indicator, &digest[..12]))
                }
                Kind::Targets => {
                    let target = self.decimal(row, Column::Target)?;
                    let target = self.exact(row, Column::Target, target)?;
                    let baseline = match row.get(Column::Baseline) {
                        Some(_) => Some(self.exact(row, Column::Baseline, self.decimal(row, Column::Baseline)?)?),
                        None => None,
                    };
                    let note = row.get(Column::Note).map(str::to_owned);
                    let x = TargetAssigned { unit, indicator, target, baseline, note };
                    let digest = blake3::hash(serde_json::Value::Object(x.to_data()).to_string().as_bytes()).to_hex();
                    x.submission(&stream, &format!("target-{period}-{}-{}-{}", x.unit, x.indicator, &digest[..12]))
                }
                Kind::Corrections => {
                    let value = self.decimal(row, Column::Value)?;
                    let value = self.exact(row, Column::Value, value)?;
                    let reason = self.required(row, Column::Reason)?.to_owned();
                    let corrects = crate::office::current_in(domain, period, round, &unit, &indicator)
                        .map_err(|e| e.context(format!("line {}", row.line)))?;
                    let evidence = self.evidence(row)?;
                    let x = MeasurementCorrected { corrects, value, reason, evidence };
                    let digest = blake3::hash(serde_json::Value::Object(x.to_data()).to_string().as_bytes()).to_hex();
                    x.submission(&stream, &format!("correct-{period}-{tag}{unit}-{indicator}-{}", &digest[..12]))
                }
            };
            out.push((row.line, sub));
        }
        Ok(out)
    }

    /// A refusal of the rules names the payload member it is about (the
    /// typed [`ledger_core::append::Refusal`]'s field): say which CSV column
    /// that member came from, at the row's line. Any other error is
    /// returned as it is.
    pub fn name_column(&self, e: Error) -> Error {
        let Some(rule) = e.rule() else { return e };
        let column = rule.refusal.field.as_deref().and_then(Column::of_member);
        match column.filter(|c| self.columns.iter().any(|(_, x)| x == c)) {
            Some(c) => Error::Refused {
                message: format!("{}{}: {}", rule.context, self.at(rule.line, c), rule.refusal.reason),
                remedy: e.remedy(),
                rule: Some(Box::new(rule.clone())),
            },
            None => e,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn headers_in_chinese_and_separators_are_told_from_the_header() {
        let t =
            parse("\u{feff}单位;指标;数值;备注\n商河县;1;25.6;ok\n".as_bytes(), Kind::Values, Path::new(".")).unwrap();
        assert_eq!(
            t.columns.iter().map(|(h, c)| (h.as_str(), *c)).collect::<Vec<_>>(),
            [("单位", Column::Unit), ("指标", Column::Indicator), ("数值", Column::Value), ("备注", Column::Note)]
        );
        assert_eq!(t.rows[0].get(Column::Unit), Some("商河县"));
        let t = parse(b"unit\tindicator\tvalue\nlixia\t1\t2\n", Kind::Values, Path::new(".")).unwrap();
        assert_eq!(t.rows[0].get(Column::Value), Some("2"));
        let e = parse(b"unit,indicator,amount\n", Kind::Values, Path::new(".")).unwrap_err().to_string();
        assert!(e.contains("line 1, column 3: unknown column \"amount\""), "{e}");
        let e = parse(b"unit,indicator,value\nlixia,1\n", Kind::Values, Path::new(".")).unwrap_err().to_string();
        assert!(e.contains("line 2: 2 columns where the header has 3"), "{e}");
    }

    #[test]
    fn a_value_is_taken_as_written_names_may_be_padded() {
        let t =
            parse("单位,指标,数值\n 商河县 , 1 , 1\nlixia,1,2.5\n".as_bytes(), Kind::Values, Path::new(".")).unwrap();
        assert_eq!(t.rows[0].get(Column::Unit), Some("商河县"));
        let e = t.decimal(&t.rows[0], Column::Value).unwrap_err();
        assert_eq!(e.to_string(), "line 2, column 3 (数值): \" 1\" has spaces around the value");
        assert_eq!(t.decimal(&t.rows[1], Column::Value).unwrap(), "2.5");
    }

    #[test]
    fn rows_and_cells_are_bounded() {
        let long = "x".repeat(MAX_CELL_BYTES + 1);
        let text = format!("unit,indicator,value,note\nlixia,1,2,ok\nlixia,2,3,{long}\n");
        let e = parse(text.as_bytes(), Kind::Values, Path::new(".")).unwrap_err().to_string();
        assert_eq!(e, format!("line 3, column 4 (note): {} bytes, more than the 4096 a cell may hold", long.len()));
        let mut text = String::from("unit,indicator,value\n");
        for _ in 0..=MAX_ROWS {
            text.push_str("lixia,1,2\n");
        }
        let e = parse(text.as_bytes(), Kind::Values, Path::new(".")).unwrap_err().to_string();
        assert!(e.starts_with(&format!("line {}: more than {MAX_ROWS} rows", MAX_ROWS + 2)), "{e}");
    }
}
