//! Transparency-log formats for the ledger: the ledger exposed as a verifiable log.
//!
//! Record `i` of the ledger (a 32-byte record hash) is leaf `i` of an
//! RFC 6962 Merkle tree. This crate provides:
//!
//! - [`merkle`]: leaf and node hashing (SHA-256, RFC 6962 / RFC 9162 §2.1) and
//!   pure verification of inclusion and consistency proofs (RFC 9162
//!   §2.1.3.2 and §2.1.4.2).
//! - [`tree`]: the stored-hash tree (as in Go's `sumdb/tlog`): the nodes to
//!   store when a leaf is appended, and roots and proofs for any tree size
//!   from `O(log n)` stored nodes, read through the [`HashReader`] trait.
//!   [`MemoryStore`] is an in-memory store for tests and small logs.
//! - [`note`]: C2SP signed notes with Ed25519 keys and verifier key strings.
//! - [`checkpoint`]: C2SP checkpoints, signed by the log key.
//! - [`cosignature`]: C2SP `cosignature/v1` witness cosignatures and quorums.
//! - [`proof_file`]: C2SP `tlog-proof@v1` offline proof files.
//! - [`policy`]: C2SP `tlog-policy` files: trusted logs, witnesses, quorum.
//! - [`tiles`]: C2SP `tlog-tiles` paths and tile encodings.
//!
//! # Non-features
//!
//! - No I/O of any kind: the caller stores the hashes returned by
//!   [`stored_hashes_for_leaf`] and serves them through [`HashReader`];
//!   files, keys and network are the caller's business.
//! - No clock: cosignature timestamps are passed in.
//! - No key generation: build `SigningKey`s with `ed25519-dalek` (re-exported).
//! - Only Ed25519 note signatures (types `0x01` and `0x04`); no ML-DSA, ECDSA
//!   or RFC 6962 STH signatures.
//!
//! # Example
//!
//! ```
//! use ledger_tlog::*;
//!
//! // The log: append three record hashes, keeping the stored nodes in memory.
//! let mut store = MemoryStore::new();
//! for record_hash in [[1u8; 32], [2; 32], [3; 32]] {
//!     store.append(&record_hash)?;
//! }
//! let size = store.size();
//!
//! // Sign a checkpoint with the log key (its name is the origin).
//! let log_key = Signer::new("example.com/ledger", SigningKey::from_bytes(&[7; 32]))?;
//! let checkpoint = Checkpoint::new("example.com/ledger", size, tree_root(size, &store)?);
//! let mut note = Note::parse(sign_checkpoint(&checkpoint, &log_key)?.as_bytes())?;
//!
//! // A witness cosigns it (the timestamp comes from the caller's clock).
//! let witness = Cosigner::new("witness.example/w1", SigningKey::from_bytes(&[9; 32]))?;
//! note.add_signature(witness.cosign(&checkpoint, 1_700_000_000)?)?;
//!
//! // An offline proof that record 1 is in the log.
//! let file = ProofFile {
//!     extra: None,
//!     index: 1,
//!     proof: inclusion_proof(1, size, &store)?,
//!     checkpoint: note.encode(),
//! }
//! .encode();
//!
//! // Anyone holding the public keys can check it, with no access to the log.
//! let log_vkey = Verifier::parse(&log_key.verifier().to_string())?;
//! let witnesses = [witness.verifier().clone()];
//! let verified = verify_proof_file(file.as_bytes(), &[2; 32], &log_vkey, &witnesses, 1)?;
//! assert_eq!((verified.index, verified.checkpoint.size), (1, 3));
//!
//! // The log only grows: size 2 is a prefix of size 3.
//! let old_root = tree_root(2, &store)?;
//! let proof = consistency_proof(2, 3, &store)?;
//! verify_consistency(2, &old_root, 3, &checkpoint.root, &proof)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod cosignature;
pub mod event;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod proof_file;
pub mod tiles;
pub mod tree;

pub use ed25519_dalek::{SigningKey, VerifyingKey};

pub use checkpoint::{Checkpoint, CheckpointError, OpenedCheckpoint, open_checkpoint, sign_checkpoint};
pub use cosignature::{CosignatureError, Cosigner, VerifiedCosignature, cosignature_timestamp, verify_cosignatures};
pub use merkle::{
    HASH_SIZE, Hash, ProofError, consistency_proof_len, empty_root, inclusion_proof_len, leaf_hash, leaf_hash_bytes,
    node_hash, root_from_inclusion_proof, verify_consistency, verify_inclusion,
};
pub use note::{
    KeyError, KeyType, MAX_SIGNATURES, Note, NoteError, NoteSignature, OpenedNote, Signer, Verifier, is_valid_key_name,
    key_id, open_note, sign_note,
};
pub use proof_file::{PROOF_HEADER, ProofFile, ProofFileError, VerifiedProof, verify_proof_file};
pub use tree::{
    Frontier, HashReader, MemoryStore, MemoryStoreError, NodeId, TreeError, consistency_proof, inclusion_proof,
    stored_hashes_for_leaf, stored_hashes_for_leaf_hash, tree_root,
};
