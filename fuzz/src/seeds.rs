//! The seed generator: `LEDGER_FUZZ_SEEDS=corpus cargo test --lib` (from
//! `fuzz/`, see README.md) writes `corpus/<target>/seed-*` from the
//! project's own test vectors and fixtures. Without the variable the test
//! only checks that the seeds can be built.

use super::*;
use ledger_core::Record;
use ledger_domain::demo::{Signer as DemoSigner, Writer};
use ledger_tlog::{ProofFile, inclusion_proof, sign_note};
use std::collections::BTreeMap;
use std::path::Path;

/// The example of ledger-score's documentation.
const EXAMPLE_POLICY: &str = r#"{
  "id": "example", "version": 1, "title": "Two indicators",
  "rounding": {"indicator_scale": 4, "score_scale": 2, "money_scale": 2},
  "indicators": [
    {"indicator": "1", "weight": "60", "method": {"kind": "completion_rate", "cap": "1.2"}, "clause": "S1.1"},
    {"indicator": "19", "weight": "40", "method": {"kind": "pass_fail"}, "clause": "S1.19"}
  ],
  "grades": [{"grade": "excellent", "min": "90"}, {"grade": "pass", "min": "60"}, {"grade": "poor", "min": "0"}]
}"#;
const EXAMPLE_INPUT: &str = r#"{
  "period": "2022", "units": ["lixia", "shanghe"],
  "indicators": [
    {"id": "1", "direction": "higher", "kind": "numeric", "value_type": "share", "unit": "%"},
    {"id": "19", "direction": "higher", "kind": "pass_fail_threshold", "value_type": "rate", "unit": "%"}
  ],
  "values": [
    {"unit": "lixia", "indicator": "1", "value": "30.5", "provenance": [17]},
    {"unit": "lixia", "indicator": "19", "value": "6", "provenance": [18]},
    {"unit": "shanghe", "indicator": "1", "value": "0", "provenance": [19]}
  ],
  "targets": [
    {"unit": "lixia", "indicator": "1", "target": "35"},
    {"unit": "lixia", "indicator": "19", "target": "5"},
    {"unit": "shanghe", "indicator": "1", "target": "0"}
  ]
}"#;

type Seeds = BTreeMap<&'static str, Vec<(String, Vec<u8>)>>;

fn add(seeds: &mut Seeds, target: &'static str, name: impl Into<String>, bytes: impl Into<Vec<u8>>) {
    seeds.entry(target).or_default().push((name.into(), bytes.into()));
}

/// The `name: value` blocks of docs/FORMAT.md (as ledger-core's
/// format_vectors.rs reads them).
fn format_vectors() -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/FORMAT.md")).unwrap();
    let mut out = Vec::new();
    let mut current: Option<BTreeMap<String, String>> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```vector") => current = Some(BTreeMap::new()),
            (Some(_), "```") => out.push(current.take().unwrap()),
            (Some(block), l) => {
                let (k, v) = l.split_once(": ").unwrap();
                block.insert(k.to_owned(), v.to_owned());
            }
            _ => {}
        }
    }
    out
}

fn raw_record_input(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(0xfe);
        }
        out.extend_from_slice(&r.envelope_bytes);
        out.push(0xff);
        out.extend_from_slice(&r.signatures_bytes);
    }
    out
}

/// Records the demonstration's first period, run on the base ledger.
struct Recorder {
    base: Base,
    lines: Vec<String>,
    started: bool,
}

impl Writer for Recorder {
    fn write(&mut self, signer: DemoSigner, mut batch: Vec<Submission>, at: Timestamp) -> Result<Vec<u64>, String> {
        let DemoSigner::Office(office) = signer;
        if batch.iter().any(|s| s.event_type == "period_opened") {
            if self.started {
                return Err("stop after the first period".into());
            }
            self.started = true;
        }
        if !self.started {
            // The demonstration's prefix: the base ledger has it already.
            return Ok(Vec::new());
        }
        for s in &mut batch {
            // Keep the seed small: optional remarks and evidence go.
            if s.event_type == "measurement_submitted" {
                s.data.remove("note");
                s.data.remove("evidence");
            }
            if s.event_type == "target_assigned" {
                s.data.remove("note");
            }
        }
        let lines: Vec<String> = batch.iter().map(|s| append_line(office, at, s)).collect();
        let seqs = self.base.append(office, batch, at)?;
        self.lines.extend(lines);
        Ok(seqs)
    }
    fn domain(&self) -> &Domain {
        &self.base.domain
    }
    fn public_key(&self, office: &'static str) -> Option<String> {
        office_key(office).map(|k| PublicKey::from(&k).to_hex())
    }
}

fn all_seeds() -> Seeds {
    let mut seeds = Seeds::new();
    let vectors = format_vectors();

    // canonical: the FORMAT.md vectors, the default documents, edge cases.
    for v in &vectors {
        let name = &v["name"];
        for field in ["envelope", "signatures", "canonical", "input"] {
            if let Some(text) = v.get(field) {
                add(&mut seeds, "canonical", format!("seed-format-{name}-{field}"), text.as_bytes());
            }
        }
    }
    add(&mut seeds, "canonical", "seed-roles", ledger_domain::defaults::ROLES);
    for (i, text) in [
        r#"{"a":[1,-2,9007199254740991,true,false,null,"é\u0001\n"],"b":{"":{}}}"#,
        r#"{ "b": 1, "a": 2.5, "c": 1e3 }"#,
        r#"{"a":1,"a":2}"#,
        r#"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"#,
        "\"\\ud83d\\ude00 \\u00e9 \\/\"",
        "-0",
        "18446744073709551616",
    ]
    .iter()
    .enumerate()
    {
        add(&mut seeds, "canonical", format!("seed-edge-{i}"), *text);
    }

    // envelope and record: the vectors' records and the base ledger's.
    let base = base();
    for v in &vectors {
        if let (Some(e), Some(s)) = (v.get("envelope"), v.get("signatures")) {
            let mut bytes = e.as_bytes().to_vec();
            bytes.push(0);
            bytes.extend_from_slice(s.as_bytes());
            add(&mut seeds, "envelope", format!("seed-format-{}", v["name"]), bytes);
        }
    }
    let records = base.ledger.records();
    let kernel = kernel_ledger().records().len();
    for (i, r) in records.iter().enumerate().step_by(5) {
        let mut bytes = r.envelope_bytes.clone();
        bytes.push(0);
        bytes.extend_from_slice(&r.signatures_bytes);
        add(&mut seeds, "envelope", format!("seed-base-{i}"), bytes);
    }
    add(&mut seeds, "record", "seed-catalog", raw_record_input(&records[kernel..kernel + 3]));
    add(&mut seeds, "record", "seed-units", raw_record_input(&records[records.len() - 4..]));
    let mut resigned = vec![0xfd];
    resigned.extend_from_slice(&records[kernel].envelope_bytes);
    add(&mut seeds, "record", "seed-resigned", resigned);

    // append: the demonstration's first period for the base units.
    let mut recorder = Recorder { base: base.clone(), lines: Vec::new(), started: false };
    let _ = ledger_domain::demo::build(&mut recorder);
    assert!(recorder.lines.len() > 50, "the demonstration wrote {} lines", recorder.lines.len());
    let lines = &recorder.lines;
    let opened = lines.iter().take_while(|l| !l.contains("\"measurement_submitted\"")).count();
    add(&mut seeds, "append", "seed-opened", lines[..opened.min(12)].join("\n"));
    add(&mut seeds, "append", "seed-period", lines.join("\n"));
    add(
        &mut seeds,
        "append",
        "seed-notes",
        [
            r#"inspector	2018-01-04T00:00:00Z	{"stream":"notes","type":"note","data":{"text":"hello"},"id":"n1"}"#,
            r#"root	2018-01-04T00:00:00Z	{"stream":"ledger","type":"key_revoked","data":{"key":"KEY","reason":"left","compromised_from":30},"id":"r1"}"#
                .replace("KEY", &PublicKey::from(&office_key("inspector").unwrap()).to_hex())
                .as_str(),
            r#"inspector	2018-01-05T00:00:00Z	{"stream":"notes","type":"note","data":{"text":"again"},"id":"n2"}"#,
        ]
        .join("\n"),
    );

    // policy: the default policy and the documented example, with inputs.
    let period = recorder.base.domain.periods.values().next().unwrap().clone();
    let input = serde_json::to_string(&ledger_domain::scoring::input(&recorder.base.domain, &period)).unwrap();
    let mut bytes = ledger_domain::defaults::POLICY.as_bytes().to_vec();
    bytes.push(0);
    bytes.extend_from_slice(input.as_bytes());
    add(&mut seeds, "policy", "seed-default", bytes);
    add(&mut seeds, "policy", "seed-example", format!("{EXAMPLE_POLICY}\0{EXAMPLE_INPUT}"));

    // csv: the walk-through's files, and the other forms.
    add(&mut seeds, "csv", "seed-targets", include_str!("../../ledger/examples/targets-2022.csv"));
    add(&mut seeds, "csv", "seed-values", include_str!("../../ledger/examples/values-2022.csv"));
    for (i, text) in [
        "\u{feff}单位;指标;数值;备注\n商河县;1;25.6;ok\n",
        "unit\tindicator\tvalue\tevidence\tevidence_title\tmeasure\tnote\nlixia\t1\t2\t0000000000000000000000000000000000000000000000000000000000000000\tdoc\t%\t\n",
        "unit,indicator,value,reason\nlixia,1,2.5,\"a \"\"quoted\"\" reason\"\n,,,\n",
        "unit,indicator,target,baseline,note\nLixia District,new-economy share of GDP,35,20.0,x\n",
    ]
    .iter()
    .enumerate()
    {
        add(&mut seeds, "csv", format!("seed-form-{i}"), *text);
    }

    // tlog: signed notes, checkpoints, cosignatures, proof files.
    let (w1, w2) = (witness(1), witness(2));
    let other = Signer::new("other.example", SigningKey::from_bytes(&[8; 32])).unwrap();
    add(&mut seeds, "note", "seed-plain", sign_note("hello\nworld\n", &[&log_key(), &other]).unwrap());
    add(&mut seeds, "note", "seed-vkeys", format!("{}\n{}\n", log_key().verifier(), w1.verifier()));
    add(
        &mut seeds,
        "note",
        "seed-c2sp",
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n",
    );
    for (n, ws) in [(0u64, vec![]), (1, vec![&w1]), (7, vec![&w1, &w2]), (1000, vec![&w2])] {
        let (store, cp, signed) = signed_log(n, &ws);
        add(&mut seeds, "checkpoint", format!("seed-{n}"), signed.clone());
        add(&mut seeds, "cosignature", format!("seed-{n}"), signed.clone());
        if n == 7 {
            add(&mut seeds, "note", "seed-checkpoint", signed.clone());
            let mut ext = cp.clone();
            ext.extensions.push("extension line".into());
            add(&mut seeds, "checkpoint", "seed-extension", sign_checkpoint(&ext, &log_key()).unwrap());
        }
        for index in [0, n / 2, n.saturating_sub(1)] {
            if index >= n {
                continue;
            }
            let proof = inclusion_proof(index, n, &store).unwrap();
            let extra = (index % 2 == 1).then(|| b"opaque".to_vec());
            let file = ProofFile { extra, index, proof, checkpoint: signed.clone() }.encode();
            add(&mut seeds, "proof_file", format!("seed-{n}-{index}"), file);
        }
        if n > 1 {
            let old = n / 2;
            let proof = ledger_tlog::consistency_proof(old, n, &store).unwrap();
            let mut body = format!("old {old}\n");
            for h in &proof {
                body.push_str(&ledger_engine::tlog::b64(h));
                body.push('\n');
            }
            body.push('\n');
            body.push_str(&signed);
            add(&mut seeds, "proof_file", format!("seed-consistency-{n}"), body);
        }
    }
    // Witness policies (c2sp.org/tlog-policy).
    add(
        &mut seeds,
        "tlog_policy",
        "seed-groups",
        format!(
            "# two of X and one of Y\nlog {}\nwitness X1 {}\nwitness X2 {} https://x2.example/\n\tgroup X 2 X1 X2\nwitness Y1 {}\ngroup Y any Y1\ngroup XY all X Y\nquorum XY\n",
            log_key().verifier(),
            w1.verifier(),
            w2.verifier(),
            witness(3).verifier()
        ),
    );
    add(&mut seeds, "tlog_policy", "seed-none", "quorum none\n");
    seeds
}

#[test]
fn write_seeds() {
    let seeds = all_seeds();
    let total: usize = seeds.values().flatten().map(|(_, b)| b.len()).sum();
    assert!(total < 200_000, "seeds take {total} bytes");
    let Some(dir) = std::env::var_os("LEDGER_FUZZ_SEEDS") else { return };
    for (target, files) in &seeds {
        let dir = Path::new(&dir).join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}
