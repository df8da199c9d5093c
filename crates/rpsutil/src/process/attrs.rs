//! `as_dict` / `process_iter(attrs)` snapshots: [`Attr`] names an attribute,
//! [`ProcessInfo`] holds the values read for one process.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::handle::Process;
use super::Pid;
use crate::error::FieldError;
use crate::net::{ConnKind, Connection};
use crate::types::process::*;
use crate::{Error, Result};

/// An attribute [`Process::as_dict`] and [`super::process_iter_attrs`] can read:
/// psutil's `as_dict` names (every public getter without arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum Attr {
    Cmdline,
    CpuAffinity,
    CpuNum,
    CpuPercent,
    CpuTimes,
    CreateTime,
    Cwd,
    Environ,
    Exe,
    Gids,
    IoCounters,
    Ionice,
    MemoryFullInfo,
    MemoryInfo,
    MemoryMaps,
    MemoryPercent,
    Name,
    NetConnections,
    Nice,
    NumCtxSwitches,
    NumFds,
    NumHandles,
    NumThreads,
    OpenFiles,
    Pid,
    Ppid,
    Status,
    Terminal,
    Threads,
    Uids,
    Username,
}

impl Attr {
    /// Every attribute of any OS (Linux's `as_dict()` has 30 of them, Windows' adds
    /// `num_handles`); [`Attr::all`] is this OS's list.
    const EVERY: [Attr; 31] = [
        Attr::Cmdline,
        Attr::CpuAffinity,
        Attr::CpuNum,
        Attr::CpuPercent,
        Attr::CpuTimes,
        Attr::CreateTime,
        Attr::Cwd,
        Attr::Environ,
        Attr::Exe,
        Attr::Gids,
        Attr::IoCounters,
        Attr::Ionice,
        Attr::MemoryFullInfo,
        Attr::MemoryInfo,
        Attr::MemoryMaps,
        Attr::MemoryPercent,
        Attr::Name,
        Attr::NetConnections,
        Attr::Nice,
        Attr::NumCtxSwitches,
        Attr::NumFds,
        Attr::NumHandles,
        Attr::NumThreads,
        Attr::OpenFiles,
        Attr::Pid,
        Attr::Ppid,
        Attr::Status,
        Attr::Terminal,
        Attr::Threads,
        Attr::Uids,
        Attr::Username,
    ];

    /// The attributes psutil's `as_dict()` returns on this OS, in alphabetical
    /// order: the ones [`crate::capabilities::available`] says exist here (30 on
    /// Linux; none on an OS without a backend).
    pub fn all() -> &'static [Attr] {
        static ALL: std::sync::OnceLock<Vec<Attr>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| {
            Attr::EVERY
                .into_iter()
                .filter(|a| {
                    a.is_plain_field()
                        || crate::capabilities::available(
                            crate::capabilities::Kind::Method,
                            a.as_str(),
                        )
                })
                .collect()
        })
    }

    /// `pid` is a field of every handle, not a method of the capability table.
    fn is_plain_field(self) -> bool {
        matches!(self, Attr::Pid)
    }

    /// psutil's name of the attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Attr::Cmdline => "cmdline",
            Attr::CpuAffinity => "cpu_affinity",
            Attr::CpuNum => "cpu_num",
            Attr::CpuPercent => "cpu_percent",
            Attr::CpuTimes => "cpu_times",
            Attr::CreateTime => "create_time",
            Attr::Cwd => "cwd",
            Attr::Environ => "environ",
            Attr::Exe => "exe",
            Attr::Gids => "gids",
            Attr::IoCounters => "io_counters",
            Attr::Ionice => "ionice",
            Attr::MemoryFullInfo => "memory_full_info",
            Attr::MemoryInfo => "memory_info",
            Attr::MemoryMaps => "memory_maps",
            Attr::MemoryPercent => "memory_percent",
            Attr::Name => "name",
            Attr::NetConnections => "net_connections",
            Attr::Nice => "nice",
            Attr::NumCtxSwitches => "num_ctx_switches",
            Attr::NumFds => "num_fds",
            Attr::NumHandles => "num_handles",
            Attr::NumThreads => "num_threads",
            Attr::OpenFiles => "open_files",
            Attr::Pid => "pid",
            Attr::Ppid => "ppid",
            Attr::Status => "status",
            Attr::Terminal => "terminal",
            Attr::Threads => "threads",
            Attr::Uids => "uids",
            Attr::Username => "username",
        }
    }
}

impl FromStr for Attr {
    type Err = Error;
    fn from_str(s: &str) -> Result<Attr> {
        Attr::EVERY
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| Error::invalid(format!("invalid attr name '{s}'")))
    }
}

impl fmt::Display for Attr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One attribute of a snapshot: `None` when it was not asked for, `Some(Err(_))`
/// when it could not be read for this process (psutil's `ad_value`; JSON `null`).
pub type Field<T> = Option<std::result::Result<T, FieldError>>;

/// The attributes read for one process, psutil's `as_dict()` result. Serialises to a
/// JSON object with exactly the requested keys; unreadable values are `null`.
///
/// The large attributes that `ps`-style scans rarely ask for are boxed, so that a row
/// of a scan of thousands of processes stays small (docs/PERFORMANCE.md).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
#[allow(missing_docs)]
pub struct ProcessInfo {
    pub pid: Pid,
    pub cmdline: Field<Vec<String>>,
    pub cpu_affinity: Field<Vec<u32>>,
    pub cpu_num: Field<u32>,
    pub cpu_percent: Field<f64>,
    pub cpu_times: Field<CpuTimes>,
    pub create_time: Field<f64>,
    pub cwd: Field<PathBuf>,
    pub environ: Field<Box<HashMap<String, String>>>,
    pub exe: Field<PathBuf>,
    pub gids: Field<Ids>,
    pub io_counters: Field<Box<IoCounters>>,
    pub ionice: Field<IoNice>,
    pub memory_full_info: Field<Box<MemoryFullInfo>>,
    pub memory_info: Field<MemoryInfo>,
    pub memory_maps: Field<Vec<MemoryMapGrouped>>,
    pub memory_percent: Field<f64>,
    pub name: Field<String>,
    pub net_connections: Field<Vec<Connection>>,
    pub nice: Field<i32>,
    pub num_ctx_switches: Field<CtxSwitches>,
    pub num_fds: Field<u32>,
    pub num_handles: Field<u32>,
    pub num_threads: Field<u32>,
    pub open_files: Field<Vec<OpenFile>>,
    pub ppid: Field<Pid>,
    pub status: Field<Status>,
    pub terminal: Field<Option<String>>,
    pub threads: Field<Vec<ThreadInfo>>,
    pub uids: Field<Ids>,
    pub username: Field<String>,
    /// True when `pid` was requested (it is always known).
    pub has_pid: bool,
}

/// Turns a call result into a field: AccessDenied/Zombie become the "ad_value",
/// NoSuchProcess stops the snapshot, Unsupported is kept only if `explicit`.
fn field<T>(r: Result<T>, explicit: bool) -> Result<Field<T>> {
    match r {
        Ok(v) => Ok(Some(Ok(v))),
        Err(e) if e.is_zombie() => Ok(Some(Err(FieldError::ZombieProcess))),
        Err(e) if e.is_access_denied() => Ok(Some(Err(FieldError::AccessDenied))),
        Err(e) if e.is_unsupported() => Ok(if explicit {
            Some(Err(FieldError::Unsupported))
        } else {
            None
        }),
        Err(e) => Err(e),
    }
}

impl Process {
    /// Reads several attributes at once inside [`Process::oneshot`] (psutil's
    /// `as_dict(attrs)`); an empty slice means every attribute.
    ///
    /// AccessDenied and ZombieProcess for an attribute leave that field
    /// `Some(Err(_))`; NoSuchProcess is returned as the error.
    ///
    /// ```
    /// use rpsutil::{Attr, Process};
    /// let me = Process::current().unwrap();
    /// # #[cfg(target_os = "linux")] {
    /// let info = me.as_dict(&[Attr::Pid, Attr::Name]).unwrap();
    /// assert_eq!(info.pid, std::process::id());
    /// assert!(info.name.unwrap().is_ok());
    /// # }
    /// ```
    pub fn as_dict(&self, attrs: &[Attr]) -> Result<ProcessInfo> {
        let explicit = !attrs.is_empty();
        let attrs: &[Attr] = if attrs.is_empty() { Attr::all() } else { attrs };
        self.oneshot(|| {
            let mut info = ProcessInfo {
                pid: self.pid(),
                ..ProcessInfo::default()
            };
            for &a in attrs {
                match a {
                    Attr::Pid => info.has_pid = true,
                    Attr::Cmdline => info.cmdline = field(self.cmdline(), explicit)?,
                    Attr::CpuAffinity => info.cpu_affinity = field(self.cpu_affinity(), explicit)?,
                    Attr::CpuNum => info.cpu_num = field(self.cpu_num(), explicit)?,
                    Attr::CpuPercent => info.cpu_percent = field(self.cpu_percent(None), explicit)?,
                    Attr::CpuTimes => info.cpu_times = field(self.cpu_times(), explicit)?,
                    Attr::CreateTime => info.create_time = field(self.create_time(), explicit)?,
                    Attr::Cwd => info.cwd = field(self.cwd(), explicit)?,
                    Attr::Environ => info.environ = field(self.environ().map(Box::new), explicit)?,
                    Attr::Exe => info.exe = field(self.exe(), explicit)?,
                    Attr::Gids => info.gids = field(self.gids(), explicit)?,
                    Attr::IoCounters => {
                        info.io_counters = field(self.io_counters().map(Box::new), explicit)?
                    }
                    Attr::Ionice => info.ionice = field(self.ionice(), explicit)?,
                    Attr::MemoryFullInfo => {
                        info.memory_full_info =
                            field(self.memory_full_info().map(Box::new), explicit)?
                    }
                    Attr::MemoryInfo => info.memory_info = field(self.memory_info(), explicit)?,
                    Attr::MemoryMaps => info.memory_maps = field(self.memory_maps(), explicit)?,
                    Attr::MemoryPercent => {
                        info.memory_percent = field(self.memory_percent(MemType::Rss), explicit)?
                    }
                    Attr::Name => info.name = field(self.name(), explicit)?,
                    Attr::NetConnections => {
                        info.net_connections =
                            field(self.net_connections(ConnKind::Inet), explicit)?
                    }
                    Attr::Nice => info.nice = field(self.nice(), explicit)?,
                    Attr::NumCtxSwitches => {
                        info.num_ctx_switches = field(self.num_ctx_switches(), explicit)?
                    }
                    Attr::NumFds => info.num_fds = field(self.num_fds(), explicit)?,
                    Attr::NumHandles => info.num_handles = field(self.num_handles(), explicit)?,
                    Attr::NumThreads => info.num_threads = field(self.num_threads(), explicit)?,
                    Attr::OpenFiles => info.open_files = field(self.open_files(), explicit)?,
                    Attr::Ppid => info.ppid = field(self.ppid(), explicit)?,
                    Attr::Status => info.status = field(self.status(), explicit)?,
                    Attr::Terminal => info.terminal = field(self.terminal(), explicit)?,
                    Attr::Threads => info.threads = field(self.threads(), explicit)?,
                    Attr::Uids => info.uids = field(self.uids(), explicit)?,
                    Attr::Username => info.username = field(self.username(), explicit)?,
                }
            }
            Ok(info)
        })
    }
}

struct Value<'a, T>(&'a std::result::Result<T, FieldError>);

impl<T: Serialize> Serialize for Value<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            Ok(v) => v.serialize(s),
            Err(_) => s.serialize_none(),
        }
    }
}

impl Serialize for ProcessInfo {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        macro_rules! put {
            ($($f:ident),*) => {$(
                if let Some(v) = &self.$f {
                    m.serialize_entry(stringify!($f), &Value(v))?;
                }
            )*};
        }
        if self.has_pid {
            m.serialize_entry("pid", &self.pid)?;
        }
        put!(
            cmdline,
            cpu_affinity,
            cpu_num,
            cpu_percent,
            cpu_times,
            create_time,
            cwd,
            environ,
            exe,
            gids,
            io_counters,
            ionice,
            memory_full_info,
            memory_info,
            memory_maps,
            memory_percent,
            name,
            net_connections,
            nice,
            num_ctx_switches,
            num_fds,
            num_handles,
            num_threads,
            open_files,
            ppid,
            status,
            terminal,
            threads,
            uids,
            username
        );
        m.end()
    }
}
