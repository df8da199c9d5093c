//! The `sysctl({CTL_NET, PF_ROUTE, 0, 0, NET_RT_IFLIST2, 0})` dump: routing
//! messages one after the other, each starting with `u_short ifm_msglen; u_char
//! ifm_version; u_char ifm_type` (XNU `bsd/net/if.h`, `bsd/net/route.h`). psutil
//! 7.2.2 (`arch/osx/net.c`) reads the `RTM_IFINFO2` ones: a `struct if_msghdr2`
//! (`#pragma pack(4)`, 160 bytes: 32 of header, then `struct if_data64` of 128)
//! followed by the interface's `struct sockaddr_dl` (`bsd/net/if_dl.h`) holding its
//! name.

use super::{u16_at, u64_at};
use crate::{ParseError, Result};

/// `sizeof(struct if_msghdr2)`.
pub const IF_MSGHDR2_SIZE: usize = 160;
/// Offset of `ifm_data` in `if_msghdr2`.
pub const IFM_DATA_OFFSET: usize = 32;
// Offsets in `struct if_data64` (packed 4).
/// `ifi_ipackets`.
pub const IFI_IPACKETS: usize = 24;
/// `ifi_ierrors`.
pub const IFI_IERRORS: usize = 32;
/// `ifi_opackets`.
pub const IFI_OPACKETS: usize = 40;
/// `ifi_oerrors`.
pub const IFI_OERRORS: usize = 48;
/// `ifi_ibytes`.
pub const IFI_IBYTES: usize = 64;
/// `ifi_obytes`.
pub const IFI_OBYTES: usize = 72;
/// `ifi_iqdrops`.
pub const IFI_IQDROPS: usize = 96;
/// `IFNAMSIZ`.
const IFNAMSIZ: usize = 16;

/// One interface's counters (the 64-bit `if_data64` ones psutil reports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfCounters {
    /// The interface name (`en0`).
    pub name: String,
    /// `ifi_obytes`.
    pub bytes_sent: u64,
    /// `ifi_ibytes`.
    pub bytes_recv: u64,
    /// `ifi_opackets`.
    pub packets_sent: u64,
    /// `ifi_ipackets`.
    pub packets_recv: u64,
    /// `ifi_ierrors`.
    pub errin: u64,
    /// `ifi_oerrors`.
    pub errout: u64,
    /// `ifi_iqdrops`.
    pub dropin: u64,
}

/// Walks the dump. `rtm_ifinfo2` is the message type to read (`RTM_IFINFO2`, from
/// the caller's `libc`). Like psutil the walk stops at a zero length or at a message
/// running past the end; unlike psutil (#2848 on the BSDs) the name length is
/// bounded by `IFNAMSIZ - 1` and by the message, never read beyond it. A message
/// too short for its header and name is an error.
pub fn parse_iflist2(data: &[u8], rtm_ifinfo2: u8) -> Result<Vec<IfCounters>> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos + 4 <= data.len() {
        let len = usize::from(u16_at(data, pos, "if_msghdr")?);
        if len == 0 || pos + len > data.len() {
            break;
        }
        if len < 4 {
            // Shorter than the length, version and type every message starts with.
            return Err(ParseError::new(format!(
                "if_msghdr of {len} bytes, shorter than its 4-byte header"
            )));
        }
        let msg = &data[pos..pos + len];
        pos += len;
        if msg.get(3) != Some(&rtm_ifinfo2) {
            continue;
        }
        let w = "if_msghdr2";
        let d = IFM_DATA_OFFSET;
        let sdl = msg.get(IF_MSGHDR2_SIZE..).unwrap_or(&[]);
        if sdl.len() < 8 {
            return Err(ParseError::new(format!(
                "if_msghdr2: {len} bytes, too short for the header and its sockaddr_dl"
            )));
        }
        let nlen = usize::from(sdl[5]).min(IFNAMSIZ - 1);
        let name = sdl.get(8..8 + nlen).ok_or_else(|| {
            ParseError::new(format!(
                "sockaddr_dl: name of {nlen} bytes past the message"
            ))
        })?;
        out.push(IfCounters {
            name: String::from_utf8_lossy(name).into_owned(),
            bytes_sent: u64_at(msg, d + IFI_OBYTES, w)?,
            bytes_recv: u64_at(msg, d + IFI_IBYTES, w)?,
            packets_sent: u64_at(msg, d + IFI_OPACKETS, w)?,
            packets_recv: u64_at(msg, d + IFI_IPACKETS, w)?,
            errin: u64_at(msg, d + IFI_IERRORS, w)?,
            errout: u64_at(msg, d + IFI_OERRORS, w)?,
            dropin: u64_at(msg, d + IFI_IQDROPS, w)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_shorter_than_its_header_is_an_error_not_a_panic() {
        // rtm_msglen 2: found by the property test (it indexed the type byte).
        let data = [2u8, 0, 5, 0, 0, 0];
        assert!(parse_iflist2(&data, 18).is_err());
    }
    use proptest::prelude::*;

    const RTM_IFINFO2: u8 = 0x12;
    const RTM_NEWMADDR2: u8 = 0x13;

    fn msg(ty: u8, name: &str, base: u64) -> Vec<u8> {
        let mut m = vec![0u8; IF_MSGHDR2_SIZE + 20];
        let len = m.len() as u16;
        m[0..2].copy_from_slice(&len.to_le_bytes());
        m[2] = 5; // RTM_VERSION
        m[3] = ty;
        let d = IFM_DATA_OFFSET;
        for (i, off) in [
            IFI_IPACKETS,
            IFI_IERRORS,
            IFI_OPACKETS,
            IFI_OERRORS,
            IFI_IBYTES,
            IFI_OBYTES,
            IFI_IQDROPS,
        ]
        .iter()
        .enumerate()
        {
            m[d + off..d + off + 8].copy_from_slice(&(base + i as u64).to_le_bytes());
        }
        let s = IF_MSGHDR2_SIZE;
        m[s] = 20; // sdl_len
        m[s + 1] = 18; // AF_LINK
        m[s + 5] = name.len() as u8;
        m[s + 8..s + 8 + name.len()].copy_from_slice(name.as_bytes());
        m
    }

    #[test]
    fn two_interfaces_and_a_skipped_message() {
        let mut buf = msg(RTM_IFINFO2, "lo0", 100);
        buf.extend(msg(RTM_NEWMADDR2, "xx", 0));
        buf.extend(msg(RTM_IFINFO2, "en0", 1000));
        let ifs = parse_iflist2(&buf, RTM_IFINFO2).unwrap();
        assert_eq!(ifs.len(), 2);
        assert_eq!(ifs[0].name, "lo0");
        assert_eq!(ifs[0].packets_recv, 100);
        assert_eq!(ifs[0].errin, 101);
        assert_eq!(ifs[0].packets_sent, 102);
        assert_eq!(ifs[0].errout, 103);
        assert_eq!(ifs[0].bytes_recv, 104);
        assert_eq!(ifs[0].bytes_sent, 105);
        assert_eq!(ifs[0].dropin, 106);
        assert_eq!(ifs[1].name, "en0");
        assert_eq!(ifs[1].bytes_sent, 1005);
    }

    #[test]
    fn truncated_and_zero_length_stop() {
        let mut buf = msg(RTM_IFINFO2, "en0", 1);
        buf.extend([0u8; 8]); // zero-length message: stop
        assert_eq!(parse_iflist2(&buf, RTM_IFINFO2).unwrap().len(), 1);
        let one = msg(RTM_IFINFO2, "en0", 1);
        assert!(parse_iflist2(&one[..100], RTM_IFINFO2).unwrap().is_empty());
        // A message whose length cuts the sockaddr_dl short.
        let mut short = one.clone();
        short.truncate(IF_MSGHDR2_SIZE + 4);
        short[0..2].copy_from_slice(&((IF_MSGHDR2_SIZE + 4) as u16).to_le_bytes());
        assert!(parse_iflist2(&short, RTM_IFINFO2).is_err());
    }

    #[test]
    fn long_name_is_bounded() {
        // sdl_nlen 200 is capped at IFNAMSIZ - 1; the message ends before 15 bytes.
        let mut m = msg(RTM_IFINFO2, "abcdefghijkl", 1);
        m[IF_MSGHDR2_SIZE + 5] = 200;
        assert!(parse_iflist2(&m, RTM_IFINFO2).is_err());
        // With room for it, the name is 15 bytes.
        m.extend([b'z'; 8]);
        let len = m.len() as u16;
        m[0..2].copy_from_slice(&len.to_le_bytes());
        assert_eq!(parse_iflist2(&m, RTM_IFINFO2).unwrap()[0].name.len(), 15);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..800)) {
            let _ = parse_iflist2(&data, RTM_IFINFO2);
        }
    }
}
