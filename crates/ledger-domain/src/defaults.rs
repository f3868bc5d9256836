//! The embedded default data under `ledger/`: the plan's catalog, the
//! assessed units and their history, the role table and the scoring
//! policy, turned into the events that record them.

use crate::events::{IndicatorDef, Payload, PolicyAdopted, Stream};
use ledger_core::append::Submission;
use serde_json::Value;

/// `ledger/catalog.json`: Table 1's 19 indicators and the three figures the
/// fiscal-reward clause needs.
pub const CATALOG: &str = include_str!("../../../ledger/catalog.json");
/// `ledger/units.json`: units and their history, as events.
pub const UNITS: &str = include_str!("../../../ledger/units.json");
/// `ledger/roles.json`: the default role table.
pub const ROLES: &str = include_str!("../../../ledger/roles.json");
/// `ledger/policy.json`: the default (illustrative) scoring policy.
pub const POLICY: &str = include_str!("../../../ledger/policy.json");
/// `ledger/policy-2022.json`: version 2 of the default policy, with a
/// process component (the demonstration assesses 2022 with it).
pub const POLICY_2022: &str = include_str!("../../../ledger/policy-2022.json");

fn parse(text: &str, what: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("{what}: {e}"))
}

/// `indicator_defined` for every catalog entry.
pub fn catalog_events() -> Result<Vec<Submission>, String> {
    catalog_events_from(CATALOG, "embedded catalog")
}

/// `indicator_defined` for every entry of a catalog document (a JSON array
/// of definitions, as `ledger/catalog.json`).
pub fn catalog_events_from(text: &str, what: &str) -> Result<Vec<Submission>, String> {
    let Value::Array(entries) = parse(text, what)? else {
        return Err(format!("{what}: not a JSON array of indicator definitions"));
    };
    entries
        .into_iter()
        .map(|e| {
            let id = e.get("id").and_then(Value::as_str).ok_or("catalog entry without id")?.to_owned();
            // The document's entry as written: the rules decide it.
            Ok(Submission::new(Stream::Catalog.name(), IndicatorDef::TYPE, e, &format!("catalog-{id}")))
        })
        .collect()
}

/// The unit events of `ledger/units.json`, in order.
pub fn unit_events() -> Result<Vec<Submission>, String> {
    unit_events_from(UNITS, "embedded units")
}

/// The unit events of a units document (`{"events": [{"type", "data"}]}`, as
/// `ledger/units.json`), in order.
pub fn unit_events_from(text: &str, what: &str) -> Result<Vec<Submission>, String> {
    let doc = parse(text, what)?;
    let events = doc.get("events").and_then(Value::as_array).ok_or_else(|| format!("{what}: no \"events\" array"))?;
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let t = e.get("type").and_then(Value::as_str).ok_or("unit event without type")?;
            let data = e.get("data").cloned().ok_or("unit event without data")?;
            let unit = data.get("unit").and_then(Value::as_str).ok_or("unit event without unit")?.to_owned();
            Ok(Submission::new(&Stream::Unit.of(&unit), t, data, &format!("units-{i}-{unit}")))
        })
        .collect()
}

/// `policy_adopted` for the default policy.
pub fn policy_event() -> Result<Submission, String> {
    policy_event_from(POLICY, "embedded policy")
}

/// `policy_adopted` for version 2 of the default policy (with a process component).
pub fn policy_2022_event() -> Result<Submission, String> {
    policy_event_from(POLICY_2022, "embedded policy (version 2)")
}

/// `policy_adopted` for a policy document (`docs/SCORING.md`).
pub fn policy_event_from(text: &str, what: &str) -> Result<Submission, String> {
    let policy = parse(text, what)?;
    let id = policy.get("id").and_then(Value::as_str).ok_or("policy without id")?.to_owned();
    let version = policy.get("version").and_then(Value::as_u64).ok_or("policy without version")?;
    Ok(PolicyAdopted { policy }.submission(&Stream::Policy.of(&id), &format!("policy-{id}-v{version}")))
}
