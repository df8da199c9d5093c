//! The mount table, `/proc/self/mounts` / `/proc/PID/mounts` / `/etc/mtab`
//! (`man 5 proc` "/proc/pid/mounts", `man 5 fstab`, `man 3 getmntent`), and
//! `/proc/filesystems` (`man 5 filesystems`).
//!
//! A mount line is `device mountpoint fstype options freq passno`, separated by
//! spaces or tabs. The kernel (`fs/proc_namespace.c::show_vfsmnt` →
//! `mangle(" \t\n\\")`) escapes space, tab, newline and backslash inside a field as
//! the octal sequences `\040`, `\011`, `\012` and `\134`; glibc's `getmntent`
//! (`misc/mntent_r.c::decode_name`), which psutil uses, decodes exactly those four
//! plus `\\`. Other backslashes are kept as they are.

use crate::util::trim;

/// One mount table entry, with the fields decoded (raw bytes: paths need not be
/// UTF-8).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MountEntry {
    /// `mnt_fsname`: the device or source (`/dev/vda`, `tmpfs`, `none`, `server:/x`).
    pub device: Vec<u8>,
    /// `mnt_dir`: the mount point.
    pub mountpoint: Vec<u8>,
    /// `mnt_type`: the file system type (`ext4`, `fuse.sshfs`).
    pub fstype: Vec<u8>,
    /// `mnt_opts`: the comma-separated options, verbatim (psutil `opts`).
    pub options: Vec<u8>,
    /// `mnt_freq` (dump frequency; always 0 in `/proc/*/mounts`).
    pub freq: i32,
    /// `mnt_passno` (fsck order; always 0 in `/proc/*/mounts`).
    pub passno: i32,
}

/// Decodes the four octal escapes `getmntent` understands (and `\\`).
pub fn decode_mount_field(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while let Some(&b) = field.get(i) {
        if b == b'\\' {
            let decoded = match field.get(i + 1..i + 4) {
                Some(b"040") => Some((b' ', 4)),
                Some(b"011") => Some((b'\t', 4)),
                Some(b"012") => Some((b'\n', 4)),
                Some(b"134") => Some((b'\\', 4)),
                _ if field.get(i + 1) == Some(&b'\\') => Some((b'\\', 2)),
                _ => None,
            };
            if let Some((c, len)) = decoded {
                out.push(c);
                i += len;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

fn small_int(field: Option<&[u8]>) -> i32 {
    // glibc reads these with sscanf("%d"); anything unparsable leaves 0.
    field
        .and_then(|f| std::str::from_utf8(f).ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Parses one mount table line. Returns `None` for lines `getmntent` skips: empty,
/// only blanks, or starting (after blanks) with `#`. Missing trailing fields are
/// empty (and `freq`/`passno` 0), as with glibc.
pub fn parse_mount_line(line: &[u8]) -> Option<MountEntry> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = trim(line);
    if line.is_empty() || line.first() == Some(&b'#') {
        return None;
    }
    let mut it = line
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|f| !f.is_empty());
    let mut next = || it.next().map(decode_mount_field).unwrap_or_default();
    let device = next();
    let mountpoint = next();
    let fstype = next();
    let options = next();
    let freq = next();
    let passno = next();
    Some(MountEntry {
        device,
        mountpoint,
        fstype,
        options,
        freq: small_int(Some(&freq)),
        passno: small_int(Some(&passno)),
    })
}

/// Parses a whole mount table, in file order (psutil keeps that order and does
/// not de-duplicate).
pub fn parse_mounts(data: &[u8]) -> Vec<MountEntry> {
    data.split(|&b| b == b'\n')
        .filter_map(parse_mount_line)
        .collect()
}

/// One line of `/proc/filesystems`: a file system type the kernel knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesystemType {
    /// The type name (`ext4`, `tmpfs`).
    pub name: Vec<u8>,
    /// `true` when the line starts with `nodev`: the type needs no block device.
    pub nodev: bool,
}

/// Parses `/proc/filesystems`: `[nodev]\tNAME` lines. Blank lines are skipped.
pub fn parse_filesystems(data: &[u8]) -> Vec<FilesystemType> {
    data.split(|&b| b == b'\n')
        .filter_map(|line| {
            let line = trim(line);
            if line.is_empty() {
                return None;
            }
            let (nodev, name) = match line.strip_prefix(b"nodev") {
                Some(rest) => (true, trim(rest)),
                None => (false, line),
            };
            Some(FilesystemType {
                name: name.to_vec(),
                nodev,
            })
        })
        .collect()
}

/// The file system types psutil's `disk_partitions(all=False)` keeps: every type
/// not marked `nodev`, plus `zfs` even though it is `nodev`.
pub fn physical_fstypes(filesystems: &[FilesystemType]) -> Vec<Vec<u8>> {
    filesystems
        .iter()
        .filter(|f| !f.nodev || f.name == b"zfs")
        .map(|f| f.name.clone())
        .collect()
}

/// psutil's `all=False` filter for one entry: a non-empty device (psutil first
/// maps `none` to the empty string) whose type is in `physical` (from
/// [`physical_fstypes`]).
pub fn is_physical_mount(entry: &MountEntry, physical: &[Vec<u8>]) -> bool {
    !entry.device.is_empty() && entry.device != b"none" && physical.contains(&entry.fstype)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REAL: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-self-mounts");
    const ESCAPED: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-self-mounts-escaped");
    const FILESYSTEMS: &[u8] = include_bytes!("../../fixtures/linux/vm-6.18/proc-filesystems");

    #[test]
    fn real_mounts() {
        let text = String::from_utf8_lossy(REAL);
        let mounts = parse_mounts(REAL);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(mounts.len(), lines.len());
        for (m, l) in mounts.iter().zip(&lines) {
            let f: Vec<&str> = l.split(' ').collect();
            // This capture has no escapes, so the fields are the words themselves.
            assert_eq!(m.device, f[0].as_bytes());
            assert_eq!(m.mountpoint, f[1].as_bytes());
            assert_eq!(m.fstype, f[2].as_bytes());
            assert_eq!(m.options, f[3].as_bytes());
            assert_eq!(m.freq.to_string(), f[4]);
            assert_eq!(m.passno.to_string(), f[5]);
        }
        assert!(mounts.iter().any(|m| m.mountpoint == b"/"));
    }

    #[test]
    fn real_escaped_mount() {
        // Captured after `mount -t tmpfs "my dev" "/tmp/rpsutil mnt<TAB>tab\back<LF>nl"`.
        let m = parse_mounts(ESCAPED);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].device, b"my dev");
        assert_eq!(m[0].mountpoint, b"/tmp/rpsutil mnt\ttab\\back\nnl");
        assert_eq!(m[0].fstype, b"tmpfs");
        assert!(m[0].options.starts_with(b"rw,"));
    }

    #[test]
    fn escapes_and_lenient_lines() {
        assert_eq!(decode_mount_field(br"a\040b\\c\134d"), b"a b\\c\\d");
        // Unknown or truncated escapes stay verbatim.
        assert_eq!(decode_mount_field(br"a\041\04\"), br"a\041\04\");
        assert_eq!(parse_mount_line(b"  # comment"), None);
        assert_eq!(parse_mount_line(b" \t "), None);
        let m = parse_mount_line(b"/dev/sda1\t/boot  ext2").unwrap();
        assert_eq!(m.mountpoint, b"/boot");
        assert_eq!(m.fstype, b"ext2");
        assert!(m.options.is_empty());
        assert_eq!((m.freq, m.passno), (0, 0));
        let m = parse_mount_line(b"UUID=x / ext4 defaults 1 2\r").unwrap();
        assert_eq!((m.freq, m.passno), (1, 2));
    }

    #[test]
    fn real_filesystems_and_filter() {
        let text = String::from_utf8_lossy(FILESYSTEMS);
        let fs = parse_filesystems(FILESYSTEMS);
        assert_eq!(
            fs.len(),
            text.lines().filter(|l| !l.trim().is_empty()).count()
        );
        for (f, l) in fs.iter().zip(text.lines()) {
            assert_eq!(f.nodev, l.starts_with("nodev"));
            assert_eq!(f.name, l.split('\t').next_back().unwrap().as_bytes());
        }
        let physical = physical_fstypes(&fs);
        let expect: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("nodev"))
            .map(str::trim)
            .collect();
        assert_eq!(
            physical,
            expect
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect::<Vec<_>>()
        );
        // all=False on the real mount table keeps the ext4 root only.
        let kept: Vec<MountEntry> = parse_mounts(REAL)
            .into_iter()
            .filter(|m| is_physical_mount(m, &physical))
            .collect();
        assert!(!kept.is_empty());
        assert!(kept.iter().all(|m| m.fstype == b"ext4"));
        // zfs counts as physical although nodev; `none` devices never do.
        let zfs = physical_fstypes(&parse_filesystems(b"nodev\tzfs\nnodev\ttmpfs\n"));
        assert_eq!(zfs, vec![b"zfs".to_vec()]);
        let none = parse_mount_line(b"none /x zfs rw 0 0").unwrap();
        assert!(!is_physical_mount(&none, &zfs));
        let pool = parse_mount_line(b"tank /tank zfs rw 0 0").unwrap();
        assert!(is_physical_mount(&pool, &zfs));
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_mounts(&data);
            let _ = parse_filesystems(&data);
            let _ = decode_mount_field(&data);
        }

        #[test]
        fn escape_round_trip(path in proptest::collection::vec(any::<u8>(), 1..40)) {
            // Encode like the kernel's mangle(" \t\n\\") and decode back.
            let mut enc = Vec::new();
            for &b in &path {
                match b {
                    b' ' => enc.extend_from_slice(b"\\040"),
                    b'\t' => enc.extend_from_slice(b"\\011"),
                    b'\n' => enc.extend_from_slice(b"\\012"),
                    b'\\' => enc.extend_from_slice(b"\\134"),
                    _ => enc.push(b),
                }
            }
            prop_assert_eq!(decode_mount_field(&enc), path);
        }
    }
}
