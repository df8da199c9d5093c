//! `cmdline`, `cwd` and `environ` from the target's PEB (psutil's
//! `proc_info.c: psutil_get_process_data`), and `open_for_read`, the process
//! handle this file, `maps.rs` and `files.rs` open by pid with the rights each
//! call needs (psutil's `psutil_handle_from_pid`).
//!
//! The PEB walk: `NtQueryInformationProcess(ProcessBasicInformation)` gives the
//! PEB's address; `ReadProcessMemory` reads `PEB.ProcessParameters`, then the
//! `RTL_USER_PROCESS_PARAMETERS` block, then the string it points at. A 32-bit
//! (WOW64) target of a 64-bit caller is read through its 32-bit PEB
//! (`ProcessWow64Information`) and the 32-bit layouts; a 32-bit caller reads
//! 32-bit targets and answers AccessDenied for a 64-bit one (psutil 7.2.2's
//! `NtWow64ReadVirtualMemory64` path, removed in psutil 8.0, is not ported).
//!
//! Wine 8: the PEB path works for every Wine process; `ProcessCommandLine
//! Information` (psutil's fallback on AccessDenied) answers
//! `STATUS_INVALID_INFO_CLASS`; WOW64 cannot run (no wine32 here).

use std::collections::HashMap;
use std::ffi::{c_void, OsString};
use std::mem::{offset_of, size_of};
use std::os::windows::ffi::OsStringExt;
use std::path::PathBuf;
use std::time::Duration;

#[cfg(target_pointer_width = "64")]
use windows_sys::Wdk::System::Threading::ProcessWow64Information;
use windows_sys::Wdk::System::Threading::{
    NtQueryInformationProcess, ProcessBasicInformation, ProcessCommandLineInformation,
};
use windows_sys::Win32::Foundation::{
    CloseHandle, GetLastError, LocalFree, ERROR_ACCESS_DENIED, ERROR_INVALID_PARAMETER,
    ERROR_SUCCESS, HANDLE, STATUS_BUFFER_OVERFLOW, STATUS_BUFFER_TOO_SMALL,
    STATUS_INFO_LENGTH_MISMATCH, STATUS_SUCCESS, STILL_ACTIVE,
};
use windows_sys::Win32::System::Diagnostics::Debug::ReadProcessMemory;
use windows_sys::Win32::System::Memory::{VirtualQueryEx, MEMORY_BASIC_INFORMATION};
#[cfg(target_pointer_width = "32")]
use windows_sys::Win32::System::Threading::{GetCurrentProcess, IsWow64Process};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcessId, GetExitCodeProcess, OpenProcess, PROCESS_ACCESS_RIGHTS,
    PROCESS_QUERY_INFORMATION, PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_VM_READ,
};
use windows_sys::Win32::UI::Shell::CommandLineToArgvW;

use super::errors::{last_error, nt_error};
use super::Proc;
use crate::types::process::Pid;
use crate::{Error, Result};

// --------------------------------------------------------------- process handles

/// A process handle opened by pid (closed on drop), or the `Process`'s held one
/// when it has the rights (left open).
pub(crate) struct Opened {
    raw: HANDLE,
    pid: Pid,
    owned: bool,
}

impl Opened {
    /// The raw handle, valid while `self` lives.
    pub(crate) fn raw(&self) -> HANDLE {
        self.raw
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        if self.owned {
            // SAFETY: raw came from OpenProcess and is closed exactly once, here.
            unsafe { CloseHandle(self.raw) };
        }
    }
}

/// Whether `pid` is listed by `EnumProcesses` (psutil's cross-check).
fn listed(pid: Pid) -> bool {
    super::process::pids()
        .map(|l| l.binary_search(&pid).is_ok())
        .unwrap_or(false)
}

/// psutil's `psutil_handle_from_pid(pid, access)` + `psutil_check_phandle`: pid 0
/// is AccessDenied; `OpenProcess` failing with `ERROR_ACCESS_DENIED` is
/// AccessDenied, with `ERROR_INVALID_PARAMETER` (no such pid) NoSuchProcess, with
/// no error code AccessDenied if the pid is listed else NoSuchProcess; an open
/// process whose exit code is set and that `EnumProcesses` no longer lists is
/// NoSuchProcess.
pub(crate) fn open_for_read(pid: Pid, access: PROCESS_ACCESS_RIGHTS) -> Result<Opened> {
    if pid == 0 {
        return Err(Error::access_denied(pid));
    }
    // SAFETY: OpenProcess takes plain values; a null result is handled below.
    let raw = unsafe { OpenProcess(access, 0, pid) };
    if raw.is_null() {
        // SAFETY: reads the calling thread's last error, no preconditions.
        let code = unsafe { GetLastError() };
        return Err(match code {
            ERROR_ACCESS_DENIED => Error::access_denied(pid),
            ERROR_INVALID_PARAMETER => Error::no_such_process(pid),
            ERROR_SUCCESS if listed(pid) => Error::access_denied(pid),
            ERROR_SUCCESS => Error::no_such_process(pid),
            _ => super::errors::win32_error(code, format!("OpenProcess({pid})")),
        });
    }
    let opened = Opened {
        raw,
        pid,
        owned: true,
    };
    let mut code = 0u32;
    // SAFETY: raw is an open process handle; code is a writable u32.
    let ok = unsafe { GetExitCodeProcess(raw, &mut code) } != 0;
    // A failing GetExitCodeProcess (e.g. no query right) counts as alive, as psutil.
    if ok && code != STILL_ACTIVE as u32 && !listed(pid) {
        return Err(Error::no_such_process(pid));
    }
    Ok(opened)
}

/// [`open_for_read`] for a `Process`, safe against pid reuse: the handle is
/// opened by pid, then the process's held handle (the `Process`'s own) must
/// still be running, which proves the pid still named it when we opened it;
/// NoSuchProcess otherwise.
pub(crate) fn open_proc(p: &Proc<'_>, access: PROCESS_ACCESS_RIGHTS) -> Result<Opened> {
    // The held handle, when it has the rights, is the process itself: no second
    // handle, no reuse check (a held handle keeps the pid from being reused). It
    // stays valid after the process ends, so ask whether it has, unless a table
    // scan listed it a moment ago (its record is in the oneshot cache).
    if let Some(raw) = p.handle.holding(access) {
        let listed = p.cache.as_ref().is_some_and(|c| c.record().is_some());
        if !listed && p.gone() {
            return Err(Error::no_such_process(p.pid));
        }
        return Ok(Opened {
            raw,
            pid: p.pid,
            owned: false,
        });
    }
    let h = open_for_read(p.pid, access)?;
    if p.gone() {
        return Err(Error::no_such_process(p.pid));
    }
    Ok(h)
}

// ------------------------------------------------------------ hand-declared layouts

/// `UNICODE_STRING` with pointers of type `P` (`u64` in a 64-bit PEB, `u32` in a
/// 32-bit one): lengths in bytes.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct UnicodeStr<P: Copy> {
    length: u16,
    maximum_length: u16,
    buffer: P,
}

/// The start of the `PEB`, up to `ProcessParameters`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct PebHead<P: Copy> {
    flags: [u8; 4],
    mutant: P,
    image_base_address: P,
    ldr: P,
    process_parameters: P,
}

/// The start of `RTL_USER_PROCESS_PARAMETERS`, up to `Environment`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct ProcessParams<P: Copy> {
    maximum_length: u32,
    length: u32,
    flags: u32,
    debug_flags: u32,
    console_handle: P,
    console_flags: u32,
    standard_input: P,
    standard_output: P,
    standard_error: P,
    current_directory: UnicodeStr<P>,
    current_directory_handle: P,
    dll_path: UnicodeStr<P>,
    image_path_name: UnicodeStr<P>,
    command_line: UnicodeStr<P>,
    environment: P,
}

// The layouts psutil's ntextapi.h gives (64-bit: ProcessParameters +0x20,
// CurrentDirectory +0x38, CommandLine +0x70, Environment +0x80; 32-bit: +0x10,
// +0x24, +0x40, +0x48), checked on every target since both are spelled with
// fixed-width pointers.
const _: () = assert!(size_of::<UnicodeStr<u64>>() == 16);
const _: () = assert!(size_of::<UnicodeStr<u32>>() == 8);
const _: () = assert!(offset_of!(PebHead<u64>, process_parameters) == 0x20);
const _: () = assert!(offset_of!(PebHead<u32>, process_parameters) == 0x10);
const _: () = assert!(offset_of!(ProcessParams<u64>, current_directory) == 0x38);
const _: () = assert!(offset_of!(ProcessParams<u64>, command_line) == 0x70);
const _: () = assert!(offset_of!(ProcessParams<u64>, environment) == 0x80);
const _: () = assert!(offset_of!(ProcessParams<u32>, current_directory) == 0x24);
const _: () = assert!(offset_of!(ProcessParams<u32>, command_line) == 0x40);
const _: () = assert!(offset_of!(ProcessParams<u32>, environment) == 0x48);
/// `PROCESS_BASIC_INFORMATION` (native pointer width).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct BasicInfo {
    exit_status: i32,
    peb_base_address: usize,
    affinity_mask: usize,
    base_priority: i32,
    unique_process_id: usize,
    inherited_from_unique_process_id: usize,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(size_of::<BasicInfo>() == 48 && offset_of!(BasicInfo, peb_base_address) == 8);
#[cfg(target_pointer_width = "32")]
const _: () = assert!(size_of::<BasicInfo>() == 24 && offset_of!(BasicInfo, peb_base_address) == 4);

/// A target pointer as read from its memory.
trait Ptr: Copy + Default + Into<u64> {}
impl Ptr for u32 {}
impl Ptr for u64 {}

// --------------------------------------------------------------- memory reading

/// `ReadProcessMemory` of `len` bytes at `addr`: psutil's error rules, 998
/// (`ERROR_NOACCESS`) and 5 → AccessDenied, others raw (299, `ERROR_PARTIAL_COPY`,
/// is retried by the callers).
fn read_bytes(h: &Opened, addr: u64, len: usize) -> Result<Vec<u8>> {
    const ERROR_NOACCESS: i32 = 998;
    let addr = usize::try_from(addr).map_err(|_| Error::access_denied(h.pid))?;
    let mut buf = vec![0u8; len];
    let mut got = 0usize;
    // SAFETY: buf is writable for len bytes; the address is the target's, which
    // ReadProcessMemory validates itself; got is a writable usize.
    let ok = unsafe {
        ReadProcessMemory(
            h.raw,
            addr as *const c_void,
            buf.as_mut_ptr().cast(),
            len,
            &mut got,
        )
    };
    if ok == 0 {
        let e = std::io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            Some(ERROR_NOACCESS) | Some(5) => Error::access_denied(h.pid),
            _ => Error::os(e, format!("ReadProcessMemory({})", h.pid)),
        });
    }
    buf.truncate(got);
    Ok(buf)
}

/// Reads a `T` (plain data) at `addr` of the target.
fn read_struct<T: Copy + Default>(h: &Opened, addr: u64) -> Result<T> {
    let bytes = read_bytes(h, addr, size_of::<T>())?;
    super::util::read_at::<T>(&bytes, 0).ok_or_else(|| {
        Error::os(
            std::io::Error::from_raw_os_error(299),
            format!("ReadProcessMemory({}): short read", h.pid),
        )
    })
}

/// The UTF-16 units of a `UNICODE_STRING` of the target (psutil reads `Length`
/// bytes into a zeroed buffer).
fn read_unicode<P: Ptr>(h: &Opened, s: &UnicodeStr<P>) -> Result<Vec<u16>> {
    let len = usize::from(s.length);
    if len == 0 || s.buffer.into() == 0 {
        return Ok(Vec::new());
    }
    let bytes = read_bytes(h, s.buffer.into(), len)?;
    Ok(bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect())
}

/// Which PEB the target has and where.
enum PebAt {
    /// A PEB with 64-bit pointers (a 64-bit target of a 64-bit caller).
    Wide(u64),
    /// A PEB with 32-bit pointers (any target of a 32-bit caller, or a WOW64 target).
    Narrow(u64),
}

/// `NtQueryInformationProcess(class)` into a `T`.
fn query_process<T: Default>(h: &Opened, class: i32, what: &str) -> Result<T> {
    let mut v = T::default();
    let mut ret = 0u32;
    // SAFETY: v is a writable T of the size passed; ret is an out pointer.
    let status = unsafe {
        NtQueryInformationProcess(
            h.raw,
            class,
            (&mut v as *mut T).cast(),
            size_of::<T>() as u32,
            &mut ret,
        )
    };
    if status != STATUS_SUCCESS {
        return Err(nt_error(
            status,
            format!("NtQueryInformationProcess({what})"),
        ));
    }
    Ok(v)
}

fn peb_address(h: &Opened) -> Result<PebAt> {
    #[cfg(target_pointer_width = "64")]
    {
        // A WOW64 target: its 32-bit PEB's address; 0 for a native one.
        let peb32: usize = query_process(h, ProcessWow64Information, "ProcessWow64Information")?;
        if peb32 != 0 {
            return Ok(PebAt::Narrow(peb32 as u64));
        }
    }
    #[cfg(target_pointer_width = "32")]
    {
        let (mut me, mut target) = (0i32, 0i32);
        // SAFETY: the pseudo handle and h are process handles; the BOOLs are writable.
        let ok = unsafe {
            IsWow64Process(GetCurrentProcess(), &mut me) != 0
                && IsWow64Process(h.raw, &mut target) != 0
        };
        if !ok {
            return Err(last_error("IsWow64Process"));
        }
        // A 32-bit caller on 64-bit Windows cannot read a 64-bit target's PEB here.
        if me != 0 && target == 0 {
            return Err(Error::access_denied(h.pid));
        }
    }
    let pbi: BasicInfo = query_process(h, ProcessBasicInformation, "ProcessBasicInformation")?;
    let at = pbi.peb_base_address as u64;
    Ok(if cfg!(target_pointer_width = "64") {
        PebAt::Wide(at)
    } else {
        PebAt::Narrow(at)
    })
}

/// What is read from the parameters block.
#[derive(Clone, Copy)]
enum Kind {
    Cmdline,
    Cwd,
    Environ,
}

fn read_params<P: Ptr>(h: &Opened, peb: u64, kind: Kind) -> Result<Vec<u16>> {
    let head: PebHead<P> = read_struct(h, peb)?;
    let params: ProcessParams<P> = read_struct(h, head.process_parameters.into())?;
    match kind {
        Kind::Cmdline => read_unicode(h, &params.command_line),
        Kind::Cwd => read_unicode(h, &params.current_directory),
        Kind::Environ => read_environment(h, params.environment.into()),
    }
}

/// The environment block: from the pointer to the end of its memory region
/// (`VirtualQueryEx`), as psutil reads it.
fn read_environment(h: &Opened, at: u64) -> Result<Vec<u16>> {
    if at == 0 {
        return Ok(Vec::new());
    }
    let addr = usize::try_from(at).map_err(|_| Error::access_denied(h.pid))?;
    let mut mbi = MEMORY_BASIC_INFORMATION::default();
    // SAFETY: mbi is writable for its size; VirtualQueryEx validates the address.
    let n = unsafe {
        VirtualQueryEx(
            h.raw,
            addr as *const c_void,
            &mut mbi,
            size_of::<MEMORY_BASIC_INFORMATION>(),
        )
    };
    if n == 0 {
        return Err(last_error(format!("VirtualQueryEx({})", h.pid)));
    }
    let end = (mbi.BaseAddress as usize).saturating_add(mbi.RegionSize);
    let len = end.saturating_sub(addr).min(64 << 20);
    let bytes = read_bytes(h, at, len)?;
    Ok(bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect())
}

/// psutil's `retry_error_partial_copy`: `ERROR_PARTIAL_COPY` (299, the target
/// changing its memory while we read) is retried for about a second, then
/// AccessDenied.
fn with_retry<T>(pid: Pid, mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let mut delay = Duration::from_micros(100);
    for _ in 0..33 {
        match f() {
            Err(Error::Os { source, .. }) if source.raw_os_error() == Some(299) => {
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_millis(40));
            }
            other => return other,
        }
    }
    Err(Error::AccessDenied {
        pid: Some(pid),
        name: None,
        msg: "ERROR_PARTIAL_COPY retried 33 times, converted to AccessDenied".into(),
    })
}

/// One string of the target's parameters block, by PEB.
fn process_data(p: &Proc<'_>, kind: Kind) -> Result<Vec<u16>> {
    let h = open_proc(p, PROCESS_QUERY_INFORMATION | PROCESS_VM_READ)?;
    with_retry(p.pid, || match peb_address(&h)? {
        PebAt::Wide(at) => read_params::<u64>(&h, at, kind),
        PebAt::Narrow(at) => read_params::<u32>(&h, at, kind),
    })
}

// ------------------------------------------------------------------- parsing

/// `CommandLineToArgvW`'s split (Win32 quoting rules), as psutil; an empty
/// command line is `[]` (the call itself would answer the caller's own exe).
pub(crate) fn split_command_line(line: &[u16]) -> Result<Vec<OsString>> {
    let end = line.iter().position(|&c| c == 0).unwrap_or(line.len());
    if line[..end]
        .iter()
        .all(|&c| c == u16::from(b' ') || c == u16::from(b'\t'))
    {
        return Ok(Vec::new());
    }
    let mut z: Vec<u16> = line[..end].to_vec();
    z.push(0);
    let mut n = 0i32;
    // SAFETY: z is NUL-terminated; n is a writable i32.
    let argv = unsafe { CommandLineToArgvW(z.as_ptr(), &mut n) };
    if argv.is_null() {
        return Err(last_error("CommandLineToArgvW"));
    }
    let mut out = Vec::with_capacity(n.max(0) as usize);
    for i in 0..n.max(0) as usize {
        // SAFETY: argv holds n pointers to NUL-terminated strings (the call's contract).
        let p = unsafe { argv.add(i).read() };
        let mut units = Vec::new();
        if !p.is_null() {
            loop {
                // SAFETY: p points to a NUL-terminated string inside argv's block.
                let c = unsafe { p.add(units.len()).read() };
                if c == 0 {
                    break;
                }
                units.push(c);
            }
        }
        out.push(OsString::from_wide(&units));
    }
    // SAFETY: argv was allocated by CommandLineToArgvW with LocalAlloc; freed once.
    unsafe { LocalFree(argv.cast()) };
    Ok(out)
}

/// psutil's `parse_environ_block`: NUL-separated `KEY=value` entries up to the
/// first empty one; entries without `=` or starting with `=` (`=C:=C:\`) are
/// skipped; keys upper-cased; a later duplicate wins; an unterminated last entry
/// is dropped.
pub(crate) fn parse_environ(block: &[u16]) -> HashMap<OsString, OsString> {
    let mut out = HashMap::new();
    let mut pos = 0usize;
    while pos < block.len() {
        let Some(len) = block[pos..].iter().position(|&c| c == 0) else {
            break;
        };
        if len == 0 {
            break;
        }
        let entry = &block[pos..pos + len];
        if let Some(eq) = entry.iter().position(|&c| c == u16::from(b'=')) {
            if eq > 0 {
                let key = String::from_utf16_lossy(&entry[..eq]).to_uppercase();
                out.insert(OsString::from(key), OsString::from_wide(&entry[eq + 1..]));
            }
        }
        pos += len + 1;
    }
    out
}

/// psutil's `os.path.normpath` of the PEB's directory: the trailing backslash
/// goes except on a drive root (`C:\`).
pub(crate) fn normalize_cwd(units: &[u16]) -> PathBuf {
    let mut s = OsString::from_wide(units)
        .to_string_lossy()
        .replace('/', "\\");
    let is_root = s.len() == 3 && s.as_bytes()[1] == b':';
    if s.ends_with('\\') && !is_root && s.len() > 1 {
        s.pop();
    }
    PathBuf::from(s)
}

// ------------------------------------------------------------------ the calls

/// psutil's `cmdline_query_proc`: `NtQueryInformationProcess(Process
/// CommandLineInformation)` with the limited right, psutil's fallback when the
/// PEB read is denied (Windows 8.1+). `STATUS_NOT_FOUND` is AccessDenied.
pub(crate) fn cmdline_query_proc(p: &Proc<'_>) -> Result<Vec<u16>> {
    const STATUS_NOT_FOUND: i32 = 0xC000_0225_u32 as i32;
    let pid = p.pid;
    let h = open_proc(p, PROCESS_QUERY_LIMITED_INFORMATION)?;
    let mut size = 0u32;
    // SAFETY: a size probe with a null buffer of length 0; size is an out pointer.
    let status = unsafe {
        NtQueryInformationProcess(
            h.raw,
            ProcessCommandLineInformation,
            std::ptr::null_mut(),
            0,
            &mut size,
        )
    };
    if status == STATUS_NOT_FOUND {
        return Err(Error::access_denied(pid));
    }
    if ![
        STATUS_BUFFER_OVERFLOW,
        STATUS_BUFFER_TOO_SMALL,
        STATUS_INFO_LENGTH_MISMATCH,
    ]
    .contains(&status)
    {
        return Err(nt_error(
            status,
            "NtQueryInformationProcess(ProcessCommandLineInformation)",
        ));
    }
    // u64 elements: the UNICODE_STRING at the start is pointer-aligned.
    let mut buf = vec![0u64; (size as usize).div_ceil(8).max(2)];
    let len = u32::try_from(buf.len() * 8).unwrap_or(u32::MAX);
    // SAFETY: buf is writable for len bytes; size is an out pointer.
    let status = unsafe {
        NtQueryInformationProcess(
            h.raw,
            ProcessCommandLineInformation,
            buf.as_mut_ptr().cast(),
            len,
            &mut size,
        )
    };
    if status != STATUS_SUCCESS {
        return Err(nt_error(
            status,
            "NtQueryInformationProcess(ProcessCommandLineInformation)",
        ));
    }
    let bytes: Vec<u8> = buf.iter().flat_map(|w| w.to_ne_bytes()).collect();
    let Some(us) = super::util::read_at::<UnicodeStr<usize>>(&bytes, 0) else {
        return Ok(Vec::new());
    };
    // The string follows the header inside our buffer.
    let start = us.buffer.wrapping_sub(buf.as_ptr() as usize);
    let end = start.saturating_add(usize::from(us.length));
    let Some(raw) = bytes.get(start..end) else {
        return Ok(Vec::new());
    };
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let nul = units.iter().position(|&c| c == 0).unwrap_or(units.len());
    Ok(units[..nul].to_vec())
}

/// psutil's Windows `cmdline()`: pid 0 and 4 have none; the PEB's
/// `CommandLine`, or on AccessDenied the `ProcessCommandLineInformation` query;
/// split by `CommandLineToArgvW`.
pub(crate) fn cmdline(p: &mut Proc<'_>) -> Result<Vec<OsString>> {
    if p.pid == 0 || p.pid == 4 {
        return Ok(Vec::new());
    }
    let line = match process_data(p, Kind::Cmdline) {
        // psutil raises whatever the fallback raises.
        Err(e) if e.is_access_denied() => cmdline_query_proc(p)?,
        other => other?,
    };
    split_command_line(&line)
}

/// psutil's Windows `cwd()`: AccessDenied for pid 0 and 4; the PEB's
/// `CurrentDirectory.DosPath` without its trailing backslash.
pub(crate) fn cwd(p: &mut Proc<'_>) -> Result<PathBuf> {
    if p.pid == 0 || p.pid == 4 {
        return Err(Error::access_denied(p.pid));
    }
    Ok(normalize_cwd(&process_data(p, Kind::Cwd)?))
}

/// psutil's Windows `environ()`: empty for pid 0 and 4; the PEB's environment
/// block (the one the process has now), keys upper-cased.
pub(crate) fn environ(p: &mut Proc<'_>) -> Result<HashMap<OsString, OsString>> {
    if p.pid == 0 || p.pid == 4 {
        return Ok(HashMap::new());
    }
    Ok(parse_environ(&process_data(p, Kind::Environ)?))
}

/// Our own pid.
pub(crate) fn current_pid() -> Pid {
    // SAFETY: no preconditions.
    unsafe { GetCurrentProcessId() }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sys::windows::wine;

    /// Runs `f` on a `Proc` for `pid` made the way the public layer makes one.
    pub(crate) fn with_proc<T>(pid: Pid, f: impl FnOnce(&mut Proc<'_>) -> T) -> T {
        try_with_proc(pid, f).expect("Handle::open")
    }

    /// [`with_proc`], or the error of `Handle::open` (a process that ended).
    pub(crate) fn try_with_proc<T>(pid: Pid, f: impl FnOnce(&mut Proc<'_>) -> T) -> Result<T> {
        let handle = super::super::Handle::open(pid)?;
        let mut p = Proc {
            pid,
            handle: &handle,
            cache: None,
        };
        Ok(f(&mut p))
    }

    /// Runs `f` on a `Proc` of a child that has ended (its handle opened while it
    /// ran, as a `Process` made earlier holds one).
    pub(crate) fn with_ended_proc(f: impl FnOnce(&mut Proc<'_>)) {
        let (mut child, _) = spawn_sleeper(&std::env::temp_dir());
        let pid = child.0.id();
        let handle = super::super::Handle::open(pid).expect("Handle::open");
        child.0.kill().expect("kill");
        child.0.wait().expect("wait");
        let mut p = Proc {
            pid,
            handle: &handle,
            cache: None,
        };
        f(&mut p);
        drop(child);
    }

    /// A child process killed and waited for when dropped, even on a failed assert.
    pub(crate) struct Child(pub(crate) std::process::Child);

    impl Drop for Child {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn w(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn command_lines_split_as_windows_does() {
        let got = split_command_line(&w(r#""C:\a b\x.exe" -n "arg with spaces" a\"b c\\"#))
            .expect("split");
        assert_eq!(
            got,
            ["C:\\a b\\x.exe", "-n", "arg with spaces", "a\"b", "c\\\\"]
                .map(OsString::from)
                .to_vec()
        );
        assert!(split_command_line(&[]).expect("empty").is_empty());
        assert!(split_command_line(&w("  ")).expect("blank").is_empty());
    }

    #[test]
    fn environment_blocks_parse_as_psutil() {
        let block = w("=C:=C:\\\0Path=C:\\x\0path=C:\\y\0noeq\0k=v=w\0\0junk=1\0");
        let env = parse_environ(&block);
        assert_eq!(
            env.get(&OsString::from("PATH")),
            Some(&OsString::from("C:\\y"))
        );
        assert_eq!(env.get(&OsString::from("K")), Some(&OsString::from("v=w")));
        assert_eq!(env.len(), 2, "{env:?}");
        // Unterminated last entry: dropped.
        assert!(parse_environ(&w("A=1")).is_empty());
        assert_eq!(normalize_cwd(&w("C:\\x\\")), PathBuf::from("C:\\x"));
        assert_eq!(normalize_cwd(&w("C:\\")), PathBuf::from("C:\\"));
    }

    #[test]
    fn missing_and_zero_pids_map_to_psutils_errors() {
        assert!(
            open_for_read(0x7fff_fff0, PROCESS_QUERY_LIMITED_INFORMATION)
                .err()
                .is_some_and(|e| e.is_no_such_process())
        );
        assert!(open_for_read(0, PROCESS_QUERY_LIMITED_INFORMATION)
            .err()
            .is_some_and(|e| e.is_access_denied()));
        with_ended_proc(|p| {
            assert!(cmdline(p).err().is_some_and(|e| e.is_no_such_process()));
            assert!(cwd(p).err().is_some_and(|e| e.is_no_such_process()));
            assert!(environ(p).err().is_some_and(|e| e.is_no_such_process()));
        });
        with_proc(0, |p| {
            assert_eq!(cmdline(p).expect("pid 0"), Vec::<OsString>::new());
            assert!(environ(p).expect("pid 0").is_empty());
            assert!(cwd(p).err().is_some_and(|e| e.is_access_denied()));
        });
    }

    /// The process the PEB test reads: this test binary re-run with only this
    /// test selected, which then sleeps while the marker variable is set.
    #[test]
    fn peb_sleeper() {
        if std::env::var_os("RPSUTIL_PEB_MARKER").is_some() {
            // Holds the file named by RPSUTIL_PEB_HOLD open while it sleeps.
            let _held = std::env::var_os("RPSUTIL_PEB_HOLD").map(std::fs::File::open);
            std::thread::sleep(Duration::from_secs(30));
        }
    }

    /// Starts [`peb_sleeper`] in `dir` with a quoted argument and the marker.
    pub(crate) fn spawn_sleeper(dir: &std::path::Path) -> (Child, Vec<String>) {
        spawn_sleeper_holding(dir, None)
    }

    /// [`spawn_sleeper`], the child holding `hold` open.
    pub(crate) fn spawn_sleeper_holding(
        dir: &std::path::Path,
        hold: Option<&std::path::Path>,
    ) -> (Child, Vec<String>) {
        let exe = std::env::current_exe().expect("current_exe");
        let args = [
            "--exact",
            "sys::windows::peb::tests::peb_sleeper",
            "arg with spaces",
            "--test-threads=1",
        ];
        let mut cmd = std::process::Command::new(&exe);
        if let Some(path) = hold {
            cmd.env("RPSUTIL_PEB_HOLD", path);
        }
        let child = cmd
            .args(args)
            .current_dir(dir)
            .env("RPSUTIL_PEB_marker", "peb value =x")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn the sleeper");
        let mut want = vec![exe.to_string_lossy().into_owned()];
        want.extend(args.iter().map(|a| a.to_string()));
        (Child(child), want)
    }

    #[test]
    fn a_childs_cmdline_cwd_and_environ_are_read_from_its_peb() {
        let dir = std::env::temp_dir().join(format!("rpsutil peb {}", current_pid()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let (child, want) = spawn_sleeper(&dir);
        let pid = child.0.id();
        // The PEB exists from process creation; its parameters block is filled
        // before the first instruction runs, but allow a slow start.
        let mut args = Vec::new();
        for _ in 0..100 {
            args = with_proc(pid, cmdline).expect("cmdline");
            if !args.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let args: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args, want);
        let dir_read = with_proc(pid, cwd).expect("cwd");
        let want_dir = dir.to_string_lossy().into_owned();
        assert!(
            dir_read.to_string_lossy().eq_ignore_ascii_case(&want_dir),
            "{dir_read:?} vs {want_dir:?}"
        );
        let env = with_proc(pid, environ).expect("environ");
        assert_eq!(
            env.get(&OsString::from("RPSUTIL_PEB_MARKER")),
            Some(&OsString::from("peb value =x")),
            "{env:?}"
        );
        // The same through the public API (translate, oneshot), and gone after.
        let public = crate::Process::new(pid).expect("Process::new");
        assert_eq!(public.cmdline().expect("public cmdline"), want);
        assert_eq!(public.cwd().expect("public cwd"), dir_read);
        assert_eq!(
            public
                .environ()
                .expect("public environ")
                .get("RPSUTIL_PEB_MARKER"),
            Some(&"peb value =x".to_string())
        );
        let in_oneshot = public
            .oneshot(|| -> Result<_> { Ok((public.cmdline()?, public.memory_maps()?.len())) })
            .expect("oneshot");
        assert_eq!(in_oneshot.0, want);
        assert!(in_oneshot.1 > 0);
        // Our own process too, against std's view.
        let me = current_pid();
        let mine = with_proc(me, cmdline).expect("own cmdline");
        let std_args: Vec<OsString> = std::env::args_os().skip(1).collect();
        assert_eq!(&mine[1..], &std_args[..]);
        let own_cwd = with_proc(me, cwd).expect("own cwd");
        let std_cwd = std::env::current_dir().expect("current_dir");
        assert!(own_cwd
            .to_string_lossy()
            .eq_ignore_ascii_case(&std_cwd.to_string_lossy()));
        drop(child);
        for r in [
            public.cmdline().map(|_| ()),
            public.cwd().map(|_| ()),
            public.environ().map(|_| ()),
            public.memory_maps().map(|_| ()),
            public.open_files().map(|_| ()),
            public.memory_full_info().map(|_| ()),
            public.net_connections(crate::ConnKind::Inet).map(|_| ()),
        ] {
            assert!(
                r.as_ref().err().is_some_and(|e| e.is_no_such_process()),
                "{r:?}"
            );
        }
        let _ = std::fs::remove_dir(&dir);
    }

    #[test]
    fn every_process_is_read_or_gone() {
        // Every process we can see (under Wine: services.exe, winedevice.exe,
        // rpcss.exe, ... which we did not start, plus other tests' children, which
        // may end meanwhile): each call answers, or NoSuchProcess for one that
        // ended; AccessDenied only off Wine (one user there).
        let under_wine = wine::version().is_some();
        let pids = crate::sys::windows::process::pids().expect("pids");
        let mut read = 0;
        for pid in pids {
            let check = |what: &str, r: Result<usize>| -> Option<usize> {
                match r {
                    Ok(n) => Some(n),
                    Err(e) if e.is_no_such_process() => None,
                    Err(e) if e.is_access_denied() && !under_wine => None,
                    // Another process's USS: Wine 8 lacks the query.
                    Err(Error::Unsupported { .. }) if under_wine && what == "uss" => None,
                    Err(e) => panic!("{what} of {pid}: {e}"),
                }
            };
            let n = try_with_proc(pid, |p| {
                let args = check("cmdline", cmdline(p).map(|v| v.len()));
                check("cwd", cwd(p).map(|d| d.as_os_str().len()));
                check("environ", environ(p).map(|e| e.len()));
                check(
                    "maps",
                    crate::sys::windows::maps::memory_maps(p).map(|m| m.len()),
                );
                check(
                    "uss",
                    crate::sys::windows::maps::memory_full_info(p)
                        .map(|m| m.uss.is_some() as usize),
                );
                check(
                    "files",
                    crate::sys::windows::files::open_files(p).map(|f| f.len()),
                );
                check(
                    "conns",
                    crate::sys::windows::files::net_connections(p, crate::ConnKind::All)
                        .map(|c| c.len()),
                );
                args
            });
            let n = match n {
                Ok(n) => n,
                Err(e) if e.is_no_such_process() => None,
                Err(e) => panic!("Handle::open({pid}): {e}"),
            };
            if let Some(n) = n {
                // Every Windows process has a command line, argv[0] at least.
                assert!(n > 0, "pid {pid} has an empty command line");
                read += 1;
            }
        }
        assert!(read >= 2, "only {read} processes read");
        println!("{read} processes read");
    }

    #[test]
    fn a_service_process_we_did_not_start() {
        // Wine's RPC service runs rpcss.exe; on Windows RpcSs is an svchost.
        let Ok(svc) = crate::win_service_get("RpcSs") else {
            return;
        };
        let Some(pid) = svc.pid else { return };
        let args = with_proc(pid, cmdline).expect("cmdline");
        let exe = args[0].to_string_lossy().to_ascii_lowercase();
        let want = if wine::version().is_some() {
            "rpcss.exe"
        } else {
            "svchost.exe"
        };
        assert!(exe.ends_with(want), "{args:?}");
        // Its binpath names the same program.
        assert!(svc.binpath.to_ascii_lowercase().contains(want), "{svc:?}");
        let maps = with_proc(pid, crate::sys::windows::maps::memory_maps).expect("maps");
        assert!(
            maps.iter().any(|m| m
                .region
                .path
                .to_string_lossy()
                .to_ascii_lowercase()
                .ends_with(want)),
            "{maps:?}"
        );
    }

    #[test]
    fn the_fallback_query_is_a_wine_gap() {
        let me = current_pid();
        match with_proc(me, |p| cmdline_query_proc(p)) {
            Ok(line) => {
                let peb = with_proc(me, |p| process_data(p, Kind::Cmdline)).expect("peb");
                assert_eq!(line, peb);
            }
            // Wine 8: ProcessCommandLineInformation is STATUS_INVALID_INFO_CLASS (87).
            Err(Error::Os { source, .. }) if wine::version().is_some() => {
                assert_eq!(source.raw_os_error(), Some(87));
            }
            Err(e) => panic!("ProcessCommandLineInformation: {e}"),
        }
    }
}
