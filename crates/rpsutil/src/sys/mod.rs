//! The backends, one per OS, behind one contract.
//!
//! `sys::imp` is the backend of the OS being built: `linux`, `windows` (system-wide
//! functions so far), or `unsupported` (every call answers `Unsupported`) where none
//! is written yet. The public layer calls only
//! the `imp::*` functions listed in [`contract`], passing the values of [`records`];
//! backends depend on `crate::types` and on the files here, never on the public
//! facades. `posix` holds what every POSIX backend shares.
//!
//! No file here imports this one: each piece lives in its own file (`proc.rs`,
//! `records.rs`, `cache.rs`, `roots.rs`), so the module graph has no cycles.

pub(crate) mod cache;
#[macro_use]
pub(crate) mod contract;
mod check;
pub(crate) mod proc;
pub(crate) mod records;
pub(crate) mod roots;

// Shared POSIX code (waits, kill, priority, statvfs, getifaddrs, users, terminals).
#[cfg(unix)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) mod posix;

// The defaults every backend starts from; the backend itself where none is written.
#[cfg_attr(
    any(
        target_os = "linux",
        windows,
        target_os = "macos",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd"
    ),
    allow(dead_code)
)]
pub(crate) mod unsupported;

#[cfg(target_os = "linux")]
pub(crate) mod linux;
#[cfg(target_os = "linux")]
pub(crate) use linux as imp;

#[cfg(windows)]
pub(crate) mod windows;
#[cfg(windows)]
pub(crate) use windows as imp;

#[cfg(target_os = "macos")]
pub(crate) mod macos;
#[cfg(target_os = "macos")]
pub(crate) use macos as imp;

#[cfg(any(target_os = "solaris", target_os = "illumos"))]
pub(crate) mod sunos;
#[cfg(any(target_os = "solaris", target_os = "illumos"))]
pub(crate) use sunos as imp;

// FreeBSD, OpenBSD, NetBSD: one backend with a submodule per OS.
#[cfg(any(target_os = "freebsd", target_os = "openbsd", target_os = "netbsd"))]
pub(crate) mod bsd;
#[cfg(any(target_os = "freebsd", target_os = "openbsd", target_os = "netbsd"))]
pub(crate) use bsd as imp;

#[cfg(not(any(
    target_os = "linux",
    windows,
    target_os = "macos",
    target_os = "solaris",
    target_os = "illumos",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd"
)))]
pub(crate) use unsupported as imp;

pub use roots::{procfs_path, set_procfs_path, set_sysfs_path, sysfs_path};
