//! Shared by the HTTP tests: a fake metrics source, a server on 127.0.0.1:0, and
//! a raw HTTP/1.1 client (so the tests control every byte sent).

#![allow(dead_code)] // each test file uses a different part

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rpsutil_serve::http::{HttpOptions, Server};
use rpsutil_serve::model::{Family, GatherError, MetricType, MetricsSource};

/// The fixed families the fake source returns.
pub fn fixture() -> Vec<Family> {
    vec![
        Family::new(
            "node_cpu_seconds_total",
            "Seconds the CPUs spent in each mode.",
            MetricType::Counter,
        )
        .with(&[("cpu", "0"), ("mode", "idle")], 12345.5)
        .with(&[("cpu", "0"), ("mode", "user")], 1.6706502656e10),
        Family::new("node_load1", "1m load average.", MetricType::Gauge).with(&[], 0.25),
        Family::new(
            "namedprocess_namegroup_num_procs",
            "number of processes in this group",
            MetricType::Gauge,
        )
        .with(&[("groupname", "sshd \"main\"\\n")], 3.0),
        Family::new(
            "rpsutil_weird",
            "Help with \\ and\nnewline.",
            MetricType::Untyped,
        )
        .with(&[("v", "multi\nline")], f64::NAN),
    ]
}

/// A source that records its calls, can refuse collectors, and can hold scrapes
/// at a gate until the test opens it.
#[derive(Default)]
pub struct Fake {
    pub calls: Mutex<Vec<(Vec<String>, Vec<String>)>>,
    gate: Mutex<Gate>,
    changed: Condvar,
}

#[derive(Default)]
struct Gate {
    closed: bool,
    waiting: usize,
}

impl Fake {
    pub fn new() -> Arc<Fake> {
        Arc::new(Fake::default())
    }

    /// Scrapes from now on wait in `gather` until [`Fake::open`].
    pub fn close_gate(&self) {
        self.gate.lock().unwrap().closed = true;
    }

    pub fn open(&self) {
        self.gate.lock().unwrap().closed = false;
        self.changed.notify_all();
    }

    /// Waits (polling the condition, 10 s at most) until `n` scrapes wait at the gate.
    pub fn wait_for_waiting(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut g = self.gate.lock().unwrap();
        while g.waiting < n {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "only {} scrapes reached the source",
                g.waiting
            );
            g = self.changed.wait_timeout(g, left).unwrap().0;
        }
    }
}

impl MetricsSource for Fake {
    fn gather(&self, include: &[String], exclude: &[String]) -> Result<Vec<Family>, GatherError> {
        self.calls
            .lock()
            .unwrap()
            .push((include.to_vec(), exclude.to_vec()));
        let mut g = self.gate.lock().unwrap();
        g.waiting += 1;
        self.changed.notify_all();
        while g.closed {
            g = self.changed.wait(g).unwrap();
        }
        g.waiting -= 1;
        drop(g);
        if let Some(bad) = include
            .iter()
            .chain(exclude)
            .find(|c| c.as_str() == "nosuch")
        {
            return Err(GatherError::UnknownCollector(bad.clone()));
        }
        Ok(fixture())
    }
}

/// Options for a test server on 127.0.0.1:0.
pub fn options() -> HttpOptions {
    let mut o = HttpOptions::default();
    o.listen = "127.0.0.1:0".into();
    // The tests compare whole bodies with the fixture's; the exporter's own
    // metrics have their test (http_server.rs: exporter_metrics_*).
    o.exporter_metrics = false;
    o
}

/// Starts a server in a background thread (it lives until the test process ends).
pub fn start(opts: HttpOptions, source: Arc<dyn MetricsSource>) -> SocketAddr {
    let server = Server::bind(opts, source).expect("bind");
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || server.run());
    addr
}

/// A parsed response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }
}

/// Reads one response from `s` (a body of Content-Length bytes, none for HEAD).
pub fn read_reply(s: &mut impl Read, head_request: bool) -> std::io::Result<Reply> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
    let status: u16 = status_line[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once(": ").expect("header");
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .expect("Content-Length");
    let mut body = vec![0u8; if head_request { 0 } else { len }];
    s.read_exact(&mut body)?;
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// Connects with 20 s timeouts (a hung server fails the test instead of hanging it).
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// One request on a new connection.
pub fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Reply {
    request(addr, "GET", target, headers)
}

pub fn request(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
    let mut s = connect(addr);
    s.write_all(raw_request(method, target, headers).as_bytes())
        .unwrap();
    read_reply(&mut s, method == "HEAD").expect("a response")
}

pub fn raw_request(method: &str, target: &str, headers: &[(&str, &str)]) -> String {
    let mut r = format!("{method} {target} HTTP/1.1\r\nHost: test\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str("\r\n");
    r
}

/// Whether the server has closed `s` (EOF or reset) within `within`.
pub fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut sink = [0u8; 4096];
    loop {
        match s.read(&mut sink) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return false
            }
            Err(_) => return true,
        }
    }
}
