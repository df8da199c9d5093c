//! Per-process data from `/proc/PID/*`.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use rpsutil_parse::linux::{cmdline, environ, fdinfo, io, smaps, stat, status};

use super::errors::{ensure_alive, os_error, proc_dir_exists, vanished};
use super::fd_dir::{for_each_fd_link, FdDirError};
use super::files::{parse_error, pid_path, read, with_file};
use super::handle::Proc;
use crate::common::file_mode::flags_to_mode;
use crate::sys::posix::{clock_ticks, page_size};
use crate::sys::records::PpidEntry;
use crate::types::process::{
    CpuTimes, CtxSwitches, Ids, IoCounters, MemoryFullInfo, MemoryInfo, MemoryMap,
    MemoryMapGrouped, OpenFile, Status, ThreadInfo,
};
use crate::{Error, Pid, Result};

/// When the process started: stat field 22 (clock ticks after boot) / `CLK_TCK` +
/// the boot time (psutil's formula; 10 ms resolution).
pub(crate) fn create_time(p: &mut Proc) -> Result<f64> {
    Ok(p.stat()?.starttime as f64 / clock_ticks()
        + crate::sys::cache::boot_time(super::host::boot_time)?)
}

/// `comm` from stat (possibly truncated to 15 bytes; the caller fixes it up).
pub(crate) fn name(p: &mut Proc) -> Result<OsString> {
    Ok(OsString::from_vec(p.stat()?.comm.clone()))
}

/// `readlink(/proc/PID/exe)`; `""` for kernel threads.
pub(crate) fn exe(p: &mut Proc) -> Result<PathBuf> {
    match p.readlink("exe") {
        Ok(path) => Ok(path),
        Err(e) if vanished(&e) => {
            if proc_dir_exists(p.root(), p.pid) {
                // Kernel threads have no executable; zombies lost theirs.
                p.zombie_or(PathBuf::new())
            } else {
                Err(Error::no_such_process(p.pid))
            }
        }
        Err(e) => Err(os_error(e, p.path("exe"))),
    }
}

/// `/proc/PID/cmdline` split by psutil's rules.
pub(crate) fn cmdline(p: &mut Proc) -> Result<Vec<OsString>> {
    let data = p.cmdline_raw()?;
    if data.is_empty() {
        return p.zombie_or(Vec::new());
    }
    Ok(cmdline::parse_cmdline(&data)
        .into_iter()
        .map(OsString::from_vec)
        .collect())
}

/// `/proc/PID/environ`. Kernel threads have no environment: the read fails with
/// ESRCH; psutil then raises NoSuchProcess for a live process (its bug), this
/// returns an empty map.
pub(crate) fn environ(p: &mut Proc) -> Result<HashMap<OsString, OsString>> {
    let path = p.path("environ");
    let data = match read(&path) {
        Ok(d) => d,
        Err(e) if e.raw_os_error() == Some(libc::ESRCH) && proc_dir_exists(p.root(), p.pid) => {
            return p.zombie_or(HashMap::new());
        }
        Err(e) => return Err(os_error(e, &path)),
    };
    if data.is_empty() && p.is_zombie() {
        return Err(Error::zombie(p.pid));
    }
    Ok(environ::parse_environ(&data)
        .into_iter()
        .map(|(k, v)| (OsString::from_vec(k), OsString::from_vec(v)))
        .collect())
}

/// Status from the stat state letter.
pub(crate) fn status(p: &mut Proc) -> Result<Status> {
    Ok(status_from_letter(p.stat()?.state))
}

/// The status of a `/proc/PID/stat` state letter (`man 5 proc`), as psutil's
/// `PROC_STATUSES` (`_pslinux.py`) maps it.
pub(crate) fn status_from_letter(letter: u8) -> Status {
    match letter {
        b'R' => Status::Running,
        b'S' => Status::Sleeping,
        b'D' => Status::DiskSleep,
        b'T' => Status::Stopped,
        b't' => Status::TracingStop,
        b'Z' => Status::Zombie,
        b'X' | b'x' => Status::Dead,
        b'K' => Status::WakeKill,
        b'W' => Status::Waking,
        b'I' => Status::Idle,
        b'P' => Status::Parked,
        _ => Status::Unknown,
    }
}

/// Parent pid (stat field 4).
pub(crate) fn ppid(p: &mut Proc) -> Result<Pid> {
    Ok(u32::try_from(p.stat()?.ppid).unwrap_or(0))
}

/// `readlink(/proc/PID/cwd)`.
pub(crate) fn cwd(p: &mut Proc) -> Result<PathBuf> {
    p.readlink("cwd").map_err(|e| os_error(e, p.path("cwd")))
}

fn ids(t: Option<status::IdTriple>, p: &Proc, what: &str) -> Result<Ids> {
    let t = t.ok_or_else(|| Error::Parse {
        path: p.path("status").display().to_string(),
        detail: format!("no {what}: line"),
    })?;
    Ok(Ids {
        real: t.real,
        effective: t.effective,
        saved: t.saved,
    })
}

/// Uid line of status.
pub(crate) fn uids(p: &mut Proc) -> Result<Ids> {
    let st = p.status()?;
    ids(st.uids, p, "Uid")
}

/// Gid line of status.
pub(crate) fn gids(p: &mut Proc) -> Result<Ids> {
    let st = p.status()?;
    ids(st.gids, p, "Gid")
}

/// The user name of the real uid, or the uid as a string.
pub(crate) fn username(p: &mut Proc) -> Result<String> {
    p.cached_username(|p| {
        let real = uids(p)?.real;
        Ok(crate::sys::posix::users::user_name(real).unwrap_or_else(|| real.to_string()))
    })
}

/// The terminal device path, None if the process has no controlling terminal.
pub(crate) fn terminal(p: &mut Proc) -> Result<Option<String>> {
    let tty = p.stat()?.tty_nr;
    Ok(super::terminal::device_path(tty))
}

/// `/proc/PID/io`.
pub(crate) fn io_counters(p: &mut Proc) -> Result<IoCounters> {
    let data = p.read("io")?;
    if data.is_empty() && p.is_zombie() {
        return Err(Error::zombie(p.pid));
    }
    let io = p.parse("io", &data, io::parse_io)?;
    Ok(IoCounters {
        read_count: io.syscr,
        write_count: io.syscw,
        read_bytes: io.read_bytes,
        write_bytes: io.write_bytes,
        read_chars: Some(io.rchar),
        write_chars: Some(io.wchar),
        other_count: None,
        other_bytes: None,
    })
}

/// Context switches from status.
pub(crate) fn num_ctx_switches(p: &mut Proc) -> Result<CtxSwitches> {
    let st = p.status()?;
    match (st.voluntary_ctxt_switches, st.nonvoluntary_ctxt_switches) {
        (Some(voluntary), Some(involuntary)) => Ok(CtxSwitches {
            voluntary,
            involuntary,
        }),
        _ => Err(Error::unsupported(
            "num_ctx_switches (kernel older than 2.6.23)",
        )),
    }
}

/// Entries of `/proc/PID/fd`.
pub(crate) fn num_fds(p: &mut Proc) -> Result<u32> {
    // A oneshot that already read the links counts them; otherwise listing the
    // directory is enough (no readlink per fd).
    if let Some(links) = p.cached_fd_links() {
        return Ok(u32::try_from(links.len()).unwrap_or(u32::MAX));
    }
    let path = p.path("fd");
    let dir = std::fs::read_dir(&path).map_err(|e| os_error(e, &path))?;
    Ok(dir.filter(|e| e.is_ok()).count() as u32)
}

/// Threads from stat field 20 (the same count as status `Threads:`).
pub(crate) fn num_threads(p: &mut Proc) -> Result<u32> {
    Ok(u32::try_from(p.stat()?.num_threads).unwrap_or(0))
}

/// Every thread's times from `/proc/PID/task/TID/stat`, ordered by tid.
pub(crate) fn threads(p: &mut Proc) -> Result<Vec<ThreadInfo>> {
    let path = p.path("task");
    let dir = std::fs::read_dir(&path).map_err(|e| os_error(e, &path))?;
    let mut tids: Vec<u32> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
        .collect();
    tids.sort_unstable();
    let ticks = clock_ticks();
    let mut out = Vec::with_capacity(tids.len());
    let mut some_gone = false;
    for tid in tids {
        let tpath = p.path(&format!("task/{tid}/stat"));
        match with_file(&tpath, stat::parse_stat) {
            Ok(parsed) => {
                let s = parsed.map_err(|e| parse_error(&tpath, e))?;
                out.push(ThreadInfo {
                    id: tid,
                    user_time: s.utime as f64 / ticks,
                    system_time: s.stime as f64 / ticks,
                });
            }
            Err(e) if vanished(&e) => {
                some_gone = true;
            }
            Err(e) => return Err(os_error(e, &tpath)),
        }
    }
    if some_gone {
        ensure_alive(p.root(), p.pid)?;
    }
    Ok(out)
}

/// Process CPU times from stat fields 14-17 and 42.
pub(crate) fn cpu_times(p: &mut Proc) -> Result<CpuTimes> {
    let s = p.stat()?;
    let t = clock_ticks();
    Ok(CpuTimes {
        user: s.utime as f64 / t,
        system: s.stime as f64 / t,
        children_user: s.cutime.max(0) as f64 / t,
        children_system: s.cstime.max(0) as f64 / t,
        iowait: Some(s.delayacct_blkio_ticks.unwrap_or(0) as f64 / t),
    })
}

/// The CPU the process last ran on (stat field 39).
pub(crate) fn cpu_num(p: &mut Proc) -> Result<u32> {
    p.stat()?
        .processor
        .and_then(|c| u32::try_from(c).ok())
        .ok_or_else(|| Error::unsupported("cpu_num (kernel older than 2.2.8)"))
}

/// The nice value (stat field 19; the same number `getpriority(2)` returns).
///
/// Alone, it is `getpriority(2)` (one syscall, as psutil); in a oneshot, or under a
/// procfs root that is not the live `/proc` (a fixture), it is the stat record.
pub(crate) fn nice(p: &mut Proc) -> Result<i32> {
    if p.in_oneshot() || p.root() != Path::new("/proc") {
        return Ok(p.stat()?.nice as i32);
    }
    let pid = crate::sys::posix::raw_pid(p.pid)?;
    // getpriority returns -1 both as a value and as its error mark: errno tells.
    // SAFETY: errno is thread-local; clearing it has no other effect.
    unsafe { *libc::__errno_location() = 0 };
    // SAFETY: plain integer arguments.
    let v = unsafe { libc::getpriority(libc::PRIO_PROCESS, pid as libc::id_t) };
    let err = std::io::Error::last_os_error();
    if v == -1 && err.raw_os_error().is_some_and(|e| e != 0) {
        return Err(os_error(err, "getpriority"));
    }
    Ok(v)
}

/// `/proc/PID/statm` in bytes.
pub(crate) fn memory_info(p: &mut Proc) -> Result<MemoryInfo> {
    let s = p.statm()?;
    let pg = page_size();
    Ok(MemoryInfo {
        rss: s.resident * pg,
        vms: s.size * pg,
        shared: Some(s.shared * pg),
        text: Some(s.text * pg),
        lib: Some(s.lib * pg),
        data: Some(s.data * pg),
        dirty: Some(s.dt * pg),
        ..Default::default()
    })
}

/// memory_info plus USS/PSS/swap from `smaps_rollup` (Linux 4.14+), or from the
/// whole `smaps` when the rollup is missing or fails with ENOENT/ESRCH.
///
/// The rollup is read even when a oneshot already holds `smaps`: the kernel sums
/// PSS before rounding to kB, so summing smaps' per-mapping `Pss:` lines gives up
/// to 1 kB less per mapping than the rollup (and than psutil).
pub(crate) fn memory_full_info(p: &mut Proc) -> Result<MemoryFullInfo> {
    let basic = memory_info(p)?;
    let rollup_path = p.path("smaps_rollup");
    let totals = match read(&rollup_path) {
        Ok(data) => smaps::parse_totals(&data).map_err(|e| parse_error(&rollup_path, e))?,
        Err(e) if vanished(&e) => {
            let data = p.smaps_raw()?;
            p.parse("smaps", &data, smaps::parse_totals)?
        }
        Err(e) => return Err(os_error(e, &rollup_path)),
    };
    Ok(MemoryFullInfo {
        basic,
        uss: Some(totals.uss),
        pss: Some(totals.pss),
        swap: Some(totals.swap),
    })
}

fn region_fields(r: &smaps::MapRegion, path: PathBuf) -> MemoryMapGrouped {
    MemoryMapGrouped {
        path,
        rss: r.rss,
        size: Some(r.size),
        pss: Some(r.pss),
        shared_clean: Some(r.shared_clean),
        shared_dirty: Some(r.shared_dirty),
        private_clean: Some(r.private_clean),
        private_dirty: Some(r.private_dirty),
        referenced: Some(r.referenced),
        anonymous: Some(r.anonymous),
        swap: Some(r.swap),
        ..Default::default()
    }
}

/// The mapped path as psutil shows it: `[anon]` for anonymous mappings; a
/// " (deleted)" suffix removed unless a file with that whole name exists. The bytes are kept
/// as they are (psutil decodes them with surrogateescape).
fn map_path(raw: &[u8]) -> PathBuf {
    if raw.is_empty() {
        return PathBuf::from("[anon]");
    }
    let trimmed = raw.trim_ascii();
    // As psutil: the suffix goes unless a file with the whole name exists.
    if let Some(stripped) = trimmed.strip_suffix(b" (deleted)") {
        if !Path::new(OsStr::from_bytes(trimmed)).exists() {
            return PathBuf::from(OsString::from_vec(stripped.to_vec()));
        }
    }
    PathBuf::from(OsString::from_vec(trimmed.to_vec()))
}

/// Every mapping of `/proc/PID/smaps`.
pub(crate) fn memory_maps(p: &mut Proc) -> Result<Vec<MemoryMap>> {
    let data = p.smaps_raw()?;
    if data.is_empty() {
        return p.zombie_or(Vec::new());
    }
    let regions = p.parse("smaps", &data, smaps::parse_smaps)?;
    Ok(regions
        .iter()
        .map(|r| MemoryMap {
            addr: r.addr.clone(),
            perms: r.perms.clone(),
            region: region_fields(r, map_path(&r.path)),
        })
        .collect())
}

/// Open regular files: `/proc/PID/fd/*` links to absolute paths of regular files,
/// with position and flags from `/proc/PID/fdinfo/FD`. Like psutil, sockets, pipes,
/// devices, directories and deleted files are left out.
pub(crate) fn open_files(p: &mut Proc) -> Result<Vec<OpenFile>> {
    let fd_dir = p.path("fd");
    let mut links: Vec<(i32, PathBuf)> = Vec::new();
    let mut some_gone = false;
    walk_fd_links(p, |fd, target| {
        match target {
            // Only absolute paths can be regular files (not `socket:[..]`, `pipe:[..]`).
            Ok(t) if t.first() == Some(&b'/') => {
                links.push((fd, PathBuf::from(OsString::from_vec(t.to_vec()))))
            }
            Ok(_) => {}
            Err(e) => match e.raw_os_error() {
                Some(libc::ENOENT) | Some(libc::ESRCH) => some_gone = true,
                Some(libc::EINVAL) | Some(libc::ENAMETOOLONG) => {}
                _ => return Err(os_error(e, &fd_dir)),
            },
        }
        Ok(())
    })?;
    links.sort_unstable_by_key(|(fd, _)| *fd);
    let mut out = Vec::new();
    for (fd, target) in links {
        if !target.is_absolute() {
            continue;
        }
        match std::fs::metadata(&target) {
            Ok(m) if m.is_file() => {}
            Ok(_) => continue,
            // EACCES/EPERM become AccessDenied in `translate`.
            Err(e) if matches!(e.raw_os_error(), Some(libc::EACCES) | Some(libc::EPERM)) => {
                return Err(os_error(e, &target))
            }
            Err(_) => continue,
        }
        let info_path = p.path(&format!("fdinfo/{fd}"));
        let info = match read(&info_path) {
            Ok(d) => fdinfo::parse_fdinfo(&d).map_err(|e| parse_error(&info_path, e))?,
            Err(e) if vanished(&e) => {
                some_gone = true;
                continue;
            }
            Err(e) => return Err(os_error(e, &info_path)),
        };
        let flags = info.flags as i32;
        out.push(OpenFile {
            path: target,
            fd,
            position: Some(info.pos),
            mode: Some(flags_to_mode(flags, O_APPEND).to_string()),
            flags: Some(flags),
        });
    }
    if some_gone {
        ensure_alive(p.root(), p.pid)?;
    }
    Ok(out)
}

/// Socket inodes of a process: `socket:[N]` link targets of `/proc/PID/fd/*`,
/// mapped to their fd.
pub(crate) fn socket_inodes(p: &mut Proc) -> Result<HashMap<u64, Vec<i32>>> {
    let fd_dir = p.path("fd");
    let mut map: HashMap<u64, Vec<i32>> = HashMap::new();
    walk_fd_links(p, |fd, target| {
        let target = match target {
            Ok(t) => t,
            // The fd was closed meanwhile, or is not a link: skip it (psutil does).
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ENOENT)
                        | Some(libc::ESRCH)
                        | Some(libc::EINVAL)
                        | Some(libc::ENAMETOOLONG)
                ) =>
            {
                return Ok(())
            }
            Err(e) => return Err(os_error(e, &fd_dir)),
        };
        if let Some(inode) = socket_inode(target) {
            map.entry(inode).or_default().push(fd);
        }
        Ok(())
    })?;
    Ok(map)
}

/// The inode of a `socket:[INODE]` fd link target, None for anything else.
pub(crate) fn socket_inode(target: &[u8]) -> Option<u64> {
    let digits = target.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')),
    )
}

/// [`for_each_fd_link`] over `/proc/PID/fd`, with the directory's errors translated;
/// inside a oneshot, over the links read once for it ([`Proc::fd_links`]).
fn walk_fd_links(
    p: &mut Proc,
    mut f: impl FnMut(i32, std::io::Result<&[u8]>) -> Result<()>,
) -> Result<()> {
    if p.in_oneshot() {
        for (fd, target) in p.fd_links()?.iter() {
            let target = match target {
                Ok(t) => Ok(t.as_slice()),
                Err(errno) => Err(std::io::Error::from_raw_os_error(*errno)),
            };
            f(*fd, target)?;
        }
        return Ok(());
    }
    let fd_dir = p.path("fd");
    match for_each_fd_link(&fd_dir, f) {
        Ok(()) => Ok(()),
        Err(FdDirError::Io(e)) => Err(os_error(e, &fd_dir)),
        Err(FdDirError::Callback(e)) => Err(e),
    }
}

/// `O_APPEND` for the file-mode rule.
const O_APPEND: i32 = libc::O_APPEND;

/// Every pid: the numeric entries of the procfs root, sorted.
pub(crate) fn pids() -> Result<Vec<Pid>> {
    pids_under(&crate::sys::roots::procfs_root())
}

pub(crate) fn pids_under(root: &Path) -> Result<Vec<Pid>> {
    let dir = std::fs::read_dir(root).map_err(|e| Error::os(e, root.display().to_string()))?;
    let mut pids: Vec<Pid> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name();
            let b = name.as_encoded_bytes();
            if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(b).ok()?.parse().ok()
        })
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// psutil's Linux `pid_exists`: `kill(pid, 0)`, then `Tgid == pid` in status so that
/// thread ids do not count.
pub(crate) fn pid_exists(pid: Pid) -> bool {
    let Ok(raw) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if !crate::sys::posix::pid_exists_by_signal(raw) {
        return false;
    }
    // The Tgid test; if status cannot be read or parsed, psutil falls back to the
    // pid list (which only has thread-group leaders).
    let root = crate::sys::roots::procfs_root();
    match with_file(&pid_path(&root, pid, "status"), status::parse_status) {
        Ok(Ok(st)) => st.tgid.is_none_or(|t| t == i64::from(pid)),
        _ => pids_under(&root)
            .map(|l| l.binary_search(&pid).is_ok())
            .unwrap_or(false),
    }
}

/// Parent and creation time of every process from each `/proc/PID/stat` (psutil's
/// `ppid_map`, plus the creation time for the PID-reuse filter of `children()`).
/// Processes that vanish are skipped; EACCES is AccessDenied.
pub(crate) fn ppid_map() -> Result<Vec<PpidEntry>> {
    let root = crate::sys::roots::procfs_root();
    let boot = crate::sys::cache::boot_time(super::host::boot_time)?;
    let ticks = clock_ticks();
    let mut out = Vec::new();
    for pid in pids_under(&root)? {
        let path = pid_path(&root, pid, "stat");
        match with_file(&path, stat::parse_stat) {
            Ok(Ok(s)) => out.push(PpidEntry {
                pid,
                ppid: u32::try_from(s.ppid).unwrap_or(0),
                create_time: s.starttime as f64 / ticks + boot,
            }),
            Ok(Err(_)) => {}
            Err(e) if matches!(e.raw_os_error(), Some(libc::EACCES) | Some(libc::EPERM)) => {
                return Err(Error::access_denied(pid));
            }
            Err(_) => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::socket_inode;

    #[test]
    fn socket_links() {
        assert_eq!(socket_inode(b"socket:[6546]"), Some(6546));
        assert_eq!(socket_inode(b"socket:[18446744073709551615]"), None); // 20 digits
        assert_eq!(socket_inode(b"socket:[]"), None);
        assert_eq!(socket_inode(b"socket:[12x]"), None);
        assert_eq!(socket_inode(b"pipe:[6546]"), None);
        assert_eq!(socket_inode(b"/tmp/socket:[1]"), None);
    }
}
