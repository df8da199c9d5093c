//! `net_if_stats()` with duplex and speed on the three BSDs: the shared
//! flags/MTU walk (`netif::net_if_stats`) plus `SIOCGIFMEDIA`'s active media
//! word per NIC, decoded as psutil 7.2.2 does (`arch/posix/net.c`) with the
//! subtype numbers of this OS's `net/if_media.h` (`rpsutil_parse::bsd::media`).
//! A NIC whose media ioctl fails (loopback, tunnels: EINVAL) keeps duplex
//! unknown and speed 0, psutil's answer.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use indexmap::IndexMap;
#[cfg(target_os = "freebsd")]
use rpsutil_parse::bsd::media::{freebsd_media_speed as media_speed, media_duplex};
#[cfg(target_os = "netbsd")]
use rpsutil_parse::bsd::media::{media_duplex, netbsd_media_speed as media_speed};
#[cfg(target_os = "openbsd")]
use rpsutil_parse::bsd::media::{
    openbsd_media_duplex as media_duplex, openbsd_media_speed as media_speed,
};

use crate::types::net::{NicDuplex, NicStats};
use crate::{Error, Result};

#[cfg(target_os = "freebsd")]
type Req = libc::ifmediareq;

/// The media word: an `int` on FreeBSD and NetBSD, 64 bits on OpenBSD.
#[cfg(not(target_os = "openbsd"))]
type Word = libc::c_int;
#[cfg(target_os = "openbsd")]
type Word = u64;

/// `struct ifmediareq` of NetBSD's and OpenBSD's `net/if.h` (libc lacks it):
/// the NIC name, then the current, mask, status and active media words, the
/// count of the `ifm_ulist` array and its pointer. The words are `int` on
/// NetBSD and `uint64_t` on OpenBSD.
#[cfg(not(target_os = "freebsd"))]
#[repr(C)]
struct Req {
    ifm_name: [libc::c_char; libc::IFNAMSIZ],
    ifm_current: Word,
    ifm_mask: Word,
    ifm_status: Word,
    ifm_active: Word,
    ifm_count: libc::c_int,
    ifm_ulist: *mut Word,
}

// FreeBSD and NetBSD: IFNAMSIZ name, five ints, then the ifm_ulist pointer.
#[cfg(all(target_pointer_width = "64", not(target_os = "openbsd")))]
const _: () = {
    assert!(std::mem::size_of::<Req>() == 48);
    assert!(std::mem::offset_of!(Req, ifm_active) == 28);
};
// OpenBSD: IFNAMSIZ name, four uint64_t, an int (padded) and the pointer.
#[cfg(all(target_pointer_width = "64", target_os = "openbsd"))]
const _: () = {
    assert!(std::mem::size_of::<Req>() == 64);
    assert!(std::mem::offset_of!(Req, ifm_active) == 40);
    assert!(std::mem::offset_of!(Req, ifm_ulist) == 56);
};

/// `SIOCGIFMEDIA` = `_IOWR('i', 56, struct ifmediareq)` on the three
/// (`sys/sockio.h`; number 54 is the older request NetBSD keeps for 8.0
/// binaries and OpenBSD dropped with its 32-bit words; `sys/ioccom.h`:
/// IOC_INOUT | size << 16 | group << 8 | number).
const SIOCGIFMEDIA: u64 =
    0xc000_0000 | (((std::mem::size_of::<Req>() as u64) & 0x1fff) << 16) | (0x69 << 8) | 56;

/// The active media word of `name`, None when the NIC has no media (the ioctl
/// fails; psutil then reports unknown / 0 whatever the errno).
fn active_media(sock: &OwnedFd, name: &str) -> Option<Word> {
    // SAFETY: ifmediareq is plain old data (a NULL ifm_ulist asks for no list).
    let mut req: Req = unsafe { std::mem::zeroed() };
    let n = name.len().min(libc::IFNAMSIZ - 1);
    for (d, s) in req.ifm_name.iter_mut().zip(&name.as_bytes()[..n]) {
        *d = *s as libc::c_char;
    }
    // SAFETY: req is a writable ifmediareq holding the NUL-terminated name, what
    // SIOCGIFMEDIA reads and fills; ifm_count 0 keeps the kernel from writing
    // through ifm_ulist.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), SIOCGIFMEDIA as _, &mut req) };
    (rc == 0).then_some(req.ifm_active)
}

/// `netif::net_if_stats` with each NIC's duplex and speed filled in.
pub(crate) fn net_if_stats() -> Result<IndexMap<String, NicStats>> {
    let mut stats = super::netif::net_if_stats()?;
    // SAFETY: plain integer arguments; the descriptor is owned below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
    if fd < 0 {
        return Err(Error::os(io::Error::last_os_error(), "socket"));
    }
    // SAFETY: fd is a fresh descriptor nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    for (name, s) in stats.iter_mut() {
        if let Some(active) = active_media(&sock, name) {
            s.speed = media_speed(active);
            s.duplex = match media_duplex(active) {
                2 => NicDuplex::Full,
                1 => NicDuplex::Half,
                _ => NicDuplex::Unknown,
            };
        }
    }
    Ok(stats)
}
