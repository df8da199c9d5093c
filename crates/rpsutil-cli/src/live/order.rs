//! The order of the viewer's rows: sorting by a column, and the process tree
//! (parents above their children, indented, with collapsible branches).

use std::cmp::Ordering;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use super::fields::{Fields, Value};

/// Sorts `rows` by the field `key`, in place.
///
/// Numbers sort numerically and texts by their lower-cased form (numbers before
/// texts, should a field hold both); `descending` reverses that order. Rows whose
/// field is Missing (or not a number: NaN) come last whatever the direction: an
/// unreadable value is not "the largest". Equal keys are ordered by pid ascending
/// (rows without a pid last), so that equal rows do not swap places from one frame
/// to the next. An unknown `key` is Missing for every row: the order is by pid.
///
/// Each row's field is read once (not once per comparison).
///
/// ```ignore
/// sort_rows(&mut rows, "cpu", true); // busiest first, unreadable ones at the end
/// ```
pub fn sort_rows<R: Fields>(rows: &mut [R], key: &str, descending: bool) {
    rows.sort_by_cached_key(|row| SortKey {
        value: Present::of(row.field(key)),
        pid: match row.field("pid") {
            Value::Num(p) if !p.is_nan() => Some(p),
            _ => None,
        },
        descending,
    });
}

/// A readable value to sort by.
enum Present {
    Num(f64),
    /// Lower-cased.
    Text(String),
}

impl Present {
    fn of(v: Value) -> Option<Present> {
        match v {
            Value::Num(x) if !x.is_nan() => Some(Present::Num(x)),
            Value::Num(_) | Value::Missing => None,
            Value::Text(s) => Some(Present::Text(s.to_lowercase())),
        }
    }

    fn cmp(&self, other: &Present) -> Ordering {
        match (self, other) {
            (Present::Num(a), Present::Num(b)) => a.total_cmp(b),
            (Present::Num(_), Present::Text(_)) => Ordering::Less,
            (Present::Text(_), Present::Num(_)) => Ordering::Greater,
            (Present::Text(a), Present::Text(b)) => a.cmp(b),
        }
    }
}

/// One row's place in the order: its value (None when Missing), then its pid.
/// `descending` is the same in every key of one sort.
struct SortKey {
    value: Option<Present>,
    pid: Option<f64>,
    descending: bool,
}

impl Ord for SortKey {
    fn cmp(&self, other: &SortKey) -> Ordering {
        let by_value = match (&self.value, &other.value) {
            (Some(a), Some(b)) if self.descending => b.cmp(a),
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        by_value.then_with(|| match (self.pid, other.pid) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &SortKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SortKey {
    fn eq(&self, other: &SortKey) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SortKey {}

/// Lines deeper than this draw only their nearest levels after a marker: a
/// terminal shows no more than a couple of hundred columns, and drawing every
/// level of a 10,000-deep chain would cost 10,000 × 10,000 × 3 bytes.
const MAX_DRAWN_LEVELS: usize = 64;

/// The pieces a tree prefix is drawn with.
struct Glyphs {
    /// Before a process that has a later sibling.
    branch: &'static str,
    /// Before the last child of its parent.
    last: &'static str,
    /// Below an ancestor that has a later sibling: its line goes on.
    through: &'static str,
    /// Below an ancestor that was the last child.
    blank: &'static str,
    /// In place of the levels not drawn (deeper than [`MAX_DRAWN_LEVELS`]).
    elided: &'static str,
}

const UNICODE: Glyphs = Glyphs {
    branch: "├─ ",
    last: "└─ ",
    through: "│  ",
    blank: "   ",
    elided: "…  ",
};
const ASCII: Glyphs = Glyphs {
    branch: "|- ",
    last: "`- ",
    through: "|  ",
    blank: "   ",
    elided: "...",
};

/// One line of the tree view, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeLine {
    /// The process.
    pub pid: u32,
    /// 0 for a root, 1 for its children...
    pub depth: usize,
    /// What to draw before the process's columns: empty for a root, else the
    /// guides of its ancestors' levels and its own branch (`├─ `, `└─ `), 3
    /// columns a level; lines deeper than 64 levels draw their 64 nearest levels,
    /// the first being `…  ` (`...`).
    pub prefix: String,
    /// Whether the process has children in the tree (shown or not).
    pub has_children: bool,
    /// Whether its children are hidden: it has some and is in the `collapsed` set.
    pub collapsed: bool,
}

/// The process tree: who is whose parent, from `(pid, ppid)` pairs.
///
/// A root is a process whose parent is not in the list, pid 0, or a process that
/// is its own parent. A parent chain that loops (pid reuse can make one: a process
/// whose parent ended and whose pid a descendant's child got) is cut at its
/// smallest pid, which becomes a root; so every process is in the tree exactly
/// once.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    roots: Vec<u32>,
    children: HashMap<u32, Vec<u32>>,
    /// Each process's parent in the tree (absent for a root).
    parent: HashMap<u32, u32>,
    ascii: bool,
}

impl Tree {
    /// Builds the tree of `rows`, `(pid, ppid)` pairs in any order. A pid listed
    /// twice keeps its first pair. Iterative: any depth is fine.
    ///
    /// ```ignore
    /// let tree = Tree::build(&[(1, 0), (100, 1), (101, 100)]);
    /// ```
    pub fn build(rows: &[(u32, u32)]) -> Tree {
        let mut listed: HashMap<u32, u32> = HashMap::with_capacity(rows.len());
        let mut order = Vec::with_capacity(rows.len());
        for &(pid, ppid) in rows {
            if let Entry::Vacant(slot) = listed.entry(pid) {
                slot.insert(ppid);
                order.push(pid);
            }
        }
        let mut parent: HashMap<u32, u32> = order
            .iter()
            .filter_map(|&pid| {
                let ppid = *listed.get(&pid)?;
                (pid != 0 && ppid != pid && listed.contains_key(&ppid)).then_some((pid, ppid))
            })
            .collect();
        break_cycles(&order, &mut parent);

        let mut tree = Tree {
            parent,
            ..Tree::default()
        };
        for &pid in &order {
            match tree.parent.get(&pid) {
                Some(&ppid) => tree.children.entry(ppid).or_default().push(pid),
                None => tree.roots.push(pid),
            }
        }
        tree
    }

    /// This tree drawing its prefixes in ASCII (`|- `, `` `- ``, `|  `) when
    /// `ascii` is true, for terminals without the box-drawing characters; in
    /// Unicode (`├─ `, `└─ `, `│  `) otherwise, the default.
    pub fn with_ascii(mut self, ascii: bool) -> Tree {
        self.ascii = ascii;
        self
    }

    /// The parent of `pid` in the tree; `None` for a root (even when its ppid is
    /// known but absent or cut from a loop) and for a pid not in the tree.
    #[cfg(test)]
    pub fn parent(&self, pid: u32) -> Option<u32> {
        self.parent.get(&pid).copied()
    }

    /// The number of processes in the tree.
    pub fn len(&self) -> usize {
        self.roots.len() + self.parent.len()
    }

    /// Whether the tree has no process.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The tree's lines in display order: each root, then its children ordered by
    /// `sort` (roots too are ordered by it), each followed by its own descendants.
    /// A process in `collapsed` is shown but its descendants are not.
    ///
    /// ```ignore
    /// let lines = tree.lines(&HashSet::new(), |a, b| a.cmp(&b)); // by pid
    /// ```
    pub fn lines(
        &self,
        collapsed: &HashSet<u32>,
        sort: impl Fn(u32, u32) -> Ordering,
    ) -> Vec<TreeLine> {
        let glyphs = if self.ascii { &ASCII } else { &UNICODE };
        let mut out = Vec::with_capacity(self.len());
        let mut roots = self.roots.clone();
        roots.sort_by(|a, b| sort(*a, *b));
        // Depth-first with an explicit stack of sibling lists and the next index in
        // each: no recursion, so a 10,000-deep chain needs no deep call stack.
        let mut stack: Vec<(Vec<u32>, usize)> = vec![(roots, 0)];
        // is_last[k]: whether the process at depth k + 1 on the current path is its
        // parent's last child (then nothing is drawn below it at its level).
        let mut is_last: Vec<bool> = Vec::new();
        while let Some((siblings, next)) = stack.last_mut() {
            let Some(&pid) = siblings.get(*next) else {
                stack.pop();
                continue;
            };
            *next += 1;
            let last = *next == siblings.len();
            let depth = stack.len() - 1;
            if depth > 0 {
                is_last.truncate(depth - 1);
                is_last.push(last);
            }
            let kids = self.children.get(&pid).filter(|k| !k.is_empty());
            let hidden = kids.is_some() && collapsed.contains(&pid);
            out.push(TreeLine {
                pid,
                depth,
                prefix: draw_prefix(&is_last[..depth.min(is_last.len())], glyphs),
                has_children: kids.is_some(),
                collapsed: hidden,
            });
            if let (Some(kids), false) = (kids, hidden) {
                let mut kids = kids.clone();
                kids.sort_by(|a, b| sort(*a, *b));
                stack.push((kids, 0));
            }
        }
        out
    }
}

/// Cuts every loop of `parent` links: walks up from each process, and when the walk
/// comes back to a process of the same walk, the smallest pid of the loop loses
/// its parent. Each process is walked over once, so this is linear.
fn break_cycles(order: &[u32], parent: &mut HashMap<u32, u32>) {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        OnWalk,
        Done,
    }
    let mut state: HashMap<u32, State> = HashMap::with_capacity(order.len());
    let mut walk = Vec::new();
    for &start in order {
        walk.clear();
        let mut cur = start;
        loop {
            match state.get(&cur) {
                Some(State::Done) => break,
                Some(State::OnWalk) => {
                    // `cur` was met earlier in this walk: the loop is from there on.
                    let from = walk.iter().position(|&p| p == cur).unwrap_or(0);
                    if let Some(&smallest) = walk.get(from..).and_then(|l| l.iter().min()) {
                        parent.remove(&smallest);
                    }
                    break;
                }
                None => {}
            }
            state.insert(cur, State::OnWalk);
            walk.push(cur);
            match parent.get(&cur) {
                Some(&p) => cur = p,
                None => break,
            }
        }
        for &p in &walk {
            state.insert(p, State::Done);
        }
    }
}

/// The prefix of a line whose path below the roots has `is_last` flags (one per
/// level, the line's own last).
fn draw_prefix(is_last: &[bool], glyphs: &Glyphs) -> String {
    let Some((&own, above)) = is_last.split_last() else {
        return String::new();
    };
    let mut prefix = String::new();
    let mut above = above;
    if is_last.len() > MAX_DRAWN_LEVELS {
        prefix.push_str(glyphs.elided);
        // The elided marker and the own branch take two of the drawn levels.
        above = &above[above.len().saturating_sub(MAX_DRAWN_LEVELS - 2)..];
    }
    for &ancestor_last in above {
        prefix.push_str(if ancestor_last {
            glyphs.blank
        } else {
            glyphs.through
        });
    }
    prefix.push_str(if own { glyphs.last } else { glyphs.branch });
    prefix
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::live::fields::test_row::Row;

    fn pids(rows: &[Row]) -> Vec<u32> {
        rows.iter()
            .map(|r| match r.field("pid") {
                Value::Num(p) => p as u32,
                _ => 0,
            })
            .collect()
    }

    fn rows() -> Vec<Row> {
        vec![
            Row::pid(30).num("cpu", 2.0).text("name", "bash"),
            Row::pid(10).num("cpu", 9.5).text("name", "Xorg"),
            Row::pid(20).missing("cpu").text("name", "sshd"),
            Row::pid(40).num("cpu", 2.0).text("name", "Bash"),
            Row::pid(5).num("cpu", 0.0).missing("name"),
            Row::pid(50).num("cpu", f64::NAN).text("name", "apache2"),
        ]
    }

    #[test]
    fn numbers_ascending_missing_last() {
        let mut r = rows();
        sort_rows(&mut r, "cpu", false);
        // 0, 2 (pid 30), 2 (pid 40), 9.5, then Missing and NaN by pid.
        assert_eq!(pids(&r), [5, 30, 40, 10, 20, 50]);
    }

    #[test]
    fn numbers_descending_missing_still_last_ties_by_pid_ascending() {
        let mut r = rows();
        sort_rows(&mut r, "cpu", true);
        assert_eq!(pids(&r), [10, 30, 40, 5, 20, 50]);
    }

    #[test]
    fn text_ignores_case_ties_by_pid() {
        let mut r = rows();
        sort_rows(&mut r, "name", false);
        // apache2, bash/Bash (equal ignoring case: pid 30 before 40), sshd, Xorg, Missing.
        assert_eq!(pids(&r), [50, 30, 40, 20, 10, 5]);
        sort_rows(&mut r, "name", true);
        assert_eq!(pids(&r), [10, 20, 30, 40, 50, 5]);
    }

    #[test]
    fn unknown_key_orders_by_pid() {
        let mut r = rows();
        sort_rows(&mut r, "no-such-field", true);
        assert_eq!(pids(&r), [5, 10, 20, 30, 40, 50]);
    }

    #[test]
    fn order_is_the_same_whatever_the_order_before() {
        let mut a = rows();
        let mut b = rows();
        b.reverse();
        sort_rows(&mut a, "cpu", true);
        sort_rows(&mut b, "cpu", true);
        assert_eq!(pids(&a), pids(&b));
    }

    #[test]
    fn numbers_before_texts_rows_without_pid_last_among_ties() {
        let mut r = vec![
            Row::default().text("v", "a"),
            Row::pid(2).text("v", "b"),
            Row::pid(3).num("v", 10.0),
            Row::pid(1).text("v", "a"),
        ];
        sort_rows(&mut r, "v", false);
        assert_eq!(pids(&r), [3, 1, 0, 2]);
    }

    fn by_pid(a: u32, b: u32) -> Ordering {
        a.cmp(&b)
    }

    /// (pid, depth, prefix) of each line.
    fn shape(lines: &[TreeLine]) -> Vec<(u32, usize, &str)> {
        lines
            .iter()
            .map(|l| (l.pid, l.depth, l.prefix.as_str()))
            .collect()
    }

    #[test]
    fn several_roots_children_sorted_and_drawn() {
        // 0 ─ 1 ─┬ 2 ─┬ 4
        //        │    └ 5
        //        └ 3 ── 7
        // and the roots 8 (its own parent) and 100 (parent 99 not listed). pid 0 is
        // a root though its ppid is 0, and 1 (ppid 0) is under it since it is listed.
        let tree = Tree::build(&[
            (3, 1),
            (1, 0),
            (2, 1),
            (7, 3),
            (5, 2),
            (4, 2),
            (100, 99),
            (0, 0),
            (8, 8),
        ]);
        let lines = tree.lines(&HashSet::new(), by_pid);
        assert_eq!(
            shape(&lines),
            [
                (0, 0, ""),
                (1, 1, "└─ "),
                (2, 2, "   ├─ "),
                (4, 3, "   │  ├─ "),
                (5, 3, "   │  └─ "),
                (3, 2, "   └─ "),
                (7, 3, "      └─ "),
                (8, 0, ""),
                (100, 0, ""),
            ]
        );
        assert_eq!(tree.parent(1), Some(0));
        assert_eq!(tree.parent(0), None);
        assert_eq!(tree.parent(8), None);
        assert_eq!(tree.parent(100), None);
        assert_eq!(tree.parent(12345), None);
        assert_eq!(tree.len(), 9);
        assert!(lines[1].has_children && !lines[6].has_children);
    }

    #[test]
    fn sort_orders_roots_and_siblings() {
        let tree = Tree::build(&[(1, 0), (2, 1), (3, 1), (4, 1), (9, 0)]);
        let lines = tree.lines(&HashSet::new(), |a, b| b.cmp(&a));
        assert_eq!(
            shape(&lines),
            [
                (9, 0, ""),
                (1, 0, ""),
                (4, 1, "├─ "),
                (3, 1, "├─ "),
                (2, 1, "└─ ")
            ]
        );
    }

    #[test]
    fn ascii_glyphs() {
        let tree = Tree::build(&[(1, 0), (2, 1), (3, 2), (4, 1)]).with_ascii(true);
        let lines = tree.lines(&HashSet::new(), by_pid);
        assert_eq!(
            shape(&lines),
            [(1, 0, ""), (2, 1, "|- "), (3, 2, "|  `- "), (4, 1, "`- ")]
        );
    }

    #[test]
    fn collapsed_hides_descendants_only() {
        let tree = Tree::build(&[(1, 0), (2, 1), (3, 2), (4, 3), (5, 1), (6, 5)]);
        let collapsed: HashSet<u32> = [2, 6, 77].into();
        let lines = tree.lines(&collapsed, by_pid);
        assert_eq!(
            shape(&lines),
            [(1, 0, ""), (2, 1, "├─ "), (5, 1, "└─ "), (6, 2, "   └─ ")]
        );
        assert!(lines[1].collapsed && lines[1].has_children);
        // 6 is in the set but has no children: nothing is hidden, it is not collapsed.
        assert!(!lines[3].collapsed && !lines[3].has_children);
        assert!(!lines[0].collapsed);
        let all: HashSet<u32> = [1].into();
        assert_eq!(tree.lines(&all, by_pid).len(), 1);
    }

    #[test]
    fn cycles_are_cut_at_their_smallest_pid() {
        // 5 -> 6 -> 7 -> 5 (a loop), 8 hangs off 6, 9 is its own parent, 3 <-> 4.
        let tree = Tree::build(&[(6, 5), (7, 6), (5, 7), (8, 6), (9, 9), (4, 3), (3, 4)]);
        let lines = tree.lines(&HashSet::new(), by_pid);
        assert_eq!(
            shape(&lines),
            [
                (3, 0, ""),
                (4, 1, "└─ "),
                (5, 0, ""),
                (6, 1, "└─ "),
                (7, 2, "   ├─ "),
                (8, 2, "   └─ "),
                (9, 0, ""),
            ]
        );
        assert_eq!(tree.parent(5), None);
        assert_eq!(tree.parent(7), Some(6));
    }

    #[test]
    fn a_loop_above_a_long_chain() {
        // 1 <-> 2, and a chain 3 -> 2, 4 -> 3... hanging below the loop.
        let mut rows: Vec<(u32, u32)> = (3..1000).map(|p| (p, p - 1)).collect();
        rows.extend([(1, 2), (2, 1)]);
        let lines = Tree::build(&rows).lines(&HashSet::new(), by_pid);
        assert_eq!(lines.len(), 999);
        assert_eq!((lines[0].pid, lines[0].depth), (1, 0));
        assert_eq!((lines[998].pid, lines[998].depth), (999, 998));
    }

    #[test]
    fn duplicate_pids_keep_their_first_parent() {
        let tree = Tree::build(&[(1, 0), (2, 0), (3, 1), (3, 2)]);
        assert_eq!(tree.parent(3), Some(1));
        assert_eq!(tree.len(), 3);
        assert_eq!(tree.lines(&HashSet::new(), by_pid).len(), 3);
    }

    #[test]
    fn empty_tree() {
        let tree = Tree::build(&[]);
        assert!(tree.is_empty());
        assert_eq!(tree.len(), 0);
        assert!(tree.lines(&HashSet::new(), by_pid).is_empty());
    }

    #[test]
    fn ten_thousand_levels_without_recursion() {
        // Listed deepest first, so the build meets the chain bottom-up.
        let rows: Vec<(u32, u32)> = (1..=10_000).rev().map(|p| (p, p - 1)).collect();
        let tree = Tree::build(&rows);
        let lines = tree.lines(&HashSet::new(), by_pid);
        assert_eq!(lines.len(), 10_000);
        for (i, l) in lines.iter().enumerate() {
            assert_eq!((l.pid, l.depth), (i as u32 + 1, i));
        }
        // Shallow lines are drawn in full, deep ones keep their 64 nearest levels.
        assert_eq!(lines[3].prefix, format!("{}└─ ", "   ".repeat(2)));
        assert_eq!(lines[64].prefix, format!("{}└─ ", "   ".repeat(63)));
        assert_eq!(lines[65].prefix, format!("…  {}└─ ", "   ".repeat(62)));
        assert_eq!(lines[9_999].prefix, lines[65].prefix);
        assert_eq!(lines[9_999].prefix.chars().count(), 3 * MAX_DRAWN_LEVELS);
        // A loop closed over the whole chain is cut too.
        let mut looped = rows.clone();
        looped.push((0, 10_000));
        assert_eq!(
            Tree::build(&looped).lines(&HashSet::new(), by_pid).len(),
            10_001
        );
    }

    #[test]
    fn deep_prefix_keeps_guides_of_the_nearest_levels() {
        // A chain 1..=70 where every node also has a later sibling (1000 + pid), so
        // every level draws a `│  ` guide.
        let mut rows: Vec<(u32, u32)> = (2..=70).map(|p| (p, p - 1)).collect();
        rows.extend((1..=70).map(|p| (1000 + p, p - 1)));
        rows.push((1, 0));
        let lines = Tree::build(&rows).lines(&HashSet::new(), by_pid);
        let deepest = lines
            .iter()
            .find(|l| l.pid == 70)
            .map(|l| (l.depth, l.prefix.clone()));
        assert_eq!(deepest, Some((69, format!("…  {}├─ ", "│  ".repeat(62)))));
    }

    proptest! {
        #[test]
        fn every_pid_once_and_under_its_parent(pairs in proptest::collection::vec((0u32..60, 0u32..60), 0..120)) {
            let tree = Tree::build(&pairs);
            let lines = tree.lines(&HashSet::new(), by_pid);
            let mut seen: Vec<u32> = lines.iter().map(|l| l.pid).collect();
            seen.sort_unstable();
            let mut expected: Vec<u32> = pairs.iter().map(|&(p, _)| p).collect();
            expected.sort_unstable();
            expected.dedup();
            prop_assert_eq!(&seen, &expected);
            prop_assert_eq!(tree.len(), expected.len());
            // Each line's parent is the nearest line above it one level up, and the
            // parent the pairs gave unless it is absent or the link was cut.
            let mut path: Vec<u32> = Vec::new();
            for l in &lines {
                prop_assert!(l.depth <= path.len());
                path.truncate(l.depth);
                prop_assert_eq!(tree.parent(l.pid), path.last().copied());
                if let Some(&p) = path.last() {
                    prop_assert!(pairs.iter().find(|&&(pid, _)| pid == l.pid).map(|&(_, pp)| pp) == Some(p));
                }
                prop_assert_eq!(l.prefix.chars().count(), 3 * l.depth.min(MAX_DRAWN_LEVELS));
                path.push(l.pid);
            }
        }

        #[test]
        fn collapsing_hides_exactly_the_descendants(pairs in proptest::collection::vec((0u32..40, 0u32..40), 0..80), fold in proptest::collection::hash_set(0u32..40, 0..10)) {
            let tree = Tree::build(&pairs);
            let lines = tree.lines(&fold, by_pid);
            let all = tree.lines(&HashSet::new(), by_pid);
            // A process is shown iff no ancestor of it is collapsed.
            let hidden = |pid: u32| {
                let mut cur = tree.parent(pid);
                let mut steps = 0;
                while let Some(p) = cur {
                    if fold.contains(&p) { return true; }
                    cur = tree.parent(p);
                    steps += 1;
                    if steps > 100 { break; }
                }
                false
            };
            let expected: Vec<u32> = all.iter().map(|l| l.pid).filter(|&p| !hidden(p)).collect();
            let shown: Vec<u32> = lines.iter().map(|l| l.pid).collect();
            prop_assert_eq!(shown, expected);
        }

        #[test]
        fn sort_is_ordered_and_a_permutation(vals in proptest::collection::vec((0u32..50, prop_oneof![Just(None), (0u8..5).prop_map(Some)]), 0..40), descending in any::<bool>()) {
            let mut rows: Vec<Row> = vals.iter().map(|&(pid, v)| match v {
                Some(v) => Row::pid(pid).num("k", f64::from(v)),
                None => Row::pid(pid),
            }).collect();
            sort_rows(&mut rows, "k", descending);
            let keys: Vec<(Option<u8>, u32)> = rows.iter().map(|r| {
                let k = match r.field("k") { Value::Num(x) => Some(x as u8), _ => None };
                let p = match r.field("pid") { Value::Num(x) => x as u32, _ => u32::MAX };
                (k, p)
            }).collect();
            let mut expected: Vec<(Option<u8>, u32)> = vals.iter().map(|&(p, v)| (v, p)).collect();
            expected.sort_by(|a, b| match (a.0, b.0) {
                (Some(x), Some(y)) => if descending { y.cmp(&x) } else { x.cmp(&y) },
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }.then(a.1.cmp(&b.1)));
            prop_assert_eq!(keys, expected);
        }
    }
}
