//! Parsers for what Solaris and illumos hand out (psutil's SunOS backend): the binary
//! `/proc/PID/*` structures of `proc(5)` ([`procfs`]), the data sections of kernel
//! statistics read through libkstat ([`kstat`]) and the `/etc/mnttab` table
//! ([`mnttab`]).
//!
//! The binary layouts are those of the 64-bit data model (`_LP64`, amd64) of
//! illumos' `<sys/procfs.h>` and `<sys/kstat.h>`; each structure's field offsets are
//! listed next to its decoder and checked by tests that build the bytes. Integers
//! are read in the byte order of the machine running the parser (the kernel writes
//! them in its own, and a reader only ever parses its own kernel's structures), so
//! the tests build their bytes with `to_ne_bytes`.

pub mod kstat;
pub mod mnttab;
pub mod procfs;

use crate::{ParseError, Result};

/// Bounds-checked reads of native-endian integers at fixed offsets of one structure.
#[derive(Clone, Copy)]
pub(crate) struct Record<'a> {
    data: &'a [u8],
    what: &'static str,
}

impl<'a> Record<'a> {
    /// A record named `what` (for error messages) that must be at least `min` bytes.
    pub(crate) fn new(data: &'a [u8], min: usize, what: &'static str) -> Result<Record<'a>> {
        if data.len() < min {
            return Err(ParseError::new(format!(
                "{what}: {} bytes, expected at least {min}",
                data.len()
            )));
        }
        Ok(Record { data, what })
    }

    fn bytes<const N: usize>(&self, off: usize) -> Result<[u8; N]> {
        self.data
            .get(off..off.saturating_add(N))
            .and_then(|s| <[u8; N]>::try_from(s).ok())
            .ok_or_else(|| {
                ParseError::new(format!("{}: field at offset {off} out of range", self.what))
            })
    }

    pub(crate) fn u8(&self, off: usize) -> Result<u8> {
        Ok(self.bytes::<1>(off)?[0])
    }

    pub(crate) fn i8(&self, off: usize) -> Result<i8> {
        Ok(i8::from_ne_bytes(self.bytes::<1>(off)?))
    }

    pub(crate) fn i32(&self, off: usize) -> Result<i32> {
        Ok(i32::from_ne_bytes(self.bytes::<4>(off)?))
    }

    pub(crate) fn u32(&self, off: usize) -> Result<u32> {
        Ok(u32::from_ne_bytes(self.bytes::<4>(off)?))
    }

    pub(crate) fn i64(&self, off: usize) -> Result<i64> {
        Ok(i64::from_ne_bytes(self.bytes::<8>(off)?))
    }

    pub(crate) fn u64(&self, off: usize) -> Result<u64> {
        Ok(u64::from_ne_bytes(self.bytes::<8>(off)?))
    }

    /// A `char[len]` field up to its first NUL (all `len` bytes without one).
    pub(crate) fn cstr(&self, off: usize, len: usize) -> Result<Vec<u8>> {
        let field = self.data.get(off..off.saturating_add(len)).ok_or_else(|| {
            ParseError::new(format!(
                "{}: string at offset {off} out of range",
                self.what
            ))
        })?;
        Ok(until_nul(field).to_vec())
    }
}

/// The bytes before the first NUL (all of them without one).
pub fn until_nul(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(n) => &bytes[..n],
        None => bytes,
    }
}

/// psutil's host of a utmpx login (`arch/posix/users.c`): the empty host and the X11
/// displays `:0` / `:0.0` are the local machine, `"localhost"`.
pub fn login_host(host: &[u8]) -> String {
    match host {
        b"" | b":0" | b":0.0" => "localhost".to_string(),
        other => String::from_utf8_lossy(other).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_reads_and_bounds() {
        let mut b = vec![0u8; 16];
        b[0..4].copy_from_slice(&(-5i32).to_ne_bytes());
        b[8..16].copy_from_slice(&u64::MAX.to_ne_bytes());
        let r = Record::new(&b, 16, "t").unwrap();
        assert_eq!(r.i32(0).unwrap(), -5);
        assert_eq!(r.u64(8).unwrap(), u64::MAX);
        assert!(r.u64(9).is_err());
        assert!(r.u8(usize::MAX).is_err());
        assert!(Record::new(&b, 17, "t").is_err());
    }

    #[test]
    fn hosts() {
        assert_eq!(login_host(b""), "localhost");
        assert_eq!(login_host(b":0"), "localhost");
        assert_eq!(login_host(b":0.0"), "localhost");
        assert_eq!(login_host(b"10.0.0.1"), "10.0.0.1");
        assert_eq!(until_nul(b"ab\0cd"), b"ab");
        assert_eq!(until_nul(b"abc"), b"abc");
    }
}
