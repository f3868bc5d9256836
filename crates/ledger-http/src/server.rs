//! `ledger serve`: the HTTP service.
//!
//! | request | answer |
//! |---|---|
//! | `POST /add` | body: signed events as JSON Lines (`ledger sign`); 200 with each line's seq (`appended` or `existing`) and the checkpoint that seals the batch; 400 a line that does not decode, 403 a signer who may not write it, 409 a stream that moved on or an id used for another event, 413 a body over the limit, 422 an event the rules refuse, 503 a ledger that fails verification; nothing written unless 200 |
//! | `GET /checkpoint` | the latest signed checkpoint (C2SP tlog-checkpoint), with the cosignatures witnesses sent for it |
//! | `POST /cosignature` | the latest checkpoint with cosignatures of witnesses given by `--witness` (`ledger witness --submit`) |
//! | `GET /tile/<L>/<N>[.p/<W>]`, `GET /tile/entries/<N>[.p/<W>]` | C2SP tlog-tiles |
//! | `GET /records/<N>[.p/<W>]` with `N` in x-groups | the records of a level-0 tile (`docs/TLOG.md`) |
//! | `GET /record/<seq>` | one record as JSON (as `ledger show --json`) |
//! | `GET /proof/<seq>` | an inclusion proof in the latest checkpoint (C2SP tlog-proof) |
//! | `GET /streams?stream=S&...` | the origin, the last record's time and the streams' versions: what `ledger sign --server` needs |
//! | `GET /healthz` | `ok` and the head |
//! | `GET /metrics` | Prometheus text format |
//!
//! Requests are bounded (body size, time); appends are serialised by one
//! lock around the open ledger and never interleave; every request is
//! logged as one structured line on stderr (`tracing`); SIGTERM or Ctrl-C
//! stops accepting connections and lets the requests in flight, and their
//! transactions, finish.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ledger_core::SigningKey;
use ledger_node::tiles::latest_checkpoint;
use ledger_node::{Error, Ledger};
use ledger_tlog::tiles::Tile;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower_http::LatencyUnit;
use tower_http::trace::{DefaultMakeSpan, DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

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
}

struct App {
    ledger: Mutex<Ledger>,
    max_body: usize,
    witnesses: Vec<ledger_tlog::Verifier>,
    /// Cosignature lines accepted for a checkpoint text (the latest one).
    cosigned: Mutex<(String, Vec<String>)>,
    log_key: SigningKey,
    metrics: Metrics,
}

type Shared = Arc<App>;

/// An error answered as a status and a JSON body `{"error", "hint"}`.
struct Failure(StatusCode, String, Option<String>);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = json!({"error": self.1, "hint": self.2});
        (self.0, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let hint = e.hint().map(str::to_owned);
        let status = match &e {
            Error::Tampered { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::Forbidden { .. } => StatusCode::FORBIDDEN,
            Error::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Failure(status, e.to_string(), hint)
    }
}

impl From<ledger_store::StoreError> for Failure {
    fn from(e: ledger_store::StoreError) -> Failure {
        Failure::from(Error::from(e))
    }
}

fn not_found(what: impl Into<String>) -> Failure {
    Failure(StatusCode::NOT_FOUND, what.into(), None)
}

/// Runs blocking ledger work off the async threads, holding the lock.
async fn with_ledger<T: Send + 'static>(
    app: &Shared,
    f: impl FnOnce(&mut Ledger, &App) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || {
        let mut ledger = app.ledger.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut ledger, &app)
    })
    .await
    .map_err(|e| Failure(StatusCode::INTERNAL_SERVER_ERROR, format!("the request failed: {e}"), None))?
}

/// Serves the ledger until SIGTERM or Ctrl-C. `ready` is called with the
/// address bound (port 0 picks one) before the first request is taken.
pub fn serve(ledger: Ledger, config: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), Error> {
    let mut ledger = ledger;
    seal_unsealed(&mut ledger, &config.log_key)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::refused(format!("starting the service: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| Error::refused(format!("listening on {}: {e}", config.listen)))?;
        let bound = listener.local_addr().map_err(|e| Error::refused(e.to_string()))?;
        let app: Shared = Arc::new(App {
            ledger: Mutex::new(ledger),
            max_body: config.max_body,
            witnesses: config.witnesses,
            cosigned: Mutex::default(),
            log_key: config.log_key,
            metrics: Metrics::default(),
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
            .layer(DefaultBodyLimit::max(config.max_body))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.timeout))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                    .on_request(())
                    .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Micros))
                    .on_failure(DefaultOnFailure::new().level(Level::WARN)),
            )
            .layer(axum::middleware::from_fn_with_state(app.clone(), count))
            .with_state(app);
        ready(bound);
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|e| Error::refused(format!("serving: {e}")))
    })
}

/// Seals records no signed checkpoint covers yet (a batch appended by a
/// service stopped before its seal, or by `ledger append` next to it), so
/// that the service never starts with history pinned by nothing.
fn seal_unsealed(ledger: &mut Ledger, log_key: &SigningKey) -> Result<(), Error> {
    let head = ledger.store().head()?;
    let covered = latest_checkpoint(ledger)?.map_or(0, |(size, _)| size);
    // A checkpoint recorded at seq s covers the s records before it.
    if covered < head.seq {
        let signed = ledger.checkpoint(log_key, head.time)?;
        tracing::info!(size = signed.size, seq = signed.seq, "sealed the records no checkpoint covered");
    }
    Ok(())
}

async fn count(State(app): State<Shared>, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    app.metrics.requests.fetch_add(1, Ordering::Relaxed);
    next.run(req).await
}

async fn shutdown() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

async fn add(
    State(app): State<Shared>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, Failure> {
    let body = body.map_err(|e| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Failure(
                status,
                format!("the body is larger than the {} bytes a request may hold; nothing was appended", app.max_body),
                Some("send the events in several requests (the service's --max-body)".into()),
            )
        } else {
            Failure(status, format!("reading the body: {}", e.body_text()), None)
        }
    })?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| Failure(StatusCode::BAD_REQUEST, "the body is not UTF-8".into(), None))?
        .to_owned();
    let events = ledger_node::sign::read_signed(&text).map_err(|e| {
        Failure(StatusCode::BAD_REQUEST, e.to_string(), Some("send the lines `ledger sign` writes".into()))
    })?;
    if events.is_empty() {
        return Err(Failure(StatusCode::BAD_REQUEST, "no events in the body".into(), None));
    }
    with_ledger(&app, move |ledger, app| {
        let results = ledger.append_signed(&events).inspect_err(|_| {
            app.metrics.refused.fetch_add(1, Ordering::Relaxed);
        })?;
        let _ = ledger.take_warnings();
        app.metrics.batches.fetch_add(1, Ordering::Relaxed);
        let new = results.iter().filter(|r| !r.existing).count() as u64;
        app.metrics.appended.fetch_add(new, Ordering::Relaxed);
        app.metrics.existing.fetch_add(results.len() as u64 - new, Ordering::Relaxed);
        // Seal what the batch added with a checkpoint the log signs, dated
        // at the last record it covers: a seal never makes an event signed
        // before it late (the time rule), only another office's event does.
        let checkpoint = if new > 0 {
            let at = ledger.store().head()?.time;
            let signed = ledger.checkpoint(&app.log_key, at)?;
            app.metrics.checkpoints.fetch_add(1, Ordering::Relaxed);
            Some(signed.note)
        } else {
            None
        };
        let events: Vec<_> = results
            .iter()
            .map(|r| json!({"line": r.line, "seq": r.seq, "status": if r.existing { "existing" } else { "appended" }}))
            .collect();
        let body = json!({"appended": new, "events": events, "checkpoint": checkpoint});
        Ok(([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
    })
    .await
}

async fn checkpoint(State(app): State<Shared>) -> Result<Response, Failure> {
    with_ledger(&app, |ledger, app| match latest_checkpoint(ledger)? {
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
async fn cosignature(State(app): State<Shared>, body: Bytes) -> Result<Response, Failure> {
    let bad = |status: StatusCode, why: String| Failure(status, why, None);
    let note = ledger_tlog::Note::parse(&body)
        .map_err(|e| bad(StatusCode::BAD_REQUEST, format!("the body is not a signed note: {e}")))?;
    if app.witnesses.is_empty() {
        return Err(Failure(
            StatusCode::FORBIDDEN,
            "this service accepts no cosignatures".into(),
            Some("start it with --witness VKEY for each witness it should accept".into()),
        ));
    }
    with_ledger(&app, move |ledger, app| {
        let latest = latest_checkpoint(ledger)?.and_then(|(_, n)| note_text(&n));
        if latest.as_deref() != Some(note.text()) {
            return Err(Failure(
                StatusCode::CONFLICT,
                "the cosigned checkpoint is not the latest one this service signed".into(),
                Some("witness the latest checkpoint (GET /checkpoint) and send again".into()),
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
        tracing::info!(witnesses = ?names, "accepted cosignatures");
        let body = json!({"accepted": names});
        Ok(([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
    })
    .await
}

async fn serve_tile(app: &Shared, path: String) -> Result<Response, Failure> {
    let tile = Tile::parse(&path).map_err(|e| not_found(e.to_string()))?;
    with_ledger(app, move |ledger, _| {
        let size = ledger.store().tree().current_size().map_err(|e| Error::refused(e.to_string()))?;
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
    text.parse().map_err(|_| Failure(StatusCode::BAD_REQUEST, format!("{text:?} is not a sequence number"), None))
}

async fn record(State(app): State<Shared>, Path(seq): Path<String>) -> Result<Response, Failure> {
    let seq = seq_of(&seq)?;
    with_ledger(&app, move |ledger, _| {
        let raw = ledger.store().get(seq)?.ok_or_else(|| not_found(format!("no record {seq}")))?;
        let record = raw.decode().map_err(|e| Error::Tampered { seq, message: format!("record {seq}: {e}") })?;
        let authority = ledger.authority().ok();
        let body = ledger_node::query::record_json(&record, authority.as_ref());
        Ok(([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
    })
    .await
}

async fn proof(State(app): State<Shared>, Path(seq): Path<String>) -> Result<Response, Failure> {
    let seq = seq_of(&seq)?;
    with_ledger(&app, move |ledger, _| {
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
        return Err(Failure(StatusCode::BAD_REQUEST, "at most 1000 streams per request".into(), None));
    }
    with_ledger(&app, move |ledger, _| {
        let basis = ledger.signing_basis(names.iter().map(String::as_str))?;
        let head = ledger.store().head()?;
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
    with_ledger(&app, |ledger, _| {
        let head = ledger.store().head()?;
        Ok(format!("ok {} {}\n", head.seq, head.hash).into_response())
    })
    .await
}

async fn metrics(State(app): State<Shared>) -> Result<Response, Failure> {
    with_ledger(&app, |ledger, app| {
        let head = ledger.store().head()?;
        let checkpointed = latest_checkpoint(ledger)?.map_or(0, |(size, _)| size);
        let m = &app.metrics;
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let text = format!(
            "# HELP ledger_records Records in the ledger.\n# TYPE ledger_records gauge\nledger_records {}\n\
             # HELP ledger_checkpoint_size Records the latest signed checkpoint covers.\n# TYPE ledger_checkpoint_size gauge\nledger_checkpoint_size {checkpointed}\n\
             # HELP ledger_http_requests_total Requests received.\n# TYPE ledger_http_requests_total counter\nledger_http_requests_total {}\n\
             # HELP ledger_batches_total Batches appended.\n# TYPE ledger_batches_total counter\nledger_batches_total {}\n\
             # HELP ledger_events_appended_total Events appended.\n# TYPE ledger_events_appended_total counter\nledger_events_appended_total {}\n\
             # HELP ledger_events_existing_total Events sent again and already recorded.\n# TYPE ledger_events_existing_total counter\nledger_events_existing_total {}\n\
             # HELP ledger_batches_refused_total Batches refused.\n# TYPE ledger_batches_refused_total counter\nledger_batches_refused_total {}\n\
             # HELP ledger_checkpoints_signed_total Checkpoints signed by the service.\n# TYPE ledger_checkpoints_signed_total counter\nledger_checkpoints_signed_total {}\n",
            head.seq + 1,
            get(&m.requests),
            get(&m.batches),
            get(&m.appended),
            get(&m.existing),
            get(&m.refused),
            get(&m.checkpoints),
        );
        Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
    })
    .await
}
