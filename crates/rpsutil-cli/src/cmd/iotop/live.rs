//! What the live tools (`iotop`, `nettop`) share: rates over a measured time, the
//! `-d SECS` parser, byte formatting in iotop's style, and the frame loop.
//!
//! Every rate is a counter delta divided by the time measured between the two
//! samples on the monotonic clock, never by the interval asked for: a sleep can
//! overshoot, and a scan of every process takes time of its own (psutil's iotop.py
//! and nettop.py divide by nothing at all, so their "per second" is per 0.5 s).

use std::io::Write;
use std::time::{Duration, Instant};

use crate::error::{CliError, CliResult};
use crate::util::parse_interval;

/// The shortest `-d` accepted: below it a frame's delta is mostly scan time and
/// sleep overshoot, and the rates mean little.
pub const MIN_DELAY: Duration = Duration::from_millis(100);

/// The frame options iotop and nettop share (`-b -n -d`).
#[derive(Debug, clap::Args)]
pub struct FrameArgs {
    /// Batch mode: text frames for scripts and logs. Without it, on a terminal, a
    /// screen (q quits); elsewhere the frames are printed as in batch mode.
    #[arg(short = 'b', long)]
    pub batch: bool,
    /// Stop after N frames (default: run until interrupted).
    #[arg(short = 'n', long = "iter", value_name = "N")]
    pub iter: Option<String>,
    /// Seconds between frames, at least 0.1. The first frame too is
    /// measured over this delay.
    #[arg(short = 'd', long = "delay", value_name = "SECS", default_value = "1")]
    pub delay: String,
}

/// Parses `-d SECS` (a float, at least [`MIN_DELAY`], at most a day).
pub fn parse_delay(s: &str) -> CliResult<Duration> {
    let d = parse_interval(s)?;
    if d < MIN_DELAY {
        return Err(CliError::Usage(format!(
            "invalid delay '{s}': must be at least 0.1 seconds"
        )));
    }
    Ok(d)
}

/// Seconds from `prev` to `cur` on the monotonic clock (0 if `cur` is not later).
pub fn elapsed_secs(prev: Instant, cur: Instant) -> f64 {
    cur.saturating_duration_since(prev).as_secs_f64()
}

/// `(cur - prev) / secs`, or None when it would not be a rate: no time passed (or
/// `secs` is not a finite positive number), or the counter went backwards (a reset,
/// a wrap, or another object behind the same name), which must never show as a
/// negative or enormous rate.
pub fn rate(prev: u64, cur: u64, secs: f64) -> Option<f64> {
    if !(secs.is_finite() && secs > 0.0) || cur < prev {
        return None;
    }
    Some((cur - prev) as f64 / secs)
}

/// Something sampled at one monotonic instant.
pub trait Timed {
    /// When the sample was taken (when its reading started).
    fn at(&self) -> Instant;
}

/// Collects a first sample, then `count` times (forever without a count): waits
/// until `delay` after the previous sample, collects again and calls `emit` with the
/// two samples. So even the first frame covers a real interval, and the waits are
/// measured from sample to sample (the time spent collecting and printing is not
/// added on top of the delay).
pub fn run_frames<S: Timed>(
    delay: Duration,
    count: Option<u64>,
    mut collect: impl FnMut() -> CliResult<S>,
    mut emit: impl FnMut(&S, &S) -> CliResult,
) -> CliResult {
    let mut prev = collect()?;
    let mut done = 0u64;
    while count.is_none_or(|c| done < c) {
        let wait = match prev.at().checked_add(delay) {
            Some(deadline) => deadline.saturating_duration_since(Instant::now()),
            None => delay,
        };
        std::thread::sleep(wait);
        let cur = collect()?;
        emit(&prev, &cur)?;
        prev = cur;
        done += 1;
    }
    Ok(())
}

/// Writes the lines of one frame and flushes, so a reader sees each frame when it
/// is complete, not when the loop ends.
pub fn write_frame(out: &mut dyn Write, lines: &[String], width: Option<usize>) -> CliResult {
    for l in lines {
        crate::util::write_line(out, l, width)?;
    }
    out.flush()?;
    Ok(())
}

/// A byte count or rate as iotop prints it: `%7.2f` and a unit of base 1024 that
/// changes only above twice the base (so `1500.00 B/s`, then `2.05 K/s`), followed
/// by `suffix` (`/s` for rates). `?` for a value that is not a finite number.
pub fn human(value: f64, suffix: &str) -> String {
    const UNITS: [char; 7] = ['B', 'K', 'M', 'G', 'T', 'P', 'E'];
    if !value.is_finite() {
        return "?".to_string();
    }
    let mut v = value;
    let mut unit = 0;
    while v > 2048.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:7.2} {}{suffix}", UNITS[unit])
}

/// [`human`] of an optional value, `?` when it is unknown.
pub fn human_opt(value: Option<f64>, suffix: &str) -> String {
    value.map_or_else(|| "?".to_string(), |v| human(v, suffix))
}

/// A name or command line as one printable line: control characters (a newline in
/// a command line would otherwise forge a row) become `?`.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_need_time_and_a_rising_counter() {
        assert_eq!(rate(100, 300, 2.0), Some(100.0));
        assert_eq!(rate(5, 5, 1.0), Some(0.0));
        // No time, negative or broken time: no rate at all.
        assert_eq!(rate(0, 100, 0.0), None);
        assert_eq!(rate(0, 100, -1.0), None);
        assert_eq!(rate(0, 100, f64::NAN), None);
        assert_eq!(rate(0, 100, f64::INFINITY), None);
        // A counter that went backwards (reset, wrap, pid reuse): unknown, not negative.
        assert_eq!(rate(300, 100, 1.0), None);
        assert_eq!(rate(u64::MAX, 0, 1.0), None);
        assert_eq!(rate(0, u64::MAX, 1.0), Some(u64::MAX as f64));
    }

    #[test]
    fn elapsed_never_negative() {
        let a = Instant::now();
        let b = a + Duration::from_millis(250);
        assert_eq!(elapsed_secs(a, b), 0.25);
        assert_eq!(elapsed_secs(b, a), 0.0);
    }

    #[test]
    fn delays() {
        assert_eq!(parse_delay("1").ok(), Some(Duration::from_secs(1)));
        assert_eq!(parse_delay("0.1").ok(), Some(MIN_DELAY));
        for bad in ["0", "0.05", "-1", "x", "nan", "1e9"] {
            assert!(parse_delay(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn human_units() {
        assert_eq!(human(0.0, "/s"), "   0.00 B/s");
        assert_eq!(human(2048.0, "/s"), "2048.00 B/s");
        assert_eq!(human(2049.0, "/s"), "   2.00 K/s");
        assert_eq!(human(4.0 * 1024.0 * 1024.0, "/s"), "   4.00 M/s");
        assert_eq!(human(1536.0, ""), "1536.00 B");
        assert_eq!(human(f64::NAN, "/s"), "?");
        assert!(human(f64::MAX, "/s").ends_with("E/s"));
        assert_eq!(human_opt(None, "/s"), "?");
    }

    #[test]
    fn control_characters_are_replaced() {
        assert_eq!(printable("a\nb\tc\u{1b}[2J"), "a?b?c?[2J");
        assert_eq!(printable("é ok"), "é ok");
    }
}
