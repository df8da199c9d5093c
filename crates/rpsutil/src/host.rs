//! Boot time, logged-in users, the load average and the C heap.

use std::path::Path;

use serde::Serialize;

use crate::sys::imp;
use crate::Result;

/// psutil's `suser`: one logged-in session.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct User {
    /// The user name.
    pub name: String,
    /// The terminal (`pts/0`), or None.
    pub terminal: Option<String>,
    /// The remote host, `localhost` for local X displays (`:0`), as psutil.
    pub host: String,
    /// Login time, seconds since the epoch.
    pub started: f64,
    /// The session's process id.
    pub pid: Option<i32>,
}

/// psutil's `pheap`: the calling process's C heap (glibc `mallinfo2`), in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HeapInfo {
    /// Bytes allocated with `malloc` from the heap (`uordblks`).
    pub heap_used: u64,
    /// Bytes allocated in separate `mmap` regions (`hblkhd`).
    pub mmap_used: u64,
}

/// When the system booted, in seconds since the epoch.
///
/// Source: Linux `btime` of `/proc/stat` (whole seconds).
pub fn boot_time() -> Result<f64> {
    imp::boot_time_fresh()
}

/// Users logged in now: `USER_PROCESS` entries of the utmp database.
///
/// Source: Linux/glibc `/var/run/utmp` (see [`users_from`]). An absent file gives an
/// empty list, as psutil.
pub fn users() -> Result<Vec<User>> {
    imp::users(None)
}

/// [`users`] read from another utmp file (for tests and for `who FILE`).
pub fn users_from(utmp: impl AsRef<Path>) -> Result<Vec<User>> {
    imp::users(Some(utmp.as_ref()))
}

/// The 1, 5 and 15 minute load averages (`getloadavg(3)`).
pub fn getloadavg() -> Result<(f64, f64, f64)> {
    imp::getloadavg()
}

/// The calling process's C-heap use (glibc only).
pub fn heap_info() -> Result<HeapInfo> {
    imp::heap_info()
}

/// Returns free heap memory to the OS (`malloc_trim(0)`, glibc only).
pub fn heap_trim() -> Result<()> {
    imp::heap_trim()
}
