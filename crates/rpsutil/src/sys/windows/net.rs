//! `net_io_counters` and `net_if_addrs`: psutil's `net.c` (7.2.2), both over the
//! adapter list of `GetAdaptersAddresses`.

use indexmap::IndexMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use windows_sys::Win32::Foundation::{
    ERROR_BUFFER_OVERFLOW, ERROR_FILE_NOT_FOUND, ERROR_INSUFFICIENT_BUFFER, NO_ERROR,
};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    ConvertLengthToIpv4Mask, GetAdaptersAddresses, GetIfEntry2, GetIfTable,
    IP_ADAPTER_ADDRESSES_LH, IP_ADAPTER_UNICAST_ADDRESS_LH, MIB_IFROW, MIB_IFTABLE, MIB_IF_ROW2,
};
use windows_sys::Win32::Networking::WinSock::{AF_INET, AF_INET6, AF_UNSPEC};

use super::errors::win32_error;
use super::util::{from_wide_ptr, read_at};
use crate::sys::records::NicIoEntry;
use crate::types::net::{AddressFamily, NetIoCounters, NicAddr, NicDuplex, NicStats};
use crate::Result;

/// An IP address of an adapter, with its on-link prefix length.
#[derive(Debug, Clone, PartialEq)]
enum Ip {
    V4(Ipv4Addr, u8),
    V6(Ipv6Addr),
}

/// What psutil uses of one `IP_ADAPTER_ADDRESSES` entry, copied out of the buffer.
#[derive(Debug, Clone)]
struct Adapter {
    friendly_name: String,
    description: String,
    if_index: u32,
    luid: u64,
    mac: Vec<u8>,
    ips: Vec<Ip>,
}

/// The sockaddr behind a `SOCKET_ADDRESS`, as an IP.
///
/// # Safety
/// `sa` is null or points to a sockaddr of at least `len` readable bytes.
unsafe fn sockaddr_ip(sa: *const u8, len: i32, prefix: u8) -> Option<Ip> {
    if sa.is_null() || len < 2 {
        return None;
    }
    let len = len as usize;
    // SAFETY: at least 2 bytes are readable (checked above); unaligned read.
    let family = unsafe { sa.cast::<u16>().read_unaligned() };
    if family == AF_INET && len >= 8 {
        // SAFETY: sockaddr_in: sin_addr at byte 4, 4 bytes, inside `len`.
        let a = unsafe { sa.add(4).cast::<[u8; 4]>().read_unaligned() };
        Some(Ip::V4(Ipv4Addr::from(a), prefix))
    } else if family == AF_INET6 && len >= 24 {
        // SAFETY: sockaddr_in6: sin6_addr at byte 8, 16 bytes, inside `len`.
        let a = unsafe { sa.add(8).cast::<[u8; 16]>().read_unaligned() };
        Some(Ip::V6(Ipv6Addr::from(a)))
    } else {
        None
    }
}

/// `GetAdaptersAddresses(AF_UNSPEC, 0)`, the buffer grown on
/// `ERROR_BUFFER_OVERFLOW`, every entry copied out with unaligned reads.
fn adapters() -> Result<Vec<Adapter>> {
    let mut size: u32 = 15 * 1024;
    for _ in 0..8 {
        // u64 elements: the entries hold pointers and 64-bit fields.
        let mut buf = vec![0u64; (size as usize).div_ceil(8)];
        let mut len = u32::try_from(buf.len() * 8).unwrap_or(u32::MAX);
        // SAFETY: buf is writable for `len` bytes; the reserved pointer is null.
        let rc = unsafe {
            GetAdaptersAddresses(
                u32::from(AF_UNSPEC),
                0,
                std::ptr::null(),
                buf.as_mut_ptr().cast(),
                &mut len,
            )
        };
        match rc {
            NO_ERROR => return Ok(walk(&buf)),
            // No adapter at all.
            ERROR_NO_DATA => return Ok(Vec::new()),
            ERROR_BUFFER_OVERFLOW => size = len.max(size.saturating_mul(2)),
            other => return Err(win32_error(other, "GetAdaptersAddresses")),
        }
    }
    Err(win32_error(ERROR_BUFFER_OVERFLOW, "GetAdaptersAddresses"))
}

const ERROR_NO_DATA: u32 = 232;

/// Follows the `Next` chain of a filled adapter buffer.
fn walk(buf: &[u64]) -> Vec<Adapter> {
    let mut out = Vec::new();
    let mut p = buf.as_ptr().cast::<IP_ADAPTER_ADDRESSES_LH>();
    // A cycle would be an OS bug; bound the walk anyway.
    for _ in 0..4096 {
        if p.is_null() {
            break;
        }
        // SAFETY: p is the buffer's start or a `Next` link the OS wrote, pointing
        // inside the live buffer; read_unaligned copies the entry out.
        let a = unsafe { p.read_unaligned() };
        let maclen = (a.PhysicalAddressLength as usize).min(a.PhysicalAddress.len());
        // SAFETY: FriendlyName is a NUL-terminated string inside the buffer.
        let friendly_name = unsafe { from_wide_ptr(a.FriendlyName, 1024) };
        // SAFETY: Description is a NUL-terminated string inside the buffer.
        let description = unsafe { from_wide_ptr(a.Description, 1024) };
        let mut ips = Vec::new();
        let mut u = a.FirstUnicastAddress.cast_const();
        for _ in 0..4096 {
            if u.is_null() {
                break;
            }
            // SAFETY: u is a unicast-address link inside the buffer.
            let ua: IP_ADAPTER_UNICAST_ADDRESS_LH = unsafe { u.read_unaligned() };
            // SAFETY: lpSockaddr points to iSockaddrLength bytes inside the buffer.
            let ip = unsafe {
                sockaddr_ip(
                    ua.Address.lpSockaddr.cast_const().cast(),
                    ua.Address.iSockaddrLength,
                    ua.OnLinkPrefixLength,
                )
            };
            ips.extend(ip);
            u = ua.Next.cast_const();
        }
        out.push(Adapter {
            friendly_name,
            description,
            // SAFETY: the first union member of Anonymous1 is { Length, IfIndex };
            // both views are plain u32/u64 data.
            if_index: unsafe { a.Anonymous1.Anonymous.IfIndex },
            // SAFETY: NET_LUID_LH is a union of a u64 and bit fields over it.
            luid: unsafe { a.Luid.Value },
            mac: a.PhysicalAddress[..maclen].to_vec(),
            ips,
        });
        p = a.Next.cast_const();
    }
    out
}

/// The dotted IPv4 mask of a prefix length (`ConvertLengthToIpv4Mask`).
fn ipv4_mask(prefix: u8) -> Option<String> {
    let mut mask = 0u32;
    // SAFETY: mask is a writable u32.
    if unsafe { ConvertLengthToIpv4Mask(u32::from(prefix), &mut mask) } != NO_ERROR {
        return None;
    }
    // The mask is in network byte order as it lies in memory.
    Some(Ipv4Addr::from(mask.to_ne_bytes()).to_string())
}

/// psutil's MAC text: `XX-XX-...`, uppercase, padded to six groups with `-00`.
fn mac_text(mac: &[u8]) -> String {
    let mut parts: Vec<String> = mac.iter().map(|b| format!("{b:02X}")).collect();
    while parts.len() < 6 {
        parts.push("00".into());
    }
    parts.join("-")
}

/// psutil's `snicaddr` list of each adapter, keyed by its friendly name: the MAC
/// (family [`AddressFamily::Link`], psutil's `AF_LINK = -1`) when it has one, then
/// IPv4 (netmask from the on-link prefix), then IPv6 (no scope, netmask None).
/// broadcast and ptp are None, as psutil 7.2.2 gives them on Windows (#2711).
/// Unlike psutil (#2940), an IPv6 address never inherits an IPv4 netmask.
pub(crate) fn net_if_addrs() -> Result<IndexMap<String, Vec<NicAddr>>> {
    let mut out: IndexMap<String, Vec<NicAddr>> = IndexMap::new();
    for a in adapters()? {
        let list = out.entry(a.friendly_name).or_default();
        let addr = |family, address: String, netmask| NicAddr {
            family,
            address,
            netmask,
            broadcast: None,
            ptp: None,
        };
        if !a.mac.is_empty() {
            list.push(addr(AddressFamily::Link, mac_text(&a.mac), None));
        }
        for ip in &a.ips {
            if let Ip::V4(v4, prefix) = ip {
                list.push(addr(
                    AddressFamily::Inet,
                    v4.to_string(),
                    ipv4_mask(*prefix),
                ));
            }
        }
        for ip in &a.ips {
            if let Ip::V6(v6) = ip {
                list.push(addr(AddressFamily::Inet6, v6.to_string(), None));
            }
        }
    }
    Ok(out)
}

/// psutil's `snetio` per adapter from `GetIfEntry2(IfIndex)`: octets, unicast +
/// non-unicast packets, errors, discards (64-bit counters). An adapter that
/// vanished between the two calls is skipped (psutil fails the whole call, #2941).
pub(crate) fn net_io_counters() -> Result<Vec<NicIoEntry>> {
    let mut out = Vec::new();
    for a in adapters()? {
        // SAFETY: MIB_IF_ROW2 is plain data; all-zero is a valid value.
        let mut row: MIB_IF_ROW2 = unsafe { std::mem::zeroed() };
        // The LUID is used when set (an IPv6-only adapter has IfIndex 0); psutil
        // passes only the index.
        row.InterfaceLuid.Value = a.luid;
        row.InterfaceIndex = a.if_index;
        // SAFETY: row is writable, its LUID/index set as GetIfEntry2 requires.
        let rc = unsafe { GetIfEntry2(&mut row) };
        if rc == ERROR_FILE_NOT_FOUND {
            continue;
        }
        if rc != NO_ERROR {
            return Err(win32_error(rc, format!("GetIfEntry2({})", a.friendly_name)));
        }
        out.push(NicIoEntry {
            name: a.friendly_name,
            counters: NetIoCounters {
                bytes_sent: row.OutOctets,
                bytes_recv: row.InOctets,
                packets_sent: row.OutUcastPkts.saturating_add(row.OutNUcastPkts),
                packets_recv: row.InUcastPkts.saturating_add(row.InNUcastPkts),
                errin: row.InErrors,
                errout: row.OutErrors,
                dropin: row.InDiscards,
                dropout: row.OutDiscards,
            },
        });
    }
    Ok(out)
}

/// The rows of the legacy `GetIfTable` (unsorted), grown on
/// `ERROR_INSUFFICIENT_BUFFER`.
fn if_table() -> Result<Vec<MIB_IFROW>> {
    let mut size = 0u32;
    let mut buf: Vec<u64> = Vec::new();
    for _ in 0..8 {
        buf.resize((size as usize).div_ceil(8).max(1), 0);
        let mut len = u32::try_from(buf.len() * 8).unwrap_or(u32::MAX);
        // SAFETY: buf is writable for `len` bytes.
        let rc = unsafe { GetIfTable(buf.as_mut_ptr().cast(), &mut len, 0) };
        match rc {
            NO_ERROR => {
                // SAFETY: u64 → bytes of the same allocation, read-only.
                let bytes =
                    unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), buf.len() * 8) };
                let n = read_at::<u32>(bytes, 0).unwrap_or(0) as usize;
                let first = std::mem::offset_of!(MIB_IFTABLE, table);
                let step = std::mem::size_of::<MIB_IFROW>();
                return Ok((0..n)
                    .map_while(|i| read_at::<MIB_IFROW>(bytes, first + i * step))
                    .collect());
            }
            ERROR_NO_DATA => return Ok(Vec::new()),
            ERROR_INSUFFICIENT_BUFFER => size = len.max(size.saturating_mul(2)),
            other => return Err(win32_error(other, "GetIfTable")),
        }
    }
    Err(win32_error(ERROR_INSUFFICIENT_BUFFER, "GetIfTable"))
}

/// The ANSI description of a legacy row, up to its NUL.
fn row_description(row: &MIB_IFROW) -> String {
    let len = (row.dwDescrLen as usize).min(row.bDescr.len());
    let d = &row.bDescr[..len];
    let end = d.iter().position(|&c| c == 0).unwrap_or(d.len());
    String::from_utf8_lossy(&d[..end]).into_owned()
}

/// psutil 7.2.2's `net_if_stats`: the rows of `GetIfTable` whose description is
/// some adapter's, keyed by that adapter's friendly name. isup = oper status
/// connected (4) or operational (5) and admin status up; duplex is always full
/// and flags empty (as psutil); speed = `dwSpeed` in Mbit/s (a 32-bit bit/s field,
/// #2655); mtu = `dwMtu`.
pub(crate) fn net_if_stats() -> Result<IndexMap<String, NicStats>> {
    let adapters = adapters()?;
    let mut out = IndexMap::new();
    for row in if_table()? {
        let descr = row_description(&row);
        let Some(a) = adapters.iter().find(|a| a.description == descr) else {
            continue;
        };
        out.insert(
            a.friendly_name.clone(),
            NicStats {
                isup: matches!(row.dwOperStatus, 4 | 5) && row.dwAdminStatus == 1,
                duplex: NicDuplex::Full,
                speed: row.dwSpeed / 1_000_000,
                mtu: row.dwMtu,
                flags: String::new(),
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::wine;

    #[test]
    fn mac_and_mask_text() {
        assert_eq!(
            mac_text(&[0xde, 0xad, 0xbe, 0xef, 0, 1]),
            "DE-AD-BE-EF-00-01"
        );
        assert_eq!(mac_text(&[0xab, 0xcd]), "AB-CD-00-00-00-00");
        assert_eq!(ipv4_mask(24).as_deref(), Some("255.255.255.0"));
        assert_eq!(ipv4_mask(8).as_deref(), Some("255.0.0.0"));
        assert_eq!(ipv4_mask(0).as_deref(), Some("0.0.0.0"));
        assert_eq!(ipv4_mask(33), None);
    }

    #[test]
    fn sockaddrs_are_read_unaligned() {
        // sockaddr_in for 192.0.2.7 at an odd offset.
        let mut b = [0u8; 1 + 16];
        b[1..3].copy_from_slice(&AF_INET.to_ne_bytes());
        b[5..9].copy_from_slice(&[192, 0, 2, 7]);
        // SAFETY: 16 readable bytes from offset 1.
        let ip = unsafe { sockaddr_ip(b.as_ptr().add(1), 16, 24) };
        assert_eq!(ip, Some(Ip::V4(Ipv4Addr::new(192, 0, 2, 7), 24)));
        // SAFETY: too short: nothing is read past 2 bytes.
        assert_eq!(unsafe { sockaddr_ip(b.as_ptr().add(1), 4, 0) }, None);
        // SAFETY: null is allowed.
        assert_eq!(unsafe { sockaddr_ip(std::ptr::null(), 16, 0) }, None);
    }

    /// `/proc/net/dev`: name → (rx bytes, rx packets, tx bytes, tx packets).
    fn proc_net_dev() -> Option<std::collections::BTreeMap<String, [u64; 4]>> {
        let text = wine::linux_file("/proc/net/dev")?;
        Some(
            text.lines()
                .skip(2)
                .filter_map(|l| {
                    let (name, rest) = l.split_once(':')?;
                    let v: Vec<u64> = rest
                        .split_whitespace()
                        .filter_map(|x| x.parse().ok())
                        .collect();
                    Some((
                        name.trim().to_string(),
                        [*v.first()?, *v.get(1)?, *v.get(8)?, *v.get(9)?],
                    ))
                })
                .collect(),
        )
    }

    #[test]
    fn io_counters_match_linux_proc_net_dev_under_wine() {
        let before = proc_net_dev();
        let ours = net_io_counters().expect("GetIfEntry2");
        let after = proc_net_dev();
        assert!(!ours.is_empty());
        let public = crate::net_io_counters_pernic(false).expect("public");
        assert_eq!(public.len(), ours.len());
        let (Some(b), Some(a)) = (before, after) else {
            return;
        };
        // Wine 8 lists the Linux NICs under their Linux names with /proc/net/dev's
        // counters: each of ours lies between the reads before and after.
        let names: Vec<&String> = ours.iter().map(|e| &e.name).collect();
        assert_eq!(names.len(), b.len(), "{names:?} vs {:?}", b.keys());
        for e in &ours {
            let (lo, hi) = (b[&e.name], a[&e.name]);
            let c = &e.counters;
            let got = [c.bytes_recv, c.packets_recv, c.bytes_sent, c.packets_sent];
            for i in 0..4 {
                assert!(
                    lo[i] <= got[i] && got[i] <= hi[i],
                    "{}: field {i}: {got:?} not in {lo:?}..{hi:?}",
                    e.name
                );
            }
        }
    }

    #[test]
    fn addrs_match_linux_under_wine() {
        let addrs = crate::net_if_addrs().expect("net_if_addrs");
        assert!(!addrs.is_empty());
        for list in addrs.values() {
            // psutil's order: link, IPv4, IPv6.
            let fams: Vec<i32> = list.iter().map(|a| a.family.as_raw()).collect();
            assert!(fams.windows(2).all(|w| w[0] <= w[1]), "{fams:?}");
            for a in list {
                assert!(a.broadcast.is_none() && a.ptp.is_none());
                match a.family {
                    AddressFamily::Link => assert_eq!(a.address.len(), 17, "{a:?}"),
                    AddressFamily::Inet => assert!(a.netmask.is_some(), "{a:?}"),
                    _ => assert!(a.netmask.is_none(), "{a:?}"),
                }
            }
        }
        let Some(dev) = wine::linux_file("/proc/net/dev") else {
            return;
        };
        // Every Linux NIC is there by name.
        for l in dev.lines().skip(2) {
            if let Some((name, _)) = l.split_once(':') {
                assert!(
                    addrs.contains_key(name.trim()),
                    "{name} missing: {:?}",
                    addrs.keys()
                );
            }
        }
        // Loopback: 127.0.0.1/8 and ::1.
        let lo = &addrs["lo"];
        assert!(
            lo.iter()
                .any(|a| a.address == "127.0.0.1" && a.netmask.as_deref() == Some("255.0.0.0")),
            "{lo:?}"
        );
        // MACs = /sys/class/net/NAME/address (non-zero ones).
        for (name, list) in &addrs {
            let Some(mac) = wine::linux_file(&format!("/sys/class/net/{name}/address")) else {
                continue;
            };
            let mac = mac.trim().to_uppercase().replace(':', "-");
            if mac == "00-00-00-00-00-00" {
                continue;
            }
            assert!(
                list.iter()
                    .any(|a| a.family == AddressFamily::Link && a.address == mac),
                "{name}: {mac} not in {list:?}"
            );
        }
        // IPv6 = /proc/net/if_inet6 (address in hex, ..., name).
        if let Some(v6) = wine::linux_file("/proc/net/if_inet6") {
            for l in v6.lines() {
                let f: Vec<&str> = l.split_whitespace().collect();
                let (Some(hex), Some(name)) = (f.first(), f.last()) else {
                    continue;
                };
                let bytes: Vec<u8> = (0..16)
                    .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
                    .collect();
                let Ok(b16) = <[u8; 16]>::try_from(bytes) else {
                    continue;
                };
                let ip = Ipv6Addr::from(b16).to_string();
                let list = &addrs[*name];
                assert!(
                    list.iter()
                        .any(|a| a.family == AddressFamily::Inet6 && a.address == ip),
                    "{name}: {ip} not in {list:?}"
                );
            }
        }
    }

    #[test]
    fn if_stats_match_linux_sysfs_under_wine() {
        let stats = crate::net_if_stats().expect("net_if_stats");
        assert!(!stats.is_empty());
        for s in stats.values() {
            assert_eq!(s.duplex, NicDuplex::Full);
            assert!(s.flags.is_empty() && s.mtu > 0, "{s:?}");
        }
        let addrs = crate::net_if_addrs().expect("net_if_addrs");
        for name in stats.keys() {
            assert!(addrs.contains_key(name), "{name}");
        }
        if wine::version().is_none() {
            return;
        }
        // Every Linux NIC, with sysfs's MTU; up = IFF_UP in /sys/class/net/NAME/flags
        // and operstate "up" (or "unknown", as for lo: sysfs flags do not carry
        // IFF_RUNNING, operstate does). Wine 8 gap: speed is always 0.
        for (name, s) in &stats {
            let Some(mtu) = wine::linux_file(&format!("/sys/class/net/{name}/mtu")) else {
                panic!("{name} is not a Linux NIC");
            };
            assert_eq!(s.mtu.to_string(), mtu.trim(), "{name}");
            let flags = wine::linux_file(&format!("/sys/class/net/{name}/flags"))
                .and_then(|f| u32::from_str_radix(f.trim().trim_start_matches("0x"), 16).ok())
                .expect("flags");
            let oper =
                wine::linux_file(&format!("/sys/class/net/{name}/operstate")).unwrap_or_default();
            let up = flags & 1 == 1 && matches!(oper.trim(), "up" | "unknown");
            assert_eq!(s.isup, up, "{name}: flags {flags:#x}, operstate {oper}");
            assert_eq!(s.speed, 0, "{name}");
        }
        let dev = wine::linux_file("/proc/net/dev").expect("/proc/net/dev");
        assert_eq!(stats.len(), dev.lines().skip(2).count());
    }
}
