//! Processes: [`Process`], [`pids`], [`pid_exists`], [`process_iter`],
//! [`wait_procs`], [`Popen`].

mod attrs;
mod handle;
mod iter;
mod pids;
mod popen;
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

impl Resource {
    /// The resources this OS has (psutil exports only those).
    pub fn available() -> Vec<Resource> {
        Resource::ALL
            .into_iter()
            .filter(|r| crate::sys::imp::rlimit_raw(*r).is_some())
            .collect()
    }
}
pub use wait::wait_procs;
