//! Sensors: temperatures, fans, battery.

use indexmap::IndexMap;

use crate::sys::imp;
use crate::Result;

pub use crate::types::sensors::*;

/// Temperatures grouped by sensor chip name, in discovery order of the chips' first
/// sensor. Empty when the machine has no sensors.
///
/// Source: Linux `/sys/class/hwmon/hwmon*/temp*_{input,max,crit,label}` (°C = m°C /
/// 1000), else `/sys/class/thermal/thermal_zone*` (under the settable sysfs root).
pub fn sensors_temperatures(fahrenheit: bool) -> Result<IndexMap<String, Vec<Temperature>>> {
    let mut all = imp::sensors_temperatures()?;
    for temps in all.values_mut() {
        for t in temps.iter_mut() {
            if fahrenheit {
                use rpsutil_parse::linux::sysfs::celsius_to_fahrenheit as f;
                t.current = f(t.current);
                t.high = t.high.map(f);
                t.critical = t.critical.map(f);
            }
            // psutil's wrapper: each threshold stands in for a missing other one.
            (t.high, t.critical) =
                rpsutil_parse::linux::sysfs::fill_high_critical(t.high, t.critical);
        }
    }
    Ok(all)
}

/// Fans grouped by chip name.
///
/// Source: Linux `/sys/class/hwmon/hwmon*/fan*_{input,label}`.
pub fn sensors_fans() -> Result<IndexMap<String, Vec<Fan>>> {
    imp::sensors_fans()
}

/// The battery, or None without one.
///
/// Source: Linux `/sys/class/power_supply/BAT*` and `AC*/online`.
pub fn sensors_battery() -> Result<Option<Battery>> {
    imp::sensors_battery()
}
