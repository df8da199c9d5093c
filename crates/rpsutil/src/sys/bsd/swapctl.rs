//! Swap devices of OpenBSD and NetBSD through `swapctl(2)` (psutil
//! `arch/openbsd/mem.c`, `arch/netbsd/mem.c`): `SWAP_NSWAP` counts the devices,
//! `SWAP_STATS` fills one `struct swapent` per device (`sys/swap.h`), summed by
//! `rpsutil_parse::bsd::uvm::swap_totals`. `libc` declares neither the call nor
//! the struct for these targets: both are declared here from the headers.

use std::io;

use rpsutil_parse::bsd::uvm::{swap_totals, SwapLayout, SwapTotals};

use super::process::os_error;
use crate::{Error, Result};

/// `struct swapent` (`sys/swap.h`, identical text on OpenBSD and NetBSD; `dev_t`
/// is 32-bit on OpenBSD, 64-bit on NetBSD). Declared for its layout only: the
/// records are read from bytes at its `offset_of!` offsets.
#[repr(C)]
#[allow(non_camel_case_types, dead_code)]
struct swapent {
    se_dev: libc::dev_t,
    se_flags: libc::c_int,
    se_nblks: libc::c_int,
    se_inuse: libc::c_int,
    se_priority: libc::c_int,
    se_path: [libc::c_char; libc::PATH_MAX as usize + 1],
}

const _: () = assert!(libc::PATH_MAX == 1024);
#[cfg(target_os = "openbsd")]
const _: () = {
    assert!(std::mem::size_of::<libc::dev_t>() == 4);
    assert!(std::mem::offset_of!(swapent, se_flags) == 4);
    assert!(std::mem::offset_of!(swapent, se_nblks) == 8);
    assert!(std::mem::offset_of!(swapent, se_inuse) == 12);
    assert!(std::mem::offset_of!(swapent, se_path) == 20);
    assert!(std::mem::size_of::<swapent>() == 1048);
};
#[cfg(target_os = "netbsd")]
const _: () = {
    assert!(std::mem::size_of::<libc::dev_t>() == 8);
    assert!(std::mem::offset_of!(swapent, se_flags) == 8);
    assert!(std::mem::offset_of!(swapent, se_nblks) == 12);
    assert!(std::mem::offset_of!(swapent, se_inuse) == 16);
    assert!(std::mem::offset_of!(swapent, se_path) == 24);
    assert!(std::mem::size_of::<swapent>() == 1056);
};

const LAYOUT: SwapLayout = SwapLayout {
    size: std::mem::size_of::<swapent>(),
    flags: fld!(swapent, se_flags),
    nblks: fld!(swapent, se_nblks),
    inuse: fld!(swapent, se_inuse),
};

/// `SWAP_NSWAP` (`sys/swap.h`, both OSes).
const SWAP_NSWAP: libc::c_int = 3;
/// `SWAP_STATS` (`sys/swap.h`): 4 on OpenBSD; 10 on NetBSD (4 and 6 are its
/// older `swapent` layouts, `SWAP_STATS13` / `SWAP_STATS50`).
#[cfg(target_os = "openbsd")]
const SWAP_STATS: libc::c_int = 4;
#[cfg(target_os = "netbsd")]
const SWAP_STATS: libc::c_int = 10;

extern "C" {
    /// `int swapctl(int cmd, const void *arg, int misc)` (`unistd.h`, libc).
    fn swapctl(cmd: libc::c_int, arg: *mut libc::c_void, misc: libc::c_int) -> libc::c_int;
}

/// The enabled swap devices' total, used and free bytes. No device configured
/// gives zeros (psutil's NetBSD answer; its OpenBSD code raises OSError there,
/// docs/DIFFERENCES.md).
pub(super) fn totals() -> Result<SwapTotals> {
    // SAFETY: SWAP_NSWAP reads no argument and returns the device count (or -1).
    let n = unsafe { swapctl(SWAP_NSWAP, std::ptr::null_mut(), 0) };
    if n < 0 {
        return Err(os_error(io::Error::last_os_error(), "swapctl(SWAP_NSWAP)"));
    }
    if n == 0 {
        return Ok(SwapTotals::default());
    }
    let mut buf = vec![0u8; n as usize * LAYOUT.size];
    // SAFETY: buf has room for n records of sizeof(struct swapent); the kernel
    // writes at most n (`misc`) of them and returns how many it wrote.
    let got = unsafe { swapctl(SWAP_STATS, buf.as_mut_ptr().cast(), n) };
    if got < 0 {
        return Err(os_error(io::Error::last_os_error(), "swapctl(SWAP_STATS)"));
    }
    swap_totals(&buf, got.min(n) as usize, &LAYOUT).map_err(|e| Error::Parse {
        path: "swapctl(SWAP_STATS)".into(),
        detail: e.detail,
    })
}
