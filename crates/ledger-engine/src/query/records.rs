//! The records themselves: their JSON form, the listing of `ledger log`
//! with its filter, one record (`ledger show`), the ledger's time zone and
//! its authority as of the last record.

use crate::{Error, Ledger};
use ledger_core::authority::Authority;
use ledger_core::{RawRecord, Record};
use ledger_domain::events::{
    MeasurementSubmitted, ObjectionFiled, ObjectionResolved, Payload, Stream, TimeZoneAdopted,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The JSON form of a decoded record, naming the signer's holder.
pub fn record_json(r: &Record, authority: Option<&Authority>) -> Value {
    let env = &r.envelope;
    let holder = authority.and_then(|a| a.key(&env.author)).map(|k| k.holder.clone());
    json!({
        "seq": r.seq,
        "hash": r.hash.to_hex(),
        "prev": r.prev.to_hex(),
        "origin": env.origin,
        "stream": env.stream,
        "version": env.version,
        "type": env.event_type,
        "schema": env.schema,
        "id": env.id,
        "time": env.time.to_string(),
        "signer": env.author.key_id().to_string(),
        "author": env.author.to_hex(),
        "holder": holder,
        "signatures": r.signatures.iter().map(|s| json!({"key_id": s.key.key_id().to_string(), "key": s.key.to_hex(), "sig": hex::encode(s.sig.0)})).collect::<Vec<_>>(),
        "data": Value::Object(env.data.clone()),
    })
}

/// A stored record as read, decoded or not.
#[derive(Debug)]
pub enum Listed {
    /// It decodes.
    Record(Box<Record>),
    /// It does not (the message says why): run `ledger verify`.
    Undecodable(RawRecord, String),
}

/// Which records `ledger log` lists. Every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    /// The stream, exactly (`period/2022`, `unit/shanghe`, `ledger`...).
    pub stream: Option<String>,
    /// The event type, exactly.
    pub event_type: Option<String>,
    /// A period: its stream, and events elsewhere that name it.
    pub period: Option<String>,
    /// A unit id: its stream, events whose `unit` is it, and the events
    /// about its measurements and objections (a correction, verification
    /// or return names the submission's seq; a resolution, the objection).
    pub unit: Option<String>,
    /// Signed (or co-signed) by one of these keys.
    pub signers: Option<BTreeSet<ledger_core::PublicKey>>,
    /// Measurements (seq) and objections (period, id) of the unit, seen so
    /// far: the filter follows the references as the records stream by.
    seen_measurements: BTreeSet<u64>,
    seen_objections: BTreeSet<(String, String)>,
}

impl RecordFilter {
    /// Whether no condition is set.
    pub fn is_empty(&self) -> bool {
        self.stream.is_none()
            && self.event_type.is_none()
            && self.period.is_none()
            && self.unit.is_none()
            && self.signers.is_none()
    }

    /// Whether the record is listed. Records must be given in order, from
    /// genesis when a unit is filtered on (the references to the unit's
    /// submissions and objections are learnt as they go by).
    pub fn matches(&mut self, r: &Record) -> bool {
        let env = &r.envelope;
        let data = &env.data;
        let text = |k: &str| data.get(k).and_then(Value::as_str);
        let period_of_stream = Stream::Period.key_of(&env.stream);
        let unit_ok = match &self.unit {
            None => true,
            Some(u) => {
                let about = env.stream == Stream::Unit.of(u)
                    || text("unit") == Some(u.as_str())
                    || ["measurement", "corrects"]
                        .iter()
                        .filter_map(|k| data.get(*k).and_then(Value::as_u64))
                        .any(|seq| self.seen_measurements.contains(&seq))
                    || (env.event_type == ObjectionResolved::TYPE
                        && period_of_stream
                            .zip(text("objection"))
                            .is_some_and(|(p, o)| self.seen_objections.contains(&(p.to_owned(), o.to_owned()))));
                if about {
                    match (env.event_type.as_str(), period_of_stream) {
                        (MeasurementSubmitted::TYPE, _) => {
                            self.seen_measurements.insert(r.seq);
                        }
                        (ObjectionFiled::TYPE, Some(p)) => {
                            if let Some(o) = text("objection") {
                                self.seen_objections.insert((p.to_owned(), o.to_owned()));
                            }
                        }
                        _ => {}
                    }
                }
                about
            }
        };
        unit_ok
            && self.stream.as_ref().is_none_or(|s| *s == env.stream)
            && self.event_type.as_ref().is_none_or(|t| *t == env.event_type)
            && self.period.as_ref().is_none_or(|p| period_of_stream == Some(p.as_str()) || text("period") == Some(p))
            && self.signers.as_ref().is_none_or(|keys| r.signatures.iter().any(|s| keys.contains(&s.key)))
    }
}

impl Ledger {
    /// The time zone the ledger reads dates in: the one adopted
    /// (`time_zone_adopted`), else Asia/Shanghai.
    pub fn time_zone(&self) -> Result<ledger_core::time::Zone, Error> {
        let name = match self.store().last_of_type(TimeZoneAdopted::TYPE)? {
            Some(r) => r.envelope.data.get("zone").and_then(|z| z.as_str()).map(str::to_owned),
            None => None,
        };
        let name = name.as_deref().unwrap_or(ledger_core::time::DEFAULT_ZONE);
        ledger_core::time::zone(name).map_err(|e| Error::refused(e.to_string()))
    }

    /// The authority as of the last record, if the governance records replay.
    pub fn authority(&self) -> Result<Authority, Error> {
        self.store().authority()?.map_err(|e| {
            Error::refused_with(
                format!("the ledger's governance records do not replay ({e})"),
                crate::Remedy::Verify { seq: None },
            )
        })
    }

    /// Up to `limit` records from `from` on that the filter lists (`ledger
    /// log`), calling `each` for every one, in bounded memory. A record
    /// that does not decode is always listed: it is what an inspector must
    /// see. A writer that changes a file read as immutable before anything
    /// was listed makes the listing start again on one read transaction;
    /// after, it is an error.
    pub fn for_each_record(
        &mut self,
        from: u64,
        limit: Option<u64>,
        filter: &RecordFilter,
        mut each: impl FnMut(Listed) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut filter = filter.clone();
        // A unit's references are learnt from genesis on.
        let mut next = if filter.unit.is_some() { 0 } else { from };
        let mut left = limit.unwrap_or(u64::MAX);
        let mut listed_any = false;
        while left > 0 {
            let chunk = self.store().read(next, 1024);
            if !self.stable()? {
                if listed_any {
                    return Err(Error::refused_with(
                        "the ledger changed while it was being listed",
                        crate::Remedy::RetryLater,
                    ));
                }
                continue; // reopened as one read transaction: read the chunk again
            }
            let chunk = chunk?;
            if chunk.is_empty() {
                break;
            }
            for raw in chunk {
                // Stored sequence numbers may be anything in an edited file:
                // never step backwards, so the listing always ends.
                next = raw.seq.max(next).saturating_add(1);
                let listed = match raw.decode() {
                    Ok(r) if !filter.matches(&r) => continue,
                    Ok(r) => Listed::Record(Box::new(r)),
                    Err(e) => Listed::Undecodable(raw, e.to_string()),
                };
                let seq = match &listed {
                    Listed::Record(r) => r.seq,
                    Listed::Undecodable(raw, _) => raw.seq,
                };
                if seq < from {
                    continue;
                }
                left -= 1;
                each(listed)?;
                listed_any = true;
                if left == 0 {
                    break;
                }
            }
        }
        Ok(())
    }

    /// One record (`ledger show`) and the authority as of the last record,
    /// read as one state.
    pub fn record_with_authority(&mut self, seq: u64) -> Result<(Record, Option<Authority>), Error> {
        self.consistent(|l| Ok((l.record(seq)?, l.authority().ok())))
    }

    /// One record.
    pub fn record(&self, seq: u64) -> Result<Record, Error> {
        let raw = self.store().get(seq)?.ok_or_else(|| {
            let len = self.store().len().unwrap_or(0);
            Error::refused_with(format!("no record {seq}"), crate::Remedy::ChooseRecord { last: len.saturating_sub(1) })
        })?;
        raw.decode().map_err(|e| {
            Error::refused_with(format!("record {seq} does not decode: {e}"), crate::Remedy::Verify { seq: Some(seq) })
        })
    }
}
