//! FreeBSD: what psutil reads on FreeBSD only (`arch/freebsd/*`, `_psbsd.py`):
//! the `kinfo_proc` layout (`sys/user.h`), pids (`KERN_PROC_PROC`), exe
//! (`KERN_PROC_PATHNAME`), cmdline/environ (`KERN_PROC_ARGS` / `KERN_PROC_ENV`),
//! threads (`KERN_PROC_INC_THREAD`), the descriptor list (`KERN_PROC_FILEDESC`,
//! libutil's `kinfo_getfile`) for cwd/num_fds/open_files, memory maps
//! (`KERN_PROC_VMMAP`), rlimit (`KERN_PROC_RLIMIT`), CPU affinity (`cpuset(2)`),
//! and the system figures (`kern.cp_time(s)`, `vm.stats.*`, `kern.devstat.all`,
//! `kvm_getswapinfo`, `dev.cpu.N.*`, `hw.acpi.*`).

use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use rpsutil_parse::bsd::args::split_nul;
use rpsutil_parse::bsd::cpu::{self, CP_STATES_5};
use rpsutil_parse::bsd::files::{self, FileLayout, VmLayout};
use rpsutil_parse::bsd::kinfo::{self, KinfoProc, ProcLayout, TimeField, VmsRule};
use rpsutil_parse::bsd::layout::{self, Field};
use rpsutil_parse::bsd::state::{self, ProcState};

use super::process::{kinfo as proc_kinfo, os_error, pids, Proc};
use super::sysctl;
use super::sysctl::{esrch, parse_err};
use crate::common::percent::usage_percent;
use crate::sys::posix::{self, raw_pid};
use crate::sys::records::DiskIoEntry;
use crate::types::cpu::{CpuFreq, CpuStats, SystemCpuTimes};
use crate::types::disk::DiskIoCounters;
use crate::types::memory::{SwapMemory, VirtualMemory};
use crate::types::process::{
    MemoryMap, MemoryMapGrouped, OpenFile, Pid, Resource, Rlimit, ThreadInfo, RLIM_INFINITY,
};
use crate::types::sensors::{Battery, BatteryTime, Temperature};
use crate::{Error, Result};

// sys/user.h: "This size should never be changed": KINFO_PROC_SIZE on amd64.
#[cfg(target_arch = "x86_64")]
const _: () = assert!(std::mem::size_of::<libc::kinfo_proc>() == 1088);

type K = libc::kinfo_proc;

/// Where psutil's fields lie in FreeBSD's `struct kinfo_proc`.
const LAYOUT: ProcLayout = ProcLayout {
    size: std::mem::size_of::<K>(),
    pid: fld!(K, ki_pid),
    ppid: fld!(K, ki_ppid),
    stat: fld!(K, ki_stat),
    flag: fld!(K, ki_flag),
    uids: [fld!(K, ki_ruid), fld!(K, ki_uid), fld!(K, ki_svuid)],
    gids: [
        fld!(K, ki_rgid),
        Field::new(
            std::mem::offset_of!(K, ki_groups),
            std::mem::size_of::<libc::gid_t>(),
        ),
        fld!(K, ki_svgid),
    ],
    tdev: fld!(K, ki_tdev),
    start: TimeField {
        sec: fld!(K, ki_start.tv_sec),
        usec: fld!(K, ki_start.tv_usec),
    },
    utime: TimeField {
        sec: fld!(K, ki_rusage.ru_utime.tv_sec),
        usec: fld!(K, ki_rusage.ru_utime.tv_usec),
    },
    stime: TimeField {
        sec: fld!(K, ki_rusage.ru_stime.tv_sec),
        usec: fld!(K, ki_rusage.ru_stime.tv_usec),
    },
    cutime: TimeField {
        sec: fld!(K, ki_rusage_ch.ru_utime.tv_sec),
        usec: fld!(K, ki_rusage_ch.ru_utime.tv_usec),
    },
    cstime: Some(TimeField {
        sec: fld!(K, ki_rusage_ch.ru_stime.tv_sec),
        usec: fld!(K, ki_rusage_ch.ru_stime.tv_usec),
    }),
    nvcsw: fld!(K, ki_rusage.ru_nvcsw),
    nivcsw: fld!(K, ki_rusage.ru_nivcsw),
    inblock: fld!(K, ki_rusage.ru_inblock),
    oublock: fld!(K, ki_rusage.ru_oublock),
    rssize: fld!(K, ki_rssize),
    vsize_bytes: Some(fld!(K, ki_size)),
    tsize: fld!(K, ki_tsize),
    dsize: fld!(K, ki_dsize),
    ssize: fld!(K, ki_ssize),
    msize: None,
    oncpu: Some(fld!(K, ki_oncpu)),
    lastcpu: Some(fld!(K, ki_lastcpu)),
    nthreads: Some(fld!(K, ki_numthreads)),
    tid: Some(fld!(K, ki_tid)),
    comm: fld!(K, ki_comm),
};

/// `ki_size` is bytes.
pub(super) const VMS: VmsRule = VmsRule::Bytes;
/// `NODEV` (`sys/param.h`: `((dev_t)-1)`, 64-bit since FreeBSD 12).
pub(super) const NODEV: u64 = u64::MAX;
/// psutil's ESRCH-on-signal → ZombieProcess rule is OpenBSD's only.
pub(super) const ESRCH_ZOMBIE: bool = false;
/// Pid 0 is in the process list when it exists (OpenBSD's is not).
pub(super) const PID0_UNLISTED: bool = false;
/// `SRUN` and `NOCPU` (`sys/proc.h`, `sys/param.h`) for `cpu_num`.
const SRUN: i64 = 2;
const NOCPU: i64 = -1;
/// psutil's `CLOCKS_PER_SEC` for `cp_time` (`time.h`: 128 on FreeBSD).
const HZ: f64 = 128.0;

/// `{CTL_KERN, KERN_PROC, KERN_PROC_PID, pid}`; an empty answer is ESRCH (psutil
/// `psutil_kinfo_proc`).
pub(super) fn read_kinfo(pid: Pid) -> Result<KinfoProc> {
    let raw = raw_pid(pid)?;
    let mib = [libc::CTL_KERN, libc::KERN_PROC, libc::KERN_PROC_PID, raw];
    let buf = sysctl::read_cap(&mib, LAYOUT.size).map_err(|e| os_error(e, "kern.proc.pid"))?;
    if buf.is_empty() {
        return Err(os_error(esrch(), "kern.proc.pid"));
    }
    kinfo::decode(&buf, &LAYOUT).map_err(|e| parse_err("kern.proc.pid", e))
}

/// Every process (`KERN_PROC_PROC`: one record per process, PID 0 included).
pub(super) fn all_kinfo() -> Result<Vec<KinfoProc>> {
    let mib = [libc::CTL_KERN, libc::KERN_PROC, libc::KERN_PROC_PROC, 0];
    let buf = sysctl::read(&mib).map_err(|e| os_error(e, "kern.proc.proc"))?;
    kinfo::decode_all(&buf, &LAYOUT).map_err(|e| parse_err("kern.proc.proc", e))
}

/// psutil: `kill(pid, 0)`; pid 0 → whether the kernel lists it.
pub(super) fn pid_exists(pid: Pid) -> bool {
    if pid == 0 {
        return pids().is_ok_and(|v| v.contains(&0));
    }
    libc::pid_t::try_from(pid).is_ok_and(posix::pid_exists_by_signal)
}

pub(super) fn state(stat: i64) -> ProcState {
    state::freebsd(stat)
}

pub(super) fn is_zombie_stat(stat: i64) -> bool {
    stat == 5
}

/// psutil returns `{}` for processes not in memory or kernel processes.
pub(super) fn skip_environ(k: &KinfoProc) -> bool {
    let f = k.flag as i64;
    f & i64::from(libc::P_INMEM) == 0 || f & i64::from(libc::P_SYSTEM) != 0
}

/// `{CTL_KERN, KERN_PROC, KERN_PROC_ENV, pid}`.
pub(super) fn environ_strings(pid: Pid) -> Result<Vec<Vec<u8>>> {
    let mib = [
        libc::CTL_KERN,
        libc::KERN_PROC,
        libc::KERN_PROC_ENV,
        raw_pid(pid)?,
    ];
    Ok(split_nul(
        &sysctl::read(&mib).map_err(|e| os_error(e, "kern.proc.env"))?,
    ))
}

/// `{CTL_KERN, KERN_PROC, KERN_PROC_ARGS, pid}`: `[]` for kernel processes.
pub(crate) fn cmdline(p: &mut Proc<'_>) -> Result<Vec<OsString>> {
    let mib = [
        libc::CTL_KERN,
        libc::KERN_PROC,
        libc::KERN_PROC_ARGS,
        raw_pid(p.pid)?,
    ];
    let buf = sysctl::read(&mib).map_err(|e| os_error(e, "kern.proc.args"))?;
    Ok(split_nul(&buf)
        .into_iter()
        .map(OsString::from_vec)
        .collect())
}

/// `KERN_PROC_PATHNAME`; `""` for pid 0 and when the kernel has no path (ENOENT,
/// psutil #907).
pub(crate) fn exe(p: &mut Proc<'_>) -> Result<PathBuf> {
    if p.pid == 0 {
        return Ok(PathBuf::new());
    }
    let mib = [
        libc::CTL_KERN,
        libc::KERN_PROC,
        libc::KERN_PROC_PATHNAME,
        raw_pid(p.pid)?,
    ];
    match sysctl::read_cap(&mib, libc::PATH_MAX as usize) {
        Ok(buf) => {
            let path = layout::until_nul(&buf).to_vec();
            if path.is_empty() && !pid_exists(p.pid) {
                return Err(os_error(esrch(), "kern.proc.pathname"));
            }
            Ok(PathBuf::from(OsString::from_vec(path)))
        }
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(PathBuf::new()),
        Err(e) => Err(os_error(e, "kern.proc.pathname")),
    }
}

/// `ki_numthreads`.
pub(crate) fn num_threads(p: &mut Proc<'_>) -> Result<u32> {
    Ok(proc_kinfo(p)?.nthreads.unwrap_or(0) as u32)
}

/// One record per thread (`KERN_PROC_PID | KERN_PROC_INC_THREAD`): id and times.
pub(crate) fn threads(p: &mut Proc<'_>) -> Result<Vec<ThreadInfo>> {
    let mib = [
        libc::CTL_KERN,
        libc::KERN_PROC,
        libc::KERN_PROC_PID | libc::KERN_PROC_INC_THREAD,
        raw_pid(p.pid)?,
    ];
    let buf = sysctl::read(&mib).map_err(|e| os_error(e, "kern.proc.pid"))?;
    if buf.is_empty() {
        return Err(os_error(esrch(), "kern.proc.pid"));
    }
    let mut out: Vec<ThreadInfo> = kinfo::decode_all(&buf, &LAYOUT)
        .map_err(|e| parse_err("kern.proc.pid", e))?
        .iter()
        .map(|k| ThreadInfo {
            id: k.tid.unwrap_or(0).max(0) as u32,
            user_time: k.utime,
            system_time: k.stime,
        })
        .collect();
    out.sort_by_key(|t| t.id);
    Ok(out)
}

// sys/user.h (FreeBSD >= 12): the kf_un union follows kf_offset, at byte 32; its
// first members are kf_vnode_type (kf_file_type), kf_sock_domain, kf_sock_type,
// kf_sock_protocol (ints), then kf_sa_local and kf_sa_peer (sockaddr_storage).
// libc keeps the union private, so its offsets are written here from the header.
const KF_UN: usize = std::mem::offset_of!(libc::kinfo_file, kf_offset) + 8;
const _: () = assert!(KF_UN == 32);
#[cfg(target_arch = "x86_64")]
const _: () = assert!(std::mem::size_of::<libc::kinfo_file>() == 1392); // KINFO_FILE_SIZE
const SS: usize = std::mem::size_of::<libc::sockaddr_storage>();
const _: () = assert!(SS == 128);

const FILE_LAYOUT: FileLayout = FileLayout {
    structsize: fld!(libc::kinfo_file, kf_structsize),
    ftype: fld!(libc::kinfo_file, kf_type),
    fd: fld!(libc::kinfo_file, kf_fd),
    vnode_type: Field::new(KF_UN, 4),
    sock_domain: Field::new(KF_UN + 4, 4),
    sock_type: Field::new(KF_UN + 8, 4),
    sock_protocol: Field::new(KF_UN + 12, 4),
    sa_local: Field::new(KF_UN + 16, SS),
    sa_peer: Field::new(KF_UN + 16 + SS, SS),
    path: fld!(libc::kinfo_file, kf_path),
};

/// The descriptor list (`KERN_PROC_FILEDESC`), after psutil's record check.
pub(super) fn files(p: &mut Proc<'_>) -> Result<Vec<files::KinfoFile>> {
    proc_kinfo(p)?;
    let mib = [
        libc::CTL_KERN,
        libc::KERN_PROC,
        libc::KERN_PROC_FILEDESC,
        raw_pid(p.pid)?,
    ];
    let buf = sysctl::read(&mib).map_err(|e| os_error(e, "kern.proc.filedesc"))?;
    files::decode_files(&buf, &FILE_LAYOUT).map_err(|e| parse_err("kern.proc.filedesc", e))
}

/// The `KF_FD_TYPE_CWD` record's path; `""` when there is none (low pids).
pub(crate) fn cwd(p: &mut Proc<'_>) -> Result<PathBuf> {
    let path = files(p)?
        .into_iter()
        .find(|f| f.fd == i64::from(libc::KF_FD_TYPE_CWD))
        .map(|f| f.path)
        .unwrap_or_default();
    Ok(PathBuf::from(OsString::from_vec(path)))
}

/// Descriptors: the records with `kf_fd >= 0` (psutil also counts the cwd,
/// root, jail, text, ctty and trace pseudo-records; docs/DIFFERENCES.md).
pub(crate) fn num_fds(p: &mut Proc<'_>) -> Result<u32> {
    Ok(files(p)?.iter().filter(|f| f.fd >= 0).count() as u32)
}

/// Regular files open on a descriptor (`KF_TYPE_VNODE` + `KF_VTYPE_VREG`,
/// `kf_fd >= 0`; psutil keeps the executable's fd -5 record too).
pub(crate) fn open_files(p: &mut Proc<'_>) -> Result<Vec<OpenFile>> {
    Ok(files(p)?
        .into_iter()
        .filter(|f| {
            f.fd >= 0
                && f.ftype == i64::from(libc::KF_TYPE_VNODE)
                && f.vnode_type == i64::from(libc::KF_VTYPE_VREG)
        })
        .map(|f| OpenFile {
            path: PathBuf::from(OsString::from_vec(f.path)),
            fd: f.fd as i32,
            position: None,
            mode: None,
            flags: None,
        })
        .collect())
}

const VM_LAYOUT: VmLayout = VmLayout {
    structsize: fld!(libc::kinfo_vmentry, kve_structsize),
    vtype: fld!(libc::kinfo_vmentry, kve_type),
    start: fld!(libc::kinfo_vmentry, kve_start),
    end: fld!(libc::kinfo_vmentry, kve_end),
    resident: fld!(libc::kinfo_vmentry, kve_resident),
    private_resident: fld!(libc::kinfo_vmentry, kve_private_resident),
    protection: fld!(libc::kinfo_vmentry, kve_protection),
    ref_count: fld!(libc::kinfo_vmentry, kve_ref_count),
    shadow_count: fld!(libc::kinfo_vmentry, kve_shadow_count),
    path: fld!(libc::kinfo_vmentry, kve_path),
};

/// `KERN_PROC_VMMAP` (libutil `kinfo_getvmmap`): psutil's `pmmap_ext` with `rss`
/// and `private` in bytes (psutil 7.2.2 reports pages, #2746).
pub(crate) fn memory_maps(p: &mut Proc<'_>) -> Result<Vec<MemoryMap>> {
    proc_kinfo(p)?;
    let mib = [
        libc::CTL_KERN,
        libc::KERN_PROC,
        libc::KERN_PROC_VMMAP,
        raw_pid(p.pid)?,
    ];
    let buf = sysctl::read(&mib).map_err(|e| os_error(e, "kern.proc.vmmap"))?;
    let page = posix::page_size();
    Ok(files::decode_vmmap(&buf, &VM_LAYOUT)
        .map_err(|e| parse_err("kern.proc.vmmap", e))?
        .into_iter()
        .map(|m| {
            let path = if m.path.is_empty() {
                files::map_type_name(m.vtype).as_bytes().to_vec()
            } else {
                m.path
            };
            MemoryMap {
                addr: files::map_addr(m.start, m.end),
                perms: files::map_perms(m.protection),
                region: MemoryMapGrouped {
                    path: PathBuf::from(OsString::from_vec(path)),
                    rss: m.resident.saturating_mul(page),
                    private: Some(m.private_resident.saturating_mul(page)),
                    ref_count: Some(m.ref_count),
                    shadow_count: Some(m.shadow_count),
                    ..MemoryMapGrouped::default()
                },
            }
        })
        .collect())
}

/// `ki_oncpu` while running, else `ki_lastcpu`. psutil may return -1 (`NOCPU`)
/// for kernel processes; the unsigned result reports 0 then.
pub(crate) fn cpu_num(p: &mut Proc<'_>) -> Result<u32> {
    let k = proc_kinfo(p)?;
    Ok(k.cpu_num(SRUN, NOCPU).unwrap_or(0).max(0) as u32)
}

/// `cpuset_getaffinity(CPU_LEVEL_WHICH, CPU_WHICH_PID, pid)`: every CPU in the set.
pub(crate) fn cpu_affinity(p: &mut Proc<'_>) -> Result<Vec<u32>> {
    let pid = raw_pid(p.pid)?;
    // SAFETY: cpuset_t is a plain bit array; all-zero is the empty set.
    let mut set: libc::cpuset_t = unsafe { std::mem::zeroed() };
    // SAFETY: set is a writable cpuset_t of the size passed.
    let rc = unsafe {
        libc::cpuset_getaffinity(
            libc::CPU_LEVEL_WHICH,
            libc::CPU_WHICH_PID,
            pid as libc::id_t,
            std::mem::size_of::<libc::cpuset_t>(),
            &mut set,
        )
    };
    if rc != 0 {
        return Err(os_error(io::Error::last_os_error(), "cpuset_getaffinity"));
    }
    Ok((0..libc::CPU_SETSIZE as usize)
        // SAFETY: cpu < CPU_SETSIZE, inside the set.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .map(|cpu| cpu as u32)
        .collect())
}

/// `cpuset_setaffinity` with exactly `cpus` (already checked by the public layer).
pub(crate) fn set_cpu_affinity(p: &mut Proc<'_>, cpus: &[u32]) -> Result<()> {
    let pid = raw_pid(p.pid)?;
    // SAFETY: all-zero is the empty set.
    let mut set: libc::cpuset_t = unsafe { std::mem::zeroed() };
    for &cpu in cpus {
        let cpu = cpu as usize;
        if cpu >= libc::CPU_SETSIZE as usize {
            return Err(Error::invalid(format!("invalid CPU {cpu}")));
        }
        // SAFETY: cpu < CPU_SETSIZE, inside the set.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    // SAFETY: set is a valid cpuset_t of the size passed.
    let rc = unsafe {
        libc::cpuset_setaffinity(
            libc::CPU_LEVEL_WHICH,
            libc::CPU_WHICH_PID,
            pid as libc::id_t,
            std::mem::size_of::<libc::cpuset_t>(),
            &set,
        )
    };
    if rc != 0 {
        return Err(os_error(io::Error::last_os_error(), "cpuset_setaffinity"));
    }
    Ok(())
}

/// FreeBSD's numbers of the resources psutil exports (`sys/resource.h`).
pub(crate) fn rlimit_raw(r: Resource) -> Option<i32> {
    Some(match r {
        Resource::As => libc::RLIMIT_AS,
        Resource::Core => libc::RLIMIT_CORE,
        Resource::Cpu => libc::RLIMIT_CPU,
        Resource::Data => libc::RLIMIT_DATA,
        Resource::Fsize => libc::RLIMIT_FSIZE,
        Resource::Memlock => libc::RLIMIT_MEMLOCK,
        Resource::Nofile => libc::RLIMIT_NOFILE,
        Resource::Nproc => libc::RLIMIT_NPROC,
        Resource::Rss => libc::RLIMIT_RSS,
        Resource::Stack => libc::RLIMIT_STACK,
        Resource::Swap => libc::RLIMIT_SWAP,
        Resource::Sbsize => libc::RLIMIT_SBSIZE,
        Resource::Npts => libc::RLIMIT_NPTS,
        _ => return None,
    })
}

fn rlimit_mib(p: &Proc<'_>, r: Resource) -> Result<[libc::c_int; 5]> {
    let res =
        rlimit_raw(r).ok_or_else(|| Error::unsupported(format!("{} on FreeBSD", r.name())))?;
    Ok([
        libc::CTL_KERN,
        libc::KERN_PROC,
        libc::KERN_PROC_RLIMIT,
        raw_pid(p.pid)?,
        res,
    ])
}

// FreeBSD's rlim_t is int64_t (sys/_types.h), RLIM_INFINITY its maximum.
fn to_psutil(v: libc::rlim_t) -> i64 {
    if v == libc::RLIM_INFINITY {
        RLIM_INFINITY
    } else {
        v
    }
}

fn from_psutil(v: i64) -> Result<libc::rlim_t> {
    if v == RLIM_INFINITY {
        Ok(libc::RLIM_INFINITY)
    } else if v < 0 {
        Err(Error::invalid(format!("invalid resource limit {v}")))
    } else {
        Ok(v)
    }
}

/// `{CTL_KERN, KERN_PROC, KERN_PROC_RLIMIT, pid, resource}` → `struct rlimit`.
pub(crate) fn rlimit(p: &mut Proc<'_>, r: Resource) -> Result<Rlimit> {
    let mib = rlimit_mib(p, r)?;
    let lim: libc::rlimit = sysctl::value(&mib).map_err(|e| os_error(e, "kern.proc.rlimit"))?;
    Ok(Rlimit(to_psutil(lim.rlim_cur), to_psutil(lim.rlim_max)))
}

/// The same node written with the new `struct rlimit`.
pub(crate) fn set_rlimit(p: &mut Proc<'_>, r: Resource, limits: Rlimit) -> Result<()> {
    let mib = rlimit_mib(p, r)?;
    let lim = libc::rlimit {
        rlim_cur: from_psutil(limits.0)?,
        rlim_max: from_psutil(limits.1)?,
    };
    // SAFETY: rlimit is plain old data; its bytes are what the kernel reads.
    let bytes = unsafe {
        std::slice::from_raw_parts(
            (&lim as *const libc::rlimit).cast::<u8>(),
            std::mem::size_of::<libc::rlimit>(),
        )
    };
    sysctl::set(&mib, bytes).map_err(|e| os_error(e, "kern.proc.rlimit"))
}

fn longs(name: &str) -> Result<Vec<u64>> {
    let buf = sysctl::read_by_name(name).map_err(|e| os_error(e, name))?;
    cpu::ints(&buf, std::mem::size_of::<libc::c_long>()).map_err(|e| parse_err(name, e))
}

/// `kern.cp_time` ÷ 128.
pub(crate) fn system_cpu_times() -> Result<SystemCpuTimes> {
    let t = longs("kern.cp_time")?;
    Ok(super::system::cpu_times_of(
        cpu::cp_times(&t, &CP_STATES_5, HZ).map_err(|e| parse_err("kern.cp_time", e))?,
    ))
}

/// `kern.cp_times` ÷ 128, `hw.ncpu` CPUs (psutil insists on exactly that many
/// slots; extra slots of sparse CPU ids are ignored here).
pub(crate) fn system_cpu_times_percpu() -> Result<Vec<SystemCpuTimes>> {
    let t = longs("kern.cp_times")?;
    let ncpu = super::system::cpu_count_logical()?.map(|n| n as usize);
    Ok(cpu::per_cpu(&t, &CP_STATES_5, HZ, ncpu)
        .map_err(|e| parse_err("kern.cp_times", e))?
        .into_iter()
        .map(super::system::cpu_times_of)
        .collect())
}

fn uint(name: &str) -> Result<u64> {
    sysctl::value_by_name::<libc::c_uint>(name)
        .map(u64::from)
        .map_err(|e| os_error(e, name))
}

/// `vm.stats.sys.v_swtch`, `v_intr`, `v_soft`, `v_syscall`.
pub(crate) fn cpu_stats() -> Result<CpuStats> {
    Ok(CpuStats {
        ctx_switches: uint("vm.stats.sys.v_swtch")?,
        interrupts: uint("vm.stats.sys.v_intr")?,
        soft_interrupts: uint("vm.stats.sys.v_soft")?,
        syscalls: uint("vm.stats.sys.v_syscall")?,
    })
}

fn int_by_name(name: &str) -> io::Result<i64> {
    sysctl::value_by_name::<libc::c_int>(name).map(i64::from)
}

/// `dev.cpu.N.freq` (MHz) of each CPU that has it, min and max from
/// `dev.cpu.N.freq_levels` (0 when it is missing; psutil 7.2.2 fails there, #2795).
pub(crate) fn cpu_freq_percpu() -> Result<Vec<CpuFreq>> {
    let n = super::system::cpu_count_logical()?.unwrap_or(0);
    let mut out = Vec::new();
    for cpu in 0..n {
        let cur = match int_by_name(&format!("dev.cpu.{cpu}.freq")) {
            Ok(v) => v,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            Err(e) => return Err(os_error(e, "dev.cpu.N.freq")),
        };
        let (min, max) = sysctl::read_by_name(&format!("dev.cpu.{cpu}.freq_levels"))
            .ok()
            .and_then(|b| cpu::freq_levels(&b))
            .unwrap_or((0, 0));
        out.push(CpuFreq {
            current: cur as f64,
            min: f64::from(min),
            max: f64::from(max),
        });
    }
    Ok(out)
}

fn pages(name: &str) -> Result<u64> {
    Ok(uint(name)?.saturating_mul(posix::page_size()))
}

/// `hw.physmem`.
pub(super) fn physmem() -> Result<u64> {
    // An unsigned long: u64 on 64-bit FreeBSD, u32 on 32-bit.
    #[allow(clippy::unnecessary_cast)]
    sysctl::value_by_name::<libc::c_ulong>("hw.physmem")
        .map(|v| v as u64)
        .map_err(|e| os_error(e, "hw.physmem"))
}

/// psutil's FreeBSD `virtual_memory` (`arch/freebsd/mem.c`, `_psbsd.py`).
pub(crate) fn virtual_memory() -> Result<VirtualMemory> {
    let total = physmem()?;
    let active = pages("vm.stats.vm.v_active_count")?;
    let inactive = pages("vm.stats.vm.v_inactive_count")?;
    let wired = pages("vm.stats.vm.v_wire_count")?;
    let cached = pages("vm.stats.vm.v_cache_count").unwrap_or(0);
    let free = pages("vm.stats.vm.v_free_count")?;
    let buffers = sysctl::value_by_name::<libc::c_long>("vfs.bufspace")
        .map(|v| v.max(0) as u64)
        .map_err(|e| os_error(e, "vfs.bufspace"))?;
    let vmt: libc::vmtotal =
        sysctl::value(&[libc::CTL_VM, libc::VM_TOTAL]).map_err(|e| os_error(e, "vm.vmtotal"))?;
    let shared = (vmt.t_vmshr.saturating_add(vmt.t_rmshr)).saturating_mul(posix::page_size());
    let available = inactive.saturating_add(cached).saturating_add(free);
    let used = active.saturating_add(wired).saturating_add(cached);
    Ok(VirtualMemory {
        total,
        available,
        percent: usage_percent(total.saturating_sub(available) as f64, total as f64),
        used,
        free,
        active: Some(active),
        inactive: Some(inactive),
        buffers: Some(buffers),
        cached: Some(cached),
        shared: Some(shared),
        slab: None,
        wired: Some(wired),
    })
}

/// `kvm_getswapinfo` totals (psutil `arch/freebsd/mem.c`). `sin`/`sout` are the
/// pages swapped in and out × page size (`v_swappgsin`, `v_swappgsout`), bytes as
/// on Linux; psutil 7.2.2 reports pager operation counts there (docs/DIFFERENCES.md).
pub(crate) fn swap_memory() -> Result<SwapMemory> {
    let devnull = c"/dev/null";
    // SAFETY: NULL exec/swap files and "/dev/null" as core file open the live
    // kernel's interface without /dev/mem (psutil's call); errstr may be NULL.
    let kd = unsafe {
        libc::kvm_open(
            std::ptr::null(),
            devnull.as_ptr(),
            std::ptr::null(),
            libc::O_RDONLY,
            std::ptr::null(),
        )
    };
    if kd.is_null() {
        return Err(Error::os(io::Error::other("kvm_open failed"), "kvm_open"));
    }
    // SAFETY: kvm_swap is plain old data.
    let mut sw: [libc::kvm_swap; 1] = unsafe { std::mem::zeroed() };
    // SAFETY: kd is open; sw has room for the 1 entry asked for (the total).
    let n = unsafe { libc::kvm_getswapinfo(kd, sw.as_mut_ptr(), 1, 0) };
    // SAFETY: kd came from kvm_open and is closed once.
    unsafe { libc::kvm_close(kd) };
    if n < 0 {
        return Err(Error::os(
            io::Error::other("kvm_getswapinfo failed"),
            "kvm_getswapinfo",
        ));
    }
    let page = posix::page_size();
    let total = u64::from(sw[0].ksw_total).saturating_mul(page);
    let used = u64::from(sw[0].ksw_used).saturating_mul(page);
    let free = total.saturating_sub(used);
    Ok(SwapMemory {
        total,
        used,
        free,
        percent: usage_percent(used as f64, total as f64),
        sin: pages("vm.stats.vm.v_swappgsin").unwrap_or(0),
        sout: pages("vm.stats.vm.v_swappgsout").unwrap_or(0),
    })
}

type D = libc::devstat;

/// `kern.devstat.all`: a `long` generation count, then `struct devstat` records
/// (`sys/devicestat.h`) — what libdevstat's `devstat_getdevs` reads on a live
/// system. psutil's fields: operations, bytes and durations of reads
/// (`DEVSTAT_READ` = 1) and writes (2), `busy_time`; bintimes in ms.
pub(crate) fn disk_io_counters() -> Result<Vec<DiskIoEntry>> {
    let buf =
        sysctl::read_by_name("kern.devstat.all").map_err(|e| os_error(e, "kern.devstat.all"))?;
    let gen = std::mem::size_of::<libc::c_long>();
    let recs = buf
        .get(gen..)
        .ok_or_else(|| parse_err("kern.devstat.all", rpsutil_parse::ParseError::new("short")))
        .and_then(|b| {
            layout::records(b, std::mem::size_of::<D>())
                .map_err(|e| parse_err("kern.devstat.all", e))
        })?;
    let u64f = |base: Field, i: usize| Field::new(base.off + 8 * i, 8);
    let bt = std::mem::size_of::<libc::bintime>();
    let bytes = fld!(D, bytes);
    let ops = fld!(D, operations);
    let dur = fld!(D, duration);
    let bsec = fld!(libc::bintime, sec);
    let bfrac = fld!(libc::bintime, frac);
    let busy = fld!(D, busy_time);
    let mut out = Vec::new();
    for r in recs {
        let rd = |f: Field| layout::read_u(r, f).map_err(|e| parse_err("kern.devstat.all", e));
        let ms = |base: usize| -> Result<u64> {
            let sec = layout::read_i(r, bsec.shifted(base))
                .map_err(|e| parse_err("kern.devstat.all", e))?;
            let frac = rd(bfrac.shifted(base))?;
            Ok(rpsutil_parse::bsd::disk::bintime_ms(sec, frac) as u64)
        };
        let name = layout::read_cstr(r, fld!(D, device_name))
            .map_err(|e| parse_err("kern.devstat.all", e))?;
        let unit = layout::read_i(r, fld!(D, unit_number))
            .map_err(|e| parse_err("kern.devstat.all", e))?;
        out.push(DiskIoEntry {
            name: format!("{}{unit}", String::from_utf8_lossy(name)),
            counters: DiskIoCounters {
                read_count: rd(u64f(ops, 1))?,
                write_count: rd(u64f(ops, 2))?,
                read_bytes: rd(u64f(bytes, 1))?,
                write_bytes: rd(u64f(bytes, 2))?,
                read_time: ms(dur.off + bt)?,
                write_time: ms(dur.off + 2 * bt)?,
                read_merged_count: None,
                write_merged_count: None,
                busy_time: Some(ms(busy.off)?),
            },
            is_storage_device: true,
        });
    }
    Ok(out)
}

/// `dev.cpu.N.temperature` (decikelvin) of each CPU as `"Core N"` under
/// `"coretemp"`; high = critical = `dev.cpu.N.coretemp.tjmax` when readable
/// (psutil 7.2.2 fails without it, #3004).
pub(crate) fn sensors_temperatures() -> Result<indexmap::IndexMap<String, Vec<Temperature>>> {
    let n = super::system::cpu_count_logical()?.unwrap_or(0);
    let mut list = Vec::new();
    for cpu in 0..n {
        let t = match int_by_name(&format!("dev.cpu.{cpu}.temperature")) {
            Ok(v) => v,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            Err(e) => return Err(os_error(e, "dev.cpu.N.temperature")),
        };
        let high = int_by_name(&format!("dev.cpu.{cpu}.coretemp.tjmax"))
            .ok()
            .map(cpu::decikelvin_to_celsius)
            .filter(|&h| h > 0.0);
        list.push(Temperature {
            label: format!("Core {cpu}"),
            current: cpu::decikelvin_to_celsius(t),
            high,
            critical: high,
        });
    }
    let mut out = indexmap::IndexMap::new();
    if !list.is_empty() {
        out.insert("coretemp".to_string(), list);
    }
    Ok(out)
}

/// `hw.acpi.battery.life` (%), `hw.acpi.battery.time` (minutes, -1 unknown),
/// `hw.acpi.acline`; None when any is missing (ENOENT, psutil #1074).
pub(crate) fn sensors_battery() -> Result<Option<Battery>> {
    let read = |name: &str| match int_by_name(name) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
        Err(e) => Err(os_error(e, name)),
    };
    let (Some(percent), Some(minutes), Some(acline)) = (
        read("hw.acpi.battery.life")?,
        read("hw.acpi.battery.time")?,
        read("hw.acpi.acline")?,
    ) else {
        return Ok(None);
    };
    let plugged = acline == 1;
    let secsleft = if plugged {
        BatteryTime::Unlimited
    } else if minutes < 0 {
        BatteryTime::Unknown
    } else {
        BatteryTime::Seconds(minutes as u64 * 60)
    };
    Ok(Some(Battery {
        percent: percent as f64,
        secsleft,
        power_plugged: Some(plugged),
    }))
}

/// The mount flags psutil names, in its order (`arch/bsd/disk.c`).
pub(super) const MOUNT_FLAGS: &[(u64, &str)] = &[
    (libc::MNT_SYNCHRONOUS as u64, "sync"),
    (libc::MNT_NOEXEC as u64, "noexec"),
    (libc::MNT_NOSUID as u64, "nosuid"),
    (libc::MNT_ASYNC as u64, "async"),
    (libc::MNT_NOATIME as u64, "noatime"),
    (libc::MNT_SOFTDEP as u64, "softdep"),
    (libc::MNT_UNION as u64, "union"),
    (libc::MNT_SUIDDIR as u64, "suiddir"),
    (libc::MNT_NOSYMFOLLOW as u64, "nosymfollow"),
    (libc::MNT_GJOURNAL as u64, "gjournal"),
    (libc::MNT_MULTILABEL as u64, "multilabel"),
    (libc::MNT_ACLS as u64, "acls"),
    (libc::MNT_NOCLUSTERR as u32 as u64, "noclusterr"),
    (libc::MNT_NOCLUSTERW as u32 as u64, "noclusterw"),
    (libc::MNT_NFS4ACLS as u64, "nfs4acls"),
];
