//! Sockets: psutil's SunOS `net_connections` (`psutil/arch/sunos/net.c`,
//! `_pssunos.py`). The TCP and UDP endpoints come from the IP stack's MIB-II tables,
//! asked for over STREAMS as `netstat` does (`mibget()`): open `/dev/arp`, push the
//! `tcp` and `udp` modules, `putmsg` a `T_SVR4_OPTMGMT_REQ` for level `MIB2_IP`
//! name 0 with `T_CURRENT`, then `getmsg` each `T_OPTMGMT_ACK` and its table until
//! the end-of-data ack. `rpsutil_parse::sunos::mib2` decodes the replies and
//! tables. Each endpoint carries the pid that created it (`*CreationProcess`),
//! which is how `Process.net_connections` picks its own; its UNIX sockets come
//! from `pfiles PID` (`rpsutil_parse::sunos::pfiles`), as psutil.
//!
//! The structures below are declared from illumos' `<sys/stropts.h>`
//! (`strbuf`), `<sys/tihdr.h>` (`T_optmgmt_req`, `T_optmgmt_ack`,
//! `T_error_ack`), `<sys/socket.h>` (`opthdr`) and `<inet/mib2.h>` (the group
//! records and the four entry types, `#pragma pack(4)` on amd64), for the LP64
//! model; their sizes and offsets are checked at compile time and against the
//! offsets the parser reads.

use std::ffi::{c_char, c_int};
use std::io;
use std::mem::{offset_of, size_of};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use indexmap::IndexSet;
use rpsutil_parse::sunos::mib2::{self, MibConn, Proto, Reply, Table, TcpState};
use rpsutil_parse::sunos::pfiles::{self, PfilesSockType};

use super::handle::Proc;
use crate::types::conn_kind::ConnKind;
use crate::types::net::{
    Address, AddressFamily, ConnStatus, Connection, SocketType, SystemConnection,
};
use crate::types::process::Pid;
use crate::{Error, Result};

/// `struct strbuf` (`<sys/stropts.h>`): a `getmsg`/`putmsg` buffer.
#[repr(C)]
struct Strbuf {
    maxlen: c_int,
    len: c_int,
    buf: *mut c_char,
}
const _: () = assert!(size_of::<Strbuf>() == 16);
const _: () = assert!(offset_of!(Strbuf, len) == 4);
const _: () = assert!(offset_of!(Strbuf, buf) == 8);

/// `struct T_optmgmt_req` (`<sys/tihdr.h>`; `t_scalar_t` is 32-bit).
#[repr(C)]
struct TOptmgmtReq {
    prim_type: i32,
    opt_length: i32,
    opt_offset: i32,
    mgmt_flags: i32,
}

/// `struct opthdr` (`<sys/socket.h>`; `t_uscalar_t` is 32-bit).
#[repr(C)]
struct Opthdr {
    level: u32,
    name: u32,
    len: u32,
}

/// The request's control part: the `T_optmgmt_req` and, at its `OPT_offset`, the
/// `opthdr`.
#[repr(C)]
struct MibRequest {
    req: TOptmgmtReq,
    hdr: Opthdr,
}

const _: () = assert!(size_of::<TOptmgmtReq>() == mib2::optmgmt::SIZE);
const _: () = assert!(offset_of!(TOptmgmtReq, opt_length) == mib2::optmgmt::OPT_LENGTH);
const _: () = assert!(offset_of!(TOptmgmtReq, opt_offset) == mib2::optmgmt::OPT_OFFSET);
const _: () = assert!(offset_of!(TOptmgmtReq, mgmt_flags) == mib2::optmgmt::MGMT_FLAGS);
const _: () = assert!(size_of::<Opthdr>() == mib2::opthdr::SIZE);
const _: () = assert!(offset_of!(Opthdr, name) == mib2::opthdr::NAME);
const _: () = assert!(offset_of!(Opthdr, len) == mib2::opthdr::LEN);
const _: () = assert!(size_of::<MibRequest>() == 28);
const _: () = assert!(offset_of!(MibRequest, hdr) == 16);

/// Layout declarations the replies are decoded by (through the parser's offsets,
/// which these assertions tie to the headers); never built in Rust.
#[allow(dead_code)]
mod layouts {
    use std::ffi::c_int;
    use std::mem::{offset_of, size_of};

    use rpsutil_parse::sunos::mib2::{
        error_ack, optmgmt, tcp6_conn, tcp_conn, tcp_group, udp6_entry, udp_entry, udp_group,
        EntrySizes,
    };

    /// `struct T_optmgmt_ack` (`<sys/tihdr.h>`).
    #[repr(C)]
    pub(super) struct TOptmgmtAck {
        prim_type: i32,
        opt_length: i32,
        opt_offset: i32,
        mgmt_flags: i32,
    }
    const _: () = assert!(size_of::<TOptmgmtAck>() == optmgmt::SIZE);
    const _: () = assert!(offset_of!(TOptmgmtAck, prim_type) == optmgmt::PRIM_TYPE);
    const _: () = assert!(offset_of!(TOptmgmtAck, opt_length) == optmgmt::OPT_LENGTH);
    const _: () = assert!(offset_of!(TOptmgmtAck, opt_offset) == optmgmt::OPT_OFFSET);
    const _: () = assert!(offset_of!(TOptmgmtAck, mgmt_flags) == optmgmt::MGMT_FLAGS);

    /// `struct T_error_ack` (`<sys/tihdr.h>`).
    #[repr(C)]
    pub(super) struct TErrorAck {
        prim_type: i32,
        error_prim: i32,
        tli_error: i32,
        unix_error: i32,
    }
    const _: () = assert!(size_of::<TErrorAck>() == error_ack::SIZE);
    const _: () = assert!(offset_of!(TErrorAck, error_prim) == error_ack::ERROR_PRIM);
    const _: () = assert!(offset_of!(TErrorAck, tli_error) == error_ack::TLI_ERROR);
    const _: () = assert!(offset_of!(TErrorAck, unix_error) == error_ack::UNIX_ERROR);

    /// `Ip6Address` (`struct in6_addr`: 16 bytes, 4-aligned by its `uint32_t`
    /// union member; libc's `in6_addr` carries `repr(align)`, which a packed
    /// structure may not contain).
    type Ip6Address = [u32; 4];

    /// `struct tcpConnEntryInfo_s` (8 `Gauge`s and `ce_state`).
    #[repr(C)]
    pub(super) struct TcpConnEntryInfo {
        ce_snxt: u32,
        ce_suna: u32,
        ce_swnd: u32,
        ce_rnxt: u32,
        ce_rack: u32,
        ce_rwnd: u32,
        ce_rto: u32,
        ce_mss: u32,
        ce_state: c_int,
    }
    const _: () = assert!(size_of::<TcpConnEntryInfo>() == 36);

    /// `mib2_tcpConnEntry_t`.
    #[repr(C, packed(4))]
    pub(super) struct Mib2TcpConnEntry {
        tcp_conn_state: c_int,
        tcp_conn_local_address: u32,
        tcp_conn_local_port: c_int,
        tcp_conn_rem_address: u32,
        tcp_conn_rem_port: c_int,
        tcp_conn_entry_info: TcpConnEntryInfo,
        tcp_conn_creation_process: u32,
        tcp_conn_creation_time: u64,
        /// Oracle Solaris 11.4 only.
        #[cfg(target_os = "solaris")]
        tcp_conn_creation_real_uid: u32,
    }
    const _: () =
        assert!(offset_of!(Mib2TcpConnEntry, tcp_conn_local_address) == tcp_conn::LOCAL_ADDRESS);
    const _: () =
        assert!(offset_of!(Mib2TcpConnEntry, tcp_conn_local_port) == tcp_conn::LOCAL_PORT);
    const _: () =
        assert!(offset_of!(Mib2TcpConnEntry, tcp_conn_rem_address) == tcp_conn::REM_ADDRESS);
    const _: () = assert!(offset_of!(Mib2TcpConnEntry, tcp_conn_rem_port) == tcp_conn::REM_PORT);
    const _: () =
        assert!(offset_of!(Mib2TcpConnEntry, tcp_conn_entry_info) == tcp_conn::ENTRY_INFO);
    const _: () = assert!(
        offset_of!(Mib2TcpConnEntry, tcp_conn_entry_info) + offset_of!(TcpConnEntryInfo, ce_state)
            == tcp_conn::CE_STATE
    );
    const _: () = assert!(
        offset_of!(Mib2TcpConnEntry, tcp_conn_creation_process) == tcp_conn::CREATION_PROCESS
    );
    const _: () = assert!(offset_of!(Mib2TcpConnEntry, tcp_conn_creation_time) == 60);

    /// `mib2_tcp6ConnEntry_t`.
    #[repr(C, packed(4))]
    pub(super) struct Mib2Tcp6ConnEntry {
        tcp6_conn_local_address: Ip6Address,
        tcp6_conn_local_port: c_int,
        tcp6_conn_rem_address: Ip6Address,
        tcp6_conn_rem_port: c_int,
        tcp6_conn_if_index: u32,
        tcp6_conn_state: c_int,
        tcp6_conn_entry_info: TcpConnEntryInfo,
        tcp6_conn_creation_process: u32,
        tcp6_conn_creation_time: u64,
        /// Oracle Solaris 11.4 only.
        #[cfg(target_os = "solaris")]
        tcp6_conn_creation_real_uid: u32,
    }
    const _: () =
        assert!(offset_of!(Mib2Tcp6ConnEntry, tcp6_conn_local_address) == tcp6_conn::LOCAL_ADDRESS);
    const _: () =
        assert!(offset_of!(Mib2Tcp6ConnEntry, tcp6_conn_local_port) == tcp6_conn::LOCAL_PORT);
    const _: () =
        assert!(offset_of!(Mib2Tcp6ConnEntry, tcp6_conn_rem_address) == tcp6_conn::REM_ADDRESS);
    const _: () = assert!(offset_of!(Mib2Tcp6ConnEntry, tcp6_conn_rem_port) == tcp6_conn::REM_PORT);
    const _: () =
        assert!(offset_of!(Mib2Tcp6ConnEntry, tcp6_conn_entry_info) == tcp6_conn::ENTRY_INFO);
    const _: () = assert!(
        offset_of!(Mib2Tcp6ConnEntry, tcp6_conn_entry_info)
            + offset_of!(TcpConnEntryInfo, ce_state)
            == tcp6_conn::CE_STATE
    );
    const _: () = assert!(
        offset_of!(Mib2Tcp6ConnEntry, tcp6_conn_creation_process) == tcp6_conn::CREATION_PROCESS
    );

    /// `struct udpEntryInfo_s`.
    #[repr(C)]
    pub(super) struct UdpEntryInfo {
        ue_state: c_int,
        ue_remote_address: u32,
        ue_remote_port: c_int,
    }

    /// `mib2_udpEntry_t`.
    #[repr(C, packed(4))]
    pub(super) struct Mib2UdpEntry {
        udp_local_address: u32,
        udp_local_port: c_int,
        udp_entry_info: UdpEntryInfo,
        udp_instance: u32,
        udp_creation_process: u32,
        udp_creation_time: u64,
        /// Oracle Solaris 11.4 only.
        #[cfg(target_os = "solaris")]
        udp_creation_real_uid: u32,
    }
    const _: () = assert!(offset_of!(Mib2UdpEntry, udp_local_address) == udp_entry::LOCAL_ADDRESS);
    const _: () = assert!(offset_of!(Mib2UdpEntry, udp_local_port) == udp_entry::LOCAL_PORT);
    const _: () = assert!(offset_of!(Mib2UdpEntry, udp_entry_info) == udp_entry::ENTRY_INFO);
    const _: () = assert!(offset_of!(Mib2UdpEntry, udp_instance) == 20);
    const _: () =
        assert!(offset_of!(Mib2UdpEntry, udp_creation_process) == udp_entry::CREATION_PROCESS);

    /// `struct udp6EntryInfo_s`.
    #[repr(C)]
    pub(super) struct Udp6EntryInfo {
        ue_state: c_int,
        ue_remote_address: Ip6Address,
        ue_remote_port: c_int,
    }

    /// `mib2_udp6Entry_t`.
    #[repr(C, packed(4))]
    pub(super) struct Mib2Udp6Entry {
        udp6_local_address: Ip6Address,
        udp6_local_port: c_int,
        udp6_if_index: u32,
        udp6_entry_info: Udp6EntryInfo,
        udp6_instance: u32,
        udp6_creation_process: u32,
        udp6_creation_time: u64,
        /// Oracle Solaris 11.4 only.
        #[cfg(target_os = "solaris")]
        udp6_creation_real_uid: u32,
    }
    const _: () =
        assert!(offset_of!(Mib2Udp6Entry, udp6_local_address) == udp6_entry::LOCAL_ADDRESS);
    const _: () = assert!(offset_of!(Mib2Udp6Entry, udp6_local_port) == udp6_entry::LOCAL_PORT);
    const _: () = assert!(offset_of!(Mib2Udp6Entry, udp6_entry_info) == udp6_entry::ENTRY_INFO);
    const _: () =
        assert!(offset_of!(Mib2Udp6Entry, udp6_creation_process) == udp6_entry::CREATION_PROCESS);

    /// The entry sizes of this target's headers (psutil's `sizeof`), used when the
    /// kernel's group records do not give them.
    pub(super) const ENTRY_SIZES: EntrySizes = EntrySizes {
        tcp: size_of::<Mib2TcpConnEntry>(),
        tcp6: size_of::<Mib2Tcp6ConnEntry>(),
        udp: size_of::<Mib2UdpEntry>(),
        udp6: size_of::<Mib2Udp6Entry>(),
    };
    #[cfg(not(target_os = "solaris"))]
    const _: () = assert!(
        ENTRY_SIZES.tcp == EntrySizes::ILLUMOS.tcp
            && ENTRY_SIZES.tcp6 == EntrySizes::ILLUMOS.tcp6
            && ENTRY_SIZES.udp == EntrySizes::ILLUMOS.udp
            && ENTRY_SIZES.udp6 == EntrySizes::ILLUMOS.udp6
    );
    #[cfg(target_os = "solaris")]
    const _: () = assert!(
        ENTRY_SIZES.tcp == EntrySizes::SOLARIS.tcp
            && ENTRY_SIZES.tcp6 == EntrySizes::SOLARIS.tcp6
            && ENTRY_SIZES.udp == EntrySizes::SOLARIS.udp
            && ENTRY_SIZES.udp6 == EntrySizes::SOLARIS.udp6
    );

    /// `mib2_tcp_t` (illumos): the two entry-size fields, the counters around
    /// them as opaque words (`tcpRtoAlgorithm` … `tcpRetransSegs`, then
    /// `tcpOutRsts` … `tcpOutSackRetransSegs`).
    #[repr(C, packed(4))]
    pub(super) struct Mib2Tcp {
        counters_1_12: [u32; 12],
        tcp_conn_table_size: c_int,
        counters_15_out_sack: [u32; 39],
        tcp6_conn_table_size: c_int,
        tcp_hc_in_segs: u64,
        tcp_hc_out_segs: u64,
    }
    const _: () = assert!(size_of::<Mib2Tcp>() == 228);
    const _: () =
        assert!(offset_of!(Mib2Tcp, tcp_conn_table_size) == tcp_group::TCP_CONN_TABLE_SIZE);
    const _: () =
        assert!(offset_of!(Mib2Tcp, tcp6_conn_table_size) == tcp_group::TCP6_CONN_TABLE_SIZE);

    /// `mib2_udp_t`.
    #[repr(C, packed(4))]
    pub(super) struct Mib2Udp {
        udp_in_datagrams: u32,
        udp_in_errors: u32,
        udp_out_datagrams: u32,
        udp_entry_size: c_int,
        udp6_entry_size: c_int,
        udp_out_errors: u32,
        udp_hc_in_datagrams: u64,
        udp_hc_out_datagrams: u64,
    }
    const _: () = assert!(size_of::<Mib2Udp>() == 40);
    const _: () = assert!(offset_of!(Mib2Udp, udp_entry_size) == udp_group::UDP_ENTRY_SIZE);
    const _: () = assert!(offset_of!(Mib2Udp, udp6_entry_size) == udp_group::UDP6_ENTRY_SIZE);
}

extern "C" {
    /// `putmsg(2)`.
    fn putmsg(fd: c_int, ctlptr: *const Strbuf, dataptr: *const Strbuf, flags: c_int) -> c_int;
    /// `getmsg(2)`.
    fn getmsg(fd: c_int, ctlptr: *mut Strbuf, dataptr: *mut Strbuf, flagsp: *mut c_int) -> c_int;
}

/// `MOREDATA` (`<sys/stropts.h>`): `getmsg` left a data part to read.
const MOREDATA: c_int = 2;
/// A control part fits in psutil's and `netstat`'s 512 bytes.
#[repr(C, align(8))]
struct CtlBuf([u8; 512]);
/// No table is larger than this (the kernel's tables are far smaller).
const MAX_TABLE: u32 = 1 << 30;

/// psutil's errors of a system call here: EACCES/EPERM (and TLI's `TACCES`) are
/// AccessDenied (the MIB needs privileges; `pid` is the process asked about, None
/// system-wide), anything else the OS error.
fn sys_error(err: io::Error, what: &str, pid: Option<Pid>) -> Error {
    match err.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => Error::AccessDenied {
            pid,
            name: None,
            msg: format!("{what}: {err}"),
        },
        _ => Error::os(err, what),
    }
}

/// `getmsg`, retried on EINTR.
fn getmsg_retry(fd: c_int, ctl: *mut Strbuf, data: *mut Strbuf) -> io::Result<c_int> {
    loop {
        let mut flags: c_int = 0;
        // SAFETY: ctl and data are null or point to live strbufs whose `buf`
        // holds `maxlen` writable bytes; flags is a live int.
        let rc = unsafe { getmsg(fd, ctl, data, &mut flags) };
        if rc >= 0 {
            return Ok(rc);
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
}

/// Every table of the MIB-II "get all" request, keeping the TCP and UDP ones.
fn read_tables(pid: Option<Pid>) -> Result<Vec<Table>> {
    let dev = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/arp")
        .map_err(|e| sys_error(e, "/dev/arp", pid))?;
    let fd = dev.as_raw_fd();
    for module in [c"tcp", c"udp"] {
        // SAFETY: I_PUSH takes a NUL-terminated module name, alive for the call.
        if unsafe { libc::ioctl(fd, libc::I_PUSH, module.as_ptr()) } < 0 {
            return Err(sys_error(io::Error::last_os_error(), "ioctl(I_PUSH)", pid));
        }
    }
    let mut req = MibRequest {
        req: TOptmgmtReq {
            prim_type: mib2::T_SVR4_OPTMGMT_REQ,
            opt_length: size_of::<Opthdr>() as i32,
            opt_offset: size_of::<TOptmgmtReq>() as i32,
            mgmt_flags: mib2::T_CURRENT,
        },
        // psutil and netstat send length 1 with the "get all" request.
        hdr: Opthdr {
            level: mib2::MIB2_IP,
            name: 0,
            len: 1,
        },
    };
    let ctl = Strbuf {
        maxlen: size_of::<MibRequest>() as c_int,
        len: size_of::<MibRequest>() as c_int,
        buf: (&mut req as *mut MibRequest).cast(),
    };
    // SAFETY: ctl points to the live request of `len` bytes; no data part.
    if unsafe { putmsg(fd, &ctl, std::ptr::null(), 0) } < 0 {
        return Err(sys_error(io::Error::last_os_error(), "putmsg", pid));
    }
    let mut tables = Vec::new();
    let mut cbuf = CtlBuf([0; 512]);
    loop {
        let mut ctl = Strbuf {
            maxlen: cbuf.0.len() as c_int,
            len: 0,
            buf: cbuf.0.as_mut_ptr().cast(),
        };
        let rc = getmsg_retry(fd, &mut ctl, std::ptr::null_mut())
            .map_err(|e| sys_error(e, "getmsg", pid))?;
        // No control part (len −1) or a truncated one: nothing psutil reads on.
        let n = usize::try_from(ctl.len).unwrap_or(0).min(cbuf.0.len());
        if n < 4 {
            break;
        }
        let reply = mib2::parse_reply(&cbuf.0[..n], rc == MOREDATA).map_err(|e| Error::Parse {
            path: "/dev/arp (T_OPTMGMT_ACK)".into(),
            detail: e.detail,
        })?;
        let (level, name, len) = match reply {
            Reply::Table { level, name, len } => (level, name, len),
            // psutil stops at anything but a table announcement.
            Reply::End | Reply::Unexpected { .. } => break,
            Reply::Error {
                tli_error,
                unix_error,
            } => {
                let errno = match tli_error {
                    mib2::TSYSERR => unix_error,
                    mib2::TACCES => libc::EACCES,
                    _ => libc::EPROTO,
                };
                return Err(sys_error(
                    io::Error::from_raw_os_error(errno),
                    "T_ERROR_ACK",
                    pid,
                ));
            }
        };
        if len > MAX_TABLE {
            return Err(Error::Parse {
                path: "/dev/arp".into(),
                detail: format!("MIB2 table ({level}, {name}) of {len} bytes"),
            });
        }
        let mut data = vec![0u8; len as usize];
        let mut dbuf = Strbuf {
            maxlen: len as c_int,
            len: 0,
            buf: data.as_mut_ptr().cast(),
        };
        let rc = getmsg_retry(fd, std::ptr::null_mut(), &mut dbuf)
            .map_err(|e| sys_error(e, "getmsg", pid))?;
        if rc != 0 {
            return Err(Error::os(
                io::Error::other(format!(
                    "getmsg(data) returned {rc} for MIB2 table ({level}, {name}) of {len} bytes"
                )),
                "getmsg",
            ));
        }
        data.truncate(usize::try_from(dbuf.len).unwrap_or(0));
        if matches!(
            level,
            mib2::MIB2_TCP | mib2::MIB2_TCP6 | mib2::MIB2_UDP | mib2::MIB2_UDP6
        ) {
            tables.push(Table { level, name, data });
        }
    }
    Ok(tables)
}

/// psutil's `TCP_STATUSES` (`_pssunos.py`); a value outside `TCPS_*` is `NONE`
/// (psutil: KeyError).
fn status_of(ce_state: Option<i32>) -> ConnStatus {
    match ce_state.and_then(mib2::tcp_state) {
        None => ConnStatus::None,
        Some(s) => match s {
            TcpState::Closed => ConnStatus::Close,
            TcpState::Idle => ConnStatus::Idle,
            TcpState::Bound => ConnStatus::Bound,
            TcpState::Listen => ConnStatus::Listen,
            TcpState::SynSent => ConnStatus::SynSent,
            TcpState::SynRcvd => ConnStatus::SynRecv,
            TcpState::Established => ConnStatus::Established,
            TcpState::CloseWait => ConnStatus::CloseWait,
            TcpState::FinWait1 => ConnStatus::FinWait1,
            TcpState::Closing => ConnStatus::Closing,
            TcpState::LastAck => ConnStatus::LastAck,
            TcpState::FinWait2 => ConnStatus::FinWait2,
            TcpState::TimeWait => ConnStatus::TimeWait,
        },
    }
}

/// A table entry as psutil's raw tuple: fd −1, the family of its table, laddr
/// always `(ip, port)`, raddr `(ip, port)` for TCP with a remote port, else `()`.
fn to_connection(c: &MibConn) -> Connection {
    let family = if c.laddr.is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    };
    let (kind, raddr) = match c.proto {
        Proto::Tcp if c.rport != 0 => (
            SocketType::Stream,
            Address::Inet {
                ip: c.raddr,
                port: c.rport,
            },
        ),
        Proto::Tcp => (SocketType::Stream, Address::None),
        Proto::Udp => (SocketType::Dgram, Address::None),
    };
    Connection {
        fd: -1,
        family,
        kind,
        laddr: Address::Inet {
            ip: c.laddr,
            port: c.lport,
        },
        raddr,
        status: status_of(c.tcp_state),
    }
}

/// psutil's SunOS `conn_tmap` has no `"unix"` (`_common.py`): ValueError.
fn check_kind(kind: ConnKind) -> Result<()> {
    if kind != ConnKind::Unix {
        return Ok(());
    }
    let valid: Vec<String> = ConnKind::ALL
        .iter()
        .filter(|k| **k != ConnKind::Unix)
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    Err(Error::invalid(format!(
        "invalid kind argument 'unix'; valid ones are: ({})",
        valid.join(", ")
    )))
}

/// The inet endpoints of `kind`, created by `pid` when one is given, as
/// `(creator pid, connection)` (`Pid` is the kernel's `uint32_t` here), without duplicates (psutil returns a set).
fn inet_connections(kind: ConnKind, pid: Option<Pid>) -> Result<Vec<(Pid, Connection)>> {
    let tables = read_tables(pid)?;
    let conns =
        mib2::connections(&tables, layouts::ENTRY_SIZES, pid).map_err(|e| Error::Parse {
            path: "/dev/arp (MIB2 connection tables)".into(),
            detail: e.detail,
        })?;
    let set: IndexSet<(Pid, Connection)> = conns
        .iter()
        .map(|c| (c.pid, to_connection(c)))
        .filter(|(_, c)| match c.kind {
            SocketType::Stream => kind.wants_tcp(c.family),
            _ => kind.wants_udp(c.family),
        })
        .collect();
    Ok(set.into_iter().collect())
}

/// psutil's SunOS `net_connections()`: every TCP and UDP endpoint of `kind`, with
/// the pid that created it (`pid` None when `with_owners` is false or the kernel
/// does not know it, `MIB2_UNKNOWN_PROCESS`); fd always −1. No UNIX sockets.
pub(crate) fn system_connections(
    kind: ConnKind,
    with_owners: bool,
) -> Result<Vec<SystemConnection>> {
    check_kind(kind)?;
    Ok(inet_connections(kind, None)?
        .into_iter()
        .map(|(pid, c)| SystemConnection {
            fd: c.fd,
            family: c.family,
            kind: c.kind,
            laddr: c.laddr,
            raddr: c.raddr,
            status: c.status,
            pid: (with_owners && pid != 0).then_some(pid),
        })
        .collect())
}

/// psutil's SunOS `Process.net_connections`: the endpoints this process created
/// (fd −1); an empty list checks that the process still exists (psutil's
/// `os.stat(/proc/PID)`); `kind="all"` adds the UNIX sockets `pfiles` shows.
pub(crate) fn net_connections(p: &mut Proc<'_>, kind: ConnKind) -> Result<Vec<Connection>> {
    check_kind(kind)?;
    let mut out: Vec<Connection> = inet_connections(kind, Some(p.pid))?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    if out.is_empty() {
        p.ensure_alive()?;
    }
    if kind.wants_unix() {
        out.extend(unix_sockets(p.pid)?);
    }
    Ok(out)
}

/// The process's UNIX sockets from `pfiles PID` (psutil's `_get_unix_sockets`):
/// a failure whose message says "permission denied" is AccessDenied, "no such
/// process" NoSuchProcess, "zombie" ZombieProcess, anything else an error. Each
/// socket keeps its fd, type and peer path (psutil: fd −1, raddr `""`); one
/// without a known `SOCK_STREAM`/`DGRAM`/`SEQPACKET`/`RAW` type is left out
/// (psutil gives type −1).
fn unix_sockets(pid: Pid) -> Result<Vec<Connection>> {
    let out = std::process::Command::new("pfiles")
        .arg(pid.to_string())
        // English messages, which the checks below read.
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::os(e, "pfiles"))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr).to_lowercase();
        return Err(if msg.contains("permission denied") {
            Error::access_denied(pid)
        } else if msg.contains("no such process") {
            Error::no_such_process(pid)
        } else if msg.contains("zombie") {
            Error::zombie(pid)
        } else {
            Error::os(
                io::Error::other(format!("['pfiles', '{pid}'] command error\n{}", msg.trim())),
                "pfiles",
            )
        });
    }
    Ok(pfiles::unix_sockets(&out.stdout)
        .into_iter()
        .filter_map(|s| {
            let kind = match s.sock_type? {
                PfilesSockType::Stream => SocketType::Stream,
                PfilesSockType::Dgram => SocketType::Dgram,
                PfilesSockType::SeqPacket => SocketType::SeqPacket,
                PfilesSockType::Raw => SocketType::Raw,
                PfilesSockType::Other => return None,
            };
            Some(Connection {
                fd: s.fd,
                family: AddressFamily::Unix,
                kind,
                laddr: Address::Unix(PathBuf::from(std::ffi::OsString::from_vec(s.path))),
                raddr: Address::Unix(PathBuf::from(std::ffi::OsString::from_vec(
                    s.peer.unwrap_or_default(),
                ))),
                status: ConnStatus::None,
            })
        })
        .collect())
}
