//! POSIX code shared by Linux, macOS, the BSDs and Solaris (psutil's `_psposix.py`):
//! `sysconf`, signals, `waitpid` and the polling wait loop, `setpriority`,
//! `getloadavg`, plus `statvfs`, `getifaddrs` and user names in the submodules.
//! Functions shaped like the contract's (`set_nice`, `getloadavg`) are re-exported by
//! the backends that use them as they are.

/// The contract's four signal shortcuts, `suspend`, `resume`, `terminate` and
/// `kill`: the backend's own pid-reuse-checked `send_signal` with SIGSTOP,
/// SIGCONT, SIGTERM and SIGKILL, the same on every POSIX backend. Expanded in
/// the file that defines `send_signal` (and imports `Proc`, `Identity` and
/// `Result`, which the expansion names).
macro_rules! posix_signal_shortcuts {
    () => {
        /// SIGSTOP.
        pub(crate) fn suspend(p: &mut Proc<'_>, expected: &Identity) -> Result<()> {
            send_signal(p, expected, libc::SIGSTOP)
        }

        /// SIGCONT.
        pub(crate) fn resume(p: &mut Proc<'_>, expected: &Identity) -> Result<()> {
            send_signal(p, expected, libc::SIGCONT)
        }

        /// SIGTERM.
        pub(crate) fn terminate(p: &mut Proc<'_>, expected: &Identity) -> Result<()> {
            send_signal(p, expected, libc::SIGTERM)
        }

        /// SIGKILL.
        pub(crate) fn kill(p: &mut Proc<'_>, expected: &Identity) -> Result<()> {
            send_signal(p, expected, libc::SIGKILL)
        }
    };
}
pub(crate) use posix_signal_shortcuts;

pub(crate) mod ifaddrs;
pub(crate) mod statvfs;
pub(crate) mod terminal;
pub(crate) mod users;

use std::io;
use std::time::{Duration, Instant};

use crate::sys::proc::Proc;
use crate::sys::records::LoadAvg;
use crate::types::process::{ExitCode, Pid};
use crate::{Error, Result};

/// psutil's `TCP_STATUSES.get(state, "NONE")` for a `TCPS_*` number of BSD's
/// `netinet/tcp_fsm.h`, which macOS and the three BSDs share (the names come
/// from `rpsutil_parse::bsd::state::tcp_state`).
#[cfg(any(
    target_os = "macos",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd"
))]
pub(crate) fn tcp_fsm_status(state: i64) -> crate::types::net::ConnStatus {
    use crate::types::net::ConnStatus;
    match rpsutil_parse::bsd::state::tcp_state(state) {
        "ESTABLISHED" => ConnStatus::Established,
        "SYN_SENT" => ConnStatus::SynSent,
        "SYN_RECV" => ConnStatus::SynRecv,
        "FIN_WAIT1" => ConnStatus::FinWait1,
        "FIN_WAIT2" => ConnStatus::FinWait2,
        "TIME_WAIT" => ConnStatus::TimeWait,
        "CLOSE" => ConnStatus::Close,
        "CLOSE_WAIT" => ConnStatus::CloseWait,
        "LAST_ACK" => ConnStatus::LastAck,
        "LISTEN" => ConnStatus::Listen,
        "CLOSING" => ConnStatus::Closing,
        _ => ConnStatus::None,
    }
}

/// `sysconf(_SC_CLK_TCK)`: clock ticks per second (100 on nearly every Linux).
pub(crate) fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        // SAFETY: sysconf only reads a configuration value.
        let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        if t > 0 {
            t as f64
        } else {
            100.0
        }
    })
}

/// `sysconf(_SC_PAGESIZE)` in bytes.
pub(crate) fn page_size() -> u64 {
    static PAGE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf only reads a configuration value.
        let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if p > 0 {
            p as u64
        } else {
            4096
        }
    })
}

/// `kill(pid, sig)`. `sig` 0 only checks existence and permission.
pub(crate) fn kill(pid: libc::pid_t, sig: i32) -> io::Result<()> {
    // SAFETY: kill takes plain integers; callers never pass pid <= 0 (which would
    // signal process groups), see Process::send_signal.
    if unsafe { libc::kill(pid, sig) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// POSIX `pid_exists`: `kill(pid, 0)`; EPERM means it exists but is not ours.
pub(crate) fn pid_exists_by_signal(pid: libc::pid_t) -> bool {
    if pid <= 0 {
        return false;
    }
    match kill(pid, 0) {
        Ok(()) => true,
        Err(e) => e.raw_os_error() == Some(libc::EPERM),
    }
}

/// Converts a `waitpid` status into psutil's exit code (`convert_exit_code`):
/// exited → the code; killed → the signal. Stopped/continued → None.
pub(crate) fn exit_code_from_status(status: libc::c_int) -> Option<ExitCode> {
    if libc::WIFEXITED(status) {
        Some(ExitCode::Exited(libc::WEXITSTATUS(status)))
    } else if libc::WIFSIGNALED(status) {
        Some(ExitCode::Signaled(libc::WTERMSIG(status)))
    } else {
        None
    }
}

/// The outcome of one `waitpid` call.
pub(crate) enum WaitOutcome {
    /// The child ended.
    Exited(Option<ExitCode>),
    /// WNOHANG and the child is still running.
    StillRunning,
    /// ECHILD: not our child (or already reaped).
    NotAChild,
}

/// `waitpid(pid, &status, nohang ? WNOHANG : 0)`, retrying on EINTR.
pub(crate) fn waitpid(pid: libc::pid_t, nohang: bool) -> io::Result<WaitOutcome> {
    loop {
        let mut status: libc::c_int = 0;
        let flags = if nohang { libc::WNOHANG } else { 0 };
        // SAFETY: status is a valid, writable c_int for the duration of the call.
        let ret = unsafe { libc::waitpid(pid, &mut status, flags) };
        if ret == 0 {
            return Ok(WaitOutcome::StillRunning);
        }
        if ret > 0 {
            return Ok(WaitOutcome::Exited(exit_code_from_status(status)));
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::ECHILD) => return Ok(WaitOutcome::NotAChild),
            _ => return Err(err),
        }
    }
}

/// `setpriority(PRIO_PROCESS, pid, value)`; the kernel clamps to its range.
pub(crate) fn set_nice<H, C>(p: &mut Proc<'_, H, C>, value: i32) -> Result<()> {
    let pid = raw_pid(p.pid)?;
    // SAFETY: plain integer arguments.
    if unsafe { libc::setpriority(libc::PRIO_PROCESS as _, pid as _, value) } == 0 {
        Ok(())
    } else {
        Err(Error::os(io::Error::last_os_error(), "setpriority"))
    }
}

/// `getloadavg(3)`: the 1, 5 and 15 minute load averages.
pub(crate) fn getloadavg() -> Result<LoadAvg> {
    let mut v = [0f64; 3];
    // SAFETY: v has room for the 3 values asked for.
    let n = unsafe { libc::getloadavg(v.as_mut_ptr(), 3) };
    if n != 3 {
        return Err(Error::os(
            io::Error::other("getloadavg failed"),
            "getloadavg",
        ));
    }
    Ok(LoadAvg {
        one: v[0],
        five: v[1],
        fifteen: v[2],
    })
}

/// A pid as `pid_t`; NoSuchProcess for pids the OS cannot have.
pub(crate) fn raw_pid(pid: Pid) -> Result<libc::pid_t> {
    libc::pid_t::try_from(pid).map_err(|_| Error::no_such_process(pid))
}

/// The error of a wait that ran out of time.
pub(crate) fn timed_out(timeout: Option<Duration>, pid: Pid) -> Error {
    Error::TimeoutExpired {
        seconds: timeout.map_or(0.0, |t| t.as_secs_f64()),
        pid: Some(pid),
        name: None,
    }
}

/// psutil's `wait_pid_posix`: `waitpid(WNOHANG)` for a child, `kill(pid, 0)` for any
/// other process, polled with a delay doubling from 100 µs to 40 ms. Returns the exit
/// code of a child, None for a process that is not ours (once its pid is gone).
pub(crate) fn poll_wait(
    pid: Pid,
    timeout: Option<Duration>,
    deadline: Option<Instant>,
) -> Result<Option<ExitCode>> {
    let raw = raw_pid(pid)?;
    let mut delay = Duration::from_micros(100);
    let max_delay = Duration::from_millis(40);
    let sleep = |delay: &mut Duration| -> Result<()> {
        if let Some(d) = deadline {
            let now = Instant::now();
            if now >= d {
                return Err(timed_out(timeout, pid));
            }
            std::thread::sleep((*delay).min(d - now));
        } else {
            std::thread::sleep(*delay);
        }
        *delay = (*delay * 2).min(max_delay);
        Ok(())
    };
    loop {
        match waitpid(raw, deadline.is_some()).map_err(|e| Error::os(e, "waitpid"))? {
            WaitOutcome::Exited(code) => return Ok(code),
            WaitOutcome::StillRunning => sleep(&mut delay)?,
            WaitOutcome::NotAChild => {
                // Not our child: wait until the PID is gone.
                loop {
                    if !pid_exists_by_signal(raw) {
                        return Ok(None);
                    }
                    sleep(&mut delay)?;
                }
            }
        }
    }
}
