//! Appends through the kernel and the domain rules (`MemoryLedger::append`
//! with `ledger_domain::Domain` as the rules, as `ledger append` does over
//! SQLite), on the base ledger of `ledger_fuzz::base` (catalog, units,
//! policy, office keys). Whatever is accepted must verify, replay to the
//! same state, and score.
//!
//! Input: lines `OFFICE<TAB>TIME<TAB>JSON`: an office of the
//! demonstration (or `root`), an RFC 3339 time, and a line of `ledger
//! append` input (`Submission::from_json`). Each line is one batch.
#![no_main]

use ledger_core::append::Submission;
use ledger_core::verify::{Options, Verifier};
use ledger_core::{PublicKey, Timestamp};
use ledger_fuzz::{base, base_replay, office_key, root_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut state = base().clone();
    let before = state.ledger.records().len();
    for (i, line) in text.lines().take(400).enumerate() {
        let mut parts = line.splitn(3, '\t');
        let (Some(office), Some(time), Some(json)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (Some(key), Ok(time)) = (office_key(office), time.parse::<Timestamp>()) else { continue };
        let Ok(sub) = Submission::from_json(json, || format!("fuzz-{i}")) else { continue };
        let _ = state.ledger.append(vec![sub], &key, &[], time, &mut state.domain);
    }
    let records = state.ledger.records();
    let new = &records[before..];
    if new.is_empty() {
        return;
    }
    // Everything the append accepted verifies.
    let options = Options { trusted_roots: vec![PublicKey::from(&root_key())], ..Options::default() };
    let mut verifier = Verifier::resume(options, base().resume(new));
    let raw: Vec<_> = new.iter().map(|r| r.to_raw()).collect();
    verifier.push(&raw);
    let report = verifier.finish();
    assert!(report.ok(), "accepted records do not verify: {:?}", report.findings);
    // Replaying the records gives the state the appends built.
    let mut replay = base_replay().clone();
    for r in new {
        replay.feed(r, true);
    }
    assert!(replay.anomalies.is_empty(), "replay refused accepted records: {:?}", replay.anomalies);
    assert!(replay.domain == state.domain, "replay and append disagree on the domain state");
    // Every period scores (or says why not), and the audit runs.
    for period in state.domain.periods.values() {
        if let Ok((scores, _)) = ledger_domain::project::score(&state.domain, period) {
            let _ = ledger_score::projection_hash(&scores);
        }
    }
    let _ = ledger_domain::project::audit(&state.domain, None);
});
