//! Memory: psutil's `_pssunos.virtual_memory` (sysconf page counts) and
//! `swap_memory` (`swapctl(2)` instead of psutil's `swap -l` subprocess, plus the
//! `cpu:N:vm` kstats' page-in/out counters).

use std::ffi::{c_char, c_int, c_long, c_void};
use std::io;
use std::mem::{offset_of, size_of};

use rpsutil_parse::sunos::kstat::cpu_vm_swaps;

use super::kstat::{named, walk, KSTAT_TYPE_NAMED};
use crate::common::percent::usage_percent;
use crate::sys::posix::page_size;
use crate::types::memory::{SwapMemory, VirtualMemory};
use crate::{Error, Result};

fn sysconf_pages(name: c_int, what: &str) -> Result<u64> {
    // SAFETY: sysconf only reads a configuration value.
    let n = unsafe { libc::sysconf(name) };
    u64::try_from(n).map_err(|_| Error::os(io::Error::last_os_error(), what))
}

/// `sysconf(_SC_PHYS_PAGES) × pagesize`.
pub(crate) fn total_memory() -> Result<u64> {
    Ok(sysconf_pages(libc::_SC_PHYS_PAGES, "sysconf(_SC_PHYS_PAGES)")?.saturating_mul(page_size()))
}

/// psutil: `total = SC_PHYS_PAGES`, `free = available = SC_AVPHYS_PAGES` (pages ×
/// pagesize), `used = total - free`.
pub(crate) fn virtual_memory() -> Result<VirtualMemory> {
    let total = total_memory()?;
    let free = sysconf_pages(libc::_SC_AVPHYS_PAGES, "sysconf(_SC_AVPHYS_PAGES)")?
        .saturating_mul(page_size());
    let used = total.saturating_sub(free);
    Ok(VirtualMemory {
        total,
        available: free,
        percent: usage_percent(used as f64, total as f64),
        used,
        free,
        active: None,
        inactive: None,
        buffers: None,
        cached: None,
        shared: None,
        slab: None,
        wired: None,
    })
}

/// `swapctl` commands (`<sys/swap.h>`).
const SC_LIST: c_int = 2;
const SC_GETNSWP: c_int = 4;
/// `MAXPATHLEN`: the buffer each `ste_path` must point to.
const MAXPATHLEN: usize = 1024;

/// `swapent_t` (illumos `usr/src/uts/common/sys/swap.h`), LP64.
#[repr(C)]
struct Swapent {
    ste_path: *mut c_char,
    ste_start: i64,
    ste_length: i64,
    ste_pages: c_long,
    ste_free: c_long,
    ste_flags: c_int,
}

/// `swaptbl_t` with one entry (its real length is `swt_n`).
#[repr(C)]
struct Swaptbl1 {
    swt_n: c_int,
    swt_ent: [Swapent; 1],
}

const _: () = assert!(size_of::<Swapent>() == 48);
const _: () = assert!(offset_of!(Swapent, ste_pages) == 24);
const _: () = assert!(offset_of!(Swapent, ste_free) == 32);
const _: () = assert!(offset_of!(Swapent, ste_flags) == 40);
const _: () = assert!(offset_of!(Swaptbl1, swt_ent) == 8);

extern "C" {
    /// `int swapctl(int cmd, void *arg)` (libc).
    fn swapctl(cmd: c_int, arg: *mut c_void) -> c_int;
}

/// `(total pages, free pages)` over every swap device (`swap -l`'s blocks and
/// free columns are these × pagesize / 512).
fn swap_pages() -> Result<(u64, u64)> {
    for _ in 0..5 {
        // SAFETY: SC_GETNSWP ignores its argument.
        let n = unsafe { swapctl(SC_GETNSWP, std::ptr::null_mut()) };
        if n < 0 {
            return Err(Error::os(io::Error::last_os_error(), "swapctl(SC_GETNSWP)"));
        }
        let n = n as usize;
        if n == 0 {
            return Ok((0, 0));
        }
        // The table: swt_n, padding, then n entries; u64 words keep it aligned.
        let words = (offset_of!(Swaptbl1, swt_ent) + n * size_of::<Swapent>()) / 8;
        let mut table = vec![0u64; words];
        let mut paths = vec![0 as c_char; n * MAXPATHLEN];
        let base = table.as_mut_ptr() as *mut u8;
        // SAFETY: `table` is 8-aligned and holds the header and n entries; each
        // entry's ste_path points to its own MAXPATHLEN bytes of `paths`, which
        // outlives the call.
        let entries = unsafe {
            *(base as *mut c_int) = n as c_int;
            let ents = base.add(offset_of!(Swaptbl1, swt_ent)) as *mut Swapent;
            for i in 0..n {
                (*ents.add(i)).ste_path = paths.as_mut_ptr().add(i * MAXPATHLEN);
            }
            ents
        };
        // SAFETY: the table is laid out as swaptbl_t with swt_n = n entries.
        let got = unsafe { swapctl(SC_LIST, base as *mut c_void) };
        if got < 0 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::ENOMEM) {
                continue; // a device was added meanwhile
            }
            return Err(Error::os(err, "swapctl(SC_LIST)"));
        }
        let (mut total, mut free) = (0u64, 0u64);
        for i in 0..(got as usize).min(n) {
            // SAFETY: i < n, inside the table filled by the kernel.
            let e = unsafe { &*entries.add(i) };
            total = total.saturating_add(u64::try_from(e.ste_pages).unwrap_or(0));
            free = free.saturating_add(u64::try_from(e.ste_free).unwrap_or(0));
        }
        return Ok((total, free));
    }
    Err(Error::os(
        io::Error::other("swap devices keep changing"),
        "swapctl(SC_LIST)",
    ))
}

/// Swap devices from `swapctl(SC_LIST)`; `sin`/`sout` are the `pgswapin` /
/// `pgswapout` pages of every `cpu:N:vm` kstat × pagesize (psutil reads the same
/// counters from `cpu_stat`). No swap device gives zeros (psutil raises
/// RuntimeError, docs/DIFFERENCES.md).
pub(crate) fn swap_memory() -> Result<SwapMemory> {
    let page = page_size();
    let (total_pages, free_pages) = swap_pages()?;
    let total = total_pages.saturating_mul(page);
    let free = free_pages.saturating_mul(page).min(total);
    let used = total - free;
    let (mut sin, mut sout) = (0u64, 0u64);
    for e in walk(|h| h.module == "cpu" && h.name == "vm" && h.ks_type == KSTAT_TYPE_NAMED)? {
        let Ok(records) = named(&e) else { continue };
        if let Ok((i, o)) = cpu_vm_swaps(&records) {
            sin = sin.saturating_add(i);
            sout = sout.saturating_add(o);
        }
    }
    Ok(SwapMemory {
        total,
        used,
        free,
        percent: usage_percent(used as f64, total as f64),
        sin: sin.saturating_mul(page),
        sout: sout.saturating_mul(page),
    })
}
