//! Boot time and users from utmpx (`getutxent(3C)`), as psutil's `sunos/sys.c` and
//! the POSIX `users()`.

use std::sync::Mutex;

use rpsutil_parse::sunos::kstat::lookup;
use rpsutil_parse::sunos::login_host;

use super::kstat::{named, walk, KSTAT_TYPE_NAMED};
use crate::types::host::User;
use crate::{Error, Result};

/// `getutxent` keeps one cursor per process: one walk at a time.
static UTMPX: Mutex<()> = Mutex::new(());

fn c_field(chars: &[libc::c_char]) -> Vec<u8> {
    let bytes: Vec<u8> = chars.iter().map(|&c| c as u8).collect();
    rpsutil_parse::sunos::until_nul(&bytes).to_vec()
}

/// Calls `f` on every utmpx record, from the start of the database.
fn each_utmpx(mut f: impl FnMut(&libc::utmpx)) {
    let _guard = UTMPX.lock().unwrap_or_else(|p| p.into_inner());
    // SAFETY: the utmpx functions are only called under UTMPX; each record pointer
    // is used before the next getutxent call, which may overwrite it.
    unsafe {
        libc::setutxent();
        loop {
            let ut = libc::getutxent();
            if ut.is_null() {
                break;
            }
            f(&*ut);
        }
        libc::endutxent();
    }
}

/// The `BOOT_TIME` record's time, exactly (psutil stores it in a C float, 128 s
/// steps, #2228); without one, the `boot_time` of the `unix:0:system_misc` kstat.
pub(crate) fn boot_time() -> Result<f64> {
    let mut found = None;
    each_utmpx(|ut| {
        if found.is_none() && ut.ut_type == libc::BOOT_TIME {
            found = Some(ut.ut_tv.tv_sec as f64 + ut.ut_tv.tv_usec as f64 / 1e6);
        }
    });
    if let Some(t) = found {
        return Ok(t);
    }
    let misc =
        walk(|h| h.module == "unix" && h.name == "system_misc" && h.ks_type == KSTAT_TYPE_NAMED)?;
    for e in &misc {
        if let Some(v) = lookup(&named(e)?, "boot_time").and_then(|v| v.as_u64()) {
            return Ok(v as f64);
        }
    }
    Err(Error::os(
        std::io::Error::other("no BOOT_TIME utmpx record and no boot_time kstat"),
        "boot_time",
    ))
}

/// The `USER_PROCESS` records: name, line, host (`""`, `:0`, `:0.0` →
/// `"localhost"`), login time and pid. (psutil 7.2.2 raises ValueError here as
/// soon as anyone is logged in, #2687; this is what it means to return.)
pub(crate) fn users() -> Result<Vec<User>> {
    let mut out = Vec::new();
    each_utmpx(|ut| {
        if ut.ut_type != libc::USER_PROCESS {
            return;
        }
        let line = String::from_utf8_lossy(&c_field(&ut.ut_line)).into_owned();
        out.push(User {
            name: String::from_utf8_lossy(&c_field(&ut.ut_user)).into_owned(),
            terminal: if line.is_empty() { None } else { Some(line) },
            host: login_host(&c_field(&ut.ut_host)),
            started: ut.ut_tv.tv_sec as f64,
            pid: Some(ut.ut_pid),
        });
    });
    Ok(out)
}
