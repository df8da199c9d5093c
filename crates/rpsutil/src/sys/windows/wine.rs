//! Test support: detect Wine at run time and read the Linux host's truth through
//! Wine's `Z:\` drive (Wine maps Z: to `/`). Off Wine every reader answers None,
//! so the same test asserts Linux truth only where that truth is the host's.

use std::collections::HashMap;
use std::ffi::CStr;
use std::os::raw::c_char;

use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};

use super::util::wide;

/// Wine's version (`"8.0"`), from `ntdll!wine_get_version`; None on Windows.
pub(crate) fn version() -> Option<String> {
    let name = wide(std::ffi::OsStr::new("ntdll.dll"));
    // SAFETY: name is NUL-terminated; ntdll is loaded in every process.
    let ntdll = unsafe { GetModuleHandleW(name.as_ptr()) };
    if ntdll.is_null() {
        return None;
    }
    // SAFETY: ntdll is a loaded module, the symbol name is NUL-terminated.
    let f = unsafe { GetProcAddress(ntdll, c"wine_get_version".as_ptr().cast()) }?;
    // SAFETY: Wine exports `const char *wine_get_version(void)`.
    let f: unsafe extern "C" fn() -> *const c_char = unsafe { std::mem::transmute(f) };
    // SAFETY: calling it has no preconditions.
    let p = unsafe { f() };
    if p.is_null() {
        return None;
    }
    // SAFETY: Wine returns a static NUL-terminated string.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// Serialises the tests that open sockets and the ones that walk this process's
/// handles (`open_files` of ourselves): a handle walk that meets a socket on which
/// another test thread has I/O pending can leave Wine's `open_files` worker (psutil's
/// name-query thread) stuck inside ntdll, and later socket calls of the test process
/// then hang (seen once in about eight full runs under Wine 8). Tests only: the
/// library's calls stay concurrent.
pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// A Linux file through `Z:\`, only under Wine.
pub(crate) fn linux_file(path: &str) -> Option<String> {
    version()?;
    let win = format!("Z:{}", path.replace('/', "\\"));
    std::fs::read_to_string(win).ok()
}

/// `/proc/meminfo` as name → number (kB for the memory lines), under Wine.
pub(crate) fn meminfo() -> Option<HashMap<String, u64>> {
    let text = linux_file("/proc/meminfo")?;
    let mut m = HashMap::new();
    for line in text.lines() {
        let mut it = line.split_whitespace();
        if let (Some(k), Some(v)) = (it.next(), it.next()) {
            if let Ok(v) = v.parse() {
                m.insert(k.trim_end_matches(':').to_string(), v);
            }
        }
    }
    Some(m)
}

/// The `cpu`/`cpuN` lines of `/proc/stat`: name → [user, nice, system, idle,
/// iowait, irq, softirq, steal] in seconds (USER_HZ = 100), under Wine.
pub(crate) fn proc_stat_cpus() -> Option<Vec<(String, Vec<f64>)>> {
    let text = linux_file("/proc/stat")?;
    Some(
        text.lines()
            .filter(|l| l.starts_with("cpu"))
            .filter_map(|l| {
                let mut it = l.split_whitespace();
                let name = it.next()?.to_string();
                let v: Vec<f64> = it
                    .filter_map(|x| x.parse::<f64>().ok())
                    .map(|t| t / 100.0)
                    .collect();
                Some((name, v))
            })
            .collect(),
    )
}
