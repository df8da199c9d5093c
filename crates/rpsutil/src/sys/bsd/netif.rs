//! NICs on the BSDs: traffic counters from the routing socket's interface list
//! (psutil `arch/bsd/net.c`) and `SIOCGIFFLAGS` / `SIOCGIFMTU` for
//! `net_if_stats` (psutil `arch/posix/net.c`). Addresses, link-layer ones
//! included: the shared POSIX `getifaddrs` walk (`sys/posix/ifaddrs.rs`).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use indexmap::IndexMap;
use rpsutil_parse::bsd::net::{iflist_counters, IfMsgLayout};

use super::sysctl;
use crate::sys::records::NicIoEntry;
use crate::types::net::{NetIoCounters, NicDuplex, NicStats};
use crate::{Error, Result};

/// `struct if_msghdr` with its `struct if_data` (`net/if.h`), from libc.
const IFMSG: IfMsgLayout = IfMsgLayout {
    sdl_at: std::mem::size_of::<libc::if_msghdr>(),
    ibytes: fld!(libc::if_msghdr, ifm_data.ifi_ibytes),
    obytes: fld!(libc::if_msghdr, ifm_data.ifi_obytes),
    ipackets: fld!(libc::if_msghdr, ifm_data.ifi_ipackets),
    opackets: fld!(libc::if_msghdr, ifm_data.ifi_opackets),
    ierrors: fld!(libc::if_msghdr, ifm_data.ifi_ierrors),
    oerrors: fld!(libc::if_msghdr, ifm_data.ifi_oerrors),
    iqdrops: fld!(libc::if_msghdr, ifm_data.ifi_iqdrops),
    // psutil reads ifi_oqdrops only where FreeBSD's `_IFI_OQDROPS` says it exists.
    #[cfg(target_os = "freebsd")]
    oqdrops: Some(fld!(libc::if_msghdr, ifm_data.ifi_oqdrops)),
    #[cfg(not(target_os = "freebsd"))]
    oqdrops: None,
};

/// `sysctl(CTL_NET, PF_ROUTE, 0, 0, NET_RT_IFLIST, 0)`: every NIC's counters, in
/// the kernel's order (`usbus*` skipped, as psutil).
pub(crate) fn net_io_counters() -> Result<Vec<NicIoEntry>> {
    let mib = [libc::CTL_NET, libc::PF_ROUTE, 0, 0, libc::NET_RT_IFLIST, 0];
    let buf = sysctl::read(&mib).map_err(|e| sysctl::os_error(e, "NET_RT_IFLIST"))?;
    let list = iflist_counters(&buf, libc::RTM_IFINFO as u8, &IFMSG).map_err(|e| Error::Parse {
        path: "sysctl NET_RT_IFLIST".into(),
        detail: e.detail,
    })?;
    Ok(list
        .into_iter()
        .map(|c| NicIoEntry {
            name: c.name,
            counters: NetIoCounters {
                bytes_sent: c.bytes_sent,
                bytes_recv: c.bytes_recv,
                packets_sent: c.packets_sent,
                packets_recv: c.packets_recv,
                errin: c.errin,
                errout: c.errout,
                dropin: c.dropin,
                dropout: c.dropout,
            },
        })
        .collect())
}

/// `_IOWR('i', n, struct ifreq)` (`sys/ioccom.h`: IOC_INOUT | size << 16 |
/// group << 8 | number).
const fn iowr_ifreq(n: u64) -> u64 {
    0xc000_0000 | (((std::mem::size_of::<libc::ifreq>() as u64) & 0x1fff) << 16) | (0x69 << 8) | n
}

// sys/sockio.h: SIOCGIFFLAGS is number 17 on the three; SIOCGIFMTU is 51 on
// FreeBSD and 126 on OpenBSD and NetBSD.
const SIOCGIFFLAGS: u64 = iowr_ifreq(17);
#[cfg(target_os = "freebsd")]
const SIOCGIFMTU: u64 = iowr_ifreq(51);
#[cfg(not(target_os = "freebsd"))]
const SIOCGIFMTU: u64 = iowr_ifreq(126);

// The request's union starts right after the IFNAMSIZ-byte name; the flags
// (`ifr_flags`, a short) and the MTU (`ifr_mtu`, an int) are read there.
const IFR_DATA: usize = std::mem::offset_of!(libc::ifreq, ifr_ifru);
const _: () = assert!(IFR_DATA == libc::IFNAMSIZ);
const IFREQ_SIZE: usize = std::mem::size_of::<libc::ifreq>();

/// psutil's flag names in its fixed order, those this OS defines.
const FLAG_NAMES: &[(libc::c_int, &str)] = &[
    (libc::IFF_UP, "up"),
    (libc::IFF_BROADCAST, "broadcast"),
    (libc::IFF_DEBUG, "debug"),
    (libc::IFF_LOOPBACK, "loopback"),
    (libc::IFF_POINTOPOINT, "pointopoint"),
    (libc::IFF_RUNNING, "running"),
    (libc::IFF_NOARP, "noarp"),
    (libc::IFF_PROMISC, "promisc"),
    (libc::IFF_ALLMULTI, "allmulti"),
    (libc::IFF_MULTICAST, "multicast"),
    (libc::IFF_OACTIVE, "oactive"),
    (libc::IFF_SIMPLEX, "simplex"),
    (libc::IFF_LINK0, "link0"),
    (libc::IFF_LINK1, "link1"),
    (libc::IFF_LINK2, "link2"),
];

fn ioctl(sock: &OwnedFd, request: u64, name: &str) -> io::Result<[u8; IFREQ_SIZE]> {
    let mut req = [0u8; IFREQ_SIZE];
    let n = name.len().min(libc::IFNAMSIZ - 1);
    req[..n].copy_from_slice(&name.as_bytes()[..n]);
    // SAFETY: req is a writable buffer the size of struct ifreq holding the NUL-
    // terminated interface name, what these requests read and fill.
    if unsafe { libc::ioctl(sock.as_raw_fd(), request as _, req.as_mut_ptr()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(req)
}

/// State of every NIC of `net_io_counters` (psutil `_psbsd.net_if_stats`): MTU,
/// flags, `isup` = running. Duplex and speed are left unknown and 0 here;
/// `ifmedia::net_if_stats` fills them in from `SIOCGIFMEDIA`.
pub(crate) fn net_if_stats() -> Result<IndexMap<String, NicStats>> {
    // SAFETY: plain integer arguments; the descriptor is owned below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
    if fd < 0 {
        return Err(Error::os(io::Error::last_os_error(), "socket"));
    }
    // SAFETY: fd is a fresh descriptor nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut out = IndexMap::new();
    for NicIoEntry { name, .. } in net_io_counters()? {
        let flags_req = match ioctl(&sock, SIOCGIFFLAGS, &name) {
            Ok(r) => r,
            // psutil #1279: a NIC that vanished is left out.
            Err(e)
                if e.raw_os_error() == Some(libc::ENXIO)
                    || e.raw_os_error() == Some(libc::ENODEV) =>
            {
                continue
            }
            Err(e) => return Err(Error::os(e, format!("SIOCGIFFLAGS {name}"))),
        };
        let flags = i32::from(i16::from_ne_bytes([
            flags_req[IFR_DATA],
            flags_req[IFR_DATA + 1],
        ])) & 0xffff;
        let mtu_req = ioctl(&sock, SIOCGIFMTU, &name)
            .map_err(|e| Error::os(e, format!("SIOCGIFMTU {name}")))?;
        let d = &mtu_req[IFR_DATA..IFR_DATA + 4];
        let mtu = i32::from_ne_bytes([d[0], d[1], d[2], d[3]]).max(0) as u32;
        let names: Vec<&str> = FLAG_NAMES
            .iter()
            .filter(|(bit, _)| flags & bit != 0)
            .map(|(_, n)| *n)
            .collect();
        out.insert(
            name,
            NicStats {
                isup: flags & libc::IFF_RUNNING != 0,
                duplex: NicDuplex::Unknown,
                speed: 0,
                mtu,
                flags: names.join(","),
            },
        );
    }
    Ok(out)
}
