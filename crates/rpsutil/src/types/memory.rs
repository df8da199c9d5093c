//! Memory types: psutil's `svmem`, `sswap`.

use serde::Serialize;

/// psutil's `svmem`: physical memory, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct VirtualMemory {
    /// Total physical memory.
    pub total: u64,
    /// Memory that can be given to processes without swapping (Linux `MemAvailable`, or
    /// the kernel's own estimate computed from `/proc/zoneinfo` on kernels before 3.14).
    pub available: u64,
    /// `(total - available) / total * 100`, rounded to one decimal.
    pub percent: f64,
    /// `total - available` (psutil 7.1+, as procps-ng 4 `free`).
    pub used: u64,
    /// Memory not used at all (`MemFree`).
    pub free: u64,
    /// Recently used memory (Linux, macOS, BSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<u64>,
    /// Memory not recently used (Linux, macOS, BSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inactive: Option<u64>,
    /// File-system metadata cache (Linux, BSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buffers: Option<u64>,
    /// Page cache plus reclaimable slab (`Cached + SReclaimable`, as `free`'s "cache").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached: Option<u64>,
    /// Shared memory, tmpfs included (`Shmem`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<u64>,
    /// Kernel slab (`Slab`, Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slab: Option<u64>,
    /// Wired memory (macOS, BSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wired: Option<u64>,
}

/// psutil's `sswap`: swap space, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SwapMemory {
    /// Total swap.
    pub total: u64,
    /// Used swap.
    pub used: u64,
    /// Free swap.
    pub free: u64,
    /// `used / total * 100`, one decimal; 0.0 without swap.
    pub percent: f64,
    /// Bytes swapped in since boot (cumulative).
    pub sin: u64,
    /// Bytes swapped out since boot (cumulative).
    pub sout: u64,
}
