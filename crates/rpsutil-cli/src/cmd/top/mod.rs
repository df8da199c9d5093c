//! `rpsutil top`: processes and system load, refreshed. Batch mode (`-b`) prints
//! frames as procps top does, or one JSON document per frame (`--json`).
//!
//! Split as the live tools are: `collect` reads a frame through the library,
//! `batch` turns a frame into text (pure).

pub mod app;
pub mod batch;
pub mod collect;
pub mod screen;
mod tui;

pub(crate) use tui::{next_event, stopped, with_terminal};

use std::io::Write;
use std::time::{Duration, Instant};

use crate::error::{CliError, CliResult};
use crate::util::{parse_count, parse_interval, parse_pid, print_json, term_width};
use batch::SortKey;
use collect::{Collector, Row};

/// Arguments of `rpsutil top`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Batch mode: print frames as text (procps top's layout) instead of a screen.
    #[arg(short = 'b', long)]
    pub batch: bool,
    /// Stop after N frames.
    #[arg(short = 'n', long = "iterations", value_name = "N")]
    pub iterations: Option<String>,
    /// Seconds between frames (default 1.5, at least 0.1). The first frame covers a
    /// real interval too (at most one second).
    #[arg(short = 'd', long = "delay", value_name = "SECS")]
    pub delay: Option<String>,
    /// Line width in batch mode (default: $COLUMNS, else the terminal's, else 80);
    /// longer lines are cut, the cut marked with '+'.
    #[arg(short = 'w', long = "width", value_name = "COLS")]
    pub width: Option<usize>,
    /// Only these processes (comma-separated pids, may repeat).
    #[arg(short = 'p', long = "pid", value_name = "PID,...", value_delimiter = ',', value_parser = parse_pid)]
    pub pids: Vec<rpsutil::Pid>,
    /// Only this user's processes (a name or a uid; a leading '!' excludes them).
    #[arg(short = 'u', long = "user", value_name = "USER")]
    pub user: Option<String>,
    /// Sort by FIELD (procps names: %CPU %MEM PID TIME+ USER COMMAND VIRT RES SHR NI
    /// PPID nTH); a leading '+' sorts high to low, '-' low to high.
    #[arg(
        short = 'o',
        long = "sort",
        value_name = "FIELD",
        allow_hyphen_values = true
    )]
    pub sort: Option<String>,
    /// Show the command line instead of the name.
    #[arg(short = 'c', long = "cmdline")]
    pub cmdline: bool,
    /// Only processes matching QUERY: `cpu > 5 and user = root`, `name ~ "^ssh"`,
    /// `not user = root`, `rss > 100M`, or words found in the name or command line
    /// (the screen's `\` filter).
    #[arg(short = 'F', long = "filter", value_name = "QUERY")]
    pub filter: Option<String>,
    /// The process tree: children under their parent (the screen's `V`).
    #[arg(long = "tree")]
    pub tree: bool,
    /// Extra columns before COMMAND (comma-separated): PPID, nTH (threads), FDS (open
    /// descriptors), P (the CPU last run on), START, USS (KiB), R/s and W/s (disk
    /// KiB per second over the frame).
    #[arg(long = "fields", value_name = "COL,...", value_delimiter = ',')]
    pub fields: Vec<String>,
    /// Threads as rows (the screen's `H`): each thread with its own state and CPU.
    #[arg(short = 'H', long = "threads")]
    pub threads: bool,
    /// One JSON document per frame, one per line (psutil's field names and units).
    #[arg(long)]
    pub json: bool,
    /// No signals and no renice from the screen.
    #[arg(long)]
    pub readonly: bool,
    /// At exit, print to stderr how long building each frame took (reading,
    /// sorting, formatting; median and maximum).
    #[arg(long)]
    pub stats: bool,
}

/// Frame build times, for `--stats`.
#[derive(Default)]
pub struct Stats(Vec<Duration>);

impl Stats {
    /// Records one frame's build time.
    pub fn add(&mut self, d: Duration) {
        self.0.push(d);
    }

    /// Prints the summary line to stderr.
    pub fn report(&mut self) {
        if self.0.is_empty() {
            return;
        }
        self.0.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let median = self.0[self.0.len() / 2];
        let max = self.0[self.0.len() - 1];
        let _ = writeln!(
            std::io::stderr(),
            "rpsutil top: {} frames, build time median {:.2} ms, max {:.2} ms",
            self.0.len(),
            ms(median),
            ms(max)
        );
    }
}

/// The options of one run, checked.
struct Options {
    delay: Duration,
    iterations: Option<u64>,
    width: usize,
    sort: SortKey,
    descending: bool,
    pids: Vec<rpsutil::Pid>,
    user: Option<(bool, String)>,
    full_command: bool,
    json: bool,
    filter: Option<(String, crate::live::query::Query)>,
    tree: bool,
    columns: Vec<collect::Column>,
}

fn options(args: &Args) -> CliResult<Options> {
    let delay = match &args.delay {
        Some(d) => parse_interval(d)?,
        None => Duration::from_millis(1500),
    };
    if delay < Duration::from_millis(100) {
        return Err(CliError::Usage(format!(
            "delay {:?} is below the minimum of 0.1 seconds",
            args.delay.as_deref().unwrap_or("")
        )));
    }
    let iterations = args.iterations.as_deref().map(parse_count).transpose()?;
    let (sort, descending) = match args.sort.as_deref() {
        None => (SortKey::Cpu, true),
        Some(s) => {
            let (name, dir) = match s.strip_prefix('+') {
                Some(rest) => (rest, Some(true)),
                None => match s.strip_prefix('-') {
                    Some(rest) => (rest, Some(false)),
                    None => (s, None),
                },
            };
            let key = SortKey::parse(name).ok_or_else(|| {
                CliError::Usage(format!("unknown sort field {s:?} (see rpsutil top --help)"))
            })?;
            (key, dir.unwrap_or(key.descending_by_default()))
        }
    };
    let width = args
        .width
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()))
        .or_else(term_width)
        .unwrap_or(80)
        .max(10);
    let user = args.user.as_ref().map(|u| match u.strip_prefix('!') {
        Some(rest) => (false, rest.to_string()),
        None => (true, u.clone()),
    });
    let filter = match &args.filter {
        None => None,
        Some(text) => {
            let q = crate::live::query::parse(text)
                .map_err(|e| CliError::Usage(format!("--filter: {e}")))?;
            (!q.is_empty()).then(|| (text.clone(), q))
        }
    };
    let mut columns = Vec::new();
    for f in &args.fields {
        let c = collect::Column::parse(f.trim()).ok_or_else(|| {
            CliError::Usage(format!("unknown column {f:?} (see rpsutil top --help)"))
        })?;
        if !columns.contains(&c) {
            columns.push(c);
        }
    }
    columns.sort();
    Ok(Options {
        columns,
        filter,
        tree: args.tree,
        delay,
        iterations,
        width,
        sort,
        descending,
        pids: args.pids.clone(),
        user,
        full_command: args.cmdline,
        json: args.json,
    })
}

/// True if `row` passes the -p and -u filters.
fn selected(o: &Options, row: &Row) -> bool {
    if !o.pids.is_empty() && !o.pids.contains(&row.pid) {
        return false;
    }
    if let Some((include, user)) = &o.user {
        let name_match = row.username.as_deref() == Some(user.as_str());
        if name_match != *include {
            return false;
        }
    }
    true
}

/// True if the query looks at command lines (a bare word does).
pub fn reads_cmdline(q: &crate::live::query::Query) -> bool {
    q.fields().contains(&"cmdline")
}

/// The kernel's `pid_max` (the PID column's width follows it, as procps's).
fn pid_max() -> Option<u64> {
    let root = rpsutil::procfs_path();
    std::fs::read_to_string(root.join("sys/kernel/pid_max"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

/// Runs `rpsutil top`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let o = options(args)?;
    let mut collector = Collector::new()?;
    if !(args.batch || o.json) {
        // NO_COLOR (https://no-color.org): any non-empty value turns colours off.
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let mut app = app::App::new(o.sort, o.descending, args.readonly, color);
        app.full_command = o.full_command;
        app.filter = o.filter.clone();
        app.tree = o.tree;
        app.threads = args.threads;
        app.columns = o.columns.clone();
        let keep = |r: &Row| selected(&o, r);
        let mut stats = Stats::default();
        let r = tui::run(
            app,
            o.delay,
            o.iterations,
            &mut collector,
            &keep,
            &mut stats,
        );
        if args.stats {
            stats.report();
        }
        return r;
    }
    let pid_w = batch::pid_width(pid_max());
    // The first frame's rates need an interval: at most a second of it.
    let mut next = Instant::now() + o.delay.min(Duration::from_secs(1));
    let mut shown = 0u64;
    let mut stats = Stats::default();
    loop {
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        next = Instant::now() + o.delay;
        let started = Instant::now();
        // JSON frames carry command lines (psutil's cmdline); text only when shown
        // or filtered on.
        let cmdline =
            o.json || o.full_command || o.filter.as_ref().is_some_and(|(_, q)| reads_cmdline(q));
        let mut frame = collector.frame(cmdline, args.threads, &o.columns)?;
        frame.processes.retain(|r| selected(&o, r));
        // The screen's own ordering (sort, filter, tree), so batch output and the
        // screen list the same rows in the same order.
        let mut view = app::App::new(o.sort, o.descending, true, false);
        view.filter = o.filter.clone();
        view.tree = o.tree;
        // Batch output is for scripts and plain terminals: ASCII tree lines.
        view.ascii_tree = true;
        view.set_frame(frame);
        let rows: Vec<Row> = view.visible().into_iter().cloned().collect();
        let prefixes: Vec<String> = view.prefixes().into_iter().map(str::to_string).collect();
        let Some(mut frame) = view.frame.take() else {
            continue;
        };
        frame.processes = rows;
        if o.json {
            print_json(out, &frame)?;
        } else {
            if shown > 0 {
                writeln!(out)?;
            }
            for line in batch::header(&frame) {
                writeln!(out, "{}", batch::fit(&line, o.width))?;
            }
            writeln!(out)?;
            let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
            for line in batch::table(
                &frame.processes,
                pid_w,
                o.full_command,
                &prefixes,
                &o.columns,
            ) {
                writeln!(out, "{}", batch::fit(&line, o.width))?;
            }
        }
        stats.add(started.elapsed());
        out.flush()?;
        shown += 1;
        if o.iterations.is_some_and(|n| shown >= n) {
            if args.stats {
                stats.report();
            }
            return Ok(());
        }
    }
}
