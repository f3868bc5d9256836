//! Offices on other machines: `ledger serve` (the HTTP service), `ledger
//! export-tiles` (the log as static files) and `ledger witness` (a witness
//! following a published log).

use crate::ctx::{Ctx, Out, Outcome, hinted, print_problems, read_private};
use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the ledger over HTTP: signed events in (POST /add), the log out as C2SP tlog-tiles, checkpoints, proofs and records (docs/TLOG.md, "The service")
    #[command(
        after_help = "Examples:\n  ledger --db ledger.db serve --listen 127.0.0.1:8080 --log-key keys/log.key\n  ledger --db ledger.db serve --listen 0.0.0.0:8443 --log-key keys/log.key --tls-cert tls/chain.pem --tls-key tls/key.pem\n  ledger sign --key keys/statistics.key --server http://127.0.0.1:8080 values.jsonl | curl --data-binary @- http://127.0.0.1:8080/add"
    )]
    Serve(ServeArgs),
    /// Write the ledger as static C2SP tlog-tiles in a folder, for the size of its latest signed checkpoint (run again: adds what is new)
    #[command(
        after_help = "Examples:\n  ledger export-tiles --dir public/        # then publish public/ with any web server\n  ledger verify --tiles public/ --trust keys/root.pub"
    )]
    ExportTiles {
        /// The folder (created if missing).
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
    /// Follow a published log as a witness: cosign its checkpoint (cosignature/v1) only once the tiles prove it consistent with the last one cosigned; keep an inconsistent one as evidence
    #[command(
        after_help = "Examples:\n  ledger witness --key keys/inspector.key --name inspector.example/witness \\\n      --log-vkey log.vkey --dir witness/ --tiles https://ledger.example --submit\n  ledger witness --key keys/inspector.key --name inspector.example/witness --log-vkey log.vkey --dir witness/ --tiles public/\n\nExit 0 cosigned (and with --submit, accepted), 1 not consistent (the evidence is in DIR/forks/) or not accepted by the service, 2 could not run."
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
    /// The log's verifier key, or a file holding it (`ledger key export log --format vkey`).
    #[arg(long, value_name = "VKEY")]
    pub log_vkey: String,
    /// The witness's folder: the last checkpoint cosigned (`checkpoint`), it with the cosignature (`cosigned`), the evidence of forks (`forks/`).
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// The log as published: the URL of `ledger serve` (or of any web server publishing its tiles), or a folder `ledger export-tiles` wrote.
    #[arg(long, value_name = "URL|DIR")]
    pub tiles: String,
    /// Send the cosignature to the service (`POST /cosignature`), which serves it with its checkpoint; exit 1 unless the service accepts it under this witness's name.
    #[arg(long)]
    pub submit: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on: a loopback one, unless with --tls-cert (or behind a proxy that terminates TLS, with --insecure-plain-http).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// The log's private key (an office key with role `log`): every batch is sealed with a checkpoint it signs. Checked at start-up: a key that may not sign checkpoints is refused.
    #[arg(long, value_name = "KEY")]
    pub log_key: PathBuf,
    /// The most bytes one request body may hold (a larger declared length is refused before the body is read).
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "BYTES")]
    pub max_body: usize,
    /// The longest one request may take, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// A witness whose cosignatures the service accepts (POST /cosignature) and serves with its checkpoint: its verifier key, or a file holding it; repeat for each.
    #[arg(long = "witness", value_name = "VKEY")]
    pub witnesses: Vec<String>,
    /// Connections open at once; one more is answered 503 and closed.
    #[arg(long, default_value_t = ledger_http::Limits::default().max_connections, value_name = "N", value_parser = positive)]
    pub max_connections: usize,
    /// Requests handled at once (/healthz and /metrics aside); one more is answered 503 with Retry-After.
    #[arg(long, default_value_t = ledger_http::Limits::default().max_concurrent, value_name = "N", value_parser = positive)]
    pub max_concurrent: usize,
    /// Bytes of request bodies held at once: a body waits for its share before it is read (503 with Retry-After after half of --timeout).
    #[arg(long, default_value_t = ledger_http::Limits::default().max_buffered, value_name = "BYTES", value_parser = positive)]
    pub max_buffered: usize,
    /// Seconds a connection may take to send a request's headers (on a kept-alive connection, counted from the last answer).
    #[arg(long, default_value_t = ledger_http::Limits::default().header_timeout.as_secs(), value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a connection may go with no byte moving while none of its requests is being handled.
    #[arg(long, default_value_t = ledger_http::Limits::default().idle_timeout.as_secs(), value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// At SIGTERM, seconds the requests in flight get to finish before their connections are closed (an append that started commits regardless).
    #[arg(long, default_value_t = ledger_http::Limits::default().shutdown_grace.as_secs(), value_name = "SECONDS")]
    pub shutdown_grace: u64,
    /// Serve HTTPS with this certificate chain (PEM, leaf first); with --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of the --tls-cert certificate (PEM: PKCS#8, PKCS#1 or SEC1; mode 0600).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address other than a loopback one, where requests and answers cross the network unprotected: only behind a proxy that terminates TLS on the same machine or network.
    #[arg(long)]
    pub insecure_plain_http: bool,
}

fn positive(s: &str) -> std::result::Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("a whole number of at least 1".into()),
    }
}

pub fn run(ctx: &Ctx, command: Command, out: &mut Out) -> Result<Outcome> {
    match command {
        Command::Serve(args) => serve(ctx, args, out),
        Command::Witness(args) => witness(args, out),
        Command::ExportTiles { dir } => {
            let ledger = ctx.open_read_only()?;
            let (size, files) = ledger.export_tiles(&dir)?;
            out.line(format!("{}: checkpoint of {size} records, {files} file(s) written", dir.display()))?;
            Ok(Outcome::Ok)
        }
    }
}

fn serve(ctx: &Ctx, args: ServeArgs, out: &mut Out) -> Result<Outcome> {
    let log_key = read_private(&args.log_key)?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(ledger_http::Tls {
            certificates: ledger_keyfile::read_certificates(cert)?,
            key: ledger_keyfile::read_tls_key(key)?,
        }),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let ledger = ctx.open()?;
    ledger_http::init_logging();
    let secs = std::time::Duration::from_secs;
    let config = ledger_http::Config {
        listen: args.listen,
        log_key,
        max_body: args.max_body,
        timeout: secs(args.timeout),
        witnesses: args
            .witnesses
            .iter()
            .map(|w| ledger_engine::tlog::parse_witness_vkey(w))
            .collect::<std::result::Result<_, _>>()?,
        limits: ledger_http::Limits {
            max_connections: args.max_connections,
            max_concurrent: args.max_concurrent,
            max_buffered: args.max_buffered,
            header_timeout: secs(args.header_timeout),
            idle_timeout: secs(args.idle_timeout),
            shutdown_grace: secs(args.shutdown_grace),
        },
        tls,
        insecure_plain_http: args.insecure_plain_http,
    };
    ledger_http::serve(ledger, config, |addr| {
        // One line (stdout is line-buffered) tells a script or a test where
        // the service listens.
        let _ = out.line(format!("listening on {scheme}://{addr}"));
    })?;
    Ok(Outcome::Ok)
}

fn is_url(place: &str) -> bool {
    place.starts_with("http://") || place.starts_with("https://")
}

fn witness(args: WitnessArgs, out: &mut Out) -> Result<Outcome> {
    let key = read_private(&args.key)?;
    if args.submit && !is_url(&args.tiles) {
        return Err(hinted("--submit needs the URL of the service as --tiles", "drop --submit for a folder of tiles"));
    }
    let client = ledger_http::Client::new(&args.tiles);
    let http = ledger_http::HttpTiles(client.clone());
    let folder = ledger_engine::tiles::Folder(PathBuf::from(&args.tiles));
    let source: &dyn ledger_engine::tiles::TileSource = if is_url(&args.tiles) { &http } else { &folder };
    let mut warnings = Vec::new();
    let request = ledger_engine::tlog::WitnessRequest {
        key,
        name: &args.name,
        log_vkey: &args.log_vkey,
        state: &args.dir,
        now: crate::ctx::now()?,
    };
    let (outcome, note) = ledger_engine::tlog::witness(source, request, &mut warnings)?;
    for w in &warnings {
        eprintln!("{w}");
    }
    match outcome {
        ledger_engine::tlog::Cosigning::Cosigned(c) => {
            out.line(c.line.trim_end())?;
            match c.consistent_with {
                Some(old) if old == c.size => eprintln!("cosigned {}, the checkpoint cosigned before", c.size),
                Some(old) => eprintln!("cosigned {}, consistent with {old}", c.size),
                None => eprintln!("cosigned {} (first sight: no earlier checkpoint to be consistent with)", c.size),
            }
            if args.submit {
                let url = format!("{}/cosignature", args.tiles.trim_end_matches('/'));
                let answer = client.post("cosignature", &note)?;
                let v = answer.json();
                let accepted = v["accepted"].as_array().is_some_and(|a| a.iter().any(|n| n == args.name.as_str()));
                if !(200..300).contains(&answer.status) || !accepted {
                    out.line(format!("FAILED: {url} did not accept the cosignature of {}", args.name))?;
                    if (200..300).contains(&answer.status) {
                        out.line(format!(
                            "  it accepted {} but not {}: is this witness key among its --witness keys, under this --name?",
                            v["accepted"],
                            args.name
                        ))?;
                    } else {
                        out.line(format!(
                            "  HTTP {}: {}",
                            answer.status,
                            v["error"].as_str().unwrap_or("no reason given")
                        ))?;
                        if let Some(hint) = v["hint"].as_str() {
                            out.line(format!("  hint: {hint}"))?;
                        } else if let Some(code) = v["code"].as_str() {
                            out.line(format!("  for the service's operator: {code}"))?;
                        }
                    }
                    return Ok(Outcome::Failed);
                }
                eprintln!("sent to {url}: the service accepted it and serves it with its checkpoint");
            }
            Ok(Outcome::Ok)
        }
        ledger_engine::tlog::Cosigning::Refused(p) => {
            out.line("FAILED: not cosigned")?;
            print_problems(out, std::slice::from_ref(&p))?;
            out.line(format!("the checkpoint presented is kept in {}", args.dir.join("forks").display()))?;
            Ok(Outcome::Failed)
        }
    }
}
