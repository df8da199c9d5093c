//! Reading pseudo-files. /proc files are generated on `read(2)`; a single large read
//! gets a consistent snapshot (psutil uses a 32 KiB buffer for the same reason,
//! its issues #708 and #2050).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::Pid;

/// `ROOT/PID/NAME`.
pub(crate) fn pid_path(root: &Path, pid: Pid, name: &str) -> PathBuf {
    let mut s = std::ffi::OsString::with_capacity(root.as_os_str().len() + 24 + name.len());
    s.push(root.as_os_str());
    s.push("/");
    s.push(pid.to_string());
    if !name.is_empty() {
        s.push("/");
        s.push(name);
    }
    PathBuf::from(s)
}

/// Reads a whole file.
pub(crate) fn read(path: &Path) -> io::Result<Vec<u8>> {
    let mut f = File::open(path)?;
    let mut buf = Vec::with_capacity(4096);
    f.read_to_end(&mut buf)?;
    Ok(buf)
}
