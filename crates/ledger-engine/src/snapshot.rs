//! Snapshots: the state the append decisions need (the authority and the
//! folded domain state), as of one record, kept in the ledger file's
//! `snapshots` table so that an append or a read folds only the records
//! after it.
//!
//! A snapshot is derived data, never evidence. It is used only when
//!
//! * its row is bound to the stored hash of the record it is as of, and
//! * its body's BLAKE3 digest is one this machine computed itself, when it
//!   wrote the snapshot or folded the records up to it (the local state of
//!   [`crate::local`]).
//!
//! Anything else is ignored, with a warning, and the state is folded again
//! from the records. The full verification never uses a snapshot: it folds
//! from genesis and reports a snapshot whose body is not the state the
//! records give (check `snapshot`).

use ledger_core::Hash;
use ledger_core::authority::Authority;
use ledger_domain::{Anomaly, Domain, Replay};
use serde::{Deserialize, Serialize};

/// Domain records folded since the last snapshot before a new one is written.
pub const EVERY: u64 = 1000;

/// The shape of the state a snapshot holds. A change to the authority's or
/// the domain's state types gets a new number: a snapshot of another
/// format is passed over (neither trusted nor judged), and the state is
/// folded from the records.
pub const FORMAT: u32 = 6;

/// The state as of one record: what a snapshot holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// [`FORMAT`].
    pub format: u32,
    /// Who may sign what, as of the record.
    pub authority: Authority,
    /// The domain state folded from the domain records up to the record.
    pub domain: Domain,
    /// What that fold skipped (events the domain rules refuse).
    pub anomalies: Vec<Anomaly>,
}

impl State {
    /// The snapshot body: canonical enough to compare, since every map in
    /// the state is ordered.
    pub fn encode(&self) -> Vec<u8> {
        // The state holds no map with non-string keys and no float, so
        // encoding cannot fail; an empty body would only be ignored later.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a snapshot body.
    pub fn decode(body: &[u8]) -> Result<State, String> {
        serde_json::from_slice(body).map_err(|e| e.to_string())
    }

    /// The format a snapshot body declares, if it declares one.
    pub fn format_of(body: &[u8]) -> Option<u32> {
        #[derive(Deserialize)]
        struct Format {
            format: u32,
        }
        serde_json::from_slice::<Format>(body).ok().map(|f| f.format)
    }

    /// The replay this state is the result of, as of record `seq`: feeding
    /// it the records after `seq` catches it up.
    pub fn into_replay(self, seq: u64) -> (Authority, Replay) {
        let replay = Replay { domain: self.domain, anomalies: self.anomalies, position: Some(seq) };
        (self.authority, replay)
    }
}

/// The digest a machine remembers of a snapshot body.
pub fn digest(body: &[u8]) -> Hash {
    Hash(*blake3::hash(body).as_bytes())
}

/// Whether a period's lifecycle moves with this event type: a snapshot is
/// written at each such change, whatever the count since the last one.
pub fn changes_period(event_type: &str) -> bool {
    use ledger_domain::events::{Payload, PeriodFinalized, PeriodOpened, ScoresPublished};
    matches!(event_type, PeriodOpened::TYPE | ScoresPublished::TYPE | PeriodFinalized::TYPE)
}
