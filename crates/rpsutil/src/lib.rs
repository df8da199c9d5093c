//! # rpsutil
//!
//! psutil's process and system information API, in Rust: processes (name, command
//! line, memory, CPU, files, sockets, threads, signals, priorities, limits) with
//! psutil 7.2.2's semantics, as a safe and fast library.
//!
//! ```
//! use rpsutil::{Attr, Process};
//!
//! # #[cfg(target_os = "linux")] {
//! // One process.
//! let me = Process::current().unwrap();
//! println!("{} uses {} bytes", me.name().unwrap(), me.memory_info().unwrap().rss);
//!
//! // Every process, reading only what is asked for.
//! for (p, info) in rpsutil::process_iter_attrs(&[Attr::Name, Attr::Username]).unwrap() {
//!     let _ = (p.pid(), info.name, info.username);
//! }
//! # }
//! ```
//!
//! Errors are psutil's exceptions as one enum, [`Error`]. On an OS without a backend
//! every call returns [`Error::Unsupported`]; see the README's platform table.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod common;
mod error;
pub mod net;
pub mod process;
mod sys;

pub use error::{Error, FieldError, Result};
pub use net::{Address, AddressFamily, ConnKind, ConnStatus, Connection, SocketType};
pub use process::iter_cache_clear as process_iter_cache_clear;
pub use process::{
    pid_exists, pids, process_iter, process_iter_attrs, wait_procs, Attr, CpuTimes, CtxSwitches,
    ExitCode, Field, Ids, IoCounters, IoNice, IoPriorityClass, MemType, MemoryFullInfo, MemoryInfo,
    MemoryMap, MemoryMapGrouped, OpenFile, Pid, Popen, Process, ProcessInfo, ProcessTable,
    Resource, Rlimit, Status, ThreadInfo, RLIM_INFINITY,
};
pub use sys::{procfs_path, set_procfs_path, set_sysfs_path, sysfs_path};

/// True on POSIX systems (everything but Windows).
pub const POSIX: bool = cfg!(unix);
/// True on Windows.
pub const WINDOWS: bool = cfg!(windows);
/// True on Linux.
pub const LINUX: bool = cfg!(target_os = "linux");
/// True on macOS.
pub const MACOS: bool = cfg!(target_os = "macos");
/// True on FreeBSD.
pub const FREEBSD: bool = cfg!(target_os = "freebsd");
/// True on OpenBSD.
pub const OPENBSD: bool = cfg!(target_os = "openbsd");
/// True on NetBSD.
pub const NETBSD: bool = cfg!(target_os = "netbsd");
/// True on any BSD.
pub const BSD: bool = FREEBSD || OPENBSD || NETBSD;
/// True on Solaris and illumos.
pub const SUNOS: bool = cfg!(any(target_os = "solaris", target_os = "illumos"));
/// True on AIX.
pub const AIX: bool = cfg!(target_os = "aix");

// The README's example is compiled and run as a doctest.
#[cfg(all(doctest, target_os = "linux"))]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
