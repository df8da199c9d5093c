//! `users`: psutil's `sys.c` users (Terminal Services sessions).

use std::ptr;

use windows_sys::Win32::Foundation::ERROR_CALL_NOT_IMPLEMENTED;
use windows_sys::Win32::System::RemoteDesktop::{
    WTSClientAddress, WTSEnumerateSessionsW, WTSFreeMemory, WTSQuerySessionInformationW,
    WTSSessionInfo, WTSUserName, WTSINFOW, WTS_CLIENT_ADDRESS, WTS_CURRENT_SERVER_HANDLE,
    WTS_INFO_CLASS, WTS_SESSION_INFOW,
};

use super::errors::last_error;
use super::process::filetime_to_epoch;
use super::util::{from_wide, read_at};
use crate::types::host::User;
use crate::Result;

/// Memory the WTS API allocated, freed with `WTSFreeMemory`.
struct WtsBuf(*mut std::ffi::c_void);

impl Drop for WtsBuf {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: self.0 was allocated by a WTS call and is freed once.
            unsafe { WTSFreeMemory(self.0) };
        }
    }
}

/// `WTSQuerySessionInformationW(session, class)` as bytes.
fn query(session: u32, class: WTS_INFO_CLASS, what: &str) -> Result<Vec<u8>> {
    let mut p: *mut u16 = ptr::null_mut();
    let mut bytes = 0u32;
    // SAFETY: p and bytes are out pointers; the server handle is the local one.
    let ok = unsafe {
        WTSQuerySessionInformationW(
            WTS_CURRENT_SERVER_HANDLE,
            session,
            class,
            &mut p,
            &mut bytes,
        )
    };
    if ok == 0 {
        return Err(last_error(format!("WTSQuerySessionInformationW({what})")));
    }
    let buf = WtsBuf(p.cast());
    if p.is_null() {
        return Ok(Vec::new());
    }
    // SAFETY: the call returned `bytes` readable bytes at p; copied out before the
    // guard frees them.
    let v = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), bytes as usize) }.to_vec();
    drop(buf);
    Ok(v)
}

/// psutil's `users()` on Windows: one entry per session with a user name, the
/// client's IPv4 address as host (psutil's None is `""` here), the session's
/// connect time as `started`; no terminal, no pid. No WTS service
/// (`ERROR_CALL_NOT_IMPLEMENTED`, Nano Server) → no users.
pub(crate) fn users() -> Result<Vec<User>> {
    let mut sessions: *mut WTS_SESSION_INFOW = ptr::null_mut();
    let mut count = 0u32;
    // SAFETY: out pointers; reserved 0 and version 1 as documented.
    let ok = unsafe {
        WTSEnumerateSessionsW(WTS_CURRENT_SERVER_HANDLE, 0, 1, &mut sessions, &mut count)
    };
    if ok == 0 {
        let err = last_error("WTSEnumerateSessionsW");
        if let crate::Error::Os { source, .. } = &err {
            if source.raw_os_error() == Some(ERROR_CALL_NOT_IMPLEMENTED as i32) {
                return Ok(Vec::new());
            }
        }
        return Err(err);
    }
    let guard = WtsBuf(sessions.cast());
    let ids: Vec<u32> = (0..count as usize)
        .map(|i| {
            // SAFETY: the call returned `count` records at `sessions`.
            unsafe { sessions.add(i).read_unaligned() }.SessionId
        })
        .collect();
    drop(guard);
    let mut out = Vec::new();
    for id in ids {
        let name = query(id, WTSUserName, "WTSUserName")?;
        // psutil skips sessions whose user name is empty (<= 2 bytes).
        if name.len() <= 2 {
            continue;
        }
        let wname: Vec<u16> = name
            .chunks_exact(2)
            .map(|c| u16::from_ne_bytes([c[0], c[1]]))
            .collect();
        let addr = query(id, WTSClientAddress, "WTSClientAddress")?;
        let host = match read_at::<WTS_CLIENT_ADDRESS>(&addr, 0) {
            // AF_INET: the address bytes are at 2..6 of `Address`.
            Some(a) if a.AddressFamily == 2 => {
                format!(
                    "{}.{}.{}.{}",
                    a.Address[2], a.Address[3], a.Address[4], a.Address[5]
                )
            }
            _ => String::new(),
        };
        let info = query(id, WTSSessionInfo, "WTSSessionInfo")?;
        let started = read_at::<WTSINFOW>(&info, 0)
            .map(|i| filetime_to_epoch(i.ConnectTime))
            .unwrap_or(0.0);
        out.push(User {
            name: from_wide(&wname),
            terminal: None,
            host,
            started,
            pid: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::windows::wine;

    #[test]
    fn users_shape() {
        let u = crate::users().expect("users");
        assert_eq!(users().expect("backend").len(), u.len());
        for user in &u {
            assert!(!user.name.is_empty() && user.terminal.is_none() && user.pid.is_none());
        }
        if wine::version().is_some() {
            // Wine 8 gap: WTSEnumerateSessionsW lists no session at all.
            assert!(u.is_empty(), "{u:?}");
        }
    }
}
