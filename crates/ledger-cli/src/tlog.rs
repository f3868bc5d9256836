//! The verifiable log from the command line (`docs/TLOG.md`): the grammar
//! and the rendering of `checkpoint`, `prove`, `verify-proof`,
//! `consistency` and `cosign`. What is checked, and how, is
//! `ledger_engine::tlog`'s.

use crate::ctx::{Ctx, Out, Outcome, hinted, now, print_problems, read_private};
use anyhow::Result;
use clap::{Args, Subcommand};
use ledger_engine::files;
use ledger_engine::tlog::{self, Consistency, ConsistencyTarget, CosignRequest, Cosigning, ProofVerdict};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign a checkpoint of the Merkle tree with the log key, record it, print it.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db checkpoint --log-key ledger/demo/keys/log.key > checkpoint.txt
  ledger checkpoint --log-key keys/log.key --json")]
    Checkpoint(CheckpointArgs),
    /// Write an offline inclusion proof (c2sp.org/tlog-proof@v1) for one record.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db prove 1234 > record-1234.proof
  ledger prove 1234 --bundle -o record-1234.bundle   # the record, its proof and the log key in one file
  ledger prove 1234 --checkpoint checkpoint.txt --log-vkey log.vkey --json")]
    Prove(ProveArgs),
    /// Check an inclusion proof offline: exit 0 valid, 1 invalid, 2 unusable input.
    #[command(after_help = "Examples:
  ledger verify-proof --log-vkey log.vkey record-1234.bundle
  ledger verify-proof --log-vkey log.vkey --record-hash \"$HASH\" record-1234.proof   # HASH: the record's, from `ledger show 1234`
  ledger verify-proof --witness-policy witnesses.policy record-1234.bundle             # and the quorum of witnesses")]
    VerifyProof(VerifyProofArgs),
    /// Print a consistency proof between two checkpoints (tlog-witness add-checkpoint body).
    #[command(after_help = "Examples:
  ledger consistency --from old-checkpoint.txt > consistency.txt   # to the ledger's current size
  ledger consistency --from old-checkpoint.txt --to-latest --json
  ledger consistency --from old-checkpoint.txt --to checkpoint.txt --log-vkey log.vkey")]
    Consistency(ConsistencyArgs),
    /// Cosign a checkpoint as a witness (cosignature/v1) once it extends the last one seen.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db cosign --key ledger/demo/keys/inspector.key --name inspector.example/witness \\
      --state witness-state.txt ledger/demo/checkpoint.txt
  ledger cosign --key keys/inspector.key --log-vkey log.vkey --state witness-state.txt --proof consistency.txt checkpoint.txt")]
    Cosign(CosignArgs),
}

#[derive(Debug, Args)]
pub struct CheckpointArgs {
    /// The log's private key: an office key authorised with role `log`.
    #[arg(long, value_name = "KEY")]
    pub log_key: PathBuf,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProveArgs {
    /// Sequence number of the record.
    pub seq: u64,
    /// Prove against this signed checkpoint (default: the latest one recorded in the ledger).
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// The log's verifier key, or a file holding it (default: the log keys the ledger authorises).
    #[arg(long, value_name = "VKEY")]
    pub log_vkey: Option<String>,
    /// Write the proof to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write a self-contained bundle instead: the record's bytes, the proof (with its checkpoint) and the log's verifier key, checked by `verify-proof --log-vkey LOG BUNDLE` alone.
    #[arg(long)]
    pub bundle: bool,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyProofArgs {
    /// The log's verifier key (<origin>+<key id>+<base64>, see `ledger key export log --format vkey`), or a file holding it.
    #[arg(long, value_name = "VKEY", required_unless_present = "witness_policy")]
    pub log_vkey: Option<String>,
    /// A witness policy (c2sp.org/tlog-policy): the logs it trusts (unless --log-vkey) and the quorum of witnesses that must have cosigned.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["witnesses", "quorum"])]
    pub witness_policy: Option<PathBuf>,
    /// The record hash (64 hex digits) the proof is about (not with a bundle, which holds the record).
    #[arg(long, value_name = "HEX")]
    pub record_hash: Option<String>,
    /// A witness's verifier key (cosignature/v1), or a file holding it; repeat for each.
    #[arg(long = "witness", value_name = "VKEY")]
    pub witnesses: Vec<String>,
    /// How many of the --witness keys must have cosigned (default: all of them).
    #[arg(long, value_name = "N", requires = "witnesses")]
    pub quorum: Option<usize>,
    /// The proof file, or - for standard input.
    pub file: PathBuf,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ConsistencyArgs {
    /// The older signed checkpoint.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The newer signed checkpoint (default: the ledger's current size, whose
    /// tree head is printed unsigned).
    #[arg(long, value_name = "FILE", conflicts_with = "to_latest")]
    pub to: Option<PathBuf>,
    /// To the latest checkpoint recorded in the ledger (signed), instead of the current size.
    #[arg(long)]
    pub to_latest: bool,
    /// The log's verifier key, or a file holding it (default: the log keys the ledger authorises).
    #[arg(long, value_name = "VKEY")]
    pub log_vkey: Option<String>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CosignArgs {
    /// The witness's private key.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The witness name in the cosignature (default: the key file's name without .key).
    #[arg(long)]
    pub name: Option<String>,
    /// The witness's state: the newest checkpoint it has seen (created if absent, updated after cosigning).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// The log's verifier key, or a file holding it (default: the log keys the ledger at --db authorises).
    #[arg(long, value_name = "VKEY")]
    pub log_vkey: Option<String>,
    /// Consistency proof from the state's checkpoint (`ledger consistency` output); default: computed from --db.
    #[arg(long, value_name = "FILE")]
    pub proof: Option<PathBuf>,
    /// The signed checkpoint to cosign.
    pub checkpoint: PathBuf,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, command: Command, out: &mut Out) -> Result<Outcome> {
    match command {
        Command::Checkpoint(args) => checkpoint(ctx, args, out),
        Command::Prove(args) => prove(ctx, args, out),
        Command::VerifyProof(args) => verify_proof(args, out),
        Command::Consistency(args) => consistency(ctx, args, out),
        Command::Cosign(args) => cosign(ctx, args, out),
    }
}

fn checkpoint(ctx: &Ctx, args: CheckpointArgs, out: &mut Out) -> Result<Outcome> {
    let key = read_private(&args.log_key)?;
    let mut ledger = ctx.open()?;
    let signed = ledger.checkpoint(&key, now()?)?;
    ctx.warnings(&mut ledger);
    if args.json {
        out.json(&serde_json::to_value(&signed)?)?;
    } else {
        out.line(signed.note.trim_end_matches('\n'))?;
    }
    Ok(Outcome::Ok)
}

fn prove(ctx: &Ctx, args: ProveArgs, out: &mut Out) -> Result<Outcome> {
    let ledger = ctx.open_read_only()?;
    let (proof, text) = if args.bundle {
        let (proof, bundle) = ledger.prove_bundle(args.seq, args.checkpoint.as_deref(), args.log_vkey.as_deref())?;
        (proof, bundle.encode()?)
    } else {
        let proof = ledger.prove(args.seq, args.checkpoint.as_deref(), args.log_vkey.as_deref())?;
        let text = proof.proof.clone();
        (proof, text)
    };
    if let Some(path) = &args.out {
        tlog::write_atomically(path, &text)?;
    }
    if args.json {
        out.json(&serde_json::to_value(&proof)?)?;
    } else if let Some(path) = &args.out {
        out.line(format!(
            "wrote {}: record {} (hash {}) is in the signed checkpoint of {} records",
            path.display(),
            proof.seq,
            proof.record,
            proof.size
        ))?;
    } else {
        out.line(text.trim_end_matches('\n'))?;
    }
    Ok(Outcome::Ok)
}

fn verify_proof(args: VerifyProofArgs, out: &mut Out) -> Result<Outcome> {
    let policy = args.witness_policy.as_deref().map(tlog::read_policy).transpose()?;
    let log_keys = match (&args.log_vkey, &policy) {
        (Some(v), _) => tlog::log_keys(Some(v), None)?,
        (None, Some(p)) if !p.logs().is_empty() => p.logs().to_vec(),
        _ => {
            return Err(hinted(
                "no log key: the policy lists no `log` line",
                "give the log's verifier key with --log-vkey, or add `log VKEY` to the policy",
            ));
        }
    };
    let mut witnesses = args.witnesses.iter().map(|w| tlog::parse_witness_vkey(w)).collect::<Result<Vec<_>, _>>()?;
    let quorum = match &policy {
        Some(p) => {
            witnesses.extend(p.witness_keys());
            Some(0)
        }
        None => args.quorum,
    };
    let file = files::read_or_stdin(Some(&args.file), files::PROOF)?;
    let source = args.file.display().to_string();
    let bundle = tlog::Bundle::parse(&file, &source)?;
    let record = match (&bundle, &args.record_hash) {
        (Some(_), Some(_)) => {
            return Err(hinted(
                format!("{source} is a bundle: it holds its record, so --record-hash is not needed"),
                "drop --record-hash",
            ));
        }
        (None, None) => {
            return Err(hinted(
                format!("{source} is a proof file: give the record hash it is about with --record-hash"),
                "or make a self-contained proof with `ledger prove SEQ --bundle`",
            ));
        }
        (_, record) => record.clone(),
    };
    // With several trusted logs (a policy), the one whose key signed it.
    let mut result = None;
    for log_key in &log_keys {
        let checked = match (&bundle, &record) {
            (Some(b), _) => tlog::verify_bundle(b, &source, log_key, &witnesses, quorum)?,
            (None, Some(r)) => (tlog::verify_proof(&file, &source, r, log_key, &witnesses, quorum)?, None),
            (None, None) => unreachable!("refused above"),
        };
        let valid = matches!(checked.0, ProofVerdict::Valid { .. });
        result = Some(checked);
        if valid {
            break;
        }
    }
    let Some((mut verdict, event)) = result else { unreachable!("at least one log key") };
    if let (Some(p), ProofVerdict::Valid { record, index, .. }) = (&policy, &verdict) {
        let proof = bundle.as_ref().map_or(&file[..], |b| b.proof.as_bytes());
        if let Err(why) = tlog::proof_meets_policy(proof, p) {
            verdict = ProofVerdict::Invalid { record: record.clone(), index: *index, error: why };
        }
    }
    if args.json {
        let mut v = serde_json::to_value(&verdict)?;
        v["ok"] = json!(matches!(verdict, ProofVerdict::Valid { .. }));
        if let Some(e) = &event {
            v["event"] = serde_json::to_value(e)?;
        }
        out.json(&v)?;
    } else {
        match &verdict {
            ProofVerdict::Valid { record, index, origin, size, root, witnesses } => {
                out.line(format!(
                    "ok: record {record} is record {index} of {origin}, in its signed checkpoint of {size} records (root {root})"
                ))?;
                if let Some(e) = &event {
                    out.line(format!(
                        "the record: {} in stream {}, signed by {} at {}: {}",
                        e.event_type, e.stream, e.author, e.time, e.data
                    ))?;
                    if let Some(named) = &e.named_vkey {
                        out.line(format!(
                            "note: the bundle names the log key {named}; it was checked with --log-vkey instead"
                        ))?;
                    }
                }
                for c in witnesses {
                    out.line(format!(
                        "cosigned by witness {}+{} at {}",
                        c.name,
                        c.key_id,
                        c.time.as_deref().unwrap_or("?")
                    ))?;
                }
            }
            ProofVerdict::Invalid { error, .. } => out.line(format!("FAILED: {error}"))?,
        }
    }
    Ok(if matches!(verdict, ProofVerdict::Valid { .. }) { Outcome::Ok } else { Outcome::Failed })
}

fn consistency(ctx: &Ctx, args: ConsistencyArgs, out: &mut Out) -> Result<Outcome> {
    let ledger = ctx.open_read_only()?;
    let target = match (&args.to, args.to_latest) {
        (Some(path), _) => ConsistencyTarget::File(path),
        (None, true) => ConsistencyTarget::Latest,
        (None, false) => ConsistencyTarget::Current,
    };
    match ledger.consistency(&args.from, target, args.log_vkey.as_deref())? {
        Consistency::Inconsistent(problems) => {
            if args.json {
                out.json(&json!({"ok": false, "errors": problems}))?;
            } else {
                let to = match target {
                    ConsistencyTarget::File(p) => p.display().to_string(),
                    ConsistencyTarget::Latest => "the latest recorded checkpoint".into(),
                    ConsistencyTarget::Current => "the ledger's current size".into(),
                };
                out.line(format!("FAILED: no consistency proof from {} to {to}", args.from.display()))?;
                print_problems(out, &problems)?;
            }
            Ok(Outcome::Failed)
        }
        Consistency::Proof(p) => {
            if args.json {
                let mut v = serde_json::to_value(&p)?;
                v["ok"] = json!(true);
                v[if p.new_signed { "checkpoint" } else { "tree_head" }] = json!(p.new_text);
                out.json(&v)?;
            } else {
                out.line(p.body().trim_end_matches('\n'))?;
                if !p.new_signed {
                    eprintln!(
                        "note: the tree head of the current size ({} records) is not signed; for a proof others can \
                         check without the ledger, sign one with `ledger checkpoint` and pass it with --to (or use --to-latest)",
                        p.new_size
                    );
                }
            }
            Ok(Outcome::Ok)
        }
    }
}

fn cosign(ctx: &Ctx, args: CosignArgs, out: &mut Out) -> Result<Outcome> {
    let key = read_private(&args.key)?;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => args.key.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    // The ledger is needed for the log key (without --vkey) and for the
    // consistency proof (without --proof); otherwise this runs offline.
    let ledger = if args.log_vkey.is_none() || args.proof.is_none() {
        match ctx.open_read_only() {
            Ok(l) => Some(l),
            Err(e) if args.log_vkey.is_none() => return Err(e),
            Err(_) => None,
        }
    } else {
        None
    };
    let request = CosignRequest {
        key,
        name: &name,
        state: args.state.as_deref(),
        vkey: args.log_vkey.as_deref(),
        proof: args.proof.as_deref(),
        checkpoint: &args.checkpoint,
        now: now()?,
    };
    let mut warnings = Vec::new();
    let result = tlog::cosign(ledger.as_ref(), request, &mut warnings);
    for w in warnings {
        eprintln!("{w}");
    }
    match result? {
        Cosigning::Cosigned(c) => {
            if args.json {
                let mut v = serde_json::to_value(&c)?;
                v["ok"] = json!(true);
                out.json(&v)?;
            } else {
                out.line(c.line.trim_end_matches('\n'))?;
            }
            Ok(Outcome::Ok)
        }
        Cosigning::Refused(problem) => {
            if args.json {
                out.json(&json!({"ok": false, "errors": [problem]}))?;
            } else {
                out.line("FAILED: not cosigned")?;
                print_problems(out, std::slice::from_ref(&problem))?;
            }
            Ok(Outcome::Failed)
        }
    }
}
