//! What this machine knows of a ledger file, kept outside the file: the
//! last point it verified (sequence number, record hash, Merkle frontier)
//! and the digests of the snapshots it computed.
//!
//! The file lives in the user's cache directory (`$LEDGER_CACHE`, else
//! `$XDG_CACHE_HOME/assessment-ledger`, else `~/.cache/assessment-ledger`),
//! one per ledger, named by a hash of the ledger's origin and the file's
//! canonical path, and bound to the ledger's genesis record: a new ledger
//! written at the same path starts from nothing.
//!
//! It is a cache in the sense that losing it costs time only (the next
//! command verifies from genesis). It is evidence in the sense that a
//! ledger inconsistent with it is reported as tampering by every command
//! that checks the file (`verify`, every read, every append): a file that
//! ends before the verified point (a backup restored: a rollback), one
//! whose record there has another hash, or one with another genesis record
//! under the same origin at the same path (another history: a fork).
//! Nothing but an explicit act replaces it: [`Cache::forget`] (`ledger
//! forget`), or a new ledger created at the path. Whoever can write this
//! directory can make this machine skip signature checks of records it
//! verified before, and nothing more: the chain is re-hashed every time.

use ledger_core::{Hash, Timestamp};
use ledger_tlog::Frontier;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The format of the state file.
const VERSION: u32 = 1;
/// Snapshot digests remembered per ledger.
const SNAPSHOTS_REMEMBERED: usize = 8;

/// Where local states are kept, or nowhere (`--no-cache`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    dir: Option<PathBuf>,
}

/// The last point of a ledger this machine verified in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedPoint {
    /// The last record verified.
    pub seq: u64,
    /// Its record hash.
    pub hash: Hash,
    /// The Merkle frontier of the records `0..=seq`, `(level, hash)`.
    pub frontier: Vec<(u8, Hash)>,
    /// When it was verified.
    pub at: Timestamp,
}

impl VerifiedPoint {
    /// The frontier as the tree code takes it.
    pub fn frontier(&self) -> Option<Frontier> {
        Frontier::from_nodes(self.seq + 1, self.frontier.iter().map(|(l, h)| (*l, h.0)).collect())
    }

    /// A point at the end of `frontier`'s records, verified at `at`.
    pub fn new(seq: u64, hash: Hash, frontier: &Frontier, at: Timestamp) -> VerifiedPoint {
        VerifiedPoint { seq, hash, frontier: frontier.nodes().iter().map(|(l, h)| (*l, Hash(*h))).collect(), at }
    }
}

/// A snapshot whose body this machine computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedSnapshot {
    /// The record it is as of.
    pub seq: u64,
    /// That record's hash.
    pub hash: Hash,
    /// BLAKE3 of the body.
    pub digest: Hash,
}

/// What this machine knows of one ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalState {
    version: u32,
    origin: String,
    path: String,
    genesis: Hash,
    /// The last point verified in full, if any.
    pub verified: Option<VerifiedPoint>,
    /// Snapshots this machine computed, oldest first.
    pub snapshots: Vec<TrustedSnapshot>,
    #[serde(skip)]
    file: Option<PathBuf>,
    /// The genesis hash of the file now at the path, when it is not the one
    /// this machine verified there: the state is then evidence of another
    /// history and is never written over (only [`Cache::forget`] drops it).
    #[serde(skip)]
    found_genesis: Option<Hash>,
}

/// How a ledger file disagrees with what this machine verified of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disagreement {
    /// Another genesis record under the same origin at the same path.
    Genesis {
        /// The genesis this machine verified.
        remembered: Hash,
        /// The genesis of the file.
        found: Hash,
    },
    /// The file ends before the last record verified: records were removed
    /// from its end (a backup restored, a rollback).
    Shorter {
        /// The file's last record.
        head_seq: u64,
    },
    /// The record at the verified point has another hash: another history
    /// replaced the one verified (a fork).
    Rewritten {
        /// The hash the record has now.
        found: Hash,
    },
}

impl LocalState {
    /// The genesis record of the ledger this state is of.
    pub fn genesis(&self) -> &Hash {
        &self.genesis
    }

    /// The ledger file this state is of (its canonical path).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The origin of the ledger this state is of.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// How a file whose last record is `head_seq`, and whose record at the
    /// verified point has the hash `at_point` (`None` when the file ends
    /// before it), disagrees with what this machine verified: `None` when
    /// it holds every record verified, unchanged (or when the record at the
    /// point is missing inside the file: the record checks report that).
    pub fn disagreement(&self, head_seq: u64, at_point: Option<Hash>) -> Option<Disagreement> {
        if let Some(found) = self.found_genesis {
            return Some(Disagreement::Genesis { remembered: self.genesis, found });
        }
        let v = self.verified.as_ref()?;
        match at_point {
            _ if v.seq > head_seq => Some(Disagreement::Shorter { head_seq }),
            Some(h) if h == v.hash => None,
            Some(found) => Some(Disagreement::Rewritten { found }),
            // A record missing inside the file: the record checks say where.
            None => None,
        }
    }

    /// The words of a disagreement, for a finding: what this machine
    /// verified, what the file holds instead, and what it means.
    pub fn describe(&self, d: &Disagreement) -> String {
        // Shown in Jinan's time, as every time a clerk reads.
        let at = |t: &Timestamp| match ledger_core::time::zone(ledger_core::time::DEFAULT_ZONE) {
            Ok(zone) => t.local(&zone),
            Err(_) => t.to_string(),
        };
        let verified = match &self.verified {
            Some(v) => format!("{} records of the ledger {} at this path on {}", v.seq + 1, self.origin, at(&v.at)),
            None => format!("the ledger {} at this path", self.origin),
        };
        match d {
            Disagreement::Genesis { remembered, found } => format!(
                "this machine verified {verified}, whose genesis record was {remembered}; this file's genesis record is {found}: another ledger under the same origin replaced it (a fork from its first record)"
            ),
            Disagreement::Shorter { head_seq } => format!(
                "this machine verified {verified}, but it now ends at record {head_seq}: records were removed from its end (an older copy restored: a rollback)"
            ),
            Disagreement::Rewritten { found } => {
                let (seq, hash) = self.verified.as_ref().map(|v| (v.seq, v.hash)).unwrap_or((0, Hash::ZERO));
                format!(
                    "record {seq} is not the one this machine verified ({verified}; hash {hash} then, {found} now): another history replaced the one verified (a fork)"
                )
            }
        }
    }

    /// Whether this machine computed a snapshot with this key and digest.
    pub fn trusts(&self, seq: u64, hash: &Hash, digest: &Hash) -> bool {
        self.snapshots.iter().any(|s| s.seq == seq && s.hash == *hash && s.digest == *digest)
    }

    /// Whether this machine remembers a snapshot at `seq` (whatever its digest).
    pub fn knows_snapshot_at(&self, seq: u64) -> bool {
        self.snapshots.iter().any(|s| s.seq == seq)
    }

    /// Remembers a snapshot this machine computed.
    pub fn remember(&mut self, snapshot: TrustedSnapshot) {
        self.snapshots.retain(|s| s.seq != snapshot.seq);
        self.snapshots.push(snapshot);
        self.snapshots.sort_by_key(|s| s.seq);
        let excess = self.snapshots.len().saturating_sub(SNAPSHOTS_REMEMBERED);
        self.snapshots.drain(..excess);
    }

    /// Writes the state back, whole or not at all. A cache that cannot be
    /// written costs time, not correctness: the error is for a warning.
    pub fn save(&self) -> Result<(), String> {
        let Some(file) = &self.file else { return Ok(()) };
        if self.found_genesis.is_some() {
            return Ok(()); // evidence of another history: kept as it is
        }
        let write = || -> std::io::Result<()> {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = file.with_extension(format!("tmp-{}", std::process::id()));
            let body = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
            std::fs::write(&tmp, body)?;
            std::fs::rename(&tmp, file).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })
        };
        write().map_err(|e| format!("could not write the local state {}: {e}", file.display()))
    }
}

impl Cache {
    /// The default place: `$LEDGER_CACHE`, else the user's cache directory.
    pub fn default_place() -> Cache {
        let dir = std::env::var_os("LEDGER_CACHE")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("assessment-ledger")));
        Cache { dir }
    }

    /// A cache in this directory.
    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: Some(dir.into()) }
    }

    /// No cache: every command verifies and folds from genesis.
    pub fn disabled() -> Cache {
        Cache { dir: None }
    }

    /// Whether there is a cache at all.
    pub fn enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// Forgets what this machine verified of the ledger with this origin at
    /// `path` (the explicit act of accepting another history there: `ledger
    /// forget`, or a new ledger created at the path). Returns what was
    /// forgotten, if anything.
    pub fn forget(&self, path: &Path, origin: &str) -> Result<Option<LocalState>, String> {
        let Some(file) = self.file_of(path, origin) else { return Ok(None) };
        let known = crate::files::read(&file, crate::files::DOCUMENT)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<LocalState>(&bytes).ok());
        match std::fs::remove_file(&file) {
            Ok(()) => Ok(known),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("could not remove the local state {}: {e}", file.display())),
        }
    }

    fn file_of(&self, path: &Path, origin: &str) -> Option<PathBuf> {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let canonical = canonical.to_string_lossy().into_owned();
        self.dir.as_ref().map(|d| {
            let key = blake3::hash(format!("{origin}\n{canonical}").as_bytes()).to_hex();
            d.join(format!("{}.json", &key[..32]))
        })
    }

    /// What this machine knows of the ledger at `path` with this origin and
    /// genesis hash; empty when nothing. A state of another genesis at that
    /// path is returned as it is, marked: the file disagrees with it.
    /// The second value says why a state was set aside, for a note.
    pub fn load(&self, path: &Path, origin: &str, genesis: &Hash) -> (LocalState, Option<String>) {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let canonical = canonical.to_string_lossy().into_owned();
        let file = self.file_of(path, origin);
        let fresh = LocalState {
            version: VERSION,
            origin: origin.to_owned(),
            path: canonical.clone(),
            genesis: *genesis,
            verified: None,
            snapshots: Vec::new(),
            file: file.clone(),
            found_genesis: None,
        };
        let Some(f) = &file else { return (fresh, None) };
        let Ok(bytes) = crate::files::read(f, crate::files::DOCUMENT) else { return (fresh, None) };
        match serde_json::from_slice::<LocalState>(&bytes) {
            Ok(s) if s.version == VERSION && s.origin == origin && s.path == canonical && s.genesis == *genesis => {
                (LocalState { file, ..s }, None)
            }
            // Another ledger under the same origin at the same path: what
            // this machine verified there is evidence, kept until forgotten.
            Ok(s) if s.version == VERSION && s.origin == origin && s.path == canonical && s.verified.is_some() => {
                (LocalState { file, found_genesis: Some(*genesis), ..s }, None)
            }
            // Another genesis, but nothing verified of the first: no evidence to keep.
            Ok(s) if s.version == VERSION && s.origin == origin && s.path == canonical => (fresh, None),
            _ => (fresh, Some(format!("the local state {} is unreadable: verifying from the start", f.display()))),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_state_is_bound_to_origin_path_and_genesis() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("l.db");
        std::fs::write(&ledger, b"x").unwrap();
        let cache = Cache::at(dir.path().join("cache"));
        let g = Hash([1; 32]);
        let (mut s, note) = cache.load(&ledger, "o", &g);
        assert!(note.is_none() && s.verified.is_none());
        let mut f = Frontier::new();
        f.push(&[9; 32]);
        s.verified = Some(VerifiedPoint::new(0, Hash([9; 32]), &f, Timestamp::epoch()));
        s.remember(TrustedSnapshot { seq: 0, hash: Hash([9; 32]), digest: Hash([3; 32]) });
        s.save().unwrap();
        let (again, _) = cache.load(&ledger, "o", &g);
        assert_eq!(again.verified.as_ref().unwrap().frontier().unwrap().root(), f.root());
        assert!(again.trusts(0, &Hash([9; 32]), &Hash([3; 32])));
        assert!(!again.trusts(0, &Hash([9; 32]), &Hash([4; 32])));
        // Another genesis at the same path: the state is kept as evidence,
        // the file disagrees with it, and nothing overwrites it.
        let (other, note) = cache.load(&ledger, "o", &Hash([2; 32]));
        assert!(note.is_none());
        assert_eq!(other.disagreement(5, None), Some(Disagreement::Genesis { remembered: g, found: Hash([2; 32]) }));
        other.save().unwrap();
        assert!(cache.load(&ledger, "o", &g).0.verified.is_some(), "the evidence was overwritten");
        // The same file: shorter, rewritten, or holding every record verified.
        let (same, _) = cache.load(&ledger, "o", &g);
        assert_eq!(same.disagreement(0, Some(Hash([9; 32]))), None);
        assert_eq!(same.disagreement(3, Some(Hash([9; 32]))), None);
        assert_eq!(same.disagreement(3, Some(Hash([8; 32]))), Some(Disagreement::Rewritten { found: Hash([8; 32]) }));
        assert!(same.describe(&Disagreement::Rewritten { found: Hash([8; 32]) }).contains("fork"));
        // Forgetting is the explicit act that drops it.
        let forgotten = cache.forget(&ledger, "o").unwrap().unwrap();
        assert_eq!(forgotten.verified.unwrap().seq, 0);
        assert!(cache.load(&ledger, "o", &Hash([2; 32])).0.verified.is_none());
        assert!(cache.forget(&ledger, "o").unwrap().is_none());
        // Another origin: another file.
        assert!(cache.load(&ledger, "p", &g).0.verified.is_none());
        assert!(Cache::disabled().load(&ledger, "o", &g).0.verified.is_none());
    }
}
