//! `/proc/net/dev` (`man 5 proc`, "/proc/net/dev"; `net/core/net-procfs.c::dev_seq_printf_stats`):
//! per network interface counters of the reading process's network namespace.
//!
//! Two header lines, then one line per interface, printed as
//! `"%6s: %7llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu %8llu %7llu %4llu %4llu %4llu %5llu %7llu %10llu\n"`:
//! the name right-aligned in at least six columns, a colon, then 16 counters —
//! receive `bytes packets errs drop fifo frame compressed multicast`, transmit
//! `bytes packets errs drop fifo colls carrier compressed`.
//!
//! The kernel refuses interface names containing `:`, `/` or whitespace
//! (`net/core/dev.c::dev_valid_name`), so the first and the last colon of a line
//! are the same one; this parser, like psutil, splits at the **last** colon and
//! strips the name (IPv4 label aliases such as `eth0:1` are not interfaces and
//! never appear here).

use crate::util::{fields, parse_u64, trim};
use crate::{ParseError, Result};

/// The counters of one interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetDevCounters {
    /// Received bytes (psutil `bytes_recv`).
    pub rx_bytes: u64,
    /// Received packets (psutil `packets_recv`).
    pub rx_packets: u64,
    /// Receive errors (psutil `errin`).
    pub rx_errs: u64,
    /// Received packets dropped (psutil `dropin`).
    pub rx_drop: u64,
    /// Receive FIFO overruns.
    pub rx_fifo: u64,
    /// Receive framing errors.
    pub rx_frame: u64,
    /// Compressed packets received.
    pub rx_compressed: u64,
    /// Multicast packets received.
    pub rx_multicast: u64,
    /// Sent bytes (psutil `bytes_sent`).
    pub tx_bytes: u64,
    /// Sent packets (psutil `packets_sent`).
    pub tx_packets: u64,
    /// Transmit errors (psutil `errout`).
    pub tx_errs: u64,
    /// Outgoing packets dropped (psutil `dropout`).
    pub tx_drop: u64,
    /// Transmit FIFO errors.
    pub tx_fifo: u64,
    /// Collisions.
    pub tx_colls: u64,
    /// Carrier losses.
    pub tx_carrier: u64,
    /// Compressed packets sent.
    pub tx_compressed: u64,
}

impl NetDevCounters {
    /// psutil's `snetio` order: `(bytes_sent, bytes_recv, packets_sent,
    /// packets_recv, errin, errout, dropin, dropout)`.
    pub fn snetio(&self) -> [u64; 8] {
        [
            self.tx_bytes,
            self.rx_bytes,
            self.tx_packets,
            self.rx_packets,
            self.rx_errs,
            self.tx_errs,
            self.rx_drop,
            self.tx_drop,
        ]
    }
}

/// One interface line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetDev {
    /// The interface name (raw bytes: the kernel allows any bytes other than
    /// `:`, `/` and whitespace).
    pub name: Vec<u8>,
    /// The counters.
    pub counters: NetDevCounters,
}

/// Parses one interface line.
///
/// Errors: no colon, an empty name, other than exactly 16 counters (psutil
/// unpacks exactly 16), or a counter that is not a number.
pub fn parse_net_dev_line(line: &[u8]) -> Result<NetDev> {
    let colon = line
        .iter()
        .rposition(|&b| b == b':')
        .ok_or_else(|| ParseError::new("net/dev: line without ':'"))?;
    let name = trim(line.get(..colon).unwrap_or_default());
    if name.is_empty() {
        return Err(ParseError::new("net/dev: empty interface name"));
    }
    let mut v = [0u64; 16];
    let mut count = 0;
    for field in fields(line.get(colon + 1..).unwrap_or_default()) {
        let slot = v
            .get_mut(count)
            .ok_or_else(|| ParseError::new("net/dev: more than 16 counters"))?;
        *slot = parse_u64(field, "net/dev counter")?;
        count += 1;
    }
    if count != 16 {
        return Err(ParseError::new(format!(
            "net/dev: {count} counters, expected 16"
        )));
    }
    Ok(NetDev {
        name: name.to_vec(),
        counters: NetDevCounters {
            rx_bytes: v[0],
            rx_packets: v[1],
            rx_errs: v[2],
            rx_drop: v[3],
            rx_fifo: v[4],
            rx_frame: v[5],
            rx_compressed: v[6],
            rx_multicast: v[7],
            tx_bytes: v[8],
            tx_packets: v[9],
            tx_errs: v[10],
            tx_drop: v[11],
            tx_fifo: v[12],
            tx_colls: v[13],
            tx_carrier: v[14],
            tx_compressed: v[15],
        },
    })
}

/// Parses the whole of `/proc/net/dev`: the two header lines are skipped (psutil:
/// `lines[2:]`), as are blank lines.
pub fn parse_net_dev(data: &[u8]) -> Result<Vec<NetDev>> {
    data.split(|&b| b == b'\n')
        .skip(2)
        .filter(|l| fields(l).next().is_some())
        .map(parse_net_dev_line)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REAL: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-net-dev");

    #[test]
    fn real_file() {
        let text = String::from_utf8_lossy(REAL);
        let devs = parse_net_dev(REAL).unwrap();
        let lines: Vec<&str> = text.lines().skip(2).collect();
        assert_eq!(devs.len(), lines.len());
        for (d, l) in devs.iter().zip(&lines) {
            let (name, rest) = l.split_once(':').unwrap();
            assert_eq!(d.name, name.trim().as_bytes());
            let n: Vec<u64> = rest
                .split_whitespace()
                .map(|x| x.parse().unwrap())
                .collect();
            assert_eq!(
                d.counters.snetio(),
                [n[8], n[0], n[9], n[1], n[2], n[10], n[3], n[11]]
            );
            assert_eq!(d.counters.tx_colls, n[13]);
            assert_eq!(d.counters.rx_multicast, n[7]);
        }
        assert!(devs.iter().any(|d| d.name == b"lo"));
    }

    #[test]
    fn long_names_and_wide_numbers() {
        // A 15-byte name fills more than the %6s width; big counters widen columns.
        let line = b"verylongname123: 18446744073709551615 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15";
        let d = parse_net_dev_line(line).unwrap();
        assert_eq!(d.name, b"verylongname123");
        assert_eq!(d.counters.rx_bytes, u64::MAX);
        assert_eq!(d.counters.tx_compressed, 15);
        // No space after the colon still parses.
        let d = parse_net_dev_line(b"eth0:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16").unwrap();
        assert_eq!(d.name, b"eth0");
        assert_eq!(d.counters.rx_bytes, 1);
    }

    #[test]
    fn malformed() {
        assert!(parse_net_dev_line(b"eth0 1 2 3").is_err());
        assert!(parse_net_dev_line(b"  : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16").is_err());
        assert!(parse_net_dev_line(b"eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15").is_err());
        assert!(parse_net_dev_line(b"eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17").is_err());
        assert!(parse_net_dev_line(b"eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x").is_err());
        // A colon inside the counters (impossible from the kernel) is not a name.
        assert!(parse_net_dev_line(b"eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 1:6").is_err());
        assert_eq!(parse_net_dev(b"h1\nh2\n").unwrap(), vec![]);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_net_dev(&data);
            let _ = parse_net_dev_line(&data);
        }

        #[test]
        fn formatted_lines_round_trip(
            name in "[a-zA-Z0-9_.@-]{1,15}",
            v in proptest::collection::vec(any::<u64>(), 16),
        ) {
            let mut line = format!("{name:>6}:");
            for x in &v {
                line.push_str(&format!(" {x:7}"));
            }
            let d = parse_net_dev_line(line.as_bytes()).unwrap();
            prop_assert_eq!(d.name, name.as_bytes());
            prop_assert_eq!(d.counters.rx_bytes, v[0]);
            prop_assert_eq!(d.counters.tx_compressed, v[15]);
        }
    }
}
