//! Personal data beside the ledger (`docs/FORMAT.md`, "Personal data"): an
//! accountability action that names an official carries a salted
//! commitment; the salt and the details are kept in the store's
//! `personal_data` table, shown by `ledger show` while they exist, erased
//! by `ledger personal redact` (a `personal_data_redacted` event and the row deleted
//! in one transaction), and checked against the commitment by anyone who
//! holds them (`ledger personal check`).

use crate::remedy::{Input, Remedy};
use crate::{Error, Ledger, PersonalOp};
use ledger_core::append::Submission;
use ledger_domain::Domain;
use ledger_domain::events::{Payload, PersonalDataRedacted};
use ledger_domain::personal;
use serde::Serialize;
use serde_json::{Value, json};

/// Draws a salt and seals the details: the commitment for the payload, and
/// what the append keeps beside the record.
pub fn seal(details: &Value) -> Result<(String, PersonalOp), Error> {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).map_err(|e| Error::refused(format!("no random salt from the system: {e}")))?;
    let commitment = personal::commitment(&salt, details).map_err(Error::refused)?;
    let canonical =
        ledger_core::canonical::to_vec(details).map_err(|e| Error::refused(format!("personal details: {e}")))?;
    let details = String::from_utf8(canonical).map_err(|_| Error::refused("personal details: not UTF-8"))?;
    Ok((commitment, PersonalOp::Keep { salt, details }))
}

/// The details from `name` and `KEY=VALUE` pairs (`--person-name`,
/// `--person-detail`).
pub fn details(name: &str, pairs: &[String]) -> Result<Value, Error> {
    let mut map = serde_json::Map::new();
    map.insert("name".into(), json!(name.trim()));
    for p in pairs {
        let (k, v) = p.split_once('=').ok_or_else(|| {
            Error::refused_with(
                format!("person detail {p:?} is not KEY=VALUE"),
                Remedy::FixInput { input: Input::PersonDetail },
            )
        })?;
        if map.insert(k.trim().to_owned(), json!(v.trim())).is_some() {
            return Err(Error::refused_with(
                format!("person detail {} is given twice", k.trim()),
                Remedy::FixInput { input: Input::PersonDetail },
            ));
        }
    }
    let value = Value::Object(map);
    personal::check_details(&value).map_err(Error::refused)?;
    Ok(value)
}

/// `personal_data_redacted` of record `record`: appended, it erases the
/// record's row in the same transaction (whichever way it arrives).
pub fn redaction(domain: &Domain, record: u64, reason: &str) -> Result<Submission, Error> {
    if !domain.personal.contains_key(&record) {
        return Err(Error::refused_with(
            format!("record {record} names no person: it holds no personal-data commitment"),
            Remedy::FixInput { input: Input::PersonRecord },
        ));
    }
    Ok(PersonalDataRedacted { record, reason: reason.to_owned() }.submission(personal::STREAM, &crate::fresh_id()))
}

/// What the ledger knows of the person a record names.
#[derive(Debug, Clone, Serialize)]
pub struct PersonalView {
    /// The commitment in the record's payload.
    pub commitment: String,
    /// How it is computed.
    pub scheme: &'static str,
    /// The details, while they are kept.
    pub details: Option<Value>,
    /// The salt (64 hex digits), while it is kept.
    pub salt: Option<String>,
    /// The `personal_data_redacted` record and its reason, once erased.
    pub redacted: Option<(u64, String)>,
    /// True when the details and salt kept open the commitment (false for
    /// a row that does not: the table was edited).
    pub opens: Option<bool>,
    /// The ledger records the erasure, but this file still holds the
    /// details and salt (written by a version that did not erase what
    /// arrived signed elsewhere): `ledger repair --erase-redacted` erases
    /// them. They are not shown.
    pub erasure_pending: bool,
}

/// The person record `seq` names, if it names one (None otherwise).
pub fn view(ledger: &mut Ledger, seq: u64) -> Result<Option<PersonalView>, Error> {
    let record = ledger.record(seq)?;
    let Some(commitment) = record.envelope.data.get("person").and_then(Value::as_str).map(str::to_owned) else {
        return Ok(None);
    };
    let redacted = ledger.domain()?.personal.get(&seq).and_then(|p| p.redacted.clone());
    let kept = ledger.store().personal(seq)?;
    let erasure_pending = redacted.is_some() && kept.is_some();
    let (details, salt, opens) = match kept {
        // Erased by the ledger's word: never shown again, even if still here.
        Some(_) if redacted.is_some() => (None, None, None),
        Some((salt, text)) => {
            let details: Option<Value> = serde_json::from_str(&text).ok();
            let opens = details.as_ref().map(|d| personal::commitment(&salt, d).is_ok_and(|c| c == commitment));
            (details, Some(hex::encode(salt)), opens)
        }
        None => (None, None, None),
    };
    Ok(Some(PersonalView { commitment, scheme: personal::SCHEME, details, salt, redacted, opens, erasure_pending }))
}

/// Whether `details` and `salt` (hex) open the commitment of record `seq`.
pub fn check(ledger: &mut Ledger, seq: u64, details: &Value, salt: &str) -> Result<bool, Error> {
    let record = ledger.record(seq)?;
    let commitment =
        record.envelope.data.get("person").and_then(Value::as_str).ok_or_else(|| {
            Error::refused(format!("record {seq} names no person: it holds no personal-data commitment"))
        })?;
    personal::opens(commitment, salt, details).map_err(Error::refused)
}

/// A record whose erasure the ledger records while this file still holds
/// its personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Unerased {
    /// The record that names the person.
    pub record: u64,
    /// The `personal_data_redacted` record that erased it.
    pub redacted_at: u64,
}

/// The records of `domain` that are redacted while `store` still holds
/// their personal data.
pub fn unerased(domain: &Domain, store: &ledger_store::Store) -> Result<Vec<Unerased>, Error> {
    let mut found = Vec::new();
    for (record, p) in &domain.personal {
        if let Some((redacted_at, _)) = &p.redacted
            && store.personal(*record)?.is_some()
        {
            found.push(Unerased { record: *record, redacted_at: *redacted_at });
        }
    }
    Ok(found)
}

impl Ledger {
    /// Carries out every erasure the ledger records that this file has not
    /// (`ledger repair --erase-redacted`): the personal data of each record
    /// a `personal_data_redacted` record erased is deleted, all in one
    /// transaction, and the write-ahead log is emptied. Refused unless the
    /// ledger verifies: the erasures are the ones its signed records say.
    pub fn erase_redacted(&mut self) -> Result<Vec<Unerased>, Error> {
        let view = self.view(ledger_domain::AsOf::End)?;
        if let Some(first) = view.checked.first() {
            return Err(Error::refused_with(
                format!(
                    "refusing to erase: the ledger fails verification ({} problem(s), the first at seq {}: {})",
                    view.checked.findings.len(),
                    first.seq,
                    first.message
                ),
                Remedy::Verify { seq: None },
            ));
        }
        let pending = unerased(&view.replay.domain, self.store())?;
        if pending.is_empty() {
            return Ok(pending);
        }
        let records: Vec<u64> = pending.iter().map(|u| u.record).collect();
        self.store_mut()
            .append(|tx| -> Result<_, Error> {
                for record in &records {
                    tx.erase_personal(*record)?;
                }
                Ok((Vec::new(), ()))
            })
            .map_err(|e| match e {
                ledger_store::AppendFailure::Refused(e) => e,
                ledger_store::AppendFailure::Store(e) => Error::from(e),
            })?;
        if let Err(e) = self.store().truncate_log() {
            self.warn(format!("the write-ahead log could not be emptied after the erasure: {e}"));
        }
        Ok(pending)
    }
}
