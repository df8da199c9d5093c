//! A socket as the kernel's tables describe it, before its owners are known, and
//! the Linux numbers of its fields (shared by the netlink and `/proc/net` readers).

use std::net::IpAddr;

use crate::types::net::{Address, AddressFamily, ConnStatus, SocketType};
use crate::{Error, Result};

/// A socket from a kernel table, before its owners are known.
#[derive(Debug, Clone)]
pub(crate) struct RawSocket {
    pub(crate) family: AddressFamily,
    pub(crate) kind: SocketType,
    pub(crate) laddr: Address,
    pub(crate) raddr: Address,
    pub(crate) status: ConnStatus,
    pub(crate) inode: u64,
}

/// psutil's address rule: port 0 means "no address" (its empty tuple).
pub(crate) fn inet_addr((ip, port): (IpAddr, u16)) -> Address {
    if port == 0 {
        Address::None
    } else {
        Address::Inet { ip, port }
    }
}

/// The TCP state for a kernel state number; UDP sockets have none.
pub(crate) fn conn_status(kind: SocketType, state: u8, source: &str) -> Result<ConnStatus> {
    if kind != SocketType::Stream {
        return Ok(ConnStatus::None);
    }
    tcp_status(state).ok_or_else(|| Error::Parse {
        path: source.to_string(),
        detail: format!("unknown TCP state {state:#04x}"),
    })
}

/// The status of a Linux TCP state number (`include/net/tcp_states.h`), as psutil's
/// `TCP_STATUSES` (`_pslinux.py`); None for a number outside 1..=11.
pub(crate) fn tcp_status(state: u8) -> Option<ConnStatus> {
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

/// The socket type of a UNIX socket's type number.
pub(crate) fn unix_type(raw: u32) -> SocketType {
    match raw {
        1 => SocketType::Stream,
        2 => SocketType::Dgram,
        5 => SocketType::SeqPacket,
        _ => SocketType::Raw,
    }
}
