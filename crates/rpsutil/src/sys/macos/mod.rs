//! The macOS backend: `sysctl(3)` (`KERN_PROC`, `KERN_PROCARGS2`, `hw.*`,
//! `vm.swapusage`, `NET_RT_IFLIST2`), `libproc` (`proc_pidinfo`,
//! `proc_pidfdinfo`, `proc_pidpath`), the Mach host statistics and the POSIX calls
//! psutil 7.2.2 makes on macOS (`_psosx.py`, `arch/osx/*`). The raw kernel
//! structures are decoded by `rpsutil_parse::macos` (unit-tested on Linux).
//!
//! IOKit and CoreFoundation (disk I/O counters, the battery, the arm64 CPU
//! frequency) are bound by hand in `iokit` only; the Mach VM calls of the USS
//! in `mach`.
//!
//! Type-checked and unit-tested on Linux only; never run on macOS.

pub(crate) use crate::sys::unsupported::*;

mod disk;
mod ffi;
mod files;
mod iokit;
#[allow(deprecated)]
mod mach;
mod netif;
// The libc crate marks its Mach declarations (`mach_host_self`,
// `mach_timebase_info`, ...) deprecated in favour of the `mach2` crate; they are
// still the system's declarations, and using them avoids a dependency.
#[allow(deprecated)]
mod process;
mod signals;
#[allow(deprecated)]
mod system;

pub(crate) use crate::sys::posix::ifaddrs::net_if_addrs;
pub(crate) use disk::{disk_io_counters, disk_partitions, disk_usage};
pub(crate) use files::{net_connections, num_fds, open_files, system_connections};
pub(crate) use netif::{net_if_stats, net_io_counters};
pub(crate) use process::{
    cmdline, cpu_times, create_time, cwd, environ, exe, gids, identity, memory_full_info,
    memory_info, name, nice, num_ctx_switches, num_threads, ppid, ppid_map, same_process, status,
    terminal, threads, translate, uids, username, Handle, Proc, RawCache,
};
pub(crate) use signals::{kill, resume, send_signal, suspend, terminate, wait};
pub(crate) use system::{
    boot_time, cpu_count_cores, cpu_count_logical, cpu_freq_percpu, cpu_stats, heap_info,
    heap_trim, pid_exists, pids, sensors_battery, swap_memory, system_cpu_times,
    system_cpu_times_percpu, total_memory, users, virtual_memory,
};

pub(crate) use crate::sys::posix::{getloadavg, set_nice};

/// psutil completes names of 15+ characters from `argv[0]` (`p_comm` holds 16).
pub(crate) const TRUNCATED_NAME_FIXUP: bool = true;

/// Whether this backend has written psutil's function (`cpu_times`) or method
/// (`Process.cpu_times`) `name`: all of psutil's for this OS are (the per-OS list
/// is `crate::capabilities::PSUTIL`, which `available` also consults).
pub(crate) fn implements(_name: &str) -> bool {
    true
}
