//! OpenBSD: what psutil reads on OpenBSD only (`arch/openbsd/*`, `_psbsd.py`): the
//! `kinfo_proc` layout (`sys/sysctl.h`), pids and threads (`KERN_PROC` with an
//! element size and count; psutil goes through libkvm with `KVM_NO_FILES`, which
//! makes these same calls), cmdline/environ (`KERN_PROC_ARGS` pointer arrays),
//! cwd (`KERN_PROC_CWD`), exe (psutil's `which(argv[0])` guess) and CPU times
//! (`KERN_CPTIME2` per CPU).

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use rpsutil_parse::bsd::args::openbsd_argv;
use rpsutil_parse::bsd::cpu::{self, CP_STATES_OPENBSD};
use rpsutil_parse::bsd::kinfo::{KinfoProc, ProcLayout, TimeField, VmsRule};
use rpsutil_parse::bsd::layout::{self, Field};
use rpsutil_parse::bsd::state::{self, ProcState};

use super::process::{assert_alive, kinfo as proc_kinfo, os_error, pids, Proc};
use super::sysctl;
use super::sysctl::parse_err;
use crate::sys::posix::{self, raw_pid};
use crate::types::cpu::SystemCpuTimes;
use crate::types::process::{Pid, ThreadInfo};
use crate::Result;

type K = libc::kinfo_proc;

/// Where psutil's fields lie in OpenBSD's `struct kinfo_proc`.
const LAYOUT: ProcLayout =
    kinfo_proc2_layout!(K, msize: None, nthreads: None, tid: Some(fld!(K, p_tid)));

/// `vms = (dsize + ssize + tsize) × pagesize`, as `ps(1)` and psutil.
pub(super) const VMS: VmsRule = VmsRule::TextDataStack;
/// `NODEV` (`sys/types.h`: `(dev_t)-1`), `p_tdev` is 32-bit.
pub(super) const NODEV: u64 = u32::MAX as u64;
/// psutil: ESRCH from `kill` on a pid that still exists is a zombie.
pub(super) const ESRCH_ZOMBIE: bool = true;
/// `P_SYSTEM` (`sys/proc.h`): a kernel thread.
const P_SYSTEM: u64 = 0x200;
/// psutil's `CLOCKS_PER_SEC` on OpenBSD.
const HZ: f64 = 100.0;
/// `KERN_CPTIME2` (`sys/sysctl.h`).
const KERN_CPTIME2: libc::c_int = libc::KERN_CPTIME2;

/// `{CTL_KERN, KERN_PROC, KERN_PROC_PID, pid, sizeof(kinfo_proc), 1}`.
pub(super) fn read_kinfo(pid: Pid) -> Result<KinfoProc> {
    super::process::kinfo_record(libc::KERN_PROC, "kern.proc", &LAYOUT, pid)
}

fn list(op: libc::c_int, arg: libc::c_int) -> Result<Vec<KinfoProc>> {
    super::process::kinfo_records(libc::KERN_PROC, "kern.proc", &LAYOUT, op, arg)
}

/// Every process (`KERN_PROC_ALL`).
pub(super) fn all_kinfo() -> Result<Vec<KinfoProc>> {
    list(libc::KERN_PROC_ALL, 0)
}

/// psutil adds pid 0 (the swapper), which `KERN_PROC_ALL` leaves out, when its
/// record can be read.
pub(super) const PID0_UNLISTED: bool = true;

/// psutil: `kill(pid, 0)`, and when that says yes, `pid in pids()` (kill also
/// accepts thread ids).
pub(super) fn pid_exists(pid: Pid) -> bool {
    let by_signal = pid != 0 && libc::pid_t::try_from(pid).is_ok_and(posix::pid_exists_by_signal);
    if pid != 0 && !by_signal {
        return false;
    }
    pids().is_ok_and(|v| v.contains(&pid))
}

pub(super) fn state(stat: i64) -> ProcState {
    state::openbsd(stat)
}

/// `SZOMB` or `SDEAD`.
pub(super) fn is_zombie_stat(stat: i64) -> bool {
    stat == 5 || stat == 6
}

/// psutil returns `{}` for kernel threads.
pub(super) fn skip_environ(k: &KinfoProc) -> bool {
    k.flag & P_SYSTEM != 0
}

/// `{CTL_KERN, KERN_PROC_ARGS, pid, what}`: a relocated pointer array.
fn args(pid: Pid, what: libc::c_int) -> Result<Vec<Vec<u8>>> {
    let mib = [libc::CTL_KERN, libc::KERN_PROC_ARGS, raw_pid(pid)?, what];
    let buf = sysctl::read(&mib).map_err(|e| os_error(e, "kern.proc_args"))?;
    if buf.is_empty() {
        return Ok(Vec::new());
    }
    // The kernel rewrote the pointers for the buffer it filled: this one.
    let base = buf.as_ptr() as u64;
    openbsd_argv(&buf, base, std::mem::size_of::<usize>())
        .map_err(|e| parse_err("kern.proc_args", e))
}

/// `KERN_PROC_ENV`.
pub(super) fn environ_strings(pid: Pid) -> Result<Vec<Vec<u8>>> {
    args(pid, libc::KERN_PROC_ENV)
}

/// `KERN_PROC_ARGV`; `[]` for pid 0.
pub(crate) fn cmdline(p: &mut Proc<'_>) -> Result<Vec<OsString>> {
    if p.pid == 0 {
        return Ok(Vec::new());
    }
    Ok(args(p.pid, libc::KERN_PROC_ARGV)?
        .into_iter()
        .map(OsString::from_vec)
        .collect())
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// psutil's guess: `shutil.which(cmdline()[0])` — the kernel keeps no path. Like
/// `which`, it depends on the caller's `PATH` and working directory; `""` when
/// nothing is found.
pub(crate) fn exe(p: &mut Proc<'_>) -> Result<PathBuf> {
    let argv = cmdline(p)?;
    let Some(arg0) = argv.first() else {
        return Ok(PathBuf::new());
    };
    let arg0 = Path::new(arg0);
    if arg0.as_os_str().as_bytes().contains(&b'/') {
        return Ok(if is_executable(arg0) {
            arg0.to_path_buf()
        } else {
            PathBuf::new()
        });
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(arg0);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Ok(PathBuf::new())
}

/// `{CTL_KERN, KERN_PROC_CWD, pid}`; `""` for pid 0 and on ENOENT.
pub(crate) fn cwd(p: &mut Proc<'_>) -> Result<PathBuf> {
    if p.pid == 0 {
        return Ok(PathBuf::new());
    }
    proc_kinfo(p)?;
    let mib = [libc::CTL_KERN, libc::KERN_PROC_CWD, raw_pid(p.pid)?];
    match sysctl::read_cap(&mib, libc::PATH_MAX as usize) {
        Ok(buf) => Ok(PathBuf::from(OsString::from_vec(
            layout::until_nul(&buf).to_vec(),
        ))),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(PathBuf::new()),
        Err(e) => Err(os_error(e, "kern.proc_cwd")),
    }
}

/// The threads of the process (`KERN_PROC_PID | KERN_PROC_SHOW_THREADS`, the
/// records with a thread id): id, user and system time; then psutil's
/// `_assert_alive()`.
pub(crate) fn threads(p: &mut Proc<'_>) -> Result<Vec<ThreadInfo>> {
    let pid = raw_pid(p.pid)?;
    let recs = list(libc::KERN_PROC_PID | libc::KERN_PROC_SHOW_THREADS, pid)?;
    let mut out: Vec<ThreadInfo> = recs
        .iter()
        .filter(|k| k.pid == i64::from(pid) && k.tid.is_some_and(|t| t >= 0))
        .map(|k| ThreadInfo {
            id: k.tid.unwrap_or(0) as u32,
            user_time: k.utime,
            system_time: k.stime,
        })
        .collect();
    assert_alive(p.pid)?;
    out.sort_by_key(|t| t.id);
    Ok(out)
}

/// psutil: `len(threads())`.
pub(crate) fn num_threads(p: &mut Proc<'_>) -> Result<u32> {
    Ok(threads(p)?.len() as u32)
}

fn percpu_raw() -> Result<Vec<cpu::CpTimes>> {
    let n = super::system::cpu_count_logical()?.unwrap_or(0);
    let mut out = Vec::new();
    for i in 0..n as libc::c_int {
        let buf = sysctl::read_cap(
            &[libc::CTL_KERN, KERN_CPTIME2, i],
            8 * CP_STATES_OPENBSD.count,
        )
        .map_err(|e| os_error(e, "kern.cp_time2"))?;
        let t = cpu::ints(&buf, 8).map_err(|e| parse_err("kern.cp_time2", e))?;
        out.push(
            cpu::cp_times(&t, &CP_STATES_OPENBSD, HZ).map_err(|e| parse_err("kern.cp_time2", e))?,
        );
    }
    Ok(out)
}

/// `KERN_CPTIME2` of each CPU ÷ 100.
pub(crate) fn system_cpu_times_percpu() -> Result<Vec<SystemCpuTimes>> {
    Ok(percpu_raw()?
        .into_iter()
        .map(super::system::cpu_times_of)
        .collect())
}

/// The sum over CPUs (psutil 7.2.2 reports `KERN_CPTIME`, an average per CPU,
/// #2951).
pub(crate) fn system_cpu_times() -> Result<SystemCpuTimes> {
    let mut sum = cpu::CpTimes {
        user: 0.0,
        nice: 0.0,
        system: 0.0,
        idle: 0.0,
        irq: 0.0,
    };
    for c in percpu_raw()? {
        sum.user += c.user;
        sum.nice += c.nice;
        sum.system += c.system;
        sum.idle += c.idle;
        sum.irq += c.irq;
    }
    Ok(super::system::cpu_times_of(sum))
}

/// `{CTL_HW, HW_PHYSMEM64}` (`sys/sysctl.h`: 19), an `int64_t`.
pub(super) fn physmem() -> Result<u64> {
    const HW_PHYSMEM64: libc::c_int = 19;
    sysctl::value::<i64>(&[libc::CTL_HW, HW_PHYSMEM64])
        .map(|v| v.max(0) as u64)
        .map_err(|e| os_error(e, "hw.physmem64"))
}

/// The mount flags psutil names, in its order (`arch/bsd/disk.c`).
pub(super) const MOUNT_FLAGS: &[(u64, &str)] = &[
    (libc::MNT_SYNCHRONOUS as u64, "sync"),
    (libc::MNT_NOEXEC as u64, "noexec"),
    (libc::MNT_NOSUID as u64, "nosuid"),
    (libc::MNT_ASYNC as u64, "async"),
    (libc::MNT_NOATIME as u64, "noatime"),
    (libc::MNT_SOFTDEP as u64, "softdep"),
];
