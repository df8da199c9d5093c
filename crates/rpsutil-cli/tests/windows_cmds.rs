//! The CLI on Windows, run under Wine in CI (`.ci/run`): the system tools print
//! real values, checked against the Linux host that Wine runs on (its `/proc` is
//! `Z:\proc`), and a tool whose data is partly missing prints what it has, with one
//! note per missing part on stderr and that part null in `--json`. On real Windows
//! (no `Z:\proc`) the checks that need the Linux truth are skipped with a message.
#![cfg(windows)]

use std::process::{Command, Output};

use serde_json::Value;

fn rpsutil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rpsutil"))
        .args(args)
        .output()
        .expect("run rpsutil.exe")
}

/// Runs a tool that must succeed; returns (stdout, stderr).
fn ok(args: &[&str]) -> (String, String) {
    let out = rpsutil(args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "rpsutil {args:?} failed: {stdout}\n{stderr}"
    );
    (stdout, stderr)
}

fn json(args: &[&str]) -> (Value, String) {
    let (stdout, stderr) = ok(args);
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"));
    (v, stderr)
}

/// A file of the Linux host under Wine; None on real Windows.
fn linux(path: &str) -> Option<String> {
    std::fs::read_to_string(format!("Z:{}", path.replace('/', "\\"))).ok()
}

fn under_wine() -> bool {
    linux("/proc/stat").is_some()
}

/// `Key:   N kB` of /proc/meminfo, in bytes.
fn meminfo(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or_else(|| panic!("no {key} in meminfo"))
}

#[test]
fn free_reports_the_hosts_memory_and_notes_missing_swap() {
    let (v, stderr) = json(&["free", "--json"]);
    let total = v["virtual_memory"]["total"].as_u64().expect("total");
    if let Some(mi) = linux("/proc/meminfo") {
        // Wine reports one page less than MemTotal (measured: exactly 4096 bytes).
        let want = meminfo(&mi, "MemTotal");
        assert!(
            total <= want && want - total <= 2 * 4096,
            "{total} vs {want}"
        );
    } else {
        eprintln!("skipped the Linux truth: not under Wine");
    }
    if v["swap_memory"].is_null() {
        // Wine 8 has no PDH paging-file counter: one note names the missing part.
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("rpsutil: note: swap_memory: "),
            "{stderr}"
        );
    } else {
        assert!(stderr.is_empty(), "{stderr}");
    }
    // The text table still has its Mem: line, and a Swap: line only with swap.
    let (text, _) = ok(&["free", "-b"]);
    let mem = text
        .lines()
        .find(|l| l.starts_with("Mem:"))
        .expect("Mem: line");
    assert_eq!(
        mem.split_whitespace().nth(1),
        Some(total.to_string().as_str())
    );
    assert_eq!(
        text.lines().any(|l| l.starts_with("Swap:")),
        !v["swap_memory"].is_null()
    );
}

#[test]
fn uptime_reports_the_hosts_boot_time_and_notes_missing_load() {
    let (v, stderr) = json(&["uptime", "--json"]);
    let boot = v["boot_time"].as_f64().expect("boot_time");
    if let Some(stat) = linux("/proc/stat") {
        let btime: f64 = stat
            .lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|n| n.trim().parse().ok())
            .expect("btime");
        // Wine derives it from its tick count: whole seconds apart at most.
        assert!((boot - btime).abs() <= 2.0, "{boot} vs {btime}");
    }
    let notes: Vec<&str> = stderr.lines().collect();
    for part in ["users", "getloadavg"] {
        let noted = notes
            .iter()
            .any(|l| l.starts_with(&format!("rpsutil: note: {part}: ")));
        assert_eq!(v[part].is_null(), noted, "{part}: {stderr}");
    }
    let (text, _) = ok(&["uptime"]);
    assert!(text.contains(" up "), "{text}");
    assert_eq!(
        text.contains("load average:"),
        !v["getloadavg"].is_null(),
        "{text}"
    );
}

#[test]
fn cpu_counts_the_hosts_cpus() {
    let (v, _) = json(&["cpu", "--json"]);
    let logical = v["cpu_count"].as_u64().expect("cpu_count");
    if let Some(info) = linux("/proc/cpuinfo") {
        let processors = info.lines().filter(|l| l.starts_with("processor")).count();
        assert_eq!(logical as usize, processors);
    }
    assert_eq!(
        v["cpu_times_percpu"].as_array().map(Vec::len),
        Some(logical as usize)
    );
}

#[test]
fn df_lists_the_hosts_root_as_z() {
    let (v, _) = json(&["df", "--json"]);
    let parts = v["disk_partitions"].as_array().expect("partitions");
    assert!(
        parts.iter().any(|p| p["mountpoint"] == "C:\\"),
        "no C:\\ in {parts:?}"
    );
    if under_wine() {
        let z = &v["disk_usage"]["Z:\\"];
        assert!(z["total"].as_u64().unwrap_or(0) > 0, "Z:\\ usage: {z}");
    }
    let (text, _) = ok(&["df"]);
    assert!(text.lines().count() >= 2, "{text}");
}

#[test]
fn ifconfig_shows_the_hosts_nics() {
    let (v, _) = json(&["ifconfig", "--json"]);
    let addrs = v["net_if_addrs"].as_object().expect("net_if_addrs");
    if let Some(dev) = linux("/proc/net/dev") {
        // Every Linux NIC is there by name (Wine shows the host's interfaces).
        for line in dev.lines().skip(2) {
            let name = line.split(':').next().unwrap_or("").trim();
            assert!(
                addrs.contains_key(name),
                "{name} missing: {:?}",
                addrs.keys()
            );
        }
    }
}

#[test]
fn netstat_lists_a_socket_we_opened() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (v, _) = json(&["netstat", "--json"]);
    let conns = v["net_connections"].as_array().expect("net_connections");
    assert!(
        conns
            .iter()
            .any(|c| c["laddr"]["port"] == port && c["status"] == "LISTEN"),
        "port {port} not listed"
    );
}

#[test]
fn linux_only_tools_say_so_in_one_line() {
    // psutil has no terminal() on Windows.
    let out = rpsutil(&["tty", &std::process::id().to_string()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("rpsutil: "), "{stderr}");
}

#[test]
fn winservices_lists_the_services_as_psutils_script() {
    let (v, stderr) = json(&["winservices", "--json"]);
    assert!(stderr.is_empty(), "{stderr}");
    let list = v["win_service_iter"].as_array().expect("a list");
    assert!(!list.is_empty(), "{v}");
    for s in list {
        let keys: Vec<&str> = s
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        // serde_json's map sorts keys; the set is psutil's as_dict().
        let mut want = [
            "binpath",
            "description",
            "display_name",
            "name",
            "pid",
            "start_type",
            "status",
            "username",
        ];
        want.sort();
        assert_eq!(keys, want, "{s}");
    }
    let (text, _) = ok(&["winservices"]);
    // Four lines per service: 'name' ('display'), status line, binpath, blank.
    assert_eq!(text.lines().count(), 4 * list.len(), "{text}");
    let first = &list[0];
    let head = format!(
        "'{}' ('{}')",
        first["name"].as_str().expect("name"),
        first["display_name"].as_str().expect("display_name")
    );
    assert!(text.starts_with(&head), "{text}");
    if under_wine() {
        // Wine's RPC service, with its program (running or not: a fresh prefix
        // starts it on demand).
        let rpcss = list
            .iter()
            .find(|s| {
                s["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case("RpcSs"))
            })
            .expect("RpcSs listed");
        assert!(
            rpcss["binpath"]
                .as_str()
                .is_some_and(|b| b.to_ascii_lowercase().ends_with("rpcss.exe")),
            "{rpcss}"
        );
    }
    // Each service's status line is its JSON status, and a running one has a pid.
    for s in list {
        let status = s["status"].as_str().expect("status");
        assert!(
            text.contains(&format!("status: {status}, start: ")),
            "{status}: {text}"
        );
        if status == "running" {
            assert!(s["pid"].as_u64().is_some_and(|p| p > 0), "{s}");
        }
    }
}

/// `ping -n 60 127.0.0.1`, killed and waited for on drop (also on failure).
struct Ping(std::process::Child);

impl Ping {
    fn start() -> Ping {
        let child = Command::new("ping")
            .args(["-n", "60", "127.0.0.1"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn ping");
        // Let it get going (its command line is in place once it runs).
        std::thread::sleep(std::time::Duration::from_millis(500));
        Ping(child)
    }

    fn pid(&self) -> String {
        self.0.id().to_string()
    }
}

impl Drop for Ping {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn process_tools_see_and_change_a_child() {
    let ping = Ping::start();
    let pid = ping.pid();
    let me = std::process::id();

    let (text, _) = ok(&["pidof", "ping.exe"]);
    assert!(text.split_whitespace().any(|p| p == pid), "{text}");

    let (v, _) = json(&["ps", "--json"]);
    let row = v
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["pid"].as_u64() == pid.parse().ok()))
        .unwrap_or_else(|| panic!("pid {pid} not in ps --json"));
    assert_eq!(
        row["name"].as_str().map(str::to_ascii_lowercase).as_deref(),
        Some("ping.exe")
    );
    assert_eq!(row["cmdline"][1], "-n");
    assert_eq!(row["cmdline"][2], "60");

    // procinfo prints what it can read (Wine has no I/O priority: left out).
    let (v, _) = json(&["procinfo", &pid, "--json"]);
    assert_eq!(v["pid"].as_u64(), pid.parse().ok());
    assert_eq!(v["ppid"], me);
    assert!(v["memory_info"]["rss"].as_u64().unwrap_or(0) > 0, "{v}");
    assert_eq!(
        v["num_threads"].as_u64(),
        v["threads"].as_array().map(|t| t.len() as u64)
    );

    // nice: the priority class (NORMAL 32 → BELOW_NORMAL 16384).
    assert_eq!(ok(&["nice", &pid]).0.trim(), "32");
    ok(&["nice", &pid, "16384"]);
    assert_eq!(ok(&["nice", &pid]).0.trim(), "16384");

    // taskset: pin to CPU 0 and read it back.
    ok(&["taskset", &pid, "0"]);
    let (text, _) = ok(&["taskset", &pid]);
    assert!(
        text.trim_end().ends_with("current affinity list: 0"),
        "{text}"
    );

    // kill (TerminateProcess, exit code 15 as psutil's SIGTERM) ends it.
    ok(&["kill", &pid]);
    let mut ping = ping;
    let status = ping.0.wait().expect("wait");
    assert_eq!(status.code(), Some(15));
    let out = rpsutil(&["procinfo", &pid]);
    assert!(!out.status.success());
}
