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
    /// Page faults (Windows `PageFaultCount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_page_faults: Option<u64>,
    /// Peak working set (Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_wset: Option<u64>,
    /// Working set (Windows; `rss` is the same number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wset: Option<u64>,
    /// Peak paged pool (Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_paged_pool: Option<u64>,
    /// Paged pool (Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paged_pool: Option<u64>,
    /// Peak non-paged pool (Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_nonpaged_pool: Option<u64>,
    /// Non-paged pool (Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonpaged_pool: Option<u64>,
    /// Pagefile use, i.e. commit charge (Windows; `vms` is the same number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagefile: Option<u64>,
    /// Peak pagefile use (Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_pagefile: Option<u64>,
    /// Private bytes (Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private: Option<u64>,
    /// Page faults (macOS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pfaults: Option<u64>,
    /// Page-ins (macOS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pageins: Option<u64>,
    /// Stack size (BSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack: Option<u64>,
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

/// The memory type [`crate::Process::memory_percent`] uses (psutil's `memtype`):
/// any field of `pmem` or `pfullmem` on some OS. Which ones this OS has is
/// [`crate::types::fields::fields`]`("pfullmem", os)`; the others are rejected
/// with psutil's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// `num_page_faults`
    NumPageFaults,
    /// `peak_wset`
    PeakWset,
    /// `wset`
    Wset,
    /// `peak_paged_pool`
    PeakPagedPool,
    /// `paged_pool`
    PagedPool,
    /// `peak_nonpaged_pool`
    PeakNonpagedPool,
    /// `nonpaged_pool`
    NonpagedPool,
    /// `pagefile`
    Pagefile,
    /// `peak_pagefile`
    PeakPagefile,
    /// `private`
    Private,
    /// `pfaults`
    Pfaults,
    /// `pageins`
    Pageins,
    /// `stack`
    Stack,
    /// `uss`
    Uss,
    /// `pss`
    Pss,
    /// `swap`
    Swap,
}

impl MemType {
    /// Every memory type, `pmem` fields first.
    pub const ALL: [MemType; 23] = [
        MemType::Rss,
        MemType::Vms,
        MemType::Shared,
        MemType::Text,
        MemType::Lib,
        MemType::Data,
        MemType::Dirty,
        MemType::NumPageFaults,
        MemType::PeakWset,
        MemType::Wset,
        MemType::PeakPagedPool,
        MemType::PagedPool,
        MemType::PeakNonpagedPool,
        MemType::NonpagedPool,
        MemType::Pagefile,
        MemType::PeakPagefile,
        MemType::Private,
        MemType::Pfaults,
        MemType::Pageins,
        MemType::Stack,
        MemType::Uss,
        MemType::Pss,
        MemType::Swap,
    ];

    /// psutil's field name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemType::Rss => "rss",
            MemType::Vms => "vms",
            MemType::Shared => "shared",
            MemType::Text => "text",
            MemType::Lib => "lib",
            MemType::Data => "data",
            MemType::Dirty => "dirty",
            MemType::NumPageFaults => "num_page_faults",
            MemType::PeakWset => "peak_wset",
            MemType::Wset => "wset",
            MemType::PeakPagedPool => "peak_paged_pool",
            MemType::PagedPool => "paged_pool",
            MemType::PeakNonpagedPool => "peak_nonpaged_pool",
            MemType::NonpagedPool => "nonpaged_pool",
            MemType::Pagefile => "pagefile",
            MemType::PeakPagefile => "peak_pagefile",
            MemType::Private => "private",
            MemType::Pfaults => "pfaults",
            MemType::Pageins => "pageins",
            MemType::Stack => "stack",
            MemType::Uss => "uss",
            MemType::Pss => "pss",
            MemType::Swap => "swap",
        }
    }

    /// The value of this field in `m`, None when this OS does not fill it.
    pub fn value_in(self, m: &MemoryFullInfo) -> Option<u64> {
        let b = &m.basic;
        match self {
            MemType::Rss => Some(b.rss),
            MemType::Vms => Some(b.vms),
            MemType::Shared => b.shared,
            MemType::Text => b.text,
            MemType::Lib => b.lib,
            MemType::Data => b.data,
            MemType::Dirty => b.dirty,
            MemType::NumPageFaults => b.num_page_faults,
            MemType::PeakWset => b.peak_wset,
            MemType::Wset => b.wset,
            MemType::PeakPagedPool => b.peak_paged_pool,
            MemType::PagedPool => b.paged_pool,
            MemType::PeakNonpagedPool => b.peak_nonpaged_pool,
            MemType::NonpagedPool => b.nonpaged_pool,
            MemType::Pagefile => b.pagefile,
            MemType::PeakPagefile => b.peak_pagefile,
            MemType::Private => b.private,
            MemType::Pfaults => b.pfaults,
            MemType::Pageins => b.pageins,
            MemType::Stack => b.stack,
            MemType::Uss => m.uss,
            MemType::Pss => m.pss,
            MemType::Swap => m.swap,
        }
    }

    /// True for the fields of `memory_full_info` that `memory_info` lacks.
    pub fn needs_full_info(self) -> bool {
        matches!(self, MemType::Uss | MemType::Pss | MemType::Swap)
    }
}

impl std::str::FromStr for MemType {
    type Err = crate::Error;
    /// psutil's field name; errors list the names psutil accepts on this OS.
    fn from_str(s: &str) -> crate::Result<Self> {
        MemType::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| invalid_memtype(s))
    }
}

/// psutil's ValueError for a memtype this OS does not have.
pub(crate) fn invalid_memtype(s: &str) -> crate::Error {
    let valid = super::fields::Os::current()
        .and_then(|os| super::fields::fields("pfullmem", os))
        .unwrap_or(&[]);
    let list = valid
        .iter()
        .map(|f| format!("'{f}'"))
        .collect::<Vec<_>>()
        .join(", ");
    crate::Error::invalid(format!("invalid memtype '{s}'; valid types are ({list})"))
}

/// psutil's `pmmap_grouped`: one file's mappings summed, sizes in bytes. Only
/// `path` and `rss` exist on every OS that has memory maps; the others are the
/// OS's own fields (see [`crate::types::fields`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct MemoryMapGrouped {
    /// The mapped file, or `[anon]`, `[heap]`, `[stack]`, `[vdso]`... (a path of
    /// any bytes; JSON shows it as text, bytes that are not UTF-8 replaced).
    #[serde(serialize_with = "crate::types::lossy_path")]
    pub path: PathBuf,
    /// Resident bytes.
    pub rss: u64,
    /// Mapped size (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Proportional set size (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pss: Option<u64>,
    /// Shared clean bytes (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_clean: Option<u64>,
    /// Shared dirty bytes (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_dirty: Option<u64>,
    /// Private clean bytes (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_clean: Option<u64>,
    /// Private dirty bytes (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_dirty: Option<u64>,
    /// Referenced bytes (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referenced: Option<u64>,
    /// Anonymous bytes (Linux, SunOS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymous: Option<u64>,
    /// Swapped-out bytes (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swap: Option<u64>,
    /// Private pages (FreeBSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private: Option<u64>,
    /// Reference count (FreeBSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ref_count: Option<u64>,
    /// Shadow count (FreeBSD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shadow_count: Option<u64>,
    /// Locked bytes (SunOS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<u64>,
}

impl MemoryMapGrouped {
    /// Adds `other`'s sizes to this one's (psutil's grouping by path); a field
    /// present in either stays present.
    pub(crate) fn add(&mut self, other: &MemoryMapGrouped) {
        fn sum(a: &mut Option<u64>, b: Option<u64>) {
            if let Some(b) = b {
                *a = Some(a.unwrap_or(0).saturating_add(b));
            }
        }
        self.rss = self.rss.saturating_add(other.rss);
        for (a, b) in [
            (&mut self.size, other.size),
            (&mut self.pss, other.pss),
            (&mut self.shared_clean, other.shared_clean),
            (&mut self.shared_dirty, other.shared_dirty),
            (&mut self.private_clean, other.private_clean),
            (&mut self.private_dirty, other.private_dirty),
            (&mut self.referenced, other.referenced),
            (&mut self.anonymous, other.anonymous),
            (&mut self.swap, other.swap),
            (&mut self.private, other.private),
            (&mut self.ref_count, other.ref_count),
            (&mut self.shadow_count, other.shadow_count),
            (&mut self.locked, other.locked),
        ] {
            sum(a, b);
        }
    }
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
    /// I/O operations other than reads and writes, e.g. device controls (Windows
    /// `OtherOperationCount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_count: Option<u64>,
    /// Bytes moved by those other operations (Windows `OtherTransferCount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_bytes: Option<u64>,
}

/// psutil's `IOPriority`: on Linux the I/O scheduling class (`ioprio_set(2)`), on
/// Windows the I/O priority hint (`IOPRIO_VERYLOW`..`IOPRIO_HIGH`, psutil's
/// `_pswindows.IOPriority`). Each OS uses only its own variants. Serialises as its
/// integer, as psutil's IntEnum.
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
    /// `IOPRIO_VERYLOW` (0, Windows).
    VeryLow,
    /// `IOPRIO_LOW` (1, Windows).
    Low,
    /// `IOPRIO_NORMAL` (2, Windows).
    Normal,
    /// `IOPRIO_HIGH` (3, Windows).
    High,
}

impl IoPriorityClass {
    /// psutil's number for the class (Linux: the kernel's class; Windows: the
    /// I/O priority hint).
    pub fn as_raw(self) -> i32 {
        match self {
            IoPriorityClass::None | IoPriorityClass::VeryLow => 0,
            IoPriorityClass::Realtime | IoPriorityClass::Low => 1,
            IoPriorityClass::BestEffort | IoPriorityClass::Normal => 2,
            IoPriorityClass::Idle | IoPriorityClass::High => 3,
        }
    }

    /// The class of this OS for a number, if it is one of the four.
    pub fn from_raw(raw: i32) -> Option<Self> {
        IoPriorityClass::of_this_os()
            .iter()
            .copied()
            .find(|c| c.as_raw() == raw)
    }

    /// The four classes psutil has on this OS (Windows: the hints; elsewhere
    /// Linux's classes, which only Linux uses).
    pub fn of_this_os() -> &'static [IoPriorityClass] {
        if cfg!(windows) {
            &[
                IoPriorityClass::VeryLow,
                IoPriorityClass::Low,
                IoPriorityClass::Normal,
                IoPriorityClass::High,
            ]
        } else {
            &[
                IoPriorityClass::None,
                IoPriorityClass::Realtime,
                IoPriorityClass::BestEffort,
                IoPriorityClass::Idle,
            ]
        }
    }

    /// psutil's constant name (`IOPRIO_CLASS_BE`...).
    pub fn name(self) -> &'static str {
        match self {
            IoPriorityClass::None => "IOPRIO_CLASS_NONE",
            IoPriorityClass::Realtime => "IOPRIO_CLASS_RT",
            IoPriorityClass::BestEffort => "IOPRIO_CLASS_BE",
            IoPriorityClass::Idle => "IOPRIO_CLASS_IDLE",
            IoPriorityClass::VeryLow => "IOPRIO_VERYLOW",
            IoPriorityClass::Low => "IOPRIO_LOW",
            IoPriorityClass::Normal => "IOPRIO_NORMAL",
            IoPriorityClass::High => "IOPRIO_HIGH",
        }
    }
}

impl std::str::FromStr for IoPriorityClass {
    type Err = crate::Error;
    /// Accepts the number, the psutil name, or `none`/`rt`/`realtime`/`be`/
    /// `best-effort`/`idle` as `ionice(1)` does.
    fn from_str(s: &str) -> crate::Result<Self> {
        let lower = s.to_ascii_lowercase();
        let found = match lower
            .trim_start_matches("ioprio_class_")
            .trim_start_matches("ioprio_")
        {
            "verylow" | "very-low" => Some(IoPriorityClass::VeryLow),
            "low" => Some(IoPriorityClass::Low),
            "normal" => Some(IoPriorityClass::Normal),
            "high" => Some(IoPriorityClass::High),
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

/// psutil's `pionice` (Linux): I/O class and priority level (0 highest .. 7 lowest).
/// On Windows psutil's `ionice()` returns the bare `IOPriority` value: there `value`
/// is 0 and the JSON is the class's number alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IoNice {
    /// The class.
    pub ioclass: IoPriorityClass,
    /// The level within the class (0-7; 0 for NONE and IDLE).
    pub value: i32,
}

impl Serialize for IoNice {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        if matches!(
            self.ioclass,
            IoPriorityClass::VeryLow
                | IoPriorityClass::Low
                | IoPriorityClass::Normal
                | IoPriorityClass::High
        ) {
            return self.ioclass.serialize(s);
        }
        let mut st = s.serialize_struct("pionice", 2)?;
        st.serialize_field("ioclass", &self.ioclass)?;
        st.serialize_field("value", &self.value)?;
        st.end()
    }
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
