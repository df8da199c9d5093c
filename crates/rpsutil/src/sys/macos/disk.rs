//! Disks on macOS: `getfsstat(2)` mounts and `disk_usage` with APFS's
//! `ATTR_VOL_SPACEUSED` (`arch/osx/disk.c`, `_psosx.py:179-192`), and the
//! whole disks' I/O counters from IOKit (`super::iokit`).

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rpsutil_parse::macos::mount::mount_opts;

use super::ffi;
use crate::sys::records::{DiskIoEntry, DiskUsageRaw};
use crate::types::disk::{DiskIoCounters, DiskPartition};
use crate::{Error, Result};

/// psutil's option names after `ro`/`rw`, in its order (`osx/disk.c`).
/// `MNT_CMDFLAGS` is `MNT_UPDATE | MNT_NOBLOCK | MNT_RELOAD | MNT_FORCE`
/// (`sys/mount.h`), a mask psutil tests as one flag.
fn opt_table() -> [(u64, &'static str); 24] {
    let f = |v: libc::c_int| v as u32 as u64;
    let cmdflags = f(libc::MNT_UPDATE | libc::MNT_NOBLOCK | libc::MNT_RELOAD | libc::MNT_FORCE);
    [
        (f(libc::MNT_SYNCHRONOUS), "sync"),
        (f(libc::MNT_NOEXEC), "noexec"),
        (f(libc::MNT_NOSUID), "nosuid"),
        (f(libc::MNT_UNION), "union"),
        (f(libc::MNT_ASYNC), "async"),
        (f(libc::MNT_EXPORTED), "exported"),
        (f(libc::MNT_LOCAL), "local"),
        (f(libc::MNT_QUOTA), "quota"),
        (f(libc::MNT_ROOTFS), "rootfs"),
        (f(libc::MNT_DOVOLFS), "dovolfs"),
        (f(libc::MNT_DONTBROWSE), "dontbrowse"),
        (f(libc::MNT_IGNORE_OWNERSHIP), "ignore-ownership"),
        (f(libc::MNT_AUTOMOUNTED), "automounted"),
        (f(libc::MNT_JOURNALED), "journaled"),
        (f(libc::MNT_NOUSERXATTR), "nouserxattr"),
        (f(libc::MNT_DEFWRITE), "defwrite"),
        (f(libc::MNT_UPDATE), "update"),
        (f(libc::MNT_RELOAD), "reload"),
        (f(libc::MNT_FORCE), "force"),
        (cmdflags, "cmdflags"),
        (f(libc::MNT_QUARANTINE), "quarantine"),
        (f(libc::MNT_MULTILABEL), "multilabel"),
        (f(libc::MNT_NOATIME), "noatime"),
        (0, ""),
    ]
}

/// Mounted file systems. `all == false` keeps the entries whose device is an
/// absolute path that exists (psutil drops `devfs`, `map auto_home`, …).
pub(crate) fn disk_partitions(all: bool) -> Result<Vec<DiskPartition>> {
    // SAFETY: a NULL buffer asks only for the number of mounts.
    let n = unsafe { libc::getfsstat(std::ptr::null_mut(), 0, libc::MNT_NOWAIT) };
    if n < 0 {
        return Err(ffi::os(ffi::last_errno(), "getfsstat"));
    }
    // Room for mounts appearing between the two calls.
    let cap = usize::try_from(n).unwrap_or(0) + 8;
    // SAFETY: statfs is plain old data; all-zero is valid.
    let mut bufs: Vec<libc::statfs> = vec![unsafe { std::mem::zeroed() }; cap];
    let bytes = libc::c_int::try_from(cap * std::mem::size_of::<libc::statfs>())
        .unwrap_or(libc::c_int::MAX);
    // SAFETY: bufs is writable for `bytes` bytes.
    let got = unsafe { libc::getfsstat(bufs.as_mut_ptr(), bytes, libc::MNT_NOWAIT) };
    if got < 0 {
        return Err(ffi::os(ffi::last_errno(), "getfsstat"));
    }
    bufs.truncate(usize::try_from(got).unwrap_or(0).min(cap));
    let rdonly = libc::MNT_RDONLY as u32 as u64;
    let table = opt_table();
    let mut out = Vec::new();
    for fs in &bufs {
        let text = |c: &[libc::c_char]| String::from_utf8_lossy(&ffi::c_chars(c)).into_owned();
        let mut device = text(&fs.f_mntfromname);
        if device == "none" {
            device.clear();
        }
        let real_device = device.starts_with('/') && Path::new(&device).exists();
        if !all && !real_device {
            continue;
        }
        out.push(DiskPartition {
            device,
            mountpoint: text(&fs.f_mntonname),
            fstype: text(&fs.f_fstypename),
            opts: mount_opts(u64::from(fs.f_flags), rdonly, &table),
        });
    }
    Ok(out)
}

/// The reply of `getattrlist(ATTR_VOL_INFO | ATTR_VOL_SPACEUSED)`
/// (`getattrlist(2)`: a `u_int32_t` length, then the `off_t` attribute).
#[repr(C, packed(4))]
#[derive(Clone, Copy)]
struct SpaceUsedReply {
    length: u32,
    space_used: libc::off_t,
}
const _: () = assert!(std::mem::size_of::<SpaceUsedReply>() == 12);
const _: () = assert!(std::mem::offset_of!(SpaceUsedReply, space_used) == 4);

/// APFS's own "used" figure for the volume holding `path` (#2152), None when the
/// call fails.
fn space_used(path: &CString) -> Option<u64> {
    // SAFETY: attrlist is plain old data; all-zero is valid.
    let mut al: libc::attrlist = unsafe { std::mem::zeroed() };
    al.bitmapcount = libc::ATTR_BIT_MAP_COUNT;
    al.volattr = libc::ATTR_VOL_INFO | libc::ATTR_VOL_SPACEUSED;
    let mut reply = SpaceUsedReply {
        length: 0,
        space_used: 0,
    };
    // SAFETY: path is NUL-terminated; al and reply are valid for the call, and the
    // size passed is reply's.
    let rc = unsafe {
        libc::getattrlist(
            path.as_ptr(),
            (&mut al as *mut libc::attrlist).cast(),
            (&mut reply as *mut SpaceUsedReply).cast(),
            std::mem::size_of::<SpaceUsedReply>(),
            0,
        )
    };
    let used = reply.space_used;
    (rc == 0 && used >= 0).then_some(used as u64)
}

/// `statvfs` (POSIX), with `used` replaced by `ATTR_VOL_SPACEUSED` when available.
pub(crate) fn disk_usage(path: &Path) -> Result<DiskUsageRaw> {
    let mut usage = crate::sys::posix::statvfs::disk_usage(path)?;
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::invalid(format!("path contains a NUL byte: {}", path.display())))?;
    if let Some(used) = space_used(&c) {
        usage.used = used;
    }
    Ok(usage)
}

/// Each whole disk's counters (IOMedia under an `IOBlockStorageDriver`), by BSD
/// name; all of them are whole disks, so all are summed by `disk_io_counters()`.
/// psutil keeps them in a dict, so a name seen twice keeps its last counters.
pub(crate) fn disk_io_counters() -> Result<Vec<DiskIoEntry>> {
    let mut out: Vec<DiskIoEntry> = Vec::new();
    for (name, io) in super::iokit::disk_io()? {
        let counters = DiskIoCounters {
            read_count: io.read_count,
            write_count: io.write_count,
            read_bytes: io.read_bytes,
            write_bytes: io.write_bytes,
            read_time: io.read_time,
            write_time: io.write_time,
            read_merged_count: None,
            write_merged_count: None,
            busy_time: None,
        };
        match out.iter_mut().find(|e| e.name == name) {
            Some(e) => e.counters = counters,
            None => out.push(DiskIoEntry {
                name,
                counters,
                is_storage_device: true,
            }),
        }
    }
    Ok(out)
}
