//! `getloadavg`: psutil's emulation (`wmi.c`). A PDH query on `\System\Processor
//! Queue Length` is collected every 5 s by the system; a thread-pool callback folds
//! each sample into three exponentially damped averages (1, 5, 15 minutes).

use std::ptr;
use std::sync::Mutex;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Performance::{PdhCollectQueryDataEx, PDH_HCOUNTER};
use windows_sys::Win32::System::Threading::{
    CreateEventW, RegisterWaitForSingleObject, INFINITE, WT_EXECUTEDEFAULT,
};

use super::errors::last_error;
use super::pdh::{formatted, unavailable, Query};
use crate::sys::records::LoadAvg;
use crate::Result;

/// The counter psutil samples.
pub(crate) const QUEUE_COUNTER: &str = "\\System\\Processor Queue Length";
/// Seconds between samples.
const SAMPLING_INTERVAL: u32 = 5;
/// psutil's damping factors: exp(−5/60), exp(−5/300), exp(−5/900).
const LOADAVG_FACTOR: [f64; 3] = [0.9200444146293232, 0.9834714538216175, 0.9944598480048968];

/// The running state once the sampling is set up; it lives as long as the process
/// (as psutil's, the query and the wait are never torn down).
struct Sampler {
    counter: usize,
    avg: [f64; 3],
}

static STATE: Mutex<Option<Sampler>> = Mutex::new(None);

/// psutil's update: `avg = avg·f + q·(1 − f)` for each window.
fn fold(avg: [f64; 3], q: f64) -> [f64; 3] {
    let mut out = avg;
    for (a, f) in out.iter_mut().zip(LOADAVG_FACTOR) {
        *a = *a * f + q * (1.0 - f);
    }
    out
}

unsafe extern "system" fn on_sample(_ctx: *mut std::ffi::c_void, _timed_out: bool) {
    let mut guard = STATE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = guard.as_mut() {
        // A failed read skips the sample, as psutil.
        if let Ok(q) = formatted(s.counter as PDH_HCOUNTER) {
            s.avg = fold(s.avg, q);
        }
    }
}

/// Opens the query, adds the counter and registers the callback. On failure
/// nothing is kept, so the next call tries again (psutil retries too).
fn start() -> Result<Sampler> {
    let q = Query::open(QUEUE_COUNTER)?;
    let counter = q.add(QUEUE_COUNTER)?;
    // An unnamed auto-reset event (psutil's fixed name is shared across processes).
    // SAFETY: null attributes and name are allowed.
    let event: HANDLE = unsafe { CreateEventW(ptr::null(), 0, 0, ptr::null()) };
    if event.is_null() {
        return Err(last_error("CreateEventW"));
    }
    // SAFETY: the query is open and the event valid.
    let st = unsafe { PdhCollectQueryDataEx(q.0, SAMPLING_INTERVAL, event) };
    if st != 0 {
        return Err(unavailable("PdhCollectQueryDataEx", QUEUE_COUNTER, st));
    }
    let mut wait: HANDLE = ptr::null_mut();
    // SAFETY: wait is an out pointer, the event is valid, on_sample has the
    // WAITORTIMERCALLBACK signature and ignores its null context.
    let ok = unsafe {
        RegisterWaitForSingleObject(
            &mut wait,
            event,
            Some(on_sample),
            ptr::null(),
            INFINITE,
            WT_EXECUTEDEFAULT,
        )
    };
    if ok == 0 {
        return Err(last_error("RegisterWaitForSingleObject"));
    }
    // From here the system samples into the query for the life of the process.
    std::mem::forget(q);
    Ok(Sampler {
        counter: counter as usize,
        avg: [0.0; 3],
    })
}

/// Python's `round(x, 2)` (ties to even on the decimal), as psutil rounds.
fn round2(x: f64) -> f64 {
    format!("{x:.2}").parse().unwrap_or(x)
}

/// The 1, 5 and 15 minute averages, rounded to 2 decimals. The first call starts
/// the sampling, so the values are 0.0 at first and converge over minutes (psutil
/// #2063). Where the PDH counter is missing (Wine 8, disabled counters) the call
/// fails with [`crate::Error::Unsupported`] and the next call tries again.
pub(crate) fn getloadavg() -> Result<LoadAvg> {
    let mut guard = STATE.lock().unwrap_or_else(|p| p.into_inner());
    if guard.is_none() {
        *guard = Some(start()?);
    }
    let avg = guard.as_ref().map(|s| s.avg).unwrap_or([0.0; 3]);
    Ok(LoadAvg {
        one: round2(avg[0]),
        five: round2(avg[1]),
        fifteen: round2(avg[2]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::wine;

    #[test]
    fn fold_is_psutils_damping() {
        let a = fold([0.0; 3], 1.0);
        assert!((a[0] - (1.0 - 0.9200444146293232)).abs() < 1e-15);
        // Converges to a constant queue length.
        let mut a = [0.0; 3];
        for _ in 0..10_000 {
            a = fold(a, 2.0);
        }
        assert!(a.iter().all(|v| (v - 2.0).abs() < 1e-9), "{a:?}");
        assert_eq!(round2(1.23456), 1.23);
    }

    #[test]
    fn getloadavg_starts_at_zero_or_is_unsupported_under_wine() {
        match crate::getloadavg() {
            Ok((one, five, fifteen)) => {
                assert!(one >= 0.0 && five >= 0.0 && fifteen >= 0.0);
                assert!(wine::version().is_none(), "Wine 8 has no queue counter");
            }
            Err(e) => {
                // Wine 8 gap: PdhAddEnglishCounterW → PDH_CSTATUS_NO_COUNTER.
                assert!(e.is_unsupported(), "{e:?}");
                assert!(e.to_string().contains("Processor Queue Length"), "{e}");
                // Nothing was kept: the second call tries again and fails the same way.
                assert!(crate::getloadavg().is_err_and(|e| e.is_unsupported()));
            }
        }
    }
}
