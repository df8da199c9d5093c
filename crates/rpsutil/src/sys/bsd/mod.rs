//! The BSD backends: FreeBSD, OpenBSD and NetBSD, the calls psutil 7.2.2 makes
//! (`_psbsd.py`, `arch/bsd/*`, `arch/{freebsd,openbsd,netbsd}/*`), through `libc`.
//!
//! One module for what the three share (the `sysctl` helpers, the process record
//! and every method read from it, identity, signals, error translation, and the
//! system functions whose interface is common: boot time, CPU count, disk
//! partitions, routing-socket NIC counters, NIC addresses and flags, users) and
//! one submodule per OS (`freebsd.rs`, `openbsd.rs`, `netbsd.rs`) for the rest,
//! selected by `cfg`. The records' bytes are decoded by `rpsutil_parse::bsd` at
//! layouts taken here with `offset_of!` from `libc`'s declarations (the
//! [`fld!`] macro), so the decoders are tested on Linux and the layouts are
//! checked by the compiler for each target.
//!
//! Never run on the real systems: type-checked for x86_64 FreeBSD, OpenBSD and
//! NetBSD (see the README's platform table). Every `unsafe` block has its
//! `// SAFETY:` reason; hand-declared structs carry size and offset assertions
//! with the header they come from.

// Everything not written answers Unsupported; named imports below shadow the glob.
pub(crate) use crate::sys::unsupported::*;

/// The [`Field`](rpsutil_parse::bsd::layout::Field) (offset and width) of a
/// member of a C struct, from the struct's declaration: `fld!(libc::kinfo_proc,
/// ki_rusage.ru_utime.tv_sec)`.
macro_rules! fld {
    ($t:ty, $($f:ident).+) => {{
        const fn width<T, F>(_: fn(&T) -> &F) -> usize {
            ::std::mem::size_of::<F>()
        }
        ::rpsutil_parse::bsd::layout::Field::new(
            ::std::mem::offset_of!($t, $($f).+),
            width(|x: &$t| &x.$($f).+),
        )
    }};
}

/// The `ProcLayout` of OpenBSD's `struct kinfo_proc` and NetBSD's `struct
/// kinfo_proc2`: one record lineage (NetBSD's `kinfo_proc2` became OpenBSD's
/// `kinfo_proc`), with the same member names; they differ in the members given
/// here (`msize`, the thread count, the thread id).
#[cfg(any(target_os = "openbsd", target_os = "netbsd"))]
macro_rules! kinfo_proc2_layout {
    ($K:ty, msize: $msize:expr, nthreads: $nthreads:expr, tid: $tid:expr) => {
        ProcLayout {
            size: ::std::mem::size_of::<$K>(),
            pid: fld!($K, p_pid),
            ppid: fld!($K, p_ppid),
            stat: fld!($K, p_stat),
            flag: fld!($K, p_flag),
            uids: [fld!($K, p_ruid), fld!($K, p_uid), fld!($K, p_svuid)],
            gids: [
                fld!($K, p_rgid),
                Field::new(::std::mem::offset_of!($K, p_groups), 4),
                fld!($K, p_svgid),
            ],
            tdev: fld!($K, p_tdev),
            start: TimeField {
                sec: fld!($K, p_ustart_sec),
                usec: fld!($K, p_ustart_usec),
            },
            utime: TimeField {
                sec: fld!($K, p_uutime_sec),
                usec: fld!($K, p_uutime_usec),
            },
            stime: TimeField {
                sec: fld!($K, p_ustime_sec),
                usec: fld!($K, p_ustime_usec),
            },
            cutime: TimeField {
                sec: fld!($K, p_uctime_sec),
                usec: fld!($K, p_uctime_usec),
            },
            cstime: None,
            nvcsw: fld!($K, p_uru_nvcsw),
            nivcsw: fld!($K, p_uru_nivcsw),
            inblock: fld!($K, p_uru_inblock),
            oublock: fld!($K, p_uru_oublock),
            rssize: fld!($K, p_vm_rssize),
            vsize_bytes: None,
            tsize: fld!($K, p_vm_tsize),
            dsize: fld!($K, p_vm_dsize),
            ssize: fld!($K, p_vm_ssize),
            msize: $msize,
            oncpu: None,
            lastcpu: None,
            nthreads: $nthreads,
            tid: $tid,
            comm: fld!($K, p_comm),
        }
    };
}

mod connections;
#[cfg(any(target_os = "openbsd", target_os = "netbsd"))]
mod files;
mod netif;
mod process;
mod sysctl;
mod system;

#[cfg(target_os = "freebsd")]
mod freebsd;
#[cfg(target_os = "freebsd")]
use freebsd as os;
#[cfg(target_os = "netbsd")]
mod netbsd;
#[cfg(target_os = "netbsd")]
use netbsd as os;
#[cfg(target_os = "openbsd")]
mod openbsd;
#[cfg(target_os = "openbsd")]
use openbsd as os;

// System statistics of OpenBSD and NetBSD (memory, swap, cpu_stats, disk I/O),
// and the jemalloc heap of FreeBSD and NetBSD.
#[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
mod heap;
// net_if_stats with SIOCGIFMEDIA duplex and speed.
mod ifmedia;
#[cfg(target_os = "netbsd")]
mod netbsd_stats;
#[cfg(target_os = "netbsd")]
use netbsd_stats as stats;
#[cfg(target_os = "openbsd")]
mod openbsd_stats;
#[cfg(target_os = "openbsd")]
use openbsd_stats as stats;
#[cfg(any(target_os = "openbsd", target_os = "netbsd"))]
mod swapctl;
#[cfg(any(target_os = "openbsd", target_os = "netbsd"))]
mod uvm_records;

pub(crate) use crate::sys::posix::ifaddrs::net_if_addrs;
pub(crate) use connections::{net_connections, system_connections};
#[cfg(any(target_os = "openbsd", target_os = "netbsd"))]
pub(crate) use files::{num_fds, open_files};
pub(crate) use ifmedia::net_if_stats;
pub(crate) use netif::net_io_counters;
pub(crate) use os::{
    cmdline, cwd, exe, num_threads, system_cpu_times, system_cpu_times_percpu, threads,
};
pub(crate) use process::{
    cpu_times, create_time, environ, gids, identity, io_counters, kill, memory_full_info,
    memory_info, name, nice, num_ctx_switches, pid_exists, pids, ppid, ppid_map, resume,
    same_process, send_signal, status, suspend, terminal, terminate, translate, uids, username,
    wait, Handle, Proc, RawCache,
};
pub(crate) use system::{
    boot_time, cpu_count_cores, cpu_count_logical, disk_partitions, total_memory, users,
};

#[cfg(target_os = "freebsd")]
pub(crate) use freebsd::{
    cpu_affinity, cpu_freq_percpu, cpu_num, cpu_stats, disk_io_counters, memory_maps, num_fds,
    open_files, rlimit, rlimit_raw, sensors_battery, sensors_temperatures, set_cpu_affinity,
    set_rlimit, swap_memory, virtual_memory,
};

#[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
pub(crate) use heap::{heap_info, heap_trim};
#[cfg(target_os = "openbsd")]
pub(crate) use openbsd_stats::cpu_freq_percpu;
#[cfg(any(target_os = "openbsd", target_os = "netbsd"))]
pub(crate) use stats::{cpu_stats, disk_io_counters, swap_memory, virtual_memory};

pub(crate) use crate::sys::posix::statvfs::disk_usage;
pub(crate) use crate::sys::posix::{getloadavg, set_nice};
// A scan reads nothing ahead: each process's record is one sysctl.
pub(crate) use crate::sys::unsupported::Scan;

/// psutil completes 15-character names from `argv[0]` on POSIX (the BSDs keep
/// `MAXCOMLEN` = 19 characters, psutil applies the same rule).
pub(crate) const TRUNCATED_NAME_FIXUP: bool = true;

/// Whether this backend has written psutil's function (`cpu_times`) or method
/// (`Process.cpu_times`) `name`: on each of the three BSDs all of psutil's for that
/// OS are (the per-OS list is `crate::capabilities::PSUTIL`, which `available`
/// also consults).
pub(crate) fn implements(_name: &str) -> bool {
    true
}
