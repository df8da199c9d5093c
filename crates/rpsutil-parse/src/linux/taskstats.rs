//! Per-task statistics over generic netlink (`Documentation/accounting/
//! taskstats.rst`, `include/uapi/linux/taskstats.h`, `genetlink.h`): the
//! requests and the parsers of their replies. What iotop reads for its SWAPIN and
//! IO columns (delay accounting), per thread or per process.
//!
//! The exchange, on a `socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC)`:
//! 1. [`family_request`] asks the generic-netlink controller (`GENL_ID_CTRL`)
//!    for the id of the family named `TASKSTATS`; [`parse_family_reply`] reads it.
//! 2. [`stats_request`] asks that family (`TASKSTATS_CMD_GET`) for one thread
//!    (`TASKSTATS_CMD_ATTR_PID`) or one process (`TASKSTATS_CMD_ATTR_TGID`: the
//!    sum of its threads, those that exited included); [`parse_stats_reply`]
//!    reads the `struct taskstats` nested in `TASKSTATS_TYPE_AGGR_PID`/`_TGID`.
//!
//! Layouts: after the `nlmsghdr`, `struct genlmsghdr` (4 bytes: `cmd` u8,
//! `version` u8, `reserved` u16), then attributes. `struct taskstats` (version 1
//! and later keep these offsets; later versions only append):
//!
//! | offset | field |
//! |---|---|
//! | 0 | `version` u16 |
//! | 16 | `cpu_count` u64, 24 `cpu_delay_total` (ns) |
//! | 32 | `blkio_count` u64, 40 `blkio_delay_total` (ns) |
//! | 48 | `swapin_count` u64, 56 `swapin_delay_total` (ns) |
//! | 80 | `ac_comm` char\[32\] |
//! | 128 | `ac_pid` u32, 132 `ac_ppid` u32 |
//! | 248 | `read_bytes` u64, 256 `write_bytes` u64 (storage I/O accounting) |
//!
//! A process's record (`TASKSTATS_TYPE_AGGR_TGID`) has the delays summed over
//! its threads and leaves `ac_comm`, `ac_pid` and the I/O bytes at 0 (the
//! kernel's `fill_stats_for_tgid`); a thread's record has them all.
//!
//! The delay totals grow only while delay accounting is on (the
//! `kernel.task_delayacct` sysctl, off by default since Linux 5.14); the
//! `TASKSTATS_CMD_GET` command needs CAP_NET_ADMIN (EPERM otherwise).

pub use super::netlink::NetlinkError;
use super::netlink::NLM_F_REQUEST;
use super::netlink::{attrs, header, malformed, messages, push_attr, u16_ne, u32_ne, u64_ne};

/// The protocol of `socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC)`.
pub const NETLINK_GENERIC: i32 = 16;
/// The generic-netlink controller's fixed family id.
const GENL_ID_CTRL: u16 = 0x10;
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;
const TASKSTATS_CMD_GET: u8 = 1;
const TASKSTATS_CMD_ATTR_PID: u16 = 1;
const TASKSTATS_CMD_ATTR_TGID: u16 = 2;
const TASKSTATS_TYPE_STATS: u16 = 3;
const TASKSTATS_TYPE_AGGR_PID: u16 = 4;
const TASKSTATS_TYPE_AGGR_TGID: u16 = 5;
const GENL_HDRLEN: usize = 4;
/// `struct taskstats` up to `write_bytes` included.
const STATS_MIN_LEN: usize = 264;

/// Whose statistics a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// One thread, by thread id.
    Thread(u32),
    /// One process (all its threads), by process id.
    Process(u32),
}

/// The fields of `struct taskstats` iotop uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskStats {
    /// The struct's version (`TASKSTATS_VERSION` of the kernel).
    pub version: u16,
    /// The thread id the record is for (0 in a process's record).
    pub pid: u32,
    /// The command name (`ac_comm`).
    pub comm: Vec<u8>,
    /// Nanoseconds spent waiting for a CPU.
    pub cpu_delay_total: u64,
    /// Block I/O waits, and the nanoseconds spent in them.
    pub blkio_count: u64,
    /// See `blkio_count`.
    pub blkio_delay_total: u64,
    /// Swap-in waits, and the nanoseconds spent in them.
    pub swapin_count: u64,
    /// See `swapin_count`.
    pub swapin_delay_total: u64,
    /// Bytes read from and written to storage (as `/proc/PID/io`).
    pub read_bytes: u64,
    /// See `read_bytes`.
    pub write_bytes: u64,
}

/// A generic-netlink request: header, `genlmsghdr` (version 1), attributes.
fn genl_request(family: u16, cmd: u8, seq: u32, attrs: &[u8]) -> Vec<u8> {
    let mut out = header(family, NLM_F_REQUEST, GENL_HDRLEN + attrs.len(), seq);
    out.extend_from_slice(&[cmd, 1, 0, 0]);
    out.extend_from_slice(attrs);
    out
}

/// The controller request for the `TASKSTATS` family's id.
pub fn family_request(seq: u32) -> Vec<u8> {
    let mut a = Vec::new();
    push_attr(&mut a, CTRL_ATTR_FAMILY_NAME, b"TASKSTATS\0");
    genl_request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, seq, &a)
}

/// The family id in the controller's reply to [`family_request`].
///
/// Errors: [`NetlinkError::Errno`] (ENOENT: the kernel has no taskstats);
/// `Malformed` when no message carries a family id.
pub fn parse_family_reply(buf: &[u8]) -> Result<u16, NetlinkError> {
    for (kind, payload) in messages(buf)? {
        if kind != GENL_ID_CTRL {
            continue;
        }
        let body = payload
            .get(GENL_HDRLEN..)
            .ok_or_else(|| malformed("short genlmsghdr"))?;
        for (attr, value) in attrs(body)? {
            if attr == CTRL_ATTR_FAMILY_ID && value.len() >= 2 {
                return Ok(u16_ne(value, 0));
            }
        }
    }
    Err(malformed(
        "no CTRL_ATTR_FAMILY_ID in the controller's reply",
    ))
}

/// The request for one thread's or process's statistics, to `family`.
pub fn stats_request(family: u16, seq: u32, target: Target) -> Vec<u8> {
    let (attr, id) = match target {
        Target::Thread(tid) => (TASKSTATS_CMD_ATTR_PID, tid),
        Target::Process(pid) => (TASKSTATS_CMD_ATTR_TGID, pid),
    };
    let mut a = Vec::new();
    push_attr(&mut a, attr, &id.to_ne_bytes());
    genl_request(family, TASKSTATS_CMD_GET, seq, &a)
}

/// The statistics in the reply to [`stats_request`] from `family`.
///
/// Errors: [`NetlinkError::Errno`] (ESRCH: no such task; EPERM: no
/// CAP_NET_ADMIN); `Malformed` when the reply has no `struct taskstats` or one
/// shorter than [`STATS_MIN_LEN`] bytes.
pub fn parse_stats_reply(buf: &[u8], family: u16) -> Result<TaskStats, NetlinkError> {
    for (kind, payload) in messages(buf)? {
        if kind != family {
            continue;
        }
        let body = payload
            .get(GENL_HDRLEN..)
            .ok_or_else(|| malformed("short genlmsghdr"))?;
        for (attr, nested) in attrs(body)? {
            if attr != TASKSTATS_TYPE_AGGR_PID && attr != TASKSTATS_TYPE_AGGR_TGID {
                continue;
            }
            for (inner, stats) in attrs(nested)? {
                if inner == TASKSTATS_TYPE_STATS {
                    return parse_struct(stats);
                }
            }
        }
    }
    Err(malformed("no struct taskstats in the reply"))
}

/// Reads the fields of [`TaskStats`] from a `struct taskstats`.
fn parse_struct(b: &[u8]) -> Result<TaskStats, NetlinkError> {
    if b.len() < STATS_MIN_LEN {
        return Err(malformed(format!(
            "struct taskstats of {} bytes, expected at least {STATS_MIN_LEN}",
            b.len()
        )));
    }
    let comm = b.get(80..112).unwrap_or_default();
    let end = comm.iter().position(|&c| c == 0).unwrap_or(comm.len());
    Ok(TaskStats {
        version: u16_ne(b, 0),
        pid: u32_ne(b, 128),
        comm: comm.get(..end).unwrap_or_default().to_vec(),
        cpu_delay_total: u64_ne(b, 24),
        blkio_count: u64_ne(b, 32),
        blkio_delay_total: u64_ne(b, 40),
        swapin_count: u64_ne(b, 48),
        swapin_delay_total: u64_ne(b, 56),
        read_bytes: u64_ne(b, 248),
        write_bytes: u64_ne(b, 256),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply as the kernel builds it: nlmsghdr, genlmsghdr, then `body`.
    fn reply(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut out = header(kind, 0, GENL_HDRLEN + body.len(), 7);
        out.extend_from_slice(&[2, 1, 0, 0]);
        out.extend_from_slice(body);
        out
    }

    fn stats_struct(pid: u32) -> Vec<u8> {
        let mut s = vec![0u8; 328];
        s[0..2].copy_from_slice(&10u16.to_ne_bytes());
        s[24..32].copy_from_slice(&11u64.to_ne_bytes());
        s[32..40].copy_from_slice(&3u64.to_ne_bytes());
        s[40..48].copy_from_slice(&4_000_000u64.to_ne_bytes());
        s[48..56].copy_from_slice(&5u64.to_ne_bytes());
        s[56..64].copy_from_slice(&6_000u64.to_ne_bytes());
        s[80..84].copy_from_slice(b"dd\0x");
        s[128..132].copy_from_slice(&pid.to_ne_bytes());
        s[248..256].copy_from_slice(&(1u64 << 20).to_ne_bytes());
        s[256..264].copy_from_slice(&(8u64 << 20).to_ne_bytes());
        s
    }

    #[test]
    fn requests_have_the_kernels_layout() {
        let r = family_request(1);
        // 16 header + 4 genl + 4 attr header + "TASKSTATS\0" padded to 12.
        assert_eq!(r.len(), 36);
        assert_eq!(u32_ne(&r, 0), 36);
        assert_eq!(u16_ne(&r, 4), GENL_ID_CTRL);
        assert_eq!(r[16], CTRL_CMD_GETFAMILY);
        assert_eq!(u16_ne(&r, 20), 14);
        assert_eq!(&r[24..34], b"TASKSTATS\0");
        let r = stats_request(27, 2, Target::Process(4242));
        assert_eq!(r.len(), 28);
        assert_eq!(u16_ne(&r, 4), 27);
        assert_eq!(r[16], TASKSTATS_CMD_GET);
        assert_eq!(
            (u16_ne(&r, 20), u16_ne(&r, 22)),
            (8, TASKSTATS_CMD_ATTR_TGID)
        );
        assert_eq!(u32_ne(&r, 24), 4242);
        let r = stats_request(27, 2, Target::Thread(7));
        assert_eq!(u16_ne(&r, 22), TASKSTATS_CMD_ATTR_PID);
    }

    #[test]
    fn family_id_is_read() {
        let mut body = Vec::new();
        push_attr(&mut body, CTRL_ATTR_FAMILY_NAME, b"TASKSTATS\0");
        push_attr(&mut body, CTRL_ATTR_FAMILY_ID, &23u16.to_ne_bytes());
        assert_eq!(parse_family_reply(&reply(GENL_ID_CTRL, &body)), Ok(23));
        assert!(parse_family_reply(&reply(GENL_ID_CTRL, &[])).is_err());
    }

    #[test]
    fn stats_are_read_from_the_nested_struct() {
        let mut inner = Vec::new();
        push_attr(&mut inner, 1, &99u32.to_ne_bytes());
        push_attr(&mut inner, TASKSTATS_TYPE_STATS, &stats_struct(99));
        let mut body = Vec::new();
        // The nested flag (0x8000) on the type is dropped by the walker.
        push_attr(&mut body, TASKSTATS_TYPE_AGGR_PID | 0x8000, &inner);
        let got = parse_stats_reply(&reply(23, &body), 23).unwrap();
        assert_eq!(
            got,
            TaskStats {
                version: 10,
                pid: 99,
                comm: b"dd".to_vec(),
                cpu_delay_total: 11,
                blkio_count: 3,
                blkio_delay_total: 4_000_000,
                swapin_count: 5,
                swapin_delay_total: 6_000,
                read_bytes: 1 << 20,
                write_bytes: 8 << 20,
            }
        );
        // Another family's message, or a short struct, is not a record.
        assert!(parse_stats_reply(&reply(24, &body), 23).is_err());
        let mut short = Vec::new();
        push_attr(&mut short, TASKSTATS_TYPE_STATS, &[0u8; 100]);
        let mut body = Vec::new();
        push_attr(&mut body, TASKSTATS_TYPE_AGGR_TGID, &short);
        assert!(parse_stats_reply(&reply(23, &body), 23).is_err());
    }

    #[test]
    fn kernel_errors_are_errnos() {
        let mut err = header(super::super::netlink::NLMSG_ERROR, 0, 20, 1);
        err.extend_from_slice(&(-1i32).to_ne_bytes());
        err.extend_from_slice(&[0u8; 16]);
        assert_eq!(parse_stats_reply(&err, 23), Err(NetlinkError::Errno(1)));
    }

    proptest::proptest! {
        #[test]
        fn no_panic_on_any_reply(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = parse_stats_reply(&bytes, 23);
            let _ = parse_family_reply(&bytes);
        }
    }
}
