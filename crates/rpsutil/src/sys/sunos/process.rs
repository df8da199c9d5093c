//! The process functions of the SunOS backend: psutil's `_pssunos.Process` over the
//! `/proc/PID` files (`psinfo`, `status`, `usage`, `cred`, `lpsinfo`, `lwp/`,
//! `path/`, `fd/`, `xmap`, `as`), decoded by `rpsutil_parse::sunos::procfs`.

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use rpsutil_parse::sunos::procfs::{self, ProcState};

use super::handle::{os_error, parse_error, pid_path, read_psinfo, vanished, Proc};
use super::procargs::{read_argv, read_envp};
use crate::sys::records::PpidEntry;
use crate::types::process::{
    CpuTimes, CtxSwitches, Ids, MemoryFullInfo, MemoryInfo, MemoryMap, MemoryMapGrouped, OpenFile,
    Pid, Status, ThreadInfo,
};
use crate::{Error, Result};

fn os_string(bytes: &[u8]) -> OsString {
    OsString::from_vec(bytes.to_vec())
}

/// Every pid: the numeric names of the procfs root (psutil's `pids()`), sorted.
pub(crate) fn pids() -> Result<Vec<Pid>> {
    let root = crate::sys::roots::procfs_root();
    let entries = std::fs::read_dir(&root).map_err(|e| Error::os(e, root.display().to_string()))?;
    let mut out: Vec<Pid> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name();
            let b = name.as_bytes();
            if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(b).ok()?.parse().ok()
        })
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// Parent and creation time of every process, from `psinfo` (readable by all);
/// processes that vanish are skipped.
pub(crate) fn ppid_map() -> Result<Vec<PpidEntry>> {
    let root = crate::sys::roots::procfs_root();
    let mut out = Vec::new();
    for pid in pids()? {
        match read_psinfo(&root, pid) {
            Ok(info) => out.push(PpidEntry {
                pid,
                ppid: u32::try_from(info.ppid).unwrap_or(0),
                create_time: info.start.as_secs_f64(),
            }),
            Err(Error::Os { source, .. })
                if matches!(
                    source.raw_os_error(),
                    Some(libc::EACCES) | Some(libc::EPERM)
                ) =>
            {
                return Err(Error::access_denied(pid))
            }
            Err(_) => {}
        }
    }
    Ok(out)
}

/// `pr_start` as epoch seconds.
pub(crate) fn create_time(p: &mut Proc<'_>) -> Result<f64> {
    Ok(p.psinfo()?.start.as_secs_f64())
}

/// `pr_fname` (at most 15 bytes; the public layer completes it from `argv[0]`).
pub(crate) fn name(p: &mut Proc<'_>) -> Result<OsString> {
    Ok(os_string(&p.psinfo()?.fname))
}

/// `readlink(/proc/PID/path/a.out)`; on any error, `cmdline()` is read (to surface
/// NoSuchProcess/AccessDenied, as psutil) and the path is empty, so that the public
/// layer guesses it from `argv[0]`.
pub(crate) fn exe(p: &mut Proc<'_>) -> Result<PathBuf> {
    match std::fs::read_link(p.path("path/a.out")) {
        Ok(path) => Ok(path),
        Err(_) => {
            cmdline(p)?;
            Ok(PathBuf::new())
        }
    }
}

/// The arguments at `pr_argv` in `/proc/PID/as`; when they cannot be read (another
/// user's process, a vector in an odd state) psutil silently falls back to
/// `pr_psargs` split on spaces (80 bytes at most).
pub(crate) fn cmdline(p: &mut Proc<'_>) -> Result<Vec<OsString>> {
    let info = p.psinfo()?;
    let args = match read_argv(&p.path("as"), &info) {
        Ok(args) => args,
        Err(_) => procfs::split_psargs(&info.psargs),
    };
    Ok(args.iter().map(|a| os_string(a)).collect())
}

/// The environment at `pr_envp` in `/proc/PID/as` (its current contents), each
/// `NAME=value` split at the first `=`. AccessDenied when `pr_envp` is NULL
/// (psutil) or `as` may not be read.
pub(crate) fn environ(p: &mut Proc<'_>) -> Result<HashMap<OsString, OsString>> {
    let info = p.psinfo()?;
    if info.envp == 0 {
        return Err(Error::access_denied(p.pid));
    }
    let path = p.path("as");
    let strings = read_envp(&path, &info).map_err(|e| os_error(e, &path))?;
    Ok(procfs::environ_pairs(&strings)
        .into_iter()
        .map(|(k, v)| (OsString::from_vec(k), OsString::from_vec(v)))
        .collect())
}

/// `pr_lwp.pr_state` mapped by psutil's `PROC_STATUSES`.
pub(crate) fn status(p: &mut Proc<'_>) -> Result<Status> {
    Ok(match procfs::proc_state(p.psinfo()?.state) {
        ProcState::Sleeping => Status::Sleeping,
        ProcState::Running => Status::Running,
        ProcState::Zombie => Status::Zombie,
        ProcState::Stopped => Status::Stopped,
        ProcState::Idle => Status::Idle,
        ProcState::Waiting => Status::Waiting,
        ProcState::Unknown => Status::Unknown,
    })
}

/// `pr_ppid`.
pub(crate) fn ppid(p: &mut Proc<'_>) -> Result<Pid> {
    Ok(u32::try_from(p.psinfo()?.ppid).unwrap_or(0))
}

/// `readlink(/proc/PID/path/cwd)`; a link that does not resolve on a live process
/// gives `""` (psutil).
pub(crate) fn cwd(p: &mut Proc<'_>) -> Result<PathBuf> {
    let path = p.path("path/cwd");
    match std::fs::read_link(&path) {
        Ok(target) => Ok(target),
        Err(e) if vanished(&e) => {
            p.ensure_alive()?;
            Ok(PathBuf::new())
        }
        Err(e) => Err(os_error(e, &path)),
    }
}

/// Real, effective and saved uids from `cred`. psutil falls back to `psinfo`'s
/// `(pr_uid, pr_euid, None)` when `cred` is not readable; `Ids` has no empty saved
/// id, so that case is AccessDenied here (docs/DIFFERENCES.md).
pub(crate) fn uids(p: &mut Proc<'_>) -> Result<Ids> {
    let c = p.cred()?;
    Ok(Ids {
        real: c.ruid,
        effective: c.euid,
        saved: c.suid,
    })
}

/// Real, effective and saved gids from `cred` (see [`uids`]).
pub(crate) fn gids(p: &mut Proc<'_>) -> Result<Ids> {
    let c = p.cred()?;
    Ok(Ids {
        real: c.rgid,
        effective: c.egid,
        saved: c.sgid,
    })
}

/// The name of the real uid (`pr_uid` of `psinfo`, readable for every process;
/// psutil reads it through `uids()`, whose fallback is the same field).
pub(crate) fn username(p: &mut Proc<'_>) -> Result<String> {
    let uid = p.psinfo()?.uid;
    Ok(crate::sys::posix::users::user_name(uid).unwrap_or_else(|| uid.to_string()))
}

/// The controlling terminal: `pr_ttydev` looked up among `/dev/tty*` and
/// `/dev/pts/*`; None for `PRNODEV` or a device not found there. (psutil 7.2.2
/// returns the target of fd 0/1/2/255 instead, a bug: docs/DIFFERENCES.md.)
pub(crate) fn terminal(p: &mut Proc<'_>) -> Result<Option<String>> {
    let dev = p.psinfo()?.ttydev;
    if dev == procfs::PRNODEV {
        return Ok(None);
    }
    Ok(crate::sys::posix::terminal::device_name(dev))
}

/// `pr_vctx` and `pr_ictx` of `usage`.
pub(crate) fn num_ctx_switches(p: &mut Proc<'_>) -> Result<CtxSwitches> {
    let u = p.read_parsed("usage", procfs::parse_prusage)?;
    Ok(CtxSwitches {
        voluntary: u.vctx,
        involuntary: u.ictx,
    })
}

/// The entries of `/proc/PID/fd`.
pub(crate) fn num_fds(p: &mut Proc<'_>) -> Result<u32> {
    let dir = p.path("fd");
    let n = std::fs::read_dir(&dir)
        .map_err(|e| os_error(e, &dir))?
        .filter(|e| e.is_ok())
        .count();
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// `pr_nlwp`.
pub(crate) fn num_threads(p: &mut Proc<'_>) -> Result<u32> {
    Ok(u32::try_from(p.psinfo()?.nlwp).unwrap_or(0))
}

/// Each LWP of `/proc/PID/lwp` with the CPU times of its `lwpstatus`; LWPs that
/// end meanwhile are skipped (then NoSuchProcess if the process ended).
pub(crate) fn threads(p: &mut Proc<'_>) -> Result<Vec<ThreadInfo>> {
    let dir = p.path("lwp");
    let mut tids: Vec<u32> = std::fs::read_dir(&dir)
        .map_err(|e| os_error(e, &dir))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    tids.sort_unstable();
    let mut out = Vec::with_capacity(tids.len());
    let mut hit_enoent = false;
    for tid in tids {
        let path = dir.join(tid.to_string()).join("lwpstatus");
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) if vanished(&e) => {
                hit_enoent = true;
                continue;
            }
            Err(e) => return Err(os_error(e, &path)),
        };
        let st = procfs::parse_lwpstatus(&data).map_err(|e| parse_error(&path, e))?;
        out.push(ThreadInfo {
            id: tid,
            user_time: st.utime.as_secs_f64(),
            system_time: st.stime.as_secs_f64(),
        });
    }
    if hit_enoent {
        p.ensure_alive()?;
    }
    Ok(out)
}

/// `pr_utime`, `pr_stime`, `pr_cutime`, `pr_cstime` of `status`.
pub(crate) fn cpu_times(p: &mut Proc<'_>) -> Result<CpuTimes> {
    let s = p.read_parsed("status", procfs::parse_pstatus)?;
    Ok(CpuTimes {
        user: s.utime.as_secs_f64(),
        system: s.stime.as_secs_f64(),
        children_user: s.cutime.as_secs_f64(),
        children_system: s.cstime.as_secs_f64(),
        iowait: None,
    })
}

/// The first LWP's `pr_onpro` in `lpsinfo`.
pub(crate) fn cpu_num(p: &mut Proc<'_>) -> Result<u32> {
    let cpu = p.read_parsed("lpsinfo", procfs::parse_lpsinfo_first_onpro)?;
    u32::try_from(cpu).map_err(|_| {
        parse_error(
            &p.path("lpsinfo"),
            rpsutil_parse::ParseError::new(format!("negative processor id {cpu}")),
        )
    })
}

/// `pr_lwp.pr_nice` less 20: the kernel keeps nice on a 0..39 scale (psutil 7.2.2
/// returns it unshifted, #2953; docs/DIFFERENCES.md). psutil reads psinfo rather
/// than `getpriority`, which fails for real-time processes (#1194).
pub(crate) fn nice(p: &mut Proc<'_>) -> Result<i32> {
    Ok(i32::from(p.psinfo()?.nice) - 20)
}

/// `setpriority`; pids 2 and 3 (pageout, fsflush) answer ESRCH, which psutil
/// reports as AccessDenied.
pub(crate) fn set_nice(p: &mut Proc<'_>, value: i32) -> Result<()> {
    if matches!(p.pid, 2 | 3) {
        return Err(Error::access_denied(p.pid));
    }
    crate::sys::posix::set_nice(p, value)
}

/// `pr_rssize` and `pr_size` (KiB) in bytes.
pub(crate) fn memory_info(p: &mut Proc<'_>) -> Result<MemoryInfo> {
    let info = p.psinfo()?;
    Ok(MemoryInfo {
        rss: info.rssize_kib.saturating_mul(1024),
        vms: info.size_kib.saturating_mul(1024),
        ..MemoryInfo::default()
    })
}

/// The same as `memory_info` (psutil: `memory_full_info = memory_info`).
pub(crate) fn memory_full_info(p: &mut Proc<'_>) -> Result<MemoryFullInfo> {
    Ok(MemoryFullInfo {
        basic: memory_info(p)?,
        ..MemoryFullInfo::default()
    })
}

/// Every `xmap` entry, named and sized as psutil does; names that are not
/// pseudo-names are resolved with `readlink(/proc/PID/path/<name>)`, an
/// unresolvable one kept as that path.
pub(crate) fn memory_maps(p: &mut Proc<'_>) -> Result<Vec<MemoryMap>> {
    let status = p.read_parsed("status", procfs::parse_pstatus)?;
    let entries = p.read_parsed("xmap", procfs::parse_xmap)?;
    let mut out = Vec::with_capacity(entries.len());
    let mut hit_enoent = false;
    for entry in &entries {
        let row = procfs::map_row(entry, &status);
        let path = if row.is_pseudo() {
            PathBuf::from(os_string(&row.name))
        } else {
            let link = p
                .path("path")
                .join(Path::new(std::ffi::OsStr::from_bytes(&row.name)));
            match std::fs::read_link(&link) {
                Ok(target) => target,
                Err(e) if vanished(&e) => {
                    hit_enoent = true;
                    link
                }
                Err(e) => return Err(os_error(e, &link)),
            }
        };
        out.push(MemoryMap {
            addr: row.addr(),
            perms: row.perms.clone(),
            region: MemoryMapGrouped {
                path,
                rss: row.rss,
                anonymous: Some(row.anonymous),
                locked: Some(row.locked),
                ..MemoryMapGrouped::default()
            },
        });
    }
    if hit_enoent {
        p.ensure_alive()?;
    }
    Ok(out)
}

/// psutil's `isfile_strict`: a regular file by `stat` (following links);
/// EPERM/EACCES are errors, anything else is "not a file".
fn is_regular_file(path: &Path) -> Result<bool> {
    match std::fs::metadata(path) {
        Ok(md) => {
            let ft = md.file_type();
            Ok(ft.is_file() && !ft.is_fifo() && !ft.is_socket())
        }
        Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES)) => {
            Err(os_error(e, path))
        }
        Err(_) => Ok(false),
    }
}

/// For each fd of `/proc/PID/fd` whose `/proc/PID/path/N` is a link, its target if
/// that is a regular file.
pub(crate) fn open_files(p: &mut Proc<'_>) -> Result<Vec<OpenFile>> {
    let dir = p.path("fd");
    let mut fds: Vec<i32> = std::fs::read_dir(&dir)
        .map_err(|e| os_error(e, &dir))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    fds.sort_unstable();
    let mut out = Vec::new();
    let mut hit_enoent = false;
    for fd in fds {
        let link = pid_path(p.root(), p.pid, "path").join(fd.to_string());
        let is_link = link
            .symlink_metadata()
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false);
        if !is_link {
            continue;
        }
        let target = match std::fs::read_link(&link) {
            Ok(t) => t,
            Err(e) if vanished(&e) => {
                hit_enoent = true;
                continue;
            }
            Err(e) => return Err(os_error(e, &link)),
        };
        if is_regular_file(&target)? {
            out.push(OpenFile {
                path: target,
                fd,
                position: None,
                mode: None,
                flags: None,
            });
        }
    }
    if hit_enoent {
        p.ensure_alive()?;
    }
    Ok(out)
}
