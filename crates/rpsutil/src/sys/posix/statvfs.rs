//! `statvfs(3)` for `disk_usage`.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::sys::records::DiskUsageRaw;
use crate::{Error, Result};

/// total = blocks × frsize, free = bavail × frsize (what unprivileged users can
/// use), used = (blocks − bfree) × frsize: psutil's `_psposix.disk_usage`.
pub(crate) fn disk_usage(path: &Path) -> Result<DiskUsageRaw> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::invalid(format!("path contains a NUL byte: {}", path.display())))?;
    // SAFETY: statvfs is plain old data; all-zero is a valid initial value.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated string and `st` a writable statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(Error::os(
            std::io::Error::last_os_error(),
            format!("statvfs {}", path.display()),
        ));
    }
    let frsize = st.f_frsize as u64;
    let blocks = st.f_blocks as u64;
    let bfree = st.f_bfree as u64;
    let bavail = st.f_bavail as u64;
    Ok(DiskUsageRaw {
        total: blocks.saturating_mul(frsize),
        used: blocks.saturating_sub(bfree).saturating_mul(frsize),
        free: bavail.saturating_mul(frsize),
    })
}
