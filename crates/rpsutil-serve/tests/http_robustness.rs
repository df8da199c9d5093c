//! The server against hostile or broken clients: huge heads, slow clients, bytes
//! that are not HTTP, request bodies. After each, a normal scrape must still work.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use common::*;
use proptest::prelude::*;

fn assert_still_serving(addr: SocketAddr) {
    let r = get(addr, "/metrics", &[]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("node_load1 0.25\n"));
}

/// Sends `bytes`, half-closes, and returns everything the server sends back.
fn exchange(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut s = connect(addr);
    // The server may close before taking everything: a failed write is fine.
    let _ = s.write_all(bytes);
    let _ = s.shutdown(Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

#[test]
fn huge_heads_get_431_and_others_are_still_served() {
    let mut o = options();
    o.max_head_bytes = 16 * 1024;
    let addr = start(o, Fake::new());
    let big = "x".repeat(200 * 1024);
    let mut s = connect(addr);
    let writer = {
        let mut w = s.try_clone().unwrap();
        let req = format!("GET /metrics HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\n\r\n");
        std::thread::spawn(move || {
            let _ = w.write_all(req.as_bytes());
        })
    };
    let r = read_reply(&mut s, false).expect("an answer before the close");
    assert_eq!(r.status, 431);
    assert_eq!(r.header("connection"), Some("close"));
    writer.join().unwrap();
    // A request line alone past the limit, without any newline.
    let out = exchange(addr, format!("GET /{big}").as_bytes());
    assert!(
        out.starts_with(b"HTTP/1.1 431 "),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    // Just under the limit is fine.
    let fits = "y".repeat(15 * 1024);
    assert_eq!(get(addr, "/metrics", &[("X-Fits", &fits)]).status, 200);
    assert_still_serving(addr);
}

#[test]
fn slow_client_is_cut_off_and_does_not_block_a_scrape() {
    let mut o = options();
    o.header_timeout = Duration::from_secs(2);
    let addr = start(o, Fake::new());
    let mut slow = connect(addr);
    let opened = Instant::now();
    let mut slow_w = slow.try_clone().unwrap();
    // One byte a second, as a slow-loris attacker would (never finishing the head).
    let dripper = std::thread::spawn(move || {
        for b in b"GET /metrics HTTP/1.1\r\nHost: slow\r\nX-A: b\r\n".iter() {
            if slow_w.write_all(&[*b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    // Meanwhile a normal scrape is answered at once.
    let t = Instant::now();
    assert_still_serving(addr);
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "scrape took {:?}",
        t.elapsed()
    );
    // The slow client is closed at the head deadline, not after its last byte.
    assert!(
        closed_within(&mut slow, Duration::from_secs(6)),
        "slow client still open"
    );
    let lived = opened.elapsed();
    assert!(
        lived >= Duration::from_millis(1900) && lived < Duration::from_secs(6),
        "{lived:?}"
    );
    dripper.join().unwrap();
    // A connection that sends nothing is closed at the same deadline.
    let mut idle = connect(addr);
    assert!(closed_within(&mut idle, Duration::from_secs(6)));
    assert_still_serving(addr);
}

#[test]
fn idle_keep_alive_connections_are_closed_after_idle_timeout() {
    let mut o = options();
    o.idle_timeout = Duration::from_millis(300);
    let addr = start(o, Fake::new());
    let mut s = connect(addr);
    s.write_all(raw_request("GET", "/", &[]).as_bytes())
        .unwrap();
    assert_eq!(read_reply(&mut s, false).unwrap().status, 200);
    let t = Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(5)));
    assert!(
        t.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn non_http_bytes_get_400_and_the_connection_closed() {
    let addr = start(options(), Fake::new());
    for garbage in [
        &b"hello\r\n\r\n"[..],
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n",
        b"GET / HTTP/1.1\r\nbad header\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    ] {
        let out = exchange(addr, garbage);
        assert!(
            out.starts_with(b"HTTP/1.1 400 Bad Request\r\n"),
            "{garbage:?} -> {:?}",
            String::from_utf8_lossy(&out)
        );
        assert!(String::from_utf8_lossy(&out).contains("Connection: close"));
    }
    let out = exchange(addr, b"GET / HTTP/2.0\r\n\r\n");
    assert!(out.starts_with(b"HTTP/1.1 505 "));
    // A TLS ClientHello never finishes a head: closed at EOF, nothing answered.
    let out = exchange(
        addr,
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\x00\x01",
    );
    assert!(out.is_empty(), "{out:?}");
    assert_still_serving(addr);
}

#[test]
fn request_bodies_are_not_read_and_the_connection_is_closed() {
    let addr = start(options(), Fake::new());
    let mut s = connect(addr);
    s.write_all(b"POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nGET / HTTP/")
        .unwrap();
    let r = read_reply(&mut s, false).unwrap();
    assert_eq!(r.status, 405);
    assert_eq!(r.header("connection"), Some("close"));
    // The body was not taken for a request of its own.
    assert!(closed_within(&mut s, Duration::from_secs(5)));
    let mut s = connect(addr);
    s.write_all(
        b"GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    )
    .unwrap();
    let r = read_reply(&mut s, false).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(closed_within(&mut s, Duration::from_secs(5)));
    assert_still_serving(addr);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_over_the_wire_never_break_the_server(
        bytes in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..2048),
            ("[A-Z]{0,8} [ -~]{0,30} HTTP/[0-9.]{0,4}\r\n([ -~]{0,40}\r\n){0,5}\r\n")
                .prop_map(String::into_bytes),
        ]
    ) {
        let addr = *SERVER;
        let out = exchange(addr, &bytes);
        // Either nothing (closed) or whole HTTP/1.1 responses.
        if !out.is_empty() {
            prop_assert!(out.starts_with(b"HTTP/1.1 "), "{:?}", String::from_utf8_lossy(&out));
            let status = &out[9..12];
            prop_assert!(
                [&b"200"[..], b"400", b"404", b"405", b"431", b"505"].contains(&status),
                "{:?}", String::from_utf8_lossy(&out)
            );
        }
        let r = get(addr, "/", &[]);
        prop_assert_eq!(r.status, 200);
    }
}

static SERVER: std::sync::LazyLock<SocketAddr> =
    std::sync::LazyLock::new(|| start(options(), Fake::new()));
