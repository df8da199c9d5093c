//! CPU functions: psutil's `sunos/cpu.c` over kstats. psutil reads the raw
//! `cpu_stat` kstat (`cpu_stat_t`); its named twins `cpu:N:sys` carry the same
//! counters (`cpu_ticks_*`, `pswitch`, `inv_swtch`, `intr`, `syscall`) and need no
//! hand-declared `cpu_stat_t` layout, so they are read instead.

use std::collections::HashSet;

use rpsutil_parse::sunos::kstat::{cpu_core, cpu_sys, CpuSys};

use super::kstat::{named, walk, KSTAT_TYPE_NAMED};
use crate::types::cpu::{CpuStats, SystemCpuTimes};
use crate::Result;

/// Every `cpu:N:sys` kstat, in chain order (psutil's order).
fn cpu_sys_all() -> Result<Vec<CpuSys>> {
    walk(|h| h.module == "cpu" && h.name == "sys" && h.ks_type == KSTAT_TYPE_NAMED)?
        .iter()
        .map(|e| {
            cpu_sys(&named(e)?).map_err(|err| crate::Error::Parse {
                path: format!("kstat cpu:{}:sys", e.header.instance),
                detail: err.detail,
            })
        })
        .collect()
}

/// Ticks to seconds. psutil returns the raw tick counts (docs/DIFFERENCES.md); the
/// contract's unit is seconds, and percentages are the same either way.
fn times(c: &CpuSys) -> SystemCpuTimes {
    let hz = crate::sys::posix::clock_ticks();
    SystemCpuTimes {
        user: c.user as f64 / hz,
        system: c.kernel as f64 / hz,
        idle: c.idle as f64 / hz,
        iowait: Some(c.wait as f64 / hz),
        ..SystemCpuTimes::default()
    }
}

/// `scputimes(user, system, idle, iowait)` of each CPU, seconds.
pub(crate) fn system_cpu_times_percpu() -> Result<Vec<SystemCpuTimes>> {
    Ok(cpu_sys_all()?.iter().map(times).collect())
}

/// The element-wise sum over CPUs (psutil sums the per-CPU tuples).
pub(crate) fn system_cpu_times() -> Result<SystemCpuTimes> {
    let mut sum = CpuSys::default();
    for c in cpu_sys_all()? {
        sum.user = sum.user.wrapping_add(c.user);
        sum.kernel = sum.kernel.wrapping_add(c.kernel);
        sum.idle = sum.idle.wrapping_add(c.idle);
        sum.wait = sum.wait.wrapping_add(c.wait);
    }
    Ok(times(&sum))
}

/// Summed over CPUs: `ctx_switches = pswitch + inv_swtch`, `interrupts = intr`,
/// `syscalls = syscall`, `soft_interrupts = 0` (psutil).
pub(crate) fn cpu_stats() -> Result<CpuStats> {
    let mut s = CpuStats {
        ctx_switches: 0,
        interrupts: 0,
        soft_interrupts: 0,
        syscalls: 0,
    };
    for c in cpu_sys_all()? {
        s.ctx_switches = s.ctx_switches.wrapping_add(c.ctx_switches);
        s.interrupts = s.interrupts.wrapping_add(c.interrupts);
        s.syscalls = s.syscalls.wrapping_add(c.syscalls);
    }
    Ok(s)
}

/// `sysconf(_SC_NPROCESSORS_ONLN)`, None when below 1.
pub(crate) fn cpu_count_logical() -> Result<Option<u32>> {
    // SAFETY: sysconf only reads a configuration value.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    Ok(u32::try_from(n).ok().filter(|&n| n >= 1))
}

/// Physical cores: the distinct `(chip_id, core_id)` pairs of the `cpu_info`
/// kstats. psutil counts the `cpu_info` kstats themselves (one per virtual
/// processor, so SMT threads count as cores); that count is used when the kstats
/// have no `core_id`. None when there are none.
pub(crate) fn cpu_count_cores() -> Result<Option<u32>> {
    let entries = walk(|h| h.module == "cpu_info" && h.ks_type == KSTAT_TYPE_NAMED)?;
    if entries.is_empty() {
        return Ok(None);
    }
    let mut cores = HashSet::new();
    let mut complete = true;
    for e in &entries {
        match named(e).ok().as_deref().and_then(cpu_core) {
            Some(id) => {
                cores.insert(id);
            }
            None => complete = false,
        }
    }
    let n = if complete { cores.len() } else { entries.len() };
    Ok(u32::try_from(n).ok().filter(|&n| n >= 1))
}
