//! `disk_usage` and `disk_partitions`: psutil's `disk.c` (7.2.2), with the wide
//! (`W`) calls where psutil uses the ANSI ones (#1959).

use std::path::Path;

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_INVALID_FUNCTION, ERROR_NOT_SUPPORTED, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FindFirstVolumeMountPointW, FindNextVolumeMountPointW, FindVolumeMountPointClose,
    GetDiskFreeSpaceExW, GetDriveTypeW, GetLogicalDriveStringsW, GetVolumeInformationW,
    FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
};
use windows_sys::Win32::System::Diagnostics::Debug::{SetThreadErrorMode, SEM_FAILCRITICALERRORS};
use windows_sys::Win32::System::Ioctl::{DISK_PERFORMANCE, IOCTL_DISK_PERFORMANCE};
use windows_sys::Win32::System::WindowsProgramming::{
    DRIVE_CDROM, DRIVE_FIXED, DRIVE_NO_ROOT_DIR, DRIVE_RAMDISK, DRIVE_REMOTE, DRIVE_REMOVABLE,
    DRIVE_UNKNOWN,
};
use windows_sys::Win32::System::IO::DeviceIoControl;

use super::errors::{last_error, win32_error};
use super::util::{from_wide, wide};
use crate::sys::records::{DiskIoEntry, DiskUsageRaw};
use crate::types::disk::{DiskIoCounters, DiskPartition};
use crate::Result;

// winnt.h file-system flags (GetVolumeInformation).
const FILE_READ_ONLY_VOLUME: u32 = 0x0008_0000;
const FILE_VOLUME_IS_COMPRESSED: u32 = 0x0000_8000;
const FILE_SUPPORTS_REPARSE_POINTS: u32 = 0x0000_0080;
const MAX_PATH: usize = 260;

/// psutil's `sdiskusage` inputs: `GetDiskFreeSpaceExW(path)`; total, used = total
/// − free, free = the volume's free bytes (not the caller's quota, as psutil).
/// Errors are [`crate::Error::Os`] naming the path (a missing drive is
/// `ERROR_FILE_NOT_FOUND`/`ERROR_PATH_NOT_FOUND`).
pub(crate) fn disk_usage(path: &Path) -> Result<DiskUsageRaw> {
    let w = wide(path.as_os_str());
    let (mut avail, mut total, mut free) = (0u64, 0u64, 0u64);
    // SAFETY: w is NUL-terminated; the three out pointers are writable u64s.
    if unsafe { GetDiskFreeSpaceExW(w.as_ptr(), &mut avail, &mut total, &mut free) } == 0 {
        return Err(last_error(path.display().to_string()));
    }
    let free = free.min(total);
    Ok(DiskUsageRaw {
        total,
        used: total - free,
        free,
    })
}

/// psutil's words for `GetDriveType`.
fn drive_type_name(t: u32) -> &'static str {
    match t {
        DRIVE_FIXED => "fixed",
        DRIVE_CDROM => "cdrom",
        DRIVE_REMOVABLE => "removable",
        DRIVE_UNKNOWN => "unknown",
        DRIVE_NO_ROOT_DIR => "unmounted",
        DRIVE_REMOTE => "remote",
        DRIVE_RAMDISK => "ramdisk",
        _ => "?",
    }
}

/// Restores the thread's error mode on every path (psutil sets
/// `SEM_FAILCRITICALERRORS` so an empty floppy/CD drive gives no dialog, #264).
struct ErrorMode(u32);

impl ErrorMode {
    fn fail_critical() -> ErrorMode {
        let mut old = 0u32;
        // SAFETY: old is a writable u32; the mode is a documented flag.
        unsafe { SetThreadErrorMode(SEM_FAILCRITICALERRORS, &mut old) };
        ErrorMode(old)
    }
}

impl Drop for ErrorMode {
    fn drop(&mut self) {
        // SAFETY: restores the mode read above; a null old-mode pointer is allowed.
        unsafe { SetThreadErrorMode(self.0, std::ptr::null_mut()) };
    }
}

/// The drive roots (`C:\`) of `GetLogicalDriveStringsW`.
fn drive_roots() -> Result<Vec<String>> {
    let mut buf = vec![0u16; 256];
    loop {
        let cap = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: buf is writable for `cap` UTF-16 units.
        let n = unsafe { GetLogicalDriveStringsW(cap, buf.as_mut_ptr()) } as usize;
        if n == 0 {
            return Err(last_error("GetLogicalDriveStringsW"));
        }
        if n < buf.len() {
            buf.truncate(n);
            return Ok(buf
                .split(|&c| c == 0)
                .filter(|s| !s.is_empty())
                .map(String::from_utf16_lossy)
                .collect());
        }
        buf.resize(n + 1, 0);
    }
}

/// One drive's entries: its mount points (psutil lists them first, without the
/// drive type in opts, #2938), then the drive itself.
fn drive_entries(root: &str, all: bool, out: &mut Vec<DiskPartition>) {
    let wroot = wide(std::ffi::OsStr::new(root));
    // SAFETY: wroot is NUL-terminated.
    let dtype = unsafe { GetDriveTypeW(wroot.as_ptr()) };
    if !all {
        if matches!(
            dtype,
            DRIVE_UNKNOWN | DRIVE_NO_ROOT_DIR | DRIVE_REMOTE | DRIVE_RAMDISK
        ) {
            return;
        }
        // psutil skips a floppy by default: reading it is slow.
        if dtype == DRIVE_REMOVABLE && root.eq_ignore_ascii_case("A:\\") {
            return;
        }
    }
    let mut fs_name = [0u16; MAX_PATH + 1];
    let (mut serial, mut max_component, mut flags) = (0u32, 0u32, 0u32);
    // SAFETY: wroot is NUL-terminated; fs_name is writable for its length; the
    // volume-name buffer is null with size 0; the other pointers are writable u32s.
    let ok = unsafe {
        GetVolumeInformationW(
            wroot.as_ptr(),
            std::ptr::null_mut(),
            0,
            &mut serial,
            &mut max_component,
            &mut flags,
            fs_name.as_mut_ptr(),
            fs_name.len() as u32,
        )
    } != 0;
    let mut fstype = String::new();
    let mut opts = String::new();
    if ok {
        fstype = from_wide(&fs_name);
        let ro = flags & FILE_READ_ONLY_VOLUME != 0;
        opts.push_str(if ro { "ro" } else { "rw" });
        if flags & FILE_VOLUME_IS_COMPRESSED != 0 {
            opts.push_str(",compressed");
        }
        if ro {
            opts.push_str(",readonly");
        }
        if flags & FILE_SUPPORTS_REPARSE_POINTS != 0 {
            mount_points(root, &wroot, &fstype, &opts, out);
        }
    }
    // else: an empty CD or floppy drive ("device not ready"); psutil keeps the
    // drive with an empty fstype and only the drive type as opts.
    if !opts.is_empty() {
        opts.push(',');
    }
    opts.push_str(drive_type_name(dtype));
    out.push(DiskPartition {
        device: root.to_string(),
        mountpoint: root.to_string(),
        fstype,
        opts,
    });
}

/// Volumes mounted in folders of `root` (failures are ignored, as psutil; Wine 8
/// answers `ERROR_CALL_NOT_IMPLEMENTED`).
fn mount_points(root: &str, wroot: &[u16], fstype: &str, opts: &str, out: &mut Vec<DiskPartition>) {
    let mut buf = [0u16; MAX_PATH + 1];
    // SAFETY: wroot is NUL-terminated, buf writable for its length.
    let h =
        unsafe { FindFirstVolumeMountPointW(wroot.as_ptr(), buf.as_mut_ptr(), buf.len() as u32) };
    if h == INVALID_HANDLE_VALUE || h.is_null() {
        return;
    }
    loop {
        out.push(DiskPartition {
            device: root.to_string(),
            mountpoint: format!("{root}{}", from_wide(&buf)),
            fstype: fstype.to_string(),
            opts: opts.to_string(),
        });
        buf.fill(0);
        // SAFETY: h is an open mount-point search, buf writable for its length.
        if unsafe { FindNextVolumeMountPointW(h, buf.as_mut_ptr(), buf.len() as u32) } == 0 {
            break;
        }
    }
    // SAFETY: h came from FindFirstVolumeMountPointW and is closed once.
    unsafe { FindVolumeMountPointClose(h) };
}

/// psutil's `disk_partitions(all)`: every drive letter (`all = false` skips
/// unknown, unmounted, network and RAM drives and a removable `A:\`), with the
/// file system from `GetVolumeInformationW` and opts `rw|ro[,compressed]
/// [,readonly],<drive type>`; device = mountpoint = `C:\`.
pub(crate) fn disk_partitions(all: bool) -> Result<Vec<DiskPartition>> {
    let _mode = ErrorMode::fail_critical();
    let mut out = Vec::new();
    for root in drive_roots()? {
        drive_entries(&root, all, &mut out);
    }
    Ok(out)
}

/// One `IOCTL_DISK_PERFORMANCE` answer of `\\.\PhysicalDriveN`: Ok(None) when
/// the drive does not exist or does not keep counters (psutil skips those).
fn drive_performance(n: u32) -> Result<Option<DISK_PERFORMANCE>> {
    let path = wide(std::ffi::OsStr::new(&format!("\\\\.\\PhysicalDrive{n}")));
    // SAFETY: path is NUL-terminated; no access rights are asked (metadata only),
    // no security attributes, no template.
    let h = unsafe {
        CreateFileW(
            path.as_ptr(),
            0,
            FILE_SHARE_READ | FILE_SHARE_WRITE,
            std::ptr::null(),
            OPEN_EXISTING,
            0,
            std::ptr::null_mut(),
        )
    };
    if h == INVALID_HANDLE_VALUE {
        return Ok(None);
    }
    // SAFETY: DISK_PERFORMANCE is plain data; all-zero is valid.
    let mut perf: DISK_PERFORMANCE = unsafe { std::mem::zeroed() };
    let mut got = 0u32;
    // SAFETY: h is an open device; no input; perf is writable for its size; no
    // OVERLAPPED (synchronous call).
    let ok = unsafe {
        DeviceIoControl(
            h,
            IOCTL_DISK_PERFORMANCE,
            std::ptr::null(),
            0,
            (&mut perf as *mut DISK_PERFORMANCE).cast(),
            std::mem::size_of::<DISK_PERFORMANCE>() as u32,
            &mut got,
            std::ptr::null_mut(),
        )
    } != 0;
    let err = std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as u32;
    // SAFETY: h came from CreateFileW and is closed once.
    unsafe { CloseHandle(h) };
    if ok {
        return Ok(Some(perf));
    }
    match err {
        // No counters on this device (psutil: "diskperf -y" may be needed).
        ERROR_INVALID_FUNCTION | ERROR_NOT_SUPPORTED => Ok(None),
        e => Err(win32_error(e, format!("DeviceIoControl(PhysicalDrive{n})"))),
    }
}

/// psutil's `disk_io_counters`: `\\.\PhysicalDrive0` to `32`, each a whole disk,
/// keyed `PhysicalDriveN`. Counts and bytes as the IOCTL gives them; the times are
/// 100-ns ticks converted to **milliseconds**, the unit of [`DiskIoCounters`]
/// (psutil 7.2.2 divides by 10⁷ and so reports seconds, #1012/#3002).
pub(crate) fn disk_io_counters() -> Result<Vec<DiskIoEntry>> {
    let mut out = Vec::new();
    for n in 0..=32u32 {
        let Some(p) = drive_performance(n)? else {
            continue;
        };
        let ms = |ticks: i64| u64::try_from(ticks / 10_000).unwrap_or(0);
        out.push(DiskIoEntry {
            name: format!("PhysicalDrive{n}"),
            counters: DiskIoCounters {
                read_count: u64::from(p.ReadCount),
                write_count: u64::from(p.WriteCount),
                read_bytes: u64::try_from(p.BytesRead).unwrap_or(0),
                write_bytes: u64::try_from(p.BytesWritten).unwrap_or(0),
                read_time: ms(p.ReadTime),
                write_time: ms(p.WriteTime),
                read_merged_count: None,
                write_merged_count: None,
                busy_time: None,
            },
            is_storage_device: true,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::wine;

    #[test]
    fn disk_usage_of_the_linux_root() {
        let u = crate::disk_usage("Z:\\").expect("disk_usage Z:\\");
        assert_eq!(u.used + u.free, u.total);
        assert!(u.total > 1 << 30, "{u:?}");
        let raw = disk_usage(Path::new("Z:\\")).expect("raw");
        assert_eq!(raw.total, u.total);
        // Z:\ is the Linux `/`. Its block device (major:minor of the `/` line of
        // mountinfo) bounds the file system: total ≤ the device's bytes, and at
        // least 90 % of them (ext4 metadata takes ~2 %). Skipped when `/` is not a
        // block device (overlayfs in a container).
        let Some(mountinfo) = wine::linux_file("/proc/self/mountinfo") else {
            return;
        };
        let dev = mountinfo.lines().find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.get(4) == Some(&"/")).then(|| f.get(2).map(|d| d.to_string()))?
        });
        let sectors = dev
            .and_then(|d| wine::linux_file(&format!("/sys/dev/block/{d}/size")))
            .and_then(|s| s.trim().parse::<u64>().ok());
        if let Some(sectors) = sectors {
            let dev_bytes = sectors * 512;
            assert!(raw.total <= dev_bytes, "{} > device {dev_bytes}", raw.total);
            assert!(
                raw.total >= dev_bytes / 10 * 9,
                "{} << device {dev_bytes}",
                raw.total
            );
        }
    }

    #[test]
    fn disk_usage_of_a_missing_drive_is_an_os_error() {
        // Wine maps only C: and Z: by default; on Windows Q: is rarely a drive
        // either, so skip when it is.
        if drive_roots()
            .expect("roots")
            .iter()
            .any(|r| r.starts_with("Q:"))
        {
            return;
        }
        match crate::disk_usage("Q:\\") {
            Err(crate::Error::Os { source, context }) => {
                assert!(
                    matches!(source.raw_os_error(), Some(2) | Some(3) | Some(15)),
                    "{source:?}"
                );
                assert_eq!(context, "Q:\\");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn partitions_list_the_drives() {
        let parts = crate::disk_partitions(false).expect("disk_partitions");
        let all = crate::disk_partitions(true).expect("disk_partitions(all)");
        assert!(!parts.is_empty() && all.len() >= parts.len());
        for p in &parts {
            assert!(p.device.ends_with(":\\"), "{p:?}");
            assert!(p.mountpoint.starts_with(&p.device), "{p:?}");
            assert!(
                p.opts.starts_with("rw") || p.opts.starts_with("ro"),
                "{p:?}"
            );
        }
        if wine::version().is_some() {
            // Wine's drive map: C:\ (the prefix) and Z:\ (/), both fixed. Wine 8
            // gap: fstype is "NTFS" for both, whatever the Linux file system is.
            for root in ["C:\\", "Z:\\"] {
                let p = parts
                    .iter()
                    .find(|p| p.device == root)
                    .unwrap_or_else(|| panic!("{root} missing from {parts:?}"));
                assert_eq!(p.mountpoint, root);
                assert_eq!(p.opts, "rw,fixed");
                assert_eq!(p.fstype, "NTFS");
            }
        }
        assert_eq!(drive_type_name(DRIVE_NO_ROOT_DIR), "unmounted");
        assert_eq!(drive_type_name(99), "?");
    }

    #[test]
    fn disk_io_counters_under_wine_are_empty() {
        let raw = disk_io_counters().expect("disk_io_counters");
        let public = crate::disk_io_counters_perdisk(false).expect("perdisk");
        assert_eq!(raw.len(), public.len());
        for e in &raw {
            assert!(e.name.starts_with("PhysicalDrive") && e.is_storage_device);
        }
        if wine::version().is_some() {
            // Wine 8 gap: PhysicalDrive0 opens but IOCTL_DISK_PERFORMANCE answers
            // ERROR_NOT_SUPPORTED, so no disk has counters (psutil: None / {}).
            assert!(raw.is_empty(), "{raw:?}");
            assert_eq!(crate::disk_io_counters(false).expect("total"), None);
        }
    }
}
