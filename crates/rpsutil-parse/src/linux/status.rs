//! `/proc/PID/status` (`man 5 proc`, "/proc/pid/status"): `Key:\tvalue` lines.
//!
//! Only the keys psutil reads are parsed; unknown keys are skipped so that new kernel
//! lines never break the parser.

use crate::util::{fields, parse_i64, parse_u64, trim};
use crate::{ParseError, Result};

/// A (real, effective, saved) triple from the `Uid:` or `Gid:` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdTriple {
    /// Real id.
    pub real: u32,
    /// Effective id.
    pub effective: u32,
    /// Saved set-id.
    pub saved: u32,
}

/// The fields of `/proc/PID/status` used by psutil. A key absent from the file is
/// `None` (older kernels lack some of them).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcStatus {
    /// `Name:` (the command name; escapes `\n` and `\\` as the kernel prints them).
    pub name: Option<Vec<u8>>,
    /// `Tgid:` the thread-group (process) id.
    pub tgid: Option<i64>,
    /// `PPid:` the parent pid.
    pub ppid: Option<i64>,
    /// `Uid:` real, effective, saved (the 4th, filesystem uid, is ignored as psutil does).
    pub uids: Option<IdTriple>,
    /// `Gid:` real, effective, saved.
    pub gids: Option<IdTriple>,
    /// `Threads:` number of threads.
    pub threads: Option<i64>,
    /// `voluntary_ctxt_switches:`.
    pub voluntary_ctxt_switches: Option<u64>,
    /// `nonvoluntary_ctxt_switches:`.
    pub nonvoluntary_ctxt_switches: Option<u64>,
    /// `Cpus_allowed_list:` raw text such as `0-3,8`.
    pub cpus_allowed_list: Option<Vec<u8>>,
    /// `VmSwap:` in bytes.
    pub vm_swap: Option<u64>,
}

fn parse_ids(rest: &[u8], what: &str) -> Result<IdTriple> {
    let mut it = fields(rest);
    let mut next = || -> Result<u32> {
        let f = it
            .next()
            .ok_or_else(|| ParseError::new(format!("status {what}: fewer than 3 ids")))?;
        let v = parse_u64(f, what)?;
        u32::try_from(v).map_err(|_| ParseError::new(format!("status {what}: id out of range")))
    };
    Ok(IdTriple {
        real: next()?,
        effective: next()?,
        saved: next()?,
    })
}

/// Parses the whole text of `/proc/PID/status`.
///
/// Errors: a known key whose value is not in the documented format.
pub fn parse_status(data: &[u8]) -> Result<ProcStatus> {
    let mut st = ProcStatus::default();
    for line in data.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (key, rest) = (&line[..colon], &line[colon + 1..]);
        match key {
            b"Name" => {
                // Only the single leading tab is a separator: names may end in spaces.
                let value = rest.strip_prefix(b"\t").unwrap_or(rest);
                st.name = Some(value.to_vec());
            }
            b"Tgid" => st.tgid = Some(parse_i64(trim(rest), "status Tgid")?),
            b"PPid" => st.ppid = Some(parse_i64(trim(rest), "status PPid")?),
            b"Uid" => st.uids = Some(parse_ids(rest, "Uid")?),
            b"Gid" => st.gids = Some(parse_ids(rest, "Gid")?),
            b"Threads" => st.threads = Some(parse_i64(trim(rest), "status Threads")?),
            b"voluntary_ctxt_switches" => {
                st.voluntary_ctxt_switches =
                    Some(parse_u64(trim(rest), "status voluntary_ctxt_switches")?)
            }
            b"nonvoluntary_ctxt_switches" => {
                st.nonvoluntary_ctxt_switches =
                    Some(parse_u64(trim(rest), "status nonvoluntary_ctxt_switches")?)
            }
            b"Cpus_allowed_list" => st.cpus_allowed_list = Some(trim(rest).to_vec()),
            b"VmSwap" => {
                st.vm_swap = Some(crate::util::parse_kb_value(rest, "status VmSwap")? * 1024)
            }
            _ => {}
        }
    }
    Ok(st)
}

/// Scans only for the `Uid:` line (the cheap path for `username`/`uids`).
pub fn parse_uids_only(data: &[u8]) -> Result<Option<IdTriple>> {
    for line in data.split(|&b| b == b'\n') {
        if let Some(rest) = line.strip_prefix(b"Uid:") {
            return parse_ids(rest, "Uid").map(Some);
        }
    }
    Ok(None)
}

/// Parses a kernel CPU list such as `0-3,8,10-11` (the `Cpus_allowed_list` format,
/// also used by `/sys/devices/system/cpu/online`) into sorted CPU numbers.
///
/// Errors: a range whose end is before its start, a non-number, or more than
/// 1,048,576 CPUs (a guard against absurd input).
pub fn parse_cpu_list(data: &[u8]) -> Result<Vec<u32>> {
    const MAX_CPUS: u64 = 1 << 20;
    let mut cpus = Vec::new();
    for part in trim(data).split(|&b| b == b',') {
        let part = trim(part);
        if part.is_empty() {
            continue;
        }
        let (lo, hi) = match part.iter().position(|&b| b == b'-') {
            Some(dash) => (
                parse_u64(&part[..dash], "cpu list")?,
                parse_u64(&part[dash + 1..], "cpu list")?,
            ),
            None => {
                let v = parse_u64(part, "cpu list")?;
                (v, v)
            }
        };
        if hi < lo || hi >= MAX_CPUS {
            return Err(ParseError::new(format!(
                "cpu list: bad range {:?}",
                String::from_utf8_lossy(part)
            )));
        }
        // Bounded by MAX_CPUS above, so the cast cannot truncate.
        cpus.extend((lo..=hi).map(|c| c as u32));
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(cpus)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PYTHON: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-python-status");
    const ZOMBIE: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-zombie-status");

    #[test]
    fn real_file() {
        let st = parse_status(PYTHON).unwrap();
        assert_eq!(st.name.as_deref(), Some(&b"python3"[..]));
        assert_eq!(st.tgid, Some(2436));
        assert_eq!(
            st.uids,
            Some(IdTriple {
                real: 0,
                effective: 0,
                saved: 0
            })
        );
        assert_eq!(st.threads, Some(1));
        assert_eq!(st.cpus_allowed_list.as_deref(), Some(&b"0-1"[..]));
        assert!(st.voluntary_ctxt_switches.is_some());
        assert!(st.nonvoluntary_ctxt_switches.is_some());
        assert_eq!(st.vm_swap, Some(0));
        assert_eq!(parse_uids_only(PYTHON).unwrap(), st.uids);
    }

    #[test]
    fn zombie_has_no_vm_lines() {
        let st = parse_status(ZOMBIE).unwrap();
        assert_eq!(st.name.as_deref(), Some(&b"sleep"[..]));
        assert_eq!(st.vm_swap, None);
        assert_eq!(st.threads, Some(1));
    }

    #[test]
    fn ids_differ() {
        let st = parse_status(b"Uid:\t1000\t0\t1001\t0\nGid:\t5\t6\t7\t8\n").unwrap();
        assert_eq!(
            st.uids,
            Some(IdTriple {
                real: 1000,
                effective: 0,
                saved: 1001
            })
        );
        assert_eq!(st.gids.map(|g| g.saved), Some(7));
        assert!(parse_status(b"Uid:\t1\t2\n").is_err());
        assert!(parse_status(b"Threads:\tx\n").is_err());
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list(b"0-3,8\n").unwrap(), vec![0, 1, 2, 3, 8]);
        assert_eq!(parse_cpu_list(b"1").unwrap(), vec![1]);
        assert_eq!(parse_cpu_list(b"").unwrap(), Vec::<u32>::new());
        assert!(parse_cpu_list(b"3-1").is_err());
        assert!(parse_cpu_list(b"0-99999999").is_err());
        assert!(parse_cpu_list(b"a").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_status(&data);
            let _ = parse_uids_only(&data);
            let _ = parse_cpu_list(&data);
        }
    }
}
