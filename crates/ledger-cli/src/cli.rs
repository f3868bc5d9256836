//! The command-line grammar.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// `ledger --version`: the crate's version, the git commit it was built
/// from (`unknown` outside git) and the formats it reads and writes.
pub fn version() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        format!(
            "{} (commit {}; record format {}, store schema {})",
            env!("CARGO_PKG_VERSION"),
            env!("LEDGER_GIT_COMMIT"),
            ledger_node::FORMAT_VERSION,
            ledger_node::STORE_SCHEMA_VERSION
        )
    })
}

/// The assessment ledger: a signed, hash-chained record of how districts and
/// counties are assessed, and of the rewards and accountability that follow.
#[derive(Debug, Parser)]
#[command(name = "ledger", version = version(), about, max_term_width = 100)]
pub struct Cli {
    /// The ledger database.
    #[arg(long, global = true, env = "LEDGER_DB", default_value = "ledger/ledger.db", value_name = "PATH")]
    pub db: PathBuf,

    /// Print nothing on stdout (the exit code still tells).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Keep nothing of this ledger on this machine: every read verifies and
    /// folds from genesis (default: the last point verified and the trusted
    /// snapshots are kept in $LEDGER_CACHE, else the user's cache directory).
    #[arg(long, global = true, env = "LEDGER_NO_CACHE")]
    pub no_cache: bool,

    /// How far after this machine's clock an event may be dated and still be appended (here or by `serve`): 300, 90s, 5m, 2h, 1d. An event dated later is refused, so that no wrong clock can freeze the ledger (docs/FORMAT.md, "Time").
    #[arg(long, global = true, env = "LEDGER_MAX_CLOCK_SKEW", default_value = "5m", value_name = "DURATION", value_parser = parse_skew)]
    pub max_clock_skew: u32,

    #[command(subcommand)]
    pub command: Command,
}

/// A duration in whole seconds: `300`, `90s`, `5m`, `2h`, `1d`.
fn parse_skew(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u32 = number.parse().map_err(|_| format!("{text:?} is not a duration: give e.g. 300, 90s, 5m, 2h or 1d"))?;
    let factor = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        other => return Err(format!("unknown unit {other:?}: use s, m, h or d")),
    };
    n.checked_mul(factor).ok_or_else(|| format!("{text:?} is too long"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a key pair: OUT.key (private, PKCS#8 PEM, mode 0600) and OUT.pub.
    #[command(after_help = "Examples:
  ledger keygen --out keys/statistics     # keys/statistics.key (0600, never committed) and keys/statistics.pub
  ledger keygen --out keys/root")]
    Keygen {
        /// Path without extension, e.g. keys/statistics.
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
    /// Create a new ledger with its genesis record (never overwrites).
    #[command(after_help = "Examples:
  ledger init --origin jinan.example/assessment-ledger --key keys/root.key --holder \"济南市人民政府 (root of trust)\"
  ledger --db ledger.db init --origin jinan.example/assessment-ledger --key keys/root-a.key --key keys/root-b.key \\
      --root keys/root-c.pub --threshold 2     # three roots, two signatures on every governance event")]
    Init(InitArgs),
    /// Append events given as JSON Lines (one batch: all lines or none).
    #[command(after_help = "Examples:
  echo '{\"stream\":\"notes\",\"type\":\"note\",\"data\":{\"text\":\"月报已报送\"}}' | ledger append --key keys/statistics.key
  ledger append --key keys/statistics.key events.jsonl --json
  ledger append --signed signed.jsonl      # events signed elsewhere with `ledger sign`")]
    Append(AppendArgs),
    /// Sign events on this machine without the ledger file: signed events as JSON Lines on stdout, for `ledger append --signed` or the HTTP service
    #[command(
        after_help = "Examples:\n  ledger sign --key keys/statistics.key --copy mirror.db values.jsonl > signed.jsonl\n  ledger sign --key keys/statistics.key --server http://ledger.example:8080 values.jsonl > signed.jsonl\n  ledger --db ledger.db append --signed signed.jsonl        # on the machine that holds the ledger"
    )]
    Sign(SignArgs),
    /// List records.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db log --period 2022 --type objection_filed
  ledger log --unit 商河县 --signer 统计局        # also --stream, --type, --period
  ledger log --from 1200 --limit 20 --json")]
    Log {
        /// First sequence number.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// At most this many records (of those the filters list).
        #[arg(long)]
        limit: Option<u64>,
        #[command(flatten)]
        filter: LogFilter,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Show one record.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db show 0      # the genesis record: origin, roots, roles
  ledger show 1234 --json")]
    Show {
        /// Its sequence number.
        seq: u64,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Check details and a salt against the personal-data commitment a record holds: exit 0 they match, 1 they do not.
    #[command(
        after_help = "Examples:\n  ledger personal-check --record 4734 --details '{\"name\":\"张三\",\"position\":\"deputy head\"}' --salt 5f0c...e1"
    )]
    PersonalCheck {
        /// The record.
        #[arg(long, value_name = "SEQ")]
        record: u64,
        /// The details, a JSON object of strings (as `ledger show SEQ --json` gives them).
        #[arg(long)]
        details: String,
        /// The salt, 64 hex digits.
        #[arg(long)]
        salt: String,
    },
    /// Verify the whole ledger offline: exit 0 intact, 1 failed, 2 could not run.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db verify --trust ledger/demo/keys/root.pub
  ledger verify --trust keys/root.pub --state inspector-state.txt   # also: nothing rewritten since last time
  ledger verify --trust keys/root.pub --checkpoint checkpoint.txt --policy witnesses.policy --json")]
    Verify(VerifyArgs),
    /// Forget what this machine verified of the ledger: the explicit act of accepting a history other than the one verified (an older copy restored, another ledger at the same path), which `verify` and every read otherwise report as tampering.
    #[command(after_help = "Examples:
  ledger verify --trust keys/root.pub      # FAILED: ... records were removed from its end (a rollback)
  ledger forget                            # prints what it forgets; the next verify starts from genesis
  ledger --db restored.db forget --json")]
    Forget {
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild derived data from records that verify, or carry out the erasures they record (the operator's explicit recovery; see docs/TLOG.md).
    #[command(after_help = "Examples:
  ledger repair --rebuild-tree --trust keys/root.pub   # after `ledger verify` reports a tree finding
  ledger repair --erase-redacted                       # after `ledger verify` warns of an erasure not carried out")]
    Repair(RepairArgs),
    /// The verifiable log: checkpoint, prove, verify-proof, consistency, cosign (docs/TLOG.md).
    #[command(flatten)]
    Tlog(crate::tlog::TlogCommand),
    /// The assessment: demo, submit, catalog, units, status, publish, finalize, scores, explain, audit.
    #[command(flatten)]
    Domain(crate::domain::DomainCommand),
    /// The offices' events: adopt, period, targets, correct, verify-values, return, objection, reward, action, rectify, fraud.
    #[command(flatten)]
    Office(crate::office::OfficeCommand),
    /// Offices on other machines: serve, export-tiles.
    #[command(flatten)]
    Serve(crate::serve::ServeCommand),
    /// Keys and authority: authorise, revoke, rotate the root, list.
    #[command(
        subcommand,
        after_help = "Examples:
  ledger key authorize --key keys/root.key --pub keys/statistics.pub --holder \"济南市统计局\" --role statistics
  ledger --db ledger/demo/ledger.db key list"
    )]
    Key(KeyCommand),
    /// Measure append, verify, proofs and scale against this machine's raw limits (heavy: not part of the tests)
    #[command(after_help = "Examples:
  ledger bench                                  # 100,000 records in a temporary folder (build with --release)
  ledger bench --records 1000000 --dir bench/ --json > bench.json")]
    Bench(BenchArgs),
    /// Print a shell completion script on stdout.
    #[command(after_help = "Examples:
  ledger completions bash > ~/.local/share/bash-completion/completions/ledger
  ledger completions zsh > ~/.zfunc/_ledger
  ledger completions fish > ~/.config/fish/completions/ledger.fish
  ledger completions powershell >> $PROFILE")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (roff), one per command, or the command reference in Markdown, generated from this grammar.
    #[command(after_help = "Examples:
  ledger man --out man/ && man -l man/ledger-report.1
  ledger man | man -l -          # the page of `ledger` itself
  ledger man --markdown > docs/CLI.md")]
    Man {
        /// The folder to write ledger.1, ledger-report.1, ... into (created if missing); without it, the page of `ledger` on stdout.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the reference of every command (about, usage, options, examples) as one Markdown document instead: docs/CLI.md.
        #[arg(long, conflicts_with = "out")]
        markdown: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Authorise an office key for roles (a root action).
    #[command(after_help = "Examples:
  ledger key authorize --key keys/root.key --pub keys/statistics.pub --holder \"济南市统计局\" --role statistics
  ledger key authorize --key keys/root.key --pub keys/shanghe.pub --holder \"商河县\" --role unit \\
      --unit 商河县 --authority keys/authority.key      # speaks for Shanghe only
  ledger key authorize --key keys/root.key --pub keys/inspector.pub --holder \"济南市审计局\" --role inspector \\
      --from 2023-01-01 --until 2023-12-31")]
    Authorize {
        /// Root private key (the author).
        #[arg(long)]
        key: PathBuf,
        /// Further root private keys, when the root threshold is above 1.
        #[arg(long = "cosign", value_name = "KEY")]
        cosign: Vec<PathBuf>,
        /// The office's public key file.
        #[arg(long = "pub", value_name = "PUB")]
        public: PathBuf,
        /// The office holding the key, e.g. "Jinan Statistics Bureau".
        #[arg(long)]
        holder: String,
        /// A role (repeat for several): statistics, assessment, authority, unit, inspector, ...
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// First day the key may sign (YYYY-MM-DD in the ledger's time zone, or an RFC 3339 time).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day the key may sign (YYYY-MM-DD: to the end of that day in the ledger's time zone).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// With --role unit: the unit the key speaks for (id or name); it may then file objections and rectifications for that unit only. Needs --authority.
        #[arg(long, requires = "authority")]
        unit: Option<String>,
        /// With --unit: the city authority office's private key, which records the binding (unit_key_bound).
        #[arg(long, value_name = "KEY", requires = "unit")]
        authority: Option<PathBuf>,
    },
    /// Bind a unit's key to the unit it speaks for (the authority office): objections and rectifications for that unit only.
    #[command(after_help = "Examples:
  ledger key bind --key keys/authority.key --pub keys/shanghe.pub --unit 商河县")]
    Bind {
        /// The city authority office's private key.
        #[arg(long)]
        key: PathBuf,
        /// The unit's public key file.
        #[arg(long = "pub", value_name = "PUB")]
        public: PathBuf,
        /// The unit (id or name).
        #[arg(long)]
        unit: String,
    },
    /// Revoke an office key (a root action).
    #[command(after_help = "Examples:
  ledger key revoke keys/statistics.pub --reason \"staff change\" --key keys/root.key
  ledger key revoke 1a2b3c4d5e6f7a8b --reason \"laptop stolen\" --compromised --from 1234 --key keys/root.key")]
    Revoke {
        /// Root private key (the author).
        #[arg(long)]
        key: PathBuf,
        /// Further root private keys, when the root threshold is above 1.
        #[arg(long = "cosign", value_name = "KEY")]
        cosign: Vec<PathBuf>,
        /// The key: its 16-digit key id, its 64-digit public key, or its .pub file.
        key_id: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The private key is (or may be) in other hands: its events from --from on are invalid.
        #[arg(long, requires = "from_seq")]
        compromised: bool,
        /// With --compromised: the first sequence number not to trust.
        #[arg(long = "from", value_name = "SEQ", requires = "compromised")]
        from_seq: Option<u64>,
    },
    /// Replace the root keys: signed by the old threshold of old roots and the new threshold of new roots.
    #[command(after_help = "Examples:
  ledger key rotate-root --key keys/root.key --new-root keys/root-2024.pub --cosign keys/root-2024.key
  ledger key rotate-root --key keys/root.key --new-root keys/root-a.pub --new-root keys/root-b.pub \\
      --cosign keys/root-a.key --cosign keys/root-b.key --threshold 2")]
    RotateRoot {
        /// An old root private key (the author).
        #[arg(long)]
        key: PathBuf,
        /// Further signing keys: old roots up to the old threshold, and new roots up to the new threshold.
        #[arg(long = "cosign", value_name = "KEY")]
        cosign: Vec<PathBuf>,
        /// A new root public key (repeat for each).
        #[arg(long = "new-root", value_name = "PUB", required = true)]
        new_roots: Vec<PathBuf>,
        /// Holder of the new root keys.
        #[arg(long, default_value = "City root of trust")]
        holder: String,
        /// New threshold.
        #[arg(long, default_value_t = 1)]
        threshold: u32,
    },
    /// List every key the ledger has known: holder, roles, status, history.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db key list
  ledger key list --json")]
    List {
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print a public key as a signed-note verifier key (<name>+<key id>+<base64>).
    #[command(after_help = "Examples:
  ledger key vkey ledger/demo/keys/log.pub --name demo.jinan.example/assessment-ledger > log.vkey
  ledger key vkey keys/inspector.pub --name inspector.example/witness --witness > inspector.vkey")]
    Vkey(crate::tlog::VkeyArgs),
    /// Print a key the ledger knows (any office's, a root's, the log's), read from the ledger: a public key file (PEM), or its verifier key.
    #[command(
        after_help = "Examples:\n  ledger key export statistics > statistics.pub   # by role, holder or key id: a PEM public key file\n  ledger key export log --vkey > log.vkey           # the log's verifier key, named by the origin\n  ledger key export 统计局 --json                    # both, with holder, roles and status"
    )]
    Export {
        /// The key: its 16-digit key id, its 64-digit public key, a role only one active key holds (`log`, `statistics`...), or its holder (or a part of the name only one holder has).
        key: String,
        /// The verifier key's name (default: the ledger's origin, as for the log key).
        #[arg(long)]
        name: Option<String>,
        /// The verifier key of a witness (cosignature/v1).
        #[arg(long)]
        witness: bool,
        /// Print the verifier key (<name>+<key id>+<base64>) instead of the PEM.
        #[arg(long, conflicts_with = "json")]
        vkey: bool,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
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
    #[arg(long, required_unless_present = "signed", conflicts_with = "signed")]
    pub key: Option<PathBuf>,
    /// The input holds events already signed (`ledger sign`): appended as signed, with the same checks
    #[arg(long)]
    pub signed: bool,
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
pub struct SignArgs {
    /// The author's private key.
    #[arg(long)]
    pub key: PathBuf,
    /// Co-signing private keys (governance events need a root threshold).
    #[arg(long = "cosign", value_name = "KEY")]
    pub cosign: Vec<PathBuf>,
    /// A copy of the ledger (read only) giving its origin, the streams' versions and the last record's time
    #[arg(long, value_name = "PATH", conflicts_with_all = ["origin", "server"])]
    pub copy: Option<PathBuf>,
    /// The ledger's HTTP service (`ledger serve`), asked for its origin, the streams' versions and the last record's time
    #[arg(long, value_name = "URL", conflicts_with = "origin")]
    pub server: Option<String>,
    /// The ledger's origin, with no copy and no service: each stream's first line then gives "expected_version"
    #[arg(long)]
    pub origin: Option<String>,
    /// JSON Lines file of events (as for `ledger append`), or - (the default) for standard input.
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RepairArgs {
    /// Drop the Merkle tree table and build it again from the records (refused while they fail verification).
    #[arg(long, required_unless_present = "erase_redacted")]
    pub rebuild_tree: bool,
    /// Erase the personal data of every record the ledger says was redacted but this file still holds (a file written before erasures arriving signed elsewhere were carried out); refused while the ledger fails verification.
    #[arg(long)]
    pub erase_redacted: bool,
    /// Root public key(s) the genesis record must name.
    #[arg(long = "trust", value_name = "PUB")]
    pub trust: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Root public key(s) the genesis record must name.
    #[arg(long = "trust", value_name = "PUB")]
    pub trust: Vec<PathBuf>,
    /// A record hash (hex) the ledger must still contain: catches truncation and rollback.
    #[arg(long, value_name = "HEX", conflicts_with_all = ["checkpoint", "state"])]
    pub expect_head: Option<String>,
    /// A signed checkpoint: check the ledger is consistent with it, then verify only the records added since.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Inspector state: the newest checkpoint seen; anything inconsistent with it is reported, and it moves forward.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// With --checkpoint: a witness policy (c2sp.org/tlog-policy) the checkpoint's cosignatures must meet.
    #[arg(long, value_name = "FILE", requires = "checkpoint")]
    pub policy: Option<PathBuf>,
    /// With --checkpoint/--state/--tiles: the log's verifier key, or a file holding it (default: the ledger's log keys).
    #[arg(long, value_name = "VKEY")]
    pub vkey: Option<String>,
    /// Verify the ledger published as static tiles (`ledger export-tiles DIR`, or `ledger serve` at a URL) instead of a file: the records rebuilt from the record bundles, the tiles and the signed checkpoint checked against them
    #[arg(long, value_name = "DIR_OR_URL", conflicts_with_all = ["checkpoint", "state", "expect_head"])]
    pub tiles: Option<String>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Records in the benchmark ledger (1000000 for the scale figures of docs/BENCHMARKS.md; 10000000 is the heavy run: ~10 GB).
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub records: u64,
    /// Events per append transaction.
    #[arg(long, default_value_t = 1000, value_name = "B")]
    pub batch: usize,
    /// Build the ledger in this directory and keep it (default: a temporary directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Which records `ledger log` lists: every filter given must hold.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LogFilter {
    /// Only this stream, exactly: period/2022, unit/shanghe, catalog, ledger, ...
    #[arg(long)]
    pub stream: Option<String>,
    /// Only this event type, e.g. measurement_corrected
    #[arg(long = "type", value_name = "TYPE")]
    pub event_type: Option<String>,
    /// Only this period's records (its stream, and audit findings naming it)
    #[arg(long)]
    pub period: Option<String>,
    /// Only records about this unit (id or name): its stream, events naming it, and the corrections, verifications, returns and objection outcomes of its values
    #[arg(long)]
    pub unit: Option<String>,
    /// Only records this key signed or co-signed: a key id (16 hex digits), a public key (64 hex digits), a .pub file, or part of the holder's name ("Statistics")
    #[arg(long)]
    pub signer: Option<String>,
}
