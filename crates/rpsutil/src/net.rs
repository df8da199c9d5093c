//! Network: the types shared by [`crate::Process::net_connections`] and the
//! system-wide functions [`net_io_counters`], [`net_connections`], [`net_if_addrs`],
//! [`net_if_stats`].

use indexmap::IndexMap;
use std::sync::Mutex;

use crate::common::wrap::WrapTracker;
use crate::sys::imp;
pub use crate::types::conn_kind::ConnKind;
use crate::Result;

pub use crate::types::net::*;

static NET_WRAP: Mutex<Option<WrapTracker<String>>> = Mutex::new(None);

/// Per-NIC traffic counters, by NIC name. With `nowrap`, counters that went
/// backwards between calls are corrected.
///
/// Source: Linux `/proc/net/dev`.
pub fn net_io_counters_pernic(nowrap: bool) -> Result<IndexMap<String, NetIoCounters>> {
    let raw = imp::net_io_counters()?;
    if !nowrap {
        return Ok(raw.into_iter().map(|e| (e.name, e.counters)).collect());
    }
    let mut guard = NET_WRAP.lock().unwrap_or_else(|p| p.into_inner());
    let tracker = guard.get_or_insert_with(WrapTracker::new);
    Ok(tracker
        .update(
            raw.into_iter()
                .map(|e| (e.name, e.counters.to_vec()))
                .collect(),
        )
        .into_iter()
        .map(|(n, v)| (n, NetIoCounters::from_slice(&v)))
        .collect())
}

/// Traffic of all NICs summed (loopback included, as psutil); None without NICs.
pub fn net_io_counters(nowrap: bool) -> Result<Option<NetIoCounters>> {
    let per = net_io_counters_pernic(nowrap)?;
    if per.is_empty() {
        return Ok(None);
    }
    let mut sum = vec![0u64; 8];
    for c in per.values() {
        for (s, v) in sum.iter_mut().zip(c.to_vec()) {
            *s = s.saturating_add(v);
        }
    }
    Ok(Some(NetIoCounters::from_slice(&sum)))
}

/// Forgets the wrap bookkeeping of [`net_io_counters`].
pub fn net_io_counters_cache_clear() {
    if let Some(t) = NET_WRAP.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        t.clear();
    }
}

/// Every socket of the system of `kind`, with its owning pid and fd (psutil's
/// `net_connections`). Finding owners means reading every process's fd table; pass
/// `with_owners = false` to skip it (then `pid` is None and `fd` -1).
///
/// Source: Linux netlink `sock_diag` (what `ss` uses), falling back to
/// `/proc/net/{tcp,tcp6,udp,udp6,unix}` when netlink is unavailable; with a procfs
/// root set by [`crate::set_procfs_path`] the tables under that root are read.
/// Owners from `/proc/*/fd`.
///
/// A socket held by several processes (inherited across `fork`) is one row under
/// its first holder in pid order for TCP/UDP, and one row per holding (pid, fd)
/// for UNIX sockets; psutil names only the last holder (docs/DIFFERENCES.md).
pub fn net_connections(kind: ConnKind, with_owners: bool) -> Result<Vec<SystemConnection>> {
    imp::system_connections(kind, with_owners)
}

/// The addresses of each NIC, in psutil's order: IPv4, IPv6, then the link address.
///
/// Source: `getifaddrs(3)`.
pub fn net_if_addrs() -> Result<IndexMap<String, Vec<NicAddr>>> {
    imp::net_if_addrs()
}

/// The state of each NIC.
///
/// Source: Linux `ioctl`s SIOCGIFFLAGS, SIOCGIFMTU and SIOCETHTOOL on the NICs of
/// `/proc/net/dev`.
pub fn net_if_stats() -> Result<IndexMap<String, NicStats>> {
    imp::net_if_stats()
}
