//! The Solaris / illumos backend (psutil's SunOS: `_pssunos.py`,
//! `_psutil_sunos.c`, `arch/sunos/*`): the binary `/proc/PID` files (under the
//! settable procfs root, psutil's `PROCFS_PATH`) decoded by
//! `rpsutil_parse::sunos`, libkstat for CPU, disk and NIC counters, `swapctl`,
//! `/etc/mnttab`, utmpx, and the shared POSIX code (`statvfs`, `getifaddrs`,
//! signals, `setpriority`, `getloadavg`).
//!
//! Type-checked for `x86_64-unknown-illumos` and `x86_64-pc-solaris` and
//! unit-tested on Linux through its pure parsers; never run on the real system.
//! `net_connections` (system-wide and per process) reads the TCP/UDP MIB2 tables
//! of `/dev/arp` over STREAMS, plus `pfiles` for a process's UNIX sockets.
//!
//! Every `unsafe` block of this backend is in `kstat.rs`, `memory.rs`
//! (`swapctl`), `net.rs` (interface ioctls), `conns.rs` (`putmsg`/`getmsg`),
//! `host.rs` (utmpx) and `cpu.rs` (`sysconf`), each with its `// SAFETY:` reason;
//! each hand-declared structure carries compile-time size and offset assertions.

// Everything not written answers Unsupported.
pub(crate) use crate::sys::unsupported::*;

mod conns;
mod cpu;
mod disk;
mod handle;
mod host;
mod kstat;
mod memory;
mod net;
mod procargs;
mod process;

pub(crate) use conns::{net_connections, system_connections};
pub(crate) use cpu::{
    cpu_count_cores, cpu_count_logical, cpu_stats, system_cpu_times, system_cpu_times_percpu,
};
pub(crate) use disk::{disk_io_counters, disk_partitions, disk_usage};
pub(crate) use handle::{
    identity, kill, pid_exists, resume, same_process, send_signal, suspend, terminate, translate,
    wait, Handle, Proc, RawCache,
};
pub(crate) use host::{boot_time, users};
pub(crate) use memory::{swap_memory, total_memory, virtual_memory};
pub(crate) use net::{net_if_addrs, net_if_stats, net_io_counters};
pub(crate) use process::{
    cmdline, cpu_num, cpu_times, create_time, cwd, environ, exe, gids, memory_full_info,
    memory_info, memory_maps, name, nice, num_ctx_switches, num_fds, num_threads, open_files, pids,
    ppid, ppid_map, set_nice, status, terminal, threads, uids, username,
};

pub(crate) use crate::sys::posix::getloadavg;
// A scan reads each process's files anyway: nothing is worth reading ahead.
pub(crate) use crate::sys::unsupported::Scan;

/// psutil completes 15-character names from `argv[0]` on POSIX (`pr_fname` holds
/// at most `PRFNSZ - 1` = 15 bytes).
pub(crate) const TRUNCATED_NAME_FIXUP: bool = true;

/// Whether this backend has written psutil's function (`cpu_times`) or method
/// (`Process.cpu_times`) `name`: all of psutil's for this OS are (the per-OS list
/// is `crate::capabilities::PSUTIL`, which `available` also consults).
pub(crate) fn implements(_name: &str) -> bool {
    true
}

/// psutil's SunOS has no resource limits (`rlimit` is not available there).
pub(crate) fn rlimit_raw(_r: crate::types::process::Resource) -> Option<i32> {
    None
}

/// The offsets `rpsutil_parse::sunos::procfs` uses for `lwpstatus_t` and
/// `pstatus_t` follow from these libc types' sizes for this target (`siginfo_t`
/// 256, `struct sigaction` 32, `stack_t` 24, `sigset_t` 16, `timespec` 16): if
/// libc disagrees, the layouts were computed wrongly.
mod layout_checks {
    use std::mem::size_of;
    const _: () = assert!(size_of::<libc::siginfo_t>() == 256);
    const _: () = assert!(size_of::<libc::sigaction>() == 32);
    const _: () = assert!(size_of::<libc::stack_t>() == 24);
    const _: () = assert!(size_of::<libc::sigset_t>() == 16);
    const _: () = assert!(size_of::<libc::timespec>() == 16);
    const _: () = assert!(size_of::<libc::dev_t>() == 8);
    const _: () = assert!(size_of::<libc::id_t>() == 4);
}

/// Run on the real system only (type-checked here): the availability list agrees
/// with psutil's SunOS column, and the test's own process and the system read
/// back plausible values.
#[cfg(test)]
mod tests {
    use crate::capabilities::{Kind, PSUTIL};
    use crate::types::fields::Os;

    #[test]
    fn implements_only_what_psutil_has_on_sunos() {
        for c in PSUTIL {
            let name = match c.kind {
                Kind::Method => format!("Process.{}", c.name),
                Kind::Function | Kind::Constant => c.name.to_string(),
            };
            if super::implements(&name) {
                assert!(c.in_psutil(Os::Sunos), "{name} is not psutil's on SunOS");
            }
        }
    }

    #[test]
    fn own_process() {
        let me = crate::Process::current().expect("current");
        assert_eq!(me.pid(), std::process::id());
        assert_eq!(
            me.ppid().expect("ppid"),
            std::os::unix::process::parent_id()
        );
        assert!(!me.cmdline().expect("cmdline").is_empty());
        assert!(me.create_time().expect("create_time") > 0.0);
        assert!(me.memory_info().expect("memory_info").rss > 0);
        assert!(me.num_threads().expect("num_threads") >= 1);
        assert!(!me.threads().expect("threads").is_empty());
        let uids = me.uids().expect("uids");
        // SAFETY: getuid has no preconditions.
        assert_eq!(uids.real, unsafe { libc::getuid() });
        let nice = me.nice().expect("nice");
        assert!((-20..=19).contains(&nice), "{nice}");
        assert!(!me.exe().expect("exe").as_os_str().is_empty());
        assert!(me.memory_maps_ext().expect("memory_maps").len() > 1);
        assert!(me.cpu_times().expect("cpu_times").user >= 0.0);
    }

    #[test]
    fn system() {
        let pids = crate::pids().expect("pids");
        assert!(pids.contains(&std::process::id()));
        let t = crate::cpu_times().expect("cpu_times");
        assert!(t.idle > 0.0 && t.iowait.is_some());
        let n = crate::cpu_count(true).expect("cpu_count").expect("some");
        assert_eq!(crate::cpu_times_percpu().expect("percpu").len(), n as usize);
        let vm = crate::virtual_memory().expect("virtual_memory");
        assert!(vm.total > 0 && vm.free <= vm.total);
        crate::swap_memory().expect("swap_memory");
        assert!(crate::boot_time().expect("boot_time") > 1e9);
        assert!(!crate::disk_partitions(false)
            .expect("partitions")
            .is_empty());
        crate::disk_io_counters(true).expect("disk_io");
        crate::net_io_counters(true).expect("net_io");
        assert!(crate::net_if_stats().expect("if_stats").contains_key("lo0"));
        crate::users().expect("users");
    }

    /// A listening socket of this process shows up system-wide (with this pid) and
    /// per process; without privileges the MIB2 request is AccessDenied, as psutil.
    #[test]
    fn connections() {
        use crate::{Address, ConnKind, ConnStatus, Error};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mine = |laddr: &Address| matches!(laddr, Address::Inet { port: p, .. } if *p == port);
        match crate::net_connections(ConnKind::Tcp4, true) {
            Err(Error::AccessDenied { .. }) => return,
            Err(e) => panic!("net_connections: {e}"),
            Ok(all) => {
                let c = all.iter().find(|c| mine(&c.laddr)).expect("our listener");
                assert_eq!(c.pid, Some(std::process::id()));
                assert_eq!(c.status, ConnStatus::Listen);
                assert_eq!(c.fd, -1);
            }
        }
        let me = crate::Process::current().expect("current");
        let own = me
            .net_connections(ConnKind::Inet)
            .expect("Process.net_connections");
        assert!(own.iter().any(|c| mine(&c.laddr)));
        assert!(matches!(
            me.net_connections(ConnKind::Unix),
            Err(Error::InvalidInput { .. })
        ));
        me.net_connections(ConnKind::All)
            .expect("kind all (pfiles)");
    }
}
