//! CPU: times, percentages, counts, statistics, frequencies.

use std::sync::Mutex;
use std::time::Duration;

use crate::sys::imp;
use crate::Result;

pub use crate::types::cpu::*;

/// CPU times of the whole system (all CPUs summed), in seconds.
///
/// Source: Linux first line of `/proc/stat` / `CLK_TCK`.
pub fn cpu_times() -> Result<SystemCpuTimes> {
    imp::system_cpu_times()
}

/// CPU times of each online CPU, in `/proc/stat` order.
pub fn cpu_times_percpu() -> Result<Vec<SystemCpuTimes>> {
    imp::system_cpu_times_percpu()
}

/// Explicit state for CPU percentages: each call compares with the sample the
/// previous call (or `new`) took. Use one per consumer; nothing is shared.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// let mut s = rpsutil::CpuSampler::new().unwrap();
/// std::thread::sleep(std::time::Duration::from_millis(50));
/// let pct = s.percent().unwrap();
/// assert!((0.0..=100.0).contains(&pct));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CpuSampler {
    total: SystemCpuTimes,
    percpu: Vec<SystemCpuTimes>,
}

impl CpuSampler {
    /// Takes the first sample.
    pub fn new() -> Result<CpuSampler> {
        Ok(CpuSampler {
            total: cpu_times()?,
            percpu: cpu_times_percpu()?,
        })
    }

    /// Busy percent of the whole system since the last sample (psutil's
    /// `cpu_percent`: steal, irq and softirq count as busy; idle and iowait do not).
    pub fn percent(&mut self) -> Result<f64> {
        let now = cpu_times()?;
        let pct = now.busy_percent_since(&self.total);
        self.total = now;
        Ok(pct)
    }

    /// Busy percent of each CPU since the last sample.
    pub fn percent_percpu(&mut self) -> Result<Vec<f64>> {
        let now = cpu_times_percpu()?;
        let out = self
            .percpu
            .iter()
            .zip(&now)
            .map(|(a, b)| b.busy_percent_since(a))
            .collect();
        self.percpu = now;
        Ok(out)
    }

    /// Percent of time in each mode since the last sample (psutil's
    /// `cpu_times_percent`).
    pub fn times_percent(&mut self) -> Result<SystemCpuTimes> {
        let now = cpu_times()?;
        let out = now.times_percent_since(&self.total);
        self.total = now;
        Ok(out)
    }

    /// [`CpuSampler::times_percent`] for each CPU.
    pub fn times_percent_percpu(&mut self) -> Result<Vec<SystemCpuTimes>> {
        let now = cpu_times_percpu()?;
        let out = self
            .percpu
            .iter()
            .zip(&now)
            .map(|(a, b)| b.times_percent_since(a))
            .collect();
        self.percpu = now;
        Ok(out)
    }
}

// psutil keeps separate module-level state for cpu_percent and cpu_times_percent.
static PERCENT_STATE: Mutex<Option<CpuSampler>> = Mutex::new(None);
static TIMES_PERCENT_STATE: Mutex<Option<CpuSampler>> = Mutex::new(None);

fn with_state<T>(
    state: &Mutex<Option<CpuSampler>>,
    interval: Option<Duration>,
    first: T,
    f: impl Fn(&mut CpuSampler) -> Result<T>,
) -> Result<T> {
    if let Some(d) = interval.filter(|d| !d.is_zero()) {
        let mut s = CpuSampler::new()?;
        std::thread::sleep(d);
        let out = f(&mut s)?;
        *state.lock().unwrap_or_else(|p| p.into_inner()) = Some(s);
        return Ok(out);
    }
    let mut guard = state.lock().unwrap_or_else(|p| p.into_inner());
    match guard.as_mut() {
        Some(s) => f(s),
        None => {
            *guard = Some(CpuSampler::new()?);
            Ok(first)
        }
    }
}

/// System-wide CPU busy percent (psutil's `cpu_percent`).
///
/// With `Some(interval)` it samples, sleeps, samples. With `None` it compares with
/// the previous call of this function in the program; **the first such call returns
/// 0.0** (psutil: "a meaningless 0.0 value which you are supposed to ignore"). Callers
/// that want their own state use [`CpuSampler`].
pub fn cpu_percent(interval: Option<Duration>) -> Result<f64> {
    with_state(&PERCENT_STATE, interval, 0.0, CpuSampler::percent)
}

/// [`cpu_percent`] per CPU (the first `None` call returns zeros).
pub fn cpu_percent_percpu(interval: Option<Duration>) -> Result<Vec<f64>> {
    let n = cpu_times_percpu()?.len();
    with_state(
        &PERCENT_STATE,
        interval,
        vec![0.0; n],
        CpuSampler::percent_percpu,
    )
}

/// Percent of time in each mode (psutil's `cpu_times_percent`); state kept apart from
/// [`cpu_percent`]'s. The first `None` call returns zeros.
pub fn cpu_times_percent(interval: Option<Duration>) -> Result<SystemCpuTimes> {
    let zero = cpu_times()?.with_values(&[0.0; 12]);
    with_state(
        &TIMES_PERCENT_STATE,
        interval,
        zero,
        CpuSampler::times_percent,
    )
}

/// [`cpu_times_percent`] per CPU.
pub fn cpu_times_percent_percpu(interval: Option<Duration>) -> Result<Vec<SystemCpuTimes>> {
    let zero: Vec<SystemCpuTimes> = cpu_times_percpu()?
        .iter()
        .map(|t| t.with_values(&[0.0; 12]))
        .collect();
    with_state(
        &TIMES_PERCENT_STATE,
        interval,
        zero,
        CpuSampler::times_percent_percpu,
    )
}

/// Number of CPUs: logical (online, `sysconf(_SC_NPROCESSORS_ONLN)`) or physical
/// cores (distinct `topology/core_cpus_list` of each CPU in sysfs, else
/// `/proc/cpuinfo`). None when it cannot be determined.
pub fn cpu_count(logical: bool) -> Result<Option<u32>> {
    if logical {
        imp::cpu_count_logical()
    } else {
        imp::cpu_count_cores()
    }
}

/// Context switches, interrupts, soft interrupts since boot.
///
/// Source: Linux `/proc/stat`.
pub fn cpu_stats() -> Result<CpuStats> {
    imp::cpu_stats()
}

/// The average CPU frequency over all CPUs (None when the system does not say).
///
/// Source: Linux cpufreq in sysfs, else `cpu MHz` of `/proc/cpuinfo`.
pub fn cpu_freq() -> Result<Option<CpuFreq>> {
    let all = imp::cpu_freq_percpu()?;
    if all.is_empty() {
        return Ok(None);
    }
    let n = all.len() as f64;
    let avg = |f: fn(&CpuFreq) -> f64| all.iter().map(f).sum::<f64>() / n;
    Ok(Some(CpuFreq {
        current: avg(|c| c.current),
        min: avg(|c| c.min),
        max: avg(|c| c.max),
    }))
}

/// The frequency of each CPU.
pub fn cpu_freq_percpu() -> Result<Vec<CpuFreq>> {
    imp::cpu_freq_percpu()
}
