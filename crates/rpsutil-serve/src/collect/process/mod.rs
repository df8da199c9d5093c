//! The `process` collector: process-exporter's `namedprocess_namegroup_*` metrics
//! and, when asked, the top-K individual processes.
//!
//! Semantics follow process-exporter 0.7.10 (`proc/tracker.go`, `grouper.go`):
//!
//! - A process is put in a group once, when first seen: the first matcher of the
//!   config that matches names the group; with `children`, a process no matcher
//!   takes joins the group of its nearest grouped ancestor; anything else is
//!   ignored for its lifetime.
//! - Group counters are accumulated deltas: each scrape adds what each member's
//!   counters grew since the previous scrape (a process started after the
//!   exporter adds its whole counts when first seen; one already running then
//!   adds only what comes later). A member's exit therefore never lowers a group
//!   counter, and a group whose members all ended keeps its counters (with
//!   `num_procs` 0).
//! - Gauges (memory, threads, fds, states, oldest start) are the current members'.

pub mod config;
mod read;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use self::config::{ProcAttrs, ProcessConfig};
use self::read::{Counts, Sample, StateClass};
use super::{CollectOptions, Collected, ConfigError};
use crate::model::{Family, MetricType};

/// Go's zero `time.Time` as Unix seconds: process-exporter's
/// `oldest_start_time_seconds` of a group without members.
const GO_ZERO_TIME_UNIX: f64 = -62_135_596_800.0;

/// How deep a chain of new, unmatched parents is followed (a guard against a
/// ppid cycle in a corrupt or fixture /proc).
const MAX_ANCESTRY: usize = 256;

/// What is remembered of one process between scrapes.
#[derive(Debug, Clone)]
struct Tracked {
    start: f64,
    /// Its group, or None when ignored.
    group: Option<String>,
    last: Counts,
    /// CPU seconds used between the last two scrapes (for the top-K).
    cpu_delta: f64,
}

/// The collector's state across scrapes.
#[derive(Debug, Default)]
struct State {
    /// Unix time of the first scan: processes started later add their whole
    /// counts when first seen.
    first_update: Option<f64>,
    tracked: HashMap<u32, Tracked>,
    accum: BTreeMap<String, Counts>,
    scrape_errors: u64,
    procread_errors: u64,
    partial_errors: u64,
    users: Option<HashMap<u32, String>>,
}

/// The gauges of one group at one scrape.
#[derive(Debug, Default, Clone)]
struct GroupNow {
    procs: u64,
    resident: u64,
    virt: u64,
    swap: u64,
    fds: u64,
    worst_fd_ratio: f64,
    oldest: Option<f64>,
    threads: u64,
    states: [u64; 5],
}

/// The process collector: its config and its state (one scrape at a time reads
/// processes; concurrent scrapes wait, as process-exporter serialises them).
#[derive(Debug)]
pub struct ProcessCollector {
    config: ProcessConfig,
    children: bool,
    topk: usize,
    rootfs: std::path::PathBuf,
    state: Mutex<State>,
}

fn add(a: &mut Counts, b: &Counts) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// `new - old`, each counter at least 0: a counter that went down (it should not)
/// adds nothing rather than lowering the group's.
fn delta(new: &Counts, old: &Counts) -> Counts {
    let mut d = [0.0; 8];
    for ((d, n), o) in d.iter_mut().zip(new).zip(old) {
        *d = (n - o).max(0.0);
    }
    d
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl ProcessCollector {
    /// Reads the config (or takes Debian's default) and scans once, so that the
    /// counters count from now, as process-exporter's do from its start.
    pub fn new(o: &CollectOptions) -> Result<Self, ConfigError> {
        let config = match &o.process_config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError::ProcessConfig(format!("{}: {e}", path.display())))?;
                ProcessConfig::from_yaml(&text)
                    .map_err(|e| ConfigError::ProcessConfig(format!("{}: {e}", path.display())))?
            }
            None => ProcessConfig::debian_default(),
        };
        let c = ProcessCollector {
            config,
            children: o.proc_children,
            topk: o.proc_topk,
            rootfs: o.rootfs.clone(),
            state: Mutex::new(State::default()),
        };
        // A failed first scan is counted and retried at the first scrape.
        let _ = c.update();
        Ok(c)
    }

    /// The user name of a uid, from `<rootfs>/etc/passwd` (read once), else the
    /// uid in decimal as process-exporter's fallback.
    fn username(&self, st: &mut State, uid: Option<u32>) -> String {
        let users = st.users.get_or_insert_with(|| {
            std::fs::read_to_string(self.rootfs.join("etc/passwd"))
                .map(|t| super::parse::parse_passwd(&t))
                .unwrap_or_default()
        });
        match uid {
            Some(u) => users.get(&u).cloned().unwrap_or_else(|| u.to_string()),
            None => String::new(),
        }
    }

    /// One scan: updates the tracked processes and the group accumulators;
    /// returns the current samples with their groups.
    fn update(&self) -> Result<Vec<(Sample, Option<String>)>, String> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = unix_now();
        let first = *st.first_update.get_or_insert(now);
        let scan = match read::scan() {
            Ok(s) => s,
            Err(e) => {
                st.scrape_errors += 1;
                return Err(e);
            }
        };
        st.procread_errors += scan.read_errors;
        st.partial_errors += scan.samples.iter().filter(|s| s.partial).count() as u64;

        let mut alive: HashMap<u32, ()> = HashMap::with_capacity(scan.samples.len());
        let mut new: Vec<usize> = Vec::new();
        let mut deltas: Vec<(String, Counts)> = Vec::new();
        for (i, s) in scan.samples.iter().enumerate() {
            alive.insert(s.pid, ());
            match st.tracked.get_mut(&s.pid) {
                // Same pid and start time: the same process.
                Some(t) if (t.start - s.start).abs() < 0.005 => {
                    let d = delta(&s.counts, &t.last);
                    t.cpu_delta = d[0] + d[1];
                    t.last = s.counts;
                    if let Some(g) = &t.group {
                        deltas.push((g.clone(), d));
                    }
                }
                _ => new.push(i),
            }
        }
        st.tracked.retain(|pid, _| alive.contains_key(pid));

        // New processes: first the matchers, then (with children) the ancestry.
        let mut unmatched: HashMap<u32, usize> = HashMap::new();
        for &i in &new {
            let s = &scan.samples[i];
            let (cmdline, euid) = read::identity(&s.handle);
            let username = if self.config.uses_username() {
                Some(self.username(&mut st, euid))
            } else {
                None
            };
            let attrs = ProcAttrs {
                comm: &s.comm,
                cmdline: &cmdline,
                username: username.as_deref(),
                pid: s.pid,
                start_time: s.start,
            };
            match self.config.match_and_name(&attrs) {
                Some(g) => Self::track(&mut st, s, Some(g), first, &mut deltas),
                None => {
                    unmatched.insert(s.pid, i);
                }
            }
        }
        let mut pending: Vec<u32> = unmatched.keys().copied().collect();
        pending.sort_unstable();
        for pid in pending {
            if st.tracked.contains_key(&pid) {
                continue;
            }
            let group = if self.children {
                Self::ancestry(
                    &mut st,
                    &scan.samples,
                    &unmatched,
                    pid,
                    first,
                    &mut deltas,
                    0,
                )
            } else {
                None
            };
            if group.is_none() {
                let s = &scan.samples[unmatched[&pid]];
                Self::track(&mut st, s, None, first, &mut deltas);
            }
        }
        for (g, d) in deltas {
            add(st.accum.entry(g).or_insert([0.0; 8]), &d);
        }
        let out = scan
            .samples
            .into_iter()
            .map(|s| {
                let g = st.tracked.get(&s.pid).and_then(|t| t.group.clone());
                (s, g)
            })
            .collect();
        Ok(out)
    }

    /// Starts tracking a new process in `group` (None: ignored for its lifetime).
    fn track(
        st: &mut State,
        s: &Sample,
        group: Option<String>,
        first: f64,
        deltas: &mut Vec<(String, Counts)>,
    ) {
        // Counted whole only if it started after the first scan; a zero delta
        // still makes the group exist from its first member on.
        if let Some(g) = &group {
            let d = if s.start > first { s.counts } else { [0.0; 8] };
            deltas.push((g.clone(), d));
        }
        st.tracked.insert(
            s.pid,
            Tracked {
                start: s.start,
                group,
                last: s.counts,
                cpu_delta: 0.0,
            },
        );
    }

    /// process-exporter's `checkAncestry`: the group of the nearest grouped
    /// ancestor, following parents that are themselves new and unmatched.
    fn ancestry(
        st: &mut State,
        samples: &[Sample],
        unmatched: &HashMap<u32, usize>,
        pid: u32,
        first: f64,
        deltas: &mut Vec<(String, Counts)>,
        depth: usize,
    ) -> Option<String> {
        let s = &samples[*unmatched.get(&pid)?];
        let group = if let Some(parent) = st.tracked.get(&s.ppid) {
            parent.group.clone()
        } else if unmatched.contains_key(&s.ppid) && depth < MAX_ANCESTRY && s.ppid != pid {
            Self::ancestry(st, samples, unmatched, s.ppid, first, deltas, depth + 1)
        } else {
            None
        };
        if !st.tracked.contains_key(&pid) {
            Self::track(st, s, group.clone(), first, deltas);
        }
        group
    }

    /// The scrape: one update, then the families.
    pub fn collect(&self) -> Collected {
        let rows = self.update();
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        if let Ok(rows) = &rows {
            let mut now: BTreeMap<&str, GroupNow> = BTreeMap::new();
            for (s, g) in rows {
                let Some(g) = g else { continue };
                let e = now.entry(g.as_str()).or_default();
                e.procs += 1;
                e.resident += s.rss;
                e.virt += s.vms;
                e.swap += s.swap;
                e.fds += s.fds.unwrap_or(0);
                if let (Some(open), Some(limit)) = (s.fds, s.fd_limit) {
                    if limit > 0 {
                        e.worst_fd_ratio = e.worst_fd_ratio.max(open as f64 / limit as f64);
                    }
                }
                let start = s.start.floor();
                e.oldest = Some(e.oldest.map_or(start, |o: f64| o.min(start)));
                e.threads += s.threads;
                let i = match s.state {
                    StateClass::Running => 0,
                    StateClass::Sleeping => 1,
                    StateClass::Waiting => 2,
                    StateClass::Zombie => 3,
                    StateClass::Other => 4,
                };
                e.states[i] += 1;
            }
            out.extend(group_families(&st.accum, &now));
            if self.topk > 0 {
                out.extend(topk_families(rows, &st.tracked, self.topk));
            }
        }
        out.extend([
            Family::new(
                "namedprocess_scrape_errors",
                "general scrape errors: no proc metrics collected during a cycle",
                MetricType::Counter,
            )
            .with(&[], st.scrape_errors as f64),
            Family::new(
                "namedprocess_scrape_procread_errors",
                "incremented each time a proc's metrics collection fails",
                MetricType::Counter,
            )
            .with(&[], st.procread_errors as f64),
            Family::new(
                "namedprocess_scrape_partial_errors",
                "incremented each time a tracked proc's metrics collection fails partially, e.g. unreadable I/O stats",
                MetricType::Counter,
            )
            .with(&[], st.partial_errors as f64),
        ]);
        rows.map(|_| out)
    }
}

/// The `namedprocess_namegroup_*` families: every group ever seen (its counters
/// accumulated), with the gauges of its current members.
fn group_families(accum: &BTreeMap<String, Counts>, now: &BTreeMap<&str, GroupNow>) -> Vec<Family> {
    use MetricType::{Counter, Gauge};
    let fam = |n: &'static str, h: &'static str, k| Family::new(n, h, k);
    let mut num_procs = fam(
        "namedprocess_namegroup_num_procs",
        "number of processes in this group",
        Gauge,
    );
    let mut cpu = fam(
        "namedprocess_namegroup_cpu_seconds_total",
        "Cpu user usage in seconds",
        Counter,
    );
    let mut read = fam(
        "namedprocess_namegroup_read_bytes_total",
        "number of bytes read by this group",
        Counter,
    );
    let mut write = fam(
        "namedprocess_namegroup_write_bytes_total",
        "number of bytes written by this group",
        Counter,
    );
    let mut major = fam(
        "namedprocess_namegroup_major_page_faults_total",
        "Major page faults",
        Counter,
    );
    let mut minor = fam(
        "namedprocess_namegroup_minor_page_faults_total",
        "Minor page faults",
        Counter,
    );
    let mut ctx = fam(
        "namedprocess_namegroup_context_switches_total",
        "Context switches",
        Counter,
    );
    let mut mem = fam(
        "namedprocess_namegroup_memory_bytes",
        "number of bytes of memory in use",
        Gauge,
    );
    let mut fds = fam(
        "namedprocess_namegroup_open_filedesc",
        "number of open file descriptors for this group",
        Gauge,
    );
    let mut worst = fam(
        "namedprocess_namegroup_worst_fd_ratio",
        "the worst (closest to 1) ratio between open fds and max fds among all procs in this group",
        Gauge,
    );
    let mut oldest = fam(
        "namedprocess_namegroup_oldest_start_time_seconds",
        "start time in seconds since 1970/01/01 of oldest process in group",
        Gauge,
    );
    let mut threads = fam(
        "namedprocess_namegroup_num_threads",
        "Number of threads",
        Gauge,
    );
    let mut states = fam(
        "namedprocess_namegroup_states",
        "Number of processes in states Running, Sleeping, Waiting, Zombie, or Other",
        Gauge,
    );
    let empty = GroupNow::default();
    for (g, c) in accum {
        let n = now.get(g.as_str()).unwrap_or(&empty);
        let gl = ("groupname", g.as_str());
        num_procs.push(&[gl], n.procs as f64);
        cpu.push(&[gl, ("mode", "user")], c[0]);
        cpu.push(&[gl, ("mode", "system")], c[1]);
        read.push(&[gl], c[2]);
        write.push(&[gl], c[3]);
        major.push(&[gl], c[4]);
        minor.push(&[gl], c[5]);
        ctx.push(&[gl, ("ctxswitchtype", "voluntary")], c[6]);
        ctx.push(&[gl, ("ctxswitchtype", "nonvoluntary")], c[7]);
        mem.push(&[gl, ("memtype", "resident")], n.resident as f64);
        mem.push(&[gl, ("memtype", "virtual")], n.virt as f64);
        mem.push(&[gl, ("memtype", "swapped")], n.swap as f64);
        fds.push(&[gl], n.fds as f64);
        worst.push(&[gl], n.worst_fd_ratio);
        oldest.push(&[gl], n.oldest.unwrap_or(GO_ZERO_TIME_UNIX));
        threads.push(&[gl], n.threads as f64);
        for (state, v) in ["Running", "Sleeping", "Waiting", "Zombie", "Other"]
            .iter()
            .zip(n.states)
        {
            states.push(&[gl, ("state", state)], v as f64);
        }
    }
    vec![
        num_procs, cpu, read, write, major, minor, ctx, mem, fds, worst, oldest, threads, states,
    ]
}

/// `rpsutil_process_*{pid,name}` for the `k` processes that used the most CPU
/// since the previous scrape and the `k` with the most resident memory: at most
/// `2k` processes and `4` samples each, whatever the number of processes.
fn topk_families(
    rows: &[(Sample, Option<String>)],
    tracked: &HashMap<u32, Tracked>,
    k: usize,
) -> Vec<Family> {
    let cpu_of = |s: &Sample| tracked.get(&s.pid).map(|t| t.cpu_delta).unwrap_or(0.0);
    let mut by_cpu: Vec<&Sample> = rows.iter().map(|(s, _)| s).collect();
    by_cpu.sort_by(|a, b| cpu_of(b).total_cmp(&cpu_of(a)).then(a.pid.cmp(&b.pid)));
    let mut by_rss: Vec<&Sample> = rows.iter().map(|(s, _)| s).collect();
    by_rss.sort_by(|a, b| b.rss.cmp(&a.rss).then(a.pid.cmp(&b.pid)));
    let mut chosen: Vec<&Sample> = by_cpu.into_iter().take(k).collect();
    for s in by_rss.into_iter().take(k) {
        if !chosen.iter().any(|c| c.pid == s.pid) {
            chosen.push(s);
        }
    }
    chosen.sort_by_key(|s| s.pid);
    let mut cpu = Family::new(
        "rpsutil_process_cpu_seconds_total",
        "CPU seconds used by one of the top-K processes (by CPU over the last scrape interval, or by resident memory).",
        MetricType::Counter,
    );
    let mut rss = Family::new(
        "rpsutil_process_resident_memory_bytes",
        "Resident memory of one of the top-K processes.",
        MetricType::Gauge,
    );
    let mut start = Family::new(
        "rpsutil_process_start_time_seconds",
        "Start time of one of the top-K processes, in seconds since the epoch.",
        MetricType::Gauge,
    );
    for s in chosen {
        let pid = s.pid.to_string();
        let labels = [("pid", pid.as_str()), ("name", s.comm.as_str())];
        cpu.push(&[labels[0], labels[1], ("mode", "user")], s.counts[0]);
        cpu.push(&[labels[0], labels[1], ("mode", "system")], s.counts[1]);
        rss.push(&labels, s.rss as f64);
        start.push(&labels, s.start);
    }
    vec![cpu, rss, start]
}
