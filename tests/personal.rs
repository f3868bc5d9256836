//! Personal data that can be erased without breaking verification: an
//! accountability action names an official by a salted commitment; the
//! name and salt live beside the ledger, `ledger show` shows them,
//! `ledger personal-check` proves them, `ledger redact` erases them (the
//! authority only, once), and the chain verifies before and after.

use crate::support::demo_env;

const NAME: &str = "张三丰";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every file of the ledger (the database and any log beside it).
fn ledger_bytes(env: &crate::support::Env) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-journal"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", env.db().display())) {
            all.extend(b);
        }
    }
    all
}

#[test]
fn a_named_official_is_erased_and_the_chain_still_verifies() {
    let env = demo_env();
    let auth = "keys/authority.key";
    let taken = env
        .run(&[
            "decision",
            "action",
            "--period",
            "2022",
            "--unit",
            "shanghe",
            "--kind",
            "admonition-talk",
            "--basis",
            "C3.2: poor two periods running",
            "--person-name",
            NAME,
            "--person-detail",
            "position=deputy county head",
            "--key",
            auth,
            "--json",
        ])
        .ok()
        .json();
    let seq = taken["events"][0]["seq"].as_u64().unwrap_or_else(|| panic!("{taken}"));
    let seq_arg = seq.to_string();
    env.run(&["verify", "--trust", "keys/root.pub"]).ok();

    // The record holds a commitment, never the name.
    let shown = env.run(&["show", &seq_arg, "--json"]).ok().json();
    let commitment = shown["data"]["person"].as_str().unwrap().to_owned();
    assert_eq!(commitment.len(), 64);
    assert!(!shown["data"].to_string().contains(NAME), "{shown}");
    let p = &shown["personal_data"];
    assert_eq!(p["details"]["name"], NAME);
    assert_eq!(p["details"]["position"], "deputy county head");
    assert_eq!(p["opens"], true);
    let salt = p["salt"].as_str().unwrap().to_owned();
    let details = p["details"].to_string();
    assert!(env.run(&["show", &seq_arg]).ok().stdout.contains(NAME));
    assert!(contains(&ledger_bytes(&env), NAME.as_bytes()), "the name is kept beside the ledger");

    // Whoever holds the details and the salt can prove they match.
    env.run(&["personal", "check", "--record", &seq_arg, "--details", &details, "--salt", &salt]).ok();
    let other_salt = "00".repeat(32);
    let r = env.run(&["personal", "check", "--record", &seq_arg, "--details", &details, "--salt", &other_salt]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let r = env.run(&[
        "personal",
        "check",
        "--record",
        &seq_arg,
        "--details",
        r#"{"name":"李四","position":"deputy county head"}"#,
        "--salt",
        &salt,
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);

    // Only the authority redacts, and only a record that names a person.
    env.run(&["personal", "redact", "--record", &seq_arg, "--reason", "x", "--key", "keys/assessment.key"])
        .refused("needs role authority");
    env.run(&["personal", "redact", "--record", "5", "--reason", "x", "--key", auth]).refused("names no person");
    assert_eq!(env.run(&["show", &seq_arg, "--json"]).ok().json()["personal_data"]["details"]["name"], NAME);

    env.run(&["personal", "redact", "--record", &seq_arg, "--reason", "retention period over", "--key", auth]).ok();
    let shown = env.run(&["show", &seq_arg, "--json"]).ok().json();
    assert!(shown["personal_data"]["details"].is_null(), "{shown}");
    assert!(shown["personal_data"]["salt"].is_null(), "{shown}");
    assert_eq!(shown["personal_data"]["redacted"][1], "retention period over");
    assert_eq!(shown["data"]["person"], commitment.as_str());
    assert!(!contains(&ledger_bytes(&env), NAME.as_bytes()), "the name is still in the ledger's files");
    assert!(!contains(&ledger_bytes(&env), &hex::decode(&salt).unwrap()), "the salt is still in the ledger's files");

    // Twice is refused; the chain verifies, also replayed from genesis.
    env.run(&["personal", "redact", "--record", &seq_arg, "--reason", "again", "--key", auth])
        .refused("already redacted");
    env.run(&["verify", "--trust", "keys/root.pub"]).ok();
    env.forget_cache();
    env.run(&["verify", "--trust", "keys/root.pub"]).ok();
    // Who kept the details and the salt can still prove them.
    env.run(&["personal", "check", "--record", &seq_arg, "--details", &details, "--salt", &salt]).ok();
    // A name written where the commitment goes is refused.
    let line = format!(
        "{{\"stream\":\"period/2022\",\"type\":\"accountability_action_taken\",\"data\":{{\"action\":\"a-x\",\"unit\":\"shanghe\",\"kind\":\"public_notice\",\"basis\":\"b\",\"person\":\"{NAME}\"}}}}\n"
    );
    env.run_with_input(&["append", "--key", auth], Some(line.as_bytes())).refused("person: the commitment is 64");
}

/// An accountability action naming `NAME`, taken with the authority's key:
/// its seq.
fn take_action_naming(env: &crate::support::Env) -> u64 {
    let taken = env
        .run(&[
            "decision",
            "action",
            "--period",
            "2022",
            "--unit",
            "shanghe",
            "--kind",
            "admonition-talk",
            "--basis",
            "C3.2: poor two periods running",
            "--person-name",
            NAME,
            "--key",
            "keys/authority.key",
            "--json",
        ])
        .ok()
        .json();
    taken["events"][0]["seq"].as_u64().unwrap_or_else(|| panic!("{taken}"))
}

#[test]
fn an_erasure_signed_elsewhere_erases_and_a_file_that_kept_the_data_is_repaired() {
    let env = demo_env();
    let seq = take_action_naming(&env);
    let kept: (Vec<u8>, String) = {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        conn.query_row("SELECT salt, details FROM personal_data WHERE seq = ?1", [seq as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
    };
    // The authority signs the erasure on its own machine; the ledger's
    // machine appends it as it came.
    let line = format!(
        "{{\"stream\":\"personal-data\",\"type\":\"personal_data_redacted\",\"data\":{{\"record\":{seq},\"reason\":\"retention period over\"}}}}\n"
    );
    let signed = env
        .run_with_input(&["sign", "--key", "keys/authority.key", "--copy", "ledger.db"], Some(line.as_bytes()))
        .ok()
        .stdout;
    std::fs::write(env.path("erasure.jsonl"), signed).unwrap();
    env.run(&["append", "--signed", "erasure.jsonl"]).ok();
    assert!(!contains(&ledger_bytes(&env), NAME.as_bytes()), "an erasure signed elsewhere erased nothing");
    let shown = env.run(&["show", &seq.to_string(), "--json"]).ok().json();
    assert!(
        shown["personal_data"]["details"].is_null() && !shown["personal_data"]["erasure_pending"].as_bool().unwrap()
    );

    // A file written by a version that did not carry such erasures out
    // still holds the row: verify says so, show hides it, repair erases it.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute(
        "INSERT INTO personal_data (seq, salt, details) VALUES (?1, ?2, ?3)",
        rusqlite::params![seq as i64, kept.0, kept.1],
    )
    .unwrap();
    drop(conn);
    let verified = env.run(&["verify", "--trust", "keys/root.pub"]).ok();
    assert!(verified.stderr.contains("the erasure was not carried out here"), "{}", verified.stderr);
    assert!(verified.stderr.contains("ledger repair --erase-redacted"), "{}", verified.stderr);
    let shown = env.run(&["show", &seq.to_string()]).ok().stdout;
    assert!(shown.contains("BUT THIS FILE STILL HOLDS THE DETAILS") && !shown.contains(NAME), "{shown}");
    let shown = env.run(&["show", &seq.to_string(), "--json"]).ok();
    assert!(!shown.stdout.contains(NAME) && shown.json()["personal_data"]["erasure_pending"] == true);
    let repaired = env.run(&["repair", "--erase-redacted"]).ok().stdout;
    assert!(repaired.contains(&format!("erased the personal data of record {seq}")), "{repaired}");
    assert!(!contains(&ledger_bytes(&env), NAME.as_bytes()), "repair left the name in the ledger's files");
    assert!(env.run(&["repair", "--erase-redacted"]).ok().stdout.contains("nothing to erase"));
    let verified = env.run(&["verify", "--trust", "keys/root.pub"]).ok();
    assert!(!verified.stderr.contains("not carried out"), "{}", verified.stderr);
}
