//! `ledger key ...`: governance events from the command line.

use crate::cli::KeyCommand;
use crate::commands::{append_batch, fresh_id, open_read_only, open_store, read_private, read_public, report_appended};
use crate::output::Out;
use crate::{Outcome, hinted};
use anyhow::{Result, anyhow};
use ledger_core::append::{KernelRules, Submission};
use ledger_core::authority::{Authority, GOVERNANCE_STREAM};
use ledger_core::{KeyId, PublicKey, Timestamp};
use serde_json::{Value, json};
use std::path::Path;

pub fn run(db: &Path, command: KeyCommand, out: &mut Out) -> Result<Outcome> {
    match command {
        KeyCommand::Authorize { key, cosign, public, holder, roles, from, until } => {
            let office = read_public(&public)?;
            let mut data = json!({"key": office.to_hex(), "holder": holder, "roles": roles});
            if let Some(d) = from {
                data["valid_from"] = json!(date(&d, Timestamp::start_of_date)?.to_string());
            }
            if let Some(d) = until {
                data["valid_until"] = json!(date(&d, Timestamp::end_of_date)?.to_string());
            }
            governance(db, &key, &cosign, "key_authorized", data, out)
        }
        KeyCommand::Revoke { key, cosign, key_id, reason, compromised, from_seq } => {
            let store = open_read_only(db)?;
            let authority = store.authority()?.map_err(|e| anyhow!("governance records do not replay: {e}"))?;
            drop(store);
            let target = resolve_key(&authority, &key_id)?;
            let mut data = json!({"key": target.to_hex(), "reason": reason, "compromised": compromised});
            if let Some(s) = from_seq {
                data["from_seq"] = json!(s);
            }
            governance(db, &key, &cosign, "key_revoked", data, out)
        }
        KeyCommand::RotateRoot { key, cosign, new_roots, holder, threshold } => {
            let roots = new_roots
                .iter()
                .map(|p| Ok(json!({"key": read_public(p)?.to_hex(), "holder": holder})))
                .collect::<Result<Vec<Value>>>()?;
            governance(db, &key, &cosign, "root_rotated", json!({"roots": roots, "threshold": threshold}), out)
        }
        KeyCommand::List { json } => list(db, json, out),
        KeyCommand::Vkey(args) => crate::tlog::vkey(args, out),
    }
}

fn date(d: &str, f: fn(&str) -> Result<Timestamp, ledger_core::time::TimeError>) -> Result<Timestamp> {
    f(d).map_err(|_| hinted(format!("{d:?} is not a date"), "write dates as YYYY-MM-DD, e.g. 2027-12-31"))
}

/// Finds a key by key id, public key hex, or .pub file.
fn resolve_key(authority: &Authority, given: &str) -> Result<PublicKey> {
    if let Ok(id) = given.parse::<KeyId>() {
        return authority.key_by_id(&id).map(|k| k.key).ok_or_else(|| {
            hinted(format!("no key with id {id} in this ledger"), "list the keys with `ledger key list`")
        });
    }
    if let Ok(k) = given.parse::<PublicKey>() {
        return Ok(k);
    }
    if Path::new(given).is_file() {
        return read_public(Path::new(given));
    }
    Err(hinted(
        format!("{given:?} is neither a key id, a public key nor a .pub file"),
        "key ids are the 16 hex digits shown by `ledger key list`",
    ))
}

fn governance(
    db: &Path,
    key: &Path,
    cosign: &[std::path::PathBuf],
    event_type: &str,
    data: Value,
    out: &mut Out,
) -> Result<Outcome> {
    let author = read_private(key)?;
    let cosigners = cosign.iter().map(|p| read_private(p)).collect::<Result<Vec<_>>>()?;
    let refs: Vec<_> = cosigners.iter().collect();
    let sub = Submission::new(GOVERNANCE_STREAM, event_type, data, &fresh_id());
    let mut store = open_store(db)?;
    let results = append_batch(&mut store, &[(0, sub)], &author, &refs, &mut KernelRules)?;
    report_appended(out, &results, false)?;
    Ok(Outcome::Ok)
}

fn list(db: &Path, json_out: bool, out: &mut Out) -> Result<Outcome> {
    let store = open_read_only(db)?;
    let authority =
        store.authority()?.map_err(|e| anyhow!("governance records do not replay: {e}; run `ledger verify`"))?;
    let now = Some(Timestamp::now());
    if json_out {
        let keys: Vec<Value> = authority
            .keys()
            .map(|k| {
                let mut v = serde_json::to_value(k).unwrap_or(Value::Null);
                v["status"] = json!(k.status(now));
                v
            })
            .collect();
        out.json(&json!({"threshold": authority.threshold(), "roles": authority.roles(), "keys": keys}))?;
        return Ok(Outcome::Ok);
    }
    out.line(format!("root threshold: {} of {}", authority.threshold(), authority.roots().len()))?;
    let mut keys: Vec<_> = authority.keys().collect();
    keys.sort_by_key(|k| k.history.first().map(|h| h.seq));
    for k in keys {
        let roles = if k.root { "root".to_owned() } else { k.roles.iter().cloned().collect::<Vec<_>>().join(",") };
        let window = match (k.valid_from, k.valid_until) {
            (None, None) => String::new(),
            (f, u) => format!(
                "  valid {} .. {}",
                f.map(|t| t.to_string()).unwrap_or_default(),
                u.map(|t| t.to_string()).unwrap_or_default()
            ),
        };
        out.line(format!("{}  {:<11}  {:<24}  {}{window}", k.key_id, k.status(now), roles, k.holder))?;
        for h in &k.history {
            out.line(format!("    seq {:>6}  {}  {}", h.seq, h.time, h.event))?;
        }
    }
    Ok(Outcome::Ok)
}
