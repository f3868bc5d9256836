//! The store-backed Merkle tree: proofs from `tlog_nodes` against the
//! RFC 6962 definitions, the tree kept in the append transaction, catching
//! up an old ledger file, audits, and verification resumed after a checkpoint.

#![allow(clippy::unwrap_used)]

use ledger_core::append::{Batch, KernelRules, Submission};
use ledger_core::verify::{Finding, Options, Resume, Verifier};
use ledger_core::{Record, SigningKey, Timestamp};
use ledger_store::{Divergence, Store, StoreError, TreeFault};
use ledger_testkit::{GenesisKit, key};
use ledger_tlog::{Hash, empty_root, leaf_hash, node_hash, verify_consistency, verify_inclusion};
use std::path::PathBuf;

// ---------------------------------------------------------------------------
// Reference: RFC 6962 section 2.1, written recursively from MTH, PATH, PROOF.

fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = k_of(n);
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = k_of(n);
    let (mut p, sibling) =
        if m < k { (path(m, &leaves[..k]), mth(&leaves[k..])) } else { (path(m - k, &leaves[k..]), mth(&leaves[..k])) };
    p.push(sibling);
    p
}

fn subproof(m: usize, leaves: &[Hash], complete: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if complete { Vec::new() } else { vec![mth(leaves)] };
    }
    let k = k_of(n);
    let (mut p, sibling) = if m <= k {
        (subproof(m, &leaves[..k], complete), mth(&leaves[k..]))
    } else {
        (subproof(m - k, &leaves[k..], false), mth(&leaves[..k]))
    };
    p.push(sibling);
    p
}

fn proof(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    if m == 0 || m == leaves.len() { Vec::new() } else { subproof(m, leaves, true) }
}

// ---------------------------------------------------------------------------
// Ledgers built through the library, as the CLI builds them.

const ORIGIN: &str = "test.example/ledger";

/// Genesis with one root, `key(1)`, and statistics signing measurements.
fn genesis() -> Record {
    let root = key(1);
    let roles = ledger_testkit::roles(&[("statistics", &["measurement_submitted"])]);
    GenesisKit { origin: ORIGIN, roots: vec![&root], threshold: 1, roles, holder: "City" }.record(time())
}

fn time() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

struct Ledger {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
    next: usize,
}

impl Ledger {
    fn new() -> Ledger {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let store = Store::create(&path, &genesis()).unwrap();
        Ledger { _dir: dir, path, store, next: 1 }
    }

    /// Appends JSON lines, signed by `author`, in one transaction.
    fn append_lines(&mut self, author: &SigningKey, lines: &[String]) -> Result<(), String> {
        let subs: Vec<Submission> =
            lines.iter().map(|l| Submission::from_json(l, || unreachable!("ids are given")).unwrap()).collect();
        self.store
            .append(|tx| -> Result<_, String> {
                let head = tx.head().map_err(|e| e.to_string())?;
                let authority = tx.authority().map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
                let mut rules = KernelRules;
                let mut batch = Batch::new(tx, head, authority, &mut rules);
                for sub in subs {
                    batch.add(sub, author, &[], time()).map_err(|e| e.to_string())?;
                }
                Ok((batch.into_records(), ()))
            })
            .map_err(|e| e.to_string())
    }

    /// Appends `n` notes in one transaction.
    fn notes(&mut self, n: usize) {
        let lines: Vec<String> = (self.next..self.next + n)
            .map(|i| {
                format!(r#"{{"stream":"notes/{}","type":"note","data":{{"text":"note {i}"}},"id":"n{i}"}}"#, i % 3)
            })
            .collect();
        self.next += n;
        self.append_lines(&key(1), &lines).unwrap();
    }

    fn leaves(&self) -> Vec<Hash> {
        let n = self.store.tree().records().unwrap();
        self.store.read(0, n as usize).unwrap().iter().map(|r| leaf_hash(&r.hash.clone().try_into().unwrap())).collect()
    }

    /// Edits the file behind the store's back, as anyone with the file can.
    fn tamper(&self, sql: &str) {
        let conn = rusqlite::Connection::open(&self.path).unwrap();
        conn.execute_batch("DROP TRIGGER IF EXISTS records_no_update; DROP TRIGGER IF EXISTS records_no_delete;")
            .unwrap();
        conn.execute_batch(sql).unwrap();
    }

    fn reopen(&mut self) {
        self.store = Store::open(&self.path).unwrap();
    }

    fn read_only(&self) -> Store {
        Store::open_read_only(&self.path).unwrap()
    }
}

fn leaf_id(i: u64) -> i64 {
    ledger_tlog::NodeId::leaf(i).stored_index().unwrap() as i64
}

// ---------------------------------------------------------------------------

#[test]
fn every_proof_of_every_size_up_to_64_matches_rfc_6962() {
    let mut l = Ledger::new();
    for n in 1..=64usize {
        if n > 1 {
            l.notes(1);
        }
        let tree = l.store.tree();
        assert_eq!(tree.current_size().unwrap(), n as u64);
        let leaves = l.leaves();
        let root = mth(&leaves);
        assert_eq!(tree.root(n as u64).unwrap(), root, "root of {n}");
        for i in 0..n {
            let p = tree.inclusion_proof(i as u64, n as u64).unwrap();
            assert_eq!(p, path(i, &leaves), "inclusion of {i} in {n}");
            verify_inclusion(&leaves[i], i as u64, n as u64, &p, &root).unwrap();
        }
        for m in 0..=n {
            let p = tree.consistency_proof(m as u64, n as u64).unwrap();
            assert_eq!(p, proof(m, &leaves), "consistency {m} -> {n}");
            verify_consistency(m as u64, &mth(&leaves[..m]), n as u64, &root, &p).unwrap();
        }
    }
}

#[test]
fn large_ledgers_give_proofs_that_verify_and_come_fast() {
    let mut l = Ledger::new();
    for _ in 0..6 {
        l.notes(500);
    }
    let n = 3001u64;
    let tree = l.store.tree();
    assert_eq!(tree.current_size().unwrap(), n);
    let leaves = l.leaves();
    let root = mth(&leaves);
    assert_eq!(tree.root(n).unwrap(), root);
    let sizes = [1u64, 2, 1000, 1023, 1024, 1025, 2048, 3000, 3001];
    let started = std::time::Instant::now();
    let mut proofs = 0u32;
    for &size in &sizes {
        let sub_root = mth(&leaves[..size as usize]);
        for i in [0, size / 3, size / 2, size - 1] {
            let p = tree.inclusion_proof(i, size).unwrap();
            verify_inclusion(&leaves[i as usize], i, size, &p, &sub_root).unwrap();
            proofs += 1;
        }
        for &old in sizes.iter().filter(|&&m| m <= size) {
            let p = tree.consistency_proof(old, size).unwrap();
            verify_consistency(old, &mth(&leaves[..old as usize]), size, &sub_root, &p).unwrap();
            proofs += 1;
        }
    }
    let per_proof = started.elapsed() / proofs;
    // Each proof reads O(log n) nodes by primary key (typically ~20 us);
    // the bound is loose so a busy machine does not fail the test.
    assert!(per_proof < std::time::Duration::from_millis(5), "{per_proof:?} per proof");
}

#[test]
fn the_tree_is_written_in_the_same_transaction_as_the_records() {
    let mut l = Ledger::new();
    l.notes(4);
    let root = l.store.tree().root(5).unwrap();
    // Make the tree insert of leaf 7 fail: the records of the batch must go too.
    l.tamper(&format!(
        "CREATE TRIGGER no_leaf_7 BEFORE INSERT ON tlog_nodes WHEN NEW.id = {} BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        leaf_id(7)
    ));
    l.reopen();
    let err = l.append_lines(
        &key(1),
        &[
            r#"{"stream":"a","type":"note","data":{"text":"5"},"id":"x5"}"#.into(),
            r#"{"stream":"a","type":"note","data":{"text":"6"},"id":"x6"}"#.into(),
            r#"{"stream":"a","type":"note","data":{"text":"7"},"id":"x7"}"#.into(),
        ],
    );
    assert!(err.unwrap_err().contains("disk full"));
    assert_eq!(l.store.tree().records().unwrap(), 5);
    assert_eq!(l.store.tree().current_size().unwrap(), 5);
    assert_eq!(l.store.tree().root(5).unwrap(), root);
    l.tamper("DROP TRIGGER no_leaf_7;");
    l.reopen();
    l.notes(3);
    assert_eq!(l.store.tree().current_size().unwrap(), 8);
    assert_eq!(l.store.tree().root(8).unwrap(), mth(&l.leaves()));
}

fn note_line(id: &str) -> String {
    format!(r#"{{"stream":"a","type":"note","data":{{"text":"x"}},"id":"{id}"}}"#)
}

#[track_caller]
fn assert_tampered(result: Result<(), String>, expected: &str) {
    let err = result.unwrap_err();
    assert!(err.contains("the ledger fails verification at seq") && err.contains(expected), "{err}");
}

#[test]
fn a_tree_behind_its_records_is_refused_until_rebuilt_explicitly() {
    let mut l = Ledger::new();
    l.notes(20);
    let root = l.store.tree().root(21).unwrap();
    for sql in ["DELETE FROM tlog_nodes;", "DROP TABLE tlog_nodes;"] {
        l.tamper(sql);
        // Opening writes nothing, read-only or not; the tree is reported behind.
        l.reopen();
        let ro = l.read_only();
        match ro.tree().current_size() {
            Err(StoreError::Tree(TreeFault::OutOfStep { tree: 0, records: 21 })) => {}
            other => panic!("{other:?}"),
        }
        drop(ro);
        // An append refuses before writing anything.
        let before = std::fs::read(&l.path).unwrap();
        assert_tampered(l.append_lines(&key(1), &[note_line("behind")]), "covers only 0 of the 21 records");
        assert_eq!(std::fs::read(&l.path).unwrap(), before, "a refused append changed the file");
        // The explicit rebuild gives the same tree.
        assert_eq!(l.store.rebuild_tree().unwrap(), (Some(0), 21));
        assert_eq!(l.store.tree().root(21).unwrap(), root);
    }
    l.tamper(&format!("DELETE FROM tlog_nodes WHERE id >= {};", leaf_id(13)));
    assert_tampered(l.append_lines(&key(1), &[note_line("partial")]), "covers only 13 of the 21 records");
    l.store.rebuild_tree().unwrap();
    assert_eq!(l.store.tree().root(21).unwrap(), root);
    l.notes(1);
    assert_eq!(l.store.tree().root(22).unwrap(), mth(&l.leaves()));
}

#[test]
fn a_tree_ahead_of_its_records_or_damaged_refuses_to_serve_or_grow() {
    // The last record deleted (triggers dropped): a rollback by one. An
    // append must not reuse its sequence number (a fork).
    for cut in [9, 7] {
        let mut l = Ledger::new();
        l.notes(9);
        l.tamper(&format!("DELETE FROM records WHERE seq >= {cut};"));
        l.reopen();
        match l.store.tree().current_size() {
            Err(StoreError::Tree(TreeFault::OutOfStep { tree: 10, records })) if records == cut => {}
            other => panic!("{other:?}"),
        }
        let before = std::fs::read(&l.path).unwrap();
        assert_tampered(
            l.append_lines(&key(1), &[note_line("fork")]),
            &format!("the Merkle tree holds 10 leaves but the ledger only {cut} records: records were removed"),
        );
        assert_eq!(std::fs::read(&l.path).unwrap(), before, "a refused append changed the file");
    }
    // The last record edited, or its link.
    let mut l = Ledger::new();
    l.notes(4);
    l.tamper("UPDATE records SET envelope = replace(envelope, 'note 4', 'note X') WHERE seq = 4;");
    assert_tampered(l.append_lines(&key(1), &[note_line("edited")]), "contents do not hash");
    // The last leaf of the tree replaced.
    let mut l = Ledger::new();
    l.notes(4);
    l.tamper(&format!("UPDATE tlog_nodes SET hash = zeroblob(32) WHERE id = {};", leaf_id(4)));
    assert_tampered(l.append_lines(&key(1), &[note_line("leaf")]), "last leaf");
    // A node missing in the middle, or of the wrong length.
    let mut l = Ledger::new();
    l.notes(9);
    l.tamper(&format!("DELETE FROM tlog_nodes WHERE id = {};", leaf_id(3)));
    match l.store.tree().inclusion_proof(2, 10) {
        Err(StoreError::Tree(TreeFault::MissingNode { level: 0, index: 3 })) => {}
        other => panic!("{other:?}"),
    }
    l.tamper(&format!("INSERT INTO tlog_nodes VALUES ({}, x'00');", leaf_id(3)));
    match l.store.tree().inclusion_proof(2, 10) {
        Err(StoreError::Tree(TreeFault::MalformedNode { level: 0, index: 3, len: 1 })) => {}
        other => panic!("{other:?}"),
    }
    // The last leaf without the nodes it completes.
    let mut l = Ledger::new();
    l.notes(3); // 4 records: leaf 3 completes (1, 1) and (2, 0)
    let top = ledger_tlog::NodeId::new(2, 0).stored_index().unwrap();
    l.tamper(&format!("DELETE FROM tlog_nodes WHERE id = {top};"));
    assert!(matches!(l.store.tree().size(), Err(StoreError::Tree(TreeFault::Damaged(_)))));
    assert_tampered(l.append_lines(&key(1), &[note_line("damaged")]), "the Merkle tree table is damaged");
    // Sizes beyond the tree are refused, not read as missing nodes.
    let l = Ledger::new();
    assert!(matches!(l.store.tree().root(2), Err(StoreError::Tree(TreeFault::OutOfRange(_)))));
}

#[test]
fn an_application_id_without_tables_is_not_a_ledger_and_is_not_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.pragma_update(None, "application_id", ledger_store::APPLICATION_ID).unwrap();
    c.pragma_update(None, "user_version", ledger_store::SCHEMA_VERSION).unwrap();
    drop(c);
    let before = std::fs::read(&path).unwrap();
    assert!(matches!(Store::open(&path), Err(StoreError::NotALedger { .. })));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn create_removes_the_temporaries_of_a_create_that_died_and_leaves_a_live_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    // What a create killed mid-way leaves: the temporary file and its journal.
    let dead = dir.path().join(".ledger.db.init-4000000");
    std::fs::write(&dead, b"partial").unwrap();
    std::fs::write(dir.path().join(".ledger.db.init-4000000-journal"), b"j").unwrap();
    std::fs::write(dir.path().join(".ledger.db.init-4000001-wal"), b"w").unwrap();
    // A create still running holds its lock.
    let live = dir.path().join(".ledger.db.init-4000002");
    let held = std::fs::OpenOptions::new().write(true).create_new(true).open(&live).unwrap();
    held.lock().unwrap();
    Store::create(&path, &genesis()).unwrap();
    let mut left: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, [".ledger.db.init-4000002", "ledger.db"]);
    drop(held);
}

#[test]
fn audit_recomputes_the_records_since_a_trusted_head() {
    let mut l = Ledger::new();
    l.notes(10);
    let trusted = l.store.tree().root(6).unwrap();
    l.notes(5);
    let tree = l.store.tree();
    assert_eq!(tree.audit(6, &trusted, 16).unwrap(), Ok(tree.root(16).unwrap()));
    assert_eq!(tree.audit(0, &empty_root(), 16).unwrap(), Ok(tree.root(16).unwrap()));
    assert!(matches!(tree.audit(5, &trusted, 16).unwrap(), Err(Divergence::Root { size: 5, .. })));

    // A record after the trusted head changed (its contents).
    l.tamper("UPDATE records SET envelope = replace(envelope, 'note 9', 'note X') WHERE seq = 9;");
    match l.store.tree().audit(6, &trusted, 16).unwrap() {
        Err(Divergence::Record { seq: 9, reason }) => assert!(reason.contains("contents hash to"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // A stored node after the trusted head changed or lost: the interior
    // nodes above it still give the right root, the audit finds it anyway.
    let mut l = Ledger::new();
    l.notes(10);
    let trusted = l.store.tree().root(6).unwrap();
    l.tamper(&format!("UPDATE tlog_nodes SET hash = zeroblob(32) WHERE id = {};", leaf_id(8)));
    assert_eq!(l.store.tree().root(11).unwrap(), mth(&l.leaves()));
    match l.store.tree().audit(6, &trusted, 11).unwrap() {
        Err(d @ Divergence::Node { level: 0, index: 8, missing: false, .. }) => {
            assert!(d.to_string().contains("node (level 0, index 8) is 0000"), "{d}")
        }
        other => panic!("{other:?}"),
    }
    let mut l = Ledger::new();
    l.notes(10);
    let node_1_4 = ledger_tlog::NodeId::new(1, 4).stored_index().unwrap();
    l.tamper(&format!("DELETE FROM tlog_nodes WHERE id = {node_1_4};"));
    match l.store.tree().audit(6, &trusted, 11).unwrap() {
        Err(Divergence::Node { level: 1, index: 4, missing: true, .. }) => {}
        other => panic!("{other:?}"),
    }
    // A subtree under the trusted head changed: its root no longer folds to it.
    let node_2_0 = ledger_tlog::NodeId::new(2, 0).stored_index().unwrap();
    l.tamper(&format!("UPDATE tlog_nodes SET hash = zeroblob(32) WHERE id = {node_2_0};"));
    assert!(matches!(l.store.tree().audit(6, &trusted, 11).unwrap(), Err(Divergence::Root { size: 6, .. })));
}

/// Verifies from `from` on, resumed as `ledger verify --checkpoint` does.
fn resumed(store: &Store, from: u64) -> Vec<Finding> {
    let prev = store.get(from - 1).unwrap().unwrap();
    let mut v = Verifier::resume(
        Options::default(),
        Resume {
            next_seq: from,
            prev_hash: ledger_core::Hash::from_slice(&prev.hash).unwrap(),
            last_time: Some(prev.decode().unwrap().envelope.time),
            streams: store.stream_versions_before(from).unwrap(),
            reused_ids: store.reused_event_ids(from).unwrap(),
            authority: store.authority_before(from).unwrap().unwrap(),
            origin: ORIGIN.into(),
        },
    );
    v.push(&store.read(from, usize::MAX).unwrap());
    v.finish().findings
}

fn full(store: &Store, from: u64) -> Vec<Finding> {
    let mut v = Verifier::new(Options::default());
    v.push(&store.read(0, usize::MAX).unwrap());
    v.finish().findings.into_iter().filter(|f| f.seq >= from).collect()
}

#[test]
fn verification_resumed_after_a_checkpoint_finds_what_the_full_check_finds_there() {
    let mut l = Ledger::new();
    l.notes(6);
    let office = key(2);
    let office_pub = ledger_core::PublicKey::from(&office).to_hex();
    l.append_lines(&key(1), &[format!(
        r#"{{"stream":"ledger","type":"key_authorized","data":{{"key":"{office_pub}","holder":"Statistics","roles":["statistics"]}},"id":"auth"}}"#
    )])
    .unwrap();
    l.append_lines(
        &office,
        &[r#"{"stream":"notes/1","type":"note","data":{"text":"by the office"},"id":"o1"}"#.into()],
    )
    .unwrap();
    l.notes(6);
    let from = 9;
    let ro = l.read_only();
    assert!(resumed(&ro, from).is_empty(), "{:?}", resumed(&ro, from));
    assert!(full(&ro, 0).is_empty());
    drop(ro);

    // Tampering after the checkpoint: a changed note, a stream version
    // skipped, an event id reused from before the checkpoint, a record by
    // an unknown key (its author swapped), a time going backwards.
    l.tamper(
        "DROP INDEX records_event_id; DROP INDEX records_stream_version;
         UPDATE records SET envelope = replace(envelope, '\"note 8\"', '\"note eight\"') WHERE seq = 10;
         UPDATE records SET envelope = replace(envelope, '\"version\":3', '\"version\":5') WHERE seq = 11;
         UPDATE records SET envelope = replace(envelope, '\"id\":\"n10\"', '\"id\":\"n2\"') WHERE seq = 12;
         UPDATE records SET envelope = replace(envelope, '2026-01-01T00:00:00Z', '2025-01-01T00:00:00Z') WHERE seq = 13;",
    );
    let ro = l.read_only();
    let resumed = resumed(&ro, from);
    let full = full(&ro, from);
    assert!(!full.is_empty());
    assert_eq!(resumed, full);
    let checks: Vec<&str> = resumed.iter().map(|f| f.check.name()).collect();
    for expected in ["signature", "version", "id", "time"] {
        assert!(checks.contains(&expected), "{expected} in {checks:?}");
    }
}

#[test]
fn resumed_verification_does_not_read_the_records_before_the_checkpoint() {
    // What a checkpoint vouches for is not checked again: a signature
    // broken before it is the full check's to find.
    let mut l = Ledger::new();
    l.notes(12);
    l.tamper("UPDATE records SET signatures = replace(signatures, '\"sig\":\"', '\"sig\":\"00') WHERE seq = 4;");
    let ro = l.read_only();
    assert!(resumed(&ro, 8).is_empty());
    let checks: Vec<(u64, &str)> = full(&ro, 0).iter().map(|f| (f.seq, f.check.name())).collect();
    assert!(checks.contains(&(4, "decode")) && checks.iter().all(|(seq, _)| *seq == 4), "{checks:?}");
}

/// Proof times at a large size (not run by default: it writes ~1 GB).
///
/// `LEDGER_BENCH_LEAVES=10000000 cargo test --release -p ledger-store --test tree -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: writes a large tree; run by hand (docs/TLOG.md)"]
fn bench_proofs_at_ten_million_records() {
    use ledger_tlog::NodeId;
    use std::collections::HashMap;
    let n: u64 = std::env::var("LEDGER_BENCH_LEAVES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let l = Ledger::new();
    let started = std::time::Instant::now();
    {
        let mut conn = rusqlite::Connection::open(&l.path).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute("DELETE FROM tlog_nodes", []).unwrap();
        {
            let mut insert = tx.prepare("INSERT INTO tlog_nodes (id, hash) VALUES (?1, ?2)").unwrap();
            // Keep only the nodes later leaves need (the frontier).
            let mut frontier: HashMap<NodeId, Hash> = HashMap::new();
            for i in 0..n {
                let mut record = [0u8; 32];
                record[..8].copy_from_slice(&i.to_be_bytes());
                let nodes = ledger_tlog::stored_hashes_for_leaf(i, &record, &frontier).unwrap();
                for level in 0..i.trailing_ones() as u8 {
                    frontier.remove(&NodeId::new(level, (i >> level) - 1));
                }
                for (id, hash) in &nodes {
                    insert.execute(rusqlite::params![id.stored_index().unwrap() as i64, &hash[..]]).unwrap();
                }
                let &(top, hash) = nodes.last().unwrap();
                frontier.insert(top, hash);
            }
        }
        tx.commit().unwrap();
    }
    eprintln!("built a tree of {n} leaves in {:?}", started.elapsed());
    let store = l.read_only();
    let tree = store.tree();
    assert_eq!(tree.size().unwrap(), n);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut random = |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let record = |i: u64| {
        let mut r = [0u8; 32];
        r[..8].copy_from_slice(&i.to_be_bytes());
        r
    };
    let rounds = 2000u32;
    let root = tree.root(n).unwrap();
    let indexes: Vec<u64> = (0..rounds).map(|_| random(n)).collect();
    let started = std::time::Instant::now();
    let proofs: Vec<Vec<Hash>> = indexes.iter().map(|&i| tree.inclusion_proof(i, n).unwrap()).collect();
    let inclusion = started.elapsed() / rounds;
    for (&i, p) in indexes.iter().zip(&proofs) {
        verify_inclusion(&leaf_hash(&record(i)), i, n, p, &root).unwrap();
    }
    let olds: Vec<u64> = (0..rounds).map(|_| 1 + random(n - 1)).collect();
    let started = std::time::Instant::now();
    let proofs: Vec<Vec<Hash>> = olds.iter().map(|&m| tree.consistency_proof(m, n).unwrap()).collect();
    let consistency = started.elapsed() / rounds;
    for (&m, p) in olds.iter().zip(&proofs).take(50) {
        verify_consistency(m, &tree.root(m).unwrap(), n, &root, p).unwrap();
    }
    let started = std::time::Instant::now();
    for _ in 0..rounds {
        assert_eq!(tree.root(n).unwrap(), root);
    }
    let roots = started.elapsed() / rounds;
    eprintln!("tree of {n} leaves: inclusion proof {inclusion:?}, consistency proof {consistency:?}, root {roots:?}");
}
