//! The small system collectors: cpu, loadavg (every OS, through the rpsutil
//! library), and on Linux meminfo, stat, uname, os and time.

use std::sync::Mutex;

use super::{CollectOptions, Collected};
use crate::model::{Family, MetricType};

#[cfg(target_os = "linux")]
use super::parse;
#[cfg(target_os = "linux")]
use super::FamilySet;

/// node_exporter resets a CPU's counters when its idle time jumps back by more
/// than this (a CPU hot-plugged out and in), instead of holding them.
const JUMP_BACK_SECONDS: f64 = 3.0;

/// The modes of `node_cpu_seconds_total`, in node_exporter's order.
const CPU_MODES: [&str; 8] = [
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
];

/// The collectors' state: the last CPU counters, so that a counter the kernel
/// reports lower (it happens with iowait, and with hot-plug) is held, as
/// node_exporter does, and `rate()` never sees a reset.
#[derive(Debug, Default)]
pub(super) struct System {
    cpu_last: Mutex<Vec<[Option<f64>; 10]>>,
}

/// One CPU's times as node_exporter's modes, then guest and guest_nice.
fn cpu_row(t: &rpsutil::SystemCpuTimes) -> [Option<f64>; 10] {
    [
        Some(t.user),
        t.nice,
        Some(t.system),
        Some(t.idle),
        t.iowait,
        t.irq,
        t.softirq,
        t.steal,
        t.guest,
        t.guest_nice,
    ]
}

/// node_exporter's `updateCPUStats`: a counter never goes down; a big jump back of
/// idle resets the CPU's counters.
fn hold_monotonic(last: &mut Vec<[Option<f64>; 10]>, now: Vec<[Option<f64>; 10]>) {
    if last.len() != now.len() {
        *last = now;
        return;
    }
    for (old, new) in last.iter_mut().zip(now) {
        let idle_back = match (old[3], new[3]) {
            (Some(o), Some(n)) => o - n > JUMP_BACK_SECONDS,
            _ => false,
        };
        if idle_back {
            *old = new;
            continue;
        }
        for (o, n) in old.iter_mut().zip(new) {
            *o = match (*o, n) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (_, b) => b,
            };
        }
    }
}

impl System {
    /// `node_cpu_seconds_total{cpu,mode}` and `node_cpu_guest_seconds_total{cpu,mode}`
    /// (guest time is also inside user and nice, as the kernel counts it). The
    /// `cpu` label is the CPU's position in `/proc/stat`.
    pub(super) fn cpu(&self, _o: &CollectOptions) -> Collected {
        let times = rpsutil::cpu_times_percpu().map_err(|e| e.to_string())?;
        let rows: Vec<[Option<f64>; 10]> = times.iter().map(cpu_row).collect();
        let mut last = self.cpu_last.lock().unwrap_or_else(|p| p.into_inner());
        hold_monotonic(&mut last, rows);
        let mut secs = Family::new(
            "node_cpu_seconds_total",
            "Seconds the CPUs spent in each mode.",
            MetricType::Counter,
        );
        let mut guest = Family::new(
            "node_cpu_guest_seconds_total",
            "Seconds the CPUs spent in guests (VMs) for each mode.",
            MetricType::Counter,
        );
        for (i, row) in last.iter().enumerate() {
            let cpu = i.to_string();
            for (mode, v) in CPU_MODES.iter().zip(row.iter()) {
                if let Some(v) = v {
                    secs.push(&[("cpu", &cpu), ("mode", mode)], *v);
                }
            }
            if let Some(v) = row[8] {
                guest.push(&[("cpu", &cpu), ("mode", "user")], v);
            }
            if let Some(v) = row[9] {
                guest.push(&[("cpu", &cpu), ("mode", "nice")], v);
            }
        }
        let mut out = vec![secs];
        if !guest.samples.is_empty() {
            out.push(guest);
        }
        Ok(out)
    }
}

/// `node_load1`, `node_load5`, `node_load15`. Linux reads `<procfs>/loadavg` (so
/// `--path.procfs` applies); other OSes ask the library.
pub(super) fn loadavg(o: &CollectOptions) -> Collected {
    #[cfg(target_os = "linux")]
    let loads = {
        let text = std::fs::read_to_string(o.procfs.join("loadavg")).map_err(|e| e.to_string())?;
        parse::parse_loadavg(&text).ok_or("malformed loadavg")?
    };
    #[cfg(not(target_os = "linux"))]
    let loads = {
        let _ = o;
        let (a, b, c) = rpsutil::getloadavg().map_err(|e| e.to_string())?;
        [a, b, c]
    };
    Ok([
        ("node_load1", "1m load average."),
        ("node_load5", "5m load average."),
        ("node_load15", "15m load average."),
    ]
    .iter()
    .zip(loads)
    .map(|((name, help), v)| Family::new(*name, *help, MetricType::Gauge).with(&[], v))
    .collect())
}

/// `node_memory_<Field>_bytes` for every `/proc/meminfo` line (node_exporter's
/// names; a field ending in `_total` would be a counter).
#[cfg(target_os = "linux")]
pub(super) fn meminfo(o: &CollectOptions) -> Collected {
    let text = std::fs::read_to_string(o.procfs.join("meminfo")).map_err(|e| e.to_string())?;
    let fields = parse::parse_meminfo(&text)?;
    let mut set = FamilySet::default();
    for f in fields {
        let kind = if f.name.ends_with("_total") {
            MetricType::Counter
        } else {
            MetricType::Gauge
        };
        set.add(
            &format!("node_memory_{}", f.name),
            &format!("Memory information field {}.", f.name),
            kind,
            &[],
            f.value,
        );
    }
    Ok(set.into_vec())
}

/// node_exporter's `stat` collector: boot time, context switches, forks,
/// interrupts, running and blocked processes from `/proc/stat`.
#[cfg(target_os = "linux")]
pub(super) fn stat(o: &CollectOptions) -> Collected {
    let text = std::fs::read_to_string(o.procfs.join("stat")).map_err(|e| e.to_string())?;
    let s = parse::parse_proc_stat(&text);
    let rows: [(&str, &str, MetricType, Option<u64>); 6] = [
        (
            "node_intr_total",
            "Total number of interrupts serviced.",
            MetricType::Counter,
            s.intr,
        ),
        (
            "node_context_switches_total",
            "Total number of context switches.",
            MetricType::Counter,
            s.ctxt,
        ),
        (
            "node_forks_total",
            "Total number of forks.",
            MetricType::Counter,
            s.processes,
        ),
        (
            "node_boot_time_seconds",
            "Node boot time, in unixtime.",
            MetricType::Gauge,
            s.btime,
        ),
        (
            "node_procs_running",
            "Number of processes in runnable state.",
            MetricType::Gauge,
            s.procs_running,
        ),
        (
            "node_procs_blocked",
            "Number of processes blocked waiting for I/O to complete.",
            MetricType::Gauge,
            s.procs_blocked,
        ),
    ];
    if rows.iter().any(|r| r.3.is_none()) {
        return Err("/proc/stat lacks a field node_exporter reads".into());
    }
    Ok(rows
        .iter()
        .map(|(n, h, k, v)| Family::new(*n, *h, *k).with(&[], v.unwrap_or(0) as f64))
        .collect())
}

/// `node_uname_info`, from the uname system call (like node_exporter, not from
/// `--path.procfs`).
#[cfg(target_os = "linux")]
pub(super) fn uname() -> Collected {
    let u = rustix::system::uname();
    let s = |c: &std::ffi::CStr| c.to_string_lossy().into_owned();
    let (sysname, release, version, machine, nodename, domainname) = (
        s(u.sysname()),
        s(u.release()),
        s(u.version()),
        s(u.machine()),
        s(u.nodename()),
        s(u.domainname()),
    );
    Ok(vec![Family::new(
        "node_uname_info",
        "Labeled system information as provided by the uname system call.",
        MetricType::Gauge,
    )
    .with(
        &[
            ("sysname", &sysname),
            ("release", &release),
            ("version", &version),
            ("machine", &machine),
            ("nodename", &nodename),
            ("domainname", &domainname),
        ],
        1.0,
    )])
}

/// The labels of `node_os_info`, in node_exporter's order, with their os-release
/// keys.
#[cfg(target_os = "linux")]
const OS_INFO_LABELS: [(&str, &str); 12] = [
    ("build_id", "BUILD_ID"),
    ("id", "ID"),
    ("id_like", "ID_LIKE"),
    ("image_id", "IMAGE_ID"),
    ("image_version", "IMAGE_VERSION"),
    ("name", "NAME"),
    ("pretty_name", "PRETTY_NAME"),
    ("variant", "VARIANT"),
    ("variant_id", "VARIANT_ID"),
    ("version", "VERSION"),
    ("version_codename", "VERSION_CODENAME"),
    ("version_id", "VERSION_ID"),
];

/// `node_os_info` and `node_os_version` from `<rootfs>/etc/os-release`, or
/// `<rootfs>/usr/lib/os-release` when the first is missing.
#[cfg(target_os = "linux")]
pub(super) fn os(o: &CollectOptions) -> Collected {
    let text = ["etc/os-release", "usr/lib/os-release"]
        .iter()
        .find_map(|p| std::fs::read_to_string(o.rootfs.join(p)).ok())
        .ok_or("no os-release file found")?;
    let env = parse::parse_os_release(&text);
    let get = |k: &str| env.get(k).cloned().unwrap_or_default();
    let values: Vec<(&'static str, String)> = OS_INFO_LABELS
        .iter()
        .map(|(label, key)| (*label, get(key)))
        .collect();
    let labels: Vec<(&'static str, &str)> = values.iter().map(|(l, v)| (*l, v.as_str())).collect();
    let mut out = vec![Family::new(
        "node_os_info",
        "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
        MetricType::Gauge,
    )
    .with(&labels, 1.0)];
    if let Some(v) = major_minor(&get("VERSION_ID")).filter(|v| *v > 0.0) {
        out.push(
            Family::new(
                "node_os_version",
                "Metric containing the major.minor part of the OS version.",
                MetricType::Gauge,
            )
            .with(
                &[
                    ("id", &get("ID")),
                    ("id_like", &get("ID_LIKE")),
                    ("name", &get("NAME")),
                ],
                v,
            ),
        );
    }
    Ok(out)
}

/// node_exporter's `^[0-9]+\.?[0-9]*` of VERSION_ID, as a number.
#[cfg(target_os = "linux")]
fn major_minor(version_id: &str) -> Option<f64> {
    let int_end = version_id
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(version_id.len());
    if int_end == 0 {
        return None;
    }
    let rest = &version_id[int_end..];
    let frac = rest
        .strip_prefix('.')
        .map(|r| &r[..r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len())]);
    let text = match frac {
        Some(f) => format!("{}.{}", &version_id[..int_end], f),
        None => version_id[..int_end].to_owned(),
    };
    text.trim_end_matches('.').parse().ok()
}

/// `node_time_seconds` and the clock sources of
/// `<sysfs>/devices/system/clocksource/clocksourceN`.
///
/// node_exporter's `node_time_zone_offset_seconds{time_zone}` is not exposed: the
/// zone's name and offset need the tz database, which this crate does not parse.
#[cfg(target_os = "linux")]
pub(super) fn time(o: &CollectOptions) -> Collected {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let mut out = vec![Family::new(
        "node_time_seconds",
        "System time in seconds since epoch (1970).",
        MetricType::Gauge,
    )
    .with(&[], now)];
    let mut avail = Family::new(
        "node_time_clocksource_available_info",
        "Available clocksources read from '/sys/devices/system/clocksource'.",
        MetricType::Gauge,
    );
    let mut current = Family::new(
        "node_time_clocksource_current_info",
        "Current clocksource read from '/sys/devices/system/clocksource'.",
        MetricType::Gauge,
    );
    let dir = o.sysfs.join("devices/system/clocksource");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.starts_with("clocksource"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for name in names {
        let device = name.trim_start_matches("clocksource").to_owned();
        let read = |f: &str| std::fs::read_to_string(dir.join(&name).join(f)).ok();
        if let Some(list) = read("available_clocksource") {
            for cs in list.split_whitespace() {
                avail.push(&[("device", &device), ("clocksource", cs)], 1.0);
            }
        }
        if let Some(cur) = read("current_clocksource") {
            current.push(&[("device", &device), ("clocksource", cur.trim())], 1.0);
        }
    }
    for f in [avail, current] {
        if !f.samples.is_empty() {
            out.push(f);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_counters_are_held_unless_idle_jumps_back() {
        let mut last = vec![[
            Some(10.0),
            None,
            Some(5.0),
            Some(100.0),
            None,
            None,
            None,
            None,
            None,
            None,
        ]];
        hold_monotonic(
            &mut last,
            vec![[
                Some(9.0),
                None,
                Some(6.0),
                Some(101.0),
                None,
                None,
                None,
                None,
                None,
                None,
            ]],
        );
        assert_eq!(last[0][0], Some(10.0));
        assert_eq!(last[0][2], Some(6.0));
        hold_monotonic(
            &mut last,
            vec![[
                Some(1.0),
                None,
                Some(1.0),
                Some(50.0),
                None,
                None,
                None,
                None,
                None,
                None,
            ]],
        );
        assert_eq!(last[0][0], Some(1.0));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn version_id_major_minor() {
        assert_eq!(major_minor("12"), Some(12.0));
        assert_eq!(major_minor("22.04"), Some(22.04));
        assert_eq!(major_minor("3.18.2"), Some(3.18));
        assert_eq!(major_minor("rolling"), None);
    }
}
