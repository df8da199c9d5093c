//! The named values the contract passes between the public layer and a backend that
//! are not psutil types (those are in `crate::types`).

use crate::types::disk::DiskIoCounters;
use crate::types::net::NetIoCounters;
use crate::types::process::Pid;

/// What tells a process apart from every other that had or will have its pid:
/// opaque to the public layer, checked by the backend's `same_process`.
///
/// `start` is the start time in the OS's finest unit (Linux: clock ticks after boot;
/// Windows: the FILETIME creation time), psutil's identity. `exact`, where the OS
/// has one, is a number unique to the process for the life of the system (Linux 6.9+:
/// the pidfs inode); with it, a pid reused within the same start-time unit is still
/// told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Identity {
    start: u64,
    exact: Option<u64>,
}

impl Identity {
    /// An identity from the start time and, where the OS has one, a unique number.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub(crate) fn new(start: u64, exact: Option<u64>) -> Identity {
        Identity { start, exact }
    }

    /// The start time in the backend's unit.
    pub(crate) fn start(&self) -> u64 {
        self.start
    }

    /// The unique number, None where the OS has none.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub(crate) fn exact(&self) -> Option<u64> {
        self.exact
    }
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
