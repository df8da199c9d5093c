//! `rpsutil.Process`: psutil's Process on [`rpsutil::Process`].
//!
//! The Rust class is the base of a two-line Python class (`rpsutil/__init__.py`)
//! whose `__init__` calls `_init(pid)`, as psutil's does: that keeps subclasses that
//! call `super().__init__(pid)` working (PyO3 cannot define `__init__`).
//! Every call releases the GIL while the library reads the system.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFrozenSet, PyList, PySet, PyString, PyTuple};

use rpsutil::{Attr, Field, IoPriorityClass, MemType, Process, Rlimit};

use crate::conv::{conv, err, exit_code, io_priority, ntuple, ntuple_list, plain_value};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The state `_init` sets up.
#[derive(Default)]
struct Slots {
    /// psutil's `_create_time` (writable: tests overwrite it).
    create_time: Option<f64>,
    /// psutil's `_ident`, compared by `==` and hashed.
    ident: Option<Py<PyAny>>,
    /// psutil's `_exitcode` once `wait()` returned.
    exitcode: Option<i32>,
}

/// The Rust base of `rpsutil.Process`.
#[pyclass(
    module = "rpsutil",
    name = "_ProcessBase",
    subclass,
    dict,
    weakref,
    frozen
)]
pub struct PyProcess {
    proc: RwLock<Option<Process>>,
    /// psutil's `_pid` (writable).
    pid: Mutex<i64>,
    slots: Mutex<Slots>,
}

/// A pid argument: psutil's checks and messages.
fn pid_arg(py: Python<'_>, pid: Option<&Bound<'_, PyAny>>) -> PyResult<u32> {
    let Some(pid) = pid.filter(|p| !p.is_none()) else {
        return Ok(std::process::id());
    };
    if pid.is_instance_of::<pyo3::types::PyBool>() || !pid.is_instance_of::<pyo3::types::PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "pid must be an integer (got {})",
            pid.repr()?
        )));
    }
    if pid.lt(0)? {
        return Err(PyValueError::new_err(format!(
            "pid must be a positive integer (got {pid})"
        )));
    }
    match pid.extract::<u32>() {
        Ok(p) if i32::try_from(p).is_ok() => Ok(p),
        _ => {
            let big: i128 = pid.extract().unwrap_or(i128::MAX);
            let shown = u32::try_from(big).unwrap_or(u32::MAX);
            Err(err(
                py,
                rpsutil::Error::NoSuchProcess {
                    pid: shown,
                    name: None,
                    msg: "process PID out of range".into(),
                },
            ))
        }
    }
}

fn secs(py: Python<'_>, what: &str, v: &Bound<'_, PyAny>) -> PyResult<f64> {
    let _ = py;
    if v.is_instance_of::<pyo3::types::PyBool>()
        || !(v.is_instance_of::<pyo3::types::PyInt>() || v.is_instance_of::<pyo3::types::PyFloat>())
    {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an int or float (got {})",
            v.get_type().repr()?
        )));
    }
    v.extract()
}

/// The names `as_dict` accepts on this OS.
fn attr_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Attr::all().iter().map(|a| a.as_str()).collect();
    if !v.contains(&"pid") {
        v.push("pid");
    }
    v
}

impl PyProcess {
    fn proc(&self, py: Python<'_>) -> PyResult<Process> {
        self.proc
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| {
                let _ = py;
                PyValueError::new_err("Process object not initialised (call _init)")
            })
    }

    /// Runs `f` on the library handle with the GIL released.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Process) -> rpsutil::Result<T> + Send,
    ) -> PyResult<rpsutil::Result<T>> {
        let p = self.proc(py)?;
        Ok(py.allow_threads(|| f(&p)))
    }

    /// A new `rpsutil.Process` (the Python class) for a library handle.
    fn wrap<'py>(py: Python<'py>, p: Process) -> PyResult<Bound<'py, PyAny>> {
        let cls = py.import("rpsutil")?.getattr("Process")?;
        let obj = cls.call_method1("__new__", (&cls,))?;
        let base = obj.downcast::<PyProcess>()?.get();
        base.install(py, p)?;
        Ok(obj)
    }

    fn install(&self, py: Python<'_>, p: Process) -> PyResult<()> {
        let ident = ident_of(py, &p)?;
        *lock(&self.pid) = i64::from(p.pid());
        *self.proc.write().unwrap_or_else(|e| e.into_inner()) = Some(p);
        *lock(&self.slots) = Slots {
            ident: Some(ident),
            ..Slots::default()
        };
        Ok(())
    }

    fn wrap_list<'py>(py: Python<'py>, ps: Vec<Process>) -> PyResult<Bound<'py, PyAny>> {
        let list = PyList::empty(py);
        for p in ps {
            list.append(Self::wrap(py, p)?)?;
        }
        Ok(list.into_any())
    }
}

/// psutil's `_ident`: (pid, a token of the start time) — equal for two handles on
/// the same process, different once the pid is reused.
fn ident_of(py: Python<'_>, p: &Process) -> PyResult<Py<PyAny>> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    p.hash(&mut h);
    Ok((p.pid(), h.finish()).into_pyobject(py)?.into_any().unbind())
}

#[pymethods]
impl PyProcess {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn py_new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        PyProcess {
            proc: RwLock::new(None),
            pid: Mutex::new(-1),
            slots: Mutex::new(Slots::default()),
        }
    }

    /// (Re)initialises the object on `pid` (None: the calling process). With
    /// `_ignore_nsp`, a pid that does not exist gives an object whose calls raise
    /// NoSuchProcess, as psutil's.
    #[pyo3(signature = (pid, _ignore_nsp=false))]
    fn _init(
        &self,
        py: Python<'_>,
        pid: Option<&Bound<'_, PyAny>>,
        _ignore_nsp: bool,
    ) -> PyResult<()> {
        let pid = pid_arg(py, pid)?;
        let r = py.allow_threads(|| {
            if _ignore_nsp {
                Process::new_unchecked(pid)
            } else {
                Process::new(pid)
            }
        });
        match r {
            Ok(p) => self.install(py, p),
            Err(e) => Err(err(py, e)),
        }
    }

    /// The process id.
    #[getter]
    fn pid(&self) -> i64 {
        *lock(&self.pid)
    }

    #[getter(_pid)]
    fn get_pid_slot(&self) -> i64 {
        *lock(&self.pid)
    }

    #[setter(_pid)]
    fn set_pid_slot(&self, v: i64) {
        *lock(&self.pid) = v;
    }

    #[getter(_name)]
    fn get_name_slot(&self, py: Python<'_>) -> PyResult<Option<String>> {
        Ok(self.proc(py)?.known_name())
    }

    /// psutil keeps no parent pid on POSIX (`_ppid` is None there).
    #[getter(_ppid)]
    fn get_ppid_slot(&self) -> Option<u32> {
        None
    }

    #[getter(_create_time)]
    fn get_ctime_slot(&self) -> Option<f64> {
        lock(&self.slots).create_time
    }

    #[setter(_create_time)]
    fn set_ctime_slot(&self, v: Option<f64>) {
        lock(&self.slots).create_time = v;
    }

    #[getter(_ident)]
    fn get_ident(&self, py: Python<'_>) -> Py<PyAny> {
        lock(&self.slots)
            .ident
            .as_ref()
            .map_or_else(|| py.None(), |i| i.clone_ref(py))
    }

    #[setter(_ident)]
    fn set_ident(&self, v: Py<PyAny>) {
        lock(&self.slots).ident = Some(v);
    }

    #[getter(_exitcode)]
    fn get_exitcode(&self) -> Option<i32> {
        lock(&self.slots).exitcode
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let Ok(other) = other.downcast::<PyProcess>() else {
            return Ok(py.NotImplemented());
        };
        let a = self.get_ident(py);
        let b = other.get().get_ident(py);
        Ok(a.bind(py)
            .eq(b.bind(py))?
            .into_pyobject(py)?
            .to_owned()
            .into_any()
            .unbind())
    }

    fn __ne__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let eq = self.__eq__(py, other)?;
        if eq.is(py.NotImplemented()) {
            return Ok(eq);
        }
        let v = !eq.bind(py).is_truthy()?;
        Ok(v.into_pyobject(py)?.to_owned().into_any().unbind())
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.get_ident(py).bind(py).hash()
    }

    /// `module.Class(pid=…, name=…, status=…, started=…)`, as psutil.
    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let me = slf.get();
        let p = me.proc(py)?;
        let mut parts = vec![format!("pid={}", me.pid())];
        // Through Python, so that subclasses' (and mocks') name() and status() count.
        let shot = p.oneshot_guard();
        let exc = py.import("rpsutil._exceptions")?;
        let name = slf.call_method0("name");
        let status = name
            .as_ref()
            .map_err(|e| e.clone_ref(py))
            .and_then(|_| slf.call_method0("status"));
        drop(shot);
        match (name, status) {
            (Ok(n), Ok(s)) => {
                parts.push(format!("name={}", n.repr()?));
                parts.push(format!("status={}", s.repr()?));
            }
            (Err(e), _) | (_, Err(e)) => {
                if let Some(n) = p.known_name() {
                    parts.push(format!("name={}", PyString::new(py, &n).repr()?));
                }
                if e.is_instance(py, &exc.getattr("ZombieProcess")?) {
                    parts.push("status='zombie'".into());
                } else if e.is_instance(py, &exc.getattr("NoSuchProcess")?) {
                    parts.push("status='terminated'".into());
                } else if !e.is_instance(py, &exc.getattr("AccessDenied")?) {
                    return Err(e);
                }
            }
        }
        if let Some(code) = lock(&me.slots).exitcode {
            parts.push(format!("exitcode={code}"));
        }
        if let Some(ct) = lock(&me.slots).create_time {
            let started = py
                .import("rpsutil._common")?
                .getattr("pprint_secs")?
                .call1((ct,))?
                .extract::<String>()?;
            parts.push(format!("started='{started}'"));
        }
        let cls = slf.get_type();
        Ok(format!(
            "{}.{}({})",
            cls.getattr("__module__")?.extract::<String>()?,
            cls.name()?,
            parts.join(", ")
        ))
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        Self::__str__(slf)
    }

    /// A context manager reading the shared sources once (psutil's `oneshot()`).
    fn oneshot(&self, py: Python<'_>) -> PyResult<Oneshot> {
        Ok(Oneshot {
            proc: self.proc(py)?,
            guards: Mutex::new(Vec::new()),
        })
    }

    /// psutil's `as_dict(attrs=None, ad_value=None)`. Attributes that a subclass
    /// (or a test's mock) overrides in Python are read through Python, as psutil's
    /// `getattr(self, name)()`; the others in one library snapshot.
    #[pyo3(signature = (attrs=None, ad_value=None))]
    fn as_dict<'py>(
        slf: &Bound<'py, Self>,
        attrs: Option<&Bound<'py, PyAny>>,
        ad_value: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let wanted = parse_attrs(attrs)?;
        let explicit = !wanted.is_empty();
        let ad_value = ad_value.unwrap_or_else(|| py.None());
        let all: Vec<Attr> = if explicit {
            wanted
        } else {
            Attr::all().to_vec()
        };
        let base = py.get_type::<PyProcess>();
        let cls = slf.get_type();
        let mut native = Vec::with_capacity(all.len());
        let mut overridden = Vec::new();
        for a in all {
            let name = a.as_str();
            let mine = cls.getattr(name).ok();
            let theirs = base.getattr(name).ok();
            match (mine, theirs) {
                (Some(m), Some(t)) if !m.is(&t) && name != "pid" => overridden.push(a),
                _ => native.push(a),
            }
        }
        let me = slf.get();
        let shot = me.proc(py)?.oneshot_guard();
        let info = if native.is_empty() {
            None
        } else {
            let info = me.run(py, |p| p.as_dict(&native))?;
            Some(info.map_err(|e| err(py, e))?)
        };
        let d = match &info {
            Some(info) => info_dict(py, info, &ad_value, explicit, &me.proc(py)?)?,
            None => PyDict::new(py).into_any(),
        };
        let exc = py.import("rpsutil._exceptions")?;
        let (ad, zombie) = (exc.getattr("AccessDenied")?, exc.getattr("ZombieProcess")?);
        for a in overridden {
            match slf.call_method0(a.as_str()) {
                Ok(v) => d.set_item(a.as_str(), v)?,
                Err(e) if e.is_instance(py, &ad) || e.is_instance(py, &zombie) => {
                    d.set_item(a.as_str(), ad_value.clone_ref(py))?
                }
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyNotImplementedError>(py) => {
                    if explicit {
                        return Err(e);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        drop(shot);
        Ok(d)
    }

    /// The parent process, or None (pid-reuse checked by comparing start times).
    fn parent<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.parent())?, |py, v| match v {
            Some(p) => Self::wrap(py, p),
            None => Ok(py.None().into_bound(py)),
        })
    }

    /// Every ancestor, nearest first.
    fn parents<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.parents())?, Self::wrap_list)
    }

    /// False once the process ended or its pid was reused.
    fn is_running(&self, py: Python<'_>) -> PyResult<bool> {
        let p = self.proc(py)?;
        Ok(py.allow_threads(|| p.is_running()))
    }

    fn ppid<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.ppid())?, plain_value_owned)
    }

    fn name<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.name_os())?, |py, v| {
            Ok(v.into_pyobject(py)?.into_any())
        })
    }

    fn exe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.exe())?, |py, v| {
            Ok(v.into_os_string().into_pyobject(py)?.into_any())
        })
    }

    fn cmdline<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.cmdline_os())?, |py, v| {
            Ok(PyList::new(py, v)?.into_any())
        })
    }

    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.status())?, |py, s| {
            Ok(PyString::new(py, s.as_str()).into_any())
        })
    }

    fn username<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.username())?, plain_value_owned)
    }

    /// The start time (seconds since the epoch), cached in `_create_time`.
    fn create_time(&self, py: Python<'_>) -> PyResult<f64> {
        if let Some(ct) = lock(&self.slots).create_time {
            return Ok(ct);
        }
        let ct = self.run(py, |p| p.create_time())?.map_err(|e| err(py, e))?;
        lock(&self.slots).create_time = Some(ct);
        Ok(ct)
    }

    fn cwd<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.cwd())?, |py, v| {
            Ok(v.into_os_string().into_pyobject(py)?.into_any())
        })
    }

    /// Gets the nice value, or sets it when `value` is given.
    #[pyo3(signature = (value=None))]
    fn nice<'py>(&self, py: Python<'py>, value: Option<i32>) -> PyResult<Bound<'py, PyAny>> {
        match value {
            None => conv(py, self.run(py, |p| p.nice())?, plain_value_owned),
            Some(v) => conv(py, self.run(py, |p| p.set_nice(v))?, none),
        }
    }

    fn uids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.uids())?, |py, v| {
            ntuple(py, "puids", &v)
        })
    }

    fn gids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.gids())?, |py, v| {
            ntuple(py, "pgids", &v)
        })
    }

    fn terminal<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.terminal())?, plain_value_owned)
    }

    fn num_fds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.num_fds())?, plain_value_owned)
    }

    fn io_counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.io_counters())?, |py, v| {
            ntuple(py, "pio", &v)
        })
    }

    /// Gets the I/O priority, or sets it (`ioclass`, `value`).
    #[pyo3(signature = (ioclass=None, value=None))]
    fn ionice<'py>(
        &self,
        py: Python<'py>,
        ioclass: Option<&Bound<'py, PyAny>>,
        value: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ioclass = ioclass.filter(|c| !c.is_none());
        let value = value.filter(|v| !v.is_none());
        let Some(ioclass) = ioclass else {
            if value.is_some() {
                return Err(PyValueError::new_err(
                    "'ioclass' argument must be specified",
                ));
            }
            return conv(py, self.run(py, |p| p.ionice())?, |py, v| {
                ntuple(py, "pionice", &v)
            });
        };
        let raw: i32 = ioclass.extract()?;
        let class = IoPriorityClass::from_raw(raw)
            .filter(|c| IoPriorityClass::of_this_os().contains(c))
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "{} is not a valid IOPriority",
                    ioclass.repr().map(|r| r.to_string()).unwrap_or_default()
                ))
            })?;
        let value: Option<i32> = value.map(|v| v.extract()).transpose()?;
        if let Some(v) = value {
            if v != 0 && matches!(class, IoPriorityClass::Idle | IoPriorityClass::None) {
                let shown = io_priority(py, raw)?.repr()?.to_string();
                return Err(PyValueError::new_err(format!(
                    "{shown} ioclass accepts no value"
                )));
            }
            if !(0..=7).contains(&v) {
                return Err(PyValueError::new_err("value not in 0-7 range"));
            }
        }
        conv(py, self.run(py, |p| p.set_ionice(class, value))?, none)
    }

    /// Gets (soft, hard) of `resource`, or sets it to `limits`.
    #[pyo3(signature = (resource, limits=None))]
    fn rlimit<'py>(
        &self,
        py: Python<'py>,
        resource: i32,
        limits: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if *lock(&self.pid) == 0 {
            return Err(PyValueError::new_err(
                "can't use prlimit() against PID 0 process",
            ));
        }
        let res = crate::consts::resource_from_raw(resource)
            .ok_or_else(|| PyValueError::new_err("invalid resource specified"))?;
        match limits.filter(|l| !l.is_none()) {
            None => conv(py, self.run(py, |p| p.rlimit(res))?, |py, r| {
                Ok((r.soft(), r.hard()).into_pyobject(py)?.into_any())
            }),
            Some(l) => {
                let n = l.len()?;
                if n != 2 {
                    return Err(PyValueError::new_err(format!(
                        "second argument must be a (soft, hard) tuple, got {}",
                        l.repr()?
                    )));
                }
                let (soft, hard): (i64, i64) = l.extract()?;
                conv(
                    py,
                    self.run(py, move |p| p.set_rlimit(res, Rlimit(soft, hard)))?,
                    none,
                )
            }
        }
    }

    /// Gets the CPUs the process may run on, or sets them (`[]`: every eligible CPU).
    #[pyo3(signature = (cpus=None))]
    fn cpu_affinity<'py>(
        &self,
        py: Python<'py>,
        cpus: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Some(cpus) = cpus.filter(|c| !c.is_none()) else {
            return conv(py, self.run(py, |p| p.cpu_affinity())?, |py, mut v| {
                v.sort_unstable();
                v.dedup();
                Ok(PyList::new(py, v)?.into_any())
            });
        };
        let mut list = Vec::new();
        for c in cpus.try_iter()? {
            let c = c?;
            if !c.is_instance_of::<pyo3::types::PyInt>() {
                return Err(PyTypeError::new_err(format!(
                    "invalid CPU {}; must be an int",
                    c.repr()?
                )));
            }
            let v: i64 = c.extract()?;
            let v = u32::try_from(v).map_err(|_| {
                PyValueError::new_err(format!("invalid CPU {v}; must be a positive integer"))
            })?;
            list.push(v);
        }
        list.sort_unstable();
        list.dedup();
        conv(py, self.run(py, move |p| p.set_cpu_affinity(&list))?, none)
    }

    fn cpu_num<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.cpu_num())?, plain_value_owned)
    }

    fn environ<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.environ_os())?, |py, v| {
            let d = PyDict::new(py);
            for (k, val) in v {
                d.set_item(k, val)?;
            }
            Ok(d.into_any())
        })
    }

    fn num_ctx_switches<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.num_ctx_switches())?, |py, v| {
            ntuple(py, "pctxsw", &v)
        })
    }

    fn num_threads<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.num_threads())?, plain_value_owned)
    }

    fn threads<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.threads())?, |py, v| {
            ntuple_list(py, "pthread", &v)
        })
    }

    /// The children (with `recursive`, every descendant).
    #[pyo3(signature = (recursive=false))]
    fn children<'py>(&self, py: Python<'py>, recursive: bool) -> PyResult<Bound<'py, PyAny>> {
        conv(
            py,
            self.run(py, move |p| p.children(recursive))?,
            Self::wrap_list,
        )
    }

    /// CPU utilisation in percent since the last call (or over `interval` seconds).
    #[pyo3(signature = (interval=None))]
    fn cpu_percent(&self, py: Python<'_>, interval: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        let interval = match interval.filter(|i| !i.is_none()) {
            None => None,
            Some(i) => {
                let v: f64 = i.extract()?;
                if v < 0.0 {
                    return Err(PyValueError::new_err(format!(
                        "interval is not positive (got {})",
                        i.repr()?
                    )));
                }
                Some(Duration::from_secs_f64(v))
            }
        };
        self.run(py, move |p| p.cpu_percent(interval))?
            .map_err(|e| err(py, e))
    }

    fn cpu_times<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.cpu_times())?, |py, v| {
            ntuple(py, "pcputimes", &v)
        })
    }

    fn memory_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.memory_info())?, |py, v| {
            ntuple(py, "pmem", &v)
        })
    }

    fn memory_full_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.memory_full_info())?, |py, v| {
            ntuple(py, "pfullmem", &v)
        })
    }

    /// Memory use as a percentage of total physical memory.
    #[pyo3(signature = (memtype="rss"))]
    fn memory_percent(&self, py: Python<'_>, memtype: &str) -> PyResult<f64> {
        let mt: MemType = memtype.parse().map_err(|e| err(py, e))?;
        self.run(py, move |p| p.memory_percent(mt))?
            .map_err(|e| err(py, e))
    }

    /// Memory mappings: summed per path (`grouped`), or one per mapping.
    #[pyo3(signature = (grouped=true))]
    fn memory_maps<'py>(&self, py: Python<'py>, grouped: bool) -> PyResult<Bound<'py, PyAny>> {
        if grouped {
            conv(py, self.run(py, |p| p.memory_maps())?, |py, v| {
                crate::conv::maps_grouped(py, &v)
            })
        } else {
            conv(py, self.run(py, |p| p.memory_maps_ext())?, |py, v| {
                crate::conv::maps_ext(py, &v)
            })
        }
    }

    fn open_files<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.open_files())?, |py, v| {
            open_files_list(py, &v)
        })
    }

    /// The process's sockets of `kind` (psutil's kinds: inet, tcp4, unix, all...).
    #[pyo3(signature = (kind=None))]
    fn net_connections<'py>(
        &self,
        py: Python<'py>,
        kind: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kind = crate::system::conn_kind(kind)?;
        conv(
            py,
            self.run(py, move |p| p.net_connections(kind))?,
            |py, v| crate::conv::connections(py, "pconn", &v, pconn_row),
        )
    }

    /// Sends `sig` (pid-reuse safe).
    fn send_signal<'py>(&self, py: Python<'py>, sig: i32) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, move |p| p.send_signal(sig))?, none)
    }

    fn suspend<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.suspend())?, none)
    }

    fn resume<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.resume())?, none)
    }

    fn terminate<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.terminate())?, none)
    }

    fn kill<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        conv(py, self.run(py, |p| p.kill())?, none)
    }

    /// Waits for the process to end; its exit code (a `Negsignal` when a signal
    /// ended it, None when it is not our child). TimeoutExpired after `timeout`.
    #[pyo3(signature = (timeout=None))]
    fn wait<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if *lock(&self.pid) == 0 {
            return Err(PyValueError::new_err("can't wait for PID 0"));
        }
        let timeout = match timeout.filter(|t| !t.is_none()) {
            None => None,
            Some(t) => {
                let v = secs(py, "timeout", t)?;
                if v < 0.0 {
                    return Err(PyValueError::new_err(format!(
                        "timeout must be positive or zero (got {t})"
                    )));
                }
                Some(Duration::from_secs_f64(v))
            }
        };
        let r = self
            .run(py, move |p| p.wait(timeout))?
            .map_err(|e| err(py, e))?;
        if let Some(code) = r {
            lock(&self.slots).exitcode = Some(code.as_psutil());
        }
        exit_code(py, r)
    }
}

fn none<'py>(py: Python<'py>, _: ()) -> PyResult<Bound<'py, PyAny>> {
    Ok(py.None().into_bound(py))
}

fn plain_value_owned<'py, T: serde::Serialize>(
    py: Python<'py>,
    v: T,
) -> PyResult<Bound<'py, PyAny>> {
    plain_value(py, &v)
}

/// `with p.oneshot():` — nests, as psutil's.
#[pyclass(module = "rpsutil", frozen)]
pub struct Oneshot {
    proc: Process,
    guards: Mutex<Vec<rpsutil::OneshotGuard>>,
}

#[pymethods]
impl Oneshot {
    fn __enter__(&self) {
        lock(&self.guards).push(self.proc.oneshot_guard());
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> bool {
        lock(&self.guards).pop();
        false
    }
}

/// `as_dict`'s check of an `attrs` argument (psutil's TypeError and ValueError),
/// for `process_iter`, which checks once before reading any process.
#[pyfunction]
#[pyo3(name = "_check_attrs")]
pub fn check_attrs(attrs: &Bound<'_, PyAny>) -> PyResult<Vec<&'static str>> {
    Ok(parse_attrs(Some(attrs))?
        .iter()
        .map(|a| a.as_str())
        .collect())
}

/// Every attribute name `as_dict` accepts on this OS.
#[pyfunction]
#[pyo3(name = "_as_dict_names")]
pub fn as_dict_names() -> Vec<&'static str> {
    attr_names()
}

/// What the library puts for bytes that are not UTF-8 in its `String` values.
const LOSSY: char = char::REPLACEMENT_CHARACTER;

/// `process_iter(attrs)`'s reads for a batch of `(pid, Process or None)` entries,
/// on up to `threads` threads with the GIL released: `(pid, Process, info)` per
/// entry, with a new Process for entries without one, and `(pid, None, None)` for
/// a process that ended. Only for attributes no subclass or mock overrides (the
/// caller checks).
#[pyfunction]
#[pyo3(name = "_snapshot")]
pub fn snapshot<'py>(
    py: Python<'py>,
    entries: Vec<(u32, Option<Bound<'py, PyProcess>>)>,
    attrs: Vec<String>,
    ad_value: Py<PyAny>,
    threads: usize,
) -> PyResult<Bound<'py, PyList>> {
    let wanted: Vec<Attr> = attrs
        .iter()
        .map(|a| a.parse::<Attr>().map_err(|e| err(py, e)))
        .collect::<PyResult<_>>()?;
    let explicit = !wanted.is_empty();
    let mut handles = Vec::with_capacity(entries.len());
    for (pid, obj) in &entries {
        let h = match obj {
            Some(o) => Some(o.get().proc(py)?),
            None => None,
        };
        handles.push((*pid, h));
    }
    let rows = py
        .allow_threads(|| rpsutil::process::snapshot_entries(&handles, &wanted, threads))
        .map_err(|e| err(py, e))?;
    let out = PyList::empty(py);
    for ((pid, obj), row) in entries.into_iter().zip(rows) {
        match row {
            None => out.append((pid, py.None(), py.None()))?,
            Some((handle, info)) => {
                let d = info_dict(py, &info, &ad_value, explicit, &handle)?;
                let obj = match obj {
                    Some(o) => o.into_any(),
                    None => PyProcess::wrap(py, handle)?,
                };
                out.append((pid, obj, d))?;
            }
        }
    }
    Ok(out)
}

/// The attributes `as_dict` was asked for, with psutil's checks (empty: all).
fn parse_attrs(attrs: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Attr>> {
    let Some(attrs) = attrs.filter(|a| !a.is_none()) else {
        return Ok(Vec::new());
    };
    if !(attrs.is_instance_of::<PyList>()
        || attrs.is_instance_of::<PyTuple>()
        || attrs.is_instance_of::<PySet>()
        || attrs.is_instance_of::<PyFrozenSet>())
    {
        return Err(PyTypeError::new_err(format!(
            "invalid attrs type {}",
            attrs.get_type().repr()?
        )));
    }
    let valid = attr_names();
    let mut names: Vec<String> = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for a in attrs.try_iter()? {
        let a = a?;
        let s: Option<String> = a.extract().ok();
        match s {
            Some(s) if valid.contains(&s.as_str()) => {
                if seen.insert(s.clone()) {
                    names.push(s);
                }
            }
            _ => bad.push(a.repr()?.to_string()),
        }
    }
    if !bad.is_empty() {
        return Err(PyValueError::new_err(format!(
            "invalid attr name{} {}",
            if bad.len() > 1 { "s" } else { "" },
            bad.join(", ")
        )));
    }
    names
        .iter()
        .map(|n| {
            n.parse::<Attr>()
                .map_err(|e| PyValueError::new_err(e.to_string()))
        })
        .collect()
}

/// psutil's `as_dict` result from a library snapshot: AccessDenied and zombies give
/// `ad_value`; an unsupported attribute asked for by name raises NotImplementedError.
///
/// The snapshot's text values are UTF-8; a name, command line or environment with
/// other bytes (shown as U+FFFD there, rare) is read again with its bytes from
/// `handle`, so that Python gets psutil's surrogate escapes.
pub(crate) fn info_dict<'py>(
    py: Python<'py>,
    info: &rpsutil::ProcessInfo,
    ad_value: &Py<PyAny>,
    explicit: bool,
    handle: &Process,
) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    if info.has_pid || !explicit {
        d.set_item("pid", info.pid)?;
    }
    fn put<'py, T>(
        py: Python<'py>,
        d: &Bound<'py, PyDict>,
        key: &str,
        f: &Field<T>,
        ad_value: &Py<PyAny>,
        conv: impl FnOnce(Python<'py>, &T) -> PyResult<Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        match f {
            None => Ok(()),
            Some(Ok(v)) => d.set_item(key, conv(py, v)?),
            Some(Err(rpsutil::FieldError::Unsupported)) => Err(
                pyo3::exceptions::PyNotImplementedError::new_err(format!("{key} is not supported")),
            ),
            Some(Err(_)) => d.set_item(key, ad_value.clone_ref(py)),
        }
    }
    let os = |py: Python<'py>, v: &std::path::PathBuf| -> PyResult<Bound<'py, PyAny>> {
        Ok(v.as_os_str().into_pyobject(py)?.into_any())
    };
    put(py, &d, "cmdline", &info.cmdline, ad_value, |py, v| {
        if !v.iter().any(|a| a.contains(LOSSY)) {
            return plain_value(py, v);
        }
        match handle.cmdline_os() {
            Ok(exact) => Ok(PyList::new(py, exact)?.into_any()),
            Err(_) => plain_value(py, v),
        }
    })?;
    put(
        py,
        &d,
        "cpu_affinity",
        &info.cpu_affinity,
        ad_value,
        |py, v| plain_value(py, v),
    )?;
    put(py, &d, "cpu_num", &info.cpu_num, ad_value, |py, v| {
        plain_value(py, v)
    })?;
    put(
        py,
        &d,
        "cpu_percent",
        &info.cpu_percent,
        ad_value,
        |py, v| plain_value(py, v),
    )?;
    put(py, &d, "cpu_times", &info.cpu_times, ad_value, |py, v| {
        ntuple(py, "pcputimes", v)
    })?;
    put(
        py,
        &d,
        "create_time",
        &info.create_time,
        ad_value,
        |py, v| plain_value(py, v),
    )?;
    put(py, &d, "cwd", &info.cwd, ad_value, os)?;
    put(py, &d, "environ", &info.environ, ad_value, |py, v| {
        if !v
            .iter()
            .any(|(k, val)| k.contains(LOSSY) || val.contains(LOSSY))
        {
            return plain_value(py, &**v);
        }
        match handle.environ_os() {
            Ok(exact) => {
                let d = PyDict::new(py);
                for (k, val) in exact {
                    d.set_item(k, val)?;
                }
                Ok(d.into_any())
            }
            Err(_) => plain_value(py, &**v),
        }
    })?;
    put(py, &d, "exe", &info.exe, ad_value, os)?;
    put(py, &d, "gids", &info.gids, ad_value, |py, v| {
        ntuple(py, "pgids", v)
    })?;
    put(
        py,
        &d,
        "io_counters",
        &info.io_counters,
        ad_value,
        |py, v| ntuple(py, "pio", &**v),
    )?;
    put(py, &d, "ionice", &info.ionice, ad_value, |py, v| {
        ntuple(py, "pionice", v)
    })?;
    put(
        py,
        &d,
        "memory_full_info",
        &info.memory_full_info,
        ad_value,
        |py, v| ntuple(py, "pfullmem", &**v),
    )?;
    put(
        py,
        &d,
        "memory_info",
        &info.memory_info,
        ad_value,
        |py, v| ntuple(py, "pmem", v),
    )?;
    put(
        py,
        &d,
        "memory_maps",
        &info.memory_maps,
        ad_value,
        |py, v| crate::conv::maps_grouped(py, v),
    )?;
    put(
        py,
        &d,
        "memory_percent",
        &info.memory_percent,
        ad_value,
        |py, v| plain_value(py, v),
    )?;
    put(py, &d, "name", &info.name, ad_value, |py, v| {
        if !v.contains(LOSSY) {
            return plain_value(py, v);
        }
        match handle.name_os() {
            Ok(exact) => Ok(exact.into_pyobject(py)?.into_any()),
            Err(_) => plain_value(py, v),
        }
    })?;
    put(
        py,
        &d,
        "net_connections",
        &info.net_connections,
        ad_value,
        |py, v| crate::conv::connections(py, "pconn", v, pconn_row),
    )?;
    put(py, &d, "nice", &info.nice, ad_value, |py, v| {
        plain_value(py, v)
    })?;
    put(
        py,
        &d,
        "num_ctx_switches",
        &info.num_ctx_switches,
        ad_value,
        |py, v| ntuple(py, "pctxsw", v),
    )?;
    put(py, &d, "num_fds", &info.num_fds, ad_value, |py, v| {
        plain_value(py, v)
    })?;
    put(
        py,
        &d,
        "num_handles",
        &info.num_handles,
        ad_value,
        |py, v| plain_value(py, v),
    )?;
    put(
        py,
        &d,
        "num_threads",
        &info.num_threads,
        ad_value,
        |py, v| plain_value(py, v),
    )?;
    put(py, &d, "open_files", &info.open_files, ad_value, |py, v| {
        open_files_list(py, v)
    })?;
    put(py, &d, "ppid", &info.ppid, ad_value, |py, v| {
        plain_value(py, v)
    })?;
    put(py, &d, "status", &info.status, ad_value, |py, v| {
        Ok(PyString::new(py, v.as_str()).into_any())
    })?;
    put(py, &d, "terminal", &info.terminal, ad_value, |py, v| {
        plain_value(py, v)
    })?;
    put(py, &d, "threads", &info.threads, ad_value, |py, v| {
        ntuple_list(py, "pthread", v)
    })?;
    put(py, &d, "uids", &info.uids, ad_value, |py, v| {
        ntuple(py, "puids", v)
    })?;
    put(py, &d, "username", &info.username, ad_value, |py, v| {
        plain_value(py, v)
    })?;
    Ok(d.into_any())
}

/// popenfile list: the path goes through the file system encoding (surrogateescape
/// for bytes that are not UTF-8), which serde's PathBuf cannot do.
fn open_files_list<'py>(py: Python<'py>, v: &[rpsutil::OpenFile]) -> PyResult<Bound<'py, PyAny>> {
    let list = PyList::empty(py);
    for f in v {
        let mut printable = f.clone();
        printable.path = std::path::PathBuf::new();
        let nt = ntuple(py, "popenfile", &printable)?;
        let kw = PyDict::new(py);
        kw.set_item("path", f.path.as_os_str())?;
        let nt = nt.call_method("_replace", (), Some(&kw))?;
        list.append(nt)?;
    }
    Ok(list.into_any())
}

/// A `pconn` row.
fn pconn_row(c: &rpsutil::Connection) -> crate::conv::ConnRow<'_> {
    crate::conv::ConnRow {
        fd: c.fd,
        family: c.family,
        kind: c.kind,
        laddr: &c.laddr,
        raddr: &c.raddr,
        status: c.status,
        pid: None,
    }
}
