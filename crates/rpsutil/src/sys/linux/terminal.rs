//! Controlling terminal: stat's `tty_nr` (a kernel `dev_t`) to a `/dev` path.
//!
//! psutil builds a `{st_rdev: path}` map of `/dev/tty*` and `/dev/pts/*` once per
//! interpreter, so terminals opened later are never found (its bug #2830). Here
//! pseudo-terminals are computed from the device number directly (Unix98 PTYs have
//! majors 136-143, minor = pts number modulo 256, `Documentation/admin-guide/devices.txt`),
//! and the other devices are looked up in the POSIX terminal map
//! (`sys::posix::terminal`), rebuilt when a number is not in it.

/// Major and minor of the kernel's encoding: `minor&0xff | major<<8 | (minor&~0xff)<<12`.
fn split_dev(tty_nr: u64) -> (u64, u64) {
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    (major, minor)
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
    crate::sys::posix::terminal::device_name(rdev)
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
