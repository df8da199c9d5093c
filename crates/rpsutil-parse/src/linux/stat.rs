//! `/proc/PID/stat` and `/proc/PID/task/TID/stat` (`man 5 proc`, "/proc/pid/stat").
//!
//! The second field, `comm`, is the command name in parentheses. It may itself contain
//! spaces and parentheses (a process may call `prctl(PR_SET_NAME)` with any bytes), so it
//! runs from the first `(` to the **last** `)` of the line; the fixed-format fields
//! follow it.

use crate::util::{fields, parse_i64, parse_u64};
use crate::{ParseError, Result};

/// The fields of `/proc/PID/stat` that psutil uses. Times are in clock ticks
/// (`sysconf(_SC_CLK_TCK)`), memory in bytes or pages as the kernel prints them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcStat {
    /// Field 1: process (or thread) id.
    pub pid: i64,
    /// Field 2: the command name, without the parentheses (raw bytes). The kernel
    /// truncates it to 15 bytes for ordinary processes (TASK_COMM_LEN), but prints
    /// longer names for kernel workqueue threads, so no limit is assumed here.
    pub comm: Vec<u8>,
    /// Field 3: the state letter (`R`, `S`, `D`, `Z`, `T`, `t`, `X`, `x`, `K`, `W`, `I`, `P`).
    pub state: u8,
    /// Field 4: parent pid (0 for the kernel's own threads and for pid 1).
    pub ppid: i64,
    /// Field 5: process group id.
    pub pgrp: i64,
    /// Field 6: session id.
    pub session: i64,
    /// Field 7: the controlling terminal, encoded as the kernel's `dev_t`
    /// (`minor & 0xff | major << 8 | (minor & !0xff) << 12`), 0 for none.
    pub tty_nr: i64,
    /// Field 10: minor page faults.
    pub minflt: u64,
    /// Field 12: major page faults.
    pub majflt: u64,
    /// Field 14: user-mode time in clock ticks.
    pub utime: u64,
    /// Field 15: kernel-mode time in clock ticks.
    pub stime: u64,
    /// Field 16: waited-for children's user time in clock ticks.
    pub cutime: i64,
    /// Field 17: waited-for children's system time in clock ticks.
    pub cstime: i64,
    /// Field 18: kernel scheduling priority.
    pub priority: i64,
    /// Field 19: nice value (-20..19).
    pub nice: i64,
    /// Field 20: number of threads.
    pub num_threads: i64,
    /// Field 22: start time in clock ticks after system boot.
    pub starttime: u64,
    /// Field 23: virtual memory size in bytes.
    pub vsize: u64,
    /// Field 24: resident set size in pages.
    pub rss: i64,
    /// Field 39: the CPU the task last ran on (kernel 2.2.8+).
    pub processor: Option<i64>,
    /// Field 42: aggregated block I/O delays in clock ticks (kernel 2.6.18+); only
    /// non-zero with delay accounting enabled.
    pub delayacct_blkio_ticks: Option<u64>,
}

/// Splits a stat line into (pid, comm, rest-after-comm).
fn split_comm(data: &[u8]) -> Result<(&[u8], &[u8], &[u8])> {
    let open = data
        .iter()
        .position(|&b| b == b'(')
        .ok_or_else(|| ParseError::new("stat: no '(' before the command name"))?;
    let close = data
        .iter()
        .rposition(|&b| b == b')')
        .ok_or_else(|| ParseError::new("stat: no ')' after the command name"))?;
    if close < open {
        return Err(ParseError::new("stat: ')' before '('"));
    }
    Ok((&data[..open], &data[open + 1..close], &data[close + 1..]))
}

/// Parses the whole text of `/proc/PID/stat`.
///
/// Errors: a missing `(`/`)` pair, fewer fields than the 22 every kernel since
/// 2.6 prints, or a field that is not a number.
pub fn parse_stat(data: &[u8]) -> Result<ProcStat> {
    let (pid_part, comm, rest) = split_comm(data)?;
    let pid = parse_i64(crate::util::trim(pid_part), "stat pid")?;
    // Index i in `f` is stat field i + 3 (man 5 proc numbering).
    let mut f: [&[u8]; 40] = [&[]; 40];
    let mut count = 0;
    for field in fields(rest) {
        if count == f.len() {
            break;
        }
        f[count] = field;
        count += 1;
    }
    if count < 22 {
        return Err(ParseError::new(format!(
            "stat: {} fields after the command name, expected at least 22",
            count
        )));
    }
    let state = match f[0] {
        [letter] => *letter,
        other => {
            return Err(ParseError::new(format!(
                "stat: state is not one letter: {:?}",
                String::from_utf8_lossy(other)
            )))
        }
    };
    let optional_i64 = |idx: usize, what: &str| -> Result<Option<i64>> {
        if idx < count {
            parse_i64(f[idx], what).map(Some)
        } else {
            Ok(None)
        }
    };
    Ok(ProcStat {
        pid,
        comm: comm.to_vec(),
        state,
        ppid: parse_i64(f[1], "stat ppid")?,
        pgrp: parse_i64(f[2], "stat pgrp")?,
        session: parse_i64(f[3], "stat session")?,
        tty_nr: parse_i64(f[4], "stat tty_nr")?,
        minflt: parse_u64(f[7], "stat minflt")?,
        majflt: parse_u64(f[9], "stat majflt")?,
        utime: parse_u64(f[11], "stat utime")?,
        stime: parse_u64(f[12], "stat stime")?,
        cutime: parse_i64(f[13], "stat cutime")?,
        cstime: parse_i64(f[14], "stat cstime")?,
        priority: parse_i64(f[15], "stat priority")?,
        nice: parse_i64(f[16], "stat nice")?,
        num_threads: parse_i64(f[17], "stat num_threads")?,
        starttime: parse_u64(f[19], "stat starttime")?,
        vsize: parse_u64(f[20], "stat vsize")?,
        rss: parse_i64(f[21], "stat rss")?,
        processor: optional_i64(36, "stat processor")?,
        delayacct_blkio_ticks: if 39 < count {
            Some(parse_u64(f[39], "stat delayacct_blkio_ticks")?)
        } else {
            None
        },
    })
}

/// Reads only the state letter of a stat line (cheap zombie test).
pub fn parse_state(data: &[u8]) -> Result<u8> {
    let (_, _, rest) = split_comm(data)?;
    fields(rest)
        .next()
        .and_then(|f| if f.len() == 1 { Some(f[0]) } else { None })
        .ok_or_else(|| ParseError::new("stat: no state letter"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SELF: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-self-stat");
    const KTHREAD: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-2-stat");
    const ZOMBIE: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-zombie-stat");

    #[test]
    fn real_process() {
        let s = parse_stat(SELF).unwrap();
        assert_eq!(s.comm, b"cat");
        assert_eq!(s.state, b'R');
        assert_eq!(s.pid, 2350);
        assert_eq!(s.ppid, 2344);
        assert_eq!(s.starttime, 10173);
        assert_eq!(s.vsize, 3133440);
        assert_eq!(s.rss, 379);
        assert_eq!(s.num_threads, 1);
        assert_eq!(s.processor, Some(0));
        assert_eq!(s.delayacct_blkio_ticks, Some(0));
    }

    #[test]
    fn kernel_thread() {
        let s = parse_stat(KTHREAD).unwrap();
        assert_eq!(s.comm, b"kthreadd");
        assert_eq!(s.ppid, 0);
        assert_eq!(s.vsize, 0);
    }

    #[test]
    fn zombie() {
        let s = parse_stat(ZOMBIE).unwrap();
        assert_eq!(s.state, b'Z');
        assert_eq!(parse_state(ZOMBIE).unwrap(), b'Z');
    }

    #[test]
    fn comm_with_spaces_and_parens() {
        // A name like "a) (b" must not shift the fields that follow it.
        let line = b"77 (a) (b c) S 5 77 77 34817 77 4194560 10 0 0 0 11 12 13 14 20 0 3 0 999 4096 7 18446744073709551615";
        let s = parse_stat(line).unwrap();
        assert_eq!(s.comm, b"a) (b c");
        assert_eq!(s.state, b'S');
        assert_eq!(s.ppid, 5);
        assert_eq!(s.tty_nr, 34817);
        assert_eq!((s.utime, s.stime, s.cutime, s.cstime), (11, 12, 13, 14));
        assert_eq!(s.num_threads, 3);
        assert_eq!(s.starttime, 999);
        assert_eq!(s.processor, None);
        assert_eq!(s.delayacct_blkio_ticks, None);
    }

    #[test]
    fn long_kernel_worker_name_is_kept_whole() {
        let line = b"9 (kworker/0:0H-events_highpri) I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 0 -20 1 0 5 0 0 18446744073709551615";
        let s = parse_stat(line).unwrap();
        assert_eq!(s.comm, b"kworker/0:0H-events_highpri");
        assert_eq!(s.state, b'I');
        assert_eq!(s.nice, -20);
    }

    #[test]
    fn malformed() {
        assert!(parse_stat(b"").is_err());
        assert!(parse_stat(b"1 (x S 1").is_err());
        assert!(parse_stat(b"1 x) S 1").is_err());
        assert!(parse_stat(b"1 (x) S 1 2 3").is_err());
        assert!(parse_stat(b"1 )x( S 1 2 3").is_err());
        assert!(parse_stat(b"1 (x) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0 0 0").is_err());
        assert!(parse_state(b"1 (x) ").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_stat(&data);
            let _ = parse_state(&data);
        }

        #[test]
        fn any_comm_round_trips(comm in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut line = b"12 (".to_vec();
            line.extend_from_slice(&comm);
            line.extend_from_slice(b") S 1 12 12 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 77 100 2 0");
            let s = parse_stat(&line).unwrap();
            prop_assert_eq!(s.comm, comm);
            prop_assert_eq!(s.starttime, 77);
        }
    }
}
