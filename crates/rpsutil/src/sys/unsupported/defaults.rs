//! The contract's functions (`sys/contract.rs`), each answering
//! `Error::Unsupported`, generic over the backend's `Proc` so that any backend can
//! re-export them.
#![allow(dead_code)]

use std::collections::HashMap;

use indexmap::IndexMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::sys::proc::Proc;
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

/// The error of a function this OS's backend does not have (yet).
pub(crate) fn unsupported<T>(what: &str) -> Result<T> {
    Err(Error::unsupported(format!(
        "{what} on {} (rpsutil has no backend for it)",
        std::env::consts::OS
    )))
}

macro_rules! default_one {
    ($(#[doc = $doc:literal])* process fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        $(#[doc = $doc])*
        pub(crate) fn $name<H, C>(p: &mut Proc<'_, H, C>, $($arg: $ty),*) -> $ret {
            let _ = p;
            $(let _ = $arg;)*
            unsupported(stringify!($name))
        }
    };
    ($(#[doc = $doc:literal])* system fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        $(#[doc = $doc])*
        pub(crate) fn $name($($arg: $ty),*) -> $ret {
            $(let _ = $arg;)*
            unsupported(stringify!($name))
        }
    };
}

macro_rules! default_all {
    ($($(#[doc = $doc:literal])* $kind:ident fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(default_one!($(#[doc = $doc])* $kind fn $name($($arg: $ty),*) -> $ret);)*
    };
}

contract_list!(default_all);
