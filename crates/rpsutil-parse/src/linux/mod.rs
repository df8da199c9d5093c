//! Parsers for Linux `/proc` files. Each module names the file it reads and cites
//! `man 5 proc` for its layout.

pub mod cmdline;
pub mod cpuinfo;
pub mod diskstats;
pub mod environ;
pub mod fdinfo;
pub mod io;
pub mod meminfo;
pub mod mounts;
pub mod net;
pub mod net_dev;
pub mod proc_stat;
pub mod smaps;
pub mod sock_diag;
pub mod stat;
pub mod statm;
pub mod status;
pub mod utmp;
pub mod vmstat;
pub mod zoneinfo;
