//! Disk types: psutil's `sdiskpart`, `sdiskusage`, `sdiskio`.

use serde::Serialize;

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

    pub(crate) fn add(self, o: DiskIoCounters) -> Self {
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
