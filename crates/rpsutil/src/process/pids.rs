//! Listing processes: [`pids`], [`pid_exists`].

use std::sync::atomic::{AtomicU32, Ordering};

use crate::sys::imp;
use crate::types::process::Pid;
use crate::Result;

static LOWEST_PID: AtomicU32 = AtomicU32::new(u32::MAX);

/// Every process id, sorted ascending (threads are not listed).
///
/// Source: Linux the numeric entries of `/proc`. Costs one directory listing.
///
/// ```
/// let pids = rpsutil::pids().unwrap();
/// # #[cfg(target_os = "linux")]
/// assert!(pids.contains(&std::process::id()));
/// ```
pub fn pids() -> Result<Vec<Pid>> {
    Ok(remember_lowest(imp::pids()?))
}

/// Notes the lowest pid of a sorted pid list (the tree's root) and returns the list.
pub(crate) fn remember_lowest(list: Vec<Pid>) -> Vec<Pid> {
    if let Some(&first) = list.first() {
        LOWEST_PID.store(first, Ordering::Relaxed);
    }
    list
}

/// The lowest pid seen by the last [`pids`] call (1 on Linux): the root of the
/// process tree, whose `parent()` is None.
pub(crate) fn lowest_pid() -> Pid {
    let v = LOWEST_PID.load(Ordering::Relaxed);
    if v != u32::MAX {
        return v;
    }
    pids().ok().and_then(|l| l.first().copied()).unwrap_or(0)
}

/// True if a process with this pid exists (zombies included; on Linux a thread id
/// is not a pid).
///
/// ```
/// assert!(rpsutil::pid_exists(std::process::id()) || !cfg!(target_os = "linux"));
/// ```
pub fn pid_exists(pid: Pid) -> bool {
    if pid == 0 {
        return pids().map(|l| l.contains(&0)).unwrap_or(false);
    }
    imp::pid_exists(pid)
}
