//! Netlink sockets (`man 7 netlink`): open, send a request to the kernel,
//! receive a datagram. Shared by `sock_diag` (the system's sockets) and
//! `taskstats` (per-task delay accounting); the messages are built and parsed by
//! `rpsutil_parse`.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// A `socket(AF_NETLINK, SOCK_DGRAM, protocol)`, close-on-exec.
pub(crate) fn socket(protocol: i32) -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2); the fd is owned right away.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            protocol,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Sends `request` to the kernel (netlink port 0), retrying on EINTR.
pub(crate) fn send(sock: &OwnedFd, request: &[u8]) -> io::Result<()> {
    // SAFETY: sockaddr_nl is plain old data; zero means "the kernel" (pid 0, no groups).
    let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    loop {
        // SAFETY: request and addr are valid for the lengths passed.
        let n = unsafe {
            libc::sendto(
                sock.as_raw_fd(),
                request.as_ptr().cast(),
                request.len(),
                0,
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if n >= 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Receives one datagram into `buf`, retrying on EINTR; returns its length.
pub(crate) fn recv(sock: &OwnedFd, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        // SAFETY: buf is valid for writes of its length.
        let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}
