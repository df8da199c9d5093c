//! Windows services (psutil's `win_service_iter()` and `win_service_get()`).
//! Every other OS answers [`crate::Error::Unsupported`].

use crate::sys::imp;
use crate::Result;

pub use crate::types::winservice::{ServiceStartType, ServiceStatus, WindowsService};

/// Every Win32 service (drivers are not listed), each with all its fields, in
/// the Service Control Manager's order.
///
/// Source: Windows `EnumServicesStatusExW(SERVICE_WIN32, SERVICE_STATE_ALL)` once
/// (name, display name, status, pid), then per service `QueryServiceConfigW`
/// (binpath, username, start type) and `QueryServiceConfig2W` (description).
/// psutil yields lazy objects whose fields are queried later; here one entry is
/// an error when its own queries fail (AccessDenied for a service the caller may
/// not query), and a service deleted during the call is left out.
///
/// Errors: the whole call fails with the SCM's error (AccessDenied, `Error::Os`);
/// Unsupported on every OS but Windows.
///
/// ```
/// # fn main() -> rpsutil::Result<()> {
/// # #[cfg(windows)] {
/// for s in rpsutil::win_service_iter()? {
///     match s {
///         Ok(s) => println!("{} ({}): {}", s.name, s.display_name, s.status),
///         Err(e) => println!("{e}"),
///     }
/// }
/// # }
/// # Ok(())
/// # }
/// ```
pub fn win_service_iter() -> Result<Vec<Result<WindowsService>>> {
    imp::win_service_iter()
}

/// The service named `name` (the key name, case-insensitive as the SCM; the
/// returned `name` is `name` as given, as psutil keeps it).
///
/// Source: Windows `OpenServiceW` + `QueryServiceConfigW`, `QueryServiceStatusEx`
/// and `QueryServiceConfig2W(SERVICE_CONFIG_DESCRIPTION)`.
///
/// Errors: NoSuchProcess ("service 'x' does not exist"; pid 0, since a service
/// has none) for an unknown or invalid name; AccessDenied ("service 'x' is not
/// querable (not enough privileges)", no pid) when the caller may not query it;
/// Unsupported on every OS but Windows.
///
/// ```
/// # #[cfg(windows)] {
/// let e = rpsutil::win_service_get("no such service").unwrap_err();
/// assert!(e.is_no_such_process());
/// # }
/// ```
pub fn win_service_get(name: &str) -> Result<WindowsService> {
    imp::win_service_get(name)
}
