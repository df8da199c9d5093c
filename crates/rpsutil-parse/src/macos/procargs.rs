//! The `sysctl({CTL_KERN, KERN_PROCARGS2, pid})` argument area (XNU
//! `bsd/kern/kern_sysctl.c`, `sysctl_procargsx`), split as psutil 7.2.2 does
//! (`arch/osx/proc.c`, `psutil_proc_cmdline` / `psutil_proc_environ`).
//!
//! Layout: `int argc` | the executable path, NUL-terminated | NUL padding |
//! `argc` argument strings | the environment strings | an empty string | the
//! "apple" strings (`executable_path=…`, not environment).

use super::i32_at;
use crate::{ParseError, Result};

/// The parts of a `KERN_PROCARGS2` buffer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcArgs {
    /// The executable path the kernel recorded at exec.
    pub exec_path: Vec<u8>,
    /// The arguments (empty arguments kept), psutil's `cmdline()`.
    pub argv: Vec<Vec<u8>>,
    /// The environment strings up to the first empty one (raw, `KEY=VALUE`).
    pub env: Vec<Vec<u8>>,
}

/// Splits a `KERN_PROCARGS2` buffer (the bytes the kernel returned, no more).
///
/// Like psutil: the exec path and the run of NULs after it are skipped; then `argc`
/// NUL-terminated strings are taken while bytes remain (the last one may lack its
/// NUL); nothing after the exec path gives an empty `argv`. The environment is the
/// consecutive strings after the arguments up to the first empty one. A buffer too
/// short for `argc`, or a negative `argc`, is an error.
pub fn parse_procargs2(data: &[u8]) -> Result<ProcArgs> {
    let argc = i32_at(data, 0, "KERN_PROCARGS2 argc")?;
    let argc = usize::try_from(argc)
        .map_err(|_| ParseError::new(format!("KERN_PROCARGS2: negative argc {argc}")))?;
    let rest = &data[4..];
    let exec_end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let exec_path = rest[..exec_end].to_vec();
    let mut pos = exec_end;
    while pos < rest.len() && rest[pos] == 0 {
        pos += 1;
    }
    let mut argv = Vec::new();
    while argv.len() < argc && pos < rest.len() {
        let (s, next) = next_string(rest, pos);
        argv.push(s.to_vec());
        pos = next;
    }
    let mut env = Vec::new();
    if argv.len() == argc {
        while pos < rest.len() {
            let (s, next) = next_string(rest, pos);
            if s.is_empty() {
                break;
            }
            env.push(s.to_vec());
            pos = next;
        }
    }
    Ok(ProcArgs {
        exec_path,
        argv,
        env,
    })
}

/// The string at `pos` (up to a NUL or the end) and the position after its NUL.
fn next_string(data: &[u8], pos: usize) -> (&[u8], usize) {
    let tail = &data[pos..];
    match tail.iter().position(|&b| b == 0) {
        Some(n) => (&tail[..n], pos + n + 1),
        None => (tail, data.len()),
    }
}

/// psutil's `parse_environ_block` on the environment strings: entries without `=`
/// or starting with `=` are dropped; the key ends at the first `=`. Duplicates are
/// all returned in order; the caller keeps the last.
pub fn environ_pairs(env: &[Vec<u8>]) -> Vec<(Vec<u8>, Vec<u8>)> {
    env.iter()
        .filter_map(|e| {
            let eq = e.iter().position(|&b| b == b'=')?;
            (eq > 0).then(|| (e[..eq].to_vec(), e[eq + 1..].to_vec()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn area(argc: i32, body: &[u8]) -> Vec<u8> {
        let mut v = argc.to_le_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn splits_args_env_and_apple_strings() {
        let buf = area(
            3,
            b"/bin/sleep\0\0\0\0sleep\0\0-x y\0HOME=/Users/a\0=bad\0PATH=/bin\0\0executable_path=/bin/sleep\0",
        );
        let a = parse_procargs2(&buf).unwrap();
        assert_eq!(a.exec_path, b"/bin/sleep");
        assert_eq!(a.argv, [&b"sleep"[..], b"", b"-x y"]);
        assert_eq!(a.env, [&b"HOME=/Users/a"[..], b"=bad", b"PATH=/bin"]);
        let pairs = environ_pairs(&a.env);
        assert_eq!(
            pairs,
            [
                (b"HOME".to_vec(), b"/Users/a".to_vec()),
                (b"PATH".to_vec(), b"/bin".to_vec())
            ]
        );
    }

    #[test]
    fn nothing_after_exec_path() {
        let a = parse_procargs2(&area(2, b"/sbin/launchd\0\0\0")).unwrap();
        assert_eq!(a.exec_path, b"/sbin/launchd");
        assert!(a.argv.is_empty());
        assert!(a.env.is_empty());
    }

    #[test]
    fn last_argument_without_nul() {
        let a = parse_procargs2(&area(2, b"/a\0a\0tail")).unwrap();
        assert_eq!(a.argv, [&b"a"[..], b"tail"]);
        assert!(a.env.is_empty());
    }

    #[test]
    fn fewer_strings_than_argc() {
        let a = parse_procargs2(&area(5, b"/a\0\0one\0two\0")).unwrap();
        assert_eq!(a.argv, [&b"one"[..], b"two"]);
        assert!(a.env.is_empty());
    }

    #[test]
    fn zero_argc_goes_straight_to_env() {
        let a = parse_procargs2(&area(0, b"/a\0\0K=V\0\0")).unwrap();
        assert!(a.argv.is_empty());
        assert_eq!(a.env, [&b"K=V"[..]]);
    }

    #[test]
    fn malformed() {
        assert!(parse_procargs2(b"").is_err());
        assert!(parse_procargs2(&[1, 0]).is_err());
        assert!(parse_procargs2(&area(-1, b"/a\0")).is_err());
        assert_eq!(parse_procargs2(&area(1, b"")).unwrap(), ProcArgs::default());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(a) = parse_procargs2(&data) {
                let _ = environ_pairs(&a.env);
            }
        }

        #[test]
        fn round_trip(args in proptest::collection::vec("[a-z][a-z ]{0,7}", 1..6)) {
            let mut body = b"/x\0\0".to_vec();
            for a in &args {
                body.extend_from_slice(a.as_bytes());
                body.push(0);
            }
            let parsed = parse_procargs2(&area(args.len() as i32, &body)).unwrap();
            let want: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
            prop_assert_eq!(parsed.argv, want);
        }
    }
}
