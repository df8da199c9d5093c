//! User-name lookup (`getpwuid_r(3)`), with a short-lived cache.
//!
//! A lookup goes through NSS and usually re-reads `/etc/passwd` (tens of
//! microseconds), which would dominate a `ps`-style scan of thousands of processes
//! owned by a handful of users. Results are therefore cached for one second: a user
//! renamed in `/etc/passwd` shows up at most one second late.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(1);

struct Cache {
    filled: Instant,
    names: HashMap<u32, Option<String>>,
}

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// The name of user `uid`, or None if the user database has no such uid.
pub(crate) fn user_name(uid: u32) -> Option<String> {
    let now = Instant::now();
    {
        let guard = CACHE.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cache) = &*guard {
            if now.duration_since(cache.filled) < TTL {
                if let Some(name) = cache.names.get(&uid) {
                    return name.clone();
                }
            }
        }
    }
    let name = lookup(uid);
    let mut guard = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    let cache = guard.get_or_insert_with(|| Cache {
        filled: now,
        names: HashMap::new(),
    });
    if now.duration_since(cache.filled) >= TTL {
        cache.filled = now;
        cache.names.clear();
    }
    cache.names.insert(uid, name.clone());
    name
}

fn lookup(uid: u32) -> Option<String> {
    let mut buf = vec![0u8; 1024];
    loop {
        // SAFETY: passwd is plain old data; an all-zero value is a valid placeholder
        // that getpwuid_r overwrites.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call: pwd and result live on this
        // stack frame, buf is a live Vec of the length passed.
        let rc = unsafe {
            libc::getpwuid_r(
                uid as libc::uid_t,
                &mut pwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < (1 << 20) {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        // SAFETY: on success pw_name points to a NUL-terminated string inside buf,
        // which is still alive here.
        let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
        return Some(name.to_string_lossy().into_owned());
    }
}
