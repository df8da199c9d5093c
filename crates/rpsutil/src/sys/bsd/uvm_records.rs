//! What OpenBSD and NetBSD share once their kernels' records are decoded: both
//! count memory and CPU events in UVM (`rpsutil_parse::bsd::uvm`), swap through
//! `swapctl(2)`, and disk transfers in one record per disk
//! (`rpsutil_parse::bsd::disk`). Each OS's `*_stats.rs` reads its own sysctls
//! and hands the decoded values to these conversions into psutil's records.

use rpsutil_parse::bsd::disk::DiskStat;
use rpsutil_parse::bsd::uvm::{Memory, Uvm};

use crate::common::percent::usage_percent;
use crate::sys::records::DiskIoEntry;
use crate::types::cpu::CpuStats;
use crate::types::disk::DiskIoCounters;
use crate::types::memory::{SwapMemory, VirtualMemory};
use crate::Result;

/// psutil's `svmem` from the OS's memory formulas; `percent` is used over total
/// (`total - available`), `slab` does not exist on these systems.
pub(super) fn virtual_memory(m: Memory) -> VirtualMemory {
    VirtualMemory {
        total: m.total,
        available: m.available,
        percent: usage_percent(m.total.saturating_sub(m.available) as f64, m.total as f64),
        used: m.used,
        free: m.free,
        active: Some(m.active),
        inactive: Some(m.inactive),
        buffers: Some(m.buffers),
        cached: Some(m.cached),
        shared: Some(m.shared),
        slab: None,
        wired: Some(m.wired),
    }
}

/// `swapctl(SWAP_STATS)` totals, zeros without swap (psutil 7.2.2 raises OSError
/// on OpenBSD there); `sin`/`sout` are UVM's `pgswapin`/`pgswapout` × page size,
/// from `uvm`, read only when there is swap.
pub(super) fn swap_memory(uvm: impl FnOnce() -> Result<Uvm>) -> Result<SwapMemory> {
    let t = super::swapctl::totals()?;
    let (sin, sout) = if t.total == 0 {
        (0, 0)
    } else {
        let u = uvm()?;
        (u.bytes(u.pgswapin), u.bytes(u.pgswapout))
    };
    Ok(SwapMemory {
        total: t.total,
        used: t.used,
        free: t.free,
        percent: usage_percent(t.used as f64, t.total as f64),
        sin,
        sout,
    })
}

/// UVM's `swtch`, `intrs`, `softs` and `syscalls`.
pub(super) fn cpu_stats(u: &Uvm) -> CpuStats {
    CpuStats {
        ctx_switches: u.swtch,
        interrupts: u.intrs,
        soft_interrupts: u.softs,
        syscalls: u.syscalls,
    }
}

/// psutil's four disk counters (reads, writes, bytes read, bytes written); the
/// times are 0 and left out of psutil's `sdiskio` on these systems.
pub(super) fn disk_io_entries(disks: Vec<DiskStat>) -> Vec<DiskIoEntry> {
    disks
        .into_iter()
        .map(|d| DiskIoEntry {
            name: d.name,
            counters: DiskIoCounters {
                read_count: d.reads,
                write_count: d.writes,
                read_bytes: d.read_bytes,
                write_bytes: d.write_bytes,
                read_time: 0,
                write_time: 0,
                read_merged_count: None,
                write_merged_count: None,
                busy_time: None,
            },
            is_storage_device: true,
        })
        .collect()
}
