//! `net_connections`: psutil's `socks.c`, the owner-pid TCP and UDP tables of
//! `GetExtendedTcpTable` / `GetExtendedUdpTable`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use windows_sys::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, NO_ERROR};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    GetExtendedTcpTable, GetExtendedUdpTable, MIB_TCP6ROW_OWNER_PID, MIB_TCPROW_OWNER_PID,
    MIB_UDP6ROW_OWNER_PID, MIB_UDPROW_OWNER_PID, TCP_TABLE_OWNER_PID_ALL, UDP_TABLE_OWNER_PID,
};
use windows_sys::Win32::Networking::WinSock::{AF_INET, AF_INET6};

use super::errors::win32_error;
use super::util::read_at;
use crate::types::conn_kind::ConnKind;
use crate::types::net::{Address, AddressFamily, ConnStatus, SocketType, SystemConnection};
use crate::Result;

/// psutil's `TCP_STATUSES`: `MIB_TCP_STATE` → status; unknown codes are NONE.
fn tcp_status(state: u32) -> ConnStatus {
    match state {
        1 => ConnStatus::Close,
        2 => ConnStatus::Listen,
        3 => ConnStatus::SynSent,
        4 => ConnStatus::SynRecv,
        5 => ConnStatus::Established,
        6 => ConnStatus::FinWait1,
        7 => ConnStatus::FinWait2,
        8 => ConnStatus::CloseWait,
        9 => ConnStatus::Closing,
        10 => ConnStatus::LastAck,
        11 => ConnStatus::TimeWait,
        12 => ConnStatus::DeleteTcb,
        _ => ConnStatus::None,
    }
}

const MIB_TCP_STATE_LISTEN: u32 = 2;
/// psutil also retries on this NTSTATUS leaking out of the call (#1294).
const STATUS_UNSUCCESSFUL: u32 = 0xC000_0001;

/// The port of a table row: network byte order in the low 16 bits.
fn port(dw: u32) -> u16 {
    u16::from_be(dw as u16)
}

/// `(ip, port)`, or psutil's `()` when both are zero.
fn address(ip: IpAddr, port: u16) -> Address {
    if ip.is_unspecified() && port == 0 {
        Address::None
    } else {
        Address::Inet { ip, port }
    }
}

/// One of the two table calls, as bytes: probe the size, allocate it plus 25 %,
/// retry while the table grows in between.
fn table(call: &str, fetch: impl Fn(*mut std::ffi::c_void, &mut u32) -> u32) -> Result<Vec<u8>> {
    let mut size = 0u32;
    let rc = fetch(std::ptr::null_mut(), &mut size);
    if rc != ERROR_INSUFFICIENT_BUFFER && rc != NO_ERROR && rc != STATUS_UNSUCCESSFUL {
        return Err(win32_error(rc, call));
    }
    for _ in 0..16 {
        let cap = size as usize + size as usize / 4 + 64;
        // u64 elements keep the table 8-byte aligned; rows are still read unaligned.
        let mut buf = vec![0u64; cap.div_ceil(8)];
        let mut len = u32::try_from(buf.len() * 8).unwrap_or(u32::MAX);
        let rc = fetch(buf.as_mut_ptr().cast(), &mut len);
        match rc {
            NO_ERROR => {
                let bytes: Vec<u8> = buf.iter().flat_map(|w| w.to_ne_bytes()).collect();
                return Ok(bytes);
            }
            ERROR_INSUFFICIENT_BUFFER | STATUS_UNSUCCESSFUL => size = len.max(size * 2),
            other => return Err(win32_error(other, call)),
        }
    }
    Err(win32_error(ERROR_INSUFFICIENT_BUFFER, call))
}

/// The rows of a table: a u32 count, then the records from byte 4 (every row
/// type here is 4-byte aligned).
fn rows<T: Copy>(buf: &[u8]) -> Vec<T> {
    let n = read_at::<u32>(buf, 0).unwrap_or(0) as usize;
    let step = std::mem::size_of::<T>();
    (0..n)
        .map_while(|i| read_at::<T>(buf, 4 + i * step))
        .collect()
}

fn tcp_table(af: u16) -> Result<Vec<u8>> {
    table("GetExtendedTcpTable", |p, len| {
        // SAFETY: p is null (size probe) or writable for `*len` bytes; unsorted;
        // TCP_TABLE_OWNER_PID_ALL with AF_INET/AF_INET6 as documented.
        unsafe { GetExtendedTcpTable(p, len, 0, u32::from(af), TCP_TABLE_OWNER_PID_ALL, 0) }
    })
}

fn udp_table(af: u16) -> Result<Vec<u8>> {
    table("GetExtendedUdpTable", |p, len| {
        // SAFETY: as tcp_table, with UDP_TABLE_OWNER_PID.
        unsafe { GetExtendedUdpTable(p, len, 0, u32::from(af), UDP_TABLE_OWNER_PID, 0) }
    })
}

/// psutil's `net_connections(kind)` on Windows: TCP before UDP, IPv4 before IPv6;
/// fd −1; laddr `()` when address and port are zero; raddr `()` when zero or
/// LISTEN (always for UDP); status from `MIB_TCP_STATE`, NONE for UDP; pid the
/// row's owner (0 occurs, e.g. TIME_WAIT) when `with_owners`. Duplicates are
/// dropped (psutil returns a set). `unix` has no rows on Windows.
pub(crate) fn system_connections(
    kind: ConnKind,
    with_owners: bool,
) -> Result<Vec<SystemConnection>> {
    let mut out: Vec<SystemConnection> = Vec::new();
    let mut push = |c: SystemConnection| {
        if !out.contains(&c) {
            out.push(c);
        }
    };
    let owner = |pid: u32| with_owners.then_some(pid);
    let conn = |family, kind, laddr, raddr, status, pid| SystemConnection {
        fd: -1,
        family,
        kind,
        laddr,
        raddr,
        status,
        pid,
    };
    if kind.wants_tcp(AddressFamily::Inet) {
        for r in rows::<MIB_TCPROW_OWNER_PID>(&tcp_table(AF_INET)?) {
            let local = Ipv4Addr::from(r.dwLocalAddr.to_ne_bytes());
            let remote = Ipv4Addr::from(r.dwRemoteAddr.to_ne_bytes());
            let raddr = if r.dwState == MIB_TCP_STATE_LISTEN {
                Address::None
            } else {
                address(IpAddr::V4(remote), port(r.dwRemotePort))
            };
            push(conn(
                AddressFamily::Inet,
                SocketType::Stream,
                address(IpAddr::V4(local), port(r.dwLocalPort)),
                raddr,
                tcp_status(r.dwState),
                owner(r.dwOwningPid),
            ));
        }
    }
    if kind.wants_tcp(AddressFamily::Inet6) {
        for r in rows::<MIB_TCP6ROW_OWNER_PID>(&tcp_table(AF_INET6)?) {
            let raddr = if r.dwState == MIB_TCP_STATE_LISTEN {
                Address::None
            } else {
                address(
                    IpAddr::V6(Ipv6Addr::from(r.ucRemoteAddr)),
                    port(r.dwRemotePort),
                )
            };
            push(conn(
                AddressFamily::Inet6,
                SocketType::Stream,
                address(
                    IpAddr::V6(Ipv6Addr::from(r.ucLocalAddr)),
                    port(r.dwLocalPort),
                ),
                raddr,
                tcp_status(r.dwState),
                owner(r.dwOwningPid),
            ));
        }
    }
    if kind.wants_udp(AddressFamily::Inet) {
        for r in rows::<MIB_UDPROW_OWNER_PID>(&udp_table(AF_INET)?) {
            let local = Ipv4Addr::from(r.dwLocalAddr.to_ne_bytes());
            push(conn(
                AddressFamily::Inet,
                SocketType::Dgram,
                address(IpAddr::V4(local), port(r.dwLocalPort)),
                Address::None,
                ConnStatus::None,
                owner(r.dwOwningPid),
            ));
        }
    }
    if kind.wants_udp(AddressFamily::Inet6) {
        for r in rows::<MIB_UDP6ROW_OWNER_PID>(&udp_table(AF_INET6)?) {
            push(conn(
                AddressFamily::Inet6,
                SocketType::Dgram,
                address(
                    IpAddr::V6(Ipv6Addr::from(r.ucLocalAddr)),
                    port(r.dwLocalPort),
                ),
                Address::None,
                ConnStatus::None,
                owner(r.dwOwningPid),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::wine;
    use std::net::{TcpListener, TcpStream, UdpSocket};

    #[test]
    fn row_decoding() {
        // Port 80 in network order in the low 16 bits of a DWORD.
        assert_eq!(port(u32::from(80u16.to_be())), 80);
        assert_eq!(tcp_status(5), ConnStatus::Established);
        assert_eq!(tcp_status(12), ConnStatus::DeleteTcb);
        assert_eq!(tcp_status(99), ConnStatus::None);
        assert_eq!(address(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0), Address::None);
        // An unspecified address with a port is kept: psutil's ("0.0.0.0", 80).
        assert!(matches!(
            address(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 80),
            Address::Inet { .. }
        ));
        // Rows start at byte 4 and are read unaligned.
        let mut buf = 2u32.to_ne_bytes().to_vec();
        for pid in [7u32, 9] {
            buf.extend_from_slice(&0u32.to_ne_bytes());
            buf.extend_from_slice(&0u32.to_ne_bytes());
            buf.extend_from_slice(&pid.to_ne_bytes());
        }
        let r = rows::<MIB_UDPROW_OWNER_PID>(&buf);
        assert_eq!(r.iter().map(|r| r.dwOwningPid).collect::<Vec<_>>(), [7, 9]);
        // A count larger than the buffer stops at the last whole row.
        buf[0] = 5;
        assert_eq!(rows::<MIB_UDPROW_OWNER_PID>(&buf).len(), 2);
    }

    fn find<'a>(
        conns: &'a [SystemConnection],
        kind: SocketType,
        laddr: &Address,
    ) -> Vec<&'a SystemConnection> {
        conns
            .iter()
            .filter(|c| c.kind == kind && &c.laddr == laddr)
            .collect()
    }

    fn inet(a: std::net::SocketAddr) -> Address {
        Address::Inet {
            ip: a.ip(),
            port: a.port(),
        }
    }

    #[test]
    fn our_sockets_are_listed() {
        let _serial = wine::serial();
        let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
        let client = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (server, _) = listener.accept().expect("accept");
        let udp = UdpSocket::bind("127.0.0.1:0").expect("udp");
        let conns = crate::net_connections(ConnKind::Inet, true).expect("net_connections");
        let me = std::process::id();
        let under_wine = wine::version().is_some();

        let l = find(
            &conns,
            SocketType::Stream,
            &inet(listener.local_addr().expect("a")),
        );
        let listen = l
            .iter()
            .find(|c| c.status == ConnStatus::Listen)
            .unwrap_or_else(|| panic!("no LISTEN row in {l:?}"));
        assert_eq!(listen.raddr, Address::None);
        assert_eq!(listen.family, AddressFamily::Inet);
        assert_eq!(listen.fd, -1);
        // The accepted end shares the listener's local address.
        assert!(l.iter().any(|c| c.status == ConnStatus::Established
            && c.raddr == inet(client.local_addr().expect("a"))));
        let c = find(
            &conns,
            SocketType::Stream,
            &inet(client.local_addr().expect("a")),
        );
        assert!(
            c.iter().any(|c| c.status == ConnStatus::Established
                && c.raddr == inet(server.local_addr().expect("a"))),
            "{c:?}"
        );
        let u = find(
            &conns,
            SocketType::Dgram,
            &inet(udp.local_addr().expect("a")),
        );
        assert_eq!(u.len(), 1, "{u:?}");
        assert_eq!(
            (u[0].status, &u[0].raddr),
            (ConnStatus::None, &Address::None)
        );
        for row in l.iter().chain(c.iter()).chain(u.iter()) {
            // Wine 8 gap: every row's owner pid is 0 (fixed in Wine 9.17).
            let expect = if under_wine { 0 } else { me };
            assert_eq!(row.pid, Some(expect), "{row:?}");
        }
        // Without owners: no pid; kinds filter.
        let tcp4 = crate::net_connections(ConnKind::Tcp4, false).expect("tcp4");
        assert!(tcp4.iter().all(|c| c.pid.is_none()
            && c.kind == SocketType::Stream
            && c.family == AddressFamily::Inet));
        assert!(crate::net_connections(ConnKind::Unix, true)
            .expect("unix")
            .is_empty());
        let udp6 = crate::net_connections(ConnKind::Udp6, true).expect("udp6");
        assert!(udp6
            .iter()
            .all(|c| c.family == AddressFamily::Inet6 && c.kind == SocketType::Dgram));
    }

    #[test]
    fn linux_listeners_are_listed_under_wine() {
        let _serial = wine::serial();
        let Some(tcp) = wine::linux_file("/proc/net/tcp") else {
            return;
        };
        let conns = system_connections(ConnKind::Tcp4, false).expect("tcp4");
        // Wine 8 shows the whole Linux network namespace: every LISTEN socket of
        // /proc/net/tcp (state 0A; local address hex in host order, port hex).
        for l in tcp.lines().skip(1) {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.get(3) != Some(&"0A") {
                continue;
            }
            let Some((a, p)) = f.get(1).and_then(|s| s.split_once(':')) else {
                continue;
            };
            let (Ok(a), Ok(p)) = (u32::from_str_radix(a, 16), u16::from_str_radix(p, 16)) else {
                continue;
            };
            let ip = Ipv4Addr::from(a.to_le_bytes());
            let want = address(IpAddr::V4(ip), p);
            assert!(
                conns
                    .iter()
                    .any(|c| c.laddr == want && c.status == ConnStatus::Listen),
                "{want} LISTEN missing"
            );
        }
    }
}
