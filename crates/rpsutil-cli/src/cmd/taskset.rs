//! `rpsutil taskset PID [CPULIST]`: get or set a process's CPU affinity, like
//! `taskset -c -p`.

use std::io::Write;

use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::util::{parse_pid, print_json, process};

/// Arguments of `rpsutil taskset`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The process.
    #[arg(value_parser = parse_pid)]
    pub pid: rpsutil::Pid,
    /// The CPUs, as `taskset -c` takes them: `0,2-3`, `0-7:2`.
    pub cpulist: Option<String>,
    /// Print `{"pid": .., "cpu_affinity": [...]}` (after the change, if any).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    pid: rpsutil::Pid,
    cpu_affinity: Vec<u32>,
}

/// Largest CPU number accepted by the parser, so `0-4000000000` cannot allocate a
/// huge list (the library then rejects CPUs this machine does not have).
const MAX_CPU: u32 = 1 << 16;

/// Parses a CPU list (`0,2-3`, `0-7:2`): sorted, without duplicates.
pub fn parse_cpulist(s: &str) -> Result<Vec<u32>, String> {
    let bad = || format!("invalid CPU list '{s}'");
    let num = |t: &str| -> Result<u32, String> {
        let t = t.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        t.parse::<u32>()
            .ok()
            .filter(|n| *n <= MAX_CPU)
            .ok_or_else(bad)
    };
    let mut cpus = Vec::new();
    for part in s.split(',') {
        let (range, stride) = match part.split_once(':') {
            Some((r, st)) => (r, num(st)?),
            None => (part, 1),
        };
        if stride == 0 {
            return Err(bad());
        }
        let (lo, hi) = match range.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => {
                let n = num(range)?;
                (n, n)
            }
        };
        if lo > hi {
            return Err(bad());
        }
        cpus.extend((lo..=hi).step_by(stride as usize));
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(cpus)
}

/// util-linux's `cpulist_create`: runs of three or more as `a-b`, others one by one
/// (`0,1`, `0-3,5`).
pub fn format_cpulist(cpus: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let mut j = i;
        while j + 1 < cpus.len() && cpus[j + 1] == cpus[j] + 1 {
            j += 1;
        }
        match j - i {
            0 => parts.push(cpus[i].to_string()),
            1 => {
                parts.push(cpus[i].to_string());
                parts.push(cpus[j].to_string());
            }
            _ => parts.push(format!("{}-{}", cpus[i], cpus[j])),
        }
        i = j + 1;
    }
    parts.join(",")
}

/// Runs `rpsutil taskset`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let p = process(args.pid)?;
    let wanted = match &args.cpulist {
        Some(list) => Some(parse_cpulist(list).map_err(CliError::Usage)?),
        None => None,
    };
    let before = p.cpu_affinity()?;
    if let Some(cpus) = &wanted {
        p.set_cpu_affinity(cpus)?;
    }
    let now = if wanted.is_some() {
        p.cpu_affinity()?
    } else {
        before.clone()
    };
    if args.json {
        return print_json(
            out,
            &Report {
                pid: p.pid(),
                cpu_affinity: now,
            },
        );
    }
    writeln!(
        out,
        "pid {}'s current affinity list: {}",
        p.pid(),
        format_cpulist(&before)
    )?;
    if wanted.is_some() {
        writeln!(
            out,
            "pid {}'s new affinity list: {}",
            p.pid(),
            format_cpulist(&now)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpulists() {
        assert_eq!(parse_cpulist("0,2-3"), Ok(vec![0, 2, 3]));
        assert_eq!(parse_cpulist("0-6:2"), Ok(vec![0, 2, 4, 6]));
        assert_eq!(parse_cpulist("3,1,1"), Ok(vec![1, 3]));
        for bad in ["", "a", "1-", "3-1", "0:0", "-1", "99999999999"] {
            assert!(parse_cpulist(bad).is_err(), "{bad}");
        }
        assert_eq!(format_cpulist(&[0, 1]), "0,1");
        assert_eq!(format_cpulist(&[0, 1, 2, 3, 5]), "0-3,5");
        assert_eq!(format_cpulist(&[]), "");
    }
}
