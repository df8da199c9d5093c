//! `/proc/PID/statm` (`man 5 proc`): seven numbers of pages,
//! `size resident shared text lib data dt`.

use crate::util::{fields, parse_u64};
use crate::{ParseError, Result};

/// The seven fields of `/proc/PID/statm`, in pages. `lib` and `dt` are always 0
/// since Linux 2.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Statm {
    /// Total program size (VmSize).
    pub size: u64,
    /// Resident set size (VmRSS).
    pub resident: u64,
    /// Resident shared pages (file-backed and shared memory).
    pub shared: u64,
    /// Text (code).
    pub text: u64,
    /// Library (unused since 2.6, always 0).
    pub lib: u64,
    /// Data + stack.
    pub data: u64,
    /// Dirty pages (unused since 2.6, always 0).
    pub dt: u64,
}

/// Parses `/proc/PID/statm`.
///
/// Errors: fewer than seven fields or a non-number.
pub fn parse_statm(data: &[u8]) -> Result<Statm> {
    let mut v = [0u64; 7];
    let mut it = fields(data);
    for (i, slot) in v.iter_mut().enumerate() {
        let f = it
            .next()
            .ok_or_else(|| ParseError::new(format!("statm: only {i} fields, expected 7")))?;
        *slot = parse_u64(f, "statm")?;
    }
    Ok(Statm {
        size: v[0],
        resident: v[1],
        shared: v[2],
        text: v[3],
        lib: v[4],
        data: v[5],
        dt: v[6],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_file() {
        let data = include_bytes!("../../fixtures/linux/vm-6.18/proc-python-statm");
        let text = String::from_utf8_lossy(data);
        let expect: Vec<u64> = text
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        let s = parse_statm(data).unwrap();
        assert_eq!(
            vec![s.size, s.resident, s.shared, s.text, s.lib, s.data, s.dt],
            expect
        );
        assert!(s.resident > 0 && s.size >= s.resident);
    }

    #[test]
    fn malformed() {
        assert!(parse_statm(b"1 2 3").is_err());
        assert!(parse_statm(b"1 2 3 4 5 6 x").is_err());
        assert_eq!(parse_statm(b"0 0 0 0 0 0 0\n").unwrap(), Statm::default());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = parse_statm(&data);
        }
    }
}
