//! Run states of the BSD process records and TCP states, as psutil names them
//! (`_psbsd.py` `PROC_STATUSES`, `TCP_STATUSES`). The numbers are the kernels'
//! ABI: `sys/proc.h` of FreeBSD and OpenBSD (`SIDL`..), NetBSD's `sys/lwp.h`
//! (`LSIDL`..), and `netinet/tcp_fsm.h` (the same on all three, and in XNU:
//! macOS uses `tcp_state` too).

/// A process state as psutil reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcState {
    /// `"idle"`: being created (`SIDL`).
    Idle,
    /// `"running"`.
    Running,
    /// `"sleeping"`.
    Sleeping,
    /// `"stopped"`.
    Stopped,
    /// `"zombie"`.
    Zombie,
    /// `"waiting"` (FreeBSD `SWAIT`: waiting for an interrupt).
    Waiting,
    /// `"locked"` (FreeBSD `SLOCK`: blocked on a lock).
    Locked,
    /// `"waking"` (OpenBSD `SRUN`, NetBSD `LSRUN`: runnable, not on a CPU).
    Waking,
    /// `"suspended"` (NetBSD `LSSUSPENDED`; psutil 7.2.2 says `"?"`, #2907).
    Suspended,
    /// `"?"`: a code psutil does not know.
    Unknown,
}

/// FreeBSD `ki_stat`: SIDL 1, SRUN 2, SSLEEP 3, SSTOP 4, SZOMB 5, SWAIT 6, SLOCK 7.
pub fn freebsd(stat: i64) -> ProcState {
    match stat {
        1 => ProcState::Idle,
        2 => ProcState::Running,
        3 => ProcState::Sleeping,
        4 => ProcState::Stopped,
        5 => ProcState::Zombie,
        6 => ProcState::Waiting,
        7 => ProcState::Locked,
        _ => ProcState::Unknown,
    }
}

/// OpenBSD `p_stat`: SIDL 1, SRUN 2 ("waking"), SSLEEP 3, SSTOP 4, SZOMB 5,
/// SDEAD 6 (zombie), SONPROC 7 ("running").
pub fn openbsd(stat: i64) -> ProcState {
    match stat {
        1 => ProcState::Idle,
        2 => ProcState::Waking,
        3 => ProcState::Sleeping,
        4 => ProcState::Stopped,
        5 | 6 => ProcState::Zombie,
        7 => ProcState::Running,
        _ => ProcState::Unknown,
    }
}

/// NetBSD `p_stat` (LWP states): LSIDL 1, LSRUN 2 ("waking"), LSSLEEP 3, LSSTOP 4,
/// LSZOMB 5, LSONPROC 7 ("running"), LSSUSPENDED 8 ("suspended").
pub fn netbsd(stat: i64) -> ProcState {
    match stat {
        1 => ProcState::Idle,
        2 => ProcState::Waking,
        3 => ProcState::Sleeping,
        4 => ProcState::Stopped,
        5 => ProcState::Zombie,
        7 => ProcState::Running,
        8 => ProcState::Suspended,
        _ => ProcState::Unknown,
    }
}

/// psutil's connection status name of a BSD `TCPS_*` state (`tcp_fsm.h`: CLOSED 0,
/// LISTEN 1, SYN_SENT 2, SYN_RECEIVED 3, ESTABLISHED 4, CLOSE_WAIT 5, FIN_WAIT_1 6,
/// CLOSING 7, LAST_ACK 8, FIN_WAIT_2 9, TIME_WAIT 10); `"NONE"` for anything else.
pub fn tcp_state(code: i64) -> &'static str {
    match code {
        0 => "CLOSE",
        1 => "LISTEN",
        2 => "SYN_SENT",
        3 => "SYN_RECV",
        4 => "ESTABLISHED",
        5 => "CLOSE_WAIT",
        6 => "FIN_WAIT1",
        7 => "CLOSING",
        8 => "LAST_ACK",
        9 => "FIN_WAIT2",
        10 => "TIME_WAIT",
        _ => "NONE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_os_tables() {
        assert_eq!(freebsd(2), ProcState::Running);
        assert_eq!(freebsd(6), ProcState::Waiting);
        assert_eq!(freebsd(7), ProcState::Locked);
        assert_eq!(freebsd(0), ProcState::Unknown);
        assert_eq!(openbsd(2), ProcState::Waking);
        assert_eq!(openbsd(7), ProcState::Running);
        assert_eq!(openbsd(6), ProcState::Zombie);
        assert_eq!(netbsd(2), ProcState::Waking);
        assert_eq!(netbsd(7), ProcState::Running);
        assert_eq!(netbsd(8), ProcState::Suspended);
        assert_eq!(netbsd(6), ProcState::Unknown);
        assert_eq!(tcp_state(1), "LISTEN");
        assert_eq!(tcp_state(3), "SYN_RECV");
        assert_eq!(tcp_state(10), "TIME_WAIT");
        assert_eq!(tcp_state(128), "NONE");
        assert_eq!(tcp_state(-1), "NONE");
    }
}
