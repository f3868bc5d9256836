//! Rendering records and reports for people (text) and programs (JSON).

use ledger_core::time::Zone;
use ledger_core::{RawRecord, Record};
use serde_json::Value;
use std::io::Write;

/// A stdout that stays silent under `--quiet`.
pub struct Out {
    quiet: bool,
    inner: std::io::StdoutLock<'static>,
}

impl Out {
    pub fn new(quiet: bool) -> Out {
        Out { quiet, inner: std::io::stdout().lock() }
    }

    pub fn line(&mut self, text: impl AsRef<str>) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        writeln!(self.inner, "{}", text.as_ref())
    }

    pub fn bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        self.inner.write_all(bytes)
    }

    pub fn json(&mut self, value: &Value) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        serde_json::to_writer_pretty(&mut self.inner, value)?;
        writeln!(self.inner)
    }
}

/// A UTC time as stored (`2023-03-15T15:59:59Z`), as a person reads it in
/// the ledger's zone (`2023-03-15 23:59:59 +08:00`).
pub fn local(utc: &str, zone: &Zone) -> String {
    utc.parse::<ledger_core::Timestamp>().map_or_else(|_| utc.to_owned(), |t| t.local(zone))
}

/// One line of `ledger log`, its time in the ledger's zone.
pub fn record_line(r: &Record, zone: &Zone, holder: Option<&str>) -> String {
    let env = &r.envelope;
    let summary = summarize(&Value::Object(env.data.clone()));
    let signer = match holder {
        Some(h) => format!("{} ({h})", env.author.key_id()),
        None => env.author.key_id().to_string(),
    };
    format!(
        "{:>6}  {}  {}@{}  {}  by {}  {}  {}",
        r.seq,
        env.time.local(zone),
        env.stream,
        env.version,
        env.event_type,
        signer,
        &r.hash.to_hex()[..16],
        summary
    )
}

/// A record that does not decode, for `log` and `show`.
pub fn undecodable_line(raw: &RawRecord, why: &str) -> String {
    format!("{:>6}  (undecodable: {why}; run `ledger verify`)", raw.seq)
}

/// A payload in one line of at most 80 characters.
pub fn summarize(data: &Value) -> String {
    let text = serde_json::to_string(data).unwrap_or_default();
    if text.chars().count() > 80 { format!("{}...", text.chars().take(77).collect::<String>()) } else { text }
}

/// Lines of a table aligned by the width a terminal gives each character
/// (a Chinese character takes two columns; comfy-table measures them), no
/// borders, two spaces between columns, the columns in `right` aligned
/// right, no trailing spaces.
pub fn table(header: Option<&[&str]>, rows: Vec<Vec<String>>, right: &[usize]) -> Vec<String> {
    use comfy_table::{CellAlignment, ContentArrangement, Table, presets::NOTHING};
    let mut t = Table::new();
    t.load_preset(NOTHING).set_content_arrangement(ContentArrangement::Disabled);
    if let Some(h) = header {
        t.set_header(h.iter().copied());
    }
    for row in rows {
        t.add_row(row);
    }
    let columns = t.column_count();
    for (i, column) in t.column_iter_mut().enumerate() {
        column.set_padding((0, if i + 1 == columns { 0 } else { 2 }));
        if right.contains(&i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    t.lines().map(|l| l.trim_end().to_owned()).collect()
}
