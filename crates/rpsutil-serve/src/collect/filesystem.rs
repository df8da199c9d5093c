//! node_exporter's `filesystem` collector (1.5 names and labels): size, free,
//! avail, files, files_free, readonly and device_error of each mount, with
//! node_exporter's default mount-point and fs-type excludes.
//!
//! `statfs` runs on a detached thread per mount, all mounts at once, and the
//! scrape waits at most `fs_mount_timeout` for each: a hung NFS mount gives
//! `device_error` 1 instead of hanging the scrape, and is skipped (still
//! `device_error` 1, no new thread) until its stuck call returns, as
//! node_exporter's `stuckMounts`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use regex::Regex;

use super::parse::{self, MountEntry};
use super::{regex_option, CollectOptions, Collected, ConfigError};
use crate::model::{Family, MetricType};

/// The numbers of one `statfs`, in bytes and inodes.
#[derive(Debug, Clone, Copy)]
struct Usage {
    size: f64,
    free: f64,
    avail: f64,
    files: f64,
    files_free: f64,
}

/// The filesystem collector's options and its set of stuck mount points.
#[derive(Debug)]
pub(super) struct Filesystem {
    mount_points_exclude: Regex,
    fs_types_exclude: Regex,
    /// Mount points whose `statfs` timed out and has not returned yet; shared with
    /// the thread that is still waiting on it, which removes its entry.
    stuck: Arc<Mutex<HashSet<String>>>,
}

/// node_exporter's `rootfsStripPrefix`: the mount point as the host sees it.
pub(super) fn strip_rootfs(rootfs: &Path, mountpoint: &str) -> String {
    let root = rootfs.to_string_lossy();
    if root == "/" {
        return mountpoint.to_owned();
    }
    match mountpoint.strip_prefix(root.as_ref()) {
        Some("") => "/".to_owned(),
        Some(rest) => rest.to_owned(),
        None => mountpoint.to_owned(),
    }
}

fn statfs(path: &Path) -> Result<Usage, String> {
    let s = rustix::fs::statfs(path).map_err(|e| e.to_string())?;
    let bsize = s.f_bsize as f64;
    Ok(Usage {
        size: s.f_blocks as f64 * bsize,
        free: s.f_bfree as f64 * bsize,
        avail: s.f_bavail as f64 * bsize,
        files: s.f_files as f64,
        files_free: s.f_ffree as f64,
    })
}

impl Filesystem {
    pub(super) fn new(o: &CollectOptions) -> Result<Self, ConfigError> {
        Ok(Filesystem {
            mount_points_exclude: regex_option(
                "collector.filesystem.mount-points-exclude",
                &o.fs_mount_points_exclude,
            )?,
            fs_types_exclude: regex_option(
                "collector.filesystem.fs-types-exclude",
                &o.fs_types_exclude,
            )?,
            stuck: Arc::default(),
        })
    }

    /// The mounts node_exporter reads: `<procfs>/1/mounts` (the host's mount
    /// namespace), or `<procfs>/mounts` where pid 1 is hidden.
    fn mounts(o: &CollectOptions) -> Result<Vec<MountEntry>, String> {
        let text = match std::fs::read_to_string(o.procfs.join("1/mounts")) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::read_to_string(o.procfs.join("mounts")).map_err(|e| e.to_string())?
            }
            Err(e) => return Err(e.to_string()),
        };
        Ok(parse::parse_mounts(&text))
    }

    /// Starts `statfs` of `mountpoint` on its own thread; the answer comes on the
    /// returned channel. The thread removes the mount from `stuck` when it ends.
    fn start_statfs(
        &self,
        path: PathBuf,
        mountpoint: String,
    ) -> mpsc::Receiver<Result<Usage, String>> {
        let (tx, rx) = mpsc::channel();
        let stuck = Arc::clone(&self.stuck);
        let spawned = std::thread::Builder::new()
            .name("statfs".into())
            .spawn(move || {
                let r = statfs(&path);
                stuck
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&mountpoint);
                // The scrape may have stopped waiting; then nobody listens.
                let _ = tx.send(r);
            });
        if let Err(e) = spawned {
            // No thread: answer at once (the receiver sees the error).
            let (tx2, rx2) = mpsc::channel();
            let _ = tx2.send(Err(e.to_string()));
            return rx2;
        }
        rx
    }

    pub(super) fn collect(&self, o: &CollectOptions) -> Collected {
        let mut seen: HashSet<(String, String, String)> = HashSet::new();
        let mut pending = Vec::new();
        for m in Self::mounts(o)? {
            let mountpoint = strip_rootfs(&o.rootfs, &m.mountpoint);
            if self.mount_points_exclude.is_match(&mountpoint)
                || self.fs_types_exclude.is_match(&m.fstype)
            {
                continue;
            }
            // One series per (device, mountpoint, fstype), as node_exporter.
            if !seen.insert((m.device.clone(), mountpoint.clone(), m.fstype.clone())) {
                continue;
            }
            let ro = m.options.split(',').any(|opt| opt == "ro");
            let is_stuck = self
                .stuck
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&mountpoint);
            let rx = if is_stuck {
                None
            } else {
                let path = o.rootfs.join(mountpoint.trim_start_matches('/'));
                Some(self.start_statfs(path, mountpoint.clone()))
            };
            pending.push((m.device, mountpoint, m.fstype, ro, rx));
        }
        let mut names = [
            (
                "node_filesystem_device_error",
                "Whether an error occurred while getting statistics for the given device.",
            ),
            ("node_filesystem_size_bytes", "Filesystem size in bytes."),
            (
                "node_filesystem_free_bytes",
                "Filesystem free space in bytes.",
            ),
            (
                "node_filesystem_avail_bytes",
                "Filesystem space available to non-root users in bytes.",
            ),
            ("node_filesystem_files", "Filesystem total file nodes."),
            (
                "node_filesystem_files_free",
                "Filesystem total free file nodes.",
            ),
            ("node_filesystem_readonly", "Filesystem read-only status."),
        ]
        .map(|(n, h)| Family::new(n, h, MetricType::Gauge));
        let started = Instant::now();
        for (device, mountpoint, fstype, ro, rx) in pending {
            let labels = [
                ("device", device.as_str()),
                ("mountpoint", mountpoint.as_str()),
                ("fstype", fstype.as_str()),
            ];
            let usage = match rx {
                None => None,
                Some(rx) => {
                    // The mounts were started together: each waits for what is left
                    // of its own timeout.
                    let left = o.fs_mount_timeout.saturating_sub(started.elapsed());
                    match rx.recv_timeout(left) {
                        Ok(r) => r.ok(),
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            self.mark_stuck(&mountpoint, &rx);
                            None
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => None,
                    }
                }
            };
            let Some(u) = usage else {
                names[0].push(&labels, 1.0);
                continue;
            };
            names[0].push(&labels, 0.0);
            for (fam, v) in names[1..].iter_mut().zip([
                u.size,
                u.free,
                u.avail,
                u.files,
                u.files_free,
                if ro { 1.0 } else { 0.0 },
            ]) {
                fam.push(&labels, v);
            }
        }
        Ok(names.into_iter().collect())
    }

    /// Marks a mount stuck, unless its answer arrived just after the timeout.
    fn mark_stuck(&self, mountpoint: &str, rx: &mpsc::Receiver<Result<Usage, String>>) {
        let mut stuck = self.stuck.lock().unwrap_or_else(|p| p.into_inner());
        // Checked under the lock the statfs thread takes before it sends: if
        // nothing is there yet, that thread will remove the mark when it ends.
        if rx.try_recv().is_err() {
            stuck.insert(mountpoint.to_owned());
        }
    }

    /// Whether `mountpoint` is currently skipped as stuck (for tests).
    #[cfg(test)]
    fn is_stuck(&self, mountpoint: &str) -> bool {
        self.stuck
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(mountpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rootfs_prefix_is_stripped_as_node_does() {
        assert_eq!(strip_rootfs(Path::new("/"), "/home"), "/home");
        assert_eq!(strip_rootfs(Path::new("/host"), "/host"), "/");
        assert_eq!(strip_rootfs(Path::new("/host"), "/host/home"), "/home");
        assert_eq!(strip_rootfs(Path::new("/host"), "/other"), "/other");
    }

    #[test]
    fn defaults_exclude_pseudo_filesystems() {
        let f = Filesystem::new(&CollectOptions::default()).expect("default regexes compile");
        for mp in [
            "/proc",
            "/sys/fs/cgroup",
            "/dev/shm",
            "/run/credentials/x.service",
        ] {
            assert!(f.mount_points_exclude.is_match(mp), "{mp}");
        }
        assert!(!f.mount_points_exclude.is_match("/devices"));
        assert!(f.fs_types_exclude.is_match("cgroup2"));
        assert!(!f.fs_types_exclude.is_match("ext4"));
        assert!(!f.is_stuck("/"));
    }
}
