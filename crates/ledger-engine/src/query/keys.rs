//! Every key the ledger has known, with its status now (`ledger key
//! list`), and the key a name, id or role points to.

use crate::{Error, Ledger};
use ledger_core::authority::KeyInfo;
use serde::Serialize;

impl Ledger {
    /// Every key the ledger has known, with its status now (`ledger key list`).
    pub fn keys(&self) -> Result<KeyList, Error> {
        let authority = self.authority()?;
        let now = Some(self.clock().now());
        let mut keys: Vec<KeyRow> =
            authority.keys().map(|k| KeyRow { info: k.clone(), status: k.status(now).to_owned() }).collect();
        keys.sort_by_key(|k| k.info.history.first().map(|h| h.seq));
        Ok(KeyList {
            threshold: authority.threshold(),
            roots: authority.roots().len(),
            roles: authority.roles().clone(),
            keys,
        })
    }
}

/// A key and its status now.
#[derive(Debug, Clone, Serialize)]
pub struct KeyRow {
    /// What the ledger knows of it.
    #[serde(flatten)]
    pub info: KeyInfo,
    /// `root`, `active`, `expired`, `revoked`, `compromised`, `former root`.
    pub status: String,
}

/// Every key the ledger has known.
#[derive(Debug, Clone, Serialize)]
pub struct KeyList {
    /// Root signatures governance events need.
    pub threshold: u32,
    /// Current root keys.
    #[serde(skip)]
    pub roots: usize,
    /// The role table.
    pub roles: ledger_core::authority::RoleTable,
    /// The keys, in the order the ledger met them.
    pub keys: Vec<KeyRow>,
}

impl KeyList {
    /// The key `query` names: its 16-digit key id, its 64-digit public key,
    /// a role only one active key holds, or its holder (the whole name, or
    /// a part only one holder has), case-insensitive. Several keys of one
    /// holder: the active one, else the latest.
    pub fn find(&self, query: &str) -> Result<&KeyRow, Error> {
        let q = query.trim().to_lowercase();
        if let Some(row) = self.keys.iter().find(|k| k.info.key_id.to_string() == q || k.info.key.to_hex() == q) {
            return Ok(row);
        }
        let with_role: Vec<&KeyRow> =
            self.keys.iter().filter(|k| k.status == "active" && k.info.roles.contains(&q)).collect();
        match with_role.as_slice() {
            [one] => return Ok(one),
            [] => {}
            several => {
                return Err(Error::refused_with(
                    format!("{} active keys hold the role {q:?}", several.len()),
                    crate::Remedy::FixInput { input: crate::Input::Key },
                ));
            }
        }
        let exact: Vec<&KeyRow> = self.keys.iter().filter(|k| k.info.holder.to_lowercase() == q).collect();
        let matching: Vec<&KeyRow> = if exact.is_empty() {
            self.keys.iter().filter(|k| k.info.holder.to_lowercase().contains(&q)).collect()
        } else {
            exact
        };
        let holders: std::collections::BTreeSet<&str> = matching.iter().map(|k| k.info.holder.as_str()).collect();
        match holders.len() {
            0 => Err(Error::refused_with(
                format!("no key of this ledger is {query:?}"),
                crate::Remedy::FixInput { input: crate::Input::Key },
            )),
            1 => Ok(matching
                .iter()
                .rev()
                .find(|k| k.status == "active" || k.status == "root")
                .unwrap_or(&matching[matching.len() - 1])),
            _ => Err(Error::refused_with(
                format!("{query:?} names several holders: {}", holders.into_iter().collect::<Vec<_>>().join(", ")),
                crate::Remedy::FixInput { input: crate::Input::Key },
            )),
        }
    }
}
