//! `struct socket_fdinfo` from `proc_pidfdinfo(PROC_PIDFDSOCKETINFO)` (XNU
//! `bsd/sys/proc_info.h`), the fields psutil 7.2.2 reads for `net_connections`
//! (`arch/osx/proc.c`, `psutil_proc_net_connections`).
//!
//! LP64 offsets from the header: `struct proc_fileinfo pfi` is 24 bytes; in
//! `struct socket_info psi` (at 24) `soi_type` is at 152, `soi_family` at 160 and
//! the `soi_proto` union at 240 (after `vinfo_stat` 136, two `uint64_t`, the ints
//! and shorts, two 24-byte `sockbuf_info`, `soi_kind` and `rfu_1`). In the union,
//! `struct in_sockinfo` (80 bytes) has `insi_fport` at 0, `insi_lport` at 4,
//! `insi_vflag` at 24, `insi_faddr` at 32 and `insi_laddr` at 48 (16-byte unions of
//! `in4in6_addr`, whose IPv4 address is the last 4 bytes, and `in6_addr`);
//! `struct tcp_sockinfo` continues with `tcpsi_state` at 80; `struct un_sockinfo`
//! has `unsi_addr` at 16 and `unsi_caddr` at 271 (`SOCK_MAXADDRLEN` 255 each),
//! each a `sockaddr_un` whose `sun_path[104]` starts at 2.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{bytes_at, cstr_field, i32_at};
use crate::Result;

/// `sizeof(struct socket_fdinfo)` on LP64 macOS (24 + 768).
pub const SOCKET_FDINFO_SIZE: usize = 792;

const PSI: usize = 24;
const SOI_TYPE: usize = PSI + 152;
const SOI_PROTOCOL: usize = PSI + 156;
const SOI_FAMILY: usize = PSI + 160;
const SOI_PROTO: usize = PSI + 240;
const INSI_FPORT: usize = SOI_PROTO;
const INSI_LPORT: usize = SOI_PROTO + 4;
const INSI_FADDR: usize = SOI_PROTO + 32;
const INSI_LADDR: usize = SOI_PROTO + 48;
const TCPSI_STATE: usize = SOI_PROTO + 80;
const UNSI_ADDR_PATH: usize = SOI_PROTO + 16 + 2;
const UNSI_CADDR_PATH: usize = SOI_PROTO + 16 + 255 + 2;
/// `sizeof(sun_path)` in `struct sockaddr_un` (`sys/un.h`).
const SUN_PATH_LEN: usize = 104;

/// The socket's generic part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketHead {
    /// `soi_family` (`AF_*`).
    pub family: i32,
    /// `soi_type` (`SOCK_*`).
    pub sock_type: i32,
    /// `soi_protocol`.
    pub protocol: i32,
}

/// Decodes the family, type and protocol.
pub fn parse_socket_head(data: &[u8]) -> Result<SocketHead> {
    let w = "socket_fdinfo";
    Ok(SocketHead {
        family: i32_at(data, SOI_FAMILY, w)?,
        sock_type: i32_at(data, SOI_TYPE, w)?,
        protocol: i32_at(data, SOI_PROTOCOL, w)?,
    })
}

/// An IPv4/IPv6 socket's addresses (psutil reads them through `pri_tcp.tcpsi_ini`
/// for UDP sockets too: `pri_in` and `pri_tcp.tcpsi_ini` share the union's start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InetSock {
    /// Local address.
    pub laddr: IpAddr,
    /// Local port (host order).
    pub lport: u16,
    /// Foreign address.
    pub faddr: IpAddr,
    /// Foreign port (host order; 0 when not connected).
    pub fport: u16,
    /// `tcpsi_state` (`TCPS_*`); meaningful for `SOCK_STREAM` only.
    pub tcp_state: i32,
}

/// A port as XNU stores it: an `int` holding the network-order 16-bit port
/// (psutil `ntohs(insi_lport)`): the first two bytes in memory, big-endian.
fn port_at(data: &[u8], off: usize) -> Result<u16> {
    bytes_at::<2>(data, off, "socket_fdinfo port").map(u16::from_be_bytes)
}

fn addr_at(data: &[u8], off: usize, v6: bool) -> Result<IpAddr> {
    let raw = bytes_at::<16>(data, off, "socket_fdinfo address")?;
    Ok(if v6 {
        IpAddr::V6(Ipv6Addr::from(raw))
    } else {
        IpAddr::V4(Ipv4Addr::new(raw[12], raw[13], raw[14], raw[15]))
    })
}

/// Decodes the inet part; `v6` selects the `in6_addr` view (psutil: by
/// `soi_family`).
pub fn parse_inet(data: &[u8], v6: bool) -> Result<InetSock> {
    Ok(InetSock {
        laddr: addr_at(data, INSI_LADDR, v6)?,
        lport: port_at(data, INSI_LPORT)?,
        faddr: addr_at(data, INSI_FADDR, v6)?,
        fport: port_at(data, INSI_FPORT)?,
        tcp_state: i32_at(data, TCPSI_STATE, "socket_fdinfo tcpsi_state")?,
    })
}

/// A UNIX socket's bound and peer paths (often empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixSock {
    /// `unsi_addr.ua_sun.sun_path`.
    pub path: Vec<u8>,
    /// `unsi_caddr.ua_sun.sun_path`.
    pub peer_path: Vec<u8>,
}

/// Decodes the UNIX part.
pub fn parse_unix(data: &[u8]) -> Result<UnixSock> {
    Ok(UnixSock {
        path: cstr_field(data, UNSI_ADDR_PATH, SUN_PATH_LEN, "socket_fdinfo sun_path")?,
        peer_path: cstr_field(
            data,
            UNSI_CADDR_PATH,
            SUN_PATH_LEN,
            "socket_fdinfo sun_path",
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn put(b: &mut [u8], off: usize, v: &[u8]) {
        b[off..off + v.len()].copy_from_slice(v);
    }

    #[test]
    fn tcp4_listener() {
        let mut b = vec![0u8; SOCKET_FDINFO_SIZE];
        put(&mut b, 24 + 160, &2i32.to_le_bytes()); // AF_INET
        put(&mut b, 24 + 152, &1i32.to_le_bytes()); // SOCK_STREAM
        put(&mut b, 24 + 156, &6i32.to_le_bytes()); // IPPROTO_TCP
                                                    // insi_lport: the int holding htons(8080) = memory [0x1f, 0x90, 0, 0].
        put(&mut b, 264 + 4, &[0x1f, 0x90, 0, 0]);
        put(&mut b, 264, &[0x01, 0xbb, 0, 0]); // fport 443
        put(&mut b, 264 + 48 + 12, &[127, 0, 0, 1]);
        put(&mut b, 264 + 32 + 12, &[10, 0, 0, 2]);
        put(&mut b, 264 + 80, &1i32.to_le_bytes()); // TCPS_LISTEN
        let h = parse_socket_head(&b).unwrap();
        assert_eq!((h.family, h.sock_type, h.protocol), (2, 1, 6));
        let s = parse_inet(&b, false).unwrap();
        assert_eq!(s.laddr, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(s.lport, 8080);
        assert_eq!(s.faddr, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
        assert_eq!(s.fport, 443);
        assert_eq!(
            crate::bsd::state::tcp_state(i64::from(s.tcp_state)),
            "LISTEN"
        );
    }

    #[test]
    fn udp6_and_unix() {
        let mut b = vec![0u8; SOCKET_FDINFO_SIZE];
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        put(&mut b, 264 + 48, &v6);
        put(&mut b, 264 + 4, &[0x00, 0x35, 0, 0]);
        let s = parse_inet(&b, true).unwrap();
        assert_eq!(s.laddr, IpAddr::V6(Ipv6Addr::LOCALHOST));
        assert_eq!(s.lport, 53);
        assert_eq!(s.fport, 0);

        let mut u = vec![0u8; SOCKET_FDINFO_SIZE];
        put(&mut u, 264 + 18, b"/var/run/x.sock\0");
        put(&mut u, 264 + 273, b"/tmp/peer\0");
        let un = parse_unix(&u).unwrap();
        assert_eq!(un.path, b"/var/run/x.sock");
        assert_eq!(un.peer_path, b"/tmp/peer");
    }

    #[test]
    fn short_and_states() {
        assert!(parse_inet(&[0u8; 300], false).is_err());
        assert!(parse_unix(&[0u8; 500]).is_err());
        assert!(parse_socket_head(&[0u8; 100]).is_err());
        assert_eq!(crate::bsd::state::tcp_state(10), "TIME_WAIT");
        assert_eq!(crate::bsd::state::tcp_state(0), "CLOSE");
        assert_eq!(crate::bsd::state::tcp_state(128), "NONE");
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..900), v6 in any::<bool>()) {
            let _ = parse_socket_head(&data);
            let _ = parse_inet(&data, v6);
            let _ = parse_unix(&data);
        }
    }
}
