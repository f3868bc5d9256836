//! The offices' daily work, as a new user does it from the README: keys,
//! a ledger, the catalog, units and policy, a period opened, targets and
//! values from CSV files with Chinese headers and names, a correction, the
//! verification, publication, an objection inside the window (Beijing
//! time), finalisation, rewards, an accountability action and its
//! rectification. No JSON is written by hand.

use crate::support::{Env, Run};
use serde_json::Value;

/// The walk-through's offices: key name, holder, role.
const OFFICES: [(&str, &str, &str); 3] = [
    ("authority", "济南市人民政府 (city authority)", "authority"),
    ("statistics", "济南市统计局", "statistics"),
    ("assessment", "济南市考核办", "assessment"),
];

/// Runs a command as if the clock read `now` (Beijing time).
fn at(env: &Env, now: &str, args: &[&str]) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ledger"));
    let out = cmd
        .current_dir(env.dir.path())
        .env("LEDGER_DB", env.db())
        .env("LEDGER_CACHE", env.cache.path())
        .env("LEDGER_NOW", now)
        .env_remove("LEDGER_NO_CACHE")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn records(env: &Env) -> usize {
    env.run(&["log", "--json"]).ok().json()["records"].as_array().unwrap().len()
}

/// The example files of `ledger/examples/` (Chinese headers and names;
/// Lixia above its targets, Shanghe at its baselines).
fn example(name: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ledger/examples").join(name))
        .unwrap()
}

/// The indicators of a period: the plan's 19 and the three fiscal ones.
const INDICATORS: usize = 22;

/// Keys for the root, the offices and `extra`; a ledger; the offices
/// authorised; the time zone adopted; all at `jan`.
fn offices_at(jan: &str, extra: &[&str]) -> Env {
    let env = Env::new();
    for name in ["root", "authority", "statistics", "assessment"].iter().chain(extra) {
        env.keygen(name);
    }
    at(&env, jan, &["init", "--origin", "test.example/jinan", "--key", "keys/root.key", "--holder", "济南市"]).ok();
    for (name, holder, role) in OFFICES {
        let key = format!("keys/{name}.pub");
        at(
            &env,
            jan,
            &["key", "authorize", "--key", "keys/root.key", "--pub", &key, "--holder", holder, "--role", role],
        )
        .ok();
    }
    at(&env, jan, &["adopt", "time-zone", "--key", "keys/authority.key"]).ok();
    env
}

#[test]
fn from_keygen_to_a_finalised_period_with_the_office_commands() {
    let jan = "2023-01-05T09:00:00+08:00";
    let env = offices_at(jan, &["shanghe", "lixia"]);
    for what in ["catalog", "units", "policy"] {
        at(&env, jan, &["adopt", what, "--key", "keys/authority.key"]).ok();
    }
    // Each unit's key speaks for its own unit only, named as the clerk writes it.
    for (name, unit) in [("shanghe", "商河县"), ("lixia", "历下")] {
        let key = format!("keys/{name}.pub");
        at(
            &env,
            jan,
            &[
                "key",
                "authorize",
                "--key",
                "keys/root.key",
                "--pub",
                &key,
                "--holder",
                unit,
                "--role",
                "unit",
                "--unit",
                unit,
                "--authority",
                "keys/authority.key",
            ],
        )
        .ok();
    }
    at(&env, jan, &["period", "open", "--period", "2022", "--units", "历下区,商河县", "--key", "keys/authority.key"])
        .ok();

    // Targets and values from CSV with Chinese headers and names.
    let values = example("values-2022.csv");
    std::fs::write(env.path("targets.csv"), example("targets-2022.csv")).unwrap();
    at(&env, jan, &["period", "targets", "--period", "2022", "--key", "keys/authority.key", "targets.csv"]).ok();
    // A misspelt unit refuses the whole file, naming the row, the cell and a suggestion.
    let before = records(&env);
    std::fs::write(env.path("bad.csv"), values.replace("商河县,7,", "商河镇,7,")).unwrap();
    let feb = "2023-02-01T10:00:00+08:00";
    let r = at(&env, feb, &["values", "submit", "--period", "2022", "--key", "keys/statistics.key", "bad.csv"])
        .refused("bad.csv, row 30, column A (单位): \"商河镇\": unknown unit; did you mean 商河县 (shanghe)?");
    assert!(!r.stderr.contains("warning"), "the missing rows wait for a file without problems: {}", r.stderr);
    assert_eq!(records(&env), before, "a refused file writes nothing");
    std::fs::write(env.path("values.csv"), &values).unwrap();
    at(&env, feb, &["values", "submit", "--period", "2022", "--key", "keys/statistics.key", "values.csv"]).ok();
    // Submitting a value twice says a correction changes it.
    std::fs::write(env.path("again.csv"), "单位,指标,数值\n商河县,10,21\n").unwrap();
    at(&env, feb, &["values", "submit", "--period", "2022", "--key", "keys/statistics.key", "again.csv"])
        .refused("change it with a correction");
    at(
        &env,
        feb,
        &[
            "values",
            "correct",
            "--period",
            "2022",
            "--unit",
            "商河",
            "--indicator",
            "10",
            "--value",
            "21.0",
            "--reason",
            "payroll recount",
            "--key",
            "keys/statistics.key",
        ],
    )
    .ok();
    let status = at(&env, feb, &["period", "status", "--period", "2022", "--json"]).ok().json();
    assert_eq!(status["missing"], 0, "{status}");
    at(&env, "2023-02-20T09:00:00+08:00", &["values", "verify", "--period", "2022", "--key", "keys/assessment.key"])
        .ok();

    // Publication: objections until the end of 15 March, Beijing time.
    let mar1 = "2023-03-01T09:00:00+08:00";
    at(
        &env,
        mar1,
        &["period", "publish", "--period", "2022", "--window-until", "2023-03-15", "--key", "keys/assessment.key"],
    )
    .ok();
    let objection = |now: &str, key: &str, unit: &str| {
        at(
            &env,
            now,
            &[
                "objection",
                "file",
                "--period",
                "2022",
                "--unit",
                unit,
                "--indicator",
                "10",
                "--claim",
                "研发人员统计口径有误",
                "--proposed-value",
                "30.0",
                "--key",
                key,
            ],
        )
    };
    let late_night = "2023-03-15T23:30:00+08:00"; // 15:30 UTC: still 15 March in Jinan
    objection(late_night, "keys/shanghe.key", "历下区").refused("speaks for unit shanghe");
    let filed = objection(late_night, "keys/shanghe.key", "商河县").ok();
    assert!(filed.stdout.contains("obj-2022-1"), "{}", filed.stdout);
    // Sixteen minutes past midnight in Jinan is still 15 March in UTC: too late.
    objection("2023-03-16T00:16:00+08:00", "keys/shanghe.key", "商河县").refused("2023-03-15 23:59:59 +08:00");
    let mar18 = "2023-03-18T09:00:00+08:00";
    at(
        &env,
        mar18,
        &[
            "objection",
            "resolve",
            "--period",
            "2022",
            "--id",
            "obj-2022-1",
            "--upheld",
            "--corrected-value",
            "30.0",
            "--reason",
            "核实无误",
            "--key",
            "keys/assessment.key",
        ],
    )
    .ok();
    // The scores as published, read with a bare date in Beijing time.
    let published = at(&env, mar18, &["scores", "--period", "2022", "--as-of", "2023-03-05", "--json"]).ok().json();
    let finalise = at(
        &env,
        "2023-03-20T09:00:00+08:00",
        &["period", "finalize", "--period", "2022", "--key", "keys/assessment.key"],
    );
    finalise.ok();
    let board = at(&env, mar18, &["scores", "--period", "2022", "--json"]).ok().json();
    assert_ne!(published["projection_hash"], board["projection_hash"], "the upheld objection changed the scores");
    let unit = |id: &str| board["units"].as_array().unwrap().iter().find(|u| u["unit"] == id).unwrap().clone();
    let (lixia, shanghe) = (unit("lixia"), unit("shanghe"));
    assert_eq!(lixia["name_zh"], "历下区");
    assert_eq!(lixia["grade"], "excellent", "{lixia}");
    assert_eq!(shanghe["grade"], "poor", "{shanghe}");
    let kinds = |u: &Value| -> Vec<String> {
        u["consequences"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(kinds(&lixia), ["policy_preference", "fiscal_reward"]);
    assert_eq!(kinds(&shanghe), ["public_notice"]);
    let amount = lixia["consequences"][1]["amount"].as_str().unwrap().to_owned();

    // The consequences, recorded by the authority, answered by the unit.
    let apr = "2023-04-01T09:00:00+08:00";
    let auth = "keys/authority.key";
    assert_eq!(at(&env, apr, &["audit"]).code, 1, "the due consequences are not recorded yet");
    #[rustfmt::skip]
    let decisions: [&[&str]; 3] = [
        &["decision", "reward", "--period", "2022", "--unit", "历下区", "--kind", "policy-preference", "--basis", "C1: excellent", "--key", auth],
        &["decision", "reward", "--period", "2022", "--unit", "Lixia", "--kind", "fiscal-reward", "--amount", &amount, "--basis", "C2", "--key", auth],
        &["decision", "action", "--period", "2022", "--unit", "商河县", "--kind", "public-notice", "--id", "notice-1", "--basis", "C3.1: poor", "--key", auth],
    ];
    for args in decisions {
        at(&env, apr, args).ok();
    }
    let rectify = |key: &str| {
        at(
            &env,
            apr,
            &[
                "decision",
                "rectify",
                "--period",
                "2022",
                "--action",
                "notice-1",
                "--text",
                "整改方案已报送",
                "--key",
                key,
            ],
        )
    };
    rectify("keys/lixia.key").refused("speaks for unit lixia");
    rectify("keys/shanghe.key").ok();
    let audit = at(&env, apr, &["audit"]).ok();
    assert!(audit.stdout.starts_with("ok:"), "{}", audit.stdout);

    // An inspector with only the root public key: intact, no warnings.
    let v = env.run(&["verify", "--trust", "keys/root.pub"]).ok();
    assert!(v.stdout.starts_with("ok:"), "{}", v.stdout);
    assert!(!v.stderr.contains("warning"), "{}", v.stderr);

    // Who did what: the value's provenance names each office.
    let e = env.run(&["explain", "--period", "2022", "--unit", "商河县", "--indicator", "10", "--json"]).ok().json();
    let steps: Vec<(String, String)> = e["indicators"][0]["provenance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_str().unwrap().to_owned(), s["office"].as_str().unwrap_or("").to_owned()))
        .collect();
    let expected = [
        ("target assigned", "济南市人民政府 (city authority)"),
        ("submitted", "济南市统计局"),
        ("corrected", "济南市统计局"),
        ("verified", "济南市考核办"),
        ("published", "济南市考核办"),
        ("objection filed", "商河县"),
        ("objection upheld", "济南市考核办"),
        ("finalized", "济南市考核办"),
    ];
    assert_eq!(steps, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    assert_eq!(e["indicators"][0]["value"], "30.0");
    // The log, filtered as an inspector asks.
    let log = env.run(&["log", "--unit", "商河县", "--signer", "统计局", "--json"]).ok().json();
    let types: Vec<&str> = log["records"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(types.len(), INDICATORS + 1, "{types:?}");
    assert_eq!(types.last(), Some(&"measurement_corrected"));
    let text = env.run(&["log", "--period", "2022", "--type", "rectification_submitted"]).ok().stdout;
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("2023-04-01 09:00:00 +08:00") && text.contains("(商河县)"), "{text}");
}

#[test]
fn a_period_shows_its_units_as_they_were_then() {
    let env = Env::new();
    env.keygen("root");
    env.keygen("authority");
    let now = "2018-01-05T09:00:00+08:00";
    at(&env, now, &["init", "--origin", "test.example/jinan", "--key", "keys/root.key"]).ok();
    let authorize = ["key", "authorize", "--key", "keys/root.key", "--pub", "keys/authority.pub", "--holder", "City"];
    at(&env, now, &[&authorize[..], &["--role", "authority"]].concat()).ok();
    for what in ["catalog", "units", "policy"] {
        at(&env, now, &["adopt", what, "--key", "keys/authority.key"]).ok();
    }
    at(&env, now, &["period", "open", "--period", "2017", "--key", "keys/authority.key"]).ok();
    let units = env.run(&["units", "--period", "2017", "--json"]).ok().json();
    let jiyang = units["units"].as_array().unwrap().iter().find(|u| u["id"] == "jiyang").unwrap().clone();
    assert_eq!((jiyang["name_zh"].as_str(), jiyang["kind"].as_str()), (Some("济阳县"), Some("county")), "{jiyang}");
    assert_eq!(jiyang["current"]["name_zh"], "济阳区");
    let board = env.run(&["scores", "--period", "2017", "--json"]).ok().json();
    let row = board["units"].as_array().unwrap().iter().find(|u| u["unit"] == "jiyang").unwrap().clone();
    assert_eq!((row["name"].as_str(), row["name_zh"].as_str()), (Some("Jiyang County"), Some("济阳县")), "{row}");
    assert_eq!(row["kind"], "county");
    let text = env.run(&["scores", "--period", "2017"]).ok().stdout;
    assert!(text.contains("济阳县 Jiyang County"), "{text}");
}

#[test]
fn the_readme_walkthrough_script_runs() {
    let env = Env::new();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ledger/examples/walkthrough.sh");
    let out = std::process::Command::new("sh")
        .arg(&script)
        .arg(env.path("rehearsal"))
        .env("LEDGER", env!("CARGO_BIN_EXE_ledger"))
        .env("LEDGER_CACHE", env.cache.path())
        .env_remove("LEDGER_DB")
        .env_remove("LEDGER_NOW")
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("ok: every recorded reward and accountability action in 1 period(s)"), "{stdout}");
    assert!(stdout.contains("objection upheld   value 30.0"), "{stdout}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

/// Process assessment from the command line: the policy's version 2 (with
/// a process component), a monitoring round, in-year values from CSV (one
/// late, one corrected), supervision findings (one closed, one left open
/// past its date); `status` and `explain` show them; refusals change nothing.
#[test]
fn monitoring_rounds_and_supervision_from_the_command_line() {
    let jan = "2023-01-05T09:00:00+08:00";
    let env = offices_at(jan, &[]);
    for what in ["catalog", "units"] {
        at(&env, jan, &["adopt", what, "--key", "keys/authority.key"]).ok();
    }
    let v2 = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ledger/policy-2022.json");
    at(&env, jan, &["adopt", "policy", v2.to_str().unwrap(), "--key", "keys/authority.key"]).ok();
    at(&env, jan, &["period", "open", "--period", "2023", "--units", "历下区,商河县", "--key", "keys/authority.key"])
        .ok();
    let a = "keys/assessment.key";
    at(
        &env,
        jan,
        &[
            "period",
            "open-round",
            "--period",
            "2023",
            "--round",
            "2023-Q1",
            "--due",
            "2023-04-15",
            "--indicators",
            "9,年度新增企业数",
            "--key",
            a,
        ],
    )
    .ok();
    // An unknown round refuses the whole file, and names the rounds there are.
    let before = records(&env);
    std::fs::write(env.path("q1.csv"), "单位,指标,数值\n历下区,9,410\n历下区,14,1.25\n商河县,9,12\n").unwrap();
    let apr = "2023-04-15T23:59:59+08:00";
    let s = "keys/statistics.key";
    at(&env, apr, &["values", "submit", "--period", "2023", "--round", "2023-Q9", "--key", s, "q1.csv"])
        .refused("2023-Q9");
    // An indicator the round does not ask for names the row.
    std::fs::write(env.path("bad.csv"), "单位,指标,数值\n历下区,1,41\n").unwrap();
    at(&env, apr, &["values", "submit", "--period", "2023", "--round", "2023-Q1", "--key", s, "bad.csv"])
        .refused("bad.csv, row 2: round: round 2023-Q1 asks for indicators 9, 14, not 1");
    assert_eq!(records(&env), before, "refused files write nothing");
    at(&env, apr, &["values", "submit", "--period", "2023", "--round", "2023-Q1", "--key", s, "q1.csv"]).ok();
    // Shanghe's second value arrives a second after the end of the due date (Beijing time).
    std::fs::write(env.path("late.csv"), "单位,指标,数值\n商河县,14,0.10\n").unwrap();
    at(
        &env,
        "2023-04-16T00:00:00+08:00",
        &["values", "submit", "--period", "2023", "--round", "2023-Q1", "--key", s, "late.csv"],
    )
    .ok();
    // The annual value is not touched; a round's value is corrected in its round.
    let may = "2023-05-10T09:00:00+08:00";
    at(
        &env,
        may,
        &[
            "values",
            "correct",
            "--period",
            "2023",
            "--unit",
            "商河",
            "--indicator",
            "9",
            "--value",
            "10",
            "--reason",
            "x",
            "--key",
            s,
        ],
    )
    .refused("no current value for indicator 9 in period 2023");
    at(
        &env,
        may,
        &[
            "values",
            "correct",
            "--period",
            "2023",
            "--round",
            "2023-Q1",
            "--unit",
            "商河",
            "--indicator",
            "9",
            "--value",
            "13",
            "--reason",
            "重复统计",
            "--key",
            s,
        ],
    )
    .ok();
    // Verified and returned like annual values, by round.
    let v = at(
        &env,
        may,
        &["values", "verify", "--period", "2023", "--round", "2023-Q1", "--unit", "历下区", "--key", a, "--json"],
    )
    .ok()
    .json();
    assert_eq!(v["appended"], 2, "{v}");
    at(&env, may, &["values", "verify", "--period", "2023", "--round", "2023-Q7", "--key", a])
        .refused("rounds: 2023-Q1");
    at(
        &env,
        may,
        &[
            "values",
            "return",
            "--period",
            "2023",
            "--round",
            "2023-Q1",
            "--unit",
            "历下区",
            "--indicator",
            "9",
            "--reason",
            "x",
            "--key",
            a,
        ],
    )
    .refused("was verified");
    // Supervision: an unassessed unit is refused; a finding closed in time; one left open.
    let sup = |unit: &str, due: &str| {
        vec![
            "supervision",
            "record",
            "--period",
            "2023",
            "--unit",
            unit,
            "--severity",
            "major",
            "--text",
            "台账不全",
            "--follow-up-due",
            due,
            "--key",
            a,
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<String>>()
    };
    let gaoxin = sup("高新区", "2023-06-30");
    at(&env, may, &args(&gaoxin)).refused("not assessed in period 2023");
    at(&env, may, &args(&sup("商河县", "2023-06-30"))).ok();
    at(&env, may, &args(&sup("历下区", "2023-06-30"))).ok();
    at(
        &env,
        "2023-06-20T09:00:00+08:00",
        &["supervision", "close", "--period", "2023", "--finding", "sup-2023-2", "--text", "已整改", "--key", a],
    )
    .ok();
    at(
        &env,
        "2023-06-21T09:00:00+08:00",
        &["supervision", "close", "--period", "2023", "--finding", "sup-2023-9", "--text", "x", "--key", a],
    )
    .refused("findings: sup-2023-1, sup-2023-2");
    // Time passes (a later record): Shanghe's finding is overdue.
    at(
        &env,
        "2023-07-02T09:00:00+08:00",
        &[
            "period",
            "open-round",
            "--period",
            "2023",
            "--round",
            "2023-Q2",
            "--due",
            "2023-07-15",
            "--indicators",
            "9",
            "--key",
            a,
        ],
    )
    .ok();

    let status = env.run(&["period", "status", "--period", "2023", "--json"]).ok().json();
    let unit = |u: &str| status["process"].as_array().unwrap().iter().find(|x| x["unit"] == u).unwrap().clone();
    let shanghe = unit("shanghe");
    let states: Vec<&str> =
        shanghe["reports"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(states, ["on_time", "late", "not_due"], "{shanghe:#}");
    assert_eq!(shanghe["findings"][0]["status"], "overdue");
    assert_eq!(shanghe["counts"]["reports_due"], 2);
    assert_eq!(shanghe["counts"]["reports_on_time"], 1);
    assert_eq!(shanghe["counts"]["findings_overdue"], 1);
    assert_eq!(unit("lixia")["findings"][0]["status"], "closed");
    let text = env.run(&["period", "status", "--period", "2023", "--unit", "商河县"]).ok().stdout;
    assert!(text.contains("reports on time  1  late  1  missing  0  not due  1"), "{text}");
    assert!(text.contains("2023-Q1 14 late"), "{text}");
    assert!(text.contains("sup-2023-1 major overdue, follow-up due 2023-06-30"), "{text}");
    // the score: Q1 = 6 x 1/2 = 3.00, Q2 = 4 - 2 x 1 = 2.00
    let board = env.run(&["scores", "--period", "2023", "--json"]).ok().json();
    let row = board["units"].as_array().unwrap().iter().find(|u| u["unit"] == "shanghe").unwrap();
    let parts: Vec<String> = row["process"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}={}", p["id"].as_str().unwrap(), p["score"].as_str().unwrap()))
        .collect();
    assert_eq!(parts, ["Q1=3.00", "Q2=2.00"]);
    let text = env.run(&["scores", "--period", "2023"]).ok().stdout;
    assert!(text.contains("process Q1+Q2") && text.contains("3.00 + 2.00"), "{text}");
    let explain = env.run(&["explain", "--period", "2023", "--unit", "商河县"]).ok().stdout;
    assert!(explain.contains("process component (过程考核):"), "{explain}");
    assert!(
        explain.contains("1 of 2 in-year report(s) arrived by their round's due date: 6 x 1 / 2 -> 3.00"),
        "{explain}"
    );
    assert!(explain.contains("supervision_recorded  by 济南市考核办"), "{explain}");
    // A finding about Lixia falls due after the latest record and before the
    // publication: the publication attests it overdue (as of its own time),
    // and the attested result no longer moves.
    let jul = "2023-07-02T10:00:00+08:00";
    at(&env, jul, &args(&sup("历下区", "2023-07-05"))).ok();
    let published = at(
        &env,
        "2023-07-20T09:00:00+08:00",
        &["period", "publish", "--period", "2023", "--window-until", "2023-08-05", "--allow-incomplete", "--key", a],
    )
    .ok();
    assert!(published.stdout.contains("scores_published: projection hash"), "{}", published.stdout);
    let board = env.run(&["scores", "--period", "2023", "--json"]).ok().json();
    let lixia = board["units"].as_array().unwrap().iter().find(|u| u["unit"] == "lixia").unwrap();
    assert_eq!(lixia["process"][1]["score"], "2.00", "{lixia:#}");
    at(
        &env,
        "2023-07-21T09:00:00+08:00",
        &["supervision", "close", "--period", "2023", "--finding", "sup-2023-3", "--text", "已整改", "--key", a],
    )
    .ok();
    let again = env.run(&["scores", "--period", "2023", "--json"]).ok().json();
    assert_eq!(again["projection_hash"], board["projection_hash"]);
    env.run(&["verify", "--trust", "keys/root.pub"]).ok();
}
