//! The SunOS backend's per-process context ([`Handle`]: the procfs root the process
//! was made with, psutil's `Process._procfs_path`), its `oneshot` cache
//! ([`RawCache`]: `psinfo` and `cred`, what psutil memoizes), the raw reads of
//! `/proc/PID/*`, error translation ([`translate`]), identity and signals.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rpsutil_parse::sunos::procfs::{self, Prcred, Psinfo};

use crate::sys::posix::{kill as posix_kill, pid_exists_by_signal, poll_wait, raw_pid};
use crate::sys::records::Identity;
use crate::types::process::{ExitCode, Pid};
use crate::{Error, Result};

/// Raw records kept while a `oneshot` is active (psutil memoizes
/// `_proc_basic_info`/`_proc_name_and_args`, both from `psinfo`, and `_proc_cred`).
#[derive(Default, Debug)]
pub(crate) struct RawCache {
    psinfo: Option<Arc<Psinfo>>,
    cred: Option<Prcred>,
}

impl RawCache {
    /// Nothing to seed: a scan reads nothing ahead.
    pub(crate) fn primed(_scan: &crate::sys::unsupported::Scan, _pid: Pid) -> Option<RawCache> {
        None
    }
}

/// The per-process context: the procfs root at the time the `Process` was made.
#[derive(Debug)]
pub(crate) struct Handle {
    pub(crate) root: Arc<Path>,
}

impl Handle {
    /// Takes the current procfs root; opens nothing (never fails).
    pub(crate) fn open(_pid: Pid) -> Result<Handle> {
        Ok(Handle {
            root: crate::sys::roots::procfs_root(),
        })
    }
}

/// The process argument of every SunOS process function.
pub(crate) type Proc<'a> = crate::sys::proc::Proc<'a, Handle, RawCache>;

/// `root/PID/name` (`root/PID` for an empty name).
pub(crate) fn pid_path(root: &Path, pid: Pid, name: &str) -> PathBuf {
    let dir = root.join(pid.to_string());
    if name.is_empty() {
        dir
    } else {
        dir.join(name)
    }
}

/// A raw OS error met at `path` (or in the call named `path`), for [`translate`].
pub(crate) fn os_error(err: io::Error, path: impl AsRef<Path>) -> Error {
    Error::os(err, path.as_ref().display().to_string())
}

/// Malformed bytes in `path`.
pub(crate) fn parse_error(path: &Path, e: rpsutil_parse::ParseError) -> Error {
    Error::Parse {
        path: path.display().to_string(),
        detail: e.detail,
    }
}

/// True for the errnos that mean "gone meanwhile" (psutil catches
/// `FileNotFoundError` for these reads).
pub(crate) fn vanished(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::ENOENT)
}

/// Reads and decodes `root/PID/psinfo` without any cache.
pub(crate) fn read_psinfo(root: &Path, pid: Pid) -> Result<Psinfo> {
    let path = pid_path(root, pid, "psinfo");
    let data = std::fs::read(&path).map_err(|e| os_error(e, &path))?;
    procfs::parse_psinfo(&data).map_err(|e| parse_error(&path, e))
}

impl Proc<'_> {
    /// The procfs root of this process's handle.
    pub(crate) fn root(&self) -> &Path {
        &self.handle.root
    }

    /// `root/PID/name`.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        pid_path(self.root(), self.pid, name)
    }

    /// Reads `root/PID/name` whole.
    pub(crate) fn read(&self, name: &str) -> Result<Vec<u8>> {
        let path = self.path(name);
        std::fs::read(&path).map_err(|e| os_error(e, &path))
    }

    /// Reads and decodes `root/PID/name`.
    pub(crate) fn read_parsed<T>(
        &self,
        name: &str,
        f: impl FnOnce(&[u8]) -> rpsutil_parse::Result<T>,
    ) -> Result<T> {
        let data = self.read(name)?;
        f(&data).map_err(|e| parse_error(&self.path(name), e))
    }

    /// `psinfo`, from the oneshot cache when there is one. psutil: for pid 0
    /// without `/proc/0/psinfo` (non-global zones) → AccessDenied.
    pub(crate) fn psinfo(&mut self) -> Result<Arc<Psinfo>> {
        if let Some(p) = self.cache.as_ref().and_then(|c| c.psinfo.clone()) {
            return Ok(p);
        }
        if self.pid == 0 && self.path("psinfo").symlink_metadata().is_err() {
            return Err(Error::access_denied(0));
        }
        let p = Arc::new(read_psinfo(self.root(), self.pid)?);
        if let Some(c) = self.cache.as_mut() {
            c.psinfo = Some(Arc::clone(&p));
        }
        Ok(p)
    }

    /// `cred`, from the oneshot cache when there is one.
    pub(crate) fn cred(&mut self) -> Result<Prcred> {
        if let Some(c) = self.cache.as_ref().and_then(|c| c.cred) {
            return Ok(c);
        }
        let cred = self.read_parsed("cred", procfs::parse_prcred)?;
        if let Some(c) = self.cache.as_mut() {
            c.cred = Some(cred);
        }
        Ok(cred)
    }

    /// psutil's `_assert_alive`: NoSuchProcess once `root/PID` is gone.
    pub(crate) fn ensure_alive(&self) -> Result<()> {
        match self.path("").symlink_metadata() {
            Ok(_) => Ok(()),
            Err(e) if vanished(&e) => Err(Error::no_such_process(self.pid)),
            Err(e) => Err(os_error(e, self.path(""))),
        }
    }
}

/// psutil's SunOS `wrap_exceptions` (`_pssunos.py`), the one error-translation
/// point of this backend:
///
/// | error | result |
/// |---|---|
/// | ENOENT, ESRCH, pid gone (`kill(pid, 0)`) | NoSuchProcess |
/// | ENOENT, ESRCH, pid alive, `psinfo` says zombie or is unreadable | ZombieProcess |
/// | ENOENT, ESRCH, pid alive and not a zombie | the OS error (psutil: ZombieProcess) |
/// | EACCES, EPERM | AccessDenied |
/// | another OS error on pid 0, with 0 among the pids | AccessDenied |
/// | anything else | unchanged |
pub(crate) fn translate(err: Error, p: &mut Proc<'_>) -> Error {
    let errno = match &err {
        Error::Os { source, .. } => source.raw_os_error(),
        _ => return err,
    };
    let pid = p.pid;
    match errno {
        Some(libc::ENOENT) | Some(libc::ESRCH) => {
            let alive = if pid == 0 {
                pid_path(p.root(), 0, "").exists()
            } else {
                pid_exists(pid)
            };
            if !alive {
                return Error::no_such_process(pid);
            }
            match read_psinfo(p.root(), pid) {
                Ok(info) if procfs::proc_state(info.state) != procfs::ProcState::Zombie => err,
                _ => Error::zombie(pid),
            }
        }
        Some(libc::EACCES) | Some(libc::EPERM) => Error::access_denied(pid),
        _ if pid == 0 && pid_path(p.root(), 0, "").exists() => Error::access_denied(0),
        _ => err,
    }
}

/// The identity: `pr_start` in nanoseconds (psutil: `(pid, create_time())`).
pub(crate) fn identity(p: &mut Proc<'_>) -> Result<Identity> {
    Ok(Identity::new(p.psinfo()?.start.as_nanos(), None))
}

/// True while the pid still has the start time of `expected` (read afresh).
pub(crate) fn same_process(p: &mut Proc<'_>, expected: &Identity) -> Result<bool> {
    let now = read_psinfo(p.root(), p.pid)?;
    Ok(now.start.as_nanos() == expected.start())
}

/// Checks the identity, then `kill(pid, sig)`. Solaris has no process descriptor
/// to signal through, so (as psutil) a pid reused between the check and the
/// signal cannot be told apart.
pub(crate) fn send_signal(p: &mut Proc<'_>, expected: &Identity, sig: i32) -> Result<()> {
    let raw = raw_pid(p.pid)?;
    match read_psinfo(p.root(), p.pid) {
        Ok(now) if now.start.as_nanos() != expected.start() => {
            return Err(Error::pid_reused(p.pid, None))
        }
        Ok(_) => {}
        Err(Error::Os { source, .. }) if vanished(&source) => {
            return Err(Error::no_such_process(p.pid))
        }
        Err(e) => return Err(e),
    }
    posix_kill(raw, sig).map_err(|e| os_error(e, "kill"))
}

crate::sys::posix::posix_signal_shortcuts!();

/// psutil's SunOS `wait`: `waitpid` for a child, else polling `kill(pid, 0)`.
pub(crate) fn wait(p: &mut Proc<'_>, timeout: Option<Duration>) -> Result<Option<ExitCode>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    poll_wait(p.pid, timeout, deadline)
}

/// psutil's `pid_exists` (`_psposix.pid_exists`): `kill(pid, 0)`.
pub(crate) fn pid_exists(pid: Pid) -> bool {
    match raw_pid(pid) {
        Ok(raw) => pid_exists_by_signal(raw),
        Err(_) => false,
    }
}
