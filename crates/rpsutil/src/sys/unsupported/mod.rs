//! The backend of an OS without one yet, and the starting point of every new
//! backend: the contract's functions (`defaults.rs`, from `sys/contract.rs`), each answering
//! [`Error::Unsupported`], plus the non-function items of the contract.
//!
//! A new backend begins with `pub(crate) use crate::sys::unsupported::*;` and
//! re-exports by name what it has written (see docs/DEVGUIDE.md, "Add a backend").

mod defaults;

use crate::types::process::{Pid, Resource};
use crate::Error;

pub(crate) use defaults::*;

/// The process argument of this backend's functions.
pub(crate) type Proc<'a> = crate::sys::proc::Proc<'a, Handle, RawCache>;

/// No per-process context.
#[derive(Debug)]
pub(crate) struct Handle;

impl Handle {
    /// Always succeeds: the per-process calls answer Unsupported themselves.
    pub(crate) fn open(_pid: Pid) -> crate::Result<Handle> {
        Ok(Handle)
    }
}

/// Nothing to cache.
#[derive(Default, Debug)]
pub(crate) struct RawCache;

impl RawCache {
    /// Nothing to seed.
    pub(crate) fn primed(_scan: &Scan, _pid: Pid) -> Option<RawCache> {
        None
    }
}

/// A process-table scan reads nothing ahead.
#[derive(Default, Debug)]
pub(crate) struct Scan;

impl Scan {
    /// Nothing to read.
    pub(crate) fn take() -> crate::Result<Scan> {
        Ok(Scan)
    }

    /// No pid list of its own: the table calls `pids()`.
    pub(crate) fn pids(&self) -> Option<Vec<Pid>> {
        None
    }
}

/// Errors pass through unchanged.
pub(crate) fn translate<H, C>(err: Error, _p: &mut crate::sys::proc::Proc<'_, H, C>) -> Error {
    err
}

/// No process is known to exist.
pub(crate) fn pid_exists(_pid: Pid) -> bool {
    false
}

/// Nothing is implemented.
pub(crate) fn implements(_name: &str) -> bool {
    false
}

/// No resource limits.
pub(crate) fn rlimit_raw(_r: Resource) -> Option<i32> {
    None
}

/// psutil's 15-character name completion is a POSIX rule; off by default.
pub(crate) const TRUNCATED_NAME_FIXUP: bool = false;

#[cfg(all(
    test,
    not(any(
        target_os = "linux",
        windows,
        target_os = "macos",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "solaris",
        target_os = "illumos"
    ))
))]
mod tests {
    //! On an OS without a backend every call must say so (`Unsupported`) and nothing
    //! may panic. (Every OS psutil supports has its own backend since.)
    use crate::*;

    fn unsupported<T: std::fmt::Debug>(r: Result<T>) {
        match r {
            Err(Error::Unsupported { .. }) => {}
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }

    #[test]
    fn every_call_is_unsupported() {
        unsupported(Process::current());
        unsupported(Process::new(1));
        unsupported(pids());
        assert!(!pid_exists(1));
        unsupported(process_iter());
        unsupported(process_iter_attrs(&[Attr::Name]));
        unsupported(cpu_times());
        unsupported(cpu_times_percpu());
        unsupported(cpu_percent(None));
        unsupported(cpu_times_percent(None));
        unsupported(cpu_count(true));
        unsupported(cpu_count(false));
        unsupported(cpu_stats());
        unsupported(cpu_freq());
        unsupported(virtual_memory());
        unsupported(swap_memory());
        unsupported(disk_partitions(true));
        unsupported(disk_usage("."));
        unsupported(disk_io_counters(true));
        unsupported(net_io_counters(true));
        unsupported(net_connections(ConnKind::All, true));
        unsupported(net_if_addrs());
        unsupported(net_if_stats());
        unsupported(sensors_temperatures(false));
        unsupported(sensors_fans());
        unsupported(sensors_battery());
        unsupported(boot_time());
        unsupported(users());
        unsupported(getloadavg());
        unsupported(heap_info());
        assert!(Resource::available().is_empty());
        // Types still serialise to psutil's shapes.
        assert_eq!(AddressFamily::Inet.as_raw(), 2);
        assert_eq!(Status::Sleeping.to_string(), "sleeping");
    }
}
