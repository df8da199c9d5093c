//! Memory: [`virtual_memory`], [`swap_memory`].

use crate::sys::imp;
use crate::Result;

pub use crate::types::memory::*;

/// Physical memory use.
///
/// Source: Linux `/proc/meminfo` (and `/proc/zoneinfo` when `MemAvailable` is missing).
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// let m = rpsutil::virtual_memory().unwrap();
/// assert_eq!(m.used, m.total - m.available);
/// # }
/// ```
pub fn virtual_memory() -> Result<VirtualMemory> {
    imp::virtual_memory()
}

/// Swap use.
///
/// Source: Linux `SwapTotal`/`SwapFree` of `/proc/meminfo`; `sin`/`sout` from
/// `pswpin`/`pswpout` of `/proc/vmstat` times the page size (psutil assumes 4 KiB).
pub fn swap_memory() -> Result<SwapMemory> {
    imp::swap_memory()
}
