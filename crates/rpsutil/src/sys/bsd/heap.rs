//! The C heap of this process on FreeBSD and NetBSD, whose libc allocator is
//! jemalloc (psutil `arch/bsd/heap.c`): statistics and purging through
//! `mallctl(3)`. FreeBSD's `libc` crate declares `mallctl`; NetBSD's does not,
//! so it is declared here from NetBSD's `malloc.h`.

use std::ffi::CStr;
use std::io;

use crate::types::host::HeapInfo;
use crate::{Error, Result};

#[cfg(target_os = "freebsd")]
use libc::mallctl;

#[cfg(target_os = "netbsd")]
extern "C" {
    /// `int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
    /// size_t newlen)` (jemalloc, NetBSD `malloc.h`).
    fn mallctl(
        name: *const libc::c_char,
        oldp: *mut libc::c_void,
        oldlenp: *mut libc::size_t,
        newp: *mut libc::c_void,
        newlen: libc::size_t,
    ) -> libc::c_int;
}

/// `mallctl` returns an errno value (0 on success) rather than setting `errno`.
fn check(rc: libc::c_int, what: &str) -> Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(Error::os(
            io::Error::from_raw_os_error(rc),
            format!("mallctl('{what}')"),
        ))
    }
}

/// A control that takes and returns nothing (`thread.tcache.flush`,
/// `arena.N.purge`).
fn run(name: &CStr) -> Result<()> {
    // SAFETY: name is NUL-terminated; no old or new value is passed.
    let rc = unsafe {
        mallctl(
            name.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    check(rc, &name.to_string_lossy())
}

/// Reads a control's value of type `T` (`u64`, `unsigned`).
fn get<T: Copy + Default>(name: &CStr) -> Result<T> {
    let mut v = T::default();
    let mut len: libc::size_t = std::mem::size_of::<T>();
    // SAFETY: name is NUL-terminated; v is a writable T of `len` bytes, the size
    // jemalloc checks against the control's type (EINVAL on a mismatch).
    let rc = unsafe {
        mallctl(
            name.as_ptr(),
            (&mut v as *mut T).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    check(rc, &name.to_string_lossy())?;
    Ok(v)
}

/// psutil: flush this thread's cache (so small allocations show), refresh the
/// statistics epoch, then `stats.allocated` → `heap_used` and `stats.mapped` →
/// `mmap_used` (bytes).
pub(crate) fn heap_info() -> Result<HeapInfo> {
    run(c"thread.tcache.flush")?;
    let mut epoch: u64 = get(c"epoch")?;
    // SAFETY: "epoch" takes a u64 as its new value; epoch is a readable u64.
    let rc = unsafe {
        mallctl(
            c"epoch".as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            (&mut epoch as *mut u64).cast(),
            std::mem::size_of::<u64>(),
        )
    };
    check(rc, "epoch")?;
    // jemalloc's stats are size_t: 64-bit on the 64-bit targets psutil supports.
    let allocated: libc::size_t = get(c"stats.allocated")?;
    let mapped: libc::size_t = get(c"stats.mapped")?;
    Ok(HeapInfo {
        heap_used: allocated as u64,
        mmap_used: mapped as u64,
        heap_count: None,
    })
}

/// Returns unused pages of every arena to the OS: FreeBSD purges all arenas at
/// once (`arena.<MALLCTL_ARENAS_ALL>.purge`, 4096); NetBSD's jemalloc purges
/// each of `arenas.narenas` in turn (psutil).
pub(crate) fn heap_trim() -> Result<()> {
    #[cfg(target_os = "freebsd")]
    {
        run(c"arena.4096.purge")
    }
    #[cfg(target_os = "netbsd")]
    {
        let n: libc::c_uint = get(c"arenas.narenas")?;
        for i in 0..n {
            let name = std::ffi::CString::new(format!("arena.{i}.purge"))
                .map_err(|_| Error::os(io::Error::from_raw_os_error(libc::EINVAL), "mallctl"))?;
            run(&name)?;
        }
        Ok(())
    }
}
