//! The system subcommands against oracles run at the same time: procps (free,
//! uptime), coreutils (df, who), iproute2 (ss, ip), getconf, lscpu, and /proc
//! itself; sensors and the proc root against fixture trees with known values.

#![cfg(target_os = "linux")]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::{json, Value};

const MIB: u64 = 1 << 20;

/// True if `ours` lies between the oracle's readings taken just before and just
/// after it, widened by `tol` on each side.
fn between(ours: u64, before: u64, after: u64, tol: u64) -> bool {
    ours >= before.min(after).saturating_sub(tol) && ours <= before.max(after) + tol
}

fn between_f(ours: f64, before: f64, after: f64, tol: f64) -> bool {
    ours >= before.min(after) - tol && ours <= before.max(after) + tol
}

fn u(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("not an unsigned integer: {v}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

// ---------------------------------------------------------------------------------
// free

/// The Mem and Swap rows of procps-style `free` output (any unit), as numbers.
fn free_rows(text: &str) -> (Vec<u64>, Vec<u64>) {
    let row = |label: &str| -> Vec<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label} row in {text}"))
            .split_whitespace()
            .map(|n| n.parse().unwrap_or_else(|_| panic!("bad number {n:?}")))
            .collect()
    };
    (row("Mem:"), row("Swap:"))
}

/// Memory moves while the oracle and rpsutil run one after the other (these tests
/// and other builds allocate and free), so the used/free/shared/buff-cache/available
/// values must lie between procps's readings just before and just after ours,
/// widened by psutil's TOLERANCE_SYS_MEM (5 MiB); a spike that comes and goes
/// between the readings is retried, at most 5 times.
const TOLERANCE_SYS_MEM: u64 = 5 * MIB;

#[test]
fn free_json_matches_procps() {
    let mut last = String::new();
    for _attempt in 0..5 {
        let (mem0, swap0) = free_rows(&tool("free", &["-b"]).expect("procps free"));
        let ours = rpsutil(&["free", "-b", "--json"]).json();
        let (mem1, swap1) = free_rows(&tool("free", &["-b"]).expect("procps free"));
        let vm = &ours["virtual_memory"];
        let sw = &ours["swap_memory"];
        // Totals do not move: exact.
        assert_eq!(u(&vm["total"]), mem0[0]);
        assert_eq!(u(&sw["total"]), swap0[0]);
        let keys: BTreeSet<&str> = vm.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        let want: BTreeSet<&str> = [
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
        ]
        .into_iter()
        .collect();
        assert_eq!(keys, want, "psutil's svmem fields on Linux");
        let buff_cache = u(&vm["buffers"]) + u(&vm["cached"]);
        let pairs = [
            ("used", u(&vm["used"]), 1),
            ("free", u(&vm["free"]), 2),
            ("shared", u(&vm["shared"]), 3),
            ("buff/cache", buff_cache, 4),
            ("available", u(&vm["available"]), 5),
        ];
        let mut bad: Vec<String> = pairs
            .iter()
            .filter(|(_, v, i)| !between(*v, mem0[*i], mem1[*i], TOLERANCE_SYS_MEM))
            .map(|(k, v, i)| format!("{k}: ours {v}, procps {} / {}", mem0[*i], mem1[*i]))
            .collect();
        for (k, i) in [("used", 1), ("free", 2)] {
            let v = u(&sw[k]);
            if !between(v, swap0[i], swap1[i], TOLERANCE_SYS_MEM) {
                bad.push(format!(
                    "swap {k}: ours {v}, procps {} / {}",
                    swap0[i], swap1[i]
                ));
            }
        }
        // psutil 7.1+ and procps-ng 4: used = total - available.
        assert_eq!(
            u(&vm["used"]),
            u(&vm["total"]) - u(&vm["available"]),
            "{vm}"
        );
        if bad.is_empty() {
            return;
        }
        last = bad.join("; ");
    }
    panic!("free differs from procps 5 times: {last}");
}

#[test]
fn free_text_matches_procps() {
    let procps = tool("free", &["-b"]).expect("procps free");
    let ours = rpsutil(&["free", "-b"]);
    let ours = ours.ok();
    let header = |t: &str| -> Vec<String> {
        t.lines()
            .next()
            .unwrap()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(header(ours), header(&procps));
    // The first value column ends where procps's does.
    assert_eq!(
        ours.lines().next().unwrap().find("total"),
        procps.lines().next().unwrap().find("total")
    );
    let (m0, s0) = free_rows(&procps);
    let (m1, s1) = free_rows(ours);
    assert_eq!(m1.len(), 6);
    assert_eq!(s1.len(), 3);
    assert_eq!(m1[0], m0[0], "Mem total");
    assert_eq!(s1[0], s0[0], "Swap total");
    // Every text column, with the tolerance, bracketing and retries of
    // free_json_matches_procps (same reason: memory moves between the runs).
    let mut last = String::new();
    let mut agreed = false;
    for _attempt in 0..5 {
        let (b, _) = free_rows(&tool("free", &["-b"]).expect("procps free"));
        let (o, _) = free_rows(rpsutil(&["free", "-b"]).ok());
        let (a, _) = free_rows(&tool("free", &["-b"]).expect("procps free"));
        if (1..6).all(|i| between(o[i], b[i], a[i], TOLERANCE_SYS_MEM)) {
            agreed = true;
            break;
        }
        last = format!("ours {o:?}, procps {b:?} / {a:?}");
    }
    assert!(agreed, "free -b text differs from procps 5 times: {last}");

    // Units: the total is exact in every unit procps has (both truncate).
    for (flag, ours_flag) in [("-k", "-k"), ("-m", "-m"), ("-g", "-g")] {
        let (p, _) = free_rows(&tool("free", &[flag]).expect("procps free"));
        let (o, _) = free_rows(rpsutil(&["free", ours_flag]).ok());
        assert_eq!(o[0], p[0], "free {flag}");
    }
    let (default, _) = free_rows(rpsutil(&["free"]).ok());
    assert_eq!(default[0], m0[0] / 1024, "KiB by default, as procps");
    // -h: psutil's bytes2human of the byte total.
    let human = rpsutil(&["free", "-h"]);
    let total_h = human
        .ok()
        .lines()
        .find_map(|l| l.strip_prefix("Mem:"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(total_h, bytes2human(m0[0]));
}

// ---------------------------------------------------------------------------------
// df

/// `df -B1 --output=source,target,fstype,size,used,avail` rows by mount point:
/// (source, fstype, size, used, avail). Lines with spaces in a path are skipped.
fn df_rows(args: &[&str]) -> BTreeMap<String, (String, String, u64, u64, u64)> {
    let mut a = vec!["-B1", "--output=source,target,fstype,size,used,avail"];
    a.extend_from_slice(args);
    let text = tool("df", &a).expect("coreutils df");
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 6 {
            continue;
        }
        let n = |s: &str| s.parse::<u64>().unwrap_or(0);
        out.insert(
            f[1].to_string(),
            (
                f[0].to_string(),
                f[2].to_string(),
                n(f[3]),
                n(f[4]),
                n(f[5]),
            ),
        );
    }
    out
}

/// Files are being written while the commands run (other tests, other builds on
/// the same disk): used and available must lie between df's readings just before
/// and after ours, widened by psutil's TOLERANCE_DISK_USAGE (10 MiB); retried up to
/// 5 times for bursts that come and go between readings.
const TOLERANCE_DISK_USAGE: u64 = 10 * MIB;

#[test]
fn df_json_matches_coreutils() {
    let mut last = String::new();
    for _attempt in 0..5 {
        let before = df_rows(&[]);
        let ours = rpsutil(&["df", "--json"]).json();
        let after = df_rows(&[]);
        let parts = ours["disk_partitions"].as_array().expect("partitions");
        let usage = ours["disk_usage"].as_object().expect("usage");
        for p in parts {
            let keys: BTreeSet<&str> = p.as_object().unwrap().keys().map(|k| k.as_str()).collect();
            assert_eq!(
                keys,
                ["device", "mountpoint", "fstype", "opts"]
                    .into_iter()
                    .collect()
            );
            assert!(usage.contains_key(p["mountpoint"].as_str().unwrap()));
        }
        let mut compared = BTreeSet::new();
        let mut bad = Vec::new();
        for p in parts {
            let mp = p["mountpoint"].as_str().unwrap();
            let (Some(b), Some(a)) = (before.get(mp), after.get(mp)) else {
                continue; // df shows one mount point per device; psutil lists all
            };
            let us = &usage[mp];
            assert_eq!(p["fstype"].as_str(), Some(b.1.as_str()), "{mp}");
            assert_eq!(u(&us["total"]), b.2, "size of {mp}");
            if !between(u(&us["used"]), b.3, a.3, TOLERANCE_DISK_USAGE) {
                bad.push(format!("{mp} used {} vs {} / {}", us["used"], b.3, a.3));
            }
            if !between(u(&us["free"]), b.4, a.4, TOLERANCE_DISK_USAGE) {
                bad.push(format!("{mp} free {} vs {} / {}", us["free"], b.4, a.4));
            }
            compared.insert(mp.to_string());
        }
        assert!(compared.contains("/"), "/ compared: {compared:?}");
        if bad.is_empty() {
            return;
        }
        last = bad.join("; ");
    }
    panic!("df differs 5 times: {last}");
}

#[test]
fn df_text_matches_coreutils() {
    let out = rpsutil(&["df", "-B1"]);
    let text = out.ok();
    let head: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        head,
        [
            "Filesystem",
            "Type",
            "1B-blocks",
            "Used",
            "Avail",
            "Use%",
            "Mounted",
            "on"
        ]
    );
    let root = text
        .lines()
        .find(|l| l.ends_with(" /"))
        .expect("a row for /");
    let f: Vec<&str> = root.split_whitespace().collect();
    let df = df_rows(&["/"]);
    let (src, fstype, size, _, _) = &df["/"];
    assert_eq!(f[0], src);
    assert_eq!(f[1], fstype);
    assert_eq!(f[2].parse::<u64>().unwrap(), *size);
    // Default: 1K blocks, rounded up as df does; -h: bytes2human.
    let k = rpsutil(&["df"]);
    let kroot = k.ok().lines().find(|l| l.ends_with(" /")).unwrap();
    let kdf = tool("df", &["--output=size", "/"]).expect("df");
    assert_eq!(
        kroot.split_whitespace().nth(2),
        kdf.lines().nth(1).map(str::trim)
    );
    let h = rpsutil(&["df", "-h"]);
    let hroot = h.ok().lines().find(|l| l.ends_with(" /")).unwrap();
    assert_eq!(
        hroot.split_whitespace().nth(2),
        Some(bytes2human(*size).as_str())
    );
}

/// A tmpfs mounted for one test, unmounted (and its directory removed) on drop,
/// even when the test fails.
struct TmpfsMount {
    dir: PathBuf,
}

impl TmpfsMount {
    /// Mounts a tmpfs of `size` (mount's syntax, `16m`); None when not permitted.
    fn new(size: &str) -> Option<TmpfsMount> {
        let dir = temp_dir("tmpfs");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = std::fs::remove_dir_all(&dir);
            return None;
        }
        Some(TmpfsMount { dir })
    }

    fn path(&self) -> &str {
        self.dir.to_str().expect("utf-8 temp dir")
    }
}

impl Drop for TmpfsMount {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn df_sees_a_tmpfs_of_known_size() {
    let Some(m) = TmpfsMount::new("16m") else {
        eprintln!("skipped: cannot mount a tmpfs (needs root)");
        return;
    };
    let mp = m.path();
    // 1 MiB written: nobody else uses this file system, so used is exact.
    std::fs::write(m.dir.join("data"), vec![7u8; MIB as usize]).unwrap();
    let ours = rpsutil(&["df", "-a", "--json"]).json();
    let part = ours["disk_partitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["mountpoint"] == mp)
        .unwrap_or_else(|| panic!("{mp} not in df -a --json"));
    assert_eq!(part["device"], "tmpfs");
    assert_eq!(part["fstype"], "tmpfs");
    assert!(part["opts"].as_str().unwrap().contains("rw"));
    let us = &ours["disk_usage"][mp];
    let df = df_rows(&[mp]);
    let (_, fstype, size, used, avail) = &df[mp];
    assert_eq!(fstype, "tmpfs");
    assert_eq!(*size, 16 * MIB);
    assert_eq!(u(&us["total"]), *size);
    assert_eq!(u(&us["used"]), *used);
    assert_eq!(u(&us["used"]), MIB);
    assert_eq!(u(&us["free"]), *avail);
    // psutil: round(6.25, 1) == 6.2 (Python rounds the exact binary value, ties to
    // even), see tmpfs_percent_rounds_like_python.
    assert_eq!(f(&us["percent"]), 6.2, "{us}");
    // tmpfs is nodev: only with -a.
    let phys = rpsutil(&["df", "--json"]).json();
    assert!(phys["disk_usage"].get(mp).is_none());
    // The text row against df's own, Use% included (rounded up: 6.25 -> 7%).
    let pcent = tool("df", &["--output=pcent", mp]).expect("df");
    let pcent = pcent.lines().nth(1).unwrap().trim();
    let text = rpsutil(&["df", "-a", "-B1"]);
    let row: Vec<&str> = text
        .ok()
        .lines()
        .find(|l| l.ends_with(mp))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        row,
        ["tmpfs", "tmpfs", "16777216", "1048576", "15728640", pcent, mp]
    );
    let human = rpsutil(&["df", "-a", "-h"]);
    let hrow = human.ok().lines().find(|l| l.ends_with(mp)).unwrap();
    assert!(hrow.contains("16.0M") && hrow.contains("1.0M"), "{hrow}");
}

/// psutil's `disk_usage().percent` is `round(used / (used + free) * 100, 1)` with
/// Python's `round`, which gives 6.2 for 1 MiB of 16 MiB (6.25 is exact in binary
/// and ties go to even); `rpsutil::common::percent::round1` does the same.
#[test]
fn tmpfs_percent_rounds_like_python() {
    let Some(m) = TmpfsMount::new("16m") else {
        eprintln!("skipped: cannot mount a tmpfs (needs root)");
        return;
    };
    std::fs::write(m.dir.join("data"), vec![7u8; MIB as usize]).unwrap();
    let ours = rpsutil(&["df", "-a", "--json"]).json();
    assert_eq!(ours["disk_usage"][m.path()]["percent"], 6.2);
}

// ---------------------------------------------------------------------------------
// netstat

fn addr_str(a: &Value) -> String {
    match a {
        Value::Object(o) => {
            let ip = o["ip"].as_str().unwrap();
            if ip.contains(':') {
                format!("[{ip}]:{}", o["port"])
            } else {
                format!("{ip}:{}", o["port"])
            }
        }
        Value::Array(v) if v.is_empty() => "*".to_string(),
        other => other.as_str().unwrap_or("?").to_string(),
    }
}

/// `ss -tunapH` rows of process `pid`: (proto, local, remote), remote `*` for none.
fn ss_rows(pid: u32) -> BTreeSet<(String, String, String)> {
    let text = tool("ss", &["-tunapH"]).expect("iproute2 ss");
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if !line.contains(&format!("pid={pid},")) {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let remote = if f[5].ends_with(":*") {
            "*".to_string()
        } else {
            f[5].to_string()
        };
        out.insert((f[0].to_string(), f[4].to_string(), remote));
    }
    out
}

fn find<'a>(conns: &'a [Value], laddr: &str, raddr: &str) -> Option<&'a Value> {
    conns
        .iter()
        .find(|c| addr_str(&c["laddr"]) == laddr && addr_str(&c["raddr"]) == raddr)
}

#[test]
fn netstat_finds_the_tests_sockets_and_agrees_with_ss() {
    let me = std::process::id();
    let l4 = TcpListener::bind("127.0.0.1:0").unwrap();
    let l6 = TcpListener::bind("[::1]:0").ok(); // no IPv6 loopback: v4 only
    let client = TcpStream::connect(l4.local_addr().unwrap()).unwrap();
    let (server, _) = l4.accept().unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let lp = l4.local_addr().unwrap().port();
    let cp = client.local_addr().unwrap().port();
    let up = udp.local_addr().unwrap().port();

    let ours = rpsutil(&["netstat", "--json"]).json();
    let theirs = ss_rows(me);
    let conns = ours["net_connections"].as_array().expect("array");
    for c in conns {
        let keys: BTreeSet<&str> = c.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(
            keys,
            ["fd", "family", "type", "laddr", "raddr", "status", "pid"]
                .into_iter()
                .collect()
        );
    }
    let listen = find(conns, &format!("127.0.0.1:{lp}"), "*").expect("v4 listener");
    assert_eq!(listen["status"], "LISTEN");
    assert_eq!(listen["pid"], me);
    assert_eq!(listen["family"], 2);
    assert_eq!(listen["type"], 1);
    assert!(listen["fd"].as_i64().unwrap() >= 0);
    let c = find(
        conns,
        &format!("127.0.0.1:{cp}"),
        &format!("127.0.0.1:{lp}"),
    )
    .expect("client");
    assert_eq!(c["status"], "ESTABLISHED");
    assert_eq!(c["pid"], me);
    let s = find(
        conns,
        &format!("127.0.0.1:{lp}"),
        &format!("127.0.0.1:{cp}"),
    )
    .expect("server");
    assert_eq!(s["status"], "ESTABLISHED");
    assert_eq!(s["pid"], me);
    let d = find(conns, &format!("127.0.0.1:{up}"), "*").expect("udp");
    assert_eq!(
        (d["type"].as_i64(), d["status"].as_str()),
        (Some(2), Some("NONE"))
    );
    if let Some(l6) = &l6 {
        let p6 = l6.local_addr().unwrap().port();
        let v6 = find(conns, &format!("[::1]:{p6}"), "*").expect("v6 listener");
        assert_eq!(
            (v6["family"].as_i64(), v6["status"].as_str()),
            (Some(10), Some("LISTEN"))
        );
        assert_eq!(v6["pid"], me);
    }

    // The same set of inet sockets of this process as ss.
    let mine: BTreeSet<(String, String, String)> = conns
        .iter()
        .filter(|c| c["pid"] == me)
        .map(|c| {
            let proto = if c["type"] == 1 { "tcp" } else { "udp" };
            (
                proto.to_string(),
                addr_str(&c["laddr"]),
                addr_str(&c["raddr"]),
            )
        })
        .collect();
    assert_eq!(mine, theirs);

    // The text table: the listener's row with our pid and program name.
    let comm = std::fs::read_to_string("/proc/self/comm").unwrap();
    let text = rpsutil(&["netstat"]);
    let row = text
        .ok()
        .lines()
        .find(|l| l.contains(&format!("127.0.0.1:{lp} ")) && l.contains("LISTEN"))
        .expect("listener row");
    let f: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(f[0], "tcp");
    assert_eq!(f[2], "-");
    assert_eq!(f[4], me.to_string());
    assert_eq!(f[5], comm.trim_end().chars().take(15).collect::<String>());

    // --kind picks the families and types.
    let kind = |k: &str| -> Vec<Value> {
        rpsutil(&["netstat", "--kind", k, "--json"]).json()["net_connections"]
            .as_array()
            .unwrap()
            .clone()
    };
    let tcp4 = kind("tcp4");
    assert!(find(&tcp4, &format!("127.0.0.1:{lp}"), "*").is_some());
    assert!(tcp4.iter().all(|c| c["family"] == 2 && c["type"] == 1));
    let udp_only = kind("udp");
    assert!(find(&udp_only, &format!("127.0.0.1:{up}"), "*").is_some());
    assert!(udp_only.iter().all(|c| c["type"] == 2));
    let unix = kind("unix");
    assert!(unix
        .iter()
        .all(|c| c["family"] == 1 && c["laddr"].is_string()));
    let all = kind("all");
    assert!(find(&all, &format!("127.0.0.1:{lp}"), "*").is_some());
    assert!(find(&all, &format!("127.0.0.1:{up}"), "*").is_some());
    drop((client, server, udp, l4, l6));
}

// ---------------------------------------------------------------------------------
// ifconfig

fn prefix_len(netmask: &str) -> u32 {
    if let Ok(v4) = netmask.parse::<Ipv4Addr>() {
        u32::from(v4).count_ones()
    } else {
        u128::from(netmask.parse::<Ipv6Addr>().expect("netmask")).count_ones()
    }
}

#[test]
fn ifconfig_json_matches_iproute2() {
    let ip_json = |what: &str| -> Value {
        serde_json::from_str(&tool("ip", &["-j", what]).expect("iproute2 ip")).unwrap()
    };
    let link_names = |link: &Value| -> BTreeSet<String> {
        link.as_array()
            .unwrap()
            .iter()
            .map(|l| l["ifname"].as_str().unwrap().to_string())
            .collect()
    };
    // Other tests may add or remove NICs (veth pairs) while this runs: the reading
    // is retried until the NIC set is the same before and after ours.
    let (addr, link, ours, names) = (0..5)
        .find_map(|_| {
            let link = ip_json("link");
            let addr = ip_json("addr");
            let ours = rpsutil(&["ifconfig", "--json"]).json();
            let after = ip_json("link");
            let names = link_names(&link);
            (names == link_names(&after)).then_some((addr, link, ours, names))
        })
        .expect("the NIC set kept changing");
    let keys =
        |k: &str| -> BTreeSet<String> { ours[k].as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys("net_if_addrs"), names);
    assert_eq!(keys("net_if_stats"), names);
    assert_eq!(keys("net_io_counters"), names);
    for l in link.as_array().unwrap() {
        let nic = l["ifname"].as_str().unwrap();
        let st = &ours["net_if_stats"][nic];
        assert_eq!(st["mtu"], l["mtu"], "mtu of {nic}");
        let flags: Vec<&str> = l["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(
            st["flags"].as_str().unwrap().split(',').any(|f| f == "up"),
            flags.contains(&"UP"),
            "up flag of {nic}"
        );
        // The MAC (psutil's AF_LINK = AF_PACKET = 17).
        let mac = ours["net_if_addrs"][nic]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["family"] == 17)
            .map(|a| a["address"].clone());
        if let Some(want) = l.get("address") {
            assert_eq!(mac.as_ref(), Some(want), "MAC of {nic}");
        }
    }
    for a in addr.as_array().unwrap() {
        let nic = a["ifname"].as_str().unwrap();
        let mut theirs = BTreeSet::new();
        for info in a["addr_info"].as_array().unwrap() {
            let fam = if info["family"] == "inet" { 2 } else { 10 };
            let bcast = info["broadcast"].as_str().map(str::to_string);
            theirs.insert((
                fam,
                info["local"].as_str().unwrap().to_string(),
                u(&info["prefixlen"]) as u32,
                bcast,
            ));
        }
        let mine: BTreeSet<(i64, String, u32, Option<String>)> = ours["net_if_addrs"][nic]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["family"] == 2 || x["family"] == 10)
            .map(|x| {
                let fam = x["family"].as_i64().unwrap();
                // psutil keeps the scope of link-local IPv6 addresses (`fe80::1%eth0`).
                let address = x["address"].as_str().unwrap();
                let address = address.split('%').next().unwrap().to_string();
                let bcast = if fam == 2 {
                    x["broadcast"].as_str().map(str::to_string)
                } else {
                    None
                };
                (
                    fam,
                    address,
                    prefix_len(x["netmask"].as_str().unwrap()),
                    bcast,
                )
            })
            .collect();
        assert_eq!(mine, theirs, "addresses of {nic}");
    }
    // The text form lists each NIC with its MTU.
    let text = rpsutil(&["ifconfig"]);
    for l in link.as_array().unwrap() {
        let nic = l["ifname"].as_str().unwrap();
        assert!(text.ok().contains(&format!("{nic}:\n")), "{nic}");
        assert!(text.ok().contains(&format!("mtu={},", l["mtu"])));
    }
}

// ---------------------------------------------------------------------------------
// who

fn utmp_record(kind: i16, user: &str, line: &str, host: &str, secs: i32) -> Vec<u8> {
    use rpsutil_parse::linux::utmp::{encode_utmp_record, UtmpRecord};
    let id: Vec<u8> = line.bytes().rev().take(4).collect::<Vec<_>>();
    let mut id4 = [0u8; 4];
    for (d, s) in id4.iter_mut().zip(id.iter().rev()) {
        *d = *s;
    }
    encode_utmp_record(&UtmpRecord {
        kind,
        pid: std::process::id() as i32,
        line: line.as_bytes().to_vec(),
        id: id4,
        user: user.as_bytes().to_vec(),
        host: host.as_bytes().to_vec(),
        tv_sec: secs,
        ..Default::default()
    })
    .to_vec()
}

/// A utmp file with two logged-in users, a dead session, a getty and a boot record.
fn write_utmp(dir: &Path) -> PathBuf {
    use rpsutil_parse::linux::utmp::ut_type::*;
    let mut data = Vec::new();
    data.extend(utmp_record(
        BOOT_TIME,
        "reboot",
        "~",
        "6.1.0",
        1_690_000_000,
    ));
    data.extend(utmp_record(
        LOGIN_PROCESS,
        "LOGIN",
        "tty1",
        "",
        1_690_000_100,
    ));
    data.extend(utmp_record(
        USER_PROCESS,
        "alice",
        "pts/7",
        "example.org",
        1_700_000_000,
    ));
    data.extend(utmp_record(
        DEAD_PROCESS,
        "carol",
        "pts/9",
        "gone.example",
        1_700_000_500,
    ));
    data.extend(utmp_record(USER_PROCESS, "bob", "tty3", "", 1_600_000_000));
    let path = dir.join("utmp");
    std::fs::write(&path, data).unwrap();
    path
}

/// Removes a temporary directory on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn who_file_matches_coreutils() {
    let dir = TempDir(temp_dir("who"));
    let file = write_utmp(&dir.0);
    let file_s = file.to_str().unwrap();
    let theirs = tool("who", &[file_s]).expect("coreutils who");
    let ours = rpsutil(&["who", file_s]);
    let (ol, tl): (Vec<&str>, Vec<&str>) = (ours.ok().lines().collect(), theirs.lines().collect());
    assert_eq!(ol.len(), 2, "{}", ours.stdout);
    assert_eq!(tl.len(), 2, "{theirs}");
    // alice: the same line, layout included.
    assert_eq!(ol[0], tl[0]);
    // bob has no host: coreutils prints none, psutil says "localhost".
    assert_eq!(ol[1], format!("{} (localhost)", tl[1]));

    let json = rpsutil(&["who", "--json", file_s]).json();
    let me = std::process::id();
    assert_eq!(
        json,
        json!({"users": [
            {"name": "alice", "terminal": "pts/7", "host": "example.org",
             "started": 1_700_000_000.0, "pid": me},
            {"name": "bob", "terminal": "tty3", "host": "localhost",
             "started": 1_600_000_000.0, "pid": me},
        ]})
    );
    // The login times as coreutils shows them (same TZ for both).
    for (line, user) in tl.iter().zip(["alice", "bob"]) {
        assert!(line.starts_with(user));
    }
}

#[test]
fn who_missing_file_is_one_line() {
    let dir = TempDir(temp_dir("who-missing"));
    let missing = dir.0.join("no-such-utmp");
    let out = rpsutil(&["who", missing.to_str().unwrap()]);
    let line = out.fails_with_one_line(1);
    assert!(line.contains("No such file"), "{line}");
    assert_eq!(out.stdout, "");
    // A directory is not a utmp file either.
    let out = rpsutil(&["who", dir.0.to_str().unwrap()]);
    out.fails_with_one_line(1);
}

// ---------------------------------------------------------------------------------
// uptime

fn btime() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn loadavg() -> [f64; 3] {
    let s = std::fs::read_to_string("/proc/loadavg").unwrap();
    let v: Vec<f64> = s
        .split_whitespace()
        .take(3)
        .map(|x| x.parse().unwrap())
        .collect();
    [v[0], v[1], v[2]]
}

/// /proc/loadavg prints two decimals (±0.005) and getloadavg(3) gives the exact
/// fixed-point value; the kernel updates both every 5 s, so ours must lie between
/// the readings just before and just after, widened by 0.01.
const TOLERANCE_LOAD: f64 = 0.01;

#[test]
fn uptime_json_matches_proc() {
    let load0 = loadavg();
    let ours = rpsutil(&["uptime", "--json"]).json();
    let load1 = loadavg();
    assert_eq!(f(&ours["boot_time"]), btime());
    let la = ours["getloadavg"].as_array().unwrap();
    assert_eq!(la.len(), 3);
    for i in 0..3 {
        assert!(
            between_f(f(&la[i]), load0[i], load1[i], TOLERANCE_LOAD),
            "load {i}: {} vs {load0:?} / {load1:?}",
            la[i]
        );
    }
    // users: the system utmp; absent here means nobody, as coreutils who says.
    let who = tool("who", &[]).expect("coreutils who");
    assert_eq!(ours["users"].as_array().unwrap().len(), who.lines().count());
}

#[test]
fn uptime_text_matches_procps() {
    // The two may straddle a minute boundary: retried, a second apart.
    let mut last = String::new();
    for _ in 0..3 {
        let theirs = tool("uptime", &[]).expect("procps uptime");
        let ours = rpsutil(&["uptime"]);
        let ours = ours.ok().to_string();
        let up = |s: &str| -> String {
            let a = s.find(" up ").unwrap();
            let b = s.find(" user").unwrap();
            // "up 37 min,  0" -> drop the user count (procps 4 says "0 user").
            let part = &s[a..b];
            part[..part.rfind(',').unwrap()].to_string()
        };
        let loads = |s: &str| -> Vec<f64> {
            s.split("load average:")
                .nth(1)
                .unwrap()
                .split(',')
                .map(|x| x.trim().parse().unwrap())
                .collect()
        };
        let same_up = up(&ours) == up(&theirs);
        let close = loads(&ours)
            .iter()
            .zip(loads(&theirs))
            // Same reason as TOLERANCE_LOAD.
            .all(|(a, b)| (a - b).abs() <= TOLERANCE_LOAD + 0.005);
        if same_up && close {
            assert!(ours.starts_with(' ') && ours.contains(" load average: "));
            return;
        }
        last = format!("ours {ours:?} procps {theirs:?}");
        // Ours is now - btime, and btime is whole seconds, so ours runs up to a second
        // ahead of procps's /proc/uptime: in the last second of a minute the two name
        // different minutes. Retry after that second has passed.
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    panic!("uptime differs: {last}");
}

// ---------------------------------------------------------------------------------
// iostat

/// /proc/diskstats by device: reads, reads merged, sectors read, read ms, writes,
/// writes merged, sectors written, write ms, in flight, busy ms.
fn diskstats() -> BTreeMap<String, Vec<u64>> {
    std::fs::read_to_string("/proc/diskstats")
        .unwrap()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let v: Vec<u64> = f.get(3..13)?.iter().map(|x| x.parse().unwrap()).collect();
            Some((f[2].to_string(), v))
        })
        .collect()
}

/// psutil's field -> (diskstats index, multiplier).
const DISK_FIELDS: [(&str, usize, u64); 9] = [
    ("read_count", 0, 1),
    ("read_merged_count", 1, 1),
    ("read_bytes", 2, 512),
    ("read_time", 3, 1),
    ("write_count", 4, 1),
    ("write_merged_count", 5, 1),
    ("write_bytes", 6, 512),
    ("write_time", 7, 1),
    ("busy_time", 9, 1),
];

#[test]
fn iostat_json_is_between_two_diskstats_reads() {
    let before = diskstats();
    let ours = rpsutil(&["iostat", "--json"]).json();
    let after = diskstats();
    let per = ours["disk_io_counters_perdisk"].as_object().unwrap();
    // Devices that exist in both reads are ours too; ours are in one of the reads
    // (other tests attach loop devices).
    let names: BTreeSet<&String> = per.keys().collect();
    let both: BTreeSet<&String> = before.keys().filter(|n| after.contains_key(*n)).collect();
    let either: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    assert!(both.is_subset(&names), "{both:?} vs {names:?}");
    assert!(names.is_subset(&either), "{names:?} vs {either:?}");
    // Counters only grow: each of ours lies between the two reads (no tolerance).
    for (name, c) in per.iter().filter(|(n, _)| both.contains(n)) {
        for (field, i, mul) in DISK_FIELDS {
            let v = u(&c[field]);
            assert!(
                between(v, before[name][i] * mul, after[name][i] * mul, 0),
                "{name} {field}: {v} vs {} / {}",
                before[name][i] * mul,
                after[name][i] * mul
            );
        }
    }
    // The total: whole disks only (psutil: those in /sys/block), partitions not
    // counted twice.
    let total = &ours["disk_io_counters"];
    for (field, i, mul) in DISK_FIELDS {
        let sum = |m: &BTreeMap<String, Vec<u64>>| -> u64 {
            m.iter()
                .filter(|(n, _)| both.contains(n))
                .filter(|(n, _)| Path::new("/sys/block").join(n.replace('/', "!")).exists())
                .map(|(_, v)| v[i] * mul)
                .sum()
        };
        let v = u(&total[field]);
        assert!(
            between(v, sum(&before), sum(&after), 0),
            "total {field}: {v} vs {} / {}",
            sum(&before),
            sum(&after)
        );
    }
}

#[test]
fn iostat_text_reports() {
    let before = diskstats();
    let out = rpsutil(&["iostat", "0.2", "2"]);
    let after = diskstats();
    let text = out.ok();
    let tables: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(tables.len(), 2, "{text}");
    for t in &tables {
        let mut lines = t.lines();
        let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(
            head,
            [
                "Device",
                "tps",
                "kB_read/s",
                "kB_wrtn/s",
                "kB_read",
                "kB_wrtn"
            ]
        );
        let devs: BTreeSet<String> = lines
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect();
        // Same rule as iostat_json_is_between_two_diskstats_reads for devices
        // attached or detached meanwhile.
        assert!(before
            .keys()
            .filter(|n| after.contains_key(*n))
            .all(|n| devs.contains(n)));
        assert!(devs
            .iter()
            .all(|n| before.contains_key(n) || after.contains_key(n)));
    }
    // The first report is since boot: kB read = sectors / 2, between the reads.
    let in_both = |f: &[&str]| before.contains_key(f[0]) && after.contains_key(f[0]);
    for l in tables[0].lines().skip(1) {
        let f: Vec<&str> = l.split_whitespace().collect();
        if !in_both(&f) {
            continue;
        }
        let kb: u64 = f[4].parse().unwrap();
        assert!(
            between(kb, before[f[0]][2] / 2, after[f[0]][2] / 2, 0),
            "{l}"
        );
    }
    // The second covers 0.2 s: at most what happened between the two reads.
    for l in tables[1].lines().skip(1) {
        let f: Vec<&str> = l.split_whitespace().collect();
        if !in_both(&f) {
            continue;
        }
        let kb: u64 = f[4].parse().unwrap();
        assert!(kb <= (after[f[0]][2] - before[f[0]][2]) / 2 + 1, "{l}");
    }
    // --json with an interval: one line per report.
    let j = rpsutil(&["iostat", "0.1", "3", "--json"]);
    assert_eq!(j.ok().lines().count(), 3);
    for line in j.ok().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v["disk_io_counters_perdisk"].is_object());
    }
}

// ---------------------------------------------------------------------------------
// cpu

/// The `cpu` / `cpuN` lines of /proc/stat in ticks, and ctxt, intr, softirq.
fn proc_stat() -> (Vec<Vec<u64>>, [u64; 3]) {
    let s = std::fs::read_to_string("/proc/stat").unwrap();
    let mut cpus = Vec::new();
    let mut stats = [0u64; 3];
    for l in s.lines() {
        let mut f = l.split_whitespace();
        let key = f.next().unwrap_or("");
        if key.starts_with("cpu") {
            cpus.push(f.map(|x| x.parse().unwrap()).collect());
        } else if let Some(i) = ["ctxt", "intr", "softirq"].iter().position(|k| *k == key) {
            stats[i] = f.next().unwrap().parse().unwrap();
        }
    }
    (cpus, stats)
}

const CPU_FIELDS: [&str; 10] = [
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
];

#[test]
fn cpu_json_matches_proc_and_getconf() {
    let tck: f64 = tool("getconf", &["CLK_TCK"])
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let (c0, s0) = proc_stat();
    let load0 = loadavg();
    let ours = rpsutil(&["cpu", "--json", "--interval", "0.2"]).json();
    let (c1, s1) = proc_stat();
    let load1 = loadavg();
    let online: u64 = tool("getconf", &["_NPROCESSORS_ONLN"])
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(u(&ours["cpu_count"]), online);
    // Physical cores: distinct (core, socket) pairs of lscpu.
    if let Some(lscpu) = tool("lscpu", &["-p=core,socket"]) {
        let cores: BTreeSet<&str> = lscpu.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(u(&ours["cpu_count_cores"]), cores.len() as u64);
    }
    // Times only grow: each field lies between the two reads (ticks / CLK_TCK), with
    // 0.005 s for the two-decimal rounding of the division.
    let check = |name: &str, t: &Value, a: &[u64], b: &[u64]| {
        for (i, k) in CPU_FIELDS.iter().enumerate() {
            let v = f(&t[*k]);
            assert!(
                between_f(v, a[i] as f64 / tck, b[i] as f64 / tck, 0.005),
                "{name} {k}: {v} vs {} / {}",
                a[i],
                b[i]
            );
        }
    };
    check("cpu", &ours["cpu_times"], &c0[0], &c1[0]);
    let percpu = ours["cpu_times_percpu"].as_array().unwrap();
    assert_eq!(percpu.len(), c0.len() - 1);
    for (i, t) in percpu.iter().enumerate() {
        check(&format!("cpu{i}"), t, &c0[i + 1], &c1[i + 1]);
    }
    let pct = ours["cpu_percent"].as_array().unwrap();
    assert_eq!(pct.len(), percpu.len());
    assert!(pct.iter().all(|p| (0.0..=100.0).contains(&f(p))), "{pct:?}");
    let st = &ours["cpu_stats"];
    for (i, k) in ["ctx_switches", "interrupts", "soft_interrupts"]
        .iter()
        .enumerate()
    {
        assert!(between(u(&st[*k]), s0[i], s1[i], 0), "{k}");
    }
    assert_eq!(st["syscalls"], 0);
    let la = ours["getloadavg"].as_array().unwrap();
    for i in 0..3 {
        assert!(between_f(f(&la[i]), load0[i], load1[i], TOLERANCE_LOAD));
    }
    // Without cpufreq in sysfs the frequency is /proc/cpuinfo's "cpu MHz" average
    // (which a VM keeps constant; 1% for hosts that scale between the reads).
    if !Path::new("/sys/devices/system/cpu/cpu0/cpufreq").exists() {
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap();
        let mhz: Vec<f64> = info
            .lines()
            .filter(|l| l.starts_with("cpu MHz"))
            .map(|l| l.split(':').nth(1).unwrap().trim().parse().unwrap())
            .collect();
        if !mhz.is_empty() {
            let avg = mhz.iter().sum::<f64>() / mhz.len() as f64;
            let cur = f(&ours["cpu_freq"]["current"]);
            assert!((cur - avg).abs() <= avg * 0.01, "{cur} vs {avg}");
        }
    }
}

#[test]
fn cpu_percent_sees_a_busy_child() {
    // A spinning child keeps at least one CPU busy for the sampling interval.
    let child = Command::new("sh")
        .args(["-c", "while :; do :; done"])
        .stdin(std::process::Stdio::null())
        .spawn()
        .expect("spawn sh");
    let _spin = Guard::new(child);
    std::thread::sleep(std::time::Duration::from_millis(100));
    let ours = rpsutil(&["cpu", "--json", "--interval", "0.5"]).json();
    let pct: Vec<f64> = ours["cpu_percent"]
        .as_array()
        .unwrap()
        .iter()
        .map(f)
        .collect();
    // Not exactly 100: the scheduler may move the child between CPUs.
    assert!(pct.iter().sum::<f64>() >= 50.0, "{pct:?}");
    let text = rpsutil(&["cpu", "--interval", "0"]);
    assert!(text.ok().contains("count:"));
    assert!(text.ok().lines().any(|l| l.starts_with("cpu0 ")));
}

// ---------------------------------------------------------------------------------
// sensors and the settable roots

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

#[test]
fn sensors_without_hardware_says_so() {
    // The oracle: what sysfs has. Temperature inputs, fan inputs, a battery.
    let has = |dir: &str, pred: &dyn Fn(&str) -> bool| -> bool {
        std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .any(|e| pred(&e.file_name().to_string_lossy()))
            })
            .unwrap_or(false)
    };
    let anything = has("/sys/class/hwmon", &|_| true)
        || has("/sys/class/thermal", &|n| n.starts_with("thermal_zone"))
        || has("/sys/class/power_supply", &|n| {
            n.starts_with("BAT") || n.to_ascii_lowercase().contains("battery")
        });
    let out = rpsutil(&["sensors"]);
    let json = rpsutil(&["sensors", "--json"]).json();
    if anything {
        assert_ne!(
            out.ok(),
            "can't read any temperature, fans or battery info\n"
        );
    } else {
        assert_eq!(
            out.ok(),
            "can't read any temperature, fans or battery info\n"
        );
        assert_eq!(
            json,
            json!({"sensors_temperatures": {}, "sensors_fans": {},
                   "sensors_battery": null})
        );
    }
}

#[test]
fn sensors_from_a_fixture_sysfs() {
    let dir = TempDir(temp_dir("sysfs"));
    let sys = &dir.0;
    // hwmon (millidegrees, RPM), a thermal zone (ignored while hwmon has sensors:
    // psutil's fallback rule), a battery discharging and the mains offline.
    write(sys, "class/hwmon/hwmon0/name", "coretemp\n");
    write(sys, "class/hwmon/hwmon0/temp1_input", "45000\n");
    write(sys, "class/hwmon/hwmon0/temp1_max", "80000\n");
    write(sys, "class/hwmon/hwmon0/temp1_crit", "100000\n");
    write(sys, "class/hwmon/hwmon0/temp1_label", "Package id 0\n");
    write(sys, "class/hwmon/hwmon0/temp2_input", "50500\n");
    write(sys, "class/hwmon/hwmon0/fan1_input", "1200\n");
    write(sys, "class/hwmon/hwmon0/fan1_label", "cpu fan\n");
    write(sys, "class/thermal/thermal_zone0/type", "acpitz\n");
    write(sys, "class/thermal/thermal_zone0/temp", "27800\n");
    write(sys, "class/power_supply/BAT0/status", "Discharging\n");
    write(sys, "class/power_supply/BAT0/energy_now", "30000000\n");
    write(sys, "class/power_supply/BAT0/energy_full", "60000000\n");
    write(sys, "class/power_supply/BAT0/power_now", "15000000\n");
    write(sys, "class/power_supply/AC/online", "0\n");
    let env = [("RPSUTIL_SYSFS", sys.as_path())];
    let json = rpsutil_env(&["sensors", "--json"], &env).json();
    assert_eq!(
        json,
        json!({
            "sensors_temperatures": {"coretemp": [
                {"label": "Package id 0", "current": 45.0, "high": 80.0, "critical": 100.0},
                {"label": "", "current": 50.5, "high": null, "critical": null},
            ]},
            "sensors_fans": {"coretemp": [{"label": "cpu fan", "current": 1200}]},
            // 30 Wh of 60 Wh at 15 W: 50 %, 2 hours.
            "sensors_battery": {"percent": 50.0, "secsleft": 7200, "power_plugged": false},
        })
    );
    let f = rpsutil_env(&["sensors", "-f", "--json"], &env).json();
    assert_eq!(
        f["sensors_temperatures"]["coretemp"][0],
        json!({"label": "Package id 0", "current": 113.0, "high": 176.0, "critical": 212.0})
    );
    assert_eq!(f["sensors_temperatures"]["coretemp"][1]["current"], 122.9);
    let text = rpsutil_env(&["sensors"], &env);
    let text = text.ok();
    for want in [
        "coretemp\n    Temperatures:\n",
        "        Package id 0         45.0°C (high=80.0°C, critical=100.0°C)\n",
        "        coretemp             50.5°C (high=None°C, critical=None°C)\n",
        "    Fans:\n        cpu fan              1200 RPM\n",
        "Battery:\n    charge:     50.0%\n    left:       2:00:00\n",
        "    status:     discharging\n    plugged in: no\n",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    let text_f = rpsutil_env(&["sensors", "-f"], &env);
    assert!(text_f
        .ok()
        .contains("113.0°F (high=176.0°F, critical=212.0°F)"));
}

#[test]
fn sensors_thermal_zone_and_charging_battery() {
    let dir = TempDir(temp_dir("sysfs2"));
    let sys = &dir.0;
    // No hwmon: the thermal zones are read; a critical trip point only stands in for
    // the missing high one (psutil's wrapper).
    write(sys, "class/thermal/thermal_zone0/type", "acpitz\n");
    write(sys, "class/thermal/thermal_zone0/temp", "27800\n");
    write(
        sys,
        "class/thermal/thermal_zone0/trip_point_0_type",
        "critical\n",
    );
    write(
        sys,
        "class/thermal/thermal_zone0/trip_point_0_temp",
        "105000\n",
    );
    write(sys, "class/power_supply/BAT0/status", "Charging\n");
    write(sys, "class/power_supply/BAT0/capacity", "87\n");
    write(sys, "class/power_supply/AC/online", "1\n");
    let env = [("RPSUTIL_SYSFS", sys.as_path())];
    let json = rpsutil_env(&["sensors", "--json"], &env).json();
    assert_eq!(
        json,
        json!({
            "sensors_temperatures": {"acpitz": [
                {"label": "", "current": 27.8, "high": 105.0, "critical": 105.0},
            ]},
            "sensors_fans": {},
            // Plugged in: psutil's POWER_TIME_UNLIMITED (-2).
            "sensors_battery": {"percent": 87.0, "secsleft": -2, "power_plugged": true},
        })
    );
    let text = rpsutil_env(&["sensors"], &env);
    assert!(text
        .ok()
        .contains("    charge:     87.0%\n    status:     charging\n    plugged in: yes\n"));
}

#[test]
fn procfs_root_from_the_environment() {
    let dir = TempDir(temp_dir("procfs"));
    let proc = &dir.0;
    write(proc, "stat", "cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1\nctxt 2\nbtime 1234567890\nprocesses 3\nsoftirq 4\n");
    write(
        proc,
        "meminfo",
        "MemTotal:        1000000 kB\nMemFree:          400000 kB\nMemAvailable:     600000 kB\n\
         Buffers:           10000 kB\nCached:           150000 kB\nSwapCached:            0 kB\n\
         Active:           200000 kB\nInactive:         100000 kB\nShmem:              5000 kB\n\
         Slab:              30000 kB\nSReclaimable:      20000 kB\nSwapTotal:        500000 kB\n\
         SwapFree:         400000 kB\n",
    );
    write(proc, "vmstat", "pswpin 10\npswpout 20\n");
    let env = [("RPSUTIL_PROCFS", proc.as_path())];
    let up = rpsutil_env(&["uptime", "--json"], &env).json();
    assert_eq!(up["boot_time"], 1234567890.0);
    let mem = rpsutil_env(&["free", "--json"], &env).json();
    // Hand-computed from the fixture (kB * 1024; psutil's formulas).
    assert_eq!(
        mem,
        json!({
            "virtual_memory": {
                "total": 1_024_000_000u64, "available": 614_400_000u64, "percent": 40.0,
                "used": 409_600_000u64, "free": 409_600_000u64, "active": 204_800_000u64,
                "inactive": 102_400_000u64, "buffers": 10_240_000u64,
                "cached": 174_080_000u64, "shared": 5_120_000u64, "slab": 30_720_000u64,
            },
            "swap_memory": {
                "total": 512_000_000u64, "used": 102_400_000u64, "free": 409_600_000u64,
                "percent": 20.0, "sin": 40960, "sout": 81920,
            },
        })
    );
    let text = rpsutil_env(&["free"], &env);
    let (m, s) = free_rows(text.ok());
    assert_eq!(m, [1_000_000, 400_000, 400_000, 5000, 180_000, 600_000]);
    assert_eq!(s, [500_000, 100_000, 400_000]);
    assert!(rpsutil(&["--help"]).ok().contains("RPSUTIL_SYSFS"));
    assert!(rpsutil(&["--help"]).ok().contains("RPSUTIL_PROCFS"));
}

/// A mount table (RPSUTIL_PROCFS/self/mounts) whose device, file system type and
/// mount point are each longer than 65,535 characters (u16::MAX, the largest width
/// Rust's formatter accepts: `{:w$}` used to panic with "Formatting argument out of
/// range"). The device and type rows are mounted on `/`, so statvfs answers and they
/// are printed, in full and aligned; the long mount point cannot be statvfs'd
/// (longer than PATH_MAX), so it is null in the JSON and absent from the table.
#[test]
fn df_prints_fields_longer_than_u16_max() {
    let dir = TempDir(temp_dir("df-long"));
    let proc = &dir.0;
    let device = format!("/dev/{}", "d".repeat(70_000));
    let fstype = "t".repeat(70_001);
    let mountpoint = format!("/{}", "m".repeat(70_002));
    write(
        proc,
        "self/mounts",
        &format!(
            "{device} / ext4 rw 0 0\n/dev/sdz1 / {fstype} rw 0 0\n/dev/sdz2 {mountpoint} ext4 rw 0 0\n"
        ),
    );
    write(
        proc,
        "filesystems",
        &format!("nodev\tproc\n\text4\n\t{fstype}\n"),
    );
    let env = [("RPSUTIL_PROCFS", proc.as_path())];
    for args in [&["df"][..], &["df", "-a"], &["df", "-h"], &["df", "-B1"]] {
        let out = rpsutil_env(args, &env);
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
        let text = out.ok();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{args:?}: header and the two rows on /");
        // Row 1: the device in full, then the type padded to the long type's width.
        let f1: Vec<&str> = lines[1].split_whitespace().collect();
        assert_eq!(f1.first(), Some(&device.as_str()), "{args:?}");
        assert_eq!(f1.get(1), Some(&"ext4"), "{args:?}");
        assert_eq!(f1.last(), Some(&"/"), "{args:?}");
        assert!(lines[1].starts_with(&format!("{device} ext4 ")), "{args:?}");
        // Row 2: the short device padded to the long device's width, the type in full.
        let f2: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(f2.first(), Some(&"/dev/sdz1"), "{args:?}");
        assert_eq!(f2.get(1), Some(&fstype.as_str()), "{args:?}");
        assert_eq!(f2.last(), Some(&"/"), "{args:?}");
        let col2 = device.len() + 1;
        assert_eq!(lines[2].find(fstype.as_str()), Some(col2), "{args:?}");
        assert_eq!(lines[0].find("Type"), Some(col2), "{args:?}");
        // The numeric columns and "Mounted on" line up in every row.
        let mounted = lines[0].find("Mounted on").expect("header");
        assert_eq!(lines[1].len(), mounted + 1, "{args:?}");
        assert_eq!(lines[2].len(), mounted + 1, "{args:?}");
        assert!(!text.contains(&mountpoint), "{args:?}");
    }
    let json = rpsutil_env(&["df", "--json"], &env).json();
    let parts = json["disk_partitions"].as_array().expect("array");
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0]["device"], device.as_str());
    assert_eq!(parts[1]["fstype"], fstype.as_str());
    assert_eq!(parts[2]["mountpoint"], mountpoint.as_str());
    assert_eq!(json["disk_usage"][mountpoint.as_str()], Value::Null);
}

// ---------------------------------------------------------------------------------
// bad input

#[test]
fn bad_values_are_one_line() {
    for (args, needle) in [
        (
            &["netstat", "--kind", "bogus"][..],
            "invalid kind argument 'bogus'",
        ),
        (&["netstat", "--kind", ""], "invalid kind"),
        (&["cpu", "--interval", "abc"], "invalid interval"),
        (&["cpu", "--interval", "-1"], "invalid interval"),
        (&["cpu", "--interval", "nan"], "invalid interval"),
        (&["iostat", "abc"], "invalid interval"),
        (&["iostat", "0"], "invalid interval"),
        (&["iostat", "1", "0"], "invalid count"),
        (&["iostat", "1", "x"], "invalid count"),
        (&["df", "-B", "bogus"], "invalid block size"),
        (&["df", "-B0"], "invalid block size"),
    ] {
        let out = rpsutil(args);
        let line = out.fails_with_one_line(1);
        assert!(line.contains(needle), "{args:?}: {line}");
        assert_eq!(out.stdout, "", "{args:?}");
    }
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [
        &["free", "--tera"][..],
        &["free", "-b", "-m"],
        &["free", "-x"],
        &["df", "-Z"],
        &["uptime", "extra"],
        &["sensors", "--celsius"],
        &["ifconfig", "eth0"],
        &["iostat", "1", "2", "3"],
        &["who", "a", "b"],
    ] {
        let out = rpsutil(args);
        assert_eq!(out.code(), 2, "{args:?}: {}", out.stderr);
        // One line, like every other error of the tool.
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("rpsutil: ")
                && out.stderr.trim_end().ends_with("(see rpsutil --help)"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"), "{args:?}");
        assert_eq!(out.stdout, "");
    }
    // -h is "human" in free and df; --help still helps.
    assert!(rpsutil(&["free", "--help"]).ok().contains("--human"));
    assert!(rpsutil(&["df", "--help"]).ok().contains("--human-readable"));
}

/// `rpsutil free | head -0` and an endless `iostat 0.1` whose reader goes away end
/// quietly with status 0.
#[test]
fn closed_stdout_is_not_an_error() {
    for args in [
        &["free"][..],
        &["df", "--json"],
        &["netstat"],
        &["ifconfig"],
        &["uptime"],
        &["cpu", "--interval", "0"],
        &["sensors"],
        &["iostat", "0.1"],
    ] {
        let (status, err) = run_with_closed_stdout(args);
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}");
    }
}

// ---------------------------------------------------------------------------------
// winservices

#[test]
fn winservices_says_it_is_windows_only() {
    for args in [&["winservices"][..], &["winservices", "--json"]] {
        let out = rpsutil(args);
        assert_eq!(
            out.fails_with_one_line(1),
            "rpsutil: winservices: not supported on this OS",
            "{args:?}"
        );
        assert_eq!(out.stdout, "", "{args:?}");
    }
}
