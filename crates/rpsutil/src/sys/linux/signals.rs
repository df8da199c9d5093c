//! Process identity, signals and `wait`, PID-reuse safe through pidfds
//! (`pidfd_open(2)`, `pidfd_send_signal(2)`, Linux 5.3+/5.1+), with `kill(2)` and the
//! POSIX `waitpid(2)` poll loop as the fallback on older kernels or under seccomp
//! filters that forbid pidfds.
//!
//! **Identity.** psutil tells processes apart by (pid, start time), and the start
//! time has a resolution of one clock tick (10 ms): a pid recycled within the same
//! tick passes that check. That can only happen to a process that ended within its
//! own start tick, so a handle made after the start tick of its process is exact with
//! the start time alone. For a handle made within that tick, `Identity` also keeps
//! the pidfs inode of the process (Linux 6.9+, 64-bit: unique per process for the
//! life of the system, `fs/pidfs.c`), read with open, `fstat`, close: no descriptor
//! is held. Before a signal the pidfd is opened, its inode compared and the signal
//! sent through that same pidfd, so no other process can receive it. Older kernels
//! fall back to the start time alone.

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::errors::os_error;
use super::handle::Proc;
use crate::sys::posix::{poll_wait, raw_pid, timed_out, waitpid, WaitOutcome};
use crate::sys::records::Identity;
use crate::types::process::ExitCode;
use crate::{Error, Result};

/// `PIDFS_MAGIC` (`include/uapi/linux/magic.h`).
const PIDFS_MAGIC: i64 = 0x5049_4446;

/// Opens a pidfd, or None when the kernel/sandbox does not offer them (or `pid` is
/// a thread id, which needs PIDFD_THREAD).
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

/// True when pidfds live on pidfs with unique inodes: checked once per program with
/// `fstatfs` on a pidfd of this process.
fn pidfs_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        if cfg!(not(target_pointer_width = "64")) {
            return false; // 32-bit inode numbers of pidfs may repeat
        }
        let Ok(Some(fd)) = pidfd_open(std::process::id() as libc::pid_t) else {
            return false;
        };
        let mut st = MaybeUninit::<libc::statfs>::uninit();
        // SAFETY: a valid fd and a writable statfs buffer of the right size.
        let rc = unsafe { libc::fstatfs(fd.as_raw_fd(), st.as_mut_ptr()) };
        if rc != 0 {
            return false;
        }
        // SAFETY: fstatfs succeeded, so it filled the struct.
        let st = unsafe { st.assume_init() };
        #[allow(clippy::unnecessary_cast)] // f_type's integer type differs by libc
        let magic = st.f_type as i64;
        magic == PIDFS_MAGIC
    })
}

/// The inode of an open pidfd.
fn inode_of(fd: &OwnedFd) -> io::Result<u64> {
    let mut st = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: a valid fd and a writable stat buffer of the right size.
    if unsafe { libc::fstat(fd.as_raw_fd(), st.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fstat succeeded, so it filled the struct.
    Ok(unsafe { st.assume_init() }.st_ino)
}

/// True when the exact (pidfs) identity applies to this handle: pidfs exists and the
/// handle reads the real `/proc` (a fixture tree's pids are not this system's).
fn uses_pidfs(p: &Proc<'_>) -> bool {
    p.root() == Path::new("/proc") && pidfs_available()
}

/// A pidfd of `p` when pidfs identities apply; None otherwise. ESRCH (gone) is an
/// OS error for `translate`.
fn open_for_identity(p: &Proc<'_>) -> Result<Option<OwnedFd>> {
    if !uses_pidfs(p) {
        return Ok(None);
    }
    pidfd_open(raw_pid(p.pid)?).map_err(|e| os_error(e, "pidfd_open"))
}

/// The identity of the process now.
///
/// The start time is exact for every process that was seen alive after its start
/// tick had passed: a process that takes its pid later must start after it ended,
/// so in a later tick. Only a process younger than that (its start tick not yet
/// over when stat is read) could share its start tick with a successor; for those
/// the pidfs inode is read too (the pidfd opened before stat is read, so both belong
/// to the same process). So a scan of long-running processes opens no pidfd.
pub(crate) fn identity(p: &mut Proc<'_>) -> Result<Identity> {
    let start_ticks = p.stat()?.starttime;
    if !uses_pidfs(p) || !started_in_current_tick(start_ticks) {
        return Ok(Identity::new(start_ticks, None));
    }
    let fd = open_for_identity(p)?;
    // Stat again, after the pidfd pinned the process.
    let path = super::files::pid_path(p.root(), p.pid, "stat");
    let start_ticks = match super::files::with_file(&path, rpsutil_parse::linux::stat::parse_stat) {
        Ok(Ok(s)) => s.starttime,
        Ok(Err(e)) => return Err(super::files::parse_error(&path, e)),
        Err(e) => return Err(os_error(e, &path)),
    };
    let pidfs_inode = match &fd {
        Some(fd) => Some(inode_of(fd).map_err(|e| os_error(e, "fstat(pidfd)"))?),
        None => None,
    };
    Ok(Identity::new(start_ticks, pidfs_inode))
}

/// True unless the boot-time clock is already two ticks past `start_ticks` (stat's
/// start time is `CLOCK_BOOTTIME` in clock ticks since Linux 5.5; pidfs needs 6.9).
/// One tick of margin covers the rounding of both values.
fn started_in_current_tick(start_ticks: u64) -> bool {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a writable timespec.
    if unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) } != 0 {
        return true; // unknown: take the exact path
    }
    let now_ticks = (ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9) * crate::sys::posix::clock_ticks();
    now_ticks < start_ticks as f64 + 2.0
}

/// True if the process is still `expected`: same start time, and the same pidfs
/// inode when `expected` has one. A oneshot's cached stat record serves the start
/// time (psutil reads stat again; the record is just as fresh there).
pub(crate) fn same_process(p: &mut Proc<'_>, expected: &Identity) -> Result<bool> {
    if p.stat()?.starttime != expected.start() {
        return Ok(false);
    }
    let Some(want) = expected.exact() else {
        return Ok(true);
    };
    match pidfd_open(raw_pid(p.pid)?).map_err(|e| os_error(e, "pidfd_open"))? {
        Some(fd) => Ok(inode_of(&fd).map_err(|e| os_error(e, "fstat(pidfd)"))? == want),
        // No pidfd now (fd limit, sandbox): the start time is all there is.
        None => Ok(true),
    }
}

/// Sends `sig` if the process is still `expected`. The pidfd is opened first and the
/// identity checked through it (inode) and after it (start time), so the signal
/// cannot reach a process that took the PID in between.
pub(crate) fn send_signal(p: &mut Proc<'_>, expected: &Identity, sig: i32) -> Result<()> {
    let raw = raw_pid(p.pid)?;
    let fd = pidfd_open(raw).map_err(|e| os_error(e, "pidfd_open"))?;
    if let (Some(fd), Some(want)) = (&fd, expected.exact()) {
        if inode_of(fd).map_err(|e| os_error(e, "fstat(pidfd)"))? != want {
            return Err(Error::pid_reused(p.pid, None));
        }
    }
    // The stat record is read fresh: a oneshot's cached one may predate the reuse.
    let path = super::files::pid_path(p.root(), p.pid, "stat");
    match super::files::with_file(&path, rpsutil_parse::linux::stat::parse_stat) {
        Ok(Ok(now)) if now.starttime != expected.start() => {
            return Err(Error::pid_reused(p.pid, None))
        }
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(super::files::parse_error(&path, e)),
        Err(_) => return Err(Error::no_such_process(p.pid)),
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
                return Err(os_error(io::Error::last_os_error(), "pidfd_send_signal"));
            }
            Ok(())
        }
        None => crate::sys::posix::kill(raw, sig).map_err(|e| os_error(e, "kill")),
    }
}

crate::sys::posix::posix_signal_shortcuts!();

/// Waits for the process to end (psutil's `wait_pid`): poll(2) on a pidfd, then
/// reap it if it is our child; the POSIX poll loop where pidfds are missing.
pub(crate) fn wait(p: &mut Proc<'_>, timeout: Option<Duration>) -> Result<Option<ExitCode>> {
    let pid = p.pid;
    let raw = raw_pid(pid)?;
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
    poll_wait(pid, timeout, deadline)
}
