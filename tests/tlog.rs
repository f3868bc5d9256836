//! The verifiable log from the command line: checkpoints, proofs, witnesses,
//! verification from a checkpoint, and the rollbacks and forks they expose.
//!
//! The checkpoint, verifier key, cosignature and proof files are checked here
//! with a small verifier written from the public specs (C2SP signed-note,
//! tlog-checkpoint, tlog-cosignature, tlog-proof, tlog-witness; RFC 6962),
//! using only SHA-256, Ed25519 and base64: not the ledger's own libraries.

use crate::support::{Env, Run};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

const ORIGIN: &str = "test.example/ledger";

// ---------------------------------------------------------------------------
// An independent reader of the formats, from the specs.

type H = [u8; 32];

fn sha(parts: &[&[u8]]) -> H {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// RFC 6962 2.1: leaf and node hashes, MTH, PATH and PROOF, recursively.
fn leaf(record_hash: &H) -> H {
    sha(&[&[0], record_hash])
}

fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(d: &[H]) -> H {
    match d.len() {
        0 => sha(&[]),
        1 => d[0],
        n => {
            let k = k_of(n);
            sha(&[&[1], &mth(&d[..k]), &mth(&d[k..])])
        }
    }
}

fn path(m: usize, d: &[H]) -> Vec<H> {
    if d.len() <= 1 {
        return Vec::new();
    }
    let k = k_of(d.len());
    let (mut p, s) = if m < k { (path(m, &d[..k]), mth(&d[k..])) } else { (path(m - k, &d[k..]), mth(&d[..k])) };
    p.push(s);
    p
}

fn subproof(m: usize, d: &[H], b: bool) -> Vec<H> {
    if m == d.len() {
        return if b { Vec::new() } else { vec![mth(d)] };
    }
    let k = k_of(d.len());
    let (mut p, s) =
        if m <= k { (subproof(m, &d[..k], b), mth(&d[k..])) } else { (subproof(m - k, &d[k..], false), mth(&d[..k])) };
    p.push(s);
    p
}

fn key_id(name: &str, kind: u8, key: &[u8; 32]) -> [u8; 4] {
    sha(&[name.as_bytes(), &[b'\n', kind], key])[..4].try_into().unwrap()
}

fn public_key(env: &Env, name: &str) -> VerifyingKey {
    *ledger_keyfile::read_public(&env.path(&format!("keys/{name}.pub"))).unwrap().verifying_key()
}

fn private_key(env: &Env, name: &str) -> SigningKey {
    ledger_keyfile::read_private(&env.path(&format!("keys/{name}.key"))).unwrap()
}

/// One signature line: key name, key id, signature bytes.
type SigLine = (String, [u8; 4], Vec<u8>);

/// A signed note split into its text and signature lines.
fn split_note(note: &str) -> (String, Vec<SigLine>) {
    let at = note.rfind("\n\n").expect("blank line before the signatures");
    let (text, sigs) = (&note[..=at], &note[at + 2..]);
    let lines = sigs
        .strip_suffix('\n')
        .unwrap()
        .split('\n')
        .map(|l| {
            let rest = l.strip_prefix("\u{2014} ").expect("em dash and space");
            let (name, b) = rest.split_once(' ').unwrap();
            let data = B64.decode(b).unwrap();
            (name.to_owned(), data[..4].try_into().unwrap(), data[4..].to_vec())
        })
        .collect();
    (text.to_owned(), lines)
}

/// Checks a checkpoint note as a signed-note verifier would; returns (origin, size, root).
fn check_checkpoint(note: &str, log: &VerifyingKey) -> (String, u64, H) {
    let (text, sigs) = split_note(note);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "origin, size, root: {text:?}");
    let id = key_id(lines[0], 0x01, log.as_bytes());
    let (_, _, sig) = sigs.iter().find(|(n, i, _)| n == lines[0] && *i == id).expect("a signature by the log key");
    log.verify_strict(text.as_bytes(), &Signature::from_slice(sig).unwrap()).expect("log signature");
    let root: H = B64.decode(lines[2]).unwrap().try_into().unwrap();
    (lines[0].to_owned(), lines[1].parse().unwrap(), root)
}

/// The record hashes of the ledger, in order.
fn record_hashes(env: &Env) -> Vec<H> {
    let log = env.run(&["log", "--json"]).ok().json();
    log["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| hex::decode(r["hash"].as_str().unwrap()).unwrap().try_into().unwrap())
        .collect()
}

fn leaves(env: &Env) -> Vec<H> {
    record_hashes(env).iter().map(leaf).collect()
}

fn hashes_b64(list: &[H]) -> Vec<String> {
    list.iter().map(|h| B64.encode(h)).collect()
}

// ---------------------------------------------------------------------------
// Helpers.

/// The test ledger (6 records) with a log key authorised: 7 records.
pub(crate) fn with_log() -> Env {
    let env = Env::with_ledger();
    env.keygen("log");
    env.authorize("log", "Ledger log", "log");
    env
}

fn notes(env: &Env, texts: &[&str]) {
    let lines: String = texts
        .iter()
        .map(|t| format!("{{\"stream\":\"notes\",\"type\":\"note\",\"data\":{{\"text\":\"{t}\"}}}}\n"))
        .collect();
    env.append("root", &lines).ok();
}

/// Signs and records a checkpoint; writes it to `file`; returns it.
pub(crate) fn checkpoint(env: &Env, file: &str) -> String {
    let note = env.run(&["checkpoint", "--log-key", "keys/log.key"]).ok().stdout;
    std::fs::write(env.path(file), &note).unwrap();
    note
}

pub(crate) fn log_vkey(env: &Env) -> String {
    let v = env.run(&["key", "vkey", "keys/log.pub", "--name", ORIGIN]).ok().stdout.trim().to_owned();
    std::fs::write(env.path("log.vkey"), &v).unwrap();
    v
}

pub(crate) fn record_hash(env: &Env, seq: u64) -> String {
    env.run(&["show", &seq.to_string(), "--json"]).ok().json()["hash"].as_str().unwrap().to_owned()
}

fn read(env: &Env, file: &str) -> String {
    std::fs::read_to_string(env.path(file)).unwrap()
}

/// `ledger verify-proof` against the log key.
fn verify_proof(env: &Env, seq: u64, file: &str, extra: &[&str]) -> Run {
    let hash = record_hash(env, seq);
    let mut args = vec!["verify-proof", "--log-vkey", "log.vkey", "--record-hash", &hash, file];
    args.extend_from_slice(extra);
    env.run(&args)
}

#[track_caller]
fn failed(run: Run, what: &str) -> Run {
    assert_eq!(run.code, 1, "expected exit 1\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(what), "expected {what:?} in:\n{}", run.stdout);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// `(seq, check)` of the errors of a JSON report.
fn checks(report: &Value) -> Vec<(u64, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["seq"].as_u64().unwrap(), e["check"].as_str().unwrap().to_owned()))
        .collect()
}

/// Go's StoredHashIndex of leaf n: 2n - popcount(n).
fn leaf_id(n: u64) -> u64 {
    2 * n - u64::from(n.count_ones())
}

// ---------------------------------------------------------------------------

#[test]
fn a_checkpoint_is_a_c2sp_signed_note_of_the_tree_and_is_recorded_in_the_ledger() {
    let env = with_log();
    let note = checkpoint(&env, "cp.txt");
    // Independent check: signed by the log key named after the origin, of the
    // RFC 6962 root over the 7 record hashes before the checkpoint record.
    let (origin, size, root) = check_checkpoint(&note, &public_key(&env, "log"));
    assert_eq!((origin.as_str(), size), (ORIGIN, 7));
    assert_eq!(root, mth(&leaves(&env)[..7]));
    // The verifier key, as signed-note defines it.
    let vkey = log_vkey(&env);
    let key = public_key(&env, "log");
    let mut data = vec![0x01];
    data.extend_from_slice(key.as_bytes());
    let expected = format!("{ORIGIN}+{}+{}", hex::encode(key_id(ORIGIN, 0x01, key.as_bytes())), B64.encode(&data));
    assert_eq!(vkey, expected);
    // Recorded as the next record, and the ledger still verifies.
    let rec = env.run(&["show", "7", "--json"]).ok().json();
    assert_eq!(
        (rec["stream"].as_str(), rec["type"].as_str(), rec["schema"].as_u64()),
        (Some("checkpoints"), Some("checkpoint_signed"), Some(1))
    );
    assert_eq!(rec["data"]["size"], 7);
    assert_eq!(rec["data"]["root"], B64.encode(root));
    assert_eq!(rec["data"]["note"], note);
    assert_eq!(env.verify_json(&[]).0, 0);
    // The next checkpoint covers the first one's record; --json tells where it went.
    let next = env.run(&["checkpoint", "--log-key", "keys/log.key", "--json"]).ok().json();
    assert_eq!((next["seq"].as_u64(), next["size"].as_u64()), (Some(8), Some(8)));
    assert_eq!(check_checkpoint(next["note"].as_str().unwrap(), &key).2, mth(&leaves(&env)[..8]));
}

#[test]
fn only_the_authorised_log_key_signs_checkpoints_and_bad_input_changes_nothing() {
    let env = Env::with_ledger();
    env.keygen("log");
    let before = env.db_bytes();
    let r = env.run(&["checkpoint", "--log-key", "keys/log.key"]).refused("may not sign checkpoints");
    assert!(r.stderr.contains("hint: authorise it as the log key") && r.stderr.contains("--role log"), "{}", r.stderr);
    env.run(&["checkpoint", "--log-key", "keys/root.key"]).refused("root keys write governance events and notes only");
    env.run(&["checkpoint", "--log-key", "keys/missing.key"]).refused("does not exist");
    assert_eq!(env.db_bytes(), before);
    env.run(&["key", "vkey", "keys/log.pub", "--name", "has space"]).refused("invalid key name");
    env.run(&["key", "vkey", "keys/log.pub", "--name", "a+b"]).refused("invalid key name");
    env.run(&["prove", "1"]).refused("the ledger authorises no log key (role `log`)");
}

#[test]
fn every_record_has_an_inclusion_proof_that_verifies_offline() {
    let env = with_log();
    notes(&env, &["a", "b"]);
    let note = checkpoint(&env, "cp.txt");
    log_vkey(&env);
    let leaves = leaves(&env);
    let size = 9;
    for seq in 0..size {
        let file = format!("p{seq}.txt");
        let out = env.run(&["prove", &seq.to_string(), "--out", &file]).ok().stdout;
        assert!(out.contains(&format!("record {seq} (hash {})", record_hash(&env, seq as u64))), "{out}");
        // Independent check of the tlog-proof@v1 file: header, index, RFC 6962 path, the checkpoint verbatim.
        let text = read(&env, &file);
        let (head, cp) = text.split_once("\n\n").unwrap();
        let mut lines = head.lines();
        assert_eq!(lines.next(), Some("c2sp.org/tlog-proof@v1"));
        assert_eq!(lines.next(), Some(format!("index {seq}").as_str()));
        assert_eq!(lines.collect::<Vec<_>>(), hashes_b64(&path(seq, &leaves[..size])));
        assert_eq!(cp, note);
        let ok = verify_proof(&env, seq as u64, &file, &[]).ok().stdout;
        assert!(
            ok.starts_with(&format!("ok: record {} is record {seq} of {ORIGIN}", record_hash(&env, seq as u64))),
            "{ok}"
        );
    }
    // Without --out the proof goes to stdout; --json gives the record hash too.
    assert_eq!(env.run(&["prove", "3"]).ok().stdout, read(&env, "p3.txt"));
    let j = env.run(&["prove", "3", "--json"]).ok().json();
    assert_eq!((j["record"].as_str(), j["size"].as_u64()), (Some(record_hash(&env, 3).as_str()), Some(9)));
    // The checkpoint record itself (seq 9) is in no checkpoint yet.
    let r = env.run(&["prove", "9"]).refused("record 9 is not in the checkpoint recorded at seq 9");
    assert!(r.stderr.contains("hint: sign a newer checkpoint"), "{}", r.stderr);
    env.run(&["prove", "10"]).refused("no record 10");
    // From standard input, and as JSON.
    let hash = record_hash(&env, 4);
    let j = env
        .run_with_input(
            &["verify-proof", "--log-vkey", "log.vkey", "--record-hash", &hash, "-", "--json"],
            Some(read(&env, "p4.txt").as_bytes()),
        )
        .ok()
        .json();
    assert_eq!((j["ok"].as_bool(), j["index"].as_u64(), j["size"].as_u64()), (Some(true), Some(4), Some(9)));
}

#[test]
fn tampered_proofs_wrong_roots_and_other_keys_are_refused_precisely() {
    let env = with_log();
    notes(&env, &["a", "b"]);
    checkpoint(&env, "cp.txt");
    log_vkey(&env);
    env.run(&["prove", "2", "--out", "p.txt"]).ok();
    let good = read(&env, "p.txt");
    let write = |name: &str, text: &str| std::fs::write(env.path(name), text).unwrap();
    let proof_lines: Vec<&str> = good.lines().skip(2).take_while(|l| !l.is_empty()).collect();
    assert_eq!(proof_lines.len(), 4); // leaf 2 of 9

    // A sibling hash changed.
    let mut bytes = B64.decode(proof_lines[1]).unwrap();
    bytes[0] ^= 1;
    write("t1.txt", &good.replacen(proof_lines[1], &B64.encode(&bytes), 1));
    failed(
        verify_proof(&env, 2, "t1.txt", &[]),
        "FAILED: the record is not leaf 2 of the signed tree: the proof leads to root",
    );
    // A sibling hash removed.
    write("t2.txt", &good.replacen(&format!("{}\n", proof_lines[3]), "", 1));
    failed(
        verify_proof(&env, 2, "t2.txt", &[]),
        "the proof has 3 hashes; leaf 2 of a tree of 9 needs 4: the proof was altered",
    );
    // The index changed.
    write("t3.txt", &good.replacen("index 2", "index 3", 1));
    failed(verify_proof(&env, 2, "t3.txt", &[]), "the record is not leaf 3 of the signed tree");
    // Another record's hash.
    failed(verify_proof(&env, 3, "p.txt", &[]), "the record is not leaf 2 of the signed tree");
    // A wrong root in the checkpoint: the log's signature no longer covers it.
    let root_line = good.lines().nth(9).unwrap();
    assert_eq!(root_line.len(), 44);
    write("t4.txt", &good.replacen(root_line, &B64.encode(mth(&leaves(&env)[..8])), 1));
    failed(
        verify_proof(&env, 2, "t4.txt", &[]),
        "the log key's signature on the checkpoint does not verify: the checkpoint was altered",
    );
    // The checkpoint signed by another key under the log's name.
    let (text, _) = split_note(good.split_once("\n\n").unwrap().1);
    let other = private_key(&env, "stats");
    let mut sig = key_id(ORIGIN, 0x01, other.verifying_key().as_bytes()).to_vec();
    sig.extend_from_slice(&other.sign(text.as_bytes()).to_bytes());
    let forged = format!("{}\n\n{text}\n\u{2014} {ORIGIN} {}\n", good.split_once("\n\n").unwrap().0, B64.encode(&sig));
    write("t5.txt", &forged);
    failed(verify_proof(&env, 2, "t5.txt", &[]), "the checkpoint is not signed by the log key test.example/ledger+");
    // ... and a genuine proof checked against another key.
    let stats_vkey = env.run(&["key", "vkey", "keys/stats.pub", "--name", ORIGIN]).ok().stdout;
    let hash = record_hash(&env, 2);
    failed(
        env.run(&["verify-proof", "--log-vkey", stats_vkey.trim(), "--record-hash", &hash, "p.txt"]),
        "it was signed by another key",
    );
    let j =
        env.run(&["verify-proof", "--log-vkey", stats_vkey.trim(), "--record-hash", &hash, "p.txt", "--json"]).json();
    assert_eq!(j["ok"], false);

    // Unusable input: exit 2.
    env.run(&["verify-proof", "--log-vkey", "nonsense", "--record-hash", &hash, "p.txt"])
        .refused("the log's verifier key given is neither a verifier key nor a file")
        .refused("hint: give --log-vkey as a verifier key");
    env.run(&["verify-proof", "--log-vkey", &format!("{ORIGIN}+00000000+AQ=="), "--record-hash", &hash, "p.txt"])
        .refused("--log-vkey");
    env.run(&["verify-proof", "--log-vkey", "log.vkey", "--record-hash", "12ab", "p.txt"])
        .refused("record hash \"12ab\"");
    env.run(&["verify-proof", "--log-vkey", "log.vkey", "--record-hash", &hash, "missing.txt"])
        .refused("proof file missing.txt does not exist");
    write("t6.txt", "not a proof\n");
    env.run(&["verify-proof", "--log-vkey", "log.vkey", "--record-hash", &hash, "t6.txt"])
        .refused("is not a c2sp.org/tlog-proof@v1 file");
    write("t7.txt", &good.replacen(proof_lines[0], "AAAA", 1));
    env.run(&["verify-proof", "--log-vkey", "log.vkey", "--record-hash", &hash, "t7.txt"])
        .refused("proof line 3 is not base64 of a 32-byte hash");
}

#[test]
fn witnesses_cosign_and_proofs_can_require_a_quorum() {
    let env = with_log();
    let cp = checkpoint(&env, "cp.txt");
    log_vkey(&env);
    let mut cosigned = cp.clone();
    for w in ["w1", "w2", "w3"] {
        env.keygen(w);
        let name = format!("{w}.example/witness");
        let vkey =
            env.run(&["key", "vkey", &format!("keys/{w}.pub"), "--name", &name, "--kind", "witness"]).ok().stdout;
        std::fs::write(env.path(&format!("{w}.vkey")), vkey.trim()).unwrap();
        // Independent check of the witness key type (0x04) and the verifier key.
        let key = public_key(&env, w);
        assert!(vkey.starts_with(&format!("{name}+{}+", hex::encode(key_id(&name, 0x04, key.as_bytes())))), "{vkey}");
        if w == "w3" {
            continue;
        }
        let line = env
            .run(&[
                "cosign",
                "--key",
                &format!("keys/{w}.key"),
                "--name",
                &name,
                "--state",
                &format!("{w}.state"),
                "cp.txt",
            ])
            .ok()
            .stdout;
        // cosignature/v1: key id with type 0x04, 8-byte timestamp, Ed25519 over
        // "cosignature/v1\ntime <t>\n" followed by the checkpoint text.
        let (_, sigs) = split_note(&format!("{cp}{line}"));
        let (n, id, data) = sigs.last().unwrap();
        assert_eq!((n.as_str(), *id), (name.as_str(), key_id(&name, 0x04, key.as_bytes())));
        assert_eq!(data.len(), 72);
        let t = u64::from_be_bytes(data[..8].try_into().unwrap());
        let msg = format!("cosignature/v1\ntime {t}\n{}", split_note(&cp).0);
        key.verify_strict(msg.as_bytes(), &Signature::from_slice(&data[8..]).unwrap()).unwrap();
        assert_eq!(read(&env, &format!("{w}.state")), cp);
        cosigned.push_str(&line);
    }
    std::fs::write(env.path("cosigned.txt"), &cosigned).unwrap();
    env.run(&["prove", "3", "--checkpoint", "cosigned.txt", "--out", "p.txt"]).ok();
    let both = verify_proof(&env, 3, "p.txt", &["--witness", "w1.vkey", "--witness", "w2.vkey"]).ok().stdout;
    assert!(
        both.contains("cosigned by witness w1.example/witness+")
            && both.contains("cosigned by witness w2.example/witness+"),
        "{both}"
    );
    verify_proof(&env, 3, "p.txt", &["--witness", "w1.vkey", "--witness", "w3.vkey", "--quorum", "1"]).ok();
    failed(
        verify_proof(&env, 3, "p.txt", &["--witness", "w1.vkey", "--witness", "w2.vkey", "--witness", "w3.vkey"]),
        "FAILED: only 2 of the required 3 witness cosignatures verified",
    );
    // A cosignature altered.
    let w1_line = cosigned.lines().rev().nth(1).unwrap().to_owned();
    let (head, b) = w1_line.rsplit_once(' ').unwrap();
    let mut data = B64.decode(b).unwrap();
    data[20] ^= 1;
    std::fs::write(
        env.path("p2.txt"),
        read(&env, "p.txt").replacen(&w1_line, &format!("{head} {}", B64.encode(&data)), 1),
    )
    .unwrap();
    failed(
        verify_proof(&env, 3, "p2.txt", &["--witness", "w1.vkey"]),
        "the cosignature by witness w1.example/witness+",
    );
    // Unusable witness input.
    verify_proof(&env, 3, "p.txt", &["--witness", "w1.vkey", "--quorum", "2"])
        .refused("a quorum of 2 is more than the 1 witness key(s) given")
        .refused("hint: give a --witness key for each witness");
    verify_proof(&env, 3, "p.txt", &["--witness", "log.vkey"]).refused("is not a witness (cosignature/v1) key");
    env.run(&["cosign", "--key", "keys/w1.key", "--name", "bad name", "cp.txt"]).refused("witness name \"bad name\"");
}

#[test]
fn consistency_proofs_between_checkpoints_are_tlog_witness_bodies() {
    let env = with_log();
    checkpoint(&env, "cp1.txt");
    notes(&env, &["a", "b", "c", "d", "e"]);
    let cp2 = checkpoint(&env, "cp2.txt");
    let leaves = leaves(&env);
    // --to-latest: the latest recorded checkpoint (13 records).
    let body = env.run(&["consistency", "--from", "cp1.txt", "--to-latest"]).ok().stdout;
    let (head, cp) = body.split_once("\n\n").unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("old 7"));
    assert_eq!(lines.collect::<Vec<_>>(), hashes_b64(&subproof(7, &leaves[..13], true)));
    assert_eq!(cp, cp2);
    assert_eq!(env.run(&["consistency", "--from", "cp1.txt", "--to", "cp2.txt"]).ok().stdout, body);
    let j = env.run(&["consistency", "--from", "cp1.txt", "--to-latest", "--json"]).ok().json();
    assert_eq!((j["old_size"].as_u64(), j["new_size"].as_u64()), (Some(7), Some(13)));
    assert_eq!(j["new_root"], B64.encode(mth(&leaves[..13])));
    // Default target: the current size (14 records, the last checkpoint's
    // own record included), with its tree head unsigned.
    let now = env.run(&["consistency", "--from", "cp1.txt"]).ok();
    assert!(now.stderr.contains("not signed"), "{}", now.stderr);
    let (head, tree_head) = now.stdout.split_once("\n\n").unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("old 7"));
    assert_eq!(lines.collect::<Vec<_>>(), hashes_b64(&subproof(7, &leaves, true)));
    let n = leaves.len();
    assert_eq!(tree_head.lines().nth(1), Some(n.to_string().as_str()));
    assert_eq!(tree_head.lines().nth(2), Some(B64.encode(mth(&leaves)).as_str()));
    let j = env.run(&["consistency", "--from", "cp1.txt", "--json"]).ok().json();
    assert_eq!((j["new_size"].as_u64(), j["new_signed"].as_bool()), (Some(n as u64), Some(false)));
    // Same size: an empty proof.
    assert_eq!(
        env.run(&["consistency", "--from", "cp2.txt", "--to", "cp2.txt"]).ok().stdout,
        format!("old 13\n\n{cp2}")
    );
    env.run(&["consistency", "--from", "cp2.txt", "--to", "cp1.txt"])
        .refused("the older checkpoint describes 13 records, more than the 7")
        .refused("hint: give the older checkpoint with --from");
    env.run(&["consistency", "--from", "missing.txt"]).refused("checkpoint file missing.txt does not exist");
}

#[test]
fn a_witness_moves_only_forward_along_consistent_checkpoints() {
    let env = with_log();
    log_vkey(&env);
    env.keygen("w1");
    let cosign = |extra: &[&str]| {
        let mut args = vec!["cosign", "--key", "keys/w1.key", "--state", "w1.state"];
        args.extend_from_slice(extra);
        env.run(&args)
    };
    checkpoint(&env, "cp1.txt");
    cosign(&["cp1.txt"]).ok();
    notes(&env, &["a", "b", "c"]);
    checkpoint(&env, "cp2.txt");
    // Offline, as a witness without the ledger: the log key and a proof from the log.
    let proof = env.run(&["consistency", "--from", "cp1.txt", "--to", "cp2.txt"]).ok().stdout;
    std::fs::write(env.path("proof.txt"), &proof).unwrap();
    let line = cosign(&["--db", "nowhere.db", "--log-vkey", "log.vkey", "--proof", "proof.txt", "cp2.txt", "--json"])
        .ok()
        .json();
    assert_eq!((line["size"].as_u64(), line["state_updated"].as_bool()), (Some(11), Some(true)));
    assert!(line["cosignature"].as_str().unwrap().starts_with("\u{2014} w1 "));
    assert_eq!(read(&env, "w1.state"), read(&env, "cp2.txt"));
    // Never backwards; and a proof for other sizes is refused as input.
    let state = read(&env, "w1.state");
    cosign(&["cp1.txt"]).refused("refusing to cosign a checkpoint of 7 records: this witness already saw one of 11");
    cosign(&["--db", "nowhere.db", "--log-vkey", "log.vkey", "cp2.txt"]).ok(); // same checkpoint again: no proof needed
    notes(&env, &["d"]);
    checkpoint(&env, "cp3.txt");
    cosign(&["--db", "nowhere.db", "--log-vkey", "log.vkey", "--proof", "proof.txt", "cp3.txt"])
        .refused("proves 7 -> the checkpoint in it; this cosigning needs 11 -> 13");
    cosign(&["--db", "nowhere.db", "--log-vkey", "log.vkey", "cp3.txt"]).refused("no consistency proof");
    assert_eq!(read(&env, "w1.state"), state);
    // With the ledger: the proof is computed.
    cosign(&["cp3.txt"]).ok();
    assert_eq!(read(&env, "w1.state"), read(&env, "cp3.txt"));
}

#[test]
fn verify_from_a_checkpoint_checks_only_the_records_added_since() {
    let env = with_log();
    notes(&env, &["a", "b"]);
    checkpoint(&env, "cp.txt");
    notes(&env, &["c", "d", "e"]);
    let (code, r) = env.verify_json(&["--checkpoint", "cp.txt"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        (r["verified_from"].as_u64(), r["events"].as_u64(), r["records"].as_u64()),
        (Some(9), Some(4), Some(13))
    );
    assert_eq!(r["root"], B64.encode(mth(&leaves(&env))));
    let text = env.run(&["verify", "--checkpoint", "cp.txt"]).ok().stdout;
    assert!(text.contains("the checkpoint of 9 records is consistent with the ledger (13 records"), "{text}");
    assert!(text.contains("verified the 4 records added since"), "{text}");

    // A record added since is changed: found, with the kernel's checks.
    env.tamper(|c| {
        c.execute("UPDATE records SET envelope = replace(envelope, '\"d\"', '\"D\"') WHERE seq = 11", []).unwrap();
    });
    let (code, r) = env.verify_json(&["--checkpoint", "cp.txt"]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(checks(&r), [(11, "hash".to_owned()), (11, "signature".to_owned())]);
    // A record the checkpoint vouches for, changed without its stored hash:
    // re-hashed under the checkpoint, so caught there too.
    let env = with_log();
    notes(&env, &["a", "b"]);
    checkpoint(&env, "cp.txt");
    notes(&env, &["c"]);
    env.tamper(|c| {
        c.execute("UPDATE records SET envelope = replace(envelope, '\"a\"', '\"A\"') WHERE seq = 7", []).unwrap();
    });
    let (code, r) = env.verify_json(&["--checkpoint", "cp.txt"]);
    assert_eq!((code, checks(&r)), (1, vec![(7, "hash".to_owned())]), "{r}");
    let (code, full) = env.verify_json(&[]);
    assert_eq!((code, checks(&full)), (1, vec![(7, "hash".to_owned()), (7, "signature".to_owned())]));
    // Changed with its stored hash and the chain mended after it, as a
    // careful attacker would: the records under the checkpoint no longer
    // give its signed root.
    let env = with_log();
    notes(&env, &["a", "b"]);
    checkpoint(&env, "cp.txt");
    let text = env.run(&["verify", "--checkpoint", "cp.txt"]).ok().stdout;
    assert!(text.contains("its 9 records re-hashed against its root"), "{text}");
    assert!(text.contains("not re-checked: the signatures and authority of the 9 records"), "{text}");
    rewrite_from(&env, 7, "a", "A");
    let (code, r) = env.verify_json(&["--checkpoint", "cp.txt"]);
    assert_eq!((code, checks(&r)[0].clone()), (1, (8, "consistency".to_owned())), "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("the 9 records under cp.txt hash to the root"), "{r}");
}

/// Rewrites the note text `from` to `to` in record `seq`, with its stored
/// hash and every later record's link and hash: the chain holds again, only
/// signatures and signed roots do not.
fn rewrite_from(env: &Env, seq: u64, from: &str, to: &str) {
    env.tamper(|c| {
        c.execute(
            &format!("UPDATE records SET envelope = replace(envelope, '\"{from}\"', '\"{to}\"') WHERE seq = ?1"),
            [seq as i64],
        )
        .unwrap();
        let rows: Vec<(i64, String, String)> = c
            .prepare("SELECT seq, envelope, signatures FROM records WHERE seq >= ?1 ORDER BY seq")
            .unwrap()
            .query_map([seq as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut prev: Vec<u8> =
            c.query_row("SELECT prev FROM records WHERE seq = ?1", [seq as i64], |r| r.get(0)).unwrap();
        for (s, envelope, sigs) in &rows {
            let h = ledger_core::crypto::record_hash(
                &ledger_core::Hash::from_slice(&prev).unwrap(),
                *s as u64,
                envelope.as_bytes(),
                sigs.as_bytes(),
            );
            c.execute("UPDATE records SET prev = ?1, hash = ?2 WHERE seq = ?3", rusqlite::params![prev, &h.0[..], s])
                .unwrap();
            prev = h.0.to_vec();
        }
    });
}

#[test]
fn the_state_file_follows_the_newest_consistent_checkpoint() {
    let env = with_log();
    checkpoint(&env, "cp1.txt");
    // No state yet, no checkpoint given: the full check, and the state takes
    // the newest checkpoint recorded in the ledger.
    let (code, r) = env.verify_json(&["--state", "insp.state"]);
    assert_eq!((code, r["verified_from"].as_u64(), r["events"].as_u64()), (0, Some(0), Some(8)));
    assert_eq!(read(&env, "insp.state"), read(&env, "cp1.txt"));
    notes(&env, &["a", "b"]);
    checkpoint(&env, "cp2.txt");
    notes(&env, &["c"]);
    // From the state on: consistency, then only the new records; state moves to cp2.
    let (code, r) = env.verify_json(&["--state", "insp.state"]);
    assert_eq!((code, r["verified_from"].as_u64(), r["events"].as_u64()), (0, Some(7), Some(5)));
    assert_eq!(read(&env, "insp.state"), read(&env, "cp2.txt"));
    // An older checkpoint presented: consistent, verified from it; the state stays.
    let (code, r) = env.verify_json(&["--checkpoint", "cp1.txt", "--state", "insp.state"]);
    assert_eq!((code, r["verified_from"].as_u64()), (0, Some(7)));
    assert_eq!(read(&env, "insp.state"), read(&env, "cp2.txt"));
    // With the log key pinned.
    log_vkey(&env);
    env.run(&["verify", "--state", "insp.state", "--log-vkey", "log.vkey"]).ok();
    let other = env.run(&["key", "vkey", "keys/stats.pub", "--name", ORIGIN]).ok().stdout;
    env.run(&["verify", "--state", "insp.state", "--log-vkey", other.trim()]).refused("is not signed by the log key");
    std::fs::write(env.path("junk.txt"), "junk").unwrap();
    env.run(&["verify", "--checkpoint", "junk.txt"]).refused("junk.txt is not a signed note");
}

#[test]
fn a_rolled_back_ledger_is_caught_by_the_checkpoint_the_state_and_the_witness() {
    let env = with_log();
    notes(&env, &["a", "b"]);
    checkpoint(&env, "cp1.txt");
    notes(&env, &["c", "d"]);
    let cp2 = checkpoint(&env, "cp2.txt");
    env.verify_json(&["--checkpoint", "cp2.txt", "--state", "insp.state"]);
    env.keygen("w1");
    env.run(&["cosign", "--key", "keys/w1.key", "--state", "w1.state", "cp2.txt"]).ok();
    assert_eq!(read(&env, "insp.state"), cp2);
    // Cut the ledger back to 10 records, with its tree, as a careful attacker would.
    env.tamper(|c| {
        c.execute_batch(&format!(
            "DELETE FROM records WHERE seq >= 10; DELETE FROM tlog_nodes WHERE id >= {};",
            leaf_id(10)
        ))
        .unwrap();
    });
    let (code, r) = env.verify_json(&["--state", "insp.state"]);
    assert_eq!((code, checks(&r)), (1, vec![(10, "consistency".to_owned())]));
    let message = r["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("describes 12 records but the ledger holds only 10: the ledger was rolled back"),
        "{message}"
    );
    assert_eq!(r["errors"][0]["notes"], serde_json::json!([cp2]));
    assert_eq!(read(&env, "insp.state"), cp2, "the state does not move back");
    failed(env.run(&["verify", "--checkpoint", "cp2.txt"]), "the ledger was rolled back");
    // The older checkpoint still holds for what is left; the state refuses.
    assert_eq!(env.verify_json(&["--checkpoint", "cp1.txt"]).0, 0);
    failed(env.run(&["verify", "--checkpoint", "cp1.txt", "--state", "insp.state"]), "rolled back");
    // The log has forgotten cp2 and signs again at 10: the witness never goes back...
    checkpoint(&env, "cp3.txt");
    env.run(&["cosign", "--key", "keys/w1.key", "--state", "w1.state", "cp3.txt"])
        .refused("refusing to cosign a checkpoint of 10 records: this witness already saw one of 12");
    // ... and when the log grows again to 12 records, different ones, that is proof of a fork.
    notes(&env, &["x"]);
    let cp3 = checkpoint(&env, "cp3.txt");
    let r = failed(
        env.run(&["cosign", "--key", "keys/w1.key", "--state", "w1.state", "cp3.txt"]),
        "the log forked or was rolled back",
    );
    assert!(
        r.stdout.contains("seen before (the state file w1.state)") && r.stdout.contains("presented now (cp3.txt)"),
        "{}",
        r.stdout
    );
    let j = env.run(&["cosign", "--key", "keys/w1.key", "--state", "w1.state", "cp3.txt", "--json"]).json();
    assert_eq!(j["errors"][0]["check"], "consistency");
    assert_eq!(j["errors"][0]["notes"], serde_json::json!([cp2, cp3]));
    assert_eq!(read(&env, "w1.state"), cp2);
}

#[test]
fn a_forked_ledger_is_reported_with_both_signed_notes() {
    let env = with_log();
    notes(&env, &["a"]);
    checkpoint(&env, "cp1.txt");
    // Two copies of the ledger go separate ways, each checkpointed by the log key.
    std::fs::copy(env.db(), env.path("fork.db")).unwrap();
    notes(&env, &["honest"]);
    let honest = checkpoint(&env, "honest.txt");
    env.run_with_input(
        &["append", "--key", "keys/root.key", "--db", "fork.db"],
        Some(b"{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"forged\"}}\n"),
    )
    .ok();
    let forked = env.run(&["checkpoint", "--log-key", "keys/log.key", "--db", "fork.db"]).ok().stdout;
    std::fs::write(env.path("forked.txt"), &forked).unwrap();
    assert_ne!(honest, forked);
    // The inspector has seen the honest checkpoint.
    env.run(&["verify", "--checkpoint", "honest.txt", "--state", "insp.state"]).ok();
    // Shown the fork and its checkpoint: two signed checkpoints of 10 records with different roots.
    let r = env.run(&["verify", "--db", "fork.db", "--checkpoint", "forked.txt", "--state", "insp.state", "--json"]);
    assert_eq!(r.code, 1);
    let r = r.json();
    let fork =
        r["errors"].as_array().unwrap().iter().find(|e| e["notes"].as_array().is_some_and(|n| n.len() == 2)).unwrap();
    assert_eq!(fork["check"], "consistency");
    assert!(fork["message"].as_str().unwrap().contains("two signed checkpoints that cannot both be true"), "{fork}");
    assert_eq!(fork["notes"], serde_json::json!([honest, forked]));
    assert_eq!(read(&env, "insp.state"), honest);
    let text = failed(
        env.run(&["verify", "--db", "fork.db", "--checkpoint", "forked.txt", "--state", "insp.state"]),
        "consistency",
    )
    .stdout;
    assert!(
        text.contains("seen before (the state file insp.state):") && text.contains("presented now (forked.txt):"),
        "{text}"
    );
    // The fork checked alone against the honest checkpoint.
    failed(
        env.run(&["verify", "--db", "fork.db", "--checkpoint", "honest.txt"]),
        "records before 10 were changed, or this ledger is a fork",
    );
    failed(
        env.run(&["consistency", "--db", "fork.db", "--from", "honest.txt", "--to", "forked.txt"]),
        "the log forked",
    );

    // A witness shown the fork first cosigns it (it extends what it saw)...
    env.keygen("w1");
    let cosign =
        |db: &str, cp: &str| env.run(&["cosign", "--key", "keys/w1.key", "--state", "w1.state", "--db", db, cp]);
    cosign("ledger.db", "cp1.txt").ok();
    cosign("fork.db", "forked.txt").ok();
    // ... and then, shown the honest checkpoint, holds the proof of the split view.
    let r = failed(cosign("ledger.db", "honest.txt"), "two signed checkpoints of 10 records with different roots");
    assert!(
        r.stdout.contains("seen before (the state file w1.state)") && r.stdout.contains("presented now (honest.txt)")
    );
    // A witness whose own copy of the ledger is the fork does not blame the checkpoints.
    std::fs::remove_file(env.path("w1.state")).unwrap();
    cosign("fork.db", "cp1.txt").ok();
    failed(cosign("fork.db", "honest.txt"), "honest.txt: the ledger's first 10 records have Merkle root");
    assert_eq!(read(&env, "w1.state"), read(&env, "cp1.txt"));
}

#[test]
fn the_log_refuses_to_sign_over_changed_records_or_a_changed_tree() {
    let env = with_log();
    checkpoint(&env, "cp1.txt");
    notes(&env, &["a", "b"]);
    // A record after the last checkpoint changed.
    env.tamper(|c| {
        c.execute("UPDATE records SET envelope = replace(envelope, '\"a\"', '\"A\"') WHERE seq = 8", []).unwrap();
    });
    let before = env.db_bytes();
    env.run(&["checkpoint", "--log-key", "keys/log.key"])
        .refused("refusing to sign a checkpoint: the checkpoint recorded at seq 7 (7 records) does not hold: record 8: its contents hash to");
    assert_eq!(env.db_bytes(), before);
    // A tree node under the last checkpoint changed: it no longer folds to its root.
    let env = with_log();
    checkpoint(&env, "cp1.txt");
    env.tamper(|c| {
        c.execute("UPDATE tlog_nodes SET hash = zeroblob(32) WHERE id = ?1", [leaf_id(6) as i64]).unwrap();
    });
    let r = env
        .run(&["checkpoint", "--log-key", "keys/log.key"])
        .refused("the ledger's Merkle tree of its first 7 records has root");
    assert!(
        r.stderr.contains("; a log never signs two inconsistent checkpoints\nhint: run `ledger verify`"),
        "{}",
        r.stderr
    );
    failed(env.run(&["verify", "--checkpoint", "cp1.txt"]), "records before 7 were changed, or this ledger is a fork");
}

#[test]
fn a_ledger_without_its_tree_is_reported_and_rebuilt_only_by_repair() {
    let env = with_log();
    checkpoint(&env, "cp1.txt");
    env.tamper(|c| {
        c.execute_batch("DROP TABLE tlog_nodes;").unwrap();
    });
    let before = env.db_bytes();
    let r = env.run(&["prove", "1"]).refused("the ledger's Merkle tree covers 0 of its 8 records");
    assert!(r.stderr.contains("hint: run `ledger verify`"), "{}", r.stderr);
    // The inspector is told the file fails (exit 1), not asked to write to it.
    let (code, r) = env.verify_json(&["--checkpoint", "cp1.txt"]);
    assert_eq!((code, checks(&r)), (1, vec![(0, "tree".to_owned())]), "{r}");
    let (code, r) = env.verify_json(&[]);
    assert_eq!((code, checks(&r)), (1, vec![(0, "tree".to_owned())]), "{r}");
    // Writes refuse to extend it, and change nothing.
    let r = env.run(&["checkpoint", "--log-key", "keys/log.key"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("the ledger fails verification at seq 0"), "{}", r.stderr);
    let r = env.append("root", "{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"x\"}}\n");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(env.db_bytes(), before);
    // The explicit repair builds it; the root is the one signed before.
    let out = env.run(&["repair", "--rebuild-tree"]).ok().stdout;
    assert!(out.contains("rebuilt the Merkle tree from the 8 records: 8 leaves"), "{out}");
    let cp2 = checkpoint(&env, "cp2.txt");
    assert_eq!(check_checkpoint(&cp2, &public_key(&env, "log")).2, mth(&leaves(&env)[..8]));
    env.run(&["prove", "1"]).ok();
    env.run(&["verify", "--checkpoint", "cp1.txt"]).ok();
}

#[test]
fn a_signed_but_wrong_checkpoint_appended_by_hand_is_caught() {
    let env = with_log();
    let log = private_key(&env, "log");
    // A checkpoint of the 7 records, signed by the log key, with a wrong root.
    let signed = |root: &H, key: &SigningKey| {
        let text = format!("{ORIGIN}\n7\n{}\n", B64.encode(root));
        let mut sig = key_id(ORIGIN, 0x01, key.verifying_key().as_bytes()).to_vec();
        sig.extend_from_slice(&key.sign(text.as_bytes()).to_bytes());
        let note = format!("{text}\n\u{2014} {ORIGIN} {}\n", B64.encode(&sig));
        let data = serde_json::json!({"size": 7, "root": B64.encode(root), "note": note});
        format!("{}\n", serde_json::json!({"stream": "checkpoints", "type": "checkpoint_signed", "data": data}))
    };
    let wrong = mth(&leaves(&env)[..6]);
    // The payload rules of `ledger append` check the note, not the tree.
    env.append("log", &signed(&wrong, &private_key(&env, "stats")))
        .refused("the note is not signed by the event's author");
    assert_eq!(env.append("log", &signed(&wrong, &log)).ok().stdout, "7\n");
    // The log refuses to sign anything after it, and the inspector reports it.
    env.run(&["checkpoint", "--log-key", "keys/log.key"]).refused(
        "the checkpoint recorded at seq 7 (7 records) does not hold: the ledger's Merkle tree of its first 7 records has root",
    );
    let (code, r) = env.verify_json(&["--state", "insp.state"]);
    assert_eq!((code, checks(&r)), (1, vec![(7, "consistency".to_owned())]));
    let message = r["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("the log signed root {} for its first 7 records", B64.encode(wrong))),
        "{message}"
    );
    assert!(!env.path("insp.state").exists());
}
