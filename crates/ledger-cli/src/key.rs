//! `ledger key ...`: key pairs, and the governance events that say who may
//! sign what (authorise, bind, revoke, rotate the root), the keys the
//! ledger knows and their verifier keys.

use crate::ctx::{Ctx, Out, Outcome, hinted, now, read_private, read_public, report};
use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use ledger_engine::governance;
use ledger_engine::{Ledger, Signer};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Keys and authority: generate a key pair, authorise, bind, revoke, rotate the root, list, export.
    #[command(
        subcommand,
        after_help = "Examples:
  ledger key generate --prefix keys/statistics
  ledger key authorize --key keys/root.key --pub keys/statistics.pub --holder \"济南市统计局\" --role statistics
  ledger --db ledger/demo/ledger.db key list"
    )]
    Key(KeyCommand),
}

/// Which kind of signed-note verifier key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VkeyKind {
    /// A log key (Ed25519, type 0x01): checkpoints.
    Log,
    /// A witness key (cosignature/v1, type 0x04): cosignatures.
    Witness,
}

/// What `key export` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyFormat {
    /// A public key file (PEM).
    Pem,
    /// A signed-note verifier key (<name>+<key id>+<base64>).
    Vkey,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a key pair: PREFIX.key (private, PKCS#8 PEM, mode 0600) and PREFIX.pub.
    #[command(after_help = "Examples:
  ledger key generate --prefix keys/statistics     # keys/statistics.key (0600, never committed) and keys/statistics.pub
  ledger key generate --prefix keys/root")]
    Generate {
        /// The two files' path without extension, e.g. keys/statistics.
        #[arg(long, value_name = "PATH")]
        prefix: PathBuf,
    },
    /// Authorise an office key for roles (a root action).
    #[command(after_help = "Examples:
  ledger key authorize --key keys/root.key --pub keys/statistics.pub --holder \"济南市统计局\" --role statistics
  ledger key authorize --key keys/root.key --pub keys/shanghe.pub --holder \"商河县\" --role unit \\
      --unit 商河县 --authority keys/authority.key      # speaks for Shanghe only
  ledger key authorize --key keys/root.key --pub keys/inspector.pub --holder \"济南市审计局\" --role inspector \\
      --since 2023-01-01 --until 2023-12-31")]
    Authorize {
        /// Root private key (the author).
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// Further root private keys, when the root threshold is above 1.
        #[arg(long = "cosign", value_name = "KEY")]
        cosign: Vec<PathBuf>,
        /// The office's public key file.
        #[arg(long = "pub", value_name = "PUB")]
        public: PathBuf,
        /// The office holding the key, e.g. "Jinan Statistics Bureau".
        #[arg(long)]
        holder: String,
        /// A role (repeat for several): statistics, assessment, authority, unit, inspector, ...
        #[arg(long = "role", value_name = "ROLE", required = true)]
        roles: Vec<String>,
        /// First day the key may sign (YYYY-MM-DD in the ledger's time zone, or an RFC 3339 time).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Last day the key may sign (YYYY-MM-DD: to the end of that day in the ledger's time zone).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// With --role unit: the unit the key speaks for (id or name); it may then file objections and rectifications for that unit only. Needs --authority.
        #[arg(long, requires = "authority")]
        unit: Option<String>,
        /// With --unit: the city authority office's private key, which records the binding (unit_key_bound).
        #[arg(long, value_name = "KEY", requires = "unit")]
        authority: Option<PathBuf>,
    },
    /// Bind a unit's key to the unit it speaks for (the authority office): objections and rectifications for that unit only.
    #[command(after_help = "Examples:
  ledger key bind --key keys/authority.key --pub keys/shanghe.pub --unit 商河县")]
    Bind {
        /// The city authority office's private key.
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// The unit's public key file.
        #[arg(long = "pub", value_name = "PUB")]
        public: PathBuf,
        /// The unit (id or name).
        #[arg(long)]
        unit: String,
    },
    /// Revoke an office key (a root action).
    #[command(after_help = "Examples:
  ledger key revoke keys/statistics.pub --reason \"staff change\" --key keys/root.key
  ledger key revoke 1a2b3c4d5e6f7a8b --reason \"laptop stolen\" --compromised --since 1234 --key keys/root.key")]
    Revoke {
        /// Root private key (the author).
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// Further root private keys, when the root threshold is above 1.
        #[arg(long = "cosign", value_name = "KEY")]
        cosign: Vec<PathBuf>,
        /// The key: its 16-digit key id, its 64-digit public key, or its .pub file.
        key_id: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The private key is (or may be) in other hands: its events from --since on are invalid.
        #[arg(long, requires = "since")]
        compromised: bool,
        /// With --compromised: the first sequence number not to trust.
        #[arg(long, value_name = "SEQ", requires = "compromised")]
        since: Option<u64>,
    },
    /// Replace the root keys: signed by the old threshold of old roots and the new threshold of new roots.
    #[command(after_help = "Examples:
  ledger key rotate-root --key keys/root.key --new-root keys/root-2024.pub --cosign keys/root-2024.key
  ledger key rotate-root --key keys/root.key --new-root keys/root-a.pub --new-root keys/root-b.pub \\
      --cosign keys/root-a.key --cosign keys/root-b.key --threshold 2")]
    RotateRoot {
        /// An old root private key (the author).
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// Further signing keys: old roots up to the old threshold, and new roots up to the new threshold.
        #[arg(long = "cosign", value_name = "KEY")]
        cosign: Vec<PathBuf>,
        /// A new root public key (repeat for each).
        #[arg(long = "new-root", value_name = "PUB", required = true)]
        new_roots: Vec<PathBuf>,
        /// Holder of the new root keys.
        #[arg(long, default_value = "City root of trust")]
        holder: String,
        /// Root signatures needed on governance events from now on.
        #[arg(long, default_value_t = 1, value_name = "N")]
        threshold: u32,
    },
    /// List every key the ledger has known: holder, roles, status, history.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db key list
  ledger key list --json")]
    List {
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print a public key file as a signed-note verifier key (<name>+<key id>+<base64>).
    #[command(after_help = "Examples:
  ledger key vkey ledger/demo/keys/log.pub --name demo.jinan.example/assessment-ledger > log.vkey
  ledger key vkey keys/inspector.pub --name inspector.example/witness --kind witness > inspector.vkey")]
    Vkey {
        /// The public key file (.pub).
        #[arg(value_name = "PUB")]
        public: PathBuf,
        /// The verifier key's name: the ledger's origin for the log key, the witness's name for a witness key.
        #[arg(long)]
        name: String,
        /// Which kind of verifier key.
        #[arg(long, value_enum, default_value_t = VkeyKind::Log)]
        kind: VkeyKind,
    },
    /// Print a key the ledger knows (any office's, a root's, the log's), read from the ledger: a public key file (PEM), or its verifier key.
    #[command(
        after_help = "Examples:\n  ledger key export statistics > statistics.pub           # by role, holder or key id: a PEM public key file\n  ledger key export log --format vkey > log.vkey           # the log's verifier key, named by the origin\n  ledger key export 统计局 --json                           # both, with holder, roles and status"
    )]
    Export {
        /// The key: its 16-digit key id, its 64-digit public key, a role only one active key holds (`log`, `statistics`...), or its holder (or a part of the name only one holder has).
        key: String,
        /// The verifier key's name (default: the ledger's origin, as for the log key).
        #[arg(long)]
        name: Option<String>,
        /// Which kind of verifier key.
        #[arg(long, value_enum, default_value_t = VkeyKind::Log)]
        kind: VkeyKind,
        /// What to print.
        #[arg(long, value_enum, default_value_t = KeyFormat::Pem, conflicts_with = "json")]
        format: KeyFormat,
        /// One JSON object on stdout: the PEM and the verifier key, with holder, roles and status.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Ctx, Command::Key(command): Command, out: &mut Out) -> Result<Outcome> {
    match command {
        KeyCommand::Generate { prefix } => generate(&prefix, out),
        KeyCommand::Authorize { key, cosign, public, holder, roles, since, until, unit, authority } => {
            let office = read_public(&public)?;
            let zone = ctx.open_read_only()?.time_zone()?;
            let data = governance::authorization(&office, &holder, &roles, since.as_deref(), until.as_deref(), &zone)?;
            let outcome = govern(ctx, &key, &cosign, "key_authorized", data, out)?;
            match (unit, authority) {
                (Some(unit), Some(authority)) => bind(ctx, &authority, &office, &unit, out),
                _ => Ok(outcome),
            }
        }
        KeyCommand::Bind { key, public, unit } => bind(ctx, &key, &read_public(&public)?, &unit, out),
        KeyCommand::Revoke { key, cosign, key_id, reason, compromised: _, since } => {
            let authority = ctx.open_read_only()?.authority()?;
            let target = governance::resolve_key(&authority, &key_id)?;
            govern(ctx, &key, &cosign, "key_revoked", governance::revocation(&target, &reason, since), out)
        }
        KeyCommand::RotateRoot { key, cosign, new_roots, holder, threshold } => {
            let roots = new_roots.iter().map(|p| read_public(p)).collect::<Result<Vec<_>>>()?;
            govern(ctx, &key, &cosign, "root_rotated", governance::rotation(&roots, &holder, threshold), out)
        }
        KeyCommand::List { json } => list(ctx, json, out),
        KeyCommand::Vkey { public, name, kind } => {
            let public = read_public(&public)?;
            out.line(ledger_engine::tlog::vkey(&public, &name, kind == VkeyKind::Witness)?.to_string())?;
            Ok(Outcome::Ok)
        }
        KeyCommand::Export { key, name, kind, format, json } => {
            export(ctx, &key, name.as_deref(), kind == VkeyKind::Witness, format == KeyFormat::Vkey, json, out)
        }
    }
}

fn generate(base: &Path, out: &mut Out) -> Result<Outcome> {
    if base.extension().is_some_and(|e| e == "key" || e == "pub") {
        return Err(hinted(
            format!("--prefix {} has an extension", base.display()),
            "give the path without .key/.pub, e.g. --prefix keys/statistics",
        ));
    }
    let (public, paths) = ledger_keyfile::generate(base)?;
    out.line(format!("key id {}", public.key_id()))?;
    out.line(format!("private key: {} (mode 0600; keep it secret, never commit it)", paths.private.display()))?;
    out.line(format!("public key:  {}", paths.public.display()))?;
    Ok(Outcome::Ok)
}

fn govern(ctx: &Ctx, key: &Path, cosign: &[PathBuf], event_type: &str, data: Value, out: &mut Out) -> Result<Outcome> {
    let author = read_private(key)?;
    let cosigners = cosign.iter().map(|p| read_private(p)).collect::<Result<Vec<_>>>()?;
    let refs: Vec<_> = cosigners.iter().collect();
    let mut ledger: Ledger = ctx.open()?;
    let appended = ledger.govern(event_type, data, Signer { author: &author, cosigners: &refs }, now()?);
    ctx.warnings(&mut ledger);
    report(&ledger, &[appended?], false, out)?;
    Ok(Outcome::Ok)
}

fn bind(ctx: &Ctx, authority: &Path, office: &ledger_core::PublicKey, unit: &str, out: &mut Out) -> Result<Outcome> {
    let author = read_private(authority)?;
    let mut ledger = ctx.open()?;
    let sub = governance::binding(ledger.domain()?, office, unit)?;
    let result = ledger.append(&[(0, sub)], Signer::new(&author), now()?);
    ctx.warnings(&mut ledger);
    report(&ledger, &result?, false, out)?;
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
    let origin = ledger.head()?.origin;
    let vkey = ledger_engine::tlog::vkey(&row.info.key, name.unwrap_or(&origin), witness)?.to_string();
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
