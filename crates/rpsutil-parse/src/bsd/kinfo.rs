//! The per-process record of the BSD kernels: FreeBSD's `struct kinfo_proc`
//! (`sys/user.h`), OpenBSD's `struct kinfo_proc` and NetBSD's `struct kinfo_proc2`
//! (`sys/sysctl.h`), read with `sysctl(KERN_PROC, KERN_PROC_PID, pid)` (NetBSD
//! `KERN_PROC2`). psutil reads the same record (`arch/bsd/proc.c`,
//! `psutil_proc_oneshot_info`) for name, ppid, uids, gids, terminal, status,
//! create_time, cpu_times, memory_info, num_ctx_switches, io_counters and cpu_num.
//!
//! The backend describes where each field lies ([`ProcLayout`], built with
//! `offset_of!` from the target's struct); [`decode`] reads them into a
//! [`KinfoProc`] of plain numbers.

use super::layout::{read_count, read_cstr, read_i, read_u, records, Field};
use crate::{ParseError, Result};

/// A `struct timeval` (or a split `_sec`/`_usec` pair) inside the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeField {
    /// Seconds.
    pub sec: Field,
    /// Microseconds.
    pub usec: Field,
}

/// Where the fields psutil reads lie in this OS's process record. Fields an OS
/// lacks are None.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcLayout {
    /// `sizeof` the record (the stride of arrays of records).
    pub size: usize,
    /// Process id (`ki_pid` / `p_pid`).
    pub pid: Field,
    /// Parent process id.
    pub ppid: Field,
    /// Run state (`ki_stat` / `p_stat`).
    pub stat: Field,
    /// Process flags (`ki_flag` / `p_flag`): `P_SYSTEM` etc.
    pub flag: Field,
    /// Real, effective, saved uid.
    pub uids: [Field; 3],
    /// Real gid, first supplementary group (psutil's "effective"), saved gid.
    pub gids: [Field; 3],
    /// Controlling terminal's device number (`ki_tdev` / `p_tdev`).
    pub tdev: Field,
    /// Start time (epoch).
    pub start: TimeField,
    /// User CPU time.
    pub utime: TimeField,
    /// System CPU time.
    pub stime: TimeField,
    /// Children's user time (FreeBSD `ki_rusage_ch.ru_utime`; OpenBSD/NetBSD
    /// `p_uctime`, children's user + system together).
    pub cutime: TimeField,
    /// Children's system time (FreeBSD only).
    pub cstime: Option<TimeField>,
    /// Voluntary context switches.
    pub nvcsw: Field,
    /// Involuntary context switches.
    pub nivcsw: Field,
    /// Block input operations.
    pub inblock: Field,
    /// Block output operations.
    pub oublock: Field,
    /// Resident set, pages.
    pub rssize: Field,
    /// Virtual size, bytes (FreeBSD `ki_size`).
    pub vsize_bytes: Option<Field>,
    /// Text, data and stack sizes, pages.
    pub tsize: Field,
    /// Data size, pages.
    pub dsize: Field,
    /// Stack size, pages.
    pub ssize: Field,
    /// Mapped size, pages (NetBSD `p_vm_msize`).
    pub msize: Option<Field>,
    /// CPU the process runs on now (FreeBSD `ki_oncpu`).
    pub oncpu: Option<Field>,
    /// CPU the process last ran on (FreeBSD `ki_lastcpu`).
    pub lastcpu: Option<Field>,
    /// Number of threads (FreeBSD `ki_numthreads`, NetBSD `p_nlwps`).
    pub nthreads: Option<Field>,
    /// Thread id (FreeBSD `ki_tid`, OpenBSD `p_tid`), for per-thread records.
    pub tid: Option<Field>,
    /// The command name (`ki_comm` / `p_comm`).
    pub comm: Field,
}

/// One process record, decoded. Sizes are as the kernel keeps them (pages unless
/// said otherwise); times in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct KinfoProc {
    /// Process id.
    pub pid: i64,
    /// Parent process id.
    pub ppid: i64,
    /// Run state code (see [`super::state`]).
    pub stat: i64,
    /// Process flags.
    pub flag: u64,
    /// Real, effective, saved uid.
    pub uids: [u32; 3],
    /// Real gid, first group, saved gid.
    pub gids: [u32; 3],
    /// Terminal device number (the kernel's `NODEV` when none).
    pub tdev: u64,
    /// Start time, whole seconds since the epoch.
    pub start_sec: i64,
    /// Start time, the microseconds part.
    pub start_usec: i64,
    /// User CPU seconds.
    pub utime: f64,
    /// System CPU seconds.
    pub stime: f64,
    /// Children's user CPU seconds (OpenBSD/NetBSD: user + system).
    pub cutime: f64,
    /// Children's system CPU seconds (OpenBSD/NetBSD: the same total as `cutime`,
    /// as psutil reports it).
    pub cstime: f64,
    /// Voluntary context switches.
    pub nvcsw: u64,
    /// Involuntary context switches.
    pub nivcsw: u64,
    /// Block input operations.
    pub inblock: u64,
    /// Block output operations.
    pub oublock: u64,
    /// Resident set, pages.
    pub rssize: u64,
    /// Virtual size in bytes, where the record has it.
    pub vsize_bytes: Option<u64>,
    /// Text size, pages.
    pub tsize: u64,
    /// Data size, pages.
    pub dsize: u64,
    /// Stack size, pages.
    pub ssize: u64,
    /// Mapped size, pages, where the record has it.
    pub msize: Option<u64>,
    /// CPU running it now, where the record has it.
    pub oncpu: Option<i64>,
    /// CPU it last ran on, where the record has it.
    pub lastcpu: Option<i64>,
    /// Number of threads, where the record has it.
    pub nthreads: Option<u64>,
    /// Thread id, where the record has it.
    pub tid: Option<i64>,
    /// The command name bytes (up to the NUL).
    pub comm: Vec<u8>,
}

fn time(rec: &[u8], t: TimeField) -> Result<f64> {
    let sec = read_i(rec, t.sec)?;
    let usec = read_i(rec, t.usec)?;
    Ok(sec as f64 + usec as f64 / 1e6)
}

fn opt<T>(f: Option<Field>, read: impl FnOnce(Field) -> Result<T>) -> Result<Option<T>> {
    f.map(read).transpose()
}

/// Decodes one record laid out as `l`. The record must be at least `l.size` bytes.
pub fn decode(rec: &[u8], l: &ProcLayout) -> Result<KinfoProc> {
    if rec.len() < l.size {
        return Err(ParseError::new(format!(
            "process record of {} bytes, expected {}",
            rec.len(),
            l.size
        )));
    }
    let id = |f: Field| read_u(rec, f).map(|v| v as u32);
    let cutime = time(rec, l.cutime)?;
    Ok(KinfoProc {
        pid: read_i(rec, l.pid)?,
        ppid: read_i(rec, l.ppid)?,
        stat: read_i(rec, l.stat)?,
        flag: read_u(rec, l.flag)?,
        uids: [id(l.uids[0])?, id(l.uids[1])?, id(l.uids[2])?],
        gids: [id(l.gids[0])?, id(l.gids[1])?, id(l.gids[2])?],
        tdev: read_u(rec, l.tdev)?,
        start_sec: read_i(rec, l.start.sec)?,
        start_usec: read_i(rec, l.start.usec)?,
        utime: time(rec, l.utime)?,
        stime: time(rec, l.stime)?,
        cutime,
        cstime: match l.cstime {
            Some(t) => time(rec, t)?,
            None => cutime,
        },
        nvcsw: read_count(rec, l.nvcsw)?,
        nivcsw: read_count(rec, l.nivcsw)?,
        inblock: read_count(rec, l.inblock)?,
        oublock: read_count(rec, l.oublock)?,
        rssize: read_count(rec, l.rssize)?,
        vsize_bytes: opt(l.vsize_bytes, |f| read_u(rec, f))?,
        tsize: read_count(rec, l.tsize)?,
        dsize: read_count(rec, l.dsize)?,
        ssize: read_count(rec, l.ssize)?,
        msize: opt(l.msize, |f| read_count(rec, f))?,
        oncpu: opt(l.oncpu, |f| read_i(rec, f))?,
        lastcpu: opt(l.lastcpu, |f| read_i(rec, f))?,
        nthreads: opt(l.nthreads, |f| read_count(rec, f))?,
        tid: opt(l.tid, |f| read_i(rec, f))?,
        comm: read_cstr(rec, l.comm)?.to_vec(),
    })
}

/// Decodes an array of records (`KERN_PROC_PROC`, `KERN_PROC_ALL`, per-thread
/// records of `KERN_PROC_INC_THREAD`).
pub fn decode_all(buf: &[u8], l: &ProcLayout) -> Result<Vec<KinfoProc>> {
    records(buf, l.size)?
        .into_iter()
        .map(|r| decode(r, l))
        .collect()
}

impl KinfoProc {
    /// Creation time, epoch seconds: `start_sec + start_usec / 1e6` (psutil's
    /// `PSUTIL_TV2DOUBLE` / `PSUTIL_KPT2DOUBLE`).
    pub fn create_time(&self) -> f64 {
        self.start_sec as f64 + self.start_usec as f64 / 1e6
    }

    /// The start time in microseconds since the epoch: the identity of the
    /// process (negative values read as 0).
    pub fn start_micros(&self) -> u64 {
        (self.start_sec.max(0) as u64)
            .saturating_mul(1_000_000)
            .saturating_add(self.start_usec.clamp(0, 999_999) as u64)
    }

    /// FreeBSD's `cpu_num`: `ki_oncpu` while running on a CPU (`SRUN` and not
    /// `NOCPU`), else `ki_lastcpu` (psutil `arch/bsd/proc.c`). None without either.
    pub fn cpu_num(&self, srun: i64, nocpu: i64) -> Option<i64> {
        match (self.oncpu, self.lastcpu) {
            (Some(on), _) if self.stat == srun && on != nocpu => Some(on),
            (_, last) => last,
        }
    }
}

/// Memory of one process in bytes: psutil's `pmem(rss, vms, text, data, stack)` on
/// the BSDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BsdMemory {
    /// Resident set.
    pub rss: u64,
    /// Virtual size.
    pub vms: u64,
    /// Text.
    pub text: u64,
    /// Data.
    pub data: u64,
    /// Stack.
    pub stack: u64,
}

/// How an OS gets `vms` (psutil `arch/bsd/proc.c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmsRule {
    /// FreeBSD: `ki_size`, already bytes.
    Bytes,
    /// OpenBSD: `(dsize + ssize + tsize) × pagesize`, as `ps(1)`.
    TextDataStack,
    /// NetBSD: `p_vm_msize × pagesize`, as `top(1)`.
    Mapped,
}

/// psutil's `memory_info` from the record: page counts × `pagesize`.
pub fn memory(k: &KinfoProc, pagesize: u64, rule: VmsRule) -> BsdMemory {
    let b = |pages: u64| pages.saturating_mul(pagesize);
    let vms = match rule {
        VmsRule::Bytes => k.vsize_bytes.unwrap_or(0),
        VmsRule::TextDataStack => b(k.dsize.saturating_add(k.ssize).saturating_add(k.tsize)),
        VmsRule::Mapped => b(k.msize.unwrap_or(0)),
    };
    BsdMemory {
        rss: b(k.rssize),
        vms,
        text: b(k.tsize),
        data: b(k.dsize),
        stack: b(k.ssize),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A made-up layout: every field 8 bytes apart, times as (sec, usec) pairs.
    pub(crate) fn test_layout() -> ProcLayout {
        let f = |i: usize| Field::new(i * 8, 8);
        let t = |i: usize| TimeField {
            sec: f(i),
            usec: f(i + 1),
        };
        ProcLayout {
            size: 8 * 40,
            pid: f(0),
            ppid: f(1),
            stat: Field::new(16, 1),
            flag: f(3),
            uids: [Field::new(32, 4), Field::new(36, 4), f(5)],
            gids: [f(6), f(7), f(8)],
            tdev: f(9),
            start: t(10),
            utime: t(12),
            stime: t(14),
            cutime: t(16),
            cstime: Some(t(18)),
            nvcsw: f(20),
            nivcsw: f(21),
            inblock: f(22),
            oublock: f(23),
            rssize: f(24),
            vsize_bytes: Some(f(25)),
            tsize: f(26),
            dsize: f(27),
            ssize: f(28),
            msize: None,
            oncpu: Some(Field::new(29 * 8, 4)),
            lastcpu: Some(Field::new(29 * 8 + 4, 4)),
            nthreads: Some(f(30)),
            tid: Some(f(31)),
            comm: Field::new(32 * 8, 20),
        }
    }

    pub(crate) fn put(buf: &mut [u8], f: Field, v: i64) {
        let bytes = v.to_ne_bytes();
        // Little- or big-endian: keep the low-order bytes of the value.
        let src = if cfg!(target_endian = "little") {
            &bytes[..f.size]
        } else {
            &bytes[8 - f.size..]
        };
        buf[f.off..f.off + f.size].copy_from_slice(src);
    }

    pub(crate) fn sample(l: &ProcLayout, pid: i64) -> Vec<u8> {
        let mut b = vec![0u8; l.size];
        put(&mut b, l.pid, pid);
        put(&mut b, l.ppid, 1);
        put(&mut b, l.stat, 2);
        put(&mut b, l.flag, 0x200);
        put(&mut b, l.uids[0], 1001);
        put(&mut b, l.uids[1], 0);
        put(&mut b, l.uids[2], 1002);
        put(&mut b, l.gids[0], 20);
        put(&mut b, l.gids[1], 21);
        put(&mut b, l.gids[2], 22);
        put(&mut b, l.tdev, 0x5a);
        put(&mut b, l.start.sec, 1_700_000_000);
        put(&mut b, l.start.usec, 250_000);
        put(&mut b, l.utime.sec, 3);
        put(&mut b, l.utime.usec, 500_000);
        put(&mut b, l.stime.sec, 1);
        put(&mut b, l.stime.usec, 0);
        put(&mut b, l.cutime.sec, 7);
        put(&mut b, l.cutime.usec, 0);
        if let Some(t) = l.cstime {
            put(&mut b, t.sec, 8);
        }
        put(&mut b, l.nvcsw, 11);
        put(&mut b, l.nivcsw, 12);
        put(&mut b, l.inblock, 13);
        put(&mut b, l.oublock, 14);
        put(&mut b, l.rssize, 100);
        if let Some(f) = l.vsize_bytes {
            put(&mut b, f, 1 << 30);
        }
        put(&mut b, l.tsize, 10);
        put(&mut b, l.dsize, 20);
        put(&mut b, l.ssize, -4);
        if let Some(f) = l.oncpu {
            put(&mut b, f, -1);
        }
        if let Some(f) = l.lastcpu {
            put(&mut b, f, 3);
        }
        if let Some(f) = l.nthreads {
            put(&mut b, f, 5);
        }
        if let Some(f) = l.tid {
            put(&mut b, f, 100_123);
        }
        b[l.comm.off..l.comm.off + 5].copy_from_slice(b"sshd\0");
        b
    }

    #[test]
    fn decodes_every_field() {
        let l = test_layout();
        let k = decode(&sample(&l, 42), &l).unwrap();
        assert_eq!(k.pid, 42);
        assert_eq!(k.ppid, 1);
        assert_eq!(k.stat, 2);
        assert_eq!(k.flag, 0x200);
        assert_eq!(k.uids, [1001, 0, 1002]);
        assert_eq!(k.gids, [20, 21, 22]);
        assert_eq!(k.tdev, 0x5a);
        assert_eq!(k.create_time(), 1_700_000_000.25);
        assert_eq!(k.start_micros(), 1_700_000_000_250_000);
        assert_eq!(k.utime, 3.5);
        assert_eq!(k.stime, 1.0);
        assert_eq!((k.cutime, k.cstime), (7.0, 8.0));
        assert_eq!((k.nvcsw, k.nivcsw, k.inblock, k.oublock), (11, 12, 13, 14));
        assert_eq!(k.ssize, 0, "negative page counts read as 0");
        assert_eq!(k.comm, b"sshd");
        assert_eq!(k.nthreads, Some(5));
        assert_eq!(k.tid, Some(100_123));
        // Not on a CPU (oncpu = NOCPU): the last CPU.
        assert_eq!(k.cpu_num(2, -1), Some(3));
        let m = memory(&k, 4096, VmsRule::Bytes);
        assert_eq!(
            m,
            BsdMemory {
                rss: 409_600,
                vms: 1 << 30,
                text: 40_960,
                data: 81_920,
                stack: 0
            }
        );
        assert_eq!(memory(&k, 4096, VmsRule::TextDataStack).vms, 30 * 4096);
        assert_eq!(memory(&k, 4096, VmsRule::Mapped).vms, 0);
    }

    #[test]
    fn without_children_system_time_both_are_the_total() {
        let mut l = test_layout();
        l.cstime = None;
        let k = decode(&sample(&l, 1), &l).unwrap();
        assert_eq!((k.cutime, k.cstime), (7.0, 7.0));
    }

    #[test]
    fn arrays_and_short_records() {
        let l = test_layout();
        let mut buf = sample(&l, 1);
        buf.extend(sample(&l, 2));
        let all = decode_all(&buf, &l).unwrap();
        assert_eq!(all.iter().map(|k| k.pid).collect::<Vec<_>>(), [1, 2]);
        assert!(decode(&buf[..10], &l).is_err());
        assert!(decode_all(&buf[..l.size + 1], &l).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..700)) {
            let l = test_layout();
            let _ = decode(&buf, &l);
            let _ = decode_all(&buf, &l);
        }
    }
}
