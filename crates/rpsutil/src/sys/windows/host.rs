//! `boot_time`: psutil 7.2.2's `time.time() − uptime`.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
use windows_sys::Win32::System::SystemInformation::GetTickCount64;

use super::util::wide;
use crate::Result;

/// Seconds since boot: `QueryInterruptTime()` (kernelbase, counts suspend) when it
/// exists, else `GetTickCount64()` (psutil's fallback; Wine 8 has no
/// `QueryInterruptTime`).
fn uptime() -> f64 {
    let name = wide(std::ffi::OsStr::new("kernelbase.dll"));
    // SAFETY: name is NUL-terminated; a null result is handled.
    let kb = unsafe { GetModuleHandleW(name.as_ptr()) };
    if !kb.is_null() {
        // SAFETY: kb is a loaded module and the symbol name is NUL-terminated.
        if let Some(f) = unsafe { GetProcAddress(kb, c"QueryInterruptTime".as_ptr().cast()) } {
            // SAFETY: `VOID QueryInterruptTime(PULONGLONG)` in realtimeapiset.h.
            let f: unsafe extern "system" fn(*mut u64) = unsafe { std::mem::transmute(f) };
            let mut t = 0u64;
            // SAFETY: t is a writable u64.
            unsafe { f(&mut t) };
            return t as f64 / 1e7;
        }
    }
    // SAFETY: no arguments, cannot fail.
    (unsafe { GetTickCount64() }) as f64 / 1000.0
}

/// Boot time, epoch seconds: now − uptime. As psutil (#1007), the previous answer
/// is kept while a new one is within 1 s of it, so that it does not jitter.
pub(crate) fn boot_time() -> Result<f64> {
    static LAST: Mutex<Option<f64>> = Mutex::new(None);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let bt = now - uptime();
    let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
    match *last {
        Some(prev) if (bt - prev).abs() <= 1.0 => Ok(prev),
        _ => {
            *last = Some(bt);
            Ok(bt)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::wine;

    #[test]
    fn boot_time_matches_linux_btime_under_wine() {
        let bt = crate::boot_time().expect("boot_time");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        assert!(bt > 0.0 && bt < now, "{bt}");
        // Stable across calls (the 1 s rule).
        assert_eq!(boot_time().expect("again"), bt);
        if let Some(stat) = wine::linux_file("/proc/stat") {
            // GetTickCount64 = /proc/uptime, so boot time = the kernel's btime
            // (whole seconds) to within 2 s.
            let btime: f64 = stat
                .lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse().ok())
                .expect("btime line");
            assert!((bt - btime).abs() < 2.0, "boot_time {bt} vs btime {btime}");
        }
    }
}
