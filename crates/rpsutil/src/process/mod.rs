//! Processes: [`Process`], [`pids`], [`pid_exists`], [`process_iter`],
//! [`wait_procs`], [`Popen`].

mod attrs;
mod handle;
mod iter;
mod popen;
mod types;
mod wait;

pub use attrs::{Attr, Field, ProcessInfo};
pub use handle::Process;
pub use iter::{
    pid_exists, pids, process_iter, process_iter_attrs,
    process_iter_cache_clear as iter_cache_clear, ProcessTable,
};
pub use popen::Popen;
pub use types::*;
pub use wait::wait_procs;

/// A process id.
pub type Pid = u32;
