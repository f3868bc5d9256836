//! The fixtures every test of the workspace shares, so that no test builds
//! a genesis record, a key or an office by hand:
//!
//! * [`key`] and [`office_key`]: deterministic signing keys;
//! * [`at`]: a time from a date or an RFC 3339 string;
//! * [`GenesisKit`]: a genesis record (origin, roots, threshold, roles);
//! * [`World`]: a ledger in memory with the default roles and a key per
//!   office, every append decided by the domain rules as the engine does
//!   over SQLite, in given / when / then form;
//! * [`DiskLedger`]: a ledger file in a temporary folder, opened by the
//!   engine (`ledger_engine::Ledger`), with a root and an office key, for
//!   tests of the engine in process.
//!
//! Non-features: nothing here is used outside tests (the crate is a
//! dev-dependency only), and nothing reads the clock: every time is given.
//!
//! ```
//! use serde_json::json;
//! let mut w = ledger_testkit::World::with_defaults();
//! let indicators: Vec<String> = w.domain.indicators.keys().cloned().collect();
//! let opened = json!({"year": 2030, "units": ["lixia"], "indicators": indicators,
//!                     "policy": {"id": "jinan-nokec-2018", "version": 1}});
//! // Given the catalog, units and policy; when the authority opens 2030: then it is open.
//! w.ok("authority", "period/2030", "period_opened", opened.clone(), "2030-01-05");
//! // When the statistics bureau tries the same: then it is refused, the ledger unchanged.
//! w.refused("statistics", "period/2031", "period_opened", opened, "2031-01-05", "may not sign");
//! ```

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)] // a failed fixture is a failed test

use ledger_core::append::{AppendError, KernelRules, MemoryLedger, Outcome, Submission};
use ledger_core::authority::{Genesis, RoleTable, RootKey};
use ledger_core::{PublicKey, Record, SigningKey, Timestamp};
use ledger_domain::Domain;
use ledger_domain::demo::{OFFICES, Signer, Writer};
use serde_json::{Value, json};
use std::path::PathBuf;

/// The key with 32 bytes of `seed`: the same in every run.
pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// The key of a demonstration office (`ledger_domain::demo::OFFICES`), one
/// of a set of keys chosen by `seed` (tests re-sign the same facts with
/// another set).
pub fn office_key(name: &str, seed: u8) -> SigningKey {
    let i = OFFICES.iter().position(|o| o.0 == name).unwrap_or_else(|| panic!("no office {name}"));
    key(seed.wrapping_add(i as u8))
}

/// A time: `YYYY-MM-DD` (noon UTC) or an RFC 3339 UTC time.
pub fn at(s: &str) -> Timestamp {
    if s.len() == 10 { format!("{s}T12:00:00Z").parse().unwrap() } else { s.parse().unwrap() }
}

/// The default role table (`ledger/roles.json`).
pub fn default_roles() -> RoleTable {
    serde_json::from_str(ledger_domain::defaults::ROLES).unwrap()
}

/// A role table from `(role, [event types])`.
pub fn roles(table: &[(&str, &[&str])]) -> RoleTable {
    table.iter().map(|(r, types)| ((*r).to_owned(), types.iter().map(|t| (*t).to_owned()).collect())).collect()
}

/// A genesis record to build: origin, root keys (the first signs it, the
/// others co-sign), threshold and role table.
#[derive(Debug, Clone)]
pub struct GenesisKit<'k> {
    /// The ledger's origin.
    pub origin: &'k str,
    /// The root keys: the first is the author.
    pub roots: Vec<&'k SigningKey>,
    /// Root signatures every governance event needs.
    pub threshold: u32,
    /// Who may sign what.
    pub roles: RoleTable,
    /// The roots' holder.
    pub holder: &'k str,
}

impl<'k> GenesisKit<'k> {
    /// One root, threshold 1, the default roles.
    pub fn new(origin: &'k str, root: &'k SigningKey) -> GenesisKit<'k> {
        GenesisKit { origin, roots: vec![root], threshold: 1, roles: default_roles(), holder: "City" }
    }

    /// The genesis payload.
    pub fn genesis(&self) -> Genesis {
        Genesis {
            roots: self.roots.iter().map(|k| RootKey { key: (*k).into(), holder: self.holder.to_owned() }).collect(),
            threshold: self.threshold,
            roles: self.roles.clone(),
        }
    }

    /// The genesis record, signed at `time`.
    pub fn record(&self, time: Timestamp) -> Record {
        ledger_core::append::genesis(
            self.origin,
            &self.genesis(),
            self.roots[0],
            &self.roots[1..],
            time,
            "genesis".into(),
        )
        .unwrap()
    }
}

/// The `key_authorized` of `office`'s key, with its holder and roles.
pub fn authorization(office: &SigningKey, holder: &str, roles: &[&str], id: &str) -> Submission {
    Submission::new(
        ledger_core::authority::GOVERNANCE_STREAM,
        "key_authorized",
        json!({"key": PublicKey::from(office).to_hex(), "holder": holder, "roles": roles}),
        id,
    )
}

/// A test world: a ledger in memory with the default roles, a key per
/// office, and the domain rules deciding every append, exactly as the
/// engine does over SQLite. Given / when / then.
#[derive(Debug)]
pub struct World {
    /// The records.
    pub ledger: MemoryLedger,
    /// The domain state after them.
    pub domain: Domain,
    /// The root key.
    pub root: SigningKey,
    /// The latest time written.
    pub clock: Timestamp,
    /// Which key set the offices use.
    pub seed: u8,
}

impl World {
    /// Genesis, the default roles and every office key authorised.
    pub fn new() -> World {
        World::keyed(10)
    }

    /// The same, with the office keys of another set.
    pub fn keyed(seed: u8) -> World {
        let root = key(1);
        let start = at("2018-01-02T00:00:00Z");
        let record = GenesisKit::new("test.example/assessment", &root).record(start);
        let mut world = World {
            ledger: MemoryLedger::new(record),
            domain: Domain::default(),
            root: root.clone(),
            clock: start,
            seed,
        };
        let subs = OFFICES
            .iter()
            .map(|(name, holder, roles)| authorization(&office_key(name, seed), holder, roles, &format!("auth-{name}")))
            .collect();
        world.ledger.append(subs, &root, &[], start, &mut KernelRules).unwrap();
        world
    }

    /// Catalog, units and the default policy.
    pub fn with_defaults() -> World {
        World::with_defaults_keyed(10)
    }

    /// The same, with the office keys of another set.
    pub fn with_defaults_keyed(seed: u8) -> World {
        let mut w = World::keyed(seed);
        w.given("authority", ledger_domain::defaults::catalog_events().unwrap());
        w.given("authority", ledger_domain::defaults::unit_events().unwrap());
        w.given("authority", vec![ledger_domain::defaults::policy_event().unwrap()]);
        w
    }

    /// The demonstration, written in memory.
    pub fn demo() -> World {
        let mut w = World::new();
        ledger_domain::demo::build(&mut w).unwrap();
        w
    }

    /// An office's key in this world.
    pub fn key(&self, office: &str) -> SigningKey {
        office_key(office, self.seed)
    }

    /// Appends, all or nothing; on refusal the domain state is untouched.
    pub fn try_append(&mut self, office: &str, subs: Vec<Submission>, time: Timestamp) -> Result<Vec<u64>, String> {
        let before = self.domain.clone();
        let key = self.key(office);
        match self.ledger.append(subs, &key, &[], time, &mut self.domain) {
            Ok(outcomes) => {
                self.clock = self.clock.max(time);
                Ok(outcomes.into_iter().map(|(Outcome::Appended(s) | Outcome::Existing(s))| s).collect())
            }
            Err(e) => {
                self.domain = before;
                Err(match e {
                    AppendError::Refused(m) => m.to_string(),
                    other => other.to_string(),
                })
            }
        }
    }

    /// Given: these events were written (panics if one is refused).
    pub fn given(&mut self, office: &str, subs: Vec<Submission>) -> Vec<u64> {
        let time = self.clock;
        self.try_append(office, subs, time).unwrap_or_else(|e| panic!("given: {e}"))
    }

    /// When: one event is submitted at a time; returns its seq or the refusal.
    pub fn when(
        &mut self,
        office: &str,
        stream: &str,
        event_type: &str,
        data: Value,
        time: &str,
    ) -> Result<u64, String> {
        let id = format!("e{}", self.ledger.records().len());
        self.try_append(office, vec![Submission::new(stream, event_type, data, &id)], at(time)).map(|v| v[0])
    }

    /// Then accepted: like `when`, but the event must be accepted.
    #[track_caller]
    pub fn ok(&mut self, office: &str, stream: &str, event_type: &str, data: Value, time: &str) -> u64 {
        match self.when(office, stream, event_type, data, time) {
            Ok(seq) => seq,
            Err(e) => panic!("{event_type} refused: {e}"),
        }
    }

    /// Then refused: like `when`, but the event must be refused with a
    /// message containing `expected`, and the ledger unchanged.
    #[track_caller]
    pub fn refused(&mut self, office: &str, stream: &str, event_type: &str, data: Value, time: &str, expected: &str) {
        let before = self.ledger.records().len();
        match self.when(office, stream, event_type, data, time) {
            Ok(seq) => panic!("{event_type} was accepted at seq {seq}; expected a refusal containing {expected:?}"),
            Err(e) => assert!(e.contains(expected), "refusal {e:?} does not contain {expected:?}"),
        }
        assert_eq!(self.ledger.records().len(), before, "a refused event changed the ledger");
    }

    /// The domain folded again from the records, from genesis.
    pub fn replay(&self) -> Domain {
        ledger_domain::Replay::run(self.ledger.records().iter().map(|r| (r, true)), ledger_domain::AsOf::End).domain
    }

    /// The projection hash of a period's scores (hex).
    pub fn projection_hash(&self, period: &str) -> String {
        let p = &self.domain.periods[period];
        let (scores, _) = ledger_domain::scoring::score(&self.domain, p).unwrap();
        hex::encode(ledger_score::projection_hash(&scores))
    }
}

impl Default for World {
    fn default() -> World {
        World::new()
    }
}

impl Writer for World {
    fn write(&mut self, signer: Signer, batch: Vec<Submission>, at: Timestamp) -> Result<Vec<u64>, String> {
        let Signer::Office(name) = signer;
        self.try_append(name, batch, at)
    }
    fn domain(&self) -> &Domain {
        &self.domain
    }
    fn public_key(&self, office: &'static str) -> Option<String> {
        Some(PublicKey::from(&self.key(office)).to_hex())
    }
    fn records(&self) -> Result<u64, String> {
        Ok(self.ledger.records().len() as u64)
    }
    fn seal_person(&mut self, details: &Value) -> Result<String, String> {
        // A memory ledger keeps no personal data: the commitment only.
        ledger_domain::personal::commitment(&[9; 32], details)
    }
}

/// A ledger file in a temporary folder, opened by the engine, with a root
/// key and an office key (role `statistics`) authorised, and this
/// machine's cache in the same folder.
#[derive(Debug)]
pub struct DiskLedger {
    /// The folder (removed when dropped).
    pub dir: tempfile::TempDir,
    /// The open ledger.
    pub ledger: ledger_engine::Ledger,
    /// The root key.
    pub root: SigningKey,
    /// The office key.
    pub office: SigningKey,
    /// When genesis was signed.
    pub start: Timestamp,
}

impl DiskLedger {
    /// A fresh ledger, genesis signed at `start` with the default roles.
    pub fn new(origin: &str, start: Timestamp) -> DiskLedger {
        let dir = tempfile::tempdir().unwrap();
        let (root, office) = (key(1), key(2));
        let kit = GenesisKit::new(origin, &root);
        let cache = ledger_engine::local::Cache::at(dir.path().join("cache"));
        let (mut ledger, _) = ledger_engine::Ledger::create(
            &dir.path().join("l.db"),
            origin,
            &kit.genesis(),
            ledger_engine::Signer::new(&root),
            start,
            cache,
        )
        .unwrap();
        ledger
            .append(
                &[(1, authorization(&office, "Office", &["statistics"], "auth-office"))],
                ledger_engine::Signer::new(&root),
                start,
            )
            .unwrap();
        DiskLedger { dir, ledger, root, office, start }
    }

    /// The ledger file.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("l.db")
    }

    /// This machine's cache.
    pub fn cache(&self) -> ledger_engine::local::Cache {
        ledger_engine::local::Cache::at(self.dir.path().join("cache"))
    }

    /// Opens the file again (another process, as it were).
    pub fn reopen(&self) -> ledger_engine::Ledger {
        ledger_engine::Ledger::open(&self.path(), self.cache()).unwrap()
    }
}

/// A `note` in `stream` with this text and id.
pub fn note(stream: &str, text: &str, id: &str) -> Submission {
    Submission::new(stream, "note", json!({ "text": text }), id)
}
