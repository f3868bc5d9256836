//! Keys and authority from the command line, and key files that standard
//! tools (openssl) read.

use crate::support::{Env, errors};

#[test]
fn keygen_writes_a_0600_private_key_and_never_prints_it() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let r = env.run(&["key", "generate", "--prefix", "keys/office"]).ok();
    let private = std::fs::read_to_string(env.path("keys/office.key")).unwrap();
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
    let body: String = private.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!r.stdout.contains(&body) && !r.stderr.contains(&body));
    assert_eq!(std::fs::metadata(env.path("keys/office.key")).unwrap().permissions().mode() & 0o777, 0o600);
    env.run(&["key", "generate", "--prefix", "keys/office"]).refused("already exists");
    env.run(&["key", "generate", "--prefix", "keys/office.key"]).refused("has an extension");
}

#[test]
fn authorise_revoke_and_list() {
    let env = Env::with_ledger();
    env.keygen("assess");
    env.run(&[
        "key",
        "authorize",
        "--key",
        "keys/stats.key",
        "--pub",
        "keys/assess.pub",
        "--holder",
        "x",
        "--role",
        "assessment",
    ])
    .refused("only root keys may write `key_authorized`");
    env.run(&[
        "key",
        "authorize",
        "--key",
        "keys/root.key",
        "--pub",
        "keys/assess.pub",
        "--holder",
        "Assessment Office",
        "--role",
        "assessment",
        "--until",
        "2099-12-31",
    ])
    .ok();
    let list = env.run(&["key", "list", "--json"]).ok().json();
    let keys = list["keys"].as_array().unwrap();
    let stats = keys.iter().find(|k| k["holder"] == "Statistics Bureau").unwrap();
    assert_eq!(stats["status"], "active");
    assert_eq!(stats["roles"], serde_json::json!(["statistics"]));
    let id = stats["key_id"].as_str().unwrap().to_owned();
    // revoke as compromised from seq 5: the stats key's note at seq 5 becomes invalid
    env.run(&[
        "key",
        "revoke",
        "--key",
        "keys/root.key",
        &id,
        "--reason",
        "laptop stolen",
        "--compromised",
        "--since",
        "5",
    ])
    .ok();
    let (code, r) = env.verify_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(errors(&r), vec![(5, "authority".into())]);
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("laptop stolen"));
    env.append("stats", "{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"after\"}}\n")
        .refused("revoked at seq 7: laptop stolen");
    let text = env.run(&["key", "list"]).ok().stdout;
    assert!(text.contains("compromised") && text.contains("Assessment Office"), "{text}");
    env.run(&["key", "revoke", "--key", "keys/root.key", "0000000000000000", "--reason", "x"])
        .refused("no key with id");
}

#[test]
fn root_rotation_and_thresholds_from_the_command_line() {
    let env = Env::new();
    for k in ["r1", "r2", "r3", "n1", "office"] {
        env.keygen(k);
    }
    env.run(&[
        "init",
        "--origin",
        "test.example/multi",
        "--key",
        "keys/r1.key",
        "--key",
        "keys/r2.key",
        "--root",
        "keys/r3.pub",
        "--threshold",
        "2",
    ])
    .ok();
    env.run(&[
        "key",
        "authorize",
        "--key",
        "keys/r1.key",
        "--pub",
        "keys/office.pub",
        "--holder",
        "Office",
        "--role",
        "statistics",
    ])
    .refused("at least 2 of the root keys; it has 1");
    env.run(&[
        "key",
        "authorize",
        "--key",
        "keys/r1.key",
        "--cosign",
        "keys/r3.key",
        "--pub",
        "keys/office.pub",
        "--holder",
        "Office",
        "--role",
        "statistics",
    ])
    .ok();
    // one old root and the new key: not enough old signatures
    env.run(&["key", "rotate-root", "--key", "keys/r1.key", "--cosign", "keys/n1.key", "--new-root", "keys/n1.pub"])
        .refused("old root keys");
    env.run(&[
        "key",
        "rotate-root",
        "--key",
        "keys/r1.key",
        "--cosign",
        "keys/r2.key",
        "--cosign",
        "keys/n1.key",
        "--new-root",
        "keys/n1.pub",
    ])
    .ok();
    let list = env.run(&["key", "list", "--json"]).ok().json();
    assert_eq!(list["threshold"], 1);
    assert_eq!(env.verify_json(&["--trust", "keys/r1.pub"]).0, 0);
}

#[test]
fn key_files_interoperate_with_openssl() {
    // The recipe of keys/README.md, run for real when openssl is installed.
    if std::process::Command::new("openssl").arg("version").output().is_err() {
        crate::support::missing_tool("openssl", "the interoperability check of the key files");
        return;
    }
    let env = Env::with_ledger();
    let sh = |script: &str| {
        let out = std::process::Command::new("sh").arg("-ec").arg(script).current_dir(env.dir.path()).output().unwrap();
        assert!(out.status.success(), "{script}\n{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // openssl reads the private key and derives the same public key
    let derived = sh("openssl pkey -in keys/stats.key -pubout");
    assert_eq!(derived, std::fs::read_to_string(env.path("keys/stats.pub")).unwrap());
    sh("openssl pkey -pubin -in keys/stats.pub -noout");
    // check the signature of record 4 with openssl alone
    let record = env.run(&["show", "4", "--json"]).ok().json();
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let envelope: String = c.query_row("SELECT envelope FROM records WHERE seq = 4", [], |r| r.get(0)).unwrap();
    let mut message = b"assessment-ledger:event:v1\n".to_vec();
    message.extend_from_slice(envelope.as_bytes());
    std::fs::write(env.path("message.bin"), &message).unwrap();
    std::fs::write(env.path("sig.bin"), hex::decode(record["signatures"][0]["sig"].as_str().unwrap()).unwrap())
        .unwrap();
    let ok = sh("openssl pkeyutl -verify -pubin -inkey keys/stats.pub -rawin -in message.bin -sigfile sig.bin");
    assert!(ok.contains("Signature Verified Successfully"), "{ok}");
    // and a changed message fails
    message.push(b' ');
    std::fs::write(env.path("message.bin"), &message).unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("openssl pkeyutl -verify -pubin -inkey keys/stats.pub -rawin -in message.bin -sigfile sig.bin")
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn an_authority_forgery_written_into_sqlite_is_caught() {
    // The statistics bureau's key, valid and known, signs a key
    // authorisation (root only) that is inserted with raw SQL: hash, chain
    // and signature are all valid; only the authority check can tell.
    let env = Env::with_ledger();
    env.keygen("accomplice");
    let stats = ledger_keyfile::read_private(&env.path("keys/stats.key")).unwrap();
    let accomplice = ledger_keyfile::read_public(&env.path("keys/accomplice.pub")).unwrap();
    let data =
        serde_json::json!({"key": accomplice.to_hex(), "holder": "Friends of the bureau", "roles": ["authority"]});
    let seq = env.forge("keys/stats.key", "ledger", 3, "key_authorized", data, "self-service");
    assert_eq!(seq, 6);
    let (code, r) = env.verify_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(errors(&r), vec![(6, "authority".into())]);
    let message = r["errors"][0]["message"].as_str().unwrap();
    let stats_id = ledger_core::PublicKey::from(&stats).key_id().to_string();
    assert!(
        message.contains(&stats_id) && message.contains("Statistics Bureau") && message.contains("only root keys"),
        "{message}"
    );
}
