//! The conventions of the command line itself: `--version`, shell
//! completions, manual pages and docs/CLI.md generated from the grammar,
//! and examples that parse at the end of every command's `--help`.

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

// --- examples in every command's --help, and docs/CLI.md ---------------------

/// `ledger PATH... --help`, which must succeed.
fn help(env: &Env, path: &[String]) -> String {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    env.run(&args).ok().stdout
}

/// The lines of the section of `help` under `heading` (e.g. "Commands:"):
/// the indented lines up to the next line that is not (blank lines skipped).
fn section<'a>(help: &'a str, heading: &str) -> Vec<&'a str> {
    let lines = help.lines().skip_while(|l| *l != heading).skip(1);
    lines.take_while(|l| l.trim().is_empty() || l.starts_with(' ')).filter(|l| !l.trim().is_empty()).collect()
}

/// The names in a help's "Commands:" section (clap's own `help` left out).
fn subcommands(help: &str) -> Vec<String> {
    section(help, "Commands:")
        .into_iter()
        .filter(|l| l.len() - l.trim_start().len() == 2)
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every command of the grammar as its path (`["key", "authorize"]`), found
/// by walking the "Commands:" sections of `--help` from `ledger` down.
fn command_paths(env: &Env) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut queue = vec![Vec::new()];
    while let Some(path) = queue.pop() {
        for name in subcommands(&help(env, &path)) {
            let mut sub = path.clone();
            sub.push(name);
            queue.push(sub.clone());
            found.push(sub);
        }
    }
    found.sort();
    found
}

/// The usage of a help text on one line: "ledger key revoke [OPTIONS] --key <KEY> ...".
fn usage(help: &str) -> String {
    let mut lines = help.lines().skip_while(|l| !l.starts_with("Usage: "));
    let mut text = lines.next().unwrap_or_else(|| panic!("no usage in:\n{help}"))["Usage: ".len()..].to_owned();
    for more in lines.take_while(|l| l.starts_with(' ')) {
        text.push(' ');
        text.push_str(more.trim());
    }
    text
}

/// The command a usage line is of: its words before the first argument.
fn usage_path(usage: &str) -> String {
    usage.split(' ').take_while(|w| !w.starts_with(['[', '<', '-'])).collect::<Vec<_>>().join(" ")
}

/// The example command lines of a help text: the section under
/// "Examples:", a line ending in `\` joined with the next.
fn examples(help: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut pending = String::new();
    for line in section(help, "Examples:") {
        let line = line.trim();
        match line.strip_suffix('\\') {
            Some(start) => pending.push_str(start),
            None => {
                pending.push_str(line);
                lines.push(std::mem::take(&mut pending));
            }
        }
    }
    lines
}

/// The `ledger` invocations of a shell command line, each as its arguments
/// after `ledger`: the line split as sh splits words (quotes, `\`), cut at
/// an unquoted `#`, at `|`, `||`, `&&` and `;`, redirections dropped with
/// their file.
fn invocations(line: &str) -> Vec<Vec<String>> {
    #[derive(PartialEq)]
    enum Token {
        Word(String),
        Op(String),
    }
    let mut tokens = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&c) = chars.peek() else { break };
        if c == '#' {
            break;
        }
        if "|&;<>".contains(c) {
            let mut op = String::new();
            while let Some(c) = chars.next_if(|c| "|&;<>".contains(*c)) {
                op.push(c);
            }
            tokens.push(Token::Op(op));
            continue;
        }
        let mut word = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && !"|&;<>".contains(*c)) {
            match c {
                '\'' => word.extend(chars.by_ref().take_while(|c| *c != '\'')),
                '"' => {
                    while let Some(c) = chars.next() {
                        match c {
                            '"' => break,
                            '\\' => word.extend(chars.next()),
                            c => word.push(c),
                        }
                    }
                }
                '\\' => word.extend(chars.next()),
                c => word.push(c),
            }
        }
        tokens.push(Token::Word(word));
    }
    let mut commands = vec![Vec::new()];
    let mut tokens = tokens.into_iter();
    while let Some(token) = tokens.next() {
        match token {
            Token::Word(w) => commands.last_mut().unwrap().push(w),
            Token::Op(op) if op.contains(['<', '>']) => {
                tokens.next(); // the file
            }
            Token::Op(_) => commands.push(Vec::new()),
        }
    }
    commands.into_iter().filter(|c| c.first().is_some_and(|w| w == "ledger")).map(|c| c[1..].to_vec()).collect()
}

/// Whether an option of a help text takes a value: `--key <KEY>`, `-o, --out <FILE>`
/// (its description beside it, or indented below it).
fn takes_value(help: &str, flag: &str) -> Option<bool> {
    let options = section(help, "Options:").into_iter().filter(|l| l.len() - l.trim_start().len() <= 6);
    options.map(str::trim_start).find_map(|l| {
        let names = l.split("  ").next().unwrap_or_default();
        names.split(", ").find_map(|n| {
            let name = n.split(' ').next().unwrap_or_default();
            (name == flag).then(|| n.contains(" <"))
        })
    })
}

/// Checks that `args` (an example, after `ledger`) are a command line of
/// the command whose help is `help` and whose path is `path`: the words
/// that are not options or their values start with the path, every
/// option is one of the command's, every option and positional argument
/// its usage line requires is given.
fn check_arguments(what: &str, args: &[String], path: &[String], help: &str) {
    let mut words = Vec::new();
    let mut given = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg.starts_with('-') && arg.len() > 1 {
            let flag = arg.split('=').next().unwrap();
            let value = takes_value(help, flag).unwrap_or_else(|| panic!("{what}: {flag} is no option of it"));
            if value && !arg.contains('=') {
                args.next();
            }
            given.push(flag.to_owned());
        } else {
            words.push(arg.clone());
        }
    }
    assert!(words.starts_with(path), "{what}: not a `ledger {}` command line", path.join(" "));
    let positionals = words.len() - path.len();
    // What the usage requires: options outside brackets, and positional arguments.
    let usage = usage(help);
    let mut depth = 0usize;
    let mut required_positionals = 0;
    let mut previous = "";
    for word in usage.split(' ').skip(path.len() + 1) {
        let opening = word.matches('[').count();
        if depth == 0 && opening == 0 {
            if word.starts_with("--") || (word.starts_with('-') && word.len() == 2) {
                assert!(given.iter().any(|g| g == word), "{what}: {word} is required (usage: {usage})");
            } else if word.starts_with('<') && !previous.starts_with('-') {
                required_positionals += 1;
            }
        }
        depth = (depth + opening).saturating_sub(word.matches(']').count());
        previous = word;
    }
    assert!(
        positionals >= required_positionals,
        "{what}: {required_positionals} argument(s) required (usage: {usage})"
    );
}

/// Every command's `--help` ends with examples, and each example is a
/// command line its grammar accepts. Each `ledger` invocation of an example
/// is run with `--help` after it: clap parses the whole line first (an
/// unknown command or option, a value it cannot parse, one argument too
/// many are usage errors, exit 2) and then prints the help of the command
/// the line reached, without running anything. That command must be the
/// one documented (or, for `key`, `period`..., one of its subcommands) for
/// at least one example; for a command without subcommands, every option
/// and argument its usage line requires must be in that example. Not
/// checked: options that conflict with each other.
#[test]
fn every_command_has_examples_that_parse() {
    let env = Env::new();
    let paths = command_paths(&env);
    assert!(paths.len() > 50, "{paths:?}");
    for want in [&["key", "authorize"][..], &["objection", "resolve"], &["verify-proof"], &["witness"], &["man"]] {
        assert!(paths.iter().any(|p| p == want), "{want:?} not found in {paths:?}");
    }
    for path in &paths {
        let name = format!("ledger {}", path.join(" "));
        let own = help(&env, path);
        let leaf = subcommands(&own).is_empty();
        let lines = examples(&own);
        assert!(!lines.is_empty(), "`{name} --help` has no \"Examples:\" section:\n{own}");
        let mut shown = false;
        for line in &lines {
            let runs = invocations(line);
            assert!(!runs.is_empty() || !line.starts_with("ledger "), "{name}: {line}");
            for args in runs {
                let mut with_help: Vec<&str> = args.iter().map(String::as_str).collect();
                with_help.push("--help");
                let run = env.run(&with_help);
                assert_eq!(run.code, 0, "{name}: the example `{line}` does not parse:\n{}", run.stderr);
                let reached = usage_path(&usage(&run.stdout));
                if reached == name {
                    shown = true;
                    if leaf {
                        check_arguments(&format!("{name}: the example `{line}`"), &args, path, &own);
                    }
                } else if !leaf && reached.starts_with(&format!("{name} ")) {
                    shown = true;
                }
            }
        }
        assert!(shown, "`{name} --help`: no example runs {name}:\n{}", lines.join("\n"));
    }
}

#[test]
fn the_examples_check_catches_what_clap_refuses() {
    let env = Env::new();
    let line = "ledger --db ledger/demo/ledger.db scores --period 2022 > \"a b.txt\"  # the scoreboard | not a pipe";
    assert_eq!(invocations(line), vec![vec!["--db", "ledger/demo/ledger.db", "scores", "--period", "2022"]]);
    let line = r#"echo '{"a": 1}' | ledger append --key keys/s.key && ledger show 1 --json; man -l x"#;
    assert_eq!(invocations(line), vec![vec!["append", "--key", "keys/s.key"], vec!["show", "1", "--json"]]);
    assert_eq!(
        invocations(r#"ledger log --unit "商河 县" --signer \"x"#),
        vec![vec!["log", "--unit", "商河 县", "--signer", "\"x"]]
    );
    // With --help after it, clap still refuses a line it cannot parse, and runs nothing.
    for bad in [
        &["scores", "--perod", "2022"][..],
        &["completions", "tcsh"],
        &["show", "one"],
        &["show", "1", "2"],
        &["nosuch"],
    ] {
        let mut args = bad.to_vec();
        args.push("--help");
        assert_eq!(env.run(&args).code, 2, "{bad:?}");
    }
    assert!(!env.db().exists());
    let path = ["key".to_owned(), "revoke".to_owned()];
    let own = help(&env, &path);
    let args = |line: &str| invocations(line).remove(0);
    check_arguments("ok", &args("ledger key revoke abc --reason x --key k"), &path, &own);
    for missing in ["ledger key revoke --reason x --key k", "ledger key revoke abc --key k"] {
        let refused = std::panic::catch_unwind(|| check_arguments("bad", &args(missing), &path, &own));
        assert!(refused.is_err(), "{missing}");
    }
}

#[test]
fn docs_cli_md_is_generated_from_the_grammar() {
    let env = Env::new();
    let generated = env.run(&["man", "--markdown"]).ok().stdout;
    for path in command_paths(&env) {
        let heading = format!("\n## `ledger {}`\n", path.join(" "));
        assert!(generated.contains(&heading), "{heading:?} missing");
    }
    assert!(generated.contains("**Examples:**\n\n```sh\nledger report --period 2022"), "examples as code");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/CLI.md")).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/CLI.md is not what the grammar gives (a command, option or example changed): regenerate it with\n    cargo run -- man --markdown > docs/CLI.md\nand commit it"
    );
}

#[test]
fn a_test_whose_tool_is_missing_fails_in_ci_and_skips_elsewhere() {
    use crate::support::missing_tool_under;
    missing_tool_under(None, "chromium", "the browser test");
    missing_tool_under(Some("false"), "chromium", "the browser test");
    for ci in ["true", "1"] {
        let failed = std::panic::catch_unwind(|| missing_tool_under(Some(ci), "chromium", "the browser test"));
        assert!(failed.is_err(), "CI={ci}: a missing chromium passed silently");
    }
}
