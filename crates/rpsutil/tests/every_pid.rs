//! Layer 3: every getter over every pid of the machine. Nothing may panic, and every
//! error must be one psutil documents for that call.
#![cfg(target_os = "linux")]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use rpsutil::{ConnKind, Error, MemType, Process, ProcessTable, Resource};

/// Set when the test runs again as user `nobody` (see
/// `every_getter_on_every_pid_as_another_user`).
const AS_NOBODY: &str = "RPSUTIL_EVERY_PID_AS_NOBODY";

thread_local! {
    static DENIED: std::cell::RefCell<std::collections::BTreeMap<&'static str, usize>> =
        std::cell::RefCell::new(Default::default());
}

/// The error kinds a getter may return for a process of the machine: it vanished
/// (NoSuchProcess), is a zombie, or belongs to someone else (AccessDenied).
fn allowed(what: &'static str, pid: u32, e: &Error) {
    match e {
        Error::AccessDenied { .. } => {
            DENIED.with(|d| *d.borrow_mut().entry(what).or_insert(0) += 1)
        }
        Error::NoSuchProcess { .. } | Error::ZombieProcess { .. } => {}
        other => panic!("pid {pid}: {what}: undocumented error {other:?}"),
    }
}

macro_rules! check {
    ($pid:expr, $count:expr, $($name:literal => $call:expr),* $(,)?) => {$(
        match $call {
            Ok(_) => *$count.entry($name).or_insert(0usize) += 1,
            Err(e) => allowed($name, $pid, &e),
        }
    )*};
}

#[test]
fn every_getter_on_every_pid() {
    let mut ok = std::collections::BTreeMap::new();
    let mut seen = 0;
    for pid in rpsutil::pids().unwrap() {
        let p = match Process::new(pid) {
            Ok(p) => p,
            Err(e) if e.is_no_such_process() => continue,
            Err(e) => panic!("Process::new({pid}): {e:?}"),
        };
        seen += 1;
        check!(pid, ok,
            "name" => p.name(),
            "exe" => p.exe(),
            "cmdline" => p.cmdline(),
            "environ" => p.environ(),
            "create_time" => p.create_time(),
            "status" => p.status(),
            "ppid" => p.ppid(),
            "parent" => p.parent(),
            "parents" => p.parents(),
            "children" => p.children(false),
            "children_rec" => p.children(true),
            "cwd" => p.cwd(),
            "username" => p.username(),
            "uids" => p.uids(),
            "gids" => p.gids(),
            "terminal" => p.terminal(),
            "nice" => p.nice(),
            "ionice" => p.ionice(),
            "cpu_affinity" => p.cpu_affinity(),
            "cpu_num" => p.cpu_num(),
            "io_counters" => p.io_counters(),
            "num_ctx_switches" => p.num_ctx_switches(),
            "num_fds" => p.num_fds(),
            "num_threads" => p.num_threads(),
            "threads" => p.threads(),
            "cpu_times" => p.cpu_times(),
            "cpu_percent" => p.cpu_percent(None),
            "memory_info" => p.memory_info(),
            "memory_full_info" => p.memory_full_info(),
            "memory_percent" => p.memory_percent(MemType::Rss),
            "memory_percent_uss" => p.memory_percent(MemType::Pss),
            "memory_maps" => p.memory_maps(),
            "memory_maps_ext" => p.memory_maps_ext(),
            "open_files" => p.open_files(),
            "net_connections" => p.net_connections(ConnKind::All),
            "as_dict" => p.as_dict(&[]),
        );
        for r in Resource::available() {
            check!(pid, ok, "rlimit" => p.rlimit(r));
        }
        // The signal-free liveness checks.
        let _ = p.is_running();
        let _ = rpsutil::pid_exists(pid);
    }
    assert!(seen > 10, "only {seen} processes");
    // Running as root here, nearly every getter succeeds for nearly every process;
    // a getter that never succeeded means it is broken, not denied.
    for (name, n) in &ok {
        assert!(*n > 0, "{name} never succeeded");
    }
    assert!(ok["name"] >= seen - 5, "{ok:?}");
    if std::env::var_os(AS_NOBODY).is_some() {
        // As `nobody`, root's processes deny what needs the same uid (psutil's list:
        // exe, cwd, environ, io_counters, open_files, num_fds, memory maps...) while
        // what any user may read still works for them.
        // SAFETY: geteuid has no preconditions.
        assert_eq!(unsafe { libc::geteuid() }, 65534);
        let denied = DENIED.with(|d| d.borrow().clone());
        for what in [
            "exe",
            "cwd",
            "environ",
            "io_counters",
            "open_files",
            "num_fds",
            "memory_maps",
            "memory_full_info",
        ] {
            assert!(
                denied.get(what).copied().unwrap_or(0) > 0,
                "{what} was never denied: {denied:?}"
            );
        }
        for what in [
            "name",
            "cmdline",
            "status",
            "ppid",
            "cpu_times",
            "memory_info",
            "uids",
            "username",
        ] {
            assert!(!denied.contains_key(what), "{what} denied: {denied:?}");
        }
        eprintln!("as nobody: denied {denied:?}");
    }
}

/// The same walk as user `nobody` (uid 65534, via util-linux `setpriv`): the
/// AccessDenied paths, which a root run barely reaches.
#[test]
fn every_getter_on_every_pid_as_another_user() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: switching to nobody needs root");
        return;
    }
    if std::env::var_os(AS_NOBODY).is_some() {
        return; // already the child
    }
    // A copy of this test binary in a fresh world-readable directory, run from `/`:
    // the checkout itself may sit where `nobody` cannot reach (e.g. under /root).
    let dir = std::env::temp_dir().join(format!("rpsutil-nobody-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("every_pid");
    std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = || {
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe)
            .current_dir("/")
            .args([
                "--exact",
                "every_getter_on_every_pid",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(AS_NOBODY, "1")
            .output()
            .expect("setpriv")
    };
    // The copy's write descriptor can be inherited for a moment by a child that
    // another test thread forks meanwhile; setpriv's exec then fails with ETXTBSY
    // until that child has exec'd (the fork/exec race). Retry for a while.
    let mut out = run();
    for _ in 0..100 {
        if out.status.success() || !String::from_utf8_lossy(&out.stderr).contains("Text file busy")
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        out = run();
    }
    let _ = std::fs::remove_dir_all(&dir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
    assert!(text.contains("as nobody: denied"), "{text}");
}

#[test]
fn snapshot_and_parallel_snapshot_list_the_same_pids() {
    let t0 = common::now_epoch();
    let mut table = ProcessTable::new();
    let one = table.snapshot(&[]).unwrap();
    let mut table2 = ProcessTable::new();
    let two = table2.snapshot_parallel(&[], 2).unwrap();
    let a: BTreeSet<u32> = one.iter().map(|(p, _)| p.pid()).collect();
    let b: BTreeSet<u32> = two.iter().map(|(p, _)| p.pid()).collect();
    assert!(a.contains(&std::process::id()) && b.contains(&std::process::id()));
    // Other builds run on this machine: processes may start or end between the two
    // scans. A pid in only one scan must be explained by that.
    for pid in a.difference(&b) {
        assert!(
            Process::new(*pid).map_or(true, |p| p.create_time().unwrap_or(f64::MAX) >= t0 - 1.0),
            "pid {pid} is alive, old, and missing from the parallel scan"
        );
    }
    for pid in b.difference(&a) {
        assert!(
            Process::new(*pid).map_or(true, |p| p.create_time().unwrap_or(f64::MAX) >= t0 - 1.0),
            "pid {pid} is alive, old, and missing from the serial scan"
        );
    }
    // Rows are in pid order and have the pid key.
    for rows in [&one, &two] {
        let pids: Vec<u32> = rows.iter().map(|(p, _)| p.pid()).collect();
        let mut sorted = pids.clone();
        sorted.sort_unstable();
        assert_eq!(pids, sorted);
        for (p, info) in rows.iter() {
            assert_eq!(info.pid, p.pid());
        }
    }
    // A second scan on the same table reuses the handles: cpu_percent now compares
    // with the first scan instead of returning 0.0 for every process.
    std::thread::sleep(Duration::from_millis(100));
    let again = table.snapshot(&[rpsutil::Attr::CpuPercent]).unwrap();
    let me = again
        .iter()
        .find(|(p, _)| p.pid() == std::process::id())
        .unwrap();
    assert!(me.1.cpu_percent.unwrap().is_ok());
    // pids() agrees with the /proc listing, modulo processes started or ended meanwhile.
    let listed: BTreeSet<u32> = common::proc_pids().into_iter().collect();
    let ours: BTreeSet<u32> = rpsutil::pids().unwrap().into_iter().collect();
    let common_part = listed.intersection(&ours).count();
    assert!(
        common_part + 20 >= listed.len().max(ours.len()),
        "{listed:?} {ours:?}"
    );
}
