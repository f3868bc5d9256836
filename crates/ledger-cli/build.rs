//! Records the git commit the binary is built from, for `ledger --version`:
//! `LEDGER_GIT_COMMIT` is the short commit, or `unknown` when there is no
//! git or no repository (a source tarball). Reruns when HEAD or the branch
//! it names moves. (No `-dirty` mark: it would go stale, since the script
//! does not rerun on every edit.)

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn main() {
    let shown = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=LEDGER_GIT_COMMIT={shown}");
    // HEAD, the branch it points at, and packed refs, wherever this
    // checkout (or worktree) keeps them.
    for path in ["HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(&["rev-parse", "--git-path", &branch])
    {
        println!("cargo:rerun-if-changed={p}");
    }
    println!("cargo:rerun-if-changed=crates/ledger-cli/build.rs");
}
