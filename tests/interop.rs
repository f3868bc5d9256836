//! The independent verifier of `docs/verifier-python/`, written from
//! `docs/FORMAT.md` alone, must reach the same verdict as `ledger verify` on
//! the same files: the same `ok`, the same `(seq, check)` pairs and the same
//! head. If the two drift apart, either the code or the spec is wrong.
//!
//! It needs `python3` with the PyPI packages `blake3` and `pynacl` (`.ci/run`
//! installs them); without them the test says so and passes.

use crate::support::{Env, errors};
use std::path::PathBuf;
use std::process::Command;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/verifier-python/verify_ledger.py")
}

fn python_ready() -> bool {
    Command::new("python3").args(["-c", "import blake3, nacl"]).output().is_ok_and(|o| o.status.success())
}

/// `verify_ledger.py LEDGER --json EXTRA...`, run in the test's folder.
fn python_verify(env: &Env, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new("python3")
        .current_dir(env.dir.path())
        .arg(script())
        .arg(env.db())
        .arg("--json")
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("verify_ledger.py printed no JSON ({e}):\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code().unwrap_or(-1), report)
}

/// The checks of the file itself (FORMAT.md section 10, "the file"), which
/// a verifier of the record format may leave out: the Python one does.
const FILE_CHECKS: [&str; 3] = ["integrity", "tree", "snapshot"];

/// Both verifiers on the ledger as it is now; returns their common errors
/// (the record checks: the file checks are `ledger verify`'s own).
#[track_caller]
fn agree(env: &Env, case: &str, extra: &[&str]) -> Vec<(u64, String)> {
    let (rust_code, rust) = env.verify_json(extra);
    let (py_code, py) = python_verify(env, extra);
    let (mut rust_errors, mut py_errors) = (errors(&rust), errors(&py));
    rust_errors.retain(|(_, check)| !FILE_CHECKS.contains(&check.as_str()));
    for (who, list) in [("ledger verify", &rust_errors), ("verify_ledger.py", &py_errors)] {
        assert!(list.windows(2).all(|w| w[0].0 <= w[1].0), "{case}: {who} does not report in seq order: {list:?}");
    }
    rust_errors.sort();
    py_errors.sort();
    let both = format!("{case}:\nledger verify:\n{rust:#}\nverify_ledger.py:\n{py:#}");
    assert_eq!(rust["ok"], py["ok"], "ok differs in {both}");
    assert_eq!(rust_code, py_code, "exit codes differ in {both}");
    assert_eq!(rust_errors, py_errors, "(seq, check) pairs differ in {both}");
    assert_eq!(rust["head"], py["head"], "heads differ in {both}");
    rust_errors
}

/// Expected `(seq, check)` pairs, sorted like the ones `agree` returns.
fn pairs(list: &[(u64, &str)]) -> Vec<(u64, String)> {
    let mut v: Vec<(u64, String)> = list.iter().map(|&(seq, check)| (seq, check.to_owned())).collect();
    v.sort();
    v
}

/// A note by the statistics office key that reuses the event id of record
/// 4, correctly signed and chained as record 6: only the `id` check can
/// tell.
fn append_record_reusing_an_id(env: &Env) {
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let used: String = c.query_row("SELECT envelope FROM records WHERE seq = 4", [], |r| r.get(0)).unwrap();
    drop(c);
    let used: serde_json::Value = serde_json::from_str(&used).unwrap();
    let id = used["id"].as_str().unwrap();
    env.forge("keys/stats.key", "notes", 4, "note", serde_json::json!({"text": "same id again"}), id);
}

#[test]
fn the_python_verifier_written_from_the_spec_agrees_with_ledger_verify() {
    if !python_ready() {
        eprintln!("python3 with blake3 and pynacl is not available: skipping the cross-check (.ci/run installs them)");
        return;
    }
    // The Python verifier checks the test vectors of FORMAT.md itself.
    let st = Command::new("python3").arg(script()).arg("--self-test").output().unwrap();
    assert!(
        st.status.success(),
        "verify_ledger.py --self-test failed:\n{}{}",
        String::from_utf8_lossy(&st.stdout),
        String::from_utf8_lossy(&st.stderr)
    );

    // Intact, with the root pinned and the head expected.
    let env = Env::with_ledger();
    let head = env.verify_json(&[]).1["head"].as_str().unwrap().to_owned();
    assert_eq!(agree(&env, "intact", &["--trust", "keys/root.pub", "--expect-head", &head]), pairs(&[]));

    // One byte of a payload.
    let env = Env::with_ledger();
    env.tamper(|c| {
        let e: String = c.query_row("SELECT envelope FROM records WHERE seq = 3", [], |r| r.get(0)).unwrap();
        c.execute("UPDATE records SET envelope = ?1 WHERE seq = 3", [e.replacen("\"two\"", "\"twO\"", 1)]).unwrap();
    });
    assert_eq!(agree(&env, "payload byte", &[]), pairs(&[(3, "hash"), (3, "signature")]));

    // A stored hash.
    let env = Env::with_ledger();
    env.tamper(|c| {
        c.execute("UPDATE records SET hash = zeroblob(32) WHERE seq = 2", []).unwrap();
    });
    assert_eq!(agree(&env, "stored hash", &[]), pairs(&[(2, "hash"), (3, "chain")]));

    // A record deleted from the middle.
    let env = Env::with_ledger();
    env.tamper(|c| {
        c.execute("DELETE FROM records WHERE seq = 3", []).unwrap();
    });
    assert_eq!(agree(&env, "deleted record", &[]), pairs(&[(4, "sequence"), (4, "chain"), (5, "version")]));

    // Two records of the same stream swapped.
    let env = Env::with_ledger();
    env.tamper(|c| {
        c.execute_batch(
            "UPDATE records SET seq = 1000 WHERE seq = 2; UPDATE records SET seq = 2 WHERE seq = 3;
             UPDATE records SET seq = 3 WHERE seq = 1000;",
        )
        .unwrap();
    });
    let e = agree(&env, "swapped records", &[]);
    for check in ["version", "hash", "chain"] {
        assert!(e.contains(&(2, check.into())) && e.contains(&(3, check.into())), "{e:?}");
    }

    // A forged but well-signed, well-chained record reusing an event id.
    let env = Env::with_ledger();
    append_record_reusing_an_id(&env);
    assert_eq!(agree(&env, "reused event id", &[]), pairs(&[(6, "id")]));

    // The tail cut off, caught by the head seen earlier (reported at the
    // last remaining record).
    let env = Env::with_ledger();
    let head = env.verify_json(&[]).1["head"].as_str().unwrap().to_owned();
    env.tamper(|c| {
        c.execute("DELETE FROM records WHERE seq >= 4", []).unwrap();
    });
    assert_eq!(agree(&env, "truncated", &["--expect-head", &head]), pairs(&[(3, "head")]));
}
