//! `rpsutil pstree`: the process tree, like psutil's `scripts/pstree.py`.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use rpsutil::{Attr, Pid, ProcessTable};
use serde::Serialize;

use crate::error::CliResult;
use crate::util::{field, print_json};

/// Arguments of `rpsutil pstree`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the tree as JSON: an array of root nodes `{pid, name, children: [...]}`.
    #[arg(long)]
    pub json: bool,
}

/// One node of the JSON tree.
#[derive(Debug, Serialize)]
struct Node {
    pid: Pid,
    /// null when the name is unreadable or the pid is not a process (0 on Linux).
    name: Option<String>,
    children: Vec<Node>,
}

struct Tree {
    /// ppid -> children, in pid order.
    children: BTreeMap<Pid, Vec<Pid>>,
    names: BTreeMap<Pid, String>,
}

impl Tree {
    fn name(&self, pid: Pid) -> Option<&str> {
        self.names.get(&pid).map(String::as_str)
    }

    fn kids(&self, pid: Pid) -> &[Pid] {
        self.children.get(&pid).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The JSON node of `pid`; `seen` guards against a (corrupt) cycle.
    fn node(&self, pid: Pid, seen: &mut HashSet<Pid>) -> Node {
        let children = self
            .kids(pid)
            .iter()
            .filter(|c| seen.insert(**c))
            .copied()
            .collect::<Vec<_>>()
            .into_iter()
            .map(|c| self.node(c, seen))
            .collect();
        Node {
            pid,
            name: self.name(pid).map(str::to_string),
            children,
        }
    }

    /// pstree.py's drawing: `|- ` before each child but the last, `` `_ `` before the
    /// last, the indent growing by `| ` or two spaces.
    fn print(
        &self,
        out: &mut dyn Write,
        pid: Pid,
        indent: &str,
        seen: &mut HashSet<Pid>,
    ) -> CliResult {
        writeln!(out, "{} {}", pid, self.name(pid).unwrap_or("?"))?;
        let kids: Vec<Pid> = self
            .kids(pid)
            .iter()
            .copied()
            .filter(|c| seen.insert(*c))
            .collect();
        for (i, child) in kids.iter().enumerate() {
            let last = i + 1 == kids.len();
            let (branch, more) = if last { ("`_ ", "  ") } else { ("|- ", "| ") };
            write!(out, "{indent}{branch}")?;
            self.print(out, *child, &format!("{indent}{more}"), seen)?;
        }
        Ok(())
    }
}

/// Runs `rpsutil pstree`.
pub fn run(args: &Args, out: &mut dyn Write) -> CliResult {
    let rows = ProcessTable::new().snapshot(&[Attr::Pid, Attr::Name, Attr::Ppid])?;
    let mut tree = Tree {
        children: BTreeMap::new(),
        names: BTreeMap::new(),
    };
    let mut listed = HashSet::new();
    for (p, info) in &rows {
        listed.insert(p.pid());
        if let Some(name) = field(&info.name) {
            tree.names.insert(p.pid(), name.clone());
        }
        // Zombies still have a ppid; a process whose ppid is unreadable is left out,
        // as pstree.py skips processes raising on ppid().
        if let Some(&ppid) = field(&info.ppid) {
            if ppid != p.pid() {
                tree.children.entry(ppid).or_default().push(p.pid());
            }
        }
    }
    // pstree.py starts at the lowest parent pid: 0 on Linux, the kernel, which is
    // not a process (printed as "0 ?"). JSON lists the trees below it.
    let Some(&root) = tree.children.keys().next() else {
        return if args.json {
            print_json(out, &Vec::<Node>::new())
        } else {
            Ok(())
        };
    };
    let mut seen = HashSet::from([root]);
    if args.json {
        let nodes: Vec<Node> = if listed.contains(&root) {
            vec![tree.node(root, &mut seen)]
        } else {
            let kids: Vec<Pid> = tree
                .kids(root)
                .iter()
                .copied()
                .filter(|c| seen.insert(*c))
                .collect();
            kids.into_iter().map(|c| tree.node(c, &mut seen)).collect()
        };
        return print_json(out, &nodes);
    }
    tree.print(out, root, "", &mut seen)
}
