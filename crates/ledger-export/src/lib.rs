//! Spreadsheet exports of the assessment's read results: the scoreboard of
//! a period (ranked, with every indicator's score), the indicator detail,
//! and the composites across periods, as [`Table`]s written to CSV (one
//! table, UTF-8 with a byte-order mark so that spreadsheet programs read
//! the Chinese headers) or XLSX (one sheet per table).
//!
//! Numbers stay exact decimals in CSV, written as the ledger computed them.
//! In XLSX they are numbers (the format stores binary doubles), each shown
//! with the places it was computed at (`0.00` for composites, `0.0000` for
//! indicator scores), so a sum in the spreadsheet works and what is shown
//! is what the ledger says.
//!
//! And the sheet a statistics clerk fills in ([`template`]): one row per
//! unit and indicator of a period, which `ledger values submit` reads back
//! as it is, taken as plain data ([`ValuesTemplate`]).
//!
//! Non-features: no I/O (the caller writes the bytes), no verification (the
//! caller shows nothing from a ledger that fails it), no arithmetic.
//!
//! ```
//! use ledger_export::{Cell, Table};
//! let t = Table {
//!     sheet: "综合排名".into(),
//!     headers: vec!["单位".into(), "综合得分".into()],
//!     rows: vec![vec![Cell::text("历下区"), Cell::number("95.12")]],
//! };
//! let csv = String::from_utf8(ledger_export::csv(&t).unwrap()).unwrap();
//! assert_eq!(csv, "\u{feff}单位,综合得分\n历下区,95.12\n");
//! assert!(ledger_export::xlsx(&[t]).unwrap().starts_with(b"PK"));
//! ```

#![forbid(unsafe_code)]

pub mod template;

pub use template::{TemplateRow, ValuesTemplate, values_template};

use ledger_model::{Scoreboard, ScoredIndicator, Trend};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The XLSX writer refused (a sheet name, a size limit).
    #[error("writing the spreadsheet: {0}")]
    Xlsx(String),
    /// The CSV writer failed.
    #[error("writing CSV: {0}")]
    Csv(String),
}

impl From<XlsxError> for Error {
    fn from(e: XlsxError) -> Self {
        Error::Xlsx(e.to_string())
    }
}

/// A cell of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// An exact decimal, as the ledger wrote it (`"52.29"`).
    Number(String),
    /// Nothing.
    Empty,
}

impl Cell {
    /// A text cell.
    pub fn text(t: impl Into<String>) -> Cell {
        Cell::Text(t.into())
    }

    /// A number cell from its exact decimal text (`-12.50`); text that is
    /// not a plain decimal (`n/a`, `1e5`) stays text.
    pub fn number(t: impl Into<String>) -> Cell {
        let t = t.into();
        let digits = t.strip_prefix('-').unwrap_or(&t);
        let plain = !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && digits.matches('.').count() <= 1
            && !digits.starts_with('.')
            && !digits.ends_with('.');
        if plain && Decimal::from_str(&t).is_ok() { Cell::Number(t) } else { Cell::Text(t) }
    }

    fn opt_number(t: Option<&str>) -> Cell {
        t.map_or(Cell::Empty, Cell::number)
    }

    fn as_text(&self) -> &str {
        match self {
            Cell::Text(t) | Cell::Number(t) => t,
            Cell::Empty => "",
        }
    }
}

/// A table: one CSV file, or one sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The sheet's name (at most 31 characters).
    pub sheet: String,
    /// The column headers.
    pub headers: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
}

fn grade_zh(grade: &str) -> &str {
    match grade {
        "excellent" => "优秀",
        "good" => "良好",
        "pass" => "合格",
        "poor" => "较差",
        "disqualified" => "成绩无效",
        other => other,
    }
}

fn kind_zh(kind: &str) -> &str {
    match kind {
        "policy_preference" => "政策倾斜",
        "fiscal_reward" => "财政奖励",
        "public_notice" => "通报",
        "admonition_talk" => "约谈",
        "accountability" => "问责",
        other => other,
    }
}

/// The scoreboard: one row per unit in rank order, its composite, grade,
/// vetoes and consequences, then each indicator's score in its own column
/// (headed by its number and Chinese name).
pub fn scoreboard(board: &Scoreboard, indicators: &[ScoredIndicator]) -> Table {
    let mut headers: Vec<String> =
        ["排名", "单位代码", "单位", "英文名称", "综合得分", "等级", "等级（英文）", "一票否决", "应有结果"]
            .map(String::from)
            .to_vec();
    headers.extend(indicators.iter().map(|i| format!("{} {}", i.id, i.name_zh)));
    let rows = board
        .units
        .iter()
        .map(|u| {
            let scores: BTreeMap<&str, &str> =
                u.indicators.iter().map(|i| (i.indicator.as_str(), i.score.as_str())).collect();
            let consequences: Vec<String> = u
                .consequences
                .iter()
                .map(|c| match &c.amount {
                    Some(a) => format!("{} {a}", kind_zh(&c.kind)),
                    None => kind_zh(&c.kind).to_owned(),
                })
                .collect();
            let mut row = vec![
                u.rank.map_or(Cell::Empty, |r| Cell::Number(r.to_string())),
                Cell::text(&u.unit),
                Cell::text(u.name_zh.as_deref().unwrap_or("")),
                Cell::text(u.name.as_deref().unwrap_or("")),
                Cell::number(&u.score),
                Cell::text(grade_zh(&u.grade)),
                Cell::text(&u.grade),
                Cell::text(u.vetoes.iter().map(|v| v.id.as_str()).collect::<Vec<_>>().join(" ")),
                Cell::text(consequences.join("；")),
            ];
            row.extend(indicators.iter().map(|i| Cell::opt_number(scores.get(i.id.as_str()).copied())));
            row
        })
        .collect();
    Table { sheet: format!("{} 综合排名", board.period), headers, rows }
}

/// Every unit's every indicator: value (in the indicator's unit of
/// measure), weight, score, method, clause, and the records behind them.
pub fn indicator_detail(board: &Scoreboard, indicators: &[ScoredIndicator]) -> Table {
    let headers =
        ["单位代码", "单位", "指标", "指标名称", "计量单位", "数值", "权重", "得分", "方法", "条款", "依据记录"]
            .map(String::from)
            .to_vec();
    let defs: BTreeMap<&str, &ScoredIndicator> = indicators.iter().map(|i| (i.id.as_str(), i)).collect();
    let rows = board
        .units
        .iter()
        .flat_map(|u| {
            u.indicators.iter().map(|i| {
                let def = defs.get(i.indicator.as_str());
                vec![
                    Cell::text(&u.unit),
                    Cell::text(u.name_zh.as_deref().unwrap_or("")),
                    Cell::text(&i.indicator),
                    Cell::text(def.map_or("", |d| d.name_zh.as_str())),
                    Cell::text(def.map_or("", |d| d.unit_of_measure.as_str())),
                    Cell::opt_number(i.value.as_deref()),
                    Cell::number(&i.weight),
                    Cell::number(&i.score),
                    Cell::text(&i.method),
                    Cell::text(&i.clause),
                    Cell::text(i.events.iter().map(u64::to_string).collect::<Vec<_>>().join(" ")),
                ]
            })
        })
        .collect();
    Table { sheet: format!("{} 指标明细", board.period), headers, rows }
}

/// The composites across periods: one row per unit, a composite and a
/// grade column per period.
pub fn trend(trend: &Trend) -> Table {
    let mut headers: Vec<String> = vec!["单位代码".into(), "单位".into(), "英文名称".into()];
    for p in &trend.periods {
        headers.push(format!("{p} 综合得分"));
        headers.push(format!("{p} 等级"));
    }
    let rows = trend
        .units
        .iter()
        .map(|u| {
            let mut row = vec![
                Cell::text(&u.unit),
                Cell::text(u.name_zh.as_deref().unwrap_or("")),
                Cell::text(u.name.as_deref().unwrap_or("")),
            ];
            for p in &u.points {
                match p {
                    Some(p) => row.extend([Cell::number(&p.score), Cell::text(grade_zh(&p.grade))]),
                    None => row.extend([Cell::Empty, Cell::Empty]),
                }
            }
            row
        })
        .collect();
    Table { sheet: "历年综合得分".into(), headers, rows }
}

/// One table as CSV: UTF-8 with a byte-order mark, `,` separated,
/// numbers exactly as the ledger wrote them.
pub fn csv(table: &Table) -> Result<Vec<u8>, Error> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(&mut out);
        w.write_record(&table.headers).map_err(|e| Error::Csv(e.to_string()))?;
        for row in &table.rows {
            w.write_record(row.iter().map(Cell::as_text)).map_err(|e| Error::Csv(e.to_string()))?;
        }
        w.flush().map_err(|e| Error::Csv(e.to_string()))?;
    }
    Ok(out)
}

/// Places after the decimal point of an exact decimal text.
fn places(t: &str) -> usize {
    t.split_once('.').map_or(0, |(_, f)| f.len())
}

/// The tables as one XLSX workbook, a sheet each: headers bold and frozen,
/// numbers as numbers shown at the places they were computed at, a filter
/// on the header row.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, Error> {
    let mut book = Workbook::new();
    let header = Format::new().set_bold().set_background_color("F1F5F9").set_align(FormatAlign::Center);
    let mut formats: BTreeMap<usize, Format> = BTreeMap::new();
    for table in tables {
        let sheet = book.add_worksheet();
        let name: String = table.sheet.chars().take(31).collect();
        sheet.set_name(name)?;
        for (c, h) in table.headers.iter().enumerate() {
            sheet.write_string_with_format(0, col(c)?, h, &header)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| Error::Xlsx("too many rows".into()))?;
            for (c, cell) in row.iter().enumerate() {
                let c = col(c)?;
                match cell {
                    Cell::Text(t) => {
                        sheet.write_string(r, c, t)?;
                    }
                    Cell::Number(t) => {
                        let n = Decimal::from_str(t).ok().and_then(|d| d.to_f64()).unwrap_or(0.0);
                        let p = places(t);
                        let format = formats.entry(p).or_insert_with(|| {
                            let pattern = if p == 0 { "0".to_owned() } else { format!("0.{}", "0".repeat(p)) };
                            Format::new().set_num_format(pattern)
                        });
                        sheet.write_number_with_format(r, c, n, &*format)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        if !table.headers.is_empty() {
            let last_row = u32::try_from(table.rows.len()).map_err(|_| Error::Xlsx("too many rows".into()))?;
            sheet.autofilter(0, 0, last_row, col(table.headers.len() - 1)?)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
    }
    Ok(book.save_to_buffer()?)
}

fn col(c: usize) -> Result<u16, Error> {
    u16::try_from(c).map_err(|_| Error::Xlsx("too many columns".into()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn table() -> Table {
        Table {
            sheet: "2022 综合排名".into(),
            headers: vec!["单位".into(), "综合得分".into(), "备注".into()],
            rows: vec![
                vec![Cell::text("历下区"), Cell::number("95.10"), Cell::text("a, \"quoted\"")],
                vec![Cell::text("商河县"), Cell::Empty, Cell::number("n/a")],
            ],
        }
    }

    #[test]
    fn csv_keeps_numbers_exact_and_quotes_what_needs_it() {
        let text = String::from_utf8(csv(&table()).unwrap()).unwrap();
        assert_eq!(text, "\u{feff}单位,综合得分,备注\n历下区,95.10,\"a, \"\"quoted\"\"\"\n商河县,,n/a\n");
    }

    #[test]
    fn a_workbook_has_a_sheet_per_table() {
        let mut second = table();
        second.sheet = "历年综合得分".into();
        let bytes = xlsx(&[table(), second]).unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"), "a zip file");
        // The zip's directory names its parts uncompressed: two sheets.
        let has = |name: &[u8]| bytes.windows(name.len()).any(|w| w == name);
        assert!(has(b"xl/worksheets/sheet1.xml") && has(b"xl/worksheets/sheet2.xml"));
        assert!(!has(b"xl/worksheets/sheet3.xml"));
    }

    #[test]
    fn number_formats_follow_the_places_computed() {
        assert_eq!(places("52.29"), 2);
        assert_eq!(places("7"), 0);
        assert_eq!(places("0.1250"), 4);
        assert_eq!(Cell::number("1e5"), Cell::Text("1e5".into()));
        assert_eq!(Cell::number("-12.50"), Cell::Number("-12.50".into()));
        assert_eq!(Cell::number("."), Cell::Text(".".into()));
    }
}
