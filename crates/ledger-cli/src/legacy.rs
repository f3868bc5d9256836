//! The spellings of the command line before its grammar was made one
//! (issue 24): every command path and option name that changed keeps
//! working for one release. The command line is rewritten to the new
//! spelling before clap parses it, a `note:` on stderr says which one to
//! use, and the command then runs exactly as the new one would (the same
//! parse, the same checks, the same messages). The old spellings are
//! nowhere in the grammar, so no `--help`, manual page, completion script
//! or `docs/CLI.md` shows them.
//!
//! A leaf: it reads the grammar it is given (which options take a value,
//! which words are subcommands) and imports nothing of this crate.

use std::ffi::OsString;

/// Old command paths and the new ones, longest first where they share a
/// first word. An old path that is a prefix of its new one (`monitoring`,
/// now a group with `list`) applies only when no subcommand of the group
/// follows and no help is asked for.
const COMMANDS: &[(&[&str], &[&str])] = &[
    (&["keygen"], &["key", "generate"]),
    (&["personal-check"], &["personal", "check"]),
    (&["redact"], &["personal", "redact"]),
    (&["submit"], &["values", "submit"]),
    (&["correct"], &["values", "correct"]),
    (&["return"], &["values", "return"]),
    (&["verify-values"], &["values", "verify"]),
    (&["status"], &["period", "status"]),
    (&["targets"], &["period", "targets"]),
    (&["publish"], &["period", "publish"]),
    (&["finalize"], &["period", "finalize"]),
    (&["round", "open"], &["period", "open-round"]),
    (&["round"], &["period"]),
    (&["reward", "grant"], &["decision", "reward"]),
    (&["reward"], &["decision"]),
    (&["action", "take"], &["decision", "action"]),
    (&["action", "rescind"], &["decision", "rescind"]),
    (&["action"], &["decision"]),
    (&["rectify"], &["decision", "rectify"]),
    (&["fraud", "determine"], &["decision", "fraud"]),
    (&["fraud"], &["decision"]),
    (&["projects"], &["project", "list"]),
    (&["measure", "register"], &["monitoring", "register"]),
    (&["measure", "progress"], &["monitoring", "progress"]),
    (&["measure"], &["monitoring"]),
    (&["land", "report"], &["monitoring", "land"]),
    (&["land"], &["monitoring"]),
    (&["monitoring"], &["monitoring", "list"]),
];

/// How an old option becomes a new one.
#[derive(Debug, Clone, Copy)]
enum Change {
    /// The same option under a new name: `--vkey X` is `--log-vkey X`.
    Rename(&'static str),
    /// A flag that is now a value of an option: `--witness` is `--kind witness`.
    FlagToValue(&'static str, &'static str),
    /// One value of an option that is now a flag: `--format json` is `--json`.
    ValueToFlag { value: &'static str, flag: &'static str },
    /// A positional argument that is now an option: `DIR` is `--dir DIR`.
    Positional(&'static str),
}

/// Old options, by the (new) path of the command they belong to.
const OPTIONS: &[(&[&str], &str, Change)] = &[
    (&["key", "generate"], "--out", Change::Rename("--prefix")),
    (&["key", "authorize"], "--from", Change::Rename("--since")),
    (&["key", "revoke"], "--from", Change::Rename("--since")),
    (&["key", "vkey"], "--witness", Change::FlagToValue("--kind", "witness")),
    (&["key", "export"], "--witness", Change::FlagToValue("--kind", "witness")),
    (&["key", "export"], "--vkey", Change::FlagToValue("--format", "vkey")),
    (&["init"], "--roles", Change::Rename("--role-table")),
    (&["log"], "--from", Change::Rename("--since")),
    (&["verify"], "--vkey", Change::Rename("--log-vkey")),
    (&["verify"], "--policy", Change::Rename("--witness-policy")),
    (&["checkpoint"], "--key", Change::Rename("--log-key")),
    (&["prove"], "--vkey", Change::Rename("--log-vkey")),
    (&["verify-proof"], "--vkey", Change::Rename("--log-vkey")),
    (&["verify-proof"], "--policy", Change::Rename("--witness-policy")),
    (&["verify-proof"], "--record", Change::Rename("--record-hash")),
    (&["consistency"], "--vkey", Change::Rename("--log-vkey")),
    (&["cosign"], "--vkey", Change::Rename("--log-vkey")),
    (&["export-tiles"], "DIR", Change::Positional("--dir")),
    (&["witness"], "--state", Change::Rename("--dir")),
    (&["witness"], "--log", Change::Rename("--tiles")),
    (&["objection", "resolve"], "--reasons", Change::Rename("--reason")),
    (&["project", "promote"], "--to", Change::Rename("--stage")),
    (&["scores"], "--format", Change::ValueToFlag { value: "json", flag: "--json" }),
    (&["explain"], "--format", Change::ValueToFlag { value: "json", flag: "--json" }),
    (&["man"], "--out", Change::Rename("--dir")),
];

/// A command line in the new spelling, and a note for each old spelling
/// it had.
#[derive(Debug)]
pub struct Rewritten {
    pub args: Vec<OsString>,
    pub notes: Vec<String>,
}

/// Every old command path and option name, as `ledger OLD` = `ledger NEW`
/// pairs of words (for the test in `main.rs` that holds them to the grammar).
#[cfg(test)]
pub fn spellings() -> impl Iterator<Item = (String, String)> {
    let commands = COMMANDS.iter().map(|(old, new)| (old.join(" "), new.join(" ")));
    let options = OPTIONS.iter().map(|(path, old, change)| {
        let path = path.join(" ");
        let new = match change {
            Change::Rename(n) => (*n).to_owned(),
            Change::FlagToValue(n, v) => format!("{n} {v}"),
            Change::ValueToFlag { flag, .. } => (*flag).to_owned(),
            Change::Positional(n) => format!("{n} {old}"),
        };
        let old = match change {
            Change::ValueToFlag { value, .. } => format!("{old} {value}"),
            _ => (*old).to_owned(),
        };
        (format!("{path} {old}"), format!("{path} {new}"))
    });
    commands.chain(options)
}

fn word(arg: &OsString) -> Option<&str> {
    arg.to_str()
}

fn is_option(arg: &str) -> bool {
    arg.starts_with('-') && arg.len() > 1
}

/// The argument of `command` an option token names (`--key`, `--key=K`, `-o`).
fn find_arg<'c>(command: &'c clap::Command, token: &str) -> Option<&'c clap::Arg> {
    if let Some(long) = token.strip_prefix("--") {
        let long = long.split('=').next().unwrap_or_default();
        command
            .get_arguments()
            .find(|a| a.get_long() == Some(long) || a.get_all_aliases().is_some_and(|v| v.contains(&long)))
    } else {
        let short = token.chars().nth(1)?;
        command.get_arguments().find(|a| a.get_short() == Some(short))
    }
}

/// Whether an option token is followed by its value as the next argument.
fn value_follows(command: &clap::Command, token: &str) -> bool {
    !token.contains('=')
        && (token.starts_with("--") || token.len() == 2)
        && find_arg(command, token).is_some_and(|a| a.get_action().takes_values())
}

/// Rewrites `args` (the whole command line, the program first) from old
/// spellings to new ones. `grammar` is the built command tree (global
/// options propagated to every subcommand).
pub fn rewrite(args: Vec<OsString>, grammar: &clap::Command) -> Rewritten {
    let mut notes = Vec::new();
    // The words before the first option that is not a global one: the
    // command path (and maybe the command's positional arguments).
    let mut words: Vec<usize> = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let Some(token) = word(&args[i]) else { break };
        if token == "--" {
            break;
        }
        if is_option(token) {
            match find_arg(grammar, token) {
                Some(_) if value_follows(grammar, token) => i += 2,
                Some(_) => i += 1,
                None => break,
            }
            continue;
        }
        words.push(i);
        i += 1;
    }
    let texts: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let text = |i: usize| texts[i].as_str();
    let help_first = words.first().is_some_and(|&w| text(w) == "help");
    let path_words: Vec<usize> = words.iter().copied().skip(usize::from(help_first)).collect();
    let asks_help = args.iter().filter_map(word).any(|a| a == "-h" || a == "--help") || help_first;
    let mut args = args;
    let mut typed = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut path_end = path_words.first().copied().unwrap_or(args.len());
    let matched = COMMANDS.iter().find(|(old, new)| {
        old.len() <= path_words.len()
            && old.iter().zip(&path_words).all(|(o, &i)| text(i) == *o)
            && (!new.starts_with(old) || {
                // `monitoring` stays the group when a subcommand or help follows.
                let group = subcommand(grammar, old);
                let next = path_words.get(old.len()).map(|&i| text(i));
                !asks_help && next.is_none_or(|n| group.is_none_or(|g| g.find_subcommand(n).is_none()))
            })
    });
    if let Some((old, new)) = matched {
        let at = path_words[0];
        let remove: Vec<usize> = path_words[..old.len()].to_vec();
        let mut rewritten = Vec::with_capacity(args.len() + new.len());
        for (i, arg) in args.into_iter().enumerate() {
            if i == at {
                rewritten.extend(new.iter().map(OsString::from));
            }
            if !remove.contains(&i) {
                rewritten.push(arg);
            }
        }
        args = rewritten;
        typed = old.iter().map(|w| (*w).to_owned()).collect();
        path = new.iter().map(|w| (*w).to_owned()).collect();
        path_end = at + new.len();
        notes.push(format!("`ledger {}` is now `ledger {}`", old.join(" "), new.join(" ")));
    } else {
        let mut command = grammar;
        for &i in &path_words {
            match command.find_subcommand(text(i)) {
                Some(sub) => {
                    command = sub;
                    path.push(text(i).to_owned());
                    path_end = i + 1;
                }
                None => break,
            }
        }
        typed.clone_from(&path);
    }
    let Some(command) = subcommand(grammar, &path) else { return Rewritten { args, notes } };
    let changes: Vec<(&str, Change)> =
        OPTIONS.iter().filter(|(p, _, _)| p.iter().eq(path.iter())).map(|(_, old, c)| (*old, *c)).collect();
    if changes.is_empty() {
        return Rewritten { args, notes };
    }
    let note =
        |old: &str, new: &str| format!("`ledger {} {old}` is now `ledger {} {new}`", typed.join(" "), path.join(" "));
    let mut out: Vec<OsString> = args[..path_end].to_vec();
    let mut rest = args[path_end..].iter();
    let mut positional_seen = false;
    while let Some(arg) = rest.next() {
        let Some(token) = word(arg) else {
            out.push(arg.clone());
            continue;
        };
        if token == "--" {
            out.push(arg.clone());
            out.extend(rest.cloned());
            break;
        }
        if !is_option(token) {
            if !positional_seen
                && let Some((_, Change::Positional(new))) =
                    changes.iter().find(|(_, c)| matches!(c, Change::Positional(_)))
            {
                notes.push(note("DIR", &format!("{new} DIR")));
                out.push(OsString::from(*new));
            }
            positional_seen = true;
            out.push(arg.clone());
            continue;
        }
        let (name, value) = match token.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (token, None),
        };
        let change = changes.iter().find(|(old, _)| *old == name).map(|(_, c)| *c);
        match change {
            Some(Change::Rename(new)) => {
                notes.push(note(name, new));
                let takes = find_arg(command, new).is_some_and(|a| a.get_action().takes_values());
                out.push(OsString::from(match value {
                    Some(v) => format!("{new}={v}"),
                    None => new.to_owned(),
                }));
                if takes && value.is_none() {
                    out.extend(rest.next().cloned());
                }
            }
            Some(Change::FlagToValue(new, v)) if value.is_none() => {
                notes.push(note(name, &format!("{new} {v}")));
                out.push(OsString::from(new));
                out.push(OsString::from(v));
            }
            Some(Change::ValueToFlag { value: old_value, flag }) => {
                let given = match value {
                    Some(v) => Some(OsString::from(v)),
                    None => rest.next().cloned(),
                };
                if given.as_ref().and_then(word) == Some(old_value) {
                    notes.push(note(&format!("{name} {old_value}"), flag));
                    out.push(OsString::from(flag));
                } else {
                    out.push(OsString::from(name));
                    out.extend(given);
                }
            }
            _ => {
                out.push(arg.clone());
                if value_follows(command, token) {
                    out.extend(rest.next().cloned());
                }
            }
        }
    }
    Rewritten { args: out, notes }
}

/// The command at `path` from the root, if every word is a subcommand.
fn subcommand<'c, S: AsRef<str>>(grammar: &'c clap::Command, path: &[S]) -> Option<&'c clap::Command> {
    path.iter().try_fold(grammar, |c, w| c.find_subcommand(w.as_ref()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn grammar() -> clap::Command {
        let mut c = clap::Command::new("ledger")
            .arg(clap::Arg::new("db").long("db").global(true))
            .arg(clap::Arg::new("quiet").short('q').long("quiet").global(true).action(clap::ArgAction::SetTrue))
            .subcommand(clap::Command::new("values").subcommand(
                clap::Command::new("submit").arg(clap::Arg::new("period").long("period")).arg(clap::Arg::new("file")),
            ))
            .subcommand(
                clap::Command::new("verify")
                    .arg(clap::Arg::new("log-vkey").long("log-vkey"))
                    .arg(clap::Arg::new("text").long("text")),
            )
            .subcommand(clap::Command::new("export-tiles").arg(clap::Arg::new("dir").long("dir")))
            .subcommand(
                clap::Command::new("scores")
                    .arg(clap::Arg::new("format").long("format"))
                    .arg(clap::Arg::new("json").long("json").action(clap::ArgAction::SetTrue)),
            )
            .subcommand(
                clap::Command::new("monitoring")
                    .subcommand(clap::Command::new("list"))
                    .subcommand(clap::Command::new("land")),
            )
            .subcommand(
                clap::Command::new("key").subcommand(
                    clap::Command::new("export")
                        .arg(clap::Arg::new("kind").long("kind"))
                        .arg(clap::Arg::new("format").long("format")),
                ),
            );
        c.build();
        c
    }

    fn run(line: &str) -> (String, Vec<String>) {
        let args = std::iter::once("ledger").chain(line.split(' ')).map(OsString::from).collect();
        let r = rewrite(args, &grammar());
        let words: Vec<String> = r.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        (words[1..].join(" "), r.notes)
    }

    #[test]
    fn old_paths_become_new_ones_around_global_options() {
        let (line, notes) = run("--db x.db submit --period 2022 v.csv");
        assert_eq!(line, "--db x.db values submit --period 2022 v.csv");
        assert_eq!(notes, ["`ledger submit` is now `ledger values submit`"]);
        assert_eq!(
            run("-q values submit --period 2022 v.csv"),
            ("-q values submit --period 2022 v.csv".into(), vec![])
        );
        assert_eq!(run("help submit").0, "help values submit");
    }

    #[test]
    fn old_options_become_new_ones_and_values_stay_values() {
        let (line, notes) = run("verify --text submit --vkey log.vkey");
        assert_eq!(line, "verify --text submit --log-vkey log.vkey");
        assert_eq!(notes, ["`ledger verify --vkey` is now `ledger verify --log-vkey`"]);
        assert_eq!(run("verify --vkey=a").0, "verify --log-vkey=a");
        assert_eq!(run("export-tiles public/").0, "export-tiles --dir public/");
        assert_eq!(run("export-tiles --dir public/").1.len(), 0);
        assert_eq!(run("scores --format json").0, "scores --json");
        assert_eq!(run("scores --format=csv").0, "scores --format csv");
        assert_eq!(run("key export log --vkey --witness").0, "key export log --format vkey --kind witness");
    }

    #[test]
    fn a_group_that_was_a_command_stays_a_group_when_asked_for_one() {
        assert_eq!(run("monitoring --json").0, "monitoring list --json");
        assert_eq!(run("monitoring land").0, "monitoring land");
        assert_eq!(run("monitoring --help").0, "monitoring --help");
        assert_eq!(run("land report").0, "monitoring land");
    }

    #[test]
    fn every_old_spelling_names_a_new_one() {
        assert!(spellings().count() > 40);
        assert!(spellings().any(|(old, new)| old == "verify --vkey" && new == "verify --log-vkey"));
    }
}
