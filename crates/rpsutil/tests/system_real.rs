//! Layer 3: the system-wide API against things this test sets up itself, checked
//! against what it configured: network namespaces with veth NICs, a tmpfs and an
//! ext4 loop mount, sockets it holds, a utmp file it writes (and `who`), a busy
//! child pinned to CPU 0, heap allocations. Needs root (the CI machine runs as root
//! with all capabilities). Everything created is removed by Drop guards; names are
//! unique per process and call, since tests run in parallel threads.
#![cfg(target_os = "linux")]

mod common;

use std::collections::BTreeMap;
use std::net::{Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::*;
use rpsutil::{Address, AddressFamily, ConnKind, ConnStatus, SocketType, SystemConnection};
use serde_json::{json, Value};

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A name unique to this process and call.
fn unique(tag: &str) -> String {
    format!(
        "rps{tag}{}x{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs a command that must succeed; returns its stdout.
fn run(prog: &str, args: &[&str]) -> String {
    let out = Command::new(prog)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{prog}: {e}"));
    assert!(
        out.status.success(),
        "{prog} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn have(prog: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {prog}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

// ---------------------------------------------------------- network namespaces

/// `ip netns add NAME`; deleted on drop.
struct Netns(String);

impl Netns {
    fn new() -> Netns {
        let name = unique("ns");
        run("ip", &["netns", "add", &name]);
        Netns(name)
    }
    fn ip(&self, args: &str) -> String {
        let mut v = vec!["-n", &self.0];
        v.extend(args.split_whitespace());
        run("ip", &v)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

const HELPER_ENV: &str = "RPSUTIL_NETNS_HELPER";
const HELPER_TAG: &str = "NETNS-JSON:";

/// Not a test of its own: `netns_nics` runs this test binary again under
/// `ip netns exec` with `--ignored --exact netns_helper`, and this prints what rpsutil
/// sees inside the namespace.
#[test]
#[ignore = "run inside a network namespace by netns_nics"]
fn netns_helper() {
    if std::env::var_os(HELPER_ENV).is_none() {
        return;
    }
    let v = json!({
        "addrs": rpsutil::net_if_addrs().unwrap(),
        "stats": rpsutil::net_if_stats().unwrap(),
        "io": rpsutil::net_io_counters_pernic(false).unwrap(),
    });
    println!("{HELPER_TAG}{v}");
}

fn helper_in(ns: &Netns) -> Value {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.0])
        .arg(exe)
        .args([
            "--ignored",
            "--exact",
            "netns_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "helper: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.find(HELPER_TAG).map(|i| &l[i + HELPER_TAG.len()..]))
        .unwrap_or_else(|| panic!("no helper output: {stdout}"));
    serde_json::from_str(line).unwrap()
}

fn v4_mask(prefix: u32) -> String {
    std::net::Ipv4Addr::from(u32::MAX.checked_shl(32 - prefix).unwrap_or(0)).to_string()
}

fn v6_mask(prefix: u32) -> String {
    Ipv6Addr::from(u128::MAX.checked_shl(128 - prefix).unwrap_or(0)).to_string()
}

/// `ip -s -j link` of the namespace: ifname -> psutil-ordered counters.
fn ip_stats(ns: &Netns) -> BTreeMap<String, Vec<u64>> {
    let v: Value = serde_json::from_str(&ns.ip("-s -j link")).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let s = &l["stats64"];
            let g = |d: &str, k: &str| s[d][k].as_u64().unwrap();
            (
                l["ifname"].as_str().unwrap().to_string(),
                vec![
                    g("tx", "bytes"),
                    g("rx", "bytes"),
                    g("tx", "packets"),
                    g("rx", "packets"),
                    g("rx", "errors"),
                    g("tx", "errors"),
                    g("rx", "dropped"),
                    g("tx", "dropped"),
                ],
            )
        })
        .collect()
}

/// A point-to-point NIC: a tun device (this kernel has no `dummy`, `ipip` or `gre`
/// modules; tun is IFF_POINTOPOINT | IFF_NOARP) with a peer address. psutil reports the
/// peer as `ptp` and no broadcast; the flags as the kernel has them.
#[test]
fn netns_point_to_point() {
    if !Path::new("/dev/net/tun").exists() {
        eprintln!("skipped: no /dev/net/tun");
        return;
    }
    let ns = Netns::new();
    ns.ip("tuntap add dev tp0 mode tun");
    ns.ip("addr add 10.7.7.1 peer 10.7.7.2 dev tp0");
    ns.ip("link set tp0 mtu 1300");
    ns.ip("link set tp0 up");
    let got = helper_in(&ns);
    assert_eq!(
        got["addrs"]["tp0"],
        json!([{"family": 2, "address": "10.7.7.1", "netmask": v4_mask(32), "broadcast": null, "ptp": "10.7.7.2"}])
    );
    let link: Value = serde_json::from_str(&ns.ip("-j link show tp0")).unwrap();
    let flags: Vec<String> = link[0]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_ascii_lowercase())
        .collect();
    assert!(
        flags.contains(&"pointopoint".to_string()) && flags.contains(&"noarp".to_string()),
        "{flags:?}"
    );
    let st = &got["stats"]["tp0"];
    // No reader holds the tun open: up but not running (no carrier).
    assert_eq!(st["flags"], "up,pointopoint,noarp,multicast");
    assert_eq!(st["isup"], false);
    assert_eq!(st["mtu"], 1300);
}

#[test]
fn netns_nics() {
    let ns = Netns::new();
    // va <-> vb, both up (so running), IPv4 + two IPv6, no auto link-local addresses.
    ns.ip("link add va type veth peer name vb");
    for nic in ["va", "vb"] {
        ns.ip(&format!("link set {nic} addrgenmode none"));
        ns.ip(&format!("link set {nic} mtu 1400"));
    }
    ns.ip("addr add 10.200.1.1/24 broadcast 10.200.1.255 dev va");
    ns.ip("addr add fd00:200::1/64 dev va nodad");
    ns.ip("addr add fd00:300::7/56 dev va nodad");
    ns.ip("link set va up");
    ns.ip("link set vb up");
    // vc <-> vd, down, its own MAC, MTU and a /28.
    ns.ip("link add vc type veth peer name vd");
    ns.ip("link set vc addrgenmode none");
    ns.ip("link set vc address 02:11:22:33:44:55 mtu 1280");
    ns.ip("addr add 192.168.77.5/28 broadcast 192.168.77.15 dev vc");
    // Carrier comes up asynchronously after `link set up`.
    wait_until("va carrier", || {
        ns.ip("-j link show va").contains("LOWER_UP")
    });

    let before = ip_stats(&ns);
    let got = helper_in(&ns);
    let after = ip_stats(&ns);
    let links: Value = serde_json::from_str(&ns.ip("-j link")).unwrap();
    let link = |n: &str| -> Value {
        links
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["ifname"] == n)
            .unwrap()
            .clone()
    };

    // net_if_addrs: IPv4, IPv6, then the link address from `ip -j link`.
    let inet = |a: &str, p: u32, b: Option<&str>| json!({"family": 2, "address": a, "netmask": v4_mask(p), "broadcast": b, "ptp": null});
    let inet6 = |a: &str, p: u32| json!({"family": 10, "address": a, "netmask": v6_mask(p), "broadcast": null, "ptp": null});
    let mac = |n: &str| {
        let l = link(n);
        // psutil: a broadcast address only for IFF_BROADCAST NICs (not lo).
        let bcast = l["flags"].as_array().unwrap().contains(&json!("BROADCAST"));
        let b = if bcast {
            l["broadcast"].clone()
        } else {
            Value::Null
        };
        json!({"family": 17, "address": l["address"], "netmask": null, "broadcast": b, "ptp": null})
    };
    let sorted = |v: &Value| {
        let mut a = v.as_array().unwrap().clone();
        a.sort_by_key(|x| {
            (
                x["family"].as_i64(),
                x["address"].as_str().map(String::from),
            )
        });
        Value::Array(a)
    };
    let addrs = &got["addrs"];
    assert_eq!(
        sorted(&addrs["va"]),
        json!([
            inet("10.200.1.1", 24, Some("10.200.1.255")),
            inet6("fd00:200::1", 64),
            inet6("fd00:300::7", 56),
            mac("va")
        ])
    );
    // psutil's order inside a NIC: every IPv4, then IPv6, then the link address.
    let fams: Vec<i64> = addrs["va"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["family"].as_i64().unwrap())
        .collect();
    assert_eq!(fams, [2, 10, 10, 17]);
    assert_eq!(addrs["vb"], json!([mac("vb")]));
    assert_eq!(link("vc")["address"], "02:11:22:33:44:55");
    assert_eq!(
        addrs["vc"],
        json!([inet("192.168.77.5", 28, Some("192.168.77.15")), mac("vc")])
    );
    assert_eq!(addrs["vd"], json!([mac("vd")]));
    // lo is down: no 127.0.0.1; no broadcast (not IFF_BROADCAST).
    assert_eq!(addrs["lo"], json!([mac("lo")]));
    assert_eq!(addrs.as_object().unwrap().len(), 5);

    // net_if_stats: MTU and flags as configured; isup = IFF_RUNNING. veth reports
    // 10000 Mbit/s full duplex through ethtool (drivers/net/veth.c).
    let stats = &got["stats"];
    let st = |isup: bool, mtu: u32, flags: &str| json!({"isup": isup, "duplex": 2, "speed": 10000, "mtu": mtu, "flags": flags});
    assert_eq!(
        stats["va"],
        st(true, 1400, "up,broadcast,running,multicast")
    );
    assert_eq!(
        stats["vb"],
        st(true, 1400, "up,broadcast,running,multicast")
    );
    assert_eq!(stats["vc"], st(false, 1280, "broadcast,multicast"));
    assert_eq!(stats["vd"]["flags"], "broadcast,multicast");
    assert_eq!(stats["lo"]["mtu"], json!(link("lo")["mtu"]));
    assert_eq!(stats["lo"]["flags"], "loopback");
    assert_eq!(stats["lo"]["isup"], false);
    for n in ["va", "vb", "vc", "vd", "lo"] {
        assert_eq!(stats[n]["mtu"], link(n)["mtu"], "{n}");
    }

    // net_io_counters: between two `ip -s` reads (IPv6/MLD traffic may flow meanwhile).
    let io = got["io"].as_object().unwrap();
    assert_eq!(
        io.keys().cloned().collect::<Vec<_>>(),
        before.keys().cloned().collect::<Vec<_>>()
    );
    for (nic, c) in io {
        let vals: Vec<u64> = [
            "bytes_sent",
            "bytes_recv",
            "packets_sent",
            "packets_recv",
            "errin",
            "errout",
            "dropin",
            "dropout",
        ]
        .iter()
        .map(|k| c[*k].as_u64().unwrap())
        .collect();
        for i in 0..8 {
            assert!(
                before[nic][i] <= vals[i] && vals[i] <= after[nic][i],
                "{nic}[{i}]: {} <= {} <= {}",
                before[nic][i],
                vals[i],
                after[nic][i]
            );
        }
    }
}

// ------------------------------------------------------------------ mounts

/// A mount at `dir`, unmounted (lazily, so a busy file cannot keep it) on drop.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// statvfs(2) of `path` as psutil's disk_usage fields: (total, used, free).
fn statvfs(path: &Path) -> (u64, u64, u64) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: zeroed statvfs is valid; c is a NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut st) }, 0);
    let f = st.f_frsize;
    (
        st.f_blocks * f,
        (st.f_blocks - st.f_bfree) * f,
        st.f_bavail * f,
    )
}

/// The /proc/self/mounts line for `dir`: (device, fstype, opts).
fn mounts_line(dir: &Path) -> (String, String, String) {
    let m = std::fs::read_to_string("/proc/self/mounts").unwrap();
    let d = dir.to_str().unwrap();
    m.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f[1] == d)
        .map(|f| (f[0].to_string(), f[2].to_string(), f[3].to_string()))
        .unwrap_or_else(|| panic!("{d} not mounted"))
}

fn write_mib(path: &Path, mib: usize) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(&vec![0x5a; mib << 20]).unwrap();
    f.sync_all().unwrap();
}

/// Usage matches statvfs; writing 4 MiB grows `used` by 4 MiB (± 64 KiB of file
/// system metadata: an ext4 extent block, tmpfs none).
fn check_usage(dir: &Path) {
    let u = rpsutil::disk_usage(dir).unwrap();
    let (total, used, free) = statvfs(dir);
    assert_eq!((u.total, u.used, u.free), (total, used, free));
    // Python's round(x, 1): the exact binary value, ties to even (as `{:.1}`).
    let pct: f64 = if used + free == 0 {
        0.0
    } else {
        format!("{:.1}", used as f64 / (used + free) as f64 * 100.0)
            .parse()
            .unwrap()
    };
    assert_eq!(u.percent, pct);
    write_mib(&dir.join("four-mib"), 4);
    let u2 = rpsutil::disk_usage(dir).unwrap();
    let grew = u2.used as i64 - u.used as i64;
    assert!((grew - (4 << 20)).abs() <= 64 << 10, "used grew by {grew}");
    assert_eq!((u2.total, u2.used, u2.free), statvfs(dir));
}

#[test]
fn mounts_tmpfs_and_ext4() {
    let base = TempDir::new("mnt");
    let tdir = base.path().join("tmpfs");
    std::fs::create_dir(&tdir).unwrap();
    let tdev = unique("tmpfs");
    run(
        "mount",
        &[
            "-t",
            "tmpfs",
            "-o",
            "size=16m,mode=0750",
            &tdev,
            tdir.to_str().unwrap(),
        ],
    );
    let _tmount = Mount(tdir.clone());

    let ext4 = have("mkfs.ext4") && have("losetup");
    let edir = base.path().join("ext4");
    let mut _emount = None;
    if ext4 {
        let img = base.path().join("img");
        std::fs::File::create(&img)
            .unwrap()
            .set_len(32 << 20)
            .unwrap();
        run("mkfs.ext4", &["-q", "-F", img.to_str().unwrap()]);
        std::fs::create_dir(&edir).unwrap();
        // `-o loop` sets up a loop device with autoclear: it goes with the umount.
        run(
            "mount",
            &["-o", "loop", img.to_str().unwrap(), edir.to_str().unwrap()],
        );
        _emount = Some(Mount(edir.clone()));
    } else {
        eprintln!("skipped ext4 part: no mkfs.ext4/losetup");
    }

    let all = rpsutil::disk_partitions(true).unwrap();
    let find = |parts: &[rpsutil::DiskPartition], d: &Path| {
        parts
            .iter()
            .find(|p| Path::new(&p.mountpoint) == d)
            .cloned()
    };
    let t = find(&all, &tdir).expect("tmpfs in disk_partitions(true)");
    let (dev, fstype, opts) = mounts_line(&tdir);
    assert_eq!(
        (t.device.as_str(), t.fstype.as_str(), t.opts.as_str()),
        (dev.as_str(), "tmpfs", opts.as_str())
    );
    assert_eq!(t.device, tdev);
    assert_eq!(fstype, "tmpfs");
    assert!(t.opts.split(',').any(|o| o == "size=16384k"), "{}", t.opts);
    assert!(t.opts.split(',').any(|o| o == "mode=750"), "{}", t.opts);
    let phys = rpsutil::disk_partitions(false).unwrap();
    assert!(find(&phys, &tdir).is_none(), "tmpfs is nodev");
    check_usage(&tdir);
    assert_eq!(rpsutil::disk_usage(&tdir).unwrap().total, 16 << 20);

    if ext4 {
        let e = find(&all, &edir).expect("ext4 in disk_partitions(true)");
        let (dev, _, opts) = mounts_line(&edir);
        assert!(dev.starts_with("/dev/loop"), "{dev}");
        assert_eq!(
            (e.device.as_str(), e.fstype.as_str(), e.opts.as_str()),
            (dev.as_str(), "ext4", opts.as_str())
        );
        assert_eq!(
            find(&phys, &edir),
            Some(e),
            "a device-backed ext4 is physical"
        );
        check_usage(&edir);
    }
    // Missing path: an OS error.
    assert!(rpsutil::disk_usage(base.path().join("absent")).is_err());
}

// ------------------------------------------------------------------ sockets

fn inet(a: SocketAddr) -> Address {
    Address::Inet {
        ip: a.ip(),
        port: a.port(),
    }
}

/// A socket as compared here: psutil's `sconn` fields.
type Conn = (
    i32,
    AddressFamily,
    SocketType,
    Address,
    Address,
    ConnStatus,
    Option<u32>,
);

fn key(c: &SystemConnection) -> Conn {
    (
        c.fd,
        c.family,
        c.kind,
        c.laddr.clone(),
        c.raddr.clone(),
        c.status,
        c.pid,
    )
}

fn conn(
    fd: i32,
    family: AddressFamily,
    kind: SocketType,
    laddr: Address,
    raddr: Address,
    status: ConnStatus,
) -> Conn {
    (
        fd,
        family,
        kind,
        laddr,
        raddr,
        status,
        Some(std::process::id()),
    )
}

fn kind_matches(k: ConnKind, family: AddressFamily, kind: SocketType) -> bool {
    if family == AddressFamily::Unix {
        k.wants_unix()
    } else {
        k.pairs().contains(&(family, kind))
    }
}

#[test]
fn sockets_of_this_process() {
    use std::net::{TcpListener, TcpStream, UdpSocket};
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{UnixDatagram, UnixListener};
    let dir = TempDir::new("socks");
    let (st, dg) = (SocketType::Stream, SocketType::Dgram);
    let (v4, v6, ux) = (
        AddressFamily::Inet,
        AddressFamily::Inet6,
        AddressFamily::Unix,
    );
    let mut want = Vec::new();

    let l4 = TcpListener::bind("127.0.0.1:0").unwrap();
    let c4 = TcpStream::connect(l4.local_addr().unwrap()).unwrap();
    let (a4, _) = l4.accept().unwrap();
    let l6 = TcpListener::bind("[::1]:0").unwrap();
    let c6 = TcpStream::connect(l6.local_addr().unwrap()).unwrap();
    let (a6, _) = l6.accept().unwrap();
    for l in [&l4, &l6] {
        let fam = if l.local_addr().unwrap().is_ipv4() {
            v4
        } else {
            v6
        };
        want.push(conn(
            l.as_raw_fd(),
            fam,
            st,
            inet(l.local_addr().unwrap()),
            Address::None,
            ConnStatus::Listen,
        ));
    }
    for s in [&c4, &a4, &c6, &a6] {
        let fam = if s.local_addr().unwrap().is_ipv4() {
            v4
        } else {
            v6
        };
        want.push(conn(
            s.as_raw_fd(),
            fam,
            st,
            inet(s.local_addr().unwrap()),
            inet(s.peer_addr().unwrap()),
            ConnStatus::Established,
        ));
    }
    let u4 = UdpSocket::bind("127.0.0.1:0").unwrap();
    let u6 = UdpSocket::bind("[::1]:0").unwrap();
    let u6c = UdpSocket::bind("[::1]:0").unwrap();
    u6c.connect(u6.local_addr().unwrap()).unwrap();
    want.push(conn(
        u4.as_raw_fd(),
        v4,
        dg,
        inet(u4.local_addr().unwrap()),
        Address::None,
        ConnStatus::None,
    ));
    want.push(conn(
        u6.as_raw_fd(),
        v6,
        dg,
        inet(u6.local_addr().unwrap()),
        Address::None,
        ConnStatus::None,
    ));
    want.push(conn(
        u6c.as_raw_fd(),
        v6,
        dg,
        inet(u6c.local_addr().unwrap()),
        inet(u6.local_addr().unwrap()),
        ConnStatus::None,
    ));

    let upath = dir.path().join("stream.sock");
    let us = UnixListener::bind(&upath).unwrap();
    let dpath = dir.path().join("dgram.sock");
    let ud = UnixDatagram::bind(&dpath).unwrap();
    let abs_name = unique("abs");
    let ua = UnixListener::bind_addr(
        &std::os::unix::net::SocketAddr::from_abstract_name(abs_name.as_bytes()).unwrap(),
    )
    .unwrap();
    let empty = || Address::Unix(Default::default());
    want.push(conn(
        us.as_raw_fd(),
        ux,
        st,
        Address::Unix(upath.to_str().unwrap().into()),
        empty(),
        ConnStatus::None,
    ));
    want.push(conn(
        ud.as_raw_fd(),
        ux,
        dg,
        Address::Unix(dpath.to_str().unwrap().into()),
        empty(),
        ConnStatus::None,
    ));
    want.push(conn(
        ua.as_raw_fd(),
        ux,
        st,
        Address::Unix(format!("@{abs_name}").into()),
        empty(),
        ConnStatus::None,
    ));

    for kind in ConnKind::ALL {
        let got: Vec<Conn> = rpsutil::net_connections(kind, true)
            .unwrap()
            .iter()
            .map(key)
            .collect();
        assert!(
            got.iter().all(|c| kind_matches(kind, c.1, c.2)),
            "{kind:?} let another kind through"
        );
        for w in &want {
            let present = got.contains(w);
            assert_eq!(present, kind_matches(kind, w.1, w.2), "{kind:?}: {w:?}");
        }
        // Without owners: the same sockets, pid None and fd -1.
        let bare: Vec<Conn> = rpsutil::net_connections(kind, false)
            .unwrap()
            .iter()
            .map(key)
            .collect();
        assert!(bare.iter().all(|c| c.6.is_none() && c.0 == -1));
        for w in want.iter().filter(|w| kind_matches(kind, w.1, w.2)) {
            let mut b = w.clone();
            b.6 = None;
            b.0 = -1;
            assert!(bare.contains(&b), "{kind:?} without owners: {b:?}");
        }
        // netlink (system-wide) vs the /proc/PID/net text tables (per process):
        // the same sockets of ours, field for field.
        let mine: Vec<(i32, AddressFamily, SocketType, Address, Address, ConnStatus)> = {
            let mut v: Vec<_> = got
                .iter()
                .filter(|c| c.6 == Some(std::process::id()) && want.iter().any(|w| w.0 == c.0))
                .map(|c| (c.0, c.1, c.2, c.3.clone(), c.4.clone(), c.5))
                .collect();
            v.sort_by_key(|x| x.0);
            v
        };
        let mut proc: Vec<_> = rpsutil::Process::current()
            .unwrap()
            .net_connections(kind)
            .unwrap()
            .into_iter()
            .filter(|c| want.iter().any(|w| w.0 == c.fd))
            .map(|c| (c.fd, c.family, c.kind, c.laddr, c.raddr, c.status))
            .collect();
        proc.sort_by_key(|x| x.0);
        assert_eq!(mine, proc, "{kind:?}: netlink vs /proc/PID/net");
    }
    drop((c4, a4, c6, a6));
}

// -------------------------------------------------------------------- users

/// Civil date (UTC) of an epoch second as `who` prints it with TZ=UTC in the C locale
/// (`%b %e %H:%M`, split on whitespace).
fn utc_minute(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86400), t.rem_euclid(86400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mon = MON[(m - 1) as usize];
    format!("{mon} {d} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

#[test]
fn users_vs_who() {
    use rpsutil_parse::linux::utmp::{encode_utmp_record, ut_type, UtmpRecord};
    let me = std::process::id() as i32;
    let rec = |kind, line: &str, user: &str, host: &str, sec| UtmpRecord {
        kind,
        pid: me,
        line: line.into(),
        user: user.into(),
        host: host.into(),
        tv_sec: sec,
        ..Default::default()
    };
    let recs = [
        rec(ut_type::BOOT_TIME, "~", "reboot", "6.1", 1_700_000_000),
        rec(
            ut_type::USER_PROCESS,
            "pts/3",
            "alice",
            "203.0.113.9",
            1_700_000_123,
        ),
        rec(ut_type::USER_PROCESS, "tty7", "bob", ":0", 1_710_101_010),
        rec(ut_type::DEAD_PROCESS, "pts/4", "gone", "x", 1_700_000_300),
        rec(ut_type::USER_PROCESS, "pts/9", "carol", "", 1_720_000_000),
    ];
    let dir = TempDir::new("utmp");
    let path = dir.path().join("utmp");
    std::fs::write(
        &path,
        recs.iter()
            .flat_map(encode_utmp_record)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let got = rpsutil::users_from(&path).unwrap();
    let out = Command::new("who")
        .arg(&path)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    assert!(out.status.success());
    let who: Vec<(String, String, String, String)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let host = f
                .get(5)
                .map(|h| h.trim_matches(|c| c == '(' || c == ')').to_string())
                .unwrap_or_default();
            (
                f[0].to_string(),
                f[1].to_string(),
                format!("{} {} {}", f[2], f[3], f[4]),
                host,
            )
        })
        .collect();
    assert_eq!(who.len(), 3, "who lists USER_PROCESS entries");
    assert_eq!(got.len(), who.len());
    for (u, w) in got.iter().zip(&who) {
        assert_eq!(u.name, w.0);
        assert_eq!(u.terminal.as_deref(), Some(w.1.as_str()));
        assert_eq!(utc_minute(u.started as i64), w.2);
        // psutil: "", ":0" and ":0.0" read as "localhost"; `who` prints them raw.
        let host = if w.3.is_empty() || w.3 == ":0" {
            "localhost"
        } else {
            &w.3
        };
        assert_eq!(u.host, host);
        assert_eq!(u.pid, Some(me));
    }
}

// ---------------------------------------------------------------------- CPU

/// The only test of this binary that touches `cpu_percent`'s module-level state.
#[test]
fn cpu_percent_busy_child() {
    // The first non-blocking call has nothing to compare with: 0.0 (psutil).
    assert_eq!(rpsutil::cpu_percent(None).unwrap(), 0.0);
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    let first_cpu = stat
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(first_cpu, "cpu0", "per-CPU index 0 is CPU 0");

    let _busy = spawn(Command::new("taskset").args(["-c", "0", "sh", "-c", "while :; do :; done"]));
    let mut s = rpsutil::CpuSampler::new().unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let per = s.percent_percpu().unwrap();
    // CPU 0 runs a busy loop the whole second; 80 leaves room for the scheduler
    // running other tasks of this machine on it now and then.
    assert!(per[0] >= 80.0, "cpu0 {per:?}");
    assert!(per.iter().all(|p| (0.0..=100.0).contains(p)));

    // Since the first call, at least CPU 0 of n was busy.
    let n = per.len() as f64;
    let total = rpsutil::cpu_percent(None).unwrap();
    assert!(total >= 80.0 / n && total <= 100.0, "{total}");

    let t = rpsutil::cpu_times_percent(Some(Duration::from_millis(500))).unwrap();
    // Guest time is part of user/nice: not added again. Each field is rounded to one
    // decimal, so the sum is 100 within 0.05 per field.
    let sum = t.user
        + t.nice.unwrap_or(0.0)
        + t.system
        + t.idle
        + t.iowait.unwrap_or(0.0)
        + t.irq.unwrap_or(0.0)
        + t.softirq.unwrap_or(0.0)
        + t.steal.unwrap_or(0.0);
    assert!((sum - 100.0).abs() <= 0.05 * 8.0 + 1e-9, "sum {sum}: {t:?}");
    assert!(t.user + t.system >= 80.0 / n - 1.0, "{t:?}");
    let tp = s.times_percent_percpu().unwrap();
    let c0 = &tp[0];
    assert!(
        c0.user + c0.system + c0.nice.unwrap_or(0.0) >= 80.0,
        "{c0:?}"
    );
}

// --------------------------------------------------------------------- heap

#[test]
fn heap_grows_and_trims() {
    const SIZE: usize = 10 << 20;
    let before = rpsutil::heap_info().unwrap();
    // SAFETY: malloc/memset/free of our own block.
    let p = unsafe { libc::malloc(SIZE) };
    assert!(!p.is_null());
    unsafe { libc::memset(p, 1, SIZE) };
    let during = rpsutil::heap_info().unwrap();
    let grew =
        (during.heap_used + during.mmap_used) as i64 - (before.heap_used + before.mmap_used) as i64;
    // A 10 MiB block is mmap'd (above the 128 KiB default threshold) or, if glibc's
    // dynamic threshold rose, carved from the heap: either way it counts. Other test
    // threads allocate and free meanwhile: 2 MiB of slack.
    assert!(
        grew >= (SIZE as i64) - (2 << 20),
        "grew by {grew}: {before:?} -> {during:?}"
    );
    unsafe { libc::free(p) };
    rpsutil::heap_trim().unwrap();
    let after = rpsutil::heap_info().unwrap();
    let shrank =
        (during.heap_used + during.mmap_used) as i64 - (after.heap_used + after.mmap_used) as i64;
    assert!(shrank >= (SIZE as i64) - (2 << 20), "shrank by {shrank}");
}
