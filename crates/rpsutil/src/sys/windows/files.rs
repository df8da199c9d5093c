//! `open_files` (psutil 7.2.2's `proc_handles.c`: the system's handle table
//! filtered to the pid, each handle duplicated into this process and named by
//! `NtQueryObject` on a worker thread with a timeout) and `net_connections` of
//! one process (psutil's `socks.c` rows filtered by owner pid).
//!
//! Wine 8: `SystemExtendedHandleInformation` and `NtQueryObject` work (names in
//! `\??\C:\...` form); `ProcessHandleInformation`, which psutil 8 uses, does not.
//! The socket tables give owner pid 0 for every row (fixed in Wine 9.17), so a
//! process's `net_connections` is empty under Wine 8.

use std::mem::size_of;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use windows_sys::Wdk::Foundation::NtQueryObject;
use windows_sys::Wdk::System::SystemInformation::SYSTEM_INFORMATION_CLASS;
use windows_sys::Win32::Foundation::{
    CloseHandle, DuplicateHandle, DUPLICATE_SAME_ACCESS, HANDLE, STATUS_BUFFER_OVERFLOW,
    STATUS_BUFFER_TOO_SMALL, STATUS_INFO_LENGTH_MISMATCH, STATUS_SUCCESS,
};
use windows_sys::Win32::Storage::FileSystem::{GetFileType, FILE_TYPE_DISK};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, PROCESS_DUP_HANDLE, PROCESS_QUERY_INFORMATION,
};

use super::maps::{convert_dos_path, dos_devices};
use super::peb::open_proc;
use super::util::{query_system_information, read_at};
use super::Proc;
use crate::types::conn_kind::ConnKind;
use crate::types::net::Connection;
use crate::types::process::{OpenFile, Pid};
use crate::{Error, Result};

/// `SystemExtendedHandleInformation`.
const SYSTEM_EXTENDED_HANDLE_INFORMATION: SYSTEM_INFORMATION_CLASS = 64;
/// `ObjectNameInformation`.
const OBJECT_NAME_INFORMATION: i32 = 1;
/// psutil's `THREAD_TIMEOUT`: how long one handle's name may take.
const NAME_TIMEOUT: Duration = Duration::from_millis(100);

/// `SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct HandleEntry {
    object: usize,
    unique_process_id: usize,
    handle_value: usize,
    granted_access: u32,
    creator_back_trace_index: u16,
    object_type_index: u16,
    handle_attributes: u32,
    reserved: u32,
}

/// The header of `SYSTEM_HANDLE_INFORMATION_EX`: two pointer-sized counts, then
/// the entries.
const HEADER: usize = 2 * size_of::<usize>();

#[cfg(target_pointer_width = "64")]
const _: () = assert!(size_of::<HandleEntry>() == 40);
#[cfg(target_pointer_width = "32")]
const _: () = assert!(size_of::<HandleEntry>() == 28);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::offset_of!(HandleEntry, granted_access) == 24);
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::offset_of!(HandleEntry, granted_access) == 12);

/// The handle values `pid` holds, from one system-wide snapshot.
fn handles_of(pid: Pid) -> Result<Vec<usize>> {
    let buf = query_system_information(
        SYSTEM_EXTENDED_HANDLE_INFORMATION,
        0x10000,
        "SystemExtendedHandleInformation",
    )?;
    let n = read_at::<usize>(&buf, 0).unwrap_or(0);
    Ok((0..n)
        .map_while(|i| read_at::<HandleEntry>(&buf, HEADER + i * size_of::<HandleEntry>()))
        .filter(|e| e.unique_process_id == pid as usize)
        .map(|e| e.handle_value)
        .collect())
}

/// A handle duplicated into this process, closed on drop.
struct Dup(HANDLE);

// SAFETY: a kernel handle is a process-wide number usable from any thread.
unsafe impl Send for Dup {}

impl Drop for Dup {
    fn drop(&mut self) {
        // SAFETY: the handle came from DuplicateHandle and is closed once, here.
        unsafe { CloseHandle(self.0) };
    }
}

/// The NT name of a disk-file handle (`GetFileType == FILE_TYPE_DISK`, then
/// `NtQueryObject(ObjectNameInformation)` grown on the length statuses); None for
/// other handles, unnamed ones, or a failed query.
fn file_name(h: &Dup) -> Option<String> {
    // SAFETY: h is an open handle of this process.
    if unsafe { GetFileType(h.0) } != FILE_TYPE_DISK {
        return None;
    }
    let mut size = 0x200usize;
    for _ in 0..9 {
        // u64 elements: OBJECT_NAME_INFORMATION starts with a pointer-aligned
        // UNICODE_STRING.
        let mut buf = vec![0u64; size.div_ceil(8)];
        let mut ret = 0u32;
        let len = u32::try_from(buf.len() * 8).unwrap_or(u32::MAX);
        // SAFETY: buf is writable for len bytes; ret is an out pointer.
        let status = unsafe {
            NtQueryObject(
                h.0,
                OBJECT_NAME_INFORMATION,
                buf.as_mut_ptr().cast(),
                len,
                &mut ret,
            )
        };
        if status == STATUS_SUCCESS {
            let bytes: Vec<u8> = buf.iter().flat_map(|w| w.to_ne_bytes()).collect();
            let length = usize::from(read_at::<u16>(&bytes, 0)?);
            let ptr = read_at::<usize>(&bytes, size_of::<usize>())?;
            if length == 0 || ptr == 0 {
                return None;
            }
            // The name lies inside our buffer, after the header.
            let start = ptr.checked_sub(buf.as_ptr() as usize)?;
            let raw = bytes.get(start..start.checked_add(length)?)?;
            let units: Vec<u16> = raw
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            return Some(String::from_utf16_lossy(&units));
        }
        if ![
            STATUS_INFO_LENGTH_MISMATCH,
            STATUS_BUFFER_OVERFLOW,
            STATUS_BUFFER_TOO_SMALL,
        ]
        .contains(&status)
        {
            return None;
        }
        size = (ret as usize).max(size * 2);
    }
    None
}

/// Names the handles on a worker thread, waiting at most [`NAME_TIMEOUT`] for
/// each; a handle that hangs the worker (a synchronous pipe) is skipped and the
/// worker left behind to finish on its own (never `TerminateThread`, whose
/// deadlocks psutil 8 removed), and a new worker takes the rest of the queue.
fn name_all(dups: Vec<Dup>) -> Vec<String> {
    let total = dups.len();
    // Popped from the end: reversed, the first handle comes first.
    let queue = Arc::new(Mutex::new(dups.into_iter().rev().collect::<Vec<Dup>>()));
    let mut names = Vec::new();
    let mut done = 0;
    while done < total {
        let (tx, rx) = mpsc::channel::<Option<String>>();
        let q = Arc::clone(&queue);
        let spawned = std::thread::Builder::new()
            .name("rpsutil-open-files".into())
            .spawn(move || loop {
                let next = match q.lock() {
                    Ok(mut g) => g.pop(),
                    Err(_) => None,
                };
                let Some(d) = next else { return };
                let name = file_name(&d);
                drop(d);
                if tx.send(name).is_err() {
                    // The caller gave up on this worker.
                    return;
                }
            });
        if spawned.is_err() {
            break;
        }
        loop {
            match rx.recv_timeout(NAME_TIMEOUT) {
                Ok(name) => {
                    done += 1;
                    names.extend(name);
                    if done == total {
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // The worker's current handle is skipped; a new worker goes on.
                    done += 1;
                    break;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return names,
            }
        }
    }
    names
}

/// psutil 7.2.2's `open_files()` on Windows: `[]` for pid 0 and 4; the handles
/// of `SystemExtendedHandleInformation` owned by the pid, each duplicated
/// (`PROCESS_DUP_HANDLE`; a handle that cannot be duplicated is skipped) and named
/// when it is a disk file; names in DOS form (`convert_dos_path`), kept when they
/// are regular files (directories and vanished files dropped; a permission error
/// on the check is AccessDenied for the call, as psutil's `isfile_strict`); each
/// path once, in handle order; `fd` = -1. A name query that fails or hangs past
/// 100 ms skips its handle (psutil raises on the failure; rpsutil keeps the rest).
pub(crate) fn open_files(p: &mut Proc<'_>) -> Result<Vec<OpenFile>> {
    if p.pid == 0 || p.pid == 4 {
        return Ok(Vec::new());
    }
    let target = open_proc(p, PROCESS_DUP_HANDLE | PROCESS_QUERY_INFORMATION)?;
    let mut dups = Vec::new();
    for value in handles_of(p.pid)? {
        let mut h: HANDLE = std::ptr::null_mut();
        // SAFETY: target has PROCESS_DUP_HANDLE; value is a handle number of that
        // process (it may be gone: the call then fails); h is an out pointer.
        let ok = unsafe {
            DuplicateHandle(
                target.raw(),
                value as HANDLE,
                GetCurrentProcess(),
                &mut h,
                0,
                0,
                DUPLICATE_SAME_ACCESS,
            )
        };
        if ok != 0 && !h.is_null() {
            dups.push(Dup(h));
        }
    }
    let devices = dos_devices();
    let mut out: Vec<OpenFile> = Vec::new();
    for name in name_all(dups) {
        let path = PathBuf::from(convert_dos_path(&name, &devices));
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => {}
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(Error::access_denied(p.pid))
            }
            _ => continue,
        }
        if !out.iter().any(|f| f.path == path) {
            out.push(OpenFile {
                path,
                fd: -1,
                position: None,
                mode: None,
                flags: None,
            });
        }
    }
    Ok(out)
}

/// psutil's `Process.net_connections(kind)` on Windows: NoSuchProcess when the
/// process has ended (through its held handle: pid-reuse safe), then the system-wide TCP/UDP rows (`socks.rs`) whose
/// owner is the pid, without the pid (`pconn`).
pub(crate) fn net_connections(p: &mut Proc<'_>, kind: ConnKind) -> Result<Vec<Connection>> {
    if p.gone() {
        return Err(Error::no_such_process(p.pid));
    }
    Ok(super::socks::system_connections(kind, true)?
        .into_iter()
        .filter(|c| c.pid == Some(p.pid))
        .map(|c| Connection {
            fd: c.fd,
            family: c.family,
            kind: c.kind,
            laddr: c.laddr,
            raddr: c.raddr,
            status: c.status,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::peb::current_pid;
    use crate::sys::windows::peb::tests::with_proc;
    use crate::sys::windows::wine;
    use crate::types::net::{Address, ConnStatus};
    use std::io::Write;

    #[test]
    fn open_files_lists_a_file_we_hold() {
        let _serial = wine::serial();
        let me = current_pid();
        let path = std::env::temp_dir().join(format!("rpsutil-open-files-{me}.txt"));
        let mut f = std::fs::File::create(&path).expect("create");
        f.write_all(b"x").expect("write");
        let files = with_proc(me, open_files).expect("open_files");
        let want = path.to_string_lossy().into_owned();
        let hit: Vec<&OpenFile> = files
            .iter()
            .filter(|o| o.path.to_string_lossy().eq_ignore_ascii_case(&want))
            .collect();
        assert_eq!(hit.len(), 1, "{want} in {files:?}");
        assert_eq!(hit[0].fd, -1);
        // Only regular files, each once, in DOS form.
        for o in &files {
            assert!(o.path.is_file(), "{o:?}");
            assert!(!o.path.to_string_lossy().starts_with("\\??\\"), "{o:?}");
        }
        drop(f);
        // Closed: gone from the list.
        let after = with_proc(me, open_files).expect("open_files");
        assert!(
            !after
                .iter()
                .any(|o| o.path.to_string_lossy().eq_ignore_ascii_case(&want)),
            "{after:?}"
        );
        let _ = std::fs::remove_file(&path);
        // An ended process: NoSuchProcess; pid 0: nothing.
        crate::sys::windows::peb::tests::with_ended_proc(|p| {
            assert!(open_files(p).err().is_some_and(|e| e.is_no_such_process()));
        });
        with_proc(0, |p| assert!(open_files(p).expect("pid 0").is_empty()));
    }

    #[test]
    fn open_files_of_a_child_lists_the_file_it_holds() {
        let _serial = wine::serial();
        let me = current_pid();
        let path = std::env::temp_dir().join(format!("rpsutil-held-{me}.txt"));
        std::fs::write(&path, b"held").expect("write");
        let (child, _) = crate::sys::windows::peb::tests::spawn_sleeper_holding(
            &std::env::temp_dir(),
            Some(&path),
        );
        let pid = child.0.id();
        let want = path.to_string_lossy().into_owned();
        // The child opens the file once its test starts: wait for it (10 s at most).
        let mut files = Vec::new();
        for _ in 0..200 {
            files = with_proc(pid, open_files).expect("open_files");
            if files
                .iter()
                .any(|o| o.path.to_string_lossy().eq_ignore_ascii_case(&want))
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            files
                .iter()
                .any(|o| o.path.to_string_lossy().eq_ignore_ascii_case(&want) && o.fd == -1),
            "{want} not in {files:?}"
        );
        // Its executable is mapped, not open as a handle: not listed twice.
        let paths: Vec<String> = files
            .iter()
            .map(|o| o.path.to_string_lossy().to_lowercase())
            .collect();
        let mut unique = paths.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), paths.len(), "{paths:?}");
        drop(child);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn net_connections_of_our_own_process() {
        let _serial = wine::serial();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
        let addr = listener.local_addr().expect("addr");
        let me = current_pid();
        let conns = with_proc(me, |p| net_connections(p, ConnKind::Inet)).expect("conns");
        let want = Address::Inet {
            ip: addr.ip(),
            port: addr.port(),
        };
        let ours = conns
            .iter()
            .any(|c| c.laddr == want && c.status == ConnStatus::Listen && c.fd == -1);
        if wine::version().is_some() {
            // Wine 8 gap: every row's owner is pid 0, so no process has sockets.
            assert!(conns.is_empty(), "{conns:?}");
            assert!(
                super::super::socks::system_connections(ConnKind::Tcp4, true)
                    .expect("system")
                    .iter()
                    .any(|c| c.laddr == want && c.pid == Some(0)),
                "the listener is in the system table with pid 0"
            );
        } else {
            assert!(ours, "{want} LISTEN not in {conns:?}");
        }
        crate::sys::windows::peb::tests::with_ended_proc(|p| {
            assert!(net_connections(p, ConnKind::Inet)
                .err()
                .is_some_and(|e| e.is_no_such_process()));
        });
        drop(listener);
    }
}
