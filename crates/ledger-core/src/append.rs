//! Deciding what an append writes: the pure half of `ledger append`.
//!
//! A [`Batch`] takes submissions one by one, checks each against the ledger
//! as it stands plus the earlier submissions of the same batch (expected
//! version, event id, payload rules, authority), signs and seals it, and
//! collects the records. The store then writes them in one transaction, or
//! none of them.

use crate::authority::{Authority, AuthorityError, GOVERNANCE_STREAM, Genesis, NOTE_TYPE, is_governance_type};
use crate::crypto::{Hash, PublicKey};
use crate::record::{DecodeError, Envelope, Record, SignedEnvelope};
use crate::time::Timestamp;
use ed25519_dalek::SigningKey;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One event as a client submits it (a line of `ledger append` input).
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    /// Target stream.
    pub stream: String,
    /// Event type.
    pub event_type: String,
    /// Payload schema version; `None` means the latest the ledger knows.
    pub schema: Option<u32>,
    /// Payload.
    pub data: Map<String, Value>,
    /// The stream version the client expects before this event (0 = the
    /// stream does not exist yet); `None` appends whatever the version.
    pub expected_version: Option<u64>,
    /// Client-chosen event id.
    pub id: String,
}

/// Why a line of input is not a submission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SubmissionError(pub String);

impl Submission {
    /// Parses one JSON object with the fields `stream`, `type`, `data`, and
    /// optionally `schema`, `expected_version` and `id`. `new_id` supplies
    /// an id when the line has none.
    pub fn from_json(line: &str, new_id: impl FnOnce() -> String) -> Result<Submission, SubmissionError> {
        let err = |m: String| SubmissionError(m);
        if line.len() > MAX_EVENT_BYTES {
            return Err(err(format!(
                "the event is {} bytes, more than the {} KiB an event may hold (docs/LIMITS.md)",
                line.len(),
                MAX_EVENT_BYTES / 1024
            )));
        }
        let value = crate::canonical::parse_unique(line).map_err(|e| err(e.to_string()))?;
        let Value::Object(mut obj) = value else {
            return Err(err("each line must be a JSON object".into()));
        };
        let allowed = ["stream", "type", "schema", "data", "expected_version", "id"];
        if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(err(format!("unknown field {k:?} (allowed: {})", allowed.join(", "))));
        }
        let string = |obj: &mut Map<String, Value>, f: &str| -> Result<Option<String>, SubmissionError> {
            match obj.remove(f) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(err(format!("field {f:?} must be a string"))),
            }
        };
        let integer = |obj: &mut Map<String, Value>, f: &str| -> Result<Option<u64>, SubmissionError> {
            match obj.remove(f) {
                None => Ok(None),
                Some(v) => {
                    v.as_u64().map(Some).ok_or_else(|| err(format!("field {f:?} must be a non-negative integer")))
                }
            }
        };
        let stream = string(&mut obj, "stream")?.ok_or_else(|| err("missing field \"stream\"".into()))?;
        let event_type = string(&mut obj, "type")?.ok_or_else(|| err("missing field \"type\"".into()))?;
        let id = string(&mut obj, "id")?;
        let schema = integer(&mut obj, "schema")?
            .map(|s| u32::try_from(s).map_err(|_| err("field \"schema\" is out of range".into())))
            .transpose()?;
        let expected_version = integer(&mut obj, "expected_version")?;
        let data = match obj.remove("data") {
            Some(Value::Object(m)) => m,
            Some(_) => return Err(err("field \"data\" must be a JSON object".into())),
            None => return Err(err("missing field \"data\"".into())),
        };
        let data = Value::Object(data);
        crate::canonical::check_value_at(&data, "data").map_err(|e| err(e.to_string()))?;
        let Value::Object(data) = data else { return Err(err("field \"data\" must be a JSON object".into())) };
        Ok(Submission { stream, event_type, schema, data, expected_version, id: id.unwrap_or_else(new_id) })
    }
}

/// The most bytes one event may take as a JSON line: a payload is a
/// record of a decision, not a document (documents are hashed as evidence).
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// What the ledger looks like before the batch: answered by the store
/// inside the append transaction.
pub trait LedgerView {
    /// Store failure.
    type Error;
    /// The current version of a stream (0 if it has no events).
    fn stream_version(&self, stream: &str) -> Result<u64, Self::Error>;
    /// The record carrying an event id, if any.
    fn record_by_event_id(&self, id: &str) -> Result<Option<Record>, Self::Error>;
}

/// The last record of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Its sequence number.
    pub seq: u64,
    /// Its record hash.
    pub hash: Hash,
    /// Its time.
    pub time: Timestamp,
    /// The ledger's origin.
    pub origin: String,
}

/// Why the rules refuse an event: what is wrong and, when it is about one
/// member of the payload, which one (`value`, `evidence.blake3`), so that
/// an importer can point at the cell a member came from without reading
/// the message. Shown as the rules word it: `field: reason`, the reason
/// alone when its words name the field ("unknown unit \"x\"", "reason must
/// not be empty"), with a context in front where one was given (the event
/// type of a payload that does not decode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The payload member it is about, as a path (`value`,
    /// `evidence.blake3`), if it is about one.
    pub field: Option<String>,
    /// What is wrong, without the field in front: what an importer shows
    /// after the cell it points at.
    pub reason: String,
    /// The whole message.
    message: String,
}

impl Refusal {
    /// A refusal about no one member of the payload.
    pub fn new(reason: impl Into<String>) -> Refusal {
        let reason = reason.into();
        Refusal { field: None, message: reason.clone(), reason }
    }

    /// A refusal about one member, shown `field: reason`.
    pub fn at(field: impl Into<String>, reason: impl Into<String>) -> Refusal {
        let (field, reason) = (field.into(), reason.into());
        Refusal { message: format!("{field}: {reason}"), field: Some(field), reason }
    }

    /// A refusal about one member whose reason names it in its own words
    /// (`unknown unit "x"`), shown as the reason alone.
    pub fn about(field: impl Into<String>, reason: impl Into<String>) -> Refusal {
        let reason = reason.into();
        Refusal { field: Some(field.into()), message: reason.clone(), reason }
    }

    /// The same refusal about a member nested in `parent` (`name_zh`
    /// becomes `indicator.name_zh`); the message is unchanged.
    pub fn within(self, parent: &str) -> Refusal {
        Refusal { field: self.field.map(|f| format!("{parent}.{f}")), ..self }
    }

    /// The same refusal with `context: ` in front of its message (the
    /// field and the reason are unchanged).
    pub fn context(self, context: impl std::fmt::Display) -> Refusal {
        Refusal { message: format!("{context}: {}", self.message), ..self }
    }

    /// The message, as [`std::fmt::Display`] shows it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refusal {}

impl From<String> for Refusal {
    fn from(reason: String) -> Refusal {
        Refusal::new(reason)
    }
}

impl From<&str> for Refusal {
    fn from(reason: &str) -> Refusal {
        Refusal::new(reason)
    }
}

/// Domain rules an append must pass besides the kernel's: decide, then apply.
///
/// What `decide` finds (the event decoded, whatever it computed on the way)
/// is its [`Rules::Decision`], which `apply` consumes: nothing passes from
/// one to the other through the state, and an event is decoded once.
pub trait Rules {
    /// What deciding an event yields for applying it.
    type Decision;
    /// The latest payload schema of an event type, or `None` when the type
    /// is not one these rules know.
    fn latest_schema(&self, event_type: &str) -> Option<u32>;
    /// Whether the signer may speak for what the event is about (a key bound
    /// to one unit writes for that unit only): checked after the authority
    /// (the signer may sign this type) and before [`Rules::decide`]; a
    /// refusal is the signer's lack of mandate ([`AppendError::Mandate`]),
    /// not a fault of the event. Changes nothing.
    fn mandate(&self, _envelope: &Envelope) -> Result<(), Refusal> {
        Ok(())
    }
    /// Checks an event against the state so far. May refuse; changes nothing.
    fn decide(&self, envelope: &Envelope) -> Result<Self::Decision, Refusal>;
    /// Applies an event these rules decided (with what deciding it yielded)
    /// and that will be written. Cannot fail.
    fn apply(&mut self, record: &Record, decision: Self::Decision);
}

/// The kernel's own event types: `note` and the governance events.
#[derive(Debug, Default, Clone, Copy)]
pub struct KernelRules;

impl Rules for KernelRules {
    type Decision = ();
    fn latest_schema(&self, event_type: &str) -> Option<u32> {
        (event_type == NOTE_TYPE || (is_governance_type(event_type) && event_type != "genesis")).then_some(1)
    }
    fn decide(&self, envelope: &Envelope) -> Result<(), Refusal> {
        if envelope.event_type == NOTE_TYPE {
            if envelope.schema != 1 {
                return Err(Refusal::new(format!("note schema {} is not known (latest: 1)", envelope.schema)));
            }
            return check_note(&envelope.data).map_err(Refusal::new);
        }
        Ok(()) // governance payloads are checked by the authority
    }
    fn apply(&mut self, _record: &Record, _decision: ()) {}
}

/// Checks a `note` payload: `{"text": "<1 to 10000 characters>"}`.
pub fn check_note(data: &Map<String, Value>) -> Result<(), String> {
    match data.get("text") {
        Some(Value::String(t)) if !t.trim().is_empty() && t.chars().count() <= 10_000 && data.len() == 1 => Ok(()),
        Some(Value::String(_)) if data.len() == 1 => Err("note text must be 1 to 10000 characters, not blank".into()),
        _ => Err("a note's data is exactly {\"text\": \"...\"}".into()),
    }
}

/// Why a submission was refused. Nothing of its batch is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError<E> {
    /// The stream is not at the version the client expected.
    #[error("version conflict on stream {stream:?}: expected version {expected}, the stream is at version {actual}")]
    Conflict {
        /// The stream.
        stream: String,
        /// What the client expected.
        expected: u64,
        /// What the stream is at.
        actual: u64,
    },
    /// The event id is already recorded with different content.
    #[error("event id {id:?} is already recorded at seq {seq} with different content; choose a new id")]
    DuplicateId {
        /// The id.
        id: String,
        /// Where it is recorded.
        seq: u64,
    },
    /// An event signed elsewhere before the ledger's last record: the
    /// ledger moved on while it travelled, and it must be signed again.
    #[error("signed at {time}, before the ledger's last record ({head}): times never go backwards; sign it again")]
    Late {
        /// When it was signed.
        time: Timestamp,
        /// The time of the ledger's last record.
        head: Timestamp,
    },
    /// An event dated further after the appending machine's clock than the
    /// ledger allows ([`Batch::with_clock`]): taken, it would hold every
    /// later event, signed at the true time, as "late".
    #[error(
        "dated {time}, {} after this machine's clock ({clock}); the ledger refuses events dated more than {} after it: check the clock of the machine that signed it, and sign it again",
        span(time.as_unix() - clock.as_unix()),
        span(i64::from(*max_skew))
    )]
    Future {
        /// The event's time.
        time: Timestamp,
        /// The appending machine's clock.
        clock: Timestamp,
        /// The most seconds an event may be dated after it.
        max_skew: u32,
    },
    /// No rules know this event type.
    #[error("unknown event type {0:?}")]
    UnknownType(String),
    /// A field of the envelope is malformed.
    #[error("{0}")]
    Field(String),
    /// The payload or the state refuses the event.
    #[error("{0}")]
    Refused(Refusal),
    /// The signer may not write this.
    #[error("{0}")]
    Authority(AuthorityError),
    /// The signer may write events of this type, but not about this subject
    /// ([`Rules::mandate`]: a unit's key writing for another unit).
    #[error("{0}")]
    Mandate(Refusal),
    /// The store failed.
    #[error("store: {0}")]
    Store(E),
}

/// A length of time as a person reads it: `365 days 2 h`, `5 min`, `40 s`.
fn span(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let (days, hours, minutes, secs) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    let parts: Vec<String> = [(days, "days"), (hours, "h"), (minutes, "min"), (secs, "s")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .take(2)
        .map(|(n, unit)| if n == 1 && unit == "days" { "1 day".to_owned() } else { format!("{n} {unit}") })
        .collect();
    if parts.is_empty() { "0 s".to_owned() } else { parts.join(" ") }
}

/// The default bound on how far after the appending machine's clock an
/// event may be dated (`docs/FORMAT.md`, "Time"): five minutes.
pub const DEFAULT_MAX_SKEW: u32 = 300;

/// What one submission came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A new record at this sequence number.
    Appended(u64),
    /// The same event was already recorded (an idempotent retry).
    Existing(u64),
}

/// Submissions being decided against one view of the ledger, by the
/// kernel's rules and `R`.
pub struct Batch<'a, V: LedgerView, R: Rules> {
    view: &'a V,
    head: Head,
    authority: Authority,
    rules: &'a mut R,
    streams: HashMap<String, u64>,
    ids: HashMap<String, usize>,
    records: Vec<Record>,
    /// The latest time an event may carry: the appending machine's clock
    /// plus the skew allowed ([`Batch::with_clock`]).
    not_after: Option<(Timestamp, u32)>,
}

impl<V: LedgerView, R: Rules> std::fmt::Debug for Batch<'_, V, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch").field("head", &self.head).field("records", &self.records.len()).finish()
    }
}

fn same_event(a: &Envelope, b: &Envelope) -> bool {
    a.stream == b.stream
        && a.event_type == b.event_type
        && a.schema == b.schema
        && a.data == b.data
        && a.author == b.author
}

impl<'a, V: LedgerView, R: Rules> Batch<'a, V, R> {
    /// Starts a batch on top of `head`, with the authority as of `head`.
    pub fn new(view: &'a V, head: Head, authority: Authority, rules: &'a mut R) -> Self {
        Batch {
            view,
            head,
            authority,
            rules,
            streams: HashMap::new(),
            ids: HashMap::new(),
            records: Vec::new(),
            not_after: None,
        }
    }

    /// Refuses events dated more than `max_skew` seconds after `clock`, the
    /// appending machine's time ([`AppendError::Future`]). Without it (the
    /// kernel takes no clock of its own) any time not before the head is
    /// taken. An event dated in the future would otherwise make every event
    /// signed at the true time "late", forever.
    pub fn with_clock(mut self, clock: Timestamp, max_skew: u32) -> Self {
        self.not_after = Some((clock, max_skew));
        self
    }

    /// Decides one submission, signed by `author` and co-signed by
    /// `cosigners`, at time `now` (moved forward to the head's time if the
    /// clock is behind it, so time never goes backwards).
    pub fn add(
        &mut self,
        sub: Submission,
        author: &SigningKey,
        cosigners: &[&SigningKey],
        now: Timestamp,
    ) -> Result<Outcome, AppendError<V::Error>> {
        self.add_presigned(sub, author, cosigners, now, None)
    }

    /// Signs, on all cores, the envelopes `subs` will have if each is
    /// appended in order as a new record after what this batch holds now
    /// (the stream versions counted on, the time `now` or the head's).
    /// Signing is most of an append's work and needs no decision, so it can
    /// run ahead; [`Batch::add_presigned`] uses a signature only when it is
    /// over exactly the envelope it decides on, and signs again otherwise,
    /// so the records are those of [`Batch::add`] byte for byte. `None` for
    /// a submission that cannot be predicted (unknown type, an id already
    /// seen in the batch, a store error).
    pub fn presign(
        &self,
        subs: &[Submission],
        author: &SigningKey,
        cosigners: &[&SigningKey],
        now: Timestamp,
    ) -> Vec<Option<SignedEnvelope>> {
        sign_ahead(self.predict(&mut Ahead::default(), subs, &PublicKey::from(author), now), author, cosigners)
    }

    /// The envelopes `subs` will have if each is appended in order as a new
    /// record after what this batch holds now and what `ahead` predicted
    /// before them (which it then counts too): the first half of
    /// [`Batch::presign`], for a caller that signs one part of a batch
    /// ([`sign_ahead`], on other threads) while it decides the part before.
    pub fn predict(
        &self,
        ahead: &mut Ahead,
        subs: &[Submission],
        author: &PublicKey,
        now: Timestamp,
    ) -> Vec<Option<Envelope>> {
        let kernel = KernelRules;
        let mut predicted = Vec::with_capacity(subs.len());
        for sub in subs {
            let schema = kernel.latest_schema(&sub.event_type).or_else(|| self.rules.latest_schema(&sub.event_type));
            let fresh = !self.ids.contains_key(&sub.id) && ahead.ids.insert(sub.id.clone());
            let version = match ahead.versions.get(sub.stream.as_str()) {
                Some(v) => Some(*v),
                None => self.streams.get(&sub.stream).copied().or_else(|| self.view.stream_version(&sub.stream).ok()),
            };
            let (Some(schema), true, Some(current)) = (schema, fresh, version) else {
                predicted.push(None);
                continue;
            };
            ahead.versions.insert(sub.stream.clone(), current + 1);
            predicted.push(Some(Envelope {
                origin: self.head.origin.clone(),
                stream: sub.stream.clone(),
                version: current + 1,
                event_type: sub.event_type.clone(),
                schema: sub.schema.unwrap_or(schema),
                data: sub.data.clone(),
                author: *author,
                time: now.max(self.head.time),
                id: sub.id.clone(),
            }));
        }
        predicted
    }

    /// [`Batch::add`] with a signature made ahead ([`Batch::presign`]),
    /// used only if it is over the very envelope decided on.
    pub fn add_presigned(
        &mut self,
        sub: Submission,
        author: &SigningKey,
        cosigners: &[&SigningKey],
        now: Timestamp,
        presigned: Option<SignedEnvelope>,
    ) -> Result<Outcome, AppendError<V::Error>> {
        let kernel = KernelRules;
        let schema = match kernel.latest_schema(&sub.event_type).or_else(|| self.rules.latest_schema(&sub.event_type)) {
            Some(latest) => sub.schema.unwrap_or(latest),
            None if sub.event_type == "genesis" => {
                return Err(AppendError::Field("genesis is written only when a ledger is created".into()));
            }
            None => return Err(AppendError::UnknownType(sub.event_type)),
        };
        let envelope = Envelope {
            origin: self.head.origin.clone(),
            stream: sub.stream.clone(),
            version: 1,
            event_type: sub.event_type.clone(),
            schema,
            data: sub.data,
            author: PublicKey::from(author),
            time: now.max(self.head.time),
            id: sub.id.clone(),
        };
        envelope.check_fields().map_err(|e| AppendError::Field(field_message(e)))?;

        // Idempotency: the same id with the same content is a no-op.
        if let Some(&i) = self.ids.get(&sub.id) {
            let earlier = &self.records[i];
            return if same_event(&earlier.envelope, &envelope) {
                Ok(Outcome::Existing(earlier.seq))
            } else {
                Err(AppendError::DuplicateId { id: sub.id, seq: earlier.seq })
            };
        }
        if let Some(existing) = self.view.record_by_event_id(&sub.id).map_err(AppendError::Store)? {
            return if same_event(&existing.envelope, &envelope) {
                Ok(Outcome::Existing(existing.seq))
            } else {
                Err(AppendError::DuplicateId { id: sub.id, seq: existing.seq })
            };
        }

        let current = match self.streams.get(&sub.stream) {
            Some(v) => *v,
            None => self.view.stream_version(&sub.stream).map_err(AppendError::Store)?,
        };
        if let Some(expected) = sub.expected_version
            && expected != current
        {
            return Err(AppendError::Conflict { stream: sub.stream, expected, actual: current });
        }
        let envelope = Envelope { version: current + 1, ..envelope };
        let signed = match presigned {
            Some(s) if s.envelope == envelope => s,
            _ => SignedEnvelope::sign(envelope, author, cosigners).map_err(|e| AppendError::Field(field_message(e)))?,
        };
        self.admit(signed)
    }

    /// Decides one event signed elsewhere (`ledger sign`, then `ledger
    /// append --signed` or the HTTP service): the same checks as [`add`]
    /// (idempotency, authority, payload rules) on the envelope as signed.
    /// What the signer fixed must still hold: the origin is this ledger's,
    /// the stream is at the version before the envelope's (its expected
    /// version), the time is not before the ledger's last record, and every
    /// signature verifies.
    ///
    /// [`add`]: Batch::add
    pub fn add_signed(&mut self, signed: SignedEnvelope) -> Result<Outcome, AppendError<V::Error>> {
        let env = &signed.envelope;
        if env.origin != self.head.origin {
            return Err(AppendError::Field(format!(
                "signed for the ledger {:?}, not this one ({:?})",
                env.origin, self.head.origin
            )));
        }
        let kernel = KernelRules;
        if kernel.latest_schema(&env.event_type).or_else(|| self.rules.latest_schema(&env.event_type)).is_none() {
            return Err(if env.event_type == "genesis" {
                AppendError::Field("genesis is written only when a ledger is created".into())
            } else {
                AppendError::UnknownType(env.event_type.clone())
            });
        }
        // The signatures first: a replay whose signature does not verify is
        // refused, never answered as the record already there.
        signed.verify_signatures().map_err(|e| AppendError::Field(e.to_string()))?;
        let id = env.id.clone();
        let earlier = match self.ids.get(&id) {
            Some(&i) => Some(self.records[i].clone()),
            None => self.view.record_by_event_id(&id).map_err(AppendError::Store)?,
        };
        if let Some(existing) = earlier {
            return if same_event(&existing.envelope, env) {
                Ok(Outcome::Existing(existing.seq))
            } else {
                Err(AppendError::DuplicateId { id, seq: existing.seq })
            };
        }
        let current = match self.streams.get(&env.stream) {
            Some(v) => *v,
            None => self.view.stream_version(&env.stream).map_err(AppendError::Store)?,
        };
        if env.version != current + 1 {
            return Err(AppendError::Conflict {
                stream: env.stream.clone(),
                expected: env.version.saturating_sub(1),
                actual: current,
            });
        }
        if env.time < self.head.time {
            return Err(AppendError::Late { time: env.time, head: self.head.time });
        }
        self.admit(signed)
    }

    /// The checks every event passes once signed, then its record.
    fn admit(&mut self, signed: SignedEnvelope) -> Result<Outcome, AppendError<V::Error>> {
        let kernel = KernelRules;
        // Who may sign comes first (an unauthorised signer learns nothing
        // of the domain's state), then what the event says.
        if let Some((clock, max_skew)) = self.not_after
            && signed.envelope.time > clock.plus_seconds(i64::from(max_skew))
        {
            return Err(AppendError::Future { time: signed.envelope.time, clock, max_skew });
        }
        let seq = self.head.seq + 1;
        let record = Record::seal(seq, self.head.hash, signed);
        let change = self.authority.decide(&record).map_err(AppendError::Authority)?;
        let decision = if kernel.latest_schema(&record.envelope.event_type).is_some() {
            kernel.decide(&record.envelope).map_err(AppendError::Refused)?;
            None
        } else {
            self.rules.mandate(&record.envelope).map_err(AppendError::Mandate)?;
            Some(self.rules.decide(&record.envelope).map_err(AppendError::Refused)?)
        };
        if let Some(change) = change {
            self.authority.apply(seq, record.envelope.time, change);
        }
        // The kernel's events change the authority only; the rules apply
        // what they decided.
        if let Some(decision) = decision {
            self.rules.apply(&record, decision);
        }
        self.streams.insert(record.envelope.stream.clone(), record.envelope.version);
        self.ids.insert(record.envelope.id.clone(), self.records.len());
        self.head = Head { seq, hash: record.hash, time: record.envelope.time, origin: self.head.origin.clone() };
        self.records.push(record);
        Ok(Outcome::Appended(seq))
    }

    /// The authority as it will stand after the batch.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// The view of the ledger the batch decides against.
    pub fn view(&self) -> &V {
        self.view
    }

    /// Takes the records decided so far, for the caller to write into the
    /// ledger the view reads (in the same transaction) before it adds more:
    /// from then on the view answers for them (event ids, streams), and a
    /// large batch is written as it is decided instead of held whole.
    pub fn drain_records(&mut self) -> Vec<Record> {
        self.ids.clear();
        std::mem::take(&mut self.records)
    }

    /// The records to write, in order.
    pub fn into_records(self) -> Vec<Record> {
        self.records
    }
}

/// What [`Batch::predict`] has counted on so far: the stream versions and
/// the event ids of the envelopes it predicted.
#[derive(Debug, Default, Clone)]
pub struct Ahead {
    versions: HashMap<String, u64>,
    ids: std::collections::HashSet<String>,
}

/// Signs predicted envelopes ([`Batch::predict`]) on all cores (rayon):
/// what [`Batch::add_presigned`] takes. Needs nothing of the batch, so it
/// may run on other threads while the batch decides.
pub fn sign_ahead(
    envelopes: Vec<Option<Envelope>>,
    author: &SigningKey,
    cosigners: &[&SigningKey],
) -> Vec<Option<SignedEnvelope>> {
    use rayon::prelude::*;
    envelopes.into_par_iter().map(|e| e.and_then(|e| SignedEnvelope::sign(e, author, cosigners).ok())).collect()
}

fn field_message(e: DecodeError) -> String {
    match e {
        DecodeError::Shape { message, .. } => message,
        other => other.to_string(),
    }
}

/// Builds the genesis record of a new ledger.
pub fn genesis(
    origin: &str,
    genesis: &Genesis,
    author: &SigningKey,
    cosigners: &[&SigningKey],
    time: Timestamp,
    id: String,
) -> Result<Record, String> {
    let data = match serde_json::to_value(genesis) {
        Ok(Value::Object(m)) => m,
        _ => return Err("genesis payload does not encode".into()),
    };
    let envelope = Envelope {
        origin: origin.to_owned(),
        stream: GOVERNANCE_STREAM.to_owned(),
        version: 1,
        event_type: "genesis".to_owned(),
        schema: 1,
        data,
        author: PublicKey::from(author),
        time,
        id,
    };
    let signed = SignedEnvelope::sign(envelope, author, cosigners).map_err(field_message)?;
    let record = Record::seal(0, Hash::ZERO, signed);
    Authority::genesis(&record).map_err(|e| e.to_string())?;
    Ok(record)
}

/// A ledger held in memory: the same decisions as the store, without a
/// database. For tests, examples and tools that build a ledger before
/// writing it out.
#[derive(Debug, Clone, Default)]
pub struct MemoryLedger {
    records: Vec<Record>,
}

impl LedgerView for MemoryLedger {
    type Error = std::convert::Infallible;
    fn stream_version(&self, stream: &str) -> Result<u64, Self::Error> {
        Ok(self.records.iter().rev().find(|r| r.envelope.stream == stream).map_or(0, |r| r.envelope.version))
    }
    fn record_by_event_id(&self, id: &str) -> Result<Option<Record>, Self::Error> {
        Ok(self.records.iter().find(|r| r.envelope.id == id).cloned())
    }
}

impl MemoryLedger {
    /// A ledger holding just its genesis record.
    pub fn new(genesis: Record) -> MemoryLedger {
        MemoryLedger { records: vec![genesis] }
    }

    /// The records.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The stored form of every record.
    pub fn raw(&self) -> Vec<crate::RawRecord> {
        self.records.iter().map(Record::to_raw).collect()
    }

    /// The last record as a [`Head`].
    pub fn head(&self) -> Head {
        let last = self.records.last().unwrap_or_else(|| unreachable!("a MemoryLedger always has genesis"));
        Head { seq: last.seq, hash: last.hash, time: last.envelope.time, origin: last.envelope.origin.clone() }
    }

    /// The authority as of the last record.
    pub fn authority(&self) -> Result<Authority, AuthorityError> {
        Authority::replay(self.records.iter().filter(|r| r.envelope.stream == GOVERNANCE_STREAM))
    }

    /// Appends a batch, all or nothing, exactly as the store would.
    pub fn append<R: Rules>(
        &mut self,
        submissions: Vec<Submission>,
        author: &SigningKey,
        cosigners: &[&SigningKey],
        now: Timestamp,
        rules: &mut R,
    ) -> Result<Vec<Outcome>, AppendError<std::convert::Infallible>> {
        let authority = self.authority().map_err(AppendError::Authority)?;
        let mut batch = Batch::new(self, self.head(), authority, rules);
        let mut outcomes = Vec::new();
        let presigned = batch.presign(&submissions, author, cosigners, now);
        for (sub, pre) in submissions.into_iter().zip(presigned) {
            outcomes.push(batch.add_presigned(sub, author, cosigners, now, pre)?);
        }
        let new = batch.into_records();
        self.records.extend(new);
        Ok(outcomes)
    }
}

impl Submission {
    /// A submission with no expected version.
    pub fn new(stream: &str, event_type: &str, data: Value, id: &str) -> Submission {
        let data = match data {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        Submission {
            stream: stream.into(),
            event_type: event_type.into(),
            schema: None,
            data,
            expected_version: None,
            id: id.into(),
        }
    }
}
