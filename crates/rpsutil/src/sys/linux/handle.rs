//! The Linux backend's per-process context ([`Handle`]), its `oneshot` cache
//! ([`RawCache`]) and the raw reads of `/proc/PID/*` every process function uses.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rpsutil_parse::linux::{stat, statm, status};

use super::errors::{is_zombie, os_error};
use super::files::{parse_error, pid_path, read, with_kept_record, with_record_file};
use crate::types::process::Pid;
use crate::{Error, Result};

/// Raw records kept while a `oneshot` is active (psutil caches stat, status and smaps;
/// statm and cmdline are cached too so that a snapshot never reads a file twice).
#[derive(Default, Debug)]
pub(crate) struct RawCache {
    stat: Option<Arc<stat::ProcStat>>,
    status: Option<Arc<status::ProcStatus>>,
    statm: Option<statm::Statm>,
    cmdline: Option<Arc<Vec<u8>>>,
    smaps: Option<Arc<Vec<u8>>>,
    fd_links: Option<Arc<FdLinks>>,
}

/// The entries of `/proc/PID/fd` with their link targets (or the errno of
/// `readlinkat`), in directory order.
pub(crate) type FdLinks = Vec<(i32, std::result::Result<Vec<u8>, i32>)>;

/// The Linux per-process context: the procfs root the handle was made with (a
/// `Process` keeps its root when `set_procfs_path` changes it later, as psutil's),
/// and, once [`Handle::keep_files_open`] was called, the descriptors kept open
/// between reads.
#[derive(Debug)]
pub(crate) struct Handle {
    pub(crate) root: Arc<Path>,
    kept: OnceLock<Box<KeptFiles>>,
}

/// What a handle keeps open for a table refreshed again and again (`rpsutil top`):
/// `/proc/PID/stat` and `statm`, re-read with one `pread` each, and `/proc/PID`
/// itself, whose owner (`fstat`, the process's effective uid, kept current by
/// the kernel for the directory) says when the cached user name must be read
/// again. Each is opened on first use.
#[derive(Debug, Default)]
struct KeptFiles {
    dir: OnceLock<File>,
    stat: OnceLock<File>,
    statm: OnceLock<File>,
    /// The user name with the owner of `/proc/PID` it was read under.
    user: Mutex<Option<(u32, String)>>,
}

impl Handle {
    /// Takes the current procfs root; nothing is opened.
    pub(crate) fn open(_pid: Pid) -> crate::Result<Handle> {
        Ok(Handle {
            root: crate::sys::roots::procfs_root(),
            kept: OnceLock::new(),
        })
    }

    /// A handle on a thread of process `pid` read under `root`: its root is
    /// `root/PID/task`, so every `root/TID/<file>` read is the thread's own file.
    pub(crate) fn open_task(pid: Pid, root: &Path) -> Handle {
        Handle {
            root: Arc::from(pid_path(root, pid, "task")),
            kept: OnceLock::new(),
        }
    }

    /// From now on, keep the descriptors of [`KeptFiles`] open between reads.
    pub(crate) fn keep_files_open(&self) {
        let _ = self.kept.set(Box::default());
    }
}

impl Drop for KeptFiles {
    fn drop(&mut self) {
        let open = [&self.dir, &self.stat, &self.statm]
            .iter()
            .filter(|f| f.get().is_some())
            .count();
        KEPT_FDS.fetch_sub(open, Ordering::Relaxed);
    }
}

/// Descriptors kept open by every handle of the program.
static KEPT_FDS: AtomicUsize = AtomicUsize::new(0);

/// How many descriptors handles may keep: the soft `RLIMIT_NOFILE` (read once, at
/// the first kept file: a program that raises its limit does it before) less a
/// reserve for everything else, the by-path reads among them.
fn kept_fd_budget() -> usize {
    static BUDGET: OnceLock<usize> = OnceLock::new();
    *BUDGET.get_or_init(|| {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one rlimit struct, which `lim` is.
        let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
            usize::try_from(lim.rlim_cur).unwrap_or(usize::MAX)
        } else {
            0
        };
        soft.saturating_sub(256)
    })
}

/// The kept descriptor in `slot`, opened from `path` now if it is not yet; None
/// when it cannot be kept (the budget is spent, or the open failed): the caller
/// then reads by path, which reports any error as it always does.
fn kept_file<'a>(slot: &'a OnceLock<File>, path: &Path) -> Option<&'a File> {
    if let Some(f) = slot.get() {
        return Some(f);
    }
    if KEPT_FDS.load(Ordering::Relaxed) >= kept_fd_budget() {
        return None;
    }
    // Two threads never read one process at once (a table gives each process to
    // one thread); losing this race would only close a spare descriptor.
    if slot.set(File::open(path).ok()?).is_ok() {
        KEPT_FDS.fetch_add(1, Ordering::Relaxed);
    }
    slot.get()
}

impl RawCache {
    /// Nothing to seed: Linux scans read nothing ahead (`Scan` is the default one).
    pub(crate) fn primed(_scan: &crate::sys::unsupported::Scan, _pid: Pid) -> Option<RawCache> {
        None
    }
}

/// The process argument of every Linux process function.
pub(crate) type Proc<'a> = crate::sys::proc::Proc<'a, Handle, RawCache>;

impl Proc<'_> {
    /// The procfs root this process's handle was made with.
    pub(crate) fn root(&self) -> &Path {
        &self.handle.root
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        pid_path(self.root(), self.pid, name)
    }

    /// Reads `/proc/PID/name`, translating errors.
    pub(crate) fn read(&self, name: &str) -> Result<Vec<u8>> {
        let path = self.path(name);
        read(&path).map_err(|e| os_error(e, &path))
    }

    pub(crate) fn parse<T>(
        &self,
        name: &str,
        data: &[u8],
        f: impl FnOnce(&[u8]) -> rpsutil_parse::Result<T>,
    ) -> Result<T> {
        f(data).map_err(|e| parse_error(&self.path(name), e))
    }

    /// Reads and parses `/proc/PID/name` (a single-record file: stat, statm,
    /// status) without keeping the bytes.
    pub(crate) fn read_parsed<T>(
        &self,
        name: &str,
        f: impl FnOnce(&[u8]) -> rpsutil_parse::Result<T>,
    ) -> Result<T> {
        let path = self.path(name);
        let kept = self.handle.kept.get().and_then(|k| match name {
            "stat" => kept_file(&k.stat, &path),
            "statm" => kept_file(&k.statm, &path),
            _ => None,
        });
        let read = match kept {
            Some(file) => match with_kept_record(file, f) {
                // The process this descriptor was opened for is gone (its pid may
                // belong to another process by now: do not look at it by path).
                Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {
                    return Err(Error::no_such_process(self.pid))
                }
                other => other,
            },
            None => with_record_file(&path, f),
        };
        read.map_err(|e| os_error(e, &path))?
            .map_err(|e| parse_error(&path, e))
    }

    /// With kept files, the user name cached under the current owner of
    /// `/proc/PID`, else `read()` (and cached with that owner). psutil's
    /// `username()` is the name of the real uid, from `/proc/PID/status`: the
    /// largest record of a table refresh, whose uid almost never changes; a change
    /// of credentials (setuid, setresuid) changes the directory's owner too.
    pub(crate) fn cached_username(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<String>,
    ) -> Result<String> {
        use std::os::unix::fs::MetadataExt;
        let Some(kept) = self.handle.kept.get() else {
            return read(self);
        };
        let owner = kept_file(&kept.dir, &self.path(""))
            .and_then(|d| d.metadata().ok())
            .map(|m| m.uid());
        let Some(owner) = owner else {
            return read(self);
        };
        let mut cached = kept.user.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((uid, name)) = cached.as_ref() {
            if *uid == owner {
                return Ok(name.clone());
            }
        }
        let name = read(self)?;
        *cached = Some((owner, name.clone()));
        Ok(name)
    }

    /// The zombie test, from the cached stat record when there is one.
    pub(crate) fn is_zombie(&self) -> bool {
        match self.cache.as_ref().and_then(|c| c.stat.as_ref()) {
            Some(s) => s.state == b'Z',
            None => is_zombie(self.root(), self.pid),
        }
    }

    pub(crate) fn stat(&mut self) -> Result<Arc<stat::ProcStat>> {
        if let Some(s) = self.cache.as_ref().and_then(|c| c.stat.clone()) {
            return Ok(s);
        }
        let s = Arc::new(self.read_parsed("stat", stat::parse_stat)?);
        if let Some(c) = self.cache.as_mut() {
            c.stat = Some(Arc::clone(&s));
        }
        Ok(s)
    }

    pub(crate) fn status(&mut self) -> Result<Arc<status::ProcStatus>> {
        if let Some(s) = self.cache.as_ref().and_then(|c| c.status.clone()) {
            return Ok(s);
        }
        let s = Arc::new(self.read_parsed("status", status::parse_status)?);
        if let Some(c) = self.cache.as_mut() {
            c.status = Some(Arc::clone(&s));
        }
        Ok(s)
    }

    pub(crate) fn statm(&mut self) -> Result<statm::Statm> {
        if let Some(s) = self.cache.as_ref().and_then(|c| c.statm) {
            return Ok(s);
        }
        let s = self.read_parsed("statm", statm::parse_statm)?;
        if let Some(c) = self.cache.as_mut() {
            c.statm = Some(s);
        }
        Ok(s)
    }

    pub(crate) fn cmdline_raw(&mut self) -> Result<Arc<Vec<u8>>> {
        if let Some(s) = self.cache.as_ref().and_then(|c| c.cmdline.clone()) {
            return Ok(s);
        }
        let data = Arc::new(self.read("cmdline")?);
        if let Some(c) = self.cache.as_mut() {
            c.cmdline = Some(Arc::clone(&data));
        }
        Ok(data)
    }

    pub(crate) fn smaps_raw(&mut self) -> Result<Arc<Vec<u8>>> {
        if let Some(s) = self.cache.as_ref().and_then(|c| c.smaps.clone()) {
            return Ok(s);
        }
        let data = Arc::new(self.read("smaps")?);
        if let Some(c) = self.cache.as_mut() {
            c.smaps = Some(Arc::clone(&data));
        }
        Ok(data)
    }

    /// True inside a oneshot (records read once are kept).
    pub(crate) fn in_oneshot(&self) -> bool {
        self.cache.is_some()
    }

    /// The fd links already read in this oneshot, if any.
    pub(crate) fn cached_fd_links(&self) -> Option<Arc<FdLinks>> {
        self.cache.as_ref().and_then(|c| c.fd_links.clone())
    }

    /// Every fd link of the process, read once per oneshot: `as_dict` asks for
    /// `net_connections`, `num_fds` and `open_files`, which each walk the fd
    /// directory (psutil walks it three times; it is the slowest part of an
    /// `as_dict()` of a process with many fds).
    pub(crate) fn fd_links(&mut self) -> Result<Arc<FdLinks>> {
        if let Some(links) = self.cached_fd_links() {
            return Ok(links);
        }
        let fd_dir = self.path("fd");
        let mut links = FdLinks::new();
        let walked = super::fd_dir::for_each_fd_link(&fd_dir, |fd, target| {
            let target = match target {
                Ok(t) => Ok(t.to_vec()),
                // A closed fd or an odd link is the callers' business; anything
                // else (EACCES: not allowed to read the links) ends the walk, as it
                // ends every caller's.
                Err(e) => match e.raw_os_error() {
                    Some(n @ (libc::ENOENT | libc::ESRCH | libc::EINVAL | libc::ENAMETOOLONG)) => {
                        Err(n)
                    }
                    _ => return Err(os_error(e, &fd_dir)),
                },
            };
            links.push((fd, target));
            Ok(())
        });
        match walked {
            Ok(()) => {}
            Err(super::fd_dir::FdDirError::Io(e)) => return Err(os_error(e, &fd_dir)),
            Err(super::fd_dir::FdDirError::Callback(e)) => return Err(e),
        }
        let links = Arc::new(links);
        if let Some(c) = self.cache.as_mut() {
            c.fd_links = Some(Arc::clone(&links));
        }
        Ok(links)
    }

    pub(crate) fn zombie_or<T>(&self, value: T) -> Result<T> {
        if self.is_zombie() {
            Err(Error::zombie(self.pid))
        } else {
            Ok(value)
        }
    }

    /// `readlink(/proc/PID/<name>)`, psutil's `readlink` helper: cut at the first NUL;
    /// a trailing " (deleted)" is dropped unless a file with that whole name (suffix
    /// included) exists: psutil tests the path as read, so a binary that was
    /// replaced at the same path (a rebuild) shows its path without the suffix.
    pub(crate) fn readlink(&self, name: &str) -> std::io::Result<PathBuf> {
        let target = std::fs::read_link(self.path(name))?;
        let mut bytes = target.into_os_string().into_vec();
        if let Some(nul) = bytes.iter().position(|&b| b == 0) {
            bytes.truncate(nul);
        }
        const DELETED: &[u8] = b" (deleted)";
        if bytes.ends_with(DELETED) && !Path::new(OsStr::from_bytes(&bytes)).exists() {
            bytes.truncate(bytes.len() - DELETED.len());
        }
        Ok(PathBuf::from(OsString::from_vec(bytes)))
    }
}
