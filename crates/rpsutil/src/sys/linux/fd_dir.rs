//! Walking `/proc/PID/fd`: each entry's link target read with `readlinkat(2)` on the
//! open directory. `read_link("/proc/PID/fd/N")` would make the kernel resolve the
//! whole path again for every fd (a quarter of the time of a system-wide socket-owner
//! scan, docs/PERFORMANCE.md).

use std::ffi::{CStr, CString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

struct Dir(*mut libc::DIR);

impl Drop for Dir {
    fn drop(&mut self) {
        // SAFETY: the pointer came from a successful opendir and is closed once.
        unsafe { libc::closedir(self.0) };
    }
}

/// Calls `f(fd, target)` for each entry of the fd directory `path`, in directory
/// order. `target` is the link's bytes, or the error of `readlinkat` (ENOENT when
/// the fd was closed meanwhile). Errors: opening or reading the directory.
pub(crate) fn for_each_fd_link(
    path: &Path,
    mut f: impl FnMut(i32, io::Result<&[u8]>) -> crate::Result<()>,
) -> Result<(), FdDirError> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| FdDirError::Io(io::Error::from(io::ErrorKind::InvalidInput)))?;
    // SAFETY: c is a valid NUL-terminated path.
    let raw = unsafe { libc::opendir(c.as_ptr()) };
    if raw.is_null() {
        return Err(FdDirError::Io(io::Error::last_os_error()));
    }
    let dir = Dir(raw);
    // SAFETY: dir.0 is an open DIR stream.
    let dfd = unsafe { libc::dirfd(dir.0) };
    // PATH_MAX is 4096; a target that fills the buffer is retried with a larger one.
    let mut buf = vec![0u8; 4096];
    loop {
        // SAFETY: errno is thread-local; readdir reports errors only through it.
        unsafe { *libc::__errno_location() = 0 };
        // SAFETY: dir.0 is an open DIR stream; the entry stays valid until the next
        // readdir/closedir on it, and is only used before that.
        let ent = unsafe { libc::readdir64(dir.0) };
        if ent.is_null() {
            let err = io::Error::last_os_error();
            return match err.raw_os_error() {
                Some(0) | None => Ok(()),
                _ => Err(FdDirError::Io(err)),
            };
        }
        // SAFETY: d_name of a valid entry is a NUL-terminated string.
        let name = unsafe { CStr::from_ptr((*ent).d_name.as_ptr()) };
        let Some(fd) = std::str::from_utf8(name.to_bytes())
            .ok()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue; // "." and ".."
        };
        let link = loop {
            // SAFETY: dfd is the open directory, name a NUL-terminated entry name,
            // and buf is writable for its length.
            let n =
                unsafe { libc::readlinkat(dfd, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
            if n < 0 {
                break Err(io::Error::last_os_error());
            }
            let n = n as usize;
            if n < buf.len() {
                break Ok(n);
            }
            if buf.len() >= 1 << 20 {
                break Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
            }
            let bigger = buf.len() * 2;
            buf.resize(bigger, 0);
        };
        f(fd, link.map(|n| &buf[..n])).map_err(FdDirError::Callback)?;
    }
}

/// Why a walk stopped.
pub(crate) enum FdDirError {
    /// Opening or reading the directory failed.
    Io(io::Error),
    /// The callback returned an error.
    Callback(crate::Error),
}
