//! System-wide values the process API needs: boot time, total memory, CPU range.

use std::sync::OnceLock;

use rpsutil_parse::linux::{meminfo, proc_stat};

use super::files::parse_file;
use crate::{Error, Result};

/// Boot time in seconds since the epoch, read once per program run for processes'
/// `create_time` (psutil re-reads it, but it only moves when the wall clock is
/// stepped). `crate::boot_time()` itself reads it fresh.
pub(crate) fn boot_time() -> Result<f64> {
    static BOOT: OnceLock<f64> = OnceLock::new();
    if let Some(b) = BOOT.get() {
        return Ok(*b);
    }
    let b = super::host::boot_time_fresh()?;
    Ok(*BOOT.get_or_init(|| b))
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
pub(crate) fn total_memory() -> Result<u64> {
    let path = crate::sys::procfs_root().join("meminfo");
    let [total] = parse_file(&path, |d| meminfo::meminfo_values(d, ["MemTotal"]))?;
    total.ok_or_else(|| Error::Parse {
        path: path.display().to_string(),
        detail: "no MemTotal line".into(),
    })
}

/// The CPUs listed in `/proc/stat` (psutil's `len(per_cpu_times())`), the range a CPU
/// number of `cpu_affinity` must fall in.
pub(crate) fn cpu_count_in_proc_stat() -> Result<u32> {
    let path = crate::sys::procfs_root().join("stat");
    Ok(parse_file(&path, |d| Ok(proc_stat::count_cpu_lines(d)))? as u32)
}
