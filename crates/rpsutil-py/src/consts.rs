//! The OS-dependent constants psutil exports: platform flags, `RLIMIT_*`,
//! `IOPRIO_*` values, `AF_LINK`, and the tables the Python layer builds its
//! namedtuples and attribute availability from.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use rpsutil::capabilities::{capabilities, Kind};
use rpsutil::types::fields::{fields, Os, NAMEDTUPLES};
use rpsutil::{IoPriorityClass, Resource};

/// The resource with this OS number.
pub fn resource_from_raw(raw: i32) -> Option<Resource> {
    Resource::available()
        .into_iter()
        .find(|r| r.as_raw() == Some(raw))
}

/// `{name: value}` of this OS's `RLIMIT_*` constants.
#[pyfunction]
pub fn _rlimits(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    for r in Resource::available() {
        if let Some(raw) = r.as_raw() {
            d.set_item(r.name(), raw)?;
        }
    }
    Ok(d)
}

/// `[(name, value)]` of this OS's I/O priority classes (psutil's `IOPriority`).
#[pyfunction]
pub fn _ioprio_classes(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let items: Vec<(&str, i32)> = IoPriorityClass::of_this_os()
        .iter()
        .map(|c| (c.name(), c.as_raw()))
        .collect();
    PyList::new(py, items)
}

/// `{namedtuple: [field, ...]}` for this OS (the library's per-OS field table).
#[pyfunction]
pub fn _ntuple_fields(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    let Some(os) = Os::current() else {
        return Ok(d);
    };
    for name in NAMEDTUPLES {
        if let Some(f) = fields(name, os) {
            d.set_item(name, f.to_vec())?;
        }
    }
    Ok(d)
}

/// `(functions, methods)`: the names psutil has on this OS that this build
/// implements (psutil expresses availability by attribute presence).
#[pyfunction]
pub fn _available(py: Python<'_>) -> PyResult<(Bound<'_, PyList>, Bound<'_, PyList>)> {
    let mut funcs = Vec::new();
    let mut methods = Vec::new();
    for (cap, ok) in capabilities() {
        if !ok {
            continue;
        }
        match cap.kind {
            Kind::Function | Kind::Constant => funcs.push(cap.name),
            Kind::Method => methods.push(cap.name),
        }
    }
    Ok((PyList::new(py, funcs)?, PyList::new(py, methods)?))
}

/// Every capability row psutil has anywhere: (kind, name).
#[pyfunction]
pub fn _all_capabilities(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let rows: Vec<(&str, &str)> = capabilities()
        .map(|(c, _)| {
            let kind = match c.kind {
                Kind::Function => "function",
                Kind::Method => "method",
                Kind::Constant => "constant",
            };
            (kind, c.name)
        })
        .collect();
    PyList::new(py, rows)
}

/// Registers the platform flags and `AF_LINK`.
pub fn add_flags(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("POSIX", rpsutil::POSIX)?;
    m.add("WINDOWS", rpsutil::WINDOWS)?;
    m.add("LINUX", rpsutil::LINUX)?;
    m.add("MACOS", rpsutil::MACOS)?;
    m.add("OSX", rpsutil::MACOS)?;
    m.add("FREEBSD", rpsutil::FREEBSD)?;
    m.add("OPENBSD", rpsutil::OPENBSD)?;
    m.add("NETBSD", rpsutil::NETBSD)?;
    m.add("BSD", rpsutil::BSD)?;
    m.add("SUNOS", rpsutil::SUNOS)?;
    m.add("AIX", rpsutil::AIX)?;
    m.add("_AF_LINK", rpsutil::AddressFamily::Link.as_raw())?;
    m.add("RLIM_INFINITY", rpsutil::RLIM_INFINITY)?;
    Ok(())
}
