//! Sockets of one process: inodes from `/proc/PID/fd`, matched against the tables in
//! `/proc/PID/net/{tcp,tcp6,udp,udp6,unix}`.
//!
//! psutil reads `/proc/net/*`, which is the *caller's* network namespace, so it misses
//! every socket of a process in another namespace (its quirk 13). `/proc/PID/net/*`
//! shows the tables of the target's namespace, which is always right.

use std::collections::HashSet;
use std::net::IpAddr;

use rpsutil_parse::linux::net as pnet;

use super::errors::{ensure_alive, parse_error};
use super::files::read;
use super::process::{socket_inodes, Proc};
use crate::net::{Address, AddressFamily, ConnKind, ConnStatus, Connection, SocketType};
use crate::{Error, Result};

fn inet_addr((ip, port): (IpAddr, u16)) -> Address {
    if port == 0 {
        Address::None
    } else {
        Address::Inet { ip, port }
    }
}

/// The connections of one process, de-duplicated, ordered by fd.
pub(crate) fn net_connections(p: &mut Proc, kind: ConnKind) -> Result<Vec<Connection>> {
    let inodes = socket_inodes(p)?;
    if inodes.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let tables: [(&str, AddressFamily, SocketType); 4] = [
        ("net/tcp", AddressFamily::Inet, SocketType::Stream),
        ("net/tcp6", AddressFamily::Inet6, SocketType::Stream),
        ("net/udp", AddressFamily::Inet, SocketType::Dgram),
        ("net/udp6", AddressFamily::Inet6, SocketType::Dgram),
    ];
    for (file, family, stype) in tables {
        if !kind.pairs().contains(&(family, stype)) {
            continue;
        }
        let path = p.root.join(p.pid.to_string()).join(file);
        let data = match read(&path) {
            Ok(d) => d,
            // IPv6 disabled: no tcp6/udp6 files.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) && family == AddressFamily::Inet6 => {
                continue
            }
            Err(e) => return Err(super::errors::proc_error(e, p.pid, p.root, &path)),
        };
        for row in pnet::parse_inet_table(&data).map_err(|e| parse_error(&path, e))? {
            let Some(fds) = inodes.get(&row.inode) else {
                continue;
            };
            let status = if stype == SocketType::Stream {
                ConnStatus::from_linux_tcp_state(row.state).ok_or_else(|| Error::Parse {
                    path: path.display().to_string(),
                    detail: format!("unknown TCP state {:#04x}", row.state),
                })?
            } else {
                ConnStatus::None
            };
            // psutil reports an inet socket once, with its first fd.
            out.push(Connection {
                fd: fds[0],
                family,
                kind: stype,
                laddr: inet_addr(row.local),
                raddr: inet_addr(row.remote),
                status,
            });
        }
    }
    if kind.wants_unix() {
        let path = p.root.join(p.pid.to_string()).join("net/unix");
        let data = read(&path).map_err(|e| super::errors::proc_error(e, p.pid, p.root, &path))?;
        for row in pnet::parse_unix_table(&data).map_err(|e| parse_error(&path, e))? {
            let Some(fds) = inodes.get(&row.inode) else {
                continue;
            };
            let stype = match row.kind {
                1 => SocketType::Stream,
                2 => SocketType::Dgram,
                5 => SocketType::SeqPacket,
                _ => SocketType::Raw,
            };
            let laddr = Address::Unix(String::from_utf8_lossy(&row.path).into_owned());
            // psutil reports a UNIX socket once per fd sharing it.
            for &fd in fds {
                out.push(Connection {
                    fd,
                    family: AddressFamily::Unix,
                    kind: stype,
                    laddr: laddr.clone(),
                    raddr: Address::Unix(String::new()),
                    status: ConnStatus::None,
                });
            }
        }
    }
    let mut seen = HashSet::new();
    out.retain(|c| seen.insert(c.clone()));
    out.sort_by_key(|c| c.fd);
    ensure_alive(p.root, p.pid)?;
    Ok(out)
}
