//! Mach time units. `proc_pidinfo(PROC_PIDTASKINFO)` and `PROC_PIDTHREADINFO` give
//! CPU times in Mach absolute-time ticks; `host_statistics` CPU loads in scheduler
//! ticks of `CLK_TCK` (100) per second.

/// Mach ticks to seconds with `hw.tbfrequency` (ticks per second): what psutil
/// 8.0 uses (#2411), right under Rosetta 2 too, where `mach_timebase_info` describes
/// the emulated x86 clock (1/1) while the kernel counts native ticks (24 MHz on
/// Apple silicon). None when the frequency is 0.
pub fn ticks_to_secs_by_frequency(ticks: u64, frequency_hz: u64) -> Option<f64> {
    (frequency_hz != 0).then(|| ticks as f64 / frequency_hz as f64)
}

/// Mach ticks to seconds with `mach_timebase_info` (`numer / denom` nanoseconds per
/// tick), psutil 7.2.2's conversion. None when `denom` is 0.
pub fn ticks_to_secs_by_timebase(ticks: u64, numer: u32, denom: u32) -> Option<f64> {
    if denom == 0 {
        return None;
    }
    let nanos = u128::from(ticks) * u128::from(numer) / u128::from(denom);
    Some(nanos as f64 / 1e9)
}

/// Scheduler ticks (`cpu_ticks[]` of `host_cpu_load_info` /
/// `processor_cpu_load_info`) to seconds: psutil divides by `CLK_TCK`.
pub fn sched_ticks_to_secs(ticks: u32, clk_tck: f64) -> f64 {
    if clk_tck > 0.0 {
        f64::from(ticks) / clk_tck
    } else {
        f64::from(ticks) / 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn apple_silicon_and_intel() {
        // Apple silicon: 24 MHz timebase (numer/denom 125/3).
        assert_eq!(
            ticks_to_secs_by_frequency(48_000_000, 24_000_000),
            Some(2.0)
        );
        assert_eq!(ticks_to_secs_by_timebase(24_000_000, 125, 3), Some(1.0));
        // Intel: 1 tick = 1 ns.
        assert_eq!(
            ticks_to_secs_by_frequency(1_500_000_000, 1_000_000_000),
            Some(1.5)
        );
        assert_eq!(ticks_to_secs_by_timebase(1_500_000_000, 1, 1), Some(1.5));
        assert_eq!(ticks_to_secs_by_frequency(1, 0), None);
        assert_eq!(ticks_to_secs_by_timebase(1, 1, 0), None);
        assert_eq!(sched_ticks_to_secs(250, 100.0), 2.5);
        assert_eq!(sched_ticks_to_secs(250, 0.0), 2.5);
    }

    proptest! {
        #[test]
        fn never_panics(t in any::<u64>(), n in any::<u32>(), d in any::<u32>(), f in any::<u64>()) {
            let _ = ticks_to_secs_by_timebase(t, n, d);
            let _ = ticks_to_secs_by_frequency(t, f);
        }
    }
}
