//! The live tools' screens end to end (`top`, `iotop`, `nettop`): the real binary
//! in a detached tmux session, real keys, the screen read back with `tmux
//! capture-pane` (polled, no fixed sleeps). Each test uses its own tmux server
//! socket and kills it at the end.

#![cfg(target_os = "linux")]

mod common;

use std::time::{Duration, Instant};

use common::*;

/// `rpsutil top` with these arguments, in a shell that reports how the terminal
/// was left when top exits.
fn top_cmd(args: &str) -> String {
    format!(
        "{} top -d 0.3 {args}; echo EXITED $?; stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo; echo MODES-END; sleep 30",
        env!("CARGO_BIN_EXE_rpsutil")
    )
}

/// The process rows of a screen: lines after the column header that start with a pid.
fn table(screen: &str) -> Vec<Vec<String>> {
    screen
        .lines()
        .skip_while(|l| !l.contains("PID USER"))
        .skip(1)
        .map(|l| {
            l.trim_start_matches('*')
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|c| c.first().is_some_and(|p| p.parse::<u32>().is_ok()))
        .collect()
}

/// A `sleep` whose command line carries a unique word (argv[0]).
fn unique_sleeper() -> (Guard, String) {
    spawn_unique_sleep()
}

#[test]
fn sort_filter_kill_and_quit() {
    let (victim, word) = unique_sleeper();
    let tm = Tmux::start("main", &top_cmd(""));
    tm.wait("the table", |s| {
        s.contains("PID USER") && table(s).len() > 3
    });
    // Sort by memory: RES (KiB, column 6) is non-increasing.
    tm.keys(&["M"]);
    let s = tm.wait("the %MEM sort", |s| s.contains("sort %MEM"));
    let res: Vec<u64> = table(&s)
        .iter()
        .filter_map(|r| r.get(5)?.parse().ok())
        .collect();
    assert!(res.len() > 3, "{s}");
    assert!(
        res.windows(2).all(|w| w[0] >= w[1]),
        "RES not sorted: {res:?}\n{s}"
    );
    // Filter to our process: it is the only row.
    tm.keys(&["\\"]);
    tm.keys(&["-l", &word]);
    tm.keys(&["Enter"]);
    let s = tm.wait("the filtered table", |s| table(s).len() == 1);
    assert_eq!(table(&s)[0][0], victim.pid().to_string(), "{s}");
    // Kill it: the prompt names the pid it will signal; answer only if it is ours.
    tm.keys(&["k"]);
    let s = tm.wait("the kill prompt", |s| s.contains("send SIGTERM"));
    let prompt = s
        .lines()
        .find(|l| l.contains("send SIGTERM"))
        .unwrap_or_default();
    assert!(
        prompt.contains(&format!("pid {} ({word})", victim.pid())),
        "the prompt does not name our process: {prompt}"
    );
    tm.keys(&["Enter"]);
    tm.wait("the signal report", |s| {
        s.contains(&format!("signal 15 sent to {}", victim.pid()))
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    // SIGTERM ends sleep: it is a zombie (our child) or gone.
    while !matches!(std::fs::read_to_string(format!("/proc/{}/stat", victim.pid())), Ok(s) if s.contains(") Z"))
    {
        assert!(Instant::now() < deadline, "the process survived the kill");
        std::thread::sleep(Duration::from_millis(20));
    }
    // q quits, and the terminal is back in cooked mode with echo.
    tm.keys(&["q"]);
    let s = tm.wait("the exit", |s| s.contains("MODES-END"));
    assert!(s.contains("EXITED 0"), "{s}");
    let modes: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.starts_with("EXITED"))
        .skip(1)
        .collect();
    assert!(
        modes.contains(&"icanon") && modes.contains(&"echo"),
        "terminal not restored: {s}"
    );
}

#[test]
fn readonly_refuses_to_kill() {
    let (victim, word) = unique_sleeper();
    let tm = Tmux::start("ro", &top_cmd("--readonly"));
    tm.wait("the table", |s| table(s).len() > 3);
    tm.keys(&["\\"]);
    tm.keys(&["-l", &word]);
    tm.keys(&["Enter"]);
    tm.wait("the filtered table", |s| table(s).len() == 1);
    tm.keys(&["k"]);
    tm.wait("the refusal", |s| {
        s.contains("read-only: signals are disabled")
    });
    assert!(!tm.screen().contains("send SIGTERM"));
    // Still running (sleeping), not signalled.
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", victim.pid())).expect("alive");
    assert!(stat.contains(") S"), "{stat}");
    tm.keys(&["q"]);
    tm.wait("the exit", |s| s.contains("EXITED 0"));
}

#[test]
fn resize_and_signals_restore_the_terminal() {
    let tm = Tmux::start("resize", &top_cmd(""));
    tm.wait("the table", |s| table(s).len() > 3);
    assert!(tm
        .cmd(&["resize-window", "-t", "t", "-x", "70", "-y", "20"])
        .status
        .success());
    let s = tm.wait("the redraw at 70 columns", |s| {
        s.lines()
            .any(|l| l.starts_with("Mem") && l.chars().count() <= 70)
    });
    assert!(s.lines().all(|l| l.chars().count() <= 70), "{s}");
    // SIGTERM: the loop notices, restores the terminal and exits 0.
    let pid = tm.cmd(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
    let shell: u32 = String::from_utf8_lossy(&pid.stdout)
        .trim()
        .parse()
        .expect("pane pid");
    let top = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
        .ok()
        .and_then(|c| {
            c.split_whitespace()
                .next()
                .and_then(|p| p.parse::<u32>().ok())
        })
        .expect("top under the pane's shell");
    // SAFETY: a signal to the rpsutil process this test started (in its tmux pane).
    unsafe { libc::kill(top as libc::pid_t, libc::SIGTERM) };
    let s = tm.wait("the exit", |s| s.contains("MODES-END"));
    assert!(s.contains("EXITED 0"), "{s}");
    let modes: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.starts_with("EXITED"))
        .skip(1)
        .collect();
    assert!(modes.contains(&"icanon") && modes.contains(&"echo"), "{s}");
    assert!(tm.alive());
}

/// A tool in the pane, and how the terminal was left when it exits.
fn tool_cmd(cmd: &str) -> String {
    format!(
        "{} {cmd}; echo EXITED $?; stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo; echo MODES-END; sleep 30",
        env!("CARGO_BIN_EXE_rpsutil")
    )
}

fn restored(s: &str) -> bool {
    let modes: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.starts_with("EXITED"))
        .skip(1)
        .collect();
    s.contains("EXITED 0") && modes.contains(&"icanon") && modes.contains(&"echo")
}

#[test]
fn iotop_screen_toggles_and_quits() {
    let tm = Tmux::start("iotop", &tool_cmd("iotop -d 0.3"));
    let s = tm.wait("the first frame", |s| {
        // Rows are threads by default, as iotop's.
        s.contains("Total DISK READ") && s.contains("TID PRIO USER")
    });
    assert!(s.contains("q quit  o only active"), "{s}");
    // o: only processes doing I/O (the footer says so).
    tm.keys(&["o"]);
    tm.wait("the only-active toggle", |s| {
        s.contains("only active  q quit")
    });
    tm.keys(&["a"]);
    tm.wait("the accumulated toggle", |s| {
        s.contains("accumulated  q quit")
    });
    tm.keys(&["q"]);
    let s = tm.wait("the exit", |s| s.contains("MODES-END"));
    assert!(restored(&s), "{s}");
}

#[test]
fn nettop_screen_shows_nics_and_quits() {
    let tm = Tmux::start("nettop", &tool_cmd("nettop -d 0.3"));
    let s = tm.wait("the first frame", |s| {
        s.contains("SENT/s") && s.contains("TOTAL")
    });
    assert!(s.lines().any(|l| l.starts_with("lo ")), "{s}");
    tm.keys(&["q"]);
    let s = tm.wait("the exit", |s| s.contains("MODES-END"));
    assert!(restored(&s), "{s}");
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    // In raw mode Ctrl-C is a key, not SIGINT: the screen must still leave cleanly.
    let tm = Tmux::start("ctrlc", &top_cmd(""));
    tm.wait("the table", |s| table(s).len() > 3);
    tm.keys(&["C-c"]);
    let s = tm.wait("the exit", |s| s.contains("MODES-END"));
    assert!(restored(&s), "{s}");
}

/// Closing the terminal (the tmux session killed, as a closed terminal window)
/// ends each screen within a few seconds; none keeps running on a dead terminal
/// (crossterm alone would spin on the end of input at 100 % CPU, forever).
#[test]
fn a_closed_terminal_ends_the_screens() {
    for tool in ["top -d 0.3", "iotop -d 0.3", "nettop -d 0.3"] {
        // The tool is the pane's process itself (no shell around it).
        let tm = Tmux::start(
            "hangup",
            &format!("exec {} {tool}", env!("CARGO_BIN_EXE_rpsutil")),
        );
        tm.wait("the first frame", |s| {
            s.lines().count() > 5 && !s.trim().is_empty()
        });
        let out = tm.cmd(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
        let pid: u32 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("pane pid");
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        assert_eq!(comm.trim(), "rpsutil", "{tool}: the pane runs the tool");
        assert!(tm.cmd(&["kill-session", "-t", "t"]).status.success());
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            // Gone, or a zombie waiting for its (ending) tmux server.
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    s.rsplit(')')
                        .next()
                        .and_then(|r| r.split_whitespace().next())
                        .map(str::to_string)
                });
            if matches!(state.as_deref(), None | Some("Z") | Some("X")) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{tool} still runs (state {state:?}) after its terminal closed"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
