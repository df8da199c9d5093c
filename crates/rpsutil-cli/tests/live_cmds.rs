//! The live tools in batch mode (`iotop -b`, `nettop -b`) against oracles run at
//! the same time: a disk writer the test starts (its own /proc/PID/io), iotop-c
//! where it is installed, loopback traffic the test sends (and /proc/net/dev), and
//! util-linux `ionice`/`setpriv` for the PRIO column and the access checks.

#![cfg(target_os = "linux")]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// Every JSON document of a `--json` run (one per line).
fn frames(run: &Run) -> Vec<Value> {
    run.ok()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON ({e}): {l}")))
        .collect()
}

/// The row of `pid` in an iotop JSON frame.
fn row(frame: &Value, pid: u32) -> Option<&Value> {
    frame["processes"]
        .as_array()
        .expect("processes is an array")
        .iter()
        .find(|r| r["pid"].as_u64() == Some(u64::from(pid)))
}

/// A value of /proc/PID/io (`read_bytes`, `write_bytes`...).
fn proc_io(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/io")).expect("read /proc/PID/io");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {text}"))
}

/// The interpreter behind `python3` (not a pyenv shim script), so the child's pid is
/// the writer itself.
fn python3() -> PathBuf {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 is needed by these tests");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Removes a file when dropped (the writer's data file), even if the test fails.
struct RmOnDrop(PathBuf);

impl Drop for RmOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The disk writer of the reference (C4.4): 256 KiB written and fsync'd every
/// 1/16 s on a fixed schedule (about 4 MiB/s), rewriting a 16 MiB file so the disk
/// does not fill. The schedule is kept on absolute deadlines, so a slow fsync is
/// caught up and any window of a second holds about the same number of writes.
/// `write_bytes` counts a page when it is dirtied, which each rewrite after an
/// fsync does again.
const WRITER: &str = "\
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
buf = b'x' * 262144
print('ready', flush=True)
t0 = time.monotonic()
k = 0
while True:
    if k % 64 == 0:
        os.lseek(fd, 0, 0)
    os.write(fd, buf)
    os.fsync(fd)
    k += 1
    d = t0 + k / 16 - time.monotonic()
    if d > 0:
        time.sleep(d)
";

/// Starts the writer on a file of the target directory (a real disk: a tmpfs would
/// count no write_bytes) and waits until its counter moves.
fn spawn_writer() -> (Guard, RmOnDrop) {
    let (g, file, _) = spawn_writer_in(false);
    (g, file)
}

/// [`spawn_writer`], the writing done by the main thread or (`threaded`) by a
/// second thread, whose id is returned too (the pid otherwise).
fn spawn_writer_in(threaded: bool) -> (Guard, RmOnDrop, u32) {
    let n = std::process::id();
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "iotop-writer-{n}-{}.bin",
        Instant::now().elapsed().as_nanos()
    ));
    let file = RmOnDrop(path.clone());
    // Threaded: the loop runs in a thread that first prints its id; the main
    // thread only waits.
    let script = if threaded {
        format!(
            "import threading, time\n\
             def work():\n\
             \x20   print('tid', threading.get_native_id(), flush=True)\n\
             \x20   exec(compile({WRITER:?}, 'writer', 'exec'), {{}})\n\
             threading.Thread(target=work, daemon=True).start()\n\
             time.sleep(3600)\n"
        )
    } else {
        WRITER.to_string()
    };
    let child = Command::new(python3())
        .args(["-c", &script])
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the writer");
    let mut g = Guard::new(child);
    let mut line = String::new();
    let stdout = g.child.stdout.take().expect("writer stdout");
    let mut stdout = BufReader::new(stdout);
    let mut worker = g.pid();
    if threaded {
        stdout.read_line(&mut line).expect("writer says its tid");
        worker = line
            .trim()
            .strip_prefix("tid ")
            .and_then(|t| t.parse().ok())
            .expect("tid");
        line.clear();
    }
    stdout.read_line(&mut line).expect("writer says ready");
    assert_eq!(line.trim(), "ready");
    let pid = g.pid();
    let deadline = Instant::now() + Duration::from_secs(5);
    while proc_io(pid, "write_bytes") == 0 {
        assert!(
            Instant::now() < deadline,
            "the writer's write_bytes never moved: is {} block-backed?",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (g, file, worker)
}

/// The writer's write_bytes and the time, read together.
fn mark(pid: u32) -> (u64, Instant) {
    (proc_io(pid, "write_bytes"), Instant::now())
}

/// Bytes per second between two marks.
fn rate_between(a: (u64, Instant), b: (u64, Instant)) -> f64 {
    (b.0 - a.0) as f64 / b.1.duration_since(a.1).as_secs_f64()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// True if `ours` is within `tol` (a fraction) of `want`.
fn near(ours: f64, want: f64, tol: f64) -> bool {
    (ours - want).abs() <= tol * want
}

// ---------------------------------------------------------------------------------
// iotop

/// The writer's rate as iotop reports it, against the rate its own /proc/PID/io
/// gives over the whole run (±25 %, the reference's tolerance: a 1 s window holds
/// 16 ± 1 writes of 256 KiB, and fsync on a shared 2-core VM jitters); `-o` hides
/// an idle sleep; the totals are the sum of the rows; the accumulated bytes add up.
#[test]
fn iotop_writer_rate_matches_its_own_counters() {
    let _acct = DELAYACCT.lock().unwrap_or_else(|p| p.into_inner());
    let (writer, _file) = spawn_writer();
    let idle = spawn_sleep();
    let (w, s) = (writer.pid(), idle.pid());
    let pids = format!("{w},{s}");
    let before = mark(w);
    let run = rpsutil(&[
        "iotop", "-b", "-n", "3", "-d", "1", "-o", "-p", &pids, "--json",
    ]);
    let after = mark(w);
    let want = rate_between(before, after);
    let docs = frames(&run);
    assert_eq!(docs.len(), 3, "{}", run.stdout);
    let mut last_time = 0.0;
    for (i, d) in docs.iter().enumerate() {
        // Each frame covers a real, measured interval: at least the delay (the
        // sleep is to a deadline one delay after the previous sample).
        let interval = f(&d["interval"]);
        assert!(
            (0.99..3.0).contains(&interval),
            "frame {i}: interval {interval}"
        );
        assert!(f(&d["time"]) > last_time);
        last_time = f(&d["time"]);
        assert!(row(d, s).is_none(), "-o shows the idle sleep: {d}");
        let r = row(d, w).unwrap_or_else(|| panic!("frame {i} lacks the writer: {d}"));
        let ours = f(&r["write_bytes_per_sec"]);
        eprintln!("frame {i}: ours {ours:.0} B/s, /proc/PID/io {want:.0} B/s");
        if i > 0 {
            assert!(
                near(ours, want, 0.25),
                "frame {i}: {ours:.0} B/s, the writer's /proc/PID/io says {want:.0} B/s"
            );
        }
        // The row's own counter was read during the run.
        let wb = r["write_bytes"].as_u64().expect("write_bytes");
        assert!(
            before.0 <= wb && wb <= after.0,
            "{wb} not in {before:?}..{after:?}"
        );
        // SWAPIN: a number exactly when taskstats and delay accounting both work.
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let on_now = std::fs::read_to_string("/proc/sys/kernel/task_delayacct")
            .map(|s| s.trim() == "1")
            .unwrap_or(true);
        assert_eq!(r["swapin_percent"].is_number(), root && on_now, "{r}");
        assert_eq!(r["username"], my_username().as_str());
        let comm = std::fs::read_to_string(format!("/proc/{w}/comm")).expect("comm");
        assert_eq!(r["name"], comm.trim_end());
        assert_eq!(r["cmdline"][1], "-c");
        // Totals are the sum of the rows (only the writer's is non-zero).
        assert_eq!(d["total"]["write_bytes_per_sec"], r["write_bytes_per_sec"]);
        assert_eq!(d["total"]["unknown_processes"], 0);
        // Delay accounting: IO% is a number exactly when the kernel counts it.
        let on = std::fs::read_to_string("/proc/sys/kernel/task_delayacct")
            .map(|s| s.trim() == "1")
            .unwrap_or(true);
        assert_eq!(r["io_percent"].is_number(), on, "{r}");
        assert_eq!(d["delay_accounting"], Value::Bool(on));
        // The header parts are there (this VM has /proc/vmstat and disks).
        assert!(d["current"]["write_bytes_per_sec"].is_number(), "{d}");
        assert!(d["disks"].as_object().is_some_and(|m| !m.is_empty()), "{d}");
    }
    // Bytes since the start: what the three frames' rates add up to, which is the
    // last counter minus the counter of the sample before the first frame.
    let summed: f64 = docs
        .iter()
        .map(|d| f(&row(d, w).expect("writer")["write_bytes_per_sec"]) * f(&d["interval"]))
        .sum();
    let last = row(&docs[2], w).expect("writer");
    let since = last["write_bytes_since_start"]
        .as_u64()
        .expect("since start");
    assert!((since as f64 - summed).abs() < 1.0, "{since} vs {summed}");
    assert_eq!(docs[2]["total"]["write_bytes_since_start"], since);
}

/// Held by the tests that read or change `kernel.task_delayacct`.
static DELAYACCT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Rows are threads by default (iotop's): the writing thread's row has the
/// writer's rate and the idle main thread's none; `-P` folds them into the
/// process's row.
#[test]
fn iotop_rows_are_threads_unless_p() {
    let (writer, _file, tid) = spawn_writer_in(true);
    let pid = writer.pid();
    assert_ne!(pid, tid);
    let task_io = |t: u32| {
        let text = std::fs::read_to_string(format!("/proc/{pid}/task/{t}/io")).expect("task io");
        text.lines()
            .find_map(|l| {
                l.strip_prefix("write_bytes: ")
                    .and_then(|v| v.parse::<u64>().ok())
            })
            .expect("write_bytes")
    };
    let before = (task_io(tid), Instant::now());
    let run = rpsutil(&[
        "iotop",
        "-b",
        "-n",
        "2",
        "-d",
        "1",
        "-p",
        &pid.to_string(),
        "--json",
    ]);
    let after = (task_io(tid), Instant::now());
    let want = rate_between(before, after);
    let docs = frames(&run);
    assert_eq!(docs.len(), 2);
    let d = &docs[1];
    assert_eq!(d["threads"], true);
    let worker = row(d, tid).unwrap_or_else(|| panic!("no row for thread {tid}: {d}"));
    let main = row(d, pid).unwrap_or_else(|| panic!("no row for the main thread: {d}"));
    let ours = f(&worker["write_bytes_per_sec"]);
    assert!(
        near(ours, want, 0.25),
        "thread row {ours:.0} B/s, its task io {want:.0} B/s"
    );
    assert_eq!(
        f(&main["write_bytes_per_sec"]),
        0.0,
        "the main thread writes nothing"
    );
    // Each row's counter is its own thread's.
    let wb = worker["write_bytes"].as_u64().expect("write_bytes");
    assert!(before.0 <= wb && wb <= after.0);
    // -P: one row, the process's, with the writer's rate.
    let run = rpsutil(&[
        "iotop",
        "-b",
        "-P",
        "-n",
        "2",
        "-d",
        "1",
        "-p",
        &pid.to_string(),
        "--json",
    ]);
    let docs = frames(&run);
    assert_eq!(docs[1]["threads"], false);
    assert!(row(&docs[1], tid).is_none());
    let p = row(&docs[1], pid).expect("process row");
    assert!(near(f(&p["write_bytes_per_sec"]), want, 0.25), "{p}");
}

/// With delay accounting on (root turns it on for the test and back off), SWAPIN
/// and IO come from taskstats: the writer waits on its fsyncs (IO > 0) and never
/// on swap-in (0, a number: measured, not unknown).
#[test]
fn iotop_swapin_and_io_from_taskstats() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: taskstats and kernel.task_delayacct need root");
        return;
    }
    let _acct = DELAYACCT.lock().unwrap_or_else(|p| p.into_inner());
    let path = "/proc/sys/kernel/task_delayacct";
    let old = std::fs::read_to_string(path).expect("task_delayacct");
    struct Restore(String);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = std::fs::write("/proc/sys/kernel/task_delayacct", self.0.trim());
        }
    }
    let _restore = Restore(old);
    std::fs::write(path, "1").expect("turn delay accounting on");
    let (writer, _file) = spawn_writer();
    let w = writer.pid().to_string();
    for mode in [&["-P"][..], &[][..]] {
        let mut args = vec!["iotop", "-b", "-n", "2", "-d", "1", "-p", &w, "--json"];
        args.extend_from_slice(mode);
        let docs = frames(&rpsutil(&args));
        let r = row(&docs[1], writer.pid()).expect("writer row");
        let io = f(&r["io_percent"]);
        assert!(io > 0.0 && io <= 100.0, "{mode:?}: IO {io}");
        assert_eq!(f(&r["swapin_percent"]), 0.0, "{mode:?}: {r}");
        assert_eq!(docs[1]["delay_accounting"], true);
    }
    // The text says nothing is missing.
    let text = rpsutil(&["iotop", "-b", "-n", "1", "-d", "0.5", "-p", &w]);
    assert!(!text.ok().contains("taskstats"), "{}", text.ok());
}

/// The text layout (iotop-c's batch frames), `-n` frames exactly, and the PRIO
/// column against util-linux `ionice` and the nice value.
#[test]
fn iotop_text_frames_and_prio_column() {
    let spawn = |args: &[&str]| {
        let child = Command::new(args[0])
            .args(&args[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let g = Guard::new(child);
        wait_started(g.pid(), "sleep");
        g
    };
    let plain = spawn(&["sleep", "100"]);
    let idle = spawn(&["ionice", "-c", "3", "sleep", "100"]);
    let be7 = spawn(&["ionice", "-c", "2", "-n", "7", "sleep", "100"]);
    let niced = spawn(&["nice", "-n", "10", "sleep", "100"]);
    // The realtime class needs CAP_SYS_ADMIN: as another user, a second plain sleep.
    let rt = if my_username() == "root" {
        spawn(&["ionice", "-c", "1", "-n", "2", "sleep", "100"])
    } else {
        spawn(&["sleep", "100"])
    };
    // The oracle: what ionice(1) says of each, and (class none) the nice value.
    let expect = |g: &Guard| -> String {
        let said = tool("ionice", &["-p", &g.pid_str()]).expect("ionice -p");
        let said = said.trim();
        if said == "idle" {
            return "idle".into();
        }
        let (class, level) = said.split_once(": prio ").expect("class: prio N");
        match class {
            "realtime" => format!("rt/{level}"),
            "best-effort" => format!("be/{level}"),
            "none" => {
                let nice: i32 = stat_fields(g.pid())[16].parse().expect("nice");
                format!("be/{}", (nice + 20) / 5)
            }
            other => panic!("unknown class {other}"),
        }
    };
    let guards = [&plain, &idle, &be7, &niced, &rt];
    let pids: Vec<String> = guards.iter().map(|g| g.pid_str()).collect();
    let run = rpsutil(&["iotop", "-b", "-n", "2", "-d", "0.3", "-p", &pids.join(",")]);
    let text = run.ok();
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("  Total DISK READ: "))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(starts.len(), 2, "-n 2 prints two frames:\n{text}");
    for &s in &starts {
        assert!(lines[s].contains(" |   Total DISK WRITE: "), "{}", lines[s]);
        assert!(lines[s + 1].starts_with("Current DISK READ: "), "{text}");
        assert!(lines[s + 1].contains(" | Current DISK WRITE: "), "{text}");
        let header = lines[s..]
            .iter()
            // Rows are threads by default, as iotop's (single-threaded sleeps: TID = PID).
            .position(|l| l.trim_start().starts_with("TID PRIO USER"))
            .map(|i| i + s)
            .unwrap_or_else(|| panic!("no column header:\n{text}"));
        assert_eq!(
            lines[header].split_whitespace().collect::<Vec<_>>(),
            ["TID", "PRIO", "USER", "DISK", "READ", "DISK", "WRITE", "SWAPIN", "IO", "COMMAND"]
        );
        // Between the header lines: disk lines and notes only.
        for l in &lines[s + 2..header] {
            assert!(l.starts_with('(') || l.contains(": READ "), "{l}");
        }
        // Five rows, one per sleep, each with its PRIO, user, zero rates.
        let rows = &lines[header + 1..header + 1 + guards.len()];
        for g in guards {
            let r = rows
                .iter()
                .find(|l| l.split_whitespace().next() == Some(g.pid_str().as_str()))
                .unwrap_or_else(|| panic!("no row for {}:\n{text}", g.pid()));
            let cells: Vec<&str> = r.split_whitespace().collect();
            assert_eq!(cells[1], expect(g), "{r}");
            assert_eq!(cells[2], my_username(), "{r}");
            assert_eq!(&cells[3..7], ["0.00", "B/s", "0.00", "B/s"], "{r}");
            assert!(r.ends_with("sleep 100"), "{r}");
        }
    }

    // -a: bytes since the start, without /s.
    let run = rpsutil(&[
        "iotop",
        "-b",
        "-a",
        "-n",
        "1",
        "-d",
        "0.2",
        "-p",
        &plain.pid_str(),
    ]);
    let text = run.ok();
    let r = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(plain.pid_str().as_str()))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        &r.split_whitespace().collect::<Vec<_>>()[3..7],
        ["0.00", "B", "0.00", "B"]
    );
}

/// As `nobody`, root's processes cannot be read: their rates are unknown (`?`,
/// JSON null), never 0, and they stay listed (unless -o); a process of nobody's
/// own is read. The oracle is the kernel itself: `cat /proc/PID/io` as nobody.
#[test]
fn iotop_as_nobody_shows_unknown_for_root_processes() {
    if my_username() != "root" {
        eprintln!("skipped: switching to nobody needs root");
        return;
    }
    let mine = spawn_sleep(); // root's
    let child = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "sleep",
            "100",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("setpriv");
    let theirs = Guard::new(child);
    wait_started(theirs.pid(), "sleep");
    let as_nobody = |prog: &Path, args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(prog)
            .args(args)
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .expect("setpriv")
    };
    let cat = which("cat");
    let root_io = format!("/proc/{}/io", mine.pid());
    let own_io = format!("/proc/{}/io", theirs.pid());
    assert!(
        !as_nobody(&cat, &[&root_io]).status.success(),
        "nobody reads {root_io}"
    );
    assert!(
        as_nobody(&cat, &[&own_io]).status.success(),
        "nobody cannot read {own_io}"
    );

    // A copy of the binary nobody can reach (the checkout may be under /root),
    // made by cp so that no write descriptor of ours leaks into a child (ETXTBSY).
    let dir = temp_dir("nobody");
    let exe = dir.join("rpsutil");
    assert!(Command::new("cp")
        .arg(env!("CARGO_BIN_EXE_rpsutil"))
        .arg(&exe)
        .status()
        .expect("cp")
        .success());
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    struct RmDir(PathBuf);
    impl Drop for RmDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _cleanup = RmDir(dir);
    let pids = format!("{},{}", mine.pid(), theirs.pid());
    let run = |args: &[&str]| {
        let out = as_nobody(&exe, args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    let json = run(&["iotop", "-b", "-n", "1", "-d", "0.2", "-p", &pids, "--json"]);
    let d: Value = serde_json::from_str(json.trim()).expect("one JSON frame");
    let root_row = row(&d, mine.pid()).expect("root's process is listed");
    for k in [
        "read_bytes_per_sec",
        "write_bytes_per_sec",
        "read_bytes",
        "write_bytes",
    ] {
        assert_eq!(root_row[k], Value::Null, "{k}: {root_row}");
    }
    assert_eq!(root_row["username"], "root");
    let own = row(&d, theirs.pid()).expect("nobody's process");
    assert_eq!(own["read_bytes_per_sec"], 0.0);
    assert_eq!(own["write_bytes_per_sec"], 0.0);
    assert_eq!(own["read_bytes"], proc_io(theirs.pid(), "read_bytes"));
    assert_eq!(own["username"], "nobody");
    assert_eq!(d["total"]["unknown_processes"], 1);

    let text = run(&["iotop", "-b", "-n", "1", "-d", "0.2", "-p", &pids]);
    let cells = |pid: u32| -> Vec<String> {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(pid.to_string().as_str()))
            .unwrap_or_else(|| panic!("no row for {pid}:\n{text}"))
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    assert_eq!(cells(mine.pid())[2..5], ["root", "?", "?"], "{text}");
    assert_eq!(
        cells(theirs.pid())[2..7],
        ["nobody", "0.00", "B/s", "0.00", "B/s"]
    );
    assert!(
        text.contains("(1 of the processes could not be measured"),
        "{text}"
    );

    // -o hides both: one is idle, the other unknown.
    let only = run(&[
        "iotop", "-b", "-o", "-n", "1", "-d", "0.2", "-p", &pids, "--json",
    ]);
    let d: Value = serde_json::from_str(only.trim()).expect("JSON");
    assert_eq!(d["processes"], serde_json::json!([]), "{d}");
}

/// A rate and unit of iotop-c's batch output (`3.48 M/s`) in bytes per second.
fn iotop_c_rate(value: &str, unit: &str) -> f64 {
    let v: f64 = value
        .parse()
        .unwrap_or_else(|_| panic!("bad value {value}"));
    let scale = match unit.chars().next() {
        Some('B') => 1.0,
        Some('K') => 1024.0,
        Some('M') => 1024.0 * 1024.0,
        Some('G') => 1024.0 * 1024.0 * 1024.0,
        _ => panic!("bad unit {unit}"),
    };
    v * scale
}

/// The same writer seen by iotop-c (taskstats over netlink) at the same time: its
/// frames 2-3 (frame 1 of iotop-c covers no time) against ours, ±25 %.
#[test]
fn iotop_agrees_with_iotop_c() {
    if Command::new("sh")
        .args(["-c", "command -v iotop-c"])
        .output()
        .map_or(true, |o| !o.status.success())
    {
        // scripts/test.sh installs it: there (RPSUTIL_REQUIRE_ORACLE) it must run.
        assert!(
            std::env::var_os("RPSUTIL_REQUIRE_ORACLE").is_none(),
            "iotop-c is missing (Debian package iotop-c)"
        );
        eprintln!("skipped: iotop-c is not installed (Debian package iotop-c)");
        return;
    }
    if my_username() != "root" {
        eprintln!("skipped: iotop-c needs CAP_NET_ADMIN (root)");
        return;
    }
    let (writer, _file) = spawn_writer();
    let w = writer.pid().to_string();
    let theirs = {
        let w = w.clone();
        std::thread::spawn(move || {
            tool(
                "iotop-c",
                &["-b", "-o", "-P", "-d", "1", "-n", "3", "-p", &w],
            )
        })
    };
    let ours = frames(&rpsutil(&[
        "iotop", "-b", "-o", "-P", "-d", "1", "-n", "3", "-p", &w, "--json",
    ]));
    let theirs = theirs.join().expect("thread").expect("iotop-c ran");
    // iotop-c's rows of the writer, frame by frame: PID PRIO USER R unit W unit ...
    let mut per_frame: Vec<Option<f64>> = Vec::new();
    for l in theirs.lines() {
        if l.trim_start().starts_with("Total DISK READ") {
            per_frame.push(None);
        }
        let c: Vec<&str> = l.split_whitespace().collect();
        if c.first() == Some(&w.as_str()) && c.len() > 6 {
            if let Some(last) = per_frame.last_mut() {
                *last = Some(iotop_c_rate(c[5], c[6]));
            }
        }
    }
    assert_eq!(per_frame.len(), 3, "iotop-c printed:\n{theirs}");
    let theirs_rates: Vec<f64> = per_frame[1..]
        .iter()
        .map(|r| r.unwrap_or_else(|| panic!("iotop-c missed the writer:\n{theirs}")))
        .collect();
    let ours_rates: Vec<f64> = ours[1..]
        .iter()
        .map(|d| f(&row(d, writer.pid()).expect("writer")["write_bytes_per_sec"]))
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (a, b) = (mean(&ours_rates), mean(&theirs_rates));
    eprintln!("writer: ours {ours_rates:?}, iotop-c {theirs_rates:?}");
    assert!(
        near(a, b, 0.25),
        "ours {ours_rates:?} vs iotop-c {theirs_rates:?}\n{theirs}"
    );
}

/// Bad arguments are one line; a pid that does not exist gives empty frames; a
/// reader that goes away ends the endless loop quietly.
#[test]
fn iotop_and_nettop_arguments_and_pipes() {
    for args in [
        &["iotop", "-d", "0.05"][..],
        &["iotop", "-n", "0"],
        &["iotop", "-d", "x"],
        &["nettop", "-d", "0"],
        &["nettop", "-n", "abc"],
    ] {
        let line = rpsutil(args).fails_with_one_line(1).to_string();
        assert!(line.contains("invalid"), "{args:?}: {line}");
    }
    let none = unused_pid().to_string();
    let d = frames(&rpsutil(&[
        "iotop", "-n", "1", "-d", "0.1", "-p", &none, "--json",
    ]));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["processes"], serde_json::json!([]));
    assert_eq!(d[0]["total"]["write_bytes_per_sec"], 0.0);
    for tool in ["iotop", "nettop"] {
        let (status, err) = run_with_closed_stdout(&[tool, "-b", "-d", "0.1"]);
        assert!(status.success(), "{tool}: {status:?} {err}");
        assert!(err.is_empty(), "{tool}: {err}");
    }
}

// ---------------------------------------------------------------------------------
// nettop

/// lo's counters in /proc/net/dev: (bytes received, bytes sent).
fn lo_bytes() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/net/dev").expect("/proc/net/dev");
    let line = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("lo:"))
        .expect("lo in /proc/net/dev");
    let v: Vec<u64> = line
        .split_whitespace()
        .map(|n| n.parse().expect("number"))
        .collect();
    (v[0], v[8])
}

/// The interface names of /proc/net/dev, in its order.
fn net_dev_names() -> Vec<String> {
    std::fs::read_to_string("/proc/net/dev")
        .expect("/proc/net/dev")
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next().map(|n| n.trim().to_string()))
        .collect()
}

/// Loopback traffic the test sends while nettop runs: a TCP pair, the sender paced
/// at 8 MiB/s on absolute deadlines (64 KiB every 1/128 s).
///
/// Oracles and tolerances:
/// * The bytes lo counted during nettop's frames (the sum of rate × interval) must
///   lie within the bytes /proc/net/dev counted from just before nettop started to
///   just after it ended, and cover at least 80 % of them: what falls outside the
///   frames is only nettop's start-up and exit (milliseconds of a 3 s run), so 20 %
///   leaves room for a stalled start on a loaded machine, while a wrong divisor
///   (nettop.py's 0.5 s) or a wrong counter would miss by far more. Other
///   processes' loopback traffic is in both sides alike.
/// * Every frame's lo rate is at least 80 % of what the test sent in that time: the
///   payload crosses lo once (TCP/IP headers only add); a window of 1 s holds
///   128 ± 1 chunks, and a sender stalled by the scheduler catches up on its next
///   deadline, so 20 % covers the jitter of a busy 2-core VM.
#[test]
fn nettop_lo_rate_matches_the_traffic_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let reader = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut buf = vec![0u8; 1 << 16];
        while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
    });
    let writer = {
        let (stop, sent) = (stop.clone(), sent.clone());
        std::thread::spawn(move || {
            let mut s = TcpStream::connect(addr).expect("connect");
            let chunk = vec![7u8; 1 << 16];
            let t0 = Instant::now();
            let mut k = 0u32;
            while !stop.load(Ordering::Relaxed) {
                s.write_all(&chunk).expect("send");
                sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                k += 1;
                let due = t0 + Duration::from_secs_f64(f64::from(k) / 128.0);
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
            }
        })
    };
    // Stops the sender even if an assertion fails.
    struct Stop(Arc<AtomicBool>);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let stopper = Stop(stop);
    std::thread::sleep(Duration::from_millis(300));
    let (sent0, t0, lo0) = (sent.load(Ordering::Relaxed), Instant::now(), lo_bytes());
    let run = rpsutil(&["nettop", "-b", "-n", "3", "-d", "1", "--json"]);
    let (sent1, t1, lo1) = (sent.load(Ordering::Relaxed), Instant::now(), lo_bytes());
    drop(stopper);
    writer.join().expect("sender");
    reader.join().expect("receiver");

    let docs = frames(&run);
    assert_eq!(docs.len(), 3, "{}", run.stdout);
    let payload_rate = (sent1 - sent0) as f64 / (t1 - t0).as_secs_f64();
    let mut counted = 0.0;
    for (i, d) in docs.iter().enumerate() {
        let lo = &d["nics"]["lo"];
        let interval = f(&d["interval"]);
        assert!((0.99..3.0).contains(&interval), "frame {i}: {interval}");
        let rate = f(&lo["bytes_sent_per_sec"]);
        assert!(
            rate >= 0.8 * payload_rate,
            "frame {i}: lo {rate:.0} B/s, the test sent {payload_rate:.0} B/s"
        );
        eprintln!("frame {i}: lo {rate:.0} B/s, sent {payload_rate:.0} B/s");
        counted += rate * interval;
        // The counters are /proc/net/dev's, read during the run.
        let c = lo["bytes_sent"].as_u64().expect("bytes_sent");
        assert!(lo0.1 <= c && c <= lo1.1, "{c} not in {lo0:?}..{lo1:?}");
        assert!(f(&lo["packets_sent_per_sec"]) > 0.0);
        // TOTAL is the sum of the interfaces.
        let nics = d["nics"].as_object().expect("nics");
        let sum: u64 = nics
            .values()
            .map(|n| n["bytes_recv"].as_u64().expect("u64"))
            .sum();
        assert_eq!(d["total"]["bytes_recv"], sum);
        // serde_json's map is sorted: the order is checked on the text output.
        let keys: std::collections::BTreeSet<&str> = nics.keys().map(String::as_str).collect();
        let want = net_dev_names();
        assert_eq!(keys, want.iter().map(String::as_str).collect(), "{d}");
    }
    let whole = (lo1.1 - lo0.1) as f64;
    eprintln!("frames counted {counted:.0} B on lo, /proc/net/dev {whole:.0} B");
    assert!(
        counted <= whole * 1.000_001 + 1.0 && counted >= 0.8 * whole,
        "frames counted {counted:.0} bytes on lo, /proc/net/dev {whole:.0} over the run"
    );
}

/// `-n N` prints N frames exactly, in text and JSON; the text has every interface
/// and a TOTAL row whose counters are the sums.
#[test]
fn nettop_prints_n_frames() {
    let run = rpsutil(&["nettop", "-b", "-n", "2", "-d", "0.2"]);
    let text = run.ok();
    let headers = text.lines().filter(|l| l.starts_with("NIC ")).count();
    assert_eq!(headers, 2, "{text}");
    let blocks: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(blocks.len(), 2, "{text}");
    for b in blocks {
        let lines: Vec<&str> = b.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            [
                "NIC",
                "SENT/s",
                "RECV/s",
                "PKTS-OUT/s",
                "PKTS-IN/s",
                "SENT",
                "RECV",
                "PKTS-OUT",
                "PKTS-IN"
            ]
        );
        // One row per interface, in the kernel's order (the library's order).
        let names: Vec<&str> = lines[1..lines.len() - 1]
            .iter()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(names, net_dev_names(), "{b}");
        let total = lines.last().expect("TOTAL row");
        assert!(total.starts_with("TOTAL "), "{b}");
        let sum: u64 = lines[1..lines.len() - 1]
            .iter()
            .map(|l| {
                l.split_whitespace()
                    .nth(7)
                    .expect("PKTS-OUT")
                    .parse::<u64>()
                    .expect("n")
            })
            .sum();
        assert_eq!(
            total.split_whitespace().nth(7),
            Some(sum.to_string().as_str())
        );
    }
    let docs = frames(&rpsutil(&["nettop", "-n", "2", "-d", "0.2", "--json"]));
    assert_eq!(docs.len(), 2);
    for d in &docs {
        assert!(d["nics"]["lo"]["bytes_sent_per_sec"].is_number(), "{d}");
        assert!((0.19..2.0).contains(&f(&d["interval"])), "{d}");
    }
}
