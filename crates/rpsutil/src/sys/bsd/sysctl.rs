//! `sysctl(3)` reads shared by the three BSD backends (psutil's
//! `arch/posix/sysctl.c`), with one difference from psutil: variable-length nodes
//! accept any length up to the buffer (psutil 7.2.2 demands an exact size, #2791).

#[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
use std::ffi::CString;
use std::io;

/// Reads the node `mib` whole: the size is probed with a NULL buffer, then the node
/// is read, growing the buffer and retrying while the kernel says ENOMEM (the node
/// grew in between), up to 10 times as psutil's `psutil_sysctl_malloc`.
pub(crate) fn read(mib: &[libc::c_int]) -> io::Result<Vec<u8>> {
    let mut size: libc::size_t = 0;
    // SAFETY: mib is a valid array of mib.len() ints; a NULL old buffer asks for the
    // size only, written to `size`.
    let rc = unsafe {
        libc::sysctl(
            mib.as_ptr(),
            mib.len() as libc::c_uint,
            std::ptr::null_mut(),
            &mut size,
            std::ptr::null_mut(),
            0,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    for _ in 0..10 {
        // Room for growth between the two calls.
        let mut buf = vec![0u8; size + size / 8 + 64];
        let mut len: libc::size_t = buf.len();
        // SAFETY: buf has `len` writable bytes; the kernel writes at most `len` and
        // stores the length written in `len`.
        let rc = unsafe {
            libc::sysctl(
                mib.as_ptr(),
                mib.len() as libc::c_uint,
                buf.as_mut_ptr().cast(),
                &mut len,
                std::ptr::null_mut(),
                0,
            )
        };
        if rc == 0 {
            buf.truncate(len);
            return Ok(buf);
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::ENOMEM) {
            return Err(err);
        }
        size = buf.len() * 2;
    }
    Err(io::Error::from_raw_os_error(libc::ENOMEM))
}

/// Reads at most `cap` bytes of node `mib` (for nodes whose size probe is not
/// meaningful, like OpenBSD's `KERN_PROC` with an element count in the mib).
pub(crate) fn read_cap(mib: &[libc::c_int], cap: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; cap];
    let mut len: libc::size_t = cap;
    // SAFETY: buf has `len` writable bytes, as passed.
    let rc = unsafe {
        libc::sysctl(
            mib.as_ptr(),
            mib.len() as libc::c_uint,
            buf.as_mut_ptr().cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate(len);
    Ok(buf)
}

/// Reads a fixed-size value (an `int`, a `struct timeval`, a `struct uvmexp`...).
/// The kernel must return exactly `size_of::<T>()` bytes (psutil's exact-size
/// rule, right for fixed-size nodes): any other length is an `io::Error` naming
/// both sizes.
pub(crate) fn value<T: Copy>(mib: &[libc::c_int]) -> io::Result<T> {
    let buf = read_cap(mib, std::mem::size_of::<T>())?;
    from_bytes(&buf)
}

/// A `T` out of exactly `size_of::<T>()` bytes.
pub(crate) fn from_bytes<T: Copy>(buf: &[u8]) -> io::Result<T> {
    if buf.len() != std::mem::size_of::<T>() {
        return Err(io::Error::other(format!(
            "sysctl returned {} bytes, expected {}",
            buf.len(),
            std::mem::size_of::<T>()
        )));
    }
    // SAFETY: buf holds exactly size_of::<T>() bytes; T is a plain C value (Copy,
    // every bit pattern valid for the integer/struct types this is used with);
    // read_unaligned copes with the Vec's alignment.
    Ok(unsafe { std::ptr::read_unaligned(buf.as_ptr().cast::<T>()) })
}

#[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
fn cname(name: &str) -> io::Result<CString> {
    CString::new(name).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// Reads the node `name` (e.g. `"kern.cp_times"`) whole, as [`read`].
#[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
pub(crate) fn read_by_name(name: &str) -> io::Result<Vec<u8>> {
    read(&mib_of(name)?)
}

/// A fixed-size value by name, as [`value`].
#[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
pub(crate) fn value_by_name<T: Copy>(name: &str) -> io::Result<T> {
    value(&mib_of(name)?)
}

/// Sets a value by name (`newp`), reading nothing back.
#[cfg(target_os = "freebsd")]
pub(crate) fn set(mib: &[libc::c_int], new: &[u8]) -> io::Result<()> {
    // SAFETY: mib is valid for its length; no old value is asked for; `new` is a
    // readable buffer of new.len() bytes the kernel only reads.
    let rc = unsafe {
        libc::sysctl(
            mib.as_ptr(),
            mib.len() as libc::c_uint,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            new.as_ptr().cast(),
            new.len(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The mib of a node name (`sysctlnametomib(3)`).
#[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
pub(crate) fn mib_of(name: &str) -> io::Result<Vec<libc::c_int>> {
    let c = cname(name)?;
    let mut mib = vec![0 as libc::c_int; 24];
    let mut len: libc::size_t = mib.len();
    // SAFETY: c is NUL-terminated; mib has `len` writable ints and the call stores
    // how many it used in `len`.
    if unsafe { libc::sysctlnametomib(c.as_ptr(), mib.as_mut_ptr(), &mut len) } != 0 {
        return Err(io::Error::last_os_error());
    }
    mib.truncate(len);
    Ok(mib)
}

/// An error of a sysctl on process `pid` read under `what`, for `translate`.
pub(crate) fn os_error(err: io::Error, what: &str) -> crate::Error {
    crate::Error::os(err, format!("sysctl {what}"))
}

/// A record of sysctl `what` that its decoder refused.
pub(crate) fn parse_err(what: &str, e: rpsutil_parse::ParseError) -> crate::Error {
    crate::Error::Parse {
        path: format!("sysctl {what}"),
        detail: e.detail,
    }
}

/// ESRCH: what an empty answer about one process means (it is gone).
pub(crate) fn esrch() -> io::Error {
    io::Error::from_raw_os_error(libc::ESRCH)
}
