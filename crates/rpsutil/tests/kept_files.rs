//! `ProcessTable::keep_files_open` / `Process::keep_files_open` (Linux): values
//! read through kept descriptors equal the files read by path, a kept descriptor
//! reports the end of its own process, the cached user name follows a change of
//! owner, and the descriptors are closed with the handles.
#![cfg(target_os = "linux")]

mod common;

use common::*;
use rpsutil::{Attr, Process, ProcessTable};

/// Held by each test: a table keeps descriptors on every process, so the counts
/// of one test would include another's.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

/// Our own open descriptors that point into `/proc/PID` of `pid`.
fn fds_on(pid: u32) -> usize {
    let prefix = format!("/proc/{pid}");
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|t| t.to_string_lossy() == prefix || t.starts_with(format!("{prefix}/")))
        .count()
}

#[test]
fn kept_reads_equal_the_files_and_follow_changes() {
    let _serial = one_at_a_time();
    // A child that grows its heap by 64 MiB when told to (a line on stdin).
    let script = "import sys\nprint('ready', flush=True)\nsys.stdin.readline()\n\
                  b = bytearray(64 << 20)\nprint('grown', flush=True)\nsys.stdin.readline()\n";
    let mut child = Stepped::python(script);
    assert_eq!(child.line(), "ready");
    let pid = child.guard.pid;

    let p = Process::new(pid).unwrap();
    p.keep_files_open();
    let page = rpsutil_page_size();
    let statm = |i: usize| -> u64 {
        proc_text(pid, "statm")
            .unwrap()
            .split_whitespace()
            .nth(i)
            .unwrap()
            .parse::<u64>()
            .unwrap()
            * page
    };
    let before = p.memory_info().unwrap();
    assert_eq!(before.vms, statm(0));
    assert_eq!(before.rss, statm(1));
    assert_eq!(p.ppid().unwrap(), std::process::id());
    assert_eq!(fds_on(pid), 2, "stat and statm kept open");

    assert_eq!(child.step(), "grown");
    // The same descriptors give the new record (each pread produces it again).
    let after = p.memory_info().unwrap();
    assert_eq!(after.vms, statm(0));
    assert_eq!(after.rss, statm(1));
    assert!(
        after.vms >= before.vms + (64 << 20),
        "{before:?} -> {after:?}"
    );
    assert_eq!(fds_on(pid), 2, "no new descriptor for a second read");

    // The process ends and is reaped: the kept descriptors say NoSuchProcess.
    drop(child);
    let e = p.memory_info().unwrap_err();
    assert!(e.is_no_such_process() && !e.is_zombie(), "{e:?}");
    assert!(p.cpu_times().unwrap_err().is_no_such_process());
    drop(p);
    assert_eq!(fds_on(pid), 0, "closed with the handle");
}

fn rpsutil_page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_PAGESIZE) }) as u64
}

#[test]
fn cached_user_name_follows_a_change_of_owner() {
    let _serial = one_at_a_time();
    // Runs as root (CI): the child drops to uid 65534 when told to.
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: changing a child's uid needs root");
        return;
    }
    let script = "import os, sys\nprint('ready', flush=True)\nsys.stdin.readline()\n\
                  os.setresuid(65534, 65534, 65534)\nprint('dropped', flush=True)\nsys.stdin.readline()\n";
    let mut child = Stepped::python(script);
    assert_eq!(child.line(), "ready");
    let pid = child.guard.pid;

    let mut table = ProcessTable::new().keep_files_open();
    let name_of = |table: &mut ProcessTable| {
        let rows = table.snapshot(&[Attr::Username]).unwrap();
        let (_, info) = rows.into_iter().find(|(p, _)| p.pid() == pid).unwrap();
        info.username.unwrap().unwrap()
    };
    assert_eq!(name_of(&mut table), "root");
    assert_eq!(name_of(&mut table), "root", "from the cache");
    assert_eq!(child.step(), "dropped");
    let expected = std::fs::read_to_string("/etc/passwd")
        .unwrap()
        .lines()
        .find(|l| l.split(':').nth(2) == Some("65534"))
        .map_or("65534".to_string(), |l| {
            l.split(':').next().unwrap().to_string()
        });
    assert_eq!(
        name_of(&mut table),
        expected,
        "read again after the owner changed"
    );
    drop(child);
}

#[test]
fn a_table_keeps_three_descriptors_per_process_and_closes_them() {
    let _serial = one_at_a_time();
    let sleeper = sleeper();
    let mut table = ProcessTable::new().keep_files_open();
    for _ in 0..2 {
        let rows = table
            .snapshot(&[Attr::MemoryInfo, Attr::CpuTimes, Attr::Username])
            .unwrap();
        assert!(rows.iter().any(|(p, _)| p.pid() == sleeper.pid));
    }
    // stat, statm and the directory (for the owner of the cached user name).
    assert_eq!(fds_on(sleeper.pid), 3);
    drop(table);
    assert_eq!(fds_on(sleeper.pid), 0);
}
