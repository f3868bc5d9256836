//! The offices' files as they are: a spreadsheet (`.xlsx`, `.xls`, `.ods`,
//! `.xlsb`) or a CSV file, read into a [`Sheet`]: a table of text cells,
//! each with the position the clerk sees it at (the file, the sheet, the row
//! number and the column letter).
//!
//! * **Workbooks** are read with calamine. The sheet is the one named, else
//!   the first visible one. A number is the text the spreadsheet shows: an
//!   `.xlsx` cell formatted `0.0` holding 40 reads `40.0`, one formatted
//!   `0.0%` holding 0.4 reads `40.0%`, one formatted `#,##0` reads
//!   `1,234` (the formats of `.xls` and `.ods` files are not read: their
//!   numbers read as the General format shows them, to 15 significant
//!   digits).
//! * **CSV** in UTF-8 with or without a byte-order mark, UTF-16 with one
//!   (what "Unicode text" exports), or else GB18030, the superset of GBK
//!   and GB2312 that Chinese Excel writes: the [`Encoding`] says which was
//!   assumed. Comma, semicolon or tab, told from the lines themselves.
//! * Rows keep their numbers (a CSV row is numbered by the line it starts
//!   on); blank rows are left out; cells are as written, spaces included.
//!
//! Non-features: no I/O (bytes in, table out), no knowledge of what the
//! columns mean (the engine's importer finds the header, skips a title row
//! above it, and reads the cells), no writing.
//!
//! ```
//! let sheet = ledger_sheet::read("values.csv", "单位,指标,数值\n商河县,15,708\n".as_bytes(), None).unwrap();
//! assert_eq!(sheet.rows[1].number, 2);
//! assert_eq!(sheet.rows[1].cells, ["商河县", "15", "708"]);
//! assert_eq!(sheet.at(&sheet.rows[1], 2), "values.csv, row 2, column C");
//! ```

#![forbid(unsafe_code)]

mod number;
mod text;
mod workbook;

pub use number::shown;

/// The most rows a sheet may hold (the engine's bound on a batch is
/// lower, and says so with its own message).
pub const MAX_ROWS: usize = 1_000_000;
/// The most columns a table may have: a cell further right is refused.
pub const MAX_COLUMNS: usize = 256;

/// A table of text cells read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The file as the user named it (`values.xlsx`, `-` for standard input).
    pub file: String,
    /// The sheet's name, for a workbook.
    pub sheet: Option<String>,
    /// What the file was.
    pub format: Format,
    /// The rows that hold something, in order.
    pub rows: Vec<Row>,
}

/// One row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its number as the clerk sees it: the spreadsheet's row number, or
    /// the line of a CSV file it starts on (1 is the first).
    pub number: usize,
    /// Its cells from column A on, as shown; trailing empty cells left out.
    pub cells: Vec<String>,
}

impl Row {
    /// The cell of column `i` (0 is A), empty when the row has none there.
    pub fn cell(&self, i: usize) -> &str {
        self.cells.get(i).map_or("", String::as_str)
    }
}

/// The kind of file a sheet was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A CSV file: its text encoding and its separator.
    Csv {
        /// The encoding the bytes were read in.
        encoding: Encoding,
        /// `,`, `;` or a tab.
        separator: char,
    },
    /// An Office Open XML workbook (`.xlsx`, `.xlsm`).
    Xlsx,
    /// A binary Excel workbook (`.xls`, Excel 97-2003).
    Xls,
    /// A binary Excel 2007 workbook (`.xlsb`).
    Xlsb,
    /// An OpenDocument spreadsheet (`.ods`).
    Ods,
}

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (what Excel's "CSV UTF-8" writes).
    Utf8Bom,
    /// UTF-16 with a byte-order mark (Excel's "Unicode text").
    Utf16,
    /// Not UTF-8: read as GB18030, which GBK and GB2312 are part of (what
    /// a Chinese Excel's plain "CSV" writes). Assumed, not marked in the file.
    Gb18030,
}

impl Encoding {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with a byte-order mark",
            Encoding::Utf16 => "UTF-16",
            Encoding::Gb18030 => "GB18030 (GBK)",
        }
    }

    /// True when the file does not say its encoding and one was assumed.
    pub fn assumed(self) -> bool {
        self == Encoding::Gb18030
    }
}

/// Why a file could not be read as a table. Every message names the file;
/// none quotes what it holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SheetError {
    /// The workbook has no sheet of that name.
    #[error("{file} has no sheet {name:?}; its sheets are {}", list(sheets))]
    NoSuchSheet {
        /// The file.
        file: String,
        /// The name asked for.
        name: String,
        /// The sheets it has.
        sheets: Vec<String>,
    },
    /// A sheet was named for a CSV file, which has none.
    #[error("{file} is a CSV file, which has no sheets (--sheet {name:?} is for a workbook)")]
    NotAWorkbook {
        /// The file.
        file: String,
        /// The name asked for.
        name: String,
    },
    /// The workbook has no worksheet at all.
    #[error("{file} has no worksheet")]
    NoSheets {
        /// The file.
        file: String,
    },
    /// The workbook could not be read (damaged, encrypted, not a workbook).
    #[error("{file} could not be read as a {kind} workbook: {reason}")]
    Workbook {
        /// The file.
        file: String,
        /// What it looked like.
        kind: &'static str,
        /// What the reader said.
        reason: String,
    },
    /// Neither UTF-8 nor GB18030.
    #[error(
        "{file}: row {row} is neither UTF-8 nor GB18030 (GBK) text: save the file as \"CSV UTF-8\" or as an .xlsx workbook"
    )]
    Encoding {
        /// The file.
        file: String,
        /// The first row that is not.
        row: usize,
    },
    /// A quoted field opened and never closed.
    #[error(
        "{file}, row {row}: a quoted field is never closed (an odd number of '\"' from there on); close the quote, or write a quote inside a quoted field as two quotes: \"\""
    )]
    UnclosedQuote {
        /// The file.
        file: String,
        /// The row where it opens.
        row: usize,
    },
    /// The CSV reader failed.
    #[error("{file}, row {row}: {reason}")]
    Csv {
        /// The file.
        file: String,
        /// The row.
        row: usize,
        /// What is wrong.
        reason: String,
    },
    /// More rows or columns than a table may have.
    #[error("{file}: {what}")]
    TooLarge {
        /// The file.
        file: String,
        /// What is too large.
        what: String,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
}

/// The letters of column `i` (0 is A, 26 is AA).
pub fn column_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

impl Sheet {
    /// Where a cell is: `values.xlsx, sheet 2023, row 5, column C`.
    pub fn at(&self, row: &Row, column: usize) -> String {
        format!("{}, column {}", self.row_at(row.number), column_letter(column))
    }

    /// Where a row is: `values.xlsx, sheet 2023, row 5`.
    pub fn row_at(&self, number: usize) -> String {
        format!("{}, row {number}", self.place())
    }

    /// The file, and the sheet of a workbook: `values.xlsx, sheet 2023`.
    pub fn place(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{}, sheet {s}", self.file),
            None => self.file.clone(),
        }
    }
}

/// Reads a file's bytes as a table: a workbook (told from its first bytes,
/// whatever the file is called) or else CSV text. `file` is how messages
/// name it; `sheet` picks a workbook's sheet by name (the first visible
/// one when `None`).
pub fn read(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Sheet, SheetError> {
    match workbook::kind(bytes) {
        Some(kind) => workbook::read(file, bytes, kind, sheet),
        None => {
            if let Some(name) = sheet {
                return Err(SheetError::NotAWorkbook { file: file.to_owned(), name: name.to_owned() });
            }
            text::read(file, bytes)
        }
    }
}

/// Adds a cell to a row being built: rows are kept in order, cells by
/// column; empty cells are not stored.
pub(crate) struct Builder {
    file: String,
    rows: Vec<Row>,
}

impl Builder {
    pub(crate) fn new(file: &str) -> Builder {
        Builder { file: file.to_owned(), rows: Vec::new() }
    }

    /// Puts `text` at `(row, column)`, 0-based; rows arrive in order.
    pub(crate) fn put(&mut self, row: usize, column: usize, text: String) -> Result<(), SheetError> {
        if text.is_empty() {
            return Ok(());
        }
        if column >= MAX_COLUMNS {
            return Err(SheetError::TooLarge {
                file: self.file.clone(),
                what: format!(
                    "row {}, column {} holds something, beyond the {MAX_COLUMNS} columns a table may have",
                    row + 1,
                    column_letter(column)
                ),
            });
        }
        let number = row + 1;
        let at = match self.rows.iter().rposition(|r| r.number <= number) {
            Some(i) if self.rows[i].number == number => i,
            found => {
                if self.rows.len() >= MAX_ROWS {
                    return Err(SheetError::TooLarge {
                        file: self.file.clone(),
                        what: format!("more than {MAX_ROWS} rows"),
                    });
                }
                let i = found.map_or(0, |i| i + 1);
                self.rows.insert(i, Row { number, cells: Vec::new() });
                i
            }
        };
        let cells = &mut self.rows[at].cells;
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        cells[column] = text;
        Ok(())
    }

    pub(crate) fn finish(self) -> Vec<Row> {
        self.rows
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn columns_are_lettered_as_spreadsheets_do() {
        let letters: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702].iter().map(|&i| column_letter(i)).collect();
        assert_eq!(letters, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn a_sheet_named_for_a_csv_file_is_refused() {
        let e = read("v.csv", b"a,b\n", Some("2023")).unwrap_err();
        assert_eq!(e.to_string(), "v.csv is a CSV file, which has no sheets (--sheet \"2023\" is for a workbook)");
    }
}
