//! The binary files of Solaris/illumos `/proc/PID` (`proc(5)`), as psutil's SunOS
//! backend reads them (`psutil/arch/sunos/proc.c`): `psinfo` (`psinfo_t`),
//! `status` (`pstatus_t`), `usage` (`prusage_t`), `cred` (`prcred_t`), `lpsinfo`
//! (`prheader_t` + `lwpsinfo_t[]`), `lwp/TID/lwpstatus` (`lwpstatus_t`) and `xmap`
//! (`prxmap_t[]`), plus the pieces of `as` psutil reads for the argument and
//! environment vectors.
//!
//! Layouts: illumos `usr/src/uts/common/sys/procfs.h`, 64-bit data model (amd64:
//! `long`, `size_t`, `uintptr_t`, `dev_t`, `time_t` are 8 bytes; `int`, `pid_t`,
//! `uid_t`, `id_t` 4; `timestruc_t` is `{time_t tv_sec; long tv_nsec}`, 16). A
//! 64-bit reader gets these layouts for every process, 32-bit ones included (the
//! kernel converts); `pr_dmodel` says which pointer size the *target* uses.
//! Each decoder needs only the prefix of the structure holding the fields it reads,
//! so a kernel that grows a structure at its end still parses.

use super::Record;
use crate::{ParseError, Result};

/// `timestruc_t` (`struct timespec`): seconds and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timestruc {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds, 0..1e9.
    pub nsec: i64,
}

impl Timestruc {
    /// psutil's `PSUTIL_TV2DOUBLE` for a `timestruc_t`: `sec + nsec * 1e-9`.
    pub fn as_secs_f64(self) -> f64 {
        self.sec as f64 + self.nsec as f64 * 1e-9
    }

    /// Nanoseconds since the epoch (0 for times before it): the finest start-time
    /// unit, used as the process identity.
    pub fn as_nanos(self) -> u64 {
        let sec = u64::try_from(self.sec).unwrap_or(0);
        let nsec = u64::try_from(self.nsec).unwrap_or(0);
        sec.saturating_mul(1_000_000_000).saturating_add(nsec)
    }

    fn read(r: &Record<'_>, off: usize) -> Result<Timestruc> {
        Ok(Timestruc {
            sec: r.i64(off)?,
            nsec: r.i64(off + 8)?,
        })
    }
}

// ------------------------------------------------------------------ lwpsinfo_t
/// `sizeof(lwpsinfo_t)`, LP64.
pub const LWPSINFO_SIZE: usize = 128;
/// Offsets of `lwpsinfo_t` fields, LP64 (`pr_flag` 0, `pr_lwpid` 4, `pr_addr` 8,
/// `pr_wchan` 16, `pr_stype` 24, `pr_state` 25, `pr_sname` 26, `pr_nice` 27,
/// `pr_syscall` 28, `pr_oldpri` 30, `pr_cpu` 31, `pr_pri` 32, `pr_pctcpu` 36,
/// `pr_pad` 38, `pr_start` 40, `pr_time` 56, `pr_clname[8]` 72, `pr_name[16]` 80,
/// `pr_onpro` 96, `pr_bindpro` 100, `pr_bindpset` 104, `pr_lgrp` 108,
/// `pr_filler[4]` 112).
pub mod lwpsinfo_off {
    /// `int pr_lwpid`.
    pub const LWPID: usize = 4;
    /// `char pr_state`.
    pub const STATE: usize = 25;
    /// `char pr_nice`.
    pub const NICE: usize = 27;
    /// `processorid_t pr_onpro`.
    pub const ONPRO: usize = 96;
}

// -------------------------------------------------------------------- psinfo_t
/// `sizeof(psinfo_t)`, LP64: 288 bytes of process fields + the representative
/// `lwpsinfo_t`.
pub const PSINFO_SIZE: usize = 288 + LWPSINFO_SIZE;
/// Offsets of `psinfo_t` fields, LP64 (`pr_flag` 0, `pr_nlwp` 4, `pr_pid` 8,
/// `pr_ppid` 12, `pr_pgid` 16, `pr_sid` 20, `pr_uid` 24, `pr_euid` 28, `pr_gid` 32,
/// `pr_egid` 36, `pr_addr` 40, `pr_size` 48, `pr_rssize` 56, `pr_pad1` 64,
/// `pr_ttydev` 72, `pr_pctcpu` 80, `pr_pctmem` 82, `pr_start` 88, `pr_time` 104,
/// `pr_ctime` 120, `pr_fname[16]` 136, `pr_psargs[80]` 152, `pr_wstat` 232,
/// `pr_argc` 236, `pr_argv` 240, `pr_envp` 248, `pr_dmodel` 256, `pr_taskid` 260,
/// `pr_projid` 264, `pr_nzomb` 268, `pr_poolid` 272, `pr_zoneid` 276,
/// `pr_contract` 280, `pr_filler[1]` 284, `pr_lwp` 288).
pub mod psinfo_off {
    /// `int pr_nlwp`.
    pub const NLWP: usize = 4;
    /// `pid_t pr_pid`.
    pub const PID: usize = 8;
    /// `pid_t pr_ppid`.
    pub const PPID: usize = 12;
    /// `uid_t pr_uid`.
    pub const UID: usize = 24;
    /// `uid_t pr_euid`.
    pub const EUID: usize = 28;
    /// `gid_t pr_gid`.
    pub const GID: usize = 32;
    /// `gid_t pr_egid`.
    pub const EGID: usize = 36;
    /// `size_t pr_size` (KiB).
    pub const SIZE: usize = 48;
    /// `size_t pr_rssize` (KiB).
    pub const RSSIZE: usize = 56;
    /// `dev_t pr_ttydev`.
    pub const TTYDEV: usize = 72;
    /// `timestruc_t pr_start`.
    pub const START: usize = 88;
    /// `char pr_fname[PRFNSZ]`.
    pub const FNAME: usize = 136;
    /// `char pr_psargs[PRARGSZ]`.
    pub const PSARGS: usize = 152;
    /// `int pr_argc`.
    pub const ARGC: usize = 236;
    /// `uintptr_t pr_argv`.
    pub const ARGV: usize = 240;
    /// `uintptr_t pr_envp`.
    pub const ENVP: usize = 248;
    /// `char pr_dmodel`.
    pub const DMODEL: usize = 256;
    /// `lwpsinfo_t pr_lwp`.
    pub const LWP: usize = 288;
}
/// `PRFNSZ`: size of `pr_fname`.
pub const PRFNSZ: usize = 16;
/// `PRARGSZ`: size of `pr_psargs`.
pub const PRARGSZ: usize = 80;
/// `PRNODEV`: `(dev_t)-1`, no controlling terminal.
pub const PRNODEV: u64 = u64::MAX;
/// `PR_MODEL_ILP32` (`<sys/procfs_isa.h>`): the target uses 32-bit pointers.
pub const PR_MODEL_ILP32: u8 = 1;
/// `PR_MODEL_LP64`: the target uses 64-bit pointers.
pub const PR_MODEL_LP64: u8 = 2;

/// The fields of `psinfo_t` psutil uses (`proc_basic_info`, `proc_name_and_args`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Psinfo {
    /// `pr_nlwp`: number of active LWPs (threads).
    pub nlwp: i32,
    /// `pr_pid`.
    pub pid: i32,
    /// `pr_ppid`.
    pub ppid: i32,
    /// `pr_uid`: real user id.
    pub uid: u32,
    /// `pr_euid`: effective user id.
    pub euid: u32,
    /// `pr_gid`: real group id.
    pub gid: u32,
    /// `pr_egid`: effective group id.
    pub egid: u32,
    /// `pr_size`: size of the process image, KiB.
    pub size_kib: u64,
    /// `pr_rssize`: resident set size, KiB.
    pub rssize_kib: u64,
    /// `pr_ttydev`: the controlling terminal's device, [`PRNODEV`] without one.
    pub ttydev: u64,
    /// `pr_start`: start time since the epoch.
    pub start: Timestruc,
    /// `pr_fname`: the executed file's name (at most 15 bytes).
    pub fname: Vec<u8>,
    /// `pr_psargs`: the first 80 bytes of the argument list, space separated.
    pub psargs: Vec<u8>,
    /// `pr_argc`.
    pub argc: i32,
    /// `pr_argv`: address of the initial argument vector in the process.
    pub argv: u64,
    /// `pr_envp`: address of the initial environment vector in the process.
    pub envp: u64,
    /// `pr_dmodel`: [`PR_MODEL_ILP32`] or [`PR_MODEL_LP64`].
    pub dmodel: u8,
    /// `pr_lwp.pr_state`: the representative LWP's state (see [`ProcState`]).
    pub state: u8,
    /// `pr_lwp.pr_nice`: nice on the 0..39 scale (`getpriority` + 20).
    pub nice: i8,
    /// `pr_lwp.pr_onpro`: the processor that last ran the representative LWP.
    pub onpro: i32,
}

/// Decodes `/proc/PID/psinfo`.
pub fn parse_psinfo(data: &[u8]) -> Result<Psinfo> {
    use psinfo_off as o;
    let r = Record::new(data, PSINFO_SIZE, "psinfo")?;
    Ok(Psinfo {
        nlwp: r.i32(o::NLWP)?,
        pid: r.i32(o::PID)?,
        ppid: r.i32(o::PPID)?,
        uid: r.u32(o::UID)?,
        euid: r.u32(o::EUID)?,
        gid: r.u32(o::GID)?,
        egid: r.u32(o::EGID)?,
        size_kib: r.u64(o::SIZE)?,
        rssize_kib: r.u64(o::RSSIZE)?,
        ttydev: r.u64(o::TTYDEV)?,
        start: Timestruc::read(&r, o::START)?,
        fname: r.cstr(o::FNAME, PRFNSZ)?,
        psargs: r.cstr(o::PSARGS, PRARGSZ)?,
        argc: r.i32(o::ARGC)?,
        argv: r.u64(o::ARGV)?,
        envp: r.u64(o::ENVP)?,
        dmodel: r.u8(o::DMODEL)?,
        state: r.u8(o::LWP + lwpsinfo_off::STATE)?,
        nice: r.i8(o::LWP + lwpsinfo_off::NICE)?,
        onpro: r.i32(o::LWP + lwpsinfo_off::ONPRO)?,
    })
}

/// A process state, `pr_lwp.pr_state` (`<sys/proc.h>`: SSLEEP 1, SRUN 2, SZOMB 3,
/// SSTOP 4, SIDL 5, SONPROC 6, SWAIT 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcState {
    /// `SSLEEP`: psutil `"sleeping"`.
    Sleeping,
    /// `SRUN` (runnable) and `SONPROC` (on a processor): psutil `"running"`.
    Running,
    /// `SZOMB`: `"zombie"`.
    Zombie,
    /// `SSTOP`: `"stopped"`.
    Stopped,
    /// `SIDL`: being created, `"idle"`.
    Idle,
    /// `SWAIT`: waiting to become runnable, `"waiting"`.
    Waiting,
    /// Any other number: psutil's `"?"`.
    Unknown,
}

/// psutil's `PROC_STATUSES` lookup (`_pssunos.py`), unknown codes → `Unknown`.
pub fn proc_state(code: u8) -> ProcState {
    match code {
        1 => ProcState::Sleeping,
        2 | 6 => ProcState::Running,
        3 => ProcState::Zombie,
        4 => ProcState::Stopped,
        5 => ProcState::Idle,
        7 => ProcState::Waiting,
        _ => ProcState::Unknown,
    }
}

/// psutil's fallback command line: `pr_psargs` split on single spaces, Python's
/// `str.split(" ")` (repeated spaces give empty items; an empty string gives one
/// empty item).
pub fn split_psargs(psargs: &[u8]) -> Vec<Vec<u8>> {
    psargs.split(|&b| b == b' ').map(<[u8]>::to_vec).collect()
}

// ------------------------------------------------------------------- pstatus_t
/// `sizeof(lwpstatus_t)`, LP64 (the last fields are `prgregset_t pr_reg` at 544,
/// 28 × 8 bytes, and `prfpregset_t pr_fpreg` at 768, 528 bytes, 16-aligned).
pub const LWPSTATUS_SIZE: usize = 1296;
/// `sizeof(pstatus_t)`, LP64: 384 bytes + the representative `lwpstatus_t`.
pub const PSTATUS_SIZE: usize = 384 + LWPSTATUS_SIZE;
/// Offsets of `pstatus_t` fields, LP64 (`pr_flags` 0, `pr_nlwp` 4, `pr_pid` 8,
/// `pr_ppid` 12, `pr_pgid` 16, `pr_sid` 20, `pr_aslwpid` 24, `pr_agentid` 28,
/// `pr_sigpend` 32 (16), `pr_brkbase` 48, `pr_brksize` 56, `pr_stkbase` 64,
/// `pr_stksize` 72, `pr_utime` 80, `pr_stime` 96, `pr_cutime` 112, `pr_cstime` 128,
/// `pr_sigtrace` 144 (16), `pr_flttrace` 160 (16), `pr_sysentry` 176 (64),
/// `pr_sysexit` 240 (64), `pr_dmodel` 304, `pr_taskid` 308, `pr_projid` 312,
/// `pr_nzomb` 316, `pr_zoneid` 320, `pr_filler[15]` 324, `pr_lwp` 384).
pub mod pstatus_off {
    /// `uintptr_t pr_brkbase`.
    pub const BRKBASE: usize = 48;
    /// `size_t pr_brksize`.
    pub const BRKSIZE: usize = 56;
    /// `uintptr_t pr_stkbase`.
    pub const STKBASE: usize = 64;
    /// `size_t pr_stksize`.
    pub const STKSIZE: usize = 72;
    /// `timestruc_t pr_utime`.
    pub const UTIME: usize = 80;
    /// `timestruc_t pr_stime`.
    pub const STIME: usize = 96;
    /// `timestruc_t pr_cutime`.
    pub const CUTIME: usize = 112;
    /// `timestruc_t pr_cstime`.
    pub const CSTIME: usize = 128;
    /// `char pr_dmodel`.
    pub const DMODEL: usize = 304;
}

/// The fields of `pstatus_t` psutil uses (cpu_times, memory_maps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pstatus {
    /// `pr_brkbase`: address of the heap.
    pub brkbase: u64,
    /// `pr_brksize`: heap size, bytes.
    pub brksize: u64,
    /// `pr_stkbase`: address of the stack.
    pub stkbase: u64,
    /// `pr_stksize`: stack size, bytes.
    pub stksize: u64,
    /// `pr_utime`: user CPU time.
    pub utime: Timestruc,
    /// `pr_stime`: system CPU time.
    pub stime: Timestruc,
    /// `pr_cutime`: user time of reaped children.
    pub cutime: Timestruc,
    /// `pr_cstime`: system time of reaped children.
    pub cstime: Timestruc,
}

/// Decodes `/proc/PID/status` (needs the 305-byte prefix through `pr_dmodel`).
pub fn parse_pstatus(data: &[u8]) -> Result<Pstatus> {
    use pstatus_off as o;
    let r = Record::new(data, o::DMODEL + 1, "status")?;
    Ok(Pstatus {
        brkbase: r.u64(o::BRKBASE)?,
        brksize: r.u64(o::BRKSIZE)?,
        stkbase: r.u64(o::STKBASE)?,
        stksize: r.u64(o::STKSIZE)?,
        utime: Timestruc::read(&r, o::UTIME)?,
        stime: Timestruc::read(&r, o::STIME)?,
        cutime: Timestruc::read(&r, o::CUTIME)?,
        cstime: Timestruc::read(&r, o::CSTIME)?,
    })
}

// ----------------------------------------------------------------- lwpstatus_t
/// Offsets of `lwpstatus_t` fields, LP64 (`pr_flags` 0, `pr_lwpid` 4, `pr_why` 8,
/// `pr_what` 10, `pr_cursig` 12, `pr_pad1` 14, `pr_info` 16 (`siginfo_t`, 256),
/// `pr_lwppend` 272, `pr_lwphold` 288, `pr_action` 304 (`struct sigaction`, 32),
/// `pr_altstack` 336 (`stack_t`, 24), `pr_oldcontext` 360, `pr_syscall` 368,
/// `pr_nsysarg` 370, `pr_errno` 372, `pr_sysarg[8]` 376, `pr_rval1` 440, `pr_rval2`
/// 448, `pr_clname[8]` 456, `pr_tstamp` 464, `pr_utime` 480, `pr_stime` 496,
/// `pr_filler[3]` 512, `pr_errpriv` 524, `pr_ustack` 528, `pr_instr` 536, `pr_reg`
/// 544, `pr_fpreg` 768).
pub mod lwpstatus_off {
    /// `id_t pr_lwpid`.
    pub const LWPID: usize = 4;
    /// `timestruc_t pr_utime`.
    pub const UTIME: usize = 480;
    /// `timestruc_t pr_stime`.
    pub const STIME: usize = 496;
}

/// A thread's CPU times from `/proc/PID/lwp/TID/lwpstatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LwpStatus {
    /// `pr_lwpid`.
    pub lwpid: i32,
    /// `pr_utime`.
    pub utime: Timestruc,
    /// `pr_stime`.
    pub stime: Timestruc,
}

/// Decodes `lwpstatus` (needs the 512-byte prefix through `pr_stime`).
pub fn parse_lwpstatus(data: &[u8]) -> Result<LwpStatus> {
    use lwpstatus_off as o;
    let r = Record::new(data, o::STIME + 16, "lwpstatus")?;
    Ok(LwpStatus {
        lwpid: r.i32(o::LWPID)?,
        utime: Timestruc::read(&r, o::UTIME)?,
        stime: Timestruc::read(&r, o::STIME)?,
    })
}

// ------------------------------------------------------------------- prusage_t
/// `sizeof(prusage_t)`, LP64: two ints, 20 `timestruc_t`, 22 `ulong_t`.
pub const PRUSAGE_SIZE: usize = 8 + 20 * 16 + 22 * 8;
/// Offsets of `prusage_t` fields, LP64 (`pr_lwpid` 0, `pr_count` 4, `pr_tstamp` 8,
/// `pr_create` 24, `pr_term` 40, `pr_rtime` 56, `pr_utime` 72, `pr_stime` 88, …,
/// `pr_stoptime` 216, `filltime[6]` 232, `pr_minf` 328, `pr_majf` 336, `pr_nswap`
/// 344, `pr_inblk` 352, `pr_oublk` 360, `pr_msnd` 368, `pr_mrcv` 376, `pr_sigs` 384,
/// `pr_vctx` 392, `pr_ictx` 400, `pr_sysc` 408, `pr_ioch` 416, `filler[10]` 424).
pub mod prusage_off {
    /// `ulong_t pr_vctx`.
    pub const VCTX: usize = 392;
    /// `ulong_t pr_ictx`.
    pub const ICTX: usize = 400;
}

/// The context switches of `/proc/PID/usage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prusage {
    /// `pr_vctx`: voluntary context switches.
    pub vctx: u64,
    /// `pr_ictx`: involuntary context switches.
    pub ictx: u64,
}

/// Decodes `/proc/PID/usage` (needs the prefix through `pr_ictx`).
pub fn parse_prusage(data: &[u8]) -> Result<Prusage> {
    use prusage_off as o;
    let r = Record::new(data, o::ICTX + 8, "usage")?;
    Ok(Prusage {
        vctx: r.u64(o::VCTX)?,
        ictx: r.u64(o::ICTX)?,
    })
}

// -------------------------------------------------------------------- prcred_t
/// `sizeof(prcred_t)` (with its one-element `pr_groups`): `pr_euid` 0, `pr_ruid` 4,
/// `pr_suid` 8, `pr_egid` 12, `pr_rgid` 16, `pr_sgid` 20, `pr_ngroups` 24,
/// `pr_groups[1]` 28.
pub const PRCRED_SIZE: usize = 32;

/// The ids of `/proc/PID/cred`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prcred {
    /// `pr_ruid`.
    pub ruid: u32,
    /// `pr_euid`.
    pub euid: u32,
    /// `pr_suid`.
    pub suid: u32,
    /// `pr_rgid`.
    pub rgid: u32,
    /// `pr_egid`.
    pub egid: u32,
    /// `pr_sgid`.
    pub sgid: u32,
}

/// Decodes `/proc/PID/cred` (needs the six ids, 24 bytes).
pub fn parse_prcred(data: &[u8]) -> Result<Prcred> {
    let r = Record::new(data, 24, "cred")?;
    Ok(Prcred {
        euid: r.u32(0)?,
        ruid: r.u32(4)?,
        suid: r.u32(8)?,
        egid: r.u32(12)?,
        rgid: r.u32(16)?,
        sgid: r.u32(20)?,
    })
}

// --------------------------------------------------------------------- lpsinfo
/// `sizeof(prheader_t)`: `long pr_nent` 0, `long pr_entsize` 8.
pub const PRHEADER_SIZE: usize = 16;

/// psutil's `proc_cpu_num`: the `pr_onpro` of the first `lwpsinfo_t` of
/// `/proc/PID/lpsinfo` (a `prheader_t` followed by `pr_nent` entries of
/// `pr_entsize` bytes each).
pub fn parse_lpsinfo_first_onpro(data: &[u8]) -> Result<i32> {
    let r = Record::new(data, PRHEADER_SIZE, "lpsinfo")?;
    let nent = r.i64(0)?;
    let entsize = r.i64(8)?;
    if nent < 1 {
        return Err(ParseError::new("lpsinfo: no LWP entries"));
    }
    if entsize < (lwpsinfo_off::ONPRO + 4) as i64 {
        return Err(ParseError::new(format!(
            "lpsinfo: entry size {entsize} too small"
        )));
    }
    r.i32(PRHEADER_SIZE + lwpsinfo_off::ONPRO)
}

// -------------------------------------------------------------------- prxmap_t
/// `sizeof(prxmap_t)`, LP64.
pub const PRXMAP_SIZE: usize = 216;
/// `PRMAPSZ`: size of `pr_mapname`.
pub const PRMAPSZ: usize = 64;
/// Offsets of `prxmap_t` fields, LP64 (`pr_vaddr` 0, `pr_size` 8, `pr_mapname[64]`
/// 16, `pr_offset` 80, `pr_mflags` 88, `pr_pagesize` 92, `pr_shmid` 96, `pr_dev`
/// 104, `pr_ino` 112, `pr_rss` 120, `pr_anon` 128, `pr_locked` 136, `pr_pad` 144,
/// `pr_hatpagesize` 152, `pr_filler[7]` 160).
pub mod prxmap_off {
    /// `uintptr_t pr_vaddr`.
    pub const VADDR: usize = 0;
    /// `size_t pr_size`.
    pub const SIZE: usize = 8;
    /// `char pr_mapname[PRMAPSZ]`.
    pub const MAPNAME: usize = 16;
    /// `int pr_mflags`.
    pub const MFLAGS: usize = 88;
    /// `int pr_pagesize`.
    pub const PAGESIZE: usize = 92;
    /// `size_t pr_rss` (pages).
    pub const RSS: usize = 120;
    /// `size_t pr_anon` (pages).
    pub const ANON: usize = 128;
    /// `size_t pr_locked` (pages).
    pub const LOCKED: usize = 136;
}

/// `MA_EXEC`.
pub const MA_EXEC: i32 = 0x01;
/// `MA_WRITE`.
pub const MA_WRITE: i32 = 0x02;
/// `MA_READ`.
pub const MA_READ: i32 = 0x04;
/// `MA_SHARED`.
pub const MA_SHARED: i32 = 0x08;
/// `MA_ANON`.
pub const MA_ANON: i32 = 0x40;
/// `MA_ISM`: intimate shared memory.
pub const MA_ISM: i32 = 0x80;
/// `MA_SHM`: System V shared memory.
pub const MA_SHM: i32 = 0x200;

/// One `prxmap_t` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prxmap {
    /// `pr_vaddr`.
    pub vaddr: u64,
    /// `pr_size`, bytes.
    pub size: u64,
    /// `pr_mapname`: the name of the mapping's entry in `/proc/PID/path` (empty
    /// for anonymous memory).
    pub mapname: Vec<u8>,
    /// `pr_mflags` (`MA_*`).
    pub mflags: i32,
    /// `pr_pagesize`, bytes.
    pub pagesize: i32,
    /// `pr_rss`, pages.
    pub rss: u64,
    /// `pr_anon`, pages.
    pub anon: u64,
    /// `pr_locked`, pages.
    pub locked: u64,
}

/// Decodes `/proc/PID/xmap`: as many whole entries as the bytes hold (psutil:
/// `nread / sizeof(prxmap_t)`).
pub fn parse_xmap(data: &[u8]) -> Result<Vec<Prxmap>> {
    use prxmap_off as o;
    data.chunks_exact(PRXMAP_SIZE)
        .map(|chunk| {
            let r = Record::new(chunk, PRXMAP_SIZE, "xmap")?;
            Ok(Prxmap {
                vaddr: r.u64(o::VADDR)?,
                size: r.u64(o::SIZE)?,
                mapname: r.cstr(o::MAPNAME, PRMAPSZ)?,
                mflags: r.i32(o::MFLAGS)?,
                pagesize: r.i32(o::PAGESIZE)?,
                rss: r.u64(o::RSS)?,
                anon: r.u64(o::ANON)?,
                locked: r.u64(o::LOCKED)?,
            })
        })
        .collect()
}

/// One mapping as psutil's `proc_memory_maps` reports it, before the Python layer
/// resolves names through `/proc/PID/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapRow {
    /// Start address.
    pub start: u64,
    /// End address (`pr_vaddr + pr_size`).
    pub end: u64,
    /// `rwxs` with `-` for each missing flag.
    pub perms: String,
    /// `pr_mapname`, or `[shmid]`, `[stack]`, `[heap]`, `[anon]`.
    pub name: Vec<u8>,
    /// Resident bytes (`pr_rss × pr_pagesize`).
    pub rss: u64,
    /// Anonymous bytes (`pr_anon × pr_pagesize`).
    pub anonymous: u64,
    /// Locked bytes (`pr_locked × pr_pagesize`).
    pub locked: u64,
}

impl MapRow {
    /// True when `name` is one of the bracketed pseudo-names (not a
    /// `/proc/PID/path` entry to resolve).
    pub fn is_pseudo(&self) -> bool {
        self.name.first() == Some(&b'[')
    }

    /// psutil's `addr`: `"%x-%x"` of start and end.
    pub fn addr(&self) -> String {
        format!("{:x}-{:x}", self.start, self.end)
    }
}

/// psutil's naming and sizing of one xmap entry (`sunos/proc.c`,
/// `psutil_proc_memory_maps`), with the stack and heap ranges of `status`.
pub fn map_row(entry: &Prxmap, status: &Pstatus) -> MapRow {
    let f = entry.mflags;
    let flag = |bit: i32, c: char| if f & bit != 0 { c } else { '-' };
    let perms: String = [
        flag(MA_READ, 'r'),
        flag(MA_WRITE, 'w'),
        flag(MA_EXEC, 'x'),
        flag(MA_SHARED, 's'),
    ]
    .iter()
    .collect();
    let end = entry.vaddr.wrapping_add(entry.size);
    let name: Vec<u8> = if !entry.mapname.is_empty() {
        entry.mapname.clone()
    } else if f & (MA_ISM | MA_SHM) != 0 {
        b"[shmid]".to_vec()
    } else {
        let stk_end = status.stkbase.wrapping_add(status.stksize);
        let brk_end = status.brkbase.wrapping_add(status.brksize);
        if end > status.stkbase && entry.vaddr < stk_end {
            b"[stack]".to_vec()
        } else if f & MA_ANON != 0 && end > status.brkbase && entry.vaddr < brk_end {
            b"[heap]".to_vec()
        } else {
            b"[anon]".to_vec()
        }
    };
    let page = u64::try_from(entry.pagesize).unwrap_or(0);
    MapRow {
        start: entry.vaddr,
        end,
        perms,
        name,
        rss: entry.rss.saturating_mul(page),
        anonymous: entry.anon.saturating_mul(page),
        locked: entry.locked.saturating_mul(page),
    }
}

// ------------------------------------------------------------ argv/envp in `as`
/// The width of a pointer in a process of data model `dmodel` (psutil's
/// `sunos/environ.c`): 4 for ILP32, 8 for LP64; None for an unknown model.
pub fn pointer_size(dmodel: u8) -> Option<usize> {
    match dmodel {
        PR_MODEL_ILP32 => Some(4),
        PR_MODEL_LP64 => Some(8),
        _ => None,
    }
}

/// Decodes the pointers of a vector read from `/proc/PID/as` (`ptr_size` 4 or 8;
/// a partial trailing pointer is an error, as psutil's "partial pointer").
pub fn decode_pointers(data: &[u8], ptr_size: usize) -> Result<Vec<u64>> {
    if ptr_size != 4 && ptr_size != 8 {
        return Err(ParseError::new(format!("bad pointer size {ptr_size}")));
    }
    if data.len() % ptr_size != 0 {
        return Err(ParseError::new("partial pointer in the vector"));
    }
    Ok(data
        .chunks_exact(ptr_size)
        .map(|c| match c.len() {
            4 => u64::from(u32::from_ne_bytes([c[0], c[1], c[2], c[3]])),
            _ => {
                let mut b = [0u8; 8];
                b.copy_from_slice(c);
                u64::from_ne_bytes(b)
            }
        })
        .collect())
}

/// The NUL-terminated string at the start of `chunk`, None when `chunk` holds no
/// NUL yet (read more).
pub fn terminated(chunk: &[u8]) -> Option<&[u8]> {
    chunk.iter().position(|&b| b == 0).map(|n| &chunk[..n])
}

/// psutil's environment: each `NAME=value` string split at its first `=`; strings
/// without one are skipped.
pub fn environ_pairs(strings: &[Vec<u8>]) -> Vec<(Vec<u8>, Vec<u8>)> {
    strings
        .iter()
        .filter_map(|s| {
            let eq = s.iter().position(|&b| b == b'=')?;
            Some((s[..eq].to_vec(), s[eq + 1..].to_vec()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn put(buf: &mut [u8], off: usize, bytes: &[u8]) {
        buf[off..off + bytes.len()].copy_from_slice(bytes);
    }

    fn psinfo_bytes() -> Vec<u8> {
        use psinfo_off as o;
        let mut b = vec![0u8; PSINFO_SIZE];
        put(&mut b, o::NLWP, &3i32.to_ne_bytes());
        put(&mut b, o::PID, &4242i32.to_ne_bytes());
        put(&mut b, o::PPID, &1i32.to_ne_bytes());
        put(&mut b, o::UID, &100u32.to_ne_bytes());
        put(&mut b, o::EUID, &0u32.to_ne_bytes());
        put(&mut b, o::GID, &10u32.to_ne_bytes());
        put(&mut b, o::EGID, &11u32.to_ne_bytes());
        put(&mut b, o::SIZE, &2048u64.to_ne_bytes());
        put(&mut b, o::RSSIZE, &1024u64.to_ne_bytes());
        put(&mut b, o::TTYDEV, &u64::MAX.to_ne_bytes());
        put(&mut b, o::START, &1_700_000_000i64.to_ne_bytes());
        put(&mut b, o::START + 8, &250_000_000i64.to_ne_bytes());
        put(&mut b, o::FNAME, b"sshd\0");
        put(&mut b, o::PSARGS, b"/usr/lib/ssh/sshd -D\0");
        put(&mut b, o::ARGC, &2i32.to_ne_bytes());
        put(&mut b, o::ARGV, &0x8047_0000u64.to_ne_bytes());
        put(&mut b, o::ENVP, &0x8047_0010u64.to_ne_bytes());
        put(&mut b, o::DMODEL, &[PR_MODEL_LP64]);
        put(&mut b, o::LWP + lwpsinfo_off::STATE, &[6]);
        put(&mut b, o::LWP + lwpsinfo_off::NICE, &[20]);
        put(&mut b, o::LWP + lwpsinfo_off::ONPRO, &3i32.to_ne_bytes());
        b
    }

    #[test]
    fn psinfo_fields() {
        let p = parse_psinfo(&psinfo_bytes()).unwrap();
        assert_eq!(p.nlwp, 3);
        assert_eq!(p.pid, 4242);
        assert_eq!(p.ppid, 1);
        assert_eq!((p.uid, p.euid, p.gid, p.egid), (100, 0, 10, 11));
        assert_eq!((p.size_kib, p.rssize_kib), (2048, 1024));
        assert_eq!(p.ttydev, PRNODEV);
        assert_eq!(p.start.as_secs_f64(), 1_700_000_000.25);
        assert_eq!(p.start.as_nanos(), 1_700_000_000_250_000_000);
        assert_eq!(p.fname, b"sshd");
        assert_eq!(p.psargs, b"/usr/lib/ssh/sshd -D");
        assert_eq!(p.argc, 2);
        assert_eq!(p.argv, 0x8047_0000);
        assert_eq!(p.envp, 0x8047_0010);
        assert_eq!(p.dmodel, PR_MODEL_LP64);
        assert_eq!(proc_state(p.state), ProcState::Running);
        assert_eq!(p.nice, 20);
        assert_eq!(p.onpro, 3);
        // A full pr_fname (no NUL) keeps its 16 bytes; short input is an error.
        let mut b = psinfo_bytes();
        put(&mut b, psinfo_off::FNAME, b"abcdefghijklmnop");
        assert_eq!(parse_psinfo(&b).unwrap().fname, b"abcdefghijklmnop");
        assert!(parse_psinfo(&b[..PSINFO_SIZE - 1]).is_err());
    }

    #[test]
    fn sizes_match_the_header() {
        assert_eq!(PSINFO_SIZE, 416);
        assert_eq!(LWPSINFO_SIZE, 128);
        assert_eq!(PRUSAGE_SIZE, 504);
        assert_eq!(PRXMAP_SIZE, 216);
        assert_eq!(PSTATUS_SIZE, 1680);
        // The last field of each structure ends at its size.
        assert_eq!(psinfo_off::LWP + LWPSINFO_SIZE, PSINFO_SIZE);
        assert_eq!(lwpsinfo_off::ONPRO + 4 + 3 * 4 + 4 * 4, LWPSINFO_SIZE);
        assert_eq!(prusage_off::ICTX + 8 + 8 + 8 + 10 * 8, PRUSAGE_SIZE);
        assert_eq!(prxmap_off::LOCKED + 8 + 8 + 8 + 7 * 8, PRXMAP_SIZE);
    }

    #[test]
    fn states() {
        let want = [
            (1, ProcState::Sleeping),
            (2, ProcState::Running),
            (3, ProcState::Zombie),
            (4, ProcState::Stopped),
            (5, ProcState::Idle),
            (6, ProcState::Running),
            (7, ProcState::Waiting),
            (0, ProcState::Unknown),
            (8, ProcState::Unknown),
        ];
        for (code, state) in want {
            assert_eq!(proc_state(code), state, "{code}");
        }
    }

    #[test]
    fn psargs_split_like_python() {
        assert_eq!(split_psargs(b"a b"), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(
            split_psargs(b"a  b"),
            vec![b"a".to_vec(), b"".to_vec(), b"b".to_vec()]
        );
        assert_eq!(split_psargs(b""), vec![Vec::<u8>::new()]);
    }

    fn status_bytes() -> Vec<u8> {
        use pstatus_off as o;
        let mut b = vec![0u8; PSTATUS_SIZE];
        put(&mut b, o::BRKBASE, &0x1000u64.to_ne_bytes());
        put(&mut b, o::BRKSIZE, &0x3000u64.to_ne_bytes());
        put(&mut b, o::STKBASE, &0xff00_0000u64.to_ne_bytes());
        put(&mut b, o::STKSIZE, &0x10000u64.to_ne_bytes());
        put(&mut b, o::UTIME, &5i64.to_ne_bytes());
        put(&mut b, o::UTIME + 8, &500_000_000i64.to_ne_bytes());
        put(&mut b, o::STIME, &1i64.to_ne_bytes());
        put(&mut b, o::CUTIME + 8, &1_000i64.to_ne_bytes());
        put(&mut b, o::CSTIME, &7i64.to_ne_bytes());
        b
    }

    #[test]
    fn pstatus_fields() {
        let s = parse_pstatus(&status_bytes()).unwrap();
        assert_eq!(s.brkbase, 0x1000);
        assert_eq!(s.brksize, 0x3000);
        assert_eq!(s.stkbase, 0xff00_0000);
        assert_eq!(s.stksize, 0x10000);
        assert_eq!(s.utime.as_secs_f64(), 5.5);
        assert_eq!(s.stime.as_secs_f64(), 1.0);
        assert_eq!(s.cutime.as_secs_f64(), 1000.0 * 1e-9); // psutil: sec + nsec * 1e-9
        assert_eq!(s.cstime.as_secs_f64(), 7.0);
        assert!(parse_pstatus(&status_bytes()[..300]).is_err());
    }

    #[test]
    fn lwpstatus_usage_cred_lpsinfo() {
        let mut b = vec![0u8; LWPSTATUS_SIZE];
        put(&mut b, lwpstatus_off::LWPID, &2i32.to_ne_bytes());
        put(&mut b, lwpstatus_off::UTIME, &3i64.to_ne_bytes());
        put(
            &mut b,
            lwpstatus_off::STIME + 8,
            &500_000_000i64.to_ne_bytes(),
        );
        let l = parse_lwpstatus(&b).unwrap();
        assert_eq!(l.lwpid, 2);
        assert_eq!(l.utime.as_secs_f64(), 3.0);
        assert_eq!(l.stime.as_secs_f64(), 0.5);

        let mut u = vec![0u8; PRUSAGE_SIZE];
        put(&mut u, prusage_off::VCTX, &123u64.to_ne_bytes());
        put(&mut u, prusage_off::ICTX, &45u64.to_ne_bytes());
        assert_eq!(
            parse_prusage(&u).unwrap(),
            Prusage {
                vctx: 123,
                ictx: 45
            }
        );

        let mut c = vec![0u8; PRCRED_SIZE];
        for (i, v) in [1u32, 2, 3, 4, 5, 6].iter().enumerate() {
            put(&mut c, i * 4, &v.to_ne_bytes());
        }
        let cred = parse_prcred(&c).unwrap();
        assert_eq!((cred.euid, cred.ruid, cred.suid), (1, 2, 3));
        assert_eq!((cred.egid, cred.rgid, cred.sgid), (4, 5, 6));
        assert!(parse_prcred(&c[..20]).is_err());

        let mut lp = vec![0u8; PRHEADER_SIZE + 2 * LWPSINFO_SIZE];
        put(&mut lp, 0, &2i64.to_ne_bytes());
        put(&mut lp, 8, &(LWPSINFO_SIZE as i64).to_ne_bytes());
        put(
            &mut lp,
            PRHEADER_SIZE + lwpsinfo_off::ONPRO,
            &7i32.to_ne_bytes(),
        );
        assert_eq!(parse_lpsinfo_first_onpro(&lp).unwrap(), 7);
        put(&mut lp, 0, &0i64.to_ne_bytes());
        assert!(parse_lpsinfo_first_onpro(&lp).is_err());
    }

    fn xmap_entry(vaddr: u64, size: u64, name: &[u8], mflags: i32) -> Vec<u8> {
        use prxmap_off as o;
        let mut b = vec![0u8; PRXMAP_SIZE];
        put(&mut b, o::VADDR, &vaddr.to_ne_bytes());
        put(&mut b, o::SIZE, &size.to_ne_bytes());
        put(&mut b, o::MAPNAME, name);
        put(&mut b, o::MFLAGS, &mflags.to_ne_bytes());
        put(&mut b, o::PAGESIZE, &4096i32.to_ne_bytes());
        put(&mut b, o::RSS, &2u64.to_ne_bytes());
        put(&mut b, o::ANON, &1u64.to_ne_bytes());
        put(&mut b, o::LOCKED, &0u64.to_ne_bytes());
        b
    }

    #[test]
    fn xmap_rows() {
        let mut data = xmap_entry(0x400000, 0x2000, b"a.out\0", MA_READ | MA_EXEC);
        data.extend(xmap_entry(
            0x1000,
            0x1000,
            b"",
            MA_READ | MA_WRITE | MA_ANON,
        ));
        data.extend(xmap_entry(0xff00_8000, 0x1000, b"", MA_READ | MA_WRITE));
        data.extend(xmap_entry(0x9000_0000, 0x1000, b"", MA_SHM | MA_SHARED));
        data.extend(xmap_entry(0x7000_0000, 0x1000, b"", MA_READ | MA_ANON));
        data.extend([0u8; 10]); // a partial entry is ignored
        let maps = parse_xmap(&data).unwrap();
        assert_eq!(maps.len(), 5);
        let status = parse_pstatus(&status_bytes()).unwrap();
        let rows: Vec<MapRow> = maps.iter().map(|m| map_row(m, &status)).collect();
        assert_eq!(rows[0].addr(), "400000-402000");
        assert_eq!(rows[0].perms, "r-x-");
        assert_eq!(rows[0].name, b"a.out");
        assert!(!rows[0].is_pseudo());
        assert_eq!(
            (rows[0].rss, rows[0].anonymous, rows[0].locked),
            (8192, 4096, 0)
        );
        assert_eq!(rows[1].name, b"[heap]");
        assert_eq!(rows[1].perms, "rw--");
        assert_eq!(rows[2].name, b"[stack]");
        assert_eq!(rows[3].name, b"[shmid]");
        assert_eq!(rows[3].perms, "---s");
        assert_eq!(rows[4].name, b"[anon]");
        assert!(rows[4].is_pseudo());
    }

    #[test]
    fn vectors_and_environ() {
        let mut v = Vec::new();
        v.extend(0x1000u32.to_ne_bytes());
        v.extend(0u32.to_ne_bytes());
        assert_eq!(decode_pointers(&v, 4).unwrap(), vec![0x1000, 0]);
        assert_eq!(decode_pointers(&v, 8).unwrap().len(), 1);
        assert!(decode_pointers(&v[..5], 4).is_err());
        assert!(decode_pointers(&v, 3).is_err());
        assert_eq!(pointer_size(PR_MODEL_ILP32), Some(4));
        assert_eq!(pointer_size(PR_MODEL_LP64), Some(8));
        assert_eq!(pointer_size(0), None);
        assert_eq!(terminated(b"ab\0c"), Some(&b"ab"[..]));
        assert_eq!(terminated(b"abc"), None);
        let env = environ_pairs(&[b"A=1".to_vec(), b"junk".to_vec(), b"B==x".to_vec()]);
        assert_eq!(
            env,
            vec![
                (b"A".to_vec(), b"1".to_vec()),
                (b"B".to_vec(), b"=x".to_vec())
            ]
        );
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..2000), ptr in 0usize..10) {
            let _ = parse_psinfo(&data);
            let _ = parse_pstatus(&data);
            let _ = parse_lwpstatus(&data);
            let _ = parse_prusage(&data);
            let _ = parse_prcred(&data);
            let _ = parse_lpsinfo_first_onpro(&data);
            if let Ok(maps) = parse_xmap(&data) {
                let st = Pstatus::default();
                for m in &maps {
                    let _ = map_row(m, &st).addr();
                }
            }
            let _ = decode_pointers(&data, ptr);
            let _ = split_psargs(&data);
            let _ = environ_pairs(std::slice::from_ref(&data));
        }
    }
}
