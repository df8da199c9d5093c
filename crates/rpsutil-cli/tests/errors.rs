//! Bad input never panics: unknown pids, pid 0, garbage arguments, unknown
//! subcommands, a closed stdout.

#![cfg(target_os = "linux")]

mod common;

use common::*;

const PID_COMMANDS: [&[&str]; 9] = [
    &["procinfo"],
    &["pmap"],
    &["lsof"],
    &["kill"],
    &["nice"],
    &["ionice"],
    &["taskset"],
    &["tty"],
    &["procinfo", "--json"],
];

#[test]
fn unknown_pid_is_one_line() {
    let gone = unused_pid().to_string();
    for cmd in PID_COMMANDS {
        let mut args = cmd.to_vec();
        args.push(&gone);
        let out = rpsutil(&args);
        assert_eq!(
            out.fails_with_one_line(1),
            format!("rpsutil: process PID not found (pid={gone})"),
            "{args:?}"
        );
        assert_eq!(out.stdout, "", "{args:?}");
    }
}

#[test]
fn pid_zero_is_one_line() {
    for cmd in PID_COMMANDS {
        let mut args = cmd.to_vec();
        args.push("0");
        let out = rpsutil(&args);
        assert_eq!(
            out.fails_with_one_line(1),
            "rpsutil: process PID not found (pid=0)",
            "{args:?}"
        );
    }
}

#[test]
fn garbage_pids_are_usage_errors() {
    for bad in ["-5", "abc", "1.5", "99999999999", "", "4294967295"] {
        for cmd in PID_COMMANDS {
            let mut args = cmd.to_vec();
            args.push(bad);
            let out = rpsutil(&args);
            assert!(!out.stderr.contains("panicked"), "{args:?}");
            // One line naming the bad value, exit status 2 (a usage error).
            let line = out.fails_with_one_line(2);
            assert!(
                line.starts_with("rpsutil: ") && line.contains(&format!("'{bad}'")),
                "{args:?}: {line}"
            );
        }
    }
}

#[test]
fn unknown_subcommand_and_missing_args() {
    for args in [
        &["bogus"][..],
        &[],
        &["kill"],
        &["pmap"],
        &["pidof"],
        &["ps", "--nope"],
    ] {
        let out = rpsutil(args);
        assert!(!out.stderr.contains("panicked"));
        if args.is_empty() {
            // No subcommand: the help, on stderr, status 2 (as clap does).
            assert_eq!(out.code(), 2);
            assert!(out.stderr.contains("Usage: rpsutil"));
        } else {
            let line = out.fails_with_one_line(2);
            assert!(
                line.starts_with("rpsutil: ") && line.ends_with("(see rpsutil --help)"),
                "{line}"
            );
        }
    }
    assert!(rpsutil(&["--help"]).ok().contains("procinfo"));
    assert!(rpsutil(&["ps", "--help"]).ok().contains("--json"));
}

/// pmap of pid 1 either works or says "access denied", exactly as reading
/// /proc/1/smaps directly does (root in a container may be refused too).
#[test]
fn access_denied_message_follows_proc() {
    let out = rpsutil(&["pmap", "1"]);
    match std::fs::read("/proc/1/smaps") {
        Ok(_) => {
            out.ok();
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            assert_eq!(out.fails_with_one_line(1), "rpsutil: access denied (pid=1)");
        }
        Err(e) => panic!("cannot read /proc/1/smaps: {e}"),
    }
}

/// `rpsutil ps | head -0`: the reader is gone before anything is written.
#[test]
fn closed_stdout_is_not_an_error() {
    for args in [
        &["ps"][..],
        &["ps", "--json"],
        &["pstree"],
        &["lsof"],
        &["procinfo", "1"],
    ] {
        let (status, stderr) = run_with_closed_stdout(args);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}
