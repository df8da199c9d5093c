//! Sockets: the kernel's socket tables (netlink `sock_diag`, or the text tables of
//! `/proc/.../net/`), and their owners (the `socket:[INODE]` links of `/proc/PID/fd`).
//!
//! For one process, the tables are read from `/proc/PID/net/*`: the target's network
//! namespace. psutil reads `/proc/net/*`, the *caller's* namespace, and so misses
//! every socket of a process in another namespace (its quirk 13).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use rpsutil_parse::linux::net as pnet;

use super::errors::{ensure_alive, os_error};
use super::files::{parse_error, with_file};
use super::handle::Proc;
use super::process::{pids_under, socket_inode, socket_inodes};
use super::socket::{conn_status, inet_addr, unix_type, RawSocket};
use crate::types::conn_kind::ConnKind;
use crate::types::net::{
    Address, AddressFamily, ConnStatus, Connection, SocketType, SystemConnection,
};
use crate::types::process::Pid;
use crate::{Error, Result};

const INET_TABLES: [(&str, AddressFamily, SocketType); 4] = [
    ("tcp", AddressFamily::Inet, SocketType::Stream),
    ("tcp6", AddressFamily::Inet6, SocketType::Stream),
    ("udp", AddressFamily::Inet, SocketType::Dgram),
    ("udp6", AddressFamily::Inet6, SocketType::Dgram),
];

/// Reads the text tables of `kind` under `dir` (`/proc/net` or `/proc/PID/net`).
/// `map_io` turns a read error into the caller's error kind.
pub(crate) fn proc_tables(
    dir: &Path,
    kind: ConnKind,
    map_io: &dyn Fn(io::Error, &Path) -> Error,
) -> Result<Vec<RawSocket>> {
    let mut out = Vec::new();
    for (file, family, stype) in INET_TABLES {
        if !kind.pairs().contains(&(family, stype)) {
            continue;
        }
        let path = dir.join(file);
        let rows = match with_file(&path, pnet::parse_inet_table) {
            Ok(rows) => rows.map_err(|e| parse_error(&path, e))?,
            // IPv6 disabled: no tcp6/udp6 files.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) && family == AddressFamily::Inet6 => {
                continue
            }
            Err(e) => return Err(map_io(e, &path)),
        };
        let source = path.display().to_string();
        for row in rows {
            out.push(RawSocket {
                family,
                kind: stype,
                laddr: inet_addr(row.local),
                raddr: inet_addr(row.remote),
                status: conn_status(stype, row.state, &source)?,
                inode: row.inode,
            });
        }
    }
    if kind.wants_unix() {
        let path = dir.join("unix");
        let rows = with_file(&path, pnet::parse_unix_table)
            .map_err(|e| map_io(e, &path))?
            .map_err(|e| parse_error(&path, e))?;
        for row in rows {
            out.push(RawSocket {
                family: AddressFamily::Unix,
                kind: unix_type(row.kind),
                laddr: Address::Unix(PathBuf::from(OsString::from_vec(row.path))),
                raddr: Address::Unix(PathBuf::new()),
                status: ConnStatus::None,
                inode: row.inode,
            });
        }
    }
    Ok(out)
}

/// The connections of one process, de-duplicated, ordered by fd.
pub(crate) fn net_connections(p: &mut Proc, kind: ConnKind) -> Result<Vec<Connection>> {
    let inodes = socket_inodes(p)?;
    if inodes.is_empty() {
        return Ok(Vec::new());
    }
    let dir = p.root().join(p.pid.to_string()).join("net");
    let sockets = proc_tables(&dir, kind, &|e, path| os_error(e, path))?;
    let mut out = Vec::new();
    for s in sockets {
        let Some(fds) = inodes.get(&s.inode) else {
            continue;
        };
        // psutil reports an inet socket once, with its first fd; a UNIX socket once
        // per fd sharing it.
        let fds: &[i32] = if s.family == AddressFamily::Unix {
            fds
        } else {
            &fds[..1]
        };
        for &fd in fds {
            out.push(Connection {
                fd,
                family: s.family,
                kind: s.kind,
                laddr: s.laddr.clone(),
                raddr: s.raddr.clone(),
                status: s.status,
            });
        }
    }
    let mut seen = HashSet::new();
    out.retain(|c| seen.insert(c.clone()));
    out.sort_by_key(|c| c.fd);
    ensure_alive(p.root(), p.pid)?;
    Ok(out)
}

/// Socket inode → its (pid, fd) owners.
type Owners = HashMap<u64, Vec<(Pid, i32)>, std::hash::BuildHasherDefault<InodeHasher>>;

/// A hasher for socket inode numbers: the map is private and its keys come from
/// the kernel, so SipHash's flooding resistance buys nothing, while hashing was a
/// tenth of a system-wide `net_connections` (perf). Fibonacci hashing spreads the
/// sequential inode numbers over the whole word (hashbrown keys on the top bits).
#[derive(Default)]
struct InodeHasher(u64);

impl std::hash::Hasher for InodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Owners of every socket: inode → (pid, fd) pairs, in pid order. Processes that
/// vanish or whose fds are not readable are skipped (psutil does the same; without
/// privileges, other users' sockets have no owner).
///
/// Reading every process's fd links is most of a system-wide `net_connections`, and
/// it is one `readlinkat(2)` per fd: with many processes the pids are split over up
/// to four scoped threads (one per CPU), each reading its own pid range.
fn all_socket_owners(root: &Path) -> Result<Owners> {
    const PIDS_PER_THREAD: usize = 128;
    let pids = pids_under(root)?;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
        .min(pids.len() / PIDS_PER_THREAD)
        .max(1);
    if threads == 1 {
        return Ok(socket_owners_of(root, &pids));
    }
    let chunk = pids.len().div_ceil(threads);
    let parts: Vec<Owners> = std::thread::scope(|s| {
        let handles: Vec<_> = pids
            .chunks(chunk)
            .map(|part| s.spawn(move || socket_owners_of(root, part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    // The chunks are in pid order: appending them in order keeps each list sorted.
    let mut parts = parts.into_iter();
    let mut map = parts.next().unwrap_or_default();
    for part in parts {
        for (inode, owners) in part {
            map.entry(inode).or_default().extend(owners);
        }
    }
    Ok(map)
}

/// The socket owners among `pids` (ascending), see [`all_socket_owners`].
fn socket_owners_of(root: &Path, pids: &[Pid]) -> Owners {
    let mut map = Owners::with_capacity_and_hasher(1024, Default::default());
    for &pid in pids {
        let fd_dir = super::files::pid_path(root, pid, "fd");
        // Unreadable or vanished processes are skipped as a whole.
        let _ = super::fd_dir::for_each_fd_link(&fd_dir, |fd, target| {
            if let Some(inode) = target.ok().and_then(socket_inode) {
                map.entry(inode).or_default().push((pid, fd));
            }
            Ok(())
        });
    }
    map
}

/// The sockets of the system (the caller's network namespace), through netlink when
/// possible, else the `/proc/net` tables. With a procfs root other than `/proc` (a
/// fixture tree, a host's /proc mounted elsewhere) the tables under that root are
/// what the caller asked to look at, so netlink is not used.
///
/// Returns the sockets and whether they came from netlink, which lists each socket
/// exactly once (the text tables are de-duplicated as psutil does).
fn system_sockets(root: &Path, kind: ConnKind) -> Result<(Vec<RawSocket>, bool)> {
    let from_tables = || {
        proc_tables(&root.join("net"), kind, &|e, path| {
            Error::os(e, path.display().to_string())
        })
    };
    if root != Path::new("/proc") {
        return Ok((from_tables()?, false));
    }
    match super::sock_diag::sockets(kind) {
        Ok(s) => Ok((s, true)),
        Err(_) => Ok((from_tables()?, false)),
    }
}

/// psutil's system-wide `net_connections`, owners optional.
pub(crate) fn system_connections(
    kind: ConnKind,
    with_owners: bool,
) -> Result<Vec<SystemConnection>> {
    let root = crate::sys::roots::procfs_root();
    let (sockets, unique) = system_sockets(&root, kind)?;
    let owners = if with_owners {
        all_socket_owners(&root)?
    } else {
        Owners::default()
    };
    let mut out = Vec::with_capacity(sockets.len());
    let none = [(0u32, -1i32)];
    for s in sockets {
        let found = owners.get(&s.inode).map(Vec::as_slice).unwrap_or(&[]);
        let list: &[(Pid, i32)] = match (found.is_empty(), s.family == AddressFamily::Unix) {
            (true, _) => &none,
            (false, true) => found,
            (false, false) => &found[..1],
        };
        for &(pid, fd) in list {
            out.push(SystemConnection {
                fd,
                family: s.family,
                kind: s.kind,
                laddr: s.laddr.clone(),
                raddr: s.raddr.clone(),
                status: s.status,
                pid: if found.is_empty() { None } else { Some(pid) },
            });
        }
    }
    // psutil returns a set of rows. Rows with an owner are unique by (pid, fd); rows
    // without one can look the same (two unbound UNIX sockets), and psutil folds those.
    // Without owners asked (which psutil has no mode for), netlink rows are kept one
    // per socket and not hashed at all.
    if !unique {
        let mut seen = HashSet::with_capacity(out.len());
        out.retain(|c| seen.insert(c.clone()));
    } else if with_owners {
        let mut seen = HashSet::new();
        out.retain(|c| c.pid.is_some() || seen.insert(c.clone()));
    }
    Ok(out)
}
