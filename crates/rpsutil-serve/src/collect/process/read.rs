//! One batch read of every process: the rpsutil library's snapshot (on scoped
//! threads) for what psutil has, and on Linux the few `/proc/PID` fields
//! process-exporter adds (page faults, VmSwap, the thread-summed context
//! switches, the open-files limit), read with the pure parsers of `parse`.

use rpsutil::process::snapshot_entries;
use rpsutil::{Attr, FieldError, Pid, Process};

/// The counters process-exporter accumulates per group, in its order: cpu user,
/// cpu system, read bytes, write bytes, major faults, minor faults, voluntary and
/// non-voluntary context switches.
pub(crate) type Counts = [f64; 8];

/// process-exporter's `states` classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StateClass {
    Running,
    Sleeping,
    Waiting,
    Zombie,
    Other,
}

/// One process as read at one scrape.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub pid: Pid,
    pub ppid: Pid,
    /// The kernel's command name (not psutil's name, which may be longer).
    pub comm: String,
    /// Seconds since the epoch (psutil's create_time).
    pub start: f64,
    pub counts: Counts,
    pub rss: u64,
    pub vms: u64,
    pub swap: u64,
    /// Open descriptors; None when unreadable (process-exporter's -1).
    pub fds: Option<u64>,
    /// The soft `RLIMIT_NOFILE`; None when unknown or unlimited.
    pub fd_limit: Option<u64>,
    pub threads: u64,
    pub state: StateClass,
    /// Some field could not be read (process-exporter's partial error).
    pub partial: bool,
    /// The handle, to read the command line and user of new processes.
    pub handle: Process,
}

/// What one scan gives: the samples, and how many processes failed to be read
/// for a reason other than having ended.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub samples: Vec<Sample>,
    pub read_errors: u64,
}

fn val<T: Clone>(f: &rpsutil::Field<T>) -> Option<T> {
    match f {
        Some(Ok(v)) => Some(v.clone()),
        _ => None,
    }
}

/// A field that was asked for and could not be read (process-exporter counts a
/// partial error; the value is taken as 0).
fn unreadable<T>(f: &rpsutil::Field<T>) -> bool {
    matches!(f, Some(Err(e)) if *e != FieldError::Unsupported)
}

/// Reads every process once.
pub(crate) fn scan() -> Result<Scan, String> {
    let pids = rpsutil::pids().map_err(|e| e.to_string())?;
    let entries: Vec<(Pid, Option<Process>)> = pids.into_iter().map(|p| (p, None)).collect();
    let mut attrs = vec![
        Attr::Name,
        Attr::Ppid,
        Attr::CpuTimes,
        Attr::IoCounters,
        Attr::MemoryInfo,
        Attr::NumFds,
        Attr::NumThreads,
        Attr::Status,
        Attr::CreateTime,
    ];
    if !cfg!(target_os = "linux") {
        attrs.push(Attr::NumCtxSwitches);
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(4);
    let rows = snapshot_entries(&entries, &attrs, threads).map_err(|e| e.to_string())?;
    let mut out = Scan::default();
    for row in rows.into_iter().flatten() {
        let (p, info) = row;
        let (Some(start), Some(cpu)) = (val(&info.create_time), val(&info.cpu_times)) else {
            out.read_errors += 1;
            continue;
        };
        let io = val(&info.io_counters);
        let mem = val(&info.memory_info);
        let mut s = Sample {
            pid: p.pid(),
            ppid: val(&info.ppid).unwrap_or(0),
            comm: val(&info.name).unwrap_or_default(),
            start,
            counts: [
                cpu.user,
                cpu.system,
                io.as_ref().map(|i| i.read_bytes as f64).unwrap_or(0.0),
                io.as_ref().map(|i| i.write_bytes as f64).unwrap_or(0.0),
                0.0,
                0.0,
                0.0,
                0.0,
            ],
            rss: mem.as_ref().map(|m| m.rss).unwrap_or(0),
            vms: mem.as_ref().map(|m| m.vms).unwrap_or(0),
            swap: 0,
            fds: val(&info.num_fds).map(u64::from),
            fd_limit: None,
            threads: val(&info.num_threads).map(u64::from).unwrap_or(0),
            state: match val(&info.status) {
                Some(rpsutil::Status::Running) => StateClass::Running,
                Some(rpsutil::Status::Sleeping) => StateClass::Sleeping,
                Some(rpsutil::Status::DiskSleep) => StateClass::Waiting,
                Some(rpsutil::Status::Zombie) => StateClass::Zombie,
                _ => StateClass::Other,
            },
            partial: unreadable(&info.io_counters) || unreadable(&info.num_fds),
            handle: p.clone(),
        };
        if let Some(c) = val(&info.num_ctx_switches) {
            s.counts[6] = c.voluntary as f64;
            s.counts[7] = c.involuntary as f64;
        }
        #[cfg(target_os = "linux")]
        if !linux::add_extras(&mut s) {
            // The process ended between the two reads.
            continue;
        }
        out.samples.push(s);
    }
    Ok(out)
}

/// The command line and effective uid of a process (read once, when it is first
/// seen, for the matchers).
pub(crate) fn identity(p: &Process) -> (Vec<String>, Option<u32>) {
    let cmdline = p.cmdline().unwrap_or_default();
    let euid = p.uids().ok().map(|u| u.effective);
    (cmdline, euid)
}

#[cfg(target_os = "linux")]
mod linux {
    use super::{Sample, StateClass};
    use crate::collect::parse;

    /// Adds what process-exporter reads beyond psutil; false if the process is
    /// gone.
    pub(super) fn add_extras(s: &mut Sample) -> bool {
        let dir = rpsutil::procfs_path().join(s.pid.to_string());
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
            return false;
        };
        // The kernel's comm (between the first '(' and the last ')'): groups use it,
        // not psutil's name, which is completed from the command line.
        if let (Some(a), Some(b)) = (stat.find('('), stat.rfind(')')) {
            if a < b {
                s.comm = stat[a + 1..b].to_owned();
            }
        }
        if let Some(state) = stat
            .rfind(')')
            .and_then(|b| stat[b + 1..].split_whitespace().next())
        {
            s.state = match state {
                "R" => StateClass::Running,
                "S" => StateClass::Sleeping,
                "D" => StateClass::Waiting,
                "Z" => StateClass::Zombie,
                _ => StateClass::Other,
            };
        }
        match parse::parse_pid_stat_faults(&stat) {
            Some(f) => {
                s.counts[4] = f.majflt as f64;
                s.counts[5] = f.minflt as f64;
            }
            None => s.partial = true,
        }
        let Ok(status) = std::fs::read_to_string(dir.join("status")) else {
            return false;
        };
        let st = parse::parse_pid_status(&status);
        s.swap = st.vm_swap;
        s.counts[6] = st.voluntary_ctxt_switches as f64;
        s.counts[7] = st.nonvoluntary_ctxt_switches as f64;
        if s.threads > 1 {
            // process-exporter sums the context switches of every thread (the
            // process's status counts only its main thread).
            if let Some((v, n)) = thread_ctx_switches(&dir) {
                s.counts[6] = v;
                s.counts[7] = n;
            } else {
                s.partial = true;
            }
        }
        match std::fs::read_to_string(dir.join("limits")) {
            Ok(t) => s.fd_limit = parse::parse_limits_nofile(&t),
            Err(_) => s.partial = true,
        }
        true
    }

    fn thread_ctx_switches(dir: &std::path::Path) -> Option<(f64, f64)> {
        let mut v = 0u64;
        let mut n = 0u64;
        for e in std::fs::read_dir(dir.join("task")).ok()?.flatten() {
            let Ok(text) = std::fs::read_to_string(e.path().join("status")) else {
                continue;
            };
            let st = parse::parse_pid_status(&text);
            v += st.voluntary_ctxt_switches;
            n += st.nonvoluntary_ctxt_switches;
        }
        Some((v as f64, n as f64))
    }
}
