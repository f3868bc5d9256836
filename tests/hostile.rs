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
    env.run(&["submit", "--key", "keys/statistics.key", "--period", "2022", "v.csv"])
        .refused("line 3: a quoted field is never closed");
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
}
