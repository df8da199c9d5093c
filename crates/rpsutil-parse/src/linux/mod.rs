//! Parsers for what Linux hands out: `/proc` and `/sys` files, the utmp file and
//! `NETLINK_SOCK_DIAG` replies. Each module names its source and cites the manual
//! page or kernel header that documents the layout (`man 5 proc` for most).

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
pub mod netlink;
pub mod proc_stat;
pub mod smaps;
pub mod sock_diag;
pub mod stat;
pub mod statm;
pub mod status;
pub mod sysfs;
pub mod taskstats;
pub mod utmp;
pub mod vmstat;
pub mod zoneinfo;
