//! Per-task statistics over generic netlink (taskstats): the I/O behind
//! [`crate::process::Taskstats`]. The messages are built and parsed by
//! `rpsutil_parse::linux::taskstats`.

use std::io;
use std::os::fd::OwnedFd;

use rpsutil_parse::linux::taskstats as ts;

use super::netlink::{recv, send, socket};
use crate::types::process::Pid;
use crate::{Error, Result};

/// A generic-netlink socket with the `TASKSTATS` family's id resolved.
#[derive(Debug)]
pub(crate) struct Socket {
    sock: OwnedFd,
    family: u16,
    seq: u32,
    buf: Vec<u8>,
}

/// One reply is a `struct taskstats` (about 400 bytes) in two attribute levels.
const RECV_BUF: usize = 8192;

impl Socket {
    /// Opens the socket and asks the controller for the family's id.
    ///
    /// Errors: the socket's OS error; `Error::Os` ENOENT when the kernel has no
    /// taskstats (CONFIG_TASKSTATS off).
    pub(crate) fn open() -> Result<Socket> {
        let sock =
            socket(ts::NETLINK_GENERIC).map_err(|e| Error::os(e, "socket(NETLINK_GENERIC)"))?;
        let mut s = Socket {
            sock,
            family: 0,
            seq: 1,
            buf: vec![0u8; RECV_BUF],
        };
        let n = s.exchange(&ts::family_request(1), "CTRL_CMD_GETFAMILY")?;
        s.family = ts::parse_family_reply(&s.buf[..n]).map_err(|e| netlink_error(e, None))?;
        Ok(s)
    }

    /// The statistics of one thread or process.
    ///
    /// Errors: NoSuchProcess (ESRCH: no such task), AccessDenied (EPERM: the
    /// command needs CAP_NET_ADMIN), or the OS error.
    pub(crate) fn get(&mut self, target: ts::Target) -> Result<ts::TaskStats> {
        let pid = match target {
            ts::Target::Thread(p) | ts::Target::Process(p) => p,
        };
        self.seq = self.seq.wrapping_add(1);
        let n = self.exchange(
            &ts::stats_request(self.family, self.seq, target),
            "TASKSTATS_CMD_GET",
        )?;
        ts::parse_stats_reply(&self.buf[..n], self.family).map_err(|e| netlink_error(e, Some(pid)))
    }

    /// Sends `request` and receives one datagram into the buffer.
    fn exchange(&mut self, request: &[u8], what: &str) -> Result<usize> {
        send(&self.sock, request).map_err(|e| Error::os(e, format!("sendto({what})")))?;
        recv(&self.sock, &mut self.buf).map_err(|e| Error::os(e, format!("recv({what})")))
    }
}

/// A netlink error as the library's: ESRCH and EPERM about a task become
/// NoSuchProcess and AccessDenied for it.
fn netlink_error(e: ts::NetlinkError, pid: Option<Pid>) -> Error {
    match (e, pid) {
        (ts::NetlinkError::Errno(libc::ESRCH), Some(pid)) => Error::no_such_process(pid),
        (ts::NetlinkError::Errno(libc::EPERM | libc::EACCES), Some(pid)) => {
            Error::access_denied(pid)
        }
        (ts::NetlinkError::Errno(n), _) => Error::os(io::Error::from_raw_os_error(n), "taskstats"),
        (ts::NetlinkError::Malformed(p), _) => Error::Parse {
            path: "taskstats".into(),
            detail: p.detail,
        },
    }
}
