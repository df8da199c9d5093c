//! `rpsutil netstat`: every socket of the system with its owner, like `netstat -anp`,
//! `ss -anp` and psutil's `scripts/netstat.py`. Addresses are always numeric.

use std::collections::HashMap;
use std::io::Write;
use std::str::FromStr;

use rpsutil::{Address, AddressFamily, ConnKind, SocketType, SystemConnection};
use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::util::{print_json, term_width, write_line};

/// Arguments of `rpsutil netstat`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which sockets (psutil's kinds): inet, inet4, inet6, tcp, tcp4, tcp6, udp,
    /// udp4, udp6, unix, all.
    #[arg(long, default_value = "inet")]
    pub kind: String,
    /// Print `{"net_connections": [...]}` (psutil's sconn objects, with fd and pid).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    net_connections: &'a [SystemConnection],
}

/// netstat.py's template `"{:<5} {:<30} {:<30} {:<13} {:<6} {}"`.
fn row(proto: &str, local: &str, remote: &str, status: &str, pid: &str, name: &str) -> String {
    format!("{proto:<5} {local:<30} {remote:<30} {status:<13} {pid:<6} {name}")
        .trim_end()
        .to_string()
}

/// `tcp`, `tcp6`, `udp`, `udp6`, `unix` (netstat's Proto column).
fn proto(c: &SystemConnection) -> &'static str {
    match (c.family, c.kind) {
        (AddressFamily::Unix, _) => "unix",
        (AddressFamily::Inet, SocketType::Stream) => "tcp",
        (AddressFamily::Inet6, SocketType::Stream) => "tcp6",
        (AddressFamily::Inet, SocketType::Dgram) => "udp",
        (AddressFamily::Inet6, SocketType::Dgram) => "udp6",
        _ => "raw",
    }
}

/// `127.0.0.1:80`, `[::1]:80` (ss's brackets), a UNIX path, `-` for no address.
fn addr(a: &Address) -> String {
    if a.is_empty() {
        "-".to_string()
    } else {
        a.to_string()
    }
}

/// Runs `rpsutil netstat`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let kind = ConnKind::from_str(&args.kind).map_err(|e| CliError::Usage(e.to_string()))?;
    let conns = rpsutil::net_connections(kind, true)?;
    if args.json {
        return print_json(
            out,
            &Report {
                net_connections: &conns,
            },
        );
    }
    // Program names of the owners, read once per pid; a process that is gone or
    // unreadable shows `?` as in netstat.py.
    let mut names: HashMap<rpsutil::Pid, String> = HashMap::new();
    for pid in conns.iter().filter_map(|c| c.pid) {
        names.entry(pid).or_insert_with(|| {
            rpsutil::Process::new(pid)
                .and_then(|p| p.name())
                .unwrap_or_else(|_| "?".to_string())
        });
    }
    let width = term_width();
    write_line(
        out,
        &row(
            "Proto",
            "Local address",
            "Remote address",
            "Status",
            "PID",
            "Program name",
        ),
        width,
    )?;
    for c in &conns {
        let (pid, name) = match c.pid {
            Some(pid) => {
                let name: String = names
                    .get(&pid)
                    .map(String::as_str)
                    .unwrap_or("?")
                    .chars()
                    .take(15)
                    .collect();
                (pid.to_string(), name)
            }
            None => ("-".to_string(), String::new()),
        };
        let line = row(
            proto(c),
            &addr(&c.laddr),
            &addr(&c.raddr),
            c.status.as_str(),
            &pid,
            &name,
        );
        write_line(out, &line, width)?;
    }
    Ok(())
}
