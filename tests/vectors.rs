//! The verification vectors of `docs/verify-vectors.json`: small ledgers,
//! each with the exact findings (`seq`, `check`, in report order) and head
//! that `docs/FORMAT.md` says a verifier reports for it. One case per
//! clarified rule of the verifier contract (FORMAT.md sections 7, 8 and 10).
//!
//! The cases are built here, deterministically (Ed25519 is deterministic,
//! the keys and times are fixed), and the expected findings are written by
//! hand next to each case, never computed by a verifier. The file is the
//! output: `vectors_file_is_up_to_date` fails when it differs from what is
//! built here (`LEDGER_WRITE_VECTORS=1 cargo test --test integration vectors`
//! rewrites it). Three verifiers read it:
//!
//! * `crates/ledger-core/tests/verify_vectors.rs`: the kernel (`verify_all`),
//!   for the record checks;
//! * `tests/interop.rs`: `ledger verify --json` and the Python verifier on an
//!   SQLite file holding each case, for every check;
//! * `docs/verifier-python/verify_ledger.py --self-test`, on the rows.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey};
use ledger_core::canonical;
use ledger_core::crypto::{event_signing_message, record_hash};
use ledger_core::{Hash, PublicKey};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The vector file.
pub const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify-vectors.json");

const ORIGIN: &str = "example.org/assessment-ledger";

/// The group order L of Ed25519, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// The keys of the vectors: `root` is the RFC 8032 TEST 1 key of FORMAT.md
/// section 12; the others have the seed `BLAKE3("assessment-ledger test vector key: " || name)`.
pub fn key(name: &str) -> SigningKey {
    if name == "root" {
        let seed = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").unwrap();
        return SigningKey::from_bytes(&seed.try_into().unwrap());
    }
    let seed = blake3::hash(format!("assessment-ledger test vector key: {name}").as_bytes());
    SigningKey::from_bytes(seed.as_bytes())
}

fn public(k: &SigningKey) -> String {
    hex::encode(k.verifying_key().as_bytes())
}

/// The identity point: a small-order (weak) public key.
const SMALL_ORDER_KEY: &str = "0100000000000000000000000000000000000000000000000000000000000000";

/// `y = 3 + p`, little-endian: a non-canonical encoding of the valid point with `y = 3`.
fn non_canonical_key() -> String {
    let mut b = [0xffu8; 32];
    b[0] = 0xed + 3;
    b[31] = 0x7f;
    hex::encode(b)
}

/// Signatures made by hand on the curve, for the vectors that tell a
/// strict (cofactorless) verifier from a cofactored or batch one.
mod torsion {
    use curve25519_dalek::constants::{ED25519_BASEPOINT_TABLE, EIGHT_TORSION};
    use curve25519_dalek::edwards::EdwardsPoint;
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::IsIdentity;
    use sha2::{Digest, Sha512};

    fn hash_scalar(parts: &[&[u8]]) -> Scalar {
        let mut h = Sha512::new();
        for p in parts {
            h.update(p);
        }
        Scalar::from_bytes_mod_order_wide(&h.finalize().into())
    }

    /// The point of order 2.
    fn order_two() -> EdwardsPoint {
        let t = EIGHT_TORSION[4];
        assert!(!t.is_identity() && (t + t).is_identity(), "EIGHT_TORSION[4] has order 2");
        t
    }

    /// `R || S` by the secret scalar `a` of the key `a_pub` over `message`:
    /// R = [r]B (plus the point of order 2 with `twist`), S = r + k a.
    pub fn sign(a: &Scalar, a_pub: &[u8; 32], message: &[u8], nonce: &[u8], twist: bool) -> [u8; 64] {
        let r = hash_scalar(&[nonce, message]);
        let mut big_r = ED25519_BASEPOINT_TABLE * &r;
        if twist {
            big_r += order_two();
        }
        let r_bytes = big_r.compress().to_bytes();
        let k = hash_scalar(&[&r_bytes, a_pub, message]);
        let s = r + k * a;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r_bytes);
        sig[32..].copy_from_slice(s.as_bytes());
        sig
    }

    /// Whether k = SHA-512(R || A || M) mod L of the signature is even.
    pub fn k_is_even(sig: &[u8; 64], a_pub: &[u8; 32], message: &[u8]) -> bool {
        hash_scalar(&[&sig[..32], a_pub, message]).as_bytes()[0].is_multiple_of(2)
    }

    /// A key of mixed order: [a]B plus the point of order 2 (a torsion
    /// component, not of small order), with its scalar a.
    pub fn mixed_order_key() -> (Scalar, [u8; 32]) {
        let a = hash_scalar(&[b"assessment-ledger test vector mixed-order key"]);
        let point = ED25519_BASEPOINT_TABLE * &a + order_two();
        assert!(!point.is_small_order() && !point.is_torsion_free());
        (a, point.compress().to_bytes())
    }
}

/// One stored record.
#[derive(Clone)]
pub struct Row {
    pub seq: u64,
    pub prev: Vec<u8>,
    pub hash: Vec<u8>,
    pub envelope: Vec<u8>,
    pub signatures: Vec<u8>,
}

/// A ledger being built, record by record, each chained to the stored hash
/// of the one before and sealed with its correct record hash.
#[derive(Default)]
struct Ledger {
    rows: Vec<Row>,
    versions: HashMap<String, u64>,
    /// Records built, including ones left out of the ledger (a gap).
    built: u64,
    /// Indexes in `rows` of records built but left out of the ledger.
    removed: Vec<usize>,
}

type Sigs = Vec<(String, String)>;

impl Ledger {
    /// An envelope by `author` (hex), the next version of `stream`, at the
    /// next second.
    fn envelope(&mut self, stream: &str, event_type: &str, data: Value, author: &str) -> Value {
        let version = self.versions.entry(stream.to_owned()).or_insert(0);
        *version += 1;
        let n = self.built;
        json!({
            "origin": ORIGIN,
            "stream": stream,
            "version": *version,
            "type": event_type,
            "schema": 1,
            "data": data,
            "author": author,
            "time": format!("2026-01-01T00:{:02}:{:02}Z", n / 60, n % 60),
            "id": format!("e{n}"),
        })
    }

    fn bytes(v: &Value) -> Vec<u8> {
        canonical::to_vec(v).unwrap()
    }

    /// A copy that numbers the next envelope as this ledger would, to try
    /// one out.
    fn draft(&self) -> Ledger {
        Ledger { versions: self.versions.clone(), built: self.built, ..Ledger::default() }
    }

    fn sign(envelope: &Value, k: &SigningKey) -> String {
        hex::encode(k.sign(&event_signing_message(&Ledger::bytes(envelope))).to_bytes())
    }

    /// The signature list of FORMAT.md section 5: the author, then the
    /// co-signers in ascending key order.
    fn signatures(envelope: &Value, author: &SigningKey, cosigners: &[&SigningKey]) -> Sigs {
        let mut others: Vec<&SigningKey> = cosigners.to_vec();
        others.sort_by_key(|k| k.verifying_key().to_bytes());
        std::iter::once(author).chain(others).map(|k| (public(k), Ledger::sign(envelope, k))).collect()
    }

    fn list(sigs: &Sigs) -> Value {
        Value::Array(sigs.iter().map(|(k, s)| json!({"key": k, "sig": s})).collect())
    }

    fn stored_prev(&self) -> Vec<u8> {
        self.rows.last().map_or(vec![0; 32], |r| r.hash.clone())
    }

    /// Seals and stores a record from its bytes.
    fn push_bytes(&mut self, envelope: Vec<u8>, signatures: Vec<u8>) {
        let (seq, prev) = (self.built, self.stored_prev());
        let hash = record_hash(&Hash::from_slice(&prev).unwrap(), seq, &envelope, &signatures).0.to_vec();
        self.rows.push(Row { seq, prev, hash, envelope, signatures });
        self.built += 1;
    }

    fn push(&mut self, envelope: &Value, signatures: Value) {
        self.push_bytes(Ledger::bytes(envelope), Ledger::bytes(&signatures));
    }

    /// A correctly signed event.
    fn event(&mut self, stream: &str, t: &str, data: Value, author: &SigningKey, cosigners: &[&SigningKey]) {
        let env = self.envelope(stream, t, data, &public(author));
        let sigs = Ledger::signatures(&env, author, cosigners);
        self.push(&env, Ledger::list(&sigs));
    }

    fn governance(&mut self, t: &str, data: Value, author: &SigningKey, cosigners: &[&SigningKey]) {
        self.event("ledger", t, data, author, cosigners);
    }

    fn note(&mut self, author: &SigningKey, text: &str) {
        self.event("notes", "note", json!({ "text": text }), author, &[]);
    }

    /// A record built but not stored: a gap.
    fn skip(&mut self, stream: &str, author: &SigningKey) {
        let env = self.envelope(stream, "note", json!({"text": "removed"}), &public(author));
        let sigs = Ledger::signatures(&env, author, &[]);
        let (envelope, signatures) = (Ledger::bytes(&env), Ledger::bytes(&Ledger::list(&sigs)));
        let prev = self.stored_prev();
        let hash = record_hash(&Hash::from_slice(&prev).unwrap(), self.built, &envelope, &signatures).0.to_vec();
        // The next record links to the one removed, as it did when written.
        self.rows.push(Row { seq: self.built, prev, hash, envelope, signatures });
        self.built += 1;
        self.removed.push(self.rows.len() - 1);
    }

    /// Genesis: the given roots (all holders "Example City"), threshold,
    /// the standard role table, signed by `author` and `cosigners`.
    fn genesis_with(&mut self, roots: &[&SigningKey], threshold: u32, author: &SigningKey, cosigners: &[&SigningKey]) {
        let roots: Vec<Value> = roots.iter().map(|k| json!({"holder": "Example City", "key": public(k)})).collect();
        self.genesis_data(json!({"roles": roles(), "roots": roots, "threshold": threshold}), author, cosigners);
    }

    fn genesis_data(&mut self, data: Value, author: &SigningKey, cosigners: &[&SigningKey]) {
        self.governance("genesis", data, author, cosigners);
    }

    fn genesis(&mut self) {
        let root = key("root");
        self.genesis_with(&[&root], 1, &root, &[]);
    }

    fn authorize(&mut self, k: &SigningKey, holder: &str, roles: &[&str]) {
        self.governance(
            "key_authorized",
            json!({"key": public(k), "holder": holder, "roles": roles}),
            &key("root"),
            &[],
        );
    }

    /// Genesis, then the statistics office key authorised with role `clerk`.
    fn standard() -> Ledger {
        let mut l = Ledger::default();
        l.genesis();
        l.authorize(&key("stats"), "Statistics Bureau", &["clerk"]);
        l
    }

    /// Replaces the last record's signature list (resealing its hash).
    fn resign_last(&mut self, signatures: Value) {
        let last = self.rows.pop().unwrap();
        self.built -= 1;
        self.push_bytes(last.envelope, Ledger::bytes(&signatures));
    }

    fn last_envelope(&self) -> Value {
        serde_json::from_slice(&self.rows.last().unwrap().envelope).unwrap()
    }

    /// The stored hashes of the records so far: the Merkle tree's leaves.
    fn root_of(&self, n: usize) -> [u8; 32] {
        let leaves: Vec<[u8; 32]> = self.rows[..n].iter().map(|r| r.hash.clone().try_into().unwrap()).collect();
        merkle_root(&leaves)
    }
}

impl Ledger {
    fn finish(mut self) -> Vec<Row> {
        let removed = std::mem::take(&mut self.removed);
        self.rows.into_iter().enumerate().filter(|(i, _)| !removed.contains(i)).map(|(_, r)| r).collect()
    }
}

/// RFC 6962 Merkle tree hash, SHA-256 (docs/TLOG.md section 1).
fn merkle_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    fn mth(l: &[[u8; 32]]) -> [u8; 32] {
        match l.len() {
            0 => Sha256::digest([]).into(),
            1 => Sha256::new().chain_update([0u8]).chain_update(l[0]).finalize().into(),
            n => {
                let k = n.next_power_of_two() / 2;
                Sha256::new()
                    .chain_update([1u8])
                    .chain_update(mth(&l[..k]))
                    .chain_update(mth(&l[k..]))
                    .finalize()
                    .into()
            }
        }
    }
    mth(leaves)
}

/// A C2SP signed note of the checkpoint `text`, one line per signer
/// `(name, key)`, with the key id of docs/TLOG.md section 2.
fn signed_note(text: &str, signers: &[(&str, &SigningKey)]) -> String {
    let mut note = format!("{text}\n");
    for (name, k) in signers {
        let mut id = Sha256::new();
        id.update(name.as_bytes());
        id.update([b'\n', 0x01]);
        id.update(k.verifying_key().as_bytes());
        let mut data = id.finalize()[..4].to_vec();
        data.extend_from_slice(&k.sign(text.as_bytes()).to_bytes());
        note.push_str(&format!("\u{2014} {name} {}\n", BASE64.encode(data)));
    }
    note
}

fn roles() -> Value {
    json!({"clerk": ["memo_written"], "log": ["checkpoint_signed"], "statistics": ["measurement_submitted"]})
}

/// One vector: a ledger and what a verifier reports for it.
pub struct Case {
    pub name: &'static str,
    /// The rule it pins down (FORMAT.md section).
    pub rule: &'static str,
    /// Root public keys the inspector trusts (`--trust`).
    pub trust: Vec<String>,
    pub rows: Vec<Row>,
    /// `(seq, check)` in report order.
    pub findings: Vec<(u64, &'static str)>,
}

fn case(name: &'static str, rule: &'static str, l: Ledger, findings: &[(u64, &'static str)]) -> Case {
    Case { name, rule, trust: Vec::new(), rows: l.finish(), findings: findings.to_vec() }
}

/// Every case, in file order.
#[allow(clippy::too_many_lines)]
pub fn cases() -> Vec<Case> {
    let (root, stats, other, intruder, log) = (key("root"), key("stats"), key("other"), key("intruder"), key("log"));
    let root_entry = |k: &SigningKey, holder: &str| json!({"holder": holder, "key": public(k)});
    let mut out = Vec::new();

    // ---- section 7: the genesis payload
    let mut l = Ledger::default();
    l.genesis_data(
        json!({"comment": "x", "roles": roles(), "roots": [root_entry(&root, "Example City")], "threshold": 1}),
        &root,
        &[],
    );
    out.push(case(
        "genesis_extra_member",
        "7: genesis payload is exactly roles, roots, threshold",
        l,
        &[(0, "genesis")],
    ));

    let mut l = Ledger::default();
    let entry = json!({"holder": "Example City", "key": public(&root), "since": "2026"});
    l.genesis_data(json!({"roles": roles(), "roots": [entry], "threshold": 1}), &root, &[]);
    out.push(case("genesis_root_extra_member", "7: a root is exactly holder, key", l, &[(0, "genesis")]));

    let mut l = Ledger::default();
    l.genesis_data(
        json!({"roles": roles(), "roots": [root_entry(&root, "Example City")], "threshold": "1"}),
        &root,
        &[],
    );
    out.push(case("genesis_threshold_string", "7: threshold is an integer", l, &[(0, "genesis")]));

    let mut l = Ledger::default();
    l.genesis_data(json!({"roles": roles(), "roots": [root_entry(&root, " \t")], "threshold": 1}), &root, &[]);
    out.push(case("genesis_root_holder_blank", "7: a holder of white space only is empty", l, &[(0, "genesis")]));

    let mut l = Ledger::default();
    l.genesis_data(
        json!({"roles": roles(), "roots": [{"holder": "Example City", "key": SMALL_ORDER_KEY}], "threshold": 1}),
        &root,
        &[],
    );
    out.push(case("genesis_small_order_root", "3, 7: a root key of small order is refused", l, &[(0, "genesis")]));

    let mut l = Ledger::default();
    l.genesis_with(&[&root], 1, &other, &[&root]);
    l.note(&root, "after a genesis not written by a root");
    out.push(case("genesis_author_not_a_root", "7: genesis' author is one of its roots", l, &[(0, "genesis")]));

    let mut l = Ledger::default();
    l.genesis_with(&[&root], 1, &root, &[&other]);
    l.note(&root, "genesis co-signed by a key outside its roots");
    out.push(case("genesis_cosigner_outside_roots_ignored", "7: further co-signers of genesis are ignored", l, &[]));

    let mut l = Ledger::default();
    l.genesis_data(
        json!({"roles": {"a".repeat(65): ["memo_written"]}, "roots": [root_entry(&root, "Example City")], "threshold": 1}),
        &root,
        &[],
    );
    out.push(case("genesis_role_name_too_long", "7: a role name has at most 64 characters", l, &[(0, "genesis")]));

    let mut c = case(
        "trust_two_unnamed_keys_one_finding",
        "10: one finding per (record, check)",
        Ledger::standard(),
        &[(0, "genesis")],
    );
    c.trust = vec![public(&other), public(&intruder)];
    out.push(c);

    // ---- section 8: key_authorized
    let mut l = Ledger::default();
    l.genesis();
    l.governance(
        "key_authorized",
        json!({"holder": "Statistics Bureau", "key": public(&stats), "roles": ["clerk"], "unit": "lixia"}),
        &root,
        &[],
    );
    l.note(&stats, "by a key whose authorisation failed");
    out.push(case(
        "key_authorized_extra_member",
        "8: key_authorized members are key, holder, roles, valid_from?, valid_until?; a refused one authorises nothing",
        l,
        &[(1, "authority"), (2, "signer")],
    ));

    let mut l = Ledger::default();
    l.genesis();
    l.governance(
        "key_authorized",
        json!({"holder": "Statistics Bureau", "key": public(&stats), "roles": ["clerk"], "valid_from": null}),
        &root,
        &[],
    );
    out.push(case(
        "key_authorized_valid_from_null",
        "8: an optional member is absent or of its type, never null",
        l,
        &[(1, "authority")],
    ));

    let mut l = Ledger::default();
    l.genesis();
    l.authorize(&stats, "Statistics Bureau", &["clerk", "clerk"]);
    l.event("memos", "memo_written", json!({"text": "a memo"}), &stats, &[]);
    out.push(case("key_authorized_roles_are_a_set", "8: duplicate roles are ignored", l, &[]));

    let mut l = Ledger::default();
    l.genesis();
    l.authorize(&stats, "Statistics Bureau", &[]);
    l.note(&stats, "a note needs no role");
    l.event("memos", "memo_written", json!({"text": "a memo"}), &stats, &[]);
    out.push(case(
        "key_authorized_no_roles",
        "8: empty roles allowed; note is open to every office key",
        l,
        &[(3, "authority")],
    ));

    let mut l = Ledger::default();
    l.genesis();
    l.authorize(&stats, "Statistics Bureau", &["auditor"]);
    out.push(case("key_authorized_undefined_role", "8: roles are defined role names", l, &[(1, "authority")]));

    let mut l = Ledger::default();
    l.genesis();
    l.governance(
        "key_authorized",
        json!({"holder": "Statistics Bureau", "key": public(&stats).to_uppercase(), "roles": ["clerk"]}),
        &root,
        &[],
    );
    out.push(case("key_authorized_uppercase_key", "3, 8: a key is 64 lowercase hex digits", l, &[(1, "authority")]));

    let mut l = Ledger::default();
    l.genesis();
    l.governance(
        "key_authorized",
        json!({"holder": "Statistics Bureau", "key": SMALL_ORDER_KEY, "roles": ["clerk"]}),
        &root,
        &[],
    );
    out.push(case(
        "key_authorized_small_order_key",
        "3, 8: a payload key of small order fails authority",
        l,
        &[(1, "authority")],
    ));

    let mut l = Ledger::default();
    l.genesis();
    l.governance(
        "key_authorized",
        json!({"holder": "Statistics Bureau", "key": non_canonical_key(), "roles": ["clerk"]}),
        &root,
        &[],
    );
    out.push(case(
        "key_authorized_non_canonical_key",
        "3, 8: a non-canonical payload key fails authority",
        l,
        &[(1, "authority")],
    ));

    let mut l = Ledger::default();
    l.genesis();
    l.governance(
        "key_authorized",
        json!({"holder": "Statistics Bureau", "key": public(&stats), "roles": ["clerk"],
               "valid_from": "2026-02-01T00:00:00Z", "valid_until": "2026-01-31T23:59:59Z"}),
        &root,
        &[],
    );
    out.push(case("key_authorized_window_reversed", "8: valid_from is not after valid_until", l, &[(1, "authority")]));

    for (name, holder, ok) in [
        ("key_authorized_holder_spaces", " \t\n", false),
        ("key_authorized_holder_ideographic_space", "\u{3000}", false),
        ("key_authorized_holder_zero_width_space", "\u{200b}", true),
        ("key_authorized_holder_unit_separator", "\u{1f}", true),
    ] {
        let mut l = Ledger::default();
        l.genesis();
        l.authorize(&stats, holder, &["clerk"]);
        let rule = "8: a holder made only of Unicode White_Space is empty (U+200B and U+001F are not White_Space)";
        let findings: &[(u64, &str)] = if ok { &[] } else { &[(1, "authority")] };
        out.push(case(name, rule, l, findings));
    }

    // ---- section 8: key_revoked
    let revoke = |l: &mut Ledger, data: Value| l.governance("key_revoked", data, &key("root"), &[]);
    let mut l = Ledger::standard();
    revoke(&mut l, json!({"by": "x", "compromised": false, "key": public(&stats), "reason": "retired"}));
    l.note(&stats, "still authorised: the revocation failed");
    out.push(case(
        "key_revoked_extra_member",
        "8: key_revoked members are key, reason, compromised, from_seq?",
        l,
        &[(2, "authority")],
    ));

    let mut l = Ledger::standard();
    revoke(&mut l, json!({"compromised": false, "from_seq": null, "key": public(&stats), "reason": "retired"}));
    out.push(case(
        "key_revoked_from_seq_null",
        "8: an optional member is absent or of its type, never null",
        l,
        &[(2, "authority")],
    ));

    let mut l = Ledger::standard();
    revoke(&mut l, json!({"compromised": false, "from_seq": 1, "key": public(&stats), "reason": "retired"}));
    out.push(case(
        "key_revoked_from_seq_without_compromise",
        "8: from_seq present iff compromised",
        l,
        &[(2, "authority")],
    ));

    let mut l = Ledger::standard();
    revoke(&mut l, json!({"compromised": false, "key": public(&stats), "reason": "\u{a0}"}));
    out.push(case("key_revoked_reason_blank", "8: a reason made only of White_Space is empty", l, &[(2, "authority")]));

    let mut l = Ledger::standard();
    l.note(&stats, "before");
    l.note(&stats, "leaked from here");
    revoke(&mut l, json!({"compromised": false, "key": public(&stats), "reason": "retired"}));
    l.note(&stats, "after retirement");
    revoke(&mut l, json!({"compromised": true, "from_seq": 3, "key": public(&stats), "reason": "key leaked"}));
    out.push(case(
        "compromised_after_retirement",
        "8, 10: a retired key revoked again as compromised; one finding per (record, check)",
        l,
        &[(3, "authority"), (5, "authority")],
    ));

    // ---- section 8: roles_defined, root_rotated
    let mut l = Ledger::standard();
    l.governance("roles_defined", json!({"note": "x", "roles": roles()}), &root, &[]);
    out.push(case("roles_defined_extra_member", "8: roles_defined is exactly roles", l, &[(2, "authority")]));

    let mut l = Ledger::standard();
    l.governance("roles_defined", json!({"roles": {"a".repeat(64): ["memo_written"]}}), &root, &[]);
    out.push(case("roles_defined_role_name_64", "8: a role name of 64 characters is allowed", l, &[]));

    let mut l = Ledger::standard();
    l.governance("roles_defined", json!({"roles": {"clerk": ["key_revoked"]}}), &root, &[]);
    out.push(case("roles_defined_governance_type", "8: a role never grants a governance type", l, &[(2, "authority")]));

    let mut l = Ledger::default();
    l.genesis();
    l.governance(
        "root_rotated",
        json!({"reason": "x", "roots": [root_entry(&other, "Example City")], "threshold": 1}),
        &root,
        &[&other],
    );
    out.push(case("root_rotated_extra_member", "8: root_rotated is exactly roots, threshold", l, &[(1, "authority")]));

    let mut l = Ledger::default();
    l.genesis();
    l.governance(
        "root_rotated",
        json!({"roots": [root_entry(&other, "Example City")], "threshold": 1}),
        &root,
        &[&other],
    );
    l.governance(
        "root_rotated",
        json!({"roots": [root_entry(&root, "Example City")], "threshold": 1}),
        &other,
        &[&root],
    );
    l.note(&root, "a root again");
    l.note(&other, "a former root");
    out.push(case(
        "rotate_back_to_a_former_root",
        "8: a former root may be named a root again",
        l,
        &[(4, "authority")],
    ));

    let mut l = Ledger::default();
    l.genesis();
    l.governance("root_rotated", json!({"roots": [root_entry(&other, "Example City")], "threshold": 1}), &root, &[]);
    out.push(case(
        "root_rotated_without_new_root",
        "8: root_rotated needs the new threshold of new roots",
        l,
        &[(1, "authority")],
    ));

    let mut l = Ledger::default();
    l.genesis();
    l.governance(
        "root_rotated",
        json!({"roots": [root_entry(&other, "Example City")], "threshold": 1}),
        &root,
        &[&other],
    );
    l.governance(
        "key_authorized",
        json!({"holder": "Old root", "key": public(&root), "roles": ["clerk"]}),
        &other,
        &[],
    );
    out.push(case(
        "former_root_not_an_office_key",
        "8: a key that was a root cannot be an office key",
        l,
        &[(2, "authority")],
    ));

    // ---- section 8 rule 3: signer or authority
    let mut l = Ledger::standard();
    l.event("ledger", "note", json!({"text": "in the governance stream"}), &intruder, &[]);
    out.push(case(
        "unknown_author_in_governance_stream",
        "8: an unknown author fails signer, whatever else",
        l,
        &[(2, "signer")],
    ));

    let mut l = Ledger::standard();
    l.event("ledger", "note", json!({"text": "in the governance stream"}), &stats, &[]);
    out.push(case("note_in_governance_stream", "8: only governance types in stream ledger", l, &[(2, "authority")]));

    let mut l = Ledger::standard();
    l.governance(
        "key_authorized",
        json!({"holder": "Other", "key": public(&other), "roles": ["clerk"]}),
        &intruder,
        &[],
    );
    out.push(case(
        "unknown_author_of_governance",
        "8: an unknown author of a governance event fails signer",
        l,
        &[(2, "signer")],
    ));

    let mut l = Ledger::standard();
    l.governance(
        "key_authorized",
        json!({"holder": "Other", "key": public(&other), "roles": ["clerk"]}),
        &root,
        &[&intruder],
    );
    out.push(case(
        "governance_cosigned_by_unknown_key",
        "8: a co-signer that is not a root fails authority",
        l,
        &[(2, "authority")],
    ));

    let mut l = Ledger::standard();
    l.event("notes", "note", json!({"text": "two signatures"}), &stats, &[&root]);
    out.push(case("note_with_two_signatures", "8: other events carry exactly one signature", l, &[(2, "authority")]));

    let mut l = Ledger::standard();
    l.governance("key_authorized", json!({"holder": "Other", "key": public(&other), "roles": ["clerk"]}), &stats, &[]);
    out.push(case("office_key_writes_governance", "8: only a root writes governance events", l, &[(2, "authority")]));

    // ---- section 5: the signature list, and keys (section 3)
    let (a, b, c) = (key("root"), key("root-b"), key("root-c"));
    let mut by_bytes = [&a, &b, &c];
    by_bytes.sort_by_key(|k| k.verifying_key().to_bytes());
    let three = |l: &mut Ledger| l.genesis_with(&[&a, &b, &c], 3, &a, &[&b, &c]);
    let authorize_env = |l: &mut Ledger| {
        l.envelope(
            "ledger",
            "key_authorized",
            json!({"holder": "Statistics Bureau", "key": public(&stats), "roles": ["clerk"]}),
            &public(&a),
        )
    };
    let mut l = Ledger::default();
    three(&mut l);
    let env = authorize_env(&mut l);
    l.push(&env, Ledger::list(&Ledger::signatures(&env, &a, &[&b, &c])));
    out.push(case("three_roots_in_order", "5: author first, then co-signers in ascending key order", l, &[]));

    let cosigners: Vec<&SigningKey> = by_bytes.iter().copied().filter(|k| public(k) != public(&a)).collect();
    let variants: [(&'static str, Vec<&SigningKey>); 3] = [
        ("signatures_cosigners_descending", vec![cosigners[1], cosigners[0]]),
        ("signatures_cosigner_twice", vec![cosigners[0], cosigners[0], cosigners[1]]),
        ("signatures_author_again", vec![&a, cosigners[0], cosigners[1]]),
    ];
    for (name, order) in variants {
        let mut l = Ledger::default();
        three(&mut l);
        let env = authorize_env(&mut l);
        let sigs: Sigs = std::iter::once(&a).chain(order).map(|k| (public(k), Ledger::sign(&env, k))).collect();
        l.push(&env, Ledger::list(&sigs));
        out.push(case(name, "5: co-signers ascending, each once, not the author: else decode", l, &[(1, "decode")]));
    }

    let mut l = Ledger::standard();
    l.note(&stats, "signature list in the wrong order");
    let env = l.last_envelope();
    l.resign_last(Ledger::list(&vec![
        (public(&root), Ledger::sign(&env, &root)),
        (public(&stats), Ledger::sign(&env, &stats)),
    ]));
    out.push(case(
        "signatures_author_not_first",
        "5: the first signature is the author's, else decode",
        l,
        &[(2, "decode")],
    ));

    let mut l = Ledger::standard();
    l.note(&stats, "no signature");
    l.resign_last(json!([]));
    out.push(case("signatures_empty", "5: one or more signatures, else decode", l, &[(2, "decode")]));

    let mut l = Ledger::standard();
    l.note(&stats, "signature with a member too many");
    let env = l.last_envelope();
    l.resign_last(json!([{"key": public(&stats), "sig": Ledger::sign(&env, &stats), "time": "now"}]));
    out.push(case("signatures_extra_member", "5: a signature is exactly key, sig, else decode", l, &[(2, "decode")]));

    let mut l = Ledger::standard();
    l.note(&stats, "upper-case signature");
    let env = l.last_envelope();
    l.resign_last(json!([{"key": public(&stats), "sig": Ledger::sign(&env, &stats).to_uppercase()}]));
    out.push(case(
        "signature_upper_case_hex",
        "3: a signature is 128 lowercase hex digits, else decode",
        l,
        &[(2, "decode")],
    ));

    let mut l = Ledger::standard();
    l.note(&stats, "S + L");
    let env = l.last_envelope();
    let mut sig = hex::decode(Ledger::sign(&env, &stats)).unwrap();
    let mut carry = 0u16;
    for (i, byte) in L.iter().enumerate() {
        let sum = u16::from(sig[32 + i]) + u16::from(*byte) + carry;
        sig[32 + i] = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    l.resign_last(json!([{"key": public(&stats), "sig": hex::encode(sig)}]));
    out.push(case(
        "signature_s_not_reduced",
        "3: S >= L fails signature (strict verification)",
        l,
        &[(2, "signature")],
    ));

    // Signatures that only a cofactored check, or a batch check, accepts:
    // the strict (cofactorless) equation decides (FORMAT.md section 3,
    // "One signature at a time"). A key holder can make them at will.
    let mut l = Ledger::standard();
    let env = l.envelope("notes", "note", json!({"text": "R with a torsion component"}), &public(&stats));
    let message = event_signing_message(&Ledger::bytes(&env));
    let sig = torsion::sign(&stats.to_scalar(), stats.verifying_key().as_bytes(), &message, b"r", true);
    l.push(&env, json!([{"key": public(&stats), "sig": hex::encode(sig)}]));
    out.push(case(
        "signature_r_with_torsion",
        "3: R + a point of order 2, S made for it: [8] of the equation holds, the equation does not: signature",
        l,
        &[(2, "signature")],
    ));

    for (name, valid) in [("mixed_order_key_signature", true), ("mixed_order_key_signature_cofactored_only", false)] {
        let mut l = Ledger::standard();
        let (a, a_pub) = torsion::mixed_order_key();
        let holder = "An office whose key has a torsion component";
        l.governance(
            "key_authorized",
            json!({"holder": holder, "key": hex::encode(a_pub), "roles": ["clerk"]}),
            &root,
            &[],
        );
        // The equation holds exactly when k (of the signature) is even:
        // the first text that gives the parity wanted.
        let author = hex::encode(a_pub);
        let text = (0..)
            .map(|i| format!("by a key of mixed order {i}"))
            .find(|text| {
                let env = l.draft().envelope("notes", "note", json!({ "text": text }), &author);
                let message = event_signing_message(&Ledger::bytes(&env));
                let sig = torsion::sign(&a, &a_pub, &message, b"r", false);
                torsion::k_is_even(&sig, &a_pub, &message) == valid
            })
            .unwrap();
        let env = l.envelope("notes", "note", json!({ "text": text }), &author);
        let sig = torsion::sign(&a, &a_pub, &event_signing_message(&Ledger::bytes(&env)), b"r", false);
        l.push(&env, json!([{"key": author, "sig": hex::encode(sig)}]));
        if valid {
            out.push(case(
                name,
                "3: a key of mixed order is a key; its signature verifies when the equation holds",
                l,
                &[],
            ));
        } else {
            out.push(case(
                name,
                "3: a key of mixed order, a signature whose equation holds only up to a point of order 2: signature",
                l,
                &[(3, "signature")],
            ));
        }
    }

    for (name, author) in
        [("author_small_order_key", SMALL_ORDER_KEY.to_owned()), ("author_non_canonical_key", non_canonical_key())]
    {
        let mut l = Ledger::standard();
        let env = l.envelope("notes", "note", json!({"text": "by a weak key"}), &author);
        // R = the identity point, S = 0: the forgery a weak key allows.
        let sig = format!("01{}", "0".repeat(126));
        l.push(&env, json!([{"key": author, "sig": sig}]));
        out.push(case(
            name,
            "3: an envelope or signature-list key that is weak or not canonical fails decode",
            l,
            &[(2, "decode")],
        ));
    }

    // ---- section 10: consistency (recorded checkpoints)
    let with_log = || {
        let mut l = Ledger::standard();
        l.authorize(&key("log"), "Ledger log", &["log"]);
        l
    };
    let checkpoint = |l: &mut Ledger, data: Value| l.event("checkpoints", "checkpoint_signed", data, &key("log"), &[]);
    let cp_data = |size: u64, root: &[u8; 32], signers: &[(&str, &SigningKey)]| {
        let root = BASE64.encode(root);
        json!({"note": signed_note(&format!("{ORIGIN}\n{size}\n{root}\n"), signers), "root": root, "size": size})
    };

    let mut l = with_log();
    let data = cp_data(3, &l.root_of(3), &[(ORIGIN, &log)]);
    checkpoint(&mut l, data);
    l.note(&stats, "after the checkpoint");
    out.push(case("checkpoint_valid", "10: a checkpoint of the records before it", l, &[]));

    let mut l = with_log();
    let data = cp_data(3, &l.root_of(3), &[("witness.example/w1", &other), (ORIGIN, &log)]);
    checkpoint(&mut l, data);
    out.push(case("checkpoint_other_signature_ignored", "10: note lines by other keys are ignored", l, &[]));

    let mut l = with_log();
    let data = cp_data(3, &l.root_of(2), &[(ORIGIN, &log)]);
    checkpoint(&mut l, data);
    out.push(case(
        "checkpoint_wrong_root",
        "10: root is the Merkle root of the stored hashes before",
        l,
        &[(3, "consistency")],
    ));

    let mut l = with_log();
    let data = cp_data(2, &l.root_of(2), &[(ORIGIN, &log)]);
    checkpoint(&mut l, data);
    out.push(case(
        "checkpoint_wrong_size",
        "10: size is the number of records read before it",
        l,
        &[(3, "consistency")],
    ));

    let mut l = with_log();
    let data = cp_data(3, &l.root_of(3), &[(ORIGIN, &stats)]);
    checkpoint(&mut l, data);
    out.push(case(
        "checkpoint_signed_by_another_key",
        "10: the note is signed by the event's author",
        l,
        &[(3, "consistency")],
    ));

    let mut l = with_log();
    let mut data = cp_data(3, &l.root_of(3), &[(ORIGIN, &log)]);
    data["witness"] = json!("x");
    checkpoint(&mut l, data);
    out.push(case("checkpoint_extra_member", "10: the payload is exactly note, root, size", l, &[(3, "consistency")]));

    let mut l = with_log();
    let data = cp_data(3, &l.root_of(3), &[(ORIGIN, &log)]);
    l.event("notes", "checkpoint_signed", data, &log, &[]);
    out.push(case("checkpoint_wrong_stream", "10: checkpoints are in stream checkpoints", l, &[(3, "consistency")]));

    let mut l = with_log();
    let root = BASE64.encode(l.root_of(3));
    let note = signed_note(&format!("{ORIGIN}\n3\n{root}\nextension\n"), &[(ORIGIN, &log)]);
    checkpoint(&mut l, json!({"note": note, "root": root, "size": 3}));
    out.push(case(
        "checkpoint_extension_line",
        "10: the checkpoint text is exactly three lines",
        l,
        &[(3, "consistency")],
    ));

    let mut l = with_log();
    let data = cp_data(3, &l.root_of(2), &[(ORIGIN, &log)]);
    checkpoint(&mut l, data);
    let env = l.last_envelope();
    let mut sig = hex::decode(Ledger::sign(&env, &log)).unwrap();
    sig[0] ^= 1;
    l.resign_last(json!([{"key": public(&log), "sig": hex::encode(sig)}]));
    out.push(case(
        "checkpoint_with_bad_signature_still_checked",
        "10: consistency is checked for every record that decodes",
        l,
        &[(3, "signature"), (3, "consistency")],
    ));

    let mut l = with_log();
    l.skip("notes", &stats);
    let data = cp_data(4, &l.root_of(4), &[(ORIGIN, &log)]);
    checkpoint(&mut l, data);
    out.push(case(
        "checkpoint_after_a_removed_record",
        "10: consistency counts and hashes the records read, not the seq",
        l,
        &[(4, "sequence"), (4, "chain"), (4, "consistency")],
    ));

    let mut l = with_log();
    l.skip("notes", &stats);
    let data = cp_data(3, &l.root_of(3), &[(ORIGIN, &log)]);
    checkpoint(&mut l, data);
    out.push(case(
        "checkpoint_of_the_records_read_after_a_gap",
        "10: a checkpoint of exactly the records read before it holds, whatever its seq",
        l,
        &[(4, "sequence"), (4, "chain")],
    ));

    // ---- section 10: the empty ledger
    out.push(case("empty_ledger", "10: no records: genesis at seq 0, no head", Ledger::default(), &[(0, "genesis")]));

    out
}

/// The head a verifier reports: the recomputed hash of the last record
/// read, and its seq (none for an empty ledger).
pub fn head(rows: &[Row]) -> (String, Option<u64>) {
    match rows.last() {
        None => (String::new(), None),
        Some(r) => (
            hex::encode(record_hash(&Hash::from_slice(&r.prev).unwrap(), r.seq, &r.envelope, &r.signatures).0),
            Some(r.seq),
        ),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The vector file's text.
pub fn render() -> String {
    let keys: Map<String, Value> = ["root", "root-b", "root-c", "stats", "log", "other", "intruder"]
        .iter()
        .map(|n| ((*n).to_owned(), json!(public(&key(n)))))
        .collect();
    let cases: Vec<Value> = cases()
        .into_iter()
        .map(|c| {
            let (head, head_seq) = head(&c.rows);
            json!({
                "name": c.name,
                "rule": c.rule,
                "trust": c.trust,
                "records": c.rows.iter().map(|r| json!({
                    "seq": r.seq,
                    "prev": hex::encode(&r.prev),
                    "hash": hex::encode(&r.hash),
                    "envelope": text(&r.envelope),
                    "signatures": text(&r.signatures),
                })).collect::<Vec<_>>(),
                "findings": c.findings.iter().map(|(s, check)| json!([s, check])).collect::<Vec<_>>(),
                "head": head,
                "head_seq": head_seq,
            })
        })
        .collect();
    let doc = json!({
        "about": "Verification vectors of docs/FORMAT.md (section 12): for each ledger, the findings [seq, check] in report order and the head a verifier reports. Built by tests/vectors.rs.",
        "origin": ORIGIN,
        "keys": keys,
        "cases": cases,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap();
    s.push('\n');
    s
}

#[test]
fn vectors_file_is_up_to_date() {
    let rendered = render();
    if std::env::var_os("LEDGER_WRITE_VECTORS").is_some() {
        std::fs::write(FILE, &rendered).unwrap();
    }
    let stored = std::fs::read_to_string(FILE).unwrap_or_default();
    assert!(
        stored == rendered,
        "{FILE} is not what tests/vectors.rs builds: rewrite it with LEDGER_WRITE_VECTORS=1 cargo test --test integration vectors"
    );
}

#[test]
fn every_case_has_a_distinct_name_and_valid_keys() {
    let all = cases();
    let mut names: Vec<_> = all.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len());
    for n in ["root", "stats", "log", "other", "intruder"] {
        assert!(public(&key(n)).parse::<PublicKey>().is_ok());
    }
    assert!(SMALL_ORDER_KEY.parse::<PublicKey>().is_err());
    assert!(non_canonical_key().parse::<PublicKey>().is_err());
}
