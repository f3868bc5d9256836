//! The payloads of oversight: the inspector's audit findings (stream
//! `audit`) and the erasure of personal data (stream `personal-data`)
//! (`docs/EVENTS.md`, "The audit", "Personal data").

use serde::{Deserialize, Serialize};

/// Payload of `audit_finding_recorded` (stream `audit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFindingRecorded {
    /// Finding id.
    pub finding: String,
    /// The period, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The unit, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// What was found.
    pub text: String,
}

/// Payload of `personal_data_redacted` (stream `personal-data`): the
/// details and salt behind the commitment of a record were erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalDataRedacted {
    /// The record whose payload holds the commitment.
    pub record: u64,
    /// Why (the request, the rule).
    pub reason: String,
}
