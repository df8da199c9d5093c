//! The utmp login records file (`/var/run/utmp`; `man 5 utmp`), as glibc writes it
//! on x86_64 and other 64-bit Linux ports with a 32-bit `ut_tv` (glibc
//! `sysdeps/gnu/bits/utmp.h`, `__WORDSIZE_TIME64_COMPAT32`).
//!
//! Every record is a fixed 384-byte `struct utmp` in the machine's byte order:
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0 | 2 | `ut_type` (i16), then 2 bytes of padding |
//! | 4 | 4 | `ut_pid` (i32) |
//! | 8 | 32 | `ut_line` (tty name without `/dev/`) |
//! | 40 | 4 | `ut_id` (inittab id / tty suffix) |
//! | 44 | 32 | `ut_user` |
//! | 76 | 256 | `ut_host` |
//! | 332 | 4 | `ut_exit` (`e_termination` i16, `e_exit` i16) |
//! | 336 | 4 | `ut_session` (i32) |
//! | 340 | 8 | `ut_tv` (`tv_sec` i32, `tv_usec` i32) |
//! | 348 | 16 | `ut_addr_v6` (4 × i32, network byte order contents) |
//! | 364 | 20 | `__glibc_reserved` |
//!
//! The character fields are NUL-padded but **not** necessarily NUL-terminated
//! when full; each is read up to its first NUL or its full size.
//!
//! A trailing partial record (fewer than 384 bytes) is **ignored**, as glibc's
//! `getutent` does (a short read ends the iteration).

use crate::{ParseError, Result};

/// Size of one `struct utmp` record.
pub const UTMP_RECORD_SIZE: usize = 384;

/// `ut_type` values (`man 5 utmp`).
pub mod ut_type {
    /// No valid user accounting information.
    pub const EMPTY: i16 = 0;
    /// Change in system run level.
    pub const RUN_LVL: i16 = 1;
    /// Time of system boot.
    pub const BOOT_TIME: i16 = 2;
    /// Time after system clock change.
    pub const NEW_TIME: i16 = 3;
    /// Time before system clock change.
    pub const OLD_TIME: i16 = 4;
    /// Process spawned by init.
    pub const INIT_PROCESS: i16 = 5;
    /// Session leader process for user login.
    pub const LOGIN_PROCESS: i16 = 6;
    /// Normal process (a logged-in user).
    pub const USER_PROCESS: i16 = 7;
    /// Terminated process.
    pub const DEAD_PROCESS: i16 = 8;
    /// Not implemented.
    pub const ACCOUNTING: i16 = 9;
}

/// One decoded `struct utmp`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UtmpRecord {
    /// `ut_type` (see [`ut_type`]).
    pub kind: i16,
    /// `ut_pid`.
    pub pid: i32,
    /// `ut_line`, up to the first NUL (at most 32 bytes).
    pub line: Vec<u8>,
    /// `ut_id`, raw 4 bytes.
    pub id: [u8; 4],
    /// `ut_user`, up to the first NUL (at most 32 bytes).
    pub user: Vec<u8>,
    /// `ut_host`, up to the first NUL (at most 256 bytes).
    pub host: Vec<u8>,
    /// `ut_exit.e_termination`.
    pub exit_termination: i16,
    /// `ut_exit.e_exit`.
    pub exit_status: i16,
    /// `ut_session`.
    pub session: i32,
    /// `ut_tv.tv_sec`.
    pub tv_sec: i32,
    /// `ut_tv.tv_usec`.
    pub tv_usec: i32,
    /// `ut_addr_v6`, the raw 16 bytes (an IPv4 address uses the first 4).
    pub addr_v6: [u8; 16],
}

fn cstr(field: &[u8]) -> Vec<u8> {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    field.get(..end).unwrap_or_default().to_vec()
}

fn array<const N: usize>(rec: &[u8], off: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = rec.get(off..off + N) {
        out.copy_from_slice(src);
    }
    out
}

/// Decodes one 384-byte record.
///
/// Errors: `rec` is not exactly [`UTMP_RECORD_SIZE`] bytes long.
pub fn parse_utmp_record(rec: &[u8]) -> Result<UtmpRecord> {
    if rec.len() != UTMP_RECORD_SIZE {
        return Err(ParseError::new(format!(
            "utmp: record of {} bytes, expected {UTMP_RECORD_SIZE}",
            rec.len()
        )));
    }
    let i16_at = |off| i16::from_ne_bytes(array(rec, off));
    let i32_at = |off| i32::from_ne_bytes(array(rec, off));
    Ok(UtmpRecord {
        kind: i16_at(0),
        pid: i32_at(4),
        line: cstr(rec.get(8..40).unwrap_or_default()),
        id: array(rec, 40),
        user: cstr(rec.get(44..76).unwrap_or_default()),
        host: cstr(rec.get(76..332).unwrap_or_default()),
        exit_termination: i16_at(332),
        exit_status: i16_at(334),
        session: i32_at(336),
        tv_sec: i32_at(340),
        tv_usec: i32_at(344),
        addr_v6: array(rec, 348),
    })
}

/// Decodes every whole record of a utmp file; a trailing partial record is ignored
/// (see the module docs).
pub fn parse_utmp(data: &[u8]) -> Vec<UtmpRecord> {
    data.chunks_exact(UTMP_RECORD_SIZE)
        .filter_map(|rec| parse_utmp_record(rec).ok())
        .collect()
}

fn put(out: &mut [u8], off: usize, src: &[u8], max: usize) {
    let n = src.len().min(max);
    if let (Some(dst), Some(src)) = (out.get_mut(off..off + n), src.get(..n)) {
        dst.copy_from_slice(src);
    }
}

/// Encodes a record in the layout above — **for tests** that need a utmp file to
/// read (e.g. to point `who`/`users()` at). Character fields longer than their
/// slot are truncated; shorter ones are NUL-padded.
pub fn encode_utmp_record(r: &UtmpRecord) -> [u8; UTMP_RECORD_SIZE] {
    let mut out = [0u8; UTMP_RECORD_SIZE];
    put(&mut out, 0, &r.kind.to_ne_bytes(), 2);
    put(&mut out, 4, &r.pid.to_ne_bytes(), 4);
    put(&mut out, 8, &r.line, 32);
    put(&mut out, 40, &r.id, 4);
    put(&mut out, 44, &r.user, 32);
    put(&mut out, 76, &r.host, 256);
    put(&mut out, 332, &r.exit_termination.to_ne_bytes(), 2);
    put(&mut out, 334, &r.exit_status.to_ne_bytes(), 2);
    put(&mut out, 336, &r.session.to_ne_bytes(), 4);
    put(&mut out, 340, &r.tv_sec.to_ne_bytes(), 4);
    put(&mut out, 344, &r.tv_usec.to_ne_bytes(), 4);
    put(&mut out, 348, &r.addr_v6, 16);
    out
}

/// One entry of psutil's `users()` (`suser`).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// `ut_user`.
    pub name: Vec<u8>,
    /// `ut_line`, `None` when empty.
    pub terminal: Option<Vec<u8>>,
    /// `ut_host`, with `""`, `":0"` and `":0.0"` replaced by `"localhost"`.
    pub host: Vec<u8>,
    /// Login time in seconds since the epoch: psutil 7.2.2 uses `float(tv_sec)`
    /// only (whole seconds; `tv_usec` is dropped).
    pub started: f64,
    /// `ut_pid`.
    pub pid: i32,
}

/// psutil's `users()` view of the records: `USER_PROCESS` entries only, in file
/// order, with psutil's terminal and host rules. The records are consumed so that
/// their strings move into the result without copies.
pub fn users(records: impl IntoIterator<Item = UtmpRecord>) -> Vec<User> {
    records
        .into_iter()
        .filter(|r| r.kind == ut_type::USER_PROCESS)
        .map(|r| User {
            name: r.user,
            terminal: (!r.line.is_empty()).then_some(r.line),
            host: match r.host.as_slice() {
                b"" | b":0" | b":0.0" => b"localhost".to_vec(),
                _ => r.host,
            },
            started: f64::from(r.tv_sec),
            pid: r.pid,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn login(user: &str, line: &str, host: &str, pid: i32, sec: i32) -> UtmpRecord {
        UtmpRecord {
            kind: ut_type::USER_PROCESS,
            pid,
            line: line.as_bytes().to_vec(),
            id: *b"ts/0",
            user: user.as_bytes().to_vec(),
            host: host.as_bytes().to_vec(),
            session: pid,
            tv_sec: sec,
            tv_usec: 250_000,
            addr_v6: [192, 168, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            ..UtmpRecord::default()
        }
    }

    fn file(records: &[UtmpRecord]) -> Vec<u8> {
        records.iter().flat_map(encode_utmp_record).collect()
    }

    #[test]
    fn layout_offsets() {
        let r = login("alice", "pts/3", "example.org", 4242, 1_700_000_000);
        let b = encode_utmp_record(&r);
        assert_eq!(i16::from_ne_bytes([b[0], b[1]]), 7);
        assert_eq!(i32::from_ne_bytes(b[4..8].try_into().unwrap()), 4242);
        assert_eq!(&b[8..13], b"pts/3");
        assert_eq!(b[13], 0);
        assert_eq!(&b[40..44], b"ts/0");
        assert_eq!(&b[44..49], b"alice");
        assert_eq!(&b[76..87], b"example.org");
        assert_eq!(
            i32::from_ne_bytes(b[340..344].try_into().unwrap()),
            1_700_000_000
        );
        assert_eq!(i32::from_ne_bytes(b[344..348].try_into().unwrap()), 250_000);
        assert_eq!(&b[348..352], &[192, 168, 0, 7]);
        assert!(b[364..].iter().all(|&x| x == 0));
    }

    #[test]
    fn round_trip_and_users_filter() {
        let boot = UtmpRecord {
            kind: ut_type::BOOT_TIME,
            user: b"reboot".to_vec(),
            tv_sec: 1_600_000_000,
            ..UtmpRecord::default()
        };
        let records = vec![
            boot,
            login("alice", "pts/0", "", 10, 100),
            login("bob", "tty1", ":0", 11, 200),
            login("carol", "", ":0.0", 12, 300),
            login("dave", "pts/1", "10.0.0.1", 13, 400),
            UtmpRecord {
                kind: ut_type::DEAD_PROCESS,
                line: b"pts/9".to_vec(),
                ..UtmpRecord::default()
            },
        ];
        let data = file(&records);
        assert_eq!(data.len(), records.len() * UTMP_RECORD_SIZE);
        let parsed = parse_utmp(&data);
        assert_eq!(parsed, records);
        let u = users(parsed.clone());
        assert_eq!(u.len(), 4);
        assert_eq!(u[0].name, b"alice");
        assert_eq!(u[0].terminal.as_deref(), Some(&b"pts/0"[..]));
        assert_eq!(u[0].host, b"localhost");
        assert_eq!(u[0].started, 100.0);
        assert_eq!(u[0].pid, 10);
        assert_eq!(u[1].host, b"localhost");
        assert_eq!(u[2].terminal, None);
        assert_eq!(u[2].host, b"localhost");
        assert_eq!(u[3].host, b"10.0.0.1");
    }

    #[test]
    fn full_width_fields_and_truncated_tail() {
        // 32-byte user with no NUL terminator; 256-byte host.
        let user = "u".repeat(40);
        let host = "h".repeat(300);
        let r = login(&user, &"l".repeat(32), &host, 1, 1);
        let parsed = parse_utmp_record(&encode_utmp_record(&r)).unwrap();
        assert_eq!(parsed.user, "u".repeat(32).as_bytes());
        assert_eq!(parsed.line.len(), 32);
        assert_eq!(parsed.host.len(), 256);
        // A partial final record is dropped.
        let mut data = file(&[login("a", "pts/0", "", 1, 1)]);
        data.extend_from_slice(&[7u8; 100]);
        assert_eq!(parse_utmp(&data).len(), 1);
        assert!(parse_utmp_record(&data[..383]).is_err());
        assert!(parse_utmp(&[]).is_empty());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..1200)) {
            let recs = parse_utmp(&data);
            prop_assert_eq!(recs.len(), data.len() / UTMP_RECORD_SIZE);
            let _ = users(recs);
            let _ = parse_utmp_record(&data);
        }

        #[test]
        fn encode_parse_round_trip(
            kind in any::<i16>(), pid in any::<i32>(), sec in any::<i32>(), usec in any::<i32>(),
            user in proptest::collection::vec(1u8..=255, 0..32),
            host in proptest::collection::vec(1u8..=255, 0..256),
        ) {
            let r = UtmpRecord { kind, pid, user, host, tv_sec: sec, tv_usec: usec, ..UtmpRecord::default() };
            prop_assert_eq!(parse_utmp_record(&encode_utmp_record(&r)).unwrap(), r);
        }
    }
}
