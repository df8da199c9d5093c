//! The process list: `pids` (`EnumProcesses`), `pid_exists` (psutil's
//! `psutil_pid_is_running`) and `ppid_map` (`SystemProcessInformation`).

use windows_sys::Win32::Foundation::CloseHandle;
use windows_sys::Win32::System::ProcessStatus::K32EnumProcesses;
use windows_sys::Win32::System::Threading::{
    OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SYNCHRONIZE,
};

use super::errors::last_error;
use super::handle::handle_running;
use super::proc_info::all_records_now;
use crate::sys::records::PpidEntry;
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

/// psutil's `pid_exists` (`psutil_pid_is_running`): open the process and ask
/// whether it still runs; on any failure (no such pid, access denied) or an
/// answer that cannot be trusted, the pid exists when `EnumProcesses` lists it.
/// psutil's STILL_ACTIVE test is ambiguous for a process that exited with code
/// 259, so a zero wait on the handle comes first (the reference's advice); Wine
/// keeps opening an exited child's pid, which only the list corrects.
pub(crate) fn pid_exists(pid: Pid) -> bool {
    for (access, synchronize) in [
        (
            PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_SYNCHRONIZE,
            true,
        ),
        (PROCESS_QUERY_LIMITED_INFORMATION, false),
    ] {
        // SAFETY: OpenProcess takes plain values; a null result is handled.
        let h = unsafe { OpenProcess(access, 0, pid) };
        if h.is_null() {
            continue;
        }
        let running = handle_running(h, synchronize);
        // SAFETY: h came from OpenProcess and is closed once.
        unsafe { CloseHandle(h) };
        if running == Some(true) {
            return true;
        }
        break;
    }
    listed(pid)
}

/// 100-ns ticks since 1601 as epoch seconds (0.0 for a time before 1970, where
/// psutil's unsigned subtraction wraps).
pub(crate) fn filetime_to_epoch(ticks: i64) -> f64 {
    const EPOCH_DIFF: i64 = 116_444_736_000_000_000;
    if ticks <= EPOCH_DIFF {
        return 0.0;
    }
    (ticks - EPOCH_DIFF) as f64 / 1e7
}

/// Every process's parent and creation time, from one `SystemProcessInformation`
/// snapshot (psutil 7.2.2 reads the parents from a Toolhelp snapshot, which has no
/// creation time; this one needs no process handle, so nothing is denied).
pub(crate) fn ppid_map() -> Result<Vec<PpidEntry>> {
    Ok(all_records_now()?
        .into_iter()
        .map(|p| PpidEntry {
            pid: p.pid,
            ppid: p.ppid,
            create_time: filetime_to_epoch(p.create_ticks),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::proc_info::all_records;
    use super::*;
    use windows_sys::Win32::System::WindowsProgramming::SYSTEM_PROCESS_INFORMATION;

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

    #[test]
    fn exit_code_259_is_not_still_active() {
        // A child that exited with 259 (= STILL_ACTIVE) while we still hold its
        // handle: psutil's exit-code test alone would call it alive.
        let mut child = std::process::Command::new("cmd")
            .args(["/c", "exit 259"])
            .spawn()
            .expect("spawn cmd");
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(259));
        assert!(!pid_exists(child.id()), "exited child reported alive");
        // The exit-code test alone is fooled (what the zero wait fixes).
        // SAFETY: plain values; the child's handle keeps the pid from reuse.
        let h = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, child.id()) };
        assert!(!h.is_null());
        assert_eq!(handle_running(h, false), Some(true));
        assert_eq!(
            handle_running(h, true),
            Some(true),
            "no SYNCHRONIZE: no wait"
        );
        // SAFETY: h came from OpenProcess and is closed once.
        unsafe { CloseHandle(h) };
        drop(child);
    }

    #[test]
    fn spi_entries_are_walked_unaligned() {
        let size = std::mem::size_of::<SYSTEM_PROCESS_INFORMATION>();
        // Two entries, the second at an odd offset (as Wine lays them out).
        let second = size + 3;
        let mut buf = vec![0u8; second + size];
        let put = |buf: &mut Vec<u8>, at: usize, next: u32, pid: usize, ppid: usize, ct: i64| {
            // SAFETY: zeroed is a valid SYSTEM_PROCESS_INFORMATION (plain data).
            let mut e: SYSTEM_PROCESS_INFORMATION = unsafe { std::mem::zeroed() };
            e.NextEntryOffset = next;
            e.UniqueProcessId = pid as _;
            e.Reserved2 = ppid as _;
            e.Reserved1[24..32].copy_from_slice(&ct.to_ne_bytes());
            // SAFETY: at + size <= buf.len() (checked by the callers' layout).
            unsafe {
                buf.as_mut_ptr()
                    .add(at)
                    .cast::<SYSTEM_PROCESS_INFORMATION>()
                    .write_unaligned(e)
            };
        };
        put(&mut buf, 0, second as u32, 8, 0, 0);
        put(
            &mut buf,
            second,
            0,
            12,
            8,
            116_444_736_000_000_000 + 15_000_000,
        );
        let got = all_records(&buf);
        assert_eq!(got.len(), 2);
        assert_eq!((got[1].pid, got[1].ppid), (12, 8));
        assert_eq!(filetime_to_epoch(got[1].create_ticks), 1.5);
        assert_eq!(filetime_to_epoch(0), 0.0);
        // An offset past the end stops the walk.
        put(&mut buf, second, 1 << 30, 12, 8, 0);
        assert_eq!(all_records(&buf).len(), 2);
        assert!(all_records(&buf[..size - 1]).is_empty());
    }

    #[test]
    fn ppid_map_has_our_child_with_its_start_time() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let mut child = std::process::Command::new("ping")
            .args(["-n", "30", "127.0.0.1"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn ping");
        let pid = child.id();
        let map = ppid_map();
        child.kill().expect("kill");
        child.wait().expect("wait");
        let map = map.expect("ppid_map");
        let me = std::process::id();
        let entry = map.iter().find(|e| e.pid == pid).expect("child listed");
        assert_eq!(entry.ppid, me);
        // Created within a few seconds of `now` (Wine's CreateTime is right).
        assert!(
            (entry.create_time - now).abs() < 5.0,
            "{} vs {now}",
            entry.create_time
        );
        let mine = map.iter().find(|e| e.pid == me).expect("self listed");
        assert!(mine.create_time > 0.0 && mine.create_time <= entry.create_time);
        // Same processes as EnumProcesses, give or take the ones starting or
        // ending meanwhile (other tests spawn ping too).
        let listed = pids().expect("pids");
        let common = map.iter().filter(|e| listed.contains(&e.pid)).count();
        assert!(common + 3 >= listed.len(), "{map:?} vs {listed:?}");
    }
}
