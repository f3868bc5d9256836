//! `ledger`: the command line of the assessment ledger.
//!
//! This is the only place that knows clap, terminal output and exit codes
//! (the table is in `ctx`). Results go to stdout, diagnostics (`error:`,
//! `hint:`, `note:`, warnings) to stderr.
//!
//! The modules: `cli` is the grammar's root and the dispatch; one module
//! per command group owns its commands' grammar and rendering (`records`,
//! `key`, `personal`, `verify`, `tlog`, `serve`, `demo`, `catalog`,
//! `period`, `values`, `objection`, `supervision`, `decision`, `project`,
//! `monitoring`, `scores`, `report`, `manual`); `ctx` is what they share
//! and imports none of them; `legacy` rewrites the old spellings of the
//! command line; `progress` draws the progress bars. No module imports
//! one that imports it (`tests/conventions.rs` reads the `crate::` paths).

#![forbid(unsafe_code)]

mod catalog;
mod cli;
mod ctx;
mod decision;
mod demo;
mod key;
mod legacy;
mod manual;
mod monitoring;
mod objection;
mod period;
mod personal;
mod progress;
mod project;
mod records;
mod report;
mod scores;
mod serve;
mod supervision;
mod tlog;
mod values;
mod verify;

use clap::{CommandFactory, Parser};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut grammar = cli::Cli::command();
    grammar.build();
    let rewritten = legacy::rewrite(std::env::args_os().collect(), &grammar);
    for note in &rewritten.notes {
        eprintln!("note: {note}; the old spelling works until the next release");
    }
    match cli::Cli::try_parse_from(rewritten.args) {
        Ok(args) => ctx::exit_code(cli::run(args)),
        Err(e) => ctx::usage_exit(&e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{cli, legacy};
    use clap::CommandFactory;
    use std::ffi::OsString;

    /// Every old spelling is rewritten to a command line of the grammar:
    /// its words a command path, its options that command's.
    #[test]
    fn every_old_spelling_becomes_a_command_line_of_the_grammar() {
        let mut grammar = cli::Cli::command();
        grammar.build();
        for (old, new) in legacy::spellings() {
            let args = std::iter::once("ledger").chain(old.split(' ')).map(OsString::from).collect();
            let rewritten = legacy::rewrite(args, &grammar);
            let words: Vec<String> = rewritten.args.iter().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
            assert_eq!(words.join(" "), new, "ledger {old}");
            assert!(!rewritten.notes.is_empty(), "ledger {old}: no note");
            let mut command = &grammar;
            for word in new.split(' ') {
                if let Some(long) = word.strip_prefix("--") {
                    let arg = command.get_arguments().find(|a| a.get_long() == Some(long));
                    assert!(arg.is_some_and(|a| !a.is_hide_set()), "ledger {new}: no option --{long}");
                } else if let Some(sub) = command.find_subcommand(word) {
                    command = sub;
                }
            }
            assert_ne!(command.get_name(), "ledger", "ledger {new}: no command");
        }
    }
}
