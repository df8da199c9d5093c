//! The Windows backend: the Win32/NT calls psutil 7.2.2 makes, through
//! `windows-sys`. It starts from the Unsupported defaults and re-exports by name
//! what is written (a named import shadows the glob): the system-wide functions
//! and the per-process core (`handle.rs`: the held process handle, identity and
//! error translation; `proc_info.rs`: the getters and setters; `proc_ctl.rs`:
//! signals and `wait`; `peb.rs`: cmdline, cwd, environ; `maps.rs`:
//! memory_full_info, memory_maps; `files.rs`: open_files, net_connections;
//! `services.rs`: Windows services). What is not written still answers
//! Unsupported.
//!
//! Every `unsafe` block of the crate's Windows code lives here, each with its
//! `// SAFETY:` reason; OS buffers are read with `read_unaligned` and grown on
//! `ERROR_INSUFFICIENT_BUFFER` / `STATUS_INFO_LENGTH_MISMATCH`. The tests run
//! under Wine (CI) and compare with the Linux host's truth read through `Z:\`
//! (`wine.rs`); each file names the Wine 8 gaps its tests work around.

pub(crate) use crate::sys::unsupported::*;

mod cpu;
mod disk;
mod errors;
mod files;
mod handle;
mod heap;
mod host;
mod loadavg;
mod maps;
mod memory;
mod net;
mod pdh;
mod peb;
mod proc_ctl;
mod proc_info;
mod process;
mod sensors;
mod services;
mod socks;
mod users;
mod util;
#[cfg(test)]
mod wine;

pub(crate) use cpu::{
    cpu_count_cores, cpu_count_logical, cpu_freq_percpu, cpu_stats, system_cpu_times,
    system_cpu_times_percpu,
};
pub(crate) use disk::{disk_io_counters, disk_partitions, disk_usage};
pub(crate) use files::{net_connections, open_files};
pub(crate) use handle::{identity, same_process, translate, Handle, Proc, RawCache, Scan};
pub(crate) use heap::{heap_info, heap_trim};
pub(crate) use host::boot_time;
pub(crate) use loadavg::getloadavg;
pub(crate) use maps::{memory_full_info, memory_maps};
pub(crate) use memory::{swap_memory, total_memory, virtual_memory};
pub(crate) use net::{net_if_addrs, net_if_stats, net_io_counters};
pub(crate) use peb::{cmdline, cwd, environ};
pub(crate) use proc_ctl::{kill, resume, send_signal, suspend, terminate, wait};
pub(crate) use proc_info::{
    cpu_affinity, cpu_times, create_time, exe, io_counters, ionice, memory_info, name, nice,
    num_ctx_switches, num_handles, num_threads, ppid, set_cpu_affinity, set_ionice, set_nice,
    status, threads, username,
};
pub(crate) use process::{pid_exists, pids, ppid_map};
pub(crate) use sensors::sensors_battery;
pub(crate) use services::{win_service_get, win_service_iter};
pub(crate) use socks::system_connections;
pub(crate) use users::users;

/// Whether this backend has written psutil's function (`cpu_times`) or method
/// (`Process.cpu_times`) `name`: all of psutil's for this OS are (the per-OS list
/// is `crate::capabilities::PSUTIL`, which `available` also consults).
pub(crate) fn implements(_name: &str) -> bool {
    true
}

#[cfg(test)]
mod tests {
    //! What the Windows backend does not have yet answers Unsupported, without
    //! panicking; the written functions have their tests in their files.
    use crate::*;

    fn unsupported<T: std::fmt::Debug>(r: Result<T>) {
        match r {
            Err(Error::Unsupported { .. }) => {}
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }

    #[test]
    fn unwritten_calls_are_still_unsupported() {
        let me = Process::current().expect("Process::current");
        unsupported(me.uids());
        unsupported(me.num_fds());
        unsupported(me.rlimit(Resource::Nofile));
        unsupported(sensors_temperatures(false));
        unsupported(sensors_fans());
        // psutil has no uids/num_fds/rlimit/temperatures/fans on Windows.
        assert!(Resource::available().is_empty());
        // The written system calls answer.
        assert!(pids().is_ok() && cpu_times().is_ok() && virtual_memory().is_ok());
        assert!(pid_exists(std::process::id()));
        assert_eq!(AddressFamily::Inet6.as_raw(), 23);
        assert_eq!(AddressFamily::Link.as_raw(), -1);
    }
}
