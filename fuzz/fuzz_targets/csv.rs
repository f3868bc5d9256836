//! CSV import (`ledger_engine::csv::parse`) for every kind of table, and the
//! events a parsed table turns into (`Table::submissions`, against the
//! embedded catalog and units).
#![no_main]

use ledger_engine::csv::{Column, Kind, parse};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    for kind in [Kind::Values, Kind::Targets, Kind::Corrections] {
        let Ok(table) = parse(data, kind, Path::new("/nonexistent-fuzz-dir")) else { continue };
        assert!(!table.rows.is_empty());
        // An evidence path is a file to read and hash: only hashes here.
        let reads_files = table.rows.iter().any(|r| {
            r.get(Column::Evidence).is_some_and(|e| e.len() != 64 || !e.bytes().all(|c| c.is_ascii_hexdigit()))
        });
        if reads_files {
            continue;
        }
        match table.submissions("2022", ledger_fuzz::full_domain()) {
            Ok(subs) => {
                assert_eq!(subs.len(), table.rows.len());
                for (_, sub) in &subs {
                    assert!(ledger_core::canonical::check_value(&serde_json::Value::Object(sub.data.clone())).is_ok());
                }
            }
            Err(e) => {
                let _ = table.name_column(e).to_string();
            }
        }
    }
});
