//! psutil's process-name fix-up: the kernel truncates names to 15 bytes
//! (TASK_COMM_LEN - 1), so a longer name is recovered from `argv[0]`.

/// If `name` has 15 or more characters and the basename of `argv0` starts with it,
/// returns that basename; otherwise None (keep the short name). psutil's rule
/// (`Process.name`).
pub(crate) fn extend_truncated_name(name: &str, argv0: Option<&str>) -> Option<String> {
    if name.chars().count() < 15 {
        return None;
    }
    let argv0 = argv0?;
    let base = argv0.rsplit('/').next().unwrap_or(argv0);
    if base.starts_with(name) {
        Some(base.to_string())
    } else {
        None
    }
}

/// True when a name of this length may have been truncated by the kernel.
pub(crate) fn may_be_truncated(name: &str) -> bool {
    name.chars().count() >= 15
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixups() {
        assert_eq!(
            extend_truncated_name("averyveryverylo", Some("/tmp/averyveryverylongprogramname")),
            Some("averyveryverylongprogramname".into())
        );
        assert_eq!(extend_truncated_name("anotherverylong", Some("foo")), None);
        assert_eq!(extend_truncated_name("short", Some("/bin/shorter")), None);
        assert_eq!(extend_truncated_name("averyveryverylo", None), None);
        assert!(may_be_truncated("123456789012345"));
        assert!(!may_be_truncated("12345678901234"));
    }
}
