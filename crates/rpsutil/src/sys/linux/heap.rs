//! glibc heap statistics of the calling process (`mallinfo2(3)`, `malloc_trim(3)`).

use crate::types::host::HeapInfo;
#[cfg(not(target_env = "gnu"))]
use crate::Error;
use crate::Result;

/// `heap_used = uordblks`, `mmap_used = hblkhd` of `mallinfo2()` (glibc 2.33+).
#[cfg(target_env = "gnu")]
pub(crate) fn heap_info() -> Result<HeapInfo> {
    // SAFETY: mallinfo2 takes no arguments and returns a struct by value.
    let m = unsafe { libc::mallinfo2() };
    Ok(HeapInfo {
        heap_count: None,
        heap_used: m.uordblks as u64,
        mmap_used: m.hblkhd as u64,
    })
}

/// `malloc_trim(0)`.
#[cfg(target_env = "gnu")]
pub(crate) fn heap_trim() -> Result<()> {
    // SAFETY: malloc_trim only releases free memory of the allocator.
    unsafe { libc::malloc_trim(0) };
    Ok(())
}

#[cfg(not(target_env = "gnu"))]
pub(crate) fn heap_info() -> Result<HeapInfo> {
    Err(Error::unsupported("heap_info needs glibc"))
}

#[cfg(not(target_env = "gnu"))]
pub(crate) fn heap_trim() -> Result<()> {
    Err(Error::unsupported("heap_trim needs glibc"))
}
