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
        after_help = "Example:\n  ledger --db ledger.db serve --listen 127.0.0.1:8080 --log-key keys/log.key\n  ledger sign --key keys/statistics.key --server http://127.0.0.1:8080 values.jsonl | curl --data-binary @- http://127.0.0.1:8080/add"
    )]
    Serve(ServeArgs),
    /// Write the ledger as static C2SP tlog-tiles in DIR, for the size of its latest signed checkpoint (run again: adds what is new)
    #[command(
        after_help = "Example:\n  ledger export-tiles public/        # then publish public/ with any web server\n  ledger verify --tiles public/ --trust keys/root.pub"
    )]
    ExportTiles {
        /// The folder.
        dir: PathBuf,
    },
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
}

pub fn run(ctx: &Ctx, command: ServeCommand, out: &mut Out) -> Result<Outcome> {
    match command {
        ServeCommand::Serve(args) => serve(ctx, args, out),
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
    };
    let now = || crate::now().map_err(|e| e.to_string());
    ledger_http::serve(ledger, config, now, |addr| {
        // One line (stdout is line-buffered) tells a script or a test where
        // the service listens.
        let _ = out.line(format!("listening on http://{addr}"));
    })?;
    Ok(Outcome::Ok)
}

/// Verifies the ledger published at `place` (a folder or an http(s) URL).
pub fn verify_tiles(place: &str, options: Options, vkey: Option<&str>) -> Result<Verification> {
    // The ledger is rebuilt from the tiles in a scratch folder, removed after.
    let scratch = tempfile::Builder::new().prefix("ledger-tiles-").tempdir()?;
    let db = scratch.path().join("ledger.db");
    let result = if place.starts_with("http://") || place.starts_with("https://") {
        ledger_node::tiles::verify_tiles(&ledger_http::HttpTiles(ledger_http::Client::new(place)), &db, options, vkey)
    } else {
        ledger_node::tiles::verify_tiles(&ledger_node::tiles::Folder(PathBuf::from(place)), &db, options, vkey)
    };
    Ok(result?.verification)
}
