//! `virtual_memory`, `swap_memory`, `total_memory`: psutil's `mem.c` (7.2.2).

use windows_sys::Win32::System::ProcessStatus::{K32GetPerformanceInfo, PERFORMANCE_INFORMATION};

use super::errors::last_error;
use super::pdh;
use crate::common::percent::{round1, usage_percent};
use crate::types::memory::{SwapMemory, VirtualMemory};
use crate::Result;

/// `GetPerformanceInfo` (psutil 7.2.2's source for both memory calls).
fn performance_info() -> Result<PERFORMANCE_INFORMATION> {
    // SAFETY: PERFORMANCE_INFORMATION is plain data; all-zero is a valid value.
    let mut pi: PERFORMANCE_INFORMATION = unsafe { std::mem::zeroed() };
    let cb = std::mem::size_of::<PERFORMANCE_INFORMATION>() as u32;
    // SAFETY: `pi` is writable and `cb` is its size.
    if unsafe { K32GetPerformanceInfo(&mut pi, cb) } == 0 {
        return Err(last_error("GetPerformanceInfo"));
    }
    Ok(pi)
}

fn pages(n: usize, page_size: usize) -> u64 {
    (n as u64).saturating_mul(page_size as u64)
}

/// psutil's `svmem` on Windows: total = `PhysicalTotal` pages, available = free =
/// `PhysicalAvailable` pages, used = total − available, percent to one decimal.
/// The Linux-only fields stay None (psutil has no others on Windows).
pub(crate) fn virtual_memory() -> Result<VirtualMemory> {
    let pi = performance_info()?;
    let total = pages(pi.PhysicalTotal, pi.PageSize);
    let avail = pages(pi.PhysicalAvailable, pi.PageSize).min(total);
    let used = total - avail;
    let percent = usage_percent(used as f64, total as f64);
    Ok(VirtualMemory {
        total,
        available: avail,
        percent,
        used,
        free: avail,
        active: None,
        inactive: None,
        buffers: None,
        cached: None,
        shared: None,
        slab: None,
        wired: None,
    })
}

/// Total physical memory, bytes (the same source as `virtual_memory`).
pub(crate) fn total_memory() -> Result<u64> {
    let pi = performance_info()?;
    Ok(pages(pi.PhysicalTotal, pi.PageSize))
}

/// The PDH counter psutil reads the swap use from.
pub(crate) const SWAP_COUNTER: &str = "\\Paging File(_Total)\\% Usage";

/// psutil's `sswap` on Windows: total = commit limit − physical memory (no sign
/// check in psutil; negative totals are clamped to 0 here); when total > 0 the
/// percent comes from the PDH counter `\Paging File(_Total)\% Usage`, used =
/// `int(0.01 × percent × total)`, free = total − used; sin = sout = 0.
///
/// Errors: where the PDH counter is missing (psutil's `RuntimeError`; Wine 8 has
/// no such counter) the call fails with [`crate::Error::Unsupported`].
pub(crate) fn swap_memory() -> Result<SwapMemory> {
    let pi = performance_info()?;
    let total =
        pages(pi.CommitLimit, pi.PageSize).saturating_sub(pages(pi.PhysicalTotal, pi.PageSize));
    if total == 0 {
        return Ok(swap_from_percent(0, 0.0));
    }
    let percent = pdh::read_once(SWAP_COUNTER)?;
    Ok(swap_from_percent(total, percent))
}

/// psutil's arithmetic from the total and the PDH percent.
pub(crate) fn swap_from_percent(total: u64, percent: f64) -> SwapMemory {
    let percent = if percent.is_finite() {
        percent.clamp(0.0, 100.0)
    } else {
        0.0
    };
    let used = ((0.01 * percent * total as f64) as u64).min(total);
    SwapMemory {
        total,
        used,
        free: total - used,
        percent: round1(percent),
        sin: 0,
        sout: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::wine;

    #[test]
    fn virtual_memory_matches_linux_meminfo_under_wine() {
        let vm = virtual_memory().expect("GetPerformanceInfo");
        assert!(vm.total > 0);
        assert_eq!(vm.used + vm.available, vm.total);
        assert_eq!(vm.free, vm.available);
        assert!((0.0..=100.0).contains(&vm.percent));
        let expect = round1((vm.total - vm.available) as f64 / vm.total as f64 * 100.0);
        assert_eq!(vm.percent, expect);
        assert_eq!(total_memory().expect("total"), vm.total);
        if let Some(mi) = wine::meminfo() {
            // Wine reads /proc/meminfo: PhysicalTotal = MemTotal in 4 KiB pages.
            // Measured: Wine 8 reports one page less than MemTotal even when MemTotal
            // is a whole number of pages, so the tolerance is two pages.
            let mem_total = mi["MemTotal"] * 1024;
            assert!(
                vm.total.abs_diff(mem_total) <= 2 * 4096,
                "total {} vs MemTotal {mem_total}",
                vm.total
            );
            // Available moves while the tests run: within 10 % of MemTotal of
            // MemAvailable (Wine 8 computes it from MemFree + buffers + cache).
            let mem_avail = mi["MemAvailable"] * 1024;
            assert!(
                vm.available.abs_diff(mem_avail) < mem_total / 10,
                "available {} vs MemAvailable {mem_avail}",
                vm.available
            );
        }
    }

    #[test]
    fn totals_agree_with_global_memory_status() {
        use windows_sys::Win32::System::SystemInformation::{GlobalMemoryStatusEx, MEMORYSTATUSEX};
        // SAFETY: MEMORYSTATUSEX is plain data; all-zero is valid.
        let mut ms: MEMORYSTATUSEX = unsafe { std::mem::zeroed() };
        ms.dwLength = std::mem::size_of::<MEMORYSTATUSEX>() as u32;
        // SAFETY: ms is writable and dwLength set.
        assert_ne!(unsafe { GlobalMemoryStatusEx(&mut ms) }, 0);
        // The other documented source of the same number.
        assert_eq!(total_memory().expect("total"), ms.ullTotalPhys);
        let vm = virtual_memory().expect("vm");
        // Available moves between the two calls: within 5 % of the total.
        assert!(
            vm.available.abs_diff(ms.ullAvailPhys) < vm.total / 20,
            "{} vs {}",
            vm.available,
            ms.ullAvailPhys
        );
    }

    #[test]
    fn public_virtual_memory() {
        let vm = crate::virtual_memory().expect("virtual_memory");
        assert!(vm.total >= vm.available && vm.cached.is_none() && vm.active.is_none());
        let json = serde_json::to_value(vm).expect("json");
        let keys: Vec<&str> = json
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        // psutil's svmem fields on Windows, nothing more.
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, ["available", "free", "percent", "total", "used"]);
    }

    #[test]
    fn swap_arithmetic_is_psutils() {
        let s = swap_from_percent(1000, 12.34);
        assert_eq!(
            (s.used, s.free, s.percent, s.sin, s.sout),
            (123, 877, 12.3, 0, 0)
        );
        let s = swap_from_percent(0, 0.0);
        assert_eq!((s.total, s.used, s.free, s.percent), (0, 0, 0, 0.0));
        assert_eq!(swap_from_percent(10, f64::NAN).used, 0);
    }

    #[test]
    fn swap_memory_under_wine_says_unsupported() {
        match crate::swap_memory() {
            Ok(s) => {
                assert_eq!(s.used + s.free, s.total);
                assert!((0.0..=100.0).contains(&s.percent));
                // Wine 8: CommitLimit − PhysicalTotal is 8 KiB (> 0), so psutil goes
                // on to PDH, which Wine lacks: success there would be a change in Wine.
                assert!(wine::version().is_none(), "Wine gave swap {s:?}");
            }
            Err(e) => {
                // Wine 8 gap: PdhAddEnglishCounterW → PDH_CSTATUS_NO_COUNTER.
                assert!(e.is_unsupported(), "{e:?}");
                assert!(e.to_string().contains("Paging File"), "{e}");
            }
        }
    }
}
