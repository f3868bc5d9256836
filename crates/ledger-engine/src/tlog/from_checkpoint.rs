//! Verification of a ledger from a signed checkpoint (`ledger verify
//! --checkpoint/--state`), and the resumed record checks it shares with
//! every read: the kernel checks on the records after a trusted point, the
//! tree recomputed over them and compared with the stored one and with
//! every checkpoint recorded among them.

use crate::{Error, Ledger};
use ledger_core::authority::Authority;
use ledger_core::verify::{Check, Options, Resume, Verifier as RecordVerifier};
use ledger_core::{Envelope, PublicKey, Record};
use ledger_store::{Divergence, Store, StoreError, TreeCheck, TreeReader};
use ledger_tlog::{Frontier, Hash, Verifier, leaf_hash, verify_consistency, verify_inclusion};
use std::path::Path;

use super::checkpoint::{Problem, Signed, against_ledger, open_signed, open_signed_file, open_state};
use super::cosign::{Policy, meets_policy};
use super::keys::{b64, log_keys, write_atomically};
use super::{CHECKPOINT_TYPE, check_checkpoint_event};

/// What `verify --checkpoint/--state` is given.
#[derive(Debug, Default)]
pub struct FromCheckpoint<'a> {
    /// Root keys the genesis record must name.
    pub trusted_roots: Vec<PublicKey>,
    /// A signed checkpoint presented.
    pub checkpoint: Option<&'a Path>,
    /// The inspector's state file.
    pub state: Option<&'a Path>,
    /// The log's verifier key (text or file).
    pub vkey: Option<&'a str>,
    /// The witnesses whose cosignatures the checkpoint presented must carry.
    pub policy: Option<&'a Policy>,
}

/// What the record checks from a trusted point covered.
#[derive(Debug, Clone)]
pub struct Resumed {
    /// The first record verified.
    pub from: u64,
    /// Records verified.
    pub count: u64,
    /// The root of the tree of all records.
    pub root: Hash,
    /// The head (hex).
    pub head: Option<String>,
    /// The newest checkpoint recorded among the records verified, if it held.
    pub latest_recorded: Option<Signed>,
    /// The Merkle frontier of all the records, recomputed.
    pub frontier: Frontier,
    /// The records verified (checkpoint records aside) after the last
    /// checkpoint recorded among them that passed every check: covered by
    /// neither that checkpoint nor the trusted start (as `Verification`'s).
    pub unsealed: u64,
    /// The seq of that last recorded checkpoint.
    pub last_seal: Option<u64>,
}

/// The report of a verification from a checkpoint.
#[derive(Debug)]
pub struct CheckpointReport {
    /// Nothing failed.
    pub ok: bool,
    /// Every failed check, in sequence order.
    pub problems: Vec<Problem>,
    /// What the record checks covered (none when the checkpoint does not hold).
    pub verified: Option<Resumed>,
    /// The ledger's origin.
    pub origin: String,
    /// Records in the ledger.
    pub records: u64,
    /// What happened to the state file.
    pub state_note: Option<String>,
    /// The records under the checkpoint the verification started from,
    /// re-hashed (bytes, chain and Merkle root against the signed root) but
    /// not checked for signatures, authority or the domain's rules: those
    /// are the log's word, as its signature on the tree says.
    pub rehashed: u64,
}

impl Ledger {
    /// Verification from a signed checkpoint (`ledger verify --checkpoint/--state`):
    ///
    /// 1. the checkpoint (and the state's) must verify with the log key;
    /// 2. each must describe a prefix of the ledger (size within it, same
    ///    root as the stored tree there), and the one presented must be
    ///    consistent with the one seen before: otherwise a `consistency`
    ///    problem, with the notes, is the evidence of a rollback or fork;
    /// 3. the kernel checks then run on the records from the checkpoint's
    ///    size on only, resumed from the state the earlier records left;
    ///    the tree is recomputed over those records on top of the
    ///    checkpoint's subtrees and compared with the stored tree and with
    ///    every checkpoint recorded among them;
    /// 4. the state file moves to the newest checkpoint shown consistent,
    ///    only when nothing failed.
    pub fn verify_from_checkpoint(&mut self, args: &FromCheckpoint<'_>) -> Result<CheckpointReport, Error> {
        self.consistent(|l| l.checkpoint_report(args))
    }

    fn checkpoint_report(&self, args: &FromCheckpoint<'_>) -> Result<CheckpointReport, Error> {
        let store = self.store();
        let tree = store.tree();
        let records = tree.records()?;
        let early = |problem: Problem| CheckpointReport {
            ok: false,
            problems: vec![problem],
            verified: None,
            origin: "?".into(),
            records,
            state_note: None,
            rehashed: 0,
        };
        let tree_size = match tree.size() {
            Ok(size) => size,
            Err(StoreError::Tree(fault)) => {
                return Ok(early(Problem::new(0, Check::Tree, format!("the Merkle tree table is damaged: {fault}"))));
            }
            Err(e) => return Err(e.into()),
        };
        if tree_size < records {
            return Ok(early(Problem::new(
                tree_size,
                Check::Tree,
                format!(
                    "the stored Merkle tree covers only {tree_size} of the {records} records: records were written past the ledger's own writer, or the tree table was damaged; no checkpoint can be checked against it (a full verification says which)"
                ),
            )));
        }
        if records == 0 {
            return Err(Error::refused("the ledger holds no records, not even a genesis record"));
        }
        let genesis = store
            .get(0)?
            .and_then(|r| r.decode().ok())
            .ok_or_else(|| Error::refused_with("record 0 does not decode", crate::Remedy::Verify { seq: Some(0) }))?;
        let origin = genesis.envelope.origin.clone();
        let keys = log_keys(args.vkey, Some(self))?;
        let presented = args.checkpoint.map(|p| open_signed_file(p, &keys)).transpose()?;
        let mut policy_problem = None;
        if let (Some(policy), Some(p)) = (args.policy, &presented)
            && let Err(why) = meets_policy(&p.text, policy)
        {
            policy_problem =
                Some(Problem::new(p.size().min(records), Check::Consistency, format!("{}: {why}", p.source)));
        }
        let seen = match args.state {
            Some(path) => open_state(path, &keys)?,
            None => None,
        };
        let mut problems: Vec<Problem> = policy_problem.into_iter().collect();
        if tree_size > records {
            problems.push(Problem::new(
                records,
                Check::Consistency,
                format!(
                    "the Merkle tree holds {tree_size} leaves but the ledger only {records} records: records were removed from its end"
                ),
            ));
        }
        // 2. Each checkpoint against the ledger, then against each other.
        let holds = |s: &Signed, problems: &mut Vec<Problem>| -> Result<bool, Error> {
            match against_ledger(&tree, records, &s.checkpoint)? {
                Ok(()) => Ok(true),
                Err(why) => {
                    problems.push(Problem::consistency(s.size().min(records), format!("{}: {why}", s.source), &[s]));
                    Ok(false)
                }
            }
        };
        let seen_holds = match &seen {
            Some(s) => holds(s, &mut problems)?,
            None => false,
        };
        let presented_holds = match &presented {
            Some(p) => holds(p, &mut problems)?,
            None => false,
        };
        if let (Some(s), Some(p)) = (&seen, &presented) {
            let (small, large, large_holds) =
                if s.size() <= p.size() { (s, p, presented_holds) } else { (p, s, seen_holds) };
            let inconsistent = if small.size() == large.size() {
                small.checkpoint.root != large.checkpoint.root
            } else {
                // If the larger one is this ledger's, the smaller must be its prefix.
                large_holds && tree.root(small.size())? != small.checkpoint.root
            };
            if inconsistent {
                problems.push(Problem::consistency(
                    small.size(),
                    format!(
                        "{} is not consistent with the newest checkpoint seen before ({}): two signed checkpoints that cannot both be true; the log forked or was rolled back",
                        p.source, s.source
                    ),
                    &[s, p],
                ));
            }
        }
        // 3. The base: the checkpoint presented, else the one seen before.
        let mut rehashed = 0;
        let base = match (&presented, &seen) {
            (Some(p), _) => Some((p, presented_holds)),
            (None, Some(s)) => Some((s, seen_holds)),
            (None, None) => None,
        };
        let verified = match base {
            Some((_, false)) => None, // reported above; records cannot be verified from it
            Some((b, true)) => {
                // The records under the checkpoint, re-hashed: their bytes,
                // their chain and the tree they give, against its root. The
                // stored tree alone would let an edited record through.
                let under = crate::view::rehash_records(store, b.size(), true)?;
                rehashed = b.size();
                if let Some(f) = under.broken {
                    problems.push(Problem::new(
                        f.seq,
                        f.check,
                        format!("{}, under the checkpoint of {} records ({})", f.message, b.size(), b.source),
                    ));
                } else if under.frontier.root() != b.checkpoint.root {
                    problems.push(Problem::consistency(
                        b.size().saturating_sub(1),
                        format!(
                            "the {} records under {} hash to the root {}, not to the checkpoint's {}: records were changed after it was signed, with their stored hashes",
                            b.size(),
                            b.source,
                            b64(&under.frontier.root()),
                            b64(&b.checkpoint.root)
                        ),
                        &[b],
                    ));
                }
                let trusted = TrustedStart::Root { size: b.size(), root: b.checkpoint.root };
                Some(resume(store, &trusted, &origin, &keys, &mut problems)?)
            }
            None => Some(resume(store, &TrustedStart::Genesis, &origin, &keys, &mut problems)?),
        };
        // The genesis record must name the roots the inspector trusts.
        if let Ok(authority) = Authority::genesis(&genesis) {
            for trusted in &args.trusted_roots {
                if !authority.roots().contains(trusted) {
                    problems.push(Problem::new(
                        0,
                        Check::Genesis,
                        format!(
                            "genesis does not name the trusted root key {}: this is not the ledger you trust",
                            trusted.key_id()
                        ),
                    ));
                }
            }
        }
        problems.sort_by_key(|p| p.seq);
        let ok = problems.is_empty();
        // 4. The state moves forward only when everything held.
        let mut state_note = None;
        if let (Some(path), true, Some(v)) = (args.state, ok, &verified) {
            let newest =
                [presented.as_ref(), v.latest_recorded.as_ref()].into_iter().flatten().max_by_key(|c| c.size());
            if let Some(newest) = newest
                && seen.as_ref().is_none_or(|s| newest.size() > s.size())
            {
                write_atomically(path, &newest.text)?;
                state_note =
                    Some(format!("state {} now holds the checkpoint of {} records", path.display(), newest.size()));
            }
        }
        Ok(CheckpointReport { ok, problems, verified, origin, records, state_note, rehashed })
    }
}

/// Where resumed verification starts from.
#[derive(Debug, Clone)]
pub(crate) enum TrustedStart {
    /// Record 0: everything is checked.
    Genesis,
    /// After a signed tree head: the stored subtrees of its first `size`
    /// records must fold to `root`.
    Root {
        /// Records it covers.
        size: u64,
        /// Their root.
        root: Hash,
    },
    /// After a point this machine verified: its frontier is trusted.
    Frontier(Frontier),
}

impl TrustedStart {
    fn size(&self) -> u64 {
        match self {
            TrustedStart::Genesis => 0,
            TrustedStart::Root { size, .. } => *size,
            TrustedStart::Frontier(f) => f.size(),
        }
    }
}

fn tree_problem(seq: u64, d: &Divergence) -> Problem {
    Problem::new(
        seq,
        Check::Consistency,
        format!("the stored Merkle tree does not match the records: {d}; proofs served from it would not verify"),
    )
}

/// Runs the kernel checks on the records from `start` on and recomputes
/// their tree on top of the trusted start, comparing it with the stored one
/// and with every checkpoint recorded among them. Problems are pushed.
pub(crate) fn resume(
    store: &Store,
    start: &TrustedStart,
    origin: &str,
    keys: &[Verifier],
    problems: &mut Vec<Problem>,
) -> Result<Resumed, Error> {
    let from = start.size();
    let tree = store.tree();
    let records = tree.records()?;
    let trusted_root = match start {
        TrustedStart::Genesis => None,
        TrustedStart::Root { root, .. } => Some(*root),
        TrustedStart::Frontier(f) => Some(f.root()),
    };
    let mut verifier = if from == 0 {
        RecordVerifier::new(Options::default())
    } else {
        let prev = store.get(from - 1)?.ok_or_else(|| Error::refused(format!("record {} is missing", from - 1)))?;
        let prev_hash = ledger_core::Hash::from_slice(&prev.hash).ok_or_else(|| {
            Error::refused_with(
                format!("record {}'s stored hash is not 32 bytes", from - 1),
                crate::Remedy::Verify { seq: Some(from - 1) },
            )
        })?;
        // The previous hash the next record must carry is the trusted tree's last leaf.
        let last_leaf_holds = match &trusted_root {
            Some(root) => {
                let proof = tree.inclusion_proof(from - 1, from)?;
                verify_inclusion(&leaf_hash(&prev_hash.0), from - 1, from, &proof, root).is_ok()
            }
            None => true,
        };
        if !last_leaf_holds {
            problems.push(Problem::new(
                from - 1,
                Check::Consistency,
                format!(
                    "record {}'s stored hash is not the last leaf of the trusted tree: it was changed after the tree was signed or verified",
                    from - 1
                ),
            ));
        }
        let authority = store.authority_before(from)?.map_err(|e| {
            Error::refused_with(
                format!("the governance records before record {from} do not replay ({e})"),
                crate::Remedy::Verify { seq: None },
            )
        })?;
        let last_time = Envelope::from_bytes(&prev.envelope).ok().map(|e| e.time);
        RecordVerifier::resume(
            Options::default(),
            Resume {
                next_seq: from,
                prev_hash,
                last_time,
                streams: store.stream_versions_before(from)?,
                reused_ids: store.reused_event_ids(from)?,
                authority,
                origin: origin.to_owned(),
            },
        )
    };
    // The tree, recomputed over these records on top of the trusted subtrees
    // and compared node by node with the stored one.
    let trusted = trusted_root.unwrap_or_else(ledger_tlog::empty_root);
    let mut check = match tree.check_from(from, &trusted)? {
        Ok(check) => Some(check),
        Err(d) => {
            problems.push(tree_problem(from.saturating_sub(1), &d));
            None
        }
    };
    let mut frontier = match start {
        TrustedStart::Frontier(f) => f.clone(),
        _ => tree.frontier(from)?,
    };
    let mut tree_diverged = check.is_none();
    let mut latest_recorded = None;
    let (mut unsealed, mut last_seal) = (0u64, None);
    let mut next = from;
    let progress = crate::progress::task("verifying", records.saturating_sub(from));
    loop {
        let chunk = store.read(next, crate::verify::CHUNK)?;
        progress.advance(chunk.len());
        let Some(last) = chunk.last() else { break };
        next = last.seq.saturating_add(1);
        let decoded = verifier.push(&chunk);
        for (raw, (record, passed)) in chunk.iter().zip(decoded) {
            // A checkpoint recorded here must describe the records before it.
            if let Some(record) = record
                && record.envelope.event_type == CHECKPOINT_TYPE
            {
                match check_recorded(&record, check.as_ref(), &frontier, &tree, keys)? {
                    Ok(Some(signed)) => {
                        latest_recorded = Some(signed);
                        if passed {
                            unsealed = 0;
                            last_seal = Some(raw.seq);
                        }
                    }
                    Ok(None) => {}
                    Err(p) => problems.push(p),
                }
            } else {
                unsealed += 1;
            }
            let leaf = <[u8; 32]>::try_from(raw.hash.as_slice()).ok();
            if let Some(h) = leaf {
                frontier.push(&h);
            }
            match (&mut check, leaf) {
                (Some(c), Some(h)) if raw.seq == c.size() => {
                    if let Err(d) = c.push(&h)? {
                        problems.push(tree_problem(raw.seq, &d));
                        tree_diverged = true;
                    }
                }
                _ => check = None, // a record the checks above report: no tree to compare
            }
        }
    }
    let report = verifier.finish();
    problems.extend(report.findings.iter().map(|f| Problem::new(f.seq, f.check, f.message.clone())));
    // Records before `from` signed by a key revoked since as compromised.
    if from > 0
        && let Some(authority) = &report.authority
    {
        for info in authority.keys() {
            let Some(rev) = &info.revoked else { continue };
            let Some(compromised) = rev.compromised_from else { continue };
            if rev.seq < from || compromised >= from {
                continue; // decided before the trusted point, or among the records just checked
            }
            for seq in store.records_by_author(&info.key, compromised, from)? {
                problems.push(Problem::new(
                    seq,
                    Check::Authority,
                    format!(
                        "signed by key {} ({}) after it was compromised: revoked at seq {} as compromised from seq {compromised} ({})",
                        info.key_id, info.holder, rev.seq, rev.reason
                    ),
                ));
            }
        }
    }
    // The recomputed root against the stored tree's, and the consistency
    // proof the store gives from the trusted head.
    let root = tree.root(records)?;
    if let Some(check) = check.filter(|c| c.size() == records) {
        match check.finish()? {
            Err(d) if !tree_diverged => problems.push(tree_problem(records - 1, &d)),
            Err(_) => {}
            Ok(_) if from > 0 => {
                let proof = tree.consistency_proof(from, records)?;
                if let Err(e) = verify_consistency(from, &trusted, records, &root, &proof) {
                    problems.push(Problem::new(
                        records - 1,
                        Check::Consistency,
                        format!("the stored Merkle tree gives a consistency proof that does not verify: {e}"),
                    ));
                }
            }
            Ok(_) => {}
        }
    }
    Ok(Resumed {
        from,
        count: report.records,
        root,
        head: report.head.map(|h| h.to_hex()),
        latest_recorded,
        frontier,
        unsealed,
        last_seal,
    })
}

/// Checks a recorded checkpoint against the tree of the records before it.
fn check_recorded(
    record: &Record,
    check: Option<&TreeCheck<'_>>,
    frontier: &Frontier,
    tree: &TreeReader<'_>,
    keys: &[Verifier],
) -> Result<Result<Option<Signed>, Problem>, Error> {
    let seq = record.seq;
    let (cp, note) = match check_checkpoint_event(&record.envelope) {
        Ok(x) => x,
        Err(e) => {
            return Ok(Err(Problem::new(
                seq,
                Check::Consistency,
                format!("the checkpoint recorded here is invalid: {e}"),
            )));
        }
    };
    if cp.size > seq {
        return Ok(Err(Problem::new(
            seq,
            Check::Consistency,
            format!("the checkpoint recorded here describes {} records, more than precede it", cp.size),
        )));
    }
    // The recomputed root when it is at that size, else the stored tree's.
    let actual = match check {
        Some(c) if c.size() == cp.size => c.root(),
        _ if frontier.size() == cp.size => frontier.root(),
        _ => tree.root(cp.size)?,
    };
    if actual != cp.root {
        let signed =
            Signed { checkpoint: cp.clone(), text: note, source: format!("the checkpoint recorded at seq {seq}") };
        return Ok(Err(Problem::consistency(
            seq,
            format!(
                "the log signed root {} for its first {} records, but they hash to root {}: the records were changed after it signed",
                b64(&cp.root),
                cp.size,
                b64(&actual)
            ),
            &[&signed],
        )));
    }
    // Held; the state may adopt it if it verifies with the log keys in use.
    Ok(Ok(open_signed(note.as_bytes(), &format!("the checkpoint recorded at seq {seq}"), keys).ok()))
}
