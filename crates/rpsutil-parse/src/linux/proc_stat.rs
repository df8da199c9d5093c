//! `/proc/stat` (`man 5 proc`, "/proc/stat"): kernel and system statistics.

use crate::util::{fields, parse_u64};
use crate::{ParseError, Result};

/// Returns the `btime` line: the boot time in seconds since the epoch.
///
/// Errors: no `btime` line, or a value that is not a number.
pub fn parse_btime(data: &[u8]) -> Result<u64> {
    for line in data.split(|&b| b == b'\n') {
        if let Some(rest) = line.strip_prefix(b"btime ") {
            let v = fields(rest)
                .next()
                .ok_or_else(|| ParseError::new("stat btime: no value"))?;
            return parse_u64(v, "stat btime");
        }
    }
    Err(ParseError::new("stat: no btime line"))
}

/// Counts the `cpuN` lines (the CPUs the kernel accounts for, i.e. the possible
/// CPUs that have been online; used as psutil's `len(per_cpu_times())`).
pub fn count_cpu_lines(data: &[u8]) -> usize {
    data.split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"cpu") && l.get(3).is_some_and(u8::is_ascii_digit))
        .count()
}

/// The jiffy counters of one `cpu` / `cpuN` line of `/proc/stat`, in clock ticks
/// (`USER_HZ`, `sysconf(_SC_CLK_TCK)`).
///
/// `man 5 proc` documents the columns: `user nice system idle` (always),
/// `iowait` (2.5.41), `irq` and `softirq` (2.6.0), `steal` (2.6.11), `guest` (2.6.24)
/// and `guest_nice` (2.6.33). Columns an older kernel does not print are `None`;
/// psutil sizes its `scputimes` tuple from the number of columns of the first line
/// (see [`CpuTimes::columns`]). Kernel semantics: `user` already includes `guest`
/// and `nice` includes `guest_nice`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuTimes {
    /// Column 1: normal processes in user mode.
    pub user: u64,
    /// Column 2: niced processes in user mode.
    pub nice: u64,
    /// Column 3: kernel mode.
    pub system: u64,
    /// Column 4: idle.
    pub idle: u64,
    /// Column 5: waiting for I/O (Linux 2.5.41+).
    pub iowait: Option<u64>,
    /// Column 6: servicing interrupts (2.6.0+).
    pub irq: Option<u64>,
    /// Column 7: servicing softirqs (2.6.0+).
    pub softirq: Option<u64>,
    /// Column 8: stolen time (2.6.11+).
    pub steal: Option<u64>,
    /// Column 9: running a guest (2.6.24+).
    pub guest: Option<u64>,
    /// Column 10: running a niced guest (2.6.33+).
    pub guest_nice: Option<u64>,
}

impl CpuTimes {
    /// How many of the ten known columns were present (4..=10). psutil's field set is
    /// `user nice system idle iowait irq softirq` plus `steal` if this is ≥ 8, `guest`
    /// if ≥ 9 and `guest_nice` if 10.
    pub fn columns(&self) -> usize {
        4 + [
            self.iowait,
            self.irq,
            self.softirq,
            self.steal,
            self.guest,
            self.guest_nice,
        ]
        .iter()
        .filter(|v| v.is_some())
        .count()
    }
}

/// The CPU lines of `/proc/stat`: the aggregate `cpu` line and one `cpuN` line per
/// CPU that is online (offline CPUs are absent, so indexes need not be contiguous).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuTimesTable {
    /// The first line, `cpu`: the sum over all CPUs.
    pub total: CpuTimes,
    /// `(N, times)` for each `cpuN` line, in file order.
    pub per_cpu: Vec<(u32, CpuTimes)>,
}

/// Parses one `cpu`/`cpuN` line. Returns `None` as the CPU number for the aggregate
/// `cpu` line. Columns past the tenth (none exist today) are ignored.
///
/// Errors: the line does not start with `cpu`, a bad CPU number, fewer than four
/// columns, or a column that is not a number.
pub fn parse_cpu_line(line: &[u8]) -> Result<(Option<u32>, CpuTimes)> {
    let mut it = fields(line);
    let label = it
        .next()
        .ok_or_else(|| ParseError::new("stat cpu: empty line"))?;
    let suffix = label
        .strip_prefix(b"cpu")
        .ok_or_else(|| ParseError::new("stat cpu: line does not start with 'cpu'"))?;
    let cpu = if suffix.is_empty() {
        None
    } else {
        Some(
            u32::try_from(parse_u64(suffix, "stat cpu number")?)
                .map_err(|_| ParseError::new("stat cpu: cpu number out of range"))?,
        )
    };
    let mut v: [Option<u64>; 10] = [None; 10];
    for (slot, field) in v.iter_mut().zip(&mut it) {
        *slot = Some(parse_u64(field, "stat cpu time")?);
    }
    let (Some(user), Some(nice), Some(system), Some(idle)) = (v[0], v[1], v[2], v[3]) else {
        return Err(ParseError::new("stat cpu: fewer than 4 time columns"));
    };
    Ok((
        cpu,
        CpuTimes {
            user,
            nice,
            system,
            idle,
            iowait: v[4],
            irq: v[5],
            softirq: v[6],
            steal: v[7],
            guest: v[8],
            guest_nice: v[9],
        },
    ))
}

/// Parses every `cpu` line of `/proc/stat`.
///
/// Errors: no aggregate `cpu` line, a second one, or a malformed cpu line.
pub fn parse_cpu_times(data: &[u8]) -> Result<CpuTimesTable> {
    let mut total = None;
    let mut per_cpu = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        if !line.starts_with(b"cpu") {
            continue;
        }
        match parse_cpu_line(line)? {
            (None, t) => {
                if total.replace(t).is_some() {
                    return Err(ParseError::new("stat: two aggregate 'cpu' lines"));
                }
            }
            (Some(n), t) => per_cpu.push((n, t)),
        }
    }
    let total = total.ok_or_else(|| ParseError::new("stat: no aggregate 'cpu' line"))?;
    Ok(CpuTimesTable { total, per_cpu })
}

/// The counters psutil's `cpu_stats()` reads from `/proc/stat` (plus the two
/// `procs_*` gauges). Lines missing from the file are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuStats {
    /// `ctxt`: context switches since boot (psutil `ctx_switches`).
    pub ctxt: Option<u64>,
    /// `intr`: the first number, the total of all interrupts serviced (psutil
    /// `interrupts`); the per-IRQ counts that follow are not kept.
    pub intr: Option<u64>,
    /// `softirq`: the first number, the total of all softirqs (psutil
    /// `soft_interrupts`).
    pub softirq: Option<u64>,
    /// `procs_running`: runnable threads right now (2.5.45+).
    pub procs_running: Option<u64>,
    /// `procs_blocked`: threads blocked on I/O right now (2.5.45+).
    pub procs_blocked: Option<u64>,
}

/// Parses the `ctxt`, `intr`, `softirq`, `procs_running` and `procs_blocked` lines.
///
/// Errors: one of those lines has no value or a value that is not a number.
pub fn parse_cpu_stats(data: &[u8]) -> Result<CpuStats> {
    let mut stats = CpuStats::default();
    for line in data.split(|&b| b == b'\n') {
        let mut it = fields(line);
        let (slot, what) = match it.next() {
            Some(b"ctxt") => (&mut stats.ctxt, "stat ctxt"),
            Some(b"intr") => (&mut stats.intr, "stat intr"),
            Some(b"softirq") => (&mut stats.softirq, "stat softirq"),
            Some(b"procs_running") => (&mut stats.procs_running, "stat procs_running"),
            Some(b"procs_blocked") => (&mut stats.procs_blocked, "stat procs_blocked"),
            _ => continue,
        };
        let value = it
            .next()
            .ok_or_else(|| ParseError::new(format!("{what}: no value")))?;
        *slot = Some(parse_u64(value, what)?);
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REAL: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-stat");
    const SEVEN: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-stat-7cols");
    const EIGHT: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-stat-8cols");

    /// The numbers after the label on the line starting with `label ` in `text`.
    fn numbers_of(text: &str, label: &str) -> Vec<u64> {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(label))
            .unwrap();
        line.split_whitespace()
            .skip(1)
            .map(|f| f.parse().unwrap())
            .collect()
    }

    fn as_vec(t: &CpuTimes) -> Vec<u64> {
        let mut v = vec![t.user, t.nice, t.system, t.idle];
        v.extend(
            [t.iowait, t.irq, t.softirq, t.steal, t.guest, t.guest_nice]
                .iter()
                .flatten(),
        );
        v
    }

    #[test]
    fn real_cpu_times() {
        let text = String::from_utf8_lossy(REAL);
        let table = parse_cpu_times(REAL).unwrap();
        assert_eq!(as_vec(&table.total), numbers_of(&text, "cpu"));
        assert_eq!(table.total.columns(), 10);
        assert_eq!(table.per_cpu.len(), count_cpu_lines(REAL));
        for (n, t) in &table.per_cpu {
            assert_eq!(as_vec(t), numbers_of(&text, &format!("cpu{n}")));
        }
        let ids: Vec<u32> = table.per_cpu.iter().map(|(n, _)| *n).collect();
        assert_eq!(ids, (0..ids.len() as u32).collect::<Vec<_>>());
    }

    #[test]
    fn older_kernels_with_fewer_columns() {
        for (data, cols) in [(SEVEN, 7), (EIGHT, 8)] {
            let text = String::from_utf8_lossy(data);
            let table = parse_cpu_times(data).unwrap();
            assert_eq!(table.total.columns(), cols);
            assert_eq!(as_vec(&table.total), numbers_of(&text, "cpu"));
            assert_eq!(table.total.steal.is_some(), cols >= 8);
            assert_eq!(table.total.guest, None);
            assert_eq!(table.total.guest_nice, None);
            for (n, t) in &table.per_cpu {
                assert_eq!(as_vec(t), numbers_of(&text, &format!("cpu{n}")));
            }
        }
        // Four columns (2.4 kernels) is the minimum.
        let (_, t) = parse_cpu_line(b"cpu 1 2 3 4").unwrap();
        assert_eq!(t.columns(), 4);
        assert_eq!(t.iowait, None);
        assert!(parse_cpu_line(b"cpu 1 2 3").is_err());
        // Extra columns from a future kernel are ignored.
        let (n, t) = parse_cpu_line(b"cpu7 1 2 3 4 5 6 7 8 9 10 11 12").unwrap();
        assert_eq!(n, Some(7));
        assert_eq!(t.guest_nice, Some(10));
    }

    #[test]
    fn offline_cpu_gap() {
        let data = b"cpu 2 0 2 2\ncpu0 1 0 1 1\ncpu3 1 0 1 1\nintr 5\n";
        let table = parse_cpu_times(data).unwrap();
        assert_eq!(
            table.per_cpu.iter().map(|p| p.0).collect::<Vec<_>>(),
            [0, 3]
        );
    }

    #[test]
    fn real_cpu_stats() {
        let text = String::from_utf8_lossy(REAL);
        let s = parse_cpu_stats(REAL).unwrap();
        assert_eq!(s.ctxt, Some(numbers_of(&text, "ctxt")[0]));
        assert_eq!(s.intr, Some(numbers_of(&text, "intr")[0]));
        assert_eq!(s.softirq, Some(numbers_of(&text, "softirq")[0]));
        assert_eq!(s.procs_running, Some(numbers_of(&text, "procs_running")[0]));
        assert_eq!(s.procs_blocked, Some(numbers_of(&text, "procs_blocked")[0]));
        // The total covers every per-IRQ count listed after it (and unnumbered ones).
        assert!(s.intr.unwrap() >= *numbers_of(&text, "intr").iter().skip(1).max().unwrap());
    }

    #[test]
    fn cpu_stats_missing_and_malformed() {
        let s = parse_cpu_stats(b"cpu 1 2 3 4\nctxt 9\n").unwrap();
        assert_eq!(s.ctxt, Some(9));
        assert_eq!((s.intr, s.softirq, s.procs_running), (None, None, None));
        assert!(parse_cpu_stats(b"ctxt\n").is_err());
        assert!(parse_cpu_stats(b"intr x 1\n").is_err());
        // `ctxtx` is not `ctxt`.
        assert_eq!(parse_cpu_stats(b"ctxtx 5\n").unwrap().ctxt, None);
    }

    #[test]
    fn malformed_cpu_lines() {
        assert!(parse_cpu_times(b"").is_err());
        assert!(parse_cpu_times(b"cpu0 1 2 3 4\n").is_err());
        assert!(parse_cpu_times(b"cpu 1 2 3 4\ncpu 1 2 3 4\n").is_err());
        assert!(parse_cpu_times(b"cpu 1 2 3 4\ncpux 1 2 3 4\n").is_err());
        assert!(parse_cpu_line(b"cpu 1 2 -3 4").is_err());
        assert!(parse_cpu_line(b"cpu99999999999 1 2 3 4").is_err());
        assert!(parse_cpu_line(b"intr 1 2 3 4").is_err());
    }

    #[test]
    fn real_file() {
        let data = include_bytes!("../../fixtures/linux/vm-6.18/proc-stat");
        let text = String::from_utf8_lossy(data);
        let expect: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("btime "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(parse_btime(data).unwrap(), expect);
        assert_eq!(count_cpu_lines(data), 2);
        assert!(parse_btime(b"cpu 1 2 3\n").is_err());
        assert!(parse_btime(b"btime x\n").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_btime(&data);
            let _ = count_cpu_lines(&data);
            let _ = parse_cpu_times(&data);
            let _ = parse_cpu_line(&data);
            let _ = parse_cpu_stats(&data);
        }
    }
}
