//! `rpsutil`: classic process and system tools (ps, pstree, pidof, kill, nice,
//! ionice, taskset, pmap, lsof, tty, free, df, netstat, ifconfig, who, uptime,
//! iostat, sensors, cpu, winservices) built on the rpsutil library, each with
//! `--json` output in psutil's shape (see docs: "JSON contract").
//!
//! This file parses the command line, runs one subcommand, and is the only place
//! that prints errors: `rpsutil: <message>` on one line of stderr, exit status 1
//! (2 for usage errors, which clap reports itself).

mod cmd;
mod error;
mod live;
mod util;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::Parser;

use error::CliError;

/// Environment variables read once at start-up (documented in `--help`).
const ENV_HELP: &str = "\
Environment:
  RPSUTIL_PROCFS=DIR  read the proc file system from DIR instead of /proc
                      (e.g. a host's /proc mounted in a container)
  RPSUTIL_SYSFS=DIR   read sysfs from DIR instead of /sys (sensors, disks, NICs)";

/// psutil's process and system tools as one command.
#[derive(Debug, Parser)]
#[command(name = "rpsutil", version, about, propagate_version = true, after_help = ENV_HELP)]
struct Cli {
    #[command(subcommand)]
    command: cmd::Command,
}

/// The one hint a usage error ends with (clap's own "For more information, try
/// '--help'." is dropped, so there is exactly one).
const USAGE_HINT: &str = "(see rpsutil --help)";

/// Parses the arguments; a usage error is one line on stderr and exit status 2
/// (clap's own report spans several lines with the usage and a hint).
fn parse_args() -> Result<Cli, ExitCode> {
    match Cli::try_parse() {
        Ok(cli) => Ok(cli),
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                // --help / --version: clap prints them (to stdout) as usual.
                let _ = e.print();
                return Err(ExitCode::from(if e.use_stderr() { 2 } else { 0 }));
            }
            // Not eprintln!: it panics when stderr itself is closed.
            let _ = writeln!(io::stderr().lock(), "{}", usage_line(&e.to_string()));
            Err(ExitCode::from(2))
        }
    }
}

/// Turns clap's plain-text error report into `rpsutil: MESSAGE (see rpsutil --help)`.
///
/// clap writes `error: MESSAGE` (possibly continued on indented lines, e.g. the list
/// of missing arguments), then any `tip:` lines, the `Usage:` block, and its own
/// hint `For more information, try '--help'.`. The usage block is absent for some
/// errors (a bad value, a missing value), so the hint cannot be cut off with it: the
/// message is every line before `Usage:` except blank, `tip:` and hint lines, joined
/// into one line, and it ends with our hint only. Blank lines are skipped rather than
/// ending the message, so a value with newlines in it is still quoted whole.
fn usage_line(report: &str) -> String {
    let parts: Vec<&str> = report
        .lines()
        .take_while(|l| !l.starts_with("Usage:"))
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("tip:") && !l.starts_with("For more information")
        })
        .collect();
    let message = parts.join(" ");
    let message = message.strip_prefix("error:").unwrap_or(&message).trim();
    if message.is_empty() {
        format!("rpsutil: invalid arguments {USAGE_HINT}")
    } else {
        format!("rpsutil: {message} {USAGE_HINT}")
    }
}

fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    set_roots();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = cmd::run(cli.command, &mut out);
    // Flush before reporting so output and error appear in order; a flush error
    // counts only if the command itself succeeded.
    let flushed = out.flush();
    let result = match (result, flushed) {
        (Ok(()), Err(e)) => Err(CliError::Io(e)),
        (r, _) => r,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(e),
    }
}

/// Points the library at other proc/sys roots when `RPSUTIL_PROCFS` /
/// `RPSUTIL_SYSFS` are set (non-empty), before any command reads them.
fn set_roots() {
    if let Some(dir) = std::env::var_os("RPSUTIL_PROCFS").filter(|d| !d.is_empty()) {
        rpsutil::set_procfs_path(dir);
    }
    if let Some(dir) = std::env::var_os("RPSUTIL_SYSFS").filter(|d| !d.is_empty()) {
        rpsutil::set_sysfs_path(dir);
    }
}

/// Prints `e` (one line per error) and returns the exit status.
fn report(e: CliError) -> ExitCode {
    match e {
        // The reader went away (`rpsutil ps | head -1`): nothing more to say.
        CliError::Io(ref io) if io.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        CliError::Silent(code) => ExitCode::from(code),
        other => {
            // Not eprintln!: it panics when stderr itself is closed.
            let mut err = io::stderr().lock();
            for line in other.to_string().lines() {
                let _ = writeln!(err, "rpsutil: {line}");
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line printed for `rpsutil ARGS`, which must fail to parse.
    fn line(args: &[&str]) -> String {
        let argv = std::iter::once("rpsutil").chain(args.iter().copied());
        match Cli::try_parse_from(argv) {
            Ok(cli) => panic!("{args:?} parsed: {cli:?}"),
            Err(e) => usage_line(&e.to_string()),
        }
    }

    /// clap's own consistency checks (unique short flags across each subcommand
    /// and the global --version, value names...), which otherwise only fire when
    /// that subcommand is first parsed.
    #[test]
    fn command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn every_usage_error_has_one_hint() {
        for (args, expected) in [
            (
                &["bogus"][..],
                "rpsutil: unrecognized subcommand 'bogus' (see rpsutil --help)",
            ),
            (
                &["kill", "abc"],
                "rpsutil: invalid value 'abc' for '<PIDS>...': invalid pid 'abc': \
                 expected a non-negative integer (see rpsutil --help)",
            ),
            (
                &["nice", "1", "abc"],
                "rpsutil: invalid value 'abc' for '[VALUE]': invalid digit found in string \
                 (see rpsutil --help)",
            ),
            (
                &["kill"],
                "rpsutil: the following required arguments were not provided: <PIDS>... \
                 (see rpsutil --help)",
            ),
            (
                &["ps", "--nope"],
                "rpsutil: unexpected argument '--nope' found (see rpsutil --help)",
            ),
            (
                &["free", "-b", "-m"],
                "rpsutil: the argument '--bytes' cannot be used with '--mebi' \
                 (see rpsutil --help)",
            ),
        ] {
            assert_eq!(line(args), expected, "{args:?}");
        }
        // A similar name ("tip: a similar subcommand exists") is not a second hint.
        for args in [
            &["pss"][..],
            &["kill", "-s"],
            &["ps", "-x"],
            &["df", "--jsn"],
        ] {
            let l = line(args);
            assert_eq!(l.matches("--help").count(), 1, "{args:?}: {l}");
            assert!(!l.contains("For more information"), "{args:?}: {l}");
            assert!(!l.contains("tip:"), "{args:?}: {l}");
            assert!(l.starts_with("rpsutil: ") && l.ends_with(USAGE_HINT), "{l}");
        }
    }

    #[test]
    fn report_shapes() {
        assert_eq!(
            usage_line("error: bad\n\nFor more information, try '--help'.\n"),
            "rpsutil: bad (see rpsutil --help)"
        );
        assert_eq!(
            usage_line("error: missing:\n  <A>\n  <B>\n\nUsage: x <A> <B>\n\nFor more information, try '--help'.\n"),
            "rpsutil: missing: <A> <B> (see rpsutil --help)"
        );
        // A value with blank lines in it is quoted whole, on one line.
        assert_eq!(
            line(&["kill", "a\n\nb"]),
            "rpsutil: invalid value 'a b' for '<PIDS>...': invalid pid 'a b': \
             expected a non-negative integer (see rpsutil --help)"
        );
        assert_eq!(
            usage_line(""),
            "rpsutil: invalid arguments (see rpsutil --help)"
        );
    }
}
