//! Compile-time check that the selected backend (`sys::imp`) has every function of
//! the contract (`contract.rs`) with exactly the listed signature, and the other
//! items a backend must define. Costs nothing at run time.

use std::collections::HashMap;

use indexmap::IndexMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::sys::records::{DiskIoEntry, DiskUsageRaw, Identity, LoadAvg, NicIoEntry, PpidEntry};
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
use crate::types::winservice::WindowsService;
use crate::{Error, Result};

use super::imp;

macro_rules! check_one {
    (process fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        const _: fn(&mut imp::Proc<'_>, $($ty),*) -> $ret = imp::$name;
    };
    (system fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        const _: fn($($ty),*) -> $ret = imp::$name;
    };
}

macro_rules! check_all {
    ($($(#[doc = $doc:literal])* $kind:ident fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(check_one!($kind fn $name($($arg: $ty),*) -> $ret);)*
    };
}

contract_list!(check_all);

// The items outside the list.
const _: fn(Pid) -> Result<imp::Handle> = imp::Handle::open;
const _: fn() -> Result<imp::Scan> = imp::Scan::take;
const _: fn(&imp::Scan) -> Option<Vec<Pid>> = imp::Scan::pids;
const _: fn(&imp::Scan, Pid) -> Option<imp::RawCache> = imp::RawCache::primed;
const _: fn(Error, &mut imp::Proc<'_>) -> Error = imp::translate;
const _: fn(Pid) -> bool = imp::pid_exists;
const _: fn(Resource) -> Option<i32> = imp::rlimit_raw;
const _: fn(&str) -> bool = imp::implements;
const _: bool = imp::TRUNCATED_NAME_FIXUP;

/// `RawCache` must start empty.
#[allow(dead_code)]
fn raw_cache_bounds() -> imp::RawCache {
    imp::RawCache::default()
}
