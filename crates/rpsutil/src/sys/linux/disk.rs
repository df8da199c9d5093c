//! Disks: the mount table, `statvfs`, `/proc/diskstats`.

use std::path::{Path, PathBuf};

use rpsutil_parse::linux::{diskstats, mounts};

use super::files::{parse_error, parse_file, read, with_file};
use crate::sys::records::{DiskIoEntry, DiskUsageRaw};
use crate::types::disk::{DiskIoCounters, DiskPartition};
use crate::{Error, Result};

/// The sector size `/proc/diskstats` counts in: always 512 bytes, whatever the
/// device's own sector size (`Documentation/admin-guide/iostats.rst`).
const SECTOR: u64 = 512;

pub(crate) fn disk_usage(path: &Path) -> Result<DiskUsageRaw> {
    crate::sys::posix::statvfs::disk_usage(path)
}

/// The mount table: `/etc/mtab` when the procfs root is the real `/proc` and the file
/// exists (it is usually a link to `/proc/self/mounts`), else `ROOT/self/mounts`.
fn mount_table_path() -> PathBuf {
    let root = crate::sys::roots::procfs_root();
    let mtab = Path::new("/etc/mtab");
    if root.as_ref() == Path::new("/proc") && mtab.is_file() {
        mtab.to_path_buf()
    } else {
        root.join("self/mounts")
    }
}

/// File systems backed by a device (psutil's rule, see `rpsutil_parse::linux::mounts`).
fn physical_fstypes() -> Result<Vec<Vec<u8>>> {
    let path = crate::sys::roots::procfs_root().join("filesystems");
    parse_file(&path, |d| {
        Ok(mounts::physical_fstypes(&mounts::parse_filesystems(d)))
    })
}

/// `/dev/root` and `rootfs` name no real node: find the device of `/` by its number
/// (psutil's `RootFsDeviceFinder`) through `/sys/dev/block/MAJ:MIN/uevent`.
fn resolve_root_device(device: &str) -> String {
    use std::os::unix::fs::MetadataExt;
    let Ok(md) = std::fs::metadata("/") else {
        return device.to_string();
    };
    let dev = md.dev();
    let (major, minor) = (libc::major(dev), libc::minor(dev));
    let uevent = crate::sys::roots::sysfs_root().join(format!("dev/block/{major}:{minor}/uevent"));
    if let Ok(data) = read(&uevent) {
        for line in String::from_utf8_lossy(&data).lines() {
            if let Some(name) = line.strip_prefix("DEVNAME=") {
                let path = format!("/dev/{name}");
                if Path::new(&path).exists() {
                    return path;
                }
            }
        }
    }
    device.to_string()
}

pub(crate) fn disk_partitions(all: bool) -> Result<Vec<DiskPartition>> {
    let physical = if all { Vec::new() } else { physical_fstypes()? };
    let entries = parse_file(&mount_table_path(), |d| Ok(mounts::parse_mounts(d)))?;
    let mut out = Vec::new();
    for m in entries {
        if !all && !mounts::is_physical_mount(&m, &physical) {
            continue;
        }
        let mut device = String::from_utf8_lossy(&m.device).into_owned();
        if device == "none" {
            device.clear();
        }
        if device == "/dev/root" || device == "rootfs" {
            device = resolve_root_device(&device);
        }
        let fstype = String::from_utf8_lossy(&m.fstype).into_owned();
        out.push(DiskPartition {
            device,
            mountpoint: String::from_utf8_lossy(&m.mountpoint).into_owned(),
            fstype,
            opts: String::from_utf8_lossy(&m.options).into_owned(),
        });
    }
    Ok(out)
}

fn counters(c: &diskstats::DiskCounters) -> DiskIoCounters {
    DiskIoCounters {
        read_count: c.reads,
        write_count: c.writes,
        read_bytes: c.read_sectors.saturating_mul(SECTOR),
        write_bytes: c.write_sectors.saturating_mul(SECTOR),
        read_time: c.read_time_ms,
        write_time: c.write_time_ms,
        read_merged_count: Some(c.reads_merged),
        write_merged_count: Some(c.writes_merged),
        busy_time: Some(c.busy_time_ms),
    }
}

/// A whole storage device rather than a partition: it has a `/sys/block/NAME` entry
/// (psutil's `is_storage_device`; `/` in names is `!` in sysfs).
fn is_storage_device(name: &str) -> bool {
    crate::sys::roots::sysfs_root()
        .join("block")
        .join(name.replace('/', "!"))
        .exists()
}

/// Every line of `/proc/diskstats` (or every `/sys/block/*/stat` and partition stat
/// when diskstats is missing): (name, counters, is a whole storage device).
pub(crate) fn disk_io_counters() -> Result<Vec<DiskIoEntry>> {
    let path = crate::sys::roots::procfs_root().join("diskstats");
    let rows: Vec<(String, DiskIoCounters)> = match with_file(&path, diskstats::parse_diskstats) {
        Ok(lines) => lines
            .map_err(|e| parse_error(&path, e))?
            .iter()
            .map(|l| {
                (
                    String::from_utf8_lossy(&l.name).into_owned(),
                    counters(&l.counters),
                )
            })
            .collect(),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => sys_block_stats()?,
        Err(e) => return Err(Error::os(e, path.display().to_string())),
    };
    Ok(rows
        .into_iter()
        .map(|(name, counters)| DiskIoEntry {
            is_storage_device: is_storage_device(&name),
            name,
            counters,
        })
        .collect())
}

/// `/sys/block/*/stat` and `/sys/block/*/*/stat` (partitions).
fn sys_block_stats() -> Result<Vec<(String, DiskIoCounters)>> {
    let block = crate::sys::roots::sysfs_root().join("block");
    let mut out = Vec::new();
    // Disks are /sys/block/NAME; their partitions are /sys/block/NAME/PART.
    let mut dirs = vec![(block, true)];
    while let Some((dir, top)) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(|e| e.ok()) {
            let p = e.path();
            let stat = p.join("stat");
            if let Ok(data) = read(&stat) {
                let c =
                    diskstats::parse_block_stat(&data).map_err(|err| parse_error(&stat, err))?;
                out.push((e.file_name().to_string_lossy().into_owned(), counters(&c)));
                if top {
                    dirs.push((p, false));
                }
            }
        }
    }
    Ok(out)
}
