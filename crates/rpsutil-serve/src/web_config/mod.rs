//! node_exporter's `--web.config.file`: the exporter-toolkit YAML format
//! (`docs/web-configuration.md` of prometheus/exporter-toolkit), so an existing
//! node_exporter or process-exporter web config works unchanged.
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: server.crt        # relative paths are relative to this file
//!   key_file: server.key
//!   client_auth_type: RequireAndVerifyClientCert   # optional
//!   client_ca_file: clients.pem                    # optional
//!   min_version: TLS12                             # optional
//! http_server_config:
//!   headers: { X-Frame-Options: deny }             # optional
//! basic_auth_users:
//!   prometheus: $2y$10$...                         # bcrypt hashes
//! ```
//!
//! Differences from exporter-toolkit, each a start-up error rather than a silent
//! change: `client_auth_type` `RequestClientCert`/`RequireAnyClientCert` (client
//! certificates accepted without verification), `client_allowed_sans`,
//! `cipher_suites`, `curve_preferences` and `rate_limit` are not supported, and TLS
//! is available on Linux only. `min_version: TLS10`/`TLS11` are accepted but TLS
//! 1.2 stays the floor (rustls has no older versions). As in exporter-toolkit,
//! a server given the file (`HttpOptions::web_config_file`) picks up changes to
//! it and to its certificate files without a restart.

mod basic_auth;
#[cfg(target_os = "linux")]
pub(crate) mod tls;

pub(crate) use basic_auth::BasicAuth;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A parsed web config, paths resolved against the file's directory.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct WebConfig {
    /// Serve HTTPS with these settings (`tls_server_config`), or plain HTTP.
    pub tls: Option<TlsSettings>,
    /// Users and their bcrypt hashes (`basic_auth_users`); empty: no authentication.
    pub basic_auth_users: BTreeMap<String, String>,
    /// Extra response headers (`http_server_config.headers`), names as written.
    pub headers: Vec<(String, String)>,
}

/// Where a PEM document comes from: a file (`*_file`) or inline text.
#[derive(Clone, PartialEq)]
pub enum Pem {
    /// A file, relative paths resolved against the config file's directory.
    File(PathBuf),
    /// The PEM text itself.
    Inline(String),
}

impl fmt::Debug for Pem {
    // Inline keys are secrets: never print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pem::File(p) => f.debug_tuple("File").field(p).finish(),
            Pem::Inline(_) => f.write_str("Inline(..)"),
        }
    }
}

/// `tls_server_config`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TlsSettings {
    /// The server's certificate chain (`cert_file` or inline `cert`).
    pub cert: Pem,
    /// Its private key (`key_file` or inline `key`).
    pub key: Pem,
    /// Client CA certificates, required by the verifying `client_auth_type`s.
    pub client_ca: Option<Pem>,
    /// `client_auth_type`.
    pub client_auth: ClientAuth,
    /// Lowest TLS version offered (1.2 or 1.3).
    pub min_version: TlsVersion,
    /// Highest TLS version offered (1.2 or 1.3).
    pub max_version: TlsVersion,
    /// `prefer_server_cipher_suites` (default true): the server's order wins.
    pub prefer_server_cipher_suites: bool,
}

/// `client_auth_type` values that can be honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// No client certificate asked for (default).
    NoClientCert,
    /// A client certificate is verified against `client_ca` if one is sent.
    VerifyClientCertIfGiven,
    /// A client certificate is required and verified against `client_ca`.
    RequireAndVerifyClientCert,
}

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

/// Why a web config could not be loaded.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebConfigError {
    /// The file (or a file it names) could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// Not valid YAML for this format (unknown keys are errors, as in exporter-toolkit).
    Yaml(String),
    /// Valid YAML, but a setting is missing, wrong or unsupported.
    Invalid(String),
}

impl fmt::Display for WebConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebConfigError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            WebConfigError::Yaml(e) => write!(f, "web config: {e}"),
            WebConfigError::Invalid(e) => write!(f, "web config: {e}"),
        }
    }
}

impl std::error::Error for WebConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WebConfigError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Reads and checks the web config file at `path` (`--web.config.file`).
///
/// Relative paths inside it are taken from the file's directory. Bcrypt hashes are
/// checked for form here; the TLS certificate and key are loaded when the server
/// starts ([`crate::http::Server::bind`]).
///
/// # Errors
/// [`WebConfigError::Read`] if the file cannot be read, `Yaml` for bad YAML or an
/// unknown key, `Invalid` for a bad or unsupported setting.
///
/// ```no_run
/// let config = rpsutil_serve::web_config::load("/etc/rpsutil/web.yml".as_ref())?;
/// # Ok::<(), rpsutil_serve::web_config::WebConfigError>(())
/// ```
pub fn load(path: &Path) -> Result<WebConfig, WebConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| WebConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    parse(&text, dir)
}

/// Parses web config YAML; relative file names are joined to `dir`.
///
/// # Errors
/// As [`load`], without `Read`.
///
/// ```
/// use rpsutil_serve::web_config::parse;
/// let c = parse("basic_auth_users:\n  alice: $2y$04$UmD0b5gXVAWo2dSHmJgp4.vEBi7L8x3mVfh84LDY4LanPgANwlKUa\n",
///               "/etc".as_ref()).unwrap();
/// assert!(c.basic_auth_users.contains_key("alice"));
/// assert!(c.tls.is_none());
/// ```
pub fn parse(yaml: &str, dir: &Path) -> Result<WebConfig, WebConfigError> {
    // An empty file is an empty config (YAML reads it as null).
    let raw: RawConfig = if yaml.trim().is_empty() {
        RawConfig::default()
    } else {
        serde_yaml_ng::from_str(yaml).map_err(|e| WebConfigError::Yaml(e.to_string()))?
    };
    let mut config = WebConfig::default();
    if let Some(tls) = raw.tls_server_config {
        config.tls = tls.resolve(dir)?;
    }
    for (user, hash) in raw.basic_auth_users.unwrap_or_default() {
        if hash.parse::<bcrypt::HashParts>().is_err() {
            return Err(invalid(format!(
                "basic_auth_users: the password of {user:?} is not a bcrypt hash"
            )));
        }
        config.basic_auth_users.insert(user, hash);
    }
    if let Some(http) = raw.http_server_config {
        for (name, value) in http.headers.unwrap_or_default() {
            check_header(&name, &value)?;
            config.headers.push((name, value));
        }
    }
    Ok(config)
}

fn invalid(msg: impl Into<String>) -> WebConfigError {
    WebConfigError::Invalid(msg.into())
}

/// exporter-toolkit's allowed headers and values (`validateHeaderConfig`).
fn check_header(name: &str, value: &str) -> Result<(), WebConfigError> {
    let allowed: &[&str] = match name {
        "Strict-Transport-Security" | "Content-Security-Policy" | "X-XSS-Protection" => &[],
        "X-Frame-Options" => &["deny", "sameorigin"],
        "X-Content-Type-Options" => &["nosniff"],
        _ => {
            return Err(invalid(format!(
                "HTTP header {name:?} can not be configured"
            )))
        }
    };
    if !allowed.is_empty() && !allowed.iter().any(|a| a.eq_ignore_ascii_case(value)) {
        return Err(invalid(format!(
            "invalid value for {name}: expected one of {allowed:?}, got {value:?}"
        )));
    }
    // The value goes into a response head: no line breaks (header injection).
    if value.bytes().any(|b| b == b'\r' || b == b'\n') {
        return Err(invalid(format!(
            "the value of header {name} has a line break"
        )));
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    tls_server_config: Option<RawTls>,
    http_server_config: Option<RawHttp>,
    basic_auth_users: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    /// HTTP/2 is never spoken here; the key is accepted for compatibility.
    #[serde(rename = "http2")]
    _http2: Option<bool>,
    headers: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert: Option<String>,
    key: Option<String>,
    client_ca: Option<String>,
    cert_file: Option<String>,
    key_file: Option<String>,
    client_auth_type: Option<String>,
    client_ca_file: Option<String>,
    client_allowed_sans: Option<Vec<String>>,
    min_version: Option<String>,
    max_version: Option<String>,
    cipher_suites: Option<Vec<String>>,
    curve_preferences: Option<Vec<String>>,
    prefer_server_cipher_suites: Option<bool>,
}

impl RawTls {
    /// `None` when no TLS key is set (exporter-toolkit then serves plain HTTP).
    fn resolve(self, dir: &Path) -> Result<Option<TlsSettings>, WebConfigError> {
        let pem = |file: Option<String>, inline: Option<String>, what: &str| match (file, inline) {
            (Some(f), None) if !f.is_empty() => Ok(Some(Pem::File(dir.join(f)))),
            (None, Some(t)) if !t.is_empty() => Ok(Some(Pem::Inline(t))),
            (None, None) => Ok(None),
            _ => Err(invalid(format!(
                "tls_server_config: give one of {what} and {what}_file"
            ))),
        };
        let cert = pem(self.cert_file, self.cert, "cert")?;
        let key = pem(self.key_file, self.key, "key")?;
        let client_ca = pem(self.client_ca_file, self.client_ca, "client_ca")?;
        let enabled = cert.is_some()
            || key.is_some()
            || client_ca.is_some()
            || self
                .client_auth_type
                .as_deref()
                .is_some_and(|s| !s.is_empty());
        if !enabled {
            return Ok(None);
        }
        let cert =
            cert.ok_or_else(|| invalid("tls_server_config: missing one of cert or cert_file"))?;
        let key =
            key.ok_or_else(|| invalid("tls_server_config: missing one of key or key_file"))?;
        for (key, set) in [
            ("client_allowed_sans", self.client_allowed_sans.is_some()),
            (
                "cipher_suites",
                self.cipher_suites.is_some_and(|v| !v.is_empty()),
            ),
            (
                "curve_preferences",
                self.curve_preferences.is_some_and(|v| !v.is_empty()),
            ),
        ] {
            if set {
                return Err(invalid(format!(
                    "tls_server_config: {key} is not supported by rpsutil (rustls chooses safe defaults)"
                )));
            }
        }
        let client_auth = match self.client_auth_type.as_deref().unwrap_or("") {
            "" | "NoClientCert" => ClientAuth::NoClientCert,
            "VerifyClientCertIfGiven" => ClientAuth::VerifyClientCertIfGiven,
            "RequireAndVerifyClientCert" => ClientAuth::RequireAndVerifyClientCert,
            "RequestClientCert" | "RequireAnyClientCert" | "RequireClientCert" => {
                return Err(invalid(
                    "tls_server_config: client certificates without verification are not \
                     supported; use RequireAndVerifyClientCert or VerifyClientCertIfGiven",
                ))
            }
            other => return Err(invalid(format!("invalid client_auth_type: {other}"))),
        };
        match (client_auth, client_ca.is_some()) {
            (ClientAuth::NoClientCert, true) => {
                return Err(invalid(
                    "client CA's have been configured without a Client Auth Policy",
                ))
            }
            (ClientAuth::NoClientCert, false) | (_, true) => {}
            (_, false) => {
                return Err(invalid(
                    "tls_server_config: this client_auth_type needs client_ca_file or client_ca",
                ))
            }
        }
        let version = |v: Option<String>, default: TlsVersion, bound: &str| match v.as_deref() {
            None | Some("") => Ok(default),
            // No older versions in rustls: a lower minimum keeps 1.2 as the floor.
            Some("TLS10" | "TLS11") if bound == "min_version" => Ok(TlsVersion::Tls12),
            Some("TLS12") => Ok(TlsVersion::Tls12),
            Some("TLS13") => Ok(TlsVersion::Tls13),
            Some(other) => Err(invalid(format!(
                "tls_server_config: unsupported {bound} {other:?} (TLS12 or TLS13)"
            ))),
        };
        let min_version = version(self.min_version, TlsVersion::Tls12, "min_version")?;
        let max_version = version(self.max_version, TlsVersion::Tls13, "max_version")?;
        if min_version > max_version {
            return Err(invalid(
                "tls_server_config: min_version is above max_version",
            ));
        }
        Ok(Some(TlsSettings {
            cert,
            key,
            client_ca,
            client_auth,
            min_version,
            max_version,
            prefer_server_cipher_suites: self.prefer_server_cipher_suites.unwrap_or(true),
        }))
    }
}

#[cfg(test)]
mod tests;
