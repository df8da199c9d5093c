//! Scanning processes: [`ProcessTable`], [`process_iter`], [`process_iter_attrs`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::attrs::{Attr, ProcessInfo};
use super::handle::Process;
use super::pids::pids;
use super::Pid;
use crate::sys::imp;
use crate::{Error, Result};

/// One row of a scan: None when the process vanished meanwhile.
type Row = Option<(Process, ProcessInfo)>;

/// A table of process handles kept across scans (psutil's `process_iter` cache), so
/// that [`Process::cpu_percent`] of the second scan compares with the first. Handles
/// of ended processes are dropped, new pids get new handles.
///
/// No background thread is involved: each call scans once, on the caller's thread
/// (or on the threads [`ProcessTable::snapshot_parallel`] is told to use).
///
/// ```
/// use rpsutil::{Attr, ProcessTable};
/// let mut table = ProcessTable::new();
/// # #[cfg(target_os = "linux")] {
/// let rows = table.snapshot(&[Attr::Pid, Attr::Name, Attr::CpuPercent]).unwrap();
/// assert!(rows.iter().any(|(p, _)| p.pid() == std::process::id()));
/// # }
/// ```
#[derive(Debug, Default)]
pub struct ProcessTable {
    procs: BTreeMap<Pid, Process>,
    keep_files: bool,
}

impl ProcessTable {
    /// An empty table.
    pub fn new() -> Self {
        ProcessTable::default()
    }

    /// Makes the table's handles keep the files they read on every refresh open
    /// between refreshes, for a table refreshed again and again (a `top`).
    ///
    /// On Linux each handle then keeps `/proc/PID/stat`, `/proc/PID/statm` and
    /// the directory `/proc/PID` open (opened on first use), so a refresh reads
    /// each with one `pread` instead of open, read and close; and
    /// [`Process::username`] is read again only when the owner of `/proc/PID`
    /// (the effective uid) changed. A kept descriptor belongs to the process it was
    /// opened for: once that process ends, reads through it report NoSuchProcess,
    /// even if its pid was reused. At most the soft `RLIMIT_NOFILE` less 256
    /// descriptors are kept (raise the limit first for more), beyond which reads go
    /// by path as usual. Handles close their files when dropped. Other OSes: no
    /// effect.
    ///
    /// ```
    /// use rpsutil::{Attr, ProcessTable};
    /// let mut table = ProcessTable::new().keep_files_open();
    /// # #[cfg(target_os = "linux")] {
    /// let first = table.snapshot(&[Attr::MemoryInfo]).unwrap();
    /// let again = table.snapshot(&[Attr::MemoryInfo]).unwrap();
    /// assert!(!first.is_empty() && !again.is_empty());
    /// # }
    /// ```
    pub fn keep_files_open(mut self) -> Self {
        self.keep_files = true;
        self
    }

    /// Forgets every handle (psutil's `process_iter.cache_clear()`).
    pub fn clear(&mut self) {
        self.procs.clear();
    }

    /// Number of handles held.
    pub fn len(&self) -> usize {
        self.procs.len()
    }

    /// True when no handle is held.
    pub fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }

    /// Brings the table up to date with [`pids`] and returns the handles of the
    /// pids that remain. Existing handles are reused without a PID-reuse check
    /// (as psutil since 6.0; use [`Process::is_running`]); handles whose reuse
    /// `is_running` detected are replaced.
    fn sync(&mut self, scan: &imp::Scan) -> Result<Vec<(Pid, Option<Process>)>> {
        let current = match scan.pids() {
            Some(list) => super::pids::remember_lowest(list),
            None => pids()?,
        };
        // Handles whose `is_running` saw their pid reused are replaced (each table
        // sees the flag of the handles it holds).
        self.procs.retain(|_, p| !p.is_known_reused());
        let mut next = BTreeMap::new();
        let mut out = Vec::with_capacity(current.len());
        for pid in current {
            match self.procs.remove(&pid) {
                Some(p) => {
                    next.insert(pid, p.clone());
                    out.push((pid, Some(p)));
                }
                None => out.push((pid, None)),
            }
        }
        self.procs = next;
        Ok(out)
    }

    /// Every process, ordered by pid (psutil's `process_iter()`). Processes that end
    /// during the scan are left out.
    pub fn refresh(&mut self) -> Result<Vec<Process>> {
        let listed = self.sync(&imp::Scan::take()?)?;
        let mut out = Vec::with_capacity(listed.len());
        for (pid, handle) in listed {
            let p = match handle {
                Some(p) => p,
                None => match Process::new(pid) {
                    Ok(p) => {
                        if self.keep_files {
                            p.keep_files_open();
                        }
                        self.procs.insert(pid, p.clone());
                        p
                    }
                    Err(e) if e.is_no_such_process() => continue,
                    Err(e) => return Err(e),
                },
            };
            out.push(p);
        }
        Ok(out)
    }

    /// Every process with `attrs` read (psutil's `process_iter(attrs)`); an empty
    /// slice reads every attribute. Each process's sources are read once.
    pub fn snapshot(&mut self, attrs: &[Attr]) -> Result<Vec<(Process, ProcessInfo)>> {
        // What the backend reads once for every process (Windows: one
        // SystemProcessInformation pass instead of one per process).
        self.snapshot_parallel(attrs, 1)
    }

    /// [`ProcessTable::snapshot`] on `threads` scoped threads (the caller chooses;
    /// no pool is kept). Results are the same, in pid order.
    pub fn snapshot_parallel(
        &mut self,
        attrs: &[Attr],
        threads: usize,
    ) -> Result<Vec<(Process, ProcessInfo)>> {
        let scan = imp::Scan::take()?;
        let listed = self.sync(&scan)?;
        let rows = snapshot_rows(&listed, &scan, attrs, threads, self.keep_files)?;
        Ok(self.keep(rows))
    }

    fn keep(&mut self, rows: Vec<Row>) -> Vec<(Process, ProcessInfo)> {
        // Pids that vanished mid-scan have no row: their handles are dropped too.
        let out: Vec<(Process, ProcessInfo)> = rows.into_iter().flatten().collect();
        self.procs.clear();
        for (p, _) in &out {
            self.procs.insert(p.pid(), p.clone());
        }
        out
    }
}

/// One row of a snapshot: reuses `handle` or makes a new one whose stat read also
/// serves the snapshot. None if the process vanished.
/// [`snapshot_one`] for each entry, on up to `threads` scoped threads, in order.
fn snapshot_rows(
    listed: &[(Pid, Option<Process>)],
    scan: &imp::Scan,
    attrs: &[Attr],
    threads: usize,
    keep_files: bool,
) -> Result<Vec<Row>> {
    let threads = threads.max(1);
    let one =
        |(pid, h): &(Pid, Option<Process>)| snapshot_one(*pid, h.clone(), scan, attrs, keep_files);
    if threads == 1 || listed.len() < 2 {
        return listed.iter().map(one).collect();
    }
    let chunk = listed.len().div_ceil(threads);
    let parts: Vec<Result<Vec<Row>>> = std::thread::scope(|s| {
        let handles: Vec<_> = listed
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(one).collect::<Result<Vec<_>>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::invalid("a snapshot thread panicked")))
            })
            .collect()
    });
    let mut rows = Vec::with_capacity(listed.len());
    for part in parts {
        rows.extend(part?);
    }
    Ok(rows)
}

/// Reads `attrs` (empty: all) of the given processes on up to `threads` threads,
/// for callers that keep their own table of handles (the Python module's
/// `process_iter` cache): an entry with a handle reuses it (its caches and
/// `cpu_percent` state), one without gets a new handle. Returns, in order, the
/// handle and its values, or None for a process that ended.
///
/// ```
/// use rpsutil::{process::snapshot_entries, Attr};
/// # #[cfg(target_os = "linux")] {
/// let me = std::process::id();
/// let rows = snapshot_entries(&[(me, None)], &[Attr::Name], 1).unwrap();
/// let (p, info) = rows[0].as_ref().unwrap();
/// assert_eq!(p.pid(), me);
/// assert!(info.name.as_ref().unwrap().is_ok());
/// # }
/// ```
pub fn snapshot_entries(
    entries: &[(Pid, Option<Process>)],
    attrs: &[Attr],
    threads: usize,
) -> Result<Vec<Option<(Process, ProcessInfo)>>> {
    let scan = imp::Scan::take()?;
    snapshot_rows(entries, &scan, attrs, threads, false)
}

fn snapshot_one(
    pid: Pid,
    handle: Option<Process>,
    scan: &imp::Scan,
    attrs: &[Attr],
    keep_files: bool,
) -> Result<Option<(Process, ProcessInfo)>> {
    let p = match handle {
        Some(p) => {
            p.prime(scan);
            p
        }
        None => match Process::new_primed(pid, Some(scan)) {
            Ok(p) => {
                if keep_files {
                    p.keep_files_open();
                }
                p
            }
            Err(e) if e.is_no_such_process() => return Ok(None),
            Err(e) => return Err(e),
        },
    };
    match p.as_dict(attrs) {
        Ok(info) => Ok(Some((p, info))),
        Err(e) if e.is_no_such_process() => Ok(None),
        Err(e) => Err(e),
    }
}

static SHARED: Mutex<Option<ProcessTable>> = Mutex::new(None);

fn with_shared<T>(f: impl FnOnce(&mut ProcessTable) -> T) -> T {
    let mut g = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    f(g.get_or_insert_with(ProcessTable::new))
}

/// Every process, ordered by pid, from a table shared by the whole program (psutil's
/// `process_iter()`): handles persist between calls, so `cpu_percent(None)` works
/// from the second call on.
pub fn process_iter() -> Result<Vec<Process>> {
    with_shared(|t| t.refresh())
}

/// [`process_iter`] with `attrs` read for each process (psutil's
/// `process_iter(attrs)`); an empty slice reads every attribute.
pub fn process_iter_attrs(attrs: &[Attr]) -> Result<Vec<(Process, ProcessInfo)>> {
    with_shared(|t| t.snapshot(attrs))
}

/// Empties the shared table (psutil's `process_iter.cache_clear()`).
pub fn process_iter_cache_clear() {
    with_shared(|t| t.clear())
}
