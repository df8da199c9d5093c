//! Network types shared by [`crate::Process::net_connections`] and (later) the
//! system-wide network functions.

use std::fmt;
use std::net::IpAddr;

use serde::{Serialize, Serializer};

pub use crate::common::conn_kind::ConnKind;

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
}

impl AddressFamily {
    /// The OS's number for this family.
    pub fn as_raw(self) -> i32 {
        crate::sys::imp::address_family_raw(self)
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
        crate::sys::imp::socket_type_raw(self)
    }
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

    /// The status of a Linux TCP state number (`include/net/tcp_states.h`), as psutil's
    /// `TCP_STATUSES`; None for a number outside 1..=11.
    pub fn from_linux_tcp_state(state: u8) -> Option<ConnStatus> {
        Some(match state {
            0x01 => ConnStatus::Established,
            0x02 => ConnStatus::SynSent,
            0x03 => ConnStatus::SynRecv,
            0x04 => ConnStatus::FinWait1,
            0x05 => ConnStatus::FinWait2,
            0x06 => ConnStatus::TimeWait,
            0x07 => ConnStatus::Close,
            0x08 => ConnStatus::CloseWait,
            0x09 => ConnStatus::LastAck,
            0x0A => ConnStatus::Listen,
            0x0B => ConnStatus::Closing,
            _ => return None,
        })
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
    /// A UNIX socket path (abstract names start with `@`; empty when unbound).
    Unix(String),
    /// No address: an unconnected or unbound inet socket.
    None,
}

impl Address {
    /// True for [`Address::None`] and for an empty UNIX path.
    pub fn is_empty(&self) -> bool {
        match self {
            Address::None => true,
            Address::Unix(p) => p.is_empty(),
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
            Address::Unix(p) => f.write_str(p),
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
            Address::Unix(p) => s.serialize_str(p),
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
