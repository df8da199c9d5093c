//! `/proc/PID/fdinfo/FD` (`man 5 proc`, "/proc/pid/fdinfo/"): `pos:` and `flags:` of an
//! open file description.

use crate::util::{parse_u64, trim};
use crate::{ParseError, Result};

/// Position and open flags of one file descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdInfo {
    /// `pos:` the file offset, decimal.
    pub pos: u64,
    /// `flags:` the `open(2)` flags, printed in octal (includes `O_CLOEXEC`,
    /// `O_LARGEFILE`).
    pub flags: u32,
}

/// Parses `/proc/PID/fdinfo/FD`.
///
/// Errors: a missing `pos:` or `flags:` line, or a value that is not a number in the
/// documented base.
pub fn parse_fdinfo(data: &[u8]) -> Result<FdInfo> {
    let mut pos = None;
    let mut flags = None;
    for line in data.split(|&b| b == b'\n') {
        if let Some(v) = line.strip_prefix(b"pos:") {
            pos = Some(parse_u64(trim(v), "fdinfo pos")?);
        } else if let Some(v) = line.strip_prefix(b"flags:") {
            let v = trim(v);
            if v.is_empty() || v.len() > 11 || !v.iter().all(|b| (b'0'..=b'7').contains(b)) {
                return Err(ParseError::new("fdinfo flags: not an octal number"));
            }
            let n = v
                .iter()
                .fold(0u64, |acc, b| (acc << 3) | u64::from(b - b'0'));
            flags =
                Some(u32::try_from(n).map_err(|_| ParseError::new("fdinfo flags: out of range"))?);
        }
        if pos.is_some() && flags.is_some() {
            break;
        }
    }
    match (pos, flags) {
        (Some(pos), Some(flags)) => Ok(FdInfo { pos, flags }),
        _ => Err(ParseError::new("fdinfo: missing pos or flags")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_files() {
        let w = parse_fdinfo(include_bytes!(
            "../../fixtures/linux/vm-6.18/proc-python-fdinfo-write"
        ))
        .unwrap();
        assert_eq!(
            w,
            FdInfo {
                pos: 0,
                flags: 0o2100001
            }
        );
        let a = parse_fdinfo(include_bytes!(
            "../../fixtures/linux/vm-6.18/proc-python-fdinfo-append"
        ))
        .unwrap();
        assert_eq!(a.flags, 0o2102001);
    }

    #[test]
    fn malformed() {
        assert!(parse_fdinfo(b"pos:\t1\n").is_err());
        assert!(parse_fdinfo(b"pos:\t1\nflags:\t09\n").is_err());
        assert!(parse_fdinfo(b"pos:\tx\nflags:\t0\n").is_err());
        assert!(parse_fdinfo(b"pos:\t5\nflags:\t77777777777\n").is_err());
        assert_eq!(
            parse_fdinfo(b"pos:\t5\nflags:\t0100002\n").unwrap(),
            FdInfo {
                pos: 5,
                flags: 0o100002
            }
        );
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..120)) {
            let _ = parse_fdinfo(&data);
        }
    }
}
