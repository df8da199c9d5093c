//! The Windows backend's per-process context ([`Handle`]: a process handle held
//! for the life of the `Process`), its `oneshot` cache ([`RawCache`]: the
//! process's `SystemProcessInformation` record), the error translation
//! ([`translate`], psutil's `convert_oserror`/`wrap_exceptions`) and
//! [`open_process`] for the calls that need more rights than the held handle.
//!
//! **Identity.** A held process handle keeps the process object, and with it its
//! pid, from being reused (Windows hands a pid out again only once every handle
//! on the old process is closed). So the creation time read through the handle
//! (`GetProcessTimes`, 100-ns FILETIME ticks) is exact for this `Process`. When
//! the handle cannot be opened (AccessDenied: protected or other users'
//! processes), the creation time comes from `SystemProcessInformation` instead
//! and every call that needs a handle answers AccessDenied or takes psutil's
//! SPI fallback.

use std::collections::HashMap;
use std::sync::Arc;

use windows_sys::Win32::Foundation::{
    CloseHandle, GetLastError, ERROR_ACCESS_DENIED, ERROR_INVALID_PARAMETER,
    ERROR_PRIVILEGE_NOT_HELD, FILETIME, HANDLE, STILL_ACTIVE, WAIT_OBJECT_0, WAIT_TIMEOUT,
};
use windows_sys::Win32::System::Threading::{
    GetExitCodeProcess, GetProcessTimes, OpenProcess, WaitForSingleObject, PROCESS_ACCESS_RIGHTS,
    PROCESS_QUERY_INFORMATION, PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SYNCHRONIZE,
    PROCESS_VM_READ,
};

use super::errors::{last_error, win32_error};
use super::proc_info::{all_records_now, spi_record, SpiRecord};
use crate::sys::records::Identity;
use crate::types::process::Pid;
use crate::{Error, Result};

/// An owned kernel handle (process or token), closed on drop. Kept as an integer
/// so that `Handle` is `Send + Sync` like the `Process` holding it.
#[derive(Debug)]
pub(crate) struct Owned(usize);

impl Owned {
    /// Takes ownership of a handle the OS just returned (None for a null one).
    pub(crate) fn new(h: HANDLE) -> Option<Owned> {
        if h.is_null() {
            None
        } else {
            Some(Owned(h as usize))
        }
    }

    /// `OpenProcess(access, FALSE, pid)`, or the Win32 error code.
    pub(crate) fn open_process(
        pid: Pid,
        access: PROCESS_ACCESS_RIGHTS,
    ) -> std::result::Result<Owned, u32> {
        // SAFETY: OpenProcess takes plain values; a null result is handled.
        let h = unsafe { OpenProcess(access, 0, pid) };
        match Owned::new(h) {
            Some(o) => Ok(o),
            // SAFETY: GetLastError only reads this thread's last-error value.
            None => Err(unsafe { GetLastError() }),
        }
    }

    /// The raw handle, valid while `self` lives.
    pub(crate) fn raw(&self) -> HANDLE {
        self.0 as HANDLE
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: the handle came from the OS, is owned by this value alone and is
        // closed exactly once, here.
        unsafe { CloseHandle(self.raw()) };
    }
}

/// Whether the process behind `h` still runs: a zero wait when the handle has
/// `SYNCHRONIZE`, else `GetExitCodeProcess == STILL_ACTIVE` (ambiguous for a
/// process that exited with 259, hence the wait first). None when neither tells.
pub(crate) fn handle_running(h: HANDLE, synchronize: bool) -> Option<bool> {
    if synchronize {
        // SAFETY: h is an open process handle with SYNCHRONIZE; zero timeout.
        match unsafe { WaitForSingleObject(h, 0) } {
            WAIT_TIMEOUT => return Some(true),
            WAIT_OBJECT_0 => return Some(false),
            _ => {}
        }
    }
    let mut code = 0u32;
    // SAFETY: h is an open process handle, code a writable u32.
    if unsafe { GetExitCodeProcess(h, &mut code) } == 0 {
        return None;
    }
    Some(code == STILL_ACTIVE as u32)
}

/// psutil's `psutil_check_phandle` on an open handle: the process is gone when
/// it has exited and `EnumProcesses` no longer lists it (Windows and Wine keep
/// an exited process's object, and let it be opened, while handles remain).
pub(crate) fn handle_gone(h: HANDLE, synchronize: bool, pid: Pid) -> bool {
    match handle_running(h, synchronize) {
        Some(true) => false,
        _ => !listed(pid),
    }
}

fn listed(pid: Pid) -> bool {
    super::process::pids()
        .map(|l| l.binary_search(&pid).is_ok())
        .unwrap_or(true)
}

/// The creation time of the process behind `h`, 100-ns ticks since 1601.
pub(crate) fn creation_ticks(h: HANDLE) -> Result<u64> {
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut c, mut e, mut k, mut u) = (zero, zero, zero, zero);
    // SAFETY: h is an open process handle (LIMITED access suffices); the four
    // FILETIMEs are writable.
    if unsafe { GetProcessTimes(h, &mut c, &mut e, &mut k, &mut u) } == 0 {
        return Err(last_error("GetProcessTimes"));
    }
    Ok((u64::from(c.dwHighDateTime) << 32) | u64::from(c.dwLowDateTime))
}

/// The NoSuchProcess of psutil's `Process(pid)` for a pid nobody has.
fn not_found(pid: Pid) -> Error {
    Error::NoSuchProcess {
        pid,
        name: None,
        msg: "process PID not found".into(),
    }
}

/// The error of a call that needs a process handle we could not open: psutil's
/// AccessDenied (`ERROR_ACCESS_DENIED`, translated by [`translate`]).
pub(crate) fn no_handle(what: &str) -> Error {
    win32_error(ERROR_ACCESS_DENIED, format!("{what}: OpenProcess"))
}

/// The Windows per-process context: a handle on the process
/// (`PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE`, or the first alone when
/// `SYNCHRONIZE` is refused), None for pid 0 and for processes we may not open.
#[derive(Debug)]
pub(crate) struct Handle {
    process: Option<Owned>,
    synchronize: bool,
    /// The rights `process` was opened with.
    access: PROCESS_ACCESS_RIGHTS,
}

impl Handle {
    /// Opens the process. NoSuchProcess for a pid nobody has
    /// (`ERROR_INVALID_PARAMETER`, or an exited process no longer listed);
    /// AccessDenied is not an error here: the handle stays empty and the calls
    /// fall back the way psutil's do. Pid 0 (System Idle Process) is never opened
    /// (psutil: AccessDenied without a syscall).
    pub(crate) fn open(pid: Pid) -> Result<Handle> {
        let empty = Handle {
            process: None,
            synchronize: false,
            access: 0,
        };
        if pid == 0 {
            return Ok(empty);
        }
        // Read rights first, so that cmdline, cwd, environ and the memory calls
        // read through this handle instead of opening one each (psutil opens one
        // per call); protected processes refuse them and get the limited right.
        for (access, synchronize) in [
            (
                PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | PROCESS_SYNCHRONIZE,
                true,
            ),
            (
                PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_SYNCHRONIZE,
                true,
            ),
            (PROCESS_QUERY_LIMITED_INFORMATION, false),
        ] {
            match Owned::open_process(pid, access) {
                Ok(h) => {
                    if handle_gone(h.raw(), synchronize, pid) {
                        return Err(not_found(pid));
                    }
                    return Ok(Handle {
                        process: Some(h),
                        synchronize,
                        access,
                    });
                }
                Err(ERROR_INVALID_PARAMETER) => return Err(not_found(pid)),
                Err(ERROR_ACCESS_DENIED) => continue,
                // Anything else (psutil: a NULL handle with no error means AD
                // when listed): no handle; `identity` tells a missing pid.
                Err(_) => break,
            }
        }
        Ok(empty)
    }

    /// A handle as `open` leaves it when `OpenProcess` is denied (tests stand
    /// in for the protected processes Wine cannot show).
    #[cfg(test)]
    pub(crate) fn denied() -> Handle {
        Handle {
            process: None,
            synchronize: false,
            access: 0,
        }
    }

    /// The held handle when it was opened with every right of `access`.
    pub(crate) fn holding(&self, access: PROCESS_ACCESS_RIGHTS) -> Option<HANDLE> {
        match &self.process {
            Some(h) if self.access & access == access => Some(h.raw()),
            _ => None,
        }
    }

    /// The held handle and whether it has `SYNCHRONIZE`.
    pub(crate) fn process(&self) -> Option<(HANDLE, bool)> {
        self.process.as_ref().map(|o| (o.raw(), self.synchronize))
    }
}

/// The raw records cached during `oneshot`: this process's
/// `SystemProcessInformation` record (psutil's `_proc_info`).
#[derive(Default, Debug)]
pub(crate) struct RawCache {
    spi: Option<Arc<SpiRecord>>,
}

impl RawCache {
    /// The process's record when this cache holds it (seeded by a scan, or read
    /// during this oneshot).
    pub(crate) fn record(&self) -> Option<&SpiRecord> {
        self.spi.as_deref()
    }

    /// The cache a table scan seeds: `pid`'s record of the scan's pass, None when
    /// the pass did not list it.
    pub(crate) fn primed(scan: &Scan, pid: Pid) -> Option<RawCache> {
        let spi = scan.records.get(&pid).cloned()?;
        Some(RawCache { spi: Some(spi) })
    }
}

/// What one process-table scan reads once for every process: one
/// `SystemProcessInformation` pass (psutil makes one per process, and each lists
/// every process: O(n²) for a scan).
#[derive(Default, Debug)]
pub(crate) struct Scan {
    records: HashMap<Pid, Arc<SpiRecord>>,
}

impl Scan {
    /// One pass.
    pub(crate) fn take() -> Result<Scan> {
        Ok(Scan {
            records: all_records_now()?
                .into_iter()
                .map(|r| (r.pid, Arc::new(r)))
                .collect(),
        })
    }

    /// The pids of the pass, sorted (the table's pid list: no second listing).
    pub(crate) fn pids(&self) -> Option<Vec<Pid>> {
        let mut pids: Vec<Pid> = self.records.keys().copied().collect();
        pids.sort_unstable();
        Some(pids)
    }
}

/// The process argument of every Windows process function.
pub(crate) type Proc<'a> = crate::sys::proc::Proc<'a, Handle, RawCache>;

impl Proc<'_> {
    /// The held handle, or the AccessDenied error of `what` without one.
    pub(crate) fn raw(&self, what: &str) -> Result<HANDLE> {
        self.handle
            .process()
            .map(|(h, _)| h)
            .ok_or_else(|| no_handle(what))
    }

    /// This process's `SystemProcessInformation` record: from the `oneshot`
    /// cache, else a fresh snapshot (kept in the cache when one is active).
    /// NoSuchProcess when the snapshot has no such pid.
    pub(crate) fn spi(&mut self) -> Result<Arc<SpiRecord>> {
        if let Some(r) = self.cache.as_ref().and_then(|c| c.spi.clone()) {
            return Ok(r);
        }
        let r = Arc::new(spi_record(self.pid)?.ok_or_else(|| Error::no_such_process(self.pid))?);
        if let Some(c) = self.cache.as_mut() {
            c.spi = Some(Arc::clone(&r));
        }
        Ok(r)
    }

    /// True when the process has ended (and is no longer listed).
    pub(crate) fn gone(&self) -> bool {
        match self.handle.process() {
            Some((h, sync)) => handle_gone(h, sync, self.pid),
            None => self.pid != 0 && !super::process::pid_exists(self.pid),
        }
    }
}

/// The process's identity: its creation time (FILETIME ticks) through the held
/// handle, else from `SystemProcessInformation`. Pid 0 has none (psutil's
/// `(0, None)`: AccessDenied, so `Process(0)` is made without an identity).
pub(crate) fn identity(p: &mut Proc) -> Result<Identity> {
    if p.pid == 0 {
        return Err(no_handle("identity of pid 0"));
    }
    if let Some((h, _)) = p.handle.process() {
        if let Ok(t) = creation_ticks(h) {
            return Ok(Identity::new(t, None));
        }
    }
    let r = p.spi()?;
    Ok(Identity::new(r.create_ticks as u64, None))
}

/// Whether the pid still names `expected`. With a held handle the pid cannot
/// have been reused, so this is "still running" (NoSuchProcess once it ended);
/// without one the creation time in `SystemProcessInformation` is compared.
pub(crate) fn same_process(p: &mut Proc, expected: &Identity) -> Result<bool> {
    if let Some((h, sync)) = p.handle.process() {
        // Inside a oneshot seeded by a table scan, the scan's record answers
        // without a call (as the Linux backend uses its cached stat record).
        if let Some(r) = p.cache.as_ref().and_then(|c| c.record()) {
            return Ok(r.create_ticks as u64 == expected.start());
        }
        if handle_gone(h, sync, p.pid) {
            return Err(Error::no_such_process(p.pid));
        }
        return Ok(creation_ticks(h)? == expected.start());
    }
    let r = p.spi()?;
    Ok(r.create_ticks as u64 == expected.start())
}

/// `OpenProcess(access | PROCESS_QUERY_LIMITED_INFORMATION)` for a call that needs
/// more than the held handle's rights, made safe against pid reuse: while we hold
/// a handle the pid cannot be reused; without one the new handle's creation time
/// is compared with `expected`. NoSuchProcess when the process has ended (psutil's
/// `check_phandle`), AccessDenied for pid 0 (psutil: without a syscall).
pub(crate) fn open_process(
    p: &Proc,
    expected: Option<&Identity>,
    access: PROCESS_ACCESS_RIGHTS,
) -> Result<Owned> {
    if p.pid == 0 {
        return Err(no_handle("pid 0"));
    }
    let h = Owned::open_process(p.pid, access | PROCESS_QUERY_LIMITED_INFORMATION)
        .map_err(|code| win32_error(code, "OpenProcess"))?;
    let gone = match p.handle.process() {
        Some((held, sync)) => handle_gone(held, sync, p.pid),
        None => handle_gone(h.raw(), false, p.pid),
    };
    if gone {
        return Err(Error::no_such_process(p.pid));
    }
    if let (None, Some(id)) = (p.handle.process(), expected) {
        if creation_ticks(h.raw())? != id.start() {
            return Err(Error::pid_reused(p.pid, None));
        }
    }
    Ok(h)
}

/// psutil's `convert_oserror` for one process call: `ERROR_ACCESS_DENIED` (also
/// from `STATUS_ACCESS_DENIED`) and `ERROR_PRIVILEGE_NOT_HELD` are AccessDenied;
/// any other OS error (`ERROR_INVALID_PARAMETER` from a vanished pid among them)
/// is NoSuchProcess when the process has ended meanwhile, else returned as it is
/// (psutil re-raises it raw: Wine's `STATUS_INVALID_INFO_CLASS` → 87 for
/// `ionice`). Windows has no zombies.
pub(crate) fn translate(err: Error, p: &mut Proc) -> Error {
    let code = match &err {
        Error::Os { source, .. } => source.raw_os_error(),
        _ => return err,
    };
    match code.map(|c| c as u32) {
        Some(ERROR_ACCESS_DENIED) | Some(ERROR_PRIVILEGE_NOT_HELD) => Error::access_denied(p.pid),
        _ if p.gone() => Error::no_such_process(p.pid),
        _ => err,
    }
}

/// Test support: a child process that is killed and waited for when dropped,
/// whatever the test did (also when it panicked).
#[cfg(test)]
pub(crate) mod test_child {
    use std::process::{Child, Command, Stdio};

    /// `ping -n SECS 127.0.0.1` (Wine ships ping.exe, as Windows does).
    pub(crate) struct Guard(pub(crate) Child);

    impl Guard {
        pub(crate) fn ping(secs: u32) -> Guard {
            let secs = secs.to_string();
            let child = Command::new("ping")
                .args(["-n", secs.as_str(), "127.0.0.1"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn ping");
            Guard(child)
        }

        /// `cmd /c for /L ...`: a child that burns CPU until killed.
        pub(crate) fn busy() -> Guard {
            let child = Command::new("cmd")
                .args(["/c", "for /L %i in (1,1,2000000000) do @rem"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn cmd");
            Guard(child)
        }

        pub(crate) fn pid(&self) -> u32 {
            self.0.id()
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_child::Guard;
    use super::*;

    fn proc_of(h: &Handle, pid: Pid) -> Proc<'_> {
        Proc {
            pid,
            handle: h,
            cache: None,
        }
    }

    fn os(code: u32) -> Error {
        win32_error(code, "test")
    }

    #[test]
    fn own_handle_identity_and_same_process() {
        let me = std::process::id();
        let h = Handle::open(me).expect("open self");
        let (raw, sync) = h.process().expect("a handle on ourselves");
        assert!(sync, "SYNCHRONIZE on our own process");
        let mut p = proc_of(&h, me);
        let id = identity(&mut p).expect("identity");
        assert_eq!(id.start(), creation_ticks(raw).expect("GetProcessTimes"));
        assert_eq!(id.exact(), None);
        // The SPI record has the same creation time (no handle needed).
        let spi = p.spi().expect("own SPI record");
        assert_eq!(spi.create_ticks as u64, id.start());
        assert_eq!(spi.pid, me);
        assert!(same_process(&mut p, &id).expect("same_process"));
        let other = Identity::new(id.start() + 1, None);
        assert!(!same_process(&mut p, &other).expect("same_process"));
        assert!(!p.gone());
    }

    #[test]
    fn missing_pids_and_pid_zero() {
        // ERROR_INVALID_PARAMETER from OpenProcess: psutil's "process PID not found".
        match Handle::open(0x7fff_fff0) {
            Err(Error::NoSuchProcess { pid, msg, .. }) => {
                assert_eq!(pid, 0x7fff_fff0);
                assert_eq!(msg, "process PID not found");
            }
            other => panic!("{other:?}"),
        }
        // Pid 0 is never opened and has no identity: AccessDenied (psutil's
        // `(0, None)`), so Process(0) is still made.
        let h = Handle::open(0).expect("pid 0");
        assert!(h.process().is_none());
        let mut p = proc_of(&h, 0);
        let e = identity(&mut p).expect_err("pid 0 has no identity");
        assert!(translate(e, &mut p).is_access_denied());
        let e = open_process(&p, None, PROCESS_SYNCHRONIZE).expect_err("pid 0");
        assert!(translate(e, &mut p).is_access_denied());
    }

    #[test]
    fn translate_maps_win32_codes_like_psutil() {
        let me = std::process::id();
        let h = Handle::open(me).expect("open self");
        let mut p = proc_of(&h, me);
        assert!(translate(os(ERROR_ACCESS_DENIED), &mut p).is_access_denied());
        assert!(translate(os(ERROR_PRIVILEGE_NOT_HELD), &mut p).is_access_denied());
        // STATUS_ACCESS_DENIED arrives as 5 (errors::nt_error).
        let nt = super::super::errors::nt_error(0xC000_0022_u32 as i32, "NtX");
        assert!(translate(nt, &mut p).is_access_denied());
        // 87 from a live process stays the raw OS error (psutil re-raises it).
        match translate(os(ERROR_INVALID_PARAMETER), &mut p) {
            Error::Os { source, .. } => assert_eq!(source.raw_os_error(), Some(87)),
            other => panic!("{other:?}"),
        }
        // Errors that are not OS errors pass unchanged.
        assert!(matches!(
            translate(Error::invalid("x"), &mut p),
            Error::InvalidInput { .. }
        ));
    }

    #[test]
    fn a_child_that_ended_is_no_such_process() {
        let mut child = Guard::ping(30);
        let pid = child.pid();
        let h = Handle::open(pid).expect("open child");
        assert!(h.process().is_some());
        let mut p = proc_of(&h, pid);
        let id = identity(&mut p).expect("identity");
        assert!(same_process(&mut p, &id).expect("alive"));
        child.0.kill().expect("kill");
        child.0.wait().expect("wait");
        // Our handle keeps the pid; the process is gone all the same.
        assert!(p.gone());
        assert!(same_process(&mut p, &id)
            .expect_err("ended")
            .is_no_such_process());
        // Any OS error of a call on it is NoSuchProcess now (87 among them).
        assert!(translate(os(ERROR_INVALID_PARAMETER), &mut p).is_no_such_process());
        let e = open_process(&p, Some(&id), PROCESS_SYNCHRONIZE).expect_err("ended");
        assert!(translate(e, &mut p).is_no_such_process());
        drop(h);
        // Once no handle is left, the pid cannot be opened either.
        assert!(Handle::open(pid).is_err() || !super::super::process::pid_exists(pid));
    }
}
