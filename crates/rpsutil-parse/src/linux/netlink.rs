//! What every netlink protocol shares (`man 7 netlink`,
//! `include/uapi/linux/netlink.h`): the message header, the walk over the
//! messages of a datagram, and the attributes (`struct nlattr`, alias `rtattr`)
//! that follow a protocol's fixed header. Used by [`super::sock_diag`] (sockets)
//! and [`super::taskstats`] (per-task delay accounting over generic netlink).
//!
//! * `struct nlmsghdr` (16 bytes): `nlmsg_len` u32 (header included),
//!   `nlmsg_type` u16, `nlmsg_flags` u16, `nlmsg_seq` u32, `nlmsg_pid` u32.
//!   Messages are padded to 4 bytes (`NLMSG_ALIGN`).
//! * `struct nlattr` (4 bytes): `nla_len` u16 (header included), `nla_type` u16
//!   (the top two bits are the nested/byte-order flags), payload padded to 4.
//! * `NLMSG_ERROR` payload: `struct nlmsgerr`, `error` i32 (a negative errno, or
//!   0 for an acknowledgement), then the offending request's header.
//!
//! Integers are in the machine's byte order.

use std::fmt;

use crate::ParseError;

/// Length of `struct nlmsghdr`.
pub const NLMSG_HDRLEN: usize = 16;
/// `NLMSG_NOOP`: nothing.
pub const NLMSG_NOOP: u16 = 1;
/// `NLMSG_ERROR`: an error code (or an acknowledgement).
pub const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`: the end of a dump.
pub const NLMSG_DONE: u16 = 3;
/// `NLMSG_OVERRUN`: data was lost.
pub const NLMSG_OVERRUN: u16 = 4;
/// `NLM_F_REQUEST`: a request.
pub const NLM_F_REQUEST: u16 = 0x1;
/// `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`): every record.
pub const NLM_F_DUMP: u16 = 0x300;

/// Why a reply could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetlinkError {
    /// The kernel answered `NLMSG_ERROR` with this errno (positive, e.g. 2 ENOENT
    /// when a protocol's module is not loaded, 1 EPERM without the capability).
    Errno(i32),
    /// The bytes are not a well-formed reply.
    Malformed(ParseError),
}

impl fmt::Display for NetlinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetlinkError::Errno(e) => write!(f, "netlink: kernel returned errno {e}"),
            NetlinkError::Malformed(e) => write!(f, "netlink: {e}"),
        }
    }
}

impl std::error::Error for NetlinkError {}

impl From<ParseError> for NetlinkError {
    fn from(e: ParseError) -> Self {
        NetlinkError::Malformed(e)
    }
}

/// A [`NetlinkError::Malformed`] with this description.
pub(crate) fn malformed(detail: impl Into<String>) -> NetlinkError {
    NetlinkError::Malformed(ParseError::new(detail))
}

/// The u32 at `off` (0 past the end: callers check lengths first).
pub(crate) fn u32_ne(b: &[u8], off: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(off..off + 4) {
        w.copy_from_slice(s);
    }
    u32::from_ne_bytes(w)
}

/// The u16 at `off` (0 past the end).
pub(crate) fn u16_ne(b: &[u8], off: usize) -> u16 {
    let mut w = [0u8; 2];
    if let Some(s) = b.get(off..off + 2) {
        w.copy_from_slice(s);
    }
    u16::from_ne_bytes(w)
}

/// The u64 at `off` (0 past the end).
pub(crate) fn u64_ne(b: &[u8], off: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(s) = b.get(off..off + 8) {
        w.copy_from_slice(s);
    }
    u64::from_ne_bytes(w)
}

/// A `struct nlmsghdr` for a message of `kind` with `payload_len` bytes after it,
/// addressed to the kernel (`nlmsg_pid` 0).
pub(crate) fn header(kind: u16, flags: u16, payload_len: usize, seq: u32) -> Vec<u8> {
    let total = u32::try_from(NLMSG_HDRLEN + payload_len).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(NLMSG_HDRLEN + payload_len);
    out.extend_from_slice(&total.to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&flags.to_ne_bytes());
    out.extend_from_slice(&seq.to_ne_bytes());
    out.extend_from_slice(&0u32.to_ne_bytes());
    out
}

/// Appends one `struct nlattr` of `kind` carrying `payload`, padded to 4 bytes.
pub(crate) fn push_attr(out: &mut Vec<u8>, kind: u16, payload: &[u8]) {
    let len = u16::try_from(4 + payload.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(payload);
    out.resize((out.len() + 3) & !3, 0);
}

/// Walks a run of attributes, yielding `(type, payload)` with the flag bits of
/// the type dropped (`NLA_TYPE_MASK`).
///
/// Errors: an attribute shorter than its header or running past the buffer.
pub(crate) fn attrs(mut b: &[u8]) -> Result<Vec<(u16, &[u8])>, NetlinkError> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let len = usize::from(u16_ne(b, 0));
        let kind = u16_ne(b, 2) & 0x3fff;
        if len < 4 {
            return Err(malformed(format!("attribute of length {len}")));
        }
        let payload = b
            .get(4..len)
            .ok_or_else(|| malformed("attribute runs past its message"))?;
        out.push((kind, payload));
        b = b.get((len + 3) & !3..).unwrap_or_default();
    }
    Ok(out)
}

/// The messages of a received datagram, `(nlmsg_type, payload)` in order, up to
/// and including an `NLMSG_DONE` (anything after it is ignored). `NLMSG_NOOP` and
/// acknowledgements (`NLMSG_ERROR` with error 0) are left out.
///
/// Errors: [`NetlinkError::Errno`] for an `NLMSG_ERROR` with an error code;
/// [`NetlinkError::Malformed`] for a truncated header, a length that does not
/// fit, or `NLMSG_OVERRUN`.
pub(crate) fn messages(mut buf: &[u8]) -> Result<Vec<(u16, &[u8])>, NetlinkError> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        if buf.len() < NLMSG_HDRLEN {
            return Err(malformed(format!(
                "{} trailing bytes, shorter than a nlmsghdr",
                buf.len()
            )));
        }
        let len = usize::try_from(u32_ne(buf, 0)).unwrap_or(usize::MAX);
        let kind = u16_ne(buf, 4);
        if len < NLMSG_HDRLEN || len > buf.len() {
            return Err(malformed(format!(
                "nlmsg_len {len} with {} bytes left",
                buf.len()
            )));
        }
        let payload = buf.get(NLMSG_HDRLEN..len).unwrap_or_default();
        match kind {
            NLMSG_NOOP => {}
            NLMSG_DONE => {
                out.push((kind, payload));
                return Ok(out);
            }
            NLMSG_ERROR => {
                if payload.len() < 4 {
                    return Err(malformed("NLMSG_ERROR without an error code"));
                }
                let error = u32_ne(payload, 0) as i32;
                if error != 0 {
                    return Err(NetlinkError::Errno(error.checked_neg().unwrap_or(i32::MAX)));
                }
            }
            NLMSG_OVERRUN => return Err(malformed("NLMSG_OVERRUN: data lost")),
            _ => out.push((kind, payload)),
        }
        buf = buf.get((len + 3) & !3..).unwrap_or_default();
    }
    Ok(out)
}
