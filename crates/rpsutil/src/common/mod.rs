//! Platform-neutral pure logic: connection-kind filters, file-mode strings, name
//! fix-ups, CPU percent math. No I/O here.

pub mod conn_kind;
pub(crate) mod file_mode;
pub(crate) mod name;
pub(crate) mod percent;
