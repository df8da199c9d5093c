//! `rpsutil winservices`: every Windows service, like psutil's
//! `scripts/winservices.py`. Windows only: elsewhere it says so and fails.

use std::io::Write;

use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::util::print_json;

/// Arguments of `rpsutil winservices`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print `{"win_service_iter": [...]}`, each service as psutil's `as_dict()`
    /// (display_name, binpath, username, start_type, status, pid, name,
    /// description).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    win_service_iter: &'a [rpsutil::WindowsService],
}

/// Python's `repr()` of a string, as the script prints names (`'x'`, or `"x'y"`
/// when the text has a single quote and no double one).
fn repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Runs `rpsutil winservices`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let all = match rpsutil::win_service_iter() {
        Err(rpsutil::Error::Unsupported { .. }) => {
            return Err(CliError::Usage(
                "winservices: not supported on this OS".to_string(),
            ))
        }
        other => other?,
    };
    let mut services = Vec::new();
    let mut errors = Vec::new();
    for s in all {
        match s {
            // The script skips it: its description query fails on Windows 10+.
            Ok(s) if s.name == "WaaSMedicSvc" => {}
            Ok(s) => services.push(s),
            Err(e) => errors.push(e),
        }
    }
    if args.json {
        print_json(
            out,
            &Report {
                win_service_iter: &services,
            },
        )?;
    } else {
        for s in &services {
            writeln!(out, "{} ({})", repr(&s.name), repr(&s.display_name))?;
            let pid = s.pid.map_or("None".to_string(), |p| p.to_string());
            writeln!(
                out,
                "status: {}, start: {}, username: {}, pid: {pid}",
                s.status, s.start_type, s.username
            )?;
            writeln!(out, "binpath: {}", s.binpath)?;
            writeln!(out)?;
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CliError::Many(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::repr;

    #[test]
    fn names_are_quoted_as_python_repr() {
        assert_eq!(repr("RpcSs"), "'RpcSs'");
        assert_eq!(repr("it's"), "\"it's\"");
        assert_eq!(repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(repr("C:\\x"), "'C:\\\\x'");
    }
}
