//! Drawing the interactive screen: [`App`] in, a ratatui buffer out (pure; the
//! tests draw into ratatui's in-memory backend).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use rpsutil::SystemCpuTimes;

use super::app::{App, Mode, SIGNALS};
use super::batch::{self, SortKey};

/// The help screen's text.
const HELP: &[&str] = &[
    "rpsutil top: keys",
    "",
    "  P M T N     sort by %CPU, %MEM, TIME+, PID (again: reverse)",
    "  < >         sort by the column to the left / right",
    "  R           reverse the sort",
    "  c           command line / name",
    "  V           tree view (- collapses, + expands the selected process)",
    "  H           threads as rows",
    "  /           search (Enter: next match)",
    "  \\           filter: only processes whose name, command or user contain it",
    "  =           clear the filter and the tags",
    "  Space       tag / untag the selected process      u  untag all",
    "  k           send a signal to the tagged processes, or to the selected one",
    "  K           send a signal to the selected process and all its descendants",
    "  r           renice the selected process",
    "  Up Down PgUp PgDn Home End   move",
    "  Enter       refresh now",
    "  q Esc       quit                                   ? h  this help",
    "",
    "Memory: used = total - available (as psutil and procps 4).",
    "Press any key to return.",
];

fn style(app: &App, color: Color) -> Style {
    if app.color {
        Style::default().fg(color)
    } else {
        Style::default()
    }
}

/// One bar `label [|||||    ] text`, its parts `(percent, colour)` drawn in order.
/// Every bar is as wide (half the screen), so that they line up.
fn bar<'a>(app: &App, label: &str, parts: &[(f64, Color)], text: String, width: u16) -> Line<'a> {
    let inner = (usize::from(width).saturating_sub(label.len() + 3) / 2).max(4);
    let mut spans = vec![Span::raw(format!("{label}["))];
    let mut used = 0usize;
    for (pct, color) in parts {
        let n = ((pct.clamp(0.0, 100.0) / 100.0) * inner as f64).round() as usize;
        let n = n.min(inner - used);
        used += n;
        spans.push(Span::styled("|".repeat(n), style(app, *color)));
    }
    spans.push(Span::raw(" ".repeat(inner - used)));
    spans.push(Span::raw(format!("] {text}")));
    Line::from(spans)
}

fn cpu_parts(t: &SystemCpuTimes) -> Vec<(f64, Color)> {
    let o = |v: Option<f64>| v.unwrap_or(0.0);
    vec![
        (t.user + o(t.nice), Color::Green),
        (t.system + o(t.irq) + o(t.softirq), Color::Red),
        (o(t.iowait), Color::Blue),
        (o(t.steal), Color::Magenta),
    ]
}

fn busy(t: &SystemCpuTimes) -> f64 {
    (100.0 - t.idle - t.iowait.unwrap_or(0.0)).max(0.0)
}

/// How many lines [`summary`] has, without formatting them (the event loop asks
/// before every draw).
pub fn summary_len(app: &App) -> usize {
    let Some(f) = &app.frame else {
        return 1;
    };
    2 + f.cpu_times_percent_percpu.as_ref().map_or(0, Vec::len)
        + usize::from(f.cpu_times_percent.is_some())
        + 1
        + usize::from(f.swap_memory.is_some())
}

/// The summary lines above the table.
pub fn summary(app: &App, width: u16) -> Vec<Line<'static>> {
    let Some(f) = &app.frame else {
        return vec![Line::raw("reading the first frame...")];
    };
    let head = batch::header(f);
    let mut lines = vec![Line::raw(head[0].clone()), Line::raw(head[1].clone())];
    if let Some(per) = &f.cpu_times_percent_percpu {
        for (i, t) in per.iter().enumerate() {
            lines.push(bar(
                app,
                &format!("cpu{i:<3}"),
                &cpu_parts(t),
                format!("{:5.1}%", busy(t)),
                width,
            ));
        }
    }
    if let Some(t) = &f.cpu_times_percent {
        lines.push(bar(
            app,
            "total ",
            &cpu_parts(t),
            format!(
                "{:5.1}% (us {:.1} sy {:.1} wa {:.1} st {:.1})",
                busy(t),
                t.user,
                t.system,
                t.iowait.unwrap_or(0.0),
                t.steal.unwrap_or(0.0)
            ),
            width,
        ));
    }
    let m = &f.virtual_memory;
    let gib = |b: u64| b as f64 / 1_073_741_824.0;
    let used_pct = if m.total > 0 {
        m.used as f64 / m.total as f64 * 100.0
    } else {
        0.0
    };
    lines.push(bar(
        app,
        "Mem   ",
        &[(used_pct, Color::Green)],
        format!(
            "{:.1}G/{:.1}G used (total - available), {:.1}G available",
            gib(m.used),
            gib(m.total),
            gib(m.available)
        ),
        width,
    ));
    if let Some(s) = &f.swap_memory {
        lines.push(bar(
            app,
            "Swap  ",
            &[(s.percent, Color::Red)],
            format!("{:.1}G/{:.1}G used", gib(s.used), gib(s.total)),
            width,
        ));
    }
    lines
}

fn sort_name(k: SortKey) -> &'static str {
    match k {
        SortKey::Cpu => "%CPU",
        SortKey::Mem => "%MEM",
        SortKey::Pid => "PID",
        SortKey::Time => "TIME+",
        SortKey::User => "USER",
        SortKey::Command => "COMMAND",
        SortKey::Virt => "VIRT",
        SortKey::Res => "RES",
        SortKey::Shr => "SHR",
        SortKey::Nice => "NI",
        SortKey::Ppid => "PPID",
        SortKey::Threads => "nTH",
    }
}

/// The bottom line: a prompt, a message, or the key hints.
pub fn footer(app: &App) -> Line<'static> {
    match &app.mode {
        Mode::Filter(t) => Line::raw(format!("filter: {t}_")),
        Mode::Search(t) => Line::raw(format!("search: {t}_")),
        Mode::Kill { targets, signal } => {
            let (name, number) = SIGNALS[(*signal).min(SIGNALS.len() - 1)];
            let who: Vec<String> = targets
                .iter()
                .take(4)
                .map(|(p, n)| format!("{p} ({n})"))
                .collect();
            let more = targets.len().saturating_sub(4);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            Line::raw(format!(
                "send {name} ({number}) to pid {}{more}? Enter: send  Left/Right: signal  Esc: cancel",
                who.join(", ")
            ))
        }
        Mode::Renice { pid, name, input } => Line::raw(format!(
            "renice pid {pid} ({name}) to: {input}_  (Enter, Esc)"
        )),
        _ => match &app.message {
            Some(m) => Line::raw(m.clone()),
            None => Line::raw(format!(
                "sort {}{}  {}{}q quit  ? help  / search  \\ filter  k kill  r renice  Space tag",
                sort_name(app.sort),
                if app.descending { "↓" } else { "↑" },
                app.filter
                    .as_ref()
                    .map_or(String::new(), |f| format!("filter {f:?}  ")),
                if app.readonly { "read-only  " } else { "" },
            )),
        },
    }
}

/// How many process rows fit on a screen `height` lines high (the summary, the
/// column header and the footer take the rest).
pub fn table_rows(app: &App, height: u16) -> usize {
    let head = summary_len(app).min(usize::from(height.saturating_sub(3)));
    usize::from(height).saturating_sub(head + 2)
}

/// Draws the whole screen; `app.offset` must already keep the selection visible.
pub fn draw(f: &mut ratatui::Frame, app: &App) {
    let area = f.area();
    let summary = summary(app, area.width);
    let head = u16::try_from(summary.len())
        .unwrap_or(u16::MAX)
        .min(area.height.saturating_sub(3));
    let [top, table, bottom] = Layout::vertical([
        Constraint::Length(head),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(summary), top);
    draw_table(f, app, table);
    f.render_widget(Paragraph::new(footer(app)), bottom);
    if app.mode == Mode::Help {
        let h = u16::try_from(HELP.len() + 2)
            .unwrap_or(u16::MAX)
            .min(area.height);
        let w = 84.min(area.width);
        let r = Rect::new(area.x, area.y, w, h);
        f.render_widget(Clear, r);
        let lines: Vec<Line> = HELP.iter().map(|l| Line::raw(*l)).collect();
        f.render_widget(
            Paragraph::new(lines).block(ratatui::widgets::Block::bordered()),
            r,
        );
    }
}

fn draw_table(f: &mut ratatui::Frame, app: &App, area: Rect) {
    let body = usize::from(area.height).saturating_sub(1);
    // Only the rows on screen are formatted (a thousand processes, a screenful shown).
    let shown: Vec<_> = app
        .visible()
        .into_iter()
        .skip(app.offset)
        .take(body)
        .cloned()
        .collect();
    let prefixes: Vec<&str> = app
        .prefixes()
        .into_iter()
        .skip(app.offset)
        .take(body)
        .collect();
    let pid_w = app.frame.as_ref().map_or(7, |fr| {
        fr.processes
            .iter()
            .map(|r| r.pid)
            .max()
            .unwrap_or(0)
            .to_string()
            .len()
            .max(5)
    });
    let text = batch::table(&shown, pid_w, app.full_command, &prefixes, &app.columns);
    let width = usize::from(area.width);
    let mut lines = Vec::with_capacity(usize::from(area.height));
    let header = Style::default().add_modifier(Modifier::REVERSED);
    lines.push(Line::styled(batch::fit(&text[0], width), header));
    for (i, row) in shown.iter().enumerate() {
        let mut s = batch::fit(&text[i + 1], width);
        // A tagged row starts with '*' where the pid column has room for it.
        if app.tagged.contains(&row.pid) && s.starts_with(' ') {
            s.replace_range(0..1, "*");
        }
        let mut st = Style::default();
        if app.tagged.contains(&row.pid) {
            st = st.add_modifier(Modifier::BOLD);
            if app.color {
                st = st.fg(Color::Yellow);
            }
        }
        if app.selected == Some(row.pid) {
            st = st.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::styled(s, st));
    }
    f.render_widget(Paragraph::new(lines), area);
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::cmd::top::collect::fixture;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    /// The screen as text, the clock masked (the header's time is local time).
    fn render(app: &App, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        t.draw(|f| draw(f, app)).expect("draw");
        let text = t.backend().to_string();
        let re_free: String = text
            .lines()
            .map(|l| {
                let l = l.trim_start_matches('"').trim_end_matches('"');
                match l.find("top - ") {
                    Some(i) if l.len() >= i + 14 => {
                        format!("{}top - ##:##:##{}", &l[..i], &l[i + 14..])
                    }
                    _ => l.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        re_free
    }

    fn app() -> App {
        let mut a = App::new(SortKey::Cpu, true, false, false);
        a.set_frame(fixture());
        a
    }

    #[test]
    fn screen_120x30() {
        insta::assert_snapshot!(render(&app(), 120, 30));
    }

    #[test]
    fn screen_80x16_with_kill_prompt_and_tag() {
        let mut a = app();
        a.tagged.insert(200);
        a.mode = Mode::Kill {
            targets: vec![(200, "postgres".into())],
            signal: 1,
        };
        insta::assert_snapshot!(render(&a, 80, 16));
    }

    #[test]
    fn help_screen() {
        let mut a = app();
        a.mode = Mode::Help;
        insta::assert_snapshot!(render(&a, 100, 24));
    }

    #[test]
    fn summary_len_counts_the_summary() {
        let mut a = app();
        assert_eq!(summary_len(&a), summary(&a, 120).len());
        a.frame = None;
        assert_eq!(summary_len(&a), summary(&a, 120).len());
    }

    #[test]
    fn tiny_terminal_does_not_panic() {
        for (w, h) in [(1, 1), (10, 3), (20, 5), (2, 40)] {
            let _ = render(&app(), w, h);
        }
    }
}
