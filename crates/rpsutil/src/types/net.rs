//! Network types: addresses, families, socket kinds and statuses, psutil's `pconn`,
//! `sconn`, `snetio`, `snicaddr`, `snicstats`.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Serialize, Serializer};

use crate::Pid;

/// A socket address family. Serialises as the OS's integer (`AF_INET` is 2 everywhere,
/// `AF_INET6` is 10 on Linux), as psutil's `socket.AddressFamily` IntEnum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressFamily {
    /// `AF_INET`, IPv4.
    Inet,
    /// `AF_INET6`, IPv6.
    Inet6,
    /// `AF_UNIX`, local sockets.
    Unix,
    /// psutil's `AF_LINK`: link-layer (MAC) addresses (`AF_PACKET`, 17, on Linux).
    Link,
}

impl AddressFamily {
    /// The OS's number for this family.
    pub fn as_raw(self) -> i32 {
        match self {
            AddressFamily::Inet => os_numbers::AF_INET,
            AddressFamily::Inet6 => os_numbers::AF_INET6,
            AddressFamily::Unix => os_numbers::AF_UNIX,
            AddressFamily::Link => os_numbers::AF_LINK,
        }
    }

    /// The socket family with this OS number: inet, inet6 or UNIX, the ones psutil
    /// reports connections of; None for any other (or out-of-range) number.
    #[cfg(any(
        target_os = "macos",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd"
    ))]
    pub(crate) fn of_socket(raw: i64) -> Option<AddressFamily> {
        with_raw(
            [
                AddressFamily::Inet,
                AddressFamily::Inet6,
                AddressFamily::Unix,
            ],
            raw,
            AddressFamily::as_raw,
        )
    }
}

impl Serialize for AddressFamily {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i32(self.as_raw())
    }
}

/// A socket type. Serialises as the OS's integer (`SOCK_STREAM` 1, `SOCK_DGRAM` 2 on
/// Linux), as psutil's `socket.SocketKind` IntEnum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SocketType {
    /// `SOCK_STREAM`.
    Stream,
    /// `SOCK_DGRAM`.
    Dgram,
    /// `SOCK_SEQPACKET`.
    SeqPacket,
    /// `SOCK_RAW`.
    Raw,
}

impl SocketType {
    /// The OS's number for this type.
    pub fn as_raw(self) -> i32 {
        match self {
            SocketType::Stream => os_numbers::SOCK_STREAM,
            SocketType::Dgram => os_numbers::SOCK_DGRAM,
            SocketType::Raw => os_numbers::SOCK_RAW,
            SocketType::SeqPacket => os_numbers::SOCK_SEQPACKET,
        }
    }

    /// The type with this OS number, None for an unknown (or out-of-range) one.
    #[cfg(any(
        target_os = "macos",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd"
    ))]
    pub(crate) fn from_raw(raw: i64) -> Option<SocketType> {
        with_raw(
            [
                SocketType::Stream,
                SocketType::Dgram,
                SocketType::SeqPacket,
                SocketType::Raw,
            ],
            raw,
            SocketType::as_raw,
        )
    }
}

/// The one of `values` whose OS number (`as_raw`) is `raw`.
#[cfg(any(
    target_os = "macos",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd"
))]
fn with_raw<T: Copy, const N: usize>(values: [T; N], raw: i64, as_raw: fn(T) -> i32) -> Option<T> {
    let raw = i32::try_from(raw).ok()?;
    values.into_iter().find(|&v| as_raw(v) == raw)
}

impl Serialize for SocketType {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i32(self.as_raw())
    }
}

/// A TCP connection state (psutil's `CONN_*`), `None` for UDP and UNIX sockets.
/// Serialises as psutil's string (`"ESTABLISHED"`, `"LISTEN"`, `"NONE"`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnStatus {
    /// `ESTABLISHED`
    Established,
    /// `SYN_SENT`
    SynSent,
    /// `SYN_RECV`
    SynRecv,
    /// `FIN_WAIT1`
    FinWait1,
    /// `FIN_WAIT2`
    FinWait2,
    /// `TIME_WAIT`
    TimeWait,
    /// `CLOSE`
    Close,
    /// `CLOSE_WAIT`
    CloseWait,
    /// `LAST_ACK`
    LastAck,
    /// `LISTEN`
    Listen,
    /// `CLOSING`
    Closing,
    /// `NONE`: not a TCP socket.
    None,
    /// `DELETE_TCB` (Windows).
    DeleteTcb,
    /// `IDLE` (Solaris).
    Idle,
    /// `BOUND` (Solaris).
    Bound,
}

impl ConnStatus {
    /// psutil's string.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnStatus::Established => "ESTABLISHED",
            ConnStatus::SynSent => "SYN_SENT",
            ConnStatus::SynRecv => "SYN_RECV",
            ConnStatus::FinWait1 => "FIN_WAIT1",
            ConnStatus::FinWait2 => "FIN_WAIT2",
            ConnStatus::TimeWait => "TIME_WAIT",
            ConnStatus::Close => "CLOSE",
            ConnStatus::CloseWait => "CLOSE_WAIT",
            ConnStatus::LastAck => "LAST_ACK",
            ConnStatus::Listen => "LISTEN",
            ConnStatus::Closing => "CLOSING",
            ConnStatus::None => "NONE",
            ConnStatus::DeleteTcb => "DELETE_TCB",
            ConnStatus::Idle => "IDLE",
            ConnStatus::Bound => "BOUND",
        }
    }
}

impl fmt::Display for ConnStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ConnStatus {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A socket address as psutil gives it: `addr(ip, port)` for inet sockets, a path
/// string for UNIX sockets, or nothing (psutil's empty tuple `()`).
///
/// JSON: `{"ip": "127.0.0.1", "port": 80}`, `"/run/x.sock"` (or `""`), `[]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// An IP address and port.
    Inet {
        /// The address.
        ip: IpAddr,
        /// The port.
        port: u16,
    },
    /// A UNIX socket path (abstract names start with `@`; empty when unbound), of
    /// any bytes (JSON shows it as text, bytes that are not UTF-8 replaced).
    Unix(PathBuf),
    /// No address: an unconnected or unbound inet socket.
    None,
}

impl Address {
    /// True for [`Address::None`] and for an empty UNIX path.
    pub fn is_empty(&self) -> bool {
        match self {
            Address::None => true,
            Address::Unix(p) => p.as_os_str().is_empty(),
            Address::Inet { .. } => false,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Inet {
                ip: IpAddr::V6(ip),
                port,
            } => write!(f, "[{ip}]:{port}"),
            Address::Inet { ip, port } => write!(f, "{ip}:{port}"),
            Address::Unix(p) => write!(f, "{}", p.display()),
            Address::None => Ok(()),
        }
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        match self {
            Address::Inet { ip, port } => {
                let mut st = s.serialize_struct("addr", 2)?;
                st.serialize_field("ip", &ip.to_string())?;
                st.serialize_field("port", port)?;
                st.end()
            }
            Address::Unix(p) => s.serialize_str(&p.to_string_lossy()),
            Address::None => s
                .serialize_seq(Some(0))
                .and_then(serde::ser::SerializeSeq::end),
        }
    }
}

/// psutil's `pconn`: one socket of a process.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Connection {
    /// The file descriptor (-1 where the OS does not say).
    pub fd: i32,
    /// Address family.
    pub family: AddressFamily,
    /// Socket type (serialised as `type`).
    #[serde(rename = "type")]
    pub kind: SocketType,
    /// Local address.
    pub laddr: Address,
    /// Remote address.
    pub raddr: Address,
    /// TCP state, or `NONE`.
    pub status: ConnStatus,
}

/// psutil's `sconn`: one socket of the system, with its owner when known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct SystemConnection {
    /// The owner's file descriptor, -1 when the owner is unknown or not asked for.
    pub fd: i32,
    /// Address family.
    pub family: AddressFamily,
    /// Socket type (serialised as `type`).
    #[serde(rename = "type")]
    pub kind: SocketType,
    /// Local address.
    pub laddr: Address,
    /// Remote address.
    pub raddr: Address,
    /// TCP state, or `NONE`.
    pub status: ConnStatus,
    /// The owning process, None when unknown (another user's process seen without
    /// privileges) or not asked for.
    pub pid: Option<Pid>,
}

/// psutil's `snetio`: traffic counters of a NIC (or all NICs summed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct NetIoCounters {
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_recv: u64,
    /// Packets sent.
    pub packets_sent: u64,
    /// Packets received.
    pub packets_recv: u64,
    /// Receive errors.
    pub errin: u64,
    /// Send errors.
    pub errout: u64,
    /// Incoming packets dropped.
    pub dropin: u64,
    /// Outgoing packets dropped.
    pub dropout: u64,
}

impl NetIoCounters {
    pub(crate) fn to_vec(self) -> Vec<u64> {
        vec![
            self.bytes_sent,
            self.bytes_recv,
            self.packets_sent,
            self.packets_recv,
            self.errin,
            self.errout,
            self.dropin,
            self.dropout,
        ]
    }

    pub(crate) fn from_slice(v: &[u64]) -> Self {
        let g = |i: usize| v.get(i).copied().unwrap_or(0);
        NetIoCounters {
            bytes_sent: g(0),
            bytes_recv: g(1),
            packets_sent: g(2),
            packets_recv: g(3),
            errin: g(4),
            errout: g(5),
            dropin: g(6),
            dropout: g(7),
        }
    }
}

/// psutil's `snicaddr`: one address of a NIC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NicAddr {
    /// `AF_INET`, `AF_INET6` or [`AddressFamily::Link`].
    pub family: AddressFamily,
    /// The address (IPv6 link-local ones carry a `%nic` scope; MACs are `aa:bb:...`).
    pub address: String,
    /// The netmask, if any.
    pub netmask: Option<String>,
    /// The broadcast address, if the NIC broadcasts.
    pub broadcast: Option<String>,
    /// The other end of a point-to-point link.
    pub ptp: Option<String>,
}

/// psutil's `NicDuplex`. Serialises as psutil's integer (2 full, 1 half, 0 unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NicDuplex {
    /// `NIC_DUPLEX_FULL` (2).
    Full,
    /// `NIC_DUPLEX_HALF` (1).
    Half,
    /// `NIC_DUPLEX_UNKNOWN` (0).
    Unknown,
}

impl NicDuplex {
    /// psutil's number.
    pub fn as_raw(self) -> i32 {
        match self {
            NicDuplex::Full => 2,
            NicDuplex::Half => 1,
            NicDuplex::Unknown => 0,
        }
    }
}

impl Serialize for NicDuplex {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i32(self.as_raw())
    }
}

/// psutil's `snicstats`: state of a NIC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NicStats {
    /// True when the NIC is running (`IFF_RUNNING`: up and with a carrier).
    pub isup: bool,
    /// Duplex mode.
    pub duplex: NicDuplex,
    /// Speed in Mbit/s, 0 when unknown.
    pub speed: u32,
    /// MTU in bytes.
    pub mtu: u32,
    /// Interface flags, comma-separated in psutil's fixed order (`up,broadcast,...`).
    pub flags: String,
}

/// The OS's socket numbers, from `libc` on POSIX systems (they differ: `AF_INET6` is
/// 10 on Linux, 28 on FreeBSD, 30 on macOS, 24 on Open/NetBSD, 26 on Solaris) and from
/// `ws2def.h` on Windows.
mod os_numbers {
    #[cfg(unix)]
    pub(super) use libc::{
        AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM,
    };
    /// psutil's `AF_LINK` is `AF_PACKET` on Linux (`socket.AF_PACKET`).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(super) const AF_LINK: i32 = libc::AF_PACKET;
    #[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
    pub(super) const AF_LINK: i32 = libc::AF_LINK;

    // ws2def.h / winsock2.h; psutil defines `AF_LINK = -1` on Windows
    // (`_pswindows.py`), which has no link-layer family.
    #[cfg(not(unix))]
    pub(super) const AF_INET: i32 = 2;
    #[cfg(not(unix))]
    pub(super) const AF_INET6: i32 = 23;
    #[cfg(not(unix))]
    pub(super) const AF_UNIX: i32 = 1;
    #[cfg(not(unix))]
    pub(super) const AF_LINK: i32 = -1;
    #[cfg(not(unix))]
    pub(super) const SOCK_STREAM: i32 = 1;
    #[cfg(not(unix))]
    pub(super) const SOCK_DGRAM: i32 = 2;
    #[cfg(not(unix))]
    pub(super) const SOCK_RAW: i32 = 3;
    #[cfg(not(unix))]
    pub(super) const SOCK_SEQPACKET: i32 = 5;
}
