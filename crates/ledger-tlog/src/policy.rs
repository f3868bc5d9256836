//! C2SP `tlog-policy`: which logs and witnesses a verifier trusts, and the
//! quorum of witnesses a checkpoint must carry to be accepted.
//!
//! ```text
//! log <vkey> [<url>]
//! witness <name> <vkey> [<url>]
//! group <name> all|any|<k> <name>...
//! quorum <name>|none
//! ```
//!
//! Lines are separated by newlines, items by spaces and tabs; blank lines
//! and lines starting with `#` are ignored. A group or the quorum names only
//! witnesses and groups defined on earlier lines; each name is a member of
//! one group at most once; exactly one quorum line; no two logs and no two
//! witnesses share a public key. Names are opaque bytes (no Unicode
//! folding).

use crate::cosignature::VerifiedCosignature;
use crate::note::{KeyType, Verifier};
use std::collections::HashMap;

/// Bounds, well above the specification's recommended minimum of 32 each.
pub const MAX_LOGS: usize = 256;
/// See [`MAX_LOGS`].
pub const MAX_WITNESSES: usize = 256;
/// See [`MAX_LOGS`].
pub const MAX_GROUPS: usize = 256;

/// A parsed policy.
#[derive(Debug, Clone)]
pub struct Policy {
    logs: Vec<Verifier>,
    witnesses: Vec<(String, Verifier)>,
    groups: Vec<Group>,
    quorum: Quorum,
}

#[derive(Debug, Clone)]
struct Group {
    name: String,
    threshold: usize,
    members: Vec<Member>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member {
    Witness(usize),
    Group(usize),
}

#[derive(Debug, Clone, Copy)]
enum Quorum {
    None,
    Of(Member),
}

/// Why a policy file is refused: the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct PolicyError {
    /// The line (1-based; 0 for the whole file).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> PolicyError {
    PolicyError { line, message: message.into() }
}

impl Policy {
    /// Parses a policy file.
    pub fn parse(text: &[u8]) -> Result<Policy, PolicyError> {
        if let Some(i) = text.iter().position(|&b| b < 0x20 && b != b'\t' && b != b'\n' || b == 0x7f) {
            let line = text[..i].iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(err(line, "a control character (only tab and newline are allowed)"));
        }
        let text = std::str::from_utf8(text).map_err(|_| err(0, "not UTF-8 (keys and names must be)"))?;
        let mut policy = Policy { logs: Vec::new(), witnesses: Vec::new(), groups: Vec::new(), quorum: Quorum::None };
        let mut names: HashMap<String, Member> = HashMap::new();
        let mut quorum_seen = false;
        for (i, raw) in text.split('\n').enumerate() {
            let n = i + 1;
            let items: Vec<&str> = raw.split([' ', '\t']).filter(|s| !s.is_empty()).collect();
            let Some(&keyword) = items.first() else { continue };
            if keyword.starts_with('#') {
                continue;
            }
            let vkey = |s: &str, want: KeyType, what: &str| -> Result<Verifier, PolicyError> {
                let v = Verifier::parse(s).map_err(|e| err(n, format!("{what} key: {e}")))?;
                if v.key_type() != want {
                    return Err(err(n, format!("{what} key {s:?} is not a {what} key")));
                }
                Ok(v)
            };
            match keyword {
                "log" => {
                    if !(2..=3).contains(&items.len()) {
                        return Err(err(n, "expected `log <vkey> [<url>]`"));
                    }
                    let v = vkey(items[1], KeyType::Ed25519, "log")?;
                    if policy.logs.iter().any(|l| l.public_key() == v.public_key()) {
                        return Err(err(n, "a log listed twice (same public key)"));
                    }
                    if policy.logs.len() == MAX_LOGS {
                        return Err(err(n, format!("more than {MAX_LOGS} logs")));
                    }
                    policy.logs.push(v);
                }
                "witness" => {
                    if !(3..=4).contains(&items.len()) {
                        return Err(err(n, "expected `witness <name> <vkey> [<url>]`"));
                    }
                    let name = items[1];
                    let v = vkey(items[2], KeyType::CosignatureV1, "witness")?;
                    if names.contains_key(name) || name == "none" {
                        return Err(err(n, format!("the name {name:?} is already defined")));
                    }
                    if policy.witnesses.iter().any(|(_, w)| w.public_key() == v.public_key()) {
                        return Err(err(n, "a witness listed twice (same public key)"));
                    }
                    if policy.witnesses.len() == MAX_WITNESSES {
                        return Err(err(n, format!("more than {MAX_WITNESSES} witnesses")));
                    }
                    names.insert(name.to_owned(), Member::Witness(policy.witnesses.len()));
                    policy.witnesses.push((name.to_owned(), v));
                }
                "group" => {
                    if items.len() < 4 {
                        return Err(err(n, "expected `group <name> all|any|<k> <name>...`"));
                    }
                    let name = items[1];
                    if names.contains_key(name) || name == "none" {
                        return Err(err(n, format!("the name {name:?} is already defined")));
                    }
                    let mut members = Vec::new();
                    for m in &items[3..] {
                        let member = *names.get(*m).ok_or_else(|| {
                            err(n, format!("{m:?} is not a witness or group defined on an earlier line"))
                        })?;
                        if members.contains(&member) {
                            return Err(err(n, format!("{m:?} is listed twice")));
                        }
                        members.push(member);
                    }
                    let threshold = match items[2] {
                        "all" => members.len(),
                        "any" => 1,
                        k => {
                            let k: usize = k
                                .parse()
                                .ok()
                                .filter(|_| k.bytes().all(|b| b.is_ascii_digit()) && !k.starts_with('0'))
                                .ok_or_else(|| err(n, format!("threshold {k:?} is not all, any or a number")))?;
                            if k == 0 || k > members.len() {
                                return Err(err(n, format!("threshold {k} is not between 1 and {}", members.len())));
                            }
                            k
                        }
                    };
                    if policy.groups.len() == MAX_GROUPS {
                        return Err(err(n, format!("more than {MAX_GROUPS} groups")));
                    }
                    names.insert(name.to_owned(), Member::Group(policy.groups.len()));
                    policy.groups.push(Group { name: name.to_owned(), threshold, members });
                }
                "quorum" => {
                    if items.len() != 2 {
                        return Err(err(n, "expected `quorum <name>` or `quorum none`"));
                    }
                    if quorum_seen {
                        return Err(err(n, "a second quorum line"));
                    }
                    quorum_seen = true;
                    policy.quorum = if items[1] == "none" {
                        Quorum::None
                    } else {
                        Quorum::Of(*names.get(items[1]).ok_or_else(|| {
                            err(n, format!("{:?} is not a witness or group defined on an earlier line", items[1]))
                        })?)
                    };
                }
                other => return Err(err(n, format!("unknown line type {other:?} (log, witness, group, quorum)"))),
            }
        }
        if !quorum_seen {
            return Err(err(0, "no quorum line (`quorum none` accepts checkpoints without cosignatures)"));
        }
        Ok(policy)
    }

    /// The logs' verifier keys.
    pub fn logs(&self) -> &[Verifier] {
        &self.logs
    }

    /// The log key named for `origin`, if the policy lists one.
    pub fn log_for(&self, origin: &str) -> Option<&Verifier> {
        self.logs.iter().find(|l| l.name() == origin)
    }

    /// The witnesses' verifier keys.
    pub fn witness_keys(&self) -> Vec<Verifier> {
        self.witnesses.iter().map(|(_, v)| v.clone()).collect()
    }

    /// Whether the witnesses that cosigned (as verified against
    /// [`Policy::witness_keys`]) satisfy the quorum.
    pub fn quorum_met(&self, cosigned: &[VerifiedCosignature]) -> bool {
        let signed: Vec<bool> = self
            .witnesses
            .iter()
            .map(|(_, w)| cosigned.iter().any(|c| c.name == w.name() && c.key_id == w.key_id()))
            .collect();
        let mut group_ok = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            // Members are defined earlier: their verdicts are known.
            let count = g
                .members
                .iter()
                .filter(|m| match m {
                    Member::Witness(i) => signed[*i],
                    Member::Group(i) => group_ok[*i],
                })
                .count();
            group_ok.push(count >= g.threshold);
        }
        match self.quorum {
            Quorum::None => true,
            Quorum::Of(Member::Witness(i)) => signed[i],
            Quorum::Of(Member::Group(i)) => group_ok[i],
        }
    }

    /// The quorum in words, for messages.
    pub fn describe(&self) -> String {
        match self.quorum {
            Quorum::None => "none".to_owned(),
            Quorum::Of(Member::Witness(i)) => format!("witness {}", self.witnesses[i].0),
            Quorum::Of(Member::Group(i)) => {
                let g = &self.groups[i];
                format!("group {} ({} of {})", g.name, g.threshold, g.members.len())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cosigner;
    use ed25519_dalek::SigningKey;

    fn witness(n: u8) -> (String, Cosigner) {
        let name = format!("w{n}.example");
        let c = Cosigner::new(&name, SigningKey::from_bytes(&[n; 32])).unwrap();
        (c.verifier().to_string(), c)
    }

    fn signed(c: &Cosigner) -> VerifiedCosignature {
        VerifiedCosignature { name: c.name().to_owned(), key_id: c.key_id(), timestamp: 1 }
    }

    #[test]
    fn the_specification_example_needs_two_of_x_and_one_of_y() {
        let w: Vec<_> = (1..=6).map(witness).collect();
        let text = format!(
            "# example\nwitness X1 {}\nwitness X2 {}\nwitness X3 {}\ngroup X-witnesses 2 X1 X2 X3\n\n\
             witness Y1 {}\n  witness\tY2 {}\nwitness Y3 {} https://y3.example/\ngroup Y-witnesses any Y1 Y2 Y3\n\
             group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n",
            w[0].0, w[1].0, w[2].0, w[3].0, w[4].0, w[5].0
        );
        let p = Policy::parse(text.as_bytes()).unwrap();
        let s = |idx: &[usize]| idx.iter().map(|&i| signed(&w[i].1)).collect::<Vec<_>>();
        assert!(p.quorum_met(&s(&[0, 1, 3])));
        assert!(p.quorum_met(&s(&[0, 2, 5])));
        assert!(!p.quorum_met(&s(&[0, 3, 4, 5])), "one X is not enough");
        assert!(!p.quorum_met(&s(&[0, 1, 2])), "no Y");
        assert!(!p.quorum_met(&[]));
        assert_eq!(p.describe(), "group X-and-Y (2 of 2)");
    }

    #[test]
    fn quorum_none_and_single_witness() {
        let (v, c) = witness(1);
        assert!(Policy::parse(b"quorum none\n").unwrap().quorum_met(&[]));
        let p = Policy::parse(format!("witness a {v}\nquorum a").as_bytes()).unwrap();
        assert!(p.quorum_met(&[signed(&c)]));
        assert!(!p.quorum_met(&[]));
    }

    #[test]
    fn malformed_policies_name_the_line() {
        let (v1, _) = witness(1);
        let (v2, _) = witness(2);
        let cases = [
            ("witness a x\nquorum a\n", 1, "witness key"),
            (&format!("witness a {v1}\nwitness b {v1}\nquorum a\n"), 2, "twice"),
            (&format!("witness a {v1}\nwitness a {v2}\nquorum a\n"), 2, "already defined"),
            (&format!("group g any a\nwitness a {v1}\nquorum g\n"), 1, "earlier line"),
            (&format!("witness a {v1}\nwitness b {v2}\ngroup g 3 a b\nquorum g\n"), 3, "between 1 and 2"),
            (&format!("witness a {v1}\ngroup g 1 a a\nquorum g\n"), 2, "listed twice"),
            (&format!("witness a {v1}\nquorum a\nquorum a\n"), 3, "second quorum"),
            (&format!("witness a {v1}\n"), 0, "no quorum"),
            ("quorum none\nlogs x\n", 2, "unknown line type"),
            (&format!("log {v1}\nquorum none\n"), 1, "not a log key"),
            ("quorum none\r\n", 1, "control character"),
            (&format!("witness none {v1}\nquorum none\n"), 1, "already defined"),
        ];
        for (text, line, what) in cases {
            let e = Policy::parse(text.as_bytes()).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(what), "{text:?}: {e}");
        }
    }
}
