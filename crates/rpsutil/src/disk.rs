//! Disks: [`disk_partitions`], [`disk_usage`], [`disk_io_counters`].

use indexmap::IndexMap;
use std::path::Path;
use std::sync::Mutex;

use crate::common::percent::usage_percent;
use crate::common::wrap::WrapTracker;
use crate::sys::imp;
use crate::sys::records::DiskIoEntry;
use crate::Result;

pub use crate::types::disk::*;

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

static DISK_WRAP: Mutex<Option<WrapTracker<String>>> = Mutex::new(None);

fn raw_disk_io(nowrap: bool) -> Result<Vec<DiskIoEntry>> {
    let raw = imp::disk_io_counters()?;
    if !nowrap {
        return Ok(raw);
    }
    let mut guard = DISK_WRAP.lock().unwrap_or_else(|p| p.into_inner());
    let tracker = guard.get_or_insert_with(WrapTracker::new);
    let adjusted = tracker.update(
        raw.iter()
            .map(|e| (e.name.clone(), e.counters.to_vec()))
            .collect(),
    );
    Ok(raw
        .into_iter()
        .zip(adjusted)
        .map(|(e, (_, v))| DiskIoEntry {
            counters: e.counters.with_values(&v),
            ..e
        })
        .collect())
}

/// System-wide disk I/O: the sum over whole storage devices (partitions excluded;
/// psutil's rule). None when the system has no disks.
///
/// With `nowrap`, counters that went backwards (wrapped or reset) are corrected so
/// that they never decrease between calls.
///
/// Source: Linux `/proc/diskstats` (sectors × 512), or `/sys/block/*/stat`.
pub fn disk_io_counters(nowrap: bool) -> Result<Option<DiskIoCounters>> {
    let disks = raw_disk_io(nowrap)?;
    Ok(disks
        .into_iter()
        .filter(|e| e.is_storage_device)
        .map(|e| e.counters)
        .reduce(DiskIoCounters::add))
}

/// Per-disk I/O counters, every block device and partition by name.
pub fn disk_io_counters_perdisk(nowrap: bool) -> Result<IndexMap<String, DiskIoCounters>> {
    Ok(raw_disk_io(nowrap)?
        .into_iter()
        .map(|e| (e.name, e.counters))
        .collect())
}

/// Forgets the wrap bookkeeping of [`disk_io_counters`] (psutil's `cache_clear()`).
pub fn disk_io_counters_cache_clear() {
    if let Some(t) = DISK_WRAP.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        t.clear();
    }
}
