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

/// Calls `f(key, value)` for every line of `/proc/meminfo`, in file order, without
/// allocating: the key without its colon, the value in bytes for `kB` lines and as
/// printed otherwise. A line with no space after its colon
/// (`ShadowCallStack:10373888 kB`, seen on some arm64 kernels; psutil bug #2809) is
/// handled.
///
/// Errors: a value that is not a number, or a value in kB that overflows u64 bytes.
pub fn visit_meminfo(data: &[u8], mut f: impl FnMut(&[u8], u64)) -> Result<()> {
    for line in data.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let key = &line[..colon];
        let mut it = fields(&line[colon + 1..]);
        let Some(number) = it.next() else {
            return Err(ParseError::new(format!(
                "meminfo {}: no value",
                String::from_utf8_lossy(key)
            )));
        };
        let value = parse_u64(number, "meminfo")?;
        let value = match it.next() {
            Some(b"kB") => value.checked_mul(1024).ok_or_else(|| {
                ParseError::new(format!(
                    "meminfo {}: overflow",
                    String::from_utf8_lossy(key)
                ))
            })?,
            _ => value,
        };
        f(key, value);
    }
    Ok(())
}

/// The values of `keys` (e.g. `["MemTotal", "MemFree"]`) in one pass, `None` for a
/// key the file lacks; no allocation (the fast path of `virtual_memory`).
pub fn meminfo_values<const N: usize>(data: &[u8], keys: [&str; N]) -> Result<[Option<u64>; N]> {
    let mut out = [None; N];
    visit_meminfo(data, |k, v| {
        if let Some(i) = keys.iter().position(|key| key.as_bytes() == k) {
            out[i] = Some(v);
        }
    })?;
    Ok(out)
}

/// Parses `/proc/meminfo` into all its lines (see [`visit_meminfo`]).
pub fn parse_meminfo(data: &[u8]) -> Result<Meminfo> {
    let mut entries = Vec::with_capacity(64);
    visit_meminfo(data, |k, v| {
        entries.push((String::from_utf8_lossy(k).into_owned(), v))
    })?;
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

    #[test]
    fn values_match_the_full_parse() {
        let data = include_bytes!("../../fixtures/linux/vm-6.18/proc-meminfo");
        let m = parse_meminfo(data).unwrap();
        let [total, avail, none] =
            meminfo_values(data, ["MemTotal", "MemAvailable", "NoSuchKey"]).unwrap();
        assert_eq!(total, m.get("MemTotal"));
        assert_eq!(avail, m.get("MemAvailable"));
        assert_eq!(none, None);
        assert!(meminfo_values(b"MemTotal: x kB\n", ["MemTotal"]).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_meminfo(&data);
        }
    }
}
