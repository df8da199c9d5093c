//! `/proc/meminfo` (`man 5 proc`, "/proc/meminfo"): `Key:   N kB` lines.

use crate::util::{fields, parse_u64};
use crate::{ParseError, Result};

/// All lines of `/proc/meminfo`, in file order. Values carrying a `kB` unit are
/// converted to bytes; unit-less values (`HugePages_Total`) are kept as printed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Meminfo {
    /// `(key, value)` pairs; the key is without its colon.
    pub entries: Vec<(String, u64)>,
}

impl Meminfo {
    /// The value of `key` (e.g. `"MemTotal"`), in bytes for `kB` lines.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.entries.iter().find(|(k, _)| k == key).map(|&(_, v)| v)
    }
}

/// Parses `/proc/meminfo`. A line with no space after its colon
/// (`ShadowCallStack:10373888 kB`, seen on some arm64 kernels; psutil bug #2809)
/// is handled.
///
/// Errors: a value that is not a number, or a value in kB that overflows u64 bytes.
pub fn parse_meminfo(data: &[u8]) -> Result<Meminfo> {
    let mut entries = Vec::with_capacity(64);
    for line in data.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let key = String::from_utf8_lossy(&line[..colon]).into_owned();
        let mut it = fields(&line[colon + 1..]);
        let Some(number) = it.next() else {
            return Err(ParseError::new(format!("meminfo {key}: no value")));
        };
        let value = parse_u64(number, "meminfo")?;
        let value = match it.next() {
            Some(b"kB") => value
                .checked_mul(1024)
                .ok_or_else(|| ParseError::new(format!("meminfo {key}: overflow")))?,
            _ => value,
        };
        entries.push((key, value));
    }
    Ok(Meminfo { entries })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_file() {
        let data = include_bytes!("../../fixtures/linux/vm-6.18/proc-meminfo");
        let m = parse_meminfo(data).unwrap();
        let text = String::from_utf8_lossy(data);
        let kb: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .unwrap()
            .trim()
            .trim_end_matches(" kB")
            .parse()
            .unwrap();
        assert_eq!(m.get("MemTotal"), Some(kb * 1024));
        assert!(m.get("MemAvailable").is_some());
        assert_eq!(m.get("NoSuchKey"), None);
    }

    #[test]
    fn no_space_after_colon() {
        let m = parse_meminfo(
            b"MemTotal: 10 kB\nShadowCallStack:10373888 kB\nHugePages_Total:       0\n",
        )
        .unwrap();
        assert_eq!(m.get("ShadowCallStack"), Some(10373888 * 1024));
        assert_eq!(m.get("HugePages_Total"), Some(0));
        assert!(parse_meminfo(b"MemTotal: x kB\n").is_err());
        assert!(parse_meminfo(b"MemTotal:\n").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_meminfo(&data);
        }
    }
}
