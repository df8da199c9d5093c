//! `rpsutil sensors`: temperatures, fans and battery, like psutil's
//! `scripts/sensors.py` (an lm-sensors `sensors` clone).

use std::collections::BTreeSet;

use rpsutil::IndexMap;
use std::io::Write;

use rpsutil::{Battery, BatteryTime, Fan, Temperature};
use serde::Serialize;

use crate::error::CliResult;
use crate::util::{part, print_json};

/// Arguments of `rpsutil sensors`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Temperatures in degrees Fahrenheit (also in the JSON).
    #[arg(short = 'f', long)]
    pub fahrenheit: bool,
    /// Print `{"sensors_temperatures": {...}, "sensors_fans": {...},
    /// "sensors_battery": {...} | null}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    sensors_temperatures: Option<&'a IndexMap<String, Vec<Temperature>>>,
    sensors_fans: Option<&'a IndexMap<String, Vec<Fan>>>,
    sensors_battery: Option<Battery>,
}

/// psutil's `secs2hours`: `H:MM:SS`.
fn secs2hours(secs: u64) -> String {
    format!("{}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A temperature as Python prints a float (`45.0`), `None` when unknown.
fn temp(v: Option<f64>) -> String {
    v.map_or_else(|| "None".to_string(), crate::util::py_float)
}

/// Runs `rpsutil sensors`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    // psutil has temperatures on Linux and FreeBSD, fans on Linux, a battery on
    // Linux, Windows, macOS and FreeBSD: a missing part is empty, with a note.
    // --json gives a missing part as null.
    let temps = part(
        "sensors_temperatures",
        rpsutil::sensors_temperatures(args.fahrenheit),
    )?;
    let fans = part("sensors_fans", rpsutil::sensors_fans())?;
    let battery = part("sensors_battery", rpsutil::sensors_battery())?.flatten();
    if args.json {
        return print_json(
            out,
            &Report {
                sensors_temperatures: temps.as_ref(),
                sensors_fans: fans.as_ref(),
                sensors_battery: battery,
            },
        );
    }
    let (temps, fans) = (temps.unwrap_or_default(), fans.unwrap_or_default());
    if temps.is_empty() && fans.is_empty() && battery.is_none() {
        writeln!(out, "can't read any temperature, fans or battery info")?;
        return Ok(());
    }
    let deg = if args.fahrenheit { "°F" } else { "°C" };
    let names: BTreeSet<&String> = temps.keys().chain(fans.keys()).collect();
    for name in names {
        writeln!(out, "{name}")?;
        if let Some(list) = temps.get(name) {
            writeln!(out, "    Temperatures:")?;
            for t in list {
                let label = if t.label.is_empty() { name } else { &t.label };
                writeln!(
                    out,
                    "        {label:<20} {}{deg} (high={}{deg}, critical={}{deg})",
                    temp(Some(t.current)),
                    temp(t.high),
                    temp(t.critical)
                )?;
            }
        }
        if let Some(list) = fans.get(name) {
            writeln!(out, "    Fans:")?;
            for f in list {
                let label = if f.label.is_empty() { name } else { &f.label };
                writeln!(out, "        {label:<20} {} RPM", f.current)?;
            }
        }
    }
    if let Some(b) = battery {
        writeln!(out, "Battery:")?;
        // round(percent, 2), printed as Python prints the float.
        let pct = (b.percent * 100.0).round() / 100.0;
        writeln!(out, "    charge:     {}%", crate::util::py_float(pct))?;
        match b.power_plugged {
            Some(true) => {
                let status = if b.percent < 100.0 {
                    "charging"
                } else {
                    "fully charged"
                };
                writeln!(out, "    status:     {status}")?;
                writeln!(out, "    plugged in: yes")?;
            }
            plugged => {
                let left = match b.secsleft {
                    BatteryTime::Seconds(s) => secs2hours(s),
                    BatteryTime::Unknown => "unknown".to_string(),
                    BatteryTime::Unlimited => "unlimited".to_string(),
                };
                writeln!(out, "    left:       {left}")?;
                writeln!(out, "    status:     discharging")?;
                let yes_no = if plugged.is_some() { "no" } else { "unknown" };
                writeln!(out, "    plugged in: {yes_no}")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours() {
        assert_eq!(secs2hours(0), "0:00:00");
        assert_eq!(secs2hours(3 * 3600 + 61), "3:01:01");
        assert_eq!(temp(None), "None");
        assert_eq!(temp(Some(45.0)), "45.0");
        assert_eq!(temp(Some(45.5)), "45.5");
    }
}
