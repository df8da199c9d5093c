//! Helpers shared by the subcommands: psutil's `bytes2human`, the JSON printer,
//! argument parsers (pids, signals), column padding, terminal width and local time.

use std::io::Write;

use serde::Serialize;

use crate::error::{CliError, CliResult};

/// psutil's `_common.bytes2human`: base 1024, symbols `B K M G T P E Z Y`, format
/// `"%.1f%s"` (so `0` is `"0.0B"`, `10000` is `"9.8K"`).
pub fn bytes2human(n: u64) -> String {
    const SYMBOLS: [&str; 9] = ["B", "K", "M", "G", "T", "P", "E", "Z", "Y"];
    // Largest symbol whose threshold (1 << 10*k) the value reaches; the loop stops
    // at E because u64 cannot reach Z (2^70).
    for (k, sym) in SYMBOLS.iter().enumerate().skip(1).rev() {
        let shift = 10 * k as u32;
        if shift < 64 && n >= 1u64 << shift {
            let value = n as f64 / (1u64 << shift) as f64;
            return format!("{value:.1}{sym}");
        }
    }
    format!("{:.1}B", n as f64)
}

/// A float as Python's `str(float)` prints it in the common cases: `1.0` (not `1`),
/// `0.25`, and the shortest digits that round-trip otherwise.
pub fn py_float(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e16 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// One part of a tool that combines several calls: the value, or None when this OS
/// (or Wine, or this kernel) does not have it, after one note on stderr naming the
/// part (`rpsutil: note: swap_memory: not supported: ...`), so the tool still prints
/// what it could read and `--json` gives the part as null. Other errors stay errors.
pub fn part<T>(what: &str, r: rpsutil::Result<T>) -> CliResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e @ rpsutil::Error::Unsupported { .. }) => {
            // A closed stderr must not stop the tool (eprintln! would panic).
            let _ = writeln!(std::io::stderr(), "rpsutil: note: {what}: {e}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Prints `value` as one line of JSON.
pub fn print_json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> CliResult {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Parses a pid argument (clap value parser): a non-negative decimal integer that
/// fits the OS's pid type.
pub fn parse_pid(s: &str) -> Result<rpsutil::Pid, String> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid pid '{s}': expected a non-negative integer"
        ));
    }
    t.parse::<rpsutil::Pid>()
        .ok()
        .filter(|p| i32::try_from(*p).is_ok())
        .ok_or_else(|| format!("invalid pid '{s}': out of range"))
}

/// Parses an interval in seconds (`0.5`, `2`): finite, not negative, at most a day.
/// The subcommands call it themselves so a bad value is one `rpsutil:` line.
pub fn parse_interval(s: &str) -> CliResult<std::time::Duration> {
    let t = s.trim();
    let v: f64 = t
        .parse()
        .map_err(|_| CliError::Usage(format!("invalid interval '{s}': expected seconds")))?;
    if !v.is_finite() || !(0.0..=86_400.0).contains(&v) {
        return Err(CliError::Usage(format!(
            "invalid interval '{s}': expected 0 to 86400 seconds"
        )));
    }
    Ok(std::time::Duration::from_secs_f64(v))
}

/// Parses a positive count of reports (`iostat 1 5`).
pub fn parse_count(s: &str) -> CliResult<u64> {
    s.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| CliError::Usage(format!("invalid count '{s}': expected a positive integer")))
}

/// Opens a process handle, so every subcommand reports an unknown pid the same way
/// (`process PID not found (pid=N)`).
pub fn process(pid: rpsutil::Pid) -> CliResult<rpsutil::Process> {
    Ok(rpsutil::Process::new(pid)?)
}

/// Signal names and numbers (Linux numbering; the same table `kill -l` shows).
#[cfg(unix)]
const SIGNALS: &[(&str, i32)] = &[
    ("HUP", libc::SIGHUP),
    ("INT", libc::SIGINT),
    ("QUIT", libc::SIGQUIT),
    ("ILL", libc::SIGILL),
    ("TRAP", libc::SIGTRAP),
    ("ABRT", libc::SIGABRT),
    ("IOT", libc::SIGABRT),
    ("BUS", libc::SIGBUS),
    ("FPE", libc::SIGFPE),
    ("KILL", libc::SIGKILL),
    ("USR1", libc::SIGUSR1),
    ("SEGV", libc::SIGSEGV),
    ("USR2", libc::SIGUSR2),
    ("PIPE", libc::SIGPIPE),
    ("ALRM", libc::SIGALRM),
    ("TERM", libc::SIGTERM),
    ("CHLD", libc::SIGCHLD),
    ("CONT", libc::SIGCONT),
    ("STOP", libc::SIGSTOP),
    ("TSTP", libc::SIGTSTP),
    ("TTIN", libc::SIGTTIN),
    ("TTOU", libc::SIGTTOU),
    ("URG", libc::SIGURG),
    ("XCPU", libc::SIGXCPU),
    ("XFSZ", libc::SIGXFSZ),
    ("VTALRM", libc::SIGVTALRM),
    ("PROF", libc::SIGPROF),
    ("WINCH", libc::SIGWINCH),
    ("IO", libc::SIGIO),
    ("SYS", libc::SIGSYS),
    #[cfg(any(target_os = "linux", target_os = "android"))]
    ("POLL", libc::SIGPOLL),
    #[cfg(any(target_os = "linux", target_os = "android"))]
    ("PWR", libc::SIGPWR),
    #[cfg(any(target_os = "linux", target_os = "android"))]
    ("STKFLT", libc::SIGSTKFLT),
];

/// Windows has no signals; psutil maps SIGTERM and SIGKILL (and CTRL events) there.
#[cfg(not(unix))]
const SIGNALS: &[(&str, i32)] = &[("INT", 2), ("KILL", 9), ("TERM", 15)];

/// Highest signal number accepted as a number (Linux `SIGRTMAX`).
const MAX_SIGNAL: i32 = 64;

/// Parses a signal given as a number (`9`), a name (`KILL`, `kill`) or a name with
/// the `SIG` prefix (`SIGKILL`). Signal 0 (existence check) is allowed.
pub fn parse_signal(s: &str) -> CliResult<i32> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i32>() {
        if (0..=MAX_SIGNAL).contains(&n) {
            return Ok(n);
        }
        return Err(CliError::Usage(format!("invalid signal number {n}")));
    }
    let upper = t.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, num)| num)
        .ok_or_else(|| CliError::Usage(format!("unknown signal '{s}'")))
}

/// The terminal's width in columns when stdout is a terminal, else None (output to a
/// pipe or file is never cut).
pub fn term_width() -> Option<usize> {
    #[cfg(unix)]
    {
        // SAFETY: isatty only inspects the descriptor number.
        if unsafe { libc::isatty(libc::STDOUT_FILENO) } != 1 {
            return None;
        }
        // SAFETY: an all-zero winsize is a valid value of this plain C struct.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        // SAFETY: TIOCGWINSZ writes one winsize into the pointer we pass, which
        // points to a live, writable winsize.
        let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
        if rc == 0 && ws.ws_col > 0 {
            return Some(usize::from(ws.ws_col));
        }
        None
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Writes `line` cut to `width` characters (if a width is given) and a newline.
pub fn write_line(out: &mut dyn Write, line: &str, width: Option<usize>) -> CliResult {
    match width {
        Some(w) if line.chars().count() > w => {
            let cut: String = line.chars().take(w).collect();
            writeln!(out, "{cut}")?;
        }
        _ => writeln!(out, "{line}")?,
    }
    Ok(())
}

/// Which side of a column a cell sticks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns: padding after the cell (`{:<w}`).
    Left,
    /// Numeric columns: padding before the cell (`{:>w}`).
    Right,
}

/// Appends `cell` to `line`, padded with spaces to `width` characters (counted as
/// `char`s, as the formatter counts them); a cell already that wide or wider is
/// appended whole, never cut.
///
/// Every column width computed from data goes through here rather than through a
/// `{:w$}` format argument: the formatter panics ("Formatting argument out of
/// range") for a width above `u16::MAX`, and a mount table or a process can hold a
/// longer string than that. Constant widths written in a format string are fine.
pub fn push_padded(line: &mut String, cell: &str, width: usize, align: Align) {
    let fill = width.saturating_sub(cell.chars().count());
    line.reserve(cell.len().saturating_add(fill));
    if align == Align::Right {
        line.extend(std::iter::repeat_n(' ', fill));
    }
    line.push_str(cell);
    if align == Align::Left {
        line.extend(std::iter::repeat_n(' ', fill));
    }
}

/// A broken-down local time (what C's `localtime` gives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// Full year, e.g. 2025.
    pub year: i64,
    /// Month 1-12.
    pub month: u32,
    /// Day of month 1-31.
    pub day: u32,
    /// Hour 0-23.
    pub hour: u32,
    /// Minute 0-59.
    pub minute: u32,
    /// Second 0-60.
    pub second: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl LocalTime {
    /// The local time of `epoch` seconds (UTC where the C library is not used).
    pub fn from_epoch(epoch: f64) -> LocalTime {
        let secs = if epoch.is_finite() {
            epoch.floor() as i64
        } else {
            0
        };
        #[cfg(unix)]
        {
            if let Some(t) = localtime_unix(secs) {
                return t;
            }
        }
        utc(secs)
    }

    /// `strftime("%b")`: the month's English abbreviation.
    pub fn month_abbr(&self) -> &'static str {
        MONTHS
            .get((self.month as usize).wrapping_sub(1))
            .copied()
            .unwrap_or("???")
    }

    /// `%Y-%m-%d %H:%M`.
    pub fn ymd_hm(&self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute
        )
    }
}

#[cfg(unix)]
fn localtime_unix(secs: i64) -> Option<LocalTime> {
    // time_t is 32 bits on some targets, where the conversion can fail.
    #[allow(clippy::useless_conversion)]
    let t: libc::time_t = secs.try_into().ok()?;
    // SAFETY: an all-zero tm is a valid value of this plain C struct.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live locals; localtime_r is the thread-safe variant
    // and writes only into `tm`.
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    if r.is_null() {
        return None;
    }
    Some(LocalTime {
        year: i64::from(tm.tm_year) + 1900,
        month: u32::try_from(tm.tm_mon + 1).ok()?,
        day: u32::try_from(tm.tm_mday).ok()?,
        hour: u32::try_from(tm.tm_hour).ok()?,
        minute: u32::try_from(tm.tm_min).ok()?,
        second: u32::try_from(tm.tm_sec).ok()?,
    })
}

/// UTC broken-down time (Howard Hinnant's days-to-civil algorithm).
fn utc(secs: i64) -> LocalTime {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    LocalTime {
        year,
        month: month as u32,
        day: day as u32,
        hour: (rem / 3600) as u32,
        minute: (rem % 3600 / 60) as u32,
        second: (rem % 60) as u32,
    }
}

/// Seconds since the epoch, now.
pub fn now_epoch() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The value of a snapshot field, or None when it was not read or was unreadable
/// (AccessDenied, zombie): what psutil's scripts print as blank.
pub fn field<T>(f: &rpsutil::Field<T>) -> Option<&T> {
    match f {
        Some(Ok(v)) => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_part_is_none_other_errors_stay() {
        assert_eq!(part("x", Ok(5)).ok(), Some(Some(5)));
        let missing: rpsutil::Result<u8> = Err(rpsutil::Error::Unsupported {
            what: "swap_memory on windows".into(),
        });
        assert_eq!(part("swap_memory", missing).ok(), Some(None));
        let denied: rpsutil::Result<u8> = Err(rpsutil::Error::AccessDenied {
            pid: Some(1),
            name: None,
            msg: String::new(),
        });
        assert!(matches!(
            part("x", denied),
            Err(CliError::Lib(rpsutil::Error::AccessDenied { .. }))
        ));
    }

    #[test]
    fn bytes2human_matches_psutil() {
        assert_eq!(bytes2human(0), "0.0B");
        assert_eq!(bytes2human(1023), "1023.0B");
        assert_eq!(bytes2human(1024), "1.0K");
        assert_eq!(bytes2human(10000), "9.8K");
        assert_eq!(bytes2human(100001221), "95.4M");
        assert_eq!(bytes2human(1 << 60), "1.0E");
        assert_eq!(bytes2human(u64::MAX), "16.0E");
    }

    #[test]
    fn signals() {
        assert_eq!(parse_signal("TERM").ok(), Some(15));
        assert_eq!(parse_signal("sigkill").ok(), Some(9));
        assert_eq!(parse_signal("9").ok(), Some(9));
        assert_eq!(parse_signal("0").ok(), Some(0));
        assert!(parse_signal("NOPE").is_err());
        assert!(parse_signal("-1").is_err());
        assert!(parse_signal("65").is_err());
    }

    #[test]
    fn pids() {
        assert_eq!(parse_pid("42"), Ok(42));
        assert!(parse_pid("-1").is_err());
        assert!(parse_pid("abc").is_err());
        assert!(parse_pid("").is_err());
        assert!(parse_pid("99999999999").is_err());
        assert!(parse_pid("4294967295").is_err());
    }

    #[test]
    fn intervals() {
        assert_eq!(
            parse_interval("0.5").ok(),
            Some(std::time::Duration::from_millis(500))
        );
        assert_eq!(parse_interval("0").ok(), Some(std::time::Duration::ZERO));
        for bad in ["", "abc", "-1", "nan", "inf", "1e9"] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_count("3").ok(), Some(3));
        assert!(parse_count("0").is_err());
        assert!(parse_count("-2").is_err());
    }

    /// `cell` padded to `width`: [`push_padded`] into a new string.
    fn padded(cell: &str, width: usize, align: Align) -> String {
        let mut s = String::new();
        push_padded(&mut s, cell, width, align);
        s
    }

    #[test]
    fn padding_matches_the_formatter() {
        for (cell, width) in [
            ("", 0),
            ("", 3),
            ("ab", 0),
            ("ab", 2),
            ("ab", 5),
            ("é€x", 6),
        ] {
            assert_eq!(padded(cell, width, Align::Left), format!("{cell:<width$}"));
            assert_eq!(padded(cell, width, Align::Right), format!("{cell:>width$}"));
        }
        let mut line = String::from("x");
        push_padded(&mut line, "ab", 4, Align::Right);
        push_padded(&mut line, "c", 3, Align::Left);
        assert_eq!(line, "x  abc  ");
    }

    /// Widths the formatter refuses (above u16::MAX) pad all the same, and a cell
    /// longer than that is kept whole.
    #[test]
    fn padding_beyond_u16_max() {
        let wide = usize::from(u16::MAX) + 1;
        let left = padded("ab", wide, Align::Left);
        assert_eq!(left.len(), wide);
        assert!(left.starts_with("ab ") && left.trim_end() == "ab");
        let right = padded("ab", 70_000, Align::Right);
        assert_eq!(right.len(), 70_000);
        assert!(right.ends_with(" ab") && right.trim_start() == "ab");
        let long = "y".repeat(70_001);
        assert_eq!(padded(&long, 70_000, Align::Left), long);
        assert_eq!(padded(&long, 70_001, Align::Right), long);
        assert_eq!(padded(&long, 70_002, Align::Left), long.clone() + " ");
        assert_eq!(padded(&long, 70_002, Align::Right), " ".to_string() + &long);
        // Multi-byte characters count once each, as in the formatter.
        let accents = "é".repeat(70_000);
        let p = padded(&accents, 70_003, Align::Left);
        assert_eq!(p.chars().count(), 70_003);
        assert!(p.starts_with(&accents) && p.ends_with("   "));
    }

    #[test]
    fn utc_dates() {
        assert_eq!(
            utc(0),
            LocalTime {
                year: 1970,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0
            }
        );
        let t = utc(1_700_000_000);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute),
            (2023, 11, 14, 22, 13)
        );
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(0.25), "0.25");
    }
}
