//! The rustls server configuration of `tls_server_config` (Linux only: ring needs a
//! C compiler for its target, which the other OSes' type-checks do not have).

use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::{invalid, ClientAuth, Pem, TlsSettings, TlsVersion, WebConfigError};

/// Loads the certificate, key and client CAs and builds the rustls config.
///
/// # Errors
/// `Read` when a file cannot be read, `Invalid` when its PEM holds no usable
/// certificate or key, or the key does not match the certificate.
pub(crate) fn server_config(t: &TlsSettings) -> Result<Arc<ServerConfig>, WebConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&'static rustls::SupportedProtocolVersion] =
        match (t.min_version, t.max_version) {
            (TlsVersion::Tls12, TlsVersion::Tls12) => &[&rustls::version::TLS12],
            (TlsVersion::Tls13, _) => &[&rustls::version::TLS13],
            (TlsVersion::Tls12, TlsVersion::Tls13) => {
                &[&rustls::version::TLS13, &rustls::version::TLS12]
            }
        };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| invalid(format!("tls_server_config: {e}")))?;
    let builder = match (t.client_auth, &t.client_ca) {
        (ClientAuth::NoClientCert, _) | (_, None) => builder.with_no_client_auth(),
        (auth, Some(ca)) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates(ca, "client_ca")? {
                roots
                    .add(cert)
                    .map_err(|e| invalid(format!("client_ca: {e}")))?;
            }
            let mut verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            if auth == ClientAuth::VerifyClientCertIfGiven {
                verifier = verifier.allow_unauthenticated();
            }
            let verifier = verifier
                .build()
                .map_err(|e| invalid(format!("client_ca: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let chain = certificates(&t.cert, "cert")?;
    let key = match &t.key {
        Pem::File(path) => PrivateKeyDer::from_pem_file(path),
        Pem::Inline(text) => PrivateKeyDer::from_pem_slice(text.as_bytes()),
    }
    .map_err(|e| pem_error(&t.key, "key", e))?;
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| invalid(format!("tls_server_config: cert and key: {e}")))?;
    config.ignore_client_order = t.prefer_server_cipher_suites;
    // HTTP/1.1 only; clients that offer ALPN get it confirmed.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Every certificate of a PEM document; at least one.
fn certificates(pem: &Pem, what: &str) -> Result<Vec<CertificateDer<'static>>, WebConfigError> {
    let certs: Result<Vec<_>, _> = match pem {
        Pem::File(path) => CertificateDer::pem_file_iter(path)
            .map_err(|e| pem_error(pem, what, e))?
            .collect(),
        Pem::Inline(text) => CertificateDer::pem_slice_iter(text.as_bytes()).collect(),
    };
    let certs = certs.map_err(|e| pem_error(pem, what, e))?;
    if certs.is_empty() {
        return Err(invalid(format!("{what}: no certificate found")));
    }
    Ok(certs)
}

fn pem_error(pem: &Pem, what: &str, e: rustls_pki_types::pem::Error) -> WebConfigError {
    match (pem, e) {
        (Pem::File(path), rustls_pki_types::pem::Error::Io(source)) => WebConfigError::Read {
            path: path.clone(),
            source,
        },
        (Pem::File(path), e) => invalid(format!("{what}_file {}: {e}", path.display())),
        (Pem::Inline(_), e) => invalid(format!("{what}: {e}")),
    }
}
