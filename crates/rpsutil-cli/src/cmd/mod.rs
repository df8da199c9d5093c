//! The subcommands, one module each. Every `run` writes to the given output and
//! returns errors to `main`, never printing them itself.

use std::io::Write;

use clap::Subcommand;

use crate::error::CliResult;

pub mod ionice;
pub mod kill;
pub mod lsof;
pub mod nice;
pub mod pidof;
pub mod pmap;
pub mod procinfo;
pub mod procsmem;
pub mod ps;
pub mod pstree;
pub mod taskset;
pub mod tty;

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List processes (USER PID %MEM VSZ RSS NICE STATUS START TIME CMDLINE), like psutil's ps.py.
    Ps(ps::Args),
    /// Everything about one process, like psutil's procinfo.py.
    Procinfo(procinfo::Args),
    /// Pids of the processes named NAME.
    Pidof(pidof::Args),
    /// The process tree, like psutil's pstree.py.
    Pstree(pstree::Args),
    /// Memory mappings of a process, like pmap.
    Pmap(pmap::Args),
    /// USS, PSS and swap of every process, like smem.
    Procsmem(procsmem::Args),
    /// Open files and sockets of every process, or of one.
    Lsof(lsof::Args),
    /// Send a signal to processes.
    Kill(kill::Args),
    /// Get or set the nice value of a process.
    Nice(nice::Args),
    /// Get or set the I/O scheduling class and priority of a process.
    Ionice(ionice::Args),
    /// Get or set the CPU affinity of a process.
    Taskset(taskset::Args),
    /// The controlling terminal of a process.
    Tty(tty::Args),
}

/// Runs one subcommand, writing its output to `out`.
pub fn run(command: Command, out: &mut dyn Write) -> CliResult {
    match command {
        Command::Ps(a) => ps::run(&a, out),
        Command::Procinfo(a) => procinfo::run(&a, out),
        Command::Pidof(a) => pidof::run(&a, out),
        Command::Pstree(a) => pstree::run(&a, out),
        Command::Pmap(a) => pmap::run(&a, out),
        Command::Procsmem(a) => procsmem::run(&a, out),
        Command::Lsof(a) => lsof::run(&a, out),
        Command::Kill(a) => kill::run(&a, out),
        Command::Nice(a) => nice::run(&a, out),
        Command::Ionice(a) => ionice::run(&a, out),
        Command::Taskset(a) => taskset::run(&a, out),
        Command::Tty(a) => tty::run(&a, out),
    }
}
