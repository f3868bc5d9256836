//! The connections of `ledger serve`: the accept loop (hyper's HTTP/1.1
//! over tokio, with rustls when the service has a certificate), and the
//! bounds below HTTP: connections open at once, the time a connection may
//! take to send a request's headers, the time it may sit with no byte
//! moving, and the grace given to requests in flight at shutdown. What
//! closes a connection is logged with the client's address.

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use ledger_engine::Error;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// The bounds of the service (`docs/LIMITS.md`).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections open at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// Requests handled at once (`/healthz` and `/metrics` aside); one more
    /// is answered 503 with `Retry-After`.
    pub max_concurrent: usize,
    /// Bytes of request bodies held at once: a body waits for its share
    /// (its declared length, or the body limit) before it is read.
    pub max_buffered: usize,
    /// The time a connection may take to send a request's headers, from
    /// when the service waits for them: on a new connection, and after each
    /// answer on a connection kept alive (so also its idle time between
    /// requests).
    pub header_timeout: Duration,
    /// The time a connection may go with no byte moving while no request of
    /// it is being handled (a client that stops reading its answer).
    pub idle_timeout: Duration,
    /// At shutdown, how long the requests in flight may take to finish
    /// before their connections are closed. An append that started commits
    /// regardless.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 256,
            max_concurrent: 64,
            max_buffered: 32 * 1024 * 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl Limits {
    /// Lowers the bounds to fit the process's limit on open files (read
    /// from `/proc/self/limits`; left as they are where it cannot be read),
    /// so that connections never take the descriptors the ledger's files
    /// need: each request handled at once may open the ledger (the file, its
    /// log and its index), and a few are the service's own. Returns what
    /// was lowered, for the log.
    pub(crate) fn fit_open_files(&mut self) -> Option<String> {
        let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
        let soft: usize = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))?
            .split_whitespace()
            .nth(3)
            .and_then(|n| n.parse().ok())?;
        const OWN: usize = 32;
        const PER_REQUEST: usize = 3;
        let budget = soft.saturating_sub(OWN).max(2);
        if self.max_connections + PER_REQUEST * self.max_concurrent <= budget {
            return None;
        }
        let (connections, concurrent) = (self.max_connections, self.max_concurrent);
        self.max_concurrent = self.max_concurrent.min((budget / 8).max(1));
        self.max_connections =
            self.max_connections.min(budget.saturating_sub(PER_REQUEST * self.max_concurrent).max(1));
        Some(format!(
            "the limit on open files is {soft} (ulimit -n): serving at most {} connections (--max-connections {connections}) and {} requests at once (--max-concurrent {concurrent})",
            self.max_connections, self.max_concurrent
        ))
    }
}

/// The certificate chain (leaf first) and private key the service serves
/// HTTPS with, in DER (`ledger_keyfile::read_certificates`,
/// `ledger_keyfile::read_tls_key`).
#[derive(Debug, Clone)]
pub struct Tls {
    /// The certificates, leaf first.
    pub certificates: Vec<Vec<u8>>,
    /// The private key of the leaf.
    pub key: ledger_keyfile::TlsKey,
}

/// The client's address, in each request's extensions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub SocketAddr);

/// The TLS side of the service: rustls with the ring provider (the one
/// the client side, ureq, uses), TLS 1.2 and 1.3, HTTP/1.1.
pub(crate) fn tls_acceptor(tls: &Tls) -> Result<TlsAcceptor, Error> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};
    let certificates: Vec<CertificateDer<'static>> =
        tls.certificates.iter().map(|c| CertificateDer::from(c.clone())).collect();
    let der = tls.key.der.clone();
    let key = match tls.key.kind {
        ledger_keyfile::TlsKeyKind::Pkcs8 => PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der)),
        ledger_keyfile::TlsKeyKind::Pkcs1 => PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der)),
        ledger_keyfile::TlsKeyKind::Sec1 => PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(der)),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::refused(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|e| {
            Error::refused_with(
                format!("--tls-cert and --tls-key cannot serve TLS: {e}"),
                ledger_engine::Remedy::FixInput { input: ledger_engine::Input::Tls },
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// What a connection has been doing: when a byte last moved, and how many
/// of its requests are being handled.
#[derive(Debug)]
struct Activity {
    start: Instant,
    last: AtomicU64,
    in_flight: AtomicUsize,
    requests: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn touch(&self) {
        self.last.store(self.now(), Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        Duration::from_millis(self.now().saturating_sub(self.last.load(Ordering::Relaxed)))
    }
}

/// A request of the connection being handled, for as long as it lives.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn enter(activity: &Arc<Activity>) -> InFlight {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        activity.requests.fetch_add(1, Ordering::Relaxed);
        InFlight(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// A connection's bytes, noting when one moves.
struct Watched<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The answer to a connection over the bound, written as it is closed.
const FULL: &str = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 119\r\n\r\n{\"error\":\"the service has as many connections open as it takes (--max-connections)\",\"hint\":\"connect again in a moment\"}";

/// Accepts connections and serves them until SIGTERM or Ctrl-C; then stops
/// accepting, lets the connections finish their requests for the grace
/// period, and closes the rest.
pub(crate) async fn run(listener: TcpListener, router: Router, tls: Option<TlsAcceptor>, limits: Limits) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    let signal = shutdown_signal();
    tokio::pin!(signal);
    loop {
        while connections.try_join_next().is_some() {}
        let accepted = tokio::select! {
            () = &mut signal => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((tcp, peer)) => {
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    tracing::warn!(
                        client = %peer,
                        "connection refused: {} connections are open, as many as the service takes (--max-connections)",
                        limits.max_connections
                    );
                    if tls.is_none() {
                        let _ = tcp.try_write(FULL.as_bytes());
                    }
                    continue;
                };
                let _ = tcp.set_nodelay(true);
                let (router, tls, limits, stopped) = (router.clone(), tls.clone(), limits.clone(), stopped.clone());
                connections.spawn(async move {
                    connection(tcp, peer, router, tls, &limits, stopped).await;
                    drop(slot);
                });
            }
            Err(e) => {
                // Out of file descriptors, most likely: wait for some to close.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    drop(listener);
    while connections.try_join_next().is_some() {}
    tracing::info!(
        connections = connections.len(),
        "shutting down: no new connections; the requests in flight get {} s to finish (--shutdown-grace)",
        limits.shutdown_grace.as_secs_f32()
    );
    let _ = stop.send(true);
    let finished =
        tokio::time::timeout(limits.shutdown_grace, async { while connections.join_next().await.is_some() {} }).await;
    if finished.is_err() {
        tracing::warn!(
            connections = connections.len(),
            "the grace period is over: closing the connections still open (an append that started still commits)"
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    router: Router,
    tls: Option<TlsAcceptor>,
    limits: &Limits,
    stopped: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = Watched { inner: tcp, activity: activity.clone() };
    match tls {
        None => serve_connection(io, peer, router, limits, stopped, activity).await,
        Some(acceptor) => match tokio::time::timeout(limits.header_timeout, acceptor.accept(io)).await {
            Ok(Ok(stream)) => serve_connection(stream, peer, router, limits, stopped, activity).await,
            Ok(Err(e)) => tracing::warn!(client = %peer, "connection closed: the TLS handshake failed: {e}"),
            Err(_) => tracing::warn!(
                client = %peer,
                "connection closed: no TLS handshake within {} s (--header-timeout)",
                limits.header_timeout.as_secs_f32()
            ),
        },
    }
}

async fn serve_connection<I>(
    io: I,
    peer: SocketAddr,
    router: Router,
    limits: &Limits,
    mut stopped: watch::Receiver<bool>,
    activity: Arc<Activity>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(Peer(peer));
        let guard = InFlight::enter(&requests);
        let mut router = router.clone();
        async move {
            let response = tower_service::Service::call(&mut router, request).await;
            drop(guard);
            response
        }
    });
    let mut builder = http1::Builder::new();
    // Headers of at most 64 KiB (hyper's default buffer is 400 KiB): what
    // the connections open at once can make the service hold stays small.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        .max_buf_size(64 * 1024);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut watch =
        tokio::time::interval((limits.idle_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(1)));
    let mut stopping = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    log_closed(peer, &e, &activity, limits);
                }
                return;
            }
            changed = stopped.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
            _ = watch.tick() => {
                if activity.in_flight.load(Ordering::Relaxed) == 0 && activity.idle_for() > limits.idle_timeout {
                    tracing::warn!(
                        client = %peer,
                        "connection closed: no byte moved for {} s while no request of it was being handled (--idle-timeout)",
                        limits.idle_timeout.as_secs_f32()
                    );
                    return;
                }
            }
        }
    }
}

fn log_closed(peer: SocketAddr, e: &hyper::Error, activity: &Activity, limits: &Limits) {
    let served = activity.requests.load(Ordering::Relaxed);
    if e.is_timeout() {
        let secs = limits.header_timeout.as_secs_f32();
        if served == 0 {
            tracing::warn!(client = %peer, "connection closed: no complete request headers within {secs} s (--header-timeout)");
        } else {
            tracing::info!(
                client = %peer,
                served,
                "connection closed: no further request within {secs} s of the last answer (--header-timeout)"
            );
        }
    } else if e.is_parse() || e.is_parse_too_large() || e.is_parse_status() {
        tracing::warn!(client = %peer, "connection closed: the request is not HTTP/1.1 the service reads: {e}");
    } else if e.is_incomplete_message() {
        tracing::warn!(client = %peer, "connection closed by the client in the middle of a request");
    } else {
        tracing::info!(client = %peer, "connection closed: {e}");
    }
}
