//! `/etc/mnttab` (`mnttab(5)`): one mounted file system per line, fields separated
//! by TABs: `special mount_point fstype options time`. psutil reads it with
//! `getmntent(3C)` (`psutil/arch/sunos/disk.c`).

/// One mount, psutil's `(mnt_special, mnt_mountp, mnt_fstype, mnt_mntopts)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MnttabEntry {
    /// The mounted resource (device, dataset, `swap`, ...).
    pub special: String,
    /// Where it is mounted.
    pub mountp: String,
    /// The file system type.
    pub fstype: String,
    /// Mount options, comma separated.
    pub mntopts: String,
}

/// Parses the table. Fields are split on TABs (the format `mnttab(5)` defines, so
/// mount points may hold spaces); a line with fewer than four TAB-separated fields
/// is split on any whitespace instead, and skipped if that also gives fewer than
/// four (`getmntent` reports it as `MNT_TOOFEW`).
pub fn parse_mnttab(data: &[u8]) -> Vec<MnttabEntry> {
    let text = String::from_utf8_lossy(data);
    text.lines()
        .filter_map(|line| {
            let mut fields: Vec<&str> = line.split('\t').collect();
            if fields.len() < 4 {
                fields = line.split_whitespace().collect();
            }
            if fields.len() < 4 {
                return None;
            }
            Some(MnttabEntry {
                special: fields[0].to_string(),
                mountp: fields[1].to_string(),
                fstype: fields[2].to_string(),
                mntopts: fields[3].to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn entries() {
        let data = b"rpool/ROOT/openindiana\t/\tzfs\tdev=4010002\t1700000000\n\
/devices\t/devices\tdevfs\tdev=8580000\t1700000000\n\
swap\t/tmp dir\ttmpfs\txattr,dev=8640002\t1700000001\n\
broken line\n\
a b c d e\n";
        let e = parse_mnttab(data);
        assert_eq!(e.len(), 4);
        assert_eq!(e[0].special, "rpool/ROOT/openindiana");
        assert_eq!(e[0].mountp, "/");
        assert_eq!(e[0].fstype, "zfs");
        assert_eq!(e[0].mntopts, "dev=4010002");
        assert_eq!(e[2].mountp, "/tmp dir");
        assert_eq!(e[3].fstype, "c");
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..500)) {
            for e in parse_mnttab(&data) {
                prop_assert!(!e.mountp.contains('\n'));
            }
        }
    }
}
