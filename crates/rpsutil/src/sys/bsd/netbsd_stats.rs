//! NetBSD system statistics psutil 7.2.2 reads (`arch/netbsd/{mem,cpu,disk}.c`,
//! `_psbsd.py`): memory and `cpu_stats` (`vm.uvmexp2`), swap (`swapctl`) and
//! `disk_io_counters` (`hw.iostats`).
//!
//! `libc` declares neither `struct uvmexp_sysctl` nor `struct io_sysctl` for
//! NetBSD: they are declared here from `uvm/uvm_extern.h` and `sys/iostat.h` with
//! size and offset assertions, for their layout only (the bytes are decoded by
//! `rpsutil_parse`). NetBSD appends new members at the end of both ("New
//! elements should only be added to the end of this structure so binary
//! compatibility can be preserved"), so a longer record decodes the same.
//!
//! psutil 7.2.2 also reads procfs here: `/proc/meminfo` for `buffers`/`shared`
//! and `/proc/stat` for `interrupts`. Those lines are computed by NetBSD's
//! procfs from the same UVM counters (`procfs_linux.c`), which are read here
//! directly, so procfs need not be mounted (docs/DIFFERENCES.md).

use rpsutil_parse::bsd::disk::{disk_stats, DiskStatLayout};
use rpsutil_parse::bsd::uvm::{self, Uvm, UvmLayout};

use super::process::os_error;
use super::sysctl;
use super::sysctl::parse_err;
use super::uvm_records;
use crate::sys::records::DiskIoEntry;
use crate::types::cpu::CpuStats;
use crate::types::memory::{SwapMemory, VirtualMemory};
use crate::Result;

/// `VM_UVMEXP2` (`uvm/uvm_param.h`): `struct uvmexp_sysctl`.
const VM_UVMEXP2: libc::c_int = 5;
/// `HW_IOSTATS` (`sys/sysctl.h`): `struct io_sysctl[]`, the element size as
/// the third mib level.
const HW_IOSTATS: libc::c_int = 9;

/// `struct uvmexp_sysctl` (`uvm/uvm_extern.h`): 89 `int64_t`s in the header's
/// order, `pagesize` .. `fltnoup`.
#[repr(C)]
#[allow(dead_code)]
struct UvmExpSysctl {
    pagesize: i64,
    pagemask: i64,
    pageshift: i64,
    npages: i64,
    free: i64,
    active: i64,
    inactive: i64,
    paging: i64,
    wired: i64,
    zeropages: i64,
    reserve_pagedaemon: i64,
    reserve_kernel: i64,
    freemin: i64,
    freetarg: i64,
    inactarg: i64,
    wiredmax: i64,
    nswapdev: i64,
    swpages: i64,
    swpginuse: i64,
    swpgonly: i64,
    nswget: i64,
    unused1: i64,
    cpuhit: i64,
    cpumiss: i64,
    faults: i64,
    traps: i64,
    intrs: i64,
    swtch: i64,
    softs: i64,
    syscalls: i64,
    pageins: i64,
    swapins: i64,
    swapouts: i64,
    pgswapin: i64,
    pgswapout: i64,
    forks: i64,
    forks_ppwait: i64,
    forks_sharevm: i64,
    pga_zerohit: i64,
    pga_zeromiss: i64,
    zeroaborts: i64,
    /// `fltnoram` .. `flt_przero`: 18 fault counters.
    fault_counters: [i64; 18],
    /// `pdwoke` .. `pddeact`: 12 page-daemon counters.
    daemon_counters: [i64; 12],
    anonpages: i64,
    filepages: i64,
    execpages: i64,
    colorhit: i64,
    colormiss: i64,
    ncolors: i64,
    bootpages: i64,
    poolpages: i64,
    countsyncone: i64,
    countsyncall: i64,
    anonunknown: i64,
    anonclean: i64,
    anondirty: i64,
    fileunknown: i64,
    fileclean: i64,
    filedirty: i64,
    fltup: i64,
    fltnoup: i64,
}

const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<UvmExpSysctl>() == 89 * 8);
    assert!(offset_of!(UvmExpSysctl, pageshift) == 2 * 8);
    assert!(offset_of!(UvmExpSysctl, wired) == 8 * 8);
    assert!(offset_of!(UvmExpSysctl, faults) == 24 * 8);
    assert!(offset_of!(UvmExpSysctl, intrs) == 26 * 8);
    assert!(offset_of!(UvmExpSysctl, swtch) == 27 * 8);
    assert!(offset_of!(UvmExpSysctl, syscalls) == 29 * 8);
    assert!(offset_of!(UvmExpSysctl, pgswapin) == 33 * 8);
    assert!(offset_of!(UvmExpSysctl, fault_counters) == 41 * 8);
    assert!(offset_of!(UvmExpSysctl, daemon_counters) == 59 * 8);
    assert!(offset_of!(UvmExpSysctl, anonpages) == 71 * 8);
    assert!(offset_of!(UvmExpSysctl, execpages) == 73 * 8);
    assert!(offset_of!(UvmExpSysctl, fltnoup) == 88 * 8);
};

const UVM_LAYOUT: UvmLayout = UvmLayout {
    pageshift: fld!(UvmExpSysctl, pageshift),
    npages: fld!(UvmExpSysctl, npages),
    free: fld!(UvmExpSysctl, free),
    active: fld!(UvmExpSysctl, active),
    inactive: fld!(UvmExpSysctl, inactive),
    wired: fld!(UvmExpSysctl, wired),
    swtch: fld!(UvmExpSysctl, swtch),
    intrs: fld!(UvmExpSysctl, intrs),
    softs: fld!(UvmExpSysctl, softs),
    syscalls: fld!(UvmExpSysctl, syscalls),
    pgswapin: fld!(UvmExpSysctl, pgswapin),
    pgswapout: fld!(UvmExpSysctl, pgswapout),
    anonpages: Some(fld!(UvmExpSysctl, anonpages)),
    filepages: Some(fld!(UvmExpSysctl, filepages)),
    execpages: Some(fld!(UvmExpSysctl, execpages)),
};

/// `struct io_sysctl` (`sys/iostat.h`, `IOSTATNAMELEN` 16), with the queue
/// statistics NetBSD 9 appended.
#[repr(C)]
#[allow(dead_code)]
struct IoSysctl {
    name: [libc::c_char; 16],
    busy: i32,
    kind: i32,
    xfer: u64,
    seek: u64,
    bytes: u64,
    attachtime_sec: u32,
    attachtime_usec: u32,
    timestamp_sec: u32,
    timestamp_usec: u32,
    time_sec: u32,
    time_usec: u32,
    rxfer: u64,
    rbytes: u64,
    wxfer: u64,
    wbytes: u64,
    wait_sec: u32,
    wait_usec: u32,
    waitsum_sec: u32,
    waitsum_usec: u32,
    busysum_sec: u32,
    busysum_usec: u32,
}
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(offset_of!(IoSysctl, xfer) == 24);
    assert!(offset_of!(IoSysctl, rxfer) == 72);
    assert!(offset_of!(IoSysctl, rbytes) == 80);
    assert!(offset_of!(IoSysctl, wxfer) == 88);
    assert!(offset_of!(IoSysctl, wbytes) == 96);
    assert!(size_of::<IoSysctl>() == 128);
};

const DISK_LAYOUT: DiskStatLayout = DiskStatLayout {
    size: std::mem::size_of::<IoSysctl>(),
    name: fld!(IoSysctl, name),
    rxfer: fld!(IoSysctl, rxfer),
    wxfer: fld!(IoSysctl, wxfer),
    rbytes: fld!(IoSysctl, rbytes),
    wbytes: fld!(IoSysctl, wbytes),
};

/// `{CTL_VM, VM_UVMEXP2}`.
fn uvmexp2() -> Result<Uvm> {
    let buf = sysctl::read(&[libc::CTL_VM, VM_UVMEXP2]).map_err(|e| os_error(e, "vm.uvmexp2"))?;
    uvm::decode_uvm(&buf, &UVM_LAYOUT).map_err(|e| parse_err("vm.uvmexp2", e))
}

/// psutil's NetBSD `virtual_memory` (formulas in
/// `rpsutil_parse::bsd::uvm::netbsd_memory`): `buffers` = `filepages` and
/// `shared` = 0, the values psutil 7.2.2 reads from `/proc/meminfo`.
pub(crate) fn virtual_memory() -> Result<VirtualMemory> {
    let m = uvm::netbsd_memory(&uvmexp2()?);
    Ok(uvm_records::virtual_memory(m))
}

/// `swapctl(SWAP_STATS)` totals, zeros without swap; `sin`/`sout` =
/// `pgswapin`/`pgswapout` × page size (psutil `arch/netbsd/mem.c`).
pub(crate) fn swap_memory() -> Result<SwapMemory> {
    uvm_records::swap_memory(uvmexp2)
}

/// `uvmexp_sysctl` `swtch`, `intrs`, `softs`, `syscalls`. psutil 7.2.2 takes
/// the interrupts from `/proc/stat`'s `intr` line, which NetBSD's procfs sums
/// from the same per-CPU interrupt counter the kernel copies into `intrs`.
pub(crate) fn cpu_stats() -> Result<CpuStats> {
    Ok(uvm_records::cpu_stats(&uvmexp2()?))
}

/// `{CTL_HW, HW_IOSTATS, sizeof(struct io_sysctl)}`: every iostat entry (disks,
/// tapes, NFS mounts, unfiltered as psutil) → reads, writes, bytes read, bytes
/// written; the times are 0 and left out of psutil's NetBSD `sdiskio`.
pub(crate) fn disk_io_counters() -> Result<Vec<DiskIoEntry>> {
    let mib = [libc::CTL_HW, HW_IOSTATS, DISK_LAYOUT.size as libc::c_int];
    let buf = sysctl::read(&mib).map_err(|e| os_error(e, "hw.iostats"))?;
    let disks = disk_stats(&buf, &DISK_LAYOUT).map_err(|e| parse_err("hw.iostats", e))?;
    Ok(uvm_records::disk_io_entries(disks))
}
