//! `/proc/net/{tcp,tcp6,udp,udp6,raw}` and `/proc/net/unix` (`man 5 proc`,
//! "/proc/net/tcp", "/proc/net/unix"): one socket per line after a header line.
//!
//! Addresses are printed as `HEXADDR:HEXPORT`, where the address words are the raw
//! 32-bit network-order values printed with `%08X` as host integers. The bytes are
//! therefore recovered with the *host's* byte order: these files are only ever read on
//! the machine that produced them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::util::{fields, parse_hex_u64, parse_u64};
use crate::{ParseError, Result};

/// One line of a TCP/UDP table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetSocket {
    /// Local address and port.
    pub local: (IpAddr, u16),
    /// Remote address and port (`0.0.0.0:0` / `:::0` when not connected).
    pub remote: (IpAddr, u16),
    /// TCP state code (`01` ESTABLISHED ... `0B` CLOSING, `include/net/tcp_states.h`);
    /// UDP prints 07 (CLOSE) or 01.
    pub state: u8,
    /// The owning uid.
    pub uid: u32,
    /// The socket inode, matched against `/proc/PID/fd/*` links `socket:[N]`.
    pub inode: u64,
}

/// One line of `/proc/net/unix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixSocket {
    /// Socket type: 1 SOCK_STREAM, 2 SOCK_DGRAM, 5 SOCK_SEQPACKET.
    pub kind: u32,
    /// Connection state (`SS_*`: 1 unconnected, 3 connected ...).
    pub state: u8,
    /// The socket inode.
    pub inode: u64,
    /// The bound path; abstract names start with `@`; empty if unbound. Paths with
    /// spaces are kept whole (psutil reports them as empty, its bug).
    pub path: Vec<u8>,
}

fn decode_addr(field: &[u8]) -> Result<(IpAddr, u16)> {
    let colon = field
        .iter()
        .position(|&b| b == b':')
        .ok_or_else(|| ParseError::new("net: address without ':'"))?;
    let (hex_ip, hex_port) = (&field[..colon], &field[colon + 1..]);
    let port = u16::try_from(parse_hex_u64(hex_port, "net port")?)
        .map_err(|_| ParseError::new("net: port out of range"))?;
    let word = |chunk: &[u8]| -> Result<[u8; 4]> {
        let v = parse_hex_u64(chunk, "net address")?;
        let v = u32::try_from(v).map_err(|_| ParseError::new("net: address word out of range"))?;
        Ok(v.to_ne_bytes())
    };
    let ip = match hex_ip.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(hex_ip)?)),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in hex_ip.chunks(8).enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(chunk)?);
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        n => return Err(ParseError::new(format!("net: address of {n} hex digits"))),
    };
    Ok((ip, port))
}

/// Parses one data line of a TCP/UDP table (not the header).
///
/// Errors: fewer than 10 fields, or a field not in the documented format.
pub fn parse_inet_line(line: &[u8]) -> Result<InetSocket> {
    let mut f: [&[u8]; 10] = [&[]; 10];
    let mut n = 0;
    for field in fields(line).take(10) {
        f[n] = field;
        n += 1;
    }
    if n < 10 {
        return Err(ParseError::new(format!(
            "net: malformed line {:?}",
            String::from_utf8_lossy(line)
        )));
    }
    let state = u8::try_from(parse_hex_u64(f[3], "net state")?)
        .map_err(|_| ParseError::new("net: state out of range"))?;
    Ok(InetSocket {
        local: decode_addr(f[1])?,
        remote: decode_addr(f[2])?,
        state,
        uid: u32::try_from(parse_u64(f[7], "net uid")?)
            .map_err(|_| ParseError::new("net: uid out of range"))?,
        inode: parse_u64(f[9], "net inode")?,
    })
}

/// Parses a whole TCP/UDP table, skipping its header line.
pub fn parse_inet_table(data: &[u8]) -> Result<Vec<InetSocket>> {
    data.split(|&b| b == b'\n')
        .skip(1)
        .filter(|l| fields(l).next().is_some())
        .map(parse_inet_line)
        .collect()
}

/// Parses one data line of `/proc/net/unix`:
/// `Num RefCount Protocol Flags Type St Inode [Path]`.
///
/// Errors: fewer than 7 fields or a field not in the documented format.
pub fn parse_unix_line(line: &[u8]) -> Result<UnixSocket> {
    let mut rest = line;
    let mut take = || -> Option<&[u8]> {
        let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        let tail = &rest[start..];
        let end = tail
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(tail.len());
        rest = &tail[end..];
        Some(&tail[..end])
    };
    let mut f: [&[u8]; 7] = [&[]; 7];
    for (i, slot) in f.iter_mut().enumerate() {
        *slot = take()
            .ok_or_else(|| ParseError::new(format!("net unix: {i} fields, expected at least 7")))?;
    }
    let path = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |p| &rest[p..]);
    let path = path.strip_suffix(b"\r").unwrap_or(path);
    Ok(UnixSocket {
        kind: u32::try_from(parse_hex_u64(f[4], "net unix type")?)
            .map_err(|_| ParseError::new("net unix: type out of range"))?,
        state: u8::try_from(parse_hex_u64(f[5], "net unix state")?)
            .map_err(|_| ParseError::new("net unix: state out of range"))?,
        inode: parse_u64(f[6], "net unix inode")?,
        path: path.to_vec(),
    })
}

/// Parses the whole of `/proc/net/unix`, skipping its header line.
pub fn parse_unix_table(data: &[u8]) -> Result<Vec<UnixSocket>> {
    data.split(|&b| b == b'\n')
        .skip(1)
        .filter(|l| fields(l).next().is_some())
        .map(parse_unix_line)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[cfg(target_endian = "little")]
    #[test]
    fn real_tcp_tables() {
        let v4 =
            parse_inet_table(include_bytes!("../../fixtures/linux/vm-6.18/proc-net-tcp")).unwrap();
        // The fixture was captured with a listener on 127.0.0.1:39911 (0x9BE7).
        let l = v4.iter().find(|s| s.local.1 == 39911).unwrap();
        assert_eq!(l.local.0, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(l.state, 0x0A);
        assert_eq!(l.remote, ("0.0.0.0".parse().unwrap(), 0));
        assert_eq!(l.inode, 6546);
        assert!(v4.iter().any(|s| s.state == 1 && s.remote.1 == 39911));
        let v6 =
            parse_inet_table(include_bytes!("../../fixtures/linux/vm-6.18/proc-net-tcp6")).unwrap();
        assert_eq!(v6[0].local, ("::1".parse().unwrap(), 33803));
        let u6 =
            parse_inet_table(include_bytes!("../../fixtures/linux/vm-6.18/proc-net-udp6")).unwrap();
        assert_eq!(u6[0].local, ("::".parse().unwrap(), 54629));
        assert_eq!(u6[0].state, 7);
    }

    #[test]
    fn real_unix_table() {
        let u =
            parse_unix_table(include_bytes!("../../fixtures/linux/vm-6.18/proc-net-unix")).unwrap();
        assert_eq!(u[0].path, b"/tmp/rpsutil fixture sock");
        assert_eq!(u[0].kind, 1);
        assert_eq!(u[0].inode, 6552);
        assert!(u[1].path.is_empty());
        assert_eq!(u[3].path, b"@rpsutil-abstract");
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn ipv4_mapped_v6() {
        let s = parse_inet_line(b"0: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 99 1").unwrap();
        assert_eq!(s.local.0.to_string(), "::ffff:127.0.0.1");
        assert_eq!(s.uid, 1000);
    }

    #[test]
    fn malformed() {
        assert!(parse_inet_line(b"0: 0100007F:0050").is_err());
        assert!(parse_inet_line(b"0: 0100007:0050 00000000:0000 0A 0:0 0:0 0 0 0 1").is_err());
        assert!(parse_inet_line(b"0: 0100007F:10000 00000000:0000 0A 0:0 0:0 0 0 0 1").is_err());
        assert!(parse_unix_line(b"0000: 00000002 0 0").is_err());
        assert!(parse_unix_line(b"0000: 00000002 0 0 zz 01 5").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_inet_table(&data);
            let _ = parse_unix_table(&data);
            let _ = parse_inet_line(&data);
            let _ = parse_unix_line(&data);
        }
    }
}
