//! Running the `ledger` binary in a scratch folder, and editing a ledger
//! file behind its back the way an attacker with file access would.

#![allow(clippy::unwrap_used, dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// A refusal: exit 2, one `error:` line naming `what`, nothing on stdout.
    #[track_caller]
    pub fn refused(self, what: &str) -> Run {
        assert_eq!(self.code, 2, "expected exit 2\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        assert!(self.stderr.starts_with("error: "), "stderr: {}", self.stderr);
        assert!(self.stderr.contains(what), "expected {what:?} in:\n{}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }
}

pub struct Env {
    pub dir: tempfile::TempDir,
    /// What the ledger keeps of this machine's verifications (`LEDGER_CACHE`),
    /// outside the test's folder.
    pub cache: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env { dir: tempfile::tempdir().unwrap(), cache: tempfile::tempdir().unwrap() }
    }

    /// Forgets what this machine verified before (a new machine).
    pub fn forget_cache(&self) {
        for entry in std::fs::read_dir(self.cache.path()).unwrap() {
            let _ = std::fs::remove_file(entry.unwrap().path());
        }
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    pub fn db(&self) -> PathBuf {
        self.path("ledger.db")
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_input(args, None)
    }

    pub fn run_with_input(&self, args: &[&str], input: Option<&[u8]>) -> Run {
        self.run_with_env(args, &[], input)
    }

    /// Runs with these environment variables set as well (`LEDGER_NOW`, say).
    pub fn run_with_env(&self, args: &[&str], vars: &[(&str, &str)], input: Option<&[u8]>) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ledger"));
        cmd.current_dir(self.dir.path())
            .env_remove("LEDGER_NOW")
            .env_remove("LEDGER_MAX_CLOCK_SKEW")
            .envs(vars.iter().copied())
            .env("LEDGER_DB", self.db())
            .env("LEDGER_CACHE", self.cache.path())
            .env_remove("LEDGER_NO_CACHE")
            .args(args)
            .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = input {
            // The command may exit before reading its input (a bad key file):
            // a broken pipe here is its answer, not a test failure.
            let _ = child.stdin.take().unwrap().write_all(input);
        }
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn append(&self, key: &str, lines: &str) -> Run {
        self.run_with_input(&["append", "--key", &format!("keys/{key}.key")], Some(lines.as_bytes()))
    }

    pub fn keygen(&self, name: &str) {
        self.run(&["key", "generate", "--prefix", &format!("keys/{name}")]).ok();
    }

    /// The root authorises `keys/NAME.pub` for one role.
    pub fn authorize(&self, name: &str, holder: &str, role: &str) {
        let public = format!("keys/{name}.pub");
        self.run(&["key", "authorize", "--key", "keys/root.key", "--pub", &public, "--holder", holder, "--role", role])
            .ok();
    }

    /// A ledger with a root key, a statistics office key and a few notes.
    pub fn with_ledger() -> Env {
        let env = Env::new();
        env.keygen("root");
        env.keygen("stats");
        env.run(&["init", "--origin", "test.example/ledger", "--key", "keys/root.key", "--holder", "Test City"]).ok();
        env.run(&[
            "key",
            "authorize",
            "--key",
            "keys/root.key",
            "--pub",
            "keys/stats.pub",
            "--holder",
            "Statistics Bureau",
            "--role",
            "statistics",
        ])
        .ok();
        env.append(
            "root",
            "{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"one\"}}\n\
             {\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"two\"}}\n",
        )
        .ok();
        env.append("stats", "{\"stream\":\"other\",\"type\":\"note\",\"data\":{\"text\":\"three\"}}\n{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"four\"}}\n").ok();
        env
    }

    pub fn db_bytes(&self) -> Vec<u8> {
        let mut all = std::fs::read(self.db()).unwrap();
        for suffix in ["-wal", "-shm"] {
            if let Ok(b) = std::fs::read(format!("{}{suffix}", self.db().display())) {
                all.extend(b);
            }
        }
        all
    }

    /// Edits the ledger file directly: drops the append-only triggers and
    /// the indexes first, as anyone with the file can.
    pub fn tamper(&self, f: impl FnOnce(&rusqlite::Connection)) {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.execute_batch(
            "DROP TRIGGER IF EXISTS records_no_update; DROP TRIGGER IF EXISTS records_no_delete;
             DROP INDEX IF EXISTS records_stream_version; DROP INDEX IF EXISTS records_event_id;
             DROP INDEX IF EXISTS records_type;",
        )
        .unwrap();
        f(&conn);
        conn.close().unwrap();
    }

    pub fn verify_json(&self, extra: &[&str]) -> (i32, serde_json::Value) {
        let mut args = vec!["verify", "--json"];
        args.extend_from_slice(extra);
        let r = self.run(&args);
        let v = r.json();
        (r.code, v)
    }
}

/// A test that needs an outside tool which is not installed: under `CI=true`
/// (as `.ci/run` sets it, since it installs the tool) the test fails, so
/// that a check never passes in CI by not running; elsewhere the part that
/// needs the tool is skipped with a note.
#[track_caller]
pub fn missing_tool(tool: &str, skipped: &str) {
    missing_tool_under(std::env::var("CI").ok().as_deref(), tool, skipped);
}

/// [`missing_tool`] with the value of `CI` given.
#[track_caller]
pub fn missing_tool_under(ci: Option<&str>, tool: &str, skipped: &str) {
    if let Some(ci @ ("true" | "1")) = ci {
        panic!("{tool} is not installed and CI={ci}: {skipped} may not be skipped in CI (.ci/run installs it)");
    }
    eprintln!("note: {tool} is not installed: {skipped} is skipped (.ci/run installs it)");
}

/// A time `days` after this machine's clock, as `LEDGER_NOW` takes it.
pub fn days_from_now(days: i64) -> String {
    ledger_engine::Clock::system().plus_seconds(days * 86_400).to_string()
}

/// The hex text with its first digit changed (a signature that no longer verifies).
pub fn another_first_digit(hex: &str) -> String {
    let mut rest = hex.chars();
    let first = if rest.next() == Some('a') { 'b' } else { 'a' };
    format!("{first}{}", rest.as_str())
}

/// `(seq, check)` pairs of a `verify --json` report.
pub fn errors(report: &serde_json::Value) -> Vec<(u64, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["seq"].as_u64().unwrap(), e["check"].as_str().unwrap().to_owned()))
        .collect()
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// The demonstration ledger, built once per test run, copied into a fresh
/// folder for each test that needs it: `ledger.db` and `keys/`.
pub fn demo_env() -> Env {
    static DEMO: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let built = DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_ledger"))
            .args(["demo", "--dir"])
            .arg(dir.path().join("demo"))
            .output()
            .unwrap();
        assert!(out.status.success(), "ledger demo failed:\n{}", String::from_utf8_lossy(&out.stderr));
        dir
    });
    let env = Env::new();
    let src = built.path().join("demo");
    std::fs::copy(src.join("ledger.db"), env.db()).unwrap();
    std::fs::create_dir(env.path("keys")).unwrap();
    for entry in std::fs::read_dir(src.join("keys")).unwrap() {
        let entry = entry.unwrap();
        let to = env.path("keys").join(entry.file_name());
        std::fs::copy(entry.path(), &to).unwrap();
        let mode = std::fs::metadata(entry.path()).unwrap().permissions();
        std::fs::set_permissions(&to, mode).unwrap();
    }
    env
}

impl Env {
    /// Writes a record the way a careful intruder with the file and a
    /// private key would: signed with `key_file`, chained to the last record
    /// (its origin and time), inserted with raw SQL past every rule of
    /// `ledger append`, and the Merkle tree table rebuilt to match. Hash,
    /// chain, signature and tree are valid. Returns its seq.
    pub fn forge(
        &self,
        key_file: &str,
        stream: &str,
        version: u64,
        event_type: &str,
        data: serde_json::Value,
        id: &str,
    ) -> u64 {
        let key = ledger_keyfile::read_private(&self.path(key_file)).unwrap();
        let c = rusqlite::Connection::open(self.db()).unwrap();
        let (seq, prev, last): (i64, Vec<u8>, String) = c
            .query_row("SELECT seq, hash, envelope FROM records ORDER BY seq DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        drop(c);
        let last: serde_json::Value = serde_json::from_str(&last).unwrap();
        let envelope = ledger_core::Envelope {
            origin: last["origin"].as_str().unwrap().to_owned(),
            stream: stream.into(),
            version,
            event_type: event_type.into(),
            schema: 1,
            data: data.as_object().unwrap().clone(),
            author: (&key).into(),
            time: last["time"].as_str().unwrap().parse().unwrap(),
            id: id.into(),
        };
        let signed = ledger_core::record::SignedEnvelope::sign(envelope, &key, &[]).unwrap();
        let seq = seq as u64 + 1;
        let record = ledger_core::Record::seal(seq, ledger_core::Hash::from_slice(&prev).unwrap(), signed);
        self.tamper(|c| {
            c.execute(
                "INSERT INTO records (seq, prev, hash, envelope, signatures) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![
                    seq as i64,
                    &record.prev.0[..],
                    &record.hash.0[..],
                    String::from_utf8(record.envelope_bytes.clone()).unwrap(),
                    String::from_utf8(record.signatures_bytes.clone()).unwrap()
                ],
            )
            .unwrap();
        });
        self.rebuild_tree();
        seq
    }

    /// Rebuilds the derived Merkle tree table from the records, as anyone
    /// who edits the file and knows the format can.
    pub fn rebuild_tree(&self) {
        ledger_store::Store::open(&self.db()).unwrap().rebuild_tree().unwrap();
    }
}
