//! Hashes, keys and signatures, with the domain-separation strings that bind
//! them to this ledger format and to one purpose each.

use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Prefix of every message an author signs: `context || envelope bytes`.
/// A signature made for this ledger format means nothing in any other
/// protocol, and the origin inside the envelope ties it to one ledger.
pub const EVENT_SIGNATURE_CONTEXT: &[u8] = b"assessment-ledger:event:v1\n";

/// Prefix of the BLAKE3 input of every record hash.
pub const RECORD_HASH_CONTEXT: &[u8] = b"assessment-ledger:record:v1\n";

/// A 32-byte BLAKE3 hash, written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The all-zero hash: the `prev` of the genesis record.
    pub const ZERO: Hash = Hash([0; 32]);

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// From a 32-byte slice.
    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        bytes.try_into().ok().map(Hash)
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

/// A hex string of the wrong length, case or alphabet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected} lowercase hex digits")]
pub struct HexError {
    expected: usize,
}

fn parse_lower_hex<const N: usize>(s: &str) -> Result<[u8; N], HexError> {
    let err = HexError { expected: 2 * N };
    if s.len() != 2 * N || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(err);
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).map_err(|_| err)?;
    Ok(out)
}

impl FromStr for Hash {
    type Err = HexError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_lower_hex(s).map(Hash)
    }
}

/// An Ed25519 public key that is safe to verify against: canonically
/// encoded and not of small order. Written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(VerifyingKey);

/// Why 32 bytes are not an acceptable public key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not 64 lowercase hex digits.
    #[error("public key: {0}")]
    Hex(#[from] HexError),
    /// Not the encoding of a curve point, or not its canonical encoding.
    #[error("public key is not a canonically encoded Ed25519 point")]
    NotAPoint,
    /// A small-order point: signatures under it prove nothing.
    #[error("public key is a weak (small-order) Ed25519 key")]
    Weak,
}

/// How many distinct keys each thread remembers having checked. A ledger
/// has a handful of keys; a file with more (hostile or not) is checked
/// key by key as without the cache.
const KEY_CACHE: usize = 64;

/// What [`PublicKey::check`] says of 32 bytes.
type Verdict = Result<PublicKey, KeyError>;

thread_local! {
    /// The verdict of [`PublicKey::check`] for the keys this thread saw:
    /// decoding a record's key costs a point decompression and two
    /// compressions, about a quarter of a record's verification, and a
    /// ledger repeats the same few keys. The verdict is a pure function of
    /// the bytes, so the cache never changes an answer.
    static CHECKED: std::cell::RefCell<Vec<([u8; 32], Verdict)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

impl PublicKey {
    /// Accepts only canonical encodings of points that are not of small order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, KeyError> {
        CHECKED.with(|cache| {
            if let Some((_, verdict)) = cache.borrow().iter().find(|(k, _)| k == bytes) {
                return verdict.clone();
            }
            let verdict = PublicKey::check(bytes);
            let mut cache = cache.borrow_mut();
            if cache.len() < KEY_CACHE {
                cache.push((*bytes, verdict.clone()));
            }
            verdict
        })
    }

    /// [`PublicKey::from_bytes`] without the cache.
    pub fn check(bytes: &[u8; 32]) -> Result<PublicKey, KeyError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::NotAPoint)?;
        if key.as_bytes() != bytes || key.to_edwards().compress().as_bytes() != bytes {
            return Err(KeyError::NotAPoint);
        }
        if key.is_weak() {
            return Err(KeyError::Weak);
        }
        Ok(PublicKey(key))
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// The dalek verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }

    /// Lowercase hex of the 32 bytes.
    pub fn to_hex(&self) -> String {
        hex::encode(self.as_bytes())
    }

    /// The short identifier people use for this key.
    pub fn key_id(&self) -> KeyId {
        let digest = blake3::hash(self.as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest.as_bytes()[..8]);
        KeyId(id)
    }

    /// Verifies with `verify_strict` semantics (no non-canonical `S`, no
    /// small-order `R` or key).
    pub fn verify_strict(&self, message: &[u8], signature: &Signature) -> bool {
        self.0.verify_strict(message, signature).is_ok()
    }
}

impl From<&SigningKey> for PublicKey {
    fn from(key: &SigningKey) -> Self {
        PublicKey(key.verifying_key())
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PublicKey::from_bytes(&parse_lower_hex::<32>(s)?)
    }
}

impl PartialOrd for PublicKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PublicKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// The first 8 bytes of `BLAKE3(public key)`, as 16 hex digits: a name for
/// a key in commands and messages. The ledger itself always records the
/// whole public key, so a colliding id cannot stand in for a key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl FromStr for KeyId {
    type Err = HexError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_lower_hex(s).map(KeyId)
    }
}

/// A 64-byte Ed25519 signature, written as 128 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SignatureBytes(pub [u8; 64]);

impl SignatureBytes {
    /// The dalek signature.
    pub fn signature(&self) -> Signature {
        Signature::from_bytes(&self.0)
    }
}

impl fmt::Debug for SignatureBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignatureBytes({})", hex::encode(self.0))
    }
}

impl FromStr for SignatureBytes {
    type Err = HexError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_lower_hex(s).map(SignatureBytes)
    }
}

/// The message an author signs for an envelope.
pub fn event_signing_message(envelope_bytes: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(EVENT_SIGNATURE_CONTEXT.len() + envelope_bytes.len());
    message.extend_from_slice(EVENT_SIGNATURE_CONTEXT);
    message.extend_from_slice(envelope_bytes);
    message
}

/// The record hash: BLAKE3 over the context string, the previous record's
/// hash, the sequence number (8 bytes big-endian) and the two stored byte
/// strings, each preceded by its length (8 bytes big-endian).
pub fn record_hash(prev: &Hash, seq: u64, envelope: &[u8], signatures: &[u8]) -> Hash {
    let mut h = blake3::Hasher::new();
    h.update(RECORD_HASH_CONTEXT);
    h.update(&prev.0);
    h.update(&seq.to_be_bytes());
    h.update(&(envelope.len() as u64).to_be_bytes());
    h.update(envelope);
    h.update(&(signatures.len() as u64).to_be_bytes());
    h.update(signatures);
    Hash(*h.finalize().as_bytes())
}

macro_rules! hex_serde {
    ($t:ty, $to:expr) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                #[allow(clippy::redundant_closure_call)]
                s.serialize_str(&($to)(self))
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_serde!(Hash, |h: &Hash| h.to_hex());
hex_serde!(PublicKey, |k: &PublicKey| k.to_hex());
hex_serde!(SignatureBytes, |s: &SignatureBytes| hex::encode(s.0));
hex_serde!(KeyId, |k: &KeyId| k.to_string());

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn public_keys_must_be_canonical_and_strong() {
        // The identity point (small order).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(PublicKey::from_bytes(&identity), Err(KeyError::Weak));
        // A non-canonical encoding: y = p (2^255 - 19), which reduces to 0.
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xed;
        non_canonical[31] = 0x7f;
        assert!(PublicKey::from_bytes(&non_canonical).is_err());
        assert!("AB".repeat(32).parse::<PublicKey>().is_err(), "uppercase hex is refused");
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = PublicKey::from(&key);
        assert_eq!(public.to_hex().parse::<PublicKey>().unwrap(), public);
    }

    #[test]
    fn the_key_cache_never_changes_a_verdict() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xed;
        non_canonical[31] = 0x7f;
        // an order-8 point (small order, canonical encoding)
        let order8: [u8; 32] = hex::decode("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
            .unwrap()
            .try_into()
            .unwrap();
        let real = PublicKey::from(&SigningKey::from_bytes(&[7u8; 32]));
        let mut candidates = vec![identity, non_canonical, order8, *real.as_bytes()];
        // more distinct keys than the cache holds: the ones past it are checked afresh
        candidates.extend((0u8..80).map(|i| *PublicKey::from(&SigningKey::from_bytes(&[i; 32])).as_bytes()));
        for round in 0..3 {
            for bytes in &candidates {
                assert_eq!(
                    PublicKey::from_bytes(bytes),
                    PublicKey::check(bytes),
                    "round {round}: {}",
                    hex::encode(bytes)
                );
            }
        }
        assert_eq!(PublicKey::from_bytes(&order8), Err(KeyError::Weak));
        assert_eq!(PublicKey::from_bytes(real.as_bytes()), Ok(real));
    }

    #[test]
    fn record_hash_commits_to_every_input() {
        let base = record_hash(&Hash::ZERO, 1, b"{}", b"[]");
        assert_ne!(base, record_hash(&Hash([1; 32]), 1, b"{}", b"[]"));
        assert_ne!(base, record_hash(&Hash::ZERO, 2, b"{}", b"[]"));
        // Length prefixes: moving a byte between the two strings changes the hash.
        assert_ne!(record_hash(&Hash::ZERO, 1, b"{}[", b"]"), record_hash(&Hash::ZERO, 1, b"{}", b"[]"));
    }
}
