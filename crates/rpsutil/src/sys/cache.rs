//! Values that cannot change while the program runs, read once: the only
//! process-lifetime caches of the library (psutil caches the same ones). Each takes
//! the backend function that reads the value, so this file depends on no backend.

use std::sync::OnceLock;

use crate::Result;

fn once<T: Copy>(cell: &OnceLock<T>, read: impl FnOnce() -> Result<T>) -> Result<T> {
    if let Some(v) = cell.get() {
        return Ok(*v);
    }
    let v = read()?;
    Ok(*cell.get_or_init(|| v))
}

/// Boot time for processes' `create_time` (psutil re-reads it, but it only moves
/// when the wall clock is stepped). `crate::boot_time()` reads it fresh.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) fn boot_time(read: impl FnOnce() -> Result<f64>) -> Result<f64> {
    static BOOT: OnceLock<f64> = OnceLock::new();
    once(&BOOT, read)
}

/// Total physical memory in bytes, for `memory_percent`.
pub(crate) fn total_memory(read: impl FnOnce() -> Result<u64>) -> Result<u64> {
    static TOTAL: OnceLock<u64> = OnceLock::new();
    once(&TOTAL, read)
}
