//! The kernels' socket tables, as psutil reads them for `net_connections`:
//!
//! * FreeBSD: the `net.inet.tcp.pcblist`, `net.inet.udp.pcblist`,
//!   `net.local.{stream,dgram}.pcblist` nodes (an `xinpgen` / `xunpgen` header,
//!   one `struct xtcpcb`, `struct xinpcb` or `struct xunpcb` per socket, and an
//!   `xinpgen` trailer; `netinet/in_pcb.h`, `netinet/tcp_var.h`, `sys/unpcb.h`),
//!   joined to their owners through `kern.file` (`struct xfile[]`, `sys/file.h`)
//!   by the socket's kernel address (`xso_so` = `xf_data`). A process's own
//!   sockets come from its descriptor list instead (`KERN_PROC_FILEDESC`, see
//!   [`super::files`]) and take their TCP state from the first `xtcpcb` whose
//!   protocol and endpoints match ([`tcp_state_for`]).
//! * NetBSD: `net.inet.tcp.pcblist` and its siblings with the element size and
//!   count in the mib: arrays of `struct kinfo_pcb` (`sys/socket.h`), joined to
//!   the `KERN_FILE2` descriptor records by `ki_sockaddr` = `ki_fdata`.
//!
//! Every field is read at the offset the backend took from the target's struct
//! declaration; the tests build their buffers at layouts of their own.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::files::KinfoFile;
use super::layout::{bytes, read_i, read_u, records, until_nul, Field};
use crate::{ParseError, Result};

/// Where the fields of FreeBSD's `struct xinpgen` (and `struct xunpgen`, whose
/// length and generation lie the same way for this purpose) lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenLayout {
    /// `sizeof(struct xinpgen)`: what the header's and trailer's `xig_len` must say.
    pub size: usize,
    /// `xig_len` / `xug_len` (`ksize_t`).
    pub len: Field,
    /// `xig_gen` / `xug_gen`: the table's generation when the header (or trailer)
    /// was written.
    pub gen: Field,
}

/// A FreeBSD pcblist split into its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcbList<'a> {
    /// The header's generation.
    pub head_gen: u64,
    /// The trailer's generation: different from the header's when the table
    /// changed while the kernel copied it (psutil then reads again, up to 5 times).
    pub tail_gen: u64,
    /// The records between header and trailer, each exactly `rec_size` bytes.
    pub records: Vec<&'a [u8]>,
}

impl PcbList<'_> {
    /// True if the table did not change during the copy.
    pub fn consistent(&self) -> bool {
        self.head_gen == self.tail_gen
    }
}

/// Splits a FreeBSD pcblist (`xinpgen` header, records, `xinpgen` trailer), as
/// psutil's `psutil_gather_inet` / `psutil_gather_unix`: the header's and the
/// trailer's length must be `g.size`; each record starts with its length
/// (`xt_len`, `xi_len`, `xu_len`, read through `g.len`), which must be `rec_size`
/// (psutil: "struct xtcpcb size mismatch"). A record running into the trailer is
/// an error.
pub fn walk_pcblist<'a>(buf: &'a [u8], g: &GenLayout, rec_size: usize) -> Result<PcbList<'a>> {
    if g.size == 0 || rec_size == 0 || buf.len() < 2 * g.size {
        return Err(ParseError::new(format!(
            "pcblist of {} bytes has no room for its header and trailer",
            buf.len()
        )));
    }
    let tail_at = buf.len() - g.size;
    let head = &buf[..g.size];
    let tail = &buf[tail_at..];
    let mismatch = |what: &str, n: u64, want: usize| {
        ParseError::new(format!("{what} length {n}, expected {want}"))
    };
    let (hl, tl) = (read_u(head, g.len)?, read_u(tail, g.len)?);
    if hl != g.size as u64 {
        return Err(mismatch("xinpgen header", hl, g.size));
    }
    if tl != g.size as u64 {
        return Err(mismatch("xinpgen trailer", tl, g.size));
    }
    let mut recs = Vec::new();
    let mut at = g.size;
    while at < tail_at {
        let rest = &buf[at..tail_at];
        let n = read_u(rest, g.len)?;
        if n != rec_size as u64 {
            return Err(mismatch("pcb record", n, rec_size));
        }
        let rec = rest.get(..rec_size).ok_or_else(|| {
            ParseError::new(format!(
                "pcb record of {rec_size} bytes overruns the list ({} left)",
                rest.len()
            ))
        })?;
        recs.push(rec);
        at += rec_size;
    }
    Ok(PcbList {
        head_gen: read_u(head, g.gen)?,
        tail_gen: read_u(tail, g.gen)?,
        records: recs,
    })
}

/// Where psutil's fields lie in FreeBSD's `struct xinpcb` (UDP) or `struct
/// xtcpcb` (TCP: the `xinpcb` is its `xt_inp` member, so the backend shifts
/// these by its offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InpLayout {
    /// `xi_socket.xso_so`: the socket's kernel address.
    pub so: Field,
    /// `xi_socket.so_type`.
    pub so_type: Field,
    /// `xi_socket.xso_family`.
    pub so_family: Field,
    /// `xi_socket.xso_protocol`.
    pub so_protocol: Field,
    /// `inp_vflag`: `INP_IPV4` 0x1, `INP_IPV6` 0x2.
    pub vflag: Field,
    /// `inp_inc.inc_ie.ie_fport`, network order.
    pub fport: Field,
    /// `inp_inc.inc_ie.ie_lport`, network order.
    pub lport: Field,
    /// `inp_inc.inc_ie.ie_dependfaddr`: 16 bytes, an IPv6 address or 12 bytes of
    /// padding and an IPv4 address.
    pub faddr: Field,
    /// `inp_inc.inc_ie.ie_dependladdr`, likewise.
    pub laddr: Field,
    /// `t_state` (TCP records only).
    pub state: Option<Field>,
}

/// `INP_IPV4` (`netinet/in_pcb.h`).
pub const INP_IPV4: u8 = 0x1;
/// `INP_IPV6` (`netinet/in_pcb.h`).
pub const INP_IPV6: u8 = 0x2;

/// One internet socket of a FreeBSD pcblist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inpcb {
    /// The socket's kernel address (`xso_so`).
    pub so: u64,
    /// `so_type`.
    pub so_type: i64,
    /// `xso_family`.
    pub family: i64,
    /// `xso_protocol`.
    pub protocol: i64,
    /// `inp_vflag`.
    pub vflag: u8,
    /// Local port, host order.
    pub lport: u16,
    /// Foreign port, host order.
    pub fport: u16,
    /// Local `in_dependaddr` bytes.
    pub laddr: [u8; 16],
    /// Foreign `in_dependaddr` bytes.
    pub faddr: [u8; 16],
    /// `t_state` for TCP, None for UDP.
    pub state: Option<i64>,
}

fn addr16(rec: &[u8], f: Field) -> Result<[u8; 16]> {
    let b = bytes(rec, f)?;
    b.try_into()
        .map_err(|_| ParseError::new(format!("address field of {} bytes, expected 16", b.len())))
}

/// The port of a network-order `u16` field, in host order.
fn net_port(rec: &[u8], f: Field) -> Result<u16> {
    Ok(u16::from_be(read_u(rec, f)? as u16))
}

impl Inpcb {
    /// Decodes one `xinpcb` / `xtcpcb` record.
    pub fn decode(rec: &[u8], l: &InpLayout) -> Result<Inpcb> {
        Ok(Inpcb {
            so: read_u(rec, l.so)?,
            so_type: read_i(rec, l.so_type)?,
            family: read_i(rec, l.so_family)?,
            protocol: read_i(rec, l.so_protocol)?,
            vflag: read_u(rec, l.vflag)? as u8,
            lport: net_port(rec, l.lport)?,
            fport: net_port(rec, l.fport)?,
            laddr: addr16(rec, l.laddr)?,
            faddr: addr16(rec, l.faddr)?,
            state: l.state.map(|f| read_i(rec, f)).transpose()?,
        })
    }

    /// psutil's family rule: IPv4 if `INP_IPV4` is set (dual-stack sockets
    /// report IPv4), else IPv6.
    pub fn is_v4(&self) -> bool {
        self.vflag & INP_IPV4 != 0
    }

    /// The local address in the socket's family ([`Inpcb::is_v4`]).
    pub fn local_ip(&self) -> IpAddr {
        dependaddr(&self.laddr, self.is_v4())
    }

    /// The foreign address in the socket's family.
    pub fn foreign_ip(&self) -> IpAddr {
        dependaddr(&self.faddr, self.is_v4())
    }
}

/// An `in_dependaddr`: the IPv4 address is its last 4 bytes (`id46_addr`,
/// after 12 bytes of padding), the IPv6 address all 16.
pub fn dependaddr(b: &[u8; 16], v4: bool) -> IpAddr {
    if v4 {
        Ipv4Addr::new(b[12], b[13], b[14], b[15]).into()
    } else {
        Ipv6Addr::from(*b).into()
    }
}

/// Decodes every record of a TCP or UDP pcblist.
pub fn decode_inpcbs(list: &PcbList<'_>, l: &InpLayout) -> Result<Vec<Inpcb>> {
    list.records.iter().map(|r| Inpcb::decode(r, l)).collect()
}

/// psutil's `include_v4` / `include_v6` filter of the system-wide walk: a
/// socket with `INP_IPV4` set is dropped unless IPv4 is wanted, one with
/// `INP_IPV6` set unless IPv6 is wanted (so a dual-stack socket needs both).
pub fn inp_wanted(vflag: u8, want_v4: bool, want_v6: bool) -> bool {
    (want_v4 || vflag & INP_IPV4 == 0) && (want_v6 || vflag & INP_IPV6 == 0)
}

/// Where the fields of FreeBSD's `struct xunpcb` lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnpLayout {
    /// `xu_socket.xso_so`.
    pub so: Field,
    /// `xu_addr`: the bound `sockaddr_un` (its union member spans 256 bytes).
    pub addr: Field,
}

/// One UNIX socket of a FreeBSD pcblist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpcb {
    /// The socket's kernel address.
    pub so: u64,
    /// The bound path, bounded by `sun_len` (empty when unbound).
    pub path: Vec<u8>,
}

/// Decodes every record of a `net.local.*.pcblist`.
pub fn decode_unpcbs(list: &PcbList<'_>, l: &UnpLayout) -> Result<Vec<Unpcb>> {
    list.records
        .iter()
        .map(|r| {
            Ok(Unpcb {
                so: read_u(r, l.so)?,
                path: sun_path_by_len(bytes(r, l.addr)?),
            })
        })
        .collect()
}

/// A `sockaddr_un`'s path as psutil's FreeBSD code prints it: `"%.*s"` with
/// `sun_len - offsetof(sun_path)` as precision, so at most `sun_len - 2` bytes and
/// never past a NUL; a `sun_len` below 2 leaves only the NUL as bound.
pub fn sun_path_by_len(sa: &[u8]) -> Vec<u8> {
    let path = sa.get(2..).unwrap_or(&[]);
    let path = match sa.first() {
        Some(&len) if len >= 2 => &path[..path.len().min(usize::from(len) - 2)],
        _ => path,
    };
    until_nul(path).to_vec()
}

/// A `sockaddr_un`'s path up to its NUL, `sun_len` ignored (psutil's NetBSD and
/// OpenBSD code copy `sun_path` as a C string).
pub fn sun_path(sa: &[u8]) -> Vec<u8> {
    until_nul(sa.get(2..).unwrap_or(&[])).to_vec()
}

/// The address and port (host order) of a `sockaddr_in` (`v6` false: port at
/// bytes 2..4, address at 4..8) or `sockaddr_in6` (address at 8..24), read as the
/// socket's domain says, whatever its `sa_family` byte holds (psutil casts: a
/// zeroed peer address of an unconnected socket reads as `0.0.0.0` port 0).
pub fn sockaddr_inet(sa: &[u8], v6: bool) -> Option<(IpAddr, u16)> {
    let port = u16::from_be_bytes([*sa.get(2)?, *sa.get(3)?]);
    let ip: IpAddr = if v6 {
        let b: [u8; 16] = sa.get(8..24)?.try_into().ok()?;
        Ipv6Addr::from(b).into()
    } else {
        let b: [u8; 4] = sa.get(4..8)?.try_into().ok()?;
        Ipv4Addr::from(b).into()
    };
    Some((ip, port))
}

/// psutil's `psutil_search_tcplist`: the TCP state of a process's socket, from
/// the first pcb whose `so_type`, family and protocol equal the descriptor's and
/// whose local and foreign address and port equal its `kf_sa_local` /
/// `kf_sa_peer`; None when no pcb matches (psutil: `NONE`).
pub fn tcp_state_for(pcbs: &[Inpcb], f: &KinfoFile, af_inet: i64) -> Option<i64> {
    let v6 = f.sock_domain != af_inet;
    let local = sockaddr_inet(&f.sa_local, v6)?;
    let peer = sockaddr_inet(&f.sa_peer, v6)?;
    pcbs.iter()
        .find(|p| {
            p.so_type == f.sock_type
                && p.family == f.sock_domain
                && p.protocol == f.sock_protocol
                && (dependaddr(&p.laddr, !v6), p.lport) == local
                && (dependaddr(&p.faddr, !v6), p.fport) == peer
        })
        .and_then(|p| p.state)
}

/// Where the fields of FreeBSD's `struct xfile` lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XfileLayout {
    /// `sizeof(struct xfile)`.
    pub size: usize,
    /// `xf_size`: must equal `size` (psutil: "struct xfile size mismatch").
    pub xf_size: Field,
    /// `xf_pid`.
    pub pid: Field,
    /// `xf_fd`.
    pub fd: Field,
    /// `xf_data`: the socket's kernel address for a socket.
    pub data: Field,
}

/// One open file of the system (`kern.file`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Xfile {
    /// The owning process.
    pub pid: i64,
    /// The descriptor number.
    pub fd: i64,
    /// `xf_data`.
    pub data: u64,
}

/// Decodes a `kern.file` buffer: fixed `xfile` records, the first one's
/// `xf_size` checked as psutil does.
pub fn decode_xfiles(buf: &[u8], l: &XfileLayout) -> Result<Vec<Xfile>> {
    let recs = records(buf, l.size)?;
    if let Some(first) = recs.first() {
        let n = read_u(first, l.xf_size)?;
        if n != l.size as u64 {
            return Err(ParseError::new(format!(
                "struct xfile size {n}, expected {}",
                l.size
            )));
        }
    }
    recs.iter()
        .map(|r| {
            Ok(Xfile {
                pid: read_i(r, l.pid)?,
                fd: read_i(r, l.fd)?,
                data: read_u(r, l.data)?,
            })
        })
        .collect()
}

/// The owner lookup of psutil's `psutil_get_file_from_sock`: socket address →
/// index of the first file whose `xf_data` is that address.
pub fn owners(files: &[Xfile]) -> HashMap<u64, usize> {
    let mut m = HashMap::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        m.entry(f.data).or_insert(i);
    }
    m
}

/// Where the fields of NetBSD's `struct kinfo_pcb` lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KpcbLayout {
    /// `sizeof(struct kinfo_pcb)`.
    pub size: usize,
    /// `ki_sockaddr`: the socket's kernel address.
    pub sockaddr: Field,
    /// `ki_family`.
    pub family: Field,
    /// `ki_type`.
    pub stype: Field,
    /// `ki_tstate`.
    pub tstate: Field,
    /// `ki_s` (the local `sockaddr`, padded to 264 bytes).
    pub src: Field,
    /// `ki_d` (the remote `sockaddr`).
    pub dst: Field,
}

/// One socket of a NetBSD pcblist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kpcb {
    /// `ki_sockaddr`.
    pub sockaddr: u64,
    /// `ki_family`.
    pub family: i64,
    /// `ki_type`.
    pub stype: i64,
    /// `ki_tstate`.
    pub tstate: i64,
    /// The local address bytes.
    pub src: Vec<u8>,
    /// The remote address bytes.
    pub dst: Vec<u8>,
}

/// Decodes a NetBSD pcblist (an array of `kinfo_pcb`).
pub fn decode_kpcbs(buf: &[u8], l: &KpcbLayout) -> Result<Vec<Kpcb>> {
    records(buf, l.size)?
        .into_iter()
        .map(|r| {
            Ok(Kpcb {
                sockaddr: read_u(r, l.sockaddr)?,
                family: read_i(r, l.family)?,
                stype: read_i(r, l.stype)?,
                tstate: read_i(r, l.tstate)?,
                src: bytes(r, l.src)?.to_vec(),
                dst: bytes(r, l.dst)?.to_vec(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GEN: GenLayout = GenLayout {
        size: 32,
        len: Field::new(0, 8),
        gen: Field::new(16, 8),
    };

    fn gen_rec(gen: u64) -> Vec<u8> {
        let mut r = vec![0u8; 32];
        r[..8].copy_from_slice(&32u64.to_ne_bytes());
        r[16..24].copy_from_slice(&gen.to_ne_bytes());
        r
    }

    // A test inpcb layout: so at 8, so_type (i16) at 16, family 20, protocol 24,
    // vflag 28, fport 30, lport 32, faddr 36..52, laddr 52..68, state 68; 72 bytes.
    const INP: InpLayout = InpLayout {
        so: Field::new(8, 8),
        so_type: Field::new(16, 2),
        so_family: Field::new(20, 4),
        so_protocol: Field::new(24, 4),
        vflag: Field::new(28, 1),
        fport: Field::new(30, 2),
        lport: Field::new(32, 2),
        faddr: Field::new(36, 16),
        laddr: Field::new(52, 16),
        state: Some(Field::new(68, 4)),
    };

    #[allow(clippy::too_many_arguments)]
    fn inp_rec(
        so: u64,
        vflag: u8,
        laddr: IpAddr,
        lport: u16,
        faddr: IpAddr,
        fport: u16,
        state: i32,
    ) -> Vec<u8> {
        let mut r = vec![0u8; 72];
        r[..8].copy_from_slice(&72u64.to_ne_bytes());
        r[8..16].copy_from_slice(&so.to_ne_bytes());
        r[16..18].copy_from_slice(&1i16.to_ne_bytes());
        r[20..24].copy_from_slice(&(if vflag & INP_IPV4 != 0 { 2i32 } else { 28 }).to_ne_bytes());
        r[24..28].copy_from_slice(&6i32.to_ne_bytes());
        r[28] = vflag;
        r[30..32].copy_from_slice(&fport.to_be_bytes());
        r[32..34].copy_from_slice(&lport.to_be_bytes());
        let put = |r: &mut Vec<u8>, at: usize, ip: IpAddr| match ip {
            IpAddr::V4(a) => r[at + 12..at + 16].copy_from_slice(&a.octets()),
            IpAddr::V6(a) => r[at..at + 16].copy_from_slice(&a.octets()),
        };
        put(&mut r, 36, faddr);
        put(&mut r, 52, laddr);
        r[68..72].copy_from_slice(&state.to_ne_bytes());
        r
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn inet_pcblist() {
        let mut buf = gen_rec(7);
        buf.extend(inp_rec(
            0xaa00,
            INP_IPV4,
            ip("10.0.0.1"),
            22,
            ip("10.0.0.2"),
            50000,
            4,
        ));
        buf.extend(inp_rec(0xbb00, INP_IPV6, ip("::1"), 8080, ip("::"), 0, 1));
        buf.extend(gen_rec(7));
        let list = walk_pcblist(&buf, &GEN, 72).unwrap();
        assert!(list.consistent());
        assert_eq!(list.records.len(), 2);
        let pcbs = decode_inpcbs(&list, &INP).unwrap();
        let a = &pcbs[0];
        assert_eq!((a.so, a.so_type, a.family, a.protocol), (0xaa00, 1, 2, 6));
        assert!(a.is_v4());
        assert_eq!((a.local_ip(), a.lport), (ip("10.0.0.1"), 22));
        assert_eq!((a.foreign_ip(), a.fport), (ip("10.0.0.2"), 50000));
        assert_eq!(a.state, Some(4));
        let b = &pcbs[1];
        assert!(!b.is_v4());
        assert_eq!((b.local_ip(), b.lport, b.fport), (ip("::1"), 8080, 0));
        assert_eq!(b.state, Some(1));

        // A changed generation is reported, not an error.
        let mut moved = buf.clone();
        let n = moved.len();
        moved[n - 16..n - 8].copy_from_slice(&8u64.to_ne_bytes());
        assert!(!walk_pcblist(&moved, &GEN, 72).unwrap().consistent());
        // Empty table: header and trailer only.
        let mut empty = gen_rec(1);
        empty.extend(gen_rec(1));
        assert!(walk_pcblist(&empty, &GEN, 72).unwrap().records.is_empty());
    }

    #[test]
    fn pcblist_errors() {
        let mut buf = gen_rec(1);
        buf.extend(inp_rec(1, INP_IPV4, ip("1.2.3.4"), 1, ip("0.0.0.0"), 0, 0));
        buf.extend(gen_rec(1));
        // Wrong record size, wrong header/trailer length, truncated, too short.
        assert!(walk_pcblist(&buf, &GEN, 64).is_err());
        let mut bad = buf.clone();
        bad[..8].copy_from_slice(&31u64.to_ne_bytes());
        assert!(walk_pcblist(&bad, &GEN, 72).is_err());
        let mut bad = buf.clone();
        let n = bad.len();
        bad[n - 32..n - 24].copy_from_slice(&0u64.to_ne_bytes());
        assert!(walk_pcblist(&bad, &GEN, 72).is_err());
        let mut short = gen_rec(1);
        short.extend_from_slice(&72u64.to_ne_bytes());
        short.extend(gen_rec(1));
        assert!(walk_pcblist(&short, &GEN, 72).is_err());
        assert!(walk_pcblist(&[0; 40], &GEN, 72).is_err());
    }

    #[test]
    fn psutil_family_filter() {
        assert!(inp_wanted(INP_IPV4, true, false));
        assert!(!inp_wanted(INP_IPV4, false, true));
        assert!(inp_wanted(INP_IPV6, false, true));
        assert!(!inp_wanted(INP_IPV4 | INP_IPV6, true, false));
        assert!(inp_wanted(INP_IPV4 | INP_IPV6, true, true));
        assert!(inp_wanted(0, false, false));
    }

    #[test]
    fn unix_pcblist_and_paths() {
        let unp = UnpLayout {
            so: Field::new(8, 8),
            addr: Field::new(16, 110),
        };
        let rec = |so: u64, sa: &[u8]| {
            let mut r = vec![0u8; 128];
            r[..8].copy_from_slice(&128u64.to_ne_bytes());
            r[8..16].copy_from_slice(&so.to_ne_bytes());
            r[16..16 + sa.len()].copy_from_slice(sa);
            r
        };
        let mut buf = gen_rec(3);
        // sun_len 11 bounds the path to 9 bytes although more follow.
        buf.extend(rec(0x10, b"\x0b\x01/tmp/sockXYZ"));
        buf.extend(rec(0x20, b""));
        buf.extend(gen_rec(3));
        let list = walk_pcblist(&buf, &GEN, 128).unwrap();
        let u = decode_unpcbs(&list, &unp).unwrap();
        assert_eq!(
            u[0],
            Unpcb {
                so: 0x10,
                path: b"/tmp/sock".to_vec()
            }
        );
        assert_eq!(u[1].path, b"");
        assert_eq!(sun_path_by_len(b"\x00\x01/a\0b"), b"/a");
        assert_eq!(sun_path(b"\x03\x01/tmp/x\0y"), b"/tmp/x");
        assert_eq!(sun_path(b"\x03"), b"");
    }

    #[test]
    fn inet_sockaddrs_read_by_domain() {
        let sin = [16u8, 2, 0x1f, 0x90, 127, 0, 0, 1];
        assert_eq!(sockaddr_inet(&sin, false), Some((ip("127.0.0.1"), 8080)));
        // A zeroed peer (unconnected socket): 0.0.0.0 port 0, not "no address".
        assert_eq!(sockaddr_inet(&[0; 16], false), Some((ip("0.0.0.0"), 0)));
        let mut sin6 = vec![28u8, 28, 0, 53, 0, 0, 0, 0];
        sin6.extend_from_slice(&ip_bytes("fe80::1"));
        assert_eq!(sockaddr_inet(&sin6, true), Some((ip("fe80::1"), 53)));
        assert_eq!(sockaddr_inet(&sin6[..20], true), None);
        assert_eq!(sockaddr_inet(&[1, 2, 3], false), None);
    }

    fn ip_bytes(s: &str) -> [u8; 16] {
        match ip(s) {
            IpAddr::V6(a) => a.octets(),
            IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        }
    }

    fn kfile(domain: i64, local: &[u8], peer: &[u8]) -> KinfoFile {
        KinfoFile {
            ftype: 2,
            fd: 3,
            vnode_type: 0,
            sock_domain: domain,
            sock_type: 1,
            sock_protocol: 6,
            sa_local: local.to_vec(),
            sa_peer: peer.to_vec(),
            path: Vec::new(),
        }
    }

    #[test]
    fn tcp_state_search() {
        let pcbs = vec![
            Inpcb::decode(
                &inp_rec(1, INP_IPV4, ip("10.0.0.1"), 22, ip("0.0.0.0"), 0, 1),
                &INP,
            )
            .unwrap(),
            Inpcb::decode(
                &inp_rec(2, INP_IPV4, ip("10.0.0.1"), 22, ip("10.0.0.9"), 40000, 4),
                &INP,
            )
            .unwrap(),
            Inpcb::decode(&inp_rec(3, INP_IPV6, ip("::1"), 22, ip("::"), 0, 1), &INP).unwrap(),
        ];
        let listen = kfile(2, &[16, 2, 0, 22, 10, 0, 0, 1], &[0; 16]);
        assert_eq!(tcp_state_for(&pcbs, &listen, 2), Some(1));
        let est = kfile(
            2,
            &[16, 2, 0, 22, 10, 0, 0, 1],
            &[16, 2, 0x9c, 0x40, 10, 0, 0, 9],
        );
        assert_eq!(tcp_state_for(&pcbs, &est, 2), Some(4));
        let mut l6 = vec![28u8, 28, 0, 22, 0, 0, 0, 0];
        l6.extend_from_slice(&ip_bytes("::1"));
        let mut p6 = vec![0u8; 8];
        p6.extend_from_slice(&[0; 16]);
        let six = kfile(28, &l6, &p6);
        assert_eq!(tcp_state_for(&pcbs, &six, 2), Some(1));
        let other = kfile(2, &[16, 2, 0, 23, 10, 0, 0, 1], &[0; 16]);
        assert_eq!(tcp_state_for(&pcbs, &other, 2), None);
    }

    #[test]
    fn xfiles_and_owners() {
        let l = XfileLayout {
            size: 32,
            xf_size: Field::new(0, 8),
            pid: Field::new(8, 4),
            fd: Field::new(12, 4),
            data: Field::new(16, 8),
        };
        let rec = |pid: i32, fd: i32, data: u64| {
            let mut r = vec![0u8; 32];
            r[..8].copy_from_slice(&32u64.to_ne_bytes());
            r[8..12].copy_from_slice(&pid.to_ne_bytes());
            r[12..16].copy_from_slice(&fd.to_ne_bytes());
            r[16..24].copy_from_slice(&data.to_ne_bytes());
            r
        };
        let mut buf = rec(100, 3, 0xaa);
        buf.extend(rec(200, 5, 0xbb));
        buf.extend(rec(300, 7, 0xaa));
        let files = decode_xfiles(&buf, &l).unwrap();
        assert_eq!(
            files[1],
            Xfile {
                pid: 200,
                fd: 5,
                data: 0xbb
            }
        );
        let own = owners(&files);
        assert_eq!(own.get(&0xaa), Some(&0)); // the first file wins
        assert_eq!(own.get(&0xbb), Some(&1));
        assert!(decode_xfiles(&[], &l).unwrap().is_empty());
        let mut bad = buf.clone();
        bad[..8].copy_from_slice(&40u64.to_ne_bytes());
        assert!(decode_xfiles(&bad, &l).is_err());
        assert!(decode_xfiles(&buf[..40], &l).is_err());
    }

    #[test]
    fn netbsd_kinfo_pcb() {
        let l = KpcbLayout {
            size: 64,
            sockaddr: Field::new(0, 8),
            family: Field::new(8, 4),
            stype: Field::new(12, 4),
            tstate: Field::new(16, 4),
            src: Field::new(20, 20),
            dst: Field::new(40, 20),
        };
        let mut r = vec![0u8; 64];
        r[..8].copy_from_slice(&0xfeedu64.to_ne_bytes());
        r[8..12].copy_from_slice(&24u32.to_ne_bytes());
        r[12..16].copy_from_slice(&1u32.to_ne_bytes());
        r[16..20].copy_from_slice(&10i32.to_ne_bytes());
        r[20..24].copy_from_slice(&[16, 2, 0, 80]);
        let k = decode_kpcbs(&r, &l).unwrap();
        assert_eq!(
            (k[0].sockaddr, k[0].family, k[0].stype, k[0].tstate),
            (0xfeed, 24, 1, 10)
        );
        assert_eq!(&k[0].src[..4], &[16, 2, 0, 80]);
        assert_eq!(k[0].dst.len(), 20);
        assert!(decode_kpcbs(&r[..63], &l).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..600), rs in 0usize..100) {
            if let Ok(list) = walk_pcblist(&buf, &GEN, rs) {
                let _ = decode_inpcbs(&list, &INP);
                let _ = decode_unpcbs(&list, &UnpLayout { so: Field::new(8, 8), addr: Field::new(16, 110) });
            }
            let _ = sun_path_by_len(&buf);
            let _ = sun_path(&buf);
            let _ = sockaddr_inet(&buf, true);
            let _ = sockaddr_inet(&buf, false);
            let l = XfileLayout { size: 32, xf_size: Field::new(0, 8), pid: Field::new(8, 4), fd: Field::new(12, 4), data: Field::new(16, 8) };
            let _ = decode_xfiles(&buf, &l).map(|f| owners(&f));
            let k = KpcbLayout { size: 64, sockaddr: Field::new(0, 8), family: Field::new(8, 4), stype: Field::new(12, 4), tstate: Field::new(16, 4), src: Field::new(20, 20), dst: Field::new(40, 20) };
            let _ = decode_kpcbs(&buf, &k);
        }

        #[test]
        fn walk_roundtrip(n in 0usize..6, gen in any::<u64>()) {
            let mut buf = gen_rec(gen);
            for i in 0..n {
                buf.extend(inp_rec(i as u64, INP_IPV4, ip("1.1.1.1"), i as u16, ip("2.2.2.2"), 1, 4));
            }
            buf.extend(gen_rec(gen));
            let list = walk_pcblist(&buf, &GEN, 72).unwrap();
            prop_assert_eq!(list.records.len(), n);
            prop_assert_eq!(list.head_gen, gen);
        }
    }
}
