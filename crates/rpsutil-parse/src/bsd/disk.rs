//! Disk figures of the BSD kernels: mount flags into psutil's `opts` string,
//! FreeBSD's devstat `bintime`, OpenBSD's `struct diskstats` (`sys/disk.h`,
//! `sysctl HW_DISKSTATS`) and NetBSD's `struct io_sysctl` (`sys/iostat.h`,
//! `sysctl HW_IOSTATS`).

use super::layout::{read_cstr, read_u, records, Field};
use crate::Result;

/// psutil's `opts` of a mount (`arch/bsd/disk.c`): `"ro"` or `"rw"`, then the name
/// of every flag of `table` set in `flags`, in the table's order, comma-separated.
pub fn mount_opts(flags: u64, rdonly: u64, table: &[(u64, &str)]) -> String {
    let mut s = String::from(if flags & rdonly != 0 { "ro" } else { "rw" });
    for (bit, name) in table {
        if *bit != 0 && flags & bit != 0 {
            s.push(',');
            s.push_str(name);
        }
    }
    s
}

/// A `struct bintime` (seconds and a 64-bit binary fraction) into milliseconds,
/// as psutil's `BT2MSEC`: `sec × 1000 + ((10⁹ × (frac >> 32)) >> 32) / 10⁶`.
pub fn bintime_ms(sec: i64, frac: u64) -> f64 {
    let nanos = (1_000_000_000u64 * (frac >> 32)) >> 32;
    sec as f64 * 1000.0 + nanos as f64 / 1e6
}

/// Where the fields psutil reads lie in OpenBSD's `struct diskstats` or NetBSD's
/// `struct io_sysctl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskStatLayout {
    /// `sizeof` the record.
    pub size: usize,
    /// `ds_name` / `name`.
    pub name: Field,
    /// `ds_rxfer` / `rxfer`.
    pub rxfer: Field,
    /// `ds_wxfer` / `wxfer`.
    pub wxfer: Field,
    /// `ds_rbytes` / `rbytes`.
    pub rbytes: Field,
    /// `ds_wbytes` / `wbytes`.
    pub wbytes: Field,
}

/// One disk's counters: psutil's 4-field `sdiskio` of OpenBSD and NetBSD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskStat {
    /// The device name (`sd0`, `wd0`).
    pub name: String,
    /// Read transfers.
    pub reads: u64,
    /// Write transfers.
    pub writes: u64,
    /// Bytes read.
    pub read_bytes: u64,
    /// Bytes written.
    pub write_bytes: u64,
}

/// Decodes an array of disk statistics records.
pub fn disk_stats(buf: &[u8], l: &DiskStatLayout) -> Result<Vec<DiskStat>> {
    records(buf, l.size)?
        .into_iter()
        .map(|r| {
            Ok(DiskStat {
                name: String::from_utf8_lossy(read_cstr(r, l.name)?).into_owned(),
                reads: read_u(r, l.rxfer)?,
                writes: read_u(r, l.wxfer)?,
                read_bytes: read_u(r, l.rbytes)?,
                write_bytes: read_u(r, l.wbytes)?,
            })
        })
        .collect()
}

/// Where the fields of OpenBSD's `struct utmp` (`utmp.h`) lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtmpLayout {
    /// `sizeof(struct utmp)`.
    pub size: usize,
    /// `ut_line`.
    pub line: Field,
    /// `ut_name`.
    pub name: Field,
    /// `ut_host`.
    pub host: Field,
    /// `ut_time`.
    pub time: Field,
}

/// One login of OpenBSD's `/var/run/utmp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UtmpEntry {
    /// User name.
    pub name: String,
    /// Terminal (`ttyp0`).
    pub line: String,
    /// Remote host, empty for local logins.
    pub host: String,
    /// Login time, epoch seconds.
    pub time: i64,
}

/// The logins of a `utmp` file: whole records with a non-empty `ut_name`
/// (psutil `arch/openbsd/users.c`); a trailing partial record is ignored, as
/// `fread` of whole records does.
pub fn utmp_entries(buf: &[u8], l: &UtmpLayout) -> Result<Vec<UtmpEntry>> {
    let whole = buf.len() - buf.len() % l.size.max(1);
    let text = |r: &[u8], f: Field| -> Result<String> {
        Ok(String::from_utf8_lossy(read_cstr(r, f)?).into_owned())
    };
    let mut out = Vec::new();
    for r in records(&buf[..whole], l.size)? {
        let name = text(r, l.name)?;
        if name.is_empty() {
            continue;
        }
        out.push(UtmpEntry {
            name,
            line: text(r, l.line)?,
            host: text(r, l.host)?,
            time: super::layout::read_i(r, l.time)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn opts() {
        let table = [
            (0x10, "sync"),
            (0x8, "noexec"),
            (0, "never"),
            (0x20, "nosuid"),
        ];
        assert_eq!(
            mount_opts(0x1 | 0x8 | 0x20, 0x1, &table),
            "ro,noexec,nosuid"
        );
        assert_eq!(mount_opts(0x10, 0x1, &table), "rw,sync");
    }

    #[test]
    fn bintime() {
        // Half a second is 2^63 in the fraction.
        assert_eq!(bintime_ms(2, 1 << 63), 2500.0);
        assert_eq!(bintime_ms(0, 0), 0.0);
    }

    fn ds_layout() -> DiskStatLayout {
        DiskStatLayout {
            size: 48,
            name: Field::new(0, 16),
            rxfer: Field::new(16, 8),
            wxfer: Field::new(24, 8),
            rbytes: Field::new(32, 8),
            wbytes: Field::new(40, 8),
        }
    }

    #[test]
    fn diskstats() {
        let mut r = vec![0u8; 48];
        r[..4].copy_from_slice(b"sd0\0");
        for (i, off) in [16, 24, 32, 40].iter().enumerate() {
            r[*off..off + 8].copy_from_slice(&(10u64 + i as u64).to_ne_bytes());
        }
        let d = disk_stats(&r, &ds_layout()).unwrap();
        assert_eq!(
            d,
            vec![DiskStat {
                name: "sd0".into(),
                reads: 10,
                writes: 11,
                read_bytes: 12,
                write_bytes: 13
            }]
        );
        assert!(disk_stats(&r[..47], &ds_layout()).is_err());
    }

    fn utmp_layout() -> UtmpLayout {
        UtmpLayout {
            size: 304,
            line: Field::new(0, 8),
            name: Field::new(8, 32),
            host: Field::new(40, 256),
            time: Field::new(296, 8),
        }
    }

    #[test]
    fn utmp() {
        let mut buf = vec![0u8; 304 * 2 + 10];
        buf[..6].copy_from_slice(b"ttyp0\0");
        buf[8..13].copy_from_slice(b"alice");
        buf[40..49].copy_from_slice(b"10.0.0.9\0");
        buf[296..304].copy_from_slice(&1_700_000_000i64.to_ne_bytes());
        let e = utmp_entries(&buf, &utmp_layout()).unwrap();
        assert_eq!(
            e,
            vec![UtmpEntry {
                name: "alice".into(),
                line: "ttyp0".into(),
                host: "10.0.0.9".into(),
                time: 1_700_000_000
            }]
        );
    }

    proptest! {
        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..700)) {
            let _ = disk_stats(&buf, &ds_layout());
            let _ = utmp_entries(&buf, &utmp_layout());
        }
    }
}
