//! psutil's module-level functions on the library's system API. Each releases the
//! GIL while the library reads the system.

use std::collections::HashMap;
use std::sync::Mutex;
use std::thread::ThreadId;
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use rpsutil::{ConnKind, CpuSampler};

use crate::conv::{
    conv, err, ntuple, ntuple_dict, ntuple_dict_list, ntuple_list, ntuple_or_none, plain_value,
};

fn plain_owned<'py, T: serde::Serialize>(py: Python<'py>, v: T) -> PyResult<Bound<'py, PyAny>> {
    plain_value(py, &v)
}

/// An `interval` argument: None or a non-negative number (psutil's message).
fn interval_arg(interval: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Duration>> {
    let Some(i) = interval.filter(|i| !i.is_none()) else {
        return Ok(None);
    };
    let v: f64 = i.extract()?;
    if v < 0.0 || v.is_nan() {
        return Err(PyValueError::new_err(format!(
            "interval is not positive (got {})",
            i.repr()?
        )));
    }
    Ok(Some(Duration::from_secs_f64(v)).filter(|d| !d.is_zero()))
}

/// The list of current pids, sorted.
#[pyfunction]
pub fn pids(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    conv(py, py.allow_threads(rpsutil::pids), |py, v| {
        Ok(PyList::new(py, v)?.into_any())
    })
}

/// True if a process with this pid exists (psutil's checks for the argument).
#[pyfunction]
pub fn pid_exists(py: Python<'_>, pid: &Bound<'_, PyAny>) -> PyResult<bool> {
    let v: i64 = pid.extract()?;
    if v < 0 {
        return Ok(false);
    }
    let Ok(v) = u32::try_from(v) else {
        return Ok(false);
    };
    Ok(py.allow_threads(|| rpsutil::pid_exists(v)))
}

#[pyfunction]
#[pyo3(signature = (logical=true))]
pub fn cpu_count(py: Python<'_>, logical: bool) -> PyResult<Option<u32>> {
    py.allow_threads(|| rpsutil::cpu_count(logical))
        .map_err(|e| err(py, e))
}

#[pyfunction]
#[pyo3(signature = (percpu=false))]
pub fn cpu_times(py: Python<'_>, percpu: bool) -> PyResult<Bound<'_, PyAny>> {
    if percpu {
        conv(py, py.allow_threads(rpsutil::cpu_times_percpu), |py, v| {
            ntuple_list(py, "scputimes", &v)
        })
    } else {
        conv(py, py.allow_threads(rpsutil::cpu_times), |py, v| {
            ntuple(py, "scputimes", &v)
        })
    }
}

/// psutil keeps the last sample per thread, separately for cpu_percent and
/// cpu_times_percent.
static SAMPLERS: Mutex<Option<HashMap<(ThreadId, bool), CpuSampler>>> = Mutex::new(None);

/// Runs `f` on this thread's sampler for `times` (cpu_times_percent) or not: after
/// `interval` from a fresh sample, or since the last call (a fresh sample on the
/// first call of a thread, as psutil's `_last_cpu_times.get(tid) or cpu_times()`).
fn sampled<T: Send>(
    py: Python<'_>,
    times: bool,
    interval: Option<Duration>,
    f: impl Fn(&mut CpuSampler) -> rpsutil::Result<T> + Send + Sync,
) -> rpsutil::Result<T> {
    py.allow_threads(|| {
        let key = (std::thread::current().id(), times);
        let mut sampler = match interval {
            Some(d) => {
                let s = CpuSampler::new()?;
                std::thread::sleep(d);
                s
            }
            None => {
                let known = SAMPLERS
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert_with(HashMap::new)
                    .remove(&key);
                match known {
                    Some(s) => s,
                    None => CpuSampler::new()?,
                }
            }
        };
        let out = f(&mut sampler);
        SAMPLERS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(HashMap::new)
            .insert(key, sampler);
        out
    })
}

/// Takes the importing thread's first samples, as psutil does at import.
pub fn prime_samplers(py: Python<'_>) {
    let _ = sampled(py, false, None, |_| Ok(()));
    let _ = sampled(py, true, None, |_| Ok(()));
}

#[pyfunction]
#[pyo3(signature = (interval=None, percpu=false))]
pub fn cpu_percent<'py>(
    py: Python<'py>,
    interval: Option<&Bound<'py, PyAny>>,
    percpu: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let interval = interval_arg(interval)?;
    if percpu {
        conv(
            py,
            sampled(py, false, interval, CpuSampler::percent_percpu),
            plain_owned,
        )
    } else {
        conv(
            py,
            sampled(py, false, interval, CpuSampler::percent),
            plain_owned,
        )
    }
}

#[pyfunction]
#[pyo3(signature = (interval=None, percpu=false))]
pub fn cpu_times_percent<'py>(
    py: Python<'py>,
    interval: Option<&Bound<'py, PyAny>>,
    percpu: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let interval = interval_arg(interval)?;
    if percpu {
        conv(
            py,
            sampled(py, true, interval, CpuSampler::times_percent_percpu),
            |py, v| ntuple_list(py, "scputimes", &v),
        )
    } else {
        conv(
            py,
            sampled(py, true, interval, CpuSampler::times_percent),
            |py, v| ntuple(py, "scputimes", &v),
        )
    }
}

#[pyfunction]
pub fn cpu_stats(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    conv(py, py.allow_threads(rpsutil::cpu_stats), |py, v| {
        ntuple(py, "scpustats", &v)
    })
}

#[pyfunction]
#[pyo3(signature = (percpu=false))]
pub fn cpu_freq(py: Python<'_>, percpu: bool) -> PyResult<Bound<'_, PyAny>> {
    if percpu {
        conv(py, py.allow_threads(rpsutil::cpu_freq_percpu), |py, v| {
            ntuple_list(py, "scpufreq", &v)
        })
    } else {
        conv(py, py.allow_threads(rpsutil::cpu_freq), |py, v| {
            ntuple_or_none(py, "scpufreq", v)
        })
    }
}

#[pyfunction]
pub fn getloadavg(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    conv(py, py.allow_threads(rpsutil::getloadavg), |py, v| {
        Ok(v.into_pyobject(py)?.into_any())
    })
}

#[pyfunction]
pub fn virtual_memory(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    conv(py, py.allow_threads(rpsutil::virtual_memory), |py, v| {
        ntuple(py, "svmem", &v)
    })
}

#[pyfunction]
pub fn swap_memory(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    conv(py, py.allow_threads(rpsutil::swap_memory), |py, v| {
        ntuple(py, "sswap", &v)
    })
}

#[pyfunction]
pub fn disk_usage<'py>(py: Python<'py>, path: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    // str, bytes or os.PathLike, as os.statvfs accepts.
    let path: std::path::PathBuf = py
        .import("os")?
        .getattr("fsdecode")?
        .call1((path,))?
        .extract()?;
    conv(
        py,
        py.allow_threads(|| rpsutil::disk_usage(&path)),
        |py, v| ntuple(py, "sdiskusage", &v),
    )
}

#[pyfunction]
#[pyo3(signature = (all=false))]
pub fn disk_partitions(py: Python<'_>, all: bool) -> PyResult<Bound<'_, PyAny>> {
    conv(
        py,
        py.allow_threads(|| rpsutil::disk_partitions(all)),
        |py, v| ntuple_list(py, "sdiskpart", &v),
    )
}

#[pyfunction]
#[pyo3(signature = (perdisk=false, nowrap=true))]
pub fn disk_io_counters(py: Python<'_>, perdisk: bool, nowrap: bool) -> PyResult<Bound<'_, PyAny>> {
    if perdisk {
        conv(
            py,
            py.allow_threads(|| rpsutil::disk_io_counters_perdisk(nowrap)),
            |py, v| ntuple_dict(py, "sdiskio", v),
        )
    } else {
        conv(
            py,
            py.allow_threads(|| rpsutil::disk_io_counters(nowrap)),
            |py, v| ntuple_or_none(py, "sdiskio", v),
        )
    }
}

#[pyfunction]
pub fn disk_io_counters_cache_clear() {
    rpsutil::disk_io_counters_cache_clear();
}

#[pyfunction]
#[pyo3(signature = (pernic=false, nowrap=true))]
pub fn net_io_counters(py: Python<'_>, pernic: bool, nowrap: bool) -> PyResult<Bound<'_, PyAny>> {
    if pernic {
        conv(
            py,
            py.allow_threads(|| rpsutil::net_io_counters_pernic(nowrap)),
            |py, v| ntuple_dict(py, "snetio", v),
        )
    } else {
        conv(
            py,
            py.allow_threads(|| rpsutil::net_io_counters(nowrap)),
            |py, v| ntuple_or_none(py, "snetio", v),
        )
    }
}

#[pyfunction]
pub fn net_io_counters_cache_clear() {
    rpsutil::net_io_counters_cache_clear();
}

#[pyfunction]
#[pyo3(signature = (kind=None))]
pub fn net_connections<'py>(
    py: Python<'py>,
    kind: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = conn_kind(kind)?;
    conv(
        py,
        py.allow_threads(|| rpsutil::net_connections(kind, true)),
        |py, v| crate::conv::connections(py, "sconn", &v, sconn_row),
    )
}

/// A `kind` argument (default "inet").
pub fn conn_kind(kind: Option<&Bound<'_, PyAny>>) -> PyResult<ConnKind> {
    let Some(kind) = kind else {
        return Ok(ConnKind::Inet);
    };
    let s: String = kind.extract().map_err(|_| kind_error(kind))?;
    s.parse().map_err(|_| kind_error(kind))
}

/// psutil's message for a bad `kind` (the repr of what was given).
pub fn kind_error(kind: &Bound<'_, PyAny>) -> PyErr {
    let valid: Vec<String> = ConnKind::ALL
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    let shown = kind.repr().map(|r| r.to_string()).unwrap_or_default();
    PyValueError::new_err(format!(
        "invalid kind argument {shown}; valid ones are: {}",
        valid.join(", ")
    ))
}

#[pyfunction]
pub fn net_if_addrs(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    conv(py, py.allow_threads(rpsutil::net_if_addrs), |py, v| {
        ntuple_dict_list(py, "snicaddr", v)
    })
}

#[pyfunction]
pub fn net_if_stats(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    conv(py, py.allow_threads(rpsutil::net_if_stats), |py, v| {
        ntuple_dict(py, "snicstats", v)
    })
}

#[pyfunction]
#[pyo3(signature = (fahrenheit=false))]
pub fn sensors_temperatures(py: Python<'_>, fahrenheit: bool) -> PyResult<Bound<'_, PyAny>> {
    conv(
        py,
        py.allow_threads(|| rpsutil::sensors_temperatures(fahrenheit)),
        |py, v| ntuple_dict_list(py, "shwtemp", v),
    )
}

#[pyfunction]
pub fn sensors_fans(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    conv(py, py.allow_threads(rpsutil::sensors_fans), |py, v| {
        ntuple_dict_list(py, "sfan", v)
    })
}

#[pyfunction]
pub fn sensors_battery(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    conv(py, py.allow_threads(rpsutil::sensors_battery), |py, v| {
        ntuple_or_none(py, "sbattery", v)
    })
}

#[pyfunction]
pub fn boot_time(py: Python<'_>) -> PyResult<f64> {
    py.allow_threads(rpsutil::boot_time).map_err(|e| err(py, e))
}

#[pyfunction]
pub fn users(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    conv(py, py.allow_threads(rpsutil::users), |py, v| {
        ntuple_list(py, "suser", &v)
    })
}

#[pyfunction]
pub fn heap_info(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    conv(py, py.allow_threads(rpsutil::heap_info), |py, v| {
        ntuple(py, "pheap", &v)
    })
}

#[pyfunction]
pub fn heap_trim(py: Python<'_>) -> PyResult<()> {
    py.allow_threads(rpsutil::heap_trim).map_err(|e| err(py, e))
}

/// The procfs mount point the library reads (psutil's `PROCFS_PATH`).
#[pyfunction]
pub fn get_procfs_path() -> String {
    rpsutil::procfs_path().to_string_lossy().into_owned()
}

/// Points the library at another procfs mount.
#[pyfunction]
pub fn set_procfs_path(path: std::path::PathBuf) {
    rpsutil::set_procfs_path(path);
}

/// Checks a `wait_procs` timeout the way psutil does.
#[pyfunction]
pub fn _check_timeout(t: &Bound<'_, PyAny>) -> PyResult<()> {
    if t.is_none() {
        return Ok(());
    }
    let v: f64 = t.extract().map_err(|_| {
        PyTypeError::new_err(format!("timeout must be a positive integer, got {t}"))
    })?;
    if v < 0.0 {
        return Err(PyValueError::new_err(format!(
            "timeout must be a positive integer, got {t}"
        )));
    }
    Ok(())
}

/// An `sconn` row.
fn sconn_row(c: &rpsutil::SystemConnection) -> crate::conv::ConnRow<'_> {
    crate::conv::ConnRow {
        fd: c.fd,
        family: c.family,
        kind: c.kind,
        laddr: &c.laddr,
        raddr: &c.raddr,
        status: c.status,
        pid: Some(c.pid),
    }
}
