//! [`wait_procs`]: wait for several processes at once.

use std::time::{Duration, Instant};

use super::handle::Process;
use crate::types::process::ExitCode;
use crate::{Error, Result};

/// Waits until every process in `procs` has ended or `timeout` passes (psutil's
/// `wait_procs`). Returns `(gone, alive)`: the ended processes with their exit code
/// (None when not a child of the caller), and those still running. `callback` is
/// called once for each process as soon as it is found gone. Never returns
/// `TimeoutExpired`.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use std::process::Command;
/// let child = rpsutil::Popen::spawn(Command::new("true").stdout(std::process::Stdio::null())).unwrap();
/// let (gone, alive) = rpsutil::wait_procs(&[child.process().clone()], Some(std::time::Duration::from_secs(5)), None).unwrap();
/// assert_eq!(gone.len(), 1);
/// assert_eq!(gone[0].1, Some(rpsutil::ExitCode::Exited(0)));
/// assert!(alive.is_empty());
/// # }
/// ```
#[allow(clippy::type_complexity)]
pub fn wait_procs(
    procs: &[Process],
    timeout: Option<Duration>,
    mut callback: Option<&mut dyn FnMut(&Process, Option<ExitCode>)>,
) -> Result<(Vec<(Process, Option<ExitCode>)>, Vec<Process>)> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut gone: Vec<(Process, Option<ExitCode>)> = Vec::new();
    let mut alive: Vec<Process> = procs.to_vec();

    let mut check = |p: &Process,
                     wait_for: Duration,
                     gone: &mut Vec<(Process, Option<ExitCode>)>|
     -> Result<bool> {
        let code = match p.wait(Some(wait_for)) {
            Ok(code) => Some(code),
            Err(Error::TimeoutExpired { .. }) => None,
            Err(e) if e.is_no_such_process() => Some(None),
            Err(e) => return Err(e),
        };
        let ended = match code {
            Some(c) => Some(c),
            None if !p.is_running() => Some(None),
            None => None,
        };
        if let Some(code) = ended {
            if let Some(cb) = callback.as_mut() {
                cb(p, code);
            }
            gone.push((p.clone(), code));
            return Ok(true);
        }
        Ok(false)
    };

    while !alive.is_empty() {
        let slice = Duration::from_secs_f64(1.0 / alive.len() as f64);
        let mut still = Vec::with_capacity(alive.len());
        for p in &alive {
            let wait_for = match deadline {
                Some(d) => slice.min(d.saturating_duration_since(Instant::now())),
                None => slice,
            };
            if !check(p, wait_for, &mut gone)? {
                still.push(p.clone());
            }
        }
        alive = still;
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
    }
    // Last look at the survivors, without waiting.
    let mut still = Vec::with_capacity(alive.len());
    for p in &alive {
        if !check(p, Duration::ZERO, &mut gone)? {
            still.push(p.clone());
        }
    }
    Ok((gone, still))
}
