//! The calling process's heap: psutil's `heap_info()` / `heap_trim()` on Windows
//! (`arch/windows/heap.c`).
//!
//! psutil sums the busy blocks of the CRT heap with `_heapwalk`; the CRT of every
//! current toolchain (UCRT, and Rust's own allocator) allocates from the process
//! heap, so this walks that heap with `HeapWalk`, which is what `_heapwalk` does
//! there. `heap_count` is `GetProcessHeaps`; `mmap_used` is psutil's sum of the
//! committed private read-write regions that are not a heap (large blocks the heaps
//! put in their own virtual allocations, `VirtualAlloc`ed memory).

use windows_sys::Win32::Foundation::{GetLastError, HANDLE};
use windows_sys::Win32::System::Memory::{
    GetProcessHeap, GetProcessHeaps, HeapCompact, HeapLock, HeapUnlock, HeapWalk, HEAP_NONE,
    MEM_COMMIT, MEM_PRIVATE, PAGE_READWRITE, PROCESS_HEAP_ENTRY,
};
use windows_sys::Win32::System::SystemServices::PROCESS_HEAP_ENTRY_BUSY;
use windows_sys::Win32::System::Threading::GetCurrentProcess;

use super::errors::{last_error, win32_error};
use super::util::regions;
use crate::types::host::HeapInfo;
use crate::Result;

/// Every heap handle of the process (`GetProcessHeaps`, asked until the list fits:
/// heaps may be created meanwhile, psutil's #2946).
fn process_heaps() -> Result<Vec<HANDLE>> {
    let mut cap = 16usize;
    for _ in 0..8 {
        let mut heaps: Vec<HANDLE> = vec![std::ptr::null_mut(); cap];
        let n = u32::try_from(cap).unwrap_or(u32::MAX);
        // SAFETY: `heaps` has room for `n` handles.
        let count = unsafe { GetProcessHeaps(n, heaps.as_mut_ptr()) } as usize;
        if count == 0 {
            return Err(last_error("GetProcessHeaps"));
        }
        if count <= cap {
            heaps.truncate(count);
            return Ok(heaps);
        }
        cap = count + 16;
    }
    Err(win32_error(
        0,
        "GetProcessHeaps: the heap list keeps growing",
    ))
}

/// Bytes in busy blocks of `heap` (`HeapWalk` under `HeapLock`).
fn busy_bytes(heap: HANDLE) -> Result<u64> {
    // SAFETY: `heap` is this process's default heap handle.
    if unsafe { HeapLock(heap) } == 0 {
        return Err(last_error("HeapLock"));
    }
    let mut used = 0u64;
    let mut entry = PROCESS_HEAP_ENTRY::default();
    // SAFETY: `entry` starts zeroed (lpData null: start of the walk) and is only
    // passed back to HeapWalk, which owns its contents between calls; the heap is
    // locked for the whole walk.
    while unsafe { HeapWalk(heap, &mut entry) } != 0 {
        if u32::from(entry.wFlags) & PROCESS_HEAP_ENTRY_BUSY != 0 {
            used += u64::from(entry.cbData);
        }
    }
    // SAFETY: unlocks the lock taken above.
    unsafe { HeapUnlock(heap) };
    Ok(used)
}

/// psutil's `mmap_used`: committed, private, read-write regions of the address space
/// whose allocation base is not a heap handle.
fn private_regions(heaps: &[HANDLE]) -> u64 {
    // SAFETY: no arguments; the pseudo-handle of this process.
    let me = unsafe { GetCurrentProcess() };
    regions(me)
        .filter(|mbi| {
            mbi.State == MEM_COMMIT
                && mbi.Type == MEM_PRIVATE
                && mbi.AllocationProtect & PAGE_READWRITE != 0
                && !heaps.contains(&mbi.AllocationBase)
        })
        .map(|mbi| mbi.RegionSize as u64)
        .sum()
}

/// psutil's `heap_info()`: `heap_used` (busy bytes of the process heap),
/// `mmap_used` (private read-write regions outside the heaps), `heap_count`.
pub(crate) fn heap_info() -> Result<HeapInfo> {
    let heaps = process_heaps()?;
    // SAFETY: no arguments; the default heap of this process.
    let heap = unsafe { GetProcessHeap() };
    Ok(HeapInfo {
        heap_used: busy_bytes(heap)?,
        mmap_used: private_regions(&heaps),
        heap_count: Some(heaps.len() as u64),
    })
}

/// psutil's `heap_trim()`: `HeapCompact(GetProcessHeap(), 0)`; 0 with a last error
/// set is an OS error.
pub(crate) fn heap_trim() -> Result<()> {
    // SAFETY: no arguments; the default heap of this process.
    let heap = unsafe { GetProcessHeap() };
    // SAFETY: clears this thread's last error so that a stale one is not reported
    // (psutil 8.0's fix of false positives).
    unsafe { windows_sys::Win32::Foundation::SetLastError(0) };
    // SAFETY: a valid heap handle and no flags.
    if unsafe { HeapCompact(heap, HEAP_NONE) } == 0 {
        // SAFETY: reads this thread's last error.
        let code = unsafe { GetLastError() };
        if code != 0 {
            return Err(win32_error(code, "HeapCompact"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn allocations_show_in_heap_info() {
        let before = crate::heap_info().expect("heap_info");
        assert!(before.heap_count.is_some_and(|n| n >= 1), "{before:?}");
        // Many small blocks: the process heap's busy bytes grow by at least their
        // payload (Rust's allocator on Windows is HeapAlloc on the process heap).
        let small: Vec<Vec<u8>> = (0..2000).map(|i| vec![i as u8; 200]).collect();
        let mid = crate::heap_info().expect("heap_info");
        assert!(
            mid.heap_used >= before.heap_used + 2000 * 200,
            "{before:?} -> {mid:?}"
        );
        // One 8 MiB block: the heap puts it in a virtual allocation of its own,
        // counted by heap_used (a busy block) and mmap_used (a private region).
        let big = vec![1u8; 8 << 20];
        let after = crate::heap_info().expect("heap_info");
        assert!(
            after.heap_used + after.mmap_used >= mid.heap_used + mid.mmap_used + (8 << 20),
            "{mid:?} -> {after:?}"
        );
        drop((small, big));
        crate::heap_trim().expect("heap_trim");
    }
}
