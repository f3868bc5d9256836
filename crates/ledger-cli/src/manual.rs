//! `ledger completions SHELL` and `ledger man`: the shell completion
//! scripts, the manual pages and the Markdown reference (docs/CLI.md), all
//! generated from the grammar they are given (`cli.rs` passes its own), so
//! they can never describe another command line than this one; and the
//! option vocabulary, which docs/CLI.md states and `tests/conventions.rs`
//! holds every command to.

use crate::ctx::{Out, Outcome};
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a shell completion script on stdout.
    #[command(after_help = "Examples:
  ledger completions bash > ~/.local/share/bash-completion/completions/ledger
  ledger completions zsh > ~/.zfunc/_ledger
  ledger completions fish > ~/.config/fish/completions/ledger.fish
  ledger completions powershell >> $PROFILE")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (roff), one per command, or the command reference in Markdown, generated from this grammar.
    #[command(after_help = "Examples:
  ledger man --dir man/ && man -l man/ledger-report.1
  ledger man | man -l -          # the page of `ledger` itself
  ledger man --markdown > docs/CLI.md")]
    Man {
        /// The folder to write ledger.1, ledger-report.1, ... into (created if missing); without it, the page of `ledger` on stdout.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Print the reference of every command (the option vocabulary; each command's about, usage, options and examples) as one Markdown document instead: docs/CLI.md.
        #[arg(long, conflicts_with = "dir")]
        markdown: bool,
    },
}

/// Runs `completions` or `man` on `grammar`, the whole command tree.
pub fn run(grammar: clap::Command, command: Command, out: &mut Out) -> Result<Outcome> {
    match command {
        Command::Completions { shell } => completions(grammar, shell, out),
        Command::Man { markdown: true, .. } => markdown(grammar, out),
        Command::Man { dir, markdown: false } => man(grammar, dir.as_deref(), out),
    }
}

/// `ledger completions SHELL`: the script on stdout.
fn completions(mut grammar: clap::Command, shell: clap_complete::Shell, out: &mut Out) -> Result<Outcome> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut grammar, "ledger", &mut script);
    out.bytes(&script)?;
    Ok(Outcome::Ok)
}

/// `ledger man [--dir DIR]`: the page of `ledger` on stdout, or a page per
/// command (`ledger.1`, `ledger-report.1`, `ledger-key-authorize.1`...)
/// written into DIR.
fn man(command: clap::Command, dir: Option<&Path>, out: &mut Out) -> Result<Outcome> {
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
const REGENERATE: &str = "cargo run -- man --markdown > docs/CLI.md";

/// `ledger man --markdown`: every command's about line, usage, arguments,
/// options and examples as one Markdown document (docs/CLI.md), made by
/// clap-markdown with each "Examples:" section as a shell code block.
fn markdown(grammar: clap::Command, out: &mut Out) -> Result<Outcome> {
    let options =
        clap_markdown::MarkdownOptions::new().title("The `ledger` command line".to_owned()).show_footer(false);
    let text = clap_markdown::help_markdown_command_custom(&examples_as_code(grammar.clone()), &options);
    let text = match text.split_once("**Command Overview:**") {
        Some((intro, rest)) => format!("{intro}{}**Command Overview:**{rest}", vocabulary(&grammar)),
        None => text,
    };
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

/// One word of the option vocabulary: an option's long name (and short
/// one), the value it takes (`[]` for a flag; two names when it takes
/// either, e.g. a sequence number or a date) and what it means in every
/// command that takes it.
#[derive(Debug)]
struct Word {
    long: &'static str,
    short: Option<char>,
    values: &'static [&'static str],
    meaning: &'static str,
}

const fn word(long: &'static str, values: &'static [&'static str], meaning: &'static str) -> Word {
    Word { long, short: None, values, meaning }
}

const fn short(short: char, long: &'static str, values: &'static [&'static str], meaning: &'static str) -> Word {
    Word { long, short: Some(short), values, meaning }
}

/// What the values of the options are.
const VALUES: &[(&str, &str)] = &[
    ("FILE", "a file the command reads, or writes whole (a temporary file renamed over it)"),
    ("DIR", "a folder the command writes into or keeps its state in (created if missing)"),
    ("PATH", "a file path: the ledger database, a copy of it, or a key pair's path without extension"),
    ("KEY", "a private key file (`.key`, PKCS#8 PEM, mode 0600) that signs what the command writes"),
    ("PUB", "a public key file (`.pub`)"),
    ("VKEY", "a signed-note verifier key (`<name>+<key id>+<base64>`), or a file holding one"),
    ("SEQ", "a record's sequence number (0 is the genesis record)"),
    ("DATE", "a day, YYYY-MM-DD, in the ledger's time zone (to its end where it closes a window)"),
    ("TIME", "an RFC 3339 time, or a DATE"),
    ("HEX", "a hash or salt in hex (64 digits)"),
    ("URL", "an http(s) URL"),
    ("N", "a whole number"),
];

/// Every option of the command line, and its one meaning. A test
/// (`tests/conventions.rs`) walks the command tree and holds every option
/// of every command to this table: the same value, the same short name,
/// no name both a flag and an option with a value, no name missing here
/// and none here that no command takes.
const VOCABULARY: &[Word] = &[
    // Every command.
    word("db", &["PATH"], "the ledger database (default: $LEDGER_DB, else ledger/ledger.db)"),
    short('q', "quiet", &[], "print nothing on stdout; the exit code still tells"),
    word("no-cache", &[], "keep nothing of the ledger on this machine (also $LEDGER_NO_CACHE)"),
    word(
        "max-clock-skew",
        &["DURATION"],
        "how far after this machine's clock an appended event may be dated (300, 90s, 5m, 2h, 1d)",
    ),
    short('h', "help", &[], "print the command's help, ending with examples"),
    short('V', "version", &[], "print the version, the git commit and the formats"),
    // Output.
    word("json", &[], "one JSON object on stdout (docs/JSON.md)"),
    short('o', "out", &["FILE"], "the file to write the result to"),
    word("dir", &["DIR"], "the folder the command writes into or keeps its state in"),
    word("format", &["FORMAT"], "the form of the result, from the command's list (JSON is always --json)"),
    word("lang", &["LANG"], "the language of a document: zh, en or both"),
    word("markdown", &[], "Markdown instead of roff"),
    // Keys and signatures.
    word("key", &["KEY"], "the private key that signs what the command writes (its author); the command says whose"),
    word("cosign", &["KEY"], "a further private key that co-signs (root keys up to the threshold); repeat for each"),
    word("authority", &["KEY"], "the city authority office's private key, which signs a unit key's binding"),
    word("log-key", &["KEY"], "the log's private key (role `log`), which signs checkpoints"),
    word("log-vkey", &["VKEY"], "the log's verifier key (`ledger key export log --format vkey`), or a file holding it"),
    word("witness", &["VKEY"], "a witness's verifier key (cosignature/v1), or a file holding it; repeat for each"),
    word(
        "witness-policy",
        &["FILE"],
        "a witness policy (c2sp.org/tlog-policy): the logs trusted and the quorum of witnesses",
    ),
    word("quorum", &["N"], "how many of the --witness keys must have cosigned"),
    word("name", &["NAME"], "the name in a verifier key or cosignature: the ledger's origin, or a witness's name"),
    word("kind", &["KIND"], "which kind of the thing the command writes or prints, from the command's list"),
    word("pub", &["PUB"], "the public key file of the key a governance event is about"),
    word("root", &["PUB"], "a further root public key at genesis; repeat for each"),
    word("new-root", &["PUB"], "a new root public key; repeat for each"),
    word("trust", &["PUB"], "a root public key the genesis record must name; repeat for each"),
    word("holder", &["HOLDER"], "the office or person holding a key"),
    word(
        "role",
        &["ROLE"],
        "a role a key is authorised for (statistics, assessment, authority, unit, log, ...); repeat for several",
    ),
    word("role-table", &["FILE"], "the role table: a JSON object of role -> event types"),
    word("threshold", &["N"], "root signatures needed on governance events"),
    word("prefix", &["PATH"], "a key pair's path without extension: PREFIX.key and PREFIX.pub"),
    word("compromised", &[], "the private key is (or may be) in other hands"),
    // Which records, and when.
    word("since", &["SEQ", "DATE"], "the first record, or the first day, included"),
    word("until", &["DATE"], "the last day included (to its end)"),
    word(
        "as-of",
        &["SEQ|TIME"],
        "as the ledger stood at this record or time (a date as written: 2023-03-05, 2023/3/5, 2023年3月5日)",
    ),
    word("limit", &["N"], "at most this many"),
    word("stream", &["STREAM"], "a stream, exactly: period/2022, unit/shanghe, catalog, ledger, ..."),
    word("type", &["TYPE"], "an event type, e.g. measurement_corrected"),
    word("signer", &["SIGNER"], "a key by id, public key, .pub file or part of its holder's name"),
    word("record", &["SEQ"], "the record (its sequence number) that holds a personal-data commitment"),
    word("record-hash", &["HEX"], "a record's hash"),
    word("expect-head", &["HEX"], "a record hash the ledger must still contain"),
    // The ledger, its copies and the verifiable log.
    word("origin", &["ORIGIN"], "the ledger's unique name, e.g. jinan.example/assessment-ledger"),
    word("signed", &[], "the input holds events already signed (`ledger sign`)"),
    word("copy", &["PATH"], "a copy of the ledger, read only"),
    word("server", &["URL"], "the ledger's HTTP service (`ledger serve`)"),
    word(
        "tiles",
        &["URL|DIR"],
        "a log published as tiles: the URL of `ledger serve` (or any web server), or a folder `export-tiles` wrote",
    ),
    word("checkpoint", &["FILE"], "a signed checkpoint the ledger must be consistent with"),
    word("state", &["FILE"], "a state file: the newest checkpoint an inspector or witness has seen, moved forward"),
    word("from", &["FILE"], "the older signed checkpoint of a consistency proof"),
    word("to", &["FILE"], "the newer signed checkpoint of a consistency proof"),
    word("to-latest", &[], "to the latest checkpoint recorded in the ledger"),
    word("proof", &["FILE"], "a consistency proof (`ledger consistency`)"),
    word("bundle", &[], "a self-contained proof: the record, its proof and the log's verifier key"),
    word("submit", &[], "send the cosignature to the service"),
    word("rebuild-tree", &[], "rebuild the Merkle tree table from the records"),
    word("erase-redacted", &[], "erase the personal data the ledger says was redacted"),
    // The service.
    word("listen", &["ADDR"], "the address to listen on"),
    word("timeout", &["SECONDS"], "the longest one request may take"),
    word("header-timeout", &["SECONDS"], "how long a connection may take to send a request's headers"),
    word("idle-timeout", &["SECONDS"], "how long a connection may go with no byte moving"),
    word("shutdown-grace", &["SECONDS"], "how long requests in flight get at SIGTERM"),
    word("max-body", &["BYTES"], "the most bytes one request body may hold"),
    word("max-buffered", &["BYTES"], "the bytes of request bodies held at once"),
    word("max-connections", &["N"], "connections open at once"),
    word("max-concurrent", &["N"], "requests handled at once"),
    word("tls-cert", &["FILE"], "the TLS certificate chain (PEM, leaf first)"),
    word("tls-key", &["FILE"], "the TLS certificate's private key (PEM, mode 0600)"),
    word("insecure-plain-http", &[], "plain HTTP on an address other than a loopback one"),
    // The assessment.
    word("period", &["PERIOD"], "an assessment period by id, e.g. 2022 or 2022年 (a reporting period: 2023-H1)"),
    word("year", &["YEAR"], "the year a period assesses"),
    word("round", &["ROUND"], "a monitoring round of a period, e.g. 2023-Q1"),
    word("unit", &["UNIT"], "an assessed unit by id, Chinese or English name (商河县, shanghe)"),
    word("units", &["UNITS"], "units as for --unit, comma-separated"),
    word("indicator", &["INDICATOR"], "an indicator by id, Table 1 number or name"),
    word("indicators", &["INDICATORS"], "indicators as for --indicator, comma-separated"),
    word("policy", &["ID@VERSION"], "a scoring policy adopted in the ledger"),
    word(
        "id",
        &["ID"],
        "the id of the thing the command writes or acts on (one is made up when a new one is left out)",
    ),
    word("target", &["ID"], "the id of the reward or action rescinded"),
    word("action", &["ID"], "the id of the accountability action answered"),
    word("finding", &["FINDING"], "a supervision finding's id"),
    word("value", &["VALUE"], "a value, as a decimal"),
    word("proposed-value", &["VALUE"], "the value an objector says is right"),
    word("corrected-value", &["VALUE"], "the value an upheld objection sets"),
    word("amount", &["AMOUNT"], "an amount in 万元 (10k yuan), as a decimal"),
    word("reason", &["REASON"], "why, in words"),
    word("basis", &["BASIS"], "the basis stated: a clause, an approval, a report"),
    word("text", &["TEXT"], "what was done or found, in words"),
    word("note", &["NOTE"], "a remark"),
    word("claim", &["CLAIM"], "what an objection claims"),
    word("summary", &["SUMMARY"], "an evaluation's findings"),
    word("upheld", &[], "the objection is right"),
    word("dismissed", &[], "the objection is wrong"),
    word("window-until", &["DATE"], "the last day objections may be filed"),
    word("allow-incomplete", &[], "publish although values are missing"),
    word("allow-unverified", &[], "show the numbers of a ledger that fails verification, marked UNVERIFIED"),
    word("corrections", &[], "the table corrects submitted values"),
    word("sheet", &["SHEET"], "the sheet of a workbook to read (default: the first visible one)"),
    word(
        "check",
        &[],
        "decide every row against the ledger as it stands, with every rule the command applies, and write nothing",
    ),
    word("due", &["DATE"], "the day something is due"),
    word("follow-up-due", &["DATE"], "the day a finding is to be put right by"),
    word("date", &["DATE"], "the day something happened"),
    word("severity", &["SEVERITY"], "how serious a finding is: minor, major, serious"),
    word("trend", &[], "every unit's composite across every period"),
    word("all-periods", &[], "every period of the ledger"),
    word("person-name", &["NAME"], "the official an action names (kept beside the ledger, erasable)"),
    word("person-detail", &["KEY=VALUE"], "more about that official; repeat for each"),
    word("details", &["JSON"], "personal details as a JSON object of strings"),
    word("salt", &["HEX"], "a commitment's salt"),
    // The project library and the plan's monitoring.
    word("stage", &["STAGE"], "a stage of the project library: reserve, preparatory, construction"),
    word("name-zh", &["NAME"], "a Chinese name"),
    word("name-en", &["NAME"], "an English name"),
    word("title-zh", &["TITLE"], "a Chinese title"),
    word("title-en", &["TITLE"], "an English title"),
    word("sector", &["SECTOR"], "a project's sector"),
    word("planned-investment", &["AMOUNT"], "a project's planned total investment, 万元"),
    word("investment", &["AMOUNT"], "investment completed in a period, 万元"),
    word("milestone", &["MILESTONE"], "the milestone reached"),
    word("evidence", &["HEX"], "an evidence document: its BLAKE3 hash"),
    word("evidence-title", &["TITLE"], "the evidence document's title"),
    word("approved-by", &["OFFICE"], "the approving office"),
    word("demotion-reason", &["REASON"], "why a project moves back a stage"),
    word("rating", &["RATING"], "an evaluation's rating"),
    word("lead-office", &["OFFICE"], "the office that leads a measure"),
    word("source", &["SOURCE"], "where the plan sets a measure, e.g. \"plan line 612\""),
    word("status", &["STATUS"], "where a measure stands: planned, in-progress, done"),
    word("supplied-ha", &["HA"], "land supplied for construction, hectares"),
    word("used-ha", &["HA"], "land used by the plan's projects, hectares"),
    word("projects", &["IDS"], "project ids, comma-separated"),
    // The benchmark.
    word("records", &["N"], "records in the benchmark ledger"),
    word("batch", &["N"], "events per append transaction"),
];

/// Every command of `grammar` as its path of names (`["key", "authorize"]`), the root first.
fn commands(grammar: &clap::Command) -> Vec<(Vec<String>, &clap::Command)> {
    let mut found = vec![(Vec::new(), grammar)];
    let mut i = 0;
    while i < found.len() {
        let (path, command) = found[i].clone();
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
            let mut p = path.clone();
            p.push(sub.get_name().to_owned());
            found.push((p, sub));
        }
        i += 1;
    }
    found
}

/// The vocabulary as a Markdown section: what each kind of value is, and
/// the table of options with the commands that take each.
fn vocabulary(grammar: &clap::Command) -> String {
    let mut grammar = grammar.clone();
    grammar.build();
    let all = commands(&grammar);
    let mut text = String::from(
        "## The option vocabulary\n\nEvery option means one thing in every command that takes it, and takes the same kind of value; a command that needs another meaning has another option. A test (`tests/conventions.rs`) holds every command to this table. The spellings of the previous release (its command paths and option names) still work for one release, shown nowhere: each prints a `note:` on stderr naming the new spelling, then runs as it.\n\nValues:\n\n",
    );
    for (name, meaning) in VALUES {
        text.push_str(&format!("* `{name}`: {meaning}\n"));
    }
    text.push_str("\n| option | value | meaning | commands |\n|---|---|---|---|\n");
    for w in VOCABULARY {
        let users: Vec<String> = all
            .iter()
            .filter(|(_, c)| c.get_arguments().any(|a| !a.is_hide_set() && a.get_long() == Some(w.long)))
            .map(|(p, _)| if p.is_empty() { "ledger".to_owned() } else { p.join(" ") })
            .collect();
        let commands = if users.len() + 1 >= all.len() {
            "every command".to_owned()
        } else if users.len() > 6 {
            format!("{} and {} more", users[..5].join(", "), users.len() - 5)
        } else {
            users.join(", ")
        };
        let option = match w.short {
            Some(s) => format!("`-{s}`, `--{}`", w.long),
            None => format!("`--{}`", w.long),
        };
        let value = if w.values.is_empty() {
            "(flag)".to_owned()
        } else {
            w.values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" or ")
        };
        text.push_str(&format!("| {option} | {value} | {} | {commands} |\n", w.meaning));
    }
    text.push('\n');
    text
}
