//! `ledger demo` (the demonstration ledger, built, scored, verified,
//! audited and reported) and `ledger bench` (the ledger measured against
//! this machine's raw limits).

use crate::ctx::{Ctx, Out, Outcome};
use anyhow::Result;
use clap::{Args, Subcommand};
use ledger_core::verify::Options;
use ledger_domain::AsOf;
use ledger_engine::Ledger;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the demonstration ledger (keys, events, scores, verification) in a folder.
    #[command(after_help = "Examples:
  ledger demo                    # ledger/demo/: ledger.db, keys/ (root, authority, statistics, ...), report.html
  ledger demo --dir /tmp/demo")]
    Demo {
        /// Where: DIR/ledger.db and DIR/keys/. Rebuilt on each run.
        #[arg(long, default_value = "ledger/demo", value_name = "DIR")]
        dir: PathBuf,
    },
    /// Measure append, verify, proofs and scale against this machine's raw limits (heavy: not part of the tests)
    #[command(after_help = "Examples:
  ledger bench                                  # 100,000 records in a temporary folder (build with --release)
  ledger bench --records 1000000 --dir bench/ --json > bench.json")]
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Records in the benchmark ledger (1000000 for the scale figures of docs/BENCHMARKS.md; 10000000 is the heavy run: ~10 GB).
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub records: u64,
    /// Events per append transaction.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub batch: usize,
    /// Build the ledger in this folder and keep it (default: a temporary folder, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, command: Command, out: &mut Out) -> Result<Outcome> {
    match command {
        Command::Demo { dir } => demo(ctx, &dir, out),
        Command::Bench(args) => bench(args, out),
    }
}

fn demo(ctx: &Ctx, dir: &Path, out: &mut Out) -> Result<Outcome> {
    ledger_engine::demo::check_dir(dir)?;
    eprintln!("building the demonstration ledger in {} ...", dir.display());
    let demo = ledger_engine::demo::build(dir, ctx.cache.clone())?;
    let mut ledger = Ledger::open_read_only(&demo.db, ctx.cache.clone())?;
    let verification =
        ledger.verify(Options { trusted_roots: vec![demo.root], expect_head: None, ..Options::default() })?;
    let view = ledger.view(AsOf::End)?;
    ctx.warnings(&mut ledger);
    crate::scores::print_scoreboard(&view.scoreboard("2022")?, &view.domain().zone(), out)?;
    out.line("")?;
    let audit = view.audit(None)?;
    let report = verification.report;
    let head = report.head.map(|h| h.to_hex()).unwrap_or_default();
    if report.ok() {
        out.line(format!(
            "verify: ok, {} records, genesis names the root key in {}/keys/root.pub",
            report.records,
            dir.display()
        ))?;
    } else {
        out.line(format!("verify: FAILED with {} problem(s)", report.findings.len()))?;
    }
    out.line(format!("head {head}"))?;
    out.line(format!(
        "checkpoint: tree size {} signed by the log key, recorded at seq {}, saved in {}/checkpoint.txt",
        demo.checkpoint.size,
        demo.checkpoint.seq,
        dir.display()
    ))?;
    out.line(format!(
        "audit: {}",
        if audit.ok {
            "ok, recorded rewards and sanctions match the rules".to_owned()
        } else {
            format!("{} finding(s)", audit.findings.len())
        }
    ))?;
    for r in &demo.refusals {
        out.line(format!(
            "refused, as the rules require: {}: {}; the ledger is unchanged ({} records before and after)",
            r.attempt, r.message, r.records_before
        ))?;
    }
    let library = view.domain();
    out.line(format!(
        "project library: {} projects (ledger project list; library hash {})",
        library.projects.len(),
        ledger_domain::library::projection_hash(library)
    ))?;
    out.line(format!(
        "monitoring: {} policy measures, {} land-use reports (ledger monitoring list; hash {})",
        library.measures.len(),
        library.land_use.values().map(Vec::len).sum::<usize>(),
        ledger_domain::monitoring::projection_hash(library)
    ))?;
    let named: Vec<String> = library
        .personal
        .iter()
        .map(|(seq, p)| match &p.redacted {
            Some((by, _)) => format!("{seq} (erased at seq {by})"),
            None => seq.to_string(),
        })
        .collect();
    out.line(format!(
        "personal data: records naming an official by commitment: {} (ledger show SEQ)",
        if named.is_empty() { "none".to_owned() } else { named.join(", ") }
    ))?;
    crate::report::demo_report(&ledger, &view, dir, out)?;
    let db_arg = demo.db.display();
    let ledger_cmd = std::env::args().next().unwrap_or_else(|| "ledger".into());
    out.line("")?;
    out.line("All measured values are SYNTHETIC. Next, try:")?;
    out.line(format!(
        "  {ledger_cmd} --db {db_arg} scores --period 2022 --as-of 2023-03-05   # as published, before objections"
    ))?;
    out.line(format!("  {ledger_cmd} --db {db_arg} explain --period 2022 --unit shanghe --indicator 10"))?;
    out.line(format!("  {ledger_cmd} --db {db_arg} verify --trust {}/keys/root.pub", dir.display()))?;
    out.line(format!("  {ledger_cmd} --db {db_arg} audit"))?;
    out.line(format!("  {ledger_cmd} --db {db_arg} prove 4000 -o record-4000.proof   # an offline inclusion proof"))?;
    Ok(if report.ok() && audit.ok { Outcome::Ok } else { Outcome::Failed })
}

fn bench(args: BenchArgs, out: &mut Out) -> Result<Outcome> {
    let config = ledger_bench::Config {
        records: args.records,
        batch: args.batch,
        dir: args.dir,
        ledger_binary: None,
        quick: false,
    };
    let report = ledger_bench::run(&config)?;
    if args.json {
        out.json(&ledger_bench::report_json(&report))?;
    } else {
        for line in ledger_bench::report_text(&report) {
            out.line(line)?;
        }
    }
    Ok(Outcome::Ok)
}
