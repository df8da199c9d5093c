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
    (pct * 10.0).round() / 10.0
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
