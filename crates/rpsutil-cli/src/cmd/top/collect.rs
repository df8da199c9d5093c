//! `rpsutil top`'s data: one [`Frame`] per refresh, read through the library.
//!
//! The collector keeps the process table (and so each process's previous CPU
//! times) and a system CPU sampler between frames: every percentage is over the
//! time since the previous frame, measured with a monotonic clock. The first frame
//! is measured over a real interval too ([`Collector::new`] takes a first sample;
//! the caller waits before asking for the first frame), where procps top's first
//! frame divides by an almost empty interval.

use std::time::Instant;

use serde::Serialize;

use rpsutil::{
    Attr, CpuSampler, CpuTimes, MemoryInfo, Pid, ProcessTable, Status, SwapMemory, SystemCpuTimes,
    VirtualMemory,
};

use crate::error::CliResult;
use crate::util::{field, now_epoch, part};

/// What a row is made of (psutil's names). The command line is read only when
/// something shows or filters it ([`Collector::frame`]): it is a fourth file per
/// process and changes least.
const ATTRS: &[Attr] = &[
    Attr::Pid,
    Attr::Ppid,
    Attr::Name,
    Attr::Status,
    Attr::Nice,
    Attr::MemoryInfo,
    Attr::MemoryPercent,
    Attr::CpuPercent,
    Attr::CpuTimes,
    Attr::NumThreads,
    Attr::Username,
];

/// One process in a frame. A value that could not be read (access denied, a
/// zombie) is None; the renderers show it as such, never as 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The process id.
    pub pid: Pid,
    /// The parent's pid.
    pub ppid: Option<Pid>,
    /// psutil's `name()`.
    pub name: String,
    /// psutil's `cmdline()`.
    pub cmdline: Option<Vec<String>>,
    /// psutil's `username()`.
    pub username: Option<String>,
    /// psutil's `status()`.
    pub status: Option<Status>,
    /// The nice value.
    pub nice: Option<i32>,
    /// psutil's `memory_info()` (bytes).
    pub memory_info: Option<MemoryInfo>,
    /// psutil's `memory_percent()`.
    pub memory_percent: Option<f64>,
    /// psutil's `cpu_percent()` over the frame's interval (100 = one CPU).
    pub cpu_percent: Option<f64>,
    /// psutil's `cpu_times()` (seconds).
    pub cpu_times: Option<CpuTimes>,
    /// psutil's `num_threads()`.
    pub num_threads: Option<u32>,
    /// Extra columns (`--fields`): read only when asked for.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The optional columns' values (`--fields`), psutil's names in JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Extra {
    /// psutil's `num_fds()`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_fds: Option<u32>,
    /// psutil's `cpu_num()`: the CPU it last ran on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_num: Option<u32>,
    /// psutil's `create_time()`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<f64>,
    /// USS from psutil's `memory_full_info()` (bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uss: Option<u64>,
    /// Disk bytes read per second over the frame (from `io_counters()`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_bytes_per_sec: Option<f64>,
    /// Disk bytes written per second over the frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_bytes_per_sec: Option<f64>,
}

/// The columns `--fields` can add, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Column {
    /// PPID.
    Ppid,
    /// nTH: threads.
    Threads,
    /// FDS: open file descriptors.
    Fds,
    /// CPU#: the CPU last run on.
    CpuNum,
    /// START: start time.
    Start,
    /// USS: unique set size.
    Uss,
    /// R/s: disk reads per second.
    ReadRate,
    /// W/s: disk writes per second.
    WriteRate,
}

impl Column {
    /// Parses a `--fields` name (case-insensitive).
    pub fn parse(s: &str) -> Option<Column> {
        Some(match s.to_ascii_lowercase().as_str() {
            "ppid" => Column::Ppid,
            "nth" | "thr" | "threads" | "num_threads" => Column::Threads,
            "fds" | "num_fds" => Column::Fds,
            "cpu#" | "cpu_num" | "p" => Column::CpuNum,
            "start" | "create_time" => Column::Start,
            "uss" => Column::Uss,
            "r/s" | "read" | "rs" => Column::ReadRate,
            "w/s" | "write" | "ws" => Column::WriteRate,
            _ => return None,
        })
    }

    /// The header and width of the column.
    pub fn header(self) -> (&'static str, usize) {
        match self {
            Column::Ppid => ("PPID", 7),
            Column::Threads => ("nTH", 4),
            Column::Fds => ("FDS", 5),
            Column::CpuNum => ("P", 3),
            Column::Start => ("START", 5),
            Column::Uss => ("USS", 7),
            Column::ReadRate => ("R/s", 7),
            Column::WriteRate => ("W/s", 7),
        }
    }
}

impl Row {
    /// User plus system CPU seconds (top's TIME+; children and iowait are not the
    /// process's own time).
    pub fn cpu_seconds(&self) -> Option<f64> {
        self.cpu_times.map(|t| t.user + t.system)
    }
}

impl crate::live::fields::Fields for Row {
    /// The filter language's names (`live::fields`): `cpu` and `mem` in percent,
    /// `rss`, `vms`, `shr` in bytes, `time` in CPU seconds, `pr` as top's.
    fn field(&self, name: &str) -> crate::live::fields::Value {
        use crate::live::fields::Value;
        let num = |v: Option<f64>| v.map_or(Value::Missing, Value::Num);
        let text = |v: Option<&str>| v.map_or(Value::Missing, |s| Value::Text(s.to_string()));
        let mem = self.memory_info;
        match name {
            "pid" => Value::Num(f64::from(self.pid)),
            "ppid" => num(self.ppid.map(f64::from)),
            "user" => text(self.username.as_deref()),
            "name" => Value::Text(self.name.clone()),
            "cmdline" => text(self.cmdline.as_ref().map(|c| c.join(" ")).as_deref()),
            "status" => text(self.status.map(|s| s.as_str())),
            "cpu" => num(self.cpu_percent),
            "mem" => num(self.memory_percent),
            "rss" => num(mem.map(|m| m.rss as f64)),
            "vms" => num(mem.map(|m| m.vms as f64)),
            "shr" => num(mem.and_then(|m| m.shared).map(|s| s as f64)),
            "nice" => num(self.nice.map(f64::from)),
            "pr" => num(self.nice.map(|n| f64::from(20 + n))),
            "threads" => num(self.num_threads.map(f64::from)),
            "time" => num(self.cpu_seconds()),
            _ => Value::Missing,
        }
    }
}

/// Processes by state, as top's `Tasks:` line counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tasks {
    /// Every process.
    pub total: usize,
    /// R.
    pub running: usize,
    /// S, D and I (top counts all three as sleeping).
    pub sleeping: usize,
    /// T and t.
    pub stopped: usize,
    /// Z.
    pub zombie: usize,
}

impl Tasks {
    fn count(rows: &[Row]) -> Tasks {
        let mut t = Tasks {
            total: rows.len(),
            ..Tasks::default()
        };
        for r in rows {
            match r.status {
                Some(Status::Running) => t.running += 1,
                Some(Status::Sleeping | Status::DiskSleep | Status::Idle) => t.sleeping += 1,
                Some(Status::Stopped | Status::TracingStop) => t.stopped += 1,
                Some(Status::Zombie) => t.zombie += 1,
                _ => {}
            }
        }
        t
    }
}

/// Everything one refresh shows.
#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    /// When it was read (seconds since the epoch).
    pub time: f64,
    /// The interval its rates are over (seconds, measured).
    pub interval: f64,
    /// psutil's `boot_time()`.
    pub boot_time: f64,
    /// How many users are logged in (None if utmp could not be read).
    pub users: Option<usize>,
    /// psutil's `getloadavg()`.
    pub getloadavg: Option<(f64, f64, f64)>,
    /// Processes by state.
    pub tasks: Tasks,
    /// psutil's `cpu_times_percent()` over the interval.
    pub cpu_times_percent: Option<SystemCpuTimes>,
    /// The same per CPU.
    pub cpu_times_percent_percpu: Option<Vec<SystemCpuTimes>>,
    /// psutil's `virtual_memory()`.
    pub virtual_memory: VirtualMemory,
    /// psutil's `swap_memory()`.
    pub swap_memory: Option<SwapMemory>,
    /// Rows are threads (top's `-H`): each thread of each process, its id in `pid`.
    pub threads: bool,
    /// Every process (or the ones asked for), unsorted.
    pub processes: Vec<Row>,
    /// The library's handle on each listed process: signals sent through it reach
    /// the process that was listed, not a later one that reused its pid.
    #[serde(skip)]
    pub handles: std::collections::BTreeMap<Pid, rpsutil::Process>,
}

/// Reads frames; keeps what the next frame's rates are computed from.
pub struct Collector {
    table: ProcessTable,
    /// Each row's disk byte counters at the previous frame, for R/s and W/s.
    io_last: std::collections::BTreeMap<Pid, (u64, u64, Instant)>,
    /// The handles of the threads listed last (threads mode), for their CPU%.
    thread_handles: std::collections::BTreeMap<Pid, rpsutil::Process>,
    total: CpuSampler,
    percpu: CpuSampler,
    last: Instant,
}

impl Collector {
    /// Takes the first samples (system CPU times, every process's CPU times), so
    /// that the first [`Collector::frame`] covers the time since now.
    pub fn new() -> CliResult<Collector> {
        // Every frame reads the same files of every process: the table keeps them
        // open (one pread per file and frame instead of open, read and close), and
        // re-reads a user name only when the process's owner changed.
        raise_fd_limit();
        let mut table = ProcessTable::new().keep_files_open();
        table.snapshot(&[Attr::CpuPercent])?;
        Ok(Collector {
            table,
            thread_handles: Default::default(),
            io_last: Default::default(),
            total: CpuSampler::new()?,
            percpu: CpuSampler::new()?,
            last: Instant::now(),
        })
    }

    /// A frame over the time since the previous one (or since [`Collector::new`]);
    /// with `cmdline`, rows have their command lines; with `threads`, rows are the
    /// threads of every process (a thread id is a pid to the library on Linux, as
    /// in psutil: its stat gives the thread's own state and CPU times).
    pub fn frame(&mut self, cmdline: bool, threads: bool, extra: &[Column]) -> CliResult<Frame> {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let mut attrs = ATTRS.to_vec();
        if cmdline {
            attrs.push(Attr::Cmdline);
        }
        for c in extra {
            attrs.push(match c {
                Column::Ppid | Column::Threads => continue,
                Column::Fds => Attr::NumFds,
                Column::CpuNum => Attr::CpuNum,
                Column::Start => Attr::CreateTime,
                Column::Uss => Attr::MemoryFullInfo,
                Column::ReadRate | Column::WriteRate => Attr::IoCounters,
            });
        }
        attrs.sort();
        attrs.dedup();
        let snapshot = if threads {
            // Only the processes' handles are needed to list their threads (the
            // table reads nothing for processes it already holds); the rows are the
            // threads, each read once.
            let mut entries = Vec::new();
            for p in self.table.refresh()? {
                // A process that ended or hides its tasks has no thread rows.
                for t in p.threads().unwrap_or_default() {
                    // Each thread's own values (/proc/PID/task/TID, as top -H):
                    // psutil's Process(tid) would give the whole process's.
                    let handle = match self.thread_handles.remove(&t.id) {
                        Some(h) => h,
                        None => match p.thread(t.id) {
                            Ok(h) => {
                                h.keep_files_open();
                                h
                            }
                            // Ended since threads() listed it.
                            Err(_) => continue,
                        },
                    };
                    entries.push((t.id, Some(handle)));
                }
            }
            let rows = rpsutil::process::snapshot_entries(&entries, &attrs, workers)?;
            let snapshot: Vec<_> = rows.into_iter().flatten().collect();
            self.thread_handles = snapshot.iter().map(|(p, _)| (p.pid(), p.clone())).collect();
            snapshot
        } else {
            self.thread_handles.clear();
            self.table.snapshot_parallel(&attrs, workers)?
        };
        let now = Instant::now();
        let interval = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        let cpu = part("cpu_times_percent", self.total.times_percent())?;
        let percpu = part("cpu_times_percent", self.percpu.times_percent_percpu())?;
        let handles = snapshot.iter().map(|(p, _)| (p.pid(), p.clone())).collect();
        let mut io_now = std::collections::BTreeMap::new();
        let io_last = &self.io_last;
        let processes: Vec<Row> = snapshot
            .into_iter()
            .map(|(p, info)| {
                // R/s and W/s: the delta since this pid's previous frame, over the
                // time measured between the two reads (unknown on its first frame).
                let io = field(&info.io_counters).map(|c| (c.read_bytes, c.write_bytes, now));
                let rates = match (io, io_last.get(&p.pid())) {
                    (Some((r, w, t1)), Some(&(r0, w0, t0))) if t1 > t0 && r >= r0 && w >= w0 => {
                        let dt = t1.duration_since(t0).as_secs_f64();
                        (Some((r - r0) as f64 / dt), Some((w - w0) as f64 / dt))
                    }
                    _ => (None, None),
                };
                if let Some(io) = io {
                    io_now.insert(p.pid(), io);
                }
                (p, info, rates)
            })
            .map(|(p, info, rates)| Row {
                pid: p.pid(),
                ppid: field(&info.ppid).copied(),
                name: field(&info.name).cloned().unwrap_or_default(),
                cmdline: field(&info.cmdline).cloned(),
                username: field(&info.username).cloned(),
                status: field(&info.status).copied(),
                nice: field(&info.nice).copied(),
                memory_info: field(&info.memory_info).copied(),
                memory_percent: field(&info.memory_percent).copied(),
                cpu_percent: field(&info.cpu_percent).copied(),
                cpu_times: field(&info.cpu_times).copied(),
                num_threads: field(&info.num_threads).copied(),
                extra: Extra {
                    num_fds: field(&info.num_fds).copied(),
                    cpu_num: field(&info.cpu_num).copied(),
                    create_time: field(&info.create_time).copied(),
                    uss: field(&info.memory_full_info).and_then(|m| m.uss),
                    read_bytes_per_sec: rates.0,
                    write_bytes_per_sec: rates.1,
                },
            })
            .collect();
        self.io_last = io_now;
        Ok(Frame {
            time: now_epoch(),
            interval,
            boot_time: rpsutil::boot_time()?,
            users: part("users", rpsutil::users())?.map(|u| u.len()),
            getloadavg: part("getloadavg", rpsutil::getloadavg())?,
            tasks: Tasks::count(&processes),
            cpu_times_percent: cpu,
            cpu_times_percent_percpu: percpu,
            virtual_memory: rpsutil::virtual_memory()?,
            swap_memory: part("swap_memory", rpsutil::swap_memory())?,
            threads,
            processes,
            handles,
        })
    }
}

/// Raises the soft limit of open descriptors to the hard one: the process table
/// keeps three per process open (`ProcessTable::keep_files_open`), and a machine
/// with more processes than the usual soft limit of 1024 allows would otherwise
/// fall back to reading by path.
#[cfg(unix)]
fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write one rlimit struct, `lim`.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            // Failing leaves the soft limit as it was, which only costs speed.
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

#[cfg(not(unix))]
fn raise_fd_limit() {}

/// A fixed frame for the screen and key tests: four processes, two CPUs. (Linux:
/// it starts from the real memory structs, and Wine has no swap_memory.)
#[cfg(all(test, target_os = "linux"))]
pub fn fixture() -> Frame {
    use rpsutil::{CpuTimes, MemoryInfo};
    // The library's memory structs can only be read, then changed field by field.
    let mut vm = rpsutil::virtual_memory().expect("virtual_memory");
    vm.total = 8 << 30;
    vm.available = 6 << 30;
    vm.used = 2 << 30;
    vm.free = 5 << 30;
    vm.percent = 25.0;
    vm.buffers = Some(100 << 20);
    vm.cached = Some(900 << 20);
    let mut swap = rpsutil::swap_memory().expect("swap_memory");
    swap.total = 1 << 30;
    swap.used = 256 << 20;
    swap.free = 768 << 20;
    swap.percent = 25.0;
    let cpu = |user: f64, system: f64| {
        let mut t = SystemCpuTimes::default();
        t.user = user;
        t.system = system;
        t.idle = 100.0 - user - system;
        t.nice = Some(0.0);
        t.iowait = Some(0.0);
        t.irq = Some(0.0);
        t.softirq = Some(0.0);
        t.steal = Some(0.0);
        t
    };
    let row = |pid: Pid, name: &str, user: &str, cpu: f64, rss_kib: u64, status: Status| {
        let mut mem = MemoryInfo::default();
        mem.rss = rss_kib * 1024;
        mem.vms = rss_kib * 4 * 1024;
        mem.shared = Some(rss_kib / 2 * 1024);
        let mut times = CpuTimes::default();
        times.user = cpu;
        times.system = cpu / 10.0;
        Row {
            pid,
            ppid: Some(1),
            name: name.to_string(),
            cmdline: Some(vec![format!("/usr/bin/{name}"), "--flag".to_string()]),
            username: Some(user.to_string()),
            status: Some(status),
            nice: Some(0),
            memory_info: Some(mem),
            memory_percent: Some(rss_kib as f64 / (8.0 * 1024.0 * 1024.0) * 100.0),
            cpu_percent: Some(cpu),
            cpu_times: Some(times),
            num_threads: Some(1),
            extra: Extra::default(),
        }
    };
    let processes = vec![
        row(1, "init", "root", 0.0, 12_000, Status::Sleeping),
        row(200, "postgres", "postgres", 12.5, 300_000, Status::Running),
        row(3000, "sshd", "root", 0.5, 8_000, Status::Sleeping),
        row(40000, "python3", "alice", 99.0, 50_000, Status::Running),
    ];
    Frame {
        time: 1_800_000_000.0,
        interval: 1.5,
        boot_time: 1_800_000_000.0 - 3.0 * 86_400.0 - 4.0 * 3600.0 - 5.0 * 60.0,
        users: Some(2),
        getloadavg: Some((0.5, 0.25, 0.125)),
        tasks: Tasks::count(&processes),
        cpu_times_percent: Some(cpu(30.0, 10.0)),
        cpu_times_percent_percpu: Some(vec![cpu(50.0, 10.0), cpu(10.0, 10.0)]),
        virtual_memory: vm,
        swap_memory: Some(swap),
        threads: false,
        processes,
        handles: Default::default(),
    }
}
