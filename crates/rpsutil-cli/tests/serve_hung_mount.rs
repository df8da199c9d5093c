//! `rpsutil serve`'s filesystem collector with a file system that never answers:
//! a FUSE file system the test serves itself (a few lines of Python speaking the
//! kernel's FUSE protocol on /dev/fuse) answers FUSE_INIT, then never replies to
//! STATFS. A scrape must come back after `--collector.filesystem.mount-timeout`
//! with `node_filesystem_device_error` 1 for that mount and the other mounts'
//! sizes, and the next scrape must not wait for it again.
//!
//! Root only (mount(2), /dev/fuse): CI runs as root; elsewhere the test says why it
//! returns. Its own test binary, so nothing else calls statfs(2) on the hung mount
//! while it exists; the mount is aborted and detached even when the test fails.
#![cfg(target_os = "linux")]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A FUSE server that answers INIT (protocol 7.22, the 24-byte reply the kernel
/// accepts for minors below 23), answers every other request but STATFS with
/// ENOSYS, and leaves STATFS unanswered forever (`include/uapi/linux/fuse.h`:
/// opcodes INIT 26, STATFS 17, INTERRUPT 36, FORGET 2 and BATCH_FORGET 42 take no
/// reply).
const HUNG_FS: &str = r#"
import ctypes, os, struct, sys
mnt = sys.argv[1].encode()
fd = os.open("/dev/fuse", os.O_RDWR)
libc = ctypes.CDLL(None, use_errno=True)
opts = b"fd=%d,rootmode=40000,user_id=0,group_id=0" % fd
if libc.mount(b"rpsutil-hang", mnt, b"fuse.rpsutilhang", 0, opts) != 0:
    sys.exit("mount: errno %d" % ctypes.get_errno())
while True:
    req = os.read(fd, 1 << 20)
    length, opcode, unique = struct.unpack_from("<IIQ", req)
    if opcode == 26:  # INIT
        body = struct.pack("<IIIIHHI", 7, 22, 0, 0, 0, 0, 4096)
        os.write(fd, struct.pack("<IiQ", 16 + len(body), 0, unique) + body)
        print("ready", flush=True)
    elif opcode in (17, 36, 2, 42):  # STATFS: never; the others take no reply
        continue
    else:
        os.write(fd, struct.pack("<IiQ", 16, -38, unique))  # ENOSYS
"#;

/// Aborts the FUSE connection of `mnt` (so that every waiting statfs returns) and
/// detaches the mount, on drop.
struct Unmount(PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        // The connection's id is the mount's device minor (fuse(4): /sys/fs/fuse/connections/N).
        if let Some(minor) = mount_minor(&self.0) {
            let _ = std::fs::write(format!("/sys/fs/fuse/connections/{minor}/abort"), "1");
        }
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// The minor device number of the mount at `mnt`, from /proc/self/mountinfo.
fn mount_minor(mnt: &Path) -> Option<u32> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let want = mnt.to_str()?;
    info.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.get(4) == Some(&want)).then(|| f.get(2)?.split(':').nth(1)?.parse().ok())?
    })
}

fn scrape(addr: &str) -> (Duration, String) {
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    (t.elapsed(), out)
}

#[test]
fn a_hung_mount_times_out_and_is_skipped() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root || !Path::new("/dev/fuse").exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI runs as root with /dev/fuse"
        );
        eprintln!("skipped: needs root and /dev/fuse to mount a file system that hangs");
        return;
    }
    let mnt = temp_dir("hung-mount");
    let _unmount = Unmount(mnt.clone());
    let mut fs = Guard::new(
        Command::new("python3")
            .args(["-c", HUNG_FS, mnt.to_str().expect("utf-8")])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3"),
    );
    let mut line = String::new();
    BufReader::new(fs.child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the FUSE server's ready line");
    assert_eq!(line.trim(), "ready", "the hung file system is mounted");
    assert!(mount_minor(&mnt).is_some(), "mounted at {}", mnt.display());

    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let _serve = Guard::new(
        Command::new(env!("CARGO_BIN_EXE_rpsutil"))
            .args([
                "serve",
                "--web.listen-address",
                &addr,
                "--collector.disable-defaults",
                "--collector.filesystem",
                "--collector.filesystem.mount-timeout",
                "1s",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "serve did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    let label = format!("mountpoint=\"{}\"", mnt.display());
    // First scrape: waits for the timeout (1 s), then reports the mount as failed.
    let (took, body) = scrape(&addr);
    assert!(
        body.starts_with("HTTP/1.0 200") || body.starts_with("HTTP/1.1 200"),
        "{body}"
    );
    assert!(
        took < Duration::from_secs(5),
        "the first scrape took {took:?}"
    );
    let errors: Vec<&str> = body
        .lines()
        .filter(|l| l.starts_with("node_filesystem_device_error{") && l.contains(&label))
        .collect();
    assert_eq!(errors.len(), 1, "{body}");
    assert!(errors[0].ends_with(" 1"), "{}", errors[0]);
    // No size for the hung mount; the root file system's is there.
    assert!(!body
        .lines()
        .any(|l| l.starts_with("node_filesystem_size_bytes{") && l.contains(&label)));
    assert!(body
        .lines()
        .any(|l| l.starts_with("node_filesystem_size_bytes{") && l.contains("mountpoint=\"/\"")));
    assert!(body.contains("node_scrape_collector_success{collector=\"filesystem\"} 1"));
    // Second scrape: the stuck call has not returned, so the mount is skipped at
    // once (no second wait).
    let (took, body) = scrape(&addr);
    assert!(
        took < Duration::from_millis(900),
        "the second scrape took {took:?}"
    );
    assert!(body
        .lines()
        .any(|l| l.starts_with("node_filesystem_device_error{")
            && l.contains(&label)
            && l.ends_with(" 1")));
    drop(fs);
}
