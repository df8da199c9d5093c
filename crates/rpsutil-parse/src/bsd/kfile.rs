//! OpenBSD's and NetBSD's descriptor records: the fixed-size `struct kinfo_file`
//! arrays of `sysctl {CTL_KERN, KERN_FILE, op, arg, elem_size, elem_count}`
//! (OpenBSD, `sys/sysctl.h`) and `{CTL_KERN, KERN_FILE2, ...}` (NetBSD,
//! `sys/sysctl.h`). Unlike FreeBSD's they carry no path; OpenBSD's carry the
//! socket's addresses and TCP state, NetBSD's only the socket's kernel address
//! (`ki_fdata`), which the `kinfo_pcb` lists name too ([`super::pcb`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::layout::{bytes, read_i, read_u, records, until_nul, Field};
use crate::{ParseError, Result};

/// Where psutil's fields lie in OpenBSD's `struct kinfo_file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenbsdFileLayout {
    /// `sizeof(struct kinfo_file)`.
    pub size: usize,
    /// `f_type`: `DTYPE_VNODE` 1, `DTYPE_SOCKET` 2...
    pub f_type: Field,
    /// `v_type`: `VREG` 1...
    pub v_type: Field,
    /// `fd_fd`: the descriptor, negative for the text, cwd, root and trace
    /// pseudo-records (`KERN_FILE_TEXT` -1 ...).
    pub fd: Field,
    /// `p_pid`.
    pub pid: Field,
    /// `so_family`.
    pub so_family: Field,
    /// `so_type`.
    pub so_type: Field,
    /// `inp_lport`: a network-order `u16` stored in a `u32`.
    pub lport: Field,
    /// `inp_fport`, likewise.
    pub fport: Field,
    /// `inp_laddru`: `u32[4]`, the address bytes in network order.
    pub laddr: Field,
    /// `inp_faddru`.
    pub faddr: Field,
    /// `unp_path`: the UNIX socket's path (`KI_UNPPATHLEN` bytes).
    pub unp_path: Field,
    /// `t_state`.
    pub t_state: Field,
}

/// One OpenBSD descriptor record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenbsdFile {
    /// `f_type`.
    pub f_type: i64,
    /// `v_type`.
    pub v_type: i64,
    /// `fd_fd`.
    pub fd: i64,
    /// `p_pid`.
    pub pid: i64,
    /// `so_family`.
    pub so_family: i64,
    /// `so_type`.
    pub so_type: i64,
    /// Local port, host order (psutil `ntohs(inp_lport)`).
    pub lport: u16,
    /// Foreign port, host order.
    pub fport: u16,
    /// `inp_laddru` bytes.
    pub laddr: [u8; 16],
    /// `inp_faddru` bytes.
    pub faddr: [u8; 16],
    /// `unp_path` up to its NUL.
    pub unp_path: Vec<u8>,
    /// `t_state`.
    pub t_state: i64,
}

impl OpenbsdFile {
    /// An address of `inp_laddru` / `inp_faddru` read in the socket's family, as
    /// psutil's `inet_ntop(so_family, &inp_laddru)`: the first 4 bytes for IPv4,
    /// all 16 for IPv6.
    pub fn ip(b: &[u8; 16], v6: bool) -> IpAddr {
        if v6 {
            Ipv6Addr::from(*b).into()
        } else {
            Ipv4Addr::new(b[0], b[1], b[2], b[3]).into()
        }
    }
}

fn addr16(rec: &[u8], f: Field) -> Result<[u8; 16]> {
    let b = bytes(rec, f)?;
    b.try_into()
        .map_err(|_| ParseError::new(format!("address field of {} bytes, expected 16", b.len())))
}

/// A port stored in network order in an integer field of any width: its low 16
/// bits hold the network-order value (`u16::from_be` is psutil's `ntohs`).
fn net_port(rec: &[u8], f: Field) -> Result<u16> {
    Ok(u16::from_be(read_u(rec, f)? as u16))
}

/// Decodes an OpenBSD `KERN_FILE` buffer.
pub fn decode_openbsd(buf: &[u8], l: &OpenbsdFileLayout) -> Result<Vec<OpenbsdFile>> {
    records(buf, l.size)?
        .into_iter()
        .map(|r| {
            Ok(OpenbsdFile {
                f_type: read_i(r, l.f_type)?,
                v_type: read_i(r, l.v_type)?,
                fd: read_i(r, l.fd)?,
                pid: read_i(r, l.pid)?,
                so_family: read_i(r, l.so_family)?,
                so_type: read_i(r, l.so_type)?,
                lport: net_port(r, l.lport)?,
                fport: net_port(r, l.fport)?,
                laddr: addr16(r, l.laddr)?,
                faddr: addr16(r, l.faddr)?,
                unp_path: until_nul(bytes(r, l.unp_path)?).to_vec(),
                t_state: read_i(r, l.t_state)?,
            })
        })
        .collect()
}

/// Where psutil's fields lie in NetBSD's `struct kinfo_file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetbsdFileLayout {
    /// `sizeof(struct kinfo_file)`.
    pub size: usize,
    /// `ki_ftype`: `DTYPE_VNODE` 1, `DTYPE_SOCKET` 2...
    pub ftype: Field,
    /// `ki_vtype`: `VREG` 1...
    pub vtype: Field,
    /// `ki_fd`.
    pub fd: Field,
    /// `ki_pid`.
    pub pid: Field,
    /// `ki_fdata`: the socket's kernel address for a socket.
    pub fdata: Field,
}

/// One NetBSD descriptor record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetbsdFile {
    /// `ki_ftype`.
    pub ftype: i64,
    /// `ki_vtype`.
    pub vtype: i64,
    /// `ki_fd`.
    pub fd: i64,
    /// `ki_pid`.
    pub pid: i64,
    /// `ki_fdata`.
    pub fdata: u64,
}

/// Decodes a NetBSD `KERN_FILE2` buffer.
pub fn decode_netbsd(buf: &[u8], l: &NetbsdFileLayout) -> Result<Vec<NetbsdFile>> {
    records(buf, l.size)?
        .into_iter()
        .map(|r| {
            Ok(NetbsdFile {
                ftype: read_i(r, l.ftype)?,
                vtype: read_i(r, l.vtype)?,
                fd: read_i(r, l.fd)?,
                pid: read_i(r, l.pid)?,
                fdata: read_u(r, l.fdata)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OB: OpenbsdFileLayout = OpenbsdFileLayout {
        size: 128,
        f_type: Field::new(0, 4),
        v_type: Field::new(4, 4),
        fd: Field::new(8, 4),
        pid: Field::new(12, 4),
        so_family: Field::new(16, 4),
        so_type: Field::new(20, 4),
        lport: Field::new(24, 4),
        fport: Field::new(28, 4),
        laddr: Field::new(32, 16),
        faddr: Field::new(48, 16),
        unp_path: Field::new(64, 32),
        t_state: Field::new(96, 4),
    };

    fn ob_rec(
        ftype: u32,
        fd: i32,
        family: u32,
        lport: u16,
        laddr: &[u8],
        path: &[u8],
        state: u32,
    ) -> Vec<u8> {
        let mut r = vec![0u8; 128];
        r[..4].copy_from_slice(&ftype.to_ne_bytes());
        r[4..8].copy_from_slice(&1u32.to_ne_bytes());
        r[8..12].copy_from_slice(&fd.to_ne_bytes());
        r[12..16].copy_from_slice(&4242u32.to_ne_bytes());
        r[16..20].copy_from_slice(&family.to_ne_bytes());
        r[20..24].copy_from_slice(&1u32.to_ne_bytes());
        // The kernel stores the network-order u16 in a u32: inp_lport = inp->inp_lport.
        r[24..28].copy_from_slice(&u32::from(lport.to_be()).to_ne_bytes());
        r[32..32 + laddr.len()].copy_from_slice(laddr);
        r[64..64 + path.len()].copy_from_slice(path);
        r[96..100].copy_from_slice(&state.to_ne_bytes());
        r
    }

    #[test]
    fn openbsd_records() {
        let mut buf = ob_rec(2, 3, 2, 8080, &[127, 0, 0, 1], b"", 1);
        buf.extend(ob_rec(2, 4, 1, 0, &[], b"/tmp/s.sock", 0));
        buf.extend(ob_rec(1, -1, 0, 0, &[], b"", 0));
        let f = decode_openbsd(&buf, &OB).unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(
            (f[0].f_type, f[0].fd, f[0].pid, f[0].so_family),
            (2, 3, 4242, 2)
        );
        assert_eq!((f[0].lport, f[0].fport, f[0].t_state), (8080, 0, 1));
        assert_eq!(
            OpenbsdFile::ip(&f[0].laddr, false),
            "127.0.0.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            OpenbsdFile::ip(&f[0].faddr, true),
            "::".parse::<IpAddr>().unwrap()
        );
        assert_eq!(f[1].unp_path, b"/tmp/s.sock");
        assert_eq!((f[2].fd, f[2].v_type), (-1, 1));
        assert!(decode_openbsd(&buf[..200], &OB).is_err());
        assert!(decode_openbsd(&[], &OB).unwrap().is_empty());
    }

    const NB: NetbsdFileLayout = NetbsdFileLayout {
        size: 32,
        ftype: Field::new(0, 4),
        vtype: Field::new(4, 4),
        fd: Field::new(8, 4),
        pid: Field::new(12, 4),
        fdata: Field::new(16, 8),
    };

    #[test]
    fn netbsd_records() {
        let mut r = vec![0u8; 32];
        r[..4].copy_from_slice(&2u32.to_ne_bytes());
        r[8..12].copy_from_slice(&7i32.to_ne_bytes());
        r[12..16].copy_from_slice(&99u32.to_ne_bytes());
        r[16..24].copy_from_slice(&0xdead_beefu64.to_ne_bytes());
        let f = decode_netbsd(&r, &NB).unwrap();
        assert_eq!(
            f,
            vec![NetbsdFile {
                ftype: 2,
                vtype: 0,
                fd: 7,
                pid: 99,
                fdata: 0xdead_beef
            }]
        );
        assert!(decode_netbsd(&r[..31], &NB).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = decode_openbsd(&buf, &OB);
            let _ = decode_netbsd(&buf, &NB);
        }
    }
}
