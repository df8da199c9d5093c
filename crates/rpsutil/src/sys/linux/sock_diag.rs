//! The system's sockets through netlink `NETLINK_SOCK_DIAG` (`sock_diag(7)`), what
//! `ss` uses. Reading `/proc/net/tcp` makes the kernel walk its whole hash table and
//! format text (milliseconds even when empty); a netlink dump returns only the
//! sockets, in binary. Messages are built and parsed by `rpsutil_parse`; this module
//! does the socket I/O. Any failure (no netlink in a sandbox, the diag module not
//! loaded) makes the caller fall back to the `/proc/net` tables.

use std::ffi::OsString;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use rpsutil_parse::linux::sock_diag as diag;

use super::netlink::{self, recv, send};
use super::socket::{conn_status, inet_addr, unix_type, RawSocket};
use crate::types::conn_kind::ConnKind;
use crate::types::net::{Address, AddressFamily, ConnStatus, SocketType};
use crate::{Error, Result};

/// The kernel's netlink dump chunks are at most 32 KiB (`NLMSG_GOODSIZE` is a page;
/// sock_diag uses up to 32 KiB); 64 KiB always holds one datagram.
const RECV_BUF: usize = 64 * 1024;

/// Sends one dump request and collects every record until `NLMSG_DONE`.
fn dump<T>(
    sock: &OwnedFd,
    request: &[u8],
    parse: fn(&[u8]) -> std::result::Result<diag::DiagReply<T>, diag::DiagError>,
    buf: &mut [u8],
) -> Result<Vec<T>> {
    send(sock, request).map_err(|e| Error::os(e, "sendto(NETLINK_SOCK_DIAG)"))?;
    let mut out = Vec::new();
    loop {
        let n = recv(sock, buf).map_err(|e| Error::os(e, "recv(NETLINK_SOCK_DIAG)"))?;
        if n == 0 {
            return Err(Error::Parse {
                path: "NETLINK_SOCK_DIAG".into(),
                detail: "dump ended without NLMSG_DONE".into(),
            });
        }
        let reply = parse(&buf[..n]).map_err(|e| match e {
            diag::DiagError::Errno(errno) => {
                Error::os(io::Error::from_raw_os_error(errno), "NETLINK_SOCK_DIAG")
            }
            diag::DiagError::Malformed(p) => Error::Parse {
                path: "NETLINK_SOCK_DIAG".into(),
                detail: p.detail,
            },
        })?;
        out.extend(reply.records);
        if reply.done {
            return Ok(out);
        }
    }
}

/// TCP state numbers from sock_diag: as `/proc/net/tcp`, plus `TCP_NEW_SYN_RECV` (12),
/// the kernel's internal state of request sockets, which is SYN_RECV to users.
fn tcp_state(state: u8) -> u8 {
    if state == 12 {
        3
    } else {
        state
    }
}

/// Every socket of `kind` in the caller's network namespace.
pub(crate) fn sockets(kind: ConnKind) -> Result<Vec<RawSocket>> {
    let sock =
        netlink::socket(diag::NETLINK_SOCK_DIAG).map_err(|e| Error::os(e, "socket(AF_NETLINK)"))?;
    let mut buf = vec![0u8; RECV_BUF];
    let mut out = Vec::new();
    let mut seq = 1;
    let inet: [(AddressFamily, SocketType, u8, u8); 4] = [
        (
            AddressFamily::Inet,
            SocketType::Stream,
            diag::AF_INET,
            diag::IPPROTO_TCP,
        ),
        (
            AddressFamily::Inet6,
            SocketType::Stream,
            diag::AF_INET6,
            diag::IPPROTO_TCP,
        ),
        (
            AddressFamily::Inet,
            SocketType::Dgram,
            diag::AF_INET,
            diag::IPPROTO_UDP,
        ),
        (
            AddressFamily::Inet6,
            SocketType::Dgram,
            diag::AF_INET6,
            diag::IPPROTO_UDP,
        ),
    ];
    let push_inet =
        |out: &mut Vec<RawSocket>, m: diag::InetDiagMsg, stype: SocketType| -> Result<()> {
            let family = match m.family {
                diag::AF_INET6 => AddressFamily::Inet6,
                _ => AddressFamily::Inet,
            };
            out.push(RawSocket {
                family,
                kind: stype,
                laddr: inet_addr(m.local),
                raddr: inet_addr(m.remote),
                status: conn_status(stype, tcp_state(m.state), "NETLINK_SOCK_DIAG")?,
                inode: u64::from(m.inode),
            });
            Ok(())
        };
    // Both TCP families: one legacy request walks the kernel's TCP tables once
    // instead of twice (see `tcpdiag_compat_request`).
    let both_tcp = kind.wants_tcp(AddressFamily::Inet) && kind.wants_tcp(AddressFamily::Inet6);
    if both_tcp {
        let request = diag::tcpdiag_compat_request(seq);
        seq += 1;
        for m in dump(&sock, &request, diag::parse_inet_diag_reply, &mut buf)? {
            push_inet(&mut out, m, SocketType::Stream)?;
        }
    }
    for (family, stype, af, proto) in inet {
        if !kind.pairs().contains(&(family, stype)) || (both_tcp && stype == SocketType::Stream) {
            continue;
        }
        let request = diag::inet_diag_request(af, proto, seq);
        seq += 1;
        for m in dump(&sock, &request, diag::parse_inet_diag_reply, &mut buf)? {
            push_inet(&mut out, m, stype)?;
        }
    }
    if kind.wants_unix() {
        let request = diag::unix_diag_request(seq);
        for m in dump(&sock, &request, diag::parse_unix_diag_reply, &mut buf)? {
            out.push(RawSocket {
                family: AddressFamily::Unix,
                kind: unix_type(u32::from(m.kind)),
                laddr: Address::Unix(
                    m.name
                        .map(|n| PathBuf::from(OsString::from_vec(n)))
                        .unwrap_or_default(),
                ),
                raddr: Address::Unix(PathBuf::new()),
                status: ConnStatus::None,
                inode: u64::from(m.inode),
            });
        }
    }
    Ok(out)
}
