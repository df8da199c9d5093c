//! NICs on macOS: counters from `NET_RT_IFLIST2` (`arch/osx/net.c`) and
//! `net_if_stats` from the `SIOCGIF*` ioctls (addresses: the shared POSIX
//! `getifaddrs` walk, `sys/posix/ifaddrs.rs`, with its `AF_LINK` branch)
//! (`arch/posix/net.c`, `_psosx.py:244-263`).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use indexmap::IndexMap;
use rpsutil_parse::macos::{iflist, media};

use super::ffi;
use crate::sys::records::NicIoEntry;
use crate::types::net::{NetIoCounters, NicDuplex, NicStats};
use crate::{Error, Result};

// The parser's layout of if_msghdr2 / if_data64 is the libc crate's.
const _: () = assert!(std::mem::size_of::<libc::if_msghdr2>() == iflist::IF_MSGHDR2_SIZE);
const _: () = assert!(std::mem::offset_of!(libc::if_msghdr2, ifm_data) == iflist::IFM_DATA_OFFSET);
const _: () = assert!(std::mem::offset_of!(libc::if_data64, ifi_ipackets) == iflist::IFI_IPACKETS);
const _: () = assert!(std::mem::offset_of!(libc::if_data64, ifi_ibytes) == iflist::IFI_IBYTES);
const _: () = assert!(std::mem::offset_of!(libc::if_data64, ifi_obytes) == iflist::IFI_OBYTES);
const _: () = assert!(std::mem::offset_of!(libc::if_data64, ifi_iqdrops) == iflist::IFI_IQDROPS);

/// Every NIC's counters (dropout is always 0: macOS has no output-drop count).
pub(crate) fn net_io_counters() -> Result<Vec<NicIoEntry>> {
    let mib = [libc::CTL_NET, libc::PF_ROUTE, 0, 0, libc::NET_RT_IFLIST2, 0];
    let buf = ffi::sysctl_vec(&mib).map_err(|e| ffi::os(e, "sysctl(NET_RT_IFLIST2)"))?;
    let ifs = iflist::parse_iflist2(&buf, libc::RTM_IFINFO2 as u8)
        .map_err(|e| Error::os(std::io::Error::other(e.detail), "NET_RT_IFLIST2"))?;
    Ok(ifs
        .into_iter()
        .map(|i| NicIoEntry {
            name: i.name,
            counters: NetIoCounters {
                bytes_sent: i.bytes_sent,
                bytes_recv: i.bytes_recv,
                packets_sent: i.packets_sent,
                packets_recv: i.packets_recv,
                errin: i.errin,
                errout: i.errout,
                dropin: i.dropin,
                dropout: 0,
            },
        })
        .collect())
}

/// `struct ifmediareq` (XNU `bsd/net/if.h`, inside `#pragma pack(4)`): not in the
/// libc crate.
#[repr(C, packed(4))]
#[derive(Clone, Copy)]
struct IfMediaReq {
    ifm_name: [libc::c_char; libc::IFNAMSIZ],
    ifm_current: libc::c_int,
    ifm_mask: libc::c_int,
    ifm_status: libc::c_int,
    ifm_active: libc::c_int,
    ifm_count: libc::c_int,
    ifm_ulist: *mut libc::c_int,
}
const _: () = assert!(std::mem::size_of::<IfMediaReq>() == 44);
const _: () = assert!(std::mem::offset_of!(IfMediaReq, ifm_active) == 28);
const _: () = assert!(std::mem::size_of::<libc::ifreq>() == 32);

/// `_IOWR(g, n, len)` of `sys/ioccom.h`: `IOC_INOUT | (len & IOCPARM_MASK) << 16
/// | g << 8 | n`.
const fn iowr(group: u8, num: u8, len: usize) -> libc::c_ulong {
    (0xC000_0000u32 | (((len as u32) & 0x1fff) << 16) | ((group as u32) << 8) | num as u32)
        as libc::c_ulong
}
/// `SIOCGIFFLAGS` = `_IOWR('i', 17, struct ifreq)` (`sys/sockio.h`).
const SIOCGIFFLAGS: libc::c_ulong = iowr(b'i', 17, std::mem::size_of::<libc::ifreq>());
/// `SIOCGIFMTU` = `_IOWR('i', 51, struct ifreq)`.
const SIOCGIFMTU: libc::c_ulong = iowr(b'i', 51, std::mem::size_of::<libc::ifreq>());
/// `SIOCGIFMEDIA` = `_IOWR('i', 56, struct ifmediareq)`.
const SIOCGIFMEDIA: libc::c_ulong = iowr(b'i', 56, std::mem::size_of::<IfMediaReq>());
const _: () = assert!(SIOCGIFFLAGS == 0xc020_6911);
const _: () = assert!(SIOCGIFMTU == 0xc020_6933);

/// psutil's flag names in its order, with the `IFF_*` values the build has.
fn flag_names() -> Vec<(libc::c_int, &'static str)> {
    vec![
        (libc::IFF_UP, "up"),
        (libc::IFF_BROADCAST, "broadcast"),
        (libc::IFF_DEBUG, "debug"),
        (libc::IFF_LOOPBACK, "loopback"),
        (libc::IFF_POINTOPOINT, "pointopoint"),
        (libc::IFF_NOTRAILERS, "notrailers"),
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
    ]
}

fn ifreq_for(name: &str) -> libc::ifreq {
    // SAFETY: ifreq is plain old data; all-zero is valid.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in ifr
        .ifr_name
        .iter_mut()
        .zip(name.bytes().take(libc::IFNAMSIZ - 1))
    {
        *d = s as libc::c_char;
    }
    ifr
}

/// One NIC's stats; `Ok(None)` when the NIC vanished (ENXIO/ENODEV, #1279).
fn nic_stats(sock: &OwnedFd, name: &str) -> Result<Option<NicStats>> {
    let fd = sock.as_raw_fd();
    let gone =
        |e: &std::io::Error| matches!(e.raw_os_error(), Some(libc::ENODEV) | Some(libc::ENXIO));
    let mut ifr = ifreq_for(name);
    // SAFETY: a valid socket and a writable ifreq for this request.
    if unsafe { libc::ioctl(fd, SIOCGIFFLAGS, &mut ifr) } != 0 {
        let e = ffi::last_errno();
        return if gone(&e) {
            Ok(None)
        } else {
            Err(ffi::os(e, "ioctl(SIOCGIFFLAGS)"))
        };
    }
    // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
    let flags = i32::from(unsafe { ifr.ifr_ifru.ifru_flags } as u16);
    let mut ifr = ifreq_for(name);
    // SAFETY: as above, for SIOCGIFMTU.
    if unsafe { libc::ioctl(fd, SIOCGIFMTU, &mut ifr) } != 0 {
        let e = ffi::last_errno();
        return if gone(&e) {
            Ok(None)
        } else {
            Err(ffi::os(e, "ioctl(SIOCGIFMTU)"))
        };
    }
    // SAFETY: SIOCGIFMTU filled the mtu member.
    let mtu = unsafe { ifr.ifr_ifru.ifru_mtu };
    // SAFETY: IfMediaReq is plain old data (a null ifm_ulist asks for no list).
    let mut ifm: IfMediaReq = unsafe { std::mem::zeroed() };
    for (d, s) in ifm
        .ifm_name
        .iter_mut()
        .zip(name.bytes().take(libc::IFNAMSIZ - 1))
    {
        *d = s as libc::c_char;
    }
    // SAFETY: a valid socket and a writable ifmediareq; failure means "unknown".
    let (duplex, speed) = if unsafe { libc::ioctl(fd, SIOCGIFMEDIA, &mut ifm) } == 0 {
        let active = ifm.ifm_active;
        (media::media_duplex(active), media::media_speed(active))
    } else {
        (0, 0)
    };
    let names: Vec<&str> = flag_names()
        .into_iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| n)
        .collect();
    Ok(Some(NicStats {
        isup: flags & libc::IFF_RUNNING != 0,
        duplex: match duplex {
            2 => NicDuplex::Full,
            1 => NicDuplex::Half,
            _ => NicDuplex::Unknown,
        },
        speed,
        mtu: u32::try_from(mtu).unwrap_or(0),
        flags: names.join(","),
    }))
}

/// psutil's macOS `net_if_stats`: the NICs of `net_io_counters`, each queried on
/// an `AF_INET` datagram socket.
pub(crate) fn net_if_stats() -> Result<IndexMap<String, NicStats>> {
    let nics = net_io_counters()?;
    // SAFETY: socket takes integers; the fd is owned below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
    if fd < 0 {
        return Err(ffi::os(ffi::last_errno(), "socket"));
    }
    // SAFETY: fd was just returned by socket and is owned by nothing else.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut out = IndexMap::new();
    for nic in nics {
        if let Some(st) = nic_stats(&sock, &nic.name)? {
            out.insert(nic.name, st);
        }
    }
    Ok(out)
}
