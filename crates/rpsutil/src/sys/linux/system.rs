//! System-wide values the process API needs: boot time, total memory, CPU counts.

use std::sync::OnceLock;

use rpsutil_parse::linux::{meminfo, proc_stat};

use super::errors::parse_error;
use super::files::read;
use crate::{Error, Result};

/// Boot time in seconds since the epoch (`btime` of `/proc/stat`), read once per
/// program run: psutil re-reads it, but it only moves when the wall clock is stepped.
pub(crate) fn boot_time() -> Result<f64> {
    static BOOT: OnceLock<f64> = OnceLock::new();
    if let Some(b) = BOOT.get() {
        return Ok(*b);
    }
    let path = crate::sys::procfs_root().join("stat");
    let data = read(&path).map_err(|e| Error::os(e, path.display().to_string()))?;
    let b = proc_stat::parse_btime(&data).map_err(|e| parse_error(&path, e))? as f64;
    Ok(*BOOT.get_or_init(|| b))
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
pub(crate) fn total_memory() -> Result<u64> {
    let path = crate::sys::procfs_root().join("meminfo");
    let data = read(&path).map_err(|e| Error::os(e, path.display().to_string()))?;
    let m = meminfo::parse_meminfo(&data).map_err(|e| parse_error(&path, e))?;
    m.get("MemTotal").ok_or_else(|| Error::Parse {
        path: path.display().to_string(),
        detail: "no MemTotal line".into(),
    })
}

/// The CPUs listed in `/proc/stat` (psutil's `len(per_cpu_times())`), the range a CPU
/// number of `cpu_affinity` must fall in.
pub(crate) fn cpu_count_in_proc_stat() -> Result<u32> {
    let path = crate::sys::procfs_root().join("stat");
    let data = read(&path).map_err(|e| Error::os(e, path.display().to_string()))?;
    Ok(proc_stat::count_cpu_lines(&data) as u32)
}
