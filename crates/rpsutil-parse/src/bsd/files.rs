//! FreeBSD's per-process descriptor and memory-map lists: the arrays of
//! `struct kinfo_file` (`sysctl KERN_PROC_FILEDESC`, what libutil's
//! `kinfo_getfile(3)` reads) and `struct kinfo_vmentry` (`KERN_PROC_VMMAP`,
//! `kinfo_getvmmap(3)`), both in `sys/user.h`. The kernel packs the records: each
//! starts with its own length (`kf_structsize`, `kve_structsize`), which covers the
//! fixed part and the path up to its NUL, rounded up to 8 bytes.

use super::layout::{bytes, read_i, sized_records, until_nul, Field};
use crate::{ParseError, Result};

/// Where the fields of `struct kinfo_file` lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLayout {
    /// `kf_structsize`: this record's length.
    pub structsize: Field,
    /// `kf_type`: `KF_TYPE_VNODE`, `KF_TYPE_SOCKET`...
    pub ftype: Field,
    /// `kf_fd`: the descriptor, or a negative `KF_FD_TYPE_*` pseudo-descriptor
    /// (cwd, root, jail, text, ctty, trace).
    pub fd: Field,
    /// `kf_vnode_type` (`kf_un.kf_file.kf_file_type`): `KF_VTYPE_VREG`...
    pub vnode_type: Field,
    /// `kf_sock_domain`.
    pub sock_domain: Field,
    /// `kf_sock_type`.
    pub sock_type: Field,
    /// `kf_sock_protocol`.
    pub sock_protocol: Field,
    /// `kf_sa_local`: a `sockaddr_storage`.
    pub sa_local: Field,
    /// `kf_sa_peer`: a `sockaddr_storage`.
    pub sa_peer: Field,
    /// `kf_path`: its offset (the record may end before `PATH_MAX` bytes).
    pub path: Field,
}

/// One descriptor of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KinfoFile {
    /// `kf_type`.
    pub ftype: i64,
    /// `kf_fd`.
    pub fd: i64,
    /// `kf_vnode_type` (meaningful for vnodes).
    pub vnode_type: i64,
    /// Socket domain (meaningful for sockets).
    pub sock_domain: i64,
    /// Socket type.
    pub sock_type: i64,
    /// Socket protocol.
    pub sock_protocol: i64,
    /// The local socket address bytes (`sockaddr_storage`).
    pub sa_local: Vec<u8>,
    /// The peer socket address bytes.
    pub sa_peer: Vec<u8>,
    /// The path, up to its NUL (empty when the kernel does not know it).
    pub path: Vec<u8>,
}

/// The path at `f.off` to the end of the record (or of the field), up to its NUL.
fn tail_path(rec: &[u8], f: Field) -> Vec<u8> {
    let end = rec.len().min(f.off.saturating_add(f.size));
    rec.get(f.off..end).map(until_nul).unwrap_or(&[]).to_vec()
}

/// Decodes a `KERN_PROC_FILEDESC` buffer.
pub fn decode_files(buf: &[u8], l: &FileLayout) -> Result<Vec<KinfoFile>> {
    // Every fixed field must be inside each record; the path may be cut short.
    let min = [
        l.ftype,
        l.fd,
        l.vnode_type,
        l.sock_domain,
        l.sock_type,
        l.sock_protocol,
        l.sa_local,
        l.sa_peer,
    ]
    .iter()
    .map(|f| f.off + f.size)
    .max()
    .unwrap_or(0)
    .max(l.path.off);
    sized_records(buf, l.structsize, min)?
        .into_iter()
        .map(|rec| {
            Ok(KinfoFile {
                ftype: read_i(rec, l.ftype)?,
                fd: read_i(rec, l.fd)?,
                vnode_type: read_i(rec, l.vnode_type)?,
                sock_domain: read_i(rec, l.sock_domain)?,
                sock_type: read_i(rec, l.sock_type)?,
                sock_protocol: read_i(rec, l.sock_protocol)?,
                sa_local: bytes(rec, l.sa_local)?.to_vec(),
                sa_peer: bytes(rec, l.sa_peer)?.to_vec(),
                path: tail_path(rec, l.path),
            })
        })
        .collect()
}

/// Where the fields of FreeBSD's `struct kinfo_vmentry` lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmLayout {
    /// `kve_structsize`.
    pub structsize: Field,
    /// `kve_type`: `KVME_TYPE_*`.
    pub vtype: Field,
    /// `kve_start`.
    pub start: Field,
    /// `kve_end`.
    pub end: Field,
    /// `kve_resident`, pages.
    pub resident: Field,
    /// `kve_private_resident`, pages.
    pub private_resident: Field,
    /// `kve_protection`: `KVME_PROT_READ|WRITE|EXEC`.
    pub protection: Field,
    /// `kve_ref_count`.
    pub ref_count: Field,
    /// `kve_shadow_count`.
    pub shadow_count: Field,
    /// `kve_path`.
    pub path: Field,
}

/// One mapping of a process, as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KinfoVmentry {
    /// `KVME_TYPE_*`.
    pub vtype: i64,
    /// First address.
    pub start: u64,
    /// End address (exclusive).
    pub end: u64,
    /// Resident pages.
    pub resident: u64,
    /// Resident pages private to the process.
    pub private_resident: u64,
    /// `KVME_PROT_*` bits.
    pub protection: i64,
    /// References to the VM object.
    pub ref_count: u64,
    /// Shadow objects.
    pub shadow_count: u64,
    /// The backing file, empty when none.
    pub path: Vec<u8>,
}

/// Decodes a `KERN_PROC_VMMAP` buffer.
pub fn decode_vmmap(buf: &[u8], l: &VmLayout) -> Result<Vec<KinfoVmentry>> {
    let min = [
        l.vtype,
        l.start,
        l.end,
        l.resident,
        l.private_resident,
        l.protection,
        l.ref_count,
        l.shadow_count,
    ]
    .iter()
    .map(|f| f.off + f.size)
    .max()
    .unwrap_or(0)
    .max(l.path.off);
    let count = |rec: &[u8], f: Field| read_i(rec, f).map(|v| v.max(0) as u64);
    sized_records(buf, l.structsize, min)?
        .into_iter()
        .map(|rec| {
            Ok(KinfoVmentry {
                vtype: read_i(rec, l.vtype)?,
                start: read_i(rec, l.start)? as u64,
                end: read_i(rec, l.end)? as u64,
                resident: count(rec, l.resident)?,
                private_resident: count(rec, l.private_resident)?,
                protection: read_i(rec, l.protection)?,
                ref_count: count(rec, l.ref_count)?,
                shadow_count: count(rec, l.shadow_count)?,
                path: tail_path(rec, l.path),
            })
        })
        .collect()
}

/// psutil's `addr` of a FreeBSD mapping: `"%#*jx-%#*jx"` with the padding spaces
/// removed, i.e. `0x…-0x…` in lowercase, and a bare `0` for address 0 (C's `#`
/// flag adds no prefix to zero).
pub fn map_addr(start: u64, end: u64) -> String {
    fn one(v: u64) -> String {
        if v == 0 {
            "0".to_string()
        } else {
            format!("{v:#x}")
        }
    }
    format!("{}-{}", one(start), one(end))
}

/// psutil's 3-character `perms` from `KVME_PROT_READ` (1), `WRITE` (2), `EXEC` (4).
pub fn map_perms(protection: i64) -> String {
    let mut s = String::with_capacity(3);
    s.push(if protection & 1 != 0 { 'r' } else { '-' });
    s.push(if protection & 2 != 0 { 'w' } else { '-' });
    s.push(if protection & 4 != 0 { 'x' } else { '-' });
    s
}

/// psutil's `path` of a mapping without a file: `[none]`, `[default]`, `[vnode]`,
/// `[swap]`, `[device]`, `[phys]`, `[dead]`, `[sg]`, `[unknown]` by `KVME_TYPE_*`
/// (0..=7, 255), `[?]` for anything else.
pub fn map_type_name(vtype: i64) -> &'static str {
    match vtype {
        0 => "[none]",
        1 => "[default]",
        2 => "[vnode]",
        3 => "[swap]",
        4 => "[device]",
        5 => "[phys]",
        6 => "[dead]",
        7 => "[sg]",
        255 => "[unknown]",
        _ => "[?]",
    }
}

/// A socket address out of a BSD `sockaddr` (`sa_len`, `sa_family`, then the
/// family's fields; ports and IPv4 addresses in network order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SockAddr {
    /// IPv4 or IPv6 address and port (host order).
    Inet(std::net::IpAddr, u16),
    /// A UNIX socket path (bounded by `sun_len`), possibly empty.
    Unix(Vec<u8>),
    /// No address (family 0, or a length too short for its family).
    None,
}

/// Decodes a BSD `sockaddr_in` / `sockaddr_in6` / `sockaddr_un` given this OS's
/// family numbers (`AF_INET`, `AF_INET6`, `AF_UNIX` differ between the BSDs).
pub fn decode_sockaddr(sa: &[u8], af_inet: u8, af_inet6: u8, af_unix: u8) -> SockAddr {
    let (Some(&len), Some(&family)) = (sa.first(), sa.get(1)) else {
        return SockAddr::None;
    };
    let len = usize::from(len).min(sa.len());
    let port = || sa.get(2..4).map(|p| u16::from_be_bytes([p[0], p[1]]));
    if family == af_inet {
        match (port(), sa.get(4..8)) {
            (Some(p), Some(a)) => SockAddr::Inet([a[0], a[1], a[2], a[3]].into(), p),
            _ => SockAddr::None,
        }
    } else if family == af_inet6 {
        match (port(), sa.get(8..24)) {
            (Some(p), Some(a)) => {
                let mut b = [0u8; 16];
                b.copy_from_slice(a);
                SockAddr::Inet(b.into(), p)
            }
            _ => SockAddr::None,
        }
    } else if family == af_unix {
        // sun_path follows the two header bytes, up to sun_len and its NUL.
        let path = sa.get(2..len.max(2)).map(until_nul).unwrap_or(&[]);
        SockAddr::Unix(path.to_vec())
    } else {
        SockAddr::None
    }
}

/// Checks that a buffer holds a whole number of records: the common error of a
/// truncated read, reported before decoding.
pub fn expect_len(buf: &[u8], at_least: usize) -> Result<()> {
    if buf.len() < at_least {
        return Err(ParseError::new(format!(
            "{} bytes, expected at least {at_least}",
            buf.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file_layout() -> FileLayout {
        FileLayout {
            structsize: Field::new(0, 4),
            ftype: Field::new(4, 4),
            fd: Field::new(8, 4),
            vnode_type: Field::new(32, 4),
            sock_domain: Field::new(36, 4),
            sock_type: Field::new(40, 4),
            sock_protocol: Field::new(44, 4),
            sa_local: Field::new(48, 16),
            sa_peer: Field::new(64, 16),
            path: Field::new(80, 1024),
        }
    }

    fn file_rec(ftype: i32, fd: i32, vtype: i32, path: &[u8]) -> Vec<u8> {
        let mut r = vec![0u8; 80];
        r[4..8].copy_from_slice(&ftype.to_ne_bytes());
        r[8..12].copy_from_slice(&fd.to_ne_bytes());
        r[32..36].copy_from_slice(&vtype.to_ne_bytes());
        // A sockaddr_in 10.0.0.1:80 as local address.
        r[48..56].copy_from_slice(&[16, 2, 0, 80, 10, 0, 0, 1]);
        r.extend_from_slice(path);
        r.push(0);
        while r.len() % 8 != 0 {
            r.push(0);
        }
        let n = r.len() as i32;
        r[..4].copy_from_slice(&n.to_ne_bytes());
        r
    }

    #[test]
    fn packed_file_records() {
        let mut buf = file_rec(1, -1, 2, b"/home/u");
        buf.extend(file_rec(1, 3, 1, b"/var/log/messages"));
        buf.extend(file_rec(2, 4, 0, b""));
        let files = decode_files(&buf, &file_layout()).unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(
            (files[0].fd, files[0].path.as_slice()),
            (-1, &b"/home/u"[..])
        );
        assert_eq!(files[1].path, b"/var/log/messages");
        assert_eq!((files[1].ftype, files[1].vnode_type), (1, 1));
        assert!(files[2].path.is_empty());
        assert_eq!(
            decode_sockaddr(&files[2].sa_local, 2, 28, 1),
            SockAddr::Inet("10.0.0.1".parse().unwrap(), 80)
        );
        // A record shorter than its fixed part is an error.
        let mut bad = buf.clone();
        bad[..4].copy_from_slice(&40i32.to_ne_bytes());
        assert!(decode_files(&bad, &file_layout()).is_err());
    }

    fn vm_layout() -> VmLayout {
        VmLayout {
            structsize: Field::new(0, 4),
            vtype: Field::new(4, 4),
            start: Field::new(8, 8),
            end: Field::new(16, 8),
            resident: Field::new(24, 4),
            private_resident: Field::new(28, 4),
            protection: Field::new(32, 4),
            ref_count: Field::new(36, 4),
            shadow_count: Field::new(40, 4),
            path: Field::new(48, 1024),
        }
    }

    #[test]
    fn packed_vm_records_and_psutil_strings() {
        let mut r = vec![0u8; 48];
        r[4..8].copy_from_slice(&2i32.to_ne_bytes());
        r[8..16].copy_from_slice(&0x40_0000u64.to_ne_bytes());
        r[16..24].copy_from_slice(&0x40_2000u64.to_ne_bytes());
        r[24..28].copy_from_slice(&2i32.to_ne_bytes());
        r[28..32].copy_from_slice(&1i32.to_ne_bytes());
        r[32..36].copy_from_slice(&5i32.to_ne_bytes());
        r[36..40].copy_from_slice(&3i32.to_ne_bytes());
        r.extend_from_slice(b"/bin/sh\0");
        let n = r.len() as i32;
        r[..4].copy_from_slice(&n.to_ne_bytes());
        let maps = decode_vmmap(&r, &vm_layout()).unwrap();
        assert_eq!(maps.len(), 1);
        let m = &maps[0];
        assert_eq!(
            (m.start, m.end, m.resident, m.private_resident),
            (0x40_0000, 0x40_2000, 2, 1)
        );
        assert_eq!((m.ref_count, m.shadow_count), (3, 0));
        assert_eq!(m.path, b"/bin/sh");
        assert_eq!(map_addr(m.start, m.end), "0x400000-0x402000");
        assert_eq!(map_addr(0, 0x10), "0-0x10");
        assert_eq!(map_perms(m.protection), "r-x");
        assert_eq!(map_perms(7), "rwx");
        assert_eq!(map_type_name(3), "[swap]");
        assert_eq!(map_type_name(42), "[?]");
    }

    #[test]
    fn sockaddrs() {
        let mut six = vec![28u8, 28, 0x1f, 0x90, 0, 0, 0, 0];
        six.extend_from_slice(&[0; 15]);
        six.push(1);
        assert_eq!(
            decode_sockaddr(&six, 2, 28, 1),
            SockAddr::Inet("::1".parse().unwrap(), 8080)
        );
        let un = b"\x0e\x01/tmp/sock\0zzzz";
        assert_eq!(
            decode_sockaddr(un, 2, 28, 1),
            SockAddr::Unix(b"/tmp/sock".to_vec())
        );
        assert_eq!(decode_sockaddr(&[0, 0], 2, 28, 1), SockAddr::None);
        assert_eq!(decode_sockaddr(&[16, 2, 0], 2, 28, 1), SockAddr::None);
        assert!(expect_len(&[0; 3], 4).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = decode_files(&buf, &file_layout());
            let _ = decode_vmmap(&buf, &vm_layout());
            let _ = decode_sockaddr(&buf, 2, 28, 1);
        }
    }
}
