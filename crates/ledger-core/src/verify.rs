//! Verification of a whole ledger, record by record, in a fixed order of
//! checks (`docs/FORMAT.md`, section "Verification"):
//!
//! 1. `decode`    the stored bytes decode (canonical JSON, required fields);
//! 2. `sequence`  sequence numbers run 0, 1, 2, ... without gaps;
//! 3. `version`   each stream's versions run 1, 2, 3, ... without gaps,
//!    and `id`      no event id is used twice;
//! 4. `hash`      the stored record hash equals the recomputed one;
//! 5. `chain`     `prev` equals the stored hash of the record before;
//! 6. `signature` every signature verifies (`verify_strict`);
//! 7. `origin`    the envelope names this ledger's origin;
//! 8. `signer`    the author key is known to the ledger at that point;
//! 9. `authority` the signers were entitled to write that event then;
//! 10. `time`     times never go backwards along the chain.
//!
//! plus `genesis` (record 0 is a valid genesis naming the trusted root key)
//! and `head` (the expected head hash is in the ledger).
//!
//! Every record is checked and every failure reported; a failure never stops
//! the run. Hashing, decoding and signature checks run in parallel per
//! chunk; the checks that depend on order run after, in sequence order.
//! The verifier does no I/O: the caller feeds it stored records.

use crate::authority::{Authority, AuthorityError};
use crate::crypto::{Hash, PublicKey};
use crate::record::{DecodeError, Envelope, RawRecord, Record};
use crate::time::Timestamp;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// The name of a verification check, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Check {
    /// Stored bytes do not decode.
    Decode,
    /// A sequence number is missing or out of place.
    Sequence,
    /// A stream version is missing or out of place.
    Version,
    /// An event id is used twice.
    Id,
    /// The stored record hash does not match the contents.
    Hash,
    /// `prev` does not match the previous record's hash.
    Chain,
    /// A signature does not verify.
    Signature,
    /// The envelope names another ledger.
    Origin,
    /// The author key is unknown.
    Signer,
    /// The signers were not entitled to write the event.
    Authority,
    /// Time went backwards.
    Time,
    /// The genesis record is missing, invalid or not the trusted one.
    Genesis,
    /// The expected head is not in the ledger.
    Head,
    /// A published or finalised projection hash is not what the events give.
    Attestation,
    /// A signed checkpoint is not consistent with the ledger or with another
    /// signed checkpoint: the log was rolled back or forked (`docs/TLOG.md`).
    Consistency,
    /// The file itself is damaged (SQLite's `quick_check` fails): records
    /// may be hidden from every query (`docs/FORMAT.md` section 10).
    Integrity,
    /// The file's Merkle tree table, derived from the records, disagrees
    /// with them: a stored node differs, or the tree covers more records
    /// than there are (records removed from the end) or fewer (records
    /// written past the ledger's writer).
    Tree,
    /// A snapshot of the state in the file's snapshot table, derived from
    /// the records, disagrees with them: it is as of a record that is gone
    /// or changed, or it is not the state the records give.
    Snapshot,
}

impl Check {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Check::Decode => "decode",
            Check::Sequence => "sequence",
            Check::Version => "version",
            Check::Id => "id",
            Check::Hash => "hash",
            Check::Chain => "chain",
            Check::Signature => "signature",
            Check::Origin => "origin",
            Check::Signer => "signer",
            Check::Authority => "authority",
            Check::Time => "time",
            Check::Genesis => "genesis",
            Check::Head => "head",
            Check::Attestation => "attestation",
            Check::Consistency => "consistency",
            Check::Integrity => "integrity",
            Check::Tree => "tree",
            Check::Snapshot => "snapshot",
        }
    }
}

impl Check {
    /// Every check, in the order findings of one record are reported
    /// (`docs/FORMAT.md` section 10).
    pub const ORDER: [Check; 18] = [
        Check::Decode,
        Check::Sequence,
        Check::Version,
        Check::Id,
        Check::Hash,
        Check::Chain,
        Check::Signature,
        Check::Genesis,
        Check::Origin,
        Check::Signer,
        Check::Authority,
        Check::Time,
        Check::Head,
        Check::Consistency,
        Check::Attestation,
        Check::Integrity,
        Check::Tree,
        Check::Snapshot,
    ];

    /// Position in [`Check::ORDER`].
    pub fn rank(self) -> usize {
        Check::ORDER.iter().position(|c| *c == self).unwrap_or(Check::ORDER.len())
    }
}

/// Sorts findings as reports list them: by record, and within a record in
/// the order of [`Check::ORDER`]; then merges the findings of one check at
/// one record into one ([`merge_duplicates`]).
pub fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by_key(|f| (f.seq, f.check.rank()));
    merge_duplicates(findings);
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One failed check at one record: evidence that the ledger is not what
/// its signers wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The record where the check failed.
    pub seq: u64,
    /// Which check.
    pub check: Check,
    /// What exactly is wrong.
    pub message: String,
}

/// Merges findings of the same check at the same record into the first of
/// them (messages joined with "; "): a report holds one finding per failing
/// (record, check) pair (`docs/FORMAT.md` section 10). Order is kept.
pub fn merge_duplicates(findings: &mut Vec<Finding>) {
    let mut first: HashMap<(u64, Check), usize> = HashMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings.drain(..) {
        match first.get(&(f.seq, f.check)) {
            Some(&i) => {
                if !out[i].message.split("; ").any(|m| m == f.message) {
                    out[i].message = format!("{}; {}", out[i].message, f.message);
                }
            }
            None => {
                first.insert((f.seq, f.check), out.len());
                out.push(f);
            }
        }
    }
    *findings = out;
}

/// What the verifier is told to trust, and what it remembers.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Root keys the genesis record must name (`--trust`).
    pub trusted_roots: Vec<PublicKey>,
    /// A record hash the ledger must contain (`--expect-head`).
    pub expect_head: Option<Hash>,
    /// The caller checks that no event id is used twice (in bounded memory,
    /// on disk, say, keyed by [`id_digest`]): the verifier then keeps no id
    /// of its own and reports no `id` finding.
    pub ids_checked_by_caller: bool,
    /// Remember the records of these office keys only, for the retroactive
    /// invalidation of a compromised key (`None`: every key's, about 8 bytes
    /// a record). A caller that verifies in bounded memory passes the empty
    /// set, and verifies again with the compromised keys when the report's
    /// authority names any.
    pub track_signers: Option<BTreeSet<PublicKey>>,
}

/// The outcome of a verification run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Records read.
    pub records: u64,
    /// Recomputed hash of the last record read.
    pub head: Option<Hash>,
    /// Sequence number of the last record read.
    pub head_seq: Option<u64>,
    /// Where the expected head was found.
    pub expected_head_at: Option<u64>,
    /// Every failure, in sequence order.
    pub findings: Vec<Finding>,
    /// The ledger's origin, from genesis.
    pub origin: Option<String>,
    /// The authority state at the end.
    pub authority: Option<Authority>,
}

impl Report {
    /// True when nothing failed.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }

    /// Sequence numbers of records that failed a check. `head` (a finding
    /// about the ledger as a whole, placed at its last record) and the
    /// checks of the file and its derived tables (`integrity`, `tree`,
    /// `snapshot`) name no record of their own and do not count.
    pub fn failed(&self) -> BTreeSet<u64> {
        self.findings
            .iter()
            .filter(|f| !matches!(f.check, Check::Head | Check::Integrity | Check::Tree | Check::Snapshot))
            .map(|f| f.seq)
            .collect()
    }
}

/// Streaming verifier: feed it records in sequence order, then finish.
#[derive(Debug)]
pub struct Verifier {
    options: Options,
    next_seq: u64,
    prev_stored: Option<Vec<u8>>,
    last_time: Option<Timestamp>,
    streams: HashMap<String, (u64, u64)>,
    /// Event ids seen (as 128-bit digests) and where.
    ids: HashMap<u128, u64>,
    authority: Option<Authority>,
    origin: Option<String>,
    /// Records by office keys, for retroactive compromise.
    signed_by: HashMap<PublicKey, Vec<u64>>,
    findings: Vec<Finding>,
    records: u64,
    head: Option<Hash>,
    head_seq: Option<u64>,
    expected_head_at: Option<u64>,
    /// Started by [`Verifier::resume`]: the first record pushed is not genesis.
    resumed: bool,
}

/// The state the checks carry from one record to the next, as it stands
/// before record `next_seq`: where [`Verifier::resume`] starts.
///
/// The caller vouches for the records before `next_seq` (for example with a
/// signed checkpoint whose tree they are a prefix of) and reads this state
/// from them without checking them again.
#[derive(Debug, Clone)]
pub struct Resume {
    /// The first record still to verify (at least 1).
    pub next_seq: u64,
    /// The stored hash of record `next_seq - 1`: the `prev` the next record must carry.
    pub prev_hash: Hash,
    /// The latest event time before `next_seq` (`None`: unknown).
    pub last_time: Option<Timestamp>,
    /// For each stream the records to come write to: its last version before
    /// `next_seq` and that record's sequence number. Absent streams are new.
    pub streams: HashMap<String, (u64, u64)>,
    /// Event ids used before `next_seq` that the records to come use again,
    /// each with the last record before `next_seq` that used it.
    pub reused_ids: HashMap<String, u64>,
    /// The authority as it stood before `next_seq`.
    pub authority: Authority,
    /// The ledger's origin, from genesis.
    pub origin: String,
}

/// The checks of a chunk of records that need no order (decoding, the
/// record hash, the signatures), made in parallel by
/// [`Verifier::precheck`], for [`Verifier::check`] to finish in order. They
/// depend on nothing but the records' bytes, so a caller may make them on
/// other threads while it checks the chunk before.
#[derive(Debug, Default)]
pub struct Prechecked(Vec<PrecheckedOne>);

impl Prechecked {
    /// Records prechecked.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no record was prechecked.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Splits off the records from `at` on (as [`Vec::split_off`]).
    pub fn split_off(&mut self, at: usize) -> Prechecked {
        Prechecked(self.0.split_off(at.min(self.0.len())))
    }
}

#[derive(Debug)]
struct PrecheckedOne {
    decoded: Result<Record, DecodeError>,
    /// The envelope alone, when the record as a whole does not decode but
    /// its envelope does (e.g. a `prev` of the wrong length): it still
    /// counts for stream versions, event ids and time.
    envelope: Option<Envelope>,
    computed: Option<Hash>,
    signature: Option<Result<(), crate::record::BadSignature>>,
}

/// A 128-bit digest of an event id, to remember ids in little memory.
pub fn id_digest(id: &str) -> u128 {
    let mut b = [0u8; 16];
    b.copy_from_slice(&blake3::hash(id.as_bytes()).as_bytes()[..16]);
    u128::from_be_bytes(b)
}

impl Verifier {
    /// A verifier for a ledger read from its genesis record.
    pub fn new(options: Options) -> Verifier {
        Verifier {
            options,
            next_seq: 0,
            prev_stored: None,
            last_time: None,
            streams: HashMap::new(),
            ids: HashMap::new(),
            authority: None,
            origin: None,
            signed_by: HashMap::new(),
            findings: Vec::new(),
            records: 0,
            head: None,
            head_seq: None,
            expected_head_at: None,
            resumed: false,
        }
    }

    /// A verifier that continues a ledger after the records before
    /// `from.next_seq`, without reading them: every check runs on the
    /// records pushed, against the state they left.
    ///
    /// Retroactive compromise is applied to the records pushed here; records
    /// before `next_seq` signed by a key that a pushed record revokes as
    /// compromised are the caller's to find (see [`Report::authority`]).
    /// `options.expect_head` only matches records pushed here.
    pub fn resume(options: Options, from: Resume) -> Verifier {
        let ids = from.reused_ids.iter().map(|(id, &seq)| (id_digest(id), seq)).collect();
        Verifier {
            next_seq: from.next_seq,
            prev_stored: Some(from.prev_hash.0.to_vec()),
            last_time: from.last_time,
            streams: from.streams,
            ids,
            authority: Some(from.authority),
            origin: Some(from.origin),
            resumed: true,
            ..Verifier::new(options)
        }
    }

    fn tracks(&self, key: &PublicKey) -> bool {
        self.options.track_signers.as_ref().is_none_or(|keys| keys.contains(key))
    }

    fn fail(&mut self, seq: u64, check: Check, message: impl Into<String>) {
        self.findings.push(Finding { seq, check, message: message.into() });
    }

    /// The authority as the records pushed so far leave it (`None` before a
    /// valid genesis record).
    pub fn authority(&self) -> Option<&Authority> {
        self.authority.as_ref()
    }

    /// Verifies the next records, which must follow the ones pushed before
    /// in storage order. Returns the decoded records with whether each
    /// passed every check so far (a later compromise revocation can still
    /// invalidate one; see [`Report::failed`]).
    pub fn push(&mut self, chunk: &[RawRecord]) -> Vec<(Option<Record>, bool)> {
        let pre = Verifier::precheck(chunk);
        self.check(chunk, pre)
    }

    /// The checks of `chunk` that need no order, on all cores (rayon):
    /// decoding, the record hashes and the signatures.
    pub fn precheck(chunk: &[RawRecord]) -> Prechecked {
        Prechecked(
            chunk
                .par_iter()
                .map(|raw| {
                    let decoded = raw.decode();
                    let envelope = if decoded.is_err() { Envelope::from_bytes(&raw.envelope).ok() } else { None };
                    let signature = decoded.as_ref().ok().map(Record::verify_signatures);
                    PrecheckedOne { decoded, envelope, computed: raw.computed_hash(), signature }
                })
                .collect(),
        )
    }

    /// Finishes the verification of `chunk`, prechecked as `pre` (by
    /// [`Verifier::precheck`] of the same records), in order: what
    /// [`Verifier::push`] returns.
    pub fn check(&mut self, chunk: &[RawRecord], pre: Prechecked) -> Vec<(Option<Record>, bool)> {
        debug_assert_eq!(chunk.len(), pre.len());
        chunk.iter().zip(pre.0).map(|(raw, pre)| self.check_one(raw, pre)).collect()
    }

    fn check_one(&mut self, raw: &RawRecord, pre: PrecheckedOne) -> (Option<Record>, bool) {
        let seq = raw.seq;
        let before = self.findings.len();
        let first = self.records == 0 && !self.resumed;
        self.records += 1;
        // 1. decode
        let (record, envelope) = match pre.decoded {
            Ok(r) => (Some(r), None),
            Err(e) => {
                self.fail(seq, Check::Decode, format!("record does not decode: {e}"));
                (None, pre.envelope)
            }
        };
        let envelope = record.as_ref().map(|r| &r.envelope).or(envelope.as_ref());
        let no_genesis = |seq: u64| {
            let why =
                if seq != 0 { format!("the first record is {seq}, not 0") } else { "record 0 does not decode".into() };
            format!(
                "no valid genesis record ({why}): there is no root of trust, so no signer or authority check can be made"
            )
        };
        // 2. sequence
        if seq != self.next_seq {
            let msg = match seq.checked_sub(self.next_seq) {
                Some(1) => format!(
                    "expected sequence number {}, found {seq}: record {} is missing",
                    self.next_seq, self.next_seq
                ),
                Some(_) => format!(
                    "expected sequence number {}, found {seq}: records {} to {} are missing",
                    self.next_seq,
                    self.next_seq,
                    seq - 1
                ),
                None => format!("sequence number {seq} is out of order (expected {})", self.next_seq),
            };
            self.fail(seq, Check::Sequence, msg);
        }
        self.next_seq = seq.saturating_add(1);
        // 3. version, and event ids
        if let Some(env) = &envelope {
            let (last, last_seq) = self.streams.get(&env.stream).copied().unwrap_or((0, 0));
            if env.version != last + 1 {
                let msg = if last == 0 {
                    format!("stream {:?} starts at version {} instead of 1", env.stream, env.version)
                } else {
                    format!(
                        "stream {:?} goes from version {last} (seq {last_seq}) to version {}: expected {}",
                        env.stream,
                        env.version,
                        last + 1
                    )
                };
                self.fail(seq, Check::Version, msg);
            }
            self.streams.insert(env.stream.clone(), (env.version, seq));
            if !self.options.ids_checked_by_caller
                && let Some(earlier) = self.ids.insert(id_digest(&env.id), seq)
            {
                self.fail(seq, Check::Id, format!("event id {:?} was already used by record {earlier}", env.id));
            }
        }
        // 4. hash
        match (pre.computed, Hash::from_slice(&raw.hash)) {
            (Some(computed), Some(stored)) if computed == stored => {}
            (Some(computed), Some(stored)) => self.fail(
                seq,
                Check::Hash,
                format!("stored record hash {stored} does not match the record's contents, which hash to {computed}"),
            ),
            (None, _) => {} // prev has the wrong length: reported by decode, nothing to recompute
            (Some(computed), None) => self.fail(
                seq,
                Check::Hash,
                format!("stored record hash is {} bytes, not the record's hash {computed}", raw.hash.len()),
            ),
        }
        // 5. chain
        let expected_prev = if first { Hash::ZERO.0.to_vec() } else { self.prev_stored.clone().unwrap_or_default() };
        if raw.prev != expected_prev {
            let what = if first {
                "the first record's prev must be 32 zero bytes".to_owned()
            } else {
                format!(
                    "prev {} does not link to the stored hash {} of the record before",
                    hex::encode(&raw.prev),
                    hex::encode(&expected_prev)
                )
            };
            self.fail(seq, Check::Chain, what);
        }
        self.prev_stored = Some(raw.hash.clone());
        self.head = pre.computed;
        if pre.computed.is_some() && self.options.expect_head == pre.computed {
            self.expected_head_at = Some(seq);
        }
        self.head_seq = Some(seq);
        // 10 (state only). time: counted for every record whose envelope decodes
        let time_problem = envelope.as_ref().and_then(|env| {
            let last = self.last_time?;
            (env.time < last).then(|| format!("time {} is earlier than the previous record's time {last}", env.time))
        });
        if let Some(env) = &envelope {
            self.last_time = Some(self.last_time.map_or(env.time, |t| t.max(env.time)));
        }

        let Some(record) = record else {
            if first {
                self.fail(seq, Check::Genesis, no_genesis(seq));
            }
            return (None, false);
        };
        // 6. signature
        let signature_ok = match pre.signature {
            Some(Err(e)) => {
                self.fail(seq, Check::Signature, e.to_string());
                false
            }
            _ => true,
        };
        // 7-9. origin, signer, authority
        if first && seq != 0 {
            self.fail(seq, Check::Genesis, no_genesis(seq));
        } else if first {
            self.check_genesis(&record);
        } else {
            self.check_authority(&record, signature_ok);
        }
        // 10. time
        if let Some(msg) = time_problem {
            self.fail(seq, Check::Time, msg);
        }
        let ok = self.findings.len() == before;
        (Some(record), ok)
    }

    fn check_genesis(&mut self, record: &Record) {
        match Authority::genesis(record) {
            Ok(authority) => {
                for trusted in self.options.trusted_roots.clone() {
                    if !authority.roots().contains(&trusted) {
                        let named: Vec<String> = authority.roots().iter().map(|k| k.key_id().to_string()).collect();
                        self.fail(
                            0,
                            Check::Genesis,
                            format!(
                                "genesis does not name the trusted root key {}; it names {}: this is not the ledger you trust",
                                trusted.key_id(),
                                named.join(", ")
                            ),
                        );
                    }
                }
                // Genesis sets the authority even when its signature fails:
                // that failure is reported, and later records are still
                // checked against the roots it names.
                self.authority = Some(authority);
                self.origin = Some(record.envelope.origin.clone());
            }
            Err(e) => self.fail(0, Check::Genesis, format!("invalid genesis record: {e}")),
        }
    }

    fn check_authority(&mut self, record: &Record, signature_ok: bool) {
        let seq = record.seq;
        let env = &record.envelope;
        let origin_ok = self.origin.as_deref().is_none_or(|o| o == env.origin);
        if let Some(origin) = self.origin.clone().filter(|_| !origin_ok) {
            let msg = format!("envelope names ledger {:?}, not this ledger {origin:?}", env.origin);
            self.fail(seq, Check::Origin, msg);
        }
        let Some(authority) = &self.authority else {
            return; // no valid genesis: reported once, at record 0
        };
        match authority.decide(record) {
            Ok(change) => {
                if let Some(change) = change {
                    // A governance event counts only if it is authentic and ours.
                    if signature_ok
                        && origin_ok
                        && let Some(a) = self.authority.as_mut()
                    {
                        a.apply(seq, env.time, change);
                    }
                } else if !authority.roots().contains(&env.author) && self.tracks(&env.author) {
                    self.signed_by.entry(env.author).or_default().push(seq);
                }
            }
            Err(AuthorityError::UnknownSigner { key_id }) => {
                self.fail(
                    seq,
                    Check::Signer,
                    format!("signed by key {key_id}, which this ledger does not know at this point"),
                );
            }
            Err(e) => {
                if !authority.roots().contains(&env.author) && self.tracks(&env.author) {
                    self.signed_by.entry(env.author).or_default().push(seq);
                }
                self.fail(seq, Check::Authority, e.to_string());
            }
        }
    }

    /// Ends the run: applies retroactive compromise revocations, checks the
    /// expected head, and sorts the findings by sequence number.
    pub fn finish(mut self) -> Report {
        if self.records == 0 && !self.resumed {
            self.fail(0, Check::Genesis, "the ledger has no records, not even a genesis record");
        }
        if let Some(authority) = &self.authority {
            let mut late = Vec::new();
            for info in authority.keys() {
                let (Some(rev), Some(signed)) = (&info.revoked, self.signed_by.get(&info.key)) else { continue };
                let Some(from) = rev.compromised_from else { continue };
                for &s in signed.iter().filter(|&&s| s >= from && s < rev.seq) {
                    late.push(Finding {
                        seq: s,
                        check: Check::Authority,
                        message: format!(
                            "signed by key {} ({}) after it was compromised: revoked at seq {} as compromised from seq {from} ({})",
                            info.key_id, info.holder, rev.seq, rev.reason
                        ),
                    });
                }
            }
            self.findings.extend(late);
        }
        if let Some(expected) = self.options.expect_head
            && self.expected_head_at.is_none()
        {
            let (seq, head) = (self.head_seq.unwrap_or(0), self.head.map(|h| h.to_hex()).unwrap_or_default());
            self.fail(
                seq,
                Check::Head,
                format!(
                    "the expected head {expected} is not in this ledger (its head is {head} at seq {seq}): \
                         the ledger was truncated, rolled back or rewritten"
                ),
            );
        }
        sort_findings(&mut self.findings);
        Report {
            records: self.records,
            head: self.head,
            head_seq: self.head_seq,
            expected_head_at: self.expected_head_at,
            findings: self.findings,
            origin: self.origin,
            authority: self.authority,
        }
    }
}

/// Verifies a whole ledger held in memory.
pub fn verify_all(records: &[RawRecord], options: Options) -> Report {
    let mut v = Verifier::new(options);
    v.push(records);
    v.finish()
}
