//! Platform-neutral pure logic: file-mode strings, name fix-ups, CPU percent math,
//! counter-wrap tracking. No I/O here.

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) mod file_mode;
pub(crate) mod name;
pub(crate) mod percent;
pub(crate) mod wrap;
