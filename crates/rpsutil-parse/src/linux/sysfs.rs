//! Small value parsers and conversions for `/sys/class/hwmon`, `/sys/class/thermal`
//! and `/sys/class/power_supply` (kernel `Documentation/hwmon/sysfs-interface.rst`,
//! `Documentation/ABI/testing/sysfs-class-power`), following psutil 7.2.2's
//! `sensors_temperatures`, `sensors_fans` and `sensors_battery`.
//!
//! Units as the kernel exposes them: temperatures in millidegrees Celsius, fan
//! speeds in RPM, power-supply voltages in µV, currents in µA, powers in µW,
//! energies in µWh, charges in µAh, `time_to_empty_now` in seconds (psutil treats
//! it as minutes; see [`battery_secsleft`]).

use crate::util::{parse_i64, trim};
use crate::{ParseError, Result};

/// psutil's `POWER_TIME_UNKNOWN`.
pub const POWER_TIME_UNKNOWN: i64 = -1;
/// psutil's `POWER_TIME_UNLIMITED`.
pub const POWER_TIME_UNLIMITED: i64 = -2;

/// Parses a one-integer sysfs file: optional surrounding whitespace (the trailing
/// newline), optional sign.
///
/// Errors: anything else (empty, not a number, out of `i64` range).
pub fn parse_int(data: &[u8]) -> Result<i64> {
    let t = trim(data);
    let t = t.strip_prefix(b"+").unwrap_or(t);
    parse_i64(t, "sysfs integer")
}

/// Parses a sysfs number the way psutil's `float(bcat(path))` does for
/// temperatures: an integer or decimal, whitespace-trimmed.
///
/// Errors: not a number.
pub fn parse_float(data: &[u8]) -> Result<f64> {
    let t = trim(data);
    std::str::from_utf8(t)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| {
            ParseError::new(format!(
                "sysfs: not a number: {:?}",
                String::from_utf8_lossy(t)
            ))
        })
}

/// A power-supply attribute as psutil's `multi_bcat` returns it: the integer if
/// the text is one, else the stripped text (`status` → `Discharging`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SysfsValue {
    /// The content parsed as an integer.
    Int(i64),
    /// The stripped content otherwise.
    Text(Vec<u8>),
}

impl SysfsValue {
    /// The integer, if it was one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            SysfsValue::Int(v) => Some(*v),
            SysfsValue::Text(_) => None,
        }
    }
}

/// Classifies a sysfs file's content (see [`SysfsValue`]).
pub fn parse_value(data: &[u8]) -> SysfsValue {
    match parse_int(data) {
        Ok(v) => SysfsValue::Int(v),
        Err(_) => SysfsValue::Text(trim(data).to_vec()),
    }
}

/// Millidegrees Celsius (hwmon `temp*_input`, thermal `temp`) to degrees:
/// psutil's `/ 1000.0`.
pub fn millidegrees_to_celsius(milli: f64) -> f64 {
    milli / 1000.0
}

/// psutil's `fahrenheit=True` conversion: `c * 9 / 5 + 32`.
pub fn celsius_to_fahrenheit(c: f64) -> f64 {
    c * 9.0 / 5.0 + 32.0
}

/// Micro-units (µV, µA, µW, µWh, µAh) to base units (V, A, W, Wh, Ah).
pub fn micro_to_base(micro: i64) -> f64 {
    micro as f64 / 1_000_000.0
}

/// psutil's `sensors_temperatures` wrapper rule: if only one of `high` and
/// `critical` is set (psutil tests truthiness, so 0.0 counts as unset), the other
/// takes its value.
pub fn fill_high_critical(high: Option<f64>, critical: Option<f64>) -> (Option<f64>, Option<f64>) {
    let set = |v: Option<f64>| v.filter(|x| *x != 0.0);
    match (set(high), set(critical)) {
        (Some(h), None) => (high, Some(h)),
        (None, Some(c)) => (Some(c), critical),
        _ => (high, critical),
    }
}

/// Splits an hwmon attribute file name at its first `_`: `temp1_input` →
/// (`temp1`, `input`), `fan2_label` → (`fan2`, `label`). psutil groups the files
/// of one sensor by that prefix (`path.split('_')[0]`). `None` without a `_`.
pub fn split_hwmon_attr(file_name: &[u8]) -> Option<(&[u8], &[u8])> {
    let u = file_name.iter().position(|&b| b == b'_')?;
    Some((file_name.get(..u)?, file_name.get(u + 1..)?))
}

/// Parses a `uevent` file: `KEY=VALUE` lines, split at the first `=`; lines
/// without one are skipped. For a power supply the keys are `POWER_SUPPLY_*`
/// (see [`power_supply_attr`]).
pub fn parse_uevent(data: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    data.split(|&b| b == b'\n')
        .filter_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let eq = line.iter().position(|&b| b == b'=')?;
            Some((line.get(..eq)?.to_vec(), line.get(eq + 1..)?.to_vec()))
        })
        .collect()
}

/// Maps a power-supply uevent key to the name of the sysfs attribute file holding
/// the same value: `POWER_SUPPLY_ENERGY_NOW` → `energy_now`. `None` for keys
/// without the `POWER_SUPPLY_` prefix (`DEVTYPE`, …).
pub fn power_supply_attr(key: &[u8]) -> Option<Vec<u8>> {
    key.strip_prefix(b"POWER_SUPPLY_")
        .map(|k| k.to_ascii_lowercase())
}

/// psutil's battery percentage from `energy_now`/`energy_full` (or
/// `charge_now`/`charge_full`): `100.0 * now / full`, 0.0 when `full` is 0.
pub fn battery_percent(now: i64, full: i64) -> f64 {
    if full == 0 {
        0.0
    } else {
        100.0 * now as f64 / full as f64
    }
}

/// psutil's `power_plugged`: `AC0/online` or `AC/online` if present (`== 1`),
/// else the battery `status` lower-cased: `discharging` → false, `charging` or
/// `full` → true, anything else (or missing) → `None`.
pub fn battery_power_plugged(
    ac_online: Option<&SysfsValue>,
    status: Option<&[u8]>,
) -> Option<bool> {
    if let Some(online) = ac_online {
        return Some(online.as_int() == Some(1));
    }
    let status = trim(status?).to_ascii_lowercase();
    match status.as_slice() {
        b"discharging" => Some(false),
        b"charging" | b"full" => Some(true),
        _ => None,
    }
}

/// psutil's `secsleft`: [`POWER_TIME_UNLIMITED`] when plugged; else
/// `int(energy_now / abs(power_now) * 3600)` when both are known (power 0 →
/// [`POWER_TIME_UNKNOWN`]); else `time_to_empty_now` (negative → unknown); else
/// unknown.
///
/// The kernel documents `time_to_empty_now` in seconds
/// (`Documentation/ABI/testing/sysfs-class-power`); psutil 7.2.2 multiplies it by 60
/// as if it were minutes. It is used as seconds here (docs/DIFFERENCES.md).
pub fn battery_secsleft(
    power_plugged: Option<bool>,
    energy_now: Option<i64>,
    power_now: Option<i64>,
    time_to_empty_secs: Option<i64>,
) -> i64 {
    if power_plugged == Some(true) {
        return POWER_TIME_UNLIMITED;
    }
    match (energy_now, power_now, time_to_empty_secs) {
        (Some(_), Some(0), _) => POWER_TIME_UNKNOWN,
        (Some(e), Some(p), _) => {
            // `as` saturates; the float maths mirrors Python's true division.
            (e as f64 / (p as f64).abs() * 3600.0) as i64
        }
        (_, _, Some(t)) if t >= 0 => t,
        _ => POWER_TIME_UNKNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A `uevent` as a laptop battery exposes it (`/sys/class/power_supply/BAT0/uevent`).
    const BAT_UEVENT: &[u8] =
        include_bytes!("../../fixtures/linux/synthetic/power_supply-BAT0-uevent");

    #[test]
    fn integers() {
        assert_eq!(parse_int(b"45000\n").unwrap(), 45000);
        assert_eq!(parse_int(b"-2500\n").unwrap(), -2500);
        assert_eq!(parse_int(b" +7 ").unwrap(), 7);
        assert!(parse_int(b"").is_err());
        assert!(parse_int(b"\n").is_err());
        assert!(parse_int(b"4.5\n").is_err());
        assert!(parse_int(b"99999999999999999999\n").is_err());
        assert_eq!(parse_float(b"45000\n").unwrap(), 45000.0);
        assert_eq!(parse_float(b"-1.5").unwrap(), -1.5);
        assert!(parse_float(b"hot").is_err());
        assert_eq!(
            parse_value(b"Discharging\n"),
            SysfsValue::Text(b"Discharging".to_vec())
        );
        assert_eq!(parse_value(b"1\n"), SysfsValue::Int(1));
    }

    #[test]
    fn conversions() {
        assert_eq!(millidegrees_to_celsius(45500.0), 45.5);
        assert_eq!(millidegrees_to_celsius(-1000.0), -1.0);
        assert_eq!(celsius_to_fahrenheit(100.0), 212.0);
        assert_eq!(micro_to_base(12_345_000), 12.345);
        assert_eq!(
            fill_high_critical(Some(80.0), None),
            (Some(80.0), Some(80.0))
        );
        assert_eq!(
            fill_high_critical(None, Some(90.0)),
            (Some(90.0), Some(90.0))
        );
        assert_eq!(
            fill_high_critical(Some(0.0), Some(90.0)),
            (Some(90.0), Some(90.0))
        );
        assert_eq!(
            fill_high_critical(Some(80.0), Some(90.0)),
            (Some(80.0), Some(90.0))
        );
        assert_eq!(fill_high_critical(None, None), (None, None));
        assert_eq!(
            split_hwmon_attr(b"temp1_input"),
            Some((&b"temp1"[..], &b"input"[..]))
        );
        assert_eq!(
            split_hwmon_attr(b"temp1_crit_alarm"),
            Some((&b"temp1"[..], &b"crit_alarm"[..]))
        );
        assert_eq!(split_hwmon_attr(b"name"), None);
    }

    #[test]
    fn battery_uevent() {
        let text = String::from_utf8_lossy(BAT_UEVENT);
        let kv = parse_uevent(BAT_UEVENT);
        assert_eq!(kv.len(), text.lines().filter(|l| l.contains('=')).count());
        let get = |attr: &str| {
            kv.iter()
                .find(|(k, _)| power_supply_attr(k).as_deref() == Some(attr.as_bytes()))
                .map(|(_, v)| parse_value(v))
        };
        let want = |key: &str| -> i64 {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .unwrap()
                .parse()
                .unwrap()
        };
        let now = get("energy_now").unwrap().as_int().unwrap();
        let full = get("energy_full").unwrap().as_int().unwrap();
        let power = get("power_now").unwrap().as_int().unwrap();
        assert_eq!(now, want("POWER_SUPPLY_ENERGY_NOW"));
        assert_eq!(
            battery_percent(now, full),
            100.0 * want("POWER_SUPPLY_ENERGY_NOW") as f64
                / want("POWER_SUPPLY_ENERGY_FULL") as f64
        );
        let status = match get("status").unwrap() {
            SysfsValue::Text(t) => t,
            other => panic!("{other:?}"),
        };
        let plugged = battery_power_plugged(None, Some(&status));
        assert_eq!(plugged, Some(false));
        assert_eq!(
            battery_secsleft(plugged, Some(now), Some(power), None),
            (now as f64 / power as f64 * 3600.0) as i64
        );
        assert_eq!(
            micro_to_base(want("POWER_SUPPLY_VOLTAGE_NOW")),
            want("POWER_SUPPLY_VOLTAGE_NOW") as f64 / 1e6
        );
        assert_eq!(power_supply_attr(b"DEVTYPE"), None);
    }

    #[test]
    fn battery_rules() {
        assert_eq!(battery_percent(5, 0), 0.0);
        assert_eq!(
            battery_power_plugged(Some(&SysfsValue::Int(1)), Some(b"Discharging")),
            Some(true)
        );
        assert_eq!(
            battery_power_plugged(Some(&SysfsValue::Int(0)), None),
            Some(false)
        );
        assert_eq!(battery_power_plugged(None, Some(b"Full\n")), Some(true));
        assert_eq!(battery_power_plugged(None, Some(b"CHARGING")), Some(true));
        assert_eq!(battery_power_plugged(None, Some(b"Not charging")), None);
        assert_eq!(battery_power_plugged(None, None), None);
        assert_eq!(
            battery_secsleft(Some(true), Some(1), Some(1), None),
            POWER_TIME_UNLIMITED
        );
        assert_eq!(
            battery_secsleft(None, Some(10), Some(0), Some(5)),
            POWER_TIME_UNKNOWN
        );
        assert_eq!(
            battery_secsleft(Some(false), Some(10), Some(-20), None),
            1800
        );
        // time_to_empty_now is in seconds (psutil would say 300).
        assert_eq!(battery_secsleft(None, None, Some(3), Some(5)), 5);
        assert_eq!(
            battery_secsleft(None, None, None, Some(-5)),
            POWER_TIME_UNKNOWN
        );
        assert_eq!(battery_secsleft(None, None, None, None), POWER_TIME_UNKNOWN);
        assert_eq!(
            parse_uevent(b"A=1\nnoeq\nB==x\r\n"),
            vec![
                (b"A".to_vec(), b"1".to_vec()),
                (b"B".to_vec(), b"=x".to_vec()),
            ]
        );
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..200), a in any::<i64>(), b in any::<i64>(), c in any::<i64>()) {
            let _ = parse_int(&data);
            let _ = parse_float(&data);
            let v = parse_value(&data);
            let _ = parse_uevent(&data);
            let _ = split_hwmon_attr(&data);
            let _ = power_supply_attr(&data);
            let _ = battery_power_plugged(Some(&v), Some(&data));
            let _ = battery_power_plugged(None, Some(&data));
            let _ = battery_secsleft(None, Some(a), Some(b), Some(c));
            let _ = battery_secsleft(None, None, None, Some(c));
            let _ = battery_percent(a, b);
            let _ = micro_to_base(a);
        }

        #[test]
        fn integers_round_trip(v in any::<i64>()) {
            prop_assert_eq!(parse_int(format!("{v}\n").as_bytes()).unwrap(), v);
        }
    }
}
