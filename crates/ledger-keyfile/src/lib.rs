//! Key files: the one crate that knows PEM, PKCS#8 and file modes.
//!
//! * private keys: PKCS#8 v1 PEM (RFC 8410) (`-----BEGIN PRIVATE KEY-----`), the form
//!   `openssl pkey` reads, written with mode 0600 and never over an existing
//!   file; a private key file that group or others can read is refused;
//! * public keys: SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`),
//!   the form `openssl pkey -pubin` reads;
//! * TLS files for `ledger serve --tls-cert --tls-key`: a certificate chain
//!   (PEM `CERTIFICATE` blocks, also the certificates a client trusts) and
//!   its private key (PKCS#8, PKCS#1 or SEC1 PEM, refused when group or
//!   others can read it), handed on as DER.
//!
//! Non-features: no key is ever printed or logged by this crate, and error
//! messages never contain key material.
//!
//! ```no_run
//! let (public, paths) = ledger_keyfile::generate(std::path::Path::new("keys/office")).unwrap();
//! let signing = ledger_keyfile::read_private(&paths.private).unwrap();
//! assert_eq!(ledger_keyfile::read_public(&paths.public).unwrap(), public);
//! # let _ = signing;
//! ```

#![forbid(unsafe_code)]

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ledger_core::PublicKey;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why a key file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// No file there.
    #[error("key file {0} does not exist")]
    NotFound(PathBuf),
    /// Would overwrite a file.
    #[error("{0} already exists; refusing to overwrite a key")]
    Exists(PathBuf),
    /// A private key readable by others.
    #[error("private key file {path} is readable by group or others (mode {mode:04o}); run: chmod 600 {path}")]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Not a key of the expected kind.
    #[error("{path} is not {expected}: {reason}")]
    NotAKey {
        /// The file.
        path: PathBuf,
        /// What was expected.
        expected: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The file system failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyFileError + '_ {
    move |source| match source.kind() {
        std::io::ErrorKind::NotFound => KeyFileError::NotFound(path.to_owned()),
        std::io::ErrorKind::AlreadyExists => KeyFileError::Exists(path.to_owned()),
        _ => KeyFileError::Io { path: path.to_owned(), source },
    }
}

/// Where [`generate`] wrote a key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPaths {
    /// `BASE.key`, the private key.
    pub private: PathBuf,
    /// `BASE.pub`, the public key.
    pub public: PathBuf,
}

fn with_suffix(base: &Path, suffix: &str) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Generates a key pair from the operating system's random source and
/// writes `BASE.key` (mode 0600) and `BASE.pub`. Refuses to overwrite.
pub fn generate(base: &Path) -> Result<(PublicKey, KeyPaths), KeyFileError> {
    use getrandom::{SysRng, rand_core::UnwrapErr};
    let key = SigningKey::generate(&mut UnwrapErr(SysRng));
    let paths = KeyPaths { private: with_suffix(base, ".key"), public: with_suffix(base, ".pub") };
    for p in [&paths.private, &paths.public] {
        if p.exists() {
            return Err(KeyFileError::Exists(p.clone()));
        }
    }
    if let Some(dir) = base.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    write_private(&paths.private, &key)?;
    let public = PublicKey::from(&key);
    if let Err(e) = write_public(&paths.public, &public) {
        let _ = std::fs::remove_file(&paths.private);
        return Err(e);
    }
    Ok((public, paths))
}

/// Writes a private key as PKCS#8 PEM with mode 0600; never overwrites.
pub fn write_private(path: &Path, key: &SigningKey) -> Result<(), KeyFileError> {
    // PKCS#8 v1 (no embedded public key): OpenSSL 3.0 refuses the v2 form
    // that ed25519-dalek writes by default.
    let v1 = ed25519_dalek::pkcs8::KeypairBytes { secret_key: key.to_bytes(), public_key: None };
    let pem = v1.to_pkcs8_pem(LineEnding::LF).map_err(|e| KeyFileError::NotAKey {
        path: path.to_owned(),
        expected: "encodable",
        reason: e.to_string(),
    })?;
    let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io(path))?;
    file.write_all(pem.as_bytes()).and_then(|()| file.sync_all()).map_err(io(path))?;
    Ok(())
}

/// Writes a public key as SubjectPublicKeyInfo PEM; never overwrites.
pub fn write_public(path: &Path, key: &PublicKey) -> Result<(), KeyFileError> {
    let pem = public_pem(key);
    let mut file = OpenOptions::new().write(true).create_new(true).mode(0o644).open(path).map_err(io(path))?;
    file.write_all(pem.as_bytes()).and_then(|()| file.sync_all()).map_err(io(path))?;
    Ok(())
}

/// The SubjectPublicKeyInfo PEM text of a public key.
pub fn public_pem(key: &PublicKey) -> String {
    key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap_or_default()
}

/// Reads a private key file, refusing one that group or others can read.
pub fn read_private(path: &Path) -> Result<SigningKey, KeyFileError> {
    let meta = std::fs::metadata(path).map_err(io(path))?;
    let text = read_text(path, "a private key (PKCS#8 PEM)")?;
    if text.contains("BEGIN PUBLIC KEY") {
        return Err(not_a_key(path, "a private key (PKCS#8 PEM)", "it is a public key; pass the .key file"));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::Permissions { path: path.to_owned(), mode });
    }
    let key = SigningKey::from_pkcs8_pem(&text).map_err(|e| {
        not_a_key(path, "a private key (PKCS#8 PEM)", &format!("not an Ed25519 PKCS#8 private key ({e})"))
    })?;
    // Refuse a private key whose public half is weak (cannot happen for
    // generated keys, but a file can hold anything).
    PublicKey::from_bytes(key.verifying_key().as_bytes())
        .map_err(|e| not_a_key(path, "a usable private key", &e.to_string()))?;
    Ok(key)
}

/// Reads a public key file (SubjectPublicKeyInfo PEM).
pub fn read_public(path: &Path) -> Result<PublicKey, KeyFileError> {
    let expected = "a public key (SubjectPublicKeyInfo PEM)";
    let text = read_text(path, expected)?;
    if is_private_key_pem(text.as_bytes()) {
        return Err(not_a_key(path, expected, "it is a private key; pass the .pub file"));
    }
    let key = ed25519_dalek::VerifyingKey::from_public_key_pem(text.trim())
        .map_err(|e| not_a_key(path, expected, &format!("not an Ed25519 public key ({e})")))?;
    PublicKey::from_bytes(key.as_bytes()).map_err(|e| not_a_key(path, expected, &e.to_string()))
}

fn not_a_key(path: &Path, expected: &'static str, reason: &str) -> KeyFileError {
    KeyFileError::NotAKey { path: path.to_owned(), expected, reason: reason.to_owned() }
}

/// The most a key file may hold. A PEM key is a few hundred bytes; the bound
/// stops `/dev/zero` or a wrong file from filling memory.
pub const MAX_KEY_FILE: u64 = 64 * 1024;

fn read_text(path: &Path, expected: &'static str) -> Result<String, KeyFileError> {
    read_bounded(path, expected, MAX_KEY_FILE)
}

fn read_bounded(path: &Path, expected: &'static str, max: u64) -> Result<String, KeyFileError> {
    if path.is_dir() {
        return Err(not_a_key(path, expected, "it is a directory"));
    }
    let file = std::fs::File::open(path).map_err(io(path))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, max + 1), &mut bytes).map_err(io(path))?;
    if bytes.len() as u64 > max {
        let what = if max == MAX_KEY_FILE { "a key" } else { "certificates" };
        return Err(not_a_key(
            path,
            expected,
            &format!("the file is larger than {} KiB, far too large for {what}", max / 1024),
        ));
    }
    String::from_utf8(bytes).map_err(|_| not_a_key(path, expected, "the file is not text"))
}

/// A TLS private key in DER, as a PEM file held it (`ledger serve
/// --tls-key`). Its `Debug` form names the kind only.
#[derive(Clone, PartialEq, Eq)]
pub struct TlsKey {
    /// The form of the DER.
    pub kind: TlsKeyKind,
    /// The key.
    pub der: Vec<u8>,
}

impl std::fmt::Debug for TlsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TlsKey({:?}, ..)", self.kind)
    }
}

/// The forms of private key a TLS key file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsKeyKind {
    /// PKCS#8 (`-----BEGIN PRIVATE KEY-----`).
    Pkcs8,
    /// PKCS#1 RSA (`-----BEGIN RSA PRIVATE KEY-----`).
    Pkcs1,
    /// SEC1 elliptic curve (`-----BEGIN EC PRIVATE KEY-----`).
    Sec1,
}

/// The PEM blocks of a text, in order: label and DER contents, or why the
/// block does not decode.
fn pem_blocks(text: &str) -> Vec<Result<(String, Vec<u8>), String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let Some(label_end) = block["-----BEGIN ".len()..].find("-----") else {
            out.push(Err("a BEGIN line without its end".into()));
            break;
        };
        let label = &block["-----BEGIN ".len()..][..label_end];
        let end_line = format!("-----END {label}-----");
        let Some(end) = block.find(&end_line).map(|i| i + end_line.len()) else {
            out.push(Err("a PEM block without its END line".into()));
            break;
        };
        out.push(
            ed25519_dalek::pkcs8::spki::der::pem::decode_vec(&block.as_bytes()[..end])
                .map(|(found, der)| (found.to_owned(), der))
                .map_err(|e| e.to_string()),
        );
        rest = &block[end..];
    }
    out
}

/// The most a certificate file may hold: a system's whole bundle of
/// certificate authorities is a few hundred kilobytes.
pub const MAX_CERTIFICATE_FILE: u64 = 4 * 1024 * 1024;

/// Reads one or more X.509 certificates (PEM `CERTIFICATE` blocks) in DER:
/// a TLS certificate chain, leaf first (`ledger serve --tls-cert`), or the
/// certificates a client trusts (a bundle: blocks of other kinds, and
/// blocks that do not decode, are passed over). Refuses a file holding a
/// private key, and one without a certificate.
pub fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, KeyFileError> {
    let expected = "a PEM certificate file";
    let text = read_bounded(path, expected, MAX_CERTIFICATE_FILE)?;
    if is_private_key_pem(text.as_bytes()) {
        return Err(not_a_key(path, expected, "it holds a private key; pass the certificate file"));
    }
    let blocks = pem_blocks(&text);
    let first_error = blocks.iter().find_map(|b| b.as_ref().err().cloned());
    let certificates: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter_map(Result::ok)
        .filter(|(label, _)| label == "CERTIFICATE")
        .map(|(_, der)| der)
        .collect();
    if certificates.is_empty() {
        let why = first_error.unwrap_or_else(|| "no -----BEGIN CERTIFICATE----- block".into());
        return Err(not_a_key(path, expected, &why));
    }
    Ok(certificates)
}

/// Reads a TLS private key (PEM: PKCS#8, PKCS#1 or SEC1), refusing a file
/// that group or others can read, as [`read_private`] does.
pub fn read_tls_key(path: &Path) -> Result<TlsKey, KeyFileError> {
    let expected = "a PEM private key for TLS";
    let meta = std::fs::metadata(path).map_err(io(path))?;
    let text = read_text(path, expected)?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::Permissions { path: path.to_owned(), mode });
    }
    // The message never quotes the file: it holds a secret.
    let blocks = pem_blocks(&text)
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| not_a_key(path, expected, "a PEM block does not decode"))?;
    let mut keys = blocks.into_iter().filter_map(|(label, der)| {
        let kind = match label.as_str() {
            "PRIVATE KEY" => TlsKeyKind::Pkcs8,
            "RSA PRIVATE KEY" => TlsKeyKind::Pkcs1,
            "EC PRIVATE KEY" => TlsKeyKind::Sec1,
            _ => return None,
        };
        Some(TlsKey { kind, der })
    });
    let key = keys.next().ok_or_else(|| not_a_key(path, expected, "no PRIVATE KEY block"))?;
    if keys.next().is_some() {
        return Err(not_a_key(path, expected, "more than one private key"));
    }
    Ok(key)
}

/// Whether `bytes` hold a PEM private key (PKCS#8, or the PKCS#1/SEC1/OpenSSH
/// forms): input that must never be echoed in a message, and that a command
/// expecting anything else should refuse by name.
pub fn is_private_key_pem(bytes: &[u8]) -> bool {
    bytes.windows(b"PRIVATE KEY-----".len()).any(|w| w == b"PRIVATE KEY-----")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn generate_writes_0600_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("office");
        let (public, paths) = generate(&base).unwrap();
        let mode = std::fs::metadata(&paths.private).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(PublicKey::from(&read_private(&paths.private).unwrap()), public);
        assert_eq!(read_public(&paths.public).unwrap(), public);
        assert!(std::fs::read_to_string(&paths.private).unwrap().starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(matches!(generate(&base), Err(KeyFileError::Exists(_))));
    }

    #[test]
    fn refuses_readable_private_keys_and_swapped_files() {
        let dir = tempfile::tempdir().unwrap();
        let (_, paths) = generate(&dir.path().join("k")).unwrap();
        std::fs::set_permissions(&paths.private, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(read_private(&paths.private), Err(KeyFileError::Permissions { mode: 0o640, .. })));
        std::fs::set_permissions(&paths.private, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(read_public(&paths.private), Err(KeyFileError::NotAKey { .. })));
        std::fs::set_permissions(&paths.public, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(read_private(&paths.public), Err(KeyFileError::NotAKey { .. })));
        assert!(matches!(read_private(&dir.path().join("missing.key")), Err(KeyFileError::NotFound(_))));
        let junk = dir.path().join("junk.key");
        std::fs::write(&junk, "hello").unwrap();
        std::fs::set_permissions(&junk, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(read_private(&junk), Err(KeyFileError::NotAKey { .. })));
    }

    /// A PEM block of `label` around `der` (64 columns, as RFC 7468 writes).
    fn pem(label: &str, der: &[u8]) -> String {
        ed25519_dalek::pkcs8::spki::der::pem::encode_string(label, LineEnding::LF, der).unwrap()
    }

    #[test]
    fn tls_files_give_the_chain_in_order_and_the_key_only_when_private() {
        let dir = tempfile::tempdir().unwrap();
        let chain = dir.path().join("chain.pem");
        let text = format!("leaf:\n{}intermediate:\n{}", pem("CERTIFICATE", b"leaf"), pem("CERTIFICATE", b"ca"));
        std::fs::write(&chain, text).unwrap();
        assert_eq!(read_certificates(&chain).unwrap(), vec![b"leaf".to_vec(), b"ca".to_vec()]);
        let key = dir.path().join("key.pem");
        std::fs::write(&key, pem("EC PRIVATE KEY", b"secret")).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(read_tls_key(&key), Err(KeyFileError::Permissions { mode: 0o644, .. })));
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        let read = read_tls_key(&key).unwrap();
        assert_eq!((read.kind, read.der.as_slice()), (TlsKeyKind::Sec1, &b"secret"[..]));
        assert!(!format!("{read:?}").contains("secret"));
        // Swapped, empty, or the key inside the chain: refused by name.
        assert!(matches!(read_certificates(&key), Err(KeyFileError::NotAKey { .. })));
        std::fs::set_permissions(&chain, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(read_tls_key(&chain), Err(KeyFileError::NotAKey { .. })));
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no PEM here").unwrap();
        assert!(matches!(read_certificates(&empty), Err(KeyFileError::NotAKey { .. })));
    }
}
