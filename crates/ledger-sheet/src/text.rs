//! CSV files: their encoding, their separator, their rows.

use crate::{Builder, Encoding, Format, Sheet, SheetError};

/// The text of the bytes, and the encoding it was read in: a byte-order
/// mark says (UTF-8, UTF-16); else UTF-8 if the bytes are; else GB18030.
fn decode(file: &str, bytes: &[u8]) -> Result<(String, Encoding), SheetError> {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((text.to_owned(), Encoding::Utf8Bom)),
            Err(e) => Err(SheetError::Encoding { file: file.to_owned(), row: line_of(rest, e.valid_up_to()) }),
        };
    }
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes)
        && encoding != encoding_rs::UTF_8
    {
        let (text, malformed) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if malformed {
            return Err(SheetError::Encoding { file: file.to_owned(), row: 1 });
        }
        return Ok((text.into_owned(), Encoding::Utf16));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_owned(), Encoding::Utf8)),
        Err(_) => {
            let (text, malformed) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if malformed {
                let row = text.split('\n').position(|l| l.contains('\u{fffd}')).map_or(1, |i| i + 1);
                return Err(SheetError::Encoding { file: file.to_owned(), row });
            }
            Ok((text.into_owned(), Encoding::Gb18030))
        }
    }
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The separator the lines use: of comma, semicolon and tab, the one that
/// splits the most lines into the same number of cells (a title line above
/// the header has none; a note may hold a comma in a tab-separated file).
fn separator(text: &str) -> u8 {
    let mut best = (0usize, 0usize, b',');
    for sep in [b',', b';', b'\t'] {
        let mut counts: Vec<usize> = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()).take(50) {
            let mut quoted = false;
            let mut n = 0;
            for b in line.bytes() {
                match b {
                    b'"' => quoted = !quoted,
                    b if b == sep && !quoted => n += 1,
                    _ => {}
                }
            }
            if n > 0 {
                counts.push(n);
            }
        }
        // The most frequent count, and how many lines have it.
        counts.sort_unstable();
        let mut mode = (0usize, 0usize);
        for chunk in counts.chunk_by(|a, b| a == b) {
            if chunk.len() > mode.0 || (chunk.len() == mode.0 && chunk[0] > mode.1) {
                mode = (chunk.len(), chunk[0]);
            }
        }
        if mode > (best.0, best.1) {
            best = (mode.0, mode.1, sep);
        }
    }
    best.2
}

/// Reads CSV bytes into a sheet.
pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<Sheet, SheetError> {
    let (text, encoding) = decode(file, bytes)?;
    // Quotes come in pairs (RFC 4180: a quote inside a quoted field is
    // doubled): an odd count means a field opened and never closed, which
    // the reader would take to run to the end of the file.
    if text.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
        let row = text
            .split('\n')
            .scan(0usize, |quotes, l| {
                *quotes += l.bytes().filter(|&b| b == b'"').count();
                Some(*quotes % 2 == 1)
            })
            .position(|open| open)
            .map_or(0, |i| i + 1);
        return Err(SheetError::UnclosedQuote { file: file.to_owned(), row });
    }
    let sep = separator(&text);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(sep).from_reader(text.as_bytes());
    let mut rows = Builder::new(file);
    let mut record = csv::StringRecord::new();
    // The line a record starts on, counted here: the reader's position of a
    // record after a blank line is that of the blank line.
    let (mut line, mut counted) = (1usize, 0usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let bytes = text.as_bytes();
                let mut start = record.position().map_or(counted, |p| p.byte() as usize).max(counted);
                while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
                    start += 1;
                }
                line += bytes[counted..start].iter().filter(|&&b| b == b'\n').count();
                counted = start;
                for (i, cell) in record.iter().enumerate() {
                    rows.put(line.saturating_sub(1), i, cell.to_owned())?;
                }
            }
            Err(e) => {
                let row = e.position().map_or(0, |p| p.line() as usize);
                return Err(SheetError::Csv { file: file.to_owned(), row, reason: e.to_string() });
            }
        }
    }
    Ok(Sheet {
        file: file.to_owned(),
        sheet: None,
        format: Format::Csv { encoding, separator: char::from(sep) },
        rows: rows.finish(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn cells(s: &Sheet) -> Vec<(usize, Vec<&str>)> {
        s.rows.iter().map(|r| (r.number, r.cells.iter().map(String::as_str).collect())).collect()
    }

    #[test]
    fn utf8_with_and_without_a_bom_gbk_and_utf16_read_alike() {
        let text = "单位,指标,数值,备注\n商河县,15,708,\"进出口, 含转口\"\n";
        let plain = read("v.csv", text.as_bytes()).unwrap();
        assert_eq!(plain.format, Format::Csv { encoding: Encoding::Utf8, separator: ',' });
        assert_eq!(
            cells(&plain),
            [(1, vec!["单位", "指标", "数值", "备注"]), (2, vec!["商河县", "15", "708", "进出口, 含转口"])]
        );
        let bom = read("v.csv", &[b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat()).unwrap();
        assert_eq!(bom.format, Format::Csv { encoding: Encoding::Utf8Bom, separator: ',' });
        assert_eq!(bom.rows, plain.rows);
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable);
        let gbk = read("v.csv", &gbk).unwrap();
        assert_eq!(gbk.format, Format::Csv { encoding: Encoding::Gb18030, separator: ',' });
        assert!(Encoding::Gb18030.assumed());
        assert_eq!(gbk.rows, plain.rows);
        let mut utf16 = vec![0xff, 0xfe];
        for u in text.replace(',', "\t").encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        let utf16 = read("v.txt", &utf16).unwrap();
        assert_eq!(utf16.format, Format::Csv { encoding: Encoding::Utf16, separator: '\t' });
        assert_eq!(utf16.rows[0], plain.rows[0]);
    }

    #[test]
    fn bytes_that_are_no_text_name_the_row() {
        let e = read("v.csv", b"unit,indicator,value\nlixia,1,\x80\xff\n").unwrap_err();
        assert_eq!(e, SheetError::Encoding { file: "v.csv".into(), row: 2 });
        assert!(e.to_string().starts_with("v.csv: row 2 is neither UTF-8 nor GB18030"), "{e}");
        let e = read("v.csv", b"\xef\xbb\xbfunit\n\xff\n").unwrap_err();
        assert_eq!(e, SheetError::Encoding { file: "v.csv".into(), row: 2 });
    }

    #[test]
    fn the_separator_is_told_from_the_lines_a_title_line_aside() {
        let s = read("v.csv", "2023年各区县指标\n\n单位;指标;数值\n商河县;15;708,5\n".as_bytes()).unwrap();
        assert_eq!(s.format, Format::Csv { encoding: Encoding::Utf8, separator: ';' });
        assert_eq!(
            cells(&s),
            [(1, vec!["2023年各区县指标"]), (3, vec!["单位", "指标", "数值"]), (4, vec!["商河县", "15", "708,5"])]
        );
        let s =
            read("v.csv", "unit\tindicator\tvalue\tnote\nlixia\t1\t2\ta, b, c, d\nlixia\t2\t3\t\n".as_bytes()).unwrap();
        assert_eq!(s.format, Format::Csv { encoding: Encoding::Utf8, separator: '\t' });
        // Cells as written: spaces kept; trailing empty cells left out; blank rows too.
        let s = read("v.csv", b"unit,value\n lixia , 1 ,,\n,,\n").unwrap();
        assert_eq!(cells(&s), [(1, vec!["unit", "value"]), (2, vec![" lixia ", " 1 "])]);
    }

    #[test]
    fn an_unclosed_quote_names_its_row() {
        let e = read("v.csv", b"unit,value\nlixia,\"1\nlixia,2\n").unwrap_err().to_string();
        assert!(e.starts_with("v.csv, row 2: a quoted field is never closed"), "{e}");
    }
}
