//! The major-project library from the command line: register, promote one
//! stage at a time (a skip refused, nothing written), a demotion with its
//! reason, progress by the unit's own key, completion, evaluation, and the
//! listing with its library hash, the same after the cache is forgotten.

use crate::support::Env;

fn ledger_with_offices() -> Env {
    let env = Env::new();
    for name in ["root", "authority", "projects", "assessment", "lixia"] {
        env.keygen(name);
    }
    env.run(&["init", "--origin", "test.example/projects", "--key", "keys/root.key", "--holder", "济南市"]).ok();
    for (name, role, holder) in [
        ("authority", "authority", "济南市人民政府"),
        ("projects", "projects", "济南市发展和改革委员会"),
        ("assessment", "assessment", "济南市考核办"),
    ] {
        env.authorize(name, holder, role);
    }
    env.run(&["adopt", "units", "--key", "keys/authority.key"]).ok();
    env.run(&[
        "key",
        "authorize",
        "--key",
        "keys/root.key",
        "--pub",
        "keys/lixia.pub",
        "--holder",
        "历下区人民政府",
        "--role",
        "unit",
        "--unit",
        "历下",
        "--authority",
        "keys/authority.key",
    ])
    .ok();
    env
}

fn records(env: &Env) -> usize {
    env.run(&["log", "--json"]).ok().json()["records"].as_array().unwrap().len()
}

const COMMISSION: &str = "Jinan Development and Reform Commission";

#[test]
fn a_project_through_the_library_from_the_command_line() {
    let env = ledger_with_offices();
    let p = "keys/projects.key";
    env.run(&[
        "project",
        "register",
        "--id",
        "jn-1",
        "--name-zh",
        "新材料产业园",
        "--name-en",
        "New materials park",
        "--unit",
        "历下区",
        "--sector",
        "new materials",
        "--planned-investment",
        "200000.50",
        "--key",
        p,
    ])
    .ok();
    // bad input names the field and writes nothing
    let before = records(&env);
    let r = env.run(&[
        "project",
        "register",
        "--id",
        "jn-2",
        "--name-zh",
        "x",
        "--name-en",
        "x",
        "--unit",
        "lixia",
        "--sector",
        "x",
        "--planned-investment",
        "1e5",
        "--key",
        p,
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--planned-investment"), "{}", r.stderr);
    let r = env.run(&[
        "project",
        "register",
        "--id",
        "jn-2",
        "--name-zh",
        "x",
        "--name-en",
        "x",
        "--unit",
        "lixia",
        "--sector",
        "x",
        "--planned-investment",
        "-5",
        "--key",
        p,
    ]);
    assert!(r.stderr.contains("planned_investment: must be more than 0"), "{}", r.stderr);
    // a skip is refused with the rule, and the ledger is unchanged
    let r = env.run(&[
        "project",
        "promote",
        "--id",
        "jn-1",
        "--stage",
        "construction",
        "--basis",
        "b",
        "--approved-by",
        COMMISSION,
        "--key",
        p,
    ]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("skips a stage"), "{}", r.stderr);
    // the wrong office is refused by the kernel
    let r = env.run(&[
        "project",
        "promote",
        "--id",
        "jn-1",
        "--stage",
        "preparatory",
        "--basis",
        "b",
        "--approved-by",
        COMMISSION,
        "--key",
        "keys/assessment.key",
    ]);
    assert!(r.stderr.contains("needs role projects"), "{}", r.stderr);
    assert_eq!(records(&env), before);
    for to in ["preparatory", "construction"] {
        env.run(&[
            "project",
            "promote",
            "--id",
            "jn-1",
            "--stage",
            to,
            "--basis",
            "approval 2023-7",
            "--approved-by",
            COMMISSION,
            "--key",
            p,
        ])
        .ok();
    }
    // back a stage only as a demotion with its reason, then forward again
    let r = env.run(&[
        "project",
        "promote",
        "--id",
        "jn-1",
        "--stage",
        "preparatory",
        "--basis",
        "review",
        "--approved-by",
        COMMISSION,
        "--key",
        p,
    ]);
    assert!(r.stderr.contains("record it as a demotion"), "{}", r.stderr);
    env.run(&[
        "project",
        "promote",
        "--id",
        "jn-1",
        "--stage",
        "preparatory",
        "--basis",
        "review 2023-9",
        "--approved-by",
        COMMISSION,
        "--demotion-reason",
        "environmental approval withdrawn",
        "--key",
        p,
    ])
    .ok();
    env.run(&[
        "project",
        "promote",
        "--id",
        "jn-1",
        "--stage",
        "construction",
        "--basis",
        "approval renewed",
        "--approved-by",
        COMMISSION,
        "--key",
        p,
    ])
    .ok();
    // Lixia's own key reports its progress
    let hash = "cd".repeat(32);
    env.run(&[
        "project",
        "progress",
        "--id",
        "jn-1",
        "--period",
        "2023",
        "--investment",
        "50000.25",
        "--milestone",
        "main building topped out",
        "--evidence",
        &hash,
        "--evidence-title",
        "2023 report",
        "--key",
        "keys/lixia.key",
    ])
    .ok();
    env.run(&["project", "complete", "--id", "jn-1", "--date", "2024-06-30", "--key", p]).ok();
    env.run(&[
        "project",
        "evaluate",
        "--id",
        "jn-1",
        "--rating",
        "satisfactory",
        "--summary",
        "late, on budget",
        "--key",
        "keys/assessment.key",
    ])
    .ok();
    let r = env.run(&[
        "project",
        "evaluate",
        "--id",
        "jn-1",
        "--rating",
        "good",
        "--summary",
        "again",
        "--key",
        "keys/assessment.key",
    ]);
    assert!(r.stderr.contains("already evaluated"), "{}", r.stderr);

    let listed = env.run(&["project", "list", "--json"]).ok().json();
    let project = &listed["projects"][0];
    assert_eq!(project["id"], "jn-1");
    assert_eq!(project["unit"], "lixia");
    assert_eq!(project["stage"], "construction");
    assert_eq!(project["planned_investment"], "200000.50");
    assert_eq!(project["investment_completed"], "50000.25");
    let stages: Vec<(&str, &str)> = project["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["from"].as_str().unwrap_or("-"), s["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        stages,
        [
            ("-", "reserve"),
            ("reserve", "preparatory"),
            ("preparatory", "construction"),
            ("construction", "preparatory"),
            ("preparatory", "construction")
        ]
    );
    assert_eq!(project["stages"][3]["demotion_reason"], "environmental approval withdrawn");
    assert_eq!(project["evaluation"][1]["rating"], "satisfactory");
    let hash = listed["library_hash"].as_str().unwrap().to_owned();
    assert_eq!(hash.len(), 64);
    // the filters
    assert_eq!(
        env.run(&["project", "list", "--stage", "reserve", "--json"]).ok().json()["projects"].as_array().unwrap().len(),
        0
    );
    assert_eq!(
        env.run(&["project", "list", "--unit", "Lixia", "--json"]).ok().json()["projects"].as_array().unwrap().len(),
        1
    );
    let text = env.run(&["project", "list"]).ok().stdout;
    assert!(text.contains("DEMOTION: environmental approval withdrawn"), "{text}");
    // replayed from genesis (no cache, no snapshot trusted): the same library hash
    env.forget_cache();
    assert_eq!(env.run(&["project", "list", "--json"]).ok().json()["library_hash"], hash.as_str());
    env.run(&["verify"]).ok();
}

#[test]
fn policy_measures_and_land_use_from_the_command_line() {
    let env = ledger_with_offices();
    env.keygen("statistics");
    env.run(&[
        "key",
        "authorize",
        "--key",
        "keys/root.key",
        "--pub",
        "keys/statistics.pub",
        "--holder",
        "济南市统计局",
        "--role",
        "statistics",
    ])
    .ok();
    env.run(&[
        "monitoring",
        "register",
        "--id",
        "m-fund",
        "--title-zh",
        "设立引导基金",
        "--title-en",
        "A guidance fund",
        "--lead-office",
        "Finance Bureau",
        "--source",
        "plan line 612",
        "--due",
        "2020-12-31",
        "--key",
        "keys/authority.key",
    ])
    .ok();
    let progress = |period: &str, status: &str| {
        env.run(&[
            "monitoring",
            "progress",
            "--id",
            "m-fund",
            "--period",
            period,
            "--status",
            status,
            "--text",
            "set up",
            "--key",
            "keys/projects.key",
        ])
    };
    progress("2020", "in-progress").ok();
    progress("2020", "done").refused("already reported for 2020");
    progress("2021", "done").ok();
    progress("2022", "in-progress").refused("no later report");
    let land = |supplied: &str| {
        env.run(&[
            "monitoring",
            "land",
            "--unit",
            "历下区",
            "--period",
            "2021",
            "--supplied-ha",
            supplied,
            "--used-ha",
            "80.5",
            "--key",
            "keys/statistics.key",
        ])
    };
    land("-3").refused("supplied_ha: must not be negative");
    land("1e3").refused("--supplied-ha");
    land("120.25").ok();
    land("120.25").refused("already reported");
    let listed = env.run(&["monitoring", "list", "--json"]).ok().json();
    assert_eq!(listed["measures"][0]["status"], "done");
    assert_eq!(listed["measures"][0]["reports"].as_array().unwrap().len(), 2);
    assert_eq!(listed["land_use"][0]["unit"], "lixia");
    assert_eq!(listed["land_use"][0]["reports"][0]["report"]["supplied_ha"], "120.25");
    let hash = listed["monitoring_hash"].as_str().unwrap().to_owned();
    assert!(env.run(&["monitoring", "list"]).ok().stdout.contains("land lixia 2021: supplied 120.25 ha, used 80.5 ha"));
    env.forget_cache();
    assert_eq!(env.run(&["monitoring", "list", "--json"]).ok().json()["monitoring_hash"], hash.as_str());
}
