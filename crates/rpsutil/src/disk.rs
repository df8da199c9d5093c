//! Disks: [`disk_partitions`], [`disk_usage`], [`disk_io_counters`].

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

use crate::common::percent::usage_percent;
use crate::common::wrap::WrapTracker;
use crate::sys::imp;
use crate::Result;

/// psutil's `sdiskpart`: one mounted file system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DiskPartition {
    /// The device (`/dev/sda1`), or `""` for `none`.
    pub device: String,
    /// Where it is mounted.
    pub mountpoint: String,
    /// File-system type (`ext4`, `tmpfs`...).
    pub fstype: String,
    /// Mount options, comma-separated, as the mount table gives them.
    pub opts: String,
}

/// psutil's `sdiskusage`: space of the file system holding a path, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DiskUsage {
    /// Total size.
    pub total: u64,
    /// Used space (`(blocks - bfree) * frsize`).
    pub used: u64,
    /// Space available to unprivileged users (`bavail * frsize`); `total - used - free`
    /// is the root-reserved part.
    pub free: u64,
    /// `used / (used + free) * 100`, rounded to one decimal: `df`'s Use%.
    pub percent: f64,
}

/// psutil's `sdiskio`: I/O counters of a disk (or all disks summed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct DiskIoCounters {
    /// Reads completed.
    pub read_count: u64,
    /// Writes completed.
    pub write_count: u64,
    /// Bytes read (sectors × 512 on Linux).
    pub read_bytes: u64,
    /// Bytes written.
    pub write_bytes: u64,
    /// Milliseconds spent reading.
    pub read_time: u64,
    /// Milliseconds spent writing.
    pub write_time: u64,
    /// Reads merged (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_merged_count: Option<u64>,
    /// Writes merged (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_merged_count: Option<u64>,
    /// Milliseconds the device was busy (Linux, FreeBSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busy_time: Option<u64>,
}

impl DiskIoCounters {
    pub(crate) fn to_vec(self) -> Vec<u64> {
        vec![
            self.read_count,
            self.write_count,
            self.read_bytes,
            self.write_bytes,
            self.read_time,
            self.write_time,
            self.read_merged_count.unwrap_or(0),
            self.write_merged_count.unwrap_or(0),
            self.busy_time.unwrap_or(0),
        ]
    }

    pub(crate) fn with_values(self, v: &[u64]) -> Self {
        let get = |i: usize| v.get(i).copied().unwrap_or(0);
        DiskIoCounters {
            read_count: get(0),
            write_count: get(1),
            read_bytes: get(2),
            write_bytes: get(3),
            read_time: get(4),
            write_time: get(5),
            read_merged_count: self.read_merged_count.map(|_| get(6)),
            write_merged_count: self.write_merged_count.map(|_| get(7)),
            busy_time: self.busy_time.map(|_| get(8)),
        }
    }

    fn add(self, o: DiskIoCounters) -> Self {
        let add_opt = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
        };
        DiskIoCounters {
            read_count: self.read_count.saturating_add(o.read_count),
            write_count: self.write_count.saturating_add(o.write_count),
            read_bytes: self.read_bytes.saturating_add(o.read_bytes),
            write_bytes: self.write_bytes.saturating_add(o.write_bytes),
            read_time: self.read_time.saturating_add(o.read_time),
            write_time: self.write_time.saturating_add(o.write_time),
            read_merged_count: add_opt(self.read_merged_count, o.read_merged_count),
            write_merged_count: add_opt(self.write_merged_count, o.write_merged_count),
            busy_time: add_opt(self.busy_time, o.busy_time),
        }
    }
}

/// Mounted file systems. With `all == false`, only physical devices (psutil's rule on
/// Linux: a non-empty device and a file-system type not marked `nodev` in
/// `/proc/filesystems`, plus zfs).
///
/// Source: Linux `/proc/self/mounts` (or `/etc/mtab`); `/dev/root` is resolved to the
/// real device.
///
/// ```
/// # #[cfg(target_os = "linux")]
/// assert!(rpsutil::disk_partitions(true).unwrap().iter().any(|p| p.mountpoint == "/"));
/// ```
pub fn disk_partitions(all: bool) -> Result<Vec<DiskPartition>> {
    imp::disk_partitions(all)
}

/// Space of the file system holding `path` (`statvfs(3)`).
///
/// Errors: [`crate::Error::Os`] for a missing path.
///
/// ```
/// # #[cfg(unix)] {
/// let u = rpsutil::disk_usage("/").unwrap();
/// assert!(u.total >= u.used && u.percent <= 100.0);
/// # }
/// ```
pub fn disk_usage(path: impl AsRef<Path>) -> Result<DiskUsage> {
    let raw = imp::disk_usage(path.as_ref())?;
    Ok(DiskUsage {
        total: raw.total,
        used: raw.used,
        free: raw.free,
        percent: usage_percent(raw.used as f64, (raw.used + raw.free) as f64),
    })
}

pub(crate) struct RawUsage {
    pub(crate) total: u64,
    pub(crate) used: u64,
    pub(crate) free: u64,
}

static DISK_WRAP: Mutex<Option<WrapTracker<String>>> = Mutex::new(None);

fn raw_disk_io(nowrap: bool) -> Result<Vec<(String, DiskIoCounters, bool)>> {
    let raw = imp::disk_io_counters()?;
    if !nowrap {
        return Ok(raw);
    }
    let mut guard = DISK_WRAP.lock().unwrap_or_else(|p| p.into_inner());
    let tracker = guard.get_or_insert_with(WrapTracker::new);
    let adjusted = tracker.update(
        raw.iter()
            .map(|(n, c, _)| (n.clone(), c.to_vec()))
            .collect(),
    );
    Ok(raw
        .into_iter()
        .zip(adjusted)
        .map(|((name, c, storage), (_, v))| (name, c.with_values(&v), storage))
        .collect())
}

/// System-wide disk I/O: the sum over whole storage devices (partitions excluded;
/// psutil's rule). None when the system has no disks.
///
/// With `nowrap`, counters that went backwards (wrapped or reset) are corrected so
/// that they never decrease between calls (see [`crate::common::wrap`]).
///
/// Source: Linux `/proc/diskstats` (sectors × 512), or `/sys/block/*/stat`.
pub fn disk_io_counters(nowrap: bool) -> Result<Option<DiskIoCounters>> {
    let disks = raw_disk_io(nowrap)?;
    Ok(disks
        .into_iter()
        .filter(|(_, _, storage)| *storage)
        .map(|(_, c, _)| c)
        .reduce(DiskIoCounters::add))
}

/// Per-disk I/O counters, every block device and partition by name.
pub fn disk_io_counters_perdisk(nowrap: bool) -> Result<BTreeMap<String, DiskIoCounters>> {
    Ok(raw_disk_io(nowrap)?
        .into_iter()
        .map(|(n, c, _)| (n, c))
        .collect())
}

/// Forgets the wrap bookkeeping of [`disk_io_counters`] (psutil's `cache_clear()`).
pub fn disk_io_counters_cache_clear() {
    if let Some(t) = DISK_WRAP.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        t.clear();
    }
}
