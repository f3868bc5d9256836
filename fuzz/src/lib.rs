//! Fixtures shared by the fuzz targets and by the seed generator (the
//! `write_seeds` test below): the same keys, ledgers and logs, so that the
//! seeds carry signatures the targets can verify.
//!
//! Nothing here is fuzzed itself; every target calls the crates' own public
//! functions (`ledger-core`, `ledger-tlog`, `ledger-score`, `ledger-engine`).

#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ledger_core::append::{KernelRules, MemoryLedger, Submission};
use ledger_core::authority::{Genesis, RootKey};
use ledger_core::verify::Resume;
use ledger_core::{PublicKey, SigningKey, Timestamp};
use ledger_domain::demo::OFFICES;
use ledger_domain::{AsOf, Domain, Replay};
use ledger_tlog::{Checkpoint, Cosigner, MemoryStore, Note, Signer, sign_checkpoint, tree_root};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------
// Transparency log

/// The log's origin, and the name of its key.
pub const LOG_ORIGIN: &str = "example.com/ledger";

/// The log key.
pub fn log_key() -> Signer {
    Signer::new(LOG_ORIGIN, SigningKey::from_bytes(&[7; 32])).unwrap()
}

/// Witness `n`'s key.
pub fn witness(n: u8) -> Cosigner {
    Cosigner::new(&format!("witness{n}.example"), SigningKey::from_bytes(&[100 + n; 32])).unwrap()
}

/// The record hash of leaf `i` of the test log.
pub fn log_record(i: u64) -> [u8; 32] {
    let mut r = [0x5a; 32];
    r[..8].copy_from_slice(&i.to_le_bytes());
    r
}

/// A log of `n` records, its checkpoint, and the signed checkpoint cosigned
/// by `witnesses` (timestamps 1_700_000_000 + i).
pub fn signed_log(n: u64, witnesses: &[&Cosigner]) -> (MemoryStore, Checkpoint, String) {
    let mut store = MemoryStore::new();
    for i in 0..n {
        store.append(&log_record(i)).unwrap();
    }
    let cp = Checkpoint::new(LOG_ORIGIN, n, tree_root(n, &store).unwrap());
    let mut note = Note::parse(sign_checkpoint(&cp, &log_key()).unwrap().as_bytes()).unwrap();
    for (i, w) in witnesses.iter().enumerate() {
        note.add_signature(w.cosign(&cp, 1_700_000_000 + i as u64).unwrap()).unwrap();
    }
    (store, cp, note.encode())
}

/// The test log of [`log_record`] leaves `0..1024`, built once.
pub fn log_store() -> &'static MemoryStore {
    static STORE: OnceLock<MemoryStore> = OnceLock::new();
    STORE.get_or_init(|| signed_log(1024, &[]).0)
}

// ---------------------------------------------------------------------------
// Ledger

/// The origin of the fuzzed ledgers.
pub const LEDGER_ORIGIN: &str = "fuzz.example/ledger";

/// The root key (also the author of genesis).
pub fn root_key() -> SigningKey {
    SigningKey::from_bytes(&[1; 32])
}

/// The key of an office of the demonstration (`ledger_domain::demo::OFFICES`),
/// or the root key for `root`.
pub fn office_key(name: &str) -> Option<SigningKey> {
    if name == "root" {
        return Some(root_key());
    }
    let i = OFFICES.iter().position(|o| o.0 == name)?;
    Some(SigningKey::from_bytes(&[10 + i as u8; 32]))
}

/// The first time of the fuzzed ledgers.
pub fn start() -> Timestamp {
    "2018-01-03T09:00:00Z".parse().unwrap()
}

/// Genesis with the default roles, every office key authorised: built once
/// per process.
pub fn kernel() -> &'static MemoryLedger {
    static KERNEL: OnceLock<MemoryLedger> = OnceLock::new();
    KERNEL.get_or_init(kernel_ledger)
}

fn kernel_ledger() -> MemoryLedger {
    let root = root_key();
    let genesis = Genesis {
        roots: vec![RootKey { key: (&root).into(), holder: "City".into() }],
        threshold: 1,
        roles: serde_json::from_str(ledger_domain::defaults::ROLES).unwrap(),
    };
    let record = ledger_core::append::genesis(LEDGER_ORIGIN, &genesis, &root, &[], start(), "genesis".into()).unwrap();
    let mut ledger = MemoryLedger::new(record);
    let subs = OFFICES
        .iter()
        .map(|(name, holder, roles)| {
            let key = PublicKey::from(&office_key(name).unwrap()).to_hex();
            Submission::new("ledger", "key_authorized", json!({"key": key, "holder": holder, "roles": roles}), name)
        })
        .collect();
    ledger.append(subs, &root, &[], start(), &mut KernelRules).unwrap();
    ledger
}

/// The units of the base ledger: few, so that a period stays small.
pub const BASE_UNITS: [&str; 2] = ["lixia", "shanghe"];

/// A ledger and its domain state as the demonstration starts them (catalog,
/// time zone, units, Shanghe's key bound, the default policy), with the
/// units cut down to [`BASE_UNITS`].
#[derive(Debug, Clone)]
pub struct Base {
    /// The records.
    pub ledger: MemoryLedger,
    /// The domain state they fold to.
    pub domain: Domain,
}

impl Base {
    /// Appends one batch signed by an office; the domain decides.
    pub fn append(&mut self, office: &str, subs: Vec<Submission>, at: Timestamp) -> Result<Vec<u64>, String> {
        let key = office_key(office).ok_or_else(|| format!("no office {office}"))?;
        self.ledger.append(subs, &key, &[], at, &mut self.domain).map_err(|e| e.to_string()).map(|outcomes| {
            outcomes
                .into_iter()
                .map(|o| match o {
                    ledger_core::append::Outcome::Appended(s) | ledger_core::append::Outcome::Existing(s) => s,
                })
                .collect()
        })
    }
}

impl Base {
    /// Where a verifier resumes after the base records, for `new` records
    /// appended to them.
    pub fn resume(&self, new: &[ledger_core::Record]) -> Resume {
        let records = self.ledger.records();
        let last = records.last().expect("genesis");
        let mut streams = HashMap::new();
        for r in records {
            streams.insert(r.envelope.stream.clone(), (r.envelope.version, r.seq));
        }
        let reused_ids = new
            .iter()
            .filter_map(|n| {
                records.iter().rev().find(|r| r.envelope.id == n.envelope.id).map(|r| (r.envelope.id.clone(), r.seq))
            })
            .collect();
        Resume {
            next_seq: last.seq + 1,
            prev_hash: last.hash,
            last_time: records.iter().map(|r| r.envelope.time).max(),
            streams,
            reused_ids,
            authority: self.ledger.authority().expect("the base ledger's authority"),
            origin: LEDGER_ORIGIN.to_owned(),
        }
    }
}

/// The domain replay of the base records (to feed more records to).
pub fn base_replay() -> &'static Replay {
    static REPLAY: OnceLock<Replay> = OnceLock::new();
    REPLAY.get_or_init(|| Replay::run(base().ledger.records().iter().map(|r| (r, true)), AsOf::End))
}

/// The embedded catalog and every unit, folded (as `ledger demo` starts).
pub fn full_domain() -> &'static Domain {
    static DOMAIN: OnceLock<Domain> = OnceLock::new();
    DOMAIN.get_or_init(|| {
        let mut base = Base { ledger: kernel().clone(), domain: Domain::default() };
        base.append("authority", ledger_domain::defaults::catalog_events().unwrap(), start()).unwrap();
        base.append("authority", ledger_domain::defaults::unit_events().unwrap(), start()).unwrap();
        base.append("authority", vec![ledger_domain::defaults::policy_event().unwrap()], start()).unwrap();
        base.domain
    })
}

fn build_base() -> Base {
    let mut base = Base { ledger: kernel().clone(), domain: Domain::default() };
    let at = start();
    base.append("authority", ledger_domain::defaults::catalog_events().unwrap(), at).unwrap();
    let zone = Submission::new("settings", "time_zone_adopted", json!({"zone": "Asia/Shanghai"}), "time-zone");
    base.append("authority", vec![zone], at).unwrap();
    let units: Vec<Submission> = ledger_domain::defaults::unit_events()
        .unwrap()
        .into_iter()
        .filter(|s| s.data.get("unit").and_then(Value::as_str).is_some_and(|u| BASE_UNITS.contains(&u)))
        .collect();
    base.append("authority", units, at).unwrap();
    let shanghe = PublicKey::from(&office_key("shanghe").unwrap()).to_hex();
    let bind =
        Submission::new("unit/shanghe", "unit_key_bound", json!({"unit": "shanghe", "key": shanghe}), "bind-shanghe");
    base.append("authority", vec![bind], at).unwrap();
    base.append("authority", vec![ledger_domain::defaults::policy_event().unwrap()], at).unwrap();
    base
}

/// The base ledger, built once per process.
pub fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(build_base)
}

/// One line of the `append` target's input: `OFFICE<TAB>TIME<TAB>JSON`, the
/// JSON a line of `ledger append` input.
pub fn append_line(office: &str, at: Timestamp, sub: &Submission) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("stream".into(), json!(sub.stream));
    obj.insert("type".into(), json!(sub.event_type));
    obj.insert("data".into(), Value::Object(sub.data.clone()));
    obj.insert("id".into(), json!(sub.id));
    format!("{office}\t{at}\t{}", Value::Object(obj))
}

#[cfg(test)]
mod seeds;
