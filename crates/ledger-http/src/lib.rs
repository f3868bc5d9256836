//! The ledger over HTTP (`docs/TLOG.md`, "The service"): the service that
//! holds a ledger for offices on other machines (`ledger serve`), and the
//! client the other commands use to talk to it or to read published tiles
//! (`ledger sign --server`, `ledger verify --tiles URL`).
//!
//! The service appends events signed elsewhere, one batch per request,
//! through the engine (`ledger-engine`): the same checks as a direct append,
//! one transaction, nothing written on refusal. It seals every batch that
//! added records with a checkpoint signed by the log key and recorded in
//! the ledger, so that rewriting history needs the log key, not only an
//! office key. It serves the log as C2SP tlog-tiles. It bounds what an
//! anonymous client can make it hold (connections, requests, bodies, time),
//! logs every request as an audit trail, and speaks TLS when given a
//! certificate (rustls).
//!
//! Non-features: no ledger logic (what is checked, sealed and counted is
//! `ledger-engine`'s), no authentication of clients (a batch is authorised by
//! the signatures it carries), HTTP/1.1 only.

#![forbid(unsafe_code)]

mod client;
mod listen;
mod server;

pub use client::{Client, HttpTiles};
pub use listen::{Limits, Tls};
pub use server::{Config, Metrics, serve};

/// Logs one line per request (and the service's own messages) on stderr.
pub fn init_logging() {
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
