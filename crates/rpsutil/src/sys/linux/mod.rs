//! The Linux backend: reads `/proc` (under the settable root), calls the parsers of
//! `rpsutil-parse`, and makes the few syscalls psutil makes (`prlimit`,
//! `ioprio_get/set`, `sched_{get,set}affinity`, `pidfd_open`, `pidfd_send_signal`).

mod cpu;
mod disk;
mod errors;
mod fd_dir;
mod files;
mod heap;
mod host;
mod memory;
mod net;
mod netif;
mod process;
mod sched;
mod sensors;
mod signals;
mod sock_diag;
mod system;
mod terminal;

pub(crate) use cpu::*;
pub(crate) use disk::*;
pub(crate) use heap::*;
pub(crate) use host::*;
pub(crate) use memory::*;
pub(crate) use net::{net_connections, system_connections};
pub(crate) use netif::{net_if_addrs, net_if_stats, net_io_counters};
pub(crate) use process::*;
pub(crate) use sched::*;
pub(crate) use sensors::*;
pub(crate) use signals::{send_signal, wait};
pub(crate) use system::*;

use crate::process::Resource;

/// The kernel's number for a resource, None for resources Linux lacks.
pub(crate) fn rlimit_raw(r: Resource) -> Option<i32> {
    // The libc constants' integer type differs between glibc and musl; every value
    // is a small non-negative number.
    Some(match r {
        Resource::As => libc::RLIMIT_AS as i32,
        Resource::Core => libc::RLIMIT_CORE as i32,
        Resource::Cpu => libc::RLIMIT_CPU as i32,
        Resource::Data => libc::RLIMIT_DATA as i32,
        Resource::Fsize => libc::RLIMIT_FSIZE as i32,
        Resource::Locks => libc::RLIMIT_LOCKS as i32,
        Resource::Memlock => libc::RLIMIT_MEMLOCK as i32,
        Resource::Msgqueue => libc::RLIMIT_MSGQUEUE as i32,
        Resource::Nice => libc::RLIMIT_NICE as i32,
        Resource::Nofile => libc::RLIMIT_NOFILE as i32,
        Resource::Nproc => libc::RLIMIT_NPROC as i32,
        Resource::Rss => libc::RLIMIT_RSS as i32,
        Resource::Rtprio => libc::RLIMIT_RTPRIO as i32,
        Resource::Rttime => libc::RLIMIT_RTTIME as i32,
        Resource::Sigpending => libc::RLIMIT_SIGPENDING as i32,
        Resource::Stack => libc::RLIMIT_STACK as i32,
        Resource::Swap | Resource::Sbsize | Resource::Npts => return None,
    })
}

/// `O_APPEND` for the file-mode rule.
pub(crate) const O_APPEND: i32 = libc::O_APPEND;
