//! Signals and waits: `send_signal`, `suspend`/`resume` (`NtSuspendProcess` /
//! `NtResumeProcess`), `terminate`/`kill` (`TerminateProcess(h, 15)`: psutil's
//! exit code 15) and `wait` (`WaitForSingleObject` + `GetExitCodeProcess`: the
//! exit code of any process, not only children). Each acts through a handle
//! opened by `handle::open_process`, safe against pid reuse (see `handle.rs`).

use std::ffi::CStr;
use std::time::Duration;

use windows_sys::Win32::Foundation::{
    GetLastError, ERROR_ACCESS_DENIED, ERROR_INVALID_PARAMETER, HANDLE, NTSTATUS, STATUS_SUCCESS,
    WAIT_ABANDONED, WAIT_OBJECT_0, WAIT_TIMEOUT,
};
use windows_sys::Win32::System::Console::{
    GenerateConsoleCtrlEvent, CTRL_BREAK_EVENT, CTRL_C_EVENT,
};
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
use windows_sys::Win32::System::Threading::{
    GetExitCodeProcess, TerminateProcess, WaitForSingleObject, INFINITE,
    PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SUSPEND_RESUME, PROCESS_SYNCHRONIZE,
    PROCESS_TERMINATE,
};

use super::errors::{last_error, nt_error, win32_error};
use super::handle::{handle_running, open_process, same_process, Owned, Proc};
use super::util::wide;
use crate::sys::records::Identity;
use crate::types::process::ExitCode;
use crate::{Error, Result};

/// The CRT's `SIGTERM` (`<signal.h>`; psutil's `signal.SIGTERM` on Windows).
pub(crate) const SIGTERM: i32 = 15;

/// The exit code psutil's `proc_kill` gives a terminated process.
const TERMINATE_EXIT_CODE: u32 = SIGTERM as u32;

/// An ntdll export psutil resolves at run time (windows-sys does not declare it).
pub(crate) fn ntdll_fn(name: &CStr) -> Result<unsafe extern "system" fn() -> isize> {
    let dll = wide(std::ffi::OsStr::new("ntdll.dll"));
    // SAFETY: dll is NUL-terminated; ntdll is loaded in every process.
    let module = unsafe { GetModuleHandleW(dll.as_ptr()) };
    if module.is_null() {
        return Err(last_error("GetModuleHandleW(ntdll)"));
    }
    // SAFETY: module is loaded; name is NUL-terminated.
    unsafe { GetProcAddress(module, name.as_ptr().cast()) }
        .ok_or_else(|| last_error(format!("GetProcAddress({})", name.to_string_lossy())))
}

/// `NtSuspendProcess` or `NtResumeProcess` on a handle with
/// `PROCESS_SUSPEND_RESUME`.
fn nt_process_call(name: &CStr, h: HANDLE) -> Result<()> {
    type NtProc = unsafe extern "system" fn(HANDLE) -> NTSTATUS;
    let f = ntdll_fn(name)?;
    // SAFETY: NtSuspendProcess and NtResumeProcess take one process handle and
    // return an NTSTATUS.
    let f: NtProc =
        unsafe { std::mem::transmute::<unsafe extern "system" fn() -> isize, NtProc>(f) };
    // SAFETY: h is an open process handle with PROCESS_SUSPEND_RESUME.
    let st = unsafe { f(h) };
    if st != STATUS_SUCCESS {
        return Err(nt_error(st, name.to_string_lossy()));
    }
    Ok(())
}

/// Suspends every thread (`NtSuspendProcess`; counted: two suspends need two
/// resumes).
pub(crate) fn suspend(p: &mut Proc, expected: &Identity) -> Result<()> {
    let h = open_process(p, Some(expected), PROCESS_SUSPEND_RESUME)?;
    nt_process_call(c"NtSuspendProcess", h.raw())
}

/// Resumes every thread (`NtResumeProcess`).
pub(crate) fn resume(p: &mut Proc, expected: &Identity) -> Result<()> {
    let h = open_process(p, Some(expected), PROCESS_SUSPEND_RESUME)?;
    nt_process_call(c"NtResumeProcess", h.raw())
}

/// psutil's `proc_kill`: `TerminateProcess(h, 15)`. `ERROR_ACCESS_DENIED` from
/// `TerminateProcess` on a process that is already ending is success (psutil
/// ignores it always, #1099; here only once the process has exited).
fn terminate_process(p: &mut Proc, expected: &Identity) -> Result<()> {
    let h = open_process(p, Some(expected), PROCESS_TERMINATE)?;
    // SAFETY: h is an open process handle with PROCESS_TERMINATE.
    if unsafe { TerminateProcess(h.raw(), TERMINATE_EXIT_CODE) } != 0 {
        return Ok(());
    }
    // SAFETY: GetLastError only reads this thread's last-error value.
    let code = unsafe { GetLastError() };
    if code == ERROR_ACCESS_DENIED && handle_running(h.raw(), false) == Some(false) {
        return Ok(());
    }
    Err(win32_error(code, "TerminateProcess"))
}

/// `TerminateProcess` (exit code 15).
pub(crate) fn terminate(p: &mut Proc, expected: &Identity) -> Result<()> {
    terminate_process(p, expected)
}

/// `TerminateProcess` (exit code 15), as psutil's `kill()`.
pub(crate) fn kill(p: &mut Proc, expected: &Identity) -> Result<()> {
    terminate_process(p, expected)
}

/// psutil's Windows `send_signal`: SIGTERM terminates (exit code 15);
/// `CTRL_C_EVENT` and `CTRL_BREAK_EVENT` go to the console process group whose
/// id is the pid (`GenerateConsoleCtrlEvent`, as CPython's `os.kill`); any other
/// signal is InvalidInput (psutil's ValueError).
pub(crate) fn send_signal(p: &mut Proc, expected: &Identity, sig: i32) -> Result<()> {
    if sig == SIGTERM {
        return terminate_process(p, expected);
    }
    let event =
        match u32::try_from(sig) {
            Ok(e) if e == CTRL_C_EVENT || e == CTRL_BREAK_EVENT => e,
            _ => return Err(Error::invalid(
                "only SIGTERM, CTRL_C_EVENT and CTRL_BREAK_EVENT signals are supported on Windows",
            )),
        };
    if !same_process(p, expected)? {
        return Err(Error::pid_reused(p.pid, None));
    }
    // SAFETY: plain values.
    if unsafe { GenerateConsoleCtrlEvent(event, p.pid) } == 0 {
        return Err(last_error("GenerateConsoleCtrlEvent"));
    }
    Ok(())
}

/// Waits for the process to end (`WaitForSingleObject` on the held handle, or
/// on one opened with `SYNCHRONIZE`) and returns its exit code
/// (`GetExitCodeProcess`, as psutil's C `long`: codes from 0x80000000 up are
/// negative). None when the pid is already gone (`ERROR_INVALID_PARAMETER`) or
/// the wait was abandoned; TimeoutExpired when `timeout` passes first
/// (`timeout` in whole milliseconds, as psutil's `int(timeout * 1000)`).
pub(crate) fn wait(p: &mut Proc, timeout: Option<Duration>) -> Result<Option<ExitCode>> {
    let opened;
    let h = match p.handle.process() {
        Some((h, true)) => h,
        _ => {
            match Owned::open_process(
                p.pid,
                PROCESS_SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
            ) {
                Ok(o) => opened = o,
                Err(ERROR_INVALID_PARAMETER) => return Ok(None),
                Err(code) => return Err(win32_error(code, "OpenProcess")),
            }
            opened.raw()
        }
    };
    let ms = match timeout {
        None => INFINITE,
        Some(t) => u32::try_from(t.as_millis())
            .unwrap_or(INFINITE - 1)
            .min(INFINITE - 1),
    };
    // SAFETY: h is an open process handle with SYNCHRONIZE.
    match unsafe { WaitForSingleObject(h, ms) } {
        WAIT_OBJECT_0 => {
            let mut code = 0u32;
            // SAFETY: h is an open process handle, code a writable u32.
            if unsafe { GetExitCodeProcess(h, &mut code) } == 0 {
                return Err(last_error("GetExitCodeProcess"));
            }
            Ok(Some(ExitCode::Exited(code as i32)))
        }
        WAIT_TIMEOUT => Err(Error::TimeoutExpired {
            seconds: timeout.map_or(0.0, |t| t.as_secs_f64()),
            pid: Some(p.pid),
            name: None,
        }),
        WAIT_ABANDONED => Ok(None),
        _ => Err(last_error("WaitForSingleObject")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::handle::test_child::Guard;
    use super::super::handle::{identity, translate};
    use super::super::proc_info::status;
    use super::super::wine;
    use super::*;
    use crate::types::process::Status;

    // One way to make a test's `Proc`, shared with the PEB tests.
    use super::super::peb::tests::with_proc;

    #[test]
    fn suspend_resume_terminate_wait() {
        let child = Guard::ping(30);
        with_proc(child.pid(), |p| {
            let id = identity(p).expect("identity");
            // Still running: a short wait times out.
            match wait(p, Some(Duration::from_millis(100))) {
                Err(Error::TimeoutExpired { seconds, pid, .. }) => {
                    assert_eq!(pid, Some(p.pid));
                    assert!((seconds - 0.1).abs() < 1e-9);
                }
                other => panic!("{other:?}"),
            }
            suspend(p, &id).expect("suspend");
            let st = status(p).expect("status");
            if wine::version().is_some() {
                // Wine 8 reports thread state (0, 0) even while suspended.
                assert_eq!(st, Status::Running);
            } else {
                assert_eq!(st, Status::Stopped);
            }
            resume(p, &id).expect("resume");
            assert_eq!(status(p).expect("status"), Status::Running);
            // Another identity (a reused pid) is refused before anything is done.
            let other = Identity::new(id.start() + 1, None);
            assert!(same_process(p, &other).is_ok_and(|same| !same));
            terminate(p, &id).expect("terminate");
            // psutil: TerminateProcess(h, 15) → exit code 15.
            assert_eq!(
                wait(p, Some(Duration::from_secs(10))).expect("wait"),
                Some(ExitCode::Exited(15))
            );
            // Waiting again gives the same code (the handle keeps it).
            assert_eq!(wait(p, None).expect("wait"), Some(ExitCode::Exited(15)));
            // kill/suspend of the ended process: NoSuchProcess.
            let e = kill(p, &id).expect_err("gone");
            assert!(translate(e, p).is_no_such_process());
            let e = suspend(p, &id).expect_err("gone");
            assert!(translate(e, p).is_no_such_process());
        });
    }

    /// CPU seconds of the process from its SPI record (real under Wine).
    fn cpu(p: &mut Proc) -> f64 {
        let t = super::super::proc_info::cpu_times(p).expect("cpu_times");
        t.user + t.system
    }

    /// Polls `cond` for up to `secs` seconds.
    fn eventually(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
        let end = std::time::Instant::now() + Duration::from_secs(secs);
        while std::time::Instant::now() < end {
            if cond() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        cond()
    }

    #[test]
    fn suspend_really_stops_a_busy_child() {
        // status() cannot show it under Wine; the CPU time the child burns can.
        let child = Guard::busy();
        with_proc(child.pid(), |p| {
            let id = identity(p).expect("identity");
            assert!(eventually(10, || cpu(p) > 0.05), "the child never ran");
            suspend(p, &id).expect("suspend");
            std::thread::sleep(Duration::from_millis(100));
            let t1 = cpu(p);
            std::thread::sleep(Duration::from_millis(600));
            let t2 = cpu(p);
            assert!(t2 - t1 < 0.05, "suspended child burned {} s", t2 - t1);
            // Suspends count: two need two resumes.
            suspend(p, &id).expect("suspend again");
            resume(p, &id).expect("resume");
            std::thread::sleep(Duration::from_millis(400));
            let t3 = cpu(p);
            assert!(t3 - t2 < 0.05, "still suspended once: burned {} s", t3 - t2);
            resume(p, &id).expect("resume");
            assert!(
                eventually(10, || cpu(p) > t3 + 0.05),
                "resumed child stays idle"
            );
            kill(p, &id).expect("kill");
            assert_eq!(wait(p, None).expect("wait"), Some(ExitCode::Exited(15)));
        });
    }

    #[test]
    fn signals_psutil_accepts() {
        let child = Guard::ping(30);
        with_proc(child.pid(), |p| {
            let id = identity(p).expect("identity");
            // Only SIGTERM, CTRL_C_EVENT and CTRL_BREAK_EVENT (psutil's ValueError).
            // (The console events are not sent here: under Wine a misdirected
            // CTRL_BREAK could reach the test runner itself.)
            for sig in [2, 9, -1, 100] {
                assert!(matches!(
                    send_signal(p, &id, sig),
                    Err(Error::InvalidInput { .. })
                ));
            }
            send_signal(p, &id, SIGTERM).expect("SIGTERM");
            assert_eq!(
                wait(p, Some(Duration::from_secs(10))).expect("wait"),
                Some(ExitCode::Exited(15))
            );
            let e = send_signal(p, &id, SIGTERM).expect_err("gone");
            assert!(translate(e, p).is_no_such_process());
        });
    }

    #[test]
    fn wait_gives_any_exit_code() {
        let mut child = std::process::Command::new("cmd")
            .args(["/c", "exit 3"])
            .spawn()
            .expect("spawn cmd");
        let pid = child.id();
        let got = with_proc(pid, |p| wait(p, Some(Duration::from_secs(20))));
        let _ = child.wait();
        assert_eq!(got.expect("wait"), Some(ExitCode::Exited(3)));
    }

    #[test]
    fn wait_procs_and_as_dict_through_the_public_api() {
        use crate::{Attr, Process};
        let (a, b) = (Guard::ping(30), Guard::ping(30));
        let pa = Process::new(a.pid()).expect("Process a");
        let pb = Process::new(b.pid()).expect("Process b");
        let info = pa
            .as_dict(&[
                Attr::Pid,
                Attr::Username,
                Attr::MemoryInfo,
                Attr::CpuTimes,
                Attr::Status,
                Attr::IoCounters,
                Attr::Nice,
                Attr::CreateTime,
            ])
            .expect("as_dict");
        assert_eq!(info.pid, a.pid());
        assert!(info
            .username
            .as_ref()
            .is_some_and(|u| u.as_ref().is_ok_and(|u| u.contains('\\'))));
        assert!(info
            .memory_info
            .as_ref()
            .is_some_and(|m| m.as_ref().is_ok_and(|m| m.rss > 0)));
        assert_eq!(info.status, Some(Ok(Status::Running)));
        assert!(info
            .io_counters
            .as_ref()
            .is_some_and(|io| io.as_ref().is_ok()));
        assert_eq!(info.nice, Some(Ok(32))); // NORMAL_PRIORITY_CLASS
                                             // The JSON has psutil's Windows pio keys. (rpsutil's Attr has no
                                             // num_handles, which psutil's Windows as_dict lists.)
        let json = serde_json::to_string(&info).expect("json");
        assert!(
            json.contains("\"other_count\"") && json.contains("\"other_bytes\""),
            "{json}"
        );
        // wait_procs: nothing ends within 100 ms; both after terminate, code 15.
        let (gone, alive) = crate::wait_procs(
            &[pa.clone(), pb.clone()],
            Some(Duration::from_millis(100)),
            None,
        )
        .expect("wait_procs");
        assert_eq!((gone.len(), alive.len()), (0, 2));
        pa.terminate().expect("terminate a");
        pb.kill().expect("kill b");
        let (gone, alive) =
            crate::wait_procs(&[pa, pb], Some(Duration::from_secs(10)), None).expect("wait_procs");
        assert!(alive.is_empty());
        assert_eq!(gone.len(), 2);
        assert!(
            gone.iter().all(|(_, c)| *c == Some(ExitCode::Exited(15))),
            "{gone:?}"
        );
    }

    #[test]
    fn the_public_api_on_a_child() {
        use crate::{Attr, Error as E, Process};
        let child = Guard::ping(30);
        let pid = child.pid();
        let me = std::process::id();
        let p = Process::new(pid).expect("Process::new");
        assert_eq!(p.pid(), pid);
        assert_eq!(p.ppid().expect("ppid"), me);
        assert!(p.name().expect("name").eq_ignore_ascii_case("ping.exe"));
        assert!(p.exe().expect("exe").is_absolute());
        assert!(p.is_running());
        assert_eq!(p.status().expect("status"), Status::Running);
        assert!(p.memory_info().expect("memory_info").rss > 0);
        let pct = p
            .memory_percent(crate::MemType::Rss)
            .expect("memory_percent");
        assert!(pct > 0.0 && pct < 100.0, "{pct}");
        assert!(p
            .oneshot(|| p
                .num_threads()
                .and_then(|n| p.threads().map(|t| (n, t.len()))))
            .is_ok_and(|(n, t)| n as usize == t && n >= 1));
        // The parent sees the child; the child's parent is us.
        let mine = Process::current().expect("current");
        assert!(mine
            .children(false)
            .expect("children")
            .iter()
            .any(|c| c.pid() == pid));
        assert_eq!(p.parent().expect("parent").map(|q| q.pid()), Some(me));
        // process_iter with a few attributes.
        let rows = crate::process_iter_attrs(&[Attr::Name, Attr::Ppid, Attr::NumThreads])
            .expect("process_iter_attrs");
        let (_, info) = rows
            .iter()
            .find(|(q, _)| q.pid() == pid)
            .expect("child listed");
        assert!(info
            .name
            .as_ref()
            .is_some_and(|n| n.as_ref().is_ok_and(|n| n.eq_ignore_ascii_case("ping.exe"))));
        assert_eq!(info.ppid, Some(Ok(me)));
        assert!(info
            .num_threads
            .as_ref()
            .is_some_and(|n| n.as_ref().is_ok_and(|n| *n >= 1)));
        // A signal other than SIGTERM/CTRL_*: InvalidInput.
        assert!(matches!(p.send_signal(9), Err(E::InvalidInput { .. })));
        p.terminate().expect("terminate");
        assert_eq!(
            p.wait(Some(Duration::from_secs(10))).expect("wait"),
            Some(ExitCode::Exited(15))
        );
        assert!(!p.is_running());
        assert!(p.kill().expect_err("gone").is_no_such_process());
        // Out of range and missing pids.
        match Process::new(u32::MAX) {
            Err(E::NoSuchProcess { msg, .. }) => assert_eq!(msg, "process PID out of range"),
            other => panic!("{other:?}"),
        }
        match Process::new(0x7fff_fff0) {
            Err(E::NoSuchProcess { msg, .. }) => assert_eq!(msg, "process PID not found"),
            other => panic!("{other:?}"),
        }
        // Pid 0: constructible without an identity (psutil), fixed name.
        let idle = Process::new(0).expect("Process(0)");
        assert_eq!(idle.name().expect("name"), "System Idle Process");
        assert_eq!(idle.username().expect("username"), "NT AUTHORITY\\SYSTEM");
        assert!(idle.exe().expect_err("pid 0").is_access_denied());
        assert!(matches!(idle.wait(None), Err(E::InvalidInput { .. })));
    }
}
