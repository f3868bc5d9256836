//! The sheet a statistics clerk fills in: one row per unit and indicator a
//! period asks for, which `ledger values submit` reads back as it is.
//!
//! ```text
//! row 1  2023年度 指标数值填报表 · Values to report, period 2023        (title)
//! row 2  how to fill it in, in Chinese and English                      (title)
//! row 3  单位 | 指标      | 数值  | 计量单位 | 备注 | 以下仅供参考       | 指标名称 | 目标值 | 上期数值（2022） | ...
//! row 4  unit | indicator | value | measure  | note | for reference only | ...
//! row 5  商河县 | 1       |       | %        |      |                    | 新经济占比 | 35 | 38.2 | ...
//! ```
//!
//! The five columns on the left are the ones `values submit` reads: the
//! unit (its Chinese name, or its id where the name could be read as
//! another unit), the indicator (its id), the value (empty, formatted as
//! text so that what is typed is recorded as typed: `40.0` stays `40.0`),
//! the unit of measure (in Chinese, as the catalog writes it) and a note.
//! The column headed `以下仅供参考` and every column right of it are
//! passed over by `values submit` (the engine's `csv::REFERENCE`): the
//! indicator's name, the target, the value of the period before, the value
//! recorded already, the unit's id and the names in English. The title rows
//! above the header and the English header line under it are passed over
//! as well, and a row whose value is left empty is not submitted.
//!
//! Nothing is protected; the header rows and the unit and indicator
//! columns are frozen; the cells to fill in are shaded.

use crate::Error;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use std::str::FromStr;

/// What a period asks its units to report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValuesTemplate {
    /// The period, e.g. `2023`.
    pub period: String,
    /// The period whose values are shown beside, e.g. `2022`.
    pub previous: Option<String>,
    /// The rows, in the order written.
    pub rows: Vec<TemplateRow>,
    /// The ledger failed verification: the title says so.
    pub unverified: bool,
}

/// One value to report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateRow {
    /// The unit as the 单位 column writes it (a name that reads back as the
    /// unit, or its id).
    pub unit: String,
    /// The unit's id.
    pub unit_id: String,
    /// The unit's English name.
    pub unit_en: String,
    /// The indicator's id, as the 指标 column writes it.
    pub indicator: String,
    /// The indicator's Chinese name.
    pub indicator_zh: String,
    /// The indicator's English name.
    pub indicator_en: String,
    /// The unit of measure as the 计量单位 column writes it (`亿元`).
    pub measure_zh: String,
    /// The unit of measure in English (`100M yuan`).
    pub measure_en: String,
    /// The target, an exact decimal.
    pub target: Option<String>,
    /// The value recorded already in this period.
    pub recorded: Option<String>,
    /// The value of the period before.
    pub previous: Option<String>,
}

/// The header of the column from which on `values submit` reads nothing,
/// in Chinese and English: the engine's `csv::REFERENCE`.
pub const REFERENCE: (&str, &str) = ("以下仅供参考", "for reference only");

/// The columns `values submit` reads, Chinese over English.
pub const READ: [(&str, &str); 5] =
    [("单位", "unit"), ("指标", "indicator"), ("数值", "value"), ("计量单位", "measure"), ("备注", "note")];

/// The row (0 is the first) of the Chinese header; the English one is under it.
pub const HEADER_ROW: u32 = 2;

/// The headers of every column, Chinese over English.
pub fn headers(t: &ValuesTemplate) -> Vec<(String, String)> {
    let previous = match &t.previous {
        Some(p) => (format!("上期数值（{p}）"), format!("value, period {p}")),
        None => ("上期数值".to_owned(), "value, period before".to_owned()),
    };
    let mut h: Vec<(String, String)> = READ.iter().map(|(zh, en)| ((*zh).to_owned(), (*en).to_owned())).collect();
    h.extend(
        [
            REFERENCE,
            ("指标名称", "indicator name"),
            ("目标值", "target"),
            (&previous.0, &previous.1),
            ("本期已报数值", "recorded already"),
            ("单位代码", "unit id"),
            ("单位英文名称", "unit (English)"),
            ("指标英文名称", "indicator (English)"),
            ("计量单位（英文）", "measure (English)"),
        ]
        .map(|(zh, en)| (zh.to_owned(), en.to_owned())),
    );
    h
}

/// A cell of the sheet.
enum Cell<'a> {
    /// Text the clerk may leave as it is.
    Text(&'a str),
    /// An exact decimal.
    Number(Option<&'a str>),
    /// A cell to fill in (text format).
    Fill,
    /// The column that begins the part for reference.
    Marker,
}

fn cells(r: &TemplateRow) -> [Cell<'_>; 14] {
    [
        Cell::Text(&r.unit),
        Cell::Text(&r.indicator),
        Cell::Fill,
        Cell::Text(&r.measure_zh),
        Cell::Fill,
        Cell::Marker,
        Cell::Text(&r.indicator_zh),
        Cell::Number(r.target.as_deref()),
        Cell::Number(r.previous.as_deref()),
        Cell::Number(r.recorded.as_deref()),
        Cell::Text(&r.unit_id),
        Cell::Text(&r.unit_en),
        Cell::Text(&r.indicator_en),
        Cell::Text(&r.measure_en),
    ]
}

/// Columns a Chinese character takes (two) or another (one): what a
/// column's width is counted in.
fn width(text: &str) -> usize {
    text.chars().map(|c| if (c as u32) < 0x1100 { 1 } else { 2 }).sum()
}

/// The sheet as an XLSX workbook of one sheet, named after the period.
pub fn values_template(t: &ValuesTemplate) -> Result<Vec<u8>, Error> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let name: String = format!("{} 填报", t.period).chars().take(31).collect();
    sheet.set_name(name)?;
    write(sheet, t)?;
    Ok(book.save_to_buffer()?)
}

fn write(sheet: &mut Worksheet, t: &ValuesTemplate) -> Result<(), Error> {
    let headers = headers(t);
    let last = col(headers.len() - 1)?;
    let p = &t.period;
    let grey = "595959";
    let border = |f: Format| f.set_border(FormatBorder::Thin).set_border_color("BFBFBF");
    let title = Format::new().set_bold().set_font_size(14).set_align(FormatAlign::VerticalCenter);
    let note = Format::new().set_text_wrap().set_align(FormatAlign::Top).set_font_color(grey);
    let zh = border(Format::new().set_bold().set_background_color("DDEBF7").set_align(FormatAlign::Center));
    let en = border(Format::new().set_italic().set_font_color(grey).set_background_color("DDEBF7"))
        .set_align(FormatAlign::Center);
    let text = border(Format::new().set_num_format("@"));
    let fill = border(Format::new().set_num_format("@").set_background_color("FFF2CC"));
    let marker = border(Format::new().set_background_color("D9D9D9"));
    let reference = border(Format::new().set_font_color(grey).set_background_color("F2F2F2"));
    let reference_header = |f: Format| f.set_background_color("E7E6E6");

    let unverified = if t.unverified { "UNVERIFIED 账本未通过验证 · " } else { "" };
    sheet.merge_range(
        0,
        0,
        0,
        last,
        &format!("{unverified}{p}年度 指标数值填报表 · Values to report, period {p}"),
        &title,
    )?;
    sheet.set_row_height(0, 24)?;
    let how = format!(
        "填写「数值」列（按所填原样记录，40.0 即记为 40.0），空着的行不报送；「{}」一列及其右侧各列仅供参考，不读入。报送：ledger values submit --period {p} --key 统计局密钥.key 本文件\n\
         Fill in 数值 (value): recorded as typed (40.0 stays 40.0); a row left empty is not submitted. The column {} ({}) and every column right of it are for reference and not read. Submit: ledger values submit --period {p} --key STATISTICS.key THIS-FILE",
        REFERENCE.0, REFERENCE.0, REFERENCE.1
    );
    sheet.merge_range(1, 0, 1, last, &how, &note)?;
    sheet.set_row_height(1, 48)?;

    let reference_at = READ.len();
    for (c, (h_zh, h_en)) in headers.iter().enumerate() {
        let (f_zh, f_en) = if c >= reference_at {
            (reference_header(zh.clone()), reference_header(en.clone()))
        } else {
            (zh.clone(), en.clone())
        };
        sheet.write_string_with_format(HEADER_ROW, col(c)?, h_zh, &f_zh)?;
        sheet.write_string_with_format(HEADER_ROW + 1, col(c)?, h_en, &f_en)?;
    }
    let mut widths: Vec<usize> = headers.iter().map(|(zh, en)| width(zh).max(width(en))).collect();
    let mut numbers: std::collections::BTreeMap<usize, Format> = std::collections::BTreeMap::new();
    for (i, r) in t.rows.iter().enumerate() {
        let row = HEADER_ROW + 2 + u32::try_from(i).map_err(|_| Error::Xlsx("too many rows".into()))?;
        for (c, cell) in cells(r).iter().enumerate() {
            let at = col(c)?;
            let f = if c > reference_at { &reference } else { &text };
            match cell {
                Cell::Text(s) => {
                    sheet.write_string_with_format(row, at, *s, f)?;
                    widths[c] = widths[c].max(width(s));
                }
                Cell::Number(Some(n)) => {
                    let places = n.split_once('.').map_or(0, |(_, f)| f.len());
                    let format = numbers.entry(places).or_insert_with(|| {
                        let code = if places == 0 { "0".to_owned() } else { format!("0.{}", "0".repeat(places)) };
                        reference.clone().set_num_format(code)
                    });
                    match Decimal::from_str(n).ok().and_then(|d| d.to_f64()) {
                        Some(x) => sheet.write_number_with_format(row, at, x, &*format)?,
                        None => sheet.write_string_with_format(row, at, *n, f)?,
                    };
                    widths[c] = widths[c].max(width(n));
                }
                Cell::Number(None) => {
                    sheet.write_blank(row, at, f)?;
                }
                Cell::Fill => {
                    sheet.write_blank(row, at, &fill)?;
                }
                Cell::Marker => {
                    sheet.write_blank(row, at, &marker)?;
                }
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        // Room to type a value or a note.
        let w = match c {
            2 => (*w).max(12),
            4 => (*w).max(20),
            _ => *w,
        };
        sheet.set_column_width(col(c)?, (w + 2).min(48) as f64)?;
    }
    let rows = u32::try_from(t.rows.len()).map_err(|_| Error::Xlsx("too many rows".into()))?;
    if rows > 0 {
        sheet.autofilter(HEADER_ROW + 1, 0, HEADER_ROW + 1 + rows, last)?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 2, 2)?;
    sheet.set_selection(HEADER_ROW + 2, 2, HEADER_ROW + 2, 2)?;
    Ok(())
}

fn col(c: usize) -> Result<u16, Error> {
    u16::try_from(c).map_err(|_| Error::Xlsx("too many columns".into()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn template() -> ValuesTemplate {
        let row = |unit: &str, id: &str, indicator: &str, zh: &str, target: Option<&str>, previous: Option<&str>| {
            TemplateRow {
                unit: unit.into(),
                unit_id: id.into(),
                unit_en: format!("{id} (English)"),
                indicator: indicator.into(),
                indicator_zh: zh.into(),
                indicator_en: format!("indicator {indicator}"),
                measure_zh: "亿元".into(),
                measure_en: "100M yuan".into(),
                target: target.map(Into::into),
                recorded: None,
                previous: previous.map(Into::into),
            }
        };
        ValuesTemplate {
            period: "2023".into(),
            previous: Some("2022".into()),
            rows: vec![
                row("商河县", "shanghe", "1", "新经济占比", Some("35.0"), Some("38.25")),
                row("商河县", "shanghe", "15", "外贸进出口", None, None),
                row("lixia", "lixia", "15", "外贸进出口", Some("1200"), Some("1234.5")),
            ],
            unverified: false,
        }
    }

    #[test]
    fn the_sheet_reads_back_as_written_title_headers_and_rows() {
        let bytes = values_template(&template()).unwrap();
        let sheet = ledger_sheet::read("t.xlsx", &bytes, None).unwrap();
        assert_eq!(sheet.sheet.as_deref(), Some("2023 填报"));
        let cells: Vec<Vec<&str>> = sheet.rows.iter().map(|r| r.cells.iter().map(String::as_str).collect()).collect();
        assert!(cells[0][0].starts_with("2023年度 指标数值填报表 · Values to report, period 2023"), "{:?}", cells[0]);
        assert!(cells[1][0].contains("ledger values submit --period 2023"), "{:?}", cells[1]);
        assert_eq!(
            cells[2],
            [
                "单位",
                "指标",
                "数值",
                "计量单位",
                "备注",
                "以下仅供参考",
                "指标名称",
                "目标值",
                "上期数值（2022）",
                "本期已报数值",
                "单位代码",
                "单位英文名称",
                "指标英文名称",
                "计量单位（英文）"
            ]
        );
        assert_eq!(cells[3][..6], ["unit", "indicator", "value", "measure", "note", "for reference only"]);
        // Numbers shown at the places they were recorded with; empty cells
        // where nothing is known or to be filled in.
        assert_eq!(
            cells[4],
            [
                "商河县",
                "1",
                "",
                "亿元",
                "",
                "",
                "新经济占比",
                "35.0",
                "38.25",
                "",
                "shanghe",
                "shanghe (English)",
                "indicator 1",
                "100M yuan"
            ]
        );
        assert_eq!(cells[5][..9], ["商河县", "15", "", "亿元", "", "", "外贸进出口", "", ""]);
        assert_eq!(cells[6][..9], ["lixia", "15", "", "亿元", "", "", "外贸进出口", "1200", "1234.5"]);
        assert_eq!(sheet.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn without_a_period_before_and_unverified() {
        let mut t = template();
        t.previous = None;
        t.unverified = true;
        t.rows.clear();
        let bytes = values_template(&t).unwrap();
        let sheet = ledger_sheet::read("t.xlsx", &bytes, None).unwrap();
        assert!(sheet.rows[0].cells[0].starts_with("UNVERIFIED"), "{:?}", sheet.rows[0]);
        assert_eq!(sheet.rows[2].cells[8], "上期数值");
        assert_eq!(sheet.rows.len(), 4, "the title, the note and the headers");
    }

    #[test]
    fn widths_count_a_chinese_character_as_two() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("商河县"), 6);
        assert_eq!(width("上期数值（2022）"), 16);
    }
}
