//! Helpers shared by the collector tests: a test-only text renderer of families,
//! a small parser of Prometheus text 0.0.4 (the oracles' output), a std::net HTTP
//! GET, and a guard that kills the processes a test started.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Child;
use std::time::{Duration, Instant};

use rpsutil_serve::model::{Family, MetricType};

/// One series: its metric name and labels (sorted by name).
pub type SeriesKey = (String, BTreeMap<String, String>);

/// Every sample of these families, keyed by series.
pub fn series(fams: &[Family]) -> BTreeMap<SeriesKey, f64> {
    let mut out = BTreeMap::new();
    for f in fams {
        for s in &f.samples {
            let labels = s
                .labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            out.insert((f.name.to_string(), labels), s.value);
        }
    }
    out
}

/// The families as sorted text lines (`# TYPE`, `# HELP`, then samples), for
/// golden files. `volatile` says which series' values to print as `X`.
pub fn render(
    fams: &[Family],
    volatile: impl Fn(&str, &BTreeMap<String, String>) -> bool,
) -> String {
    let mut fams: Vec<&Family> = fams.iter().collect();
    fams.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::new();
    for f in fams {
        let kind = match f.kind {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Untyped => "untyped",
        };
        out.push_str(&format!(
            "# HELP {} {}\n# TYPE {} {}\n",
            f.name, f.help, f.name, kind
        ));
        let mut lines: Vec<String> = f
            .samples
            .iter()
            .map(|s| {
                let labels: BTreeMap<String, String> = s
                    .labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect();
                let text: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
                let value = if volatile(&f.name, &labels) {
                    "X".to_owned()
                } else {
                    format!("{}", s.value)
                };
                format!("{}{{{}}} {}", f.name, text.join(","), value)
            })
            .collect();
        lines.sort();
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}

/// A parsed exposition: series values and each family's `# TYPE`.
#[derive(Debug, Default)]
pub struct Parsed {
    pub samples: BTreeMap<SeriesKey, f64>,
    pub types: BTreeMap<String, String>,
    pub helps: BTreeMap<String, String>,
}

/// Parses Prometheus text 0.0.4 as Go's client writes it (no timestamps, label
/// values escaped with `\\`, `\"`, `\n`).
pub fn parse_text(text: &str) -> Parsed {
    let mut p = Parsed::default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            if let Some((n, t)) = rest.split_once(' ') {
                p.types.insert(n.to_owned(), t.to_owned());
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            if let Some((n, h)) = rest.split_once(' ') {
                p.helps
                    .insert(n.to_owned(), h.replace("\\\\", "\\").replace("\\n", "\n"));
            }
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (name, labels, rest) = match line.find('{') {
            Some(i) => {
                let (labels, end) = parse_labels(&line[i + 1..]);
                (line[..i].to_owned(), labels, &line[i + 1 + end..])
            }
            None => {
                let (n, r) = line.split_once(' ').unwrap_or((line, ""));
                (n.to_owned(), BTreeMap::new(), r)
            }
        };
        let v = rest.split_whitespace().next().unwrap_or("");
        let value = match v {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().unwrap_or(f64::NAN),
        };
        p.samples.insert((name, labels), value);
    }
    p
}

/// Labels up to the closing `}`; returns them and the index after the `}`.
fn parse_labels(s: &str) -> (BTreeMap<String, String>, usize) {
    let mut labels = BTreeMap::new();
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && (b[i] == b',' || b[i] == b' ') {
            i += 1;
        }
        if i >= b.len() || b[i] == b'}' {
            return (labels, i + 1);
        }
        let eq = s[i..].find('=').map(|e| e + i).unwrap_or(b.len());
        let key = s[i..eq].to_owned();
        i = eq + 2; // past ="
        let mut val = String::new();
        while i < b.len() && b[i] != b'"' {
            if b[i] == b'\\' && i + 1 < b.len() {
                val.push(match b[i + 1] {
                    b'n' => '\n',
                    c => c as char,
                });
                i += 2;
            } else {
                let ch = s[i..].chars().next().unwrap_or(' ');
                val.push(ch);
                i += ch.len_utf8();
            }
        }
        i += 1;
        labels.insert(key, val);
    }
}

/// A free TCP port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// GET http://127.0.0.1:port/path; the body, or None if nothing answers.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.").then(|| body.to_owned())
}

/// Polls GET until it answers (the oracle has started) or 15 s pass.
pub fn wait_for(port: u16, path: &str) -> String {
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(b) = http_get(port, path) {
            return b;
        }
        assert!(
            Instant::now() < until,
            "nothing answered on 127.0.0.1:{port}{path}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kills (SIGKILL) and reaps its children by pid when dropped, even when the
/// test fails.
#[derive(Default)]
pub struct Children(pub Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The oracle binary's path, or None (with the reason printed) when it is not
/// installed; under CI (`CI=true`) a missing oracle fails the test.
pub fn oracle(path: &str) -> Option<&str> {
    if std::path::Path::new(path).exists() {
        return Some(path);
    }
    let msg = format!(
        "{path} is missing: apt-get install -y --no-install-recommends prometheus-node-exporter prometheus-process-exporter"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("skipping: {msg}");
    None
}
