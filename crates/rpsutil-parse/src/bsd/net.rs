//! Network interface counters of the BSD kernels: the routing-socket messages of
//! `sysctl(CTL_NET, PF_ROUTE, 0, 0, NET_RT_IFLIST, 0)` (`net/route.h`,
//! `net/if.h`), as psutil reads them in `arch/bsd/net.c`: each `RTM_IFINFO` message
//! is a `struct if_msghdr` (with the interface's `struct if_data`) followed by the
//! interface's `struct sockaddr_dl` (`net/if_dl.h`).

use super::layout::{read_u, Field};
use crate::{ParseError, Result};

/// Splits a routing-socket dump into messages by their `rtm_msglen` / `ifm_msglen`
/// (the first `u_short` of every message, `net/route.h`). A zero or overrunning
/// length is an error (psutil walks without a zero-length guard).
pub fn route_messages(buf: &[u8]) -> Result<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = buf;
    while !rest.is_empty() {
        let len = read_u(rest, Field::new(0, 2))? as usize;
        if len < 4 {
            return Err(ParseError::new(format!("routing message of {len} bytes")));
        }
        let msg = rest.get(..len).ok_or_else(|| {
            ParseError::new(format!(
                "routing message of {len} bytes overruns the buffer ({} left)",
                rest.len()
            ))
        })?;
        out.push(msg);
        rest = &rest[len..];
    }
    Ok(out)
}

/// The message type: `rtm_type` / `ifm_type`, the fourth byte of every message
/// (after `msglen` and `version`).
pub fn message_type(msg: &[u8]) -> Option<u8> {
    msg.get(3).copied()
}

/// Where the counters lie in this OS's `struct if_msghdr` (the offsets of its
/// `ifm_data` members), and where the `sockaddr_dl` starts (`sizeof(struct
/// if_msghdr)`, or OpenBSD's `ifm_hdrlen`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMsgLayout {
    /// Offset of the `sockaddr_dl` after the header.
    pub sdl_at: usize,
    /// `ifi_ibytes`.
    pub ibytes: Field,
    /// `ifi_obytes`.
    pub obytes: Field,
    /// `ifi_ipackets`.
    pub ipackets: Field,
    /// `ifi_opackets`.
    pub opackets: Field,
    /// `ifi_ierrors`.
    pub ierrors: Field,
    /// `ifi_oerrors`.
    pub oerrors: Field,
    /// `ifi_iqdrops`.
    pub iqdrops: Field,
    /// `ifi_oqdrops`, where the OS has it (FreeBSD; psutil's `_IFI_OQDROPS`).
    pub oqdrops: Option<Field>,
}

/// One NIC's counters: psutil's `snetio` order of fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfCounters {
    /// Interface name (from the `sockaddr_dl`).
    pub name: String,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_recv: u64,
    /// Packets sent.
    pub packets_sent: u64,
    /// Packets received.
    pub packets_recv: u64,
    /// Input errors.
    pub errin: u64,
    /// Output errors.
    pub errout: u64,
    /// Input drops.
    pub dropin: u64,
    /// Output drops (0 where the OS does not count them).
    pub dropout: u64,
}

/// A `sockaddr_dl` (`net/if_dl.h`: `sdl_len` 0, `sdl_family` 1, `sdl_index` 2-3,
/// `sdl_type` 4, `sdl_nlen` 5, `sdl_alen` 6, `sdl_slen` 7, `sdl_data` from 8 — the
/// same bytes on FreeBSD, OpenBSD and NetBSD): the interface name (`sdl_nlen`
/// bytes, bounded by the buffer: psutil's #2848 overflow) and the link-layer
/// address (`sdl_alen` bytes after the name).
pub fn sockaddr_dl(sa: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let nlen = usize::from(*sa.get(5)?);
    let alen = usize::from(*sa.get(6)?);
    let len = usize::from(*sa.first()?).min(sa.len()).max(8);
    let data = sa.get(8..len.max(8))?;
    let name = data.get(..nlen.min(data.len()))?.to_vec();
    let addr = data
        .get(nlen.min(data.len())..(nlen + alen).min(data.len()))
        .unwrap_or(&[])
        .to_vec();
    Some((name, addr))
}

/// The counters of every `RTM_IFINFO` message (`ifinfo_type`, the OS's value) in a
/// `NET_RT_IFLIST` dump, in the kernel's order. Interfaces whose name starts with
/// `usbus` are skipped (psutil: FreeBSD's USB buses are not NICs).
pub fn iflist_counters(buf: &[u8], ifinfo_type: u8, l: &IfMsgLayout) -> Result<Vec<IfCounters>> {
    let mut out = Vec::new();
    for msg in route_messages(buf)? {
        if message_type(msg) != Some(ifinfo_type) {
            continue;
        }
        let Some((name, _)) = msg.get(l.sdl_at..).and_then(sockaddr_dl) else {
            continue;
        };
        let name = String::from_utf8_lossy(&name).into_owned();
        if name.is_empty() || name.starts_with("usbus") {
            continue;
        }
        out.push(IfCounters {
            name,
            bytes_sent: read_u(msg, l.obytes)?,
            bytes_recv: read_u(msg, l.ibytes)?,
            packets_sent: read_u(msg, l.opackets)?,
            packets_recv: read_u(msg, l.ipackets)?,
            errin: read_u(msg, l.ierrors)?,
            errout: read_u(msg, l.oerrors)?,
            dropin: read_u(msg, l.iqdrops)?,
            dropout: match l.oqdrops {
                Some(f) => read_u(msg, f)?,
                None => 0,
            },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn layout() -> IfMsgLayout {
        IfMsgLayout {
            sdl_at: 72,
            ibytes: Field::new(8, 8),
            obytes: Field::new(16, 8),
            ipackets: Field::new(24, 8),
            opackets: Field::new(32, 8),
            ierrors: Field::new(40, 8),
            oerrors: Field::new(48, 8),
            iqdrops: Field::new(56, 8),
            oqdrops: Some(Field::new(64, 8)),
        }
    }

    fn ifinfo(name: &[u8], mac: &[u8], base: u64) -> Vec<u8> {
        let mut m = vec![0u8; 72];
        m[3] = 0x0e;
        for (i, off) in (8..72).step_by(8).enumerate() {
            m[off..off + 8].copy_from_slice(&(base + i as u64).to_ne_bytes());
        }
        let mut sdl = vec![0u8; 8];
        sdl[1] = 18;
        sdl[5] = name.len() as u8;
        sdl[6] = mac.len() as u8;
        sdl.extend_from_slice(name);
        sdl.extend_from_slice(mac);
        sdl[0] = sdl.len() as u8;
        m.extend(sdl);
        while m.len() % 8 != 0 {
            m.push(0);
        }
        let n = m.len() as u16;
        m[..2].copy_from_slice(&n.to_ne_bytes());
        m
    }

    #[test]
    fn iflist() {
        let mut buf = ifinfo(b"em0", &[0, 0x0c, 0x29, 1, 2, 3], 100);
        // An address message (RTM_NEWADDR 0x0c) in between is skipped.
        let mut addr = vec![0u8; 16];
        addr[..2].copy_from_slice(&16u16.to_ne_bytes());
        addr[3] = 0x0c;
        buf.extend(addr);
        buf.extend(ifinfo(b"usbus0", &[], 1));
        buf.extend(ifinfo(b"lo0", &[], 200));
        let c = iflist_counters(&buf, 0x0e, &layout()).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].name, "em0");
        assert_eq!(
            (
                c[0].bytes_recv,
                c[0].bytes_sent,
                c[0].packets_recv,
                c[0].packets_sent
            ),
            (100, 101, 102, 103)
        );
        assert_eq!(
            (c[0].errin, c[0].errout, c[0].dropin, c[0].dropout),
            (104, 105, 106, 107)
        );
        assert_eq!(c[1].name, "lo0");
        let mut no_oq = layout();
        no_oq.oqdrops = None;
        assert_eq!(iflist_counters(&buf, 0x0e, &no_oq).unwrap()[0].dropout, 0);
        // A zero-length message is an error, not an endless loop.
        assert!(route_messages(&[0, 0, 5, 14]).is_err());
        assert!(route_messages(&buf[..buf.len() - 1]).is_err());
    }

    #[test]
    fn link_addresses() {
        let m = ifinfo(b"em0", &[0, 0x0c, 0x29, 1, 2, 3], 0);
        let (name, mac) = sockaddr_dl(&m[72..]).unwrap();
        assert_eq!(name, b"em0");
        assert_eq!(mac, [0, 0x0c, 0x29, 1, 2, 3]);
        // sdl_nlen larger than the data: bounded, no overflow.
        let sa = [12u8, 18, 0, 0, 6, 200, 6, 0, b'a', b'b', b'c', b'd'];
        assert_eq!(sockaddr_dl(&sa).unwrap(), (b"abcd".to_vec(), vec![]));
        assert!(sockaddr_dl(&[1, 2]).is_none());
    }

    proptest! {
        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = iflist_counters(&buf, 0x0e, &layout());
            let _ = sockaddr_dl(&buf);
        }
    }
}
