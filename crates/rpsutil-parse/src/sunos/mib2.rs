//! The TCP and UDP connection tables of the Solaris/illumos IP stack, as a MIB-II
//! "get all" request over STREAMS answers them (psutil's `net_connections`,
//! `psutil/arch/sunos/net.c`, which follows `netstat`'s `mibget()`).
//!
//! The caller opens `/dev/arp`, pushes the `tcp` and `udp` modules, sends a
//! `T_SVR4_OPTMGMT_REQ` (`<sys/tihdr.h>`) carrying an `opthdr` (`<sys/socket.h>`)
//! with level `MIB2_IP`, name 0, flags `T_CURRENT`, then reads replies with
//! `getmsg(2)`: each control part is a `T_OPTMGMT_ACK` whose `opthdr` names one
//! table (`level`, `name`) and gives the length of the data part that follows; a
//! final `T_OPTMGMT_ACK` with length 0 and no data part ends the list. This module
//! decodes the control parts ([`parse_reply`]) and the tables
//! ([`connections`]); it does no I/O.
//!
//! Layouts are illumos' `<inet/mib2.h>` for amd64, where every table entry is
//! `#pragma pack(4)` (so a `uint64_t` needs only 4-byte alignment and the sizes
//! agree between 32- and 64-bit programs). Entries only grow at their end (the
//! header marks the first field added with `MIB_FIRST_NEW_ELM_*`; Oracle Solaris
//! 11.4 appends `*CreationRealUid`), so the tables are walked with the entry sizes
//! the kernel reports in the TCP and UDP group records (`tcpConnTableSize`,
//! `tcp6ConnTableSize`, `udpEntrySize`, `udp6EntrySize`), as `netstat` does, and
//! only the leading fields every version has are read. Integers are in the byte
//! order of the machine; addresses (`IpAddress`, `Ip6Address`) in network order.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Record;
use crate::{ParseError, Result};

/// `IPPROTO_MAX` (`<netinet/in.h>`), the base of the MIB-II levels.
const IPPROTO_MAX: u32 = 256;
/// `MIB2_IP`: the level of the "get everything" request.
pub const MIB2_IP: u32 = IPPROTO_MAX + 4;
/// `MIB2_TCP`: the TCP group (name 0: `mib2_tcp_t`).
pub const MIB2_TCP: u32 = IPPROTO_MAX + 6;
/// `MIB2_UDP`: the UDP group (name 0: `mib2_udp_t`).
pub const MIB2_UDP: u32 = IPPROTO_MAX + 7;
/// `MIB2_TCP6`.
pub const MIB2_TCP6: u32 = IPPROTO_MAX + 14;
/// `MIB2_UDP6`.
pub const MIB2_UDP6: u32 = IPPROTO_MAX + 15;
/// `MIB2_TCP_CONN` (old name `MIB2_TCP_13`): `mib2_tcpConnEntry_t[]`.
pub const MIB2_TCP_CONN: u32 = 13;
/// `MIB2_TCP6_CONN`: `mib2_tcp6ConnEntry_t[]`.
pub const MIB2_TCP6_CONN: u32 = 14;
/// `MIB2_UDP_ENTRY` (old name `MIB2_UDP_5`): `mib2_udpEntry_t[]`.
pub const MIB2_UDP_ENTRY: u32 = 5;
/// `MIB2_UDP6_ENTRY`: `mib2_udp6Entry_t[]`.
pub const MIB2_UDP6_ENTRY: u32 = 6;

/// `T_SVR4_OPTMGMT_REQ` (`<sys/tihdr.h>`; `T_OPTMGMT_REQ` before TPI version 1).
pub const T_SVR4_OPTMGMT_REQ: i32 = 9;
/// `T_ERROR_ACK`.
pub const T_ERROR_ACK: i32 = 18;
/// `T_OPTMGMT_ACK`.
pub const T_OPTMGMT_ACK: i32 = 22;
/// `T_SUCCESS` (`<sys/tpicommon.h>`): an option request's result flag.
pub const T_SUCCESS: i32 = 0x020;
/// `T_CURRENT`: "get the current values" request flag.
pub const T_CURRENT: i32 = 0x080;
/// `TACCES` (`<sys/tpicommon.h>`): a TLI permission error.
pub const TACCES: i32 = 3;
/// `TSYSERR`: the error is the `UNIX_error` errno.
pub const TSYSERR: i32 = 8;

/// Field offsets of `struct T_optmgmt_ack` / `struct T_optmgmt_req` (four
/// `t_scalar_t`, 32-bit in both data models; 16 bytes).
pub mod optmgmt {
    /// `PRIM_type`.
    pub const PRIM_TYPE: usize = 0;
    /// `OPT_length`.
    pub const OPT_LENGTH: usize = 4;
    /// `OPT_offset`.
    pub const OPT_OFFSET: usize = 8;
    /// `MGMT_flags`.
    pub const MGMT_FLAGS: usize = 12;
    /// `sizeof`.
    pub const SIZE: usize = 16;
}

/// Field offsets of `struct T_error_ack` (16 bytes).
pub mod error_ack {
    /// `ERROR_prim`.
    pub const ERROR_PRIM: usize = 4;
    /// `TLI_error`.
    pub const TLI_ERROR: usize = 8;
    /// `UNIX_error`.
    pub const UNIX_ERROR: usize = 12;
    /// `sizeof`.
    pub const SIZE: usize = 16;
}

/// Field offsets of `struct opthdr` (`<sys/socket.h>`: three `t_uscalar_t`,
/// 32-bit; 12 bytes).
pub mod opthdr {
    /// `level`.
    pub const LEVEL: usize = 0;
    /// `name`.
    pub const NAME: usize = 4;
    /// `len`: the length of the data part.
    pub const LEN: usize = 8;
    /// `sizeof`.
    pub const SIZE: usize = 12;
}

/// `mib2_tcp_t` (the TCP group record): where the entry sizes are.
pub mod tcp_group {
    /// `tcpConnTableSize`: `sizeof (mib2_tcpConnEntry_t)` of the kernel.
    pub const TCP_CONN_TABLE_SIZE: usize = 48;
    /// `tcp6ConnTableSize`: `sizeof (mib2_tcp6ConnEntry_t)` of the kernel.
    pub const TCP6_CONN_TABLE_SIZE: usize = 208;
}

/// `mib2_udp_t` (the UDP group record): where the entry sizes are.
pub mod udp_group {
    /// `udpEntrySize`.
    pub const UDP_ENTRY_SIZE: usize = 12;
    /// `udp6EntrySize`.
    pub const UDP6_ENTRY_SIZE: usize = 16;
}

/// `mib2_tcpConnEntry_t` field offsets.
pub mod tcp_conn {
    /// `tcpConnLocalAddress` (`IpAddress`, network order).
    pub const LOCAL_ADDRESS: usize = 4;
    /// `tcpConnLocalPort` (`int`, host order).
    pub const LOCAL_PORT: usize = 8;
    /// `tcpConnRemAddress`.
    pub const REM_ADDRESS: usize = 12;
    /// `tcpConnRemPort`.
    pub const REM_PORT: usize = 16;
    /// `tcpConnEntryInfo` (8 `Gauge`s then `ce_state`).
    pub const ENTRY_INFO: usize = 20;
    /// `tcpConnEntryInfo.ce_state`: the internal `TCPS_*` state psutil reports.
    pub const CE_STATE: usize = 52;
    /// `tcpConnCreationProcess` (`uint32_t`).
    pub const CREATION_PROCESS: usize = 56;
    /// The bytes read: every entry must be at least this long.
    pub const MIN_SIZE: usize = 60;
}

/// `mib2_tcp6ConnEntry_t` field offsets.
pub mod tcp6_conn {
    /// `tcp6ConnLocalAddress` (`Ip6Address`).
    pub const LOCAL_ADDRESS: usize = 0;
    /// `tcp6ConnLocalPort`.
    pub const LOCAL_PORT: usize = 16;
    /// `tcp6ConnRemAddress`.
    pub const REM_ADDRESS: usize = 20;
    /// `tcp6ConnRemPort`.
    pub const REM_PORT: usize = 36;
    /// `tcp6ConnEntryInfo`.
    pub const ENTRY_INFO: usize = 48;
    /// `tcp6ConnEntryInfo.ce_state`.
    pub const CE_STATE: usize = 80;
    /// `tcp6ConnCreationProcess`.
    pub const CREATION_PROCESS: usize = 84;
    /// The bytes read.
    pub const MIN_SIZE: usize = 88;
}

/// `mib2_udpEntry_t` field offsets.
pub mod udp_entry {
    /// `udpLocalAddress`.
    pub const LOCAL_ADDRESS: usize = 0;
    /// `udpLocalPort`.
    pub const LOCAL_PORT: usize = 4;
    /// `udpEntryInfo` (`ue_state`, `ue_RemoteAddress`, `ue_RemotePort`).
    pub const ENTRY_INFO: usize = 8;
    /// `udpCreationProcess`.
    pub const CREATION_PROCESS: usize = 24;
    /// The bytes read.
    pub const MIN_SIZE: usize = 28;
}

/// `mib2_udp6Entry_t` field offsets.
pub mod udp6_entry {
    /// `udp6LocalAddress`.
    pub const LOCAL_ADDRESS: usize = 0;
    /// `udp6LocalPort`.
    pub const LOCAL_PORT: usize = 16;
    /// `udp6EntryInfo`.
    pub const ENTRY_INFO: usize = 24;
    /// `udp6CreationProcess`.
    pub const CREATION_PROCESS: usize = 52;
    /// The bytes read.
    pub const MIN_SIZE: usize = 56;
}

/// The entry sizes of the four connection tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntrySizes {
    /// `mib2_tcpConnEntry_t`.
    pub tcp: usize,
    /// `mib2_tcp6ConnEntry_t`.
    pub tcp6: usize,
    /// `mib2_udpEntry_t`.
    pub udp: usize,
    /// `mib2_udp6Entry_t`.
    pub udp6: usize,
}

impl EntrySizes {
    /// illumos' amd64 sizes (`sizeof` with `#pragma pack(4)`).
    pub const ILLUMOS: EntrySizes = EntrySizes {
        tcp: 68,
        tcp6: 96,
        udp: 36,
        udp6: 64,
    };
    /// Oracle Solaris 11.4's amd64 sizes (each entry ends with a 32-bit
    /// `*CreationRealUid`).
    pub const SOLARIS: EntrySizes = EntrySizes {
        tcp: 72,
        tcp6: 100,
        udp: 40,
        udp6: 68,
    };
}

/// One table: the `opthdr`'s level and name, and the data part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// `opthdr.level` (`MIB2_TCP`, ...).
    pub level: u32,
    /// `opthdr.name` (0 for the group record, `MIB2_TCP_CONN`, ...).
    pub name: u32,
    /// The data part.
    pub data: Vec<u8>,
}

/// What one control part says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// A table of `len` bytes follows as the data part.
    Table {
        /// `opthdr.level`.
        level: u32,
        /// `opthdr.name`.
        name: u32,
        /// `opthdr.len`.
        len: u32,
    },
    /// The end of the tables (a successful ack with length 0 and no data part).
    End,
    /// `T_ERROR_ACK`.
    Error {
        /// `TLI_error` (`TSYSERR`: see `unix_error`).
        tli_error: i32,
        /// `UNIX_error`, an errno.
        unix_error: i32,
    },
    /// Anything else (psutil stops reading there).
    Unexpected {
        /// `PRIM_type`.
        prim: i32,
    },
}

/// Decodes a control part returned by `getmsg`; `more_data` is true when
/// `getmsg` returned `MOREDATA` (a data part is waiting). Following `netstat`'s
/// `mibget()`: a `T_ERROR_ACK` is an error; a successful `T_OPTMGMT_ACK` with a
/// pending data part announces a table; one without data and with length 0 ends
/// the list; everything else is [`Reply::Unexpected`].
pub fn parse_reply(ctl: &[u8], more_data: bool) -> Result<Reply> {
    let r = Record::new(ctl, 4, "getmsg control part")?;
    let prim = r.i32(optmgmt::PRIM_TYPE)?;
    if prim == T_ERROR_ACK && ctl.len() >= error_ack::SIZE {
        return Ok(Reply::Error {
            tli_error: r.i32(error_ack::TLI_ERROR)?,
            unix_error: r.i32(error_ack::UNIX_ERROR)?,
        });
    }
    if prim != T_OPTMGMT_ACK
        || ctl.len() < optmgmt::SIZE
        || r.i32(optmgmt::MGMT_FLAGS)? != T_SUCCESS
    {
        return Ok(Reply::Unexpected { prim });
    }
    let off = usize::try_from(r.i32(optmgmt::OPT_OFFSET)?)
        .map_err(|_| ParseError::new("T_OPTMGMT_ACK: negative OPT_offset"))?;
    let olen = r.i32(optmgmt::OPT_LENGTH)?;
    if usize::try_from(olen).map_or(true, |l| l < opthdr::SIZE) {
        return Err(ParseError::new(format!(
            "T_OPTMGMT_ACK: OPT_length {olen}, expected at least {}",
            opthdr::SIZE
        )));
    }
    let hdr = ctl
        .get(off..)
        .ok_or_else(|| ParseError::new(format!("T_OPTMGMT_ACK: OPT_offset {off} out of range")))?;
    let h = Record::new(hdr, opthdr::SIZE, "opthdr")?;
    let (level, name, len) = (
        h.u32(opthdr::LEVEL)?,
        h.u32(opthdr::NAME)?,
        h.u32(opthdr::LEN)?,
    );
    Ok(if more_data {
        Reply::Table { level, name, len }
    } else if len == 0 {
        Reply::End
    } else {
        Reply::Unexpected { prim }
    })
}

/// Transport protocol of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    /// TCP (`SOCK_STREAM`).
    Tcp,
    /// UDP (`SOCK_DGRAM`).
    Udp,
}

/// One entry of a connection table, as psutil reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MibConn {
    /// TCP or UDP.
    pub proto: Proto,
    /// Local address (IPv4 for the v4 tables, IPv6 for the v6 ones).
    pub laddr: IpAddr,
    /// Local port.
    pub lport: u16,
    /// Remote address (TCP only; UDP's psutil ignores, unspecified here).
    pub raddr: IpAddr,
    /// Remote port (0 for UDP and unconnected TCP).
    pub rport: u16,
    /// TCP: `ce_state`, the kernel's `TCPS_*`; UDP: None.
    pub tcp_state: Option<i32>,
    /// `*CreationProcess`: the pid that created the endpoint (0:
    /// `MIB2_UNKNOWN_PROCESS`).
    pub pid: u32,
}

/// The kernel's entry size from a group record at `off`, if it is plausible
/// (at least the fields read, at most 64 KiB); else `default`.
fn reported_size(group: Option<&Table>, off: usize, min: usize, default: usize) -> usize {
    let Some(t) = group else { return default };
    let Some(b) = t.data.get(off..off + 4) else {
        return default;
    };
    let v = i32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
    match usize::try_from(v) {
        Ok(n) if (min..=65536).contains(&n) => n,
        _ => default,
    }
}

/// The entry sizes: those the kernel reports in the TCP and UDP group records
/// (level `MIB2_TCP`/`MIB2_UDP`, name 0) when present and plausible, each falling
/// back to `defaults` (the compiled-in `sizeof`, what psutil uses).
pub fn entry_sizes(tables: &[Table], defaults: EntrySizes) -> EntrySizes {
    let group = |level: u32| tables.iter().find(|t| t.level == level && t.name == 0);
    let (tcp, udp) = (group(MIB2_TCP), group(MIB2_UDP));
    EntrySizes {
        tcp: reported_size(
            tcp,
            tcp_group::TCP_CONN_TABLE_SIZE,
            tcp_conn::MIN_SIZE,
            defaults.tcp,
        ),
        tcp6: reported_size(
            tcp,
            tcp_group::TCP6_CONN_TABLE_SIZE,
            tcp6_conn::MIN_SIZE,
            defaults.tcp6,
        ),
        udp: reported_size(
            udp,
            udp_group::UDP_ENTRY_SIZE,
            udp_entry::MIN_SIZE,
            defaults.udp,
        ),
        udp6: reported_size(
            udp,
            udp_group::UDP6_ENTRY_SIZE,
            udp6_entry::MIN_SIZE,
            defaults.udp6,
        ),
    }
}

fn port(r: &Record<'_>, off: usize) -> Result<u16> {
    let v = r.i32(off)?;
    u16::try_from(v).map_err(|_| ParseError::new(format!("port {v} out of range")))
}

fn ipv4(r: &Record<'_>, off: usize) -> Result<IpAddr> {
    Ok(IpAddr::V4(Ipv4Addr::from(r.u32(off)?.to_ne_bytes())))
}

fn ipv6(r: &Record<'_>, off: usize) -> Result<IpAddr> {
    let mut b = [0u8; 16];
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = r.u8(off + i)?;
    }
    Ok(IpAddr::V6(Ipv6Addr::from(b)))
}

/// Decodes one entry of table (`level`, `name`); None for a table that is not
/// one of the four connection tables.
fn decode_entry(level: u32, name: u32, e: &[u8]) -> Option<Result<MibConn>> {
    let conn = |min, what| -> Result<Record<'_>> { Record::new(e, min, what) };
    Some(match (level, name) {
        (MIB2_TCP, MIB2_TCP_CONN) => {
            conn(tcp_conn::MIN_SIZE, "mib2_tcpConnEntry_t").and_then(|r| {
                Ok(MibConn {
                    proto: Proto::Tcp,
                    laddr: ipv4(&r, tcp_conn::LOCAL_ADDRESS)?,
                    lport: port(&r, tcp_conn::LOCAL_PORT)?,
                    raddr: ipv4(&r, tcp_conn::REM_ADDRESS)?,
                    rport: port(&r, tcp_conn::REM_PORT)?,
                    tcp_state: Some(r.i32(tcp_conn::CE_STATE)?),
                    pid: r.u32(tcp_conn::CREATION_PROCESS)?,
                })
            })
        }
        (MIB2_TCP6, MIB2_TCP6_CONN) => {
            conn(tcp6_conn::MIN_SIZE, "mib2_tcp6ConnEntry_t").and_then(|r| {
                Ok(MibConn {
                    proto: Proto::Tcp,
                    laddr: ipv6(&r, tcp6_conn::LOCAL_ADDRESS)?,
                    lport: port(&r, tcp6_conn::LOCAL_PORT)?,
                    raddr: ipv6(&r, tcp6_conn::REM_ADDRESS)?,
                    rport: port(&r, tcp6_conn::REM_PORT)?,
                    tcp_state: Some(r.i32(tcp6_conn::CE_STATE)?),
                    pid: r.u32(tcp6_conn::CREATION_PROCESS)?,
                })
            })
        }
        (MIB2_UDP, MIB2_UDP_ENTRY) => conn(udp_entry::MIN_SIZE, "mib2_udpEntry_t").and_then(|r| {
            Ok(MibConn {
                proto: Proto::Udp,
                laddr: ipv4(&r, udp_entry::LOCAL_ADDRESS)?,
                lport: port(&r, udp_entry::LOCAL_PORT)?,
                raddr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                rport: 0,
                tcp_state: None,
                pid: r.u32(udp_entry::CREATION_PROCESS)?,
            })
        }),
        (MIB2_UDP6, MIB2_UDP6_ENTRY) => {
            conn(udp6_entry::MIN_SIZE, "mib2_udp6Entry_t").and_then(|r| {
                Ok(MibConn {
                    proto: Proto::Udp,
                    laddr: ipv6(&r, udp6_entry::LOCAL_ADDRESS)?,
                    lport: port(&r, udp6_entry::LOCAL_PORT)?,
                    raddr: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                    rport: 0,
                    tcp_state: None,
                    pid: r.u32(udp6_entry::CREATION_PROCESS)?,
                })
            })
        }
        _ => return None,
    })
}

/// Every entry of the four connection tables among `tables`, in table order,
/// keeping those created by `pid` when one is given (psutil's filter on
/// `*CreationProcess`). Tables are walked with [`entry_sizes`] (the compiled-in
/// size instead when only that one divides the table's length); bytes after the
/// last whole entry are ignored (psutil divides the length by the entry size).
/// Other tables are skipped. An entry size below the fields read, or a port
/// outside 0..=65535, is an error.
pub fn connections(
    tables: &[Table],
    defaults: EntrySizes,
    pid: Option<u32>,
) -> Result<Vec<MibConn>> {
    let sizes = entry_sizes(tables, defaults);
    let mut out = Vec::new();
    for t in tables {
        let (reported, default) = match (t.level, t.name) {
            (MIB2_TCP, MIB2_TCP_CONN) => (sizes.tcp, defaults.tcp),
            (MIB2_TCP6, MIB2_TCP6_CONN) => (sizes.tcp6, defaults.tcp6),
            (MIB2_UDP, MIB2_UDP_ENTRY) => (sizes.udp, defaults.udp),
            (MIB2_UDP6, MIB2_UDP6_ENTRY) => (sizes.udp6, defaults.udp6),
            _ => continue,
        };
        // A reported size that does not divide the table while the compiled-in
        // one does was not an entry size (a group record of another layout).
        let len = t.data.len();
        let stride = if reported != 0 && len % reported != 0 && default != 0 && len % default == 0 {
            default
        } else {
            reported
        };
        if stride == 0 {
            return Err(ParseError::new("MIB2 table entry size 0"));
        }
        for e in t.data.chunks_exact(stride) {
            let Some(conn) = decode_entry(t.level, t.name, e) else {
                break;
            };
            let conn = conn?;
            if pid.is_none_or(|p| p == conn.pid) {
                out.push(conn);
            }
        }
    }
    Ok(out)
}

/// A Solaris TCP state: `ce_state`, the kernel's `TCPS_*` (`<inet/tcp.h>`:
/// `TCPS_CLOSED` −6 … `TCPS_TIME_WAIT` 6), which psutil maps through its
/// `TCP_STATUSES` (`_pssunos.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpState {
    /// `TCPS_CLOSED` (−6), psutil `CLOSE`.
    Closed,
    /// `TCPS_IDLE` (−5), psutil `IDLE`.
    Idle,
    /// `TCPS_BOUND` (−4), psutil `BOUND`.
    Bound,
    /// `TCPS_LISTEN` (−3).
    Listen,
    /// `TCPS_SYN_SENT` (−2).
    SynSent,
    /// `TCPS_SYN_RCVD` (−1), psutil `SYN_RECV`.
    SynRcvd,
    /// `TCPS_ESTABLISHED` (0).
    Established,
    /// `TCPS_CLOSE_WAIT` (1).
    CloseWait,
    /// `TCPS_FIN_WAIT_1` (2).
    FinWait1,
    /// `TCPS_CLOSING` (3).
    Closing,
    /// `TCPS_LAST_ACK` (4).
    LastAck,
    /// `TCPS_FIN_WAIT_2` (5).
    FinWait2,
    /// `TCPS_TIME_WAIT` (6).
    TimeWait,
}

/// The state of a `ce_state` value, None for a value outside `TCPS_*` (psutil
/// raises KeyError there).
pub fn tcp_state(ce_state: i32) -> Option<TcpState> {
    use TcpState::*;
    Some(match ce_state {
        -6 => Closed,
        -5 => Idle,
        -4 => Bound,
        -3 => Listen,
        -2 => SynSent,
        -1 => SynRcvd,
        0 => Established,
        1 => CloseWait,
        2 => FinWait1,
        3 => Closing,
        4 => LastAck,
        5 => FinWait2,
        6 => TimeWait,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn put(b: &mut [u8], off: usize, v: &[u8]) {
        b[off..off + v.len()].copy_from_slice(v);
    }

    fn i32b(v: i32) -> [u8; 4] {
        v.to_ne_bytes()
    }

    fn tcp4(size: usize, l: [u8; 4], lp: i32, r: [u8; 4], rp: i32, st: i32, pid: u32) -> Vec<u8> {
        let mut b = vec![0u8; size];
        put(&mut b, 0, &i32b(5)); // tcpConnState (MIB value, not read)
        put(&mut b, tcp_conn::LOCAL_ADDRESS, &l);
        put(&mut b, tcp_conn::LOCAL_PORT, &i32b(lp));
        put(&mut b, tcp_conn::REM_ADDRESS, &r);
        put(&mut b, tcp_conn::REM_PORT, &i32b(rp));
        put(&mut b, tcp_conn::ENTRY_INFO, &7u32.to_ne_bytes()); // ce_snxt
        put(&mut b, tcp_conn::CE_STATE, &i32b(st));
        put(&mut b, tcp_conn::CREATION_PROCESS, &pid.to_ne_bytes());
        if size >= 68 {
            put(&mut b, 60, &u64::MAX.to_ne_bytes()); // tcpConnCreationTime
        }
        b
    }

    fn tcp6(l: Ipv6Addr, lp: i32, r: Ipv6Addr, rp: i32, st: i32, pid: u32) -> Vec<u8> {
        let mut b = vec![0u8; EntrySizes::ILLUMOS.tcp6];
        put(&mut b, tcp6_conn::LOCAL_ADDRESS, &l.octets());
        put(&mut b, tcp6_conn::LOCAL_PORT, &i32b(lp));
        put(&mut b, tcp6_conn::REM_ADDRESS, &r.octets());
        put(&mut b, tcp6_conn::REM_PORT, &i32b(rp));
        put(&mut b, 40, &2u32.to_ne_bytes()); // tcp6ConnIfIndex
        put(&mut b, 44, &i32b(2)); // tcp6ConnState
        put(&mut b, tcp6_conn::CE_STATE, &i32b(st));
        put(&mut b, tcp6_conn::CREATION_PROCESS, &pid.to_ne_bytes());
        b
    }

    fn udp4(size: usize, l: [u8; 4], lp: i32, pid: u32) -> Vec<u8> {
        let mut b = vec![0u8; size];
        put(&mut b, udp_entry::LOCAL_ADDRESS, &l);
        put(&mut b, udp_entry::LOCAL_PORT, &i32b(lp));
        put(&mut b, udp_entry::ENTRY_INFO, &i32b(2)); // ue_state idle
        put(&mut b, 20, &99u32.to_ne_bytes()); // udpInstance
        put(&mut b, udp_entry::CREATION_PROCESS, &pid.to_ne_bytes());
        b
    }

    fn udp6(l: Ipv6Addr, lp: i32, pid: u32) -> Vec<u8> {
        let mut b = vec![0u8; EntrySizes::ILLUMOS.udp6];
        put(&mut b, udp6_entry::LOCAL_ADDRESS, &l.octets());
        put(&mut b, udp6_entry::LOCAL_PORT, &i32b(lp));
        put(&mut b, udp6_entry::ENTRY_INFO, &i32b(2));
        put(&mut b, udp6_entry::CREATION_PROCESS, &pid.to_ne_bytes());
        b
    }

    fn ack(level: u32, name: u32, len: u32) -> Vec<u8> {
        let mut b = vec![0u8; optmgmt::SIZE + opthdr::SIZE];
        put(&mut b, optmgmt::PRIM_TYPE, &i32b(T_OPTMGMT_ACK));
        put(&mut b, optmgmt::OPT_LENGTH, &i32b(12));
        put(&mut b, optmgmt::OPT_OFFSET, &i32b(16));
        put(&mut b, optmgmt::MGMT_FLAGS, &i32b(T_SUCCESS));
        put(&mut b, 16 + opthdr::LEVEL, &level.to_ne_bytes());
        put(&mut b, 16 + opthdr::NAME, &name.to_ne_bytes());
        put(&mut b, 16 + opthdr::LEN, &len.to_ne_bytes());
        b
    }

    #[test]
    fn replies() {
        assert_eq!(
            parse_reply(&ack(MIB2_TCP, MIB2_TCP_CONN, 136), true).unwrap(),
            Reply::Table {
                level: MIB2_TCP,
                name: MIB2_TCP_CONN,
                len: 136
            }
        );
        assert_eq!(parse_reply(&ack(MIB2_IP, 0, 0), false).unwrap(), Reply::End);
        assert_eq!(
            parse_reply(&ack(MIB2_IP, 0, 4), false).unwrap(),
            Reply::Unexpected {
                prim: T_OPTMGMT_ACK
            }
        );
        let mut failed = ack(MIB2_IP, 0, 0);
        put(&mut failed, optmgmt::MGMT_FLAGS, &i32b(0x40)); // T_FAILURE
        assert_eq!(
            parse_reply(&failed, true).unwrap(),
            Reply::Unexpected {
                prim: T_OPTMGMT_ACK
            }
        );
        let mut err = vec![0u8; error_ack::SIZE];
        put(&mut err, 0, &i32b(T_ERROR_ACK));
        put(&mut err, error_ack::ERROR_PRIM, &i32b(T_SVR4_OPTMGMT_REQ));
        put(&mut err, error_ack::TLI_ERROR, &i32b(TSYSERR));
        put(&mut err, error_ack::UNIX_ERROR, &i32b(13));
        assert_eq!(
            parse_reply(&err, false).unwrap(),
            Reply::Error {
                tli_error: TSYSERR,
                unix_error: 13
            }
        );
        assert_eq!(
            parse_reply(&i32b(19), false).unwrap(),
            Reply::Unexpected { prim: 19 }
        );
        assert!(parse_reply(&[1, 2], false).is_err());
        let mut bad = ack(MIB2_IP, 0, 0);
        put(&mut bad, optmgmt::OPT_OFFSET, &i32b(20)); // opthdr past the end
        assert!(parse_reply(&bad, true).is_err());
        put(&mut bad, optmgmt::OPT_OFFSET, &i32b(-1));
        assert!(parse_reply(&bad, true).is_err());
        let mut short = ack(MIB2_IP, 0, 0);
        put(&mut short, optmgmt::OPT_LENGTH, &i32b(8));
        assert!(parse_reply(&short, true).is_err());
    }

    fn table(level: u32, name: u32, parts: &[Vec<u8>]) -> Table {
        Table {
            level,
            name,
            data: parts.concat(),
        }
    }

    #[test]
    fn tables_with_default_sizes() {
        let s = EntrySizes::ILLUMOS;
        let lo6: Ipv6Addr = "::1".parse().unwrap();
        let mapped: Ipv6Addr = "::ffff:10.0.0.2".parse().unwrap();
        let tables = vec![
            table(MIB2_IP, 0, &[vec![0u8; 100]]),
            table(
                MIB2_TCP,
                MIB2_TCP_CONN,
                &[
                    tcp4(s.tcp, [0, 0, 0, 0], 22, [0, 0, 0, 0], 0, -3, 512),
                    tcp4(s.tcp, [10, 0, 0, 1], 22, [10, 0, 0, 9], 50123, 0, 513),
                ],
            ),
            table(
                MIB2_TCP6,
                MIB2_TCP6_CONN,
                &[tcp6(lo6, 8080, mapped, 65535, 6, 7)],
            ),
            table(
                MIB2_UDP,
                MIB2_UDP_ENTRY,
                &[udp4(s.udp, [127, 0, 0, 1], 53, 600)],
            ),
            table(
                MIB2_UDP6,
                MIB2_UDP6_ENTRY,
                &[udp6(lo6, 5353, 601), vec![1, 2, 3]],
            ),
            // The Trusted Extensions MLP table of the same level is not an entry table.
            table(MIB2_UDP6, 105, &[vec![0xff; 64]]),
        ];
        let c = connections(&tables, s, None).unwrap();
        assert_eq!(c.len(), 5);
        assert_eq!(
            c[0],
            MibConn {
                proto: Proto::Tcp,
                laddr: "0.0.0.0".parse().unwrap(),
                lport: 22,
                raddr: "0.0.0.0".parse().unwrap(),
                rport: 0,
                tcp_state: Some(-3),
                pid: 512
            }
        );
        assert_eq!(c[1].laddr, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(c[1].raddr, "10.0.0.9".parse::<IpAddr>().unwrap());
        assert_eq!(
            (c[1].rport, c[1].tcp_state, c[1].pid),
            (50123, Some(0), 513)
        );
        assert_eq!(
            c[2],
            MibConn {
                proto: Proto::Tcp,
                laddr: IpAddr::V6(lo6),
                lport: 8080,
                raddr: IpAddr::V6(mapped),
                rport: 65535,
                tcp_state: Some(6),
                pid: 7
            }
        );
        assert_eq!(
            (c[3].proto, c[3].laddr, c[3].lport, c[3].tcp_state, c[3].pid),
            (Proto::Udp, "127.0.0.1".parse().unwrap(), 53, None, 600)
        );
        assert_eq!(
            (c[4].laddr, c[4].lport, c[4].pid),
            (IpAddr::V6(lo6), 5353, 601)
        );

        let mine = connections(&tables, s, Some(513)).unwrap();
        assert_eq!(mine, vec![c[1]]);
        assert!(connections(&tables, s, Some(1)).unwrap().is_empty());
    }

    #[test]
    fn sizes_reported_by_the_kernel() {
        // A Solaris 11.4-sized TCP table (72-byte entries) with the group record
        // saying so; the UDP group record says 40.
        let mut tcp_group = vec![0u8; 228];
        put(&mut tcp_group, tcp_group::TCP_CONN_TABLE_SIZE, &i32b(72));
        put(&mut tcp_group, tcp_group::TCP6_CONN_TABLE_SIZE, &i32b(100));
        let mut udp_group = vec![0u8; 40];
        put(&mut udp_group, udp_group::UDP_ENTRY_SIZE, &i32b(40));
        put(&mut udp_group, udp_group::UDP6_ENTRY_SIZE, &i32b(3)); // implausible
        let tables = vec![
            table(
                MIB2_TCP,
                MIB2_TCP_CONN,
                &[
                    tcp4(72, [1, 2, 3, 4], 1, [5, 6, 7, 8], 2, 0, 10),
                    tcp4(72, [1, 2, 3, 4], 3, [5, 6, 7, 8], 4, 5, 11),
                ],
            ),
            table(MIB2_TCP, 0, &[tcp_group]),
            table(MIB2_UDP, 0, &[udp_group]),
            table(MIB2_UDP, MIB2_UDP_ENTRY, &[udp4(40, [0, 0, 0, 0], 123, 12)]),
        ];
        assert_eq!(
            entry_sizes(&tables, EntrySizes::ILLUMOS),
            EntrySizes {
                tcp: 72,
                tcp6: 100,
                udp: 40,
                udp6: 64
            }
        );
        let c = connections(&tables, EntrySizes::ILLUMOS, None).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(
            (c[1].lport, c[1].rport, c[1].tcp_state, c[1].pid),
            (3, 4, Some(5), 11)
        );
        assert_eq!((c[2].lport, c[2].pid), (123, 12));
        // A reported size that does not divide the table, where the default does:
        // the default.
        let mut odd_group = vec![0u8; 228];
        put(&mut odd_group, tcp_group::TCP_CONN_TABLE_SIZE, &i32b(100));
        let t = vec![
            table(MIB2_TCP, 0, &[odd_group]),
            table(
                MIB2_TCP,
                MIB2_TCP_CONN,
                &[
                    tcp4(68, [9, 9, 9, 9], 1, [0; 4], 0, -3, 1),
                    tcp4(68, [9, 9, 9, 9], 2, [0; 4], 0, -3, 2),
                ],
            ),
        ];
        let c = connections(&t, EntrySizes::ILLUMOS, None).unwrap();
        assert_eq!((c.len(), c[1].lport, c[1].pid), (2, 2, 2));
        // Without group records: the defaults.
        assert_eq!(entry_sizes(&[], EntrySizes::SOLARIS), EntrySizes::SOLARIS);
    }

    #[test]
    fn malformed_entries() {
        let bad_port = tcp4(68, [0; 4], 70000, [0; 4], 0, 0, 1);
        let t = vec![table(MIB2_TCP, MIB2_TCP_CONN, &[bad_port])];
        assert!(connections(&t, EntrySizes::ILLUMOS, None).is_err());
        let small = EntrySizes {
            tcp: 8,
            ..EntrySizes::ILLUMOS
        };
        let t = vec![table(MIB2_TCP, MIB2_TCP_CONN, &[vec![0u8; 16]])];
        assert!(connections(&t, small, None).is_err());
        let zero = EntrySizes {
            udp: 0,
            ..EntrySizes::ILLUMOS
        };
        let t = vec![table(MIB2_UDP, MIB2_UDP_ENTRY, &[vec![0u8; 16]])];
        assert!(connections(&t, zero, None).is_err());
    }

    #[test]
    fn states() {
        assert_eq!(tcp_state(-6), Some(TcpState::Closed));
        assert_eq!(tcp_state(-5), Some(TcpState::Idle));
        assert_eq!(tcp_state(-4), Some(TcpState::Bound));
        assert_eq!(tcp_state(-3), Some(TcpState::Listen));
        assert_eq!(tcp_state(-1), Some(TcpState::SynRcvd));
        assert_eq!(tcp_state(0), Some(TcpState::Established));
        assert_eq!(tcp_state(3), Some(TcpState::Closing));
        assert_eq!(tcp_state(5), Some(TcpState::FinWait2));
        assert_eq!(tcp_state(6), Some(TcpState::TimeWait));
        assert_eq!(tcp_state(7), None);
        assert_eq!(tcp_state(-7), None);
    }

    proptest! {
        #[test]
        fn reply_never_panics(ctl in proptest::collection::vec(any::<u8>(), 0..64), more in any::<bool>()) {
            let _ = parse_reply(&ctl, more);
        }

        #[test]
        fn tables_never_panic(
            data in proptest::collection::vec(any::<u8>(), 0..400),
            which in 0usize..6,
            sizes in (0usize..120, 0usize..120, 0usize..120, 0usize..120),
            group in proptest::collection::vec(any::<u8>(), 0..240),
        ) {
            let (level, name) = [
                (MIB2_TCP, MIB2_TCP_CONN), (MIB2_TCP6, MIB2_TCP6_CONN),
                (MIB2_UDP, MIB2_UDP_ENTRY), (MIB2_UDP6, MIB2_UDP6_ENTRY),
                (MIB2_TCP, 0), (MIB2_UDP, 0),
            ][which];
            let defaults = EntrySizes { tcp: sizes.0, tcp6: sizes.1, udp: sizes.2, udp6: sizes.3 };
            let tables = vec![
                Table { level: MIB2_TCP, name: 0, data: group.clone() },
                Table { level: MIB2_UDP, name: 0, data: group },
                Table { level, name, data },
            ];
            if let Ok(c) = connections(&tables, defaults, None) {
                for e in c {
                    prop_assert_eq!(e.proto == Proto::Tcp, e.tcp_state.is_some());
                }
            }
        }
    }
}
