//! The settable roots of the proc and sys filesystems (psutil's `PROCFS_PATH`):
//! whole-backend tests run on fixture trees, and the library reads a host's /proc
//! mounted elsewhere.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

static PROCFS_ROOT: RwLock<Option<Arc<Path>>> = RwLock::new(None);
static SYSFS_ROOT: RwLock<Option<Arc<Path>>> = RwLock::new(None);

fn read_root(lock: &RwLock<Option<Arc<Path>>>, default: &str) -> Arc<Path> {
    let guard = lock.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    match &*guard {
        Some(p) => Arc::clone(p),
        None => Arc::from(Path::new(default)),
    }
}

fn write_root(lock: &RwLock<Option<Arc<Path>>>, path: impl Into<PathBuf>) {
    let mut guard = lock
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = Some(Arc::from(path.into().into_boxed_path()));
}

/// The root of the proc filesystem, `/proc` unless [`set_procfs_path`] changed it
/// (psutil's `PROCFS_PATH`). Used on Linux (and later Solaris/AIX).
pub fn procfs_path() -> PathBuf {
    read_root(&PROCFS_ROOT, "/proc").to_path_buf()
}

/// Sets the root of the proc filesystem for every later call, e.g. a host's /proc
/// mounted in a container, or a fixture tree in tests. A [`crate::Process`] keeps the
/// root it was created with, as psutil's does.
///
/// ```
/// rpsutil::set_procfs_path("/proc");
/// assert_eq!(rpsutil::procfs_path(), std::path::PathBuf::from("/proc"));
/// ```
pub fn set_procfs_path(path: impl Into<PathBuf>) {
    write_root(&PROCFS_ROOT, path)
}

/// The root of sysfs, `/sys` unless [`set_sysfs_path`] changed it.
pub fn sysfs_path() -> PathBuf {
    read_root(&SYSFS_ROOT, "/sys").to_path_buf()
}

/// Sets the root of sysfs for every later call.
pub fn set_sysfs_path(path: impl Into<PathBuf>) {
    write_root(&SYSFS_ROOT, path)
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) fn procfs_root() -> Arc<Path> {
    read_root(&PROCFS_ROOT, "/proc")
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) fn sysfs_root() -> Arc<Path> {
    read_root(&SYSFS_ROOT, "/sys")
}
