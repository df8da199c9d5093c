//! Reading fields of C structs out of the bytes a `sysctl(3)` call filled.
//!
//! The BSD kernels hand out process, file and statistics records as arrays of C
//! structs whose layout depends on the OS, its version and the architecture. The
//! parsers here never assume a layout: the caller (the backend, built for the target)
//! describes each field it needs with a [`Field`] (its byte offset and width, taken
//! with `std::mem::offset_of!` from the `libc` crate's declaration or from a struct
//! the backend declares with size assertions), and the parsers read those bytes with
//! bounds checks. Tests build buffers with known values at layouts of their own.
//!
//! Integers are read in the machine's byte order (`from_ne_bytes`): the bytes come
//! from the kernel the program runs on.

use crate::{ParseError, Result};

/// Where one field of a C struct lies: byte offset from the start of the struct and
/// width in bytes (1, 2, 4 or 8 for integers; any width for byte arrays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Byte offset from the start of the record.
    pub off: usize,
    /// Width in bytes.
    pub size: usize,
}

impl Field {
    /// A field of `size` bytes at offset `off`.
    pub const fn new(off: usize, size: usize) -> Field {
        Field { off, size }
    }

    /// The same field `delta` bytes further (a member of an embedded struct).
    pub const fn shifted(self, delta: usize) -> Field {
        Field {
            off: self.off + delta,
            size: self.size,
        }
    }
}

/// The bytes of field `f` in `rec`; an error if the record is too short.
pub fn bytes(rec: &[u8], f: Field) -> Result<&[u8]> {
    f.off
        .checked_add(f.size)
        .and_then(|end| rec.get(f.off..end))
        .ok_or_else(|| {
            ParseError::new(format!(
                "record of {} bytes has no field at {}..+{}",
                rec.len(),
                f.off,
                f.size
            ))
        })
}

/// An unsigned integer field (1, 2, 4 or 8 bytes), zero-extended.
pub fn read_u(rec: &[u8], f: Field) -> Result<u64> {
    let b = bytes(rec, f)?;
    Ok(match b.len() {
        1 => u64::from(b[0]),
        2 => u64::from(u16::from_ne_bytes([b[0], b[1]])),
        4 => u64::from(u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
        8 => u64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        n => return Err(ParseError::new(format!("integer field of {n} bytes"))),
    })
}

/// A signed integer field (1, 2, 4 or 8 bytes), sign-extended.
pub fn read_i(rec: &[u8], f: Field) -> Result<i64> {
    let b = bytes(rec, f)?;
    Ok(match b.len() {
        1 => i64::from(b[0] as i8),
        2 => i64::from(i16::from_ne_bytes([b[0], b[1]])),
        4 => i64::from(i32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
        8 => i64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        n => return Err(ParseError::new(format!("integer field of {n} bytes"))),
    })
}

/// A signed count that cannot meaningfully be negative (sizes in pages, counters):
/// negative values read as 0.
pub fn read_count(rec: &[u8], f: Field) -> Result<u64> {
    Ok(read_i(rec, f)?.max(0) as u64)
}

/// A `char[N]` field up to its first NUL (the whole field when it has none).
pub fn read_cstr(rec: &[u8], f: Field) -> Result<&[u8]> {
    let b = bytes(rec, f)?;
    Ok(until_nul(b))
}

/// `b` up to its first NUL byte.
pub fn until_nul(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// Splits `buf` into records of exactly `size` bytes (an array of C structs). A
/// trailing partial record is an error: the kernel never writes one.
pub fn records(buf: &[u8], size: usize) -> Result<Vec<&[u8]>> {
    if size == 0 {
        return Err(ParseError::new("record size 0"));
    }
    if buf.len() % size != 0 {
        return Err(ParseError::new(format!(
            "{} bytes are not a whole number of {size}-byte records",
            buf.len()
        )));
    }
    Ok(buf.chunks_exact(size).collect())
}

/// Splits `buf` into records that each start with their own length (`kf_structsize`
/// of FreeBSD's `kinfo_file`, `kve_structsize` of `kinfo_vmentry`): the length is
/// read from field `len` of each record and must cover at least `min` bytes (the
/// fields the caller reads) and stay inside the buffer.
pub fn sized_records(buf: &[u8], len: Field, min: usize) -> Result<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = buf;
    while !rest.is_empty() {
        let n = read_i(rest, len)?;
        let n = usize::try_from(n)
            .map_err(|_| ParseError::new(format!("negative record length {n}")))?;
        if n == 0 || n < min || n < len.off + len.size {
            return Err(ParseError::new(format!(
                "record length {n} is shorter than the {min} bytes needed"
            )));
        }
        let rec = rest.get(..n).ok_or_else(|| {
            ParseError::new(format!(
                "record of {n} bytes overruns the buffer ({} left)",
                rest.len()
            ))
        })?;
        out.push(rec);
        rest = &rest[n..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_integers_of_each_width() {
        let mut rec = vec![0u8; 24];
        rec[0] = 0xfe;
        rec[2..4].copy_from_slice(&(-2i16).to_ne_bytes());
        rec[4..8].copy_from_slice(&0xdead_beefu32.to_ne_bytes());
        rec[8..16].copy_from_slice(&(-5i64).to_ne_bytes());
        assert_eq!(read_u(&rec, Field::new(0, 1)).unwrap(), 0xfe);
        assert_eq!(read_i(&rec, Field::new(0, 1)).unwrap(), -2);
        assert_eq!(read_i(&rec, Field::new(2, 2)).unwrap(), -2);
        assert_eq!(read_u(&rec, Field::new(4, 4)).unwrap(), 0xdead_beef);
        assert_eq!(read_i(&rec, Field::new(8, 8)).unwrap(), -5);
        assert_eq!(read_count(&rec, Field::new(8, 8)).unwrap(), 0);
        assert!(read_u(&rec, Field::new(20, 8)).is_err());
        assert!(read_u(&rec, Field::new(0, 3)).is_err());
        assert!(read_u(&rec, Field::new(usize::MAX, 8)).is_err());
    }

    #[test]
    fn cstr_stops_at_nul_or_field_end() {
        let rec = b"sh\0xxabcd";
        assert_eq!(read_cstr(rec, Field::new(0, 5)).unwrap(), b"sh");
        assert_eq!(read_cstr(rec, Field::new(5, 4)).unwrap(), b"abcd");
    }

    #[test]
    fn fixed_records() {
        let buf = [1u8, 2, 3, 4, 5, 6];
        assert_eq!(records(&buf, 3).unwrap(), vec![&buf[..3], &buf[3..]]);
        assert!(records(&buf, 4).is_err());
        assert!(records(&buf, 0).is_err());
        assert!(records(&[], 8).unwrap().is_empty());
    }

    #[test]
    fn self_sized_records() {
        // Two records: 8 bytes and 12 bytes, each starting with its i32 length.
        let mut buf = Vec::new();
        buf.extend_from_slice(&8i32.to_ne_bytes());
        buf.extend_from_slice(&[1, 1, 1, 1]);
        buf.extend_from_slice(&12i32.to_ne_bytes());
        buf.extend_from_slice(&[2; 8]);
        let recs = sized_records(&buf, Field::new(0, 4), 8).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].len(), 12);
        // Shorter than needed, zero, overrunning: errors, not loops or panics.
        assert!(sized_records(&buf, Field::new(0, 4), 10).is_err());
        assert!(sized_records(&[0, 0, 0, 0], Field::new(0, 4), 4).is_err());
        assert!(sized_records(&buf[..16], Field::new(0, 4), 8).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..256),
                        off in 0usize..300, size in 0usize..10, min in 0usize..64) {
            let f = Field::new(off, size);
            let _ = read_u(&buf, f);
            let _ = read_i(&buf, f);
            let _ = read_cstr(&buf, f);
            let _ = records(&buf, size);
            let _ = sized_records(&buf, Field::new(off % 8, 4), min);
        }
    }
}
