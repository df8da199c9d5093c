//! The raw calls of the macOS backend: `sysctl(3)` buffers, `libproc`
//! (`proc_pidinfo(2)`, `proc_pidfdinfo`), and the few `sys/proc_info.h` constants
//! the `libc` crate lacks. Every other file of the backend calls these instead of
//! `libc` for sysctl and libproc, so the buffer rules live here once.
//!
//! psutil's sysctl helpers (`arch/posix/sysctl.c`) insist on an exact size; for
//! variable-length nodes (the process table, `KERN_PROCARGS2`, `NET_RT_IFLIST2`)
//! that turned races into errors (psutil #2791), so here a shorter answer is
//! accepted and the buffer is truncated to what the kernel wrote.

use std::ffi::CString;
use std::io;

use crate::Error;

// bsd/sys/proc_info.h (XNU): the proc_pidfdinfo flavors and proc_pidinfo flavors
// the libc crate does not declare.
/// `PROC_PIDFDVNODEPATHINFO`: `struct vnode_fdinfowithpath`.
pub(crate) const PROC_PIDFDVNODEPATHINFO: libc::c_int = 2;
/// `PROC_PIDFDSOCKETINFO`: `struct socket_fdinfo`.
pub(crate) const PROC_PIDFDSOCKETINFO: libc::c_int = 3;
/// `PROC_PIDLISTTHREADS`: the task's thread handles, one `uint64_t` each.
pub(crate) const PROC_PIDLISTTHREADS: libc::c_int = 6;

/// The errno of the last failed call.
pub(crate) fn last_errno() -> io::Error {
    io::Error::last_os_error()
}

/// `sysctl(mib)` into a buffer of `size` bytes; returns the bytes written
/// (possibly fewer). ENOMEM when the value grew past `size`.
fn sysctl_once(mib: &mut [libc::c_int], size: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; size];
    let mut len = size;
    // SAFETY: mib is a valid array of mib.len() ints; buf is writable for len bytes
    // and len is passed by pointer for the kernel to update; no new value is set.
    let rc = unsafe {
        libc::sysctl(
            mib.as_mut_ptr(),
            mib.len() as libc::c_uint,
            buf.as_mut_ptr().cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    if rc != 0 {
        return Err(last_errno());
    }
    buf.truncate(len.min(size));
    Ok(buf)
}

/// The size `sysctl(mib)` announces for its value (a NULL-buffer probe).
fn sysctl_size(mib: &mut [libc::c_int]) -> io::Result<usize> {
    let mut len: libc::size_t = 0;
    // SAFETY: a NULL old pointer asks only for the size, written to len.
    let rc = unsafe {
        libc::sysctl(
            mib.as_mut_ptr(),
            mib.len() as libc::c_uint,
            std::ptr::null_mut(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    if rc != 0 {
        return Err(last_errno());
    }
    Ok(len)
}

/// A variable-length sysctl value: probe the size, allocate with room to grow,
/// retry on ENOMEM (psutil's `psutil_sysctl_malloc`, 10 attempts).
pub(crate) fn sysctl_vec(mib: &[libc::c_int]) -> io::Result<Vec<u8>> {
    let mut mib = mib.to_vec();
    let mut last = io::Error::from_raw_os_error(libc::ENOMEM);
    for _ in 0..10 {
        let size = sysctl_size(&mut mib)?;
        // Room for what appears between the probe and the read.
        let size = size.saturating_add(size / 8).saturating_add(4096);
        match sysctl_once(&mut mib, size) {
            Ok(buf) => return Ok(buf),
            Err(e) if e.raw_os_error() == Some(libc::ENOMEM) => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// A sysctl value into a buffer of `size` bytes (fixed-size nodes and
/// `KERN_PROCARGS2`, whose size is `KERN_ARGMAX`).
pub(crate) fn sysctl_buf(mib: &[libc::c_int], size: usize) -> io::Result<Vec<u8>> {
    let mut mib = mib.to_vec();
    sysctl_once(&mut mib, size)
}

/// A fixed-size sysctl value of type `T` (plain old data); an error unless the
/// kernel wrote exactly `size_of::<T>()` bytes.
pub(crate) fn sysctl_value<T: Copy>(mib: &[libc::c_int]) -> io::Result<T> {
    let buf = sysctl_buf(mib, std::mem::size_of::<T>())?;
    if buf.len() != std::mem::size_of::<T>() {
        return Err(io::Error::other(format!(
            "sysctl {mib:?}: {} bytes, expected {}",
            buf.len(),
            std::mem::size_of::<T>()
        )));
    }
    // SAFETY: buf holds exactly size_of::<T>() bytes and T is plain old data (only
    // integer types and structs of them are used with this function);
    // read_unaligned needs no alignment.
    Ok(unsafe { std::ptr::read_unaligned(buf.as_ptr().cast::<T>()) })
}

/// `sysctlbyname(name)` as an integer of the size the kernel answers with (4 or
/// 8 bytes; `hw.logicalcpu` is an int, `hw.memsize` a uint64).
pub(crate) fn sysctlbyname_int(name: &str) -> io::Result<i64> {
    let cname = CString::new(name).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let mut buf = [0u8; 8];
    let mut len: libc::size_t = buf.len();
    // SAFETY: cname is NUL-terminated; buf is writable for len bytes; no new value.
    let rc = unsafe {
        libc::sysctlbyname(
            cname.as_ptr(),
            buf.as_mut_ptr().cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    if rc != 0 {
        return Err(last_errno());
    }
    match len {
        4 => Ok(i64::from(i32::from_ne_bytes([
            buf[0], buf[1], buf[2], buf[3],
        ]))),
        8 => Ok(i64::from_ne_bytes(buf)),
        n => Err(io::Error::other(format!("sysctl {name}: {n} bytes"))),
    }
}

/// `proc_pidinfo(pid, flavor, arg, buf)` into `buf`; the byte count the kernel
/// wrote. 0 or less is an error with the errno (0 when the kernel set none, which
/// the callers resolve with `raise_for_pid`).
pub(crate) fn proc_pidinfo(
    pid: libc::pid_t,
    flavor: libc::c_int,
    arg: u64,
    buf: &mut [u8],
) -> io::Result<usize> {
    let size = libc::c_int::try_from(buf.len()).unwrap_or(libc::c_int::MAX);
    clear_errno();
    // SAFETY: buf is writable for `size` bytes; the kernel writes at most that.
    let n = unsafe { libc::proc_pidinfo(pid, flavor, arg, buf.as_mut_ptr().cast(), size) };
    if n <= 0 {
        return Err(last_errno());
    }
    Ok(usize::try_from(n).unwrap_or(0).min(buf.len()))
}

/// `proc_pidinfo` into a value of type `T` (a libc struct); an error (errno 0)
/// when the kernel wrote fewer bytes than `T` has (psutil: "ret < sizeof").
pub(crate) fn proc_pidinfo_value<T: Copy>(
    pid: libc::pid_t,
    flavor: libc::c_int,
    arg: u64,
) -> io::Result<T> {
    let mut buf = vec![0u8; std::mem::size_of::<T>()];
    let n = proc_pidinfo(pid, flavor, arg, &mut buf)?;
    if n < buf.len() {
        return Err(io::Error::from_raw_os_error(0));
    }
    // SAFETY: buf holds size_of::<T>() initialised bytes and T is a plain-old-data
    // libc struct; read_unaligned needs no alignment.
    Ok(unsafe { std::ptr::read_unaligned(buf.as_ptr().cast::<T>()) })
}

/// `proc_pidfdinfo(pid, fd, flavor, buf)`: the byte count written.
pub(crate) fn proc_pidfdinfo(
    pid: libc::pid_t,
    fd: i32,
    flavor: libc::c_int,
    buf: &mut [u8],
) -> io::Result<usize> {
    let size = libc::c_int::try_from(buf.len()).unwrap_or(libc::c_int::MAX);
    clear_errno();
    // SAFETY: buf is writable for `size` bytes; the kernel writes at most that.
    let n = unsafe { libc::proc_pidfdinfo(pid, fd, flavor, buf.as_mut_ptr().cast(), size) };
    if n <= 0 {
        return Err(last_errno());
    }
    Ok(usize::try_from(n).unwrap_or(0).min(buf.len()))
}

/// Sets errno to 0 so that a failure without errno is told apart.
fn clear_errno() {
    // SAFETY: __error() returns this thread's errno location, always valid.
    unsafe { *libc::__error() = 0 };
}

/// An OS error of a system-wide call.
pub(crate) fn os(err: io::Error, what: &str) -> Error {
    Error::os(err, what)
}

/// A Mach call's failure (`kern_return_t`), psutil's RuntimeError.
pub(crate) fn mach_error(kr: libc::kern_return_t, what: &str) -> Error {
    Error::os(
        io::Error::other(format!("{what} failed (kern_return_t {kr})")),
        what,
    )
}

/// The bytes of a C `char` array up to its NUL.
pub(crate) fn c_chars(chars: &[libc::c_char]) -> Vec<u8> {
    chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect()
}
