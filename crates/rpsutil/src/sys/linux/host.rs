//! Boot time, users, load average.

use std::path::Path;

use rpsutil_parse::linux::{proc_stat, utmp};

use super::errors::parse_error;
use super::files::read;
use crate::host::User;
use crate::{Error, Result};

/// `btime` of `/proc/stat`, read now (not the cached value processes use).
pub(crate) fn boot_time_fresh() -> Result<f64> {
    let path = crate::sys::procfs_root().join("stat");
    let data = read(&path).map_err(|e| Error::os(e, path.display().to_string()))?;
    Ok(proc_stat::parse_btime(&data).map_err(|e| parse_error(&path, e))? as f64)
}

/// glibc's default utmp file (`_PATH_UTMP`).
const UTMP: &str = "/var/run/utmp";

/// `USER_PROCESS` records of the utmp file; a missing file means nobody is logged in.
pub(crate) fn users(file: Option<&Path>) -> Result<Vec<User>> {
    let path = file.unwrap_or(Path::new(UTMP));
    let data = match read(path) {
        Ok(d) => d,
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(Vec::new()),
        Err(e) => return Err(Error::os(e, path.display().to_string())),
    };
    let records = utmp::parse_utmp(&data);
    Ok(utmp::users(&records)
        .into_iter()
        .map(|u| User {
            name: String::from_utf8_lossy(&u.name).into_owned(),
            terminal: u.terminal.map(|t| String::from_utf8_lossy(&t).into_owned()),
            host: String::from_utf8_lossy(&u.host).into_owned(),
            started: u.started,
            pid: Some(u.pid),
        })
        .collect())
}

pub(crate) fn getloadavg() -> Result<(f64, f64, f64)> {
    crate::sys::unix::getloadavg()
}
