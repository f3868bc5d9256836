//! One engine under every command (issue 9): snapshots that are trusted
//! only when this machine computed them, reads that verify only what is new
//! since this machine last verified the ledger, and no numbers shown from a
//! ledger that fails verification as if they were fine.

use crate::support::{Env, demo_env, errors};
use serde_json::Value;

/// The newest snapshot row: (seq, body as JSON).
fn newest_snapshot(env: &Env) -> (i64, Value) {
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let (seq, body): (i64, Vec<u8>) = c
        .query_row("SELECT seq, body FROM snapshots ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    (seq, serde_json::from_slice(&body).unwrap())
}

/// Replaces the body of the snapshot at `seq`, keeping its binding to the
/// record: the lie a file holder can tell.
fn write_snapshot(env: &Env, seq: i64, body: &Value) {
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.execute(
        "UPDATE snapshots SET body = ?1 WHERE seq = ?2",
        rusqlite::params![serde_json::to_vec(body).unwrap(), seq],
    )
    .unwrap();
}

/// A snapshot in which period 2022 is open again and one of its values is
/// another: were it believed, a submission would be accepted and a score
/// would change.
fn lie(body: &mut Value) {
    let period = &mut body["domain"]["periods"]["2022"];
    period["state"] = serde_json::json!({"state": "open"});
    let values = period["values"].as_array_mut().unwrap();
    let steps = values[0][1].as_array_mut().unwrap();
    let last = steps.last_mut().unwrap();
    last["value"] = Value::String("99999".into());
}

/// The projection hash of 2022 as `scores` shows it (even from a ledger
/// that fails verification), whether the ledger verified, and stderr.
fn projection_hash(env: &Env) -> (String, bool, String) {
    let r = env.run(&["scores", "--period", "2022", "--json", "--allow-unverified"]).ok();
    let v = r.json();
    (v["projection_hash"].as_str().unwrap().to_owned(), v["ledger_verified"].as_bool().unwrap(), r.stderr)
}

const LATE_VALUE: &str = "unit,indicator,value\nlixia,1,25.6\n";

#[test]
fn a_snapshot_that_lies_changes_no_decision_and_no_score_and_is_reported() {
    let env = demo_env();
    let (honest, verified, _) = projection_hash(&env);
    assert!(verified);
    std::fs::write(env.path("late.csv"), LATE_VALUE).unwrap();

    // This machine has just checked the newest snapshot (the first read
    // verified from genesis): a changed body is not the one it knows. The
    // scores are the records', and the edit is reported as a failed check.
    let (seq, mut body) = newest_snapshot(&env);
    lie(&mut body);
    write_snapshot(&env, seq, &body);
    let (hash, verified, stderr) = projection_hash(&env);
    assert_eq!(hash, honest, "a lying snapshot changed the scores");
    assert!(!verified);
    assert!(
        stderr.contains(&format!("the snapshot as of record {seq} is not the one this machine wrote or checked")),
        "{stderr}"
    );
    let r = env.run(&["scores", "--period", "2022"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with("LEDGER FAILS VERIFICATION") && r.stdout.contains("(snapshot)"), "{}", r.stdout);
    let before = env.db_bytes();
    let submit = || env.run(&["values", "submit", "--key", "keys/statistics.key", "--period", "2022", "late.csv"]);
    let r = submit();
    assert_eq!(r.code, 2, "a lying snapshot let a finalised period take a value:\n{}", r.stderr);
    assert!(r.stderr.contains("error: late.csv, row 2: period 2022 is finalized"), "{}", r.stderr);
    assert!(r.stderr.contains("is not the one this machine wrote or checked"), "{}", r.stderr);
    assert_eq!(env.db_bytes(), before);

    // A machine that never saw the ledger folds from genesis and finds the
    // lie on the way.
    env.forget_cache();
    let r = submit();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("period 2022 is finalized"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("the snapshot as of record {seq} is not the state the records give")),
        "{}",
        r.stderr
    );
    env.forget_cache();
    assert_eq!(projection_hash(&env).0, honest);

    // The full verification reports it as tampering of derived data.
    let (code, report) = env.verify_json(&[]);
    assert_eq!((code, errors(&report)), (1, vec![(seq as u64, "snapshot".to_owned())]), "{report:#}");
    // `repair` drops the derived snapshots; the ledger verifies again.
    env.run(&["repair", "--rebuild-tree"]).ok();
    env.run(&["verify"]).ok();
    assert_eq!(projection_hash(&env), (honest.clone(), true, String::new()));

    // A snapshot bound to another record hash is ignored too, and reported.
    let env = demo_env();
    std::fs::write(env.path("late.csv"), LATE_VALUE).unwrap();
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.execute("UPDATE snapshots SET hash = zeroblob(32) WHERE seq = ?1", [seq]).unwrap();
    drop(c);
    let (hash, verified, _) = projection_hash(&env);
    assert_eq!((hash, verified), (honest, false));
    let r = env.run(&["values", "submit", "--key", "keys/statistics.key", "--period", "2022", "late.csv"]);
    assert!(r.stderr.contains("is bound to another record"), "{}", r.stderr);
    assert!(errors(&env.verify_json(&[]).1).contains(&(seq as u64, "snapshot".to_owned())));
}

#[test]
fn reads_after_a_verification_check_only_what_is_new_and_say_how() {
    let env = demo_env();
    let method =
        |env: &Env| env.run(&["scores", "--period", "2022", "--json"]).ok().json()["verification"]["method"].clone();
    assert_eq!(method(&env), "full");
    let head = env.run(&["verify", "--json"]).ok().json()["head_seq"].as_u64().unwrap();
    assert_eq!(method(&env), serde_json::json!({"incremental": {"since": head}}));
    // Records appended since are verified now, the rest re-hashed.
    env.append("statistics", "{\"stream\":\"notes/x\",\"type\":\"note\",\"data\":{\"text\":\"a remark\"}}\n").ok();
    assert_eq!(method(&env), serde_json::json!({"incremental": {"since": head + 1}}), "the append moved the point");
    // Without the cache every read starts from genesis.
    let r = env.run(&["--no-cache", "scores", "--period", "2022", "--json"]).ok();
    assert_eq!(r.json()["verification"]["method"], "full");
}

/// Every read command, as a user runs it.
const READS: [&[&str]; 5] = [
    &["scores", "--period", "2022"],
    &["explain", "--period", "2022", "--unit", "shanghe", "--indicator", "10"],
    &["audit"],
    &["units"],
    &["catalog"],
];

#[track_caller]
fn every_read_fails(env: &Env, check: &str) {
    for args in READS {
        let r = env.run(args);
        assert_eq!(r.code, 1, "{args:?} exit {}:\n{}\n{}", r.code, r.stdout, r.stderr);
        assert!(r.stdout.starts_with("LEDGER FAILS VERIFICATION"), "{args:?}:\n{}", r.stdout);
        assert!(r.stdout.contains(&format!("({check})")), "{args:?} does not name {check}:\n{}", r.stdout);
        assert!(!r.stdout.contains("Period 2022"), "{args:?} showed numbers:\n{}", r.stdout);
        let mut json = args.to_vec();
        json.push("--json");
        let r = env.run(&json);
        assert_eq!(r.code, 1, "{json:?}");
        assert_eq!(r.json()["ledger_verified"], false);
        // Asked for, the numbers come, marked.
        let mut allow = args.to_vec();
        allow.push("--allow-unverified");
        let r = env.run(&allow);
        assert!(r.stdout.starts_with("UNVERIFIED"), "{allow:?}:\n{}", r.stdout);
    }
}

#[test]
fn a_record_edited_before_the_verified_point_makes_every_read_exit_1() {
    let env = demo_env();
    for args in READS {
        env.run(args).ok();
    }
    // One hex digit of a signature: the record no longer hashes to its
    // stored hash (nor verifies).
    env.tamper(|c| {
        let s: String = c.query_row("SELECT signatures FROM records WHERE seq = 100", [], |r| r.get(0)).unwrap();
        let i = s.find("\"sig\":\"").unwrap() + 7;
        let mut b = s.into_bytes();
        b[i] = if b[i] == b'a' { b'b' } else { b'a' };
        c.execute("UPDATE records SET signatures = ?1 WHERE seq = 100", [String::from_utf8(b).unwrap()]).unwrap();
    });
    every_read_fails(&env, "hash");
}

#[test]
fn a_ledger_cut_shorter_than_this_machine_verified_is_reported_even_with_its_tree() {
    let env = demo_env();
    env.run(&["scores", "--period", "2022"]).ok();
    // Cut the last ten records with their tree and snapshots, as a careful
    // file holder would: the ledger is consistent with itself.
    env.tamper(|c| {
        c.execute_batch("DELETE FROM records WHERE seq >= (SELECT max(seq) - 9 FROM records); DELETE FROM snapshots;")
            .unwrap();
    });
    env.rebuild_tree();
    env.run(&["--no-cache", "verify"]).ok();
    // This machine knows better.
    every_read_fails(&env, "head");
}

#[test]
fn verify_without_a_trusted_root_says_so() {
    let env = Env::with_ledger();
    let out = env.run(&["verify"]).ok().stdout;
    assert!(out.contains("the root of trust was not checked"), "{out}");
    let out = env.run(&["verify", "--trust", "keys/root.pub"]).ok().stdout;
    assert!(!out.contains("not checked"), "{out}");
    assert_eq!(env.verify_json(&[]).1["root_checked"], false);
}

#[test]
fn the_command_line_holds_no_sql_and_no_verification_logic() {
    // The CLI crate (the root package) depends on the engine, not on SQLite
    // or the store; its sources speak no SQL.
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap().split("\n[").next().unwrap();
    for forbidden in ["rusqlite", "ledger-store", "ledger-tlog", "rayon"] {
        assert!(!deps.contains(forbidden), "the CLI depends on {forbidden}:\n{deps}");
    }
    assert!(deps.contains("ledger-engine"));
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/ledger-cli/src");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for forbidden in ["SELECT ", "INSERT ", "rusqlite", "Verifier::", "Replay::", "verify_store"] {
            assert!(!text.contains(forbidden), "{} contains {forbidden:?}", path.display());
        }
    }
}

/// The normal dependencies of a workspace crate (its manifest's
/// `[dependencies]`), by name.
fn dependencies(krate: &str) -> Vec<String> {
    let path = format!("{}/crates/{krate}/Cargo.toml", env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(&path).unwrap();
    let Some(section) = manifest.split("\n[dependencies]\n").nth(1) else { return Vec::new() };
    let section = section.split("\n[").next().unwrap();
    section
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(['.', '=', ' ']).next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_read_model_the_report_and_the_exports_depend_on_no_sqlite_and_no_engine() {
    // Renderers read the plain read model; the engine builds it. Followed
    // through every crate of the workspace they depend on.
    for top in ["ledger-model", "ledger-report", "ledger-export"] {
        let mut seen = std::collections::BTreeSet::new();
        let mut next = vec![top.to_owned()];
        while let Some(krate) = next.pop() {
            for dep in dependencies(&krate) {
                for forbidden in ["rusqlite", "ledger-store", "ledger-engine"] {
                    assert_ne!(dep, forbidden, "{top} depends on {forbidden} (through {krate})");
                }
                if dep.starts_with("ledger-") && seen.insert(dep.clone()) {
                    next.push(dep);
                }
            }
        }
        if top != "ledger-model" {
            assert!(seen.contains("ledger-model"), "{top} does not read the read model: {seen:?}");
        }
    }
}

#[test]
fn the_clock_is_passed_in() {
    // The kernel and the domain are given every time; the engine reads the
    // system clock in one place, `Clock::system`, which a caller replaces
    // with a fixed clock (`Ledger::set_clock`). Event ids (`fresh_id`) are
    // ordered by time but decide nothing.
    let root = env!("CARGO_MANIFEST_DIR");
    let mut readers = Vec::new();
    for krate in ["ledger-core", "ledger-domain", "ledger-score", "ledger-engine", "ledger-tlog", "ledger-store"] {
        let mut dirs = vec![std::path::PathBuf::from(format!("{root}/crates/{krate}/src"))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap();
                for (n, line) in code.lines().enumerate() {
                    let line = line.trim_start();
                    if !line.starts_with("//")
                        && (line.contains("Timestamp::now")
                            || line.contains("SystemTime::now")
                            || line.contains("jiff::Timestamp::now"))
                    {
                        readers.push(format!("{}:{}", path.strip_prefix(root).unwrap().display(), n + 1));
                    }
                }
            }
        }
    }
    readers.sort();
    let files: Vec<&str> = readers.iter().map(|r| r.split(':').next().unwrap()).collect();
    assert_eq!(
        files,
        ["crates/ledger-engine/src/ledger.rs", "crates/ledger-engine/src/lib.rs", "crates/ledger-engine/src/lib.rs"],
        "the system clock is read outside Clock::system and fresh_id: {readers:?}"
    );
}

#[test]
fn the_service_reaches_the_ledger_through_the_engine_alone() {
    // No escape to the store: the HTTP service holds no SQLite, depends on
    // no store crate and asks the engine's façade (`Ledger::head`, ...).
    let root = env!("CARGO_MANIFEST_DIR");
    let manifest = std::fs::read_to_string(format!("{root}/crates/ledger-http/Cargo.toml")).unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap().split("\n[").next().unwrap();
    for forbidden in ["rusqlite", "ledger-store"] {
        assert!(!deps.contains(forbidden), "the service depends on {forbidden}:\n{deps}");
    }
    for entry in std::fs::read_dir(format!("{root}/crates/ledger-http/src")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for forbidden in [".store()", "ledger_store::", "SELECT "] {
            assert!(!text.contains(forbidden), "{} contains {forbidden:?}", path.display());
        }
    }
}

#[test]
fn the_benchmark_runs_and_reports_every_figure_at_a_tiny_size() {
    // Works, not fast: nothing here is timed against anything.
    let dir = tempfile::tempdir().unwrap();
    let config = ledger_bench::Config {
        records: 300,
        batch: 100,
        dir: Some(dir.path().join("bench")),
        ledger_binary: Some(env!("CARGO_BIN_EXE_ledger").into()),
        quick: true,
    };
    let report = ledger_bench::run(&config).unwrap();
    assert_eq!(report.ledger.records, 300);
    assert!(report.ledger.append > 0.0 && report.ledger.verify > 0.0 && report.raw.verify_all > 0.0);
    assert!(report.ledger.verify_pipeline > 0.0, "the raw verification pipeline is measured in the run");
    assert!(report.scale.append_at_n_ms > 0.0 && report.scale.rehash_seconds > 0.0);
    assert_eq!(report.scale.scores_seconds, None, "no domain content below 10,000 records");
    // Issue 14's figures, each with the raw limit measured in the same run.
    let l = &report.ledger;
    assert_eq!(l.import_events, 300, "one import of as many notes as the ledger holds, at most 100,000");
    assert!(l.import > 0.0 && l.import_pipeline > 0.0, "the bulk import and its raw pipeline");
    assert!(l.durable_append > 0.0 && l.durable_raw > 0.0, "the durable single append and the raw FULL-sync insert");
    assert_eq!((l.replay_events, l.replay), (0, 0.0), "no domain events to replay below 10,000 records");
    let linux = std::path::Path::new("/proc/self/status").exists();
    if linux {
        for (name, mib) in [("verify", report.scale.verify_rss_mib), ("replay", report.scale.replay_rss_mib)] {
            assert!(mib.is_some_and(|m| m > 1.0 && m < 1024.0), "peak memory of {name}: {mib:?}");
        }
    }
    let json = ledger_bench::report_json(&report);
    assert_eq!(json["records"], 300);
    assert!(json["targets"].as_array().unwrap().iter().any(|t| t["name"] == "append_scale"));
    assert!(json["targets"].as_array().unwrap().iter().any(|t| t["name"] == "verify_pipeline"));
    assert!(json["ratios"]["verify_vs_raw_pipeline"].as_f64().unwrap() > 0.0);
    for ratio in ["import_vs_raw_pipeline", "import_vs_peer", "durable_append_vs_raw_insert"] {
        assert!(json["ratios"][ratio].as_f64().unwrap() > 0.0, "{ratio}");
    }
    assert_eq!(json["peer"]["bulk_append_events_per_s"], 49_500.0);
    assert_eq!(json["peer"]["measured"], false);
    let names: Vec<&str> = json["targets"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    for name in ["import_pipeline", "import_vs_peer", "durable_append"] {
        assert!(names.contains(&name), "target {name} in {names:?}");
    }
    if linux {
        for name in ["verify_rss_mib", "replay_rss_mib", "memory_flat"] {
            assert!(names.contains(&name), "target {name} in {names:?}");
        }
    }
    assert!(ledger_bench::report_text(&report).iter().any(|l| l.starts_with("scale")));
}
