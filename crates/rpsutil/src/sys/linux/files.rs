//! Reading pseudo-files. /proc files are generated on `read(2)`; a single large read
//! gets a consistent snapshot (psutil uses a 32 KiB buffer for the same reason,
//! its issues #708 and #2050).
//!
//! Files are read with plain `read(2)` calls into a per-thread buffer that is reused
//! from file to file: `read_to_end` would add an `fstat` and an `lseek` per file to
//! size its buffer (the sizes of /proc files are always reported as 0 anyway), and a
//! fresh buffer per file costs an allocation. In a scan of every process these are
//! measurable (docs/PERFORMANCE.md).

use std::cell::RefCell;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::Pid;

/// `ROOT/PID/NAME` (or `ROOT/PID` for an empty name).
pub(crate) fn pid_path(root: &Path, pid: Pid, name: &str) -> PathBuf {
    let mut digits = [0u8; 10];
    let mut n = pid;
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let pid_str = std::str::from_utf8(&digits[start..]).unwrap_or("0");
    let mut s = OsString::with_capacity(root.as_os_str().len() + 12 + name.len());
    s.push(root.as_os_str());
    s.push("/");
    s.push(pid_str);
    if !name.is_empty() {
        s.push("/");
        s.push(name);
    }
    PathBuf::from(s)
}

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(8192));
}

/// Reads the rest of `f` into `buf`. With `one_piece`, a read that returns less
/// than it was given room for ends the loop: the file is produced in one piece (see
/// [`with_record_file`]), so the read that would return 0 is not made.
fn read_all(f: &mut File, buf: &mut Vec<u8>, one_piece: bool) -> io::Result<()> {
    read_all_with(buf, one_piece, |chunk, _| f.read(chunk))
}

/// [`read_all`] over any reader given each chunk's offset in the file (`pread` on
/// a kept descriptor, or `read` on a fresh one).
fn read_all_with(
    buf: &mut Vec<u8>,
    one_piece: bool,
    mut read: impl FnMut(&mut [u8], u64) -> io::Result<usize>,
) -> io::Result<()> {
    buf.clear();
    loop {
        if buf.len() == buf.capacity() {
            buf.reserve(buf.capacity().max(4096));
        }
        let len = buf.len();
        let cap = buf.capacity();
        buf.resize(cap, 0);
        match read(&mut buf[len..], len as u64) {
            Ok(0) => {
                buf.truncate(len);
                return Ok(());
            }
            Ok(n) => {
                buf.truncate(len + n);
                if one_piece && n < cap - len {
                    return Ok(());
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => buf.truncate(len),
            Err(e) => {
                buf.truncate(len);
                return Err(e);
            }
        }
    }
}

fn with_file_read<T>(path: &Path, one_piece: bool, f: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
    let mut file = File::open(path)?;
    with_scratch(|buf| read_all(&mut file, buf, one_piece), f)
}

/// Fills this thread's reusable buffer with `fill` and hands the bytes to `f`.
fn with_scratch<T>(
    fill: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
    f: impl FnOnce(&[u8]) -> T,
) -> io::Result<T> {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            fill(&mut buf)?;
            Ok(f(&buf))
        }
        // Re-entered from inside `f` (not done today): use a private buffer.
        Err(_) => {
            let mut buf = Vec::with_capacity(4096);
            fill(&mut buf)?;
            Ok(f(&buf))
        }
    })
}

/// [`with_record_file`] on a descriptor kept open across calls: the record is
/// produced again by each `pread` at offset 0 (seq files restart there), so a
/// table refresh costs one syscall per file instead of open, read and close. A
/// descriptor of `/proc/PID/*` stays bound to the process it was opened for:
/// once that process is reaped, `pread` fails with ESRCH, even if the pid is
/// reused (the kernel finds no task behind the file's inode any more).
pub(crate) fn with_kept_record<T>(file: &File, f: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
    use std::os::unix::fs::FileExt;
    let read = |chunk: &mut [u8], offset: u64| file.read_at(chunk, offset);
    with_scratch(|buf| read_all_with(buf, true, read), f)
}

/// Reads a whole file and hands its bytes to `f` without keeping them: the buffer is
/// reused by the next call on this thread.
pub(crate) fn with_file<T>(path: &Path, f: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
    with_file_read(path, false, f)
}

/// [`with_file`] for a file the kernel produces in one piece: `/proc/PID/stat`,
/// `statm` and `status` are single-record seq files (`single_open`), whose first
/// read returns the whole record when it fits; a regular file (a fixture) returns
/// less than asked only at its end. So a short read is the end, and the read that
/// would return 0 is skipped: a quarter of the syscalls of a process-table scan.
/// (Not for multi-record files such as `smaps` or `/proc/net/tcp`, whose reads
/// return a page at a time.)
pub(crate) fn with_record_file<T>(path: &Path, f: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
    with_file_read(path, true, f)
}

/// Reads a system file (a process's errors go through `errors::translate`) and
/// parses it in place: an I/O error is `Error::Os` with the path, a parser error
/// `Error::Parse` with the path.
pub(crate) fn parse_file<T>(
    path: &Path,
    parse: impl FnOnce(&[u8]) -> rpsutil_parse::Result<T>,
) -> crate::Result<T> {
    with_file(path, parse)
        .map_err(|e| crate::Error::os(e, path.display().to_string()))?
        .map_err(|e| parse_error(path, e))
}

/// A parser error, with the file it came from.
pub(crate) fn parse_error(path: &Path, e: rpsutil_parse::ParseError) -> crate::Error {
    crate::Error::Parse {
        path: path.display().to_string(),
        detail: e.detail,
    }
}

/// A one-number sysfs attribute (`scaling_cur_freq`, `temp1_input`...), None when the
/// file is missing or not a number.
pub(crate) fn read_sysfs_number(path: &Path) -> Option<f64> {
    with_file(path, rpsutil_parse::linux::sysfs::parse_float)
        .ok()?
        .ok()
}

/// Reads a whole file into a new vector of exactly its size.
pub(crate) fn read(path: &Path) -> io::Result<Vec<u8>> {
    with_file(path, <[u8]>::to_vec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            pid_path(Path::new("/proc"), 0, "stat"),
            PathBuf::from("/proc/0/stat")
        );
        assert_eq!(
            pid_path(Path::new("/proc"), 4294967295, ""),
            PathBuf::from("/proc/4294967295")
        );
        assert_eq!(
            pid_path(Path::new("/x/y"), 42, "task/1/stat"),
            PathBuf::from("/x/y/42/task/1/stat")
        );
    }

    #[test]
    fn reads_large_files_whole() {
        let dir = std::env::temp_dir().join(format!("rpsutil-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("big");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &data).unwrap();
        assert_eq!(read(&p).unwrap(), data);
        assert_eq!(with_file(&p, |b| b.len()).unwrap(), data.len());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
