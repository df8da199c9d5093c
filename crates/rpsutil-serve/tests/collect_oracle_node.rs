//! Oracle diff against Debian's node_exporter 1.5.0 on this machine: the same
//! collectors, started on 127.0.0.1, scraped between two gathers of ours.
//!
//! Asserted: every family both expose has the same series (names and label
//! sets), except the documented differences below (docs/DIFFERENCES.md, "rpsutil
//! serve"); no node_exporter family is missing from ours except those listed;
//! constants are equal (MemTotal and every meminfo size that does not move,
//! filesystem sizes, CPU count, boot time within 1 s); counters read by
//! node_exporter lie between our two reads (ours, theirs, ours again), with a
//! tolerance of 0.05 s for CPU seconds (node_exporter and we both read USER_HZ
//! ticks; the slack covers the reads not being simultaneous).
#![cfg(target_os = "linux")]

mod collect_support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};

use collect_support::*;
use rpsutil_serve::collect::{CollectOptions, Scraper, DEFAULT_MOUNT_POINTS_EXCLUDE};
use rpsutil_serve::model::MetricsSource;

const COLLECTORS: [&str; 13] = [
    "cpu",
    "diskstats",
    "filesystem",
    "hwmon",
    "loadavg",
    "meminfo",
    "netclass",
    "netdev",
    "os",
    "stat",
    "thermal_zone",
    "time",
    "uname",
];

/// node_exporter families we do not expose, and why (also in docs/DIFFERENCES.md).
const NOT_OURS: [(&str, &str); 1] = [(
    "node_time_zone_offset_seconds",
    "needs the tz database; the zone's name and offset are not read",
)];

/// Families of the exporters' own process (Go runtime, HTTP handler, build info)
/// and the per-collector scrape families, whose values differ by nature.
fn is_self_metric(name: &str) -> bool {
    name.starts_with("go_")
        || name.starts_with("process_")
        || name.starts_with("promhttp_")
        || name == "node_exporter_build_info"
}

/// Families whose label values depend on the moment (nothing here today: mounts,
/// devices and interfaces are the same for both readers).
fn counters_between(name: &str) -> Option<f64> {
    match name {
        "node_cpu_seconds_total" | "node_cpu_guest_seconds_total" => Some(0.05),
        "node_context_switches_total" | "node_intr_total" | "node_forks_total" => Some(0.0),
        n if n.starts_with("node_network_") && n.ends_with("_total") => Some(0.0),
        n if n.starts_with("node_disk_") && n.ends_with("_total") => Some(0.0),
        _ => None,
    }
}

#[test]
fn node_exporter_oracle_same_series_and_values() {
    let Some(bin) = oracle("/usr/bin/prometheus-node-exporter") else {
        return;
    };
    let port = free_port();
    let mut args = vec![
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--collector.disable-defaults".to_owned(),
        "--web.disable-exporter-metrics".to_owned(),
        // Debian patches two defaults (mount points: adds run, mnt, media;
        // netdev: excludes lo); ours are upstream's, so the oracle is given them.
        format!("--collector.filesystem.mount-points-exclude={DEFAULT_MOUNT_POINTS_EXCLUDE}"),
        "--collector.netdev.device-exclude=".to_owned(),
    ];
    args.extend(COLLECTORS.iter().map(|c| format!("--collector.{c}")));
    let mut kids = Children::default();
    kids.0.push(
        Command::new(bin)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node_exporter"),
    );
    wait_for(port, "/metrics");

    let scraper = Scraper::new(CollectOptions {
        enabled: COLLECTORS.iter().map(|s| s.to_string()).collect(),
        ..CollectOptions::default()
    })
    .expect("scraper");
    let before = series(&scraper.gather(&[], &[]).expect("gather"));
    let theirs = parse_text(&http_get(port, "/metrics").expect("node_exporter /metrics"));
    let after_fams = scraper.gather(&[], &[]).expect("gather");
    let after = series(&after_fams);

    // Every collector ran and succeeded on both sides (hwmon may have no data on
    // a VM: then both report 0).
    for c in COLLECTORS {
        let key = |m: &BTreeMap<SeriesKey, f64>| {
            m.get(&(
                "node_scrape_collector_success".to_owned(),
                BTreeMap::from([("collector".to_owned(), c.to_owned())]),
            ))
            .copied()
        };
        assert_eq!(
            key(&after),
            key(&theirs.samples),
            "collector {c} success differs"
        );
    }

    let names = |m: &BTreeMap<SeriesKey, f64>| -> BTreeSet<String> {
        m.keys()
            .map(|(n, _)| n.clone())
            .filter(|n| !is_self_metric(n))
            .collect()
    };
    let their_names = names(&theirs.samples);
    let our_names = names(&after);
    let missing: Vec<&String> = their_names
        .difference(&our_names)
        .filter(|n| !NOT_OURS.iter().any(|(m, _)| m == n))
        .collect();
    assert!(
        missing.is_empty(),
        "node_exporter families we lack: {missing:?}"
    );
    let extra: Vec<&String> = our_names.difference(&their_names).collect();
    assert!(extra.is_empty(), "families only we expose: {extra:?}");

    // Same series (label sets) in every common family, same TYPE and HELP.
    let mut compared = 0;
    for name in our_names.intersection(&their_names) {
        if name.starts_with("node_scrape_") {
            continue;
        }
        let keys = |m: &BTreeMap<SeriesKey, f64>| -> BTreeSet<BTreeMap<String, String>> {
            m.keys()
                .filter(|(n, _)| n == name)
                .map(|(_, l)| l.clone())
                .collect()
        };
        let (ours_k, theirs_k) = (keys(&after), keys(&theirs.samples));
        assert_eq!(ours_k, theirs_k, "series of {name} differ");
        compared += ours_k.len();
        let fam = after_fams.iter().find(|f| f.name == *name).expect("family");
        let kind = match fam.kind {
            rpsutil_serve::model::MetricType::Counter => "counter",
            rpsutil_serve::model::MetricType::Gauge => "gauge",
            rpsutil_serve::model::MetricType::Untyped => "untyped",
        };
        assert_eq!(
            theirs.types.get(name).map(String::as_str),
            Some(kind),
            "TYPE of {name}"
        );
        assert_eq!(
            theirs.helps.get(name).map(String::as_str),
            Some(&*fam.help),
            "HELP of {name}"
        );
    }
    assert!(compared > 50, "only {compared} series compared");
    eprintln!(
        "compared {compared} series in {} families",
        our_names.intersection(&their_names).count()
    );

    // Values.
    let get = |m: &BTreeMap<SeriesKey, f64>, name: &str| -> f64 {
        *m.get(&(name.to_owned(), BTreeMap::new()))
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert_eq!(
        get(&after, "node_memory_MemTotal_bytes"),
        get(&theirs.samples, "node_memory_MemTotal_bytes")
    );
    assert!(get(&after, "node_memory_MemTotal_bytes") > 0.0);
    assert!(
        (get(&after, "node_boot_time_seconds") - get(&theirs.samples, "node_boot_time_seconds"))
            .abs()
            <= 1.0
    );
    let cpus = |m: &BTreeMap<SeriesKey, f64>| -> BTreeSet<String> {
        m.keys()
            .filter(|(n, _)| n == "node_cpu_seconds_total")
            .filter_map(|(_, l)| l.get("cpu").cloned())
            .collect()
    };
    assert_eq!(cpus(&after), cpus(&theirs.samples));
    assert_eq!(
        cpus(&after).len(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        "one cpu label per online CPU"
    );
    let mut checked = 0;
    for ((name, labels), v) in &theirs.samples {
        let key = (name.clone(), labels.clone());
        if name.starts_with("node_filesystem_")
            && (name.ends_with("size_bytes") || name == "node_filesystem_files")
        {
            assert_eq!(after.get(&key), Some(v), "{name}{labels:?}");
            checked += 1;
        }
        if let Some(tol) = counters_between(name) {
            let (Some(lo), Some(hi)) = (before.get(&key), after.get(&key)) else {
                panic!("{name}{labels:?} missing from our reads");
            };
            assert!(
                *lo - tol <= *v && *v <= *hi + tol,
                "{name}{labels:?}: node_exporter {v} not within ours {lo}..{hi} (±{tol})"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} values checked");
    eprintln!("checked {checked} values");
}

/// A family's TYPE, HELP and label sets.
type Shape = (String, String, BTreeSet<BTreeMap<String, String>>);

/// The soft limit on a `/proc/PID/limits` line, as client_golang reports it
/// ("unlimited": 2^64 as a float).
fn soft_limit(pid: u32, line_start: &str) -> f64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("limits");
    let line = text
        .lines()
        .find(|l| l.starts_with(line_start))
        .expect("limit line");
    match line[line_start.len()..].split_whitespace().next() {
        Some("unlimited") => u64::MAX as f64,
        Some(n) => n.parse().expect("limit"),
        None => panic!("no soft limit in {line:?}"),
    }
}

/// (utime + stime) in seconds and the start time since the epoch, from
/// `/proc/PID/stat` and `/proc/stat`'s btime: what client_golang reads.
fn stat_times(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let after_comm = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<f64> = after_comm
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    let hz: f64 = String::from_utf8(
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .expect("getconf CLK_TCK")
            .stdout,
    )
    .ok()
    .and_then(|s| s.trim().parse().ok())
    .expect("CLK_TCK");
    let btime: f64 = std::fs::read_to_string("/proc/stat")
        .expect("/proc/stat")
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
        .expect("btime");
    // Fields 14, 15 (utime, stime) and 22 (starttime), counted from 1 with
    // field 3 (state) first after the command name.
    ((f[11] + f[12]) / hz, btime + f[19] / hz)
}

/// The exporter's own metrics (`--web.disable-exporter-metrics` off): the same
/// process_* and promhttp_* families as node_exporter, with the same TYPE, HELP
/// and label sets; their values checked against each exporter's own /proc files
/// (limits exactly, start time within a tick, CPU time between two reads), and
/// the handler's counters as client_golang counts them.
#[test]
fn exporter_metrics_match_node_exporters_own() {
    let Some(bin) = oracle("/usr/bin/prometheus-node-exporter") else {
        return;
    };
    let port = free_port();
    let mut kids = Children::default();
    kids.0.push(
        Command::new(bin)
            .args([
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--collector.disable-defaults".to_owned(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node_exporter"),
    );
    let node_pid = kids.0[0].id();
    wait_for(port, "/metrics");

    let scraper = Scraper::new(CollectOptions {
        enabled: Vec::new(),
        ..CollectOptions::default()
    })
    .expect("scraper");
    let mut opts = rpsutil_serve::http::HttpOptions::default();
    opts.listen = "127.0.0.1:0".into();
    let server =
        rpsutil_serve::http::Server::bind(opts, std::sync::Arc::new(scraper)).expect("bind");
    let our_port = server.local_addr().expect("addr").port();
    std::thread::spawn(move || server.run());

    let exporter_family = |n: &str| n.starts_with("process_") || n.starts_with("promhttp_");
    let check = |pid: u32, body: &str, who: &str| -> Parsed {
        let (_, start) = stat_times(pid);
        let parsed = parse_text(body);
        let get = |name: &str| -> f64 {
            *parsed
                .samples
                .get(&(name.to_owned(), BTreeMap::new()))
                .unwrap_or_else(|| panic!("{who}: {name} missing"))
        };
        assert_eq!(
            get("process_max_fds"),
            soft_limit(pid, "Max open files"),
            "{who}"
        );
        assert_eq!(
            get("process_virtual_memory_max_bytes"),
            soft_limit(pid, "Max address space"),
            "{who}"
        );
        // One clock tick: the start time is a tick count added to btime.
        assert!(
            (get("process_start_time_seconds") - start).abs() <= 0.011,
            "{who}"
        );
        assert!(get("process_open_fds") >= 3.0, "{who}");
        assert!(get("process_resident_memory_bytes") > 0.0, "{who}");
        assert!(
            get("process_virtual_memory_bytes") >= get("process_resident_memory_bytes"),
            "{who}"
        );
        assert_eq!(
            get("promhttp_metric_handler_requests_in_flight"),
            1.0,
            "{who}"
        );
        parsed
    };
    // CPU time: read between two reads of /proc/PID/stat taken around the scrape.
    let scrape = |p: u16, pid: u32| -> (String, f64, f64) {
        let (before, _) = stat_times(pid);
        let body = http_get(p, "/metrics").expect("scrape");
        let (after, _) = stat_times(pid);
        (body, before, after)
    };
    let me = std::process::id();
    let (theirs_body, tb, ta) = scrape(port, node_pid);
    let (first_body, _, _) = scrape(our_port, me);
    let (ours_body, ob, oa) = scrape(our_port, me);
    let theirs = check(node_pid, &theirs_body, "node_exporter");
    let first = check(me, &first_body, "rpsutil");
    let ours = check(me, &ours_body, "rpsutil");
    for (p, lo, hi, who) in [
        (&theirs, tb, ta, "node_exporter"),
        (&ours, ob, oa, "rpsutil"),
    ] {
        let cpu = p.samples[&("process_cpu_seconds_total".to_owned(), BTreeMap::new())];
        assert!(
            lo <= cpu && cpu <= hi,
            "{who}: cpu {cpu} outside [{lo}, {hi}]"
        );
    }

    // Same families, types, help texts and label sets.
    let shape = |p: &Parsed| -> BTreeMap<String, Shape> {
        p.types
            .iter()
            .filter(|(n, _)| exporter_family(n))
            .map(|(n, t)| {
                let labels = p
                    .samples
                    .keys()
                    .filter(|(m, _)| m == n)
                    .map(|(_, l)| l.clone())
                    .collect();
                (n.clone(), (t.clone(), p.helps[n].clone(), labels))
            })
            .collect()
    };
    assert_eq!(shape(&ours), shape(&theirs));
    assert_eq!(shape(&ours).len(), 10, "{:?}", shape(&ours).keys());

    // The handler counts a scrape once it is answered: 0 in the first, 1 after.
    let requests = |p: &Parsed, code: &str| {
        p.samples[&(
            "promhttp_metric_handler_requests_total".to_owned(),
            BTreeMap::from([("code".to_owned(), code.to_owned())]),
        )]
    };
    assert_eq!(requests(&first, "200"), 0.0);
    assert_eq!(requests(&ours, "200"), 1.0);
    // node_exporter was scraped once before, by wait_for.
    assert_eq!(requests(&theirs, "200"), 1.0);
    for p in [&first, &ours, &theirs] {
        assert_eq!((requests(p, "500"), requests(p, "503")), (0.0, 0.0));
    }
}
