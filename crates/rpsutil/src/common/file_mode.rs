//! psutil's `file_flags_to_mode`: an `open(2)` flag word to a `fopen(3)`-like mode.

/// `flags & O_ACCMODE`: RDONLY → `r`, WRONLY → `w`, RDWR → `w+`; with `O_APPEND` the
/// `w` becomes `a`; then `w+` is reported as `r+` (O_TRUNC is not visible afterwards).
/// Possible results: `r`, `w`, `a`, `r+`, `a+`.
pub(crate) fn flags_to_mode(flags: i32, o_append: i32) -> &'static str {
    // O_RDONLY/O_WRONLY/O_RDWR are 0/1/2 on every OS psutil supports (POSIX).
    let append = flags & o_append != 0;
    match (flags & 3, append) {
        (0, _) => "r",
        (1, false) => "w",
        (1, true) => "a",
        (_, false) => "r+",
        (_, true) => "a+",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const O_APPEND: i32 = 0o2000; // Linux's value

    #[test]
    fn psutil_table() {
        assert_eq!(flags_to_mode(0o100000, O_APPEND), "r");
        assert_eq!(flags_to_mode(0o2100001, O_APPEND), "w");
        assert_eq!(flags_to_mode(0o2102001, O_APPEND), "a");
        assert_eq!(flags_to_mode(0o100002, O_APPEND), "r+");
        assert_eq!(flags_to_mode(0o102002, O_APPEND), "a+");
        assert_eq!(flags_to_mode(0o1002 | 0o1000, O_APPEND), "r+");
    }
}
