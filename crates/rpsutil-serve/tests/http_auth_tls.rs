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

    fn indent(pem: &str) -> String {
        pem.lines().map(|l| format!("    {l}\n")).collect()
    }
}
