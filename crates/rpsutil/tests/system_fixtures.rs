//! Layer 2: the system-wide API against fixture trees (`tests/fixtures/system/`, see
//! the README there) through `set_procfs_path` / `set_sysfs_path`. Every expected
//! value is computed here from the fixture text with psutil 7.2.2's rules
//! (psutil 7.2.2's `_pslinux.py` formulas), never copied from rpsutil.
//!
//! The roots are global to this test binary, so everything runs in one `#[test]`,
//! in order.
#![cfg(target_os = "linux")]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rpsutil::{BatteryTime, NetIoCounters, SystemCpuTimes};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/system")
}

fn text(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

/// A sysfs number file divided by `div` (m°C → °C).
fn num(path: &Path, div: f64) -> Option<f64> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .map(|v| v / div)
}

/// `Key:` of a meminfo text, bytes.
fn kb(meminfo: &str, key: &str) -> Option<u64> {
    meminfo.lines().find_map(|l| {
        let mut it = l.split_whitespace();
        (it.next() == Some(&format!("{key}:")[..]))
            .then(|| it.next().unwrap().parse::<u64>().unwrap() * 1024)
    })
}

/// Python's `round(x, 1)`: the exact binary value rounded to one decimal, ties to
/// even (Rust's `{:.1}` formats the exact value the same way).
fn round1(x: f64) -> f64 {
    format!("{x:.1}").parse().unwrap()
}

// ------------------------------------------------------------------------ CPU

/// psutil's field set: user nice system idle iowait irq softirq, + steal (8),
/// + guest (9), + guest_nice (10); each value / CLK_TCK.
fn expect_cpu_line(line: &str, got: &SystemCpuTimes) {
    let ticks = common::clock_ticks();
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse::<f64>().unwrap() / ticks)
        .collect();
    let opt = |i: usize| v.get(i).copied();
    assert_eq!(got.user, v[0], "{line}");
    assert_eq!(got.nice, Some(v[1]), "{line}");
    assert_eq!(got.system, v[2], "{line}");
    assert_eq!(got.idle, v[3], "{line}");
    assert_eq!(got.iowait, Some(v[4]), "{line}");
    assert_eq!(got.irq, Some(v[5]), "{line}");
    assert_eq!(got.softirq, Some(v[6]), "{line}");
    assert_eq!(got.steal, opt(7), "{line}");
    assert_eq!(got.guest, opt(8), "{line}");
    assert_eq!(got.guest_nice, opt(9), "{line}");
    assert_eq!((got.interrupt, got.dpc), (None, None));
}

fn check_cpu(root: &Path) {
    let stat = text(&root.join("stat"));
    let lines: Vec<&str> = stat.lines().filter(|l| l.starts_with("cpu")).collect();
    expect_cpu_line(lines[0], &rpsutil::cpu_times().unwrap());
    let per = rpsutil::cpu_times_percpu().unwrap();
    assert_eq!(per.len(), lines.len() - 1);
    for (l, t) in lines[1..].iter().zip(&per) {
        expect_cpu_line(l, t);
    }
    // The serialised form has exactly psutil's field names for this column count.
    let n = lines[0].split_whitespace().count() - 1;
    let mut want = vec![
        "user",
        "nice",
        "system",
        "idle",
        "iowait",
        "irq",
        "softirq",
        "steal",
        "guest",
        "guest_nice",
    ];
    want.truncate(n.max(7));
    let json = serde_json::to_value(rpsutil::cpu_times().unwrap()).unwrap();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort_unstable();
    want.sort_unstable();
    assert_eq!(keys, want, "{n} columns");

    let word = |w: &str| -> Option<u64> {
        stat.lines().find_map(|l| {
            let mut it = l.split_whitespace();
            (it.next() == Some(w)).then(|| it.next().unwrap().parse().unwrap())
        })
    };
    let s = rpsutil::cpu_stats().unwrap();
    assert_eq!(s.ctx_switches, word("ctxt").unwrap_or(0));
    assert_eq!(s.interrupts, word("intr").unwrap_or(0));
    assert_eq!(s.soft_interrupts, word("softirq").unwrap_or(0));
    assert_eq!(s.syscalls, 0);
    assert_eq!(rpsutil::boot_time().unwrap(), word("btime").unwrap() as f64);
}

// --------------------------------------------------------------------- memory

/// psutil's `calculate_avail_vmem` (kernel 3.14's estimate), from the fixture text.
fn calculate_avail_vmem(meminfo: &str, zoneinfo: &str) -> u64 {
    let low: u64 = zoneinfo
        .lines()
        .filter(|l| l.trim_start().starts_with("low"))
        .map(|l| l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap())
        .sum::<u64>()
        * common::page_size();
    let low = low as f64;
    let free = kb(meminfo, "MemFree").unwrap() as f64;
    let pagecache =
        (kb(meminfo, "Active(file)").unwrap() + kb(meminfo, "Inactive(file)").unwrap()) as f64;
    let srecl = kb(meminfo, "SReclaimable").unwrap() as f64;
    let avail =
        free - low + (pagecache - (pagecache / 2.0).min(low)) + (srecl - (srecl / 2.0).min(low));
    avail as u64
}

fn check_memory(root: &Path) {
    let mi = text(&root.join("meminfo"));
    let m = rpsutil::virtual_memory().unwrap();
    let total = kb(&mi, "MemTotal").unwrap();
    let free = kb(&mi, "MemFree").unwrap();
    let mut available = match kb(&mi, "MemAvailable") {
        Some(a) if a > 0 => a,
        _ => calculate_avail_vmem(&mi, &text(&root.join("zoneinfo"))),
    };
    if available > total {
        // psutil: LXC-style distortion, use MemFree.
        available = free;
    }
    assert_eq!(m.total, total);
    assert_eq!(m.free, free);
    assert_eq!(m.available, available);
    assert_eq!(m.used, total - available);
    assert_eq!(
        m.percent,
        round1((total - available) as f64 / total as f64 * 100.0)
    );
    let g = |k: &str| kb(&mi, k).unwrap_or(0);
    assert_eq!(m.buffers, Some(g("Buffers")));
    assert_eq!(m.cached, Some(g("Cached") + g("SReclaimable")));
    assert_eq!(
        m.shared,
        Some(kb(&mi, "Shmem").or(kb(&mi, "MemShared")).unwrap_or(0))
    );
    assert_eq!(m.active, Some(g("Active")));
    let inactive = kb(&mi, "Inactive")
        .unwrap_or_else(|| g("Inact_dirty") + g("Inact_clean") + g("Inact_laundry"));
    assert_eq!(m.inactive, Some(inactive));
    assert_eq!(m.slab, Some(g("Slab")));

    let s = rpsutil::swap_memory().unwrap();
    let (st, sf) = (g("SwapTotal"), g("SwapFree"));
    assert_eq!((s.total, s.free, s.used), (st, sf, st - sf));
    let pct = if st == 0 {
        0.0
    } else {
        round1((st - sf) as f64 / st as f64 * 100.0)
    };
    assert_eq!(s.percent, pct);
    // sin/sout: pages × the real page size (psutil: × 4096, docs/DIFFERENCES.md).
    let vm = std::fs::read_to_string(root.join("vmstat")).unwrap_or_default();
    let pages = |w: &str| -> u64 {
        vm.lines()
            .find_map(|l| l.strip_prefix(&format!("{w} ")[..]))
            .map(|v| v.trim().parse().unwrap())
            .unwrap_or(0)
    };
    assert_eq!(s.sin, pages("pswpin") * common::page_size());
    assert_eq!(s.sout, pages("pswpout") * common::page_size());
}

// ----------------------------------------------------------------------- disks

/// Counters of a diskstats line with psutil's layout rule (14 or >= 18 fields).
fn diskstats(root: &Path) -> Vec<(String, Vec<u64>)> {
    text(&root.join("diskstats"))
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert!(f.len() == 14 || f.len() >= 18, "fixture layout {}", f.len());
            let v: Vec<u64> = f[3..14].iter().map(|x| x.parse().unwrap()).collect();
            // read_count, write_count, read_bytes, write_bytes, read_time, write_time,
            // read_merged, write_merged, busy_time.
            let row = vec![
                v[0],
                v[4],
                v[2] * 512,
                v[6] * 512,
                v[3],
                v[7],
                v[1],
                v[5],
                v[9],
            ];
            (f[2].to_string(), row)
        })
        .collect()
}

fn disk_vec(c: &rpsutil::DiskIoCounters) -> Vec<u64> {
    vec![
        c.read_count,
        c.write_count,
        c.read_bytes,
        c.write_bytes,
        c.read_time,
        c.write_time,
        c.read_merged_count.unwrap(),
        c.write_merged_count.unwrap(),
        c.busy_time.unwrap(),
    ]
}

/// psutil's `is_storage_device`: `/sys/block/NAME` exists.
fn is_storage(sys: &Path, name: &str) -> bool {
    sys.join("block").join(name.replace('/', "!")).exists()
}

fn check_disk_io(root: &Path, sys: &Path) {
    let rows = diskstats(root);
    let per = rpsutil::disk_io_counters_perdisk(false).unwrap();
    assert_eq!(per.len(), rows.len());
    let mut sum = vec![0u64; 9];
    for (name, want) in &rows {
        assert_eq!(&disk_vec(&per[name]), want, "{name}");
        if is_storage(sys, name) {
            sum.iter_mut().zip(want).for_each(|(s, v)| *s += v);
        }
    }
    let total = rpsutil::disk_io_counters(false).unwrap().unwrap();
    assert_eq!(disk_vec(&total), sum);
}

/// getmntent's decoding of `\040 \011 \012 \134`.
fn unescape(s: &str) -> String {
    s.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

fn check_partitions(root: &Path) {
    let physical: Vec<String> = text(&root.join("filesystems"))
        .lines()
        .filter(|l| !l.starts_with("nodev"))
        .map(|l| l.trim().to_string())
        .collect();
    let mounts = text(&root.join("self/mounts"));
    let want: Vec<(String, String, String, String, bool)> = mounts
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let dev = if f[0] == "none" {
                String::new()
            } else {
                unescape(f[0])
            };
            let phys = !dev.is_empty() && physical.iter().any(|p| p == f[2]);
            (
                dev,
                unescape(f[1]),
                f[2].to_string(),
                f[3].to_string(),
                phys,
            )
        })
        .collect();
    assert!(want
        .iter()
        .any(|w| w.1.contains(' ') && w.1.contains('\t') && w.1.contains('\\')));
    for all in [true, false] {
        let got: Vec<_> = rpsutil::disk_partitions(all)
            .unwrap()
            .into_iter()
            .map(|p| (p.device, p.mountpoint, p.fstype, p.opts))
            .collect();
        let exp: Vec<_> = want
            .iter()
            .filter(|w| all || w.4)
            .map(|w| (w.0.clone(), w.1.clone(), w.2.clone(), w.3.clone()))
            .collect();
        assert_eq!(got, exp, "all={all}");
    }
}

// --------------------------------------------------------------------- network

/// /proc/net/dev: name before the last ':', 16 counters.
fn net_dev(root: &Path) -> Vec<(String, Vec<u64>)> {
    text(&root.join("net/dev"))
        .lines()
        .skip(2)
        .map(|l| {
            let (name, rest) = l.rsplit_once(':').unwrap();
            let v: Vec<u64> = rest
                .split_whitespace()
                .map(|x| x.parse().unwrap())
                .collect();
            // bytes_sent, bytes_recv, packets_sent, packets_recv, errin, errout, dropin, dropout
            (
                name.trim().to_string(),
                vec![v[8], v[0], v[9], v[1], v[2], v[10], v[3], v[11]],
            )
        })
        .collect()
}

fn net_vec(c: &NetIoCounters) -> Vec<u64> {
    vec![
        c.bytes_sent,
        c.bytes_recv,
        c.packets_sent,
        c.packets_recv,
        c.errin,
        c.errout,
        c.dropin,
        c.dropout,
    ]
}

fn check_net_io(root: &Path) {
    let rows = net_dev(root);
    let per = rpsutil::net_io_counters_pernic(false).unwrap();
    let got: Vec<(String, Vec<u64>)> = per.iter().map(|(k, v)| (k.clone(), net_vec(v))).collect();
    // In the file's order, as psutil's dict.
    assert_eq!(got, rows);
    let mut sum = vec![0u64; 8];
    for (_, v) in &rows {
        sum.iter_mut().zip(v).for_each(|(s, x)| *s += x);
    }
    assert_eq!(
        net_vec(&rpsutil::net_io_counters(false).unwrap().unwrap()),
        sum
    );
}

/// psutil's `_WrapNumbers`, written again for the oracle: a field below its
/// previous raw value adds that previous raw value to the field's offset.
#[derive(Default)]
struct Wrap {
    last: HashMap<String, Vec<u64>>,
    offset: HashMap<String, Vec<u64>>,
}

impl Wrap {
    fn update(&mut self, rows: &[(String, Vec<u64>)]) -> BTreeMap<String, Vec<u64>> {
        let mut out = BTreeMap::new();
        let mut seen = HashMap::new();
        for (name, v) in rows {
            let off = self
                .offset
                .entry(name.clone())
                .or_insert_with(|| vec![0; v.len()]);
            if let Some(prev) = self.last.get(name) {
                for i in 0..v.len() {
                    if v[i] < prev[i] {
                        off[i] += prev[i];
                    }
                }
            }
            out.insert(
                name.clone(),
                v.iter().zip(off.iter()).map(|(a, b)| a + b).collect(),
            );
            seen.insert(name.clone(), v.clone());
        }
        self.offset.retain(|k, _| seen.contains_key(k));
        self.last = seen;
        out
    }
}

/// A copy of `src/{net/dev,diskstats}` in a temp dir whose counters the test rewrites
/// between calls: counters that go down must come back adjusted, never decreasing.
fn check_nowrap(src: &Path, sys: &Path) {
    let tmp = common::TempDir::new("nowrap");
    std::fs::create_dir_all(tmp.path().join("net")).unwrap();
    let dev0 = text(&src.join("net/dev"));
    let disk0 = text(&src.join("diskstats"));
    rpsutil::set_procfs_path(tmp.path());
    rpsutil::net_io_counters_cache_clear();
    rpsutil::disk_io_counters_cache_clear();

    // Each step rewrites one number of eth0 / sda (by its text) to a lower value.
    let steps: [(&str, &str, &str, &str); 4] = [
        ("", "", "", ""),
        // eth0 rx_bytes drops (NIC reset), sda reads drop.
        ("987654321", "1000", " sda 1001 ", " sda 17 "),
        // tx_packets drops too; the earlier drop stays accounted.
        ("54321", "20", " 80080 ", " 80 "),
        // rx_bytes grows again from its new base.
        ("987654321", "5000", " sda 1001 ", " sda 4000 "),
    ];
    let (mut nw, mut dw) = (Wrap::default(), Wrap::default());
    let (mut dev, mut disk) = (dev0.clone(), disk0.clone());
    let mut prev_net: Option<BTreeMap<String, Vec<u64>>> = None;
    for (i, (a, b, c, d)) in steps.iter().enumerate() {
        if i == 3 {
            // Relative to the original text: rx_bytes is now 5000 (> 1000).
            dev = dev0.replace(a, b).replace("54321", "20");
            disk = disk0.replace(c, d).replace(" 80080 ", " 80 ");
        } else if !a.is_empty() {
            dev = dev.replace(a, b);
            disk = disk.replace(c, d);
        }
        std::fs::write(tmp.path().join("net/dev"), &dev).unwrap();
        std::fs::write(tmp.path().join("diskstats"), &disk).unwrap();

        let want = nw.update(&net_dev(tmp.path()));
        let got: BTreeMap<String, Vec<u64>> = rpsutil::net_io_counters_pernic(true)
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), net_vec(v)))
            .collect();
        assert_eq!(got, want, "net step {i}");
        if let Some(prev) = &prev_net {
            for (k, v) in &got {
                assert!(
                    v.iter().zip(&prev[k]).all(|(n, o)| n >= o),
                    "{k} decreased at step {i}"
                );
            }
        }
        prev_net = Some(got);

        let want = dw.update(&diskstats(tmp.path()));
        let got: BTreeMap<String, Vec<u64>> = rpsutil::disk_io_counters_perdisk(true)
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), disk_vec(v)))
            .collect();
        assert_eq!(got, want, "disk step {i}");
    }
    // The summed form applies the rule per disk before summing (same cache): the
    // data did not change since the last call, so it is the sum of the last values.
    let last = dw.update(&diskstats(tmp.path()));
    let mut sum = vec![0u64; 9];
    for (name, v) in &last {
        if is_storage(sys, name) {
            sum.iter_mut().zip(v).for_each(|(s, x)| *s += x);
        }
    }
    assert_eq!(
        disk_vec(&rpsutil::disk_io_counters(true).unwrap().unwrap()),
        sum
    );
    assert!(sum[0] > 4000, "the sda reads offset is in the sum");
    // cache_clear forgets the offsets: raw values again.
    rpsutil::net_io_counters_cache_clear();
    let raw: BTreeMap<String, Vec<u64>> = net_dev(tmp.path()).into_iter().collect();
    let got: BTreeMap<String, Vec<u64>> = rpsutil::net_io_counters_pernic(true)
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), net_vec(v)))
        .collect();
    assert_eq!(got, raw);
    rpsutil::set_procfs_path("/proc");
}

// --------------------------------------------------------------------- sensors

/// chip -> [(label, current, high, critical)].
type Temps = BTreeMap<String, Vec<(String, f64, Option<f64>, Option<f64>)>>;
/// zone type -> [(current, high, critical)].
type Zones = BTreeMap<String, Vec<(f64, Option<f64>, Option<f64>)>>;

fn check_hwmon(sys: &Path, fahrenheit: bool) {
    let conv = |c: f64| if fahrenheit { c * 9.0 / 5.0 + 32.0 } else { c };
    // Expected from the files: every tempN with an _input, grouped by the chip's name.
    let mut want: Temps = BTreeMap::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut hw: Vec<PathBuf> = std::fs::read_dir(sys.join("class/hwmon"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    hw.sort();
    dirs.extend(hw.iter().cloned());
    dirs.extend(hw.iter().map(|h| h.join("device")));
    let mut prefixes: Vec<PathBuf> = Vec::new();
    for d in &dirs {
        for e in std::fs::read_dir(d).into_iter().flatten() {
            let n = e.unwrap().file_name().into_string().unwrap();
            if let Some(rest) = n.strip_prefix("temp") {
                let num = rest.split('_').next().unwrap();
                prefixes.push(d.join(format!("temp{num}")));
            }
        }
    }
    prefixes.sort();
    prefixes.dedup();
    for p in prefixes {
        let f = |s: &str| PathBuf::from(format!("{}{s}", p.display()));
        let Some(cur) = num(&f("_input"), 1000.0) else {
            continue;
        };
        let name = text(&p.parent().unwrap().join("name")).trim().to_string();
        let label = std::fs::read_to_string(f("_label"))
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let mut high = num(&f("_max"), 1000.0).map(conv);
        let mut crit = num(&f("_crit"), 1000.0).map(conv);
        // psutil's wrapper: a missing threshold takes the other one.
        if high.is_some() && crit.is_none() {
            crit = high;
        } else if crit.is_some() && high.is_none() {
            high = crit;
        }
        want.entry(name)
            .or_default()
            .push((label, conv(cur), high, crit));
    }
    let got: Temps = rpsutil::sensors_temperatures(fahrenheit)
        .unwrap()
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                v.into_iter()
                    .map(|t| (t.label, t.current, t.high, t.critical))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(got, want, "fahrenheit={fahrenheit}");
    // Facts of the fixture, stated once by hand so the reader above cannot drift.
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        ["acpitz", "coretemp", "nvme", "thinkpad"]
    );
    assert_eq!(
        want["acpitz"][0].2,
        Some(conv(119.0)),
        "high filled from critical"
    );
    assert_eq!(
        want["thinkpad"][0].3,
        Some(conv(70.5)),
        "critical filled from high"
    );
    assert_eq!(want["thinkpad"][0].0, "CPU");
    assert_eq!(want["nvme"].len(), 1, "temp2 has no _input");
    assert!(
        !want.contains_key("x86_pkg_temp"),
        "thermal zones only without hwmon"
    );
}

fn check_fans(sys: &Path) {
    let h = sys.join("class/hwmon/hwmon2");
    let chip = text(&h.join("name")).trim().to_string();
    let want = vec![
        (
            text(&h.join("fan1_label")).trim().to_string(),
            num(&h.join("fan1_input"), 1.0).unwrap() as u64,
        ),
        (
            String::new(),
            num(&h.join("fan2_input"), 1.0).unwrap() as u64,
        ),
    ];
    let got = rpsutil::sensors_fans().unwrap();
    assert_eq!(got.keys().collect::<Vec<_>>(), [&chip]);
    let got: Vec<(String, u64)> = got[&chip]
        .iter()
        .map(|f| (f.label.clone(), f.current))
        .collect();
    assert_eq!(got, want);
}

/// Thermal zones, used only without hwmon: each trip point's m°C divided by 1000
/// once (psutil 7.2.2 divides repeatedly inside its loop, its bug 8).
fn check_thermal(sys: &Path) {
    let mut zones: Vec<PathBuf> = std::fs::read_dir(sys.join("class/thermal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("thermal_zone")
        })
        .collect();
    zones.sort();
    let mut want: Zones = BTreeMap::new();
    for z in zones {
        let (mut high, mut crit) = (None, None);
        for i in 0..10 {
            let Ok(t) = std::fs::read_to_string(z.join(format!("trip_point_{i}_type"))) else {
                continue;
            };
            let v = num(&z.join(format!("trip_point_{i}_temp")), 1000.0);
            match t.trim() {
                "critical" => crit = v,
                "high" => high = v,
                _ => {}
            }
        }
        if high.is_some() && crit.is_none() {
            crit = high;
        } else if crit.is_some() && high.is_none() {
            high = crit;
        }
        let name = text(&z.join("type")).trim().to_string();
        want.entry(name)
            .or_default()
            .push((num(&z.join("temp"), 1000.0).unwrap(), high, crit));
    }
    let got: Zones = rpsutil::sensors_temperatures(false)
        .unwrap()
        .into_iter()
        .map(|(k, v)| {
            assert!(v.iter().all(|t| t.label.is_empty()));
            (
                k,
                v.into_iter()
                    .map(|t| (t.current, t.high, t.critical))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(got, want);
    // Not psutil's repeated division (105.0 / 1000 = 0.105 and so on).
    assert_eq!(got["x86_pkg_temp"][0], (52.0, Some(95.0), Some(105.0)));
    assert_eq!(got["acpitz"][0], (30.5, Some(110.0), Some(110.0)));
    assert_eq!(got["iwlwifi_1"][0], (41.0, None, None));
    assert!(rpsutil::sensors_fans().unwrap().is_empty());
}

/// psutil's battery: the smallest `BAT*`/`*battery*` name; percent from
/// energy|charge now/full else capacity; plugged from AC0|AC online else status;
/// secsleft -2 plugged, energy/|power|*3600, else time_to_empty_now (seconds here).
fn expected_battery(sys: &Path) -> (f64, i64, Option<bool>) {
    let ps = sys.join("class/power_supply");
    let mut names: Vec<String> = std::fs::read_dir(&ps)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("BAT") || n.to_lowercase().contains("battery"))
        .collect();
    names.sort();
    let b = ps.join(&names[0]);
    let int = |fs: &[&str]| {
        fs.iter()
            .find_map(|f| num(&b.join(f), 1.0))
            .map(|v| v as i64)
    };
    let now = int(&["energy_now", "charge_now"]);
    let power = int(&["power_now", "current_now"]);
    let full = int(&["energy_full", "charge_full"]);
    let percent = match (now, full) {
        (Some(n), Some(f)) => 100.0 * n as f64 / f as f64,
        _ => int(&["capacity"]).unwrap() as f64,
    };
    let plugged = match ["AC0/online", "AC/online"]
        .iter()
        .find_map(|p| num(&ps.join(p), 1.0))
    {
        Some(v) => Some(v == 1.0),
        None => match std::fs::read_to_string(b.join("status"))
            .map(|s| s.trim().to_lowercase())
            .as_deref()
        {
            Ok("discharging") => Some(false),
            Ok("charging") | Ok("full") => Some(true),
            _ => None,
        },
    };
    let secs = if plugged == Some(true) {
        -2
    } else if let (Some(n), Some(p)) = (now, power) {
        if p == 0 {
            -1
        } else {
            (n as f64 / (p as f64).abs() * 3600.0) as i64
        }
    } else {
        int(&["time_to_empty_now"])
            .filter(|&t| t >= 0)
            .unwrap_or(-1)
    };
    (percent, secs, plugged)
}

fn check_battery(sys: &Path, want_secs: i64) {
    let b = rpsutil::sensors_battery().unwrap().unwrap();
    let (percent, secs, plugged) = expected_battery(sys);
    assert_eq!(b.percent, percent);
    assert_eq!(b.secsleft.as_psutil(), secs);
    assert_eq!(b.power_plugged, plugged);
    // The fixture's fact, by hand: guards the reader above.
    assert_eq!(secs, want_secs);
    let json = serde_json::to_value(b).unwrap();
    assert_eq!(json["secsleft"], serde_json::json!(secs));
}

fn check_cpu_freq(sys: &Path) {
    let base = sys.join("devices/system/cpu");
    let mut want = Vec::new();
    for cpu in ["cpu0", "cpu1", "cpu2"] {
        let d = base.join(cpu);
        if std::fs::read_to_string(d.join("online")).is_ok_and(|s| s.trim() == "0") {
            continue; // offline: left out (psutil: zeros, docs/DIFFERENCES.md)
        }
        let f = |n: &str| num(&d.join("cpufreq").join(n), 1000.0).unwrap();
        want.push((
            f("scaling_cur_freq"),
            f("scaling_min_freq"),
            f("scaling_max_freq"),
        ));
    }
    let got: Vec<_> = rpsutil::cpu_freq_percpu()
        .unwrap()
        .iter()
        .map(|c| (c.current, c.min, c.max))
        .collect();
    assert_eq!(got, want);
    let avg = rpsutil::cpu_freq().unwrap().unwrap();
    let n = want.len() as f64;
    assert_eq!(avg.current, want.iter().map(|w| w.0).sum::<f64>() / n);
    assert_eq!(avg.min, want.iter().map(|w| w.1).sum::<f64>() / n);
    assert_eq!(avg.max, want.iter().map(|w| w.2).sum::<f64>() / n);
}

// ----------------------------------------------------------------------- users

fn check_users() {
    use rpsutil_parse::linux::utmp::{encode_utmp_record, ut_type, UtmpRecord};
    let rec = |kind, pid, line: &str, user: &str, host: &str, sec| UtmpRecord {
        kind,
        pid,
        line: line.into(),
        user: user.into(),
        host: host.into(),
        tv_sec: sec,
        tv_usec: 999_999,
        ..Default::default()
    };
    let recs = [
        rec(ut_type::BOOT_TIME, 0, "~", "reboot", "6.1.0", 1_700_000_000),
        rec(
            ut_type::USER_PROCESS,
            1234,
            "pts/0",
            "alice",
            "10.0.0.7",
            1_700_000_100,
        ),
        rec(
            ut_type::LOGIN_PROCESS,
            900,
            "tty1",
            "LOGIN",
            "",
            1_700_000_050,
        ),
        rec(
            ut_type::USER_PROCESS,
            2345,
            "tty7",
            "bob",
            ":0",
            1_700_000_200,
        ),
        rec(
            ut_type::DEAD_PROCESS,
            3456,
            "pts/1",
            "carol",
            "h",
            1_700_000_300,
        ),
        rec(ut_type::USER_PROCESS, 4567, "", "dave", "", 1_700_000_400),
    ];
    let dir = common::TempDir::new("utmp");
    let path = dir.path().join("utmp");
    let mut data: Vec<u8> = recs.iter().flat_map(encode_utmp_record).collect();
    data.extend_from_slice(&[7u8; 100]); // a torn trailing record is ignored
    std::fs::write(&path, &data).unwrap();
    let got: Vec<_> = rpsutil::users_from(&path)
        .unwrap()
        .into_iter()
        .map(|u| (u.name, u.terminal, u.host, u.started, u.pid))
        .collect();
    let want: Vec<_> = recs
        .iter()
        .filter(|r| r.kind == ut_type::USER_PROCESS)
        .map(|r| {
            let s = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
            let host = match s(&r.host).as_str() {
                "" | ":0" | ":0.0" => "localhost".to_string(),
                h => h.to_string(),
            };
            let term = (!r.line.is_empty()).then(|| s(&r.line));
            // psutil: float(tv_sec), microseconds dropped.
            (s(&r.user), term, host, r.tv_sec as f64, Some(r.pid))
        })
        .collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got, want);
    // A missing utmp file means nobody is logged in.
    assert!(rpsutil::users_from(dir.path().join("absent"))
        .unwrap()
        .is_empty());
}

/// System-wide net_connections under a procfs root other than /proc reads that
/// tree's `net/*` tables (the netlink path is for the live /proc). The tables are the
/// ones `rpsutil-parse` captured with known sockets open: a TCP listener on
/// 127.0.0.1:39911 and its connected pair, a TCP6 listener on [::1]:33803, UDP on
/// 127.0.0.1:33843 and [::]:54629, UNIX listeners on "/tmp/rpsutil fixture sock" and
/// "@rpsutil-abstract". The fixture tree has no process directories, so no owners.
fn check_connections_from_tables(root: &Path) {
    use rpsutil::{Address, ConnKind, ConnStatus};
    let rows_in = |file: &str| {
        text(&root.join("net").join(file))
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .count()
    };
    // Without owners, rows that look the same (e.g. unbound UNIX sockets) are one
    // row, as in psutil's set(): distinct (local, remote, state) per inet table and
    // distinct (type, path) for unix.
    let distinct = |file: &str, cols: &[usize]| {
        text(&root.join("net").join(file))
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                cols.iter()
                    .map(|&i| f.get(i).copied().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<std::collections::HashSet<_>>()
            .len()
    };
    let all = rpsutil::net_connections(ConnKind::All, true).unwrap();
    assert_eq!(
        all.len(),
        distinct("tcp", &[1, 2, 3])
            + distinct("tcp6", &[1, 2, 3])
            + distinct("udp", &[1, 2, 3])
            + distinct("udp6", &[1, 2, 3])
            + distinct("unix", &[4, 7])
    );
    assert!(all.iter().all(|c| c.pid.is_none() && c.fd == -1));
    let has = |kind: ConnKind, laddr: &str, status: ConnStatus| {
        rpsutil::net_connections(kind, false)
            .unwrap()
            .iter()
            .any(|c| c.laddr.to_string() == laddr && c.status == status)
    };
    assert!(has(ConnKind::Tcp4, "127.0.0.1:39911", ConnStatus::Listen));
    assert!(has(ConnKind::Tcp6, "[::1]:33803", ConnStatus::Listen));
    assert!(has(ConnKind::Udp4, "127.0.0.1:33843", ConnStatus::None));
    assert!(has(ConnKind::Udp6, "[::]:54629", ConnStatus::None));
    assert!(has(
        ConnKind::Unix,
        "/tmp/rpsutil fixture sock",
        ConnStatus::None
    ));
    assert!(has(ConnKind::Unix, "@rpsutil-abstract", ConnStatus::None));
    // The connected pair: one end's raddr is the listener.
    let tcp4 = rpsutil::net_connections(ConnKind::Tcp4, false).unwrap();
    assert!(tcp4.iter().any(|c| c.status == ConnStatus::Established
        && matches!(c.raddr, Address::Inet { port: 39911, .. })));
    // Kind filters: no UDP in tcp, no IPv6 in inet4.
    assert_eq!(tcp4.len(), rows_in("tcp"));
    assert!(rpsutil::net_connections(ConnKind::Inet4, false)
        .unwrap()
        .iter()
        .all(|c| c.family == rpsutil::AddressFamily::Inet));
}

#[test]
fn system_fixture_trees() {
    let fx = fixtures();
    let sys = fx.join("sys-hwmon");
    rpsutil::set_sysfs_path(&sys);
    for variant in ["proc-old", "proc-mid", "proc-new"] {
        let root = fx.join(variant);
        rpsutil::set_procfs_path(&root);
        check_cpu(&root);
        check_memory(&root);
        check_disk_io(&root, &sys);
        if root.join("net/dev").exists() {
            check_net_io(&root);
        }
    }
    // Field presence by /proc/stat column count (7: no steal/guest; 8: steal; 10: all).
    rpsutil::set_procfs_path(fx.join("proc-old"));
    let t = rpsutil::cpu_times().unwrap();
    assert!(t.steal.is_none() && t.guest.is_none() && t.guest_nice.is_none());
    rpsutil::set_procfs_path(fx.join("proc-mid"));
    let t = rpsutil::cpu_times().unwrap();
    assert!(t.steal.is_some() && t.guest.is_none());
    rpsutil::set_procfs_path(fx.join("proc-new"));
    let t = rpsutil::cpu_times().unwrap();
    assert!(t.guest.is_some() && t.guest_nice.is_some());
    // MemAvailable absent: the zoneinfo estimate, not MemFree + Cached.
    rpsutil::set_procfs_path(fx.join("proc-old"));
    let mi = text(&fx.join("proc-old/meminfo"));
    assert_ne!(
        rpsutil::virtual_memory().unwrap().available,
        kb(&mi, "MemFree").unwrap() + kb(&mi, "Cached").unwrap()
    );

    check_partitions(&fx.join("proc-old"));
    check_nowrap(&fx.join("proc-old"), &sys);

    check_hwmon(&sys, false);
    check_hwmon(&sys, true);
    check_fans(&sys);
    check_cpu_freq(&sys);
    // Discharging: 35 Wh at 7 W = 18000 s; AC offline.
    check_battery(&sys, 18000);

    let sys = fx.join("sys-thermal");
    rpsutil::set_sysfs_path(&sys);
    check_thermal(&sys);
    // Charging on AC0: unlimited.
    check_battery(&sys, -2);

    // Capacity only, discharging, time_to_empty_now in seconds (psutil: × 60).
    let sys = fx.join("sys-capacity");
    rpsutil::set_sysfs_path(&sys);
    check_battery(&sys, 5400);
    assert!(rpsutil::sensors_temperatures(false).unwrap().is_empty());
    assert!(rpsutil::sensors_fans().unwrap().is_empty());

    // Capacity only, status Full, no AC: plugged.
    let sys = fx.join("sys-full");
    rpsutil::set_sysfs_path(&sys);
    check_battery(&sys, -2);
    assert_eq!(
        rpsutil::sensors_battery().unwrap().unwrap().secsleft,
        BatteryTime::Unlimited
    );

    // No power_supply directory: no battery.
    rpsutil::set_sysfs_path(fx.join("proc-old"));
    assert_eq!(rpsutil::sensors_battery().unwrap(), None);

    check_users();
    rpsutil::set_procfs_path(fx.join("proc-new"));
    check_connections_from_tables(&fx.join("proc-new"));
    rpsutil::set_procfs_path("/proc");
    rpsutil::set_sysfs_path("/sys");
}
