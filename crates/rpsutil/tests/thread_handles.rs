//! `Process::thread(tid)` (Linux): a thread's own values, from
//! `/proc/PID/task/TID`, compared with those files and with what the test's own
//! threads did.
#![cfg(target_os = "linux")]

mod common;

use std::process::Command;

use common::*;
use rpsutil::Process;

/// `Process::thread(tid)`: the thread's own values, from /proc/PID/task/TID, where
/// `Process::new(tid)` gives the process's (as psutil's `Process(tid)`).
#[test]
fn thread_handles_read_the_threads_own_files() {
    // A busy thread burns CPU and writes 1 MiB with fsync; the main thread idles.
    let script = "import os, sys, threading, time\n\
        def work():\n\
        \x20   t = time.time()\n\
        \x20   while time.time() - t < 0.3: pass\n\
        \x20   f = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT)\n\
        \x20   os.write(f, b'x' * (1 << 20)); os.fsync(f); os.close(f)\n\
        \x20   print(threading.get_native_id(), flush=True)\n\
        \x20   time.sleep(100)\n\
        threading.Thread(target=work, daemon=True).start()\n\
        time.sleep(100)\n";
    let dir = TempDir::new("thread-io");
    let (guard, tid) = spawn_ready(Command::new(python3()).args([
        "-c",
        script,
        dir.path().join("out").to_str().unwrap(),
    ]));
    let tid: u32 = tid.parse().unwrap();
    let p = Process::new(guard.pid).unwrap();
    let task_stat = |t: u32| -> Vec<String> {
        let text = std::fs::read_to_string(format!("/proc/{}/task/{t}/stat", guard.pid)).unwrap();
        let rest = &text[text.rfind(')').unwrap() + 2..];
        rest.split_whitespace().map(str::to_string).collect()
    };
    let ticks = 100.0; // USER_HZ on Linux
    for t in [guard.pid, tid] {
        let h = p.thread(t).unwrap();
        assert_eq!(h.pid(), t);
        let fields = task_stat(t);
        let times = h.cpu_times().unwrap();
        assert_eq!(
            times.user,
            fields[11].parse::<f64>().unwrap() / ticks,
            "utime of {t}"
        );
        assert_eq!(
            times.system,
            fields[12].parse::<f64>().unwrap() / ticks,
            "stime of {t}"
        );
        let io_text = std::fs::read_to_string(format!("/proc/{}/task/{t}/io", guard.pid)).unwrap();
        let write_bytes: u64 = io_text
            .lines()
            .find_map(|l| l.strip_prefix("write_bytes: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            h.io_counters().unwrap().write_bytes,
            write_bytes,
            "write_bytes of {t}"
        );
        assert_eq!(h.ppid().unwrap(), std::process::id());
    }
    let worker = p.thread(tid).unwrap();
    let main = p.thread(guard.pid).unwrap();
    // The worker did the writing and the spinning; the main thread neither.
    assert!(worker.io_counters().unwrap().write_bytes >= 1 << 20);
    assert_eq!(main.io_counters().unwrap().write_bytes, 0);
    assert!(worker.cpu_times().unwrap().user > main.cpu_times().unwrap().user);
    // psutil's Process(tid) is the whole process (its io includes the worker's).
    assert!(
        Process::new(guard.pid)
            .unwrap()
            .io_counters()
            .unwrap()
            .write_bytes
            >= 1 << 20
    );
    // Not a thread of this process: NoSuchProcess.
    assert!(p
        .thread(std::process::id())
        .unwrap_err()
        .is_no_such_process());
}
