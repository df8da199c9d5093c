//! Layer 2: the backend against a fixture /proc tree (`tests/fixtures/proc-tree`, see
//! its README) through `rpsutil::set_procfs_path`. Expected values are computed here
//! from the fixture text, never copied from rpsutil's output.
//!
//! `set_procfs_path` is global to this test binary, so everything runs in one
//! `#[test]`, in order.
#![cfg(target_os = "linux")]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rpsutil::{Error, MemType, Process, Status};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/proc-tree")
}

fn text(root: &Path, rel: &str) -> String {
    String::from_utf8_lossy(&std::fs::read(root.join(rel)).unwrap()).into_owned()
}

/// Stat fields after the comm (index 0 = field 3) and the comm.
fn stat(root: &Path, pid: u32) -> (String, Vec<String>) {
    let s = text(root, &format!("{pid}/stat"));
    let (a, b) = (s.find('(').unwrap(), s.rfind(')').unwrap());
    (
        s[a + 1..b].to_string(),
        s[b + 2..].split_whitespace().map(String::from).collect(),
    )
}

fn field(f: &[String], n: usize) -> f64 {
    f[n - 3].parse().unwrap()
}

fn status_ids(root: &Path, pid: u32, key: &str) -> Vec<u32> {
    text(root, &format!("{pid}/status"))
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap()
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect()
}

fn kb_line(s: &str, key: &str) -> u64 {
    s.lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .unwrap()
        * 1024
}

fn check_pid(root: &Path, pid: u32) {
    let p = Process::new(pid).unwrap();
    let (comm, f) = stat(root, pid);
    let ticks = common::clock_ticks();
    assert_eq!(p.name().unwrap(), comm);
    let state = match f[0].as_str() {
        "S" => Status::Sleeping,
        "R" => Status::Running,
        "I" => Status::Idle,
        other => panic!("fixture state {other}"),
    };
    assert_eq!(p.status().unwrap(), state);
    assert_eq!(p.ppid().unwrap() as f64, field(&f, 4));
    let t = p.cpu_times().unwrap();
    assert_eq!(t.user, field(&f, 14) / ticks);
    assert_eq!(t.system, field(&f, 15) / ticks);
    assert_eq!(t.children_user, field(&f, 16) / ticks);
    assert_eq!(t.children_system, field(&f, 17) / ticks);
    assert_eq!(t.iowait, Some(field(&f, 42) / ticks));
    assert_eq!(p.num_threads().unwrap() as f64, field(&f, 20));
    assert_eq!(p.nice().unwrap() as f64, field(&f, 19));
    assert_eq!(p.cpu_num().unwrap() as f64, field(&f, 39));
    let btime: f64 = text(root, "stat")
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((p.create_time().unwrap() - (field(&f, 22) / ticks + btime)).abs() < 1e-6);
    // tty_nr 0: no terminal.
    assert_eq!(field(&f, 7), 0.0);
    assert_eq!(p.terminal().unwrap(), None);

    let u = p.uids().unwrap();
    assert_eq!(
        vec![u.real, u.effective, u.saved],
        status_ids(root, pid, "Uid")[..3]
    );
    let g = p.gids().unwrap();
    assert_eq!(
        vec![g.real, g.effective, g.saved],
        status_ids(root, pid, "Gid")[..3]
    );
    let c = p.num_ctx_switches().unwrap();
    assert_eq!(
        c.voluntary as u32,
        status_ids(root, pid, "voluntary_ctxt_switches")[0]
    );
    assert_eq!(
        c.involuntary as u32,
        status_ids(root, pid, "nonvoluntary_ctxt_switches")[0]
    );

    let statm: Vec<u64> = text(root, &format!("{pid}/statm"))
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    let pg = common::page_size();
    let m = p.memory_info().unwrap();
    assert_eq!((m.vms, m.rss), (statm[0] * pg, statm[1] * pg));
    assert_eq!(
        (m.shared, m.text, m.lib, m.data, m.dirty),
        (
            Some(statm[2] * pg),
            Some(statm[3] * pg),
            Some(statm[4] * pg),
            Some(statm[5] * pg),
            Some(statm[6] * pg)
        )
    );
    let total = kb_line(&text(root, "meminfo"), "MemTotal:");
    let pct = p.memory_percent(MemType::Rss).unwrap();
    assert!((pct - m.rss as f64 / total as f64 * 100.0).abs() < 1e-12);

    let raw_cmd = std::fs::read(root.join(format!("{pid}/cmdline"))).unwrap();
    let want: Vec<String> = raw_cmd
        .strip_suffix(b"\0")
        .unwrap_or(&raw_cmd)
        .split(|&b| b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .filter(|_| !raw_cmd.is_empty())
        .collect();
    assert_eq!(p.cmdline().unwrap(), want);

    // environ: NUL-terminated entries up to the first empty one; only KEY=VALUE with
    // a non-empty key; later duplicates win.
    let raw_env = text(root, &format!("{pid}/environ"));
    let mut env = HashMap::new();
    for e in raw_env.split('\0') {
        if e.is_empty() {
            break;
        }
        if let Some((k, v)) = e.split_once('=') {
            if !k.is_empty() {
                env.insert(k.to_string(), v.to_string());
            }
        }
    }
    assert_eq!(p.environ().unwrap(), env);

    if root.join(format!("{pid}/io")).exists() {
        let io = text(root, &format!("{pid}/io"));
        let get = |k: &str| -> u64 {
            io.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}: ")))
                .unwrap()
                .parse()
                .unwrap()
        };
        let c = p.io_counters().unwrap();
        assert_eq!(
            (c.read_count, c.write_count, c.read_bytes, c.write_bytes),
            (
                get("syscr"),
                get("syscw"),
                get("read_bytes"),
                get("write_bytes")
            )
        );
        assert_eq!(
            (c.read_chars, c.write_chars),
            (Some(get("rchar")), Some(get("wchar")))
        );
    }

    if root.join(format!("{pid}/smaps_rollup")).exists() {
        let r = text(root, &format!("{pid}/smaps_rollup"));
        let uss: u64 = r
            .lines()
            .filter(|l| l.starts_with("Private_"))
            .map(|l| l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024)
            .sum();
        let full = p.memory_full_info().unwrap();
        assert_eq!(full.uss, Some(uss));
        assert_eq!(full.pss, Some(kb_line(&r, "Pss:")));
        assert_eq!(full.swap, Some(kb_line(&r, "Swap:")));
        assert_eq!(full.basic, m);
    }

    if root.join(format!("{pid}/smaps")).exists() {
        let s = text(root, &format!("{pid}/smaps"));
        // Header lines: the first token is not "Key:".
        let headers: Vec<&str> = s
            .lines()
            .filter(|l| !l.split_whitespace().next().unwrap().ends_with(':'))
            .collect();
        let maps = p.memory_maps_ext().unwrap();
        assert_eq!(maps.len(), headers.len());
        let rss_sum: u64 = s
            .lines()
            .filter(|l| l.starts_with("Rss:"))
            .map(|l| l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024)
            .sum();
        assert_eq!(maps.iter().map(|m| m.region.rss).sum::<u64>(), rss_sum);
        for (m, h) in maps.iter().zip(&headers) {
            let cols: Vec<&str> = h.split_whitespace().collect();
            assert_eq!(m.addr, cols[0]);
            assert_eq!(m.perms, cols[1]);
            let path = if cols.len() > 5 {
                cols[5..].join(" ")
            } else {
                "[anon]".into()
            };
            assert_eq!(m.region.path, path);
        }
        let grouped = p.memory_maps().unwrap();
        assert_eq!(grouped.iter().map(|g| g.rss).sum::<u64>(), rss_sum);
    }
}

#[test]
fn fixture_tree() {
    let root = fixture();
    rpsutil::set_procfs_path(&root);

    // pids(): the numeric entries.
    assert_eq!(rpsutil::pids().unwrap(), [1001, 1002, 1003, 1004]);
    for pid in [1001, 1002, 1003, 1004] {
        check_pid(&root, pid);
    }
    // Specific expectations on top of the generic ones.
    assert_eq!(Process::new(1003).unwrap().name().unwrap(), "a) (b c) d");
    assert_eq!(
        Process::new(1002).unwrap().cmdline().unwrap()[3],
        "ärg with space"
    );
    let env = Process::new(1003).unwrap().environ().unwrap();
    assert_eq!(env.len(), 2, "{env:?}"); // A and B; "=skipped", "noequals" and C are out
    assert_eq!(env["B"], "x=y");
    // The kernel-thread-like pid: no cmdline, no exe (no `exe` link in the tree).
    let k = Process::new(1004).unwrap();
    assert!(k.cmdline().unwrap().is_empty());
    assert_eq!(k.exe().unwrap(), PathBuf::new());
    assert_eq!(k.ppid().unwrap(), 0);
    assert!(k.parent().unwrap().is_none());
    // 1001 and 1002 were children of a shell that is not in the tree.
    assert!(Process::new(1001).unwrap().parent().unwrap().is_none());
    match Process::new(4242) {
        Err(Error::NoSuchProcess { .. }) => {}
        other => panic!("{other:?}"),
    }

    pid_reuse_and_exit_in_a_copy();
    rpsutil::set_procfs_path("/proc");
}

/// A copy of the tree in which pid 1001 is replaced by a process with another start
/// time (PID reuse), then removed (exit).
fn pid_reuse_and_exit_in_a_copy() {
    let dir = common::TempDir::new("fixture");
    let root = dir.path().to_path_buf();
    for entry in ["1001", "1002", "stat", "meminfo"] {
        let ok = std::process::Command::new("cp")
            .arg("-r")
            .arg(fixture().join(entry))
            .arg(&root)
            .status()
            .unwrap();
        assert!(ok.success());
    }
    rpsutil::set_procfs_path(&root);
    let p = Process::new(1001).unwrap();
    let same = Process::new(1001).unwrap();
    assert_eq!(p, same);
    assert!(p.is_running());

    // Another process now has pid 1001: same stat with starttime (field 22) + 500.
    let (comm, mut f) = stat(&root, 1001);
    let start: u64 = f[22 - 3].parse().unwrap();
    f[22 - 3] = (start + 500).to_string();
    std::fs::write(
        root.join("1001/stat"),
        format!("1001 ({comm}) {}\n", f.join(" ")),
    )
    .unwrap();
    let newer = Process::new(1001).unwrap();
    assert_ne!(p, newer);
    assert!(!p.is_running());
    assert!(newer.is_running());
    let reused = |r: rpsutil::Result<()>| match r {
        Err(Error::NoSuchProcess { msg, pid, .. }) => {
            assert_eq!(pid, 1001);
            assert_eq!(msg, "process no longer exists and its PID has been reused");
        }
        other => panic!("{other:?}"),
    };
    reused(p.ppid().map(|_| ()));
    reused(p.children(false).map(|_| ()));
    // Setters and signals check identity before any syscall.
    reused(p.set_nice(5));
    reused(p.send_signal(0));
    reused(p.kill());

    // The process ends: its directory goes away.
    std::fs::remove_dir_all(root.join("1001")).unwrap();
    assert!(!newer.is_running());
    match newer.name() {
        Err(Error::NoSuchProcess { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(rpsutil::pids().unwrap(), [1002]);
}
