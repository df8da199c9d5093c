//! What the three BSD backends share for one process: the per-process context,
//! the process record (`kinfo_proc` / `kinfo_proc2`, cached in a `oneshot` as
//! psutil's `oneshot()` memoises `proc_oneshot_info`), every method read from it,
//! the identity, signals, `wait`, `nice`, `environ`, and the one error-translation
//! point ([`translate`], psutil's `_psbsd.wrap_exceptions`).

use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rpsutil_parse::bsd::kinfo::{self, KinfoProc};
use rpsutil_parse::bsd::state::ProcState;

use super::os;
use super::sysctl;
use crate::sys::posix::{self, raw_pid};
use crate::sys::records::{Identity, PpidEntry};
use crate::types::process::{
    CpuTimes, CtxSwitches, ExitCode, Ids, IoCounters, MemoryFullInfo, MemoryInfo, Pid, Status,
};
use crate::{Error, Result};

/// No per-process context: every call names the pid to the kernel, so the
/// handle is the defaults' empty one (its `open` always succeeds; `identity`
/// checks that the pid exists).
pub(crate) use crate::sys::unsupported::Handle;

/// Process records of OpenBSD (`KERN_PROC`, `struct kinfo_proc`) and NetBSD
/// (`KERN_PROC2`, `struct kinfo_proc2`): both take `{CTL_KERN, node, op, arg,
/// record size, count}`, the count bounding what is copied (the size probe
/// counts every match). `name` is the sysctl's name for errors.
#[cfg(any(target_os = "openbsd", target_os = "netbsd"))]
pub(super) fn kinfo_records(
    node: libc::c_int,
    name: &str,
    layout: &kinfo::ProcLayout,
    op: libc::c_int,
    arg: libc::c_int,
) -> Result<Vec<KinfoProc>> {
    let mib = [
        libc::CTL_KERN,
        node,
        op,
        arg,
        layout.size as libc::c_int,
        libc::c_int::MAX,
    ];
    let buf = sysctl::read(&mib).map_err(|e| os_error(e, name))?;
    kinfo::decode_all(&buf, layout).map_err(|e| sysctl::parse_err(name, e))
}

/// One process's record (see [`kinfo_records`]): `KERN_PROC_PID` with a count of
/// one; ESRCH when the kernel returns none.
#[cfg(any(target_os = "openbsd", target_os = "netbsd"))]
pub(super) fn kinfo_record(
    node: libc::c_int,
    name: &str,
    layout: &kinfo::ProcLayout,
    pid: Pid,
) -> Result<KinfoProc> {
    let mib = [
        libc::CTL_KERN,
        node,
        libc::KERN_PROC_PID,
        raw_pid(pid)?,
        layout.size as libc::c_int,
        1,
    ];
    let buf = sysctl::read_cap(&mib, layout.size).map_err(|e| os_error(e, name))?;
    if buf.is_empty() {
        return Err(os_error(sysctl::esrch(), name));
    }
    kinfo::decode(&buf, layout).map_err(|e| sysctl::parse_err(name, e))
}

/// The process record, kept while a `oneshot` is active.
#[derive(Default, Debug)]
pub(crate) struct RawCache {
    kinfo: Option<Arc<KinfoProc>>,
}

impl RawCache {
    /// Nothing to seed (`Scan` reads nothing ahead).
    pub(crate) fn primed(_scan: &crate::sys::unsupported::Scan, _pid: Pid) -> Option<RawCache> {
        None
    }
}

/// The process argument of every BSD process function.
pub(crate) type Proc<'a> = crate::sys::proc::Proc<'a, Handle, RawCache>;

/// The process record, from the oneshot cache or read now.
pub(crate) fn kinfo(p: &mut Proc<'_>) -> Result<Arc<KinfoProc>> {
    if let Some(k) = p.cache.as_ref().and_then(|c| c.kinfo.clone()) {
        return Ok(k);
    }
    let k = Arc::new(os::read_kinfo(p.pid)?);
    if let Some(c) = p.cache.as_mut() {
        c.kinfo = Some(Arc::clone(&k));
    }
    Ok(k)
}

/// True if the process's fresh record says zombie (psutil's `is_zombie`: any
/// failure counts as "not a zombie").
pub(crate) fn is_zombie(pid: Pid) -> bool {
    os::read_kinfo(pid).is_ok_and(|k| os::is_zombie_stat(k.stat))
}

#[cfg(any(target_os = "openbsd", target_os = "netbsd"))]
/// psutil's `_assert_alive()`: a fresh record, NoSuchProcess when it is gone.
pub(crate) fn assert_alive(pid: Pid) -> Result<()> {
    os::read_kinfo(pid).map(|_| ())
}

/// Every pid, sorted, from the OS's list of process records (deduplicated: a
/// list may hold one record per thread). Where the list leaves out pid 0
/// (`os::PID0_UNLISTED`: OpenBSD), it is added when its record can be read, as
/// psutil does.
pub(crate) fn pids() -> Result<Vec<Pid>> {
    let mut v: Vec<Pid> = os::all_kinfo()?
        .iter()
        .filter(|k| k.pid >= 0)
        .map(|k| k.pid as Pid)
        .collect();
    if os::PID0_UNLISTED && !v.contains(&0) && os::read_kinfo(0).is_ok() {
        v.push(0);
    }
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

/// The error of a sysctl or syscall on a process, for [`translate`].
pub(crate) fn os_error(err: io::Error, what: &str) -> Error {
    sysctl::os_error(err, what)
}

/// The one error-translation point (psutil `_psbsd.wrap_exceptions`):
///
/// | error | result |
/// |---|---|
/// | ESRCH | ZombieProcess if the record says zombie, else NoSuchProcess |
/// | EPERM, EACCES | AccessDenied |
/// | other OS error on pid 0 (when pid 0 is listed) | AccessDenied |
/// | other | unchanged |
pub(crate) fn translate(err: Error, p: &mut Proc<'_>) -> Error {
    let errno = match &err {
        Error::Os { source, .. } => source.raw_os_error(),
        _ => return err,
    };
    match errno {
        Some(libc::ESRCH) => {
            if is_zombie(p.pid) {
                Error::zombie(p.pid)
            } else {
                Error::no_such_process(p.pid)
            }
        }
        Some(libc::EPERM) | Some(libc::EACCES) => Error::access_denied(p.pid),
        _ if p.pid == 0 && pids().is_ok_and(|v| v.contains(&0)) => Error::access_denied(0),
        _ => err,
    }
}

fn status_of(s: ProcState) -> Status {
    match s {
        ProcState::Idle => Status::Idle,
        ProcState::Running => Status::Running,
        ProcState::Sleeping => Status::Sleeping,
        ProcState::Stopped => Status::Stopped,
        ProcState::Zombie => Status::Zombie,
        ProcState::Waiting => Status::Waiting,
        ProcState::Locked => Status::Locked,
        ProcState::Waking => Status::Waking,
        ProcState::Suspended => Status::Suspended,
        ProcState::Unknown => Status::Unknown,
    }
}

/// The start time in microseconds relative to boot: stable when the wall clock is
/// stepped (the kernel moves boot time and every start time together), unlike
/// the epoch value psutil's FreeBSD/OpenBSD identity uses (#2888).
fn start_since_boot(k: &KinfoProc) -> Result<u64> {
    let boot = super::system::boot_timeval()?;
    let boot_us = (boot.tv_sec.max(0) as u64)
        .saturating_mul(1_000_000)
        .saturating_add(boot.tv_usec.max(0) as u64);
    Ok(k.start_micros().saturating_sub(boot_us))
}

/// The identity: the start time relative to boot, in microseconds.
pub(crate) fn identity(p: &mut Proc<'_>) -> Result<Identity> {
    let k = kinfo(p)?;
    Ok(Identity::new(start_since_boot(&k)?, None))
}

/// True if the pid still belongs to the process `expected` names.
pub(crate) fn same_process(p: &mut Proc<'_>, expected: &Identity) -> Result<bool> {
    let k = os::read_kinfo(p.pid)?;
    Ok(start_since_boot(&k)? == expected.start())
}

/// `ki_start` / `p_ustart_*`, epoch seconds (psutil: the kernel's value).
pub(crate) fn create_time(p: &mut Proc<'_>) -> Result<f64> {
    Ok(kinfo(p)?.create_time())
}

/// `ki_comm` / `p_comm`.
pub(crate) fn name(p: &mut Proc<'_>) -> Result<OsString> {
    Ok(OsString::from_vec(kinfo(p)?.comm.clone()))
}

/// `ki_ppid` / `p_ppid`.
pub(crate) fn ppid(p: &mut Proc<'_>) -> Result<Pid> {
    Ok(kinfo(p)?.ppid.max(0) as Pid)
}

/// psutil's status of `ki_stat` / `p_stat` on this OS.
pub(crate) fn status(p: &mut Proc<'_>) -> Result<Status> {
    Ok(status_of(os::state(kinfo(p)?.stat)))
}

/// Real, effective, saved uid.
pub(crate) fn uids(p: &mut Proc<'_>) -> Result<Ids> {
    let u = kinfo(p)?.uids;
    Ok(Ids {
        real: u[0],
        effective: u[1],
        saved: u[2],
    })
}

/// Real gid, first group (psutil's "effective"), saved gid (`ki_svgid` /
/// `p_svgid`; psutil 7.2.2 reports the saved uid there, #2905).
pub(crate) fn gids(p: &mut Proc<'_>) -> Result<Ids> {
    let g = kinfo(p)?.gids;
    Ok(Ids {
        real: g[0],
        effective: g[1],
        saved: g[2],
    })
}

/// The real user's name, the uid as text when it has none (psutil's POSIX
/// `username()`).
pub(crate) fn username(p: &mut Proc<'_>) -> Result<String> {
    let uid = kinfo(p)?.uids[0];
    Ok(crate::sys::posix::users::user_name(uid).unwrap_or_else(|| uid.to_string()))
}

/// The terminal whose device number is `ki_tdev` / `p_tdev`; None for `NODEV`.
pub(crate) fn terminal(p: &mut Proc<'_>) -> Result<Option<String>> {
    let dev = kinfo(p)?.tdev;
    if dev == os::NODEV {
        return Ok(None);
    }
    Ok(crate::sys::posix::terminal::device_name(dev))
}

/// User, system and children's times from the record.
pub(crate) fn cpu_times(p: &mut Proc<'_>) -> Result<CpuTimes> {
    let k = kinfo(p)?;
    Ok(CpuTimes {
        user: k.utime,
        system: k.stime,
        children_user: k.cutime,
        children_system: k.cstime,
        iowait: None,
    })
}

/// psutil's BSD `pmem(rss, vms, text, data, stack)`, bytes.
pub(crate) fn memory_info(p: &mut Proc<'_>) -> Result<MemoryInfo> {
    let k = kinfo(p)?;
    let m = kinfo::memory(&k, posix::page_size(), os::VMS);
    Ok(MemoryInfo {
        rss: m.rss,
        vms: m.vms,
        text: Some(m.text),
        data: Some(m.data),
        stack: Some(m.stack),
        ..MemoryInfo::default()
    })
}

/// On the BSDs psutil's `memory_full_info` is `memory_info` (no USS).
pub(crate) fn memory_full_info(p: &mut Proc<'_>) -> Result<MemoryFullInfo> {
    Ok(MemoryFullInfo {
        basic: memory_info(p)?,
        ..MemoryFullInfo::default()
    })
}

/// Voluntary and involuntary context switches (`ru_nvcsw`, `ru_nivcsw`).
pub(crate) fn num_ctx_switches(p: &mut Proc<'_>) -> Result<CtxSwitches> {
    let k = kinfo(p)?;
    Ok(CtxSwitches {
        voluntary: k.nvcsw,
        involuntary: k.nivcsw,
    })
}

/// psutil's BSD `pio`: block input and output operations (`ru_inblock`,
/// `ru_oublock`). psutil reports -1 for the byte counts, which the kernel does not
/// keep; the unsigned fields here hold 0 (docs/DIFFERENCES.md).
pub(crate) fn io_counters(p: &mut Proc<'_>) -> Result<IoCounters> {
    let k = kinfo(p)?;
    Ok(IoCounters {
        read_count: k.inblock,
        write_count: k.oublock,
        ..IoCounters::default()
    })
}

#[cfg(target_os = "freebsd")]
fn errno_location() -> *mut libc::c_int {
    // SAFETY: returns the calling thread's errno slot; no arguments.
    unsafe { libc::__error() }
}

#[cfg(any(target_os = "openbsd", target_os = "netbsd"))]
fn errno_location() -> *mut libc::c_int {
    // SAFETY: returns the calling thread's errno slot; no arguments.
    unsafe { libc::__errno() }
}

/// `getpriority(PRIO_PROCESS, pid)`, errno cleared first: -1 is a valid nice.
pub(crate) fn nice(p: &mut Proc<'_>) -> Result<i32> {
    let pid = raw_pid(p.pid)?;
    // SAFETY: the slot is this thread's errno, valid for writes.
    unsafe { *errno_location() = 0 };
    // SAFETY: plain integer arguments.
    let v = unsafe { libc::getpriority(libc::PRIO_PROCESS as _, pid as _) };
    if v == -1 {
        // SAFETY: as above, read back.
        let e = unsafe { *errno_location() };
        if e != 0 {
            return Err(os_error(io::Error::from_raw_os_error(e), "getpriority"));
        }
    }
    Ok(v)
}

/// The environment through `sysctl(KERN_PROC_ARGS / KERN_PROC_ENV)`: the node
/// libkvm's `kvm_getenvv` reads on a live system (psutil opens libkvm for it).
/// `{}` for kernel processes and (NetBSD) zombies, as psutil.
pub(crate) fn environ(p: &mut Proc<'_>) -> Result<HashMap<OsString, OsString>> {
    let k = kinfo(p)?;
    if os::skip_environ(&k) {
        return Ok(HashMap::new());
    }
    let strings = os::environ_strings(p.pid)?;
    Ok(rpsutil_parse::bsd::args::environ_pairs(&strings)
        .into_iter()
        .map(|(k, v)| (OsString::from_vec(k), OsString::from_vec(v)))
        .collect())
}

/// Every process's parent and creation time, from one `KERN_PROC` listing.
pub(crate) fn ppid_map() -> Result<Vec<PpidEntry>> {
    Ok(os::all_kinfo()?
        .iter()
        .filter(|k| k.pid >= 0)
        .map(|k| PpidEntry {
            pid: k.pid as Pid,
            ppid: k.ppid.max(0) as Pid,
            create_time: k.create_time(),
        })
        .collect())
}

/// psutil's `pid_exists` for this OS.
pub(crate) fn pid_exists(pid: Pid) -> bool {
    os::pid_exists(pid)
}

/// Sends `sig` if the pid still names `expected`. The BSDs have no process
/// descriptors for arbitrary processes, so the check and the signal are two
/// calls (psutil's order: identity check, then `kill`).
pub(crate) fn send_signal(p: &mut Proc<'_>, expected: &Identity, sig: i32) -> Result<()> {
    let raw = raw_pid(p.pid)?;
    if !same_process(p, expected).map_err(|e| translate(e, p))? {
        return Err(Error::pid_reused(p.pid, None));
    }
    match posix::kill(raw, sig) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {
            // OpenBSD: ESRCH for a zombie that still exists (psutil __init__.py).
            if os::ESRCH_ZOMBIE && os::pid_exists(p.pid) {
                Err(Error::zombie(p.pid))
            } else {
                Err(Error::no_such_process(p.pid))
            }
        }
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => Err(Error::access_denied(p.pid)),
        Err(e) => Err(Error::os(e, "kill")),
    }
}

crate::sys::posix::posix_signal_shortcuts!();

/// psutil's `wait_pid_posix` polling loop (psutil 7.2.2 prefers kqueue
/// `NOTE_EXIT` and falls back to this same loop; the result is the same).
pub(crate) fn wait(p: &mut Proc<'_>, timeout: Option<Duration>) -> Result<Option<ExitCode>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    posix::poll_wait(p.pid, timeout, deadline)
}
