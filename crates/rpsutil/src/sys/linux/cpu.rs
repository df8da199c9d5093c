//! System CPU data: `/proc/stat`, `/proc/cpuinfo`, `/sys/devices/system/cpu`.

use std::path::{Path, PathBuf};

use rpsutil_parse::linux::{cpuinfo, proc_stat};

use super::files::{parse_file, read, read_sysfs_number};
use crate::sys::posix::clock_ticks;
use crate::types::cpu::{CpuFreq, CpuStats, SystemCpuTimes};
use crate::Result;

fn parse_proc<T>(rel: &str, parse: impl FnOnce(&[u8]) -> rpsutil_parse::Result<T>) -> Result<T> {
    parse_file(&crate::sys::roots::procfs_root().join(rel), parse)
}

fn to_seconds(t: &proc_stat::CpuTimes) -> SystemCpuTimes {
    let hz = clock_ticks();
    let s = |v: u64| v as f64 / hz;
    SystemCpuTimes {
        user: s(t.user),
        nice: Some(s(t.nice)),
        system: s(t.system),
        idle: s(t.idle),
        iowait: t.iowait.map(s),
        irq: t.irq.map(s),
        softirq: t.softirq.map(s),
        steal: t.steal.map(s),
        guest: t.guest.map(s),
        guest_nice: t.guest_nice.map(s),
        interrupt: None,
        dpc: None,
    }
}

fn cpu_table() -> Result<proc_stat::CpuTimesTable> {
    parse_proc("stat", proc_stat::parse_cpu_times)
}

/// The `cpu` line of `/proc/stat` in seconds.
pub(crate) fn system_cpu_times() -> Result<SystemCpuTimes> {
    Ok(to_seconds(&cpu_table()?.total))
}

/// The `cpuN` lines (online CPUs only) in seconds.
pub(crate) fn system_cpu_times_percpu() -> Result<Vec<SystemCpuTimes>> {
    Ok(cpu_table()?
        .per_cpu
        .iter()
        .map(|(_, t)| to_seconds(t))
        .collect())
}

/// `ctxt`, `intr`, `softirq` of `/proc/stat`.
pub(crate) fn cpu_stats() -> Result<CpuStats> {
    let s = parse_proc("stat", proc_stat::parse_cpu_stats)?;
    Ok(CpuStats {
        ctx_switches: s.ctxt.unwrap_or(0),
        interrupts: s.intr.unwrap_or(0),
        soft_interrupts: s.softirq.unwrap_or(0),
        syscalls: 0,
    })
}

/// Online logical CPUs (`sysconf(_SC_NPROCESSORS_ONLN)`, as psutil and `nproc --all`
/// would not: `nproc` honours affinity, this does not).
pub(crate) fn cpu_count_logical() -> Result<Option<u32>> {
    // SAFETY: sysconf only reads a configuration value.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if n > 0 {
        return Ok(u32::try_from(n).ok());
    }
    // The `cpuN` lines of /proc/stat (psutil's fallback).
    let path = crate::sys::roots::procfs_root().join("stat");
    let n = parse_file(&path, |d| Ok(proc_stat::count_cpu_lines(d)))? as u32;
    Ok((n > 0).then_some(n))
}

/// CPU directories `cpuN` under `/sys/devices/system/cpu`, sorted by N.
fn cpu_dirs(sys: &Path) -> Vec<(u32, PathBuf)> {
    let base = sys.join("devices/system/cpu");
    let mut out: Vec<(u32, PathBuf)> = std::fs::read_dir(&base)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name();
                    let n = name.to_str()?.strip_prefix("cpu")?.parse().ok()?;
                    Some((n, e.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by_key(|(n, _)| *n);
    out
}

/// Physical cores: distinct `topology/core_cpus_list` (or `thread_siblings_list`)
/// contents, else `physical id`/`cpu cores` of `/proc/cpuinfo` (psutil's rules).
pub(crate) fn cpu_count_cores() -> Result<Option<u32>> {
    let sys = crate::sys::roots::sysfs_root();
    for file in ["topology/core_cpus_list", "topology/thread_siblings_list"] {
        let lists: Vec<Vec<u8>> = cpu_dirs(&sys)
            .iter()
            .filter_map(|(_, dir)| read(&dir.join(file)).ok())
            .collect();
        let n = cpuinfo::count_unique_sibling_lists(lists.iter().map(Vec::as_slice));
        if n > 0 {
            return Ok(u32::try_from(n).ok());
        }
    }
    let n = parse_proc("cpuinfo", cpuinfo::cores_from_cpuinfo)?;
    Ok(u32::try_from(n).ok().filter(|&n| n > 0))
}

fn read_khz(path: &Path) -> Option<f64> {
    read_sysfs_number(path).map(|khz| khz / 1000.0)
}

/// Frequency of each CPU in MHz: cpufreq's `scaling_cur_freq` (or `cpuinfo_cur_freq`),
/// `scaling_min_freq`, `scaling_max_freq` per CPU; offline CPUs are left out (psutil
/// counts them as zeros and reports per policy; docs/DIFFERENCES.md). Without cpufreq,
/// `cpu MHz` of `/proc/cpuinfo` with min = max = 0.
pub(crate) fn cpu_freq_percpu() -> Result<Vec<CpuFreq>> {
    let sys = crate::sys::roots::sysfs_root();
    let mut out = Vec::new();
    for (n, dir) in cpu_dirs(&sys) {
        if n > 0 {
            if let Ok(online) = read(&dir.join("online")) {
                if online.first() == Some(&b'0') {
                    continue;
                }
            }
        }
        let freq = dir.join("cpufreq");
        let Some(current) = read_khz(&freq.join("scaling_cur_freq"))
            .or_else(|| read_khz(&freq.join("cpuinfo_cur_freq")))
        else {
            continue;
        };
        out.push(CpuFreq {
            current,
            min: read_khz(&freq.join("scaling_min_freq")).unwrap_or(0.0),
            max: read_khz(&freq.join("scaling_max_freq")).unwrap_or(0.0),
        });
    }
    if !out.is_empty() {
        return Ok(out);
    }
    Ok(parse_proc("cpuinfo", cpuinfo::cpu_mhz)?
        .into_iter()
        .map(|mhz| CpuFreq {
            current: mhz,
            min: 0.0,
            max: 0.0,
        })
        .collect())
}
