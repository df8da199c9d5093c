//! The Windows backend: the Win32/NT calls psutil 7.2.2 makes, through
//! `windows-sys`. It starts from the Unsupported defaults and re-exports by name
//! what is written (a named import shadows the glob): the system-wide functions
//! for now; the per-process ones still answer Unsupported.
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
mod host;
mod loadavg;
mod maps;
mod memory;
mod net;
mod pdh;
mod peb;
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
pub(crate) use host::boot_time;
pub(crate) use loadavg::getloadavg;
pub(crate) use maps::{memory_full_info, memory_maps};
pub(crate) use memory::{swap_memory, total_memory, virtual_memory};
pub(crate) use net::{net_if_addrs, net_if_stats, net_io_counters};
pub(crate) use peb::{cmdline, cwd, environ};
pub(crate) use process::{pid_exists, pids, ppid_map};
pub(crate) use sensors::sensors_battery;
pub(crate) use services::{win_service_get, win_service_iter};
pub(crate) use socks::system_connections;
pub(crate) use users::users;

/// The psutil functions this backend has written (for `crate::capabilities`); the
/// `Process` methods (`Process.<name>`) are not written yet.
pub(crate) fn implements(name: &str) -> bool {
    matches!(
        name,
        "pids"
            | "pid_exists"
            | "cpu_times"
            | "cpu_percent"
            | "cpu_times_percent"
            | "cpu_count"
            | "cpu_stats"
            | "cpu_freq"
            | "getloadavg"
            | "virtual_memory"
            | "swap_memory"
            | "disk_partitions"
            | "disk_usage"
            | "disk_io_counters"
            | "net_io_counters"
            | "net_connections"
            | "net_if_addrs"
            | "net_if_stats"
            | "sensors_battery"
            | "boot_time"
            | "users"
            | "win_service_iter"
            | "win_service_get"
    )
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
    fn process_calls_are_still_unsupported() {
        unsupported(Process::current());
        unsupported(Process::new(std::process::id()));
        unsupported(process_iter());
        unsupported(sensors_temperatures(false));
        unsupported(sensors_fans());
        unsupported(heap_info());
        assert!(Resource::available().is_empty());
        // The written system calls answer.
        assert!(pids().is_ok() && cpu_times().is_ok() && virtual_memory().is_ok());
        assert!(pid_exists(std::process::id()));
        assert_eq!(AddressFamily::Inet6.as_raw(), 23);
        assert_eq!(AddressFamily::Link.as_raw(), -1);
    }
}
