//! The interactive screen's state and its key handling: pure (keys in, state and
//! an [`Action`] out), so that every key is tested without a terminal.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::live::order::Tree;
use crate::live::query::{self, Query};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rpsutil::Pid;

use super::batch::{self, SortKey};
use super::collect::{Frame, Row};

/// Signals the kill prompt offers, in menu order (SIGTERM first: the default).
#[cfg(unix)]
pub const SIGNALS: &[(&str, i32)] = &[
    ("SIGTERM", libc::SIGTERM),
    ("SIGKILL", libc::SIGKILL),
    ("SIGINT", libc::SIGINT),
    ("SIGHUP", libc::SIGHUP),
    ("SIGQUIT", libc::SIGQUIT),
    ("SIGSTOP", libc::SIGSTOP),
    ("SIGCONT", libc::SIGCONT),
    ("SIGUSR1", libc::SIGUSR1),
    ("SIGUSR2", libc::SIGUSR2),
];

/// Windows: what psutil's `send_signal` accepts there (SIGTERM terminates the
/// process; the console events go to its process group).
#[cfg(windows)]
pub const SIGNALS: &[(&str, i32)] = &[
    ("SIGTERM", 15),
    ("CTRL_C_EVENT", 0),
    ("CTRL_BREAK_EVENT", 1),
];

/// What the screen is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The process list.
    Normal,
    /// Typing a filter (`\`): only matching processes are listed.
    Filter(String),
    /// Typing a search (`/`): the selection jumps to the next match.
    Search(String),
    /// The kill prompt: which processes, and the signal chosen in [`SIGNALS`].
    Kill {
        /// The processes that will get the signal, with their names as listed.
        targets: Vec<(Pid, String)>,
        /// Index in [`SIGNALS`].
        signal: usize,
    },
    /// The renice prompt for one process.
    Renice {
        /// The process.
        pid: Pid,
        /// Its name as listed.
        name: String,
        /// The value typed so far.
        input: String,
    },
    /// The help screen.
    Help,
}

/// What the event loop must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing beyond redrawing.
    None,
    /// Leave, restoring the terminal.
    Quit,
    /// Read a new frame now.
    Refresh,
    /// Send `signal` to these processes (through the frame's handles).
    Signal {
        /// Pids, as listed.
        pids: Vec<Pid>,
        /// The signal number.
        signal: i32,
    },
    /// Set the nice value of a process.
    Renice {
        /// The process.
        pid: Pid,
        /// The new nice value.
        value: i32,
    },
}

/// The screen's state.
#[derive(Debug, Clone)]
pub struct App {
    /// The last frame read.
    pub frame: Option<Frame>,
    /// The sort column.
    pub sort: SortKey,
    /// High to low.
    pub descending: bool,
    /// The filter in effect (`live::query`: `cpu > 5 and user = root`, or words
    /// matched in the name and command line), with its text.
    pub filter: Option<(String, Query)>,
    /// The tree view (`V`).
    pub tree: bool,
    /// Threads as rows (`H`).
    pub threads: bool,
    /// Extra columns (`--fields`).
    pub columns: Vec<super::collect::Column>,
    /// Processes whose children the tree hides (`-`, `+`).
    pub collapsed: HashSet<Pid>,
    /// Draw the tree with ASCII (`|-`) instead of box-drawing characters.
    pub ascii_tree: bool,
    /// The rows shown, in order: index in the frame's processes and the tree
    /// drawing before the command (empty outside the tree view).
    view: Vec<(usize, String)>,
    /// Tagged processes (Space): the kill prompt acts on them when there are any.
    pub tagged: BTreeSet<Pid>,
    /// The selected process (kept across frames by pid).
    pub selected: Option<Pid>,
    /// The first row shown (scrolling).
    pub offset: usize,
    /// Prompts, help.
    pub mode: Mode,
    /// `--readonly`: no signals, no renice.
    pub readonly: bool,
    /// Show command lines instead of names (`c`).
    pub full_command: bool,
    /// One line of feedback (errors of kill/renice, "read-only").
    pub message: Option<String>,
    /// Colours (off with NO_COLOR).
    pub color: bool,
}

impl App {
    /// A screen sorted by `sort`.
    pub fn new(sort: SortKey, descending: bool, readonly: bool, color: bool) -> App {
        App {
            frame: None,
            sort,
            descending,
            filter: None,
            tree: false,
            threads: false,
            columns: Vec::new(),
            collapsed: HashSet::new(),
            ascii_tree: false,
            view: Vec::new(),
            tagged: BTreeSet::new(),
            selected: None,
            offset: 0,
            mode: Mode::Normal,
            readonly,
            full_command: false,
            message: None,
            color,
        }
    }

    /// Takes a new frame: sorts it, keeps the selection on the same pid.
    pub fn set_frame(&mut self, mut frame: Frame) {
        batch::sort(&mut frame.processes, self.sort, self.descending);
        self.tagged
            .retain(|pid| frame.processes.iter().any(|r| r.pid == *pid));
        self.frame = Some(frame);
        self.rebuild();
        if self.selected.is_none_or(|p| self.row_index(p).is_none()) {
            self.selected = self.visible().first().map(|r| r.pid);
        }
    }

    /// Re-sorts the frame after the sort changed.
    fn resort(&mut self) {
        if let Some(f) = self.frame.as_mut() {
            batch::sort(&mut f.processes, self.sort, self.descending);
        }
        self.rebuild();
    }

    /// Recomputes the rows shown: the filter, and the tree when it is on (children
    /// under their parent, siblings in the sort order).
    fn rebuild(&mut self) {
        let Some(f) = &self.frame else {
            self.view.clear();
            return;
        };
        let passes = |r: &Row| self.filter.as_ref().is_none_or(|(_, q)| q.matches(r));
        if !self.tree {
            self.view = f
                .processes
                .iter()
                .enumerate()
                .filter(|(_, r)| passes(r))
                .map(|(i, _)| (i, String::new()))
                .collect();
            return;
        }
        let index: HashMap<Pid, usize> = f
            .processes
            .iter()
            .enumerate()
            .map(|(i, r)| (r.pid, i))
            .collect();
        let pairs: Vec<(u32, u32)> = f
            .processes
            .iter()
            .map(|r| (r.pid, r.ppid.unwrap_or(0)))
            .collect();
        let rank = |p: u32| index.get(&p).copied().unwrap_or(usize::MAX);
        self.view = Tree::build(&pairs)
            .with_ascii(self.ascii_tree)
            .lines(&self.collapsed, |a, b| rank(a).cmp(&rank(b)))
            .into_iter()
            .filter_map(|l| {
                let i = *index.get(&l.pid)?;
                let mark = if l.collapsed { "+" } else { "" };
                passes(&f.processes[i]).then(|| (i, format!("{}{mark}", l.prefix)))
            })
            .collect();
    }

    /// The rows shown, in order.
    pub fn visible(&self) -> Vec<&Row> {
        let Some(f) = &self.frame else {
            return Vec::new();
        };
        self.view
            .iter()
            .filter_map(|(i, _)| f.processes.get(*i))
            .collect()
    }

    /// The tree drawing of each shown row (empty strings outside the tree view).
    pub fn prefixes(&self) -> Vec<&str> {
        self.view.iter().map(|(_, p)| p.as_str()).collect()
    }

    /// The selected row's index among the visible rows.
    pub fn row_index(&self, pid: Pid) -> Option<usize> {
        self.visible().iter().position(|r| r.pid == pid)
    }

    fn selected_index(&self) -> usize {
        self.selected.and_then(|p| self.row_index(p)).unwrap_or(0)
    }

    fn select_index(&mut self, i: usize) {
        let rows = self.visible();
        if rows.is_empty() {
            self.selected = None;
            return;
        }
        let i = i.min(rows.len() - 1);
        self.selected = Some(rows[i].pid);
    }

    /// Keeps the selection inside a window of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let i = self.selected_index();
        if i < self.offset {
            self.offset = i;
        } else if height > 0 && i >= self.offset + height {
            self.offset = i + 1 - height;
        }
    }

    fn set_sort(&mut self, key: SortKey) {
        if self.sort == key {
            self.descending = !self.descending;
        } else {
            self.sort = key;
            self.descending = key.descending_by_default();
        }
        self.resort();
    }

    /// `root` and its descendants in the frame, breadth first (parents before
    /// children; a pid loop cannot repeat a pid).
    pub fn subtree(&self, root: Pid) -> Vec<Pid> {
        let Some(f) = &self.frame else {
            return vec![root];
        };
        let mut children: HashMap<Pid, Vec<Pid>> = HashMap::new();
        for r in &f.processes {
            if let Some(pp) = r.ppid.filter(|pp| *pp != r.pid) {
                children.entry(pp).or_default().push(r.pid);
            }
        }
        let mut out = vec![root];
        let mut seen: HashSet<Pid> = HashSet::from([root]);
        let mut i = 0;
        while i < out.len() {
            let mut kids = children.get(&out[i]).cloned().unwrap_or_default();
            kids.sort_unstable();
            for k in kids {
                if seen.insert(k) {
                    out.push(k);
                }
            }
            i += 1;
        }
        out
    }

    fn name_of(&self, pid: Pid) -> String {
        self.frame
            .as_ref()
            .and_then(|f| f.processes.iter().find(|r| r.pid == pid))
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }

    /// Handles one key.
    pub fn on_key(&mut self, key: KeyEvent) -> Action {
        // Ctrl-C quits from anywhere (raw mode turns SIGINT into this key).
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Action::Quit;
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => self.normal_key(key),
            Mode::Help => Action::None,
            Mode::Filter(text) => self.filter_key(key, text),
            Mode::Search(text) => self.search_key(key, text),
            Mode::Kill { targets, signal } => self.kill_key(key, targets, signal),
            Mode::Renice { pid, name, input } => self.renice_key(key, pid, name, input),
        }
    }

    fn normal_key(&mut self, key: KeyEvent) -> Action {
        self.message = None;
        let rows = self.visible().len();
        let i = self.selected_index();
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Action::Quit,
            KeyCode::Char('P') => self.set_sort(SortKey::Cpu),
            KeyCode::Char('M') => self.set_sort(SortKey::Mem),
            KeyCode::Char('T') => self.set_sort(SortKey::Time),
            KeyCode::Char('N') => self.set_sort(SortKey::Pid),
            KeyCode::Char('R') => {
                self.descending = !self.descending;
                self.resort();
            }
            KeyCode::Char('<') | KeyCode::Char('>') => {
                let order = COLUMN_ORDER;
                let at = order.iter().position(|k| *k == self.sort).unwrap_or(0);
                let next = if key.code == KeyCode::Char('<') {
                    (at + order.len() - 1) % order.len()
                } else {
                    (at + 1) % order.len()
                };
                self.sort = order[next];
                self.descending = self.sort.descending_by_default();
                self.resort();
            }
            KeyCode::Char('c') => self.full_command = !self.full_command,
            KeyCode::Char('?') | KeyCode::Char('h') => self.mode = Mode::Help,
            KeyCode::Char('/') => self.mode = Mode::Search(String::new()),
            KeyCode::Char('\\') => {
                let text = self
                    .filter
                    .as_ref()
                    .map(|(t, _)| t.clone())
                    .unwrap_or_default();
                self.mode = Mode::Filter(text);
            }
            KeyCode::Char('=') => {
                self.filter = None;
                self.tagged.clear();
                self.rebuild();
            }
            KeyCode::Char('V') => {
                self.tree = !self.tree;
                self.rebuild();
            }
            KeyCode::Char('H') => {
                self.threads = !self.threads;
                return Action::Refresh;
            }
            KeyCode::Char('-') | KeyCode::Char('+') => {
                if let Some(p) = self.selected {
                    if key.code == KeyCode::Char('-') {
                        self.collapsed.insert(p);
                    } else {
                        self.collapsed.remove(&p);
                    }
                    self.rebuild();
                }
            }
            KeyCode::Char(' ') => {
                if let Some(p) = self.selected {
                    if !self.tagged.remove(&p) {
                        self.tagged.insert(p);
                    }
                    self.select_index(i + 1);
                }
            }
            KeyCode::Char('u') | KeyCode::Char('U') => self.tagged.clear(),
            KeyCode::Char('k') => {
                if self.readonly {
                    self.message = Some("read-only: signals are disabled".into());
                } else {
                    let pids: Vec<Pid> = if self.tagged.is_empty() {
                        self.selected.into_iter().collect()
                    } else {
                        self.tagged.iter().copied().collect()
                    };
                    if !pids.is_empty() {
                        let targets = pids.iter().map(|p| (*p, self.name_of(*p))).collect();
                        self.mode = Mode::Kill { targets, signal: 0 };
                    }
                }
            }
            KeyCode::Char('K') => {
                // The selected process and every descendant, parents first.
                if self.readonly {
                    self.message = Some("read-only: signals are disabled".into());
                } else if let Some(root) = self.selected {
                    let pids = self.subtree(root);
                    let targets = pids.iter().map(|p| (*p, self.name_of(*p))).collect();
                    self.mode = Mode::Kill { targets, signal: 0 };
                }
            }
            KeyCode::Char('r') => {
                if self.readonly {
                    self.message = Some("read-only: renice is disabled".into());
                } else if let Some(pid) = self.selected {
                    let name = self.name_of(pid);
                    self.mode = Mode::Renice {
                        pid,
                        name,
                        input: String::new(),
                    };
                }
            }
            KeyCode::Down | KeyCode::Char('j') => self.select_index(i + 1),
            KeyCode::Up => self.select_index(i.saturating_sub(1)),
            KeyCode::PageDown => self.select_index(i + 20),
            KeyCode::PageUp => self.select_index(i.saturating_sub(20)),
            KeyCode::Home => self.select_index(0),
            KeyCode::End => self.select_index(rows.saturating_sub(1)),
            KeyCode::Enter => return Action::Refresh,
            _ => {}
        }
        Action::None
    }

    fn filter_key(&mut self, key: KeyEvent, mut text: String) -> Action {
        match key.code {
            KeyCode::Enter => match query::parse(&text) {
                Ok(q) if q.is_empty() => {
                    self.filter = None;
                    self.rebuild();
                }
                Ok(q) => {
                    self.filter = Some((text, q));
                    self.rebuild();
                    self.select_index(0);
                }
                Err(e) => {
                    self.message = Some(format!("filter: {e}"));
                    self.mode = Mode::Filter(text);
                }
            },
            KeyCode::Esc => {}
            KeyCode::Backspace => {
                text.pop();
                self.mode = Mode::Filter(text);
            }
            KeyCode::Char(c) => {
                text.push(c);
                self.mode = Mode::Filter(text);
            }
            _ => self.mode = Mode::Filter(text),
        }
        Action::None
    }

    fn search_key(&mut self, key: KeyEvent, mut text: String) -> Action {
        match key.code {
            KeyCode::Enter => {
                let q = match query::parse(&text) {
                    Ok(q) => q,
                    Err(e) => {
                        self.message = Some(format!("search: {e}"));
                        self.mode = Mode::Search(text);
                        return Action::None;
                    }
                };
                let start = self.selected_index();
                let rows = self.visible();
                let n = rows.len();
                let found = (1..=n)
                    .map(|k| (start + k) % n.max(1))
                    .find(|&j| rows.get(j).is_some_and(|r| q.matches(*r)));
                match found {
                    Some(j) => self.select_index(j),
                    None => self.message = Some(format!("{text:?} not found")),
                }
            }
            KeyCode::Esc => {}
            KeyCode::Backspace => {
                text.pop();
                self.mode = Mode::Search(text);
            }
            KeyCode::Char(c) => {
                text.push(c);
                self.mode = Mode::Search(text);
            }
            _ => self.mode = Mode::Search(text),
        }
        Action::None
    }

    fn kill_key(&mut self, key: KeyEvent, targets: Vec<(Pid, String)>, signal: usize) -> Action {
        match key.code {
            KeyCode::Enter | KeyCode::Char('y') => {
                let (_, number) = SIGNALS[signal.min(SIGNALS.len() - 1)];
                return Action::Signal {
                    pids: targets.iter().map(|(p, _)| *p).collect(),
                    signal: number,
                };
            }
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('q') => {}
            KeyCode::Left | KeyCode::Up => {
                let signal = (signal + SIGNALS.len() - 1) % SIGNALS.len();
                self.mode = Mode::Kill { targets, signal };
            }
            KeyCode::Right | KeyCode::Down | KeyCode::Tab => {
                let signal = (signal + 1) % SIGNALS.len();
                self.mode = Mode::Kill { targets, signal };
            }
            _ => self.mode = Mode::Kill { targets, signal },
        }
        Action::None
    }

    fn renice_key(&mut self, key: KeyEvent, pid: Pid, name: String, mut input: String) -> Action {
        match key.code {
            KeyCode::Enter => match input.trim().parse::<i32>() {
                Ok(value) => return Action::Renice { pid, value },
                Err(_) => self.message = Some(format!("not a nice value: {input:?}")),
            },
            KeyCode::Esc => {}
            KeyCode::Backspace => {
                input.pop();
                self.mode = Mode::Renice { pid, name, input };
            }
            KeyCode::Char(c) if c.is_ascii_digit() || c == '-' || c == '+' => {
                input.push(c);
                self.mode = Mode::Renice { pid, name, input };
            }
            _ => self.mode = Mode::Renice { pid, name, input },
        }
        Action::None
    }
}

/// The columns `<` and `>` move through, left to right as shown.
pub const COLUMN_ORDER: &[SortKey] = &[
    SortKey::Pid,
    SortKey::User,
    SortKey::Nice,
    SortKey::Virt,
    SortKey::Res,
    SortKey::Shr,
    SortKey::Cpu,
    SortKey::Mem,
    SortKey::Time,
    SortKey::Command,
];

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::cmd::top::collect::fixture;
    use crossterm::event::KeyEventState;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent {
            code: c,
            modifiers: KeyModifiers::NONE,
            kind: crossterm::event::KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    fn app() -> App {
        let mut a = App::new(SortKey::Cpu, true, false, false);
        a.set_frame(fixture());
        a
    }

    fn pids(a: &App) -> Vec<Pid> {
        a.visible().iter().map(|r| r.pid).collect()
    }

    #[test]
    fn sorting_keys() {
        let mut a = app();
        assert_eq!(pids(&a), [40000, 200, 3000, 1]);
        a.on_key(key(KeyCode::Char('M')));
        assert_eq!(pids(&a), [200, 40000, 1, 3000]);
        a.on_key(key(KeyCode::Char('M'))); // again: reversed
        assert_eq!(pids(&a), [3000, 1, 40000, 200]);
        a.on_key(key(KeyCode::Char('N')));
        assert_eq!(pids(&a), [1, 200, 3000, 40000]);
        a.on_key(key(KeyCode::Char('R')));
        assert_eq!(pids(&a), [40000, 3000, 200, 1]);
        a.on_key(key(KeyCode::Char('>'))); // PID -> USER
        assert_eq!(a.sort, SortKey::User);
        assert_eq!(pids(&a), [40000, 200, 1, 3000]);
    }

    #[test]
    fn filter_and_search() {
        let mut a = app();
        a.on_key(key(KeyCode::Char('\\')));
        for c in "SSH".chars() {
            a.on_key(key(KeyCode::Char(c)));
        }
        assert_eq!(a.mode, Mode::Filter("SSH".into()));
        a.on_key(key(KeyCode::Enter));
        assert_eq!(pids(&a), [3000]);
        assert_eq!(a.selected, Some(3000));
        a.on_key(key(KeyCode::Char('=')));
        assert_eq!(pids(&a).len(), 4);
        // Search moves the selection to the next match (a query here).
        a.on_key(key(KeyCode::Char('/')));
        for c in "user = alice".chars() {
            a.on_key(key(KeyCode::Char(c)));
        }
        a.on_key(key(KeyCode::Enter));
        assert_eq!(a.selected, Some(40000));
        a.on_key(key(KeyCode::Char('/')));
        a.on_key(key(KeyCode::Char('z')));
        a.on_key(key(KeyCode::Enter));
        assert_eq!(a.message.as_deref(), Some("\"z\" not found"));
    }

    #[test]
    fn kill_prompt_names_its_targets() {
        let mut a = app();
        a.on_key(key(KeyCode::Down)); // 200 postgres
        a.on_key(key(KeyCode::Char('k')));
        assert_eq!(
            a.mode,
            Mode::Kill {
                targets: vec![(200, "postgres".into())],
                signal: 0
            }
        );
        a.on_key(key(KeyCode::Right)); // SIGKILL
        assert_eq!(
            a.on_key(key(KeyCode::Enter)),
            Action::Signal {
                pids: vec![200],
                signal: libc::SIGKILL
            }
        );
        // Tagged processes are the targets when there are any.
        let mut a = app();
        a.on_key(key(KeyCode::Char(' '))); // tags 40000, moves to 200
        a.on_key(key(KeyCode::Down)); // 3000
        a.on_key(key(KeyCode::Char(' '))); // tags 3000
        a.on_key(key(KeyCode::Char('k')));
        let Mode::Kill { targets, .. } = &a.mode else {
            panic!("{:?}", a.mode)
        };
        assert_eq!(
            targets,
            &vec![(3000, "sshd".into()), (40000, "python3".into())]
        );
        // Esc cancels without a signal.
        assert_eq!(a.on_key(key(KeyCode::Esc)), Action::None);
        assert_eq!(a.mode, Mode::Normal);
    }

    #[test]
    fn kill_tree_targets_the_descendants() {
        let mut a = app();
        // In the fixture every process's parent is 1.
        a.selected = Some(1);
        a.on_key(key(KeyCode::Char('K')));
        let Mode::Kill { targets, .. } = &a.mode else {
            panic!("{:?}", a.mode)
        };
        let pids: Vec<Pid> = targets.iter().map(|(p, _)| *p).collect();
        assert_eq!(pids, [1, 200, 3000, 40000]);
        let mut a = app();
        a.selected = Some(200);
        a.on_key(key(KeyCode::Char('K')));
        let Mode::Kill { targets, .. } = &a.mode else {
            panic!("{:?}", a.mode)
        };
        assert_eq!(targets, &vec![(200, "postgres".to_string())]);
    }

    #[test]
    fn readonly_refuses_signals_and_renice() {
        let mut a = App::new(SortKey::Cpu, true, true, false);
        a.set_frame(fixture());
        assert_eq!(a.on_key(key(KeyCode::Char('k'))), Action::None);
        assert_eq!(a.mode, Mode::Normal);
        assert!(a.message.as_deref().unwrap_or("").contains("read-only"));
        a.on_key(key(KeyCode::Char('r')));
        assert_eq!(a.mode, Mode::Normal);
    }

    #[test]
    fn renice_prompt() {
        let mut a = app();
        a.on_key(key(KeyCode::Char('r')));
        for c in "-5".chars() {
            a.on_key(key(KeyCode::Char(c)));
        }
        a.on_key(key(KeyCode::Char('x'))); // ignored
        assert_eq!(
            a.on_key(key(KeyCode::Enter)),
            Action::Renice {
                pid: 40000,
                value: -5
            }
        );
    }

    #[test]
    fn selection_follows_the_pid_across_frames() {
        let mut a = app();
        a.on_key(key(KeyCode::Down));
        a.on_key(key(KeyCode::Down));
        assert_eq!(a.selected, Some(3000));
        let mut f = fixture();
        f.processes.retain(|r| r.pid != 200);
        a.set_frame(f);
        assert_eq!(a.selected, Some(3000));
        a.scroll_into_view(1);
        assert_eq!(a.offset, 1);
        assert_eq!(a.on_key(key(KeyCode::Char('q'))), Action::Quit);
    }
}
