//! Rendering records and reports for people (text) and programs (JSON).

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

    pub fn json(&mut self, value: &Value) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        serde_json::to_writer_pretty(&mut self.inner, value)?;
        writeln!(self.inner)
    }
}

/// One line of `ledger log`.
pub fn record_line(r: &Record) -> String {
    let env = &r.envelope;
    let summary = summarize(&Value::Object(env.data.clone()));
    format!(
        "{:>6}  {}  {}@{}  {}  by {}  {}  {}",
        r.seq,
        env.time,
        env.stream,
        env.version,
        env.event_type,
        env.author.key_id(),
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
