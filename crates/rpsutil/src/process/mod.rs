//! Processes: [`Process`], [`pids`], [`pid_exists`], [`process_iter`],
//! [`wait_procs`], [`Popen`].

mod attrs;
mod handle;
mod iter;
mod pids;
mod popen;
mod taskstats;
mod wait;

pub use crate::types::process::*;
pub use attrs::{Attr, Field, ProcessInfo};
pub use handle::{OneshotGuard, Process};
pub use iter::{
    process_iter, process_iter_attrs, process_iter_cache_clear as iter_cache_clear,
    snapshot_entries, ProcessTable,
};
pub use pids::{pid_exists, pids};
pub use popen::Popen;
pub use taskstats::{delay_accounting_enabled, TaskDelays, Taskstats};

impl Resource {
    /// The resources this OS has (psutil exports only those).
    pub fn available() -> Vec<Resource> {
        Resource::ALL
            .into_iter()
            .filter(|r| r.as_raw().is_some())
            .collect()
    }

    /// This OS's number for the resource (`RLIMIT_NOFILE` is 7 on Linux): the value
    /// of psutil's `RLIMIT_*` constant; None where the OS has no such resource.
    ///
    /// ```
    /// # #[cfg(target_os = "linux")]
    /// assert_eq!(rpsutil::Resource::Nofile.as_raw(), Some(7));
    /// ```
    pub fn as_raw(self) -> Option<i32> {
        crate::sys::imp::rlimit_raw(self)
    }
}
pub use wait::wait_procs;
