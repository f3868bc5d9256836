//! Secrets stay secret (issue 13, item 6): every command that takes a
//! private key, run to success and to refusal, prints no encoding of any
//! private key on stdout or stderr; key files are created 0600 whatever
//! the umask, and `keygen` never overwrites.

use crate::support::{Env, Run};
use base64::Engine;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// Every way a private key could be printed: windows of its PEM body, of
/// its seed in hex (both cases) and base64 (both alphabets), and of its
/// PKCS#8 DER in hex.
fn encodings(key_file: &Path) -> Vec<String> {
    let pem = std::fs::read_to_string(key_file).unwrap();
    let seed = ledger_keyfile::read_private(key_file).unwrap().to_bytes();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(&body).unwrap();
    let windows = |text: &str, n: usize| -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        chars.windows(n).map(|w| w.iter().collect()).collect()
    };
    let mut all = windows(&body, 12);
    for text in [
        hex::encode(seed),
        hex::encode_upper(seed),
        hex::encode(&der),
        base64::engine::general_purpose::STANDARD.encode(seed),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(seed),
    ] {
        all.extend(windows(&text, 16));
    }
    all
}

fn key_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "key"))
        .collect();
    files.sort();
    files
}

/// Runs the ledger in `dir` (its ledger `dir/ledger.db`) at a time of the
/// 2023 calendar.
fn run(env: &Env, dir: &Path, now: &str, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_ledger"))
        .current_dir(dir)
        .env("LEDGER_DB", dir.join("ledger.db"))
        .env("LEDGER_CACHE", env.cache.path())
        .env("LEDGER_NOW", now)
        .env_remove("LEDGER_NO_CACHE")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn no_command_that_takes_a_private_key_prints_one() {
    let env = Env::new();
    // The walk-through runs keygen, init, key authorize (with --authority),
    // adopt, period open, targets, submit, correct, verify-values, publish,
    // objection file and resolve, finalize, reward grant, action take and
    // rectify, each with its key.
    let dir = env.path("rehearsal");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("ledger/examples/walkthrough.sh");
    let out = Command::new("sh")
        .arg(&script)
        .arg(&dir)
        .env("LEDGER", env!("CARGO_BIN_EXE_ledger"))
        .env("LEDGER_CACHE", env.cache.path())
        .env_remove("LEDGER_DB")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut outputs = vec![(
        "walkthrough.sh".to_owned(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )];
    let may = "2023-05-01T09:00:00+08:00";
    let ok = |args: &[&str]| run(&env, &dir, may, args).ok();
    for name in ["log", "witness", "root2", "spare"] {
        ok(&["key", "generate", "--prefix", &format!("keys/{name}")]);
    }
    let auth = ["key", "authorize", "--key", "keys/root.key", "--holder", "x", "--pub"];
    ok(&[&auth[..], &["keys/log.pub", "--role", "log"]].concat());
    ok(&[&auth[..], &["keys/spare.pub", "--role", "unit"]].concat());
    // Every command that takes a private key, once to success, once refused.
    #[rustfmt::skip]
    let runs: Vec<(Vec<&str>, bool)> = vec![
        (vec!["checkpoint", "--log-key", "keys/log.key"], true),
        (vec!["checkpoint", "--log-key", "keys/statistics.key"], false),
        (vec!["key", "bind", "--key", "keys/authority.key", "--pub", "keys/spare.pub", "--unit", "历下区"], true),
        (vec!["key", "bind", "--key", "keys/statistics.key", "--pub", "keys/spare.pub", "--unit", "历下区"], false),
        (vec!["decision", "fraud", "--period", "2022", "--unit", "历下区", "--indicators", "1", "--basis", "x", "--key", "keys/authority.key"], true),
        (vec!["decision", "fraud", "--period", "1999", "--unit", "历下区", "--indicators", "1", "--basis", "x", "--key", "keys/authority.key"], false),
        (vec!["decision", "rescind", "--period", "2022", "--target", "notice-1", "--reason", "x", "--key", "keys/authority.key"], true),
        (vec!["decision", "rescind", "--period", "2022", "--target", "notice-1", "--reason", "x", "--key", "keys/authority.key"], false),
        (vec!["values", "return", "--period", "2022", "--unit", "历下区", "--indicator", "1", "--reason", "x", "--key", "keys/assessment.key"], false),
        (vec!["values", "correct", "--period", "2022", "--unit", "商河县", "--indicator", "1", "--value", "x", "--reason", "x", "--key", "keys/statistics.key"], false),
        (vec!["values", "verify", "--period", "2022", "--key", "keys/assessment.key"], false),
        (vec!["period", "publish", "--period", "2022", "--window-until", "2023-06-01", "--key", "keys/statistics.key"], false),
        (vec!["period", "finalize", "--period", "2022", "--key", "keys/assessment.key"], false),
        (vec!["objection", "file", "--period", "2022", "--unit", "历下区", "--claim", "x", "--key", "keys/shanghe.key"], false),
        (vec!["objection", "resolve", "--period", "2022", "--id", "none", "--dismissed", "--reason", "x", "--key", "keys/assessment.key"], false),
        (vec!["decision", "reward", "--period", "2022", "--unit", "商河县", "--kind", "policy-preference", "--basis", "x", "--key", "keys/shanghe.key"], false),
        (vec!["decision", "action", "--period", "1999", "--unit", "商河县", "--kind", "public-notice", "--basis", "x", "--key", "keys/authority.key"], false),
        (vec!["decision", "rectify", "--period", "2022", "--action", "none", "--text", "x", "--key", "keys/shanghe.key"], false),
        (vec!["adopt", "catalog", "--key", "keys/authority.key"], true), // the same again: nothing new
        (vec!["adopt", "policy", "keys/authority.key", "--key", "keys/authority.key"], false),
        (vec!["adopt", "time-zone", "Mars/Olympus", "--key", "keys/authority.key"], false),
        (vec!["period", "open", "--period", "2022", "--key", "keys/authority.key"], false),
        (vec!["period", "targets", "--period", "2022", "--key", "keys/authority.key", "keys/root.key"], false),
        (vec!["values", "submit", "--period", "2022", "--key", "keys/statistics.key", "keys/statistics.key"], false),
        (vec!["append", "--key", "keys/authority.key", "keys/authority.key"], false),
        (vec!["key", "authorize", "--key", "keys/statistics.key", "--pub", "keys/spare.pub", "--holder", "x", "--role", "unit"], false),
        (vec!["key", "revoke", "--key", "keys/root.key", "--reason", "spare", "keys/spare.pub"], true),
        (vec!["key", "revoke", "--key", "keys/root.key", "--reason", "again", "keys/spare.pub"], false),
        (vec!["key", "rotate-root", "--key", "keys/statistics.key", "--new-root", "keys/root2.pub", "--cosign", "keys/root2.key"], false),
        (vec!["key", "rotate-root", "--key", "keys/root.key", "--new-root", "keys/root2.pub", "--cosign", "keys/root2.key"], true),
        (vec!["init", "--origin", "x.example/l", "--key", "keys/root.key"], false),
        (vec!["--db", "other.db", "init", "--origin", "x.example/l", "--key", "keys/root2.key", "--key", "keys/root.key"], true),
        (vec!["key", "generate", "--prefix", "keys/root"], false),
        (vec!["demo", "--dir", "demo"], true),
        (vec!["demo", "--dir", "keys"], false),
    ];
    for (args, succeeds) in &runs {
        let r = run(&env, &dir, may, args);
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
        assert_eq!(r.code == 0, *succeeds, "{args:?}:\n{}\n{}", r.stdout, r.stderr);
        outputs.push((format!("{args:?}"), format!("{}{}", r.stdout, r.stderr)));
    }
    // The witness cosigns the checkpoint, then refuses a garbage proof.
    std::fs::write(dir.join("cp.txt"), run(&env, &dir, may, &["checkpoint", "--log-key", "keys/log.key"]).ok().stdout)
        .unwrap();
    std::fs::write(dir.join("junk.proof"), "not a proof\n").unwrap();
    for (args, succeeds) in [
        (vec!["cosign", "--key", "keys/witness.key", "cp.txt"], true),
        (vec!["cosign", "--key", "keys/witness.key", "--proof", "junk.proof", "cp.txt"], false),
        (vec!["cosign", "--key", "keys/witness.key", "keys/witness.key"], false),
    ] {
        let r = run(&env, &dir, may, &args);
        assert_eq!(r.code == 0, succeeds, "{args:?}:\n{}\n{}", r.stdout, r.stderr);
        outputs.push((format!("{args:?}"), format!("{}{}", r.stdout, r.stderr)));
    }
    let mut keys = key_files(&dir.join("keys"));
    keys.extend(key_files(&dir.join("demo/keys")));
    assert!(keys.len() >= 15, "{keys:?}");
    for key in &keys {
        let mode = std::fs::metadata(key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", key.display());
        for piece in encodings(key) {
            for (what, output) in &outputs {
                assert!(!output.contains(&piece), "{what} printed part of {} ({piece}):\n{output}", key.display());
            }
        }
    }
}

#[test]
fn key_files_are_private_under_any_umask_and_never_overwritten() {
    let env = Env::new();
    let run = |script: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_ledger"))
            .current_dir(env.dir.path())
            .output()
            .unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, _) = run("umask 000 && \"$1\" keygen --out keys/open");
    assert_eq!(code, 0);
    let mode = |p: &str| std::fs::metadata(env.path(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("keys/open.key"), 0o600, "the private key, under umask 000");
    assert_eq!(mode("keys/open.pub"), 0o644);
    let before = (std::fs::read(env.path("keys/open.key")).unwrap(), std::fs::read(env.path("keys/open.pub")).unwrap());
    let (code, stderr) = run("umask 000 && \"$1\" keygen --out keys/open");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("keys/open.key") && stderr.contains("exists"), "{stderr}");
    let after = (std::fs::read(env.path("keys/open.key")).unwrap(), std::fs::read(env.path("keys/open.pub")).unwrap());
    assert_eq!(before, after, "keygen never overwrites");
    // A public key left from an earlier pair is not overwritten either, and
    // no private key is left without its public half.
    std::fs::write(env.path("keys/half.pub"), "kept\n").unwrap();
    let (code, _) = run("\"$1\" keygen --out keys/half");
    assert_eq!(code, 2);
    assert_eq!(std::fs::read_to_string(env.path("keys/half.pub")).unwrap(), "kept\n");
    assert!(!env.path("keys/half.key").exists());
}
