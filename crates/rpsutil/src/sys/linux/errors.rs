//! The one place where OS errors become psutil's exceptions for the Linux backend
//! (psutil's `_pslinux.wrap_exceptions`). Backend functions return raw
//! [`Error::Os`] errors (made with [`os_error`]); the public layer passes every error
//! of a process call through [`translate`] once:
//!
//! | errno | result |
//! |---|---|
//! | EACCES, EPERM | AccessDenied |
//! | ESRCH | ZombieProcess if the process is a zombie, else NoSuchProcess |
//! | ENOENT | ZombieProcess if a zombie; NoSuchProcess only if `/proc/PID/stat` is gone (the process really ended); otherwise the OS error |
//! | other | the OS error, with the path or syscall |
//!
//! Functions that must treat an errno differently (a missing `exe` link of a kernel
//! thread, a vanished fd) test it with [`vanished`] before building an `Error`.

use std::io;
use std::path::Path;

use super::files::{pid_path, with_file};
use crate::{Error, Pid};

/// A raw OS error met at `path` (or in the syscall named `path`), to be translated
/// by [`translate`].
pub(crate) fn os_error(err: io::Error, path: impl AsRef<Path>) -> Error {
    Error::os(err, path.as_ref().display().to_string())
}

/// The errnos that mean "the process, thread or fd went away meanwhile".
pub(crate) fn vanished(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::ENOENT) | Some(libc::ESRCH))
}

/// psutil's `wrap_exceptions` for one call on process `pid` read under `root`: see
/// the module table. (The backend's `translate` passes its `Proc` here.)
pub(crate) fn translate(err: Error, pid: Pid, root: &Path) -> Error {
    let errno = match &err {
        Error::Os { source, .. } => source.raw_os_error(),
        _ => return err,
    };
    match errno {
        Some(libc::EACCES) | Some(libc::EPERM) => Error::access_denied(pid),
        Some(libc::ESRCH) => gone_or_zombie(root, pid),
        Some(libc::ENOENT) if !is_zombie(root, pid) && pid_path(root, pid, "stat").exists() => {
            // The process is alive and this entry is missing: a real OS error.
            err
        }
        Some(libc::ENOENT) => gone_or_zombie(root, pid),
        _ => err,
    }
}

/// The zombie-aware NoSuchProcess: ZombieProcess if `/proc/PID/stat` says `Z`.
fn gone_or_zombie(root: &Path, pid: Pid) -> Error {
    if is_zombie(root, pid) {
        Error::zombie(pid)
    } else {
        Error::no_such_process(pid)
    }
}

/// True if `/proc/PID/stat` says state `Z`; any error counts as "not a zombie".
pub(crate) fn is_zombie(root: &Path, pid: Pid) -> bool {
    matches!(
        with_file(
            &pid_path(root, pid, "stat"),
            rpsutil_parse::linux::stat::parse_state
        ),
        Ok(Ok(b'Z'))
    )
}

/// True while `/proc/PID` exists (the process or zombie is still there).
pub(crate) fn proc_dir_exists(root: &Path, pid: Pid) -> bool {
    pid_path(root, pid, "").symlink_metadata().is_ok()
}

/// psutil's `_raise_if_not_alive`: NoSuchProcess if `/proc/PID` is gone.
pub(crate) fn ensure_alive(root: &Path, pid: Pid) -> crate::Result<()> {
    if proc_dir_exists(root, pid) {
        Ok(())
    } else {
        Err(Error::no_such_process(pid))
    }
}
