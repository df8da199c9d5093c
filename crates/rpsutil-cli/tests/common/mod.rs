//! Helpers for the CLI tests: run the built binary, spawn children that are always
//! killed and reaped, read /proc directly as the oracle.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// What one `rpsutil` run produced.
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }

    /// Asserts a clean success and returns stdout.
    pub fn ok(&self) -> &str {
        assert!(
            self.status.success(),
            "rpsutil failed: {:?}\nstdout: {}\nstderr: {}",
            self.status,
            self.stdout,
            self.stderr
        );
        &self.stdout
    }

    /// Parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok())
            .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", self.stdout))
    }

    /// Asserts failure with `code` and exactly one `rpsutil: ` line on stderr.
    pub fn fails_with_one_line(&self, code: i32) -> &str {
        assert_eq!(
            self.code(),
            code,
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "stderr: {:?}", self.stderr);
        assert!(
            lines[0].starts_with("rpsutil: "),
            "stderr: {:?}",
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"));
        lines[0]
    }
}

/// Runs the built `rpsutil` with `args`.
pub fn rpsutil(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_rpsutil"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run rpsutil");
    Run {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the built `rpsutil` with `args` and extra environment variables.
pub fn rpsutil_env(args: &[&str], envs: &[(&str, &Path)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rpsutil"));
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run rpsutil");
    Run {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs another tool (the oracle) and returns its stdout, or None if it is missing
/// or fails.
pub fn tool(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A child process that is killed and reaped when dropped, even if the test fails.
pub struct Guard {
    pub child: Child,
    reaped: Option<ExitStatus>,
    dir: Option<PathBuf>,
}

impl Guard {
    pub fn new(child: Child) -> Guard {
        Guard {
            child,
            reaped: None,
            dir: None,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn pid_str(&self) -> String {
        self.child.id().to_string()
    }

    /// Waits up to `secs` for the child to end and returns how it ended.
    pub fn wait_for_exit(&mut self, secs: u64) -> Option<ExitStatus> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.child.try_wait() {
                self.reaped = Some(st);
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.reaped.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// `sleep 100` as a child.
pub fn spawn_sleep() -> Guard {
    let child = Command::new("sleep")
        .arg("100")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sleep");
    let g = Guard::new(child);
    wait_started(g.pid(), "sleep");
    g
}

/// `sh -c SCRIPT` as a child; `expect_comm` is the name it ends up with after exec.
pub fn spawn_sh(script: &str, expect_comm: &str) -> Guard {
    let child = Command::new("sh")
        .args(["-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sh");
    let g = Guard::new(child);
    wait_started(g.pid(), expect_comm);
    g
}

/// Waits until /proc/PID/comm is `comm` (the exec happened) and the process sleeps
/// (the dynamic loader has finished mapping libraries), at most 5 s.
pub fn wait_started(pid: u32, comm: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(c) = std::fs::read_to_string(format!("/proc/{pid}/comm")) {
            if c.trim_end() == comm && stat_fields(pid).first().map(String::as_str) == Some("S") {
                // Twice in a row, so a page-fault sleep during loading is not taken
                // for the final sleep.
                std::thread::sleep(Duration::from_millis(30));
                if stat_fields(pid).first().map(String::as_str) == Some("S") {
                    return;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("pid {pid} never became {comm}");
}

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A fresh temporary directory (removed by the caller or a Guard).
pub fn temp_dir(tag: &str) -> PathBuf {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("rpsutil-cli-{tag}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A copy of sleep under a unique name (at most 15 bytes, so comm is the whole
/// name), running `sleep 100`. Returns the guard and the name.
pub fn spawn_unique_sleep() -> (Guard, String) {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let name = format!("rz{}x{n}", std::process::id() % 1_000_000);
    let dir = temp_dir("bin");
    let exe = dir.join(&name);
    let sleep = which("sleep");
    std::fs::copy(&sleep, &exe).expect("copy sleep");
    // The copy's write descriptor can be inherited for a moment by a child another
    // test thread forks at the same time; exec then fails with ETXTBSY until that
    // child has exec'd (the classic fork/exec race). Retry for a while.
    let mut tries = 0;
    let child = loop {
        match Command::new(&exe)
            .arg("100")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => break other.expect("spawn unique sleep"),
        }
    };
    let mut g = Guard::new(child);
    g.dir = Some(dir);
    wait_started(g.pid(), &name);
    (g, name)
}

/// The absolute, symlink-free path of a program on PATH.
pub fn which(prog: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let p = dir.join(prog);
        if p.is_file() {
            return std::fs::canonicalize(&p).unwrap_or(p);
        }
    }
    panic!("{prog} not on PATH");
}

/// Fields of /proc/PID/stat after the command name (index 0 is field 3, the state).
pub fn stat_fields(pid: u32) -> Vec<String> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read stat");
    let after = &s[s.rfind(')').expect("stat has )") + 2..];
    after.split_whitespace().map(str::to_string).collect()
}

/// A `Key:` line of /proc/PID/status, value trimmed.
pub fn status_field(pid: u32, key: &str) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    s.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no {key} in status"))
}

/// A pid that no process has (scanning down from a high number).
pub fn unused_pid() -> u32 {
    (3_000_000u32..3_999_999)
        .rev()
        .find(|p| !Path::new(&format!("/proc/{p}")).exists())
        .expect("some pid is free")
}

/// The name of the user running the tests.
pub fn my_username() -> String {
    tool("id", &["-un"]).expect("id -un").trim().to_string()
}

/// psutil's bytes2human, for comparing human output.
pub fn bytes2human(n: u64) -> String {
    let syms = ["K", "M", "G", "T", "P", "E"];
    for (i, s) in syms.iter().enumerate().rev() {
        let shift = 10 * (i as u32 + 1);
        if n >= 1u64 << shift {
            return format!("{:.1}{s}", n as f64 / (1u64 << shift) as f64);
        }
    }
    format!("{:.1}B", n as f64)
}

/// Runs `rpsutil ARGS` with its stdout closed before anything is read (`rpsutil ps |
/// head -0`), waits up to 10 s, and returns (exit status, stderr). The child is
/// killed and reaped by its guard if it does not end.
pub fn run_with_closed_stdout(args: &[&str]) -> (ExitStatus, String) {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rpsutil"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // close the read end at once
    let mut g = Guard::new(child);
    let status = g
        .wait_for_exit(10)
        .unwrap_or_else(|| panic!("{args:?} kept running"));
    let mut err = String::new();
    if let Some(mut e) = g.child.stderr.take() {
        e.read_to_string(&mut err).unwrap();
    }
    (status, err)
}

/// A tmux server of this test: its own socket, killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `cmd` (a shell command line) in a 120x40 session.
    pub fn start(tag: &str, cmd: &str) -> Tmux {
        let t = Tmux {
            socket: format!("rpsutil-top-{tag}-{}", std::process::id()),
        };
        let ok = t
            .cmd(&["new-session", "-d", "-s", "t", "-x", "120", "-y", "40", cmd])
            .status
            .success();
        assert!(
            ok,
            "tmux new-session failed (scripts/test.sh installs tmux)"
        );
        t
    }

    pub fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("run tmux")
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status.success());
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// Polls the screen until `pred` holds (10 s at most); returns that screen.
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "waited for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn alive(&self) -> bool {
        self.cmd(&["has-session", "-t", "t"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}
