//! Personal data beside the ledger (`docs/FORMAT.md`, "Personal data"): an
//! accountability action that names an official carries a salted
//! commitment; the salt and the details are kept in the store's
//! `personal_data` table, shown by `ledger show` while they exist, erased
//! by `ledger redact` (a `personal_data_redacted` event and the row deleted
//! in one transaction), and checked against the commitment by anyone who
//! holds them (`ledger personal-check`).

use crate::{Error, Ledger, PersonalOp};
use ledger_core::append::Submission;
use ledger_domain::Domain;
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
                format!("--person-detail {p:?} is not KEY=VALUE"),
                "e.g. --person-detail position=deputy head",
            )
        })?;
        if map.insert(k.trim().to_owned(), json!(v.trim())).is_some() {
            return Err(Error::refused(format!("--person-detail: {} is given twice", k.trim())));
        }
    }
    let value = Value::Object(map);
    personal::check_details(&value).map_err(Error::refused)?;
    Ok(value)
}

/// `personal_data_redacted` of record `record`, and the erasure of its row.
pub fn redaction(domain: &Domain, record: u64, reason: &str) -> Result<(Submission, PersonalOp), Error> {
    if !domain.personal.contains_key(&record) {
        return Err(Error::refused_with(
            format!("record {record} names no person: it holds no personal-data commitment"),
            "`ledger show SEQ` shows whether a record names a person",
        ));
    }
    Ok((
        Submission::new(
            personal::STREAM,
            "personal_data_redacted",
            json!({"record": record, "reason": reason}),
            &crate::fresh_id(),
        ),
        PersonalOp::Erase { record },
    ))
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
}

/// The person record `seq` names, if it names one (None otherwise).
pub fn view(ledger: &mut Ledger, seq: u64) -> Result<Option<PersonalView>, Error> {
    let record = ledger.record(seq)?;
    let Some(commitment) = record.envelope.data.get("person").and_then(Value::as_str).map(str::to_owned) else {
        return Ok(None);
    };
    let redacted = ledger.domain()?.personal.get(&seq).and_then(|p| p.redacted.clone());
    let kept = ledger.store().personal(seq)?;
    let (details, salt, opens) = match kept {
        Some((salt, text)) => {
            let details: Option<Value> = serde_json::from_str(&text).ok();
            let opens = details.as_ref().map(|d| personal::commitment(&salt, d).is_ok_and(|c| c == commitment));
            (details, Some(hex::encode(salt)), opens)
        }
        None => (None, None, None),
    };
    Ok(Some(PersonalView { commitment, scheme: personal::SCHEME, details, salt, redacted, opens }))
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
