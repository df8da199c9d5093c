//! The server's behaviour over real sockets: pages, formats, gzip, query
//! forwarding, errors, keep-alive and the concurrency limits.

mod common;

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use rpsutil_serve::encode::{encode, Format};

const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

fn expected(format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    encode(&fixture(), format, &mut out);
    out
}

#[test]
fn landing_page_links_to_the_metrics_path() {
    let mut o = options();
    o.telemetry_path = "/custom/metrics".into();
    let addr = start(o, Fake::new());
    let r = get(addr, "/", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(
        r.text().contains("<a href=\"/custom/metrics\">Metrics</a>"),
        "{}",
        r.text()
    );
    // The configured path serves metrics; the default one is now unknown.
    assert_eq!(get(addr, "/custom/metrics", &[]).status, 200);
    assert_eq!(get(addr, "/metrics", &[]).status, 404);
}

#[test]
fn metrics_are_text_004_by_default() {
    let addr = start(options(), Fake::new());
    let r = get(addr, "/metrics", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.body, expected(Format::Text004));
    let text = r.text();
    assert!(
        text.contains("# TYPE node_cpu_seconds_total counter\n"),
        "{text}"
    );
    assert!(text.contains("node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 1.6706502656e+10\n"));
    assert!(
        text.contains("namedprocess_namegroup_num_procs{groupname=\"sshd \\\"main\\\"\\\\n\"} 3\n")
    );
    assert!(!text.contains("# EOF"));
}

#[test]
fn openmetrics_by_accept_header_and_format_parameter() {
    let addr = start(options(), Fake::new());
    let om_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    let r = get(addr, "/metrics", &[("Accept", PROMETHEUS_ACCEPT)]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some(om_type));
    assert_eq!(r.body, expected(Format::OpenMetrics100));
    let text = r.text();
    assert!(text.ends_with("# EOF\n"));
    assert!(text.contains("# TYPE node_cpu_seconds counter\n"), "{text}");
    assert!(text.contains("\nnode_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 12345.5\n"));
    assert!(text.contains("# TYPE rpsutil_weird unknown\n"));

    let r = get(
        addr,
        "/metrics?format=text",
        &[("Accept", PROMETHEUS_ACCEPT)],
    );
    assert_eq!(
        r.header("content-type"),
        Some(Format::Text004.content_type())
    );
    assert_eq!(r.body, expected(Format::Text004));
    let r = get(addr, "/metrics?format=openmetrics", &[]);
    assert_eq!(r.header("content-type"), Some(om_type));
    assert_eq!(r.body, expected(Format::OpenMetrics100));
    let r = get(addr, "/metrics?format=json", &[]);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("unknown format \"json\""), "{}", r.text());
}

#[test]
fn gzip_when_accepted_decodes_to_the_plain_body() {
    let addr = start(options(), Fake::new());
    for (accept, format) in [
        (None, Format::Text004),
        (Some(PROMETHEUS_ACCEPT), Format::OpenMetrics100),
    ] {
        let mut headers = vec![("Accept-Encoding", "gzip")];
        if let Some(a) = accept {
            headers.push(("Accept", a));
        }
        let r = get(addr, "/metrics", &headers);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-encoding"), Some("gzip"));
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&r.body[..])
            .read_to_end(&mut plain)
            .expect("valid gzip");
        assert_eq!(plain, expected(format));
        assert_ne!(r.body, plain);
    }
    let r = get(
        addr,
        "/metrics",
        &[("Accept-Encoding", "gzip;q=0, identity")],
    );
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.body, expected(Format::Text004));
}

#[test]
fn collect_and_exclude_are_passed_to_the_source_and_unknown_ones_give_400() {
    let fake = Fake::new();
    let addr = start(options(), fake.clone());
    let r = get(
        addr,
        "/metrics?collect[]=cpu&collect%5B%5D=mem+info&exclude[]=hw%2Fmon&other=1",
        &[],
    );
    assert_eq!(r.status, 200);
    assert_eq!(get(addr, "/metrics", &[]).status, 200);
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec![
            (
                vec!["cpu".to_owned(), "mem info".to_owned()],
                vec!["hw/mon".to_owned()]
            ),
            (vec![], vec![]),
        ]
    );
    let r = get(addr, "/metrics?collect[]=nosuch", &[]);
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), "missing collector: nosuch\n");
    let r = get(addr, "/metrics?collect[]=%zz", &[]);
    assert_eq!(r.status, 400);
}

#[test]
fn unknown_paths_404_other_methods_405_and_head_has_no_body() {
    let addr = start(options(), Fake::new());
    let r = get(addr, "/nope", &[]);
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), "404 page not found\n");
    for method in ["POST", "DELETE", "PUT", "OPTIONS"] {
        let r = request(addr, method, "/metrics", &[]);
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), Some("GET, HEAD"));
    }
    // HEAD: GET's headers and length, no body; the connection stays usable.
    let mut s = connect(addr);
    s.write_all(raw_request("HEAD", "/metrics", &[]).as_bytes())
        .unwrap();
    let head = read_reply(&mut s, true).unwrap();
    assert_eq!(head.status, 200);
    let len = expected(Format::Text004).len().to_string();
    assert_eq!(head.header("content-length"), Some(len.as_str()));
    assert!(head.body.is_empty());
    s.write_all(raw_request("GET", "/metrics", &[]).as_bytes())
        .unwrap();
    let r = read_reply(&mut s, false).unwrap();
    assert_eq!(r.body, expected(Format::Text004));
}

#[test]
fn keep_alive_pipelining_and_connection_close() {
    let addr = start(options(), Fake::new());
    let mut s = connect(addr);
    // Two requests in one write: both answered, in order.
    let two = format!(
        "{}{}",
        raw_request("GET", "/metrics", &[]),
        raw_request("GET", "/", &[])
    );
    s.write_all(two.as_bytes()).unwrap();
    let a = read_reply(&mut s, false).unwrap();
    let b = read_reply(&mut s, false).unwrap();
    assert_eq!(a.body, expected(Format::Text004));
    assert!(b.text().contains("<html"));
    assert_eq!(a.header("connection"), None);
    for _ in 0..3 {
        s.write_all(raw_request("GET", "/metrics", &[]).as_bytes())
            .unwrap();
        assert_eq!(read_reply(&mut s, false).unwrap().status, 200);
    }
    s.write_all(raw_request("GET", "/metrics", &[("Connection", "close")]).as_bytes())
        .unwrap();
    let last = read_reply(&mut s, false).unwrap();
    assert_eq!(last.header("connection"), Some("close"));
    assert!(closed_within(&mut s, Duration::from_secs(5)));

    // HTTP/1.0 closes unless asked to keep the connection.
    let mut s = connect(addr);
    s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(read_reply(&mut s, false).unwrap().status, 200);
    assert!(closed_within(&mut s, Duration::from_secs(5)));
    let mut s = connect(addr);
    s.write_all(b"GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    let r = read_reply(&mut s, false).unwrap();
    assert_eq!(r.header("connection"), Some("keep-alive"));
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(read_reply(&mut s, false).unwrap().status, 200);
}

#[test]
fn scrapes_beyond_max_requests_get_503_at_once() {
    let fake = Fake::new();
    let mut o = options();
    o.max_requests = 2;
    let addr = start(o, fake.clone());
    fake.close_gate();
    let held: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(move || get(addr, "/metrics", &[])))
        .collect();
    fake.wait_for_waiting(2);
    // Both slots are taken by scrapes held inside the source.
    let started = std::time::Instant::now();
    let r = get(addr, "/metrics", &[]);
    assert_eq!(r.status, 503);
    assert!(
        r.text()
            .contains("Limit of concurrent requests reached (2)"),
        "{}",
        r.text()
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // Only metric scrapes count: the landing page still answers.
    assert_eq!(get(addr, "/", &[]).status, 200);
    fake.open();
    for h in held {
        let r = h.join().unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, expected(Format::Text004));
    }
    // Slots were given back.
    assert_eq!(get(addr, "/metrics", &[]).status, 200);
}

#[test]
fn two_hundred_concurrent_scrapes_are_all_answered() {
    let fake = Fake::new();
    let mut o = options();
    o.max_requests = 0;
    let addr = start(o, fake.clone());
    fake.close_gate();
    let clients: Vec<_> = (0..200)
        .map(|_| std::thread::spawn(move || get(addr, "/metrics", &[("Accept-Encoding", "gzip")])))
        .collect();
    // All 200 are inside the source at once before any is let through.
    fake.wait_for_waiting(200);
    fake.open();
    let want = expected(Format::Text004);
    for c in clients {
        let r = c.join().unwrap();
        assert_eq!(r.status, 200);
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&r.body[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, want);
    }
}

#[test]
fn connections_beyond_the_limit_are_refused_with_503() {
    let mut o = options();
    o.max_connections = 2;
    let addr = start(o, Arc::new(common::Fake::default()));
    // Two idle connections hold both places (accepted in order, before the third).
    let mut a = connect(addr);
    let _b = connect(addr);
    let mut c = connect(addr);
    let mut refused = String::new();
    c.read_to_string(&mut refused).unwrap();
    assert!(refused.starts_with("HTTP/1.1 503 "), "{refused:?}");
    assert!(refused.ends_with("too many open connections"));
    // The held connections still work, and a freed place is reusable.
    a.write_all(raw_request("GET", "/metrics", &[("Connection", "close")]).as_bytes())
        .unwrap();
    assert_eq!(read_reply(&mut a, false).unwrap().status, 200);
    drop(a);
    // The freed place comes back once the server sees the close: poll for it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut d = connect(addr);
        d.write_all(raw_request("GET", "/", &[]).as_bytes())
            .unwrap();
        match read_reply(&mut d, false) {
            Ok(r) if r.status == 200 => break,
            other => assert!(
                std::time::Instant::now() < deadline,
                "no place freed: {other:?}"
            ),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
