//! Network: the types shared by [`crate::Process::net_connections`] and the
//! system-wide functions [`net_io_counters`], [`net_connections`], [`net_if_addrs`],
//! [`net_if_stats`].

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Mutex;

use serde::{Serialize, Serializer};

pub use crate::common::conn_kind::ConnKind;
use crate::common::wrap::WrapTracker;
use crate::sys::imp;
use crate::{Pid, Result};

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

static NET_WRAP: Mutex<Option<WrapTracker<String>>> = Mutex::new(None);

/// Per-NIC traffic counters, by NIC name. With `nowrap`, counters that went
/// backwards between calls are corrected ([`crate::common::wrap`]).
///
/// Source: Linux `/proc/net/dev`.
pub fn net_io_counters_pernic(nowrap: bool) -> Result<BTreeMap<String, NetIoCounters>> {
    let raw = imp::net_io_counters()?;
    if !nowrap {
        return Ok(raw.into_iter().collect());
    }
    let mut guard = NET_WRAP.lock().unwrap_or_else(|p| p.into_inner());
    let tracker = guard.get_or_insert_with(WrapTracker::new);
    Ok(tracker
        .update(raw.into_iter().map(|(n, c)| (n, c.to_vec())).collect())
        .into_iter()
        .map(|(n, v)| (n, NetIoCounters::from_slice(&v)))
        .collect())
}

/// Traffic of all NICs summed (loopback included, as psutil); None without NICs.
pub fn net_io_counters(nowrap: bool) -> Result<Option<NetIoCounters>> {
    let per = net_io_counters_pernic(nowrap)?;
    if per.is_empty() {
        return Ok(None);
    }
    let mut sum = vec![0u64; 8];
    for c in per.values() {
        for (s, v) in sum.iter_mut().zip(c.to_vec()) {
            *s = s.saturating_add(v);
        }
    }
    Ok(Some(NetIoCounters::from_slice(&sum)))
}

/// Forgets the wrap bookkeeping of [`net_io_counters`].
pub fn net_io_counters_cache_clear() {
    if let Some(t) = NET_WRAP.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        t.clear();
    }
}

/// Every socket of the system of `kind`, with its owning pid and fd (psutil's
/// `net_connections`). Finding owners means reading every process's fd table; pass
/// `with_owners = false` to skip it (then `pid` is None and `fd` -1).
///
/// Source: Linux netlink `sock_diag` (what `ss` uses), falling back to
/// `/proc/net/{tcp,tcp6,udp,udp6,unix}` when netlink is unavailable; with a procfs
/// root set by [`crate::set_procfs_path`] the tables under that root are read.
/// Owners from `/proc/*/fd`.
pub fn net_connections(kind: ConnKind, with_owners: bool) -> Result<Vec<SystemConnection>> {
    imp::system_connections(kind, with_owners)
}

/// The addresses of each NIC, in psutil's order: IPv4, IPv6, then the link address.
///
/// Source: `getifaddrs(3)`.
pub fn net_if_addrs() -> Result<BTreeMap<String, Vec<NicAddr>>> {
    imp::net_if_addrs()
}

/// The state of each NIC.
///
/// Source: Linux `ioctl`s SIOCGIFFLAGS, SIOCGIFMTU and SIOCETHTOOL on the NICs of
/// `/proc/net/dev`.
pub fn net_if_stats() -> Result<BTreeMap<String, NicStats>> {
    imp::net_if_stats()
}
