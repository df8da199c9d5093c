//! `rpsutil nettop`: traffic per network interface, per second and in total, like
//! psutil's `scripts/nettop.py` but with rates that are rates: bytes over the time
//! measured between two samples (nettop.py prints the bytes of a 0.5 s window as
//! "per second", and its first screen covers no time at all).
//!
//! Split like `iotop`: [`collect`] → [`Sample`], [`diff`] → [`Frame`], [`render`]
//! → lines of text; only [`collect`] reads the system.

use std::io::Write;
use std::time::Instant;

use rpsutil::IndexMap;
use serde::Serialize;

use crate::cmd::iotop::live::{self, elapsed_secs, printable, rate, Timed};
use crate::error::CliResult;
use crate::util::{
    bytes2human, now_epoch, parse_count, print_json, push_padded, term_width, Align,
};

/// What `--help` says beyond the options.
const NOTES: &str = "\
Output:
  Each frame: one row per interface in the system's order, then TOTAL (the sum of
  the rows). Rates are the counters' change divided by the time measured between
  two samples; the first frame comes after one full delay. ? marks a rate that is
  unknown (an interface that appeared during the frame, a counter that went back).
  Frames are separated by a blank line.
  Without -b the same frames are printed: the interactive screen is not implemented
  yet.

--json prints one document per frame and line:
  {\"time\", \"interval\" (measured seconds), \"total\": {...}, \"nics\": {NAME: {...}}}
  where each {...} has bytes_sent, bytes_recv, packets_sent, packets_recv (psutil's
  counters) and the same names with _per_sec (null when unknown).";

/// Arguments of `rpsutil nettop`.
#[derive(Debug, clap::Args)]
#[command(after_help = NOTES)]
pub struct Args {
    /// `-b`, `-n`, `-d`.
    #[command(flatten)]
    pub frames: live::FrameArgs,
    /// One JSON document per frame, one per line (see below).
    #[arg(long)]
    pub json: bool,
}

/// The four counters nettop shows of an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_recv: u64,
    /// Packets sent.
    pub packets_sent: u64,
    /// Packets received.
    pub packets_recv: u64,
}

/// The interfaces' counters at one instant.
#[derive(Debug, Clone)]
pub struct Sample {
    /// When the counters were read (monotonic).
    pub at: Instant,
    /// When the counters were read (seconds since the epoch).
    pub time: f64,
    /// Per interface, in the library's (the kernel's) order.
    pub nics: IndexMap<String, Counters>,
}

impl Timed for Sample {
    fn at(&self) -> Instant {
        self.at
    }
}

/// Reads one sample (`net_io_counters_pernic(nowrap=True)`, so a 32-bit counter
/// that wraps between two samples keeps rising).
pub fn collect() -> CliResult<Sample> {
    let at = Instant::now();
    let time = now_epoch();
    let nics = rpsutil::net_io_counters_pernic(true)?
        .into_iter()
        .map(|(name, c)| {
            (
                name,
                Counters {
                    bytes_sent: c.bytes_sent,
                    bytes_recv: c.bytes_recv,
                    packets_sent: c.packets_sent,
                    packets_recv: c.packets_recv,
                },
            )
        })
        .collect();
    Ok(Sample { at, time, nics })
}

/// One row: an interface's counters at the end of the frame and its rates.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct NicRow {
    /// Bytes sent (counter).
    pub bytes_sent: u64,
    /// Bytes received (counter).
    pub bytes_recv: u64,
    /// Packets sent (counter).
    pub packets_sent: u64,
    /// Packets received (counter).
    pub packets_recv: u64,
    /// Bytes sent per second over the frame.
    pub bytes_sent_per_sec: Option<f64>,
    /// Bytes received per second over the frame.
    pub bytes_recv_per_sec: Option<f64>,
    /// Packets sent per second over the frame.
    pub packets_sent_per_sec: Option<f64>,
    /// Packets received per second over the frame.
    pub packets_recv_per_sec: Option<f64>,
}

/// The rates between two samples.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Frame {
    /// When the later sample was taken (seconds since the epoch).
    pub time: f64,
    /// Seconds measured between the two samples.
    pub interval: f64,
    /// Sums over the interfaces (a rate sums the known ones; None without time).
    pub total: NicRow,
    /// Per interface, in the order of the later sample.
    pub nics: IndexMap<String, NicRow>,
}

/// The frame between two samples.
pub fn diff(prev: &Sample, cur: &Sample) -> Frame {
    let secs = elapsed_secs(prev.at, cur.at);
    let valid = secs.is_finite() && secs > 0.0;
    let mut total = NicRow::default();
    let mut sums = [0.0f64; 4];
    let nics = cur
        .nics
        .iter()
        .map(|(name, c)| {
            let p = prev.nics.get(name);
            let r = |f: fn(&Counters) -> u64| p.and_then(|p| rate(f(p), f(c), secs));
            let row = NicRow {
                bytes_sent: c.bytes_sent,
                bytes_recv: c.bytes_recv,
                packets_sent: c.packets_sent,
                packets_recv: c.packets_recv,
                bytes_sent_per_sec: r(|c| c.bytes_sent),
                bytes_recv_per_sec: r(|c| c.bytes_recv),
                packets_sent_per_sec: r(|c| c.packets_sent),
                packets_recv_per_sec: r(|c| c.packets_recv),
            };
            total.bytes_sent = total.bytes_sent.saturating_add(c.bytes_sent);
            total.bytes_recv = total.bytes_recv.saturating_add(c.bytes_recv);
            total.packets_sent = total.packets_sent.saturating_add(c.packets_sent);
            total.packets_recv = total.packets_recv.saturating_add(c.packets_recv);
            for (sum, v) in sums.iter_mut().zip([
                row.bytes_sent_per_sec,
                row.bytes_recv_per_sec,
                row.packets_sent_per_sec,
                row.packets_recv_per_sec,
            ]) {
                *sum += v.unwrap_or(0.0);
            }
            (name.clone(), row)
        })
        .collect();
    if valid {
        total.bytes_sent_per_sec = Some(sums[0]);
        total.bytes_recv_per_sec = Some(sums[1]);
        total.packets_sent_per_sec = Some(sums[2]);
        total.packets_recv_per_sec = Some(sums[3]);
    }
    Frame {
        time: cur.time,
        interval: secs,
        total,
        nics,
    }
}

/// A byte rate as psutil's bytes2human plus `/s` (`1.5M/s`); `?` when unknown.
fn byte_rate(v: Option<f64>) -> String {
    match v {
        // A rate is finite and not negative here; `as` saturates anyway.
        Some(v) if v.is_finite() => format!("{}/s", bytes2human(v.round() as u64)),
        _ => "?".to_string(),
    }
}

/// A packet rate with one decimal; `?` when unknown.
fn packet_rate(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map_or_else(|| "?".to_string(), |v| format!("{v:.1}"))
}

/// The frame as text: a header, one row per interface, the TOTAL row.
pub fn render(frame: &Frame) -> Vec<String> {
    let names: Vec<String> = frame.nics.keys().map(|n| printable(n)).collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .chain([5])
        .max()
        .unwrap_or(5);
    let line = |name: &str, cells: [String; 8]| {
        let mut l = String::new();
        push_padded(&mut l, name, width, Align::Left);
        for (i, c) in cells.iter().enumerate() {
            l.push(' ');
            push_padded(&mut l, c, if i < 4 { 11 } else { 12 }, Align::Right);
        }
        l
    };
    let cells = |r: &NicRow| {
        [
            byte_rate(r.bytes_sent_per_sec),
            byte_rate(r.bytes_recv_per_sec),
            packet_rate(r.packets_sent_per_sec),
            packet_rate(r.packets_recv_per_sec),
            bytes2human(r.bytes_sent),
            bytes2human(r.bytes_recv),
            r.packets_sent.to_string(),
            r.packets_recv.to_string(),
        ]
    };
    let mut lines = Vec::with_capacity(frame.nics.len() + 2);
    lines.push(line(
        "NIC",
        [
            "SENT/s",
            "RECV/s",
            "PKTS-OUT/s",
            "PKTS-IN/s",
            "SENT",
            "RECV",
            "PKTS-OUT",
            "PKTS-IN",
        ]
        .map(String::from),
    ));
    for (name, row) in names.iter().zip(frame.nics.values()) {
        lines.push(line(name, cells(row)));
    }
    lines.push(line("TOTAL", cells(&frame.total)));
    lines
}

/// Runs `rpsutil nettop`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let delay = live::parse_delay(&args.frames.delay)?;
    let count = args.frames.iter.as_deref().map(parse_count).transpose()?;
    let width = if args.json { None } else { term_width() };
    if !args.frames.batch && !args.json && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return crate::cmd::iotop::screen::run(
            crate::cmd::iotop::screen::Tool {
                collect: &mut collect,
                render: &mut |prev, cur, _| render(&diff(prev, cur)),
                keys: "q quit  Up/Down scroll",
                toggles: false,
            },
            delay,
            count,
            Default::default(),
        );
    }
    let mut first = true;
    live::run_frames(delay, count, collect, |prev, cur| {
        let frame = diff(prev, cur);
        if args.json {
            print_json(out, &frame)?;
            out.flush()?;
            return Ok(());
        }
        if !first {
            writeln!(out)?;
        }
        first = false;
        live::write_frame(out, &render(&frame), width)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn c(bytes_sent: u64, bytes_recv: u64, packets_sent: u64, packets_recv: u64) -> Counters {
        Counters {
            bytes_sent,
            bytes_recv,
            packets_sent,
            packets_recv,
        }
    }

    fn sample(at: Instant, nics: &[(&str, Counters)]) -> Sample {
        Sample {
            at,
            time: 1000.0,
            nics: nics.iter().map(|(n, c)| (n.to_string(), *c)).collect(),
        }
    }

    fn pair() -> (Sample, Sample) {
        let t0 = Instant::now();
        let a = sample(
            t0,
            &[("lo", c(1000, 1000, 10, 10)), ("eth0", c(5, 6, 1, 1))],
        );
        let b = sample(
            t0 + Duration::from_millis(500),
            &[
                ("lo", c(1000 + (3 << 20), 1000 + (3 << 20), 110, 110)),
                ("eth0", c(5, 2, 1, 1)),
                ("wg0", c(9, 9, 9, 9)),
            ],
        );
        (a, b)
    }

    #[test]
    fn rates_over_the_measured_time() {
        let (a, b) = pair();
        let f = diff(&a, &b);
        assert_eq!(f.interval, 0.5);
        let lo = f.nics["lo"];
        // 3 MiB in half a second: 6 MiB/s (nettop.py would say 3).
        assert_eq!(lo.bytes_sent_per_sec, Some((3u64 << 20) as f64 * 2.0));
        assert_eq!(lo.packets_recv_per_sec, Some(200.0));
        // A counter that went back is unknown, not negative.
        assert_eq!(f.nics["eth0"].bytes_recv_per_sec, None);
        assert_eq!(f.nics["eth0"].bytes_sent_per_sec, Some(0.0));
        // An interface that appeared: unknown rates, known counters.
        assert_eq!(f.nics["wg0"].bytes_sent_per_sec, None);
        assert_eq!(f.nics["wg0"].bytes_sent, 9);
        assert_eq!(f.total.bytes_sent, 1000 + (3 << 20) + 5 + 9);
        assert_eq!(f.total.packets_sent_per_sec, Some(200.0));
        let order: Vec<&str> = f.nics.keys().map(String::as_str).collect();
        assert_eq!(order, ["lo", "eth0", "wg0"], "the sample's order");
    }

    #[test]
    fn no_time_means_no_rates() {
        let (a, mut b) = pair();
        for at in [a.at, a.at - Duration::from_secs(1)] {
            b.at = at;
            let f = diff(&a, &b);
            assert_eq!(f.interval, 0.0);
            assert!(f.nics.values().all(|r| r.bytes_sent_per_sec.is_none()));
            assert_eq!(f.total.bytes_sent_per_sec, None);
            assert!(render(&f)[1].contains(" ?"));
        }
    }

    #[test]
    fn render_a_fixed_frame() {
        let t0 = Instant::now();
        let a = sample(t0, &[("lo", c(0, 0, 0, 0)), ("eth0", c(0, 0, 0, 0))]);
        let b = sample(
            t0 + Duration::from_secs(2),
            &[
                ("lo", c(4 << 20, 4 << 20, 300, 300)),
                ("eth0", c(2048, 1 << 30, 3, 7)),
            ],
        );
        let text = render(&diff(&a, &b));
        let want = [
            "NIC        SENT/s      RECV/s  PKTS-OUT/s   PKTS-IN/s         SENT         RECV     PKTS-OUT      PKTS-IN",
            "lo         2.0M/s      2.0M/s       150.0       150.0         4.0M         4.0M          300          300",
            "eth0       1.0K/s    512.0M/s         1.5         3.5         2.0K         1.0G            3            7",
            "TOTAL      2.0M/s    514.0M/s       151.5       153.5         4.0M         1.0G          303          307",
        ];
        assert_eq!(text, want);
        let v = serde_json::to_value(diff(&a, &b)).unwrap();
        assert_eq!(v["nics"]["eth0"]["bytes_recv_per_sec"], (1u64 << 29) as f64);
        assert_eq!(v["total"]["packets_recv"], 307);
        assert_eq!(v["interval"], 2.0);
    }
}
