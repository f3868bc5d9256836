//! Every read command's `--json` output against its documented shape
//! (`docs/schema/ledger.schema.json`, explained in `docs/JSON.md`), on the
//! demonstration ledger; and `verify --json` has one shape however it runs.

use crate::support::demo_env;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema/ledger.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A validator for one command's definition in the schema document.
fn validator(doc: &Value, def: &str) -> jsonschema::Validator {
    assert!(doc["$defs"].get(def).is_some(), "docs/schema/ledger.schema.json has no definition {def:?}");
    let one = json!({"$schema": doc["$schema"], "$defs": doc["$defs"], "$ref": format!("#/$defs/{def}")});
    jsonschema::validator_for(&one).unwrap()
}

fn problems(v: &jsonschema::Validator, value: &Value) -> Vec<String> {
    v.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn every_read_command_prints_the_shape_docs_json_documents() {
    let env = demo_env();
    let doc = schema();
    env.run(&["checkpoint", "--log-key", "keys/log.key"]).ok();
    let checkpoint = env.run(&["log", "--type", "checkpoint_signed", "--json"]).ok().json();
    let last = checkpoint["records"].as_array().unwrap().last().unwrap()["seq"].as_u64().unwrap();
    env.run(&["prove", &(last - 5).to_string(), "--out", "r.proof"]).ok();
    env.run(&["prove", &(last - 5).to_string(), "--bundle", "--out", "r.bundle"]).ok();
    let vkey = env.run(&["key", "export", "log", "--format", "vkey"]).ok().stdout;
    std::fs::write(env.path("log.vkey"), vkey.trim()).unwrap();
    env.run(&["export-tiles", "--dir", "tiles"]).ok();
    let cp = env.path("tiles/checkpoint");
    let cp = cp.to_str().unwrap();
    let runs: &[(&str, &[&str])] = &[
        ("verify", &["verify"]),
        ("verify", &["verify", "--trust", "keys/root.pub"]),
        ("verify", &["verify", "--checkpoint", cp]),
        ("verify", &["verify", "--state", "inspector.state"]),
        ("verify", &["verify", "--tiles", "tiles", "--trust", "keys/root.pub"]),
        ("log", &["log", "--limit", "40"]),
        ("log", &["log", "--period", "2022", "--unit", "shanghe"]),
        ("show", &["show", "0"]),
        ("show", &["show", "12"]),
        ("key-list", &["key", "list"]),
        ("key-export", &["key", "export", "log"]),
        ("key-export", &["key", "export", "statistics"]),
        ("catalog", &["catalog"]),
        ("units", &["units"]),
        ("units", &["units", "--period", "2019"]),
        ("status", &["period", "status", "--period", "2022"]),
        ("status", &["period", "status", "--period", "2018"]),
        ("scores", &["scores", "--period", "2022"]),
        ("scores", &["scores", "--period", "2022", "--as-of", "2023-03-05"]),
        ("scores", &["scores", "--period", "2020"]),
        ("scores-trend", &["scores", "--trend"]),
        ("explain", &["explain", "--period", "2022", "--unit", "shanghe"]),
        ("explain", &["explain", "--period", "2022", "--unit", "nanbu", "--indicator", "19"]),
        ("audit", &["audit"]),
        ("projects", &["project", "list"]),
        ("monitoring", &["monitoring", "list"]),
        ("projects", &["project", "list", "--stage", "construction"]),
        ("prove", &["prove", "3"]),
        ("verify-proof", &["verify-proof", "r.bundle", "--log-vkey", "log.vkey"]),
        ("verify-proof", &["verify-proof", "r.proof", "--log-vkey", "log.vkey", "--record-hash", &"0".repeat(64)]),
        ("consistency", &["consistency", "--from", cp]),
    ];
    let mut covered = BTreeSet::new();
    // An append, and the same event again: appended, then existing.
    let note = "{\"stream\":\"notes\",\"type\":\"note\",\"id\":\"shape-1\",\"data\":{\"text\":\"月报已报送\"}}\n";
    for status in ["appended", "existing"] {
        let run = env.run_with_input(&["append", "--key", "keys/statistics.key", "--json"], Some(note.as_bytes())).ok();
        let answer = run.json();
        let problems = problems(&validator(&doc, "appended"), &answer);
        assert!(problems.is_empty(), "ledger append --json:\n{}", problems.join("\n"));
        assert_eq!(answer["events"][0]["status"], status);
    }
    covered.insert("appended");
    for (def, args) in runs {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let run = env.run(&with_json);
        assert!(run.code <= 1, "{args:?}: exit {}\n{}", run.code, run.stderr);
        let problems = problems(&validator(&doc, def), &run.json());
        assert!(
            problems.is_empty(),
            "ledger {} --json does not match $defs/{def}:\n{}",
            args.join(" "),
            problems.join("\n")
        );
        covered.insert(*def);
    }
    // A table checked: every rule, nothing written.
    env.run(&["period", "open", "--period", "2023", "--units", "商河县", "--key", "keys/authority.key"]).ok();
    std::fs::write(env.path("v.csv"), "单位,指标,数值\n商河县,15,708\n").unwrap();
    let run = env.run(&[
        "values",
        "submit",
        "--period",
        "2023",
        "--key",
        "keys/statistics.key",
        "--check",
        "--json",
        "v.csv",
    ]);
    let answer = run.ok().json();
    let wrong = problems(&validator(&doc, "table_check"), &answer);
    assert!(wrong.is_empty(), "ledger values submit --check --json:\n{}\n{answer}", wrong.join("\n"));
    assert_eq!(answer["units"][0]["new"], 1);
    covered.insert("table_check");
    // What this machine verified, forgotten (then verified again).
    let forgot = env.run(&["forget", "--json"]).ok().json();
    let wrong = problems(&validator(&doc, "forget"), &forgot);
    assert!(wrong.is_empty() && forgot["forgotten"] == true, "ledger forget --json:\n{}\n{forgot}", wrong.join("\n"));
    covered.insert("forget");
    env.run(&["verify"]).ok();
    // Every command documented is run above.
    let documented: BTreeSet<&str> = doc["$defs"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, d)| d["description"].as_str().is_some_and(|t| t.starts_with("`ledger ")))
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(documented, covered);

    // A changed record: the reads refuse, in their documented shape, and
    // verify reports it in its own.
    env.tamper(|c| {
        c.execute("UPDATE records SET hash = randomblob(32) WHERE seq = 10", []).unwrap();
    });
    env.forget_cache();
    for (def, args) in [
        ("unverified", &["scores", "--period", "2022", "--json"][..]),
        ("unverified", &["catalog", "--json"]),
        ("verify", &["verify", "--json"]),
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        let problems = problems(&validator(&doc, def), &run.json());
        assert!(problems.is_empty(), "ledger {} does not match $defs/{def}:\n{}", args.join(" "), problems.join("\n"));
    }
}

#[test]
fn the_schema_refuses_what_it_does_not_document() {
    let env = demo_env();
    let doc = schema();
    let v = validator(&doc, "verify");
    let good = env.run(&["verify", "--json"]).ok().json();
    assert!(problems(&v, &good).is_empty());
    let mut extra = good.clone();
    extra["surprise"] = json!(1);
    assert!(!problems(&v, &extra).is_empty(), "an undocumented member");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("unsealed");
    assert!(!problems(&v, &missing).is_empty(), "a member left out");
    let scores = validator(&doc, "scores");
    let mut number = env.run(&["scores", "--period", "2022", "--json"]).ok().json();
    assert!(problems(&scores, &number).is_empty());
    number["units"][0]["score"] = json!(61.5);
    assert!(!problems(&scores, &number).is_empty(), "a decimal as a JSON number");
}

#[test]
fn verify_json_has_one_shape_in_full_and_from_a_checkpoint() {
    let env = demo_env();
    env.run(&["checkpoint", "--log-key", "keys/log.key"]).ok();
    env.run(&["export-tiles", "--dir", "tiles"]).ok();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let full = env.run(&["verify", "--json"]).ok().json();
    let from =
        env.run(&["verify", "--checkpoint", env.path("tiles/checkpoint").to_str().unwrap(), "--json"]).ok().json();
    let tiles = env.run(&["verify", "--tiles", "tiles", "--json"]).ok().json();
    assert_eq!(keys(&full), keys(&from));
    assert_eq!(keys(&full), keys(&tiles));
    assert_eq!(
        (full["mode"].as_str(), from["mode"].as_str(), tiles["mode"].as_str()),
        (Some("full"), Some("checkpoint"), Some("tiles"))
    );
    // The same ledger, the same answers where they mean the same thing.
    for member in ["ok", "origin", "records", "head", "head_seq", "root", "unsealed", "last_seal"] {
        assert_eq!(full[member], from[member], "{member}");
    }
    assert_eq!(full["events"], full["records"]);
    assert_eq!(
        from["verified_from"].as_u64().unwrap() + from["events"].as_u64().unwrap(),
        from["records"].as_u64().unwrap()
    );
    assert_eq!((full["pinned"].as_bool(), from["pinned"].as_bool()), (Some(false), Some(true)));
    // A record appended after the checkpoint is unsealed both ways.
    env.keygen("inspector2");
    env.authorize("inspector2", "Inspector", "inspector");
    let full = env.run(&["verify", "--json"]).ok().json();
    let from =
        env.run(&["verify", "--checkpoint", env.path("tiles/checkpoint").to_str().unwrap(), "--json"]).ok().json();
    assert_eq!((full["unsealed"].as_u64(), from["unsealed"].as_u64()), (Some(1), Some(1)));
    assert_eq!(full["last_seal"], from["last_seal"]);
    assert_eq!(full["root"], from["root"]);
    assert_eq!(from["events"], 2, "the checkpoint record and the new one");
}
