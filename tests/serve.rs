//! Offices on other machines: events signed offline (`ledger sign`), the
//! HTTP service (`ledger serve`) on a loopback port driven by a real HTTP
//! client (ureq), the log as static tiles (`export-tiles`, `verify
//! --tiles`), and why a served ledger pins its history with the log key.

use crate::support::{Env, Run};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A ledger with a root, a statistics office, a log key (role `log`) and a
/// few notes.
fn served_env() -> Env {
    let env = Env::with_ledger();
    env.keygen("log");
    env.authorize("log", "The log", "log");
    env
}

/// `ledger serve` on a free loopback port; killed when dropped.
struct Server {
    child: Child,
    url: String,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    fn start(env: &Env, extra: &[&str]) -> Server {
        Server::launch(env, extra, None)
    }

    /// With `open_files` as its limit on open files (`ulimit -n`).
    fn launch(env: &Env, extra: &[&str], open_files: Option<u32>) -> Server {
        let mut command = match open_files {
            None => Command::new(env!("CARGO_BIN_EXE_ledger")),
            Some(n) => {
                let mut c = Command::new("sh");
                c.args(["-c", &format!("ulimit -n {n} && exec \"$0\" \"$@\""), env!("CARGO_BIN_EXE_ledger")]);
                c
            }
        };
        let mut child = command
            .current_dir(env.dir.path())
            .env("LEDGER_DB", env.db())
            .env("LEDGER_CACHE", env.cache.path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(if extra.contains(&"--log-key") { &[][..] } else { &["--log-key", "keys/log.key"][..] })
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("serve said {line:?}")).to_owned();
        Server { child, url, stderr: Some(stderr) }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut r = agent().get(&format!("{}{path}", self.url)).call().unwrap();
        // Tiles are binary: shown lossily, compared as they come.
        let bytes = r.body_mut().read_to_vec().unwrap();
        (r.status().as_u16(), String::from_utf8_lossy(&bytes).into_owned())
    }

    fn post(&self, body: &[u8]) -> (u16, Value) {
        let mut r = agent().post(&format!("{}/add", self.url)).send(body).unwrap();
        let status = r.status().as_u16();
        let text = r.body_mut().with_config().limit(64 << 20).read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")))
    }

    /// SIGTERM, then the exit status and everything logged.
    fn terminate(mut self) -> (i32, String) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = wait(&mut self.child, Duration::from_secs(30));
        (status, self.stderr.take().unwrap().join().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait(child: &mut Child, limit: Duration) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s.code().unwrap_or(-1);
        }
        assert!(start.elapsed() < limit, "the service did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn note(stream: &str, text: &str) -> String {
    format!("{}\n", json!({"stream": stream, "type": "note", "data": {"text": text}}))
}

/// `ledger sign` against the service, as an office on its own machine.
fn sign(env: &Env, key: &str, server: &Server, lines: &str) -> Run {
    env.run_with_input(&["sign", "--key", &format!("keys/{key}.key"), "--server", &server.url], Some(lines.as_bytes()))
}

/// Signs and submits until the service takes it (a 409 means another
/// office wrote first: sign again against the ledger as it now stands).
fn submit(env: &Env, key: &str, server: &Server, lines: &str) -> Value {
    for _ in 0..50 {
        let signed = sign(env, key, server, lines).ok();
        let (status, body) = server.post(signed.stdout.as_bytes());
        match status {
            200 => return body,
            409 => continue,
            other => panic!("status {other}: {body}"),
        }
    }
    panic!("never accepted: {lines}")
}

fn record_count(env: &Env) -> usize {
    env.run(&["log", "--json"]).ok().json()["records"].as_array().unwrap().len()
}

#[test]
fn eight_offices_at_once_each_get_their_seq_and_the_log_seals_every_batch() {
    let env = served_env();
    let server = Server::start(&env, &[]);
    let before = record_count(&env) as u64;
    let answers: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (env, server) = (&env, &server);
                s.spawn(move || {
                    // Four of them write to one shared stream, four to their own.
                    let stream = if i % 2 == 0 { "shared".to_owned() } else { format!("office-{i}") };
                    (0..3)
                        .map(|j| submit(env, "stats", server, &note(&stream, &format!("{i}.{j}"))))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let mut seqs: Vec<u64> = answers.iter().map(|a| a["events"][0]["seq"].as_u64().unwrap()).collect();
    assert!(answers.iter().all(|a| a["appended"] == 1 && a["checkpoint"].is_string()));
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 24, "every office got its own seq");
    let (_, checkpoint) = server.get("/checkpoint");
    let (code, metrics) = server.get("/metrics");
    assert_eq!(code, 200);
    assert!(metrics.contains("ledger_events_appended_total 24\n"), "{metrics}");
    let (_, stderr) = server.terminate();
    assert!(stderr.contains("/add") && stderr.contains("status=200"), "one log line per request:\n{stderr}");

    // No fork, no gap, nothing lost: 24 notes and (at least) 24 seals, each
    // seal the root of the records before it; the last is the one served.
    let report = env.run(&["verify", "--trust", "keys/root.pub", "--json"]).ok().json();
    assert_eq!(report["unsealed"], 0, "{report}");
    let log = env.run(&["log", "--json"]).ok().json();
    let records = log["records"].as_array().unwrap();
    assert_eq!(records.len() as u64, report["events"].as_u64().unwrap());
    let notes: Vec<&Value> =
        records.iter().filter(|r| r["seq"].as_u64().unwrap() >= before && r["type"] == "note").collect();
    assert_eq!(notes.len(), 24);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["seq"], i as u64);
    }
    let shared: Vec<u64> =
        records.iter().filter(|r| r["stream"] == "shared").map(|r| r["version"].as_u64().unwrap()).collect();
    assert_eq!(shared, (1..=12).collect::<Vec<_>>());
    let last = records.last().unwrap();
    assert_eq!(last["type"], "checkpoint_signed");
    assert_eq!(last["data"]["note"].as_str().unwrap(), checkpoint);
}

#[test]
fn refused_requests_get_their_status_and_change_nothing() {
    let env = served_env();
    env.keygen("gone");
    env.authorize("gone", "Old office", "statistics");
    let server = Server::start(&env, &["--max-body", "4096"]);
    // Signed, then overtaken on its stream by another office's event.
    let signed = sign(&env, "stats", &server, &note("notes", "kept for later")).ok().stdout;
    let accepted = submit(&env, "stats", &server, &note("notes", "accepted"));
    let head = server.get("/healthz");
    let bytes = env.db_bytes();

    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("malformed", b"{\"envelope\": 1".to_vec(), 400, "line 1"),
        ("empty", Vec::new(), 400, "no events"),
        ("oversized", vec![b' '; 5000], 413, ""),
        ("another ledger's", signed_for_origin(&env), 422, "not this one"),
    ];
    for (what, body, status, message) in cases {
        let (got, answer) = server.post(&body);
        assert_eq!(got, status, "{what}: {answer}");
        assert!(answer.to_string().contains(message), "{what}: {answer}");
    }
    // A replayed submission: already recorded, nothing added.
    let replay = sign_again(&accepted, &env);
    let (status, answer) = server.post(replay.as_bytes());
    assert_eq!((status, answer["appended"].as_u64()), (200, Some(0)), "{answer}");
    assert_eq!(answer["events"][0]["status"], "existing");
    assert_eq!(answer["events"][0]["seq"], accepted["events"][0]["seq"]);
    assert_eq!(server.get("/healthz"), head);
    assert_eq!(env.db_bytes(), bytes, "nothing was written");

    // A revoked key (revoked on the ledger's machine while it serves).
    env.run(&["key", "revoke", "--key", "keys/root.key", "--reason", "office closed", "keys/gone.pub"]).ok();
    let late = sign(&env, "gone", &server, &note("notes", "after revocation")).ok().stdout;
    let head = server.get("/healthz");
    let (status, answer) = server.post(late.as_bytes());
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("revoked"), "{answer}");
    // An event signed before another office moved the stream on: sign again.
    let (status, answer) = server.post(signed.as_bytes());
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["code"], "decide_again", "{answer}");
    assert!(answer["hint"].as_str().unwrap().contains("expected_version"), "{answer}");
    assert_eq!(server.get("/healthz"), head);
    drop(server);
    env.run(&["verify", "--trust", "keys/root.pub"]).ok();
}

/// The line that `accepted` answered for, read back from the ledger and
/// sent again as its office would (the same signed bytes).
fn sign_again(accepted: &Value, env: &Env) -> String {
    let seq = accepted["events"][0]["seq"].as_u64().unwrap();
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let (envelope, signatures): (String, String) = c
        .query_row("SELECT envelope, signatures FROM records WHERE seq = ?1", [seq as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    format!("{{\"envelope\":{envelope},\"signatures\":{signatures}}}\n")
}

fn signed_for_origin(env: &Env) -> Vec<u8> {
    let lines =
        format!("{}\n", json!({"stream": "elsewhere", "type": "note", "data": {"text": "x"}, "expected_version": 0}));
    env.run_with_input(&["sign", "--key", "keys/stats.key", "--origin", "other.example/ledger"], Some(lines.as_bytes()))
        .ok()
        .stdout
        .into_bytes()
}

#[test]
fn a_unit_key_writes_for_its_own_unit_only() {
    let env = crate::support::demo_env();
    let server = Server::start(&env, &[]);
    let head = server.get("/healthz");
    // Shanghe's key answering the accountability action taken against Nanbu.
    let line = format!(
        "{}\n",
        json!({"stream": "period/2020", "type": "rectification_submitted",
               "data": {"action": "accountability-nanbu", "unit": "nanbu", "text": "not ours to answer"}})
    );
    let signed = sign(&env, "shanghe", &server, &line).ok().stdout;
    let (status, answer) = server.post(signed.as_bytes());
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("speaks for unit shanghe"), "{answer}");
    assert_eq!(server.get("/healthz"), head);
}

#[test]
fn sigterm_under_load_keeps_every_acknowledged_event() {
    let env = served_env();
    let server = Server::start(&env, &[]);
    // Signed up front in one run (one time for all), a stream per client,
    // so that the load is all appends.
    let mut lines = String::new();
    for i in 0..4 {
        for j in 0..40 {
            lines.push_str(&note(&format!("load-{i}"), &j.to_string()));
        }
    }
    let signed = sign(&env, "stats", &server, &lines).ok().stdout;
    let signed: Vec<String> = signed.lines().map(|l| format!("{l}\n")).collect();
    let batches: Vec<&[String]> = signed.chunks(40).collect();
    let acked = std::sync::Mutex::new(Vec::new());
    let stop_at = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for &lines in &batches {
            let (server, acked, stop_at) = (&server, &acked, &stop_at);
            s.spawn(move || {
                for line in lines {
                    // A refused or cut connection after SIGTERM is not an ack.
                    let Ok(mut r) = agent().post(&format!("{}/add", server.url)).send(line.as_bytes()) else { break };
                    let Ok(text) = r.body_mut().read_to_string() else { break };
                    match r.status().as_u16() {
                        200 => {
                            let v: Value = serde_json::from_str(&text).unwrap();
                            let id = serde_json::from_str::<Value>(line).unwrap()["envelope"]["id"].clone();
                            acked.lock().unwrap().push((v["events"][0]["seq"].as_u64().unwrap(), id));
                            stop_at.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                        other => panic!("status {other}: {text}"),
                    }
                }
            });
        }
        let start = Instant::now();
        while stop_at.load(std::sync::atomic::Ordering::SeqCst) < 20 {
            assert!(start.elapsed() < Duration::from_secs(60), "the load did not start");
            std::thread::sleep(Duration::from_millis(5));
        }
        let pid = server.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    });
    let mut server = server;
    assert_eq!(wait(&mut server.child, Duration::from_secs(30)), 0, "a clean stop");
    let acked = acked.into_inner().unwrap();
    assert!(acked.len() >= 20);
    env.run(&["verify", "--trust", "keys/root.pub"]).ok();
    for (seq, id) in acked {
        let shown = env.run(&["show", &seq.to_string(), "--json"]).ok().json();
        assert_eq!(shown["id"], id, "acknowledged seq {seq}");
    }
    // Restarted, it seals whatever the stop left unsealed.
    let server = Server::start(&env, &[]);
    drop(server);
    assert_eq!(env.run(&["verify", "--trust", "keys/root.pub", "--json"]).ok().json()["unsealed"], 0);
}

#[test]
fn the_served_and_exported_tiles_verify_like_the_file() {
    let env = served_env();
    let server = Server::start(&env, &[]);
    for i in 0..3 {
        submit(&env, "stats", &server, &note("notes", &format!("served {i}")));
    }
    let file = env.run(&["verify", "--trust", "keys/root.pub", "--json"]).ok().json();
    let served = env.run(&["verify", "--tiles", &server.url, "--trust", "keys/root.pub", "--json"]).ok().json();
    // The tiles hold what the latest checkpoint covers: every record but
    // that checkpoint's own.
    let covered = served["events"].as_u64().unwrap();
    assert_eq!(covered + 1, file["events"].as_u64().unwrap());
    let last_covered = env.run(&["show", &(covered - 1).to_string(), "--json"]).ok().json();
    assert_eq!(served["head"], last_covered["hash"]);
    for key in ["ok", "origin", "errors", "warnings", "notices", "unsealed"] {
        assert_eq!(served[key], file[key], "{key}");
    }
    // A tile and an entry bundle at the C2SP paths, for the checkpoint's size.
    let (_, checkpoint) = server.get("/checkpoint");
    let size: u64 = checkpoint.lines().nth(1).unwrap().parse().unwrap();
    assert_eq!(size, covered);
    assert_eq!(server.get(&format!("/tile/0/000.p/{size}")).0, 200);
    assert_eq!(server.get(&format!("/tile/entries/000.p/{size}")).0, 200);
    assert_eq!(server.get("/tile/0/999").0, 404);

    // Exported, then extended by running again.
    env.run(&["export-tiles", "--dir", "public"]).ok();
    let exported = env.run(&["verify", "--tiles", "public", "--trust", "keys/root.pub", "--json"]).ok().json();
    assert_eq!(exported, served);
    submit(&env, "stats", &server, &note("notes", "one more"));
    env.run(&["export-tiles", "--dir", "public"]).ok();
    let again = env.run(&["verify", "--tiles", "public", "--trust", "keys/root.pub", "--json"]).ok().json();
    assert_eq!(again["events"].as_u64().unwrap(), covered + 2);

    // An edited bundle is found.
    let bundle = env.path(&format!("public/records/000.p/{}", covered + 2));
    let text = std::fs::read_to_string(&bundle).unwrap().replacen("served 1", "served X", 1);
    std::fs::write(&bundle, text).unwrap();
    let r = env.run(&["verify", "--tiles", "public", "--trust", "keys/root.pub"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
}

/// Everything from `from` on, renumbered after a forged note inserted at
/// `at` (signed by an office key, dated like its neighbour), re-chained and
/// the tree rebuilt: what a file holder with an office key can do, since
/// the envelope signs neither seq nor prev.
fn insert_into_the_past(env: &Env, at: u64) {
    let key = ledger_keyfile::read_private(&env.path("keys/stats.key")).unwrap();
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let rows: Vec<(Vec<u8>, Vec<u8>)> = c
        .prepare("SELECT envelope, signatures FROM records ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get::<_, String>(0)?.into_bytes(), r.get::<_, String>(1)?.into_bytes())))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(c);
    let mut signed: Vec<_> =
        rows.into_iter().map(|(e, s)| ledger_core::record::SignedEnvelope::from_parts(e, s).unwrap()).collect();
    let neighbour = signed[at as usize - 1].envelope.clone();
    let forged = ledger_core::Envelope {
        stream: "forged".into(),
        version: 1,
        event_type: "note".into(),
        schema: 1,
        data: json!({"text": "inserted into the past"}).as_object().unwrap().clone(),
        author: (&key).into(),
        id: "forged-0001".into(),
        ..neighbour
    };
    signed.insert(at as usize, ledger_core::record::SignedEnvelope::sign(forged, &key, &[]).unwrap());
    env.tamper(|c| {
        c.execute("DELETE FROM records", []).unwrap();
        let mut prev = ledger_core::Hash([0; 32]);
        for (seq, s) in signed.into_iter().enumerate() {
            let r = ledger_core::Record::seal(seq as u64, prev, s);
            c.execute(
                "INSERT INTO records (seq, prev, hash, envelope, signatures) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![
                    seq as i64,
                    &r.prev.0[..],
                    &r.hash.0[..],
                    String::from_utf8(r.envelope_bytes.clone()).unwrap(),
                    String::from_utf8(r.signatures_bytes.clone()).unwrap()
                ],
            )
            .unwrap();
            prev = r.hash;
        }
        c.execute("DELETE FROM snapshots", []).unwrap();
    });
    env.rebuild_tree();
    env.forget_cache();
}

#[test]
fn inserting_into_the_past_of_a_served_ledger_needs_the_log_key() {
    // Written without the service: the rewrite passes, and verify says that
    // nothing but the file pins those records.
    let plain = Env::with_ledger();
    let at = record_count(&plain) as u64 - 2;
    insert_into_the_past(&plain, at);
    let r = plain.run(&["verify", "--trust", "keys/root.pub"]).ok();
    assert!(r.stdout.contains("pinned by nothing but this file"), "{}", r.stdout);

    // Served: every batch sealed by a checkpoint the log signed.
    let env = served_env();
    let server = Server::start(&env, &[]);
    for i in 0..3 {
        submit(&env, "stats", &server, &note("notes", &format!("sealed {i}")));
    }
    drop(server);
    let r = env.run(&["verify", "--trust", "keys/root.pub"]).ok();
    assert!(!r.stdout.contains("pinned by nothing"), "{}", r.stdout);
    let at = record_count(&env) as u64 - 3;
    insert_into_the_past(&env, at);
    let (code, report) = env.verify_json(&["--trust", "keys/root.pub"]);
    assert_eq!(code, 1, "{report}");
    let errors = crate::support::errors(&report);
    assert!(errors.iter().any(|(seq, check)| *seq > at && check == "consistency"), "{report}");
}

#[test]
fn a_proof_bundle_needs_nothing_but_the_trusted_log_key() {
    let env = served_env();
    let server = Server::start(&env, &[]);
    let answer = submit(&env, "stats", &server, &note("notes", "proved alone"));
    drop(server);
    let seq = answer["events"][0]["seq"].as_u64().unwrap().to_string();
    // The keys, read from the ledger itself.
    let vkey = env.run(&["key", "export", "log", "--format", "vkey"]).ok().stdout;
    std::fs::write(env.path("log.vkey"), &vkey).unwrap();
    let root = env.run(&["key", "export", "Test City"]).ok().stdout;
    assert_eq!(root, std::fs::read_to_string(env.path("keys/root.pub")).unwrap());
    env.run(&["prove", &seq, "--bundle", "--out", "record.bundle"]).ok();

    // Elsewhere: no ledger, only the bundle and the trusted key.
    let inspector = Env::new();
    std::fs::copy(env.path("record.bundle"), inspector.path("record.bundle")).unwrap();
    std::fs::copy(env.path("log.vkey"), inspector.path("log.vkey")).unwrap();
    let r = inspector.run(&["verify-proof", "--log-vkey", "log.vkey", "record.bundle", "--json"]).ok().json();
    assert_eq!(r["ok"], true);
    assert_eq!(r["index"].as_u64().unwrap().to_string(), seq);
    assert_eq!(r["event"]["data"]["text"], "proved alone");

    // The record edited inside the bundle: its bytes no longer hash to its hash.
    let text = std::fs::read_to_string(inspector.path("record.bundle")).unwrap();
    std::fs::write(inspector.path("edited.bundle"), text.replace("proved alone", "proved ALONE")).unwrap();
    let r = inspector.run(&["verify-proof", "--log-vkey", "log.vkey", "edited.bundle"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("does not hash"), "{}", r.stdout);
    // A key the inspector does not trust, even one the bundle names itself.
    let other =
        env.run(&["key", "export", "statistics", "--format", "vkey", "--name", "test.example/ledger"]).ok().stdout;
    std::fs::write(inspector.path("other.vkey"), other).unwrap();
    let r = inspector.run(&["verify-proof", "--log-vkey", "other.vkey", "record.bundle"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // A bundle holds its record: --record is refused.
    inspector
        .run(&["verify-proof", "--log-vkey", "log.vkey", "--record-hash", &"0".repeat(64), "record.bundle"])
        .refused("bundle");
}

#[test]
fn a_witness_cosigns_what_the_tiles_prove_consistent_and_keeps_a_fork_as_evidence() {
    let env = served_env();
    env.keygen("w1");
    let w1 = env.run(&["key", "vkey", "keys/w1.pub", "--name", "w1.example", "--kind", "witness"]).ok().stdout;
    std::fs::write(env.path("w1.vkey"), &w1).unwrap();
    let log = env.run(&["key", "export", "log", "--format", "vkey"]).ok().stdout;
    std::fs::write(env.path("log.vkey"), &log).unwrap();
    std::fs::write(env.path("policy"), format!("log {}witness w1 {}quorum w1\n", log, w1)).unwrap();
    let witness = |log: &str, submit: bool| {
        let mut args = vec![
            "witness",
            "--key",
            "keys/w1.key",
            "--name",
            "w1.example",
            "--log-vkey",
            "log.vkey",
            "--dir",
            "w1",
            "--tiles",
            log,
        ];
        if submit {
            args.push("--submit");
        }
        env.run(&args)
    };

    let server = Server::start(&env, &["--witness", "w1.vkey"]);
    submit(&env, "stats", &server, &note("notes", "first"));
    let r = witness(&server.url, true).ok();
    assert!(r.stdout.starts_with("\u{2014} w1.example "), "{}", r.stdout);
    let (_, cosigned) = server.get("/checkpoint");
    assert!(cosigned.contains("\u{2014} w1.example "), "served with its cosignature:\n{cosigned}");
    std::fs::write(env.path("cosigned.txt"), &cosigned).unwrap();
    drop(server);
    // Where the log will fork from: a copy of the ledger at this point.
    std::fs::copy(env.db(), env.path("fork.db")).unwrap();

    // The log grows; the witness follows it with a proof read from the tiles.
    let server = Server::start(&env, &["--witness", "w1.vkey"]);
    for i in 0..3 {
        submit(&env, "stats", &server, &note("notes", &format!("more {i}")));
    }
    witness(&server.url, true).ok();
    let seen = std::fs::read_to_string(env.path("w1/checkpoint")).unwrap();
    let (_, latest) = server.get("/checkpoint");
    assert!(latest.starts_with(&seen[..seen.find('\u{2014}').unwrap()]));

    // The policy: a checkpoint the witness cosigned passes, one it did not fails.
    env.run(&["verify", "--checkpoint", "cosigned.txt", "--witness-policy", "policy", "--trust", "keys/root.pub"]).ok();
    let uncosigned = env.run(&["checkpoint", "--log-key", "keys/log.key"]);
    drop(server);
    std::fs::write(env.path("bare.txt"), uncosigned.ok().stdout).unwrap();
    let r = env.run(&["verify", "--checkpoint", "bare.txt", "--witness-policy", "policy"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("quorum"), "{}", r.stdout);
    env.run(&["prove", "3", "--checkpoint", "cosigned.txt", "--bundle", "--out", "p.bundle"]).ok();
    env.run(&["verify-proof", "--witness-policy", "policy", "p.bundle"]).ok();
    env.run(&["prove", "3", "--checkpoint", "bare.txt", "--bundle", "--out", "bare.bundle"]).ok();
    let r = env.run(&["verify-proof", "--witness-policy", "policy", "bare.bundle"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);

    // The log's operator signs another, longer history from the copy: a fork.
    for i in 0..12 {
        env.run_with_input(
            &["--db", "fork.db", "append", "--key", "keys/stats.key"],
            Some(note("notes", &format!("other {i}")).as_bytes()),
        )
        .ok();
    }
    env.run(&["--db", "fork.db", "checkpoint", "--log-key", "keys/log.key"]).ok();
    env.run(&["--db", "fork.db", "export-tiles", "--dir", "forked"]).ok();
    let r = witness("forked", false);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("FAILED: not cosigned"), "{}", r.stdout);
    assert_eq!(std::fs::read_to_string(env.path("w1/checkpoint")).unwrap(), seen, "the state stays");
    let evidence: Vec<_> = std::fs::read_dir(env.path("w1/forks")).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(evidence.iter().any(
        |p| std::fs::read_to_string(p).unwrap() == std::fs::read_to_string(env.path("forked/checkpoint")).unwrap()
    ));
}

#[test]
fn a_far_future_event_a_forged_replay_and_an_erasure_over_the_service_are_answered_rightly() {
    let env = crate::support::demo_env();
    // An accountability action naming an official, taken on the ledger's machine.
    let taken = env
        .run(&[
            "decision",
            "action",
            "--period",
            "2022",
            "--unit",
            "shanghe",
            "--kind",
            "admonition-talk",
            "--basis",
            "C3.2",
            "--person-name",
            "王五",
            "--key",
            "keys/authority.key",
            "--json",
        ])
        .ok()
        .json();
    let person = taken["events"][0]["seq"].as_u64().unwrap();
    let server = Server::start(&env, &[]);

    // An office whose clock is a year ahead: refused, naming both times, the
    // ledger unchanged, and events signed at the true time still taken.
    let head = server.get("/healthz");
    let next_year = crate::support::days_from_now(365);
    let future = env
        .run_with_env(
            &["sign", "--key", "keys/statistics.key", "--server", &server.url],
            &[("LEDGER_NOW", &next_year)],
            Some(note("notes", "from the future").as_bytes()),
        )
        .ok()
        .stdout;
    let (status, answer) = server.post(future.as_bytes());
    assert_eq!(status, 422, "{answer}");
    let error = answer["error"].as_str().unwrap();
    assert!(error.contains(&next_year) && error.contains("after this machine's clock"), "{answer}");
    assert_eq!(server.get("/healthz"), head);
    let accepted = submit(&env, "statistics", &server, &note("notes", "on time"));

    // A replay whose signature was changed is refused, not "existing".
    let mut line: Value = serde_json::from_str(sign_again(&accepted, &env).trim()).unwrap();
    let sig = line["signatures"][0]["sig"].as_str().unwrap().to_owned();
    line["signatures"][0]["sig"] = Value::String(crate::support::another_first_digit(&sig));
    let (status, answer) = server.post(format!("{line}\n").as_bytes());
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("signature"), "{answer}");

    // An erasure signed on the authority's machine and posted: the data goes.
    let erasure = format!(
        "{}\n",
        json!({"stream": "personal-data", "type": "personal_data_redacted",
               "data": {"record": person, "reason": "retention period over"}})
    );
    submit(&env, "authority", &server, &erasure);
    drop(server);
    let shown = env.run(&["show", &person.to_string(), "--json"]).ok();
    assert!(!shown.stdout.contains("王五"), "{}", shown.stdout);
    let kept: i64 = rusqlite::Connection::open(env.db())
        .unwrap()
        .query_row("SELECT count(*) FROM personal_data WHERE seq = ?1", [person as i64], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 0, "an erasure over the service erased nothing");
}

// --- issue 23: the service's answers, bounds, audit trail and TLS -----------

/// `ledger serve` with these arguments, expected to refuse to start: its
/// exit code and stderr.
fn serve_refuses(env: &Env, args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ledger"))
        .current_dir(env.dir.path())
        .env("LEDGER_DB", env.db())
        .env("LEDGER_CACHE", env.cache.path())
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code().unwrap_or(-1);
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the service started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (code, stderr)
}

/// Root-signed `roles_defined` giving the role `log` these event types, the
/// rest of the default table unchanged.
fn roles_with_log(env: &Env, server: &Server, log: &[&str]) -> String {
    let mut roles: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ledger/roles.json")).unwrap(),
    )
    .unwrap();
    roles["log"] = json!(log);
    let line = format!("{}\n", json!({"stream": "ledger", "type": "roles_defined", "data": {"roles": roles}}));
    sign(env, "root", server, &line).ok().stdout
}

#[test]
fn a_log_key_that_may_not_sign_checkpoints_is_refused_at_start() {
    let env = served_env();
    let (code, stderr) = serve_refuses(&env, &["--listen", "127.0.0.1:0", "--log-key", "keys/stats.key"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--log-key") && stderr.contains("may not sign checkpoints"), "{stderr}");
    assert!(stderr.contains("hint:") && stderr.contains("--role log"), "{stderr}");
}

#[test]
fn a_batch_whose_seal_fails_is_answered_200_unsealed_and_healthz_says_so_until_a_seal_succeeds() {
    let env = served_env();
    let server = Server::start(&env, &[]);
    // The root takes checkpoint_signed away from the role `log`: the batch
    // that does it commits, and its seal then fails.
    let (status, answer) = server.post(roles_with_log(&env, &server, &[]).as_bytes());
    assert_eq!(status, 200, "recorded, so not a refusal: {answer}");
    assert_eq!(answer["appended"], 1, "{answer}");
    let seq = answer["events"][0]["seq"].as_u64().unwrap();
    assert!(answer["checkpoint"].is_null(), "{answer}");
    assert_eq!(answer["unsealed"], 1, "{answer}");
    let warning = answer["warning"].as_str().unwrap();
    assert!(warning.contains("not sealed") && warning.contains("may not sign checkpoints"), "{warning}");
    assert_eq!(env.run(&["show", &seq.to_string(), "--json"]).ok().json()["type"], "roles_defined");

    let (code, health) = server.get("/healthz");
    assert_eq!(code, 503, "{health}");
    assert!(
        health.contains("1 record(s)") && health.contains("unsealed") && health.contains("may not sign"),
        "{health}"
    );
    let (_, metrics) = server.get("/metrics");
    assert!(metrics.contains("\nledger_unsealed_records 1\n"), "{metrics}");
    let failures = metrics.lines().find_map(|l| l.strip_prefix("ledger_seal_failures_total ")).unwrap();
    assert!(failures.parse::<u64>().unwrap() >= 1, "{metrics}");
    let (code, proof) = server.get(&format!("/proof/{seq}"));
    assert_eq!(code, 404, "{proof}");
    assert!(proof.contains("no checkpoint covers it yet"), "{proof}");

    // The next batch gives the role back: its own seal covers both.
    let (status, answer) = server.post(roles_with_log(&env, &server, &["checkpoint_signed"]).as_bytes());
    assert_eq!(status, 200, "{answer}");
    assert!(answer["checkpoint"].is_string() && answer.get("warning").is_none(), "{answer}");
    let (code, health) = server.get("/healthz");
    assert_eq!((code, health.starts_with("ok ")), (200, true), "{health}");
    let (_, metrics) = server.get("/metrics");
    assert!(metrics.contains("\nledger_unsealed_records 0\n"), "{metrics}");
    drop(server);
    assert_eq!(env.run(&["verify", "--trust", "keys/root.pub", "--json"]).ok().json()["unsealed"], 0);
}

#[test]
fn a_revoked_log_key_leaves_the_batch_recorded_and_unsealed_and_is_refused_at_the_next_start() {
    let env = served_env();
    let server = Server::start(&env, &[]);
    let key = ledger_keyfile::read_public(&env.path("keys/log.pub")).unwrap();
    let line = format!(
        "{}\n",
        json!({"stream": "ledger", "type": "key_revoked",
               "data": {"key": key.to_hex(), "reason": "log key retired", "compromised": false}})
    );
    let revoke = sign(&env, "root", &server, &line).ok().stdout;
    let (status, answer) = server.post(revoke.as_bytes());
    assert_eq!(status, 200, "{answer}");
    assert!(answer["checkpoint"].is_null() && answer["warning"].as_str().unwrap().contains("revoked"), "{answer}");
    let (code, health) = server.get("/healthz");
    assert_eq!(code, 503, "{health}");
    assert!(health.contains("revoked"), "{health}");
    drop(server);

    let (code, stderr) = serve_refuses(&env, &["--listen", "127.0.0.1:0", "--log-key", "keys/log.key"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("revoked"), "{stderr}");
    // A new log key: the service seals what was left on start.
    env.keygen("log2");
    env.authorize("log2", "The new log", "log");
    let server = Server::start(&env, &["--log-key", "keys/log2.key"]);
    let (code, health) = server.get("/healthz");
    assert_eq!(code, 200, "{health}");
    drop(server);
    assert_eq!(env.run(&["verify", "--trust", "keys/root.pub", "--json"]).ok().json()["unsealed"], 0);
}

/// A raw connection to the service, for what a well-behaved client never
/// sends.
fn connect(server: &Server) -> std::net::TcpStream {
    let address = server.url.trim_start_matches("http://").trim_start_matches("https://");
    let stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream
}

/// Everything the service sends until it closes the connection (or, after
/// 30 s, what came so far: the caller's assertions then fail).
fn read_all(stream: &mut std::net::TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn a_declared_length_over_the_limit_is_refused_before_the_body_is_read() {
    use std::io::Write;
    let env = served_env();
    let server = Server::start(&env, &[]);
    let head = server.get("/healthz");
    let mut stream = connect(&server);
    // One gibibyte declared, a few bytes sent: the answer comes anyway.
    stream
        .write_all(b"POST /add HTTP/1.1\r\nHost: ledger\r\nContent-Length: 1073741824\r\n\r\n{\"envelope\":")
        .unwrap();
    let answer = read_all(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    assert!(answer.contains("larger than the 16777216 bytes"), "{answer}");
    // Neither a length that is not a number.
    let mut stream = connect(&server);
    stream.write_all(b"POST /add HTTP/1.1\r\nHost: ledger\r\nContent-Length: lots\r\n\r\n").unwrap();
    let answer = read_all(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    assert_eq!(server.get("/healthz"), head, "nothing was written");
}

/// The service's open file descriptors.
fn open_files(server: &Server) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", server.child.id())).unwrap().count()
}

#[test]
fn slow_and_idle_connections_are_bounded_closed_and_do_not_hold_shutdown() {
    use std::io::Write;
    let env = served_env();
    // No request before the twenty: a client's kept-alive connection would
    // hold one of the eight places until the service sees it closed (a
    // loaded machine: 13 refused, not 12). The headers' time leaves a
    // margin for a loaded machine to open all twenty before any times out.
    let server = Server::start(&env, &["--header-timeout", "3", "--max-connections", "8"]);
    let before = open_files(&server);
    // Twenty connections, half of them sending headers that never end.
    let mut streams: Vec<_> = (0..20)
        .map(|i| {
            let mut s = connect(&server);
            if i % 2 == 0 {
                s.write_all(b"POST /add HTTP/1.1\r\nHost: ledger\r\n").unwrap();
            }
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let open = open_files(&server);
    assert!(open <= before + 8 + 1, "{open} files open, {before} before: the bound is 8 connections");
    // Every one ends: those over the bound at once with a 503, the others
    // when their headers are late.
    let answers: Vec<String> = streams.iter_mut().map(read_all).collect();
    let full = answers.iter().filter(|a| a.starts_with("HTTP/1.1 503") && a.contains("--max-connections")).count();
    assert_eq!(full, 12, "{answers:?}");
    assert!(answers.iter().all(|a| a.is_empty() || a.starts_with("HTTP/1.1 ")), "{answers:?}");
    assert_eq!(server.get("/healthz").0, 200, "the service answers once they are gone");
    let (code, stderr) = server.terminate();
    assert_eq!(code, 0);
    assert!(stderr.contains("no complete request headers within 3 s"), "{stderr}");
    assert!(stderr.contains("connection refused: 8 connections are open"), "{stderr}");

    // Connections that hold their headers do not hold the shutdown either.
    let server = Server::start(&env, &["--header-timeout", "600", "--shutdown-grace", "1"]);
    let mut streams: Vec<_> = (0..10).map(|_| connect(&server)).collect();
    for s in &mut streams {
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: ").unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.child.id().to_string();
    let start = Instant::now();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let mut server = server;
    // The grace is 1 s; a generous margin for a loaded machine.
    assert_eq!(wait(&mut server.child, Duration::from_secs(20)), 0, "a clean stop");
    assert!(start.elapsed() < Duration::from_secs(20));
    drop(streams);

    // A connection on which no byte moves is closed after the idle time,
    // even while its headers still have time.
    let server = Server::start(&env, &["--header-timeout", "600", "--idle-timeout", "1"]);
    let mut idle = connect(&server);
    idle.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    assert_eq!(read_all(&mut idle), "", "closed without an answer");
    let (_, stderr) = server.terminate();
    assert!(stderr.contains("no byte moved for 1 s"), "{stderr}");
}

#[test]
fn a_lock_held_by_another_process_is_answered_503_retry_after_and_reads_do_not_wait() {
    let env = served_env();
    let server = Server::start(&env, &[]);
    submit(&env, "stats", &server, &note("notes", "before the lock"));
    let signed = sign(&env, "stats", &server, &note("notes", "during the lock")).ok().stdout;
    let head = server.get("/healthz");
    // Another process takes the write lock (as `ledger append` would).
    let other = rusqlite::Connection::open(env.db()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let url = server.url.clone();
    let body = signed.clone();
    let add = std::thread::spawn(move || {
        let mut r = agent().post(&format!("{url}/add")).send(body.as_bytes()).unwrap();
        let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        (r.status().as_u16(), retry, r.body_mut().read_to_string().unwrap())
    });
    std::thread::sleep(Duration::from_millis(500));
    // While the append waits for the lock, the reads answer.
    for path in ["/healthz", "/checkpoint", "/metrics", "/streams?stream=notes"] {
        assert_eq!(server.get(path).0, 200, "{path}");
    }
    assert_eq!(server.get("/healthz"), head);
    assert!(!add.is_finished(), "the reads answered while the append still waited for the lock");
    let (status, retry, text) = add.join().unwrap();
    assert_eq!(status, 503, "{text}");
    assert!(retry.is_some_and(|s| s.parse::<u64>().is_ok()), "Retry-After");
    assert!(text.contains("locked"), "{text}");
    other.execute_batch("ROLLBACK").unwrap();
    assert_eq!(server.get("/healthz"), head, "nothing was written");
    // Sent again once the lock is gone: recorded.
    let (status, answer) = server.post(signed.as_bytes());
    assert_eq!((status, answer["appended"].as_u64()), (200, Some(1)), "{answer}");
}

/// A refusal's body is `{"error", "code", "hint"}`: the code of what can be
/// done about it, and a hint only when the client can do it.
#[test]
fn a_refusal_carries_the_code_of_its_remedy_and_hints_only_what_the_client_can_do() {
    let env = served_env();
    let server = Server::start(&env, &[]);
    // 409: signed, then overtaken on its stream by another office's event.
    let signed = sign(&env, "stats", &server, &note("notes", "overtaken")).ok().stdout;
    submit(&env, "stats", &server, &note("notes", "first"));
    let (status, answer) = server.post(signed.as_bytes());
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["code"], "decide_again", "{answer}");
    let hint = answer["hint"].as_str().unwrap();
    assert!(hint.contains("decide again") && hint.contains("expected_version"), "{answer}");
    // 422: dated a year after the service's clock: the client sets its own.
    let future = env
        .run_with_env(
            &["sign", "--key", "keys/stats.key", "--server", &server.url],
            &[("LEDGER_NOW", &crate::support::days_from_now(365))],
            Some(note("notes", "from the future").as_bytes()),
        )
        .ok()
        .stdout;
    let (status, answer) = server.post(future.as_bytes());
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "set_clock", "{answer}");
    assert!(answer["hint"].as_str().unwrap().contains("clock"), "{answer}");
    // 403: a key the ledger does not know: ask, not run a command.
    env.keygen("stranger");
    let stranger = sign(&env, "stranger", &server, &note("notes", "who am I")).ok().stdout;
    let (status, answer) = server.post(stranger.as_bytes());
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["code"], "check_roles", "{answer}");
    assert!(answer["hint"].as_str().unwrap().contains("ask its operator"), "{answer}");
    // 400: a line that does not decode: the body has the three members.
    let (status, answer) = server.post(b"{\"envelope\": 1\n");
    assert_eq!(status, 400, "{answer}");
    let mut members: Vec<&str> = answer.as_object().unwrap().keys().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(members, ["code", "error", "hint"], "{answer}");
}

#[test]
fn the_latest_checkpoint_is_answered_404_with_what_to_ask_and_hints_name_no_operator_command() {
    let env = served_env();
    let server = Server::start(&env, &[]);
    submit(&env, "stats", &server, &note("notes", "proved"));
    let (_, health) = server.get("/healthz");
    let head: u64 = health.split(' ').nth(1).unwrap().parse().unwrap();
    let (code, text) = server.get(&format!("/proof/{head}"));
    assert_eq!(code, 404, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    let error = answer["error"].as_str().unwrap();
    assert!(error.contains("latest checkpoint itself") && error.contains("GET /checkpoint"), "{error}");
    assert!(!text.contains("`ledger "), "{text}");
    assert_eq!(server.get(&format!("/proof/{}", head - 1)).0, 200);
    let (code, text) = server.get(&format!("/proof/{}", head + 5));
    assert_eq!(code, 404, "{text}");
    assert!(text.contains("no record"), "{text}");
    // A signer the ledger does not know: told to ask, not to run a command
    // on a file it does not hold.
    env.keygen("stranger");
    let signed = sign(&env, "stranger", &server, &note("notes", "who am I")).ok().stdout;
    let (status, answer) = server.post(signed.as_bytes());
    assert_eq!(status, 403, "{answer}");
    assert!(!answer.to_string().contains("`ledger "), "{answer}");
    let (code, text) = server.get("/no/such/path");
    assert_eq!(code, 404, "{text}");
    assert!(text.contains("/add"), "{text}");
}

#[test]
fn a_witness_whose_name_the_service_does_not_accept_exits_1_and_says_what_it_cosigned() {
    let env = served_env();
    env.keygen("w1");
    let w1 = env.run(&["key", "vkey", "keys/w1.pub", "--name", "w1.example", "--kind", "witness"]).ok().stdout;
    std::fs::write(env.path("w1.vkey"), &w1).unwrap();
    let log = env.run(&["key", "export", "log", "--format", "vkey"]).ok().stdout;
    std::fs::write(env.path("log.vkey"), &log).unwrap();
    let server = Server::start(&env, &["--witness", "w1.vkey"]);
    let witness = |name: &str, state: &str| {
        env.run(&[
            "witness",
            "--key",
            "keys/w1.key",
            "--name",
            name,
            "--log-vkey",
            "log.vkey",
            "--dir",
            state,
            "--tiles",
            &server.url,
            "--submit",
        ])
    };
    submit(&env, "stats", &server, &note("notes", "first"));
    let (_, checkpoint) = server.get("/checkpoint");
    let first: u64 = checkpoint.lines().nth(1).unwrap().parse().unwrap();
    let r = witness("w1.example", "w1").ok();
    assert!(r.stderr.contains(&format!("cosigned {first} (first sight")), "{}", r.stderr);
    assert!(r.stderr.contains("accepted"), "{}", r.stderr);
    // The same key under a name the service does not know: the checkpoint it
    // sends holds w1.example's cosignature, which the service accepts again,
    // but not this one.
    let r = witness("other.example/w", "other");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("FAILED") && r.stdout.contains("other.example/w"), "{}", r.stdout);
    for i in 0..2 {
        submit(&env, "stats", &server, &note("notes", &format!("more {i}")));
    }
    let (_, checkpoint) = server.get("/checkpoint");
    let latest: u64 = checkpoint.lines().nth(1).unwrap().parse().unwrap();
    let r = witness("w1.example", "w1").ok();
    assert!(r.stderr.contains(&format!("cosigned {latest}, consistent with {first}")), "{}", r.stderr);
}

#[test]
fn every_request_is_logged_with_its_client_keys_events_and_refusal() {
    use std::io::Write;
    let env = served_env();
    let server = Server::start(&env, &["--header-timeout", "1"]);
    let signed = sign(&env, "stats", &server, &note("notes", "audited")).ok().stdout;
    let id = serde_json::from_str::<Value>(signed.trim()).unwrap()["envelope"]["id"].as_str().unwrap().to_owned();
    let key = ledger_keyfile::read_public(&env.path("keys/stats.pub")).unwrap().key_id().to_string();
    assert_eq!(server.post(signed.as_bytes()).0, 200);
    assert_eq!(server.post(b"{\"envelope\": 1").0, 400);
    assert_eq!(server.get("/nowhere").0, 404);
    let mut slow = connect(&server);
    slow.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    read_all(&mut slow);
    let (_, log) = server.terminate();
    let line = |what: &str| log.lines().find(|l| l.contains(what)).unwrap_or_else(|| panic!("no {what}:\n{log}"));
    let added = line("path=/add status=200 ");
    assert!(added.contains("client=127.0.0.1:"), "{added}");
    assert!(added.contains(&key) && added.contains(&id) && added.contains("appended=1"), "{added}");
    let bad = line("status=400");
    assert!(bad.contains("client=127.0.0.1:") && bad.contains("reason=") && bad.contains("line 1"), "{bad}");
    let lost = line("status=404");
    assert!(lost.contains("path=/nowhere"), "{lost}");
    let late = line("no complete request headers");
    assert!(late.contains("client=127.0.0.1:"), "{late}");
}

/// A certificate authority and a certificate it signs for `localhost` and
/// 127.0.0.1: the chain and key files, and the authority's certificate.
fn tls_files(env: &Env) {
    use std::os::unix::fs::PermissionsExt;
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name.push(rcgen::DnType::CommonName, "Test City CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    std::fs::create_dir_all(env.path("tls")).unwrap();
    std::fs::write(env.path("tls/chain.pem"), format!("{}{}", cert.pem(), ca_cert.pem())).unwrap();
    std::fs::write(env.path("tls/key.pem"), key.serialize_pem()).unwrap();
    std::fs::set_permissions(env.path("tls/key.pem"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(env.path("tls/ca.pem"), ca_cert.pem()).unwrap();
}

/// `ledger` with `SSL_CERT_FILE` set (or removed).
fn run_trusting(env: &Env, ca: Option<&str>, args: &[&str], input: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ledger"));
    cmd.current_dir(env.dir.path())
        .env("LEDGER_DB", env.db())
        .env("LEDGER_CACHE", env.cache.path())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match ca {
        Some(ca) => cmd.env("SSL_CERT_FILE", env.path(ca)),
        None => cmd.env_remove("SSL_CERT_FILE"),
    };
    let mut child = cmd.spawn().unwrap();
    let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.unwrap_or("").as_bytes());
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn plain_http_beyond_loopback_is_refused_unless_asked_and_tls_serves_signing_and_tiles() {
    let env = served_env();
    let (code, stderr) = serve_refuses(&env, &["--listen", "0.0.0.0:0", "--log-key", "keys/log.key"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("plain HTTP") && stderr.contains("--tls-cert") && stderr.contains("--insecure-plain-http"));

    tls_files(&env);
    let server = Server::start(&env, &["--tls-cert", "tls/chain.pem", "--tls-key", "tls/key.pem"]);
    assert!(server.url.starts_with("https://127.0.0.1:"), "{}", server.url);
    let lines = note("notes", "over TLS");
    let signed = run_trusting(
        &env,
        Some("tls/ca.pem"),
        &["sign", "--key", "keys/stats.key", "--server", &server.url],
        Some(&lines),
    )
    .ok();
    // A client that trusts the authority.
    let ca = std::fs::read(env.path("tls/ca.pem")).unwrap();
    let roots: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&ca)
        .filter_map(|i| match i.unwrap() {
            ureq::tls::PemItem::Certificate(c) => Some(c),
            _ => None,
        })
        .collect();
    let tls = ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::new_with_certs(&roots)).build();
    let client: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).tls_config(tls).build().into();
    let mut r = client.post(&format!("{}/add", server.url)).send(signed.stdout.as_bytes()).unwrap();
    let text = r.body_mut().read_to_string().unwrap();
    assert_eq!(r.status().as_u16(), 200, "{text}");
    let verified = run_trusting(
        &env,
        Some("tls/ca.pem"),
        &["verify", "--tiles", &server.url, "--trust", "keys/root.pub", "--json"],
        None,
    )
    .ok();
    assert_eq!(verified.json()["ok"], true);
    // Without the authority, the certificate is not trusted: nothing is signed.
    let r = run_trusting(&env, None, &["sign", "--key", "keys/stats.key", "--server", &server.url], Some(&lines));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    // Plain HTTP to the TLS port gets no answer as HTTP.
    let plain = format!("http://{}", server.url.trim_start_matches("https://"));
    assert!(agent().get(&format!("{plain}/healthz")).call().is_err());
    drop(server);

    // Beyond loopback when asked, plainly.
    let mut child = Command::new(env!("CARGO_BIN_EXE_ledger"))
        .current_dir(env.dir.path())
        .env("LEDGER_DB", env.db())
        .env("LEDGER_CACHE", env.cache.path())
        .args(["serve", "--listen", "0.0.0.0:0", "--log-key", "keys/log.key", "--insecure-plain-http"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line}");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_low_limit_on_open_files_lowers_the_bounds_and_the_service_keeps_answering() {
    let env = served_env();
    let server = Server::launch(&env, &["--header-timeout", "1"], Some(64));
    // Far more connections than the service has descriptors for: each ends
    // (turned away, or closed for want of headers), none takes the service down.
    let mut streams: Vec<_> = (0..100).map(|_| connect(&server)).collect();
    let answers: Vec<String> = streams.iter_mut().map(read_all).collect();
    assert!(answers.iter().all(|a| a.is_empty() || a.starts_with("HTTP/1.1 503")), "{answers:?}");
    assert!(open_files(&server) < 64);
    // Reads at once: answered, or turned away with 503, never failing.
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16).map(|_| s.spawn(|| server.get("/checkpoint").0)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "{statuses:?}");
    assert!(statuses.contains(&200), "{statuses:?}");
    submit(&env, "stats", &server, &note("notes", "still writing"));
    let (code, log) = server.terminate();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("the limit on open files is 64"), "{log}");
}
