//! Win32 and NT errors as [`Error::Os`], the one place the Windows backend builds
//! them (psutil's `psutil_oserror_wsyscall` and `psutil_SetFromNTStatusErr`).

use std::io;

use windows_sys::Win32::Foundation::{RtlNtStatusToDosError, NTSTATUS};

use crate::Error;

/// `GetLastError()` of the call just made, as an [`Error::Os`] naming `context`
/// (the syscall or the path), psutil's `OSError(winerror=GetLastError())`.
pub(crate) fn last_error(context: impl Into<String>) -> Error {
    Error::os(io::Error::last_os_error(), context)
}

/// A Win32 error code returned by the call (iphlpapi style) as an [`Error::Os`].
pub(crate) fn win32_error(code: u32, context: impl Into<String>) -> Error {
    Error::os(io::Error::from_raw_os_error(code as i32), context)
}

/// An NTSTATUS as an [`Error::Os`]: converted to its Win32 code first, as psutil's
/// `psutil_SetFromNTStatusErr` does (`STATUS_ACCESS_DENIED` → 5,
/// `STATUS_INVALID_INFO_CLASS` → 87), so the io::ErrorKind follows.
pub(crate) fn nt_error(status: NTSTATUS, context: impl Into<String>) -> Error {
    // psutil: a status of facility WIN32 carries the Win32 code in its low 16 bits.
    const FACILITY_WIN32: u32 = 7;
    let s = status as u32;
    let code = if (s >> 16) & 0x0fff == FACILITY_WIN32 {
        s & 0xffff
    } else {
        // SAFETY: RtlNtStatusToDosError takes the status by value and only computes.
        unsafe { RtlNtStatusToDosError(status) }
    };
    win32_error(code, format!("{} (NTSTATUS {s:#010x})", context.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nt_statuses_map_to_win32_codes() {
        // STATUS_ACCESS_DENIED → ERROR_ACCESS_DENIED (5): a PermissionDenied error.
        let e = nt_error(0xC000_0022_u32 as i32, "NtX");
        match e {
            Error::Os { source, context } => {
                assert_eq!(source.raw_os_error(), Some(5));
                assert_eq!(source.kind(), io::ErrorKind::PermissionDenied);
                assert!(context.starts_with("NtX"), "{context}");
            }
            other => panic!("{other:?}"),
        }
        // STATUS_INVALID_INFO_CLASS → ERROR_INVALID_PARAMETER (87), as psutil sees it.
        match nt_error(0xC000_0003_u32 as i32, "NtY") {
            Error::Os { source, .. } => assert_eq!(source.raw_os_error(), Some(87)),
            other => panic!("{other:?}"),
        }
        // A FACILITY_WIN32 status carries the code itself (HRESULT_FROM_WIN32(2)).
        match nt_error(0x8007_0002_u32 as i32, "NtZ") {
            Error::Os { source, .. } => assert_eq!(source.raw_os_error(), Some(2)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn win32_codes_keep_their_kind() {
        match win32_error(2, "C:\\nope") {
            Error::Os { source, context } => {
                assert_eq!(source.kind(), io::ErrorKind::NotFound);
                assert_eq!(context, "C:\\nope");
            }
            other => panic!("{other:?}"),
        }
    }
}
