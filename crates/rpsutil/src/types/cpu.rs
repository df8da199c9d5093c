//! CPU types: psutil's `scputimes`, `scpustats`, `scpufreq`.

use serde::Serialize;

use crate::common::percent::{system_cpu_percent, system_cpu_times_percent};

/// psutil's `scputimes`: seconds the CPU(s) spent in each mode since boot. Fields
/// that only exist on some OSes (or kernels) are `Option`s.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[non_exhaustive]
pub struct SystemCpuTimes {
    /// Normal processes in user mode (Linux: guest time included).
    pub user: f64,
    /// Niced processes in user mode (Linux, macOS, BSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nice: Option<f64>,
    /// Kernel mode.
    pub system: f64,
    /// Idle.
    pub idle: f64,
    /// Waiting for I/O (Linux, Solaris).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iowait: Option<f64>,
    /// Hardware interrupts (Linux, BSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub irq: Option<f64>,
    /// Soft interrupts (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub softirq: Option<f64>,
    /// Stolen by the hypervisor (Linux 2.6.11+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steal: Option<f64>,
    /// Running guests (Linux 2.6.24+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest: Option<f64>,
    /// Running niced guests (Linux 3.2+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest_nice: Option<f64>,
    /// Hardware interrupts (Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupt: Option<f64>,
    /// Deferred procedure calls (Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpc: Option<f64>,
}

// Index of each field in `as_array`.
const IDLE: usize = 3;
const IOWAIT: usize = 4;
const GUEST: usize = 8;
const GUEST_NICE: usize = 9;

impl SystemCpuTimes {
    fn as_array(&self) -> [Option<f64>; 12] {
        [
            Some(self.user),
            self.nice,
            Some(self.system),
            Some(self.idle),
            self.iowait,
            self.irq,
            self.softirq,
            self.steal,
            self.guest,
            self.guest_nice,
            self.interrupt,
            self.dpc,
        ]
    }

    fn values(&self) -> Vec<f64> {
        self.as_array().iter().map(|v| v.unwrap_or(0.0)).collect()
    }

    /// psutil's busy percent between `earlier` and this sample.
    pub(crate) fn busy_percent_since(&self, earlier: &SystemCpuTimes) -> f64 {
        system_cpu_percent(
            &earlier.values(),
            &self.values(),
            &[IDLE, IOWAIT],
            &[GUEST, GUEST_NICE],
        )
    }

    /// psutil's per-mode percentages between `earlier` and this sample.
    pub(crate) fn times_percent_since(&self, earlier: &SystemCpuTimes) -> SystemCpuTimes {
        self.with_values(&system_cpu_times_percent(
            &earlier.values(),
            &self.values(),
            &[GUEST, GUEST_NICE],
        ))
    }

    pub(crate) fn with_values(&self, v: &[f64]) -> SystemCpuTimes {
        let mask = self.as_array();
        let pick = |i: usize| mask[i].map(|_| v.get(i).copied().unwrap_or(0.0));
        SystemCpuTimes {
            user: v.first().copied().unwrap_or(0.0),
            nice: pick(1),
            system: v.get(2).copied().unwrap_or(0.0),
            idle: v.get(IDLE).copied().unwrap_or(0.0),
            iowait: pick(IOWAIT),
            irq: pick(5),
            softirq: pick(6),
            steal: pick(7),
            guest: pick(GUEST),
            guest_nice: pick(GUEST_NICE),
            interrupt: pick(10),
            dpc: pick(11),
        }
    }
}

/// psutil's `scpustats`: counters since boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CpuStats {
    /// Context switches (`ctxt`).
    pub ctx_switches: u64,
    /// Interrupts (first number of `intr`).
    pub interrupts: u64,
    /// Soft interrupts (first number of `softirq`).
    pub soft_interrupts: u64,
    /// System calls (always 0 on Linux, which does not count them).
    pub syscalls: u64,
}

/// psutil's `scpufreq`: frequencies in MHz (0.0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CpuFreq {
    /// Current frequency.
    pub current: f64,
    /// Minimum frequency.
    pub min: f64,
    /// Maximum frequency.
    pub max: f64,
}
