//! # rpsutil
//!
//! psutil's process and system information API, in Rust: processes (name, command
//! line, memory, CPU, files, sockets, threads, signals, priorities, limits) with
//! psutil 7.2.2's semantics, as a safe and fast library.
//!
//! ```
//! use rpsutil::{Attr, Process};
//!
//! # #[cfg(target_os = "linux")] {
//! // One process.
//! let me = Process::current().unwrap();
//! println!("{} uses {} bytes", me.name().unwrap(), me.memory_info().unwrap().rss);
//!
//! // Every process, reading only what is asked for.
//! for (p, info) in rpsutil::process_iter_attrs(&[Attr::Name, Attr::Username]).unwrap() {
//!     let _ = (p.pid(), info.name, info.username);
//! }
//! # }
//! ```
//!
//! Errors are psutil's exceptions as one enum, [`Error`]. On an OS without a backend
//! every call returns [`Error::Unsupported`]; see the README's platform table.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod capabilities;
pub(crate) mod common;
pub mod cpu;
pub mod disk;
mod error;
pub mod host;
pub mod memory;
pub mod net;
pub mod process;
pub mod sensors;
mod sys;
pub mod types;
pub mod winservice;

pub use cpu::{
    cpu_count, cpu_freq, cpu_freq_percpu, cpu_percent, cpu_percent_percpu, cpu_stats, cpu_times,
    cpu_times_percent, cpu_times_percent_percpu, cpu_times_percpu, CpuFreq, CpuSampler, CpuStats,
    SystemCpuTimes,
};
pub use disk::{
    disk_io_counters, disk_io_counters_cache_clear, disk_io_counters_perdisk, disk_partitions,
    disk_usage, DiskIoCounters, DiskPartition, DiskUsage,
};
pub use error::{Error, FieldError, Result};
pub use host::{boot_time, getloadavg, heap_info, heap_trim, users, users_from, HeapInfo, User};
/// The ordered map of the functions that return psutil's dicts keyed by NIC, disk
/// or sensor name (kept in the OS's order, as psutil's).
pub use indexmap::IndexMap;
pub use memory::{swap_memory, virtual_memory, SwapMemory, VirtualMemory};
pub use net::{
    net_connections, net_if_addrs, net_if_stats, net_io_counters, net_io_counters_cache_clear,
    net_io_counters_pernic, Address, AddressFamily, ConnKind, ConnStatus, Connection,
    NetIoCounters, NicAddr, NicDuplex, NicStats, SocketType, SystemConnection,
};
pub use process::iter_cache_clear as process_iter_cache_clear;
pub use process::{
    pid_exists, pids, process_iter, process_iter_attrs, wait_procs, Attr, CpuTimes, CtxSwitches,
    ExitCode, Field, Ids, IoCounters, IoNice, IoPriorityClass, MemType, MemoryFullInfo, MemoryInfo,
    MemoryMap, MemoryMapGrouped, OneshotGuard, OpenFile, Pid, Popen, Process, ProcessInfo,
    ProcessTable, Resource, Rlimit, Status, ThreadInfo, RLIM_INFINITY,
};
pub use sensors::{
    sensors_battery, sensors_fans, sensors_temperatures, Battery, BatteryTime, Fan, Temperature,
};
pub use sys::{procfs_path, set_procfs_path, set_sysfs_path, sysfs_path};
pub use winservice::{
    win_service_get, win_service_iter, ServiceStartType, ServiceStatus, WindowsService,
};

/// True on POSIX systems (everything but Windows).
pub const POSIX: bool = cfg!(unix);
/// True on Windows.
pub const WINDOWS: bool = cfg!(windows);
/// True on Linux.
pub const LINUX: bool = cfg!(target_os = "linux");
/// True on macOS.
pub const MACOS: bool = cfg!(target_os = "macos");
/// True on FreeBSD.
pub const FREEBSD: bool = cfg!(target_os = "freebsd");
/// True on OpenBSD.
pub const OPENBSD: bool = cfg!(target_os = "openbsd");
/// True on NetBSD.
pub const NETBSD: bool = cfg!(target_os = "netbsd");
/// True on any BSD.
pub const BSD: bool = FREEBSD || OPENBSD || NETBSD;
/// True on Solaris and illumos.
pub const SUNOS: bool = cfg!(any(target_os = "solaris", target_os = "illumos"));
/// True on AIX.
pub const AIX: bool = cfg!(target_os = "aix");

// The README's example is compiled and run as a doctest.
#[cfg(all(doctest, target_os = "linux"))]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
