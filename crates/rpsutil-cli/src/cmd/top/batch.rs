//! `rpsutil top -b`: a [`Frame`] as the text procps top prints in batch mode, so
//! scripts that parse `top -b` keep working. Pure: frame in, lines out.
//!
//! The layout is procps-ng 4's (`top -b -n 1` on Debian 12):
//!
//! ```text
//! top - 21:44:37 up  3:25,  0 user,  load average: 0.06, 0.68, 0.80
//! Tasks:  73 total,   1 running,  72 sleeping,   0 stopped,   0 zombie
//! %Cpu(s):  0.0 us,  0.5 sy,  0.0 ni, 99.5 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st
//! MiB Mem :  24105.6 total,  15459.6 free,    526.8 used,   8489.7 buff/cache
//! MiB Swap:      0.0 total,      0.0 free,      0.0 used.  23578.8 avail Mem
//!
//!   PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
//!     1 root      20   0   41260  12000   6364 S   0.0   0.0   0:47.10 process_api
//! ```
//!
//! "used" is `total - available` (procps 4 and psutil); buff/cache is psutil's
//! buffers + cached (cached includes SReclaimable, as procps's).

use rpsutil::Status;

use super::collect::{Column, Frame, Row};
use crate::cmd::uptime::up_text;
use crate::util::LocalTime;

/// A sort key: procps's field names (`-o %MEM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// `%CPU`.
    Cpu,
    /// `%MEM` (by resident size, as procps).
    Mem,
    /// `PID`.
    Pid,
    /// `TIME+`.
    Time,
    /// `USER`.
    User,
    /// `COMMAND`.
    Command,
    /// `VIRT`.
    Virt,
    /// `RES`.
    Res,
    /// `SHR`.
    Shr,
    /// `NI`.
    Nice,
    /// `PPID`.
    Ppid,
    /// `nTH` (threads).
    Threads,
}

impl SortKey {
    /// Parses procps's `-o` names (case-insensitive, `%` optional).
    pub fn parse(s: &str) -> Option<SortKey> {
        let k = s.trim_start_matches('%').to_ascii_uppercase();
        Some(match k.as_str() {
            "CPU" => SortKey::Cpu,
            "MEM" => SortKey::Mem,
            "PID" => SortKey::Pid,
            "TIME" | "TIME+" => SortKey::Time,
            "USER" => SortKey::User,
            "COMMAND" | "NAME" => SortKey::Command,
            "VIRT" => SortKey::Virt,
            "RES" => SortKey::Res,
            "SHR" => SortKey::Shr,
            "NI" => SortKey::Nice,
            "PPID" => SortKey::Ppid,
            "NTH" | "THR" | "THREADS" => SortKey::Threads,
            _ => return None,
        })
    }

    /// Whether the natural order is high to low (numbers, as procps).
    pub fn descending_by_default(self) -> bool {
        !matches!(self, SortKey::Pid | SortKey::User | SortKey::Command)
    }
}

impl SortKey {
    /// The field name of the filter language and of `live::order` for this key.
    pub fn field(self) -> &'static str {
        match self {
            SortKey::Cpu => "cpu",
            // procps sorts %MEM by resident size.
            SortKey::Mem | SortKey::Res => "rss",
            SortKey::Pid => "pid",
            SortKey::Time => "time",
            SortKey::User => "user",
            SortKey::Command => "name",
            SortKey::Virt => "vms",
            SortKey::Shr => "shr",
            SortKey::Nice => "nice",
            SortKey::Ppid => "ppid",
            SortKey::Threads => "threads",
        }
    }
}

/// Sorts `rows` by `key`, high to low when `descending`; unreadable values last,
/// ties by pid (`live::order::sort_rows`).
pub fn sort(rows: &mut [Row], key: SortKey, descending: bool) {
    crate::live::order::sort_rows(rows, key.field(), descending);
}

/// top's one-letter state.
pub fn state_letter(s: Option<Status>) -> char {
    match s {
        Some(Status::Running) => 'R',
        Some(Status::Sleeping) => 'S',
        Some(Status::DiskSleep) => 'D',
        Some(Status::Stopped) => 'T',
        Some(Status::TracingStop) => 't',
        Some(Status::Zombie) => 'Z',
        Some(Status::Dead) => 'X',
        Some(Status::Idle) => 'I',
        Some(Status::Parked) => 'P',
        Some(Status::Waking) => 'W',
        _ => '?',
    }
}

/// A KiB amount in at most `width` columns: the number, or else the smallest unit
/// (m, g, t) it fits in, with as many decimals as fit (procps also scales a column
/// that overflows).
pub fn kib(bytes: Option<u64>, width: usize) -> String {
    let Some(b) = bytes else {
        return "?".into();
    };
    let k = b / 1024;
    let plain = k.to_string();
    if plain.len() <= width {
        return plain;
    }
    let mut v = k as f64;
    for unit in ['m', 'g', 't', 'p'] {
        v /= 1024.0;
        for decimals in (0..=3).rev() {
            let s = format!("{v:.decimals$}{unit}");
            if s.len() <= width {
                return s;
            }
        }
    }
    "+".repeat(width.min(1))
}

/// TIME+: `M:SS.hh` (minutes may exceed 59), or `H:MM:SS`-style scaling when it
/// does not fit in 9 columns.
pub fn time_plus(secs: Option<f64>) -> String {
    let Some(s) = secs else {
        return "?".into();
    };
    let hundredths = (s * 100.0).round().max(0.0) as u64;
    let minutes = hundredths / 6000;
    let text = format!(
        "{}:{:02}.{:02}",
        minutes,
        hundredths / 100 % 60,
        hundredths % 100
    );
    if text.len() <= 9 {
        return text;
    }
    // Hours and minutes, as procps does for long-running processes.
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// The header lines (5) of a frame.
pub fn header(f: &Frame) -> Vec<String> {
    let t = LocalTime::from_epoch(f.time);
    let mut first = format!(
        "top - {:02}:{:02}:{:02} up {}",
        t.hour,
        t.minute,
        t.second,
        up_text((f.time - f.boot_time).max(0.0) as u64)
    );
    if let Some(n) = f.users {
        // procps top: "0 user", "1 user", "2 users".
        first.push_str(&format!(",  {n} {}", if n > 1 { "users" } else { "user" }));
    }
    if let Some((a, b, c)) = f.getloadavg {
        first.push_str(&format!(",  load average: {a:.2}, {b:.2}, {c:.2}"));
    }
    let t = f.tasks;
    let tasks = format!(
        "{}: {:>3} total, {:>3} running, {:>3} sleeping, {:>3} stopped, {:>3} zombie",
        if f.threads { "Threads" } else { "Tasks" },
        t.total,
        t.running,
        t.sleeping,
        t.stopped,
        t.zombie
    );
    let cpu = match &f.cpu_times_percent {
        Some(c) => {
            let o = |v: Option<f64>| v.unwrap_or(0.0);
            format!(
                "%Cpu(s):{:>5.1} us,{:>5.1} sy,{:>5.1} ni,{:>5.1} id,{:>5.1} wa,{:>5.1} hi,{:>5.1} si,{:>5.1} st ",
                c.user,
                c.system,
                o(c.nice),
                c.idle,
                o(c.iowait),
                o(c.irq),
                o(c.softirq),
                o(c.steal)
            )
        }
        None => "%Cpu(s): ?".to_string(),
    };
    let m = &f.virtual_memory;
    let mib = |b: u64| b as f64 / 1_048_576.0;
    let buff_cache = m.buffers.unwrap_or(0) + m.cached.unwrap_or(0);
    let mem = format!(
        "MiB Mem : {:>8.1} total, {:>8.1} free, {:>8.1} used, {:>8.1} buff/cache     ",
        mib(m.total),
        mib(m.free),
        mib(m.used),
        mib(buff_cache)
    );
    let swap = match &f.swap_memory {
        Some(s) => format!(
            "MiB Swap: {:>8.1} total, {:>8.1} free, {:>8.1} used. {:>8.1} avail Mem ",
            mib(s.total),
            mib(s.free),
            mib(s.used),
            mib(m.available)
        ),
        None => format!(
            "MiB Swap:        ? total,        ? free,        ? used. {:>8.1} avail Mem ",
            mib(m.available)
        ),
    };
    vec![first, tasks, cpu, mem, swap]
}

/// The width of the PID column: the digits of the kernel's `pid_max`, as procps
/// (5 for 32768, 7 for 4194304).
pub fn pid_width(pid_max: Option<u64>) -> usize {
    pid_max.map_or(7, |m| m.saturating_sub(1).max(1).to_string().len().max(5))
}

/// The column header and one line per row, in `rows`' order; `prefixes` (one per
/// row, or none) go before the command: the tree view's drawing.
pub fn table(
    rows: &[Row],
    pid_w: usize,
    full_command: bool,
    prefixes: &[&str],
    columns: &[Column],
) -> Vec<String> {
    let mut out = Vec::with_capacity(rows.len() + 1);
    let mut head = format!(
        "{:>pid_w$} USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ ",
        "PID"
    );
    for c in columns {
        let (name, w) = c.header();
        head.push_str(&format!("{name:>w$} "));
    }
    head.push_str("COMMAND");
    out.push(head);
    for (i, r) in rows.iter().enumerate() {
        let user = r.username.as_deref().unwrap_or("?");
        // procps shows 8 characters of the user name, '+' marking a cut.
        let user = if user.chars().count() > 8 {
            format!("{}+", user.chars().take(7).collect::<String>())
        } else {
            user.to_string()
        };
        let pr = r.nice.map_or("?".to_string(), |n| (20 + n).to_string());
        let ni = r.nice.map_or("?".to_string(), |n| n.to_string());
        let m = r.memory_info;
        let pct = |v: Option<f64>| v.map_or("?".to_string(), |p| format!("{p:.1}"));
        let command = match (&r.cmdline, full_command) {
            (Some(c), true) if !c.is_empty() => c.join(" "),
            _ => r.name.clone(),
        };
        let mut extra = String::new();
        for c in columns {
            let w = c.header().1;
            extra.push_str(&format!("{:>w$} ", cell(r, *c, w)));
        }
        let command = format!("{extra}{}{command}", prefixes.get(i).copied().unwrap_or(""));
        out.push(format!(
            "{:>pid_w$} {:<8} {:>3} {:>3} {:>7} {:>6} {:>6} {} {:>5} {:>5} {:>9} {}",
            r.pid,
            user,
            pr,
            ni,
            kib(m.map(|m| m.vms), 7),
            kib(m.map(|m| m.rss), 6),
            kib(m.and_then(|m| m.shared), 6),
            state_letter(r.status),
            pct(r.cpu_percent),
            pct(r.memory_percent),
            time_plus(r.cpu_seconds()),
            command
        ));
    }
    out
}

/// One extra column's cell (`?` when the value could not be read).
fn cell(r: &Row, c: Column, width: usize) -> String {
    let q = || "?".to_string();
    // KiB per second, scaled as the memory columns are.
    let rate = |v: Option<f64>| v.map_or_else(q, |b| kib(Some(b.max(0.0) as u64), width));
    match c {
        Column::Ppid => r.ppid.map_or_else(q, |p| p.to_string()),
        Column::Threads => r.num_threads.map_or_else(q, |n| n.to_string()),
        Column::Fds => r.extra.num_fds.map_or_else(q, |n| n.to_string()),
        Column::CpuNum => r.extra.cpu_num.map_or_else(q, |n| n.to_string()),
        Column::Start => r.extra.create_time.map_or_else(q, |t| {
            let l = LocalTime::from_epoch(t);
            format!("{:02}:{:02}", l.hour, l.minute)
        }),
        Column::Uss => kib(r.extra.uss, width),
        Column::ReadRate => rate(r.extra.read_bytes_per_sec),
        Column::WriteRate => rate(r.extra.write_bytes_per_sec),
    }
}

/// Cuts a line to `width` columns, marking the cut with `+` as procps does.
pub fn fit(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_string();
    }
    let mut s: String = line.chars().take(width.saturating_sub(1)).collect();
    s.push('+');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_scale_to_fit() {
        assert_eq!(kib(Some(41260 * 1024), 7), "41260");
        assert_eq!(kib(Some(1_204_920 * 1024), 7), "1204920");
        assert_eq!(kib(Some(12_345_678 * 1024), 7), "12056m");
        assert_eq!(kib(Some(1_500_000 * 1024), 6), "1465m");
        assert_eq!(kib(None, 6), "?");
    }

    #[test]
    fn time_plus_like_procps() {
        assert_eq!(time_plus(Some(47.1)), "0:47.10");
        assert_eq!(time_plus(Some(0.0)), "0:00.00");
        assert_eq!(time_plus(Some(3725.5)), "62:05.50");
        // 10,000 minutes no longer fit M:SS.hh in 9 columns: hours and minutes.
        assert_eq!(time_plus(Some(600_000.0)), "166:40");
        assert_eq!(time_plus(None), "?");
    }

    #[test]
    fn pid_width_follows_pid_max() {
        assert_eq!(pid_width(Some(32768)), 5);
        assert_eq!(pid_width(Some(4_194_304)), 7);
        assert_eq!(pid_width(None), 7);
    }

    #[test]
    fn fit_marks_cuts() {
        assert_eq!(fit("abcdef", 6), "abcdef");
        assert_eq!(fit("abcdefg", 6), "abcde+");
    }

    #[test]
    fn sort_keys() {
        assert_eq!(SortKey::parse("%MEM"), Some(SortKey::Mem));
        assert_eq!(SortKey::parse("time+"), Some(SortKey::Time));
        assert_eq!(SortKey::parse("bogus"), None);
    }
}
