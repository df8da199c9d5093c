//! The process list: `pids` (`EnumProcesses`) and `pid_exists` (psutil's
//! `psutil_pid_is_running`).

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_ACCESS_DENIED, ERROR_INVALID_PARAMETER, STILL_ACTIVE,
};
use windows_sys::Win32::System::ProcessStatus::K32EnumProcesses;
use windows_sys::Win32::System::Threading::{
    GetExitCodeProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
};

use super::errors::last_error;
use crate::types::process::Pid;
use crate::{Error, Result};

/// Every pid, sorted: `EnumProcesses` into an array grown by 1024 entries until
/// the answer is smaller than the array. No pid at all is an error (psutil's
/// `RuntimeError("no PIDs found")`).
pub(crate) fn pids() -> Result<Vec<Pid>> {
    let mut cap = 1024usize;
    loop {
        let mut buf = vec![0u32; cap];
        let bytes = u32::try_from(cap * 4).unwrap_or(u32::MAX);
        let mut used = 0u32;
        // SAFETY: buf is writable for `bytes` bytes, used is an out pointer.
        if unsafe { K32EnumProcesses(buf.as_mut_ptr(), bytes, &mut used) } == 0 {
            return Err(last_error("EnumProcesses"));
        }
        if used < bytes || bytes == u32::MAX {
            buf.truncate(used as usize / 4);
            if buf.is_empty() {
                return Err(Error::os(
                    std::io::Error::other("no PIDs found"),
                    "EnumProcesses",
                ));
            }
            buf.sort_unstable();
            return Ok(buf);
        }
        cap += 1024;
    }
}

fn listed(pid: Pid) -> bool {
    pids()
        .map(|l| l.binary_search(&pid).is_ok())
        .unwrap_or(false)
}

/// psutil's `pid_exists`: `OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION)`;
/// access denied means it exists, `ERROR_INVALID_PARAMETER` that it does not;
/// with a handle, `STILL_ACTIVE` means alive and any other exit code defers to
/// `EnumProcesses` (an exited process can still have open handles).
pub(crate) fn pid_exists(pid: Pid) -> bool {
    // SAFETY: OpenProcess takes plain values; a null result is handled.
    let h = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if h.is_null() {
        let code = std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as u32;
        return match code {
            ERROR_ACCESS_DENIED => true,
            ERROR_INVALID_PARAMETER => false,
            // psutil: ERROR_SUCCESS (#1877) or another error → ask EnumProcesses.
            _ => listed(pid),
        };
    }
    let mut exit = 0u32;
    // SAFETY: h is a valid process handle, exit a writable u32.
    let ok = unsafe { GetExitCodeProcess(h, &mut exit) } != 0;
    let err = std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as u32;
    // SAFETY: h came from OpenProcess and is closed once.
    unsafe { CloseHandle(h) };
    if !ok {
        return err == ERROR_ACCESS_DENIED || listed(pid);
    }
    exit == STILL_ACTIVE as u32 || listed(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_are_sorted_and_contain_self() {
        let me = std::process::id();
        let l = pids().expect("EnumProcesses");
        assert!(l.windows(2).all(|w| w[0] < w[1]), "{l:?}");
        assert!(l.contains(&me), "{me} not in {l:?}");
        // Other tests start and end processes meanwhile: compare shapes, not lists.
        let public = crate::pids().expect("public");
        assert!(public.windows(2).all(|w| w[0] < w[1]) && public.contains(&me));
    }

    #[test]
    fn pid_exists_for_self_a_child_and_a_gone_pid() {
        assert!(pid_exists(std::process::id()));
        assert!(crate::pid_exists(std::process::id()));
        // A pid far above anything live: ERROR_INVALID_PARAMETER → false.
        assert!(!pid_exists(0x7fff_fff0));
        // A child (Wine ships ping.exe, as Windows does): alive and listed while it
        // runs, gone once it has ended and its handle is closed.
        let mut child = std::process::Command::new("ping")
            .args(["-n", "30", "127.0.0.1"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn ping");
        let pid = child.id();
        assert!(pid_exists(pid));
        assert!(pids().expect("pids").contains(&pid));
        child.kill().expect("kill");
        child.wait().expect("wait");
        drop(child);
        assert!(!pid_exists(pid), "pid {pid} still exists after exit");
        assert!(!pids().expect("pids").contains(&pid));
    }
}
