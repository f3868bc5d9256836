//! The conventions of the command line itself: `--version`, shell
//! completions and manual pages generated from the grammar.

use crate::support::Env;

#[test]
fn the_version_names_the_commit_and_the_formats() {
    let env = Env::new();
    let out = env.run(&["--version"]).ok().stdout;
    assert!(out.starts_with("ledger 0.0.0 (commit "), "{out}");
    assert!(out.contains("; record format 1, store schema 1)"), "{out}");
    let commit = out.split("commit ").nth(1).unwrap().split(';').next().unwrap();
    assert!(commit == "unknown" || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())), "{commit}");
}

#[test]
fn completions_for_every_shell_know_the_commands() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = env.run(&["completions", shell]).ok().stdout;
        for word in ["report", "scores", "all-periods", "allow-unverified"] {
            assert!(script.contains(word), "{shell}: {word}");
        }
    }
    env.run(&["completions", "tcsh"]).refused("invalid value 'tcsh'");
    assert!(env.run(&["-q", "completions", "bash"]).ok().stdout.is_empty());
}

#[test]
fn a_manual_page_per_command() {
    let env = Env::new();
    let run = env.run(&["man", "--out", "man"]).ok();
    assert!(run.stdout.contains("manual page(s) in man"), "{}", run.stdout);
    for page in ["ledger.1", "ledger-report.1", "ledger-scores.1", "ledger-key-authorize.1", "ledger-completions.1"] {
        let text = std::fs::read_to_string(env.path("man").join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH ") && text.contains(".SH NAME"), "{page}");
    }
    let report = std::fs::read_to_string(env.path("man/ledger-report.1")).unwrap();
    assert!(report.contains("all\\-periods") && report.contains("Examples"), "options and examples");
    let top = env.run(&["man"]).ok().stdout;
    assert!(top.starts_with(".ie") && top.contains("record format 1"), "{}", &top[..200.min(top.len())]);
}

/// Columns a terminal gives `text` (Chinese characters take two).
fn columns(text: &str) -> usize {
    text.chars().map(|c| if c >= '\u{2e80}' { 2 } else { 1 }).sum()
}

#[test]
fn tables_align_chinese_names_by_their_width_on_screen() {
    let env = crate::support::demo_env();
    let catalog = env.run(&["catalog"]).ok().stdout;
    let arrows: Vec<usize> = catalog.lines().map(|l| columns(&l[..l.find(" -> ").unwrap()])).collect();
    assert!(arrows.iter().all(|a| *a == arrows[0]), "{catalog}");
    let board = env.run(&["scores", "--period", "2022"]).ok().stdout;
    let rows: Vec<&str> = board.lines().skip(2).collect();
    let grade = |l: &str| ["grade", "excellent", "good", "pass", "poor"].iter().find_map(|g| l.find(&format!("  {g}")));
    let at: Vec<usize> = rows.iter().map(|l| columns(&l[..grade(l).unwrap()])).collect();
    assert!(at.iter().all(|a| *a == at[0]), "{board}");
    let units = env.run(&["units"]).ok().stdout;
    assert!(units.contains("(functional zone)") && !units.contains("(FunctionalZone),"), "{units}");
}
