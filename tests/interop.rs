//! The independent verifier of `docs/verifier-python/`, written from
//! `docs/FORMAT.md` alone, must reach the same verdict as `ledger verify` on
//! the same files: the same `ok`, the same `(seq, check)` pairs in the same
//! order and the same head. If the two drift apart, either the code or the
//! spec is wrong. Both also report exactly the findings of every case of
//! `docs/verify-vectors.json` (`tests/vectors.rs`), and neither runs on a
//! file that is not a ledger.
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
    let (mut rust_errors, py_errors) = (errors(&rust), errors(&py));
    rust_errors.retain(|(_, check)| !FILE_CHECKS.contains(&check.as_str()));
    for (who, list) in [("ledger verify", &rust_errors), ("verify_ledger.py", &py_errors)] {
        assert!(list.windows(2).all(|w| w[0].0 <= w[1].0), "{case}: {who} does not report in seq order: {list:?}");
    }
    let both = format!("{case}:\nledger verify:\n{rust:#}\nverify_ledger.py:\n{py:#}");
    assert_eq!(rust["ok"], py["ok"], "ok differs in {both}");
    assert_eq!(rust_code, py_code, "exit codes differ in {both}");
    assert_eq!(rust_errors, py_errors, "(seq, check) pairs, in report order, differ in {both}");
    assert_eq!(rust["head"], py["head"], "heads differ in {both}");
    rust_errors
}

/// Expected `(seq, check)` pairs, in report order (FORMAT.md section 10).
fn pairs(list: &[(u64, &str)]) -> Vec<(u64, String)> {
    list.iter().map(|&(seq, check)| (seq, check.to_owned())).collect()
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
        crate::support::missing_tool("python3 with blake3 and pynacl", "the cross-check with the Python verifier");
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

/// An SQLite ledger file holding exactly the rows of a vector case, with
/// the schema of FORMAT.md section 9 and the Merkle tree built from them (as
/// far as it can be: not past a gap).
fn ledger_file_of(env: &Env, rows: &[crate::vectors::Row]) {
    let mut c = rusqlite::Connection::open(env.db()).unwrap();
    c.pragma_update(None, "synchronous", "OFF").unwrap(); // a test file: no need to survive power loss
    c.pragma_update(None, "application_id", ledger_store::APPLICATION_ID).unwrap();
    c.pragma_update(None, "user_version", ledger_store::SCHEMA_VERSION).unwrap();
    c.execute_batch(ledger_store::SCHEMA).unwrap();
    c.execute_batch(ledger_store::SNAPSHOT_SCHEMA).unwrap();
    let tx = c.transaction().unwrap();
    for r in rows {
        tx.execute(
            "INSERT INTO records (seq, prev, hash, envelope, signatures) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                r.seq as i64,
                &r.prev,
                &r.hash,
                String::from_utf8(r.envelope.clone()).unwrap(),
                String::from_utf8(r.signatures.clone()).unwrap()
            ],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    drop(c);
    let _ = ledger_store::Store::open(&env.db()).unwrap().rebuild_tree();
}

/// The Python verifier's checks it does not run (its report says so).
const NOT_IN_PYTHON: [&str; 4] = ["attestation", "integrity", "tree", "snapshot"];

/// `verify_ledger.py`'s `main` run once per argument list, in one Python
/// process (its start-up costs more than verifying a small ledger): the
/// exit status and the JSON report of each run.
fn python_verify_many(runs: &[Vec<String>]) -> Vec<(i32, serde_json::Value)> {
    let harness = r#"
import contextlib, io, json, sys
sys.path.insert(0, sys.argv[1])
import verify_ledger
for line in sys.stdin:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = verify_ledger.main(json.loads(line))
    print(json.dumps({"code": code, "report": json.loads(out.getvalue())}), flush=True)
"#;
    let input: String = runs.iter().map(|args| format!("{}\n", serde_json::json!(args))).collect();
    let mut child = Command::new("python3")
        .args(["-c", harness])
        .arg(script().parent().unwrap())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "the Python harness failed");
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), runs.len());
    lines.into_iter().map(|v| (v["code"].as_i64().unwrap() as i32, v["report"].clone())).collect()
}

#[test]
fn both_verifiers_report_the_vectors_exactly() {
    if !python_ready() {
        crate::support::missing_tool("python3 with blake3 and pynacl", "the cross-check with the Python verifier");
        return;
    }
    let cases = crate::vectors::cases();
    let mut runs = Vec::new();
    let mut rust = Vec::new();
    let mut envs = Vec::new();
    for case in &cases {
        let env = Env::new();
        ledger_file_of(&env, &case.rows);
        let mut trust = Vec::new();
        for (i, k) in case.trust.iter().enumerate() {
            let file = env.path(&format!("trusted-{i}.pub"));
            ledger_keyfile::write_public(&file, &k.parse().unwrap()).unwrap();
            trust.extend(["--trust".to_owned(), file.display().to_string()]);
        }
        let args: Vec<&str> = trust.iter().map(String::as_str).collect();
        rust.push(env.verify_json(&args));
        runs.push([vec![env.db().display().to_string(), "--json".to_owned()], trust].concat());
        envs.push(env);
    }
    let python = python_verify_many(&runs);
    let failures: Vec<String> = cases
        .iter()
        .zip(rust.iter().zip(&python))
        .filter_map(|(case, (rust, python))| vector_problem(case, rust, python))
        .collect();
    assert!(failures.is_empty(), "{} vector(s) differ:\n{}", failures.len(), failures.join("\n"));
}

/// What is wrong with both verifiers' reports on one vector case, if anything.
fn vector_problem(
    case: &crate::vectors::Case,
    (rust_code, rust): &(i32, serde_json::Value),
    (py_code, py): &(i32, serde_json::Value),
) -> Option<String> {
    let contiguous = case.rows.iter().enumerate().all(|(i, r)| r.seq == i as u64);
    let mut rust_errors = errors(rust);
    if !contiguous {
        // The tree cannot be rebuilt past a gap: `tree` reports it.
        rust_errors.retain(|(_, check)| !FILE_CHECKS.contains(&check.as_str()));
    }
    let want: Vec<(u64, String)> = case.findings.iter().map(|(s, c)| (*s, (*c).to_owned())).collect();
    let py_want: Vec<(u64, String)> =
        want.iter().filter(|(_, c)| !NOT_IN_PYTHON.contains(&c.as_str())).cloned().collect();
    let code = if want.is_empty() { 0 } else { 1 };
    let (head, head_seq) = crate::vectors::head(&case.rows);
    let mut problems = Vec::new();
    if rust_errors != want {
        problems.push(format!("ledger verify reports {rust_errors:?}"));
    }
    if errors(py) != py_want {
        problems.push(format!("verify_ledger.py reports {:?}", errors(py)));
    }
    if (*rust_code, *py_code) != (code, code) {
        problems.push(format!("exit codes {rust_code} (ledger verify) and {py_code} (python), expected {code}"));
    }
    for (who, report) in [("ledger verify", rust), ("verify_ledger.py", py)] {
        if report["head"] != head.as_str() || report["head_seq"].as_u64() != head_seq {
            problems.push(format!("{who}: head {} at {}", report["head"], report["head_seq"]));
        }
    }
    if py["not_checked"] != serde_json::json!(NOT_IN_PYTHON) {
        problems.push(format!("verify_ledger.py does not say what it leaves out: {}", py["not_checked"]));
    }
    (!problems.is_empty()).then(|| format!("{} (expected {want:?}): {}", case.name, problems.join("; ")))
}

/// A file that is not a ledger is no finding: neither verifier can run
/// (exit 2, nothing on stdout, even with --json).
#[test]
fn a_file_that_is_not_a_ledger_stops_both_verifiers() {
    if !python_ready() {
        crate::support::missing_tool("python3 with blake3 and pynacl", "the cross-check with the Python verifier");
        return;
    }
    type Spoil = fn(&Env);
    let cases: [(&str, Spoil); 4] = [
        ("application_id 0", |env| env.tamper(|c| c.pragma_update(None, "application_id", 0).unwrap())),
        ("user_version 2", |env| env.tamper(|c| c.pragma_update(None, "user_version", 2).unwrap())),
        ("no records table", |env| env.tamper(|c| c.execute_batch("DROP TABLE records").unwrap())),
        ("not SQLite", |env| std::fs::write(env.db(), b"this is not an SQLite database, not even its header").unwrap()),
    ];
    for (what, spoil) in cases {
        let env = Env::with_ledger();
        spoil(&env);
        let rust = env.run(&["verify", "--json"]);
        let py = Command::new("python3").current_dir(env.dir.path()).arg(script()).arg(env.db()).arg("--json").output();
        let py = py.unwrap();
        assert_eq!(rust.code, 2, "{what}: ledger verify\n{}{}", rust.stdout, rust.stderr);
        assert_eq!(py.status.code(), Some(2), "{what}: verify_ledger.py\n{}", String::from_utf8_lossy(&py.stderr));
        assert!(rust.stdout.is_empty() && py.stdout.is_empty(), "{what}: a report was printed");
        assert!(rust.stderr.starts_with("error: ") && py.stderr.starts_with(b"error: "), "{what}");
    }
}
