//! The system-wide benchmark (docs/PERFORMANCE.md, "System-wide functions"): each of
//! psutil's system functions read by rpsutil, by a **minimal reader** (the floor: the
//! one file or call, a reused buffer, only what the function returns) and by sysinfo's
//! nearest equivalent; and `net_connections('inet')` with 0, 600 and 10,000 open
//! loopback TCP sockets.
//!
//! Functions (ids `FUNCTION/VARIANT`): `virtual_memory`, `swap_memory`,
//! `cpu_times_percpu`, `disk_partitions_usage` (partitions, then `disk_usage` of each),
//! `net_io_counters_pernic`, `net_if_addrs`, `boot_time`, `users` (the machine's utmp
//! file, usually absent in containers) and `users_utmp` (a fixture utmp file of 8
//! records, 4 of them logged-in users; `RPSUTIL_BENCH_UTMP` or one written under
//! `target/`).
//!
//! Sockets (ids `net_connections_VARIANT/sockets<N>`): a helper process (this binary
//! re-executed with `RPSUTIL_BENCH_HOLD_SOCKETS=N`) raises its `RLIMIT_NOFILE` to
//! 25,000 and holds N/2 connected loopback pairs plus their listener (N + 1 TCP
//! sockets; none for N = 0). Every socket has `SO_LINGER` 0, so closing them sends a
//! reset and leaves no `TIME_WAIT` entries behind. The helper is killed and reaped by
//! a `Drop` guard (and dies with its parent through `PR_SET_PDEATHSIG`).
//!
//! Under `cargo test --benches` (no `--bench` argument) the socket populations are 0
//! and 20 and each benchmark runs once.
//!
//! Modes other than criterion, chosen by environment variables (used by
//! `scripts/bench/compare_system.sh` and `scripts/bench/strace_system.sh`):
//!
//! - `RPSUTIL_BENCH_HOLD_SOCKETS=N`: be the socket holder: print `ready N`, keep the
//!   sockets until standard input ends.
//! - `RPSUTIL_BENCH_WRITE_UTMP=PATH`: write the utmp fixture to PATH.
//! - `RPSUTIL_BENCH_SYSTEM_TABLE=1`: time every function variant (round-robin,
//!   `RPSUTIL_BENCH_ROUNDS` rounds of `RPSUTIL_BENCH_SECONDS` each) and print
//!   `sys<TAB>FUNCTION<TAB>VARIANT<TAB>items<TAB>min_us<TAB>median_us<TAB>calls`.
//! - `RPSUTIL_BENCH_CONN_TABLE=LABEL`: time the `net_connections` variants against the
//!   sockets present and print `conn<TAB>LABEL<TAB>VARIANT<TAB>rows<TAB>min_ms<TAB>median_ms<TAB>calls`.
//!   `RPSUTIL_BENCH_VARIANTS=a,b` limits the variants of either table.
//! - `RPSUTIL_BENCH_NO_NETLINK=1`: first install a seccomp filter that fails
//!   `socket(AF_NETLINK, ...)` with `EAFNOSUPPORT`, so that rpsutil takes its
//!   `/proc/net` fallback (variants are then suffixed `_fallback`).
//! - `RPSUTIL_BENCH_ONCE=VARIANT`: run one `net_connections` variant once (for strace).

#[cfg(target_os = "linux")]
fn main() {
    linux::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {}

#[cfg(target_os = "linux")]
#[path = "harness/mod.rs"]
mod harness;

#[cfg(target_os = "linux")]
mod linux {
    use crate::harness::{criterion, criterion_filter, time_runs, wanted, Run};
    use std::collections::BTreeMap;
    use std::ffi::CStr;
    use std::fs::File;
    use std::hint::black_box;
    use std::io::{Read, Write};
    use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, TcpStream};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use rpsutil::ConnKind;
    use rpsutil_parse::linux::{net as pnet, sock_diag as diag, utmp};

    // ================================================================ minimal readers

    /// Reads a whole file into `buf` with plain `read(2)` calls (no size hint).
    fn read_into(path: &str, buf: &mut Vec<u8>) -> bool {
        buf.clear();
        let Ok(mut f) = File::open(path) else {
            return false;
        };
        loop {
            if buf.capacity() - buf.len() < 4096 {
                buf.reserve(buf.capacity().max(4096));
            }
            let len = buf.len();
            let cap = buf.capacity();
            // SAFETY: bytes len..cap are written by read before they are exposed.
            let spare =
                unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().add(len), cap - len) };
            match f.read(spare) {
                Ok(0) => return true,
                // SAFETY: read initialised n more bytes.
                Ok(n) => unsafe { buf.set_len(len + n) },
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    }

    fn num(s: &[u8]) -> u64 {
        s.iter()
            .skip_while(|c| **c == b' ')
            .take_while(|c| c.is_ascii_digit())
            .fold(0u64, |n, c| n * 10 + u64::from(c - b'0'))
    }

    fn lines(b: &[u8]) -> impl Iterator<Item = &[u8]> {
        b.split(|&c| c == b'\n').filter(|l| !l.is_empty())
    }

    /// Value of a `Key:   123 kB` line, in bytes.
    fn kb_line(line: &[u8], key: &[u8]) -> Option<u64> {
        let rest = line.strip_prefix(key)?.strip_prefix(b":")?;
        Some(num(rest) * 1024)
    }

    #[allow(dead_code)]
    #[derive(Debug, Default)]
    pub struct Vmem {
        total: u64,
        available: u64,
        percent: f64,
        used: u64,
        free: u64,
        active: u64,
        inactive: u64,
        buffers: u64,
        cached: u64,
        shared: u64,
        slab: u64,
    }

    /// `/proc/meminfo` → psutil's `svmem`.
    #[derive(Default)]
    pub struct MinimalVmem {
        buf: Vec<u8>,
    }

    impl MinimalVmem {
        pub fn read(&mut self) -> Vmem {
            read_into("/proc/meminfo", &mut self.buf);
            let mut v = Vmem::default();
            let (mut cached, mut sreclaim) = (0, 0);
            for l in lines(&self.buf) {
                let set = |key: &[u8], dst: &mut u64| {
                    if let Some(x) = kb_line(l, key) {
                        *dst = x;
                    }
                };
                match l.first() {
                    Some(b'M') => {
                        set(b"MemTotal", &mut v.total);
                        set(b"MemFree", &mut v.free);
                        set(b"MemAvailable", &mut v.available);
                    }
                    Some(b'A') => set(b"Active", &mut v.active),
                    Some(b'I') => set(b"Inactive", &mut v.inactive),
                    Some(b'B') => set(b"Buffers", &mut v.buffers),
                    Some(b'C') => set(b"Cached", &mut cached),
                    Some(b'S') => {
                        set(b"SReclaimable", &mut sreclaim);
                        set(b"Shmem", &mut v.shared);
                        set(b"Slab", &mut v.slab);
                    }
                    _ => {}
                }
            }
            v.cached = cached + sreclaim;
            v.used = v.total - v.available.min(v.total);
            v.percent = (v.used as f64 / v.total.max(1) as f64 * 1000.0).round() / 10.0;
            v
        }
    }

    /// `/proc/meminfo` (SwapTotal, SwapFree) + `/proc/vmstat` (pswpin, pswpout).
    #[derive(Default)]
    pub struct MinimalSwap {
        buf: Vec<u8>,
    }

    impl MinimalSwap {
        pub fn read(&mut self) -> [u64; 5] {
            read_into("/proc/meminfo", &mut self.buf);
            let (mut total, mut free) = (0, 0);
            for l in lines(&self.buf) {
                if l.first() == Some(&b'S') {
                    if let Some(x) = kb_line(l, b"SwapTotal") {
                        total = x;
                    } else if let Some(x) = kb_line(l, b"SwapFree") {
                        free = x;
                    }
                }
            }
            read_into("/proc/vmstat", &mut self.buf);
            let (mut sin, mut sout) = (0, 0);
            for l in lines(&self.buf) {
                if let Some(r) = l.strip_prefix(b"pswpin ") {
                    sin = num(r) * 4096;
                } else if let Some(r) = l.strip_prefix(b"pswpout ") {
                    sout = num(r) * 4096;
                }
            }
            [total, total - free.min(total), free, sin, sout]
        }
    }

    fn clock_ticks() -> f64 {
        // SAFETY: sysconf only reads a configuration value.
        (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).max(1) as f64
    }

    /// The `cpuN` lines of `/proc/stat`, in seconds (10 columns).
    pub struct MinimalCpuTimes {
        buf: Vec<u8>,
        hz: f64,
    }

    impl MinimalCpuTimes {
        pub fn new() -> Self {
            MinimalCpuTimes {
                buf: Vec::new(),
                hz: clock_ticks(),
            }
        }

        pub fn read(&mut self) -> Vec<[f64; 10]> {
            read_into("/proc/stat", &mut self.buf);
            let mut out = Vec::new();
            for l in lines(&self.buf) {
                let Some(rest) = l.strip_prefix(b"cpu") else {
                    break; // the cpu lines come first
                };
                if rest.first() == Some(&b' ') {
                    continue; // the total line
                }
                let mut row = [0f64; 10];
                for (dst, f) in row
                    .iter_mut()
                    .zip(rest.split(|&c| c == b' ').skip(1).filter(|f| !f.is_empty()))
                {
                    *dst = num(f) as f64 / self.hz;
                }
                out.push(row);
            }
            out
        }
    }

    /// `/proc/stat` `btime`.
    #[derive(Default)]
    pub struct MinimalBootTime {
        buf: Vec<u8>,
    }

    impl MinimalBootTime {
        pub fn read(&mut self) -> f64 {
            read_into("/proc/stat", &mut self.buf);
            lines(&self.buf)
                .find_map(|l| l.strip_prefix(b"btime "))
                .map(num)
                .unwrap_or(0) as f64
        }
    }

    #[allow(dead_code)]
    #[derive(Debug)]
    pub struct Partition {
        device: String,
        mountpoint: String,
        fstype: String,
        opts: String,
        usage: [u64; 3],
    }

    /// `/proc/filesystems` (the `nodev` types), `/proc/self/mounts`, and `statvfs` of
    /// each physical mount: psutil's `disk_partitions()` + `disk_usage()` of each.
    #[derive(Default)]
    pub struct MinimalPartitions {
        buf: Vec<u8>,
        fs: Vec<u8>,
    }

    fn unescape(f: &[u8]) -> String {
        if !f.contains(&b'\\') {
            return String::from_utf8_lossy(f).into_owned();
        }
        let mut out = Vec::with_capacity(f.len());
        let mut i = 0;
        while i < f.len() {
            if f[i] == b'\\' && f.len() >= i + 4 {
                let o = &f[i + 1..i + 4];
                if o.iter().all(|c| (b'0'..=b'7').contains(c)) {
                    out.push((o[0] - b'0') * 64 + (o[1] - b'0') * 8 + (o[2] - b'0'));
                    i += 4;
                    continue;
                }
            }
            out.push(f[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn statvfs(path: &str) -> Option<[u64; 3]> {
        let c = std::ffi::CString::new(path).ok()?;
        // SAFETY: zeroed statvfs is a valid out-parameter; c is NUL-terminated.
        let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
            return None;
        }
        let f = st.f_frsize;
        let total = st.f_blocks * f;
        let free = st.f_bavail * f;
        let used = (st.f_blocks - st.f_bfree) * f;
        Some([total, used, free])
    }

    impl MinimalPartitions {
        pub fn read(&mut self) -> Vec<Partition> {
            read_into("/proc/filesystems", &mut self.fs);
            read_into("/proc/self/mounts", &mut self.buf);
            let mut out = Vec::new();
            for l in lines(&self.buf) {
                let mut f = l.split(|&c| c == b' ');
                let (Some(dev), Some(mp), Some(fstype), Some(opts)) =
                    (f.next(), f.next(), f.next(), f.next())
                else {
                    continue;
                };
                // psutil: a device, and a file-system type not marked nodev (or zfs).
                if dev.is_empty() || dev == b"none" {
                    continue;
                }
                let physical = fstype == b"zfs"
                    || lines(&self.fs)
                        .any(|fl| !fl.starts_with(b"nodev") && fl.trim_ascii_start() == fstype);
                if !physical {
                    continue;
                }
                let mountpoint = unescape(mp);
                let usage = statvfs(&mountpoint).unwrap_or_default();
                out.push(Partition {
                    device: unescape(dev),
                    mountpoint,
                    fstype: String::from_utf8_lossy(fstype).into_owned(),
                    opts: String::from_utf8_lossy(opts).into_owned(),
                    usage,
                });
            }
            out
        }
    }

    /// `/proc/net/dev`: name → the 8 counters psutil returns.
    #[derive(Default)]
    pub struct MinimalNetDev {
        buf: Vec<u8>,
    }

    impl MinimalNetDev {
        pub fn read(&mut self) -> Vec<(String, [u64; 8])> {
            read_into("/proc/net/dev", &mut self.buf);
            let mut out = Vec::new();
            for l in lines(&self.buf).skip(2) {
                let Some(colon) = l.iter().position(|&c| c == b':') else {
                    continue;
                };
                let name = String::from_utf8_lossy(l[..colon].trim_ascii()).into_owned();
                let mut v = [0u64; 16];
                for (dst, f) in v.iter_mut().zip(
                    l[colon + 1..]
                        .split(|&c| c == b' ')
                        .filter(|f| !f.is_empty()),
                ) {
                    *dst = num(f);
                }
                // bytes_sent, bytes_recv, packets_sent, packets_recv, errin, errout,
                // dropin, dropout
                out.push((name, [v[8], v[0], v[9], v[1], v[2], v[10], v[3], v[11]]));
            }
            out
        }
    }

    /// `getifaddrs(3)`: name → (family, address, netmask, broadcast, ptp) as strings.
    type IfAddr = (i32, String, Option<String>, Option<String>, Option<String>);

    /// # Safety
    /// `sa` is null or a sockaddr from getifaddrs matching its family.
    unsafe fn render(sa: *const libc::sockaddr, name: &str) -> Option<(i32, String)> {
        if sa.is_null() {
            return None;
        }
        let family = i32::from((*sa).sa_family);
        match family {
            libc::AF_INET => {
                let a = &*(sa as *const libc::sockaddr_in);
                Some((
                    family,
                    Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)).to_string(),
                ))
            }
            libc::AF_INET6 => {
                let a = &*(sa as *const libc::sockaddr_in6);
                let ip = Ipv6Addr::from(a.sin6_addr.s6_addr);
                Some((
                    family,
                    if a.sin6_scope_id != 0 {
                        format!("{ip}%{name}")
                    } else {
                        ip.to_string()
                    },
                ))
            }
            libc::AF_PACKET => {
                let a = &*(sa as *const libc::sockaddr_ll);
                let n = usize::from(a.sll_halen).min(8);
                let mut s = String::with_capacity(3 * n);
                for (i, b) in a.sll_addr[..n].iter().enumerate() {
                    use std::fmt::Write as _;
                    let _ = write!(s, "{}{b:02x}", if i == 0 { "" } else { ":" });
                }
                Some((family, s))
            }
            _ => None,
        }
    }

    pub fn minimal_if_addrs() -> BTreeMap<String, Vec<IfAddr>> {
        let mut out: BTreeMap<String, Vec<IfAddr>> = BTreeMap::new();
        let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
        // SAFETY: head is a valid out-pointer, freed below.
        if unsafe { libc::getifaddrs(&mut head) } != 0 {
            return out;
        }
        let mut cur = head;
        while !cur.is_null() {
            // SAFETY: a node of the list, not yet freed; pointers owned by it.
            unsafe {
                let ifa = &*cur;
                cur = ifa.ifa_next;
                if ifa.ifa_name.is_null() {
                    continue;
                }
                let name = CStr::from_ptr(ifa.ifa_name).to_string_lossy();
                let Some((family, addr)) = render(ifa.ifa_addr, &name) else {
                    continue;
                };
                let mask = render(ifa.ifa_netmask, &name).map(|a| a.1);
                let flags = ifa.ifa_flags as i32;
                let (mut bc, mut ptp) = (None, None);
                if flags & libc::IFF_BROADCAST != 0 {
                    bc = render(ifa.ifa_ifu, &name).map(|a| a.1);
                } else if flags & libc::IFF_POINTOPOINT != 0 {
                    ptp = render(ifa.ifa_ifu, &name).map(|a| a.1);
                }
                out.entry(name.into_owned())
                    .or_default()
                    .push((family, addr, mask, bc, ptp));
            }
        }
        // SAFETY: from getifaddrs, freed once.
        unsafe { libc::freeifaddrs(head) };
        for v in out.values_mut() {
            v.sort_by_key(|a| a.0);
        }
        out
    }

    /// The `USER_PROCESS` records of a utmp file: (user, line, host, time, pid).
    #[derive(Default)]
    pub struct MinimalUsers {
        buf: Vec<u8>,
    }

    type UtmpUser = (String, Option<String>, String, f64, i32);

    impl MinimalUsers {
        pub fn read(&mut self, path: &str) -> Vec<UtmpUser> {
            if !read_into(path, &mut self.buf) {
                return Vec::new();
            }
            let cstr = |b: &[u8]| {
                let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                String::from_utf8_lossy(&b[..end]).into_owned()
            };
            let mut out = Vec::new();
            for r in self.buf.chunks_exact(utmp::UTMP_RECORD_SIZE) {
                if i16::from_ne_bytes([r[0], r[1]]) != utmp::ut_type::USER_PROCESS {
                    continue;
                }
                let line = cstr(&r[8..40]);
                let mut host = cstr(&r[76..332]);
                if host.is_empty() || host == ":0" || host == ":0.0" {
                    host = "localhost".into();
                }
                out.push((
                    cstr(&r[44..76]),
                    (!line.is_empty()).then_some(line),
                    host,
                    f64::from(i32::from_ne_bytes([r[340], r[341], r[342], r[343]])),
                    i32::from_ne_bytes([r[4], r[5], r[6], r[7]]),
                ));
            }
            out
        }
    }

    /// The utmp fixture: a boot record, a run level, 4 logged-in users (two local,
    /// two remote), a login process and a dead session.
    pub fn utmp_fixture() -> Vec<u8> {
        use utmp::{encode_utmp_record, ut_type, UtmpRecord};
        let rec = |kind, pid, line: &str, user: &str, host: &str| UtmpRecord {
            kind,
            pid,
            line: line.into(),
            user: user.into(),
            host: host.into(),
            tv_sec: 1_700_000_000 + pid,
            ..UtmpRecord::default()
        };
        [
            rec(ut_type::BOOT_TIME, 0, "~", "reboot", "6.1.0"),
            rec(ut_type::RUN_LVL, 0, "~", "runlevel", "6.1.0"),
            rec(ut_type::LOGIN_PROCESS, 700, "tty1", "LOGIN", ""),
            rec(ut_type::USER_PROCESS, 1001, "tty2", "alice", ""),
            rec(ut_type::USER_PROCESS, 1002, "pts/0", "bob", "192.168.1.20"),
            rec(ut_type::USER_PROCESS, 1003, "pts/1", "carol", ":0"),
            rec(
                ut_type::USER_PROCESS,
                1004,
                "pts/2",
                "dave",
                "host.example.org",
            ),
            rec(ut_type::DEAD_PROCESS, 1005, "pts/3", "", ""),
        ]
        .iter()
        .flat_map(encode_utmp_record)
        .collect()
    }

    /// Where the fixture is: `RPSUTIL_BENCH_UTMP`, or written under the target dir.
    fn utmp_path() -> String {
        if let Ok(p) = std::env::var("RPSUTIL_BENCH_UTMP") {
            return p;
        }
        let dir = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf))
            .unwrap_or_else(std::env::temp_dir);
        let p = dir.join(format!("rpsutil-bench-utmp-{}", std::process::id()));
        std::fs::write(&p, utmp_fixture()).expect("write the utmp fixture");
        UTMP_FILES.with(|f| f.borrow_mut().push(p.clone()));
        p.display().to_string()
    }

    thread_local! {
        /// Fixture files this process wrote, removed at the end of main.
        static UTMP_FILES: std::cell::RefCell<Vec<PathBuf>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    // ================================================================ function variants

    pub const FUNCTIONS: &[&str] = &[
        "virtual_memory",
        "swap_memory",
        "cpu_times_percpu",
        "disk_partitions_usage",
        "net_io_counters_pernic",
        "net_if_addrs",
        "boot_time",
        "users",
        "users_utmp",
    ];

    fn rpsutil_partitions_usage() -> usize {
        let parts = rpsutil::disk_partitions(false).expect("disk_partitions");
        let usage: Vec<_> = parts
            .iter()
            .map(|p| rpsutil::disk_usage(&p.mountpoint).ok())
            .collect();
        black_box((&parts, usage)).0.len()
    }

    /// The variants of one function, in table order.
    pub fn function_variants(func: &str) -> Vec<(&'static str, Run)> {
        use sysinfo::{DiskRefreshKind, Disks, MemoryRefreshKind, Networks, System, Users};
        let mut v: Vec<(&'static str, Run)> = Vec::new();
        match func {
            "virtual_memory" => {
                let mut m = MinimalVmem::default();
                v.push((
                    "minimal_reader",
                    Box::new(move || {
                        black_box(m.read().total);
                        1
                    }),
                ));
                v.push((
                    "rpsutil",
                    Box::new(|| {
                        black_box(rpsutil::virtual_memory().expect("vm").total);
                        1
                    }),
                ));
                let mut sys = System::new().expect("sysinfo");
                v.push((
                    "sysinfo_refresh_memory_ram",
                    Box::new(move || {
                        sys.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
                        {
                            black_box(sys.available_memory());
                            1
                        }
                    }),
                ));
                let mut sys = System::new().expect("sysinfo");
                v.push((
                    "sysinfo_refresh_memory",
                    Box::new(move || {
                        sys.refresh_memory();
                        {
                            black_box(sys.available_memory());
                            1
                        }
                    }),
                ));
            }
            "swap_memory" => {
                let mut m = MinimalSwap::default();
                v.push((
                    "minimal_reader",
                    Box::new(move || {
                        black_box(m.read()[0]);
                        1
                    }),
                ));
                v.push((
                    "rpsutil",
                    Box::new(|| {
                        black_box(rpsutil::swap_memory().expect("swap").total);
                        1
                    }),
                ));
                let mut sys = System::new().expect("sysinfo");
                v.push((
                    "sysinfo_refresh_memory_swap",
                    Box::new(move || {
                        sys.refresh_memory_specifics(MemoryRefreshKind::nothing().with_swap());
                        {
                            black_box(sys.free_swap());
                            1
                        }
                    }),
                ));
            }
            "cpu_times_percpu" => {
                let mut m = MinimalCpuTimes::new();
                v.push((
                    "minimal_reader",
                    Box::new(move || black_box(m.read()).len()),
                ));
                v.push((
                    "rpsutil",
                    Box::new(|| black_box(rpsutil::cpu_times_percpu().expect("cpu")).len()),
                ));
                // sysinfo has no CPU times: refresh_cpu_usage reads /proc/stat and turns
                // the deltas since the last refresh into a usage percentage per CPU. A
                // new System also builds its CPU list (vendor and brand from
                // /proc/cpuinfo) on the first refresh.
                v.push((
                    "sysinfo_new_refresh_cpu_usage",
                    Box::new(|| {
                        let mut sys = System::new().expect("sysinfo");
                        sys.refresh_cpu_usage();
                        black_box(sys.cpus()).len()
                    }),
                ));
                // A kept System does nothing within MINIMUM_CPU_UPDATE_INTERVAL (200 ms)
                // of its last refresh: this times a no-op, shown only to say so.
                let mut sys = System::new().expect("sysinfo");
                sys.refresh_cpu_usage();
                v.push((
                    "sysinfo_reused_cpu_usage_noop",
                    Box::new(move || {
                        sys.refresh_cpu_usage();
                        black_box(sys.cpus()).len()
                    }),
                ));
            }
            "disk_partitions_usage" => {
                let mut m = MinimalPartitions::default();
                v.push((
                    "minimal_reader",
                    Box::new(move || black_box(m.read()).len()),
                ));
                v.push(("rpsutil", Box::new(rpsutil_partitions_usage)));
                v.push((
                    "sysinfo_disks_storage",
                    Box::new(|| {
                        let d = Disks::new_with_refreshed_list_specifics(
                            DiskRefreshKind::nothing().with_storage(),
                        )
                        .expect("disks");
                        black_box(d.iter().map(|d| d.available_space()).collect::<Vec<_>>()).len()
                    }),
                ));
                v.push((
                    "sysinfo_disks",
                    Box::new(|| {
                        let d = Disks::new_with_refreshed_list().expect("disks");
                        black_box(d.iter().map(|d| d.available_space()).collect::<Vec<_>>()).len()
                    }),
                ));
            }
            "net_io_counters_pernic" => {
                let mut m = MinimalNetDev::default();
                v.push((
                    "minimal_reader",
                    Box::new(move || black_box(m.read()).len()),
                ));
                v.push((
                    "rpsutil",
                    Box::new(|| {
                        black_box(rpsutil::net_io_counters_pernic(true).expect("nic")).len()
                    }),
                ));
                v.push((
                    "rpsutil_nowrap_false",
                    Box::new(|| {
                        black_box(rpsutil::net_io_counters_pernic(false).expect("nic")).len()
                    }),
                ));
                // Networks also reads every address (getifaddrs) and /sys/class/net/*.
                v.push((
                    "sysinfo_networks",
                    Box::new(|| black_box(Networks::new_with_refreshed_list().expect("net")).len()),
                ));
                let mut n = Networks::new_with_refreshed_list().expect("net");
                v.push((
                    "sysinfo_networks_reused",
                    Box::new(move || {
                        n.refresh(true);
                        black_box(&n).len()
                    }),
                ));
            }
            "net_if_addrs" => {
                v.push((
                    "minimal_reader",
                    Box::new(|| black_box(minimal_if_addrs()).len()),
                ));
                v.push((
                    "rpsutil",
                    Box::new(|| black_box(rpsutil::net_if_addrs().expect("addrs")).len()),
                ));
                v.push((
                    "sysinfo_networks",
                    Box::new(|| {
                        let n = Networks::new_with_refreshed_list().expect("net");
                        black_box(n.values().map(|d| d.ip_networks().len()).sum())
                    }),
                ));
            }
            "boot_time" => {
                let mut m = MinimalBootTime::default();
                v.push((
                    "minimal_reader",
                    Box::new(move || {
                        black_box(m.read());
                        1
                    }),
                ));
                v.push((
                    "rpsutil",
                    Box::new(|| {
                        black_box(rpsutil::boot_time().expect("boot"));
                        1
                    }),
                ));
                v.push((
                    "sysinfo_boot_time",
                    Box::new(|| {
                        black_box(System::boot_time().expect("boot"));
                        1
                    }),
                ));
            }
            "users" => {
                let mut m = MinimalUsers::default();
                v.push((
                    "minimal_reader",
                    Box::new(move || black_box(m.read("/var/run/utmp")).len()),
                ));
                v.push((
                    "rpsutil",
                    Box::new(|| black_box(rpsutil::users().expect("users")).len()),
                ));
                // Not the same thing: the accounts of /etc/passwd, not logged-in sessions.
                v.push((
                    "sysinfo_users_passwd",
                    Box::new(|| black_box(Users::new_with_refreshed_list().expect("users")).len()),
                ));
            }
            "users_utmp" => {
                let path = utmp_path();
                let mut m = MinimalUsers::default();
                let p = path.clone();
                v.push((
                    "minimal_reader",
                    Box::new(move || black_box(m.read(&p)).len()),
                ));
                v.push((
                    "rpsutil",
                    Box::new(move || black_box(rpsutil::users_from(&path).expect("users")).len()),
                ));
            }
            other => panic!("unknown function {other}"),
        }
        v
    }

    // ================================================================ net_connections

    pub const CONN_VARIANTS: &[&str] = &[
        "minimal_netlink",
        "minimal_proc_net",
        "minimal_netlink_owners",
        "rpsutil_no_owners",
        "rpsutil_owners",
        "ss_tan",
        "ss_tanp",
        "spawn_true",
    ];

    /// The netlink floor: one `NETLINK_SOCK_DIAG` socket per call, the four inet dumps
    /// (tcp, tcp6, udp, udp6 = psutil's 'inet'), rpsutil-parse's parser.
    #[derive(Default)]
    pub struct MinimalNetlink {
        buf: Vec<u8>,
        /// With `collect`, the inodes of the sockets listed (for the owners floor).
        collect: bool,
        inodes: Vec<u32>,
    }

    impl MinimalNetlink {
        pub fn read(&mut self) -> usize {
            if self.buf.is_empty() {
                self.buf = vec![0u8; 64 * 1024];
            }
            // SAFETY: plain socket(2); owned right away.
            let fd = unsafe {
                libc::socket(
                    libc::AF_NETLINK,
                    libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                    diag::NETLINK_SOCK_DIAG,
                )
            };
            assert!(
                fd >= 0,
                "socket(AF_NETLINK): {}",
                std::io::Error::last_os_error()
            );
            // SAFETY: fresh fd.
            let sock = unsafe { OwnedFd::from_raw_fd(fd) };
            // SAFETY: zeroed sockaddr_nl = the kernel.
            let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
            addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
            let mut n = 0;
            self.inodes.clear();
            let dumps = [
                (diag::AF_INET, diag::IPPROTO_TCP),
                (diag::AF_INET6, diag::IPPROTO_TCP),
                (diag::AF_INET, diag::IPPROTO_UDP),
                (diag::AF_INET6, diag::IPPROTO_UDP),
            ];
            for (seq, (af, proto)) in dumps.into_iter().enumerate() {
                let req = diag::inet_diag_request(af, proto, seq as u32 + 1);
                // SAFETY: req and addr are valid for the lengths passed.
                let sent = unsafe {
                    libc::sendto(
                        sock.as_raw_fd(),
                        req.as_ptr().cast(),
                        req.len(),
                        0,
                        (&addr as *const libc::sockaddr_nl).cast(),
                        std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
                    )
                };
                assert!(sent >= 0, "sendto: {}", std::io::Error::last_os_error());
                loop {
                    // SAFETY: buf is valid for writes of its length.
                    let got = unsafe {
                        libc::recv(
                            sock.as_raw_fd(),
                            self.buf.as_mut_ptr().cast(),
                            self.buf.len(),
                            0,
                        )
                    };
                    assert!(got > 0, "recv: {}", std::io::Error::last_os_error());
                    let reply = diag::parse_inet_diag_reply(&self.buf[..got as usize])
                        .expect("sock_diag reply");
                    if self.collect {
                        self.inodes.extend(reply.records.iter().map(|m| m.inode));
                    }
                    n += black_box(reply.records).len();
                    if reply.done {
                        break;
                    }
                }
            }
            n
        }
    }

    /// The /proc/net floor: tcp, tcp6, udp, udp6 read into one buffer and parsed by
    /// rpsutil-parse.
    #[derive(Default)]
    pub struct MinimalProcNet {
        buf: Vec<u8>,
    }

    impl MinimalProcNet {
        pub fn read(&mut self) -> usize {
            let mut n = 0;
            for f in [
                "/proc/net/tcp",
                "/proc/net/tcp6",
                "/proc/net/udp",
                "/proc/net/udp6",
            ] {
                if read_into(f, &mut self.buf) {
                    n += black_box(pnet::parse_inet_table(&self.buf).expect("table")).len();
                }
            }
            n
        }
    }

    /// The floor of `net_connections` with owners: the netlink floor, then every
    /// `/proc/PID/fd` directory listed (`opendir`/`readdir`) and each link read with
    /// `readlinkat` into a stack buffer; `socket:[N]` links go into an inode → (pid,
    /// fd) map, and every socket is looked up in it.
    pub struct MinimalOwners {
        nl: MinimalNetlink,
        path: Vec<u8>,
    }

    impl MinimalOwners {
        pub fn new() -> Self {
            MinimalOwners {
                nl: MinimalNetlink {
                    collect: true,
                    ..MinimalNetlink::default()
                },
                path: Vec::with_capacity(32),
            }
        }

        pub fn read(&mut self) -> usize {
            self.nl.read();
            let mut owners: std::collections::HashMap<u32, (u32, i32)> =
                std::collections::HashMap::with_capacity(self.nl.inodes.len());
            let mut link = [0u8; 64];
            for e in std::fs::read_dir("/proc").expect("read /proc").flatten() {
                let name = e.file_name();
                let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                    continue;
                };
                self.path.clear();
                let _ = write!(self.path, "/proc/{pid}/fd\0");
                // SAFETY: path is NUL-terminated; the DIR is closed below.
                let dir = unsafe { libc::opendir(self.path.as_ptr().cast()) };
                if dir.is_null() {
                    continue;
                }
                // SAFETY: dir is an open DIR stream until closedir.
                let dfd = unsafe { libc::dirfd(dir) };
                loop {
                    // SAFETY: as above; the entry is valid until the next readdir.
                    let ent = unsafe { libc::readdir(dir) };
                    if ent.is_null() {
                        break;
                    }
                    // SAFETY: d_name is NUL-terminated.
                    let fname = unsafe { CStr::from_ptr((*ent).d_name.as_ptr()) };
                    let Some(fd) = fname.to_str().ok().and_then(|s| s.parse::<i32>().ok()) else {
                        continue;
                    };
                    // SAFETY: link is valid for its length; fname is NUL-terminated.
                    let n = unsafe {
                        libc::readlinkat(dfd, fname.as_ptr(), link.as_mut_ptr().cast(), link.len())
                    };
                    if n > 9 {
                        if let Some(rest) = link[..n as usize].strip_prefix(b"socket:[") {
                            owners.entry(num(rest) as u32).or_insert((pid, fd));
                        }
                    }
                }
                // SAFETY: dir came from opendir, closed once.
                unsafe { libc::closedir(dir) };
            }
            let found = self.nl.inodes.iter().filter_map(|i| owners.get(i)).count();
            black_box(found);
            self.nl.inodes.len()
        }
    }

    fn spawn_output(cmd: &str, args: &[&str]) -> usize {
        match Command::new(cmd).args(args).stderr(Stdio::null()).output() {
            Ok(o) => o.stdout.iter().filter(|&&c| c == b'\n').count(),
            Err(_) => 0,
        }
    }

    pub fn conn_variant(name: &str) -> Run {
        match name {
            "minimal_netlink" => {
                let mut m = MinimalNetlink::default();
                Box::new(move || m.read())
            }
            "minimal_proc_net" => {
                let mut m = MinimalProcNet::default();
                Box::new(move || m.read())
            }
            "minimal_netlink_owners" => {
                let mut m = MinimalOwners::new();
                Box::new(move || m.read())
            }
            "rpsutil_no_owners" => Box::new(|| {
                black_box(rpsutil::net_connections(ConnKind::Inet, false).expect("conns")).len()
            }),
            "rpsutil_owners" => Box::new(|| {
                black_box(rpsutil::net_connections(ConnKind::Inet, true).expect("conns")).len()
            }),
            // ss prints a header line; the count is of output lines.
            "ss_tan" => Box::new(|| spawn_output("ss", &["-tan"])),
            "ss_tanp" => Box::new(|| spawn_output("ss", &["-tanp"])),
            // The cost of starting a process at all, to read the ss rows against.
            "spawn_true" => Box::new(|| spawn_output("true", &[])),
            other => panic!("unknown net_connections variant {other}"),
        }
    }

    /// Makes `socket(AF_NETLINK, ...)` fail with `EAFNOSUPPORT` in this process (a
    /// seccomp filter), as in sandboxes without netlink: rpsutil must fall back to the
    /// `/proc/net` tables.
    fn forbid_netlink() {
        const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
        const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
        const RET_K: u16 = 0x06; // BPF_RET | BPF_K
        const RET_ALLOW: u32 = 0x7fff_0000;
        const RET_ERRNO: u32 = 0x0005_0000;
        let ins = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
        let filter = [
            ins(LD_W_ABS, 0, 0, 0),                    // seccomp_data.nr
            ins(JEQ_K, 0, 3, libc::SYS_socket as u32), // socket? else allow
            ins(LD_W_ABS, 0, 0, 16),                   // args[0] (low word)
            ins(JEQ_K, 0, 1, libc::AF_NETLINK as u32), // AF_NETLINK? else allow
            ins(RET_K, 0, 0, RET_ERRNO | libc::EAFNOSUPPORT as u32),
            ins(RET_K, 0, 0, RET_ALLOW),
        ];
        let prog = libc::sock_fprog {
            len: filter.len() as u16,
            filter: filter.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: prctl with a valid filter program that outlives the call.
        unsafe {
            assert_eq!(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
            assert_eq!(
                libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &prog as *const libc::sock_fprog
                ),
                0,
                "seccomp: {}",
                std::io::Error::last_os_error()
            );
        }
        // SAFETY: plain socket(2) call, to check the filter.
        let fd = unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_DGRAM, 4) };
        assert!(fd < 0, "netlink still available");
    }

    // ================================================================ socket population

    /// A helper process holding loopback TCP sockets; killed and reaped on drop.
    pub struct Sockets {
        pub n: usize,
        child: Option<Child>,
    }

    impl Sockets {
        pub fn open(n: usize) -> Sockets {
            if n == 0 {
                return Sockets { n, child: None };
            }
            let exe = std::env::current_exe().expect("current_exe");
            let mut cmd = Command::new(exe);
            cmd.env("RPSUTIL_BENCH_HOLD_SOCKETS", n.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit());
            // SAFETY: prctl is async-signal-safe.
            unsafe {
                cmd.pre_exec(|| {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            let mut child = cmd.spawn().expect("spawn the socket holder");
            let mut line = String::new();
            let mut out = child.stdout.take().expect("stdout");
            let mut byte = [0u8; 1];
            while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
                line.push(byte[0] as char);
            }
            let s = Sockets {
                n,
                child: Some(child),
            };
            assert!(line.starts_with("ready"), "socket holder failed: {line:?}");
            s
        }
    }

    impl Drop for Sockets {
        fn drop(&mut self) {
            if let Some(mut c) = self.child.take() {
                drop(c.stdin.take()); // EOF: the holder closes its sockets and exits
                let deadline = Instant::now() + Duration::from_secs(5);
                while matches!(c.try_wait(), Ok(None)) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(10));
                }
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }

    fn raise_nofile(want: u64) {
        let lim = libc::rlimit {
            rlim_cur: want,
            rlim_max: want,
        };
        // SAFETY: setrlimit with a valid struct; getrlimit into a valid out-param.
        unsafe {
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                let mut cur: libc::rlimit = std::mem::zeroed();
                libc::getrlimit(libc::RLIMIT_NOFILE, &mut cur);
                cur.rlim_cur = cur.rlim_max;
                libc::setrlimit(libc::RLIMIT_NOFILE, &cur);
            }
        }
    }

    fn linger0(s: &impl AsRawFd) {
        let l = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: valid fd and option struct.
        unsafe {
            libc::setsockopt(
                s.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&l as *const libc::linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }

    /// The holder: N/2 connected pairs on 127.0.0.1 and their listener.
    fn hold_sockets(n: usize) {
        raise_nofile(25_000);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        linger0(&listener);
        let addr = listener.local_addr().expect("addr");
        let mut socks: Vec<TcpStream> = Vec::with_capacity(n);
        for _ in 0..n / 2 {
            let c = TcpStream::connect(addr).expect("connect");
            let (s, _) = listener.accept().expect("accept");
            linger0(&c);
            linger0(&s);
            socks.push(c);
            socks.push(s);
        }
        println!("ready {}", socks.len() + 1);
        std::io::stdout().flush().ok();
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        drop(socks);
        drop(listener);
    }

    // ================================================================ table modes

    fn system_table() {
        let mut names = Vec::new();
        let mut runs = Vec::new();
        for f in FUNCTIONS {
            for (v, run) in function_variants(f) {
                if wanted(v) || wanted(f) || wanted(&format!("{f}/{v}")) {
                    names.push((*f, v));
                    runs.push(run);
                }
            }
        }
        let res = time_runs(&mut runs, 0.3);
        for ((f, v), (n, s)) in names.iter().zip(res) {
            println!(
                "sys\t{f}\t{v}\t{n}\t{:.3}\t{:.3}\t{}",
                s[0] * 1e6,
                s[s.len() / 2] * 1e6,
                s.len()
            );
        }
    }

    fn conn_table(label: &str, suffix: &str) {
        let names: Vec<&str> = CONN_VARIANTS
            .iter()
            .copied()
            .filter(|v| wanted(v))
            .collect();
        let mut runs: Vec<Run> = names.iter().map(|n| conn_variant(n)).collect();
        let res = time_runs(&mut runs, 0.3);
        for (v, (n, s)) in names.iter().zip(res) {
            println!(
                "conn\t{label}\t{v}{suffix}\t{n}\t{:.4}\t{:.4}\t{}",
                s[0] * 1e3,
                s[s.len() / 2] * 1e3,
                s.len()
            );
        }
    }

    // ================================================================ criterion

    fn criterion_benches(full: bool) {
        let mut c = criterion(2);
        let filter = criterion_filter();
        let selects = |id: &str| filter.as_ref().is_none_or(|f| id.contains(f.as_str()));
        for f in FUNCTIONS {
            let mut g = c.benchmark_group(*f);
            for (v, mut run) in function_variants(f) {
                g.bench_function(v, |b| b.iter(&mut run));
            }
            g.finish();
        }
        let populations: &[usize] = if full { &[0, 600, 10_000] } else { &[0, 20] };
        for &n in populations {
            let label = format!("sockets{n}");
            let any = CONN_VARIANTS
                .iter()
                .any(|v| selects(&format!("net_connections_{v}/{label}")));
            if !any {
                continue;
            }
            let pop = Sockets::open(n);
            eprintln!("{label}: {} sockets held", pop.n);
            for v in CONN_VARIANTS {
                let mut g = c.benchmark_group(format!("net_connections_{v}"));
                let mut run = conn_variant(v);
                g.bench_function(&label, |b| b.iter(&mut run));
                g.finish();
            }
            drop(pop);
        }
        c.final_summary();
    }

    pub fn main() {
        if let Ok(n) = std::env::var("RPSUTIL_BENCH_HOLD_SOCKETS") {
            return hold_sockets(n.parse().expect("socket count"));
        }
        if let Ok(p) = std::env::var("RPSUTIL_BENCH_WRITE_UTMP") {
            std::fs::write(p, utmp_fixture()).expect("write utmp");
            return;
        }
        let no_netlink = std::env::var_os("RPSUTIL_BENCH_NO_NETLINK").is_some();
        if no_netlink {
            forbid_netlink();
        }
        let suffix = if no_netlink { "_fallback" } else { "" };
        if let Ok(v) = std::env::var("RPSUTIL_BENCH_ONCE") {
            let n = conn_variant(&v)();
            eprintln!("{v}{suffix}: {n} rows");
        } else if std::env::var_os("RPSUTIL_BENCH_SYSTEM_TABLE").is_some() {
            system_table();
        } else if let Ok(label) = std::env::var("RPSUTIL_BENCH_CONN_TABLE") {
            conn_table(&label, suffix);
        } else {
            let full = std::env::args().any(|a| a == "--bench");
            criterion_benches(full);
        }
        UTMP_FILES.with(|f| {
            for p in f.borrow().iter() {
                let _ = std::fs::remove_file(p);
            }
        });
    }
}
