//! [`Taskstats`]: the kernel's per-task delay accounting and storage I/O, what
//! iotop shows as SWAPIN and IO. Not part of psutil's API.

use crate::types::process::Pid;
use crate::Result;

/// Delay accounting and storage I/O of one thread or process, from the kernel's
/// taskstats interface (`struct taskstats`). Delays are seconds spent waiting
/// since the task started; they grow only while delay accounting is on (see
/// [`delay_accounting_enabled`]).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct TaskDelays {
    /// Seconds spent runnable, waiting for a CPU.
    pub cpu_delay: f64,
    /// Seconds spent waiting for block I/O to complete (iotop's IO).
    pub blkio_delay: f64,
    /// How many block I/O waits.
    pub blkio_count: u64,
    /// Seconds spent waiting for pages to be swapped in (iotop's SWAPIN).
    pub swapin_delay: f64,
    /// How many swap-in waits.
    pub swapin_count: u64,
    /// Bytes read from storage (as `/proc/PID/task/TID/io` `read_bytes`): a
    /// thread's only; None for a process (the kernel does not sum them).
    pub read_bytes: Option<u64>,
    /// Bytes written to storage, as `read_bytes`.
    pub write_bytes: Option<u64>,
}

/// A channel to the kernel's taskstats interface (Linux: a generic-netlink
/// socket), reused for any number of queries.
///
/// Asking needs CAP_NET_ADMIN (root): without it each query is AccessDenied.
///
/// ```no_run
/// let mut ts = rpsutil::process::Taskstats::open().unwrap();
/// let me = ts.process(std::process::id()).unwrap();
/// println!("waited {} s for block I/O", me.blkio_delay);
/// ```
#[derive(Debug)]
pub struct Taskstats {
    #[cfg(target_os = "linux")]
    socket: crate::sys::imp::taskstats::Socket,
}

impl Taskstats {
    /// Opens the channel.
    ///
    /// Errors: the OS error of the socket, or of the family lookup (ENOENT: the
    /// kernel was built without CONFIG_TASKSTATS); Unsupported on other OSes.
    pub fn open() -> Result<Taskstats> {
        #[cfg(target_os = "linux")]
        {
            Ok(Taskstats {
                socket: crate::sys::imp::taskstats::Socket::open()?,
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            Err(crate::Error::unsupported("taskstats"))
        }
    }

    /// One thread's statistics, by thread id.
    ///
    /// Errors: NoSuchProcess, AccessDenied (no CAP_NET_ADMIN), or the OS error.
    pub fn thread(&mut self, tid: Pid) -> Result<TaskDelays> {
        self.get(tid, false)
    }

    /// One process's delays: the sum over its threads, the ended ones included
    /// (its `read_bytes`/`write_bytes` are None: the kernel does not sum them).
    ///
    /// Errors: NoSuchProcess, AccessDenied (no CAP_NET_ADMIN), or the OS error.
    pub fn process(&mut self, pid: Pid) -> Result<TaskDelays> {
        self.get(pid, true)
    }

    #[cfg(target_os = "linux")]
    fn get(&mut self, id: Pid, whole: bool) -> Result<TaskDelays> {
        use rpsutil_parse::linux::taskstats::Target;
        let target = if whole {
            Target::Process(id)
        } else {
            Target::Thread(id)
        };
        let s = self.socket.get(target)?;
        let secs = |ns: u64| ns as f64 / 1e9;
        Ok(TaskDelays {
            cpu_delay: secs(s.cpu_delay_total),
            blkio_delay: secs(s.blkio_delay_total),
            blkio_count: s.blkio_count,
            swapin_delay: secs(s.swapin_delay_total),
            swapin_count: s.swapin_count,
            // A process's record carries the delays only (the kernel's
            // fill_stats_for_tgid adds no I/O accounting): its zeros are not data.
            read_bytes: (!whole).then_some(s.read_bytes),
            write_bytes: (!whole).then_some(s.write_bytes),
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn get(&mut self, _id: Pid, _whole: bool) -> Result<TaskDelays> {
        Err(crate::Error::unsupported("taskstats"))
    }
}

/// Whether the kernel counts delays now: the `kernel.task_delayacct` sysctl
/// (Linux 5.14 and later; off by default). None where the setting does not exist
/// (older kernels count whenever CONFIG_TASK_DELAY_ACCT is built in) or on other
/// OSes.
///
/// ```
/// let _maybe: Option<bool> = rpsutil::process::delay_accounting_enabled();
/// ```
pub fn delay_accounting_enabled() -> Option<bool> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let path = crate::sys::procfs_path().join("sys/kernel/task_delayacct");
    match std::fs::read_to_string(path).ok()?.trim() {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}
