//! CSV import: a table a spreadsheet writes (any separator, headers in
//! English or Chinese in any order, cells quoted where they must be) reads
//! back cell for cell, and a changed byte of it is refused or reads as
//! another table, except a line break turned into another line break.

#![allow(clippy::unwrap_used)]

use ledger_engine::csv::{Column, Kind, Table, parse};
use proptest::prelude::*;
use std::path::Path;

/// The columns of a values table: the required ones and some optional
/// ones, each with one of its headers, in some order.
fn arb_columns() -> impl Strategy<Value = Vec<(String, Column)>> {
    let header = |c: Column, names: &'static [&'static str]| {
        prop::sample::select(names).prop_map(move |h| (h.to_owned(), c)).boxed()
    };
    let required = vec![
        header(Column::Unit, &["unit", "Unit", "单位", "区县"]),
        header(Column::Indicator, &["indicator", "INDICATOR", "指标"]),
        header(Column::Value, &["value", "数值", "实际值"]),
    ];
    let optional = prop::sample::subsequence(
        vec![
            (Column::Evidence, &["evidence", "证据"][..]),
            (Column::EvidenceTitle, &["evidence_title", "证据名称"][..]),
            (Column::Measure, &["measure", "计量单位"][..]),
            (Column::Note, &["note", "备注", "说明"][..]),
        ],
        0..=4,
    )
    .prop_flat_map(move |cs| cs.into_iter().map(|(c, names)| header(c, names)).collect::<Vec<_>>());
    (required, optional)
        .prop_map(|(mut r, o)| {
            r.extend(o);
            r
        })
        .prop_shuffle()
}

/// A cell as written: any text without control characters (so no line
/// breaks), separators and quotes included, without surrounding spaces.
fn arb_cell() -> impl Strategy<Value = String> {
    "[^\\p{Cc}]{0,12}".prop_map(|s| s.trim().to_owned())
}

#[derive(Debug, Clone)]
struct Written {
    columns: Vec<(String, Column)>,
    rows: Vec<Vec<String>>,
    bytes: Vec<u8>,
}

fn arb_written() -> impl Strategy<Value = Written> {
    (arb_columns(), prop::sample::select(&[b',', b';', b'\t'][..]))
        .prop_flat_map(|(columns, separator)| {
            let width = columns.len();
            let row = prop::collection::vec(arb_cell(), width)
                .prop_filter("a blank row", |r| r.iter().any(|c| !c.is_empty()));
            (Just(columns), Just(separator), prop::collection::vec(row, 1..5))
        })
        .prop_map(|(columns, separator, rows)| {
            let mut w = ::csv::WriterBuilder::new().delimiter(separator).from_writer(Vec::new());
            w.write_record(columns.iter().map(|(h, _)| h)).unwrap();
            for r in &rows {
                w.write_record(r).unwrap();
            }
            let bytes = w.into_inner().unwrap();
            Written { columns, rows, bytes }
        })
}

/// A table's header as written, and its cells (trimmed, `None` if empty).
type Cells = (Vec<(String, Column)>, Vec<Vec<Option<String>>>);

/// The table's header and cells, as `parse` gives them.
fn cells(t: &Table) -> Cells {
    let rows = t.rows.iter().map(|r| t.columns.iter().map(|(_, c)| r.get(*c).map(str::to_owned)).collect()).collect();
    (t.columns.clone(), rows)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// write -> parse gives the header and every cell back, each row on the
    /// line it was written on.
    #[test]
    fn written_tables_read_back(w in arb_written()) {
        let t = parse(&w.bytes, Kind::Values, Path::new(".")).unwrap();
        prop_assert_eq!(&t.columns, &w.columns);
        prop_assert_eq!(t.rows.len(), w.rows.len());
        for (i, (row, written)) in t.rows.iter().zip(&w.rows).enumerate() {
            prop_assert_eq!(row.line, i + 2);
            for ((_, c), cell) in w.columns.iter().zip(written) {
                prop_assert_eq!(row.get(*c), Some(cell.as_str()).filter(|s| !s.is_empty()));
            }
        }
    }

    /// A changed byte is refused, or changes the header or a cell; the only
    /// change that reads as the same table is a line break changed into
    /// another (or into spaces after the last cell).
    #[test]
    fn a_changed_byte_of_a_table_is_refused_or_another_table(
        w in arb_written(),
        position in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let original = cells(&parse(&w.bytes, Kind::Values, Path::new(".")).unwrap());
        let mut bytes = w.bytes.clone();
        let i = position.index(bytes.len());
        bytes[i] ^= mask;
        if let Ok(t) = parse(&bytes, Kind::Values, Path::new("."))
            && cells(&t) == original
        {
            prop_assert_eq!(w.bytes[i], b'\n', "byte {} ({:?}) changed to {:?}, same table", i, w.bytes[i] as char, bytes[i] as char);
        }
    }
}
