//! Offices writing at once, and readers beside a writer: writers wait for
//! each other, readers read one consistent state (issue 13).

use crate::support::{Env, demo_env};

fn note(i: usize, j: usize) -> String {
    format!("{{\"stream\":\"notes/{i}\",\"type\":\"note\",\"data\":{{\"text\":\"note {i}.{j}\"}}}}\n")
}

#[test]
fn eight_writers_at_once_all_get_their_record_and_nothing_forks() {
    let env = Env::with_ledger();
    let before = env.verify_json(&[]).1["events"].as_u64().unwrap();
    std::thread::scope(|s| {
        for i in 0..8 {
            let env = &env;
            s.spawn(move || {
                for j in 0..5 {
                    let r = env.append("stats", &note(i, j));
                    assert_eq!(r.code, 0, "writer {i}, event {j}: {}", r.stderr);
                }
            });
        }
    });
    let (code, report) = env.verify_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["events"].as_u64().unwrap(), before + 40);
}

#[test]
fn readers_beside_a_writer_see_one_consistent_ledger() {
    let env = demo_env();
    env.run(&["verify"]).ok();
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            for j in 0..15 {
                let r = env.append("statistics", &note(99, j));
                assert_eq!(r.code, 0, "the writer: {}", r.stderr);
            }
        });
        for args in
            [&["verify"][..], &["--no-cache", "verify"], &["scores", "--period", "2022"], &["log", "--limit", "2"]]
        {
            let env = &env;
            s.spawn(move || {
                for _ in 0..4 {
                    let r = env.run(args);
                    assert_eq!(r.code, 0, "{args:?} beside a writer:\n{}\n{}", r.stdout, r.stderr);
                }
            });
        }
        writer.join().unwrap();
    });
    env.run(&["verify"]).ok();
}
