//! The backend for OSes without one yet: it compiles anywhere and every call returns
//! [`Error::Unsupported`]. It has exactly the functions the Linux backend has, so the
//! public API is the same on every OS (the cross-platform type-check in CI keeps it so).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::net::{AddressFamily, ConnKind, Connection, SocketType};
use crate::process::{
    CpuTimes, CtxSwitches, ExitCode, Ids, IoCounters, IoNice, IoPriorityClass, MemoryFullInfo,
    MemoryInfo, MemoryMap, OpenFile, Resource, Rlimit, Status, ThreadInfo,
};
use std::collections::BTreeMap;

use crate::cpu::{CpuFreq, CpuStats, SystemCpuTimes};
use crate::disk::{DiskIoCounters, DiskPartition, RawUsage};
use crate::host::{HeapInfo, User};
use crate::memory::{SwapMemory, VirtualMemory};
use crate::net::{NetIoCounters, NicAddr, NicStats, SystemConnection};
use crate::sensors::{Battery, Fan, Temperature};
use crate::{Error, Pid, Result};

fn unsupported<T>() -> Result<T> {
    Err(Error::unsupported(format!(
        "rpsutil has no backend for {} yet",
        std::env::consts::OS
    )))
}

/// Nothing to cache.
#[derive(Default, Debug)]
pub(crate) struct RawCache;

/// A process as this backend sees it.
pub(crate) struct Proc<'a> {
    #[allow(dead_code)]
    pid: Pid,
    #[allow(dead_code)]
    root: &'a Path,
}

impl<'a> Proc<'a> {
    pub(crate) fn new(pid: Pid, root: &'a Path, _cache: Option<&'a mut RawCache>) -> Self {
        Proc { pid, root }
    }
}

macro_rules! unsupported_getters {
    ($($name:ident -> $t:ty;)*) => {$(
        pub(crate) fn $name(_p: &mut Proc) -> Result<$t> {
            unsupported()
        }
    )*};
}

unsupported_getters! {
    start_ticks -> u64;
    start_seconds_since_boot -> f64;
    name -> String;
    exe -> PathBuf;
    cmdline -> Vec<OsString>;
    environ -> HashMap<OsString, OsString>;
    status -> Status;
    ppid -> Pid;
    cwd -> PathBuf;
    uids -> Ids;
    gids -> Ids;
    username -> String;
    terminal -> Option<String>;
    io_counters -> IoCounters;
    num_ctx_switches -> CtxSwitches;
    num_fds -> u32;
    num_threads -> u32;
    threads -> Vec<ThreadInfo>;
    cpu_times -> CpuTimes;
    cpu_num -> u32;
    nice -> i32;
    memory_info -> MemoryInfo;
    memory_full_info -> MemoryFullInfo;
    memory_maps -> Vec<MemoryMap>;
    open_files -> Vec<OpenFile>;
}

pub(crate) fn net_connections(_p: &mut Proc, _kind: ConnKind) -> Result<Vec<Connection>> {
    unsupported()
}

pub(crate) fn set_nice(_root: &Path, _pid: Pid, _value: i32) -> Result<()> {
    unsupported()
}

pub(crate) fn ionice_get(_root: &Path, _pid: Pid) -> Result<IoNice> {
    unsupported()
}

pub(crate) fn ionice_set(
    _root: &Path,
    _pid: Pid,
    _class: IoPriorityClass,
    _value: i32,
) -> Result<()> {
    unsupported()
}

pub(crate) fn rlimit_get(_root: &Path, _pid: Pid, _r: Resource) -> Result<Rlimit> {
    unsupported()
}

pub(crate) fn rlimit_set(_root: &Path, _pid: Pid, _r: Resource, _l: Rlimit) -> Result<()> {
    unsupported()
}

pub(crate) fn cpu_affinity_get(_root: &Path, _pid: Pid) -> Result<Vec<u32>> {
    unsupported()
}

pub(crate) fn cpu_affinity_set(_root: &Path, _pid: Pid, _cpus: &[u32]) -> Result<()> {
    unsupported()
}

pub(crate) fn cpu_count_in_proc_stat() -> Result<u32> {
    unsupported()
}

pub(crate) fn boot_time() -> Result<f64> {
    unsupported()
}

pub(crate) fn total_memory() -> Result<u64> {
    unsupported()
}

pub(crate) fn pids(_root: &Path) -> Result<Vec<Pid>> {
    unsupported()
}

pub(crate) fn pid_exists(_root: &Path, _pid: Pid) -> bool {
    false
}

pub(crate) fn ppid_map(_root: &Path) -> Result<Vec<(Pid, Pid, u64)>> {
    unsupported()
}

pub(crate) fn send_signal(_root: &Path, _pid: Pid, _start: Option<u64>, _sig: i32) -> Result<()> {
    unsupported()
}

pub(crate) fn wait(_pid: Pid, _timeout: Option<Duration>) -> Result<Option<ExitCode>> {
    unsupported()
}

/// Conventional BSD-socket numbers; only used for serialisation here.
pub(crate) fn address_family_raw(f: AddressFamily) -> i32 {
    match f {
        AddressFamily::Inet => 2,
        AddressFamily::Inet6 => {
            if cfg!(windows) {
                23
            } else {
                30
            }
        }
        AddressFamily::Unix => 1,
        AddressFamily::Link => {
            if cfg!(windows) {
                -1
            } else {
                18
            }
        }
    }
}

/// Conventional socket-type numbers.
pub(crate) fn socket_type_raw(t: SocketType) -> i32 {
    match t {
        SocketType::Stream => 1,
        SocketType::Dgram => 2,
        SocketType::Raw => 3,
        SocketType::SeqPacket => 5,
    }
}

/// No resource limits here.
pub(crate) fn rlimit_raw(_r: Resource) -> Option<i32> {
    None
}

macro_rules! unsupported_system {
    ($($name:ident($($arg:ident: $at:ty),*) -> $t:ty;)*) => {$(
        pub(crate) fn $name($($arg: $at),*) -> Result<$t> {
            $(let _ = $arg;)*
            unsupported()
        }
    )*};
}

unsupported_system! {
    system_cpu_times() -> SystemCpuTimes;
    system_cpu_times_percpu() -> Vec<SystemCpuTimes>;
    cpu_stats() -> CpuStats;
    cpu_count_logical() -> Option<u32>;
    cpu_count_cores() -> Option<u32>;
    cpu_freq_percpu() -> Vec<CpuFreq>;
    virtual_memory() -> VirtualMemory;
    swap_memory() -> SwapMemory;
    disk_partitions(all: bool) -> Vec<DiskPartition>;
    disk_usage(path: &Path) -> RawUsage;
    disk_io_counters() -> Vec<(String, DiskIoCounters, bool)>;
    net_io_counters() -> Vec<(String, NetIoCounters)>;
    net_if_addrs() -> BTreeMap<String, Vec<NicAddr>>;
    net_if_stats() -> BTreeMap<String, NicStats>;
    system_connections(kind: ConnKind, with_owners: bool) -> Vec<SystemConnection>;
    sensors_temperatures() -> BTreeMap<String, Vec<Temperature>>;
    sensors_fans() -> BTreeMap<String, Vec<Fan>>;
    sensors_battery() -> Option<Battery>;
    boot_time_fresh() -> f64;
    users(file: Option<&Path>) -> Vec<User>;
    getloadavg() -> (f64, f64, f64);
    heap_info() -> HeapInfo;
    heap_trim() -> ();
}

#[cfg(test)]
mod tests {
    //! On an OS without a backend every call must say so (`Unsupported`) and nothing
    //! may panic. CI runs this on Windows under Wine.
    use crate::*;

    fn unsupported<T: std::fmt::Debug>(r: Result<T>) {
        match r {
            Err(Error::Unsupported { .. }) => {}
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }

    #[test]
    fn every_call_is_unsupported() {
        unsupported(Process::current());
        unsupported(Process::new(1));
        unsupported(pids());
        assert!(!pid_exists(1));
        unsupported(process_iter());
        unsupported(process_iter_attrs(&[Attr::Name]));
        unsupported(cpu_times());
        unsupported(cpu_times_percpu());
        unsupported(cpu_percent(None));
        unsupported(cpu_times_percent(None));
        unsupported(cpu_count(true));
        unsupported(cpu_count(false));
        unsupported(cpu_stats());
        unsupported(cpu_freq());
        unsupported(virtual_memory());
        unsupported(swap_memory());
        unsupported(disk_partitions(true));
        unsupported(disk_usage("."));
        unsupported(disk_io_counters(true));
        unsupported(net_io_counters(true));
        unsupported(net_connections(ConnKind::All, true));
        unsupported(net_if_addrs());
        unsupported(net_if_stats());
        unsupported(sensors_temperatures(false));
        unsupported(sensors_fans());
        unsupported(sensors_battery());
        unsupported(boot_time());
        unsupported(users());
        unsupported(getloadavg());
        unsupported(heap_info());
        assert!(Resource::available().is_empty());
        // Types still serialise to psutil's shapes.
        assert_eq!(AddressFamily::Inet.as_raw(), 2);
        assert_eq!(Status::Sleeping.to_string(), "sleeping");
    }
}
