//! NICs: psutil's `sunos/net.c` — the named kstats of class `net` whose name is an
//! IP interface (`SIOCGLIFFLAGS` succeeds), plus `SIOCGLIFMTU`; addresses come from
//! the shared POSIX `getifaddrs`.

use std::ffi::{c_char, c_int, c_uint};
use std::io;
use std::mem::{offset_of, size_of};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use indexmap::IndexMap;
use rpsutil_parse::sunos::kstat::{link_state, nic_counters};

use super::kstat::{named, walk, Entry, KSTAT_TYPE_NAMED};
use crate::sys::records::NicIoEntry;
use crate::types::net::{NetIoCounters, NicDuplex, NicStats};
use crate::{Error, Result};

pub(crate) use crate::sys::posix::ifaddrs::net_if_addrs;

/// `LIFNAMSIZ` (`<net/if.h>`).
const LIFNAMSIZ: usize = 32;

/// `struct lifreq` (illumos `usr/src/uts/common/net/if.h`), LP64: the name, the
/// `lifr_lifru1` union (an int), then the 336-byte `lifr_lifru` union (its largest
/// member is `struct lif_nd_req`; `lifru_flags` is a `uint64_t`, `lifru_mtu` a
/// `uint_t`, both at its start), 8-aligned by its `sockaddr_storage`.
#[repr(C)]
struct Lifreq {
    lifr_name: [c_char; LIFNAMSIZ],
    lifr_lifru1: c_int,
    lifr_lifru: LifreqU,
}

#[repr(C)]
union LifreqU {
    lifru_flags: u64,
    lifru_mtu: c_uint,
    _size: [u64; 42],
}

const _: () = assert!(size_of::<Lifreq>() == 376);
const _: () = assert!(offset_of!(Lifreq, lifr_lifru) == 40);

/// `_IOWR('i', n, struct lifreq)` (`<sys/ioccom.h>`: `IOC_INOUT | (sizeof & 0xff)
/// << 16 | 'i' << 8 | n`).
const fn iowr_lifreq(n: u32) -> c_int {
    (0xc000_0000u32 | (((size_of::<Lifreq>() as u32) & 0xff) << 16) | ((b'i' as u32) << 8) | n)
        as c_int
}
/// `SIOCGLIFFLAGS` (`<sys/sockio.h>`).
const SIOCGLIFFLAGS: c_int = iowr_lifreq(117);
/// `SIOCGLIFMTU`.
const SIOCGLIFMTU: c_int = iowr_lifreq(122);
const _: () = assert!(SIOCGLIFFLAGS as u32 == 0xc078_6975);

/// An `AF_INET`/`SOCK_DGRAM` socket for the interface ioctls.
fn ioctl_socket() -> Result<OwnedFd> {
    // SAFETY: plain integer arguments.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
    if fd < 0 {
        return Err(Error::os(io::Error::last_os_error(), "socket"));
    }
    // SAFETY: fd is a new descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Runs `request` on interface `name`; the filled `lifreq`.
fn lif_ioctl(sock: &OwnedFd, name: &str, request: c_int) -> io::Result<Lifreq> {
    let bytes = name.as_bytes();
    if bytes.len() >= LIFNAMSIZ || bytes.contains(&0) {
        return Err(io::Error::from_raw_os_error(libc::ENXIO));
    }
    let mut req = Lifreq {
        lifr_name: [0; LIFNAMSIZ],
        lifr_lifru1: 0,
        lifr_lifru: LifreqU { _size: [0; 42] },
    };
    for (d, s) in req.lifr_name.iter_mut().zip(bytes) {
        *d = *s as c_char;
    }
    // SAFETY: req is a live, writable lifreq as the request expects.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), request, &mut req as *mut Lifreq) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(req)
}

/// The interface flags, None when `name` is not an IP interface.
fn lif_flags(sock: &OwnedFd, name: &str) -> Option<u64> {
    let req = lif_ioctl(sock, name, SIOCGLIFFLAGS).ok()?;
    // SAFETY: SIOCGLIFFLAGS fills lifru_flags; every bit pattern is a valid u64.
    Some(unsafe { req.lifr_lifru.lifru_flags })
}

/// The named kstats of class `net` that are IP interfaces, with their flags.
fn nic_kstats(sock: &OwnedFd) -> Result<Vec<(Entry, u64)>> {
    Ok(walk(|h| h.ks_type == KSTAT_TYPE_NAMED && h.class == "net")?
        .into_iter()
        .filter_map(|e| {
            let flags = lif_flags(sock, &e.header.name)?;
            Some((e, flags))
        })
        .collect())
}

/// psutil's `net_io_counters`: per NIC (not module `lo`), `rbytes`, `obytes`,
/// `ipackets`, `opackets`, `ierrors`, `oerrors`; `dropin`/`dropout` 0. A kstat that
/// cannot be read is skipped; a later kstat of the same name replaces an earlier
/// one (psutil's dict).
pub(crate) fn net_io_counters() -> Result<Vec<NicIoEntry>> {
    let sock = ioctl_socket()?;
    let mut by_name: IndexMap<String, NetIoCounters> = IndexMap::new();
    for (e, _) in nic_kstats(&sock)? {
        if e.header.module == "lo" || e.data.is_err() {
            continue;
        }
        let c = nic_counters(&named(&e)?).map_err(|err| Error::Parse {
            path: format!(
                "kstat {}:{}:{}",
                e.header.module, e.header.instance, e.header.name
            ),
            detail: err.detail,
        })?;
        by_name.insert(
            e.header.name.clone(),
            NetIoCounters {
                bytes_sent: c.bytes_sent,
                bytes_recv: c.bytes_recv,
                packets_sent: c.packets_sent,
                packets_recv: c.packets_recv,
                errin: c.errin,
                errout: c.errout,
                dropin: 0,
                dropout: 0,
            },
        );
    }
    Ok(by_name
        .into_iter()
        .map(|(name, counters)| NicIoEntry { name, counters })
        .collect())
}

/// psutil's SunOS `net_if_stats`: the same NICs (loopback included); `isup` =
/// `IFF_UP` and, when the kstat has `link_up`, a link; duplex from `link_duplex`;
/// speed = `ifspeed` / 10⁶ (as a 64-bit number: psutil truncates to 32 bits);
/// `mtu` from `SIOCGLIFMTU` (an error aborts, as psutil); `flags` `""` (psutil).
pub(crate) fn net_if_stats() -> Result<IndexMap<String, NicStats>> {
    let sock = ioctl_socket()?;
    let mut out = IndexMap::new();
    for (e, flags) in nic_kstats(&sock)? {
        let Ok(records) = named(&e) else { continue };
        let link = link_state(&records);
        let req = lif_ioctl(&sock, &e.header.name, SIOCGLIFMTU)
            .map_err(|err| Error::os(err, format!("SIOCGLIFMTU {}", e.header.name)))?;
        // SAFETY: SIOCGLIFMTU fills lifru_mtu; every bit pattern is a valid uint.
        let mtu = unsafe { req.lifr_lifru.lifru_mtu };
        let isup = flags & (libc::IFF_UP as u64) != 0 && link.link_up.unwrap_or(true);
        out.insert(
            e.header.name.clone(),
            NicStats {
                isup,
                duplex: match link.duplex {
                    2 => NicDuplex::Full,
                    1 => NicDuplex::Half,
                    _ => NicDuplex::Unknown,
                },
                speed: u32::try_from(link.speed_mbps).unwrap_or(u32::MAX),
                mtu,
                flags: String::new(),
            },
        );
    }
    Ok(out)
}
