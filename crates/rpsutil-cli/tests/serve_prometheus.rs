//! `rpsutil serve` scraped by a real Prometheus (Debian's `prometheus` 2.42),
//! a fleet on loopback: three `rpsutil serve` "hosts" on 127.0.0.1, 127.0.0.2 and
//! 127.0.0.3 (the last two read fixture proc/sys trees with different memory
//! sizes, so the hosts differ), a fourth job scraping the first host in text
//! format, and Debian's node_exporter as the reference. After a few scrapes,
//! PromQL through Prometheus's HTTP API must show every target up without a scrape
//! error, MemTotal equal to node_exporter's, CPU rates summing to the CPU count,
//! counter metadata typed counter, and a process group's write counter grown by
//! at least what a writer the test runs wrote.
//!
//! Needs `prometheus` and `prometheus-node-exporter` (scripts/test.sh installs
//! them): without them the test says why and returns, unless `CI=true`, where it
//! fails.
#![cfg(target_os = "linux")]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// A port free on 127.0.0.1 now (the OS's pick).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// GET `path` from `addr`; the status and the body.
fn http_get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// Polls `what` every 100 ms for up to `secs`; panics with `why` on timeout.
fn wait_for<T>(secs: u64, why: &str, mut what: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = what() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out: {why}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Percent-encodes a PromQL query for a URL.
fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The result vector of an instant query.
fn query(prom: &str, q: &str) -> Vec<Value> {
    let (status, body) = http_get(prom, &format!("/api/v1/query?query={}", urlencode(q)))
        .unwrap_or_else(|| panic!("query {q}: no answer"));
    assert_eq!(status, 200, "query {q}: {body}");
    let v: Value = serde_json::from_str(&body).expect("JSON");
    v["data"]["result"].as_array().cloned().unwrap_or_default()
}

/// The single value of a query that must return one series.
fn scalar(prom: &str, q: &str) -> f64 {
    let r = query(prom, q);
    assert_eq!(r.len(), 1, "{q}: {r:?}");
    r[0]["value"][1]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{q}: {r:?}"))
}

/// `MemTotal` of a meminfo file, in bytes.
fn mem_total(meminfo: &Path) -> f64 {
    let text = std::fs::read_to_string(meminfo).expect("meminfo");
    let kib: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("MemTotal");
    kib * 1024.0
}

/// Copies a directory tree (files and directories; symlinks as links).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ty = e.file_type().expect("file type");
        if ty.is_symlink() {
            let target = std::fs::read_link(&src).expect("readlink");
            std::os::unix::fs::symlink(target, &dst).expect("symlink");
        } else if ty.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

fn spawn_quiet(cmd: &mut Command) -> Guard {
    Guard::new(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}")),
    )
}

#[test]
fn a_real_prometheus_scrapes_a_fleet_of_three() {
    let missing: Vec<&str> = ["prometheus", "prometheus-node-exporter"]
        .into_iter()
        .filter(|p| !Path::new("/usr/bin").join(p).exists())
        .collect();
    if !missing.is_empty() {
        let why =
            format!("{missing:?} not installed (Debian packages; scripts/test.sh installs them)");
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("skipped: {why}");
        return;
    }
    let dir = temp_dir("prom");
    let _cleanup = RemoveDir(dir.clone());
    let bin = env!("CARGO_BIN_EXE_rpsutil");

    // Host 1: this machine, with a process group for the writer below.
    let marker = format!("rpsutil-prom-writer-{}", std::process::id());
    std::fs::write(
        dir.join("groups.yml"),
        format!("process_names:\n  - name: writer\n    cmdline: ['{marker}']\n"),
    )
    .expect("groups.yml");
    // Hosts 2 and 3: the serve crate's fixture tree, host 3 with 4 GiB more memory.
    let fixtures =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rpsutil-serve/tests/fixtures");
    let host2 = dir.join("host2");
    let host3 = dir.join("host3");
    for h in [&host2, &host3] {
        copy_tree(&fixtures, h);
        // Empty /proc/PID/fd dirs, which git cannot hold (kernel threads have one).
        for pid in ["2", "301"] {
            std::fs::create_dir_all(h.join("proc").join(pid).join("fd")).expect("fd dir");
        }
    }
    let meminfo3 = host3.join("proc/meminfo");
    let text = std::fs::read_to_string(&meminfo3).expect("meminfo");
    let total_kib = mem_total(&meminfo3) as u64 / 1024;
    let bigger = text.replacen(
        &format!(
            "MemTotal:{}",
            text.split("MemTotal:")
                .nth(1)
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("")
        ),
        &format!("MemTotal:       {} kB", total_kib + 4 * 1024 * 1024),
        1,
    );
    std::fs::write(&meminfo3, bigger).expect("meminfo of host 3");

    let port = free_port();
    let node_port = free_port();
    let prom_port = free_port();
    let hosts = [
        format!("127.0.0.1:{port}"),
        format!("127.0.0.2:{port}"),
        format!("127.0.0.3:{port}"),
    ];
    let mut guards = Vec::new();
    guards.push(spawn_quiet(Command::new(bin).args([
        "serve",
        "--web.listen-address",
        &hosts[0],
        "--config.path",
        dir.join("groups.yml").to_str().expect("utf-8"),
    ])));
    for (addr, root) in [(&hosts[1], &host2), (&hosts[2], &host3)] {
        let p = |d: &str| root.join(d).to_string_lossy().into_owned();
        guards.push(spawn_quiet(Command::new(bin).args([
            "serve",
            "--web.listen-address",
            addr,
            "--path.procfs",
            &p("proc"),
            "--path.sysfs",
            &p("sys"),
            "--path.rootfs",
            &p("root"),
            "--path.udev.data",
            &p("udev"),
            "--no-collector.uname",
        ])));
    }
    let node = format!("127.0.0.1:{node_port}");
    guards.push(spawn_quiet(
        Command::new("/usr/bin/prometheus-node-exporter").args([
            &format!("--web.listen-address={node}"),
            "--collector.disable-defaults",
            "--collector.cpu",
            "--collector.meminfo",
            "--collector.loadavg",
        ]),
    ));
    // The writer: idle until told to write, so its group exists before it writes.
    let mut writer = Guard::new(
        Command::new("python3")
            .args([
                "-c",
                "import os, sys\n\
                 print('ready', flush=True)\n\
                 sys.stdin.readline()\n\
                 f = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT)\n\
                 for i in range(8):\n\
                 \x20   os.write(f, os.urandom(1 << 20)); os.fsync(f)\n\
                 print('done', flush=True)\n\
                 sys.stdin.readline()\n",
                dir.join("written").to_str().expect("utf-8"),
                &marker,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3"),
    );
    let mut writer_in = writer.child.stdin.take().expect("stdin");
    let mut writer_out = BufReader::new(writer.child.stdout.take().expect("stdout"));
    let mut line = String::new();
    writer_out.read_line(&mut line).expect("ready");
    assert_eq!(line.trim(), "ready");

    for h in hosts.iter().chain([&node]) {
        wait_for(20, &format!("{h} answers"), || {
            http_get(h, "/metrics").filter(|(s, _)| *s == 200)
        });
    }
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n\
         scrape_configs:\n\
         \x20 - job_name: rpsutil\n    static_configs:\n      - targets: ['{}', '{}', '{}']\n\
         \x20 - job_name: rpsutil_text\n    params:\n      format: [text]\n    static_configs:\n      - targets: ['{}']\n\
         \x20 - job_name: node\n    static_configs:\n      - targets: ['{node}']\n",
        hosts[0], hosts[1], hosts[2], hosts[0]
    );
    std::fs::write(dir.join("prometheus.yml"), config).expect("config");
    let prom = format!("127.0.0.1:{prom_port}");
    guards.push(spawn_quiet(Command::new("/usr/bin/prometheus").args([
        &format!("--config.file={}", dir.join("prometheus.yml").display()),
        &format!("--storage.tsdb.path={}", dir.join("data").display()),
        &format!("--web.listen-address={prom}"),
    ])));
    wait_for(60, "Prometheus ready", || {
        http_get(&prom, "/-/ready").filter(|(s, _)| *s == 200)
    });

    // Every target up, with no scrape error.
    wait_for(30, "5 targets up", || {
        (query(&prom, "up == 1").len() == 5).then_some(())
    });
    let (_, body) = http_get(&prom, "/api/v1/targets").expect("targets");
    let targets: Value = serde_json::from_str(&body).expect("JSON");
    let active = targets["data"]["activeTargets"]
        .as_array()
        .expect("targets");
    assert_eq!(active.len(), 5, "{body}");
    for t in active {
        assert_eq!(t["health"], "up", "{t}");
        assert_eq!(t["lastError"], "", "{t}");
    }
    // The group has its member before the writer writes.
    wait_for(20, "writer group scraped", || {
        (scalar(
            &prom,
            "namedprocess_namegroup_num_procs{groupname=\"writer\",job=\"rpsutil\"}",
        ) == 1.0)
            .then_some(())
    });
    writeln!(writer_in, "go").expect("go");
    line.clear();
    writer_out.read_line(&mut line).expect("done");
    assert_eq!(line.trim(), "done");
    let written = 8u64 << 20;
    // Three scrapes later, the counter's rise over the window covers the writes.
    std::thread::sleep(Duration::from_secs(3));
    let series = query(
        &prom,
        "namedprocess_namegroup_write_bytes_total{groupname=\"writer\",job=\"rpsutil\"}[60s]",
    );
    assert_eq!(series.len(), 1, "{series:?}");
    let values: Vec<f64> = series[0]["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|v| v[1].as_str()?.parse().ok())
        .collect();
    let rise = values.last().copied().unwrap_or(0.0) - values.first().copied().unwrap_or(0.0);
    assert!(
        rise >= written as f64,
        "write counter rose by {rise}, the writer wrote {written}"
    );
    assert!(
        values.windows(2).all(|w| w[1] >= w[0]),
        "a counter never decreases: {values:?}"
    );

    // MemTotal: host 1 equals node_exporter's and /proc's; hosts 2 and 3 their
    // fixtures', and differ.
    let memq = |inst: &str| {
        scalar(
            &prom,
            &format!("node_memory_MemTotal_bytes{{instance=\"{inst}\",job=\"rpsutil\"}}"),
        )
    };
    let node_mem = scalar(&prom, "node_memory_MemTotal_bytes{job=\"node\"}");
    assert_eq!(memq(&hosts[0]), node_mem);
    assert_eq!(memq(&hosts[0]), mem_total(Path::new("/proc/meminfo")));
    assert_eq!(memq(&hosts[1]), mem_total(&host2.join("proc/meminfo")));
    assert_eq!(memq(&hosts[2]), mem_total(&meminfo3));
    assert_ne!(memq(&hosts[1]), memq(&hosts[2]));
    // The text-format job sees the same host.
    assert_eq!(
        scalar(
            &prom,
            &format!(
                "node_memory_MemTotal_bytes{{instance=\"{}\",job=\"rpsutil_text\"}}",
                hosts[0]
            )
        ),
        node_mem
    );
    // CPU seconds per second, summed over modes and CPUs, is the CPU count (±10 %).
    // rate() under-counts a series younger than its window (it does not
    // extrapolate past a series' first sample): wait for 7 samples in 8 s.
    for (job, inst) in [
        ("rpsutil", &hosts[0]),
        ("rpsutil_text", &hosts[0]),
        ("node", &node),
    ] {
        let q = format!("count_over_time(up{{job=\"{job}\",instance=\"{inst}\"}}[8s])");
        wait_for(30, &format!("{job}: 7 scrapes in 8 s"), || {
            (scalar(&prom, &q) >= 7.0).then_some(())
        });
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    for job in ["rpsutil", "rpsutil_text", "node"] {
        let inst = if job == "node" {
            node.clone()
        } else {
            hosts[0].clone()
        };
        let r = scalar(
            &prom,
            &format!("sum(rate(node_cpu_seconds_total{{instance=\"{inst}\",job=\"{job}\"}}[5s]))"),
        );
        assert!(
            (r - cpus).abs() <= 0.1 * cpus,
            "{job}: cpu rate sum {r}, {cpus} CPUs"
        );
    }
    // Counter metadata: typed counter whichever format the target was scraped in
    // (OpenMetrics names the family without _total).
    for (job, family) in [
        ("rpsutil", "node_cpu_seconds"),
        ("rpsutil_text", "node_cpu_seconds_total"),
    ] {
        let (_, body) = http_get(
            &prom,
            &format!(
                "/api/v1/targets/metadata?match_target={}&metric={family}",
                urlencode(&format!("{{job=\"{job}\",instance=\"{}\"}}", hosts[0]))
            ),
        )
        .expect("metadata");
        let v: Value = serde_json::from_str(&body).expect("JSON");
        let types: Vec<&str> = v["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|m| m["type"].as_str())
            .collect();
        assert_eq!(types, ["counter"], "{job} {family}: {body}");
    }
    // Scrape durations as Prometheus measured them (one scrape of every
    // collector, the process groups included), for the record; the budget is
    // in docs/PERFORMANCE.md, measured by scripts/bench/serve_cost.sh.
    let slowest = scalar(
        &prom,
        "max(max_over_time(scrape_duration_seconds{job=\"rpsutil\"}[30s]))",
    );
    eprintln!(
        "slowest rpsutil scrape in the last 30 s: {:.1} ms",
        slowest * 1e3
    );
    // Generous: a 2-core CI machine also runs Prometheus and this test; a hung
    // collector would show as the 900 ms scrape timeout.
    assert!(slowest < 0.5, "slowest scrape {slowest} s");
    drop(writer_in);
    drop(guards);
}

/// Removes a directory when dropped (after the children that use it are gone:
/// declared before them).
struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
