//! Parsers for what macOS hands out through `sysctl(3)` and `libproc`: the raw bytes
//! of kernel structures (`struct kinfo_proc`, `struct socket_fdinfo`,
//! `struct vnode_fdinfowithpath`), the `KERN_PROCARGS2` argument area and the
//! `NET_RT_IFLIST2` routing-socket dump, plus psutil's pure rules on them
//! (process status, mount options, media speed, Mach time units).
//!
//! Every macOS that psutil supports runs on little-endian CPUs (x86_64, arm64) with
//! the LP64 model, so the decoders read little-endian integers at the LP64 offsets,
//! each cited from the XNU header it was computed from. The backend
//! (`rpsutil::sys::macos`) cross-checks the sizes and offsets that `libc` also
//! declares with compile-time assertions.

pub mod iflist;
pub mod iokit;
pub mod kinfo;
pub mod media;
pub mod mount;
pub mod procargs;
pub mod sockinfo;
pub mod time;
pub mod uss;
pub mod vnode;

use crate::{ParseError, Result};

/// `N` bytes at `off`, or an error naming `what`.
fn bytes_at<const N: usize>(data: &[u8], off: usize, what: &str) -> Result<[u8; N]> {
    data.get(off..off.saturating_add(N))
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .ok_or_else(|| {
            ParseError::new(format!(
                "{what}: need {N} bytes at offset {off}, have {}",
                data.len()
            ))
        })
}

/// Little-endian `u16` at `off`.
fn u16_at(data: &[u8], off: usize, what: &str) -> Result<u16> {
    bytes_at::<2>(data, off, what).map(u16::from_le_bytes)
}

/// Little-endian `i32` at `off`.
fn i32_at(data: &[u8], off: usize, what: &str) -> Result<i32> {
    bytes_at::<4>(data, off, what).map(i32::from_le_bytes)
}

/// Little-endian `u32` at `off`.
fn u32_at(data: &[u8], off: usize, what: &str) -> Result<u32> {
    bytes_at::<4>(data, off, what).map(u32::from_le_bytes)
}

/// Little-endian `i64` at `off`.
fn i64_at(data: &[u8], off: usize, what: &str) -> Result<i64> {
    bytes_at::<8>(data, off, what).map(i64::from_le_bytes)
}

/// Little-endian `u64` at `off`.
fn u64_at(data: &[u8], off: usize, what: &str) -> Result<u64> {
    bytes_at::<8>(data, off, what).map(u64::from_le_bytes)
}

/// The bytes of a fixed-size C string field (`len` bytes at `off`) up to its first
/// NUL (or the whole field when it has none).
fn cstr_field(data: &[u8], off: usize, len: usize, what: &str) -> Result<Vec<u8>> {
    let field = data.get(off..off.saturating_add(len)).ok_or_else(|| {
        ParseError::new(format!(
            "{what}: need {len} bytes at offset {off}, have {}",
            data.len()
        ))
    })?;
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    Ok(field[..end].to_vec())
}
