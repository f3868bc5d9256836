//! The command-line grammar.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// The assessment ledger: a signed, hash-chained record of how districts and
/// counties are assessed, and of the rewards and accountability that follow.
#[derive(Debug, Parser)]
#[command(name = "ledger", version, about, max_term_width = 100)]
pub struct Cli {
    /// The ledger database.
    #[arg(long, global = true, env = "LEDGER_DB", default_value = "ledger/ledger.db", value_name = "PATH")]
    pub db: PathBuf,

    /// Print nothing on stdout (the exit code still tells).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a key pair: OUT.key (private, PKCS#8 PEM, mode 0600) and OUT.pub.
    Keygen {
        /// Path without extension, e.g. keys/statistics.
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
    /// Create a new ledger with its genesis record (never overwrites).
    Init(InitArgs),
    /// Append events given as JSON Lines (one batch: all lines or none).
    Append(AppendArgs),
    /// List records.
    Log {
        /// First sequence number.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// At most this many records.
        #[arg(long)]
        limit: Option<u64>,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Show one record.
    Show {
        /// Its sequence number.
        seq: u64,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Verify the whole ledger offline: exit 0 intact, 1 failed, 2 could not run.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The ledger's unique name, e.g. jinan.example/assessment-ledger.
    #[arg(long)]
    pub origin: String,
    /// Root private key(s); the first is the author. Pass a key once per root
    /// whose signature genesis needs.
    #[arg(long = "key", value_name = "KEY", required = true)]
    pub keys: Vec<PathBuf>,
    /// Further root public keys (their holders sign later governance events).
    #[arg(long = "root", value_name = "PUB")]
    pub roots: Vec<PathBuf>,
    /// Root signatures needed on governance events (default 1).
    #[arg(long, default_value_t = 1)]
    pub threshold: u32,
    /// Holder of the root key(s).
    #[arg(long, default_value = "City root of trust")]
    pub holder: String,
    /// Role table (JSON object: role -> event types); default: ledger/roles.json as embedded.
    #[arg(long, value_name = "FILE")]
    pub roles: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AppendArgs {
    /// The author's private key.
    #[arg(long)]
    pub key: PathBuf,
    /// Co-signing private keys (governance events need a root threshold).
    #[arg(long = "cosign", value_name = "KEY")]
    pub cosign: Vec<PathBuf>,
    /// JSON Lines file, or - (the default) for standard input.
    pub file: Option<PathBuf>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Root public key(s) the genesis record must name.
    #[arg(long = "trust", value_name = "PUB")]
    pub trust: Vec<PathBuf>,
    /// A record hash (hex) the ledger must still contain: catches truncation and rollback.
    #[arg(long, value_name = "HEX")]
    pub expect_head: Option<String>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}
