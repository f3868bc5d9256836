//! RFC 6962 / RFC 9162 section 2.1 Merkle tree hashing and proof verification.
//!
//! Everything here is pure arithmetic over hashes: no storage is involved. The
//! verification functions follow the algorithms of RFC 9162 sections 2.1.3.2
//! (inclusion) and 2.1.4.2 (consistency) step by step, with the proof length
//! checked up front so that a wrong-length proof gets its own error.

use sha2::{Digest, Sha256};

/// Size in bytes of every hash in the tree (SHA-256).
pub const HASH_SIZE: usize = 32;

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; HASH_SIZE];

/// Hash of a leaf whose data is a 32-byte record hash: `SHA-256(0x00 || record_hash)`.
///
/// This is how the ledger maps record `i` to leaf `i`.
pub fn leaf_hash(record_hash: &[u8; 32]) -> Hash {
    leaf_hash_bytes(record_hash)
}

/// Hash of a leaf with arbitrary data: `SHA-256(0x00 || data)` (RFC 6962 `MTH({d(0)})`).
pub fn leaf_hash_bytes(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// Hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Root of the empty tree: `SHA-256("")` = `e3b0c442...b855` (RFC 6962 `MTH({})`).
///
/// Note: Go's `sumdb/tlog.TreeHash(0)` returns an all-zero hash instead; this
/// crate follows the RFC.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Why a Merkle proof was refused.
///
/// [`ProofError::IndexOutOfRange`], [`ProofError::SizesOutOfOrder`] and
/// [`ProofError::WrongProofLength`] mean the inputs cannot describe a valid
/// proof at all; the `*RootMismatch` variants mean the proof was well formed
/// but does not lead to the claimed root(s): a failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not smaller than the tree size.
    #[error("leaf index {index} is out of range for tree size {size}")]
    IndexOutOfRange {
        /// Leaf index given.
        index: u64,
        /// Tree size given.
        size: u64,
    },
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    SizesOutOfOrder {
        /// Old (first) tree size.
        old_size: u64,
        /// New (second) tree size.
        new_size: u64,
    },
    /// The proof does not have the number of hashes the sizes require.
    #[error("proof has {got} hashes, the tree sizes require {expected}")]
    WrongProofLength {
        /// Number of hashes required.
        expected: usize,
        /// Number of hashes given.
        got: usize,
    },
    /// The (new) root computed from the proof differs from the claimed root.
    #[error("root mismatch: expected {}, computed {}", hex::encode(.expected), hex::encode(.computed))]
    RootMismatch {
        /// Root the caller claimed.
        expected: Hash,
        /// Root the proof leads to.
        computed: Hash,
    },
    /// The old root computed from a consistency proof differs from the claimed old root.
    #[error("old root mismatch: expected {}, computed {}", hex::encode(.expected), hex::encode(.computed))]
    OldRootMismatch {
        /// Old root the caller claimed.
        expected: Hash,
        /// Old root the proof leads to.
        computed: Hash,
    },
}

/// Right-shifts `fn_` and `sn` together until `fn_` is odd or zero
/// (RFC 9162 2.1.3.2 step 4.b.ii and 2.1.4.2 step 6.b.iii).
fn shift_until_odd_or_zero(fn_: &mut u64, sn: &mut u64) {
    while *fn_ & 1 == 0 && *fn_ != 0 {
        *fn_ >>= 1;
        *sn >>= 1;
    }
}

/// Number of path entries the RFC 9162 loop consumes from `(fn_, sn)` until `sn` is 0.
fn path_len(mut fn_: u64, mut sn: u64) -> usize {
    let mut n = 0;
    while sn != 0 {
        if fn_ & 1 == 1 || fn_ == sn {
            shift_until_odd_or_zero(&mut fn_, &mut sn);
        }
        fn_ >>= 1;
        sn >>= 1;
        n += 1;
    }
    n
}

/// Number of hashes in an inclusion proof for leaf `index` in a tree of `size` leaves.
///
/// Returns `None` when `index >= size`.
pub fn inclusion_proof_len(index: u64, size: u64) -> Option<usize> {
    (index < size).then(|| path_len(index, size - 1))
}

/// Number of hashes in a consistency proof from `old_size` to `new_size`.
///
/// Returns `None` when `old_size > new_size`. Proofs from the empty tree or
/// between equal sizes are empty.
pub fn consistency_proof_len(old_size: u64, new_size: u64) -> Option<usize> {
    if old_size > new_size {
        return None;
    }
    if old_size == 0 || old_size == new_size {
        return Some(0);
    }
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // One seed entry (fr = sr = path[0]) plus one per loop iteration; when
    // old_size is a power of two the seed is old_root itself and not sent.
    let with_seed = 1 + path_len(fn_, sn);
    Some(if old_size.is_power_of_two() { with_seed - 1 } else { with_seed })
}

/// Root of a tree of `size` leaves implied by an inclusion proof, without comparing it to anything.
///
/// Implements RFC 9162 section 2.1.3.2 steps 1 to 4.
pub fn root_from_inclusion_proof(leaf_hash: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<Hash, ProofError> {
    let expected = inclusion_proof_len(index, size).ok_or(ProofError::IndexOutOfRange { index, size })?;
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength { expected, got: proof.len() });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        // `sn == 0` cannot happen here: the length was checked above.
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            shift_until_odd_or_zero(&mut fn_, &mut sn);
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    Ok(r)
}

/// Verifies that `leaf_hash` is leaf number `index` of the tree of `size` leaves with root `root`.
///
/// RFC 9162 section 2.1.3.2. `leaf_hash` is the leaf *hash* (see [`leaf_hash`]),
/// not the leaf data.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(leaf_hash, index, size, proof)?;
    if computed == *root { Ok(()) } else { Err(ProofError::RootMismatch { expected: *root, computed }) }
}

/// Verifies that the tree of `old_size` leaves with root `old_root` is a prefix
/// of the tree of `new_size` leaves with root `new_root`.
///
/// RFC 9162 section 2.1.4.2 for `0 < old_size < new_size`. The edge cases
/// outside that range are decided as follows: `old_size == new_size` requires
/// an empty proof and equal roots; `old_size == 0` requires an empty proof and
/// `old_root` equal to [`empty_root`] (every tree extends the empty tree).
pub fn verify_consistency(
    old_size: u64,
    old_root: &Hash,
    new_size: u64,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    let expected =
        consistency_proof_len(old_size, new_size).ok_or(ProofError::SizesOutOfOrder { old_size, new_size })?;
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength { expected, got: proof.len() });
    }
    if old_size == 0 {
        let empty = empty_root();
        return if *old_root == empty {
            Ok(())
        } else {
            Err(ProofError::OldRootMismatch { expected: *old_root, computed: empty })
        };
    }
    if old_size == new_size {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch { expected: *new_root, computed: *old_root })
        };
    }

    // Step 2: if old_size is a power of two, the path starts with old_root.
    let (seed, rest) = if old_size.is_power_of_two() {
        (*old_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            // Unreachable: expected >= 1 when old_size is not a power of two.
            None => return Err(ProofError::WrongProofLength { expected, got: 0 }),
        }
    };
    // Steps 3 and 4.
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Steps 5 and 6.
    let (mut fr, mut sr) = (seed, seed);
    for c in rest {
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            shift_until_odd_or_zero(&mut fn_, &mut sn);
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7 (sn == 0 is guaranteed by the length check).
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch { expected: *old_root, computed: fr });
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch { expected: *new_root, computed: sr });
    }
    Ok(())
}
