//! `ledger bench`: how fast the ledger appends, verifies and serves proofs,
//! set against the raw limits of the same machine measured in the same run
//! (`docs/BENCHMARKS.md`).
//!
//! Performance is measured here and never in tests: tests check correctness
//! only. Every figure comes from [`Instant`] in this run, nothing is
//! hard-coded; the targets are ratios to the raw limits. The measuring is
//! kept apart from the arithmetic (ratios, targets, the report), which is
//! pure and tested.

#![forbid(unsafe_code)]

use anyhow::{Context, Result, anyhow, bail, ensure};
use ed25519_dalek::Signer as _;
use ledger_core::append::{KernelRules, MemoryLedger, Submission};
use ledger_core::authority::{GOVERNANCE_STREAM, Genesis, RoleTable, RootKey};
use ledger_core::crypto::{RECORD_HASH_CONTEXT, event_signing_message};
use ledger_core::verify::Options;
use ledger_core::{PublicKey, Record, SigningKey, Timestamp};
use ledger_domain::AsOf;
use ledger_engine::local::Cache;
use ledger_engine::{Ledger, Signer, fresh_id};
use ledger_store::{Frontier, Store};
use ledger_tlog::{HashReader, NodeId, leaf_hash, verify_consistency, verify_inclusion};
use rusqlite::{Connection, TransactionBehavior, params};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What to measure.
#[derive(Debug, Clone)]
pub struct Config {
    /// Records in the benchmark ledger.
    pub records: u64,
    /// Events per append transaction.
    pub batch: usize,
    /// Build the ledger here and keep it (default: a temporary directory, removed afterwards).
    pub dir: Option<PathBuf>,
    /// The `ledger` binary, run as a child to measure the peak memory of a
    /// verification (default: this process's executable).
    pub ledger_binary: Option<PathBuf>,
    /// Measure the raw limits for a tenth of the time: to check that the
    /// benchmark works, not to measure anything.
    pub quick: bool,
}

const ORIGIN: &str = "bench.example/assessment-ledger";
const LEDGER_FILE: &str = "bench-ledger.db";
const RAW_FILE: &str = "bench-raw-sqlite.db";
const MIN_RECORDS: u64 = 100;
/// Distinct sample records the raw limits cycle through.
const SAMPLES: usize = 256;
/// Each raw limit: a warm-up, then `REPEATS` runs of at least the run
/// time; the median counts. A quick run (`Config::quick`, for the test that
/// the benchmark works) cuts both to a tenth: its figures mean nothing.
const WARM_UP: Duration = Duration::from_millis(100);
const RUN: Duration = Duration::from_millis(400);
const REPEATS: usize = 3;

static QUICK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn scaled(d: Duration) -> Duration {
    if QUICK.load(std::sync::atomic::Ordering::Relaxed) { d / 10 } else { d }
}
/// Operations between two looks at the clock.
const STEP: usize = 16;
const PROOFS: usize = 1000;
const CONSISTENCY_REPEATS: usize = 101;
/// The INSERT of the raw SQLite rows: the stored columns of a record, no index.
const RAW_INSERT: &str = "INSERT INTO raw (seq, prev, hash, envelope, signatures) VALUES (?1, ?2, ?3, ?4, ?5)";

// The targets (docs/BENCHMARKS.md explains each).
/// Append at least this share of the serial ceiling.
const APPEND_TARGET: f64 = 0.5;
/// Verification at least this share of the parallel `verify_strict` limit.
const VERIFY_TARGET: f64 = 0.5;
/// Full verification against the raw pipeline over the same file (issue 14).
const VERIFY_PIPELINE_TARGET: f64 = 0.85;
/// One bulk import against its raw pipeline (issue 14).
const IMPORT_PIPELINE_TARGET: f64 = 0.75;
/// One bulk import against the peer's published figure (issue 14).
const IMPORT_VS_PEER_TARGET: f64 = 2.0;
/// The peer: bulk appends per second of a widely used Python event-sourcing
/// library on SQLite, which neither signs nor chains. Not measured here: a
/// constant, with its source.
pub const PEER_BULK_APPEND_PER_S: f64 = 49_500.0;
/// Where [`PEER_BULK_APPEND_PER_S`] comes from.
pub const PEER_SOURCE: &str = "issue 14 (filed 2026): a widely used Python event-sourcing library on SQLite, bulk \
     append, no signing or chaining, measured on this 2-core machine";
/// Events in the one bulk import (or the ledger's size, if smaller).
const IMPORT_EVENTS: u64 = 100_000;
/// A durable single append against a raw one-row insert with its own
/// FULL-sync commit (issue 14).
const DURABLE_TARGET: f64 = 0.8;
/// Durable single appends timed (each its own transaction).
const DURABLE_APPENDS: usize = 40;
/// Replay of the domain events into the projection, events per second (issue 14).
const REPLAY_TARGET_PER_S: f64 = 1_000_000.0;
/// ... and against a raw scan of the same rows with a JSON decode of each.
const REPLAY_VS_RAW_TARGET: f64 = 0.5;
/// Peak memory at N records over the same at the small ledger: "flat in N".
const MEMORY_FLAT_TARGET: f64 = 1.5;
/// Inclusion proofs: 99th percentile below this many microseconds.
const PROOF_P99_TARGET_US: f64 = 1000.0;
/// Proofs: at least this share of the speed of the same SQLite reads without the ledger's code.
const PROOF_EFFICIENCY_TARGET: f64 = 0.5;
/// Disk: at most this many times the size of the same record as a plain SQLite row.
const DISK_TARGET: f64 = 1.5;
/// A single durable append at N records: at most this many times one at 1,000.
const APPEND_SCALE_TARGET: f64 = 2.0;
/// ... and under this many milliseconds.
const APPEND_SINGLE_MS_TARGET: f64 = 50.0;
/// `scores` after a previous verification: at most this many times a raw chain re-hash.
const SCORES_VS_REHASH_TARGET: f64 = 2.0;
/// Peak memory of a full verification, MiB.
const VERIFY_RSS_TARGET_MIB: f64 = 64.0;
/// Ledgers of at least this many records get the demonstration's domain
/// content (about 4,700 records) before the notes, and a `scores` figure.
const DOMAIN_FROM: u64 = 10_000;
/// Notes in the small ledger the scale figures compare with (on top of the
/// same content as the large one).
const SMALL_RECORDS: u64 = 1000;
/// Single appends timed at each size (the median counts).
const SINGLE_APPENDS: usize = 15;

// ---------------------------------------------------------------------------
// The figures and the arithmetic on them (pure).

/// What the machine does with no ledger around it, measured now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawLimits {
    /// Threads used for the all-cores figures (as many as rayon's pool).
    pub threads: usize,
    /// Mean stored size of a sample record: envelope, signatures, prev and hash.
    pub record_bytes: f64,
    /// Ed25519 signatures per second, one core.
    pub sign_one: f64,
    /// Ed25519 signatures per second, all cores.
    pub sign_all: f64,
    /// `verify_strict` checks per second, one core.
    pub verify_one: f64,
    /// `verify_strict` checks per second, all cores.
    pub verify_all: f64,
    /// BLAKE3 hashes of record-sized inputs per second, one core.
    pub blake3: f64,
    /// Merkle tree leaves per second (the leaf hash and the node hashes it completes), one core.
    pub sha256_leaf: f64,
    /// Rows per second into a plain SQLite table, all in one transaction.
    pub sqlite_one_tx: f64,
    /// Rows per second into a plain SQLite table, one transaction (commit, fsync) per batch.
    pub sqlite_batched: f64,
    /// Bytes on disk per plain row.
    pub sqlite_row_bytes: f64,
}

/// The ledger's own figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerFigures {
    /// Records in the ledger.
    pub records: u64,
    /// Events per append transaction.
    pub batch: usize,
    /// Records appended per second, over the whole build.
    pub append: f64,
    /// Seconds the build took (appends only).
    pub append_seconds: f64,
    /// Records per second over the first tenth of the batches.
    pub append_first: f64,
    /// Records per second over the last tenth of the batches.
    pub append_last: f64,
    /// Bytes the process handed to `write` per record appended (Linux:
    /// record data, write-ahead log and checkpoints), when the system tells.
    pub append_written_per_record: Option<f64>,
    /// Records per second streamed from the store with no checks.
    pub read: f64,
    /// Records per second through the full verification (median of the runs).
    pub verify: f64,
    /// Seconds of that verification.
    pub verify_seconds: f64,
    /// Records per second of a raw verification pipeline over the same
    /// file, measured in the run: a plain SQLite scan, then on all cores the
    /// BLAKE3 record hash and `verify_strict` of every signature (issue 14's
    /// limit for a full verification).
    pub verify_pipeline: f64,
    /// Verification runs.
    pub verify_runs: usize,
    /// Events in the one bulk import (a fresh ledger, one `append`).
    pub import_events: u64,
    /// Events per second of that import, signing included.
    pub import: f64,
    /// Events per second of a raw import pipeline of the same notes:
    /// canonical envelope bytes and signatures on all cores, then the
    /// BLAKE3 chain and one transaction of plain inserts.
    pub import_pipeline: f64,
    /// Durable single appends per second at N records (an open ledger; each
    /// append its own transaction, committed with synchronous=FULL).
    pub durable_append: f64,
    /// One-row inserts per second into a plain table, each its own
    /// FULL-sync transaction: the raw limit of a durable single append.
    pub durable_raw: f64,
    /// Domain events the replay folds (0 without domain content).
    pub replay_events: u64,
    /// Domain events per second replayed into the projection (the
    /// streaming pass `scores` and `status` run after verification).
    pub replay: f64,
    /// Events per second of a raw scan of the same rows with a JSON decode
    /// of each envelope.
    pub replay_raw: f64,
    /// Inclusion proofs timed.
    pub proofs: usize,
    /// Mean microseconds per inclusion proof.
    pub inclusion_mean_us: f64,
    /// 99th percentile microseconds per inclusion proof.
    pub inclusion_p99_us: f64,
    /// Mean hashes per inclusion proof.
    pub inclusion_hashes: f64,
    /// Mean stored nodes read per inclusion proof.
    pub inclusion_reads: f64,
    /// Mean microseconds of the same SQL reads (the tree size and every node
    /// the proof reads) through a plain SQLite connection: the raw limit.
    pub inclusion_raw_us: f64,
    /// Median microseconds of the consistency proof from `records / 2` to `records`.
    pub consistency_us: f64,
    /// Its hashes.
    pub consistency_hashes: usize,
    /// Stored nodes it reads.
    pub consistency_reads: usize,
    /// Median microseconds of the same SQL reads through a plain connection.
    pub consistency_raw_us: f64,
    /// Size of the ledger file.
    pub db_bytes: u64,
    /// Records before the notes: genesis, keys and any domain content.
    pub content_records: u64,
}

/// How costs grow with the ledger: each figure at N records against the
/// same at a small ledger or against a raw limit measured in the run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScaleFigures {
    /// Records of the small ledger.
    pub small_records: u64,
    /// Median milliseconds of one durable single-event append (open the
    /// ledger, load its state, append, commit) at N records.
    pub append_at_n_ms: f64,
    /// The same at the small ledger.
    pub append_at_small_ms: f64,
    /// Seconds of `scores` (verify what is new, fold, score) after an
    /// earlier verification on this machine; `None` without domain content.
    pub scores_seconds: Option<f64>,
    /// Seconds of the first `scores` (a full verification): for comparison.
    pub scores_first_seconds: Option<f64>,
    /// Seconds of a raw chain re-hash of the N records: a plain SQLite scan
    /// and the BLAKE3 record hash of each, on one thread.
    pub rehash_seconds: f64,
    /// Peak resident memory of `ledger verify` at N records, MiB (Linux).
    pub verify_rss_mib: Option<f64>,
    /// The same at the small ledger.
    pub verify_rss_small_mib: Option<f64>,
    /// Peak resident memory of a verification and replay from genesis
    /// (`ledger catalog` with no cache) at N records, MiB (Linux).
    pub replay_rss_mib: Option<f64>,
    /// The same at the small ledger.
    pub replay_rss_small_mib: Option<f64>,
}

/// The ledger's figures as shares of the raw limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ratios {
    /// Records per second a single-threaded append could reach if it did
    /// nothing but sign, hash the record, hash the tree leaf and insert a
    /// plain row with a commit per batch: `1 / (1/sign + 1/blake3 + 1/leaf + 1/insert)`.
    pub serial_ceiling: f64,
    pub append_vs_sign_one: f64,
    pub append_vs_sqlite_batched: f64,
    pub append_vs_sqlite_one_tx: f64,
    pub append_vs_ceiling: f64,
    pub verify_vs_verify_all: f64,
    /// Full verification over the raw pipeline of the same file.
    pub verify_vs_pipeline: f64,
    pub verify_vs_verify_one: f64,
    pub verify_vs_read: f64,
    /// Time of the same SQL reads through a plain connection over the time
    /// an inclusion proof takes.
    pub inclusion_efficiency: f64,
    /// The same for the consistency proof.
    pub consistency_efficiency: f64,
    pub bytes_per_record: f64,
    /// Bytes per record over bytes per plain row.
    pub disk_vs_row: f64,
    /// The bulk import over its raw pipeline.
    pub import_vs_pipeline: f64,
    /// The bulk import over the peer's constant.
    pub import_vs_peer: f64,
    /// A durable single append over a raw one-row FULL-sync insert.
    pub durable_vs_raw: f64,
    /// The replay over a raw scan and JSON decode of the same rows.
    pub replay_vs_raw: f64,
}

/// `a / b`, or 0 when `b` is not a positive number.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 && b.is_finite() { a / b } else { 0.0 }
}

/// `1 / sum(1 / r)`: the rate of doing each step once, one after the other.
fn serial(rates: &[f64]) -> f64 {
    if rates.iter().any(|r| *r <= 0.0 || !r.is_finite()) {
        return 0.0;
    }
    1.0 / rates.iter().map(|r| 1.0 / r).sum::<f64>()
}

pub fn ratios(raw: &RawLimits, l: &LedgerFigures) -> Ratios {
    let serial_ceiling = serial(&[raw.sign_one, raw.blake3, raw.sha256_leaf, raw.sqlite_batched]);
    let bytes_per_record = ratio(l.db_bytes as f64, l.records as f64);
    Ratios {
        serial_ceiling,
        append_vs_sign_one: ratio(l.append, raw.sign_one),
        append_vs_sqlite_batched: ratio(l.append, raw.sqlite_batched),
        append_vs_sqlite_one_tx: ratio(l.append, raw.sqlite_one_tx),
        append_vs_ceiling: ratio(l.append, serial_ceiling),
        verify_vs_verify_all: ratio(l.verify, raw.verify_all),
        verify_vs_pipeline: ratio(l.verify, l.verify_pipeline),
        verify_vs_verify_one: ratio(l.verify, raw.verify_one),
        verify_vs_read: ratio(l.verify, l.read),
        inclusion_efficiency: ratio(l.inclusion_raw_us, l.inclusion_mean_us),
        consistency_efficiency: ratio(l.consistency_raw_us, l.consistency_us),
        bytes_per_record,
        disk_vs_row: ratio(bytes_per_record, raw.sqlite_row_bytes),
        import_vs_pipeline: ratio(l.import, l.import_pipeline),
        import_vs_peer: ratio(l.import, PEER_BULK_APPEND_PER_S),
        durable_vs_raw: ratio(l.durable_append, l.durable_raw),
        replay_vs_raw: ratio(l.replay, l.replay_raw),
    }
}

/// One target and whether this run met it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: &'static str,
    pub rule: &'static str,
    pub value: f64,
    pub threshold: f64,
    /// `value >= threshold` is the goal (otherwise `value <= threshold`).
    pub at_least: bool,
    pub met: bool,
}

fn target(name: &'static str, rule: &'static str, value: f64, threshold: f64, at_least: bool) -> Target {
    let met = if at_least { value >= threshold } else { value <= threshold };
    Target { name, rule, value, threshold, at_least, met }
}

/// The scale targets (issue "one engine": appends O(batch), reads O(new records), flat memory).
pub fn scale_targets(s: &ScaleFigures) -> Vec<Target> {
    let mut t = vec![
        target(
            "append_scale",
            "a single durable append at N records <= 2 x one at the same content with 1,000 notes",
            ratio(s.append_at_n_ms, s.append_at_small_ms),
            APPEND_SCALE_TARGET,
            false,
        ),
        target(
            "append_single_ms",
            "a single durable append at N records < 50 ms",
            s.append_at_n_ms,
            APPEND_SINGLE_MS_TARGET,
            false,
        ),
    ];
    if let Some(scores) = s.scores_seconds {
        t.push(target(
            "scores_vs_rehash",
            "`scores` after an earlier verification <= 2 x a raw chain re-hash of N records",
            ratio(scores, s.rehash_seconds),
            SCORES_VS_REHASH_TARGET,
            false,
        ));
    }
    if let Some(rss) = s.verify_rss_mib {
        t.push(target(
            "verify_rss_mib",
            "peak memory of a full verification < 64 MiB (MiB)",
            rss,
            VERIFY_RSS_TARGET_MIB,
            false,
        ));
    }
    if let Some(rss) = s.replay_rss_mib {
        t.push(target(
            "replay_rss_mib",
            "peak memory of a verification and replay from genesis < 64 MiB (MiB)",
            rss,
            VERIFY_RSS_TARGET_MIB,
            false,
        ));
    }
    let growth = [(s.verify_rss_mib, s.verify_rss_small_mib), (s.replay_rss_mib, s.replay_rss_small_mib)]
        .into_iter()
        .filter_map(|(n, small)| Some(ratio(n?, small?)))
        .reduce(f64::max);
    if let Some(growth) = growth {
        t.push(target(
            "memory_flat",
            "peak memory flat in N: at N records <= 1.5 x at the small ledger (the larger of verify's and replay's)",
            growth,
            MEMORY_FLAT_TARGET,
            false,
        ));
    }
    t
}

pub fn targets(l: &LedgerFigures, r: &Ratios) -> Vec<Target> {
    let mut t = vec![
        target(
            "append",
            "append rate >= 50% of the serial ceiling (sign + BLAKE3 + tree leaf + plain insert, a commit per batch)",
            r.append_vs_ceiling,
            APPEND_TARGET,
            true,
        ),
        target(
            "verify",
            "full verification >= 50% of the all-cores verify_strict limit",
            r.verify_vs_verify_all,
            VERIFY_TARGET,
            true,
        ),
        target(
            "verify_pipeline",
            "full verification >= 85% of a raw pipeline over the same file (SQLite scan + BLAKE3 + verify_strict on all cores)",
            r.verify_vs_pipeline,
            VERIFY_PIPELINE_TARGET,
            true,
        ),
        target("inclusion_p99", "inclusion proof p99 < 1 ms (µs)", l.inclusion_p99_us, PROOF_P99_TARGET_US, false),
        target(
            "inclusion_efficiency",
            "inclusion proof >= 50% of the speed of its SQL reads on a plain connection",
            r.inclusion_efficiency,
            PROOF_EFFICIENCY_TARGET,
            true,
        ),
        target(
            "disk",
            "bytes per record <= 1.5 x a plain SQLite row of the same record",
            r.disk_vs_row,
            DISK_TARGET,
            false,
        ),
        target(
            "import_pipeline",
            "one bulk import >= 75% of a raw pipeline (canonical encoding + signing on all cores + BLAKE3 + one transaction of inserts)",
            r.import_vs_pipeline,
            IMPORT_PIPELINE_TARGET,
            true,
        ),
        target(
            "import_vs_peer",
            "one bulk import >= 2 x the peer's 49,500 events/s (a constant: see peer)",
            r.import_vs_peer,
            IMPORT_VS_PEER_TARGET,
            true,
        ),
        target(
            "durable_append",
            "a durable single append >= 80% of a raw one-row insert with its own FULL-sync commit",
            r.durable_vs_raw,
            DURABLE_TARGET,
            true,
        ),
    ];
    if l.replay_events > 0 {
        t.push(target(
            "replay",
            "replay of the domain events >= 1,000,000 events/s",
            l.replay,
            REPLAY_TARGET_PER_S,
            true,
        ));
        t.push(target(
            "replay_vs_raw",
            "replay >= 50% of a raw scan of the same rows with a JSON decode of each",
            r.replay_vs_raw,
            REPLAY_VS_RAW_TARGET,
            true,
        ));
    }
    t
}

/// Everything one run found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub raw: RawLimits,
    pub ledger: LedgerFigures,
    pub scale: ScaleFigures,
    pub dir: String,
    pub kept: bool,
    pub release: bool,
    /// The one-minute load average when the run started (Linux), to tell a
    /// quiet machine from a busy one.
    pub load_average: Option<f64>,
}

/// Rounds to 4 significant decimals for the JSON (the measurements carry no more).
fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return 0.0;
    }
    let decimals = 3 - x.abs().log10().floor() as i32;
    if decimals >= 0 {
        let scale = 10f64.powi(decimals);
        (x * scale).round() / scale
    } else {
        let scale = 10f64.powi(-decimals);
        (x / scale).round() * scale
    }
}

pub fn report_json(report: &Report) -> Value {
    let (raw, l) = (&report.raw, &report.ledger);
    let r = ratios(raw, l);
    let mut targets = targets(l, &r);
    targets.extend(scale_targets(&report.scale));
    let sc = &report.scale;
    json!({
        "records": l.records,
        "batch": l.batch,
        "threads": raw.threads,
        "release_build": report.release,
        "load_average_at_start": report.load_average,
        "dir": report.dir,
        "kept": report.kept,
        "raw": {
            "record_bytes": round(raw.record_bytes),
            "ed25519_sign_per_s": {"one_core": round(raw.sign_one), "all_cores": round(raw.sign_all)},
            "ed25519_verify_strict_per_s": {"one_core": round(raw.verify_one), "all_cores": round(raw.verify_all)},
            "blake3_records_per_s": round(raw.blake3),
            "blake3_mb_per_s": round(raw.blake3 * raw.record_bytes / 1e6),
            "sha256_tree_leaves_per_s": round(raw.sha256_leaf),
            "sqlite_insert_rows_per_s": {
                "one_transaction": round(raw.sqlite_one_tx),
                "transaction_per_batch": round(raw.sqlite_batched),
            },
            "sqlite_row_bytes": round(raw.sqlite_row_bytes),
        },
        "ledger": {
            "append": {
                "records_per_s": round(l.append),
                "seconds": round(l.append_seconds),
                "first_tenth_records_per_s": round(l.append_first),
                "last_tenth_records_per_s": round(l.append_last),
                "written_bytes_per_record": l.append_written_per_record.map(round),
            },
            "read": {"records_per_s": round(l.read)},
            "verify": {"records_per_s": round(l.verify), "seconds": round(l.verify_seconds), "runs": l.verify_runs,
                       "raw_pipeline_records_per_s": round(l.verify_pipeline)},
            "inclusion_proof": {
                "count": l.proofs,
                "mean_us": round(l.inclusion_mean_us),
                "p99_us": round(l.inclusion_p99_us),
                "hashes": round(l.inclusion_hashes),
                "node_reads": round(l.inclusion_reads),
                "raw_reads_mean_us": round(l.inclusion_raw_us),
            },
            "consistency_proof": {
                "old_size": l.records / 2,
                "new_size": l.records,
                "median_us": round(l.consistency_us),
                "hashes": l.consistency_hashes,
                "node_reads": l.consistency_reads,
                "raw_reads_median_us": round(l.consistency_raw_us),
            },
            "disk": {"bytes": l.db_bytes, "bytes_per_record": round(r.bytes_per_record)},
            "import": {"events": l.import_events, "events_per_s": round(l.import),
                       "raw_pipeline_events_per_s": round(l.import_pipeline)},
            "durable_append": {"appends_per_s": round(l.durable_append),
                               "raw_full_sync_inserts_per_s": round(l.durable_raw)},
            "replay": {"events": l.replay_events, "events_per_s": round(l.replay),
                       "raw_scan_and_decode_events_per_s": round(l.replay_raw)},
        },
        "peer": {"bulk_append_events_per_s": PEER_BULK_APPEND_PER_S, "measured": false, "source": PEER_SOURCE},
        "scale": {
            "small_records": sc.small_records,
            "append_single_ms": {"at_n": round(sc.append_at_n_ms), "at_small": round(sc.append_at_small_ms),
                                 "ratio": round(ratio(sc.append_at_n_ms, sc.append_at_small_ms))},
            "scores_seconds": {"after_verification": sc.scores_seconds.map(round), "first": sc.scores_first_seconds.map(round),
                               "raw_rehash": round(sc.rehash_seconds),
                               "ratio": sc.scores_seconds.map(|s| round(ratio(s, sc.rehash_seconds)))},
            "verify_peak_rss_mib": {"at_n": sc.verify_rss_mib.map(round), "at_small": sc.verify_rss_small_mib.map(round)},
            "replay_peak_rss_mib": {"at_n": sc.replay_rss_mib.map(round), "at_small": sc.replay_rss_small_mib.map(round)},
        },
        "ratios": {
            "serial_ceiling_records_per_s": round(r.serial_ceiling),
            "append_vs_sign_one_core": round(r.append_vs_sign_one),
            "append_vs_sqlite_transaction_per_batch": round(r.append_vs_sqlite_batched),
            "append_vs_sqlite_one_transaction": round(r.append_vs_sqlite_one_tx),
            "append_vs_serial_ceiling": round(r.append_vs_ceiling),
            "verify_vs_verify_strict_all_cores": round(r.verify_vs_verify_all),
            "verify_vs_raw_pipeline": round(r.verify_vs_pipeline),
            "verify_vs_verify_strict_one_core": round(r.verify_vs_verify_one),
            "verify_vs_read": round(r.verify_vs_read),
            "inclusion_proof_vs_raw_reads": round(r.inclusion_efficiency),
            "consistency_proof_vs_raw_reads": round(r.consistency_efficiency),
            "disk_vs_plain_row": round(r.disk_vs_row),
            "import_vs_raw_pipeline": round(r.import_vs_pipeline),
            "import_vs_peer": round(r.import_vs_peer),
            "durable_append_vs_raw_insert": round(r.durable_vs_raw),
            "replay_vs_raw_scan_and_decode": round(r.replay_vs_raw),
        },
        "targets": targets.iter().map(|t| json!({
            "name": t.name,
            "rule": t.rule,
            "value": round(t.value),
            "threshold": t.threshold,
            "met": t.met,
        })).collect::<Vec<_>>(),
        "targets_met": targets.iter().all(|t| t.met),
    })
}

/// `12,345`.
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(x: f64) -> String {
    if x < 0.1 { format!("{:.1}%", x * 100.0) } else { format!("{:.0}%", x * 100.0) }
}

pub fn report_text(report: &Report) -> Vec<String> {
    let (raw, l) = (&report.raw, &report.ledger);
    let r = ratios(raw, l);
    let t = raw.threads;
    let mut lines = vec![
        format!(
            "ledger bench: {} records in batches of {}, {t} threads{}{}",
            grouped(l.records as f64),
            grouped(l.batch as f64),
            report.load_average.map(|a| format!(", load average {a:.2} at start")).unwrap_or_default(),
            if report.release { "" } else { " (DEBUG BUILD: figures are meaningless, use --release)" }
        ),
        String::new(),
        "raw limits, this machine, this run (median of 3 runs each)".into(),
        format!(
            "  Ed25519 sign            {:>11} /s on 1 core  {:>11} /s on {t} threads",
            grouped(raw.sign_one),
            grouped(raw.sign_all)
        ),
        format!(
            "  Ed25519 verify_strict   {:>11} /s on 1 core  {:>11} /s on {t} threads",
            grouped(raw.verify_one),
            grouped(raw.verify_all)
        ),
        format!(
            "  BLAKE3 ({:.0}-byte input) {:>11} /s on 1 core  ({:.0} MB/s)",
            raw.record_bytes,
            grouped(raw.blake3),
            raw.blake3 * raw.record_bytes / 1e6
        ),
        format!(
            "  SHA-256 tree leaf       {:>11} /s on 1 core  (leaf hash + the nodes it completes)",
            grouped(raw.sha256_leaf)
        ),
        format!(
            "  SQLite insert           {:>11} rows/s in one transaction (WAL, synchronous=FULL, no index)",
            grouped(raw.sqlite_one_tx)
        ),
        format!(
            "  SQLite insert           {:>11} rows/s with a commit (fsync) per {} rows",
            grouped(raw.sqlite_batched),
            grouped(l.batch as f64)
        ),
        format!("  SQLite plain row        {:>11} bytes on disk", grouped(raw.sqlite_row_bytes)),
        String::new(),
        format!("the ledger ({}{})", report.dir, if report.kept { ", kept" } else { ", removed afterwards" }),
        format!(
            "  append        {} records/s ({:.1} s) = {} of single-core signing, {} of the raw SQLite insert with a commit per batch ({} in one transaction), {} of the serial ceiling ({}/s)",
            grouped(l.append),
            l.append_seconds,
            percent(r.append_vs_sign_one),
            percent(r.append_vs_sqlite_batched),
            percent(r.append_vs_sqlite_one_tx),
            percent(r.append_vs_ceiling),
            grouped(r.serial_ceiling),
        ),
        format!(
            "                first tenth {} records/s, last tenth {} records/s{}",
            grouped(l.append_first),
            grouped(l.append_last),
            l.append_written_per_record
                .map(|w| format!(
                    "; {} bytes written per record ({:.1} x its size)",
                    grouped(w),
                    ratio(w, raw.record_bytes)
                ))
                .unwrap_or_default()
        ),
        format!("  read          {} records/s (streamed from SQLite, no checks)", grouped(l.read)),
        format!(
            "  verify        {} records/s ({:.1} s, median of {}) = {} of verify_strict on {t} threads, {} of it on 1 core, {} of the read rate",
            grouped(l.verify),
            l.verify_seconds,
            l.verify_runs,
            percent(r.verify_vs_verify_all),
            percent(r.verify_vs_verify_one),
            percent(r.verify_vs_read),
        ),
        format!(
            "                the raw pipeline over the same file (SQLite scan + BLAKE3 + verify_strict on {t} threads) {} records/s: verify is {} of it (both check each signature by the strict equation: no batch, FORMAT.md section 3)",
            grouped(l.verify_pipeline),
            percent(r.verify_vs_pipeline),
        ),
        format!(
            "  inclusion     mean {:.1} µs, p99 {:.1} µs over {} random records ({:.1} hashes from {:.1} node reads); the same reads on a plain connection {:.1} µs = {}",
            l.inclusion_mean_us,
            l.inclusion_p99_us,
            l.proofs,
            l.inclusion_hashes,
            l.inclusion_reads,
            l.inclusion_raw_us,
            percent(r.inclusion_efficiency),
        ),
        format!(
            "  consistency   {} -> {}: {:.1} µs (median of {CONSISTENCY_REPEATS}; {} hashes from {} node reads); the same reads on a plain connection {:.1} µs = {}",
            grouped((l.records / 2) as f64),
            grouped(l.records as f64),
            l.consistency_us,
            l.consistency_hashes,
            l.consistency_reads,
            l.consistency_raw_us,
            percent(r.consistency_efficiency),
        ),
        format!(
            "  disk          {:.0} bytes/record = {:.2} x a plain row ({:.1} MB)",
            r.bytes_per_record,
            r.disk_vs_row,
            l.db_bytes as f64 / 1e6
        ),
        format!(
            "  import        one append of {} notes into a fresh ledger: {} events/s = {} of a raw pipeline ({} events/s: canonical encoding and signing on {t} threads, BLAKE3 chain, one transaction of plain inserts); {:.2} x the peer",
            grouped(l.import_events as f64),
            grouped(l.import),
            percent(r.import_vs_pipeline),
            grouped(l.import_pipeline),
            r.import_vs_peer,
        ),
        format!(
            "  durable one   {} appends/s at N (open ledger, each its own transaction, synchronous=FULL) = {} of a raw one-row insert with its own commit ({}/s)",
            grouped(l.durable_append),
            percent(r.durable_vs_raw),
            grouped(l.durable_raw),
        ),
        if l.replay_events > 0 {
            format!(
                "  replay        {} domain events: {} events/s into the projection = {} of a raw scan of the same rows with a JSON decode of each ({} events/s)",
                grouped(l.replay_events as f64),
                grouped(l.replay),
                percent(r.replay_vs_raw),
                grouped(l.replay_raw),
            )
        } else {
            format!("  replay        not measured below {} records (no domain content)", grouped(DOMAIN_FROM as f64))
        },
        format!(
            "  peer          {} events/s bulk append (not measured: a constant; source: {PEER_SOURCE})",
            grouped(PEER_BULK_APPEND_PER_S)
        ),
        format!(
            "                2 x the peer is {} events/s; signing alone on {t} threads reaches {} /s here{}",
            grouped(IMPORT_VS_PEER_TARGET * PEER_BULK_APPEND_PER_S),
            grouped(raw.sign_all),
            if raw.sign_all < IMPORT_VS_PEER_TARGET * PEER_BULK_APPEND_PER_S {
                ": no import that signs each event can meet that goal on this machine"
            } else {
                ""
            }
        ),
        String::new(),
        format!(
            "scale (the same content with 1,000 notes: {} records; or a raw limit; measured in this run)",
            grouped(report.scale.small_records as f64)
        ),
        format!(
            "  append one    {:.1} ms at N, {:.1} ms at {} records = {:.2} x (open, load the state, decide, commit with synchronous=FULL)",
            report.scale.append_at_n_ms,
            report.scale.append_at_small_ms,
            grouped(report.scale.small_records as f64),
            ratio(report.scale.append_at_n_ms, report.scale.append_at_small_ms)
        ),
        match report.scale.scores_seconds {
            Some(s) => format!(
                "  scores        {:.2} s after an earlier verification ({:.2} s the first time, from genesis); a raw chain re-hash of N records {:.2} s = {:.2} x",
                s,
                report.scale.scores_first_seconds.unwrap_or(0.0),
                report.scale.rehash_seconds,
                ratio(s, report.scale.rehash_seconds)
            ),
            None => format!(
                "  scores        not measured below {} records (no domain content); a raw chain re-hash of N records {:.2} s",
                grouped(DOMAIN_FROM as f64),
                report.scale.rehash_seconds
            ),
        },
        format!(
            "  verify memory peak {} at N, {} at {} records",
            report.scale.verify_rss_mib.map_or_else(|| "unknown".into(), |m| format!("{m:.1} MiB")),
            report.scale.verify_rss_small_mib.map_or_else(|| "unknown".into(), |m| format!("{m:.1} MiB")),
            grouped(report.scale.small_records as f64)
        ),
        format!(
            "  replay memory peak {} at N, {} at {} records (verification and replay from genesis: `ledger catalog`, no cache)",
            report.scale.replay_rss_mib.map_or_else(|| "unknown".into(), |m| format!("{m:.1} MiB")),
            report.scale.replay_rss_small_mib.map_or_else(|| "unknown".into(), |m| format!("{m:.1} MiB")),
            grouped(report.scale.small_records as f64)
        ),
        String::new(),
        "targets".into(),
    ];
    for t in targets(l, &r).into_iter().chain(scale_targets(&report.scale)) {
        let value = match t.name {
            "inclusion_p99" => format!("{:.0} µs", t.value),
            "append_single_ms" => format!("{:.1} ms", t.value),
            "verify_rss_mib" | "replay_rss_mib" => format!("{:.1} MiB", t.value),
            "replay" => format!("{}/s", grouped(t.value)),
            _ => format!("{:.2}", t.value),
        };
        lines.push(format!("  {:<8} {:<21} {:>8}  {}", if t.met { "met" } else { "NOT MET" }, t.name, value, t.rule));
    }
    lines
}

// ---------------------------------------------------------------------------
// Measuring.

/// Runs the benchmark; the report is for [`report_text`] or [`report_json`].
pub fn run(config: &Config) -> Result<Report> {
    if config.records < MIN_RECORDS {
        bail!(
            "--records {} is too few to measure anything: give at least {MIN_RECORDS}; the default is 100000",
            config.records
        );
    }
    if config.batch == 0 || config.batch as u64 > config.records {
        bail!("--batch {}: give between 1 and --records ({}) events per transaction", config.batch, config.records);
    }
    QUICK.store(config.quick, std::sync::atomic::Ordering::Relaxed);
    let release = !cfg!(debug_assertions);
    if !release {
        eprintln!("warning: this is a debug build; measure with `cargo run --release -- bench`");
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let load_average = load_average();
    if let Some(load) = load_average.filter(|l| *l >= 0.5) {
        eprintln!(
            "warning: load average {load:.2} on {threads} cores: other processes are running, and the raw limits and \
             the ledger's figures may be measured under different loads"
        );
    }
    let work = WorkDir::new(config.dir.as_deref())?;
    let keys = Keys::new()?;

    progress(format!("raw limits ({threads} threads)"));
    let samples = sample_records(&keys)?;
    let mut raw = crypto_limits(&samples, threads)?;
    let (one_tx, batched, row_bytes) =
        sqlite_limits(&work.path.join(RAW_FILE), &samples, config.batch).context("measuring the raw SQLite limits")?;
    raw.sqlite_one_tx = one_tx;
    raw.sqlite_batched = batched;
    raw.sqlite_row_bytes = row_bytes;

    let db = work.path.join(LEDGER_FILE);
    let cache = Cache::at(work.path.join("cache"));
    let with_domain = config.records >= DOMAIN_FROM;
    let mut ledger = build(&db, config.records, config.batch, &keys, &cache, with_domain)?;
    read_and_verify(&db, &keys, &mut ledger)?;
    proofs(&db, &mut ledger)?;
    replay(&db, &mut ledger)?;
    durable_appends(&db, &work.path.join(RAW_FILE), &keys, &cache, &mut ledger)?;
    bulk_import(&work.path, &keys, &cache, &mut ledger)?;
    let binary = match &config.ledger_binary {
        Some(b) => b.clone(),
        None => std::env::current_exe().context("finding the ledger binary")?,
    };
    let content = ledger.content_records;
    let scale = scale(&work.path, &db, &keys, &cache, &binary, config, content)?;

    Ok(Report { raw, ledger, scale, dir: work.path.display().to_string(), kept: !work.remove, release, load_average })
}

/// Bytes this process has passed to `write` and similar calls so far (Linux).
fn bytes_written() -> Option<u64> {
    let io = std::fs::read_to_string("/proc/self/io").ok()?;
    io.lines().find_map(|l| l.strip_prefix("wchar:")).and_then(|v| v.trim().parse().ok())
}

/// The one-minute load average, where the system tells it.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

fn progress(message: impl AsRef<str>) {
    eprintln!("bench: {}", message.as_ref());
}

/// Where the benchmark writes; a temporary directory is removed on drop.
struct WorkDir {
    path: PathBuf,
    remove: bool,
}

impl WorkDir {
    fn new(dir: Option<&Path>) -> Result<WorkDir> {
        let work = match dir {
            Some(d) => {
                std::fs::create_dir_all(d).with_context(|| format!("creating --dir {}", d.display()))?;
                WorkDir { path: d.to_owned(), remove: false }
            }
            None => {
                let nanos =
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
                let path = std::env::temp_dir().join(format!("ledger-bench-{}-{nanos}", std::process::id()));
                std::fs::create_dir(&path).with_context(|| format!("creating {}", path.display()))?;
                WorkDir { path, remove: true }
            }
        };
        for name in [LEDGER_FILE, RAW_FILE] {
            let p = work.path.join(name);
            if p.exists() {
                bail!(
                    "{} already exists: the benchmark builds a fresh ledger; remove it, or give another --dir",
                    p.display()
                );
            }
        }
        Ok(work)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if self.remove {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn remove_sqlite_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The root of trust and the one office key that signs every note.
struct Keys {
    root: SigningKey,
    office: SigningKey,
}

fn random_key() -> Result<SigningKey> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| anyhow!("the OS random source failed: {e}"))?;
    Ok(SigningKey::from_bytes(&b))
}

impl Keys {
    fn new() -> Result<Keys> {
        Ok(Keys { root: random_key()?, office: random_key()? })
    }

    fn genesis_parts(&self) -> Result<Genesis> {
        let roles: RoleTable =
            serde_json::from_str(ledger_domain::defaults::ROLES).context("the embedded role table")?;
        Ok(Genesis {
            roots: vec![RootKey { key: (&self.root).into(), holder: "City root of trust".into() }],
            threshold: 1,
            roles,
        })
    }

    fn genesis(&self) -> Result<Record> {
        ledger_core::append::genesis(
            ORIGIN,
            &self.genesis_parts()?,
            &self.root,
            &[],
            ledger_engine::Clock::system(),
            "genesis".into(),
        )
        .map_err(|e| anyhow!("genesis refused: {e}"))
    }

    /// `key_authorized` for the office key, signed by the root.
    fn authorization(&self) -> Submission {
        let data = json!({
            "key": PublicKey::from(&self.office).to_hex(),
            "holder": "Jinan Statistics Bureau",
            "roles": ["statistics"],
        });
        Submission::new(GOVERNANCE_STREAM, "key_authorized", data, &fresh_id())
    }
}

/// SplitMix64: reproducible choices, no dependency.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const UNITS: [&str; 12] = [
    "lixia",
    "shizhong",
    "huaiyin",
    "tianqiao",
    "licheng",
    "changqing",
    "zhangqiu",
    "jiyang",
    "laiwu",
    "gangcheng",
    "pingyin",
    "shanghe",
];
const TOPICS: [&str; 8] = [
    "R&D spending as a share of GDP",
    "output value of high-tech industries",
    "newly registered enterprises",
    "investment in new-driver projects",
    "value added of the digital economy",
    "energy use per unit of GDP",
    "invention patents per 10,000 residents",
    "foreign capital actually used",
];
const ACTIONS: [&str; 6] = [
    "figures received from the county statistics office",
    "cross-checked against the statistical yearbook",
    "source documents requested from the district",
    "revised after the field visit",
    "queried: the growth rate differs from the quarterly survey",
    "confirmed by telephone with the district office",
];

/// The stream and text of the `i`-th benchmark note: a working remark of a
/// statistics office, about as long as real ones.
fn note(i: u64) -> (String, String) {
    let mut rng = Rng(i);
    let unit = UNITS[rng.below(UNITS.len() as u64) as usize];
    let topic = TOPICS[rng.below(TOPICS.len() as u64) as usize];
    let action = ACTIONS[rng.below(ACTIONS.len() as u64) as usize];
    let text = format!(
        "{unit}: indicator \"{topic}\", {} Q{}: {action} (file {}-{i:07}); {} page(s) of evidence attached.",
        2018 + rng.below(5),
        1 + rng.below(4),
        unit.to_ascii_uppercase(),
        1 + rng.below(12),
    );
    (format!("notes/{unit}"), text)
}

fn note_submission(i: u64) -> Submission {
    let (stream, text) = note(i);
    Submission::new(&stream, "note", json!({ "text": text }), &fresh_id())
}

/// Records exactly like the benchmark's, decided and signed in memory: the
/// inputs of the raw limits.
fn sample_records(keys: &Keys) -> Result<Vec<Record>> {
    let mut memory = MemoryLedger::new(keys.genesis()?);
    let now = ledger_engine::Clock::system();
    memory
        .append(vec![keys.authorization()], &keys.root, &[], now, &mut KernelRules)
        .map_err(|e| anyhow!("sample key authorisation refused: {e}"))?;
    let notes = (0..SAMPLES as u64).map(note_submission).collect();
    memory.append(notes, &keys.office, &[], now, &mut KernelRules).map_err(|e| anyhow!("sample notes refused: {e}"))?;
    Ok(memory.records()[2..].to_vec())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `op(0), op(1), ...` for at least `min`; returns (operations, elapsed).
fn run_for(min: Duration, op: &mut dyn FnMut(usize)) -> (u64, Duration) {
    let start = Instant::now();
    let mut n = 0usize;
    loop {
        for _ in 0..STEP {
            op(n);
            n += 1;
        }
        let elapsed = start.elapsed();
        if elapsed >= min {
            return (n as u64, elapsed);
        }
    }
}

/// Operations per second on this thread: the median of `REPEATS` runs after a warm-up.
fn rate_one(op: &mut dyn FnMut(usize)) -> f64 {
    run_for(scaled(WARM_UP), op);
    let mut rates: Vec<f64> = (0..REPEATS)
        .map(|_| {
            let (n, t) = run_for(scaled(RUN), op);
            n as f64 / t.as_secs_f64()
        })
        .collect();
    median(&mut rates)
}

/// Operations per second on `threads` threads at once (started together):
/// the median of `REPEATS` runs after a warm-up.
fn rate_all(threads: usize, op: &(dyn Fn(usize) + Sync)) -> Result<f64> {
    let once = |min: Duration| -> Result<f64> {
        let barrier = std::sync::Barrier::new(threads);
        let results = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        run_for(min, &mut |i| op(i * threads + t))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().map_err(|_| anyhow!("a benchmark thread panicked")))
                .collect::<Result<Vec<_>>>()
        })?;
        let n: u64 = results.iter().map(|r| r.0).sum();
        let t = results.iter().map(|r| r.1).max().unwrap_or_default();
        Ok(ratio(n as f64, t.as_secs_f64()))
    };
    once(scaled(WARM_UP))?;
    let mut rates = (0..REPEATS).map(|_| once(scaled(RUN))).collect::<Result<Vec<_>>>()?;
    Ok(median(&mut rates))
}

fn crypto_limits(samples: &[Record], threads: usize) -> Result<RawLimits> {
    ensure!(!samples.is_empty(), "no sample records");
    let n = samples.len();
    let record_bytes =
        samples.iter().map(|r| r.envelope_bytes.len() + r.signatures_bytes.len() + 64).sum::<usize>() as f64 / n as f64;
    let messages: Vec<Vec<u8>> = samples.iter().map(|r| event_signing_message(&r.envelope_bytes)).collect();
    let signatures: Vec<_> = samples.iter().map(|r| (r.signatures[0].key, r.signatures[0].sig.signature())).collect();
    for ((key, sig), message) in signatures.iter().zip(&messages) {
        ensure!(key.verify_strict(message, sig), "a sample signature does not verify");
    }
    // The record hash's input (docs/FORMAT.md, section 6) in one piece:
    // what BLAKE3 hashes per record.
    let hash_inputs: Vec<Vec<u8>> = samples
        .iter()
        .map(|r| {
            let (env, sigs) = (&r.envelope_bytes, &r.signatures_bytes);
            [
                RECORD_HASH_CONTEXT,
                &r.prev.0[..],
                &r.seq.to_be_bytes(),
                &(env.len() as u64).to_be_bytes(),
                env,
                &(sigs.len() as u64).to_be_bytes(),
                sigs,
            ]
            .concat()
        })
        .collect();
    let office = random_key()?;

    progress("  Ed25519 signing");
    let sign = |i: usize| {
        black_box(office.sign(&messages[i % n]));
    };
    let sign_one = rate_one(&mut |i| sign(i));
    let sign_all = rate_all(threads, &sign)?;
    progress("  Ed25519 verify_strict");
    let verify = |i: usize| {
        let (key, sig) = &signatures[i % n];
        black_box(key.verify_strict(&messages[i % n], sig));
    };
    let verify_one = rate_one(&mut |i| verify(i));
    let verify_all = rate_all(threads, &verify)?;
    progress("  BLAKE3 and SHA-256");
    let blake3 = rate_one(&mut |i| {
        black_box(blake3::hash(&hash_inputs[i % n]));
    });
    let mut frontier = Frontier::new();
    let sha256_leaf = rate_one(&mut |i| {
        frontier.push(&samples[i % n].hash.0);
    });
    black_box(frontier.root());
    Ok(RawLimits {
        threads,
        record_bytes,
        sign_one,
        sign_all,
        verify_one,
        verify_all,
        blake3,
        sha256_leaf,
        ..RawLimits::default()
    })
}

/// Raw SQLite with the store's pragmas: (rows/s in one transaction, rows/s
/// with a commit per batch, bytes per row). The file is removed.
fn sqlite_limits(path: &Path, samples: &[Record], batch: usize) -> Result<(f64, f64, f64)> {
    let result = sqlite_limits_in(path, samples, batch);
    remove_sqlite_files(path);
    result
}

fn sqlite_limits_in(path: &Path, samples: &[Record], batch: usize) -> Result<(f64, f64, f64)> {
    let rows = samples
        .iter()
        .map(|r| {
            let envelope = std::str::from_utf8(&r.envelope_bytes)?;
            let signatures = std::str::from_utf8(&r.signatures_bytes)?;
            Ok((&r.prev.0[..], &r.hash.0[..], envelope, signatures))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut conn = raw_table(path)?;
    let mut next: i64 = 0;
    let insert = |conn: &Connection, next: &mut i64| -> rusqlite::Result<()> {
        let (prev, hash, envelope, signatures) = rows[(*next as usize) % rows.len()];
        conn.prepare_cached(RAW_INSERT)?.execute(params![*next, prev, hash, envelope, signatures])?;
        *next += 1;
        Ok(())
    };

    progress("  SQLite inserts, one transaction");
    let one_tx = |conn: &mut Connection, next: &mut i64, min: Duration| -> Result<f64> {
        let start = Instant::now();
        let first = *next;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        while start.elapsed() < min {
            for _ in 0..64 {
                insert(&tx, next)?;
            }
        }
        tx.commit()?;
        Ok((*next - first) as f64 / start.elapsed().as_secs_f64())
    };
    one_tx(&mut conn, &mut next, scaled(WARM_UP))?;
    let mut rates = (0..REPEATS).map(|_| one_tx(&mut conn, &mut next, scaled(RUN))).collect::<Result<Vec<_>>>()?;
    let one_tx_rate = median(&mut rates);

    progress(format!("  SQLite inserts, a commit per {batch} rows"));
    let batched = |conn: &mut Connection, next: &mut i64, min: Duration| -> Result<f64> {
        let start = Instant::now();
        let first = *next;
        while start.elapsed() < min {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for _ in 0..batch {
                insert(&tx, next)?;
            }
            tx.commit()?;
        }
        Ok((*next - first) as f64 / start.elapsed().as_secs_f64())
    };
    batched(&mut conn, &mut next, scaled(WARM_UP))?;
    let mut rates = (0..REPEATS).map(|_| batched(&mut conn, &mut next, scaled(RUN))).collect::<Result<Vec<_>>>()?;
    let batched_rate = median(&mut rates);

    let total = u64::try_from(next).unwrap_or(0);
    // Closing checkpoints the log into the file: what is left is the table.
    conn.close().map_err(|(_, e)| e)?;
    let bytes = file_bytes(path);
    Ok((one_tx_rate, batched_rate, ratio(bytes as f64, total as f64)))
}

/// The size of an SQLite file with its write-ahead log, if any.
fn file_bytes(path: &Path) -> u64 {
    let len = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    len(path) + len(Path::new(&format!("{}-wal", path.display())))
}

/// Builds the ledger through the real append path: genesis, the office key's
/// authorisation, with `domain` the demonstration's content (offices,
/// catalog, units, policy, five periods: about 4,700 records), then notes
/// in batches, each batch one transaction exactly as `ledger append` runs
/// it. Only the note batches are timed.
fn build(db: &Path, records: u64, batch: usize, keys: &Keys, cache: &Cache, domain: bool) -> Result<LedgerFigures> {
    let genesis = keys.genesis_parts()?;
    // The demonstration's events carry their own times from 2018 on: the
    // ledger starts before them; the notes are signed now.
    let now: Timestamp = "2018-01-02T09:00:00Z".parse().map_err(|e| anyhow!("{e}"))?;
    let (mut ledger, _) = Ledger::create(db, ORIGIN, &genesis, Signer::new(&keys.root), now, cache.clone())
        .with_context(|| format!("creating {}", db.display()))?;
    ledger.append(&[(0, keys.authorization())], Signer::new(&keys.root), now).context("authorising the office key")?;
    if domain {
        progress("append: the demonstration's domain content");
        let offices = ledger_domain::demo::OFFICES.iter().map(|o| Ok((o.0, random_key()?))).collect::<Result<_>>()?;
        ledger = ledger_engine::demo::populate(ledger, &keys.root, offices, now).context("the domain content")?.0;
    }
    let head = ledger.record_count()?;
    ensure!(head < records, "the ledger holds {head} records before the notes; ask for more than that");
    let notes = records - head;
    progress(format!("append: {} notes in batches of {batch} into {}", grouped(notes as f64), db.display()));
    let mut done = 0u64;
    let mut batches: Vec<(u64, Duration)> = Vec::new();
    let mut busy = Duration::ZERO;
    let mut next_report = notes / 10;
    let written_before = bytes_written();
    while done < notes {
        let count = (batch as u64).min(notes - done);
        let subs: Vec<(usize, Submission)> = (0..count).map(|k| (k as usize + 1, note_submission(done + k))).collect();
        let started = Instant::now();
        ledger
            .append(&subs, Signer::new(&keys.office), ledger_engine::Clock::system())
            .with_context(|| format!("appending notes {} to {}", done, done + count - 1))?;
        let took = started.elapsed();
        busy += took;
        batches.push((count, took));
        done += count;
        if done >= next_report {
            progress(format!(
                "  {:>3}%  {} records/s so far",
                done * 100 / notes,
                grouped(ratio(done as f64, busy.as_secs_f64()))
            ));
            next_report = done + notes / 10;
        }
    }
    drop(ledger);
    let written = bytes_written()
        .zip(written_before)
        .map(|(after, before)| ratio(after.saturating_sub(before) as f64, notes as f64));
    let rate = |bs: &[(u64, Duration)]| {
        let n: u64 = bs.iter().map(|b| b.0).sum();
        ratio(n as f64, bs.iter().map(|b| b.1).sum::<Duration>().as_secs_f64())
    };
    let tenth = batches.len().div_ceil(10);
    Ok(LedgerFigures {
        records,
        batch,
        append: rate(&batches),
        append_seconds: busy.as_secs_f64(),
        append_first: rate(&batches[..tenth]),
        append_last: rate(&batches[batches.len() - tenth..]),
        append_written_per_record: written,
        db_bytes: file_bytes(db),
        content_records: head,
        ..LedgerFigures::default()
    })
}

/// Streams the ledger once without checks, then verifies it as `ledger
/// verify --trust ROOT` does (median of 3 runs up to 200,000 records, else one).
fn read_and_verify(db: &Path, keys: &Keys, l: &mut LedgerFigures) -> Result<()> {
    progress("read: streaming every record");
    let store = Store::open_read_only(db)?;
    let started = Instant::now();
    let mut count = 0u64;
    store.for_each_chunk(4096, |chunk| {
        count += chunk.len() as u64;
        black_box(&chunk);
    })?;
    l.read = ratio(count as f64, started.elapsed().as_secs_f64());
    drop(store);
    ensure!(count == l.records, "the benchmark ledger holds {count} records, not {}", l.records);

    l.verify_runs = if l.records <= 200_000 { 3 } else { 1 };
    let mut seconds = Vec::new();
    for run in 1..=l.verify_runs {
        progress(format!("verify: run {run} of {}", l.verify_runs));
        let started = Instant::now();
        let store = Store::open_read_only(db)?;
        let options =
            Options { trusted_roots: vec![PublicKey::from(&keys.root)], expect_head: None, ..Options::default() };
        let verified = ledger_engine::verify::verify_store(&store, options)?;
        seconds.push(started.elapsed().as_secs_f64());
        let report = verified.report;
        if let Some(f) = report.findings.first() {
            bail!(
                "the benchmark ledger does not verify: {} finding(s), the first at seq {} ({}): {}",
                report.findings.len(),
                f.seq,
                f.check.name(),
                f.message
            );
        }
        ensure!(report.records == l.records, "verification read {} records, not {}", report.records, l.records);
    }
    l.verify_seconds = median(&mut seconds);
    l.verify = ratio(l.records as f64, l.verify_seconds);
    progress("verify: the raw pipeline over the same file");
    let mut pipeline = Vec::new();
    for _ in 0..l.verify_runs {
        pipeline.push(raw_verify_pipeline(db, l.records)?);
    }
    l.verify_pipeline = ratio(l.records as f64, median(&mut pipeline));
    Ok(())
}

/// Seconds of a raw verification pipeline over a ledger file: a plain
/// SQLite scan of the records in chunks of 4,096, each chunk checked on all
/// cores (rayon): the BLAKE3 record hash against the stored one, and
/// `verify_strict` of every signature over the envelope's bytes. No
/// decoding of the envelope, no ordered checks, no tree, no replay: what
/// any verifier of this format must at least do.
fn raw_verify_pipeline(db: &Path, records: u64) -> Result<f64> {
    use rayon::prelude::*;
    type Row = (u64, [u8; 32], [u8; 32], Vec<u8>, Vec<u8>);
    let check = |rows: &[Row]| -> bool {
        rows.par_iter().all(|(seq, prev, hash, env, sigs)| {
            let h = ledger_core::crypto::record_hash(&ledger_core::Hash(*prev), *seq, env, sigs);
            let message = event_signing_message(env);
            h.0 == *hash
                && serde_json::from_slice::<Vec<ledger_core::record::Signature>>(sigs)
                    .is_ok_and(|s| s.iter().all(|s| s.key.verify_strict(&message, &s.sig.signature())))
        })
    };
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let started = Instant::now();
    let mut stmt = conn.prepare("SELECT seq, prev, hash, envelope, signatures FROM records ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let (mut chunk, mut n, mut ok) = (Vec::with_capacity(4096), 0u64, true);
    let fixed = |b: &[u8]| -> Result<[u8; 32]> { b.try_into().map_err(|_| anyhow!("a stored hash is not 32 bytes")) };
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        chunk.push((
            seq as u64,
            fixed(row.get_ref(1)?.as_bytes()?)?,
            fixed(row.get_ref(2)?.as_bytes()?)?,
            row.get_ref(3)?.as_bytes()?.to_vec(),
            row.get_ref(4)?.as_bytes()?.to_vec(),
        ));
        if chunk.len() == 4096 {
            ok &= check(&chunk);
            n += chunk.len() as u64;
            chunk.clear();
        }
    }
    ok &= check(&chunk);
    n += chunk.len() as u64;
    ensure!(ok, "the raw pipeline found a record whose hash or a signature does not check");
    ensure!(n == records, "the raw pipeline read {n} records, not {records}");
    Ok(started.elapsed().as_secs_f64())
}

/// The domain replay (what `scores` and `status` fold after a verification)
/// against a raw scan of the same rows through a plain connection with a
/// `serde_json::Value` decode of each envelope; each the median of several
/// passes (at least the run time).
fn replay(db: &Path, l: &mut LedgerFigures) -> Result<()> {
    let types: Vec<&str> = ledger_domain::events::domain_types().collect();
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let list = vec!["?"; types.len()].join(", ");
    let sql = format!("SELECT envelope FROM records WHERE type IN ({list}) ORDER BY seq");
    let raw_pass = || -> Result<u64> {
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(types.iter()))?;
        let mut n = 0u64;
        while let Some(row) = rows.next()? {
            let value: Value = serde_json::from_slice(row.get_ref(0)?.as_bytes()?)?;
            black_box(value);
            n += 1;
        }
        Ok(n)
    };
    let events = raw_pass()?;
    l.replay_events = events;
    if events == 0 {
        return Ok(());
    }
    progress(format!(
        "replay: {} domain events into the projection, and the raw scan and decode",
        grouped(events as f64)
    ));
    let store = Store::open_read_only(db)?;
    let ledger_pass = || -> Result<u64> {
        let replay = ledger_engine::verify::replay_verified(&store, &std::collections::BTreeSet::new(), AsOf::End)?;
        ensure!(
            replay.anomalies.is_empty(),
            "the benchmark ledger's replay skipped {} record(s)",
            replay.anomalies.len()
        );
        black_box(&replay.domain);
        Ok(1)
    };
    let timed = |pass: &dyn Fn() -> Result<u64>| -> Result<f64> {
        pass()?;
        let mut rates = Vec::new();
        for _ in 0..REPEATS {
            let (started, mut passes) = (Instant::now(), 0u64);
            while passes == 0 || started.elapsed() < scaled(RUN) {
                pass()?;
                passes += 1;
            }
            rates.push(ratio((passes * events) as f64, started.elapsed().as_secs_f64()));
        }
        Ok(median(&mut rates))
    };
    l.replay_raw = timed(&|| raw_pass())?;
    l.replay = timed(&ledger_pass)?;
    Ok(())
}

/// Durable single appends at N records through an open ledger, each its
/// own transaction (synchronous=FULL), against one-row inserts into a
/// plain table with the store's pragmas, each its own transaction.
fn durable_appends(db: &Path, raw_path: &Path, keys: &Keys, cache: &Cache, l: &mut LedgerFigures) -> Result<()> {
    let count = if QUICK.load(std::sync::atomic::Ordering::Relaxed) { 5 } else { DURABLE_APPENDS };
    progress(format!("durable: {count} single appends, each its own transaction, and as many raw one-row commits"));
    let mut ledger = Ledger::open(db, cache.clone())?;
    ledger.append(&[(1, note_submission(u64::MAX / 4))], Signer::new(&keys.office), ledger_engine::Clock::system())?;
    let started = Instant::now();
    for i in 0..count {
        let sub = note_submission(u64::MAX / 4 + 1 + i as u64);
        ledger.append(&[(1, sub)], Signer::new(&keys.office), ledger_engine::Clock::system())?;
    }
    l.durable_append = ratio(count as f64, started.elapsed().as_secs_f64());
    drop(ledger);

    let result = (|| -> Result<f64> {
        let conn = raw_table(raw_path)?;
        let sample = note_submission(0);
        let envelope = serde_json::to_string(&sample.data)?;
        let insert = |seq: i64| -> Result<()> {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            conn.prepare_cached(RAW_INSERT)?.execute(params![seq, &[0u8; 32][..], &[1u8; 32][..], envelope, "[]"])?;
            conn.execute_batch("COMMIT")?;
            Ok(())
        };
        insert(0)?;
        let started = Instant::now();
        for i in 0..count {
            insert(i as i64 + 1)?;
        }
        Ok(ratio(count as f64, started.elapsed().as_secs_f64()))
    })();
    remove_sqlite_files(raw_path);
    l.durable_raw = result?;
    Ok(())
}

/// A plain SQLite file with the store's pragmas and the stored columns of a
/// record, no index.
fn raw_table(path: &Path) -> Result<Connection> {
    remove_sqlite_files(path);
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE raw (seq INTEGER PRIMARY KEY, prev BLOB NOT NULL, hash BLOB NOT NULL, \
         envelope TEXT NOT NULL, signatures TEXT NOT NULL) STRICT;",
    )?;
    Ok(conn)
}

/// One bulk import: `IMPORT_EVENTS` notes (or the ledger's size) in one
/// `append` into a fresh ledger, signing included, against the raw import
/// pipeline of the same notes ([`raw_import`]).
fn bulk_import(work: &Path, keys: &Keys, cache: &Cache, l: &mut LedgerFigures) -> Result<()> {
    let n = IMPORT_EVENTS.min(l.records);
    let subs: Vec<(usize, Submission)> = (0..n).map(|i| (i as usize + 1, note_submission(i))).collect();
    let inputs: Vec<(String, String, String)> =
        subs.iter().zip(0..n).map(|((_, s), i)| (s.stream.clone(), note(i).1, s.id.clone())).collect();
    progress(format!("import: one append of {} notes into a fresh ledger, and the raw pipeline", grouped(n as f64)));
    let raw_path = work.join("bench-import-raw.db");
    let raw = raw_import(&raw_path, &keys.office, &inputs);
    remove_sqlite_files(&raw_path);
    l.import_pipeline = raw?;

    let db = work.join("bench-import.db");
    remove_sqlite_files(&db);
    let result = (|| -> Result<f64> {
        let now = ledger_engine::Clock::system();
        let (mut ledger, _) =
            Ledger::create(&db, ORIGIN, &keys.genesis_parts()?, Signer::new(&keys.root), now, cache.clone())?;
        ledger.append(&[(0, keys.authorization())], Signer::new(&keys.root), now)?;
        let started = Instant::now();
        let appended = ledger.append(&subs, Signer::new(&keys.office), ledger_engine::Clock::system())?;
        let seconds = started.elapsed().as_secs_f64();
        ensure!(appended.len() as u64 == n, "the import appended {} of {n} events", appended.len());
        Ok(ratio(n as f64, seconds))
    })();
    remove_sqlite_files(&db);
    l.import_events = n;
    l.import = result?;
    Ok(())
}

/// The raw import pipeline: what any importer of this format must at least
/// do for these notes. On all cores (rayon): the canonical envelope bytes,
/// written directly, and the author's signature; then in order the
/// signature list, the BLAKE3 record hash chained to the one before and
/// the row, all inserted in one transaction into a plain table. Stream
/// versions are counted per stream. Checked (untimed) to give the bytes
/// the ledger's own encoder gives.
fn raw_import(path: &Path, key: &SigningKey, inputs: &[(String, String, String)]) -> Result<f64> {
    use rayon::prelude::*;
    let author = PublicKey::from(key);
    let author_json = serde_json::to_string(&author)?;
    let now = ledger_engine::Clock::system();
    let time_json = serde_json::to_string(&now)?;
    let encode = |stream: &str, text: &str, id: &str, version: u64| -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(160 + text.len());
        out.extend_from_slice(b"{\"author\":");
        out.extend_from_slice(author_json.as_bytes());
        out.extend_from_slice(b",\"data\":{\"text\":");
        serde_json::to_writer(&mut out, text)?;
        out.extend_from_slice(b"},\"id\":");
        serde_json::to_writer(&mut out, id)?;
        out.extend_from_slice(b",\"origin\":");
        serde_json::to_writer(&mut out, ORIGIN)?;
        out.extend_from_slice(b",\"schema\":1,\"stream\":");
        serde_json::to_writer(&mut out, stream)?;
        out.extend_from_slice(b",\"time\":");
        out.extend_from_slice(time_json.as_bytes());
        out.extend_from_slice(b",\"type\":\"note\",\"version\":");
        out.extend_from_slice(version.to_string().as_bytes());
        out.push(b'}');
        Ok(out)
    };
    // The check, untimed: the same bytes as the ledger's encoder.
    if let Some((stream, text, id)) = inputs.first() {
        let envelope = ledger_core::record::Envelope {
            origin: ORIGIN.into(),
            stream: stream.clone(),
            version: 1,
            event_type: "note".into(),
            schema: 1,
            data: match json!({ "text": text }) {
                Value::Object(m) => m,
                _ => bail!("a note's data is an object"),
            },
            author,
            time: now,
            id: id.clone(),
        };
        ensure!(
            envelope.to_bytes()? == encode(stream, text, id, 1)?,
            "the raw pipeline's envelope bytes differ from the ledger's canonical encoding"
        );
    }
    let conn = raw_table(path)?;
    let started = Instant::now();
    let mut versions: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    let numbered: Vec<(&(String, String, String), u64)> = inputs
        .iter()
        .map(|input| {
            let v = versions.entry(input.0.as_str()).or_insert(0);
            *v += 1;
            (input, *v)
        })
        .collect();
    let signed = numbered
        .par_iter()
        .map(|((stream, text, id), version)| {
            let envelope = encode(stream, text, id, *version)?;
            let sig = key.sign(&event_signing_message(&envelope));
            Ok((envelope, sig))
        })
        .collect::<Result<Vec<_>>>()?;
    let tx = conn.unchecked_transaction()?;
    {
        let mut insert = tx.prepare(RAW_INSERT)?;
        let mut prev = ledger_core::Hash::ZERO;
        let key_hex = author.to_hex();
        for (seq, (envelope, sig)) in signed.iter().enumerate() {
            let signatures = format!("[{{\"key\":\"{key_hex}\",\"sig\":\"{}\"}}]", hex::encode(sig.to_bytes()));
            let hash = ledger_core::crypto::record_hash(&prev, seq as u64 + 2, envelope, signatures.as_bytes());
            insert.execute(params![
                seq as i64 + 2,
                &prev.0[..],
                &hash.0[..],
                std::str::from_utf8(envelope)?,
                signatures
            ])?;
            prev = hash;
        }
    }
    tx.commit()?;
    Ok(ratio(inputs.len() as f64, started.elapsed().as_secs_f64()))
}

/// One durable single-event append, as a `ledger append` process makes it:
/// open the ledger, load the state (the trusted snapshot and the records
/// after it), decide, sign, commit. Median milliseconds of several.
fn single_appends(db: &Path, keys: &Keys, cache: &Cache) -> Result<f64> {
    let mut times = Vec::with_capacity(SINGLE_APPENDS);
    for i in 0..SINGLE_APPENDS {
        let sub = note_submission(u64::MAX / 2 + i as u64);
        let started = Instant::now();
        let mut ledger = Ledger::open(db, cache.clone())?;
        ledger.append(&[(1, sub)], Signer::new(&keys.office), ledger_engine::Clock::system())?;
        drop(ledger);
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    Ok(median(&mut times))
}

/// A raw chain re-hash: a plain SQLite scan and the record hash of each
/// record, checked against the stored one and the chain, on one thread.
fn raw_rehash(db: &Path) -> Result<f64> {
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let started = Instant::now();
    let mut stmt = conn.prepare("SELECT seq, prev, hash, envelope, signatures FROM records ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut prev = [0u8; 32];
    let mut n = 0u64;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let stored_prev = row.get_ref(1)?.as_bytes()?;
        let hash = row.get_ref(2)?.as_bytes()?;
        let env = row.get_ref(3)?.as_bytes()?;
        let sigs = row.get_ref(4)?.as_bytes()?;
        let p = ledger_core::Hash::from_slice(stored_prev).ok_or_else(|| anyhow!("record {seq}: prev"))?;
        let h = ledger_core::crypto::record_hash(&p, seq as u64, env, sigs);
        ensure!(h.0[..] == *hash && stored_prev == prev, "record {seq} does not chain");
        prev = h.0;
        n += 1;
    }
    black_box(n);
    Ok(started.elapsed().as_secs_f64())
}

/// Peak resident memory (MiB) of `ledger <command>` on `db`, run as a child:
/// its `VmHWM` (Linux), read every few milliseconds while it runs. (The
/// children's `ru_maxrss` would count this process's memory too: a child
/// starts as a copy of its parent.)
fn peak_rss(binary: &Path, db: &Path, command: &str) -> Result<Option<f64>> {
    let mut child = std::process::Command::new(binary)
        .arg("--db")
        .arg(db)
        .args(["--no-cache", "--quiet", command])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("running {} verify", binary.display()))?;
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak_kib: Option<u64> = None;
    let status = loop {
        if let Some(kib) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        }) {
            peak_kib = Some(peak_kib.map_or(kib, |p: u64| p.max(kib)));
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    ensure!(status.success(), "`ledger {command}` of the benchmark ledger failed ({status})");
    Ok(peak_kib.map(|k| k as f64 / 1024.0))
}

/// The scale figures: single appends at N and at a small ledger, `scores`
/// after an earlier verification against a raw re-hash, and the peak
/// memory of a verification at both sizes.
fn scale(
    work: &Path,
    db: &Path,
    keys: &Keys,
    cache: &Cache,
    binary: &Path,
    config: &Config,
    content: u64,
) -> Result<ScaleFigures> {
    let with_domain = config.records >= DOMAIN_FROM;
    // The small ledger holds the same content (the domain's, when the large
    // one has it) and 1,000 notes: only the number of records differs.
    let small_db = work.join("bench-small.db");
    let _ = std::fs::remove_file(&small_db);
    let small_records = content + SMALL_RECORDS;
    progress(format!("scale: a small ledger of {small_records} records"));
    build(&small_db, small_records, config.batch.min(SMALL_RECORDS as usize), keys, cache, with_domain)?;
    progress(format!("scale: peak memory of `ledger verify` ({})", binary.display()));
    let verify_rss_small_mib = peak_rss(binary, &small_db, "verify")?;
    let verify_rss_mib = peak_rss(binary, db, "verify")?;
    progress("scale: peak memory of a verification and replay from genesis (`ledger catalog`)");
    let replay_rss_small_mib = peak_rss(binary, &small_db, "catalog")?;
    let replay_rss_mib = peak_rss(binary, db, "catalog")?;
    progress(format!("scale: raw chain re-hash of {} records", grouped(config.records as f64)));
    let rehash_seconds = raw_rehash(db)?;
    let (scores_seconds, scores_first_seconds) = if with_domain {
        progress("scale: `scores` from genesis, then after that verification");
        let mut times = Vec::new();
        for _ in 0..2 {
            let started = Instant::now();
            let mut ledger = Ledger::open_read_only(db, cache.clone())?;
            let view = ledger.view(AsOf::End)?;
            ensure!(view.checked.ok, "the benchmark ledger does not verify");
            black_box(view.scoreboard("2022")?);
            times.push(started.elapsed().as_secs_f64());
        }
        (times.get(1).copied(), times.first().copied())
    } else {
        (None, None)
    };
    progress(format!("scale: {SINGLE_APPENDS} single appends at each size"));
    let append_at_small_ms = single_appends(&small_db, keys, cache)?;
    let append_at_n_ms = single_appends(db, keys, cache)?;
    remove_sqlite_files(&small_db);
    Ok(ScaleFigures {
        small_records,
        append_at_n_ms,
        append_at_small_ms,
        scores_seconds,
        scores_first_seconds,
        rehash_seconds,
        verify_rss_mib,
        verify_rss_small_mib,
        replay_rss_mib,
        replay_rss_small_mib,
    })
}

/// Records the stored nodes a proof reads.
struct Recording<R> {
    inner: R,
    ids: RefCell<Vec<NodeId>>,
}

impl<R: HashReader> HashReader for Recording<R> {
    type Error = R::Error;
    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<ledger_tlog::Hash>, Self::Error> {
        self.ids.borrow_mut().extend_from_slice(ids);
        self.inner.read_hashes(ids)
    }
}

/// The `tlog_nodes` row ids a proof reads.
fn proof_rows<E: std::fmt::Display>(
    tree: ledger_store::TreeReader<'_>,
    proof: impl FnOnce(&Recording<ledger_store::TreeReader<'_>>) -> Result<Vec<ledger_tlog::Hash>, E>,
) -> Result<Vec<i64>> {
    let recording = Recording { inner: tree, ids: RefCell::new(Vec::new()) };
    proof(&recording).map_err(|e| anyhow!("{e}"))?;
    recording
        .ids
        .into_inner()
        .into_iter()
        .map(|id| id.stored_index().and_then(|i| i64::try_from(i).ok()).ok_or_else(|| anyhow!("node id out of range")))
        .collect()
}

/// The raw limit of a proof: the SQL it needs (the tree size, then each
/// node by row id) on a plain read-only connection, with nothing of the
/// ledger's code around it. Microseconds per proof, in the order given.
fn raw_reads(db: &Path, proofs: &[Vec<i64>]) -> Result<Vec<f64>> {
    let mut uri = String::from("file:");
    for c in db.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
        | rusqlite::OpenFlags::SQLITE_OPEN_URI
        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(&uri, flags)?;
    let mut size = conn.prepare_cached("SELECT max(id) FROM tlog_nodes")?;
    let mut node = conn.prepare_cached("SELECT hash FROM tlog_nodes WHERE id = ?1")?;
    let mut one = |rows: &[i64]| -> Result<f64> {
        let started = Instant::now();
        black_box(size.query_row([], |r| r.get::<_, Option<i64>>(0))?);
        let mut hashes = Vec::with_capacity(rows.len());
        for &row in rows {
            hashes.push(node.query_row([row], |r| Ok(r.get_ref(0)?.as_bytes().map(<[u8]>::to_vec)))?);
        }
        black_box(hashes);
        Ok(started.elapsed().as_secs_f64() * 1e6)
    };
    for rows in proofs.iter().take(50) {
        one(rows)?;
    }
    proofs.iter().map(|rows| one(rows)).collect()
}

/// Inclusion proofs of random records and the consistency proof from half
/// the ledger to all of it, from the stored tree as `ledger prove` reads it,
/// each checked against the root (outside the timing); then the same SQL
/// reads on a plain connection.
fn proofs(db: &Path, l: &mut LedgerFigures) -> Result<()> {
    progress(format!("proofs: {PROOFS} inclusion proofs, {CONSISTENCY_REPEATS} consistency proofs"));
    let store = Store::open_read_only(db)?;
    let tree = store.tree();
    let n = l.records;
    let size = tree.current_size()?;
    ensure!(size == n, "the Merkle tree covers {size} records, not {n}");
    let root = tree.root(n)?;
    let mut rng = Rng(0x5eed);
    for _ in 0..50 {
        black_box(tree.inclusion_proof(rng.below(n), n)?);
    }
    let indices: Vec<u64> = (0..PROOFS).map(|_| rng.below(n)).collect();
    let mut times = Vec::with_capacity(PROOFS);
    let mut proofs = Vec::with_capacity(PROOFS);
    for &i in &indices {
        let started = Instant::now();
        let proof = tree.inclusion_proof(i, n)?;
        times.push(started.elapsed().as_secs_f64() * 1e6);
        proofs.push(proof);
    }
    let mut rows = Vec::with_capacity(PROOFS);
    for (&i, proof) in indices.iter().zip(&proofs) {
        let raw = store.get(i)?.ok_or_else(|| anyhow!("record {i} is missing"))?;
        let hash: [u8; 32] =
            raw.hash.as_slice().try_into().map_err(|_| anyhow!("record {i}: stored hash is not 32 bytes"))?;
        verify_inclusion(&leaf_hash(&hash), i, n, proof, &root)
            .map_err(|e| anyhow!("the inclusion proof of record {i} does not verify: {e}"))?;
        rows.push(proof_rows(tree, |r| ledger_tlog::inclusion_proof(i, n, r))?);
    }
    l.proofs = PROOFS;
    l.inclusion_mean_us = times.iter().sum::<f64>() / PROOFS as f64;
    times.sort_by(f64::total_cmp);
    l.inclusion_p99_us = percentile(&times, 99.0);
    l.inclusion_hashes = proofs.iter().map(Vec::len).sum::<usize>() as f64 / PROOFS as f64;
    l.inclusion_reads = rows.iter().map(Vec::len).sum::<usize>() as f64 / PROOFS as f64;
    l.inclusion_raw_us = raw_reads(db, &rows)?.iter().sum::<f64>() / PROOFS as f64;

    let old = n / 2;
    let mut times = Vec::with_capacity(CONSISTENCY_REPEATS);
    let mut proof = Vec::new();
    for _ in 0..5 {
        black_box(tree.consistency_proof(old, n)?);
    }
    for _ in 0..CONSISTENCY_REPEATS {
        let started = Instant::now();
        proof = tree.consistency_proof(old, n)?;
        times.push(started.elapsed().as_secs_f64() * 1e6);
    }
    verify_consistency(old, &tree.root(old)?, n, &root, &proof)
        .map_err(|e| anyhow!("the consistency proof from {old} to {n} does not verify: {e}"))?;
    let rows = proof_rows(tree, |r| ledger_tlog::consistency_proof(old, n, r))?;
    l.consistency_us = median(&mut times);
    l.consistency_hashes = proof.len();
    l.consistency_reads = rows.len();
    l.consistency_raw_us = median(&mut raw_reads(db, &vec![rows; CONSISTENCY_REPEATS])?);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn figures() -> (RawLimits, LedgerFigures) {
        let raw = RawLimits {
            threads: 2,
            record_bytes: 600.0,
            sign_one: 50_000.0,
            sign_all: 100_000.0,
            verify_one: 20_000.0,
            verify_all: 40_000.0,
            blake3: 1_000_000.0,
            sha256_leaf: 1_000_000.0,
            sqlite_one_tx: 400_000.0,
            sqlite_batched: 100_000.0,
            sqlite_row_bytes: 700.0,
        };
        let ledger = LedgerFigures {
            records: 1000,
            batch: 100,
            append: 16_000.0,
            append_seconds: 0.064,
            append_first: 16_000.0,
            append_last: 15_000.0,
            append_written_per_record: Some(2_150.0),
            read: 400_000.0,
            verify: 16_000.0,
            verify_seconds: 0.0625,
            verify_runs: 3,
            verify_pipeline: 20_000.0,
            import_events: 1000,
            import: 99_000.0,
            import_pipeline: 120_000.0,
            durable_append: 90.0,
            durable_raw: 100.0,
            replay_events: 500,
            replay: 400_000.0,
            replay_raw: 1_000_000.0,
            proofs: 1000,
            inclusion_mean_us: 30.0,
            inclusion_p99_us: 1200.0,
            inclusion_hashes: 10.0,
            inclusion_reads: 11.0,
            inclusion_raw_us: 24.0,
            consistency_us: 20.0,
            consistency_hashes: 9,
            consistency_reads: 9,
            consistency_raw_us: 20.0,
            db_bytes: 1_400_000,
            content_records: 2,
        };
        (raw, ledger)
    }

    #[test]
    fn ratios_and_targets_follow_from_the_figures() {
        let (raw, ledger) = figures();
        let r = ratios(&raw, &ledger);
        // 1 / (1/50,000 + 1/1,000,000 + 1/1,000,000 + 1/100,000) = 31,250.
        assert!((r.serial_ceiling - 31_250.0).abs() < 1e-6, "{}", r.serial_ceiling);
        assert!((r.append_vs_ceiling - 0.512).abs() < 1e-9);
        assert!((r.verify_vs_verify_all - 0.4).abs() < 1e-12);
        assert!((r.verify_vs_pipeline - 0.8).abs() < 1e-12);
        assert!((r.inclusion_efficiency - 0.8).abs() < 1e-12);
        assert!((r.consistency_efficiency - 1.0).abs() < 1e-12);
        assert!((r.bytes_per_record - 1400.0).abs() < 1e-9);
        assert!((r.disk_vs_row - 2.0).abs() < 1e-12);
        assert!((r.import_vs_pipeline - 0.825).abs() < 1e-12);
        assert!((r.import_vs_peer - 2.0).abs() < 1e-12, "99,000 / the peer's 49,500");
        assert!((r.durable_vs_raw - 0.9).abs() < 1e-12);
        assert!((r.replay_vs_raw - 0.4).abs() < 1e-12);
        let met: Vec<(&str, bool)> = targets(&ledger, &r).iter().map(|t| (t.name, t.met)).collect();
        assert_eq!(
            met,
            [
                ("append", true),
                ("verify", false),
                ("verify_pipeline", false),
                ("inclusion_p99", false),
                ("inclusion_efficiency", true),
                ("disk", false),
                ("import_pipeline", true),
                ("import_vs_peer", true),
                ("durable_append", true),
                ("replay", false),
                ("replay_vs_raw", false),
            ]
        );
        // Without domain content there is no replay to measure, and no target for it.
        let none = LedgerFigures { replay_events: 0, ..ledger };
        let names: Vec<&str> = targets(&none, &ratios(&raw, &none)).iter().map(|t| t.name).collect();
        assert!(!names.contains(&"replay") && !names.contains(&"replay_vs_raw") && names.contains(&"durable_append"));
    }

    #[test]
    fn the_json_report_has_every_section_and_the_ratios() {
        let (raw, ledger) = figures();
        let scale = ScaleFigures {
            small_records: 1000,
            append_at_n_ms: 12.0,
            append_at_small_ms: 8.0,
            scores_seconds: Some(0.5),
            scores_first_seconds: Some(9.0),
            rehash_seconds: 0.2,
            verify_rss_mib: Some(30.0),
            verify_rss_small_mib: Some(20.0),
            replay_rss_mib: Some(70.0),
            replay_rss_small_mib: Some(50.0),
        };
        let report =
            Report { raw, ledger, scale, dir: "/tmp/x".into(), kept: false, release: true, load_average: Some(0.1) };
        let v = report_json(&report);
        for key in [
            "records",
            "batch",
            "threads",
            "load_average_at_start",
            "raw",
            "ledger",
            "ratios",
            "targets",
            "targets_met",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["raw"]["ed25519_sign_per_s"]["one_core"], 50_000.0);
        assert_eq!(v["raw"]["blake3_mb_per_s"], 600.0);
        assert_eq!(v["ledger"]["append"]["records_per_s"], 16_000.0);
        assert_eq!(v["ledger"]["consistency_proof"]["old_size"], 500);
        assert_eq!(v["ledger"]["append"]["written_bytes_per_record"], 2_150.0);
        assert_eq!(v["ratios"]["serial_ceiling_records_per_s"], 31_250.0);
        assert_eq!(v["ratios"]["append_vs_serial_ceiling"], 0.512);
        assert_eq!(v["ratios"]["verify_vs_verify_strict_all_cores"], 0.4);
        assert_eq!(v["ratios"]["verify_vs_raw_pipeline"], 0.8);
        assert_eq!(v["ledger"]["verify"]["raw_pipeline_records_per_s"], 20_000.0);
        assert_eq!(v["ratios"]["verify_vs_read"], 0.04);
        assert_eq!(v["scale"]["append_single_ms"]["ratio"], 1.5);
        assert_eq!(v["scale"]["scores_seconds"]["ratio"], 2.5);
        let names: Vec<&str> = v["targets"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "append",
                "verify",
                "verify_pipeline",
                "inclusion_p99",
                "inclusion_efficiency",
                "disk",
                "import_pipeline",
                "import_vs_peer",
                "durable_append",
                "replay",
                "replay_vs_raw",
                "append_scale",
                "append_single_ms",
                "scores_vs_rehash",
                "verify_rss_mib",
                "replay_rss_mib",
                "memory_flat"
            ]
        );
        let met: Vec<bool> =
            v["targets"].as_array().unwrap()[11..].iter().map(|t| t["met"].as_bool().unwrap()).collect();
        assert_eq!(met, [true, true, false, true, false, true]);
        // Memory growth is the larger of the two: 30/20 = 1.5 and 70/50 = 1.4.
        assert_eq!(v["targets"][16]["value"], 1.5);
        assert_eq!(v["peer"]["bulk_append_events_per_s"], 49_500.0);
        assert_eq!(v["peer"]["measured"], false);
        assert!(v["peer"]["source"].as_str().unwrap().contains("issue 14"));
        assert_eq!(v["ledger"]["import"]["raw_pipeline_events_per_s"], 120_000.0);
        assert_eq!(v["ratios"]["import_vs_raw_pipeline"], 0.825);
        assert_eq!(v["ratios"]["import_vs_peer"], 2.0);
        assert_eq!(v["ledger"]["durable_append"]["raw_full_sync_inserts_per_s"], 100.0);
        assert_eq!(v["ratios"]["durable_append_vs_raw_insert"], 0.9);
        assert_eq!(v["ledger"]["replay"]["raw_scan_and_decode_events_per_s"], 1_000_000.0);
        assert_eq!(v["ratios"]["replay_vs_raw_scan_and_decode"], 0.4);
        assert_eq!(v["scale"]["replay_peak_rss_mib"]["at_n"], 70.0);
        assert_eq!(v["targets"][0]["name"], "append");
        assert_eq!(v["targets"][0]["met"], true);
        assert_eq!(v["targets_met"], false);
    }

    #[test]
    fn missing_limits_give_zero_ratios_not_infinities() {
        let r = ratios(&RawLimits::default(), &LedgerFigures::default());
        assert_eq!(r, Ratios::default());
        assert!(report_text(&Report::default()).iter().any(|l| l.contains("NOT MET")));
    }

    #[test]
    fn helpers() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        let sorted: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 99.0), 990.0);
        assert_eq!(percentile(&[5.0], 99.0), 5.0);
        assert_eq!(grouped(1_234_567.4), "1,234,567");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(round(123_456.0), 123_500.0);
        assert_eq!(round(0.123_456), 0.1235);
        assert_eq!(serial(&[2.0, 2.0]), 1.0);
    }

    #[test]
    fn benchmark_notes_are_valid_and_reproducible() {
        for i in [0, 1, 41, 9_999_999] {
            let (stream, text) = note(i);
            assert_eq!(note(i), (stream.clone(), text.clone()));
            assert!(ledger_core::record::valid_stream(&stream), "{stream}");
            let data = json!({ "text": text });
            let serde_json::Value::Object(data) = data else { unreachable!() };
            ledger_core::append::check_note(&data).unwrap();
            assert!((100..300).contains(&text.len()), "{} bytes: {text}", text.len());
        }
        assert_ne!(note(1).1, note(2).1);
    }
}
