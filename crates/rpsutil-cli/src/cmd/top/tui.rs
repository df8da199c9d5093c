//! The interactive loop: terminal set-up and restore, keys, refreshes.
//!
//! The terminal is restored on every way out: `q`, Ctrl-C (raw mode turns it into
//! a key), an error, a panic (ratatui's panic hook), and SIGTERM/SIGHUP (a handler
//! sets a flag the loop polls at least every 100 ms).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyEventKind};

use super::app::{Action, App};
use super::collect::{Collector, Row};
use super::screen;
use super::Stats;
use crate::error::CliResult;

static STOP: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_signal(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    STOP.store(true, Ordering::Relaxed);
}

/// Waits for an input event until `next` (at most 100 ms, so that a stop request
/// is seen quickly); None when the time ran out first.
///
/// The wait itself is a poll(2) on the terminal, not crossterm's: at the end of
/// input (the terminal hung up: its window closed, `tmux kill-session`) crossterm
/// 0.29's reader loops on `read` returning 0 and never comes back, so it is
/// entered only when input is waiting (or buffered in it), never on a hung-up
/// terminal; a hang-up stops the screen as SIGHUP would (which does not always
/// come).
pub(crate) fn next_event(next: Instant) -> CliResult<Option<Event>> {
    let wait = next
        .saturating_duration_since(Instant::now())
        .min(Duration::from_millis(100));
    match wait_for_input(Duration::ZERO) {
        Input::HungUp => return stop_now(),
        // Keys crossterm read ahead are in its queue, not on the terminal.
        _ if event::poll(Duration::ZERO)? => return Ok(Some(event::read()?)),
        _ => {}
    }
    match wait_for_input(wait) {
        Input::HungUp => stop_now(),
        Input::Ready if event::poll(Duration::ZERO)? => Ok(Some(event::read()?)),
        Input::Ready | Input::Quiet => Ok(None),
        // Not a terminal on standard input: crossterm reads /dev/tty itself.
        Input::Unknown => Ok(event::poll(wait)?.then(event::read).transpose()?),
    }
}

/// Ends the screen: as a SIGHUP would.
fn stop_now() -> CliResult<Option<Event>> {
    STOP.store(true, Ordering::Relaxed);
    Ok(None)
}

/// What standard input has to offer.
// Windows reads keys through crossterm only (`Unknown`).
#[cfg_attr(not(unix), allow(dead_code))]
enum Input {
    /// Bytes to read.
    Ready,
    /// Nothing within the wait.
    Quiet,
    /// The terminal hung up (POLLHUP, POLLERR or POLLNVAL).
    HungUp,
    /// Standard input is not a terminal.
    Unknown,
}

/// poll(2) on standard input for up to `wait`.
#[cfg(unix)]
fn wait_for_input(wait: Duration) -> Input {
    // SAFETY: isatty only inspects the descriptor.
    if unsafe { libc::isatty(0) } != 1 {
        return Input::Unknown;
    }
    let mut fd = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = libc::c_int::try_from(wait.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: poll reads and writes one pollfd, `fd`.
    let n = unsafe { libc::poll(&mut fd, 1, ms) };
    if n <= 0 {
        // Timeout, or EINTR (a signal: the caller checks the stop flag).
        Input::Quiet
    } else if fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        Input::HungUp
    } else {
        Input::Ready
    }
}

#[cfg(not(unix))]
fn wait_for_input(_: Duration) -> Input {
    Input::Unknown
}

/// True once SIGTERM or SIGHUP asked the screen to stop.
pub(crate) fn stopped() -> bool {
    STOP.load(Ordering::Relaxed)
}

#[cfg(not(unix))]
pub(crate) fn catch_signals() {
    // Windows: closing the console ends the process; Ctrl-C arrives as a key.
}

/// Makes SIGTERM and SIGHUP set the flag [`stopped`] reads (the screens restore
/// the terminal and return).
#[cfg(unix)]
pub(crate) fn catch_signals() {
    for sig in [libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installing a handler that only stores to an atomic.
        unsafe {
            libc::signal(
                sig,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
        }
    }
}

/// Runs `screen` on the terminal (raw mode, alternate screen) and restores it
/// however `screen` ends: the set-up every live screen shares.
pub(crate) fn with_terminal(
    screen: impl FnOnce(&mut ratatui::DefaultTerminal) -> CliResult,
) -> CliResult {
    catch_signals();
    let mut terminal = ratatui::init();
    let result = screen(&mut terminal);
    ratatui::restore();
    result
}

/// Runs the screen until the user quits, `iterations` frames were shown, or a
/// signal asks to stop. `keep` applies the command line's -p and -u to every frame.
pub fn run(
    mut app: App,
    delay: Duration,
    iterations: Option<u64>,
    collector: &mut Collector,
    keep: &dyn Fn(&Row) -> bool,
    stats: &mut Stats,
) -> CliResult {
    with_terminal(|terminal| {
        event_loop(
            terminal, &mut app, delay, iterations, collector, keep, stats,
        )
    })
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    delay: Duration,
    iterations: Option<u64>,
    collector: &mut Collector,
    keep: &dyn Fn(&Row) -> bool,
    stats: &mut Stats,
) -> CliResult {
    // The first frame after a real interval (at most a second), as in batch mode.
    let mut next = Instant::now() + delay.min(Duration::from_secs(1));
    let mut shown = 0u64;
    // Drawn again only after a new frame, a key or a resize: an idle screen costs
    // nothing between refreshes.
    let mut dirty = true;
    loop {
        if STOP.load(Ordering::Relaxed) {
            return Ok(());
        }
        let now = Instant::now();
        let fresh = now >= next;
        dirty |= fresh;
        if fresh {
            let cmdline = app.full_command
                || matches!(
                    app.mode,
                    super::app::Mode::Search(_) | super::app::Mode::Filter(_)
                )
                || app
                    .filter
                    .as_ref()
                    .is_some_and(|(_, q)| super::reads_cmdline(q));
            let mut frame = collector.frame(cmdline, app.threads, &app.columns)?;
            frame.processes.retain(|r| keep(r));
            app.set_frame(frame);
            shown += 1;
            next = Instant::now() + delay;
        }
        if dirty {
            let size = terminal.size()?;
            app.scroll_into_view(screen::table_rows(app, size.height).max(1));
            terminal.draw(|f| screen::draw(f, app))?;
            dirty = false;
        }
        if fresh {
            // Reading, sorting and drawing the new frame.
            stats.add(now.elapsed());
        }
        if iterations.is_some_and(|n| shown >= n) {
            return Ok(());
        }
        let Some(ev) = next_event(next)? else {
            continue;
        };
        dirty = true;
        match ev {
            Event::Key(k) if k.kind == KeyEventKind::Press => match app.on_key(k) {
                Action::Quit => return Ok(()),
                Action::Refresh => next = Instant::now(),
                Action::None => {}
                Action::Signal { pids, signal } => {
                    app.message = Some(send(app, &pids, signal));
                    next = Instant::now();
                }
                Action::Renice { pid, value } => {
                    let handle = app
                        .frame
                        .as_ref()
                        .and_then(|f| f.handles.get(&pid).cloned());
                    app.message = Some(match handle.map(|h| h.set_nice(value)) {
                        Some(Ok(())) => format!("pid {pid}: nice {value}"),
                        Some(Err(e)) => format!("pid {pid}: {e}"),
                        None => format!("pid {pid}: no longer listed"),
                    });
                    next = Instant::now();
                }
            },
            // Resizes and the rest: redraw.
            _ => {}
        }
    }
}

/// Sends `signal` to each pid through the handle the frame listed it with (the
/// library checks the process is still that one: no signal reaches a process that
/// reused the pid). Returns the line to show.
fn send(app: &App, pids: &[rpsutil::Pid], signal: i32) -> String {
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for pid in pids {
        let handle = app.frame.as_ref().and_then(|f| f.handles.get(pid));
        match handle.map(|h| h.send_signal(signal)) {
            Some(Ok(())) => done.push(pid.to_string()),
            Some(Err(e)) => failed.push(format!("{pid}: {e}")),
            None => failed.push(format!("{pid}: no longer listed")),
        }
    }
    let mut msg = String::new();
    if !done.is_empty() {
        msg.push_str(&format!("signal {signal} sent to {}", done.join(", ")));
    }
    if !failed.is_empty() {
        if !msg.is_empty() {
            msg.push_str("; ");
        }
        msg.push_str(&failed.join("; "));
    }
    msg
}
