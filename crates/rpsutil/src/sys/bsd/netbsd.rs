//! NetBSD: what psutil reads on NetBSD only (`arch/netbsd/*`, `_psbsd.py`): the
//! `kinfo_proc2` layout (`sys/sysctl.h`), pids (`KERN_PROC2`; psutil goes through
//! libkvm's `kvm_getproc2`, which makes this call), cmdline/environ
//! (`KERN_PROC_ARGS`), threads (`KERN_LWP`), and CPU times (`kern.cp_time`,
//! `KERN_CP_TIME` per CPU). exe and cwd come from `KERN_PROC_ARGS` /
//! `KERN_PROC_PATHNAME` and `KERN_PROC_CWD` instead of psutil 7.2.2's `/proc`
//! reads (#1534).

use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use rpsutil_parse::bsd::args::split_nul;
use rpsutil_parse::bsd::cpu::{self, CP_STATES_5};
use rpsutil_parse::bsd::kinfo::{KinfoProc, ProcLayout, TimeField, VmsRule};
use rpsutil_parse::bsd::layout::{self, Field};
use rpsutil_parse::bsd::state::{self, ProcState};

use super::process::{assert_alive, kinfo as proc_kinfo, os_error, pids, Proc};
use super::sysctl;
use super::sysctl::{esrch, parse_err};
use crate::sys::posix::{self, raw_pid};
use crate::types::cpu::SystemCpuTimes;
use crate::types::process::{Pid, ThreadInfo};
use crate::Result;

type K = libc::kinfo_proc2;

/// Where psutil's fields lie in NetBSD's `struct kinfo_proc2`.
const LAYOUT: ProcLayout = kinfo_proc2_layout!(
    K,
    msize: Some(fld!(K, p_vm_msize)),
    nthreads: Some(fld!(K, p_nlwps)),
    tid: None
);

/// `vms = p_vm_msize × pagesize`, as `top(1)` and psutil.
pub(super) const VMS: VmsRule = VmsRule::Mapped;
/// `NODEV` (`(dev_t)-1`), `p_tdev` is 32-bit.
pub(super) const NODEV: u64 = u32::MAX as u64;
/// psutil's ESRCH-on-signal → ZombieProcess rule is OpenBSD's only.
pub(super) const ESRCH_ZOMBIE: bool = false;
/// Pid 0 is in the process list when it exists (OpenBSD's is not).
pub(super) const PID0_UNLISTED: bool = false;
/// psutil's `CLOCKS_PER_SEC` on NetBSD.
const HZ: f64 = 100.0;
/// `KERN_PROC_CWD` (`sys/sysctl.h`, NetBSD 9.99.43 and later).
const KERN_PROC_CWD: libc::c_int = 6;

/// `{CTL_KERN, KERN_PROC2, KERN_PROC_PID, pid, sizeof(kinfo_proc2), 1}`.
pub(super) fn read_kinfo(pid: Pid) -> Result<KinfoProc> {
    super::process::kinfo_record(libc::KERN_PROC2, "kern.proc2", &LAYOUT, pid)
}

/// Every process (`KERN_PROC_ALL`).
pub(super) fn all_kinfo() -> Result<Vec<KinfoProc>> {
    super::process::kinfo_records(
        libc::KERN_PROC2,
        "kern.proc2",
        &LAYOUT,
        libc::KERN_PROC_ALL,
        0,
    )
}

/// psutil: `kill(pid, 0)`, and when that says no, `pid in pids()` (kill reports
/// zombies as gone).
pub(super) fn pid_exists(pid: Pid) -> bool {
    if pid != 0 && libc::pid_t::try_from(pid).is_ok_and(posix::pid_exists_by_signal) {
        return true;
    }
    pids().is_ok_and(|v| v.contains(&pid))
}

pub(super) fn state(stat: i64) -> ProcState {
    state::netbsd(stat)
}

/// `LSZOMB`.
pub(super) fn is_zombie_stat(stat: i64) -> bool {
    stat == 5
}

/// psutil returns `{}` for zombies.
pub(super) fn skip_environ(k: &KinfoProc) -> bool {
    is_zombie_stat(k.stat)
}

fn args(pid: Pid, what: libc::c_int) -> io::Result<Vec<u8>> {
    let mib = [
        libc::CTL_KERN,
        libc::KERN_PROC_ARGS,
        pid as libc::c_int,
        what,
    ];
    // psutil retries EBUSY (the process is being exec'ed) up to 50 times, #2250.
    let mut last = None;
    for _ in 0..50 {
        match sysctl::read(&mib) {
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => last = Some(e),
            other => return other,
        }
    }
    Err(last.unwrap_or_else(|| io::Error::from_raw_os_error(libc::EBUSY)))
}

/// `KERN_PROC_ENV`.
pub(super) fn environ_strings(pid: Pid) -> Result<Vec<Vec<u8>>> {
    raw_pid(pid)?;
    Ok(split_nul(
        &args(pid, libc::KERN_PROC_ENV).map_err(|e| os_error(e, "kern.proc_args"))?,
    ))
}

/// `KERN_PROC_ARGV`: NUL-separated strings; `[]` after 50 EBUSY answers (psutil).
pub(crate) fn cmdline(p: &mut Proc<'_>) -> Result<Vec<OsString>> {
    raw_pid(p.pid)?;
    match args(p.pid, libc::KERN_PROC_ARGV) {
        Ok(buf) => Ok(split_nul(&buf)
            .into_iter()
            .map(OsString::from_vec)
            .collect()),
        Err(e) if e.raw_os_error() == Some(libc::EBUSY) => Ok(Vec::new()),
        Err(e) => Err(os_error(e, "kern.proc_args")),
    }
}

fn path_arg(p: &mut Proc<'_>, what: libc::c_int, name: &str) -> Result<PathBuf> {
    raw_pid(p.pid)?;
    let mib = [
        libc::CTL_KERN,
        libc::KERN_PROC_ARGS,
        p.pid as libc::c_int,
        what,
    ];
    let buf = sysctl::read_cap(&mib, libc::PATH_MAX as usize).map_err(|e| os_error(e, name))?;
    Ok(PathBuf::from(OsString::from_vec(
        layout::until_nul(&buf).to_vec(),
    )))
}

/// `KERN_PROC_PATHNAME` (psutil 7.2.2 reads `/proc/PID/exe`; 8.0 this node);
/// `""` for pid 0.
pub(crate) fn exe(p: &mut Proc<'_>) -> Result<PathBuf> {
    if p.pid == 0 {
        return Ok(PathBuf::new());
    }
    path_arg(p, libc::KERN_PROC_PATHNAME, "kern.proc_args.pathname")
}

/// `KERN_PROC_CWD` (psutil uses it where the headers have it).
pub(crate) fn cwd(p: &mut Proc<'_>) -> Result<PathBuf> {
    path_arg(p, KERN_PROC_CWD, "kern.proc_args.cwd")
}

/// `p_nlwps`.
pub(crate) fn num_threads(p: &mut Proc<'_>) -> Result<u32> {
    Ok(proc_kinfo(p)?.nthreads.unwrap_or(0) as u32)
}

/// `{CTL_KERN, KERN_LWP, pid, sizeof(kinfo_lwp), count}`: LWPs not idle or zombie,
/// `(l_lid, l_rtime, l_rtime)` (psutil reports the LWP's run time as both user
/// and system time).
pub(crate) fn threads(p: &mut Proc<'_>) -> Result<Vec<ThreadInfo>> {
    type L = libc::kinfo_lwp;
    let mib = [
        libc::CTL_KERN,
        libc::KERN_LWP,
        raw_pid(p.pid)?,
        std::mem::size_of::<L>() as libc::c_int,
        libc::c_int::MAX,
    ];
    let buf = sysctl::read(&mib).map_err(|e| os_error(e, "kern.lwp"))?;
    if buf.is_empty() {
        return Err(os_error(esrch(), "kern.lwp"));
    }
    let recs =
        layout::records(&buf, std::mem::size_of::<L>()).map_err(|e| parse_err("kern.lwp", e))?;
    let mut out = Vec::new();
    for r in recs {
        let rd = |f: Field| layout::read_i(r, f).map_err(|e| parse_err("kern.lwp", e));
        let stat = rd(fld!(L, l_stat))?;
        if stat == i64::from(libc::LSIDL) || stat == i64::from(libc::LSZOMB) {
            continue;
        }
        let rtime = rd(fld!(L, l_rtime_sec))? as f64 + rd(fld!(L, l_rtime_usec))? as f64 / 1e6;
        out.push(ThreadInfo {
            id: rd(fld!(L, l_lid))?.max(0) as u32,
            user_time: rtime,
            system_time: rtime,
        });
    }
    assert_alive(p.pid)?;
    out.sort_by_key(|t| t.id);
    Ok(out)
}

/// `kern.cp_time` (`u_int64_t[CPUSTATES]`) ÷ 100.
pub(crate) fn system_cpu_times() -> Result<SystemCpuTimes> {
    let buf = sysctl::read_by_name("kern.cp_time").map_err(|e| os_error(e, "kern.cp_time"))?;
    let t = cpu::ints(&buf, 8).map_err(|e| parse_err("kern.cp_time", e))?;
    Ok(super::system::cpu_times_of(
        cpu::cp_times(&t, &CP_STATES_5, HZ).map_err(|e| parse_err("kern.cp_time", e))?,
    ))
}

/// `{CTL_KERN, KERN_CP_TIME, i}` of each CPU ÷ 100.
pub(crate) fn system_cpu_times_percpu() -> Result<Vec<SystemCpuTimes>> {
    let n = super::system::cpu_count_logical()?.unwrap_or(0);
    let mut out = Vec::new();
    for i in 0..n as libc::c_int {
        let buf = sysctl::read_cap(
            &[libc::CTL_KERN, libc::KERN_CP_TIME, i],
            8 * CP_STATES_5.count,
        )
        .map_err(|e| os_error(e, "kern.cp_time"))?;
        let t = cpu::ints(&buf, 8).map_err(|e| parse_err("kern.cp_time", e))?;
        out.push(super::system::cpu_times_of(
            cpu::cp_times(&t, &CP_STATES_5, HZ).map_err(|e| parse_err("kern.cp_time", e))?,
        ));
    }
    Ok(out)
}

/// `hw.physmem64`.
pub(super) fn physmem() -> Result<u64> {
    sysctl::value_by_name::<i64>("hw.physmem64")
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
    (libc::MNT_SOFTDEP as u32 as u64, "softdep"),
    (libc::MNT_NODEV as u64, "nodev"),
    (libc::MNT_UNION as u64, "union"),
    (libc::MNT_NOCOREDUMP as u64, "nocoredump"),
    (libc::MNT_RELATIME as u64, "relatime"),
    (libc::MNT_IGNORE as u64, "ignore"),
    (libc::MNT_DISCARD as u64, "discard"),
    (libc::MNT_EXTATTR as u64, "extattr"),
    (libc::MNT_LOG as u64, "log"),
    (libc::MNT_SYMPERM as u64, "symperm"),
    (libc::MNT_NODEVMTIME as u64, "nodevmtime"),
];
