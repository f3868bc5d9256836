//! Who may sign what, as it stood at each point of the ledger.
//!
//! Authority is itself event-sourced: the genesis record names the root keys,
//! the root threshold and the role table; later events in the governance
//! stream (`ledger`) authorise office keys, revoke them, redefine roles and
//! rotate the root keys. Nothing here is hard-coded but the rules below.
//!
//! * Governance events (`genesis`, `key_authorized`, `key_revoked`,
//!   `roles_defined`, `root_rotated`) live in the governance stream only, are
//!   written by a root key and carry signatures of at least `threshold`
//!   distinct current root keys. `root_rotated` must also be signed by at
//!   least the new threshold of the new root keys (as TUF does), so one
//!   stolen old root key cannot take over.
//! * Every other event carries exactly one signature, by a key that is
//!   authorised, not revoked, inside its validity window at the event's time,
//!   and holds a role whose list includes the event type. `note` is open to
//!   every valid key, root keys included.
//! * A key revoked as compromised from sequence number S invalidates every
//!   event it signed at S or later, even before the revocation was recorded;
//!   a retired key's earlier events stay valid.
//!
//! Decide, then apply: [`Authority::decide`] checks a record and returns the
//! change it makes; [`Authority::apply`] applies a change and cannot fail.

use crate::crypto::{KeyId, PublicKey};
use crate::record::{Record, valid_event_type};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The governance stream.
pub const GOVERNANCE_STREAM: &str = "ledger";

/// Event types that change authority; they live in [`GOVERNANCE_STREAM`].
pub const GOVERNANCE_TYPES: [&str; 5] = ["genesis", "key_authorized", "key_revoked", "roles_defined", "root_rotated"];

/// The free-text remark any valid key may write.
pub const NOTE_TYPE: &str = "note";

/// Is this one of the governance event types?
pub fn is_governance_type(t: &str) -> bool {
    GOVERNANCE_TYPES.contains(&t)
}

/// A root key and who holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootKey {
    /// The public key.
    pub key: PublicKey,
    /// Who holds it, e.g. "Jinan Municipal People's Government".
    pub holder: String,
}

/// Role name -> event types the role may sign.
pub type RoleTable = BTreeMap<String, BTreeSet<String>>;

/// Payload of `genesis` (schema 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The root keys.
    pub roots: Vec<RootKey>,
    /// How many distinct root signatures a governance event needs.
    pub threshold: u32,
    /// The initial role table.
    pub roles: RoleTable,
}

/// Payload of `key_authorized` (schema 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyAuthorized {
    /// The office key.
    pub key: PublicKey,
    /// The office that holds it.
    pub holder: String,
    /// Its roles.
    pub roles: BTreeSet<String>,
    /// First instant it may sign (default: from this event on). Absent or
    /// a time: `null` is refused (one encoding per payload).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub valid_from: Option<Timestamp>,
    /// Last instant it may sign (default: until revoked). Absent or a time.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub valid_until: Option<Timestamp>,
}

/// Payload of `key_revoked` (schema 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRevoked {
    /// The revoked key.
    pub key: PublicKey,
    /// Why.
    pub reason: String,
    /// Whether the private key is known or suspected to be in other hands.
    pub compromised: bool,
    /// With `compromised`: every event this key signed at this sequence
    /// number or later is invalid. Absent or an integer: `null` is refused.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub from_seq: Option<u64>,
}

/// Payload of `roles_defined` (schema 1): replaces the role table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesDefined {
    /// The new role table.
    pub roles: RoleTable,
}

/// Payload of `root_rotated` (schema 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootRotated {
    /// The new root key set.
    pub roots: Vec<RootKey>,
    /// The new threshold.
    pub threshold: u32,
}

/// An optional payload member that, when present, holds a value of its type:
/// `null` is refused rather than read as absent, so that a payload has one
/// encoding (`docs/FORMAT.md` section 8).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A checked governance change, ready to apply.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Change {
    /// A key authorised or its authorisation amended.
    Authorized(KeyAuthorized),
    /// A key revoked.
    Revoked(KeyRevoked),
    /// The role table replaced.
    Roles(RoleTable),
    /// The root set rotated.
    Rotated(RootRotated),
}

/// Why a record's signers were not entitled to write it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorityError {
    /// The author key is not known to the ledger at this point.
    #[error("signed by key {key_id}, which this ledger does not know at this point")]
    UnknownSigner {
        /// The unknown key.
        key_id: KeyId,
    },
    /// A known key signed something it was not entitled to sign.
    #[error("key {key_id} ({holder}) may not sign this: {reason}")]
    Denied {
        /// The key.
        key_id: KeyId,
        /// Its holder.
        holder: String,
        /// Why not.
        reason: String,
    },
    /// A governance event whose payload or placement is invalid.
    #[error("{0}")]
    Invalid(String),
}

/// Why an authorised key stopped being valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// The `key_revoked` record.
    pub seq: u64,
    /// The stated reason.
    pub reason: String,
    /// For a compromised key, the first invalid sequence number.
    pub compromised_from: Option<u64>,
}

/// One line of a key's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The governance record.
    pub seq: u64,
    /// When.
    pub time: Timestamp,
    /// What happened.
    pub event: String,
}

/// What the ledger knows of one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// The key.
    pub key: PublicKey,
    /// Its short id.
    pub key_id: KeyId,
    /// Who holds it.
    pub holder: String,
    /// Whether it is a current root key.
    pub root: bool,
    /// Whether it was a root key that `root_rotated` replaced.
    pub former_root: bool,
    /// Its roles (empty for root keys).
    pub roles: BTreeSet<String>,
    /// Validity window.
    pub valid_from: Option<Timestamp>,
    /// Validity window.
    pub valid_until: Option<Timestamp>,
    /// Set when revoked.
    pub revoked: Option<Revocation>,
    /// Every governance event that concerned it.
    pub history: Vec<HistoryEntry>,
}

impl KeyInfo {
    /// A key the ledger has just heard of: no roles, no window, no history.
    fn new(key: PublicKey, holder: &str) -> KeyInfo {
        KeyInfo {
            key,
            key_id: key.key_id(),
            holder: holder.to_owned(),
            root: false,
            former_root: false,
            roles: BTreeSet::new(),
            valid_from: None,
            valid_until: None,
            revoked: None,
            history: Vec::new(),
        }
    }

    /// `root`, `active`, `retired`, `compromised` or `former root`.
    pub fn status(&self, now: Option<Timestamp>) -> &'static str {
        match &self.revoked {
            Some(r) if r.compromised_from.is_some() => "compromised",
            Some(_) => "revoked",
            None if self.root => "root",
            None if self.former_root => "former root",
            None => match (now, self.valid_until) {
                (Some(now), Some(until)) if now > until => "expired",
                _ => "active",
            },
        }
    }
}

/// The authority state at one point of the ledger. Serialisable, for the
/// snapshots that let a writer decide without replaying the governance
/// stream (deterministically: every collection is ordered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authority {
    roots: BTreeSet<PublicKey>,
    threshold: u32,
    roles: RoleTable,
    keys: BTreeMap<PublicKey, KeyInfo>,
}

fn invalid(msg: impl Into<String>) -> AuthorityError {
    AuthorityError::Invalid(msg.into())
}

fn payload<T: serde::de::DeserializeOwned>(event_type: &str, data: &Map<String, Value>) -> Result<T, AuthorityError> {
    serde_json::from_value(Value::Object(data.clone())).map_err(|e| invalid(format!("{event_type} payload: {e}")))
}

fn check_roots(roots: &[RootKey], threshold: u32) -> Result<(), AuthorityError> {
    let distinct: BTreeSet<_> = roots.iter().map(|r| r.key).collect();
    if roots.is_empty() || distinct.len() != roots.len() {
        return Err(invalid("the root key set must be non-empty and list each key once"));
    }
    if threshold == 0 || threshold as usize > roots.len() {
        return Err(invalid(format!(
            "threshold {threshold} must be between 1 and the number of root keys ({})",
            roots.len()
        )));
    }
    if roots.iter().any(|r| r.holder.trim().is_empty()) {
        return Err(invalid("every root key needs a holder"));
    }
    Ok(())
}

fn check_roles(roles: &RoleTable) -> Result<(), AuthorityError> {
    for (role, types) in roles {
        if !valid_event_type(role) {
            return Err(invalid(format!("role name {role:?} must match [a-z][a-z0-9_]*")));
        }
        for t in types {
            if !valid_event_type(t) || is_governance_type(t) {
                return Err(invalid(format!("role {role}: {t:?} is not an event type a role can grant")));
            }
        }
    }
    Ok(())
}

impl Authority {
    /// Checks the genesis record (sequence 0) and builds the first state.
    ///
    /// Genesis is self-signed: its author and at least `threshold` of its
    /// signers are among the roots it names.
    pub fn genesis(record: &Record) -> Result<Authority, AuthorityError> {
        let env = &record.envelope;
        if env.event_type != "genesis" || env.stream != GOVERNANCE_STREAM || env.version != 1 || env.schema != 1 {
            return Err(invalid(
                "the first record must be a `genesis` event (schema 1) at version 1 of the `ledger` stream",
            ));
        }
        let g: Genesis = payload("genesis", &env.data)?;
        check_roots(&g.roots, g.threshold)?;
        check_roles(&g.roles)?;
        let mut authority =
            Authority { roots: BTreeSet::new(), threshold: g.threshold, roles: g.roles, keys: BTreeMap::new() };
        for r in &g.roots {
            authority.add_root(r, record.seq, env.time, "root key named at genesis");
        }
        if !authority.roots.contains(&env.author) {
            return Err(invalid(format!(
                "genesis is written by key {}, which is not one of the root keys it names",
                env.author.key_id()
            )));
        }
        authority.check_root_signatures(record, &authority.roots, authority.threshold, "")?;
        Ok(authority)
    }

    fn add_root(&mut self, r: &RootKey, seq: u64, time: Timestamp, event: &str) {
        self.roots.insert(r.key);
        let info = self.keys.entry(r.key).or_insert_with(|| KeyInfo::new(r.key, &r.holder));
        info.root = true;
        info.former_root = false;
        info.holder = r.holder.clone();
        info.history.push(HistoryEntry { seq, time, event: event.to_owned() });
    }

    fn holder(&self, key: &PublicKey) -> String {
        self.keys.get(key).map(|k| k.holder.clone()).unwrap_or_default()
    }

    fn denied(&self, key: &PublicKey, reason: impl Into<String>) -> AuthorityError {
        AuthorityError::Denied { key_id: key.key_id(), holder: self.holder(key), reason: reason.into() }
    }

    /// Counts distinct signers in `set`; every signer must be in `allowed`.
    fn check_root_signatures(
        &self,
        record: &Record,
        set: &BTreeSet<PublicKey>,
        threshold: u32,
        which: &str,
    ) -> Result<(), AuthorityError> {
        let count = record.signers().filter(|k| set.contains(k)).count();
        if count < threshold as usize {
            return Err(invalid(format!(
                "`{}` needs signatures by at least {threshold} of the {which}root keys; it has {count}",
                record.envelope.event_type
            )));
        }
        Ok(())
    }

    /// Decides whether `record` (sequence > 0) may stand here, and for a
    /// governance event returns the change it makes.
    pub fn decide(&self, record: &Record) -> Result<Option<Change>, AuthorityError> {
        let env = &record.envelope;
        let author = &env.author;
        // An author the ledger does not know fails `signer`, whatever else is
        // wrong with the record (docs/FORMAT.md section 8, rule 3).
        if !self.keys.contains_key(author) {
            return Err(AuthorityError::UnknownSigner { key_id: author.key_id() });
        }
        let governance = is_governance_type(&env.event_type);
        if governance != (env.stream == GOVERNANCE_STREAM) {
            return Err(invalid(format!(
                "`{}` events {} the `{GOVERNANCE_STREAM}` stream",
                env.event_type,
                if governance { "belong in" } else { "may not be written to" }
            )));
        }
        if !governance {
            self.check_signer(record)?;
            return Ok(None);
        }
        if !self.roots.contains(author) {
            return Err(match self.keys.get(author) {
                None => AuthorityError::UnknownSigner { key_id: author.key_id() },
                Some(_) => self.denied(author, format!("only root keys may write `{}`", env.event_type)),
            });
        }
        if env.schema != 1 {
            return Err(invalid(format!("`{}` schema {} is not known", env.event_type, env.schema)));
        }
        let change = match env.event_type.as_str() {
            "genesis" => return Err(invalid("a second genesis record")),
            "key_authorized" => {
                let a: KeyAuthorized = payload(&env.event_type, &env.data)?;
                if self.roots.contains(&a.key) || self.keys.get(&a.key).is_some_and(|k| k.former_root) {
                    return Err(invalid("a key that is or was a root key cannot be an office key"));
                }
                if a.holder.trim().is_empty() {
                    return Err(invalid("key_authorized needs a holder"));
                }
                if let Some(prev) = self.keys.get(&a.key).and_then(|k| k.revoked.as_ref()) {
                    return Err(invalid(format!(
                        "key {} was revoked at seq {}; authorise a new key instead",
                        a.key.key_id(),
                        prev.seq
                    )));
                }
                if let Some(role) = a.roles.iter().find(|r| !self.roles.contains_key(*r)) {
                    return Err(invalid(format!("role {role:?} is not defined (defined: {})", self.role_names())));
                }
                if let (Some(from), Some(until)) = (a.valid_from, a.valid_until)
                    && from > until
                {
                    return Err(invalid("valid_from is after valid_until"));
                }
                Change::Authorized(a)
            }
            "key_revoked" => {
                let r: KeyRevoked = payload(&env.event_type, &env.data)?;
                let Some(info) = self.keys.get(&r.key).filter(|k| !k.root && !k.former_root) else {
                    return Err(invalid(format!(
                        "key {} is not an authorised office key (root keys are replaced with root_rotated)",
                        r.key.key_id()
                    )));
                };
                match &info.revoked {
                    // A retired key later found compromised: the revocation is
                    // escalated, so its events from from_seq on become invalid.
                    Some(prev) if prev.compromised_from.is_none() && r.compromised => {}
                    Some(_) => return Err(invalid(format!("key {} is already revoked", r.key.key_id()))),
                    None => {}
                }
                if r.reason.trim().is_empty() {
                    return Err(invalid("key_revoked needs a reason"));
                }
                match (r.compromised, r.from_seq) {
                    (true, Some(s)) if s > record.seq => {
                        return Err(invalid(format!("from_seq {s} is after this revocation (seq {})", record.seq)));
                    }
                    (true, None) => {
                        return Err(invalid(
                            "a compromised key needs from_seq: the first sequence number not to trust",
                        ));
                    }
                    (false, Some(_)) => return Err(invalid("from_seq is only for compromised keys")),
                    _ => {}
                }
                Change::Revoked(r)
            }
            "roles_defined" => {
                let r: RolesDefined = payload(&env.event_type, &env.data)?;
                check_roles(&r.roles)?;
                Change::Roles(r.roles)
            }
            "root_rotated" => {
                let r: RootRotated = payload(&env.event_type, &env.data)?;
                check_roots(&r.roots, r.threshold)?;
                if let Some(k) =
                    r.roots.iter().find(|k| self.keys.get(&k.key).is_some_and(|i| !i.root && !i.former_root))
                {
                    return Err(invalid(format!(
                        "key {} is an office key and cannot become a root key",
                        k.key.key_id()
                    )));
                }
                let new: BTreeSet<_> = r.roots.iter().map(|k| k.key).collect();
                if let Some(k) = record.signers().find(|k| !self.roots.contains(k) && !new.contains(k)) {
                    return Err(self.denied(k, "co-signs root_rotated but is neither an old nor a new root key"));
                }
                self.check_root_signatures(record, &self.roots, self.threshold, "old ")?;
                self.check_root_signatures(record, &new, r.threshold, "new ")?;
                return Ok(Some(Change::Rotated(r)));
            }
            other => return Err(invalid(format!("unknown governance type {other}"))),
        };
        if let Some(k) = record.signers().find(|k| !self.roots.contains(k)) {
            return Err(self.denied(k, format!("co-signs `{}` but is not a root key", env.event_type)));
        }
        self.check_root_signatures(record, &self.roots, self.threshold, "")?;
        Ok(Some(change))
    }

    fn role_names(&self) -> String {
        self.roles.keys().cloned().collect::<Vec<_>>().join(", ")
    }

    fn check_signer(&self, record: &Record) -> Result<(), AuthorityError> {
        let env = &record.envelope;
        let author = &env.author;
        let Some(info) = self.keys.get(author) else {
            return Err(AuthorityError::UnknownSigner { key_id: author.key_id() });
        };
        if record.signatures.len() != 1 {
            return Err(self.denied(author, "only governance events carry more than one signature"));
        }
        if let Some(r) = &info.revoked {
            return Err(self.denied(author, format!("revoked at seq {}: {}", r.seq, r.reason)));
        }
        if info.root {
            return if env.event_type == NOTE_TYPE {
                Ok(())
            } else {
                Err(self.denied(
                    author,
                    format!("root keys write governance events and notes only, not `{}`", env.event_type),
                ))
            };
        }
        if info.former_root {
            return Err(self.denied(author, "a former root key, replaced by root_rotated"));
        }
        if let Some(from) = info.valid_from.filter(|from| env.time < *from) {
            return Err(self.denied(author, format!("not valid before {from} (event time {})", env.time)));
        }
        if let Some(until) = info.valid_until.filter(|until| env.time > *until) {
            return Err(self.denied(author, format!("expired at {until} (event time {})", env.time)));
        }
        if env.event_type == NOTE_TYPE {
            return Ok(());
        }
        let allowed = info.roles.iter().any(|r| self.roles.get(r).is_some_and(|types| types.contains(&env.event_type)));
        if !allowed {
            let roles = if info.roles.is_empty() {
                "no role".to_owned()
            } else {
                info.roles.iter().cloned().collect::<Vec<_>>().join(", ")
            };
            let needed: Vec<_> =
                self.roles.iter().filter(|(_, t)| t.contains(&env.event_type)).map(|(r, _)| r.as_str()).collect();
            let needed = if needed.is_empty() {
                "no role grants it".to_owned()
            } else {
                format!("needs role {}", needed.join(" or "))
            };
            return Err(self.denied(author, format!("`{}` {needed}; the key has {roles}", env.event_type)));
        }
        Ok(())
    }

    /// Applies a decided change. Cannot fail.
    pub fn apply(&mut self, seq: u64, time: Timestamp, change: Change) {
        match change {
            Change::Authorized(a) => {
                let amended = self.keys.contains_key(&a.key);
                let roles = a.roles.iter().cloned().collect::<Vec<_>>().join(", ");
                let info = self.keys.entry(a.key).or_insert_with(|| KeyInfo::new(a.key, &a.holder));
                info.holder = a.holder;
                info.roles = a.roles;
                info.valid_from = a.valid_from;
                info.valid_until = a.valid_until;
                let what = if amended { "authorisation amended" } else { "authorised" };
                info.history.push(HistoryEntry { seq, time, event: format!("{what}: roles {roles}") });
            }
            Change::Revoked(r) => {
                if let Some(info) = self.keys.get_mut(&r.key) {
                    let event = match r.from_seq {
                        Some(s) => format!("revoked as compromised from seq {s}: {}", r.reason),
                        None => format!("retired: {}", r.reason),
                    };
                    info.revoked = Some(Revocation { seq, reason: r.reason, compromised_from: r.from_seq });
                    info.history.push(HistoryEntry { seq, time, event });
                }
            }
            Change::Roles(roles) => self.roles = roles,
            Change::Rotated(r) => {
                let new: BTreeSet<_> = r.roots.iter().map(|k| k.key).collect();
                for old in self.roots.difference(&new).copied().collect::<Vec<_>>() {
                    if let Some(info) = self.keys.get_mut(&old) {
                        info.root = false;
                        info.former_root = true;
                        info.history.push(HistoryEntry {
                            seq,
                            time,
                            event: "root key retired by root_rotated".to_owned(),
                        });
                    }
                }
                self.roots.clear();
                for k in &r.roots {
                    self.add_root(k, seq, time, "root key named by root_rotated");
                }
                self.threshold = r.threshold;
            }
        }
    }

    /// Every key the ledger has known, in key order.
    pub fn keys(&self) -> impl Iterator<Item = &KeyInfo> {
        self.keys.values()
    }

    /// One key.
    pub fn key(&self, key: &PublicKey) -> Option<&KeyInfo> {
        self.keys.get(key)
    }

    /// Finds a key by its id.
    pub fn key_by_id(&self, id: &KeyId) -> Option<&KeyInfo> {
        self.keys.values().find(|k| k.key_id == *id)
    }

    /// The current root keys.
    pub fn roots(&self) -> &BTreeSet<PublicKey> {
        &self.roots
    }

    /// The current root threshold.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// The current role table.
    pub fn roles(&self) -> &RoleTable {
        &self.roles
    }

    /// For a compromised key, the first sequence number not to trust.
    pub fn compromised_from(&self, key: &PublicKey) -> Option<u64> {
        self.keys.get(key)?.revoked.as_ref()?.compromised_from
    }
}

impl Authority {
    /// Rebuilds the authority from the governance records (genesis first),
    /// as the store recorded them. Each is decided again, so a record that
    /// should not have been accepted is reported rather than applied.
    pub fn replay<'r>(records: impl IntoIterator<Item = &'r Record>) -> Result<Authority, AuthorityError> {
        let mut records = records.into_iter();
        let genesis = records.next().ok_or_else(|| invalid("the ledger has no genesis record"))?;
        let mut authority = Authority::genesis(genesis)?;
        for record in records {
            if let Some(change) = authority.decide(record)? {
                authority.apply(record.seq, record.envelope.time, change);
            }
        }
        Ok(authority)
    }
}
