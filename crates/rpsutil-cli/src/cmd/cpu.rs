//! `rpsutil cpu`: CPU counts, frequency, statistics, load, and the busy percent and
//! times of each CPU (sampled over `--interval`), like top's header.

use std::io::Write;

use rpsutil::{CpuFreq, CpuSampler, CpuStats, SystemCpuTimes};
use serde::Serialize;

use crate::error::CliResult;
use crate::util::{parse_interval, part, print_json};

/// Arguments of `rpsutil cpu`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seconds to sample the busy percent over (0: psutil's first-call zeros).
    #[arg(
        long,
        default_value = "0.1",
        value_name = "SECONDS",
        allow_hyphen_values = true
    )]
    pub interval: String,
    /// Print `{"cpu_times", "cpu_times_percpu", "cpu_percent" (per CPU), "cpu_count",
    /// "cpu_count_cores", "cpu_freq", "cpu_stats", "getloadavg"}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    cpu_times: SystemCpuTimes,
    cpu_times_percpu: Vec<SystemCpuTimes>,
    cpu_percent: Vec<f64>,
    cpu_count: Option<u32>,
    cpu_count_cores: Option<u32>,
    cpu_freq: Option<CpuFreq>,
    cpu_stats: Option<CpuStats>,
    getloadavg: Option<(f64, f64, f64)>,
}

/// `user=1.00, nice=0.00, ...`: the fields this OS has, in psutil's order.
fn fields(t: &SystemCpuTimes) -> String {
    let named = [
        ("user", Some(t.user)),
        ("nice", t.nice),
        ("system", Some(t.system)),
        ("idle", Some(t.idle)),
        ("iowait", t.iowait),
        ("irq", t.irq),
        ("softirq", t.softirq),
        ("steal", t.steal),
        ("guest", t.guest),
        ("guest_nice", t.guest_nice),
        ("interrupt", t.interrupt),
        ("dpc", t.dpc),
    ];
    let parts: Vec<String> = named
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={v:.2}")))
        .collect();
    parts.join(", ")
}

/// Runs `rpsutil cpu`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let interval = parse_interval(&args.interval)?;
    let mut sampler = CpuSampler::new()?;
    let percent = if interval.is_zero() {
        // psutil's cpu_percent(interval=None, percpu=True) on its first call.
        vec![0.0; rpsutil::cpu_times_percpu()?.len()]
    } else {
        std::thread::sleep(interval);
        sampler.percent_percpu()?
    };
    let report = Report {
        cpu_times: rpsutil::cpu_times()?,
        cpu_times_percpu: rpsutil::cpu_times_percpu()?,
        cpu_percent: percent,
        cpu_count: rpsutil::cpu_count(true)?,
        cpu_count_cores: rpsutil::cpu_count(false)?,
        cpu_freq: part("cpu_freq", rpsutil::cpu_freq())?.flatten(),
        cpu_stats: part("cpu_stats", rpsutil::cpu_stats())?,
        getloadavg: part("getloadavg", rpsutil::getloadavg())?,
    };
    if args.json {
        return print_json(out, &report);
    }
    let count = |c: Option<u32>| c.map_or_else(|| "?".to_string(), |n| n.to_string());
    writeln!(
        out,
        "count:   {} logical, {} cores",
        count(report.cpu_count),
        count(report.cpu_count_cores)
    )?;
    match &report.cpu_freq {
        Some(f) => writeln!(
            out,
            "freq:    current={:.2}MHz, min={:.2}MHz, max={:.2}MHz",
            f.current, f.min, f.max
        )?,
        None => writeln!(out, "freq:    unknown")?,
    }
    if let Some(s) = &report.cpu_stats {
        writeln!(
            out,
            "stats:   ctx_switches={}, interrupts={}, soft_interrupts={}, syscalls={}",
            s.ctx_switches, s.interrupts, s.soft_interrupts, s.syscalls
        )?;
    }
    if let Some((l1, l5, l15)) = report.getloadavg {
        writeln!(out, "load:    {l1:.2} {l5:.2} {l15:.2}")?;
    }
    writeln!(out, "times:   {}", fields(&report.cpu_times))?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<6} {:>6}  TIMES (seconds since boot)",
        "CPU", "%BUSY"
    )?;
    for (i, (t, pct)) in report
        .cpu_times_percpu
        .iter()
        .zip(&report.cpu_percent)
        .enumerate()
    {
        writeln!(out, "{:<6} {pct:>6.1}  {}", format!("cpu{i}"), fields(t))?;
    }
    Ok(())
}
