//! `rpsutil top` in batch mode, against procps `top -b` (the layout scripts parse),
//! /proc, and psutil 7.2.2 (the values).

#![cfg(target_os = "linux")]

mod common;

use std::process::{Command, Stdio};
use std::time::Instant;

use common::*;

/// The children of these tests: a stopped `sleep` (its memory and state do not move
/// between two tools' reads) and a process spinning on a CPU.
fn stopped_sleep() -> Guard {
    let g = spawn_sleep();
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(g.pid() as libc::pid_t, libc::SIGSTOP) };
    let deadline = Instant::now() + std::time::Duration::from_secs(5);
    while stat_fields(g.pid())[0] != "T" {
        assert!(Instant::now() < deadline, "sleep did not stop");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    g
}

fn spinner() -> Guard {
    let g = Guard::new(
        Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sh"),
    );
    // It never sleeps, so wait_started (which waits for a sleeping state) cannot
    // be used: wait for the shell's own name only.
    let deadline = Instant::now() + std::time::Duration::from_secs(5);
    while std::fs::read_to_string(format!("/proc/{}/comm", g.pid()))
        .map_or(true, |c| c.trim() != "sh")
    {
        assert!(Instant::now() < deadline, "sh did not start");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    g
}

/// A header line's shape: numbers become `#` and blanks go (the numbers, and so
/// the padding, differ between two reads).
fn shape(line: &str) -> String {
    let mut out = String::new();
    let mut in_num = false;
    for c in line.chars() {
        if c.is_ascii_digit() || (in_num && c == '.') {
            if !in_num {
                out.push('#');
            }
            in_num = true;
            continue;
        }
        in_num = false;
        // procps drops the blank before a 100.0: blanks are padding, not shape.
        if c == ' ' {
            continue;
        }
        out.push(c);
    }
    out
}

/// The frames of a `top -b` output: each is its header (6 lines) and its table.
fn frames(text: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("top - ") {
            out.push(Vec::new());
        }
        if let Some(f) = out.last_mut() {
            f.push(line);
        }
    }
    out
}

/// The rows of a frame, by pid: the columns split on blanks.
fn rows<'a>(frame: &[&'a str]) -> std::collections::BTreeMap<u32, Vec<&'a str>> {
    frame
        .iter()
        .skip(7)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            Some((cols.first()?.parse().ok()?, cols))
        })
        .collect()
}

#[test]
fn batch_layout_matches_procps_top() {
    let child = stopped_sleep();
    let Some(theirs) = tool("top", &["-b", "-n", "2", "-d", "0.5", "-w", "200"]) else {
        panic!("procps top is missing (scripts/test.sh installs procps)");
    };
    let ours = rpsutil(&["top", "-b", "-n", "2", "-d", "0.5", "-w", "200"]);
    let ours = ours.ok();
    let (t, o) = (frames(&theirs), frames(ours));
    assert_eq!(t.len(), 2, "{theirs}");
    assert_eq!(o.len(), 2, "{ours}");
    // The five header lines and the blank one have procps's shape, frame by frame.
    for (a, b) in t.iter().zip(&o) {
        for i in 0..6 {
            assert_eq!(
                shape(a[i]),
                shape(b[i]),
                "header line {i}: {:?} vs {:?}",
                a[i],
                b[i]
            );
        }
    }
    // The same column header, character for character.
    assert_eq!(t[1][6], o[1][6]);
    // Long-lived processes are in both, with the same user, PR, NI and command.
    let (tr, or) = (rows(&t[1]), rows(&o[1]));
    for pid in [1u32, child.pid()] {
        let (a, b) = (&tr[&pid], &or[&pid]);
        assert_eq!((a[1], a[2], a[3]), (b[1], b[2], b[3]), "pid {pid}");
        assert_eq!(a.last(), b.last(), "pid {pid} command");
    }
}

#[test]
fn resident_size_and_state_equal_procps() {
    let g = stopped_sleep();
    let pid = g.pid().to_string();
    let theirs = tool("top", &["-b", "-n", "1", "-p", &pid]).expect("procps top");
    let ours = rpsutil(&["top", "-b", "-n", "1", "-d", "0.2", "-p", &pid]);
    let (t, o) = (frames(&theirs), frames(ours.ok()));
    let (a, b) = (&rows(&t[0])[&g.pid()], &rows(&o[0])[&g.pid()]);
    // PID USER PR NI VIRT RES SHR S: a stopped process's memory does not move, so
    // they must be equal (RES within a page for the kernel's lazy counters).
    assert_eq!(&a[..5], &b[..5]);
    let page_kib = 4;
    let res = |v: &[&str]| v[5].parse::<i64>().expect("RES in KiB");
    assert!(
        (res(a) - res(b)).abs() <= page_kib,
        "RES {} vs {}",
        a[5],
        b[5]
    );
    assert_eq!(a[7], "T");
    assert_eq!(b[7], "T");
    // Only the process asked for is listed.
    assert_eq!(rows(&o[0]).len(), 1);
}

#[test]
fn cpu_percent_of_a_spinning_process() {
    let spin = spinner();
    let pid = spin.pid().to_string();
    let v = rpsutil(&["top", "--json", "-n", "2", "-d", "0.5", "-p", &pid]);
    let frames: Vec<serde_json::Value> = v
        .ok()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON document per line"))
        .collect();
    assert_eq!(frames.len(), 2);
    for f in &frames {
        // Each frame covers a measured interval: the first one too.
        let interval = f["interval"].as_f64().unwrap();
        assert!(interval > 0.15, "interval {interval}");
        let p = &f["processes"][0];
        assert_eq!(p["pid"].as_u64(), Some(u64::from(spin.pid())));
        let cpu = p["cpu_percent"].as_f64().unwrap();
        // A spinning shell has a whole CPU of this 2-core machine; other tests
        // running at the same time can take up to a third of it.
        assert!((60.0..=110.0).contains(&cpu), "cpu_percent {cpu}");
    }
}

#[test]
fn json_values_against_psutil() {
    let Some(py) = std::env::var_os("RPSUTIL_PYTHON") else {
        assert!(
            std::env::var_os("RPSUTIL_REQUIRE_ORACLE").is_none(),
            "the psutil oracle is required here"
        );
        eprintln!("skipped: RPSUTIL_PYTHON not set (no psutil oracle)");
        return;
    };
    let g = stopped_sleep();
    let pid = g.pid().to_string();
    let v = rpsutil(&["top", "--json", "-n", "1", "-d", "0.2", "-p", &pid]).json();
    let ours = &v["processes"][0];
    let script = format!(
        "import json, psutil; p = psutil.Process({pid}); \
         d = p.as_dict(['pid','ppid','name','username','status','nice','memory_info','num_threads','cmdline','cpu_times']); \
         print(json.dumps({{k: (v._asdict() if hasattr(v, '_asdict') else v) for k, v in d.items()}}))"
    );
    let out = Command::new(py)
        .args(["-c", &script])
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ps: serde_json::Value = serde_json::from_slice(&out.stdout).expect("psutil JSON");
    for k in [
        "pid",
        "ppid",
        "name",
        "username",
        "status",
        "nice",
        "num_threads",
        "cmdline",
    ] {
        assert_eq!(ours[k], ps[k], "{k}");
    }
    // Memory and CPU times of a stopped process do not move.
    assert_eq!(ours["memory_info"], ps["memory_info"]);
    assert_eq!(ours["cpu_times"], ps["cpu_times"]);
    // The system part has psutil's field names.
    for k in ["total", "available", "percent", "used", "free"] {
        assert!(v["virtual_memory"][k].is_number(), "virtual_memory.{k}");
    }
    for k in ["user", "system", "idle", "iowait", "steal"] {
        assert!(
            v["cpu_times_percent"][k].is_number(),
            "cpu_times_percent.{k}"
        );
    }
}

#[test]
fn sort_and_filters() {
    let out = rpsutil(&[
        "top", "-b", "-n", "1", "-d", "0.2", "-o", "%MEM", "-w", "200",
    ]);
    let f = frames(out.ok());
    let res: Vec<i64> = f[0][7..]
        .iter()
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            // RES may be scaled ("1.2g"): only plain KiB numbers are compared.
            cols[5].parse().unwrap_or(i64::MAX)
        })
        .collect();
    assert!(res.len() > 5);
    assert!(
        res.windows(2).all(|w| w[0] >= w[1] || w[0] == i64::MAX),
        "{res:?}"
    );
    // -o -PID: low to high.
    let out = rpsutil(&["top", "-b", "-n", "1", "-d", "0.2", "-o", "-PID"]);
    let pids: Vec<u32> = rows(&frames(out.ok())[0]).keys().copied().collect();
    let listed: Vec<u32> = frames(out.ok())[0][7..]
        .iter()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(listed, pids, "ascending pids");
    // -u: only that user's processes; '!' excludes them.
    let me = my_username();
    let out = rpsutil(&["top", "--json", "-n", "1", "-d", "0.2", "-u", &me]).json();
    let users: Vec<&str> = out["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["username"].as_str())
        .collect();
    assert!(!users.is_empty() && users.iter().all(|u| *u == me));
    let out = rpsutil(&[
        "top",
        "--json",
        "-n",
        "1",
        "-d",
        "0.2",
        "-u",
        &format!("!{me}"),
    ])
    .json();
    assert!(out["processes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["username"].as_str() != Some(me.as_str())));
}

#[test]
fn frames_follow_the_delay() {
    let start = Instant::now();
    let out = rpsutil(&["top", "-b", "-n", "3", "-d", "0.2", "-p", "1"]);
    let took = start.elapsed().as_secs_f64();
    assert_eq!(frames(out.ok()).len(), 3);
    // The first frame after 0.2 s (its measured interval), then two more delays.
    assert!((0.55..2.0).contains(&took), "took {took}");
    // Bad values: one line on stderr, status 1 (as the other tools' value errors).
    rpsutil(&["top", "-b", "-d", "0.01"]).fails_with_one_line(1);
    rpsutil(&["top", "-b", "-o", "bogus"]).fails_with_one_line(1);
}

#[test]
fn tree_and_query_filter() {
    let sh = spawn_sh("sleep 900 & sleep 900 & echo ready; wait", "sh");
    let pid = sh.pid();
    // The two sleeps, children of sh: wait until both exist.
    let deadline = Instant::now() + std::time::Duration::from_secs(5);
    let kids = loop {
        let kids: Vec<u32> = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        if kids.len() == 2 {
            break kids;
        }
        assert!(Instant::now() < deadline, "children of sh: {kids:?}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let query = format!("pid = {pid} or ppid = {pid}");
    let out = rpsutil(&[
        "top", "-b", "-n", "1", "-d", "0.2", "--tree", "-F", &query, "-w", "200",
    ]);
    let f = frames(out.ok());
    let lines: Vec<&str> = f[0][7..].to_vec();
    assert_eq!(lines.len(), 3, "{lines:?}");
    let pids: Vec<u32> = lines
        .iter()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(pids[0], pid);
    let mut sorted = pids[1..].to_vec();
    sorted.sort_unstable();
    let mut want = kids.clone();
    want.sort_unstable();
    assert_eq!(sorted, want);
    // The children are drawn one level below sh: their command starts further right,
    // after ASCII tree lines.
    let col = |l: &str, word: &str| l.find(word).expect("command");
    assert!(col(lines[1], "sleep") > col(lines[0], "sh"), "{lines:?}");
    assert!(
        lines[1].contains("|- sleep") || lines[1].contains("`- sleep"),
        "{lines:?}"
    );
    assert!(lines[2].contains("`- sleep"), "{lines:?}");
    // A query error is one line, status 1.
    rpsutil(&["top", "-b", "-F", "cpu >"]).fails_with_one_line(1);
    // The same filter on JSON frames.
    let v = rpsutil(&[
        "top",
        "--json",
        "-n",
        "1",
        "-d",
        "0.2",
        "-F",
        &format!("ppid = {pid}"),
    ])
    .json();
    let mut got: Vec<u64> = v["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["pid"].as_u64())
        .collect();
    got.sort_unstable();
    assert_eq!(got, want.iter().map(|p| u64::from(*p)).collect::<Vec<_>>());
}

#[test]
fn threads_as_rows() {
    // A python with 7 extra threads: 8 tasks. One of them spins for 0.5 s first,
    // so the threads' CPU times differ.
    let mut py = Guard::new(
        Command::new("python3")
            .args([
                "-c",
                "import threading, time, sys\n\
                 def spin():\n\
                 \x20   t = time.time()\n\
                 \x20   while time.time() - t < 0.5: pass\n\
                 \x20   time.sleep(60)\n\
                 ts = [threading.Thread(target=time.sleep, args=(60,)) for _ in range(6)]\n\
                 ts.append(threading.Thread(target=spin))\n\
                 [t.start() for t in ts]\n\
                 ts[-1].join(0.6)\n\
                 print('ready', flush=True)\n\
                 time.sleep(60)",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn python3"),
    );
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(py.child.stdout.as_mut().expect("stdout")),
        &mut line,
    )
    .expect("ready line");
    let pid = py.pid();
    let tids: std::collections::BTreeSet<u32> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("task dir")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    assert_eq!(tids.len(), 8);
    let me = std::process::id();
    let out = rpsutil(&[
        "top",
        "-b",
        "-n",
        "1",
        "-d",
        "0.2",
        "-H",
        "-F",
        &format!("ppid = {me}"),
        "-w",
        "200",
    ]);
    let f = frames(out.ok());
    assert!(f[0][1].starts_with("Threads:"), "{}", f[0][1]);
    let listed: std::collections::BTreeSet<u32> = rows(&f[0])
        .keys()
        .copied()
        .filter(|t| tids.contains(t))
        .collect();
    assert_eq!(listed, tids, "every thread of the python is a row");
    // Each row's TIME+ is its own thread's (procps top -H: /proc/PID/task/TID/stat),
    // not the process's total that /proc/TID/stat gives.
    let table = rows(&f[0]);
    let mut times = std::collections::BTreeSet::new();
    for tid in &tids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).expect("stat");
        let fields: Vec<&str> = stat[stat.rfind(')').expect(")") + 2..]
            .split_whitespace()
            .collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        let shown = table[tid][10];
        let (m, rest) = shown.split_once(':').expect("m:ss.hh");
        let (sec, hund) = rest.split_once('.').expect("ss.hh");
        let shown_ticks = m.parse::<u64>().unwrap() * 6000
            + sec.parse::<u64>().unwrap() * 100
            + hund.parse::<u64>().unwrap();
        // The spinning thread is done: its time no longer moves.
        assert_eq!(shown_ticks, ticks, "TIME+ of thread {tid}: {shown}");
        times.insert(ticks);
    }
    assert!(times.len() > 1, "the threads' times differ: {times:?}");
    // Without -H only the process.
    let out = rpsutil(&[
        "top",
        "-b",
        "-n",
        "1",
        "-d",
        "0.2",
        "-F",
        &format!("ppid = {me}"),
        "-w",
        "200",
    ]);
    let f = frames(out.ok());
    assert!(f[0][1].starts_with("Tasks:"));
    let listed: Vec<u32> = rows(&f[0])
        .keys()
        .copied()
        .filter(|t| tids.contains(t))
        .collect();
    assert_eq!(listed, vec![pid]);
}

#[test]
fn extra_columns_against_proc() {
    let g = stopped_sleep();
    let pid = g.pid().to_string();
    let out = rpsutil(&[
        "top",
        "-b",
        "-n",
        "1",
        "-d",
        "0.2",
        "-w",
        "250",
        "-p",
        &pid,
        "--fields",
        "ppid,nth,fds,uss",
    ]);
    let f = frames(out.ok());
    assert!(
        f[0][6].ends_with("PPID  nTH   FDS     USS COMMAND"),
        "{}",
        f[0][6]
    );
    let row = &rows(&f[0])[&g.pid()];
    // PID USER PR NI VIRT RES SHR S %CPU %MEM TIME+ PPID nTH FDS USS COMMAND
    assert_eq!(row[11], std::process::id().to_string());
    assert_eq!(row[12], "1");
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fd dir")
        .count();
    assert_eq!(row[13], fds.to_string());
    // USS: the Private_* lines of smaps_rollup. A stopped process's own pages
    // do not move, but while rpsutil ran it mapped libc too, so a clean file
    // page only the child had mapped may have been shared at that moment (seen
    // in process_cmds: one page). Dirty private pages are anonymous and cannot
    // be shared with an unrelated process: USS lies between the two.
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).expect("rollup");
    let kib = |key: &str| -> u64 {
        rollup
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|l| l.split_whitespace().next()?.parse().ok())
            .expect("rollup line")
    };
    let (clean, dirty) = (kib("Private_Clean:"), kib("Private_Dirty:"));
    let uss: u64 = row[14].parse().expect("USS in KiB");
    assert!(
        (dirty..=clean + dirty).contains(&uss),
        "USS {uss} KiB outside [Private_Dirty {dirty}, Private {}]",
        clean + dirty
    );
    // An unknown column is a usage error.
    rpsutil(&["top", "-b", "--fields", "nope"]).fails_with_one_line(1);
}
