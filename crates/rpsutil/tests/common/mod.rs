//! Helpers shared by the integration tests: child processes with known properties
//! (killed and reaped by pid when the guard drops, even if the test panics), direct
//! `/proc` readers used as the oracle, temp dirs, and the psutil oracle interpreter.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ------------------------------------------------------------------ temp dirs

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A unique directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("rpsutil-t-{}-{n}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// -------------------------------------------------------------- child guard

/// A child process of the test. Drop sends SIGKILL (to the whole process group if
/// the child leads one) and reaps it by pid. It never signals a pid it has already
/// reaped: `waitpid(WNOHANG)` first tells whether the pid is still our child.
pub struct Guard {
    pub pid: u32,
    group: bool,
    pub stdout: Option<BufReader<ChildStdout>>,
}

impl Guard {
    /// Takes charge of a child spawned elsewhere (e.g. by `rpsutil::Popen`).
    pub fn adopt(pid: u32) -> Guard {
        Guard {
            pid,
            group: false,
            stdout: None,
        }
    }

    /// Reads one line of the child's stdout (it must have been piped).
    pub fn read_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout
            .as_mut()
            .expect("stdout not piped")
            .read_line(&mut line)
            .unwrap();
        line.trim_end_matches('\n').to_string()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let pid = self.pid as libc::pid_t;
        let mut status = 0;
        // SAFETY: plain syscalls on a pid we spawned.
        unsafe {
            let r = libc::waitpid(pid, &mut status, libc::WNOHANG);
            if self.group {
                // The group id outlives its leader while members remain.
                libc::kill(-pid, libc::SIGKILL);
            }
            if r == 0 {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
        }
    }
}

/// A child driven one step at a time: it prints a line at each step and waits for
/// a line on stdin before going on. Dropping it closes stdin, then the guard
/// kills and reaps the child.
pub struct Stepped {
    stdin: Option<std::process::ChildStdin>,
    out: BufReader<ChildStdout>,
    pub guard: Guard,
}

impl Stepped {
    /// Starts `python3 -c script`.
    // The Guard reaps the child by pid (std's Child neither waits nor kills on drop).
    #[allow(clippy::zombie_processes)]
    pub fn python(script: &str) -> Stepped {
        let mut child = Command::new(python3())
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn python3");
        let guard = Guard::adopt(child.id());
        Stepped {
            stdin: child.stdin.take(),
            out: BufReader::new(child.stdout.take().expect("piped stdout")),
            guard,
        }
    }

    /// The next line the child prints, without its newline.
    pub fn line(&mut self) -> String {
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        line.trim_end_matches('\n').to_string()
    }

    /// Lets the child take its next step (a line on its stdin), then returns the
    /// line it prints.
    pub fn step(&mut self) -> String {
        use std::io::Write;
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
        self.line()
    }
}

/// Spawns `cmd` (stdin/stderr null; stdout piped if `pipe`), in its own process
/// group if `group`.
pub fn spawn_opts(cmd: &mut Command, pipe: bool, group: bool) -> Guard {
    use std::os::unix::process::CommandExt;
    // stderr is not inherited: when the test runner's stderr is a regular file (CI
    // logs), the child would hold it open and show up in its open_files().
    cmd.stdin(Stdio::null()).stderr(Stdio::null());
    cmd.stdout(if pipe { Stdio::piped() } else { Stdio::null() });
    if group {
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let stdout = child.stdout.take().map(BufReader::new);
    // std's Child does not wait or kill on drop; the Guard owns the pid from now on.
    let pid = child.id();
    drop(child);
    let g = Guard { pid, group, stdout };
    wait_exec(pid);
    g
}

/// `spawn` returns once the child's close-on-exec fds are closed, which the kernel
/// does *before* it sets up the new argument and environment area: until then
/// /proc/PID/cmdline and environ read as empty. Waits until cmdline has content
/// (or the child already exited).
pub fn wait_exec(pid: u32) {
    wait_until("exec", || {
        proc_read(pid, "cmdline").is_none_or(|c| !c.is_empty())
            || matches!(proc_state(pid), Some('Z') | None)
    });
}

pub fn spawn(cmd: &mut Command) -> Guard {
    spawn_opts(cmd, false, false)
}

/// Spawns a command that prints one line when it is set up; returns that line.
pub fn spawn_ready(cmd: &mut Command) -> (Guard, String) {
    let mut g = spawn_opts(cmd, true, false);
    let line = g.read_line();
    (g, line)
}

/// `sleep 100`.
pub fn sleeper() -> Guard {
    spawn(Command::new("sleep").arg("100"))
}

/// Polls `cond` every 10 ms for up to 10 s; panics with `what` on timeout.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > Duration::from_secs(10) {
            panic!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A stopped `sleep 100` (state `T` in /proc).
pub fn stopped() -> Guard {
    let g = sleeper();
    // SAFETY: signal to our own child.
    unsafe { libc::kill(g.pid as libc::pid_t, libc::SIGSTOP) };
    wait_until("SIGSTOP", || proc_state(g.pid) == Some('T'));
    g
}

/// A zombie: `sh -c 'sleep 0 & exec sleep 100'` leaves its `sleep 0` child unreaped
/// (after the exec, the parent is `sleep`, which never calls wait). Returns the
/// parent's guard and the zombie's pid.
pub fn zombie() -> (Guard, u32) {
    let g = spawn(Command::new("sh").args(["-c", "sleep 0 & exec sleep 100"]));
    let mut zpid = 0;
    wait_until("zombie child", || {
        zpid = proc_children(g.pid)
            .into_iter()
            .find(|&c| proc_state(c) == Some('Z'))
            .unwrap_or(0);
        zpid != 0 && proc_comm(g.pid).as_deref() == Some("sleep")
    });
    (g, zpid)
}

/// The real python interpreter (not a pyenv shim), for helper children.
pub fn python3() -> PathBuf {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 is needed by the tests");
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
    .clone()
}

/// A python process with `n` extra threads (n + 1 in all), waiting.
pub fn threaded(n: usize) -> Guard {
    let script = format!(
        "import threading, time\n\
         ev = threading.Event()\n\
         ts = [threading.Thread(target=ev.wait, daemon=True) for _ in range({n})]\n\
         [t.start() for t in ts]\n\
         print(threading.active_count(), flush=True)\n\
         time.sleep(100)\n"
    );
    let (g, line) = spawn_ready(Command::new(python3()).args(["-c", &script]));
    assert_eq!(line, (n + 1).to_string());
    g
}

/// A `sleep 100` running as nobody (uid/gid 65534, no groups).
pub fn nobody() -> Guard {
    let g = spawn(Command::new("setpriv").args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "sleep",
        "100",
    ]));
    wait_comm(&g, "sleep");
    g
}

/// Waits until a child that execs through a wrapper (`nice`, `taskset`...) runs `comm`.
pub fn wait_comm(g: &Guard, comm: &str) {
    wait_until(comm, || proc_comm(g.pid).as_deref() == Some(comm));
    wait_exec(g.pid);
}

/// A copy of /bin/sleep started from a temp dir, then deleted. Returns the guard, the
/// (now gone) path, and the temp dir (keep it alive).
pub fn deleted_exe() -> (Guard, PathBuf, TempDir) {
    let dir = TempDir::new("delexe");
    let exe = dir.path().join("rps-deleted-sleep");
    // `cp` writes the copy in another process, so no write fd of ours can leak into a
    // concurrently forked child (ETXTBSY on exec).
    let ok = Command::new("cp")
        .arg("/bin/sleep")
        .arg(&exe)
        .status()
        .unwrap();
    assert!(ok.success());
    let g = spawn(Command::new(&exe).arg("100"));
    std::fs::remove_file(&exe).unwrap();
    (g, exe, dir)
}

// ----------------------------------------------------------- /proc readers

pub fn proc_read(pid: u32, file: &str) -> Option<Vec<u8>> {
    std::fs::read(format!("/proc/{pid}/{file}")).ok()
}

pub fn proc_text(pid: u32, file: &str) -> Option<String> {
    proc_read(pid, file).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// `comm` from /proc/PID/stat (between the first '(' and the last ')').
pub fn proc_comm(pid: u32) -> Option<String> {
    let s = proc_text(pid, "stat")?;
    let a = s.find('(')?;
    let b = s.rfind(')')?;
    Some(s[a + 1..b].to_string())
}

/// Fields of /proc/PID/stat after the comm: index 0 is field 3 (state).
pub fn proc_stat_fields(pid: u32) -> Option<Vec<String>> {
    let s = proc_text(pid, "stat")?;
    let b = s.rfind(')')?;
    Some(s[b + 2..].split_whitespace().map(String::from).collect())
}

/// Stat field `n` as numbered in `man 5 proc` (n >= 3).
pub fn proc_stat_field(pid: u32, n: usize) -> Option<String> {
    proc_stat_fields(pid).map(|f| f[n - 3].clone())
}

pub fn proc_state(pid: u32) -> Option<char> {
    proc_stat_fields(pid).and_then(|f| f[0].chars().next())
}

/// A `Key:` line of /proc/PID/status, the value trimmed.
pub fn proc_status(pid: u32, key: &str) -> Option<String> {
    let s = proc_text(pid, "status")?;
    s.lines().find_map(|l| {
        l.strip_prefix(&format!("{key}:"))
            .map(|v| v.trim().to_string())
    })
}

/// Pids whose /proc stat ppid is `pid`.
pub fn proc_children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if proc_stat_field(p, 4).and_then(|v| v.parse::<u32>().ok()) == Some(pid) {
            out.push(p);
        }
    }
    out.sort_unstable();
    out
}

/// Every pid listed in /proc.
pub fn proc_pids() -> Vec<u32> {
    let mut v: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
        .collect();
    v.sort_unstable();
    v
}

pub fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as u64 }
}

pub fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) as f64 }
}

pub fn now_epoch() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

// ------------------------------------------------------------------ oracle

/// The Python interpreter with psutil 7.2.2 to use as the oracle: `$RPSUTIL_PYTHON`,
/// else `<workspace>/.venv/bin/python`. None (after a "skipped" note on stderr) if
/// there is none; a panic instead when `RPSUTIL_REQUIRE_ORACLE=1` (CI never skips).
pub fn python() -> Option<PathBuf> {
    static PY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = PY.get_or_init(|| {
        let candidate = match std::env::var_os("RPSUTIL_PYTHON") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"),
        };
        let ok = Command::new(&candidate)
            .args([
                "-c",
                "import psutil, sys; sys.exit(psutil.__version__ != '7.2.2')",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            Ok(candidate)
        } else {
            Err(format!(
                "{} cannot import psutil 7.2.2",
                candidate.display()
            ))
        }
    });
    match found {
        Ok(p) => Some(p.clone()),
        Err(why) => {
            if std::env::var("RPSUTIL_REQUIRE_ORACLE").as_deref() == Ok("1") {
                panic!("RPSUTIL_REQUIRE_ORACLE=1 but no oracle: {why} (run scripts/test.sh, or set RPSUTIL_PYTHON)");
            }
            eprintln!("skipped: no python with psutil 7.2.2 (run scripts/test.sh)");
            None
        }
    }
}

/// Runs `script` with the oracle interpreter, `args` as sys.argv[1:], and parses its
/// stdout as JSON.
pub fn run_python_json(py: &Path, script: &str, args: &[String]) -> serde_json::Value {
    let out = Command::new(py)
        .arg("-c")
        .arg(script)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "oracle script failed: {:?}",
        out.status
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "oracle output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

// --------------------------------------------------------- socket child

/// A python child holding known sockets (TCP/UDP over IPv4 and IPv6, listening,
/// connected, a UNIX listener) and files opened in each mode. `expected` is what the
/// child itself learnt from the socket API (`getsockname`, `getpeername`,
/// `fileno`), in the JSON shape of psutil's `pconn`/`popenfile`.
pub struct SocketChild {
    pub guard: Guard,
    pub dir: TempDir,
    pub expected: serde_json::Value,
}

const SOCKET_SCRIPT: &str = r#"
import json, os, socket, sys, time
d = sys.argv[1]
keep = []
conns = []
def add(s, status, raddr=None):
    keep.append(s)
    fam = int(s.family)
    if fam == socket.AF_UNIX:
        la = s.getsockname()
        ra = ""
    else:
        la = s.getsockname()
        la = {"ip": la[0], "port": la[1]}
        if raddr is None:
            ra = []
        else:
            ra = {"ip": raddr[0], "port": raddr[1]}
    conns.append({"fd": s.fileno(), "family": fam, "type": int(s.type),
                  "laddr": la, "raddr": ra, "status": status})
l4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM); l4.bind(("127.0.0.1", 0)); l4.listen(5)
add(l4, "LISTEN")
l6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); l6.bind(("::1", 0)); l6.listen(5)
add(l6, "LISTEN")
c4 = socket.create_connection(l4.getsockname()[:2]); a4, _ = l4.accept()
add(c4, "ESTABLISHED", c4.getpeername()); add(a4, "ESTABLISHED", a4.getpeername())
c6 = socket.create_connection(l6.getsockname()[:2]); a6, _ = l6.accept()
add(c6, "ESTABLISHED", c6.getpeername()); add(a6, "ESTABLISHED", a6.getpeername())
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u4.bind(("127.0.0.1", 0))
add(u4, "NONE")
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("::1", 0))
add(u6, "NONE")
uc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uc.connect(u4.getsockname())
add(uc, "NONE", uc.getpeername())
us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); us.bind(os.path.join(d, "sock")); us.listen(1)
add(us, "NONE")
# psutil 7.2.2 reports "" for a path with spaces (its quirk 10); rpsutil the path.
us2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); us2.bind(os.path.join(d, "sock with space")); us2.listen(1)
add(us2, "NONE")
files = []
def f(name, mode, content, seek):
    p = os.path.join(d, name)
    if content is not None:
        with open(p, "wb") as w:
            w.write(content)
    h = open(p, mode, buffering=0)
    if seek is not None:
        h.seek(seek)
    keep.append(h)
    files.append({"path": p, "fd": h.fileno(), "position": os.lseek(h.fileno(), 0, os.SEEK_CUR),
                  "mode": mode.replace("b", "")})
f("r.txt", "rb", b"0123456789abcdefghij", 7)
f("w.txt", "wb", None, None); keep[-1].write(b"hello world"); files[-1]["position"] = 11
f("a.txt", "ab", b"xyz", None)
f("rp.txt", "r+b", b"0123456789", 4)
f("ap.txt", "a+b", b"abc", 1)
print(json.dumps({"conns": conns, "files": files}), flush=True)
time.sleep(100)
"#;

pub fn socket_child() -> SocketChild {
    let dir = TempDir::new("sock");
    let (guard, line) = spawn_ready(
        Command::new(python3())
            .arg("-c")
            .arg(SOCKET_SCRIPT)
            .arg(dir.path()),
    );
    let expected =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("socket child said {line:?}: {e}"));
    SocketChild {
        guard,
        dir,
        expected,
    }
}

/// The Python prelude of the psutil oracle scripts: imports, and `conv(v)`, which turns
/// psutil's values into JSON by ARCHITECTURE's rule (namedtuple → object, IntEnum → its
/// integer, other enums → their value). Used as `concat!(py_prelude!(), r#"..."#)`.
#[macro_export]
macro_rules! py_prelude {
    () => {
        r#"
import enum, json, os, sys, psutil
def conv(v):
    if isinstance(v, enum.IntEnum):
        return int(v)
    if isinstance(v, enum.Enum):
        return str(v.value)
    if isinstance(v, tuple) and hasattr(v, "_asdict"):
        return {k: conv(x) for k, x in v._asdict().items()}
    if isinstance(v, (list, tuple)):
        return [conv(x) for x in v]
    if isinstance(v, dict):
        return {k: conv(x) for k, x in v.items()}
    return v
"#
    };
}
