//! The process subcommands against oracles: procps (ps, pidof, pmap, lsof),
//! util-linux (ionice, taskset) and /proc itself.

#![cfg(target_os = "linux")]

mod common;

use std::collections::{BTreeSet, HashMap};

use common::*;
use serde_json::Value;

/// psutil's status string for a Linux state letter.
fn status_of_letter(c: char) -> &'static str {
    match c {
        'R' => "running",
        'S' => "sleeping",
        'D' => "disk-sleep",
        'T' => "stopped",
        't' => "tracing-stop",
        'Z' => "zombie",
        'X' | 'x' => "dead",
        'I' => "idle",
        'P' => "parked",
        'W' => "waking",
        'K' => "wake-kill",
        _ => "?",
    }
}

struct PsRow {
    user: String,
    nice: Option<i32>,
    stat: char,
    vsz: u64,
    rss: u64,
}

#[test]
fn ps_json_matches_procps() {
    let child = spawn_sleep();
    let ours = rpsutil(&["ps", "--json"]).json();
    let procps = tool(
        "ps",
        &[
            "-eo",
            "pid,ppid,user:64,nice,stat,vsz,rss,comm",
            "--no-headers",
        ],
    )
    .expect("procps ps");
    let mut theirs: HashMap<u64, PsRow> = HashMap::new();
    for line in procps.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        theirs.insert(
            f[0].parse().unwrap(),
            PsRow {
                user: f[2].to_string(),
                nice: f[3].parse().ok(), // "-" for real-time policies
                stat: f[4].chars().next().unwrap(),
                vsz: f[5].parse().unwrap(),
                rss: f[6].parse().unwrap(),
            },
        );
    }
    let rows = ours.as_array().expect("array");
    let keys: BTreeSet<&str> = [
        "pid",
        "username",
        "memory_percent",
        "memory_info",
        "nice",
        "status",
        "create_time",
        "cpu_times",
        "name",
        "cmdline",
    ]
    .into_iter()
    .collect();
    let mut ours_by_pid = HashMap::new();
    for r in rows {
        let obj = r.as_object().expect("object");
        let got: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(got, keys, "keys of {r}");
        ours_by_pid.insert(r["pid"].as_u64().unwrap(), r);
    }
    let common: Vec<u64> = ours_by_pid
        .keys()
        .filter(|p| theirs.contains_key(p))
        .copied()
        .collect();
    let biggest = ours_by_pid.len().max(theirs.len());
    assert!(
        common.len() * 10 >= biggest * 9,
        "only {} of {} pids in common",
        common.len(),
        biggest
    );
    let (mut same_status, mut same_vsz, mut same_nice) = (0, 0, 0);
    for pid in &common {
        let (o, t) = (ours_by_pid[pid], &theirs[pid]);
        assert_eq!(
            o["username"].as_str(),
            Some(t.user.as_str()),
            "user of {pid}"
        );
        // Other tests renice their children concurrently: counted, not asserted.
        if t.nice.is_none_or(|n| o["nice"].as_i64() == Some(n as i64)) {
            same_nice += 1;
        }
        if o["status"].as_str() == Some(status_of_letter(t.stat)) {
            same_status += 1;
        }
        if o["memory_info"]["vms"].as_u64().map(|v| v / 1024) == Some(t.vsz) {
            same_vsz += 1;
        }
    }
    // Processes move between the two scans; most must agree exactly.
    assert!(
        same_status * 10 >= common.len() * 9,
        "status agrees for {same_status}/{}",
        common.len()
    );
    assert!(
        same_vsz * 10 >= common.len() * 9,
        "vsz agrees for {same_vsz}/{}",
        common.len()
    );
    assert!(
        same_nice * 10 >= common.len() * 9,
        "nice agrees for {same_nice}/{}",
        common.len()
    );

    // The sleeping child is stable: everything exact (rss within 64 KiB, as a page
    // or two can be faulted in between the scans).
    let pid = child.pid() as u64;
    let (o, t) = (ours_by_pid[&pid], &theirs[&pid]);
    assert_eq!(o["status"], "sleeping");
    assert_eq!(t.stat, 'S');
    assert_eq!(o["nice"].as_i64(), t.nice.map(i64::from));
    assert_eq!(o["memory_info"]["vms"].as_u64().unwrap() / 1024, t.vsz);
    let rss_kib = o["memory_info"]["rss"].as_u64().unwrap() / 1024;
    assert!(rss_kib.abs_diff(t.rss) <= 64, "rss {rss_kib} vs {}", t.rss);
    assert_eq!(o["name"], "sleep");
    assert_eq!(o["cmdline"], serde_json::json!(["sleep", "100"]));
    assert_eq!(o["username"].as_str(), Some(my_username().as_str()));
}

#[test]
fn ps_human_columns() {
    let child = spawn_sleep();
    let out = rpsutil(&["ps"]);
    let text = out.ok();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("USER         PID  %MEM     VSZ     RSS  NICE STATUS  START   TIME  CMDLINE")
    );
    let pid = child.pid_str();
    let line = text
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(pid.as_str()))
        .expect("child listed");
    let f: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(f[0], my_username().chars().take(9).collect::<String>());
    // VSZ column = bytes2human(/proc/PID/statm size * page size).
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).unwrap();
    let pages: u64 = statm.split_whitespace().next().unwrap().parse().unwrap();
    let page = tool("getconf", &["PAGESIZE"])
        .unwrap()
        .trim()
        .parse::<u64>()
        .unwrap();
    assert_eq!(f[3], bytes2human(pages * page));
    // NICE is blank when 0, so STATUS then directly follows RSS.
    let nice = stat_fields(child.pid())[16].clone();
    if nice == "0" {
        assert_eq!(f[5], "sleep");
    } else {
        assert_eq!((f[5], f[6]), (nice.as_str(), "sleep"));
    }
    assert!(line.ends_with("  sleep 100"), "{line}");
}

#[test]
fn procinfo_json_has_psutil_keys() {
    let child = spawn_sleep();
    let v = rpsutil(&["procinfo", "--json", &child.pid_str()]).json();
    let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let want: BTreeSet<&str> = [
        "cmdline",
        "cpu_affinity",
        "cpu_num",
        "cpu_percent",
        "cpu_times",
        "create_time",
        "cwd",
        "environ",
        "exe",
        "gids",
        "io_counters",
        "ionice",
        "memory_full_info",
        "memory_info",
        "memory_maps",
        "memory_percent",
        "name",
        "net_connections",
        "nice",
        "num_ctx_switches",
        "num_fds",
        "num_threads",
        "open_files",
        "pid",
        "ppid",
        "status",
        "terminal",
        "threads",
        "uids",
        "username",
    ]
    .into_iter()
    .collect();
    assert_eq!(want.len(), 30);
    assert_eq!(keys, want);
    assert_eq!(v["pid"].as_u64(), Some(child.pid() as u64));
    assert_eq!(v["name"], "sleep");
    assert_eq!(v["cmdline"], serde_json::json!(["sleep", "100"]));
    assert_eq!(v["ppid"].as_u64(), Some(std::process::id() as u64));
    assert_eq!(v["exe"].as_str(), which("sleep").to_str());
    assert_eq!(v["status"], "sleeping");
    assert_eq!(v["num_threads"], 1);
    let uid = status_field(child.pid(), "Uid");
    let real: u64 = uid.split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(v["uids"]["real"].as_u64(), Some(real));
    assert_eq!(v["cwd"].as_str(), std::env::current_dir().unwrap().to_str());
}

#[test]
fn procinfo_human() {
    let child = spawn_sleep();
    let out = rpsutil(&["procinfo", &child.pid_str()]);
    let text = out.ok();
    let get = |label: &str| -> String {
        text.lines()
            .find(|l| l.len() > 12 && l[..11].trim_end() == label)
            .map(|l| l[12..].to_string())
            .unwrap_or_else(|| panic!("no {label} line in\n{text}"))
    };
    assert_eq!(get("pid"), child.pid_str());
    assert_eq!(get("name"), "sleep");
    assert!(get("parent").starts_with(&format!("{} (", std::process::id())));
    assert_eq!(get("cmdline"), "sleep 100");
    assert_eq!(get("status"), "sleeping");
    assert_eq!(get("exe"), which("sleep").display().to_string());
    // The current process by default.
    let me = rpsutil(&["procinfo"]);
    assert!(me
        .ok()
        .lines()
        .any(|l| l.starts_with("name") && l.ends_with("rpsutil")));
}

#[test]
fn pidof_finds_unique_name_like_procps() {
    let (child, name) = spawn_unique_sleep();
    let out = rpsutil(&["pidof", &name]);
    assert_eq!(out.ok().trim(), child.pid_str());
    if let Some(procps) = tool("pidof", &[&name]) {
        assert_eq!(out.stdout.trim(), procps.trim());
    }
    let v = rpsutil(&["pidof", "--json", &name]).json();
    assert_eq!(v, serde_json::json!([child.pid()]));
    // Nothing found: status 1, no output at all.
    let none = rpsutil(&["pidof", &format!("{name}-none")]);
    assert_eq!(none.code(), 1);
    assert!(none.stdout.is_empty() && none.stderr.is_empty());
    let none = rpsutil(&["pidof", "--json", &format!("{name}-none")]);
    assert_eq!(none.code(), 1);
    assert_eq!(none.stdout.trim(), "[]");
}

#[test]
fn kill_sends_term_by_default() {
    use std::os::unix::process::ExitStatusExt;
    let (mut child, _) = spawn_unique_sleep();
    let out = rpsutil(&["kill", &child.pid_str()]);
    assert_eq!(out.ok(), "");
    let st = child.wait_for_exit(5).expect("child died");
    assert_eq!(st.signal(), Some(libc_sig("TERM")));
}

#[test]
fn kill_named_and_numbered_signals() {
    use std::os::unix::process::ExitStatusExt;
    for (arg, sig) in [
        ("KILL", "KILL"),
        ("SIGUSR1", "USR1"),
        ("hup", "HUP"),
        ("9", "KILL"),
    ] {
        let (mut child, _) = spawn_unique_sleep();
        rpsutil(&["kill", "-s", arg, &child.pid_str()]).ok();
        let st = child.wait_for_exit(5).expect("child died");
        assert_eq!(st.signal(), Some(libc_sig(sig)), "signal {arg}");
    }
    // Signal 0 only checks the process exists.
    let (mut child, _) = spawn_unique_sleep();
    rpsutil(&["kill", "-s", "0", &child.pid_str()]).ok();
    assert!(child.wait_for_exit(0).is_none());
}

fn libc_sig(name: &str) -> i32 {
    match name {
        "HUP" => 1,
        "KILL" => 9,
        "USR1" => 10,
        "TERM" => 15,
        _ => panic!("{name}"),
    }
}

#[test]
fn kill_errors() {
    let (mut child, _) = spawn_unique_sleep();
    let bad = rpsutil(&["kill", "-s", "NOPE", &child.pid_str()]);
    let line = bad.fails_with_one_line(1);
    assert!(line.contains("NOPE"), "{line}");
    assert!(child.wait_for_exit(0).is_none(), "bad signal must not kill");

    let gone = unused_pid().to_string();
    let out = rpsutil(&["kill", "--json", "-s", "0", &child.pid_str(), &gone]);
    assert_eq!(out.code(), 1);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!([
            {"pid": child.pid(), "signal": 0, "ok": true, "error": null},
            {"pid": gone.parse::<u64>().unwrap(), "signal": 0, "ok": false,
             "error": format!("process PID not found (pid={gone})")}
        ])
    );
    let out = rpsutil(&["kill", &gone]);
    assert_eq!(
        out.fails_with_one_line(1),
        format!("rpsutil: process PID not found (pid={gone})")
    );
}

#[test]
fn nice_get_and_set() {
    let child = spawn_sleep();
    let pid = child.pid_str();
    assert_eq!(
        rpsutil(&["nice", &pid]).ok().trim(),
        stat_fields(child.pid())[16]
    );
    assert_eq!(rpsutil(&["nice", &pid, "5"]).ok().trim(), "5");
    // Field 19 of /proc/PID/stat is the nice value (index 16 after the name).
    assert_eq!(stat_fields(child.pid())[16], "5");
    let v = rpsutil(&["nice", "--json", &pid]).json();
    assert_eq!(v, serde_json::json!({"pid": child.pid(), "nice": 5}));
    // Lowering needs privileges: works as root, AccessDenied otherwise.
    let out = rpsutil(&["nice", &pid, "-3"]);
    if my_username() == "root" {
        assert_eq!(out.ok().trim(), "-3");
        assert_eq!(stat_fields(child.pid())[16], "-3");
    } else {
        assert!(out
            .fails_with_one_line(1)
            .starts_with("rpsutil: access denied"));
    }
}

#[test]
fn ionice_matches_util_linux() {
    let child = spawn_sleep();
    let pid = child.pid_str();
    assert_eq!(rpsutil(&["ionice", &pid, "idle"]).ok().trim(), "idle");
    if let Some(theirs) = tool("ionice", &["-p", &pid]) {
        assert_eq!(theirs.trim(), "idle");
    }
    assert_eq!(
        rpsutil(&["ionice", &pid, "be", "3"]).ok().trim(),
        "best-effort: prio 3"
    );
    if let Some(theirs) = tool("ionice", &["-p", &pid]) {
        assert_eq!(theirs.trim(), "best-effort: prio 3");
    }
    assert_eq!(
        rpsutil(&["ionice", &pid]).ok().trim(),
        "best-effort: prio 3"
    );
    let v = rpsutil(&["ionice", "--json", &pid, "IOPRIO_CLASS_BE", "4"]).json();
    assert_eq!(
        v,
        serde_json::json!({"pid": child.pid(), "ionice": {"ioclass": 2, "value": 4}})
    );
    // psutil's checks: idle takes no value; unknown class names are refused.
    rpsutil(&["ionice", &pid, "idle", "3"]).fails_with_one_line(1);
    rpsutil(&["ionice", &pid, "bogus"]).fails_with_one_line(1);
    rpsutil(&["ionice", &pid, "be", "8"]).fails_with_one_line(1);
    assert_eq!(
        rpsutil(&["ionice", &pid]).ok().trim(),
        "best-effort: prio 4"
    );
}

#[test]
fn taskset_matches_util_linux() {
    let child = spawn_sleep();
    let pid = child.pid_str();
    let ours = rpsutil(&["taskset", &pid]);
    if let Some(theirs) = tool("taskset", &["-cp", &pid]) {
        assert_eq!(ours.ok(), theirs);
    }
    let old = ours
        .ok()
        .trim_end()
        .rsplit(": ")
        .next()
        .unwrap()
        .to_string();
    let out = rpsutil(&["taskset", &pid, "0"]);
    assert_eq!(
        out.ok(),
        format!("pid {pid}'s current affinity list: {old}\npid {pid}'s new affinity list: 0\n")
    );
    assert_eq!(status_field(child.pid(), "Cpus_allowed_list"), "0");
    let v = rpsutil(&["taskset", "--json", &pid]).json();
    assert_eq!(
        v,
        serde_json::json!({"pid": child.pid(), "cpu_affinity": [0]})
    );
    // A CPU the machine does not have, and garbage: one clean error line.
    let line = rpsutil(&["taskset", &pid, "99999"])
        .fails_with_one_line(1)
        .to_string();
    assert!(line.contains("99999"), "{line}");
    rpsutil(&["taskset", &pid, "2-1"]).fails_with_one_line(1);
    rpsutil(&["taskset", &pid, "x"]).fails_with_one_line(1);
    assert_eq!(status_field(child.pid(), "Cpus_allowed_list"), "0");
}

#[test]
fn pmap_lists_every_mapping() {
    let child = spawn_sleep();
    let pid = child.pid_str();
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let want: Vec<String> = maps
        .lines()
        .map(|l| format!("{:0>16}", l.split('-').next().unwrap()))
        .collect();
    let text = rpsutil(&["pmap", &pid]).ok().to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Address                     RSS  Mode    Mapping");
    let got: Vec<String> = lines[1..lines.len() - 3]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(got, want);
    let exe = which("sleep").display().to_string();
    assert!(
        lines.iter().any(|l| l.ends_with(&exe)),
        "{exe} not mapped:\n{text}"
    );
    assert_eq!(lines[lines.len() - 3], "-".repeat(31));
    assert_eq!(lines[lines.len() - 1], format!("PID = {pid}, name = sleep"));

    let v = rpsutil(&["pmap", "--json", &pid]).json();
    let arr = v.as_array().unwrap();
    let ranges: Vec<&str> = maps
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let addrs: Vec<&str> = arr.iter().map(|m| m["addr"].as_str().unwrap()).collect();
    assert_eq!(addrs, ranges);
    for m in arr {
        for k in ["perms", "path", "rss", "size", "pss", "swap", "anonymous"] {
            assert!(m.get(k).is_some(), "{k} missing in {m}");
        }
    }
    if let Some(procps) = tool("pmap", &["-x", &pid]) {
        // procps's total Kbytes line = sum of sizes.
        let total: u64 = arr.iter().map(|m| m["size"].as_u64().unwrap()).sum();
        let line = procps.lines().find(|l| l.starts_with("total kB")).unwrap();
        let kb: u64 = line.split_whitespace().nth(2).unwrap().parse().unwrap();
        assert_eq!(total / 1024, kb);
    }
}

#[test]
fn lsof_shows_open_file_and_socket() {
    let dir = temp_dir("lsof");
    let file = dir.join("held.txt");
    std::fs::write(&file, "x").unwrap();
    let script = format!("exec 3<'{}'; exec sleep 100", file.display());
    let child = spawn_sh(&script, "sleep");
    let pid = child.pid_str();
    let out = rpsutil(&["lsof", &pid]);
    let path = file.display().to_string();
    let line = out
        .ok()
        .lines()
        .find(|l| l.ends_with(&path))
        .unwrap_or_else(|| panic!("{path} not listed:\n{}", out.stdout));
    let f: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        &f[..5],
        &["sleep", pid.as_str(), my_username().as_str(), "3r", "REG"]
    );
    if let Some(theirs) = tool("lsof", &["-a", "-p", &pid, "-d", "3", "-Fn"]) {
        assert!(theirs.lines().any(|l| l == format!("n{path}")), "{theirs}");
    }
    let v = rpsutil(&["lsof", "--json", &pid]).json();
    assert_eq!(v[0]["pid"].as_u64(), Some(child.pid() as u64));
    assert_eq!(v[0]["name"], "sleep");
    let files = v[0]["open_files"].as_array().unwrap();
    assert!(files
        .iter()
        .any(|f| f["path"] == path.as_str() && f["fd"] == 3 && f["mode"] == "r"));
    assert_eq!(v[0]["net_connections"], serde_json::json!([]));
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);

    // A listening TCP socket.
    let py = "import socket,sys,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(1)\nsys.stdout.write(str(s.getsockname()[1])+'\\n');sys.stdout.flush()\ntime.sleep(100)";
    let Ok(child) = std::process::Command::new("python3")
        .args(["-c", py])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
    else {
        return; // no python3: the file half above is the test
    };
    let mut child = Guard::new(child);
    let mut port = String::new();
    {
        use std::io::BufRead;
        let stdout = child.child.stdout.take().unwrap();
        std::io::BufReader::new(stdout)
            .read_line(&mut port)
            .unwrap();
    }
    let port: u64 = port.trim().parse().unwrap();
    let pid = child.pid_str();
    let out = rpsutil(&["lsof", &pid]);
    let want = format!("TCP 127.0.0.1:{port} (LISTEN)");
    assert!(
        out.ok()
            .lines()
            .any(|l| l.contains("IPv4") && l.ends_with(&want)),
        "{}",
        out.stdout
    );
    let v = rpsutil(&["lsof", "--json", &pid]).json();
    let conns = v[0]["net_connections"].as_array().unwrap();
    assert!(conns.iter().any(|c| c["laddr"]
        == serde_json::json!({"ip": "127.0.0.1", "port": port})
        && c["status"] == "LISTEN"
        && c["raddr"] == serde_json::json!([])
        && c["family"] == 2
        && c["type"] == 1));
}

#[test]
fn lsof_all_includes_child() {
    let dir = temp_dir("lsofall");
    let file = dir.join("all.txt");
    std::fs::write(&file, "x").unwrap();
    let child = spawn_sh(
        &format!("exec 4<'{}'; exec sleep 100", file.display()),
        "sleep",
    );
    let v = rpsutil(&["lsof", "--json"]).json();
    let mine = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["pid"].as_u64() == Some(child.pid() as u64))
        .expect("child listed");
    let keys: BTreeSet<&str> = mine
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["name", "net_connections", "open_files", "pid"]
            .into_iter()
            .collect()
    );
    assert!(mine["open_files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["fd"] == 4));
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pstree_contains_child_under_us() {
    let child = spawn_sleep();
    let v = rpsutil(&["pstree", "--json"]).json();
    fn find(nodes: &Value, pid: u64) -> Option<&Value> {
        for n in nodes.as_array()? {
            if n["pid"].as_u64() == Some(pid) {
                return Some(n);
            }
            if let Some(f) = find(&n["children"], pid) {
                return Some(f);
            }
        }
        None
    }
    fn count(nodes: &Value) -> usize {
        nodes
            .as_array()
            .map_or(0, |a| a.iter().map(|n| 1 + count(&n["children"])).sum())
    }
    let me = find(&v, std::process::id() as u64).expect("test process in tree");
    let kid = find(&me["children"], child.pid() as u64).expect("child under its parent");
    assert_eq!(kid["name"], "sleep");
    assert_eq!(kid["children"], serde_json::json!([]));
    // Every process appears once (allowing for churn between the two scans).
    let procs = std::fs::read_dir("/proc")
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        })
        .count();
    let n = count(&v);
    assert!(
        n * 10 >= procs * 9 && procs * 10 >= n * 9,
        "{n} nodes vs {procs} pids"
    );

    let text = rpsutil(&["pstree"]).ok().to_string();
    let want = format!("{} sleep", child.pid());
    assert!(
        text.lines()
            .any(|l| l.ends_with(&format!("|- {want}")) || l.ends_with(&format!("`_ {want}"))),
        "{want} not drawn"
    );
}

#[test]
fn procsmem_matches_smaps_rollup() {
    let child = spawn_sleep();
    let rollup_bytes = |key: &str| -> u64 {
        let rollup =
            std::fs::read_to_string(format!("/proc/{}/smaps_rollup", child.pid())).unwrap();
        let kib: u64 = rollup
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:")))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        kib * 1024
    };
    let rollup_now = || {
        [
            rollup_bytes("Pss"),
            rollup_bytes("Private_Clean"),
            rollup_bytes("Private_Dirty"),
            rollup_bytes("Swap"),
        ]
    };
    // PSS divides each shared page by the number of processes mapping it, so
    // the child's PSS moves whenever another test starts or reaps a process
    // (seen in CI: 352 KiB vs 425 KiB). Bracket the call with two reads of
    // smaps_rollup and only compare when nothing moved in between.
    let mut attempts = Vec::new();
    let (mine, theirs) = loop {
        let before = rollup_now();
        let v = rpsutil(&["procsmem", "--json"]).json();
        let after = rollup_now();
        let mine = v
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["pid"].as_u64() == Some(child.pid() as u64))
            .expect("child listed")
            .clone();
        if before == after {
            break (mine, before);
        }
        attempts.push((before, after));
        assert!(
            attempts.len() < 20,
            "smaps_rollup never held still across one procsmem call: {attempts:?}"
        );
    };
    let keys: BTreeSet<&str> = mine
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["cmdline", "memory_full_info", "pid", "username"]
            .into_iter()
            .collect()
    );
    let m = &mine["memory_full_info"];
    let [pss, private_clean, private_dirty, swap] = theirs;
    // Even between two equal reads the values seen by rpsutil differ, because
    // the rpsutil process itself maps libc and the loader: while it reads the
    // child's smaps_rollup, each file page they both map has one more sharer
    // than in the bracketing reads (seen: PSS 446 KiB vs 491 KiB, USS one page
    // less). A page's share 1/n becomes 1/(n+1), a loss of at most half, and a
    // clean file page private to the child may become shared. Dirty private
    // pages are anonymous (copied on write) and no unrelated process can map
    // them. Hence these bounds, and equality for swap.
    let uss = m["uss"].as_u64().unwrap();
    assert!(
        (private_dirty..=private_clean + private_dirty).contains(&uss),
        "uss {uss} outside [Private_Dirty {private_dirty}, Private {}]",
        private_clean + private_dirty
    );
    let ours = m["pss"].as_u64().unwrap();
    let lowest = pss - (pss - private_dirty) / 2;
    assert!(
        (lowest..=pss).contains(&ours),
        "pss {ours} outside [{lowest}, {pss}] (file's PSS {pss}, Private_Dirty {private_dirty})"
    );
    assert_eq!(m["swap"].as_u64(), Some(swap), "swap");
    assert!(uss <= m["rss"].as_u64().unwrap());
    let text = rpsutil(&["procsmem"]).ok().to_string();
    assert!(text.starts_with("PID     User        USS     PSS    Swap     RSS Cmdline\n"));
    assert!(text
        .lines()
        .any(|l| l.starts_with(&format!("{:<7} ", child.pid())) && l.ends_with("sleep 100")));
}

#[test]
fn tty_matches_ps() {
    let child = spawn_sleep();
    let v = rpsutil(&["tty", "--json", &child.pid_str()]).json();
    let theirs = tool("ps", &["-o", "tty=", "-p", &child.pid_str()]).unwrap();
    let want = match theirs.trim() {
        "?" => Value::Null,
        t => Value::String(format!("/dev/{t}")),
    };
    assert_eq!(v, serde_json::json!({"pid": child.pid(), "terminal": want}));
    // No pid: rpsutil's own terminal, inherited from this test process.
    let tty_nr = stat_fields(std::process::id())[4].clone();
    let out = rpsutil(&["tty"]);
    if tty_nr == "0" {
        assert_eq!(out.code(), 1);
        assert_eq!(out.stdout, "not a tty\n");
        assert_eq!(out.stderr, "");
    } else {
        assert!(out.ok().starts_with("/dev/"));
    }
}
