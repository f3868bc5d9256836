//! Signing on an office's own machine (`ledger sign`): events become signed
//! envelopes without the ledger file, to be appended later by whoever
//! holds it (`ledger append --signed`, the HTTP service).
//!
//! What the author signs fixes the ledger (its origin), each event's stream
//! version and its time, so the signer must know them: from a copy of the
//! ledger (any copy: a mirror, the static tiles made into a file), from the
//! service, or from `expected_version` on the first line of each stream.
//! An append refuses an event whose stream has moved on since (a version
//! conflict) or that was signed before the ledger's last record: sign it
//! again against the ledger as it now stands.

use crate::Error;
use crate::remedy::Remedy;
use ledger_core::append::{KernelRules, Rules, Submission};
use ledger_core::record::SignedEnvelope;
use ledger_core::{Envelope, PublicKey, SigningKey, Timestamp};
use std::collections::HashMap;

/// What the signer knows of the ledger it signs for.
#[derive(Debug, Clone, Default)]
pub struct Basis {
    /// The ledger's origin.
    pub origin: String,
    /// The time of its last record, if known: events are never signed
    /// earlier.
    pub head_time: Option<Timestamp>,
    /// Streams' current versions, where known.
    pub versions: HashMap<String, u64>,
}

/// Signs each submission (numbered by its input line) with the author and
/// co-signers, at `now` (moved forward to the ledger's last record when
/// the clock is behind it). A stream's version is the one `basis` knows, or
/// the first line's `expected_version`; later lines of the stream follow.
pub fn sign(
    basis: &Basis,
    submissions: &[(usize, Submission)],
    author: &SigningKey,
    cosigners: &[&SigningKey],
    now: Timestamp,
) -> Result<Vec<SignedEnvelope>, Error> {
    let domain = ledger_domain::Domain::default();
    let time = basis.head_time.map_or(now, |t| now.max(t));
    let mut versions = basis.versions.clone();
    let mut out = Vec::with_capacity(submissions.len());
    for (n, sub) in submissions {
        let at = |m: String| Error::refused(format!("line {n}: {m}"));
        let current = match (versions.get(&sub.stream), sub.expected_version) {
            (Some(&v), Some(expected)) if v != expected => {
                return Err(Error::refused_with(
                    format!("line {n}: stream {:?} is at version {v}, not the expected {expected}", sub.stream),
                    Remedy::DecideAgain { stream: Some(sub.stream.clone()) },
                ));
            }
            (Some(&v), _) => v,
            (None, Some(expected)) => expected,
            (None, None) => {
                return Err(Error::refused_with(
                    format!("line {n}: the version of stream {:?} is not known", sub.stream),
                    Remedy::SignAgainstLedger { stream: sub.stream.clone() },
                ));
            }
        };
        let schema = match KernelRules.latest_schema(&sub.event_type).or_else(|| domain.latest_schema(&sub.event_type))
        {
            Some(latest) => sub.schema.unwrap_or(latest),
            None => return Err(at(format!("unknown event type {:?}", sub.event_type))),
        };
        let envelope = Envelope {
            origin: basis.origin.clone(),
            stream: sub.stream.clone(),
            version: current + 1,
            event_type: sub.event_type.clone(),
            schema,
            data: sub.data.clone(),
            author: PublicKey::from(author),
            time,
            id: sub.id.clone(),
        };
        let signed = SignedEnvelope::sign(envelope, author, cosigners).map_err(|e| at(e.to_string()))?;
        versions.insert(sub.stream.clone(), current + 1);
        out.push(signed);
    }
    Ok(out)
}

impl crate::Ledger {
    /// What a signer needs to know of this ledger for these streams.
    pub fn signing_basis<'s>(&self, streams: impl IntoIterator<Item = &'s str>) -> Result<Basis, Error> {
        let head = self.store().head()?;
        let mut versions = HashMap::new();
        for s in streams {
            if !versions.contains_key(s) {
                versions.insert(s.to_owned(), self.store().stream_version(s)?);
            }
        }
        Ok(Basis { origin: head.origin, head_time: Some(head.time), versions })
    }
}

/// Reads signed events, one per line (blank lines skipped), naming the
/// line of the first that does not decode.
pub fn read_signed(text: &str) -> Result<Vec<(usize, SignedEnvelope)>, Error> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(signed) = read_signed_line(i + 1, line)? {
            out.push((i + 1, signed));
        }
    }
    if out.len() > crate::MAX_BATCH {
        return Err(too_many_signed(out.len()));
    }
    Ok(out)
}

/// One line of signed events (numbered `number` from 1 in messages):
/// `None` for a blank line. For a reader that takes the lines as they
/// arrive (the HTTP service), which bounds a batch by [`crate::MAX_BATCH`]
/// itself with [`too_many_signed`].
pub fn read_signed_line(number: usize, line: &str) -> Result<Option<SignedEnvelope>, Error> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    if line.len() > MAX_SIGNED_LINE {
        return Err(Error::refused(format!(
            "line {number}: {} bytes, more than a signed event may hold (docs/LIMITS.md)",
            line.len()
        )));
    }
    SignedEnvelope::from_line(line).map(Some).map_err(|e| Error::refused(format!("line {number}: {e}")))
}

/// The longest line of signed events read: an event at its limit, with
/// room for its signatures.
pub const MAX_SIGNED_LINE: usize = ledger_core::append::MAX_EVENT_BYTES * 2;

/// The refusal of a batch of more than [`crate::MAX_BATCH`] signed events.
pub fn too_many_signed(count: usize) -> Error {
    Error::refused(format!("{count} events, more than the {} a batch may hold; nothing was appended", crate::MAX_BATCH))
}
