//! The chain as it stands when a report is made: its origin, the
//! verification a view found, the roots of trust and the latest checkpoint
//! recorded with its signatures.

use crate::view::Checked;
use crate::{Error, Ledger};
use ledger_core::Timestamp;
use ledger_core::authority::Authority;
use ledger_model::{ChainStatus, CheckpointRow, NoteSignatureRow, RootRow};
use std::collections::BTreeSet;

impl Ledger {
    /// The chain as it stands, with the verification a view found.
    pub fn chain_status(&self, checked: &Checked) -> Result<ChainStatus, Error> {
        let origin = self.store().head()?.origin;
        let authority = self.authority().ok();
        let roots = authority
            .as_ref()
            .map(|a| {
                a.roots()
                    .iter()
                    .map(|k| RootRow {
                        key_id: k.key_id().to_string(),
                        holder: a.key(k).map(|i| i.holder.clone()).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (checkpoint, checkpoint_problem) = match self.latest_checkpoint(authority.as_ref(), &origin) {
            Ok(c) => (c, None),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok(ChainStatus { origin, verification: checked.clone(), roots, checkpoint, checkpoint_problem })
    }

    fn latest_checkpoint(&self, authority: Option<&Authority>, origin: &str) -> Result<Option<CheckpointRow>, Error> {
        let Some(record) = self.store().last_of_type(ledger_tlog::event::CHECKPOINT_TYPE)? else { return Ok(None) };
        let authority = authority.ok_or_else(|| Error::refused("the governance records do not replay"))?;
        let keys = crate::tlog::ledger_log_keys(authority, origin)?;
        let Some(signed) = crate::tlog::latest_recorded(self.store(), &keys)? else { return Ok(None) };
        let log_ids: BTreeSet<u32> = keys.iter().map(ledger_tlog::Verifier::key_id).collect();
        let note = ledger_tlog::Note::parse(signed.text.as_bytes()).map_err(|e| Error::refused(e.to_string()))?;
        let signatures = note
            .signatures()
            .iter()
            .map(|sig| {
                let stamp = ledger_tlog::cosignature_timestamp(sig);
                let kind = if log_ids.contains(&sig.key_id) && sig.name == signed.checkpoint.origin {
                    "log"
                } else if stamp.is_some() {
                    "cosignature"
                } else {
                    "other"
                };
                NoteSignatureRow {
                    name: sig.name.clone(),
                    key_id: format!("{:08x}", sig.key_id),
                    kind: kind.to_owned(),
                    time: stamp
                        .filter(|_| kind == "cosignature")
                        .and_then(|t| i64::try_from(t).ok())
                        .and_then(Timestamp::from_unix)
                        .map(|t| t.to_string()),
                }
            })
            .collect();
        Ok(Some(CheckpointRow {
            seq: record.seq,
            time: record.envelope.time.to_string(),
            origin: signed.checkpoint.origin.clone(),
            size: signed.checkpoint.size,
            root: crate::tlog::b64(&signed.checkpoint.root),
            signatures,
        }))
    }
}
