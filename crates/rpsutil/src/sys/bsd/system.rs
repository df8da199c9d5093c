//! System functions whose interface the three BSDs share: boot time
//! (`KERN_BOOTTIME`), the CPU count (`HW_NCPU`), physical cores, total memory,
//! mounted file systems (`getfsstat(2)` / NetBSD `getvfsstat(2)`) and users
//! (`getutxent(3)`; OpenBSD's `utmp` file).

use std::ffi::CStr;
use std::io;

use rpsutil_parse::bsd::disk::mount_opts;

use super::os;
use super::sysctl;
use crate::types::cpu::SystemCpuTimes;
use crate::types::disk::DiskPartition;
use crate::types::host::User;
use crate::{Error, Result};

/// psutil's `scputimes` on the BSDs from decoded `cp_time` counters: user,
/// nice, system, idle and irq (the others do not exist there).
pub(super) fn cpu_times_of(c: rpsutil_parse::bsd::cpu::CpTimes) -> SystemCpuTimes {
    SystemCpuTimes {
        user: c.user,
        nice: Some(c.nice),
        system: c.system,
        idle: c.idle,
        irq: Some(c.irq),
        ..SystemCpuTimes::default()
    }
}

/// `{CTL_KERN, KERN_BOOTTIME}`: when the system booted.
pub(crate) fn boot_timeval() -> Result<libc::timeval> {
    sysctl::value::<libc::timeval>(&[libc::CTL_KERN, libc::KERN_BOOTTIME])
        .map_err(|e| sysctl::os_error(e, "kern.boottime"))
}

/// Boot time, epoch seconds: psutil's `float(tv_sec)` (whole seconds).
pub(crate) fn boot_time() -> Result<f64> {
    Ok(boot_timeval()?.tv_sec as f64)
}

/// `{CTL_HW, HW_NCPU}`; None when the call fails (psutil `bsd/cpu.c`).
pub(crate) fn cpu_count_logical() -> Result<Option<u32>> {
    Ok(sysctl::value::<libc::c_int>(&[libc::CTL_HW, libc::HW_NCPU])
        .ok()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n > 0))
}

/// Physical cores. FreeBSD: from `kern.sched.topology_spec` (psutil's source,
/// with its no-SMT bug #2782 fixed in the parser); OpenBSD and NetBSD have no
/// source: 1 on a single-CPU machine, else None (psutil `_psbsd.py`).
pub(crate) fn cpu_count_cores() -> Result<Option<u32>> {
    #[cfg(target_os = "freebsd")]
    {
        if let Ok(xml) = sysctl::read_by_name("kern.sched.topology_spec") {
            if let Some(n) = rpsutil_parse::bsd::cpu::topology_cores(&xml) {
                return Ok(Some(n));
            }
        }
    }
    Ok(match cpu_count_logical()? {
        Some(1) => Some(1),
        _ => None,
    })
}

/// Total physical memory, bytes.
pub(crate) fn total_memory() -> Result<u64> {
    os::physmem()
}

fn text(b: &[libc::c_char]) -> String {
    let bytes: Vec<u8> = b.iter().map(|&c| c as u8).take_while(|&c| c != 0).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One mounted file system: device, mount point, type, flags.
type Mount = (String, String, String, u64);

#[cfg(any(target_os = "freebsd", target_os = "openbsd"))]
fn mounts() -> io::Result<Vec<Mount>> {
    // SAFETY: a NULL buffer asks only for the number of mounts.
    let n = unsafe { libc::getfsstat(std::ptr::null_mut(), 0, libc::MNT_NOWAIT) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    // Room for mounts made in between.
    let cap = n as usize + 8;
    // SAFETY: statfs is plain old data; all-zero is a valid value.
    let mut buf: Vec<libc::statfs> = vec![unsafe { std::mem::zeroed() }; cap];
    let bytes = cap * std::mem::size_of::<libc::statfs>();
    // SAFETY: buf has room for `cap` records, `bytes` bytes, as passed.
    let n = unsafe { libc::getfsstat(buf.as_mut_ptr(), bytes as _, libc::MNT_NOWAIT) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate((n as usize).min(cap));
    Ok(buf
        .iter()
        .map(|s| {
            // u64 on FreeBSD, u32 on OpenBSD.
            #[allow(clippy::unnecessary_cast)]
            let flags = s.f_flags as u64;
            (
                text(&s.f_mntfromname),
                text(&s.f_mntonname),
                text(&s.f_fstypename),
                flags,
            )
        })
        .collect())
}

#[cfg(target_os = "netbsd")]
fn mounts() -> io::Result<Vec<Mount>> {
    // SAFETY: a NULL buffer asks only for the number of mounts.
    let n = unsafe { libc::getvfsstat(std::ptr::null_mut(), 0, libc::MNT_NOWAIT) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let cap = n as usize + 8;
    // SAFETY: statvfs is plain old data; all-zero is a valid value.
    let mut buf: Vec<libc::statvfs> = vec![unsafe { std::mem::zeroed() }; cap];
    let bytes = cap * std::mem::size_of::<libc::statvfs>();
    // SAFETY: buf has room for `cap` records, `bytes` bytes, as passed.
    let n = unsafe { libc::getvfsstat(buf.as_mut_ptr(), bytes, libc::MNT_NOWAIT) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate((n as usize).min(cap));
    Ok(buf
        .iter()
        .map(|s| {
            // c_ulong: u64 on 64-bit NetBSD, u32 on 32-bit.
            #[allow(clippy::unnecessary_cast)]
            let flags = s.f_flag as u64;
            (
                text(&s.f_mntfromname),
                text(&s.f_mntonname),
                text(&s.f_fstypename),
                flags,
            )
        })
        .collect())
}

/// Every mount with psutil's `opts` string. psutil ignores `all` on the BSDs
/// (#906) and returns every mount with its device verbatim; so does this.
pub(crate) fn disk_partitions(_all: bool) -> Result<Vec<DiskPartition>> {
    let list = mounts().map_err(|e| Error::os(e, "getfsstat"))?;
    Ok(list
        .into_iter()
        .map(|(device, mountpoint, fstype, flags)| DiskPartition {
            device,
            mountpoint,
            fstype,
            opts: mount_opts(flags, libc::MNT_RDONLY as u64, os::MOUNT_FLAGS),
        })
        .collect())
}

/// Logged-in users from the utmpx database (psutil `arch/posix/users.c`):
/// `USER_PROCESS` entries; host `""`, `":0"`, `":0.0"` → `"localhost"`.
#[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
pub(crate) fn users() -> Result<Vec<User>> {
    use std::sync::Mutex;
    // getutxent keeps its position in process-wide state.
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut out = Vec::new();
    // SAFETY: rewinds the utmpx database; no arguments.
    unsafe { libc::setutxent() };
    loop {
        // SAFETY: returns a pointer to a static record or NULL at the end.
        let ut = unsafe { libc::getutxent() };
        if ut.is_null() {
            break;
        }
        // SAFETY: non-null, valid until the next getutxent call; copied out now.
        let ut = unsafe { &*ut };
        if ut.ut_type as i64 != libc::USER_PROCESS as i64 {
            continue;
        }
        #[cfg(target_os = "freebsd")]
        let name = text(&ut.ut_user);
        #[cfg(target_os = "netbsd")]
        let name = text(&ut.ut_name);
        let host = text(&ut.ut_host);
        let host = match host.as_str() {
            "" | ":0" | ":0.0" => "localhost".to_string(),
            _ => host,
        };
        let terminal = text(&ut.ut_line);
        if terminal == "~" {
            continue;
        }
        out.push(User {
            name,
            terminal: (!terminal.is_empty()).then_some(terminal),
            host,
            started: ut.ut_tv.tv_sec as f64,
            pid: Some(ut.ut_pid as i32),
        });
    }
    // SAFETY: closes the database opened by setutxent.
    unsafe { libc::endutxent() };
    Ok(out)
}

/// OpenBSD: the `utmp` file, whole `struct utmp` records with a user name
/// (psutil `arch/openbsd/users.c`); pid None, host as written.
#[cfg(target_os = "openbsd")]
pub(crate) fn users() -> Result<Vec<User>> {
    use rpsutil_parse::bsd::disk::{utmp_entries, UtmpLayout};
    const LAYOUT: UtmpLayout = UtmpLayout {
        size: std::mem::size_of::<libc::utmp>(),
        line: fld!(libc::utmp, ut_line),
        name: fld!(libc::utmp, ut_name),
        host: fld!(libc::utmp, ut_host),
        time: fld!(libc::utmp, ut_time),
    };
    let path = "/var/run/utmp";
    let buf = std::fs::read(path).map_err(|e| Error::os(e, path))?;
    let entries = utmp_entries(&buf, &LAYOUT).map_err(|e| Error::Parse {
        path: path.into(),
        detail: e.detail,
    })?;
    Ok(entries
        .into_iter()
        .filter(|e| e.line != "~")
        .map(|e| User {
            name: e.name,
            terminal: (!e.line.is_empty()).then_some(e.line),
            host: e.host,
            started: e.time as f64,
            pid: None,
        })
        .collect())
}

/// The text of a NUL-terminated C string pointer (for the OS modules).
#[allow(dead_code)]
pub(crate) fn cstr_text(p: *const libc::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: non-null and NUL-terminated per the caller (kernel/libc strings).
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}
