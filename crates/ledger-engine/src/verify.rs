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
use crate::remedy::Remedy;
use ledger_core::authority::Authority;
use ledger_core::verify::{Check, Finding, Options, Prechecked, Report, Verifier, id_digest};
use ledger_core::{Envelope, Hash, PublicKey, RawRecord, Record};
use ledger_domain::events::{ObjectionFiled, Payload, RectificationSubmitted};
use ledger_domain::{AsOf, Replay};
use ledger_store::{Frontier, IdScratch, Store, TreeCheck};
use ledger_tlog::event::{CHECKPOINT_TYPE, check_recorded_checkpoint};
use std::collections::BTreeSet;
use std::sync::{Arc, mpsc};

/// Records read per chunk.
pub(crate) const CHUNK: usize = 4096;

/// Records per chunk of the full verification, which holds up to three
/// (one read, one being prechecked on the pool, one being checked in
/// order): enough work per chunk for every core, little memory.
const VERIFY_CHUNK: usize = 1024;

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
    /// The Merkle frontier of the records, recomputed.
    pub frontier: Frontier,
    /// The newest snapshot in the file, shown to be the state the records
    /// give: one this machine may trust from now on.
    pub snapshot: Option<crate::local::TrustedSnapshot>,
    /// Events accepted that deserve a word: not findings (the ledger
    /// verifies), but what an inspector should know.
    pub notices: Vec<Notice>,
    /// The records (checkpoint records aside) after the last checkpoint the
    /// log signed and recorded, which covers the records before it: pinned
    /// by no checkpoint (`docs/FORMAT.md`, section 1). All of them when the
    /// ledger has no valid recorded checkpoint.
    pub unsealed: u64,
    /// The seq of that last valid recorded checkpoint.
    pub last_seal: Option<u64>,
    /// The file disagrees with what this machine verified of it before (a
    /// rollback or a fork, among the findings); the memory is kept.
    pub against_memory: bool,
}

/// An accepted event an inspector should know about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    /// The record.
    pub seq: u64,
    /// Its type.
    pub event_type: String,
    /// What to know.
    pub message: String,
    /// What can be done about it, if anything (not in the notice's JSON:
    /// a front end says it in its own words).
    #[serde(skip)]
    pub remedy: Option<Remedy>,
}

/// Events a key with the `unit` role signs for one unit: a key bound to no
/// unit (a ledger written before `unit_key_bound`) could speak for any.
const UNIT_SPEECH: [&str; 2] = [ObjectionFiled::TYPE, RectificationSubmitted::TYPE];

/// A notice when an objection or rectification was signed by a key that
/// holds the `unit` role and is bound to no unit.
fn unbound_unit_key(authority: Option<&Authority>, replay: &Replay, r: &Record) -> Option<Notice> {
    if !UNIT_SPEECH.contains(&r.envelope.event_type.as_str()) || replay.anomalies.last().is_some_and(|a| a.seq == r.seq)
    {
        return None;
    }
    let info = authority?.key(&r.envelope.author)?;
    if !info.roles.contains("unit") || replay.domain.unit_of_key(&r.envelope.author).is_some() {
        return None;
    }
    let unit = r.envelope.data.get("unit").and_then(|u| u.as_str()).unwrap_or("?");
    Some(Notice {
        seq: r.seq,
        event_type: r.envelope.event_type.clone(),
        message: format!(
            "signed for unit {unit} by key {} ({}), which holds the unit role but is bound to no unit: nothing shows it speaks for {unit}",
            info.key_id, info.holder
        ),
        remedy: Some(Remedy::BindUnitKey { unit: unit.to_owned() }),
    })
}

/// Whether the domain replay folds this record (a type of the domain's
/// catalogue).
pub fn is_domain_record(r: &Record) -> bool {
    ledger_domain::events::is_domain_type(&r.envelope.event_type)
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

    fn finish(&mut self, store: &Store, last_seq: Option<u64>) -> Option<Finding> {
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
            _ => self.finding.take(),
        }
    }
}

/// The snapshot to compare with the records as the verification passes it.
struct SnapshotCheck {
    seq: u64,
    hash: Vec<u8>,
    digest: Hash,
    /// The fold's digest as of `seq`, once passed.
    folded: Option<Hash>,
}

/// Verifies the whole ledger in one streaming pass (two when a key was
/// revoked as compromised); see the module documentation for what is
/// checked.
pub fn verify_store(store: &Store, options: Options) -> Result<Verification, Error> {
    // In bounded memory: event ids are checked in a scratch database on
    // disk, and records are remembered by signer only for the keys found
    // compromised, in a second pass when there are any.
    let mut bounded = Options { ids_checked_by_caller: true, track_signers: Some(BTreeSet::new()), ..options };
    let first = verify_pass(store, bounded.clone())?;
    let compromised: BTreeSet<PublicKey> = first
        .report
        .authority
        .iter()
        .flat_map(Authority::keys)
        .filter(|k| k.revoked.as_ref().is_some_and(|r| r.compromised_from.is_some()))
        .map(|k| k.key)
        .collect();
    if compromised.is_empty() {
        return Ok(first);
    }
    bounded.track_signers = Some(compromised);
    verify_pass(store, bounded)
}

/// Orders findings by record, and within a record as `docs/FORMAT.md`
/// lists the checks (the `id` check, found at the end from the scratch
/// database, before the hash), one per (record, check).
fn sort_findings(findings: &mut Vec<Finding>) {
    ledger_core::verify::sort_findings(findings);
}

fn verify_pass(store: &Store, options: Options) -> Result<Verification, Error> {
    // SQLite's structure check: a damaged page can hide records from every
    // query below, and they would all agree with each other. It reads the
    // whole file, so it runs on a second connection beside the records'
    // stream (here, after it, when the file cannot be opened twice).
    std::thread::scope(|scope| {
        let twin = store.twin().map(|twin| scope.spawn(move || twin.quick_check()));
        let structure = move || match twin {
            Some(handle) => handle.join().unwrap_or_else(|_| Ok(vec!["the structure check stopped".into()])),
            None => store.quick_check(),
        };
        verify_records(store, options, structure)
    })
}

fn verify_records(
    store: &Store,
    options: Options,
    structure: impl FnOnce() -> Result<Vec<String>, ledger_store::StoreError>,
) -> Result<Verification, Error> {
    let mut ids = IdScratch::new()?;
    let mut scratch_error = None;
    let mut verifier = Verifier::new(options);
    let mut tree = TreeWalk::new(store);
    let mut checkpoints = Vec::new();
    let mut unsealed = 0u64;
    let mut last_seal = None;
    let mut replay = Replay::new();
    let mut failed_on_the_way = BTreeSet::new();
    let mut last_seq = None;
    let rows = store.snapshots()?;
    let mut snapshot = match rows.first() {
        Some(row) => store
            .snapshot_body(row.seq)?
            .filter(|body| crate::snapshot::State::format_of(body) == Some(crate::snapshot::FORMAT))
            .map(|body| SnapshotCheck {
                seq: row.seq,
                hash: row.hash.clone(),
                digest: crate::snapshot::digest(&body),
                folded: None,
            }),
        None => None,
    };
    let mut bound_hash = None;
    let mut notices = Vec::new();
    let progress = crate::progress::task("verifying", store.tree().records()?);
    // The checks in order, of a chunk whose order-free checks are made.
    let mut finish = |chunk: &[RawRecord], mut pre: Prechecked| {
        progress.advance(chunk.len());
        // A chunk that passes the snapshot's record is verified in two
        // parts, so that the state can be taken right after that record.
        let split = snapshot
            .as_ref()
            .filter(|s| s.folded.is_none())
            .and_then(|s| chunk.iter().position(|r| r.seq == s.seq))
            .map_or(chunk.len(), |i| i + 1);
        let rest = pre.split_off(split);
        for (part, pre) in [(&chunk[..split], pre), (&chunk[split..], rest)] {
            if part.is_empty() {
                continue;
            }
            for (raw, (record, passed)) in part.iter().zip(verifier.check(part, pre)) {
                last_seq = Some(raw.seq);
                if let Some(r) = record.as_ref().filter(|r| r.envelope.event_type == CHECKPOINT_TYPE) {
                    let finding = check_recorded_checkpoint(r, tree.size(), &tree.root());
                    if passed && finding.is_none() {
                        unsealed = 0;
                        last_seal = Some(raw.seq);
                    }
                    checkpoints.push(finding);
                } else {
                    unsealed += 1;
                }
                // Leaves are the stored hashes, as the chain links them: a
                // changed record fails `hash` there, not every checkpoint after.
                let leaf = Hash::from_slice(&raw.hash).map_or([0; 32], |h| h.0);
                tree.push(raw.seq, &leaf);
                if !passed {
                    failed_on_the_way.insert(raw.seq);
                }
                let id = match &record {
                    Some(r) => Some(id_digest(&r.envelope.id)),
                    None => Envelope::from_bytes(&raw.envelope).ok().map(|e| id_digest(&e.id)),
                };
                if let Some(id) = id
                    && let Err(e) = ids.insert(id, raw.seq)
                {
                    scratch_error.get_or_insert(e);
                }
                if let Some(r) = record.filter(is_domain_record) {
                    replay.feed(&r, passed);
                    if passed {
                        notices.extend(unbound_unit_key(verifier.authority(), &replay, &r));
                    }
                }
                if snapshot.as_ref().is_some_and(|s| s.seq == raw.seq) {
                    bound_hash = Some(raw.hash.clone());
                }
            }
            if let Some(s) = snapshot.as_mut().filter(|s| s.folded.is_none() && last_seq == Some(s.seq))
                && let Some(authority) = verifier.authority()
            {
                let body = crate::ledger::encode_state(authority, &replay.domain, &replay.anomalies);
                s.folded = Some(crate::snapshot::digest(&body));
            }
        }
    };
    // Pipelined: while the records of one chunk are checked in order here,
    // the pool makes the order-free checks of the next (rayon).
    let mut in_flight: Option<(Arc<Vec<RawRecord>>, mpsc::Receiver<Prechecked>)> = None;
    let mut take = |(chunk, done): (Arc<Vec<RawRecord>>, mpsc::Receiver<Prechecked>)| {
        let pre = done.recv().unwrap_or_else(|_| Verifier::precheck(&chunk));
        finish(&chunk, pre);
    };
    let pipelined = crate::pool_can_help();
    store.for_each_chunk(VERIFY_CHUNK, |chunk| {
        let chunk = Arc::new(chunk);
        let (tx, done) = mpsc::sync_channel(1);
        if pipelined {
            let job = Arc::clone(&chunk);
            rayon::spawn(move || {
                let _ = tx.send(Verifier::precheck(&job));
            });
        } else {
            let _ = tx.send(Verifier::precheck(&chunk));
        }
        if let Some(before) = in_flight.replace((chunk, done)) {
            take(before);
        }
    })?;
    if let Some(last) = in_flight.take() {
        take(last);
    }
    if let Some(e) = scratch_error {
        return Err(e.into());
    }
    let mut report = verifier.finish();
    report.findings.extend(checkpoints.into_iter().flatten());
    report.findings.extend(reused_ids(store, &mut ids)?);
    sort_findings(&mut report.findings);
    // A compromise revocation or a reused id found at the end invalidates
    // records folded as valid on the way: fold again without them (a second
    // streaming pass, only in that case).
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
    let mut damage = structure()?;
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
    let (snapshot_findings, trusted) = judge_snapshots(&rows, snapshot, bound_hash, last_seq, &failed);
    report.findings.extend(snapshot_findings);
    sort_findings(&mut report.findings);
    let failed_now = report.failed();
    notices.retain(|n| !failed_now.contains(&n.seq));
    Ok(Verification {
        report,
        replay,
        frontier: tree.frontier,
        snapshot: trusted,
        notices,
        unsealed,
        last_seal,
        against_memory: false,
    })
}

/// The `id` findings: each record that uses an event id an earlier record
/// used, naming the last such record (as `ledger_core::verify` does).
fn reused_ids(store: &Store, ids: &mut IdScratch) -> Result<Vec<Finding>, Error> {
    let mut findings = Vec::new();
    for group in ids.reused()? {
        for pair in group.windows(2) {
            let (earlier, seq) = (pair[0], pair[1]);
            let id = store
                .get(seq)?
                .and_then(|raw| Envelope::from_bytes(&raw.envelope).ok())
                .map(|e| e.id)
                .unwrap_or_default();
            findings.push(Finding {
                seq,
                check: Check::Id,
                message: format!("event id {id:?} was already used by record {earlier}"),
            });
        }
    }
    Ok(findings)
}

/// The findings about the snapshot table: rows as of records that are gone
/// or changed, and a newest row that is not the state the records give.
/// Returns the newest row when it is that state.
fn judge_snapshots(
    rows: &[ledger_store::SnapshotRow],
    newest: Option<SnapshotCheck>,
    bound_hash: Option<Vec<u8>>,
    last_seq: Option<u64>,
    failed: &BTreeSet<u64>,
) -> (Vec<Finding>, Option<crate::local::TrustedSnapshot>) {
    let mut findings = Vec::new();
    let finding = |seq: u64, message: String| Finding { seq, check: Check::Snapshot, message };
    let end = last_seq.unwrap_or(0);
    for row in rows.iter().filter(|r| last_seq.is_none_or(|l| r.seq > l)) {
        findings.push(finding(
            end,
            format!(
                "the snapshot table holds a state as of record {}, but the ledger ends at record {end}: records were removed from its end",
                row.seq
            ),
        ));
    }
    let Some(s) = newest.filter(|s| last_seq.is_some_and(|l| s.seq <= l)) else { return (findings, None) };
    if bound_hash.as_deref() != Some(&s.hash[..]) {
        findings.push(finding(
            s.seq,
            format!(
                "the snapshot as of record {} is bound to another record hash than the one stored there: the record was changed after the snapshot was written, or the table was edited",
                s.seq
            ),
        ));
        return (findings, None);
    }
    // Records that failed before the snapshot make the fold differ from any
    // writer's: nothing can be said of the snapshot then.
    if failed.range(..=s.seq).next().is_some() {
        return (findings, None);
    }
    match s.folded {
        Some(folded) if folded == s.digest => {
            let hash = Hash::from_slice(&s.hash).unwrap_or(Hash::ZERO);
            (findings, Some(crate::local::TrustedSnapshot { seq: s.seq, hash, digest: s.digest }))
        }
        _ => {
            findings.push(finding(
                s.seq,
                format!(
                    "the snapshot as of record {} is not the state the records give: the snapshot table was edited (no decision or score uses it; repairing the derived data rebuilds it)",
                    s.seq
                ),
            ));
            (findings, None)
        }
    }
}

/// The replay of the domain records up to `as_of`, leaving out the
/// `failed` ones: a streaming pass over the records of domain types.
pub fn replay_verified(store: &Store, failed: &BTreeSet<u64>, as_of: AsOf) -> Result<Replay, Error> {
    let mut replay = Replay::new();
    let mut decode_error = None;
    let mut stopped = false;
    let progress = crate::progress::task("replaying", store.tree().records()?);
    let mut done = 0;
    store.for_each_of_types(&domain_types(), 0, CHUNK, |chunk| {
        if let Some(last) = chunk.last() {
            progress.advance(usize::try_from(last.seq + 1 - done).unwrap_or(0));
            done = last.seq + 1;
        }
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

/// The event types the domain replay folds: the domain's catalogue.
pub(crate) fn domain_types() -> Vec<&'static str> {
    ledger_domain::events::domain_types().collect()
}

/// The recomputed hash of the last record a verification read.
fn head_hash(v: &Verification) -> Hash {
    v.report.head.unwrap_or(Hash::ZERO)
}

/// What `repair` rebuilt.
#[derive(Debug, Clone)]
pub struct Repaired {
    /// Records in the ledger.
    pub records: u64,
    /// Leaves of the rebuilt tree.
    pub leaves: u64,
    /// Leaves of the tree before (`None`: the table could not be read).
    pub before: Option<u64>,
    /// When the tree was ahead of the records: its root then (base64), the
    /// evidence of what the ledger held.
    pub old_root: Option<String>,
}

impl crate::Ledger {
    /// The full verification of the ledger (see [`verify_store`]). When it
    /// passes, this machine remembers the point verified and the snapshot
    /// shown to be the state the records give.
    ///
    /// The file is also checked against what this machine verified of it
    /// before (`crate::local`): one that ends before that point (a rollback)
    /// or holds another history (a fork) fails with a `head` or `genesis`
    /// finding, and this machine keeps its memory until [`Cache::forget`]
    /// (`ledger forget`) is asked for explicitly.
    ///
    /// [`Cache::forget`]: crate::local::Cache::forget
    pub fn verify(&mut self, options: Options) -> Result<Verification, Error> {
        let mut verification = self.consistent(|l| verify_store(l.store(), options.clone()))?;
        // No genesis record to know the ledger by (an empty or damaged
        // file): no memory to compare with; the findings say what is wrong.
        let local = self.local_state().ok();
        let head_seq = verification.report.head_seq.unwrap_or(0);
        let remembered = local.as_ref().and_then(|l| l.verified.as_ref());
        // Another process may have appended and verified records after this
        // read's snapshot began: the memory is then ahead of the snapshot,
        // and the file as it is now holds the records verified, this
        // snapshot's head among them. That is no rollback, and the memory
        // is not moved back to the older head.
        let behind = remembered.is_some_and(|v| v.seq > head_seq);
        let overtaken = behind
            && remembered
                .is_some_and(|v| self.file_now_holds(&[(v.seq, v.hash), (head_seq, head_hash(&verification))]));
        if verification.report.records > 0
            && !overtaken
            && let Some(local) = &local
            && let Some(finding) = self.against_memory(local, head_seq)?
        {
            verification.report.findings.push(finding);
            sort_findings(&mut verification.report.findings);
            verification.against_memory = true;
        }
        // An erasure the ledger records that this file has not carried out.
        for u in crate::personal::unerased(&verification.replay.domain, self.store())? {
            verification.notices.push(Notice {
                seq: u.redacted_at,
                event_type: ledger_domain::personal::REDACTED_TYPE.to_owned(),
                message: format!(
                    "this record erases the personal data of record {}, but the file still holds it: the erasure was not carried out here",
                    u.record
                ),
                remedy: Some(Remedy::EraseRedacted),
            });
        }
        if verification.report.ok()
            && !behind
            && let (Some(seq), Some(hash)) = (verification.report.head_seq, verification.report.head)
            && let Some(mut local) = local
        {
            if let Some(s) = &verification.snapshot {
                local.remember(s.clone());
            }
            local.verified =
                Some(crate::local::VerifiedPoint::new(seq, hash, &verification.frontier, self.clock().now()));
            if let Err(e) = local.save() {
                self.warn(e);
            }
        }
        Ok(verification)
    }

    /// Whether the file as it is now (a new read of it, outside this read's
    /// snapshot) holds each `(seq, record hash)`. A few tries: a writer's
    /// checkpoint of the log may keep the file from being opened a moment.
    pub(crate) fn file_now_holds(&self, records: &[(u64, Hash)]) -> bool {
        for attempt in 0..3 {
            if let Ok(now) = Store::open_read_snapshot(self.path()) {
                return records.iter().all(|(seq, hash)| {
                    now.get(*seq).ok().flatten().and_then(|r| Hash::from_slice(&r.hash)).is_some_and(|h| h == *hash)
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(20 << attempt));
        }
        false
    }

    /// Rebuilds the derived data (the Merkle tree table; the snapshots are
    /// dropped and written again by later appends) from the records, in one
    /// transaction (`ledger repair --rebuild-tree`). Refused unless every
    /// record passes verification: the only findings allowed are the ones
    /// about the derived data itself.
    pub fn rebuild_derived(&mut self, options: Options) -> Result<Repaired, Error> {
        let verification = verify_store(self.store(), options)?;
        let report = &verification.report;
        let blocking: Vec<&Finding> =
            report.findings.iter().filter(|f| !matches!(f.check, Check::Tree | Check::Snapshot)).collect();
        if let Some(first) = blocking.first() {
            return Err(Error::refused_with(
                format!(
                    "refusing to rebuild the tree: {} problem(s) other than the derived data, the first at seq {} ({}): {}",
                    blocking.len(),
                    first.seq,
                    first.check.name(),
                    first.message
                ),
                Remedy::RestoreFromCopy,
            ));
        }
        let records = report.records;
        let tree = self.store().tree();
        let old = tree.size().ok();
        let old_root = old.filter(|&n| n > records).and_then(|n| tree.root(n).ok()).map(|r| crate::tlog::b64(&r));
        let (before, leaves) = self.store_mut().rebuild_tree()?;
        Ok(Repaired { records, leaves, before: before.or(old), old_root })
    }
}
