//! Tables offices send: measured values (`ledger values submit`), targets
//! (`ledger period targets`) and corrections (`ledger values submit
//! --corrections`), as CSV files or spreadsheets ([`ledger_sheet`] reads
//! them into text cells with their positions). One module finds the
//! header, reads the rows into typed cells, turns them into events, and
//! names the cell every problem is about.
//!
//! * Headers in English or Chinese (`unit`/`单位`, `indicator`/`指标`,
//!   `value`/`数值`, `evidence`/`证据`, `note`/`备注`, `reason`/`原因`, ...),
//!   in any order; a title row above the header and a `序号`/`No.` column
//!   are passed over, and so is a second header line right under the
//!   header that names the same columns in the other language (`单位` over
//!   `unit`), and a column headed `以下仅供参考` (`for reference only`)
//!   with every column right of it: what `ledger values template` writes
//!   for the clerk to read (names, targets, last period's values).
//! * A row of values whose value is empty and which says nothing else (a
//!   unit, an indicator, a unit of measure: a template's row not filled
//!   in) is not reported: passed over, and named among the warnings when
//!   the period has no value for it yet.
//! * Units and indicators by id or by name (`names`).
//! * Numbers as a spreadsheet writes them: full-width digits, thousands
//!   separators in well-formed groups, a trailing `%` where the indicator
//!   is a percentage; anything else that is not a plain decimal is refused
//!   with the value it may mean suggested.
//! * Every problem of the file at once ([`Problems`]), each naming the
//!   file, the sheet, the row as the clerk sees it, the column (letter and
//!   header) and the cell; a refusal of the rules is turned into the cell
//!   it is about (from the typed [`ledger_core::append::Refusal`]'s field:
//!   no message is parsed).

use crate::names::{Miss, Names};
use crate::{Appended, Error, files};
use ledger_core::append::Submission;
use ledger_domain::Domain;
use ledger_domain::events::{Dec, Evidence, MeasurementCorrected, MeasurementSubmitted, Payload, TargetAssigned};
use ledger_domain::state::period_stream;
use ledger_sheet::{Format, Sheet, column_letter};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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

    /// The header this kind of table has, in words (beside a cell's problem).
    fn header_words(self) -> String {
        let names = |cs: &[Column]| cs.iter().map(|c| c.name()).collect::<Vec<_>>().join(",");
        format!(
            "the header is {} (then optionally {}), in English or Chinese",
            names(self.required()),
            names(self.optional())
        )
    }
}

/// Headers of columns that are passed over: a row number.
const IGNORED: [&str; 5] = ["序号", "no.", "no", "#", "行号"];

fn ignored(header: &str) -> bool {
    IGNORED.contains(&header.to_lowercase().as_str())
}

/// Headers of the column that begins the part of a table that is passed
/// over, it and every column right of it: what `ledger values template`
/// writes for the clerk's reference (the names, the target, last period's
/// value), or anything a clerk keeps beside the table. The first is the
/// Chinese header, the second the English one.
pub const REFERENCE: [&str; 2] = ["以下仅供参考", "for reference only"];

fn reference(header: &str) -> bool {
    REFERENCE.contains(&header.to_lowercase().as_str())
}

/// A cell's text without the spaces around it (full-width ones too).
fn trim(cell: &str) -> &str {
    cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
}

/// One row, its cells by column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its number as the clerk sees it (a CSV file's line).
    pub line: usize,
    cells: HashMap<Column, String>,
    /// The cells as written (values are not trimmed: see `Table::number`).
    raw: HashMap<Column, String>,
}

impl Row {
    /// A cell, trimmed; `None` when absent or empty.
    pub fn get(&self, c: Column) -> Option<&str> {
        self.cells.get(&c).map(String::as_str).filter(|s| !s.is_empty())
    }
}

/// The most problems a report lists; the rest are counted.
pub const MAX_PROBLEMS: usize = 50;

/// One problem of a file, located as the clerk sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file as named (`-` for standard input).
    pub file: String,
    /// The sheet of a workbook.
    pub sheet: Option<String>,
    /// The row (`None`: the file as a whole).
    pub row: Option<usize>,
    /// The column's letter.
    pub column: Option<String>,
    /// The column's header as written.
    pub header: Option<String>,
    /// The cell as written.
    pub cell: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What the cell may have meant to say.
    pub suggestion: Option<String>,
}

impl std::fmt::Display for Problem {
    /// `values.xlsx, sheet 2023, row 5, column D (数值): "1,23": not a
    /// number ...; did you mean 1.23?`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, ", sheet {s}")?;
        }
        if let Some(r) = self.row {
            write!(f, ", row {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
            if let Some(h) = self.header.as_deref().filter(|h| !h.is_empty()) {
                write!(f, " ({h})")?;
            }
        }
        f.write_str(": ")?;
        if let Some(cell) = &self.cell {
            // A cell may be long: its start names it.
            let shown: String = cell.chars().take(40).collect();
            let more = if shown.len() < cell.len() { "..." } else { "" };
            write!(f, "{shown:?}{more}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean {s}?")?;
        }
        Ok(())
    }
}

/// Every problem of a file, in the order of its rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    list: Vec<Problem>,
}

impl Problems {
    /// Adds one.
    pub fn push(&mut self, p: Problem) {
        self.list.push(p);
    }

    /// Adds others.
    pub fn extend(&mut self, other: Problems) {
        self.list.extend(other.list);
    }

    /// None at all.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The first [`MAX_PROBLEMS`] by row (the file's own ones first), and
    /// how many more there are.
    pub fn shown(&self) -> (Vec<&Problem>, usize) {
        let mut all: Vec<&Problem> = self.list.iter().collect();
        all.sort_by_key(|p| p.row.unwrap_or(0));
        let more = all.len().saturating_sub(MAX_PROBLEMS);
        all.truncate(MAX_PROBLEMS);
        (all, more)
    }
}

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (shown, more) = self.shown();
        if let ([one], 0) = (shown.as_slice(), more) {
            return write!(f, "{one}");
        }
        let file = shown.first().map_or("the file", |p| p.file.as_str());
        write!(f, "{} problems in {file}; nothing was written:", self.len())?;
        for p in shown {
            write!(f, "\n{p}")?;
        }
        if more > 0 {
            write!(f, "\n... and {more} more")?;
        }
        Ok(())
    }
}

impl From<Problems> for Error {
    fn from(p: Problems) -> Error {
        Error::refused(p.to_string())
    }
}

/// A parsed table.
#[derive(Debug, Clone)]
pub struct Table {
    /// What it holds.
    pub kind: Kind,
    /// The columns, as the header wrote them, with what each means.
    pub columns: Vec<(String, Column)>,
    /// The sheet's column (0 is A) of each of `columns`.
    places: Vec<usize>,
    /// The rows.
    pub rows: Vec<Row>,
    /// The folder evidence paths are relative to.
    base: PathBuf,
    /// The file, as named.
    pub file: String,
    /// The sheet of a workbook.
    pub sheet: Option<String>,
    /// What the file was (a CSV file's encoding).
    pub format: Format,
}

/// The most rows a file may hold: one file is one batch.
pub const MAX_ROWS: usize = crate::MAX_BATCH;
/// The most bytes one cell may hold (a note, a reason, an evidence title).
pub const MAX_CELL_BYTES: usize = 4096;

/// A problem of `sheet` at a row (and a column of it), with no table yet.
fn sheet_problem(
    sheet: &Sheet,
    row: Option<&ledger_sheet::Row>,
    column: Option<(usize, &str)>,
    message: String,
) -> Problem {
    Problem {
        file: sheet.file.clone(),
        sheet: sheet.sheet.clone(),
        row: row.map(|r| r.number),
        column: column.map(|(i, _)| column_letter(i)),
        header: column.map(|(_, h)| h.to_owned()),
        cell: column.and_then(|(i, _)| row.map(|r| r.cell(i).to_owned())),
        message,
        suggestion: None,
    }
}

/// The header among the first rows: the first that names every column the
/// kind requires, else the first naming any known column, else the first.
/// Rows above it (a title) are passed over.
fn header_row(rows: &[&ledger_sheet::Row], kind: Kind) -> usize {
    let known = |r: &ledger_sheet::Row| -> Vec<Column> {
        r.cells.iter().filter_map(|c| Column::from_header(trim(c))).collect()
    };
    let first = rows.iter().take(10);
    first
        .clone()
        .position(|r| kind.required().iter().all(|c| known(r).contains(c)))
        .or_else(|| first.clone().position(|r| !known(r).is_empty()))
        .unwrap_or(0)
}

/// Whether `row`, right under the header, is a second line of it: each
/// column read is headed there by a name of the same column (in the other
/// language: `unit` under `单位`) or by nothing, the required ones by a name.
fn second_header(row: &ledger_sheet::Row, kind: Kind, columns: &[(String, Column)], places: &[usize]) -> bool {
    !columns.is_empty()
        && columns.iter().zip(places).all(|((_, c), &i)| {
            let h = trim(row.cell(i));
            if h.is_empty() { !kind.required().contains(c) } else { Column::from_header(h) == Some(*c) }
        })
}

/// Reads a sheet as a table of the given kind. `base` is the folder
/// evidence paths are relative to (the file's own). Every problem of the
/// header and of the cells' sizes is reported at once.
pub fn from_sheet(sheet: Sheet, kind: Kind, base: &Path) -> Result<Table, Problems> {
    let mut problems = Problems::default();
    let rows: Vec<&ledger_sheet::Row> =
        sheet.rows.iter().filter(|r| r.cells.iter().any(|c| !trim(c).is_empty())).collect();
    let Some(header_at) = (!rows.is_empty()).then(|| header_row(&rows, kind)) else {
        problems.push(sheet_problem(&sheet, None, None, "the file holds no table: no header, no rows".into()));
        return Err(problems);
    };
    let header = rows[header_at];
    let allowed: Vec<Column> = kind.required().iter().chain(kind.optional()).copied().collect();
    let mut columns: Vec<(String, Column)> = Vec::new();
    let mut places = Vec::new();
    let mut unnamed = Vec::new();
    // The columns from the one headed 以下仅供参考 on are not read.
    let end = header.cells.iter().position(|h| reference(trim(h)));
    for (i, h) in header.cells.iter().enumerate().take(end.unwrap_or(usize::MAX)) {
        let h = trim(h);
        if h.is_empty() {
            unnamed.push(i);
            continue;
        }
        if ignored(h) {
            continue;
        }
        match Column::from_header(h).filter(|c| allowed.contains(c)) {
            None => problems.push(sheet_problem(
                &sheet,
                Some(header),
                Some((i, "")),
                format!("unknown column; {}", kind.header_words()),
            )),
            Some(column) => match columns.iter().position(|(_, c)| *c == column) {
                Some(first) => problems.push(sheet_problem(
                    &sheet,
                    Some(header),
                    Some((i, "")),
                    format!(
                        "column {} ({}) again: both mean {}",
                        column_letter(places[first]),
                        columns[first].0,
                        column.name()
                    ),
                )),
                None => {
                    columns.push((h.to_owned(), column));
                    places.push(i);
                }
            },
        }
    }
    for required in kind.required() {
        if !columns.iter().any(|(_, c)| c == required) {
            problems.push(sheet_problem(
                &sheet,
                Some(header),
                None,
                format!("the header has no {:?} column; {}", required.name(), kind.header_words()),
            ));
        }
    }
    // A second header line (`unit` under `单位`) is passed over.
    let second = rows.get(header_at + 1).is_some_and(|r| second_header(r, kind, &columns, &places));
    let first_row = header_at + 1 + usize::from(second);
    let mut table_rows = Vec::new();
    for row in rows.iter().skip(first_row) {
        if table_rows.len() == MAX_ROWS {
            problems.push(sheet_problem(
                &sheet,
                Some(row),
                None,
                format!(
                    "more than {MAX_ROWS} rows, the most one file may hold (one batch); split the file: each file is appended all or nothing"
                ),
            ));
            break;
        }
        for (i, cell) in row.cells.iter().enumerate() {
            if end.is_some_and(|e| i >= e) {
                break; // for reference only
            }
            let named = places.contains(&i) || (i < header.cells.len() && !unnamed.contains(&i));
            if !named && !trim(cell).is_empty() {
                problems.push(sheet_problem(
                    &sheet,
                    Some(row),
                    Some((i, "")),
                    "a cell in a column with no header: name the column, or empty the cell".into(),
                ));
            } else if cell.len() > MAX_CELL_BYTES {
                let h = places.iter().position(|&p| p == i).map_or("", |k| columns[k].0.as_str());
                problems.push(sheet_problem(
                    &sheet,
                    Some(row),
                    Some((i, h)),
                    format!("{} bytes, more than the {MAX_CELL_BYTES} a cell may hold", cell.len()),
                ));
            }
        }
        let raw =
            columns.iter().zip(&places).map(|((_, c), &i)| (*c, row.cell(i).to_owned())).collect::<HashMap<_, _>>();
        let cells = raw.iter().map(|(c, v)| (*c, trim(v).to_owned())).collect::<HashMap<_, _>>();
        if cells.values().all(String::is_empty) {
            continue; // a row that holds only a 序号, or cells of no column
        }
        table_rows.push(Row { line: row.number, cells, raw });
    }
    if table_rows.is_empty() && problems.is_empty() {
        problems.push(sheet_problem(&sheet, Some(header), None, "the file has a header but no rows".into()));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Table {
        kind,
        columns,
        places,
        rows: table_rows,
        base: base.to_owned(),
        file: sheet.file,
        sheet: sheet.sheet,
        format: sheet.format,
    })
}

/// Reads the bytes of a file named `file` (a CSV file or a workbook, told
/// from its bytes; `sheet` picks a workbook's sheet) as a table.
pub fn read_bytes(file: &str, bytes: &[u8], kind: Kind, base: &Path, sheet: Option<&str>) -> Result<Table, Error> {
    let sheet = ledger_sheet::read(file, bytes, sheet).map_err(|e| Error::refused(e.to_string()))?;
    Ok(from_sheet(sheet, kind, base)?)
}

/// Parses a table of the given kind from bytes named nothing (`input`).
/// `base` is the folder evidence paths are relative to.
pub fn parse(bytes: &[u8], kind: Kind, base: &Path) -> Result<Table, Error> {
    read_bytes("input", bytes, kind, base, None)
}

/// Reads and parses a table file; `-` is standard input (evidence paths
/// are then relative to the current folder).
pub fn read(path: &Path, kind: Kind, sheet: Option<&str>) -> Result<Table, Error> {
    if path == Path::new("-") {
        let bytes = files::read_or_stdin(None, files::CSV)?;
        return read_bytes("standard input", &bytes, kind, Path::new("."), sheet);
    }
    let bytes = files::read(path, files::CSV)?;
    read_bytes(&path.display().to_string(), &bytes, kind, path.parent().unwrap_or(Path::new(".")), sheet)
}

/// The events of a table, ready to append, with what was found wrong on
/// the way and the warnings.
#[derive(Debug, Default)]
pub struct Prepared {
    /// The events of the rows that hold no problem, numbered by row.
    pub submissions: Vec<(usize, Submission)>,
    /// The problems of the cells.
    pub problems: Problems,
    /// What may be missing: a unit of the file without a row for an
    /// indicator the period has no value (or target) of.
    pub warnings: Vec<Problem>,
    /// The unit of each row with an event, by row.
    units: Vec<(usize, String)>,
}

/// What a table came to for one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitSummary {
    /// The unit's id.
    pub unit: String,
    /// Its Chinese name.
    pub name_zh: String,
    /// Its rows in the file.
    pub rows: usize,
    /// New values or targets.
    pub new: usize,
    /// Corrections.
    pub corrected: usize,
    /// Already recorded just so (sent before): nothing new.
    pub unchanged: usize,
}

impl std::fmt::Display for UnitSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {} row{}, {} new, {} corrected, {} unchanged",
            self.name_zh,
            self.unit,
            self.rows,
            if self.rows == 1 { "" } else { "s" },
            self.new,
            self.corrected,
            self.unchanged
        )
    }
}

impl Prepared {
    /// What the rows came to, unit by unit in the order of the file, from
    /// what the append (or the check) said of each row.
    pub fn summary(&self, results: &[Appended], domain: &Domain) -> Vec<UnitSummary> {
        let mut out: Vec<UnitSummary> = Vec::new();
        let results: HashMap<usize, &Appended> = results.iter().map(|r| (r.line, r)).collect();
        let corrections: std::collections::HashSet<usize> = self
            .submissions
            .iter()
            .filter(|(_, sub)| sub.event_type == MeasurementCorrected::TYPE)
            .map(|(l, _)| *l)
            .collect();
        for (line, unit) in &self.units {
            let at = match out.iter().position(|s| s.unit == *unit) {
                Some(i) => i,
                None => {
                    let name_zh = domain.units.get(unit).map_or_else(|| unit.clone(), |u| u.name_zh.clone());
                    out.push(UnitSummary { unit: unit.clone(), name_zh, rows: 0, new: 0, corrected: 0, unchanged: 0 });
                    out.len() - 1
                }
            };
            let s = &mut out[at];
            s.rows += 1;
            let corrects = corrections.contains(line);
            match results.get(line) {
                Some(r) if r.existing => s.unchanged += 1,
                Some(_) if corrects => s.corrected += 1,
                Some(_) => s.new += 1,
                None => {}
            }
        }
        out
    }
}

/// A number as a spreadsheet may write it, as the ledger records it: the
/// plain decimal, or why not and what it may mean.
fn plain_number(written: &str, measure: Option<(&str, &str)>) -> Result<String, (String, Option<String>)> {
    let v = ledger_core::time::half_width(written);
    let v = v.trim();
    let mut v = v.replace('\u{2212}', "-");
    if let Some(number) = v.strip_suffix('%') {
        let number = number.trim_end().to_owned();
        match measure {
            Some((_, "%")) | None => v = number,
            Some((indicator, unit)) => {
                let suggestion = plain_number(&number, None).ok();
                return Err((
                    format!("a percentage, but indicator {indicator} is measured in {unit}: write the number alone"),
                    suggestion,
                ));
            }
        }
    }
    if v.contains(',') {
        if thousands(&v) {
            v = v.replace(',', "");
        } else {
            // A decimal comma (1,5), or groups of another size (1,23,456).
            let suggestion = match v.matches(',').count() {
                1 if !v.contains('.') && v.split_once(',').is_none_or(|(_, b)| b.len() != 3) => v.replace(',', "."),
                _ => v.replace(',', ""),
            };
            return Err((
                "not a number: a comma that separates no groups of three digits (write a point for decimals)".into(),
                ledger_score::parse_decimal(&suggestion).is_ok().then_some(suggestion),
            ));
        }
    }
    if ledger_score::parse_decimal(&v).is_ok() {
        return Ok(v);
    }
    // What it may mean: without a plus, leading zeros or a dangling point.
    let (sign, body) = match v.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", v.strip_prefix('+').unwrap_or(&v)),
    };
    let body = body.strip_suffix('.').unwrap_or(body);
    let body = if body.starts_with('.') { format!("0{body}") } else { body.to_owned() };
    let int_end = body.find('.').unwrap_or(body.len());
    let int = body[..int_end].trim_start_matches('0');
    let fixed = format!("{sign}{}{}", if int.is_empty() { "0" } else { int }, &body[int_end..]);
    Err((
        "not a number: write it like 25.6 or -3 (a point for decimals, no exponent)".into(),
        ledger_score::parse_decimal(&fixed).is_ok().then_some(fixed),
    ))
}

/// Thousands separators in well-formed groups: `1,234` or `-12,345,678.5`.
fn thousands(v: &str) -> bool {
    let v = v.strip_prefix('-').unwrap_or(v);
    let int = v.split_once('.').map_or(v, |(i, _)| i);
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && groups.clone().count() > 0
        && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

impl Table {
    /// The encoding a CSV file was read in when the file does not say it
    /// (not UTF-8: GB18030, which GBK is part of), for a note.
    pub fn assumed_encoding(&self) -> Option<&'static str> {
        match self.format {
            Format::Csv { encoding, .. } if encoding.assumed() => Some(encoding.name()),
            _ => None,
        }
    }

    /// A problem at a row, and at one of its cells.
    fn problem(
        &self,
        line: usize,
        c: Option<Column>,
        message: impl Into<String>,
        suggestion: Option<String>,
    ) -> Problem {
        let at = c.and_then(|c| self.columns.iter().position(|(_, x)| *x == c));
        // Rows are in the order of their numbers.
        let row = self.rows.binary_search_by_key(&line, |r| r.line).ok().map(|i| &self.rows[i]);
        Problem {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: (line > 0).then_some(line),
            column: at.map(|i| column_letter(self.places[i])),
            header: at.map(|i| self.columns[i].0.clone()),
            cell: at.and_then(|i| row.and_then(|r| r.raw.get(&self.columns[i].1)).cloned()),
            message: message.into(),
            suggestion,
        }
    }

    /// A problem of the file as a whole.
    fn file_problem(&self, message: impl Into<String>) -> Problem {
        Problem {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: None,
            column: None,
            header: None,
            cell: None,
            message: message.into(),
            suggestion: None,
        }
    }

    /// `values.csv, row N, column C (header)` for a cell.
    fn at(&self, line: usize, c: Column) -> String {
        let place = match &self.sheet {
            Some(s) => format!("{}, sheet {s}", self.file),
            None => self.file.clone(),
        };
        match self.columns.iter().position(|(_, x)| *x == c) {
            Some(i) => format!("{place}, row {line}, column {} ({})", column_letter(self.places[i]), self.columns[i].0),
            None => format!("{place}, row {line}"),
        }
    }

    /// A number cell, as the ledger records it (see [`plain_number`]): a
    /// value is otherwise recorded as written, so spaces around it are
    /// refused (names and ids around it may carry a spreadsheet's padding).
    /// `measure`: the indicator and its unit of measure, when known.
    fn number(&self, row: &Row, c: Column, measure: Option<(&str, &str)>) -> Result<(String, Dec), Box<Problem>> {
        let raw = row.raw.get(&c).map_or("", String::as_str);
        let written = trim(raw);
        if written.is_empty() {
            return Err(Box::new(self.problem(row.line, Some(c), "empty", None)));
        }
        let v = plain_number(written, measure).map_err(|(m, s)| Box::new(self.problem(row.line, Some(c), m, s)))?;
        if written != raw {
            return Err(Box::new(self.problem(
                row.line,
                Some(c),
                "spaces around the value: a value is recorded exactly as written",
                Some(v),
            )));
        }
        let exact = Dec::exact(&v).map_err(|e| Box::new(self.problem(row.line, Some(c), e, None)))?;
        Ok((v, exact))
    }

    /// The id a unit or indicator cell names, or its problem.
    fn named(
        &self,
        row: &Row,
        c: Column,
        what: &str,
        find: impl Fn(&str) -> Result<String, Miss>,
    ) -> Result<String, Box<Problem>> {
        let given = row.get(c).ok_or_else(|| Box::new(self.problem(row.line, Some(c), "empty", None)))?;
        find(given).map_err(|m| {
            let (message, suggestion) = m.reason(what);
            Box::new(self.problem(row.line, Some(c), message, suggestion))
        })
    }

    fn evidence(&self, row: &Row) -> Result<Option<Evidence>, Box<Problem>> {
        let Some(e) = row.get(Column::Evidence) else { return Ok(None) };
        let hash = if e.len() == 64 && e.bytes().all(|c| c.is_ascii_hexdigit()) {
            e.to_ascii_lowercase()
        } else {
            files::hash(&self.base.join(e), files::EVIDENCE)
                .map_err(|err| {
                    Box::new(self.problem(
                        row.line,
                        Some(Column::Evidence),
                        format!("{err}; give a file path relative to the table's file or a 64-hex-digit BLAKE3 hash"),
                        None,
                    ))
                })?
                .to_hex()
                .to_string()
        };
        let title = row.get(Column::EvidenceTitle).unwrap_or(e);
        Ok(Some(Evidence { blake3: hash, title: title.to_owned() }))
    }

    /// The events of the table for a period (values and corrections: of a
    /// monitoring round, with `round`), numbered by row, with every problem
    /// of every cell and the rows that seem to be missing. Event ids are
    /// derived from the content, so sending the same file twice records
    /// nothing new.
    pub fn prepare(&self, period: &str, round: Option<&str>, domain: &Domain) -> Prepared {
        let mut out = Prepared::default();
        if let (Some(r), Kind::Targets) = (round, self.kind) {
            out.problems.push(
                self.file_problem(format!("targets are annual: a round ({r}) takes values and corrections only")),
            );
            return out;
        }
        let tag = round.map(|r| format!("{r}-")).unwrap_or_default();
        let names = Names::new(domain);
        let stream = period_stream(period);
        let of_period = domain.periods.get(period);
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        let mut keys: Vec<(String, String)> = Vec::new();
        // The rows not filled in: (unit, indicator) and row.
        let mut blank: Vec<((String, String), usize)> = Vec::new();
        for row in &self.rows {
            let mut problems = Vec::new();
            let unit = ok(&mut problems, self.named(row, Column::Unit, "unit", |g| names.find_unit(g)));
            let indicator =
                ok(&mut problems, self.named(row, Column::Indicator, "indicator", |g| names.find_indicator(g)));
            if self.kind == Kind::Values && unreported(row) {
                if let (Some(u), Some(i)) = (unit, indicator) {
                    blank.push(((u, i), row.line));
                }
                out.problems.list.extend(problems);
                continue;
            }
            let unit_of_measure = indicator.as_ref().and_then(|i| {
                of_period
                    .and_then(|p| p.indicators.get(i))
                    .or_else(|| domain.indicators.get(i).map(|(_, d)| d))
                    .map(|d| (i.as_str(), d.unit.as_str()))
            });
            let sub = match self.kind {
                Kind::Values => {
                    let value = ok(&mut problems, self.number(row, Column::Value, unit_of_measure));
                    let evidence = ok(&mut problems, self.evidence(row));
                    match (unit.clone(), indicator.clone(), value, evidence) {
                        (Some(unit), Some(indicator), Some((written, value)), Some(evidence)) => {
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
                            Some(x.submission(
                                &stream,
                                &format!("csv-{period}-{tag}{}-{}-{}", x.unit, x.indicator, &digest[..12]),
                            ))
                        }
                        _ => None,
                    }
                }
                Kind::Targets => {
                    let target = ok(&mut problems, self.number(row, Column::Target, unit_of_measure));
                    let baseline = match row.get(Column::Baseline) {
                        Some(_) => ok(&mut problems, self.number(row, Column::Baseline, unit_of_measure)).map(Some),
                        None => Some(None),
                    };
                    match (unit.clone(), indicator.clone(), target, baseline) {
                        (Some(unit), Some(indicator), Some((_, target)), Some(baseline)) => {
                            let note = row.get(Column::Note).map(str::to_owned);
                            let baseline = baseline.map(|(_, b)| b);
                            let x = TargetAssigned { unit, indicator, target, baseline, note };
                            let digest =
                                blake3::hash(serde_json::Value::Object(x.to_data()).to_string().as_bytes()).to_hex();
                            Some(x.submission(
                                &stream,
                                &format!("target-{period}-{}-{}-{}", x.unit, x.indicator, &digest[..12]),
                            ))
                        }
                        _ => None,
                    }
                }
                Kind::Corrections => {
                    let value = ok(&mut problems, self.number(row, Column::Value, unit_of_measure));
                    let reason = ok(
                        &mut problems,
                        row.get(Column::Reason)
                            .map(str::to_owned)
                            .ok_or_else(|| Box::new(self.problem(row.line, Some(Column::Reason), "empty", None))),
                    );
                    let evidence = ok(&mut problems, self.evidence(row));
                    let corrects = match (&unit, &indicator) {
                        (Some(u), Some(i)) => ok(
                            &mut problems,
                            crate::office::current_in(domain, period, round, u, i)
                                .map_err(|e| Box::new(self.problem(row.line, None, e.to_string(), None))),
                        ),
                        _ => None,
                    };
                    match (unit.clone(), indicator.clone(), value, reason, evidence, corrects) {
                        (
                            Some(unit),
                            Some(indicator),
                            Some((_, value)),
                            Some(reason),
                            Some(evidence),
                            Some(corrects),
                        ) => {
                            let x = MeasurementCorrected { corrects, value, reason, evidence };
                            let digest =
                                blake3::hash(serde_json::Value::Object(x.to_data()).to_string().as_bytes()).to_hex();
                            Some(x.submission(
                                &stream,
                                &format!("correct-{period}-{tag}{unit}-{indicator}-{}", &digest[..12]),
                            ))
                        }
                        _ => None,
                    }
                }
            };
            if let (Some(u), Some(i)) = (&unit, &indicator) {
                let key = (u.clone(), i.clone());
                if let Some(first) = seen.get(&key) {
                    problems.push(self.problem(
                        row.line,
                        None,
                        format!("unit {u} and indicator {i} were already given on row {first}"),
                        None,
                    ));
                } else {
                    seen.insert(key.clone(), row.line);
                    keys.push(key);
                }
            }
            match sub {
                Some(sub) if problems.is_empty() => {
                    out.units.push((row.line, sub_unit(&sub, unit.as_deref())));
                    out.submissions.push((row.line, sub));
                }
                _ => problems.into_iter().for_each(|p| out.problems.push(p)),
            }
        }
        if keys.is_empty() && !blank.is_empty() && out.problems.is_empty() {
            let header = self.columns.iter().find(|(_, c)| *c == Column::Value).map_or("value", |(h, _)| h.as_str());
            out.problems.push(self.file_problem(format!(
                "every {header} cell is empty: no value to submit (fill in the {header} column)"
            )));
        }
        out.warnings = self.missing(period, round, domain, &keys, &blank);
        out
    }

    /// A unit of the file without a row for an indicator that has no value
    /// (or target) yet, or with its row not filled in (`blank`): a warning
    /// of each.
    fn missing(
        &self,
        period: &str,
        round: Option<&str>,
        domain: &Domain,
        keys: &[(String, String)],
        rows_left_empty: &[((String, String), usize)],
    ) -> Vec<Problem> {
        let Some(p) = domain.periods.get(period) else { return Vec::new() };
        let given: std::collections::HashSet<&(String, String)> = keys.iter().collect();
        let blank: HashMap<&(String, String), usize> = rows_left_empty.iter().map(|(k, line)| (k, *line)).collect();
        let mut units: Vec<&str> = Vec::new();
        // Those with a value first, then those left empty, as the file has them.
        for (u, _) in keys.iter().chain(rows_left_empty.iter().map(|(k, _)| k)) {
            if p.units.contains(u) && !units.contains(&u.as_str()) {
                units.push(u);
            }
        }
        let (indicators, has): (Vec<&String>, Has<'_>) = match (self.kind, round) {
            (Kind::Values, None) => (p.indicators.keys().collect(), Box::new(|k| p.current.contains_key(k))),
            (Kind::Values, Some(r)) => match p.rounds.get(r) {
                Some(rd) => (rd.indicators.iter().collect(), Box::new(|k| rd.current.contains_key(k))),
                None => return Vec::new(),
            },
            // An auxiliary indicator (a figure a rule needs) is not scored: no target.
            (Kind::Targets, _) => (
                p.indicators.iter().filter(|(_, d)| !d.auxiliary).map(|(i, _)| i).collect(),
                Box::new(|k| p.targets.contains_key(k)),
            ),
            (Kind::Corrections, _) => return Vec::new(),
        };
        let what = if self.kind == Kind::Targets { "target" } else { "value" };
        let mut indicators = indicators;
        // In the catalog's order: 1, 2, ..., 10, then F1...
        indicators.sort_by_key(|i| crate::office::catalog_order(i));
        let mut out = Vec::new();
        let named = |i: &String| p.indicators.get(i).map_or_else(|| i.clone(), |d| format!("{i} ({})", d.name_zh));
        for u in units {
            // Indicators with neither a value in the file nor one recorded:
            // those with no row, and those whose row was left empty.
            let (mut missing, mut empty): (Vec<String>, Vec<(String, usize)>) = (Vec::new(), Vec::new());
            for i in &indicators {
                let key = (u.to_owned(), (*i).clone());
                if given.contains(&key) || has(&key) {
                    continue;
                }
                match blank.get(&key) {
                    Some(line) => empty.push((named(i), *line)),
                    None => missing.push(named(i)),
                }
            }
            let unit = domain.units.get(u).map_or_else(|| u.to_owned(), |x| format!("{} ({u})", x.name_zh));
            let when = format!("{period}{}", round.map(|r| format!(" round {r}")).unwrap_or_default());
            match missing.as_slice() {
                [] => {}
                [one] => out.push(self.file_problem(format!(
                    "no row for unit {unit} and indicator {one}, which has no {what} yet in period {when}"
                ))),
                many => out.push(self.file_problem(format!(
                    "no row for unit {unit} and {} indicators, which have no {what} yet in period {when}: {}",
                    many.len(),
                    many.join(", ")
                ))),
            }
            match empty.as_slice() {
                [] => {}
                [(one, line)] => out.push(self.file_problem(format!(
                    "row {line} left empty: unit {unit} and indicator {one}, which has no {what} yet in period {when}, not submitted"
                ))),
                many => out.push(self.file_problem(format!(
                    "{} rows of unit {unit} left empty, whose indicators have no {what} yet in period {when}, not submitted: {}",
                    many.len(),
                    many.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>().join(", ")
                ))),
            }
        }
        out
    }

    /// The events of the table for a period, numbered by row: the events
    /// of [`Table::prepare`], refused with every problem if there is one.
    pub fn submissions(
        &self,
        period: &str,
        round: Option<&str>,
        domain: &Domain,
    ) -> Result<Vec<(usize, Submission)>, Error> {
        let prepared = self.prepare(period, round, domain);
        if !prepared.problems.is_empty() {
            return Err(prepared.problems.into());
        }
        Ok(prepared.submissions)
    }

    /// The rows the rules refused ([`crate::Ledger::append_all`]), as
    /// problems of their cells: a refusal of the rules names the payload
    /// member it is about (the typed [`ledger_core::append::Refusal`]'s
    /// field), and the column it came from is the cell. A signer who may
    /// not write such events at all is one error, not a problem per row.
    pub fn refusals(&self, refused: Vec<(usize, Error)>) -> Result<Problems, Error> {
        let mut problems = Problems::default();
        for (line, e) in refused {
            if let Error::Forbidden { .. } = e {
                return Err(e);
            }
            let p = match e.rule() {
                Some(rule) => {
                    let column = rule
                        .refusal
                        .field
                        .as_deref()
                        .and_then(Column::of_member)
                        .filter(|c| self.columns.iter().any(|(_, x)| x == c));
                    match column {
                        Some(c) => self.problem(line, Some(c), rule.refusal.reason.clone(), None),
                        None => self.problem(line, None, rule.refusal.to_string(), None),
                    }
                }
                None => self.problem(line, None, e.to_string(), None),
            };
            problems.push(p);
        }
        Ok(problems)
    }

    /// A refusal of the rules names the payload member it is about (the
    /// typed [`ledger_core::append::Refusal`]'s field): say which column
    /// that member came from, at the row. Any other error is returned as
    /// it is.
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

/// A row of values not filled in: its value empty, and nothing said but
/// the unit, the indicator and the unit of measure (a template's row).
fn unreported(row: &Row) -> bool {
    [Column::Value, Column::Evidence, Column::EvidenceTitle, Column::Note].iter().all(|c| row.get(*c).is_none())
}

/// The value of a cell, or `None` with its problem kept.
fn ok<T>(problems: &mut Vec<Problem>, r: Result<T, Box<Problem>>) -> Option<T> {
    r.map_err(|p| problems.push(*p)).ok()
}

/// Whether the period has a value (or target) for a unit and indicator.
type Has<'a> = Box<dyn Fn(&(String, String)) -> bool + 'a>;

/// The unit an event is about (a correction names its measurement: the
/// row's unit).
fn sub_unit(sub: &Submission, row_unit: Option<&str>) -> String {
    sub.data.get("unit").and_then(serde_json::Value::as_str).or(row_unit).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn problems(text: &str, kind: Kind) -> Vec<String> {
        let sheet = ledger_sheet::read("t.csv", text.as_bytes(), None).unwrap();
        let problems = from_sheet(sheet, kind, Path::new(".")).unwrap_err();
        problems.shown().0.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn headers_in_chinese_and_separators_are_told_from_the_file() {
        let t =
            parse("\u{feff}单位;指标;数值;备注\n商河县;1;25.6;ok\n".as_bytes(), Kind::Values, Path::new(".")).unwrap();
        assert_eq!(
            t.columns.iter().map(|(h, c)| (h.as_str(), *c)).collect::<Vec<_>>(),
            [("单位", Column::Unit), ("指标", Column::Indicator), ("数值", Column::Value), ("备注", Column::Note)]
        );
        assert_eq!(t.rows[0].get(Column::Unit), Some("商河县"));
        let t = parse(b"unit\tindicator\tvalue\nlixia\t1\t2\n", Kind::Values, Path::new(".")).unwrap();
        assert_eq!(t.rows[0].get(Column::Value), Some("2"));
        // Every problem of the header at once.
        assert_eq!(
            problems("unit,amount,value,value\nlixia,1,2,3\n", Kind::Values),
            [
                "t.csv, row 1, column B: \"amount\": unknown column; the header is unit,indicator,value (then optionally evidence,evidence_title,measure,note), in English or Chinese",
                "t.csv, row 1, column D: \"value\": column C (value) again: both mean value",
                "t.csv, row 1: the header has no \"indicator\" column; the header is unit,indicator,value (then optionally evidence,evidence_title,measure,note), in English or Chinese",
            ]
        );
    }

    #[test]
    fn a_title_row_and_a_row_number_column_are_passed_over() {
        let t = parse(
            "2023年各区县指标,,\n\n序号,单位,指标,数值,\n1,商河县,15,708,\n2,历下,1,40.0\n3,,,\n".as_bytes(),
            Kind::Values,
            Path::new("."),
        )
        .unwrap();
        assert_eq!(t.columns.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(), ["单位", "指标", "数值"]);
        assert_eq!(t.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(t.rows[1].get(Column::Value), Some("40.0"));
        // A cell under no header is refused, naming it.
        assert_eq!(
            problems("unit,indicator,value\nlixia,1,2,oops\n", Kind::Values),
            ["t.csv, row 2, column D: \"oops\": a cell in a column with no header: name the column, or empty the cell"]
        );
    }

    #[test]
    fn an_english_header_line_and_the_columns_for_reference_are_passed_over() {
        let t = parse(
            "填报表,,,,,\n单位,指标,数值,备注,以下仅供参考,目标值\nunit,indicator,value,note,for reference only,target\n商河县,1,2,,,35\n历下区,1,,,,x,y\n"
                .as_bytes(),
            Kind::Values,
            Path::new("."),
        )
        .unwrap();
        assert_eq!(t.columns.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(), ["单位", "指标", "数值", "备注"]);
        assert_eq!(t.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(t.rows[1].get(Column::Value), None);
        // The English header first, the Chinese line under it, either may
        // leave an optional column unnamed.
        let t =
            parse("unit,indicator,value,note\n单位,指标,数值,\nlixia,1,2,\n".as_bytes(), Kind::Values, Path::new("."))
                .unwrap();
        assert_eq!(t.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [3]);
        // A row that names another column, or leaves a required one
        // unnamed, is a row of the table.
        for text in ["unit,indicator,value\nindicator,unit,value\n", "unit,indicator,value\nunit,,value\n"] {
            let t = parse(text.as_bytes(), Kind::Values, Path::new(".")).unwrap();
            assert_eq!(t.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2], "{text}");
        }
        // Without the column for reference, a cell under no header is still refused.
        assert_eq!(
            problems("单位,指标,数值,参考\n商河县,1,2,x\n", Kind::Values)[0],
            "t.csv, row 1, column D: \"参考\": unknown column; the header is unit,indicator,value (then optionally evidence,evidence_title,measure,note), in English or Chinese"
        );
    }

    #[test]
    fn numbers_as_spreadsheets_write_them() {
        let pct = Some(("1", "%"));
        let money = Some(("15", "100M yuan"));
        for (written, measure, read) in [
            ("1,234.5", money, "1234.5"),
            ("-12,345,678", money, "-12345678"),
            ("１２３", money, "123"),
            ("１，２３４．５", money, "1234.5"),
            ("40.0%", pct, "40.0"),
            ("４０％", pct, "40"),
            ("25.60", pct, "25.60"),
            ("−3", money, "-3"),
        ] {
            assert_eq!(plain_number(written, measure), Ok(read.to_owned()), "{written}");
        }
        for (written, measure, why, suggestion) in [
            ("40%", money, "a percentage, but indicator 15 is measured in 100M yuan", Some("40")),
            ("1,5", money, "a comma that separates no groups of three digits", Some("1.5")),
            ("1,23,456", money, "a comma that separates no groups of three digits", Some("123456")),
            ("12,34.5", money, "a comma that separates no groups", Some("1234.5")),
            ("+5", money, "not a number", Some("5")),
            ("007.50", money, "not a number", Some("7.50")),
            (".5", money, "not a number", Some("0.5")),
            ("12.", money, "not a number", Some("12")),
            ("1e3", money, "not a number", None),
            ("abc", money, "not a number", None),
        ] {
            let (message, s) = plain_number(written, measure).unwrap_err();
            assert!(message.contains(why), "{written}: {message}");
            assert_eq!(s.as_deref(), suggestion, "{written}");
        }
    }

    #[test]
    fn a_value_is_taken_as_written_names_may_be_padded() {
        let t =
            parse("单位,指标,数值\n 商河县 , 1 , 1\nlixia,1,2.5\n".as_bytes(), Kind::Values, Path::new(".")).unwrap();
        assert_eq!(t.rows[0].get(Column::Unit), Some("商河县"));
        let e = t.number(&t.rows[0], Column::Value, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "input, row 2, column C (数值): \" 1\": spaces around the value: a value is recorded exactly as written; did you mean 1?"
        );
        assert_eq!(t.number(&t.rows[1], Column::Value, None).unwrap().0, "2.5");
    }

    #[test]
    fn rows_and_cells_are_bounded() {
        let long = "x".repeat(MAX_CELL_BYTES + 1);
        let text = format!("unit,indicator,value,note\nlixia,1,2,ok\nlixia,2,3,{long}\n");
        assert_eq!(
            problems(&text, Kind::Values),
            [format!(
                "t.csv, row 3, column D (note): \"{}\"...: {} bytes, more than the 4096 a cell may hold",
                "x".repeat(40),
                long.len()
            )]
        );
        let mut text = String::from("unit,indicator,value\n");
        for _ in 0..=MAX_ROWS {
            text.push_str("lixia,1,2\n");
        }
        let e = problems(&text, Kind::Values);
        assert!(e[0].starts_with(&format!("t.csv, row {}: more than {MAX_ROWS} rows", MAX_ROWS + 2)), "{e:?}");
    }
}
