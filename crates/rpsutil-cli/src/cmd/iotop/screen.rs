//! The screen of `rpsutil iotop` and `rpsutil nettop`: their frames' text, full
//! screen, refreshed; scrolling, `q` to quit, and the tool's own toggles.
//!
//! The terminal is restored on every way out, as `rpsutil top`'s (the same signal
//! handling: SIGTERM and SIGHUP stop the loop).

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::live::Timed;
use crate::error::CliResult;

/// The toggles a key flips (iotop's `o` and `a`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Toggles {
    /// Only rows doing I/O (`o`).
    pub only: bool,
    /// Accumulated bytes instead of rates (`a`).
    pub accumulated: bool,
}

/// What the screen needs from a tool.
pub struct Tool<'a, S> {
    /// Reads a sample.
    pub collect: &'a mut dyn FnMut() -> CliResult<S>,
    /// Two samples (previous, current) to the frame's lines.
    pub render: &'a mut dyn FnMut(&S, &S, Toggles) -> Vec<String>,
    /// The keys line at the bottom.
    pub keys: &'a str,
    /// Whether `o` and `a` mean something.
    pub toggles: bool,
}

/// Runs the screen until `q`, `count` frames, or SIGTERM/SIGHUP.
pub fn run<S: Timed>(
    tool: Tool<'_, S>,
    delay: Duration,
    count: Option<u64>,
    mut toggles: Toggles,
) -> CliResult {
    crate::cmd::top::with_terminal(|terminal| {
        let mut prev = (tool.collect)()?;
        let mut lines: Vec<String> = vec!["reading the first frame...".into()];
        let mut next = Instant::now() + delay;
        let mut shown = 0u64;
        let mut offset = 0usize;
        let mut dirty = true;
        loop {
            if crate::cmd::top::stopped() {
                return Ok(());
            }
            if Instant::now() >= next {
                let cur = (tool.collect)()?;
                lines = (tool.render)(&prev, &cur, toggles);
                prev = cur;
                shown += 1;
                next = Instant::now() + delay;
                dirty = true;
            }
            if dirty {
                terminal.draw(|f| {
                    let [body, foot] =
                        Layout::vertical([Constraint::Min(1), Constraint::Length(1)])
                            .areas(f.area());
                    let shown_lines: Vec<Line> = lines
                        .iter()
                        .skip(offset)
                        .take(usize::from(body.height))
                        .map(|l| Line::raw(l.clone()))
                        .collect();
                    f.render_widget(Paragraph::new(shown_lines), body);
                    let mut state = String::new();
                    if tool.toggles {
                        state = format!(
                            "{}{}",
                            if toggles.only { "only active  " } else { "" },
                            if toggles.accumulated {
                                "accumulated  "
                            } else {
                                ""
                            }
                        );
                    }
                    f.render_widget(
                        Paragraph::new(Line::styled(
                            format!("{state}{}", tool.keys),
                            Style::default().add_modifier(Modifier::REVERSED),
                        )),
                        foot,
                    );
                })?;
                dirty = false;
            }
            if count.is_some_and(|n| shown >= n) {
                return Ok(());
            }
            let Some(ev) = crate::cmd::top::next_event(next)? else {
                continue;
            };
            dirty = true;
            if let Event::Key(k) = ev {
                if k.kind != KeyEventKind::Press {
                    continue;
                }
                let ctrl_c =
                    k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c');
                match k.code {
                    _ if ctrl_c => return Ok(()),
                    KeyCode::Char('q') | KeyCode::Esc => return Ok(()),
                    KeyCode::Char('o') if tool.toggles => {
                        toggles.only = !toggles.only;
                        next = Instant::now();
                    }
                    KeyCode::Char('a') if tool.toggles => {
                        toggles.accumulated = !toggles.accumulated;
                        next = Instant::now();
                    }
                    KeyCode::Down => offset = (offset + 1).min(lines.len().saturating_sub(1)),
                    KeyCode::Up => offset = offset.saturating_sub(1),
                    KeyCode::PageDown => offset = (offset + 20).min(lines.len().saturating_sub(1)),
                    KeyCode::PageUp => offset = offset.saturating_sub(20),
                    KeyCode::Home => offset = 0,
                    _ => {}
                }
            }
        }
    })
}
