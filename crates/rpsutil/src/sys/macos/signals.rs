//! Signals and `wait` on macOS. The identity (pid, kernel start time) is compared
//! right before `kill(2)`; macOS has no pidfd, so a pid reused in the microseconds
//! between the check and the signal cannot be excluded, as with psutil.
//! `wait` uses psutil's POSIX poll loop (`waitpid(WNOHANG)` for children,
//! `kill(pid, 0)` otherwise); psutil prefers a kqueue `NOTE_EXIT` where it can,
//! which only changes how soon the end is noticed.

use std::time::{Duration, Instant};

use super::process::{os_error, read_kinfo, Proc};
use crate::sys::posix::{poll_wait, raw_pid};
use crate::sys::records::Identity;
use crate::types::process::ExitCode;
use crate::{Error, Result};

/// Sends `sig` if the pid still has the start time of `expected`.
pub(crate) fn send_signal(p: &mut Proc<'_>, expected: &Identity, sig: i32) -> Result<()> {
    let raw = raw_pid(p.pid)?;
    match read_kinfo(p.pid) {
        Ok(k) if k.start_micros() == expected.start() => {}
        Ok(_) => return Err(Error::pid_reused(p.pid, None)),
        Err(_) => return Err(Error::no_such_process(p.pid)),
    }
    crate::sys::posix::kill(raw, sig).map_err(|e| os_error(e, "kill"))
}

crate::sys::posix::posix_signal_shortcuts!();

/// Waits for the process to end: its exit code if it is our child.
pub(crate) fn wait(p: &mut Proc<'_>, timeout: Option<Duration>) -> Result<Option<ExitCode>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    poll_wait(p.pid, timeout, deadline)
}
