//! Walking `/proc/PID/fd`: each entry's link target read with `readlinkat(2)` on the
//! open directory. `read_link("/proc/PID/fd/N")` would make the kernel resolve the
//! whole path again for every fd (a quarter of the time of a system-wide socket-owner
//! scan, docs/PERFORMANCE.md).
//!
//! The directory is read with `getdents64(2)` on a plain `openat` descriptor rather
//! than `opendir(3)`: glibc's opendir adds an `fstat`, and its readdir always makes a
//! last call that returns 0. A system-wide `net_connections` walks the fd directory of
//! every process, so those two syscalls per process are a fifth of its syscalls.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The size of `struct linux_dirent64` up to its name (`d_ino`, `d_off`,
/// `d_reclen`, `d_type`).
const DIRENT_HEADER: usize = 19;

/// Largest record of an fd directory: the header, a name of at most 10 digits and
/// its NUL, rounded up to 8 bytes.
const MAX_FD_RECORD: usize = 32;

/// Calls `f(fd, target)` for each entry of the fd directory `path`, in directory
/// order. `target` is the link's bytes, or the error of `readlinkat` (ENOENT when
/// the fd was closed meanwhile). Errors: opening or reading the directory.
pub(crate) fn for_each_fd_link(
    path: &Path,
    mut f: impl FnMut(i32, io::Result<&[u8]>) -> crate::Result<()>,
) -> Result<(), FdDirError> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| FdDirError::Io(io::Error::from(io::ErrorKind::InvalidInput)))?;
    // SAFETY: c is a valid NUL-terminated path; the flags open a directory.
    let raw = unsafe {
        libc::openat(
            libc::AT_FDCWD,
            c.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if raw < 0 {
        return Err(FdDirError::Io(io::Error::last_os_error()));
    }
    // SAFETY: raw is a descriptor we just opened and own.
    let dir = unsafe { OwnedFd::from_raw_fd(raw) };
    let dfd = dir.as_raw_fd();
    let mut entries = vec![0u8; 16 * 1024];
    // PATH_MAX is 4096; a target that fills the buffer is retried with a larger one.
    let mut link = vec![0u8; 4096];
    let mut name = Vec::with_capacity(16);
    // The end-of-directory shortcut below relies on procfs's readdir; a fixture tree
    // or another file system gets the usual last call.
    let procfs = path.starts_with("/proc");
    loop {
        // SAFETY: dfd is an open directory and `entries` is writable for its length.
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                dfd,
                entries.as_mut_ptr(),
                entries.len(),
            )
        };
        if n < 0 {
            return Err(FdDirError::Io(io::Error::last_os_error()));
        }
        let n = usize::try_from(n).unwrap_or(0).min(entries.len());
        if n == 0 {
            return Ok(());
        }
        let mut at = 0;
        while at + DIRENT_HEADER <= n {
            let reclen = usize::from(u16::from_ne_bytes([entries[at + 16], entries[at + 17]]));
            if reclen < DIRENT_HEADER || at + reclen > n {
                return Err(FdDirError::Io(io::Error::from(io::ErrorKind::InvalidData)));
            }
            let raw_name = &entries[at + DIRENT_HEADER..at + reclen];
            let raw_name = &raw_name[..raw_name
                .iter()
                .position(|b| *b == 0)
                .unwrap_or(raw_name.len())];
            at += reclen;
            // "." and ".." (and anything else that is not a number) are skipped.
            let Some(fd) = std::str::from_utf8(raw_name)
                .ok()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            name.clear();
            name.extend_from_slice(raw_name);
            name.push(0);
            let target = read_link_at(dfd, &name, &mut link);
            f(fd, target.map(|len| &link[..len])).map_err(FdDirError::Callback)?;
        }
        // procfs fills the buffer until an entry does not fit (`proc_readfd_common`
        // stops at the first `dir_emit` that fails): room left for a whole record
        // means there were no more entries, and the call that would return 0 is
        // skipped.
        if procfs && entries.len() - n >= MAX_FD_RECORD {
            return Ok(());
        }
    }
}

/// `readlinkat(dfd, name)` into `buf` (grown up to 1 MiB for long targets): the
/// target's length.
fn read_link_at(dfd: i32, name: &[u8], buf: &mut Vec<u8>) -> io::Result<usize> {
    loop {
        // SAFETY: dfd is an open directory, name is NUL-terminated, and buf is
        // writable for its length.
        let n = unsafe {
            libc::readlinkat(
                dfd,
                name.as_ptr().cast(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        if n < buf.len() {
            return Ok(n);
        }
        if buf.len() >= 1 << 20 {
            return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
        }
        let bigger = buf.len() * 2;
        buf.resize(bigger, 0);
    }
}

/// Why a walk stopped.
pub(crate) enum FdDirError {
    /// Opening or reading the directory failed.
    Io(io::Error),
    /// The callback returned an error.
    Callback(crate::Error),
}
