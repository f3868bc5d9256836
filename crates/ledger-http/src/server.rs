//! `ledger serve`: the HTTP service.
//!
//! | request | answer |
//! |---|---|
//! | `POST /add` | body: signed events as JSON Lines (`ledger sign`); 200 with each line's seq (`appended` or `existing`) and the checkpoint that seals the batch, or, when the seal failed after the batch committed, `"checkpoint": null` with `unsealed` and a `warning`; 400 a line that does not decode, 403 a signer who may not write it, 409 a stream that moved on or an id used for another event, 413 a body (declared or read) over the limit or more events than a batch may hold, 422 an event the rules refuse, 503 (with `Retry-After`) a service busy with other bodies or a ledger locked by another process, 503 a ledger that fails verification; nothing written unless 200 |
//! | `GET /checkpoint` | the latest signed checkpoint (C2SP tlog-checkpoint), with the cosignatures witnesses sent for it |
//! | `POST /cosignature` | the latest checkpoint with cosignatures of witnesses given by `--witness` (`ledger witness --submit`) |
//! | `GET /tile/<L>/<N>[.p/<W>]`, `GET /tile/entries/<N>[.p/<W>]` | C2SP tlog-tiles |
//! | `GET /records/<N>[.p/<W>]` with `N` in x-groups | the records of a level-0 tile (`docs/TLOG.md`) |
//! | `GET /record/<seq>` | one record as JSON (as `ledger show --json`) |
//! | `GET /proof/<seq>` | an inclusion proof in the latest checkpoint (C2SP tlog-proof); 404 for a record no checkpoint covers yet (the latest checkpoint itself, or records whose seal failed), saying what to ask instead |
//! | `GET /streams?stream=S&...` | the origin, the last record's time and the streams' versions: what `ledger sign --server` needs |
//! | `GET /healthz` | 200 `ok` and the head; 503 while records are unsealed because sealing failed, saying how many and why |
//! | `GET /metrics` | Prometheus text format, with the gauge `ledger_unsealed_records` |
//!
//! A failure's body is `{"error", "code", "hint"}`: what is wrong, the code
//! of what can be done about it ([`Remedy::code`], or null), and a sentence
//! saying it only when the client can do it ([`Actor::Submitter`]).
//!
//! How the service bounds its work (`docs/TLOG.md`, "The service"; the
//! defaults in `docs/LIMITS.md`): the connections open at once, the
//! requests handled at once (beyond: 503 `Retry-After`), the bytes of
//! request bodies held at once (a body waits for its share before it is
//! read, and is decoded line by line as it arrives), the body of one
//! request (a declared length over it is refused before anything is read),
//! the time to send a request's headers, a connection's idle time, a
//! request's time, and the grace given to requests in flight at shutdown.
//!
//! Appends are serialised by one lock around the writing connection and
//! never interleave; reads open their own read-only connection and never
//! wait for the writer. Every request is logged as one line on stderr
//! (`tracing`) naming the client's address, the status, and for a batch
//! the key ids and event ids it carried and, when refused, why; a
//! connection closed below HTTP (headers too slow, idle, unreadable, over
//! the bound) is logged too. SIGTERM or Ctrl-C stops accepting
//! connections, lets the requests in flight finish within the grace
//! period, and always lets an append that started commit.

use crate::listen::{self, Limits, Peer, Tls};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use ledger_core::SigningKey;
use ledger_engine::local::Cache;
use ledger_engine::tiles::latest_checkpoint;
use ledger_engine::{Actor, Error, Input, Ledger, Prerequisite, Remedy};
use ledger_tlog::tiles::Tile;
use serde_json::json;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// The log's private key: every batch is sealed with a checkpoint it signs.
    pub log_key: SigningKey,
    /// The most bytes one request body may hold.
    pub max_body: usize,
    /// The longest a request may take.
    pub timeout: Duration,
    /// The witnesses whose cosignatures the service accepts and serves.
    pub witnesses: Vec<ledger_tlog::Verifier>,
    /// The bounds on connections, concurrency, buffered bodies and time.
    pub limits: Limits,
    /// Serve HTTPS with this certificate chain and key.
    pub tls: Option<Tls>,
    /// Serve plain HTTP on an address other than a loopback one (refused
    /// otherwise: requests and answers would cross the network unprotected).
    pub insecure_plain_http: bool,
}

/// The service's counters (`GET /metrics`).
#[derive(Debug, Default)]
pub struct Metrics {
    requests: AtomicU64,
    batches: AtomicU64,
    appended: AtomicU64,
    existing: AtomicU64,
    refused: AtomicU64,
    checkpoints: AtomicU64,
    seal_failures: AtomicU64,
    busy: AtomicU64,
}

/// Why the records after the latest seal are not sealed: the last attempt
/// failed. Cleared by a seal that succeeds.
#[derive(Debug, Default)]
struct SealState {
    /// The reason the last attempt failed, if it did.
    failing: Option<String>,
    /// Failed attempts in a row (the retry waits longer after each).
    failures: u32,
    /// When to try again on its own.
    retry_at: Option<Instant>,
}

/// The first retry of a failed seal comes this long after it; each further
/// one waits twice as long, up to [`RETRY_MAX`].
const RETRY_FIRST: Duration = Duration::from_secs(5);
const RETRY_MAX: Duration = Duration::from_secs(300);

struct App {
    writer: Mutex<Ledger>,
    /// The ledger file, for the read-only connections of reads.
    path: PathBuf,
    max_body: usize,
    timeout: Duration,
    witnesses: Vec<ledger_tlog::Verifier>,
    /// Cosignature lines accepted for a checkpoint text (the latest one).
    cosigned: Mutex<(String, Vec<String>)>,
    log_key: SigningKey,
    metrics: Metrics,
    seal: Mutex<SealState>,
    /// Requests handled at once (`/healthz` and `/metrics` aside).
    concurrent: Arc<Semaphore>,
    /// Units of [`BODY_UNIT`] bytes of request bodies held at once.
    buffered: Semaphore,
    buffered_units: u32,
}

type Shared = Arc<App>;

/// Request bodies are accounted for in units of this many bytes.
const BODY_UNIT: usize = 64 * 1024;

/// Bodies are checked in pieces of at least this many bytes (whole lines),
/// as they arrive.
const DECODE_PIECE: usize = 256 * 1024;

/// The most event ids (and key ids) one log line names; then the number of
/// events.
const LOGGED_IDS: usize = 100;

/// An error answered as a status and a JSON body `{"error", "hint"}`.
struct Failure {
    status: StatusCode,
    error: String,
    /// The code of the remedy, if there is one ([`Remedy::code`]).
    code: Option<&'static str>,
    /// What the client can do, if it can do something.
    hint: Option<String>,
    retry_after: Option<u32>,
}

/// What a refusal was, for the request's log line.
#[derive(Debug, Clone)]
struct Refusal(String);

/// What a request carried, for its log line.
#[derive(Debug, Clone, Default)]
struct Audit {
    /// The key ids that signed (authors, then co-signers), each once, at
    /// most [`LOGGED_IDS`].
    keys: Vec<String>,
    /// The event ids, at most [`LOGGED_IDS`].
    events: Vec<String>,
    /// How many events in all.
    count: usize,
    /// What was done: `appended=N existing=M sealed=S`, witnesses accepted.
    outcome: String,
}

fn failure(status: StatusCode, error: impl Into<String>, hint: Option<&str>) -> Failure {
    Failure { status, error: error.into(), code: None, hint: hint.map(str::to_owned), retry_after: None }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "code": self.code, "hint": self.hint});
        let mut response =
            (self.status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response();
        if let Some(s) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        response.extensions_mut().insert(Refusal(self.error));
        response
    }
}

/// What the client of the service can do about a remedy, in its words: a
/// sentence for the remedies whose actor is the submitter (the client),
/// none for the others (the service's operator acts on those; the answer's
/// `code` still names them).
fn client_hint(remedy: &Remedy) -> Option<String> {
    if remedy.actor() != Actor::Submitter {
        return None;
    }
    Some(match remedy {
        Remedy::DecideAgain { .. } => "another writer appended first: read the ledger again (GET /streams), decide again, and sign again with the stream's new expected_version".into(),
        Remedy::SignAgainstLedger { stream } => format!(
            "sign against the ledger as it stands (GET /streams gives each stream's version), or give \"expected_version\" on the first line of stream {stream:?}"
        ),
        Remedy::SetClock => "set the signing machine's clock right and sign again: the service refuses events dated too far after its own clock".into(),
        Remedy::CheckRoles => "the ledger's governance records say which key may write what: ask its operator which roles your key holds".into(),
        Remedy::RetryLater => "nothing was written; send the same request again after Retry-After seconds".into(),
        Remedy::SplitInput { max } => format!("send at most {max} events in one request"),
        Remedy::FixInput { input } => format!("check {} and send again", input.noun()),
        Remedy::GiveInput { input } => format!("give {} and send again", input.noun()),
        Remedy::WriteAs { form } => form.describe(),
        Remedy::ChooseKnown { kind, names } => {
            format!("{}: {}", kind.plural(), if names.is_empty() { "none".to_owned() } else { names.join(", ") })
        }
        Remedy::ChooseRecord { last } => format!("the ledger holds records 0 to {last}"),
        Remedy::RecordFirst { what } => match what {
            Prerequisite::Period => "the period must be opened first".into(),
            Prerequisite::Round { period } => format!("the monitoring round must be opened in period {period} first"),
            Prerequisite::Value { period, .. } => format!("a value must be submitted in period {period} first"),
            Prerequisite::Registry => "the catalog, the units and a policy must be adopted first".into(),
            Prerequisite::Project => "the project must be registered first".into(),
        },
        Remedy::CompletePeriod { period } => format!(
            "complete the values missing or returned in period {period} first, or publish it as incomplete (the publication records the count)"
        ),
        _ => return None,
    })
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let remedy = e.remedy();
        let code = remedy.as_ref().map(Remedy::code);
        let hint = remedy.as_ref().and_then(client_hint);
        let (status, retry_after) = match &e {
            Error::Tampered { .. } => (StatusCode::SERVICE_UNAVAILABLE, None),
            Error::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, Some(5)),
            Error::Conflict { .. } => (StatusCode::CONFLICT, None),
            Error::Forbidden { .. } => (StatusCode::FORBIDDEN, None),
            Error::Refused { .. } => (StatusCode::UNPROCESSABLE_ENTITY, None),
            _ => {
                // Not the client's doing, and the message may name the
                // service's files: the detail goes to the service's log.
                tracing::error!(error = %e, "the service could not carry out a request");
                return Failure {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    error: "the service could not carry out the request (its log says why); nothing was written".into(),
                    code: None,
                    hint: None,
                    retry_after: None,
                };
            }
        };
        Failure { status, error: e.to_string(), code, hint, retry_after }
    }
}

fn not_found(what: impl Into<String>) -> Failure {
    failure(StatusCode::NOT_FOUND, what, None)
}

fn busy(why: impl Into<String>, retry_after: u32) -> Failure {
    Failure {
        status: StatusCode::SERVICE_UNAVAILABLE,
        error: why.into(),
        code: Some(Remedy::RetryLater.code()),
        hint: Some("send the same request again after Retry-After seconds".into()),
        retry_after: Some(retry_after),
    }
}

/// Runs blocking work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Failure> + Send + 'static) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        tracing::error!(error = %e, "a request's work failed");
        failure(StatusCode::INTERNAL_SERVER_ERROR, "the service could not carry out the request", None)
    })?
}

/// Runs blocking work with the writing connection, holding its lock:
/// appends and seals never interleave.
async fn with_writer<T: Send + 'static>(
    app: &Shared,
    f: impl FnOnce(&mut Ledger, &App) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let app = app.clone();
    blocking(move || {
        let mut ledger = app.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut ledger, &app)
    })
    .await
}

/// Runs a read on a read-only connection of its own: it sees the ledger as
/// the last append committed it, and never waits for the writer. (The
/// writing connection keeps the file in WAL mode with its log present, so
/// each such connection is one read transaction.)
async fn with_reader<T: Send + 'static>(
    app: &Shared,
    f: impl FnOnce(&Ledger, &App) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let app = app.clone();
    blocking(move || {
        let ledger = Ledger::open_read_only(&app.path, Cache::disabled())?;
        f(&ledger, &app)
    })
    .await
}

/// Serves the ledger until SIGTERM or Ctrl-C. `ready` is called with the
/// address bound (port 0 picks one) before the first request is taken.
///
/// Refuses to start (nothing served) when the log key may not sign the
/// ledger's checkpoints, or when asked to serve plain HTTP beyond the
/// loopback interface without `insecure_plain_http`.
pub fn serve(ledger: Ledger, config: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), Error> {
    if !config.listen.ip().is_loopback() && config.tls.is_none() && !config.insecure_plain_http {
        return Err(Error::refused_with(
            format!(
                "refusing to serve plain HTTP on {}, an address other machines reach: requests and answers would cross the network unprotected",
                config.listen
            ),
            Remedy::GiveInput { input: Input::Tls },
        ));
    }
    let mut ledger = ledger;
    // A log key that may not sign checkpoints would leave every batch
    // unsealed: refuse it before taking any.
    ledger.check_log_key(&config.log_key).map_err(|e| e.context("--log-key"))?;
    seal_unsealed(&mut ledger, &config.log_key)?;
    let tls = config.tls.as_ref().map(listen::tls_acceptor).transpose()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::refused(format!("starting the service: {e}")))?;
    let mut limits = config.limits.clone();
    if let Some(lowered) = limits.fit_open_files() {
        tracing::warn!("{lowered}");
    }
    let buffered_units = u32::try_from(limits.max_buffered.div_ceil(BODY_UNIT).max(1)).unwrap_or(u32::MAX >> 4);
    let app: Shared = Arc::new(App {
        path: ledger.path().to_owned(),
        writer: Mutex::new(ledger),
        max_body: config.max_body,
        timeout: config.timeout,
        witnesses: config.witnesses,
        cosigned: Mutex::default(),
        log_key: config.log_key,
        metrics: Metrics::default(),
        seal: Mutex::default(),
        concurrent: Arc::new(Semaphore::new(limits.max_concurrent.max(1))),
        buffered: Semaphore::new(buffered_units as usize),
        buffered_units,
    });
    let router = Router::new()
        .route("/add", post(add))
        .route("/checkpoint", get(checkpoint))
        .route("/cosignature", post(cosignature))
        .route("/tile/{*path}", get(tile))
        .route("/records/{*path}", get(tile_records))
        .route("/record/{seq}", get(record))
        .route("/proof/{seq}", get(proof))
        .route("/streams", get(streams))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(unknown_path)
        .layer(axum::middleware::from_fn_with_state(app.clone(), front))
        .with_state(app.clone());
    let writer = app.clone();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| Error::refused(format!("listening on {}: {e}", config.listen)))?;
        let bound = listener.local_addr().map_err(|e| Error::refused(e.to_string()))?;
        ready(bound);
        tokio::spawn(retry_seals(app));
        listen::run(listener, router, tls, limits).await;
        // Whatever the grace cut short: an append that started still
        // commits (its work runs outside the connection); wait for it.
        let _ = tokio::task::spawn_blocking(move || drop(writer.writer.lock())).await;
        Ok(())
    })
}

/// Seals records no signed checkpoint covers yet (a batch appended by a
/// service stopped before its seal, or by `ledger append` next to it), so
/// that the service never starts with history pinned by nothing.
fn seal_unsealed(ledger: &mut Ledger, log_key: &SigningKey) -> Result<(), Error> {
    if ledger.unsealed()? > 0 {
        let head = ledger.head()?;
        let signed = ledger.checkpoint(log_key, head.time)?;
        tracing::info!(size = signed.size, seq = signed.seq, "sealed the records no checkpoint covered");
    }
    Ok(())
}

/// What sealing after a batch came to.
enum Sealed {
    /// Nothing to seal.
    Nothing,
    /// Sealed with this checkpoint.
    Checkpoint(String),
    /// These many records are unsealed: the seal failed for this reason.
    Failed(u64, String),
}

/// Seals the records after the latest checkpoint, if any, dated at the last
/// record it covers: a seal never makes an event signed before it late (the
/// time rule), only another office's event does. Keeps the outcome for
/// `/healthz`, `/metrics` and the retries.
fn seal_pending(ledger: &mut Ledger, app: &App) -> Sealed {
    let mut attempt = || -> Result<Option<String>, Error> {
        if ledger.unsealed()? == 0 {
            return Ok(None);
        }
        let at = ledger.head()?.time;
        Ok(Some(ledger.checkpoint(&app.log_key, at)?.note))
    };
    let outcome = attempt();
    let mut seal = app.seal.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match outcome {
        Ok(None) => {
            *seal = SealState::default();
            Sealed::Nothing
        }
        Ok(Some(note)) => {
            app.metrics.checkpoints.fetch_add(1, Ordering::Relaxed);
            if seal.failing.take().is_some() {
                tracing::info!("sealed the records a failed seal had left unsealed");
            }
            *seal = SealState::default();
            Sealed::Checkpoint(note)
        }
        Err(e) => {
            let unsealed = ledger.unsealed().unwrap_or(0);
            app.metrics.seal_failures.fetch_add(1, Ordering::Relaxed);
            let why = e.to_string();
            tracing::error!(unsealed, error = %why, "the records appended are not sealed; the service tries again");
            seal.failing = Some(why.clone());
            let wait = RETRY_FIRST.saturating_mul(1 << seal.failures.min(8)).min(RETRY_MAX);
            seal.failures = seal.failures.saturating_add(1);
            seal.retry_at = Some(Instant::now() + wait);
            Sealed::Failed(unsealed, why)
        }
    }
}

/// While a seal is failing, tries again on its own: 5 s after it failed,
/// then waiting twice as long after each failure, up to 5 minutes. (Every
/// batch appended tries too.)
async fn retry_seals(app: Shared) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let due = app
            .seal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retry_at
            .is_some_and(|at| at <= Instant::now());
        if due {
            let _ = with_writer(&app, |ledger, app| Ok(seal_pending(ledger, app))).await;
        }
    }
}

/// Every request: counted, bounded in number and time, logged.
async fn front(State(app): State<Shared>, request: Request, next: axum::middleware::Next) -> Response {
    let start = Instant::now();
    app.metrics.requests.fetch_add(1, Ordering::Relaxed);
    let client = request.extensions().get::<Peer>().map_or_else(|| "-".to_owned(), |p| p.0.to_string());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    // The monitoring routes stay answerable when the service is full.
    let monitored = matches!(path.as_str(), "/healthz" | "/metrics");
    let permit = if monitored { None } else { app.concurrent.clone().try_acquire_owned().ok() };
    let response = if !monitored && permit.is_none() {
        app.metrics.busy.fetch_add(1, Ordering::Relaxed);
        busy("the service is handling as many requests as it takes at once (--max-concurrent); nothing was done", 1)
            .into_response()
    } else {
        match tokio::time::timeout(app.timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => failure(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request took longer than the {} s the service gives one (--timeout); an append already decided still commits",
                    app.timeout.as_secs()
                ),
                Some("send the same events again: those recorded are answered `existing` with their seq"),
            )
            .into_response(),
        }
    };
    drop(permit);
    log_request(&client, &method, &path, &response, start.elapsed());
    response
}

fn log_request(client: &str, method: &axum::http::Method, path: &str, response: &Response, took: Duration) {
    let status = response.status().as_u16();
    let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
    let mut details = String::new();
    if let Some(a) = response.extensions().get::<Audit>() {
        if !a.keys.is_empty() {
            let _ = write!(details, " keys=[{}]", a.keys.join(","));
        }
        if a.count > 0 {
            let _ = write!(details, " events=[{}]", a.events.join(","));
            if a.count > a.events.len() {
                let _ = write!(details, " ({} events in all)", a.count);
            }
        }
        if !a.outcome.is_empty() {
            let _ = write!(details, " {}", a.outcome);
        }
    }
    let reason = response.extensions().get::<Refusal>().map(|r| r.0.as_str());
    match reason {
        Some(reason) => {
            tracing::warn!(client = %client, %method, path = %path, status, micros, reason, "request refused{details}");
        }
        None => tracing::info!(client = %client, %method, path = %path, status, micros, "request{details}"),
    }
}

async fn unknown_path(request: Request) -> Failure {
    not_found(format!(
        "{} {}: the service answers POST /add, POST /cosignature and GET /checkpoint, /tile/..., /records/..., /record/<seq>, /proof/<seq>, /streams, /healthz, /metrics",
        request.method(),
        request.uri().path()
    ))
}

/// The body's declared length: `None` without one (chunked).
fn declared_length(headers: &HeaderMap) -> Result<Option<u64>, Failure> {
    match headers.get(header::CONTENT_LENGTH) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| failure(StatusCode::BAD_REQUEST, "the Content-Length header is not a number", None)),
    }
}

fn too_large(max: usize) -> Failure {
    Failure {
        code: Some(Remedy::SplitInput { max: ledger_engine::MAX_BATCH }.code()),
        ..failure(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than the {max} bytes a request may hold; nothing was appended"),
            Some("send the events in several requests"),
        )
    }
}

/// Reads a request body, bounded by `max` bytes, refused before anything is
/// read when its declared length is over it.
async fn read_body(body: Body, max: usize) -> Result<Vec<u8>, Failure> {
    let mut body = body;
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| failure(StatusCode::BAD_REQUEST, format!("reading the body: {e}"), None))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > max {
                return Err(too_large(max));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// A body of signed events as read: its text and, for each line holding
/// an event, its number and where it is.
struct Lines {
    text: String,
    lines: Vec<(usize, usize, usize)>,
}

/// Checks the lines of `text[from..to]` (whole lines, numbered on from
/// `*number`): each decodes as a signed event or is blank. Notes where each
/// event is and, for the log, who signed it and its id; the decoded events
/// are not kept (the append decodes them again, one at a time).
fn check_lines(
    text: &[u8],
    (from, to): (usize, usize),
    number: &mut usize,
    lines: &mut Vec<(usize, usize, usize)>,
    audit: &mut Audit,
) -> Result<(), Failure> {
    let mut start = from;
    for segment in text[from..to].split_inclusive(|b| *b == b'\n') {
        *number += 1;
        let n = *number;
        let end = start + segment.len();
        let line = segment.strip_suffix(b"\n").unwrap_or(segment);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = std::str::from_utf8(line)
            .map_err(|_| failure(StatusCode::BAD_REQUEST, format!("line {n} is not UTF-8"), None))?;
        let signed = ledger_engine::sign::read_signed_line(n, text).map_err(|e| {
            failure(
                StatusCode::BAD_REQUEST,
                e.to_string(),
                Some("send the lines `ledger sign` writes, one event per line"),
            )
        })?;
        if let Some(signed) = signed {
            lines.push((n, start, start + line.len()));
            let keys = std::iter::once(signed.envelope.author).chain(signed.signatures.iter().map(|s| s.key));
            for key in keys {
                let key = key.key_id().to_string();
                if audit.keys.len() < LOGGED_IDS && !audit.keys.contains(&key) {
                    audit.keys.push(key);
                }
            }
            if audit.events.len() < LOGGED_IDS {
                audit.events.push(signed.envelope.id);
            }
            audit.count += 1;
        }
        start = end;
    }
    Ok(())
}

/// Reads the signed events of a body and checks each line as it arrives,
/// keeping the text (`capacity` bytes are set aside for it, the declared
/// length): memory holds the body once, and one line decoded at a time.
async fn read_lines(body: Body, max: usize, capacity: usize, audit: &mut Audit) -> Result<Lines, Failure> {
    let mut body = body;
    let mut text: Vec<u8> = Vec::with_capacity(capacity);
    let mut lines = Vec::new();
    let (mut checked, mut number) = (0usize, 0usize);
    loop {
        let done = match body.frame().await {
            Some(frame) => {
                let frame =
                    frame.map_err(|e| failure(StatusCode::BAD_REQUEST, format!("reading the body: {e}"), None))?;
                let Ok(data) = frame.into_data() else { continue };
                if text.len() + data.len() > max {
                    return Err(too_large(max));
                }
                text.extend_from_slice(&data);
                if text.len() - checked < DECODE_PIECE {
                    continue;
                }
                false
            }
            None => true,
        };
        // Whole lines only, until the body ends.
        let end = if done {
            text.len()
        } else {
            match text[checked..].iter().rposition(|b| *b == b'\n') {
                Some(i) => checked + i + 1,
                None if text.len() - checked > ledger_engine::sign::MAX_SIGNED_LINE + 2 => {
                    return Err(failure(
                        StatusCode::BAD_REQUEST,
                        format!("line {}: longer than a signed event may hold (docs/LIMITS.md)", number + 1),
                        None,
                    ));
                }
                None => continue,
            }
        };
        // Decoding is work for a blocking thread; this one hands its other
        // tasks over meanwhile.
        tokio::task::block_in_place(|| check_lines(&text, (checked, end), &mut number, &mut lines, audit))?;
        checked = end;
        if lines.len() > ledger_engine::MAX_BATCH {
            return Err(Failure {
                code: Some(Remedy::SplitInput { max: ledger_engine::MAX_BATCH }.code()),
                ..failure(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ledger_engine::sign::too_many_signed(lines.len()).to_string(),
                    Some("send the events in several requests"),
                )
            });
        }
        if done {
            break;
        }
    }
    // Every line is UTF-8, and lines end at a newline: so is the whole.
    let text = String::from_utf8(text).map_err(|_| failure(StatusCode::BAD_REQUEST, "the body is not UTF-8", None))?;
    Ok(Lines { text, lines })
}

async fn add(State(app): State<Shared>, request: Request) -> Response {
    let mut audit = Audit::default();
    let mut response = match add_batch(&app, request, &mut audit).await {
        Ok(r) => r,
        Err(f) => f.into_response(),
    };
    response.extensions_mut().insert(audit);
    response
}

async fn add_batch(app: &Shared, request: Request, audit: &mut Audit) -> Result<Response, Failure> {
    let declared = declared_length(request.headers())?;
    if declared.is_some_and(|n| n > app.max_body as u64) {
        return Err(too_large(app.max_body));
    }
    // Its share of the bodies held at once, before a byte of it is read.
    let size = declared.map_or(app.max_body, |n| usize::try_from(n).unwrap_or(usize::MAX)).max(1);
    let units = u32::try_from(size.div_ceil(BODY_UNIT)).unwrap_or(u32::MAX).min(app.buffered_units);
    let _share = match tokio::time::timeout(app.timeout / 2, app.buffered.acquire_many(units)).await {
        Ok(Ok(permit)) => permit,
        _ => {
            app.metrics.busy.fetch_add(1, Ordering::Relaxed);
            return Err(busy(
                "the service is busy with other batches (--max-buffered); nothing was read or appended",
                2,
            ));
        }
    };
    // A large body's buffer is set aside above 32 MiB, so that the
    // allocator maps it on its own and unmaps it when the request ends.
    // (glibc raises the size from which it maps blocks to that of each
    // mapped block freed, up to 32 MiB: 16 MiB bodies then settle in the
    // heaps of the many threads that served them, and stay. Measured with
    // 32 clients each sending 16 MiB: a peak of 190 MiB without, 50 MiB
    // with.) Only the pages written count against memory.
    const MAPPED: usize = 32 * 1024 * 1024 + BODY_UNIT;
    let capacity = match declared.map(|n| usize::try_from(n).unwrap_or(0)) {
        Some(n) if n < 1024 * 1024 => n,
        _ => MAPPED.max(app.max_body),
    };
    let Lines { text, lines } = read_lines(request.into_body(), app.max_body, capacity, audit).await?;
    if lines.is_empty() {
        return Err(failure(StatusCode::BAD_REQUEST, "no events in the body", None));
    }
    let (body, outcome) = with_writer(app, move |ledger, app| {
        let events: Vec<(usize, &str)> = lines.iter().map(|&(n, a, b)| (n, &text[a..b])).collect();
        let results = ledger.append_signed_lines(&events).inspect_err(|_| {
            app.metrics.refused.fetch_add(1, Ordering::Relaxed);
        })?;
        drop(events);
        drop(text);
        let _ = ledger.take_warnings();
        app.metrics.batches.fetch_add(1, Ordering::Relaxed);
        let new = results.iter().filter(|r| !r.existing).count() as u64;
        app.metrics.appended.fetch_add(new, Ordering::Relaxed);
        app.metrics.existing.fetch_add(results.len() as u64 - new, Ordering::Relaxed);
        // The batch is recorded: whatever the seal comes to, the answer is
        // 200 with the seqs (a client that sees an error would sign again).
        let sealed = seal_pending(ledger, app);
        let mut body = String::with_capacity(64 + results.len() * 48);
        let _ = write!(body, "{{\"appended\":{new},\"events\":[");
        for (i, r) in results.iter().enumerate() {
            let status = if r.existing { "existing" } else { "appended" };
            let comma = if i == 0 { "" } else { "," };
            let _ = write!(body, "{comma}{{\"line\":{},\"seq\":{},\"status\":\"{status}\"}}", r.line, r.seq);
        }
        let mut outcome = format!("appended={new} existing={}", results.len() as u64 - new);
        match sealed {
            Sealed::Nothing => body.push_str("],\"checkpoint\":null}"),
            Sealed::Checkpoint(note) => {
                outcome.push_str(" sealed");
                let _ = write!(body, "],\"checkpoint\":{}}}", json!(note));
            }
            Sealed::Failed(unsealed, why) => {
                let _ = write!(outcome, " unsealed={unsealed}");
                let warning = format!(
                    "the batch is recorded (the seqs above) but not sealed: {why}; {unsealed} record(s) wait for a checkpoint, which the service tries again to sign; do not sign these events again"
                );
                let _ = write!(body, "],\"checkpoint\":null,\"unsealed\":{unsealed},\"warning\":{}}}", json!(warning));
            }
        }
        Ok((body, outcome))
    })
    .await?;
    audit.outcome = outcome;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn checkpoint(State(app): State<Shared>) -> Result<Response, Failure> {
    with_reader(&app, |ledger, app| match latest_checkpoint(ledger)? {
        Some((_, mut note)) => {
            // With the cosignatures witnesses sent for it.
            let cosigned = app.cosigned.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if note_text(&note).as_deref() == Some(cosigned.0.as_str()) {
                for line in &cosigned.1 {
                    note.push_str(line);
                }
            }
            Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], note)
                .into_response())
        }
        None => Err(not_found("the ledger has no signed checkpoint yet")),
    })
    .await
}

fn note_text(note: &str) -> Option<String> {
    ledger_tlog::Note::parse(note.as_bytes()).ok().map(|n| n.text().to_owned())
}

/// `POST /cosignature`: the latest checkpoint with cosignature lines of
/// witnesses this service accepts (`serve --witness`), as `ledger witness
/// --submit` sends it. They are served with the checkpoint from then on.
async fn cosignature(State(app): State<Shared>, request: Request) -> Response {
    let mut audit = Audit::default();
    let mut response = match cosign(&app, request, &mut audit).await {
        Ok(r) => r,
        Err(f) => f.into_response(),
    };
    response.extensions_mut().insert(audit);
    response
}

async fn cosign(app: &Shared, request: Request, audit: &mut Audit) -> Result<Response, Failure> {
    // A signed checkpoint with its cosignatures: a few kilobytes.
    const MAX_NOTE: usize = 64 * 1024;
    if declared_length(request.headers())?.is_some_and(|n| n > MAX_NOTE as u64) {
        return Err(too_large(MAX_NOTE));
    }
    let body: Bytes = read_body(request.into_body(), MAX_NOTE).await?.into();
    let bad = |status: StatusCode, why: String| failure(status, why, None);
    let note = ledger_tlog::Note::parse(&body)
        .map_err(|e| bad(StatusCode::BAD_REQUEST, format!("the body is not a signed note: {e}")))?;
    audit.keys = note.signatures().iter().map(|s| format!("{}+{:08x}", s.name, s.key_id)).collect();
    if app.witnesses.is_empty() {
        return Err(failure(
            StatusCode::FORBIDDEN,
            "this service accepts no cosignatures",
            Some("its operator gives each witness it accepts with --witness VKEY"),
        ));
    }
    let (body, names) = with_reader(app, move |ledger, app| {
        let latest = latest_checkpoint(ledger)?.and_then(|(_, n)| note_text(&n));
        if latest.as_deref() != Some(note.text()) {
            return Err(failure(
                StatusCode::CONFLICT,
                "the cosigned checkpoint is not the latest one this service signed",
                Some("witness the latest checkpoint (GET /checkpoint) and send again"),
            ));
        }
        let verified = ledger_tlog::verify_cosignatures(&note, &app.witnesses, 0)
            .map_err(|e| bad(StatusCode::UNPROCESSABLE_ENTITY, format!("a cosignature does not verify: {e}")))?;
        if verified.is_empty() {
            return Err(bad(StatusCode::FORBIDDEN, "no cosignature by a witness this service accepts".into()));
        }
        let mut cosigned = app.cosigned.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if cosigned.0 != note.text() {
            *cosigned = (note.text().to_owned(), Vec::new());
        }
        let mut names = Vec::new();
        for sig in note.signatures() {
            if verified.iter().any(|v| v.name == sig.name && v.key_id == sig.key_id) {
                // One line per witness: a newer cosignature replaces the older.
                let line = format!("{}\n", sig.to_line().trim_end_matches('\n'));
                let key = format!("\u{2014} {} ", sig.name);
                cosigned.1.retain(|l| !l.starts_with(&key));
                cosigned.1.push(line);
                names.push(sig.name.clone());
            }
        }
        let body = json!({"accepted": names});
        Ok((body.to_string(), names))
    })
    .await?;
    audit.outcome = format!("accepted=[{}]", names.join(","));
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn serve_tile(app: &Shared, path: String) -> Result<Response, Failure> {
    let tile = Tile::parse(&path).map_err(|e| not_found(e.to_string()))?;
    with_reader(app, move |ledger, _| {
        let size = ledger.tree_size()?;
        if !ledger_tlog::tiles::available(&tile, size) {
            return Err(not_found(format!("{tile} is beyond the tree of {size} records")));
        }
        let bytes = ledger.tile(&tile, size)?;
        let immutable = if tile.is_full() { "public, max-age=31536000, immutable" } else { "no-cache" };
        Ok(([(header::CONTENT_TYPE, "application/octet-stream"), (header::CACHE_CONTROL, immutable)], bytes)
            .into_response())
    })
    .await
}

async fn tile(State(app): State<Shared>, Path(path): Path<String>) -> Result<Response, Failure> {
    serve_tile(&app, format!("tile/{path}")).await
}

async fn tile_records(State(app): State<Shared>, Path(path): Path<String>) -> Result<Response, Failure> {
    serve_tile(&app, format!("records/{path}")).await
}

fn seq_of(text: &str) -> Result<u64, Failure> {
    text.parse().map_err(|_| failure(StatusCode::BAD_REQUEST, format!("{text:?} is not a sequence number"), None))
}

async fn record(State(app): State<Shared>, Path(seq): Path<String>) -> Result<Response, Failure> {
    let seq = seq_of(&seq)?;
    with_reader(&app, move |ledger, _| {
        let record = ledger.find_record(seq)?.ok_or_else(|| not_found(format!("no record {seq}")))?;
        let authority = ledger.authority().ok();
        let body = ledger_engine::query::record_json(&record, authority.as_ref());
        Ok(([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
    })
    .await
}

async fn proof(State(app): State<Shared>, Path(seq): Path<String>) -> Result<Response, Failure> {
    let seq = seq_of(&seq)?;
    with_reader(&app, move |ledger, _| {
        let head = ledger.head()?;
        if seq > head.seq {
            return Err(not_found(format!("no record {seq}: the ledger holds records 0 to {}", head.seq)));
        }
        // A checkpoint recorded at seq s covers the s records before it:
        // the latest one, and whatever follows it, is in no checkpoint yet.
        let sealing = ledger.last_checkpoint_seq()?;
        match sealing {
            None => return Err(not_found("the ledger has no signed checkpoint yet: no record can be proven")),
            Some(s) if seq == s => {
                return Err(not_found(format!(
                    "record {seq} is the latest checkpoint itself, which covers records 0 to {}: it will be covered by the next one; GET /checkpoint for the tree it seals, or GET /record/{seq} for the record",
                    s.saturating_sub(1)
                )));
            }
            Some(s) if seq > s => {
                return Err(not_found(format!(
                    "record {seq} comes after the latest checkpoint (record {s}, which covers records 0 to {}): no checkpoint covers it yet; ask again after the next one (GET /checkpoint)",
                    s.saturating_sub(1)
                )));
            }
            Some(_) => {}
        }
        let proof = ledger.prove(seq, None, None)?;
        Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], proof.proof).into_response())
    })
    .await
}

async fn streams(State(app): State<Shared>, RawQuery(query): RawQuery) -> Result<Response, Failure> {
    let query = query.unwrap_or_default();
    let names: Vec<String> =
        form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k == "stream").map(|(_, v)| v.into_owned()).collect();
    if names.len() > 1000 {
        return Err(failure(StatusCode::BAD_REQUEST, "at most 1000 streams per request", None));
    }
    with_reader(&app, move |ledger, _| {
        let basis = ledger.signing_basis(names.iter().map(String::as_str))?;
        let head = ledger.head()?;
        let body = json!({
            "origin": basis.origin,
            "head_seq": head.seq,
            "head_time": head.time.to_string(),
            "versions": basis.versions,
        });
        Ok(([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
    })
    .await
}

async fn healthz(State(app): State<Shared>) -> Result<Response, Failure> {
    with_reader(&app, |ledger, app| {
        let head = ledger.head()?;
        let failing = app.seal.lock().unwrap_or_else(std::sync::PoisonError::into_inner).failing.clone();
        match failing {
            None => Ok(format!("ok {} {}\n", head.seq, head.hash).into_response()),
            Some(why) => {
                let unsealed = ledger.unsealed()?;
                let text = format!(
                    "unhealthy: {unsealed} record(s) up to seq {} are unsealed (no signed checkpoint covers them): sealing failed: {why}; the service tries again\n",
                    head.seq
                );
                Ok((StatusCode::SERVICE_UNAVAILABLE, text).into_response())
            }
        }
    })
    .await
}

async fn metrics(State(app): State<Shared>) -> Result<Response, Failure> {
    with_reader(&app, |ledger, app| {
        let head = ledger.head()?;
        let checkpointed = latest_checkpoint(ledger)?.map_or(0, |(size, _)| size);
        let unsealed = ledger.unsealed()?;
        let m = &app.metrics;
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut text = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
            let _ = write!(text, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n");
        };
        metric("ledger_records", "gauge", "Records in the ledger.", head.seq + 1);
        metric("ledger_checkpoint_size", "gauge", "Records the latest signed checkpoint covers.", checkpointed);
        metric(
            "ledger_unsealed_records",
            "gauge",
            "Records after the latest signed checkpoint, which none covers yet (0 when every batch is sealed).",
            unsealed,
        );
        metric("ledger_http_requests_total", "counter", "Requests received.", get(&m.requests));
        metric(
            "ledger_http_busy_total",
            "counter",
            "Requests answered 503 because the service was full.",
            get(&m.busy),
        );
        metric("ledger_batches_total", "counter", "Batches appended.", get(&m.batches));
        metric("ledger_events_appended_total", "counter", "Events appended.", get(&m.appended));
        metric("ledger_events_existing_total", "counter", "Events sent again and already recorded.", get(&m.existing));
        metric("ledger_batches_refused_total", "counter", "Batches refused.", get(&m.refused));
        metric("ledger_checkpoints_signed_total", "counter", "Checkpoints signed by the service.", get(&m.checkpoints));
        metric("ledger_seal_failures_total", "counter", "Seals that failed after a batch.", get(&m.seal_failures));
        Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
    })
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{Failure, client_hint};
    use ledger_engine::{Error, Input, Remedy};

    #[test]
    fn only_the_clients_own_remedies_are_hinted_and_every_one_is_coded() {
        assert!(client_hint(&Remedy::SignCheckpoint { newer: true }).is_none());
        assert!(client_hint(&Remedy::Verify { seq: None }).is_none());
        assert!(client_hint(&Remedy::AuthoriseKey { role: "log".into() }).is_none());
        assert!(client_hint(&Remedy::VerifyAgainstCheckpoint).is_none());
        let again = client_hint(&Remedy::DecideAgain { stream: Some("notes".into()) }).unwrap();
        assert!(again.contains("expected_version"), "{again}");
        assert!(client_hint(&Remedy::FixInput { input: Input::Unit }).is_some());
        let tampered = Failure::from(Error::Tampered { seq: 3, message: "edited".into() });
        assert_eq!((tampered.code, tampered.hint), (Some("verify"), None));
        let refused = Failure::from(Error::refused_with("no record 9", Remedy::ChooseRecord { last: 4 }));
        assert_eq!(refused.code, Some("choose_record"));
        assert_eq!(refused.hint.as_deref(), Some("the ledger holds records 0 to 4"));
        let forbidden = Failure::from(Error::Forbidden { message: "revoked".into() });
        assert_eq!(forbidden.code, Some("check_roles"));
        assert!(forbidden.hint.is_some_and(|h| h.contains("ask its operator")));
    }
}
