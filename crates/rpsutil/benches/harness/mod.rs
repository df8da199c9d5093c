//! Timing helpers shared by the benchmark binaries (`snapshot.rs`, `system.rs`):
//! environment knobs, the round-robin timer the comparison scripts read, and the
//! criterion setup. Included with `#[path]`; not a bench of its own.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;

/// One measured variant: does one scan or call, returns how many items it produced.
pub type Run = Box<dyn FnMut() -> usize>;

/// A number from the environment, or `default`.
pub fn env_num(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// True if `RPSUTIL_BENCH_VARIANTS` (comma-separated) is unset or names `name`.
pub fn wanted(name: &str) -> bool {
    std::env::var("RPSUTIL_BENCH_VARIANTS")
        .map(|v| v.split(',').any(|x| x == name))
        .unwrap_or(true)
}

/// Round-robin timing: one warm-up call each, then `RPSUTIL_BENCH_ROUNDS` rounds in
/// which every run is called for `RPSUTIL_BENCH_SECONDS` (at least 3 times).
/// Returns (items of the last call, sorted seconds per call) per run.
pub fn time_runs(runs: &mut [Run], default_seconds: f64) -> Vec<(usize, Vec<f64>)> {
    let rounds = env_num("RPSUTIL_BENCH_ROUNDS", 3.0) as usize;
    let budget = Duration::from_secs_f64(env_num("RPSUTIL_BENCH_SECONDS", default_seconds));
    let mut out: Vec<(usize, Vec<f64>)> = runs.iter().map(|_| (0, Vec::new())).collect();
    for run in runs.iter_mut() {
        black_box(run()); // warm-up
    }
    for _ in 0..rounds {
        for (i, run) in runs.iter_mut().enumerate() {
            let start = Instant::now();
            let mut iters = 0;
            while iters < 3 || start.elapsed() < budget {
                let t = Instant::now();
                let n = run();
                out[i].1.push(t.elapsed().as_secs_f64());
                out[i].0 = n;
                iters += 1;
            }
        }
    }
    for o in &mut out {
        o.1.sort_by(f64::total_cmp);
    }
    out
}

/// Criterion with short runs (the machine has 2 cores and other work) and the
/// command line's settings.
pub fn criterion(measurement_secs: u64) -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(measurement_secs))
        .sample_size(10)
        .configure_from_args()
}

/// The benchmark filter given on the command line (the first free argument that is
/// not a number), as criterion reads it.
pub fn criterion_filter() -> Option<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .find(|a| a.parse::<f64>().is_err())
}
