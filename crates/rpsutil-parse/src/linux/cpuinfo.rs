//! `/proc/cpuinfo` (`man 5 proc`, "/proc/cpuinfo"): architecture-dependent
//! `key<TAB>: value` lines, one block per logical processor, blocks separated by a
//! blank line. Also the pure part of psutil's `cpu_count(logical=False)` that works
//! on `/sys/devices/system/cpu/cpu*/topology/core_cpus_list` contents.

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{parse_u64, trim};
use crate::{ParseError, Result};

/// One processor block: `(key, value)` pairs in file order, both stripped of
/// surrounding whitespace (x86 pads keys with tabs: `cpu MHz\t\t: 2596.122`).
/// A line without a colon is kept as a key with an empty value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuinfoBlock {
    /// The lines of the block.
    pub entries: Vec<(String, String)>,
}

impl CpuinfoBlock {
    /// The value of the first line whose key equals `key` (case-sensitive).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn split_kv(line: &[u8]) -> (&[u8], &[u8]) {
    match line.iter().position(|&b| b == b':') {
        Some(c) => (
            trim(line.get(..c).unwrap_or_default()),
            trim(line.get(c + 1..).unwrap_or_default()),
        ),
        None => (trim(line), &[][..]),
    }
}

/// Splits `/proc/cpuinfo` into blocks (a blank line ends a block; blocks with no
/// lines are dropped). On x86 each block is one logical processor; on other
/// architectures there may be a leading or trailing system-wide block.
pub fn parse_cpuinfo(data: &[u8]) -> Vec<CpuinfoBlock> {
    let mut blocks = Vec::new();
    let mut current = CpuinfoBlock::default();
    for line in data.split(|&b| b == b'\n') {
        if trim(line).is_empty() {
            if !current.entries.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
            continue;
        }
        let (k, v) = split_kv(line);
        current.entries.push((
            String::from_utf8_lossy(k).into_owned(),
            String::from_utf8_lossy(v).into_owned(),
        ));
    }
    if !current.entries.is_empty() {
        blocks.push(current);
    }
    blocks
}

/// psutil's logical-count fallback: the number of lines starting,
/// case-insensitively, with `processor`.
pub fn count_processor_lines(data: &[u8]) -> usize {
    data.split(|&b| b == b'\n')
        .filter(|l| {
            l.get(..9)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"processor"))
        })
        .count()
}

/// psutil's first `cpu_count(logical=False)` method: the number of distinct
/// contents (whitespace-stripped) of the `topology/core_cpus_list` files (or
/// `thread_siblings_list` on kernels before 5.6) of every CPU. Each distinct list
/// is one physical core. 0 when no list was given (psutil then falls back to
/// [`cores_from_cpuinfo`]).
pub fn count_unique_sibling_lists<'a, I>(lists: I) -> usize
where
    I: IntoIterator<Item = &'a [u8]>,
{
    lists
        .into_iter()
        .map(trim)
        .collect::<BTreeSet<&[u8]>>()
        .len()
}

/// psutil's second `cpu_count(logical=False)` method: per block, the
/// `physical id` and `cpu cores` values (keys matched case-insensitively) build a
/// map `{physical id: cpu cores}`, and the result is the sum of its values (0 when
/// no block has both keys; psutil then reports `None`).
///
/// psutil splits those lines at `"\t:"`, which fails on s390x's `" :"` (psutil
/// bug #2770); here any colon works. psutil also only records a block when it sees
/// the blank line ending it; a final block without one is counted here too.
///
/// Errors: a `physical id` or `cpu cores` value that is not a decimal number
/// (psutil raises `ValueError`).
pub fn cores_from_cpuinfo(data: &[u8]) -> Result<u64> {
    let mut map: BTreeMap<u64, u64> = BTreeMap::new();
    for block in parse_cpuinfo(data) {
        let mut phys = None;
        let mut cores = None;
        for (k, v) in &block.entries {
            let slot = if k.eq_ignore_ascii_case("physical id") {
                &mut phys
            } else if k.eq_ignore_ascii_case("cpu cores") {
                &mut cores
            } else {
                continue;
            };
            *slot = Some(parse_u64(v.as_bytes(), "cpuinfo")?);
        }
        if let (Some(p), Some(c)) = (phys, cores) {
            map.insert(p, c);
        }
    }
    map.values()
        .try_fold(0u64, |acc, &c| acc.checked_add(c))
        .ok_or_else(|| ParseError::new("cpuinfo: core count overflows"))
}

/// The number of distinct `(physical id, core id)` pairs — the physical core count
/// on x86 when sysfs topology is unavailable and `cpu cores` is missing. Blocks
/// lacking either key are ignored; 0 when none has both.
pub fn count_unique_core_ids(data: &[u8]) -> usize {
    parse_cpuinfo(data)
        .iter()
        .filter_map(|b| Some((b.get("physical id")?, b.get("core id")?)))
        .collect::<BTreeSet<_>>()
        .len()
}

/// psutil's `cpu_freq()` cpuinfo source: the value of every line starting,
/// case-insensitively, with `cpu mhz`, in file order (one per processor on x86).
///
/// Errors: such a line without a colon or whose value is not a float.
pub fn cpu_mhz(data: &[u8]) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        if !line
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"cpu mhz"))
        {
            continue;
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| ParseError::new("cpuinfo: 'cpu MHz' line without ':'"))?;
        let value = trim(line.get(colon + 1..).unwrap_or_default());
        let mhz = std::str::from_utf8(value)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(|| {
                ParseError::new(format!(
                    "cpuinfo: bad MHz value {:?}",
                    String::from_utf8_lossy(value)
                ))
            })?;
        out.push(mhz);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REAL: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-cpuinfo");

    fn values(text: &str, key: &str) -> Vec<String> {
        text.lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    #[test]
    fn real_blocks() {
        let text = String::from_utf8_lossy(REAL);
        let blocks = parse_cpuinfo(REAL);
        let procs = values(&text, "processor");
        assert_eq!(blocks.len(), procs.len());
        assert_eq!(count_processor_lines(REAL), procs.len());
        for (b, p) in blocks.iter().zip(&procs) {
            assert_eq!(b.get("processor"), Some(p.as_str()));
            assert!(b.get("flags").is_some_and(|f| f.contains("fpu")));
            // `power management:` has an empty value.
            assert_eq!(b.get("power management"), Some(""));
        }
        let names = values(&text, "model name");
        assert_eq!(blocks[0].get("model name"), Some(names[0].as_str()));
    }

    #[test]
    fn real_core_counts() {
        let text = String::from_utf8_lossy(REAL);
        // {physical id: cpu cores} summed, computed from the text.
        let phys = values(&text, "physical id");
        let cores = values(&text, "cpu cores");
        let map: BTreeMap<&String, u64> = phys
            .iter()
            .zip(&cores)
            .map(|(p, c)| (p, c.parse().unwrap()))
            .collect();
        assert_eq!(cores_from_cpuinfo(REAL).unwrap(), map.values().sum::<u64>());
        let pairs: BTreeSet<(String, String)> =
            phys.iter().cloned().zip(values(&text, "core id")).collect();
        assert_eq!(count_unique_core_ids(REAL), pairs.len());
    }

    #[test]
    fn real_mhz() {
        let text = String::from_utf8_lossy(REAL);
        let want: Vec<f64> = values(&text, "cpu MHz")
            .iter()
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(cpu_mhz(REAL).unwrap(), want);
        assert_eq!(cpu_mhz(b"CPU MHZ : 12.5\n").unwrap(), vec![12.5]);
        assert!(cpu_mhz(b"cpu MHz\t: fast\n").is_err());
        assert!(cpu_mhz(b"cpu MHz 100\n").is_err());
        assert_eq!(cpu_mhz(b"processor : 0\n").unwrap(), Vec::<f64>::new());
    }

    #[test]
    fn sibling_lists() {
        // Two hyper-threaded cores: cpu0/cpu2 share "0,2", cpu1/cpu3 share "1,3".
        let lists: [&[u8]; 4] = [b"0,2\n", b"1,3\n", b"0,2\n", b"1,3"];
        assert_eq!(count_unique_sibling_lists(lists), 2);
        let ranges: [&[u8]; 3] = [b"0-1\n", b"0-1\n", b"2-3\n"];
        assert_eq!(count_unique_sibling_lists(ranges), 2);
        assert_eq!(count_unique_sibling_lists(std::iter::empty::<&[u8]>()), 0);
    }

    #[test]
    fn multi_socket_and_odd_formats() {
        // Two sockets with 4 cores each; the same socket repeated counts once.
        let data = b"processor\t: 0\nphysical id\t: 0\ncpu cores\t: 4\n\nprocessor\t: 1\nphysical id\t: 1\ncpu cores\t: 4\n\nprocessor\t: 2\nphysical id\t: 0\ncpu cores\t: 4\n";
        assert_eq!(cores_from_cpuinfo(data).unwrap(), 8);
        // s390x-style " :" separator and upper-case keys.
        assert_eq!(
            cores_from_cpuinfo(b"Physical ID : 0\nCPU cores : 2\n\n").unwrap(),
            2
        );
        // No topology keys at all (arm64): 0.
        assert_eq!(
            cores_from_cpuinfo(b"processor : 0\nBogoMIPS : 50\n\n").unwrap(),
            0
        );
        assert!(cores_from_cpuinfo(b"physical id : x\ncpu cores : 2\n").is_err());
        assert_eq!(
            count_unique_core_ids(b"physical id: 0\ncore id: 0\n\nphysical id: 0\ncore id: 0\n"),
            1
        );
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_cpuinfo(&data);
            let _ = count_processor_lines(&data);
            let _ = cores_from_cpuinfo(&data);
            let _ = count_unique_core_ids(&data);
            let _ = cpu_mhz(&data);
            let _ = count_unique_sibling_lists(data.split(|&b| b == 0));
        }
    }
}
