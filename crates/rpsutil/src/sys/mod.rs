//! The backends, one per OS, behind one contract ([`contract`]), and the settable
//! `/proc` and `/sys` roots.
//!
//! `sys::imp` is the backend of the OS being built: `linux`, `windows` (system-wide
//! functions so far), or `unsupported` (every call answers `Unsupported`) where none
//! is written yet. The public layer (`process`,
//! `cpu`, `net`...) calls only `imp::*` functions listed in `contract.rs`, with the
//! named structs defined here; backends depend on `crate::types`, never on the
//! public facades. `posix` holds what every POSIX backend shares.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use crate::types::disk::DiskIoCounters;
use crate::types::net::NetIoCounters;
use crate::types::process::Pid;
use crate::Result;

pub(crate) mod contract;

// Shared POSIX code (waits, kill, priority, statvfs, getifaddrs, users, terminals).
#[cfg(unix)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) mod posix;

// The defaults every backend starts from; the backend itself where none is written.
#[cfg_attr(any(target_os = "linux", windows), allow(dead_code))]
pub(crate) mod unsupported;

#[cfg(target_os = "linux")]
pub(crate) mod linux;
#[cfg(target_os = "linux")]
pub(crate) use linux as imp;

#[cfg(windows)]
pub(crate) mod windows;
#[cfg(windows)]
pub(crate) use windows as imp;

#[cfg(not(any(target_os = "linux", windows)))]
pub(crate) use unsupported as imp;

/// One process as a backend call sees it: the pid, the backend's per-process context
/// (made once per `Process` by `imp::Handle::open`), and the `oneshot` cache while
/// one is active. Every per-process function of the contract takes `&mut Proc`.
// The Windows backend has no per-process function yet.
#[cfg_attr(windows, allow(dead_code))]
pub(crate) struct Proc<'a> {
    /// The process id.
    pub(crate) pid: Pid,
    /// The backend's context for this process.
    pub(crate) handle: &'a imp::Handle,
    /// The raw records cached by an active `oneshot`, None outside one.
    pub(crate) cache: Option<&'a mut imp::RawCache>,
}

/// One row of `ppid_map`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PpidEntry {
    /// The process.
    pub(crate) pid: Pid,
    /// Its parent's pid (0 when none).
    pub(crate) ppid: Pid,
    /// Its creation time, epoch seconds (children started before their parent
    /// belong to a reused ppid).
    pub(crate) create_time: f64,
}

/// One disk of `disk_io_counters`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DiskIoEntry {
    /// The device name (`sda`, `nvme0n1p1`, `PhysicalDrive0`).
    pub(crate) name: String,
    /// Its counters.
    pub(crate) counters: DiskIoCounters,
    /// True for a whole storage device (summed by `disk_io_counters()`), false for
    /// partitions and other views of a device (psutil sums whole disks only).
    pub(crate) is_storage_device: bool,
}

/// One NIC of `net_io_counters`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NicIoEntry {
    /// The NIC name.
    pub(crate) name: String,
    /// Its counters.
    pub(crate) counters: NetIoCounters,
}

/// `disk_usage` before the percent is computed, bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DiskUsageRaw {
    /// Total size.
    pub(crate) total: u64,
    /// Used (`total - free` as the file system counts it).
    pub(crate) used: u64,
    /// Available to unprivileged users.
    pub(crate) free: u64,
}

/// The 1, 5 and 15 minute load averages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LoadAvg {
    /// Over one minute.
    pub(crate) one: f64,
    /// Over five minutes.
    pub(crate) five: f64,
    /// Over fifteen minutes.
    pub(crate) fifteen: f64,
}

/// Values that cannot change while the program runs, read once: the only
/// process-lifetime caches of the library (psutil caches the same ones).
pub(crate) mod cache {
    use super::*;

    /// Boot time for processes' `create_time` (psutil re-reads it, but it only moves
    /// when the wall clock is stepped). `crate::boot_time()` reads it fresh.
    // Unused until the Windows backend has process functions.
    #[cfg_attr(windows, allow(dead_code))]
    pub(crate) fn boot_time() -> Result<f64> {
        static BOOT: OnceLock<f64> = OnceLock::new();
        if let Some(b) = BOOT.get() {
            return Ok(*b);
        }
        let b = imp::boot_time()?;
        Ok(*BOOT.get_or_init(|| b))
    }

    /// Total physical memory, for `memory_percent`.
    pub(crate) fn total_memory() -> Result<u64> {
        static TOTAL: OnceLock<u64> = OnceLock::new();
        if let Some(t) = TOTAL.get() {
            return Ok(*t);
        }
        let t = imp::total_memory()?;
        Ok(*TOTAL.get_or_init(|| t))
    }
}

static PROCFS_ROOT: RwLock<Option<Arc<Path>>> = RwLock::new(None);
static SYSFS_ROOT: RwLock<Option<Arc<Path>>> = RwLock::new(None);

fn read_root(lock: &RwLock<Option<Arc<Path>>>, default: &str) -> Arc<Path> {
    let guard = lock.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    match &*guard {
        Some(p) => Arc::clone(p),
        None => Arc::from(Path::new(default)),
    }
}

fn write_root(lock: &RwLock<Option<Arc<Path>>>, path: impl Into<PathBuf>) {
    let mut guard = lock
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = Some(Arc::from(path.into().into_boxed_path()));
}

/// The root of the proc filesystem, `/proc` unless [`set_procfs_path`] changed it
/// (psutil's `PROCFS_PATH`). Used on Linux (and later Solaris/AIX).
pub fn procfs_path() -> PathBuf {
    read_root(&PROCFS_ROOT, "/proc").to_path_buf()
}

/// Sets the root of the proc filesystem for every later call, e.g. a host's /proc
/// mounted in a container, or a fixture tree in tests. A [`crate::Process`] keeps the
/// root it was created with, as psutil's does.
///
/// ```
/// rpsutil::set_procfs_path("/proc");
/// assert_eq!(rpsutil::procfs_path(), std::path::PathBuf::from("/proc"));
/// ```
pub fn set_procfs_path(path: impl Into<PathBuf>) {
    write_root(&PROCFS_ROOT, path)
}

/// The root of sysfs, `/sys` unless [`set_sysfs_path`] changed it.
pub fn sysfs_path() -> PathBuf {
    read_root(&SYSFS_ROOT, "/sys").to_path_buf()
}

/// Sets the root of sysfs for every later call.
pub fn set_sysfs_path(path: impl Into<PathBuf>) {
    write_root(&SYSFS_ROOT, path)
}

#[cfg_attr(windows, allow(dead_code))]
pub(crate) fn procfs_root() -> Arc<Path> {
    read_root(&PROCFS_ROOT, "/proc")
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) fn sysfs_root() -> Arc<Path> {
    read_root(&SYSFS_ROOT, "/sys")
}
