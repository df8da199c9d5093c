//! The "ps snapshot" benchmark (docs/PERFORMANCE.md): for every process pid, ppid,
//! name, status, cpu_times, memory_info, num_threads, create_time, username and
//! cmdline, read by rpsutil, sysinfo, the procfs crate and a minimal hand-written
//! reader of the four files (stat, statm, status, cmdline) that is the floor.
//!
//! The process population is made by the benchmark itself and killed and reaped
//! when it ends, even on panic (a `Drop` guard; the children also get
//! `PR_SET_PDEATHSIG` so that they die with the benchmark if it is killed):
//!
//! - `idle1000`: 1,000 idle `sleep 1000` processes;
//! - `threads200x10`: 200 processes of 10 threads each (this binary re-executed as
//!   a helper that starts 9 sleeping threads).
//!
//! Under `cargo test --benches` (no `--bench` argument) the populations are small
//! (20 processes, 4 x 3 threads) and each benchmark runs once.
//!
//! Modes other than criterion, chosen by environment variables (used by
//! `scripts/bench/compare.sh`):
//!
//! - `RPSUTIL_BENCH_HELPER=threads:N`: be a helper process with N threads, sleep.
//! - `RPSUTIL_BENCH_HOLD=idle1000|threads200x10`: start that population, print
//!   `ready`, keep it until standard input ends, then kill and reap it.
//! - `RPSUTIL_BENCH_TABLE=LABEL`: no population of its own; time every variant
//!   (`RPSUTIL_BENCH_ROUNDS` rounds of about `RPSUTIL_BENCH_SECONDS` each, default
//!   3 and 0.5) and print `time<TAB>LABEL<TAB>variant<TAB>procs<TAB>min_us<TAB>median_us`
//!   per variant, in microseconds per process.
//! - `RPSUTIL_BENCH_PEAK=VARIANT`: run that variant 3 times (`RPSUTIL_BENCH_SCANS`)
//!   in this fresh process and print `peak<TAB>VARIANT<TAB>VmRSS before (kB)<TAB>VmHWM after (kB)`.
//!
//! Criterion ids are `VARIANT/POPULATION`; throughput is set to the number of
//! processes, so criterion's `thrpt` is processes per second.

#[cfg(target_os = "linux")]
fn main() {
    linux::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {}

#[cfg(target_os = "linux")]
#[path = "harness/mod.rs"]
mod harness;

#[cfg(target_os = "linux")]
mod linux {
    use crate::harness::{criterion, criterion_filter, env_num, time_runs, wanted, Run};
    use std::collections::HashMap;
    use std::fs::File;
    use std::hint::black_box;
    use std::io::{Read, Write};
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use criterion::{BenchmarkId, Throughput};
    use rpsutil::{Attr, ProcessTable};

    /// The ten attributes of the "ps snapshot".
    pub const ATTRS: [Attr; 10] = [
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

    /// The same without username: must not read `/proc/PID/status`.
    pub const ATTRS_NO_USER: [Attr; 9] = [
        Attr::Pid,
        Attr::Ppid,
        Attr::Name,
        Attr::Status,
        Attr::CpuTimes,
        Attr::MemoryInfo,
        Attr::NumThreads,
        Attr::CreateTime,
        Attr::Cmdline,
    ];

    // ------------------------------------------------------------------ population

    /// Processes started for the benchmark: killed and reaped on drop.
    pub struct Population {
        pub label: &'static str,
        children: Vec<Child>,
    }

    fn die_with_parent(cmd: &mut Command) -> &mut Command {
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            })
        }
    }

    impl Population {
        fn spawn(label: &'static str, mut make: impl FnMut() -> Command, n: usize) -> Population {
            let mut pop = Population {
                label,
                children: Vec::with_capacity(n),
            };
            for _ in 0..n {
                let mut cmd = make();
                cmd.stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                die_with_parent(&mut cmd);
                pop.children
                    .push(cmd.spawn().expect("spawn a benchmark process"));
            }
            pop
        }

        /// `n` idle `sleep 1000` processes.
        pub fn idle(label: &'static str, n: usize) -> Population {
            Population::spawn(
                label,
                || {
                    let mut c = Command::new("sleep");
                    c.arg("1000");
                    c
                },
                n,
            )
        }

        /// `n` processes of `threads` threads each (this binary as a helper); waits
        /// until every helper has all its threads.
        pub fn threaded(label: &'static str, n: usize, threads: usize) -> Population {
            let exe = std::env::current_exe().expect("current_exe");
            let pop = Population::spawn(
                label,
                || {
                    let mut c = Command::new(&exe);
                    c.env("RPSUTIL_BENCH_HELPER", format!("threads:{threads}"));
                    c
                },
                n,
            );
            let deadline = Instant::now() + Duration::from_secs(30);
            for child in &pop.children {
                let task = format!("/proc/{}/task", child.id());
                while std::fs::read_dir(&task).map(|d| d.count()).unwrap_or(0) < threads {
                    assert!(Instant::now() < deadline, "helper threads did not start");
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
            pop
        }

        pub fn len(&self) -> usize {
            self.children.len()
        }
    }

    impl Drop for Population {
        fn drop(&mut self) {
            for c in &mut self.children {
                let _ = c.kill();
            }
            for c in &mut self.children {
                let _ = c.wait();
            }
        }
    }

    /// The helper process of the threaded population: `threads - 1` extra threads,
    /// all asleep.
    fn helper(spec: &str) -> ! {
        let threads: usize = spec
            .strip_prefix("threads:")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        for _ in 1..threads {
            std::thread::spawn(|| std::thread::sleep(Duration::from_secs(1000)));
        }
        std::thread::sleep(Duration::from_secs(1000));
        std::process::exit(0)
    }

    /// The populations of a `--bench` run, or small ones under `cargo test`.
    type MakePopulation = Box<dyn Fn() -> Population>;

    fn populations(full: bool) -> [(&'static str, MakePopulation); 2] {
        if full {
            [
                ("idle1000", Box::new(|| Population::idle("idle1000", 1000))),
                (
                    "threads200x10",
                    Box::new(|| Population::threaded("threads200x10", 200, 10)),
                ),
            ]
        } else {
            [
                ("idle20", Box::new(|| Population::idle("idle20", 20))),
                (
                    "threads4x3",
                    Box::new(|| Population::threaded("threads4x3", 4, 3)),
                ),
            ]
        }
    }

    // ------------------------------------------------------------------ variants

    pub const VARIANTS: &[&str] = &[
        "minimal_reader",
        "rpsutil_snapshot",
        "rpsutil_snapshot_reused",
        "rpsutil_snapshot_no_user",
        "rpsutil_snapshot_parallel_2",
        "sysinfo_refresh_fresh",
        "sysinfo_refresh_reused",
        "sysinfo_refresh_fresh_no_tasks",
        "procfs",
        "rpsutil_pids",
        "listdir_proc",
    ];

    fn sysinfo_kind() -> sysinfo::ProcessRefreshKind {
        use sysinfo::{ProcessRefreshKind, UpdateKind};
        // nothing() keeps `tasks` on: sysinfo lists and reads every thread.
        ProcessRefreshKind::nothing()
            .with_cpu()
            .with_memory()
            .with_user(UpdateKind::Always)
            .with_cmd(UpdateKind::Always)
    }

    /// sysinfo's map holds threads too: count only processes.
    fn sysinfo_refresh(sys: &mut sysinfo::System, kind: sysinfo::ProcessRefreshKind) -> usize {
        sys.refresh_processes_specifics(sysinfo::ProcessesToUpdate::All, true, kind);
        sys.processes()
            .values()
            .filter(|p| p.thread_kind() != Some(sysinfo::ThreadKind::Userland))
            .count()
    }

    pub fn variant(name: &str) -> Run {
        match name {
            "minimal_reader" => {
                let mut r = MinimalReader::default();
                Box::new(move || black_box(r.snapshot()).len())
            }
            "rpsutil_snapshot" => Box::new(|| {
                black_box(ProcessTable::new().snapshot(&ATTRS).expect("snapshot")).len()
            }),
            "rpsutil_snapshot_reused" => {
                let mut t = ProcessTable::new();
                Box::new(move || black_box(t.snapshot(&ATTRS).expect("snapshot")).len())
            }
            "rpsutil_snapshot_no_user" => Box::new(|| {
                black_box(
                    ProcessTable::new()
                        .snapshot(&ATTRS_NO_USER)
                        .expect("snapshot"),
                )
                .len()
            }),
            "rpsutil_snapshot_parallel_2" => Box::new(|| {
                black_box(
                    ProcessTable::new()
                        .snapshot_parallel(&ATTRS, 2)
                        .expect("snapshot"),
                )
                .len()
            }),
            "sysinfo_refresh_fresh" => Box::new(|| {
                let mut sys = sysinfo::System::new().expect("sysinfo");
                sysinfo_refresh(&mut sys, sysinfo_kind())
            }),
            "sysinfo_refresh_reused" => {
                let mut sys = sysinfo::System::new().expect("sysinfo");
                Box::new(move || sysinfo_refresh(&mut sys, sysinfo_kind()))
            }
            "sysinfo_refresh_fresh_no_tasks" => Box::new(|| {
                let mut sys = sysinfo::System::new().expect("sysinfo");
                sysinfo_refresh(&mut sys, sysinfo_kind().without_tasks())
            }),
            "procfs" => Box::new(procfs_snapshot),
            "rpsutil_pids" => Box::new(|| black_box(rpsutil::pids().expect("pids")).len()),
            "listdir_proc" => Box::new(|| black_box(list_proc()).len()),
            other => panic!("unknown variant {other}"),
        }
    }

    /// The procfs crate reading the same four files.
    fn procfs_snapshot() -> usize {
        let mut n = 0;
        for p in procfs::process::all_processes().expect("procfs") {
            let Ok(p) = p else { continue };
            let (Ok(stat), Ok(statm), Ok(status), Ok(cmdline)) =
                (p.stat(), p.statm(), p.status(), p.cmdline())
            else {
                continue;
            };
            black_box((stat, statm, status.ruid, cmdline));
            n += 1;
        }
        n
    }

    /// The numeric entries of /proc: the cost of listing pids.
    fn list_proc() -> Vec<u32> {
        let mut v: Vec<u32> = std::fs::read_dir("/proc")
            .expect("read /proc")
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        v.sort_unstable();
        v
    }

    // ------------------------------------------------------------------ the floor

    /// One row of the minimal reader.
    #[allow(dead_code)]
    #[derive(Debug)]
    pub struct Row {
        pid: u32,
        ppid: u32,
        name: String,
        state: u8,
        times: [u64; 4],
        num_threads: u64,
        start: u64,
        rss: u64,
        vms: u64,
        user: String,
        cmdline: Vec<String>,
    }

    /// A hand-written reader of /proc/PID/{stat,statm,status,cmdline}: one reused
    /// buffer, the least parsing, user names cached per uid. The kernel's floor for
    /// psutil's data.
    #[derive(Default)]
    pub struct MinimalReader {
        buf: Vec<u8>,
        path: String,
        users: HashMap<u32, String>,
    }

    fn num(s: &[u8]) -> u64 {
        s.iter()
            .take_while(|c| c.is_ascii_digit())
            .fold(0u64, |n, c| n * 10 + u64::from(c - b'0'))
    }

    fn user_name(uid: u32) -> String {
        let mut buf = vec![0u8; 4096];
        // SAFETY: zeroed passwd is a valid out-parameter; buf outlives the call.
        unsafe {
            let mut pwd: libc::passwd = std::mem::zeroed();
            let mut res: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr().cast(), buf.len(), &mut res);
            if rc == 0 && !res.is_null() {
                return std::ffi::CStr::from_ptr(pwd.pw_name)
                    .to_string_lossy()
                    .into_owned();
            }
        }
        uid.to_string()
    }

    impl MinimalReader {
        /// Reads `/proc/PID/NAME` into the buffer; false if it failed.
        fn read(&mut self, pid: u32, name: &str) -> bool {
            use std::fmt::Write as _;
            self.path.clear();
            let _ = write!(self.path, "/proc/{pid}/{name}");
            self.buf.clear();
            match File::open(&self.path) {
                Ok(mut f) => f.read_to_end(&mut self.buf).is_ok(),
                Err(_) => false,
            }
        }

        fn row(&mut self, pid: u32) -> Option<Row> {
            if !self.read(pid, "stat") {
                return None;
            }
            let b = &self.buf;
            let open = b.iter().position(|&c| c == b'(')?;
            let close = b.iter().rposition(|&c| c == b')')?;
            let name = String::from_utf8_lossy(&b[open + 1..close]).into_owned();
            // Fields from 3 (state) on.
            let f: Vec<&[u8]> = b[close + 2..].split(|&c| c == b' ').collect();
            let state = *f.first()?.first()?;
            let ppid = num(f.get(1)?) as u32;
            let times = [
                num(f.get(11)?),
                num(f.get(12)?),
                num(f.get(13)?),
                num(f.get(14)?),
            ];
            let num_threads = num(f.get(17)?);
            let start = num(f.get(19)?);

            if !self.read(pid, "statm") {
                return None;
            }
            let mut m = self.buf.split(|&c| c == b' ');
            let vms = num(m.next()?);
            let rss = num(m.next()?);

            if !self.read(pid, "status") {
                return None;
            }
            const UID: &[u8] = b"\nUid:\t";
            let at = self.buf.windows(UID.len()).position(|w| w == UID)?;
            let uid = num(&self.buf[at + UID.len()..]) as u32;
            let user = self
                .users
                .entry(uid)
                .or_insert_with(|| user_name(uid))
                .clone();

            if !self.read(pid, "cmdline") {
                return None;
            }
            let cmdline = self
                .buf
                .split(|&c| c == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            Some(Row {
                pid,
                ppid,
                name,
                state,
                times,
                num_threads,
                start,
                rss,
                vms,
                user,
                cmdline,
            })
        }

        pub fn snapshot(&mut self) -> Vec<Row> {
            self.users.clear();
            list_proc()
                .into_iter()
                .filter_map(|p| self.row(p))
                .collect()
        }
    }

    // ------------------------------------------------------------------ modes

    fn status_kb(field: &str) -> u64 {
        let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        s.lines()
            .find_map(|l| l.strip_prefix(field))
            .map(|v| num(v.trim_start().as_bytes()))
            .unwrap_or(0)
    }

    fn peak(name: &str) {
        let mut run = variant(name);
        let scans = env_num("RPSUTIL_BENCH_SCANS", 3.0) as usize;
        let before = status_kb("VmRSS:");
        for _ in 0..scans {
            black_box(run());
        }
        let hwm = status_kb("VmHWM:");
        println!("peak\t{name}\t{before}\t{hwm}");
        eprintln!(
            "size_of: ProcessInfo {} B, (Process, ProcessInfo) {} B, sysinfo::Process {} B",
            std::mem::size_of::<rpsutil::ProcessInfo>(),
            std::mem::size_of::<(rpsutil::Process, rpsutil::ProcessInfo)>(),
            std::mem::size_of::<sysinfo::Process>()
        );
    }

    fn hold(label: &str) {
        let pop = match label {
            "idle1000" => Population::idle("idle1000", 1000),
            "threads200x10" => Population::threaded("threads200x10", 200, 10),
            other => panic!("unknown population {other}"),
        };
        println!("ready {}", pop.len());
        std::io::stdout().flush().ok();
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        drop(pop);
    }

    /// Times every variant in `rounds` round-robin rounds; prints min and median
    /// microseconds per process over every iteration of every round.
    fn table(label: &str) {
        let names: Vec<&str> = VARIANTS.iter().copied().filter(|n| wanted(n)).collect();
        let mut runs: Vec<Run> = names.iter().map(|n| variant(n)).collect();
        for (name, (n, s)) in names.iter().zip(time_runs(&mut runs, 0.5)) {
            // Microseconds per process.
            let per = |secs: f64| secs * 1e6 / n.max(1) as f64;
            println!(
                "time\t{label}\t{name}\t{n}\t{:.3}\t{:.3}\t{}",
                per(s[0]),
                per(s[s.len() / 2]),
                s.len()
            );
        }
    }

    // ------------------------------------------------------------------ criterion

    fn criterion_benches(full: bool) {
        let mut c = criterion(3);
        // A population is started only if the filter (first free argument) could
        // select one of its benchmarks.
        let filter = criterion_filter();
        let names: Vec<&str> = populations(full).iter().map(|p| p.0).collect();
        for (label, make) in populations(full) {
            if let Some(f) = &filter {
                if !f.contains(label) && names.iter().any(|n| f.contains(n)) {
                    continue;
                }
            }
            let pop = make();
            let n = rpsutil::pids().map(|p| p.len()).unwrap_or(1) as u64;
            eprintln!(
                "population {}: {} started, {n} pids in total",
                pop.label,
                pop.len()
            );
            for name in VARIANTS {
                let (group_name, param) = match name.strip_prefix("rpsutil_snapshot_parallel_") {
                    Some(t) => ("rpsutil_snapshot_parallel", Some(t)),
                    None => (*name, None),
                };
                let mut g = c.benchmark_group(group_name);
                g.throughput(Throughput::Elements(n));
                let mut run = variant(name);
                match param {
                    Some(t) => g.bench_function(BenchmarkId::new(t, label), |b| b.iter(&mut run)),
                    None => g.bench_function(label, |b| b.iter(&mut run)),
                };
                g.finish();
            }
            drop(pop);
        }
        c.final_summary();
    }

    pub fn main() {
        if let Ok(spec) = std::env::var("RPSUTIL_BENCH_HELPER") {
            helper(&spec);
        }
        if let Ok(label) = std::env::var("RPSUTIL_BENCH_HOLD") {
            return hold(&label);
        }
        if let Ok(name) = std::env::var("RPSUTIL_BENCH_PEAK") {
            return peak(&name);
        }
        if let Ok(label) = std::env::var("RPSUTIL_BENCH_TABLE") {
            return table(&label);
        }
        let full = std::env::args().any(|a| a == "--bench");
        criterion_benches(full);
    }
}
