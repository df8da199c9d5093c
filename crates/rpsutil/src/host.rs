//! Boot time, logged-in users, the load average and the C heap.

use std::path::Path;

use crate::sys::imp;
use crate::Result;

pub use crate::types::host::*;

/// When the system booted, in seconds since the epoch.
///
/// Source: Linux `btime` of `/proc/stat` (whole seconds).
pub fn boot_time() -> Result<f64> {
    imp::boot_time()
}

/// Users logged in now: `USER_PROCESS` entries of the utmp database.
///
/// Source: Linux/glibc `/var/run/utmp` (see [`users_from`]). An absent file gives an
/// empty list, as psutil.
pub fn users() -> Result<Vec<User>> {
    imp::users()
}

/// [`users`] read from another utmp file (for tests and for `who FILE`).
pub fn users_from(utmp: impl AsRef<Path>) -> Result<Vec<User>> {
    imp::users_from(utmp.as_ref())
}

/// The 1, 5 and 15 minute load averages (`getloadavg(3)`).
pub fn getloadavg() -> Result<(f64, f64, f64)> {
    let l = imp::getloadavg()?;
    Ok((l.one, l.five, l.fifteen))
}

/// The calling process's C-heap use (glibc only).
pub fn heap_info() -> Result<HeapInfo> {
    imp::heap_info()
}

/// Returns free heap memory to the OS (`malloc_trim(0)`, glibc only).
pub fn heap_trim() -> Result<()> {
    imp::heap_trim()
}
