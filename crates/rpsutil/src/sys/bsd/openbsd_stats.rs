//! OpenBSD system statistics psutil 7.2.2 reads (`arch/openbsd/{mem,cpu,disk}.c`,
//! `_psbsd.py`): memory (`hw.physmem64`, `vm.uvmexp`, `vfs.generic.bcachestat`,
//! `vm.vmmeter`), swap (`swapctl`), `cpu_stats` (`vm.uvmexp`), `cpu_freq`
//! (`hw.cpuspeed`) and `disk_io_counters` (`hw.diskstats`).
//!
//! `libc` declares none of these records for OpenBSD, so they are declared here
//! from the headers (`uvm/uvmexp.h`, `sys/mount.h`, `sys/vmmeter.h`,
//! `sys/disk.h`) with size and offset assertions, for their layout only: the
//! kernel's bytes are read at their `offset_of!` offsets by `rpsutil_parse`. Each
//! record is read whole with a size probe, so a kernel whose record grew at the
//! end (OpenBSD appends) still decodes; psutil demands the exact size.

use rpsutil_parse::bsd::disk::{disk_stats, DiskStatLayout};
use rpsutil_parse::bsd::layout;
use rpsutil_parse::bsd::uvm::{self, Uvm, UvmLayout};

use super::process::os_error;
use super::sysctl;
use super::sysctl::parse_err;
use super::uvm_records;
use crate::sys::records::DiskIoEntry;
use crate::types::cpu::{CpuFreq, CpuStats};
use crate::types::memory::{SwapMemory, VirtualMemory};
use crate::Result;

/// `VM_METER` (`uvm/uvmexp.h`): `struct vmtotal`.
const VM_METER: libc::c_int = 1;
/// `VM_UVMEXP` (`uvm/uvmexp.h`): `struct uvmexp`.
const VM_UVMEXP: libc::c_int = 4;
/// `VFS_GENERIC` and `VFS_BCACHESTAT` (`sys/mount.h`).
const VFS_GENERIC: libc::c_int = 0;
const VFS_BCACHESTAT: libc::c_int = 3;
/// `HW_DISKSTATS` and `HW_CPUSPEED` (`sys/sysctl.h`).
const HW_DISKSTATS: libc::c_int = 9;
const HW_CPUSPEED: libc::c_int = 12;

type I = libc::c_int;

/// `struct uvmexp` (`uvm/uvmexp.h` rev. 1.24, OpenBSD 7.x): every member an
/// `int`, in the header's order. Unused members keep the header's names.
#[repr(C)]
#[allow(dead_code)]
struct UvmExp {
    pagesize: I,
    pagemask: I,
    pageshift: I,
    npages: I,
    free: I,
    active: I,
    inactive: I,
    paging: I,
    wired: I,
    zeropages: I,
    reserve_pagedaemon: I,
    reserve_kernel: I,
    percpucaches: I,
    vnodepages: I,
    vtextpages: I,
    freemin: I,
    freetarg: I,
    inactarg: I,
    wiredmax: I,
    anonmin: I,
    vtextmin: I,
    vnodemin: I,
    anonminpct: I,
    vtextminpct: I,
    vnodeminpct: I,
    nswapdev: I,
    swpages: I,
    swpginuse: I,
    swpgonly: I,
    nswget: I,
    nanon: I,
    unused05: I,
    unused06: I,
    faults: I,
    traps: I,
    intrs: I,
    swtch: I,
    softs: I,
    syscalls: I,
    pageins: I,
    pcphit: I,
    pcpmiss: I,
    pgswapin: I,
    pgswapout: I,
    forks: I,
    forks_ppwait: I,
    forks_sharevm: I,
    pga_zerohit: I,
    pga_zeromiss: I,
    unused09: I,
    /// `fltnoram` .. `fltnoup`: the 21 fault subcounters.
    fault_counters: [I; 21],
    /// `pdwoke` .. `pddeact`: the 12 page-daemon counters.
    daemon_counters: [I; 12],
    unused13: I,
    fpswtch: I,
    kmapent: I,
}

const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<UvmExp>() == 86 * 4);
    assert!(offset_of!(UvmExp, pageshift) == 2 * 4);
    assert!(offset_of!(UvmExp, free) == 4 * 4);
    assert!(offset_of!(UvmExp, wired) == 8 * 4);
    assert!(offset_of!(UvmExp, nswapdev) == 25 * 4);
    assert!(offset_of!(UvmExp, faults) == 33 * 4);
    assert!(offset_of!(UvmExp, intrs) == 35 * 4);
    assert!(offset_of!(UvmExp, swtch) == 36 * 4);
    assert!(offset_of!(UvmExp, syscalls) == 38 * 4);
    assert!(offset_of!(UvmExp, pgswapin) == 42 * 4);
    assert!(offset_of!(UvmExp, fault_counters) == 50 * 4);
    assert!(offset_of!(UvmExp, daemon_counters) == 71 * 4);
    assert!(offset_of!(UvmExp, kmapent) == 85 * 4);
};

const UVM_LAYOUT: UvmLayout = UvmLayout {
    pageshift: fld!(UvmExp, pageshift),
    npages: fld!(UvmExp, npages),
    free: fld!(UvmExp, free),
    active: fld!(UvmExp, active),
    inactive: fld!(UvmExp, inactive),
    wired: fld!(UvmExp, wired),
    swtch: fld!(UvmExp, swtch),
    intrs: fld!(UvmExp, intrs),
    softs: fld!(UvmExp, softs),
    syscalls: fld!(UvmExp, syscalls),
    pgswapin: fld!(UvmExp, pgswapin),
    pgswapout: fld!(UvmExp, pgswapout),
    anonpages: None,
    filepages: None,
    execpages: None,
};

/// `struct bcachestats` (`sys/mount.h`): `int64_t` counters; the buffer-cache
/// page count is the second. Later releases appended members (15, then 18), so
/// only the leading ones are declared.
#[repr(C)]
#[allow(dead_code)]
struct BcacheStatsHead {
    numbufs: i64,
    numbufpages: i64,
}
const _: () = assert!(std::mem::offset_of!(BcacheStatsHead, numbufpages) == 8);

/// `struct vmtotal` (`sys/vmmeter.h`): five `u_int16_t`, then nine `u_int32_t`.
#[repr(C)]
#[allow(dead_code)]
struct VmTotal {
    t_rq: u16,
    t_dw: u16,
    t_pw: u16,
    t_sl: u16,
    t_sw: u16,
    t_vm: u32,
    t_avm: u32,
    t_rm: u32,
    t_arm: u32,
    t_vmshr: u32,
    t_avmshr: u32,
    t_rmshr: u32,
    t_armshr: u32,
    t_free: u32,
}
const _: () = {
    assert!(std::mem::size_of::<VmTotal>() == 48);
    assert!(std::mem::offset_of!(VmTotal, t_vm) == 12);
    assert!(std::mem::offset_of!(VmTotal, t_rmshr) == 36);
};

/// `struct diskstats` (`sys/disk.h`, `DS_DISKNAMELEN` 16).
#[repr(C)]
#[allow(dead_code)]
struct DiskStats {
    ds_name: [libc::c_char; 16],
    ds_busy: libc::c_int,
    ds_rxfer: u64,
    ds_wxfer: u64,
    ds_seek: u64,
    ds_rbytes: u64,
    ds_wbytes: u64,
    ds_attachtime: libc::timeval,
    ds_timestamp: libc::timeval,
    ds_time: libc::timeval,
}
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(std::mem::offset_of!(DiskStats, ds_rxfer) == 24);
    assert!(std::mem::offset_of!(DiskStats, ds_rbytes) == 48);
    assert!(std::mem::offset_of!(DiskStats, ds_wbytes) == 56);
    assert!(std::mem::size_of::<DiskStats>() == 112);
};

const DISK_LAYOUT: DiskStatLayout = DiskStatLayout {
    size: std::mem::size_of::<DiskStats>(),
    name: fld!(DiskStats, ds_name),
    rxfer: fld!(DiskStats, ds_rxfer),
    wxfer: fld!(DiskStats, ds_wxfer),
    rbytes: fld!(DiskStats, ds_rbytes),
    wbytes: fld!(DiskStats, ds_wbytes),
};

/// `{CTL_VM, VM_UVMEXP}`.
fn uvmexp() -> Result<Uvm> {
    let buf = sysctl::read(&[libc::CTL_VM, VM_UVMEXP]).map_err(|e| os_error(e, "vm.uvmexp"))?;
    uvm::decode_uvm(&buf, &UVM_LAYOUT).map_err(|e| parse_err("vm.uvmexp", e))
}

/// psutil's OpenBSD `virtual_memory` (formulas in
/// `rpsutil_parse::bsd::uvm::openbsd_memory`); `shared` is `t_rmshr` in bytes
/// (psutil 7.2.2: `t_vmshr + t_rmshr` pages, #2811; docs/DIFFERENCES.md).
pub(crate) fn virtual_memory() -> Result<VirtualMemory> {
    let total = super::openbsd::physmem()?;
    let u = uvmexp()?;
    let bc = sysctl::read(&[libc::CTL_VFS, VFS_GENERIC, VFS_BCACHESTAT])
        .map_err(|e| os_error(e, "vfs.generic.bcachestat"))?;
    let bufpages = layout::read_count(&bc, fld!(BcacheStatsHead, numbufpages))
        .map_err(|e| parse_err("vfs.generic.bcachestat", e))?;
    let vmt = sysctl::read(&[libc::CTL_VM, VM_METER]).map_err(|e| os_error(e, "vm.vmmeter"))?;
    let rmshr =
        layout::read_u(&vmt, fld!(VmTotal, t_rmshr)).map_err(|e| parse_err("vm.vmmeter", e))?;
    let m = uvm::openbsd_memory(total, &u, bufpages, rmshr);
    Ok(uvm_records::virtual_memory(m))
}

/// `swapctl(SWAP_STATS)` totals; zeros without swap (psutil 7.2.2 raises
/// OSError). `sin`/`sout` are UVM's `pgswapin`/`pgswapout` × page size (psutil
/// 7.2.2 reports 0; psutil 8 these, #2816).
pub(crate) fn swap_memory() -> Result<SwapMemory> {
    uvm_records::swap_memory(uvmexp)
}

/// `uvmexp` `swtch`, `intrs`, `softs`, `syscalls` (psutil `arch/openbsd/cpu.c`).
pub(crate) fn cpu_stats() -> Result<CpuStats> {
    Ok(uvm_records::cpu_stats(&uvmexp()?))
}

/// `{CTL_HW, HW_CPUSPEED}` (an `int`, MHz): one entry, min and max 0 (psutil).
pub(crate) fn cpu_freq_percpu() -> Result<Vec<CpuFreq>> {
    let mhz: libc::c_int =
        sysctl::value(&[libc::CTL_HW, HW_CPUSPEED]).map_err(|e| os_error(e, "hw.cpuspeed"))?;
    Ok(vec![CpuFreq {
        current: f64::from(mhz),
        min: 0.0,
        max: 0.0,
    }])
}

/// `{CTL_HW, HW_DISKSTATS}`: one `struct diskstats` per disk → psutil's four
/// counters (reads, writes, bytes read, bytes written); the times are 0 and
/// left out of psutil's OpenBSD `sdiskio`.
pub(crate) fn disk_io_counters() -> Result<Vec<DiskIoEntry>> {
    let buf =
        sysctl::read(&[libc::CTL_HW, HW_DISKSTATS]).map_err(|e| os_error(e, "hw.diskstats"))?;
    let disks = disk_stats(&buf, &DISK_LAYOUT).map_err(|e| parse_err("hw.diskstats", e))?;
    Ok(uvm_records::disk_io_entries(disks))
}
