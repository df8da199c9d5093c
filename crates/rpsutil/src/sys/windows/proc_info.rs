//! The per-process getters: what psutil reads from one
//! `SystemProcessInformation` record (`_proc_info`: name, ppid, times, threads,
//! handles, context switches, status and the slow-path fallbacks) and through
//! the held process handle (create_time, memory_info, io_counters, exe,
//! username, nice, ionice, cpu_affinity) with their setters.
//!
//! Wine 8 gaps (measured; the tests assert them): `GetProcessTimes` on another
//! process returns the caller's CPU times, so `cpu_times` reads the SPI record
//! (psutil's own fallback, equal on Windows); `GetProcessHandleCount` is always 0
//! while the SPI `HandleCount` is right, so `num_handles` reads SPI too; I/O
//! counters, context switches, private bytes, page faults and pool quotas are 0;
//! thread states never say "suspended", so `status` stays "running";
//! `ProcessIoPriority` is not implemented (87 / `STATUS_NOT_IMPLEMENTED`).

use std::ffi::{c_void, OsString};
use std::os::windows::ffi::OsStringExt;
use std::path::PathBuf;

use windows_sys::Wdk::System::SystemInformation::{
    NtQuerySystemInformation, SystemProcessInformation,
};
use windows_sys::Wdk::System::Threading::{NtQueryInformationProcess, ProcessIoPriority};
use windows_sys::Win32::Foundation::{
    GetLastError, ERROR_ACCESS_DENIED, ERROR_INSUFFICIENT_BUFFER, ERROR_NONE_MAPPED, HANDLE,
    NTSTATUS, STATUS_INFO_LENGTH_MISMATCH, STATUS_SUCCESS, UNICODE_STRING,
};
use windows_sys::Win32::Security::{
    GetLengthSid, GetTokenInformation, LookupAccountSidW, TokenUser, SID_NAME_USE, TOKEN_QUERY,
    TOKEN_USER,
};
use windows_sys::Win32::Storage::FileSystem::QueryDosDeviceW;
use windows_sys::Win32::System::ProcessStatus::{
    K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS, PROCESS_MEMORY_COUNTERS_EX,
};
use windows_sys::Win32::System::Threading::{
    GetPriorityClass, GetProcessAffinityMask, GetProcessIoCounters, OpenProcessToken,
    QueryFullProcessImageNameW, SetPriorityClass, SetProcessAffinityMask, IO_COUNTERS,
    PROCESS_NAME_WIN32, PROCESS_SET_INFORMATION,
};
use windows_sys::Win32::System::WindowsProgramming::{
    SYSTEM_PROCESS_INFORMATION, SYSTEM_THREAD_INFORMATION,
};

use super::errors::{last_error, nt_error, win32_error};
use super::handle::{open_process, Owned, Proc};
use super::process::filetime_to_epoch;
use super::util::{from_wide, query_system_information, read_at, ticks_to_secs};
use crate::types::process::{
    CpuTimes, CtxSwitches, IoCounters, IoNice, IoPriorityClass, MemoryInfo, Pid, Status, ThreadInfo,
};
use crate::{Error, Result};

/// `KTHREAD_STATE::Waiting` and `KWAIT_REASON::Suspended` (psutil's
/// `ntextapi.h`: a thread suspended by `NtSuspendProcess`).
const THREAD_STATE_WAITING: u32 = 5;
const WAIT_REASON_SUSPENDED: u32 = 5;

/// One thread of a `SystemProcessInformation` record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SpiThread {
    pub(crate) tid: u32,
    /// 100-ns ticks.
    pub(crate) user_ticks: i64,
    pub(crate) kernel_ticks: i64,
    pub(crate) context_switches: u32,
    pub(crate) state: u32,
    pub(crate) wait_reason: u32,
}

/// One process's `SYSTEM_PROCESS_INFORMATION` record, copied out of the buffer
/// (psutil's 22-tuple plus the image name and the threads).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct SpiRecord {
    pub(crate) pid: Pid,
    pub(crate) ppid: Pid,
    /// 100-ns ticks since 1601.
    pub(crate) create_ticks: i64,
    /// 100-ns ticks.
    pub(crate) user_ticks: i64,
    pub(crate) kernel_ticks: i64,
    /// `ImageName` (the executable's file name), None when absent.
    pub(crate) name: Option<String>,
    pub(crate) num_threads: u32,
    pub(crate) handle_count: u32,
    pub(crate) memory: MemoryInfo,
    pub(crate) io: IoCounters,
    pub(crate) threads: Vec<SpiThread>,
}

/// The `ImageName` of a record: a `UNICODE_STRING` whose buffer the kernel put
/// inside `buf`; read only when it lies inside it.
fn image_name(buf: &[u8], e: &SYSTEM_PROCESS_INFORMATION) -> Option<String> {
    let ptr = e.ImageName.Buffer as usize;
    let base = buf.as_ptr() as usize;
    let start = ptr.checked_sub(base)?;
    let len = usize::from(e.ImageName.Length);
    if ptr == 0 || start.checked_add(len)? > buf.len() {
        return None;
    }
    let units: Vec<u16> = (0..len / 2)
        .map(|i| read_at::<u16>(buf, start + 2 * i))
        .collect::<Option<_>>()?;
    Some(String::from_utf16_lossy(&units))
}

/// Copies the record at `off` (with its threads) out of `buf`.
fn record_at(buf: &[u8], off: usize, e: &SYSTEM_PROCESS_INFORMATION) -> SpiRecord {
    let r1 = &e.Reserved1;
    let tick = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&r1[at..at + 8]);
        i64::from_ne_bytes(b)
    };
    // Reserved1 (bytes 8..56): WorkingSetPrivateSize, HardFaultCount,
    // NumberOfThreadsHighWatermark, CycleTime, CreateTime, UserTime, KernelTime.
    // Reserved4 is PageFaultCount, Reserved5/6 the peak pool quotas, Reserved7 the
    // Read/Write/Other operation counts then transfer counts.
    let io = e.Reserved7.map(|v| v as u64);
    let wset = e.WorkingSetSize as u64;
    let pagefile = e.PagefileUsage as u64;
    let memory = MemoryInfo {
        rss: wset,
        vms: pagefile,
        num_page_faults: Some(u64::from(e.Reserved4)),
        peak_wset: Some(e.PeakWorkingSetSize as u64),
        wset: Some(wset),
        peak_paged_pool: Some(e.Reserved5 as usize as u64),
        paged_pool: Some(e.QuotaPagedPoolUsage as u64),
        peak_nonpaged_pool: Some(e.Reserved6 as usize as u64),
        nonpaged_pool: Some(e.QuotaNonPagedPoolUsage as u64),
        pagefile: Some(pagefile),
        peak_pagefile: Some(e.PeakPagefileUsage as u64),
        private: Some(e.PrivatePageCount as u64),
        ..MemoryInfo::default()
    };
    // The threads follow the record.
    let first = off + std::mem::size_of::<SYSTEM_PROCESS_INFORMATION>();
    let size = std::mem::size_of::<SYSTEM_THREAD_INFORMATION>();
    let threads = (0..e.NumberOfThreads as usize)
        .map_while(|i| {
            let t = read_at::<SYSTEM_THREAD_INFORMATION>(buf, first.checked_add(i * size)?)?;
            Some(SpiThread {
                tid: t.ClientId.UniqueThread as usize as u32,
                // Reserved1: KernelTime, UserTime, CreateTime; Reserved3 is
                // ContextSwitches.
                kernel_ticks: t.Reserved1[0],
                user_ticks: t.Reserved1[1],
                context_switches: t.Reserved3,
                state: t.ThreadState,
                wait_reason: t.WaitReason,
            })
        })
        .collect();
    SpiRecord {
        pid: e.UniqueProcessId as usize as Pid,
        ppid: e.Reserved2 as usize as Pid,
        create_ticks: tick(24),
        user_ticks: tick(32),
        kernel_ticks: tick(40),
        name: image_name(buf, e),
        num_threads: e.NumberOfThreads,
        handle_count: e.HandleCount,
        memory,
        io: IoCounters {
            read_count: io[0],
            write_count: io[1],
            read_bytes: io[3],
            write_bytes: io[4],
            read_chars: None,
            write_chars: None,
            other_count: Some(io[2]),
            other_bytes: Some(io[5]),
        },
        threads,
    }
}

/// The entries of a `SystemProcessInformation` buffer with their offsets, each
/// copied out with `read_unaligned` (`read_at`): under Wine the entries sit at odd
/// offsets. A truncated entry or an offset that leaves the buffer ends the walk.
fn entries(buf: &[u8]) -> impl Iterator<Item = (usize, SYSTEM_PROCESS_INFORMATION)> + '_ {
    let mut next = Some(0usize);
    std::iter::from_fn(move || {
        let off = next?;
        let e = read_at::<SYSTEM_PROCESS_INFORMATION>(buf, off)?;
        next = match e.NextEntryOffset {
            0 => None,
            step => off.checked_add(step as usize),
        };
        Some((off, e))
    })
}

/// Every record of a `SystemProcessInformation` buffer.
pub(crate) fn all_records(buf: &[u8]) -> Vec<SpiRecord> {
    entries(buf)
        .map(|(off, e)| record_at(buf, off, &e))
        .collect()
}

/// One `SystemProcessInformation` pass: every process's record, read once for a
/// whole process-table scan (psutil reads one pass per process).
pub(crate) fn all_records_now() -> Result<Vec<SpiRecord>> {
    let buf = query_system_information(
        SystemProcessInformation,
        256 * 1024,
        "SystemProcessInformation",
    )?;
    Ok(all_records(&buf))
}

/// Finds `pid`'s record in a `SystemProcessInformation` buffer (only that record
/// is copied out).
pub(crate) fn find_record(buf: &[u8], pid: Pid) -> Option<SpiRecord> {
    entries(buf)
        .find(|(_, e)| e.UniqueProcessId as usize == pid as usize)
        .map(|(off, e)| record_at(buf, off, &e))
}

/// `pid`'s record from a fresh snapshot, None when the snapshot lacks it.
pub(crate) fn spi_record(pid: Pid) -> Result<Option<SpiRecord>> {
    let buf = query_system_information(
        SystemProcessInformation,
        256 * 1024,
        "SystemProcessInformation",
    )?;
    Ok(find_record(&buf, pid))
}

/// psutil's names of the two pseudo-processes.
fn pseudo_name(pid: Pid) -> Option<&'static str> {
    match pid {
        0 => Some("System Idle Process"),
        4 => Some("System"),
        _ => None,
    }
}

/// The name: psutil's fixed names for pids 0 and 4, else the record's
/// `ImageName` (the executable's file name, what psutil's `basename(exe())`
/// gives, without needing a handle), else the basename of `exe`.
pub(crate) fn name(p: &mut Proc) -> Result<std::ffi::OsString> {
    if let Some(n) = pseudo_name(p.pid) {
        return Ok(n.into());
    }
    if let Some(n) = p.spi()?.name.clone().filter(|n| !n.is_empty()) {
        return Ok(n.into());
    }
    let exe = exe(p)?;
    Ok(exe
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default())
}

/// The executable's path: `QueryFullProcessImageNameW` (Win32 form) through the
/// held handle, the buffer grown up to 32767 units; without a handle (or when
/// that call is denied) psutil's own way, `SystemProcessIdInformation`, which
/// needs no handle, with psutil's `convert_dos_path`. Pid 0: AccessDenied; pid
/// 4: empty (psutil). Wine 8 lacks `SystemProcessIdInformation` (87).
pub(crate) fn exe(p: &mut Proc) -> Result<PathBuf> {
    match p.pid {
        0 => return Err(super::handle::no_handle("exe of pid 0")),
        4 => return Ok(PathBuf::new()),
        _ => {}
    }
    let fast = match p.handle.process() {
        Some((h, _)) => image_name_of_handle(h),
        None => Err(super::handle::no_handle("exe")),
    };
    match fast {
        Err(e) if is_denied(&e) => match exe_by_pid(p.pid) {
            Ok(path) => Ok(path),
            // Not there either (Wine): the AccessDenied, so that the public layer
            // guesses from the command line as psutil does.
            Err(_) => Err(e),
        },
        other => other,
    }
}

fn image_name_of_handle(h: HANDLE) -> Result<PathBuf> {
    let mut cap = 260usize;
    loop {
        let mut buf = vec![0u16; cap];
        let mut len = u32::try_from(cap).unwrap_or(u32::MAX);
        // SAFETY: h is an open process handle; buf is writable for `len` units.
        let ok = unsafe {
            QueryFullProcessImageNameW(h, PROCESS_NAME_WIN32, buf.as_mut_ptr(), &mut len)
        };
        if ok != 0 {
            buf.truncate((len as usize).min(cap));
            return Ok(PathBuf::from(OsString::from_wide(&buf)));
        }
        // SAFETY: GetLastError only reads this thread's last-error value.
        let code = unsafe { GetLastError() };
        if code != ERROR_INSUFFICIENT_BUFFER || cap >= 32768 {
            return Err(win32_error(code, "QueryFullProcessImageNameW"));
        }
        cap *= 4;
    }
}

/// `SYSTEM_INFORMATION_CLASS::SystemProcessIdInformation` (88; windows-sys does
/// not name it).
const SYSTEM_PROCESS_ID_INFORMATION: i32 = 88;

/// `SYSTEM_PROCESS_ID_INFORMATION`.
#[repr(C)]
struct ProcessIdInformation {
    process_id: HANDLE,
    image_name: UNICODE_STRING,
}

/// psutil's `psutil_proc_exe`: the NT path of the image of `pid` from
/// `SystemProcessIdInformation` (no handle needed), the buffer doubled while the
/// kernel does not say how much it needs (WOW64, #1980), up to 32767 units.
pub(crate) fn exe_by_pid(pid: Pid) -> Result<PathBuf> {
    let mut units = 0x104usize;
    for _ in 0..16 {
        let mut buf = vec![0u16; units];
        let bytes = u16::try_from(units * 2).unwrap_or(u16::MAX - 1);
        let mut info = ProcessIdInformation {
            process_id: pid as usize as HANDLE,
            image_name: UNICODE_STRING {
                Length: 0,
                MaximumLength: bytes,
                Buffer: buf.as_mut_ptr(),
            },
        };
        // SAFETY: info is a writable SYSTEM_PROCESS_ID_INFORMATION of the size
        // passed, whose ImageName points at `buf`, writable for MaximumLength bytes.
        let st = unsafe {
            NtQuerySystemInformation(
                SYSTEM_PROCESS_ID_INFORMATION,
                (&mut info as *mut ProcessIdInformation).cast::<c_void>(),
                std::mem::size_of::<ProcessIdInformation>() as u32,
                std::ptr::null_mut(),
            )
        };
        if st == STATUS_INFO_LENGTH_MISMATCH && units < 0x7fff {
            let wanted = usize::from(info.image_name.MaximumLength) / 2;
            units = if wanted > units {
                wanted
            } else {
                (units * 2).min(0x7fff)
            };
            continue;
        }
        if st != STATUS_SUCCESS {
            return Err(nt_error(
                st,
                "NtQuerySystemInformation(SystemProcessIdInformation)",
            ));
        }
        if info.image_name.Buffer.is_null() {
            return Ok(PathBuf::new());
        }
        let n = (usize::from(info.image_name.Length) / 2).min(buf.len());
        return Ok(PathBuf::from(convert_dos_path(&String::from_utf16_lossy(
            &buf[..n],
        ))));
    }
    Err(nt_error(
        STATUS_INFO_LENGTH_MISMATCH,
        "NtQuerySystemInformation(SystemProcessIdInformation)",
    ))
}

/// psutil's `convert_dos_path`: an NT path as a Win32 one. `\\…` stays;
/// `\??\UNC\srv\…` and `\Device\Mup\srv\…` become `\\srv\…`; `\??\C:\…`
/// becomes `C:\…`; `\Device\HarddiskVolumeN\…` gets the drive letter whose
/// `QueryDosDeviceW` target is that device, or stays rooted without one.
pub(crate) fn convert_dos_path(s: &str) -> String {
    if s.starts_with("\\\\") || !s.starts_with('\\') {
        return s.to_string();
    }
    for prefix in ["\\??\\UNC\\", "\\Device\\Mup\\"] {
        if let Some(rest) = strip_prefix_ci(s, prefix) {
            return format!("\\\\{rest}");
        }
    }
    if let Some(rest) = s.strip_prefix("\\??\\") {
        return rest.to_string();
    }
    // \Device\HarddiskVolumeN\rest: the device is the first two components.
    let mut parts = s.splitn(4, '\\');
    let (_, first, second) = (parts.next(), parts.next(), parts.next());
    let rest = parts.next().unwrap_or("");
    if let (Some(a), Some(b)) = (first, second) {
        let device = format!("\\{a}\\{b}");
        for letter in b'A'..=b'Z' {
            let drive = format!("{}:", letter as char);
            if dos_device(&drive).is_some_and(|t| t.eq_ignore_ascii_case(&device)) {
                return format!("{drive}\\{rest}");
            }
        }
        return format!("\\{rest}");
    }
    s.to_string()
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// The first target of a DOS device name (`QueryDosDeviceW("C:")`).
fn dos_device(name: &str) -> Option<String> {
    let w = super::util::wide(std::ffi::OsStr::new(name));
    let mut buf = vec![0u16; 1024];
    // SAFETY: w is NUL-terminated; buf is writable for its length in units.
    let n = unsafe { QueryDosDeviceW(w.as_ptr(), buf.as_mut_ptr(), buf.len() as u32) };
    if n == 0 {
        return None;
    }
    Some(from_wide(&buf))
}

/// The parent's pid (`InheritedFromUniqueProcessId`; never updated when the
/// parent ends, as psutil says).
pub(crate) fn ppid(p: &mut Proc) -> Result<Pid> {
    Ok(p.spi()?.ppid)
}

/// The creation time, epoch seconds: `GetProcessTimes` through the held handle
/// (psutil's fast path), else the record's `CreateTime` (0.0 for pids 0 and 4).
pub(crate) fn create_time(p: &mut Proc) -> Result<f64> {
    if let Some((h, _)) = p.handle.process() {
        match super::handle::creation_ticks(h) {
            Ok(t) => return Ok(filetime_to_epoch(t as i64)),
            Err(e) if !is_denied(&e) => return Err(e),
            Err(_) => {}
        }
    }
    if matches!(p.pid, 0 | 4) {
        return Ok(0.0);
    }
    Ok(filetime_to_epoch(p.spi()?.create_ticks))
}

/// True for the raw errors psutil's `is_permission_err` accepts.
fn is_denied(e: &Error) -> bool {
    match e {
        Error::Os { source, .. } => matches!(
            source.raw_os_error().map(|c| c as u32),
            Some(ERROR_ACCESS_DENIED)
                | Some(windows_sys::Win32::Foundation::ERROR_PRIVILEGE_NOT_HELD)
        ),
        _ => e.is_access_denied(),
    }
}

/// User and system CPU seconds from the record (psutil's SPI values; children 0).
/// psutil's fast path `GetProcessTimes` gives the same numbers on Windows, but
/// under Wine 8 it returns the *caller's* times for another process.
pub(crate) fn cpu_times(p: &mut Proc) -> Result<CpuTimes> {
    let r = p.spi()?;
    Ok(CpuTimes {
        user: ticks_to_secs(r.user_ticks),
        system: ticks_to_secs(r.kernel_ticks),
        children_user: 0.0,
        children_system: 0.0,
        iowait: None,
    })
}

/// `NumberOfThreads`.
pub(crate) fn num_threads(p: &mut Proc) -> Result<u32> {
    Ok(p.spi()?.num_threads)
}

/// Each thread's id and CPU seconds, by id, from the record's thread array
/// (psutil walks a Toolhelp snapshot and opens each thread for its times; the
/// record has the same times without opening anything). Pid 0: AccessDenied.
pub(crate) fn threads(p: &mut Proc) -> Result<Vec<ThreadInfo>> {
    if p.pid == 0 {
        return Err(super::handle::no_handle("threads of pid 0"));
    }
    let mut v: Vec<ThreadInfo> = p
        .spi()?
        .threads
        .iter()
        .map(|t| ThreadInfo {
            id: t.tid,
            user_time: ticks_to_secs(t.user_ticks),
            system_time: ticks_to_secs(t.kernel_ticks),
        })
        .collect();
    v.sort_by_key(|t| t.id);
    Ok(v)
}

/// psutil's `pctxsw`: voluntary = the threads' `ContextSwitches` summed,
/// involuntary 0.
pub(crate) fn num_ctx_switches(p: &mut Proc) -> Result<CtxSwitches> {
    let r = p.spi()?;
    Ok(CtxSwitches {
        voluntary: r
            .threads
            .iter()
            .map(|t| u64::from(t.context_switches))
            .sum(),
        involuntary: 0,
    })
}

/// `HandleCount` from the record (psutil's fallback; its fast path
/// `GetProcessHandleCount` agrees on Windows and is always 0 under Wine 8).
pub(crate) fn num_handles(p: &mut Proc) -> Result<u32> {
    Ok(p.spi()?.handle_count)
}

/// psutil's status: "stopped" when every thread waits with reason Suspended
/// (also, as psutil, for a record without threads), else "running".
pub(crate) fn status(p: &mut Proc) -> Result<Status> {
    let r = p.spi()?;
    let suspended = r
        .threads
        .iter()
        .all(|t| t.state == THREAD_STATE_WAITING && t.wait_reason == WAIT_REASON_SUSPENDED);
    Ok(if suspended {
        Status::Stopped
    } else {
        Status::Running
    })
}

/// psutil's `pmem` (12 fields): `GetProcessMemoryInfo(PROCESS_MEMORY_COUNTERS_EX)`
/// through the held handle, the record's VM counters on AccessDenied. `rss` is
/// the working set, `vms` the pagefile (commit) usage, as psutil.
pub(crate) fn memory_info(p: &mut Proc) -> Result<MemoryInfo> {
    let fast = match p.handle.process() {
        Some((h, _)) => {
            // SAFETY: zeroed is a valid PROCESS_MEMORY_COUNTERS_EX (plain data).
            let mut m: PROCESS_MEMORY_COUNTERS_EX = unsafe { std::mem::zeroed() };
            let cb = std::mem::size_of::<PROCESS_MEMORY_COUNTERS_EX>() as u32;
            m.cb = cb;
            // SAFETY: h is an open process handle; m is a writable
            // PROCESS_MEMORY_COUNTERS_EX of `cb` bytes, which starts with the
            // PROCESS_MEMORY_COUNTERS the signature names.
            let ok = unsafe {
                K32GetProcessMemoryInfo(
                    h,
                    (&mut m as *mut PROCESS_MEMORY_COUNTERS_EX).cast::<PROCESS_MEMORY_COUNTERS>(),
                    cb,
                )
            };
            if ok != 0 {
                Ok(m)
            } else {
                Err(last_error("GetProcessMemoryInfo"))
            }
        }
        None => Err(super::handle::no_handle("memory_info")),
    };
    match fast {
        Ok(m) => Ok(MemoryInfo {
            rss: m.WorkingSetSize as u64,
            vms: m.PagefileUsage as u64,
            num_page_faults: Some(u64::from(m.PageFaultCount)),
            peak_wset: Some(m.PeakWorkingSetSize as u64),
            wset: Some(m.WorkingSetSize as u64),
            peak_paged_pool: Some(m.QuotaPeakPagedPoolUsage as u64),
            paged_pool: Some(m.QuotaPagedPoolUsage as u64),
            peak_nonpaged_pool: Some(m.QuotaPeakNonPagedPoolUsage as u64),
            nonpaged_pool: Some(m.QuotaNonPagedPoolUsage as u64),
            pagefile: Some(m.PagefileUsage as u64),
            peak_pagefile: Some(m.PeakPagefileUsage as u64),
            private: Some(m.PrivateUsage as u64),
            ..MemoryInfo::default()
        }),
        Err(e) if is_denied(&e) => Ok(p.spi()?.memory),
        Err(e) => Err(e),
    }
}

/// psutil's `pio` (6 fields): `GetProcessIoCounters` through the held handle,
/// the record's counters on AccessDenied.
pub(crate) fn io_counters(p: &mut Proc) -> Result<IoCounters> {
    let fast = match p.handle.process() {
        Some((h, _)) => {
            // SAFETY: zeroed is a valid IO_COUNTERS (plain data).
            let mut c: IO_COUNTERS = unsafe { std::mem::zeroed() };
            // SAFETY: h is an open process handle, c a writable IO_COUNTERS.
            if unsafe { GetProcessIoCounters(h, &mut c) } != 0 {
                Ok(c)
            } else {
                Err(last_error("GetProcessIoCounters"))
            }
        }
        None => Err(super::handle::no_handle("io_counters")),
    };
    match fast {
        Ok(c) => Ok(IoCounters {
            read_count: c.ReadOperationCount,
            write_count: c.WriteOperationCount,
            read_bytes: c.ReadTransferCount,
            write_bytes: c.WriteTransferCount,
            read_chars: None,
            write_chars: None,
            other_count: Some(c.OtherOperationCount),
            other_bytes: Some(c.OtherTransferCount),
        }),
        Err(e) if is_denied(&e) => Ok(p.spi()?.io),
        Err(e) => Err(e),
    }
}

/// A buffer of `bytes` bytes aligned for any Win32 record (u64 units).
fn aligned(bytes: usize) -> Vec<u64> {
    vec![0u64; bytes.div_ceil(8).max(1)]
}

/// The owner, `DOMAIN\user`: the process token's `TokenUser` SID through
/// `LookupAccountSidW` (psutil; an unmapped SID is AccessDenied). Pids 0 and 4:
/// `NT AUTHORITY\SYSTEM` (psutil's fixed answer).
pub(crate) fn username(p: &mut Proc) -> Result<String> {
    if matches!(p.pid, 0 | 4) {
        return Ok("NT AUTHORITY\\SYSTEM".to_string());
    }
    let h = p.raw("username")?;
    let mut tok: HANDLE = std::ptr::null_mut();
    // SAFETY: h is an open process handle, tok a writable HANDLE.
    if unsafe { OpenProcessToken(h, TOKEN_QUERY, &mut tok) } == 0 {
        return Err(last_error("OpenProcessToken"));
    }
    let tok = Owned::new(tok).ok_or_else(|| last_error("OpenProcessToken"))?;
    let mut bytes = 256usize;
    let info = loop {
        let mut buf = aligned(bytes);
        let len = u32::try_from(buf.len() * 8).unwrap_or(u32::MAX);
        let mut needed = 0u32;
        // SAFETY: tok is an open token with TOKEN_QUERY; buf is writable for len bytes.
        let ok = unsafe {
            GetTokenInformation(
                tok.raw(),
                TokenUser,
                buf.as_mut_ptr().cast::<c_void>(),
                len,
                &mut needed,
            )
        };
        if ok != 0 {
            break buf;
        }
        // SAFETY: GetLastError only reads this thread's last-error value.
        let code = unsafe { GetLastError() };
        if code != ERROR_INSUFFICIENT_BUFFER || bytes >= 1 << 20 {
            return Err(win32_error(code, "GetTokenInformation(TokenUser)"));
        }
        bytes = (needed as usize).max(bytes * 2);
    };
    // SAFETY: the buffer holds a TOKEN_USER at its start (u64-aligned); read
    // unaligned all the same. Its SID pointer points into `info`, alive below.
    let user: TOKEN_USER = unsafe { info.as_ptr().cast::<TOKEN_USER>().read_unaligned() };
    // SAFETY: the SID lives in `info`, alive here; GetLengthSid reads its header.
    let sid_len = unsafe { GetLengthSid(user.User.Sid) } as usize;
    let sid_key: Vec<u8> = if sid_len > 0 && sid_len <= 68 {
        // SAFETY: a valid SID of `sid_len` bytes (SECURITY_MAX_SID_SIZE is 68).
        unsafe { std::slice::from_raw_parts(user.User.Sid.cast::<u8>(), sid_len) }.to_vec()
    } else {
        Vec::new()
    };
    if let Some(name) = sid_names::get(&sid_key) {
        return Ok(name);
    }
    let name = lookup_account(user.User.Sid)?;
    sid_names::put(sid_key, &name);
    Ok(name)
}

/// `DOMAIN\user` of a SID (`LookupAccountSidW`, buffers grown as asked).
fn lookup_account(sid: windows_sys::Win32::Security::PSID) -> Result<String> {
    let (mut ncap, mut dcap) = (256u32, 256u32);
    loop {
        let mut name = vec![0u16; ncap as usize];
        let mut domain = vec![0u16; dcap as usize];
        let (mut n, mut d) = (ncap, dcap);
        let mut kind: SID_NAME_USE = 0;
        // SAFETY: the caller's SID is alive; name and domain are writable for n and
        // d units; kind is a writable SID_NAME_USE.
        let ok = unsafe {
            LookupAccountSidW(
                std::ptr::null(),
                sid,
                name.as_mut_ptr(),
                &mut n,
                domain.as_mut_ptr(),
                &mut d,
                &mut kind,
            )
        };
        if ok != 0 {
            return Ok(format!("{}\\{}", from_wide(&domain), from_wide(&name)));
        }
        // SAFETY: GetLastError only reads this thread's last-error value.
        let code = unsafe { GetLastError() };
        match code {
            ERROR_INSUFFICIENT_BUFFER if ncap < 65536 && dcap < 65536 => {
                ncap = n.max(ncap * 2);
                dcap = d.max(dcap * 2);
            }
            ERROR_NONE_MAPPED => {
                return Err(win32_error(
                    ERROR_ACCESS_DENIED,
                    "LookupAccountSidW: ERROR_NONE_MAPPED",
                ))
            }
            _ => return Err(win32_error(code, "LookupAccountSidW")),
        }
    }
}

/// The priority class number (`GetPriorityClass`: `NORMAL_PRIORITY_CLASS` = 32...).
pub(crate) fn nice(p: &mut Proc) -> Result<i32> {
    let h = p.raw("nice")?;
    // SAFETY: h is an open process handle (LIMITED access suffices).
    let c = unsafe { GetPriorityClass(h) };
    if c == 0 {
        return Err(last_error("GetPriorityClass"));
    }
    Ok(c as i32)
}

/// `SetPriorityClass` with any number (Windows rejects the ones it has no class
/// for: an OS error, as psutil's).
pub(crate) fn set_nice(p: &mut Proc, value: i32) -> Result<()> {
    let h = open_process(p, None, PROCESS_SET_INFORMATION)?;
    // SAFETY: h is an open process handle with PROCESS_SET_INFORMATION.
    if unsafe { SetPriorityClass(h.raw(), value as u32) } == 0 {
        return Err(last_error("SetPriorityClass"));
    }
    Ok(())
}

/// The I/O priority hint (`NtQueryInformationProcess(ProcessIoPriority)`): one of
/// `IOPRIO_VERYLOW..IOPRIO_HIGH`, value 0 (psutil returns the bare class).
pub(crate) fn ionice(p: &mut Proc) -> Result<IoNice> {
    let h = p.raw("ionice")?;
    let mut v = 0u32;
    // SAFETY: h is an open process handle; v is a writable u32 of the size passed.
    let st: NTSTATUS = unsafe {
        NtQueryInformationProcess(
            h,
            ProcessIoPriority,
            (&mut v as *mut u32).cast::<c_void>(),
            4,
            std::ptr::null_mut(),
        )
    };
    if st != STATUS_SUCCESS {
        return Err(io_priority_error(
            st,
            "NtQueryInformationProcess(ProcessIoPriority)",
        ));
    }
    let ioclass = IoPriorityClass::from_raw(v as i32).ok_or_else(|| Error::Parse {
        path: "NtQueryInformationProcess(ProcessIoPriority)".into(),
        detail: format!("{v} is not an IOPriority"),
    })?;
    Ok(IoNice { ioclass, value: 0 })
}

/// `NtSetInformationProcess(ProcessIoPriority)` (ntdll, resolved at run time as
/// psutil does; windows-sys does not declare it).
pub(crate) fn set_ionice(p: &mut Proc, ioclass: IoPriorityClass, _value: i32) -> Result<()> {
    let h = open_process(p, None, PROCESS_SET_INFORMATION)?;
    let v = ioclass.as_raw() as u32;
    type SetInfo = unsafe extern "system" fn(HANDLE, i32, *const c_void, u32) -> NTSTATUS;
    let f = super::proc_ctl::ntdll_fn(c"NtSetInformationProcess")?;
    // SAFETY: ntdll's NtSetInformationProcess has exactly this signature.
    let f: SetInfo =
        unsafe { std::mem::transmute::<unsafe extern "system" fn() -> isize, SetInfo>(f) };
    // SAFETY: h is an open process handle with PROCESS_SET_INFORMATION; v is a
    // readable u32 of the size passed.
    let st = unsafe {
        f(
            h.raw(),
            ProcessIoPriority,
            (&v as *const u32).cast::<c_void>(),
            4,
        )
    };
    if st != STATUS_SUCCESS {
        return Err(io_priority_error(
            st,
            "NtSetInformationProcess(ProcessIoPriority)",
        ));
    }
    Ok(())
}

/// An NTSTATUS of the I/O priority calls: an information class the OS does not
/// have (`STATUS_INVALID_INFO_CLASS`, `STATUS_NOT_IMPLEMENTED`: Wine 8) is
/// Unsupported, so that `as_dict` and the tools leave the field out instead of
/// failing (psutil raises OSError 87 there); other statuses are OS errors.
fn io_priority_error(st: NTSTATUS, call: &str) -> Error {
    const STATUS_NOT_IMPLEMENTED: NTSTATUS = 0xC000_0002_u32 as NTSTATUS;
    const STATUS_INVALID_INFO_CLASS: NTSTATUS = 0xC000_0003_u32 as NTSTATUS;
    if st == STATUS_NOT_IMPLEMENTED || st == STATUS_INVALID_INFO_CLASS {
        Error::unsupported(format!("{call} (NTSTATUS {:#010x})", st as u32))
    } else {
        nt_error(st, call)
    }
}

/// The CPUs of the process affinity mask (`GetProcessAffinityMask`; the current
/// processor group only, as psutil).
pub(crate) fn cpu_affinity(p: &mut Proc) -> Result<Vec<u32>> {
    let h = p.raw("cpu_affinity")?;
    let (mut proc_mask, mut sys_mask) = (0usize, 0usize);
    // SAFETY: h is an open process handle; both masks are writable.
    if unsafe { GetProcessAffinityMask(h, &mut proc_mask, &mut sys_mask) } == 0 {
        return Err(last_error("GetProcessAffinityMask"));
    }
    Ok((0..usize::BITS)
        .filter(|i| proc_mask & (1usize << i) != 0)
        .collect())
}

/// `SetProcessAffinityMask` with the OR of the CPUs' bits (already checked
/// against the machine's CPUs by the public layer).
pub(crate) fn set_cpu_affinity(p: &mut Proc, cpus: &[u32]) -> Result<()> {
    let mut mask = 0usize;
    for &c in cpus {
        if c >= usize::BITS {
            return Err(Error::invalid(format!("invalid CPU {c}")));
        }
        mask |= 1usize << c;
    }
    let h = open_process(p, None, PROCESS_SET_INFORMATION)?;
    // SAFETY: h is an open process handle with PROCESS_SET_INFORMATION.
    if unsafe { SetProcessAffinityMask(h.raw(), mask) } == 0 {
        return Err(last_error("SetProcessAffinityMask"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::handle::test_child::Guard;
    use super::super::handle::Handle;
    use super::super::wine;
    use super::*;
    use windows_sys::Win32::System::Threading::{
        BELOW_NORMAL_PRIORITY_CLASS, NORMAL_PRIORITY_CLASS,
    };

    // One way to make a test's `Proc`, shared with the PEB tests.
    use super::super::peb::tests::with_proc;

    fn now() -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    }

    fn is_ping(name: &str) -> bool {
        name.eq_ignore_ascii_case("ping.exe")
    }

    #[test]
    fn a_ping_child_read_for_real() {
        let child = Guard::ping(30);
        let pid = child.pid();
        let me = std::process::id();
        with_proc(pid, |p| {
            assert_eq!(ppid(p).expect("ppid"), me);
            let n = name(p).expect("name").to_string_lossy().into_owned();
            assert!(is_ping(&n), "{n}");
            let exe = exe(p).expect("exe");
            assert!(exe.is_absolute(), "{exe:?}");
            assert!(
                exe.file_name()
                    .is_some_and(|f| is_ping(&f.to_string_lossy())),
                "{exe:?}"
            );
            assert!(exe.is_file(), "{exe:?}");
            let ct = create_time(p).expect("create_time");
            assert!((ct - now()).abs() < 30.0, "{ct} vs {}", now());
            // The fast path (GetProcessTimes) and the SPI record agree.
            assert!((ct - filetime_to_epoch(p.spi().expect("spi").create_ticks)).abs() < 1e-6);
            let nt = num_threads(p).expect("num_threads");
            let th = threads(p).expect("threads");
            assert!(nt >= 1);
            assert_eq!(nt as usize, th.len());
            assert!(th.windows(2).all(|w| w[0].id < w[1].id), "{th:?}");
            assert!(th
                .iter()
                .all(|t| t.id > 0 && t.user_time >= 0.0 && t.system_time >= 0.0));
            let t = cpu_times(p).expect("cpu_times");
            assert!(t.user >= 0.0 && t.system >= 0.0);
            assert_eq!(
                (t.children_user, t.children_system, t.iowait),
                (0.0, 0.0, None)
            );
            let m = memory_info(p).expect("memory_info");
            assert!(m.rss > 0, "{m:?}");
            assert_eq!(Some(m.rss), m.wset);
            assert_eq!(Some(m.vms), m.pagefile);
            assert!(m.peak_wset.unwrap_or(0) >= m.rss, "{m:?}");
            assert!(
                m.num_page_faults.is_some() && m.private.is_some() && m.nonpaged_pool.is_some()
            );
            let io = io_counters(p).expect("io_counters");
            assert!(io.other_count.is_some() && io.other_bytes.is_some());
            assert_eq!((io.read_chars, io.write_chars), (None, None));
            // The SPI HandleCount is right under Wine (GetProcessHandleCount is 0).
            assert!(num_handles(p).expect("num_handles") > 0);
            let cs = num_ctx_switches(p).expect("num_ctx_switches");
            assert_eq!(cs.involuntary, 0);
            if wine::version().is_none() {
                assert!(cs.voluntary > 0, "{cs:?}"); // Wine 8: always 0
            }
            assert_eq!(status(p).expect("status"), Status::Running);
            let user = username(p).expect("username");
            let (domain, who) = user.split_once('\\').expect("DOMAIN\\user");
            assert!(!domain.is_empty(), "{user}");
            if let Ok(u) = std::env::var("USERNAME") {
                assert!(who.eq_ignore_ascii_case(&u), "{user} vs {u}");
            }
        });
    }

    #[test]
    fn nice_and_affinity_round_trips() {
        let child = Guard::ping(30);
        let pid = child.pid();
        with_proc(pid, |p| {
            assert_eq!(nice(p).expect("nice"), NORMAL_PRIORITY_CLASS as i32);
            set_nice(p, BELOW_NORMAL_PRIORITY_CLASS as i32).expect("set_nice");
            assert_eq!(nice(p).expect("nice"), BELOW_NORMAL_PRIORITY_CLASS as i32);
            // A class Windows does not have: the raw OS error (psutil's OSError).
            assert!(matches!(set_nice(p, 7), Err(Error::Os { .. })));
            let n = super::super::cpu_count_logical()
                .expect("cpu count")
                .expect("known");
            let all: Vec<u32> = (0..n).collect();
            assert_eq!(cpu_affinity(p).expect("cpu_affinity"), all);
            set_cpu_affinity(p, &[0]).expect("set_cpu_affinity");
            assert_eq!(cpu_affinity(p).expect("cpu_affinity"), vec![0]);
            set_cpu_affinity(p, &all).expect("set_cpu_affinity");
            assert_eq!(cpu_affinity(p).expect("cpu_affinity"), all);
            assert!(matches!(
                set_cpu_affinity(p, &[usize::BITS]),
                Err(Error::InvalidInput { .. })
            ));
        });
    }

    /// The Linux pid and `/proc/PID/status` of the Wine process whose Unix
    /// command line (Wine sets it to the Windows one: `ping -n 413 127.0.0.1`)
    /// has a first word naming `exe` and the rest `args`.
    fn linux_status(exe: &str, args: &str) -> Option<(u32, String)> {
        wine::version()?;
        for e in std::fs::read_dir("Z:\\proc").ok()?.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Some(cmd) = wine::linux_file(&format!("/proc/{pid}/cmdline")) else {
                continue;
            };
            let cmd = cmd.replace('\0', " ");
            let (first, rest) = cmd.split_once(' ').unwrap_or((&cmd, ""));
            if first.to_ascii_lowercase().contains(exe) && rest.trim_end().starts_with(args) {
                return Some((pid, wine::linux_file(&format!("/proc/{pid}/status"))?));
            }
        }
        None
    }

    fn status_field(status: &str, key: &str) -> Option<String> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim_start_matches(':').trim().to_string())
    }

    #[test]
    fn affinity_and_memory_match_the_linux_process_under_wine() {
        // A count no other test uses, to find this ping among the Linux processes.
        let child = Guard::ping(413);
        let pid = child.pid();
        let mut found = None;
        for _ in 0..50 {
            found = linux_status("ping", "-n 413 127.0.0.1");
            if found.is_some() || wine::version().is_none() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let Some((lpid, status)) = found else {
            assert!(
                wine::version().is_none(),
                "ping -n 413 not found in Z:\\proc"
            );
            return;
        };
        with_proc(pid, |p| {
            // rss is the Linux VmRSS (Wine reads it from /proc), give or take
            // what the child touched meanwhile.
            let rss = memory_info(p).expect("memory_info").rss as f64;
            let vmrss = status_field(&status, "VmRSS")
                .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok())
                .expect("VmRSS")
                * 1024.0;
            assert!((0.5..2.0).contains(&(rss / vmrss)), "{rss} vs {vmrss}");
            // SetProcessAffinityMask reaches the Linux scheduler.
            set_cpu_affinity(p, &[0]).expect("set_cpu_affinity");
            let now = wine::linux_file(&format!("/proc/{lpid}/status")).expect("status");
            assert_eq!(
                status_field(&now, "Cpus_allowed_list").as_deref(),
                Some("0")
            );
        });
    }

    #[test]
    fn ionice_is_a_windows_hint_or_wines_error() {
        let child = Guard::ping(30);
        with_proc(child.pid(), |p| match wine::version() {
            // Wine 8: ProcessIoPriority is not implemented (STATUS_INVALID_INFO_CLASS;
            // psutil's OSError 87): Unsupported, never NoSuchProcess/AccessDenied.
            Some(_) => {
                let e = ionice(p).expect_err("Wine has no ProcessIoPriority");
                let e = super::super::translate(e, p);
                assert!(matches!(e, Error::Unsupported { .. }), "{e:?}");
                let e = set_ionice(p, IoPriorityClass::Low, 0).expect_err("not implemented");
                let e = super::super::translate(e, p);
                assert!(matches!(e, Error::Unsupported { .. }), "{e:?}");
            }
            None => {
                assert_eq!(ionice(p).expect("ionice").ioclass, IoPriorityClass::Normal);
                set_ionice(p, IoPriorityClass::Low, 0).expect("set_ionice");
                let got = ionice(p).expect("ionice");
                assert_eq!((got.ioclass, got.value), (IoPriorityClass::Low, 0));
            }
        });
    }

    #[test]
    fn our_own_process() {
        let me = std::process::id();
        with_proc(me, |p| {
            let exe = exe(p).expect("exe");
            let want = std::env::current_exe().expect("current_exe");
            assert!(
                exe.to_string_lossy()
                    .eq_ignore_ascii_case(&want.to_string_lossy()),
                "{exe:?} vs {want:?}"
            );
            let n = name(p).expect("name").to_string_lossy().into_owned();
            assert!(
                want.file_name()
                    .is_some_and(|f| f.to_string_lossy().eq_ignore_ascii_case(&n)),
                "{n} vs {want:?}"
            );
            // The test harness runs threads: at least the main one.
            assert!(num_threads(p).expect("num_threads") >= 1);
            // Fast path and SPI fallback agree (psutil's TW:671-755, loosely: the
            // process runs meanwhile).
            let fast = memory_info(p).expect("memory_info");
            let slow = p.spi().expect("spi").memory;
            assert!(fast.rss > 0 && slow.rss > 0);
            let ratio = fast.rss as f64 / slow.rss as f64;
            assert!((0.5..2.0).contains(&ratio), "{fast:?} vs {slow:?}");
            // We burn CPU: our own user time is visible in the SPI record.
            let t0 = cpu_times(p).expect("cpu_times");
            let start = std::time::Instant::now();
            let mut x = 0u64;
            while start.elapsed() < std::time::Duration::from_millis(300) {
                x = x.wrapping_mul(31).wrapping_add(7);
            }
            std::hint::black_box(x);
            let t1 = cpu_times(p).expect("cpu_times");
            assert!(
                t1.user + t1.system >= t0.user + t0.system + 0.1,
                "{t0:?} -> {t1:?}"
            );
        });
    }

    #[test]
    fn exe_without_a_handle_is_psutils_system_process_id_information() {
        let me = std::process::id();
        match (exe_by_pid(me), wine::version()) {
            // Wine 8: STATUS_INVALID_INFO_CLASS → 87, a raw OS error.
            (Err(Error::Os { source, .. }), Some(_)) => assert_eq!(source.raw_os_error(), Some(87)),
            (Ok(path), None) => {
                let want = std::env::current_exe().expect("current_exe");
                assert!(
                    path.to_string_lossy()
                        .eq_ignore_ascii_case(&want.to_string_lossy()),
                    "{path:?} vs {want:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        // A pid nobody has: an error (NoSuchProcess once translated), no panic.
        assert!(exe_by_pid(0x7fff_fff0).is_err());
    }

    #[test]
    fn dos_paths_are_converted_like_psutil() {
        assert_eq!(convert_dos_path("C:\\x\\y.exe"), "C:\\x\\y.exe");
        assert_eq!(convert_dos_path("\\\\srv\\share\\a"), "\\\\srv\\share\\a");
        assert_eq!(convert_dos_path("\\??\\C:\\x\\y.exe"), "C:\\x\\y.exe");
        assert_eq!(
            convert_dos_path("\\??\\UNC\\srv\\share\\a"),
            "\\\\srv\\share\\a"
        );
        assert_eq!(
            convert_dos_path("\\Device\\Mup\\srv\\share\\a"),
            "\\\\srv\\share\\a"
        );
        // A device no drive letter maps: rooted, without a drive (psutil).
        assert_eq!(
            convert_dos_path("\\Device\\NoSuchVolume77\\Windows\\x.exe"),
            "\\Windows\\x.exe"
        );
        // C:'s own device (Wine: \Device\HarddiskVolume1) maps back to C:.
        if let Some(target) = dos_device("C:") {
            assert_eq!(
                convert_dos_path(&format!("{target}\\x\\y.exe")),
                "C:\\x\\y.exe"
            );
        } else {
            assert!(wine::version().is_none(), "Wine maps C:");
        }
    }

    /// What a process we may not open gives (Wine runs everything as one user,
    /// so the denied handle is made by hand): psutil's SPI fallbacks where it has
    /// them, AccessDenied elsewhere, identity from the SPI creation time.
    #[test]
    fn without_a_handle_the_spi_fallbacks_answer() {
        let child = Guard::ping(30);
        let pid = child.pid();
        let me = std::process::id();
        let full = Handle::open(pid).expect("open");
        let denied = Handle::denied();
        let mut f = Proc {
            pid,
            handle: &full,
            cache: None,
        };
        let mut d = Proc {
            pid,
            handle: &denied,
            cache: None,
        };
        let id = super::super::identity(&mut f).expect("identity");
        assert_eq!(super::super::identity(&mut d).expect("SPI identity"), id);
        assert!(super::super::same_process(&mut d, &id).expect("same"));
        assert_eq!(
            create_time(&mut d).expect("create_time"),
            create_time(&mut f).expect("create_time")
        );
        assert_eq!(ppid(&mut d).expect("ppid"), me);
        assert!(is_ping(&name(&mut d).expect("name").to_string_lossy()));
        let (md, mf) = (
            memory_info(&mut d).expect("SPI memory"),
            memory_info(&mut f).expect("memory"),
        );
        assert!(md.rss > 0 && md.wset == Some(md.rss) && md.pagefile == Some(md.vms));
        assert!(
            (0.5..2.0).contains(&(md.rss as f64 / mf.rss as f64)),
            "{md:?} vs {mf:?}"
        );
        let io = io_counters(&mut d).expect("SPI io");
        assert!(io.other_count.is_some() && io.other_bytes.is_some());
        for e in [
            username(&mut d).map(|_| ()),
            nice(&mut d).map(|_| ()),
            cpu_affinity(&mut d).map(|_| ()),
            ionice(&mut d).map(|_| ()),
        ] {
            let e = e.expect_err("needs a handle");
            assert!(super::super::translate(e, &mut d).is_access_denied());
        }
        match (exe(&mut d), wine::version()) {
            // Wine has no SystemProcessIdInformation: the AccessDenied stays.
            (Err(e), Some(_)) => assert!(super::super::translate(e, &mut d).is_access_denied()),
            (Ok(path), None) => assert!(path.is_absolute(), "{path:?}"),
            other => panic!("{other:?}"),
        }
        // A signal through a new handle checks the creation time: another
        // identity is a reused pid.
        let other = crate::sys::records::Identity::new(id.start() + 1, None);
        let e = super::super::kill(&mut d, &other).expect_err("reused");
        assert!(
            matches!(&e, Error::NoSuchProcess { msg, .. } if msg.contains("reused")),
            "{e:?}"
        );
        // The right one goes through.
        super::super::kill(&mut d, &id).expect("kill");
        drop(child);
        assert!(super::super::same_process(&mut d, &id)
            .expect_err("gone")
            .is_no_such_process());
    }

    #[test]
    fn oneshot_cache_serves_one_record() {
        let me = std::process::id();
        let h = Handle::open(me).expect("open");
        let mut cache = super::super::RawCache::default();
        let mut p = Proc {
            pid: me,
            handle: &h,
            cache: Some(&mut cache),
        };
        let a = p.spi().expect("spi");
        let b = p.spi().expect("spi");
        assert!(
            std::sync::Arc::ptr_eq(&a, &b),
            "the second read is the cached one"
        );
    }

    /// A fake SPI buffer: two records, the second at an odd offset with two
    /// threads and its image name inside the buffer.
    #[test]
    fn records_threads_and_names_are_read_unaligned() {
        let psize = std::mem::size_of::<SYSTEM_PROCESS_INFORMATION>();
        let tsize = std::mem::size_of::<SYSTEM_THREAD_INFORMATION>();
        let second = psize + 3;
        let name_at = second + psize + 2 * tsize + 1;
        let name: Vec<u16> = "ping.exe".encode_utf16().collect();
        let mut buf = vec![0u8; name_at + 2 * name.len()];
        // SAFETY: zeroed is valid for these plain-data records.
        let mut e: SYSTEM_PROCESS_INFORMATION = unsafe { std::mem::zeroed() };
        e.NextEntryOffset = second as u32;
        e.UniqueProcessId = 8usize as _;
        let put = |buf: &mut Vec<u8>, at: usize, bytes: &[u8]| {
            buf[at..at + bytes.len()].copy_from_slice(bytes);
        };
        // SAFETY: reading the bytes of a plain-data record.
        let bytes_of = |e: &SYSTEM_PROCESS_INFORMATION| unsafe {
            std::slice::from_raw_parts((e as *const SYSTEM_PROCESS_INFORMATION).cast::<u8>(), psize)
                .to_vec()
        };
        put(&mut buf, 0, &bytes_of(&e));
        e.NextEntryOffset = 0;
        e.UniqueProcessId = 12usize as _;
        e.Reserved2 = 8usize as _;
        e.NumberOfThreads = 2;
        e.HandleCount = 42;
        e.WorkingSetSize = 4096;
        e.PagefileUsage = 8192;
        e.Reserved4 = 9; // PageFaultCount
        e.Reserved7 = [1, 2, 3, 4, 5, 6];
        e.Reserved1[24..32].copy_from_slice(&123i64.to_ne_bytes());
        e.Reserved1[32..40].copy_from_slice(&20_000_000i64.to_ne_bytes());
        e.Reserved1[40..48].copy_from_slice(&10_000_000i64.to_ne_bytes());
        e.ImageName.Length = (2 * name.len()) as u16;
        e.ImageName.MaximumLength = e.ImageName.Length;
        // SAFETY: name_at is inside buf (the pointer is only compared, then read
        // through read_at).
        e.ImageName.Buffer = unsafe { buf.as_mut_ptr().add(name_at) }.cast::<u16>();
        put(&mut buf, second, &bytes_of(&e));
        for (i, tid) in [30usize, 20].iter().enumerate() {
            // SAFETY: zeroed is valid for this plain-data record.
            let mut t: SYSTEM_THREAD_INFORMATION = unsafe { std::mem::zeroed() };
            t.ClientId.UniqueThread = *tid as _;
            t.Reserved1 = [5_000_000, 15_000_000, 0];
            t.Reserved3 = 7;
            t.ThreadState = THREAD_STATE_WAITING;
            t.WaitReason = WAIT_REASON_SUSPENDED;
            // SAFETY: reading the bytes of a plain-data record.
            let tb = unsafe {
                std::slice::from_raw_parts(
                    (&t as *const SYSTEM_THREAD_INFORMATION).cast::<u8>(),
                    tsize,
                )
                .to_vec()
            };
            put(&mut buf, second + psize + i * tsize, &tb);
        }
        let nb: Vec<u8> = name.iter().flat_map(|u| u.to_ne_bytes()).collect();
        put(&mut buf, name_at, &nb);

        let r = find_record(&buf, 12).expect("record 12");
        assert_eq!((r.pid, r.ppid, r.create_ticks), (12, 8, 123));
        assert_eq!((r.user_ticks, r.kernel_ticks), (20_000_000, 10_000_000));
        assert_eq!(r.name.as_deref(), Some("ping.exe"));
        assert_eq!((r.num_threads, r.handle_count), (2, 42));
        assert_eq!((r.memory.rss, r.memory.vms), (4096, 8192));
        assert_eq!(r.memory.num_page_faults, Some(9));
        assert_eq!(
            (r.io.read_count, r.io.write_count, r.io.other_count),
            (1, 2, Some(3))
        );
        assert_eq!(
            (r.io.read_bytes, r.io.write_bytes, r.io.other_bytes),
            (4, 5, Some(6))
        );
        assert_eq!(r.threads.len(), 2);
        assert_eq!(r.threads[0].tid, 30);
        assert_eq!(r.threads[1].context_switches, 7);
        assert_eq!(r.threads[0].user_ticks, 15_000_000);
        assert!(find_record(&buf, 8).is_some_and(|r| r.name.is_none() && r.threads.is_empty()));
        assert!(find_record(&buf, 99).is_none());
        // A record cut short by the buffer's end is not read; threads past it
        // are dropped.
        assert!(find_record(&buf[..second + psize - 1], 12).is_none());
        let cut = find_record(&buf[..second + psize + tsize], 12).expect("record");
        assert_eq!(cut.threads.len(), 1);
        assert_eq!(cut.name, None, "the name lies past the cut");
    }
}

/// Account names by SID, kept for one second: `LookupAccountSidW` asks the
/// security service (and, under Wine, wineserver) each time, which would dominate a
/// scan of processes owned by a handful of users (the POSIX backends cache user
/// names the same way, see docs/DIFFERENCES.md).
mod sid_names {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    const TTL: Duration = Duration::from_secs(1);

    /// Names looked up since `filled`.
    struct Names {
        filled: Instant,
        by_sid: HashMap<Vec<u8>, String>,
    }

    static NAMES: Mutex<Option<Names>> = Mutex::new(None);

    pub(super) fn get(sid: &[u8]) -> Option<String> {
        if sid.is_empty() {
            return None;
        }
        let guard = NAMES.lock().unwrap_or_else(|p| p.into_inner());
        let names = guard.as_ref()?;
        if names.filled.elapsed() >= TTL {
            return None;
        }
        names.by_sid.get(sid).cloned()
    }

    pub(super) fn put(sid: Vec<u8>, name: &str) {
        if sid.is_empty() {
            return;
        }
        let mut guard = NAMES.lock().unwrap_or_else(|p| p.into_inner());
        let names = match &mut *guard {
            Some(n) if n.filled.elapsed() < TTL => n,
            slot => slot.insert(Names {
                filled: Instant::now(),
                by_sid: HashMap::new(),
            }),
        };
        names.by_sid.insert(sid, name.to_string());
    }
}
