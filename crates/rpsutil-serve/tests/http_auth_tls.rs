//! The web config over real sockets: basic auth, extra headers, and (Linux) TLS
//! with a certificate made in the test.

mod common;

// The TLS tests (Linux only) write on the TLS stream.
#[cfg(target_os = "linux")]
use std::io::Write;

use base64::Engine;
use common::*;
use rpsutil_serve::web_config;

fn basic(user: &str, password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {token}")
}

fn auth_config() -> web_config::WebConfig {
    let hash = bcrypt::hash("correct horse", 4).unwrap();
    web_config::parse(
        &format!(
            "basic_auth_users:\n  prometheus: '{hash}'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n"
        ),
        "/".as_ref(),
    )
    .unwrap()
}

#[test]
fn basic_auth_good_bad_and_missing() {
    let mut o = options();
    o.web_config = Some(auth_config());
    let fake = Fake::new();
    let addr = start(o, fake.clone());
    for (path, creds) in [
        ("/metrics", None),
        ("/metrics", Some(basic("prometheus", "wrong"))),
        ("/metrics", Some(basic("root", "correct horse"))),
        ("/", None),
        ("/nope", None),
    ] {
        let headers: Vec<(&str, &str)> = creds
            .iter()
            .map(|c| ("Authorization", c.as_str()))
            .collect();
        let r = get(addr, path, &headers);
        assert_eq!(r.status, 401, "{path} {creds:?}");
        assert_eq!(r.header("www-authenticate"), Some("Basic"));
    }
    // Refused scrapes never reached the source.
    assert!(fake.calls.lock().unwrap().is_empty());
    let good = basic("prometheus", "correct horse");
    let r = get(addr, "/metrics", &[("Authorization", &good)]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("node_load1 0.25\n"));
    assert_eq!(r.header("x-frame-options"), Some("deny"));
    // Cached: the second check gives the same answer.
    assert_eq!(get(addr, "/", &[("Authorization", &good)]).status, 200);
    assert_eq!(fake.calls.lock().unwrap().len(), 1);
}

#[test]
fn web_config_file_is_loaded_with_paths_from_its_directory() {
    let dir = std::env::temp_dir().join(format!("rpsutil-serve-webcfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("web.yml");
    std::fs::write(
        &file,
        "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n",
    )
    .unwrap();
    let config = web_config::load(&file).unwrap();
    let mut o = options();
    o.web_config = Some(config);
    // On Linux the missing certificate is a start-up error naming the file; on
    // other systems TLS itself is refused.
    let err = match rpsutil_serve::http::Server::bind(o, Fake::new()) {
        Ok(_) => panic!("a server started without its certificate"),
        Err(e) => e,
    };
    if cfg!(target_os = "linux") {
        assert!(
            err.to_string()
                .contains(&dir.join("missing.crt").display().to_string()),
            "{err}"
        );
    } else {
        assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A fresh directory for one test's files.
fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rpsutil-serve-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn auth_yaml(user: &str, password: &str, header: &str) -> String {
    let hash = bcrypt::hash(password, 4).unwrap();
    format!(
        "basic_auth_users:\n  {user}: '{hash}'\nhttp_server_config:\n  headers:\n    Content-Security-Policy: {header}\n"
    )
}

/// `--web.config.file` is re-read when it changes, as node_exporter re-reads it
/// for every request: new users and headers apply at once, a broken file gives
/// 500 until it is fixed, and an atomic replace (rename over it) is seen too.
#[test]
fn web_config_file_changes_apply_without_restart() {
    let dir = temp_dir("reload");
    let file = dir.join("web.yml");
    std::fs::write(&file, auth_yaml("alice", "one", "default-src none")).unwrap();
    let mut o = options();
    o.web_config_file = Some(file.clone());
    let fake = Fake::new();
    let addr = start(o, fake.clone());
    let alice = basic("alice", "one");
    let bob = basic("bob", "two");
    let status = |creds: &str| get(addr, "/metrics", &[("Authorization", creds)]);

    let r = status(&alice);
    assert_eq!(
        (r.status, r.header("content-security-policy")),
        (200, Some("default-src none"))
    );
    assert_eq!(status(&bob).status, 401);

    std::fs::write(&file, auth_yaml("bob", "two", "default-src self")).unwrap();
    assert_eq!(status(&alice).status, 401);
    let r = status(&bob);
    assert_eq!(
        (r.status, r.header("content-security-policy")),
        (200, Some("default-src self"))
    );

    // A file that no longer parses: 500 for every request, with no extra headers
    // and without reaching the collectors.
    let calls = fake.calls.lock().unwrap().len();
    std::fs::write(&file, "basic_auth_users: [not, a, map\n").unwrap();
    let r = status(&bob);
    assert_eq!((r.status, r.header("content-security-policy")), (500, None));
    assert_eq!(get(addr, "/", &[]).status, 500);
    assert_eq!(fake.calls.lock().unwrap().len(), calls);

    // Fixed by renaming a new file over it (a new inode).
    let next = dir.join("web.yml.new");
    std::fs::write(&next, auth_yaml("carol", "three", "img-src self")).unwrap();
    std::fs::rename(&next, &file).unwrap();
    let r = status(&basic("carol", "three"));
    assert_eq!(
        (r.status, r.header("content-security-policy")),
        (200, Some("img-src self"))
    );
    assert_eq!(status(&bob).status, 401);

    // Emptied: no users, so no authentication (an empty config is valid).
    std::fs::write(&file, "").unwrap();
    let r = get(addr, "/metrics", &[]);
    assert_eq!((r.status, r.header("content-security-policy")), (200, None));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A config file that does not load stops the server from starting, naming the
/// file; both a value and a file is a usage error.
#[test]
fn web_config_file_must_load_at_start() {
    let dir = temp_dir("badstart");
    let file = dir.join("web.yml");
    std::fs::write(&file, "basic_auth_users:\n  alice: plain-text\n").unwrap();
    let mut o = options();
    o.web_config_file = Some(file.clone());
    let err = match rpsutil_serve::http::Server::bind(o, Fake::new()) {
        Ok(_) => panic!("started on a config with a password that is not a bcrypt hash"),
        Err(e) => e,
    };
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("{}: ", file.display())), "{msg}");
    assert!(msg.contains("not a bcrypt hash"), "{msg}");

    let mut o = options();
    o.web_config_file = Some(dir.join("missing.yml"));
    let err = rpsutil_serve::http::Server::bind(o, Fake::new())
        .err()
        .unwrap();
    assert!(err.to_string().contains("missing.yml"), "{err}");

    let mut o = options();
    o.web_config = Some(auth_config());
    o.web_config_file = Some(file);
    let err = rpsutil_serve::http::Server::bind(o, Fake::new())
        .err()
        .unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(target_os = "linux")]
mod tls {
    use super::*;
    use std::io::Read;
    use std::net::TcpStream;
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};

    /// A self-signed certificate for `localhost` and its key, as PEM.
    fn self_signed() -> (String, String) {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        (ck.cert.pem(), ck.signing_key.serialize_pem())
    }

    fn client(cert_pem: &str) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap())
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }

    #[test]
    fn tls_scrapes_with_auth_and_keep_alive() {
        let (cert, key) = self_signed();
        let dir = std::env::temp_dir().join(format!("rpsutil-serve-tls-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("certs")).unwrap();
        std::fs::write(dir.join("certs/server.crt"), &cert).unwrap();
        std::fs::write(dir.join("certs/server.key"), &key).unwrap();
        let hash = bcrypt::hash("pw", 4).unwrap();
        std::fs::write(
            dir.join("web.yml"),
            format!(
                "tls_server_config:\n  cert_file: certs/server.crt\n  key_file: certs/server.key\n  \
                 min_version: TLS12\nbasic_auth_users:\n  prom: '{hash}'\n"
            ),
        )
        .unwrap();
        let mut o = options();
        o.web_config = Some(web_config::load(&dir.join("web.yml")).unwrap());
        let addr = start(o, Fake::new());

        let conn = rustls::ClientConnection::new(
            client(&cert),
            ServerName::try_from("localhost").unwrap(),
        )
        .unwrap();
        let mut tls = rustls::StreamOwned::new(conn, connect(addr));
        let auth = basic("prom", "pw");
        for _ in 0..2 {
            tls.write_all(raw_request("GET", "/metrics", &[("Authorization", &auth)]).as_bytes())
                .unwrap();
            let r = read_reply(&mut tls, false).unwrap();
            assert_eq!(r.status, 200);
            assert!(r.text().contains("node_load1 0.25\n"));
        }
        tls.write_all(raw_request("GET", "/metrics", &[]).as_bytes())
            .unwrap();
        assert_eq!(read_reply(&mut tls, false).unwrap().status, 401);
        assert_eq!(
            tls.conn.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_3)
        );

        // Plain HTTP to the TLS port gets no HTTP answer.
        let mut plain = connect(addr);
        plain
            .write_all(raw_request("GET", "/metrics", &[]).as_bytes())
            .unwrap();
        let mut out = Vec::new();
        let _ = plain.read_to_end(&mut out);
        assert!(
            !out.starts_with(b"HTTP/1.1 200"),
            "{:?}",
            String::from_utf8_lossy(&out)
        );

        // A client that does not trust the certificate fails the handshake.
        let (other, _) = self_signed();
        let conn = rustls::ClientConnection::new(
            client(&other),
            ServerName::try_from("localhost").unwrap(),
        )
        .unwrap();
        let mut tls = rustls::StreamOwned::new(conn, connect(addr));
        let sent = tls.write_all(raw_request("GET", "/", &[]).as_bytes());
        assert!(sent.is_err() || read_reply(&mut tls, false).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn tls12_only_when_max_version_says_so() {
        let (cert, key) = self_signed();
        let yaml = format!(
            "tls_server_config:\n  cert: |\n{}  key: |\n{}  max_version: TLS12\n",
            indent(&cert),
            indent(&key)
        );
        let mut o = options();
        o.web_config = Some(web_config::parse(&yaml, "/".as_ref()).unwrap());
        let addr = start(o, Fake::new());
        let conn = rustls::ClientConnection::new(
            client(&cert),
            ServerName::try_from("localhost").unwrap(),
        )
        .unwrap();
        let mut tls = rustls::StreamOwned::new(conn, TcpStream::connect(addr).unwrap());
        tls.write_all(raw_request("GET", "/", &[]).as_bytes())
            .unwrap();
        assert_eq!(read_reply(&mut tls, false).unwrap().status, 200);
        assert_eq!(
            tls.conn.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_2)
        );
    }

    /// A client that trusts `server_cert` and presents `identity` (certificate
    /// and key PEM), if any.
    fn client_with(server_cert: &str, identity: Option<(&str, &str)>) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(server_cert.as_bytes()).unwrap())
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        Arc::new(match identity {
            None => builder.with_no_client_auth(),
            Some((cert, key)) => builder
                .with_client_auth_cert(
                    vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
                    rustls::pki_types::PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
                )
                .unwrap(),
        })
    }

    /// The status of one GET / over TLS, or None if the handshake (or the
    /// connection) failed.
    fn tls_status(addr: std::net::SocketAddr, config: Arc<rustls::ClientConfig>) -> Option<u16> {
        let conn =
            rustls::ClientConnection::new(config, ServerName::try_from("localhost").unwrap())
                .unwrap();
        let mut tls = rustls::StreamOwned::new(conn, connect(addr));
        tls.write_all(raw_request("GET", "/", &[]).as_bytes())
            .ok()?;
        read_reply(&mut tls, false).ok().map(|r| r.status)
    }

    /// A CA (certificate PEM) and a client certificate it signed (cert, key).
    fn client_ca_and_identity() -> (String, String, String) {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca =
            rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
                .unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["scraper".to_owned()]).unwrap();
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let issuer: &rcgen::Issuer<'_, rcgen::KeyPair> = &ca;
        let cert = params.signed_by(&key, issuer).unwrap();
        (ca.pem(), cert.pem(), key.serialize_pem())
    }

    /// `client_auth_type` with `client_ca_file`: a required client certificate
    /// must be signed by the CA; "if given" lets clients without one in but still
    /// refuses a certificate the CA did not sign. The switch from one to the
    /// other is a change of the file, applied without a restart.
    #[test]
    fn client_certificates_are_verified() {
        let dir = temp_dir("mtls");
        let (server_cert, server_key) = self_signed();
        let (ca, client_cert, client_key) = client_ca_and_identity();
        let (stranger_cert, stranger_key) = self_signed();
        std::fs::write(dir.join("server.crt"), &server_cert).unwrap();
        std::fs::write(dir.join("server.key"), &server_key).unwrap();
        std::fs::write(dir.join("clients.pem"), &ca).unwrap();
        let yaml = |auth: &str| {
            format!(
                "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  \
                 client_ca_file: clients.pem\n  client_auth_type: {auth}\n"
            )
        };
        let file = dir.join("web.yml");
        std::fs::write(&file, yaml("RequireAndVerifyClientCert")).unwrap();
        let mut o = options();
        o.web_config_file = Some(file.clone());
        let addr = start(o, Fake::new());

        let anonymous = client_with(&server_cert, None);
        let signed = client_with(&server_cert, Some((&client_cert, &client_key)));
        let stranger = client_with(&server_cert, Some((&stranger_cert, &stranger_key)));
        assert_eq!(tls_status(addr, signed.clone()), Some(200));
        assert_eq!(tls_status(addr, anonymous.clone()), None, "no certificate");
        assert_eq!(
            tls_status(addr, stranger.clone()),
            None,
            "not signed by the CA"
        );

        std::fs::write(&file, yaml("VerifyClientCertIfGiven")).unwrap();
        assert_eq!(tls_status(addr, anonymous), Some(200));
        assert_eq!(tls_status(addr, signed), Some(200));
        assert_eq!(
            tls_status(addr, stranger),
            None,
            "a given certificate is verified"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A renewed certificate written over the old files is served to the next
    /// connection; a broken certificate file fails handshakes until replaced.
    #[test]
    fn certificate_rotation_without_restart() {
        let dir = temp_dir("rotate");
        let (old_cert, old_key) = self_signed();
        std::fs::write(dir.join("server.crt"), &old_cert).unwrap();
        std::fs::write(dir.join("server.key"), &old_key).unwrap();
        let file = dir.join("web.yml");
        std::fs::write(
            &file,
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n",
        )
        .unwrap();
        let mut o = options();
        o.web_config_file = Some(file);
        let addr = start(o, Fake::new());
        assert_eq!(tls_status(addr, client(&old_cert)), Some(200));

        let (new_cert, new_key) = self_signed();
        std::fs::write(dir.join("server.key"), &new_key).unwrap();
        std::fs::write(dir.join("server.crt"), &new_cert).unwrap();
        assert_eq!(tls_status(addr, client(&new_cert)), Some(200));
        assert_eq!(
            tls_status(addr, client(&old_cert)),
            None,
            "old certificate still served"
        );

        std::fs::write(dir.join("server.crt"), "not a certificate\n").unwrap();
        assert_eq!(tls_status(addr, client(&new_cert)), None);
        std::fs::write(dir.join("server.crt"), &new_cert).unwrap();
        assert_eq!(tls_status(addr, client(&new_cert)), Some(200));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn indent(pem: &str) -> String {
        pem.lines().map(|l| format!("    {l}\n")).collect()
    }
}
