//! psutil's USS rules on macOS (`Process.memory_full_info().uss`,
//! `psutil_proc_memory_uss` in `arch/osx/proc.c`, after `libtop_update_vm_regions`
//! of Apple's `top`): the task's VM regions are walked with
//! `mach_vm_region(VM_REGION_TOP_INFO)` and each region's resident pages are
//! counted as private or not by its share mode. The backend makes the Mach calls;
//! what to count, where the shared region lies and when the walk stops are here.
//!
//! Values from XNU `osfmk/mach/vm_region.h` (share modes), `osfmk/mach/machine.h`
//! (CPU types) and `osfmk/mach/shared_region.h` (shared-region bounds).

/// `SM_COW`: copy-on-write.
pub const SM_COW: u8 = 1;
/// `SM_PRIVATE`.
pub const SM_PRIVATE: u8 = 2;
/// `SM_EMPTY`.
pub const SM_EMPTY: u8 = 3;
/// `SM_SHARED`.
pub const SM_SHARED: u8 = 4;
/// `SM_TRUESHARED`.
pub const SM_TRUESHARED: u8 = 5;
/// `SM_LARGE_PAGE`: large pages, never shared and always resident.
pub const SM_LARGE_PAGE: u8 = 8;

/// `CPU_ARCH_ABI64`.
const CPU_ARCH_ABI64: i32 = 0x0100_0000;
/// `CPU_TYPE_X86` (= `CPU_TYPE_I386`).
pub const CPU_TYPE_I386: i32 = 7;
/// `CPU_TYPE_X86_64`.
pub const CPU_TYPE_X86_64: i32 = CPU_TYPE_I386 | CPU_ARCH_ABI64;
/// `CPU_TYPE_ARM` (32-bit).
pub const CPU_TYPE_ARM: i32 = 12;
/// `CPU_TYPE_ARM64`.
pub const CPU_TYPE_ARM64: i32 = CPU_TYPE_ARM | CPU_ARCH_ABI64;

/// The fields of `struct vm_region_top_info` the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegionTop {
    /// `ref_count`: how many maps reference the region's object.
    pub ref_count: u32,
    /// `private_pages_resident`.
    pub private_pages_resident: u32,
    /// `shared_pages_resident`.
    pub shared_pages_resident: u32,
    /// `share_mode` (`SM_*`).
    pub share_mode: u8,
}

/// `[base, base + size)` of the shared region (the dyld shared cache) for a CPU
/// type, None for other types.
///
/// psutil 7.2.2 knows `CPU_TYPE_ARM`, `CPU_TYPE_I386` and `CPU_TYPE_X86_64` only,
/// so on Apple silicon (`CPU_TYPE_ARM64`) it never excludes the shared region and
/// counts the shared cache's copy-on-write pages as the process's own
/// (psutil-unix-semantics §7 item 11). `CPU_TYPE_ARM64` is handled here
/// (docs/DIFFERENCES.md). The x86_64 bounds are those of current XNU headers
/// (macOS 11+), as a psutil built with a current SDK uses.
pub fn shared_region(cpu_type: i32) -> Option<(u64, u64)> {
    match cpu_type {
        CPU_TYPE_ARM => Some((0x4000_0000, 0x4000_0000)),
        CPU_TYPE_ARM64 => Some((0x1_8000_0000, 0x1_8000_0000)),
        CPU_TYPE_I386 => Some((0x9000_0000, 0x2000_0000)),
        CPU_TYPE_X86_64 => Some((0x0000_7FF8_0000_0000, 0x0000_0007_FE00_0000)),
        _ => None,
    }
}

/// True if `addr` lies inside the shared region of `cpu_type`
/// (`psutil_in_shared_region`).
pub fn in_shared_region(addr: u64, cpu_type: i32) -> bool {
    match shared_region(cpu_type) {
        Some((base, size)) => addr >= base && addr - base < size,
        None => false,
    }
}

/// The pages of one region counted as unique to the process:
/// - regions in the shared region count only when `SM_PRIVATE`;
/// - `SM_PRIVATE` and `SM_LARGE_PAGE`: private + shared resident pages;
/// - `SM_COW`: private resident pages, plus the shared ones when the object has a
///   single reference (nobody else can see them);
/// - anything else (`SM_SHARED`, `SM_TRUESHARED`, `SM_EMPTY`, aliases): none.
pub fn unique_pages(region: &RegionTop, in_shared: bool) -> u64 {
    if in_shared && region.share_mode != SM_PRIVATE {
        return 0;
    }
    let private = u64::from(region.private_pages_resident);
    let shared = u64::from(region.shared_pages_resident);
    match region.share_mode {
        SM_PRIVATE | SM_LARGE_PAGE => private + shared,
        SM_COW if region.ref_count == 1 => private + shared,
        SM_COW => private,
        _ => 0,
    }
}

/// Where the walk continues after a region: `mach_vm_region` was asked for the
/// first region at or above `asked` and answered `[addr, addr + size)`. None ends
/// the walk: an empty region, an answer below the question (psutil's guards against
/// an endless loop), or the end of the address space.
pub fn next_address(asked: u64, addr: u64, size: u64) -> Option<u64> {
    if size == 0 || addr < asked {
        return None;
    }
    addr.checked_add(size)
}

/// USS in bytes from a page count (`pages × sysconf(_SC_PAGESIZE)`), saturating.
pub fn uss_bytes(pages: u64, page_size: u64) -> u64 {
    pages.saturating_mul(page_size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn region(mode: u8, refs: u32, private: u32, shared: u32) -> RegionTop {
        RegionTop {
            ref_count: refs,
            private_pages_resident: private,
            shared_pages_resident: shared,
            share_mode: mode,
        }
    }

    #[test]
    fn share_modes() {
        assert_eq!(unique_pages(&region(SM_PRIVATE, 3, 10, 5), false), 15);
        assert_eq!(unique_pages(&region(SM_LARGE_PAGE, 1, 7, 2), false), 9);
        assert_eq!(unique_pages(&region(SM_COW, 1, 4, 6), false), 10);
        assert_eq!(unique_pages(&region(SM_COW, 2, 4, 6), false), 4);
        assert_eq!(unique_pages(&region(SM_SHARED, 1, 4, 6), false), 0);
        assert_eq!(unique_pages(&region(SM_TRUESHARED, 1, 4, 6), false), 0);
        assert_eq!(unique_pages(&region(SM_EMPTY, 1, 4, 6), false), 0);
        assert_eq!(unique_pages(&region(6, 1, 4, 6), false), 0); // SM_PRIVATE_ALIASED
    }

    #[test]
    fn shared_region_counts_only_private() {
        assert_eq!(unique_pages(&region(SM_PRIVATE, 1, 10, 5), true), 15);
        assert_eq!(unique_pages(&region(SM_COW, 1, 10, 5), true), 0);
        assert_eq!(unique_pages(&region(SM_LARGE_PAGE, 1, 10, 5), true), 0);
    }

    #[test]
    fn shared_region_bounds() {
        assert!(in_shared_region(0x1_8000_0000, CPU_TYPE_ARM64));
        assert!(in_shared_region(0x2_FFFF_FFFF, CPU_TYPE_ARM64));
        assert!(!in_shared_region(0x3_0000_0000, CPU_TYPE_ARM64));
        assert!(!in_shared_region(0x1_7FFF_FFFF, CPU_TYPE_ARM64));
        assert!(in_shared_region(0x7FF8_0000_0000, CPU_TYPE_X86_64));
        assert!(!in_shared_region(0x7FFF_FE00_0000, CPU_TYPE_X86_64));
        assert!(in_shared_region(0x9000_0000, CPU_TYPE_I386));
        assert!(in_shared_region(0x4000_0000, CPU_TYPE_ARM));
        assert!(!in_shared_region(0x9000_0000, 18)); // CPU_TYPE_POWERPC
        assert_eq!(shared_region(99), None);
    }

    #[test]
    fn walk_steps() {
        assert_eq!(next_address(0, 0x1000, 0x2000), Some(0x3000));
        assert_eq!(next_address(0x3000, 0x3000, 0x1000), Some(0x4000));
        assert_eq!(next_address(0x3000, 0x8000, 0), None);
        assert_eq!(next_address(0x3000, 0x2000, 0x1000), None);
        assert_eq!(next_address(0, u64::MAX - 1, 2), None);
    }

    #[test]
    fn bytes() {
        assert_eq!(uss_bytes(3, 16384), 49152);
        assert_eq!(uss_bytes(u64::MAX, 4096), u64::MAX);
    }

    proptest! {
        #[test]
        fn never_panics(mode in any::<u8>(), refs in any::<u32>(), p in any::<u32>(),
                        s in any::<u32>(), shared in any::<bool>(), cpu in any::<i32>(),
                        a in any::<u64>(), b in any::<u64>(), c in any::<u64>()) {
            let n = unique_pages(&region(mode, refs, p, s), shared);
            prop_assert!(n <= u64::from(p) + u64::from(s));
            let _ = in_shared_region(a, cpu);
            if let Some(next) = next_address(a, b, c) {
                prop_assert!(next > a);
            }
        }
    }
}
