//! psutil's POSIX terminal map (`_psposix.get_terminal_map`): the `st_rdev` of
//! each `/dev/tty*` and `/dev/pts/*` to its path. psutil builds it once per
//! interpreter, so terminals opened later are never found (its bug #2830); here it is
//! rebuilt when a device number is not in it.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::sync::Mutex;

static TTY_MAP: Mutex<Option<HashMap<u64, String>>> = Mutex::new(None);

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

/// The `/dev` path of the terminal device `rdev` (an `st_rdev`), None if no
/// `/dev/tty*` or `/dev/pts/*` has that number.
pub(crate) fn device_name(rdev: u64) -> Option<String> {
    let mut guard = TTY_MAP.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(found) = guard.as_ref().and_then(|m| m.get(&rdev)) {
        return Some(found.clone());
    }
    let fresh = scan_dev();
    let found = fresh.get(&rdev).cloned();
    *guard = Some(fresh);
    found
}
