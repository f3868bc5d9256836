//! `ledger`: the command line of the assessment ledger.
//!
//! This is the only place that knows clap, terminal output and exit codes:
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | success; for `verify`, the ledger is intact |
//! | 1    | a check failed: `verify` found tampering, `audit` found findings |
//! | 2    | could not run: bad usage, bad input, a refused append, a missing or unreadable file |
//!
//! Results go to stdout, diagnostics (`error:`, `hint:`, warnings) to stderr.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod domain;
mod keys;
mod manual;
mod office;
mod output;
mod progress;
mod report;
mod serve;
mod tlog;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

/// The time events are signed at: this machine's clock, or `LEDGER_NOW`
/// (an RFC 3339 time with its offset) for a rehearsal of an assessment
/// calendar and for tests. Either way the ledger never lets time go
/// backwards: an event is never dated before the ledger's last record.
pub fn now() -> anyhow::Result<ledger_core::Timestamp> {
    match std::env::var("LEDGER_NOW") {
        Ok(text) => {
            let utc = ledger_core::time::zone("UTC").map_err(|e| anyhow::anyhow!("{e}"))?;
            Some(text.as_str())
                .filter(|t| t.contains('T'))
                .and_then(|t| ledger_core::Timestamp::parse_any(t, &utc).ok())
                .ok_or_else(|| {
                    anyhow::Error::new(UserError {
                        message: format!("LEDGER_NOW={text:?} is not a time"),
                        hint: Some(
                            "give an RFC 3339 time with its offset, e.g. 2023-03-01T09:00:00+08:00, or unset it".into(),
                        ),
                    })
                })
        }
        Err(_) => Ok(ledger_core::Timestamp::now()),
    }
}

/// An error a person can act on: a message, and optionally what to do.
#[derive(Debug)]
pub struct UserError {
    message: String,
    hint: Option<String>,
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// An error with a hint line.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    UserError { message: message.into(), hint: Some(hint.into()) }.into()
}

/// What a command that checks something concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything holds.
    Ok,
    /// A check failed (exit 1).
    Failed,
}

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(2),
            };
        }
    };
    match commands::run(args) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let node = e.chain().find_map(|c| c.downcast_ref::<ledger_node::Error>());
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {}", chain(&e));
            let hint = e
                .chain()
                .find_map(|c| c.downcast_ref::<UserError>())
                .and_then(|u| u.hint.as_deref())
                .or_else(|| node.and_then(ledger_node::Error::hint));
            if let Some(hint) = hint {
                let _ = writeln!(stderr, "hint: {hint}");
            }
            // Evidence of tampering found on the way is a failed check.
            let tampered = matches!(node, Some(ledger_node::Error::Tampered { .. }));
            if tampered { ExitCode::from(1) } else { ExitCode::from(2) }
        }
    }
}

fn chain(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
