//! The Linux backend's per-process context ([`Handle`]), its `oneshot` cache
//! ([`RawCache`]) and the raw reads of `/proc/PID/*` every process function uses.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rpsutil_parse::linux::{stat, statm, status};

use super::errors::{is_zombie, os_error};
use super::files::{parse_error, pid_path, read, with_record_file};
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
/// `Process` keeps its root when `set_procfs_path` changes it later, as psutil's).
#[derive(Debug)]
pub(crate) struct Handle {
    pub(crate) root: Arc<Path>,
}

impl Handle {
    /// Takes the current procfs root; nothing is opened.
    pub(crate) fn open(_pid: Pid) -> crate::Result<Handle> {
        Ok(Handle {
            root: crate::sys::roots::procfs_root(),
        })
    }
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
        with_record_file(&path, f)
            .map_err(|e| os_error(e, &path))?
            .map_err(|e| parse_error(&path, e))
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
