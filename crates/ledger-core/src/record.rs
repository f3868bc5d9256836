//! Envelopes (what an author signs) and records (what the ledger stores and
//! chains). The byte layouts are specified in `docs/FORMAT.md`.

use crate::canonical::{self, CanonicalError, MAX_SAFE_INTEGER};
use crate::crypto::{Hash, PublicKey, SignatureBytes, event_signing_message, record_hash};
use crate::time::Timestamp;
use ed25519_dalek::{Signer as _, SigningKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The signed part of an event. Field names are those of the canonical JSON
/// object; every field is required and no other field is allowed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The ledger's unique name, fixed at genesis.
    pub origin: String,
    /// The stream (aggregate) this event belongs to.
    pub stream: String,
    /// Position in the stream, from 1, without gaps.
    pub version: u64,
    /// Event type, past tense, e.g. `measurement_submitted`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Version of the payload schema of this event type, from 1.
    pub schema: u32,
    /// The payload: a JSON object.
    pub data: Map<String, Value>,
    /// Public key of the author, who signs first.
    pub author: PublicKey,
    /// When the author signed, as the author states it.
    pub time: Timestamp,
    /// Client-chosen event id, unique in the ledger, for idempotent retries.
    pub id: String,
}

/// One signature over an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// The signer's public key.
    pub key: PublicKey,
    /// Ed25519 signature over `EVENT_SIGNATURE_CONTEXT || envelope bytes`.
    pub sig: SignatureBytes,
}

/// Why a stored record, or an envelope to be written, is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// `prev` or `hash` is not 32 bytes.
    #[error("{field} is {len} bytes, not 32")]
    HashLength {
        /// `prev` or `hash`.
        field: &'static str,
        /// Actual length.
        len: usize,
    },
    /// The envelope or signature bytes are not canonical JSON.
    #[error("{part}: {source}")]
    Canonical {
        /// `envelope` or `signatures`.
        part: &'static str,
        /// What is wrong.
        source: CanonicalError,
    },
    /// The JSON does not have the required shape.
    #[error("{part}: {message}")]
    Shape {
        /// `envelope` or `signatures`.
        part: &'static str,
        /// What is wrong, naming the field.
        message: String,
    },
}

fn shape(part: &'static str, message: impl Into<String>) -> DecodeError {
    DecodeError::Shape { part, message: message.into() }
}

/// Checks a name against `first` for the first byte and `rest` for the others.
fn name_ok(s: &str, max: usize, first: fn(u8) -> bool, rest: fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && b.len() <= max && first(b[0]) && b[1..].iter().all(|&c| rest(c))
}

/// Origins: 1 to 128 printable ASCII characters, no space and no `+` (so
/// that the origin can name the log's key in a signed note).
pub fn valid_origin(s: &str) -> bool {
    name_ok(s, 128, |c| c.is_ascii_graphic() && c != b'+', |c| c.is_ascii_graphic() && c != b'+')
}

fn id_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b':' | b'/' | b'-' | b'@')
}

/// Stream ids: `[A-Za-z0-9][A-Za-z0-9._:/@-]*`, at most 128 characters.
pub fn valid_stream(s: &str) -> bool {
    name_ok(s, 128, |c| c.is_ascii_alphanumeric(), id_char)
}

/// Event ids: the same alphabet as stream ids.
pub fn valid_event_id(s: &str) -> bool {
    valid_stream(s)
}

/// Event types: `[a-z][a-z0-9_]*`, at most 64 characters.
pub fn valid_event_type(s: &str) -> bool {
    name_ok(s, 64, |c| c.is_ascii_lowercase(), |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

impl Envelope {
    /// Checks the syntax of every field (not whether the event is allowed).
    pub fn check_fields(&self) -> Result<(), DecodeError> {
        let part = "envelope";
        if !valid_origin(&self.origin) {
            return Err(shape(part, "origin must be 1-128 printable ASCII characters without spaces or '+'"));
        }
        if !valid_stream(&self.stream) {
            return Err(shape(part, "stream must match [A-Za-z0-9][A-Za-z0-9._:/@-]* (at most 128)"));
        }
        if self.version == 0 || self.version > MAX_SAFE_INTEGER {
            return Err(shape(part, "version must be between 1 and 2^53-1"));
        }
        if !valid_event_type(&self.event_type) {
            return Err(shape(part, "type must match [a-z][a-z0-9_]* (at most 64)"));
        }
        if self.schema == 0 || self.schema > 65535 {
            return Err(shape(part, "schema must be between 1 and 65535"));
        }
        if !valid_event_id(&self.id) {
            return Err(shape(part, "id must match [A-Za-z0-9][A-Za-z0-9._:/@-]* (at most 128)"));
        }
        Ok(())
    }

    /// The canonical bytes of the envelope, written directly: its nine
    /// members in the order of their names' bytes (`docs/FORMAT.md`
    /// section 4), the payload through the canonical writer. The same
    /// bytes as [`canonical::to_vec`] of the envelope as a JSON value (a
    /// property test holds it to that).
    pub fn to_bytes(&self) -> Result<Vec<u8>, DecodeError> {
        self.check_fields()?;
        let mut out = String::with_capacity(320);
        out.push_str("{\"author\":\"");
        out.push_str(&self.author.to_hex());
        out.push_str("\",\"data\":");
        canonical::write_member_object(&mut out, "data", &self.data)
            .map_err(|source| DecodeError::Canonical { part: "envelope", source })?;
        out.push_str(",\"id\":");
        canonical::write_string(&mut out, &self.id);
        out.push_str(",\"origin\":");
        canonical::write_string(&mut out, &self.origin);
        out.push_str(",\"schema\":");
        out.push_str(&self.schema.to_string());
        out.push_str(",\"stream\":");
        canonical::write_string(&mut out, &self.stream);
        out.push_str(",\"time\":");
        canonical::write_string(&mut out, &self.time.to_string());
        out.push_str(",\"type\":");
        canonical::write_string(&mut out, &self.event_type);
        out.push_str(",\"version\":");
        out.push_str(&self.version.to_string());
        out.push('}');
        Ok(out.into_bytes())
    }

    /// Decodes canonical envelope bytes, refusing any other encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Envelope, DecodeError> {
        // The fast path: canonical bytes decode straight into the envelope.
        // Anything it does not take goes the slow way, which says why.
        if let Some(envelope) = canonical::decode_canonical::<Envelope>(bytes)
            && envelope.check_fields().is_ok()
        {
            return Ok(envelope);
        }
        let value =
            canonical::from_slice(bytes).map_err(|source| DecodeError::Canonical { part: "envelope", source })?;
        let envelope: Envelope = serde_json::from_value(value).map_err(|e| shape("envelope", e.to_string()))?;
        envelope.check_fields()?;
        Ok(envelope)
    }
}

/// Encodes a signature list canonically: `[{"key":"<hex>","sig":"<hex>"},...]`
/// (lowercase hex needs no escape).
pub fn signatures_to_bytes(signatures: &[Signature]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + signatures.len() * 210);
    out.push(b'[');
    for (i, s) in signatures.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"key\":\"");
        out.extend_from_slice(s.key.to_hex().as_bytes());
        out.extend_from_slice(b"\",\"sig\":\"");
        out.extend_from_slice(hex::encode(s.sig.0).as_bytes());
        out.extend_from_slice(b"\"}");
    }
    out.push(b']');
    out
}

/// Decodes and checks the order rule: the author first, then co-signers in
/// ascending order of their key bytes, no key twice.
pub fn signatures_from_bytes(bytes: &[u8], author: &PublicKey) -> Result<Vec<Signature>, DecodeError> {
    let part = "signatures";
    let signatures = match canonical::decode_canonical::<Vec<Signature>>(bytes) {
        Some(signatures) => signatures,
        None => {
            let value = canonical::from_slice(bytes).map_err(|source| DecodeError::Canonical { part, source })?;
            serde_json::from_value(value).map_err(|e| shape(part, e.to_string()))?
        }
    };
    let Some(first) = signatures.first() else {
        return Err(shape(part, "no signature"));
    };
    if first.key != *author {
        return Err(shape(part, "the first signature is not by the envelope's author"));
    }
    let cosigners = &signatures[1..];
    if cosigners.iter().any(|s| s.key == *author) || cosigners.windows(2).any(|w| w[0].key >= w[1].key) {
        return Err(shape(part, "co-signatures must be in ascending key order, each key once, the author not again"));
    }
    Ok(signatures)
}

/// An envelope with its signatures, ready to be sealed into a record.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedEnvelope {
    /// The envelope.
    pub envelope: Envelope,
    /// Its canonical bytes (what is signed).
    pub envelope_bytes: Vec<u8>,
    /// The signatures, author first.
    pub signatures: Vec<Signature>,
    /// Their canonical bytes.
    pub signatures_bytes: Vec<u8>,
}

impl SignedEnvelope {
    /// Signs with the author's key and any co-signers' keys. The envelope's
    /// `author` is set from the first key.
    pub fn sign(
        mut envelope: Envelope,
        author: &SigningKey,
        cosigners: &[&SigningKey],
    ) -> Result<SignedEnvelope, DecodeError> {
        envelope.author = PublicKey::from(author);
        let envelope_bytes = envelope.to_bytes()?;
        let message = event_signing_message(&envelope_bytes);
        let sign = |key: &SigningKey| Signature {
            key: PublicKey::from(key),
            sig: SignatureBytes(key.sign(&message).to_bytes()),
        };
        let mut others: Vec<Signature> =
            cosigners.iter().map(|k| sign(k)).filter(|s| s.key != envelope.author).collect();
        others.sort_by_key(|a| a.key);
        others.dedup_by(|a, b| a.key == b.key);
        let mut signatures = vec![sign(author)];
        signatures.extend(others);
        let signatures_bytes = signatures_to_bytes(&signatures);
        Ok(SignedEnvelope { envelope, envelope_bytes, signatures, signatures_bytes })
    }

    /// Decodes an envelope and its signature list from their canonical
    /// bytes (the order rule of the signatures included); does not check
    /// the signatures.
    pub fn from_parts(envelope_bytes: Vec<u8>, signatures_bytes: Vec<u8>) -> Result<SignedEnvelope, DecodeError> {
        let envelope = Envelope::from_bytes(&envelope_bytes)?;
        let signatures = signatures_from_bytes(&signatures_bytes, &envelope.author)?;
        Ok(SignedEnvelope { envelope, envelope_bytes, signatures, signatures_bytes })
    }

    /// Checks every signature with `verify_strict` semantics.
    pub fn verify_signatures(&self) -> Result<(), BadSignature> {
        let message = event_signing_message(&self.envelope_bytes);
        for s in &self.signatures {
            if !s.key.verify_strict(&message, &s.sig.signature()) {
                return Err(BadSignature { key_id: s.key.key_id() });
            }
        }
        Ok(())
    }

    /// The line `ledger sign` writes and `ledger append --signed` reads:
    /// `{"envelope":{...},"signatures":[...]}`, canonical JSON.
    pub fn to_line(&self) -> String {
        let value = |bytes: &[u8]| canonical::from_slice(bytes).unwrap_or(Value::Null);
        let line = serde_json::json!({
            "envelope": value(&self.envelope_bytes),
            "signatures": value(&self.signatures_bytes),
        });
        canonical::to_vec(&line).ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or_default()
    }

    /// Reads such a line. The envelope and the signatures are encoded
    /// canonically again: a signature made over other bytes then fails.
    pub fn from_line(line: &str) -> Result<SignedEnvelope, DecodeError> {
        let part = "signed event";
        let value = canonical::parse_unique(line).map_err(|source| DecodeError::Canonical { part, source })?;
        let Value::Object(mut obj) = value else {
            return Err(shape(part, "each line must be a JSON object with \"envelope\" and \"signatures\""));
        };
        if let Some(k) = obj.keys().find(|k| !matches!(k.as_str(), "envelope" | "signatures")) {
            return Err(shape(part, format!("unknown field {k:?} (allowed: envelope, signatures)")));
        }
        let mut take = |name: &'static str| -> Result<Vec<u8>, DecodeError> {
            let v = obj.remove(name).ok_or_else(|| shape(part, format!("missing field {name:?}")))?;
            canonical::to_vec(&v).map_err(|source| DecodeError::Canonical { part, source })
        };
        let envelope = take("envelope")?;
        let signatures = take("signatures")?;
        SignedEnvelope::from_parts(envelope, signatures)
    }
}

/// A record exactly as stored: untrusted bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// Global sequence number.
    pub seq: u64,
    /// Stored hash of the previous record.
    pub prev: Vec<u8>,
    /// Stored hash of this record.
    pub hash: Vec<u8>,
    /// Stored envelope bytes.
    pub envelope: Vec<u8>,
    /// Stored signature list bytes.
    pub signatures: Vec<u8>,
}

/// A record whose bytes decode. Its hash and signatures are not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Global sequence number, from 0 (genesis).
    pub seq: u64,
    /// Hash of the previous record (all zeros for genesis).
    pub prev: Hash,
    /// The record hash as stored.
    pub hash: Hash,
    /// The decoded envelope.
    pub envelope: Envelope,
    /// The envelope's bytes.
    pub envelope_bytes: Vec<u8>,
    /// The decoded signatures.
    pub signatures: Vec<Signature>,
    /// The signatures' bytes.
    pub signatures_bytes: Vec<u8>,
}

/// Why a record's signatures do not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signature by key {key_id} does not verify")]
pub struct BadSignature {
    /// The key id of the failing signature.
    pub key_id: crate::KeyId,
}

impl Record {
    /// Seals a signed envelope at a position in the chain.
    pub fn seal(seq: u64, prev: Hash, signed: SignedEnvelope) -> Record {
        let hash = record_hash(&prev, seq, &signed.envelope_bytes, &signed.signatures_bytes);
        Record {
            seq,
            prev,
            hash,
            envelope: signed.envelope,
            envelope_bytes: signed.envelope_bytes,
            signatures: signed.signatures,
            signatures_bytes: signed.signatures_bytes,
        }
    }

    /// The hash the record's contents actually have.
    pub fn computed_hash(&self) -> Hash {
        record_hash(&self.prev, self.seq, &self.envelope_bytes, &self.signatures_bytes)
    }

    /// Checks every signature with `verify_strict` semantics.
    pub fn verify_signatures(&self) -> Result<(), BadSignature> {
        let message = event_signing_message(&self.envelope_bytes);
        for s in &self.signatures {
            if !s.key.verify_strict(&message, &s.sig.signature()) {
                return Err(BadSignature { key_id: s.key.key_id() });
            }
        }
        Ok(())
    }

    /// The keys that signed, author first.
    pub fn signers(&self) -> impl Iterator<Item = &PublicKey> {
        self.signatures.iter().map(|s| &s.key)
    }

    /// The stored form.
    pub fn to_raw(&self) -> RawRecord {
        RawRecord {
            seq: self.seq,
            prev: self.prev.0.to_vec(),
            hash: self.hash.0.to_vec(),
            envelope: self.envelope_bytes.clone(),
            signatures: self.signatures_bytes.clone(),
        }
    }
}

impl RawRecord {
    /// Decodes the stored bytes; does not check the hash or signatures.
    pub fn decode(&self) -> Result<Record, DecodeError> {
        let prev =
            Hash::from_slice(&self.prev).ok_or(DecodeError::HashLength { field: "prev", len: self.prev.len() })?;
        let hash =
            Hash::from_slice(&self.hash).ok_or(DecodeError::HashLength { field: "hash", len: self.hash.len() })?;
        let envelope = Envelope::from_bytes(&self.envelope)?;
        let signatures = signatures_from_bytes(&self.signatures, &envelope.author)?;
        Ok(Record {
            seq: self.seq,
            prev,
            hash,
            envelope,
            envelope_bytes: self.envelope.clone(),
            signatures,
            signatures_bytes: self.signatures.clone(),
        })
    }

    /// The hash of the stored bytes, when `prev` has the right length.
    pub fn computed_hash(&self) -> Option<Hash> {
        Hash::from_slice(&self.prev).map(|prev| record_hash(&prev, self.seq, &self.envelope, &self.signatures))
    }
}
