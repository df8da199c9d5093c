//! `struct vnode_fdinfowithpath` from `proc_pidfdinfo(PROC_PIDFDVNODEPATHINFO)`
//! (XNU `bsd/sys/proc_info.h`): `struct proc_fileinfo pfi` (24 bytes) then
//! `struct vnode_info_path pvip` = `struct vnode_info` (152 bytes: `vinfo_stat` 136,
//! `vi_type`, `vi_pad`, `fsid_t`) and `char vip_path[MAXPATHLEN]`.

use super::cstr_field;
use crate::Result;

/// `sizeof(struct vnode_fdinfowithpath)`: 24 + 152 + 1024.
pub const VNODE_FDINFOWITHPATH_SIZE: usize = 1200;
/// Offset of `pvip.vip_path`.
pub const VIP_PATH_OFFSET: usize = 176;
/// `MAXPATHLEN`.
pub const MAXPATHLEN: usize = 1024;

/// The path of a `vnode_fdinfowithpath` (up to its NUL).
pub fn parse_vnode_fdinfo_path(data: &[u8]) -> Result<Vec<u8>> {
    cstr_field(data, VIP_PATH_OFFSET, MAXPATHLEN, "vnode_fdinfowithpath")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn path_at_its_offset() {
        let mut b = vec![0xAAu8; VNODE_FDINFOWITHPATH_SIZE];
        b[VIP_PATH_OFFSET..VIP_PATH_OFFSET + 10].copy_from_slice(b"/tmp/x.db\0");
        assert_eq!(parse_vnode_fdinfo_path(&b).unwrap(), b"/tmp/x.db");
        assert!(parse_vnode_fdinfo_path(&b[..VNODE_FDINFOWITHPATH_SIZE - 1]).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..1300)) {
            let _ = parse_vnode_fdinfo_path(&data);
        }
    }
}
