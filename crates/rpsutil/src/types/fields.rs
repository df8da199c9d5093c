//! Each psutil namedtuple's fields, in order, on each OS: psutil 7.2.2's
//! `_ntuples.py` as data. The Python binding builds real namedtuples from it
//! (positional indexing `p.memory_info()[0]` must match psutil), and the contract
//! test `tests/contracts.rs` checks that the JSON keys of every value rpsutil returns
//! on this OS are exactly this table's row, in this order.
//!
//! ```
//! use rpsutil::types::fields::{fields, Os};
//! assert_eq!(fields("pmem", Os::Linux).unwrap()[..2], ["rss", "vms"]);
//! assert_eq!(fields("pio", Os::Windows).unwrap().len(), 6);
//! ```

/// The OSes psutil supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Os {
    /// Linux.
    Linux,
    /// Windows.
    Windows,
    /// macOS.
    Macos,
    /// FreeBSD.
    Freebsd,
    /// OpenBSD.
    Openbsd,
    /// NetBSD.
    Netbsd,
    /// Solaris and illumos (psutil's SunOS).
    Sunos,
    /// AIX.
    Aix,
}

impl Os {
    /// Every OS, in psutil's documentation order.
    pub const ALL: [Os; 8] = [
        Os::Linux,
        Os::Windows,
        Os::Macos,
        Os::Freebsd,
        Os::Openbsd,
        Os::Netbsd,
        Os::Sunos,
        Os::Aix,
    ];

    /// The OS this library was built for; None for an OS psutil does not support.
    pub const fn current() -> Option<Os> {
        if cfg!(target_os = "linux") {
            Some(Os::Linux)
        } else if cfg!(windows) {
            Some(Os::Windows)
        } else if cfg!(target_os = "macos") {
            Some(Os::Macos)
        } else if cfg!(target_os = "freebsd") {
            Some(Os::Freebsd)
        } else if cfg!(target_os = "openbsd") {
            Some(Os::Openbsd)
        } else if cfg!(target_os = "netbsd") {
            Some(Os::Netbsd)
        } else if cfg!(any(target_os = "solaris", target_os = "illumos")) {
            Some(Os::Sunos)
        } else if cfg!(target_os = "aix") {
            Some(Os::Aix)
        } else {
            None
        }
    }

    fn is_bsd(self) -> bool {
        matches!(self, Os::Freebsd | Os::Openbsd | Os::Netbsd)
    }
}

/// Every namedtuple name of [`fields`], for iteration.
pub const NAMEDTUPLES: [&str; 35] = [
    "scputimes",
    "scpustats",
    "scpufreq",
    "svmem",
    "sswap",
    "sdiskpart",
    "sdiskusage",
    "sdiskio",
    "snetio",
    "snicaddr",
    "snicstats",
    "sconn",
    "suser",
    "shwtemp",
    "sfan",
    "sbattery",
    "pheap",
    "pcputimes",
    "pmem",
    "pfullmem",
    "pmmap_grouped",
    "pmmap_ext",
    "popenfile",
    "pthread",
    "puids",
    "pgids",
    "pio",
    "pionice",
    "pctxsw",
    "pconn",
    "addr",
    "scputimes_percent",
    "sdiskio_perdisk",
    "snetio_pernic",
    "pcpuaffinity",
];

const PMEM_LINUX: &[&str] = &["rss", "vms", "shared", "text", "lib", "data", "dirty"];
const PMEM_WINDOWS: &[&str] = &[
    "rss",
    "vms",
    "num_page_faults",
    "peak_wset",
    "wset",
    "peak_paged_pool",
    "paged_pool",
    "peak_nonpaged_pool",
    "nonpaged_pool",
    "pagefile",
    "peak_pagefile",
    "private",
];
const PMEM_MACOS: &[&str] = &["rss", "vms", "pfaults", "pageins"];
const PMEM_BSD: &[&str] = &["rss", "vms", "text", "data", "stack"];
const RSS_VMS: &[&str] = &["rss", "vms"];
const SDISKIO_DEFAULT: &[&str] = &[
    "read_count",
    "write_count",
    "read_bytes",
    "write_bytes",
    "read_time",
    "write_time",
];
const PIO_DEFAULT: &[&str] = &["read_count", "write_count", "read_bytes", "write_bytes"];

/// The fields of psutil's namedtuple `name` on `os`, in order; None when psutil
/// does not have that namedtuple there (e.g. `pionice` on macOS) or the name is
/// unknown. `scputimes` on Linux lists every field a current kernel gives (psutil
/// drops `steal`, `guest`, `guest_nice` on kernels older than 2.6.11/2.6.24/3.2.0).
/// The rows `scputimes_percent`, `sdiskio_perdisk`, `snetio_pernic` are the same
/// namedtuples as returned by the other calls; `pcpuaffinity` is not a namedtuple
/// and gives None.
pub fn fields(name: &str, os: Os) -> Option<&'static [&'static str]> {
    use Os::*;
    Some(match name {
        "scputimes" | "scputimes_percent" => match os {
            Linux => &[
                "user",
                "nice",
                "system",
                "idle",
                "iowait",
                "irq",
                "softirq",
                "steal",
                "guest",
                "guest_nice",
            ],
            Windows => &["user", "system", "idle", "interrupt", "dpc"],
            Macos => &["user", "nice", "system", "idle"],
            Freebsd | Openbsd | Netbsd => &["user", "nice", "system", "idle", "irq"],
            Sunos | Aix => &["user", "system", "idle", "iowait"],
        },
        "scpustats" => &["ctx_switches", "interrupts", "soft_interrupts", "syscalls"],
        "scpufreq" => &["current", "min", "max"],
        "svmem" => match os {
            Linux => &[
                "total",
                "available",
                "percent",
                "used",
                "free",
                "active",
                "inactive",
                "buffers",
                "cached",
                "shared",
                "slab",
            ],
            Macos => &[
                "total",
                "available",
                "percent",
                "used",
                "free",
                "active",
                "inactive",
                "wired",
            ],
            Freebsd | Openbsd | Netbsd => &[
                "total",
                "available",
                "percent",
                "used",
                "free",
                "active",
                "inactive",
                "buffers",
                "cached",
                "shared",
                "wired",
            ],
            Windows | Sunos | Aix => &["total", "available", "percent", "used", "free"],
        },
        "sswap" => &["total", "used", "free", "percent", "sin", "sout"],
        "sdiskpart" => &["device", "mountpoint", "fstype", "opts"],
        "sdiskusage" => &["total", "used", "free", "percent"],
        "sdiskio" | "sdiskio_perdisk" => match os {
            Linux => &[
                "read_count",
                "write_count",
                "read_bytes",
                "write_bytes",
                "read_time",
                "write_time",
                "read_merged_count",
                "write_merged_count",
                "busy_time",
            ],
            Freebsd => &[
                "read_count",
                "write_count",
                "read_bytes",
                "write_bytes",
                "read_time",
                "write_time",
                "busy_time",
            ],
            Openbsd | Netbsd => PIO_DEFAULT,
            Windows | Macos | Sunos | Aix => SDISKIO_DEFAULT,
        },
        "snetio" | "snetio_pernic" => &[
            "bytes_sent",
            "bytes_recv",
            "packets_sent",
            "packets_recv",
            "errin",
            "errout",
            "dropin",
            "dropout",
        ],
        "snicaddr" => &["family", "address", "netmask", "broadcast", "ptp"],
        "snicstats" => &["isup", "duplex", "speed", "mtu", "flags"],
        "sconn" => &["fd", "family", "type", "laddr", "raddr", "status", "pid"],
        "suser" => &["name", "terminal", "host", "started", "pid"],
        "shwtemp" => &["label", "current", "high", "critical"],
        "sfan" => &["label", "current"],
        "sbattery" => &["percent", "secsleft", "power_plugged"],
        "pheap" => match os {
            Windows => &["heap_used", "mmap_used", "heap_count"],
            Linux | Macos | Freebsd | Netbsd => &["heap_used", "mmap_used"],
            Openbsd | Sunos | Aix => return None,
        },
        "pcputimes" => match os {
            Linux => &[
                "user",
                "system",
                "children_user",
                "children_system",
                "iowait",
            ],
            _ => &["user", "system", "children_user", "children_system"],
        },
        "pmem" => match os {
            Linux => PMEM_LINUX,
            Windows => PMEM_WINDOWS,
            Macos => PMEM_MACOS,
            Freebsd | Openbsd | Netbsd => PMEM_BSD,
            Sunos | Aix => RSS_VMS,
        },
        "pfullmem" => return pfullmem(os),
        "pmmap_grouped" => match os {
            Linux => &[
                "path",
                "rss",
                "size",
                "pss",
                "shared_clean",
                "shared_dirty",
                "private_clean",
                "private_dirty",
                "referenced",
                "anonymous",
                "swap",
            ],
            Windows => &["path", "rss"],
            Freebsd => &["path", "rss", "private", "ref_count", "shadow_count"],
            Sunos => &["path", "rss", "anonymous", "locked"],
            Macos | Openbsd | Netbsd | Aix => return None,
        },
        "pmmap_ext" => return pmmap_ext(os),
        "popenfile" => match os {
            Linux => &["path", "fd", "position", "mode", "flags"],
            _ => &["path", "fd"],
        },
        "pthread" => &["id", "user_time", "system_time"],
        "puids" => match os {
            Windows => return None,
            _ => &["real", "effective", "saved"],
        },
        "pgids" => match os {
            Windows => return None,
            _ => &["real", "effective", "saved"],
        },
        "pio" => match os {
            Linux => &[
                "read_count",
                "write_count",
                "read_bytes",
                "write_bytes",
                "read_chars",
                "write_chars",
            ],
            Windows => &[
                "read_count",
                "write_count",
                "read_bytes",
                "write_bytes",
                "other_count",
                "other_bytes",
            ],
            Macos | Sunos => return None,
            _ if os.is_bsd() => PIO_DEFAULT,
            _ => PIO_DEFAULT,
        },
        // Windows' ionice() returns one IOPriority value, not a pionice.
        "pionice" => match os {
            Linux => &["ioclass", "value"],
            _ => return None,
        },
        "pctxsw" => &["voluntary", "involuntary"],
        "pconn" => &["fd", "family", "type", "laddr", "raddr", "status"],
        "addr" => &["ip", "port"],
        _ => return None,
    })
}

/// `a` followed by `b`, made once per OS and kept for the program's life (eight
/// small slices at most per caller).
fn joined(
    cache: &'static [std::sync::OnceLock<Option<&'static [&'static str]>>; 8],
    os: Os,
    a: Option<&'static [&'static str]>,
    b: &[&'static str],
) -> Option<&'static [&'static str]> {
    let i = Os::ALL.iter().position(|o| *o == os).unwrap_or(0);
    *cache[i].get_or_init(|| {
        let a = a?;
        let v: Vec<&'static str> = a.iter().chain(b).copied().collect();
        Some(Box::leak(v.into_boxed_slice()))
    })
}

/// psutil's `pfullmem`: `pmem` plus the OS's extra fields (`uss`, and `pss`, `swap` on
/// Linux); the same as `pmem` on the other OSes.
fn pfullmem(os: Os) -> Option<&'static [&'static str]> {
    static CACHE: [std::sync::OnceLock<Option<&'static [&'static str]>>; 8] =
        [const { std::sync::OnceLock::new() }; 8];
    let extra: &[&str] = match os {
        Os::Linux => &["uss", "pss", "swap"],
        Os::Windows | Os::Macos => &["uss"],
        _ => &[],
    };
    joined(&CACHE, os, fields("pmem", os), extra)
}

/// psutil's `pmmap_ext`: `addr`, `perms`, then the `pmmap_grouped` fields.
fn pmmap_ext(os: Os) -> Option<&'static [&'static str]> {
    static CACHE: [std::sync::OnceLock<Option<&'static [&'static str]>>; 8] =
        [const { std::sync::OnceLock::new() }; 8];
    let grouped = fields("pmmap_grouped", os)?;
    joined(&CACHE, os, Some(&["addr", "perms"]), grouped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_namedtuple_has_a_row_somewhere() {
        for name in NAMEDTUPLES {
            let known = Os::ALL.iter().any(|os| fields(name, *os).is_some());
            assert_eq!(known, name != "pcpuaffinity", "{name}");
        }
        assert_eq!(fields("nope", Os::Linux), None);
    }

    #[test]
    fn rows_have_no_duplicate_fields() {
        for name in NAMEDTUPLES {
            for os in Os::ALL {
                if let Some(f) = fields(name, os) {
                    let mut sorted = f.to_vec();
                    sorted.sort_unstable();
                    sorted.dedup();
                    assert_eq!(sorted.len(), f.len(), "{name} on {os:?}");
                }
            }
        }
    }

    #[test]
    fn derived_rows() {
        assert_eq!(
            fields("pfullmem", Os::Linux).unwrap(),
            ["rss", "vms", "shared", "text", "lib", "data", "dirty", "uss", "pss", "swap"]
        );
        assert_eq!(fields("pfullmem", Os::Windows).unwrap().len(), 13);
        assert_eq!(fields("pfullmem", Os::Freebsd), fields("pmem", Os::Freebsd));
        assert_eq!(
            fields("pmmap_ext", Os::Windows).unwrap(),
            ["addr", "perms", "path", "rss"]
        );
        assert_eq!(fields("pmmap_ext", Os::Macos), None);
    }

    #[test]
    fn windows_rss_and_vms_lead_pmem() {
        // psutil: rss aliases wset and vms aliases pagefile, but they come first.
        assert_eq!(&fields("pmem", Os::Windows).unwrap()[..2], ["rss", "vms"]);
        assert_eq!(fields("pmem", Os::Windows).unwrap().len(), 12);
    }
}
