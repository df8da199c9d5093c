//! `rpsutil iotop`: disk read and write rates per process, in the layout of
//! iotop-c's batch mode (`iotop -b`), with `--json`.
//!
//! The work is split so that an interactive screen can reuse every part:
//! [`collect`] reads the library into a [`Sample`] taken at one monotonic instant;
//! [`diff`] turns two samples into a [`Frame`] of rates over the time measured
//! between them; [`Accum`] adds the bytes counted since the tool started (`-a`);
//! [`select`] applies `-u`/`-o`, computes the totals and orders the rows; [`render`]
//! turns a frame into lines of text. Only [`collect`] reads the system.
//!
//! Rows are threads, as iotop's (`-P`: processes). Bytes come from
//! `Process::io_counters()` (`/proc/PID/io`, and a thread's own
//! `/proc/PID/task/TID/io` through `Process::thread`), which needs no capability
//! for the user's own processes. SWAPIN and IO are delay-accounting shares from
//! the kernel's taskstats (`rpsutil::process::Taskstats`, netlink, needs
//! CAP_NET_ADMIN), as iotop-c reads them; without taskstats IO falls back to
//! `/proc/PID/stat`'s block I/O ticks and SWAPIN is unknown.

pub mod live;
pub mod screen;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::time::Instant;

use rpsutil::process::Taskstats;
use rpsutil::{Attr, IndexMap, IoPriorityClass, Pid, Process, ProcessInfo, ProcessTable};
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use crate::error::CliResult;
use crate::util::{field, now_epoch, parse_count, parse_pid, print_json, term_width};
use live::{elapsed_secs, human_opt, printable, rate, Timed};

/// What `--help` says beyond the options: what is and is not measured.
const NOTES: &str = "\
Output:
  Each frame: the Total line (sum of the process rows), the Current line (what
  reached the devices, from /proc/vmstat pgpgin/pgpgout), one line per disk that
  has done I/O since boot, notes on what was not collected, then one row per
  process. Every rate is bytes / the time measured between two samples; the first
  frame comes after one full delay, never over an empty interval.
  ? means unknown, never zero: a process whose /proc/PID/io we may not read
  (another user's, without root or CAP_SYS_PTRACE), a process first seen in this
  frame that started before the previous one, a column not collected.
  PRIO is iotop's be/N, rt/N, idle (a process without its own I/O class gets the
  best-effort level its nice value implies, (nice + 20) / 5).
  Rows are threads (TID) unless -P makes them processes (PID). With -P a
  process's bytes include those of the children it has waited for: a shell's
  row jumps when it reaps a command that wrote. A task that ends between two
  samples is not shown.
  SWAPIN and IO: the share of the frame the task spent waiting for pages to be
  swapped in, and for block I/O, from the kernel's taskstats (netlink; needs
  root or CAP_NET_ADMIN). Without taskstats, IO is read from /proc/PID/stat
  field 42 (a thread's own, or a process's main thread) and SWAPIN is ?. Both
  need delay accounting: with kernel.task_delayacct=0 (the default since Linux
  5.14) they are ? and a note says how to turn it on.

--json prints one document per frame and line:
  {\"time\", \"interval\" (measured seconds), \"threads\" (rows are threads:
   their \"pid\" is the thread id), \"total\", \"current\", \"disks\",
   \"delay_accounting\", \"processes\": [{\"pid\", \"username\", \"ionice\",
   \"read_bytes_per_sec\", \"write_bytes_per_sec\", \"read_bytes\", \"write_bytes\"
   (the process's own counters, psutil's io_counters), \"read_bytes_since_start\",
   \"write_bytes_since_start\" (since rpsutil started: -a), \"io_percent\",
   \"swapin_percent\", \"name\", \"cmdline\"}]}
  with null for every value that could not be read.";

/// Arguments of `rpsutil iotop`.
#[derive(Debug, clap::Args)]
#[command(after_help = NOTES)]
pub struct Args {
    /// `-b`, `-n`, `-d`.
    #[command(flatten)]
    pub frames: live::FrameArgs,
    /// Only processes doing I/O (a non-zero rate or IO%); unreadable ones are hidden too.
    #[arg(short = 'o', long = "only")]
    pub only: bool,
    /// Processes, not threads: one row per process.
    #[arg(short = 'P', long = "processes")]
    pub processes: bool,
    /// Show the bytes read and written since rpsutil started instead of rates.
    #[arg(short = 'a', long = "accumulated")]
    pub accumulated: bool,
    /// Only these processes (comma-separated, or the option repeated).
    #[arg(short = 'p', long = "pid", value_name = "PID,...", value_delimiter = ',',
          value_parser = parse_pid)]
    pub pids: Vec<Pid>,
    /// Only the processes of these users: names or numeric uids (comma-separated,
    /// or the option repeated).
    #[arg(
        short = 'u',
        long = "user",
        value_name = "USER,...",
        value_delimiter = ','
    )]
    pub users: Vec<String>,
    /// One JSON document per frame, one per line (see below).
    #[arg(long)]
    pub json: bool,
}

// ---------------------------------------------------------------------------------
// Samples

/// A pair of byte counters (read, written) of a process, a disk or the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bytes {
    /// Bytes read.
    pub read: u64,
    /// Bytes written.
    pub write: u64,
}

/// The I/O scheduling class and level of a process (psutil's `ionice()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prio {
    /// The class.
    pub class: IoPriorityClass,
    /// The level within the class (0 highest .. 7 lowest).
    pub value: i32,
}

impl Serialize for Prio {
    /// psutil's `pionice` as JSON: `{"ioclass": 2, "value": 4}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("pionice", 2)?;
        st.serialize_field("ioclass", &self.class.as_raw())?;
        st.serialize_field("value", &self.value)?;
        st.end()
    }
}

/// What one scan read about one process; None where it could not be read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProcSample {
    /// The process id.
    pub pid: Pid,
    /// Start time (seconds since the epoch): with the pid, who the process is.
    pub create_time: Option<f64>,
    /// Process name.
    pub name: Option<String>,
    /// Command line.
    pub cmdline: Option<Vec<String>>,
    /// Owner's name.
    pub username: Option<String>,
    /// Real uid (read only when `-u` names a numeric uid).
    pub uid: Option<u32>,
    /// I/O class and level.
    pub ionice: Option<Prio>,
    /// Nice value (what the I/O level of class NONE follows).
    pub nice: Option<i32>,
    /// `read_bytes` / `write_bytes` of `io_counters()`; None when denied.
    pub io: Option<Bytes>,
    /// Seconds spent waiting for block I/O (`cpu_times().iowait`, /proc/PID/stat
    /// field 42); counts only while delay accounting is on.
    pub iowait: Option<f64>,
    /// Seconds spent waiting for block I/O and for swap-in, from taskstats.
    pub delays: Option<Delays>,
}

/// A task's delay totals from taskstats (seconds since it started).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Delays {
    /// Waiting for block I/O.
    pub blkio: f64,
    /// Waiting for pages to be swapped in.
    pub swapin: f64,
}

/// One scan: the processes, the system's page-in/out counters and the disks.
#[derive(Debug, Clone)]
pub struct Sample {
    /// When the scan started (monotonic).
    pub at: Instant,
    /// When the scan started (seconds since the epoch), for the JSON `time`.
    pub time: f64,
    /// The processes read, by pid.
    pub procs: BTreeMap<Pid, ProcSample>,
    /// `pgpgin`/`pgpgout` of /proc/vmstat in bytes, or why they could not be read.
    pub paged: Result<Bytes, String>,
    /// Bytes read and written per disk, in the library's order, or why not.
    pub disks: Result<IndexMap<String, Bytes>, String>,
    /// `kernel.task_delayacct`: Some(false) when delay accounting is off, None
    /// when the setting does not exist (kernels before 5.14 count by default).
    pub delayacct: Option<bool>,
    /// Rows are threads (ids in `procs` are thread ids).
    pub threads: bool,
    /// Why taskstats gave nothing (None when it answered).
    pub taskstats_error: Option<String>,
}

impl Timed for Sample {
    fn at(&self) -> Instant {
        self.at
    }
}

/// Which processes to read: every one, or the pids of `-p`; their threads or
/// themselves.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Rows are threads (iotop's default; `-P` turns it off).
    pub threads: bool,
    /// `-p`: only these (empty: every process).
    pub pids: Vec<Pid>,
    /// Read the real uid too (for `-u 1000`).
    pub want_uid: bool,
}

/// The attributes a row needs, read in one `oneshot` per process.
fn attrs(want_uid: bool) -> Vec<Attr> {
    let mut a = vec![
        Attr::Name,
        Attr::Cmdline,
        Attr::Username,
        Attr::Ionice,
        Attr::Nice,
        Attr::IoCounters,
        Attr::CpuTimes,
        Attr::CreateTime,
    ];
    if want_uid {
        a.push(Attr::Uids);
    }
    a
}

fn proc_sample(info: &ProcessInfo) -> ProcSample {
    ProcSample {
        pid: info.pid,
        create_time: field(&info.create_time).copied(),
        name: field(&info.name).cloned(),
        cmdline: field(&info.cmdline).cloned(),
        username: field(&info.username).cloned(),
        uid: field(&info.uids).map(|u| u.real),
        ionice: field(&info.ionice).map(|i| Prio {
            class: i.ioclass,
            value: i.value,
        }),
        nice: field(&info.nice).copied(),
        io: field(&info.io_counters).map(|c| Bytes {
            read: c.read_bytes,
            write: c.write_bytes,
        }),
        iowait: field(&info.cpu_times).and_then(|t| t.iowait),
        delays: None,
    }
}

/// What [`Source::collect`] keeps from sample to sample: the process handles, the
/// threads' handles, and the taskstats channel (or why it could not be used).
pub struct Source {
    table: ProcessTable,
    threads: BTreeMap<Pid, Process>,
    taskstats: Result<Taskstats, String>,
}

impl Source {
    /// Opens the taskstats channel once; a failure is kept as a note.
    pub fn new() -> Source {
        Source {
            table: ProcessTable::new(),
            threads: BTreeMap::new(),
            taskstats: Taskstats::open().map_err(|e| crate::error::describe(&e)),
        }
    }

    /// Reads one sample. Tasks that end during the scan are left out; an
    /// unreadable attribute is None in its task's row.
    pub fn collect(&mut self, scope: &Scope) -> CliResult<Sample> {
        let at = Instant::now();
        let time = now_epoch();
        let attrs = attrs(scope.want_uid);
        let processes: Vec<Process> = if scope.pids.is_empty() {
            self.table.refresh()?
        } else {
            scope
                .pids
                .iter()
                .filter_map(|&pid| Process::new(pid).ok())
                .collect()
        };
        let tasks: Vec<Process> = if scope.threads {
            self.thread_handles(&processes)
        } else {
            processes
        };
        let mut procs = BTreeMap::new();
        let mut denied = None;
        for task in tasks {
            let info = match task.as_dict(&attrs) {
                Ok(info) => info,
                // Ended meanwhile: no row.
                Err(e) if e.is_no_such_process() => continue,
                Err(e) => return Err(e.into()),
            };
            let mut sample = proc_sample(&info);
            sample.pid = task.pid();
            if let Ok(ts) = self.taskstats.as_mut() {
                let got = if scope.threads {
                    ts.thread(task.pid())
                } else {
                    ts.process(task.pid())
                };
                match got {
                    Ok(d) => {
                        sample.delays = Some(Delays {
                            blkio: d.blkio_delay,
                            swapin: d.swapin_delay,
                        })
                    }
                    Err(e) if e.is_access_denied() => denied = Some(crate::error::describe(&e)),
                    Err(_) => {}
                }
            }
            procs.insert(sample.pid, sample);
        }
        let taskstats_error = match &self.taskstats {
            Err(e) => Some(e.clone()),
            Ok(_) => denied,
        };
        let disks = rpsutil::disk_io_counters_perdisk(true)
            .map(|m| {
                m.into_iter()
                    .map(|(name, c)| {
                        (
                            name,
                            Bytes {
                                read: c.read_bytes,
                                write: c.write_bytes,
                            },
                        )
                    })
                    .collect()
            })
            .map_err(|e| crate::error::describe(&e));
        Ok(Sample {
            at,
            time,
            procs,
            paged: paged_bytes(),
            disks,
            delayacct: rpsutil::process::delay_accounting_enabled(),
            threads: scope.threads,
            taskstats_error,
        })
    }

    /// The handles of every thread of `processes` (each thread's own values), kept
    /// from sample to sample.
    fn thread_handles(&mut self, processes: &[Process]) -> Vec<Process> {
        let mut next = BTreeMap::new();
        for p in processes {
            // A process that ended or hides its tasks has no thread rows.
            for t in p.threads().unwrap_or_default() {
                let handle = match self.threads.remove(&t.id) {
                    Some(h) => h,
                    None => match p.thread(t.id) {
                        Ok(h) => h,
                        Err(_) => continue,
                    },
                };
                next.insert(t.id, handle);
            }
        }
        self.threads = next;
        self.threads.values().cloned().collect()
    }
}

impl Default for Source {
    fn default() -> Self {
        Source::new()
    }
}

/// `pgpgin` and `pgpgout` of /proc/vmstat (KiB moved between memory and block
/// devices since boot) in bytes: iotop's "Current DISK READ/WRITE". The library has
/// no call for them (its vmstat reader serves swap_memory), hence this one.
#[cfg(target_os = "linux")]
fn paged_bytes() -> Result<Bytes, String> {
    let path = rpsutil::procfs_path().join("vmstat");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_vmstat(&text).ok_or_else(|| format!("{}: no pgpgin/pgpgout", path.display()))
}

#[cfg(not(target_os = "linux"))]
fn paged_bytes() -> Result<Bytes, String> {
    Err("not available on this OS (/proc/vmstat is Linux only)".to_string())
}

/// The `pgpgin` and `pgpgout` values of a vmstat text, times 1024.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_vmstat(text: &str) -> Option<Bytes> {
    let mut read = None;
    let mut write = None;
    for line in text.lines() {
        let mut it = line.split_ascii_whitespace();
        let (Some(key), Some(value)) = (it.next(), it.next()) else {
            continue;
        };
        let slot = match key {
            "pgpgin" => &mut read,
            "pgpgout" => &mut write,
            _ => continue,
        };
        *slot = value
            .parse::<u64>()
            .ok()
            .map(|kib| kib.saturating_mul(1024));
    }
    Some(Bytes {
        read: read?,
        write: write?,
    })
}

// ---------------------------------------------------------------------------------
// Frames

/// A read and a write rate in bytes per second (None: unknown).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Rates {
    /// Bytes read per second.
    pub read_bytes_per_sec: Option<f64>,
    /// Bytes written per second.
    pub write_bytes_per_sec: Option<f64>,
}

/// The Total line: sums over the process rows kept by `-p`/`-u`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Total {
    /// Sum of the known read rates (None when the frame has no interval).
    pub read_bytes_per_sec: Option<f64>,
    /// Sum of the known write rates.
    pub write_bytes_per_sec: Option<f64>,
    /// Sum of the rows' bytes read since the tool started.
    pub read_bytes_since_start: u64,
    /// Sum of the rows' bytes written since the tool started.
    pub write_bytes_since_start: u64,
    /// Rows whose rates are unknown (denied, or not measurable this frame): the
    /// sums leave them out.
    pub unknown_processes: usize,
}

/// One process row of a frame.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ProcRow {
    /// The process id.
    pub pid: Pid,
    /// Owner's name.
    pub username: Option<String>,
    /// I/O class and level.
    pub ionice: Option<Prio>,
    /// Nice value (shown through PRIO for class NONE).
    #[serde(skip)]
    pub nice: Option<i32>,
    /// Bytes read per second over the frame.
    pub read_bytes_per_sec: Option<f64>,
    /// Bytes written per second over the frame.
    pub write_bytes_per_sec: Option<f64>,
    /// The process's own read_bytes counter at the end of the frame.
    pub read_bytes: Option<u64>,
    /// The process's own write_bytes counter at the end of the frame.
    pub write_bytes: Option<u64>,
    /// Bytes read since the tool started (filled in by [`Accum`]).
    pub read_bytes_since_start: Option<u64>,
    /// Bytes written since the tool started (filled in by [`Accum`]).
    pub write_bytes_since_start: Option<u64>,
    /// Percent of the frame spent waiting for block I/O (main thread).
    pub io_percent: Option<f64>,
    /// Percent of the frame spent swapping in: never collected (taskstats only).
    pub swapin_percent: Option<f64>,
    /// Process name.
    pub name: Option<String>,
    /// Command line.
    pub cmdline: Option<Vec<String>>,
    /// Real uid, when read.
    #[serde(skip)]
    pub uid: Option<u32>,
    /// Start time, to tell a reused pid from the same process.
    #[serde(skip)]
    pub create_time: Option<f64>,
    /// Bytes read during the frame.
    #[serde(skip)]
    pub read_delta: Option<u64>,
    /// Bytes written during the frame.
    #[serde(skip)]
    pub write_delta: Option<u64>,
}

/// The rates of one disk over a frame.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct DiskRow {
    /// Bytes read per second.
    pub read_bytes_per_sec: Option<f64>,
    /// Bytes written per second.
    pub write_bytes_per_sec: Option<f64>,
    /// The disk has moved bytes since boot (the text leaves idle loop devices out).
    #[serde(skip)]
    pub used: bool,
}

/// Everything one screen shows: rates between two samples.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Frame {
    /// When the later sample was taken (seconds since the epoch).
    pub time: f64,
    /// Seconds measured between the two samples.
    pub interval: f64,
    /// Sums over the process rows (filled in by [`select`]).
    pub total: Total,
    /// Device traffic from /proc/vmstat (None where unavailable).
    pub current: Option<Rates>,
    /// Per disk, in the library's order (None where unavailable).
    pub disks: Option<IndexMap<String, DiskRow>>,
    /// `kernel.task_delayacct`, when the kernel has the setting.
    pub delay_accounting: Option<bool>,
    /// Rows are threads (their `pid` is the thread id).
    pub threads: bool,
    /// The process rows.
    pub processes: Vec<ProcRow>,
    /// Why a header part is missing (one text line each).
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// True when two start times are the same process's (both unknown counts as the
/// same: the pid is all there is to go on).
fn same_start(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-3,
        (None, None) => true,
        _ => false,
    }
}

/// The counters of `cur` at the start of the frame: the previous sample's if it saw
/// the same process; zero if the process started during the frame (a new process
/// counts from zero, so all it did happened in the frame); None if it is new to us
/// but older than the frame (its counters hold I/O from before).
fn baseline(prev: &Sample, cur: &ProcSample) -> Option<Option<Bytes>> {
    match prev.procs.get(&cur.pid) {
        Some(p) if same_start(p.create_time, cur.create_time) => Some(p.io),
        _ => {
            // The start time comes from boot time, which the kernel gives in whole
            // seconds, so it can be up to a second early: a margin of two.
            let started_in_frame = cur.create_time.is_some_and(|t| t >= prev.time - 2.0);
            started_in_frame.then_some(Some(Bytes::default()))
        }
    }
}

/// The frame between two samples: every rate is a delta over the measured time.
/// Rows are in pid order, unfiltered, with no totals: see [`select`].
pub fn diff(prev: &Sample, cur: &Sample) -> Frame {
    let secs = elapsed_secs(prev.at, cur.at);
    let pair = |a: Option<Bytes>, b: Option<Bytes>| -> (Option<u64>, Option<u64>) {
        match (a, b) {
            (Some(a), Some(b)) => (b.read.checked_sub(a.read), b.write.checked_sub(a.write)),
            _ => (None, None),
        }
    };
    let processes = cur
        .procs
        .values()
        .map(|c| {
            let base = baseline(prev, c);
            let (read_delta, write_delta) = pair(base.flatten(), c.io);
            let prev_wait = match prev.procs.get(&c.pid) {
                Some(p) if same_start(p.create_time, c.create_time) => p.iowait,
                _ => None,
            };
            let prev_delays = match prev.procs.get(&c.pid) {
                Some(p) if same_start(p.create_time, c.create_time) => p.delays,
                _ => None,
            };
            // The share of the frame spent waiting: a delay's growth over the
            // measured time (nothing grows while delay accounting is off).
            let share = |a: f64, b: f64| {
                (cur.delayacct != Some(false) && secs > 0.0 && b >= a)
                    .then(|| ((b - a) / secs * 100.0).min(100.0))
            };
            let (io_percent, swapin_percent) = match (prev_delays, c.delays) {
                (Some(a), Some(b)) => (share(a.blkio, b.blkio), share(a.swapin, b.swapin)),
                _ => match (prev_wait, c.iowait) {
                    (Some(a), Some(b)) => (share(a, b), None),
                    _ => (None, None),
                },
            };
            ProcRow {
                pid: c.pid,
                username: c.username.clone(),
                ionice: c.ionice,
                nice: c.nice,
                read_bytes_per_sec: read_delta.and_then(|d| rate(0, d, secs)),
                write_bytes_per_sec: write_delta.and_then(|d| rate(0, d, secs)),
                read_bytes: c.io.map(|b| b.read),
                write_bytes: c.io.map(|b| b.write),
                read_bytes_since_start: None,
                write_bytes_since_start: None,
                io_percent,
                swapin_percent,
                name: c.name.clone(),
                cmdline: c.cmdline.clone(),
                uid: c.uid,
                create_time: c.create_time,
                read_delta,
                write_delta,
            }
        })
        .collect();
    let current = match (&prev.paged, &cur.paged) {
        (Ok(a), Ok(b)) => Some(Rates {
            read_bytes_per_sec: rate(a.read, b.read, secs),
            write_bytes_per_sec: rate(a.write, b.write, secs),
        }),
        _ => None,
    };
    let disks = match (&prev.disks, &cur.disks) {
        (Ok(a), Ok(b)) => Some(
            b.iter()
                .map(|(name, now)| {
                    let then = a.get(name);
                    let row = DiskRow {
                        read_bytes_per_sec: then.and_then(|t| rate(t.read, now.read, secs)),
                        write_bytes_per_sec: then.and_then(|t| rate(t.write, now.write, secs)),
                        used: now.read > 0 || now.write > 0,
                    };
                    (name.clone(), row)
                })
                .collect(),
        ),
        _ => None,
    };
    let mut notes = Vec::new();
    if let Err(e) = &cur.paged {
        notes.push(format!("(Current DISK READ/WRITE: {e})"));
    }
    if let Err(e) = &cur.disks {
        notes.push(format!("(per-disk lines: {e})"));
    }
    let iowait_missing = cur.procs.values().all(|p| p.iowait.is_none());
    let note = match (cur.delayacct, &cur.taskstats_error) {
        (Some(false), _) => Some(
            "(SWAPIN/IO: delay accounting is off; turn it on with \
             sysctl kernel.task_delayacct=1)"
                .to_string(),
        ),
        (_, Some(e)) if iowait_missing && !cur.procs.is_empty() => {
            Some(format!("(SWAPIN/IO need taskstats: {e})"))
        }
        (_, Some(e)) => Some(format!(
            "(SWAPIN needs taskstats: {e}; IO is from /proc/PID/stat)"
        )),
        (_, None) => None,
    };
    notes.extend(note);
    Frame {
        time: cur.time,
        interval: secs,
        total: Total::default(),
        current,
        disks,
        delay_accounting: cur.delayacct,
        threads: cur.threads,
        processes,
        notes,
    }
}

/// What [`Accum`] keeps of a process: its start time (who it is) and the bytes
/// read and written since the tool started (None until a delta was known).
#[derive(Debug, Clone, Copy)]
struct Counted {
    start: Option<f64>,
    read: Option<u64>,
    write: Option<u64>,
}

/// Bytes counted per process since the tool started (`-a`), carried from frame to
/// frame: each frame adds its deltas.
#[derive(Debug, Default)]
pub struct Accum {
    seen: HashMap<Pid, Counted>,
}

impl Accum {
    /// Fills in `read/write_bytes_since_start` of every row of `frame` and forgets
    /// the processes that are gone. A row whose delta is unknown keeps its earlier
    /// sum (None if it never had a known delta).
    pub fn apply(&mut self, frame: &mut Frame) {
        let add = |sum: Option<u64>, delta: Option<u64>| match delta {
            Some(d) => Some(sum.unwrap_or(0).saturating_add(d)),
            None => sum,
        };
        let mut next = HashMap::with_capacity(frame.processes.len());
        for row in &mut frame.processes {
            let (r, w) = match self.seen.get(&row.pid) {
                Some(c) if same_start(c.start, row.create_time) => (c.read, c.write),
                _ => (None, None),
            };
            row.read_bytes_since_start = add(r, row.read_delta);
            row.write_bytes_since_start = add(w, row.write_delta);
            next.insert(
                row.pid,
                Counted {
                    start: row.create_time,
                    read: row.read_bytes_since_start,
                    write: row.write_bytes_since_start,
                },
            );
        }
        self.seen = next;
    }
}

/// The row filters and the display mode.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `-o`: only rows with I/O.
    pub only: bool,
    /// `-a`: accumulated bytes instead of rates (for `-o` and the order).
    pub accumulated: bool,
    /// `-u`: user names or numeric uids (empty: everyone).
    pub users: Vec<String>,
}

impl Filter {
    fn user_matches(&self, row: &ProcRow) -> bool {
        self.users.is_empty()
            || self.users.iter().any(|u| {
                row.username.as_deref() == Some(u.as_str())
                    || u.parse::<u32>().ok().is_some_and(|n| row.uid == Some(n))
            })
    }

    /// What a row is ordered by and what `-o` tests: the bytes per second (or
    /// since the start) read and written together; None when unknown.
    fn activity(&self, row: &ProcRow) -> Option<f64> {
        if self.accumulated {
            match (row.read_bytes_since_start, row.write_bytes_since_start) {
                (Some(r), Some(w)) => Some(r as f64 + w as f64),
                _ => None,
            }
        } else {
            Some(row.read_bytes_per_sec? + row.write_bytes_per_sec?)
        }
    }
}

/// Keeps the rows `filter` asks for, computes the Total line over the rows of the
/// selected users (before `-o`, which only hides rows without I/O) and orders the
/// rows: most I/O first, unknown last, then by pid.
pub fn select(frame: &mut Frame, filter: &Filter) {
    frame.processes.retain(|r| filter.user_matches(r));
    let valid = frame.interval.is_finite() && frame.interval > 0.0;
    let mut total = Total::default();
    let (mut read, mut write) = (0.0, 0.0);
    for r in &frame.processes {
        match (r.read_bytes_per_sec, r.write_bytes_per_sec) {
            (Some(rd), Some(wr)) => {
                read += rd;
                write += wr;
            }
            _ => total.unknown_processes += 1,
        }
        total.read_bytes_since_start = total
            .read_bytes_since_start
            .saturating_add(r.read_bytes_since_start.unwrap_or(0));
        total.write_bytes_since_start = total
            .write_bytes_since_start
            .saturating_add(r.write_bytes_since_start.unwrap_or(0));
    }
    if valid {
        total.read_bytes_per_sec = Some(read);
        total.write_bytes_per_sec = Some(write);
    }
    frame.total = total;
    if filter.only {
        frame.processes.retain(|r| {
            filter.activity(r).is_some_and(|a| a > 0.0) || r.io_percent.is_some_and(|p| p > 0.0)
        });
    }
    frame.processes.sort_by(|a, b| {
        let (x, y) = (filter.activity(a), filter.activity(b));
        // Known before unknown, larger before smaller, then pid.
        y.is_some()
            .cmp(&x.is_some())
            .then_with(|| y.unwrap_or(0.0).total_cmp(&x.unwrap_or(0.0)))
            .then_with(|| a.pid.cmp(&b.pid))
    });
}

// ---------------------------------------------------------------------------------
// Text

/// iotop's PRIO: `be/4`, `rt/0`, `idle`; a process without a class of its own
/// (class NONE) is served best-effort at level (nice + 20) / 5, which is what
/// iotop shows for it; `??` when unknown.
pub fn prio_label(ionice: Option<Prio>, nice: Option<i32>) -> String {
    let Some(p) = ionice else {
        return "??".to_string();
    };
    match p.class {
        IoPriorityClass::Realtime => format!("rt/{}", p.value),
        IoPriorityClass::BestEffort => format!("be/{}", p.value),
        IoPriorityClass::Idle => "idle".to_string(),
        IoPriorityClass::None => match nice {
            Some(n) => format!("be/{}", (n.clamp(-20, 19) + 20) / 5),
            None => "??".to_string(),
        },
        // Windows' priority hints have no iotop spelling.
        other => format!("{}", other.as_raw()),
    }
}

/// The COMMAND cell: the command line, or `[name]` when it is empty (kernel
/// threads, zombies), on one line.
fn command(row: &ProcRow) -> String {
    match (&row.cmdline, &row.name) {
        (Some(c), _) if !c.is_empty() => printable(&c.join(" ")),
        (_, Some(n)) => format!("[{}]", printable(n)),
        _ => "?".to_string(),
    }
}

/// A user name cut to the 10 characters of the column (a `+` marks the cut).
fn user_cell(name: Option<&str>) -> String {
    let Some(n) = name else {
        return "?".to_string();
    };
    let n = printable(n);
    if n.chars().count() > 10 {
        let mut cut: String = n.chars().take(9).collect();
        cut.push('+');
        cut
    } else {
        n
    }
}

/// The frame as text, iotop-c's batch layout: the Total and Current lines, our
/// per-disk and note lines, the column header, one row per process. Lines are
/// not cut to the terminal; the caller does that.
pub fn render(frame: &Frame, accumulated: bool) -> Vec<String> {
    let mut lines = Vec::with_capacity(frame.processes.len() + 8);
    let (total_read, total_write, unit) = if accumulated {
        (
            Some(frame.total.read_bytes_since_start as f64),
            Some(frame.total.write_bytes_since_start as f64),
            "",
        )
    } else {
        (
            frame.total.read_bytes_per_sec,
            frame.total.write_bytes_per_sec,
            "/s",
        )
    };
    lines.push(format!(
        "  Total DISK READ: {:>11} |   Total DISK WRITE: {:>11}",
        human_opt(total_read, unit),
        human_opt(total_write, unit)
    ));
    let cur = frame.current.unwrap_or_default();
    lines.push(format!(
        "Current DISK READ: {:>11} | Current DISK WRITE: {:>11}",
        human_opt(cur.read_bytes_per_sec, "/s"),
        human_opt(cur.write_bytes_per_sec, "/s")
    ));
    for (name, d) in frame.disks.iter().flatten() {
        if d.used {
            lines.push(format!(
                "{}: READ {} WRITE {}",
                printable(name),
                human_opt(d.read_bytes_per_sec, "/s").trim_start(),
                human_opt(d.write_bytes_per_sec, "/s").trim_start()
            ));
        }
    }
    lines.extend(frame.notes.iter().cloned());
    if frame.total.unknown_processes > 0 {
        lines.push(format!(
            "({} of the processes could not be measured (not readable, or first seen \
             this frame): shown as ?, left out of Total)",
            frame.total.unknown_processes
        ));
    }
    lines.push(format!(
        "{:>7} {:>4} {:<10} {:>11} {:>11} {:>7} {:>8} COMMAND",
        if frame.threads { "TID" } else { "PID" },
        "PRIO",
        "USER",
        "DISK READ",
        "DISK WRITE",
        "SWAPIN",
        "IO"
    ));
    for r in &frame.processes {
        let (read, write, unit) = if accumulated {
            (
                r.read_bytes_since_start.map(|v| v as f64),
                r.write_bytes_since_start.map(|v| v as f64),
                "",
            )
        } else {
            (r.read_bytes_per_sec, r.write_bytes_per_sec, "/s")
        };
        let pct = |p: Option<f64>| p.map_or_else(|| "?".to_string(), |p| format!("{p:.2} %"));
        lines.push(format!(
            "{:>7} {:>4} {:<10} {:>11} {:>11} {:>7} {:>8} {}",
            r.pid,
            prio_label(r.ionice, r.nice),
            user_cell(r.username.as_deref()),
            human_opt(read, unit),
            human_opt(write, unit),
            pct(r.swapin_percent),
            pct(r.io_percent),
            command(r)
        ));
    }
    lines
}

// ---------------------------------------------------------------------------------
// The command

/// Runs `rpsutil iotop`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let delay = live::parse_delay(&args.frames.delay)?;
    let count = args.frames.iter.as_deref().map(parse_count).transpose()?;
    let scope = Scope {
        threads: !args.processes,
        pids: args.pids.clone(),
        want_uid: args.users.iter().any(|u| u.parse::<u32>().is_ok()),
    };
    let filter = Filter {
        only: args.only,
        accumulated: args.accumulated,
        users: args.users.clone(),
    };
    let width = if args.json { None } else { term_width() };
    let mut source = Source::new();
    let mut accum = Accum::default();
    if !args.frames.batch && !args.json && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        let mut filter = filter;
        let toggles = screen::Toggles {
            only: args.only,
            accumulated: args.accumulated,
        };
        return screen::run(
            screen::Tool {
                collect: &mut || source.collect(&scope),
                render: &mut |prev, cur, t| {
                    let mut frame = diff(prev, cur);
                    accum.apply(&mut frame);
                    filter.only = t.only;
                    filter.accumulated = t.accumulated;
                    select(&mut frame, &filter);
                    render(&frame, t.accumulated)
                },
                keys: "q quit  o only active  a accumulated  Up/Down scroll",
                toggles: true,
            },
            delay,
            count,
            toggles,
        );
    }
    live::run_frames(
        delay,
        count,
        || source.collect(&scope),
        |prev, cur| {
            let mut frame = diff(prev, cur);
            accum.apply(&mut frame);
            select(&mut frame, &filter);
            if args.json {
                print_json(out, &frame)?;
                out.flush()?;
                Ok(())
            } else {
                live::write_frame(out, &render(&frame, args.accumulated), width)
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn proc(pid: Pid, start: f64, io: Option<(u64, u64)>) -> ProcSample {
        ProcSample {
            pid,
            create_time: Some(start),
            name: Some(format!("p{pid}")),
            cmdline: Some(vec![format!("/bin/p{pid}"), "-x".into()]),
            username: Some(if pid == 1 { "root" } else { "alice" }.into()),
            uid: Some(if pid == 1 { 0 } else { 1000 }),
            ionice: Some(Prio {
                class: IoPriorityClass::BestEffort,
                value: 4,
            }),
            nice: Some(0),
            io: io.map(|(read, write)| Bytes { read, write }),
            iowait: Some(1.0),
            delays: None,
        }
    }

    fn sample(at: Instant, time: f64, procs: Vec<ProcSample>, paged: (u64, u64)) -> Sample {
        Sample {
            at,
            time,
            procs: procs.into_iter().map(|p| (p.pid, p)).collect(),
            paged: Ok(Bytes {
                read: paged.0,
                write: paged.1,
            }),
            disks: Ok([(
                "vda".to_string(),
                Bytes {
                    read: paged.0,
                    write: paged.1,
                },
            )]
            .into_iter()
            .collect()),
            delayacct: Some(true),
            threads: false,
            taskstats_error: Some("not in this test".into()),
        }
    }

    /// Two samples 2 s apart: pid 10 wrote 4 MiB, pid 1 is unreadable, pid 30 is
    /// new (started during the frame), pid 40 is new to us but old.
    fn pair() -> (Sample, Sample) {
        let t0 = Instant::now();
        let a = sample(
            t0,
            1000.0,
            vec![proc(1, 10.0, None), proc(10, 500.0, Some((100, 1 << 20)))],
            (0, 0),
        );
        let mut p10 = proc(10, 500.0, Some((100, 5 << 20)));
        p10.iowait = Some(1.5);
        let b = sample(
            t0 + Duration::from_secs(2),
            1002.0,
            vec![
                proc(1, 10.0, None),
                p10,
                proc(30, 1001.0, Some((2048, 0))),
                proc(40, 900.0, Some((7, 7))),
            ],
            (4096, 8 << 20),
        );
        (a, b)
    }

    #[test]
    fn rates_use_the_measured_time() {
        let (a, b) = pair();
        let f = diff(&a, &b);
        assert_eq!(f.interval, 2.0);
        let row = |pid| f.processes.iter().find(|r| r.pid == pid).unwrap();
        assert_eq!(row(10).write_bytes_per_sec, Some((4 << 20) as f64 / 2.0));
        assert_eq!(row(10).read_bytes_per_sec, Some(0.0));
        assert_eq!(row(10).write_bytes, Some(5 << 20));
        // iowait 1.0 -> 1.5 s over 2 s.
        assert_eq!(row(10).io_percent, Some(25.0));
        // Denied: unknown, not zero.
        assert_eq!(row(1).read_bytes_per_sec, None);
        assert_eq!(row(1).write_bytes, None);
        // Started during the frame: everything it did is in the frame.
        assert_eq!(row(30).read_bytes_per_sec, Some(1024.0));
        // Older than the frame but not seen before: unknown.
        assert_eq!(row(40).read_bytes_per_sec, None);
        assert_eq!(row(40).swapin_percent, None);
        let cur = f.current.unwrap();
        assert_eq!(cur.read_bytes_per_sec, Some(2048.0));
        assert_eq!(cur.write_bytes_per_sec, Some((4 << 20) as f64));
        let vda = f.disks.as_ref().unwrap()["vda"];
        assert_eq!(vda.write_bytes_per_sec, Some((4 << 20) as f64));
    }

    #[test]
    fn no_time_means_no_rates() {
        let (a, mut b) = pair();
        for at in [a.at, a.at - Duration::from_secs(1)] {
            b.at = at; // the same instant, or (impossible on a monotonic clock) earlier
            let mut f = diff(&a, &b);
            assert_eq!(f.interval, 0.0);
            assert!(f.processes.iter().all(|r| r.read_bytes_per_sec.is_none()
                && r.write_bytes_per_sec.is_none()
                && r.io_percent.is_none()));
            assert_eq!(f.current.unwrap().read_bytes_per_sec, None);
            select(&mut f, &Filter::default());
            assert_eq!(f.total.read_bytes_per_sec, None);
            let text = render(&f, false);
            assert!(text[0].contains("READ:           ?"), "{text:?}");
        }
    }

    #[test]
    fn counter_resets_are_unknown_not_negative() {
        let (mut a, b) = pair();
        // Counters that went backwards: a pid reused with the same start time to
        // the second, a vmstat/disk reset.
        a.procs.get_mut(&10).unwrap().io = Some(Bytes {
            read: u64::MAX,
            write: u64::MAX,
        });
        a.paged = Ok(Bytes {
            read: u64::MAX,
            write: 1,
        });
        a.disks = Ok([(
            "vda".to_string(),
            Bytes {
                read: 1 << 40,
                write: 0,
            },
        )]
        .into_iter()
        .collect());
        let f = diff(&a, &b);
        let p10 = f.processes.iter().find(|r| r.pid == 10).unwrap();
        assert_eq!(p10.read_bytes_per_sec, None);
        assert_eq!(p10.write_bytes_per_sec, None);
        let cur = f.current.unwrap();
        assert_eq!(cur.read_bytes_per_sec, None);
        assert_eq!(cur.write_bytes_per_sec, Some((8 << 20) as f64 / 2.0 - 0.5));
        let vda = f.disks.as_ref().unwrap()["vda"];
        assert_eq!(vda.read_bytes_per_sec, None);
        // A pid whose start time changed is another process: counted from zero as
        // new if it started in the frame.
        let (mut a, b) = pair();
        a.procs.get_mut(&10).unwrap().create_time = Some(400.0);
        let f = diff(&a, &b);
        let p10 = f.processes.iter().find(|r| r.pid == 10).unwrap();
        assert_eq!(
            p10.write_bytes_per_sec, None,
            "old start, not seen: unknown"
        );
        assert_eq!(p10.io_percent, None);
    }

    #[test]
    fn delay_accounting_off_hides_io_percent() {
        let (a, mut b) = pair();
        b.delayacct = Some(false);
        let f = diff(&a, &b);
        assert!(f.processes.iter().all(|r| r.io_percent.is_none()));
        assert!(f
            .notes
            .iter()
            .any(|n| n.contains("kernel.task_delayacct=1")));
    }

    #[test]
    fn taskstats_delays_give_swapin_and_io_shares() {
        let (mut a, mut b) = pair();
        a.procs.get_mut(&10).unwrap().delays = Some(Delays {
            blkio: 3.0,
            swapin: 0.5,
        });
        // 2 s later: 0.5 s more of block I/O wait, 1 s more of swap-in.
        b.procs.get_mut(&10).unwrap().delays = Some(Delays {
            blkio: 3.5,
            swapin: 1.5,
        });
        b.taskstats_error = None;
        b.threads = true;
        let f = diff(&a, &b);
        let p10 = f.processes.iter().find(|r| r.pid == 10).unwrap();
        assert_eq!(p10.io_percent, Some(25.0));
        assert_eq!(p10.swapin_percent, Some(50.0));
        assert!(
            f.notes.iter().all(|n| !n.contains("taskstats")),
            "{:?}",
            f.notes
        );
        let text = render(&f, false);
        assert!(
            text.iter().any(|l| l.starts_with("    TID PRIO USER")),
            "{text:?}"
        );
        // Delays do not grow while delay accounting is off: unknown, not 0.
        b.delayacct = Some(false);
        let f = diff(&a, &b);
        let p10 = f.processes.iter().find(|r| r.pid == 10).unwrap();
        assert_eq!((p10.io_percent, p10.swapin_percent), (None, None));
    }

    #[test]
    fn select_filters_totals_and_orders() {
        let (a, b) = pair();
        let mut f = diff(&a, &b);
        Accum::default().apply(&mut f);
        select(&mut f, &Filter::default());
        let pids: Vec<Pid> = f.processes.iter().map(|r| r.pid).collect();
        assert_eq!(pids, vec![10, 30, 1, 40], "most I/O first, unknown last");
        assert_eq!(f.total.write_bytes_per_sec, Some((2 << 20) as f64));
        assert_eq!(f.total.read_bytes_per_sec, Some(1024.0));
        assert_eq!(f.total.unknown_processes, 2);

        let mut g = diff(&a, &b);
        select(
            &mut g,
            &Filter {
                only: true,
                ..Filter::default()
            },
        );
        let pids: Vec<Pid> = g.processes.iter().map(|r| r.pid).collect();
        assert_eq!(pids, vec![10, 30], "-o hides idle and unknown rows");
        assert_eq!(g.total.unknown_processes, 2, "but they are still counted");

        for users in [vec!["root".to_string()], vec!["0".to_string()]] {
            let mut h = diff(&a, &b);
            select(
                &mut h,
                &Filter {
                    users,
                    ..Filter::default()
                },
            );
            let pids: Vec<Pid> = h.processes.iter().map(|r| r.pid).collect();
            assert_eq!(pids, vec![1]);
            assert_eq!(h.total.write_bytes_per_sec, Some(0.0));
        }
    }

    #[test]
    fn accumulated_bytes_add_up_across_frames() {
        let (a, b) = pair();
        let mut acc = Accum::default();
        let mut f1 = diff(&a, &b);
        acc.apply(&mut f1);
        let mut c = b.clone();
        c.at += Duration::from_secs(1);
        c.time += 1.0;
        c.procs.get_mut(&10).unwrap().io = Some(Bytes {
            read: 100,
            write: 6 << 20,
        });
        let mut f2 = diff(&b, &c);
        acc.apply(&mut f2);
        let p10 = f2.processes.iter().find(|r| r.pid == 10).unwrap();
        assert_eq!(p10.write_bytes_since_start, Some(5 << 20));
        assert_eq!(p10.read_bytes_since_start, Some(0));
        let p1 = f2.processes.iter().find(|r| r.pid == 1).unwrap();
        assert_eq!(p1.read_bytes_since_start, None, "never readable");
        // pid 40 was unknown in the first frame, known in the second.
        let p40 = f2.processes.iter().find(|r| r.pid == 40).unwrap();
        assert_eq!(p40.read_bytes_since_start, Some(0));
        select(
            &mut f2,
            &Filter {
                accumulated: true,
                ..Filter::default()
            },
        );
        assert_eq!(f2.total.write_bytes_since_start, 5 << 20);
        assert_eq!(f2.total.read_bytes_since_start, 2048);
        let text = render(&f2, true);
        assert_eq!(
            text[0],
            "  Total DISK READ:   2048.00 B |   Total DISK WRITE:      5.00 M"
        );
        assert_eq!(
            text.last().map(String::as_str),
            Some("      1 be/4 root                 ?           ?       ?   0.00 % /bin/p1 -x")
        );
    }

    #[test]
    fn prio_labels() {
        let p = |class, value| Some(Prio { class, value });
        assert_eq!(prio_label(p(IoPriorityClass::BestEffort, 4), None), "be/4");
        assert_eq!(prio_label(p(IoPriorityClass::Realtime, 0), None), "rt/0");
        assert_eq!(prio_label(p(IoPriorityClass::Idle, 0), None), "idle");
        assert_eq!(prio_label(p(IoPriorityClass::None, 0), Some(0)), "be/4");
        assert_eq!(prio_label(p(IoPriorityClass::None, 0), Some(-20)), "be/0");
        assert_eq!(prio_label(p(IoPriorityClass::None, 0), Some(19)), "be/7");
        assert_eq!(
            prio_label(p(IoPriorityClass::None, 0), Some(i32::MIN)),
            "be/0"
        );
        assert_eq!(prio_label(p(IoPriorityClass::None, 0), None), "??");
        assert_eq!(prio_label(None, Some(0)), "??");
    }

    #[test]
    fn vmstat_values() {
        let text = "nr_free_pages 1\npgpgin 12\npgpgout 3\npswpin 0\n";
        assert_eq!(
            parse_vmstat(text),
            Some(Bytes {
                read: 12 * 1024,
                write: 3 * 1024
            })
        );
        assert_eq!(parse_vmstat("pgpgin 1\n"), None);
        assert_eq!(parse_vmstat("pgpgin x\npgpgout 1\n"), None);
        assert_eq!(parse_vmstat(""), None);
        let huge = format!("pgpgin {}\npgpgout 0\n", u64::MAX);
        assert_eq!(parse_vmstat(&huge).map(|b| b.read), Some(u64::MAX));
    }

    /// A fixed frame renders to exactly these lines.
    #[test]
    fn render_a_fixed_frame() {
        let (a, mut b) = pair();
        b.procs.get_mut(&30).unwrap().cmdline = Some(vec![]);
        b.procs.get_mut(&40).unwrap().cmdline = Some(vec!["evil\nname".into()]);
        b.procs.get_mut(&40).unwrap().username = Some("averyveryverylongname".into());
        let mut f = diff(&a, &b);
        Accum::default().apply(&mut f);
        select(&mut f, &Filter::default());
        let text = render(&f, false);
        let want = [
            // iotop moves to the next unit only above twice the base: 2 MiB/s is
            // still 2048 K/s.
            "  Total DISK READ: 1024.00 B/s |   Total DISK WRITE: 2048.00 K/s",
            "Current DISK READ: 2048.00 B/s | Current DISK WRITE:    4.00 M/s",
            "vda: READ 2048.00 B/s WRITE 4.00 M/s",
            "(SWAPIN needs taskstats: not in this test; IO is from /proc/PID/stat)",
            "(2 of the processes could not be measured (not readable, or first seen this \
             frame): shown as ?, left out of Total)",
            "    PID PRIO USER         DISK READ  DISK WRITE  SWAPIN       IO COMMAND",
            "     10 be/4 alice         0.00 B/s 2048.00 K/s       ?  25.00 % /bin/p10 -x",
            "     30 be/4 alice      1024.00 B/s    0.00 B/s       ?        ? [p30]",
            "      1 be/4 root                 ?           ?       ?   0.00 % /bin/p1 -x",
            "     40 be/4 averyvery+           ?           ?       ?        ? evil?name",
        ];
        assert_eq!(text, want);
        // The JSON of the same frame: nulls where unknown, psutil's pionice.
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["interval"], 2.0);
        assert_eq!(v["processes"][0]["pid"], 10);
        assert_eq!(v["processes"][0]["ionice"]["ioclass"], 2);
        assert_eq!(v["processes"][0]["ionice"]["value"], 4);
        assert_eq!(v["processes"][0]["write_bytes_per_sec"], (2 << 20) as f64);
        assert_eq!(
            v["processes"][2]["read_bytes_per_sec"],
            serde_json::Value::Null
        );
        assert_eq!(v["processes"][0]["swapin_percent"], serde_json::Value::Null);
        assert_eq!(v["disks"]["vda"]["read_bytes_per_sec"], 2048.0);
        assert!(v["processes"][0].get("read_delta").is_none());
    }
}
