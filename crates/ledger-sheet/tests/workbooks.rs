//! Workbooks written by a spreadsheet library (rust_xlsxwriter), read back
//! as the clerk sees them: numbers as their formats show them, a title row
//! above the header, the sheet by name or the first visible one.

#![allow(clippy::unwrap_used)]

use ledger_sheet::{Format, SheetError, read};
use rust_xlsxwriter::{Format as Style, Formula, Workbook};

fn cells(s: &ledger_sheet::Sheet) -> Vec<(usize, Vec<&str>)> {
    s.rows.iter().map(|r| (r.number, r.cells.iter().map(String::as_str).collect())).collect()
}

/// An office's workbook: a hidden sheet first, then "2023年" with a
/// merged title row, a header, numbers in several formats, and a third
/// sheet.
fn workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let hidden = book.add_worksheet().set_name("说明").unwrap();
    hidden.write_string(0, 0, "hidden notes").unwrap();
    hidden.set_hidden(true);
    let sheet = book.add_worksheet().set_name("2023年").unwrap();
    // A hidden sheet cannot be the one shown on opening.
    sheet.set_active(true);
    sheet.merge_range(0, 0, 0, 4, "2023年各区县新旧动能转换指标", &Style::new().set_bold()).unwrap();
    for (c, h) in ["序号", "单位", "指标", "数值", "计量单位"].iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    let one_place = Style::new().set_num_format("0.0");
    let percent = Style::new().set_num_format("0.0%");
    let thousands = Style::new().set_num_format("#,##0.00");
    sheet.write_number(2, 0, 1).unwrap();
    sheet.write_string(2, 1, "商河县").unwrap();
    sheet.write_number(2, 2, 1).unwrap();
    sheet.write_number_with_format(2, 3, 40.0, &one_place).unwrap();
    sheet.write_string(2, 4, "%").unwrap();
    sheet.write_number(3, 0, 2).unwrap();
    sheet.write_string(3, 1, "商河县").unwrap();
    sheet.write_number(3, 2, 16).unwrap();
    sheet.write_number_with_format(3, 3, 0.123, &percent).unwrap();
    sheet.write_number(5, 0, 3).unwrap();
    sheet.write_string(5, 1, "商河县").unwrap();
    sheet.write_number(5, 2, 15).unwrap();
    sheet.write_number_with_format(5, 3, 1234.5, &thousands).unwrap();
    sheet.write_string(5, 4, "亿元").unwrap();
    sheet.write_number(6, 2, 25.6).unwrap();
    // A formula reads as the result the spreadsheet saved with it.
    sheet.write_formula(7, 3, Formula::new("=0.1+0.2").set_result("0.30000000000000004")).unwrap();
    let other = book.add_worksheet().set_name("Targets").unwrap();
    other.write_string(0, 0, "unit").unwrap();
    other.write_string(0, 2, "target").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn an_xlsx_reads_as_its_cells_show_on_the_first_visible_sheet() {
    let bytes = workbook();
    let s = read("values.xlsx", &bytes, None).unwrap();
    assert_eq!(s.format, Format::Xlsx);
    assert_eq!(s.sheet.as_deref(), Some("2023年"));
    assert_eq!(
        cells(&s),
        [
            (1, vec!["2023年各区县新旧动能转换指标"]),
            (2, vec!["序号", "单位", "指标", "数值", "计量单位"]),
            (3, vec!["1", "商河县", "1", "40.0", "%"]),
            (4, vec!["2", "商河县", "16", "12.3%"]),
            (6, vec!["3", "商河县", "15", "1,234.50", "亿元"]),
            (7, vec!["", "", "25.6"]),
            (8, vec!["", "", "", "0.3"]),
        ]
    );
    assert_eq!(s.at(&s.rows[4], 3), "values.xlsx, sheet 2023年, row 6, column D");
}

#[test]
fn a_sheet_is_picked_by_name_and_a_missing_one_lists_the_others() {
    let bytes = workbook();
    let s = read("values.xlsx", &bytes, Some("targets")).unwrap();
    assert_eq!(s.sheet.as_deref(), Some("Targets"));
    assert_eq!(cells(&s), [(1, vec!["unit", "", "target"])]);
    let e = read("values.xlsx", &bytes, Some("2024")).unwrap_err();
    assert_eq!(e.to_string(), "values.xlsx has no sheet \"2024\"; its sheets are \"说明\", \"2023年\", \"Targets\"");
}

#[test]
fn a_damaged_workbook_is_refused_by_name() {
    let bytes = workbook();
    let e = read("values.xlsx", &bytes[..bytes.len() / 2], None).unwrap_err();
    assert!(matches!(e, SheetError::Workbook { .. }), "{e:?}");
    assert!(e.to_string().starts_with("values.xlsx could not be read as a Excel (.xlsx) workbook"), "{e}");
    let e = read("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not really", None).unwrap_err();
    assert!(e.to_string().starts_with("old.xls could not be read as a Excel 97-2003 (.xls) workbook"), "{e}");
}

#[test]
fn a_cell_far_to_the_right_is_refused() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "unit").unwrap();
    sheet.write_string(4, 300, "x").unwrap();
    let e = read("wide.xlsx", &book.save_to_buffer().unwrap(), None).unwrap_err();
    assert_eq!(e.to_string(), "wide.xlsx: row 5, column KO holds something, beyond the 256 columns a table may have");
}
