//! Rendering records and reports for people (text) and programs (JSON).

use ledger_core::authority::Authority;
use ledger_core::{RawRecord, Record};
use serde_json::{Value, json};
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

/// The JSON form of a decoded record.
pub fn record_json(r: &Record, authority: Option<&Authority>) -> Value {
    let env = &r.envelope;
    let holder = authority.and_then(|a| a.key(&env.author)).map(|k| k.holder.clone());
    json!({
        "seq": r.seq,
        "hash": r.hash.to_hex(),
        "prev": r.prev.to_hex(),
        "origin": env.origin,
        "stream": env.stream,
        "version": env.version,
        "type": env.event_type,
        "schema": env.schema,
        "id": env.id,
        "time": env.time.to_string(),
        "signer": env.author.key_id().to_string(),
        "author": env.author.to_hex(),
        "holder": holder,
        "signatures": r.signatures.iter().map(|s| json!({"key_id": s.key.key_id().to_string(), "key": s.key.to_hex(), "sig": hex::encode(s.sig.0)})).collect::<Vec<_>>(),
        "data": Value::Object(env.data.clone()),
    })
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

fn summarize(data: &Value) -> String {
    let text = serde_json::to_string(data).unwrap_or_default();
    if text.chars().count() > 80 { format!("{}...", text.chars().take(77).collect::<String>()) } else { text }
}
