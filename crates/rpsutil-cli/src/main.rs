//! `rpsutil`: classic process tools (ps, pstree, pidof, kill, nice, ionice, taskset,
//! pmap, lsof, tty...) built on the rpsutil library, each with `--json` output in
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

/// psutil's process tools as one command.
#[derive(Debug, Parser)]
#[command(name = "rpsutil", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: cmd::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
