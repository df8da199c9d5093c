//! Exact PID-reuse detection: a pid recycled within the same clock tick (so with
//! the same start time, the identity psutil uses) must still be told apart.
//!
//! The test forces the reuse in a new pid namespace (`unshare --pid --fork
//! --mount-proc`): it starts a process, takes handles on it, kills and reaps it, sets
//! `/proc/sys/kernel/ns_last_pid` so that the next process gets the same pid, and
//! retries until both started in the same tick. Then every signal and setter of the
//! old handles must answer NoSuchProcess ("its PID has been reused") and the new
//! process must be untouched. Needs root (CAP_SYS_ADMIN for the namespace and
//! ns_last_pid) and pidfs (Linux 6.9+).
#![cfg(target_os = "linux")]

mod common;

use std::process::Command;

use common::{proc_stat_field, proc_state, proc_status, Guard};
use rpsutil::{Error, IoPriorityClass, Process, Resource, Rlimit};

const HELPER_ENV: &str = "RPSUTIL_PID_REUSE_HELPER";

/// Kernel (major, minor) from `uname -r`.
fn kernel_version() -> (u32, u32) {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut parts = release.trim().split(['.', '-']);
    let major = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor)
}

#[test]
fn same_tick_pid_reuse_is_refused() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root for unshare --pid and ns_last_pid");
        return;
    }
    if kernel_version() < (6, 9) {
        eprintln!("skipped: pidfs (unique pidfd inodes) needs Linux 6.9+");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc"])
        .arg(exe)
        .args([
            "--ignored",
            "--exact",
            "pid_reuse_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER_ENV, "1")
        .output()
        .expect("run unshare");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "helper failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("REUSE-CHECKED"),
        "the helper did not run its checks:\n{stdout}\n{stderr}"
    );
    println!("{stdout}");
}

fn assert_reused<T: std::fmt::Debug>(what: &str, r: rpsutil::Result<T>) {
    match r {
        Err(Error::NoSuchProcess { msg, .. }) if msg.contains("reused") => {}
        other => panic!("{what}: expected NoSuchProcess (PID reused), got {other:?}"),
    }
}

/// "Max open files" soft and hard limits of `/proc/PID/limits`.
fn nofile_limits(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/limits"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .to_string()
}

/// `ionice -p PID` (util-linux), the oracle for the I/O priority.
fn ionice_of(pid: u32) -> String {
    let out = Command::new("ionice")
        .args(["-p", &pid.to_string()])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `sleep 100`, without waiting for its exec: the pid and the start time are set at
/// fork, and a short gap between the two forks is what makes a same-tick reuse likely.
fn quick_sleeper() -> Guard {
    #[allow(clippy::zombie_processes)] // reaped by the Guard
    let child = Command::new("sleep")
        .arg("100")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn sleep");
    // The Guard owns the pid from now on: it kills and reaps it by pid on drop.
    let guard = Guard::adopt(child.id());
    drop(child);
    guard
}

/// Run by `same_tick_pid_reuse_is_refused` inside a new pid namespace.
#[test]
#[ignore = "run inside a new pid namespace by same_tick_pid_reuse_is_refused"]
fn pid_reuse_helper() {
    if std::env::var_os(HELPER_ENV).is_none() {
        return;
    }
    const METHODS: usize = 12;
    let (mut other_pid, mut other_tick) = (0, 0);
    for attempt in 1..=500 {
        let a = quick_sleeper();
        let pid = a.pid;
        // Independent handles (no shared "already reused" flag), one per method.
        let handles: Vec<Process> = (0..METHODS).map(|_| Process::new(pid).unwrap()).collect();
        let a_ticks = proc_stat_field(pid, 22).unwrap();
        drop(a); // SIGKILL and reap: the pid is free
        std::fs::write("/proc/sys/kernel/ns_last_pid", (pid - 1).to_string()).unwrap();
        let b = quick_sleeper();
        if b.pid != pid {
            other_pid += 1;
            continue;
        }
        let b_ticks = proc_stat_field(pid, 22).unwrap();
        if b_ticks != a_ticks {
            other_tick += 1;
            continue; // the two starts straddled a tick: try again
        }
        common::wait_exec(pid);
        println!("attempt {attempt}: pid {pid} reused within start tick {a_ticks}");
        let nice_before = proc_stat_field(pid, 19).unwrap();
        let affinity_before = proc_status(pid, "Cpus_allowed_list").unwrap();
        let limits_before = nofile_limits(pid);
        let ionice_before = ionice_of(pid);

        let mut h = handles.into_iter();
        let mut next = || h.next().unwrap();
        assert_reused("send_signal", next().send_signal(libc::SIGTERM));
        assert_reused("kill", next().kill());
        assert_reused("terminate", next().terminate());
        assert_reused("suspend", next().suspend());
        assert_reused("resume", next().resume());
        assert_reused("set_nice", next().set_nice(10));
        assert_reused("set_cpu_affinity", next().set_cpu_affinity(&[0]));
        assert_reused("set_ionice", next().set_ionice(IoPriorityClass::Idle, None));
        assert_reused(
            "set_rlimit",
            next().set_rlimit(Resource::Nofile, Rlimit(64, 64)),
        );
        assert_reused("children", next().children(false));
        assert_reused("parent", next().parent());
        let last = next();
        assert!(!last.is_running(), "is_running of the old handle");
        assert!(format!("{last:?}").contains("PID reused"), "{last:?}");

        // The new process was not touched.
        assert_eq!(
            proc_state(pid),
            Some('S'),
            "the new process must still sleep"
        );
        assert_eq!(proc_stat_field(pid, 19).unwrap(), nice_before);
        assert_eq!(
            proc_status(pid, "Cpus_allowed_list").unwrap(),
            affinity_before
        );
        assert_eq!(nofile_limits(pid), limits_before);
        assert_eq!(ionice_of(pid), ionice_before);
        // And a fresh handle on it works.
        assert!(Process::new(pid).unwrap().is_running());
        println!("REUSE-CHECKED");
        return;
    }
    panic!(
        "could not get a same-tick pid reuse in 500 attempts \
         ({other_pid} got another pid, {other_tick} another tick)"
    );
}
