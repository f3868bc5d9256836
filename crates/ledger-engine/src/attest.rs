//! Attestations: the assessment office signs the projection hash of a
//! period's scores when it publishes them (`scores_published`, which opens
//! the objection window) and when it finalises the period
//! (`period_finalized`). What is attested is computed here, from the
//! domain state the append decides against, so that every front end (the
//! command line, a service) attests the same hash the same way.
//!
//! ```no_run
//! # fn main() -> Result<(), ledger_engine::Error> {
//! # let (path, key) = (std::path::Path::new("ledger.db"), ledger_core::SigningKey::from_bytes(&[7; 32]));
//! use ledger_engine::attest::{self, Attest};
//! let mut ledger = ledger_engine::Ledger::open(path, ledger_engine::local::Cache::disabled())?;
//! let what = Attest::Publish { window_until: "2024-03-15".into(), allow_incomplete: false };
//! let (appended, attested) =
//!     attest::attest(&mut ledger, "2023", &what, ledger_engine::Signer::new(&key), ledger_engine::Clock::system())?;
//! println!("seq {}: {} {}", appended[0].seq, attested.event_type, attested.projection_hash);
//! # Ok(()) }
//! ```

use crate::remedy::{Known, Remedy};
use crate::{Appended, Error, Ledger, Signer};
use ledger_core::Timestamp;
use ledger_core::append::Submission;
use ledger_domain::Domain;
use ledger_domain::events::{Date, Payload, PeriodFinalized, ScoresPublished};
use ledger_domain::state::period_stream;

/// What the assessment office attests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attest {
    /// Publish the scores: objections may be filed until the end of
    /// `window_until` (YYYY-MM-DD). Refused while values are missing or
    /// returned, unless `allow_incomplete` (the publication then records
    /// how many).
    Publish {
        /// The last day objections may be filed.
        window_until: String,
        /// Publish although values are missing.
        allow_incomplete: bool,
    },
    /// Finalise the period (after the window, every objection resolved).
    Finalize,
}

/// The attestation built, before or after it was appended.
#[derive(Debug, Clone)]
pub struct Attestation {
    /// The event: `scores_published` or `period_finalized`, in the period's stream.
    pub submission: Submission,
    /// Its type.
    pub event_type: &'static str,
    /// The projection hash attested (hex).
    pub projection_hash: String,
    /// Values missing or returned when it was built (a publication with
    /// `allow_incomplete` records the count).
    pub missing_values: usize,
}

/// Builds the attestation of period `period` as `domain` stands, signed at
/// `now`. A publication attests the process component as of its own time
/// (never earlier than the latest record: time does not go back); a
/// finalisation, as of the period's cut-off.
pub fn build(domain: &Domain, period: &str, what: &Attest, now: Timestamp) -> Result<Attestation, Error> {
    let p = domain.periods.get(period).ok_or_else(|| {
        let known: Vec<&str> = domain.periods.keys().map(String::as_str).collect();
        Error::refused_with(format!("no period {period:?} in this ledger"), Remedy::choose(Known::Periods, known))
    })?;
    let hash = match what {
        Attest::Publish { .. } => crate::query::score_at(domain, p, domain.clock.map_or(now, |c| c.max(now)))?.1,
        Attest::Finalize => crate::query::score(domain, p)?.1,
    };
    let missing = crate::office::missing_values(domain, period)?;
    let stream = period_stream(period);
    let (event_type, submission) = match what {
        Attest::Publish { allow_incomplete: false, .. } if missing > 0 => {
            return Err(Error::refused_with(
                format!("period {period} has {missing} value(s) missing or returned; nothing was published"),
                Remedy::CompletePeriod { period: period.to_owned() },
            ));
        }
        Attest::Publish { window_until, .. } => {
            let payload = ScoresPublished {
                window_until: Date(window_until.clone()),
                projection_hash: hash.clone(),
                missing_values: (missing > 0).then_some(missing as u64),
            };
            (ScoresPublished::TYPE, payload.submission(&stream, &crate::fresh_id()))
        }
        Attest::Finalize => {
            let payload = PeriodFinalized { projection_hash: hash.clone() };
            (PeriodFinalized::TYPE, payload.submission(&stream, &crate::fresh_id()))
        }
    };
    Ok(Attestation { submission, event_type, projection_hash: hash, missing_values: missing })
}

/// Builds the attestation against the ledger's state and appends it. The
/// hash is decided again inside the append transaction: if anything
/// changed since it was computed, the append is refused and nothing is
/// written.
pub fn attest(
    ledger: &mut Ledger,
    period: &str,
    what: &Attest,
    signer: Signer<'_>,
    now: Timestamp,
) -> Result<(Vec<Appended>, Attestation), Error> {
    let attestation = build(ledger.domain()?, period, what, now)?;
    let appended = ledger.append(&[(0, attestation.submission.clone())], signer, now)?;
    Ok((appended, attestation))
}
