//! Sensors from sysfs (under the settable root): hwmon, thermal zones, power supplies
//! (`Documentation/hwmon/sysfs-interface.rst`, `Documentation/ABI/testing/sysfs-class-power`).

use indexmap::IndexMap;
use std::path::{Path, PathBuf};

use rpsutil_parse::linux::sysfs;

use super::files::{read, read_sysfs_number};
use crate::types::sensors::{Battery, BatteryTime, Fan, Temperature};
use crate::Result;

fn read_trimmed(path: &Path) -> Option<String> {
    read(path)
        .ok()
        .map(|d| String::from_utf8_lossy(&d).trim().to_string())
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Sensor prefixes (`.../hwmon0/temp1`) of files `<kind>N_*` in `dirs`, distinct and
/// sorted, as psutil's `glob(...)` + `split('_')[0]`.
fn prefixes(dirs: &[PathBuf], kind: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        for f in sorted_entries(dir) {
            let Some(name) = f.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(rest) = name.strip_prefix(kind) else {
                continue;
            };
            let Some((num, _)) = rest.split_once('_') else {
                continue;
            };
            if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let prefix = dir.join(format!("{kind}{num}"));
            if !out.contains(&prefix) {
                out.push(prefix);
            }
        }
    }
    out.sort();
    out
}

fn hwmon_dirs(sys: &Path, with_device: bool) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for hw in sorted_entries(&sys.join("class/hwmon")) {
        if !hw
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("hwmon"))
        {
            continue;
        }
        if with_device {
            dirs.push(hw.join("device"));
        } else {
            dirs.push(hw);
        }
    }
    dirs
}

fn file(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Temperatures by chip name: hwmon `temp*_input` (m°C), else thermal zones.
pub(crate) fn sensors_temperatures() -> Result<IndexMap<String, Vec<Temperature>>> {
    let sys = crate::sys::roots::sysfs_root();
    let mut dirs = hwmon_dirs(&sys, false);
    dirs.extend(hwmon_dirs(&sys, true));
    let mut out: IndexMap<String, Vec<Temperature>> = IndexMap::new();
    let found = prefixes(&dirs, "temp");
    for prefix in &found {
        let Some(current) = read_sysfs_number(&file(prefix, "_input")) else {
            continue;
        };
        let Some(name) = prefix.parent().and_then(|d| read_trimmed(&d.join("name"))) else {
            continue;
        };
        out.entry(name).or_default().push(Temperature {
            label: read_trimmed(&file(prefix, "_label")).unwrap_or_default(),
            current: current / 1000.0,
            high: read_sysfs_number(&file(prefix, "_max")).map(|v| v / 1000.0),
            critical: read_sysfs_number(&file(prefix, "_crit")).map(|v| v / 1000.0),
        });
    }
    if !found.is_empty() {
        return Ok(out);
    }
    for zone in sorted_entries(&sys.join("class/thermal")) {
        if !zone
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("thermal_zone"))
        {
            continue;
        }
        let (Some(temp), Some(name)) = (
            read_sysfs_number(&zone.join("temp")),
            read_trimmed(&zone.join("type")),
        ) else {
            continue;
        };
        let (mut high, mut critical) = (None, None);
        for tp in trip_points(&zone) {
            // psutil divides trip temperatures by 1000 inside its loop, repeatedly
            // (its bug 8); each is divided once here.
            let value = read_sysfs_number(&file(&tp, "_temp")).map(|v| v / 1000.0);
            match read_trimmed(&file(&tp, "_type")).as_deref() {
                Some("critical") => critical = value,
                Some("high") => high = value,
                _ => {}
            }
        }
        out.entry(name).or_default().push(Temperature {
            label: String::new(),
            current: temp / 1000.0,
            high,
            critical,
        });
    }
    Ok(out)
}

/// The distinct `trip_point_N` prefixes of a thermal zone's `trip_point_N_{type,temp}`
/// files, sorted (psutil: `'_'.join(basename.split('_')[0:3])`).
fn trip_points(zone: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for f in sorted_entries(zone) {
        let Some(name) = f.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some((num, _)) = name
            .strip_prefix("trip_point_")
            .and_then(|rest| rest.split_once('_'))
        else {
            continue;
        };
        if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let prefix = zone.join(format!("trip_point_{num}"));
        if !out.contains(&prefix) {
            out.push(prefix);
        }
    }
    out.sort();
    out
}

/// Fans by chip name: hwmon `fan*_input` (RPM).
pub(crate) fn sensors_fans() -> Result<IndexMap<String, Vec<Fan>>> {
    let sys = crate::sys::roots::sysfs_root();
    let mut found = prefixes(&hwmon_dirs(&sys, false), "fan");
    if found.is_empty() {
        found = prefixes(&hwmon_dirs(&sys, true), "fan");
    }
    let mut out: IndexMap<String, Vec<Fan>> = IndexMap::new();
    for prefix in found {
        let Some(current) = read_sysfs_number(&file(&prefix, "_input")) else {
            continue;
        };
        let Some(name) = prefix.parent().and_then(|d| read_trimmed(&d.join("name"))) else {
            continue;
        };
        out.entry(name).or_default().push(Fan {
            label: read_trimmed(&file(&prefix, "_label")).unwrap_or_default(),
            current: current.max(0.0) as u64,
        });
    }
    Ok(out)
}

/// The first battery (`BAT*` or `*battery*`, smallest name) of
/// `/sys/class/power_supply`, with psutil's formulas (`rpsutil_parse::linux::sysfs`).
pub(crate) fn sensors_battery() -> Result<Option<Battery>> {
    let sys = crate::sys::roots::sysfs_root();
    let supplies = sys.join("class/power_supply");
    let mut names: Vec<String> = sorted_entries(&supplies)
        .iter()
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .filter(|n| n.starts_with("BAT") || n.to_ascii_lowercase().contains("battery"))
        .collect();
    names.sort();
    let Some(bat) = names.first().map(|n| supplies.join(n)) else {
        return Ok(None);
    };
    let int = |names: &[&str]| {
        names.iter().find_map(|n| {
            read(&bat.join(n))
                .ok()
                .and_then(|d| sysfs::parse_int(&d).ok())
        })
    };
    let energy_now = int(&["energy_now", "charge_now"]);
    let power_now = int(&["power_now", "current_now"]);
    let energy_full = int(&["energy_full", "charge_full"]);
    let percent = match (energy_now, energy_full) {
        (Some(now), Some(full)) => sysfs::battery_percent(now, full),
        _ => match int(&["capacity"]) {
            Some(c) => c as f64,
            None => return Ok(None),
        },
    };
    let ac = ["AC0/online", "AC/online"]
        .iter()
        .find_map(|p| read(&supplies.join(p)).ok())
        .map(|d| sysfs::parse_value(&d));
    let status = read(&bat.join("status")).ok();
    let power_plugged = sysfs::battery_power_plugged(ac.as_ref(), status.as_deref());
    let secs = sysfs::battery_secsleft(
        power_plugged,
        energy_now,
        power_now,
        int(&["time_to_empty_now"]),
    );
    let secsleft = match secs {
        sysfs::POWER_TIME_UNLIMITED => BatteryTime::Unlimited,
        s if s < 0 => BatteryTime::Unknown,
        s => BatteryTime::Seconds(s as u64),
    };
    Ok(Some(Battery {
        percent,
        secsleft,
        power_plugged,
    }))
}
