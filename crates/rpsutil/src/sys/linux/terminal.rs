//! Controlling terminal: stat's `tty_nr` (a kernel `dev_t`) to a `/dev` path.
//!
//! psutil builds a `{st_rdev: path}` map of `/dev/tty*` and `/dev/pts/*` once per
//! interpreter, so terminals opened later are never found (its bug #2830). Here
//! pseudo-terminals are computed from the device number directly (Unix98 PTYs have
//! majors 136-143, minor = pts number modulo 256, `Documentation/admin-guide/devices.txt`),
//! and the map of the other devices is rebuilt when a number is not in it.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::sync::Mutex;

static TTY_MAP: Mutex<Option<HashMap<u64, String>>> = Mutex::new(None);

/// Major and minor of the kernel's encoding: `minor&0xff | major<<8 | (minor&~0xff)<<12`.
fn split_dev(tty_nr: u64) -> (u64, u64) {
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    (major, minor)
}

fn scan_dev() -> HashMap<u64, String> {
    let mut map = HashMap::new();
    for dir in ["/dev", "/dev/pts"] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.filter_map(|e| e.ok()) {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if dir == "/dev" && !name.starts_with("tty") {
                continue;
            }
            if let Ok(md) = e.metadata() {
                map.insert(md.rdev(), format!("{dir}/{name}"));
            }
        }
    }
    map
}

/// The device path of terminal `tty_nr`, None for 0 (no terminal) or an unknown device.
pub(crate) fn device_path(tty_nr: i64) -> Option<String> {
    if tty_nr <= 0 {
        return None;
    }
    let tty_nr = tty_nr as u64;
    let (major, minor) = split_dev(tty_nr);
    if (136..=143).contains(&major) {
        let n = (major - 136) * 256 + minor;
        let path = format!("/dev/pts/{n}");
        if std::path::Path::new(&path).exists() {
            return Some(path);
        }
    }
    // st_rdev (glibc's makedev) equals the kernel encoding for these small numbers.
    let rdev = libc::makedev(major as u32, minor as u32);
    let mut guard = TTY_MAP.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(found) = guard.as_ref().and_then(|m| m.get(&rdev)) {
        return Some(found.clone());
    }
    let fresh = scan_dev();
    let found = fresh.get(&rdev).cloned();
    *guard = Some(fresh);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        // /dev/pts/1 is major 136 minor 1: 136 << 8 | 1.
        assert_eq!(split_dev(34817), (136, 1));
        // /dev/tty1: major 4, minor 1.
        assert_eq!(split_dev(1025), (4, 1));
        // minor 300 of major 136: the high minor bits sit above the major.
        let enc = (300 & 0xff) | (136 << 8) | ((300 & !0xff) << 12);
        assert_eq!(split_dev(enc), (136, 300));
        assert_eq!(device_path(0), None);
    }
}
