//! Netlink `NETLINK_SOCK_DIAG` messages (`man 7 sock_diag`, `man 7 netlink`;
//! `include/uapi/linux/netlink.h`, `sock_diag.h`, `inet_diag.h`, `unix_diag.h`):
//! builders for the dump requests and parsers for the replies. The I/O layer sends
//! a request on a `socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG)` and feeds every
//! datagram it receives to the reply parser until [`DiagReply::done`].
//!
//! Byte order: the netlink header and the host-side integer fields (`idiag_if`,
//! `idiag_uid`, `idiag_inode`, `udiag_ino`, …) are in the machine's order; ports
//! and addresses in `inet_diag_sockid` are in network order (big-endian).
//!
//! Layouts (offsets in bytes):
//!
//! * `struct nlmsghdr` (16): `nlmsg_len` u32 (header included), `nlmsg_type` u16,
//!   `nlmsg_flags` u16, `nlmsg_seq` u32, `nlmsg_pid` u32. Messages are padded to
//!   4 bytes (`NLMSG_ALIGN`).
//! * `struct inet_diag_sockid` (48): `idiag_sport` be16, `idiag_dport` be16,
//!   `idiag_src` 4×be32, `idiag_dst` 4×be32, `idiag_if` u32, `idiag_cookie` 2×u32.
//! * `struct inet_diag_req_v2` (56): `sdiag_family` u8, `sdiag_protocol` u8,
//!   `idiag_ext` u8, `pad` u8, `idiag_states` u32, `id` (sockid, 48).
//! * `struct inet_diag_msg` (72): `idiag_family` u8, `idiag_state` u8,
//!   `idiag_timer` u8, `idiag_retrans` u8, `id` (sockid, 48), `idiag_expires` u32,
//!   `idiag_rqueue` u32, `idiag_wqueue` u32, `idiag_uid` u32, `idiag_inode` u32;
//!   then `struct rtattr`s (ignored here).
//! * `struct unix_diag_req` (24): `sdiag_family` u8, `sdiag_protocol` u8, `pad` u16,
//!   `udiag_states` u32, `udiag_ino` u32, `udiag_show` u32, `udiag_cookie` 2×u32.
//! * `struct unix_diag_msg` (16): `udiag_family` u8, `udiag_type` u8,
//!   `udiag_state` u8, `pad` u8, `udiag_ino` u32, `udiag_cookie` 2×u32; then
//!   `struct rtattr` (`rta_len` u16 including its 4-byte header, `rta_type` u16,
//!   payload, padded to 4): `UNIX_DIAG_NAME` (0) the bound address,
//!   `UNIX_DIAG_PEER` (2) the peer's inode (u32).
//! * `NLMSG_ERROR` payload: `struct nlmsgerr` — `error` i32 (a negative errno, or
//!   0 for an acknowledgement) followed by the offending request's header.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::netlink::{attrs, header, malformed, messages, u32_ne};
pub use super::netlink::{
    NetlinkError, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, NLM_F_DUMP, NLM_F_REQUEST,
};

/// Netlink protocol number for `socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG)`.
pub const NETLINK_SOCK_DIAG: i32 = 4;
/// `nlmsg_type` of dump requests and of their replies.
pub const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// The legacy (`inet_diag_req` v1) TCP dump request type; replies carry it too.
pub const TCPDIAG_GETSOCK: u16 = 18;
/// `udiag_show`: report the bound name.
pub const UDIAG_SHOW_NAME: u32 = 0x1;
/// `udiag_show`: report the peer's inode.
pub const UDIAG_SHOW_PEER: u32 = 0x4;
/// rtattr type of the bound name in a `unix_diag_msg`.
pub const UNIX_DIAG_NAME: u16 = 0;
/// rtattr type of the peer inode in a `unix_diag_msg`.
pub const UNIX_DIAG_PEER: u16 = 2;
/// `AF_UNIX`.
pub const AF_UNIX: u8 = 1;
/// `AF_INET`.
pub const AF_INET: u8 = 2;
/// `AF_INET6`.
pub const AF_INET6: u8 = 10;
/// `IPPROTO_TCP`.
pub const IPPROTO_TCP: u8 = 6;
/// `IPPROTO_UDP`.
pub const IPPROTO_UDP: u8 = 17;

const INET_DIAG_MSG_LEN: usize = 72;
const UNIX_DIAG_MSG_LEN: usize = 16;

/// Why a reply could not be used (the errors of every netlink protocol).
pub type DiagError = NetlinkError;

fn nlmsghdr(payload_len: usize, seq: u32) -> Vec<u8> {
    header(
        SOCK_DIAG_BY_FAMILY,
        NLM_F_REQUEST | NLM_F_DUMP,
        payload_len,
        seq,
    )
}

/// Builds a dump request (`nlmsghdr` + `inet_diag_req_v2`, 72 bytes) for every
/// socket of `family` ([`AF_INET`]/[`AF_INET6`]) and `protocol`
/// ([`IPPROTO_TCP`]/[`IPPROTO_UDP`]) in all states, no extensions.
pub fn inet_diag_request(family: u8, protocol: u8, seq: u32) -> Vec<u8> {
    let mut out = nlmsghdr(56, seq);
    out.extend_from_slice(&[family, protocol, 0, 0]);
    out.extend_from_slice(&u32::MAX.to_ne_bytes()); // idiag_states: all
    out.extend_from_slice(&[0u8; 48]); // id: wildcard
    out
}

/// Builds the legacy TCP dump request (`nlmsghdr` of type [`TCPDIAG_GETSOCK`] +
/// `inet_diag_req`, 76 bytes) for every TCP socket in all states. The kernel answers
/// it with `sdiag_family = AF_UNSPEC` (`inet_diag_dump_compat`), i.e. IPv4 **and** IPv6
/// sockets from a single walk of its hash tables, where two `inet_diag_req_v2`
/// requests walk them twice (the walk dominates when there are few sockets: ~1 ms for
/// a 262,144-bucket table). Replies are `inet_diag_msg`s of either family.
pub fn tcpdiag_compat_request(seq: u32) -> Vec<u8> {
    let mut out = header(TCPDIAG_GETSOCK, NLM_F_REQUEST | NLM_F_DUMP, 60, seq);
    out.extend_from_slice(&[AF_INET, 0, 0, 0]); // family (ignored for a dump), src/dst len, ext
    out.extend_from_slice(&[0u8; 48]); // id: wildcard
    out.extend_from_slice(&u32::MAX.to_ne_bytes()); // idiag_states: all
    out.extend_from_slice(&0u32.to_ne_bytes()); // idiag_dbs
    out
}

/// Builds a dump request (`nlmsghdr` + `unix_diag_req`, 40 bytes) for every
/// `AF_UNIX` socket in all states, asking for the name and the peer inode.
pub fn unix_diag_request(seq: u32) -> Vec<u8> {
    let mut out = nlmsghdr(24, seq);
    out.extend_from_slice(&[AF_UNIX, 0, 0, 0]);
    out.extend_from_slice(&u32::MAX.to_ne_bytes()); // udiag_states: all
    out.extend_from_slice(&0u32.to_ne_bytes()); // udiag_ino: any
    out.extend_from_slice(&(UDIAG_SHOW_NAME | UDIAG_SHOW_PEER).to_ne_bytes());
    out.extend_from_slice(&[0u8; 8]); // udiag_cookie: none
    out
}

/// One `inet_diag_msg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetDiagMsg {
    /// `AF_INET` or `AF_INET6`.
    pub family: u8,
    /// TCP state (`include/net/tcp_states.h`: 1 ESTABLISHED … 10 LISTEN, 11 CLOSING,
    /// 12 NEW_SYN_RECV); UDP sockets report 7 (CLOSE) or 1 when connected.
    pub state: u8,
    /// `idiag_timer`: which timer is pending (0 none).
    pub timer: u8,
    /// `idiag_retrans`.
    pub retrans: u8,
    /// Local address and port.
    pub local: (IpAddr, u16),
    /// Remote address and port (unspecified address and port 0 when unconnected).
    pub remote: (IpAddr, u16),
    /// `idiag_if`: the bound interface index (0 for none).
    pub interface: u32,
    /// `idiag_cookie`, the two native u32 words as `low | high << 32`.
    pub cookie: u64,
    /// `idiag_expires`: ms until the pending timer fires.
    pub expires: u32,
    /// `idiag_rqueue`: receive queue bytes (listeners: current accept backlog).
    pub rqueue: u32,
    /// `idiag_wqueue`: send queue bytes (listeners: max backlog).
    pub wqueue: u32,
    /// `idiag_uid`: the owner's uid (in the reader's user namespace).
    pub uid: u32,
    /// `idiag_inode`: the socket inode (`socket:[N]` in `/proc/PID/fd`).
    pub inode: u32,
}

/// One `unix_diag_msg` with its attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixDiagMsg {
    /// `udiag_type`: 1 SOCK_STREAM, 2 SOCK_DGRAM, 5 SOCK_SEQPACKET.
    pub kind: u8,
    /// `udiag_state`: TCP-style state (7 CLOSE, 1 ESTABLISHED, 10 LISTEN).
    pub state: u8,
    /// `udiag_ino`: the socket inode.
    pub inode: u32,
    /// `udiag_cookie` as `low | high << 32`.
    pub cookie: u64,
    /// The bound address from `UNIX_DIAG_NAME`: a path up to its NUL, or an
    /// abstract name rendered like `/proc/net/unix` does — `@` followed by the name,
    /// every NUL byte shown as `@`. `None` when unbound.
    pub name: Option<Vec<u8>>,
    /// The peer's inode from `UNIX_DIAG_PEER` (connected sockets), else `None`.
    pub peer: Option<u32>,
}

/// Parsed messages of one or more received datagrams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagReply<T> {
    /// The sockets, in the order the kernel sent them.
    pub records: Vec<T>,
    /// `true` once `NLMSG_DONE` was seen (anything after it is ignored); `false`
    /// means more datagrams are to come.
    pub done: bool,
}

fn u16_be(b: &[u8], off: usize) -> u16 {
    u16::from_be_bytes([
        b.get(off).copied().unwrap_or(0),
        b.get(off + 1).copied().unwrap_or(0),
    ])
}

fn addr(family: u8, b: &[u8]) -> Result<IpAddr, DiagError> {
    let mut raw = [0u8; 16];
    raw.copy_from_slice(b.get(..16).ok_or_else(|| malformed("short address"))?);
    match family {
        AF_INET => Ok(IpAddr::V4(Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3]))),
        AF_INET6 => Ok(IpAddr::V6(Ipv6Addr::from(raw))),
        f => Err(malformed(format!("inet_diag_msg of family {f}"))),
    }
}

/// Parses the payload of one `SOCK_DIAG_BY_FAMILY` message answering an inet
/// request (the bytes after the `nlmsghdr`). Trailing rtattrs are ignored.
///
/// Errors: fewer than 72 bytes or a family other than `AF_INET`/`AF_INET6`.
pub fn parse_inet_diag_msg(p: &[u8]) -> Result<InetDiagMsg, DiagError> {
    if p.len() < INET_DIAG_MSG_LEN {
        return Err(malformed(format!(
            "inet_diag_msg of {} bytes, expected {INET_DIAG_MSG_LEN}",
            p.len()
        )));
    }
    let family = p.first().copied().unwrap_or(0);
    let src = addr(family, p.get(8..24).unwrap_or_default())?;
    let dst = addr(family, p.get(24..40).unwrap_or_default())?;
    Ok(InetDiagMsg {
        family,
        state: p.get(1).copied().unwrap_or(0),
        timer: p.get(2).copied().unwrap_or(0),
        retrans: p.get(3).copied().unwrap_or(0),
        local: (src, u16_be(p, 4)),
        remote: (dst, u16_be(p, 6)),
        interface: u32_ne(p, 40),
        cookie: u64::from(u32_ne(p, 44)) | u64::from(u32_ne(p, 48)) << 32,
        expires: u32_ne(p, 52),
        rqueue: u32_ne(p, 56),
        wqueue: u32_ne(p, 60),
        uid: u32_ne(p, 64),
        inode: u32_ne(p, 68),
    })
}

fn unix_name(raw: &[u8]) -> Vec<u8> {
    match raw.split_first() {
        Some((0, rest)) => {
            let mut name = Vec::with_capacity(raw.len());
            name.push(b'@');
            name.extend(rest.iter().map(|&c| if c == 0 { b'@' } else { c }));
            name
        }
        _ => {
            let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
            raw.get(..end).unwrap_or_default().to_vec()
        }
    }
}

/// Parses the payload of one `SOCK_DIAG_BY_FAMILY` message answering a unix
/// request, including its `UNIX_DIAG_NAME` / `UNIX_DIAG_PEER` attributes (other
/// attributes are skipped).
///
/// Errors: fewer than 16 bytes, a family other than `AF_UNIX`, a malformed
/// rtattr, or a peer attribute that is not 4 bytes.
pub fn parse_unix_diag_msg(p: &[u8]) -> Result<UnixDiagMsg, DiagError> {
    if p.len() < UNIX_DIAG_MSG_LEN {
        return Err(malformed(format!(
            "unix_diag_msg of {} bytes, expected {UNIX_DIAG_MSG_LEN}",
            p.len()
        )));
    }
    if p.first() != Some(&AF_UNIX) {
        return Err(malformed("unix_diag_msg of a family other than AF_UNIX"));
    }
    let mut msg = UnixDiagMsg {
        kind: p.get(1).copied().unwrap_or(0),
        state: p.get(2).copied().unwrap_or(0),
        inode: u32_ne(p, 4),
        cookie: u64::from(u32_ne(p, 8)) | u64::from(u32_ne(p, 12)) << 32,
        name: None,
        peer: None,
    };
    for (kind, payload) in attrs(p.get(UNIX_DIAG_MSG_LEN..).unwrap_or_default())? {
        match kind {
            UNIX_DIAG_NAME => msg.name = Some(unix_name(payload)),
            UNIX_DIAG_PEER => {
                if payload.len() != 4 {
                    return Err(malformed("UNIX_DIAG_PEER of other than 4 bytes"));
                }
                msg.peer = Some(u32_ne(payload, 0));
            }
            _ => {}
        }
    }
    Ok(msg)
}

/// Splits a buffer of netlink messages and parses the `SOCK_DIAG_BY_FAMILY` ones
/// with `parse`. `NLMSG_NOOP` and acknowledgements (error 0) are skipped, as are
/// message types this code does not know.
fn parse_reply<T>(
    buf: &[u8],
    parse: fn(&[u8]) -> Result<T, DiagError>,
) -> Result<DiagReply<T>, DiagError> {
    let mut records = Vec::new();
    for (kind, payload) in messages(buf)? {
        match kind {
            NLMSG_DONE => {
                return Ok(DiagReply {
                    records,
                    done: true,
                })
            }
            SOCK_DIAG_BY_FAMILY | TCPDIAG_GETSOCK => records.push(parse(payload)?),
            _ => {}
        }
    }
    Ok(DiagReply {
        records,
        done: false,
    })
}

/// Parses received datagram(s) answering [`inet_diag_request`].
///
/// Errors: [`DiagError::Errno`] for an `NLMSG_ERROR` reply;
/// [`DiagError::Malformed`] for a truncated header, a length that does not fit,
/// `NLMSG_OVERRUN`, or a malformed `inet_diag_msg`.
pub fn parse_inet_diag_reply(buf: &[u8]) -> Result<DiagReply<InetDiagMsg>, DiagError> {
    parse_reply(buf, parse_inet_diag_msg)
}

/// Parses received datagram(s) answering [`unix_diag_request`]. Errors as for
/// [`parse_inet_diag_reply`].
pub fn parse_unix_diag_reply(buf: &[u8]) -> Result<DiagReply<UnixDiagMsg>, DiagError> {
    parse_reply(buf, parse_unix_diag_msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linux::netlink::u16_ne;
    use proptest::prelude::*;

    #[test]
    fn compat_request_layout() {
        let r = tcpdiag_compat_request(7);
        assert_eq!(r.len(), 76);
        assert_eq!(u32_ne(&r, 0), 76);
        assert_eq!(u16_ne(&r, 4), TCPDIAG_GETSOCK);
        assert_eq!(u16_ne(&r, 6), NLM_F_REQUEST | NLM_F_DUMP);
        assert_eq!(u32_ne(&r, 8), 7);
        assert_eq!(u32_ne(&r, 16 + 52), u32::MAX);
    }

    const TCP4: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/sockdiag-tcp4");
    const TCP6: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/sockdiag-tcp6");
    const UDP4: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/sockdiag-udp4");
    const UNIX: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/sockdiag-unix");
    /// Written by the capture script: `name address port-or-peer-inode inode`.
    const SIDECAR: &str = include_str!("../../fixtures/linux/vm-6.18/sockdiag-sockets.txt");

    fn sidecar(name: &str) -> (String, u64, u64) {
        let line = SIDECAR
            .lines()
            .find(|l| l.split('\t').next() == Some(name))
            .unwrap();
        let f: Vec<&str> = line.split('\t').collect();
        (
            f[1].to_owned(),
            f[2].parse().unwrap(),
            f[3].parse().unwrap(),
        )
    }

    fn find_inet(reply: &DiagReply<InetDiagMsg>, inode: u64) -> &InetDiagMsg {
        reply
            .records
            .iter()
            .find(|m| u64::from(m.inode) == inode)
            .unwrap()
    }

    #[test]
    fn request_layouts() {
        let r = inet_diag_request(AF_INET6, IPPROTO_TCP, 9);
        assert_eq!(r.len(), 72);
        assert_eq!(u32_ne(&r, 0), 72);
        assert_eq!(u16_ne(&r, 4), SOCK_DIAG_BY_FAMILY);
        assert_eq!(u16_ne(&r, 6), 0x301);
        assert_eq!(u32_ne(&r, 8), 9);
        assert_eq!(&r[16..20], &[10, 6, 0, 0]);
        assert_eq!(u32_ne(&r, 20), u32::MAX);
        assert!(r[24..].iter().all(|&b| b == 0));
        let u = unix_diag_request(3);
        assert_eq!(u.len(), 40);
        assert_eq!(u32_ne(&u, 0), 40);
        assert_eq!(&u[16..20], &[1, 0, 0, 0]);
        assert_eq!(u32_ne(&u, 20), u32::MAX);
        assert_eq!(u32_ne(&u, 24), 0);
        assert_eq!(u32_ne(&u, 28), 5);
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn real_tcp4() {
        let uid = sidecar("uid").1;
        let reply = parse_inet_diag_reply(TCP4).unwrap();
        assert!(reply.done);
        let (ip, port, inode) = sidecar("tcp4_listen");
        let l = find_inet(&reply, inode);
        assert_eq!(l.family, AF_INET);
        assert_eq!(l.state, 10);
        assert_eq!(l.local, (ip.parse().unwrap(), port as u16));
        assert_eq!(l.remote, ("0.0.0.0".parse().unwrap(), 0));
        assert_eq!(u64::from(l.uid), uid);
        let (ip, port, inode) = sidecar("tcp4_client");
        let (peer_ip, peer_port, _) = sidecar("tcp4_client_peer");
        let c = find_inet(&reply, inode);
        assert_eq!(c.state, 1);
        assert_eq!(c.local, (ip.parse().unwrap(), port as u16));
        assert_eq!(c.remote, (peer_ip.parse().unwrap(), peer_port as u16));
        // The accepted end: local is the listener's port, remote the client's.
        assert!(reply
            .records
            .iter()
            .any(|m| m.state == 1 && m.local.1 == peer_port as u16 && m.remote.1 == port as u16));
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn real_tcp6_and_udp4() {
        let reply = parse_inet_diag_reply(TCP6).unwrap();
        assert!(reply.done);
        let (ip, port, inode) = sidecar("tcp6_listen");
        let l = find_inet(&reply, inode);
        assert_eq!(l.family, AF_INET6);
        assert_eq!(l.state, 10);
        assert_eq!(l.local, (ip.parse().unwrap(), port as u16));
        assert_eq!(l.remote, ("::".parse().unwrap(), 0));
        let reply = parse_inet_diag_reply(UDP4).unwrap();
        let (ip, port, inode) = sidecar("udp4_bound");
        let u = find_inet(&reply, inode);
        assert_eq!(u.state, 7);
        assert_eq!(u.local, (ip.parse().unwrap(), port as u16));
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn real_unix() {
        let reply = parse_unix_diag_reply(UNIX).unwrap();
        assert!(reply.done);
        let by_inode = |ino: u64| {
            reply
                .records
                .iter()
                .find(|m| u64::from(m.inode) == ino)
                .unwrap()
        };
        let (path, _, inode) = sidecar("unix_path");
        let m = by_inode(inode);
        assert_eq!(m.name.as_deref(), Some(path.as_bytes()));
        assert_eq!((m.kind, m.state, m.peer), (1, 10, None));
        let (name, _, inode) = sidecar("unix_abstract");
        assert_eq!(by_inode(inode).name.as_deref(), Some(name.as_bytes()));
        let (_, peer, inode) = sidecar("unix_pair_a");
        let a = by_inode(inode);
        assert_eq!(a.kind, 2);
        assert_eq!(a.name, None);
        assert_eq!(a.peer.map(u64::from), Some(peer));
        assert_eq!(by_inode(peer).peer.map(u64::from), Some(inode));
    }

    fn msg(kind: u16, payload: &[u8]) -> Vec<u8> {
        let len = (16 + payload.len()) as u32;
        let mut m = len.to_ne_bytes().to_vec();
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&[2, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        m.extend_from_slice(payload);
        while m.len() % 4 != 0 {
            m.push(0);
        }
        m
    }

    #[test]
    fn errors_acks_and_partial_dumps() {
        let err = msg(NLMSG_ERROR, &(-2i32).to_ne_bytes());
        assert_eq!(parse_inet_diag_reply(&err), Err(DiagError::Errno(2)));
        assert_eq!(parse_unix_diag_reply(&err), Err(DiagError::Errno(2)));
        // An ack (error 0) is skipped; no DONE yet means more to come.
        let ack = msg(NLMSG_ERROR, &0i32.to_ne_bytes());
        let r = parse_inet_diag_reply(&ack).unwrap();
        assert_eq!((r.records.len(), r.done), (0, false));
        let mut body = vec![AF_UNIX, 1, 7, 0];
        body.extend_from_slice(&42u32.to_ne_bytes());
        body.extend_from_slice(&[0; 8]);
        // Abstract name with an embedded NUL, and a 3-byte name needing padding.
        let mut attrs = Vec::new();
        attrs.extend_from_slice(&8u16.to_ne_bytes());
        attrs.extend_from_slice(&UNIX_DIAG_NAME.to_ne_bytes());
        attrs.extend_from_slice(&[0, b'a', 0, b'b']);
        let mut data = msg(SOCK_DIAG_BY_FAMILY, &[body.clone(), attrs].concat());
        data.extend(msg(NLMSG_NOOP, &[]));
        data.extend(msg(NLMSG_DONE, &[0; 4]));
        data.extend(msg(NLMSG_ERROR, &(-1i32).to_ne_bytes())); // after DONE: ignored
        let r = parse_unix_diag_reply(&data).unwrap();
        assert!(r.done);
        assert_eq!(r.records[0].name.as_deref(), Some(&b"@a@b"[..]));
        assert_eq!(r.records[0].inode, 42);
        // Wrong family for the parser used.
        assert!(matches!(
            parse_inet_diag_reply(&msg(
                SOCK_DIAG_BY_FAMILY,
                &[body.clone(), vec![0; 56]].concat()
            )),
            Err(DiagError::Malformed(_))
        ));
        // A path name stops at its NUL; a bad peer attribute is an error.
        let mut path = 9u16.to_ne_bytes().to_vec();
        path.extend_from_slice(&UNIX_DIAG_NAME.to_ne_bytes());
        path.extend_from_slice(b"/x\0\0\0");
        let m = parse_unix_diag_msg(&[body.clone(), path].concat()).unwrap();
        assert_eq!(m.name.as_deref(), Some(&b"/x"[..]));
        let mut peer = 6u16.to_ne_bytes().to_vec();
        peer.extend_from_slice(&UNIX_DIAG_PEER.to_ne_bytes());
        peer.extend_from_slice(&[1, 2]);
        assert!(parse_unix_diag_msg(&[body, peer].concat()).is_err());
    }

    #[test]
    fn malformed_framing() {
        assert!(parse_inet_diag_reply(&[1, 2, 3]).is_err());
        let mut bad = msg(SOCK_DIAG_BY_FAMILY, &[0; 72]);
        bad[0..4].copy_from_slice(&1000u32.to_ne_bytes());
        assert!(parse_inet_diag_reply(&bad).is_err());
        bad[0..4].copy_from_slice(&8u32.to_ne_bytes());
        assert!(parse_inet_diag_reply(&bad).is_err());
        assert!(parse_inet_diag_reply(&msg(NLMSG_OVERRUN, &[])).is_err());
        assert!(parse_inet_diag_reply(&msg(SOCK_DIAG_BY_FAMILY, &[2; 20])).is_err());
        assert!(parse_unix_diag_reply(&msg(SOCK_DIAG_BY_FAMILY, &[1; 8])).is_err());
        assert_eq!(
            parse_inet_diag_reply(&[]).unwrap(),
            DiagReply {
                records: vec![],
                done: false
            }
        );
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_inet_diag_reply(&data);
            let _ = parse_unix_diag_reply(&data);
            let _ = parse_inet_diag_msg(&data);
            let _ = parse_unix_diag_msg(&data);
        }

        #[test]
        fn never_panics_with_valid_headers(
            kind in prop_oneof![Just(SOCK_DIAG_BY_FAMILY), Just(NLMSG_ERROR), Just(NLMSG_DONE), any::<u16>()],
            body in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let data = msg(kind, &body);
            let _ = parse_inet_diag_reply(&data);
            let _ = parse_unix_diag_reply(&data);
        }
    }
}
