//! Small helpers shared by the Windows backend: UTF-16 strings, FILETIME/100-ns
//! tick conversion, NT buffers that grow, and unaligned reads.

use std::ffi::OsStr;
use std::os::windows::ffi::OsStrExt;

use windows_sys::Wdk::System::SystemInformation::{
    NtQuerySystemInformation, SYSTEM_INFORMATION_CLASS,
};
use windows_sys::Win32::Foundation::{
    FILETIME, HANDLE, STATUS_INFO_LENGTH_MISMATCH, STATUS_SUCCESS,
};
use windows_sys::Win32::System::Memory::{VirtualQueryEx, MEMORY_BASIC_INFORMATION};
use windows_sys::Win32::System::SystemInformation::{GetSystemInfo, SYSTEM_INFO};

use super::errors::nt_error;
use crate::Result;

/// `s` as a NUL-terminated UTF-16 string for a `W` call.
pub(crate) fn wide(s: &OsStr) -> Vec<u16> {
    s.encode_wide().chain(std::iter::once(0)).collect()
}

/// The UTF-16 text of `buf` up to its first NUL (or its end), lossily decoded.
pub(crate) fn from_wide(buf: &[u16]) -> String {
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf16_lossy(&buf[..end])
}

/// Reads a NUL-terminated UTF-16 string the OS handed us by pointer, at most
/// `max` units; empty for a null pointer.
///
/// # Safety
/// `p` is null or points to readable UTF-16 that is NUL-terminated or at least
/// `max` units long.
pub(crate) unsafe fn from_wide_ptr(p: *const u16, max: usize) -> String {
    if p.is_null() {
        return String::new();
    }
    let mut v = Vec::new();
    while v.len() < max {
        // SAFETY: the caller guarantees the units up to the NUL (or `max`) are readable;
        // read_unaligned because the OS does not promise alignment inside its buffers.
        let c = unsafe { p.add(v.len()).read_unaligned() };
        if c == 0 {
            break;
        }
        v.push(c);
    }
    String::from_utf16_lossy(&v)
}

/// The memory regions of the process behind `h` (`VirtualQueryEx` from address 0 up
/// to the highest application address), each region once, in address order.
pub(crate) fn regions(h: HANDLE) -> impl Iterator<Item = MEMORY_BASIC_INFORMATION> {
    // SAFETY: GetSystemInfo fills the struct it is given; zero is a valid start.
    let max = unsafe {
        let mut si: SYSTEM_INFO = std::mem::zeroed();
        GetSystemInfo(&mut si);
        si.lpMaximumApplicationAddress as usize
    };
    let mut addr = 0usize;
    std::iter::from_fn(move || {
        if addr > max {
            return None;
        }
        // SAFETY: every field is an integer or a raw pointer: zero is valid.
        let mut mbi: MEMORY_BASIC_INFORMATION = unsafe { std::mem::zeroed() };
        // SAFETY: mbi is writable for its size; VirtualQueryEx validates `addr` and
        // reads no memory there, it only describes the region holding it.
        let n = unsafe {
            VirtualQueryEx(
                h,
                addr as *const std::ffi::c_void,
                &mut mbi,
                std::mem::size_of::<MEMORY_BASIC_INFORMATION>(),
            )
        };
        if n == 0 || mbi.RegionSize == 0 {
            return None;
        }
        let next = (mbi.BaseAddress as usize).checked_add(mbi.RegionSize)?;
        if next <= addr {
            return None;
        }
        addr = next;
        Some(mbi)
    })
}

/// 100-ns ticks as seconds (psutil: `high * 429.4967296 + low * 1e-7`).
pub(crate) fn ticks_to_secs(ticks: i64) -> f64 {
    ticks as f64 / 1e7
}

/// A FILETIME holding a duration, as seconds.
pub(crate) fn filetime_secs(ft: &FILETIME) -> f64 {
    ticks_to_secs(((u64::from(ft.dwHighDateTime) << 32) | u64::from(ft.dwLowDateTime)) as i64)
}

/// Reads a `T` at byte `offset` of `buf`, None if it does not fit. The NT
/// buffers are not aligned as their structs would need (Wine: `SystemProcess
/// Information` entries at odd offsets), so every record is copied out unaligned.
pub(crate) fn read_at<T: Copy>(buf: &[u8], offset: usize) -> Option<T> {
    let end = offset.checked_add(std::mem::size_of::<T>())?;
    if end > buf.len() {
        return None;
    }
    // SAFETY: bytes offset..end are inside `buf` (checked above) and `T: Copy` is a
    // plain-data record the OS filled; read_unaligned has no alignment requirement.
    Some(unsafe { buf.as_ptr().add(offset).cast::<T>().read_unaligned() })
}

/// `NtQuerySystemInformation(class)` into a buffer that starts at `initial` bytes
/// and grows on `STATUS_INFO_LENGTH_MISMATCH` (to the size the kernel asks for,
/// or double). Returns the bytes the call filled.
pub(crate) fn query_system_information(
    class: SYSTEM_INFORMATION_CLASS,
    initial: usize,
    what: &str,
) -> Result<Vec<u8>> {
    let mut size = initial.max(16);
    for _ in 0..16 {
        let mut buf = vec![0u8; size];
        let mut needed = 0u32;
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: buf is writable for `len` bytes and `needed` is a valid out pointer.
        let status =
            unsafe { NtQuerySystemInformation(class, buf.as_mut_ptr().cast(), len, &mut needed) };
        if status == STATUS_SUCCESS {
            let filled = (needed as usize).min(buf.len());
            // Some classes report 0 as the length: keep the whole buffer then.
            if filled > 0 {
                buf.truncate(filled);
            }
            return Ok(buf);
        }
        if status != STATUS_INFO_LENGTH_MISMATCH {
            return Err(nt_error(
                status,
                format!("NtQuerySystemInformation({what})"),
            ));
        }
        size = (needed as usize).max(size.saturating_mul(2));
    }
    Err(nt_error(
        STATUS_INFO_LENGTH_MISMATCH,
        format!("NtQuerySystemInformation({what}): the buffer kept growing"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_round_trip_and_unaligned_reads() {
        let w = wide(OsStr::new("Z:\\é"));
        assert_eq!(w.last(), Some(&0));
        assert_eq!(from_wide(&w), "Z:\\é");
        // SAFETY: w is NUL-terminated.
        assert_eq!(unsafe { from_wide_ptr(w.as_ptr(), 2) }, "Z:");
        // SAFETY: a null pointer is allowed and gives "".
        assert_eq!(unsafe { from_wide_ptr(std::ptr::null(), 9) }, "");
        let bytes = [0u8, 1, 0, 0, 0, 2, 0, 0, 0];
        assert_eq!(read_at::<u32>(&bytes, 1), Some(1));
        assert_eq!(read_at::<u32>(&bytes, 5), Some(2));
        assert_eq!(read_at::<u32>(&bytes, 6), None);
        assert_eq!(read_at::<u32>(&bytes, usize::MAX), None);
        let ft = FILETIME {
            dwLowDateTime: 10_000_000,
            dwHighDateTime: 1,
        };
        assert!((filetime_secs(&ft) - (429.4967296 + 1.0)).abs() < 1e-9);
    }
}
