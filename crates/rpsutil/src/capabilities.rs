//! Which functions, `Process` methods and constants exist on which OS: psutil
//! 7.2.2's availability matrix as data (psutil defines a method only where its
//! backend has it: `hasattr(psutil.Process, "ionice")` is False on macOS). The
//! Python binding reads [`available`] to decide which attributes to define; the
//! contract test `tests/contracts.rs` checks that every call answers
//! [`crate::Error::Unsupported`] exactly where [`available`] is false.
//!
//! ```
//! use rpsutil::capabilities::{available, Kind};
//! // On Linux:
//! # #[cfg(target_os = "linux")] {
//! assert!(available(Kind::Method, "ionice"));
//! assert!(!available(Kind::Method, "num_handles"));
//! assert!(available(Kind::Function, "cpu_times"));
//! # }
//! ```

use crate::types::fields::Os;

/// What kind of name a capability is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A module-level function (`psutil.cpu_freq`).
    Function,
    /// A `Process` method (`psutil.Process.ionice`).
    Method,
    /// A module-level constant (`psutil.PROCFS_PATH`).
    Constant,
}

/// One row of psutil's availability matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capability {
    /// psutil's name.
    pub name: &'static str,
    /// Function, method or constant.
    pub kind: Kind,
    /// psutil has it on Linux, Windows, macOS, FreeBSD, OpenBSD, NetBSD, SunOS, AIX.
    on: [bool; 8],
}

impl Capability {
    /// True if psutil 7.2.2 has this name on `os`.
    pub fn in_psutil(&self, os: Os) -> bool {
        let i = Os::ALL.iter().position(|o| *o == os).unwrap_or(0);
        self.on[i]
    }
}

const ALL8: [bool; 8] = [true; 8];
const fn func(name: &'static str, on: [bool; 8]) -> Capability {
    Capability {
        name,
        kind: Kind::Function,
        on,
    }
}
const fn method(name: &'static str, on: [bool; 8]) -> Capability {
    Capability {
        name,
        kind: Kind::Method,
        on,
    }
}

const T: bool = true;
const F: bool = false;

/// psutil 7.2.2's availability matrix, columns in [`Os::ALL`] order (L W M F O N S
/// A) (`psutil-api.md` §14-15; psutil's
/// `tests/test_contracts.py`). Rows marked ✓ with a footnote there (cpu_freq on
/// ARM64 macOS, heap_info on musl, AIX's net_io_counters) are listed as present.
pub const PSUTIL: &[Capability] = &[
    // Module functions.
    func("pids", ALL8),
    func("pid_exists", ALL8),
    func("process_iter", ALL8),
    func("wait_procs", ALL8),
    func("cpu_times", ALL8),
    func("cpu_percent", ALL8),
    func("cpu_times_percent", ALL8),
    func("cpu_count", ALL8),
    func("cpu_stats", ALL8),
    func("cpu_freq", [T, T, T, T, T, F, F, F]),
    func("getloadavg", ALL8),
    func("virtual_memory", ALL8),
    func("swap_memory", ALL8),
    func("disk_partitions", ALL8),
    func("disk_usage", ALL8),
    func("disk_io_counters", ALL8),
    func("net_io_counters", ALL8),
    func("net_connections", ALL8),
    func("net_if_addrs", ALL8),
    func("net_if_stats", ALL8),
    func("sensors_temperatures", [T, F, F, T, F, F, F, F]),
    func("sensors_fans", [T, F, F, F, F, F, F, F]),
    func("sensors_battery", [T, T, T, T, F, F, F, F]),
    func("boot_time", ALL8),
    func("users", ALL8),
    func("heap_info", [T, T, T, T, F, T, F, F]),
    func("heap_trim", [T, T, T, T, F, T, F, F]),
    func("win_service_iter", [F, T, F, F, F, F, F, F]),
    func("win_service_get", [F, T, F, F, F, F, F, F]),
    Capability {
        name: "PROCFS_PATH",
        kind: Kind::Constant,
        on: [T, F, F, F, F, F, T, T],
    },
    // Process methods.
    method("uids", [T, F, T, T, T, T, T, T]),
    method("gids", [T, F, T, T, T, T, T, T]),
    method("terminal", [T, F, T, T, T, T, T, T]),
    method("num_fds", [T, F, T, T, T, T, T, T]),
    method("num_handles", [F, T, F, F, F, F, F, F]),
    method("environ", ALL8),
    method("ionice", [T, T, F, F, F, F, F, F]),
    method("rlimit", [T, F, F, T, F, F, F, F]),
    method("io_counters", [T, T, F, T, T, T, F, T]),
    method("cpu_affinity", [T, T, F, T, F, F, F, F]),
    method("cpu_num", [T, F, F, T, F, F, T, F]),
    method("memory_maps", [T, T, F, T, F, F, T, F]),
    method("threads", ALL8),
    method("name", ALL8),
    method("exe", ALL8),
    method("cmdline", ALL8),
    method("status", ALL8),
    method("ppid", ALL8),
    method("parent", ALL8),
    method("parents", ALL8),
    method("children", ALL8),
    method("cwd", ALL8),
    method("username", ALL8),
    method("create_time", ALL8),
    method("cpu_times", ALL8),
    method("cpu_percent", ALL8),
    method("memory_info", ALL8),
    method("memory_full_info", ALL8),
    method("memory_percent", ALL8),
    method("open_files", ALL8),
    method("net_connections", ALL8),
    method("nice", ALL8),
    method("num_ctx_switches", ALL8),
    method("num_threads", ALL8),
    method("send_signal", ALL8),
    method("suspend", ALL8),
    method("resume", ALL8),
    method("terminate", ALL8),
    method("kill", ALL8),
    method("wait", ALL8),
    method("is_running", ALL8),
    method("oneshot", ALL8),
    method("as_dict", ALL8),
];

/// True if the function, method or constant `name` of [`PSUTIL`] works with this
/// build: psutil has it on this OS and rpsutil's backend for this OS implements it.
/// False for unknown names and on OSes psutil does not support. (`cpu_times`,
/// `cpu_percent` and `net_connections` are both functions and methods.)
pub fn available(kind: Kind, name: &str) -> bool {
    let Some(os) = Os::current() else {
        return false;
    };
    let implemented = match kind {
        // The backends name methods `Process.<name>`.
        Kind::Method => crate::sys::imp::implements(&format!("Process.{name}")),
        Kind::Function | Kind::Constant => crate::sys::imp::implements(name),
    };
    implemented
        && PSUTIL
            .iter()
            .any(|c| c.kind == kind && c.name == name && c.in_psutil(os))
}

/// Every row of [`PSUTIL`] with its availability in this build.
pub fn capabilities() -> impl Iterator<Item = (&'static Capability, bool)> {
    PSUTIL.iter().map(|c| (c, available(c.kind, c.name)))
}
