//! Governance events built from what an operator gives: authorising,
//! revoking and rotating keys (`docs/FORMAT.md` section 8).

use crate::remedy::{Form, Input, Remedy};
use crate::{Appended, Error, Ledger, Signer};
use ledger_core::append::Submission;
use ledger_core::authority::{Authority, GOVERNANCE_STREAM};
use ledger_core::{KeyId, PublicKey, Timestamp};
use ledger_domain::events::{Payload, Stream, UnitKeyBound};
use serde_json::{Value, json};
use std::path::Path;

type FromDate = fn(&str, &ledger_core::time::Zone) -> Result<Timestamp, ledger_core::time::TimeError>;

fn date(d: &str, zone: &ledger_core::time::Zone, f: FromDate) -> Result<Timestamp, Error> {
    // A full time in any offset is taken as given.
    if d.len() > 10
        && let Ok(t) = Timestamp::parse_any(d, zone)
    {
        return Ok(t);
    }
    f(d, zone).map_err(|_| Error::refused_with(format!("{d:?} is not a date"), Remedy::WriteAs { form: Form::Date }))
}

/// The payload of `key_authorized`: the key may sign for `roles` from the
/// start of `from` to the end of `until` (dates in the ledger's zone).
pub fn authorization(
    key: &PublicKey,
    holder: &str,
    roles: &[String],
    from: Option<&str>,
    until: Option<&str>,
    zone: &ledger_core::time::Zone,
) -> Result<Value, Error> {
    let mut data = json!({"key": key.to_hex(), "holder": holder, "roles": roles});
    if let Some(d) = from {
        data["valid_from"] = json!(date(d, zone, Timestamp::start_of_date_in)?.to_string());
    }
    if let Some(d) = until {
        data["valid_until"] = json!(date(d, zone, Timestamp::end_of_date_in)?.to_string());
    }
    Ok(data)
}

/// `unit_key_bound`: the key speaks for this unit (signed by the authority office).
pub fn binding(domain: &ledger_domain::Domain, key: &PublicKey, unit: &str) -> Result<Submission, Error> {
    let unit = crate::names::Names::new(domain).unit(unit)?;
    let bound = UnitKeyBound { key: key.to_hex(), unit };
    Ok(bound.submission(&Stream::Unit.of(&bound.unit), &crate::fresh_id()))
}

/// The payload of `key_revoked`.
pub fn revocation(key: &PublicKey, reason: &str, compromised_from: Option<u64>) -> Value {
    let mut data = json!({"key": key.to_hex(), "reason": reason, "compromised": compromised_from.is_some()});
    if let Some(s) = compromised_from {
        data["from_seq"] = json!(s);
    }
    data
}

/// The payload of `root_rotated`.
pub fn rotation(new_roots: &[PublicKey], holder: &str, threshold: u32) -> Value {
    let roots: Vec<Value> = new_roots.iter().map(|k| json!({"key": k.to_hex(), "holder": holder})).collect();
    json!({"roots": roots, "threshold": threshold})
}

/// Finds a key by key id, public key hex, or `.pub` file.
pub fn resolve_key(authority: &Authority, given: &str) -> Result<PublicKey, Error> {
    if let Ok(id) = given.parse::<KeyId>() {
        return authority.key_by_id(&id).map(|k| k.key).ok_or_else(|| {
            Error::refused_with(format!("no key with id {id} in this ledger"), Remedy::FixInput { input: Input::Key })
        });
    }
    if let Ok(k) = given.parse::<PublicKey>() {
        return Ok(k);
    }
    if Path::new(given).is_file() {
        return ledger_keyfile::read_public(Path::new(given)).map_err(|e| Error::refused(e.to_string()));
    }
    Err(Error::refused_with(
        format!("{given:?} is neither a key id, a public key nor a .pub file"),
        Remedy::FixInput { input: Input::Key },
    ))
}

impl Ledger {
    /// Appends one governance event (signed by root keys up to the threshold).
    pub fn govern(
        &mut self,
        event_type: &str,
        data: Value,
        signer: Signer<'_>,
        now: Timestamp,
    ) -> Result<Appended, Error> {
        let sub = Submission::new(GOVERNANCE_STREAM, event_type, data, &crate::fresh_id());
        let mut results = self.append(&[(0, sub)], signer, now)?;
        results.pop().ok_or_else(|| Error::refused("nothing was appended"))
    }
}
