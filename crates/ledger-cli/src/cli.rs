//! The grammar's root: the global options, the command tree put together
//! from each command group's module, and the dispatch to them. Every group
//! module owns its commands' grammar and their rendering and imports only
//! `ctx` (and `scores`/`report` for what `demo` prints); this module alone
//! knows them all, and none of them knows it.

use crate::ctx::{Ctx, Out, Outcome};
use crate::{catalog, decision, demo, key, manual, monitoring, objection, period, personal, project};
use crate::{records, report, scores, serve, supervision, tlog, values, verify};
use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};
use ledger_engine::local::Cache;
use std::path::PathBuf;

/// `ledger --version`: the crate's version, the git commit it was built
/// from (`unknown` outside git) and the formats it reads and writes.
pub fn version() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        format!(
            "{} (commit {}; record format {}, store schema {})",
            env!("CARGO_PKG_VERSION"),
            env!("LEDGER_GIT_COMMIT"),
            ledger_engine::FORMAT_VERSION,
            ledger_engine::STORE_SCHEMA_VERSION
        )
    })
}

/// The database when neither `--db` nor `LEDGER_DB` names one.
const DEFAULT_DB: &str = "ledger/ledger.db";

/// The bound on event times when neither `--max-clock-skew` nor
/// `LEDGER_MAX_CLOCK_SKEW` gives one.
const DEFAULT_SKEW: &str = "5m";

// The global options read their environment variables in `run` rather
// than through clap's `env`: clap counts a value from the environment as
// given on the command line and then shows it in every usage line as if it
// were required (`Usage: ledger scores --db <PATH> --period <PERIOD>`).

/// The assessment ledger: a signed, hash-chained record of how districts and
/// counties are assessed, and of the rewards and accountability that follow.
#[derive(Debug, Parser)]
#[command(name = "ledger", version = version(), about, max_term_width = 100)]
pub struct Cli {
    /// The ledger database (default: $LEDGER_DB, else ledger/ledger.db).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Print nothing on stdout (the exit code still tells).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Keep nothing of this ledger on this machine: every read verifies and
    /// folds from genesis (also $LEDGER_NO_CACHE; default: the last point
    /// verified and the trusted snapshots are kept in $LEDGER_CACHE, else
    /// the user's cache directory).
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// How far after this machine's clock an event may be dated and still be appended (here or by `serve`): 300, 90s, 5m, 2h, 1d (default: $LEDGER_MAX_CLOCK_SKEW, else 5m). An event dated later is refused, so that no wrong clock can freeze the ledger (docs/FORMAT.md, "Time").
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_skew)]
    pub max_clock_skew: Option<u32>,

    #[command(subcommand)]
    pub command: Command,
}

/// A duration in whole seconds: `300`, `90s`, `5m`, `2h`, `1d`.
fn parse_skew(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u32 = number.parse().map_err(|_| format!("{text:?} is not a duration: give e.g. 300, 90s, 5m, 2h or 1d"))?;
    let factor = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        other => return Err(format!("unknown unit {other:?}: use s, m, h or d")),
    };
    n.checked_mul(factor).ok_or_else(|| format!("{text:?} is too long"))
}

/// An environment variable's value, when set and not empty.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Whether a yes-or-no environment variable says yes (anything but
/// `0`, `false`, `no`, `off` or `n`, as clap reads one).
fn env_yes(name: &str) -> bool {
    env(name).is_some_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "0" | "false" | "no" | "off" | "n" | "f"))
}

/// The whole command tree, in the order `ledger --help` lists it.
#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    Key(key::Command),
    #[command(flatten)]
    Records(records::Command),
    #[command(flatten)]
    Personal(personal::Command),
    #[command(flatten)]
    Verify(verify::Command),
    #[command(flatten)]
    Tlog(tlog::Command),
    #[command(flatten)]
    Serve(serve::Command),
    #[command(flatten)]
    Demo(demo::Command),
    #[command(flatten)]
    Catalog(catalog::Command),
    #[command(flatten)]
    Period(period::Command),
    #[command(flatten)]
    Values(values::Command),
    #[command(flatten)]
    Objection(objection::Command),
    #[command(flatten)]
    Supervision(supervision::Command),
    #[command(flatten)]
    Decision(decision::Command),
    #[command(flatten)]
    Project(project::Command),
    #[command(flatten)]
    Monitoring(monitoring::Command),
    #[command(flatten)]
    Scores(scores::Command),
    #[command(flatten)]
    Report(report::Command),
    #[command(flatten)]
    Manual(manual::Command),
}

/// Runs the command a parsed command line names.
pub fn run(cli: Cli) -> Result<Outcome> {
    let mut out = Out::new(cli.quiet);
    crate::progress::install(cli.quiet);
    let no_cache = cli.no_cache || env_yes("LEDGER_NO_CACHE");
    let cache = if no_cache { Cache::disabled() } else { Cache::default_place() };
    let db = cli.db.or_else(|| env("LEDGER_DB").map(PathBuf::from)).unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
    let max_clock_skew = match cli.max_clock_skew {
        Some(s) => s,
        None => {
            let text = env("LEDGER_MAX_CLOCK_SKEW");
            parse_skew(text.as_deref().unwrap_or(DEFAULT_SKEW))
                .map_err(|e| crate::ctx::hinted(format!("LEDGER_MAX_CLOCK_SKEW: {e}"), "unset it, or give e.g. 5m"))?
        }
    };
    let ctx = Ctx { db, cache, max_clock_skew };
    match cli.command {
        Command::Records(c) => records::run(&ctx, c, &mut out),
        Command::Key(c) => key::run(&ctx, c, &mut out),
        Command::Personal(c) => personal::run(&ctx, c, &mut out),
        Command::Verify(c) => verify::run(&ctx, c, &mut out),
        Command::Tlog(c) => tlog::run(&ctx, c, &mut out),
        Command::Serve(c) => serve::run(&ctx, c, &mut out),
        Command::Demo(c) => demo::run(&ctx, c, &mut out),
        Command::Catalog(c) => catalog::run(&ctx, c, &mut out),
        Command::Period(c) => period::run(&ctx, c, &mut out),
        Command::Values(c) => values::run(&ctx, c, &mut out),
        Command::Objection(c) => objection::run(&ctx, c, &mut out),
        Command::Supervision(c) => supervision::run(&ctx, c, &mut out),
        Command::Decision(c) => decision::run(&ctx, c, &mut out),
        Command::Project(c) => project::run(&ctx, c, &mut out),
        Command::Monitoring(c) => monitoring::run(&ctx, c, &mut out),
        Command::Scores(c) => scores::run(&ctx, c, &mut out),
        Command::Report(c) => report::run(&ctx, c, &mut out),
        Command::Manual(c) => manual::run(Cli::command(), c, &mut out),
    }
}
