//! `win-snapshot [CHILDREN] [ROUNDS] [SECONDS]`: the "ps snapshot" of
//! docs/PERFORMANCE.md on Windows. It starts CHILDREN idle processes (`ping -n
//! 100000 127.0.0.1`, killed and waited for at the end), then times, in ROUNDS
//! round-robin rounds of about SECONDS each, one scan of every process reading pid,
//! ppid, name, status, cpu_times, memory_info, num_threads, create_time, username and
//! cmdline:
//!
//! - `rpsutil_snapshot`: a new `ProcessTable` each scan; `rpsutil_snapshot_reused`:
//!   one kept across scans;
//! - `sysinfo_fresh` / `sysinfo_reused`: `System::refresh_processes_specifics` with
//!   cpu, memory, user and cmd (a new `System` each scan / one kept).
//!
//! It prints `variant<TAB>procs<TAB>median_us_per_proc<TAB>min_us_per_proc<TAB>scans`.
use std::hint::black_box;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rpsutil::{Attr, ProcessTable};
use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

const ATTRS: [Attr; 10] = [
    Attr::Pid,
    Attr::Ppid,
    Attr::Name,
    Attr::Status,
    Attr::CpuTimes,
    Attr::MemoryInfo,
    Attr::NumThreads,
    Attr::CreateTime,
    Attr::Username,
    Attr::Cmdline,
];

/// The children, killed and waited for on drop (also on panic).
struct Population(Vec<Child>);

impl Drop for Population {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn kind() -> ProcessRefreshKind {
    ProcessRefreshKind::nothing()
        .with_cpu()
        .with_memory()
        .with_user(UpdateKind::Always)
        .with_cmd(UpdateKind::Always)
}

fn rpsutil_scan(table: &mut ProcessTable) -> usize {
    let rows = table.snapshot(&ATTRS).expect("rpsutil snapshot");
    black_box(&rows).len()
}

fn sysinfo_scan(sys: &mut System) -> usize {
    sys.refresh_processes_specifics(ProcessesToUpdate::All, true, kind());
    black_box(&*sys).processes().len()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let children: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let rounds: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let budget = Duration::from_secs_f64(args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1.0));
    let _population = Population(
        (0..children)
            .map(|_| {
                Command::new("ping")
                    .args(["-n", "100000", "127.0.0.1"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("spawn ping")
            })
            .collect(),
    );
    std::thread::sleep(Duration::from_secs(1)); // let them start
    if std::env::var_os("PER_ATTR").is_some() {
        // Where the time goes: one attribute at a time, on a kept table.
        let mut table = ProcessTable::new();
        rpsutil_scan(&mut table);
        for a in ATTRS {
            let mut times = Vec::new();
            let start = Instant::now();
            while start.elapsed() < budget {
                let t = Instant::now();
                let n = black_box(table.snapshot(&[a]).expect("snapshot")).len();
                times.push(t.elapsed().as_secs_f64() * 1e6 / n.max(1) as f64);
            }
            times.sort_by(f64::total_cmp);
            println!("attr {a}\t{:.2}", times[times.len() / 2]);
        }
        return;
    }
    let mut kept_table = ProcessTable::new();
    let mut kept_sys = System::new().expect("sysinfo");
    // Warm-up, and the handles/entries the "reused" variants keep.
    rpsutil_scan(&mut kept_table);
    sysinfo_scan(&mut kept_sys);
    type Scan<'a> = Box<dyn FnMut() -> usize + 'a>;
    let mut variants: Vec<(&str, Scan, Vec<f64>, usize)> = vec![
        (
            "rpsutil_snapshot",
            Box::new(|| rpsutil_scan(&mut ProcessTable::new())),
            Vec::new(),
            0,
        ),
        (
            "rpsutil_snapshot_reused",
            Box::new(|| rpsutil_scan(&mut kept_table)),
            Vec::new(),
            0,
        ),
        (
            "sysinfo_fresh",
            Box::new(|| sysinfo_scan(&mut System::new().expect("sysinfo"))),
            Vec::new(),
            0,
        ),
        (
            "sysinfo_reused",
            Box::new(|| sysinfo_scan(&mut kept_sys)),
            Vec::new(),
            0,
        ),
    ];
    for _ in 0..rounds {
        for (_, scan, times, procs) in variants.iter_mut() {
            let start = Instant::now();
            while start.elapsed() < budget {
                let t = Instant::now();
                let n = scan();
                let us = t.elapsed().as_secs_f64() * 1e6;
                if n > 0 {
                    times.push(us / n as f64);
                    *procs = n;
                }
            }
        }
    }
    for (name, _, times, procs) in &mut variants {
        times.sort_by(f64::total_cmp);
        let median = times.get(times.len() / 2).copied().unwrap_or(f64::NAN);
        let min = times.first().copied().unwrap_or(f64::NAN);
        println!("{name}\t{procs}\t{median:.2}\t{min:.2}\t{}", times.len());
    }
}
