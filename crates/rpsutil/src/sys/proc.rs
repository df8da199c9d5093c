//! [`Proc`]: one process as a backend call sees it.

use crate::types::process::Pid;

/// One process as a backend call sees it: the pid, the backend's per-process context
/// `H` (made once per `Process` by `imp::Handle::open`), and the backend's `oneshot`
/// cache `C` while one is active. Each backend names its own as `imp::Proc<'a>` =
/// `Proc<'a, imp::Handle, imp::RawCache>`; every per-process function of the contract
/// takes `&mut imp::Proc`.
// Unread where no backend has process functions yet (the unsupported backend).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) struct Proc<'a, H, C> {
    /// The process id.
    pub(crate) pid: Pid,
    /// The backend's context for this process.
    pub(crate) handle: &'a H,
    /// The raw records cached by an active `oneshot`, None outside one.
    pub(crate) cache: Option<&'a mut C>,
}
