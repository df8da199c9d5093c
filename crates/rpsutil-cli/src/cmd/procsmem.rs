//! `rpsutil procsmem`: USS, PSS and swap of every process, like psutil's
//! `scripts/procsmem.py` (and `smem`).

use std::io::Write;

use rpsutil::{Attr, FieldError, ProcessTable};

use crate::error::CliResult;
use crate::util::{field, print_json, write_line};

/// Arguments of `rpsutil procsmem`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON array of `{pid, username, cmdline, memory_full_info}`, one per
    /// process in pid order (null where access is denied).
    #[arg(long)]
    pub json: bool,
}

/// procsmem.py's own `convert_bytes`: like bytes2human, but bytes below 1 KiB print
/// as an integer (`512B`, not `512.0B`).
fn convert_bytes(n: u64) -> String {
    const SYMBOLS: [&str; 8] = ["K", "M", "G", "T", "P", "E", "Z", "Y"];
    for (i, sym) in SYMBOLS.iter().enumerate().rev() {
        let shift = 10 * (i as u32 + 1);
        if shift < 64 && n >= 1u64 << shift {
            return format!("{:.1}{sym}", n as f64 / (1u64 << shift) as f64);
        }
    }
    format!("{n}B")
}

fn row(cols: [&str; 7]) -> String {
    let [pid, user, uss, pss, swap, rss, cmd] = cols;
    format!("{pid:<7} {user:<7} {uss:>7} {pss:>7} {swap:>7} {rss:>7} {cmd:>7}")
}

/// Runs `rpsutil procsmem`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let attrs = [
        Attr::Pid,
        Attr::Cmdline,
        Attr::Username,
        Attr::MemoryFullInfo,
    ];
    let rows = ProcessTable::new().snapshot(&attrs)?;
    if args.json {
        let infos: Vec<_> = rows.iter().map(|(_, i)| i).collect();
        return print_json(out, &infos);
    }
    let mut denied = 0usize;
    let mut procs = Vec::new();
    for (_, info) in &rows {
        match &info.memory_full_info {
            Some(Ok(m)) => {
                let uss = m.uss.unwrap_or(0);
                // Kernel threads and the like have no user memory: skipped.
                if uss > 0 {
                    procs.push((uss, info, **m));
                }
            }
            Some(Err(FieldError::AccessDenied)) => denied += 1,
            // Zombies have no memory to show; not a permission problem.
            _ => {}
        }
    }
    procs.sort_by_key(|(uss, info, _)| (*uss, info.pid));
    write_line(
        out,
        &row(["PID", "User", "USS", "PSS", "Swap", "RSS", "Cmdline"]),
        None,
    )?;
    writeln!(out, "{}", "=".repeat(78))?;
    for (uss, info, m) in procs {
        let user: String = field(&info.username)
            .map(|u| u.chars().take(7).collect())
            .unwrap_or_default();
        let cmd: String = field(&info.cmdline)
            .map(|c| c.join(" ").chars().take(50).collect())
            .unwrap_or_default();
        let opt = |v: Option<u64>| v.filter(|v| *v > 0).map(convert_bytes).unwrap_or_default();
        let line = row([
            &info.pid.to_string(),
            &user,
            &convert_bytes(uss),
            &opt(m.pss),
            &opt(m.swap),
            &convert_bytes(m.basic.rss),
            &cmd,
        ]);
        writeln!(out, "{line}")?;
    }
    if denied > 0 {
        // A warning, not an error: the table above is complete otherwise.
        let _ = writeln!(
            std::io::stderr(),
            "warning: access denied for {denied} pids"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn convert_bytes_like_procsmem() {
        assert_eq!(super::convert_bytes(512), "512B");
        assert_eq!(super::convert_bytes(2048), "2.0K");
        assert_eq!(super::convert_bytes(3 << 20), "3.0M");
    }
}
