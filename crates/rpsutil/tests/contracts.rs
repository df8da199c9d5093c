//! Contract tests, compiled and run on every OS (psutil's `test_contracts.py`):
//!
//! - **availability**: every function and `Process` method of the capability table
//!   answers `Error::Unsupported` exactly where `rpsutil::capabilities::available`
//!   says it does not exist (and so where psutil does not have it);
//! - **shapes**: the JSON keys of every value rpsutil returns on this OS are exactly
//!   psutil's namedtuple fields for this OS, in order (`rpsutil::types::fields`).
//!
//! The calls run on the test's own process, which first opens a file and a TCP
//! socket so that `open_files` and `net_connections` have rows to check.

use std::collections::BTreeSet;
use std::io::Write;

use rpsutil::capabilities::{self, Kind};
use rpsutil::types::fields::{fields, Os};
use rpsutil::{ConnKind, Error, MemType, Process, Resource};
use serde::Serialize;

/// What one call gave: Unsupported, some other error, or a value as JSON.
enum Outcome {
    Unsupported,
    Failed(String),
    Value,
}

fn outcome<T: Serialize>(r: rpsutil::Result<T>) -> Outcome {
    match r {
        Ok(v) => {
            serde_json::to_string(&v).expect("serialise");
            Outcome::Value
        }
        Err(Error::Unsupported { .. }) => Outcome::Unsupported,
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// Calls the module function `name` of the capability table; None for a name this
/// test has no call for.
fn call_function(name: &str) -> Option<Outcome> {
    use rpsutil as r;
    Some(match name {
        "pids" => outcome(r::pids()),
        "pid_exists" => {
            if r::pid_exists(std::process::id()) {
                Outcome::Value
            } else {
                Outcome::Unsupported
            }
        }
        "process_iter" => outcome(r::process_iter().map(|v| v.len())),
        "wait_procs" => outcome(Process::current().and_then(|me| {
            r::wait_procs(&[me], Some(std::time::Duration::ZERO), None)
                .map(|(g, a)| (g.len(), a.len()))
        })),
        "cpu_times" => outcome(r::cpu_times()),
        "cpu_percent" => outcome(r::cpu_percent(None)),
        "cpu_times_percent" => outcome(r::cpu_times_percent(None)),
        "cpu_count" => outcome(r::cpu_count(true)),
        "cpu_stats" => outcome(r::cpu_stats()),
        "cpu_freq" => outcome(r::cpu_freq()),
        "getloadavg" => outcome(r::getloadavg()),
        "virtual_memory" => outcome(r::virtual_memory()),
        "swap_memory" => outcome(r::swap_memory()),
        "disk_partitions" => outcome(r::disk_partitions(true)),
        "disk_usage" => outcome(r::disk_usage(std::env::temp_dir())),
        "disk_io_counters" => outcome(r::disk_io_counters_perdisk(false)),
        "net_io_counters" => outcome(r::net_io_counters_pernic(false)),
        "net_connections" => outcome(r::net_connections(ConnKind::Inet, true)),
        "net_if_addrs" => outcome(r::net_if_addrs()),
        "net_if_stats" => outcome(r::net_if_stats()),
        "sensors_temperatures" => outcome(r::sensors_temperatures(false)),
        "sensors_fans" => outcome(r::sensors_fans()),
        "sensors_battery" => outcome(r::sensors_battery()),
        "boot_time" => outcome(r::boot_time()),
        "users" => outcome(r::users()),
        "heap_info" => outcome(r::heap_info()),
        "heap_trim" => outcome(r::heap_trim()),
        "win_service_iter" => outcome(r::win_service_iter().map(|v| {
            v.into_iter()
                .filter_map(|s| s.ok())
                .collect::<Vec<r::WindowsService>>()
        })),
        // A name that exists here, or any name where the enumeration is Unsupported.
        "win_service_get" => {
            let name = r::win_service_iter()
                .ok()
                .and_then(|v| v.into_iter().find_map(|s| s.ok()))
                .map(|s| s.name)
                .unwrap_or_else(|| "RpcSs".to_string());
            outcome(r::win_service_get(&name))
        }
        _ => return None,
    })
}

/// Calls the `Process` method `name` on `me`; None for a name this test has no call
/// for (the signal methods are called on a child by `signal_outcomes`).
fn call_method(name: &str, me: &Process) -> Option<Outcome> {
    Some(match name {
        "cpu_times" => outcome(me.cpu_times()),
        "cpu_percent" => outcome(me.cpu_percent(None)),
        "net_connections" => outcome(me.net_connections(ConnKind::Inet)),
        "uids" => outcome(me.uids()),
        "gids" => outcome(me.gids()),
        "terminal" => outcome(me.terminal()),
        "num_fds" => outcome(me.num_fds()),
        "num_handles" => outcome(me.num_handles()),
        "environ" => outcome(me.environ()),
        "ionice" => outcome(me.ionice()),
        "rlimit" => outcome(me.rlimit(Resource::Nofile)),
        "io_counters" => outcome(me.io_counters()),
        "cpu_affinity" => outcome(me.cpu_affinity()),
        "cpu_num" => outcome(me.cpu_num()),
        "memory_maps" => outcome(me.memory_maps()),
        "threads" => outcome(me.threads()),
        "name" => outcome(me.name()),
        "exe" => outcome(me.exe()),
        "cmdline" => outcome(me.cmdline()),
        "status" => outcome(me.status()),
        "ppid" => outcome(me.ppid()),
        "parent" => outcome(me.parent().map(|p| p.map(|p| p.pid()))),
        "parents" => outcome(me.parents().map(|v| v.len())),
        "children" => outcome(me.children(false).map(|v| v.len())),
        "cwd" => outcome(me.cwd()),
        "username" => outcome(me.username()),
        "create_time" => outcome(me.create_time()),
        "memory_info" => outcome(me.memory_info()),
        "memory_full_info" => outcome(me.memory_full_info()),
        "memory_percent" => outcome(me.memory_percent(MemType::Rss)),
        "open_files" => outcome(me.open_files()),
        "nice" => outcome(me.nice()),
        "num_ctx_switches" => outcome(me.num_ctx_switches()),
        "num_threads" => outcome(me.num_threads()),
        "is_running" => {
            if me.is_running() {
                Outcome::Value
            } else {
                Outcome::Unsupported
            }
        }
        "as_dict" => outcome(me.as_dict(&[])),
        "oneshot" => outcome(me.oneshot(|| me.ppid())),
        // Signals and waits act on a child, made by the caller of this test.
        _ => return None,
    })
}

/// A child that the signal methods may hit: `sleep`/`ping` style, killed at the end.
fn signal_outcomes(name: &str) -> Option<Outcome> {
    let mut child = std::process::Command::new(if cfg!(windows) { "cmd" } else { "sleep" })
        .args(if cfg!(windows) {
            &["/C", "ping -n 30 127.0.0.1 >NUL"][..]
        } else {
            &["30"][..]
        })
        .stdout(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let p = match Process::new(child.id()) {
        Ok(p) => p,
        Err(Error::Unsupported { .. }) => {
            let _ = child.kill();
            let _ = child.wait();
            return Some(Outcome::Unsupported);
        }
        Err(e) => panic!("Process::new(child): {e}"),
    };
    let o = match name {
        "send_signal" => outcome(p.send_signal(if cfg!(unix) { 0 } else { 15 })),
        "suspend" => outcome(p.suspend().and_then(|_| p.resume())),
        "resume" => outcome(p.resume()),
        "terminate" => outcome(p.terminate()),
        "kill" => outcome(p.kill()),
        "wait" => outcome(p.kill().and_then(|_| p.wait(None))),
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    Some(o)
}

/// Functions the Windows backend has but Wine 8 cannot serve, so they answer
/// Unsupported there: the PDH counters `\Paging File(_Total)\% Usage` and
/// `\System\Processor Queue Length` do not exist, nor does the information class
/// `ProcessIoPriority`. Empty on real Windows and elsewhere.
fn wine_gaps() -> &'static [&'static str] {
    // Wine maps the Linux root to Z:, so its /proc is there.
    if cfg!(windows) && std::path::Path::new("Z:\\proc\\stat").exists() {
        // And NtQueryInformationProcess(ProcessIoPriority) (STATUS_INVALID_INFO_CLASS).
        &["getloadavg", "swap_memory", "ionice"]
    } else {
        &[]
    }
}

#[test]
fn availability_matches_the_capability_table() {
    // Rows for open_files and net_connections.
    let dir = std::env::temp_dir().join(format!("rpsutil-contract-{}", std::process::id()));
    let mut file = std::fs::File::create(&dir).unwrap();
    file.write_all(b"x").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let me = Process::current();
    let mut checked = 0;
    for (cap, available) in capabilities::capabilities() {
        // PROCFS_PATH is a constant (procfs_path()/set_procfs_path() on every OS).
        if cap.name == "PROCFS_PATH" {
            continue;
        }
        let got = match (cap.kind, &me) {
            (Kind::Function | Kind::Constant, _) => call_function(cap.name),
            // No process functions in this backend: Process::current() itself is
            // Unsupported, and so is every method.
            (Kind::Method, Err(Error::Unsupported { .. })) => Some(Outcome::Unsupported),
            (Kind::Method, Err(e)) => panic!("Process::current(): {e}"),
            (Kind::Method, Ok(me)) => {
                signal_outcomes(cap.name).or_else(|| call_method(cap.name, me))
            }
        }
        .unwrap_or_else(|| panic!("the test has no call for {}", cap.name));
        checked += 1;
        match got {
            Outcome::Unsupported if available && wine_gaps().contains(&cap.name) => {
                println!("{}: Unsupported under Wine (a Wine 8 gap)", cap.name);
            }
            Outcome::Unsupported => assert!(
                !available,
                "{} is available per the table but answered Unsupported",
                cap.name
            ),
            Outcome::Value => assert!(
                available,
                "{} answered a value but the table says it does not exist here",
                cap.name
            ),
            Outcome::Failed(e) => {
                assert!(
                    available,
                    "{} failed with {e} instead of Unsupported",
                    cap.name
                );
            }
        }
    }
    drop(listener);
    drop(file);
    let _ = std::fs::remove_file(&dir);
    assert!(checked >= 60, "only {checked} capabilities checked");
    println!("{checked} capabilities checked on {:?}", Os::current());
}

/// JSON with the key order of the serialiser kept (serde_json's `Value` sorts
/// keys unless its `preserve_order` feature is on, which would change the CLI too).
#[derive(Debug)]
enum Ordered {
    Map(Vec<(String, Ordered)>),
    List(Vec<Ordered>),
    Scalar,
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Ordered>()? {
                    out.push((k, v));
                }
                Ok(Ordered::Map(out))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element::<Ordered>()? {
                    out.push(v);
                }
                Ok(Ordered::List(out))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
        }
        d.deserialize_any(V)
    }
}

fn ordered<T: Serialize>(v: &T) -> Ordered {
    serde_json::from_str(&serde_json::to_string(v).expect("serialise")).expect("parse")
}

fn check_shape(tuple: &str, v: &Ordered) {
    let os = Os::current().expect("a psutil OS");
    let want = fields(tuple, os).unwrap_or_else(|| panic!("no {tuple} on {os:?}"));
    let Ordered::Map(m) = v else {
        panic!("{tuple}: not a namedtuple: {v:?}")
    };
    let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, want, "{tuple} on {os:?}");
}

/// Checks `tuple`'s shape on the value, on each element of a list, or on each value
/// (or list of values) of a map keyed by name, when the call works on this OS.
fn shape<T: Serialize>(tuple: &str, r: rpsutil::Result<T>) -> usize {
    let Ok(v) = r else { return 0 };
    let v = ordered(&v);
    let first = Os::ALL
        .iter()
        .find_map(|os| fields(tuple, *os))
        .map(|f| f[0])
        .unwrap_or("");
    let items: Vec<&Ordered> = match &v {
        Ordered::List(a) => a.iter().collect(),
        // A map keyed by NIC, disk or chip name, not a namedtuple itself.
        Ordered::Map(m) if !m.iter().any(|(k, _)| k == first) => m.iter().map(|(_, v)| v).collect(),
        Ordered::Scalar => Vec::new(),
        one => vec![one],
    };
    let mut n = 0;
    for item in items {
        match item {
            Ordered::List(inner) => {
                for i in inner {
                    check_shape(tuple, i);
                    n += 1;
                }
            }
            other => {
                check_shape(tuple, other);
                n += 1;
            }
        }
    }
    n
}

#[test]
fn json_keys_are_psutils_fields_for_this_os() {
    let Some(_) = Os::current() else {
        println!("skipped: psutil does not support this OS");
        return;
    };
    let path = std::env::temp_dir().join(format!("rpsutil-shape-{}", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut n = 0;
    n += shape("scputimes", rpsutil::cpu_times());
    n += shape("scputimes", rpsutil::cpu_times_percpu());
    n += shape("scpustats", rpsutil::cpu_stats());
    n += shape("scpufreq", rpsutil::cpu_freq());
    n += shape("svmem", rpsutil::virtual_memory());
    n += shape("sswap", rpsutil::swap_memory());
    n += shape("sdiskpart", rpsutil::disk_partitions(true));
    n += shape("sdiskusage", rpsutil::disk_usage(std::env::temp_dir()));
    n += shape("sdiskio", rpsutil::disk_io_counters(false));
    n += shape("sdiskio", rpsutil::disk_io_counters_perdisk(false));
    n += shape("snetio", rpsutil::net_io_counters(false));
    n += shape("snetio", rpsutil::net_io_counters_pernic(false));
    n += shape("snicaddr", rpsutil::net_if_addrs());
    n += shape("snicstats", rpsutil::net_if_stats());
    n += shape("sconn", rpsutil::net_connections(ConnKind::Inet, true));
    n += shape("suser", rpsutil::users());
    n += shape("shwtemp", rpsutil::sensors_temperatures(false));
    n += shape("sfan", rpsutil::sensors_fans());
    n += shape("sbattery", rpsutil::sensors_battery());
    n += shape("pheap", rpsutil::heap_info());
    if let Ok(me) = Process::current() {
        n += shape("pcputimes", me.cpu_times());
        n += shape("pmem", me.memory_info());
        n += shape("pfullmem", me.memory_full_info());
        n += shape("pmmap_grouped", me.memory_maps());
        n += shape("pmmap_ext", me.memory_maps_ext());
        n += shape("popenfile", me.open_files());
        n += shape("pthread", me.threads());
        n += shape("puids", me.uids());
        n += shape("pgids", me.gids());
        n += shape("pio", me.io_counters());
        if cfg!(target_os = "linux") {
            n += shape("pionice", me.ionice());
        }
        n += shape("pctxsw", me.num_ctx_switches());
        n += shape("pconn", me.net_connections(ConnKind::Inet));
        // addr: the local address of our listening socket.
        if let Ok(conns) = me.net_connections(ConnKind::Tcp) {
            for c in conns {
                if let Ordered::Map(m) = ordered(&c) {
                    let laddr = &m.iter().find(|(k, _)| k == "laddr").expect("laddr").1;
                    check_shape("addr", laddr);
                    n += 1;
                }
            }
        }
    }
    drop(listener);
    drop(file);
    let _ = std::fs::remove_file(&path);
    println!("{n} values checked against the field table");
    if cfg!(target_os = "linux") {
        assert!(n >= 100, "only {n} values checked");
    }
}

#[test]
fn memory_percent_takes_exactly_this_oss_memtypes() {
    let Ok(me) = Process::current() else { return };
    let os = Os::current().expect("a psutil OS");
    let valid: BTreeSet<&str> = fields("pfullmem", os).unwrap().iter().copied().collect();
    for m in MemType::ALL {
        match me.memory_percent(m) {
            Err(Error::InvalidInput { what }) => {
                assert!(!valid.contains(m.as_str()), "{}: {what}", m.as_str());
                assert!(what.starts_with(&format!("invalid memtype '{}'", m.as_str())));
            }
            Ok(pct) => {
                assert!(valid.contains(m.as_str()), "{}", m.as_str());
                assert!((0.0..=100.0).contains(&pct), "{} = {pct}", m.as_str());
            }
            Err(e) => panic!("{}: {e}", m.as_str()),
        }
    }
}
