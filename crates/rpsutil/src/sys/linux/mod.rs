//! The Linux backend: reads `/proc` (under the settable root), calls the parsers of
//! `rpsutil-parse`, and makes the few syscalls psutil makes (`prlimit`,
//! `ioprio_get/set`, `sched_{get,set}affinity`, `pidfd_open`, `pidfd_send_signal`).

mod cpu;
mod disk;
mod errors;
mod fd_dir;
mod files;
mod handle;
mod heap;
mod host;
mod memory;
mod net;
mod netif;
mod netlink;
mod process;
mod sched;
mod sensors;
mod signals;
mod sock_diag;
mod socket;
mod system;
pub(crate) mod taskstats;
mod terminal;

pub(crate) use cpu::{
    cpu_count_cores, cpu_count_logical, cpu_freq_percpu, cpu_stats, system_cpu_times,
    system_cpu_times_percpu,
};
pub(crate) use disk::{disk_io_counters, disk_partitions, disk_usage};
pub(crate) use heap::{heap_info, heap_trim};
pub(crate) use host::{boot_time, users, users_from};
pub(crate) use memory::{swap_memory, virtual_memory};
pub(crate) use net::{net_connections, system_connections};
pub(crate) use netif::{net_if_addrs, net_if_stats, net_io_counters};
pub(crate) use process::{
    cmdline, cpu_num, cpu_times, create_time, cwd, environ, exe, gids, io_counters,
    memory_full_info, memory_info, memory_maps, name, nice, num_ctx_switches, num_fds, num_threads,
    open_files, pid_exists, pids, ppid, ppid_map, status, terminal, threads, uids, username,
};
pub(crate) use sched::{
    cpu_affinity, ionice, rlimit, rlimit_raw, set_cpu_affinity, set_ionice, set_rlimit,
};
pub(crate) use sensors::{sensors_battery, sensors_fans, sensors_temperatures};
pub(crate) use signals::{
    identity, kill, resume, same_process, send_signal, suspend, terminate, wait,
};
pub(crate) use system::total_memory;

pub(crate) use crate::sys::posix::{getloadavg, set_nice};
// Windows-only in psutil.
pub(crate) use crate::sys::unsupported::{num_handles, win_service_get, win_service_iter};

pub(crate) use handle::{Handle, Proc, RawCache};
// A scan reads each process's files anyway: nothing is worth reading ahead.
pub(crate) use crate::sys::unsupported::Scan;

/// The one error-translation point of the Linux backend (`errors::translate`).
pub(crate) fn translate(err: crate::Error, p: &mut Proc<'_>) -> crate::Error {
    errors::translate(err, p.pid, p.root())
}

/// Every function and method psutil has on Linux is implemented.
pub(crate) fn implements(_name: &str) -> bool {
    true
}

/// psutil completes 15-character names from `argv[0]` on POSIX (`TASK_COMM_LEN`).
pub(crate) const TRUNCATED_NAME_FIXUP: bool = true;
