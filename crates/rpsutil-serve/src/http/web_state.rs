//! The web config in force for each request: fixed, or re-read from
//! `--web.config.file` when it changes.
//!
//! node_exporter's exporter-toolkit reads its web config file on every request
//! and its certificate files on every TLS handshake, so rotated passwords and
//! certificates apply without a restart. Here the file and the certificate, key
//! and CA files it names are checked with one `stat(2)` each per request, and
//! re-read only when one of them changed (so the bcrypt cache of [`BasicAuth`]
//! survives while nothing changes). As exporter-toolkit:
//! - a config that no longer loads answers 500 to every request (and TLS
//!   handshakes fail) until it is fixed; the last good one is not kept;
//! - whether the server speaks TLS at all is decided at start-up, from the
//!   config it started with.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::web_config::{self, BasicAuth, Pem, WebConfig, WebConfigError};

/// What one request is served with.
pub(crate) struct Active {
    /// Basic auth, None when no users are configured.
    pub auth: Option<BasicAuth>,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
    /// The rustls configuration, when the config has `tls_server_config`.
    #[cfg(target_os = "linux")]
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Active {
    /// Builds what requests need from a parsed config (loads the TLS files).
    fn build(config: &WebConfig) -> Result<Active, WebConfigError> {
        #[cfg(target_os = "linux")]
        let tls = match &config.tls {
            Some(t) => Some(crate::web_config::tls::server_config(t)?),
            None => None,
        };
        Ok(Active {
            auth: BasicAuth::new(&config.basic_auth_users),
            headers: config.headers.clone(),
            #[cfg(target_os = "linux")]
            tls,
        })
    }
}

/// One version of a file: its bytes, None when it cannot be read. The files are
/// small (a YAML file, PEM certificates and a key), so comparing their bytes
/// costs a few microseconds per request, and unlike timestamps it misses no
/// rewrite, however quick or however coarse the file system's clock.
type Stamp = Option<Vec<u8>>;

/// The stamp of `path` (following symbolic links, as a Kubernetes secret's).
fn stamp(path: &Path) -> Stamp {
    std::fs::read(path).ok()
}

/// The PEM files a config names (certificate, key, client CAs).
fn pem_files(config: &WebConfig) -> Vec<PathBuf> {
    let Some(t) = &config.tls else {
        return Vec::new();
    };
    [Some(&t.cert), Some(&t.key), t.client_ca.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|pem| match pem {
            Pem::File(p) => Some(p.clone()),
            Pem::Inline(_) => None,
        })
        .collect()
}

/// The last load of the file: what it gave and the stamps it was made from.
pub(crate) struct Loaded {
    stamps: Vec<(PathBuf, Stamp)>,
    active: Result<Arc<Active>, String>,
}

impl Loaded {
    /// Loads `path`; also returns the parsed config, or why it did not load.
    ///
    /// Each file is stamped before it is read, so a change made while loading
    /// is seen at the next request.
    fn load(path: &Path) -> (Loaded, Result<WebConfig, WebConfigError>) {
        let mut stamps = vec![(path.to_owned(), stamp(path))];
        let result = web_config::load(path).and_then(|config| {
            stamps.extend(pem_files(&config).into_iter().map(|f| {
                let s = stamp(&f);
                (f, s)
            }));
            let active = Active::build(&config)?;
            Ok((config, active))
        });
        match result {
            Ok((config, active)) => (
                Loaded {
                    stamps,
                    active: Ok(Arc::new(active)),
                },
                Ok(config),
            ),
            Err(e) => (
                Loaded {
                    stamps,
                    active: Err(format!("{}: {e}", path.display())),
                },
                Err(e),
            ),
        }
    }

    /// Whether a file changed since this load (or the load failed: then every
    /// request tries again, so a fix is picked up even when it was made to a
    /// file the failed load could not name).
    fn stale(&self) -> bool {
        self.active.is_err() || self.stamps.iter().any(|(f, s)| stamp(f) != *s)
    }
}

/// Where each request's web config comes from.
pub(crate) enum WebState {
    /// Given to the server as a value: never changes.
    Fixed(Arc<Active>),
    /// `--web.config.file`: re-read when it or a file it names changes.
    File { path: PathBuf, last: Mutex<Loaded> },
}

impl WebState {
    /// A fixed config (TLS files are loaded now).
    pub(crate) fn fixed(config: &WebConfig) -> Result<WebState, WebConfigError> {
        Ok(WebState::Fixed(Arc::new(Active::build(config)?)))
    }

    /// A config file, loaded now; an error if it does not load (a server never
    /// starts on a broken config, as node_exporter). Also returns the config, so
    /// the caller can tell whether to speak TLS.
    pub(crate) fn from_file(path: &Path) -> Result<(WebState, WebConfig), WebConfigError> {
        let (loaded, config) = Loaded::load(path);
        let state = WebState::File {
            path: path.to_owned(),
            last: Mutex::new(loaded),
        };
        Ok((state, config?))
    }

    /// The config for one request; Err (its message) when the file no longer
    /// loads.
    pub(crate) fn current(&self) -> Result<Arc<Active>, String> {
        match self {
            WebState::Fixed(a) => Ok(Arc::clone(a)),
            WebState::File { path, last } => {
                // A poisoned lock means a panic while loading; the slot still
                // holds a whole value, and it is replaced below if stale.
                let mut last = last.lock().unwrap_or_else(PoisonError::into_inner);
                if last.stale() {
                    *last = Loaded::load(path).0;
                }
                last.active.clone()
            }
        }
    }
}
