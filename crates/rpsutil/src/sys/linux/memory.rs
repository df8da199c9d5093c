//! System memory: `/proc/meminfo`, `/proc/zoneinfo`, `/proc/vmstat`.

use rpsutil_parse::linux::{meminfo, vmstat, zoneinfo};

use super::files::parse_error;
use super::files::{parse_file, read, with_file};
use crate::common::percent::usage_percent;
use crate::sys::posix::page_size;
use crate::types::memory::{SwapMemory, VirtualMemory};
use crate::{Error, Result};

/// Reads `/proc/meminfo` once and returns the values of `keys` (no allocation).
fn meminfo_values<const N: usize>(keys: [&str; N]) -> Result<[Option<u64>; N]> {
    parse_file(&crate::sys::roots::procfs_root().join("meminfo"), |d| {
        meminfo::meminfo_values(d, keys)
    })
}

fn required(v: Option<u64>, key: &str) -> Result<u64> {
    v.ok_or_else(|| Error::Parse {
        path: crate::sys::roots::procfs_root()
            .join("meminfo")
            .display()
            .to_string(),
        detail: format!("no {key} line"),
    })
}

/// `MemAvailable` for kernels before 3.14, which lack it: the kernel's own estimate
/// recomputed from the whole meminfo and `/proc/zoneinfo` (psutil's
/// `calculate_avail_vmem`).
fn estimate_available(m: &meminfo::Meminfo) -> Result<u64> {
    let zone_path = crate::sys::roots::procfs_root().join("zoneinfo");
    let zone = read(&zone_path).ok();
    let avail = zoneinfo::calculate_avail_vmem(m, zone.as_deref(), page_size())
        .map_err(|e| parse_error(&zone_path, e))?;
    Ok(u64::try_from(avail).unwrap_or(0))
}

/// psutil's `virtual_memory` on Linux (see [`crate::memory::VirtualMemory`]).
pub(crate) fn virtual_memory() -> Result<VirtualMemory> {
    const KEYS: [&str; 14] = [
        "MemTotal",
        "MemFree",
        "Buffers",
        "Cached",
        "SReclaimable",
        "Shmem",
        "MemShared",
        "Active",
        "Inactive",
        "Inact_dirty",
        "Inact_clean",
        "Inact_laundry",
        "Slab",
        "MemAvailable",
    ];
    // One read of meminfo: the keys above, and the whole table only when
    // MemAvailable is missing (old kernels) and has to be estimated from it.
    let (values, whole) = parse_file(&crate::sys::roots::procfs_root().join("meminfo"), |d| {
        let v = meminfo::meminfo_values(d, KEYS)?;
        let whole = match v[13] {
            Some(a) if a > 0 => None,
            _ => Some(meminfo::parse_meminfo(d)?),
        };
        Ok((v, whole))
    })?;
    let [total, free, buffers, cached, srecl, shmem, memshared, active, inactive, inact_dirty, inact_clean, inact_laundry, slab, available] =
        values;
    let total = required(total, "MemTotal")?;
    let free = required(free, "MemFree")?;
    let cached = cached.unwrap_or(0) + srecl.unwrap_or(0);
    let shared = shmem.or(memshared).unwrap_or(0);
    let inactive = inactive.unwrap_or_else(|| {
        inact_dirty.unwrap_or(0) + inact_clean.unwrap_or(0) + inact_laundry.unwrap_or(0)
    });
    let mut available = match (available, &whole) {
        (_, Some(m)) => estimate_available(m)?,
        (a, None) => a.unwrap_or(0),
    };
    // Containers (LXC) can report more available than total: psutil uses free then.
    if available > total {
        available = free;
    }
    let used = total - available;
    Ok(VirtualMemory {
        total,
        available,
        percent: usage_percent(used as f64, total as f64),
        used,
        free,
        active: Some(active.unwrap_or(0)),
        inactive: Some(inactive),
        buffers: Some(buffers.unwrap_or(0)),
        cached: Some(cached),
        shared: Some(shared),
        slab: Some(slab.unwrap_or(0)),
        wired: None,
    })
}

/// psutil's `swap_memory` on Linux; sin/sout are pages × the real page size (psutil
/// multiplies by 4096 whatever the page size, its bug 11).
pub(crate) fn swap_memory() -> Result<SwapMemory> {
    let [total, free] = meminfo_values(["SwapTotal", "SwapFree"])?;
    let total = required(total, "SwapTotal")?;
    let free = required(free, "SwapFree")?;
    let used = total.saturating_sub(free);
    let path = crate::sys::roots::procfs_root().join("vmstat");
    let (sin, sout) = match with_file(&path, |d| vmstat::vmstat_values(d, ["pswpin", "pswpout"])) {
        Ok(values) => {
            let [pin, pout] = values.map_err(|e| parse_error(&path, e))?;
            let bytes = |pages: Option<u64>| pages.unwrap_or(0).saturating_mul(page_size());
            (bytes(pin), bytes(pout))
        }
        Err(_) => (0, 0),
    };
    Ok(SwapMemory {
        total,
        used,
        free,
        percent: usage_percent(used as f64, total as f64),
        sin,
        sout,
    })
}
