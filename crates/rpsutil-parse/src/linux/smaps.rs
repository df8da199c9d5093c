//! `/proc/PID/smaps` and `/proc/PID/smaps_rollup` (`man 5 proc`, "/proc/pid/smaps").
//!
//! smaps is a list of mappings; each starts with a `/proc/PID/maps` header line
//! (`start-end perms offset dev inode [path]`) followed by `Key:   N kB` lines.
//! smaps_rollup (Linux 4.14+) has one pseudo-mapping with the sums.

use crate::util::{fields, parse_u64, trim};
use crate::{ParseError, Result};

/// USS, PSS and swap of a whole process, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SmapsTotals {
    /// Unique set size: the sum of every `Private_*` line (Private_Clean,
    /// Private_Dirty, Private_Hugetlb), as psutil counts it.
    pub uss: u64,
    /// Proportional set size: the `Pss:` line(s) (not Pss_Anon, Pss_File...).
    pub pss: u64,
    /// The `Swap:` line(s) (not SwapPss).
    pub swap: u64,
}

/// One mapping of `/proc/PID/smaps`, sizes in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MapRegion {
    /// `start-end` in hex, as the kernel prints it.
    pub addr: String,
    /// Permissions such as `r-xp`.
    pub perms: String,
    /// The mapped path, the pseudo-path (`[heap]`, `[stack]`, `[vdso]`...), or empty
    /// for an anonymous mapping. May end in ` (deleted)`.
    pub path: Vec<u8>,
    /// `Rss:`.
    pub rss: u64,
    /// `Size:`.
    pub size: u64,
    /// `Pss:`.
    pub pss: u64,
    /// `Shared_Clean:`.
    pub shared_clean: u64,
    /// `Shared_Dirty:`.
    pub shared_dirty: u64,
    /// `Private_Clean:`.
    pub private_clean: u64,
    /// `Private_Dirty:`.
    pub private_dirty: u64,
    /// `Referenced:`.
    pub referenced: u64,
    /// `Anonymous:`.
    pub anonymous: u64,
    /// `Swap:`.
    pub swap: u64,
    /// `Private_Hugetlb:` (part of USS).
    pub private_hugetlb: u64,
}

/// Splits a `Key: value` line; returns None for a mapping header.
fn key_line(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let first_end = line
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let first = &line[..first_end];
    first
        .strip_suffix(b":")
        .map(|key| (key, &line[first_end..]))
}

fn kb(value: &[u8], key: &[u8]) -> Result<u64> {
    let n = fields(value).next().ok_or_else(|| {
        ParseError::new(format!("smaps {}: no value", String::from_utf8_lossy(key)))
    })?;
    parse_u64(n, "smaps value")?
        .checked_mul(1024)
        .ok_or_else(|| ParseError::new("smaps value: overflow"))
}

/// Parses `smaps_rollup` (or a whole `smaps`) into USS/PSS/swap totals, summing every
/// mapping. Header lines are ignored.
///
/// Errors: a `Private_*`, `Pss:` or `Swap:` line whose value is not a number.
pub fn parse_totals(data: &[u8]) -> Result<SmapsTotals> {
    let mut t = SmapsTotals::default();
    for line in data.split(|&b| b == b'\n') {
        let Some((key, value)) = key_line(line) else {
            continue;
        };
        let slot = if key.starts_with(b"Private_") {
            &mut t.uss
        } else if key == b"Pss" {
            &mut t.pss
        } else if key == b"Swap" {
            &mut t.swap
        } else {
            continue;
        };
        *slot = slot.saturating_add(kb(value, key)?);
    }
    Ok(t)
}

/// Parses a whole `/proc/PID/smaps` into its mappings.
///
/// Errors: a header with fewer than five fields, a size line before any header, or
/// a size line of the keys above whose value is not a number. Keys this parser does
/// not know (`VmFlags`, `THPeligible`, `ProtectionKey`...) are skipped.
pub fn parse_smaps(data: &[u8]) -> Result<Vec<MapRegion>> {
    let mut regions: Vec<MapRegion> = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        if trim(line).is_empty() {
            continue;
        }
        match key_line(line) {
            None => regions.push(parse_header(line)?),
            Some((key, value)) => {
                let region = regions
                    .last_mut()
                    .ok_or_else(|| ParseError::new("smaps: size line before any mapping"))?;
                let slot = match key {
                    b"Rss" => &mut region.rss,
                    b"Size" => &mut region.size,
                    b"Pss" => &mut region.pss,
                    b"Shared_Clean" => &mut region.shared_clean,
                    b"Shared_Dirty" => &mut region.shared_dirty,
                    b"Private_Clean" => &mut region.private_clean,
                    b"Private_Dirty" => &mut region.private_dirty,
                    b"Private_Hugetlb" => &mut region.private_hugetlb,
                    b"Referenced" => &mut region.referenced,
                    b"Anonymous" => &mut region.anonymous,
                    b"Swap" => &mut region.swap,
                    _ => continue,
                };
                *slot = kb(value, key)?;
            }
        }
    }
    Ok(regions)
}

/// Parses a maps header: `start-end perms offset dev inode [path]`. The path is the
/// rest of the line after the inode with leading blanks removed, so paths with spaces
/// are kept whole.
fn parse_header(line: &[u8]) -> Result<MapRegion> {
    let mut rest = line;
    let mut take = || -> Option<&[u8]> {
        let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        let tail = &rest[start..];
        let end = tail
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(tail.len());
        let field = &tail[..end];
        rest = &tail[end..];
        Some(field)
    };
    let (addr, perms) = (take(), take());
    let (offset, dev, inode) = (take(), take(), take());
    let (Some(addr), Some(perms), Some(_), Some(_), Some(_)) = (addr, perms, offset, dev, inode)
    else {
        return Err(ParseError::new(format!(
            "smaps: malformed mapping header {:?}",
            String::from_utf8_lossy(line)
        )));
    };
    if !addr.contains(&b'-') {
        return Err(ParseError::new("smaps: mapping address without '-'"));
    }
    let path = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |p| &rest[p..]);
    Ok(MapRegion {
        addr: String::from_utf8_lossy(addr).into_owned(),
        perms: String::from_utf8_lossy(perms).into_owned(),
        path: path.to_vec(),
        ..MapRegion::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ROLLUP: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-python-smaps_rollup");
    const SMAPS: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-python-smaps");

    #[test]
    fn rollup() {
        let t = parse_totals(ROLLUP).unwrap();
        assert_eq!(t.uss, (5536 + 7912) * 1024);
        assert_eq!(t.pss, 14017 * 1024);
        assert_eq!(t.swap, 0);
    }

    #[test]
    fn full_smaps_matches_its_own_totals() {
        let regions = parse_smaps(SMAPS).unwrap();
        assert!(regions.len() > 20);
        let totals = parse_totals(SMAPS).unwrap();
        let uss: u64 = regions
            .iter()
            .map(|r| r.private_clean + r.private_dirty + r.private_hugetlb)
            .sum();
        assert_eq!(uss, totals.uss);
        assert_eq!(regions.iter().map(|r| r.pss).sum::<u64>(), totals.pss);
        assert!(regions.iter().any(|r| r.path == b"[heap]"));
        assert!(regions.iter().any(|r| r.path.is_empty()));
        let first = &regions[0];
        assert!(first.addr.contains('-'));
        assert_eq!(first.perms.len(), 4);
        assert!(first.size >= first.rss);
    }

    #[test]
    fn path_with_spaces_and_deleted() {
        let data = b"7f00-7f10 r--p 00000000 08:01 42    /tmp/my file (deleted)\nRss:  4 kB\nVmFlags: rd mr\n";
        let r = parse_smaps(data).unwrap();
        assert_eq!(r[0].path, b"/tmp/my file (deleted)");
        assert_eq!(r[0].rss, 4096);
    }

    #[test]
    fn malformed() {
        assert!(parse_smaps(b"Rss: 4 kB\n").is_err());
        assert!(parse_smaps(b"7f00-7f10 r--p\n").is_err());
        assert!(parse_smaps(b"7f00-7f10 r--p 0 08:01 4\nRss: x kB\n").is_err());
        assert!(parse_totals(b"Pss: lots\n").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_smaps(&data);
            let _ = parse_totals(&data);
        }
    }
}
