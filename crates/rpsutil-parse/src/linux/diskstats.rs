//! `/proc/diskstats` (`man 5 proc`, "/proc/diskstats";
//! `Documentation/admin-guide/iostats.rst`, `Documentation/ABI/testing/procfs-diskstats`)
//! and the per-device `/sys/block/DEV/stat` files (`Documentation/block/stat.rst`).
//!
//! A `/proc/diskstats` line is `major minor name` followed by counters; how many
//! depends on the kernel:
//!
//! | fields | kernel | counters after the name |
//! |---|---|---|
//! | 14 | 2.6.25+ | reads, reads merged, sectors read, ms reading, writes, writes merged, sectors written, ms writing, I/Os in flight, ms doing I/O (`io_ticks`), weighted ms |
//! | 18 | 4.18+ | the 11 above + discards, discards merged, sectors discarded, ms discarding |
//! | 20 | 5.5+ | the 15 above + flushes, ms flushing |
//! | 7 | 2.6 before 2.6.25, partitions only | reads, sectors read, writes, sectors written |
//! | 15 | 2.4 (`/proc/partitions`) | `major minor #blocks name` + the 11 counters of the 14-field layout |
//!
//! psutil 7.2.2 (`_pslinux.disk_io_counters`) accepts 14 or ≥ 18 fields as the
//! modern layout, 7 as the partition layout and 15 as the 2.4 layout, and rejects
//! anything else. One difference: for 15-field lines psutil takes `reads` from the
//! third field, which in the 2.4 format is `#blocks`, and shifts the other counters
//! by one; this parser reads them where the 2.4 kernel printed them. (No kernel that
//! can run this code prints that layout.)
//!
//! Sector counts are always in 512-byte units, whatever the device's sector size
//! (psutil multiplies by a fixed 512).

use crate::util::{fields, parse_u64};
use crate::{ParseError, Result};

/// Which layout a line had (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskstatsLayout {
    /// 14 fields (2.6.25+).
    Classic,
    /// 18 or 19 fields (4.18+): with discard counters.
    Discard,
    /// 20 or more fields (5.5+): with discard and flush counters.
    Flush,
    /// 7 fields: a partition line of a 2.6 kernel before 2.6.25.
    OldPartition,
    /// 15 fields: Linux 2.4 `/proc/partitions` with statistics.
    Linux24,
}

/// The counters of one block device. Times are in milliseconds; sectors are
/// 512-byte units. Counters that the layout does not carry are 0 (as psutil reports
/// them) or `None` for the newer optional groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiskCounters {
    /// Reads completed (psutil `read_count`).
    pub reads: u64,
    /// Adjacent reads merged (psutil `read_merged_count`).
    pub reads_merged: u64,
    /// Sectors read (psutil `read_bytes` = × 512).
    pub read_sectors: u64,
    /// Milliseconds spent reading (psutil `read_time`).
    pub read_time_ms: u64,
    /// Writes completed (psutil `write_count`).
    pub writes: u64,
    /// Adjacent writes merged (psutil `write_merged_count`).
    pub writes_merged: u64,
    /// Sectors written (psutil `write_bytes` = × 512).
    pub write_sectors: u64,
    /// Milliseconds spent writing (psutil `write_time`).
    pub write_time_ms: u64,
    /// I/Os currently in flight (a gauge).
    pub in_flight: u64,
    /// Milliseconds the device had I/O in flight, `io_ticks` (psutil `busy_time`).
    pub busy_time_ms: u64,
    /// Weighted milliseconds doing I/O.
    pub weighted_time_ms: u64,
    /// Discard counters (4.18+): completed, merged, sectors, milliseconds.
    pub discards: Option<[u64; 4]>,
    /// Flush counters (5.5+): completed, milliseconds.
    pub flushes: Option<[u64; 2]>,
}

/// One line of `/proc/diskstats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskstatsLine {
    /// Device major number.
    pub major: u32,
    /// Device minor number.
    pub minor: u32,
    /// Device name as the kernel prints it (`sda`, `nvme0n1p1`, `dm-0`; a `/` in
    /// a name such as `cciss/c0d0` is kept — `/sys/block` spells it `!`).
    pub name: Vec<u8>,
    /// The counters.
    pub counters: DiskCounters,
    /// The layout the line had.
    pub layout: DiskstatsLayout,
}

fn numbers<const N: usize>(f: &[&[u8]], what: &str) -> Result<[u64; N]> {
    let mut out = [0u64; N];
    for (slot, field) in out.iter_mut().zip(f) {
        *slot = parse_u64(field, what)?;
    }
    if f.len() < N {
        return Err(ParseError::new(format!("{what}: too few counters")));
    }
    Ok(out)
}

/// The 11 counters shared by the 14/15/18/20-field layouts and `/sys/block/*/stat`.
fn eleven(f: &[&[u8]], what: &str) -> Result<DiskCounters> {
    let v: [u64; 11] = numbers(f, what)?;
    Ok(DiskCounters {
        reads: v[0],
        reads_merged: v[1],
        read_sectors: v[2],
        read_time_ms: v[3],
        writes: v[4],
        writes_merged: v[5],
        write_sectors: v[6],
        write_time_ms: v[7],
        in_flight: v[8],
        busy_time_ms: v[9],
        weighted_time_ms: v[10],
        discards: None,
        flushes: None,
    })
}

/// Counters after the 11 classic ones: discard group (4) then flush group (2).
fn extended(counters: &mut DiskCounters, rest: &[&[u8]], what: &str) -> Result<()> {
    if rest.len() >= 4 {
        counters.discards = Some(numbers(rest, what)?);
        if let Some(flush) = rest.get(4..) {
            if flush.len() >= 2 {
                counters.flushes = Some(numbers(flush, what)?);
            }
        }
    }
    Ok(())
}

fn device_number(field: &[u8], what: &str) -> Result<u32> {
    u32::try_from(parse_u64(field, what)?)
        .map_err(|_| ParseError::new(format!("{what}: out of range")))
}

/// Parses one line of `/proc/diskstats`.
///
/// Errors: a field count psutil does not accept (not 7, 14, 15 or ≥ 18), or a
/// field that is not a number.
pub fn parse_diskstats_line(line: &[u8]) -> Result<DiskstatsLine> {
    let f: Vec<&[u8]> = fields(line).collect();
    let what = "diskstats";
    let get = |i: usize| f.get(i).copied().unwrap_or_default();
    let tail = |i: usize| f.get(i..).unwrap_or_default();
    let (name, counters, layout) = match f.len() {
        7 => {
            let v: [u64; 4] = numbers(tail(3), what)?;
            let c = DiskCounters {
                reads: v[0],
                read_sectors: v[1],
                writes: v[2],
                write_sectors: v[3],
                ..DiskCounters::default()
            };
            (get(2), c, DiskstatsLayout::OldPartition)
        }
        15 => {
            // Field 2 is the size in 1 KiB blocks, not a counter.
            parse_u64(get(2), "diskstats #blocks")?;
            (get(3), eleven(tail(4), what)?, DiskstatsLayout::Linux24)
        }
        n if n == 14 || n >= 18 => {
            let mut c = eleven(tail(3), what)?;
            extended(&mut c, tail(14), what)?;
            let layout = match n {
                14 => DiskstatsLayout::Classic,
                18 | 19 => DiskstatsLayout::Discard,
                _ => DiskstatsLayout::Flush,
            };
            (get(2), c, layout)
        }
        n => {
            return Err(ParseError::new(format!(
                "diskstats: {n} fields, not a known layout: {:?}",
                String::from_utf8_lossy(line)
            )))
        }
    };
    Ok(DiskstatsLine {
        major: device_number(get(0), "diskstats major")?,
        minor: device_number(get(1), "diskstats minor")?,
        name: name.to_vec(),
        counters,
        layout,
    })
}

/// Parses the whole of `/proc/diskstats`; blank lines are skipped.
pub fn parse_diskstats(data: &[u8]) -> Result<Vec<DiskstatsLine>> {
    data.split(|&b| b == b'\n')
        .filter(|l| fields(l).next().is_some())
        .map(parse_diskstats_line)
        .collect()
}

/// Parses `/sys/block/DEV/stat` (or `/sys/block/DEV/PART/stat`): the counters of
/// the 14/18/20-field diskstats layouts without `major minor name` (11, 15 or 17
/// values). psutil's sysfs fallback uses the first 10.
///
/// Errors: fewer than 11 values, or a value that is not a number.
pub fn parse_block_stat(data: &[u8]) -> Result<DiskCounters> {
    let f: Vec<&[u8]> = fields(data).collect();
    let mut c = eleven(&f, "block stat")?;
    extended(&mut c, f.get(11..).unwrap_or_default(), "block stat")?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REAL: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-diskstats");
    const F14: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-diskstats-14");
    const F18: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-diskstats-18");
    const OLD: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-diskstats-partitions-2.6");

    /// The whitespace-separated words of each line of the fixture text.
    fn rows(data: &[u8]) -> Vec<Vec<String>> {
        String::from_utf8_lossy(data)
            .lines()
            .map(|l| l.split_whitespace().map(str::to_owned).collect())
            .filter(|r: &Vec<String>| !r.is_empty())
            .collect()
    }

    fn n(row: &[String], i: usize) -> u64 {
        row[i].parse().unwrap()
    }

    fn check_modern(data: &[u8], layout: DiskstatsLayout) {
        let parsed = parse_diskstats(data).unwrap();
        let rows = rows(data);
        assert_eq!(parsed.len(), rows.len());
        for (d, row) in parsed.iter().zip(&rows) {
            assert_eq!(d.layout, layout);
            assert_eq!(d.major as u64, n(row, 0));
            assert_eq!(d.minor as u64, n(row, 1));
            assert_eq!(d.name, row[2].as_bytes());
            let c = &d.counters;
            let got = [
                c.reads,
                c.reads_merged,
                c.read_sectors,
                c.read_time_ms,
                c.writes,
                c.writes_merged,
                c.write_sectors,
                c.write_time_ms,
                c.in_flight,
                c.busy_time_ms,
                c.weighted_time_ms,
            ];
            let want: Vec<u64> = (3..14).map(|i| n(row, i)).collect();
            assert_eq!(got.to_vec(), want);
            match layout {
                DiskstatsLayout::Classic => assert_eq!((c.discards, c.flushes), (None, None)),
                DiskstatsLayout::Discard => {
                    assert_eq!(
                        c.discards.unwrap().to_vec(),
                        (14..18).map(|i| n(row, i)).collect::<Vec<_>>()
                    );
                    assert_eq!(c.flushes, None);
                }
                _ => {
                    assert_eq!(
                        c.discards.unwrap().to_vec(),
                        (14..18).map(|i| n(row, i)).collect::<Vec<_>>()
                    );
                    assert_eq!(c.flushes, Some([n(row, 18), n(row, 19)]));
                }
            }
        }
    }

    #[test]
    fn real_20_fields() {
        check_modern(REAL, DiskstatsLayout::Flush);
        let vda = parse_diskstats(REAL)
            .unwrap()
            .into_iter()
            .find(|d| d.name == b"vda")
            .unwrap();
        assert!(vda.counters.reads > 0 && vda.counters.busy_time_ms > 0);
    }

    #[test]
    fn layouts_14_and_18() {
        check_modern(F14, DiskstatsLayout::Classic);
        check_modern(F18, DiskstatsLayout::Discard);
        // 19 fields are accepted like psutil (>= 18), without flush counters.
        let l = parse_diskstats_line(b"8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16").unwrap();
        assert_eq!(l.layout, DiskstatsLayout::Discard);
        assert_eq!(l.counters.discards, Some([12, 13, 14, 15]));
        assert_eq!(l.counters.flushes, None);
        // A future kernel with more groups still parses.
        let l = parse_diskstats_line(b"8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19")
            .unwrap();
        assert_eq!(l.counters.flushes, Some([16, 17]));
    }

    #[test]
    fn old_partition_lines() {
        let parsed = parse_diskstats(OLD).unwrap();
        for (d, row) in parsed.iter().zip(rows(OLD)) {
            assert_eq!(d.name, row[2].as_bytes());
            if row.len() == 7 {
                assert_eq!(d.layout, DiskstatsLayout::OldPartition);
                let c = &d.counters;
                assert_eq!(
                    [c.reads, c.read_sectors, c.writes, c.write_sectors],
                    [n(&row, 3), n(&row, 4), n(&row, 5), n(&row, 6)]
                );
                assert_eq!((c.reads_merged, c.read_time_ms, c.busy_time_ms), (0, 0, 0));
            } else {
                assert_eq!(d.layout, DiskstatsLayout::Classic);
            }
        }
        assert_eq!(parsed.len(), 5);
    }

    #[test]
    fn linux_24_line() {
        let l = parse_diskstats_line(
            b"   3     0   19535040 hda 16711 62195 628594 128850 20064 27036 376914 1190870 0 209540 1320220",
        )
        .unwrap();
        assert_eq!(l.layout, DiskstatsLayout::Linux24);
        assert_eq!(l.name, b"hda");
        assert_eq!(l.counters.reads, 16711);
        assert_eq!(l.counters.write_sectors, 376914);
        assert_eq!(l.counters.busy_time_ms, 209540);
    }

    #[test]
    fn sysfs_block_stat() {
        let row = &rows(REAL)[rows(REAL).iter().position(|r| r[2] == "vda").unwrap()];
        // /sys/block/vda/stat holds the same counters without major/minor/name.
        let stat = row[3..].join(" ");
        let c = parse_block_stat(stat.as_bytes()).unwrap();
        assert_eq!(c.reads, n(row, 3));
        assert_eq!(c.busy_time_ms, n(row, 12));
        assert_eq!(c.flushes, Some([n(row, 18), n(row, 19)]));
        assert!(parse_block_stat(b"1 2 3").is_err());
    }

    #[test]
    fn malformed() {
        assert!(parse_diskstats_line(b"").is_err());
        assert!(parse_diskstats_line(b"8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12").is_err()); // 15 with non-numeric #blocks
        assert!(parse_diskstats_line(b"8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13").is_err()); // 16
        assert!(parse_diskstats_line(b"8 0 sda 1 2 x 4").is_err());
        assert!(parse_diskstats_line(b"8 99999999999 sda1 1 2 3 4").is_err());
        assert!(parse_diskstats_line(b"8 0 sda 1 2 3 4 5 6 7 8 9 10 -11").is_err());
        assert_eq!(parse_diskstats(b"\n\n").unwrap(), vec![]);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_diskstats(&data);
            let _ = parse_diskstats_line(&data);
            let _ = parse_block_stat(&data);
        }

        #[test]
        fn any_numeric_line_of_known_width_parses(v in proptest::collection::vec(any::<u64>(), 4..20)) {
            let mut line = String::from("8 1 dev");
            for x in &v {
                line.push_str(&format!(" {x}"));
            }
            let total = v.len() + 3;
            let r = parse_diskstats_line(line.as_bytes());
            prop_assert_eq!(r.is_ok(), matches!(total, 7 | 14) || total >= 18);
        }
    }
}
