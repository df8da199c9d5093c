//! node_exporter's `hwmon` (`/sys/class/hwmon/*` sensors, with its chip naming and
//! per-type units) and `thermal_zone` (`/sys/class/thermal`) collectors.
//!
//! The naming rules are a pure function, [`sensor_families`], of a chip's name and
//! its attribute files, so that they are tested without a sysfs tree.

use std::collections::BTreeMap;
use std::path::Path;

use super::parse::{clean_metric_name, explode_hwmon_filename};
use super::{CollectOptions, Collected, FamilySet};
use crate::model::MetricType;

/// The attribute types node_exporter reads; other files are ignored.
const SENSOR_TYPES: [&str; 13] = [
    "vrm",
    "beep_enable",
    "update_interval",
    "in",
    "cpu",
    "fan",
    "pwm",
    "temp",
    "curr",
    "power",
    "energy",
    "humidity",
    "intrusion",
];

/// Sensor (`temp1`) → property (`input`, `max`, `""` for the bare file) → text.
pub(super) type SensorData = BTreeMap<String, BTreeMap<String, String>>;

/// Files of one directory as sensor data, in node_exporter's grouping: `temp1_max`
/// is sensor `temp1`, property `max`; `beep_enable` is sensor `beep_enable0`.
fn add_sensor_files(dir: &Path, data: &mut SensorData) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)?.flatten() {
        let Ok(file) = entry.file_name().into_string() else {
            continue;
        };
        let Some((kind, num, prop)) = explode_hwmon_filename(&file) else {
            continue;
        };
        if !SENSOR_TYPES.contains(&kind.as_str()) {
            continue;
        }
        // node_exporter reads at most 128 bytes of a sensor file.
        let Ok(raw) = std::fs::read(entry.path()) else {
            continue;
        };
        let raw = &raw[..raw.len().min(128)];
        let value = String::from_utf8_lossy(raw).trim_matches('\n').to_owned();
        data.entry(format!("{kind}{num}"))
            .or_default()
            .insert(prop, value);
    }
    Ok(())
}

/// node_exporter's `hwmonName`: `<bus>_<device>` from the `device` link's target
/// (`platform_coretemp_0`), else the `name` file, else the directory's name.
fn chip_name(dir: &Path) -> Option<String> {
    if let Ok(target) = std::fs::canonicalize(dir.join("device")) {
        let dev = target
            .file_name()
            .map(|n| clean_metric_name(&n.to_string_lossy()))
            .unwrap_or_default();
        let bus = target
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| clean_metric_name(&n.to_string_lossy()))
            .unwrap_or_default();
        if !bus.is_empty() && !dev.is_empty() {
            return Some(format!("{bus}_{dev}"));
        }
        if !dev.is_empty() {
            return Some(dev);
        }
    }
    if let Some(n) = human_chip_name(dir) {
        return Some(n);
    }
    let real = std::fs::canonicalize(dir).ok()?;
    let n = clean_metric_name(&real.file_name()?.to_string_lossy());
    (!n.is_empty()).then_some(n)
}

/// The cleaned `name` file (`node_hwmon_chip_names`' `chip_name`).
fn human_chip_name(dir: &Path) -> Option<String> {
    let raw = std::fs::read_to_string(dir.join("name")).ok()?;
    let n = clean_metric_name(&raw);
    (!n.is_empty()).then_some(n)
}

/// Adds one chip's families to `set` with node_exporter's names, units and help
/// texts.
pub(super) fn sensor_families(
    set: &mut FamilySet,
    chip: &str,
    chip_human: Option<&str>,
    data: &SensorData,
) {
    use MetricType::{Counter, Gauge};
    if let Some(h) = chip_human {
        set.add(
            "node_hwmon_chip_names",
            "Annotation metric for human-readable chip names",
            Gauge,
            &[("chip", chip), ("chip_name", h)],
            1.0,
        );
    }
    for (sensor, props) in data {
        let Some((kind, _, _)) = explode_hwmon_filename(sensor) else {
            continue;
        };
        let labels: [(&'static str, &str); 2] = [("chip", chip), ("sensor", sensor)];
        if let Some(label) = props.get("label") {
            set.add(
                "node_hwmon_sensor_label",
                "Label for given chip and sensor",
                Gauge,
                &[("chip", chip), ("sensor", sensor), ("label", label)],
                1.0,
            );
        }
        let bare = props.get("").map(String::as_str).unwrap_or("");
        match kind.as_str() {
            "beep_enable" => {
                let v = if bare == "1" { 1.0 } else { 0.0 };
                set.add(
                    "node_hwmon_beep_enabled",
                    "Hardware beep enabled",
                    Gauge,
                    &labels,
                    v,
                );
                continue;
            }
            "vrm" => {
                if let Ok(v) = bare.parse::<f64>() {
                    set.add(
                        "node_hwmon_voltage_regulator_version",
                        "Hardware voltage regulator",
                        Gauge,
                        &labels,
                        v,
                    );
                }
                continue;
            }
            "update_interval" => {
                if let Ok(v) = bare.parse::<f64>() {
                    set.add(
                        "node_hwmon_update_interval_seconds",
                        "Hardware monitor update interval",
                        Gauge,
                        &labels,
                        v * 0.001,
                    );
                }
                continue;
            }
            _ => {}
        }
        let prefix = format!("node_hwmon_{kind}");
        for (element, value) in props {
            if element == "label" {
                continue;
            }
            let mut name = prefix.clone();
            if element == "input" {
                if props.contains_key("") {
                    name.push_str("_input");
                }
            } else if !element.is_empty() {
                name.push('_');
                name.push_str(&clean_metric_name(element));
            }
            let Ok(v) = value.trim().parse::<f64>() else {
                continue;
            };
            let e = element.as_str();
            let (name, help, k, v) = match (kind.as_str(), e) {
                (_, "fault" | "alarm") => (name, format!("Hardware sensor {e} status ({kind})"), Gauge, v),
                (_, "beep") => (
                    format!("{name}_enabled"),
                    "Hardware monitor sensor has beeping enabled".to_owned(),
                    Gauge,
                    v,
                ),
                ("in" | "cpu", _) => (
                    format!("{name}_volts"),
                    format!("Hardware monitor for voltage ({e})"),
                    Gauge,
                    v * 0.001,
                ),
                ("temp", _) if e != "type" => {
                    let e = if e.is_empty() { "input" } else { e };
                    (
                        format!("{name}_celsius"),
                        format!("Hardware monitor for temperature ({e})"),
                        Gauge,
                        v * 0.001,
                    )
                }
                ("curr", _) => (
                    format!("{name}_amps"),
                    format!("Hardware monitor for current ({e})"),
                    Gauge,
                    v * 0.001,
                ),
                ("energy", _) => (
                    format!("{name}_joule_total"),
                    format!("Hardware monitor for joules used so far ({e})"),
                    Counter,
                    v / 1e6,
                ),
                ("power", "accuracy") => (
                    name,
                    "Hardware monitor power meter accuracy, as a ratio".to_owned(),
                    Gauge,
                    v / 1e6,
                ),
                ("power", "average_interval" | "average_interval_min" | "average_interval_max") => (
                    format!("{name}_seconds"),
                    format!("Hardware monitor power usage update interval ({e})"),
                    Gauge,
                    v * 0.001,
                ),
                ("power", _) => (
                    format!("{name}_watt"),
                    format!("Hardware monitor for power usage in watts ({e})"),
                    Gauge,
                    v / 1e6,
                ),
                ("humidity", _) => (
                    name,
                    format!("Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a percentage) ({e})"),
                    Gauge,
                    v / 1e6,
                ),
                ("fan", "input" | "min" | "max" | "target") => (
                    format!("{name}_rpm"),
                    format!("Hardware monitor for fan revolutions per minute ({e})"),
                    Gauge,
                    v,
                ),
                _ => (name, format!("Hardware monitor {kind} element {e}"), Gauge, v),
            };
            set.add(&name, &help, k, &labels, v);
        }
    }
}

/// The `hwmon` collector: every chip of `<sysfs>/class/hwmon`. No such directory
/// is a failure (`node_scrape_collector_success` 0), as node_exporter's
/// "no data".
pub(super) fn hwmon(o: &CollectOptions) -> Collected {
    let root = o.sysfs.join("class/hwmon");
    let mut entries: Vec<_> = std::fs::read_dir(&root)
        .map_err(|e| format!("no hwmon data: {e}"))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    let mut set = FamilySet::default();
    let mut last_err = None;
    for dir in entries {
        let Some(chip) = chip_name(&dir) else {
            last_err = Some(format!(
                "could not derive a monitoring name for {}",
                dir.display()
            ));
            continue;
        };
        let mut data = SensorData::new();
        if let Err(e) = add_sensor_files(&dir, &mut data) {
            last_err = Some(e.to_string());
            continue;
        }
        let device = dir.join("device");
        if device.is_dir() {
            if let Err(e) = add_sensor_files(&device, &mut data) {
                last_err = Some(e.to_string());
                continue;
            }
        }
        sensor_families(&mut set, &chip, human_chip_name(&dir).as_deref(), &data);
    }
    // node_exporter reports the last chip's error but keeps the other chips'
    // series; with the all-or-nothing result here, the chips read are kept.
    match last_err {
        Some(e) if set.is_empty() => Err(e),
        _ => Ok(set.into_vec()),
    }
}

/// The `thermal_zone` collector: `node_thermal_zone_temp{zone,type}` and the
/// cooling devices' `node_cooling_device_{cur,max}_state{name,type}`. A zone or
/// device whose files cannot be read is left out.
pub(super) fn thermal_zone(o: &CollectOptions) -> Collected {
    let root = o.sysfs.join("class/thermal");
    let list = |prefix: &str| -> Vec<(String, std::path::PathBuf)> {
        let mut v: Vec<_> = std::fs::read_dir(&root)
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| {
                        let n = e.file_name().into_string().ok()?;
                        let id = n.strip_prefix(prefix)?.to_owned();
                        Some((id, e.path()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let read = |p: &Path, f: &str| {
        std::fs::read_to_string(p.join(f))
            .ok()
            .map(|s| s.trim().to_owned())
    };
    let mut set = FamilySet::default();
    for (zone, path) in list("thermal_zone") {
        let (Some(kind), Some(temp)) = (read(&path, "type"), read(&path, "temp")) else {
            continue;
        };
        let Ok(t) = temp.parse::<i64>() else { continue };
        set.add(
            "node_thermal_zone_temp",
            "Zone temperature in Celsius",
            MetricType::Gauge,
            &[("zone", &zone), ("type", &kind)],
            t as f64 / 1000.0,
        );
    }
    for (name, path) in list("cooling_device") {
        let Some(kind) = read(&path, "type") else {
            continue;
        };
        let state = |f: &str| read(&path, f).and_then(|s| s.parse::<i64>().ok());
        let (Some(cur), Some(max)) = (state("cur_state"), state("max_state")) else {
            continue;
        };
        set.add(
            "node_cooling_device_cur_state",
            "Current throttle state of the cooling device",
            MetricType::Gauge,
            &[("name", &name), ("type", &kind)],
            cur as f64,
        );
        set.add(
            "node_cooling_device_max_state",
            "Maximum throttle state of the cooling device",
            MetricType::Gauge,
            &[("name", &name), ("type", &kind)],
            max as f64,
        );
    }
    Ok(set.into_vec())
}
