//! Rust results to psutil's Python values: namedtuples (real
//! `collections.namedtuple` classes, made by `rpsutil/_ntuples.py` from the library's
//! per-OS field table), psutil's enums, and psutil's exceptions.
//!
//! The Python classes are looked up once per interpreter and kept here.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::exceptions::{PyNotImplementedError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde::Serialize;

use crate::value::{to_val, Val};

/// The Python classes results are built from.
struct Classes {
    /// namedtuple name -> (class, number of fields).
    ntuples: HashMap<String, (Py<PyAny>, usize)>,
    tuple_new: Py<PyAny>,
    address_family: Py<PyAny>,
    socket_kind: Py<PyAny>,
    nic_duplex: Py<PyAny>,
    battery_time: Py<PyAny>,
    io_priority: Py<PyAny>,
    negsignal: Py<PyAny>,
    exceptions: Py<PyAny>,
    /// Enum members already made, by (enum class, value): calling an IntEnum class
    /// runs Python code, and a connection list asks for two members per row.
    members: Mutex<HashMap<(usize, i64), Py<PyAny>>>,
}

static CLASSES: GILOnceCell<Classes> = GILOnceCell::new();

impl Classes {
    /// The namedtuple class `nt` and its number of fields.
    fn ntuple(&self, nt: &str) -> PyResult<&(Py<PyAny>, usize)> {
        self.ntuples
            .get(nt)
            .ok_or_else(|| PyRuntimeError::new_err(format!("rpsutil: no namedtuple {nt}")))
    }
}

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let nt = py.import("rpsutil._ntuples")?;
        let enums = py.import("rpsutil._enums")?;
        let socket = py.import("socket")?;
        let mut ntuples = HashMap::new();
        for (name, cls) in nt.getattr("NTUPLES")?.downcast::<PyDict>()?.iter() {
            let n = cls.getattr("_fields")?.len()?;
            ntuples.insert(name.extract::<String>()?, (cls.unbind(), n));
        }
        Ok(Classes {
            ntuples,
            tuple_new: py
                .import("builtins")?
                .getattr("tuple")?
                .getattr("__new__")?
                .unbind(),
            address_family: socket.getattr("AddressFamily")?.unbind(),
            socket_kind: socket.getattr("SocketKind")?.unbind(),
            nic_duplex: enums.getattr("NicDuplex")?.unbind(),
            battery_time: enums.getattr("BatteryTime")?.unbind(),
            io_priority: enums.getattr("IOPriority")?.unbind(),
            negsignal: enums.getattr("Negsignal")?.unbind(),
            exceptions: py.import("rpsutil._exceptions")?.unbind().into_any(),
            members: Mutex::new(HashMap::new()),
        })
    })
}

/// The Rust struct names (serde names) of nested values and their namedtuple.
fn nested_ntuple(struct_name: &str) -> Option<&'static str> {
    Some(match struct_name {
        "addr" => "addr",
        "pionice" => "pionice",
        _ => return None,
    })
}

/// An enum member for `v`, or `v` itself when the enum has no such member (as psutil
/// does for socket families and kinds it does not know).
fn enum_or_int<'py>(
    py: Python<'py>,
    cls: &Py<PyAny>,
    v: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let key = v.extract::<i64>().ok().map(|i| (cls.as_ptr() as usize, i));
    if let Some(key) = key {
        let members = classes(py)?
            .members
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(m) = members.get(&key) {
            return Ok(m.bind(py).clone());
        }
    }
    let member = match cls.bind(py).call1((&v,)) {
        Ok(m) => m,
        Err(e) if e.is_instance_of::<PyValueError>(py) => return Ok(v),
        Err(e) => return Err(e),
    };
    if let Some(key) = key {
        let mut members = classes(py)?
            .members
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        members.insert(key, member.clone().unbind());
    }
    Ok(member)
}

/// A plain Python value for `v` (structs inside become their namedtuple).
fn plain<'py>(py: Python<'py>, v: &Val) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Val::None => py.None().into_bound(py),
        Val::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Val::Int(i) => i.into_pyobject(py)?.into_any(),
        Val::UInt(u) => u.into_pyobject(py)?.into_any(),
        Val::Float(f) => f.into_pyobject(py)?.into_any(),
        Val::Str(s) => s.into_pyobject(py)?.into_any(),
        Val::Seq(items) => {
            let list = PyList::empty(py);
            for it in items {
                list.append(plain(py, it)?)?;
            }
            list.into_any()
        }
        Val::Map(entries) => {
            let d = PyDict::new(py);
            for (k, v) in entries {
                d.set_item(plain(py, k)?, plain(py, v)?)?;
            }
            d.into_any()
        }
        Val::Struct(name, fields) => match nested_ntuple(name) {
            Some(nt) => {
                let vals: Vec<&Val> = fields.iter().map(|(_, v)| v).collect();
                build(
                    py,
                    nt,
                    &fields.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
                    &vals,
                )?
            }
            None => {
                let d = PyDict::new(py);
                for (k, v) in fields {
                    d.set_item(k, plain(py, v)?)?;
                }
                d.into_any()
            }
        },
    })
}

/// The Python value of field `field` of namedtuple `nt`: psutil's enums where psutil
/// has them, `()` for an empty socket address.
fn field<'py>(py: Python<'py>, nt: &str, field: &str, v: &Val) -> PyResult<Bound<'py, PyAny>> {
    let c = classes(py)?;
    let value = plain(py, v)?;
    match (nt, field) {
        ("pconn" | "sconn" | "snicaddr", "family") => enum_or_int(py, &c.address_family, value),
        ("pconn" | "sconn", "type") => enum_or_int(py, &c.socket_kind, value),
        ("pconn" | "sconn", "laddr" | "raddr") if matches!(v, Val::Seq(_)) => {
            Ok(PyTuple::empty(py).into_any())
        }
        ("snicstats", "duplex") => enum_or_int(py, &c.nic_duplex, value),
        ("pionice", "ioclass") => enum_or_int(py, &c.io_priority, value),
        ("sbattery", "secsleft") if matches!(v, Val::Int(-2..=-1)) => {
            enum_or_int(py, &c.battery_time, value)
        }
        _ => Ok(value),
    }
}

/// Field values given as Python objects instead of from the serialised value
/// (paths, whose bytes serde's text cannot carry).
pub type Overrides<'a, 'py> = &'a [(&'static str, Bound<'py, PyAny>)];

/// Instantiates namedtuple `nt` from its fields in order.
fn build<'py>(
    py: Python<'py>,
    nt: &str,
    names: &[&str],
    vals: &[&Val],
) -> PyResult<Bound<'py, PyAny>> {
    build_with(py, nt, names, vals, &[])
}

/// [`build`] with some fields given as Python objects.
fn build_with<'py>(
    py: Python<'py>,
    nt: &str,
    names: &[&str],
    vals: &[&Val],
    overrides: Overrides<'_, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let c = classes(py)?;
    let (cls, n) = c.ntuple(nt)?;
    if *n != vals.len() {
        return Err(PyRuntimeError::new_err(format!(
            "rpsutil: {nt} has {n} fields, the library gave {} ({names:?})",
            vals.len()
        )));
    }
    let mut items = Vec::with_capacity(vals.len());
    for (name, v) in names.iter().zip(vals) {
        match overrides.iter().find(|(k, _)| k == name) {
            Some((_, o)) => items.push(o.clone()),
            None => items.push(field(py, nt, name, v)?),
        }
    }
    let tuple = PyTuple::new(py, items)?;
    c.tuple_new.bind(py).call1((cls.bind(py), tuple))
}

/// Namedtuple `nt` from a serialised struct (or a flattened struct's map).
fn ntuple_from_val<'py>(
    py: Python<'py>,
    nt: &str,
    v: &Val,
    overrides: Overrides<'_, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Val::Struct(_, fields) => {
            let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
            let vals: Vec<&Val> = fields.iter().map(|(_, v)| v).collect();
            build_with(py, nt, &names, &vals, overrides)
        }
        Val::Map(entries) => {
            let mut names = Vec::with_capacity(entries.len());
            for (k, _) in entries {
                match k {
                    Val::Str(s) => names.push(s.as_str()),
                    _ => return Err(PyRuntimeError::new_err("rpsutil: non-string field name")),
                }
            }
            let vals: Vec<&Val> = entries.iter().map(|(_, v)| v).collect();
            build_with(py, nt, &names, &vals, overrides)
        }
        // A value that is not a struct on this OS (Windows' bare ionice number).
        other => field(py, nt, "", other),
    }
}

fn ser<T: Serialize + ?Sized>(v: &T) -> PyResult<Val> {
    to_val(v).map_err(|e| PyRuntimeError::new_err(format!("rpsutil: {e}")))
}

/// `v` as psutil's namedtuple `nt`.
pub fn ntuple<'py, T: Serialize>(py: Python<'py>, nt: &str, v: &T) -> PyResult<Bound<'py, PyAny>> {
    ntuple_from_val(py, nt, &ser(v)?, &[])
}

/// [`ntuple`], or None (psutil's functions that return None when there is no such
/// device: disk and NIC counters, cpu_freq, sensors_battery).
pub fn ntuple_or_none<'py, T: Serialize>(
    py: Python<'py>,
    nt: &str,
    v: Option<T>,
) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Some(v) => ntuple(py, nt, &v),
        None => Ok(py.None().into_bound(py)),
    }
}

/// [`ntuple`] with some fields given as Python objects.
pub fn ntuple_with<'py, T: Serialize>(
    py: Python<'py>,
    nt: &str,
    v: &T,
    overrides: Overrides<'_, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    ntuple_from_val(py, nt, &ser(v)?, overrides)
}

/// A path as Python's `os.fsdecode` gives it (bytes that are not UTF-8 as
/// surrogate escapes, as psutil).
pub fn os_path<'py>(py: Python<'py>, p: &std::path::Path) -> PyResult<Bound<'py, PyAny>> {
    Ok(p.as_os_str().into_pyobject(py)?.into_any())
}

/// One socket row, as what `connections` needs of `pconn` and `sconn`.
pub struct ConnRow<'a> {
    /// The file descriptor.
    pub fd: i32,
    /// The address family.
    pub family: rpsutil::AddressFamily,
    /// The socket type.
    pub kind: rpsutil::SocketType,
    /// Local address.
    pub laddr: &'a rpsutil::Address,
    /// Remote address.
    pub raddr: &'a rpsutil::Address,
    /// TCP state.
    pub status: rpsutil::ConnStatus,
    /// `Some(owner)` for `sconn` (the `pid` field), None for `pconn`.
    pub pid: Option<Option<u32>>,
}

/// Connections as `pconn`/`sconn` namedtuples. Built field by field rather than
/// through the serde tree: system-wide `net_connections` returns thousands of rows,
/// and here the enum members, the status strings and the IP strings are made once
/// per call (one `127.0.0.1` string for every loopback row).
pub fn connections<'py, T>(
    py: Python<'py>,
    nt: &str,
    conns: &[T],
    row: impl Fn(&T) -> ConnRow<'_>,
) -> PyResult<Bound<'py, PyAny>> {
    let c = classes(py)?;
    let (cls, n) = c.ntuple(nt)?;
    let (addr_cls, _) = c.ntuple("addr")?;
    let (cls, addr_cls, tuple_new) = (cls.bind(py), addr_cls.bind(py), c.tuple_new.bind(py));
    let mut addrs: HashMap<(std::net::IpAddr, u16), Bound<'py, PyAny>> = HashMap::new();
    let mut statuses: HashMap<&'static str, Bound<'py, PyAny>> = HashMap::new();
    let mut families: HashMap<i32, Bound<'py, PyAny>> = HashMap::new();
    let mut kinds: HashMap<i32, Bound<'py, PyAny>> = HashMap::new();
    let empty = PyTuple::empty(py).into_any();
    // Rows share addresses (a server's local address, loopback peers): each
    // distinct one is made once per call.
    let mut address = |a: &rpsutil::Address| -> PyResult<Bound<'py, PyAny>> {
        match a {
            rpsutil::Address::Inet { ip, port } => {
                if let Some(t) = addrs.get(&(*ip, *port)) {
                    return Ok(t.clone());
                }
                let items = PyTuple::new(
                    py,
                    [
                        PyString::new(py, &ip.to_string()).into_any(),
                        port.into_pyobject(py)?.into_any(),
                    ],
                )?;
                let t = tuple_new.call1((addr_cls, items))?;
                addrs.insert((*ip, *port), t.clone());
                Ok(t)
            }
            rpsutil::Address::Unix(p) => os_path(py, p),
            rpsutil::Address::None => Ok(empty.clone()),
        }
    };
    let member = |cache: &mut HashMap<i32, Bound<'py, PyAny>>,
                  cls: &Py<PyAny>,
                  raw: i32|
     -> PyResult<Bound<'py, PyAny>> {
        if let Some(m) = cache.get(&raw) {
            return Ok(m.clone());
        }
        let m = enum_or_int(py, cls, raw.into_pyobject(py)?.into_any())?;
        cache.insert(raw, m.clone());
        Ok(m)
    };
    let list = PyList::empty(py);
    for conn in conns {
        let r = row(conn);
        let status = match statuses.get(r.status.as_str()) {
            Some(s) => s.clone(),
            None => {
                let s = PyString::intern(py, r.status.as_str()).into_any();
                statuses.insert(r.status.as_str(), s.clone());
                s
            }
        };
        let mut items = vec![
            r.fd.into_pyobject(py)?.into_any(),
            member(&mut families, &c.address_family, r.family.as_raw())?,
            member(&mut kinds, &c.socket_kind, r.kind.as_raw())?,
            address(r.laddr)?,
            address(r.raddr)?,
            status,
        ];
        if let Some(pid) = r.pid {
            items.push(match pid {
                Some(p) => p.into_pyobject(py)?.into_any(),
                None => py.None().into_bound(py),
            });
        }
        if items.len() != *n {
            return Err(PyRuntimeError::new_err(format!(
                "rpsutil: {nt} has {n} fields, the row has {}",
                items.len()
            )));
        }
        list.append(tuple_new.call1((cls, PyTuple::new(py, items)?))?)?;
    }
    Ok(list.into_any())
}

/// Grouped memory maps, paths with their bytes.
pub fn maps_grouped<'py>(
    py: Python<'py>,
    maps: &[rpsutil::MemoryMapGrouped],
) -> PyResult<Bound<'py, PyAny>> {
    let list = PyList::empty(py);
    for m in maps {
        list.append(ntuple_with(
            py,
            "pmmap_grouped",
            m,
            &[("path", os_path(py, &m.path)?)],
        )?)?;
    }
    Ok(list.into_any())
}

/// Every memory map, paths with their bytes.
pub fn maps_ext<'py>(py: Python<'py>, maps: &[rpsutil::MemoryMap]) -> PyResult<Bound<'py, PyAny>> {
    let list = PyList::empty(py);
    for m in maps {
        let path = os_path(py, &m.region.path)?;
        list.append(ntuple_with(py, "pmmap_ext", m, &[("path", path)])?)?;
    }
    Ok(list.into_any())
}

/// A list of namedtuples `nt`.
pub fn ntuple_list<'py, T: Serialize>(
    py: Python<'py>,
    nt: &str,
    vs: &[T],
) -> PyResult<Bound<'py, PyAny>> {
    let list = PyList::empty(py);
    for v in vs {
        list.append(ntuple(py, nt, v)?)?;
    }
    Ok(list.into_any())
}

/// A dict of namedtuples `nt` (keys as the map's).
pub fn ntuple_dict<'py, T: Serialize>(
    py: Python<'py>,
    nt: &str,
    m: impl IntoIterator<Item = (String, T)>,
) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    for (k, v) in m {
        d.set_item(k, ntuple(py, nt, &v)?)?;
    }
    Ok(d.into_any())
}

/// A dict of lists of namedtuples `nt`.
pub fn ntuple_dict_list<'py, T: Serialize>(
    py: Python<'py>,
    nt: &str,
    m: impl IntoIterator<Item = (String, Vec<T>)>,
) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    for (k, v) in m {
        d.set_item(k, ntuple_list(py, nt, &v)?)?;
    }
    Ok(d.into_any())
}

/// A plain value (no namedtuple at the top).
pub fn plain_value<'py, T: Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    plain(py, &ser(v)?)
}

/// A wait() status: the exit code, or `Negsignal` for a signal, as psutil on POSIX.
pub fn exit_code<'py>(
    py: Python<'py>,
    code: Option<rpsutil::ExitCode>,
) -> PyResult<Bound<'py, PyAny>> {
    match code {
        None => Ok(py.None().into_bound(py)),
        Some(rpsutil::ExitCode::Exited(c)) => Ok(c.into_pyobject(py)?.into_any()),
        Some(s @ rpsutil::ExitCode::Signaled(_)) => {
            let c = classes(py)?;
            let v = s.as_psutil().into_pyobject(py)?.into_any();
            enum_or_int(py, &c.negsignal, v)
        }
    }
}

/// A member of psutil's `IOPriority` enum.
pub fn io_priority<'py>(py: Python<'py>, raw: i32) -> PyResult<Bound<'py, PyAny>> {
    let c = classes(py)?;
    enum_or_int(py, &c.io_priority, raw.into_pyobject(py)?.into_any())
}

/// psutil's exception (or the builtin one) for a library error.
pub fn err(py: Python<'_>, e: rpsutil::Error) -> PyErr {
    match make_err(py, e) {
        Ok(e) => e,
        Err(e) => e,
    }
}

fn make_err(py: Python<'_>, e: rpsutil::Error) -> PyResult<PyErr> {
    use rpsutil::Error as E;
    let exc = classes(py)?.exceptions.bind(py);
    let raise = |cls: &str, args: Bound<'_, PyTuple>| -> PyResult<PyErr> {
        let inst = exc.getattr(cls)?.call1(args)?;
        Ok(PyErr::from_value(inst))
    };
    Ok(match e {
        E::NoSuchProcess { pid, name, msg } => {
            raise("NoSuchProcess", (pid, name, msg).into_pyobject(py)?)?
        }
        E::ZombieProcess {
            pid,
            name,
            ppid,
            msg,
        } => raise("ZombieProcess", (pid, name, ppid, msg).into_pyobject(py)?)?,
        E::AccessDenied { pid, name, msg } => {
            let msg = if msg.is_empty() { None } else { Some(msg) };
            raise("AccessDenied", (pid, name, msg).into_pyobject(py)?)?
        }
        E::TimeoutExpired { seconds, pid, name } => {
            raise("TimeoutExpired", (seconds, pid, name).into_pyobject(py)?)?
        }
        E::Unsupported { what } => PyNotImplementedError::new_err(what),
        E::InvalidInput { what } => PyValueError::new_err(what),
        E::Os { source, context } => match source.raw_os_error() {
            Some(code) => PyOSError::new_err((code, format!("{context}: {source}"))),
            None => PyOSError::new_err(format!("{context}: {source}")),
        },
        other => PyRuntimeError::new_err(other.to_string()),
    })
}

/// Converts a library result with `f`, or raises psutil's exception.
pub fn conv<'py, T>(
    py: Python<'py>,
    r: rpsutil::Result<T>,
    f: impl FnOnce(Python<'py>, T) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    match r {
        Ok(v) => f(py, v),
        Err(e) => Err(err(py, e)),
    }
}
