//! A process's file descriptors through libproc (`arch/osx/proc.c`,
//! `psutil_proc_list_fds`, `open_files`, `net_connections`, `num_fds`), and the
//! system-wide `net_connections` psutil builds from them (`_psosx.py:226-241`).

use std::ffi::OsString;
use std::net::IpAddr;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use rpsutil_parse::macos::sockinfo::{self, SOCKET_FDINFO_SIZE};
use rpsutil_parse::macos::vnode::VNODE_FDINFOWITHPATH_SIZE;

use super::ffi;
use super::process::{raise_for_pid, Proc};
use crate::sys::posix::raw_pid;
use crate::types::conn_kind::ConnKind;
use crate::types::net::{
    Address, AddressFamily, ConnStatus, Connection, SocketType, SystemConnection,
};
use crate::types::process::{OpenFile, Pid};
use crate::{Error, Result};

// The libc crate's proc_fdinfo must be the header's 8 bytes (PROC_PIDLISTFD_SIZE).
const _: () = assert!(std::mem::size_of::<libc::proc_fdinfo>() == 8);

/// `proc_pidinfo(PROC_PIDLISTFDS)`: (fd, type) of every descriptor. The buffer
/// is grown until one spare slot is left, capped at 24 MiB (psutil).
fn list_fds(p: &Proc<'_>) -> Result<Vec<(i32, u32)>> {
    let raw = raw_pid(p.pid)?;
    let slot = std::mem::size_of::<libc::proc_fdinfo>();
    let mut slots = 256usize;
    loop {
        let mut buf = vec![0u8; slots * slot];
        let n = ffi::proc_pidinfo(raw, libc::PROC_PIDLISTFDS, 0, &mut buf)
            .map_err(|e| raise_for_pid(p.pid, e, "proc_pidinfo(PROC_PIDLISTFDS)"))?;
        if n + slot > buf.len() {
            if buf.len() > 24 << 20 {
                return Err(Error::os(
                    std::io::Error::other("too many file descriptors"),
                    "proc_pidinfo(PROC_PIDLISTFDS)",
                ));
            }
            slots += 32 * 32;
            continue;
        }
        buf.truncate(n);
        return Ok(buf
            .chunks_exact(slot)
            .map(|c| {
                let fd = i32::from_ne_bytes([c[0], c[1], c[2], c[3]]);
                let ty = u32::from_ne_bytes([c[4], c[5], c[6], c[7]]);
                (fd, ty)
            })
            .collect());
    }
}

/// Number of descriptors of any type; 0 for pid 0.
pub(crate) fn num_fds(p: &mut Proc<'_>) -> Result<u32> {
    if p.pid == 0 {
        return Ok(0);
    }
    Ok(u32::try_from(list_fds(p)?.len()).unwrap_or(u32::MAX))
}

/// Regular files among the vnode descriptors (`PROC_PIDFDVNODEPATHINFO`); ENOENT
/// or EBADF (closed meanwhile) skipped; paths kept only if they are regular files
/// (psutil's `isfile_strict`, whose EACCES propagates). `[]` for pid 0.
pub(crate) fn open_files(p: &mut Proc<'_>) -> Result<Vec<OpenFile>> {
    if p.pid == 0 {
        return Ok(Vec::new());
    }
    let raw = raw_pid(p.pid)?;
    let mut out = Vec::new();
    for (fd, ty) in list_fds(p)? {
        if ty != libc::PROX_FDTYPE_VNODE as u32 {
            continue;
        }
        let mut buf = vec![0u8; VNODE_FDINFOWITHPATH_SIZE];
        let n = match ffi::proc_pidfdinfo(raw, fd, ffi::PROC_PIDFDVNODEPATHINFO, &mut buf) {
            Ok(n) => n,
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::EBADF)) => {
                continue
            }
            Err(e) => {
                return Err(raise_for_pid(
                    p.pid,
                    e,
                    "proc_pidfdinfo(PROC_PIDFDVNODEPATHINFO)",
                ))
            }
        };
        if n < VNODE_FDINFOWITHPATH_SIZE {
            continue;
        }
        let Ok(path) = rpsutil_parse::macos::vnode::parse_vnode_fdinfo_path(&buf) else {
            continue;
        };
        if path.is_empty() {
            continue;
        }
        let path = PathBuf::from(OsString::from_vec(path));
        match std::fs::metadata(&path) {
            Ok(md) if md.is_file() => {}
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(Error::access_denied(p.pid));
            }
            Err(_) => continue,
        }
        out.push(OpenFile {
            path,
            fd,
            position: None,
            mode: None,
            flags: None,
        });
    }
    Ok(out)
}

/// psutil's `conn_tmap` test: family and type both in the kind's sets (UNIX
/// kinds take stream and datagram sockets).
fn kind_matches(kind: ConnKind, family: AddressFamily, stype: SocketType) -> bool {
    match family {
        AddressFamily::Unix => {
            kind.wants_unix() && matches!(stype, SocketType::Stream | SocketType::Dgram)
        }
        _ => kind.pairs().contains(&(family, stype)),
    }
}

fn inet_addr(ip: IpAddr, port: u16, empty_if_no_port: bool) -> Address {
    if empty_if_no_port && port == 0 {
        Address::None
    } else {
        Address::Inet { ip, port }
    }
}

/// The sockets of `kind` (psutil: kept if family and type match the kind's
/// sets); EBADF / EOPNOTSUPP (#1512) skipped. `[]` for pid 0 (#2116).
pub(crate) fn net_connections(p: &mut Proc<'_>, kind: ConnKind) -> Result<Vec<Connection>> {
    if p.pid == 0 {
        return Ok(Vec::new());
    }
    let raw = raw_pid(p.pid)?;
    let mut out = Vec::new();
    for (fd, ty) in list_fds(p)? {
        if ty != libc::PROX_FDTYPE_SOCKET as u32 {
            continue;
        }
        let mut buf = vec![0u8; SOCKET_FDINFO_SIZE];
        match ffi::proc_pidfdinfo(raw, fd, ffi::PROC_PIDFDSOCKETINFO, &mut buf) {
            Ok(n) => buf.truncate(n),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EBADF) | Some(libc::EOPNOTSUPP)) => {
                continue
            }
            Err(e) => {
                return Err(raise_for_pid(
                    p.pid,
                    e,
                    "proc_pidfdinfo(PROC_PIDFDSOCKETINFO)",
                ))
            }
        }
        let Ok(head) = sockinfo::parse_socket_head(&buf) else {
            continue;
        };
        let (Some(family), Some(stype)) = (
            AddressFamily::of_socket(i64::from(head.family)),
            SocketType::from_raw(i64::from(head.sock_type)),
        ) else {
            continue;
        };
        if !kind_matches(kind, family, stype) {
            continue;
        }
        let conn = match family {
            AddressFamily::Inet | AddressFamily::Inet6 => {
                let Ok(s) = sockinfo::parse_inet(&buf, family == AddressFamily::Inet6) else {
                    continue;
                };
                Connection {
                    fd,
                    family,
                    kind: stype,
                    laddr: inet_addr(s.laddr, s.lport, false),
                    raddr: inet_addr(s.faddr, s.fport, true),
                    status: if stype == SocketType::Stream {
                        crate::sys::posix::tcp_fsm_status(i64::from(s.tcp_state))
                    } else {
                        ConnStatus::None
                    },
                }
            }
            _ => {
                let Ok(u) = sockinfo::parse_unix(&buf) else {
                    continue;
                };
                Connection {
                    fd,
                    family,
                    kind: stype,
                    laddr: Address::Unix(PathBuf::from(OsString::from_vec(u.path))),
                    raddr: Address::Unix(PathBuf::from(OsString::from_vec(u.peer_path))),
                    status: ConnStatus::None,
                }
            }
        };
        out.push(conn);
    }
    Ok(out)
}

/// psutil's macOS `net_connections()`: every process's sockets; processes that
/// vanish are skipped, AccessDenied from any process aborts the call (documented
/// psutil behaviour: root is needed).
pub(crate) fn system_connections(
    kind: ConnKind,
    with_owners: bool,
) -> Result<Vec<SystemConnection>> {
    let mut out = Vec::new();
    for pid in super::system::pids()? {
        let handle = super::process::Handle;
        let mut p = Proc {
            pid,
            handle: &handle,
            cache: None,
        };
        let conns = match net_connections(&mut p, kind) {
            Ok(c) => c,
            Err(e) => match super::process::translate(e, &mut p) {
                e if e.is_no_such_process() => continue,
                e => return Err(e),
            },
        };
        out.extend(conns.into_iter().map(|c| SystemConnection {
            fd: if with_owners { c.fd } else { -1 },
            family: c.family,
            kind: c.kind,
            laddr: c.laddr,
            raddr: c.raddr,
            status: c.status,
            pid: with_owners.then_some(pid as Pid),
        }));
    }
    Ok(out)
}
