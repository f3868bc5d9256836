//! Defects found by probing the binary as an attacker and an unlucky
//! operator would (issue 16): a private key quoted in an error, `verify`
//! passing a damaged file, an append forking after a rollback, stray files
//! of a killed `init`, and unbounded reads.

use crate::support::{Env, errors};
use crate::tlog::{checkpoint, log_vkey, record_hash, with_log};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A private key file whose PEM body holds at least `plus` '+' characters
/// (the ones that once made a verifier key parser quote the PEM), and the
/// body's base64 lines.
fn private_key_with_plus(env: &Env, name: &str, plus: usize) -> Vec<String> {
    for seed in 0u8..=255 {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let path = env.path(name);
        let _ = std::fs::remove_file(&path);
        ledger_keyfile::write_private(&path, &key).unwrap();
        let pem = std::fs::read_to_string(&path).unwrap();
        let body: Vec<String> = pem.lines().filter(|l| !l.starts_with("-----")).map(str::to_owned).collect();
        if body.concat().matches('+').count() >= plus {
            return body;
        }
    }
    panic!("no seed gives {plus} '+' characters");
}

/// Every substring of 8 characters of the key's base64 body.
fn secret_pieces(body: &[String]) -> Vec<String> {
    let all = body.concat();
    let chars: Vec<char> = all.chars().collect();
    chars.windows(8).map(|w| w.iter().collect()).collect()
}

#[test]
fn no_command_quotes_a_private_key_given_where_something_else_is_expected() {
    let env = with_log();
    let body = private_key_with_plus(&env, "plus.key", 3);
    let pieces = secret_pieces(&body);
    checkpoint(&env, "cp.txt");
    log_vkey(&env);
    env.keygen("w1");
    env.run(&["prove", "1", "--out", "p1.proof"]).ok();
    let hash = record_hash(&env, 1);
    env.run(&["verify", "--state", "insp.state"]).ok();
    std::fs::write(env.path("events.jsonl"), "{\"stream\":\"n\",\"type\":\"note\",\"data\":{\"text\":\"x\"}}\n")
        .unwrap();
    let runs: Vec<Vec<&str>> = vec![
        // every option that takes a verifier key
        vec!["prove", "1", "--log-vkey", "plus.key"],
        vec!["consistency", "--from", "cp.txt", "--log-vkey", "plus.key"],
        vec!["verify", "--checkpoint", "cp.txt", "--log-vkey", "plus.key"],
        vec!["verify", "--state", "insp.state", "--log-vkey", "plus.key"],
        vec!["verify-proof", "--log-vkey", "plus.key", "--record-hash", &hash, "p1.proof"],
        vec!["verify-proof", "--log-vkey", "log.vkey", "--witness", "plus.key", "--record-hash", &hash, "p1.proof"],
        vec!["cosign", "--key", "keys/w1.key", "--log-vkey", "plus.key", "cp.txt"],
        // and every other file that is not a private key
        vec!["verify", "--checkpoint", "plus.key"],
        vec!["verify", "--trust", "plus.key"],
        vec!["consistency", "--from", "plus.key"],
        vec!["verify-proof", "--log-vkey", "log.vkey", "--record-hash", &hash, "plus.key"],
        vec!["cosign", "--key", "keys/w1.key", "--state", "plus.key", "cp.txt"],
        vec!["cosign", "--key", "keys/w1.key", "plus.key"],
        vec!["append", "--key", "keys/root.key", "plus.key"],
        vec!["values", "submit", "--key", "keys/stats.key", "--period", "2023", "plus.key"],
        vec!["key", "vkey", "plus.key", "--name", "x"],
        vec!["--db", "new.db", "init", "--origin", "x.example/l", "--key", "keys/root.key", "--role-table", "plus.key"],
        // a private key where one is expected, but not one the ledger knows
        vec!["append", "--key", "plus.key", "events.jsonl"],
    ];
    for args in &runs {
        let r = env.run(args);
        assert_ne!(r.code, 0, "{args:?} succeeded:\n{}\n{}", r.stdout, r.stderr);
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
        let output = format!("{}{}", r.stdout, r.stderr);
        for piece in &pieces {
            assert!(!output.contains(piece.as_str()), "{args:?} printed part of the private key ({piece}):\n{output}");
        }
    }
    // The verifier key options say what the file is.
    env.run(&["prove", "1", "--log-vkey", "plus.key"]).refused("holds a private key");
    let r = env.run(&["verify", "--checkpoint", "cp.txt", "--log-vkey", "plus.key"]).refused("holds a private key");
    assert!(r.stderr.contains("ledger key vkey"), "{}", r.stderr);
}

/// Copies each page of the file over the records table's root page until the
/// records left readable are a proper, gapless prefix: the damage SQLite's
/// integrity check sees and no record check can.
fn hide_records_behind_a_damaged_page(env: &Env) -> (usize, usize) {
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let total: i64 = c.query_row("SELECT count(*) FROM records", [], |r| r.get(0)).unwrap();
    let page_size: i64 = c.pragma_query_value(None, "page_size", |r| r.get(0)).unwrap();
    let pages: i64 = c.pragma_query_value(None, "page_count", |r| r.get(0)).unwrap();
    let root: i64 = c.query_row("SELECT rootpage FROM sqlite_master WHERE name = 'records'", [], |r| r.get(0)).unwrap();
    drop(c);
    let original = std::fs::read(env.db()).unwrap();
    let page = |n: i64| ((n - 1) * page_size) as usize..(n * page_size) as usize;
    for source in 2..=pages {
        if source == root {
            continue;
        }
        let mut damaged = original.clone();
        damaged[page(root)].copy_from_slice(&original[page(source)]);
        std::fs::write(env.db(), &damaged).unwrap();
        let c = rusqlite::Connection::open_with_flags(env.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let seqs: Result<Vec<i64>, _> = c
            .prepare("SELECT seq FROM records NOT INDEXED ORDER BY seq")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
        if let Ok(seqs) = seqs
            && seqs.len() > 1
            && (seqs.len() as i64) < total
            && seqs.iter().enumerate().all(|(i, &s)| s == i as i64)
        {
            return (seqs.len(), total as usize);
        }
    }
    panic!("no page copy leaves a readable prefix");
}

#[test]
fn verify_reports_a_damaged_file_that_hides_records() {
    let env = Env::with_ledger();
    let padding = "x".repeat(300);
    let lines: String = (0..50)
        .map(|i| format!("{{\"stream\":\"n\",\"type\":\"note\",\"data\":{{\"text\":\"note {i} {padding}\"}}}}\n"))
        .collect();
    env.append("root", &lines).ok();
    let (visible, total) = hide_records_behind_a_damaged_page(&env);
    let (code, r) = env.verify_json(&[]);
    assert_eq!(code, 1, "a file hiding {} of {total} records verified: {r:#}", total - visible);
    let e = errors(&r);
    assert!(e.contains(&(0, "integrity".into())), "{e:?}");
    assert!(e.contains(&(visible as u64, "tree".into())), "{e:?}");
    let text = env.run(&["verify"]);
    assert_eq!(text.code, 1);
    assert!(text.stdout.contains("SQLite reports the file damaged"), "{}", text.stdout);
    assert!(
        text.stdout.contains(&format!("the Merkle tree holds {total} leaves but the ledger only {visible} records"))
    );
}

#[test]
fn a_rolled_back_tail_is_reported_refused_by_appends_and_repaired_only_explicitly() {
    let env = Env::with_ledger();
    // The last record deleted, triggers dropped: a rollback by one record.
    env.tamper(|c| {
        c.execute("DELETE FROM records WHERE seq = 5", []).unwrap();
    });
    let (code, r) = env.verify_json(&[]);
    assert_eq!((code, errors(&r)), (1, vec![(5, "tree".into())]), "{r:#}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("1 records were removed from its end"));
    // An append would reuse seq 5 with another record: a fork. Refused, exit
    // 1, nothing written.
    let before = env.db_bytes();
    let r = env.append("root", "{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"fork\"}}\n");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("the ledger fails verification at seq 5"), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was appended"), "{}", r.stderr);
    assert_eq!(env.db_bytes(), before);
    // Repair is refused while a record fails verification ...
    let broken = Env::with_ledger();
    broken.tamper(|c| {
        c.execute("DELETE FROM records WHERE seq = 5", []).unwrap();
        c.execute("UPDATE records SET envelope = replace(envelope, 'three', 'THREE') WHERE seq = 4", []).unwrap();
    });
    broken.run(&["repair", "--rebuild-tree"]).refused("refusing to rebuild the tree");
    // ... and otherwise rebuilds the tree and says what was lost.
    let out = env.run(&["repair", "--rebuild-tree"]).ok().stdout;
    assert!(out.contains("rebuilt the Merkle tree from the 5 records: 5 leaves (it held 6)"), "{out}");
    assert!(out.contains("1 records were removed from the end of this ledger and are gone"), "{out}");
    env.run(&["verify"]).ok();
    assert_eq!(
        env.append("root", "{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"x\"}}\n").ok().stdout,
        "5\n"
    );
}

#[test]
fn an_init_killed_midway_leaves_nothing_a_clean_init_does_not_remove() {
    let env = Env::new();
    env.keygen("root");
    let bin = env!("CARGO_BIN_EXE_ledger");
    for i in 0..30u64 {
        let mut child = Command::new(bin)
            .current_dir(env.dir.path())
            .args(["--db", "ledger.db", "init", "--origin", "t.example/l", "--key", "keys/root.key"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(500 * (i % 20)));
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_file(env.path("ledger.db"));
    }
    env.run(&["--db", "ledger.db", "init", "--origin", "t.example/l", "--key", "keys/root.key"]).ok();
    let left: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".init-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    env.run(&["verify"]).ok();
}

/// Runs the binary, killing it (and failing) if it takes longer than `limit`.
pub fn run_within(env: &Env, args: &[&str], limit: Duration) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ledger"))
        .current_dir(env.dir.path())
        .env("LEDGER_DB", env.db())
        .env("LEDGER_CACHE", env.cache.path())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drained as it comes: a child that writes more than a pipe holds (a
    // damaged ledger's warnings) would otherwise block on a full pipe and
    // look like an unbounded read.
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut stderr = String::new();
        pipe.read_to_string(&mut stderr).map(|_| stderr)
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let stderr = reader.join().unwrap().unwrap();
            return (status.code().unwrap_or(-1), stderr);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{args:?} still running after {limit:?}: an unbounded read");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn endless_files_are_refused_by_name_after_a_bounded_read() {
    let env = with_log();
    checkpoint(&env, "cp.txt");
    let cases: [(&[&str], &str); 6] = [
        (&["append", "--key", "/dev/zero"], "larger than 64 KiB"),
        (&["verify", "--trust", "/dev/zero"], "larger than 64 KiB"),
        (&["verify", "--checkpoint", "/dev/zero"], "checkpoint file /dev/zero is larger than 64 KiB"),
        (&["prove", "1", "--log-vkey", "/dev/zero"], "verifier key file /dev/zero is larger than 64 KiB"),
        (&["verify-proof", "--log-vkey", "/dev/zero", "--record-hash", "00", "x"], "larger than 64 KiB"),
        (&["consistency", "--from", "/dev/zero"], "checkpoint file /dev/zero is larger than 64 KiB"),
    ];
    for (args, expected) in cases {
        let (code, stderr) = run_within(&env, args, Duration::from_secs(20));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: expected {expected:?} in {stderr}");
    }
}
