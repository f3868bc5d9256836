//! `ledger completions SHELL` and `ledger man`: the shell completion
//! scripts, the manual pages and the Markdown reference (docs/CLI.md), all
//! generated from the clap grammar of `cli.rs`, so they can never describe
//! another command line than this one.

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

/// How docs/CLI.md is made again; its first line says so, and so does the
/// test that compares it with the grammar.
pub const REGENERATE: &str = "cargo run -- man --markdown > docs/CLI.md";

/// `ledger man --markdown`: every command's about line, usage, arguments,
/// options and examples as one Markdown document (docs/CLI.md), made by
/// clap-markdown with each "Examples:" section as a shell code block.
pub fn markdown(out: &mut Out) -> Result<Outcome> {
    let options =
        clap_markdown::MarkdownOptions::new().title("The `ledger` command line".to_owned()).show_footer(false);
    let text = clap_markdown::help_markdown_command_custom(&examples_as_code(Cli::command()), &options);
    let mut page = format!(
        "<!-- Generated from the grammar by `ledger man --markdown`: do not edit; regenerate with `{REGENERATE}`. -->\n\n"
    );
    page.push_str(text.trim_end());
    page.push('\n');
    out.bytes(page.as_bytes())?;
    Ok(Outcome::Ok)
}

/// The command tree with every after-help text (the examples) rewritten
/// for Markdown: lines indented under a heading such as `Examples:` become
/// a shell code block, so that they are not folded into one paragraph.
fn examples_as_code(command: clap::Command) -> clap::Command {
    let command = match command.get_after_help().map(|text| code_blocks(&text.to_string())) {
        Some(text) => command.after_help(text),
        None => command,
    };
    command.mut_subcommands(examples_as_code)
}

fn code_blocks(text: &str) -> String {
    let mut markdown = String::new();
    let mut in_code = false;
    for line in text.lines() {
        match line.strip_prefix("  ") {
            Some(code) => {
                if !in_code {
                    markdown.push_str("```sh\n");
                    in_code = true;
                }
                markdown.push_str(code);
            }
            None => {
                if in_code {
                    markdown.push_str("```\n");
                    in_code = false;
                }
                if line.ends_with(':') {
                    markdown.push_str(&format!("**{line}**\n"));
                } else {
                    markdown.push_str(line);
                }
            }
        }
        markdown.push('\n');
    }
    if in_code {
        markdown.push_str("```\n");
    }
    markdown.trim_end().to_owned()
}
