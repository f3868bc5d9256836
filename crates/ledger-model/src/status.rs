//! The chain as it stands when a report is made: the verification a view
//! rests on and how it was made, the roots of trust, the latest checkpoint
//! recorded with its signatures.

use ledger_core::verify::Finding;
use serde::Serialize;

/// How the numbers of a view were verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Every record, from genesis, now.
    Full,
    /// Records up to `since` re-hashed against what this machine verified
    /// before; every record after it verified now.
    Incremental {
        /// The last record this machine had verified.
        since: u64,
    },
}

/// The verification a view rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    /// Nothing failed.
    pub ok: bool,
    /// Records in the ledger.
    pub records: u64,
    /// The head (hex).
    pub head: Option<String>,
    /// Its sequence number.
    pub head_seq: Option<u64>,
    /// Every failed check, in sequence order.
    pub findings: Vec<Finding>,
    /// How the records were checked.
    pub method: Method,
}

impl Checked {
    /// The first failed check, for a banner.
    pub fn first(&self) -> Option<&Finding> {
        self.findings.first()
    }
}

/// A signature line of the latest recorded checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct NoteSignatureRow {
    /// The key name (the log's origin, or a witness name).
    pub name: String,
    /// Its key id, 8 hex digits.
    pub key_id: String,
    /// `log` (the log key's signature, verified) or `cosignature` (a
    /// witness's, cosignature/v1; checked by `ledger verify-proof
    /// --witness`, not here), or `other`.
    pub kind: String,
    /// A cosignature's time (UTC).
    pub time: Option<String>,
}

/// The latest checkpoint recorded in the ledger.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointRow {
    /// The `checkpoint_signed` record.
    pub seq: u64,
    /// When it was recorded (UTC).
    pub time: String,
    /// The log's name.
    pub origin: String,
    /// Records the checkpoint covers.
    pub size: u64,
    /// Its Merkle root (base64).
    pub root: String,
    /// Its signature lines.
    pub signatures: Vec<NoteSignatureRow>,
}

/// A root key the ledger trusts now.
#[derive(Debug, Clone, Serialize)]
pub struct RootRow {
    /// Its key id.
    pub key_id: String,
    /// Who holds it.
    pub holder: String,
}

/// The chain as it stands when a report is made: records, head, the
/// verification, the roots of trust and the latest checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct ChainStatus {
    /// The ledger's origin.
    pub origin: String,
    /// What verifying it found.
    pub verification: Checked,
    /// The root keys it trusts now.
    pub roots: Vec<RootRow>,
    /// The latest checkpoint recorded, if any.
    pub checkpoint: Option<CheckpointRow>,
    /// Why the latest checkpoint could not be read, if it could not.
    pub checkpoint_problem: Option<String>,
}
