//! Host types: psutil's `suser`, `pheap`.

use serde::Serialize;

/// psutil's `suser`: one logged-in session.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct User {
    /// The user name.
    pub name: String,
    /// The terminal (`pts/0`), or None.
    pub terminal: Option<String>,
    /// The remote host, `localhost` for local X displays (`:0`), as psutil.
    pub host: String,
    /// Login time, seconds since the epoch.
    pub started: f64,
    /// The session's process id.
    pub pid: Option<i32>,
}

/// psutil's `pheap`: the calling process's C heap, in bytes (glibc `mallinfo2`;
/// Windows: the process heap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HeapInfo {
    /// Bytes allocated with `malloc` from the heap (`uordblks`).
    pub heap_used: u64,
    /// Bytes allocated in separate `mmap` regions (`hblkhd`; Windows: private
    /// read-write regions outside the heaps).
    pub mmap_used: u64,
    /// Number of heaps (Windows `GetProcessHeaps`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heap_count: Option<u64>,
}
