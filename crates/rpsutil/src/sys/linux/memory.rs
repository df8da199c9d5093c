//! System memory: `/proc/meminfo`, `/proc/zoneinfo`, `/proc/vmstat`.

use rpsutil_parse::linux::{meminfo, vmstat, zoneinfo};

use super::errors::parse_error;
use super::files::read;
use crate::common::percent::usage_percent;
use crate::memory::{SwapMemory, VirtualMemory};
use crate::sys::unix::page_size;
use crate::{Error, Result};

fn meminfo() -> Result<meminfo::Meminfo> {
    let path = crate::sys::procfs_root().join("meminfo");
    let data = read(&path).map_err(|e| Error::os(e, path.display().to_string()))?;
    meminfo::parse_meminfo(&data).map_err(|e| parse_error(&path, e))
}

fn required(m: &meminfo::Meminfo, key: &str) -> Result<u64> {
    m.get(key).ok_or_else(|| Error::Parse {
        path: crate::sys::procfs_root()
            .join("meminfo")
            .display()
            .to_string(),
        detail: format!("no {key} line"),
    })
}

/// `MemAvailable` for kernels before 3.14, which lack it: the kernel's own estimate
/// recomputed from `/proc/zoneinfo` (psutil's `calculate_avail_vmem`).
fn estimate_available(m: &meminfo::Meminfo) -> Result<u64> {
    let zone = read(&crate::sys::procfs_root().join("zoneinfo")).ok();
    let path = crate::sys::procfs_root().join("zoneinfo");
    let avail = zoneinfo::calculate_avail_vmem(m, zone.as_deref(), page_size())
        .map_err(|e| parse_error(&path, e))?;
    Ok(u64::try_from(avail).unwrap_or(0))
}

/// psutil's `virtual_memory` on Linux (see [`crate::memory::VirtualMemory`]).
pub(crate) fn virtual_memory() -> Result<VirtualMemory> {
    let m = meminfo()?;
    let total = required(&m, "MemTotal")?;
    let free = required(&m, "MemFree")?;
    let cached = m.get("Cached").unwrap_or(0) + m.get("SReclaimable").unwrap_or(0);
    let shared = m.get("Shmem").or_else(|| m.get("MemShared")).unwrap_or(0);
    let inactive = m.get("Inactive").unwrap_or_else(|| {
        m.get("Inact_dirty").unwrap_or(0)
            + m.get("Inact_clean").unwrap_or(0)
            + m.get("Inact_laundry").unwrap_or(0)
    });
    let mut available = match m.get("MemAvailable") {
        Some(a) if a > 0 => a,
        _ => estimate_available(&m)?,
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
        active: Some(m.get("Active").unwrap_or(0)),
        inactive: Some(inactive),
        buffers: Some(m.get("Buffers").unwrap_or(0)),
        cached: Some(cached),
        shared: Some(shared),
        slab: Some(m.get("Slab").unwrap_or(0)),
        wired: None,
    })
}

/// psutil's `swap_memory` on Linux; sin/sout are pages × the real page size (psutil
/// multiplies by 4096 whatever the page size, its bug 11).
pub(crate) fn swap_memory() -> Result<SwapMemory> {
    let m = meminfo()?;
    let total = required(&m, "SwapTotal")?;
    let free = required(&m, "SwapFree")?;
    let used = total.saturating_sub(free);
    let path = crate::sys::procfs_root().join("vmstat");
    let (sin, sout) = match read(&path) {
        Ok(d) => {
            let v = vmstat::parse_vmstat(&d).map_err(|e| parse_error(&path, e))?;
            v.swap_in_out(page_size()).unwrap_or((0, 0))
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
