//! The values `Process` methods return: one struct per psutil namedtuple, with
//! psutil's field names and units (bytes, seconds as `f64`).
//!
//! A field that exists only on some OSes is an `Option` and is left out of the JSON
//! when it is `None`, so each OS serialises exactly psutil's namedtuple for that OS.

use std::fmt;
use std::path::PathBuf;

use serde::{Serialize, Serializer};

/// A process status (psutil's `STATUS_*` constants). Serialises as psutil's string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// `"running"` (Linux `R`).
    Running,
    /// `"sleeping"` (Linux `S`).
    Sleeping,
    /// `"disk-sleep"` (Linux `D`).
    DiskSleep,
    /// `"stopped"` (Linux `T`).
    Stopped,
    /// `"tracing-stop"` (Linux `t`).
    TracingStop,
    /// `"zombie"` (Linux `Z`).
    Zombie,
    /// `"dead"` (Linux `X`, `x`).
    Dead,
    /// `"wake-kill"` (Linux `K`).
    WakeKill,
    /// `"waking"` (Linux `W`).
    Waking,
    /// `"idle"` (Linux `I`).
    Idle,
    /// `"locked"` (FreeBSD).
    Locked,
    /// `"waiting"` (FreeBSD, Solaris).
    Waiting,
    /// `"suspended"` (NetBSD).
    Suspended,
    /// `"parked"` (Linux `P`).
    Parked,
    /// `"?"`: a state letter this version does not know.
    Unknown,
}

impl Status {
    /// psutil's string for this status.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Sleeping => "sleeping",
            Status::DiskSleep => "disk-sleep",
            Status::Stopped => "stopped",
            Status::TracingStop => "tracing-stop",
            Status::Zombie => "zombie",
            Status::Dead => "dead",
            Status::WakeKill => "wake-kill",
            Status::Waking => "waking",
            Status::Idle => "idle",
            Status::Locked => "locked",
            Status::Waiting => "waiting",
            Status::Suspended => "suspended",
            Status::Parked => "parked",
            Status::Unknown => "?",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// psutil's `pcputimes`: CPU seconds of a process.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[non_exhaustive]
pub struct CpuTimes {
    /// Seconds in user mode.
    pub user: f64,
    /// Seconds in kernel mode.
    pub system: f64,
    /// User seconds of waited-for children.
    pub children_user: f64,
    /// System seconds of waited-for children.
    pub children_system: f64,
    /// Seconds waiting for block I/O (Linux only; non-zero only with delay accounting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iowait: Option<f64>,
}

/// psutil's `pmem`: memory of a process, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct MemoryInfo {
    /// Resident set size.
    pub rss: u64,
    /// Virtual memory size.
    pub vms: u64,
    /// Resident shared memory (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<u64>,
    /// Code (Linux, BSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<u64>,
    /// Libraries (Linux; always 0 since 2.6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lib: Option<u64>,
    /// Data + stack (Linux, BSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<u64>,
    /// Dirty pages (Linux; always 0 since 2.6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dirty: Option<u64>,
}

/// psutil's `pfullmem`: [`MemoryInfo`] plus USS, PSS and swap, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct MemoryFullInfo {
    /// The `memory_info()` fields.
    #[serde(flatten)]
    pub basic: MemoryInfo,
    /// Unique set size: memory freed if the process ended now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uss: Option<u64>,
    /// Proportional set size (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pss: Option<u64>,
    /// Swapped-out memory (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swap: Option<u64>,
}

/// The memory type [`crate::Process::memory_percent`] uses (psutil's `memtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemType {
    /// `rss`
    Rss,
    /// `vms`
    Vms,
    /// `shared`
    Shared,
    /// `text`
    Text,
    /// `lib`
    Lib,
    /// `data`
    Data,
    /// `dirty`
    Dirty,
    /// `uss`
    Uss,
    /// `pss`
    Pss,
    /// `swap`
    Swap,
}

impl std::str::FromStr for MemType {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        Ok(match s {
            "rss" => MemType::Rss,
            "vms" => MemType::Vms,
            "shared" => MemType::Shared,
            "text" => MemType::Text,
            "lib" => MemType::Lib,
            "data" => MemType::Data,
            "dirty" => MemType::Dirty,
            "uss" => MemType::Uss,
            "pss" => MemType::Pss,
            "swap" => MemType::Swap,
            _ => {
                return Err(crate::Error::invalid(format!(
                    "invalid memtype '{s}'; valid types are ('rss', 'vms', 'shared', 'text', 'lib', 'data', 'dirty', 'uss', 'pss', 'swap')"
                )))
            }
        })
    }
}

/// psutil's `pmmap_grouped`: one file's mappings summed, sizes in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct MemoryMapGrouped {
    /// The mapped file, or `[anon]`, `[heap]`, `[stack]`, `[vdso]`...
    pub path: String,
    /// Resident bytes.
    pub rss: u64,
    /// Mapped size.
    pub size: u64,
    /// Proportional set size.
    pub pss: u64,
    /// Shared clean bytes.
    pub shared_clean: u64,
    /// Shared dirty bytes.
    pub shared_dirty: u64,
    /// Private clean bytes.
    pub private_clean: u64,
    /// Private dirty bytes.
    pub private_dirty: u64,
    /// Referenced bytes.
    pub referenced: u64,
    /// Anonymous bytes.
    pub anonymous: u64,
    /// Swapped-out bytes.
    pub swap: u64,
}

/// psutil's `pmmap_ext`: one mapping, sizes in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct MemoryMap {
    /// `start-end` addresses in hex.
    pub addr: String,
    /// Permissions, e.g. `r-xp`.
    pub perms: String,
    /// The summed fields; `path` is the mapped file or pseudo-path.
    #[serde(flatten)]
    pub region: MemoryMapGrouped,
}

/// psutil's `popenfile`: a regular file the process has open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OpenFile {
    /// Absolute path.
    pub path: PathBuf,
    /// File descriptor number (-1 on Windows).
    pub fd: i32,
    /// File offset in bytes (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
    /// `r`, `w`, `a`, `r+` or `a+` (Linux), derived from `flags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The `open(2)` flags (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<i32>,
}

/// psutil's `pthread`: one thread's CPU times.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ThreadInfo {
    /// Thread id.
    pub id: u32,
    /// User seconds.
    pub user_time: f64,
    /// System seconds.
    pub system_time: f64,
}

/// psutil's `puids`/`pgids`: real, effective and saved ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Ids {
    /// Real id.
    pub real: u32,
    /// Effective id.
    pub effective: u32,
    /// Saved id.
    pub saved: u32,
}

/// psutil's `pctxsw`: context switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct CtxSwitches {
    /// Voluntary switches (the process waited).
    pub voluntary: u64,
    /// Involuntary switches (preempted).
    pub involuntary: u64,
}

/// psutil's `pio`: I/O counters of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct IoCounters {
    /// Read syscalls.
    pub read_count: u64,
    /// Write syscalls.
    pub write_count: u64,
    /// Bytes read from storage.
    pub read_bytes: u64,
    /// Bytes written to storage.
    pub write_bytes: u64,
    /// Bytes passed to read syscalls, cache hits included (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_chars: Option<u64>,
    /// Bytes passed to write syscalls (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_chars: Option<u64>,
}

/// psutil's `IOPriority` on Linux: the I/O scheduling class (`ioprio_set(2)`).
/// Serialises as its integer, as psutil's IntEnum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IoPriorityClass {
    /// `IOPRIO_CLASS_NONE` (0): derived from the nice value.
    None,
    /// `IOPRIO_CLASS_RT` (1): real time.
    Realtime,
    /// `IOPRIO_CLASS_BE` (2): best effort.
    BestEffort,
    /// `IOPRIO_CLASS_IDLE` (3): only when the disk is idle.
    Idle,
}

impl IoPriorityClass {
    /// The kernel's number for the class.
    pub fn as_raw(self) -> i32 {
        match self {
            IoPriorityClass::None => 0,
            IoPriorityClass::Realtime => 1,
            IoPriorityClass::BestEffort => 2,
            IoPriorityClass::Idle => 3,
        }
    }

    /// The class for a kernel number, if it is one of the four.
    pub fn from_raw(raw: i32) -> Option<Self> {
        Some(match raw {
            0 => IoPriorityClass::None,
            1 => IoPriorityClass::Realtime,
            2 => IoPriorityClass::BestEffort,
            3 => IoPriorityClass::Idle,
            _ => return None,
        })
    }

    /// psutil's constant name (`IOPRIO_CLASS_BE`...).
    pub fn name(self) -> &'static str {
        match self {
            IoPriorityClass::None => "IOPRIO_CLASS_NONE",
            IoPriorityClass::Realtime => "IOPRIO_CLASS_RT",
            IoPriorityClass::BestEffort => "IOPRIO_CLASS_BE",
            IoPriorityClass::Idle => "IOPRIO_CLASS_IDLE",
        }
    }
}

impl std::str::FromStr for IoPriorityClass {
    type Err = crate::Error;
    /// Accepts the number, the psutil name, or `none`/`rt`/`realtime`/`be`/
    /// `best-effort`/`idle` as `ionice(1)` does.
    fn from_str(s: &str) -> crate::Result<Self> {
        let lower = s.to_ascii_lowercase();
        let found = match lower.trim_start_matches("ioprio_class_") {
            "0" | "none" => Some(IoPriorityClass::None),
            "1" | "rt" | "realtime" => Some(IoPriorityClass::Realtime),
            "2" | "be" | "best-effort" => Some(IoPriorityClass::BestEffort),
            "3" | "idle" => Some(IoPriorityClass::Idle),
            _ => None,
        };
        found.ok_or_else(|| crate::Error::invalid(format!("invalid I/O priority class {s:?}")))
    }
}

impl Serialize for IoPriorityClass {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i32(self.as_raw())
    }
}

/// psutil's `pionice`: I/O class and priority level (0 highest .. 7 lowest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct IoNice {
    /// The class.
    pub ioclass: IoPriorityClass,
    /// The level within the class (0-7; 0 for NONE and IDLE).
    pub value: i32,
}

/// A resource of [`crate::Process::rlimit`] (`getrlimit(2)`; psutil's `RLIMIT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Resource {
    /// `RLIMIT_AS`: address space, bytes.
    As,
    /// `RLIMIT_CORE`: core file size, bytes.
    Core,
    /// `RLIMIT_CPU`: CPU time, seconds.
    Cpu,
    /// `RLIMIT_DATA`: data segment, bytes.
    Data,
    /// `RLIMIT_FSIZE`: file size, bytes.
    Fsize,
    /// `RLIMIT_LOCKS`: file locks (Linux).
    Locks,
    /// `RLIMIT_MEMLOCK`: locked memory, bytes.
    Memlock,
    /// `RLIMIT_MSGQUEUE`: POSIX message queue bytes (Linux).
    Msgqueue,
    /// `RLIMIT_NICE`: nice ceiling, as `20 - nice` (Linux).
    Nice,
    /// `RLIMIT_NOFILE`: open files.
    Nofile,
    /// `RLIMIT_NPROC`: processes of the real user.
    Nproc,
    /// `RLIMIT_RSS`: resident set (no effect since Linux 2.6).
    Rss,
    /// `RLIMIT_RTPRIO`: real-time priority ceiling (Linux).
    Rtprio,
    /// `RLIMIT_RTTIME`: real-time CPU microseconds (Linux).
    Rttime,
    /// `RLIMIT_SIGPENDING`: queued signals (Linux).
    Sigpending,
    /// `RLIMIT_STACK`: stack size, bytes.
    Stack,
    /// `RLIMIT_SWAP`: swap (FreeBSD).
    Swap,
    /// `RLIMIT_SBSIZE`: socket buffers (FreeBSD).
    Sbsize,
    /// `RLIMIT_NPTS`: pseudo-terminals (FreeBSD).
    Npts,
}

impl Resource {
    /// Every resource, in psutil's alphabetical `dir()` order.
    pub const ALL: [Resource; 19] = [
        Resource::As,
        Resource::Core,
        Resource::Cpu,
        Resource::Data,
        Resource::Fsize,
        Resource::Locks,
        Resource::Memlock,
        Resource::Msgqueue,
        Resource::Nice,
        Resource::Nofile,
        Resource::Nproc,
        Resource::Npts,
        Resource::Rss,
        Resource::Rtprio,
        Resource::Rttime,
        Resource::Sbsize,
        Resource::Sigpending,
        Resource::Stack,
        Resource::Swap,
    ];

    /// psutil's constant name, e.g. `RLIMIT_NOFILE`.
    pub fn name(self) -> &'static str {
        match self {
            Resource::As => "RLIMIT_AS",
            Resource::Core => "RLIMIT_CORE",
            Resource::Cpu => "RLIMIT_CPU",
            Resource::Data => "RLIMIT_DATA",
            Resource::Fsize => "RLIMIT_FSIZE",
            Resource::Locks => "RLIMIT_LOCKS",
            Resource::Memlock => "RLIMIT_MEMLOCK",
            Resource::Msgqueue => "RLIMIT_MSGQUEUE",
            Resource::Nice => "RLIMIT_NICE",
            Resource::Nofile => "RLIMIT_NOFILE",
            Resource::Nproc => "RLIMIT_NPROC",
            Resource::Rss => "RLIMIT_RSS",
            Resource::Rtprio => "RLIMIT_RTPRIO",
            Resource::Rttime => "RLIMIT_RTTIME",
            Resource::Sigpending => "RLIMIT_SIGPENDING",
            Resource::Stack => "RLIMIT_STACK",
            Resource::Swap => "RLIMIT_SWAP",
            Resource::Sbsize => "RLIMIT_SBSIZE",
            Resource::Npts => "RLIMIT_NPTS",
        }
    }
}

/// The value psutil uses for "no limit" (`RLIM_INFINITY`, -1 on Linux).
pub const RLIM_INFINITY: i64 = -1;

/// A (soft, hard) limit pair; [`RLIM_INFINITY`] means unlimited. Serialises as
/// `[soft, hard]`, as psutil's plain tuple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Rlimit(pub i64, pub i64);

impl Rlimit {
    /// The soft (current) limit.
    pub fn soft(self) -> i64 {
        self.0
    }
    /// The hard (maximum) limit.
    pub fn hard(self) -> i64 {
        self.1
    }
}

/// How a process ended, as [`crate::Process::wait`] reports it. Serialises as psutil's
/// value: the exit code, or minus the signal number (psutil's `Negsignal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitCode {
    /// Exited normally with this code (0-255).
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
}

impl ExitCode {
    /// psutil's integer: the exit code, or `-signal`.
    pub fn as_psutil(self) -> i32 {
        match self {
            ExitCode::Exited(c) => c,
            ExitCode::Signaled(s) => -s,
        }
    }
}

impl Serialize for ExitCode {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i32(self.as_psutil())
    }
}

/// A process id.
pub type Pid = u32;
