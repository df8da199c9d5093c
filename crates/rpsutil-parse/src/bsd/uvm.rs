//! Memory and CPU counters of OpenBSD and NetBSD: UVM's statistics record
//! (OpenBSD `struct uvmexp`, `uvm/uvmexp.h`, `sysctl {CTL_VM, VM_UVMEXP}`; NetBSD
//! `struct uvmexp_sysctl`, `uvm/uvm_extern.h`, `{CTL_VM, VM_UVMEXP2}`), the swap
//! devices `swapctl(SWAP_STATS)` lists (`struct swapent`, `sys/swap.h`), and
//! psutil's formulas over them (`arch/openbsd/mem.c`, `arch/netbsd/mem.c`,
//! `_psbsd.py`).
//!
//! The records are decoded at the layouts the backend takes with `offset_of!`
//! from its declarations of the C structs. Only the fields psutil reads need to
//! be present: both kernels append new members at the end, so a record longer
//! than the declaration (a newer kernel) decodes the same, and a shorter one
//! fails with a [`ParseError`](crate::ParseError) naming the missing field.

use super::layout::{read_count, read_i, read_u, Field};
use crate::{ParseError, Result};

/// Where the fields psutil reads lie in this OS's UVM record. OpenBSD's members
/// are `int`s, NetBSD's `int64_t`s. The page-cache splits exist on NetBSD only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UvmLayout {
    /// `pageshift`: log2 of the page size.
    pub pageshift: Field,
    /// `npages`: pages managed by UVM.
    pub npages: Field,
    /// `free`: free pages.
    pub free: Field,
    /// `active`: active pages.
    pub active: Field,
    /// `inactive`: inactive pages.
    pub inactive: Field,
    /// `wired`: wired pages.
    pub wired: Field,
    /// `swtch`: context switches.
    pub swtch: Field,
    /// `intrs`: device interrupts.
    pub intrs: Field,
    /// `softs`: software interrupts.
    pub softs: Field,
    /// `syscalls`: system calls.
    pub syscalls: Field,
    /// `pgswapin`: pages swapped in.
    pub pgswapin: Field,
    /// `pgswapout`: pages swapped out.
    pub pgswapout: Field,
    /// `anonpages` (NetBSD): anonymous pages.
    pub anonpages: Option<Field>,
    /// `filepages` (NetBSD): cached file data pages.
    pub filepages: Option<Field>,
    /// `execpages` (NetBSD): cached executable pages.
    pub execpages: Option<Field>,
}

/// The UVM figures psutil uses, as the kernel counts them (pages, events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Uvm {
    /// log2 of the page size (0..=31).
    pub pageshift: u32,
    /// Pages managed by UVM.
    pub npages: u64,
    /// Free pages.
    pub free: u64,
    /// Active pages.
    pub active: u64,
    /// Inactive pages.
    pub inactive: u64,
    /// Wired pages.
    pub wired: u64,
    /// Context switches since boot.
    pub swtch: u64,
    /// Device interrupts since boot.
    pub intrs: u64,
    /// Software interrupts since boot.
    pub softs: u64,
    /// System calls since boot.
    pub syscalls: u64,
    /// Pages swapped in since boot.
    pub pgswapin: u64,
    /// Pages swapped out since boot.
    pub pgswapout: u64,
    /// Anonymous pages (NetBSD; 0 elsewhere).
    pub anonpages: u64,
    /// File data pages (NetBSD; 0 elsewhere).
    pub filepages: u64,
    /// Executable pages (NetBSD; 0 elsewhere).
    pub execpages: u64,
}

impl Uvm {
    /// The page size in bytes, `1 << pageshift`.
    pub fn page_size(&self) -> u64 {
        1u64 << self.pageshift
    }

    /// `pages` in bytes (saturating).
    pub fn bytes(&self, pages: u64) -> u64 {
        pages.saturating_mul(self.page_size())
    }
}

/// Decodes the UVM record `buf`. Page counts that read negative are 0; event
/// counters are read unsigned at their width, as psutil's `unsigned int`
/// conversion of OpenBSD's `int` counters does (a counter past 2³¹ stays
/// positive). A `pageshift` outside 0..=31 is an error.
pub fn decode_uvm(buf: &[u8], l: &UvmLayout) -> Result<Uvm> {
    let shift = read_i(buf, l.pageshift)?;
    let pageshift = u32::try_from(shift)
        .ok()
        .filter(|s| *s < 32)
        .ok_or_else(|| ParseError::new(format!("uvmexp pageshift {shift} out of range")))?;
    let opt = |f: Option<Field>| -> Result<u64> { f.map_or(Ok(0), |f| read_count(buf, f)) };
    Ok(Uvm {
        pageshift,
        npages: read_count(buf, l.npages)?,
        free: read_count(buf, l.free)?,
        active: read_count(buf, l.active)?,
        inactive: read_count(buf, l.inactive)?,
        wired: read_count(buf, l.wired)?,
        swtch: read_u(buf, l.swtch)?,
        intrs: read_u(buf, l.intrs)?,
        softs: read_u(buf, l.softs)?,
        syscalls: read_u(buf, l.syscalls)?,
        pgswapin: read_u(buf, l.pgswapin)?,
        pgswapout: read_u(buf, l.pgswapout)?,
        anonpages: opt(l.anonpages)?,
        filepages: opt(l.filepages)?,
        execpages: opt(l.execpages)?,
    })
}

/// psutil's `svmem` figures in bytes (`percent` is computed from `total` and
/// `available` by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Memory {
    /// Total physical memory.
    pub total: u64,
    /// Available memory.
    pub available: u64,
    /// Used memory.
    pub used: u64,
    /// Free memory.
    pub free: u64,
    /// Active memory.
    pub active: u64,
    /// Inactive memory.
    pub inactive: u64,
    /// Buffers.
    pub buffers: u64,
    /// Cached memory.
    pub cached: u64,
    /// Shared memory.
    pub shared: u64,
    /// Wired memory.
    pub wired: u64,
}

/// OpenBSD (`arch/openbsd/mem.c`, `_psbsd.py`): `total` = `hw.physmem64`;
/// free/active/inactive/wired from UVM; `cached` = the buffer cache's pages
/// (`bcachestats.numbufpages`, what `top(1)` reports); `buffers` = 0;
/// `shared` = `vmtotal.t_rmshr` pages in bytes (psutil 7.2.2 adds `t_vmshr` and
/// forgets the page size, #2811; psutil 8 reports this). `available = inactive
/// + cached + free`, `used = active + wired + cached`.
pub fn openbsd_memory(physmem: u64, u: &Uvm, bufpages: u64, rmshr_pages: u64) -> Memory {
    let free = u.bytes(u.free);
    let active = u.bytes(u.active);
    let inactive = u.bytes(u.inactive);
    let wired = u.bytes(u.wired);
    let cached = u.bytes(bufpages);
    Memory {
        total: physmem,
        available: inactive.saturating_add(cached).saturating_add(free),
        used: active.saturating_add(wired).saturating_add(cached),
        free,
        active,
        inactive,
        buffers: 0,
        cached,
        shared: u.bytes(rmshr_pages),
        wired,
    }
}

/// NetBSD (`arch/netbsd/mem.c`, `_psbsd.py`): `total = npages`, free, active,
/// inactive, wired from UVM; `cached = filepages + execpages + anonpages`
/// (psutil 7.2.2's sum, #2814). psutil 7.2.2 reads `buffers` and `shared` from
/// procfs's `/proc/meminfo`, whose `Buffers:` is `filepages` and `MemShared:`
/// 0 (NetBSD `procfs_linux.c`): the same values are taken here from the record.
/// `used = active + wired`, `available = total − used` (as htop, psutil #2233).
pub fn netbsd_memory(u: &Uvm) -> Memory {
    let total = u.bytes(u.npages);
    let active = u.bytes(u.active);
    let wired = u.bytes(u.wired);
    let used = active.saturating_add(wired);
    Memory {
        total,
        available: total.saturating_sub(used),
        used,
        free: u.bytes(u.free),
        active,
        inactive: u.bytes(u.inactive),
        buffers: u.bytes(u.filepages),
        cached: u.bytes(
            u.filepages
                .saturating_add(u.execpages)
                .saturating_add(u.anonpages),
        ),
        shared: 0,
        wired,
    }
}

/// Where the fields psutil reads lie in `struct swapent` (`sys/swap.h`; `se_dev`
/// is a `dev_t`, 32-bit on OpenBSD and 64-bit on NetBSD, so the offsets differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapLayout {
    /// `sizeof(struct swapent)`.
    pub size: usize,
    /// `se_flags`.
    pub flags: Field,
    /// `se_nblks`: size in `DEV_BSIZE` blocks.
    pub nblks: Field,
    /// `se_inuse`: blocks in use.
    pub inuse: Field,
}

/// `SWF_ENABLE` (`sys/swap.h`): the device is swapped on.
pub const SWF_ENABLE: i64 = 0x2;
/// `DEV_BSIZE` (`sys/param.h`): the unit of `se_nblks` and `se_inuse`.
pub const DEV_BSIZE: u64 = 512;

/// Swap space in bytes, summed over devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SwapTotals {
    /// Total swap.
    pub total: u64,
    /// Used swap (`total − free`).
    pub used: u64,
    /// Free swap.
    pub free: u64,
}

/// Sums the first `count` records of `buf` (what `swapctl(SWAP_STATS, buf, n)`
/// filled; it returns `count`) over the devices with [`SWF_ENABLE`]: `total = Σ
/// se_nblks × DEV_BSIZE`, `free = Σ (se_nblks − se_inuse) × DEV_BSIZE`, as psutil.
/// Negative block counts read as 0.
pub fn swap_totals(buf: &[u8], count: usize, l: &SwapLayout) -> Result<SwapTotals> {
    if l.size == 0 {
        return Err(ParseError::new("swapent size 0"));
    }
    let need = count
        .checked_mul(l.size)
        .filter(|n| *n <= buf.len())
        .ok_or_else(|| {
            ParseError::new(format!(
                "{count} swap entries of {} bytes overrun the {}-byte buffer",
                l.size,
                buf.len()
            ))
        })?;
    let mut blocks: u64 = 0;
    let mut free_blocks: u64 = 0;
    for rec in buf[..need].chunks_exact(l.size) {
        if read_i(rec, l.flags)? & SWF_ENABLE == 0 {
            continue;
        }
        let nblks = read_count(rec, l.nblks)?;
        let inuse = read_count(rec, l.inuse)?;
        blocks = blocks.saturating_add(nblks);
        free_blocks = free_blocks.saturating_add(nblks.saturating_sub(inuse));
    }
    let total = blocks.saturating_mul(DEV_BSIZE);
    let free = free_blocks.saturating_mul(DEV_BSIZE);
    Ok(SwapTotals {
        total,
        used: total.saturating_sub(free),
        free,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// OpenBSD-like: 4-byte members at their `uvmexp.h` positions (index × 4).
    fn obsd_layout() -> UvmLayout {
        let f = |i: usize| Field::new(i * 4, 4);
        UvmLayout {
            pageshift: f(2),
            npages: f(3),
            free: f(4),
            active: f(5),
            inactive: f(6),
            wired: f(8),
            intrs: f(35),
            swtch: f(36),
            softs: f(37),
            syscalls: f(38),
            pgswapin: f(42),
            pgswapout: f(43),
            anonpages: None,
            filepages: None,
            execpages: None,
        }
    }

    /// NetBSD-like: 8-byte members at their `uvmexp_sysctl` positions (index × 8).
    fn nbsd_layout() -> UvmLayout {
        let f = |i: usize| Field::new(i * 8, 8);
        UvmLayout {
            pageshift: f(2),
            npages: f(3),
            free: f(4),
            active: f(5),
            inactive: f(6),
            wired: f(8),
            intrs: f(26),
            swtch: f(27),
            softs: f(28),
            syscalls: f(29),
            pgswapin: f(33),
            pgswapout: f(34),
            anonpages: Some(f(71)),
            filepages: Some(f(72)),
            execpages: Some(f(73)),
        }
    }

    fn put4(buf: &mut [u8], i: usize, v: i32) {
        buf[i * 4..i * 4 + 4].copy_from_slice(&v.to_ne_bytes());
    }

    fn put8(buf: &mut [u8], i: usize, v: i64) {
        buf[i * 8..i * 8 + 8].copy_from_slice(&v.to_ne_bytes());
    }

    fn obsd_record() -> Vec<u8> {
        let mut b = vec![0u8; 86 * 4];
        put4(&mut b, 0, 4096);
        put4(&mut b, 2, 12);
        put4(&mut b, 3, 1000);
        put4(&mut b, 4, 100);
        put4(&mut b, 5, 200);
        put4(&mut b, 6, 300);
        put4(&mut b, 8, 50);
        put4(&mut b, 35, 7);
        put4(&mut b, 36, -2); // a context-switch counter past 2^31
        put4(&mut b, 37, 9);
        put4(&mut b, 38, 10);
        put4(&mut b, 42, 3);
        put4(&mut b, 43, 4);
        b
    }

    #[test]
    fn openbsd_uvmexp() {
        let u = decode_uvm(&obsd_record(), &obsd_layout()).unwrap();
        assert_eq!(
            u,
            Uvm {
                pageshift: 12,
                npages: 1000,
                free: 100,
                active: 200,
                inactive: 300,
                wired: 50,
                swtch: 0xffff_fffe,
                intrs: 7,
                softs: 9,
                syscalls: 10,
                pgswapin: 3,
                pgswapout: 4,
                anonpages: 0,
                filepages: 0,
                execpages: 0,
            }
        );
        assert_eq!(u.page_size(), 4096);
        // A newer kernel's longer record decodes the same; a short one fails.
        let mut longer = obsd_record();
        longer.extend_from_slice(&[0xff; 12]);
        assert_eq!(decode_uvm(&longer, &obsd_layout()).unwrap(), u);
        assert!(decode_uvm(&obsd_record()[..160], &obsd_layout()).is_err());
    }

    #[test]
    fn openbsd_figures() {
        let u = decode_uvm(&obsd_record(), &obsd_layout()).unwrap();
        let m = openbsd_memory(8 << 20, &u, 25, 5);
        let p = 4096;
        assert_eq!(
            m,
            Memory {
                total: 8 << 20,
                available: (300 + 25 + 100) * p,
                used: (200 + 50 + 25) * p,
                free: 100 * p,
                active: 200 * p,
                inactive: 300 * p,
                buffers: 0,
                cached: 25 * p,
                shared: 5 * p,
                wired: 50 * p,
            }
        );
    }

    fn nbsd_record() -> Vec<u8> {
        let mut b = vec![0u8; 89 * 8];
        put8(&mut b, 0, 4096);
        put8(&mut b, 2, 12);
        put8(&mut b, 3, 2000);
        put8(&mut b, 4, 400);
        put8(&mut b, 5, 500);
        put8(&mut b, 6, 600);
        put8(&mut b, 8, 70);
        put8(&mut b, 26, 11);
        put8(&mut b, 27, 1 << 40);
        put8(&mut b, 28, 13);
        put8(&mut b, 29, 14);
        put8(&mut b, 33, 15);
        put8(&mut b, 34, 16);
        put8(&mut b, 71, 30);
        put8(&mut b, 72, 20);
        put8(&mut b, 73, 10);
        b
    }

    #[test]
    fn netbsd_uvmexp_sysctl() {
        let u = decode_uvm(&nbsd_record(), &nbsd_layout()).unwrap();
        assert_eq!(u.swtch, 1 << 40);
        assert_eq!(
            (u.intrs, u.softs, u.syscalls, u.pgswapin, u.pgswapout),
            (11, 13, 14, 15, 16)
        );
        assert_eq!((u.anonpages, u.filepages, u.execpages), (30, 20, 10));
        let p = 4096;
        assert_eq!(
            netbsd_memory(&u),
            Memory {
                total: 2000 * p,
                available: (2000 - 500 - 70) * p,
                used: (500 + 70) * p,
                free: 400 * p,
                active: 500 * p,
                inactive: 600 * p,
                buffers: 20 * p,
                cached: 60 * p,
                shared: 0,
                wired: 70 * p,
            }
        );
    }

    #[test]
    fn bad_pageshift_and_negative_pages() {
        let mut b = nbsd_record();
        put8(&mut b, 2, 64);
        assert!(decode_uvm(&b, &nbsd_layout()).is_err());
        put8(&mut b, 2, -1);
        assert!(decode_uvm(&b, &nbsd_layout()).is_err());
        let mut b = nbsd_record();
        put8(&mut b, 4, -5);
        assert_eq!(decode_uvm(&b, &nbsd_layout()).unwrap().free, 0);
        // used > total: available is 0, not a wrap.
        let mut b = nbsd_record();
        put8(&mut b, 3, 10);
        assert_eq!(
            netbsd_memory(&decode_uvm(&b, &nbsd_layout()).unwrap()).available,
            0
        );
    }

    /// OpenBSD-like `struct swapent`: dev_t (4), flags, nblks, inuse, priority,
    /// path[1025], padded to 1048.
    fn swap_layout() -> SwapLayout {
        SwapLayout {
            size: 1048,
            flags: Field::new(4, 4),
            nblks: Field::new(8, 4),
            inuse: Field::new(12, 4),
        }
    }

    fn swapent(flags: i32, nblks: i32, inuse: i32) -> Vec<u8> {
        let mut r = vec![0u8; 1048];
        r[4..8].copy_from_slice(&flags.to_ne_bytes());
        r[8..12].copy_from_slice(&nblks.to_ne_bytes());
        r[12..16].copy_from_slice(&inuse.to_ne_bytes());
        r
    }

    #[test]
    fn swap() {
        let mut buf = swapent(0x3, 2048, 512);
        buf.extend(swapent(0x1, 4096, 4096)); // not enabled: left out
        buf.extend(swapent(0x2, 1024, 0));
        buf.extend(swapent(0x2, 999, 0)); // beyond the count returned
        let t = swap_totals(&buf, 3, &swap_layout()).unwrap();
        assert_eq!(
            t,
            SwapTotals {
                total: 3072 * 512,
                used: 512 * 512,
                free: 2560 * 512,
            }
        );
        assert_eq!(
            swap_totals(&[], 0, &swap_layout()).unwrap(),
            SwapTotals::default()
        );
        assert!(swap_totals(&buf, 5, &swap_layout()).is_err());
        // More blocks in use than the device has: free 0, not a wrap.
        let t = swap_totals(&swapent(0x2, 10, 20), 1, &swap_layout()).unwrap();
        assert_eq!((t.total, t.used, t.free), (5120, 5120, 0));
    }

    proptest! {
        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..1200),
                        count in 0usize..4, physmem in any::<u64>(),
                        bufpages in any::<u64>(), shr in any::<u64>()) {
            for l in [obsd_layout(), nbsd_layout()] {
                if let Ok(u) = decode_uvm(&buf, &l) {
                    let _ = openbsd_memory(physmem, &u, bufpages, shr);
                    let _ = netbsd_memory(&u);
                }
            }
            let _ = swap_totals(&buf, count, &swap_layout());
            let _ = swap_totals(&buf, count, &SwapLayout { size: 0, ..swap_layout() });
        }
    }
}
