//! Platform-neutral pure logic: connection-kind filters, file-mode strings, name
//! fix-ups, CPU percent math. No I/O here.

pub mod conn_kind;
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) mod file_mode;
pub(crate) mod name;
pub(crate) mod percent;
pub mod wrap;
