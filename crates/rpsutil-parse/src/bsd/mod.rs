//! Pure parts of the FreeBSD, OpenBSD and NetBSD backends: the records their
//! kernels return through `sysctl(3)` (process, descriptor, memory-map, disk and
//! interface records), decoded from bytes at layouts the backend describes
//! ([`layout::Field`], taken with `offset_of!` from the target's C structs), and
//! psutil's conversions and mappings (states, ticks, pages, option strings).
//!
//! Nothing here depends on the OS it runs on: the tests build their buffers with
//! known values at layouts of their own.

pub mod args;
pub mod cpu;
pub mod disk;
pub mod files;
pub mod kfile;
pub mod kinfo;
pub mod layout;
pub mod media;
pub mod net;
pub mod pcb;
pub mod state;
pub mod uvm;
