//! Signals and `wait`, PID-reuse safe through pidfds (`pidfd_open(2)`,
//! `pidfd_send_signal(2)`, Linux 5.3+/5.1+), with `kill(2)` and `waitpid(2)` polling
//! as the fallback on older kernels or under seccomp filters that forbid pidfds.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::time::{Duration, Instant};

use super::errors::{parse_error, syscall_error};
use super::files::{pid_path, read};
use crate::process::ExitCode;
use crate::sys::unix::{pid_exists_by_signal, waitpid, WaitOutcome};
use crate::{Error, Pid, Result};

/// Opens a pidfd, or None when the kernel/sandbox does not offer them.
fn pidfd_open(pid: libc::pid_t) -> io::Result<Option<OwnedFd>> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::c_long, 0 as libc::c_long) };
    if fd >= 0 {
        // SAFETY: the kernel just returned this fd to us; nothing else owns it.
        return Ok(Some(unsafe { OwnedFd::from_raw_fd(fd as i32) }));
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::ENOSYS) | Some(libc::EPERM) | Some(libc::EMFILE) | Some(libc::ENFILE)
        | Some(libc::ENODEV) | Some(libc::EINVAL) => Ok(None),
        _ => Err(err),
    }
}

fn start_ticks_now(root: &Path, pid: Pid) -> Result<Option<u64>> {
    let path = pid_path(root, pid, "stat");
    match read(&path) {
        Ok(d) => Ok(Some(
            rpsutil_parse::linux::stat::parse_stat(&d)
                .map_err(|e| parse_error(&path, e))?
                .starttime,
        )),
        Err(_) => Ok(None),
    }
}

fn reused(pid: Pid) -> Error {
    Error::NoSuchProcess {
        pid,
        name: None,
        msg: "process no longer exists and its PID has been reused".into(),
    }
}

/// Sends `sig` to `pid` if it is still the process that started at `expected_start`
/// clock ticks after boot. The pidfd is opened first and the identity checked after,
/// so the signal cannot reach a process that took the PID in between.
pub(crate) fn send_signal(
    root: &Path,
    pid: Pid,
    expected_start: Option<u64>,
    sig: i32,
) -> Result<()> {
    let raw = libc::pid_t::try_from(pid).map_err(|_| Error::no_such_process(pid))?;
    let fd = pidfd_open(raw).map_err(|e| syscall_error(e, pid, root, "pidfd_open"))?;
    if let Some(expected) = expected_start {
        match start_ticks_now(root, pid)? {
            Some(now) if now != expected => return Err(reused(pid)),
            None => return Err(Error::no_such_process(pid)),
            _ => {}
        }
    }
    match fd {
        Some(fd) => {
            // SAFETY: a valid pidfd, a signal number, a null siginfo (meaning "as
            // kill(2) would"), and flags 0.
            let rc = unsafe {
                libc::syscall(
                    libc::SYS_pidfd_send_signal,
                    fd.as_raw_fd() as libc::c_long,
                    sig as libc::c_long,
                    std::ptr::null::<libc::siginfo_t>(),
                    0 as libc::c_long,
                )
            };
            if rc < 0 {
                return Err(syscall_error(
                    io::Error::last_os_error(),
                    pid,
                    root,
                    "pidfd_send_signal",
                ));
            }
            Ok(())
        }
        None => crate::sys::unix::kill(raw, sig).map_err(|e| syscall_error(e, pid, root, "kill")),
    }
}

fn timed_out(timeout: Option<Duration>, pid: Pid) -> Error {
    Error::TimeoutExpired {
        seconds: timeout.map_or(0.0, |t| t.as_secs_f64()),
        pid: Some(pid),
        name: None,
    }
}

/// Waits for `pid` to end (psutil's `wait_pid`): its exit code if it is our child,
/// None if it is not (then this returns once the PID is gone).
pub(crate) fn wait(pid: Pid, timeout: Option<Duration>) -> Result<Option<ExitCode>> {
    let raw = libc::pid_t::try_from(pid).map_err(|_| Error::no_such_process(pid))?;
    let deadline = timeout.map(|t| Instant::now() + t);
    if let Ok(Some(fd)) = pidfd_open(raw) {
        let mut pfd = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        loop {
            let ms: libc::c_int = match deadline {
                None => -1,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    left.as_millis().min(i32::MAX as u128) as libc::c_int
                }
            };
            // SAFETY: pfd is one valid pollfd; nfds is 1.
            let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
            if rc < 0 {
                let err = io::Error::last_os_error();
                if err.raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                break; // fall back to polling below
            }
            if rc == 0 {
                return Err(timed_out(timeout, pid));
            }
            // The process ended: reap it if it is ours.
            match waitpid(raw, false) {
                Ok(WaitOutcome::Exited(code)) => return Ok(code),
                Ok(_) | Err(_) => break,
            }
        }
    }
    poll_wait(raw, pid, timeout, deadline)
}

fn poll_wait(
    raw: libc::pid_t,
    pid: Pid,
    timeout: Option<Duration>,
    deadline: Option<Instant>,
) -> Result<Option<ExitCode>> {
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
