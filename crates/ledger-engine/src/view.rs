//! The read path: the domain state as of a point, with the verification it
//! rests on.
//!
//! Every read query (scores, explain, audit, units, catalog) starts here,
//! and never shows numbers from a ledger without saying whether it
//! verifies. It costs the new records, not the ledger, once this machine
//! has verified the ledger before:
//!
//! 1. the chain is re-hashed from genesis to the point this machine last
//!    verified (BLAKE3 only): the bytes are the ones verified then, and the
//!    record there has the hash this machine remembers (`head` otherwise:
//!    the ledger was rewritten or cut);
//! 2. the records after it get every check of the full verification
//!    (signatures included), resumed from the remembered Merkle frontier,
//!    and the tree, the indexes and the snapshots are counted against the
//!    records;
//! 3. the domain state is the newest snapshot this machine trusts, caught
//!    up with the records after it (attestations checked on the way).
//!
//! Anything found sends the read to the full verification from genesis,
//! whose findings are the ones reported. Without a local state (a new
//! machine, `--no-cache`) the full verification runs directly.

use crate::ledger::load_state_until;
use crate::local::{Disagreement, LocalState, VerifiedPoint};
use crate::tlog::{Problem, TrustedStart, resume};
use crate::verify::{CHUNK, replay_verified, verify_store};
use crate::{Error, Ledger};
use ledger_core::Hash;
use ledger_core::verify::{Check, Finding, Options};
use ledger_domain::{AsOf, Replay};
use ledger_store::{Frontier, Store};
use rayon::prelude::*;

// How a view was verified is the read model's: a report shows it.
pub use ledger_model::{Checked, Method};

/// The domain state as of a point, and the verification it rests on.
#[derive(Debug)]
pub struct View {
    /// The fold of the records that passed, up to the point.
    pub replay: Replay,
    /// The sequence number the view is as of.
    pub position: u64,
    /// What verifying the ledger found.
    pub checked: Checked,
}

/// A finding of a record check, from a problem of the resumed checks.
fn finding(p: &Problem) -> Finding {
    Finding { seq: p.seq, check: p.check, message: p.message.clone() }
}

/// Re-hashes records `0..=upto` (the hash, the chain, the sequence; no
/// decoding, no signatures): `Some` with the hash of record `upto` when
/// everything links, `None` at the first break.
fn rehash(store: &Store, upto: u64) -> Result<Option<Hash>, Error> {
    let rehashed = rehash_records(store, upto + 1, false)?;
    Ok(if rehashed.broken.is_none() { rehashed.last } else { None })
}

/// What re-hashing the first records of a file found.
#[derive(Debug)]
pub(crate) struct Rehashed {
    /// The stored hash of the last record re-hashed, when any.
    pub last: Option<Hash>,
    /// The Merkle frontier of the records re-hashed (when asked for).
    pub frontier: Frontier,
    /// The first record that does not hold: its seq, the check and why.
    pub broken: Option<Finding>,
}

/// Re-hashes records `0..count`: every record's bytes against its stored
/// hash (BLAKE3), each `prev` against the hash before, the sequence
/// numbers, and, with `tree`, folds the hashes into the RFC 6962 tree (one
/// SHA-256 per record) so that the caller can compare the root with a
/// signed one. No decoding and no signatures: the cheap proof that the
/// bytes are the ones a trusted point covered. Stops at the first break.
pub(crate) fn rehash_records(store: &Store, count: u64, tree: bool) -> Result<Rehashed, Error> {
    let mut prev = Hash::ZERO.0.to_vec();
    let mut next = 0u64;
    let mut frontier = Frontier::new();
    let progress = crate::progress::task("re-hashing", count);
    let broken = |seq: u64, check: Check, message: String| Finding { seq, check, message };
    while next < count {
        let want = usize::try_from((count - next).min(CHUNK as u64)).unwrap_or(CHUNK);
        let chunk = store.read(next, want)?;
        progress.advance(chunk.len());
        if chunk.is_empty() {
            let message = format!("record {next} is missing: the file holds fewer records than {count}");
            return Ok(Rehashed { last: None, frontier, broken: Some(broken(next, Check::Sequence, message)) });
        }
        let computed: Vec<Option<Hash>> = chunk.par_iter().map(|r| r.computed_hash()).collect();
        for (raw, c) in chunk.iter().zip(computed) {
            let failure = if raw.seq != next {
                Some((Check::Sequence, format!("record {next} is missing (the next one read is {})", raw.seq)))
            } else if raw.prev != prev {
                Some((Check::Chain, format!("record {next} does not link to the hash of the record before it")))
            } else if c.is_none_or(|c| c.0[..] != raw.hash[..]) {
                Some((Check::Hash, format!("record {next}'s bytes do not hash to its stored hash: it was changed")))
            } else {
                None
            };
            if let Some((check, message)) = failure {
                return Ok(Rehashed { last: None, frontier, broken: Some(broken(next, check, message)) });
            }
            if tree && let Ok(leaf) = <[u8; 32]>::try_from(raw.hash.as_slice()) {
                frontier.push(&leaf);
            }
            prev.clone_from(&raw.hash);
            next += 1;
        }
    }
    Ok(Rehashed { last: Hash::from_slice(&prev).filter(|_| count > 0), frontier, broken: None })
}

/// The counts of the records the file holds besides the records: tree,
/// indexes, snapshots. A disagreement sends the read to the full check.
fn witnesses_agree(store: &Store, records: u64) -> Result<bool, Error> {
    if store.tree().size().ok() != Some(records) {
        return Ok(false);
    }
    if store.index_counts().unwrap_or_default().iter().any(|(_, n)| *n != records) {
        return Ok(false);
    }
    Ok(store.snapshots()?.iter().all(|s| s.seq < records))
}

/// The finding of a file that disagrees with what this machine verified of
/// it: a `genesis` finding for another first record, else a `head` finding
/// at the record where it shows.
pub(crate) fn memory_finding(local: &LocalState, d: &Disagreement, seq: u64) -> Finding {
    let check = match d {
        Disagreement::Genesis { .. } => Check::Genesis,
        _ => Check::Head,
    };
    Finding { seq, check, message: local.describe(d) }
}

impl Ledger {
    /// The check of the file against what this machine verified of it (the
    /// same for `verify`, every read and every append): a finding when the
    /// file ends before the verified point, holds another record there, or
    /// has another genesis record (`crate::local`).
    pub(crate) fn against_memory(&self, local: &LocalState, head_seq: u64) -> Result<Option<Finding>, Error> {
        let Some(point) = local.verified.as_ref().map(|v| v.seq) else { return Ok(None) };
        let at_point = match self.store().get(point.min(head_seq))? {
            Some(raw) if point <= head_seq => Hash::from_slice(&raw.hash),
            _ => None,
        };
        Ok(local.disagreement(head_seq, at_point).map(|d| {
            let seq = match d {
                Disagreement::Genesis { .. } => 0,
                Disagreement::Shorter { head_seq } => head_seq,
                Disagreement::Rewritten { .. } => point,
            };
            memory_finding(local, &d, seq)
        }))
    }

    /// The domain state as of `as_of`, with what verifying the ledger found.
    /// Diagnostics (a snapshot ignored, a local state set aside) are left in
    /// [`Ledger::take_warnings`].
    pub fn view(&mut self, as_of: AsOf) -> Result<View, Error> {
        self.consistent(|l| l.view_once(as_of))
    }

    fn view_once(&mut self, as_of: AsOf) -> Result<View, Error> {
        let mut head = self.store().head()?;
        let mut local = self.local_state()?;
        // Another process (a writer, a reader of a newer state) may have
        // verified records appended after this read's snapshot began: then
        // the file holds them, and the read starts again on a snapshot
        // that holds them too. Only a file that really ends before the
        // point this machine verified is reported.
        for _ in 0..3 {
            match &local.verified {
                Some(v)
                    if v.seq > head.seq
                        && self.store().is_read_only()
                        && self.live_head_seq()?.is_some_and(|live| live >= v.seq) =>
                {
                    self.reopen_snapshot()?;
                    head = self.store().head()?;
                    local = self.local_state()?;
                }
                _ => break,
            }
        }
        let mut inconsistent = Vec::new();
        // The memory ahead of this snapshot while the file as it is now holds
        // both: another process appended and verified meanwhile (no rollback).
        let behind = local.verified.as_ref().is_some_and(|v| v.seq > head.seq);
        let overtaken = behind
            && local.verified.as_ref().is_some_and(|v| self.file_now_holds(&[(v.seq, v.hash), (head.seq, head.hash)]));
        if let Some(found) = self.against_memory(&local, head.seq)?.filter(|_| !overtaken) {
            inconsistent.push(found);
        } else if let Some(v) = local.verified.clone().filter(|_| !behind) {
            match rehash(self.store(), v.seq)? {
                Some(h) if h == v.hash => {
                    if let Some(view) = self.incremental(&v, &head, as_of, &mut local)? {
                        return Ok(view);
                    }
                }
                Some(found) => inconsistent.push(memory_finding(&local, &Disagreement::Rewritten { found }, v.seq)),
                None => {} // a record before it changed: the full check says which
            }
        }
        // The full verification, from genesis.
        let verification = verify_store(self.store(), Options::default())?;
        let mut report = verification.report;
        report.findings.extend(inconsistent);
        ledger_core::verify::sort_findings(&mut report.findings);
        let ok = report.ok();
        let replay = match as_of {
            AsOf::End => verification.replay,
            _ => replay_verified(self.store(), &report.failed(), as_of)?,
        };
        // Never moved back to an older head than the one it remembers.
        if ok && !behind {
            if let Some(s) = verification.snapshot {
                local.remember(s);
            }
            local.verified = Some(VerifiedPoint::new(head.seq, head.hash, &verification.frontier, self.clock().now()));
            if let Err(e) = local.save() {
                self.warn(e);
            }
        }
        let position = position(as_of, head.seq, &replay);
        let checked = Checked {
            ok,
            records: report.records,
            head: report.head.map(|h| h.to_hex()),
            head_seq: report.head_seq,
            findings: report.findings,
            method: Method::Full,
        };
        Ok(View { replay, position, checked })
    }

    /// The read from a point this machine verified: `None` when anything
    /// fails (the full verification then says what).
    fn incremental(
        &mut self,
        v: &VerifiedPoint,
        head: &ledger_core::append::Head,
        as_of: AsOf,
        local: &mut crate::local::LocalState,
    ) -> Result<Option<View>, Error> {
        let Some(frontier) = v.frontier() else { return Ok(None) };
        let records = head.seq + 1;
        if !witnesses_agree(self.store(), records)? {
            return Ok(None);
        }
        let origin = head.origin.clone();
        let mut problems = Vec::new();
        let resumed = resume(self.store(), &TrustedStart::Frontier(frontier), &origin, &[], &mut problems)?;
        if !problems.is_empty() || resumed.frontier.size() != records {
            return Ok(None);
        }
        let mut warnings = Vec::new();
        let (replay, learned) = load_state_until(self.store(), head, local, &mut warnings, as_of)?;
        let snapshot_doubted = !warnings.is_empty();
        for w in warnings {
            self.warn(w);
        }
        // A snapshot that is not what this machine knows, or not the state
        // the records give, is derived data someone edited: the full
        // verification reports it.
        if snapshot_doubted {
            return Ok(None);
        }
        let attested: Vec<Finding> = replay
            .anomalies
            .iter()
            .filter(|a| a.kind == "attestation")
            .map(|a| Finding {
                seq: a.seq,
                check: Check::Attestation,
                message: a.message.trim_start_matches("not applied: ").to_owned(),
            })
            .collect();
        if !attested.is_empty() {
            return Ok(None);
        }
        if let Some(s) = learned {
            local.remember(s);
        }
        local.verified = Some(VerifiedPoint::new(head.seq, head.hash, &resumed.frontier, self.clock().now()));
        if let Err(e) = local.save() {
            self.warn(e);
        }
        let position = position(as_of, head.seq, &replay);
        let checked = Checked {
            ok: true,
            records,
            head: Some(head.hash.to_hex()),
            head_seq: Some(head.seq),
            findings: problems.iter().map(finding).collect(),
            method: Method::Incremental { since: v.seq },
        };
        Ok(Some(View { replay, position, checked }))
    }
}

fn position(as_of: AsOf, head: u64, replay: &Replay) -> u64 {
    match as_of {
        AsOf::Seq(n) => n.min(head),
        AsOf::End => head,
        AsOf::Time(_) => replay.position.unwrap_or(0),
    }
}
