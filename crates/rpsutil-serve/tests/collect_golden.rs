//! Golden-file test on a committed fixture tree (`tests/fixtures/{proc,sys,root,
//! udev}`, as node_exporter's `end-to-end-test.sh`): every collector but uname
//! (the host's) runs with `--path.*` pointing at the fixtures, and the families,
//! rendered sorted, must equal `tests/fixtures/expected.txt`.
//!
//! Values printed as `X` are volatile: the collectors' durations, the time, and
//! the statfs numbers of the fixture's `/` mount (which is the fixture directory
//! on the real disk). The fixture's second mount does not exist, so it must give
//! `device_error` 1 and no other series.
//!
//! The library's procfs root is process-wide: this file is its own test binary
//! and holds a single test. `UPDATE_GOLDEN=1` rewrites the expected file.
#![cfg(target_os = "linux")]

mod collect_support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use collect_support::render;
use rpsutil_serve::collect::{CollectOptions, Scraper, COLLECTORS};
use rpsutil_serve::model::{GatherError, MetricsSource};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn volatile(name: &str, labels: &BTreeMap<String, String>) -> bool {
    name == "node_scrape_collector_duration_seconds"
        || name == "node_time_seconds"
        || (name.starts_with("node_filesystem_")
            && name != "node_filesystem_device_error"
            && name != "node_filesystem_readonly"
            && labels.get("mountpoint").is_some_and(|m| m == "/"))
}

#[test]
fn fixture_tree_gives_the_expected_families() {
    let f = fixtures();
    // Kernel threads (2) and a process with all fds closed (301) have an empty
    // /proc/PID/fd, which git cannot hold: made here.
    for pid in ["2", "301"] {
        std::fs::create_dir_all(f.join("proc").join(pid).join("fd")).expect("empty fd dir");
    }
    let enabled: Vec<String> = COLLECTORS
        .iter()
        .map(|c| c.name.to_owned())
        .filter(|n| n != "uname")
        .collect();
    let scraper = Scraper::new(CollectOptions {
        procfs: f.join("proc"),
        sysfs: f.join("sys"),
        rootfs: f.join("root"),
        udev_data: f.join("udev"),
        enabled,
        process_config: Some(f.join("process.yml")),
        proc_topk: 1,
        ..CollectOptions::default()
    })
    .expect("scraper on fixtures");
    let fams = scraper.gather(&[], &[]).expect("gather");
    let got = render(&fams, volatile);
    let expected_path = f.join("expected.txt");
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&expected_path, &got).expect("write expected");
    }
    let expected =
        std::fs::read_to_string(&expected_path).expect("expected.txt (UPDATE_GOLDEN=1 writes it)");
    if got != expected {
        let diff: Vec<String> = expected
            .lines()
            .filter(|l| !got.lines().any(|g| g == *l))
            .map(|l| format!("- {l}"))
            .chain(
                got.lines()
                    .filter(|l| !expected.lines().any(|e| e == *l))
                    .map(|l| format!("+ {l}")),
            )
            .collect();
        panic!(
            "fixture output differs from expected.txt:\n{}",
            diff.join("\n")
        );
    }
    // Every collector succeeded on the fixtures.
    for s in fams
        .iter()
        .filter(|f| f.name == "node_scrape_collector_success")
        .flat_map(|f| &f.samples)
    {
        assert_eq!(s.value, 1.0, "{:?}", s.labels);
    }

    // collect[] / exclude[]: only the named collectors run; an unknown or
    // disabled name is an error.
    let only = scraper
        .gather(&["loadavg".to_owned()], &[])
        .expect("collect[]=loadavg");
    let names: Vec<&str> = only.iter().map(|f| &*f.name).collect();
    assert_eq!(
        names,
        [
            "node_load1",
            "node_load5",
            "node_load15",
            "node_scrape_collector_duration_seconds",
            "node_scrape_collector_success"
        ]
    );
    assert_eq!(only[0].samples[0].value, 0.52);
    let without = scraper
        .gather(&[], &["process".to_owned()])
        .expect("exclude[]=process");
    assert!(without.iter().all(|f| !f.name.starts_with("namedprocess_")));
    assert!(without
        .iter()
        .any(|f| f.name == "node_memory_MemTotal_bytes"));
    assert_eq!(
        scraper.gather(&["uname".to_owned()], &[]),
        Err(GatherError::UnknownCollector("uname".to_owned()))
    );
    assert_eq!(
        scraper.gather(&[], &["nope".to_owned()]),
        Err(GatherError::UnknownCollector("nope".to_owned()))
    );
}
