//! The replay engine: folds verified records, in order, into the domain
//! state, and reports the anomalies it met instead of stopping at them.

use crate::state::Domain;
use ledger_core::authority::{GOVERNANCE_STREAM, NOTE_TYPE};
use ledger_core::{Record, Timestamp};
use serde::{Deserialize, Serialize};

/// Something the replay skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The record.
    pub seq: u64,
    /// `unverified` (the record failed verification), `attestation` (a
    /// published or finalised projection hash that the events do not give)
    /// or `refused` (the domain rules refuse the event at that point).
    pub kind: String,
    /// Its type.
    pub event_type: String,
    /// Why it was not applied.
    pub message: String,
}

/// Where to stop a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// Everything.
    End,
    /// Records up to and including this sequence number.
    Seq(u64),
    /// Records whose time is at or before this instant.
    Time(Timestamp),
}

impl AsOf {
    /// Whether the record is in the view.
    pub fn includes(&self, r: &Record) -> bool {
        match self {
            AsOf::End => true,
            AsOf::Seq(s) => r.seq <= *s,
            AsOf::Time(t) => r.envelope.time <= *t,
        }
    }
}

/// A replay in progress: feed it records in order, as many times as new
/// ones arrive (catch-up), and read the state at any point.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    /// The state so far.
    pub domain: Domain,
    /// What was skipped.
    pub anomalies: Vec<Anomaly>,
    /// The last record fed.
    pub position: Option<u64>,
}

/// Event types the domain does not fold but that are not anomalies.
fn not_domain(r: &Record) -> bool {
    r.envelope.stream == GOVERNANCE_STREAM
        || r.envelope.event_type == NOTE_TYPE
        || r.envelope.event_type == "checkpoint_signed"
}

impl Replay {
    /// An empty replay.
    pub fn new() -> Replay {
        Replay::default()
    }

    /// Feeds one record that passed verification (`verified`), or one that
    /// did not, which is then skipped as an anomaly. Records already fed
    /// (at or before the position) are ignored, so catching up after new
    /// appends only costs the new records.
    pub fn feed(&mut self, record: &Record, verified: bool) {
        if self.position.is_some_and(|p| record.seq <= p) {
            return;
        }
        self.position = Some(record.seq);
        if not_domain(record) {
            return;
        }
        let anomaly = |kind: &str, message: String| Anomaly {
            seq: record.seq,
            kind: kind.to_owned(),
            event_type: record.envelope.event_type.clone(),
            message,
        };
        if !verified {
            self.anomalies.push(anomaly(
                "unverified",
                "the record failed verification; it is not counted (a full verification says why)".into(),
            ));
            return;
        }
        match self.domain.decide(&record.envelope) {
            Ok(decided) => self.domain.apply(record, decided),
            Err(why) => {
                let kind = if self.domain.attestation_mismatch(&record.envelope) { "attestation" } else { "refused" };
                self.anomalies.push(anomaly(kind, format!("not applied: {why}")));
            }
        }
    }

    /// Replays records up to `as_of`.
    pub fn run<'r>(records: impl IntoIterator<Item = (&'r Record, bool)>, as_of: AsOf) -> Replay {
        let mut replay = Replay::new();
        for (r, ok) in records {
            if !as_of.includes(r) {
                break;
            }
            replay.feed(r, ok);
        }
        replay
    }
}

/// Replays verified domain records to the end and turns every attestation
/// the events do not bear out (a `scores_published` or `period_finalized`
/// whose projection hash is not the projection of the events before it)
/// into a verification finding. Returns the replay, anomalies included.
pub fn check_attestations(report: &mut ledger_core::verify::Report, records: &[Record]) -> Replay {
    let failed = report.failed();
    let replay = Replay::run(records.iter().map(|r| (r, !failed.contains(&r.seq))), AsOf::End);
    for a in replay.anomalies.iter().filter(|a| a.kind == "attestation") {
        report.findings.push(ledger_core::verify::Finding {
            seq: a.seq,
            check: ledger_core::verify::Check::Attestation,
            message: a.message.trim_start_matches("not applied: ").to_owned(),
        });
    }
    ledger_core::verify::sort_findings(&mut report.findings);
    replay
}
