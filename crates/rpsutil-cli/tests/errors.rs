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
                line.starts_with("rpsutil: ") && line.ends_with(HINT),
                "{line}"
            );
            assert_eq!(hints(line), 1, "{args:?}: {line}");
        }
    }
    assert!(rpsutil(&["--help"]).ok().contains("procinfo"));
    assert!(rpsutil(&["ps", "--help"]).ok().contains("--json"));
}

/// The hint every usage error ends with.
const HINT: &str = "(see rpsutil --help)";

/// How many "see --help" hints a line holds: ours, and clap's own "For more
/// information, try '--help'." (which must not survive).
fn hints(line: &str) -> usize {
    line.matches("--help").count()
}

/// A value clap rejects (its value parser fails) is one line with one hint: clap's
/// report of such an error has no usage block, and its "For more information, try
/// '--help'." used to stay in front of ours.
#[test]
fn bad_values_have_one_hint() {
    for (args, expected) in [
        (
            &["kill", "abc"][..],
            "rpsutil: invalid value 'abc' for '<PIDS>...': invalid pid 'abc': \
             expected a non-negative integer (see rpsutil --help)\n",
        ),
        (
            &["kill", "-s", "TERM", "1", "x"],
            "rpsutil: invalid value 'x' for '<PIDS>...': invalid pid 'x': \
             expected a non-negative integer (see rpsutil --help)\n",
        ),
        (
            &["nice", "1", "abc"],
            "rpsutil: invalid value 'abc' for '[VALUE]': invalid digit found in string \
             (see rpsutil --help)\n",
        ),
        (
            &["pmap", "-1"],
            "rpsutil: unexpected argument '-1' found (see rpsutil --help)\n",
        ),
        (
            &["kill", "-s"],
            "rpsutil: a value is required for '--signal <SIGNAL>' but none was supplied \
             (see rpsutil --help)\n",
        ),
    ] {
        let out = rpsutil(args);
        assert_eq!(out.code(), 2, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr, expected, "{args:?}");
        assert_eq!(out.stdout, "", "{args:?}");
        assert_eq!(hints(&out.stderr), 1, "{args:?}");
    }
}

/// Every kind of usage error clap reports: unknown subcommand (with and without a
/// "similar subcommand" tip), bad value, missing argument, missing value, unknown
/// flag, conflicting flags, extra argument. One line, one hint, status 2.
#[test]
fn usage_errors_have_one_hint() {
    for args in [
        &["bogus"][..],
        &["pss"],
        &["kill", "abc"],
        &["iostat", "--nope"],
        &["nice", "1", "2", "3"],
        &["kill"],
        &["pidof"],
        &["kill", "-s"],
        &["ps", "--nope"],
        &["df", "--jsn"],
        &["free", "-b", "-m"],
        &["uptime", "extra"],
    ] {
        let out = rpsutil(args);
        let line = out.fails_with_one_line(2);
        assert!(line.ends_with(HINT), "{args:?}: {line}");
        assert_eq!(hints(line), 1, "{args:?}: {line}");
        assert!(!line.contains("For more information"), "{args:?}: {line}");
        assert!(!line.contains("tip:"), "{args:?}: {line}");
    }
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
