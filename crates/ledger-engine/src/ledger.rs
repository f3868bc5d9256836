//! An open ledger: the store, this machine's local state of it, and the
//! state the append decisions need, kept in memory between appends and in
//! snapshots between processes.
//!
//! # The append path
//!
//! One `BEGIN IMMEDIATE` transaction per batch ([`Ledger::append`]):
//!
//! 1. the store checks the head and the tree's coverage before anything
//!    else (`ledger_store`, refusing evidence of tampering);
//! 2. the state as of the head is the one kept in memory if the head is
//!    still the one it was folded to, else the newest trusted snapshot
//!    caught up with the records after it, else the fold of every record
//!    from genesis ([`crate::snapshot`]);
//! 3. each event is decided (kernel rules, authority, the verifiable log's
//!    and the domain's rules), signed and sealed, in order;
//! 4. the records, their Merkle nodes and, every [`snapshot::EVERY`] domain
//!    records and at every change of a period's lifecycle, a snapshot of
//!    the state after the batch are written; commit, or roll back and
//!    nothing changed.
//!
//! An append therefore costs the batch plus at most the records since the
//! last snapshot, not the ledger.

use crate::Error;
use crate::local::{Cache, LocalState, TrustedSnapshot, VerifiedPoint};
use crate::remedy::{Form, Input, Remedy};
use crate::snapshot::{self, State};
use crate::verify::{CHUNK, domain_types, is_domain_record};
use ledger_core::append::{Ahead, AppendError, Batch, Head, Outcome, Refusal, Submission, sign_ahead};
use ledger_core::authority::{Authority, GOVERNANCE_STREAM, GOVERNANCE_TYPES, Genesis, is_governance_type};
use ledger_core::record::SignedEnvelope;
use ledger_core::{Hash, RawRecord, Record, SigningKey, Timestamp};
use ledger_domain::{Anomaly, AsOf, Decided, Domain, Replay};
use ledger_store::{AppendFailure, AppendTx, SnapshotRow, Store, StoreError};
use ledger_tlog::event::CheckpointRules;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// The most events one append takes (one transaction, decided in memory).
pub const MAX_BATCH: usize = 100_000;

/// Submissions signed ahead at a time on all cores ([`Batch::predict`],
/// [`sign_ahead`]), while the chunk before is decided and written.
const PRESIGN_CHUNK: usize = 1024;

/// Chunks being signed ahead of the one being decided.
const SIGNED_AHEAD: usize = 2;

/// Batches smaller than this are signed on the appending thread.
const SIGN_HERE_BELOW: usize = 32;

/// Who signs a batch: the author, and co-signers (root keys up to the
/// threshold, for governance events).
#[derive(Debug, Clone, Copy)]
pub struct Signer<'k> {
    /// The author's key.
    pub author: &'k SigningKey,
    /// Co-signing keys.
    pub cosigners: &'k [&'k SigningKey],
}

impl<'k> Signer<'k> {
    /// A single signer.
    pub fn new(author: &'k SigningKey) -> Signer<'k> {
        Signer { author, cosigners: &[] }
    }
}

/// What one line of a batch came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Appended {
    /// The input line (0 for an event a command built).
    pub line: usize,
    /// Its sequence number.
    pub seq: u64,
    /// The same event was already recorded there (an idempotent retry).
    pub existing: bool,
}

impl Appended {
    fn of(line: usize, outcome: Outcome) -> Appended {
        match outcome {
            Outcome::Appended(seq) => Appended { line, seq, existing: false },
            Outcome::Existing(seq) => Appended { line, seq, existing: true },
        }
    }
}

/// What [`Ledger::append_all`] came to: the lines decided, the lines
/// refused (each error without its line), and whether the batch was
/// written (only when asked to and no line was refused).
#[derive(Debug)]
pub struct Batched {
    /// The lines the rules took, with the seq each has or would have.
    pub results: Vec<Appended>,
    /// The lines refused, by line.
    pub refused: Vec<(usize, Error)>,
    /// Whether the batch was written.
    pub written: bool,
}

/// The state as of `head`, with how many domain records were folded since
/// the last snapshot.
#[derive(Debug)]
struct WriterState {
    head: Head,
    authority: Authority,
    replay: Replay,
    since_snapshot: u64,
    /// A snapshot should be written at the next append: the state was
    /// rebuilt from scratch, or a snapshot was found lying.
    snapshot_due: bool,
}

/// The appending machine's clock, which bounds how far in the future an
/// event may be dated (`docs/FORMAT.md`, "Time"): an event dated after it
/// by more than `max_skew` seconds is refused, whoever signed it, so that
/// no wrong clock can make every later event "late".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// This machine's time: `None` reads the system clock at each append;
    /// `Some` is a fixed time (a rehearsal of an assessment calendar,
    /// `LEDGER_NOW`, or a test).
    pub fixed: Option<Timestamp>,
    /// The most seconds an event may be dated after it.
    pub max_skew: u32,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock { fixed: None, max_skew: ledger_core::append::DEFAULT_MAX_SKEW }
    }
}

impl Clock {
    /// The time now, by this clock.
    pub fn now(&self) -> Timestamp {
        self.fixed.unwrap_or_else(Clock::system)
    }

    /// The system's clock, truncated to the second: the one place the
    /// engine reads it (the kernel and the domain are given every time).
    pub fn system() -> Timestamp {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Timestamp::from_unix(seconds).unwrap_or_else(Timestamp::epoch)
    }
}

/// An open ledger file.
#[derive(Debug)]
pub struct Ledger {
    store: Store,
    path: PathBuf,
    cache: Cache,
    writer: Option<WriterState>,
    warnings: Vec<String>,
    clock: Clock,
}

fn store_error(path: &Path, e: StoreError) -> Error {
    match e {
        StoreError::NotFound(_) => {
            Error::refused_with(format!("no ledger at {}", path.display()), Remedy::CreateLedger)
        }
        other => other.into(),
    }
}

impl Ledger {
    /// Opens a ledger for reading and appending. Opening writes nothing.
    pub fn open(path: &Path, cache: Cache) -> Result<Ledger, Error> {
        let store = Store::open(path).map_err(|e| store_error(path, e))?;
        Ok(Ledger { store, path: path.to_owned(), cache, writer: None, warnings: Vec::new(), clock: Clock::default() })
    }

    /// Opens a ledger read-only: nothing done through it changes the file.
    pub fn open_read_only(path: &Path, cache: Cache) -> Result<Ledger, Error> {
        let store = Store::open_read_only(path).map_err(|e| store_error(path, e))?;
        Ok(Ledger { store, path: path.to_owned(), cache, writer: None, warnings: Vec::new(), clock: Clock::default() })
    }

    /// Creates a ledger with its genesis record: refuses an existing file.
    pub fn create(
        path: &Path,
        origin: &str,
        genesis: &Genesis,
        signer: Signer<'_>,
        time: Timestamp,
        cache: Cache,
    ) -> Result<(Ledger, Record), Error> {
        if path.exists() {
            return Err(Error::refused_with(
                format!("{} already exists; refusing to overwrite it", path.display()),
                Remedy::FixInput { input: Input::Ledger },
            ));
        }
        if !ledger_core::record::valid_origin(origin) {
            return Err(Error::refused_with(
                format!("origin {origin:?} is not valid"),
                Remedy::WriteAs { form: Form::Origin },
            ));
        }
        let record =
            ledger_core::append::genesis(origin, genesis, signer.author, signer.cosigners, time, "genesis".into())
                .map_err(|e| Error::refused(format!("genesis refused: {e}")))?;
        let store = Store::create(path, &record).map_err(|e| store_error(path, e))?;
        // A new ledger at this path is the explicit act of starting another
        // history there: what this machine verified of an earlier one is dropped.
        let mut warnings = Vec::new();
        if let Err(e) = cache.forget(path, origin) {
            warnings.push(e);
        }
        Ok((Ledger { store, path: path.to_owned(), cache, writer: None, warnings, clock: Clock::default() }, record))
    }

    /// Runs a read of the whole ledger so that it sees one consistent state:
    /// a file opened as immutable (no writer was active) that a writer
    /// changed meanwhile is opened again as one read transaction, which a
    /// writer cannot change, and the read runs again.
    pub(crate) fn consistent<T>(&mut self, mut read: impl FnMut(&mut Ledger) -> Result<T, Error>) -> Result<T, Error> {
        let result = read(self);
        if self.stable()? {
            return result;
        }
        read(self)
    }

    /// False when a writer changed a file read as immutable: the store is
    /// then opened again as one read transaction, for the caller to read
    /// again.
    pub(crate) fn stable(&mut self) -> Result<bool, Error> {
        if self.store.unchanged_since_open() {
            return Ok(true);
        }
        self.reopen_snapshot()?;
        Ok(false)
    }

    /// The last seq of the file as it is now, outside this read's snapshot
    /// (`None` when it cannot be read).
    pub(crate) fn live_head_seq(&self) -> Result<Option<u64>, Error> {
        Ok(Store::open_read_snapshot(&self.path).ok().and_then(|s| s.head().ok()).map(|h| h.seq))
    }

    /// Reads from now on from a new snapshot of the file as it is now.
    pub(crate) fn reopen_snapshot(&mut self) -> Result<(), Error> {
        self.store = Store::open_read_snapshot(&self.path).map_err(|e| store_error(&self.path, e))?;
        self.writer = None;
        Ok(())
    }

    /// Sets the clock appends are bounded by (default: the system clock and
    /// [`ledger_core::append::DEFAULT_MAX_SKEW`]).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// The clock appends are bounded by.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Records in the ledger: the last sequence number + 1.
    pub fn record_count(&self) -> Result<u64, Error> {
        Ok(self.store.head()?.seq + 1)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last record (its seq, hash and time) and the ledger's origin.
    pub fn head(&self) -> Result<ledger_core::append::Head, Error> {
        Ok(self.store.head()?)
    }

    /// Record `seq`, decoded (its hash and signatures not checked here;
    /// [`Ledger::verify`] does); `None` past the head, where
    /// [`Ledger::record`] refuses. A record whose bytes do not decode is
    /// evidence of tampering.
    pub fn find_record(&self, seq: u64) -> Result<Option<Record>, Error> {
        let Some(raw) = self.store.get(seq)? else { return Ok(None) };
        raw.decode().map(Some).map_err(|e| Error::Tampered { seq, message: format!("record {seq}: {e}") })
    }

    /// At most `limit` records from `from`, as stored.
    pub fn raw_records(&self, from: u64, limit: usize) -> Result<Vec<ledger_core::RawRecord>, Error> {
        Ok(self.store.read(from, limit)?)
    }

    /// The records the Merkle tree holds (`docs/FORMAT.md`, section 1).
    pub fn tree_size(&self) -> Result<u64, Error> {
        self.store.tree().current_size().map_err(|e| Error::refused(e.to_string()))
    }

    /// The seq of the last checkpoint record (`None`: never sealed).
    pub fn last_checkpoint_seq(&self) -> Result<Option<u64>, Error> {
        Ok(self.store.last_of_type(ledger_tlog::event::CHECKPOINT_TYPE)?.map(|r| r.seq))
    }

    /// The store, for the read queries of this crate; outside it, the
    /// methods above.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// A record that changes neither the authority nor the domain state (a
    /// checkpoint) was appended on top of the head the writer state is at:
    /// the state is the same at the new head.
    pub(crate) fn moved_past_non_state_record(&mut self, head: Head) {
        match &mut self.writer {
            Some(w) if w.head.seq + 1 == head.seq => w.head = head,
            _ => self.writer = None,
        }
    }

    /// Diagnostics gathered since the last call (a snapshot ignored, a local
    /// state that could not be written): for stderr, never for results.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    pub(crate) fn warn(&mut self, w: impl Into<String>) {
        self.warnings.push(w.into());
    }

    /// This machine's local state of the ledger (its verified point and
    /// trusted snapshots), with a note when a stale one was set aside.
    pub(crate) fn local_state(&mut self) -> Result<LocalState, Error> {
        let genesis = self.store.get(0)?.ok_or(StoreError::Empty)?;
        let origin = ledger_core::Envelope::from_bytes(&genesis.envelope)
            .map(|e| e.origin)
            .map_err(|e| StoreError::Corrupt { seq: 0, reason: e.to_string() })?;
        let hash = Hash::from_slice(&genesis.hash).unwrap_or(Hash::ZERO);
        let (state, note) = self.cache.load(&self.path, &origin, &hash);
        if let Some(n) = note {
            self.warn(n);
        }
        Ok(state)
    }

    /// Forgets what this machine verified of this ledger (`ledger forget`):
    /// the explicit act of accepting the history the file holds now when
    /// it disagrees with the one verified before (an older copy restored,
    /// another ledger at the same path). Returns what was forgotten; the
    /// next verification or read checks the file from its genesis record.
    pub fn forget(&mut self) -> Result<Option<LocalState>, Error> {
        let genesis = self.store.get(0)?.ok_or(StoreError::Empty)?;
        let origin = ledger_core::Envelope::from_bytes(&genesis.envelope)
            .map(|e| e.origin)
            .map_err(|e| StoreError::Corrupt { seq: 0, reason: e.to_string() })?;
        self.writer = None;
        self.cache.forget(&self.path, &origin).map_err(Error::refused)
    }

    /// The domain state the last append in this process left, if any.
    pub fn writer_domain(&self) -> Option<&Domain> {
        self.writer.as_ref().map(|w| &w.replay.domain)
    }

    /// The domain state as of the head, as the append decisions see it.
    pub fn domain(&mut self) -> Result<&Domain, Error> {
        let head = self.store.head()?;
        if self.writer.as_ref().is_none_or(|w| w.head != head) {
            let local = self.local_state()?;
            let mut warnings = Vec::new();
            let w = load_state(&self.store, &head, &local, &mut warnings)?;
            self.warnings.extend(warnings);
            self.remember(local, w.1);
            self.writer = Some(w.0);
        }
        match &self.writer {
            Some(w) => Ok(&w.replay.domain),
            None => Err(Error::refused("the domain state could not be loaded")),
        }
    }

    fn remember(&mut self, mut local: LocalState, learned: Option<TrustedSnapshot>) {
        if let Some(s) = learned {
            local.remember(s);
            if let Err(e) = local.save() {
                self.warn(e);
            }
        }
    }

    /// Decides, signs and writes a batch in one transaction: every line or
    /// none. `now` is the signing time (moved forward to the head's time
    /// when the clock is behind it). The error names the line.
    pub fn append(
        &mut self,
        submissions: &[(usize, Submission)],
        signer: Signer<'_>,
        now: Timestamp,
    ) -> Result<Vec<Appended>, Error> {
        self.append_personal(submissions, &[], signer, now)
    }

    /// [`Ledger::append`], and in the same transaction the personal data
    /// the events refer to by commitment, kept beside a line's record
    /// (`docs/FORMAT.md`, "Personal data"). An erasure (a
    /// `personal_data_redacted` event, by any path) deletes the data in the
    /// same transaction and empties the write-ahead log afterwards, so that
    /// the details are in no log frame either.
    pub fn append_personal(
        &mut self,
        submissions: &[(usize, Submission)],
        personal: &[(usize, PersonalOp)],
        signer: Signer<'_>,
        now: Timestamp,
    ) -> Result<Vec<Appended>, Error> {
        self.append_lines(submissions, personal, signer, now, None).map(|(results, _)| results)
    }

    /// Decides every line of a batch against the ledger as it stands, with
    /// the same rules as [`Ledger::append`], and goes on past a line the
    /// rules refuse to decide the others: the refusals of every line come
    /// back at once, each with its line (the error names no line: its
    /// caller says where). Writes the batch only when `write` and no line
    /// was refused; else rolls back, and nothing changed (a check: the
    /// events are signed in memory as an append signs them, and dropped).
    /// Evidence of tampering, a busy or failing store stop it at once.
    pub fn append_all(
        &mut self,
        submissions: &[(usize, Submission)],
        signer: Signer<'_>,
        now: Timestamp,
        write: bool,
    ) -> Result<Batched, Error> {
        let mut refused = Vec::new();
        let (results, written) = self.append_lines(submissions, &[], signer, now, Some((&mut refused, write)))?;
        Ok(Batched { results, refused, written })
    }

    /// The batch, stopping at the first refusal (`collect: None`) or going
    /// on past refused lines, gathering them (`Some((refusals, write))`).
    /// Also whether it was written.
    fn append_lines(
        &mut self,
        submissions: &[(usize, Submission)],
        personal: &[(usize, PersonalOp)],
        signer: Signer<'_>,
        now: Timestamp,
        collect: Option<(&mut Vec<(usize, Error)>, bool)>,
    ) -> Result<(Vec<Appended>, bool), Error> {
        let (mut refused, write) = match collect {
            Some((refused, write)) => (Some(refused), write),
            None => (None, true),
        };
        self.append_events(submissions.len(), personal, |batch, results, written| {
            // A refused line stops the batch, or is kept when the batch
            // goes on past refusals (a failure of the store stops it all
            // the same).
            let mut take = |n: usize, outcome: Result<Outcome, AppendError<StoreError>>| -> Result<(), Error> {
                match (outcome, &mut refused) {
                    (Ok(o), _) => {
                        results.push(Appended::of(n, o));
                        Ok(())
                    }
                    (Err(e @ AppendError::Store(_)), _) | (Err(e), None) => Err(line_error(n, e)),
                    (Err(e), Some(refused)) => {
                        refused.push((n, line_error(0, e)));
                        Ok(())
                    }
                }
            };
            let progress = crate::progress::task("signing and appending", submissions.len() as u64);
            let author = ledger_core::PublicKey::from(signer.author);
            let (key, cosigners) = (signer.author, signer.cosigners);
            if submissions.len() < SIGN_HERE_BELOW {
                // A clerk's few events: signed here, sparing the hand-over
                // to other threads (which costs more than it saves).
                for (n, sub) in submissions {
                    progress.advance(1);
                    take(*n, batch.add(sub.clone(), key, cosigners, now))?;
                }
            } else {
                // Pipelined, a chunk at a time (memory stays bounded): while
                // the pool signs the envelopes the next chunk will have if
                // appended in order, this thread decides, seals and writes the
                // chunk before with the signatures made for it.
                let chunks: Vec<&[(usize, Submission)]> = submissions.chunks(PRESIGN_CHUNK).collect();
                let pipelined = crate::pool_can_help();
                let mut ahead = Ahead::default();
                rayon::in_place_scope(|scope| -> Result<(), Error> {
                    let mut sign = |chunk: &[(usize, Submission)], batch: &Batch<'_, AppendTx<'_>, Rules<'_>>| {
                        let subs: Vec<Submission> = chunk.iter().map(|(_, s)| s.clone()).collect();
                        let envelopes = batch.predict(&mut ahead, &subs, &author, now);
                        let (tx, signed) = mpsc::sync_channel(1);
                        if pipelined {
                            scope.spawn(move |_| {
                                let _ = tx.send(sign_ahead(envelopes, key, cosigners));
                            });
                        } else {
                            let _ = tx.send(sign_ahead(envelopes, key, cosigners));
                        }
                        (subs, signed)
                    };
                    // Two chunks signed ahead: the pool never waits for this
                    // thread to ask for more.
                    let mut queued: std::collections::VecDeque<_> =
                        chunks.iter().take(SIGNED_AHEAD).map(|c| sign(c, batch)).collect();
                    for (i, chunk) in chunks.iter().enumerate() {
                        let Some((subs, signed)) = queued.pop_front() else { break };
                        if let Some(c) = chunks.get(i + SIGNED_AHEAD) {
                            queued.push_back(sign(c, batch));
                        }
                        let presigned = signed.recv().unwrap_or_default();
                        let mut presigned = presigned.into_iter();
                        for ((n, _), sub) in chunk.iter().zip(subs) {
                            progress.advance(1);
                            take(*n, batch.add_presigned(sub, key, cosigners, now, presigned.next().flatten()))?;
                        }
                        written.write(batch)?;
                    }
                    Ok(())
                })?;
            }
            Ok(write && refused.as_ref().is_none_or(|r| r.is_empty()))
        })
    }

    /// Writes events signed elsewhere (`ledger sign`; `ledger append
    /// --signed`; the HTTP service) in one transaction: every line or none,
    /// each passing the same checks as a direct append, on the envelope as
    /// it was signed ([`Batch::add_signed`]). An event already recorded is
    /// reported as such.
    pub fn append_signed(&mut self, events: &[(usize, SignedEnvelope)]) -> Result<Vec<Appended>, Error> {
        self.append_events(events.len(), &[], |batch, results, _| {
            let progress = crate::progress::task("appending", events.len() as u64);
            for (n, signed) in events {
                progress.advance(1);
                let outcome = batch.add_signed(signed.clone()).map_err(|e| line_error(*n, e))?;
                results.push(Appended::of(*n, outcome));
            }
            Ok(true)
        })
        .map(|(results, _)| results)
    }

    /// [`Ledger::append_signed`] for events given as the lines `ledger sign`
    /// writes, numbered: each is decoded as the batch takes it ([`crate::sign::read_signed_line`])
    /// and the records are written a chunk at a time, so that memory holds
    /// the text and one chunk, not every event decoded and every record at
    /// once (the HTTP service, with bodies of up to 100,000 events). A line
    /// that does not decode refuses the batch, naming it.
    pub fn append_signed_lines(&mut self, lines: &[(usize, &str)]) -> Result<Vec<Appended>, Error> {
        self.append_events(lines.len(), &[], |batch, results, written| {
            let progress = crate::progress::task("appending", lines.len() as u64);
            for (i, (n, line)) in lines.iter().enumerate() {
                progress.advance(1);
                let Some(signed) = crate::sign::read_signed_line(*n, line)? else { continue };
                let outcome = batch.add_signed(signed).map_err(|e| line_error(*n, e))?;
                results.push(Appended::of(*n, outcome));
                if (i + 1) % PRESIGN_CHUNK == 0 {
                    written.write(batch)?;
                }
            }
            Ok(true)
        })
        .map(|(results, _)| results)
    }

    /// Decides a batch with `decide` (which says whether to write what it
    /// decided) in one transaction; the results, and whether they were
    /// written (else the transaction was rolled back).
    fn append_events(
        &mut self,
        count: usize,
        personal: &[(usize, PersonalOp)],
        mut decide: impl FnMut(
            &mut Batch<'_, AppendTx<'_>, Rules<'_>>,
            &mut Vec<Appended>,
            &mut Written,
        ) -> Result<bool, Error>,
    ) -> Result<(Vec<Appended>, bool), Error> {
        if count > MAX_BATCH {
            return Err(Error::refused_with(
                format!(
                    "{} events in one batch, more than the {MAX_BATCH} a batch may hold; nothing was appended",
                    count
                ),
                Remedy::SplitInput { max: MAX_BATCH },
            ));
        }
        let mut slot = self.writer.take();
        let clock = self.clock;
        let local = self.local_state()?;
        // Never extend a file that disagrees with what this machine verified
        // of it (an older copy restored, another history): that would make
        // the rollback or the fork permanent.
        if let Some(f) = self.against_memory(&local, self.store.head()?.seq)? {
            return Err(Error::Tampered { seq: f.seq, message: format!("{}; nothing was appended", f.message) });
        }
        let mut warnings = Vec::new();
        let mut unwritten = None;
        let result = self.store.append(|tx| -> Result<_, Error> {
            let head = tx.head()?;
            let (mut w, learned) = match slot.take() {
                Some(w) if w.head == head => (w, None),
                _ => load_state(tx, &head, &local, &mut warnings)?,
            };
            let before = head.clone();
            let mut written = Written::default();
            let (results, records) = {
                let mut rules = CheckpointRules::new(Fold(&mut w.replay));
                let mut batch =
                    Batch::new(tx, head, w.authority.clone(), &mut rules).with_clock(clock.now(), clock.max_skew);
                let mut results = Vec::with_capacity(count);
                if !decide(&mut batch, &mut results, &mut written)? {
                    // Decided and not to be written: rolled back.
                    unwritten = Some(results);
                    return Err(Error::refused("not written"));
                }
                w.authority = batch.authority().clone();
                (results, batch.into_records())
            };
            written.count(&records);
            for (line, op) in personal {
                let Some(r) = results.iter().find(|r| r.line == *line) else { continue };
                if r.existing {
                    continue;
                }
                let PersonalOp::Keep { salt, details } = op;
                tx.put_personal(r.seq, salt, details)?;
            }
            // Every erasure recorded, however it came (a command here, a line
            // signed elsewhere, the service), deletes the data it certifies
            // erased, in the same transaction.
            for record in &written.erasures {
                tx.erase_personal(*record)?;
            }
            let erased = !written.erasures.is_empty();
            let mut snapshot_written = None;
            if let Some((seq, hash, time)) = written.last {
                w.since_snapshot += written.domain;
                w.head = Head { seq, hash, time, origin: before.origin.clone() };
                if w.snapshot_due || written.period_change || w.since_snapshot >= snapshot::EVERY {
                    let body = encode(&w);
                    tx.put_snapshot(seq, &hash.0, &body)?;
                    snapshot_written = Some(TrustedSnapshot { seq, hash, digest: snapshot::digest(&body) });
                    w.since_snapshot = 0;
                    w.snapshot_due = false;
                }
            }
            Ok((records, (results, w, learned, snapshot_written, before, erased)))
        });
        self.warnings.extend(warnings);
        if let Some(results) = unwritten {
            return Ok((results, false));
        }
        match result {
            Ok((results, w, learned, written, before, erased)) => {
                // The details erased are in no log frame either.
                if erased && let Err(e) = self.store.truncate_log() {
                    self.warn(format!("the write-ahead log could not be emptied after the erasure: {e}"));
                }
                let mut local = local;
                let mut changed = false;
                for s in learned.into_iter().chain(written) {
                    local.remember(s);
                    changed = true;
                }
                // Records this process decided and sealed on top of a point it
                // had verified are verified too: move the point forward.
                if let Some(v) = &local.verified
                    && v.seq == before.seq
                    && v.hash == before.hash
                    && w.head.seq > before.seq
                    && let Some(mut frontier) = v.frontier()
                {
                    for seq in before.seq + 1..=w.head.seq {
                        if let Some(raw) = self.store.get(seq)?
                            && let Some(h) = Hash::from_slice(&raw.hash)
                        {
                            frontier.push(&h.0);
                        }
                    }
                    if frontier.size() == w.head.seq + 1 {
                        local.verified = Some(VerifiedPoint::new(w.head.seq, w.head.hash, &frontier, self.clock.now()));
                        changed = true;
                    }
                }
                if changed && let Err(e) = local.save() {
                    self.warn(e);
                }
                self.writer = Some(w);
                Ok((results, true))
            }
            Err(AppendFailure::Refused(e)) => Err(e.context("nothing was appended")),
            Err(AppendFailure::Store(e)) => Err(Error::from(e).context("nothing was appended")),
        }
    }
}

/// The records of an append, as far as its snapshot needs them: counted
/// as they are written during the decision ([`Written::write`]) and at its
/// end.
#[derive(Debug, Default)]
pub(crate) struct Written {
    /// Domain records.
    domain: u64,
    /// Whether one changes a period's lifecycle.
    period_change: bool,
    /// The last record: seq, hash, time.
    last: Option<(u64, Hash, Timestamp)>,
    /// The records whose personal data a `personal_data_redacted` record
    /// of the batch erases.
    erasures: Vec<u64>,
}

impl Written {
    fn count(&mut self, records: &[Record]) {
        for r in records.iter().filter(|r| is_domain_record(r)) {
            self.domain += 1;
            self.period_change |= snapshot::changes_period(&r.envelope.event_type);
            if r.envelope.event_type == ledger_domain::personal::REDACTED_TYPE
                && let Some(record) = r.envelope.data.get("record").and_then(serde_json::Value::as_u64)
            {
                self.erasures.push(record);
            }
        }
        if let Some(last) = records.last() {
            self.last = Some((last.seq, last.hash, last.envelope.time));
        }
    }

    /// Writes the records the batch decided so far, in its transaction.
    fn write(&mut self, batch: &mut Batch<'_, AppendTx<'_>, Rules<'_>>) -> Result<(), Error> {
        let records = batch.drain_records();
        self.count(&records);
        batch.view().write(&records)?;
        Ok(())
    }
}

/// What an append keeps of personal data beside its records. (Erasing
/// needs no operation: a `personal_data_redacted` record erases the data
/// it names in the transaction that writes it, however it arrives.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonalOp {
    /// Keep the salt and the details (canonical JSON) that open the
    /// commitment of this line's record.
    Keep {
        /// The 32 random bytes.
        salt: [u8; 32],
        /// The details, canonical JSON.
        details: String,
    },
}

/// The snapshot body of a writer's state.
fn encode(w: &WriterState) -> Vec<u8> {
    encode_state(&w.authority, &w.replay.domain, &w.replay.anomalies)
}

/// The snapshot body of a state held in parts: the same bytes as
/// [`State::encode`] of the owned state.
pub(crate) fn encode_state(authority: &Authority, domain: &Domain, anomalies: &[Anomaly]) -> Vec<u8> {
    #[derive(Serialize)]
    struct StateRef<'a> {
        format: u32,
        authority: &'a Authority,
        domain: &'a Domain,
        anomalies: &'a [Anomaly],
    }
    serde_json::to_vec(&StateRef { format: snapshot::FORMAT, authority, domain, anomalies }).unwrap_or_default()
}

/// The rules an append passes besides the kernel's: the log's checkpoints
/// around the domain's.
type Rules<'a> = CheckpointRules<Fold<'a>>;

/// The domain rules as the writer applies them: what the domain decides
/// (its own event types only) changes the domain state, exactly as in the
/// replay.
struct Fold<'a>(&'a mut Replay);

impl ledger_core::append::Rules for Fold<'_> {
    type Decision = Decided;
    fn latest_schema(&self, event_type: &str) -> Option<u32> {
        <Domain as ledger_core::append::Rules>::latest_schema(&self.0.domain, event_type)
    }
    fn mandate(&self, envelope: &ledger_core::Envelope) -> Result<(), Refusal> {
        self.0.domain.mandate(envelope)
    }
    fn decide(&self, envelope: &ledger_core::Envelope) -> Result<Decided, Refusal> {
        self.0.domain.decide(envelope)
    }
    fn apply(&mut self, record: &Record, decided: Decided) {
        self.0.domain.apply(record, decided);
        self.0.position = Some(record.seq);
    }
}

/// An error of one line, with what can be done about it.
fn line_error(n: usize, e: AppendError<StoreError>) -> Error {
    let remedy = match &e {
        AppendError::Conflict { stream, .. } => Some(Remedy::DecideAgain { stream: Some(stream.clone()) }),
        AppendError::Late { .. } => Some(Remedy::DecideAgain { stream: None }),
        AppendError::UnknownType(_) => Some(Remedy::WriteAs { form: Form::EventType }),
        AppendError::Authority(_) => Some(Remedy::CheckRoles),
        AppendError::Future { .. } => Some(Remedy::SetClock),
        _ => None,
    };
    let e = match e {
        AppendError::Store(s) => return Error::from(s),
        AppendError::Refused(refusal) => return Error::rules(n, refusal, remedy),
        other => other,
    };
    // Line 0 is a single event built by a command, not read from a file.
    let message = if n == 0 { e.to_string() } else { format!("line {n}: {e}") };
    match e {
        AppendError::Conflict { .. } | AppendError::DuplicateId { .. } | AppendError::Late { .. } => {
            Error::Conflict { message, remedy }
        }
        AppendError::Authority(_) | AppendError::Mandate(_) => Error::Forbidden { message },
        _ => Error::Refused { message, remedy, rule: None },
    }
}

/// What the state loader reads: the store, or the store inside an append
/// transaction.
pub(crate) trait Source {
    fn get(&self, seq: u64) -> Result<Option<RawRecord>, StoreError>;
    fn snapshots(&self) -> Result<Vec<SnapshotRow>, StoreError>;
    fn snapshot_body(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError>;
    fn for_each_of_types(&self, types: &[&str], from: u64, f: &mut dyn FnMut(&[RawRecord])) -> Result<(), StoreError>;
    /// Records held, for progress only (0 when not known).
    fn len_hint(&self) -> u64;
}

impl Source for Store {
    fn get(&self, seq: u64) -> Result<Option<RawRecord>, StoreError> {
        Store::get(self, seq)
    }
    fn snapshots(&self) -> Result<Vec<SnapshotRow>, StoreError> {
        Store::snapshots(self)
    }
    fn snapshot_body(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Store::snapshot_body(self, seq)
    }
    fn for_each_of_types(&self, types: &[&str], from: u64, f: &mut dyn FnMut(&[RawRecord])) -> Result<(), StoreError> {
        Store::for_each_of_types(self, types, from, CHUNK, f)
    }
    fn len_hint(&self) -> u64 {
        Store::head(self).map_or(0, |h| h.seq + 1)
    }
}

impl Source for AppendTx<'_> {
    fn get(&self, seq: u64) -> Result<Option<RawRecord>, StoreError> {
        AppendTx::get(self, seq)
    }
    fn snapshots(&self) -> Result<Vec<SnapshotRow>, StoreError> {
        AppendTx::snapshots(self)
    }
    fn snapshot_body(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        AppendTx::snapshot_body(self, seq)
    }
    fn for_each_of_types(&self, types: &[&str], from: u64, f: &mut dyn FnMut(&[RawRecord])) -> Result<(), StoreError> {
        AppendTx::for_each_of_types(self, types, from, CHUNK, f)
    }
    fn len_hint(&self) -> u64 {
        AppendTx::head(self).map_or(0, |h| h.seq + 1)
    }
}

/// The event types the state is folded from: governance and domain.
fn state_types() -> Vec<&'static str> {
    let mut types: Vec<&str> = GOVERNANCE_TYPES.to_vec();
    types.extend(domain_types());
    types
}

/// A snapshot row bound to its record: the row, the record's hash, the
/// body, and the record's time.
pub(crate) struct Bound {
    row: SnapshotRow,
    hash: Hash,
    body: Vec<u8>,
    time: Option<Timestamp>,
}

/// The snapshot rows at or before `upto` that are bound to their record's
/// stored hash, newest first, with their bodies. Rows that are not are
/// reported in `warnings` and passed over.
pub(crate) fn bound_snapshots(src: &impl Source, upto: u64, warnings: &mut Vec<String>) -> Result<Vec<Bound>, Error> {
    let mut out = Vec::new();
    for row in src.snapshots()? {
        if row.seq > upto {
            warnings.push(format!(
                "warning: a snapshot is as of record {} but the ledger ends at {upto}: ignored (a full verification reports it)",
                row.seq
            ));
            continue;
        }
        let record = src.get(row.seq)?;
        let stored = record.as_ref().and_then(|r| Hash::from_slice(&r.hash));
        match stored {
            Some(hash) if hash.0[..] == row.hash[..] => {
                let time = record.and_then(|r| ledger_core::Envelope::from_bytes(&r.envelope).ok()).map(|e| e.time);
                // A snapshot another version of the software wrote is of no use here, and no lie.
                if let Some(body) = src.snapshot_body(row.seq)?
                    && State::format_of(&body) == Some(snapshot::FORMAT)
                {
                    out.push(Bound { row, hash, body, time });
                }
            }
            _ => warnings.push(format!(
                "warning: the snapshot as of record {} is bound to another record than the one stored there: ignored, the state is folded again from the records (a full verification reports it)",
                row.seq
            )),
        }
    }
    Ok(out)
}

/// The state as of `head`, for the writer: see [`fold_state`].
fn load_state(
    src: &impl Source,
    head: &Head,
    local: &LocalState,
    warnings: &mut Vec<String>,
) -> Result<(WriterState, Option<TrustedSnapshot>), Error> {
    let folded = fold_state(src, head.seq, local, warnings, AsOf::End)?;
    let w = WriterState {
        head: head.clone(),
        authority: folded.authority,
        replay: folded.replay,
        since_snapshot: folded.since_snapshot,
        snapshot_due: folded.snapshot_due,
    };
    Ok((w, folded.learned))
}

/// The domain fold as of `as_of`, for a read: see [`fold_state`].
pub(crate) fn load_state_until(
    src: &impl Source,
    head: &Head,
    local: &LocalState,
    warnings: &mut Vec<String>,
    as_of: AsOf,
) -> Result<(Replay, Option<TrustedSnapshot>), Error> {
    let folded = fold_state(src, head.seq, local, warnings, as_of)?;
    Ok((folded.replay, folded.learned))
}

/// A fold of the state, and what was learned on the way.
struct Folded {
    authority: Authority,
    replay: Replay,
    since_snapshot: u64,
    snapshot_due: bool,
    learned: Option<TrustedSnapshot>,
}

/// The state as of `as_of` (within `head`): the newest snapshot in the view
/// that this machine trusts, caught up with the records after it, else
/// folded from genesis. A fold from genesis checks the newest bound
/// snapshot on the way; this machine trusts it from then on if it is the
/// state the records give (`learned`), and a lying one is reported.
fn fold_state(
    src: &impl Source,
    head: u64,
    local: &LocalState,
    warnings: &mut Vec<String>,
    as_of: AsOf,
) -> Result<Folded, Error> {
    let candidates: Vec<Bound> = bound_snapshots(src, head, warnings)?
        .into_iter()
        .filter(|b| match as_of {
            AsOf::End => true,
            AsOf::Seq(n) => b.row.seq <= n,
            AsOf::Time(t) => b.time.is_some_and(|time| time <= t),
        })
        .collect();
    for b in &candidates {
        let digest = snapshot::digest(&b.body);
        if !local.trusts(b.row.seq, &b.hash, &digest) {
            if local.knows_snapshot_at(b.row.seq) {
                warnings.push(format!(
                    "warning: the snapshot as of record {} is not the one this machine wrote or checked (the table was edited): ignored, the state is folded again from the records (a full verification reports it)",
                    b.row.seq
                ));
            }
            continue;
        }
        match State::decode(&b.body) {
            Ok(state) => {
                let (authority, replay) = state.into_replay(b.row.seq);
                let mut fold =
                    StateFold { authority: Some(authority), replay, folded: 0, check: None, verdict: None, until: as_of };
                fold.catch_up(src, b.row.seq + 1)?;
                return fold.finish(false);
            }
            Err(e) => warnings.push(format!(
                "warning: the snapshot as of record {} does not decode ({e}): ignored, the state is folded again from the records",
                b.row.seq
            )),
        }
    }
    let check = candidates.into_iter().next().map(|b| (b.row.seq, b.hash, snapshot::digest(&b.body)));
    let mut fold = StateFold { authority: None, replay: Replay::new(), folded: 0, check, verdict: None, until: as_of };
    fold.catch_up(src, 0)?;
    if let Some(Err(seq)) = &fold.verdict {
        warnings.push(format!(
            "warning: the snapshot as of record {seq} is not the state the records give (the table was edited): ignored; a new one is written with the next append (a full verification reports it)"
        ));
    }
    fold.finish(true)
}

/// A fold of governance and domain records into the state.
struct StateFold {
    authority: Option<Authority>,
    replay: Replay,
    /// Domain records folded.
    folded: u64,
    /// A snapshot to compare with the fold once it has passed its record:
    /// `(seq, record hash, digest)`.
    check: Option<(u64, Hash, Hash)>,
    /// The comparison: the snapshot to trust, or the seq of one that lies.
    verdict: Option<Result<TrustedSnapshot, u64>>,
    /// Where to stop.
    until: AsOf,
}

impl StateFold {
    fn catch_up(&mut self, src: &impl Source, from: u64) -> Result<(), Error> {
        let types = state_types();
        let mut failure = None;
        let mut stopped = false;
        let progress = crate::progress::task("replaying", src.len_hint().saturating_sub(from));
        let mut done = from;
        src.for_each_of_types(&types, from, &mut |chunk| {
            if let Some(last) = chunk.last() {
                progress.advance(usize::try_from(last.seq + 1 - done).unwrap_or(0));
                done = last.seq + 1;
            }
            for raw in chunk {
                if failure.is_some() || stopped {
                    return;
                }
                self.check_before(raw.seq);
                match self.fold(raw) {
                    Ok(true) => {}
                    Ok(false) => stopped = true,
                    Err(e) => failure = Some(e),
                }
            }
        })?;
        match failure {
            Some(e) => Err(e),
            None => {
                self.check_before(u64::MAX);
                Ok(())
            }
        }
    }

    /// Before folding record `next`: the state is the one as of any record
    /// before it, so a snapshot as of such a record is compared now.
    fn check_before(&mut self, next: u64) {
        let Some((seq, hash, digest)) = self.check else { return };
        if next <= seq {
            return;
        }
        self.check = None;
        let Some(authority) = &self.authority else { return };
        let body = encode_state(authority, &self.replay.domain, &self.replay.anomalies);
        self.verdict =
            Some(if snapshot::digest(&body) == digest { Ok(TrustedSnapshot { seq, hash, digest }) } else { Err(seq) });
    }

    /// Folds one record; `false` when it is past the view (nothing more is folded).
    fn fold(&mut self, raw: &RawRecord) -> Result<bool, Error> {
        let record = raw.decode().map_err(|e| StoreError::Corrupt { seq: raw.seq, reason: e.to_string() })?;
        if !self.until.includes(&record) {
            return Ok(false);
        }
        let governance = |e: ledger_core::authority::AuthorityError| {
            Error::refused_with(
                format!("the ledger's governance records do not replay (record {}: {e})", record.seq),
                Remedy::Verify { seq: Some(record.seq) },
            )
        };
        if record.envelope.stream == GOVERNANCE_STREAM && is_governance_type(&record.envelope.event_type) {
            match &mut self.authority {
                None => self.authority = Some(Authority::genesis(&record).map_err(governance)?),
                Some(a) => {
                    if let Some(change) = a.decide(&record).map_err(governance)? {
                        a.apply(record.seq, record.envelope.time, change);
                    }
                }
            }
        } else if is_domain_record(&record) {
            self.replay.feed(&record, true);
            self.folded += 1;
        }
        Ok(true)
    }

    /// The state folded. `from_genesis`: a snapshot is due at the next
    /// append when many records were folded or a snapshot was found lying.
    fn finish(self, from_genesis: bool) -> Result<Folded, Error> {
        let authority = self.authority.ok_or_else(|| {
            Error::refused_with("the ledger has no valid genesis record", Remedy::Verify { seq: Some(0) })
        })?;
        let lying = matches!(self.verdict, Some(Err(_)));
        let snapshot_due = from_genesis && (lying || self.folded >= snapshot::EVERY);
        Ok(Folded {
            authority,
            replay: self.replay,
            since_snapshot: self.folded,
            snapshot_due,
            learned: self.verdict.and_then(Result::ok),
        })
    }
}
