//! `struct kinfo_proc` as `sysctl({CTL_KERN, KERN_PROC, KERN_PROC_PID, pid})` returns
//! it (XNU `bsd/sys/sysctl.h`: `struct kinfo_proc { struct extern_proc kp_proc;
//! struct eproc kp_eproc; }`, `bsd/sys/proc.h`: `struct extern_proc`), and psutil's
//! status rule on it (`arch/osx/proc.c`, `convert_status`, #2675).
//!
//! Offsets are for LP64 (x86_64 and arm64 macOS), computed from the headers:
//! `extern_proc` is 296 bytes and `eproc` 352, 648 in all.

use super::{cstr_field, i32_at, i64_at, u32_at};
use crate::{ParseError, Result};

/// `sizeof(struct kinfo_proc)` on LP64 macOS.
pub const KINFO_PROC_SIZE: usize = 648;

// struct extern_proc (bsd/sys/proc.h), LP64.
/// `p_un.__p_starttime.tv_sec` (`struct timeval` first in the union).
const P_STARTTIME_SEC: usize = 0;
/// `p_starttime.tv_usec` (`__darwin_suseconds_t`, an `int32_t`).
const P_STARTTIME_USEC: usize = 8;
/// `int p_flag` (after two pointers and the 16-byte union).
const P_FLAG: usize = 32;
/// `char p_stat`.
const P_STAT: usize = 36;
/// `pid_t p_pid`.
const P_PID: usize = 40;
/// `char p_comm[MAXCOMLEN + 1]` (17 bytes, after `p_nice` at 242).
const P_COMM: usize = 243;
const P_COMM_LEN: usize = 17;

// struct eproc (bsd/sys/sysctl.h), at 296.
const EPROC: usize = 296;
/// `e_pcred` (`struct _pcred`: `char pc_lock[72]; struct ucred *pc_ucred;` then ids).
const E_PCRED: usize = EPROC + 16;
const P_RUID: usize = E_PCRED + 80;
const P_SVUID: usize = E_PCRED + 84;
const P_RGID: usize = E_PCRED + 88;
const P_SVGID: usize = E_PCRED + 92;
/// `e_ucred` (`struct _ucred`: `int32_t cr_ref; uid_t cr_uid; short cr_ngroups;
/// gid_t cr_groups[16]`), after the 104-byte `_pcred`.
const E_UCRED: usize = E_PCRED + 104;
const CR_UID: usize = E_UCRED + 4;
const CR_GROUPS0: usize = E_UCRED + 12;
/// `pid_t e_ppid`, after `e_ucred` (76 bytes) and the 64-byte `struct vmspace`
/// aligned to 8 (at 496).
const E_PPID: usize = EPROC + 264;
/// `dev_t e_tdev` (an `int32_t`), after `e_pgid` and `short e_jobc`.
const E_TDEV: usize = EPROC + 276;
/// `int32_t e_flag`.
const E_FLAG: usize = EPROC + 316;

/// The fields of a `kinfo_proc` that psutil reads (`kinfo_proc_map`,
/// `arch/osx/proc.c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KinfoProc {
    /// `kp_proc.p_pid`.
    pub pid: i32,
    /// `kp_eproc.e_ppid`.
    pub ppid: i32,
    /// `e_pcred.p_ruid`.
    pub ruid: u32,
    /// `e_ucred.cr_uid`.
    pub euid: u32,
    /// `e_pcred.p_svuid`.
    pub suid: u32,
    /// `e_pcred.p_rgid`.
    pub rgid: u32,
    /// `e_ucred.cr_groups[0]` (psutil's effective gid).
    pub egid: u32,
    /// `e_pcred.p_svgid`.
    pub sgid: u32,
    /// `e_tdev`: the controlling terminal's device, `NODEV` (-1) without one.
    pub tdev: i32,
    /// `p_starttime.tv_sec`: start time, seconds since the epoch.
    pub start_sec: i64,
    /// `p_starttime.tv_usec`.
    pub start_usec: i32,
    /// `p_stat` (`SIDL` 1 … `SZOMB` 5).
    pub stat: u8,
    /// `p_flag` (`P_*`).
    pub flag: i32,
    /// `e_flag` (`EPROC_*`).
    pub eflag: i32,
    /// `p_comm`: the name, at most 16 bytes.
    pub comm: Vec<u8>,
}

impl KinfoProc {
    /// The start time as microseconds since the epoch (the identity's unit).
    pub fn start_micros(&self) -> u64 {
        let usec = i64::from(self.start_usec.clamp(0, 999_999));
        u64::try_from(
            self.start_sec
                .saturating_mul(1_000_000)
                .saturating_add(usec),
        )
        .unwrap_or(0)
    }

    /// The start time as float seconds since the epoch (psutil's
    /// `PSUTIL_TV2DOUBLE`).
    pub fn start_secs(&self) -> f64 {
        self.start_sec as f64 + f64::from(self.start_usec) / 1e6
    }
}

/// Decodes one `kinfo_proc` (at least [`KINFO_PROC_SIZE`] bytes).
pub fn parse_kinfo_proc(data: &[u8]) -> Result<KinfoProc> {
    if data.len() < KINFO_PROC_SIZE {
        return Err(ParseError::new(format!(
            "kinfo_proc: {} bytes, expected {KINFO_PROC_SIZE}",
            data.len()
        )));
    }
    let w = "kinfo_proc";
    Ok(KinfoProc {
        pid: i32_at(data, P_PID, w)?,
        ppid: i32_at(data, E_PPID, w)?,
        ruid: u32_at(data, P_RUID, w)?,
        euid: u32_at(data, CR_UID, w)?,
        suid: u32_at(data, P_SVUID, w)?,
        rgid: u32_at(data, P_RGID, w)?,
        egid: u32_at(data, CR_GROUPS0, w)?,
        sgid: u32_at(data, P_SVGID, w)?,
        tdev: i32_at(data, E_TDEV, w)?,
        start_sec: i64_at(data, P_STARTTIME_SEC, w)?,
        start_usec: i32_at(data, P_STARTTIME_USEC, w)?,
        stat: data[P_STAT],
        flag: i32_at(data, P_FLAG, w)?,
        eflag: i32_at(data, E_FLAG, w)?,
        comm: cstr_field(data, P_COMM, P_COMM_LEN, w)?,
    })
}

/// The pids of a `KERN_PROC_ALL` answer: `len / sizeof(kinfo_proc)` records, a
/// trailing partial record ignored (psutil divides the same way).
pub fn parse_kinfo_pids(data: &[u8]) -> Vec<i32> {
    data.chunks_exact(KINFO_PROC_SIZE)
        .filter_map(|rec| i32_at(rec, P_PID, "kinfo_proc").ok())
        .collect()
}

/// Every record of a `KERN_PROC_ALL` answer (for `ppid_map`).
pub fn parse_kinfo_all(data: &[u8]) -> Vec<KinfoProc> {
    data.chunks_exact(KINFO_PROC_SIZE)
        .filter_map(|rec| parse_kinfo_proc(rec).ok())
        .collect()
}

/// A macOS process state as psutil reports it (`PROC_STATUSES`, `_psosx.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcState {
    /// `SIDL`, and psutil's P_SYSTEM / P_WEXIT / P_PPWAIT rule: "idle".
    Idle,
    /// `SRUN`: "running".
    Running,
    /// `SSLEEP` (psutil: session leaders): "sleeping".
    Sleeping,
    /// `SSTOP`: "stopped".
    Stopped,
    /// `SZOMB`: "zombie".
    Zombie,
    /// A state psutil does not know: "?".
    Unknown,
}

// bsd/sys/proc.h
const SIDL: u8 = 1;
const SRUN: u8 = 2;
const SSLEEP: u8 = 3;
const SSTOP: u8 = 4;
const SZOMB: u8 = 5;
const P_PPWAIT: i32 = 0x0000_0010;
const P_SYSTEM: i32 = 0x0000_0200;
const P_WEXIT: i32 = 0x0000_2000;
// bsd/sys/sysctl.h
const EPROC_SLEADER: i32 = 0x02;

/// psutil 7.2.2's `convert_status` (`arch/osx/proc.c`, #2675): zombie and stopped
/// as the kernel says; otherwise a system, exiting or vfork-waiting process is
/// "idle", a session leader "sleeping", and anything else the raw `p_stat`
/// (practically always "running": macOS keeps `SRUN` for sleeping threads too).
pub fn proc_state(stat: u8, flag: i32, eflag: i32) -> ProcState {
    let code = if stat == SZOMB || stat == SSTOP {
        stat
    } else if flag & (P_SYSTEM | P_WEXIT | P_PPWAIT) != 0 {
        SIDL
    } else if eflag & EPROC_SLEADER != 0 {
        SSLEEP
    } else {
        stat
    };
    match code {
        SIDL => ProcState::Idle,
        SRUN => ProcState::Running,
        SSLEEP => ProcState::Sleeping,
        SSTOP => ProcState::Stopped,
        SZOMB => ProcState::Zombie,
        _ => ProcState::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn put(buf: &mut [u8], off: usize, bytes: &[u8]) {
        buf[off..off + bytes.len()].copy_from_slice(bytes);
    }

    /// A record with known values at the header's offsets.
    fn record(pid: i32, ppid: i32) -> Vec<u8> {
        let mut b = vec![0u8; KINFO_PROC_SIZE];
        put(&mut b, 0, &1_700_000_000i64.to_le_bytes());
        put(&mut b, 8, &250_000i32.to_le_bytes());
        put(&mut b, 32, &0x4004i32.to_le_bytes());
        b[36] = SRUN;
        put(&mut b, 40, &pid.to_le_bytes());
        put(&mut b, 243, b"launchd\0");
        put(&mut b, 296 + 16 + 80, &501u32.to_le_bytes()); // p_ruid
        put(&mut b, 296 + 16 + 84, &502u32.to_le_bytes()); // p_svuid
        put(&mut b, 296 + 16 + 88, &20u32.to_le_bytes()); // p_rgid
        put(&mut b, 296 + 16 + 92, &21u32.to_le_bytes()); // p_svgid
        put(&mut b, 296 + 120 + 4, &503u32.to_le_bytes()); // cr_uid
        put(&mut b, 296 + 120 + 12, &22u32.to_le_bytes()); // cr_groups[0]
        put(&mut b, 296 + 264, &ppid.to_le_bytes());
        put(&mut b, 296 + 276, &0x1000003i32.to_le_bytes());
        put(&mut b, 296 + 316, &EPROC_SLEADER.to_le_bytes());
        b
    }

    #[test]
    fn decodes_known_fields() {
        let k = parse_kinfo_proc(&record(77, 1)).unwrap();
        assert_eq!(k.pid, 77);
        assert_eq!(k.ppid, 1);
        assert_eq!((k.ruid, k.euid, k.suid), (501, 503, 502));
        assert_eq!((k.rgid, k.egid, k.sgid), (20, 22, 21));
        assert_eq!(k.tdev, 0x1000003);
        assert_eq!(k.comm, b"launchd");
        assert_eq!(k.start_sec, 1_700_000_000);
        assert_eq!(k.start_micros(), 1_700_000_000_250_000);
        assert_eq!(k.start_secs(), 1_700_000_000.25);
        assert_eq!(k.stat, SRUN);
        assert_eq!(k.flag, 0x4004);
        assert_eq!(proc_state(k.stat, k.flag, k.eflag), ProcState::Sleeping);
    }

    #[test]
    fn full_comm_without_nul() {
        let mut b = record(1, 0);
        put(&mut b, 243, b"abcdefghijklmnopq");
        assert_eq!(parse_kinfo_proc(&b).unwrap().comm, b"abcdefghijklmnopq");
    }

    #[test]
    fn short_record_is_an_error() {
        assert!(parse_kinfo_proc(&[0u8; KINFO_PROC_SIZE - 1]).is_err());
    }

    #[test]
    fn pid_list() {
        let mut all = record(0, 0);
        all.extend(record(1, 0));
        all.extend(record(300, 1));
        all.extend([0u8; 10]); // partial trailing record
        assert_eq!(parse_kinfo_pids(&all), [0, 1, 300]);
        assert_eq!(parse_kinfo_all(&all)[2].ppid, 1);
    }

    #[test]
    fn status_rule() {
        assert_eq!(
            proc_state(SZOMB, P_SYSTEM, EPROC_SLEADER),
            ProcState::Zombie
        );
        assert_eq!(proc_state(SSTOP, P_WEXIT, 0), ProcState::Stopped);
        assert_eq!(proc_state(SRUN, P_SYSTEM, 0), ProcState::Idle);
        assert_eq!(proc_state(SRUN, P_PPWAIT, EPROC_SLEADER), ProcState::Idle);
        assert_eq!(proc_state(SRUN, 0, EPROC_SLEADER), ProcState::Sleeping);
        assert_eq!(proc_state(SRUN, 0, 0), ProcState::Running);
        assert_eq!(proc_state(SIDL, 0, 0), ProcState::Idle);
        assert_eq!(proc_state(SSLEEP, 0, 0), ProcState::Sleeping);
        assert_eq!(proc_state(9, 0, 0), ProcState::Unknown);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let _ = parse_kinfo_proc(&data);
            let _ = parse_kinfo_pids(&data);
            let _ = parse_kinfo_all(&data);
        }

        #[test]
        fn any_start_time_is_safe(sec in any::<i64>(), usec in any::<i32>()) {
            let mut b = record(1, 0);
            put(&mut b, 0, &sec.to_le_bytes());
            put(&mut b, 8, &usec.to_le_bytes());
            let k = parse_kinfo_proc(&b).unwrap();
            let _ = k.start_micros();
            let _ = k.start_secs();
        }
    }
}
