//! Total memory, for `memory_percent`.

use rpsutil_parse::linux::meminfo;

use super::files::parse_file;
use crate::{Error, Result};

/// `MemTotal` of `/proc/meminfo`, in bytes.
pub(crate) fn total_memory() -> Result<u64> {
    let path = crate::sys::roots::procfs_root().join("meminfo");
    let [total] = parse_file(&path, |d| meminfo::meminfo_values(d, ["MemTotal"]))?;
    total.ok_or_else(|| Error::Parse {
        path: path.display().to_string(),
        detail: "no MemTotal line".into(),
    })
}
