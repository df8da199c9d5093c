//! Command lines and environments as the BSD kernels return them through
//! `sysctl(KERN_PROC_ARGS)`.
//!
//! FreeBSD (`KERN_PROC_ARGS`, `KERN_PROC_ENV`) and NetBSD (`KERN_PROC_ARGS` with
//! `KERN_PROC_ARGV` / `KERN_PROC_ENV`) return the strings back to back, each ending
//! in NUL. OpenBSD (`KERN_PROC_ARGV` / `KERN_PROC_ENV`) returns a NULL-terminated
//! array of `char *` whose pointers the kernel relocated to the caller's buffer,
//! followed by the strings (`sys/kern/kern_sysctl.c`, `sysctl_proc_args`).

use crate::{ParseError, Result};

/// NUL-terminated strings back to back (a final string without its NUL is kept,
/// psutil's `psutil_cmdline` decodes up to the returned size).
pub fn split_nul(buf: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = buf.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
    // A trailing NUL leaves one empty piece after it.
    if buf.last() == Some(&0) || buf.is_empty() {
        out.pop();
    }
    out
}

/// `KEY=VALUE` strings into pairs, split at the first `=`; strings without `=`
/// are skipped (psutil `arch/bsd/proc.c`, `psutil_proc_environ`).
pub fn environ_pairs(strings: &[Vec<u8>]) -> Vec<(Vec<u8>, Vec<u8>)> {
    strings
        .iter()
        .filter_map(|s| {
            let eq = s.iter().position(|&b| b == b'=')?;
            Some((s[..eq].to_vec(), s[eq + 1..].to_vec()))
        })
        .collect()
}

/// OpenBSD's relocated pointer array: `buf` was filled at address `base`; pointers
/// are `ptr_size` bytes (8 on 64-bit), native byte order. Each non-NULL pointer
/// must point inside the buffer, at a NUL-terminated string.
pub fn openbsd_argv(buf: &[u8], base: u64, ptr_size: usize) -> Result<Vec<Vec<u8>>> {
    if ptr_size != 4 && ptr_size != 8 {
        return Err(ParseError::new(format!("pointer size {ptr_size}")));
    }
    let mut out = Vec::new();
    let mut at = 0usize;
    loop {
        let raw = buf
            .get(at..at + ptr_size)
            .ok_or_else(|| ParseError::new("argv array without its NULL terminator"))?;
        let ptr = if ptr_size == 8 {
            let mut b = [0u8; 8];
            b.copy_from_slice(raw);
            u64::from_ne_bytes(b)
        } else {
            let mut b = [0u8; 4];
            b.copy_from_slice(raw);
            u64::from(u32::from_ne_bytes(b))
        };
        if ptr == 0 {
            return Ok(out);
        }
        let off = ptr
            .checked_sub(base)
            .and_then(|o| usize::try_from(o).ok())
            .filter(|&o| o < buf.len())
            .ok_or_else(|| ParseError::new(format!("argv pointer {ptr:#x} outside the buffer")))?;
        let s = &buf[off..];
        let end = s
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| ParseError::new("argv string without NUL"))?;
        out.push(s[..end].to_vec());
        at += ptr_size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nul_separated() {
        assert_eq!(
            split_nul(b"/bin/sh\0-c\0\0x\0"),
            vec![b"/bin/sh".to_vec(), b"-c".to_vec(), vec![], b"x".to_vec()]
        );
        assert_eq!(split_nul(b"a\0b"), vec![b"a".to_vec(), b"b".to_vec()]);
        assert!(split_nul(b"").is_empty());
    }

    #[test]
    fn environ_split_at_first_equals() {
        let s = split_nul(b"A=1\0B==2\0junk\0C=\0");
        assert_eq!(
            environ_pairs(&s),
            vec![
                (b"A".to_vec(), b"1".to_vec()),
                (b"B".to_vec(), b"=2".to_vec()),
                (b"C".to_vec(), vec![]),
            ]
        );
    }

    #[test]
    fn openbsd_relocated_pointers() {
        let base = 0x7f00_0000_1000u64;
        // Three pointers (2 strings + NULL), then the strings.
        let mut buf = Vec::new();
        let strings_at = 24u64;
        buf.extend_from_slice(&(base + strings_at).to_ne_bytes());
        buf.extend_from_slice(&(base + strings_at + 3).to_ne_bytes());
        buf.extend_from_slice(&0u64.to_ne_bytes());
        buf.extend_from_slice(b"ls\0-la\0");
        assert_eq!(
            openbsd_argv(&buf, base, 8).unwrap(),
            vec![b"ls".to_vec(), b"-la".to_vec()]
        );
        // A pointer outside the buffer, a missing terminator: errors.
        let mut bad = buf.clone();
        bad[..8].copy_from_slice(&(base - 1).to_ne_bytes());
        assert!(openbsd_argv(&bad, base, 8).is_err());
        assert!(openbsd_argv(&buf[..8], base, 8).is_err());
        assert!(openbsd_argv(&buf, base, 3).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..200), base in any::<u64>()) {
            let _ = environ_pairs(&split_nul(&buf));
            let _ = openbsd_argv(&buf, base, 8);
            let _ = openbsd_argv(&buf, base, 4);
        }
    }
}
