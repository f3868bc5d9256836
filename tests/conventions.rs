//! The conventions of the command line itself: `--version`, shell
//! completions, manual pages and docs/CLI.md generated from the grammar,
//! examples that parse at the end of every command's `--help`, one
//! vocabulary of options (the table of docs/CLI.md) held to by every
//! command, no group of one command, the old spellings working for one
//! release and shown nowhere, and a command-line crate without an import
//! circle.

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
    let run = env.run(&["man", "--dir", "man"]).ok();
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
            if let Some(long) = options(help).into_iter().find(|o| o.short.as_deref() == Some(flag)) {
                given.push(long.long);
            }
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

// --- one vocabulary, no group of one, the old spellings, no import circle -------

/// An option as a `--help` lists it.
#[derive(Debug, Clone, PartialEq)]
struct Opt {
    short: Option<String>,
    long: String,
    /// The value's name (`FILE` of `--out <FILE>`), `None` for a flag.
    value: Option<String>,
}

/// The options of a help text (`-o, --out <FILE>`, `--json`).
fn options(help: &str) -> Vec<Opt> {
    let lines = section(help, "Options:").into_iter().filter(|l| l.len() - l.trim_start().len() <= 6);
    lines
        .filter_map(|l| {
            let names = l.trim_start().split("  ").next().unwrap_or_default();
            let mut short = None;
            let mut long = None;
            let mut value = None;
            for part in names.split(", ") {
                let mut words = part.splitn(2, ' ');
                let name = words.next().unwrap_or_default();
                if name.starts_with("--") {
                    long = Some(name.to_owned());
                    value = words.next().map(|v| v.trim_matches(['<', '>', '.']).to_owned());
                } else if name.starts_with('-') {
                    short = Some(name.to_owned());
                }
            }
            long.map(|long| Opt { short, long, value })
        })
        .collect()
}

/// One row of the vocabulary table of docs/CLI.md.
#[derive(Debug)]
struct Word {
    short: Option<String>,
    long: String,
    /// The value names it may take (`["SEQ", "DATE"]`), empty for a flag.
    values: Vec<String>,
}

/// The vocabulary table of `ledger man --markdown`.
fn vocabulary(markdown: &str) -> Vec<Word> {
    let table = markdown.split("## The option vocabulary").nth(1).expect("docs/CLI.md states the option vocabulary");
    let rows = table.lines().skip_while(|l| !l.starts_with("| option |")).skip(2).take_while(|l| l.starts_with('|'));
    rows.map(|row| {
        let cells: Vec<&str> = row.split(" | ").collect();
        let names: Vec<&str> = cells[0].trim_start_matches("| ").split(", ").map(|n| n.trim_matches('`')).collect();
        let long = names.iter().find(|n| n.starts_with("--")).unwrap().to_string();
        let short = names.iter().find(|n| !n.starts_with("--")).map(|n| n.to_string());
        let values = if cells[1] == "(flag)" {
            Vec::new()
        } else {
            cells[1].split(" or ").map(|v| v.trim_matches('`').to_owned()).collect()
        };
        Word { short, long, values }
    })
    .collect()
}

/// Every option of every command (the root too) is in the vocabulary of
/// docs/CLI.md with its value and short name; no option is a flag in one
/// command and takes a value in another, nor takes two kinds of value
/// (unless the vocabulary says it takes either); no word of the vocabulary
/// is unused.
#[test]
fn every_option_keeps_to_the_vocabulary_of_docs_cli_md() {
    let env = Env::new();
    let words = vocabulary(&env.run(&["man", "--markdown"]).ok().stdout);
    assert!(words.len() > 100, "{words:?}");
    for must in ["--out", "--dir", "--since", "--until", "--key", "--log-key", "--log-vkey", "--json"] {
        assert!(words.iter().any(|w| w.long == must), "the vocabulary states {must}");
    }
    let mut paths = command_paths(&env);
    paths.insert(0, Vec::new());
    let mut used: std::collections::BTreeMap<String, Vec<(String, Opt)>> = Default::default();
    for path in &paths {
        let name = format!("ledger {}", path.join(" ")).trim_end().to_owned();
        for opt in options(&help(&env, path)) {
            let word = words.iter().find(|w| w.long == opt.long);
            let word = word.unwrap_or_else(|| panic!("{name}: {} is not in the vocabulary of docs/CLI.md", opt.long));
            assert_eq!(word.short, opt.short, "{name}: {} has another short name than the vocabulary's", opt.long);
            match &opt.value {
                None => assert!(
                    word.values.is_empty(),
                    "{name}: {} is a flag; the vocabulary says it takes a value",
                    opt.long
                ),
                Some(v) => assert!(
                    word.values.contains(v),
                    "{name}: {} <{v}>; the vocabulary says {:?}",
                    opt.long,
                    word.values
                ),
            }
            used.entry(opt.long.clone()).or_default().push((name.clone(), opt));
        }
    }
    for (long, uses) in &used {
        let flags: Vec<&str> = uses.iter().filter(|(_, o)| o.value.is_none()).map(|(c, _)| c.as_str()).collect();
        assert!(
            flags.is_empty() || flags.len() == uses.len(),
            "{long} is a flag in {flags:?} and takes a value elsewhere: {uses:?}"
        );
    }
    for w in &words {
        assert!(used.contains_key(&w.long), "{} is in the vocabulary of docs/CLI.md but no command takes it", w.long);
    }
}

/// A group has at least two commands; a thing's writes and its list are in
/// its group.
#[test]
fn no_command_group_has_one_command() {
    let env = Env::new();
    let paths = command_paths(&env);
    for path in &paths {
        let subs = subcommands(&help(&env, path));
        assert!(subs.len() != 1, "`ledger {}` is a group of one command: {subs:?}", path.join(" "));
    }
    for (group, list) in [("project", "list"), ("monitoring", "list"), ("key", "list"), ("period", "status")] {
        assert!(paths.iter().any(|p| p == &[group, list]), "ledger {group} {list}");
    }
}

/// Old spellings (`ledger OLD`), the new ones, on the demonstration
/// ledger: each old one prints a note naming the new one on stderr, then
/// the same stdout and exit code as the new one.
#[test]
fn the_old_spellings_still_work_and_name_the_new_ones() {
    let env = crate::support::demo_env();
    let vkey = env.run(&["key", "export", "log", "--format", "vkey"]).ok().stdout;
    std::fs::write(env.path("log.vkey"), &vkey).unwrap();
    let pairs: &[(&[&str], &[&str], &str)] = &[
        (
            &["status", "--period", "2022"],
            &["period", "status", "--period", "2022"],
            "`ledger status` is now `ledger period status`",
        ),
        (&["projects", "--json"], &["project", "list", "--json"], "`ledger projects` is now `ledger project list`"),
        (&["monitoring"], &["monitoring", "list"], "`ledger monitoring` is now `ledger monitoring list`"),
        (
            &["--db", "ledger.db", "monitoring", "--json"],
            &["monitoring", "list", "--json"],
            "is now `ledger monitoring list`",
        ),
        (
            &["log", "--from", "5", "--limit", "3"],
            &["log", "--since", "5", "--limit", "3"],
            "`ledger log --from` is now `ledger log --since`",
        ),
        (
            &["key", "export", "log", "--vkey"],
            &["key", "export", "log", "--format", "vkey"],
            "is now `ledger key export --format vkey`",
        ),
        (
            &["key", "vkey", "keys/root.pub", "--name", "w.example", "--witness"],
            &["key", "vkey", "keys/root.pub", "--name", "w.example", "--kind", "witness"],
            "`ledger key vkey --witness` is now `ledger key vkey --kind witness`",
        ),
        (
            &["scores", "--period", "2022", "--format", "json"],
            &["scores", "--period", "2022", "--json"],
            "is now `ledger scores --json`",
        ),
        (
            &["prove", "5", "--vkey", "log.vkey"],
            &["prove", "5", "--log-vkey", "log.vkey"],
            "is now `ledger prove --log-vkey`",
        ),
        (
            &["verify-values", "--period", "1999", "--key", "keys/assessment.key"],
            &["values", "verify", "--period", "1999", "--key", "keys/assessment.key"],
            "`ledger verify-values` is now `ledger values verify`",
        ),
        (
            &["reward", "grant", "--help"],
            &["decision", "reward", "--help"],
            "`ledger reward grant` is now `ledger decision reward`",
        ),
        (
            &["round", "open", "--period", "2022"],
            &["period", "open-round", "--period", "2022"],
            "`ledger round open` is now `ledger period open-round`",
        ),
        (&["help", "submit"], &["help", "values", "submit"], "`ledger submit` is now `ledger values submit`"),
        (
            &["keygen", "--out", "keys/root"],
            &["key", "generate", "--prefix", "keys/root"],
            "`ledger keygen --out` is now `ledger key generate --prefix`",
        ),
    ];
    for (old, new, note) in pairs {
        let (was, is) = (env.run(old), env.run(new));
        assert_eq!(
            (was.code, &was.stdout),
            (is.code, &is.stdout),
            "`ledger {}` and `ledger {}` differ",
            old.join(" "),
            new.join(" ")
        );
        assert!(
            was.stderr.starts_with("note: ") && was.stderr.contains(note),
            "`ledger {}`: {}",
            old.join(" "),
            was.stderr
        );
        assert!(!is.stderr.contains("note: `ledger"), "`ledger {}`: {}", new.join(" "), is.stderr);
        let after_notes: String =
            was.stderr.lines().filter(|l| !l.starts_with("note: `ledger")).map(|l| format!("{l}\n")).collect();
        assert_eq!(after_notes, is.stderr, "`ledger {}`: the same diagnostics after the note", old.join(" "));
    }
    // A new ledger from the old spellings, as before.
    let fresh = Env::new();
    fresh.run(&["keygen", "--out", "keys/root"]).ok();
    let r = fresh.run(&["init", "--origin", "x.example/l", "--key", "keys/root.key", "--roles", "keys/root.pub"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("is now `ledger init --role-table`") && r.stderr.contains("error: role table"),
        "{}",
        r.stderr
    );
    let r = fresh.run(&["export-tiles", "public"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("`ledger export-tiles DIR` is now `ledger export-tiles --dir DIR`"), "{}", r.stderr);
}

/// The old spellings are no part of the grammar: no help, completion script
/// or docs/CLI.md shows them.
#[test]
fn the_old_spellings_are_shown_nowhere() {
    let env = Env::new();
    let old_commands = [
        "keygen",
        "personal-check",
        "redact",
        "submit",
        "correct",
        "return",
        "verify-values",
        "status",
        "targets",
        "publish",
        "finalize",
        "round",
        "reward",
        "action",
        "rectify",
        "fraud",
        "projects",
        "measure",
        "land",
    ];
    let top = subcommands(&help(&env, &[]));
    for old in old_commands {
        assert!(!top.iter().any(|c| c == old), "`ledger {old}` is listed by `ledger --help`: {top:?}");
    }
    let old_options: &[(&[&str], &[&str])] = &[
        (&["verify"], &["--vkey", "--policy"]),
        (&["prove"], &["--vkey"]),
        (&["verify-proof"], &["--vkey", "--policy", "--record"]),
        (&["consistency"], &["--vkey"]),
        (&["cosign"], &["--vkey"]),
        (&["checkpoint"], &["--key"]),
        (&["witness"], &["--state", "--log"]),
        (&["key", "export"], &["--vkey", "--witness"]),
        (&["key", "vkey"], &["--witness"]),
        (&["key", "authorize"], &["--from"]),
        (&["key", "revoke"], &["--from"]),
        (&["log"], &["--from"]),
        (&["init"], &["--roles"]),
        (&["objection", "resolve"], &["--reasons"]),
        (&["project", "promote"], &["--to"]),
        (&["man"], &["--out"]),
    ];
    for (path, olds) in old_options {
        let path: Vec<String> = path.iter().map(|w| w.to_string()).collect();
        let listed = options(&help(&env, &path));
        for old in *olds {
            assert!(!listed.iter().any(|o| o.long == *old), "`ledger {} {old}` is listed by its help", path.join(" "));
        }
    }
    let scores = help(&env, &["scores".to_owned()]);
    assert!(!scores.contains("json (as --json)") && !scores.contains("- json"), "{scores}");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = env.run(&["completions", shell]).ok().stdout;
        for old in ["keygen", "personal-check", "verify-values", "log-vkey"] {
            assert_eq!(script.contains(old), old == "log-vkey", "{shell} completions and {old}");
        }
    }
    let docs = env.run(&["man", "--markdown"]).ok().stdout;
    for old in
        ["`ledger keygen", "`ledger personal-check", "verify-values", "`ledger submit", "reward grant", "--reasons"]
    {
        assert!(!docs.contains(old), "docs/CLI.md shows {old}");
    }
}

/// A usage line shows what is required: never the global `--db`, even when
/// `LEDGER_DB` (or another variable of a global option) is set.
#[test]
fn usage_lines_do_not_show_the_global_options_as_required() {
    let env = Env::new();
    let vars = [("LEDGER_MAX_CLOCK_SKEW", "2m")];
    for args in [&["scores"][..], &["period", "open", "--key", "k"], &["values", "submit", "--period", "2022"]] {
        let r = env.run_with_env(args, &vars, None);
        assert_eq!(r.code, 2, "{}", r.stderr);
        let usage = r.stderr.lines().find(|l| l.starts_with("Usage: ")).unwrap_or_else(|| panic!("{}", r.stderr));
        for global in ["--db", "--max-clock-skew", "--no-cache"] {
            assert!(!usage.contains(global), "{usage}");
        }
    }
    let no_cache = std::process::Command::new(env!("CARGO_BIN_EXE_ledger"))
        .args(["scores"])
        .env("LEDGER_NO_CACHE", "true")
        .env("LEDGER_DB", env.db())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&no_cache.stderr);
    assert!(stderr.contains("Usage: ledger scores --period <PERIOD>\n"), "{stderr}");
    // The variables still count.
    let forget = |no_cache: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ledger"))
            .arg("forget")
            .env("LEDGER_NO_CACHE", no_cache)
            .env("LEDGER_DB", env.db())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(forget("true").contains("--no-cache: this machine keeps nothing"), "LEDGER_NO_CACHE=true is --no-cache");
    assert!(!forget("false").contains("--no-cache: this machine keeps nothing"), "LEDGER_NO_CACHE=false is not");
    env.run_with_env(&["log"], &[("LEDGER_MAX_CLOCK_SKEW", "soon")], None).refused("LEDGER_MAX_CLOCK_SKEW");
}

/// The command line is one module per command group beside `ctx` (which
/// imports none of them), and no module imports one that imports it: the
/// `crate::` paths of the sources make no circle.
#[test]
fn the_command_line_has_no_import_circle() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/ledger-cli/src");
    let mut uses: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut named = std::collections::BTreeSet::new();
        // `crate::ctx::Out`, and each module of `use crate::{a, b};`.
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(list) => list[..list.find('}').unwrap()].split(',').map(str::trim).collect(),
                None => vec![rest],
            };
            for n in names {
                let n: String = n.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !n.is_empty() && n != module {
                    named.insert(n);
                }
            }
        }
        uses.insert(module, named);
    }
    let modules: Vec<String> = uses.keys().cloned().collect();
    for (module, named) in &uses {
        for n in named {
            assert!(modules.contains(n), "{module}.rs names crate::{n}, which is no module of the command line");
        }
    }
    assert!(uses["ctx"].is_empty(), "ctx.rs, the leaf, imports {:?}", uses["ctx"]);
    assert!(uses.values().all(|n| !n.contains("main")), "a module imports the crate root: {uses:?}");
    // A depth-first walk from every module finds no way back to it.
    fn reaches(
        uses: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        from: &str,
        to: &str,
        seen: &mut Vec<String>,
    ) -> bool {
        for n in &uses[from] {
            if n == to {
                return true;
            }
            if !seen.contains(n) {
                seen.push(n.clone());
                if reaches(uses, n, to, seen) {
                    return true;
                }
            }
        }
        false
    }
    for module in &modules {
        assert!(
            !reaches(&uses, module, module, &mut Vec::new()),
            "{module}.rs imports itself through {:?}",
            uses[module]
        );
    }
    // One file per command group.
    let env = Env::new();
    for group in command_paths(&env).into_iter().filter(|p| p.len() == 1 && !subcommands(&help(&env, p)).is_empty()) {
        assert!(modules.contains(&group[0]), "the group `ledger {}` has no module {}.rs", group[0], group[0]);
    }
}

/// What the engine and the service say to people (errors, hints, docs) names
/// commands by the grammar's spellings, not the old ones the CLI still
/// takes with a note.
#[test]
fn the_engine_names_no_old_spelling() {
    let old = [
        "`ledger keygen",
        "ledger submit",
        "ledger correct",
        "`ledger status",
        "ledger targets",
        "`ledger publish",
        "`ledger finalize",
        "ledger round open",
        "`ledger projects",
        "ledger measure ",
        "land report",
        "reward grant",
        "action take",
        "`ledger rectify",
        "ledger fraud determine",
        "`ledger redact",
        "personal-check",
        "verify-values",
        "checkpoint --key",
        "--vkey",
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    let mut found = Vec::new();
    for krate in ["ledger-core", "ledger-domain", "ledger-engine", "ledger-http", "ledger-tlog", "ledger-store"] {
        let mut stack = vec![root.join(krate).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (n, line) in text.lines().enumerate() {
                        for o in old.iter().filter(|o| line.contains(**o) && !line.contains("--log-vkey")) {
                            found.push(format!("{}:{}: {o}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "old spellings in the engine:\n{}", found.join("\n"));
}

/// The contents of the string literals of Rust source, each with the line
/// it starts on: what a program may say to people. Comments (doc comments
/// too) are left out, and so are character literals.
fn string_literals(source: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = source.chars().collect();
    let mut found = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        match chars[i] {
            '\n' => line += 1,
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' => {
                // A character literal ('x', '\n', '\u{..}'), not a lifetime.
                let end = if chars.get(i + 1) == Some(&'\\') {
                    (i + 2..chars.len().min(i + 12)).find(|&j| chars[j] == '\'')
                } else {
                    Some(i + 2).filter(|&j| chars.get(j) == Some(&'\''))
                };
                if let Some(end) = end {
                    i = end + 1;
                    continue;
                }
            }
            'r' if matches!(chars.get(i + 1), Some('"' | '#')) && !chars[i.saturating_sub(1)].is_alphanumeric() => {
                let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
                if chars.get(i + 1 + hashes) == Some(&'"') {
                    let (start, mut j) = (line, i + 2 + hashes);
                    let mut text = String::new();
                    while j < chars.len()
                        && !(chars[j] == '"'
                            && chars[j + 1..].iter().take(hashes).filter(|c| **c == '#').count() == hashes)
                    {
                        if chars[j] == '\n' {
                            line += 1;
                        }
                        text.push(chars[j]);
                        j += 1;
                    }
                    found.push((start, text));
                    i = j + 1 + hashes;
                    continue;
                }
            }
            '"' => {
                let (start, mut j) = (line, i + 1);
                let mut text = String::new();
                while j < chars.len() && chars[j] != '"' {
                    if chars[j] == '\\' {
                        text.push(chars[j]);
                        j += 1;
                    }
                    if chars[j] == '\n' {
                        line += 1;
                    }
                    text.push(chars[j]);
                    j += 1;
                }
                found.push((start, text));
                i = j + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

#[test]
fn string_literals_are_read_apart_from_comments_and_characters() {
    let source = "// `ledger verify`\nlet a = '\"'; let b: &'static str = \"x --y\";\n/// --z\nlet c = r#\"say \"`ledger init`\"\"#;\n";
    let found = string_literals(source);
    assert_eq!(found, vec![(2, "x --y".to_owned()), (4, "say \"`ledger init`\"".to_owned())]);
}

/// Whether text names a command of the command line or one of its options.
fn names_a_command(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.contains("`ledger ")
        || text.contains("ledger verify")
        || bytes
            .windows(3)
            .enumerate()
            .any(|(i, w)| w[0] == b'-' && w[1] == b'-' && w[2].is_ascii_lowercase() && (i == 0 || bytes[i - 1] != b'-'))
}

/// The library crates say what can be done about an error as a typed
/// `ledger_engine::Remedy` (issue 24): no message, warning or hint they
/// write names a command of the command line or an option (`--db`), which
/// only the command line renders. Their comments may.
#[test]
fn the_engine_names_no_command() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    let mut found = Vec::new();
    for krate in ["ledger-core", "ledger-domain", "ledger-engine", "ledger-tlog", "ledger-store", "ledger-score"] {
        let mut stack = vec![root.join(krate).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    // Unit tests below `#[cfg(test)]` may spell anything.
                    let text = text.split("\n#[cfg(test)]").next().unwrap_or_default();
                    for (line, literal) in string_literals(text) {
                        if names_a_command(&literal) {
                            found.push(format!("{}:{line}: {literal:?}", path.display()));
                        }
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "the library crates name commands or options:\n{}", found.join("\n"));
    assert!(names_a_command("run `ledger verify`") && names_a_command("give --log-vkey"));
    assert!(!names_a_command("-----BEGIN PUBLIC KEY-----") && !names_a_command("a - b"));
}
