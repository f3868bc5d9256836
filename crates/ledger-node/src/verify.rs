//! The full verification of a ledger file: every record from genesis, in
//! one streaming pass, never trusting anything derived.
//!
//! In the order of `docs/FORMAT.md` section 10:
//!
//! 1. the kernel checks of every record (`ledger_core::verify`), hashes and
//!    signatures in parallel per chunk;
//! 2. every recorded checkpoint against the Merkle root of the records
//!    before it, recomputed here (`consistency`);
//! 3. the domain replay of the records that pass, folded as they stream
//!    by: a published or finalised projection hash the events do not give
//!    is an `attestation` finding;
//! 4. the file: SQLite's own structure check (`integrity`), the stored
//!    Merkle tree against the one recomputed from the records, node by node,
//!    and every other count of the records the file holds (`tree`).
//!
//! Memory stays flat in the number of records: records are read in chunks
//! and dropped once folded (the kernel verifier keeps a digest per event id
//! and the replay keeps the domain state, nothing more).

use crate::Error;
use ledger_core::verify::{Check, Finding, Options, Report, Verifier};
use ledger_core::{Hash, Record};
use ledger_domain::{AsOf, Replay};
use ledger_store::{Frontier, Store, TreeCheck};
use ledger_tlog::event::{CHECKPOINT_TYPE, check_recorded_checkpoint};
use std::collections::BTreeSet;

/// Records read per chunk.
pub(crate) const CHUNK: usize = 4096;

/// What a full verification found.
#[derive(Debug)]
pub struct Verification {
    /// Every finding, in sequence order: the kernel checks, recorded
    /// checkpoints, attestations, and the checks of the file.
    pub report: Report,
    /// The replay of the records that passed, to the end. Its anomalies
    /// include events the domain rules refuse (not evidence of tampering:
    /// a ledger written by other software, say).
    pub replay: Replay,
}

/// Whether the domain replay folds this record.
pub fn is_domain_record(r: &Record) -> bool {
    ledger_domain::events::TYPES.iter().any(|(t, _)| *t == r.envelope.event_type && *t != CHECKPOINT_TYPE)
}

/// The Merkle tree recomputed from the records, checked against the stored
/// one as long as the stored one can be read.
struct TreeWalk<'s> {
    frontier: Frontier,
    stored: Option<TreeCheck<'s>>,
    /// The first divergence between the stored tree and the records.
    finding: Option<Finding>,
}

impl<'s> TreeWalk<'s> {
    /// Reading the stored tree fails only on a damaged or missing table:
    /// that is a `tree` finding, never a reason not to verify the records.
    fn new(store: &'s Store) -> TreeWalk<'s> {
        let mut walk = TreeWalk { frontier: Frontier::new(), stored: None, finding: None };
        match store.tree().size() {
            Ok(0) => {} // nothing stored to compare; `finish` reports the coverage
            Ok(_) => match store.tree().check_from(0, &ledger_tlog::empty_root()) {
                Ok(Ok(check)) => walk.stored = Some(check),
                Ok(Err(d)) => walk.diverged(0, d.to_string()),
                Err(e) => walk.diverged(0, e.to_string()),
            },
            Err(e) => walk.diverged(0, format!("the table cannot be read: {e}")),
        }
        walk
    }

    fn diverged(&mut self, seq: u64, what: String) {
        self.stored = None;
        if self.finding.is_none() {
            self.finding = Some(Finding {
                seq,
                check: Check::Tree,
                message: format!(
                    "the stored Merkle tree does not match the records: {what}; proofs served from it would not verify"
                ),
            });
        }
    }

    fn size(&self) -> u64 {
        self.frontier.size()
    }

    fn root(&self) -> ledger_tlog::Hash {
        self.frontier.root()
    }

    fn push(&mut self, seq: u64, leaf: &[u8; 32]) {
        self.frontier.push(leaf);
        if let Some(check) = &mut self.stored {
            match check.push(leaf) {
                Ok(Ok(())) => {}
                Ok(Err(d)) => self.diverged(seq, d.to_string()),
                Err(e) => self.diverged(seq, e.to_string()),
            }
        }
    }

    fn finish(mut self, store: &Store, last_seq: Option<u64>) -> Option<Finding> {
        let at = last_seq.unwrap_or(0);
        if let Some(check) = self.stored.take() {
            match check.finish() {
                Ok(Ok(_)) => {}
                Ok(Err(d)) => self.diverged(at, d.to_string()),
                Err(e) => self.diverged(at, e.to_string()),
            }
        }
        let records = self.frontier.size();
        let coverage = |seq: u64, message: String| Some(Finding { seq, check: Check::Tree, message });
        match store.tree().size() {
            Ok(size) if size > records => coverage(
                records,
                format!(
                    "the Merkle tree holds {size} leaves but the ledger only {records} records: {} records were removed from its end, or are hidden by damage to the file",
                    size - records
                ),
            ),
            Ok(size) if size < records && self.finding.is_none() => coverage(
                size,
                format!(
                    "the stored Merkle tree covers only {size} of the {records} records: records were written past the ledger's own writer, or the tree table was damaged"
                ),
            ),
            _ => self.finding,
        }
    }
}

/// Verifies the whole ledger in one streaming pass; see the module
/// documentation for what is checked.
pub fn verify_store(store: &Store, options: Options) -> Result<Verification, Error> {
    // SQLite's structure check first: a damaged page can hide records from
    // every query below, and they would all agree with each other.
    let mut damage = store.quick_check()?;
    let mut verifier = Verifier::new(options);
    let mut tree = TreeWalk::new(store);
    let mut checkpoints = Vec::new();
    let mut replay = Replay::new();
    let mut failed_on_the_way = BTreeSet::new();
    let mut last_seq = None;
    store.for_each_chunk(CHUNK, |chunk| {
        for (raw, (record, passed)) in chunk.iter().zip(verifier.push(chunk)) {
            last_seq = Some(raw.seq);
            if let Some(r) = record.as_ref().filter(|r| r.envelope.event_type == CHECKPOINT_TYPE) {
                checkpoints.push(check_recorded_checkpoint(r, tree.size(), &tree.root()));
            }
            // Leaves are the stored hashes, as the chain links them: a
            // changed record fails `hash` there, not every checkpoint after.
            let leaf = Hash::from_slice(&raw.hash).map_or([0; 32], |h| h.0);
            tree.push(raw.seq, &leaf);
            if !passed {
                failed_on_the_way.insert(raw.seq);
            }
            if let Some(r) = record.filter(is_domain_record) {
                replay.feed(&r, passed);
            }
        }
    })?;
    if !store.unchanged_since_open() {
        return Err(Error::refused_with(
            "the ledger file changed while it was being verified",
            "a writer was active; run verify again",
        ));
    }
    let mut report = verifier.finish();
    report.findings.extend(checkpoints.into_iter().flatten());
    // A compromise revocation found at the end invalidates records folded
    // as valid on the way: fold again without them (a second streaming pass,
    // only in that case).
    let failed = report.failed();
    if failed.difference(&failed_on_the_way).next().is_some() {
        replay = replay_verified(store, &failed, AsOf::End)?;
    }
    for a in replay.anomalies.iter().filter(|a| a.kind == "attestation") {
        report.findings.push(Finding {
            seq: a.seq,
            check: Check::Attestation,
            message: a.message.trim_start_matches("not applied: ").to_owned(),
        });
    }
    // Every index is a count of the records of its own: one that lists more
    // than could be read shows records hidden by damage (a deletion through
    // SQL removes index entries too).
    for (index, count) in store.index_counts().unwrap_or_default() {
        if count != report.records {
            damage.push(format!("index {index} lists {count} records, but {} could be read", report.records));
        }
    }
    if !damage.is_empty() {
        let shown: Vec<&str> = damage.iter().take(3).map(String::as_str).collect();
        report.findings.push(Finding {
            seq: 0,
            check: Check::Integrity,
            message: format!(
                "SQLite reports the file damaged ({} problem(s): {}{}): records may be hidden from every reader; restore the file from a copy and check it against your last checkpoint",
                damage.len(),
                shown.join("; "),
                if damage.len() > shown.len() { "; ..." } else { "" }
            ),
        });
    }
    report.findings.extend(tree.finish(store, last_seq));
    report.findings.sort_by_key(|f| f.seq);
    Ok(Verification { report, replay })
}

/// The replay of the domain records up to `as_of`, leaving out the
/// `failed` ones: a streaming pass over the records of domain types.
pub fn replay_verified(store: &Store, failed: &BTreeSet<u64>, as_of: AsOf) -> Result<Replay, Error> {
    let mut replay = Replay::new();
    let mut decode_error = None;
    let mut stopped = false;
    store.for_each_of_types(&domain_types(), 0, CHUNK, |chunk| {
        for raw in chunk {
            if stopped {
                return;
            }
            match raw.decode() {
                Ok(r) if !as_of.includes(&r) => stopped = true,
                Ok(r) => replay.feed(&r, !failed.contains(&r.seq)),
                Err(e) => {
                    decode_error.get_or_insert(Error::Store(ledger_store::StoreError::Corrupt {
                        seq: raw.seq,
                        reason: e.to_string(),
                    }));
                }
            }
        }
    })?;
    match decode_error {
        // A record that does not decode failed verification: it is in `failed`.
        Some(_) if !failed.is_empty() => Ok(replay),
        Some(e) => Err(e),
        None => Ok(replay),
    }
}

/// The event types the domain replay folds.
pub(crate) fn domain_types() -> Vec<&'static str> {
    ledger_domain::events::TYPES.iter().map(|(t, _)| *t).filter(|t| *t != CHECKPOINT_TYPE).collect()
}
