//! `net_connections()` and `Process.net_connections()` on the BSDs, as psutil
//! 7.2.2 reads them:
//!
//! * FreeBSD (`arch/freebsd/sys_socks.c`, `proc_socks.c`): the system's sockets
//!   from the `net.inet.{tcp,udp}.pcblist` and `net.local.{stream,dgram}.pcblist`
//!   tables, their owners from `kern.file` (a socket no file refers to is left
//!   out); a process's sockets from its descriptor list (`KERN_PROC_FILEDESC`),
//!   TCP states from `net.inet.tcp.pcblist`.
//! * OpenBSD (`arch/openbsd/socks.c`): `KERN_FILE` `KERN_FILE_BYPID` records,
//!   which carry the addresses and TCP state themselves.
//! * NetBSD (`arch/netbsd/socks.c`): `KERN_FILE2` records joined to the
//!   `kinfo_pcb` lists of the kind's protocols.
//!
//! The `kind` selects families and types as psutil's `conn_tmap` (the UNIX kinds
//! take stream and datagram sockets); inet addresses are `(ip, port)`, the
//! remote one empty when its port is 0; UNIX sockets have a path (`""` when
//! unbound), and on FreeBSD and OpenBSD the remote path `""` (the kernel does
//! not say). The system-wide lists are deduplicated (psutil returns
//! `list(set(...))`).

use std::collections::HashSet;
use std::ffi::OsString;
use std::net::IpAddr;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use super::process::Proc;
#[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
use super::sysctl::parse_err;
use crate::types::conn_kind::ConnKind;
use crate::types::net::{
    Address, AddressFamily, ConnStatus, Connection, SocketType, SystemConnection,
};
use crate::types::process::Pid;
use crate::Result;

/// psutil's `conn_tmap`: the families and the types a kind selects (NetBSD's
/// psutil code selects by the pcblists it reads instead).
#[cfg(any(target_os = "freebsd", target_os = "openbsd"))]
fn tmap(kind: ConnKind) -> (&'static [AddressFamily], &'static [SocketType]) {
    use AddressFamily::{Inet as V4, Inet6 as V6, Unix};
    use SocketType::{Dgram, Stream};
    match kind {
        ConnKind::All => (&[V4, V6, Unix], &[Stream, Dgram]),
        ConnKind::Tcp => (&[V4, V6], &[Stream]),
        ConnKind::Tcp4 => (&[V4], &[Stream]),
        ConnKind::Tcp6 => (&[V6], &[Stream]),
        ConnKind::Udp => (&[V4, V6], &[Dgram]),
        ConnKind::Udp4 => (&[V4], &[Dgram]),
        ConnKind::Udp6 => (&[V6], &[Dgram]),
        ConnKind::Inet4 => (&[V4], &[Stream, Dgram]),
        ConnKind::Inet6 => (&[V6], &[Stream, Dgram]),
        ConnKind::Unix => (&[Unix], &[Stream, Dgram]),
        _ => (&[V4, V6], &[Stream, Dgram]),
    }
}

/// The family and type of a socket given by the OS's numbers, if psutil reports
/// such sockets and the kind selects them.
#[cfg(any(target_os = "freebsd", target_os = "openbsd"))]
fn selected_socket(
    kind: ConnKind,
    raw_family: i64,
    raw_type: i64,
) -> Option<(AddressFamily, SocketType)> {
    let family = AddressFamily::of_socket(raw_family)?;
    let stype = SocketType::from_raw(raw_type)?;
    let (fams, types) = tmap(kind);
    (fams.contains(&family) && types.contains(&stype)).then_some((family, stype))
}

/// A status only for TCP (psutil's `conn_to_ntuple`: stream + inet).
fn status_for(family: AddressFamily, stype: SocketType, state: Option<i64>) -> ConnStatus {
    match (family, stype, state) {
        (AddressFamily::Inet | AddressFamily::Inet6, SocketType::Stream, Some(s)) => {
            crate::sys::posix::tcp_fsm_status(s)
        }
        _ => ConnStatus::None,
    }
}

fn local(ip: IpAddr, port: u16) -> Address {
    Address::Inet { ip, port }
}

/// psutil: the remote address is `()` when its port is 0.
fn remote(ip: IpAddr, port: u16) -> Address {
    if port == 0 {
        Address::None
    } else {
        Address::Inet { ip, port }
    }
}

fn unix_path(path: Vec<u8>) -> Address {
    Address::Unix(PathBuf::from(OsString::from_vec(path)))
}

/// One socket before it becomes a `pconn` or an `sconn`.
struct Raw {
    fd: i64,
    pid: i64,
    family: AddressFamily,
    stype: SocketType,
    laddr: Address,
    raddr: Address,
    status: ConnStatus,
}

impl Raw {
    fn conn(self) -> Connection {
        Connection {
            fd: i32::try_from(self.fd).unwrap_or(-1),
            family: self.family,
            kind: self.stype,
            laddr: self.laddr,
            raddr: self.raddr,
            status: self.status,
        }
    }

    fn sconn(self) -> SystemConnection {
        SystemConnection {
            fd: i32::try_from(self.fd).unwrap_or(-1),
            pid: Pid::try_from(self.pid).ok(),
            family: self.family,
            kind: self.stype,
            laddr: self.laddr,
            raddr: self.raddr,
            status: self.status,
        }
    }
}

/// psutil's `list(set(...))`: duplicates dropped (the first kept, in order),
/// compared with their owners; without owners, `fd` and `pid` are blanked after.
fn system_list(raw: Vec<Raw>, with_owners: bool) -> Vec<SystemConnection> {
    let mut seen = HashSet::new();
    raw.into_iter()
        .map(Raw::sconn)
        .filter(|c| seen.insert(c.clone()))
        .map(|mut c| {
            if !with_owners {
                c.fd = -1;
                c.pid = None;
            }
            c
        })
        .collect()
}

// ------------------------------------------------------------------- FreeBSD

#[cfg(target_os = "freebsd")]
mod imp {
    //! The FreeBSD export structs libc does not declare, written from the
    //! FreeBSD 13/14 headers (`sys/socketvar.h`, `netinet/in_pcb.h`,
    //! `netinet/tcp_var.h`, `sys/unpcb.h`, `sys/file.h`); their layouts have been
    //! the same since FreeBSD 12 (`__FreeBSD_version` 1200031), the first
    //! version whose `kinfo_file` layout the backend reads. Only their layouts
    //! are used (`offset_of!`); the kernel checks nothing, so the sizes the
    //! lists announce (`xt_len`, `xi_len`, `xu_len`, `xf_size`) are checked
    //! against these.

    use rpsutil_parse::bsd::pcb::{
        self, GenLayout, InpLayout, Inpcb, PcbList, UnpLayout, XfileLayout,
    };

    use super::super::sysctl;
    use super::*;

    /// `struct xsockbuf` (`sys/socketvar.h`).
    #[repr(C)]
    #[allow(dead_code)] // only the layout is used
    struct XSockbuf {
        sb_cc: u32,
        sb_hiwat: u32,
        sb_mbcnt: u32,
        sb_mcnt: u32,
        sb_ccnt: u32,
        sb_mbmax: u32,
        sb_lowat: i32,
        sb_timeo: i32,
        sb_flags: i16,
    }

    /// `struct xsocket` (`sys/socketvar.h`; FreeBSD 14.2 renamed the first
    /// spare to `so_splice_so`, 15 the first `int32_t` spare to `so_fibnum`:
    /// same bytes).
    #[repr(C)]
    #[allow(dead_code)]
    struct XSocket {
        xso_len: u64,
        xso_so: u64,
        so_pcb: u64,
        so_oobmark: u64,
        so_spare64: [i64; 8],
        xso_protocol: i32,
        xso_family: i32,
        so_qlen: u32,
        so_incqlen: u32,
        so_qlimit: u32,
        so_pgid: i32,
        so_uid: u32,
        so_spare32: [i32; 8],
        so_type: i16,
        so_options: i16,
        so_linger: i16,
        so_state: i16,
        so_timeo: i16,
        so_error: u16,
        so_rcv: XSockbuf,
        so_snd: XSockbuf,
    }

    /// `struct xinpcb` (`netinet/in_pcb.h`, `__aligned(8)`); `inp_inc` is libc's
    /// `struct in_conninfo`.
    #[repr(C, align(8))]
    #[allow(dead_code)]
    struct XInpcb {
        xi_len: u64,
        xi_socket: XSocket,
        inp_inc: libc::in_conninfo,
        inp_gencnt: u64,
        inp_ppcb: u64,
        inp_spare64: [i64; 4],
        inp_flow: u32,
        inp_flowid: u32,
        inp_flowtype: u32,
        inp_flags: i32,
        inp_flags2: i32,
        inp_rss_listen_bucket: i32,
        in6p_cksum: i32,
        inp_spare32: [i32; 4],
        in6p_hops: u16,
        inp_ip_tos: u8,
        pad8: i8,
        inp_vflag: u8,
        inp_ip_ttl: u8,
        inp_ip_p: u8,
        inp_ip_minttl: u8,
        inp_spare8: [i8; 4],
    }

    /// `struct xtcpcb` (`netinet/tcp_var.h`, `__aligned(8)`): `xt_stack[32]`,
    /// `xt_logid[64]`, then (13+) `xt_cc[16]` and `spare64[6]` or (12)
    /// `spare64[8]`: `t_state` at the same place in both; the 43 `int32_t`
    /// after it (timers, windows, spares) are one array here.
    #[repr(C, align(8))]
    #[allow(dead_code)]
    struct XTcpcb {
        xt_len: u64,
        xt_inp: XInpcb,
        xt_stack: [u8; 32],
        xt_logid: [u8; 64],
        xt_cc: [u8; 16],
        spare64: [i64; 6],
        t_state: i32,
        tail: [i32; 43],
    }

    /// `struct xunpcb` (`sys/unpcb.h`, `__aligned(8)`): the two address unions
    /// are 256 bytes each (`sockaddr_un` or `xu_dummy`).
    #[repr(C, align(8))]
    #[allow(dead_code)]
    struct XUnpcb {
        xu_len: u64,
        xu_unpp: u64,
        unp_vnode: u64,
        unp_conn: u64,
        xu_firstref: u64,
        xu_nextref: u64,
        unp_gencnt: u64,
        xu_spare64: [i64; 8],
        xu_spare32: [i32; 8],
        xu_addr: [u8; 256],
        xu_caddr: [u8; 256],
        xu_socket: XSocket,
    }

    /// `struct xunpgen` (`sys/unpcb.h`, `__aligned(8)`).
    #[repr(C, align(8))]
    #[allow(dead_code)]
    struct XUnpgen {
        xug_len: u64,
        xug_count: u32,
        xug_gen: u64,
        xug_sogen: u64,
    }

    /// `struct xfile` (`sys/file.h`).
    #[repr(C)]
    #[allow(dead_code)]
    struct XFile {
        xf_size: u64,
        xf_pid: i32,
        xf_uid: u32,
        xf_fd: i32,
        _xf_int_pad1: i32,
        xf_file: u64,
        xf_type: i16,
        _xf_short_pad1: i16,
        xf_count: i32,
        xf_msgcount: i32,
        _xf_int_pad2: i32,
        xf_offset: i64,
        xf_data: u64,
        xf_vnode: u64,
        xf_flag: u32,
        _xf_int_pad3: i32,
        _xf_int64_pad: [i64; 6],
    }

    use std::mem::{offset_of, size_of};
    // Sizes and offsets on amd64, computed from the headers by hand.
    const _: () = assert!(size_of::<XSockbuf>() == 36);
    const _: () = assert!(size_of::<XSocket>() == 240);
    const _: () = assert!(offset_of!(XSocket, xso_family) == 100);
    const _: () = assert!(offset_of!(XSocket, so_type) == 156);
    const _: () = assert!(offset_of!(XSocket, so_rcv) == 168);
    const _: () = assert!(size_of::<libc::in_conninfo>() == 44);
    const _: () = assert!(size_of::<libc::xinpgen>() == 64);
    const _: () = assert!(offset_of!(XInpcb, inp_inc) == 248);
    const _: () = assert!(offset_of!(XInpcb, inp_gencnt) == 296);
    const _: () = assert!(offset_of!(XInpcb, inp_vflag) == 392);
    const _: () = assert!(size_of::<XInpcb>() == 400);
    const _: () = assert!(offset_of!(XTcpcb, t_state) == 568);
    const _: () = assert!(size_of::<XTcpcb>() == 744);
    const _: () = assert!(offset_of!(XUnpcb, xu_addr) == 152);
    const _: () = assert!(offset_of!(XUnpcb, xu_socket) == 664);
    const _: () = assert!(size_of::<XUnpcb>() == 904);
    const _: () = assert!(size_of::<XUnpgen>() == 32);
    const _: () = assert!(offset_of!(XFile, xf_data) == 56);
    const _: () = assert!(size_of::<XFile>() == 128);

    const INP_GEN: GenLayout = GenLayout {
        size: size_of::<libc::xinpgen>(),
        len: fld!(libc::xinpgen, xig_len),
        gen: fld!(libc::xinpgen, xig_gen),
    };
    const UNP_GEN: GenLayout = GenLayout {
        size: size_of::<XUnpgen>(),
        len: fld!(XUnpgen, xug_len),
        gen: fld!(XUnpgen, xug_gen),
    };

    /// psutil's fields of an `xinpcb` at offset 0 of a record.
    const INP: InpLayout = InpLayout {
        so: fld!(XInpcb, xi_socket.xso_so),
        so_type: fld!(XInpcb, xi_socket.so_type),
        so_family: fld!(XInpcb, xi_socket.xso_family),
        so_protocol: fld!(XInpcb, xi_socket.xso_protocol),
        vflag: fld!(XInpcb, inp_vflag),
        fport: fld!(XInpcb, inp_inc.inc_ie.ie_fport),
        lport: fld!(XInpcb, inp_inc.inc_ie.ie_lport),
        faddr: fld!(XInpcb, inp_inc.inc_ie.ie_dependfaddr),
        laddr: fld!(XInpcb, inp_inc.inc_ie.ie_dependladdr),
        state: None,
    };

    /// The same fields inside an `xtcpcb` (`xt_inp`), plus `t_state`.
    const TCP: InpLayout = InpLayout {
        so: INP.so.shifted(offset_of!(XTcpcb, xt_inp)),
        so_type: INP.so_type.shifted(offset_of!(XTcpcb, xt_inp)),
        so_family: INP.so_family.shifted(offset_of!(XTcpcb, xt_inp)),
        so_protocol: INP.so_protocol.shifted(offset_of!(XTcpcb, xt_inp)),
        vflag: INP.vflag.shifted(offset_of!(XTcpcb, xt_inp)),
        fport: INP.fport.shifted(offset_of!(XTcpcb, xt_inp)),
        lport: INP.lport.shifted(offset_of!(XTcpcb, xt_inp)),
        faddr: INP.faddr.shifted(offset_of!(XTcpcb, xt_inp)),
        laddr: INP.laddr.shifted(offset_of!(XTcpcb, xt_inp)),
        state: Some(fld!(XTcpcb, t_state)),
    };

    const UNP: UnpLayout = UnpLayout {
        so: fld!(XUnpcb, xu_socket.xso_so),
        addr: fld!(XUnpcb, xu_addr),
    };

    const XFILE: XfileLayout = XfileLayout {
        size: size_of::<XFile>(),
        xf_size: fld!(XFile, xf_size),
        pid: fld!(XFile, xf_pid),
        fd: fld!(XFile, xf_fd),
        data: fld!(XFile, xf_data),
    };

    /// Reads a pcblist and splits it; re-read up to 5 more times while the
    /// header's and trailer's generations differ (psutil's `retry`), the last
    /// copy kept either way.
    fn pcblist(name: &str, gen: &GenLayout, rec_size: usize) -> Result<Vec<u8>> {
        let mut tries = 0;
        loop {
            let buf = sysctl::read_by_name(name).map_err(|e| sysctl::os_error(e, name))?;
            let consistent = split(&buf, gen, rec_size, name)?.consistent();
            tries += 1;
            if consistent || tries > 5 {
                return Ok(buf);
            }
        }
    }

    fn split<'a>(
        buf: &'a [u8],
        gen: &GenLayout,
        rec_size: usize,
        name: &str,
    ) -> Result<PcbList<'a>> {
        pcb::walk_pcblist(buf, gen, rec_size).map_err(|e| parse_err(name, e))
    }

    /// The TCP or UDP sockets of the system.
    fn inet_pcbs(tcp: bool) -> Result<Vec<Inpcb>> {
        let (name, size, layout) = if tcp {
            ("net.inet.tcp.pcblist", size_of::<XTcpcb>(), &TCP)
        } else {
            ("net.inet.udp.pcblist", size_of::<XInpcb>(), &INP)
        };
        let buf = pcblist(name, &INP_GEN, size)?;
        let list = split(&buf, &INP_GEN, size, name)?;
        pcb::decode_inpcbs(&list, layout).map_err(|e| parse_err(name, e))
    }

    /// psutil's `psutil_net_connections`: every TCP, UDP and UNIX socket a file
    /// refers to, with the file's pid and descriptor.
    pub(crate) fn system_connections(
        kind: ConnKind,
        with_owners: bool,
    ) -> Result<Vec<SystemConnection>> {
        let (fams, types) = tmap(kind);
        let want_v4 = fams.contains(&AddressFamily::Inet);
        let want_v6 = fams.contains(&AddressFamily::Inet6);
        let buf =
            sysctl::read_by_name("kern.file").map_err(|e| sysctl::os_error(e, "kern.file"))?;
        let files = pcb::decode_xfiles(&buf, &XFILE).map_err(|e| parse_err("kern.file", e))?;
        let owners = pcb::owners(&files);
        let mut raw = Vec::new();
        for (stype, tcp) in [(SocketType::Stream, true), (SocketType::Dgram, false)] {
            if !types.contains(&stype) {
                continue;
            }
            for p in inet_pcbs(tcp)? {
                // A pcb without either version flag has no family psutil could
                // name (its C code leaves the family unset): skipped.
                if p.vflag & (pcb::INP_IPV4 | pcb::INP_IPV6) == 0
                    || !pcb::inp_wanted(p.vflag, want_v4, want_v6)
                {
                    continue;
                }
                let Some(&i) = owners.get(&p.so) else {
                    continue;
                };
                let family = if p.is_v4() {
                    AddressFamily::Inet
                } else {
                    AddressFamily::Inet6
                };
                raw.push(Raw {
                    fd: files[i].fd,
                    pid: files[i].pid,
                    family,
                    stype,
                    laddr: local(p.local_ip(), p.lport),
                    raddr: remote(p.foreign_ip(), p.fport),
                    status: status_for(family, stype, p.state),
                });
            }
        }
        if fams.contains(&AddressFamily::Unix) {
            for (name, stype) in [
                ("net.local.stream.pcblist", SocketType::Stream),
                ("net.local.dgram.pcblist", SocketType::Dgram),
            ] {
                let size = size_of::<XUnpcb>();
                let buf = pcblist(name, &UNP_GEN, size)?;
                let list = split(&buf, &UNP_GEN, size, name)?;
                for u in pcb::decode_unpcbs(&list, &UNP).map_err(|e| parse_err(name, e))? {
                    let Some(&i) = owners.get(&u.so) else {
                        continue;
                    };
                    raw.push(Raw {
                        fd: files[i].fd,
                        pid: files[i].pid,
                        family: AddressFamily::Unix,
                        stype,
                        laddr: unix_path(u.path),
                        raddr: unix_path(Vec::new()),
                        status: ConnStatus::None,
                    });
                }
            }
        }
        Ok(system_list(raw, with_owners))
    }

    /// psutil's `psutil_proc_net_connections`: the socket descriptors of the
    /// process (`KERN_PROC_FILEDESC`) of the kind's families and types;
    /// addresses from the descriptor record, a TCP socket's state from the first
    /// matching `net.inet.tcp.pcblist` entry (NONE without one). Then
    /// `_assert_alive()`.
    pub(crate) fn net_connections(p: &mut Proc<'_>, kind: ConnKind) -> Result<Vec<Connection>> {
        let files = super::super::freebsd::files(p)?;
        let mut tcp: Option<Vec<Inpcb>> = None;
        let mut out = Vec::new();
        for f in files
            .iter()
            .filter(|f| f.ftype == i64::from(libc::KF_TYPE_SOCKET))
        {
            let Some((family, stype)) = selected_socket(kind, f.sock_domain, f.sock_type) else {
                continue;
            };
            let raw = match family {
                AddressFamily::Unix => Raw {
                    fd: f.fd,
                    pid: 0,
                    family,
                    stype,
                    laddr: unix_path(pcb::sun_path_by_len(&f.sa_local)),
                    raddr: unix_path(Vec::new()),
                    status: ConnStatus::None,
                },
                _ => {
                    let state = if stype == SocketType::Stream {
                        if tcp.is_none() {
                            tcp = Some(inet_pcbs(true)?);
                        }
                        tcp.as_deref()
                            .and_then(|pcbs| pcb::tcp_state_for(pcbs, f, i64::from(libc::AF_INET)))
                    } else {
                        None
                    };
                    let v6 = family == AddressFamily::Inet6;
                    let unspecified = || {
                        let ip: IpAddr = if v6 {
                            std::net::Ipv6Addr::UNSPECIFIED.into()
                        } else {
                            std::net::Ipv4Addr::UNSPECIFIED.into()
                        };
                        (ip, 0)
                    };
                    let (lip, lport) =
                        pcb::sockaddr_inet(&f.sa_local, v6).unwrap_or_else(unspecified);
                    let (rip, rport) =
                        pcb::sockaddr_inet(&f.sa_peer, v6).unwrap_or_else(unspecified);
                    Raw {
                        fd: f.fd,
                        pid: 0,
                        family,
                        stype,
                        laddr: local(lip, lport),
                        raddr: remote(rip, rport),
                        status: if stype == SocketType::Stream {
                            state.map_or(ConnStatus::None, crate::sys::posix::tcp_fsm_status)
                        } else {
                            ConnStatus::None
                        },
                    }
                }
            };
            out.push(raw.conn());
        }
        super::super::os::read_kinfo(p.pid)?;
        Ok(out)
    }
}

// ------------------------------------------------------------------- OpenBSD

#[cfg(target_os = "openbsd")]
mod imp {
    use rpsutil_parse::bsd::kfile::OpenbsdFile;

    use super::super::files::{kinfo_files, DTYPE_SOCKET};
    use super::super::process::assert_alive;
    use super::*;
    use crate::sys::posix::raw_pid;

    /// psutil's `psutil_net_connections` over `KERN_FILE_BYPID` records: the
    /// socket records of the kind's families and types.
    fn from_files(files: Vec<OpenbsdFile>, kind: ConnKind) -> Vec<Raw> {
        let mut out = Vec::new();
        for f in files {
            if f.f_type != DTYPE_SOCKET {
                continue;
            }
            let Some((family, stype)) = selected_socket(kind, f.so_family, f.so_type) else {
                continue;
            };
            let (laddr, raddr, status) = match family {
                AddressFamily::Unix => (
                    unix_path(f.unp_path),
                    unix_path(Vec::new()),
                    ConnStatus::None,
                ),
                _ => {
                    let v6 = family == AddressFamily::Inet6;
                    (
                        local(OpenbsdFile::ip(&f.laddr, v6), f.lport),
                        remote(OpenbsdFile::ip(&f.faddr, v6), f.fport),
                        status_for(family, stype, Some(f.t_state)),
                    )
                }
            };
            out.push(Raw {
                fd: f.fd,
                pid: f.pid,
                family,
                stype,
                laddr,
                raddr,
                status,
            });
        }
        out
    }

    /// Every process's sockets (`KERN_FILE_BYPID` with -1, as `kvm_getfiles`).
    pub(crate) fn system_connections(
        kind: ConnKind,
        with_owners: bool,
    ) -> Result<Vec<SystemConnection>> {
        Ok(system_list(from_files(kinfo_files(-1)?, kind), with_owners))
    }

    /// The process's sockets (psutil reads every process's records and keeps
    /// this pid's; asking the kernel for this pid's gives the same records),
    /// then `_assert_alive()`.
    pub(crate) fn net_connections(p: &mut Proc<'_>, kind: ConnKind) -> Result<Vec<Connection>> {
        let pid = i64::from(raw_pid(p.pid)?);
        let out = from_files(kinfo_files(pid as libc::c_int)?, kind)
            .into_iter()
            .filter(|r| r.pid == pid)
            .map(Raw::conn)
            .collect();
        assert_alive(p.pid)?;
        Ok(out)
    }
}

// -------------------------------------------------------------------- NetBSD

#[cfg(target_os = "netbsd")]
mod imp {
    use std::collections::HashMap;

    use rpsutil_parse::bsd::kfile::NetbsdFile;
    use rpsutil_parse::bsd::pcb::{self, Kpcb, KpcbLayout};

    use super::super::files::kinfo_files;
    use super::super::process::assert_alive;
    use super::super::sysctl;
    use super::*;
    use crate::sys::posix::raw_pid;

    /// `struct kinfo_pcb` (`sys/socket.h`), from libc.
    const KPCB: KpcbLayout = {
        type P = libc::kinfo_pcb;
        KpcbLayout {
            size: std::mem::size_of::<P>(),
            sockaddr: fld!(P, ki_sockaddr),
            family: fld!(P, ki_family),
            stype: fld!(P, ki_type),
            tstate: fld!(P, ki_tstate),
            src: fld!(P, ki_s),
            dst: fld!(P, ki_d),
        }
    };

    /// The pcblists psutil reads for each kind (`psutil_get_info`); the UNIX
    /// kinds include `seqpacket`, as psutil.
    fn lists(kind: ConnKind) -> &'static [&'static str] {
        const TCP4: &str = "net.inet.tcp.pcblist";
        const UDP4: &str = "net.inet.udp.pcblist";
        const TCP6: &str = "net.inet6.tcp6.pcblist";
        const UDP6: &str = "net.inet6.udp6.pcblist";
        const STREAM: &str = "net.local.stream.pcblist";
        const SEQPACKET: &str = "net.local.seqpacket.pcblist";
        const DGRAM: &str = "net.local.dgram.pcblist";
        match kind {
            ConnKind::Inet4 => &[TCP4, UDP4],
            ConnKind::Inet6 => &[TCP6, UDP6],
            ConnKind::Tcp => &[TCP4, TCP6],
            ConnKind::Tcp4 => &[TCP4],
            ConnKind::Tcp6 => &[TCP6],
            ConnKind::Udp => &[UDP4, UDP6],
            ConnKind::Udp4 => &[UDP4],
            ConnKind::Udp6 => &[UDP6],
            ConnKind::Unix => &[STREAM, SEQPACKET, DGRAM],
            ConnKind::All => &[TCP4, UDP4, TCP6, UDP6, STREAM, SEQPACKET, DGRAM],
            _ => &[TCP4, UDP4, TCP6, UDP6],
        }
    }

    /// One pcblist: the node's mib then `{PCB_ALL, 0, sizeof(struct
    /// kinfo_pcb), INT_MAX}`.
    fn read_pcbs(name: &str) -> Result<Vec<Kpcb>> {
        let mut mib = sysctl::mib_of(name).map_err(|e| sysctl::os_error(e, name))?;
        mib.extend([0, 0, KPCB.size as libc::c_int, libc::c_int::MAX]);
        let buf = sysctl::read(&mib).map_err(|e| sysctl::os_error(e, name))?;
        pcb::decode_kpcbs(&buf, &KPCB).map_err(|e| parse_err(name, e))
    }

    /// psutil's join: every file whose `ki_fdata` is a pcb's `ki_sockaddr`.
    fn join(files: &[NetbsdFile], kind: ConnKind) -> Result<Vec<Raw>> {
        let mut pcbs = Vec::new();
        for name in lists(kind) {
            pcbs.extend(read_pcbs(name)?);
        }
        let mut by_sock: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, k) in pcbs.iter().enumerate() {
            by_sock.entry(k.sockaddr).or_default().push(i);
        }
        let mut out = Vec::new();
        for f in files {
            for &i in by_sock.get(&f.fdata).map(Vec::as_slice).unwrap_or(&[]) {
                let k = &pcbs[i];
                let (Some(family), Some(stype)) = (
                    AddressFamily::of_socket(k.family),
                    SocketType::from_raw(k.stype),
                ) else {
                    continue;
                };
                let (laddr, raddr, status) = match family {
                    AddressFamily::Unix => (
                        unix_path(pcb::sun_path(&k.src)),
                        unix_path(pcb::sun_path(&k.dst)),
                        ConnStatus::None,
                    ),
                    _ => {
                        let v6 = family == AddressFamily::Inet6;
                        let (Some((lip, lport)), Some((rip, rport))) = (
                            pcb::sockaddr_inet(&k.src, v6),
                            pcb::sockaddr_inet(&k.dst, v6),
                        ) else {
                            continue;
                        };
                        (
                            local(lip, lport),
                            remote(rip, rport),
                            status_for(family, stype, Some(k.tstate)),
                        )
                    }
                };
                out.push(Raw {
                    fd: f.fd,
                    pid: f.pid,
                    family,
                    stype,
                    laddr,
                    raddr,
                    status,
                });
            }
        }
        Ok(out)
    }

    /// Every open file once (`KERN_FILE_BYFILE`), joined to the kind's pcbs.
    pub(crate) fn system_connections(
        kind: ConnKind,
        with_owners: bool,
    ) -> Result<Vec<SystemConnection>> {
        let files = kinfo_files(libc::KERN_FILE_BYFILE, 0)?;
        Ok(system_list(join(&files, kind)?, with_owners))
    }

    /// The process's descriptors (`KERN_FILE_BYPID`: psutil filters the
    /// `KERN_FILE_BYFILE` list by pid, which names a file shared with another
    /// process under only one of them), joined to the kind's pcbs; then
    /// `_assert_alive()`.
    pub(crate) fn net_connections(p: &mut Proc<'_>, kind: ConnKind) -> Result<Vec<Connection>> {
        let pid = raw_pid(p.pid)?;
        let files = kinfo_files(libc::KERN_FILE_BYPID, pid)?;
        let out = join(&files, kind)?.into_iter().map(Raw::conn).collect();
        assert_alive(p.pid)?;
        Ok(out)
    }
}

pub(crate) use imp::{net_connections, system_connections};
