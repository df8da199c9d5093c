//! **The backend contract**: every function a backend (`sys::<os>`) provides, with
//! what it returns, its units and its errors, in one list.
//!
//! The list below is written once, in the `contract_list!` macro, and used twice:
//!
//! 1. `sys::unsupported::defaults` expands it into the same functions, each
//!    returning `Error::Unsupported`. `sys::unsupported` is nothing but these
//!    defaults, and a new backend starts with `pub(crate) use
//!    crate::sys::unsupported::*;` and then re-exports **by name** the functions it
//!    has written (a named import shadows a glob import), so it compiles on day one
//!    and fills the list in one function at a time;
//! 2. `sys::check` expands it into compile-time assertions that the selected backend
//!    (`sys::imp`) has every function with exactly this signature.
//!
//! Entries marked `process` take the process as an implicit first argument
//! `p: &mut imp::Proc` (see `sys::proc::Proc`); entries marked `system` do not.
//!
//! Conventions, the same for every function:
//!
//! - **One calling convention for a process:** getters, setters and signals all take
//!   `p: &mut imp::Proc` (`sys::proc::Proc`: the pid, the backend's own per-process
//!   `Handle`, and the backend's `oneshot` cache if one is active).
//!   A backend keeps its context (the proc root on Linux, a process handle on
//!   Windows) in its `Handle`; nothing OS-specific appears in a signature.
//! - **Errors:** a process function may return raw [`Error::Os`] errors; the public
//!   layer passes every process error through the backend's `translate` exactly once
//!   (psutil's `wrap_exceptions`), which turns them into NoSuchProcess, ZombieProcess
//!   or AccessDenied by the OS's rules. Other errors are returned as they are.
//!   Never panic, never turn an error into an empty value.
//! - **Units:** bytes, seconds as `f64`, epoch seconds for points in time, percent as
//!   0-100 `f64`, MHz for frequencies, °C for temperatures.
//! - **Identity:** `sys::records::Identity` is opaque to the public layer: the start
//!   time plus, where the OS has one, a number unique per process (Linux: the pidfs
//!   inode; Windows: the creation time, with the held handle keeping the pid from
//!   reuse).
//!
//! Besides the functions, a backend defines these items (the defaults are in
//! `sys::unsupported`):
//!
//! | item | what |
//! |---|---|
//! | `struct Handle` + `fn Handle::open(pid) -> Result<Handle>` | per-process context, made once per `Process` (cheap; must not fail for AccessDenied) |
//! | `struct RawCache: Default` | the raw records cached during `oneshot` |
//! | `type Proc<'a> = sys::proc::Proc<'a, Handle, RawCache>` | the argument of every process function |
//! | `struct Scan` + `Scan::take() -> Result<Scan>`, `Scan::pids(&self) -> Option<Vec<Pid>>`, `RawCache::primed(&Scan, Pid) -> Option<RawCache>` | what one process-table scan reads once for all processes (Windows: one `SystemProcessInformation` pass; Linux: nothing) and the oneshot cache it seeds for each process (None: nothing to seed, so a scan costs no extra work per process) |
//! | `fn translate(err, &mut Proc) -> Error` | the one error-translation point for process calls |
//! | `const TRUNCATED_NAME_FIXUP: bool` | psutil's POSIX rule: names of 15+ chars are completed from `argv[0]` |
//! | `fn rlimit_raw(Resource) -> Option<i32>` | the OS's number for a resource, None where the OS lacks it |
//! | `fn pid_exists(Pid) -> bool` | psutil's `pid_exists` |
//! | `fn implements(&str) -> bool` | whether this backend has written psutil's function (`cpu_times`) or `Process` method (`Process.cpu_times`) of that name (feeds `crate::capabilities`) |
//!
//! Which of these functions exist on which OS for psutil is data too: see
//! `crate::capabilities`.

/// Calls macro `$then` with the contract's list. Types in the list are resolved where
/// `$then` expands, which imports them.
macro_rules! contract_list {
    ($then:ident) => {
        $then! {
        // ------------------------------------------------------------ one process
        /// The process's identity, read when a `Process` is made and compared before
        /// every signal and setter. NoSuchProcess if the pid does not exist.
        process fn identity() -> Result<Identity>;
        /// When the process started, seconds since the epoch.
        process fn create_time() -> Result<f64>;
        /// True if the process with this pid is still `expected`, false if the pid
        /// was reused; NoSuchProcess if there is no process with the pid. Exact
        /// where the identity is (see `sys::records::Identity`).
        process fn same_process(expected: &Identity) -> Result<bool>;
        /// The name as the OS keeps it, bytes and all (POSIX kernels truncate it;
        /// see `TRUNCATED_NAME_FIXUP`).
        process fn name() -> Result<OsString>;
        /// The executable's absolute path; empty when there is none (kernel threads).
        process fn exe() -> Result<PathBuf>;
        /// The command line, one entry per argument. Empty for kernel threads.
        process fn cmdline() -> Result<Vec<OsString>>;
        /// The environment the process started with (or its current one, where the OS
        /// shows that).
        process fn environ() -> Result<HashMap<OsString, OsString>>;
        /// The status (zombies may answer ZombieProcess: the public layer maps it).
        process fn status() -> Result<Status>;
        /// The parent's pid, 0 when there is none.
        process fn ppid() -> Result<Pid>;
        /// The working directory.
        process fn cwd() -> Result<PathBuf>;
        /// Real, effective and saved user ids (POSIX).
        process fn uids() -> Result<Ids>;
        /// Real, effective and saved group ids (POSIX).
        process fn gids() -> Result<Ids>;
        /// The owner's name (`DOMAIN\\user` on Windows); the uid as text when it has none.
        process fn username() -> Result<String>;
        /// The controlling terminal's device path, None without one (POSIX).
        process fn terminal() -> Result<Option<String>>;
        /// I/O counters: calls and bytes.
        process fn io_counters() -> Result<IoCounters>;
        /// Voluntary and involuntary context switches.
        process fn num_ctx_switches() -> Result<CtxSwitches>;
        /// Open file descriptors (POSIX).
        process fn num_fds() -> Result<u32>;
        /// Open handles (Windows).
        process fn num_handles() -> Result<u32>;
        /// Number of threads.
        process fn num_threads() -> Result<u32>;
        /// Each thread's id and CPU seconds, ordered by id.
        process fn threads() -> Result<Vec<ThreadInfo>>;
        /// CPU seconds (user, system, children).
        process fn cpu_times() -> Result<CpuTimes>;
        /// The CPU the process last ran on.
        process fn cpu_num() -> Result<u32>;
        /// The nice value (POSIX) or the priority class number (Windows).
        process fn nice() -> Result<i32>;
        /// Memory use in bytes, with the OS's extra `pmem` fields.
        process fn memory_info() -> Result<MemoryInfo>;
        /// `memory_info` plus USS (and PSS, swap where the OS has them), bytes.
        process fn memory_full_info() -> Result<MemoryFullInfo>;
        /// Every memory mapping, in address order, with the OS's fields.
        process fn memory_maps() -> Result<Vec<MemoryMap>>;
        /// Regular files the process has open.
        process fn open_files() -> Result<Vec<OpenFile>>;
        /// The process's sockets of `kind`.
        process fn net_connections(kind: ConnKind) -> Result<Vec<Connection>>;
        /// The I/O priority.
        process fn ionice() -> Result<IoNice>;
        /// Sets the I/O priority; the arguments are already checked by the public layer.
        process fn set_ionice(ioclass: IoPriorityClass, value: i32) -> Result<()>;
        /// Sets the nice value / priority class.
        process fn set_nice(value: i32) -> Result<()>;
        /// The (soft, hard) limit of a resource.
        process fn rlimit(resource: Resource) -> Result<Rlimit>;
        /// Sets the (soft, hard) limit of a resource.
        process fn set_rlimit(resource: Resource, limits: Rlimit) -> Result<()>;
        /// The CPUs the process may run on (any order; the public layer sorts).
        process fn cpu_affinity() -> Result<Vec<u32>>;
        /// Pins the process to `cpus` (already checked against the machine's CPUs).
        process fn set_cpu_affinity(cpus: &[u32]) -> Result<()>;
        /// Sends `sig` if the process is still `expected`; NoSuchProcess ("its PID has
        /// been reused") otherwise. The check and the signal must not race: open a
        /// handle on the process first, compare through it, signal through it.
        process fn send_signal(expected: &Identity, sig: i32) -> Result<()>;
        /// Stops the process (SIGSTOP; Windows: suspends every thread).
        process fn suspend(expected: &Identity) -> Result<()>;
        /// Continues a stopped process (SIGCONT; Windows: resumes every thread).
        process fn resume(expected: &Identity) -> Result<()>;
        /// Asks the process to end (SIGTERM; Windows: TerminateProcess).
        process fn terminate(expected: &Identity) -> Result<()>;
        /// Ends the process (SIGKILL; Windows: TerminateProcess).
        process fn kill(expected: &Identity) -> Result<()>;
        /// Waits for the process to end: its exit code when the OS tells it (our child
        /// on POSIX, any process on Windows), None otherwise. TimeoutExpired when
        /// `timeout` passes first.
        process fn wait(timeout: Option<Duration>) -> Result<Option<ExitCode>>;

        // ------------------------------------------------------------ process list
        /// Every pid, sorted ascending.
        system fn pids() -> Result<Vec<Pid>>;
        /// Every process's parent and creation time (for `children()`), skipping
        /// processes that vanish; AccessDenied if one cannot be read.
        system fn ppid_map() -> Result<Vec<PpidEntry>>;

        // ------------------------------------------------------------------- CPU
        /// CPU seconds of the whole system by mode, all CPUs summed.
        system fn system_cpu_times() -> Result<SystemCpuTimes>;
        /// CPU seconds of each CPU.
        system fn system_cpu_times_percpu() -> Result<Vec<SystemCpuTimes>>;
        /// Context switches, interrupts, soft interrupts, syscalls since boot.
        system fn cpu_stats() -> Result<CpuStats>;
        /// Logical CPUs, None when unknown.
        system fn cpu_count_logical() -> Result<Option<u32>>;
        /// Physical cores, None when unknown.
        system fn cpu_count_cores() -> Result<Option<u32>>;
        /// Current, min and max frequency of each CPU (one entry when the OS gives
        /// only a system-wide figure), MHz.
        system fn cpu_freq_percpu() -> Result<Vec<CpuFreq>>;
        /// The 1, 5 and 15 minute load averages (Windows: psutil's emulation).
        system fn getloadavg() -> Result<LoadAvg>;

        // ---------------------------------------------------------------- memory
        /// Physical memory, bytes.
        system fn virtual_memory() -> Result<VirtualMemory>;
        /// Swap, bytes.
        system fn swap_memory() -> Result<SwapMemory>;
        /// Total physical memory, bytes (cheaper than `virtual_memory`; the public layer
        /// caches it for `memory_percent`).
        system fn total_memory() -> Result<u64>;

        // ----------------------------------------------------------------- disks
        /// Mounted file systems (`all`: also virtual ones).
        system fn disk_partitions(all: bool) -> Result<Vec<DiskPartition>>;
        /// Space of the file system holding `path`, bytes.
        system fn disk_usage(path: &Path) -> Result<DiskUsageRaw>;
        /// I/O counters of every disk, raw (the public layer corrects wraps and sums).
        system fn disk_io_counters() -> Result<Vec<DiskIoEntry>>;

        // --------------------------------------------------------------- network
        /// Traffic counters of every NIC, raw.
        system fn net_io_counters() -> Result<Vec<NicIoEntry>>;
        /// Addresses of every NIC.
        system fn net_if_addrs() -> Result<IndexMap<String, Vec<NicAddr>>>;
        /// State of every NIC.
        system fn net_if_stats() -> Result<IndexMap<String, NicStats>>;
        /// Every socket of `kind`, with owners when asked.
        system fn system_connections(kind: ConnKind, with_owners: bool) -> Result<Vec<SystemConnection>>;

        // --------------------------------------------------------------- sensors
        /// Temperatures by chip, °C.
        system fn sensors_temperatures() -> Result<IndexMap<String, Vec<Temperature>>>;
        /// Fan speeds by chip, RPM.
        system fn sensors_fans() -> Result<IndexMap<String, Vec<Fan>>>;
        /// The battery, None without one.
        system fn sensors_battery() -> Result<Option<Battery>>;

        // ------------------------------------------------------------------ host
        /// Boot time, epoch seconds, read now (the public layer caches it for
        /// `create_time` where a backend needs that).
        system fn boot_time() -> Result<f64>;
        /// Logged-in users.
        system fn users() -> Result<Vec<User>>;
        /// Logged-in users of another utmp file (Linux).
        system fn users_from(file: &Path) -> Result<Vec<User>>;
        /// The C heap of this process, bytes.
        system fn heap_info() -> Result<HeapInfo>;
        /// Returns free heap memory to the OS.
        system fn heap_trim() -> Result<()>;

        // -------------------------------------------------------- Windows services
        /// Every Win32 service with all its fields, from one SCM enumeration (plus
        /// each service's config and description queries); an entry is an error
        /// when its own queries fail; services deleted meanwhile are left out.
        system fn win_service_iter() -> Result<Vec<Result<WindowsService>>>;
        /// The service `name`: NoSuchProcess for an unknown or invalid name,
        /// AccessDenied (no pid) when it may not be queried.
        system fn win_service_get(name: &str) -> Result<WindowsService>;
        }
    };
}
