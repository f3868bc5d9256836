//! Progress bars: on stderr when it is a terminal (run under `script`,
//! which gives the command a pseudo-terminal), never in a pipe, never with
//! `--quiet`.

use crate::support::demo_env;
use std::process::Command;

/// Runs `ledger ARGS` on a pseudo-terminal; what the terminal showed.
fn on_a_terminal(env: &crate::support::Env, args: &str) -> Option<String> {
    let script = Command::new("script").arg("--version").output().ok()?;
    if !script.status.success() {
        return None;
    }
    let command = format!("{} --db {} --no-cache {args}", env!("CARGO_BIN_EXE_ledger"), env.db().display());
    let out = Command::new("script").args(["-qec", &command, "/dev/null"]).output().unwrap();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn bars_on_a_terminal_only() {
    let env = demo_env();
    // In a pipe (as every test runs): nothing on stderr.
    let piped = env.run(&["--no-cache", "verify"]).ok();
    assert!(piped.stderr.is_empty(), "{}", piped.stderr);
    let piped = env.run(&["--no-cache", "scores", "--period", "2022"]).ok();
    assert!(!piped.stderr.contains("replaying") && !piped.stderr.contains("verifying"), "{}", piped.stderr);
    let Some(shown) = on_a_terminal(&env, "verify") else {
        eprintln!("note: `script` (util-linux) is not installed: the terminal half of this test is skipped");
        return;
    };
    assert!(shown.contains("verifying [") && shown.contains("] "), "{shown}");
    assert!(shown.contains("ok: "), "the result still on stdout: {shown}");
    let quiet = on_a_terminal(&env, "-q verify").unwrap();
    assert!(!quiet.contains("verifying"), "{quiet}");
    let read = on_a_terminal(&env, "scores --period 2022").unwrap();
    assert!(read.contains("verifying ["), "{read}");
}
