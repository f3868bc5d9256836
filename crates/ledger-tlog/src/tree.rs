//! Stored-hash tree for large logs, modelled on Go's `golang.org/x/mod/sumdb/tlog`.
//!
//! Every node at the root of a *perfect* (complete) subtree is computed once,
//! when the leaf completing it is appended, and stored by the caller. A node is
//! addressed by a [`NodeId`] `(level, index)`: node `(L, k)` covers leaves
//! `[k * 2^L, (k + 1) * 2^L)`; level 0 holds the leaf hashes. Roots and proofs
//! for any tree size are then assembled from at most `O(log n)` stored nodes,
//! read in a single batch through [`HashReader`].
//!
//! Storage that wants a dense, append-only array can use
//! [`NodeId::stored_index`], which is exactly Go's `StoredHashIndex(level, n)`:
//! appending the output of [`stored_hashes_for_leaf`] for leaves `0, 1, 2, ...`
//! fills indexes `0, 1, 2, ...` without gaps.

use std::collections::HashMap;

use crate::merkle::{Hash, empty_root, leaf_hash, node_hash};

/// Address of a stored node: `level` 0 is the leaves, node `(level, index)`
/// covers leaves `[index << level, (index + 1) << level)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves (0 = leaf).
    pub level: u8,
    /// Position within the level, counted from the left.
    pub index: u64,
}

impl NodeId {
    /// Node `index` at `level`.
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The leaf node `index` (level 0).
    pub const fn leaf(index: u64) -> Self {
        Self { level: 0, index }
    }

    /// Position in Go's dense stored-hash order (`tlog.StoredHashIndex`).
    ///
    /// Nodes are numbered in the order they are completed: leaf `n` is followed
    /// by the nodes it completes, lowest level first. Returns `None` when the
    /// result does not fit in a `u64`.
    pub fn stored_index(self) -> Option<u64> {
        if self.level >= 64 {
            return None;
        }
        // Go: n = 2n+1 `level` times, i.e. the last leaf under the node...
        let last_leaf =
            self.index.checked_add(1)?.checked_mul(1u64.checked_shl(u32::from(self.level))?)?.checked_sub(1)?;
        // ...whose own hash sits at sum_{k>=0} (n >> k) = 2n - popcount(n),
        // followed by the `level` nodes it completes.
        last_leaf.checked_add(last_leaf - u64::from(last_leaf.count_ones()))?.checked_add(u64::from(self.level))
    }

    /// Inverse of [`NodeId::stored_index`] (Go's `tlog.SplitStoredHashIndex`).
    pub fn from_stored_index(stored: u64) -> Self {
        // Leaf n's hash is stored at s(n) = 2n - popcount(n) <= stored, so
        // n >= stored / 2; each leaf n adds 1 + trailing_ones(n) hashes.
        let s = |n: u64| 2 * n - u64::from(n.count_ones());
        let mut n = stored / 2;
        let mut at = s(n);
        loop {
            let next = at.checked_add(1 + u64::from(n.trailing_ones())).filter(|&next| next <= stored);
            match next {
                Some(next) => {
                    n += 1;
                    at = next;
                }
                None => break,
            }
        }
        // `stored - at` <= trailing_ones(n) < 64.
        let level = (stored - at) as u8;
        Self { level, index: n >> level }
    }
}

/// Read access to the stored node hashes of a log.
///
/// Implementations must return exactly one hash per requested id, in the
/// requested order, or an error (for example when a node was never stored).
/// Every operation of this module makes at most one call per invocation and
/// asks for `O(log n)` ids.
pub trait HashReader {
    /// Storage error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Returns the hashes of `ids`, in order.
    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error>;
}

impl<R: HashReader + ?Sized> HashReader for &R {
    type Error = R::Error;
    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        (**self).read_hashes(ids)
    }
}

/// Why a stored-tree operation could not produce its result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError<E> {
    /// The hash reader failed.
    #[error("reading stored hashes: {0}")]
    Store(#[source] E),
    /// The hash reader broke its contract.
    #[error("hash reader returned {got} hashes for {requested} ids")]
    WrongHashCount {
        /// Number of ids requested.
        requested: usize,
        /// Number of hashes returned.
        got: usize,
    },
    /// Leaf index not smaller than the tree size.
    #[error("leaf index {index} is out of range for tree size {size}")]
    IndexOutOfRange {
        /// Leaf index given.
        index: u64,
        /// Tree size given.
        size: u64,
    },
    /// Consistency proof asked from a larger tree to a smaller one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    SizesOutOfOrder {
        /// Old tree size.
        old_size: u64,
        /// New tree size.
        new_size: u64,
    },
    /// The log cannot grow past `u64::MAX` leaves.
    #[error("the log is full")]
    LogFull,
}

/// Largest power of two strictly smaller than `n` (`n >= 2`), the `k` of RFC 6962.
fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The perfect subtrees covering `[lo, hi)`, left to right, largest first.
///
/// For the ranges RFC 6962 produces (where `lo` is a multiple of a power of two
/// at least `hi - lo`) this is the decomposition whose right fold gives
/// `MTH(D[lo:hi])`.
fn range_nodes(mut lo: u64, hi: u64, out: &mut Vec<NodeId>) {
    while lo < hi {
        let size_level = 63 - (hi - lo).leading_zeros();
        let level = size_level.min(lo.trailing_zeros());
        // level <= 63, so the cast and the shift are exact.
        out.push(NodeId::new(level as u8, lo >> level));
        lo += 1u64 << level;
    }
}

/// `MTH(D[lo:hi])` from the hashes of `range_nodes(lo, hi)`.
fn fold_range(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)))
}

/// Leaf ranges whose subtree hashes form the inclusion proof `PATH(index, D[0:size])`
/// (RFC 6962 2.1.1), in proof order (leaf's sibling first).
fn inclusion_ranges(index: u64, size: u64) -> Vec<(u64, u64)> {
    let (mut lo, mut hi) = (0, size);
    let mut siblings = Vec::new();
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            siblings.push((lo + k, hi));
            hi = lo + k;
        } else {
            siblings.push((lo, lo + k));
            lo += k;
        }
    }
    siblings.reverse();
    siblings
}

/// Leaf ranges whose subtree hashes form the consistency proof `PROOF(old, D[0:new])`
/// (RFC 6962 2.1.2) for `0 < old < new`, in proof order.
fn consistency_ranges(old: u64, new: u64) -> Vec<(u64, u64)> {
    let (mut lo, mut hi) = (0, new);
    let mut complete_left = true; // the `b` flag of SUBPROOF
    let mut siblings = Vec::new();
    while old != hi {
        let k = split_point(hi - lo);
        if old <= lo + k {
            siblings.push((lo + k, hi));
            hi = lo + k;
        } else {
            siblings.push((lo, lo + k));
            lo += k;
            complete_left = false;
        }
    }
    let mut out = Vec::with_capacity(siblings.len() + 1);
    if !complete_left {
        out.push((lo, hi));
    }
    out.extend(siblings.into_iter().rev());
    out
}

/// Reads the nodes of every range in one batch and folds each range into its hash.
fn range_hashes<R: HashReader>(ranges: &[(u64, u64)], reader: &R) -> Result<Vec<Hash>, TreeError<R::Error>> {
    let mut ids = Vec::new();
    let mut counts = Vec::with_capacity(ranges.len());
    for &(lo, hi) in ranges {
        let before = ids.len();
        range_nodes(lo, hi, &mut ids);
        counts.push(ids.len() - before);
    }
    let hashes = read_exact(reader, &ids)?;
    let mut out = Vec::with_capacity(ranges.len());
    let mut rest = hashes.as_slice();
    for count in counts {
        let (these, tail) = rest
            .split_at_checked(count)
            .ok_or(TreeError::WrongHashCount { requested: ids.len(), got: hashes.len() })?;
        // Every range is non-empty, so `these` is never empty.
        out.extend(fold_range(these));
        rest = tail;
    }
    Ok(out)
}

fn read_exact<R: HashReader>(reader: &R, ids: &[NodeId]) -> Result<Vec<Hash>, TreeError<R::Error>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = reader.read_hashes(ids).map_err(TreeError::Store)?;
    if hashes.len() != ids.len() {
        return Err(TreeError::WrongHashCount { requested: ids.len(), got: hashes.len() });
    }
    Ok(hashes)
}

/// The nodes to store when appending leaf number `n` whose data is `record_hash`.
///
/// Returns the leaf hash `(0, n)` followed by every perfect subtree completed
/// by this leaf, lowest level first (at most `1 + log2(n + 1)` entries). Reads
/// the left siblings of those subtrees, which must already be stored. The
/// caller persists the result; nothing is written here.
pub fn stored_hashes_for_leaf<R: HashReader>(
    n: u64,
    record_hash: &[u8; 32],
    reader: &R,
) -> Result<Vec<(NodeId, Hash)>, TreeError<R::Error>> {
    stored_hashes_for_leaf_hash(n, leaf_hash(record_hash), reader)
}

/// Like [`stored_hashes_for_leaf`] but takes the leaf hash itself, for leaves
/// that are not 32-byte record hashes (see [`crate::leaf_hash_bytes`]).
pub fn stored_hashes_for_leaf_hash<R: HashReader>(
    n: u64,
    leaf_hash: Hash,
    reader: &R,
) -> Result<Vec<(NodeId, Hash)>, TreeError<R::Error>> {
    if n == u64::MAX {
        return Err(TreeError::LogFull);
    }
    // Each trailing 1 bit of n completes one subtree, whose left half is the
    // already stored node (level, (n >> level) - 1).
    let completed = n.trailing_ones() as u8;
    let left_siblings: Vec<NodeId> = (0..completed).map(|level| NodeId::new(level, (n >> level) - 1)).collect();
    let lefts = read_exact(reader, &left_siblings)?;
    let mut out = Vec::with_capacity(1 + lefts.len());
    let mut h = leaf_hash;
    out.push((NodeId::leaf(n), h));
    for (level, left) in (1u8..).zip(&lefts) {
        h = node_hash(left, &h);
        out.push((NodeId::new(level, n >> level), h));
    }
    Ok(out)
}

/// Root hash of the tree made of the first `size` leaves.
///
/// Reads at most `log2(size) + 1` stored nodes. The empty tree has root
/// [`crate::empty_root`].
pub fn tree_root<R: HashReader>(size: u64, reader: &R) -> Result<Hash, TreeError<R::Error>> {
    if size == 0 {
        return Ok(crate::merkle::empty_root());
    }
    let hashes = range_hashes(&[(0, size)], reader)?;
    hashes.first().copied().ok_or(TreeError::WrongHashCount { requested: 1, got: 0 })
}

/// Inclusion proof (RFC 6962 audit path) for leaf `index` in the tree of `size` leaves.
///
/// Reads at most about `2 * log2(size)` stored nodes in one batch.
pub fn inclusion_proof<R: HashReader>(index: u64, size: u64, reader: &R) -> Result<Vec<Hash>, TreeError<R::Error>> {
    if index >= size {
        return Err(TreeError::IndexOutOfRange { index, size });
    }
    range_hashes(&inclusion_ranges(index, size), reader)
}

/// Consistency proof (RFC 6962 2.1.2) from the tree of `old_size` leaves to the
/// tree of `new_size` leaves.
///
/// Empty when `old_size` is 0 or equals `new_size`. Reads at most about
/// `2 * log2(new_size)` stored nodes in one batch.
pub fn consistency_proof<R: HashReader>(
    old_size: u64,
    new_size: u64,
    reader: &R,
) -> Result<Vec<Hash>, TreeError<R::Error>> {
    if old_size > new_size {
        return Err(TreeError::SizesOutOfOrder { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(Vec::new());
    }
    range_hashes(&consistency_ranges(old_size, new_size), reader)
}

/// Error of [`MemoryStore`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MemoryStoreError {
    /// A requested node was never stored.
    #[error("node (level {}, index {}) is not stored", .0.level, .0.index)]
    Missing(NodeId),
    /// A node was inserted before its left neighbour on the same level.
    #[error("node (level {}, index {}) inserted out of order", .0.level, .0.index)]
    OutOfOrder(NodeId),
    /// A node was stored again with a different hash.
    #[error("node (level {}, index {}) already stored with another hash", .0.level, .0.index)]
    Conflict(NodeId),
}

/// In-memory node store (one `Vec` per level), for tests and small logs.
///
/// ```
/// use ledger_tlog::{MemoryStore, tree_root, leaf_hash};
/// let mut store = MemoryStore::new();
/// store.append(&[1; 32])?;
/// assert_eq!(tree_root(1, &store)?, leaf_hash(&[1; 32]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    levels: Vec<Vec<Hash>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves stored.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf whose data is `record_hash`; returns its index.
    pub fn append(&mut self, record_hash: &[u8; 32]) -> Result<u64, TreeError<MemoryStoreError>> {
        self.append_leaf_hash(leaf_hash(record_hash))
    }

    /// Appends a leaf given its leaf hash; returns its index.
    pub fn append_leaf_hash(&mut self, leaf_hash: Hash) -> Result<u64, TreeError<MemoryStoreError>> {
        let n = self.size();
        for (id, hash) in stored_hashes_for_leaf_hash(n, leaf_hash, &*self)? {
            self.insert(id, hash).map_err(TreeError::Store)?;
        }
        Ok(n)
    }

    /// Stores one node. Nodes of a level must arrive left to right; storing
    /// an existing node again with the same hash is a no-op.
    pub fn insert(&mut self, id: NodeId, hash: Hash) -> Result<(), MemoryStoreError> {
        let level = usize::from(id.level);
        if self.levels.len() <= level {
            self.levels.resize_with(level + 1, Vec::new);
        }
        let Some(nodes) = self.levels.get_mut(level) else {
            return Err(MemoryStoreError::OutOfOrder(id));
        };
        let index = usize::try_from(id.index).map_err(|_| MemoryStoreError::OutOfOrder(id))?;
        match nodes.get(index) {
            Some(existing) if *existing == hash => Ok(()),
            Some(_) => Err(MemoryStoreError::Conflict(id)),
            None if index == nodes.len() => {
                nodes.push(hash);
                Ok(())
            }
            None => Err(MemoryStoreError::OutOfOrder(id)),
        }
    }

    /// The stored hash of a node, if any.
    pub fn get(&self, id: NodeId) -> Option<Hash> {
        let index = usize::try_from(id.index).ok()?;
        self.levels.get(usize::from(id.level))?.get(index).copied()
    }
}

impl HashReader for MemoryStore {
    type Error = MemoryStoreError;

    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        ids.iter().map(|&id| self.get(id).ok_or(MemoryStoreError::Missing(id))).collect()
    }
}

impl HashReader for HashMap<NodeId, Hash> {
    type Error = MemoryStoreError;

    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        ids.iter().map(|id| self.get(id).copied().ok_or(MemoryStoreError::Missing(*id))).collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn stored_index_matches_go_layout() {
        // Appending stored_hashes_for_leaf outputs for leaves 0.. fills the
        // Go linear index densely, in order.
        let mut store = MemoryStore::new();
        let mut next = 0u64;
        for n in 0..300u64 {
            let new = stored_hashes_for_leaf(n, &[n as u8; 32], &store).unwrap();
            for (id, hash) in new {
                assert_eq!(id.stored_index(), Some(next), "{id:?}");
                assert_eq!(NodeId::from_stored_index(next), id);
                store.insert(id, hash).unwrap();
                next += 1;
            }
        }
        // Known values from Go's layout: leaf 0 at 0, leaf 1 at 1, (1,0) at 2, leaf 2 at 3.
        assert_eq!(NodeId::new(1, 0).stored_index(), Some(2));
        assert_eq!(NodeId::leaf(2).stored_index(), Some(3));
        assert_eq!(NodeId::new(2, 0).stored_index(), Some(6));
    }

    #[test]
    fn stored_index_extremes() {
        assert_eq!(NodeId::new(64, 0).stored_index(), None);
        assert_eq!(NodeId::leaf(u64::MAX).stored_index(), None);
        for s in [u64::MAX, u64::MAX - 1, u64::MAX / 2, 1 << 62] {
            let id = NodeId::from_stored_index(s);
            assert_eq!(id.stored_index(), Some(s));
        }
    }

    #[test]
    fn store_rejects_gaps_and_conflicts() {
        let mut s = MemoryStore::new();
        assert_eq!(s.insert(NodeId::leaf(1), [0; 32]), Err(MemoryStoreError::OutOfOrder(NodeId::leaf(1))));
        s.insert(NodeId::leaf(0), [0; 32]).unwrap();
        s.insert(NodeId::leaf(0), [0; 32]).unwrap();
        assert_eq!(s.insert(NodeId::leaf(0), [1; 32]), Err(MemoryStoreError::Conflict(NodeId::leaf(0))));
        assert!(matches!(inclusion_proof(0, 2, &s), Err(TreeError::Store(MemoryStoreError::Missing(_)))));
    }
}

/// The perfect subtrees covering the first `size` leaves, largest first:
/// all a tree needs to grow by one leaf and to give its root, in
/// `O(log size)` hashes. Pure: no storage.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    /// `(level, hash)`, levels strictly decreasing.
    nodes: Vec<(u8, Hash)>,
}

impl Frontier {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The perfect subtrees, `(level, hash)`, largest first: what
    /// [`Frontier::from_nodes`] takes back.
    pub fn nodes(&self) -> &[(u8, Hash)] {
        &self.nodes
    }

    /// Appends the leaf whose data is `record_hash`.
    pub fn push(&mut self, record_hash: &[u8; 32]) {
        self.push_nodes(record_hash);
    }

    /// Appends a leaf; returns the nodes it completes, `(level, hash)`,
    /// the leaf first: what the store keeps for it, in storage order.
    pub fn push_nodes(&mut self, record_hash: &[u8; 32]) -> Vec<(u8, Hash)> {
        let (mut level, mut hash) = (0u8, leaf_hash(record_hash));
        let mut completed = vec![(level, hash)];
        while let Some(&(top, left)) = self.nodes.last()
            && top == level
        {
            self.nodes.pop();
            hash = node_hash(&left, &hash);
            level += 1;
            completed.push((level, hash));
        }
        self.nodes.push((level, hash));
        self.size += 1;
        completed
    }

    /// A frontier from its parts: `nodes` must be one `(level, hash)` per
    /// set bit of `size`, levels strictly decreasing (the perfect subtrees
    /// covering the first `size` leaves, as a store keeps them).
    pub fn from_nodes(size: u64, nodes: Vec<(u8, Hash)>) -> Option<Self> {
        let levels: Vec<u8> = (0..64u8).rev().filter(|l| size >> l & 1 == 1).collect();
        (nodes.iter().map(|n| n.0).eq(levels)).then_some(Frontier { size, nodes })
    }

    /// The RFC 6962 root of the leaves so far.
    pub fn root(&self) -> Hash {
        let mut nodes = self.nodes.iter().rev();
        match nodes.next() {
            None => empty_root(),
            Some(&(_, last)) => nodes.fold(last, |acc, (_, h)| node_hash(h, &acc)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod frontier_tests {
    use super::*;

    #[test]
    fn frontier_matches_the_stored_tree_for_every_size() {
        let mut store = MemoryStore::new();
        let mut frontier = Frontier::new();
        assert_eq!(frontier.root(), empty_root());
        for i in 0..200u8 {
            let h = [i; 32];
            store.append(&h).unwrap();
            frontier.push(&h);
            assert_eq!(frontier.root(), tree_root(u64::from(i) + 1, &store).unwrap(), "size {}", i + 1);
            assert_eq!(frontier.nodes.len(), frontier.size.count_ones() as usize);
            let rebuilt = Frontier::from_nodes(frontier.size(), frontier.nodes.clone()).unwrap();
            assert_eq!(rebuilt, frontier);
        }
        assert!(Frontier::from_nodes(3, vec![(0, [0; 32])]).is_none(), "3 leaves need levels 1 and 0");
    }
}
