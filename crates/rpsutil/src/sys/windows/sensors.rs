//! `sensors_battery`: psutil's `sensors.c` (`GetSystemPowerStatus`).

use windows_sys::Win32::System::Power::{GetSystemPowerStatus, SYSTEM_POWER_STATUS};

use super::errors::last_error;
use crate::types::sensors::{Battery, BatteryTime};
use crate::Result;

/// psutil's rules on the four fields it reads: `BatteryFlag & 128` ("no system
/// battery") → None; plugged = `ACLineStatus == 1` (255, unknown, counts as not
/// plugged); plugged or charging (`flag & 8`) → unlimited time; else
/// `BatteryLifeTime` seconds. psutil returns the "unknown" value 0xFFFFFFFF raw as
/// seconds (#2875); here it is [`BatteryTime::Unknown`]. The percent is passed
/// through (255 = unknown, as psutil).
fn battery_from(s: &SYSTEM_POWER_STATUS) -> Option<Battery> {
    if s.BatteryFlag & 128 != 0 {
        return None;
    }
    let plugged = s.ACLineStatus == 1;
    let secsleft = if plugged || s.BatteryFlag & 8 != 0 {
        BatteryTime::Unlimited
    } else if s.BatteryLifeTime == u32::MAX {
        BatteryTime::Unknown
    } else {
        BatteryTime::Seconds(u64::from(s.BatteryLifeTime))
    };
    Some(Battery {
        percent: f64::from(s.BatteryLifePercent),
        secsleft,
        power_plugged: Some(plugged),
    })
}

/// The battery, None without one.
pub(crate) fn sensors_battery() -> Result<Option<Battery>> {
    // SAFETY: SYSTEM_POWER_STATUS is plain data; all-zero is valid.
    let mut s: SYSTEM_POWER_STATUS = unsafe { std::mem::zeroed() };
    // SAFETY: s is writable.
    if unsafe { GetSystemPowerStatus(&mut s) } == 0 {
        return Err(last_error("GetSystemPowerStatus"));
    }
    Ok(battery_from(&s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::wine;

    fn status(ac: u8, flag: u8, pct: u8, secs: u32) -> SYSTEM_POWER_STATUS {
        SYSTEM_POWER_STATUS {
            ACLineStatus: ac,
            BatteryFlag: flag,
            BatteryLifePercent: pct,
            SystemStatusFlag: 0,
            BatteryLifeTime: secs,
            BatteryFullLifeTime: u32::MAX,
        }
    }

    #[test]
    fn psutils_rules() {
        assert_eq!(battery_from(&status(1, 128, 255, u32::MAX)), None);
        let b = battery_from(&status(0, 1, 80, 3600)).expect("battery");
        assert_eq!(
            (b.percent, b.secsleft, b.power_plugged),
            (80.0, BatteryTime::Seconds(3600), Some(false))
        );
        let b = battery_from(&status(1, 1, 80, 3600)).expect("battery");
        assert_eq!(
            (b.secsleft, b.power_plugged),
            (BatteryTime::Unlimited, Some(true))
        );
        let b = battery_from(&status(0, 8, 50, 100)).expect("charging");
        assert_eq!(b.secsleft, BatteryTime::Unlimited);
        let b = battery_from(&status(255, 1, 50, u32::MAX)).expect("unknown time");
        assert_eq!(
            (b.secsleft, b.power_plugged),
            (BatteryTime::Unknown, Some(false))
        );
    }

    #[test]
    fn no_battery_here_under_wine() {
        let b = crate::sensors_battery().expect("GetSystemPowerStatus");
        if wine::version().is_none() {
            return;
        }
        // Wine 8 reads /sys/class/power_supply: no BAT* there → flag 128 → None.
        let has_battery = std::fs::read_dir("Z:\\sys\\class\\power_supply")
            .map(|d| {
                d.flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("BAT"))
            })
            .unwrap_or(false);
        assert_eq!(b.is_some(), has_battery, "{b:?}");
    }
}
