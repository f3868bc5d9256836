//! Hostile input refused, with a message naming what and where, and nothing
//! written (issue 13): duplicate JSON keys, oversized events, a CSV quote
//! never closed, a witness given a garbage proof.

use crate::support::{Env, demo_env};
use crate::tlog::{checkpoint, with_log};

#[test]
fn a_key_twice_in_an_event_is_refused_at_any_depth() {
    let env = Env::with_ledger();
    let before = env.db_bytes();
    for (line, key) in [
        (r#"{"stream":"a","stream":"b","type":"note","data":{"text":"x"}}"#, "stream"),
        (r#"{"stream":"a","type":"note","data":{"text":"x","text":"y"}}"#, "text"),
        (r#"{"stream":"a","type":"note","data":{"text":"x"},"data":{"text":"y"}}"#, "data"),
    ] {
        env.append("root", &format!("{line}\n"))
            .refused(&format!("line 1: not valid JSON: the key \"{key}\" appears twice"));
    }
    assert_eq!(env.db_bytes(), before);
}

#[test]
fn an_event_over_a_mebibyte_is_refused_before_anything_is_decided() {
    let env = Env::with_ledger();
    let before = env.db_bytes();
    let big =
        format!("{{\"stream\":\"a\",\"type\":\"note\",\"data\":{{\"text\":\"{}\"}}}}\n", "x".repeat(1024 * 1024 + 10));
    let lines = format!("{{\"stream\":\"a\",\"type\":\"note\",\"data\":{{\"text\":\"small\"}}}}\n{big}");
    env.append("root", &lines).refused("line 2: the event is 1048633 bytes, more than the 1024 KiB an event may hold");
    assert_eq!(env.db_bytes(), before);
}

#[test]
fn a_csv_quote_never_closed_is_refused_with_its_line() {
    let env = demo_env();
    let before = env.db_bytes();
    std::fs::write(
        env.path("v.csv"),
        "unit,indicator,value,note\nlixia,1,25.6,\"fine\"\nlaiwu,2,18,\"never closed\nlixia,3,12,x\n",
    )
    .unwrap();
    env.run(&["values", "submit", "--key", "keys/statistics.key", "--period", "2022", "v.csv"])
        .refused("v.csv, row 3: a quoted field is never closed");
    assert_eq!(env.db_bytes(), before);
}

#[test]
fn a_witness_refuses_a_proof_file_it_cannot_read_whatever_the_sizes() {
    let env = with_log();
    env.keygen("w1");
    checkpoint(&env, "cp1.txt");
    env.run(&["cosign", "--key", "keys/w1.key", "--state", "w1.state", "cp1.txt"]).ok();
    std::fs::write(env.path("garbage.txt"), "this is not a proof\n").unwrap();
    // The same checkpoint again needs no proof; a garbage one is still refused.
    let r = env.run(&["cosign", "--key", "keys/w1.key", "--state", "w1.state", "--proof", "garbage.txt", "cp1.txt"]);
    assert_eq!(r.code, 2, "a garbage proof was accepted:\n{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("garbage.txt is not a consistency proof"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "a cosignature was printed: {}", r.stdout);
    // So is one given on first sight, with no earlier checkpoint to prove from.
    let r = env.run(&["cosign", "--key", "keys/w1.key", "--proof", "garbage.txt", "cp1.txt"]);
    assert_eq!(r.code, 2, "a garbage proof was accepted on first sight:\n{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "a cosignature was printed: {}", r.stdout);
}

#[test]
fn a_cut_or_scribbled_file_ends_every_read_without_a_panic() {
    let env = demo_env();
    let whole = std::fs::read(env.db()).unwrap();
    let limit = std::time::Duration::from_secs(60);
    let cases: Vec<(String, Vec<u8>)> = [50, 90]
        .iter()
        .map(|pct| (format!("cut to {pct}%"), whole[..whole.len() * pct / 100].to_vec()))
        .chain((1..=3).map(|i| {
            // a few bytes changed, spread over the file (deterministic)
            let mut b = whole.clone();
            for j in 0..4 {
                let at = (i * 7919 + j * 104_729) * 31 % b.len();
                b[at] ^= 0x5a;
            }
            (format!("scribbled #{i}"), b)
        }))
        .collect();
    for (what, bytes) in cases {
        std::fs::write(env.db(), &bytes).unwrap();
        env.forget_cache();
        for args in [&["log", "--json"][..], &["verify"], &["scores", "--period", "2022"]] {
            let (code, stderr) = crate::security::run_within(&env, args, limit);
            assert!(!stderr.contains("panicked"), "{what}: {args:?}: {stderr}");
            assert!((0..=2).contains(&code), "{what}: {args:?} exited {code}: {stderr}");
            if what.starts_with("cut") && args == ["verify"] {
                assert_ne!(code, 0, "{what}: verify passed a file whose records were cut");
            }
        }
    }
}
