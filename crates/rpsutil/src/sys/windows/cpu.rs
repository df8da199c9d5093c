//! CPU counts, times and stats: psutil's `cpu.c` (7.2.2).

use windows_sys::Wdk::System::SystemInformation::{
    SystemInterruptInformation, SystemPerformanceInformation, SystemProcessorPerformanceInformation,
};
use windows_sys::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, FILETIME};
use windows_sys::Win32::System::SystemInformation::{
    GetLogicalProcessorInformationEx, GetSystemInfo, RelationAll, RelationProcessorCore,
    SYSTEM_INFO,
};
use windows_sys::Win32::System::Threading::{
    GetActiveProcessorCount, GetSystemTimes, ALL_PROCESSOR_GROUPS,
};

use windows_sys::Win32::System::Power::{
    CallNtPowerInformation, ProcessorInformation, PROCESSOR_POWER_INFORMATION,
};

use super::errors::{last_error, nt_error};
use super::util::{filetime_secs, query_system_information, read_at, ticks_to_secs};
use crate::types::cpu::{CpuFreq, CpuStats, SystemCpuTimes};
use crate::Result;

/// `SYSTEM_PROCESSOR_PERFORMANCE_INFORMATION` with the fields windows-sys keeps
/// opaque (psutil's `ntextapi.h`): 100-ns tick counts and an interrupt count.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct ProcessorPerformance {
    idle_time: i64,
    kernel_time: i64,
    user_time: i64,
    dpc_time: i64,
    interrupt_time: i64,
    interrupt_count: u32,
}

/// Logical CPUs across all processor groups (psutil: `GetActiveProcessorCount(
/// ALL_PROCESSOR_GROUPS)`, `SYSTEM_INFO.dwNumberOfProcessors` if that gives 0).
fn logical() -> u32 {
    // SAFETY: no pointers; ALL_PROCESSOR_GROUPS is a documented argument.
    let n = unsafe { GetActiveProcessorCount(ALL_PROCESSOR_GROUPS) };
    if n != 0 {
        return n;
    }
    // SAFETY: SYSTEM_INFO is plain data; GetSystemInfo fills it and cannot fail.
    let mut si: SYSTEM_INFO = unsafe { std::mem::zeroed() };
    // SAFETY: si is writable.
    unsafe { GetSystemInfo(&mut si) };
    si.dwNumberOfProcessors
}

/// Logical CPUs, None when the OS says 0.
pub(crate) fn cpu_count_logical() -> Result<Option<u32>> {
    Ok(Some(logical()).filter(|&n| n > 0))
}

/// Physical cores: the `RelationProcessorCore` records of
/// `GetLogicalProcessorInformationEx(RelationAll)`; None on any failure or 0, as
/// psutil.
pub(crate) fn cpu_count_cores() -> Result<Option<u32>> {
    let mut len = 0u32;
    let mut buf: Vec<u8> = Vec::new();
    for _ in 0..8 {
        buf.resize(len as usize, 0);
        let p = if buf.is_empty() {
            std::ptr::null_mut()
        } else {
            buf.as_mut_ptr().cast()
        };
        // SAFETY: p is null with len 0 (size probe) or writable for `len` bytes.
        if unsafe { GetLogicalProcessorInformationEx(RelationAll, p, &mut len) } != 0 {
            buf.truncate(len as usize);
            return Ok(count_cores(&buf));
        }
        if std::io::Error::last_os_error().raw_os_error() != Some(ERROR_INSUFFICIENT_BUFFER as i32)
        {
            return Ok(None);
        }
    }
    Ok(None)
}

/// Walks the variable-size `SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX` records
/// (`Relationship` u32, `Size` u32, ...) and counts the cores.
fn count_cores(buf: &[u8]) -> Option<u32> {
    let mut off = 0usize;
    let mut cores = 0u32;
    while let (Some(rel), Some(size)) = (read_at::<i32>(buf, off), read_at::<u32>(buf, off + 4)) {
        if size == 0 {
            break;
        }
        if rel == RelationProcessorCore {
            cores += 1;
        }
        off += size as usize;
    }
    Some(cores).filter(|&n| n > 0)
}

/// The per-CPU records of `SystemProcessorPerformanceInformation`, one per
/// active logical CPU.
fn processor_performance() -> Result<Vec<ProcessorPerformance>> {
    let n = logical().max(1) as usize;
    let rec = std::mem::size_of::<ProcessorPerformance>();
    let buf = query_system_information(
        SystemProcessorPerformanceInformation,
        n * rec,
        "SystemProcessorPerformanceInformation",
    )?;
    Ok((0..n).map_while(|i| read_at(&buf, i * rec)).collect())
}

fn times_of(p: &ProcessorPerformance) -> SystemCpuTimes {
    SystemCpuTimes {
        user: ticks_to_secs(p.user_time),
        // KernelTime includes the idle time.
        system: ticks_to_secs(p.kernel_time - p.idle_time),
        idle: ticks_to_secs(p.idle_time),
        interrupt: Some(ticks_to_secs(p.interrupt_time)),
        dpc: Some(ticks_to_secs(p.dpc_time)),
        ..SystemCpuTimes::default()
    }
}

/// psutil's `scputimes(user, system, idle, interrupt, dpc)` per CPU.
pub(crate) fn system_cpu_times_percpu() -> Result<Vec<SystemCpuTimes>> {
    Ok(processor_performance()?.iter().map(times_of).collect())
}

/// The whole system: `GetSystemTimes` (system = kernel − idle); interrupt and dpc
/// are the sums over the CPUs (psutil: two sources read at two instants).
pub(crate) fn system_cpu_times() -> Result<SystemCpuTimes> {
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut idle, mut kernel, mut user) = (zero, zero, zero);
    // SAFETY: three writable FILETIMEs.
    if unsafe { GetSystemTimes(&mut idle, &mut kernel, &mut user) } == 0 {
        return Err(last_error("GetSystemTimes"));
    }
    let per = processor_performance()?;
    let idle = filetime_secs(&idle);
    Ok(SystemCpuTimes {
        user: filetime_secs(&user),
        system: filetime_secs(&kernel) - idle,
        idle,
        interrupt: Some(per.iter().map(|p| ticks_to_secs(p.interrupt_time)).sum()),
        dpc: Some(per.iter().map(|p| ticks_to_secs(p.dpc_time)).sum()),
        ..SystemCpuTimes::default()
    })
}

/// Byte offsets in psutil's `SYSTEM_PERFORMANCE_INFORMATION` (four LARGE_INTEGERs,
/// then ULONGs; 312 bytes): `ContextSwitches` and `SystemCalls`.
const SPI_SIZE: usize = 312;
const SPI_CONTEXT_SWITCHES: usize = 296;
const SPI_SYSTEM_CALLS: usize = 308;

/// psutil's `scpustats`: ctx_switches = `SystemPerformanceInformation.
/// ContextSwitches`, interrupts = Σ per-CPU `InterruptCount`, soft_interrupts = 0
/// (psutil reads `SystemInterruptInformation` and drops it), syscalls =
/// `SystemCalls`. The counters are 32-bit and wrap, as in psutil.
pub(crate) fn cpu_stats() -> Result<CpuStats> {
    let spi = query_system_information(
        SystemPerformanceInformation,
        SPI_SIZE,
        "SystemPerformanceInformation",
    )?;
    let ctx = read_at::<u32>(&spi, SPI_CONTEXT_SWITCHES).unwrap_or(0);
    let syscalls = read_at::<u32>(&spi, SPI_SYSTEM_CALLS).unwrap_or(0);
    // psutil fails when this call fails, although it drops the data.
    let n = logical().max(1) as usize;
    query_system_information(
        SystemInterruptInformation,
        n * 24,
        "SystemInterruptInformation",
    )?;
    let interrupts = processor_performance()?
        .iter()
        .map(|p| u64::from(p.interrupt_count))
        .sum();
    Ok(CpuStats {
        ctx_switches: u64::from(ctx),
        interrupts,
        soft_interrupts: 0,
        syscalls: u64::from(syscalls),
    })
}

/// psutil's `cpu_freq()`: `CallNtPowerInformation(ProcessorInformation)` for
/// every CPU, of which psutil keeps the first: one entry `(CurrentMhz, 0.0,
/// MaxMhz)` (Windows gives no minimum). A failing status is an error (psutil's
/// `RuntimeError`).
pub(crate) fn cpu_freq_percpu() -> Result<Vec<CpuFreq>> {
    let n = logical().max(1) as usize;
    // SAFETY: PROCESSOR_POWER_INFORMATION is plain data; all-zero is valid.
    let zero: PROCESSOR_POWER_INFORMATION = unsafe { std::mem::zeroed() };
    let mut buf = vec![zero; n];
    let len =
        u32::try_from(n * std::mem::size_of::<PROCESSOR_POWER_INFORMATION>()).unwrap_or(u32::MAX);
    // SAFETY: no input buffer; buf is writable for `len` bytes.
    let st = unsafe {
        CallNtPowerInformation(
            ProcessorInformation,
            std::ptr::null(),
            0,
            buf.as_mut_ptr().cast(),
            len,
        )
    };
    if st != 0 {
        return Err(nt_error(st, "CallNtPowerInformation(ProcessorInformation)"));
    }
    Ok(buf
        .first()
        .map(|p| CpuFreq {
            current: f64::from(p.CurrentMhz),
            min: 0.0,
            max: f64::from(p.MaxMhz),
        })
        .into_iter()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::wine;
    use std::collections::BTreeSet;

    #[test]
    fn counts_match_linux_cpuinfo_under_wine() {
        let logical = cpu_count_logical().expect("logical").expect("some");
        let cores = cpu_count_cores().expect("cores").expect("some");
        assert!(
            cores >= 1 && cores <= logical,
            "{cores} cores, {logical} logical"
        );
        assert_eq!(crate::cpu_count(true).expect("public"), Some(logical));
        assert_eq!(crate::cpu_count(false).expect("public"), Some(cores));
        if let Some(info) = wine::linux_file("/proc/cpuinfo") {
            let processors = info.lines().filter(|l| l.starts_with("processor")).count();
            assert_eq!(logical as usize, processors);
            // Cores: distinct (physical id, core id) pairs, or one per processor when
            // the file has no topology lines (some VMs).
            let mut pairs = BTreeSet::new();
            let (mut phys, mut core) = (None, None);
            for l in info.lines() {
                let v = l.split(':').nth(1).map(|v| v.trim().to_string());
                if l.starts_with("physical id") {
                    phys = v;
                } else if l.starts_with("core id") {
                    core = v;
                } else if l.trim().is_empty() {
                    if let (Some(p), Some(c)) = (phys.take(), core.take()) {
                        pairs.insert((p, c));
                    }
                }
            }
            let expect = if pairs.is_empty() {
                processors
            } else {
                pairs.len()
            };
            assert_eq!(cores as usize, expect);
        }
        if let Some(stat) = wine::proc_stat_cpus() {
            assert_eq!(logical as usize, stat.len() - 1, "cpuN lines of /proc/stat");
        }
    }

    #[test]
    fn core_records_are_walked_unaligned() {
        // Two core records and one of another kind, at an odd start offset.
        let mut buf = vec![0u8];
        for rel in [RelationProcessorCore, 2, RelationProcessorCore] {
            buf.extend_from_slice(&rel.to_ne_bytes());
            buf.extend_from_slice(&12u32.to_ne_bytes());
            buf.extend_from_slice(&[0; 4]);
        }
        assert_eq!(count_cores(&buf[1..]), Some(2));
        assert_eq!(count_cores(&[]), None);
        // A zero size ends the walk instead of looping.
        assert_eq!(count_cores(&[0; 16]), None);
    }

    /// What Wine 8 makes of a `cpu`/`cpuN` line of `/proc/stat` (ntdll's
    /// SystemProcessorPerformanceInformation): user = user + nice, kernel − idle
    /// = system + every column after idle (iowait, irq, softirq, steal, guest,
    /// guest_nice), idle = idle; seconds.
    fn linux_times(stat: &[(String, Vec<f64>)], name: &str) -> Option<(f64, f64, f64)> {
        let v = &stat.iter().find(|(n, _)| n == name)?.1;
        let g = |i: usize| v.get(i).copied().unwrap_or(0.0);
        let rest: f64 = v.iter().skip(4).sum();
        Some((g(0) + g(1), g(2) + rest, g(3)))
    }

    #[test]
    fn times_match_linux_proc_stat_under_wine() {
        let before = wine::proc_stat_cpus();
        let total = system_cpu_times().expect("GetSystemTimes");
        let per = system_cpu_times_percpu().expect("SPPI");
        let after = wine::proc_stat_cpus();
        assert_eq!(per.len() as u32, logical());
        for t in per.iter().chain([&total]) {
            assert!(t.user >= 0.0 && t.system >= 0.0 && t.idle > 0.0, "{t:?}");
            assert!(t.interrupt.is_some() && t.dpc.is_some() && t.nice.is_none());
        }
        let sum = |f: fn(&SystemCpuTimes) -> f64| per.iter().map(f).sum::<f64>();
        // Two sources, two instants: the totals agree with the per-CPU sums to 1 s.
        assert!((sum(|t| t.idle) - total.idle).abs() < 1.0 * per.len() as f64);
        assert!((sum(|t| t.user) - total.user).abs() < 1.0 * per.len() as f64);
        if let (Some(b), Some(a)) = (before, after) {
            // Wine 8 reads /proc/stat (see linux_times).
            // Tolerance: the two reads bracket ours, plus 0.2 s (USER_HZ ticks,
            // and Wine's own read of /proc/stat lands between ours).
            let names =
                std::iter::once("cpu".to_string()).chain((0..per.len()).map(|i| format!("cpu{i}")));
            for (name, ours) in names.zip(std::iter::once(&total).chain(per.iter())) {
                let (bu, bs, bi) = linux_times(&b, &name).expect("before");
                let (au, as_, ai) = linux_times(&a, &name).expect("after");
                let within = |x: f64, lo: f64, hi: f64| x >= lo - 0.2 && x <= hi + 0.2;
                assert!(
                    within(ours.user, bu, au),
                    "{name} user {} not in [{bu}, {au}]",
                    ours.user
                );
                assert!(
                    within(ours.system, bs, as_),
                    "{name} system {} not in [{bs}, {as_}]",
                    ours.system
                );
                assert!(
                    within(ours.idle, bi, ai),
                    "{name} idle {} not in [{bi}, {ai}]",
                    ours.idle
                );
            }
            // Wine 8 gap: interrupt and dpc time are always 0.
            assert_eq!(total.interrupt, Some(0.0));
            assert_eq!(total.dpc, Some(0.0));
        }
    }

    #[test]
    fn public_cpu_times() {
        let t = crate::cpu_times().expect("cpu_times");
        let per = crate::cpu_times_percpu().expect("percpu");
        assert!(t.idle > 0.0 && !per.is_empty());
        let json = serde_json::to_value(t).expect("json");
        let mut keys: Vec<String> = json
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(keys, ["dpc", "idle", "interrupt", "system", "user"]);
    }

    #[test]
    fn cpu_stats_shape() {
        let s = crate::cpu_stats().expect("cpu_stats");
        assert_eq!(s.soft_interrupts, 0);
        if wine::version().is_some() {
            // Wine 8 gap: context switches, syscalls and interrupt counts are 0.
            assert_eq!((s.ctx_switches, s.syscalls, s.interrupts), (0, 0, 0));
        } else {
            assert!(s.ctx_switches > 0 && s.syscalls > 0);
        }
    }

    #[test]
    fn freq_matches_linux_cpuinfo_under_wine() {
        let f = crate::cpu_freq().expect("cpu_freq").expect("some");
        let per = crate::cpu_freq_percpu().expect("percpu");
        assert_eq!(per.len(), 1, "psutil keeps the first CPU's figures");
        assert!(f.current > 0.0 && f.max > 0.0 && f.min == 0.0, "{f:?}");
        let Some(info) = wine::linux_file("/proc/cpuinfo") else {
            return;
        };
        // Without cpufreq in sysfs (this VM) Wine 8 takes `cpu MHz` of CPU 0 for
        // both current and max, truncated to whole MHz.
        if wine::linux_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq").is_some() {
            return;
        }
        let mhz: f64 = info
            .lines()
            .find(|l| l.starts_with("cpu MHz"))
            .and_then(|l| l.split(':').nth(1))
            .and_then(|v| v.trim().parse().ok())
            .expect("cpu MHz line");
        assert!(
            (f.current - mhz).abs() < 1.0,
            "{} vs cpu MHz {mhz}",
            f.current
        );
        assert!((f.max - mhz).abs() < 1.0, "{} vs cpu MHz {mhz}", f.max);
    }
}
