//! `process::Taskstats` (Linux): a child the test set up writes and fsyncs known
//! data; taskstats' storage counters equal its `/proc/PID/io`, and with delay
//! accounting on, its fsync waits show as block I/O delay. Needs root
//! (CAP_NET_ADMIN): CI runs as root; elsewhere the test says why it returns.
#![cfg(target_os = "linux")]

mod common;

use std::process::Command;

use common::*;
use rpsutil::process::{delay_accounting_enabled, Taskstats};

/// Sets `kernel.task_delayacct` and puts the old value back on drop.
struct DelayAcct(Option<String>);

impl DelayAcct {
    fn on() -> DelayAcct {
        let path = "/proc/sys/kernel/task_delayacct";
        let old = std::fs::read_to_string(path).ok();
        if old.is_some() {
            std::fs::write(path, "1").expect("enable task_delayacct (root)");
        }
        DelayAcct(old)
    }
}

impl Drop for DelayAcct {
    fn drop(&mut self) {
        if let Some(old) = &self.0 {
            let _ = std::fs::write("/proc/sys/kernel/task_delayacct", old.trim());
        }
    }
}

/// A field of the main thread's own `/proc/PID/task/PID/io`.
fn io_field(pid: u32, key: &str) -> u64 {
    proc_text(pid, &format!("task/{pid}/io"))
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{key}: "))
                .map(|v| v.parse().unwrap())
        })
        .unwrap()
}

#[test]
fn storage_bytes_and_block_io_delay_of_a_writer() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: taskstats needs CAP_NET_ADMIN (run as root, as CI does)");
        return;
    }
    let _acct = DelayAcct::on();
    assert_eq!(delay_accounting_enabled(), Some(true));
    let dir = TempDir::new("taskstats");
    // 8 × (1 MiB + fsync), then wait: its counters stay still while we compare.
    let script = "import os, sys, time\n\
        f = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT)\n\
        for i in range(8):\n\
        \x20   os.write(f, os.urandom(1 << 20)); os.fsync(f)\n\
        print('done', flush=True)\n\
        time.sleep(100)\n";
    let (guard, line) = spawn_ready(Command::new(python3()).args([
        "-c",
        script,
        dir.path().join("out").to_str().unwrap(),
    ]));
    assert_eq!(line, "done");
    let mut ts = Taskstats::open().unwrap();
    let whole = ts.process(guard.pid).unwrap();
    let main = ts.thread(guard.pid).unwrap();
    assert_eq!(main.write_bytes, Some(io_field(guard.pid, "write_bytes")));
    assert_eq!(main.read_bytes, Some(io_field(guard.pid, "read_bytes")));
    assert!(main.write_bytes >= Some(8 << 20), "{main:?}");
    // A process's record has no byte counts (the kernel leaves them at 0).
    assert_eq!((whole.read_bytes, whole.write_bytes), (None, None));
    // Its fsyncs waited for the disk while delays were counted.
    assert!(
        whole.blkio_count > 0 && whole.blkio_delay > 0.0,
        "{whole:?}"
    );
    assert_eq!(whole.swapin_count, 0, "no swap-in for a writer: {whole:?}");
    // A pid that does not exist: NoSuchProcess.
    let gone = ts.process(i32::MAX as u32).unwrap_err();
    assert!(gone.is_no_such_process(), "{gone:?}");
}
