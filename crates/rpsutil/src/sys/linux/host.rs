//! Boot time, users, load average.

use std::path::Path;

use rpsutil_parse::linux::{proc_stat, utmp};

use super::files::{parse_file, with_file};
use crate::types::host::User;
use crate::{Error, Result};

/// `btime` of `/proc/stat`, read now (processes use the cached value of
/// `sys::cache::boot_time`).
pub(crate) fn boot_time() -> Result<f64> {
    let path = crate::sys::roots::procfs_root().join("stat");
    Ok(parse_file(&path, proc_stat::parse_btime)? as f64)
}

/// glibc's default utmp file (`_PATH_UTMP`).
const UTMP: &str = "/var/run/utmp";

/// `USER_PROCESS` records of the system's utmp file.
pub(crate) fn users() -> Result<Vec<User>> {
    users_from(Path::new(UTMP))
}

/// `USER_PROCESS` records of a utmp file; a missing file means nobody is logged in.
pub(crate) fn users_from(path: &Path) -> Result<Vec<User>> {
    let records = match with_file(path, utmp::parse_utmp) {
        Ok(r) => r,
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(Vec::new()),
        Err(e) => return Err(Error::os(e, path.display().to_string())),
    };
    Ok(utmp::users(records)
        .into_iter()
        .map(|u| User {
            name: into_string(u.name),
            terminal: u.terminal.map(into_string),
            host: into_string(u.host),
            started: u.started,
            pid: Some(u.pid),
        })
        .collect())
}

/// UTF-8 bytes become a `String` without a copy; others are converted lossily.
fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
