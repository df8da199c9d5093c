//! Pure parsers of the kernel's text files the collectors read where node_exporter
//! or process-exporter expose more than the rpsutil library does: text in, data
//! out, no I/O. None panics on any input (property-tested in
//! `tests/collect_parsers.rs`); malformed lines are skipped or reported, never
//! trusted.

use std::collections::{BTreeMap, HashMap};

/// One `/proc/meminfo` line as node_exporter names it: `Active(anon):  12 kB` is
/// `("Active_anon_bytes", 12288.0)`; a line without a unit keeps its bare name
/// (`HugePages_Total`).
#[derive(Debug, Clone, PartialEq)]
pub struct MeminfoField {
    /// node_exporter's name without the `node_memory_` prefix.
    pub name: String,
    /// The value (bytes for `kB` lines).
    pub value: f64,
}

/// Parses `/proc/meminfo` with node_exporter's naming rules: the key loses its
/// `:`, `(x)` becomes `_x`, a `kB` value is multiplied by 1024 and the name gets
/// `_bytes`. Characters not allowed in a metric name become `_` (the kernel has
/// none today). A line with an unparsable value or more than three fields is an
/// error, as in node_exporter (the collector fails rather than guess).
pub fn parse_meminfo(text: &str) -> Result<Vec<MeminfoField>, String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.is_empty() {
            continue;
        }
        if parts.len() < 2 || parts.len() > 3 {
            return Err(format!("invalid line in meminfo: {line}"));
        }
        let mut value: f64 = parts[1]
            .parse()
            .map_err(|_| format!("invalid value in meminfo: {line}"))?;
        let key = parts[0].strip_suffix(':').unwrap_or(parts[0]);
        let mut name = paren_to_underscore(key);
        if parts.len() == 3 {
            value *= 1024.0;
            name.push_str("_bytes");
        }
        out.push(MeminfoField {
            name: sanitize_metric_name(&name),
            value,
        });
    }
    Ok(out)
}

/// node_exporter's `\((.*)\)` → `_$1`: the text from the first `(` to the last `)`
/// loses its parentheses and gets a `_` in front.
fn paren_to_underscore(key: &str) -> String {
    match (key.find('('), key.rfind(')')) {
        (Some(open), Some(close)) if open < close => {
            format!(
                "{}_{}{}",
                &key[..open],
                &key[open + 1..close],
                &key[close + 1..]
            )
        }
        _ => key.to_owned(),
    }
}

/// Replaces every character a metric name may not hold with `_`.
pub fn sanitize_metric_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.is_empty() {
        out.insert(0, '_');
    }
    out
}

/// The three load averages of `/proc/loadavg`.
pub fn parse_loadavg(text: &str) -> Option<[f64; 3]> {
    let mut it = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([it.next()??, it.next()??, it.next()??])
}

/// The system-wide counters of `/proc/stat` that node_exporter's `stat` collector
/// exposes. A missing line leaves its field `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcStat {
    /// `intr`: interrupts serviced since boot (its first number).
    pub intr: Option<u64>,
    /// `ctxt`: context switches since boot.
    pub ctxt: Option<u64>,
    /// `btime`: boot time, seconds since the epoch.
    pub btime: Option<u64>,
    /// `processes`: forks since boot.
    pub processes: Option<u64>,
    /// `procs_running`: runnable tasks now.
    pub procs_running: Option<u64>,
    /// `procs_blocked`: tasks waiting for I/O now.
    pub procs_blocked: Option<u64>,
}

/// Parses `/proc/stat`'s `intr` (its first number, the total), `ctxt`, `btime`,
/// `processes`, `procs_running` and `procs_blocked` lines.
pub fn parse_proc_stat(text: &str) -> ProcStat {
    let mut s = ProcStat::default();
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let (Some(key), Some(first)) = (it.next(), it.next()) else {
            continue;
        };
        let v = first.parse::<u64>().ok();
        match key {
            "intr" => s.intr = v,
            "ctxt" => s.ctxt = v,
            "btime" => s.btime = v,
            "processes" => s.processes = v,
            "procs_running" => s.procs_running = v,
            "procs_blocked" => s.procs_blocked = v,
            _ => {}
        }
    }
    s
}

/// One `/proc/diskstats` line: the device and its counters in the kernel's order
/// (11 on old kernels, 15 with discards since 4.18, 17 with flushes since 5.5).
#[derive(Debug, Clone, PartialEq)]
pub struct DiskStat {
    /// The device's major number.
    pub major: u32,
    /// The device's minor number.
    pub minor: u32,
    /// The device name (`vda`).
    pub device: String,
    /// The counters after the name, in the kernel's order (`iostats.rst`).
    pub counters: Vec<u64>,
}

/// Parses `/proc/diskstats`; lines with fewer than 14 fields or a non-number are
/// skipped.
pub fn parse_diskstats(text: &str) -> Vec<DiskStat> {
    text.lines()
        .filter_map(|line| {
            let parts: Vec<&str> = line.split_whitespace().collect();
            if parts.len() < 14 {
                return None;
            }
            let counters = parts[3..]
                .iter()
                .map(|p| p.parse::<u64>().ok())
                .collect::<Option<Vec<u64>>>()?;
            Some(DiskStat {
                major: parts[0].parse().ok()?,
                minor: parts[1].parse().ok()?,
                device: parts[2].to_owned(),
                counters,
            })
        })
        .collect()
}

/// The 16 columns of one `/proc/net/dev` line, in the kernel's order: receive
/// bytes, packets, errs, drop, fifo, frame, compressed, multicast, then transmit
/// bytes, packets, errs, drop, fifo, colls, carrier, compressed.
pub type NetDevCounters = [u64; 16];

/// Parses `/proc/net/dev` (after its two header lines) into (device, counters);
/// malformed lines are skipped.
pub fn parse_net_dev(text: &str) -> Vec<(String, NetDevCounters)> {
    text.lines()
        .skip(2)
        .filter_map(|line| {
            let (name, rest) = line.split_once(':')?;
            let name = name.trim();
            if name.is_empty() {
                return None;
            }
            let mut counters = [0u64; 16];
            let mut it = rest.split_whitespace();
            for c in counters.iter_mut() {
                *c = it.next()?.parse().ok()?;
            }
            Some((name.to_owned(), counters))
        })
        .collect()
}

/// One `/proc/mounts` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry {
    /// The mounted device (first field).
    pub device: String,
    /// Where it is mounted (octal escapes decoded).
    pub mountpoint: String,
    /// The file system type.
    pub fstype: String,
    /// The mount options (`rw,relatime`).
    pub options: String,
}

/// Parses `/proc/mounts` as node_exporter does: the mount point's `\040` and
/// `\011` become a space and a tab (fstab(5)); lines with fewer than four fields
/// are skipped (node_exporter fails the whole collector on them).
pub fn parse_mounts(text: &str) -> Vec<MountEntry> {
    text.lines()
        .filter_map(|line| {
            let parts: Vec<&str> = line.split_whitespace().collect();
            if parts.len() < 4 {
                return None;
            }
            Some(MountEntry {
                device: parts[0].to_owned(),
                mountpoint: parts[1].replace("\\040", " ").replace("\\011", "\t"),
                fstype: parts[2].to_owned(),
                options: parts[3].to_owned(),
            })
        })
        .collect()
}

/// Parses an os-release file (`KEY=value` lines, values optionally in single or
/// double quotes, `#` comments), as node_exporter's env-file reader does for the
/// cases os-release(5) allows: inside double quotes, `\"`, `\\`, `\$` and `` \` ``
/// lose their backslash.
pub fn parse_os_release(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        out.insert(key.to_owned(), unquote(raw.trim()));
    }
    out
}

fn unquote(raw: &str) -> String {
    if raw.len() >= 2 && raw.starts_with('\'') && raw.ends_with('\'') {
        return raw[1..raw.len() - 1].to_owned();
    }
    if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
        let inner = &raw[1..raw.len() - 1];
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some(n @ ('"' | '\\' | '$' | '`')) => out.push(n),
                    Some(n) => {
                        out.push('\\');
                        out.push(n);
                    }
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    // Unquoted: a trailing comment is not part of the value.
    match raw.find(" #") {
        Some(i) => raw[..i].trim_end().to_owned(),
        None => raw.to_owned(),
    }
}

/// The device properties (`E:KEY=VALUE` lines) of a udev database file
/// (`/run/udev/data/bMAJOR:MINOR`).
pub fn parse_udev_properties(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("E:"))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A hwmon attribute file name split as node_exporter does
/// (`^([^0-9]+)([0-9]*)?(_(.+))?$`): `temp1_input` is `("temp", 1, "input")`,
/// `beep_enable` is `("beep_enable", 0, "")`.
pub fn explode_hwmon_filename(name: &str) -> Option<(String, u64, String)> {
    let type_end = name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len());
    if type_end == 0 {
        return None;
    }
    let sensor_type = &name[..type_end];
    let rest = &name[type_end..];
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, tail) = rest.split_at(digits_end);
    let mut property = "";
    // Without digits the whole name is the type: node's `[^0-9]+` is greedy
    // (`beep_enable`, `update_interval`).
    if digits.is_empty() {
    } else if let Some(p) = tail.strip_prefix('_') {
        if p.is_empty() {
            return None;
        }
        property = p;
    } else if !tail.is_empty() {
        return None;
    }
    let num = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    Some((sensor_type.to_owned(), num, property.to_owned()))
}

/// node_exporter's `cleanMetricName`: lower case, every character outside
/// `[a-z0-9:_]` becomes `_`, leading and trailing `_` trimmed.
pub fn clean_metric_name(name: &str) -> String {
    let replaced: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == ':' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    replaced.trim_matches('_').to_owned()
}

/// A sysfs number: decimal, or hex with `0x` (`flags`, `dev_id`), surrounding
/// white space ignored.
pub fn parse_sysfs_int(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok();
    }
    t.parse().ok()
}

/// `/etc/passwd` as uid → user name (for process-exporter's `{{.Username}}`).
pub fn parse_passwd(text: &str) -> HashMap<u32, String> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.split(':');
            let name = it.next()?;
            let _pw = it.next()?;
            let uid = it.next()?.parse().ok()?;
            (!name.is_empty()).then(|| (uid, name.to_owned()))
        })
        .collect()
}

/// The per-process fields process-exporter reads that the rpsutil library does
/// not give: page faults from `/proc/PID/stat`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PidStatFaults {
    /// Minor page faults (field 10).
    pub minflt: u64,
    /// Major page faults (field 12).
    pub majflt: u64,
}

/// `minflt` and `majflt` (fields 10 and 12) of `/proc/PID/stat`; the fields are
/// counted after the last `)`, so a command name with spaces or parentheses does
/// not shift them.
pub fn parse_pid_stat_faults(text: &str) -> Option<PidStatFaults> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(PidStatFaults {
        minflt: fields.get(7)?.parse().ok()?,
        majflt: fields.get(9)?.parse().ok()?,
    })
}

/// The `/proc/PID/status` fields process-exporter reads beyond psutil's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PidStatus {
    /// `VmSwap` in bytes (0 when absent: kernel threads).
    pub vm_swap: u64,
    /// `voluntary_ctxt_switches`.
    pub voluntary_ctxt_switches: u64,
    /// `nonvoluntary_ctxt_switches`.
    pub nonvoluntary_ctxt_switches: u64,
}

/// Parses `VmSwap`, `voluntary_ctxt_switches` and `nonvoluntary_ctxt_switches`.
pub fn parse_pid_status(text: &str) -> PidStatus {
    let mut s = PidStatus::default();
    for line in text.lines() {
        let Some((key, val)) = line.split_once(':') else {
            continue;
        };
        let num = val
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok());
        match (key, num) {
            ("VmSwap", Some(kb)) => s.vm_swap = kb.saturating_mul(1024),
            ("voluntary_ctxt_switches", Some(n)) => s.voluntary_ctxt_switches = n,
            ("nonvoluntary_ctxt_switches", Some(n)) => s.nonvoluntary_ctxt_switches = n,
            _ => {}
        }
    }
    s
}

/// The soft limit of `Max open files` in `/proc/PID/limits`; None when unlimited
/// or absent.
pub fn parse_limits_nofile(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_names_follow_node_exporter() {
        let f = parse_meminfo("MemTotal:  100 kB\nActive(anon): 2 kB\nHugePages_Total: 0\n")
            .unwrap_or_default();
        assert_eq!(
            f,
            vec![
                MeminfoField {
                    name: "MemTotal_bytes".into(),
                    value: 102400.0
                },
                MeminfoField {
                    name: "Active_anon_bytes".into(),
                    value: 2048.0
                },
                MeminfoField {
                    name: "HugePages_Total".into(),
                    value: 0.0
                },
            ]
        );
        assert!(parse_meminfo("MemTotal: x kB\n").is_err());
    }

    #[test]
    fn hwmon_names_split_like_node() {
        assert_eq!(
            explode_hwmon_filename("temp1_input"),
            Some(("temp".into(), 1, "input".into()))
        );
        assert_eq!(
            explode_hwmon_filename("beep_enable"),
            Some(("beep_enable".into(), 0, "".into()))
        );
        assert_eq!(
            explode_hwmon_filename("in0_crit_alarm"),
            Some(("in".into(), 0, "crit_alarm".into()))
        );
        assert_eq!(
            explode_hwmon_filename("name"),
            Some(("name".into(), 0, "".into()))
        );
        assert_eq!(explode_hwmon_filename("1abc"), None);
        assert_eq!(clean_metric_name("Core 0"), "core_0");
    }

    #[test]
    fn stat_faults_count_after_the_last_paren() {
        let s = "12 (a) b) S 1 12 12 0 -1 4194560 111 0 222 0 5 6 0 0 20 0 1 0 99 0 0";
        assert_eq!(
            parse_pid_stat_faults(s),
            Some(PidStatFaults {
                minflt: 111,
                majflt: 222
            })
        );
    }

    #[test]
    fn os_release_quotes() {
        let m = parse_os_release("NAME=\"Debian GNU/Linux\"\nID=debian\nX='a b'\n# c\n");
        assert_eq!(m.get("NAME").map(String::as_str), Some("Debian GNU/Linux"));
        assert_eq!(m.get("ID").map(String::as_str), Some("debian"));
        assert_eq!(m.get("X").map(String::as_str), Some("a b"));
    }
}
