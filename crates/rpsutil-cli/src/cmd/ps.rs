//! `rpsutil ps`: every process, like psutil's `scripts/ps.py` (a `ps aux` clone).

use std::io::Write;

use rpsutil::{Attr, ProcessInfo, ProcessTable};

use crate::error::CliResult;
use crate::util::{bytes2human, print_json, term_width, write_line, LocalTime};

/// Arguments of `rpsutil ps`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON array with one object per process (the attributes shown).
    #[arg(long)]
    pub json: bool,
}

/// Exactly the attributes the columns need (psutil's ps.py list).
const ATTRS: [Attr; 10] = [
    Attr::Pid,
    Attr::MemoryPercent,
    Attr::Name,
    Attr::Cmdline,
    Attr::CpuTimes,
    Attr::CreateTime,
    Attr::MemoryInfo,
    Attr::Status,
    Attr::Nice,
    Attr::Username,
];

/// Runs `rpsutil ps`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let rows = ProcessTable::new().snapshot(&ATTRS)?;
    if args.json {
        let infos: Vec<&ProcessInfo> = rows.iter().map(|(_, i)| i).collect();
        return print_json(out, &infos);
    }
    let width = term_width();
    let today = LocalTime::from_epoch(crate::util::now_epoch());
    let header = format_row(
        "USER", "PID", "%MEM", "VSZ", "RSS", "NICE", "STATUS", "START", "TIME", "CMDLINE",
    );
    write_line(out, &header, width)?;
    for (_, info) in &rows {
        write_line(out, &row(info, today), width)?;
    }
    Ok(())
}

/// ps.py's template `"{:<10} {:>5} {:>5} {:>7} {:>7} {:>5} {:>6} {:>6} {:>6}  {}"`.
#[allow(clippy::too_many_arguments)]
fn format_row(
    user: &str,
    pid: &str,
    mem: &str,
    vsz: &str,
    rss: &str,
    nice: &str,
    status: &str,
    start: &str,
    time: &str,
    cmd: &str,
) -> String {
    format!("{user:<10} {pid:>5} {mem:>5} {vsz:>7} {rss:>7} {nice:>5} {status:>6} {start:>6} {time:>6}  {cmd}")
}

/// One process's line, with ps.py's rules: blank for unreadable values, nice 0 blank,
/// status cut to 5 characters, START as `%H:%M` today else `%b%d`.
fn row(info: &ProcessInfo, today: LocalTime) -> String {
    let user: String = match &info.username {
        Some(Ok(u)) => u.chars().take(9).collect(),
        _ => String::new(),
    };
    let mem = match info.memory_percent {
        Some(Ok(p)) => format!("{p:.1}"),
        _ => String::new(),
    };
    let (vsz, rss) = match &info.memory_info {
        Some(Ok(m)) => (bytes2human(m.vms), bytes2human(m.rss)),
        _ => (String::new(), String::new()),
    };
    let nice = match info.nice {
        Some(Ok(n)) if n != 0 => n.to_string(),
        _ => String::new(),
    };
    let status: String = match info.status {
        Some(Ok(s)) => s.as_str().chars().take(5).collect(),
        _ => String::new(),
    };
    let start = match info.create_time {
        Some(Ok(t)) => {
            let lt = LocalTime::from_epoch(t);
            if (lt.year, lt.month, lt.day) == (today.year, today.month, today.day) {
                format!("{:02}:{:02}", lt.hour, lt.minute)
            } else {
                format!("{}{:02}", lt.month_abbr(), lt.day)
            }
        }
        _ => String::new(),
    };
    let time = match &info.cpu_times {
        Some(Ok(t)) => {
            // ps.py renders the summed CPU seconds (every field) through
            // localtime as "%M:%S"; only minutes and seconds matter, and they are
            // the same in UTC except in half-hour time zones, where ps.py's quirk
            // shifts the minutes. Use the plain value: minutes modulo 60.
            let total =
                t.user + t.system + t.children_user + t.children_system + t.iowait.unwrap_or(0.0);
            let secs = if total.is_finite() && total > 0.0 {
                total as u64
            } else {
                0
            };
            format!("{:02}:{:02}", secs / 60 % 60, secs % 60)
        }
        _ => String::new(),
    };
    let cmd = match (&info.cmdline, &info.name) {
        (Some(Ok(args)), _) if !args.is_empty() => args.join(" "),
        (_, Some(Ok(name))) => name.clone(),
        _ => String::new(),
    };
    format_row(
        &user,
        &info.pid.to_string(),
        &mem,
        &vsz,
        &rss,
        &nice,
        &status,
        &start,
        &time,
        &cmd,
    )
}
