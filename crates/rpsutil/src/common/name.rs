//! psutil's process-name fix-up: the kernel truncates names to 15 bytes
//! (TASK_COMM_LEN - 1), so a longer name is recovered from `argv[0]`.
//!
//! The rule works on the raw bytes, so names that are not UTF-8 are fixed up the
//! way psutil fixes up their surrogate-escaped `str`: a byte that is not part of a
//! UTF-8 character counts as one character, as one surrogate escape does.

/// The length psutil sees: characters, counting each byte that is not UTF-8 as one.
fn psutil_len(name: &[u8]) -> usize {
    name.utf8_chunks()
        .map(|c| c.valid().chars().count() + c.invalid().len())
        .sum()
}

/// If `name` has 15 or more characters and the basename of `argv0` starts with it,
/// returns that basename; otherwise None (keep the short name). psutil's rule
/// (`Process.name`).
pub(crate) fn extend_truncated_name(name: &[u8], argv0: Option<&[u8]>) -> Option<Vec<u8>> {
    if !may_be_truncated(name) {
        return None;
    }
    let argv0 = argv0?;
    let base = argv0.rsplit(|b| *b == b'/').next().unwrap_or(argv0);
    base.starts_with(name).then(|| base.to_vec())
}

/// True when a name of this length may have been truncated by the kernel.
pub(crate) fn may_be_truncated(name: &[u8]) -> bool {
    psutil_len(name) >= 15
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixups() {
        assert_eq!(
            extend_truncated_name(
                b"averyveryverylo",
                Some(b"/tmp/averyveryverylongprogramname")
            ),
            Some(b"averyveryverylongprogramname".to_vec())
        );
        assert_eq!(
            extend_truncated_name(b"anotherverylong", Some(b"foo")),
            None
        );
        assert_eq!(extend_truncated_name(b"short", Some(b"/bin/shorter")), None);
        assert_eq!(extend_truncated_name(b"averyveryverylo", None), None);
        assert!(may_be_truncated(b"123456789012345"));
        assert!(!may_be_truncated(b"12345678901234"));
    }

    #[test]
    fn characters_not_bytes() {
        // 14 characters in 28 bytes: not truncated (psutil counts characters).
        let cyrillic = "абвгдежзийклмн".as_bytes();
        assert_eq!(cyrillic.len(), 28);
        assert!(!may_be_truncated(cyrillic));
        // 13 ASCII bytes and 2 bytes that are not UTF-8: 15 "characters".
        let mut odd = b"abcdefghijklm".to_vec();
        odd.extend_from_slice(&[0xc0, 0x80]);
        assert!(may_be_truncated(&odd));
        let mut argv0 = b"/x/".to_vec();
        argv0.extend_from_slice(&odd);
        argv0.extend_from_slice(b"-tail");
        assert_eq!(
            extend_truncated_name(&odd, Some(&argv0)),
            Some(argv0[3..].to_vec())
        );
    }
}
