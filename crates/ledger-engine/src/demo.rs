//! The demonstration ledger (`ledger demo`): keys for the city's root of
//! trust and each office, the plan's catalog, the units, the policy, five
//! annual periods of synthetic values with corrections, objections,
//! finalisation, rewards and accountability, and a signed checkpoint. The
//! data is `ledger_domain::demo`'s; this writes it through the same append
//! path as every other writer.

use crate::local::Cache;
use crate::tlog::SignedCheckpoint;
use crate::{Error, Ledger, Signer};
use ledger_core::append::Submission;
use ledger_core::authority::{Genesis, RootKey};
use ledger_core::{PublicKey, SigningKey, Timestamp};
use ledger_domain::Domain;
use ledger_domain::demo::{OFFICES, Signer as Office, Writer};
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The demonstration's origin.
pub const ORIGIN: &str = "demo.jinan.example/assessment-ledger";
/// The file that marks a folder as the demonstration's (rebuilt on each run).
pub const MARKER: &str = "DEMO-LEDGER";

/// A demonstration built.
#[derive(Debug)]
pub struct Demo {
    /// The ledger file.
    pub db: PathBuf,
    /// The folder of the key files.
    pub keys: PathBuf,
    /// The root key the genesis record names.
    pub root: PublicKey,
    /// The checkpoint signed at the end (also in `DIR/checkpoint.txt`).
    pub checkpoint: SignedCheckpoint,
    /// What the demonstration showed being refused (a project skipping a stage).
    pub refusals: Vec<ledger_domain::demo::Refusal>,
}

struct LedgerWriter {
    ledger: Ledger,
    keys: HashMap<&'static str, SigningKey>,
    empty: Domain,
    /// Personal data sealed for the next batch: (commitment, what to keep).
    sealed: Vec<(String, crate::PersonalOp)>,
}

impl Writer for LedgerWriter {
    fn write(&mut self, signer: Office, batch: Vec<Submission>, at: Timestamp) -> Result<Vec<u64>, String> {
        let Office::Office(name) = signer;
        let key = self.keys.get(name).ok_or_else(|| format!("no key for {name}"))?;
        let numbered: Vec<(usize, Submission)> = batch.into_iter().enumerate().map(|(i, s)| (i + 1, s)).collect();
        let mut ops = Vec::new();
        for (line, sub) in &numbered {
            if let Some(c) = sub.data.get("person").and_then(|v| v.as_str())
                && let Some(pos) = self.sealed.iter().position(|(commitment, _)| commitment == c)
            {
                ops.push((*line, self.sealed.remove(pos).1));
            }
        }
        match self.ledger.append_personal(&numbered, &ops, Signer::new(key), at) {
            Ok(results) => Ok(results.into_iter().map(|r| r.seq).collect()),
            Err(e) => {
                // A refused batch leaves no state in memory: load it again
                // (from the snapshot and the records), so that `domain` keeps
                // showing the ledger as it is.
                let _ = self.ledger.domain();
                Err(e.to_string())
            }
        }
    }
    fn domain(&self) -> &Domain {
        self.ledger.writer_domain().unwrap_or(&self.empty)
    }
    fn public_key(&self, office: &'static str) -> Option<String> {
        self.keys.get(office).map(|k| PublicKey::from(k).to_hex())
    }
    fn records(&self) -> Result<u64, String> {
        self.ledger.record_count().map_err(|e| e.to_string())
    }
    fn seal_person(&mut self, details: &serde_json::Value) -> Result<String, String> {
        let (commitment, op) = crate::personal::seal(details).map_err(|e| e.to_string())?;
        self.sealed.push((commitment.clone(), op));
        Ok(commitment)
    }
}

/// Builds the demonstration in `dir` (`dir/ledger.db`, `dir/keys/`,
/// `dir/checkpoint.txt`), replacing an earlier one; refuses a folder that
/// is neither empty nor a demonstration.
pub fn build(dir: &Path, cache: Cache) -> Result<Demo, Error> {
    check_dir(dir)?;
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .map_err(|e| Error::refused(format!("removing the old demonstration in {}: {e}", dir.display())))?;
    }
    let io = |e: std::io::Error| Error::refused(format!("writing the demonstration in {}: {e}", dir.display()));
    std::fs::create_dir_all(dir.join("keys")).map_err(io)?;
    std::fs::write(
        dir.join(MARKER),
        "This folder is rebuilt by the demonstration; everything in it is demonstration data with synthetic values.\n",
    )
    .map_err(io)?;
    let key_error = |e: ledger_keyfile::KeyFileError| Error::refused(e.to_string());
    let mut keys: HashMap<&'static str, SigningKey> = HashMap::new();
    for name in std::iter::once("root").chain(OFFICES.iter().map(|o| o.0)) {
        let (_, paths) = ledger_keyfile::generate(&dir.join("keys").join(name)).map_err(key_error)?;
        keys.insert(name, ledger_keyfile::read_private(&paths.private).map_err(key_error)?);
    }
    let root = keys.get("root").cloned().ok_or_else(|| Error::refused("no root key"))?;
    let roles = serde_json::from_str(ledger_domain::defaults::ROLES)
        .map_err(|e| Error::refused(format!("the embedded role table: {e}")))?;
    let genesis = Genesis {
        roots: vec![RootKey {
            key: (&root).into(),
            holder: "济南市人民政府 / Jinan Municipal People's Government (root of trust)".into(),
        }],
        threshold: 1,
        roles,
    };
    let t0 = time("2018-01-02T09:00:00Z")?;
    let db = dir.join("ledger.db");
    let (ledger, _) = Ledger::create(&db, ORIGIN, &genesis, Signer::new(&root), t0, cache)?;
    let (mut ledger, keys, built) = populate(ledger, &root, keys, t0)?;
    let log_key = keys.get("log").ok_or_else(|| Error::refused("no log key"))?;
    let checkpoint = ledger.checkpoint(log_key, time("2023-06-01T09:00:00Z")?)?;
    std::fs::write(dir.join("checkpoint.txt"), &checkpoint.note).map_err(io)?;
    Ok(Demo { db, keys: dir.join("keys"), root: (&root).into(), checkpoint, refusals: built.refusals })
}

/// Refuses a folder that exists and is neither empty nor a demonstration.
pub fn check_dir(dir: &Path) -> Result<(), Error> {
    if dir.exists() {
        let marked = dir.join(MARKER).is_file();
        let empty = std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !marked && !empty {
            return Err(Error::refused_with(
                format!("{} exists and is not a demonstration folder; refusing to replace it", dir.display()),
                crate::Remedy::FixInput { input: crate::Input::DemoFolder },
            ));
        }
    }
    Ok(())
}

/// Writes the demonstration's content into a ledger whose root key is
/// `root`: the offices' keys (`keys`, by the names of [`OFFICES`])
/// authorised at `at`, then the catalog, units, policy and five periods.
/// Gives the ledger and the keys back, and what the demonstration showed
/// being refused.
pub fn populate(
    mut ledger: Ledger,
    root: &SigningKey,
    keys: HashMap<&'static str, SigningKey>,
    at: Timestamp,
) -> Result<(Ledger, HashMap<&'static str, SigningKey>, ledger_domain::demo::Built), Error> {
    let subs: Vec<(usize, Submission)> = OFFICES
        .iter()
        .enumerate()
        .map(|(i, (name, holder, roles))| {
            let key = keys.get(name).map(|k| PublicKey::from(k).to_hex()).unwrap_or_default();
            let data = json!({"key": key, "holder": holder, "roles": roles});
            (i + 1, Submission::new("ledger", "key_authorized", data, &format!("authorize-{name}")))
        })
        .collect();
    ledger.append(&subs, Signer::new(root), at)?;
    let mut writer = LedgerWriter { ledger, keys, empty: Domain::default(), sealed: Vec::new() };
    let built = ledger_domain::demo::build(&mut writer)
        .map_err(|e| Error::refused(format!("building the demonstration: {e}")))?;
    Ok((writer.ledger, writer.keys, built))
}

fn time(t: &str) -> Result<Timestamp, Error> {
    t.parse().map_err(|e| Error::refused(format!("{t}: {e}")))
}
