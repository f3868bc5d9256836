//! Offices on other machines: `ledger serve` (the HTTP service), `ledger
//! export-tiles` (the log as static files) and the tiles side of `ledger
//! verify --tiles`.

use crate::Outcome;
use crate::commands::{Ctx, read_private};
use crate::output::Out;
use anyhow::Result;
use clap::{Args, Subcommand};
use ledger_core::verify::Options;
use ledger_node::verify::Verification;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Serve the ledger over HTTP: signed events in (POST /add), the log out as C2SP tlog-tiles, checkpoints, proofs and records (docs/TLOG.md, "The service")
    #[command(
        after_help = "Examples:\n  ledger --db ledger.db serve --listen 127.0.0.1:8080 --log-key keys/log.key\n  ledger sign --key keys/statistics.key --server http://127.0.0.1:8080 values.jsonl | curl --data-binary @- http://127.0.0.1:8080/add"
    )]
    Serve(ServeArgs),
    /// Write the ledger as static C2SP tlog-tiles in DIR, for the size of its latest signed checkpoint (run again: adds what is new)
    #[command(
        after_help = "Examples:\n  ledger export-tiles public/        # then publish public/ with any web server\n  ledger verify --tiles public/ --trust keys/root.pub"
    )]
    ExportTiles {
        /// The folder.
        dir: PathBuf,
    },
    /// Follow a published log as a witness: cosign its checkpoint (cosignature/v1) only once the tiles prove it consistent with the last one cosigned; keep an inconsistent one as evidence
    #[command(
        after_help = "Examples:\n  ledger witness --key keys/inspector.key --name inspector.example/witness \\\n      --log-vkey log.vkey --state witness/ --log https://ledger.example --submit\n  ledger witness --key keys/inspector.key --name inspector.example/witness --log-vkey log.vkey --state witness/ --log public/\n\nExit 0 cosigned, 1 not consistent (the evidence is in STATE/forks/), 2 could not run."
    )]
    Witness(WitnessArgs),
}

#[derive(Debug, Args)]
pub struct WitnessArgs {
    /// The witness's private key.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The witness's name (its verifier key's name): one name per witness key.
    #[arg(long)]
    pub name: String,
    /// The log's verifier key, or a file holding it (`ledger key export log --vkey`).
    #[arg(long, value_name = "VKEY")]
    pub log_vkey: String,
    /// The witness's folder: the last checkpoint cosigned (`checkpoint`), it with the cosignature (`cosigned`), the evidence of forks (`forks/`).
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// The log: the URL of `ledger serve` (or of any web server publishing its tiles), or a folder `ledger export-tiles` wrote.
    #[arg(long, value_name = "URL_OR_DIR")]
    pub log: String,
    /// Send the cosignature to the service (`POST /cosignature`), which serves it with its checkpoint.
    #[arg(long)]
    pub submit: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (a loopback one unless a proxy in front terminates TLS).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// The log's private key (an office key with role `log`): every batch is sealed with a checkpoint it signs.
    #[arg(long, value_name = "KEY")]
    pub log_key: PathBuf,
    /// The most bytes one request body may hold.
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "BYTES")]
    pub max_body: usize,
    /// The longest one request may take, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,
    /// A witness whose cosignatures the service accepts (POST /cosignature) and serves with its checkpoint: its verifier key, or a file holding it; repeat for each.
    #[arg(long = "witness", value_name = "VKEY")]
    pub witnesses: Vec<String>,
}

pub fn run(ctx: &Ctx, command: ServeCommand, out: &mut Out) -> Result<Outcome> {
    match command {
        ServeCommand::Serve(args) => serve(ctx, args, out),
        ServeCommand::Witness(args) => witness(args, out),
        ServeCommand::ExportTiles { dir } => {
            let ledger = ctx.open_read_only()?;
            let (size, files) = ledger.export_tiles(&dir)?;
            out.line(format!("{}: checkpoint of {size} records, {files} file(s) written", dir.display()))?;
            Ok(Outcome::Ok)
        }
    }
}

fn serve(ctx: &Ctx, args: ServeArgs, out: &mut Out) -> Result<Outcome> {
    let log_key = read_private(&args.log_key)?;
    let ledger = ctx.open()?;
    ledger_http::init_logging();
    let config = ledger_http::Config {
        listen: args.listen,
        log_key,
        max_body: args.max_body,
        timeout: std::time::Duration::from_secs(args.timeout),
        witnesses: args
            .witnesses
            .iter()
            .map(|w| ledger_node::tlog::parse_witness_vkey(w))
            .collect::<std::result::Result<_, _>>()?,
    };
    ledger_http::serve(ledger, config, |addr| {
        // One line (stdout is line-buffered) tells a script or a test where
        // the service listens.
        let _ = out.line(format!("listening on http://{addr}"));
    })?;
    Ok(Outcome::Ok)
}

fn is_url(place: &str) -> bool {
    place.starts_with("http://") || place.starts_with("https://")
}

fn witness(args: WitnessArgs, out: &mut Out) -> Result<Outcome> {
    let key = read_private(&args.key)?;
    if args.submit && !is_url(&args.log) {
        return Err(crate::hinted(
            "--submit needs the URL of the service as --log",
            "drop --submit for a folder of tiles",
        ));
    }
    let client = ledger_http::Client::new(&args.log);
    let http = ledger_http::HttpTiles(client.clone());
    let folder = ledger_node::tiles::Folder(PathBuf::from(&args.log));
    let source: &dyn ledger_node::tiles::TileSource = if is_url(&args.log) { &http } else { &folder };
    let mut warnings = Vec::new();
    let request =
        ledger_node::tlog::WitnessRequest { key, name: &args.name, log_vkey: &args.log_vkey, state: &args.state };
    let (outcome, note) = ledger_node::tlog::witness(source, request, &mut warnings)?;
    for w in &warnings {
        eprintln!("{w}");
    }
    match outcome {
        ledger_node::tlog::Cosigning::Cosigned(c) => {
            out.line(c.line.trim_end())?;
            if args.submit {
                let answer = client.post("cosignature", &note)?;
                if answer.status != 200 {
                    let v = answer.json();
                    return Err(crate::hinted(
                        format!(
                            "the service refused the cosignature ({}): {}",
                            answer.status,
                            v["error"].as_str().unwrap_or("no reason given")
                        ),
                        v["hint"]
                            .as_str()
                            .unwrap_or("is the witness key among the service's --witness keys?")
                            .to_owned(),
                    ));
                }
                eprintln!(
                    "sent to {}/cosignature: the service serves it with its checkpoint",
                    args.log.trim_end_matches('/')
                );
            }
            Ok(Outcome::Ok)
        }
        ledger_node::tlog::Cosigning::Refused(p) => {
            out.line("FAILED: not cosigned")?;
            crate::tlog::print_problems(out, std::slice::from_ref(&p))?;
            out.line(format!("the checkpoint presented is kept in {}", args.state.join("forks").display()))?;
            Ok(Outcome::Failed)
        }
    }
}

/// Verifies the ledger published at `place` (a folder or an http(s) URL).
pub fn verify_tiles(place: &str, options: Options, vkey: Option<&str>) -> Result<Verification> {
    // The ledger is rebuilt from the tiles in a scratch folder, removed after.
    let scratch = tempfile::Builder::new().prefix("ledger-tiles-").tempdir()?;
    let db = scratch.path().join("ledger.db");
    let result = if is_url(place) {
        ledger_node::tiles::verify_tiles(&ledger_http::HttpTiles(ledger_http::Client::new(place)), &db, options, vkey)
    } else {
        ledger_node::tiles::verify_tiles(&ledger_node::tiles::Folder(PathBuf::from(place)), &db, options, vkey)
    };
    Ok(result?.verification)
}
