//! Reading the files a user names: with a bound suited to each kind of
//! file, named in every error, and never quoting what a private key file
//! holds.
//!
//! Every limit is in [`Limit`] constants, listed in `docs/LIMITS.md`.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file of one kind that is read, and what the kind is called
/// in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What the file is, e.g. "checkpoint file".
    pub what: &'static str,
    /// The most bytes it may hold.
    pub bytes: u64,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// A verifier key given as a file.
pub const VKEY: Limit = Limit { what: "verifier key file", bytes: 64 * KIB };
/// A witness policy (`--policy`).
pub const POLICY: Limit = Limit { what: "policy file", bytes: 64 * KIB };
/// A signed checkpoint (a signed note), alone or as an inspector's or
/// witness's state file.
pub const CHECKPOINT: Limit = Limit { what: "checkpoint file", bytes: 64 * KIB };
/// An inspector's or witness's state file (a signed checkpoint).
pub const STATE: Limit = Limit { what: "state file", bytes: 64 * KIB };
/// An inclusion proof (`c2sp.org/tlog-proof@v1`).
pub const PROOF: Limit = Limit { what: "proof file", bytes: 64 * KIB };
/// A consistency proof (`ledger consistency` output).
pub const CONSISTENCY: Limit = Limit { what: "consistency proof", bytes: 64 * KIB };
/// Events as JSON Lines (`ledger append`).
pub const EVENTS: Limit = Limit { what: "event input", bytes: 64 * MIB };
/// A table of values, targets or corrections (`ledger values submit`,
/// `ledger period targets`): a CSV file or a workbook.
pub const CSV: Limit = Limit { what: "table file", bytes: 64 * MIB };
/// A JSON document: a role table, a policy, a catalog.
pub const DOCUMENT: Limit = Limit { what: "JSON document", bytes: 16 * MIB };
/// An evidence document, hashed as it is read, never held in memory.
pub const EVIDENCE: Limit = Limit { what: "evidence document", bytes: 1024 * MIB };

/// Why a file could not be read. No variant carries the file's contents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// Nothing at the path.
    #[error("{what} {} does not exist", path.display())]
    NotFound {
        /// What was expected.
        what: &'static str,
        /// The path given.
        path: PathBuf,
    },
    /// A directory where a file was expected.
    #[error("{what} {} is a directory, not a file", path.display())]
    Directory {
        /// What was expected.
        what: &'static str,
        /// The path given.
        path: PathBuf,
    },
    /// Larger than the limit for its kind.
    #[error("{what} {} is larger than {}, the limit for a {what} (docs/LIMITS.md)", path.display(), size(*limit))]
    TooLarge {
        /// What was expected.
        what: &'static str,
        /// The path given, or `-` for standard input.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// A PEM private key where something else was expected.
    #[error(
        "{} holds a private key, not a {what}; nothing of it is shown. {}",
        path.display(),
        if *what == VKEY.what {
            "Give the public verifier key instead: the one printed from the matching .pub file"
        } else {
            "Check the file name: private keys end in .key, public keys in .pub"
        }
    )]
    PrivateKey {
        /// What was expected.
        what: &'static str,
        /// The path given.
        path: PathBuf,
    },
    /// The file system failed.
    #[error("reading {what} {}: {source}", path.display())]
    Io {
        /// What was expected.
        what: &'static str,
        /// The path given.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

fn size(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn open(path: &Path, limit: Limit) -> Result<std::fs::File, InputError> {
    let what = limit.what;
    if path.is_dir() {
        return Err(InputError::Directory { what, path: path.to_owned() });
    }
    std::fs::File::open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => InputError::NotFound { what, path: path.to_owned() },
        _ => InputError::Io { what, path: path.to_owned(), source },
    })
}

fn read_limited(reader: impl Read, path: &Path, limit: Limit) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    reader.take(limit.bytes + 1).read_to_end(&mut bytes).map_err(|source| InputError::Io {
        what: limit.what,
        path: path.to_owned(),
        source,
    })?;
    if bytes.len() as u64 > limit.bytes {
        return Err(InputError::TooLarge { what: limit.what, path: path.to_owned(), limit: limit.bytes });
    }
    if ledger_keyfile::is_private_key_pem(&bytes) {
        return Err(InputError::PrivateKey { what: limit.what, path: path.to_owned() });
    }
    Ok(bytes)
}

/// Reads a whole file of the given kind, reading at most one byte more than
/// its limit. A file holding a PEM private key is refused.
pub fn read(path: &Path, limit: Limit) -> Result<Vec<u8>, InputError> {
    let file = open(path, limit)?;
    read_limited(file, path, limit)
}

/// Reads a file, or standard input when the path is `-` or absent.
pub fn read_or_stdin(path: Option<&Path>, limit: Limit) -> Result<Vec<u8>, InputError> {
    match path {
        Some(p) if p != Path::new("-") => read(p, limit),
        _ => read_limited(std::io::stdin().lock(), Path::new("-"), limit),
    }
}

/// The BLAKE3 hash of a file, read in pieces (evidence documents can be
/// large; they are never held in memory), refusing one over the limit.
pub fn hash(path: &Path, limit: Limit) -> Result<blake3::Hash, InputError> {
    let file = open(path, limit)?;
    let mut hasher = blake3::Hasher::new();
    let mut reader = file.take(limit.bytes + 1);
    let copied = std::io::copy(&mut reader, &mut hasher).map_err(|source| InputError::Io {
        what: limit.what,
        path: path.to_owned(),
        source,
    })?;
    if copied > limit.bytes {
        return Err(InputError::TooLarge { what: limit.what, path: path.to_owned(), limit: limit.bytes });
    }
    Ok(hasher.finalize())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn limits_private_keys_and_missing_files_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let small = Limit { what: "test file", bytes: 8 };
        let p = dir.path().join("f");
        std::fs::write(&p, b"12345678").unwrap();
        assert_eq!(read(&p, small).unwrap(), b"12345678");
        std::fs::write(&p, b"123456789").unwrap();
        let e = read(&p, small).unwrap_err().to_string();
        assert!(e.contains("larger than 8 bytes") && e.contains("test file"), "{e}");
        assert!(matches!(hash(&p, small), Err(InputError::TooLarge { .. })));
        std::fs::write(&p, "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIO78V8k29+BVbW5gPdrAoZW8\n").unwrap();
        let e = read(&p, VKEY).unwrap_err().to_string();
        assert!(e.contains("private key") && e.contains("public verifier key") && !e.contains("MC4C"), "{e}");
        assert!(matches!(read(&dir.path().join("nope"), small), Err(InputError::NotFound { .. })));
        assert!(matches!(read(dir.path(), small), Err(InputError::Directory { .. })));
        // /dev/zero: refused after reading just past the limit.
        if Path::new("/dev/zero").exists() {
            assert!(matches!(read(Path::new("/dev/zero"), CHECKPOINT), Err(InputError::TooLarge { .. })));
        }
    }
}
