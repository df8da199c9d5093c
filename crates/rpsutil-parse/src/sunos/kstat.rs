//! The data sections of Solaris/illumos kernel statistics (`kstat(3KSTAT)`), as the
//! libkstat walker copies them out after `kstat_read`: arrays of `kstat_named_t`
//! (`KSTAT_TYPE_NAMED`) and one `kstat_io_t` (`KSTAT_TYPE_IO`), plus the pure
//! selection psutil makes from them (`psutil/arch/sunos/{cpu,disk,net}.c`).
//!
//! Layouts: illumos `usr/src/uts/common/sys/kstat.h`, 64-bit data model.

use super::Record;
use crate::{ParseError, Result};

/// `KSTAT_STRLEN`: size of every kstat name field.
pub const KSTAT_STRLEN: usize = 31;
/// `sizeof(kstat_named_t)`: `char name[31]` 0, `uchar_t data_type` 31, the 16-byte
/// `value` union 32.
pub const KSTAT_NAMED_SIZE: usize = 48;
/// `sizeof(kstat_io_t)`.
pub const KSTAT_IO_SIZE: usize = 80;

/// `KSTAT_DATA_CHAR`.
pub const KSTAT_DATA_CHAR: u8 = 0;
/// `KSTAT_DATA_INT32`.
pub const KSTAT_DATA_INT32: u8 = 1;
/// `KSTAT_DATA_UINT32`.
pub const KSTAT_DATA_UINT32: u8 = 2;
/// `KSTAT_DATA_INT64`.
pub const KSTAT_DATA_INT64: u8 = 3;
/// `KSTAT_DATA_UINT64`.
pub const KSTAT_DATA_UINT64: u8 = 4;

/// The value of one named statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedValue {
    /// `KSTAT_DATA_CHAR`: up to 16 bytes.
    Char([u8; 16]),
    /// `KSTAT_DATA_INT32`.
    I32(i32),
    /// `KSTAT_DATA_UINT32`.
    U32(u32),
    /// `KSTAT_DATA_INT64`.
    I64(i64),
    /// `KSTAT_DATA_UINT64`.
    U64(u64),
    /// Another type (strings, the obsolete float/double), not read.
    Other(u8),
}

impl NamedValue {
    /// The value as an unsigned counter: integers only, negative ones wrapped as C
    /// would cast them (psutil reads these fields straight into unsigned types).
    pub fn as_u64(self) -> Option<u64> {
        match self {
            NamedValue::I32(v) => Some(v as u32 as u64),
            NamedValue::U32(v) => Some(u64::from(v)),
            NamedValue::I64(v) => Some(v as u64),
            NamedValue::U64(v) => Some(v),
            NamedValue::Char(_) | NamedValue::Other(_) => None,
        }
    }

    /// The value as a signed integer (integers only).
    pub fn as_i64(self) -> Option<i64> {
        match self {
            NamedValue::I32(v) => Some(i64::from(v)),
            NamedValue::U32(v) => Some(i64::from(v)),
            NamedValue::I64(v) => Some(v),
            NamedValue::U64(v) => Some(v as i64),
            NamedValue::Char(_) | NamedValue::Other(_) => None,
        }
    }
}

/// One `kstat_named_t`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The statistic's name.
    pub name: String,
    /// Its value.
    pub value: NamedValue,
}

/// Decodes the first `ndata` `kstat_named_t` records of a named kstat's data.
pub fn parse_named(data: &[u8], ndata: usize) -> Result<Vec<Named>> {
    let need = ndata
        .checked_mul(KSTAT_NAMED_SIZE)
        .ok_or_else(|| ParseError::new(format!("kstat: {ndata} named records overflow")))?;
    if data.len() < need {
        return Err(ParseError::new(format!(
            "kstat: {} bytes for {ndata} named records",
            data.len()
        )));
    }
    data[..need]
        .chunks_exact(KSTAT_NAMED_SIZE)
        .map(|chunk| {
            let r = Record::new(chunk, KSTAT_NAMED_SIZE, "kstat_named_t")?;
            let name = String::from_utf8_lossy(&r.cstr(0, KSTAT_STRLEN)?).into_owned();
            let value = match r.u8(KSTAT_STRLEN)? {
                KSTAT_DATA_CHAR => {
                    let mut c = [0u8; 16];
                    c.copy_from_slice(&chunk[32..48]);
                    NamedValue::Char(c)
                }
                KSTAT_DATA_INT32 => NamedValue::I32(r.i32(32)?),
                KSTAT_DATA_UINT32 => NamedValue::U32(r.u32(32)?),
                KSTAT_DATA_INT64 => NamedValue::I64(r.i64(32)?),
                KSTAT_DATA_UINT64 => NamedValue::U64(r.u64(32)?),
                other => NamedValue::Other(other),
            };
            Ok(Named { name, value })
        })
        .collect()
}

/// The value of the statistic `name`, None when absent.
pub fn lookup(named: &[Named], name: &str) -> Option<NamedValue> {
    named.iter().find(|n| n.name == name).map(|n| n.value)
}

fn counter(named: &[Named], name: &str, what: &str) -> Result<u64> {
    lookup(named, name)
        .and_then(NamedValue::as_u64)
        .ok_or_else(|| ParseError::new(format!("{what}: no integer statistic {name:?}")))
}

/// A `kstat_io_t`: `nread` 0, `nwritten` 8, `reads` 16, `writes` 20, `wtime` 24,
/// `wlentime` 32, `wlastupdate` 40, `rtime` 48, `rlentime` 56, `rlastupdate` 64,
/// `wcnt` 72, `rcnt` 76.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KstatIo {
    /// Bytes read.
    pub nread: u64,
    /// Bytes written.
    pub nwritten: u64,
    /// Read operations.
    pub reads: u32,
    /// Write operations.
    pub writes: u32,
    /// Cumulative wait (pre-service) time, ns.
    pub wtime: i64,
    /// Cumulative run (service) time, ns.
    pub rtime: i64,
}

/// Decodes a `KSTAT_TYPE_IO` data section.
pub fn parse_io(data: &[u8]) -> Result<KstatIo> {
    let r = Record::new(data, KSTAT_IO_SIZE, "kstat_io_t")?;
    Ok(KstatIo {
        nread: r.u64(0)?,
        nwritten: r.u64(8)?,
        reads: r.u32(16)?,
        writes: r.u32(20)?,
        wtime: r.i64(24)?,
        rtime: r.i64(48)?,
    })
}

/// psutil's per-disk tuple (`sunos/disk.c`): `(reads, writes, nread, nwritten,
/// rtime / 1e6, wtime / 1e6)`, i.e. read_time is the kstat *run* (service) time and
/// write_time the *wait* (queue) time, in ms.
pub fn disk_counters(io: &KstatIo) -> [u64; 6] {
    let ms = |ns: i64| u64::try_from(ns).unwrap_or(0) / 1_000_000;
    [
        u64::from(io.reads),
        u64::from(io.writes),
        io.nread,
        io.nwritten,
        ms(io.rtime),
        ms(io.wtime),
    ]
}

/// The counters of one `cpu:N:sys` named kstat (the same values psutil reads from
/// the raw `cpu_stat` kstat's `cpu_sysinfo`: both are built from the CPU's
/// microstate times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuSys {
    /// `cpu_ticks_user` (`cpu[CPU_USER]`), clock ticks.
    pub user: u64,
    /// `cpu_ticks_kernel` (`cpu[CPU_KERNEL]`), clock ticks.
    pub kernel: u64,
    /// `cpu_ticks_idle` (`cpu[CPU_IDLE]`), clock ticks.
    pub idle: u64,
    /// `cpu_ticks_wait` (`cpu[CPU_WAIT]`), clock ticks.
    pub wait: u64,
    /// `pswitch` + `inv_swtch`: context switches.
    pub ctx_switches: u64,
    /// `intr`: interrupts.
    pub interrupts: u64,
    /// `syscall`: system calls.
    pub syscalls: u64,
}

/// Reads a `cpu:N:sys` kstat: the four tick counters are required; the event
/// counters count as 0 when absent.
pub fn cpu_sys(named: &[Named]) -> Result<CpuSys> {
    let w = "cpu:sys";
    let opt = |n: &str| lookup(named, n).and_then(NamedValue::as_u64).unwrap_or(0);
    Ok(CpuSys {
        user: counter(named, "cpu_ticks_user", w)?,
        kernel: counter(named, "cpu_ticks_kernel", w)?,
        idle: counter(named, "cpu_ticks_idle", w)?,
        wait: counter(named, "cpu_ticks_wait", w)?,
        ctx_switches: opt("pswitch").wrapping_add(opt("inv_swtch")),
        interrupts: opt("intr"),
        syscalls: opt("syscall"),
    })
}

/// `pgswapin` and `pgswapout` (pages) of a `cpu:N:vm` kstat, psutil's
/// `cpu_vminfo` swap counters.
pub fn cpu_vm_swaps(named: &[Named]) -> Result<(u64, u64)> {
    Ok((
        counter(named, "pgswapin", "cpu:vm")?,
        counter(named, "pgswapout", "cpu:vm")?,
    ))
}

/// A `cpu_info` kstat's core identity: `(chip_id, core_id)`, None when the kstat
/// has no `core_id` (old kernels).
pub fn cpu_core(named: &[Named]) -> Option<(i64, i64)> {
    let chip = lookup(named, "chip_id")
        .and_then(NamedValue::as_i64)
        .unwrap_or(0);
    let core = lookup(named, "core_id").and_then(NamedValue::as_i64)?;
    Some((chip, core))
}

/// The traffic counters of a NIC's named kstat (class `net`), psutil's
/// `net_io_counters` tuple fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NicCounters {
    /// `obytes`.
    pub bytes_sent: u64,
    /// `rbytes`.
    pub bytes_recv: u64,
    /// `opackets`.
    pub packets_sent: u64,
    /// `ipackets`.
    pub packets_recv: u64,
    /// `ierrors`.
    pub errin: u64,
    /// `oerrors`.
    pub errout: u64,
}

/// psutil's `net_io_counters` selection (`sunos/net.c`): `rbytes`, `obytes`,
/// `ipackets`, `opackets`, `ierrors`, `oerrors` must all exist (psutil: missing →
/// RuntimeError), each read with the width of its own data type.
pub fn nic_counters(named: &[Named]) -> Result<NicCounters> {
    let w = "net";
    Ok(NicCounters {
        bytes_sent: counter(named, "obytes", w)?,
        bytes_recv: counter(named, "rbytes", w)?,
        packets_sent: counter(named, "opackets", w)?,
        packets_recv: counter(named, "ipackets", w)?,
        errin: counter(named, "ierrors", w)?,
        errout: counter(named, "oerrors", w)?,
    })
}

/// The link state a NIC's named kstat reports (psutil's `net_if_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkState {
    /// `link_up`, None when the kstat has no such statistic.
    pub link_up: Option<bool>,
    /// psutil's duplex: `link_duplex` 2 → 2 (full), 1 → 1 (half), else 0.
    pub duplex: u8,
    /// `ifspeed` (bit/s) in Mbit/s, 0 when absent.
    pub speed_mbps: u64,
}

/// Reads `link_up`, `link_duplex` and `ifspeed`. The speed is divided as a 64-bit
/// number (psutil truncates `ifspeed` to 32 bits first, which breaks 10 GbE).
pub fn link_state(named: &[Named]) -> LinkState {
    let get = |n: &str| lookup(named, n).and_then(NamedValue::as_u64);
    LinkState {
        link_up: get("link_up").map(|v| v != 0),
        duplex: match get("link_duplex") {
            Some(2) => 2,
            Some(1) => 1,
            _ => 0,
        },
        speed_mbps: get("ifspeed").unwrap_or(0) / 1_000_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds one `kstat_named_t`.
    fn named(name: &str, ty: u8, value: [u8; 8]) -> Vec<u8> {
        let mut b = vec![0u8; KSTAT_NAMED_SIZE];
        b[..name.len()].copy_from_slice(name.as_bytes());
        b[KSTAT_STRLEN] = ty;
        b[32..40].copy_from_slice(&value);
        b
    }

    fn u64v(v: u64) -> [u8; 8] {
        v.to_ne_bytes()
    }

    fn u32v(v: u32) -> [u8; 8] {
        let mut b = [0u8; 8];
        b[..4].copy_from_slice(&v.to_ne_bytes());
        b
    }

    #[test]
    fn named_records() {
        let mut data = named("cpu_ticks_user", KSTAT_DATA_UINT64, u64v(100));
        data.extend(named("cpu_ticks_kernel", KSTAT_DATA_UINT64, u64v(50)));
        data.extend(named("cpu_ticks_idle", KSTAT_DATA_UINT64, u64v(1000)));
        data.extend(named("cpu_ticks_wait", KSTAT_DATA_UINT64, u64v(0)));
        data.extend(named("pswitch", KSTAT_DATA_UINT64, u64v(7)));
        data.extend(named("inv_swtch", KSTAT_DATA_UINT64, u64v(3)));
        data.extend(named("intr", KSTAT_DATA_UINT32, u32v(9)));
        data.extend(named("syscall", KSTAT_DATA_INT32, u32v(11)));
        data.extend(named("brand", 9, u64v(0)));
        let n = parse_named(&data, 9).unwrap();
        assert_eq!(n.len(), 9);
        assert_eq!(n[6].value, NamedValue::U32(9));
        assert_eq!(n[7].value, NamedValue::I32(11));
        assert_eq!(n[8].value, NamedValue::Other(9));
        let cpu = cpu_sys(&n).unwrap();
        assert_eq!(
            cpu,
            CpuSys {
                user: 100,
                kernel: 50,
                idle: 1000,
                wait: 0,
                ctx_switches: 10,
                interrupts: 9,
                syscalls: 11
            }
        );
        assert!(parse_named(&data, 10).is_err());
        assert!(parse_named(&data, usize::MAX).is_err());
        assert!(cpu_sys(&n[1..]).is_err());
    }

    #[test]
    fn full_name_without_nul() {
        let long = "a".repeat(KSTAT_STRLEN);
        let n = parse_named(&named(&long, KSTAT_DATA_INT64, u64v(5)), 1).unwrap();
        assert_eq!(n[0].name, long);
        assert_eq!(n[0].value.as_i64(), Some(5));
    }

    #[test]
    fn nic_and_link() {
        let mut data = named("rbytes", KSTAT_DATA_UINT64, u64v(1 << 40));
        data.extend(named("obytes", KSTAT_DATA_UINT64, u64v(2000)));
        data.extend(named("ipackets", KSTAT_DATA_UINT32, u32v(10)));
        data.extend(named("opackets", KSTAT_DATA_UINT64, u64v(20)));
        data.extend(named("ierrors", KSTAT_DATA_UINT32, u32v(1)));
        data.extend(named("oerrors", KSTAT_DATA_UINT32, u32v(2)));
        data.extend(named("link_up", KSTAT_DATA_UINT32, u32v(1)));
        data.extend(named("link_duplex", KSTAT_DATA_UINT32, u32v(2)));
        data.extend(named("ifspeed", KSTAT_DATA_UINT64, u64v(10_000_000_000)));
        let n = parse_named(&data, 9).unwrap();
        assert_eq!(
            nic_counters(&n).unwrap(),
            NicCounters {
                bytes_sent: 2000,
                bytes_recv: 1 << 40,
                packets_sent: 20,
                packets_recv: 10,
                errin: 1,
                errout: 2
            }
        );
        assert_eq!(
            link_state(&n),
            LinkState {
                link_up: Some(true),
                duplex: 2,
                speed_mbps: 10_000
            }
        );
        assert_eq!(link_state(&[]), LinkState::default());
        assert!(nic_counters(&n[1..]).is_err());
    }

    #[test]
    fn io_and_vm() {
        let mut b = vec![0u8; KSTAT_IO_SIZE];
        b[0..8].copy_from_slice(&4096u64.to_ne_bytes());
        b[8..16].copy_from_slice(&8192u64.to_ne_bytes());
        b[16..20].copy_from_slice(&3u32.to_ne_bytes());
        b[20..24].copy_from_slice(&4u32.to_ne_bytes());
        b[24..32].copy_from_slice(&5_000_000i64.to_ne_bytes());
        b[48..56].copy_from_slice(&7_500_000i64.to_ne_bytes());
        let io = parse_io(&b).unwrap();
        assert_eq!(disk_counters(&io), [3, 4, 4096, 8192, 7, 5]);
        assert!(parse_io(&b[..79]).is_err());

        let mut data = named("pgswapin", KSTAT_DATA_UINT64, u64v(3));
        data.extend(named("pgswapout", KSTAT_DATA_UINT64, u64v(4)));
        data.extend(named("chip_id", KSTAT_DATA_INT32, u32v(1)));
        data.extend(named("core_id", KSTAT_DATA_INT32, u32v(6)));
        let n = parse_named(&data, 4).unwrap();
        assert_eq!(cpu_vm_swaps(&n).unwrap(), (3, 4));
        assert_eq!(cpu_core(&n), Some((1, 6)));
        assert_eq!(cpu_core(&n[..2]), None);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..600), nd in 0usize..20) {
            if let Ok(n) = parse_named(&data, nd) {
                let _ = cpu_sys(&n);
                let _ = cpu_vm_swaps(&n);
                let _ = cpu_core(&n);
                let _ = nic_counters(&n);
                let _ = link_state(&n);
            }
            if let Ok(io) = parse_io(&data) {
                let _ = disk_counters(&io);
            }
        }
    }
}
