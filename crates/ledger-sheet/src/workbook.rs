//! Workbooks, read with calamine.

use crate::{Builder, Format, Sheet, SheetError, number};
use calamine::{Data, DataRef, Reader, SheetType, SheetVisible, Xlsx};
use std::io::Cursor;

/// What kind of workbook the bytes are, from their first bytes: a ZIP
/// archive (xlsx, xlsb, ods) or an OLE compound file (xls); `None` for text.
pub(crate) fn kind(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"PK\x03\x04") {
        // The name of an .ods archive's first member, stored uncompressed.
        let ods = bytes.windows(46).take(200).any(|w| w == b"application/vnd.oasis.opendocument.spreadsheet");
        Some(if ods { Format::Ods } else { Format::Xlsx })
    } else if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        Some(Format::Xls)
    } else {
        None
    }
}

fn kind_name(kind: Format) -> &'static str {
    match kind {
        Format::Xls => "Excel 97-2003 (.xls)",
        Format::Xlsb => "Excel binary (.xlsb)",
        Format::Ods => "OpenDocument (.ods)",
        _ => "Excel (.xlsx)",
    }
}

/// The sheet to read: the one named (exactly, else ignoring case and
/// surrounding spaces), else the first visible worksheet.
fn choose(file: &str, sheets: &[calamine::Sheet], name: Option<&str>) -> Result<String, SheetError> {
    let names = || sheets.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    match name {
        Some(n) => sheets
            .iter()
            .find(|s| s.name == n)
            .or_else(|| sheets.iter().find(|s| s.name.trim().to_lowercase() == n.trim().to_lowercase()))
            .map(|s| s.name.clone())
            .ok_or_else(|| SheetError::NoSuchSheet { file: file.to_owned(), name: n.to_owned(), sheets: names() }),
        None => sheets
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .or_else(|| sheets.iter().find(|s| s.typ == SheetType::WorkSheet))
            .map(|s| s.name.clone())
            .ok_or_else(|| SheetError::NoSheets { file: file.to_owned() }),
    }
}

pub(crate) fn read(file: &str, bytes: &[u8], kind: Format, sheet: Option<&str>) -> Result<Sheet, SheetError> {
    let failed = |kind: Format, e: &dyn std::fmt::Display| SheetError::Workbook {
        file: file.to_owned(),
        kind: kind_name(kind),
        reason: e.to_string(),
    };
    if kind == Format::Xlsx {
        match Xlsx::new(Cursor::new(bytes)) {
            Ok(mut book) => return xlsx(file, &mut book, sheet),
            // A ZIP archive that is no .xlsx: perhaps an .xlsb or .ods.
            Err(xlsx_error) => {
                return match calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) {
                    Ok(mut book) => {
                        let kind = match book {
                            calamine::Sheets::Xlsb(_) => Format::Xlsb,
                            calamine::Sheets::Ods(_) => Format::Ods,
                            calamine::Sheets::Xls(_) => Format::Xls,
                            calamine::Sheets::Xlsx(_) => Format::Xlsx,
                        };
                        dense(file, &mut book, kind, sheet)
                    }
                    Err(_) => Err(failed(Format::Xlsx, &xlsx_error)),
                };
            }
        }
    }
    match kind {
        Format::Xls => {
            let mut book = calamine::Xls::new(Cursor::new(bytes)).map_err(|e| failed(kind, &e))?;
            dense(file, &mut book, kind, sheet)
        }
        _ => {
            let mut book = calamine::Ods::new(Cursor::new(bytes)).map_err(|e| failed(kind, &e))?;
            dense(file, &mut book, kind, sheet)
        }
    }
}

/// An `.xlsx` sheet, cell by cell as stored (memory in proportion to the
/// cells that hold something), each number shown with its cell's format.
fn xlsx(file: &str, book: &mut Xlsx<Cursor<&[u8]>>, sheet: Option<&str>) -> Result<Sheet, SheetError> {
    let failed = |e: &dyn std::fmt::Display| SheetError::Workbook {
        file: file.to_owned(),
        kind: kind_name(Format::Xlsx),
        reason: e.to_string(),
    };
    let name = choose(file, book.sheets_metadata(), sheet)?;
    let mut cells = book.worksheet_cells_reader(&name).map_err(|e| failed(&e))?;
    let mut rows = Builder::new(file);
    while let Some((cell, style)) = cells.next_cell_with_style_id().map_err(|e| failed(&e))? {
        let (row, column) = cell.get_position();
        let format = cells.styles().get(style).and_then(|s| s.number_format.as_ref()).map(|f| f.format_code.as_str());
        let text = match cell.get_value() {
            DataRef::Int(i) => i.to_string(),
            DataRef::Float(f) => number::shown(*f, format),
            DataRef::String(s) => s.clone(),
            DataRef::SharedString(s) => (*s).to_owned(),
            DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            DataRef::DateTime(d) => date(d),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
            DataRef::Error(e) => e.to_string(),
            DataRef::Empty => String::new(),
        };
        rows.put(row as usize, column as usize, text)?;
    }
    Ok(Sheet { file: file.to_owned(), sheet: Some(name), format: Format::Xlsx, rows: rows.finish() })
}

/// A sheet of a workbook calamine reads whole (`.xls`, `.xlsb`, `.ods`):
/// numbers as the General format shows them.
fn dense<RS, B>(file: &str, book: &mut B, kind: Format, sheet: Option<&str>) -> Result<Sheet, SheetError>
where
    RS: std::io::Read + std::io::Seek,
    B: Reader<RS>,
    B::Error: std::fmt::Display,
{
    let name = choose(file, book.sheets_metadata(), sheet)?;
    let range = book.worksheet_range(&name).map_err(|e| SheetError::Workbook {
        file: file.to_owned(),
        kind: kind_name(kind),
        reason: e.to_string(),
    })?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut rows = Builder::new(file);
    for (r, c, value) in range.used_cells() {
        let text = match value {
            Data::Int(i) => i.to_string(),
            Data::Float(f) => number::shown(*f, None),
            Data::String(s) => s.clone(),
            Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            Data::DateTime(d) => date(d),
            Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Error(e) => e.to_string(),
            Data::Empty => String::new(),
        };
        rows.put(top as usize + r, left as usize + c, text)?;
    }
    Ok(Sheet { file: file.to_owned(), sheet: Some(name), format: kind, rows: rows.finish() })
}

/// A date or time cell as a day (`2023-03-05`), with its time of day when
/// it has one.
fn date(d: &calamine::ExcelDateTime) -> String {
    let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
    if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{day:02}")
    } else {
        format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}")
    }
}
