//! `/proc/PID/io` (`man 5 proc`, "/proc/pid/io"): I/O accounting, `name: value` lines.

use crate::util::{parse_u64, trim};
use crate::{ParseError, Result};

/// The counters of `/proc/PID/io`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcIo {
    /// `rchar`: bytes passed to read-like syscalls (including page-cache hits).
    pub rchar: u64,
    /// `wchar`: bytes passed to write-like syscalls.
    pub wchar: u64,
    /// `syscr`: number of read-like syscalls.
    pub syscr: u64,
    /// `syscw`: number of write-like syscalls.
    pub syscw: u64,
    /// `read_bytes`: bytes really fetched from storage.
    pub read_bytes: u64,
    /// `write_bytes`: bytes sent to storage.
    pub write_bytes: u64,
    /// `cancelled_write_bytes`: bytes whose write-back was cancelled (truncate).
    pub cancelled_write_bytes: u64,
}

/// Parses `/proc/PID/io`. Lines that do not split on `": "` are skipped, as psutil
/// does; an empty file or a missing counter is an error (psutil raises too).
pub fn parse_io(data: &[u8]) -> Result<ProcIo> {
    let mut seen = 0u8;
    let mut io = ProcIo::default();
    for line in data.split(|&b| b == b'\n') {
        let Some(pos) = line.windows(2).position(|w| w == b": ") else {
            continue;
        };
        let (key, value) = (&line[..pos], trim(&line[pos + 2..]));
        let (bit, slot) = match key {
            b"rchar" => (0, &mut io.rchar),
            b"wchar" => (1, &mut io.wchar),
            b"syscr" => (2, &mut io.syscr),
            b"syscw" => (3, &mut io.syscw),
            b"read_bytes" => (4, &mut io.read_bytes),
            b"write_bytes" => (5, &mut io.write_bytes),
            b"cancelled_write_bytes" => (6, &mut io.cancelled_write_bytes),
            _ => continue,
        };
        *slot = parse_u64(value, "io")?;
        seen |= 1 << bit;
    }
    if seen & 0x3f != 0x3f {
        return Err(ParseError::new(
            "io: a counter among rchar, wchar, syscr, syscw, read_bytes, write_bytes is missing",
        ));
    }
    Ok(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_file() {
        let data = include_bytes!("../../fixtures/linux/vm-6.18/proc-python-io");
        let io = parse_io(data).unwrap();
        let text = String::from_utf8_lossy(data);
        let rchar: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("rchar: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(io.rchar, rchar);
        assert!(io.syscr > 0);
    }

    #[test]
    fn malformed() {
        assert!(parse_io(b"").is_err());
        assert!(parse_io(b"rchar: 1\nwchar: 2\n").is_err());
        assert!(parse_io(b"rchar: x\n").is_err());
        let ok =
            parse_io(b"rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\n")
                .unwrap();
        assert_eq!(ok.write_bytes, 6);
        assert_eq!(ok.cancelled_write_bytes, 0);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_io(&data);
        }
    }
}
