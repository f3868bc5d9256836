//! The kernel from the command line: init, append, log, show, verify, and
//! the refusal of bad input with the ledger left byte-for-byte unchanged.

use crate::support::{Env, errors};
use rusqlite::params;

#[test]
fn a_new_ledger_verifies_and_reports_its_head() {
    let env = Env::with_ledger();
    let (code, report) = env.verify_json(&["--trust", "keys/root.pub"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["events"], 6);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
    let head = report["head"].as_str().unwrap().to_owned();
    let show = env.run(&["show", "5", "--json"]).ok().json();
    assert_eq!(show["hash"], head);
    for field in ["seq", "stream", "version", "type", "data", "signer", "hash"] {
        assert!(!show[field].is_null(), "show --json lacks {field}");
    }
    assert_eq!(
        (show["stream"].as_str(), show["version"].as_u64(), show["holder"].as_str()),
        (Some("notes"), Some(3), Some("Statistics Bureau"))
    );
    let text = env.run(&["verify"]).ok().stdout;
    assert!(text.contains("ok: 6 records verified") && text.contains(&head), "{text}");
}

#[test]
fn append_prints_sequence_numbers_and_log_lists_records() {
    let env = Env::with_ledger();
    let r = env.append("root", "{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"five\"},\"id\":\"n5\",\"expected_version\":3}\n").ok();
    assert_eq!(r.stdout, "6\n");
    let log = env.run(&["log", "--since", "5", "--json"]).ok().json();
    let records = log["records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["id"], "n5");
    assert_eq!(records[1]["data"]["text"], "five");
    let log = env.run(&["log", "--limit", "2"]).ok().stdout;
    assert_eq!(log.lines().count(), 2);
    assert!(log.contains("genesis") && log.contains("key_authorized"));
}

#[test]
fn idempotent_resubmission_and_conflicts() {
    let env = Env::with_ledger();
    let line = "{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"five\"},\"id\":\"retry-1\"}\n";
    assert_eq!(env.append("root", line).ok().stdout, "6\n");
    let again = env.append("root", line).ok();
    assert_eq!(again.stdout, "6\n");
    assert!(again.stderr.contains("already recorded at seq 6"));
    let before = env.db_bytes();
    env.append("root", "{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"other\"},\"id\":\"retry-1\"}\n")
        .refused("event id \"retry-1\" is already recorded at seq 6 with different content");
    env.append("root", "{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"x\"},\"expected_version\":2}\n")
        .refused("version conflict on stream \"notes\": expected version 2, the stream is at version 4");
    assert_eq!(env.db_bytes(), before);
}

#[test]
fn a_batch_is_all_or_nothing() {
    let env = Env::with_ledger();
    let before = env.db_bytes();
    let batch = "{\"stream\":\"a\",\"type\":\"note\",\"data\":{\"text\":\"1\"}}\n\
                 {\"stream\":\"a\",\"type\":\"note\",\"data\":{\"text\":\"2\"}}\n\
                 {\"stream\":\"a\",\"type\":\"note\",\"data\":{\"text\":\"3\"},\"expected_version\":7}\n";
    env.append("root", batch).refused("line 3: version conflict");
    assert_eq!(env.db_bytes(), before);
    assert_eq!(env.run(&["log", "--json"]).ok().json()["records"].as_array().unwrap().len(), 6);
}

#[test]
fn bad_input_is_refused_with_line_and_field_and_changes_nothing() {
    let env = Env::with_ledger();
    let cases: Vec<(&[u8], &str)> = vec![
        (b"{\"stream\":\"a\",\"type\":\"note\",\"data\":{\"text\":\"ok\"}}\n{not json\n", "line 2: not valid JSON"),
        (b"\n\n{\"type\":\"note\",\"data\":{}}\n", "line 3: missing field \"stream\""),
        (b"{\"stream\":\"a\",\"data\":{}}", "line 1: missing field \"type\""),
        (b"{\"stream\":\"a\",\"type\":\"note\"}", "missing field \"data\""),
        (b"{\"stream\":\"a\",\"type\":\"no_such_type\",\"data\":{}}", "unknown event type \"no_such_type\""),
        (b"{\"stream\":\"a\",\"type\":\"note\",\"data\":\"text\"}", "\"data\" must be a JSON object"),
        (b"{\"stream\":\"a\",\"type\":\"note\",\"data\":[1]}", "\"data\" must be a JSON object"),
        (b"{\"stream\":\"a\",\"type\":\"note\",\"data\":{\"text\":\"\xff\xfe\"}}", "line 1: not valid UTF-8"),
        (
            b"{\"stream\":\"a\",\"type\":\"note\",\"data\":{\"text\":\"x\",\"n\":0.5}}",
            "data.n: numbers must be integers",
        ),
        (b"{\"stream\":\"a\",\"type\":\"note\",\"data\":{\"text\":\"x\"},\"colour\":1}", "unknown field \"colour\""),
        (b"{\"stream\":\"has space\",\"type\":\"note\",\"data\":{\"text\":\"x\"}}", "stream must match"),
        (b"{\"stream\":\"a\",\"type\":\"genesis\",\"data\":{}}", "genesis is written only when a ledger is created"),
        (b"[]", "each line must be a JSON object"),
        (b"", "no events in the input"),
    ];
    let before = env.db_bytes();
    for (input, expected) in cases {
        env.run_with_input(&["append", "--key", "keys/root.key"], Some(input)).refused(expected);
    }
    assert_eq!(env.db_bytes(), before, "a refused append changed the ledger file");
}

#[test]
fn bad_key_files_and_ledger_paths_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::with_ledger();
    let note = b"{\"stream\":\"a\",\"type\":\"note\",\"data\":{\"text\":\"x\"}}\n";
    let before = env.db_bytes();
    env.run_with_input(&["append", "--key", "keys/missing.key"], Some(note))
        .refused("key file keys/missing.key does not exist");
    std::fs::copy(env.path("keys/stats.key"), env.path("keys/open.key")).unwrap();
    std::fs::set_permissions(env.path("keys/open.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = env
        .run_with_input(&["append", "--key", "keys/open.key"], Some(note))
        .refused("readable by group or others (mode 0644)");
    assert!(r.stderr.contains("chmod 600"));
    env.run_with_input(&["append", "--key", "keys/root.pub"], Some(note)).refused("it is a public key");
    std::fs::write(env.path("keys/junk.key"), "not a key").unwrap();
    std::fs::set_permissions(env.path("keys/junk.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    env.run_with_input(&["append", "--key", "keys/junk.key"], Some(note)).refused("is not a private key");
    std::fs::create_dir(env.path("keys/dir.key")).unwrap();
    env.run_with_input(&["append", "--key", "keys/dir.key"], Some(note)).refused("keys/dir.key");
    // a key the ledger does not know
    env.keygen("stranger");
    env.run_with_input(&["append", "--key", "keys/stranger.key"], Some(note))
        .refused("which this ledger does not know");
    assert_eq!(env.db_bytes(), before);
    // ledger paths that are not ledgers
    std::fs::write(env.path("text.db"), "hello").unwrap();
    env.run(&["--db", "text.db", "verify"]).refused("text.db is not a ledger");
    let other = rusqlite::Connection::open(env.path("other.db")).unwrap();
    other.execute_batch("CREATE TABLE t (x)").unwrap();
    drop(other);
    env.run(&["--db", "other.db", "verify"]).refused("application_id");
    env.run(&["--db", "nope.db", "verify"]).refused("no ledger at nope.db");
    env.run(&["--db", "nope.db", "log"]).refused("no ledger at nope.db");
    // init never overwrites
    env.run(&["init", "--origin", "x", "--key", "keys/root.key"]).refused("already exists");
    assert_eq!(env.db_bytes(), before);
}

#[test]
fn verification_never_writes_to_the_evidence() {
    let env = Env::with_ledger();
    let files = |env: &Env| {
        let mut names: Vec<String> = std::fs::read_dir(env.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let (bytes, names) = (env.db_bytes(), files(&env));
    std::fs::set_permissions(env.db(), std::os::unix::fs::PermissionsExt::from_mode(0o444)).unwrap();
    env.run(&["verify"]).ok();
    env.run(&["log"]).ok();
    env.run(&["show", "1"]).ok();
    assert_eq!(env.db_bytes(), bytes);
    assert_eq!(files(&env), names, "verification created files beside the ledger");
}

// --- tampering, through the file ---------------------------------------

fn flip_envelope_byte(env: &Env, seq: i64, from: &str, to: &str) {
    env.tamper(|c| {
        let e: String = c.query_row("SELECT envelope FROM records WHERE seq = ?1", [seq], |r| r.get(0)).unwrap();
        assert!(e.contains(from));
        c.execute("UPDATE records SET envelope = ?1 WHERE seq = ?2", params![e.replacen(from, to, 1), seq]).unwrap();
    });
}

#[test]
fn tampering_is_detected_and_located() {
    // one byte of a payload
    let env = Env::with_ledger();
    flip_envelope_byte(&env, 3, "\"two\"", "\"twO\"");
    let (code, r) = env.verify_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(r["ok"], false);
    assert_eq!(errors(&r), vec![(3, "hash".into()), (3, "signature".into())]);

    // one byte of a signature
    let env = Env::with_ledger();
    env.tamper(|c| {
        let s: String = c.query_row("SELECT signatures FROM records WHERE seq = 4", [], |r| r.get(0)).unwrap();
        let i = s.find("\"sig\":\"").unwrap() + 7;
        let mut b = s.into_bytes();
        b[i] = if b[i] == b'a' { b'b' } else { b'a' };
        c.execute("UPDATE records SET signatures = ?1 WHERE seq = 4", [String::from_utf8(b).unwrap()]).unwrap();
    });
    assert_eq!(errors(&env.verify_json(&[]).1), vec![(4, "hash".into()), (4, "signature".into())]);

    // one byte of a stored hash: the Merkle tree table, built over the
    // stored hashes, no longer matches either
    let env = Env::with_ledger();
    env.tamper(|c| {
        c.execute("UPDATE records SET hash = zeroblob(32) WHERE seq = 2", []).unwrap();
    });
    assert_eq!(errors(&env.verify_json(&[]).1), vec![(2, "hash".into()), (2, "tree".into()), (3, "chain".into())]);
    // the same with the tree rebuilt to match, as a careful intruder would
    env.rebuild_tree();
    assert_eq!(errors(&env.verify_json(&[]).1), vec![(2, "hash".into()), (3, "chain".into())]);

    // a record deleted from the middle
    let env = Env::with_ledger();
    env.tamper(|c| {
        c.execute("DELETE FROM records WHERE seq = 3", []).unwrap();
    });
    let (code, r) = env.verify_json(&[]);
    assert_eq!(code, 1);
    let e = errors(&r);
    assert_eq!(e[..2], [(4, "sequence".into()), (4, "chain".into())]);
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("record 3 is missing"));
    assert!(e.contains(&(5, "version".into())), "{e:?}");

    // two records swapped
    let env = Env::with_ledger();
    env.tamper(|c| {
        c.execute_batch("UPDATE records SET seq = 1000 WHERE seq = 2; UPDATE records SET seq = 2 WHERE seq = 3; UPDATE records SET seq = 3 WHERE seq = 1000;").unwrap();
    });
    let e = errors(&env.verify_json(&[]).1);
    for seq in [2, 3] {
        assert!(
            e.contains(&(seq, "hash".into()))
                && e.contains(&(seq, "chain".into()))
                && e.contains(&(seq, "version".into())),
            "{e:?}"
        );
    }

    // a stream version changed
    let env = Env::with_ledger();
    flip_envelope_byte(&env, 5, "\"version\":3", "\"version\":4");
    assert_eq!(
        errors(&env.verify_json(&[]).1),
        vec![(5, "version".into()), (5, "hash".into()), (5, "signature".into())]
    );
}

#[test]
fn a_forged_record_with_a_valid_hash_and_signature_is_caught() {
    // The intruder signs a well-formed record with their own key and chains
    // it correctly: only the signer check can tell.
    let env = Env::with_ledger();
    env.keygen("intruder");
    let seq = env.forge("keys/intruder.key", "notes", 4, "note", serde_json::json!({"text": "forged"}), "forged");
    assert_eq!(seq, 6);
    let (code, r) = env.verify_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(errors(&r), vec![(6, "signer".into())]);
}

#[test]
fn a_replaced_root_and_a_truncated_tail_are_caught_with_trust_and_expect_head() {
    let env = Env::with_ledger();
    let head = env.verify_json(&[]).1["head"].as_str().unwrap().to_owned();
    // a different ledger, same shape, another root key
    let fake = Env::new();
    fake.keygen("root");
    fake.run(&["init", "--origin", "test.example/ledger", "--key", "keys/root.key"]).ok();
    std::fs::copy(env.path("keys/root.pub"), fake.path("keys/trusted.pub")).unwrap();
    let (code, r) = fake.verify_json(&["--trust", "keys/trusted.pub"]);
    assert_eq!(code, 1);
    assert_eq!(errors(&r), vec![(0, "genesis".into())]);
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("does not name the trusted root key"));

    // truncation: the last two records cut off; the file's Merkle tree still
    // covers them
    env.tamper(|c| {
        c.execute("DELETE FROM records WHERE seq >= 4", []).unwrap();
    });
    let (code, r) = env.verify_json(&["--no-cache"]);
    assert_eq!((code, errors(&r)), (1, vec![(4, "tree".into())]));
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("2 records were removed from its end"), "{r}");
    // cut with its tree, the chain is internally consistent: only a head
    // seen before tells (this machine's memory, or one given)
    env.rebuild_tree();
    assert_eq!(env.verify_json(&["--no-cache"]).0, 0, "a truncated chain is internally consistent");
    let (code, r) = env.verify_json(&["--no-cache", "--expect-head", &head]);
    assert_eq!(code, 1);
    assert_eq!(errors(&r), vec![(3, "head".into())]);
    let (code, r) = env.verify_json(&[]);
    assert_eq!((code, errors(&r)), (1, vec![(3, "head".into())]), "this machine verified 6 records");
    // a malformed head is a usage error
    env.run(&["verify", "--expect-head", "xyz"]).refused("--expect-head");
}

/// Copies the ledger file (with its write-ahead log) as a backup would.
fn backup(env: &Env, to: &str) {
    let _ = std::fs::remove_file(env.path(&format!("{to}-wal")));
    for suffix in ["", "-wal"] {
        let from = env.path(&format!("ledger.db{suffix}"));
        if from.exists() {
            std::fs::copy(from, env.path(&format!("{to}{suffix}"))).unwrap();
        }
    }
}

/// Puts a backup in the ledger's place, as an operator restoring it would.
fn restore(env: &Env, from: &str) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(env.path(&format!("ledger.db{suffix}")));
    }
    for suffix in ["", "-wal"] {
        let src = env.path(&format!("{from}{suffix}"));
        if src.exists() {
            std::fs::copy(src, env.path(&format!("ledger.db{suffix}"))).unwrap();
        }
    }
}

const NOTE: &str = "{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"after the backup\"}}\n";

#[test]
fn a_restored_backup_or_another_history_fails_verify_and_the_memory_stays_until_forgotten() {
    let env = Env::with_ledger();
    env.run(&["verify", "--trust", "keys/root.pub"]).ok();
    backup(&env, "backup.db");
    env.append("stats", NOTE).ok();
    env.run(&["verify", "--trust", "keys/root.pub"]).ok();

    // The backup restored: a rollback, reported by verify (exit 1) and by
    // every read, and the memory is kept however often it is asked.
    restore(&env, "backup.db");
    for _ in 0..2 {
        let (code, r) = env.verify_json(&["--trust", "keys/root.pub"]);
        assert_eq!((code, errors(&r)), (1, vec![(5, "head".into())]), "{r}");
        let message = r["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("this machine verified 7 records") && message.contains("rollback"), "{message}");
    }
    assert_eq!(env.run(&["audit"]).code, 1);
    // It is not extended either: that would make the rollback permanent.
    let records = || env.run(&["--no-cache", "log", "--json"]).ok().stdout;
    let before = records();
    let r = env.append("stats", NOTE);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("rollback") && r.stderr.contains("nothing was appended"), "{}", r.stderr);
    assert_eq!(records(), before, "the refused append changed the records");
    // --no-cache keeps its meaning: a machine that remembers nothing.
    assert_eq!(env.verify_json(&["--no-cache", "--trust", "keys/root.pub"]).0, 0);

    // Another history of the same length: a fork, at the record verified.
    let other = env.run_with_input(
        &["--no-cache", "append", "--key", "keys/stats.key"],
        Some(b"{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"another history\"}}\n"),
    );
    assert_eq!(other.code, 0, "{}", other.stderr);
    let (code, r) = env.verify_json(&["--trust", "keys/root.pub"]);
    assert_eq!((code, errors(&r)), (1, vec![(6, "head".into())]), "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("fork"), "{r}");
    let text = env.run(&["verify"]);
    assert!(text.stderr.contains("ledger forget"), "the way out is named: {}", text.stderr);

    // Accepting it is an explicit act that says what it forgets.
    let forgot = env.run(&["forget"]).ok().stdout;
    assert!(forgot.contains("forgot: 7 records of the ledger test.example/ledger"), "{forgot}");
    env.run(&["verify", "--trust", "keys/root.pub"]).ok();
    assert!(env.run(&["forget"]).ok().stdout.contains("forgot: 7 records"));
    assert!(env.run(&["forget"]).ok().stdout.contains("nothing to forget"));

    // Another ledger under the same origin put at the same path: a fork from
    // its first record.
    env.run(&["verify"]).ok();
    let fake = Env::new();
    fake.keygen("root");
    fake.run(&["init", "--origin", "test.example/ledger", "--key", "keys/root.key"]).ok();
    std::fs::copy(fake.db(), env.path("fake.db")).unwrap();
    restore(&env, "fake.db");
    let (code, r) = env.verify_json(&[]);
    assert_eq!((code, errors(&r)), (1, vec![(0, "genesis".into())]), "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("another ledger under the same origin"), "{r}");
    // A new ledger created at the path is the explicit act too.
    restore(&env, "nothing-there.db");
    env.run(&["init", "--origin", "test.example/ledger", "--key", "keys/root.key"]).ok();
    env.run(&["verify"]).ok();
}

#[test]
fn an_event_dated_far_after_this_machines_clock_is_refused_and_changes_nothing() {
    let env = Env::with_ledger();
    // A year and an hour ahead: the message's span reads "365 days 1 h"
    // however many seconds the test takes.
    let next_year = ledger_engine::Clock::system().plus_seconds(365 * 86_400 + 3_600).to_string();
    // An office whose clock is a year ahead signs offline.
    let signed = env
        .run_with_env(
            &["sign", "--key", "keys/stats.key", "--copy", "ledger.db"],
            &[("LEDGER_NOW", &next_year)],
            Some(NOTE.as_bytes()),
        )
        .ok()
        .stdout;
    std::fs::write(env.path("signed.jsonl"), &signed).unwrap();
    let records = || env.run(&["log", "--json"]).ok().stdout;
    let before = records();
    let r = env.run(&["append", "--signed", "signed.jsonl"]).refused("after this machine's clock");
    // Both times are named, and the bound.
    assert!(r.stderr.contains(&format!("dated {next_year}")), "{}", r.stderr);
    assert!(r.stderr.contains("365 days") && r.stderr.contains("more than 5 min after it"), "{}", r.stderr);
    assert_eq!(records(), before, "the refused event changed the ledger");
    // Events signed at the true time still go in: nothing was frozen.
    env.append("stats", &NOTE.replace("\"notes\"", "\"elsewhere\"")).ok();
    // The operator sets the bound.
    let r = env.run_with_env(&["append", "--signed", "signed.jsonl"], &[("LEDGER_MAX_CLOCK_SKEW", "2m")], None);
    assert!(r.stderr.contains("more than 2 min after it"), "{}", r.stderr);
    env.run(&["--max-clock-skew", "soon", "log"]).refused("not a duration");
}

#[test]
fn a_replayed_event_with_a_broken_signature_is_refused_not_taken_as_existing() {
    let env = Env::with_ledger();
    let signed = env
        .run_with_input(&["sign", "--key", "keys/stats.key", "--copy", "ledger.db"], Some(NOTE.as_bytes()))
        .ok()
        .stdout;
    std::fs::write(env.path("signed.jsonl"), &signed).unwrap();
    env.run(&["append", "--signed", "signed.jsonl"]).ok();
    // The same event sent again: already recorded.
    let again = env.run(&["append", "--signed", "signed.jsonl", "--json"]).ok().json();
    assert_eq!(again["events"][0]["status"], "existing", "{again}");
    // Sent again with one signature character changed: refused.
    let mut line: serde_json::Value = serde_json::from_str(signed.trim()).unwrap();
    let sig = line["signatures"][0]["sig"].as_str().unwrap().to_owned();
    line["signatures"][0]["sig"] = serde_json::Value::String(crate::support::another_first_digit(&sig));
    std::fs::write(env.path("forged.jsonl"), format!("{line}\n")).unwrap();
    env.run(&["append", "--signed", "forged.jsonl"]).refused("signature");
}

#[test]
fn verify_reports_every_failing_record_in_order() {
    let env = Env::with_ledger();
    flip_envelope_byte(&env, 4, "three", "threE");
    flip_envelope_byte(&env, 2, "one", "onE");
    let text = env.run(&["verify"]);
    assert_eq!(text.code, 1);
    assert!(text.stdout.starts_with("FAILED: 4 problem(s) in 6 records"), "{}", text.stdout);
    let seqs: Vec<u64> = errors(&env.verify_json(&[]).1).iter().map(|e| e.0).collect();
    assert_eq!(seqs, vec![2, 2, 4, 4]);
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    assert_eq!(env.run(&["verify", "--no-such-flag"]).code, 2);
    assert_eq!(env.run(&["frobnicate"]).code, 2);
    assert_eq!(env.run(&["--help"]).code, 0);
}

#[test]
fn a_crash_at_any_point_leaves_a_ledger_that_verifies_with_every_acknowledged_event() {
    // Appends killed with SIGKILL at different moments: each one is written
    // entirely or not at all; every acknowledged append stays.
    let env = Env::with_ledger();
    let lines: String = (0..5000)
        .map(|i| format!("{{\"stream\":\"bulk\",\"type\":\"note\",\"data\":{{\"text\":\"n{i}\"}}}}\n"))
        .collect();
    let count = |env: &Env| env.run(&["verify", "--json"]).json()["events"].as_u64().unwrap();
    let mut acknowledged = count(&env);
    for delay_ms in [0u64, 30, 80, 150, 300, 600] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ledger"))
            .current_dir(env.dir.path())
            .env("LEDGER_DB", env.db())
            .args(["append", "--key", "keys/root.key"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = lines.clone();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(input.as_bytes());
        });
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let _ = writer.join();
        let (code, report) = env.verify_json(&[]);
        assert_eq!(code, 0, "after a kill at {delay_ms} ms: {report}");
        let now = report["events"].as_u64().unwrap();
        if status.success() {
            acknowledged += 5000; // it finished before the kill: acknowledged
            assert_eq!(now, acknowledged);
        } else {
            assert!(now == acknowledged || now == acknowledged + 5000, "a partial batch: {acknowledged} -> {now}");
            acknowledged = now;
        }
    }
    // and a normal append still works on top
    env.append("root", "{\"stream\":\"after\",\"type\":\"note\",\"data\":{\"text\":\"ok\"}}\n").ok();
    assert_eq!(count(&env), acknowledged + 1);
}
