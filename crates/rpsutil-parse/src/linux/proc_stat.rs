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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        }
    }
}
