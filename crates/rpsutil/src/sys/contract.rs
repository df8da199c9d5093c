//! **The backend contract**: every function a backend (`sys::<os>`) provides, with
//! what it returns, its units and its errors, in one list.
//!
//! The list below is written once, in the `contract!` macro call, and does two things:
//!
//! 1. it defines [`defaults`]: the same functions, each returning
//!    [`Error::Unsupported`] (or `false` / `None` where the answer is a plain value).
//!    `sys::unsupported` is nothing but these defaults, and a new backend starts with
//!    `pub(crate) use crate::sys::unsupported::*;` and then re-exports **by name** the
//!    functions it has written (a named import shadows a glob import), so it compiles
//!    on day one and fills the list in one function at a time;
//! 2. it checks at compile time that the selected backend (`sys::imp`) has every
//!    function with exactly this signature.
//!
//! Conventions, the same for every function:
//!
//! - **One calling convention for a process:** getters, setters and signals all take
//!   `p: &mut Proc` ([`super::Proc`]: the pid, the backend's own per-process
//!   [`Handle`](super::unsupported::Handle), and the `oneshot` cache if one is active).
//!   A backend keeps its context (the proc root on Linux, a process handle on
//!   Windows) in its `Handle`; nothing OS-specific appears in a signature.
//! - **Errors:** a process function may return raw [`Error::Os`] errors; the public
//!   layer passes every process error through the backend's `translate` exactly once
//!   (psutil's `wrap_exceptions`), which turns them into NoSuchProcess, ZombieProcess
//!   or AccessDenied by the OS's rules. Other errors are returned as they are.
//!   Never panic, never turn an error into an empty value.
//! - **Units:** bytes, seconds as `f64`, epoch seconds for points in time, percent as
//!   0-100 `f64`, MHz for frequencies, °C for temperatures.
//! - **Identity:** [`Identity`](super::unsupported::Identity) is opaque: whatever tells
//!   two processes with the same pid apart (Linux: start time plus the pidfs inode;
//!   Windows: the creation time, with the held handle keeping the pid from reuse).
//!
//! Besides the functions, a backend defines these items (the defaults are in
//! `sys::unsupported`):
//!
//! | item | what |
//! |---|---|
//! | `struct Handle` + `fn Handle::open(pid) -> Result<Handle>` | per-process context, made once per `Process` (cheap; must not fail for AccessDenied) |
//! | `struct RawCache: Default` | the raw records cached during `oneshot` |
//! | `struct Identity: Copy + Eq + Hash + Debug` | see above |
//! | `fn translate(err, &mut Proc) -> Error` | the one error-translation point for process calls |
//! | `const TRUNCATED_NAME_FIXUP: bool` | psutil's POSIX rule: names of 15+ chars are completed from `argv[0]` |
//! | `fn rlimit_raw(Resource) -> Option<i32>` | the OS's number for a resource, None where the OS lacks it |
//! | `fn pid_exists(Pid) -> bool` | psutil's `pid_exists` |
//!
//! Which of these functions exist on which OS for psutil is data too: see
//! [`crate::capabilities`].

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{imp, DiskIoEntry, DiskUsageRaw, LoadAvg, NicIoEntry, PpidEntry, Proc};
use crate::types::conn_kind::ConnKind;
use crate::types::cpu::{CpuFreq, CpuStats, SystemCpuTimes};
use crate::types::disk::DiskPartition;
use crate::types::host::{HeapInfo, User};
use crate::types::memory::{SwapMemory, VirtualMemory};
use crate::types::net::{Connection, NicAddr, NicStats, SystemConnection};
use crate::types::process::{
    CpuTimes, CtxSwitches, ExitCode, Ids, IoCounters, IoNice, IoPriorityClass, MemoryFullInfo,
    MemoryInfo, MemoryMap, OpenFile, Pid, Resource, Rlimit, Status, ThreadInfo,
};
use crate::types::sensors::{Battery, Fan, Temperature};
use crate::{Error, Result};

macro_rules! contract {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;
    )*) => {
        /// The contract's functions, each answering [`Error::Unsupported`].
        #[allow(dead_code)]
        pub(crate) mod defaults {
            use super::*;
            $(
                $(#[doc = $doc])*
                pub(crate) fn $name($($arg: $ty),*) -> $ret {
                    $(let _ = $arg;)*
                    unsupported(stringify!($name))
                }
            )*
        }

        // The selected backend has each function, with this exact signature.
        $(const _: fn($($ty),*) -> $ret = imp::$name;)*
    };
}

/// The error of a function this OS's backend does not have (yet).
pub(crate) fn unsupported<T>(what: &str) -> Result<T> {
    Err(Error::unsupported(format!(
        "{what} on {} (rpsutil has no backend for it)",
        std::env::consts::OS
    )))
}

contract! {
    // ------------------------------------------------------------ one process
    /// The process's identity, read when a `Process` is made and compared before
    /// every signal and setter. NoSuchProcess if the pid does not exist.
    fn identity(p: &mut Proc<'_>) -> Result<imp::Identity>;
    /// When the process started, seconds since the epoch.
    fn create_time(p: &mut Proc<'_>) -> Result<f64>;
    /// The name as the OS keeps it (POSIX kernels truncate it; see
    /// `TRUNCATED_NAME_FIXUP`).
    fn name(p: &mut Proc<'_>) -> Result<String>;
    /// The executable's absolute path; empty when there is none (kernel threads).
    fn exe(p: &mut Proc<'_>) -> Result<PathBuf>;
    /// The command line, one entry per argument. Empty for kernel threads.
    fn cmdline(p: &mut Proc<'_>) -> Result<Vec<OsString>>;
    /// The environment the process started with (or its current one, where the OS
    /// shows that).
    fn environ(p: &mut Proc<'_>) -> Result<HashMap<OsString, OsString>>;
    /// The status (zombies may answer ZombieProcess: the public layer maps it).
    fn status(p: &mut Proc<'_>) -> Result<Status>;
    /// The parent's pid, 0 when there is none.
    fn ppid(p: &mut Proc<'_>) -> Result<Pid>;
    /// The working directory.
    fn cwd(p: &mut Proc<'_>) -> Result<PathBuf>;
    /// Real, effective and saved user ids (POSIX).
    fn uids(p: &mut Proc<'_>) -> Result<Ids>;
    /// Real, effective and saved group ids (POSIX).
    fn gids(p: &mut Proc<'_>) -> Result<Ids>;
    /// The owner's name (`DOMAIN\\user` on Windows); the uid as text when it has none.
    fn username(p: &mut Proc<'_>) -> Result<String>;
    /// The controlling terminal's device path, None without one (POSIX).
    fn terminal(p: &mut Proc<'_>) -> Result<Option<String>>;
    /// I/O counters: calls and bytes.
    fn io_counters(p: &mut Proc<'_>) -> Result<IoCounters>;
    /// Voluntary and involuntary context switches.
    fn num_ctx_switches(p: &mut Proc<'_>) -> Result<CtxSwitches>;
    /// Open file descriptors (POSIX).
    fn num_fds(p: &mut Proc<'_>) -> Result<u32>;
    /// Open handles (Windows).
    fn num_handles(p: &mut Proc<'_>) -> Result<u32>;
    /// Number of threads.
    fn num_threads(p: &mut Proc<'_>) -> Result<u32>;
    /// Each thread's id and CPU seconds, ordered by id.
    fn threads(p: &mut Proc<'_>) -> Result<Vec<ThreadInfo>>;
    /// CPU seconds (user, system, children).
    fn cpu_times(p: &mut Proc<'_>) -> Result<CpuTimes>;
    /// The CPU the process last ran on.
    fn cpu_num(p: &mut Proc<'_>) -> Result<u32>;
    /// The nice value (POSIX) or the priority class number (Windows).
    fn nice(p: &mut Proc<'_>) -> Result<i32>;
    /// Memory use in bytes, with the OS's extra `pmem` fields.
    fn memory_info(p: &mut Proc<'_>) -> Result<MemoryInfo>;
    /// `memory_info` plus USS (and PSS, swap where the OS has them), bytes.
    fn memory_full_info(p: &mut Proc<'_>) -> Result<MemoryFullInfo>;
    /// Every memory mapping, in address order, with the OS's fields.
    fn memory_maps(p: &mut Proc<'_>) -> Result<Vec<MemoryMap>>;
    /// Regular files the process has open.
    fn open_files(p: &mut Proc<'_>) -> Result<Vec<OpenFile>>;
    /// The process's sockets of `kind`.
    fn net_connections(p: &mut Proc<'_>, kind: ConnKind) -> Result<Vec<Connection>>;
    /// The I/O priority.
    fn ionice(p: &mut Proc<'_>) -> Result<IoNice>;
    /// Sets the I/O priority; the arguments are already checked by the public layer.
    fn set_ionice(p: &mut Proc<'_>, ioclass: IoPriorityClass, value: i32) -> Result<()>;
    /// Sets the nice value / priority class.
    fn set_nice(p: &mut Proc<'_>, value: i32) -> Result<()>;
    /// The (soft, hard) limit of a resource.
    fn rlimit(p: &mut Proc<'_>, resource: Resource) -> Result<Rlimit>;
    /// Sets the (soft, hard) limit of a resource.
    fn set_rlimit(p: &mut Proc<'_>, resource: Resource, limits: Rlimit) -> Result<()>;
    /// The CPUs the process may run on (any order; the public layer sorts).
    fn cpu_affinity(p: &mut Proc<'_>) -> Result<Vec<u32>>;
    /// Pins the process to `cpus` (already checked against the machine's CPUs).
    fn set_cpu_affinity(p: &mut Proc<'_>, cpus: &[u32]) -> Result<()>;
    /// Sends `sig` if the process is still `expected`; NoSuchProcess ("its PID has
    /// been reused") otherwise. The check and the signal must not race: open a
    /// handle on the process first, compare through it, signal through it.
    fn send_signal(p: &mut Proc<'_>, expected: &imp::Identity, sig: i32) -> Result<()>;
    /// Stops the process (SIGSTOP; Windows: suspends every thread).
    fn suspend(p: &mut Proc<'_>, expected: &imp::Identity) -> Result<()>;
    /// Continues a stopped process (SIGCONT; Windows: resumes every thread).
    fn resume(p: &mut Proc<'_>, expected: &imp::Identity) -> Result<()>;
    /// Asks the process to end (SIGTERM; Windows: TerminateProcess).
    fn terminate(p: &mut Proc<'_>, expected: &imp::Identity) -> Result<()>;
    /// Ends the process (SIGKILL; Windows: TerminateProcess).
    fn kill(p: &mut Proc<'_>, expected: &imp::Identity) -> Result<()>;
    /// Waits for the process to end: its exit code when the OS tells it (our child
    /// on POSIX, any process on Windows), None otherwise. TimeoutExpired when
    /// `timeout` passes first.
    fn wait(p: &mut Proc<'_>, timeout: Option<Duration>) -> Result<Option<ExitCode>>;

    // ------------------------------------------------------------ process list
    /// Every pid, sorted ascending.
    fn pids() -> Result<Vec<Pid>>;
    /// Every process's parent and creation time (for `children()`), skipping
    /// processes that vanish; AccessDenied if one cannot be read.
    fn ppid_map() -> Result<Vec<PpidEntry>>;

    // ------------------------------------------------------------------- CPU
    /// CPU seconds of the whole system by mode, all CPUs summed.
    fn system_cpu_times() -> Result<SystemCpuTimes>;
    /// CPU seconds of each CPU.
    fn system_cpu_times_percpu() -> Result<Vec<SystemCpuTimes>>;
    /// Context switches, interrupts, soft interrupts, syscalls since boot.
    fn cpu_stats() -> Result<CpuStats>;
    /// Logical CPUs, None when unknown.
    fn cpu_count_logical() -> Result<Option<u32>>;
    /// Physical cores, None when unknown.
    fn cpu_count_cores() -> Result<Option<u32>>;
    /// Current, min and max frequency of each CPU (one entry when the OS gives
    /// only a system-wide figure), MHz.
    fn cpu_freq_percpu() -> Result<Vec<CpuFreq>>;
    /// The 1, 5 and 15 minute load averages (Windows: psutil's emulation).
    fn getloadavg() -> Result<LoadAvg>;

    // ---------------------------------------------------------------- memory
    /// Physical memory, bytes.
    fn virtual_memory() -> Result<VirtualMemory>;
    /// Swap, bytes.
    fn swap_memory() -> Result<SwapMemory>;
    /// Total physical memory, bytes (cheaper than `virtual_memory`; the public layer
    /// caches it for `memory_percent`).
    fn total_memory() -> Result<u64>;

    // ----------------------------------------------------------------- disks
    /// Mounted file systems (`all`: also virtual ones).
    fn disk_partitions(all: bool) -> Result<Vec<DiskPartition>>;
    /// Space of the file system holding `path`, bytes.
    fn disk_usage(path: &Path) -> Result<DiskUsageRaw>;
    /// I/O counters of every disk, raw (the public layer corrects wraps and sums).
    fn disk_io_counters() -> Result<Vec<DiskIoEntry>>;

    // --------------------------------------------------------------- network
    /// Traffic counters of every NIC, raw.
    fn net_io_counters() -> Result<Vec<NicIoEntry>>;
    /// Addresses of every NIC.
    fn net_if_addrs() -> Result<BTreeMap<String, Vec<NicAddr>>>;
    /// State of every NIC.
    fn net_if_stats() -> Result<BTreeMap<String, NicStats>>;
    /// Every socket of `kind`, with owners when asked.
    fn system_connections(kind: ConnKind, with_owners: bool) -> Result<Vec<SystemConnection>>;

    // --------------------------------------------------------------- sensors
    /// Temperatures by chip, °C.
    fn sensors_temperatures() -> Result<BTreeMap<String, Vec<Temperature>>>;
    /// Fan speeds by chip, RPM.
    fn sensors_fans() -> Result<BTreeMap<String, Vec<Fan>>>;
    /// The battery, None without one.
    fn sensors_battery() -> Result<Option<Battery>>;

    // ------------------------------------------------------------------ host
    /// Boot time, epoch seconds, read now (the public layer caches it for
    /// `create_time` where a backend needs that).
    fn boot_time() -> Result<f64>;
    /// Logged-in users.
    fn users() -> Result<Vec<User>>;
    /// Logged-in users of another utmp file (Linux).
    fn users_from(file: &Path) -> Result<Vec<User>>;
    /// The C heap of this process, bytes.
    fn heap_info() -> Result<HeapInfo>;
    /// Returns free heap memory to the OS.
    fn heap_trim() -> Result<()>;
}

// The items outside the macro, checked the same way.
const _: fn(Pid) -> Result<imp::Handle> = imp::Handle::open;
const _: fn(Error, &mut Proc<'_>) -> Error = imp::translate;
const _: fn(Pid) -> bool = imp::pid_exists;
const _: fn(Resource) -> Option<i32> = imp::rlimit_raw;
const _: bool = imp::TRUNCATED_NAME_FIXUP;

/// `Identity` must be comparable and hashable (Process equality and hashing use it).
#[allow(dead_code)]
fn identity_bounds(id: imp::Identity) -> impl Copy + Eq + std::hash::Hash + std::fmt::Debug {
    id
}

/// `RawCache` must start empty.
#[allow(dead_code)]
fn raw_cache_bounds() -> imp::RawCache {
    imp::RawCache::default()
}
