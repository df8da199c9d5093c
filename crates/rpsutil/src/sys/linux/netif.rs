//! NIC state through `ioctl(2)` on a datagram socket (`netdevice(7)`): SIOCGIFFLAGS,
//! SIOCGIFMTU, and SIOCETHTOOL/ETHTOOL_GSET for speed and duplex.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::sys::records::NicIoEntry;
use crate::types::net::{NetIoCounters, NicAddr, NicDuplex, NicStats};
use crate::{Error, Result};

/// `struct ethtool_cmd` of `linux/ethtool.h` (the legacy ETHTOOL_GSET layout psutil
/// uses). The libc crate does not declare it.
#[repr(C)]
#[derive(Default)]
struct EthtoolCmd {
    cmd: u32,
    supported: u32,
    advertising: u32,
    speed: u16,
    duplex: u8,
    port: u8,
    phy_address: u8,
    transceiver: u8,
    autoneg: u8,
    mdio_support: u8,
    maxtxpkt: u32,
    maxrxpkt: u32,
    speed_hi: u16,
    eth_tp_mdix: u8,
    eth_tp_mdix_ctrl: u8,
    lp_advertising: u32,
    reserved: [u32; 2],
}

// `struct ethtool_cmd` is 44 bytes (include/uapi/linux/ethtool.h); a layout mistake
// here would make the kernel read or write past the struct.
const _: () = assert!(std::mem::size_of::<EthtoolCmd>() == 44);
const _: () = assert!(std::mem::offset_of!(EthtoolCmd, speed) == 12);
const _: () = assert!(std::mem::offset_of!(EthtoolCmd, speed_hi) == 28);

const ETHTOOL_GSET: u32 = 1;
const DUPLEX_HALF: u8 = 0;
const DUPLEX_FULL: u8 = 1;

/// The flag names psutil prints, in its order (`arch/linux/net.c`).
const FLAG_NAMES: [(libc::c_int, &str); 16] = [
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
    (libc::IFF_MASTER, "master"),
    (libc::IFF_SLAVE, "slave"),
    (libc::IFF_MULTICAST, "multicast"),
    (libc::IFF_PORTSEL, "portsel"),
    (libc::IFF_AUTOMEDIA, "automedia"),
    (libc::IFF_DYNAMIC, "dynamic"),
];

/// A socket for the ioctls.
pub(crate) fn ioctl_socket() -> Result<OwnedFd> {
    // SAFETY: plain socket(2) call; the fd is owned right away.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(Error::os(
            io::Error::last_os_error(),
            "socket(AF_INET, SOCK_DGRAM)",
        ));
    }
    // SAFETY: fd is a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn ifreq_for(name: &str) -> Option<libc::ifreq> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return None;
    }
    // SAFETY: ifreq is plain old data; all-zero is valid.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, &b) in req.ifr_name.iter_mut().zip(bytes) {
        *dst = b as libc::c_char;
    }
    Some(req)
}

fn ioctl(sock: &OwnedFd, request: libc::c_ulong, req: &mut libc::ifreq) -> io::Result<()> {
    // SAFETY: req is a valid ifreq for these SIOC* requests; the kernel writes into it
    // (or, for SIOCETHTOOL, into the buffer ifru_data points to, kept alive by the caller).
    if unsafe { libc::ioctl(sock.as_raw_fd(), request as _, req as *mut libc::ifreq) } < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The state of NIC `name`; None if it vanished (ENODEV/ENXIO), as psutil skips it.
pub(crate) fn nic_stats(sock: &OwnedFd, name: &str) -> Result<Option<NicStats>> {
    let Some(mut req) = ifreq_for(name) else {
        return Ok(None);
    };
    let gone = |e: &io::Error| matches!(e.raw_os_error(), Some(libc::ENODEV) | Some(libc::ENXIO));
    match ioctl(sock, libc::SIOCGIFFLAGS, &mut req) {
        Ok(()) => {}
        Err(e) if gone(&e) => return Ok(None),
        Err(e) => return Err(Error::os(e, format!("SIOCGIFFLAGS {name}"))),
    }
    // SAFETY: SIOCGIFFLAGS filled the flags member.
    let flags = libc::c_int::from(unsafe { req.ifr_ifru.ifru_flags }) & 0xffff;
    match ioctl(sock, libc::SIOCGIFMTU, &mut req) {
        Ok(()) => {}
        Err(e) if gone(&e) => return Ok(None),
        Err(e) => return Err(Error::os(e, format!("SIOCGIFMTU {name}"))),
    }
    // SAFETY: SIOCGIFMTU filled the mtu member.
    let mtu = unsafe { req.ifr_ifru.ifru_mtu }.max(0) as u32;

    let mut cmd = EthtoolCmd {
        cmd: ETHTOOL_GSET,
        ..EthtoolCmd::default()
    };
    req.ifr_ifru.ifru_data = (&mut cmd as *mut EthtoolCmd).cast();
    let (duplex, speed) = match ioctl(sock, libc::SIOCETHTOOL, &mut req) {
        Ok(()) => {
            let speed = (u32::from(cmd.speed_hi) << 16) | u32::from(cmd.speed);
            // SPEED_UNKNOWN is 0xffffffff (-1); psutil reports 0 then.
            let speed = if speed == u32::MAX || speed > i32::MAX as u32 {
                0
            } else {
                speed
            };
            let duplex = match cmd.duplex {
                DUPLEX_FULL => NicDuplex::Full,
                DUPLEX_HALF => NicDuplex::Half,
                _ => NicDuplex::Unknown,
            };
            (duplex, speed)
        }
        Err(e) if gone(&e) => return Ok(None),
        // No ethtool support (virtual NICs), or not allowed to ask: unknown. psutil
        // aborts the whole call on EBUSY/EPERM (its bug #2732); one NIC's ethtool
        // answer is not worth losing the others.
        Err(_) => (NicDuplex::Unknown, 0),
    };
    let names: Vec<&str> = FLAG_NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    Ok(Some(NicStats {
        isup: flags & libc::IFF_RUNNING != 0,
        duplex,
        speed,
        mtu,
        flags: names.join(","),
    }))
}

/// Per-NIC counters of `/proc/net/dev`, in file order.
pub(crate) fn net_io_counters() -> Result<Vec<NicIoEntry>> {
    let path = crate::sys::roots::procfs_root().join("net/dev");
    let devs = super::files::parse_file(&path, rpsutil_parse::linux::net_dev::parse_net_dev)?;
    Ok(devs
        .into_iter()
        .map(|d| {
            let c = d.counters;
            NicIoEntry {
                name: String::from_utf8_lossy(&d.name).into_owned(),
                counters: NetIoCounters {
                    bytes_sent: c.tx_bytes,
                    bytes_recv: c.rx_bytes,
                    packets_sent: c.tx_packets,
                    packets_recv: c.rx_packets,
                    errin: c.rx_errs,
                    errout: c.tx_errs,
                    dropin: c.rx_drop,
                    dropout: c.tx_drop,
                },
            }
        })
        .collect())
}

/// The state of every NIC of `/proc/net/dev` (psutil's NIC list); NICs that vanish
/// meanwhile are left out.
pub(crate) fn net_if_stats() -> Result<indexmap::IndexMap<String, NicStats>> {
    let sock = ioctl_socket()?;
    let mut out = indexmap::IndexMap::new();
    for NicIoEntry { name, .. } in net_io_counters()? {
        if let Some(stats) = nic_stats(&sock, &name)? {
            out.insert(name, stats);
        }
    }
    Ok(out)
}

/// See [`crate::sys::posix::ifaddrs::net_if_addrs`].
pub(crate) fn net_if_addrs() -> Result<indexmap::IndexMap<String, Vec<NicAddr>>> {
    crate::sys::posix::ifaddrs::net_if_addrs()
}
