//! `rpsutil procinfo [PID]`: everything about one process, like psutil's
//! `scripts/procinfo.py`.

use std::io::Write;

use rpsutil::{
    Address, CpuTimes, Ids, IoCounters, MemoryInfo, Process, ProcessInfo, Resource, SocketType,
    RLIM_INFINITY,
};

use crate::error::CliResult;
use crate::util::{bytes2human, field, parse_pid, print_json, process, py_float, LocalTime};

/// Arguments of `rpsutil procinfo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The process (default: rpsutil itself).
    #[arg(value_parser = parse_pid)]
    pub pid: Option<rpsutil::Pid>,
    /// List every open file, thread, environment variable and mapping (not just 4).
    #[arg(short, long)]
    pub verbose: bool,
    /// Print psutil's `as_dict()` of the process as JSON (every attribute).
    #[arg(long)]
    pub json: bool,
}

/// How many entries of the long lists are shown without `--verbose` (procinfo.py's
/// `NON_VERBOSE_ITERATIONS`).
const SHORT_LIST: usize = 4;

/// Runs `rpsutil procinfo`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let proc = match args.pid {
        Some(pid) => process(pid)?,
        None => Process::current()?,
    };
    let info = proc.as_dict(&[])?;
    if args.json {
        return print_json(out, &info);
    }
    Printer {
        out,
        verbose: args.verbose,
    }
    .all(&proc, &info)
}

struct Printer<'a> {
    out: &'a mut dyn Write,
    verbose: bool,
}

/// `k=v, ...` of the named fields (procinfo.py's `str_ntuple`).
fn pairs(items: &[(&str, String)]) -> String {
    items
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cpu_times_text(t: &CpuTimes) -> String {
    let mut items = vec![
        ("user", py_float(t.user)),
        ("system", py_float(t.system)),
        ("children_user", py_float(t.children_user)),
        ("children_system", py_float(t.children_system)),
    ];
    if let Some(w) = t.iowait {
        items.push(("iowait", py_float(w)));
    }
    pairs(&items)
}

fn memory_text(m: &MemoryInfo) -> String {
    let mut items = vec![("rss", bytes2human(m.rss)), ("vms", bytes2human(m.vms))];
    for (k, v) in [
        ("shared", m.shared),
        ("text", m.text),
        ("lib", m.lib),
        ("data", m.data),
        ("dirty", m.dirty),
    ] {
        if let Some(v) = v {
            items.push((k, bytes2human(v)));
        }
    }
    pairs(&items)
}

fn ids_text(i: &Ids) -> String {
    pairs(&[
        ("real", i.real.to_string()),
        ("effective", i.effective.to_string()),
        ("saved", i.saved.to_string()),
    ])
}

fn io_text(io: &IoCounters) -> String {
    // procinfo.py passes every field, counts included, through bytes2human.
    let mut items = vec![
        ("read_count", bytes2human(io.read_count)),
        ("write_count", bytes2human(io.write_count)),
        ("read_bytes", bytes2human(io.read_bytes)),
        ("write_bytes", bytes2human(io.write_bytes)),
    ];
    if let Some(v) = io.read_chars {
        items.push(("read_chars", bytes2human(v)));
    }
    if let Some(v) = io.write_chars {
        items.push(("write_chars", bytes2human(v)));
    }
    pairs(&items)
}

/// procinfo.py's friendly names of the limits.
fn rlimit_label(r: Resource) -> &'static str {
    match r {
        Resource::As => "virtualmem",
        Resource::Core => "coredumpsize",
        Resource::Cpu => "cputime",
        Resource::Data => "datasize",
        Resource::Fsize => "filesize",
        Resource::Memlock => "memlock",
        Resource::Msgqueue => "msgqueue",
        Resource::Nice => "nice",
        Resource::Nofile => "openfiles",
        Resource::Nproc => "maxprocesses",
        Resource::Npts => "pseudoterms",
        Resource::Rss => "rss",
        Resource::Rtprio => "realtimeprio",
        Resource::Rttime => "rtimesched",
        Resource::Sbsize => "sockbufsize",
        Resource::Sigpending => "sigspending",
        Resource::Stack => "stack",
        Resource::Swap => "swapuse",
        _ => r.name(),
    }
}

fn limit_text(v: i64) -> String {
    if v == RLIM_INFINITY {
        "infinity".to_string()
    } else {
        v.to_string()
    }
}

fn addr_text(a: &Address) -> String {
    match a {
        Address::Inet { ip, port } => format!("{ip}:{port}"),
        Address::Unix(p) => p.to_string_lossy().into_owned(),
        Address::None => String::new(),
    }
}

impl Printer<'_> {
    /// One `label value` line (`"{:<11} {}"`).
    fn line(&mut self, label: &str, value: impl std::fmt::Display) -> CliResult {
        writeln!(self.out, "{label:<11} {value}")?;
        Ok(())
    }

    /// Whether the list should stop at entry `i` (and print `[...]`).
    fn cut(&mut self, i: usize) -> CliResult<bool> {
        if !self.verbose && i >= SHORT_LIST {
            self.line("", "[...]")?;
            return Ok(true);
        }
        Ok(false)
    }

    fn all(&mut self, proc: &Process, info: &ProcessInfo) -> CliResult {
        let (parent, children) = proc.oneshot(|| {
            let parent = match proc.parent() {
                Ok(Some(p)) => p.name().map(|n| format!("({n})")).unwrap_or_default(),
                _ => String::new(),
            };
            (parent, proc.children(false).unwrap_or_default())
        });
        let text = |v: Option<String>| v.unwrap_or_default();

        self.line("pid", info.pid)?;
        self.line("name", text(field(&info.name).cloned()))?;
        let ppid = text(field(&info.ppid).map(|p| p.to_string()));
        self.line("parent", format!("{ppid} {parent}"))?;
        self.line(
            "exe",
            text(field(&info.exe).map(|p| p.display().to_string())),
        )?;
        self.line(
            "cwd",
            text(field(&info.cwd).map(|p| p.display().to_string())),
        )?;
        self.line("cmdline", text(field(&info.cmdline).map(|c| c.join(" "))))?;
        let started = field(&info.create_time).map(|t| LocalTime::from_epoch(*t).ymd_hm());
        self.line("started", text(started))?;
        if let Some(t) = field(&info.cpu_times) {
            let total =
                t.user + t.system + t.children_user + t.children_system + t.iowait.unwrap_or(0.0);
            let total = if total.is_finite() && total > 0.0 {
                total
            } else {
                0.0
            };
            let secs = total as u64;
            let centis = ((total - secs as f64) * 100.0) as u64;
            self.line(
                "cpu-tspent",
                format!("{}:{:02}.{:02}", secs / 60 % 60, secs % 60, centis),
            )?;
        } else {
            self.line("cpu-tspent", "")?;
        }
        self.line(
            "cpu-times",
            text(field(&info.cpu_times).map(cpu_times_text)),
        )?;
        if let Some(a) = &info.cpu_affinity {
            let v = a.as_ref().ok().map(|c| format!("{c:?}"));
            self.line("cpu-affinity", text(v))?;
        }
        if let Some(n) = &info.cpu_num {
            self.line("cpu-num", text(n.as_ref().ok().map(|n| n.to_string())))?;
        }
        self.line("memory", text(field(&info.memory_info).map(memory_text)))?;
        let pct = field(&info.memory_percent).map(|p| format!("{p:.2}"));
        self.line("memory %", text(pct))?;
        self.line("user", text(field(&info.username).cloned()))?;
        if info.uids.is_some() {
            self.line("uids", text(field(&info.uids).map(ids_text)))?;
            // procinfo.py prints uids twice (meant gids); print the gids.
            self.line("gids", text(field(&info.gids).map(ids_text)))?;
            self.line("terminal", text(field(&info.terminal).cloned().flatten()))?;
        }
        self.line("status", text(field(&info.status).map(|s| s.to_string())))?;
        self.line("nice", text(field(&info.nice).map(|n| n.to_string())))?;
        if let Some(io) = field(&info.ionice) {
            self.line(
                "ionice",
                format!("class={}, value={}", io.ioclass.as_raw(), io.value),
            )?;
        }
        self.line(
            "num-threads",
            text(field(&info.num_threads).map(|n| n.to_string())),
        )?;
        if info.num_fds.is_some() {
            self.line("num-fds", text(field(&info.num_fds).map(|n| n.to_string())))?;
        }
        if let Some(io) = field(&info.io_counters) {
            self.line("I/O", io_text(io))?;
        }
        if let Some(c) = field(&info.num_ctx_switches) {
            let v = pairs(&[
                ("voluntary", c.voluntary.to_string()),
                ("involuntary", c.involuntary.to_string()),
            ]);
            self.line("ctx-switches", v)?;
        }
        if !children.is_empty() {
            self.line("children", format!("{:<6} {}", "PID", "NAME"))?;
            for child in &children {
                match child.name() {
                    Ok(name) => self.line("", format!("{:<6} {}", child.pid(), name))?,
                    Err(e) if e.is_access_denied() => {
                        self.line("", format!("{:<6} {}", child.pid(), ""))?
                    }
                    Err(_) => {} // ended meanwhile
                }
            }
        }
        self.files(info)?;
        self.connections(info)?;
        self.threads(info)?;
        self.limits(proc)?;
        self.environ(info)?;
        self.maps(info)
    }

    fn files(&mut self, info: &ProcessInfo) -> CliResult {
        match field(&info.open_files) {
            Some(files) if !files.is_empty() => {
                self.line("open-files", "PATH")?;
                for (i, f) in files.iter().enumerate() {
                    if self.cut(i)? {
                        break;
                    }
                    self.line("", f.path.display())?;
                }
            }
            _ => self.line("open-files", "")?,
        }
        Ok(())
    }

    fn connections(&mut self, info: &ProcessInfo) -> CliResult {
        match field(&info.net_connections) {
            Some(conns) if !conns.is_empty() => {
                let row =
                    |a: &str, b: &str, c: &str, d: &str| format!("{a:<5} {b:<25} {c:<25} {d}");
                self.line(
                    "connections",
                    row("PROTO", "LOCAL ADDR", "REMOTE ADDR", "STATUS"),
                )?;
                for c in conns {
                    let proto = match c.kind {
                        SocketType::Stream => "TCP",
                        SocketType::Dgram => "UDP",
                        _ => "UNIX",
                    };
                    let remote = if c.raddr.is_empty() {
                        "*:*".to_string()
                    } else {
                        addr_text(&c.raddr)
                    };
                    let status = c.status.to_string();
                    self.line("", row(proto, &addr_text(&c.laddr), &remote, &status))?;
                }
            }
            _ => self.line("connections", "")?,
        }
        Ok(())
    }

    fn threads(&mut self, info: &ProcessInfo) -> CliResult {
        match field(&info.threads) {
            Some(threads) if threads.len() > 1 => {
                let row = |a: &str, b: &str, c: &str| format!("{a:<5} {b:>12} {c:>12}");
                self.line("threads", row("TID", "USER", "SYSTEM"))?;
                for (i, t) in threads.iter().enumerate() {
                    if self.cut(i)? {
                        break;
                    }
                    let r = row(
                        &t.id.to_string(),
                        &py_float(t.user_time),
                        &py_float(t.system_time),
                    );
                    self.line("", r)?;
                }
                self.line("", format!("total={}", threads.len()))?;
            }
            _ => self.line("threads", "")?,
        }
        Ok(())
    }

    fn limits(&mut self, proc: &Process) -> CliResult {
        let mut rows = Vec::new();
        for r in Resource::available() {
            // procinfo.py skips AccessDenied; other errors end the process anyway.
            if let Ok(l) = proc.rlimit(r) {
                rows.push((r, l));
            }
        }
        if rows.is_empty() {
            return Ok(());
        }
        let row = |a: &str, b: &str, c: &str| format!("{a:<12} {b:>15} {c:>15}");
        self.line("res-limits", row("RLIMIT", "SOFT", "HARD"))?;
        for (r, l) in rows {
            let v = row(
                rlimit_label(r),
                &limit_text(l.soft()),
                &limit_text(l.hard()),
            );
            self.line("", v)?;
        }
        Ok(())
    }

    fn environ(&mut self, info: &ProcessInfo) -> CliResult {
        let Some(env) = field(&info.environ).filter(|e| !e.is_empty()) else {
            return Ok(());
        };
        let mut keys: Vec<&String> = env.keys().collect();
        keys.sort();
        self.line("environ", format!("{:<25} {}", "NAME", "VALUE"))?;
        for (i, k) in keys.into_iter().enumerate() {
            if self.cut(i)? {
                break;
            }
            let v = env.get(k).map(String::as_str).unwrap_or("");
            self.line("", format!("{k:<25} {v}"))?;
        }
        Ok(())
    }

    fn maps(&mut self, info: &ProcessInfo) -> CliResult {
        let Some(maps) = field(&info.memory_maps).filter(|m| !m.is_empty()) else {
            return Ok(());
        };
        let mut maps: Vec<_> = maps.iter().collect();
        maps.sort_by_key(|m| std::cmp::Reverse(m.rss));
        self.line("mem-maps", format!("{:<8} {}", "RSS", "PATH"))?;
        for (i, m) in maps.into_iter().enumerate() {
            if self.cut(i)? {
                break;
            }
            self.line(
                "",
                format!("{:<8} {}", bytes2human(m.rss), m.path.display()),
            )?;
        }
        Ok(())
    }
}
