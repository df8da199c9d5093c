//! CPU-percent math shared by every OS.

/// psutil's `Process.cpu_percent`: `(Δuser + Δsystem) / (Δwall × ncpus) × 100 × ncpus`,
/// i.e. percent of one CPU (can exceed 100 for multi-threaded processes), rounded to
/// one decimal. A zero or negative elapsed time gives 0.0.
pub(crate) fn process_cpu_percent(delta_cpu_seconds: f64, delta_wall_seconds: f64) -> f64 {
    if delta_wall_seconds <= 0.0 || !delta_wall_seconds.is_finite() {
        return 0.0;
    }
    let pct = delta_cpu_seconds / delta_wall_seconds * 100.0;
    if !pct.is_finite() || pct < 0.0 {
        return 0.0;
    }
    round1(pct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn math() {
        assert_eq!(process_cpu_percent(1.0, 1.0), 100.0);
        assert_eq!(process_cpu_percent(0.5, 2.0), 25.0);
        assert_eq!(process_cpu_percent(3.0, 1.5), 200.0);
        assert_eq!(process_cpu_percent(1.0, 0.0), 0.0);
        assert_eq!(process_cpu_percent(0.123, 1.0), 12.3);
    }
}

/// psutil's system `cpu_percent` from two samples of the same CPU(s), given as
/// `(fields, idle_index_set, guest_index_set)`: `deltas = max(0, t2 - t1)` per field;
/// `all = Σ deltas − guest − guest_nice` (guest time is already inside user/nice);
/// `busy = all − idle − iowait` (steal, irq, softirq count as busy). Rounded to one
/// decimal; 0.0 when nothing elapsed.
pub(crate) fn system_cpu_percent(t1: &[f64], t2: &[f64], idle: &[usize], guest: &[usize]) -> f64 {
    let deltas: Vec<f64> = t1.iter().zip(t2).map(|(a, b)| (b - a).max(0.0)).collect();
    let sum_of = |idx: &[usize]| idx.iter().filter_map(|&i| deltas.get(i)).sum::<f64>();
    let all = deltas.iter().sum::<f64>() - sum_of(guest);
    if all <= 0.0 {
        return 0.0;
    }
    let busy = all - sum_of(idle);
    round1((busy / all * 100.0).clamp(0.0, 100.0))
}

/// psutil's `cpu_times_percent`: each field's delta as a percent of the total delta
/// (guest fields excluded from the total but given their own percent), clamped to
/// 0..100 and rounded to one decimal. When nothing elapsed every field is 0.0.
///
/// psutil divides by `max(1, total)`, which is wrong whenever the total delta is
/// under one second (short intervals, per-CPU values); the real total is used here
/// (docs/DIFFERENCES.md).
pub(crate) fn system_cpu_times_percent(t1: &[f64], t2: &[f64], guest: &[usize]) -> Vec<f64> {
    let deltas: Vec<f64> = t1.iter().zip(t2).map(|(a, b)| (b - a).max(0.0)).collect();
    let guest_sum: f64 = guest.iter().filter_map(|&i| deltas.get(i)).sum();
    let all = deltas.iter().sum::<f64>() - guest_sum;
    deltas
        .iter()
        .map(|d| {
            if all > 0.0 {
                round1((d * 100.0 / all).clamp(0.0, 100.0))
            } else {
                0.0
            }
        })
        .collect()
}

/// Rounds to one decimal exactly as Python's `round(x, 1)` (psutil's rounding): the
/// correctly rounded decimal of the binary value, ties to even (`round(6.25, 1)` is
/// 6.2, `round(2.675, 2)` is 2.67). Rust's `{:.1}` formatting implements the same
/// rule, so the value goes through it; `(x * 10).round() / 10` would round 6.25 up.
pub(crate) fn round1(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.1}").parse().unwrap_or(x)
}

/// psutil's `percent = round(used / total * 100, 1)`, 0.0 for a zero total.
pub(crate) fn usage_percent(used: f64, total: f64) -> f64 {
    if total <= 0.0 {
        0.0
    } else {
        round1(used / total * 100.0)
    }
}

#[cfg(test)]
mod system_tests {
    use super::*;

    #[test]
    fn busy_and_guest() {
        // fields: user, nice, system, idle, iowait, guest
        let t1 = [10.0, 0.0, 5.0, 80.0, 5.0, 2.0];
        let t2 = [14.0, 0.0, 6.0, 83.0, 6.0, 4.0];
        // deltas 4,0,1,3,1,2; all = 11 - 2 = 9; busy = 9 - 3 - 1 = 5 → 55.6
        assert_eq!(system_cpu_percent(&t1, &t2, &[3, 4], &[5]), 55.6);
        assert_eq!(system_cpu_percent(&t1, &t1, &[3, 4], &[5]), 0.0);
        // A counter that went backwards is clamped to 0.
        let t3 = [9.0, 0.0, 5.0, 81.0, 5.0, 2.0];
        assert_eq!(system_cpu_percent(&t1, &t3, &[3, 4], &[5]), 0.0);
        let p = system_cpu_times_percent(&t1, &t2, &[5]);
        assert_eq!(p, vec![44.4, 0.0, 11.1, 33.3, 11.1, 22.2]);
        assert_eq!(system_cpu_times_percent(&t1, &t1, &[5]), vec![0.0; 6]);
        // Short intervals (total < 1 s) still give real percentages.
        let s1 = [0.0, 0.0, 0.0, 0.0];
        let s2 = [0.05, 0.0, 0.0, 0.05];
        assert_eq!(
            system_cpu_times_percent(&s1, &s2, &[]),
            vec![50.0, 0.0, 0.0, 50.0]
        );
        assert_eq!(usage_percent(1.0, 3.0), 33.3);
        assert_eq!(usage_percent(1.0, 0.0), 0.0);
        // Python: round(6.25, 1) == 6.2, round(0.35, 1) == 0.3, round(33.35, 1) == 33.4
        // (the binary values of 0.35 and 33.35 are just below / above the tie).
        assert_eq!(round1(6.25), 6.2);
        assert_eq!(round1(0.35), 0.3);
        assert_eq!(round1(33.35), 33.4);
        assert_eq!(round1(99.95), 100.0);
        assert_eq!(usage_percent(1.0, 16.0), 6.2);
    }
}
