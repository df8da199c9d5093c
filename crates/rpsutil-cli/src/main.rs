//! `rpsutil`: classic process and system tools (ps, pstree, pidof, kill, nice,
//! ionice, taskset, pmap, lsof, tty, free, df, netstat, ifconfig, who, uptime,
//! iostat, sensors, cpu) built on the rpsutil library, each with `--json` output in
//! psutil's shape (see docs: "JSON contract").
//!
//! This file parses the command line, runs one subcommand, and is the only place
//! that prints errors: `rpsutil: <message>` on one line of stderr, exit status 1
//! (2 for usage errors, which clap reports itself).

mod cmd;
mod error;
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
            // The message is everything before clap's "Usage:" block, on one line.
            let text = e.to_string();
            let parts: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:"))
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
                .collect();
            let message = parts.join(" ");
            let message = message.trim_start_matches("error: ");
            eprintln!("rpsutil: {message} (see rpsutil --help)");
            Err(ExitCode::from(2))
        }
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
