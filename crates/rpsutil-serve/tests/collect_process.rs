//! The process collector on the live machine: process-exporter 0.7.10 as the
//! oracle (same YAML, same group names and num_procs for processes this test
//! starts), group counters that never decrease while members exit, and the
//! top-K bound whatever the number of processes.
//!
//! The tests share the library's process-wide procfs root (the default) and run
//! one at a time (a lock), so that their children do not blur each other's
//! groups.
#![cfg(target_os = "linux")]

mod collect_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use collect_support::*;
use rpsutil_serve::collect::{CollectOptions, Scraper};
use rpsutil_serve::model::{Family, MetricsSource};

static SERIAL: Mutex<()> = Mutex::new(());

/// A copy of `/bin/sleep` (or `sh`) under a unique name, so that its processes
/// form a group no other process joins.
fn copy_binary(src: &str, name: &str) -> (tempdir::Dir, PathBuf) {
    let dir = tempdir::Dir::new();
    let dst = dir.0.join(name);
    std::fs::copy(src, &dst).expect("copy binary");
    (dir, dst)
}

mod tempdir {
    /// A temporary directory removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let p = std::env::temp_dir().join(format!(
                "rpsutil-serve-test-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0)
            ));
            std::fs::create_dir_all(&p).expect("temp dir");
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn write_config(dir: &Path, yaml: &str) -> PathBuf {
    let p = dir.join("process.yml");
    std::fs::write(&p, yaml).expect("write config");
    p
}

fn scraper(config: Option<PathBuf>, topk: usize) -> Scraper {
    Scraper::new(CollectOptions {
        enabled: vec!["process".to_owned()],
        process_config: config,
        proc_topk: topk,
        ..CollectOptions::default()
    })
    .expect("scraper")
}

fn value(fams: &[Family], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let want: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    series(fams).get(&(name.to_owned(), want)).copied()
}

fn groups(samples: &BTreeMap<SeriesKey, f64>) -> BTreeMap<String, f64> {
    samples
        .iter()
        .filter(|((n, _), _)| n == "namedprocess_namegroup_num_procs")
        .filter_map(|((_, l), v)| Some((l.get("groupname")?.clone(), *v)))
        .collect()
}

#[test]
fn process_exporter_oracle_same_groups_and_series() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(bin) = oracle("/usr/bin/prometheus-process-exporter") else {
        return;
    };
    let (dir, sleeper) = copy_binary("/bin/sleep", "rpsorsleep");
    let yaml = "process_names:\n  - comm: [rpsorsleep]\n    name: \"sleepers-{{.Comm}}\"\n  - name: \"{{.Comm}}\"\n    cmdline: ['.+']\n";
    let cfg = write_config(&dir.0, yaml);
    let mut kids = Children::default();
    for _ in 0..3 {
        kids.0.push(
            Command::new(&sleeper)
                .arg("600")
                .spawn()
                .expect("start sleeper"),
        );
    }
    let port = free_port();
    kids.0.push(
        Command::new(bin)
            .arg(format!("-web.listen-address=127.0.0.1:{port}"))
            .arg(format!("-config.path={}", cfg.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start process-exporter"),
    );
    let s = scraper(Some(cfg), 0);
    wait_for(port, "/metrics");

    // Groups of live processes come and go (compilers, shells): compare the
    // groups with members on both sides, retrying a few times for churn.
    let mut last_diff = String::new();
    for attempt in 0..5 {
        let ours_f = s.gather(&[], &[]).expect("gather");
        let ours = series(&ours_f);
        let theirs =
            parse_text(&http_get(port, "/metrics").expect("process-exporter /metrics")).samples;
        let (og, tg) = (groups(&ours), groups(&theirs));
        assert_eq!(
            og.get("sleepers-rpsorsleep"),
            Some(&3.0),
            "our sleepers group"
        );
        assert_eq!(
            tg.get("sleepers-rpsorsleep"),
            Some(&3.0),
            "their sleepers group"
        );
        let live = |g: &BTreeMap<String, f64>| -> BTreeMap<String, f64> {
            g.iter()
                .filter(|(_, v)| **v > 0.0)
                .map(|(k, v)| (k.clone(), *v))
                .collect()
        };
        let (ol, tl) = (live(&og), live(&tg));
        // Series names and label sets, for the families both expose, in groups
        // both have with the same members.
        let same: BTreeSet<&String> = ol
            .iter()
            .filter(|(k, v)| tl.get(*k) == Some(v))
            .map(|(k, _)| k)
            .collect();
        let keys = |m: &BTreeMap<SeriesKey, f64>| -> BTreeSet<SeriesKey> {
            m.keys()
                .filter(|(n, l)| {
                    n.starts_with("namedprocess_namegroup_")
                        && !n.contains("thread")
                        && l.get("groupname").is_some_and(|g| same.contains(g))
                        // Only process-exporter reads smaps (-gather-smaps).
                        && !l.get("memtype").is_some_and(|m| m.starts_with("proportional"))
                })
                .cloned()
                .collect()
        };
        let (ok, tk) = (keys(&ours), keys(&theirs));
        assert_eq!(ok, tk, "series of the common groups");
        assert!(ok.len() > 20, "only {} series compared", ok.len());
        // Gauges that do not move for sleeping processes: equal.
        for g in ["sleepers-rpsorsleep"] {
            for (name, labels) in [
                ("namedprocess_namegroup_num_threads", vec![]),
                ("namedprocess_namegroup_open_filedesc", vec![]),
                ("namedprocess_namegroup_oldest_start_time_seconds", vec![]),
                (
                    "namedprocess_namegroup_memory_bytes",
                    vec![("memtype", "virtual")],
                ),
                ("namedprocess_namegroup_states", vec![("state", "Sleeping")]),
            ] {
                let mut l: BTreeMap<String, String> = labels
                    .iter()
                    .map(|(k, v): &(&str, &str)| (k.to_string(), v.to_string()))
                    .collect();
                l.insert("groupname".into(), g.into());
                let k = (name.to_owned(), l);
                assert_eq!(ours.get(&k), theirs.get(&k), "{k:?}");
                assert!(ours.get(&k).is_some_and(|v| *v > 0.0), "{k:?} is 0");
            }
        }
        if ol == tl {
            eprintln!(
                "attempt {attempt}: {} groups, {} series equal",
                ol.len(),
                ok.len()
            );
            return;
        }
        last_diff = format!(
            "only ours: {:?}\nonly theirs: {:?}",
            ol.iter()
                .filter(|(k, v)| tl.get(*k) != Some(v))
                .collect::<Vec<_>>(),
            tl.iter()
                .filter(|(k, v)| ol.get(*k) != Some(v))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!("live groups differ after 5 tries:\n{last_diff}");
}

#[test]
fn group_counters_never_decrease_while_members_exit() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let (dir, sh) = copy_binary("/bin/sh", "rpsburnsh");
    let cfg = write_config(&dir.0, "process_names:\n  - comm: [rpsburnsh]\n");
    let s = scraper(Some(cfg), 0);
    let cpu = |f: &[Family]| {
        value(
            f,
            "namedprocess_namegroup_cpu_seconds_total",
            &[("groupname", "rpsburnsh"), ("mode", "user")],
        )
        .unwrap_or(0.0)
            + value(
                f,
                "namedprocess_namegroup_cpu_seconds_total",
                &[("groupname", "rpsburnsh"), ("mode", "system")],
            )
            .unwrap_or(0.0)
    };
    // Start times are whole seconds of boot time plus ticks, so a process is
    // known to start after the scraper's first scan only a second later
    // (process-exporter's rule too).
    std::thread::sleep(Duration::from_millis(1100));
    let mut kids = Children::default();
    // Busy loops of different lengths: members exit one after another.
    for n in [50_000, 150_000, 300_000, 500_000] {
        kids.0.push(
            Command::new(&sh)
                .arg("-c")
                .arg(format!("i=0; while [ $i -lt {n} ]; do i=$((i+1)); done"))
                .spawn()
                .expect("start burner"),
        );
    }
    let mut last = 0.0;
    let mut seen_members = 0.0f64;
    let mut exited_after_counted = false;
    for _ in 0..200 {
        let f = s.gather(&[], &[]).expect("gather");
        let now = cpu(&f);
        assert!(now >= last, "group cpu went down: {last} -> {now}");
        let members = value(
            &f,
            "namedprocess_namegroup_num_procs",
            &[("groupname", "rpsburnsh")],
        )
        .unwrap_or(0.0);
        if members < seen_members && now > 0.0 {
            exited_after_counted = true;
        }
        seen_members = seen_members.max(members);
        last = now;
        let running = kids
            .0
            .iter_mut()
            .map(|c| c.try_wait())
            .filter(|r| matches!(r, Ok(None)))
            .count();
        if running == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let f = s.gather(&[], &[]).expect("gather");
    assert_eq!(
        value(
            &f,
            "namedprocess_namegroup_num_procs",
            &[("groupname", "rpsburnsh")]
        ),
        Some(0.0)
    );
    assert!(
        cpu(&f) >= last && last > 0.05,
        "the burners' CPU was counted ({last} s) and kept after they exited"
    );
    assert!(
        seen_members >= 2.0,
        "several members were seen at once ({seen_members})"
    );
    assert!(
        exited_after_counted,
        "members exited while the group had counted CPU"
    );
}

#[test]
fn topk_samples_are_bounded_whatever_the_process_count() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let (dir, sleeper) = copy_binary("/bin/sleep", "rpscardsleep");
    let cfg = write_config(
        &dir.0,
        "process_names:\n  - comm: [rpscardsleep]\n    name: 'card'\n",
    );
    let topk = 5;
    let s = scraper(Some(cfg), topk);
    let count = |f: &[Family]| -> usize {
        f.iter()
            .filter(|f| {
                f.name.starts_with("rpsutil_process_") || f.name.starts_with("namedprocess_")
            })
            .map(|f| f.samples.len())
            .sum()
    };
    let before = s.gather(&[], &[]).expect("gather");
    let mut kids = Children::default();
    for _ in 0..300 {
        kids.0.push(
            Command::new(&sleeper)
                .arg("600")
                .stdout(Stdio::null())
                .spawn()
                .expect("sleeper"),
        );
    }
    let after = s.gather(&[], &[]).expect("gather");
    assert_eq!(
        value(
            &after,
            "namedprocess_namegroup_num_procs",
            &[("groupname", "card")]
        ),
        Some(300.0)
    );
    let pids = |f: &[Family]| -> BTreeSet<String> {
        f.iter()
            .filter(|f| f.name.starts_with("rpsutil_process_"))
            .flat_map(|f| f.samples.iter())
            .filter_map(|s| {
                s.labels
                    .iter()
                    .find(|(k, _)| k == "pid")
                    .map(|(_, v)| v.clone())
            })
            .collect()
    };
    assert!(
        pids(&after).len() <= 2 * topk,
        "{} top-K processes",
        pids(&after).len()
    );
    assert!(
        pids(&after).len() >= topk,
        "top-K lists at least K processes"
    );
    // One group (21 samples), the 3 scrape-error counters, and at most 2K
    // processes × 4
    // samples each: the same bound before and after 300 more processes.
    let bound = 21 + 3 + 2 * topk * 4;
    assert!(
        count(&before) <= bound && count(&after) <= bound,
        "{} / {} samples > {bound}",
        count(&before),
        count(&after)
    );
}
