//! `rpsutil serve` as a command: `--once` on this machine through promtool, the
//! collector flags, and the running server under abuse (many concurrent scrapes,
//! huge headers, garbage, slow clients) still answering a normal scrape, with its
//! memory bounded. (Basic-auth failures: rpsutil-serve's tests/http_auth_tls.rs.)
#![cfg(target_os = "linux")]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The `# TYPE` names of an exposition.
fn families(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn once_is_valid_text_for_promtool_and_follows_the_collector_flags() {
    let all = rpsutil(&["serve", "--once"]);
    let text = all.ok();
    let names = families(text);
    for want in [
        "node_cpu_seconds_total",
        "node_memory_MemTotal_bytes",
        "node_load1",
        "node_boot_time_seconds",
        "node_filesystem_size_bytes",
        "node_network_receive_bytes_total",
        "node_uname_info",
        "node_scrape_collector_success",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from --once"
        );
    }
    // Every collector succeeded on this machine, but hwmon where there is no
    // /sys/class/hwmon (a VM): node_exporter 1.5 reports that as a failure too.
    let no_hwmon = !std::path::Path::new("/sys/class/hwmon").exists();
    for l in text
        .lines()
        .filter(|l| l.starts_with("node_scrape_collector_success"))
    {
        let excused = no_hwmon && l.contains("collector=\"hwmon\"");
        assert!(l.ends_with(if excused { " 0" } else { " 1" }), "{l}");
    }
    // MemTotal is /proc/meminfo's.
    let kib: f64 = std::fs::read_to_string("/proc/meminfo")
        .expect("meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("MemTotal");
    let ours: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("node_memory_MemTotal_bytes "))
        .and_then(|v| v.parse().ok())
        .expect("our MemTotal");
    assert_eq!(ours, kib * 1024.0);
    // promtool (Debian's prometheus package; scripts/test.sh installs it) lints it.
    match which_promtool() {
        Some(promtool) => {
            let mut child = Command::new(promtool)
                .args(["check", "metrics"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("promtool");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write");
            let out = child.wait_with_output().expect("promtool ran");
            // promtool parses, then lints. node_exporter's meminfo names
            // (node_memory_MemTotal_bytes...) are camelCase, so its linter flags
            // them, for node_exporter's own output too: kept for drop-in
            // compatibility, and the only problem allowed. A parse error, a bad
            // HELP/TYPE or any other lint finding fails.
            let report = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let others: Vec<&str> = report
                .lines()
                .filter(|l| !l.trim().is_empty())
                .filter(|l| {
                    !(l.starts_with("node_memory_")
                        && l.ends_with(
                            "metric names should be written in 'snake_case' not 'camelCase'",
                        ))
                })
                .collect();
            assert!(
                others.is_empty(),
                "promtool check metrics:\n{}",
                others.join("\n")
            );
            assert!(
                out.status.success() || report.contains("camelCase"),
                "{report}"
            );
        }
        None => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "promtool missing in CI"
            );
            eprintln!("skipped promtool: not installed (Debian package prometheus)");
        }
    }
    // --collector.disable-defaults plus two: only those two (and the self metrics).
    let two = rpsutil(&[
        "serve",
        "--once",
        "--collector.disable-defaults",
        "--collector.loadavg",
        "--collector.meminfo",
    ]);
    let mut collectors: Vec<String> = two
        .ok()
        .lines()
        .filter_map(|l| l.strip_prefix("node_scrape_collector_success{collector=\""))
        .filter_map(|l| l.split('"').next())
        .map(str::to_string)
        .collect();
    collectors.sort();
    assert_eq!(collectors, ["loadavg", "meminfo"]);
    // --no-collector.X drops one default.
    let no_cpu = rpsutil(&["serve", "--once", "--no-collector.cpu"]);
    assert!(!families(no_cpu.ok())
        .iter()
        .any(|n| n == "node_cpu_seconds_total"));
    // OpenMetrics: the counter family without _total, and # EOF at the end.
    let om = rpsutil(&["serve", "--once", "--once.format", "openmetrics"]);
    assert!(om.ok().ends_with("# EOF\n"));
    assert!(om.ok().contains("# TYPE node_cpu_seconds counter\n"));
    // A bad regex in a flag is one line on stderr and exit status 1.
    let bad = rpsutil(&[
        "serve",
        "--once",
        "--collector.diskstats.device-exclude",
        "(",
    ]);
    assert!(bad.fails_with_one_line(1).contains("regex"));
}

fn which_promtool() -> Option<std::path::PathBuf> {
    ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("status")
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

/// One request on a fresh connection; the status code (0 if none came back).
fn status_of(addr: &str, request: &[u8]) -> u16 {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(15)));
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// `rpsutil serve ARGS` on a free loopback port: its guard and address.
fn start_serve(args: &[&str]) -> (Guard, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    let server = Guard::new(
        Command::new(env!("CARGO_BIN_EXE_rpsutil"))
            .args(["serve", "--web.listen-address", &addr])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve"),
    );
    (server, addr)
}

#[test]
fn the_server_survives_abuse_with_bounded_memory() {
    let (server, addr) = start_serve(&["--web.max-requests", "10"]);
    let scrape = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let deadline = Instant::now() + Duration::from_secs(20);
    while status_of(&addr, scrape) != 200 {
        assert!(Instant::now() < deadline, "serve did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    for _ in 0..20 {
        assert_eq!(status_of(&addr, scrape), 200);
    }
    let before = rss_kib(server.pid());

    // Abuse, all at once: 200 concurrent scrapes (only 10 may run at once: the rest
    // get 503, never a hang), 50 requests with 1 MiB headers, 50 connections of
    // random bytes, 20 clients sending a byte a second.
    let mut threads = Vec::new();
    for i in 0..320u32 {
        let addr = addr.clone();
        threads.push(std::thread::spawn(move || -> (u32, u16) {
            match i {
                0..=199 => (i, status_of(&addr, scrape)),
                200..=249 => {
                    let mut req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
                    req.extend(std::iter::repeat_n(b'a', 1 << 20));
                    req.extend_from_slice(b"\r\n\r\n");
                    (i, status_of(&addr, &req))
                }
                250..=299 => {
                    let junk: Vec<u8> = (0..4096u32)
                        .map(|k| (k.wrapping_mul(2654435761) >> 24) as u8)
                        .collect();
                    (i, status_of(&addr, &junk))
                }
                _ => {
                    // A slow client: a few bytes, a second apart, then gives up.
                    if let Ok(mut s) = TcpStream::connect(&addr) {
                        for b in b"GET /me".iter().take(4) {
                            let _ = s.write_all(&[*b]);
                            std::thread::sleep(Duration::from_secs(1));
                        }
                    }
                    (i, 0)
                }
            }
        }));
    }
    // Meanwhile a normal scrape is answered promptly.
    let t = Instant::now();
    let mut answered = false;
    while t.elapsed() < Duration::from_secs(10) {
        if status_of(&addr, scrape) == 200 {
            answered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(answered, "no scrape answered during the abuse");
    let results: Vec<(u32, u16)> = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    for (i, code) in &results {
        match i {
            // Answered or refused for load: never left hanging.
            0..=199 => assert!(matches!(code, 200 | 503), "scrape {i}: {code}"),
            200..=249 => assert!(
                matches!(code, 431 | 400 | 503 | 0),
                "big header {i}: {code}"
            ),
            250..=299 => assert!(matches!(code, 400 | 503 | 0), "junk {i}: {code}"),
            _ => {}
        }
    }
    let ok = results
        .iter()
        .filter(|(i, c)| *i < 200 && *c == 200)
        .count();
    assert!(ok >= 10, "only {ok} of 200 scrapes answered");
    // Still serving, and its memory is what it was (plus at most 32 MiB: buffers a
    // malloc keeps, not a growth per request; 1 MiB headers were refused unread).
    assert_eq!(status_of(&addr, scrape), 200);
    let after = rss_kib(server.pid());
    eprintln!("RSS before {before} KiB, after {after} KiB");
    assert!(
        after < before + 32 * 1024,
        "RSS grew from {before} to {after} KiB"
    );
    drop(server);
}

fn status_with_auth(addr: &str, user: &str, password: &str) -> u16 {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let req = format!(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\nConnection: close\r\n\r\n"
    );
    status_of(addr, req.as_bytes())
}

/// `--web.config.file`: basic auth from the file, re-read when it changes (as
/// node_exporter), and a file that does not load stops the start with one line.
#[test]
fn web_config_file_flag_protects_and_reloads() {
    let dir = std::env::temp_dir().join(format!("rpsutil-cli-webcfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("web.yml");
    let users = |user: &str, password: &str| {
        let hash = bcrypt::hash(password, 4).unwrap();
        format!("basic_auth_users:\n  {user}: '{hash}'\n")
    };
    std::fs::write(&file, "basic_auth_users:\n  alice: not-a-hash\n").unwrap();
    let out = rpsutil(&[
        "serve",
        "--web.listen-address",
        "127.0.0.1:0",
        "--web.config.file",
        file.to_str().unwrap(),
    ]);
    let line = out.fails_with_one_line(1);
    assert!(
        line.contains(&file.display().to_string()) && line.contains("bcrypt"),
        "{line}"
    );

    std::fs::write(&file, users("alice", "one")).unwrap();
    let (_server, addr) = start_serve(&["--web.config.file", file.to_str().unwrap()]);
    let anonymous = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let deadline = Instant::now() + Duration::from_secs(20);
    while status_of(&addr, anonymous) != 401 {
        assert!(Instant::now() < deadline, "serve did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(status_with_auth(&addr, "alice", "one"), 200);
    assert_eq!(status_with_auth(&addr, "alice", "two"), 401);
    std::fs::write(&file, users("bob", "two")).unwrap();
    assert_eq!(status_with_auth(&addr, "alice", "one"), 401);
    assert_eq!(status_with_auth(&addr, "bob", "two"), 200);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The exporter's own families are served by default, as node_exporter's, and
/// `--web.disable-exporter-metrics` leaves them out (their values are checked
/// against node_exporter's in rpsutil-serve's collect_oracle_node.rs).
#[test]
fn exporter_metrics_on_by_default_and_off_by_flag() {
    let body = |flags: &[&str]| -> String {
        let mut args = vec!["--collector.disable-defaults", "--collector.loadavg"];
        args.extend_from_slice(flags);
        let (_server, addr) = start_serve(&args);
        let scrape = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut s) = TcpStream::connect(&addr) {
                let mut out = String::new();
                if s.write_all(scrape).is_ok() && s.read_to_string(&mut out).is_ok() {
                    return out;
                }
            }
            assert!(Instant::now() < deadline, "serve did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let on = families(&body(&[]));
    for f in [
        "node_load1",
        "process_cpu_seconds_total",
        "process_open_fds",
        "process_resident_memory_bytes",
        "promhttp_metric_handler_requests_total",
    ] {
        assert!(on.iter().any(|n| n == f), "{f} missing: {on:?}");
    }
    let off = families(&body(&["--web.disable-exporter-metrics"]));
    assert!(off.iter().any(|n| n == "node_load1"));
    assert!(
        !off.iter()
            .any(|n| n.starts_with("process_") || n.starts_with("promhttp_")),
        "{off:?}"
    );
}
