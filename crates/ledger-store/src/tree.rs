//! The Merkle tree over the record hashes, stored in the `tlog_nodes` table
//! (`docs/TLOG.md`).
//!
//! Leaf `i` of the tree is the record hash of record `i`, hashed as an
//! RFC 6962 leaf (`SHA-256(0x00 || record hash)`). Every node that completes
//! a perfect subtree is computed once, when its last leaf is appended, and
//! stored at Go `sumdb/tlog`'s stored-hash index ([`NodeId::stored_index`]):
//! the interior hashes tlog tiles keep. A root or a proof for any tree size is
//! then read from `O(log n)` stored nodes; nothing is rebuilt per query.
//!
//! # Invariants
//!
//! * **Same transaction.** The nodes of leaf `n` are inserted in the
//!   transaction that inserts record `n` ([`Store::append`], and
//!   [`Store::create`] for genesis). After any commit, crash or power loss
//!   the tree covers exactly the records: both are there or neither is.
//! * **Never extend a tree out of step.** A tree *behind* its records means
//!   records were written by something other than the ledger's writer; a
//!   tree *ahead* of them means records were removed from the end. Either
//!   way the ledger fails verification (`tree`), appends are refused before
//!   anything is written, and only the explicit `ledger repair
//!   --rebuild-tree` (after the records verify) rebuilds the table.
//! * **Derived, not evidence.** The table is a cache anyone can recompute
//!   from the records. What vouches for it is a signed checkpoint:
//!   [`TreeReader::audit`] recomputes the tree from the records added since
//!   a trusted `(size, root)` and compares it with the stored one.

use std::collections::HashMap;

use ledger_core::authority::{Authority, AuthorityError, GOVERNANCE_STREAM};
use ledger_core::{PublicKey, Record};
pub use ledger_tlog::Frontier;
use ledger_tlog::{
    Hash, HashReader, NodeId, TreeError, inclusion_proof, leaf_hash, stored_hashes_for_leaf, verify_inclusion,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::{AppendTx, COLUMNS, Store, StoreError, decode, raw_from_row, read};

/// Why the stored tree cannot answer. None of these is evidence by itself:
/// the table is derived data; checkpoints decide what is evidence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeFault {
    /// The tree does not cover exactly the records: behind (a ledger written
    /// without the tree; open it for writing to catch up) or ahead (records
    /// were removed).
    #[error("the Merkle tree covers {tree} records but the ledger holds {records}")]
    OutOfStep {
        /// Leaves in the tree.
        tree: u64,
        /// Records in the ledger (last sequence number + 1).
        records: u64,
    },
    /// A node the tree must have is not in the table.
    #[error("Merkle tree node (level {level}, index {index}) is missing from the tlog_nodes table")]
    MissingNode {
        /// Height above the leaves.
        level: u8,
        /// Position in its level.
        index: u64,
    },
    /// A stored node is not a 32-byte hash.
    #[error("Merkle tree node (level {level}, index {index}) is {len} bytes, not 32")]
    MalformedNode {
        /// Height above the leaves.
        level: u8,
        /// Position in its level.
        index: u64,
        /// Its length.
        len: usize,
    },
    /// The table is not the output of appending leaves in order.
    #[error("the tlog_nodes table is damaged: {0}")]
    Damaged(String),
    /// A record cannot be made a leaf (missing, or its stored hash is not 32 bytes).
    #[error("record {seq} cannot be added to the Merkle tree: {reason}")]
    BadLeaf {
        /// The record.
        seq: u64,
        /// Why not.
        reason: String,
    },
    /// A size or index outside the tree was asked for.
    #[error("{0}")]
    OutOfRange(String),
}

fn tree_error(e: TreeError<StoreError>) -> StoreError {
    match e {
        TreeError::Store(e) => e,
        other => TreeFault::OutOfRange(other.to_string()).into(),
    }
}

/// The `tlog_nodes` row id of a node.
fn row_id(id: NodeId) -> Result<i64, StoreError> {
    id.stored_index()
        .and_then(|i| i64::try_from(i).ok())
        .ok_or_else(|| TreeFault::MissingNode { level: id.level, index: id.index }.into())
}

fn table_exists(conn: &Connection) -> Result<bool, StoreError> {
    let n: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'tlog_nodes'", [], |r| {
            r.get(0)
        })?;
    Ok(n > 0)
}

/// Number of leaves in the stored tree, from its last node.
pub(crate) fn tree_size(conn: &Connection) -> Result<u64, StoreError> {
    let max: Option<i64> = match conn.prepare_cached("SELECT max(id) FROM tlog_nodes") {
        Ok(mut stmt) => stmt.query_row([], |r| r.get(0))?,
        // A ledger file older than the tree table: its tree is empty.
        Err(_) if !table_exists(conn)? => None,
        Err(e) => return Err(e.into()),
    };
    let Some(max) = max else { return Ok(0) };
    let max = u64::try_from(max).map_err(|_| TreeFault::Damaged(format!("negative node id {max}")))?;
    // The last node stored for leaf n - 1 is the highest subtree that leaf
    // completes, (L, k) with L = trailing_ones(n - 1); it ends at leaf n - 1.
    let node = NodeId::from_stored_index(max);
    let size = (u128::from(node.index) + 1) << node.level;
    let size = u64::try_from(size).map_err(|_| TreeFault::Damaged(format!("node id {max} is out of range")))?;
    if (size - 1).trailing_ones() != u32::from(node.level) {
        return Err(TreeFault::Damaged(format!("leaf {} lacks the nodes it completes", size - 1)).into());
    }
    Ok(size)
}

/// Number of records: the last sequence number + 1.
fn record_count(conn: &Connection) -> Result<u64, StoreError> {
    let max: Option<i64> = conn.prepare_cached("SELECT max(seq) FROM records")?.query_row([], |r| r.get(0))?;
    Ok(max.and_then(|s| u64::try_from(s).ok()).map_or(0, |s| s.saturating_add(1)))
}

fn stored_hash(seq: u64, bytes: &[u8]) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(bytes).map_err(|_| {
        TreeFault::BadLeaf { seq, reason: format!("its stored hash is {} bytes, not 32", bytes.len()) }.into()
    })
}

/// Adds the leaves of the records the tree does not cover yet. Runs inside
/// the caller's transaction; returns the new tree size.
pub(crate) fn catch_up(conn: &Connection) -> Result<u64, StoreError> {
    let from = tree_size(conn)?;
    let records = record_count(conn)?;
    if from > records {
        return Err(TreeFault::OutOfStep { tree: from, records }.into());
    }
    if from == records {
        return Ok(from);
    }
    let reader = TreeReader { conn };
    let mut select = conn.prepare_cached("SELECT seq, hash FROM records WHERE seq >= ?1 ORDER BY seq")?;
    let mut insert = conn.prepare_cached("INSERT INTO tlog_nodes (id, hash) VALUES (?1, ?2)")?;
    let mut rows = select.query([i64::try_from(from).unwrap_or(i64::MAX)])?;
    let mut next = from;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        if u64::try_from(seq).ok() != Some(next) {
            return Err(TreeFault::BadLeaf { seq: next, reason: "the record is missing".into() }.into());
        }
        let bytes = row.get_ref(1)?.as_bytes().map(<[u8]>::to_vec).unwrap_or_default();
        let hash = stored_hash(next, &bytes)?;
        for (id, node) in stored_hashes_for_leaf(next, &hash, &reader).map_err(tree_error)? {
            insert.execute(params![row_id(id)?, &node[..]])?;
        }
        next += 1;
    }
    Ok(next)
}

/// Whether the stored leaf of record `seq` is the leaf hash of `record_hash`.
pub(crate) fn last_leaf_is(conn: &Connection, seq: u64, record_hash: &[u8]) -> Result<bool, StoreError> {
    let Ok(hash) = <[u8; 32]>::try_from(record_hash) else { return Ok(false) };
    let stored: Option<Vec<u8>> = conn
        .prepare_cached("SELECT hash FROM tlog_nodes WHERE id = ?1")?
        .query_row([row_id(NodeId::leaf(seq))?], |r| {
            Ok(r.get_ref(0)?.as_bytes().map(<[u8]>::to_vec).unwrap_or_default())
        })
        .optional()?;
    Ok(stored.as_deref() == Some(&leaf_hash(&hash)[..]))
}

/// Drops the stored tree and builds it again from the stored record hashes,
/// and drops the snapshots, in one transaction: the explicit recovery of
/// `ledger repair --rebuild-tree`, for derived data that is damaged, behind
/// or ahead of the records. Returns the tree sizes before (`None`:
/// unreadable) and after.
pub(crate) fn rebuild(conn: &mut Connection) -> Result<(Option<u64>, u64), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS tlog_nodes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL) STRICT;")?;
    let before = tree_size(&tx).ok();
    tx.execute("DELETE FROM tlog_nodes", [])?;
    let after = catch_up(&tx)?;
    // Snapshots are derived data too: the next appends write new ones.
    tx.execute_batch(crate::SNAPSHOT_SCHEMA)?;
    tx.execute("DELETE FROM snapshots", [])?;
    tx.commit()?;
    Ok((before, after))
}

/// Reads the stored tree: sizes, roots and proofs. Implements
/// [`HashReader`], so every function of [`ledger_tlog::tree`] works on it.
#[derive(Debug, Clone, Copy)]
pub struct TreeReader<'c> {
    conn: &'c Connection,
}

impl HashReader for TreeReader<'_> {
    type Error = StoreError;

    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT hash FROM tlog_nodes WHERE id = ?1")?;
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let bytes: Option<Vec<u8>> = stmt
                .query_row([row_id(id)?], |r| Ok(r.get_ref(0)?.as_bytes().map(<[u8]>::to_vec).unwrap_or_default()))
                .optional()?;
            let bytes = bytes.ok_or(TreeFault::MissingNode { level: id.level, index: id.index })?;
            let hash = Hash::try_from(bytes.as_slice()).map_err(|_| TreeFault::MalformedNode {
                level: id.level,
                index: id.index,
                len: bytes.len(),
            })?;
            out.push(hash);
        }
        Ok(out)
    }
}

impl<'c> TreeReader<'c> {
    /// Number of leaves in the stored tree.
    pub fn size(&self) -> Result<u64, StoreError> {
        tree_size(self.conn)
    }

    /// Number of records in the ledger (last sequence number + 1).
    pub fn records(&self) -> Result<u64, StoreError> {
        record_count(self.conn)
    }

    /// The tree size when the tree covers exactly the records, otherwise
    /// [`TreeFault::OutOfStep`]. Proofs served from a tree out of step with
    /// its records would describe another ledger.
    pub fn current_size(&self) -> Result<u64, StoreError> {
        let (tree, records) = (self.size()?, self.records()?);
        if tree == records { Ok(tree) } else { Err(TreeFault::OutOfStep { tree, records }.into()) }
    }

    fn within(&self, size: u64) -> Result<(), StoreError> {
        let tree = self.size()?;
        if size > tree {
            return Err(
                TreeFault::OutOfRange(format!("tree size {size} is beyond the stored tree of {tree} leaves")).into()
            );
        }
        Ok(())
    }

    /// Root of the tree of the first `size` records.
    pub fn root(&self, size: u64) -> Result<Hash, StoreError> {
        self.within(size)?;
        ledger_tlog::tree_root(size, self).map_err(tree_error)
    }

    /// Inclusion proof of record `index` in the tree of the first `size` records.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, StoreError> {
        self.within(size)?;
        inclusion_proof(index, size, self).map_err(tree_error)
    }

    /// Consistency proof from the tree of `old` records to the tree of `new` records.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError> {
        self.within(new)?;
        ledger_tlog::consistency_proof(old, new, self).map_err(tree_error)
    }

    /// The stored leaf hashes of records `from..to`.
    pub fn leaf_hashes(&self, from: u64, to: u64) -> Result<Vec<Hash>, StoreError> {
        self.within(to)?;
        let ids: Vec<NodeId> = (from..to).map(NodeId::leaf).collect();
        self.read_hashes(&ids)
    }

    /// The perfect subtrees covering the first `size` records, from storage.
    pub fn frontier(&self, size: u64) -> Result<Frontier, StoreError> {
        self.within(size)?;
        let mut ids = Vec::new();
        let mut lo = 0u64;
        for level in (0..64u8).rev() {
            if size >> level & 1 == 1 {
                ids.push(NodeId::new(level, lo >> level));
                lo += 1 << level;
            }
        }
        let hashes = self.read_hashes(&ids)?;
        Frontier::from_nodes(size, ids.iter().map(|id| id.level).zip(hashes).collect()).ok_or_else(|| {
            TreeFault::Damaged(format!("the stored subtrees of {size} leaves do not form a frontier")).into()
        })
    }

    /// Starts checking the stored tree leaf by leaf after a trusted tree
    /// head of `from` records: the stored subtrees of the first `from`
    /// records must fold to `trusted_root`. Feed the record hashes of
    /// `from, from + 1, ...` to [`TreeCheck::push`].
    pub fn check_from(&self, from: u64, trusted_root: &Hash) -> Result<Result<TreeCheck<'c>, Divergence>, StoreError> {
        let frontier = self.frontier(from)?;
        let stored = frontier.root();
        if stored != *trusted_root {
            return Ok(Err(Divergence::Root { size: from, trusted: *trusted_root, stored }));
        }
        Ok(Ok(TreeCheck { reader: *self, frontier, buffer: std::collections::VecDeque::new(), diverged: false }))
    }

    /// Checks the records added after a trusted tree head against it and
    /// against the stored tree, in `O(to - from)` time.
    ///
    /// Recomputes, from the stored records `from..to`: that each record's
    /// stored hash is the hash of its contents and chains to the one before
    /// (record `from - 1` being the leaf the trusted root commits to), and
    /// every tree node those records complete, built on the stored subtrees
    /// of the first `from` records (which must fold to `trusted_root`),
    /// against the stored one. Returns the root of the first `to` records,
    /// or the first place where records, tree and trusted head part.
    pub fn audit(&self, from: u64, trusted_root: &Hash, to: u64) -> Result<Result<Hash, Divergence>, StoreError> {
        self.within(to)?;
        if from > to {
            return Err(TreeFault::OutOfRange(format!("audit from {from} to {to}")).into());
        }
        let mut check = match self.check_from(from, trusted_root)? {
            Ok(check) => check,
            Err(d) => return Ok(Err(d)),
        };
        let mut prev = [0u8; 32];
        if from > 0 {
            let seq = from - 1;
            let Some(raw) = read(self.conn, seq, 1)?.into_iter().find(|r| r.seq == seq) else {
                return Ok(Err(Divergence::Record { seq, reason: "the record is missing".into() }));
            };
            let Ok(hash) = <[u8; 32]>::try_from(raw.hash.as_slice()) else {
                return Ok(Err(Divergence::Record { seq, reason: "its stored hash is not 32 bytes".into() }));
            };
            let proof = self.inclusion_proof(seq, from)?;
            if verify_inclusion(&leaf_hash(&hash), seq, from, &proof, trusted_root).is_err() {
                return Ok(Err(Divergence::Record {
                    seq,
                    reason: "its stored hash is not the leaf the trusted tree head commits to".into(),
                }));
            }
            prev = hash;
        }
        let mut next = from;
        while next < to {
            let chunk = read(self.conn, next, usize::try_from((to - next).min(4096)).unwrap_or(4096))?;
            if chunk.is_empty() {
                return Ok(Err(Divergence::Record { seq: next, reason: "the record is missing".into() }));
            }
            for raw in chunk {
                let seq = next;
                let bad = |reason: String| Ok(Err(Divergence::Record { seq, reason }));
                if raw.seq != seq {
                    return bad("the record is missing".into());
                }
                let Ok(hash) = <[u8; 32]>::try_from(raw.hash.as_slice()) else {
                    return bad(format!("its stored hash is {} bytes, not 32", raw.hash.len()));
                };
                match raw.computed_hash() {
                    Some(computed) if computed.0 == hash => {}
                    Some(computed) => {
                        return bad(format!(
                            "its contents hash to {computed}, not to its stored hash {}",
                            hex_of(&hash)
                        ));
                    }
                    None => return bad(format!("its prev is {} bytes, not 32", raw.prev.len())),
                }
                if raw.prev != prev {
                    return bad("its prev does not link to the stored hash of the record before".into());
                }
                if let Err(d) = check.push(&hash)? {
                    return Ok(Err(d));
                }
                prev = hash;
                next += 1;
            }
        }
        check.finish()
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Recomputes the stored tree leaf by leaf from a trusted tree head and
/// compares every node the new leaves complete with the stored one: made by
/// [`TreeReader::check_from`]. Reads the stored nodes in id order, in
/// batches: `O(1)` queries per 4096 nodes.
#[derive(Debug)]
pub struct TreeCheck<'c> {
    reader: TreeReader<'c>,
    frontier: Frontier,
    /// Stored `(id, hash)` rows read ahead, in id order.
    buffer: std::collections::VecDeque<(u64, Vec<u8>)>,
    /// A divergence was reported: later nodes are not compared.
    diverged: bool,
}

impl TreeCheck<'_> {
    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The root recomputed so far.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    fn stored_row(&mut self, id: u64) -> Result<Option<Vec<u8>>, StoreError> {
        while self.buffer.front().is_some_and(|(at, _)| *at < id) {
            self.buffer.pop_front();
        }
        if self.buffer.is_empty() {
            let mut stmt = self
                .reader
                .conn
                .prepare_cached("SELECT id, hash FROM tlog_nodes WHERE id >= ?1 ORDER BY id LIMIT 4096")?;
            let rows = stmt.query_map([i64::try_from(id).unwrap_or(i64::MAX)], |r| {
                Ok((r.get::<_, i64>(0)?, r.get_ref(1)?.as_bytes().map(<[u8]>::to_vec).unwrap_or_default()))
            })?;
            for row in rows {
                let (at, hash) = row?;
                self.buffer.push_back((u64::try_from(at).unwrap_or(0), hash));
            }
        }
        Ok(match self.buffer.front() {
            Some((at, hash)) if *at == id => Some(hash.clone()),
            _ => None,
        })
    }

    /// Adds the leaf of the next record and compares the nodes it completes.
    pub fn push(&mut self, record_hash: &[u8; 32]) -> Result<Result<(), Divergence>, StoreError> {
        let n = self.frontier.size();
        let nodes = self.frontier.push_nodes(record_hash);
        if self.diverged {
            return Ok(Ok(()));
        }
        let first = NodeId::leaf(n).stored_index().ok_or(TreeFault::OutOfRange(format!("leaf {n}")))?;
        for (id, (level, computed)) in (first..).zip(nodes) {
            let stored = self.stored_row(id)?;
            if stored.as_deref() != Some(&computed[..]) {
                self.diverged = true;
                return Ok(Err(Divergence::Node {
                    level,
                    index: n >> level,
                    missing: stored.is_none(),
                    stored: stored.and_then(|s| Hash::try_from(s.as_slice()).ok()),
                    computed,
                }));
            }
        }
        Ok(Ok(()))
    }

    /// Ends the check: the recomputed root against the stored tree's.
    pub fn finish(self) -> Result<Result<Hash, Divergence>, StoreError> {
        let size = self.frontier.size();
        let computed = self.frontier.root();
        let stored = self.reader.root(size)?;
        if computed != stored {
            return Ok(Err(Divergence::Tree { size, stored, computed }));
        }
        Ok(Ok(computed))
    }
}

/// Where the records or the stored tree part from a trusted tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Divergence {
    /// The stored tree of the first `size` records does not have the trusted
    /// root: those records or their tree changed since it was signed.
    Root {
        /// The trusted tree size.
        size: u64,
        /// The trusted root.
        trusted: Hash,
        /// The stored tree's root at that size.
        stored: Hash,
    },
    /// A record's stored hash does not match its contents or does not chain.
    Record {
        /// The record.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// A stored node differs from the one recomputed from the records.
    Node {
        /// Height above the leaves.
        level: u8,
        /// Position in its level.
        index: u64,
        /// The stored hash, if there is a 32-byte one.
        stored: Option<Hash>,
        /// The hash recomputed from the records.
        computed: Hash,
        /// The node is not stored at all.
        missing: bool,
    },
    /// The stored tree's root differs from the one recomputed from the records.
    Tree {
        /// The size compared.
        size: u64,
        /// Root of the stored tree.
        stored: Hash,
        /// Root recomputed from the records.
        computed: Hash,
    },
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Divergence::Root { size, trusted, stored } => write!(
                f,
                "the ledger's Merkle tree of its first {size} records has root {}, not the trusted root {}",
                hex_of(stored),
                hex_of(trusted)
            ),
            Divergence::Record { seq, reason } => write!(f, "record {seq}: {reason}"),
            Divergence::Node { level, index, missing: true, .. } => {
                write!(f, "the stored Merkle tree lacks node (level {level}, index {index})")
            }
            Divergence::Node { level, index, stored, computed, .. } => write!(
                f,
                "the stored Merkle tree node (level {level}, index {index}) is {}, but the records give {}",
                stored.map_or_else(|| "not a 32-byte hash".to_owned(), |s| hex_of(&s)),
                hex_of(computed)
            ),
            Divergence::Tree { size, stored, computed } => write!(
                f,
                "the stored Merkle tree of {size} records has root {}, but the records hash to root {}",
                hex_of(stored),
                hex_of(computed)
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// Access from the store, inside and outside append transactions.

fn last_of_type(conn: &Connection, event_type: &str) -> Result<Option<Record>, StoreError> {
    let raw = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM records WHERE type = ?1 ORDER BY seq DESC LIMIT 1"))?
        .query_row([event_type], raw_from_row)
        .optional()?;
    raw.map(decode).transpose()
}

impl Store {
    /// The Merkle tree over the record hashes: roots and proofs.
    pub fn tree(&self) -> TreeReader<'_> {
        TreeReader { conn: &self.conn }
    }

    /// The last record of an event type, decoded (e.g. the latest checkpoint).
    pub fn last_of_type(&self, event_type: &str) -> Result<Option<Record>, StoreError> {
        last_of_type(&self.conn, event_type)
    }

    // -- Resuming verification after a checkpoint -------------------------

    /// The authority as it stood just before record `seq`, replayed from the
    /// governance records before it.
    pub fn authority_before(&self, seq: u64) -> Result<Result<Authority, AuthorityError>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM records WHERE stream = ?1 AND seq < ?2 ORDER BY seq"))?;
        let records = stmt
            .query_map(params![GOVERNANCE_STREAM, i64::try_from(seq).unwrap_or(i64::MAX)], raw_from_row)?
            .map(|r| decode(r?))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Authority::replay(&records))
    }

    /// For every stream written to at or after record `seq`: its last
    /// version before `seq` and the sequence number of that record (streams
    /// new at `seq` are absent). Reads the index, not the records.
    pub fn stream_versions_before(&self, seq: u64) -> Result<HashMap<String, (u64, u64)>, StoreError> {
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        // The records from `seq` on, by their primary key (the stream index
        // would be read whole): the cost is the records after `seq`.
        let mut streams =
            self.conn.prepare_cached("SELECT DISTINCT stream FROM records NOT INDEXED WHERE seq >= ?1")?;
        let names: Vec<Option<String>> = streams.query_map([seq], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let mut last = self.conn.prepare_cached(
            "SELECT version, seq FROM records WHERE stream = ?1 AND seq < ?2 ORDER BY version DESC LIMIT 1",
        )?;
        let mut out = HashMap::new();
        for name in names.into_iter().flatten() {
            let found: Option<(Option<i64>, i64)> =
                last.query_row(params![name, seq], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            if let Some((Some(version), at)) = found {
                out.insert(name, (u64::try_from(version).unwrap_or(0), u64::try_from(at).unwrap_or(0)));
            }
        }
        Ok(out)
    }

    /// Event ids of records at or after `seq` that a record before `seq`
    /// already used, with the last such earlier record. Reads the index.
    pub fn reused_event_ids(&self, seq: u64) -> Result<HashMap<String, u64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.event_id, max(b.seq) FROM records AS a NOT INDEXED JOIN records AS b ON b.event_id = a.event_id \
             WHERE a.seq >= ?1 AND b.seq < ?1 GROUP BY a.event_id",
        )?;
        let rows = stmt.query_map([i64::try_from(seq).unwrap_or(i64::MAX)], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            if let (Some(id), at) = row? {
                out.insert(id, u64::try_from(at).unwrap_or(0));
            }
        }
        Ok(out)
    }

    /// Sequence numbers in `from..to` of the records whose author is `key`.
    pub fn records_by_author(&self, key: &PublicKey, from: u64, to: u64) -> Result<Vec<u64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq FROM records WHERE seq >= ?1 AND seq < ?2 AND json_extract(envelope, '$.author') = ?3 ORDER BY seq",
        )?;
        let (from, to) = (i64::try_from(from).unwrap_or(i64::MAX), i64::try_from(to).unwrap_or(i64::MAX));
        let seqs: Vec<i64> =
            stmt.query_map(params![from, to, key.to_hex()], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(seqs.into_iter().filter_map(|s| u64::try_from(s).ok()).collect())
    }
}

impl AppendTx<'_> {
    /// The Merkle tree as it stands inside the transaction.
    pub fn tree(&self) -> TreeReader<'_> {
        TreeReader { conn: self.conn }
    }

    /// The last record of an event type, decoded.
    pub fn last_of_type(&self, event_type: &str) -> Result<Option<Record>, StoreError> {
        last_of_type(self.conn, event_type)
    }
}
