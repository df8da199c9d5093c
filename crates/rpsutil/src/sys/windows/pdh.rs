//! One-shot reads of a PDH performance counter (psutil's `swap_percent`).

use std::ffi::OsStr;
use std::ptr;

use windows_sys::Win32::System::Performance::{
    PdhAddEnglishCounterW, PdhCloseQuery, PdhCollectQueryData, PdhGetFormattedCounterValue,
    PdhOpenQueryW, PDH_FMT_COUNTERVALUE, PDH_FMT_DOUBLE, PDH_HCOUNTER, PDH_HQUERY,
};

use super::util::wide;
use crate::{Error, Result};

/// An open PDH query, closed when dropped.
pub(crate) struct Query(pub(crate) PDH_HQUERY);

impl Drop for Query {
    fn drop(&mut self) {
        // SAFETY: self.0 came from a successful PdhOpenQueryW and is closed once.
        unsafe { PdhCloseQuery(self.0) };
    }
}

pub(crate) fn unavailable(call: &str, path: &str, status: u32) -> Error {
    Error::unsupported(format!(
        "the performance counter {path} ({call} failed with {status:#010x}; \
         performance counters may be disabled)"
    ))
}

impl Query {
    /// `PdhOpenQueryW` on the live counters.
    pub(crate) fn open(path: &str) -> Result<Query> {
        let mut q: PDH_HQUERY = ptr::null_mut();
        // SAFETY: a null data source means the live counters; `q` is an out pointer.
        let st = unsafe { PdhOpenQueryW(ptr::null(), 0, &mut q) };
        if st != 0 {
            return Err(unavailable("PdhOpenQueryW", path, st));
        }
        Ok(Query(q))
    }

    /// `PdhAddEnglishCounterW(path)`: the counter handle.
    pub(crate) fn add(&self, path: &str) -> Result<PDH_HCOUNTER> {
        let wpath = wide(OsStr::new(path));
        let mut counter = ptr::null_mut();
        // SAFETY: the query is open, wpath is NUL-terminated, counter an out pointer.
        let st = unsafe { PdhAddEnglishCounterW(self.0, wpath.as_ptr(), 0, &mut counter) };
        if st != 0 {
            return Err(unavailable("PdhAddEnglishCounterW", path, st));
        }
        Ok(counter)
    }
}

/// `PdhGetFormattedCounterValue(PDH_FMT_DOUBLE)`: the value or the PDH status.
pub(crate) fn formatted(counter: PDH_HCOUNTER) -> std::result::Result<f64, u32> {
    // SAFETY: PDH_FMT_COUNTERVALUE is plain data; all-zero is valid.
    let mut value: PDH_FMT_COUNTERVALUE = unsafe { std::mem::zeroed() };
    // SAFETY: counter belongs to an open query; the type pointer may be null.
    let st = unsafe {
        PdhGetFormattedCounterValue(counter, PDH_FMT_DOUBLE, ptr::null_mut(), &mut value)
    };
    if st != 0 {
        return Err(st);
    }
    // SAFETY: PDH_FMT_DOUBLE asked for the doubleValue member of the union.
    Ok(unsafe { value.Anonymous.doubleValue })
}

/// The counter's value after one `PdhCollectQueryData`, as psutil's `swap_percent`:
/// a failed collection gives 0.0; a counter that cannot be opened, added or
/// formatted is [`Error::Unsupported`] (psutil's `RuntimeError`).
pub(crate) fn read_once(path: &str) -> Result<f64> {
    let q = Query::open(path)?;
    let counter = q.add(path)?;
    // SAFETY: the query is open.
    if unsafe { PdhCollectQueryData(q.0) } != 0 {
        return Ok(0.0);
    }
    formatted(counter).map_err(|st| unavailable("PdhGetFormattedCounterValue", path, st))
}
