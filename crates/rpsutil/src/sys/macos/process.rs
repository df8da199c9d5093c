//! One process on macOS: the per-process context, psutil's two records (the
//! `kinfo_proc` of `sysctl(KERN_PROC_PID)` and the `proc_taskinfo` of
//! `proc_pidinfo(PROC_PIDTASKINFO)`, both cached inside `oneshot`), the identity,
//! the one error-translation point, and the getters built on them
//! (`_psosx.py`, `arch/osx/proc.c`).

use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use rpsutil_parse::macos::kinfo::{self, KinfoProc, ProcState};
use rpsutil_parse::macos::procargs;
use rpsutil_parse::macos::time as mtime;

use super::ffi;
use crate::sys::posix::raw_pid;
use crate::sys::records::{Identity, PpidEntry};
use crate::types::process::{
    CpuTimes, CtxSwitches, Ids, MemoryFullInfo, MemoryInfo, Pid, Status, ThreadInfo,
};
use crate::{Error, Result};

/// The process argument of this backend's functions.
pub(crate) type Proc<'a> = crate::sys::proc::Proc<'a, Handle, RawCache>;

/// No per-process context: every call names the pid to the kernel, so the
/// handle is the defaults' empty one (its `open` always succeeds; `identity`
/// checks that the pid exists).
pub(crate) use crate::sys::unsupported::Handle;

/// The two records psutil memoises in `oneshot()` (`_psosx.py:386-392`).
#[derive(Default, Debug)]
pub(crate) struct RawCache {
    kinfo: Option<KinfoProc>,
    task: Option<libc::proc_taskinfo>,
}

impl RawCache {
    /// A scan reads nothing ahead on macOS.
    pub(crate) fn primed(_scan: &crate::sys::unsupported::Scan, _pid: Pid) -> Option<RawCache> {
        None
    }
}

/// A raw OS error of a process call, for `translate`.
pub(crate) fn os_error(err: io::Error, what: &str) -> Error {
    Error::os(err, what)
}

// ------------------------------------------------------------------ records

/// `sysctl({CTL_KERN, KERN_PROC, KERN_PROC_PID, pid})`: −1 → the errno; an empty
/// answer → ESRCH (`arch/osx/proc_utils.c`, `psutil_get_kinfo_proc`).
pub(crate) fn read_kinfo(pid: Pid) -> Result<KinfoProc> {
    let raw = raw_pid(pid)?;
    let mib = [libc::CTL_KERN, libc::KERN_PROC, libc::KERN_PROC_PID, raw];
    let buf = ffi::sysctl_buf(&mib, kinfo::KINFO_PROC_SIZE)
        .map_err(|e| os_error(e, "sysctl(KERN_PROC_PID)"))?;
    if buf.is_empty() {
        return Err(os_error(
            io::Error::from_raw_os_error(libc::ESRCH),
            "sysctl(KERN_PROC_PID)",
        ));
    }
    kinfo::parse_kinfo_proc(&buf).map_err(|e| Error::os(io::Error::other(e.detail), "kinfo_proc"))
}

/// The kinfo record, from the oneshot cache when one is active.
pub(crate) fn kinfo_of(p: &mut Proc<'_>) -> Result<KinfoProc> {
    if let Some(k) = p.cache.as_ref().and_then(|c| c.kinfo.clone()) {
        return Ok(k);
    }
    let k = read_kinfo(p.pid)?;
    if let Some(c) = p.cache.as_mut() {
        c.kinfo = Some(k.clone());
    }
    Ok(k)
}

/// `proc_pidinfo(PROC_PIDTASKINFO)`: fails with EPERM for other users' processes
/// (unless root) and ESRCH for zombies (`osx/proc.c:114-121`).
fn taskinfo_of(p: &mut Proc<'_>) -> Result<libc::proc_taskinfo> {
    if let Some(t) = p.cache.as_ref().and_then(|c| c.task) {
        return Ok(t);
    }
    let raw = raw_pid(p.pid)?;
    let t: libc::proc_taskinfo = ffi::proc_pidinfo_value(raw, libc::PROC_PIDTASKINFO, 0)
        .map_err(|e| raise_for_pid(p.pid, e, "proc_pidinfo(PROC_PIDTASKINFO)"))?;
    if let Some(c) = p.cache.as_mut() {
        c.task = Some(t);
    }
    Ok(t)
}

/// True if the kinfo record says zombie; any failure counts as "not a zombie"
/// (`is_zombie`, `osx/proc_utils.c:53-63`).
pub(crate) fn is_zombie(pid: Pid) -> bool {
    matches!(read_kinfo(pid), Ok(k) if k.stat == 5)
}

/// psutil's `psutil_raise_for_pid`: a call failed; errno set → that error; else
/// the pid is gone → ESRCH; else a zombie → ZombieProcess; else a plain error.
pub(crate) fn raise_for_pid(pid: Pid, err: io::Error, what: &str) -> Error {
    match err.raw_os_error() {
        Some(e) if e != 0 => os_error(err, what),
        _ if !super::system::pid_exists(pid) => Error::no_such_process(pid),
        _ if is_zombie(pid) => Error::zombie(pid),
        _ => Error::os(io::Error::other(format!("{what} syscall failed")), what),
    }
}

/// psutil's `_psosx.wrap_exceptions`: ESRCH → ZombieProcess if the kinfo record
/// says zombie, else NoSuchProcess; EPERM/EACCES → AccessDenied; anything else
/// unchanged.
pub(crate) fn translate(err: Error, p: &mut Proc<'_>) -> Error {
    let errno = match &err {
        Error::Os { source, .. } => source.raw_os_error(),
        _ => return err,
    };
    match errno {
        Some(libc::ESRCH) if is_zombie(p.pid) => Error::zombie(p.pid),
        Some(libc::ESRCH) => Error::no_such_process(p.pid),
        Some(libc::EPERM) | Some(libc::EACCES) => Error::access_denied(p.pid),
        _ => err,
    }
}

// ----------------------------------------------------------------- identity

/// (pid, raw kernel start time): psutil's macOS identity uses
/// `create_time(monotonic=True)`, the unadjusted `p_starttime`; here in µs.
pub(crate) fn identity(p: &mut Proc<'_>) -> Result<Identity> {
    Ok(Identity::new(kinfo_of(p)?.start_micros(), None))
}

/// True if the pid still has the start time of `expected`.
pub(crate) fn same_process(p: &mut Proc<'_>, expected: &Identity) -> Result<bool> {
    // Read fresh: a oneshot's record may predate a reuse.
    Ok(read_kinfo(p.pid)?.start_micros() == expected.start())
}

// ------------------------------------------------------------ kinfo getters

/// `p_comm` (at most 16 bytes; the public layer completes it from argv[0]).
pub(crate) fn name(p: &mut Proc<'_>) -> Result<OsString> {
    Ok(OsString::from_vec(kinfo_of(p)?.comm))
}

/// `e_ppid`.
pub(crate) fn ppid(p: &mut Proc<'_>) -> Result<Pid> {
    Ok(Pid::try_from(kinfo_of(p)?.ppid).unwrap_or(0))
}

/// Real (`p_ruid`), effective (`cr_uid`), saved (`p_svuid`).
pub(crate) fn uids(p: &mut Proc<'_>) -> Result<Ids> {
    let k = kinfo_of(p)?;
    Ok(Ids {
        real: k.ruid,
        effective: k.euid,
        saved: k.suid,
    })
}

/// Real (`p_rgid`), effective (`cr_groups[0]`), saved (`p_svgid`).
pub(crate) fn gids(p: &mut Proc<'_>) -> Result<Ids> {
    let k = kinfo_of(p)?;
    Ok(Ids {
        real: k.rgid,
        effective: k.egid,
        saved: k.sgid,
    })
}

/// The real user's name, the uid as text without one.
pub(crate) fn username(p: &mut Proc<'_>) -> Result<String> {
    let real = uids(p)?.real;
    Ok(crate::sys::posix::users::user_name(real).unwrap_or_else(|| real.to_string()))
}

/// `e_tdev` looked up among `/dev/tty*` (`NODEV` → None).
pub(crate) fn terminal(p: &mut Proc<'_>) -> Result<Option<String>> {
    let tdev = kinfo_of(p)?.tdev;
    if tdev == -1 {
        return Ok(None);
    }
    // st_rdev is a 32-bit dev_t on macOS; MetadataExt::rdev widens it the same way.
    Ok(crate::sys::posix::terminal::device_name(
        tdev as libc::dev_t as u64,
    ))
}

/// psutil's `convert_status` (#2675).
pub(crate) fn status(p: &mut Proc<'_>) -> Result<Status> {
    let k = kinfo_of(p)?;
    Ok(match kinfo::proc_state(k.stat, k.flag, k.eflag) {
        ProcState::Idle => Status::Idle,
        ProcState::Running => Status::Running,
        ProcState::Sleeping => Status::Sleeping,
        ProcState::Stopped => Status::Stopped,
        ProcState::Zombie => Status::Zombie,
        ProcState::Unknown => Status::Unknown,
    })
}

/// `p_starttime`, corrected for wall-clock steps since the first boot-time read:
/// `ctime + (boot_time_now − boot_time_then)` (psutil's `adjust_proc_create_time`
/// adds the absolute difference for both directions, its bug; see
/// docs/DIFFERENCES.md).
pub(crate) fn create_time(p: &mut Proc<'_>) -> Result<f64> {
    let ctime = kinfo_of(p)?.start_secs();
    Ok(adjust_create_time(ctime))
}

fn adjust_create_time(ctime: f64) -> f64 {
    let (Ok(then), Ok(now)) = (
        crate::sys::cache::boot_time(super::system::boot_time),
        super::system::boot_time(),
    ) else {
        return ctime;
    };
    let diff = now - then;
    if diff.abs() < 1.0 {
        ctime
    } else {
        ctime + diff
    }
}

/// Every process's parent and creation time from one `KERN_PROC_ALL` read.
pub(crate) fn ppid_map() -> Result<Vec<PpidEntry>> {
    let buf = super::system::kern_proc_all()?;
    Ok(kinfo::parse_kinfo_all(&buf)
        .into_iter()
        .filter_map(|k| {
            Some(PpidEntry {
                pid: Pid::try_from(k.pid).ok()?,
                ppid: Pid::try_from(k.ppid).unwrap_or(0),
                create_time: adjust_create_time(k.start_secs()),
            })
        })
        .collect())
}

// ----------------------------------------------------------- libproc getters

/// `proc_pidpath`: pid 0 → AccessDenied; ENOENT (binary deleted, #1738) → "".
pub(crate) fn exe(p: &mut Proc<'_>) -> Result<PathBuf> {
    let raw = raw_pid(p.pid)?;
    if raw == 0 {
        return Err(Error::access_denied(p.pid));
    }
    // PROC_PIDPATHINFO_MAXSIZE = 4 * MAXPATHLEN (sys/proc_info.h).
    let mut buf = vec![0u8; 4 * 1024];
    // SAFETY: buf is writable for its length, which is passed.
    let n = unsafe { libc::proc_pidpath(raw, buf.as_mut_ptr().cast(), buf.len() as u32) };
    if n <= 0 {
        let err = ffi::last_errno();
        if err.raw_os_error() == Some(libc::ENOENT) {
            return Ok(PathBuf::new());
        }
        return Err(raise_for_pid(p.pid, err, "proc_pidpath"));
    }
    buf.truncate(usize::try_from(n).unwrap_or(0));
    if let Some(nul) = buf.iter().position(|&b| b == 0) {
        buf.truncate(nul);
    }
    Ok(PathBuf::from(OsString::from_vec(buf)))
}

/// The `KERN_PROCARGS2` area with psutil's failure ladder
/// (`osx/proc_utils.c:67-110`): pid gone → ESRCH; zombie → ZombieProcess; EINVAL
/// or EIO (another user's process) → AccessDenied; errno 0 → AccessDenied (psutil
/// meant that, #2708, but raised SystemError until #2854); else the error.
fn procargs(p: &mut Proc<'_>) -> Result<procargs::ProcArgs> {
    let raw = raw_pid(p.pid)?;
    let argmax = ffi::sysctl_value::<libc::c_int>(&[libc::CTL_KERN, libc::KERN_ARGMAX])
        .map_err(|e| ffi::os(e, "sysctl(KERN_ARGMAX)"))?;
    let size = usize::try_from(argmax).unwrap_or(0).max(4096);
    let buf = match ffi::sysctl_buf(&[libc::CTL_KERN, libc::KERN_PROCARGS2, raw], size) {
        Ok(b) => b,
        Err(e) => {
            if !super::system::pid_exists(p.pid) {
                return Err(Error::no_such_process(p.pid));
            }
            if is_zombie(p.pid) {
                return Err(Error::zombie(p.pid));
            }
            return Err(match e.raw_os_error() {
                Some(libc::EINVAL) | Some(libc::EIO) | Some(0) | None => {
                    Error::access_denied(p.pid)
                }
                _ => os_error(e, "sysctl(KERN_PROCARGS2)"),
            });
        }
    };
    procargs::parse_procargs2(&buf)
        .map_err(|e| Error::os(io::Error::other(e.detail), "KERN_PROCARGS2"))
}

/// The arguments; `[]` for pid 0 (psutil special-cases it).
pub(crate) fn cmdline(p: &mut Proc<'_>) -> Result<Vec<OsString>> {
    if p.pid == 0 {
        return Ok(Vec::new());
    }
    Ok(procargs(p)?
        .argv
        .into_iter()
        .map(OsString::from_vec)
        .collect())
}

/// The environment (usually `{}` for other processes since macOS 11: the kernel
/// hands it only to the process itself or entitled callers); `{}` for pid 0.
pub(crate) fn environ(p: &mut Proc<'_>) -> Result<HashMap<OsString, OsString>> {
    if p.pid == 0 {
        return Ok(HashMap::new());
    }
    let args = procargs(p)?;
    Ok(procargs::environ_pairs(&args.env)
        .into_iter()
        .map(|(k, v)| (OsString::from_vec(k), OsString::from_vec(v)))
        .collect())
}

/// `proc_pidinfo(PROC_PIDVNODEPATHINFO)` → `pvi_cdir.vip_path`.
pub(crate) fn cwd(p: &mut Proc<'_>) -> Result<PathBuf> {
    let raw = raw_pid(p.pid)?;
    let info: libc::proc_vnodepathinfo =
        ffi::proc_pidinfo_value(raw, libc::PROC_PIDVNODEPATHINFO, 0)
            .map_err(|e| raise_for_pid(p.pid, e, "proc_pidinfo(PROC_PIDVNODEPATHINFO)"))?;
    let flat: Vec<libc::c_char> = info.pvi_cdir.vip_path.iter().flatten().copied().collect();
    Ok(PathBuf::from(OsString::from_vec(ffi::c_chars(&flat))))
}

/// Seconds per Mach absolute-time tick source: `hw.tbfrequency` (psutil 8.0,
/// #2411: right under Rosetta 2), else `mach_timebase_info`.
fn mach_ticks_to_secs(ticks: u64) -> f64 {
    static FREQ: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    let freq = *FREQ.get_or_init(|| {
        ffi::sysctlbyname_int("hw.tbfrequency")
            .ok()
            .and_then(|f| u64::try_from(f).ok())
    });
    if let Some(s) = freq.and_then(|f| mtime::ticks_to_secs_by_frequency(ticks, f)) {
        return s;
    }
    let mut tb = libc::mach_timebase_info { numer: 0, denom: 0 };
    // SAFETY: tb is a valid, writable mach_timebase_info.
    unsafe { libc::mach_timebase_info(&mut tb) };
    mtime::ticks_to_secs_by_timebase(ticks, tb.numer, tb.denom).unwrap_or(ticks as f64 / 1e9)
}

/// `pti_total_user` / `pti_total_system` in seconds; children always 0.
pub(crate) fn cpu_times(p: &mut Proc<'_>) -> Result<CpuTimes> {
    let t = taskinfo_of(p)?;
    Ok(CpuTimes {
        user: mach_ticks_to_secs(t.pti_total_user),
        system: mach_ticks_to_secs(t.pti_total_system),
        children_user: 0.0,
        children_system: 0.0,
        iowait: None,
    })
}

/// `pmem(rss, vms, pfaults, pageins)`. The 32-bit counters are read at their real
/// width (psutil's 64-bit format code gave garbage high bits, #2726).
pub(crate) fn memory_info(p: &mut Proc<'_>) -> Result<MemoryInfo> {
    let t = taskinfo_of(p)?;
    Ok(MemoryInfo {
        rss: t.pti_resident_size,
        vms: t.pti_virtual_size,
        pfaults: Some(u64::from(t.pti_faults as u32)),
        pageins: Some(u64::from(t.pti_pageins as u32)),
        ..MemoryInfo::default()
    })
}

/// `pfullmem(rss, vms, pfaults, pageins, uss)`: `memory_info()` first (as
/// psutil), then the USS from the task's VM regions (`super::mach::uss`), which
/// needs `task_for_pid`: root, or the caller's own effective user.
pub(crate) fn memory_full_info(p: &mut Proc<'_>) -> Result<MemoryFullInfo> {
    let basic = memory_info(p)?;
    let raw = raw_pid(p.pid)?;
    let owner = kinfo_of(p)?.euid;
    let uss = super::mach::uss(p.pid, raw, owner)?;
    Ok(MemoryFullInfo {
        basic,
        uss: Some(uss),
        pss: None,
        swap: None,
    })
}

/// `pti_threadnum`.
pub(crate) fn num_threads(p: &mut Proc<'_>) -> Result<u32> {
    Ok(taskinfo_of(p)?.pti_threadnum.max(0) as u32)
}

/// `pctxsw(pti_csw, 0)`: macOS counts no involuntary switches per task.
pub(crate) fn num_ctx_switches(p: &mut Proc<'_>) -> Result<CtxSwitches> {
    Ok(CtxSwitches {
        voluntary: u64::from(taskinfo_of(p)?.pti_csw as u32),
        involuntary: 0,
    })
}

/// Threads through libproc (`PROC_PIDLISTTHREADS`, then `PROC_PIDTHREADINFO` per
/// thread), as psutil 8.0 (#2886) instead of 7.2.2's `task_for_pid`, which needs
/// root and can hang (#2885). The id is the thread's 1-based position, as psutil
/// 7.2.2 reports it (the kernel's 64-bit thread ids do not fit `pthread.id`'s
/// type here); times are `pth_user_time` / `pth_system_time`, nanoseconds.
pub(crate) fn threads(p: &mut Proc<'_>) -> Result<Vec<ThreadInfo>> {
    let raw = raw_pid(p.pid)?;
    let mut want = usize::try_from(taskinfo_of(p)?.pti_threadnum.max(1)).unwrap_or(1) + 16;
    let handles = loop {
        let mut buf = vec![0u8; want * 8];
        let n = ffi::proc_pidinfo(raw, ffi::PROC_PIDLISTTHREADS, 0, &mut buf)
            .map_err(|e| raise_for_pid(p.pid, e, "proc_pidinfo(PROC_PIDLISTTHREADS)"))?;
        if n >= buf.len() && want < 1 << 20 {
            want *= 2;
            continue;
        }
        buf.truncate(n);
        break buf
            .chunks_exact(8)
            .filter_map(|c| <[u8; 8]>::try_from(c).ok().map(u64::from_ne_bytes))
            .collect::<Vec<u64>>();
    };
    let mut out = Vec::with_capacity(handles.len());
    for (i, h) in handles.into_iter().enumerate() {
        match ffi::proc_pidinfo_value::<libc::proc_threadinfo>(raw, libc::PROC_PIDTHREADINFO, h) {
            Ok(ti) => out.push(ThreadInfo {
                id: u32::try_from(i + 1).unwrap_or(u32::MAX),
                user_time: ti.pth_user_time as f64 / 1e9,
                system_time: ti.pth_system_time as f64 / 1e9,
            }),
            // The thread ended meanwhile.
            Err(e)
                if matches!(e.raw_os_error(), Some(libc::ESRCH) | Some(0))
                    && super::system::pid_exists(p.pid) => {}
            Err(e) => return Err(raise_for_pid(p.pid, e, "proc_pidinfo(PROC_PIDTHREADINFO)")),
        }
    }
    Ok(out)
}

/// `getpriority(PRIO_PROCESS, pid)` with errno cleared first.
pub(crate) fn nice(p: &mut Proc<'_>) -> Result<i32> {
    let raw = raw_pid(p.pid)?;
    // SAFETY: __error() is this thread's errno; getpriority takes integers.
    let v = unsafe {
        *libc::__error() = 0;
        libc::getpriority(libc::PRIO_PROCESS, raw as libc::id_t)
    };
    if v == -1 {
        let err = ffi::last_errno();
        if err.raw_os_error().unwrap_or(0) != 0 {
            return Err(os_error(err, "getpriority"));
        }
    }
    Ok(v)
}
