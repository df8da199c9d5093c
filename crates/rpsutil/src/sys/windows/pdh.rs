//! One-shot reads of a PDH performance counter (psutil's `swap_percent`).

use std::ffi::OsStr;
use std::ptr;

use windows_sys::Win32::System::Performance::{
    PdhAddEnglishCounterW, PdhCloseQuery, PdhCollectQueryData, PdhGetFormattedCounterValue,
    PdhOpenQueryW, PDH_FMT_COUNTERVALUE, PDH_FMT_DOUBLE, PDH_HQUERY,
};

use super::util::wide;
use crate::{Error, Result};

/// Closes the query on every path.
struct Query(PDH_HQUERY);

impl Drop for Query {
    fn drop(&mut self) {
        // SAFETY: self.0 came from a successful PdhOpenQueryW and is closed once.
        unsafe { PdhCloseQuery(self.0) };
    }
}

fn unavailable(call: &str, path: &str, status: u32) -> Error {
    Error::unsupported(format!(
        "the performance counter {path} ({call} failed with {status:#010x}; \
         performance counters may be disabled)"
    ))
}

/// The counter's value after one `PdhCollectQueryData`, as psutil's `swap_percent`:
/// a failed collection gives 0.0; a counter that cannot be opened, added or
/// formatted is [`Error::Unsupported`] (psutil's `RuntimeError`).
pub(crate) fn read_once(path: &str) -> Result<f64> {
    let mut q: PDH_HQUERY = ptr::null_mut();
    // SAFETY: a null data source means the live counters; `q` is a valid out pointer.
    let st = unsafe { PdhOpenQueryW(ptr::null(), 0, &mut q) };
    if st != 0 {
        return Err(unavailable("PdhOpenQueryW", path, st));
    }
    let q = Query(q);
    let wpath = wide(OsStr::new(path));
    let mut counter = ptr::null_mut();
    // SAFETY: the query is open, wpath is NUL-terminated, counter is an out pointer.
    let st = unsafe { PdhAddEnglishCounterW(q.0, wpath.as_ptr(), 0, &mut counter) };
    if st != 0 {
        return Err(unavailable("PdhAddEnglishCounterW", path, st));
    }
    // SAFETY: the query is open.
    if unsafe { PdhCollectQueryData(q.0) } != 0 {
        return Ok(0.0);
    }
    // SAFETY: PDH_FMT_COUNTERVALUE is plain data; all-zero is valid.
    let mut value: PDH_FMT_COUNTERVALUE = unsafe { std::mem::zeroed() };
    // SAFETY: counter belongs to the open query; the type pointer may be null.
    let st = unsafe {
        PdhGetFormattedCounterValue(counter, PDH_FMT_DOUBLE, ptr::null_mut(), &mut value)
    };
    if st != 0 {
        return Err(unavailable("PdhGetFormattedCounterValue", path, st));
    }
    // SAFETY: PDH_FMT_DOUBLE asked for the doubleValue member of the union.
    Ok(unsafe { value.Anonymous.doubleValue })
}
