//! Layer 3: real-system tests on processes the tests create with known properties.
//! Each value is checked against what the test set up, the kernel's own files read
//! directly, or a system call made here.
#![cfg(target_os = "linux")]

mod common;

use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use rpsutil::{
    Attr, ConnKind, Error, ExitCode, IoPriorityClass, MemType, Popen, Process, Resource, Rlimit,
    Status,
};

fn p(pid: u32) -> Process {
    Process::new(pid).unwrap_or_else(|e| panic!("Process::new({pid}): {e}"))
}

fn assert_nsp<T: std::fmt::Debug>(r: rpsutil::Result<T>) {
    match r {
        Err(Error::NoSuchProcess { .. }) => {}
        other => panic!("expected NoSuchProcess, got {other:?}"),
    }
}

fn assert_zombie<T: std::fmt::Debug>(r: rpsutil::Result<T>) {
    match r {
        Err(Error::ZombieProcess { .. }) => {}
        other => panic!("expected ZombieProcess, got {other:?}"),
    }
}

fn assert_invalid<T: std::fmt::Debug>(r: rpsutil::Result<T>) {
    match r {
        Err(Error::InvalidInput { .. }) => {}
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

// ------------------------------------------------------------------ identity

#[test]
fn name_exe_cmdline_of_plain_child() {
    let g = sleeper();
    let proc_ = p(g.pid);
    assert_eq!(proc_.pid(), g.pid);
    assert_eq!(proc_.name().unwrap(), "sleep");
    let exe = std::fs::read_link(format!("/proc/{}/exe", g.pid)).unwrap();
    assert_eq!(proc_.exe().unwrap(), exe);
    assert_eq!(proc_.cmdline().unwrap(), ["sleep", "100"]);
}

#[test]
fn deleted_exe_drops_suffix() {
    let (g, path, _dir) = deleted_exe();
    let link = std::fs::read_link(format!("/proc/{}/exe", g.pid)).unwrap();
    // Precondition: the kernel marks the link.
    assert_eq!(
        link.to_str().unwrap(),
        format!("{} (deleted)", path.display())
    );
    assert_eq!(p(g.pid).exe().unwrap(), path);
    // comm is cut to 15 bytes; the name is completed from argv[0].
    assert_eq!(p(g.pid).name().unwrap(), "rps-deleted-sleep");
    // A new file at the same path (a rebuild): still no suffix (psutil tests the
    // name as read, suffix included).
    std::fs::write(&path, b"new").unwrap();
    assert_eq!(p(g.pid).exe().unwrap(), path);
    // Only a file named with the suffix keeps it.
    let literal = std::path::PathBuf::from(format!("{} (deleted)", path.display()));
    std::fs::write(&literal, b"odd").unwrap();
    assert_eq!(p(g.pid).exe().unwrap(), literal);
}

#[test]
fn unicode_and_long_cmdline() {
    let long = "x".repeat(3000);
    let uni = "héllo wörld ✓ 名前";
    let g = spawn(Command::new("perl").args(["-e", "sleep 100", uni, &long]));
    let c = p(g.pid).cmdline().unwrap();
    assert_eq!(c, ["perl", "-e", "sleep 100", uni, long.as_str()]);
    assert_eq!(p(g.pid).name().unwrap(), "perl");
}

#[test]
fn rewritten_argv_is_split_on_spaces() {
    // perl's `$0 = ...` overwrites the argument area (like setproctitle): the kernel
    // shows "my rewritten title\0"; psutil's rule re-splits a single NUL-terminated
    // argument on spaces (#1179).
    let (g, _) = spawn_ready(Command::new("perl").args([
        "-e",
        "$0 = 'my rewritten title'; $| = 1; print qq(ok\\n); sleep 100",
    ]));
    let raw = proc_read(g.pid, "cmdline").unwrap();
    assert_eq!(raw, b"my rewritten title\0");
    assert_eq!(p(g.pid).cmdline().unwrap(), ["my", "rewritten", "title"]);
    // comm is 15 bytes, argv[0] "my" does not start with it: the truncated name stays.
    assert_eq!(proc_comm(g.pid).unwrap(), "my rewritten ti");
    assert_eq!(p(g.pid).name().unwrap(), "my rewritten ti");
}

#[test]
fn long_name_is_completed_from_argv0() {
    let dir = TempDir::new("longname");
    let exe = dir.path().join("averyveryverylongprogramname");
    assert!(Command::new("cp")
        .arg("/bin/sleep")
        .arg(&exe)
        .status()
        .unwrap()
        .success());
    let g = spawn(Command::new(&exe).arg("100"));
    assert_eq!(proc_comm(g.pid).unwrap(), "averyveryverylo");
    assert_eq!(p(g.pid).name().unwrap(), "averyveryverylongprogramname");
}

#[test]
fn environ_and_cwd() {
    let dir = TempDir::new("cwd");
    let g = spawn(
        Command::new("sleep")
            .arg("100")
            .current_dir(dir.path())
            .env("RPSUTIL_MARK", "a=b é")
            .env("RPSUTIL_EMPTY", ""),
    );
    let proc_ = p(g.pid);
    let env = proc_.environ().unwrap();
    assert_eq!(env.get("RPSUTIL_MARK").map(String::as_str), Some("a=b é"));
    assert_eq!(env.get("RPSUTIL_EMPTY").map(String::as_str), Some(""));
    // Every NUL-terminated KEY=VALUE entry of the file, and nothing else.
    let raw = proc_text(g.pid, "environ").unwrap();
    let n = raw
        .split('\0')
        .filter(|e| e.find('=').is_some_and(|i| i > 0))
        .count();
    assert_eq!(env.len(), n);
    assert_eq!(proc_.cwd().unwrap(), dir.path());
}

#[test]
fn create_time_is_spawn_time() {
    let before = now_epoch();
    let g = sleeper();
    let after = now_epoch();
    let ct = p(g.pid).create_time().unwrap();
    // create_time has 10 ms resolution (clock ticks) and boot time has 1 s resolution
    // (`btime` is whole seconds), so allow 1 s either side.
    assert!(
        ct >= before - 1.0 && ct <= after + 1.0,
        "{before} {ct} {after}"
    );
    // Exactly stat field 22 / CLK_TCK + btime.
    let start: f64 = proc_stat_field(g.pid, 22).unwrap().parse().unwrap();
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    let btime: f64 = stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((ct - (start / clock_ticks() + btime)).abs() < 1e-6);
}

#[test]
fn status_sleeping_stopped_zombie() {
    let g = sleeper();
    wait_until("sleeping", || proc_state(g.pid) == Some('S'));
    assert_eq!(p(g.pid).status().unwrap(), Status::Sleeping);
    let s = stopped();
    assert_eq!(p(s.pid).status().unwrap(), Status::Stopped);
    let (_zg, z) = zombie();
    assert_eq!(p(z).status().unwrap(), Status::Zombie);
}

#[test]
fn ppid_parent_parents_children() {
    let me = Process::current().unwrap();
    // A tree: sh(A) -> { sh(B) -> sleep, sleep }, in its own process group.
    let g = spawn_opts(
        Command::new("sh").args(["-c", "sh -c 'sleep 100 & wait' & sleep 100 & wait"]),
        false,
        true,
    );
    let mut b = 0;
    wait_until("tree of 3", || {
        let kids = proc_children(g.pid);
        b = kids
            .iter()
            .copied()
            .find(|&k| proc_comm(k).as_deref() == Some("sh"))
            .unwrap_or(0);
        kids.len() == 2 && b != 0 && proc_children(b).len() == 1
    });
    let a = p(g.pid);
    assert_eq!(a.ppid().unwrap(), std::process::id());
    assert_eq!(a.parent().unwrap().unwrap(), me);

    let direct: BTreeSet<u32> = a.children(false).unwrap().iter().map(|c| c.pid()).collect();
    assert_eq!(direct, proc_children(g.pid).into_iter().collect());
    let all: BTreeSet<u32> = a.children(true).unwrap().iter().map(|c| c.pid()).collect();
    let mut expect: BTreeSet<u32> = proc_children(g.pid).into_iter().collect();
    expect.extend(proc_children(b));
    assert_eq!(all.len(), 3);
    assert_eq!(all, expect);

    // parents(): the chain of stat ppids up to pid 1.
    let grandchild = proc_children(b)[0];
    let chain: Vec<u32> = p(grandchild)
        .parents()
        .unwrap()
        .iter()
        .map(|x| x.pid())
        .collect();
    let mut want = Vec::new();
    let mut cur = grandchild;
    loop {
        let pp: u32 = proc_stat_field(cur, 4).unwrap().parse().unwrap();
        if pp == 0 {
            break;
        }
        want.push(pp);
        cur = pp;
    }
    assert_eq!(chain, want);
    assert_eq!(chain[..3], [b, g.pid, std::process::id()]);
    assert_eq!(*chain.last().unwrap(), 1);
    assert!(p(1).parent().unwrap().is_none());
}

#[test]
fn uids_gids_username_of_nobody() {
    let g = nobody();
    let proc_ = p(g.pid);
    let u = proc_.uids().unwrap();
    assert_eq!((u.real, u.effective, u.saved), (65534, 65534, 65534));
    let gr = proc_.gids().unwrap();
    assert_eq!((gr.real, gr.effective, gr.saved), (65534, 65534, 65534));
    assert_eq!(proc_.username().unwrap(), "nobody");
    let me = Process::current().unwrap();
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    assert_eq!(me.uids().unwrap().real, uid);
}

#[test]
fn terminal_none_without_tty() {
    let g = spawn(Command::new("setsid").args(["sleep", "100"]));
    wait_comm(&g, "sleep");
    assert_eq!(proc_stat_field(g.pid, 7).unwrap(), "0");
    assert_eq!(p(g.pid).terminal().unwrap(), None);
}

// ---------------------------------------------------------------- scheduling

#[test]
fn nice_get_and_set() {
    let g = spawn(Command::new("nice").args(["-n", "5", "sleep", "100"]));
    wait_comm(&g, "sleep");
    let proc_ = p(g.pid);
    assert_eq!(proc_.nice().unwrap(), 5);
    proc_.set_nice(7).unwrap();
    assert_eq!(proc_stat_field(g.pid, 19).unwrap(), "7");
    // SAFETY: getpriority has no preconditions; errno is not needed for 7.
    let prio = unsafe { libc::getpriority(libc::PRIO_PROCESS, g.pid) };
    assert_eq!(prio, 7);
    assert_eq!(proc_.nice().unwrap(), 7);
    // The kernel clamps.
    proc_.set_nice(100).unwrap();
    assert_eq!(proc_.nice().unwrap(), 19);
}

#[test]
fn ionice_get_set_and_value_errors() {
    let g = spawn(Command::new("ionice").args(["-c", "2", "-n", "5", "sleep", "100"]));
    wait_comm(&g, "sleep");
    let proc_ = p(g.pid);
    let io = proc_.ionice().unwrap();
    assert_eq!((io.ioclass, io.value), (IoPriorityClass::BestEffort, 5));
    proc_.set_ionice(IoPriorityClass::Idle, None).unwrap();
    let out = Command::new("ionice")
        .args(["-p", &g.pid.to_string()])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "idle");
    assert_eq!(proc_.ionice().unwrap().ioclass, IoPriorityClass::Idle);
    proc_
        .set_ionice(IoPriorityClass::BestEffort, Some(2))
        .unwrap();
    let out = Command::new("ionice")
        .args(["-p", &g.pid.to_string()])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "best-effort: prio 2"
    );
    // psutil's ValueErrors.
    assert_invalid(proc_.set_ionice(IoPriorityClass::Idle, Some(3)));
    assert_invalid(proc_.set_ionice(IoPriorityClass::None, Some(1)));
    assert_invalid(proc_.set_ionice(IoPriorityClass::BestEffort, Some(8)));
    assert_invalid(proc_.set_ionice(IoPriorityClass::BestEffort, Some(-1)));
    assert_eq!(
        proc_.ionice().unwrap().value,
        2,
        "failed sets changed nothing"
    );
}

fn libc_resource(r: Resource) -> libc::__rlimit_resource_t {
    match r {
        Resource::As => libc::RLIMIT_AS,
        Resource::Core => libc::RLIMIT_CORE,
        Resource::Cpu => libc::RLIMIT_CPU,
        Resource::Data => libc::RLIMIT_DATA,
        Resource::Fsize => libc::RLIMIT_FSIZE,
        Resource::Locks => libc::RLIMIT_LOCKS,
        Resource::Memlock => libc::RLIMIT_MEMLOCK,
        Resource::Msgqueue => libc::RLIMIT_MSGQUEUE,
        Resource::Nice => libc::RLIMIT_NICE,
        Resource::Nofile => libc::RLIMIT_NOFILE,
        Resource::Nproc => libc::RLIMIT_NPROC,
        Resource::Rss => libc::RLIMIT_RSS,
        Resource::Rtprio => libc::RLIMIT_RTPRIO,
        Resource::Rttime => libc::RLIMIT_RTTIME,
        Resource::Sigpending => libc::RLIMIT_SIGPENDING,
        Resource::Stack => libc::RLIMIT_STACK,
        other => panic!("{other:?} is not a Linux resource"),
    }
}

#[test]
fn rlimit_of_self_equals_getrlimit_for_every_resource() {
    let me = Process::current().unwrap();
    let avail = Resource::available();
    // psutil on Linux exports exactly these 16 RLIMIT_* constants.
    assert_eq!(avail.len(), 16);
    let conv = |v: libc::rlim_t| {
        if v == libc::RLIM_INFINITY {
            -1
        } else {
            v as i64
        }
    };
    for r in avail {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: a valid resource and a valid out pointer.
        assert_eq!(unsafe { libc::getrlimit(libc_resource(r), &mut lim) }, 0);
        assert_eq!(
            me.rlimit(r).unwrap(),
            Rlimit(conv(lim.rlim_cur), conv(lim.rlim_max)),
            "{}",
            r.name()
        );
    }
}

#[test]
fn rlimit_set_on_child_and_prlimit_tool() {
    let g = spawn(Command::new("prlimit").args(["--nofile=100:200", "sleep", "100"]));
    wait_comm(&g, "sleep");
    let proc_ = p(g.pid);
    assert_eq!(proc_.rlimit(Resource::Nofile).unwrap(), Rlimit(100, 200));
    proc_
        .set_rlimit(Resource::Nofile, Rlimit(123, 150))
        .unwrap();
    let limits = proc_text(g.pid, "limits").unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let nums: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&nums[3..5], ["123", "150"]);
    proc_.set_rlimit(Resource::Core, Rlimit(-1, -1)).unwrap();
    assert_eq!(proc_.rlimit(Resource::Core).unwrap(), Rlimit(-1, -1));
    // soft > hard is psutil's ValueError.
    assert_invalid(proc_.set_rlimit(Resource::Nofile, Rlimit(300, 200)));
    assert_eq!(proc_.rlimit(Resource::Nofile).unwrap(), Rlimit(123, 150));
}

#[test]
fn cpu_affinity_get_set() {
    let ncpu = std::thread::available_parallelism().unwrap().get() as u32;
    let g = spawn(Command::new("taskset").args(["-c", "0", "sleep", "100"]));
    wait_comm(&g, "sleep");
    let proc_ = p(g.pid);
    assert_eq!(proc_.cpu_affinity().unwrap(), [0]);
    assert_eq!(proc_status(g.pid, "Cpus_allowed_list").unwrap(), "0");
    proc_.set_cpu_affinity(&[]).unwrap();
    let all: Vec<u32> = (0..ncpu).collect();
    assert_eq!(proc_.cpu_affinity().unwrap(), all);
    let want = if ncpu == 1 {
        "0".to_string()
    } else {
        format!("0-{}", ncpu - 1)
    };
    assert_eq!(proc_status(g.pid, "Cpus_allowed_list").unwrap(), want);
    proc_.set_cpu_affinity(&[0]).unwrap();
    assert_eq!(proc_status(g.pid, "Cpus_allowed_list").unwrap(), "0");
    assert_invalid(proc_.set_cpu_affinity(&[99]));
    assert_eq!(proc_.cpu_affinity().unwrap(), [0]);
}

#[test]
fn cpu_num_and_ctx_switches_of_stopped() {
    let g = stopped();
    let proc_ = p(g.pid);
    // A stopped process does not run: the values are frozen.
    let n = proc_.cpu_num().unwrap();
    assert_eq!(n.to_string(), proc_stat_field(g.pid, 39).unwrap());
    assert!(n < std::thread::available_parallelism().unwrap().get() as u32);
    let c = proc_.num_ctx_switches().unwrap();
    assert_eq!(
        c.voluntary.to_string(),
        proc_status(g.pid, "voluntary_ctxt_switches").unwrap()
    );
    assert_eq!(
        c.involuntary.to_string(),
        proc_status(g.pid, "nonvoluntary_ctxt_switches").unwrap()
    );
}

// ----------------------------------------------------------------- counters

#[test]
fn io_counters_see_writes() {
    const N: usize = 100_000;
    let (g, _) = spawn_ready(Command::new("perl").args([
        "-e",
        &format!(
            "open F, '>', '/dev/null'; syswrite F, 'x' x {N}; close F; $| = 1; print qq(ok\\n); sleep 100"
        ),
    ]));
    let io = p(g.pid).io_counters().unwrap();
    assert!(io.write_chars.unwrap() >= N as u64, "{io:?}");
    assert!(io.write_count >= 2, "{io:?}");
    let raw = proc_text(g.pid, "io").unwrap();
    let get = |k: &str| -> u64 {
        raw.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}: ")))
            .unwrap()
            .parse()
            .unwrap()
    };
    // The child is asleep: its counters do not move any more.
    assert_eq!(io.write_chars, Some(get("wchar")));
    assert_eq!(io.read_chars, Some(get("rchar")));
    assert_eq!(io.read_count, get("syscr"));
    assert_eq!(io.write_count, get("syscw"));
    assert_eq!(io.read_bytes, get("read_bytes"));
    assert_eq!(io.write_bytes, get("write_bytes"));
}

#[test]
fn threads_and_num_threads() {
    let g = threaded(4);
    let proc_ = p(g.pid);
    assert_eq!(proc_.num_threads().unwrap(), 5);
    let ids: Vec<u32> = proc_.threads().unwrap().iter().map(|t| t.id).collect();
    let mut tasks: Vec<u32> = std::fs::read_dir(format!("/proc/{}/task", g.pid))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_str().unwrap().parse().unwrap())
        .collect();
    tasks.sort_unstable();
    assert_eq!(ids, tasks);
    assert!(ids.contains(&g.pid));
    // A thread id is not a pid, but a Process can be built on it (psutil too).
    let tid = *ids.iter().find(|&&t| t != g.pid).unwrap();
    assert!(!rpsutil::pid_exists(tid));
    assert!(rpsutil::pid_exists(g.pid));
    assert!(!rpsutil::pids().unwrap().contains(&tid));
    assert_eq!(p(tid).pid(), tid);
}

#[test]
fn num_fds_counts_fd_dir() {
    let s = socket_child();
    let n = std::fs::read_dir(format!("/proc/{}/fd", s.guard.pid))
        .unwrap()
        .count();
    assert_eq!(p(s.guard.pid).num_fds().unwrap() as usize, n);
    // At least the 3 std streams, 11 sockets and 5 files the child opened.
    assert!(n >= 19, "{n}");
}

fn busy() -> Guard {
    spawn(Command::new("perl").args(["-e", "1 while 1"]))
}

fn stat_ticks(pid: u32) -> f64 {
    let f = proc_stat_fields(pid).unwrap();
    // utime + stime: fields 14 and 15.
    f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()
}

#[test]
fn cpu_times_and_cpu_percent_of_busy_child() {
    let g = busy();
    let proc_ = p(g.pid);
    std::thread::sleep(Duration::from_millis(200));
    let t0 = Instant::now();
    let c0 = stat_ticks(g.pid);
    let pct = proc_.cpu_percent(Some(Duration::from_secs(1))).unwrap();
    let c1 = stat_ticks(g.pid);
    let outer = t0.elapsed().as_secs_f64();
    let outer_pct = (c1 - c0) / clock_ticks() / outer * 100.0;
    // The measured window lies inside [t0, now]: the busy loop can have run at most
    // the few ms of difference outside it; 1 tick is 1 %, plus the margins: ±8.
    assert!((pct - outer_pct).abs() <= 8.0, "{pct} vs {outer_pct}");
    // A busy loop on an otherwise idle machine is ~100 %; other builds share the 2
    // cores here, so only "clearly busy" is asserted independently of /proc.
    assert!(pct > 30.0 && pct <= 105.0, "{pct}");
    let t = proc_.cpu_times().unwrap();
    let f = proc_stat_fields(g.pid).unwrap();
    let tick = 1.0 / clock_ticks();
    // The child keeps running between the two reads: a few ticks apart at most.
    assert!((t.user - f[11].parse::<f64>().unwrap() * tick).abs() <= 0.1);
    assert!((t.system - f[12].parse::<f64>().unwrap() * tick).abs() <= 0.1);
    assert!(t.user + t.system >= 0.3, "{t:?}");
    // First non-interval call on a fresh handle is 0.0, as psutil.
    let fresh = p(g.pid);
    assert_eq!(fresh.cpu_percent(None).unwrap(), 0.0);
    std::thread::sleep(Duration::from_millis(500));
    assert!(fresh.cpu_percent(None).unwrap() > 30.0);
}

// ------------------------------------------------------------------- memory

#[test]
fn memory_info_equals_statm() {
    let g = stopped();
    let m = p(g.pid).memory_info().unwrap();
    let statm: Vec<u64> = proc_text(g.pid, "statm")
        .unwrap()
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    let pg = page_size();
    assert_eq!(m.vms, statm[0] * pg);
    assert_eq!(m.rss, statm[1] * pg);
    assert_eq!(m.shared, Some(statm[2] * pg));
    assert_eq!(m.text, Some(statm[3] * pg));
    assert_eq!(m.lib, Some(statm[4] * pg));
    assert_eq!(m.data, Some(statm[5] * pg));
    assert_eq!(m.dirty, Some(statm[6] * pg));
    let total: u64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .unwrap()
        .trim()
        .trim_end_matches(" kB")
        .parse::<u64>()
        .unwrap()
        * 1024;
    let pct = p(g.pid).memory_percent(MemType::Rss).unwrap();
    assert!((pct - m.rss as f64 / total as f64 * 100.0).abs() < 1e-9);
    let vpct = p(g.pid).memory_percent(MemType::Vms).unwrap();
    assert!((vpct - m.vms as f64 / total as f64 * 100.0).abs() < 1e-9);
}

fn rollup_kb(pid: u32) -> (u64, u64, u64) {
    let text = proc_text(pid, "smaps_rollup").unwrap();
    let (mut uss, mut pss, mut swap) = (0, 0, 0);
    for l in text.lines() {
        let mut it = l.split_whitespace();
        let (Some(k), Some(v)) = (it.next(), it.next()) else {
            continue;
        };
        let Ok(v) = v.parse::<u64>() else { continue };
        if k.starts_with("Private_") {
            uss += v;
        } else if k == "Pss:" {
            pss = v;
        } else if k == "Swap:" {
            swap = v;
        }
    }
    (uss * 1024, pss * 1024, swap * 1024)
}

#[test]
fn memory_full_info() {
    let me = Process::current().unwrap();
    let f = me.memory_full_info().unwrap();
    assert!(f.uss.unwrap() <= f.basic.rss);
    assert!(f.pss.unwrap() > 0);
    // A stopped child: its smaps_rollup does not change between reads.
    let g = stopped();
    let f = p(g.pid).memory_full_info().unwrap();
    let (uss, pss, swap) = rollup_kb(g.pid);
    assert_eq!((f.uss, f.pss, f.swap), (Some(uss), Some(pss), Some(swap)));
    assert!(uss <= f.basic.rss && pss > 0);
    let upct = p(g.pid).memory_percent(MemType::Uss).unwrap();
    assert!(upct > 0.0 && upct < 100.0);
}

#[test]
fn memory_maps_grouped_and_ext() {
    let g = stopped();
    let proc_ = p(g.pid);
    let ext = proc_.memory_maps_ext().unwrap();
    let maps = proc_text(g.pid, "maps").unwrap();
    let lines: Vec<&str> = maps.lines().collect();
    assert_eq!(ext.len(), lines.len());
    for (m, l) in ext.iter().zip(&lines) {
        let cols: Vec<&str> = l.splitn(6, ' ').collect();
        assert_eq!(m.addr, cols[0]);
        assert_eq!(m.perms, cols[1]);
        let path = cols.get(5).map(|s| s.trim()).unwrap_or("");
        let path = if path.is_empty() { "[anon]" } else { path };
        assert_eq!(m.region.path.to_str().unwrap(), path);
        // size = end - start.
        let (a, b) = cols[0].split_once('-').unwrap();
        let size = u64::from_str_radix(b, 16).unwrap() - u64::from_str_radix(a, 16).unwrap();
        assert_eq!(m.region.size, Some(size));
    }
    let grouped = proc_.memory_maps().unwrap();
    let paths: Vec<&str> = grouped.iter().map(|g| g.path.to_str().unwrap()).collect();
    let mut first_seen = Vec::new();
    for m in &ext {
        if !first_seen.contains(&m.region.path.to_str().unwrap()) {
            first_seen.push(m.region.path.to_str().unwrap());
        }
    }
    assert_eq!(paths, first_seen);
    let exe = std::fs::read_link(format!("/proc/{}/exe", g.pid)).unwrap();
    assert!(paths.contains(&exe.to_str().unwrap()));
    assert!(paths.contains(&"[stack]"));
    for gr in &grouped {
        let sum: u64 = ext
            .iter()
            .filter(|m| m.region.path == gr.path)
            .map(|m| m.region.size.expect("Linux maps have a size"))
            .sum();
        assert_eq!(gr.size, Some(sum), "{}", gr.path.display());
    }
    // The test binary itself has a heap (the Rust allocator is malloc).
    let mine = Process::current().unwrap().memory_maps().unwrap();
    let mine: Vec<&str> = mine.iter().map(|m| m.path.to_str().unwrap()).collect();
    assert!(mine.contains(&"[heap]"), "{mine:?}");
    assert!(mine.contains(&"[stack]"));
    let self_exe = std::env::current_exe().unwrap();
    assert!(mine.contains(&self_exe.to_str().unwrap()));
}

/// Inside one `as_dict`, the fd directory is walked once for net_connections,
/// num_fds and open_files: the values must be those of the separate calls (a child
/// that does not change between them: the socket child, stopped). memory_full_info
/// must still be smaps_rollup's (PSS summed per mapping would be rounded lower).
#[test]
fn as_dict_shares_fd_walk_and_smaps() {
    let s = socket_child();
    let pid = s.guard.pid;
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGSTOP) };
    wait_until("SIGSTOP", || proc_state(pid) == Some('T'));
    let proc_ = p(pid);
    let all = [
        Attr::NetConnections,
        Attr::NumFds,
        Attr::OpenFiles,
        Attr::MemoryFullInfo,
        Attr::MemoryMaps,
    ];
    let info = proc_.as_dict(&all).unwrap();
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count() as u32;
    assert_eq!(info.num_fds.unwrap().unwrap(), fds);
    assert_eq!(info.num_fds.unwrap().unwrap(), proc_.num_fds().unwrap());
    assert_eq!(
        info.open_files.unwrap().unwrap(),
        proc_.open_files().unwrap()
    );
    let mut a = info.net_connections.unwrap().unwrap();
    let mut b = proc_.net_connections(ConnKind::Inet).unwrap();
    assert!(!a.is_empty(), "the socket child has inet sockets");
    a.sort_by_key(|c| c.fd);
    b.sort_by_key(|c| c.fd);
    assert_eq!(a, b);
    let full = info.memory_full_info.unwrap().unwrap();
    let (uss, pss, swap) = rollup_kb(pid);
    assert_eq!(
        (full.uss, full.pss, full.swap),
        (Some(uss), Some(pss), Some(swap))
    );
    assert_eq!(
        info.memory_maps.unwrap().unwrap(),
        proc_.memory_maps().unwrap()
    );
}

// ---------------------------------------------------------------- files, net

/// More fds than one directory read returns (the walker reads /proc/PID/fd in 16 KiB
/// getdents64 calls, ~700 entries each): every one is found.
#[test]
fn open_files_of_a_process_with_thousands_of_fds() {
    let dir = TempDir::new("manyfds");
    let file = dir.path().join("f");
    std::fs::write(&file, b"x").unwrap();
    let (g, line) = spawn_ready(Command::new(python3()).arg("-c").arg(
        "import sys, time\nfs = [open(sys.argv[1]) for _ in range(2500)]\nprint('ready', flush=True)\ntime.sleep(100)",
    ).arg(&file));
    assert_eq!(line, "ready");
    let files = p(g.pid).open_files().unwrap();
    let ours = files.iter().filter(|f| f.path == file).count();
    assert_eq!(ours, 2500);
    let listed = std::fs::read_dir(format!("/proc/{}/fd", g.pid))
        .unwrap()
        .count() as u32;
    assert_eq!(p(g.pid).num_fds().unwrap(), listed);
    let info = p(g.pid).as_dict(&[Attr::NumFds, Attr::OpenFiles]).unwrap();
    assert_eq!(info.num_fds.unwrap().unwrap(), listed);
    assert_eq!(info.open_files.unwrap().unwrap().len(), files.len());
}

#[test]
fn open_files_paths_fds_positions_modes() {
    let s = socket_child();
    let files = p(s.guard.pid).open_files().unwrap();
    let got: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            serde_json::json!({
                "path": f.path.to_str().unwrap(),
                "fd": f.fd,
                "position": f.position.unwrap(),
                "mode": f.mode.as_deref().unwrap(),
            })
        })
        .collect();
    let want = s.expected["files"].as_array().unwrap();
    assert_eq!(&got, want);
    let modes: Vec<&str> = files.iter().map(|f| f.mode.as_deref().unwrap()).collect();
    assert_eq!(modes, ["r", "w", "a", "r+", "a+"]);
    for f in &files {
        let fdinfo = proc_text(s.guard.pid, &format!("fdinfo/{}", f.fd)).unwrap();
        let flags = fdinfo
            .lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .unwrap()
            .trim();
        assert_eq!(f.flags, Some(i32::from_str_radix(flags, 8).unwrap()));
    }
}

fn conn_set(v: impl IntoIterator<Item = serde_json::Value>) -> BTreeSet<String> {
    v.into_iter().map(|c| c.to_string()).collect()
}

/// psutil's `conn_tmap`: (family, type) pairs of each kind; type None = any.
fn kind_selects(kind: ConnKind, family: i64, stype: i64) -> bool {
    let tcp4 = family == 2 && stype == 1;
    let tcp6 = family == 10 && stype == 1;
    let udp4 = family == 2 && stype == 2;
    let udp6 = family == 10 && stype == 2;
    let unix = family == 1;
    match kind {
        ConnKind::All => tcp4 || tcp6 || udp4 || udp6 || unix,
        ConnKind::Tcp => tcp4 || tcp6,
        ConnKind::Tcp4 => tcp4,
        ConnKind::Tcp6 => tcp6,
        ConnKind::Udp => udp4 || udp6,
        ConnKind::Udp4 => udp4,
        ConnKind::Udp6 => udp6,
        ConnKind::Inet => tcp4 || tcp6 || udp4 || udp6,
        ConnKind::Inet4 => tcp4 || udp4,
        ConnKind::Inet6 => tcp6 || udp6,
        ConnKind::Unix => unix,
        _ => panic!("new kind {kind:?}"),
    }
}

#[test]
fn net_connections_every_kind() {
    let s = socket_child();
    let proc_ = p(s.guard.pid);
    let want: Vec<serde_json::Value> = s.expected["conns"].as_array().unwrap().clone();
    assert_eq!(want.len(), 11);
    for kind in ConnKind::ALL {
        let got = proc_.net_connections(kind).unwrap();
        let got_set = conn_set(got.iter().map(|c| serde_json::to_value(c).unwrap()));
        assert_eq!(got_set.len(), got.len(), "duplicates for {kind:?}");
        let want_set = conn_set(
            want.iter()
                .filter(|c| {
                    kind_selects(
                        kind,
                        c["family"].as_i64().unwrap(),
                        c["type"].as_i64().unwrap(),
                    )
                })
                .cloned(),
        );
        assert!(!want_set.is_empty());
        assert_eq!(got_set, want_set, "kind {}", kind.as_str());
    }
    // A process without sockets.
    let g = sleeper();
    assert!(p(g.pid).net_connections(ConnKind::All).unwrap().is_empty());
}

// ------------------------------------------------------------------ signals

#[test]
fn suspend_resume_terminate_kill_wait() {
    let child = Popen::spawn(Command::new("sleep").arg("100").stdout(Stdio::null())).unwrap();
    let _g = Guard::adopt(child.pid());
    wait_exec(child.pid());
    child.suspend().unwrap();
    wait_until("stopped", || proc_state(child.pid()) == Some('T'));
    assert_eq!(child.status().unwrap(), Status::Stopped);
    child.resume().unwrap();
    wait_until("resumed", || proc_state(child.pid()) != Some('T'));
    // timeout 0 on a live child.
    match child.wait(Some(Duration::ZERO)) {
        Err(Error::TimeoutExpired { pid, .. }) => assert_eq!(pid, Some(child.pid())),
        other => panic!("{other:?}"),
    }
    assert_eq!(child.poll().unwrap(), None);
    child.terminate().unwrap();
    assert_eq!(
        child.wait(Some(Duration::from_secs(10))).unwrap(),
        Some(ExitCode::Signaled(libc::SIGTERM))
    );
    assert_eq!(child.returncode(), Some(ExitCode::Signaled(15)));
    assert!(!child.is_running());
    // Cached: a second wait returns the same.
    assert_eq!(child.wait(None).unwrap(), Some(ExitCode::Signaled(15)));

    let k = Popen::spawn(Command::new("sleep").arg("100").stdout(Stdio::null())).unwrap();
    let _g2 = Guard::adopt(k.pid());
    k.kill().unwrap();
    assert_eq!(
        k.wait(Some(Duration::from_secs(10))).unwrap(),
        Some(ExitCode::Signaled(libc::SIGKILL))
    );
}

#[test]
fn wait_exit_code_and_non_child() {
    let c = Popen::spawn(Command::new("sh").args(["-c", "exit 7"])).unwrap();
    let _g = Guard::adopt(c.pid());
    assert_eq!(
        c.wait(Some(Duration::from_secs(10))).unwrap(),
        Some(ExitCode::Exited(7))
    );
    assert_eq!(c.poll().unwrap(), Some(ExitCode::Exited(7)));

    // A grandchild: sh starts `sleep 1` in the background, prints its pid and exits.
    let (mut g, line) = spawn_ready(Command::new("sh").args(["-c", "sleep 1 & echo $!"]));
    let gc: u32 = line.parse().unwrap();
    let _ = g.read_line(); // EOF once sh is gone
    let proc_ = p(gc);
    let t = Instant::now();
    assert_eq!(proc_.wait(Some(Duration::from_secs(10))).unwrap(), None);
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(!proc_.is_running());
}

#[test]
fn ended_process_is_no_such_process() {
    let c = Popen::spawn(Command::new("sleep").arg("100")).unwrap();
    let _g = Guard::adopt(c.pid());
    let other = p(c.pid());
    assert!(other.is_running());
    c.kill().unwrap();
    c.wait(Some(Duration::from_secs(10))).unwrap();
    assert!(!other.is_running());
    assert_nsp(other.name());
    assert_nsp(other.cmdline());
    assert_nsp(other.memory_info());
    assert_nsp(other.send_signal(libc::SIGTERM));
    assert_nsp(other.ppid());
    assert_nsp(Process::new(c.pid()));
}

#[test]
fn invalid_pids() {
    assert_nsp(Process::new(0));
    match Process::new(u32::MAX) {
        Err(Error::NoSuchProcess { msg, .. }) => assert_eq!(msg, "process PID out of range"),
        other => panic!("{other:?}"),
    }
    let max: u32 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    match Process::new(max + 1) {
        Err(Error::NoSuchProcess { msg, pid, .. }) => {
            assert_eq!(msg, "process PID not found");
            assert_eq!(pid, max + 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(!rpsutil::pid_exists(0));
    assert!(!rpsutil::pid_exists(max + 1));
    assert!(rpsutil::pid_exists(std::process::id()));
}

#[test]
fn popen_pipes_and_poll() {
    let mut c = Popen::spawn(
        Command::new("sh")
            .args(["-c", "echo hello; exit 3"])
            .stdout(Stdio::piped()),
    )
    .unwrap();
    let _g = Guard::adopt(c.pid());
    let mut out = String::new();
    c.take_stdout().unwrap().read_to_string(&mut out).unwrap();
    assert_eq!(out, "hello\n");
    assert_eq!(c.returncode(), None);
    assert_eq!(
        c.wait(Some(Duration::from_secs(10))).unwrap(),
        Some(ExitCode::Exited(3))
    );
    assert_eq!(c.returncode(), Some(ExitCode::Exited(3)));

    let s = Popen::spawn(Command::new("sleep").arg("100")).unwrap();
    let _g2 = Guard::adopt(s.pid());
    wait_exec(s.pid());
    assert_eq!(s.poll().unwrap(), None);
    assert_eq!(s.name().unwrap(), "sleep");
    s.kill().unwrap();
    let mut code = None;
    wait_until("poll", || {
        code = s.poll().unwrap();
        code.is_some()
    });
    assert_eq!(code, Some(ExitCode::Signaled(9)));
}

#[test]
fn wait_procs_gone_alive_and_callback() {
    let mk = |secs: &str| Popen::spawn(Command::new("sleep").arg(secs)).unwrap();
    let a = mk("0.2");
    let b = mk("0.6");
    let c = mk("30");
    let _g = (
        Guard::adopt(a.pid()),
        Guard::adopt(b.pid()),
        Guard::adopt(c.pid()),
    );
    let procs = vec![
        a.process().clone(),
        b.process().clone(),
        c.process().clone(),
    ];
    let mut called: Vec<(u32, Option<ExitCode>)> = Vec::new();
    let mut cb = |p: &Process, code: Option<ExitCode>| called.push((p.pid(), code));
    let t = Instant::now();
    let (gone, alive) =
        rpsutil::wait_procs(&procs, Some(Duration::from_secs(2)), Some(&mut cb)).unwrap();
    let took = t.elapsed();
    // The timeout bounds the call (plus the last zero-wait pass).
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(4),
        "{took:?}"
    );
    let gone_pids: BTreeSet<u32> = gone.iter().map(|(p, _)| p.pid()).collect();
    assert_eq!(gone_pids, [a.pid(), b.pid()].into_iter().collect());
    assert!(gone.iter().all(|(_, c)| *c == Some(ExitCode::Exited(0))));
    assert_eq!(alive.iter().map(|p| p.pid()).collect::<Vec<_>>(), [c.pid()]);
    called.sort_unstable_by_key(|x| x.0);
    let mut want = vec![
        (a.pid(), Some(ExitCode::Exited(0))),
        (b.pid(), Some(ExitCode::Exited(0))),
    ];
    want.sort_unstable_by_key(|x| x.0);
    assert_eq!(called, want, "callback once per gone process");
}

// ------------------------------------------------------- oneshot, as_dict

#[test]
fn oneshot_values_equal_plain_values() {
    let g = stopped();
    let proc_ = p(g.pid);
    let read = || {
        (
            proc_.name().unwrap(),
            proc_.ppid().unwrap(),
            proc_.cpu_times().unwrap(),
            proc_.memory_info().unwrap(),
            proc_.uids().unwrap(),
            proc_.status().unwrap(),
            proc_.num_ctx_switches().unwrap(),
            proc_.cmdline().unwrap(),
            proc_.memory_maps().unwrap().len(),
        )
    };
    let inside = proc_.oneshot(read);
    let outside = read();
    assert_eq!(inside, outside);
}

/// psutil 7.2.2's `Process().as_dict().keys()` on Linux.
const PSUTIL_KEYS: [&str; 30] = [
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
];

#[test]
fn as_dict_has_psutils_keys() {
    let me = Process::current().unwrap();
    let v = serde_json::to_value(me.as_dict(&[]).unwrap()).unwrap();
    let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, PSUTIL_KEYS.into_iter().collect());
    assert_eq!(v["pid"], std::process::id());
    assert_eq!(v["memory_info"].as_object().unwrap().len(), 7);
    assert_eq!(v["memory_full_info"].as_object().unwrap().len(), 10);
    assert_eq!(v["cpu_times"].as_object().unwrap().len(), 5);
    let sub = serde_json::to_value(me.as_dict(&[Attr::Name, Attr::Pid]).unwrap()).unwrap();
    let keys: HashSet<&str> = sub
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["name", "pid"].into_iter().collect());
}

// ------------------------------------------------------------------ zombie

#[test]
fn zombie_errors_and_values() {
    let (g, z) = zombie();
    let proc_ = p(z);
    assert_zombie(proc_.cmdline());
    assert_zombie(proc_.exe());
    assert_zombie(proc_.cwd());
    assert_zombie(proc_.environ());
    assert_zombie(proc_.memory_maps());
    assert_eq!(proc_.name().unwrap(), "sleep");
    assert_eq!(proc_.status().unwrap(), Status::Zombie);
    assert_eq!(proc_.ppid().unwrap(), g.pid);
    let t = proc_.cpu_times().unwrap();
    assert!(t.user >= 0.0 && t.system >= 0.0);
    let m = proc_.memory_info().unwrap();
    assert_eq!((m.rss, m.vms), (0, 0));
    assert!(proc_.is_running());
    assert!(rpsutil::pid_exists(z));
    assert_eq!(proc_.num_fds().unwrap(), 0);
    assert!(proc_.open_files().unwrap().is_empty());
    assert!(proc_.net_connections(ConnKind::All).unwrap().is_empty());
    assert_eq!(proc_.num_threads().unwrap(), 1);
    assert_eq!(proc_.uids().unwrap().real, 0);
    // as_dict: the zombie fields are null, the others are there.
    let v = serde_json::to_value(proc_.as_dict(&[]).unwrap()).unwrap();
    for k in ["cmdline", "exe", "cwd", "environ", "memory_maps"] {
        assert!(v[k].is_null(), "{k}: {}", v[k]);
    }
    assert_eq!(v["status"], "zombie");
    assert_eq!(v["name"], "sleep");
    // The parent sees the zombie among its children.
    let kids: Vec<u32> = p(g.pid)
        .children(false)
        .unwrap()
        .iter()
        .map(|c| c.pid())
        .collect();
    assert_eq!(kids, [z]);
}
