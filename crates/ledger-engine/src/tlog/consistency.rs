//! Consistency proofs: from a signed checkpoint to a newer one or to the
//! ledger's current size (`Ledger::consistency`), and the tlog-witness
//! `add-checkpoint` body they are written as.

use crate::{Error, Ledger};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ledger_tlog::{Checkpoint, Hash, verify_consistency};
use serde::Serialize;
use std::path::Path;

use super::checkpoint::{Problem, against_ledger, latest_recorded, open_signed_file};
use super::keys::{b64, log_keys, tree_error};

/// A consistency proof from a signed checkpoint to a newer one, or to the
/// ledger's current size.
#[derive(Debug, Clone, Serialize)]
pub struct ConsistencyProof {
    /// The older tree size.
    pub old_size: u64,
    /// Its root (base64).
    pub old_root: String,
    /// The newer tree size.
    pub new_size: u64,
    /// Its root (base64).
    pub new_root: String,
    /// Whether the newer tree head is a signed checkpoint.
    pub new_signed: bool,
    /// The proof hashes (base64).
    pub proof: Vec<String>,
    /// The newer checkpoint (signed) or tree head (unsigned) text.
    #[serde(skip)]
    pub new_text: String,
}

impl ConsistencyProof {
    /// The body of a C2SP tlog-witness `add-checkpoint` request.
    pub fn body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for h in &self.proof {
            body.push_str(h);
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.new_text);
        body
    }
}

/// What a consistency request came to.
#[derive(Debug, Clone)]
pub enum Consistency {
    /// The proof.
    Proof(ConsistencyProof),
    /// The checkpoints do not describe this ledger, or each other.
    Inconsistent(Vec<Problem>),
}

/// Where a consistency proof goes to.
#[derive(Debug, Clone, Copy)]
pub enum ConsistencyTarget<'a> {
    /// A signed checkpoint in a file.
    File(&'a Path),
    /// The latest checkpoint recorded in the ledger.
    Latest,
    /// The ledger's current size (an unsigned tree head).
    Current,
}

impl Ledger {
    /// A consistency proof from the checkpoint in `from` to `to`.
    pub fn consistency(
        &self,
        from: &Path,
        to: ConsistencyTarget<'_>,
        vkey: Option<&str>,
    ) -> Result<Consistency, Error> {
        let store = self.store();
        let tree = store.tree();
        let records = tree.current_size().map_err(tree_error)?;
        let keys = log_keys(vkey, Some(self))?;
        let old = open_signed_file(from, &keys)?;
        let new = match to {
            ConsistencyTarget::File(path) => Some(open_signed_file(path, &keys)?),
            ConsistencyTarget::Latest => Some(latest_recorded(store, &keys)?.ok_or_else(|| {
                Error::refused_with(
                    "the ledger holds no signed checkpoint yet",
                    crate::Remedy::SignCheckpoint { newer: false },
                )
            })?),
            ConsistencyTarget::Current => None,
        };
        let (new_size, new_source) = match &new {
            Some(n) => (n.size(), n.source.clone()),
            None => (records, "the ledger's current size".to_owned()),
        };
        if old.size() > new_size && new.is_some() {
            return Err(Error::refused_with(
                format!(
                    "the older checkpoint describes {} records, more than the {new_size} of {new_source}",
                    old.size()
                ),
                crate::Remedy::FixInput { input: crate::Input::OlderCheckpoint },
            ));
        }
        let mut problems = Vec::new();
        for s in std::iter::once(&old).chain(new.as_ref()) {
            if let Err(why) = against_ledger(&tree, records, &s.checkpoint)? {
                problems.push(Problem::consistency(s.size().min(records), format!("{}: {why}", s.source), &[s]));
            }
        }
        if let Some(n) = &new
            && old.size() == n.size()
            && old.checkpoint.root != n.checkpoint.root
        {
            problems.push(Problem::consistency(
                old.size(),
                "two checkpoints of the same size with different roots: the log forked".into(),
                &[&old, n],
            ));
        }
        if !problems.is_empty() {
            problems.dedup_by(|a, b| a.message == b.message);
            return Ok(Consistency::Inconsistent(problems));
        }
        let (new_root, new_text) = match &new {
            Some(n) => (n.checkpoint.root, n.text.clone()),
            None => {
                let root = tree.root(records)?;
                let text = Checkpoint::new(store.head()?.origin, records, root)
                    .encode()
                    .map_err(|e| Error::refused(e.to_string()))?;
                (root, text)
            }
        };
        let proof = tree.consistency_proof(old.size(), new_size)?;
        verify_consistency(old.size(), &old.checkpoint.root, new_size, &new_root, &proof).map_err(|e| {
            Error::refused_with(
                format!("the stored Merkle tree gives a consistency proof that does not verify: {e}"),
                crate::Remedy::Verify { seq: None },
            )
        })?;
        Ok(Consistency::Proof(ConsistencyProof {
            old_size: old.size(),
            old_root: b64(&old.checkpoint.root),
            new_size,
            new_root: b64(&new_root),
            new_signed: new.is_some(),
            proof: proof.iter().map(b64).collect(),
            new_text,
        }))
    }
}

/// A tlog-witness `add-checkpoint` body: `old <size>`, proof lines, a blank
/// line, the checkpoint.
pub fn parse_consistency_file(bytes: &[u8], source: &str) -> Result<(u64, Vec<Hash>, String), Error> {
    let bad = |why: &str| {
        Error::refused_with(
            format!("{source} is not a consistency proof: {why}"),
            crate::Remedy::FixInput { input: crate::Input::ConsistencyProof },
        )
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text"))?;
    let (head, checkpoint) = text.split_once("\n\n").ok_or_else(|| bad("no blank line before the checkpoint"))?;
    let mut lines = head.split('\n');
    let old = lines
        .next()
        .and_then(|l| l.strip_prefix("old "))
        .filter(|n| *n == "0" || !n.starts_with('0'))
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| bad("the first line is not `old <size>`"))?;
    let mut proof = Vec::new();
    for (i, line) in lines.enumerate() {
        let hash = BASE64
            .decode(line)
            .ok()
            .and_then(|b| Hash::try_from(b.as_slice()).ok())
            .ok_or_else(|| bad(&format!("line {} is not the base64 of a 32-byte hash", i + 2)))?;
        proof.push(hash);
    }
    if proof.len() > 63 {
        return Err(bad("more than 63 proof lines"));
    }
    Ok((old, proof, checkpoint.to_owned()))
}
