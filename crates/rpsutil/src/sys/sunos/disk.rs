//! Disks: psutil's `sunos/disk.c` — `/etc/mnttab` for the partitions and the
//! `KSTAT_TYPE_IO` kstats of class `disk` for the counters.

use rpsutil_parse::sunos::kstat::{disk_counters, parse_io};
use rpsutil_parse::sunos::mnttab::parse_mnttab;

use super::kstat::{walk, KSTAT_TYPE_IO};
use crate::sys::records::DiskIoEntry;
use crate::types::disk::{DiskIoCounters, DiskPartition};
use crate::{Error, Result};

pub(crate) use crate::sys::posix::statvfs::disk_usage;

/// `MNTTAB` (`<sys/mnttab.h>`).
const MNTTAB: &str = "/etc/mnttab";

/// Every mount of `/etc/mnttab` as psutil returns it (`mnt_special` `"none"` →
/// `""`); without `all`, only those whose `disk_usage().total` is above 0 (errors
/// skip the mount, psutil #1674).
pub(crate) fn disk_partitions(all: bool) -> Result<Vec<DiskPartition>> {
    let data = std::fs::read(MNTTAB).map_err(|e| Error::os(e, MNTTAB))?;
    let mut out = Vec::new();
    for m in parse_mnttab(&data) {
        if !all {
            match disk_usage(std::path::Path::new(&m.mountp)) {
                Ok(u) if u.total > 0 => {}
                _ => continue,
            }
        }
        out.push(DiskPartition {
            device: if m.special == "none" {
                String::new()
            } else {
                m.special
            },
            mountpoint: m.mountp,
            fstype: m.fstype,
            opts: m.mntopts,
        });
    }
    Ok(out)
}

/// Each `KSTAT_TYPE_IO` kstat of class `disk` (keyed by `ks_name`, e.g. `sd0`):
/// `(reads, writes, nread, nwritten, rtime, wtime)`, times in ms. psutil's
/// `read_time`/`write_time` are the kstat run (service) and wait (queue) times.
/// A kstat that cannot be read is skipped.
pub(crate) fn disk_io_counters() -> Result<Vec<DiskIoEntry>> {
    let mut out = Vec::new();
    for e in walk(|h| h.ks_type == KSTAT_TYPE_IO && h.class == "disk")? {
        let Ok(data) = &e.data else { continue };
        let io = parse_io(data).map_err(|err| Error::Parse {
            path: format!(
                "kstat {}:{}:{}",
                e.header.module, e.header.instance, e.header.name
            ),
            detail: err.detail,
        })?;
        let [reads, writes, rbytes, wbytes, rtime, wtime] = disk_counters(&io);
        out.push(DiskIoEntry {
            name: e.header.name.clone(),
            counters: DiskIoCounters {
                read_count: reads,
                write_count: writes,
                read_bytes: rbytes,
                write_bytes: wbytes,
                read_time: rtime,
                write_time: wtime,
                ..DiskIoCounters::default()
            },
            // Class "disk" kstats are whole devices (partitions are class
            // "partition"); psutil sums all of them.
            is_storage_device: true,
        });
    }
    Ok(out)
}
