//! The keys of the log and of its witnesses (verifier keys given as text
//! or files, the log keys a ledger authorises), and the small helpers the
//! other parts share: hashes in base64, files written atomically, a tree
//! out of step with the records explained.

use crate::{Error, Ledger, files};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ledger_core::PublicKey;
use ledger_core::authority::Authority;
use ledger_store::{StoreError, TreeFault};
use ledger_tlog::{Hash, KeyType, Verifier};
use std::path::Path;

use super::CHECKPOINT_TYPE;

/// Base64, as checkpoints write hashes.
pub fn b64(hash: &Hash) -> String {
    BASE64.encode(hash)
}

/// Writes a file whole or not at all (a temporary file renamed over it).
pub fn write_atomically(path: &Path, contents: &str) -> Result<(), Error> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, contents).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| Error::refused(format!("writing {}: {e}", path.display())))
}

/// A verifier key given as text, or the name of a file holding one.
/// Nothing read from a file is quoted in an error: the file could be a
/// private key given by mistake (refused as such by [`files::read`]).
pub fn parse_vkey(arg: &str, input: crate::Input) -> Result<Verifier, Error> {
    let option = input.noun();
    let parsed = Verifier::parse(arg.trim());
    if let Ok(v) = parsed {
        return Ok(v);
    }
    let path = Path::new(arg);
    if path.exists() {
        let bytes = files::read(path, files::VKEY)
            .map_err(|e| Error::refused_with(format!("{option}: {e}"), crate::Remedy::FixInput { input }))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            Error::refused_with(
                format!("{option} {}: not a verifier key: the file is not text", path.display()),
                crate::Remedy::FixInput { input },
            )
        })?;
        if text.contains("-----BEGIN PUBLIC KEY-----") {
            return Err(Error::refused_with(
                format!("{option} {}: this is a public key file (PEM), not a verifier key", path.display()),
                crate::Remedy::FixInput { input },
            ));
        }
        return Verifier::parse(text.trim()).map_err(|e| {
            Error::refused_with(
                format!("{option} {}: not a verifier key: {e}", path.display()),
                crate::Remedy::FixInput { input },
            )
        });
    }
    let e = parsed.err().map(|e| e.to_string()).unwrap_or_default();
    Err(Error::refused_with(
        format!("{option} given is neither a verifier key nor a file: {e}"),
        crate::Remedy::FixInput { input },
    ))
}

/// A witness's verifier key (cosignature/v1), given as text or a file.
pub fn parse_witness_vkey(arg: &str) -> Result<Verifier, Error> {
    let v = parse_vkey(arg, crate::Input::WitnessVkey)?;
    if v.key_type() != KeyType::CosignatureV1 {
        return Err(Error::refused_with(
            format!("the witness's verifier key {v} is not a witness (cosignature/v1) key"),
            crate::Remedy::FixInput { input: crate::Input::WitnessVkey },
        ));
    }
    Ok(v)
}

/// Explains a tree that does not cover the records.
pub fn tree_error(e: StoreError) -> Error {
    match e {
        StoreError::Tree(TreeFault::OutOfStep { tree, records }) if tree < records => Error::refused_with(
            format!(
                "the ledger's Merkle tree covers {tree} of its {records} records: records were written past the ledger's own writer, or the tree table was damaged"
            ),
            crate::Remedy::RebuildTree,
        ),
        StoreError::Tree(TreeFault::OutOfStep { tree, records }) => Error::refused_with(
            format!(
                "the ledger's Merkle tree covers {tree} records but the ledger holds only {records}: records were removed"
            ),
            crate::Remedy::VerifyAgainstCheckpoint,
        ),
        other => other.into(),
    }
}

/// The log keys the ledger authorises: office keys holding a role that may
/// sign `checkpoint_signed`, not revoked as compromised (retired keys still
/// vouch for what they signed before). Each is named `origin`.
pub fn ledger_log_keys(authority: &Authority, origin: &str) -> Result<Vec<Verifier>, Error> {
    let roles: Vec<&String> =
        authority.roles().iter().filter(|(_, types)| types.contains(CHECKPOINT_TYPE)).map(|(r, _)| r).collect();
    let keys: Vec<Verifier> = authority
        .keys()
        .filter(|k| !k.root && k.roles.iter().any(|r| roles.contains(&r)))
        .filter(|k| k.revoked.as_ref().is_none_or(|r| r.compromised_from.is_none()))
        .filter_map(|k| Verifier::new(origin, KeyType::Ed25519, *k.key.verifying_key()).ok())
        .collect();
    if keys.is_empty() {
        return Err(Error::refused_with(
            "the ledger authorises no log key (role `log`), so no checkpoint of it can be checked",
            crate::Remedy::GiveInput { input: crate::Input::LogVkey },
        ));
    }
    Ok(keys)
}

/// The log keys: `vkey` if given, else the ones the ledger authorises.
pub fn log_keys(vkey: Option<&str>, ledger: Option<&Ledger>) -> Result<Vec<Verifier>, Error> {
    if let Some(v) = vkey {
        let v = parse_vkey(v, crate::Input::LogVkey)?;
        if v.key_type() != KeyType::Ed25519 {
            return Err(Error::refused_with(
                format!("the log's verifier key {v} is a witness (cosignature/v1) key, not a log key"),
                crate::Remedy::FixInput { input: crate::Input::LogVkey },
            ));
        }
        return Ok(vec![v]);
    }
    let Some(ledger) = ledger else {
        return Err(Error::refused_with(
            "no log key to check the checkpoint with",
            crate::Remedy::GiveInput { input: crate::Input::LogVkey },
        ));
    };
    let store = ledger.store();
    let origin = store.head()?.origin;
    let authority = store.authority()?.map_err(|e| {
        Error::refused_with(
            format!("the ledger's governance records do not replay ({e})"),
            crate::Remedy::Verify { seq: None },
        )
    })?;
    ledger_log_keys(&authority, &origin)
}

/// A public key as a signed-note verifier key named `name`: a log key
/// (Ed25519) or a witness key (cosignature/v1).
pub fn vkey(public: &PublicKey, name: &str, witness: bool) -> Result<Verifier, Error> {
    let key_type = if witness { KeyType::CosignatureV1 } else { KeyType::Ed25519 };
    Verifier::new(name, key_type, *public.verifying_key()).map_err(|e| {
        Error::refused_with(format!("key name {name:?}: {e}"), crate::Remedy::FixInput { input: crate::Input::KeyName })
    })
}
