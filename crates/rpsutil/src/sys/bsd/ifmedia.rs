//! FreeBSD `net_if_stats()` with duplex and speed: the shared flags/MTU walk
//! (`netif::net_if_stats`) plus `SIOCGIFMEDIA`'s active media word per NIC,
//! decoded as psutil 7.2.2 does (`arch/posix/net.c`,
//! `rpsutil_parse::bsd::media`). A NIC whose media ioctl fails (loopback,
//! tunnels: EINVAL) keeps duplex unknown and speed 0, psutil's answer.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use indexmap::IndexMap;
use rpsutil_parse::bsd::media::{freebsd_media_speed, media_duplex};

use crate::types::net::{NicDuplex, NicStats};
use crate::{Error, Result};

type Req = libc::ifmediareq;

// net/if.h: IFNAMSIZ name, five ints, then the ifm_ulist pointer.
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(std::mem::size_of::<Req>() == 48);
    assert!(std::mem::offset_of!(Req, ifm_active) == 28);
};

/// `SIOCGIFMEDIA` = `_IOWR('i', 56, struct ifmediareq)` (`sys/sockio.h`;
/// `sys/ioccom.h`: IOC_INOUT | size << 16 | group << 8 | number).
const SIOCGIFMEDIA: u64 =
    0xc000_0000 | (((std::mem::size_of::<Req>() as u64) & 0x1fff) << 16) | (0x69 << 8) | 56;

/// The active media word of `name`, None when the NIC has no media (the ioctl
/// fails; psutil then reports unknown / 0 whatever the errno).
fn active_media(sock: &OwnedFd, name: &str) -> Option<i32> {
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
            s.speed = freebsd_media_speed(active);
            s.duplex = match media_duplex(active) {
                2 => NicDuplex::Full,
                1 => NicDuplex::Half,
                _ => NicDuplex::Unknown,
            };
        }
    }
    Ok(stats)
}
