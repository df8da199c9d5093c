//! `getifaddrs(3)` for `net_if_addrs`, with psutil's conversions
//! (`arch/posix/net.c::psutil_net_if_addrs`).

use indexmap::IndexMap;
use std::ffi::CStr;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::types::net::{AddressFamily, NicAddr};
use crate::{Error, Result};

/// One address as psutil renders it, or None for families it skips.
///
/// # Safety
/// `sa` must be null or point to a valid sockaddr of the family it declares, as
/// getifaddrs hands out.
unsafe fn render(sa: *const libc::sockaddr, ifname: &str) -> Option<(AddressFamily, String)> {
    if sa.is_null() {
        return None;
    }
    // SAFETY: non-null and valid per the function contract.
    let family = i32::from(unsafe { (*sa).sa_family });
    match family {
        libc::AF_INET => {
            // SAFETY: the family says this is a sockaddr_in.
            let sin = unsafe { &*(sa as *const libc::sockaddr_in) };
            let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            Some((AddressFamily::Inet, ip.to_string()))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says this is a sockaddr_in6.
            let sin6 = unsafe { &*(sa as *const libc::sockaddr_in6) };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            // getnameinfo(NI_NUMERICHOST) appends %ifname to scoped (link-local) addresses.
            let text = if sin6.sin6_scope_id != 0 {
                format!("{ip}%{ifname}")
            } else {
                ip.to_string()
            };
            Some((AddressFamily::Inet6, text))
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        libc::AF_PACKET => {
            // SAFETY: the family says this is a sockaddr_ll.
            let sll = unsafe { &*(sa as *const libc::sockaddr_ll) };
            let len = usize::from(sll.sll_halen).min(sll.sll_addr.len());
            mac_text(&sll.sll_addr[..len]).map(|m| (AddressFamily::Link, m))
        }
        // macOS and the BSDs: a sockaddr_dl (`net/if_dl.h`), its link-layer address
        // after the interface name in `sdl_data` (LLADDR).
        #[cfg(any(
            target_os = "macos",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd"
        ))]
        libc::AF_LINK => {
            // SAFETY: a sockaddr of these OSes carries its length (`sa_len`, at least
            // the 8-byte sockaddr_dl header), and getifaddrs owns that many bytes.
            let bytes = unsafe {
                let len = usize::from((*sa).sa_len).max(8);
                std::slice::from_raw_parts(sa.cast::<u8>(), len)
            };
            let (_, mac) = rpsutil_parse::bsd::net::sockaddr_dl(bytes)?;
            mac_text(&mac).map(|m| (AddressFamily::Link, m))
        }
        _ => None,
    }
}

/// A link-layer address as psutil writes it: lowercase `xx:xx:...`, padded with
/// `00` to six octets (psutil #786); None without address bytes (loopback,
/// tunnels).
fn mac_text(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    let mut mac: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    while mac.len() < 6 {
        mac.push("00".into());
    }
    Some(mac.join(":"))
}

/// Every address of every NIC, grouped by NIC, each NIC's list ordered by family
/// number (psutil sorts by family, stable: IPv4, IPv6, packet on Linux; IPv4, link,
/// IPv6 on macOS and the BSDs). NICs come in the order of their
/// first address in that sorted list, as psutil's dict.
pub(crate) fn net_if_addrs() -> Result<IndexMap<String, Vec<NicAddr>>> {
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: head is a valid out-pointer; freed below with freeifaddrs.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return Err(Error::os(std::io::Error::last_os_error(), "getifaddrs"));
    }
    let mut rows: Vec<(String, NicAddr)> = Vec::new();
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: cur is a node of the list getifaddrs returned, not yet freed.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        if ifa.ifa_addr.is_null() || ifa.ifa_name.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string owned by the list.
        let name = unsafe { CStr::from_ptr(ifa.ifa_name) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: the addresses come from getifaddrs and match their families.
        let Some((family, address)) = (unsafe { render(ifa.ifa_addr, &name) }) else {
            continue;
        };
        // SAFETY: as above.
        let netmask = unsafe { render(ifa.ifa_netmask, &name) }.map(|(_, a)| a);
        let flags = ifa.ifa_flags as libc::c_int;
        let (mut broadcast, mut ptp) = (None, None);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let dst = ifa.ifa_ifu;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let dst = ifa.ifa_dstaddr;
        if flags & libc::IFF_BROADCAST != 0 {
            // SAFETY: with IFF_BROADCAST the union holds the broadcast address.
            broadcast = unsafe { render(dst, &name) }.map(|(_, a)| a);
        } else if flags & libc::IFF_POINTOPOINT != 0 {
            // SAFETY: with IFF_POINTOPOINT the union holds the peer address.
            ptp = unsafe { render(dst, &name) }.map(|(_, a)| a);
        }
        rows.push((
            name,
            NicAddr {
                family,
                address,
                netmask,
                broadcast,
                ptp,
            },
        ));
    }
    // SAFETY: head came from getifaddrs and is freed exactly once.
    unsafe { libc::freeifaddrs(head) };
    rows.sort_by_key(|(_, a)| a.family.as_raw());
    let mut out: IndexMap<String, Vec<NicAddr>> = IndexMap::new();
    for (name, addr) in rows {
        out.entry(name).or_default().push(addr);
    }
    Ok(out)
}
