//! psutil's rules on what IOKit hands out on macOS, apart from the
//! CoreFoundation objects themselves: the backend (`rpsutil::sys::macos::iokit`)
//! looks the keys up and passes the values here.
//!
//! - `disk_io_counters()`: the `IOBlockStorageDriver` "Statistics" dictionary
//!   (`arch/osx/disk.c`; keys from `IOKit/storage/IOBlockStorageDriver.h`);
//! - `sensors_battery()`: the first power source's description
//!   (`arch/osx/sensors.c`, `_psosx.py`; keys from `IOKit/ps/IOPSKeys.h`);
//! - `cpu_freq()` on arm64: the `pmgr` device's voltage-state tables
//!   (`arch/osx/cpu.c`).

use crate::{ParseError, Result};

/// `kIOBSDNameKey` (`IOKit/IOBSD.h`): the media's BSD name (`disk0`).
pub const BSD_NAME_KEY: &str = "BSD Name";
/// `kIOBlockStorageDriverStatisticsKey`: the driver's statistics dictionary.
pub const STATISTICS_KEY: &str = "Statistics";
/// `kIOBlockStorageDriverStatisticsReadsKey`.
pub const READS_KEY: &str = "Operations (Read)";
/// `kIOBlockStorageDriverStatisticsWritesKey`.
pub const WRITES_KEY: &str = "Operations (Write)";
/// `kIOBlockStorageDriverStatisticsBytesReadKey`.
pub const BYTES_READ_KEY: &str = "Bytes (Read)";
/// `kIOBlockStorageDriverStatisticsBytesWrittenKey`.
pub const BYTES_WRITTEN_KEY: &str = "Bytes (Write)";
/// `kIOBlockStorageDriverStatisticsTotalReadTimeKey` (nanoseconds).
pub const TOTAL_READ_TIME_KEY: &str = "Total Time (Read)";
/// `kIOBlockStorageDriverStatisticsTotalWriteTimeKey` (nanoseconds).
pub const TOTAL_WRITE_TIME_KEY: &str = "Total Time (Write)";

/// `kIOPSCurrentCapacityKey`.
pub const CURRENT_CAPACITY_KEY: &str = "Current Capacity";
/// `kIOPSMaxCapacityKey`.
pub const MAX_CAPACITY_KEY: &str = "Max Capacity";
/// `kIOPSTimeToEmptyKey` (minutes; -1 while the OS is still computing it).
pub const TIME_TO_EMPTY_KEY: &str = "Time to Empty";
/// `kIOPSPowerSourceStateKey`.
pub const POWER_SOURCE_STATE_KEY: &str = "Power Source State";
/// `kIOPSACPowerValue`: the state value meaning "on AC power".
pub const AC_POWER_VALUE: &str = "AC Power";

/// psutil's `POWER_TIME_UNKNOWN`.
pub const POWER_TIME_UNKNOWN: i64 = -1;
/// psutil's `POWER_TIME_UNLIMITED`.
pub const POWER_TIME_UNLIMITED: i64 = -2;

/// One whole disk's counters as psutil's `sdiskio` for macOS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiskIo {
    /// Read operations.
    pub read_count: u64,
    /// Write operations.
    pub write_count: u64,
    /// Bytes read.
    pub read_bytes: u64,
    /// Bytes written.
    pub write_bytes: u64,
    /// Milliseconds spent reading.
    pub read_time: u64,
    /// Milliseconds spent writing.
    pub write_time: u64,
}

/// The counters from the statistics dictionary, `stat(key)` giving a key's
/// number (read as SInt64, as psutil). A missing counter is 0; the times are
/// nanoseconds, truncated to milliseconds (`/ 1000 / 1000`). The kernel's
/// counters are unsigned; a negative value (never seen) is taken as 0 rather
/// than psutil's wrap to 2^64 − n.
pub fn disk_io(stat: impl Fn(&str) -> Option<i64>) -> DiskIo {
    let get = |key: &str| u64::try_from(stat(key).unwrap_or(0)).unwrap_or(0);
    DiskIo {
        read_count: get(READS_KEY),
        write_count: get(WRITES_KEY),
        read_bytes: get(BYTES_READ_KEY),
        write_bytes: get(BYTES_WRITTEN_KEY),
        read_time: get(TOTAL_READ_TIME_KEY) / 1000 / 1000,
        write_time: get(TOTAL_WRITE_TIME_KEY) / 1000 / 1000,
    }
}

/// The battery as psutil's `sbattery` for macOS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatteryReading {
    /// Charge left, percent.
    pub percent: f64,
    /// Seconds left, or [`POWER_TIME_UNLIMITED`] / [`POWER_TIME_UNKNOWN`].
    pub secsleft: i64,
    /// On AC power.
    pub power_plugged: bool,
}

/// What the backend read from a power source's description.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PowerSource {
    /// `Current Capacity`, None when missing or not a number.
    pub current_capacity: Option<i64>,
    /// `Max Capacity`, None when missing or not a number.
    pub max_capacity: Option<i64>,
    /// `Power Source State`, None when missing or not a string.
    pub state: Option<String>,
    /// `Time to Empty` in minutes, None when missing or not a number.
    pub time_to_empty: Option<i64>,
}

/// psutil's rules (`osx/sensors.c`, `_psosx.sensors_battery`):
/// - the current capacity is required (psutil's RuntimeError otherwise). psutil
///   reports it as the percentage; `IOPSKeys.h` says a percentage is current /
///   max capacity, and Apple's sources publish a max of 100, where both agree.
///   Here the percentage is `current × 100 / max` when the max capacity is a
///   positive number, else the current capacity as psutil (third-party UPSes
///   may publish mAh);
/// - the power-source state is required; plugged = it equals `"AC Power"`;
/// - secsleft: plugged → unlimited; time to empty missing or −1 (still
///   computing) → unknown; else minutes × 60. Other negative times (psutil
///   would report them × 60) are unknown too.
pub fn battery(src: &PowerSource) -> Result<BatteryReading> {
    let current = src
        .current_capacity
        .ok_or_else(|| ParseError::new("No battery capacity information in power sources info"))?;
    let state = src
        .state
        .as_deref()
        .ok_or_else(|| ParseError::new("power source state info missing"))?;
    let percent = match src.max_capacity {
        Some(max) if max > 0 => current as f64 * 100.0 / max as f64,
        _ => current as f64,
    };
    let power_plugged = state == AC_POWER_VALUE;
    let secsleft = if power_plugged {
        POWER_TIME_UNLIMITED
    } else {
        match src.time_to_empty {
            Some(minutes) if minutes >= 0 => minutes.saturating_mul(60),
            _ => POWER_TIME_UNKNOWN,
        }
    };
    Ok(BatteryReading {
        percent,
        secsleft,
        power_plugged,
    })
}

/// `pmgr`'s performance-core table (`voltage-states5-sram`).
pub const PMGR_P_CORE_KEY: &str = "voltage-states5-sram";
/// `pmgr`'s efficiency-core table (`voltage-states1-sram`).
pub const PMGR_E_CORE_KEY: &str = "voltage-states1-sram";

/// The arm64 frequencies, MHz (psutil's ints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PmgrFreq {
    /// psutil reports the maximum as the current frequency.
    pub current: u64,
    /// The lower of the two tables' first frequencies.
    pub min: u64,
    /// The performance table's last frequency.
    pub max: u64,
}

fn u32_le(data: &[u8], off: usize, what: &str) -> Result<u32> {
    super::u32_at(data, off, what)
}

/// psutil 7.2.2's reading of the voltage-state tables, arrays of (frequency Hz,
/// voltage) pairs of little-endian `u32`: `max` = the frequency of the P table's
/// last pair (at `len − 8`), `min` = the smaller of the two tables' first
/// frequencies, `current` = `max`, each `/ 1000 / 1000` in integers. A P table
/// shorter than 8 bytes or an E table shorter than 4 is an error (psutil's
/// "invalid CPU frequency data"). (psutil 8.0 reads other tables and units on M4
/// and later, #2642, #2841; this is 7.2.2's reading.)
pub fn pmgr_freq(p_table: &[u8], e_table: &[u8]) -> Result<PmgrFreq> {
    if p_table.len() < 8 || e_table.len() < 4 {
        return Err(ParseError::new(format!(
            "invalid CPU frequency data: tables of {} and {} bytes",
            p_table.len(),
            e_table.len()
        )));
    }
    let p_min = u32_le(p_table, 0, PMGR_P_CORE_KEY)?;
    let e_min = u32_le(e_table, 0, PMGR_E_CORE_KEY)?;
    let max = u32_le(p_table, p_table.len() - 8, PMGR_P_CORE_KEY)?;
    let mhz = |hz: u32| u64::from(hz) / 1000 / 1000;
    Ok(PmgrFreq {
        current: mhz(max),
        min: mhz(p_min.min(e_min)),
        max: mhz(max),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn disk_statistics() {
        let stats: HashMap<&str, i64> = [
            ("Operations (Read)", 1200),
            ("Operations (Write)", 340),
            ("Bytes (Read)", 49_152_000),
            ("Bytes (Write)", 8_192_000),
            ("Total Time (Read)", 2_345_678_901),
            ("Total Time (Write)", 999_999),
            ("Errors (Read)", 7),
        ]
        .into_iter()
        .collect();
        let io = disk_io(|k| stats.get(k).copied());
        assert_eq!(
            io,
            DiskIo {
                read_count: 1200,
                write_count: 340,
                read_bytes: 49_152_000,
                write_bytes: 8_192_000,
                read_time: 2345,
                write_time: 0,
            }
        );
    }

    #[test]
    fn disk_statistics_missing_and_negative() {
        let io = disk_io(|k| (k == READS_KEY).then_some(-5));
        assert_eq!(io, DiskIo::default());
    }

    fn source(cur: Option<i64>, max: Option<i64>, state: &str, tte: Option<i64>) -> PowerSource {
        PowerSource {
            current_capacity: cur,
            max_capacity: max,
            state: Some(state.to_string()),
            time_to_empty: tte,
        }
    }

    #[test]
    fn battery_on_battery() {
        let b = battery(&source(Some(73), Some(100), "Battery Power", Some(95))).unwrap();
        assert_eq!(
            b,
            BatteryReading {
                percent: 73.0,
                secsleft: 5700,
                power_plugged: false
            }
        );
    }

    #[test]
    fn battery_plugged_is_unlimited() {
        let b = battery(&source(Some(100), Some(100), "AC Power", Some(0))).unwrap();
        assert_eq!(b.secsleft, POWER_TIME_UNLIMITED);
        assert!(b.power_plugged);
    }

    #[test]
    fn battery_unknown_time() {
        for tte in [None, Some(-1), Some(-7)] {
            let b = battery(&source(Some(40), Some(100), "Battery Power", tte)).unwrap();
            assert_eq!(b.secsleft, POWER_TIME_UNKNOWN);
        }
        // "Off Line" (a UPS) is not AC power.
        let b = battery(&source(Some(40), None, "Off Line", Some(2))).unwrap();
        assert_eq!((b.power_plugged, b.secsleft), (false, 120));
    }

    #[test]
    fn battery_percent_from_max_capacity() {
        // A UPS publishing mAh: 1500 of 2000.
        let b = battery(&source(Some(1500), Some(2000), "AC Power", None)).unwrap();
        assert_eq!(b.percent, 75.0);
        // No (or a zero) max capacity: psutil's raw current capacity.
        let b = battery(&source(Some(55), Some(0), "AC Power", None)).unwrap();
        assert_eq!(b.percent, 55.0);
        let b = battery(&source(Some(55), None, "AC Power", None)).unwrap();
        assert_eq!(b.percent, 55.0);
    }

    #[test]
    fn battery_required_keys() {
        assert!(battery(&source(None, Some(100), "AC Power", None)).is_err());
        let mut s = source(Some(50), Some(100), "AC Power", None);
        s.state = None;
        assert!(battery(&s).is_err());
    }

    fn table(pairs: &[(u32, u32)]) -> Vec<u8> {
        pairs
            .iter()
            .flat_map(|&(f, v)| f.to_le_bytes().into_iter().chain(v.to_le_bytes()))
            .collect()
    }

    #[test]
    fn pmgr_tables() {
        let p = table(&[
            (600_000_000, 800),
            (1_968_000_000, 900),
            (3_228_000_000, 1000),
        ]);
        let e = table(&[(600_000_000, 700), (2_064_000_000, 800)]);
        assert_eq!(
            pmgr_freq(&p, &e).unwrap(),
            PmgrFreq {
                current: 3228,
                min: 600,
                max: 3228
            }
        );
        let e = table(&[(396_000_000, 700)]);
        assert_eq!(pmgr_freq(&p, &e).unwrap().min, 396);
    }

    #[test]
    fn pmgr_short_tables() {
        assert!(pmgr_freq(&[0; 7], &[0; 8]).is_err());
        assert!(pmgr_freq(&[0; 8], &[0; 3]).is_err());
        // The E table needs only its first frequency.
        let p = table(&[(2_000_000_000, 1)]);
        assert_eq!(
            pmgr_freq(&p, &1_000_000_000u32.to_le_bytes()).unwrap().min,
            1000
        );
    }

    proptest! {
        #[test]
        fn never_panics(p in proptest::collection::vec(any::<u8>(), 0..64),
                        e in proptest::collection::vec(any::<u8>(), 0..64),
                        cur in any::<Option<i64>>(), max in any::<Option<i64>>(),
                        tte in any::<Option<i64>>(), v in any::<i64>()) {
            let _ = pmgr_freq(&p, &e);
            let _ = battery(&PowerSource {
                current_capacity: cur,
                max_capacity: max,
                state: Some("AC Power".into()),
                time_to_empty: tte,
            });
            let _ = disk_io(|_| Some(v));
        }
    }
}
