//! `rpsutil iostat [INTERVAL [COUNT]]`: disk I/O per device, like `iostat -d`.
//! The first report covers the time since boot; each later one the last INTERVAL.

use rpsutil::IndexMap;
use std::io::Write;

use rpsutil::DiskIoCounters;
use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::util::{now_epoch, parse_count, parse_interval, print_json};

/// Arguments of `rpsutil iostat`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seconds between reports (a report every INTERVAL until COUNT reports, or
    /// forever without COUNT). Without it, one report.
    pub interval: Option<String>,
    /// How many reports (the first is since boot, as iostat's).
    pub count: Option<String>,
    /// Print `{"disk_io_counters": {...}, "disk_io_counters_perdisk": {...}}` once per
    /// report: psutil's cumulative counters (bytes, milliseconds), not rates.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    disk_io_counters: Option<DiskIoCounters>,
    disk_io_counters_perdisk: &'a IndexMap<String, DiskIoCounters>,
}

type Sample = (
    Option<DiskIoCounters>,
    IndexMap<String, DiskIoCounters>,
    f64,
);

fn sample() -> CliResult<Sample> {
    // nowrap: a counter that wraps between two reports must not show as a huge
    // negative (here: saturated) rate.
    let total = rpsutil::disk_io_counters(true)?;
    let per = rpsutil::disk_io_counters_perdisk(true)?;
    Ok((total, per, now_epoch()))
}

/// One `iostat -d` table: per device, I/Os per second, KiB/s read and written, and
/// KiB read and written over `secs` (the difference between `prev` and `now`).
fn print_rates(
    out: &mut dyn Write,
    prev: &IndexMap<String, DiskIoCounters>,
    now: &IndexMap<String, DiskIoCounters>,
    secs: f64,
) -> CliResult {
    writeln!(
        out,
        "{:<13} {:>8} {:>12} {:>12} {:>12} {:>12}",
        "Device", "tps", "kB_read/s", "kB_wrtn/s", "kB_read", "kB_wrtn"
    )?;
    let zero = DiskIoCounters::default();
    let secs = if secs > 0.0 { secs } else { 1.0 };
    for (name, c) in now {
        let p = prev.get(name).unwrap_or(&zero);
        let ios = (c.read_count + c.write_count).saturating_sub(p.read_count + p.write_count);
        let read_kb = c.read_bytes.saturating_sub(p.read_bytes) / 1024;
        let write_kb = c.write_bytes.saturating_sub(p.write_bytes) / 1024;
        writeln!(
            out,
            "{name:<13} {:>8.2} {:>12.2} {:>12.2} {read_kb:>12} {write_kb:>12}",
            ios as f64 / secs,
            read_kb as f64 / secs,
            write_kb as f64 / secs,
        )?;
    }
    Ok(())
}

/// Runs `rpsutil iostat`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let interval = match &args.interval {
        Some(s) => {
            let d = parse_interval(s)?;
            if d.is_zero() {
                return Err(CliError::Usage(format!(
                    "invalid interval '{s}': must be more than 0 seconds"
                )));
            }
            Some(d)
        }
        None => None,
    };
    let count = match (&args.count, interval) {
        (Some(c), _) => Some(parse_count(c)?),
        (None, None) => Some(1),
        (None, Some(_)) => None, // forever, as iostat
    };
    let boot = rpsutil::boot_time()?;
    let empty = IndexMap::new();
    let mut prev: Option<Sample> = None;
    let mut done = 0u64;
    while count.is_none_or(|c| done < c) {
        if done > 0 {
            if let Some(d) = interval {
                std::thread::sleep(d);
            }
        }
        let now = sample()?;
        if args.json {
            print_json(
                out,
                &Report {
                    disk_io_counters: now.0,
                    disk_io_counters_perdisk: &now.1,
                },
            )?;
        } else {
            if done > 0 {
                writeln!(out)?;
            }
            let (base, secs) = match &prev {
                Some(p) => (&p.1, now.2 - p.2),
                None => (&empty, now.2 - boot),
            };
            print_rates(out, base, &now.1, secs)?;
        }
        // Each report reaches the reader at once, not when the loop ends.
        out.flush()?;
        prev = Some(now);
        done += 1;
    }
    Ok(())
}
