//! `rpsutil lsof [PID]`: open files and sockets of every process, or of one
//! (columns COMMAND PID USER FD TYPE NAME, like lsof).

use std::io::Write;

use rpsutil::{
    Address, AddressFamily, ConnKind, ConnStatus, Connection, OpenFile, Process, SocketType,
};
use serde::Serialize;

use crate::error::CliResult;
use crate::util::{parse_pid, print_json, process, term_width, write_line};

/// Arguments of `rpsutil lsof`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this process (default: every process).
    #[arg(value_parser = parse_pid)]
    pub pid: Option<rpsutil::Pid>,
    /// Print a JSON array of `{pid, name, open_files, net_connections}` per process
    /// (connections of every kind; null where access is denied).
    #[arg(long)]
    pub json: bool,
}

/// What lsof shows of one process. `None` fields were unreadable (JSON null).
#[derive(Debug, Serialize)]
struct Entry {
    pid: rpsutil::Pid,
    name: Option<String>,
    open_files: Option<Vec<OpenFile>>,
    net_connections: Option<Vec<Connection>>,
    #[serde(skip)]
    username: Option<String>,
}

/// Reads one process. AccessDenied and zombie fields become None unless `strict`
/// (one named process: an unreadable list is then an error, not a blank); a process
/// that ended is `Ok(None)` unless `strict`; other errors are returned.
fn entry(p: &Process, strict: bool) -> CliResult<Option<Entry>> {
    let keep = |r: rpsutil::Result<_>| match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if !strict && (e.is_access_denied() || e.is_zombie()) => Ok(None),
        Err(e) => Err(e),
    };
    let keep_name = |r: rpsutil::Result<String>| match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_access_denied() || e.is_zombie() => Ok(None),
        Err(e) => Err(e),
    };
    let r = p.oneshot(|| -> rpsutil::Result<Entry> {
        Ok(Entry {
            pid: p.pid(),
            name: keep_name(p.name())?,
            username: keep_name(p.username())?,
            open_files: keep(p.open_files())?,
            net_connections: match p.net_connections(ConnKind::All) {
                Ok(v) => Some(v),
                Err(e) if !strict && (e.is_access_denied() || e.is_zombie()) => None,
                Err(e) => return Err(e),
            },
        })
    });
    match r {
        Ok(e) => Ok(Some(e)),
        Err(e) if !strict && e.is_no_such_process() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn row(cmd: &str, pid: &str, user: &str, fd: &str, kind: &str, name: &str) -> String {
    format!("{cmd:<15} {pid:>7} {user:<9} {fd:>5} {kind:<6} {name}")
}

fn addr_text(a: &Address) -> String {
    match a {
        Address::Inet { .. } => a.to_string(),
        Address::Unix(p) => p.to_string_lossy().into_owned(),
        Address::None => "*:*".to_string(),
    }
}

/// lsof's NAME of a socket: `TCP 127.0.0.1:22->10.0.0.1:5000 (ESTABLISHED)`.
fn socket_name(c: &Connection) -> String {
    let proto = match (c.family, c.kind) {
        (AddressFamily::Unix, _) => "",
        (_, SocketType::Stream) => "TCP ",
        (_, SocketType::Dgram) => "UDP ",
        _ => "RAW ",
    };
    let mut s = format!("{proto}{}", addr_text(&c.laddr));
    if !c.raddr.is_empty() {
        s.push_str("->");
        s.push_str(&addr_text(&c.raddr));
    }
    if c.status != ConnStatus::None {
        s.push_str(&format!(" ({})", c.status));
    }
    s
}

/// Runs `rpsutil lsof`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let entries: Vec<Entry> = match args.pid {
        Some(pid) => entry(&process(pid)?, true)?.into_iter().collect(),
        None => {
            let mut v = Vec::new();
            for p in rpsutil::ProcessTable::new().refresh()? {
                if let Some(e) = entry(&p, false)? {
                    v.push(e);
                }
            }
            v
        }
    };
    if args.json {
        return print_json(out, &entries);
    }
    let width = term_width();
    write_line(
        out,
        &row("COMMAND", "PID", "USER", "FD", "TYPE", "NAME"),
        width,
    )?;
    for e in &entries {
        let cmd: String = e.name.as_deref().unwrap_or("?").chars().take(15).collect();
        let user: String = e
            .username
            .as_deref()
            .unwrap_or("?")
            .chars()
            .take(9)
            .collect();
        let pid = e.pid.to_string();
        // Files and sockets together, by fd, as lsof lists them.
        let mut lines: Vec<(i32, String)> = Vec::new();
        for f in e.open_files.iter().flatten() {
            let mode = match f.mode.as_deref() {
                Some("r") => "r",
                Some("w") | Some("a") => "w",
                Some(_) => "u",
                None => "",
            };
            let fd = format!("{}{mode}", f.fd);
            lines.push((
                f.fd,
                row(&cmd, &pid, &user, &fd, "REG", &f.path.display().to_string()),
            ));
        }
        for c in e.net_connections.iter().flatten() {
            let kind = match c.family {
                AddressFamily::Inet => "IPv4",
                AddressFamily::Inet6 => "IPv6",
                _ => "unix",
            };
            let fd = c.fd.to_string();
            lines.push((c.fd, row(&cmd, &pid, &user, &fd, kind, &socket_name(c))));
        }
        lines.sort_by_key(|(fd, _)| *fd);
        for (_, line) in lines {
            write_line(out, &line, width)?;
        }
    }
    Ok(())
}
