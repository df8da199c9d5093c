//! [`Process`]: a handle on one process, identified by its pid and the backend's
//! identity (Linux: start time and pidfs inode).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::common::{name as name_rules, percent};
use crate::sys::imp;
use crate::sys::proc::Proc;
use crate::sys::records::{Identity, PpidEntry};
use crate::types::conn_kind::ConnKind;
use crate::types::net::Connection;
use crate::types::process::*;
use crate::{Error, Result};

/// A handle on one process.
///
/// Like psutil's `Process`, it holds the pid and the process's identity and queries
/// the OS on each call. The identity is exact where the OS allows it (Linux 6.9+: the
/// pidfs inode; Windows: the held process handle), else the start time as psutil. Every call that changes the process
/// (signals, `set_*`) and `ppid`, `parent`, `children` first checks that the pid still
/// belongs to the same process, so a recycled pid is never signalled
/// ([`Error::NoSuchProcess`] "its PID has been reused" instead).
///
/// `Clone` shares the handle (its caches and its `cpu_percent` sampler); equality and
/// hashing are by identity.
///
/// ```
/// let me = rpsutil::Process::current().unwrap();
/// assert_eq!(me.pid(), std::process::id());
/// # #[cfg(target_os = "linux")]
/// assert!(me.is_running());
/// ```
#[derive(Clone)]
pub struct Process {
    inner: Arc<Inner>,
}

struct Inner {
    pid: Pid,
    /// The backend's identity of the process (None if unreadable at creation).
    identity: Option<Identity>,
    /// The backend's per-process context.
    handle: imp::Handle,
    name: Mutex<Option<String>>,
    exe: OnceLock<PathBuf>,
    create_time: OnceLock<f64>,
    cpu_last: Mutex<Option<(Instant, f64)>>,
    oneshot: Mutex<OneShot>,
    exit: Mutex<Option<Option<ExitCode>>>,
    gone: AtomicBool,
    reused: AtomicBool,
}

#[derive(Default)]
struct OneShot {
    depth: u32,
    /// Boxed so that an idle handle (the usual state) costs one pointer.
    cache: Option<Box<imp::RawCache>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Process {
    /// A handle on process `pid` (on Linux a thread id works too, as in psutil).
    ///
    /// Errors: [`Error::NoSuchProcess`] ("process PID not found") if there is no such
    /// process, or ("process PID out of range") for a pid above the OS's `pid_t`.
    ///
    /// ```
    /// let me = rpsutil::Process::new(std::process::id()).unwrap();
    /// assert!(rpsutil::Process::new(u32::MAX).is_err());
    /// ```
    pub fn new(pid: Pid) -> Result<Process> {
        let p = Process::new_primed(pid, None)?;
        // The stat read that identified the process is not reused later.
        lock(&p.inner.oneshot).cache = None;
        Ok(p)
    }

    /// Like [`Process::new`], but the raw records read to learn the identity stay in
    /// the oneshot cache, so a snapshot taken right away does not read them again.
    /// With a table scan, the cache starts from what the scan read for `pid`.
    pub(crate) fn new_primed(pid: Pid, scan: Option<&imp::Scan>) -> Result<Process> {
        if i32::try_from(pid).is_err() {
            return Err(Error::NoSuchProcess {
                pid,
                name: None,
                msg: "process PID out of range".into(),
            });
        }
        Process::with_handle(pid, scan, imp::Handle::open(pid)?)
    }

    /// [`Process::new_primed`] with the backend handle already made.
    fn with_handle(pid: Pid, scan: Option<&imp::Scan>, handle: imp::Handle) -> Result<Process> {
        let mut cache = scan
            .and_then(|scan| imp::RawCache::primed(scan, pid))
            .unwrap_or_default();
        let identity = {
            let mut p = Proc {
                pid,
                handle: &handle,
                cache: Some(&mut cache),
            };
            match imp::identity(&mut p).map_err(|e| imp::translate(e, &mut p)) {
                Ok(id) => Some(id),
                Err(e) if e.is_no_such_process() && !e.is_zombie() => {
                    return Err(Error::NoSuchProcess {
                        pid,
                        name: None,
                        msg: "process PID not found".into(),
                    })
                }
                Err(Error::Unsupported { what }) => return Err(Error::Unsupported { what }),
                Err(_) => None,
            }
        };
        let p = Process::from_parts(pid, identity, handle);
        lock(&p.inner.oneshot).cache = Some(Box::new(cache));
        Ok(p)
    }

    /// A handle on one thread of this process, whose values are the thread's own:
    /// its CPU times, state, name, I/O counters, context switches and CPU number
    /// are the thread's, where `Process::new(tid)` gives the whole process's (as
    /// psutil's `Process(tid)` does on Linux, from `/proc/TID`). `pid()` is the
    /// thread id; values shared by all threads (memory, files, cwd) are the
    /// process's; a signal sent through it reaches the whole process, as `kill(2)`
    /// with a thread id does.
    ///
    /// Source: Linux `/proc/PID/task/TID/*` (procps top -H and iotop read there).
    ///
    /// Errors: NoSuchProcess if there is no such thread in this process;
    /// Unsupported on other OSes.
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// let me = rpsutil::Process::current().unwrap();
    /// let main = me.thread(me.pid()).unwrap();
    /// assert_eq!(main.pid(), me.pid());
    /// assert!(main.cpu_times().unwrap().user <= me.cpu_times().unwrap().user);
    /// # }
    /// ```
    pub fn thread(&self, tid: Pid) -> Result<Process> {
        #[cfg(target_os = "linux")]
        {
            if i32::try_from(tid).is_err() {
                return Err(Error::no_such_process(tid));
            }
            let handle = imp::Handle::open_task(self.inner.pid, self.inner.handle.root.as_ref());
            let p = Process::with_handle(tid, None, handle)?;
            lock(&p.inner.oneshot).cache = None;
            Ok(p)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = tid;
            Err(Error::unsupported("per-thread handles (Process::thread)"))
        }
    }

    /// The calling process.
    pub fn current() -> Result<Process> {
        Process::new(std::process::id())
    }

    pub(crate) fn from_parts(pid: Pid, identity: Option<Identity>, handle: imp::Handle) -> Process {
        Process {
            inner: Arc::new(Inner {
                pid,
                identity,
                handle,
                name: Mutex::new(None),
                exe: OnceLock::new(),
                create_time: OnceLock::new(),
                cpu_last: Mutex::new(None),
                oneshot: Mutex::new(OneShot::default()),
                exit: Mutex::new(None),
                gone: AtomicBool::new(false),
                reused: AtomicBool::new(false),
            }),
        }
    }

    /// Keeps the files this handle reads on every refresh open between reads, for
    /// a handle read again and again: on Linux `/proc/PID/stat`, `statm` and the
    /// directory `/proc/PID`, with the user name cached while the directory's owner
    /// is unchanged (the details are at [`crate::ProcessTable::keep_files_open`],
    /// which does this for every handle of a table). Other OSes: no effect.
    ///
    /// ```
    /// let me = rpsutil::Process::current().unwrap();
    /// me.keep_files_open();
    /// assert!(me.memory_info().unwrap().rss > 0);
    /// ```
    pub fn keep_files_open(&self) {
        #[cfg(target_os = "linux")]
        self.inner.handle.keep_files_open();
    }

    /// The process id.
    pub fn pid(&self) -> Pid {
        self.inner.pid
    }

    /// The name last read by [`Process::name`] (None before the first call): the
    /// name errors of this handle carry (psutil's `Process._name`).
    pub fn known_name(&self) -> Option<String> {
        lock(&self.inner.name).clone()
    }

    /// A handle on `pid` even if no such process exists now (psutil's
    /// `Process._init(pid, _ignore_nsp=True)`): every call on it then reports
    /// NoSuchProcess, and signals are refused as the identity is unknown.
    ///
    /// Errors: NoSuchProcess ("process PID out of range") for a pid above `pid_t`.
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// let p = rpsutil::Process::new_unchecked(i32::MAX as u32).unwrap();
    /// assert!(p.name().unwrap_err().is_no_such_process());
    /// # }
    /// ```
    pub fn new_unchecked(pid: Pid) -> Result<Process> {
        match Process::new(pid) {
            Err(e) if e.is_no_such_process() && !e.is_zombie() && i32::try_from(pid).is_ok() => {
                let p = Process::from_parts(pid, None, imp::Handle::open(pid)?);
                p.inner.gone.store(true, Ordering::Relaxed);
                Ok(p)
            }
            other => other,
        }
    }

    /// Runs a backend call with the oneshot cache if one is active, translates its
    /// OS errors (the backend's `translate`: the one place they become psutil's
    /// exceptions) and fills the known name into them.
    fn call<T>(&self, f: impl FnOnce(&mut imp::Proc) -> Result<T>) -> Result<T> {
        self.raw_call(f).map_err(|e| self.tag(e))
    }

    /// [`Process::call`] without the name and the "gone" bookkeeping.
    fn raw_call<T>(&self, f: impl FnOnce(&mut imp::Proc) -> Result<T>) -> Result<T> {
        let mut guard = lock(&self.inner.oneshot);
        let shot = &mut *guard;
        let cache = if shot.depth > 0 {
            Some(&mut **shot.cache.get_or_insert_with(Box::default))
        } else {
            None
        };
        let mut p = Proc {
            pid: self.inner.pid,
            handle: &self.inner.handle,
            cache,
        };
        f(&mut p).map_err(|e| imp::translate(e, &mut p))
    }

    /// A call that needs the identity (signals): NoSuchProcess when it is unknown.
    fn call_with_identity<T>(
        &self,
        f: impl FnOnce(&mut imp::Proc, &Identity) -> Result<T>,
    ) -> Result<T> {
        match self.inner.identity {
            Some(id) => self.call(|p| f(p, &id)),
            None => Err(self.tag(Error::no_such_process(self.inner.pid))),
        }
    }

    /// The start-time part of the identity: equality and hashing use (pid, start
    /// time), as psutil's (pid, create time); the exact part guards the calls.
    fn start(&self) -> Option<u64> {
        self.inner.identity.map(|i| i.start())
    }

    /// Seeds the oneshot cache with what a table scan read for this process, unless
    /// a oneshot is active or a cache is already there; the next `oneshot` (the
    /// table's `as_dict`) uses it and drops it.
    pub(crate) fn prime(&self, scan: &imp::Scan) {
        // Backends with nothing to seed (Linux) cost no lock here.
        let Some(cache) = imp::RawCache::primed(scan, self.inner.pid) else {
            return;
        };
        let mut shot = lock(&self.inner.oneshot);
        if shot.depth == 0 && shot.cache.is_none() {
            shot.cache = Some(Box::new(cache));
        }
    }

    /// True once `is_running` saw this handle's pid taken by another process.
    pub(crate) fn is_known_reused(&self) -> bool {
        self.inner.reused.load(Ordering::Relaxed)
    }

    fn tag(&self, e: Error) -> Error {
        if e.is_no_such_process() && !e.is_zombie() {
            self.inner.gone.store(true, Ordering::Relaxed);
        }
        e.with_name(self.known_name().as_deref())
    }

    /// Runs `f` with the raw sources (`/proc/PID/stat`, `status`, `statm`, `cmdline`,
    /// `smaps` on Linux) read at most once: psutil's `oneshot()`. Nested calls are
    /// fine; the cache is dropped when the outermost call returns.
    ///
    /// ```
    /// let p = rpsutil::Process::current().unwrap();
    /// # #[cfg(target_os = "linux")]
    /// let (name, ppid) = p.oneshot(|| (p.name().unwrap(), p.ppid().unwrap()));
    /// ```
    pub fn oneshot<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.oneshot_guard();
        f()
    }

    /// Starts a oneshot that lasts until the returned guard is dropped (for callers
    /// that cannot pass a closure, like Python's `with p.oneshot():`).
    ///
    /// ```
    /// let p = rpsutil::Process::current().unwrap();
    /// let guard = p.oneshot_guard();
    /// # #[cfg(target_os = "linux")]
    /// let _ = (p.name().unwrap(), p.ppid().unwrap());
    /// drop(guard);
    /// ```
    pub fn oneshot_guard(&self) -> OneshotGuard {
        lock(&self.inner.oneshot).depth += 1;
        OneshotGuard(self.clone())
    }

    /// False once the process has ended or its pid was taken by another process
    /// (zombies are "running", as in psutil).
    pub fn is_running(&self) -> bool {
        if self.inner.gone.load(Ordering::Relaxed) || self.inner.reused.load(Ordering::Relaxed) {
            return false;
        }
        let same = match self.inner.identity {
            Some(id) => self.raw_call(|p| imp::same_process(p, &id)),
            None => self.raw_call(imp::identity).map(|_| true),
        };
        match same {
            Ok(true) => true,
            Ok(false) => {
                // Tables holding this handle see the flag and replace it.
                self.inner.reused.store(true, Ordering::Relaxed);
                false
            }
            Err(e) if e.is_zombie() => true,
            Err(e) if e.is_no_such_process() => {
                self.inner.gone.store(true, Ordering::Relaxed);
                false
            }
            Err(_) => true,
        }
    }

    /// psutil's `_raise_if_pid_reused`: NoSuchProcess if the pid now belongs to
    /// another process. A merely-dead process passes (the real call reports it).
    fn ensure_same_process(&self) -> Result<()> {
        // is_running() sets `reused` when the identity changed (and returns false at
        // once when it already knows).
        if !self.is_running() && self.inner.reused.load(Ordering::Relaxed) {
            return Err(Error::pid_reused(self.inner.pid, self.known_name()));
        }
        Ok(())
    }

    // ----------------------------------------------------------------- identity

    /// The process name. The kernel keeps only 15 bytes of it; a name of that length
    /// is completed from the basename of `argv[0]` when that starts with it (psutil's
    /// rule). Non-UTF-8 bytes are replaced with U+FFFD.
    ///
    /// Source: Linux `/proc/PID/stat` field 2; Windows the image name of
    /// `SystemProcessInformation` ("System Idle Process" and "System" for pids 0
    /// and 4). Errors: NoSuchProcess.
    pub fn name(&self) -> Result<String> {
        Ok(self.name_os()?.to_string_lossy().into_owned())
    }

    /// [`Process::name`] with the bytes the OS keeps, not made UTF-8 (psutil decodes
    /// them with `surrogateescape`).
    ///
    /// ```
    /// let me = rpsutil::Process::current().unwrap();
    /// # #[cfg(target_os = "linux")]
    /// assert_eq!(me.name_os().unwrap().to_string_lossy(), me.name().unwrap());
    /// ```
    pub fn name_os(&self) -> Result<OsString> {
        let short = self.call(imp::name)?;
        let name = if imp::TRUNCATED_NAME_FIXUP && name_rules::may_be_truncated(&os_bytes(&short)) {
            match self.cmdline_os() {
                Ok(args) => {
                    let argv0 = args.first().map(|a| os_bytes(a));
                    match name_rules::extend_truncated_name(&os_bytes(&short), argv0.as_deref()) {
                        Some(longer) => os_from_bytes(longer),
                        None => short,
                    }
                }
                Err(e) if e.is_access_denied() || e.is_zombie() => short,
                Err(e) => return Err(e),
            }
        } else {
            short
        };
        *lock(&self.inner.name) = Some(name.to_string_lossy().into_owned());
        Ok(name)
    }

    /// The executable's absolute path; empty for kernel threads. On AccessDenied it
    /// is guessed from `argv[0]` when that is an absolute path to an executable file
    /// (psutil's rule). Cached after the first success.
    ///
    /// Source: Linux `readlink /proc/PID/exe`, " (deleted)" dropped if the file is
    /// gone. Errors: AccessDenied, ZombieProcess, NoSuchProcess.
    pub fn exe(&self) -> Result<PathBuf> {
        if let Some(exe) = self.inner.exe.get() {
            return Ok(exe.clone());
        }
        let guess = || -> Option<PathBuf> {
            let args = self.cmdline_os().ok()?;
            let first = PathBuf::from(args.first()?);
            if first.is_absolute() && first.is_file() && is_executable(&first) {
                Some(first)
            } else {
                None
            }
        };
        match self.call(imp::exe) {
            Ok(path) if path.as_os_str().is_empty() => {
                let path = guess().unwrap_or_default();
                Ok(self.inner.exe.get_or_init(|| path).clone())
            }
            Ok(path) => Ok(self.inner.exe.get_or_init(|| path).clone()),
            Err(e) if e.is_access_denied() => guess().ok_or(e),
            Err(e) => Err(e),
        }
    }

    /// The command line, lossily converted to UTF-8. See [`Process::cmdline_os`].
    pub fn cmdline(&self) -> Result<Vec<String>> {
        Ok(self
            .cmdline_os()?
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect())
    }

    /// The command line as raw OS strings. Empty for kernel threads.
    ///
    /// Source: Windows the command line of the process's PEB, split by
    /// `CommandLineToArgvW`'s rules; Linux `/proc/PID/cmdline`, split on NUL, or on spaces when the
    /// process rewrote its arguments (psutil's rules, see `rpsutil_parse`).
    /// Errors: ZombieProcess, NoSuchProcess.
    pub fn cmdline_os(&self) -> Result<Vec<OsString>> {
        self.call(imp::cmdline)
    }

    /// The initial environment, lossily converted to UTF-8.
    ///
    /// Source: Windows the environment block of the process's PEB; Linux
    /// `/proc/PID/environ`. Kernel threads give an empty map (psutil
    /// raises NoSuchProcess there, see docs/DIFFERENCES.md). Errors: AccessDenied,
    /// ZombieProcess, NoSuchProcess.
    pub fn environ(&self) -> Result<HashMap<String, String>> {
        Ok(self
            .environ_os()?
            .into_iter()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect())
    }

    /// The initial environment as raw OS strings.
    pub fn environ_os(&self) -> Result<HashMap<OsString, OsString>> {
        self.call(imp::environ)
    }

    /// When the process started, in seconds since the epoch (10 ms resolution on
    /// Linux). Cached after the first call.
    ///
    /// Source: Linux stat field 22 / `CLK_TCK` + `btime` of `/proc/stat`; Windows
    /// `GetProcessTimes` (100 ns), or `SystemProcessInformation`.
    pub fn create_time(&self) -> Result<f64> {
        if let Some(t) = self.inner.create_time.get() {
            return Ok(*t);
        }
        let t = self.call(imp::create_time)?;
        Ok(*self.inner.create_time.get_or_init(|| t))
    }

    /// The current status.
    ///
    /// Source: Linux stat field 3; Windows "stopped" when every thread is
    /// suspended, else "running" (psutil's rule).
    pub fn status(&self) -> Result<Status> {
        match self.call(imp::status) {
            Err(e) if e.is_zombie() => Ok(Status::Zombie),
            other => other,
        }
    }

    /// The parent's pid (0 for pid 1 and kernel threads on Linux). Checks PID reuse.
    pub fn ppid(&self) -> Result<Pid> {
        self.ensure_same_process()?;
        self.call(imp::ppid)
    }

    /// The parent process, or None if there is none, it is gone, or it started after
    /// this one (its pid was reused).
    pub fn parent(&self) -> Result<Option<Process>> {
        if self.inner.pid == super::pids::lowest_pid() {
            return Ok(None);
        }
        let ppid = self.ppid()?;
        let my_time = self.create_time()?;
        match Process::new(ppid) {
            // psutil: a parent that started after this process holds a reused pid.
            Ok(parent) => match parent.create_time() {
                Ok(t) if t > my_time => Ok(None),
                Ok(_) => Ok(Some(parent)),
                Err(e) if e.is_no_such_process() => Ok(None),
                Err(e) => Err(e),
            },
            Err(e) if e.is_no_such_process() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every ancestor, nearest first.
    pub fn parents(&self) -> Result<Vec<Process>> {
        let mut out = Vec::new();
        let mut cur = self.clone();
        while let Some(parent) = cur.parent()? {
            if out.len() > 1 << 16 {
                break; // a cycle cannot happen, but never loop forever
            }
            out.push(parent.clone());
            cur = parent;
        }
        Ok(out)
    }

    /// The children (with `recursive`, every descendant). Processes that started
    /// before this one are left out (their ppid is a recycled pid). Order is by pid
    /// (non-recursive) or depth-first.
    ///
    /// Errors: AccessDenied if some `/proc/PID/stat` is unreadable.
    pub fn children(&self, recursive: bool) -> Result<Vec<Process>> {
        self.ensure_same_process()?;
        let map = imp::ppid_map().map_err(|e| self.tag(e))?;
        let my_time = self.create_time()?;
        // psutil: a child that started before this process holds a reused ppid.
        let newer = |e: &PpidEntry| e.create_time >= my_time;
        let mut wanted = Vec::new();
        if recursive {
            let mut by_parent: HashMap<Pid, Vec<&PpidEntry>> = HashMap::new();
            for e in &map {
                by_parent.entry(e.ppid).or_default().push(e);
            }
            let mut seen = HashSet::new();
            let mut stack = vec![self.inner.pid];
            seen.insert(self.inner.pid);
            while let Some(parent) = stack.pop() {
                for e in by_parent.get(&parent).map(Vec::as_slice).unwrap_or(&[]) {
                    if newer(e) && seen.insert(e.pid) {
                        wanted.push(e.pid);
                        stack.push(e.pid);
                    }
                }
            }
        } else {
            wanted.extend(
                map.iter()
                    .filter(|e| e.ppid == self.inner.pid && e.pid != self.inner.pid && newer(e))
                    .map(|e| e.pid),
            );
        }
        let mut out = Vec::with_capacity(wanted.len());
        for pid in wanted {
            match Process::new(pid) {
                Ok(child) => out.push(child),
                Err(e) if e.is_no_such_process() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The current working directory.
    ///
    /// Source: Linux `readlink /proc/PID/cwd`; Windows the current directory of the
    /// process's PEB. Errors: AccessDenied, ZombieProcess.
    pub fn cwd(&self) -> Result<PathBuf> {
        self.call(imp::cwd)
    }

    /// The name of the real user, or the uid as text when the user database has no
    /// such uid. Names are cached for one second.
    pub fn username(&self) -> Result<String> {
        self.call(imp::username)
    }

    /// Real, effective and saved user ids.
    ///
    /// Source: Linux `Uid:` of `/proc/PID/status`.
    pub fn uids(&self) -> Result<Ids> {
        self.call(imp::uids)
    }

    /// Real, effective and saved group ids.
    pub fn gids(&self) -> Result<Ids> {
        self.call(imp::gids)
    }

    /// The controlling terminal (e.g. `/dev/pts/3`), or None.
    ///
    /// Source: Linux stat field 7, matched to `/dev/pts/N` or `/dev/tty*`.
    pub fn terminal(&self) -> Result<Option<String>> {
        self.call(imp::terminal)
    }

    // ---------------------------------------------------------------- scheduling

    /// The nice value (-20 highest priority .. 19 lowest).
    pub fn nice(&self) -> Result<i32> {
        self.call(imp::nice)
    }

    /// Sets the nice value (`setpriority(2)`; the kernel clamps to -20..19). Lowering
    /// it needs CAP_SYS_NICE (else AccessDenied). Checks PID reuse.
    pub fn set_nice(&self, value: i32) -> Result<()> {
        self.ensure_same_process()?;
        self.call(|p| imp::set_nice(p, value))
    }

    /// The I/O priority: Linux the scheduling class and level (`ioprio_get(2)`);
    /// Windows the I/O priority hint (`IoPriorityClass::VeryLow`..`High`, value 0).
    /// Unsupported elsewhere.
    pub fn ionice(&self) -> Result<IoNice> {
        self.call(imp::ionice)
    }

    /// Sets the I/O class and level (`ioprio_set(2)`). `value` is 0-7 and only
    /// allowed for the realtime and best-effort classes (psutil's checks). The
    /// realtime class needs CAP_SYS_ADMIN. Checks PID reuse.
    pub fn set_ionice(&self, ioclass: IoPriorityClass, value: Option<i32>) -> Result<()> {
        if !IoPriorityClass::of_this_os().contains(&ioclass) {
            return Err(Error::invalid(format!(
                "{} is not an I/O priority of this OS",
                ioclass.name()
            )));
        }
        if cfg!(windows) && value.is_some() {
            // psutil's TypeError on Windows.
            return Err(Error::invalid("value argument not accepted on Windows"));
        }
        let v = value.unwrap_or(0);
        if v != 0 && matches!(ioclass, IoPriorityClass::Idle | IoPriorityClass::None) {
            return Err(Error::invalid(format!(
                "{} ioclass accepts no value",
                ioclass.name()
            )));
        }
        if !(0..=7).contains(&v) {
            return Err(Error::invalid("value not in 0-7 range"));
        }
        self.ensure_same_process()?;
        self.call(|p| imp::set_ionice(p, ioclass, v))
    }

    /// The (soft, hard) limit of `resource` (`prlimit(2)`); [`RLIM_INFINITY`] is
    /// unlimited. Needs the same uid or CAP_SYS_RESOURCE for other processes.
    pub fn rlimit(&self, resource: Resource) -> Result<Rlimit> {
        if self.inner.pid == 0 {
            return Err(Error::invalid("can't use prlimit() against PID 0 process"));
        }
        self.call(|p| imp::rlimit(p, resource))
    }

    /// Sets the (soft, hard) limit of `resource`. Raising the hard limit needs
    /// CAP_SYS_RESOURCE. Checks PID reuse.
    pub fn set_rlimit(&self, resource: Resource, limits: Rlimit) -> Result<()> {
        if self.inner.pid == 0 {
            return Err(Error::invalid("can't use prlimit() against PID 0 process"));
        }
        let finite = |v: i64| v != RLIM_INFINITY;
        if (finite(limits.1) && (!finite(limits.0) || limits.0 > limits.1))
            || limits.0 < RLIM_INFINITY
            || limits.1 < RLIM_INFINITY
        {
            return Err(Error::invalid("current limit exceeds maximum limit"));
        }
        self.ensure_same_process()?;
        self.call(|p| imp::set_rlimit(p, resource, limits))
    }

    /// The CPUs the process may run on, sorted (`sched_getaffinity(2)`).
    pub fn cpu_affinity(&self) -> Result<Vec<u32>> {
        let mut cpus = self.call(imp::cpu_affinity)?;
        cpus.sort_unstable();
        cpus.dedup();
        Ok(cpus)
    }

    /// Pins the process to `cpus`; an empty slice means every CPU. Every number must be
    /// a CPU of this machine (psutil silently drops bad numbers mixed with good ones;
    /// here they are an error). Checks PID reuse.
    pub fn set_cpu_affinity(&self, cpus: &[u32]) -> Result<()> {
        // psutil: the valid CPUs are `range(len(cpu_times(percpu=True)))`.
        let ncpus = u32::try_from(imp::system_cpu_times_percpu()?.len()).unwrap_or(u32::MAX);
        let all: Vec<u32> = (0..ncpus).collect();
        let wanted: Vec<u32> = if cpus.is_empty() {
            all.clone()
        } else {
            cpus.to_vec()
        };
        if let Some(bad) = wanted.iter().find(|c| **c >= ncpus) {
            return Err(Error::invalid(format!(
                "invalid CPU {bad}; choose between {all:?}"
            )));
        }
        self.ensure_same_process()?;
        self.call(|p| imp::set_cpu_affinity(p, &wanted))
    }

    /// The CPU the process last ran on (Linux stat field 39).
    pub fn cpu_num(&self) -> Result<u32> {
        self.call(imp::cpu_num)
    }

    // ----------------------------------------------------------------- counters

    /// I/O counters (`/proc/PID/io`). Needs the same uid (else AccessDenied).
    pub fn io_counters(&self) -> Result<IoCounters> {
        self.call(imp::io_counters)
    }

    /// Voluntary and involuntary context switches.
    pub fn num_ctx_switches(&self) -> Result<CtxSwitches> {
        self.call(imp::num_ctx_switches)
    }

    /// Open file descriptors of any kind (`/proc/PID/fd` entries).
    pub fn num_fds(&self) -> Result<u32> {
        self.call(imp::num_fds)
    }

    /// Open handles (Windows only: elsewhere [`Error::Unsupported`]).
    pub fn num_handles(&self) -> Result<u32> {
        self.call(imp::num_handles)
    }

    /// Number of threads.
    pub fn num_threads(&self) -> Result<u32> {
        self.call(imp::num_threads)
    }

    /// Each thread's id and CPU times, ordered by id.
    pub fn threads(&self) -> Result<Vec<ThreadInfo>> {
        self.call(imp::threads)
    }

    /// CPU times in seconds (Linux stat fields 14-17, 42; Windows the process's
    /// kernel and user times of `SystemProcessInformation`, children 0).
    pub fn cpu_times(&self) -> Result<CpuTimes> {
        self.call(imp::cpu_times)
    }

    /// CPU use as a percent of one CPU (may exceed 100 with several threads), rounded
    /// to one decimal.
    ///
    /// With `Some(interval)` (> 0) it samples, sleeps, samples again. With `None` (or
    /// a zero interval) it compares with the previous call on this handle; the first
    /// such call returns 0.0, as in psutil. Handles from a [`super::ProcessTable`]
    /// live across scans, so their second scan has real values.
    pub fn cpu_percent(&self, interval: Option<Duration>) -> Result<f64> {
        let busy = |t: CpuTimes| t.user + t.system;
        if let Some(d) = interval.filter(|d| !d.is_zero()) {
            let t1 = Instant::now();
            let c1 = busy(self.cpu_times()?);
            std::thread::sleep(d);
            let t2 = Instant::now();
            let c2 = busy(self.cpu_times()?);
            *lock(&self.inner.cpu_last) = Some((t2, c2));
            return Ok(percent::process_cpu_percent(
                c2 - c1,
                (t2 - t1).as_secs_f64(),
            ));
        }
        let now = Instant::now();
        let cpu = busy(self.cpu_times()?);
        let last = lock(&self.inner.cpu_last).replace((now, cpu));
        Ok(match last {
            None => 0.0,
            Some((t1, c1)) => percent::process_cpu_percent(cpu - c1, (now - t1).as_secs_f64()),
        })
    }

    // ------------------------------------------------------------------- memory

    /// Memory use (Linux `/proc/PID/statm` × page size; Windows
    /// `GetProcessMemoryInfo`: psutil's 12 fields, `rss` = working set, `vms` =
    /// pagefile).
    pub fn memory_info(&self) -> Result<MemoryInfo> {
        self.call(imp::memory_info)
    }

    /// [`Process::memory_info`] plus USS (Windows: private working-set pages), PSS
    /// and swap (Linux `smaps_rollup`, or
    /// `smaps`). Slower; needs the same uid.
    pub fn memory_full_info(&self) -> Result<MemoryFullInfo> {
        self.call(imp::memory_full_info)
    }

    /// `memtype` as a percent of total physical memory (not rounded).
    pub fn memory_percent(&self, memtype: MemType) -> Result<f64> {
        let name = memtype.as_str();
        let on_this_os = crate::types::fields::Os::current()
            .and_then(|os| crate::types::fields::fields("pfullmem", os))
            .is_some_and(|f| f.contains(&name));
        if !on_this_os {
            return Err(crate::types::process::invalid_memtype(name));
        }
        let full = if memtype.needs_full_info() {
            self.memory_full_info()?
        } else {
            MemoryFullInfo {
                basic: self.memory_info()?,
                uss: None,
                pss: None,
                swap: None,
            }
        };
        let value = memtype
            .value_in(&full)
            .ok_or_else(|| Error::unsupported(format!("memtype {name} on this OS")))?;
        let total = crate::sys::cache::total_memory(imp::total_memory)?;
        Ok(if total == 0 {
            0.0
        } else {
            value as f64 / total as f64 * 100.0
        })
    }

    /// Memory mappings grouped by path, in first-seen order, fields summed (psutil's
    /// `memory_maps(grouped=True)`).
    pub fn memory_maps(&self) -> Result<Vec<MemoryMapGrouped>> {
        let maps = self.memory_maps_ext()?;
        let mut order: Vec<MemoryMapGrouped> = Vec::new();
        let mut index: HashMap<PathBuf, usize> = HashMap::new();
        for m in maps {
            let r = m.region;
            match index.get(&r.path) {
                Some(&i) => order[i].add(&r),
                None => {
                    index.insert(r.path.clone(), order.len());
                    order.push(r);
                }
            }
        }
        Ok(order)
    }

    /// Every memory mapping with its address and permissions (psutil's
    /// `memory_maps(grouped=False)`).
    pub fn memory_maps_ext(&self) -> Result<Vec<MemoryMap>> {
        self.call(imp::memory_maps)
    }

    // ---------------------------------------------------------------- files, net

    /// Regular files open by the process, by fd.
    pub fn open_files(&self) -> Result<Vec<OpenFile>> {
        self.call(imp::open_files)
    }

    /// The process's sockets of `kind`, ordered by fd.
    pub fn net_connections(&self, kind: ConnKind) -> Result<Vec<Connection>> {
        self.call(|p| imp::net_connections(p, kind))
    }

    // ------------------------------------------------------------------ signals

    /// Sends signal `sig` (PID-reuse safe: through a pidfd on Linux 5.1+; on Windows
    /// through the held process handle: SIGTERM is `TerminateProcess`, CTRL_C_EVENT
    /// and CTRL_BREAK_EVENT go to the process's console group, others are
    /// InvalidInput, as psutil).
    ///
    /// Errors: NoSuchProcess (also when the pid was reused), AccessDenied,
    /// InvalidInput for pid 0.
    pub fn send_signal(&self, sig: i32) -> Result<()> {
        self.before_signal()?;
        self.call_with_identity(|p, id| imp::send_signal(p, id, sig))
    }

    /// The checks every signal method makes first (pid 0, PID reuse).
    fn before_signal(&self) -> Result<()> {
        if self.inner.pid == 0 {
            return Err(Error::invalid("preventing sending signal to process with PID 0 as it would affect every process in the process group of the calling process (os.getpid()) instead of PID 0"));
        }
        self.ensure_same_process()
    }

    /// Stops the process (POSIX: SIGSTOP; Windows: suspends its threads). PID-reuse
    /// safe, as [`Process::send_signal`].
    pub fn suspend(&self) -> Result<()> {
        self.before_signal()?;
        self.call_with_identity(imp::suspend)
    }

    /// Continues a stopped process (POSIX: SIGCONT; Windows: resumes its threads).
    pub fn resume(&self) -> Result<()> {
        self.before_signal()?;
        self.call_with_identity(imp::resume)
    }

    /// Asks the process to end (POSIX: SIGTERM; Windows: TerminateProcess).
    pub fn terminate(&self) -> Result<()> {
        self.before_signal()?;
        self.call_with_identity(imp::terminate)
    }

    /// Kills the process (POSIX: SIGKILL; Windows: TerminateProcess).
    pub fn kill(&self) -> Result<()> {
        self.before_signal()?;
        self.call_with_identity(imp::kill)
    }

    /// Waits for the process to end. Returns its exit code if it is a child of the
    /// caller, None otherwise (then it returns once the pid is gone). The result is
    /// cached: later calls return it again.
    ///
    /// Errors: [`Error::TimeoutExpired`] when `timeout` passes first; InvalidInput
    /// for pid 0.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<Option<ExitCode>> {
        if self.inner.pid == 0 {
            return Err(Error::invalid("can't wait for PID 0"));
        }
        if let Some(code) = *lock(&self.inner.exit) {
            return Ok(code);
        }
        let code = self.call(|p| imp::wait(p, timeout))?;
        *lock(&self.inner.exit) = Some(code);
        self.inner.gone.store(true, Ordering::Relaxed);
        Ok(code)
    }

    pub(crate) fn cached_exit(&self) -> Option<Option<ExitCode>> {
        *lock(&self.inner.exit)
    }
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .map(|m| m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// The bytes of an OS string (on Windows, the UTF-8 of its lossy form: the name
/// fix-up that needs them is POSIX-only).
fn os_bytes(s: &std::ffi::OsStr) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::borrow::Cow::Borrowed(s.as_bytes())
    }
    #[cfg(not(unix))]
    {
        match s.to_string_lossy() {
            std::borrow::Cow::Borrowed(t) => std::borrow::Cow::Borrowed(t.as_bytes()),
            std::borrow::Cow::Owned(t) => std::borrow::Cow::Owned(t.into_bytes()),
        }
    }
}

/// The inverse of [`os_bytes`].
fn os_from_bytes(b: Vec<u8>) -> OsString {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        OsString::from_vec(b)
    }
    #[cfg(not(unix))]
    {
        OsString::from(String::from_utf8_lossy(&b).into_owned())
    }
}

/// An active oneshot of [`Process::oneshot_guard`]; dropping it ends the oneshot.
#[must_use = "the oneshot ends when the guard is dropped"]
pub struct OneshotGuard(Process);

impl Drop for OneshotGuard {
    fn drop(&mut self) {
        let mut g = lock(&self.0.inner.oneshot);
        g.depth = g.depth.saturating_sub(1);
        if g.depth == 0 {
            g.cache = None;
        }
    }
}

impl PartialEq for Process {
    fn eq(&self, other: &Self) -> bool {
        self.inner.pid == other.inner.pid && self.start() == other.start()
    }
}

impl Eq for Process {}

impl Hash for Process {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.inner.pid.hash(state);
        self.start().hash(state);
    }
}

impl fmt::Debug for Process {
    /// psutil's repr: `rpsutil::Process(pid=1234, name='bash', status='terminated')`
    /// with the name if known and the status only when ended.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rpsutil::Process(pid={}", self.inner.pid)?;
        if let Some(name) = self.known_name() {
            write!(f, ", name='{name}'")?;
        }
        if self.inner.reused.load(Ordering::Relaxed) {
            write!(f, ", status='terminated + PID reused'")?;
        } else if self.inner.gone.load(Ordering::Relaxed) {
            write!(f, ", status='terminated'")?;
        }
        if let Some(Some(code)) = self.cached_exit() {
            write!(f, ", exitcode={}", code.as_psutil())?;
        }
        write!(f, ")")
    }
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
