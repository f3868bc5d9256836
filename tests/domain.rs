//! The assessment from the command line: the demonstration, CSV
//! submission, scores, explanations, audit.

use crate::support::{Env, demo_env};
use serde_json::Value;

#[test]
fn the_demo_builds_a_verified_audited_ledger_and_prints_the_2022_scoreboard() {
    let env = Env::new();
    let r = env.run(&["demo", "--dir", "demo"]).ok();
    assert!(r.stdout.contains("Period 2022"), "{}", r.stdout);
    assert!(r.stdout.contains("verify: ok"), "{}", r.stdout);
    assert!(r.stdout.contains("audit: ok"), "{}", r.stdout);
    assert!(r.stdout.contains("SYNTHETIC"));
    assert!(env.path("demo/keys/root.pub").is_file());
    // rebuilt on each run; a folder that is not a demonstration is never replaced
    env.run(&["demo", "--dir", "demo"]).ok();
    std::fs::create_dir(env.path("precious")).unwrap();
    std::fs::write(env.path("precious/thesis.txt"), "years of work").unwrap();
    env.run(&["demo", "--dir", "precious"]).refused("is not a demonstration folder");
    assert!(env.path("precious/thesis.txt").is_file());
}

#[test]
fn scores_as_published_and_after_objections() {
    let env = demo_env();
    let after = env.run(&["scores", "--period", "2022", "--json"]).ok().json();
    let before = env.run(&["scores", "--period", "2022", "--as-of", "2023-03-05", "--json"]).ok().json();
    assert_eq!(after["status"]["state"], "finalized");
    assert_eq!(after["status"]["matches"], true, "the finalised attestation matches the replay");
    assert_eq!(before["status"]["state"], "published");
    let shanghe = |v: &Value| v["units"].as_array().unwrap().iter().find(|u| u["unit"] == "shanghe").cloned().unwrap();
    let ind10 =
        |u: &Value| u["indicators"].as_array().unwrap().iter().find(|i| i["indicator"] == "10").cloned().unwrap();
    // the upheld objection raised Shanghe's indicator 10; the dismissed one changed nothing
    assert_ne!(ind10(&shanghe(&before))["value"], ind10(&shanghe(&after))["value"]);
    assert_ne!(before["projection_hash"], after["projection_hash"]);
    // the same question as of a sequence number gives the same answer
    let published_seq = before["status"]["seq"].as_u64().unwrap();
    let by_seq = env.run(&["scores", "--period", "2022", "--as-of", &published_seq.to_string(), "--json"]).ok().json();
    assert_eq!(by_seq["projection_hash"], before["projection_hash"]);
    // every number traces to events
    let u = shanghe(&after);
    for field in ["unit", "score", "rank", "grade", "indicators", "consequences"] {
        assert!(!u[field].is_null(), "{field}");
    }
    let events = ind10(&u)["events"].as_array().unwrap().len();
    assert!(events >= 3, "submission, objection resolution and target: {events}");
    let text = env.run(&["scores", "--period", "2022"]).ok().stdout;
    assert!(text.contains("shanghe") && text.contains("accountability"), "{text}");
    env.run(&["scores", "--period", "1999"]).refused("no period \"1999\"");
    env.run(&["scores", "--period", "2022", "--as-of", "yesterday"]).refused("--as-of");
}

#[test]
fn every_example_of_the_readme_runs_on_the_demonstration() {
    // The README's `$L $D ...` lines, as a new user pastes them.
    let env = demo_env();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let lines: Vec<&str> = readme.lines().filter_map(|l| l.strip_prefix("$L $D ")).collect();
    assert!(lines.len() >= 10, "the README shows the demonstration: {lines:?}");
    for line in lines {
        let command = line.split(" # ").next().unwrap().replace("ledger/demo/keys/", "keys/");
        let args: Vec<&str> = command.split_whitespace().collect();
        let run = env.run(&args);
        assert_eq!(run.code, 0, "`ledger {command}` failed:\n{}{}", run.stdout, run.stderr);
    }
    // What the README says of them holds on the demonstration.
    let shown = env.run(&["show", "2842"]).ok().stdout;
    assert!(shown.contains("accountability_action_taken") && shown.contains("person "), "{shown}");
    assert!(env.run(&["show", "1859", "--json"]).ok().json()["personal_data"]["details"].is_null());
    let signed = env.run(&["log", "--unit", "商河县", "--signer", "统计局", "--json"]).ok().json();
    assert!(!signed["records"].as_array().unwrap().is_empty(), "{signed}");
    assert!(env.run(&["key", "export", "统计局"]).ok().stdout.contains("BEGIN PUBLIC KEY"));
}

#[test]
fn periods_and_dates_are_read_as_clerks_write_them() {
    let env = demo_env();
    let hash = |args: &[&str]| env.run(args).ok().json()["projection_hash"].clone();
    let plain = hash(&["scores", "--period", "2022", "--as-of", "2023-03-05", "--json"]);
    for period in ["2022年", "2022年度", "２０２２"] {
        for date in ["2023/3/5", "2023年3月5日", "2023-3-5"] {
            assert_eq!(hash(&["scores", "--period", period, "--as-of", date, "--json"]), plain, "{period} {date}");
        }
    }
    // Eight digits that name no record but a day: refused with the day, never read as the head.
    let refused = env.run(&["scores", "--period", "2022", "--as-of", "20230305"]).refused("no record 20230305");
    assert!(refused.stderr.contains("--as-of 2023-03-05"), "{}", refused.stderr);
    let refused = env.run(&["scores", "--period", "2022/23", "--json"]).refused("is not a period");
    assert!(!refused.stderr.contains("stream must match"), "{}", refused.stderr);
}

#[test]
fn explain_names_events_and_clauses() {
    let env = demo_env();
    let v = env.run(&["explain", "--period", "2022", "--unit", "shanghe", "--indicator", "10", "--json"]).ok().json();
    let ind = &v["indicators"][0];
    let history = ind["value_history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[1]["how"].as_str().unwrap().starts_with("objection obj-2022-1 upheld"));
    assert_eq!(history[1]["event"]["type"], "objection_resolved");
    assert!(ind["clause"].as_str().unwrap().starts_with("S1.10"));
    assert!(
        ind["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("completion rate = actual / target"))
    );
    // 2020 Huaiyin's high-tech enterprise count was corrected with a reason
    let v = env.run(&["explain", "--period", "2020", "--unit", "huaiyin", "--indicator", "9", "--json"]).ok().json();
    let how = v["indicators"][0]["value_history"][1]["how"].as_str().unwrap().to_owned();
    assert!(how.starts_with("corrected: two enterprises"), "{how}");
    // 2019 Pingyin's value 13 was returned and submitted again
    let v = env.run(&["explain", "--period", "2019", "--unit", "pingyin", "--indicator", "13", "--json"]).ok().json();
    assert_eq!(v["indicators"][0]["returned"].as_array().unwrap().len(), 1);
    let text = env.run(&["explain", "--period", "2022", "--unit", "shanghe"]).ok().stdout;
    assert!(text.contains("composite, grade, rank and consequences") && text.contains("C3.3"), "{text}");
    env.run(&["explain", "--period", "2022", "--unit", "atlantis"]).refused("unknown unit atlantis");
    // by name, and a unit that exists but was not there in 2018
    env.run(&["explain", "--period", "2022", "--unit", "商河县", "--indicator", "新经济占比"]).ok();
    env.run(&["explain", "--period", "2018", "--unit", "莱芜区"])
        .refused("unit \"laiwu\" is not assessed in period 2018");
}

#[test]
fn audit_finds_an_unjustified_reward_and_a_rescinded_due_sanction() {
    let env = demo_env();
    let r = env.run(&["audit"]).ok();
    assert!(r.stdout.starts_with("ok"), "{}", r.stdout);
    // the city grants Shanghe, graded poor, a policy preference, and drops
    // its accountability action of 2019 (an admonition talk)
    let lines = "{\"stream\":\"period/2022\",\"type\":\"reward_granted\",\"data\":{\"reward\":\"favour\",\"unit\":\"shanghe\",\"kind\":\"policy_preference\",\"basis\":\"good relations\"}}\n\
                 {\"stream\":\"period/2019\",\"type\":\"action_rescinded\",\"data\":{\"target\":\"admonition_talk-shanghe\",\"reason\":\"the county head was promoted\"}}\n";
    env.append("authority", lines).ok();
    let r = env.run(&["audit", "--json"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let v = r.json();
    let found: Vec<(String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["period"].as_str().unwrap().into(),
                f["unit"].as_str().unwrap().into(),
                f["finding"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(found.contains(&("2022".into(), "shanghe".into(), "reward_without_basis".into())), "{found:?}");
    assert!(found.contains(&("2019".into(), "shanghe".into(), "due_consequence_not_recorded".into())), "{found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(env.run(&["audit", "--period", "2018"]).code, 0);
}

#[test]
fn csv_submission_is_all_or_nothing_with_line_and_column() {
    let env = demo_env();
    // open a 2023 period to submit into
    let indicators: Vec<String> = env.run(&["catalog", "--json"]).ok().json()["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("\"{}\"", i["definition"]["id"].as_str().unwrap()))
        .collect();
    let open = format!(
        "{{\"stream\":\"period/2023\",\"type\":\"period_opened\",\"data\":{{\"year\":2023,\"units\":[\"lixia\",\"laiwu\",\"shanghe\"],\"indicators\":[{}],\"policy\":{{\"id\":\"jinan-nokec-2018\",\"version\":1}}}}}}\n",
        indicators.join(",")
    );
    env.append("authority", &open).ok();
    let before = env.db_bytes();
    let cases: Vec<(&str, &str)> = vec![
        (
            "unit,indicator,value\nlixia,1,25.6\nlixia,7,\"12,5\"\n",
            "row 3, column C (value): \"12,5\": not a number: a comma that separates no groups of three digits (write a point for decimals); did you mean 12.5?",
        ),
        ("unit,indicator,value\nlixia,1,NaN\n", "row 2, column C (value): \"NaN\": not a number"),
        ("unit,indicator,value\nlixia,1,1e400\n", "row 2, column C (value): \"1e400\": not a number"),
        ("unit,indicator,value\nlixia,1,25.6\nlixia,9,-3\n", "row 3, column C (value): \"-3\": -3 is not a count"),
        (
            "unit,indicator,value\nlixia,1,25.6\nlaiwu,2,18\nlixia,1,25.6\n",
            "row 4: unit lixia and indicator 1 were already given on row 2",
        ),
        ("unit,indicator,value\natlantis,1,25.6\n", "row 2, column A (unit): \"atlantis\": unknown unit"),
        ("unit,indicator,value\nlixia,99,25.6\n", "row 2, column B (indicator): \"99\": unknown indicator"),
        (
            "unit,indicator,value\nlixia,1,101\n",
            "row 2, column C (value): \"101\": 101 is not a share between 0 and 100",
        ),
        ("unit,indicator,amount\nlixia,1,25.6\n", "unknown column"),
        ("unit,value\nlixia,25.6\n", "no \"indicator\" column"),
        ("unit,indicator,value\nlixia,1\n", "every value cell is empty"),
        ("unit,indicator,value\n", "the file has a header but no rows"),
        (
            "unit,indicator,value,evidence\nlixia,1,25.6,missing.pdf\n",
            "row 2, column D (evidence): \"missing.pdf\": evidence document missing.pdf does not exist",
        ),
    ];
    for (csv, expected) in cases {
        std::fs::write(env.path("values.csv"), csv).unwrap();
        env.run(&["values", "submit", "--key", "keys/statistics.key", "--period", "2023", "values.csv"])
            .refused(expected);
    }
    assert_eq!(env.db_bytes(), before, "a refused CSV changed the ledger");
    // a finalised period takes no submissions
    std::fs::write(env.path("values.csv"), "unit,indicator,value\nlixia,1,25.6\n").unwrap();
    env.run(&["values", "submit", "--key", "keys/statistics.key", "--period", "2022", "values.csv"])
        .refused("period 2022 is finalized");
    // the good file, with evidence by path: every row or none, and idempotent
    std::fs::write(env.path("report.pdf"), "the bureau's 2023 report").unwrap();
    std::fs::write(
        env.path("values.csv"),
        "unit,indicator,value,evidence,evidence_title\nlixia,1,25.6,report.pdf,2023 report\nlaiwu,9,310,,\n",
    )
    .unwrap();
    let submit = |json: bool| {
        let mut args = vec!["values", "submit", "--key", "keys/statistics.key", "--period", "2023", "values.csv"];
        args.extend(json.then_some("--json"));
        env.run(&args).ok()
    };
    let r = submit(true).json();
    assert_eq!(r["appended"], 2, "{r}");
    let again = submit(false).stdout;
    assert!(
        again.contains("历下区 (lixia): 1 row, 0 new, 0 corrected, 1 unchanged"),
        "the same file twice records nothing new: {again}"
    );
    let seq = r["events"][0]["seq"].to_string();
    let show = env.run(&["show", &seq, "--json"]).ok().json();
    assert_eq!(show["data"]["evidence"]["blake3"], blake3::hash(b"the bureau's 2023 report").to_hex().as_str());
    // an objection after the window of 2022
    env.append("shanghe", "{\"stream\":\"period/2022\",\"type\":\"objection_filed\",\"data\":{\"objection\":\"late\",\"unit\":\"shanghe\",\"claim\":\"x\"}}\n")
        .refused("is finalized");
}

#[test]
fn catalog_and_units() {
    let env = demo_env();
    let text = env.run(&["catalog"]).ok().stdout;
    assert_eq!(text.lines().count(), 22);
    assert!(
        text.contains("new-economy share of GDP") && text.contains("21.8 (2016)") && text.contains("35 (2022)"),
        "{text}"
    );
    let units2018 = env.run(&["units", "--period", "2018", "--json"]).ok().json();
    let ids = |v: &Value| {
        v["units"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert!(!ids(&units2018).contains(&"laiwu".to_owned()));
    let units2022 = env.run(&["units", "--period", "2022", "--json"]).ok().json();
    assert!(ids(&units2022).contains(&"laiwu".to_owned()) && ids(&units2022).contains(&"gangcheng".to_owned()));
    let all = env.run(&["units"]).ok().stdout;
    assert!(all.contains("reclassified County -> District") && all.contains("Jiyang District"), "{all}");
}

#[test]
fn verify_checks_the_attestations() {
    let env = demo_env();
    assert_eq!(env.verify_json(&["--trust", "keys/root.pub"]).0, 0);
}
