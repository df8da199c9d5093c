use super::*;

fn dir() -> &'static Path {
    Path::new("/etc/rpsutil")
}

fn err(yaml: &str) -> String {
    match parse(yaml, dir()) {
        Ok(c) => panic!("accepted {yaml:?} as {c:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn full_config_resolves_relative_paths_against_the_file_directory() {
    let hash = bcrypt::hash("pw", 4).unwrap();
    let yaml = format!(
        "tls_server_config:\n  cert_file: server.crt\n  key_file: /abs/server.key\n  \
         client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca/clients.pem\n  \
         min_version: TLS13\nhttp_server_config:\n  http2: false\n  headers:\n    \
         X-Frame-Options: deny\nbasic_auth_users:\n  prom: {hash}\n"
    );
    let c = parse(&yaml, dir()).unwrap();
    let tls = c.tls.unwrap();
    assert_eq!(tls.cert, Pem::File("/etc/rpsutil/server.crt".into()));
    assert_eq!(tls.key, Pem::File("/abs/server.key".into()));
    assert_eq!(
        tls.client_ca,
        Some(Pem::File("/etc/rpsutil/ca/clients.pem".into()))
    );
    assert_eq!(tls.client_auth, ClientAuth::RequireAndVerifyClientCert);
    assert_eq!(tls.min_version, TlsVersion::Tls13);
    assert_eq!(tls.max_version, TlsVersion::Tls13);
    assert!(tls.prefer_server_cipher_suites);
    assert_eq!(c.basic_auth_users.get("prom"), Some(&hash));
    assert_eq!(
        c.headers,
        vec![("X-Frame-Options".to_owned(), "deny".to_owned())]
    );
}

#[test]
fn empty_file_and_empty_tls_section_mean_plain_http_without_auth() {
    assert_eq!(parse("", dir()).unwrap(), WebConfig::default());
    assert_eq!(parse("tls_server_config: {}\n", dir()).unwrap().tls, None);
}

#[test]
fn bad_or_unsupported_settings_are_start_up_errors() {
    assert!(err("nope: 1\n").contains("unknown field"));
    assert!(err("basic_auth_users:\n  a: plaintext\n").contains("not a bcrypt hash"));
    assert!(err("tls_server_config:\n  cert_file: a\n").contains("missing one of key"));
    assert!(err("tls_server_config:\n  key_file: a\n").contains("missing one of cert"));
    assert!(
        err("tls_server_config:\n  cert_file: a\n  cert: b\n  key_file: k\n")
            .contains("one of cert and cert_file")
    );
    let tls = "tls_server_config:\n  cert_file: a\n  key_file: b\n";
    assert!(
        err(&format!("{tls}  client_auth_type: RequestClientCert\n"))
            .contains("without verification")
    );
    assert!(err(&format!("{tls}  client_auth_type: Bogus\n")).contains("invalid client_auth_type"));
    assert!(err(&format!("{tls}  client_ca_file: ca\n")).contains("without a Client Auth Policy"));
    assert!(err(&format!(
        "{tls}  client_auth_type: VerifyClientCertIfGiven\n"
    ))
    .contains("needs client_ca_file"));
    assert!(
        err(&format!("{tls}  cipher_suites: [TLS_AES_128_GCM_SHA256]\n")).contains("not supported")
    );
    assert!(err(&format!(
        "{tls}  min_version: TLS13\n  max_version: TLS12\n"
    ))
    .contains("above"));
    assert!(err(&format!("{tls}  max_version: TLS11\n")).contains("unsupported max_version"));
    assert!(err("rate_limit:\n  burst: 1\n").contains("unknown field"));
    assert!(
        err("http_server_config:\n  headers:\n    X-Frame-Options: allow\n")
            .contains("invalid value")
    );
    assert!(err("http_server_config:\n  headers:\n    Set-Cookie: a\n")
        .contains("can not be configured"));
    assert!(err("basic_auth_users: [1, 2]\n").starts_with("web config:"));
}

#[test]
fn old_minimum_versions_keep_tls12_as_the_floor() {
    let c = parse(
        "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n",
        dir(),
    )
    .unwrap();
    assert_eq!(c.tls.unwrap().min_version, TlsVersion::Tls12);
}

#[test]
fn load_reads_the_file_and_reports_a_missing_one() {
    let d = std::env::temp_dir().join(format!("rpsutil-webcfg-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("web.yml");
    std::fs::write(
        &f,
        "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n",
    )
    .unwrap();
    let c = load(&f).unwrap();
    assert_eq!(c.tls.unwrap().cert, Pem::File(d.join("c.pem")));
    let missing = load(&d.join("missing.yml")).unwrap_err();
    assert!(matches!(missing, WebConfigError::Read { .. }), "{missing}");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn inline_secrets_are_not_printed_by_debug() {
    assert_eq!(format!("{:?}", Pem::Inline("PRIVATE".into())), "Inline(..)");
}
