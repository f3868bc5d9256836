//! A test world: a ledger in memory with the default roles, a key per
//! office, and the domain rules deciding every append, exactly as the CLI
//! does over SQLite. Given / when / then.

#![allow(clippy::unwrap_used, dead_code)]

use ledger_core::append::{AppendError, MemoryLedger, Submission};
use ledger_core::authority::{Genesis, RootKey};
use ledger_core::{PublicKey, SigningKey, Timestamp};
use ledger_domain::Domain;
use ledger_domain::demo::{OFFICES, Signer, Writer};
use serde_json::{Value, json};

pub struct World {
    pub ledger: MemoryLedger,
    pub domain: Domain,
    pub root: SigningKey,
    pub clock: Timestamp,
}

thread_local! {
    /// Which key set the offices use (tests re-sign the same facts with others).
    static KEY_SEED: std::cell::Cell<u8> = const { std::cell::Cell::new(10) };
}

pub fn office_key(name: &str) -> SigningKey {
    let i = OFFICES.iter().position(|o| o.0 == name).unwrap_or_else(|| panic!("no office {name}"));
    SigningKey::from_bytes(&[KEY_SEED.with(|s| s.get()).wrapping_add(i as u8); 32])
}

pub fn at(s: &str) -> Timestamp {
    if s.len() == 10 { format!("{s}T12:00:00Z").parse().unwrap() } else { s.parse().unwrap() }
}

impl World {
    /// Genesis, the default roles and every office key authorised.
    pub fn new() -> World {
        let root = SigningKey::from_bytes(&[1; 32]);
        let genesis = Genesis {
            roots: vec![RootKey { key: (&root).into(), holder: "City".into() }],
            threshold: 1,
            roles: serde_json::from_str(ledger_domain::defaults::ROLES).unwrap(),
        };
        let start = at("2018-01-02T00:00:00Z");
        let record =
            ledger_core::append::genesis("test.example/assessment", &genesis, &root, &[], start, "genesis".into())
                .unwrap();
        let mut world = World { ledger: MemoryLedger::new(record), domain: Domain::default(), root, clock: start };
        let subs = OFFICES
            .iter()
            .map(|(name, holder, roles)| {
                Submission::new(
                    "ledger",
                    "key_authorized",
                    json!({"key": PublicKey::from(&office_key(name)).to_hex(), "holder": holder, "roles": roles}),
                    &format!("auth-{name}"),
                )
            })
            .collect();
        let mut kernel = ledger_core::append::KernelRules;
        world.ledger.append(subs, &world.root.clone(), &[], start, &mut kernel).unwrap();
        world
    }

    /// Catalog, units and the default policy.
    pub fn with_defaults() -> World {
        World::with_defaults_keyed(10)
    }

    /// The same, with the office keys derived from another seed.
    pub fn with_defaults_keyed(seed: u8) -> World {
        KEY_SEED.with(|s| s.set(seed));
        let mut w = World::new();
        w.given("authority", ledger_domain::defaults::catalog_events().unwrap());
        w.given("authority", ledger_domain::defaults::unit_events().unwrap());
        w.given("authority", vec![ledger_domain::defaults::policy_event().unwrap()]);
        w
    }

    /// Appends, all or nothing; on refusal the domain state is untouched.
    pub fn try_append(&mut self, office: &str, subs: Vec<Submission>, time: Timestamp) -> Result<Vec<u64>, String> {
        let before = self.domain.clone();
        let key = office_key(office);
        let out = self.ledger.append(subs, &key, &[], time, &mut self.domain);
        match out {
            Ok(outcomes) => {
                self.clock = self.clock.max(time);
                Ok(outcomes
                    .into_iter()
                    .map(|o| match o {
                        ledger_core::append::Outcome::Appended(s) | ledger_core::append::Outcome::Existing(s) => s,
                    })
                    .collect())
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

    /// Like `when`, but the event must be accepted.
    #[track_caller]
    pub fn ok(&mut self, office: &str, stream: &str, event_type: &str, data: Value, time: &str) -> u64 {
        match self.when(office, stream, event_type, data, time) {
            Ok(seq) => seq,
            Err(e) => panic!("{event_type} refused: {e}"),
        }
    }

    /// Like `when`, but the event must be refused with a message containing `expected`.
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

    pub fn projection_hash(&self, period: &str) -> String {
        let p = &self.domain.periods[period];
        let (scores, _) = ledger_domain::scoring::score(&self.domain, p).unwrap();
        hex::encode(ledger_score::projection_hash(&scores))
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
        Some(PublicKey::from(&office_key(office)).to_hex())
    }
    fn records(&self) -> Result<u64, String> {
        Ok(self.ledger.records().len() as u64)
    }
    fn seal_person(&mut self, details: &Value) -> Result<String, String> {
        // A memory ledger keeps no personal data: the commitment only.
        ledger_domain::personal::commitment(&[9; 32], details)
    }
}
