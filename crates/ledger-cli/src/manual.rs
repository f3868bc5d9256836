//! `ledger completions SHELL` and `ledger man`: the shell completion
//! scripts and the manual pages, both generated from the clap grammar of
//! `cli.rs`, so they can never describe another command line than this one.

use crate::Outcome;
use crate::cli::Cli;
use crate::output::Out;
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::path::Path;

/// `ledger completions SHELL`: the script on stdout.
pub fn completions(shell: clap_complete::Shell, out: &mut Out) -> Result<Outcome> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ledger", &mut script);
    out.bytes(&script)?;
    Ok(Outcome::Ok)
}

/// `ledger man [--out DIR]`: the page of `ledger` on stdout, or a page per
/// command (`ledger.1`, `ledger-report.1`, `ledger-key-authorize.1`...)
/// written into DIR.
pub fn man(dir: Option<&Path>, out: &mut Out) -> Result<Outcome> {
    let command = Cli::command();
    let Some(dir) = dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        out.bytes(&page)?;
        return Ok(Outcome::Ok);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clap_mangen::generate_to(command, dir)
        .with_context(|| format!("writing the manual pages into {}", dir.display()))?;
    let pages = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".1"))
        .count();
    out.line(format!(
        "{pages} manual page(s) in {} (read one with: man -l {}/ledger.1)",
        dir.display(),
        dir.display()
    ))?;
    Ok(Outcome::Ok)
}
