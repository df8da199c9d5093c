//! psutil 7.2.2's `opts` string of `disk_partitions` on macOS (`arch/osx/disk.c`):
//! `ro` or `rw`, then the name of each `MNT_*` flag set in `f_flags`, in psutil's
//! order, comma-joined.

/// Builds the options string. `rdonly` is `MNT_RDONLY`; `table` lists the other
/// flags in psutil's order with their names (the caller takes the values from the
/// OS headers). A flag of value 0 (absent from the build's headers) never matches.
pub fn mount_opts(flags: u64, rdonly: u64, table: &[(u64, &str)]) -> String {
    let mut out = String::from(if flags & rdonly != 0 { "ro" } else { "rw" });
    for (bit, name) in table {
        if *bit != 0 && flags & bit == *bit {
            out.push(',');
            out.push_str(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn order_and_ro() {
        let table = [
            (0x2, "sync"),
            (0x4, "noexec"),
            (0x1000, "local"),
            (0, "never"),
        ];
        assert_eq!(
            mount_opts(0x1 | 0x4 | 0x1000, 0x1, &table),
            "ro,noexec,local"
        );
        assert_eq!(mount_opts(0, 0x1, &table), "rw");
        assert_eq!(mount_opts(0x2, 0x1, &table), "rw,sync");
    }

    proptest! {
        #[test]
        fn never_panics(f in any::<u64>()) {
            let s = mount_opts(f, 1, &[(2, "a"), (4, "b")]);
            prop_assert!(s.starts_with("r"));
        }
    }
}
