//! `ledger key ...`: governance events from the command line.

use crate::Outcome;
use crate::cli::KeyCommand;
use crate::commands::{Ctx, read_private, read_public};
use crate::output::Out;
use anyhow::Result;
use ledger_node::governance;
use ledger_node::{Ledger, Signer};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn run(ctx: &Ctx, command: KeyCommand, out: &mut Out) -> Result<Outcome> {
    match command {
        KeyCommand::Authorize { key, cosign, public, holder, roles, from, until, unit, authority } => {
            let office = read_public(&public)?;
            let zone = ctx.open_read_only()?.time_zone()?;
            let data = governance::authorization(&office, &holder, &roles, from.as_deref(), until.as_deref(), &zone)?;
            let outcome = govern(ctx, &key, &cosign, "key_authorized", data, out)?;
            match (unit, authority) {
                (Some(unit), Some(authority)) => bind(ctx, &authority, &office, &unit, out),
                _ => Ok(outcome),
            }
        }
        KeyCommand::Bind { key, public, unit } => bind(ctx, &key, &read_public(&public)?, &unit, out),
        KeyCommand::Revoke { key, cosign, key_id, reason, compromised: _, from_seq } => {
            let authority = ctx.open_read_only()?.authority()?;
            let target = governance::resolve_key(&authority, &key_id)?;
            govern(ctx, &key, &cosign, "key_revoked", governance::revocation(&target, &reason, from_seq), out)
        }
        KeyCommand::RotateRoot { key, cosign, new_roots, holder, threshold } => {
            let roots = new_roots.iter().map(|p| read_public(p)).collect::<Result<Vec<_>>>()?;
            govern(ctx, &key, &cosign, "root_rotated", governance::rotation(&roots, &holder, threshold), out)
        }
        KeyCommand::List { json } => list(ctx, json, out),
        KeyCommand::Vkey(args) => crate::tlog::vkey(args, out),
        KeyCommand::Export { key, name, witness, vkey, json } => {
            export(ctx, &key, name.as_deref(), witness, vkey, json, out)
        }
    }
}

fn govern(ctx: &Ctx, key: &Path, cosign: &[PathBuf], event_type: &str, data: Value, out: &mut Out) -> Result<Outcome> {
    let author = read_private(key)?;
    let cosigners = cosign.iter().map(|p| read_private(p)).collect::<Result<Vec<_>>>()?;
    let refs: Vec<_> = cosigners.iter().collect();
    let mut ledger: Ledger = ctx.open()?;
    let appended = ledger.govern(event_type, data, Signer { author: &author, cosigners: &refs }, crate::now()?);
    ctx.warnings(&mut ledger);
    crate::office::report(&ledger, &[appended?], false, out)?;
    Ok(Outcome::Ok)
}

fn bind(ctx: &Ctx, authority: &Path, office: &ledger_core::PublicKey, unit: &str, out: &mut Out) -> Result<Outcome> {
    let author = read_private(authority)?;
    let mut ledger = ctx.open()?;
    let sub = governance::binding(ledger.domain()?, office, unit)?;
    let result = ledger.append(&[(0, sub)], Signer::new(&author), crate::now()?);
    ctx.warnings(&mut ledger);
    crate::office::report(&ledger, &result?, false, out)?;
    Ok(Outcome::Ok)
}

fn export(
    ctx: &Ctx,
    query: &str,
    name: Option<&str>,
    witness: bool,
    vkey_only: bool,
    json_out: bool,
    out: &mut Out,
) -> Result<Outcome> {
    let ledger = ctx.open_read_only()?;
    let list = ledger.keys()?;
    let row = list.find(query)?;
    let origin = ledger.store().head()?.origin;
    let vkey = ledger_node::tlog::vkey(&row.info.key, name.unwrap_or(&origin), witness)?.to_string();
    let pem = ledger_keyfile::public_pem(&row.info.key);
    if json_out {
        out.json(&serde_json::json!({
            "key_id": row.info.key_id.to_string(),
            "key": row.info.key.to_hex(),
            "holder": row.info.holder,
            "status": row.status,
            "roles": row.info.roles,
            "pem": pem,
            "vkey": vkey,
        }))?;
    } else if vkey_only {
        out.line(vkey)?;
    } else {
        out.line(pem.trim_end())?;
    }
    Ok(Outcome::Ok)
}

fn list(ctx: &Ctx, json_out: bool, out: &mut Out) -> Result<Outcome> {
    let list = ctx.open_read_only()?.keys()?;
    if json_out {
        out.json(&serde_json::to_value(&list)?)?;
        return Ok(Outcome::Ok);
    }
    out.line(format!("root threshold: {} of {}", list.threshold, list.roots))?;
    for k in &list.keys {
        let info = &k.info;
        let roles =
            if info.root { "root".to_owned() } else { info.roles.iter().cloned().collect::<Vec<_>>().join(",") };
        let window = match (info.valid_from, info.valid_until) {
            (None, None) => String::new(),
            (f, u) => format!(
                "  valid {} .. {}",
                f.map(|t| t.to_string()).unwrap_or_default(),
                u.map(|t| t.to_string()).unwrap_or_default()
            ),
        };
        out.line(format!("{}  {:<11}  {:<24}  {}{window}", info.key_id, k.status, roles, info.holder))?;
        for h in &info.history {
            out.line(format!("    seq {:>6}  {}  {}", h.seq, h.time, h.event))?;
        }
    }
    Ok(Outcome::Ok)
}
