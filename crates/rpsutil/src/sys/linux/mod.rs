//! The Linux backend: reads `/proc` (under the settable root), calls the parsers of
//! `rpsutil-parse`, and makes the few syscalls psutil makes (`prlimit`,
//! `ioprio_get/set`, `sched_{get,set}affinity`, `pidfd_open`, `pidfd_send_signal`).

mod cpu;
mod disk;
mod errors;
mod fd_dir;
mod files;
mod heap;
mod host;
mod memory;
mod net;
mod netif;
mod process;
mod sched;
mod sensors;
mod signals;
mod sock_diag;
mod socket;
mod system;
mod terminal;

use std::path::Path;
use std::sync::Arc;

pub(crate) use cpu::{
    cpu_count_cores, cpu_count_logical, cpu_freq_percpu, cpu_stats, system_cpu_times,
    system_cpu_times_percpu,
};
pub(crate) use disk::{disk_io_counters, disk_partitions, disk_usage};
pub(crate) use errors::translate;
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
pub(crate) use sched::{cpu_affinity, ionice, rlimit, set_cpu_affinity, set_ionice, set_rlimit};
pub(crate) use sensors::{sensors_battery, sensors_fans, sensors_temperatures};
pub(crate) use signals::{identity, kill, resume, send_signal, suspend, terminate, wait, Identity};
pub(crate) use system::total_memory;

pub(crate) use crate::sys::posix::{getloadavg, set_nice};
// Windows-only in psutil.
pub(crate) use crate::sys::unsupported::num_handles;

use crate::types::process::{Pid, Resource};

/// The Linux per-process context: the procfs root the handle was made with (a
/// `Process` keeps its root when `set_procfs_path` changes it later, as psutil's).
#[derive(Debug)]
pub(crate) struct Handle {
    pub(crate) root: Arc<Path>,
}

impl Handle {
    /// Takes the current procfs root; nothing is opened.
    pub(crate) fn open(_pid: Pid) -> crate::Result<Handle> {
        Ok(Handle {
            root: crate::sys::procfs_root(),
        })
    }
}

pub(crate) use process::RawCache;

/// psutil completes 15-character names from `argv[0]` on POSIX (`TASK_COMM_LEN`).
pub(crate) const TRUNCATED_NAME_FIXUP: bool = true;

/// The kernel's number for a resource, None for resources Linux lacks.
pub(crate) fn rlimit_raw(r: Resource) -> Option<i32> {
    // The libc constants' integer type differs between glibc and musl; every value
    // is a small non-negative number.
    Some(match r {
        Resource::As => libc::RLIMIT_AS as i32,
        Resource::Core => libc::RLIMIT_CORE as i32,
        Resource::Cpu => libc::RLIMIT_CPU as i32,
        Resource::Data => libc::RLIMIT_DATA as i32,
        Resource::Fsize => libc::RLIMIT_FSIZE as i32,
        Resource::Locks => libc::RLIMIT_LOCKS as i32,
        Resource::Memlock => libc::RLIMIT_MEMLOCK as i32,
        Resource::Msgqueue => libc::RLIMIT_MSGQUEUE as i32,
        Resource::Nice => libc::RLIMIT_NICE as i32,
        Resource::Nofile => libc::RLIMIT_NOFILE as i32,
        Resource::Nproc => libc::RLIMIT_NPROC as i32,
        Resource::Rss => libc::RLIMIT_RSS as i32,
        Resource::Rtprio => libc::RLIMIT_RTPRIO as i32,
        Resource::Rttime => libc::RLIMIT_RTTIME as i32,
        Resource::Sigpending => libc::RLIMIT_SIGPENDING as i32,
        Resource::Stack => libc::RLIMIT_STACK as i32,
        Resource::Swap | Resource::Sbsize | Resource::Npts => return None,
    })
}

/// `O_APPEND` for the file-mode rule.
pub(crate) const O_APPEND: i32 = libc::O_APPEND;
