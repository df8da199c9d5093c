//! `/proc/vmstat` (`man 5 proc`, "/proc/vmstat"): one `name value` pair per line,
//! virtual memory event counters and gauges since boot.

use crate::util::{fields, parse_u64};
use crate::{ParseError, Result};

/// All lines of `/proc/vmstat`, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vmstat {
    /// `(name, value)` pairs.
    pub entries: Vec<(String, u64)>,
}

impl Vmstat {
    /// The value of `key` (e.g. `"pswpin"`).
    pub fn get(&self, key: &str) -> Option<u64> {
        self.entries.iter().find(|(k, _)| k == key).map(|&(_, v)| v)
    }

    /// psutil's `swap_memory()` `(sin, sout)`: `pswpin` / `pswpout` (pages swapped
    /// in / out since boot) times `page_size`, in bytes. psutil 7.2.2 hard-codes
    /// 4096 (its bug: the counters are in pages of `sysconf(_SC_PAGESIZE)`); the
    /// caller chooses. `None` if either line is missing or the product overflows.
    pub fn swap_in_out(&self, page_size: u64) -> Option<(u64, u64)> {
        let sin = self.get("pswpin")?.checked_mul(page_size)?;
        let sout = self.get("pswpout")?.checked_mul(page_size)?;
        Some((sin, sout))
    }
}

/// Calls `f(name, value)` for every line of `/proc/vmstat`, without allocating.
/// Blank lines are skipped.
///
/// Errors: a line with a name but no value, or a value that is not an unsigned
/// decimal number (the kernel prints every value with `%lu`).
pub fn visit_vmstat(data: &[u8], mut f: impl FnMut(&[u8], u64)) -> Result<()> {
    for line in data.split(|&b| b == b'\n') {
        let mut it = fields(line);
        let Some(key) = it.next() else { continue };
        let value = it.next().ok_or_else(|| {
            ParseError::new(format!("vmstat {}: no value", String::from_utf8_lossy(key)))
        })?;
        f(key, parse_u64(value, "vmstat")?);
    }
    Ok(())
}

/// The values of `keys` in one pass, `None` for a missing key; no allocation.
pub fn vmstat_values<const N: usize>(data: &[u8], keys: [&str; N]) -> Result<[Option<u64>; N]> {
    let mut out = [None; N];
    visit_vmstat(data, |k, v| {
        if let Some(i) = keys.iter().position(|key| key.as_bytes() == k) {
            out[i] = Some(v);
        }
    })?;
    Ok(out)
}

/// Parses `/proc/vmstat` into all its lines (see [`visit_vmstat`]).
pub fn parse_vmstat(data: &[u8]) -> Result<Vmstat> {
    let mut entries = Vec::with_capacity(200);
    visit_vmstat(data, |k, v| {
        entries.push((String::from_utf8_lossy(k).into_owned(), v))
    })?;
    Ok(Vmstat { entries })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REAL: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-vmstat");

    fn value_in_text(key: &str) -> u64 {
        String::from_utf8_lossy(REAL)
            .lines()
            .find_map(|l| {
                let mut it = l.split_whitespace();
                (it.next() == Some(key)).then(|| it.next().unwrap().parse().unwrap())
            })
            .unwrap()
    }

    #[test]
    fn real_file() {
        let v = parse_vmstat(REAL).unwrap();
        assert_eq!(
            v.entries.len(),
            String::from_utf8_lossy(REAL).lines().count()
        );
        for key in ["pswpin", "pswpout", "pgpgin", "pgfault", "nr_free_pages"] {
            assert_eq!(v.get(key), Some(value_in_text(key)), "{key}");
        }
        let (sin, sout) = v.swap_in_out(4096).unwrap();
        assert_eq!(sin, value_in_text("pswpin") * 4096);
        assert_eq!(sout, value_in_text("pswpout") * 4096);
        assert_eq!(v.get("no_such_counter"), None);
    }

    #[test]
    fn swap_counters_and_page_size() {
        let v = parse_vmstat(b"pswpin 3\npswpout 5\n\n").unwrap();
        assert_eq!(v.swap_in_out(4096), Some((12288, 20480)));
        assert_eq!(v.swap_in_out(65536), Some((196608, 327680)));
        let big = parse_vmstat(b"pswpin 18446744073709551615\npswpout 0\n").unwrap();
        assert_eq!(big.swap_in_out(2), None);
        assert_eq!(parse_vmstat(b"pswpin 1\n").unwrap().swap_in_out(4096), None);
    }

    #[test]
    fn malformed() {
        assert!(parse_vmstat(b"pswpin\n").is_err());
        assert!(parse_vmstat(b"pswpin -1\n").is_err());
        assert!(parse_vmstat(b"pswpin 1x\n").is_err());
        assert_eq!(parse_vmstat(b"").unwrap().entries, vec![]);
    }

    #[test]
    fn values_match_the_full_parse() {
        let v = parse_vmstat(REAL).unwrap();
        let [a, b] = vmstat_values(REAL, ["pswpin", "nope"]).unwrap();
        assert_eq!(a, v.get("pswpin"));
        assert_eq!(b, None);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300), page in any::<u64>()) {
            if let Ok(v) = parse_vmstat(&data) {
                let _ = v.swap_in_out(page);
            }
        }
    }
}
