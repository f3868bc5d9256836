//! The verification vectors of `docs/verify-vectors.json` (built by
//! `tests/vectors.rs`, described in `docs/FORMAT.md` section 12), checked
//! against the kernel verifier: for every case, the record checks report
//! exactly the findings the file lists, in its order, and the same head.
//! `consistency` is the full verification's (`ledger verify`, checked on
//! the same vectors by `tests/interop.rs`), so it is left out here.

#![allow(clippy::unwrap_used)]

use ledger_core::RawRecord;
use ledger_core::verify::{Check, Options, verify_all};
use serde_json::Value;

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/verify-vectors.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn raw(r: &Value) -> RawRecord {
    let hex = |k: &str| hex::decode(r[k].as_str().unwrap()).unwrap();
    RawRecord {
        seq: r["seq"].as_u64().unwrap(),
        prev: hex("prev"),
        hash: hex("hash"),
        envelope: r["envelope"].as_str().unwrap().as_bytes().to_vec(),
        signatures: r["signatures"].as_str().unwrap().as_bytes().to_vec(),
    }
}

/// The checks of the full verification, not the kernel's.
const NOT_KERNEL: [&str; 5] = ["consistency", "attestation", "integrity", "tree", "snapshot"];

#[test]
fn the_kernel_reports_what_the_vectors_say() {
    let doc = vectors();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let records: Vec<RawRecord> = case["records"].as_array().unwrap().iter().map(raw).collect();
        let trusted_roots = case["trust"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().parse().unwrap());
        let report = verify_all(&records, Options { trusted_roots: trusted_roots.collect(), ..Options::default() });
        let got: Vec<(u64, &str)> = report.findings.iter().map(|f| (f.seq, f.check.name())).collect();
        let want: Vec<(u64, &str)> = case["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f[0].as_u64().unwrap(), f[1].as_str().unwrap()))
            .filter(|(_, c)| !NOT_KERNEL.contains(c))
            .collect();
        if got != want {
            failures.push(format!("{name}: expected {want:?}, got {:#?}", report.findings));
        }
        let head = report.head.map(|h| h.to_hex()).unwrap_or_default();
        if head != case["head"].as_str().unwrap() || report.head_seq != case["head_seq"].as_u64() {
            failures.push(format!("{name}: head {head} at {:?}, expected {}", report.head_seq, case["head"]));
        }
    }
    assert!(failures.is_empty(), "{} case(s) differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn findings_are_reported_in_the_order_of_the_spec() {
    let names: Vec<&str> = Check::ORDER.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        [
            "decode",
            "sequence",
            "version",
            "id",
            "hash",
            "chain",
            "signature",
            "genesis",
            "origin",
            "signer",
            "authority",
            "time",
            "head",
            "consistency",
            "attestation",
            "integrity",
            "tree",
            "snapshot"
        ]
    );
}

/// `head` is about the ledger as a whole: reported at the last record, it
/// marks no record as failed (the replay still folds the last record).
#[test]
fn a_missing_head_fails_no_record() {
    let doc = vectors();
    let case = doc["cases"].as_array().unwrap().iter().find(|c| c["name"] == "checkpoint_valid").unwrap();
    let records: Vec<RawRecord> = case["records"].as_array().unwrap().iter().map(raw).collect();
    let report = verify_all(&records, Options { expect_head: Some(ledger_core::Hash([7; 32])), ..Options::default() });
    let last = records.last().unwrap().seq;
    let got: Vec<(u64, Check)> = report.findings.iter().map(|f| (f.seq, f.check)).collect();
    assert_eq!(got, [(last, Check::Head)]);
    assert!(!report.ok());
    assert!(report.failed().is_empty(), "{:?}", report.failed());
}
