//! The argument and environment vectors of a process, read from its address space
//! `/proc/PID/as` at the addresses `psinfo` gives (`pr_argv`, `pr_envp`), as
//! psutil's `psutil/arch/sunos/environ.c` does. The pointer width is the target's
//! (`pr_dmodel`); strings are read in 512-byte chunks up to their NUL.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use rpsutil_parse::sunos::procfs::{decode_pointers, pointer_size, terminated, Psinfo};

/// Largest string read (a sanity bound far above `ARG_MAX`).
const MAX_STRING: usize = 4 << 20;
/// Most pointers read from one vector.
const MAX_POINTERS: usize = 1 << 20;
/// psutil's chunk size for strings.
const CHUNK: usize = 512;

/// An open `/proc/PID/as`.
pub(crate) struct AddressSpace {
    file: File,
    ptr_size: usize,
}

impl AddressSpace {
    /// Opens `path` (`/proc/PID/as`) for a process of data model `info.pr_dmodel`.
    pub(crate) fn open(path: &Path, info: &Psinfo) -> io::Result<AddressSpace> {
        let ptr_size = pointer_size(info.dmodel)
            .ok_or_else(|| io::Error::other(format!("unknown data model {}", info.dmodel)))?;
        Ok(AddressSpace {
            file: File::open(path)?,
            ptr_size,
        })
    }

    /// Reads up to `buf.len()` bytes at `addr`; the count read (0 at the end of
    /// the mapped space).
    fn read_at(&self, buf: &mut [u8], addr: u64) -> io::Result<usize> {
        loop {
            match self.file.read_at(buf, addr) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    /// Reads exactly `buf.len()` bytes at `addr`.
    fn read_exact_at(&self, buf: &mut [u8], addr: u64) -> io::Result<()> {
        let mut done = 0;
        while done < buf.len() {
            let n = self.read_at(&mut buf[done..], addr.wrapping_add(done as u64))?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "end of the address space",
                ));
            }
            done += n;
        }
        Ok(())
    }

    /// `count` pointers at `addr`.
    pub(crate) fn pointers(&self, addr: u64, count: usize) -> io::Result<Vec<u64>> {
        let count = count.min(MAX_POINTERS);
        let mut buf = vec![0u8; count * self.ptr_size];
        self.read_exact_at(&mut buf, addr)?;
        decode_pointers(&buf, self.ptr_size).map_err(|e| io::Error::other(e.detail))
    }

    /// Pointers at `addr` up to (not including) the first NULL one; the end of
    /// the address space also ends the vector (psutil's `ptr_count`).
    pub(crate) fn null_terminated_pointers(&self, addr: u64) -> io::Result<Vec<u64>> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; self.ptr_size];
        let mut at = addr;
        while out.len() < MAX_POINTERS {
            let n = self.read_at(&mut buf, at)?;
            if n == 0 {
                break;
            }
            if n < buf.len() {
                return Err(io::Error::other("partial pointer"));
            }
            let ptr = decode_pointers(&buf, self.ptr_size)
                .map_err(|e| io::Error::other(e.detail))?
                .first()
                .copied()
                .unwrap_or(0);
            if ptr == 0 {
                break;
            }
            out.push(ptr);
            at = at.wrapping_add(self.ptr_size as u64);
        }
        Ok(out)
    }

    /// The NUL-terminated string at `addr` (what was read when the address space
    /// ends first).
    pub(crate) fn string(&self, addr: u64) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut chunk = [0u8; CHUNK];
        while out.len() < MAX_STRING {
            let n = self.read_at(&mut chunk, addr.wrapping_add(out.len() as u64))?;
            if n == 0 {
                break;
            }
            if let Some(s) = terminated(&chunk[..n]) {
                out.extend_from_slice(s);
                return Ok(out);
            }
            out.extend_from_slice(&chunk[..n]);
        }
        Ok(out)
    }
}

/// The `argc` arguments at `pr_argv`, or an error for psutil's silent fallback.
pub(crate) fn read_argv(as_path: &Path, info: &Psinfo) -> io::Result<Vec<Vec<u8>>> {
    let argc = usize::try_from(info.argc).unwrap_or(0);
    if argc == 0 || info.argv == 0 {
        return Err(io::Error::other("no argument vector"));
    }
    let space = AddressSpace::open(as_path, info)?;
    space
        .pointers(info.argv, argc)?
        .into_iter()
        .map(|p| space.string(p))
        .collect()
}

/// The strings of the environment vector at `pr_envp`.
pub(crate) fn read_envp(as_path: &Path, info: &Psinfo) -> io::Result<Vec<Vec<u8>>> {
    let space = AddressSpace::open(as_path, info)?;
    space
        .null_terminated_pointers(info.envp)?
        .into_iter()
        .map(|p| space.string(p))
        .collect()
}
