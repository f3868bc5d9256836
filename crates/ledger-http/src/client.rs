//! The client side: asking the service what a signer needs, sending signed
//! events, and reading published tiles over HTTP.

use ledger_engine::sign::Basis;
use ledger_engine::tiles::TileSource;
use ledger_engine::{Actor, Error, Input, Remedy};
use serde_json::Value;
use std::io::Read;
use std::time::Duration;

/// A client of `ledger serve` (or of any web server publishing the tiles).
///
/// Over `https://` it trusts the Mozilla root certificates (webpki-roots),
/// or, when the environment variable `SSL_CERT_FILE` names a PEM file of
/// certificates (the OpenSSL convention), those instead: a service whose
/// certificate a private authority signed.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
    /// `SSL_CERT_FILE` could not be read: every request fails with this.
    roots_error: Option<String>,
}

/// The certificates `SSL_CERT_FILE` names, if it is set.
fn trusted_roots() -> Result<Option<ureq::tls::RootCerts>, String> {
    let Some(path) = std::env::var_os("SSL_CERT_FILE").filter(|p| !p.is_empty()) else { return Ok(None) };
    let path = std::path::PathBuf::from(path);
    let certificates = ledger_keyfile::read_certificates(&path).map_err(|e| format!("SSL_CERT_FILE: {e}"))?;
    let certificates: Vec<ureq::tls::Certificate<'static>> =
        certificates.iter().map(|der| ureq::tls::Certificate::from_der(der).to_owned()).collect();
    Ok(Some(ureq::tls::RootCerts::new_with_certs(&certificates)))
}

/// An answer: the status and the body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON (`Value::Null` if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

impl Client {
    /// A client of the service at `base` (`http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Client {
        let https = base.starts_with("https://");
        let (roots, roots_error) = match trusted_roots() {
            _ if !https => (None, None),
            Ok(roots) => (roots, None),
            Err(e) => (None, Some(e)),
        };
        let mut config =
            ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(60)));
        if let Some(roots) = roots {
            config = config.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build());
        }
        let agent: ureq::Agent = config.build().into();
        Client { base: base.trim_end_matches('/').to_owned(), agent, roots_error }
    }

    fn usable(&self) -> Result<(), Error> {
        match &self.roots_error {
            None => Ok(()),
            Some(e) => Err(Error::refused_with(e.clone(), Remedy::FixInput { input: Input::TrustedCertificates })),
        }
    }

    /// The refusal an answer other than a success carries: its `error`, and
    /// what can be done about it. The remedy its `code` names is the
    /// caller's when it is the client's own and needs no more than the code
    /// (a front end then says it in its words); otherwise the service's
    /// `hint`, or the code of a remedy for the service's operator, is told
    /// in the message.
    pub fn refusal(&self, path: &str, answer: &Answer) -> Error {
        let v = answer.json();
        let why = v["error"].as_str().unwrap_or("no reason given");
        let mut message = format!("{}: {} {why}", self.url(path), answer.status);
        let code = v["code"].as_str();
        let remedy = code.and_then(Remedy::from_code).filter(|r| r.actor() == Actor::Submitter);
        if remedy.is_none() {
            match (v["hint"].as_str(), code) {
                (Some(hint), _) => message.push_str(&format!(" (the service says: {hint})")),
                (None, Some(code)) => message.push_str(&format!(" (for the service's operator: {code})")),
                (None, None) => {}
            }
        }
        Error::Refused { message, remedy, rule: None }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    fn failed(&self, path: &str, e: ureq::Error) -> Error {
        Error::refused_with(format!("{}: {e}", self.url(path)), Remedy::FixInput { input: Input::Service })
    }

    fn read(&self, mut response: ureq::http::Response<ureq::Body>, path: &str, limit: usize) -> Result<Answer, Error> {
        let status = response.status().as_u16();
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(limit as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| Error::refused(format!("{}: reading the answer: {e}", self.url(path))))?;
        if body.len() > limit {
            return Err(Error::refused(format!("{}: the answer is larger than {limit} bytes", self.url(path))));
        }
        Ok(Answer { status, body })
    }

    /// GET a path; its status and body (at most `limit` bytes).
    pub fn get(&self, path: &str, limit: usize) -> Result<Answer, Error> {
        self.usable()?;
        let response = self.agent.get(&self.url(path)).call().map_err(|e| self.failed(path, e))?;
        self.read(response, path, limit)
    }

    /// POST a text body to a path.
    pub fn post(&self, path: &str, body: &str) -> Result<Answer, Error> {
        self.usable()?;
        let response = self
            .agent
            .post(&self.url(path))
            .header("Content-Type", "text/plain; charset=utf-8")
            .send(body.as_bytes())
            .map_err(|e| self.failed(path, e))?;
        self.read(response, path, 1024 * 1024)
    }

    /// POST signed events (`ledger sign` lines) to `/add`.
    pub fn add(&self, lines: &str) -> Result<Answer, Error> {
        self.usable()?;
        let response = self
            .agent
            .post(&self.url("add"))
            .header("Content-Type", "application/jsonl")
            .send(lines.as_bytes())
            .map_err(|e| self.failed("add", e))?;
        self.read(response, "add", 16 * 1024 * 1024)
    }

    /// What `ledger sign` needs to know for these streams (`GET /streams`).
    pub fn signing_basis<'s>(&self, streams: impl IntoIterator<Item = &'s str>) -> Result<Basis, Error> {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for s in streams {
            query.append_pair("stream", s);
        }
        let path = format!("streams?{}", query.finish());
        let answer = self.get(&path, 1024 * 1024)?;
        let v = answer.json();
        if answer.status != 200 {
            return Err(self.refusal("streams", &answer));
        }
        let origin = v["origin"].as_str().ok_or_else(|| Error::refused("the service sent no origin"))?.to_owned();
        let head_time = v["head_time"].as_str().and_then(|t| t.parse().ok());
        let versions = v["versions"]
            .as_object()
            .map(|m| m.iter().filter_map(|(k, v)| v.as_u64().map(|n| (k.clone(), n))).collect())
            .unwrap_or_default();
        Ok(Basis { origin, head_time, versions })
    }
}

/// Published tiles read over HTTP (`ledger verify --tiles URL`).
#[derive(Debug, Clone)]
pub struct HttpTiles(pub Client);

impl TileSource for HttpTiles {
    fn get(&self, path: &str, limit: usize) -> Result<Option<Vec<u8>>, Error> {
        let answer = self.0.get(path, limit)?;
        match answer.status {
            200 => Ok(Some(answer.body)),
            404 => Ok(None),
            s => Err(Error::refused(format!("{}: HTTP {s}", self.0.url(path)))),
        }
    }
    fn name(&self) -> String {
        self.0.base.clone()
    }
}
