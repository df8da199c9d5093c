//! Sensor types: psutil's `shwtemp`, `sfan`, `sbattery`.

use serde::{Serialize, Serializer};

/// psutil's `shwtemp`: one temperature sensor, in °C (or °F when asked).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Temperature {
    /// The sensor's label (`Core 0`), or `""`.
    pub label: String,
    /// The current temperature.
    pub current: f64,
    /// The "high" threshold, if any (set to `critical` when only that is known).
    pub high: Option<f64>,
    /// The "critical" threshold, if any (set to `high` when only that is known).
    pub critical: Option<f64>,
}

/// psutil's `sfan`: one fan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Fan {
    /// The fan's label, or `""`.
    pub label: String,
    /// Speed in RPM.
    pub current: u64,
}

/// psutil's `BatteryTime` and the seconds left. Serialises as psutil's integer:
/// -1 unknown, -2 unlimited (on AC power), else seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatteryTime {
    /// `POWER_TIME_UNKNOWN` (-1).
    Unknown,
    /// `POWER_TIME_UNLIMITED` (-2): plugged in.
    Unlimited,
    /// Seconds until empty.
    Seconds(u64),
}

impl BatteryTime {
    /// psutil's integer.
    pub fn as_psutil(self) -> i64 {
        match self {
            BatteryTime::Unknown => -1,
            BatteryTime::Unlimited => -2,
            BatteryTime::Seconds(s) => i64::try_from(s).unwrap_or(i64::MAX),
        }
    }
}

impl Serialize for BatteryTime {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i64(self.as_psutil())
    }
}

/// psutil's `sbattery`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Battery {
    /// Charge left, percent.
    pub percent: f64,
    /// Time left.
    pub secsleft: BatteryTime,
    /// True on AC power, None when unknown.
    pub power_plugged: Option<bool>,
}
