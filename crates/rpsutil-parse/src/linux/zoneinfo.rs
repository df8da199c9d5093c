//! `/proc/zoneinfo` (`man 5 proc`, "/proc/zoneinfo"; `mm/vmstat.c::zoneinfo_show`):
//! per memory zone page counts and watermarks, in pages.
//!
//! psutil reads it only on kernels whose `/proc/meminfo` lacks `MemAvailable`
//! (before 3.14) or reports it as 0, to estimate available memory the way the
//! kernel 3.14 commit 34e431b0ae39 ("/proc/meminfo: provide estimated available
//! memory") does; see [`calculate_avail_vmem`].

use crate::linux::meminfo::Meminfo;
use crate::util::{fields, parse_u64};
use crate::{ParseError, Result};

/// One `Node N, zone NAME` block. Watermarks are in pages; a block that lacks one
/// (a zone the kernel printed only partially) has `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// The NUMA node number.
    pub node: u32,
    /// The zone name (`DMA`, `DMA32`, `Normal`, `Movable`, `Device`, `HighMem`).
    pub name: String,
    /// `pages free`: free pages in the zone.
    pub free: Option<u64>,
    /// `min` watermark.
    pub min: Option<u64>,
    /// `low` watermark: kswapd wakes up below it.
    pub low: Option<u64>,
    /// `high` watermark: kswapd sleeps above it.
    pub high: Option<u64>,
    /// `managed`: pages managed by the buddy allocator (2.6.x+ kernels).
    pub managed: Option<u64>,
}

fn parse_header(line: &[u8]) -> Result<Option<(u32, String)>> {
    let Some(rest) = line.strip_prefix(b"Node ") else {
        return Ok(None);
    };
    let mut it = fields(rest);
    let node = it
        .next()
        .and_then(|n| n.strip_suffix(b","))
        .ok_or_else(|| ParseError::new("zoneinfo: malformed 'Node N,' header"))?;
    let node = u32::try_from(parse_u64(node, "zoneinfo node")?)
        .map_err(|_| ParseError::new("zoneinfo: node number out of range"))?;
    if it.next() != Some(b"zone") {
        return Err(ParseError::new("zoneinfo: header without 'zone'"));
    }
    let name = it
        .next()
        .ok_or_else(|| ParseError::new("zoneinfo: header without a zone name"))?;
    Ok(Some((node, String::from_utf8_lossy(name).into_owned())))
}

/// Parses the zone headers and the `pages free`, `min`, `low`, `high` and `managed`
/// lines of each zone. Other lines (per-node stats, `protection:`, per-CPU
/// pagesets) are skipped.
///
/// Errors: a malformed `Node N, zone NAME` header, a watermark line without a
/// number, or a watermark line before the first header.
pub fn parse_zoneinfo(data: &[u8]) -> Result<Vec<Zone>> {
    let mut zones: Vec<Zone> = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        if let Some((node, name)) = parse_header(line)? {
            zones.push(Zone {
                node,
                name,
                free: None,
                min: None,
                low: None,
                high: None,
                managed: None,
            });
            continue;
        }
        let mut it = fields(line);
        let key = match it.next() {
            Some(b"pages") => match it.next() {
                Some(b"free") => "free",
                _ => continue,
            },
            Some(b"min") => "min",
            Some(b"low") => "low",
            Some(b"high") => "high",
            Some(b"managed") => "managed",
            _ => continue,
        };
        let value = it
            .next()
            .ok_or_else(|| ParseError::new(format!("zoneinfo {key}: no value")))?;
        let value = parse_u64(value, "zoneinfo")?;
        let zone = zones
            .last_mut()
            .ok_or_else(|| ParseError::new(format!("zoneinfo: '{key}' before any zone")))?;
        let slot = match key {
            "free" => &mut zone.free,
            "min" => &mut zone.min,
            "low" => &mut zone.low,
            "high" => &mut zone.high,
            _ => &mut zone.managed,
        };
        // The first occurrence wins (the watermark block precedes anything else).
        slot.get_or_insert(value);
    }
    Ok(zones)
}

/// psutil's input from `/proc/zoneinfo`: the sum of every `low` line's value, in
/// pages (psutil: `line.strip().startswith(b'low')` → `int(line.split()[1])`; here
/// the first word must be exactly `low`, which matches the same lines in every
/// kernel's format). Multiply by the page size for bytes.
///
/// Errors: a `low` line without a number, or the sum overflows.
pub fn sum_low_watermarks(data: &[u8]) -> Result<u64> {
    let mut sum: u64 = 0;
    for line in data.split(|&b| b == b'\n') {
        let mut it = fields(line);
        if it.next() != Some(b"low") {
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| ParseError::new("zoneinfo low: no value"))?;
        sum = sum
            .checked_add(parse_u64(value, "zoneinfo low")?)
            .ok_or_else(|| ParseError::new("zoneinfo: low watermark sum overflows"))?;
    }
    Ok(sum)
}

/// psutil 7.2.2 `_pslinux.calculate_avail_vmem`: available memory in bytes for
/// kernels without a usable `MemAvailable`, from `/proc/meminfo` (already in bytes
/// in `meminfo`) and `/proc/zoneinfo` (`None` when it could not be read).
///
/// ```text
/// fallback  = MemFree + Cached                        (Cached missing → 0)
/// if Active(file), Inactive(file) or SReclaimable is missing, or no zoneinfo:
///     return fallback
/// low       = Σ low watermarks × page_size
/// pagecache = Active(file) + Inactive(file)
/// avail     = MemFree − low
///           + pagecache − min(pagecache / 2, low)
///           + SReclaimable − min(SReclaimable / 2, low)
/// return int(avail)                                   (float maths, truncated)
/// ```
///
/// The result may be negative; psutil's `virtual_memory()` clamps it to 0 (and
/// to `MemFree` when it exceeds `MemTotal`) — that is the caller's business.
///
/// Errors: `MemFree` missing from `meminfo`, or a malformed zoneinfo (as for
/// [`sum_low_watermarks`]); psutil raises in both cases too.
pub fn calculate_avail_vmem(
    meminfo: &Meminfo,
    zoneinfo: Option<&[u8]>,
    page_size: u64,
) -> Result<i64> {
    let free = meminfo
        .get("MemFree")
        .ok_or_else(|| ParseError::new("meminfo: no MemFree"))?;
    let fallback = free.saturating_add(meminfo.get("Cached").unwrap_or(0));
    let fallback = i64::try_from(fallback).unwrap_or(i64::MAX);
    let (Some(active_file), Some(inactive_file), Some(srecl)) = (
        meminfo.get("Active(file)"),
        meminfo.get("Inactive(file)"),
        meminfo.get("SReclaimable"),
    ) else {
        return Ok(fallback);
    };
    let Some(zoneinfo) = zoneinfo else {
        return Ok(fallback);
    };
    // psutil computes in Python ints and floats; f64 is exact below 2^53 bytes.
    let low = sum_low_watermarks(zoneinfo)? as f64 * page_size as f64;
    let pagecache = active_file as f64 + inactive_file as f64;
    let srecl = srecl as f64;
    let avail = free as f64 - low
        + (pagecache - (pagecache / 2.0).min(low))
        + (srecl - (srecl / 2.0).min(low));
    // `as` saturates at the i64 range and maps NaN to 0.
    Ok(avail.trunc() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linux::meminfo::parse_meminfo;
    use proptest::prelude::*;

    const REAL: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-zoneinfo");
    const OLD_MEMINFO: &[u8] =
        include_bytes!("../../fixtures/linux/vm-6.18/proc-meminfo-no-memavailable");

    /// Values of the lines whose first word is `word`, from the fixture text.
    fn words(text: &str, word: &str) -> Vec<u64> {
        text.lines()
            .filter_map(|l| {
                let mut it = l.split_whitespace();
                (it.next() == Some(word)).then(|| it.next().unwrap().parse().unwrap())
            })
            .collect()
    }

    fn meminfo_kb(text: &str, key: &str) -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:")))
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    #[test]
    fn real_zones() {
        let text = String::from_utf8_lossy(REAL);
        let zones = parse_zoneinfo(REAL).unwrap();
        let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("Node ")).collect();
        assert_eq!(zones.len(), headers.len());
        for (z, h) in zones.iter().zip(&headers) {
            assert!(h.ends_with(&z.name), "{h} vs {}", z.name);
            assert!(h.starts_with(&format!("Node {},", z.node)));
        }
        let lows: Vec<u64> = zones.iter().map(|z| z.low.unwrap()).collect();
        assert_eq!(lows, words(&text, "low"));
        let mins: Vec<u64> = zones.iter().map(|z| z.min.unwrap()).collect();
        assert_eq!(mins, words(&text, "min"));
        let highs: Vec<u64> = zones.iter().map(|z| z.high.unwrap()).collect();
        assert_eq!(highs, words(&text, "high"));
        for z in &zones {
            assert!(z.min <= z.low && z.low <= z.high);
            assert!(z.free.is_some() && z.managed.is_some());
        }
        assert_eq!(sum_low_watermarks(REAL).unwrap(), lows.iter().sum::<u64>());
    }

    #[test]
    fn avail_on_old_kernel_meminfo() {
        let text = String::from_utf8_lossy(OLD_MEMINFO);
        let m = parse_meminfo(OLD_MEMINFO).unwrap();
        assert_eq!(m.get("MemAvailable"), None);
        let zone_text = String::from_utf8_lossy(REAL);
        let low = words(&zone_text, "low").iter().sum::<u64>() as f64 * 4096.0;
        let kb = |k| meminfo_kb(&text, k) as f64 * 1024.0;
        let pc = kb("Active(file)") + kb("Inactive(file)");
        let sr = kb("SReclaimable");
        let expect = kb("MemFree") - low + (pc - (pc / 2.0).min(low)) + (sr - (sr / 2.0).min(low));
        let got = calculate_avail_vmem(&m, Some(REAL), 4096).unwrap();
        assert_eq!(got, expect as i64);
        assert!(got > 0 && (got as f64) <= kb("MemTotal"));
        // Without zoneinfo: MemFree + Cached.
        assert_eq!(
            calculate_avail_vmem(&m, None, 4096).unwrap() as f64,
            kb("MemFree") + kb("Cached")
        );
    }

    #[test]
    fn avail_hand_computed() {
        // free 1000 kB, low 2 pages × 4096 = 8192 B; pagecache 300 kB, SRecl 10 kB.
        let m = parse_meminfo(
            b"MemFree: 1000 kB\nCached: 5 kB\nActive(file): 100 kB\nInactive(file): 200 kB\nSReclaimable: 10 kB\n",
        )
        .unwrap();
        let z = b"Node 0, zone Normal\n  pages free 1\n        low 2\n";
        // 1024000 - 8192 + (307200 - 8192) + (10240 - 5120) = 1319936
        assert_eq!(calculate_avail_vmem(&m, Some(z), 4096).unwrap(), 1_319_936);
        // Missing SReclaimable → fallback MemFree + Cached.
        let m2 = parse_meminfo(b"MemFree: 1000 kB\nCached: 5 kB\n").unwrap();
        assert_eq!(calculate_avail_vmem(&m2, Some(z), 4096).unwrap(), 1_029_120);
        // Huge watermarks drive the estimate negative; the caller clamps.
        let huge = b"Node 0, zone Normal\n        low 100000000\n";
        assert!(calculate_avail_vmem(&m, Some(huge), 4096).unwrap() < 0);
        assert!(calculate_avail_vmem(&Meminfo::default(), Some(z), 4096).is_err());
        assert!(calculate_avail_vmem(&m, Some(b"  low x\n"), 4096).is_err());
    }

    #[test]
    fn malformed() {
        assert!(parse_zoneinfo(b"  low 5\n").is_err());
        assert!(parse_zoneinfo(b"Node x, zone DMA\n").is_err());
        assert!(parse_zoneinfo(b"Node 0 zone DMA\n").is_err());
        assert!(parse_zoneinfo(b"Node 0, zone\n").is_err());
        assert!(parse_zoneinfo(b"Node 0, zone DMA\n low\n").is_err());
        assert!(sum_low_watermarks(b"low\n").is_err());
        assert!(sum_low_watermarks(b"low 18446744073709551615\nlow 1\n").is_err());
        assert_eq!(sum_low_watermarks(b"lowmem 7\n").unwrap(), 0);
        assert_eq!(parse_zoneinfo(b"").unwrap(), vec![]);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300), page in any::<u64>()) {
            let _ = parse_zoneinfo(&data);
            let _ = sum_low_watermarks(&data);
            let m = parse_meminfo(b"MemFree: 1 kB\nActive(file): 1 kB\nInactive(file): 1 kB\nSReclaimable: 1 kB\n").unwrap();
            let _ = calculate_avail_vmem(&m, Some(&data), page);
        }
    }
}
