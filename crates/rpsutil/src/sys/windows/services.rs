//! Windows services: psutil's `services.c` through the Service Control Manager.
//! `win_service_iter` makes one `EnumServicesStatusExW` enumeration (name,
//! display name, status, pid) and one config + description query per service;
//! `win_service_get` opens the one service.
//!
//! Wine 8 runs the whole API (16 services here: BITS, Eventlog, PlugPlay, RpcSs,
//! Spooler, ...); it ignores the enumeration's resume handle and returns no
//! partial result on `ERROR_MORE_DATA`, which the loop below tolerates.

use windows_sys::Win32::Foundation::{
    GetLastError, ERROR_ACCESS_DENIED, ERROR_INSUFFICIENT_BUFFER, ERROR_MORE_DATA,
};
use windows_sys::Win32::System::Services::{
    CloseServiceHandle, EnumServicesStatusExW, OpenSCManagerW, OpenServiceW, QueryServiceConfig2W,
    QueryServiceConfigW, QueryServiceStatusEx, ENUM_SERVICE_STATUS_PROCESSW, QUERY_SERVICE_CONFIGW,
    SC_ENUM_PROCESS_INFO, SC_HANDLE, SC_MANAGER_ENUMERATE_SERVICE, SC_STATUS_PROCESS_INFO,
    SERVICE_CONFIG_DESCRIPTION, SERVICE_DESCRIPTIONW, SERVICE_QUERY_CONFIG, SERVICE_QUERY_STATUS,
    SERVICE_STATE_ALL, SERVICE_STATUS_PROCESS, SERVICE_WIN32,
};

use super::errors::win32_error;
use super::util::{from_wide_ptr, read_at, wide};
use crate::types::winservice::{ServiceStartType, ServiceStatus, WindowsService};
use crate::{Error, Result};

const ERROR_INVALID_NAME: u32 = 123;
const ERROR_SERVICE_DOES_NOT_EXIST: u32 = 1060;
const ERROR_PRIVILEGE_NOT_HELD: u32 = 1314;
const ERROR_NOT_FOUND: u32 = 1168;
const ERROR_MUI_FILE_NOT_FOUND: u32 = 15100;
const ERROR_FILE_NOT_FOUND: u32 = 2;
const ERROR_RESOURCE_TYPE_NOT_FOUND: u32 = 1813;
/// `EnumServicesStatusExW` takes at most 256 KiB per call.
const ENUM_MAX: usize = 256 * 1024;

/// An SCM or service handle, closed on drop.
struct Sc(SC_HANDLE);

impl Drop for Sc {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenSCManagerW/OpenServiceW, closed once here.
        unsafe { CloseServiceHandle(self.0) };
    }
}

fn last_code() -> u32 {
    // SAFETY: reads the calling thread's last error, no preconditions.
    unsafe { GetLastError() }
}

/// psutil's `_wrap_exceptions` of a service query: a permission error is
/// AccessDenied (no pid), an invalid or unknown name NoSuchProcess, others raw.
fn service_error(code: u32, name: &str, call: &str) -> Error {
    match code {
        ERROR_ACCESS_DENIED | ERROR_PRIVILEGE_NOT_HELD => Error::AccessDenied {
            pid: None,
            name: Some(name.to_string()),
            msg: format!("service '{name}' is not querable (not enough privileges)"),
        },
        ERROR_INVALID_NAME | ERROR_SERVICE_DOES_NOT_EXIST => Error::NoSuchProcess {
            pid: 0,
            name: Some(name.to_string()),
            msg: format!("service '{name}' does not exist"),
        },
        _ => win32_error(code, format!("{call}({name})")),
    }
}

fn open_scm() -> Result<Sc> {
    // SAFETY: null machine and database names select the local active database.
    let h = unsafe {
        OpenSCManagerW(
            std::ptr::null(),
            std::ptr::null(),
            SC_MANAGER_ENUMERATE_SERVICE,
        )
    };
    if h.is_null() {
        return Err(win32_error(last_code(), "OpenSCManagerW"));
    }
    Ok(Sc(h))
}

fn open_service(scm: &Sc, name: &str, access: u32) -> Result<Sc> {
    let w = wide(std::ffi::OsStr::new(name));
    // SAFETY: scm is open; w is NUL-terminated.
    let h = unsafe { OpenServiceW(scm.0, w.as_ptr(), access) };
    if h.is_null() {
        return Err(service_error(last_code(), name, "OpenServiceW"));
    }
    Ok(Sc(h))
}

/// A NUL-terminated UTF-16 string the SCM placed in `buf` (as bytes) at the
/// address `p`; empty for null. Read from the slice when it lies inside it.
fn string_in(buf: &[u8], base: *const u8, p: *const u16) -> String {
    if p.is_null() {
        return String::new();
    }
    let Some(start) = (p as usize).checked_sub(base as usize) else {
        // SAFETY: the SCM's pointers are NUL-terminated strings it allocated.
        return unsafe { from_wide_ptr(p, 32 * 1024) };
    };
    let Some(bytes) = buf.get(start..) else {
        // SAFETY: as above.
        return unsafe { from_wide_ptr(p, 32 * 1024) };
    };
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&c| c != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// A block the SCM filled: u64-aligned, kept whole because the records in it
/// point at strings inside it.
struct Block(Vec<u64>);

impl Block {
    fn bytes(&self) -> &[u8] {
        // SAFETY: any initialised u64 memory is valid as bytes; same extent.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast::<u8>(), self.0.len() * 8) }
    }

    /// The string at `p` (a pointer into this block, or null).
    fn string(&self, p: *const u16) -> String {
        string_in(self.bytes(), self.0.as_ptr().cast(), p)
    }
}

/// A call that fills a buffer of the size it asks for: probe (fails with
/// `ERROR_INSUFFICIENT_BUFFER`), then the real call; `ok_codes` are failures
/// that mean "nothing" (None).
fn sized_query(
    name: &str,
    call: &str,
    ok_codes: &[u32],
    f: impl Fn(*mut u8, u32, &mut u32) -> i32,
) -> Result<Option<Block>> {
    let mut needed = 0u32;
    let mut size = 1024u32;
    for _ in 0..8 {
        let mut buf = vec![0u64; (size as usize).div_ceil(8)];
        let len = (buf.len() * 8) as u32;
        if f(buf.as_mut_ptr().cast(), len, &mut needed) != 0 {
            return Ok(Some(Block(buf)));
        }
        let code = last_code();
        if ok_codes.contains(&code) {
            return Ok(None);
        }
        if code != ERROR_INSUFFICIENT_BUFFER {
            return Err(service_error(code, name, call));
        }
        size = needed.max(size.saturating_mul(2));
    }
    Err(win32_error(
        ERROR_INSUFFICIENT_BUFFER,
        format!("{call}({name})"),
    ))
}

/// The config fields: (display name, binpath, username, start type).
fn query_config(svc: &Sc, name: &str) -> Result<(String, String, String, ServiceStartType)> {
    let block = sized_query(name, "QueryServiceConfigW", &[], |p, len, needed| {
        // SAFETY: p is writable for len bytes and 8-aligned; needed is an out pointer.
        unsafe { QueryServiceConfigW(svc.0, p.cast::<QUERY_SERVICE_CONFIGW>(), len, needed) }
    })?;
    let c = block
        .as_ref()
        .and_then(|b| read_at::<QUERY_SERVICE_CONFIGW>(b.bytes(), 0));
    let (Some(b), Some(c)) = (block.as_ref(), c) else {
        return Err(win32_error(
            ERROR_INSUFFICIENT_BUFFER,
            format!("QueryServiceConfigW({name})"),
        ));
    };
    Ok((
        b.string(c.lpDisplayName),
        b.string(c.lpBinaryPathName),
        b.string(c.lpServiceStartName),
        ServiceStartType::from_raw(c.dwStartType),
    ))
}

/// The description, empty when the service has none. psutil 7.2.2 treats
/// `ERROR_NOT_FOUND` and `ERROR_MUI_FILE_NOT_FOUND` so; `ERROR_FILE_NOT_FOUND`
/// (#2383, fixed in psutil 8) and `ERROR_RESOURCE_TYPE_NOT_FOUND` (a description
/// in a missing resource DLL) are treated the same here instead of failing.
fn query_description(svc: &Sc, name: &str) -> Result<String> {
    let block = sized_query(
        name,
        "QueryServiceConfig2W",
        &[
            ERROR_NOT_FOUND,
            ERROR_MUI_FILE_NOT_FOUND,
            ERROR_FILE_NOT_FOUND,
            ERROR_RESOURCE_TYPE_NOT_FOUND,
        ],
        |p, len, needed| {
            // SAFETY: p is writable for len bytes and 8-aligned; needed is an out pointer.
            unsafe { QueryServiceConfig2W(svc.0, SERVICE_CONFIG_DESCRIPTION, p, len, needed) }
        },
    )?;
    let Some(b) = block else {
        return Ok(String::new());
    };
    Ok(read_at::<SERVICE_DESCRIPTIONW>(b.bytes(), 0)
        .map(|d| b.string(d.lpDescription))
        .unwrap_or_default())
}

/// psutil's `_query_status`: (status, pid; 0 → None).
fn query_status(svc: &Sc, name: &str) -> Result<(ServiceStatus, Option<u32>)> {
    let mut st = SERVICE_STATUS_PROCESS::default();
    let mut needed = 0u32;
    // SAFETY: st is a writable SERVICE_STATUS_PROCESS of the size passed.
    let ok = unsafe {
        QueryServiceStatusEx(
            svc.0,
            SC_STATUS_PROCESS_INFO,
            (&mut st as *mut SERVICE_STATUS_PROCESS).cast(),
            std::mem::size_of::<SERVICE_STATUS_PROCESS>() as u32,
            &mut needed,
        )
    };
    if ok == 0 {
        return Err(service_error(last_code(), name, "QueryServiceStatusEx"));
    }
    Ok((
        ServiceStatus::from_raw(st.dwCurrentState),
        (st.dwProcessId != 0).then_some(st.dwProcessId),
    ))
}

/// One enumerated service: name, display name, status record.
struct Listed {
    name: String,
    display_name: String,
    status: ServiceStatus,
    pid: Option<u32>,
}

/// One `EnumServicesStatusExW(SC_ENUM_PROCESS_INFO, SERVICE_WIN32,
/// SERVICE_STATE_ALL)` enumeration, continued with its resume handle while it
/// answers `ERROR_MORE_DATA` (each call at most 256 KiB); names seen twice (a
/// resume handle ignored, as Wine does) are kept once.
fn enumerate(scm: &Sc) -> Result<Vec<Listed>> {
    let mut out: Vec<Listed> = Vec::new();
    let mut size = 64 * 1024usize;
    let mut resume = 0u32;
    for _ in 0..1024 {
        let mut buf = vec![0u64; size / 8];
        let (mut needed, mut returned) = (0u32, 0u32);
        // SAFETY: buf is writable for size bytes and 8-aligned; the out pointers
        // are valid; no group filter.
        let ok = unsafe {
            EnumServicesStatusExW(
                scm.0,
                SC_ENUM_PROCESS_INFO,
                SERVICE_WIN32,
                SERVICE_STATE_ALL,
                buf.as_mut_ptr().cast(),
                size as u32,
                &mut needed,
                &mut returned,
                &mut resume,
                std::ptr::null(),
            )
        };
        let code = if ok != 0 { 0 } else { last_code() };
        if ok == 0 && code != ERROR_MORE_DATA {
            return Err(win32_error(code, "EnumServicesStatusExW"));
        }
        let block = Block(buf);
        let step = std::mem::size_of::<ENUM_SERVICE_STATUS_PROCESSW>();
        for i in 0..returned as usize {
            let Some(e) = read_at::<ENUM_SERVICE_STATUS_PROCESSW>(block.bytes(), i * step) else {
                break;
            };
            let name = block.string(e.lpServiceName);
            if out.iter().any(|l| l.name == name) {
                continue;
            }
            let st = e.ServiceStatusProcess;
            out.push(Listed {
                name,
                display_name: block.string(e.lpDisplayName),
                status: ServiceStatus::from_raw(st.dwCurrentState),
                pid: (st.dwProcessId != 0).then_some(st.dwProcessId),
            });
        }
        if ok != 0 {
            return Ok(out);
        }
        size = (needed as usize)
            .max(size)
            .next_multiple_of(8)
            .min(ENUM_MAX);
    }
    Err(win32_error(ERROR_MORE_DATA, "EnumServicesStatusExW"))
}

/// psutil's `win_service_iter()` with every field: the enumeration gives name,
/// display name, status and pid; each service is opened once
/// (`SERVICE_QUERY_CONFIG`) for binpath, username, start type and description.
pub(crate) fn win_service_iter() -> Result<Vec<Result<WindowsService>>> {
    let scm = open_scm()?;
    let mut out = Vec::new();
    for l in enumerate(&scm)? {
        let one: Result<WindowsService> = (|| {
            let svc = open_service(&scm, &l.name, SERVICE_QUERY_CONFIG)?;
            let (_, binpath, username, start_type) = query_config(&svc, &l.name)?;
            let description = query_description(&svc, &l.name)?;
            Ok(WindowsService {
                display_name: l.display_name.clone(),
                binpath,
                username,
                start_type,
                status: l.status,
                pid: l.pid,
                name: l.name.clone(),
                description,
            })
        })();
        match one {
            // Deleted since the enumeration: gone from the list.
            Err(e) if e.is_no_such_process() => {}
            other => out.push(other),
        }
    }
    Ok(out)
}

/// psutil's `win_service_get(name)` with every field.
pub(crate) fn win_service_get(name: &str) -> Result<WindowsService> {
    let scm = open_scm()?;
    let svc = open_service(&scm, name, SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS)?;
    let (display_name, binpath, username, start_type) = query_config(&svc, name)?;
    let (status, pid) = query_status(&svc, name)?;
    let description = query_description(&svc, name)?;
    Ok(WindowsService {
        display_name,
        binpath,
        username,
        start_type,
        status,
        pid,
        name: name.to_string(),
        description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::wine;

    #[test]
    fn every_listed_service_is_got_alike() {
        let all = crate::win_service_iter().expect("win_service_iter");
        let ok: Vec<&WindowsService> = all.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert!(!ok.is_empty(), "{all:?}");
        // Single user, every service queryable (Wine; an admin on Windows).
        if wine::version().is_some() {
            assert_eq!(ok.len(), all.len(), "{all:?}");
            // Wine's services, with the programs Wine ships for them. Whether one
            // runs depends on what started it before (a fresh prefix starts RpcSs
            // on demand), so a running one is checked below, not required.
            for (name, exe) in [("RpcSs", "rpcss.exe"), ("PlugPlay", "plugplay.exe")] {
                let s = ok
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(name))
                    .unwrap_or_else(|| panic!("{name} not in {ok:?}"));
                assert!(s.binpath.to_ascii_lowercase().ends_with(exe), "{s:?}");
            }
        }
        let pids = super::super::process::pids().expect("pids");
        for s in &ok {
            assert!(!s.name.is_empty() && !s.display_name.is_empty(), "{s:?}");
            if let Some(pid) = s.pid {
                assert!(pids.contains(&pid), "{s:?} runs in an unlisted process");
                assert_eq!(s.status, ServiceStatus::Running, "{s:?}");
            }
            let got = crate::win_service_get(&s.name).expect("win_service_get");
            // The state of a service can change in between; the rest cannot.
            if got.status == s.status {
                assert_eq!(&&got, s);
            } else {
                assert_eq!(
                    (&got.binpath, &got.display_name),
                    (&s.binpath, &s.display_name)
                );
            }
        }
        // Names are case-insensitive; the name given is kept.
        let first = ok[0];
        let lower = first.name.to_lowercase();
        let got = crate::win_service_get(&lower).expect("lower-case name");
        assert_eq!(
            (got.name.as_str(), &got.binpath),
            (lower.as_str(), &first.binpath)
        );
    }

    #[test]
    fn unknown_and_invalid_names_are_no_such_process() {
        for name in ["rpsutil-no-such-service", ""] {
            match crate::win_service_get(name) {
                Err(Error::NoSuchProcess { name: n, msg, .. }) => {
                    assert_eq!(n.as_deref(), Some(name));
                    assert_eq!(msg, format!("service '{name}' does not exist"));
                }
                other => panic!("{name:?}: {other:?}"),
            }
        }
        match service_error(ERROR_ACCESS_DENIED, "x", "OpenServiceW") {
            Error::AccessDenied { pid, msg, .. } => {
                assert_eq!(pid, None);
                assert_eq!(msg, "service 'x' is not querable (not enough privileges)");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(service_error(5000, "x", "Q"), Error::Os { .. }));
    }
}
