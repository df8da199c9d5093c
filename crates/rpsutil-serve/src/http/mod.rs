//! The exporter's HTTP server: std::net and one thread per connection, no async
//! runtime.
//!
//! - `GET /`: a landing page linking to the metrics; `GET <telemetry_path>`: a
//!   scrape, with `collect[]`/`exclude[]` passed to [`MetricsSource::gather`],
//!   `format=text|openmetrics` or `Accept` choosing the format, gzip when accepted.
//!   HEAD is answered as GET without the body; other methods get 405, other paths
//!   404; a [`GatherError`](crate::model::GatherError) gives 400 with its message.
//! - Limits, so memory and threads stay bounded whatever clients do: at most
//!   `max_requests` scrapes at once (more: 503 at once), at most `max_connections`
//!   connections (more: 503 and closed from the accepting thread), request heads of
//!   at most `max_head_bytes` (431), read within `header_timeout`, idle keep-alive
//!   connections closed after `idle_timeout`, writes given up after
//!   `write_timeout`. Request bodies are never read (the connection is closed after
//!   answering). Anything not HTTP/1.x gets 400 and the connection is closed.
//! - The web config: basic auth on every path (401 with `WWW-Authenticate: Basic`),
//!   its extra headers on every response, TLS (Linux). From a file, it is re-read
//!   when the file (or a certificate file it names) changes (see `web_state`).

mod conn;
mod exporter_metrics;
mod handler;
mod listen;
mod query;
mod request;
mod response;
mod web_state;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::model::MetricsSource;
use crate::web_config::WebConfig;
use web_state::WebState;

/// How and where to serve. Start from [`HttpOptions::default`] (node_exporter's
/// defaults) and set fields.
///
/// ```
/// let mut opts = rpsutil_serve::http::HttpOptions::default();
/// assert_eq!(opts.listen, ":9100");
/// opts.listen = "127.0.0.1:0".into();
/// opts.max_requests = 0; // no limit
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpOptions {
    /// `--web.listen-address`: `:PORT` (every address: IPv6 and IPv4 where the
    /// system allows one dual-stack socket, IPv4 otherwise), `HOST:PORT`,
    /// `[IPV6]:PORT`. Default `:9100`.
    pub listen: String,
    /// `--web.telemetry-path`, default `/metrics`.
    pub telemetry_path: String,
    /// `--web.max-requests`: concurrent scrapes; more get 503. 0 = unlimited.
    /// Default 40.
    pub max_requests: usize,
    /// A web config given as a value (for example from
    /// [`crate::web_config::parse`]); it never changes. At most one of this and
    /// `web_config_file`.
    pub web_config: Option<WebConfig>,
    /// `--web.config.file`: loaded when the server binds (an error then stops it),
    /// and re-read whenever it or a certificate, key or CA file it names changes,
    /// as node_exporter re-reads it for every request. While it does not load,
    /// requests get 500 and TLS handshakes fail. Whether to speak TLS is decided
    /// at bind time.
    pub web_config_file: Option<PathBuf>,
    /// Open connections at most (each has a thread); more are answered 503 and
    /// closed. Default 512.
    pub max_connections: usize,
    /// Time allowed for a request head to arrive, from the accept or the first
    /// byte (Go's `ReadHeaderTimeout`). Default 10 s.
    pub header_timeout: Duration,
    /// Time a kept-alive connection may wait for its next request. Default 120 s.
    pub idle_timeout: Duration,
    /// Time a blocked write may take before the connection is dropped. Default 30 s.
    pub write_timeout: Duration,
    /// Largest request head in bytes (request line and headers); more gets 431.
    /// Default 64 KiB.
    pub max_head_bytes: usize,
    /// Add metrics about the exporter itself to every scrape, as node_exporter
    /// does unless `--web.disable-exporter-metrics`: client_golang's
    /// `promhttp_metric_handler_*` counters and `process_*` families (CPU,
    /// memory, descriptors, start time of this process). Default true.
    pub exporter_metrics: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            listen: ":9100".into(),
            telemetry_path: "/metrics".into(),
            max_requests: 40,
            web_config: None,
            web_config_file: None,
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            write_timeout: Duration::from_secs(30),
            max_head_bytes: 64 * 1024,
            exporter_metrics: true,
        }
    }
}

/// What every connection thread reads.
pub(crate) struct Shared {
    pub opts: HttpOptions,
    pub source: Arc<dyn MetricsSource>,
    /// Basic auth, headers and TLS settings for each request.
    pub web: WebState,
    /// Whether connections start with a TLS handshake (fixed at bind time).
    pub tls: bool,
    pub in_flight: AtomicUsize,
    pub connections: AtomicUsize,
    /// The scrape handler's own counters (`promhttp_metric_handler_*`).
    pub counters: exporter_metrics::HandlerCounters,
    /// This process, for the `process_*` families (None if it cannot be read,
    /// or the exporter's own metrics are off).
    pub me: Option<rpsutil::Process>,
}

/// A bound server, not yet accepting: [`Server::local_addr`] tells the port when
/// bound to port 0 (tests), [`Server::run`] serves.
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
}

impl Server {
    /// Binds the listen address and prepares TLS and basic auth.
    ///
    /// # Errors
    /// `InvalidInput` for a bad listen address or telemetry path, or a web config
    /// whose certificate or key cannot be used (the message says why); `Unsupported`
    /// for TLS on a non-Linux build; the bind's own error (address in use, ...).
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use rpsutil_serve::model::*;
    /// # struct Src;
    /// # impl MetricsSource for Src {
    /// #     fn gather(&self, _: &[String], _: &[String]) -> Result<Vec<Family>, GatherError> { Ok(vec![]) }
    /// # }
    /// use rpsutil_serve::http::{HttpOptions, Server};
    /// let mut opts = HttpOptions::default();
    /// opts.listen = "127.0.0.1:0".into();
    /// let server = Server::bind(opts, Arc::new(Src))?;
    /// println!("listening on {}", server.local_addr()?);
    /// std::thread::spawn(move || server.run());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind(opts: HttpOptions, source: Arc<dyn MetricsSource>) -> io::Result<Server> {
        if !opts.telemetry_path.starts_with('/') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("telemetry path {:?} must start with /", opts.telemetry_path),
            ));
        }
        let invalid = |e: crate::web_config::WebConfigError| {
            io::Error::new(io::ErrorKind::InvalidInput, e.to_string())
        };
        let (web, tls) = match (&opts.web_config, &opts.web_config_file) {
            (Some(_), Some(_)) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "web_config and web_config_file are both set",
                ))
            }
            (_, Some(path)) => {
                let (web, config) = WebState::from_file(path).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{}: {e}", path.display()),
                    )
                })?;
                (web, config.tls.is_some())
            }
            (config, None) => {
                let config = config.clone().unwrap_or_default();
                (
                    WebState::fixed(&config).map_err(invalid)?,
                    config.tls.is_some(),
                )
            }
        };
        #[cfg(not(target_os = "linux"))]
        if tls {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "web config: tls_server_config is supported on Linux builds only",
            ));
        }
        let listener = listen::bind(&opts.listen)?;
        let exporter_metrics = opts.exporter_metrics;
        let shared = Shared {
            web,
            tls,
            opts,
            source,
            in_flight: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            counters: Default::default(),
            me: if exporter_metrics {
                rpsutil::Process::current().ok()
            } else {
                None
            },
        };
        Ok(Server {
            listener,
            shared: Arc::new(shared),
        })
    }

    /// The bound address (the real port when `listen` asked for port 0).
    ///
    /// # Errors
    /// As `TcpListener::local_addr`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts and serves connections, each on its own thread, until the process
    /// ends. Accept errors (out of file descriptors, a connection reset before
    /// accept) are waited out with a back-off of up to 1 s, as Go's server does.
    ///
    /// # Errors
    /// None in practice: it returns only if the listener stops yielding connections.
    pub fn run(self) -> io::Result<()> {
        let mut backoff = Duration::ZERO;
        for stream in self.listener.incoming() {
            match stream {
                Ok(stream) => {
                    backoff = Duration::ZERO;
                    self.dispatch(stream);
                }
                Err(_) => {
                    backoff = (backoff * 2).clamp(Duration::from_millis(5), Duration::from_secs(1));
                    std::thread::sleep(backoff);
                }
            }
        }
        Ok(())
    }

    /// Hands a connection to a new thread, or refuses it when at the limit.
    fn dispatch(&self, stream: TcpStream) {
        let accepted = Instant::now();
        let shared = &self.shared;
        let before = shared.connections.fetch_add(1, Ordering::AcqRel);
        let guard = ConnectionCount(Arc::clone(shared));
        if before >= shared.opts.max_connections {
            refuse(stream);
            return;
        }
        // Scrape responses are small writes followed by reads: no Nagle delay.
        let _ = stream.set_nodelay(true);
        if stream
            .set_write_timeout(Some(shared.opts.write_timeout))
            .is_err()
        {
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("rpsutil-http".into())
            .spawn(move || {
                let shared = Arc::clone(&guard.0);
                serve_connection(stream, &shared, accepted);
                drop(guard);
            });
        // If no thread could be made, the closure (stream and guard) was dropped:
        // the connection is closed and counted out.
        let _ = spawned;
    }
}

/// Serves one connection, in TLS when configured.
fn serve_connection(mut stream: TcpStream, shared: &Shared, accepted: Instant) {
    if shared.tls {
        // The certificate in force now; none (the config no longer loads, or
        // lost its tls_server_config) fails the handshake by closing.
        #[cfg(target_os = "linux")]
        if let Some(tls) = shared.web.current().ok().and_then(|a| a.tls.clone()) {
            let Ok(session) = rustls::ServerConnection::new(tls) else {
                return;
            };
            // The handshake runs inside the first read, under the head deadline.
            let mut tls_stream = rustls::StreamOwned::new(session, stream);
            conn::serve(&mut tls_stream, shared, accepted);
        }
        return;
    }
    conn::serve(&mut stream, shared, accepted);
}

/// Answers 503 without blocking the accepting thread, then closes.
fn refuse(stream: TcpStream) {
    if stream.set_nonblocking(true).is_ok() {
        let mut s = &stream;
        let _ = io::Write::write(
            &mut s,
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
              Content-Length: 25\r\nConnection: close\r\n\r\ntoo many open connections",
        );
    }
}

/// Counts a connection out when its thread ends (or never starts).
struct ConnectionCount(Arc<Shared>);

impl Drop for ConnectionCount {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Binds `opts.listen` and serves forever ([`Server::bind`] then [`Server::run`]).
///
/// # Errors
/// As [`Server::bind`].
pub fn serve(opts: HttpOptions, source: Arc<dyn MetricsSource>) -> io::Result<()> {
    Server::bind(opts, source)?.run()
}
