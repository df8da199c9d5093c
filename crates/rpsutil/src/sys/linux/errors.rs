//! The one place where OS errors become [`Error`]s for the Linux backend (psutil's
//! `_pslinux.wrap_exceptions`):
//!
//! | errno | result |
//! |---|---|
//! | EACCES, EPERM | AccessDenied |
//! | ESRCH | ZombieProcess if the process is a zombie, else NoSuchProcess |
//! | ENOENT | ZombieProcess if a zombie; NoSuchProcess only if `/proc/PID/stat` is gone (the process really ended); otherwise the OS error |
//! | other | the OS error, with the path |

use std::io;
use std::path::Path;

use rpsutil_parse::ParseError;

use super::files::{pid_path, with_file};
use crate::{Error, Pid};

/// The zombie-aware NoSuchProcess: ZombieProcess if `/proc/PID/stat` says `Z`.
fn gone_or_zombie(root: &Path, pid: Pid) -> Error {
    if is_zombie(root, pid) {
        Error::zombie(pid)
    } else {
        Error::no_such_process(pid)
    }
}

/// Translates an error met while reading `path` for process `pid`.
pub(crate) fn proc_error(err: io::Error, pid: Pid, root: &Path, path: &Path) -> Error {
    match err.raw_os_error() {
        Some(libc::ENOENT) if !is_zombie(root, pid) && pid_path(root, pid, "stat").exists() => {
            // The process is alive and this entry is missing: a real OS error.
            Error::os(err, path.display().to_string())
        }
        Some(libc::ENOENT) => gone_or_zombie(root, pid),
        _ => syscall_error(err, pid, root, &path.display().to_string()),
    }
}

/// A parser error, with the file it came from.
pub(crate) fn parse_error(path: &Path, e: ParseError) -> Error {
    Error::Parse {
        path: path.display().to_string(),
        detail: e.detail,
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

/// Maps a syscall error on process `pid` (ESRCH → NoSuchProcess/Zombie, EPERM →
/// AccessDenied), keeping others as OS errors named after the syscall.
pub(crate) fn syscall_error(err: io::Error, pid: Pid, root: &Path, call: &str) -> Error {
    match err.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => Error::access_denied(pid),
        Some(libc::ESRCH) => gone_or_zombie(root, pid),
        _ => Error::os(err, call.to_string()),
    }
}
